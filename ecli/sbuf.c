// SPDX-License-Identifier: MIT
/* A growable string and the token-file reader for ecli's server and client (ecli uses only
 * the public loader API). */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "ecli/sbuf.h"

void sbuf_add(struct sbuf *b, const void *data, size_t len)
{
	if (b->oom)
		return;
	if (b->len + len + 1 > b->cap) {
		size_t cap = b->cap ? b->cap : 256;
		char *n;

		while (cap < b->len + len + 1)
			cap *= 2;
		n = realloc(b->buf, cap);
		if (!n) {
			b->oom = true;
			return;
		}
		b->buf = n;
		b->cap = cap;
	}
	memcpy(b->buf + b->len, data, len);
	b->len += len;
	b->buf[b->len] = '\0';
}

void sbuf_adds(struct sbuf *b, const char *s)
{
	sbuf_add(b, s, strlen(s));
}

void sbuf_addf(struct sbuf *b, const char *fmt, ...)
{
	char small[512], *big = NULL;
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(small, sizeof(small), fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	if ((size_t)n < sizeof(small)) {
		sbuf_add(b, small, (size_t)n);
		return;
	}
	va_start(ap, fmt);
	if (vasprintf(&big, fmt, ap) >= 0) {
		sbuf_add(b, big, (size_t)n);
		free(big);
	}
	va_end(ap);
}

void sbuf_free(struct sbuf *b)
{
	free(b->buf);
	memset(b, 0, sizeof(*b));
}

int ecli_read_token(const char *who, const char *path, bool warn_readable, char **token)
{
	char line[4096];
	FILE *f = fopen(path, "re");
	struct stat st;
	size_t n;

	*token = NULL;
	if (!f) {
		fprintf(stderr, "%s: cannot read the token file '%s': %s\n", who, path,
			strerror(errno));
		return -1;
	}
	if (warn_readable && !fstat(fileno(f), &st) && (st.st_mode & 0004))
		fprintf(stderr,
			"%s: warning: the token file '%s' is world-readable (chmod 600 it)\n", who,
			path);
	if (!fgets(line, sizeof(line), f))
		line[0] = '\0';
	fclose(f);
	n = strcspn(line, "\r\n");
	line[n] = '\0';
	while (n && (line[n - 1] == ' ' || line[n - 1] == '\t'))
		line[--n] = '\0';
	*token = strdup(line);
	memset(line, 0, sizeof(line));
	return *token ? 0 : -1;
}
