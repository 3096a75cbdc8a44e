// SPDX-License-Identifier: MIT
/*
 * `ecli client`: start, list, follow, pause, resume and stop packages on an `ecli server`,
 * over its Unix socket or HTTP(S) (a small HTTP/1.1 client: one request per connection).
 */
#include <errno.h>
#include <getopt.h>
#include <netdb.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "ecli/client.h"
#include "ecli/options.h"

#define DEFAULT_ENDPOINT "unix:/run/eunomia/ecli.sock"

static volatile sig_atomic_t client_stop;

static void on_signal(int sig)
{
	client_stop = 1;
}

static void client_help(FILE *f)
{
	fprintf(f, "Usage: ecli client [OPTIONS] COMMAND [ARGS...]\n"
		   "\n"
		   "Talk to an `ecli server`.\n"
		   "\n"
		   "Commands:\n"
		   "  start [START-OPTIONS] PACKAGE|URL [TOOL-FLAGS...]   start a package\n"
		   "  list                  programs on the server (a table)\n"
		   "  status ID             one program: state, counters, arguments, programs\n"
		   "  log [-f] ID           its events, as `ecli run -j` prints them (-f: follow)\n"
		   "  pause ID              detach its programs, keep its maps and events\n"
		   "  resume ID             attach them again\n"
		   "  stop ID               detach everything and forget it\n"
		   "\n"
		   "Options:\n"
		   "  -e, --endpoint E      unix:PATH, http://HOST:PORT or https://HOST:PORT\n"
		   "                        (default $ECLI_ENDPOINT, else " DEFAULT_ENDPOINT ")\n"
		   "  -t, --token-file F    bearer token for http(s) (the file's first line)\n"
		   "      --cacert FILE     CA certificate(s) for https (default: the system's)\n"
		   "  -j, --json            print the server's JSON replies\n"
		   "  -h, --help            show this help\n"
		   "\n"
		   "START-OPTIONS (as in `ecli run`): -n/--name NAME, -i/--ifname NAME,\n"
		   "  -b/--uprobe-binary PATH, -f/--uprobe-func FUNC, -p/--target-pid PID,\n"
		   "  --cgroup PATH, -F/--freq HZ, --only P[,P], --disable P[,P], --btf PATH\n"
		   "  (paths are on the server's machine)\n");
}

static int fail_reply(const char *what, const struct http_reply *rep)
{
	cJSON *doc = cJSON_ParseWithLength(rep->body.buf ? rep->body.buf : "", rep->body.len);
	cJSON *e = cJSON_GetObjectItemCaseSensitive(doc, "error");

	fprintf(stderr, "ecli client: %s: %s (HTTP %d)\n", what,
		cJSON_IsString(e) ? e->valuestring
		: rep->body.buf	  ? rep->body.buf
				  : "no reply",
		rep->status);
	cJSON_Delete(doc);
	return ECLI_EXIT_FAIL;
}

/* Request; on success parse the JSON reply into *out (may be NULL). Exit code. */
static int call(struct client *cl, const char *method, const char *path, const char *body,
		size_t len, int want, cJSON **out, const char *what)
{
	struct http_reply rep = {0};
	int rc;

	if (client_http(cl, method, path, body, len, &rep)) {
		sbuf_free(&rep.body);
		return ECLI_EXIT_FAIL;
	}
	if (rep.status != want) {
		rc = fail_reply(what, &rep);
		sbuf_free(&rep.body);
		return rc;
	}
	if (cl->json && !out) {
		fwrite(rep.body.buf, 1, rep.body.len, stdout);
		if (rep.body.len && rep.body.buf[rep.body.len - 1] != '\n')
			putchar('\n');
	}
	if (out) {
		*out = cJSON_ParseWithLength(rep.body.buf ? rep.body.buf : "", rep.body.len);
		if (!*out) {
			fprintf(stderr, "ecli client: %s: the reply is not JSON\n", what);
			sbuf_free(&rep.body);
			return ECLI_EXIT_FAIL;
		}
	}
	sbuf_free(&rep.body);
	return ECLI_EXIT_OK;
}

static bool parse_id(const char *s, unsigned long long *id)
{
	char *end;

	errno = 0;
	*id = strtoull(s, &end, 10);
	if (errno || end == s || *end || *s == '-') {
		fprintf(stderr, "ecli client: '%s' is not a program id (see `ecli client list`)\n",
			s);
		return false;
	}
	return true;
}

static const char *jstr(cJSON *o, const char *key)
{
	cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);

	return cJSON_IsString(v) ? v->valuestring : "";
}

static double jnum(cJSON *o, const char *key)
{
	cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);

	return cJSON_IsNumber(v) ? v->valuedouble : 0;
}

static void fmt_time(double ns, char *buf, size_t size)
{
	time_t t = (time_t)(ns / 1e9);
	struct tm tm;

	if (!ns || !localtime_r(&t, &tm) || !strftime(buf, size, "%Y-%m-%d %H:%M:%S", &tm))
		snprintf(buf, size, "-");
}

static int cmd_list(struct client *cl)
{
	cJSON *doc, *p;
	char when[32];
	int rc;

	rc = call(cl, "GET", "/v1/programs", NULL, 0, 200, cl->json ? NULL : &doc, "list");
	if (rc || cl->json)
		return rc;
	printf("%-6s %-20s %-8s %10s %8s %8s  %-19s %s\n", "ID", "NAME", "STATE", "EVENTS",
	       "DROPPED", "LOST", "STARTED", "RESTARTED");
	cJSON_ArrayForEach(p, cJSON_GetObjectItemCaseSensitive(doc, "programs")) {
		fmt_time(jnum(p, "started_at"), when, sizeof(when));
		printf("%-6.0f %-20s %-8s %10.0f %8.0f %8.0f  %-19s %s\n", jnum(p, "id"),
		       jstr(p, "name"), jstr(p, "state"), jnum(p, "events"), jnum(p, "dropped"),
		       jnum(p, "lost"), when,
		       cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(p, "restarted")) ? "yes"
										      : "no");
	}
	cJSON_Delete(doc);
	return ECLI_EXIT_OK;
}

static int cmd_status(struct client *cl, const char *ids)
{
	unsigned long long id;
	cJSON *doc, *v;
	char path[64], when[32];
	int rc;

	if (!parse_id(ids, &id))
		return ECLI_EXIT_USAGE;
	snprintf(path, sizeof(path), "/v1/programs/%llu", id);
	rc = call(cl, "GET", path, NULL, 0, 200, cl->json ? NULL : &doc, "status");
	if (rc || cl->json)
		return rc;
	fmt_time(jnum(doc, "started_at"), when, sizeof(when));
	printf("id:        %.0f\nname:      %s\nstate:     %s\nstarted:   %s%s\n", jnum(doc, "id"),
	       jstr(doc, "name"), jstr(doc, "state"), when,
	       cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(doc, "restarted"))
		       ? " (restarted with the server)"
		       : "");
	printf("events:    %.0f (dropped %.0f, lost %.0f)\n", jnum(doc, "events"),
	       jnum(doc, "dropped"), jnum(doc, "lost"));
	printf("args:     ");
	cJSON_ArrayForEach(v, cJSON_GetObjectItemCaseSensitive(doc, "args"))
		printf(" %s", cJSON_IsString(v) ? v->valuestring : "?");
	printf("\nprograms: ");
	cJSON_ArrayForEach(v, cJSON_GetObjectItemCaseSensitive(doc, "programs"))
		printf(" %s (id %.0f)", jstr(v, "name"), jnum(v, "prog_id"));
	printf("\n");
	if (*jstr(doc, "error"))
		printf("error:     %s\n", jstr(doc, "error"));
	cJSON_Delete(doc);
	return ECLI_EXIT_OK;
}

static int cmd_simple(struct client *cl, const char *verb, const char *ids)
{
	unsigned long long id;
	char path[64];
	int rc;

	if (!parse_id(ids, &id))
		return ECLI_EXIT_USAGE;
	if (!strcmp(verb, "stop")) {
		snprintf(path, sizeof(path), "/v1/programs/%llu", id);
		rc = call(cl, "DELETE", path, NULL, 0, 200, NULL, verb);
	} else {
		snprintf(path, sizeof(path), "/v1/programs/%llu/%s", id, verb);
		rc = call(cl, "POST", path, NULL, 0, 200, NULL, verb);
	}
	if (!rc && !cl->json)
		fprintf(stderr, "ecli client: program %llu %s\n", id,
			!strcmp(verb, "stop")	 ? "stopped"
			: !strcmp(verb, "pause") ? "paused"
						 : "resumed");
	return rc;
}

static int cmd_log(struct client *cl, int argc, char **argv)
{
	unsigned long long id, after = 0;
	bool follow = false;
	char path[128];
	cJSON *doc, *e;
	int rc, i = 1;

	if (i < argc && (!strcmp(argv[i], "-f") || !strcmp(argv[i], "--follow"))) {
		follow = true;
		i++;
	}
	if (i + 1 != argc) {
		fprintf(stderr, "Usage: ecli client log [-f] ID\n");
		return ECLI_EXIT_USAGE;
	}
	if (!parse_id(argv[i], &id))
		return ECLI_EXIT_USAGE;
	while (!client_stop) {
		size_t n = 0;

		snprintf(path, sizeof(path), "/v1/programs/%llu/events?after=%llu&limit=1000%s", id,
			 after, follow ? "&wait_ms=1000" : "");
		rc = call(cl, "GET", path, NULL, 0, 200, &doc, "log");
		if (rc)
			return client_stop ? ECLI_EXIT_OK : rc;
		cJSON_ArrayForEach(e, cJSON_GetObjectItemCaseSensitive(doc, "events")) {
			cJSON *d = cJSON_GetObjectItemCaseSensitive(e, "data");
			char *t = cJSON_PrintUnformatted(d);

			/* -j: the envelope too (cursor, time in ns since the epoch) */
			if (cl->json)
				printf("{\"cursor\":%.0f,\"time\":%.0f,\"data\":%s}\n",
				       jnum(e, "cursor"), jnum(e, "time"), t ? t : "null");
			else
				puts(cJSON_IsString(d) ? d->valuestring : t ? t : "");
			free(t);
			n++;
		}
		after = (unsigned long long)jnum(doc, "next");
		if (!strcmp(jstr(doc, "state"), "stopped")) {
			cJSON_Delete(doc);
			break;
		}
		cJSON_Delete(doc);
		fflush(stdout);
		if (!follow && n < 1000) /* all there was (a busy program does not keep us here) */
			break;
	}
	return ECLI_EXIT_OK;
}

/* The `ecli run` options the server applies, as its JSON "options" (same table, same parser,
 * same messages as `ecli run`); output and duration options belong to `ecli run` only. */
static int start_options(cJSON *o, const struct run_config *cfg)
{
	const struct eunomia_runner_opts *r = &cfg->runner;

	if (r->format != EUNOMIA_FMT_PLAIN || r->duration_ms || r->verbose) {
		fprintf(stderr, "ecli client start: -j, -r, -d and -v are `ecli run` options: the "
				"server keeps events as JSON and runs until `ecli client stop`\n");
		return -1;
	}
#define STR(key, v) \
	if (v)      \
		cJSON_AddStringToObject(o, key, v);
#define NUM(key, v) \
	if (v)      \
		cJSON_AddNumberToObject(o, key, (double)(v));
#define BOOL(key, v) \
	if (v)       \
		cJSON_AddBoolToObject(o, key, true);
	STR("ifname", r->ifname)
	NUM("ifindex", r->ifindex)
	STR("uprobe_binary", r->uprobe_binary)
	STR("uprobe_func", r->uprobe_func)
	NUM("pid", r->pid)
	STR("cgroup", r->cgroup_path)
	NUM("freq", r->perf_freq)
	STR("only", r->only_progs)
	STR("disable", r->disable_progs)
	NUM("max_entries", r->default_max_entries)
	BOOL("strict", r->strict)
	STR("btf", r->btf_path)
	BOOL("no_btf_cache", r->no_btf_cache)
	STR("sha256", cfg->sha256)
#undef STR
#undef NUM
#undef BOOL
	return 0;
}

/* start: read the package here (the server may not see this file), send it with the flags. */
static int cmd_start(struct client *cl, int argc, char **argv)
{
	cJSON *req = cJSON_CreateObject(), *o = cJSON_AddObjectToObject(req, "options"), *a, *doc;
	char **av = calloc((size_t)argc + 1, sizeof(*av)), *text;
	const char *loc, *name = NULL;
	struct run_config cfg;
	int ac = 1, i = 1, rc, pi;

	if (!req || !o || !av) {
		cJSON_Delete(req);
		free(av);
		return ECLI_EXIT_FAIL;
	}
	/* -n/--name is ours; everything else before the package is an `ecli run` option */
	av[0] = "ecli client start";
	while (i < argc) {
		bool takes_next = false;

		if ((!strcmp(argv[i], "-n") || !strcmp(argv[i], "--name")) && i + 1 < argc) {
			name = argv[i + 1];
			i += 2;
			continue;
		}
		if (!strncmp(argv[i], "--name=", 7)) {
			name = argv[i++] + 7;
			continue;
		}
		if (argv[i][0] != '-' || !argv[i][1] || !strcmp(argv[i], "--"))
			break;
		run_option_match(argv[i], &takes_next);
		av[ac++] = argv[i++];
		if (takes_next && i < argc)
			av[ac++] = argv[i++];
	}
	while (i < argc)
		av[ac++] = argv[i++];
	run_config_init(&cfg, false);
	pi = run_options_parse(&cfg, ac, av, "ecli client start", "ecli client");
	rc = pi == RUN_OPTS_HELP ? ECLI_EXIT_OK : ECLI_EXIT_USAGE;
	if (pi == RUN_OPTS_HELP)
		client_help(stdout);
	else if (pi >= ac)
		fprintf(stderr, "ecli client start: no package given\n");
	else if (pi >= 0 && !start_options(o, &cfg))
		rc = -1;
	if (rc >= 0)
		goto out;
	loc = av[pi];
	if (name)
		cJSON_AddStringToObject(req, "name", name);
	if (!strncmp(loc, "http://", 7) || !strncmp(loc, "https://", 8)) {
		cJSON_AddStringToObject(req, "url", loc);
	} else if (client_add_package(req, loc)) {
		rc = ECLI_EXIT_FAIL;
		goto out;
	}
	a = cJSON_AddArrayToObject(req, "args");
	for (i = pi + 1; i < ac; i++)
		cJSON_AddItemToArray(a, cJSON_CreateString(av[i]));
	text = cJSON_PrintUnformatted(req);
	rc = ECLI_EXIT_FAIL;
	if (!text)
		goto out;
	rc = call(cl, "POST", "/v1/programs", text, strlen(text), 201, cl->json ? NULL : &doc,
		  "start");
	free(text);
	if (rc || cl->json)
		goto out;
	printf("%.0f\n", jnum(doc, "id"));
	fprintf(stderr, "ecli client: started %s as program %.0f (`ecli client log -f %.0f`)\n",
		jstr(doc, "name"), jnum(doc, "id"), jnum(doc, "id"));
	cJSON_Delete(doc);
out:
	cJSON_Delete(req);
	free(av);
	return rc;
}

int do_client(int argc, char **argv)
{
	static const struct option opts[] = {
		{"endpoint", required_argument, NULL, 'e'},
		{"token-file", required_argument, NULL, 't'},
		{"cacert", required_argument, NULL, 1000},
		{"json", no_argument, NULL, 'j'},
		{"help", no_argument, NULL, 'h'},
		{},
	};
	struct sigaction sa = {.sa_handler = on_signal};
	struct client cl = {0};
	const char *endpoint = getenv("ECLI_ENDPOINT"), *token_file = NULL, *cmd;
	int opt, rc;

	optind = 1;
	opterr = 0;
	while ((opt = getopt_long(argc, argv, "+:e:t:jh", opts, NULL)) != -1) {
		switch (opt) {
		case 'e':
			endpoint = optarg;
			break;
		case 't':
			token_file = optarg;
			break;
		case 1000:
			cl.cacert = optarg;
			break;
		case 'j':
			cl.json = true;
			break;
		case 'h':
			client_help(stdout);
			return ECLI_EXIT_OK;
		default:
			fprintf(stderr, "ecli client: %s option '%s'; see `ecli client --help`\n",
				opt == ':' ? "missing value for" : "unknown", argv[optind - 1]);
			return ECLI_EXIT_USAGE;
		}
	}
	if (optind >= argc) {
		client_help(stderr);
		return ECLI_EXIT_USAGE;
	}
	if (client_endpoint(&cl, endpoint && *endpoint ? endpoint : DEFAULT_ENDPOINT) ||
	    (token_file && client_token(&cl, token_file)))
		return ECLI_EXIT_USAGE;
	argc -= optind;
	argv += optind;
	cmd = argv[0];
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
	if (!strcmp(cmd, "start"))
		rc = cmd_start(&cl, argc, argv);
	else if (!strcmp(cmd, "list") && argc == 1)
		rc = cmd_list(&cl);
	else if (!strcmp(cmd, "status") && argc == 2)
		rc = cmd_status(&cl, argv[1]);
	else if (!strcmp(cmd, "log"))
		rc = cmd_log(&cl, argc, argv);
	else if ((!strcmp(cmd, "pause") || !strcmp(cmd, "resume") || !strcmp(cmd, "stop")) &&
		 argc == 2)
		rc = cmd_simple(&cl, cmd, argv[1]);
	else if (!strcmp(cmd, "list") || !strcmp(cmd, "status") || !strcmp(cmd, "pause") ||
		 !strcmp(cmd, "resume") || !strcmp(cmd, "stop")) {
		fprintf(stderr, "ecli client %s: %s\n", cmd,
			strcmp(cmd, "list") ? "expects one program ID" : "takes no arguments");
		rc = ECLI_EXIT_USAGE;
	} else {
		fprintf(stderr, "ecli client: unknown command '%s'; see `ecli client --help`\n",
			cmd);
		rc = ECLI_EXIT_USAGE;
	}
	client_free(&cl);
	return rc;
}
