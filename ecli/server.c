// SPDX-License-Identifier: MIT
/*
 * `ecli server`: eBPF as a service. One process runs many packages (one libeunomia runner
 * each) and serves an authenticated HTTP API on a Unix socket (peer credentials) and/or TCP
 * (bearer token, optional TLS). This file: options, listening sockets, signals, shutdown.
 */
#include <errno.h>
#include <getopt.h>
#include <grp.h>
#include "ecli/lazy.h"
#include <netdb.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "ecli/server.h"

#define DEFAULT_LISTEN	  "unix:/run/eunomia/ecli.sock"
#define DEFAULT_STATE_DIR "/var/lib/eunomia"

static void server_help(FILE *f)
{
	fprintf(f,
		"Usage: ecli server [OPTIONS]\n"
		"\n"
		"Run packages on request: an HTTP API (JSON, under /v1) that starts, lists, pauses,\n"
		"resumes and stops eBPF packages in this one process and serves their decoded\n"
		"events. `ecli client` talks to it; so does curl (docs/server.md).\n"
		"\n"
		"Options:\n"
		"  -l, --listen ADDR        unix:PATH or tcp:HOST:PORT (repeatable; default\n"
		"                           " DEFAULT_LISTEN "). Unix: root and --group\n"
		"                           members only. TCP: needs --token-file; port 0 picks one\n"
		"  -t, --token-file FILE    bearer token for TCP (the file's first line)\n"
		"  -g, --group NAME         group allowed on the Unix socket (and owning it)\n"
		"  -s, --state-dir DIR      keep what runs here and start it again after a\n"
		"                           restart (default " DEFAULT_STATE_DIR ")\n"
		"      --no-state           keep nothing on disk\n"
		"      --max-programs N     programs running at once (default 64)\n"
		"      --max-body BYTES     request body limit (default 33554432)\n"
		"      --event-buffer N     events kept per program; older ones are dropped and\n"
		"                           counted (default 4096)\n"
		"      --tls-cert FILE      serve TCP over TLS with this PEM certificate ...\n"
		"      --tls-key FILE       ... and this PEM private key\n"
		"      --require-signature  refuse (403) packages without a minisign \"signature\"\n"
		"                           by a key of --trusted-dir\n"
		"      --trusted-dir DIR    the trusted *.pub keys (default /etc/eunomia/trusted.d)\n"
		"      --check-args         check the options and exit (0: the server would start)\n"
		"  -h, --help               show this help\n"
		"\n"
		"SIGTERM or SIGINT stops accepting, detaches every program and exits 0; the state\n"
		"directory keeps them for the next start.\n");
}

static int parse_num(const char *opt, const char *s, unsigned long long min, unsigned long long max,
		     unsigned long long *out)
{
	unsigned long long v;
	char *end;

	errno = 0;
	v = strtoull(s, &end, 0);
	if (errno || end == s || *end || *s == '-' || v < min || v > max) {
		fprintf(stderr, "ecli server: %s expects an integer in [%llu, %llu], got '%s'\n",
			opt, min, max, s);
		return -1;
	}
	*out = v;
	return 0;
}

static int read_token(struct srv_config *cfg)
{
	size_t n;

	if (ecli_read_token("ecli server", cfg->token_file, true, &cfg->token))
		return -1;
	n = strlen(cfg->token);
	if (n < 16) {
		fprintf(stderr,
			"ecli server: the token in '%s' is %s; use at least 16 characters "
			"(e.g. `head -c 32 /dev/urandom | base64 > %s`)\n",
			cfg->token_file, n ? "too short" : "empty", cfg->token_file);
		return -1;
	}
	return 0;
}

/* Check every ADDR; TCP needs a token. */
static int check_listen(struct srv_config *cfg)
{
	int i;

	for (i = 0; i < cfg->nr_listen; i++) {
		const char *a = cfg->listen[i];

		if (!strncmp(a, "unix:", 5) && a[5] == '/' &&
		    strlen(a + 5) < sizeof(((struct sockaddr_un *)0)->sun_path))
			continue;
		if (!strncmp(a, "tcp:", 4) && strrchr(a + 4, ':')) {
			if (!cfg->token_file) {
				fprintf(stderr,
					"ecli server: %s: TCP needs --token-file (every TCP request "
					"must carry `Authorization: Bearer <token>`)\n",
					a);
				return -1;
			}
			continue;
		}
		fprintf(stderr,
			"ecli server: --listen '%s': expected unix:/ABSOLUTE/PATH or "
			"tcp:HOST:PORT\n",
			a);
		return -1;
	}
	if (!!cfg->tls_cert != !!cfg->tls_key) {
		fprintf(stderr, "ecli server: --tls-cert and --tls-key go together\n");
		return -1;
	}
	return 0;
}

static int listen_unix(struct srv_listener *l, const char *path, struct srv_config *cfg)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	char dir[sizeof(sa.sun_path)], *slash;
	int fd;

	strcpy(sa.sun_path, path);
	strcpy(dir, path);
	slash = strrchr(dir, '/');
	if (slash && slash != dir) {
		*slash = '\0';
		if (mkdir(dir, 0755) && errno != EEXIST) {
			fprintf(stderr, "ecli server: cannot create '%s': %s\n", dir,
				strerror(errno));
			return -1;
		}
	}
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -1;
	/* a socket left by a server that died: remove it; a live one: refuse */
	if (!connect(fd, (struct sockaddr *)&sa, sizeof(sa))) {
		fprintf(stderr, "ecli server: another server is listening on %s\n", path);
		close(fd);
		return -1;
	}
	unlink(path);
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) ||
	    chmod(path, cfg->have_group ? 0660 : 0600) ||
	    chown(path, 0, cfg->have_group ? cfg->gid : 0) || listen(fd, 128)) {
		fprintf(stderr, "ecli server: cannot listen on %s: %s\n", path, strerror(errno));
		close(fd);
		unlink(path);
		return -1;
	}
	l->fd = fd;
	l->is_unix = true;
	l->unix_path = strdup(path);
	if (asprintf(&l->desc, "unix:%s", path) < 0)
		l->desc = NULL;
	return 0;
}

static int listen_tcp(struct srv_listener *l, const char *hostport)
{
	char err[256], desc[NI_MAXHOST + NI_MAXSERV + 8];
	int kind, fd = ecli_listen_tcp(hostport, 128, desc, sizeof(desc), err, sizeof(err), &kind);

	if (fd < 0) {
		if (kind == EUN_LISTEN_RESOLVE)
			fprintf(stderr, "ecli server: tcp:%s: %s\n", hostport, err);
		else
			fprintf(stderr, "ecli server: cannot listen on tcp:%s: %s\n", hostport,
				err);
		return -1;
	}
	l->fd = fd;
	if (asprintf(&l->desc, "tcp:%s", desc) < 0)
		l->desc = NULL;
	return 0;
}

static void listener_close(struct srv_listener *l)
{
	if (l->d)
		MHD_stop_daemon(l->d);
	l->d = NULL;
	if (l->fd >= 0)
		close(l->fd);
	l->fd = -1;
	if (l->unix_path)
		unlink(l->unix_path);
	free(l->unix_path);
	free(l->desc);
	free(l->tls_cert);
	if (l->tls_key)
		memset(l->tls_key, 0, strlen(l->tls_key));
	free(l->tls_key);
	memset(l, 0, sizeof(*l));
	l->fd = -1;
}

/* Parse `ecli server` options into cfg: 0, SRV_ARGS_HELP (help printed), or an exit code. */
#define SRV_ARGS_HELP (-1)
static int parse_server_args(int argc, char **argv, struct srv_config *cfg, bool *check_only)
{
	static const struct option opts[] = {
		{"listen", required_argument, NULL, 'l'},
		{"token-file", required_argument, NULL, 't'},
		{"group", required_argument, NULL, 'g'},
		{"state-dir", required_argument, NULL, 's'},
		{"no-state", no_argument, NULL, 1000},
		{"max-programs", required_argument, NULL, 1001},
		{"max-body", required_argument, NULL, 1002},
		{"event-buffer", required_argument, NULL, 1003},
		{"tls-cert", required_argument, NULL, 1004},
		{"tls-key", required_argument, NULL, 1005},
		{"check-args", no_argument, NULL, 1006},
		{"require-signature", no_argument, NULL, 1007},
		{"trusted-dir", required_argument, NULL, 1008},
		{"help", no_argument, NULL, 'h'},
		{},
	};
	unsigned long long v;
	int opt;

	optind = 1;
	opterr = 0;
	while ((opt = getopt_long(argc, argv, "+:l:t:g:s:h", opts, NULL)) != -1) {
		switch (opt) {
		case 'l':
			if (cfg->nr_listen == SRV_MAX_LISTEN) {
				fprintf(stderr, "ecli server: at most %d --listen addresses\n",
					SRV_MAX_LISTEN);
				return ECLI_EXIT_USAGE;
			}
			cfg->listen[cfg->nr_listen++] = optarg;
			break;
		case 't':
			cfg->token_file = optarg;
			break;
		case 'g':
			cfg->group = optarg;
			break;
		case 's':
			cfg->state_dir = optarg;
			break;
		case 1000:
			cfg->state_dir = NULL;
			break;
		case 1001:
			if (parse_num("--max-programs", optarg, 1, 100000, &v))
				return ECLI_EXIT_USAGE;
			cfg->max_programs = (int)v;
			break;
		case 1002:
			if (parse_num("--max-body", optarg, 1024, 1ull << 30, &v))
				return ECLI_EXIT_USAGE;
			cfg->max_body = (size_t)v;
			break;
		case 1003:
			if (parse_num("--event-buffer", optarg, 1, 1u << 24, &v))
				return ECLI_EXIT_USAGE;
			cfg->max_events = (size_t)v;
			break;
		case 1004:
			cfg->tls_cert = optarg;
			break;
		case 1005:
			cfg->tls_key = optarg;
			break;
		case 1006:
			*check_only = true;
			break;
		case 1007:
			cfg->require_signature = true;
			break;
		case 1008:
			cfg->trusted_dir = optarg;
			break;
		case 'h':
			server_help(stdout);
			return SRV_ARGS_HELP;
		case ':':
			fprintf(stderr,
				"ecli server: option '%s' needs a value; see `ecli server --help`\n",
				argv[optind - 1]);
			return ECLI_EXIT_USAGE;
		default:
			fprintf(stderr,
				"ecli server: unknown option '%s'; see `ecli server --help`\n",
				argv[optind - 1]);
			return ECLI_EXIT_USAGE;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "ecli server: unexpected argument '%s'\n", argv[optind]);
		return ECLI_EXIT_USAGE;
	}
	if (!cfg->nr_listen)
		cfg->listen[cfg->nr_listen++] = DEFAULT_LISTEN;
	return 0;
}

/* What can be checked before serving: listeners, group, token, TLS files. 0 or an exit code. */
static int check_config(struct srv_config *cfg)
{
	char err[512];

	if (ecli_lazy_load_mhd(err, sizeof(err))) {
		fprintf(stderr, "ecli server: %s\n", err);
		return ECLI_EXIT_FAIL;
	}
	if (check_listen(cfg))
		return ECLI_EXIT_USAGE;
	if (cfg->group) {
		struct group *g = getgrnam(cfg->group);

		if (!g) {
			fprintf(stderr, "ecli server: --group: no group named '%s'\n", cfg->group);
			return ECLI_EXIT_USAGE;
		}
		cfg->gid = g->gr_gid;
		cfg->have_group = true;
	}
	if (cfg->token_file && read_token(cfg))
		return ECLI_EXIT_FAIL;
	if (cfg->tls_cert && (access(cfg->tls_cert, R_OK) || access(cfg->tls_key, R_OK))) {
		fprintf(stderr, "ecli server: cannot read '%s': %s\n",
			access(cfg->tls_cert, R_OK) ? cfg->tls_cert : cfg->tls_key,
			strerror(errno));
		return ECLI_EXIT_FAIL;
	}
	if (cfg->tls_cert && MHD_is_feature_supported(MHD_FEATURE_TLS) != MHD_YES) {
		fprintf(stderr, "ecli server: this libmicrohttpd has no TLS support\n");
		return ECLI_EXIT_FAIL;
	}
	return 0;
}

/* Listen, restore the state, serve until SIGINT/SIGTERM, then detach everything. */
static int serve(struct srv_config *cfg)
{
	struct srv_listener ls[SRV_MAX_LISTEN];
	struct srv s = {.cfg = cfg, .next_id = 1};
	char err[512];
	sigset_t set;
	int i, sig, rc = ECLI_EXIT_FAIL;

	/* every thread created from here on leaves SIGINT/SIGTERM to sigwait() below */
	sigemptyset(&set);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGTERM);
	pthread_sigmask(SIG_BLOCK, &set, NULL);
	signal(SIGPIPE, SIG_IGN);

	pthread_mutex_init(&s.lock, NULL);
	s.started_ns = srv_now_ns();
	for (i = 0; i < SRV_MAX_LISTEN; i++) {
		memset(&ls[i], 0, sizeof(ls[i]));
		ls[i].fd = -1;
		ls[i].srv = &s;
	}
	if (srv_state_init(&s, err, sizeof(err))) {
		fprintf(stderr, "ecli server: %s (--state-dir DIR or --no-state)\n", err);
		goto out;
	}
	for (i = 0; i < cfg->nr_listen; i++) {
		const char *a = cfg->listen[i];

		if (!strncmp(a, "unix:", 5) ? listen_unix(&ls[i], a + 5, cfg)
					    : listen_tcp(&ls[i], a + 4))
			goto out;
	}
	/* what ran before a restart runs again before the first request is served */
	srv_state_restore(&s);
	for (i = 0; i < cfg->nr_listen; i++) {
		if (srv_http_start(&ls[i], err, sizeof(err))) {
			fprintf(stderr, "ecli server: %s\n", err);
			goto out;
		}
		fprintf(stderr, "ecli server: listening on %s%s\n", ls[i].desc,
			!ls[i].is_unix && cfg->tls_cert ? " (TLS)" : "");
	}
	fprintf(stderr, "ecli server: Running (%zu program%s). SIGTERM to stop.\n", s.nr_progs,
		s.nr_progs == 1 ? "" : "s");
	fflush(stderr);
	do {
		if (sigwait(&set, &sig))
			sig = SIGTERM;
	} while (sig != SIGINT && sig != SIGTERM);
	fprintf(stderr, "ecli server: %s: stopping\n", sig == SIGINT ? "SIGINT" : "SIGTERM");
	rc = ECLI_EXIT_OK;
out:
	/* stop accepting, release waiting readers, detach every program, then close */
	s.shutting_down = 1;
	for (i = 0; i < SRV_MAX_LISTEN; i++)
		if (ls[i].d)
			ls[i].fd = MHD_quiesce_daemon(ls[i].d); /* ours again: closed below */
	srv_prog_wake_all(&s);
	srv_prog_stop_all(&s);
	for (i = 0; i < SRV_MAX_LISTEN; i++)
		listener_close(&ls[i]);
	free(s.progs);
	pthread_mutex_destroy(&s.lock);
	return rc;
}

int do_server(int argc, char **argv)
{
	struct srv_config cfg = {
		.state_dir = DEFAULT_STATE_DIR,
		.max_programs = 64,
		.max_body = 32u << 20,
		.max_events = 4096,
	};
	bool check_only = false;
	int rc;

	rc = parse_server_args(argc, argv, &cfg, &check_only);
	if (rc)
		return rc == SRV_ARGS_HELP ? ECLI_EXIT_OK : rc;
	rc = check_config(&cfg);
	if (!rc && check_only) {
		printf("ecli server: arguments OK (%d listener%s, state %s)\n", cfg.nr_listen,
		       cfg.nr_listen == 1 ? "" : "s", cfg.state_dir ? cfg.state_dir : "off");
		rc = ECLI_EXIT_OK;
	} else if (!rc) {
		rc = serve(&cfg);
	}
	if (cfg.token)
		memset(cfg.token, 0, strlen(cfg.token));
	free(cfg.token);
	return rc;
}
