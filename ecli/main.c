// SPDX-License-Identifier: MIT
/*
 * ecli: run eunomia packages. Global flags, then a command from a static table (bpftool/git
 * style); each command lives in its own file with its own help.
 */
#include <getopt.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "ecli/ecli.h"

int ecli_verbose;

static int do_help(int argc, char **argv);
static int do_version(int argc, char **argv);

static const struct cmd {
	const char *name;
	int (*fn)(int argc, char **argv);
	const char *summary;
} cmds[] = {
	{"run", do_run, "load, attach and run a package, printing its events"},
	{"help", do_help, "show help for ecli or one of its commands"},
	{"version", do_version, "print the version"},
	{"server", do_server, "serve an HTTP API that runs packages on request"},
	{"client", do_client, "start, list, follow and stop packages on an ecli server"},
	{"keygen", do_keygen, "make an Ed25519 key pair (minisign format)"},
	{"sign", do_sign, "sign packages (writes PACKAGE.minisig)"},
	{"push", do_push, "upload a package to an OCI registry"},
	{"pull", do_pull, "download a package from an OCI registry"},
};

static void usage(FILE *f)
{
	size_t i;

	fprintf(f, "Usage: ecli [-h|--help] [-V|--version] [-v|--verbose] COMMAND [ARGS...]\n"
		   "       ecli PACKAGE [TOOL-FLAGS...]        (same as `ecli run PACKAGE ...`)\n"
		   "\n"
		   "Run eBPF packages built by ecc (package.json, .yaml, .tar or an http(s) URL)\n"
		   "without writing user-space code.\n"
		   "\n"
		   "Commands:\n");
	for (i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++)
		fprintf(f, "  %-10s %s\n", cmds[i].name, cmds[i].summary);
	fprintf(f, "\n"
		   "Global options:\n"
		   "  -h, --help      show this help\n"
		   "  -V, --version   print the version\n"
		   "  -v, --verbose   show libbpf's log (same as `ecli run -v`)\n"
		   "\n"
		   "`ecli help COMMAND` or `ecli COMMAND --help` shows a command's options.\n");
}

static const struct cmd *find_cmd(const char *name)
{
	size_t i;

	for (i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++)
		if (!strcmp(cmds[i].name, name))
			return &cmds[i];
	return NULL;
}

static int do_help(int argc, char **argv)
{
	const struct cmd *c;
	char *hargv[] = {NULL, "--help", NULL};

	if (argc < 2 || !strcmp(argv[1], "help") || !strcmp(argv[1], "--help") ||
	    !strcmp(argv[1], "-h")) {
		usage(stdout);
		return ECLI_EXIT_OK;
	}
	c = find_cmd(argv[1]);
	if (!c) {
		fprintf(stderr, "ecli: unknown command '%s'; `ecli help` lists them\n", argv[1]);
		return ECLI_EXIT_USAGE;
	}
	hargv[0] = (char *)c->name;
	return c->fn(2, hargv);
}

static int do_version(int argc, char **argv)
{
	if (argc > 1 && (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h"))) {
		printf("Usage: ecli version\n\nPrint the versions of ecli and libeunomia.\n");
		return ECLI_EXIT_OK;
	}
	if (argc > 1) {
		fprintf(stderr, "ecli version: unexpected argument '%s'\n", argv[1]);
		return ECLI_EXIT_USAGE;
	}
	printf("ecli %s (libeunomia %s)\n", EUNOMIA_VERSION, eunomia_version());
	return ECLI_EXIT_OK;
}

static int finish(int rc)
{
	if (fflush(stdout) || ferror(stdout)) {
		perror("ecli: writing standard output");
		return ECLI_EXIT_FAIL;
	}
	return rc;
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{"help", no_argument, NULL, 'h'},
		{"version", no_argument, NULL, 'V'},
		{"verbose", no_argument, NULL, 'v'},
		{},
	};
	const struct cmd *c;
	int rc, opt;

	rc = ecli_standalone_main(argc, argv);
	if (rc >= 0)
		return rc;

	opterr = 0;
	while ((opt = getopt_long(argc, argv, "+hVv", opts, NULL)) != -1) {
		switch (opt) {
		case 'h':
			usage(stdout);
			return finish(ECLI_EXIT_OK);
		case 'V':
			return finish(do_version(0, NULL));
		case 'v':
			ecli_verbose = 1;
			break;
		default:
			fprintf(stderr, "ecli: unknown option '%s'; see `ecli --help`\n",
				argv[optind - 1]);
			return ECLI_EXIT_USAGE;
		}
	}
	if (optind >= argc) {
		usage(stderr);
		return ECLI_EXIT_USAGE;
	}
	argc -= optind;
	argv += optind;
	c = find_cmd(argv[0]);
	if (c)
		return finish(c->fn(argc, argv));
	/* `ecli PACKAGE ...`: an existing file or a URL is run directly */
	if (!strncmp(argv[0], "http://", 7) || !strncmp(argv[0], "https://", 8) ||
	    access(argv[0], F_OK) == 0) {
		char **rargv = argv - 1;

		/* reuse the slot before the package for the command name */
		rargv[0] = "run";
		return finish(do_run(argc + 1, rargv));
	}
	fprintf(stderr, "ecli: unknown command or missing file '%s'; `ecli help` lists commands\n",
		argv[0]);
	return ECLI_EXIT_USAGE;
}
