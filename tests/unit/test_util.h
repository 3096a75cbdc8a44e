/* SPDX-License-Identifier: MIT */
/* Helpers shared by the unit tests. Include from one test file only (static functions). */
#ifndef EUNOMIA_TESTS_TEST_UTIL_H
#define EUNOMIA_TESTS_TEST_UTIL_H

#include <errno.h>
#include <ftw.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>

#include <bpf/libbpf.h>
#include <sys/utsname.h>

#include "common/fileio.h"
#include "common/strbuf.h"

/* The source tree (tests/run.sh exports EUNOMIA_ROOT), else the current directory. */
static inline const char *test_root(void)
{
	const char *r = getenv("EUNOMIA_ROOT");

	return r && *r ? r : ".";
}

/*
 * Set-up of the tests that run ecc: root from test_root(), XDG_DATA_HOME (where ecc caches
 * vmlinux.h) in the build directory unless set, a fresh outdir "/tmp/<name>.XXXXXX", and
 * libbpf printing only its warnings. 0 or -1.
 */
static inline int test_quiet_libbpf(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	return level == LIBBPF_WARN ? vfprintf(stderr, fmt, ap) : 0;
}

static inline int test_ecc_setup(const char *name, char *root, size_t rootsz, char *outdir,
				 size_t outsz)
{
	const char *o = getenv("O");
	char xdg[PATH_MAX + 32];

	snprintf(root, rootsz, "%s", test_root());
	if (!getenv("XDG_DATA_HOME")) {
		snprintf(xdg, sizeof(xdg), "%s/%s/test-data-home", root, o && *o ? o : "build");
		setenv("XDG_DATA_HOME", xdg, 1);
	}
	snprintf(outdir, outsz, "/tmp/%s.XXXXXX", name);
	if (!mkdtemp(outdir))
		return -1;
	libbpf_set_print(test_quiet_libbpf);
	return 0;
}

static inline int test_rm_cb(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
	return remove(path);
}

/* Remove dir and everything below it. */
static inline void test_rm_tree(const char *dir)
{
	nftw(dir, test_rm_cb, 16, FTW_DEPTH | FTW_PHYS);
}

/* Read a whole file (also sysfs files, whose size stat cannot tell) into a NUL-terminated
 * malloc'ed buffer; *len gets its size. NULL with errno set on failure. */
static inline void *test_slurp(const char *path, size_t *len)
{
	struct strbuf sb = STRBUF_INIT;
	int err;

	*len = 0;
	err = eun_read_file(path, 0, 0, &sb);
	if (err) {
		sb_free(&sb);
		errno = -err;
		return NULL;
	}
	*len = sb.len;
	return sb_detach(&sb);
}

/* Write text to path (created or truncated). 0, or -1 on failure. */
static inline int test_write_text(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");
	int err;

	if (!f)
		return -1;
	err = fputs(text, f) < 0 ? -1 : 0;
	if (fclose(f))
		err = -1;
	return err;
}

/*
 * Compile the BPF C file src into obj with clang (-g -O2 -target bpf, the host's arch include
 * dir, extra flags if not NULL) and return the object's bytes (malloc'ed; *len gets the size).
 * NULL on failure, with the command on stderr.
 */
static inline void *test_compile_bpf(const char *src, const char *obj, const char *extra,
				     size_t *len)
{
	struct strbuf cmd = STRBUF_INIT;
	struct utsname u;
	void *elf = NULL;

	uname(&u);
	if (sb_addf(&cmd, "clang -g -O2 -target bpf %s -I/usr/include/%s-linux-gnu -c %s -o %s",
		    extra ? extra : "", u.machine, src, obj))
		return NULL;
	if (system(sb_str(&cmd)) == 0)
		elf = test_slurp(obj, len);
	else
		fprintf(stderr, "# could not compile the fixture: %s\n", sb_str(&cmd));
	sb_free(&cmd);
	return elf;
}

#endif
