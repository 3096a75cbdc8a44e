// SPDX-License-Identifier: MIT
/* `ecli run [OPTIONS] PACKAGE [TOOL-FLAGS...]`: open, load, attach and poll a package. */
#include <errno.h>
#include <linux/capability.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "ecli/ecli.h"
#include "ecli/oci.h"

static struct eunomia_runner *volatile running;

static void run_help(FILE *f)
{
	fprintf(f,
		"Usage: ecli run [OPTIONS] PACKAGE [TOOL-FLAGS...]\n"
		"\n"
		"Load the eBPF programs of PACKAGE (a package.json/.yaml/.tar path, - for standard\n"
		"input, an http(s):// URL, optionally ending in #sha256=HEX, or a registry\n"
		"reference host[:port]/repository[:tag|@sha256:HEX] as `ecli push` made it),\n"
		"attach them and print their events to standard output until Ctrl-C, SIGTERM or\n"
		"--duration.\n"
		"TOOL-FLAGS set the package's `const volatile` variables; `ecli run PACKAGE --help`\n"
		"lists them.\n"
		"\n"
		"Options:\n");
	run_options_help(f, NULL, NULL);
	fprintf(f,
		"\n"
		"Exit status: 0 success (also after Ctrl-C/SIGTERM), 1 failure, 2 usage error.\n");
}

/* ---- messages: one line each, prefixed with who says it ---------------------------------- */

void ecli_print(void *ctx, enum eunomia_print_level level, const char *fmt, va_list ap)
{
	struct ecli_log *lg = ctx;
	FILE *f = lg->held ? lg->held : stderr;
	size_t n, w = strlen(lg->who);
	char *msg;

	if (level == EUNOMIA_DEBUG && !lg->verbose)
		return;
	if (level == EUNOMIA_WARN)
		lg->warnings++;
	if (vasprintf(&msg, fmt, ap) < 0)
		return;
	msg = run_options_flag_names(msg);
	n = strlen(msg);
	while (n && msg[n - 1] == '\n')
		n--;
	/* libbpf's own lines, indented continuation lines (a verifier log) and lines that
	 * already start with our name stay as they are */
	if (level != EUNOMIA_DEBUG && msg[0] != ' ' && strncmp(msg, "libbpf: ", 8) &&
	    !(!strncmp(msg, lg->who, w) && msg[w] == ':'))
		fprintf(f, "%s: ", lg->who);
	fprintf(f, "%.*s\n", (int)n, msg);
	free(msg);
}

/* "who: name: message"; name left out when it is who (a standalone tool is named after it). */
__attribute__((format(printf, 3, 4))) static void say(const struct ecli_log *lg, const char *name,
						      const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "%s: ", lg->who);
	if (name && strcmp(name, lg->who))
		fprintf(stderr, "%s: ", name);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

/* Hold messages back until the outcome of a step is known (the step may reword them). */
static void log_hold(struct ecli_log *lg)
{
	lg->held = open_memstream(&lg->held_buf, &lg->held_len);
}

/* Print what was held (when `print`), the last line ending with `tail`; stop holding. */
static void log_release(struct ecli_log *lg, bool print, const char *tail)
{
	size_t len;

	if (!lg->held)
		return;
	fclose(lg->held);
	lg->held = NULL;
	len = lg->held_len;
	if (print && len) {
		if (lg->held_buf[len - 1] == '\n')
			len--;
		fprintf(stderr, "%.*s%s\n", (int)len, lg->held_buf, tail ? tail : "");
	}
	free(lg->held_buf);
	lg->held_buf = NULL;
	lg->held_len = 0;
}

/* True when this process cannot load tracing programs: neither CAP_SYS_ADMIN nor both CAP_BPF
 * and CAP_PERFMON in its effective set. */
static bool lacks_privilege(void)
{
	struct __user_cap_header_struct hdr = {.version = _LINUX_CAPABILITY_VERSION_3};
	struct __user_cap_data_struct data[_LINUX_CAPABILITY_U32S_3] = {};
	uint64_t eff;

	if (syscall(SYS_capget, &hdr, data))
		return false; /* cannot tell: let the kernel decide */
	eff = (uint64_t)data[1].effective << 32 | data[0].effective;
#define HAS(cap) ((eff >> (cap)) & 1)
	return !HAS(CAP_SYS_ADMIN) && !(HAS(CAP_BPF) && HAS(CAP_PERFMON));
#undef HAS
}

static void say_root_needed(const struct ecli_log *lg, const char *name)
{
	say(lg, name,
	    "loading BPF programs needs root (CAP_BPF and CAP_PERFMON); run it as root, e.g. "
	    "with sudo");
}

/* ---- tool flags -------------------------------------------------------------------------- */

/* Names equal with '-' and '_' interchangeable; a has length n. */
static bool flag_name_eq(const char *a, size_t n, const char *b)
{
	for (size_t i = 0; i < n; i++) {
		char x = a[i] == '-' ? '_' : a[i], y = b[i] == '-' ? '_' : b[i];

		if (!b[i] || x != y)
			return false;
	}
	return b[n] == '\0';
}

int ecli_tool_flag(const struct eunomia_runner *r, const char *arg)
{
	size_t i, count = eunomia_runner__arg_count(r);

	if (arg[0] != '-' || !arg[1])
		return 0;
	if (!strcmp(arg, "-h") || !strcmp(arg, "--help") || !strcmp(arg, "--version"))
		return 1;
	if (arg[1] == '-') {
		const char *name = arg + 2;
		size_t n = strcspn(name, "=");

		for (i = 0; i < count; i++) {
			const struct eunomia_arg_info *a = eunomia_runner__arg(r, i);

			if (flag_name_eq(name, n, a->long_name) || flag_name_eq(name, n, a->name))
				return a->is_bool || name[n] == '=' ? 1 : 2;
			if (a->is_bool && n > 3 &&
			    (!strncmp(name, "no-", 3) || !strncmp(name, "no_", 3)) && !name[n] &&
			    (flag_name_eq(name + 3, n - 3, a->long_name) ||
			     flag_name_eq(name + 3, n - 3, a->name)))
				return 1;
		}
		return 0;
	}
	for (i = 0; i < count; i++) {
		const struct eunomia_arg_info *a = eunomia_runner__arg(r, i);

		if (a->short_name == arg[1])
			return a->is_bool || arg[2] ? 1 : 2;
	}
	return 0;
}

/* The first tool argument that is no flag of the tool but an ecli run option (its index, with
 * its value in the next argument when *takes_next), or 0. */
static int misplaced_option(const struct eunomia_runner *r, int argc, char **argv, bool *takes_next)
{
	for (int i = 1; i < argc && strcmp(argv[i], "--"); i++) {
		int kind = ecli_tool_flag(r, argv[i]);

		if (kind == 2)
			i++;
		else if (!kind && run_option_match(argv[i], takes_next))
			return i;
	}
	return 0;
}

/* The ecli options of a standalone tool, minus those its own flags take. */
static int standalone_taken(const struct run_option *o, void *ctx)
{
	const struct eunomia_runner *r = ctx;
	char s[3] = {'-', o->short_name, 0}, l[64];
	int t = 0;

	snprintf(l, sizeof(l), "--%s", o->long_name);
	if (!o->short_name || ecli_tool_flag(r, s))
		t |= RUN_OPT_SHORT_TAKEN;
	if (ecli_tool_flag(r, l))
		t |= RUN_OPT_LONG_TAKEN;
	return t;
}

static void standalone_help(const struct eunomia_runner *r, FILE *f)
{
	fprintf(f,
		"\n"
		"Runtime options (those of `ecli run`; the tool's own flags above win, and `--`\n"
		"ends the runtime options):\n");
	run_options_help(f, standalone_taken, (void *)r);
}

/* ---- running ----------------------------------------------------------------------------- */

static int discard_line(void *ctx, const char *line, size_t len)
{
	return 0;
}

static void on_signal(int sig)
{
	struct eunomia_runner *r = running;

	if (r)
		eunomia_runner__stop(r);
}

/* Tool flags: -1 to go on, else the exit code. Messages are held, then printed as one line
 * with the hint that applies. */
static int tool_args(struct eunomia_runner *r, struct ecli_log *lg, const struct ecli_run_ctx *ctx,
		     int argc, char **argv)
{
	int err, misplaced;
	const char *v;
	char hint[512];
	bool next;

	log_hold(lg);
	err = eunomia_runner__parse_args(r, argc, argv);
	if (err >= 0)
		log_release(lg, true, NULL);
	if (err == EUNOMIA_ARGS_HELP) {
		eunomia_runner__help(r, stdout, argv[0]);
		if (ctx->standalone)
			standalone_help(r, stdout);
		return ECLI_EXIT_OK;
	}
	if (err == EUNOMIA_ARGS_VERSION) {
		v = eunomia_runner__version(r);
		printf("%s %s\n", argv[0], v ? v : "(no version)");
		return ECLI_EXIT_OK;
	}
	if (err >= 0)
		return -1;
	misplaced = ctx->standalone ? 0 : misplaced_option(r, argc, argv, &next);
	if (misplaced) {
		log_release(lg, false, NULL);
		fprintf(stderr,
			"%s: %s is not a flag of %s: ecli options go before the package (ecli run "
			"%s%s%s %s)\n",
			lg->who, argv[misplaced], argv[0], argv[misplaced],
			next && misplaced + 1 < argc ? " " : "",
			next && misplaced + 1 < argc ? argv[misplaced + 1] : "", ctx->package);
		return ECLI_EXIT_USAGE;
	}
	snprintf(hint, sizeof(hint), "; see `%s --help`", ctx->help_cmd);
	if (lg->held && ftell(lg->held) > 0) {
		log_release(lg, true, hint); /* the library's reason, and the hint */
	} else {
		log_release(lg, true, NULL);
		fprintf(stderr, "%s: bad tool arguments%s\n", lg->who, hint);
	}
	return ECLI_EXIT_USAGE;
}

int ecli_run_package(struct eunomia_package *pkg, const struct run_config *cfg,
		     const struct ecli_run_ctx *ctx, int argc, char **argv)
{
	struct ecli_log lg = {.who = ctx->who, .verbose = cfg->runner.verbose};
	struct eunomia_runner_opts ro = cfg->runner;
	struct sigaction sa = {.sa_handler = on_signal};
	struct eunomia_runner *r;
	struct ecli_metrics *mx = NULL;
	const char *name = eunomia_package__name(pkg);
	int rc = ECLI_EXIT_FAIL, err, n;
	char *noargv[] = {(char *)name, NULL};
	bool unprivileged;
	unsigned int warned;

	ro.print = ecli_print;
	ro.print_ctx = &lg;
	ro.out = stdout;
	ro.mount_tracefs = true; /* ecli's policy: a root run mounts a missing tracefs */
	if (cfg->quiet)
		ro.output = discard_line;
	if (argc < 1) {
		argc = 1;
		argv = noargv;
	}
	r = eunomia_runner__open(pkg, &ro);
	if (!r) {
		if (!lg.warnings)
			say(&lg, name, "cannot open the BPF object: %s", eunomia_strerror(errno));
		goto out_pkg;
	}
	rc = tool_args(r, &lg, ctx, argc, argv);
	if (rc >= 0)
		goto out;
	rc = ECLI_EXIT_FAIL;

	/* SIGINT/SIGTERM only stop polling: the runner detaches everything on the way out */
	running = r;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);

	/* Without the capabilities, libbpf's own explanation (RLIMIT_MEMLOCK, EPERM) misleads:
	 * hold the messages, and say what is missing if the kernel refuses. */
	unprivileged = lacks_privilege();
	if (unprivileged)
		log_hold(&lg);
	warned = lg.warnings;
	err = eunomia_runner__load(r);
	if (err) {
		if (unprivileged) {
			log_release(&lg, lg.verbose, NULL);
			say_root_needed(&lg, name);
		} else if (lg.warnings == warned) {
			say(&lg, name, "load failed: %s", eunomia_strerror(err));
		}
		goto out;
	}
	warned = lg.warnings;
	n = eunomia_runner__attach(r);
	if (n < 0) {
		if (unprivileged) {
			log_release(&lg, lg.verbose, NULL);
			say_root_needed(&lg, name);
		} else if (lg.warnings == warned) {
			say(&lg, name, "attach failed: %s", eunomia_strerror(n));
		}
		goto out;
	}
	log_release(&lg, true, NULL);
	if (cfg->metrics_addr) {
		mx = ecli_metrics_start(ctx->who, cfg->metrics_addr, r);
		if (!mx)
			goto out;
	}
	if (ctx->standalone)
		say(&lg, NULL, "Running: %d program%s attached. Ctrl-C to stop.", n,
		    n == 1 ? "" : "s");
	else
		say(&lg, NULL, "Running %s: %d program%s attached. Ctrl-C to stop.", name, n,
		    n == 1 ? "" : "s");
	fflush(stderr);
	/* ecli's cache policy: fill the minimal-BTF cache once running, off the start-up path */
	eunomia_runner__fill_btf_cache(r);
	warned = lg.warnings;
	err = eunomia_runner__run(r);
	if (err == -EPIPE) {
		err = 0; /* the reader went away (`| head`): a normal end */
	} else if (err) {
		if (lg.warnings == warned)
			say(&lg, name, "stopped on error: %s", eunomia_strerror(err));
		goto out;
	}
	/* what the tool kept in maps and globals, as bpftrace prints it at exit */
	ecli_metrics_stop(mx);
	mx = NULL;
	if (!cfg->no_dump && !cfg->quiet) {
		err = eunomia_runner__dump_maps(r);
		if (err && err != -EPIPE)
			say(&lg, name, "printing the maps at exit failed: %s",
			    eunomia_strerror(err));
	}
	if (eunomia_runner__lost_events(r))
		say(&lg, name, "%llu event(s) lost (consumer too slow)",
		    (unsigned long long)eunomia_runner__lost_events(r));
	rc = ECLI_EXIT_OK;
out:
	ecli_metrics_stop(mx);
	log_release(&lg, true, NULL);
	running = NULL;
	eunomia_runner__fill_btf_cache(r); /* loaded but never ran: fill it on the way out */
	eunomia_runner__free(r);
out_pkg:
	eunomia_package__free(pkg);
	if (fflush(stdout) || ferror(stdout)) {
		if (errno != EPIPE) {
			fprintf(stderr, "%s: writing standard output: %s\n", ctx->who,
				strerror(errno));
			rc = ECLI_EXIT_FAIL;
		}
		clearerr(stdout);
	}
	return rc;
}

int do_run(int argc, char **argv)
{
	struct ecli_log lg = {.who = "ecli", .verbose = ecli_verbose};
	struct ecli_run_ctx ctx = {.who = "ecli"};
	EUNOMIA_OPTS(package, po, .print = ecli_print, .print_ctx = &lg);
	struct run_config cfg;
	struct eunomia_package *pkg;
	char help_cmd[512];
	const char *loc;
	char **targv;
	int i, rc;

	run_config_init(&cfg, ecli_verbose);
	i = run_options_parse(&cfg, argc, argv, "ecli run", "ecli run");
	if (i == RUN_OPTS_HELP) {
		run_help(stdout);
		return ECLI_EXIT_OK;
	}
	if (i == RUN_OPTS_USAGE)
		return ECLI_EXIT_USAGE;
	if (i >= argc) {
		fprintf(stderr, "ecli run: no package given\n");
		run_help(stderr);
		return ECLI_EXIT_USAGE;
	}
	loc = argv[i];
	lg.verbose = cfg.runner.verbose;
	po.sha256 = cfg.sha256;
	if (oci_looks_like_ref(loc)) {
		pkg = ecli_oci_open(loc, &cfg, &po, "ecli");
		if (!pkg)
			return ECLI_EXIT_FAIL;
	} else if (ecli_wants_signature(&cfg)) {
		pkg = ecli_open_verified(loc, &cfg, &po, "ecli");
		if (!pkg)
			return ECLI_EXIT_FAIL;
	} else {
		pkg = eunomia_package__open(loc, &po);
	}
	if (!pkg) {
		if (!lg.warnings)
			fprintf(stderr, "ecli: cannot open package '%s': %s\n", loc,
				eunomia_strerror(errno));
		return ECLI_EXIT_FAIL;
	}
	/* tool argv: the tool name, then every argument after the package */
	targv = calloc((size_t)(argc - i) + 1, sizeof(*targv));
	if (!targv) {
		eunomia_package__free(pkg);
		return ECLI_EXIT_FAIL;
	}
	targv[0] = (char *)eunomia_package__name(pkg);
	for (int j = i + 1; j < argc; j++)
		targv[j - i] = argv[j];
	snprintf(help_cmd, sizeof(help_cmd), "ecli run %s", loc);
	ctx.help_cmd = help_cmd;
	ctx.package = loc;
	rc = ecli_run_package(pkg, &cfg, &ctx, argc - i, targv);
	free(targv);
	return rc;
}
