/* SPDX-License-Identifier: MIT */
/*
 * A small streaming JSON writer into a struct strbuf (compact output, no whitespace).
 *
 * Strings are escaped completely: '"' and '\\', every control byte (0x00-0x1f, 0x7f) as
 * \b \f \n \r \t or \u00XX, and every byte that is not part of a well-formed UTF-8 sequence
 * (overlong forms, surrogates and code points above U+10FFFF count as ill-formed) as \u00XX
 * with XX the byte value. Well-formed UTF-8 is copied as is. Doubles use the shortest of
 * %.15g/%.16g/%.17g that reads back exactly; NaN and infinities are written as null.
 * 128-bit integers are written as decimal strings ("340282366920938463463374607431768211455").
 *
 * Errors are sticky: after a failed append (ENOMEM) or misuse (EINVAL) every call returns the
 * first error and jsonw_error() reports it.
 */
#ifndef EUNOMIA_COMMON_JSONW_H
#define EUNOMIA_COMMON_JSONW_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/strbuf.h"

#define JSONW_MAX_DEPTH 64

struct jsonw {
	struct strbuf *sb;
	int depth;
	int err;
	bool after_key;
	bool need_comma[JSONW_MAX_DEPTH + 1];
	bool in_object[JSONW_MAX_DEPTH + 1];
};

void jsonw_init(struct jsonw *w, struct strbuf *sb);
int jsonw_error(const struct jsonw *w);

int jsonw_start_object(struct jsonw *w);
int jsonw_end_object(struct jsonw *w);
int jsonw_start_array(struct jsonw *w);
int jsonw_end_array(struct jsonw *w);
/* Member name inside an object; the next value call writes its value. */
int jsonw_key(struct jsonw *w, const char *key);

int jsonw_string(struct jsonw *w, const char *s);
/* Exactly len bytes (NUL bytes included, escaped as \u0000). */
int jsonw_string_len(struct jsonw *w, const void *s, size_t len);
int jsonw_u64(struct jsonw *w, uint64_t v);
int jsonw_s64(struct jsonw *w, int64_t v);
int jsonw_u128(struct jsonw *w, unsigned __int128 v);
int jsonw_s128(struct jsonw *w, __int128 v);
int jsonw_double(struct jsonw *w, double v);
int jsonw_bool(struct jsonw *w, bool v);
int jsonw_null(struct jsonw *w);
/* A value already formatted as JSON text (caller guarantees validity). */
int jsonw_raw(struct jsonw *w, const char *text);

/* Append `"...escaped..."` (quotes included) to sb, no separators. 0 or -ENOMEM. */
int json_escape_str(struct strbuf *sb, const void *s, size_t len);
/* Append the escaped text without quotes (for plain-text output of untrusted strings). */
int json_escape_body(struct strbuf *sb, const void *s, size_t len);
/*
 * Escape len bytes exactly like json_escape_body into dst, which must have room for
 * JSON_ESCAPE_MAX(len) bytes; no NUL is written. Returns the number of bytes written.
 */
#define JSON_ESCAPE_MAX(len) ((len)*6)
size_t json_escape_raw(char *dst, const void *s, size_t len);
/* Decimal text of v (same as "%llu" / "%lld") into dst, which must have room for 20 bytes;
 * no NUL is written. Returns the number of bytes written. */
size_t u64_to_dec(char *dst, uint64_t v);
size_t s64_to_dec(char *dst, int64_t v);
/* Decimal text of a 128-bit value into buf (at least 41 bytes); returns buf. */
char *u128_to_str(unsigned __int128 v, char *buf);
char *s128_to_str(__int128 v, char *buf);
/* Shortest round-tripping %g text of a finite double into buf (at least 32 bytes). */
char *double_to_str(double v, char *buf, size_t size);

#endif
