// SPDX-License-Identifier: MIT
/*
 * `ecli client` transport: HTTP/1.1 over a Unix socket, TCP or TLS (GnuTLS, which
 * libmicrohttpd already brings into the process), one request per connection
 * (Connection: close), Content-Length or chunked replies.
 */
#include <errno.h>
#include "ecli/lazy.h"
#include "ecli/server.h"
#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "ecli/client.h"

int client_endpoint(struct client *cl, const char *ep)
{
	const char *hp, *colon, *slash;

	cl->desc = ep;
	if (!strncmp(ep, "unix:", 5)) {
		if (strlen(ep + 5) >= sizeof(((struct sockaddr_un *)0)->sun_path) || !ep[5])
			goto bad;
		cl->is_unix = true;
		cl->path = strdup(ep + 5);
		return cl->path ? 0 : -1;
	}
	if (!strncmp(ep, "http://", 7))
		hp = ep + 7;
	else if (!strncmp(ep, "https://", 8))
		hp = ep + 8, cl->tls = true;
	else
		goto bad;
	slash = strchr(hp, '/');
	if (!slash)
		slash = hp + strlen(hp);
	colon = memrchr(hp, ':', (size_t)(slash - hp));
	if (*hp == '[') { /* [v6]:port */
		const char *rb = memchr(hp, ']', (size_t)(slash - hp));

		if (!rb)
			goto bad;
		cl->host = strndup(hp + 1, (size_t)(rb - hp - 1));
		colon = rb[1] == ':' ? rb + 1 : NULL;
	} else {
		cl->host = strndup(hp, (size_t)((colon ? colon : slash) - hp));
	}
	cl->port = colon ? strndup(colon + 1, (size_t)(slash - colon - 1))
			 : strdup(cl->tls ? "443" : "80");
	if (!cl->host || !cl->port || !*cl->host || !*cl->port)
		goto bad;
	return 0;
bad:
	fprintf(stderr,
		"ecli client: --endpoint '%s': expected unix:/PATH, http://HOST:PORT or "
		"https://HOST:PORT\n",
		ep);
	return -1;
}

int client_token(struct client *cl, const char *path)
{
	return ecli_read_token("ecli client", path, false, &cl->token);
}

void client_free(struct client *cl)
{
	free(cl->path);
	free(cl->host);
	free(cl->port);
	if (cl->token)
		memset(cl->token, 0, strlen(cl->token));
	free(cl->token);
}

int client_add_package(cJSON *req, const char *path)
{
	FILE *f = strcmp(path, "-") ? fopen(path, "re") : stdin;
	struct sbuf b = {0};
	char *enc;
	unsigned char buf[65536];
	size_t n, i;
	bool text = true;

	if (!f) {
		fprintf(stderr, "ecli client: cannot read package '%s': %s\n", path,
			strerror(errno));
		return -1;
	}
	while ((n = fread(buf, 1, sizeof(buf), f)) > 0)
		sbuf_add(&b, buf, n);
	if (f != stdin)
		fclose(f);
	if (b.oom || !b.len) {
		fprintf(stderr, "ecli client: package '%s' is empty\n", path);
		sbuf_free(&b);
		return -1;
	}
	for (i = 0; i < b.len && text; i++)
		text = b.buf[i] != '\0';
	if (text) {
		cJSON_AddStringToObject(req, "package", b.buf);
		sbuf_free(&b);
		return 0;
	}
	/* a .tar container: base64 */
	enc = srv_b64_encode(b.buf, b.len);
	sbuf_free(&b);
	if (!enc)
		return -1;
	cJSON_AddStringToObject(req, "package_base64", enc);
	free(enc);
	return 0;
}

struct conn {
	int fd;
	gnutls_session_t tls;
	gnutls_certificate_credentials_t cred;
};

static int conn_open(struct client *cl, struct conn *c)
{
	char err_text[512];
	int err;

	c->fd = -1;
	if (cl->is_unix) {
		struct sockaddr_un sa = {.sun_family = AF_UNIX};

		strcpy(sa.sun_path, cl->path);
		c->fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
		if (c->fd < 0 || connect(c->fd, (struct sockaddr *)&sa, sizeof(sa))) {
			err = errno;
			fprintf(stderr, "ecli client: cannot connect to %s: %s%s\n", cl->desc,
				strerror(err),
				err == EACCES ? " (root or the server's --group only)"
				: err == ENOENT || err == ECONNREFUSED
					? " (is `ecli server` running? --endpoint)"
					: "");
			return -1;
		}
	} else {
		struct addrinfo hints = {.ai_socktype = SOCK_STREAM}, *ai, *a;

		err = getaddrinfo(cl->host, cl->port, &hints, &ai);
		if (err) {
			fprintf(stderr, "ecli client: %s: %s\n", cl->desc, gai_strerror(err));
			return -1;
		}
		for (a = ai; a; a = a->ai_next) {
			c->fd = socket(a->ai_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
			if (c->fd >= 0 && !connect(c->fd, a->ai_addr, a->ai_addrlen))
				break;
			err = errno;
			if (c->fd >= 0)
				close(c->fd);
			c->fd = -1;
		}
		freeaddrinfo(ai);
		if (c->fd < 0) {
			fprintf(stderr, "ecli client: cannot connect to %s: %s\n", cl->desc,
				strerror(err));
			return -1;
		}
	}
	if (!cl->tls)
		return 0;
	if (ecli_lazy_load_gnutls(err_text, sizeof(err_text))) {
		fprintf(stderr, "ecli client: https: %s\n", err_text);
		return -1;
	}
	if (gnutls_certificate_allocate_credentials(&c->cred) ||
	    (cl->cacert ? gnutls_certificate_set_x509_trust_file(c->cred, cl->cacert,
								 GNUTLS_X509_FMT_PEM) <= 0
			: gnutls_certificate_set_x509_system_trust(c->cred) < 0) ||
	    gnutls_init(&c->tls, GNUTLS_CLIENT) || gnutls_set_default_priority(c->tls) ||
	    gnutls_credentials_set(c->tls, GNUTLS_CRD_CERTIFICATE, c->cred)) {
		fprintf(stderr, "ecli client: TLS set-up failed%s%s\n",
			cl->cacert ? " (cannot load --cacert " : "", cl->cacert ? cl->cacert : "");
		if (cl->cacert)
			fprintf(stderr, ")\n");
		return -1;
	}
	gnutls_server_name_set(c->tls, GNUTLS_NAME_DNS, cl->host, strlen(cl->host));
	gnutls_session_set_verify_cert(c->tls, cl->host, 0);
	gnutls_transport_set_int(c->tls, c->fd);
	do {
		err = gnutls_handshake(c->tls);
	} while (err < 0 && !gnutls_error_is_fatal(err));
	if (err < 0) {
		fprintf(stderr, "ecli client: TLS handshake with %s failed: %s\n", cl->desc,
			gnutls_strerror(err));
		return -1;
	}
	return 0;
}

static void conn_close(struct conn *c)
{
	if (c->tls) {
		gnutls_bye(c->tls, GNUTLS_SHUT_WR);
		gnutls_deinit(c->tls);
	}
	if (c->cred)
		gnutls_certificate_free_credentials(c->cred);
	if (c->fd >= 0)
		close(c->fd);
}

static int conn_write(struct conn *c, const char *buf, size_t len)
{
	while (len) {
		ssize_t n = c->tls ? gnutls_record_send(c->tls, buf, len) : write(c->fd, buf, len);

		if (n < 0 &&
		    (c->tls ? n == GNUTLS_E_AGAIN || n == GNUTLS_E_INTERRUPTED : errno == EINTR))
			continue;
		if (n <= 0)
			return -1;
		buf += n;
		len -= (size_t)n;
	}
	return 0;
}

static ssize_t conn_read(struct conn *c, char *buf, size_t len)
{
	for (;;) {
		ssize_t n = c->tls ? gnutls_record_recv(c->tls, buf, len) : read(c->fd, buf, len);

		if (n < 0 &&
		    (c->tls ? n == GNUTLS_E_AGAIN || n == GNUTLS_E_INTERRUPTED : errno == EINTR))
			continue;
		if (c->tls && n == GNUTLS_E_PREMATURE_TERMINATION)
			return 0;
		return n;
	}
}

/* Dechunk body in place. 0 or -1. */
static int dechunk(struct sbuf *b)
{
	size_t in = 0, out = 0;

	while (in < b->len) {
		char *end;
		unsigned long sz = strtoul(b->buf + in, &end, 16);
		char *crlf = strstr(b->buf + in, "\r\n");

		if (!crlf || end == b->buf + in)
			return -1;
		in = (size_t)(crlf - b->buf) + 2;
		if (!sz)
			break;
		if (in + sz > b->len)
			return -1;
		memmove(b->buf + out, b->buf + in, sz);
		out += sz;
		in += sz + 2;
	}
	b->len = out;
	if (b->buf)
		b->buf[out] = '\0';
	return 0;
}

int client_http(struct client *cl, const char *method, const char *path, const char *body,
		size_t len, struct http_reply *rep)
{
	struct sbuf req = {0}, raw = {0};
	struct conn c = {0};
	char buf[16384], *hend;
	ssize_t n;
	int ret = -1;

	sbuf_addf(&req, "%s %s HTTP/1.1\r\nHost: %s\r\nConnection: close\r\n", method, path,
		  cl->is_unix ? "localhost" : cl->host);
	if (cl->token)
		sbuf_addf(&req, "Authorization: Bearer %s\r\n", cl->token);
	if (body)
		sbuf_addf(&req, "Content-Type: application/json\r\nContent-Length: %zu\r\n", len);
	sbuf_adds(&req, "\r\n");
	if (body)
		sbuf_add(&req, body, len);
	if (req.oom || conn_open(cl, &c))
		goto out;
	if (conn_write(&c, req.buf, req.len)) {
		fprintf(stderr, "ecli client: %s: the server closed the connection\n", cl->desc);
		goto out;
	}
	while ((n = conn_read(&c, buf, sizeof(buf))) > 0)
		sbuf_add(&raw, buf, (size_t)n);
	if (raw.oom || !raw.buf || sscanf(raw.buf, "HTTP/1.%*d %d", &rep->status) != 1 ||
	    !(hend = strstr(raw.buf, "\r\n\r\n"))) {
		fprintf(stderr, "ecli client: %s: no HTTP reply (%s)\n", cl->desc,
			n < 0 ? "read error" : "is it an ecli server?");
		goto out;
	}
	*hend = '\0';
	sbuf_add(&rep->body, hend + 4, raw.len - (size_t)(hend + 4 - raw.buf));
	if (strcasestr(raw.buf, "\r\ntransfer-encoding: chunked") && dechunk(&rep->body)) {
		fprintf(stderr, "ecli client: %s: malformed chunked reply\n", cl->desc);
		goto out;
	}
	ret = rep->body.oom ? -1 : 0;
out:
	conn_close(&c);
	sbuf_free(&req);
	sbuf_free(&raw);
	return ret;
}
