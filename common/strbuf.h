/* SPDX-License-Identifier: MIT */
/* Growable, always NUL-terminated byte buffer shared by ecc, packer and loader. */
#ifndef EUNOMIA_COMMON_STRBUF_H
#define EUNOMIA_COMMON_STRBUF_H

#include <stdarg.h>
#include <stddef.h>

struct strbuf {
	char *buf;  /* NUL-terminated; NULL until the first append */
	size_t len; /* bytes used, not counting the NUL */
	size_t cap; /* bytes allocated */
};

#define STRBUF_INIT        \
	{                  \
		NULL, 0, 0 \
	}

/* All return 0 or -ENOMEM; on failure the buffer keeps its old contents. */
int sb_grow(struct strbuf *sb, size_t extra);
int sb_add(struct strbuf *sb, const void *data, size_t len);
int sb_adds(struct strbuf *sb, const char *s);
int sb_addc(struct strbuf *sb, char c);
int sb_addf(struct strbuf *sb, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
int sb_vaddf(struct strbuf *sb, const char *fmt, va_list ap) __attribute__((format(printf, 2, 0)));
/* Appends n copies of c. */
int sb_pad(struct strbuf *sb, char c, size_t n);
void sb_reset(struct strbuf *sb);
/* Returns the buffer ("" if empty) and leaves sb empty; caller frees. NULL on ENOMEM. */
char *sb_detach(struct strbuf *sb);
/* Returns a C string view ("" when empty); valid until the next append. */
const char *sb_str(const struct strbuf *sb);
void sb_free(struct strbuf *sb);

#endif
