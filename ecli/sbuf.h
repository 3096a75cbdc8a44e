/* SPDX-License-Identifier: MIT */
/* A growable string for ecli's server and client: appends never fail loudly, `oom` says. */
#ifndef EUNOMIA_ECLI_SBUF_H
#define EUNOMIA_ECLI_SBUF_H

#include <stdbool.h>
#include <stddef.h>

struct sbuf {
	char *buf; /* NUL-terminated once something was added */
	size_t len, cap;
	bool oom;
};
void sbuf_add(struct sbuf *b, const void *data, size_t len);
void sbuf_adds(struct sbuf *b, const char *s);
void sbuf_addf(struct sbuf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void sbuf_free(struct sbuf *b);

#endif
