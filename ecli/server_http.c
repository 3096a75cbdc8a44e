// SPDX-License-Identifier: MIT
/*
 * `ecli server` HTTP side (libmicrohttpd, one thread per connection so that a long-poll or a
 * stream simply waits on its program): authentication (SO_PEERCRED on the Unix socket, a
 * bearer token on TCP), the request body limit, JSON replies and the /v1 routes.
 */
#include <errno.h>
#include <limits.h>
#include "ecli/lazy.h"
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "ecli/server.h"

struct req {
	struct sbuf body;
	bool too_big;
	unsigned int auth; /* 0: allowed, else 401/403 */
};

int srv_reply_json(struct MHD_Connection *c, unsigned int status, cJSON *body)
{
	struct MHD_Response *resp;
	char *text = body ? cJSON_PrintUnformatted(body) : NULL;
	size_t len;
	int ret;

	cJSON_Delete(body);
	if (!text) {
		static const char oom[] = "{\"error\":\"out of memory\"}\n";

		resp = MHD_create_response_from_buffer(sizeof(oom) - 1, (void *)oom,
						       MHD_RESPMEM_PERSISTENT);
		status = 500;
	} else {
		len = strlen(text);
		text[len] = '\n'; /* replaces the NUL: the body is one line */
		resp = MHD_create_response_from_buffer(len + 1, text, MHD_RESPMEM_MUST_FREE);
	}
	if (!resp) {
		free(text);
		return MHD_NO;
	}
	MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE, "application/json");
	if (status == 401)
		MHD_add_response_header(resp, MHD_HTTP_HEADER_WWW_AUTHENTICATE, "Bearer");
	ret = MHD_queue_response(c, status, resp);
	MHD_destroy_response(resp);
	return ret;
}

int srv_reply_error(struct MHD_Connection *c, unsigned int status, const char *key, const char *fmt,
		    ...)
{
	cJSON *o = cJSON_CreateObject();
	char *msg = NULL;
	va_list ap;

	va_start(ap, fmt);
	if (vasprintf(&msg, fmt, ap) < 0)
		msg = NULL;
	va_end(ap);
	if (o)
		cJSON_AddStringToObject(o, key, msg ? msg : "out of memory");
	free(msg);
	return srv_reply_json(c, status, o);
}

/* ---- authentication ---- */

static int conn_fd(struct MHD_Connection *c)
{
	const union MHD_ConnectionInfo *ci =
		MHD_get_connection_info(c, MHD_CONNECTION_INFO_CONNECTION_FD);

	return ci ? ci->connect_fd : -1;
}

static unsigned int auth_unix(struct srv_listener *l, struct MHD_Connection *c)
{
	struct srv_config *cfg = l->srv->cfg;
	gid_t groups[512];
	struct ucred uc;
	socklen_t len = sizeof(uc);
	int fd = conn_fd(c);
	size_t i;

	if (fd < 0 || getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &uc, &len))
		return 403;
	if (uc.uid == 0)
		return 0;
	if (!cfg->have_group)
		return 403;
	if (uc.gid == cfg->gid)
		return 0;
	len = sizeof(groups);
	if (getsockopt(fd, SOL_SOCKET, SO_PEERGROUPS, groups, &len))
		return 403;
	for (i = 0; i < len / sizeof(gid_t); i++)
		if (groups[i] == cfg->gid)
			return 0;
	return 403;
}

/* Equal strings, in a time that depends only on the lengths. */
static bool token_equal(const char *given, size_t glen, const char *want, size_t wlen)
{
	unsigned char diff = glen != wlen;
	size_t i;

	for (i = 0; i < wlen; i++)
		diff |= (unsigned char)(want[i] ^ (i < glen ? given[i] : 0));
	return diff == 0;
}

static unsigned int auth_tcp(struct srv_listener *l, struct MHD_Connection *c)
{
	const char *h =
		MHD_lookup_connection_value(c, MHD_HEADER_KIND, MHD_HTTP_HEADER_AUTHORIZATION);
	const char *tok = l->srv->cfg->token;

	if (!h || strncasecmp(h, "Bearer ", 7))
		return 401;
	h += 7;
	while (*h == ' ')
		h++;
	return token_equal(h, strlen(h), tok, strlen(tok)) ? 0 : 401;
}

/* ---- /v1 ---- */

static bool parse_u64(const char *s, uint64_t max, uint64_t *out)
{
	unsigned long long v;
	char *end;

	if (!s || !*s || *s == '-')
		return false;
	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno || *end || v > max)
		return false;
	*out = v;
	return true;
}

static int reply_list(struct srv *s, struct MHD_Connection *c)
{
	cJSON *o = cJSON_CreateObject(), *a = cJSON_AddArrayToObject(o, "programs");
	uint64_t *ids;
	size_t n, i;

	ids = srv_prog_ids(s, &n);
	for (i = 0; ids && a && i < n; i++) {
		struct srv_prog *p = srv_prog_get(s, ids[i]);

		if (p)
			cJSON_AddItemToArray(a, srv_prog_json(p, false));
		srv_prog_put(p);
	}
	free(ids);
	return srv_reply_json(c, 200, o);
}

static int reply_start(struct srv *s, struct MHD_Connection *c, const char *body, size_t len)
{
	struct prog_spec spec = {0};
	struct start_result res;
	cJSON *doc, *o;
	char *err = NULL;
	int ret;

	doc = cJSON_ParseWithLength(body, len);
	if (!doc || !cJSON_IsObject(doc)) {
		cJSON_Delete(doc);
		return srv_reply_error(c, 400, "error", "the request body is not a JSON object");
	}
	if (srv_spec_from_v1(doc, &spec, &err)) {
		cJSON_Delete(doc);
		ret = srv_reply_error(c, 400, "error", "%s", err ? err : "out of memory");
		free(err);
		return ret;
	}
	cJSON_Delete(doc);
	if (srv_prog_start(s, &spec, 0, false, &res)) {
		ret = srv_reply_error(c, res.status, "error", "%s", res.error ? res.error : "");
		free(res.error);
		return ret;
	}
	o = cJSON_CreateObject();
	{
		struct srv_prog *p = srv_prog_get(s, res.id);

		if (p) {
			cJSON_Delete(o);
			o = srv_prog_json(p, false);
		}
		srv_prog_put(p);
	}
	return srv_reply_json(c, 201, o);
}

struct emit_ctx {
	struct sbuf b;
	bool plain;
	size_t n;
};

static void emit_event(void *ctx, const struct srv_event *ev)
{
	struct emit_ctx *e = ctx;

	sbuf_addf(&e->b, "%s{\"cursor\":%llu,\"time\":%llu,\"data\":", e->n++ ? "," : "",
		  (unsigned long long)ev->cursor, (unsigned long long)ev->time_ns);
	if (e->plain) {
		cJSON *str = cJSON_CreateString(ev->line);
		char *t = str ? cJSON_PrintUnformatted(str) : NULL;

		sbuf_adds(&e->b, t ? t : "\"\"");
		free(t);
		cJSON_Delete(str);
	} else {
		sbuf_add(&e->b, ev->line, ev->len);
	}
	sbuf_adds(&e->b, "}");
}

static int reply_events(struct srv_prog *p, struct MHD_Connection *c)
{
	struct emit_ctx e = {.plain = p->spec.plain};
	struct MHD_Response *resp;
	uint64_t after = 0, limit = 1000, wait = 0, next, dropped;
	enum prog_state st;
	const char *v;
	bool gone;
	int ret;

	v = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "after");
	if (v && !parse_u64(v, UINT64_MAX - 1, &after))
		return srv_reply_error(c, 400, "error", "after: expected a cursor, got '%s'", v);
	v = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "limit");
	if (v && (!parse_u64(v, 100000, &limit) || !limit))
		return srv_reply_error(c, 400, "error",
				       "limit: expected an integer in [1, 100000], got '%s'", v);
	v = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "wait_ms");
	if (v && !parse_u64(v, 300000, &wait))
		return srv_reply_error(c, 400, "error",
				       "wait_ms: expected milliseconds in [0, 300000], got '%s'",
				       v);
	sbuf_adds(&e.b, "{\"events\":[");
	next = srv_prog_read(p, after, (size_t)limit, (int)wait, emit_event, &e, &gone);
	pthread_mutex_lock(&p->lock);
	dropped = p->dropped;
	st = p->state;
	pthread_mutex_unlock(&p->lock);
	sbuf_addf(&e.b, "],\"next\":%llu,\"dropped\":%llu,\"state\":\"%s\"}\n",
		  (unsigned long long)next, (unsigned long long)dropped,
		  gone ? "stopped" : srv_prog_state_name(st));
	if (e.b.oom) {
		sbuf_free(&e.b);
		return srv_reply_error(c, 500, "error", "out of memory");
	}
	resp = MHD_create_response_from_buffer(e.b.len, e.b.buf, MHD_RESPMEM_MUST_FREE);
	if (!resp) {
		sbuf_free(&e.b);
		return MHD_NO;
	}
	MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE, "application/json");
	ret = MHD_queue_response(c, 200, resp);
	MHD_destroy_response(resp);
	return ret;
}

/* ---- /v1/programs/{id}/events/stream: chunked NDJSON until the client leaves ---- */

struct stream {
	struct srv_prog *p;
	uint64_t cursor;
	int fd;
	struct emit_ctx e;
	size_t off;
};

static void emit_line(void *ctx, const struct srv_event *ev)
{
	struct emit_ctx *e = ctx;

	e->n = 0;
	emit_event(e, ev);
	sbuf_adds(&e->b, "\n");
}

static bool peer_gone(int fd)
{
	struct pollfd pfd = {.fd = fd, .events = POLLRDHUP};

	return fd >= 0 && poll(&pfd, 1, 0) > 0 && (pfd.revents & (POLLRDHUP | POLLHUP | POLLERR));
}

static ssize_t stream_read(void *cls, uint64_t pos, char *buf, size_t max)
{
	struct stream *st = cls;
	bool gone;

	for (;;) {
		if (st->off < st->e.b.len) {
			size_t n = st->e.b.len - st->off;

			if (n > max)
				n = max;
			memcpy(buf, st->e.b.buf + st->off, n);
			st->off += n;
			return (ssize_t)n;
		}
		st->e.b.len = 0;
		st->off = 0;
		st->cursor = srv_prog_read(st->p, st->cursor, 256, 500, emit_line, &st->e, &gone);
		if (st->e.b.oom)
			return MHD_CONTENT_READER_END_WITH_ERROR;
		if (st->e.b.len)
			continue;
		if (gone)
			return MHD_CONTENT_READER_END_OF_STREAM;
		if (peer_gone(st->fd))
			return MHD_CONTENT_READER_END_WITH_ERROR;
	}
}

static void stream_free(void *cls)
{
	struct stream *st = cls;

	srv_prog_put(st->p);
	sbuf_free(&st->e.b);
	free(st);
}

static int reply_stream(struct srv_prog *p, struct MHD_Connection *c)
{
	struct stream *st = calloc(1, sizeof(*st));
	struct MHD_Response *resp;
	const char *v;
	int ret;

	if (!st)
		return srv_reply_error(c, 500, "error", "out of memory");
	v = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "after");
	if (v && !parse_u64(v, UINT64_MAX - 1, &st->cursor)) {
		free(st);
		return srv_reply_error(c, 400, "error", "after: expected a cursor, got '%s'", v);
	}
	st->p = p;
	st->fd = conn_fd(c);
	st->e.plain = p->spec.plain;
	pthread_mutex_lock(&p->srv->lock);
	p->refs++; /* the stream's own reference */
	pthread_mutex_unlock(&p->srv->lock);
	resp = MHD_create_response_from_callback(MHD_SIZE_UNKNOWN, 16384, stream_read, st,
						 stream_free);
	if (!resp) {
		stream_free(st);
		return MHD_NO;
	}
	MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE, "application/x-ndjson");
	ret = MHD_queue_response(c, 200, resp);
	MHD_destroy_response(resp);
	return ret;
}

static int route_program(struct srv *s, struct MHD_Connection *c, const char *method,
			 const char *rest)
{
	char idbuf[32], *msg = NULL;
	const char *sub = strchr(rest, '/');
	size_t n = sub ? (size_t)(sub - rest) : strlen(rest);
	struct srv_prog *p;
	uint64_t id;
	cJSON *o;
	int ret, err;

	if (n >= sizeof(idbuf))
		return srv_reply_error(c, 404, "error", "no such program '%s'", rest);
	memcpy(idbuf, rest, n);
	idbuf[n] = '\0';
	if (!parse_u64(idbuf, UINT64_MAX, &id))
		return srv_reply_error(c, 404, "error", "no such program '%s'", idbuf);
	sub = sub ? sub : "";
	if (!*sub && !strcmp(method, "DELETE")) {
		if (srv_prog_stop(s, id))
			return srv_reply_error(c, 404, "error", "no such program %s", idbuf);
		o = cJSON_CreateObject();
		srv_json_u64(o, "id", id);
		cJSON_AddStringToObject(o, "state", "stopped");
		return srv_reply_json(c, 200, o);
	}
	p = srv_prog_get(s, id);
	if (!p)
		return srv_reply_error(c, 404, "error", "no such program %s", idbuf);
	if (!*sub && !strcmp(method, "GET")) {
		ret = srv_reply_json(c, 200, srv_prog_json(p, true));
	} else if ((!strcmp(sub, "/pause") || !strcmp(sub, "/resume")) && !strcmp(method, "POST")) {
		err = srv_prog_pause(p, !strcmp(sub, "/pause"), &msg);
		if (err)
			ret = srv_reply_error(c, err == -EUNOMIA_ERR_STATE ? 409 : 422, "error",
					      "%s", msg ? msg : eunomia_strerror(err));
		else
			ret = srv_reply_json(c, 200, srv_prog_json(p, false));
		free(msg);
	} else if (!strcmp(sub, "/events") && !strcmp(method, "GET")) {
		ret = reply_events(p, c);
	} else if (!strcmp(sub, "/events/stream") && !strcmp(method, "GET")) {
		ret = reply_stream(p, c);
	} else if (!*sub || !strcmp(sub, "/pause") || !strcmp(sub, "/resume") ||
		   !strcmp(sub, "/events") || !strcmp(sub, "/events/stream")) {
		ret = srv_reply_error(c, 405, "error", "%s is not allowed on this path", method);
	} else {
		ret = srv_reply_error(c, 404, "error", "no such path");
	}
	srv_prog_put(p);
	return ret;
}

static int route(struct srv *s, struct MHD_Connection *c, const char *method, const char *url,
		 struct req *rq)
{
	cJSON *o;
	int ret;

	if (!strcmp(url, "/v1/health")) {
		size_t n;
		uint64_t *ids = srv_prog_ids(s, &n);

		free(ids);
		o = cJSON_CreateObject();
		cJSON_AddStringToObject(o, "status", s->shutting_down ? "stopping" : "ok");
		srv_json_u64(o, "programs", n);
		cJSON_AddNumberToObject(o, "uptime_ms",
					(double)((srv_now_ns() - s->started_ns) / 1000000));
		return srv_reply_json(c, 200, o);
	}
	if (!strcmp(url, "/metrics"))
		return srv_metrics_reply(s, c);
	if (!strcmp(url, "/v1/version")) {
		o = cJSON_CreateObject();
		cJSON_AddStringToObject(o, "ecli", EUNOMIA_VERSION);
		cJSON_AddStringToObject(o, "libeunomia", eunomia_version());
		cJSON_AddStringToObject(o, "api", "v1");
		return srv_reply_json(c, 200, o);
	}
	if (!strcmp(url, "/v1/programs") || !strcmp(url, "/v1/programs/")) {
		if (!strcmp(method, "GET"))
			return reply_list(s, c);
		if (!strcmp(method, "POST"))
			return reply_start(s, c, rq->body.buf ? rq->body.buf : "", rq->body.len);
		return srv_reply_error(c, 405, "error", "%s is not allowed on /v1/programs",
				       method);
	}
	if (!strncmp(url, "/v1/programs/", 13))
		return route_program(s, c, method, url + 13);
	ret = srv_compat_route(s, c, method, url, rq->body.buf ? rq->body.buf : "", rq->body.len);
	if (ret >= 0)
		return ret;
	return srv_reply_error(c, 404, "error", "no such path '%s'", url);
}

static enum MHD_Result handler(void *cls, struct MHD_Connection *c, const char *url,
			       const char *method, const char *version, const char *upload_data,
			       size_t *upload_data_size, void **con_cls)
{
	struct srv_listener *l = cls;
	struct req *rq = *con_cls;

	if (!rq) {
		rq = calloc(1, sizeof(*rq));
		if (!rq)
			return MHD_NO;
		rq->auth = l->is_unix ? auth_unix(l, c) : auth_tcp(l, c);
		*con_cls = rq;
		return MHD_YES;
	}
	if (*upload_data_size) {
		/* an unauthorised body is not even kept */
		if (!rq->auth && !rq->too_big) {
			if (rq->body.len + *upload_data_size > l->srv->cfg->max_body) {
				rq->too_big = true;
				sbuf_free(&rq->body);
			} else {
				sbuf_add(&rq->body, upload_data, *upload_data_size);
			}
		}
		*upload_data_size = 0;
		return MHD_YES;
	}
	if (rq->auth == 401)
		return srv_reply_error(c, 401, "error",
				       "missing or wrong bearer token (Authorization: Bearer "
				       "<the first line of the server's --token-file>)") == MHD_YES
			       ? MHD_YES
			       : MHD_NO;
	if (rq->auth)
		return srv_reply_error(c, 403, "error",
				       "permission denied: only root%s%s may use this socket",
				       l->srv->cfg->have_group ? " and members of group " : "",
				       l->srv->cfg->have_group ? l->srv->cfg->group : "") == MHD_YES
			       ? MHD_YES
			       : MHD_NO;
	if (rq->too_big)
		return srv_reply_error(c, 413, "error",
				       "request body over the server's limit of %zu bytes "
				       "(--max-body)",
				       l->srv->cfg->max_body) == MHD_YES
			       ? MHD_YES
			       : MHD_NO;
	if (rq->body.oom)
		return srv_reply_error(c, 500, "error", "out of memory") == MHD_YES ? MHD_YES
										    : MHD_NO;
	return route(l->srv, c, method, url, rq) == MHD_YES ? MHD_YES : MHD_NO;
}

static void completed(void *cls, struct MHD_Connection *c, void **con_cls,
		      enum MHD_RequestTerminationCode toe)
{
	struct req *rq = *con_cls;

	if (rq) {
		sbuf_free(&rq->body);
		free(rq);
		*con_cls = NULL;
	}
}

static char *slurp(const char *path, char *err, size_t errsz)
{
	FILE *f = fopen(path, "re");
	struct sbuf b = {0};
	char buf[4096];
	size_t n;

	if (!f) {
		snprintf(err, errsz, "cannot read '%s': %s", path, strerror(errno));
		return NULL;
	}
	while ((n = fread(buf, 1, sizeof(buf), f)) > 0)
		sbuf_add(&b, buf, n);
	fclose(f);
	if (b.oom || !b.buf) {
		snprintf(err, errsz, "'%s' is empty", path);
		sbuf_free(&b);
		return NULL;
	}
	return b.buf;
}

int srv_http_start(struct srv_listener *l, char *err, size_t errsz)
{
	struct srv_config *cfg = l->srv->cfg;
	unsigned int flags = MHD_USE_THREAD_PER_CONNECTION | MHD_USE_INTERNAL_POLLING_THREAD |
			     MHD_USE_ITC | MHD_USE_POLL;
	char *cert = NULL, *key = NULL;
	bool tls = !l->is_unix && cfg->tls_cert;

	if (tls) {
		if (MHD_is_feature_supported(MHD_FEATURE_TLS) != MHD_YES) {
			snprintf(err, errsz,
				 "this libmicrohttpd was built without TLS (GnuTLS); "
				 "drop --tls-cert/--tls-key or put a TLS proxy in front");
			return -1;
		}
		cert = slurp(cfg->tls_cert, err, errsz);
		key = cert ? slurp(cfg->tls_key, err, errsz) : NULL;
		if (!cert || !key) {
			free(cert);
			free(key);
			return -1;
		}
		flags |= MHD_USE_TLS;
	}
	l->d = MHD_start_daemon(flags, 0, NULL, NULL, handler, l, MHD_OPTION_LISTEN_SOCKET, l->fd,
				MHD_OPTION_NOTIFY_COMPLETED, completed, (void *)NULL,
				MHD_OPTION_CONNECTION_TIMEOUT, (unsigned int)600,
				tls ? MHD_OPTION_HTTPS_MEM_CERT : MHD_OPTION_END, cert,
				MHD_OPTION_HTTPS_MEM_KEY, key, MHD_OPTION_END);
	if (l->d)
		l->fd = -1; /* libmicrohttpd's now: closed by MHD_stop_daemon() (or quiesce) */
	/* libmicrohttpd may refer to them while it runs: freed with the listener */
	l->tls_cert = cert;
	l->tls_key = key;
	if (!l->d) {
		snprintf(err, errsz, "%s: libmicrohttpd could not start%s", l->desc,
			 tls ? " (is the TLS certificate/key pair valid PEM?)" : "");
		return -1;
	}
	return 0;
}
