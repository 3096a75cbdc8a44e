// SPDX-License-Identifier: MIT
/* `ecli run [OPTIONS] PACKAGE [TOOL-FLAGS...]`: open, load, attach and poll a package. */
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <math.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ecli/ecli.h"

/* Options of `ecli run` that apply to the runner (ecli_run_package reads them). */
static struct run_config {
	enum eunomia_format format;
	bool verbose;
	int duration_ms;
	const char *ifname;
	int ifindex;
	const char *uprobe_binary;
	const char *uprobe_func;
	int pid;
	const char *cgroup_path;
	int freq;
	const char *only, *disable;
	uint32_t max_entries;
	bool strict;
	const char *btf;
	const char *sha256;
	bool no_btf_cache;
} cfg;

static struct eunomia_runner *volatile running;

static void run_help(FILE *f)
{
	fprintf(f,
		"Usage: ecli run [OPTIONS] PACKAGE [TOOL-FLAGS...]\n"
		"\n"
		"Load the eBPF programs of PACKAGE (a package.json/.yaml/.tar path, - for standard\n"
		"input, or an http(s):// URL, optionally ending in #sha256=HEX), attach them and\n"
		"print their events to standard output until Ctrl-C, SIGTERM or --duration.\n"
		"TOOL-FLAGS set the package's `const volatile` variables; `ecli run PACKAGE --help`\n"
		"lists them.\n"
		"\n"
		"Options:\n"
		"  -j, --json                 events as JSON, one object per line\n"
		"  -r, --raw                  events as hex dumps, undecoded\n"
		"  -v, --verbose              show libbpf's log and full verifier logs\n"
		"  -d, --duration SECONDS     stop after SECONDS (fractions allowed)\n"
		"  -i, --ifname NAME          interface for xdp and tc programs\n"
		"      --ifindex N            interface index for xdp and tc programs\n"
		"  -b, --uprobe-binary PATH   binary for uprobe/uretprobe/usdt programs\n"
		"  -f, --uprobe-func FUNC     function for uprobe/uretprobe programs\n"
		"                             (FUNC, FUNC+OFFSET or +OFFSET)\n"
		"  -p, --target-pid PID       only trace PID (uprobe, usdt, perf_event)\n"
		"      --cgroup PATH          cgroup2 directory for cgroup programs\n"
		"                             (default /sys/fs/cgroup/unified)\n"
		"  -F, --freq HZ              perf_event sampling frequency per CPU (default 49)\n"
		"      --only PROG[,PROG]     load only these programs\n"
		"      --disable PROG[,PROG]  do not load these programs\n"
		"      --max-entries N        size of maps left at 0 entries (default 10240)\n"
		"      --strict               fail when any program fails to attach\n"
		"      --btf PATH             BTF of the running kernel (for kernels without\n"
		"                             /sys/kernel/btf/vmlinux; BTF_FILE_PATH works too)\n"
		"      --no-btf-cache         neither use nor fill the minimal-BTF cache\n"
		"                             (EUNOMIA_NO_BTF_CACHE=1 does the same)\n"
		"      --sha256 HEX           refuse the package unless its SHA-256 is HEX\n"
		"  -h, --help                 show this help\n"
		"\n"
		"Exit status: 0 success (also after Ctrl-C/SIGTERM), 1 failure, 2 usage error.\n");
}

static void print_cb(void *ctx, enum eunomia_print_level level, const char *fmt, va_list ap)
{
	size_t n = strlen(fmt);

	if (level == EUNOMIA_DEBUG && !cfg.verbose)
		return;
	vfprintf(stderr, fmt, ap);
	if (n == 0 || fmt[n - 1] != '\n')
		fputc('\n', stderr);
}

static void on_signal(int sig)
{
	struct eunomia_runner *r = running;

	if (r)
		eunomia_runner__stop(r);
}

static int parse_int(const char *opt, const char *s, long min, long max, long *out)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 0);
	if (errno || end == s || *end || v < min || v > max) {
		fprintf(stderr, "ecli run: %s expects an integer in [%ld, %ld], got '%s'\n", opt,
			min, max, s);
		return -1;
	}
	*out = v;
	return 0;
}

int ecli_run_package(struct eunomia_package *pkg, int argc, char **argv)
{
	EUNOMIA_OPTS(runner, ro, .print = print_cb, .verbose = cfg.verbose, .format = cfg.format,
		     .out = stdout, .btf_path = cfg.btf, .ifname = cfg.ifname,
		     .ifindex = cfg.ifindex, .uprobe_binary = cfg.uprobe_binary,
		     .uprobe_func = cfg.uprobe_func, .pid = cfg.pid, .cgroup_path = cfg.cgroup_path,
		     .perf_freq = cfg.freq, .only_progs = cfg.only, .disable_progs = cfg.disable,
		     .default_max_entries = cfg.max_entries, .strict = cfg.strict,
		     .duration_ms = cfg.duration_ms, .no_btf_cache = cfg.no_btf_cache);
	struct sigaction sa = {.sa_handler = on_signal};
	struct eunomia_runner *r;
	const char *name = eunomia_package__name(pkg);
	int rc = ECLI_EXIT_FAIL, err, n;
	char *noargv[] = {(char *)name, NULL};

	if (argc < 1) {
		argc = 1;
		argv = noargv;
	}
	r = eunomia_runner__open(pkg, &ro);
	if (!r) {
		fprintf(stderr, "ecli: %s: cannot open the BPF object: %s\n", name,
			eunomia_strerror(errno));
		goto out_pkg;
	}
	err = eunomia_runner__parse_args(r, argc, argv);
	if (err == EUNOMIA_ARGS_HELP) {
		eunomia_runner__help(r, stdout, argv[0]);
		rc = ECLI_EXIT_OK;
		goto out;
	}
	if (err == EUNOMIA_ARGS_VERSION) {
		const char *v = eunomia_runner__version(r);

		printf("%s %s\n", argv[0], v ? v : "(no version)");
		rc = ECLI_EXIT_OK;
		goto out;
	}
	if (err < 0) {
		fprintf(stderr, "ecli: %s: bad tool arguments (see `%s --help`)\n", name, argv[0]);
		rc = ECLI_EXIT_USAGE;
		goto out;
	}

	/* SIGINT/SIGTERM only stop polling: the runner detaches everything on the way out */
	running = r;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);

	err = eunomia_runner__load(r);
	if (err) {
		fprintf(stderr, "ecli: %s: load failed: %s\n", name, eunomia_strerror(err));
		goto out;
	}
	n = eunomia_runner__attach(r);
	if (n < 0) {
		fprintf(stderr, "ecli: %s: attach failed: %s\n", name, eunomia_strerror(n));
		goto out;
	}
	fprintf(stderr, "ecli: Running %s: %d program%s attached. Ctrl-C to stop.\n", name, n,
		n == 1 ? "" : "s");
	fflush(stderr);
	err = eunomia_runner__run(r);
	if (err == -EPIPE) {
		err = 0; /* the reader went away (`| head`): a normal end */
	} else if (err) {
		fprintf(stderr, "ecli: %s: stopped on error: %s\n", name, eunomia_strerror(err));
		goto out;
	}
	if (eunomia_runner__lost_events(r))
		fprintf(stderr, "ecli: %s: %llu event(s) lost (consumer too slow)\n", name,
			(unsigned long long)eunomia_runner__lost_events(r));
	rc = ECLI_EXIT_OK;
out:
	running = NULL;
	eunomia_runner__free(r);
out_pkg:
	eunomia_package__free(pkg);
	if (fflush(stdout) || ferror(stdout)) {
		if (errno != EPIPE) {
			perror("ecli: writing standard output");
			rc = ECLI_EXIT_FAIL;
		}
		clearerr(stdout);
	}
	return rc;
}

int do_run(int argc, char **argv)
{
	static const struct option opts[] = {
		{"json", no_argument, NULL, 'j'},
		{"raw", no_argument, NULL, 'r'},
		{"verbose", no_argument, NULL, 'v'},
		{"duration", required_argument, NULL, 'd'},
		{"ifname", required_argument, NULL, 'i'},
		{"ifindex", required_argument, NULL, 1001},
		{"uprobe-binary", required_argument, NULL, 'b'},
		{"uprobe-func", required_argument, NULL, 'f'},
		{"target-pid", required_argument, NULL, 'p'},
		{"cgroup", required_argument, NULL, 1002},
		{"freq", required_argument, NULL, 'F'},
		{"only", required_argument, NULL, 1003},
		{"disable", required_argument, NULL, 1004},
		{"max-entries", required_argument, NULL, 1005},
		{"strict", no_argument, NULL, 1006},
		{"btf", required_argument, NULL, 1007},
		{"sha256", required_argument, NULL, 1008},
		{"no-btf-cache", no_argument, NULL, 1009},
		{"help", no_argument, NULL, 'h'},
		{},
	};
	EUNOMIA_OPTS(package, po, .print = print_cb);
	struct eunomia_package *pkg;
	const char *loc;
	char **targv;
	long v;
	double secs;
	char *end;
	int opt, rc;

	memset(&cfg, 0, sizeof(cfg));
	cfg.verbose = ecli_verbose;
	optind = 1;
	opterr = 0;
	while ((opt = getopt_long(argc, argv, "+:jrvd:i:b:f:p:F:h", opts, NULL)) != -1) {
		switch (opt) {
		case 'j':
			cfg.format = EUNOMIA_FMT_JSON;
			break;
		case 'r':
			cfg.format = EUNOMIA_FMT_RAW;
			break;
		case 'v':
			cfg.verbose = true;
			break;
		case 'd':
			errno = 0;
			secs = strtod(optarg, &end);
			if (errno || end == optarg || *end || !isfinite(secs) || secs <= 0 ||
			    secs > INT_MAX / 1000) {
				fprintf(stderr,
					"ecli run: --duration expects a positive number of seconds, "
					"got '%s'\n",
					optarg);
				return ECLI_EXIT_USAGE;
			}
			cfg.duration_ms = (int)(secs * 1000 + 0.5) ?: 1;
			break;
		case 'i':
			cfg.ifname = optarg;
			break;
		case 1001:
			if (parse_int("--ifindex", optarg, 1, INT_MAX, &v))
				return ECLI_EXIT_USAGE;
			cfg.ifindex = (int)v;
			break;
		case 'b':
			cfg.uprobe_binary = optarg;
			break;
		case 'f':
			cfg.uprobe_func = optarg;
			break;
		case 'p':
			if (parse_int("--target-pid", optarg, 1, INT_MAX, &v))
				return ECLI_EXIT_USAGE;
			cfg.pid = (int)v;
			break;
		case 1002:
			cfg.cgroup_path = optarg;
			break;
		case 'F':
			if (parse_int("--freq", optarg, 1, 1000000, &v))
				return ECLI_EXIT_USAGE;
			cfg.freq = (int)v;
			break;
		case 1003:
			cfg.only = optarg;
			break;
		case 1004:
			cfg.disable = optarg;
			break;
		case 1005:
			if (parse_int("--max-entries", optarg, 1, UINT32_MAX, &v))
				return ECLI_EXIT_USAGE;
			cfg.max_entries = (uint32_t)v;
			break;
		case 1006:
			cfg.strict = true;
			break;
		case 1007:
			cfg.btf = optarg;
			break;
		case 1008:
			cfg.sha256 = optarg;
			break;
		case 1009:
			cfg.no_btf_cache = true;
			break;
		case 'h':
			run_help(stdout);
			return ECLI_EXIT_OK;
		case ':':
			fprintf(stderr,
				"ecli run: option '%s' needs a value; see `ecli run --help`\n",
				argv[optind - 1]);
			return ECLI_EXIT_USAGE;
		default:
			fprintf(stderr, "ecli run: unknown option '%s'; see `ecli run --help`\n",
				argv[optind - 1]);
			return ECLI_EXIT_USAGE;
		}
	}
	if (optind >= argc) {
		fprintf(stderr, "ecli run: no package given\n");
		run_help(stderr);
		return ECLI_EXIT_USAGE;
	}
	loc = argv[optind];
	po.sha256 = cfg.sha256;
	pkg = eunomia_package__open(loc, &po);
	if (!pkg) {
		fprintf(stderr, "ecli: cannot open package '%s': %s\n", loc,
			eunomia_strerror(errno));
		return ECLI_EXIT_FAIL;
	}
	/* tool argv: the tool name, then every argument after the package */
	targv = calloc((size_t)(argc - optind) + 1, sizeof(*targv));
	if (!targv) {
		eunomia_package__free(pkg);
		return ECLI_EXIT_FAIL;
	}
	targv[0] = (char *)eunomia_package__name(pkg);
	for (int i = optind + 1; i < argc; i++)
		targv[i - optind] = argv[i];
	rc = ecli_run_package(pkg, argc - optind, targv);
	free(targv);
	return rc;
}
