// SPDX-License-Identifier: MIT
/* A growable string and the token-file reader for ecli's server and client (ecli uses only
 * the public loader API). */
#include <errno.h>
#include <netdb.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

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

int ecli_listen_tcp(const char *hostport, int backlog, char *desc, size_t descsz, char *err,
		    size_t errsz, int *kind)
{
	struct addrinfo hints = {.ai_socktype = SOCK_STREAM, .ai_flags = AI_PASSIVE}, *ai;
	char host[256], sport[NI_MAXSERV], shost[NI_MAXHOST];
	const char *colon = strrchr(hostport, ':');
	struct sockaddr_storage ss;
	socklen_t sl = sizeof(ss);
	size_t hl;
	int fd, one = 1, gerr;

	*kind = EUN_LISTEN_RESOLVE;
	if (!colon || !colon[1] || (size_t)(colon - hostport) >= sizeof(host)) {
		snprintf(err, errsz, "give HOST:PORT");
		return -1;
	}
	hl = (size_t)(colon - hostport);
	memcpy(host, hostport, hl);
	host[hl] = '\0';
	if (hl >= 2 && host[0] == '[' && host[hl - 1] == ']') {
		memmove(host, host + 1, hl - 2);
		host[hl - 2] = '\0';
	}
	gerr = getaddrinfo(*host ? host : NULL, colon + 1, &hints, &ai);
	if (gerr) {
		snprintf(err, errsz, "%s", gai_strerror(gerr));
		return -1;
	}
	*kind = EUN_LISTEN_SOCKET;
	fd = socket(ai->ai_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0 || setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) ||
	    bind(fd, ai->ai_addr, ai->ai_addrlen) || listen(fd, backlog) ||
	    getsockname(fd, (struct sockaddr *)&ss, &sl)) {
		snprintf(err, errsz, "%s", strerror(errno));
		if (fd >= 0)
			close(fd);
		freeaddrinfo(ai);
		return -1;
	}
	freeaddrinfo(ai);
	getnameinfo((struct sockaddr *)&ss, sl, shost, sizeof(shost), sport, sizeof(sport),
		    NI_NUMERICHOST | NI_NUMERICSERV);
	snprintf(desc, descsz, ss.ss_family == AF_INET6 ? "[%s]:%s" : "%s:%s", shost, sport);
	return fd;
}
