/* SPDX-License-Identifier: MIT */
/* Small helpers shared by ecc, packer and loader. */
#ifndef EUNOMIA_COMMON_UTIL_H
#define EUNOMIA_COMMON_UTIL_H

#include <stddef.h>
#include <sys/types.h>

/* Format a message into err[errsz]; does nothing when err is NULL or errsz is 0. */
void eun_seterr(char *err, size_t errsz, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* mkdir -p: create dir and its missing parents with mode. 0 or -errno. */
int eun_mkdir_p(const char *dir, mode_t mode);

#endif
