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

/*
 * The bearer token of a token file (server and client): its first line without the line end
 * and trailing blanks, malloc'ed (*token), the stack copy wiped. who prefixes the message when
 * the file cannot be read; with warn_readable, warns when it is world-readable. 0 or -1.
 */
/*
 * Listen on TCP HOST:PORT ("[v6]:port" too; an empty HOST is every address; port 0 picks a
 * free one). The socket's fd, with the bound address as "host:port" in desc; -1 with the reason
 * in err (EUN_LISTEN_RESOLVE: the address did not resolve; EUN_LISTEN_SOCKET: socket, bind or
 * listen failed) in *kind.
 */
enum { EUN_LISTEN_RESOLVE = 1, EUN_LISTEN_SOCKET = 2 };
int ecli_listen_tcp(const char *hostport, int backlog, char *desc, size_t descsz, char *err,
		    size_t errsz, int *kind);

int ecli_read_token(const char *who, const char *path, bool warn_readable, char **token);

#endif
