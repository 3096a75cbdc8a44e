// SPDX-License-Identifier: MIT
/*
 * Standalone tools (ecc -s): this executable may carry a package after its ELF image, followed
 * by a 32-byte trailer (written by ecc/standalone.c; layout and constants: packer/format.h,
 * docs/package-format.md §6.3):
 *
 *	u64 LE offset of the package, u64 LE size of the package, 16-byte magic
 *
 * When the trailer is present the process is the tool: the package is opened from the
 * embedded bytes (eunomia_package__open_mem) and run as `ecli run` would, with the ecli run
 * OPTIONS (-j, -v, -d 5, --btf PATH, ...) taken from the arguments wherever they are, except
 * that the tool's own flags win: `./opensnoop -p 123` is the tool's -p, and ecli's
 * --target-pid stays reachable by its long name. `--` ends the ecli options; `./tool -h`
 * prints the tool's generated help, followed by the ecli options it takes.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "ecli/ecli.h"
#include "packer/format.h"

#define STANDALONE_MAGIC     EUN_STANDALONE_MAGIC
#define STANDALONE_MAGIC_LEN EUN_STANDALONE_MAGIC_LEN
#define STANDALONE_TRAILER   EUN_STANDALONE_TRAILER
#define MAX_PACKAGE_SIZE     EUN_PKG_MAX_SIZE

static uint64_t get_le64(const unsigned char *p)
{
	uint64_t v = 0;

	for (int i = 7; i >= 0; i--)
		v = (v << 8) | p[i];
	return v;
}

static int pread_all(int fd, void *buf, size_t len, off_t off)
{
	char *p = buf;

	while (len) {
		ssize_t n = pread(fd, p, len, off);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return n < 0 ? -errno : -EIO;
		p += n;
		len -= (size_t)n;
		off += n;
	}
	return 0;
}

/*
 * Split the arguments into ecli options (eargv, after a command name) and tool flags (targv,
 * after the tool name). The tool's own flags win (`-p` of a tool that has one is the tool's;
 * ecli's --target-pid stays reachable by its long name); other ecli options are ecli's
 * wherever they are; `--` ends the ecli options; anything else goes to the tool, which says
 * what is wrong with it. r (may be NULL) knows the tool's flags.
 */
static void split_args(const struct eunomia_runner *r, int argc, char **argv, int *eargc,
		       char **eargv, int *targc, char **targv)
{
	int i, e = 1, t = 1;
	bool next;

	for (i = 1; i < argc; i++) {
		const char *a = argv[i];
		int kind = r ? ecli_tool_flag(r, a) : 0;

		if (!strcmp(a, "--")) {
			i++;
			break;
		}
		if (kind || !run_option_match(a, &next)) {
			targv[t++] = argv[i];
			if (kind == 2 && i + 1 < argc)
				targv[t++] = argv[++i];
			continue;
		}
		eargv[e++] = argv[i];
		if (next && i + 1 < argc)
			eargv[e++] = argv[++i];
	}
	for (; i < argc; i++)
		targv[t++] = argv[i];
	eargv[e] = targv[t] = NULL;
	*eargc = e;
	*targc = t;
}

/* Does any argument (before `--`) look like an ecli option? */
static bool has_ecli_option(int argc, char **argv)
{
	bool next;

	for (int i = 1; i < argc && strcmp(argv[i], "--"); i++)
		if (run_option_match(argv[i], &next))
			return true;
	return false;
}

/* The tool's flags, from a runner opened quietly on the package (NULL if it cannot be). */
static struct eunomia_runner *probe_tool(const struct eunomia_package *pkg)
{
	EUNOMIA_OPTS(runner, ro, .no_btf_cache = true);

	return eunomia_runner__open(pkg, &ro);
}

static int run_embedded(int fd, uint64_t off, uint64_t size, int argc, char **argv)
{
	const char *tool = strrchr(argv[0], '/') ? strrchr(argv[0], '/') + 1 : argv[0];
	struct ecli_log lg = {.who = tool};
	struct ecli_run_ctx ctx = {.who = tool, .help_cmd = argv[0], .standalone = true};
	EUNOMIA_OPTS(package, po, .print = ecli_print, .print_ctx = &lg);
	struct eunomia_package *pkg = NULL;
	struct eunomia_runner *probe = NULL;
	struct run_config cfg;
	char **eargv = NULL, **targv = NULL, *buf;
	int eargc, targc, i, rc = ECLI_EXIT_FAIL;

	buf = malloc(size);
	if (!buf) {
		fprintf(stderr, "%s: out of memory reading the embedded package\n", tool);
		return ECLI_EXIT_FAIL;
	}
	rc = pread_all(fd, buf, size, (off_t)off);
	if (rc) {
		fprintf(stderr, "%s: cannot read the embedded package: %s\n", tool, strerror(-rc));
		rc = ECLI_EXIT_FAIL;
		goto out;
	}
	pkg = eunomia_package__open_mem(buf, size, tool, &po);
	if (!pkg) {
		if (!lg.warnings)
			fprintf(stderr, "%s: the embedded package does not open: %s\n", tool,
				eunomia_strerror(errno));
		goto out;
	}
	eargv = calloc((size_t)argc + 1, sizeof(*eargv));
	targv = calloc((size_t)argc + 1, sizeof(*targv));
	if (!eargv || !targv) {
		fprintf(stderr, "%s: out of memory\n", tool);
		goto out;
	}
	if (has_ecli_option(argc, argv))
		probe = probe_tool(pkg);
	split_args(probe, argc, argv, &eargc, eargv, &targc, targv);
	eunomia_runner__free(probe);
	eargv[0] = argv[0];
	targv[0] = (char *)eunomia_package__name(pkg);

	run_config_init(&cfg, false);
	i = run_options_parse(&cfg, eargc, eargv, tool, argv[0]);
	if (i < 0 || i < eargc) {
		/* no --help among eargv (the tool's); a leftover would be a bug in split_args */
		rc = ECLI_EXIT_USAGE;
		goto out;
	}
	lg.verbose = cfg.runner.verbose;
	if (cfg.sha256) {
		/* pinned: open the same bytes again, checked against the digest */
		eunomia_package__free(pkg);
		po.sha256 = cfg.sha256;
		pkg = eunomia_package__open_mem(buf, size, tool, &po);
		if (!pkg) {
			if (!lg.warnings)
				fprintf(stderr, "%s: %s\n", tool, eunomia_strerror(errno));
			goto out;
		}
		targv[0] = (char *)eunomia_package__name(pkg);
	}
	free(buf);
	buf = NULL;
	rc = ecli_run_package(pkg, &cfg, &ctx, targc, targv);
	pkg = NULL; /* ecli_run_package took it */
out:
	eunomia_package__free(pkg);
	free(eargv);
	free(targv);
	free(buf);
	return rc;
}

int ecli_standalone_main(int argc, char **argv)
{
	static char *default_argv[] = {"standalone", NULL};
	unsigned char trailer[STANDALONE_TRAILER];
	uint64_t off, size;
	struct stat st;
	int fd, rc;

	fd = open("/proc/self/exe", O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	if (fstat(fd, &st) || st.st_size <= STANDALONE_TRAILER ||
	    pread_all(fd, trailer, sizeof(trailer), st.st_size - STANDALONE_TRAILER) ||
	    memcmp(trailer + 16, STANDALONE_MAGIC, STANDALONE_MAGIC_LEN)) {
		close(fd);
		return -1; /* a plain ecli */
	}
	off = get_le64(trailer);
	size = get_le64(trailer + 8);
	if (argc < 1 || !argv[0]) {
		argv = default_argv;
		argc = 1;
	}
	if (off == 0 || size == 0 || size > MAX_PACKAGE_SIZE ||
	    off + size + STANDALONE_TRAILER != (uint64_t)st.st_size) {
		fprintf(stderr,
			"%s: the embedded package is damaged (trailer says %llu bytes at %llu, file "
			"is %llu bytes); rebuild it with ecc -s\n",
			argv[0], (unsigned long long)size, (unsigned long long)off,
			(unsigned long long)st.st_size);
		close(fd);
		return ECLI_EXIT_FAIL;
	}
	rc = run_embedded(fd, off, size, argc, argv);
	close(fd);
	return rc;
}
