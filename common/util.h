/* SPDX-License-Identifier: MIT */
/* Small helpers shared by ecc, packer and loader. */
#ifndef EUNOMIA_COMMON_UTIL_H
#define EUNOMIA_COMMON_UTIL_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

/* Format a message into err[errsz]; does nothing when err is NULL or errsz is 0. */
void eun_seterr(char *err, size_t errsz, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* mkdir -p: create dir and its missing parents with mode. 0 or -errno. */
int eun_mkdir_p(const char *dir, mode_t mode);

/* snprintf for paths: 0, or -ENAMETOOLONG when the result does not fit in buf[size]. */
int eun_pathf(char *buf, size_t size, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/*
 * Length of the well-formed UTF-8 sequence starting at s (at most n bytes available), or 0 when
 * the first byte does not start one (Unicode Table 3-7: no overlongs, no surrogates, <= U+10FFFF).
 */
size_t eun_utf8_seq_len(const unsigned char *s, size_t n);
/* Whether s[0..n) is well-formed UTF-8 throughout. */
bool eun_utf8_valid(const char *s, size_t n);

/* A C identifier character: [A-Za-z0-9_]. */
bool eun_is_ident_char(char c);
/* Whether s is a C identifier ([A-Za-z_][A-Za-z0-9_]*; names from other tools that go into
 * generated source or paths are checked with it). */
bool eun_is_ident(const char *s);

/* Are all n bytes at p zero? */
bool eun_all_zero(const void *p, size_t n);

/* "0123456789abcdef" */
extern const char eun_hex_digits[17];
/* Write data[0..len) as lower-case hex (2 * len digits) and a NUL to dst; returns the end of the
 * digits (where the NUL is). */
char *eun_hex_encode(char *dst, const void *data, size_t len);

struct strbuf;
/* Append s[0..n), read as ISO-8859-1, to out as UTF-8. 0 or -ENOMEM. */
int eun_latin1_to_utf8(const char *s, size_t n, struct strbuf *out);

#endif
