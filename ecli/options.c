// SPDX-License-Identifier: MIT
/*
 * The options of `ecli run`: one table, and everything generated from it (getopt's long
 * options and short-option string, the switch that stores values, the --help lines, the
 * lexical matcher standalone tools use to tell ecli options from tool flags).
 */
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "ecli/options.h"

/* ---- setters: each stores into the field at o->off (o->size bytes) ------------------------ */

static void store_int(const struct run_option *o, struct run_config *cfg, long long v)
{
	char *p = (char *)cfg + o->off;

	switch (o->size) {
	case sizeof(int8_t): {
		int8_t x = (int8_t)v;

		memcpy(p, &x, sizeof(x));
		break;
	}
	case sizeof(int16_t): {
		int16_t x = (int16_t)v;

		memcpy(p, &x, sizeof(x));
		break;
	}
	case sizeof(int32_t): {
		int32_t x = (int32_t)v;

		memcpy(p, &x, sizeof(x));
		break;
	}
	case sizeof(int64_t): {
		int64_t x = v;

		memcpy(p, &x, sizeof(x));
		break;
	}
	default:
		break; /* no integer field has another size (test_ecli_options checks the table) */
	}
}

/* A switch: the field gets o->value (true, a format). */
static int set_const(const struct run_option *o, struct run_config *cfg, const char *value,
		     const char *who)
{
	store_int(o, cfg, o->value);
	return 0;
}

static int set_str(const struct run_option *o, struct run_config *cfg, const char *value,
		   const char *who)
{
	if (o->size == sizeof(value))
		memcpy((char *)cfg + o->off, &value, sizeof(value));
	return 0;
}

/* An integer in [o->min, o->max] (decimal, 0x hex or 0 octal). */
static int set_int(const struct run_option *o, struct run_config *cfg, const char *value,
		   const char *who)
{
	char *end;
	long long v;

	errno = 0;
	v = strtoll(value, &end, 0);
	if (errno || end == value || *end || v < o->min || v > o->max) {
		fprintf(stderr, "%s: --%s expects an integer in [%lld, %lld], got '%s'\n", who,
			o->long_name, o->min, o->max, value);
		return -1;
	}
	store_int(o, cfg, v);
	return 0;
}

/* A repeatable option: the value goes into the first free slot of a `const char *[N]`. */
static int set_append(const struct run_option *o, struct run_config *cfg, const char *value,
		      const char *who)
{
	const char **slots = (const char **)(void *)((char *)cfg + o->off);
	size_t n = o->size / sizeof(*slots);

	for (size_t i = 0; i < n; i++)
		if (!slots[i]) {
			slots[i] = value;
			return 0;
		}
	fprintf(stderr, "%s: --%s given more than %zu times\n", who, o->long_name, n);
	return -1;
}

/* Seconds (fractions allowed) stored as milliseconds, at least 1. */
static int set_seconds_ms(const struct run_option *o, struct run_config *cfg, const char *value,
			  const char *who)
{
	double secs;
	char *end;

	errno = 0;
	secs = strtod(value, &end);
	if (errno || end == value || *end || !isfinite(secs) || secs <= 0 ||
	    secs > INT_MAX / 1000) {
		fprintf(stderr, "%s: --%s expects a positive number of seconds, got '%s'\n", who,
			o->long_name, value);
		return -1;
	}
	store_int(o, cfg, (int)(secs * 1000 + 0.5) ?: 1);
	return 0;
}

/* ---- the table --------------------------------------------------------------------------- */

#define FIELD(f)  .off = offsetof(struct run_config, f), .size = sizeof(((struct run_config *)0)->f)
#define RUNNER(f) FIELD(runner.f), .opt = #f

/* In --help order. To add an option: one entry here (and a run_config field if it sets
 * something that is not already an eunomia_runner_opts field). */
const struct run_option run_options[] = {
	{"json", 'j', NULL, "events as JSON, one object per line", set_const, RUNNER(format),
	 .value = EUNOMIA_FMT_JSON},
	{"raw", 'r', NULL, "events as hex dumps, undecoded", set_const, RUNNER(format),
	 .value = EUNOMIA_FMT_RAW},
	{"verbose", 'v', NULL, "show libbpf's log and full verifier logs", set_const,
	 RUNNER(verbose), .value = true},
	{"duration", 'd', "SECONDS", "stop after SECONDS (fractions allowed)", set_seconds_ms,
	 RUNNER(duration_ms)},
	{"ifname", 'i', "NAME", "interface for xdp and tc programs", set_str, RUNNER(ifname)},
	{"ifindex", 0, "N", "interface index for xdp and tc programs", set_int, RUNNER(ifindex),
	 .min = 1, .max = INT_MAX},
	{"uprobe-binary", 'b', "PATH", "binary for uprobe/uretprobe/usdt programs", set_str,
	 RUNNER(uprobe_binary)},
	{"uprobe-func", 'f', "FUNC",
	 "function for uprobe/uretprobe programs\n(FUNC, FUNC+OFFSET or +OFFSET)", set_str,
	 RUNNER(uprobe_func)},
	{"target-pid", 'p', "PID", "only trace PID (uprobe, usdt, perf_event)", set_int,
	 RUNNER(pid), .min = 1, .max = INT_MAX},
	{"cgroup", 0, "PATH",
	 "cgroup2 directory for cgroup programs\n(default /sys/fs/cgroup/unified)", set_str,
	 RUNNER(cgroup_path)},
	{"freq", 'F', "HZ", "perf_event sampling frequency per CPU (default 49)", set_int,
	 RUNNER(perf_freq), .min = 1, .max = 1000000},
	{"only", 0, "PROG[,PROG]", "load only these programs", set_str, RUNNER(only_progs)},
	{"disable", 0, "PROG[,PROG]", "do not load these programs", set_str, RUNNER(disable_progs)},
	{"max-entries", 0, "N", "size of maps left at 0 entries (default 10240)", set_int,
	 RUNNER(default_max_entries), .min = 1, .max = UINT32_MAX},
	{"strict", 0, NULL, "fail when any program fails to load or attach", set_const,
	 RUNNER(strict), .value = true},
	{"btf", 0, "PATH",
	 "BTF of the running kernel (for kernels without\n/sys/kernel/btf/vmlinux; BTF_FILE_PATH "
	 "works too)",
	 set_str, RUNNER(btf_path)},
	{"no-btf-cache", 0, NULL,
	 "neither use nor fill the minimal-BTF cache\n(EUNOMIA_NO_BTF_CACHE=1 does the same)",
	 set_const, RUNNER(no_btf_cache), .value = true},
	{"sha256", 0, "HEX", "refuse the package unless its SHA-256 is HEX", set_str,
	 FIELD(sha256)},
	{"folded", 0, NULL, "stacks as folded lines (flame graph input)", set_const, RUNNER(folded),
	 .value = true},
	{"no-dump", 0, NULL, "do not print the maps and globals at exit", set_const, FIELD(no_dump),
	 .value = true},
	{"metrics-addr", 0, "HOST:PORT",
	 "serve Prometheus metrics of the maps at\nhttp://HOST:PORT/metrics while running", set_str,
	 FIELD(metrics_addr)},
	{"bpf-stats", 0, NULL,
	 "turn on kernel BPF run-time statistics\n(program run_count/run_time metrics)", set_const,
	 RUNNER(bpf_stats), .value = true},
	{"quiet", 0, NULL, "print no events or sampled maps (metrics only)", set_const,
	 FIELD(quiet), .value = true},
	{"verify-key", 0, "PUB",
	 "refuse the package unless a minisign signature\nby this public key verifies "
	 "(repeatable)",
	 set_append, FIELD(verify_keys)},
	{"signature", 0, "FILE", "the signature (default: PACKAGE.minisig)", set_str,
	 FIELD(signature)},
	{"require-signature", 0, NULL,
	 "refuse unsigned packages; keys from --verify-key\nor --trusted-dir", set_const,
	 FIELD(require_signature), .value = true},
	{"trusted-dir", 0, "DIR", "trusted *.pub keys (default /etc/eunomia/trusted.d)", set_str,
	 FIELD(trusted_dir)},
	{"help", 'h', NULL, "show this help", .set = NULL},
};

#define NR_OPTIONS (sizeof(run_options) / sizeof(run_options[0]))
const size_t run_options_count = NR_OPTIONS;

/* getopt_long's val for entry i: its letter, else a code above every char. */
#define LONG_ONLY_VAL(i) (0x100 + (int)(i))

void run_config_init(struct run_config *cfg, bool verbose)
{
	memset(cfg, 0, sizeof(*cfg));
	cfg->runner.sz = sizeof(cfg->runner);
	cfg->runner.verbose = verbose;
}

/* ---- --help -------------------------------------------------------------------------------- */

#define HELP_INDENT 2
#define HELP_COLUMN 27 /* width of "-b, --uprobe-binary PATH   " */

void run_options_help(FILE *f, int (*taken)(const struct run_option *o, void *ctx), void *ctx)
{
	for (size_t i = 0; i < NR_OPTIONS; i++) {
		const struct run_option *o = &run_options[i];
		int t = taken ? taken(o, ctx) : 0;
		const char *h = o->help, *nl;
		char left[64], letter[5] = "    ";

		if (t == (RUN_OPT_SHORT_TAKEN | RUN_OPT_LONG_TAKEN) || (taken && !o->set))
			continue;
		if (o->short_name && !(t & RUN_OPT_SHORT_TAKEN))
			snprintf(letter, sizeof(letter), "-%c, ", o->short_name);
		if (t & RUN_OPT_LONG_TAKEN)
			snprintf(left, sizeof(left), "-%c%s%s", o->short_name, o->arg ? " " : "",
				 o->arg ? o->arg : "");
		else
			snprintf(left, sizeof(left), "%s--%s%s%s", letter, o->long_name,
				 o->arg ? " " : "", o->arg ? o->arg : "");
		nl = strchr(h, '\n');
		fprintf(f, "%*s%-*s%.*s\n", HELP_INDENT, "", HELP_COLUMN, left,
			nl ? (int)(nl - h) : (int)strlen(h), h);
		while (nl) {
			h = nl + 1;
			nl = strchr(h, '\n');
			fprintf(f, "%*s%.*s\n", HELP_INDENT + HELP_COLUMN, "",
				nl ? (int)(nl - h) : (int)strlen(h), h);
		}
	}
}

/* ---- parsing ------------------------------------------------------------------------------- */

int run_options_parse(struct run_config *cfg, int argc, char **argv, const char *who,
		      const char *help_cmd)
{
	/* every entry, and getopt_long's terminating zero entry */
	static struct option longopts[NR_OPTIONS + 1];
	/* "+:" (stop at the package, report missing values), then "x" or "x:" per letter */
	static char shortopts[2 + 2 * NR_OPTIONS + 1];
	size_t i, n = 0;
	int opt;

	if (!shortopts[0]) {
		shortopts[n++] = '+';
		shortopts[n++] = ':';
		for (i = 0; i < NR_OPTIONS; i++) {
			const struct run_option *o = &run_options[i];

			longopts[i] = (struct option){
				.name = o->long_name,
				.has_arg = o->arg ? required_argument : no_argument,
				.val = o->short_name ?: LONG_ONLY_VAL(i),
			};
			if (!o->short_name)
				continue;
			shortopts[n++] = o->short_name;
			if (o->arg)
				shortopts[n++] = ':';
		}
	}
	optind = 0; /* 0: glibc resets its state (a parse may have stopped mid-cluster) */
	opterr = 0;
	while ((opt = getopt_long(argc, argv, shortopts, longopts, NULL)) != -1) {
		const struct run_option *o = NULL;

		if (opt >= LONG_ONLY_VAL(0) && opt < LONG_ONLY_VAL(NR_OPTIONS))
			o = &run_options[opt - LONG_ONLY_VAL(0)];
		for (i = 0;
		     !o && opt > 0 && opt < 0x100 && opt != ':' && opt != '?' && i < NR_OPTIONS;
		     i++)
			if (run_options[i].short_name == opt)
				o = &run_options[i];
		if (o && !o->set)
			return RUN_OPTS_HELP;
		if (o) {
			if (o->set(o, cfg, optarg, who))
				return RUN_OPTS_USAGE;
			continue;
		}
		if (opt == ':')
			fprintf(stderr, "%s: option '%s' needs a value; see `%s --help`\n", who,
				argv[optind - 1], help_cmd);
		else
			fprintf(stderr, "%s: unknown option '%s'; see `%s --help`\n", who,
				argv[optind - 1], help_cmd);
		return RUN_OPTS_USAGE;
	}
	return optind;
}

const struct run_option *run_option_match(const char *arg, bool *takes_next)
{
	*takes_next = false;
	if (arg[0] != '-' || !arg[1])
		return NULL;
	for (size_t i = 0; i < NR_OPTIONS; i++) {
		const struct run_option *o = &run_options[i];

		if (!o->set)
			continue;
		if (arg[1] == '-') {
			size_t n = strcspn(arg + 2, "=");

			if (n != strlen(o->long_name) || strncmp(arg + 2, o->long_name, n))
				continue;
			if (arg[2 + n] == '=' && !o->arg)
				return NULL; /* --strict=1: not a spelling getopt accepts */
			*takes_next = o->arg && arg[2 + n] != '=';
			return o;
		}
		if (arg[1] != o->short_name || (!o->arg && arg[2]))
			continue;
		*takes_next = o->arg && !arg[2];
		return o;
	}
	return NULL;
}

/* ---- library option names -> flags --------------------------------------------------------- */

/* Replace every `from` in msg (malloc'ed) by `to`; msg is freed when a new string is made. */
static char *replace_all(char *msg, const char *from, const char *to)
{
	size_t fl = strlen(from), tl = strlen(to);
	char *p = msg;

	while ((p = strstr(p, from))) {
		size_t pre = (size_t)(p - msg), post = strlen(p + fl);
		char *n = malloc(pre + tl + post + 1);

		if (!n)
			return msg;
		memcpy(n, msg, pre);
		memcpy(n + pre, to, tl);
		memcpy(n + pre + tl, p + fl, post + 1);
		free(msg);
		msg = n;
		p = msg + pre + tl;
	}
	return msg;
}

/* Entries that name a runner option no other entry sets (-j and -r share `format`). */
static bool maps_uniquely(const struct run_option *o)
{
	if (!o->opt)
		return false;
	for (size_t i = 0; i < NR_OPTIONS; i++)
		if (&run_options[i] != o && run_options[i].opt &&
		    !strcmp(run_options[i].opt, o->opt))
			return false;
	return true;
}

char *run_options_flag_names(char *msg)
{
	char from[160], to[160], flag[64], usage[96];

	for (size_t i = 0; msg && i < NR_OPTIONS; i++) {
		const struct run_option *o = &run_options[i];

		if (!maps_uniquely(o) || !strstr(msg, o->opt))
			continue;
		/* "--disable", and as typed: "-i NAME", "--cgroup PATH", "-v" */
		snprintf(flag, sizeof(flag), "--%s", o->long_name);
		if (o->short_name)
			snprintf(usage, sizeof(usage), "-%c%s%s", o->short_name, o->arg ? " " : "",
				 o->arg ? o->arg : "");
		else
			snprintf(usage, sizeof(usage), "%s%s%s", flag, o->arg ? " " : "",
				 o->arg ? o->arg : "");
		for (size_t j = 0; j < NR_OPTIONS; j++) {
			const struct run_option *p = &run_options[j];

			if (j == i || !maps_uniquely(p))
				continue;
			snprintf(from, sizeof(from), "the %s and %s options", o->opt, p->opt);
			snprintf(to, sizeof(to), "%s/--%s", flag, p->long_name);
			msg = replace_all(msg, from, to);
		}
		snprintf(from, sizeof(from), "set the %s option", o->opt);
		snprintf(to, sizeof(to), "%s %s", o->arg ? "pass" : "use", usage);
		msg = replace_all(msg, from, to);
		snprintf(from, sizeof(from), "with the %s option", o->opt);
		snprintf(to, sizeof(to), "with %s", usage);
		msg = replace_all(msg, from, to);
		snprintf(from, sizeof(from), "(%s option)", o->opt);
		snprintf(to, sizeof(to), "(%s%s%s)", flag, o->arg ? " " : "", o->arg ? o->arg : "");
		msg = replace_all(msg, from, to);
		snprintf(from, sizeof(from), "the option %s=", o->opt);
		snprintf(to, sizeof(to), "%s ", flag);
		msg = replace_all(msg, from, to);
		snprintf(from, sizeof(from), "option %s:", o->opt);
		snprintf(to, sizeof(to), "%s:", flag);
		msg = replace_all(msg, from, to);
		snprintf(from, sizeof(from), "the %s option", o->opt);
		msg = replace_all(msg, from, flag);
	}
	return msg;
}
