/* SPDX-License-Identifier: MIT */
/* Helpers shared by the unit tests. Include from one test file only (static functions). */
#ifndef EUNOMIA_TESTS_TEST_UTIL_H
#define EUNOMIA_TESTS_TEST_UTIL_H

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>

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
	FILE *f = fopen(path, "rb");
	char buf[65536];
	size_t n;
	int err = 0;

	if (!f)
		return NULL;
	while (!err && (n = fread(buf, 1, sizeof(buf), f)) > 0)
		err = sb_add(&sb, buf, n);
	if (!err && ferror(f))
		err = -EIO;
	fclose(f);
	if (err) {
		sb_free(&sb);
		errno = -err;
		return NULL;
	}
	*len = sb.len;
	return sb_detach(&sb);
}

#endif
