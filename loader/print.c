// SPDX-License-Identifier: MIT
/*
 * libbpf's messages, routed to the runner that caused them.
 *
 * libbpf has one process-wide print hook. A runner installs ours while it calls into libbpf
 * and marks itself current for the calling thread; ours sends the message to that runner's
 * print callback. Messages libbpf prints for anyone else (no runner current on the thread)
 * go to the hook that was installed before ours, so a host program that set its own keeps
 * receiving its messages.
 */
#include <errno.h>
#include <string.h>

#include <bpf/libbpf.h>

#include "loader/internal.h"

static __thread struct eunomia_runner *cur_runner;
/* The hook ours replaced (libbpf's default printer unless the host set one). */
static libbpf_print_fn_t prev_print;

/* Skip libbpf's own "libbpf: " line prefix. */
const char *eun_strip_libbpf(const char *s)
{
	return strncmp(s, "libbpf: ", 8) ? s : s + 8;
}

static int libbpf_print_fn(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	struct eunomia_runner *r = cur_runner;
	struct strbuf line = STRBUF_INIT;
	enum eunomia_print_level lvl;
	size_t n;

	if (!r) {
		libbpf_print_fn_t prev = __atomic_load_n(&prev_print, __ATOMIC_ACQUIRE);

		return prev ? prev(level, fmt, ap) : 0;
	}
	if (level == LIBBPF_DEBUG && !r->opts.verbose)
		return 0;
	if (sb_vaddf(&line, fmt, ap))
		return 0;
	/* while loading, warnings are held back and reported after the outcome is known */
	if (r->held && level != LIBBPF_DEBUG)
		sb_adds(r->held, sb_str(&line));
	lvl = level == LIBBPF_WARN && !r->held ? EUNOMIA_WARN : EUNOMIA_DEBUG;
	if (lvl == EUNOMIA_DEBUG && !r->opts.verbose) {
		sb_free(&line);
		return 0;
	}
	n = line.len;
	while (n && line.buf[n - 1] == '\n')
		line.buf[--n] = '\0';
	eun_log(&r->log, lvl, "libbpf: %s", eun_strip_libbpf(line.buf));
	sb_free(&line);
	return 0;
}

struct eunomia_runner *eun_print__enter(struct eunomia_runner *r)
{
	struct eunomia_runner *prev = cur_runner;
	libbpf_print_fn_t old = libbpf_set_print(libbpf_print_fn);

	/* first install, or the host replaced ours since: chain to what it set */
	if (old != libbpf_print_fn)
		__atomic_store_n(&prev_print, old, __ATOMIC_RELEASE);
	cur_runner = r;
	return prev;
}

void eun_print__leave(struct eunomia_runner *prev)
{
	cur_runner = prev;
}

/*
 * libbpf's own error codes (LIBBPF_ERRNO__*, 4000..) overlap ours: keep libbpf's text for
 * the message and hand callers a plain errno instead.
 */
int eun_libbpf_error(int err, char *msg, size_t size)
{
	if (err >= 0)
		err = -EINVAL;
	libbpf_strerror(err, msg, size);
	if (-err < __LIBBPF_ERRNO__START)
		return err;
	switch (-err) {
	case LIBBPF_ERRNO__FORMAT:
	case LIBBPF_ERRNO__LIBELF:
	case LIBBPF_ERRNO__ENDIAN:
		return -ENOEXEC;
	case LIBBPF_ERRNO__VERIFY:
	case LIBBPF_ERRNO__PROG2BIG:
		return -EUNOMIA_ERR_VERIFIER;
	default:
		return -EINVAL;
	}
}
