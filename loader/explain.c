// SPDX-License-Identifier: MIT
/*
 * Why a load failed, in words a user can act on. Each program gets its own verifier-log
 * buffer (bpf_program__set_log_buf): libbpf asks the kernel for a log only when a program is
 * rejected, so the program whose buffer holds text is the one that failed, and its log's tail
 * is what the user needs. libbpf's other warnings are held back during the load and shown
 * afterwards, except those this file says better.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <bpf/libbpf.h>

#include "loader/internal.h"

#define VERIFIER_TAIL_LINES 30
/* The kernel keeps a log's end when it overflows (rotating log): a small buffer gives the
 * tail; -v asks for the whole log. The pages are only touched when a program fails. */
#define LOG_BUF_SIZE	  (256u * 1024)
#define LOG_BUF_SIZE_FULL (16u * 1024 * 1024)

int eun_explain__prepare(struct eunomia_runner *r)
{
	size_t size = r->opts.verbose ? LOG_BUF_SIZE_FULL : LOG_BUF_SIZE, n = 0, nload = 0;
	struct bpf_program *prog;

	bpf_object__for_each_program(prog, r->obj) {
		n++;
		nload += bpf_program__autoload(prog);
	}
	r->log_bufs = calloc(n ?: 1, sizeof(*r->log_bufs));
	/* one block for all (one mapping; its pages are touched only by a failing program) */
	r->log_mem = malloc((nload ?: 1) * size);
	if (!r->log_bufs || !r->log_mem) {
		eun_explain__release(r);
		return -ENOMEM;
	}
	r->nr_log_bufs = n;
	n = nload = 0;
	bpf_object__for_each_program(prog, r->obj) {
		char *buf;

		if (!bpf_program__autoload(prog)) {
			n++;
			continue;
		}
		buf = r->log_mem + nload++ * size;
		buf[0] = '\0';
		r->log_bufs[n++] = buf;
		bpf_program__set_log_buf(prog, buf, size);
	}
	return 0;
}

void eun_explain__release(struct eunomia_runner *r)
{
	struct bpf_program *prog;
	size_t i = 0;

	if (r->log_bufs) {
		bpf_object__for_each_program(prog, r->obj)
			if (i < r->nr_log_bufs && r->log_bufs[i++])
				bpf_program__set_log_buf(prog, NULL, 0);
	}
	free(r->log_bufs);
	free(r->log_mem);
	r->log_bufs = NULL;
	r->log_mem = NULL;
	r->nr_log_bufs = 0;
}

static bool is_trampoline_type(const struct bpf_program *p)
{
	enum bpf_prog_type t = bpf_program__type(p);
	enum bpf_attach_type a = bpf_program__expected_attach_type(p);

	if (t == BPF_PROG_TYPE_LSM || t == BPF_PROG_TYPE_EXT)
		return true;
	return t == BPF_PROG_TYPE_TRACING && a != BPF_TRACE_RAW_TP && a != BPF_TRACE_ITER;
}

/*
 * libbpf's wording of what is reported here more clearly (the verifier log, the misleading
 * "ulimit -l" hint, per-program load failures): shown only with the verbose option.
 */
static bool reworded(const char *line, size_t len, bool explained)
{
	static const char *const pats[] = {"PROG LOAD LOG", "ulimit", "failed to load",
					   "BPF program load failed"};
	size_t n = explained ? sizeof(pats) / sizeof(pats[0]) : 2;

	for (size_t i = 0; i < n; i++)
		if (memmem(line, len, pats[i], strlen(pats[i])))
			return true;
	return false;
}

/*
 * Show the warnings libbpf gave while loading (those not reworded here), one per line.
 * explained: a failed program is reported here, so libbpf's lines about it are left out.
 */
void eun_explain__replay(struct eunomia_runner *r, bool explained)
{
	const char *held = sb_str(r->held);
	bool in_log = false;

	while (held && *held) {
		const char *e = strchrnul(held, '\n'), *l = eun_strip_libbpf(held);
		size_t len = (size_t)(e - l);

		if (memmem(l, len, "-- BEGIN PROG LOAD LOG --", 25))
			in_log = true;
		else if (memmem(l, len, "-- END PROG LOAD LOG --", 23))
			in_log = false;
		else if (!in_log && len && !reworded(l, len, explained))
			eun_warn(&r->log, "libbpf: %.*s", (int)len, l);
		held = *e ? e + 1 : e;
	}
}

/* Print the last `max` lines of log (no trailing partial noise). */
static void warn_log_tail(struct eunomia_runner *r, const char *log, int max)
{
	size_t len = strlen(log);
	const char *start = log, *p = log + len;
	int lines = 0;

	while (p > log && (p[-1] == '\n' || p[-1] == ' '))
		p--;
	len = (size_t)(p - log);
	while (p > log) {
		if (p[-1] == '\n' && ++lines >= max) {
			start = p;
			break;
		}
		p--;
	}
	if (start != log)
		eun_warn(&r->log,
			 "  ... (log truncated to its last %d lines; set the verbose option for "
			 "all)",
			 max);
	while (start < log + len) {
		const char *e = memchr(start, '\n', (size_t)(log + len - start));

		if (!e)
			e = log + len;
		eun_warn(&r->log, "  %.*s", (int)(e - start), start);
		start = e + 1;
	}
}

/*
 * The program the kernel rejected: the one whose log buffer holds text. A kernel refusing a
 * program before verifying it (BPF trampolines unavailable: EPERM) writes no log; then the
 * first trampoline program loaded is the suspect.
 */
static struct bpf_program *failed_prog(struct eunomia_runner *r, int err, const char **log)
{
	struct bpf_program *prog, *tramp = NULL;
	size_t i = 0;

	*log = NULL;
	bpf_object__for_each_program(prog, r->obj) {
		const char *buf = i < r->nr_log_bufs ? r->log_bufs[i] : NULL;

		i++;
		if (buf && buf[0]) {
			*log = buf;
			return prog;
		}
		if (!tramp && bpf_program__autoload(prog) && is_trampoline_type(prog))
			tramp = prog;
	}
	return err == -EPERM || err == -EOPNOTSUPP || err == -524 /* ENOTSUPP */ ? tramp : NULL;
}

/* The last non-empty line of a verifier log (what it died on, usually). */
static void last_line(const char *log, char *out, size_t size)
{
	const char *end = log + strlen(log), *start;

	while (end > log && (end[-1] == '\n' || end[-1] == ' '))
		end--;
	/* the kernel closes with "processed N insns ..." statistics: the reason comes before */
	for (int i = 0; i < 4; i++) {
		start = end;
		while (start > log && start[-1] != '\n')
			start--;
		if (strncmp(start, "processed ", 10) && strncmp(start, "verification time", 17) &&
		    strncmp(start, "stack depth", 11))
			break;
		end = start;
		while (end > log && (end[-1] == '\n' || end[-1] == ' '))
			end--;
	}
	start = end;
	while (start > log && start[-1] != '\n')
		start--;
	snprintf(out, size, "%.*s", (int)(end - start), start);
}

struct bpf_program *eun_explain__refused(struct eunomia_runner *r, int err, char *reason,
					 size_t size)
{
	const char *log;
	struct bpf_program *prog = failed_prog(r, err, &log);
	char msg[256];

	if (!prog)
		return NULL;
	if (log) {
		char line[200];

		last_line(log, line, sizeof(line));
		snprintf(reason, size, "the kernel verifier rejected it: %s", line);
	} else {
		eun_libbpf_error(err, msg, sizeof(msg));
		snprintf(reason, size,
			 "the kernel refused to load it (%s): this kernel refuses fentry/fexit/lsm "
			 "programs",
			 msg);
	}
	return prog;
}

int eun_explain__failure(struct eunomia_runner *r, int err)
{
	struct bpf_program *prog;
	const char *log, *name, *sec;
	char msg[256];
	int code = eun_libbpf_error(err, msg, sizeof(msg));

	prog = failed_prog(r, err, &log);
	eun_explain__replay(r, prog != NULL);
	if (!prog) {
		/* not a program failure: libbpf's own warnings say what went wrong */
		eun_warn(&r->log, "%s: loading the BPF object failed: %s",
			 eunomia_package__name(r->pkg), msg);
		return code;
	}
	name = bpf_program__name(prog);
	sec = bpf_program__section_name(prog);
	if (!log) {
		eun_warn(&r->log,
			 "prog '%s' (%s): the kernel refused to load it (%s): this kernel refuses "
			 "fentry/fexit/lsm programs (BPF trampolines unavailable); leave it out "
			 "with the option disable_progs=%s or use a kprobe/tp variant",
			 name, sec, msg, name);
		return code;
	}
	if (r->opts.verbose)
		eun_debug(&r->log, "prog '%s': verifier log:\n%s", name, log);
	eun_warn(&r->log, "prog '%s' (%s): the kernel verifier rejected it:", name, sec);
	warn_log_tail(r, log, VERIFIER_TAIL_LINES);
	eun_warn(&r->log,
		 "prog '%s': fix the program (see the verifier log above) or leave it out with "
		 "the option disable_progs=%s",
		 name, name);
	return -EUNOMIA_ERR_VERIFIER;
}
