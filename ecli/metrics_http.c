// SPDX-License-Identifier: MIT
/*
 * `ecli run --metrics-addr HOST:PORT`: GET /metrics in the Prometheus text format (OpenMetrics
 * when the scraper's Accept header asks for it), served by libmicrohttpd's own thread while
 * the main thread polls events. A scrape reads the maps through the library
 * (eunomia_runner__metrics), which never touches the event output.
 */
#include <errno.h>
#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "ecli/lazy.h"
#include "ecli/ecli.h"

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
	struct addrinfo hints = {.ai_socktype = SOCK_STREAM, .ai_flags = AI_PASSIVE}, *ai;
	char host[256], sport[NI_MAXSERV], shost[NI_MAXHOST];
	const char *colon = strrchr(hostport, ':');
	struct sockaddr_storage ss;
	socklen_t sl = sizeof(ss);
	size_t hl;
	int fd, one = 1, err;

	if (!colon || !colon[1] || (size_t)(colon - hostport) >= sizeof(host)) {
		fprintf(stderr, "%s: --metrics-addr %s: give HOST:PORT (e.g. 127.0.0.1:9435)\n",
			who, hostport);
		return -2;
	}
	hl = (size_t)(colon - hostport);
	memcpy(host, hostport, hl);
	host[hl] = '\0';
	if (hl >= 2 && host[0] == '[' && host[hl - 1] == ']') {
		memmove(host, host + 1, hl - 2);
		host[hl - 2] = '\0';
	}
	err = getaddrinfo(*host ? host : NULL, colon + 1, &hints, &ai);
	if (err) {
		fprintf(stderr, "%s: --metrics-addr %s: %s\n", who, hostport, gai_strerror(err));
		return -1;
	}
	fd = socket(ai->ai_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0 || setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) ||
	    bind(fd, ai->ai_addr, ai->ai_addrlen) || listen(fd, 64) ||
	    getsockname(fd, (struct sockaddr *)&ss, &sl)) {
		fprintf(stderr, "%s: cannot listen on %s for metrics: %s (a free port?)\n", who,
			hostport, strerror(errno));
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
