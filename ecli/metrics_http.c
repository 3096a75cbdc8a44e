// SPDX-License-Identifier: MIT
/*
 * `ecli run --metrics-addr HOST:PORT`: GET /metrics in the Prometheus text format (OpenMetrics
 * when the scraper's Accept header asks for it), served by libmicrohttpd's own thread while
 * the main thread polls events. A scrape reads the maps through the library
 * (eunomia_runner__metrics), which never touches the event output.
 * `ecli server` serves the same at /metrics (behind its authentication) for every program,
 * each sample labelled program="NAME",id="ID"; families of programs that share a package
 * are merged so that each family appears once.
 */
#include <errno.h>
#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "ecli/lazy.h"
#include "ecli/server.h"

struct ecli_metrics {
	struct MHD_Daemon *d;
	struct eunomia_runner *r;
	int fd;
};

static bool wants_openmetrics(struct MHD_Connection *c)
{
	const char *a = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Accept");

	return a && strstr(a, "application/openmetrics-text");
}

static enum MHD_Result reply(struct MHD_Connection *c, unsigned int status, const char *type,
			     char *body, size_t len)
{
	struct MHD_Response *resp;
	enum MHD_Result ret;

	resp = MHD_create_response_from_buffer(len, body, MHD_RESPMEM_MUST_FREE);
	if (!resp) {
		free(body);
		return MHD_NO;
	}
	MHD_add_response_header(resp, "Content-Type", type);
	ret = MHD_queue_response(c, status, resp);
	MHD_destroy_response(resp);
	return ret;
}

static enum MHD_Result handler(void *cls, struct MHD_Connection *c, const char *url,
			       const char *method, const char *version, const char *upload,
			       size_t *upload_size, void **con_cls)
{
	struct ecli_metrics *m = cls;
	EUNOMIA_OPTS(metrics, mo);
	char *buf = NULL;
	size_t len = 0;
	FILE *f;
	int err;

	if (strcmp(url, "/metrics"))
		return reply(c, MHD_HTTP_NOT_FOUND, "text/plain; charset=utf-8",
			     strdup("not found: scrape /metrics\n"), 28);
	if (strcmp(method, "GET") && strcmp(method, "HEAD"))
		return reply(c, MHD_HTTP_METHOD_NOT_ALLOWED, "text/plain; charset=utf-8",
			     strdup("only GET\n"), 9);
	mo.openmetrics = wants_openmetrics(c);
	f = open_memstream(&buf, &len);
	if (!f)
		return MHD_NO;
	err = eunomia_runner__metrics(m->r, f, &mo);
	if (fclose(f) || err) {
		free(buf);
		if (asprintf(&buf, "cannot read the maps: %s\n",
			     eunomia_strerror(err ? err : -EIO)) < 0)
			return MHD_NO;
		return reply(c, MHD_HTTP_INTERNAL_SERVER_ERROR, "text/plain; charset=utf-8", buf,
			     strlen(buf));
	}
	return reply(c, MHD_HTTP_OK,
		     mo.openmetrics ? "application/openmetrics-text; version=1.0.0; charset=utf-8"
				    : "text/plain; version=0.0.4; charset=utf-8",
		     buf, len);
}

static int listen_on(const char *who, const char *hostport, char *desc, size_t descsz)
{
	char err[256];
	int kind, fd = ecli_listen_tcp(hostport, 64, desc, descsz, err, sizeof(err), &kind);

	if (fd >= 0)
		return fd;
	if (kind == EUN_LISTEN_RESOLVE && !strcmp(err, "give HOST:PORT")) {
		fprintf(stderr, "%s: --metrics-addr %s: give HOST:PORT (e.g. 127.0.0.1:9435)\n",
			who, hostport);
		return -2;
	}
	if (kind == EUN_LISTEN_RESOLVE)
		fprintf(stderr, "%s: --metrics-addr %s: %s\n", who, hostport, err);
	else
		fprintf(stderr, "%s: cannot listen on %s for metrics: %s (a free port?)\n", who,
			hostport, err);
	return -1;
}

struct ecli_metrics *ecli_metrics_start(const char *who, const char *addr, struct eunomia_runner *r)
{
	struct ecli_metrics *m;
	char err[256], desc[300];

	if (ecli_lazy_load_mhd(err, sizeof(err))) {
		fprintf(stderr, "%s: --metrics-addr: %s\n", who, err);
		return NULL;
	}
	m = calloc(1, sizeof(*m));
	if (!m)
		return NULL;
	m->r = r;
	m->fd = listen_on(who, addr, desc, sizeof(desc));
	if (m->fd < 0) {
		free(m);
		return NULL;
	}
	m->d = MHD_start_daemon(MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_POLL, 0, NULL, NULL,
				handler, m, MHD_OPTION_LISTEN_SOCKET, m->fd,
				MHD_OPTION_CONNECTION_TIMEOUT, 30u, MHD_OPTION_END);
	if (!m->d) {
		fprintf(stderr, "%s: cannot start the metrics HTTP server on %s\n", who, addr);
		close(m->fd);
		free(m);
		return NULL;
	}
	fprintf(stderr, "%s: metrics at http://%s/metrics\n", who, desc);
	return m;
}

void ecli_metrics_stop(struct ecli_metrics *m)
{
	if (!m)
		return;
	MHD_stop_daemon(m->d);
	close(m->fd);
	free(m);
}

/* ---- ecli server: every program in one exposition ---- */

struct fam {
	char *name;
	struct sbuf head, body;
};

struct famset {
	struct fam *f;
	size_t n, cap;
};

static struct fam *fam_get(struct famset *fs, const char *name, size_t len, bool *fresh)
{
	struct fam *f;

	*fresh = false;
	for (size_t i = 0; i < fs->n; i++)
		if (strlen(fs->f[i].name) == len && !memcmp(fs->f[i].name, name, len))
			return &fs->f[i];
	if (fs->n == fs->cap) {
		size_t cap = fs->cap ? fs->cap * 2 : 32;
		struct fam *nf = realloc(fs->f, cap * sizeof(*nf));

		if (!nf)
			return NULL;
		fs->f = nf;
		fs->cap = cap;
	}
	f = &fs->f[fs->n];
	memset(f, 0, sizeof(*f));
	f->name = strndup(name, len);
	if (!f->name)
		return NULL;
	fs->n++;
	*fresh = true;
	return f;
}

/* Split one program's exposition into families (a family starts at its "# HELP" line). */
static void fam_merge(struct famset *fs, const char *buf, size_t len)
{
	struct fam *cur = NULL;
	bool fresh = false;
	const char *p = buf, *end = buf + len;

	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		size_t n = nl ? (size_t)(nl - p) + 1 : (size_t)(end - p);

		if (n >= 7 && !memcmp(p, "# HELP ", 7)) {
			const char *name = p + 7, *sp = memchr(name, ' ', n - 7);

			cur = fam_get(fs, name, sp ? (size_t)(sp - name) : n - 8, &fresh);
			if (cur && fresh)
				sbuf_add(&cur->head, p, n);
		} else if (n >= 7 && !memcmp(p, "# TYPE ", 7)) {
			if (cur && fresh)
				sbuf_add(&cur->head, p, n);
		} else if (n >= 5 && !memcmp(p, "# EOF", 5)) {
			/* one at the end of everything */
		} else if (cur) {
			sbuf_add(&cur->body, p, n);
		}
		p += n;
	}
}

static void label_escape(struct sbuf *b, const char *s)
{
	for (; *s; s++) {
		if (*s == '\\' || *s == '"')
			sbuf_add(b, "\\", 1);
		if (*s == '\n')
			sbuf_adds(b, "\\n");
		else
			sbuf_add(b, s, 1);
	}
}

int srv_metrics_reply(struct srv *s, struct MHD_Connection *c)
{
	bool om = wants_openmetrics(c);
	struct famset fs = {0};
	struct sbuf out = {0};
	size_t n;
	uint64_t *ids = srv_prog_ids(s, &n);

	for (size_t i = 0; i < n; i++) {
		struct srv_prog *p = srv_prog_get(s, ids[i]);
		EUNOMIA_OPTS(metrics, mo, .openmetrics = om, .no_eof = true);
		struct sbuf lab = {0};
		char *buf = NULL;
		size_t len = 0;
		FILE *f;
		int err = -ENOENT;

		if (!p)
			continue;
		sbuf_adds(&lab, "program=\"");
		label_escape(&lab, p->spec.name ? p->spec.name : "");
		sbuf_addf(&lab, "\",id=\"%llu\"", (unsigned long long)p->id);
		mo.labels = lab.buf;
		f = open_memstream(&buf, &len);
		if (f) {
			pthread_mutex_lock(&p->mx_lock);
			if (p->r && !lab.oom)
				err = eunomia_runner__metrics(p->r, f, &mo);
			pthread_mutex_unlock(&p->mx_lock);
			if (fclose(f))
				err = -EIO;
		}
		if (!err)
			fam_merge(&fs, buf, len);
		free(buf);
		sbuf_free(&lab);
		srv_prog_put(p);
	}
	free(ids);
	for (size_t i = 0; i < fs.n; i++) {
		if (fs.f[i].head.len)
			sbuf_add(&out, fs.f[i].head.buf, fs.f[i].head.len);
		if (fs.f[i].body.len)
			sbuf_add(&out, fs.f[i].body.buf, fs.f[i].body.len);
		free(fs.f[i].name);
		sbuf_free(&fs.f[i].head);
		sbuf_free(&fs.f[i].body);
	}
	free(fs.f);
	if (om)
		sbuf_adds(&out, "# EOF\n");
	if (out.oom) {
		sbuf_free(&out);
		return srv_reply_error(c, 500, "error", "out of memory");
	}
	return reply(c, MHD_HTTP_OK,
		     om ? "application/openmetrics-text; version=1.0.0; charset=utf-8"
			: "text/plain; version=0.0.4; charset=utf-8",
		     out.buf ? out.buf : strdup(""), out.len);
}
