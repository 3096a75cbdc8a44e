// SPDX-License-Identifier: MIT
/*
 * Standalone tools (ecc -s): this executable may carry a package after its ELF image, followed
 * by a 32-byte trailer (written by btfgen/standalone.c; layout and constants: packer/format.h,
 * docs/package-format.md §6.3):
 *
 *	u64 LE offset of the package, u64 LE size of the package, 16-byte magic
 *
 * When the trailer is present the process behaves like `ecli run [OPTIONS] <package>
 * [TOOL-FLAGS]`: leading arguments that are ecli run OPTIONS (-j, -v, -d 5, --btf PATH, ...)
 * are taken as such, `--` ends them explicitly, and everything from the first other argument on
 * is a tool flag (so `./tool -h` prints the tool's generated help). The package is handed to
 * `ecli run` through a sealed memfd, so a standalone tool accepts exactly what `ecli run` does.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
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

/* ecli run OPTIONS (shared CLI contract): 1 = takes a value, 0 = switch, -1 = not an option. */
static int ecli_option_kind(const char *arg)
{
	static const char *const with_value[] = {
		"-d",		"--duration",	   "-i",    "--ifname",	     "--ifindex",
		"-b",		"--uprobe-binary", "-f",    "--uprobe-func", "-p",
		"--target-pid", "--cgroup",	   "-F",    "--freq",	     "--only",
		"--disable",	"--max-entries",   "--btf", "--sha256",
	};
	static const char *const switches[] = {"-j", "--json",	  "-r",	      "--raw",
					       "-v", "--verbose", "--strict", "--no-btf-cache"};
	size_t n = strcspn(arg, "=");

	for (size_t i = 0; i < sizeof(with_value) / sizeof(with_value[0]); i++) {
		const char *o = with_value[i];

		if (!strcmp(arg, o))
			return 1;
		/* -d5: a short option with its value attached */
		if (o[1] != '-' && !strncmp(arg, o, 2) && arg[2])
			return 0;
		/* --long=value is one argument */
		if (o[1] == '-' && arg[n] == '=' && strlen(o) == n && !strncmp(arg, o, n))
			return 0;
	}
	for (size_t i = 0; i < sizeof(switches) / sizeof(switches[0]); i++)
		if (!strcmp(arg, switches[i]))
			return 0;
	return -1;
}

static int run_embedded(int fd, uint64_t off, uint64_t size, int argc, char **argv)
{
	char fdpath[64], *buf;
	char **rargv;
	int mfd, rargc = 0, i, rc;

	buf = malloc(size);
	if (!buf) {
		fprintf(stderr, "%s: out of memory reading the embedded package\n", argv[0]);
		return ECLI_EXIT_FAIL;
	}
	if (pread_all(fd, buf, size, (off_t)off)) {
		fprintf(stderr, "%s: cannot read the embedded package: %s\n", argv[0],
			strerror(errno));
		free(buf);
		return ECLI_EXIT_FAIL;
	}
	mfd = memfd_create("eunomia-package", MFD_CLOEXEC | MFD_ALLOW_SEALING);
	if (mfd < 0 || write(mfd, buf, size) != (ssize_t)size) {
		fprintf(stderr, "%s: cannot stage the embedded package: %s\n", argv[0],
			strerror(errno));
		free(buf);
		if (mfd >= 0)
			close(mfd);
		return ECLI_EXIT_FAIL;
	}
	free(buf);
	fcntl(mfd, F_ADD_SEALS, F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE | F_SEAL_SEAL);
	snprintf(fdpath, sizeof(fdpath), "/proc/self/fd/%d", mfd);

	/* "run" OPTIONS... <package> TOOL-FLAGS... */
	rargv = calloc((size_t)argc + 3, sizeof(*rargv));
	if (!rargv) {
		close(mfd);
		return ECLI_EXIT_FAIL;
	}
	rargv[rargc++] = "run";
	for (i = 1; i < argc; i++) {
		int kind;

		if (!strcmp(argv[i], "--")) {
			i++;
			break;
		}
		kind = ecli_option_kind(argv[i]);
		if (kind < 0)
			break;
		rargv[rargc++] = argv[i];
		if (kind == 1 && i + 1 < argc)
			rargv[rargc++] = argv[++i];
	}
	rargv[rargc++] = fdpath;
	for (; i < argc; i++)
		rargv[rargc++] = argv[i];
	rargv[rargc] = NULL;
	rc = do_run(rargc, rargv);
	free(rargv);
	close(mfd);
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
