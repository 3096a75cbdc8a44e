/* SPDX-License-Identifier: MIT */
/* Helpers shared by the unit tests. Include from one test file only (static functions). */
#ifndef EUNOMIA_TESTS_TEST_UTIL_H
#define EUNOMIA_TESTS_TEST_UTIL_H

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/utsname.h>

#include "common/fileio.h"
#include "common/strbuf.h"

/* The source tree (tests/run.sh exports EUNOMIA_ROOT), else the current directory. */
static inline const char *test_root(void)
{
	const char *r = getenv("EUNOMIA_ROOT");

	return r && *r ? r : ".";
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
