// SPDX-License-Identifier: MIT
/*
 * Which programs load: the caller's only/disable lists, then variants (programs implementing
 * one probe several ways: fentry/kprobe/tracepoint, grouped by attach target or by a name
 * suffix), of which the most capable one this kernel accepts is kept: fentry > kprobe > tp
 * for function hooks, tp_btf > raw_tp > tp for tracepoints (the order of variant_secs[]).
 * Cheap probes rule out what cannot work (no trampolines, no kprobes); the rest is decided by
 * trial: a program the kernel refuses at load is recorded in r->failed_progs, the object is
 * opened again, and the next variant of the same hook takes its place (runner.c).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/btf.h>
#include <bpf/libbpf.h>

#include "loader/internal.h"

/* Is NAME in the comma-separated LIST? */
static bool in_list(const char *list, const char *name)
{
	size_t len = strlen(name);
	const char *p = list;

	while (p && *p) {
		const char *e = strchrnul(p, ',');

		if ((size_t)(e - p) == len && !strncmp(p, name, len))
			return true;
		p = *e ? e + 1 : e;
	}
	return false;
}

/* Names in LIST that are not programs of the object: a typo must not go unnoticed. */
static int check_list(struct eunomia_runner *r, const char *list, const char *what)
{
	const char *p = list;
	char name[256];

	while (p && *p) {
		const char *e = strchrnul(p, ',');
		size_t len = (size_t)(e - p);

		if (len && len < sizeof(name)) {
			memcpy(name, p, len);
			name[len] = '\0';
			if (!bpf_object__find_program_by_name(r->obj, name)) {
				struct strbuf names = STRBUF_INIT;
				struct bpf_program *prog;

				bpf_object__for_each_program(prog, r->obj)
					sb_addf(&names, "%s%s", names.len ? ", " : "",
						bpf_program__name(prog));
				eun_warn(
					&r->log,
					"option %s: no program named '%s' in %s; its programs are: %s",
					what, name, eunomia_package__name(r->pkg), sb_str(&names));
				sb_free(&names);
				return -EUNOMIA_ERR_ARG;
			}
		}
		p = *e ? e + 1 : e;
	}
	return 0;
}

enum variant_kind {
	VK_OTHER,
	VK_TRAMPOLINE, /* fentry/fexit/fmod_ret/lsm/freplace: need BPF trampolines */
	VK_KPROBE,
	VK_TP,
};

static const struct {
	const char *prefix;
	const char *class; /* programs of the same class and target are variants */
	enum variant_kind kind;
} variant_secs[] = {
	{"fentry/", "entry", VK_TRAMPOLINE},
	{"fentry.s/", "entry", VK_TRAMPOLINE},
	{"kprobe/", "entry", VK_KPROBE},
	{"ksyscall/", "entry", VK_KPROBE},
	{"fexit/", "exit", VK_TRAMPOLINE},
	{"fexit.s/", "exit", VK_TRAMPOLINE},
	{"kretprobe/", "exit", VK_KPROBE},
	{"kretsyscall/", "exit", VK_KPROBE},
	{"fmod_ret/", "entry", VK_TRAMPOLINE},
	{"lsm/", "lsm", VK_TRAMPOLINE},
	{"lsm.s/", "lsm", VK_TRAMPOLINE},
	{"tp_btf/", "tp", VK_TP},
	{"raw_tp/", "tp", VK_TP},
	{"raw_tracepoint/", "tp", VK_TP},
	{"tp/", "tp", VK_TP},
	{"tracepoint/", "tp", VK_TP},
};

/* Rank of a section in the preference order: its index in variant_secs[]; others last. */
#define RANK_OTHER 1000

/* Program-name suffixes that mark variants of one probe: "handle_exit_fentry" etc. */
static const char *const variant_suffixes[] = {
	"_fentry", "_fexit", "_kprobe",	    "_kretprobe", "_tp_btf",   "_raw_tp",
	"_btf",	   "_tp",    "_tracepoint", "_lsm",	  "_fmod_ret",
};

static enum variant_kind sec_variant(const char *sec, char *key, size_t keysz, int *idx)
{
	size_t i;

	for (i = 0; i < sizeof(variant_secs) / sizeof(variant_secs[0]); i++) {
		size_t pl = strlen(variant_secs[i].prefix);
		const char *target, *slash;

		if (strncmp(sec, variant_secs[i].prefix, pl))
			continue;
		target = sec + pl;
		/* tp/<category>/<name>: the event name alone matches tp_btf/<name> */
		slash = strrchr(target, '/');
		if (slash)
			target = slash + 1;
		snprintf(key, keysz, "%s:%s", variant_secs[i].class, target);
		*idx = (int)i;
		return variant_secs[i].kind;
	}
	snprintf(key, keysz, "%s", sec);
	*idx = -1;
	return VK_OTHER;
}

/* Base name for the suffix convention, or false when NAME has no variant suffix. */
static bool name_base(const char *name, char *base, size_t basesz)
{
	size_t len = strlen(name), i;

	for (i = 0; i < sizeof(variant_suffixes) / sizeof(variant_suffixes[0]); i++) {
		size_t sl = strlen(variant_suffixes[i]);

		if (len > sl && !strcmp(name + len - sl, variant_suffixes[i])) {
			snprintf(base, basesz, "name:%.*s", (int)(len - sl), name);
			return true;
		}
	}
	return false;
}

/* Trial-load a trivial fentry program attached to kernel BTF type btf_id: 0 or -errno. */
static int load_fentry(int btf_id)
{
	struct bpf_insn insns[] = {
		{.code = BPF_ALU64 | BPF_MOV | BPF_K, .dst_reg = BPF_REG_0, .imm = 0},
		{.code = BPF_JMP | BPF_EXIT},
	};
	struct bpf_prog_load_opts lopts = {.sz = sizeof(struct bpf_prog_load_opts),
					   .expected_attach_type = BPF_TRACE_FENTRY,
					   .attach_btf_id = (__u32)btf_id};
	int fd;

	fd = bpf_prog_load(BPF_PROG_TYPE_TRACING, "eun_probe", "GPL", insns, 2, &lopts);
	if (fd < 0)
		return -errno;
	close(fd);
	return 0;
}

/*
 * Can this kernel load BPF trampolines? A kernel that accepts them checks the attach target
 * first and answers a program without one (BTF id 0) with EINVAL; a kernel that refuses them
 * (lockdown, LSM, no JIT support) answers anything else, typically EPERM, without looking.
 * That first try costs ~0.1 ms; only on EINVAL is the real target looked up, which means
 * parsing the whole kernel BTF (~10 ms), and trial-loaded.
 */
static int probe_trampoline(void)
{
	int id, err;

	err = load_fentry(0);
	if (err != -EINVAL)
		return err ? err : -EINVAL; /* 0 would be a kernel bug: do not trust it */
	id = libbpf_find_vmlinux_btf_id("bpf_fentry_test1", BPF_TRACE_FENTRY);
	if (id < 0)
		return id;
	return load_fentry(id);
}

static bool kprobe_supported(void)
{
	return access("/sys/bus/event_source/devices/kprobe/type", F_OK) == 0 ||
	       access("/sys/kernel/tracing/kprobe_events", F_OK) == 0 ||
	       access("/sys/kernel/debug/tracing/kprobe_events", F_OK) == 0;
}

struct prog_info {
	struct bpf_program *prog;
	char key[256];	/* section class:target */
	char base[256]; /* name-suffix base or "" */
	enum variant_kind kind;
	int sec_idx; /* index in variant_secs[] or -1 */
	int ok;	     /* 1 supported, 0 not, -1 unknown yet */
	int group;
};

static int kind_supported(struct eunomia_runner *r, struct prog_info *pi, int *tramp)
{
	switch (pi->kind) {
	case VK_TRAMPOLINE:
		if (*tramp == -1)
			*tramp = probe_trampoline() == 0;
		return *tramp;
	case VK_KPROBE:
		return kprobe_supported();
	case VK_TP:
		/* tracepoint kinds: the type probe says "unsupported" for tp_btf (TRACING) on
		 * kernels that load it; trial decides */
		return 1;
	default:
		return bpf_program__type(pi->prog) == BPF_PROG_TYPE_TRACING ||
		       libbpf_probe_bpf_prog_type(bpf_program__type(pi->prog), NULL) == 1;
	}
}

static const char *kind_reason(enum variant_kind k)
{
	switch (k) {
	case VK_TRAMPOLINE:
		return "this kernel refuses BPF trampolines (fentry/fexit/lsm)";
	case VK_KPROBE:
		return "this kernel has no kprobe support";
	default:
		return "this kernel does not support the program type";
	}
}

static int rank(const struct prog_info *pi)
{
	return pi->sec_idx < 0 ? RANK_OTHER : pi->sec_idx;
}

/* Group programs sharing a (class:target) key or a name base; returns the number of groups. */
static int group_programs(struct prog_info *pi, size_t n)
{
	int ngroups = 0;

	for (size_t i = 0; i < n; i++) {
		if (pi[i].group >= 0)
			continue;
		pi[i].group = ngroups++;
		for (bool changed = true; changed;) {
			changed = false;
			for (size_t j = 0; j < n; j++) {
				if (pi[j].group >= 0)
					continue;
				for (size_t k = 0; k < n; k++) {
					if (pi[k].group != pi[i].group)
						continue;
					if ((pi[j].kind != VK_OTHER &&
					     !strcmp(pi[j].key, pi[k].key)) ||
					    (pi[j].base[0] && !strcmp(pi[j].base, pi[k].base))) {
						pi[j].group = pi[i].group;
						changed = true;
						break;
					}
				}
			}
		}
	}
	return ngroups;
}

/* Fill pi[] (programs still set to load); the count. */
static size_t collect(struct eunomia_runner *r, struct prog_info *pi)
{
	struct bpf_program *prog;
	size_t n = 0;

	bpf_object__for_each_program(prog, r->obj) {
		if (!bpf_program__autoload(prog))
			continue;
		pi[n].prog = prog;
		pi[n].kind = sec_variant(bpf_program__section_name(prog), pi[n].key,
					 sizeof(pi[n].key), &pi[n].sec_idx);
		if (!name_base(bpf_program__name(prog), pi[n].base, sizeof(pi[n].base)))
			pi[n].base[0] = '\0';
		pi[n].ok = -1;
		pi[n].group = -1;
		n++;
	}
	return n;
}

/*
 * Programs implementing the same probe several ways (fentry/kprobe/tp variants, grouped by
 * attach target or by a name suffix) are variants: keep the most preferred one this kernel
 * may accept.
 */
static void select_variants(struct eunomia_runner *r)
{
	struct bpf_program *prog;
	struct prog_info *pi = NULL;
	size_t n = 0, i;
	int tramp = -1, ngroups;
	bool quiet = r->load_tries > 0; /* said on the first try */

	bpf_object__for_each_program(prog, r->obj)
		if (bpf_program__autoload(prog))
			n++;
	if (n < 2)
		return;
	pi = calloc(n, sizeof(*pi));
	if (!pi)
		return;
	n = collect(r, pi);
	ngroups = group_programs(pi, n);
	for (int g = 0; g < ngroups; g++) {
		size_t members = 0, chosen = n;
		int first_sec = -2;
		bool differ = false;

		/* variants differ in how they attach; two programs on one hook are not variants */
		for (i = 0; i < n; i++) {
			if (pi[i].group != g)
				continue;
			members++;
			if (first_sec == -2)
				first_sec = pi[i].sec_idx;
			else if (pi[i].sec_idx != first_sec)
				differ = true;
		}
		if (members < 2 || !differ)
			continue;
		for (i = 0; i < n; i++) {
			if (pi[i].group != g)
				continue;
			pi[i].ok = kind_supported(r, &pi[i], &tramp);
			if (pi[i].ok && (chosen == n || rank(&pi[i]) < rank(&pi[chosen])))
				chosen = i;
		}
		if (chosen == n)
			continue; /* none works: let load/attach report the real error */
		for (i = 0; i < n; i++) {
			if (pi[i].group != g || i == chosen)
				continue;
			bpf_program__set_autoload(pi[i].prog, false);
			if (quiet)
				continue;
			eun_info(&r->log,
				 "prog '%s' (%s): not used, variant '%s' (%s) runs instead%s%s",
				 bpf_program__name(pi[i].prog),
				 bpf_program__section_name(pi[i].prog),
				 bpf_program__name(pi[chosen].prog),
				 bpf_program__section_name(pi[chosen].prog), pi[i].ok ? "" : ": ",
				 pi[i].ok ? "" : kind_reason(pi[i].kind));
		}
	}
	free(pi);
}

struct bpf_program *eun_variants__stand_in(struct eunomia_runner *r, const char *name,
					   const char *sec)
{
	char key[256], base[256], k2[256], b2[256];
	struct bpf_program *prog;
	int idx;

	if (sec_variant(sec, key, sizeof(key), &idx) == VK_OTHER)
		key[0] = '\0';
	if (!name_base(name, base, sizeof(base)))
		base[0] = '\0';
	bpf_object__for_each_program(prog, r->obj) {
		if (!bpf_program__autoload(prog) || !strcmp(bpf_program__name(prog), name))
			continue;
		if (sec_variant(bpf_program__section_name(prog), k2, sizeof(k2), &idx) == VK_OTHER)
			k2[0] = '\0';
		if (!name_base(bpf_program__name(prog), b2, sizeof(b2)))
			b2[0] = '\0';
		if ((key[0] && !strcmp(key, k2)) || (base[0] && !strcmp(base, b2)))
			return prog;
	}
	return NULL;
}

bool eun_variants__excluded(const struct eunomia_runner *r, const char *name)
{
	return (r->opts.only_progs && !in_list(r->opts.only_progs, name)) ||
	       (r->opts.disable_progs && in_list(r->opts.disable_progs, name)) ||
	       in_list(sb_str(&r->failed_progs), name);
}

/* Apply the only/disable lists (names checked first), then pick variants; programs left. */
int eun_variants__select(struct eunomia_runner *r)
{
	struct bpf_program *prog;
	int err, nload = 0;

	err = check_list(r, r->opts.only_progs, "only_progs");
	if (!err)
		err = check_list(r, r->opts.disable_progs, "disable_progs");
	if (err)
		return err;
	bpf_object__for_each_program(prog, r->obj) {
		const char *name = bpf_program__name(prog);

		if ((r->opts.only_progs && !in_list(r->opts.only_progs, name)) ||
		    (r->opts.disable_progs && in_list(r->opts.disable_progs, name))) {
			bpf_program__set_autoload(prog, false);
			if (!r->load_tries)
				eun_info(&r->log, "prog '%s': disabled on request", name);
		} else if (in_list(sb_str(&r->failed_progs), name)) {
			bpf_program__set_autoload(prog, false); /* refused on an earlier try */
		}
	}
	select_variants(r);
	bpf_object__for_each_program(prog, r->obj)
		nload += bpf_program__autoload(prog);
	return nload;
}
