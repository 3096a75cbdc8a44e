// SPDX-License-Identifier: MIT
/*
 * The runner: one package's BPF object through open, load, attach, poll and teardown.
 * The other concerns live beside it: libbpf's messages (print.c), BTF choice and the
 * minimal-BTF cache glue (btfsel.c), program selection (variants.c), map sizes (mapsize.c),
 * load-failure reports (explain.c), arguments (args.c), attach rules (attach.c), events and
 * sampled maps (output.c).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "loader/internal.h"

uint64_t eun_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

/* ---- open ---------------------------------------------------------------------------- */

struct bpf_object *eun_runner__open_object(struct eunomia_runner *r, const char *custom, int *err)
{
	struct bpf_object_open_opts oopts = {.sz = sizeof(struct bpf_object_open_opts)};
	struct eunomia_runner *prev;
	struct bpf_object *obj;
	const void *elf;
	size_t elf_size;

	oopts.object_name = r->meta->obj_name;
	oopts.btf_custom_path = custom;
	elf = eunomia_package__elf(r->pkg, &elf_size);
	prev = eun_print__enter(r);
	obj = bpf_object__open_mem(elf, elf_size, &oopts);
	*err = obj ? 0 : -errno;
	eun_print__leave(prev);
	return obj;
}

struct eunomia_runner *eunomia_runner__open(const struct eunomia_package *pkg,
					    const struct eunomia_runner_opts *opts)
{
	struct eunomia_runner *r;
	const char *custom;
	size_t n;
	int err;

	if (!pkg) {
		errno = EINVAL;
		return NULL;
	}
	r = calloc(1, sizeof(*r));
	if (!r) {
		errno = ENOMEM;
		return NULL;
	}
	r->btf_tmp_fd = -1;
	r->stats_fd = -1;
	if (opts) {
		n = opts->sz < sizeof(r->opts) ? opts->sz : sizeof(r->opts);
		memcpy(&r->opts, opts, n);
	}
	r->opts.sz = sizeof(r->opts);
	/* tracefs is mounted only on request (mount_tracefs); no_mount_tracefs still wins */
	r->opts.no_mount_tracefs = r->opts.no_mount_tracefs || !r->opts.mount_tracefs;
	r->log.print = r->opts.print;
	r->log.ctx = r->opts.print_ctx;
	r->pkg = pkg;
	r->meta = &pkg->meta;
	r->state = EUN_STATE_OPENED;

	err = eun_btfsel__choose(r, &custom);
	if (err)
		goto err_out;
	r->obj = eun_runner__open_object(r, custom, &err);
	r->btf_custom = custom;
	if (!r->obj) {
		char msg[256];

		err = eun_libbpf_error(err, msg, sizeof(msg));
		eun_warn(&r->log,
			 "%s: libbpf cannot open the BPF object: %s (is bpf_object a BPF ELF built "
			 "by ecc or clang -target bpf?)",
			 eunomia_package__name(pkg), msg);
		goto err_out;
	}
	err = eun_args__init(r);
	if (err)
		goto err_out;
	return r;

err_out:
	eunomia_runner__free(r);
	errno = err < 0 ? -err : EINVAL;
	return NULL;
}

/* ---- load ---------------------------------------------------------------------------- */

/* Programs that may still load: not left out on request, not refused. */
static int nr_candidates(const struct eunomia_runner *r)
{
	struct bpf_program *prog;
	int n = 0;

	bpf_object__for_each_program(prog, r->obj)
		n += !eun_variants__excluded(r, bpf_program__name(prog));
	return n;
}

/*
 * The load was refused on one program (err): outside the strict option, leave it out and try
 * again, with its next variant in its place if it has one, as long as a program is left.
 * Returns 0 when the object was opened again for another try, else err.
 */
static int leave_out_refused(struct eunomia_runner *r, int err)
{
	char reason[320], name[128], sec[128];
	struct bpf_program *prog, *stand_in;
	struct eunomia_runner *prev;
	int n;

	if (r->opts.strict)
		return err;
	prog = eun_explain__refused(r, err, reason, sizeof(reason));
	if (!prog)
		return err;
	snprintf(name, sizeof(name), "%s", bpf_program__name(prog));
	snprintf(sec, sizeof(sec), "%s", bpf_program__section_name(prog));
	n = (int)r->failed_progs.len;
	if (sb_addf(&r->failed_progs, "%s%s", n ? "," : "", name))
		return err;
	if (nr_candidates(r) == 0) {
		/* nothing else could run: report this program's failure in full */
		r->failed_progs.len = (size_t)n;
		r->failed_progs.buf[n] = '\0';
		return err;
	}
	eun_explain__replay(r, true);
	sb_reset(r->held);
	r->load_tries++;
	prev = eun_print__enter(r);
	n = eun_btfsel__reopen(r, r->btf_custom, false);
	if (!n)
		n = eun_variants__select(r);
	eun_print__leave(prev);
	if (n <= 0)
		return n < 0 ? n : err;
	stand_in = eun_variants__stand_in(r, name, sec);
	if (stand_in)
		eun_warn(&r->log, "prog '%s' (%s): %s; its variant '%s' (%s) runs instead", name,
			 sec, reason, bpf_program__name(stand_in),
			 bpf_program__section_name(stand_in));
	else
		eun_warn(&r->log,
			 "prog '%s' (%s): left out: %s; the other programs run (the strict option "
			 "makes this an error)",
			 name, sec, reason);
	return 0;
}

/*
 * bpf_object__load with per-program verifier logs and libbpf's warnings held back. A program
 * the kernel refuses is left out and the object loaded again (leave_out_refused); the common
 * case, everything loading first time, costs one load.
 */
static int load_object(struct eunomia_runner *r)
{
	struct eunomia_runner *prev;
	int err;

	for (;;) {
		prev = eun_print__enter(r);
		err = eun_explain__prepare(r);
		if (!err) {
			eun_attach__prepare(r); /* struct_ops maps registered by links */
			err = bpf_object__load(r->obj);
		}
		eun_print__leave(prev);
		if (err && r->btf_cache_path)
			err = eun_btfsel__reload_without_cache(r);
		if (!err || leave_out_refused(r, err))
			break;
	}
	if (err)
		err = eun_explain__failure(r, err);
	else
		eun_explain__replay(r, false);
	eun_explain__release(r);
	return err;
}

int eunomia_runner__load(struct eunomia_runner *r)
{
	struct eun_output_opts oopts;
	struct eunomia_runner *prev;
	struct strbuf held = STRBUF_INIT;
	int err, nload;

	if (!r)
		return -EINVAL;
	if (r->state != EUN_STATE_OPENED) {
		eun_warn(&r->log, "load: the runner is already loaded");
		return -EUNOMIA_ERR_STATE;
	}
	if (r->opts.btf_path && access(r->opts.btf_path, R_OK)) {
		/* libbpf would only say "failed to parse target BTF: -2" */
		err = -errno;
		eun_warn(&r->log, "cannot read the BTF file %s: %s; give a readable BTF file",
			 r->opts.btf_path, strerror(-err));
		return err;
	}
	prev = eun_print__enter(r);
	nload = eun_variants__select(r);
	if (nload >= 0)
		eun_mapsize__apply(r);
	eun_print__leave(prev);
	if (nload < 0)
		return nload;
	if (nload == 0)
		eun_warn(&r->log,
			 "%s: no program left to load (check the only_progs and disable_progs "
			 "options)",
			 eunomia_package__name(r->pkg));

	err = eun_args__apply(r);
	if (err)
		return err;

	r->held = &held;
	err = load_object(r);
	r->held = NULL;
	sb_free(&held);
	if (err)
		return err;
	eun_btfsel__loaded(r);

	oopts = (struct eun_output_opts){
		.format = r->opts.format,
		.out = r->opts.out,
		.output = r->opts.output,
		.output_ctx = r->opts.output_ctx,
		.log = &r->log,
		.meta = r->meta,
		.obj = r->obj,
		.stop = &r->stop,
		.folded = r->opts.folded,
	};

	prev = eun_print__enter(r);
	r->output = eun_output__new(&oopts);
	eun_print__leave(prev);
	if (!r->output) {
		err = errno ? -errno : -EINVAL;
		eun_warn(&r->log, "%s: cannot set up event output: %s",
			 eunomia_package__name(r->pkg), eunomia_strerror(err));
		return err;
	}
	r->state = EUN_STATE_LOADED;
	if (r->opts.bpf_stats) {
		r->stats_fd = bpf_enable_stats(BPF_STATS_RUN_TIME);
		if (r->stats_fd < 0)
			eun_warn(&r->log,
				 "cannot turn on kernel BPF statistics: %s; run as root, or set "
				 "the sysctl kernel.bpf_stats_enabled=1",
				 strerror(errno));
	}
	return 0;
}

/* After programs were left out at load: one line saying which programs run. */
static void say_running(struct eunomia_runner *r)
{
	struct strbuf names = STRBUF_INIT;

	if (!r->failed_progs.len)
		return;
	for (size_t i = 0; i < r->nr_att; i++)
		if (r->att[i].prog_name && !strstr(sb_str(&names), r->att[i].prog_name))
			sb_addf(&names, "%s%s", names.len ? ", " : "", r->att[i].prog_name);
	eun_warn(&r->log, "%s: running %s; left out: %s", eunomia_package__name(r->pkg),
		 names.len ? sb_str(&names) : "no program", sb_str(&r->failed_progs));
	sb_free(&names);
}

int eunomia_runner__dump_maps(struct eunomia_runner *r)
{
	struct eunomia_runner *prev;
	int err;

	if (!r)
		return -EINVAL;
	if (!r->output) {
		eun_warn(&r->log, "dump_maps: load the runner first");
		return -EUNOMIA_ERR_STATE;
	}
	prev = eun_print__enter(r);
	err = eun_output__dump(r->output);
	eun_print__leave(prev);
	return err;
}

int eunomia_runner__attach(struct eunomia_runner *r)
{
	struct eunomia_runner *prev;
	int n;

	if (!r)
		return -EINVAL;
	/* DETACHED: attach again after detach (pause/resume) */
	if (r->state != EUN_STATE_LOADED && r->state != EUN_STATE_DETACHED) {
		eun_warn(&r->log, "attach: %s",
			 r->state == EUN_STATE_OPENED ? "load the runner first"
						      : "the runner was already attached");
		return -EUNOMIA_ERR_STATE;
	}
	prev = eun_print__enter(r);
	n = eun_attach__all(r);
	eun_print__leave(prev);
	if (n >= 0) {
		if (r->state == EUN_STATE_LOADED)
			say_running(r);
		r->state = EUN_STATE_ATTACHED;
	}
	return n;
}

/* ---- poll ---------------------------------------------------------------------------- */

int eunomia_runner__poll(struct eunomia_runner *r, int timeout_ms)
{
	uint64_t now;
	int err;

	if (!r)
		return -EINVAL;
	if (r->stop)
		return -EINTR;
	if (r->state != EUN_STATE_ATTACHED && r->state != EUN_STATE_LOADED)
		return -EUNOMIA_ERR_STATE;
	now = eun_now_ns();
	if (!r->start_ns)
		r->start_ns = now;
	if (r->opts.duration_ms > 0) {
		uint64_t end = r->start_ns + (uint64_t)r->opts.duration_ms * 1000000ull;

		if (now >= end)
			return -ETIME;
		if (timeout_ms < 0 || (uint64_t)timeout_ms * 1000000ull > end - now)
			timeout_ms = (int)((end - now + 999999) / 1000000);
	}
	err = eun_output__poll(r->output, timeout_ms);
	if (r->stop)
		return -EINTR;
	if (err == -EINTR)
		return 0; /* a signal that did not stop us */
	return err;
}

int eunomia_runner__run(struct eunomia_runner *r)
{
	int timeout, err;

	if (!r)
		return -EINVAL;
	timeout = r->meta->poll_timeout_ms > 0 ? r->meta->poll_timeout_ms : 100;
	for (;;) {
		err = eunomia_runner__poll(r, timeout);
		if (err == -EINTR || err == -ETIME)
			return 0;
		if (err < 0)
			return err;
	}
}

void eunomia_runner__stop(struct eunomia_runner *r)
{
	if (r)
		r->stop = 1;
}

int eunomia_runner__detach(struct eunomia_runner *r)
{
	struct eunomia_runner *prev;
	int err;

	if (!r)
		return -EINVAL;
	prev = eun_print__enter(r);
	err = eun_attach__detach_all(r);
	eun_print__leave(prev);
	if (r->state == EUN_STATE_ATTACHED)
		r->state = EUN_STATE_DETACHED;
	return err;
}

void eunomia_runner__free(struct eunomia_runner *r)
{
	struct eunomia_runner *prev;

	if (!r)
		return;
	prev = eun_print__enter(r);
	eun_attach__detach_all(r);
	free(r->att);
	r->att = NULL;
	r->nr_att = 0;
	eun_output__free(r->output);
	r->output = NULL;
	eun_args__free(r);
	eun_explain__release(r);
	bpf_object__close(r->obj);
	eun_print__leave(prev);
	eun_btfsel__free(r);
	if (r->stats_fd >= 0)
		close(r->stats_fd);
	sb_free(&r->failed_progs);
	free(r);
}

uint64_t eunomia_runner__lost_events(const struct eunomia_runner *r)
{
	return r && r->output ? eun_output__lost(r->output) : 0;
}

struct bpf_object *eunomia_runner__bpf_object(const struct eunomia_runner *r)
{
	return r ? r->obj : NULL;
}
