// SPDX-License-Identifier: MIT
/*
 * ecc: compile a BPF C source into an eunomia package.
 *   ecc SRC.bpf.c [HEADER.h] [-o DIR] [-y] [-a CFLAG]... [-c CLANG] [-v] [-n] [--header-only]
 *       [-s|--standalone] [--btfgen --btfhub-archive DIR] [--btf FILE] [-h]
 *   ecc init NAME [DIR]
 * Exit codes: 0 ok, 1 failure, 2 usage error.
 */
#include <bpf/libbpf.h>
#include <cjson/cJSON.h>
#include <errno.h>
#include <getopt.h>
#include <libgen.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "btfgen/btfgen.h"
#include "common/fileio.h"
#include "common/strbuf.h"
#include "ecc/ecc.h"
#include "packer/package.h"

static bool verbose;

static void usage(FILE *f)
{
	fprintf(f,
		"Usage: ecc SRC.bpf.c [HEADER.h] [OPTIONS]\n"
		"       ecc init NAME [DIR]\n"
		"\n"
		"Compile an eBPF C source into an eunomia package that `ecli run` loads: writes\n"
		"<name>.bpf.o, <name>.skel.json (the metadata) and package.json into the output\n"
		"directory (default: beside the source). <name> is the file name up to its first '.'.\n"
		"\n"
		"HEADER.h names the structs the program sends through a ring/perf buffer (every\n"
		"`struct X {` in it is forced into the object's BTF). Without it, <name>.h beside the\n"
		"source is used when present, and the event struct is inferred from the source\n"
		"(bpf_ringbuf_reserve / bpf_ringbuf_output / bpf_perf_event_output).\n"
		"\n"
		"Options:\n"
		"  -o, --output DIR        write the outputs into DIR (created if missing)\n"
		"  -y, --yaml              write <name>.skel.yaml and package.yaml instead of JSON\n"
		"  -a, --additional-cflags FLAG\n"
		"                          pass FLAG to clang (repeatable), e.g. -a -mcpu=v3 -a -DDEBUG\n"
		"  -c, --clang PATH        the clang to run (default: $CLANG, else clang from PATH)\n"
		"      --btf FILE          kernel BTF to generate vmlinux.h from (default:\n"
		"                          $ECC_VMLINUX_BTF, else /sys/kernel/btf/vmlinux); the header\n"
		"                          is cached in $XDG_DATA_HOME/eunomia/vmlinux/<arch>/\n"
		"                          (default ~/.local/share) and regenerated when the BTF changes\n"
		"  -n, --no-package        write only <name>.bpf.o and <name>.skel.json, no package\n"
		"      --header-only       write only <name>.skel.json (data sections, maps, programs,\n"
		"                          export types); the object is compiled to read them, then removed\n"
		"  -s, --standalone        also write <name>, a standalone executable (ecli + package)\n"
		"      --btfgen            also write <name>.tar: the package plus min-BTF files for\n"
		"                          kernels without BTF (needs --btfhub-archive)\n"
		"      --btfhub-archive DIR\n"
		"                          a btfhub-style tree (<id>/<version>/<arch>/<release>.btf)\n"
		"  -v, --verbose           print the clang command line and libbpf's messages\n"
		"  -V, --version           print the version\n"
		"  -h, --help              show this help\n"
		"\n"
		"Doc comments (/// or /** */) on `const volatile` globals, maps, programs and LICENSE\n"
		"become flag help, @cmdarg / @sample / @ifindex / @tchook settings and the tool's doc.\n"
		"\n"
		"Exit status: 0 success, 1 compile or output failure, 2 usage error.\n");
}

static int libbpf_print(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	if (level == LIBBPF_WARN || (verbose && level == LIBBPF_INFO))
		return vfprintf(stderr, fmt, ap);
	return 0;
}

static void human_size(size_t n, char *buf, size_t size)
{
	if (n < 1024)
		snprintf(buf, size, "%zu B", n);
	else if (n < 1024 * 1024)
		snprintf(buf, size, "%.1f KiB", n / 1024.0);
	else
		snprintf(buf, size, "%.1f MiB", n / (1024.0 * 1024.0));
}

/* Write data to path via a temp file + rename; prints an error on failure. */
static int write_file(const char *path, const void *data, size_t len)
{
	char hs[32];
	int err = eun_write_file_atomic(path, data, len, 0644);

	if (err == -ENAMETOOLONG) {
		fprintf(stderr, "ecc: %s: %s\n", path, strerror(-err));
		return err;
	}
	if (err) {
		fprintf(stderr, "ecc: cannot write %s: %s\n", path, strerror(-err));
		return err;
	}
	human_size(len, hs, sizeof(hs));
	fprintf(stderr, "ecc: wrote %s (%s)\n", path, hs);
	return 0;
}

static int read_whole(const char *path, void **data, size_t *len)
{
	struct strbuf sb = STRBUF_INIT;
	int err = eun_read_file(path, 0, 0, &sb);

	if (err) {
		sb_free(&sb);
		fprintf(stderr, "ecc: %s: %s\n", path, strerror(-err));
		return err;
	}
	*len = sb.len;
	*data = sb_detach(&sb);
	return *data ? 0 : -ENOMEM;
}

/*
 * Serialise doc as JSON or YAML and write it. compact: JSON without indentation (package.json,
 * which people fetch and embed rather than read: whitespace is a third of a small one).
 */
static int write_doc(const char *path, const cJSON *doc, bool yaml, bool compact)
{
	struct strbuf sb = STRBUF_INIT;
	int err;

	if (compact && !yaml) {
		char *s = cJSON_PrintUnformatted(doc);

		err = s ? sb_adds(&sb, s) : -ENOMEM;
		cJSON_free(s);
	} else {
		err = pkg_write(doc, yaml, &sb);
	}
	if (err) {
		if (err == -EILSEQ)
			fprintf(stderr,
				"ecc: cannot write %s: a string is not valid UTF-8 (YAML needs UTF-8): "
				"save the source's doc comments as UTF-8, or write JSON (no -y)\n",
				path);
		else
			fprintf(stderr, "ecc: cannot serialise %s: %s\n", path, strerror(-err));
		sb_free(&sb);
		return err;
	}
	if (!sb.len || sb.buf[sb.len - 1] != '\n')
		err = sb_addc(&sb, '\n');
	if (!err)
		err = write_file(path, sb.buf, sb.len);
	sb_free(&sb);
	return err;
}

enum {
	OPT_HEADER_ONLY = 0x100,
	OPT_BTFGEN,
	OPT_BTFHUB,
	OPT_BTF,
};

static const struct option long_opts[] = {
	{"output", required_argument, NULL, 'o'},
	{"output-path", required_argument, NULL, 'o'},
	{"yaml", no_argument, NULL, 'y'},
	{"additional-cflags", required_argument, NULL, 'a'},
	{"clang", required_argument, NULL, 'c'},
	{"clang-bin", required_argument, NULL, 'c'},
	{"verbose", no_argument, NULL, 'v'},
	{"no-package", no_argument, NULL, 'n'},
	{"no-generate-package-json", no_argument, NULL, 'n'},
	{"header-only", no_argument, NULL, OPT_HEADER_ONLY},
	{"standalone", no_argument, NULL, 's'},
	{"btfgen", no_argument, NULL, OPT_BTFGEN},
	{"btfhub-archive", required_argument, NULL, OPT_BTFHUB},
	{"btf", required_argument, NULL, OPT_BTF},
	{"version", no_argument, NULL, 'V'},
	{"help", no_argument, NULL, 'h'},
	{NULL, 0, NULL, 0},
};

static int usage_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static int usage_error(const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "ecc: ");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "\nTry 'ecc --help' for more information.\n");
	return 2;
}

/* What the command line asks for. */
struct cli {
	struct ecc_opts opts;
	bool yaml, no_package, header_only, standalone, btfgen;
	const char *btfhub;
	const char **cflags; /* opts.cflags */
};

/* Parse argv into cli: -1 to go on, else the exit status (--help, --version, usage errors). */
static int parse_args(int argc, char **argv, struct cli *cli)
{
	size_t nr_cflags = 0;
	int c;

	cli->cflags = calloc(argc + 1, sizeof(*cli->cflags));
	if (!cli->cflags) {
		fprintf(stderr, "ecc: out of memory\n");
		return 1;
	}
	while ((c = getopt_long(argc, argv, "o:ya:c:vnsVh", long_opts, NULL)) != -1) {
		switch (c) {
		case 'o':
			cli->opts.out_dir = optarg;
			break;
		case 'y':
			cli->yaml = true;
			break;
		case 'a':
			cli->cflags[nr_cflags++] = optarg;
			break;
		case 'c':
			cli->opts.clang = optarg;
			break;
		case 'v':
			verbose = true;
			break;
		case 'n':
			cli->no_package = true;
			break;
		case OPT_HEADER_ONLY:
			cli->header_only = true;
			break;
		case 's':
			cli->standalone = true;
			break;
		case OPT_BTFGEN:
			cli->btfgen = true;
			break;
		case OPT_BTFHUB:
			cli->btfhub = optarg;
			break;
		case OPT_BTF:
			cli->opts.btf_path = optarg;
			break;
		case 'V':
			printf("ecc %s (libbpf %s)\n", EUNOMIA_VERSION, libbpf_version_string());
			return 0;
		case 'h':
			usage(stdout);
			return 0;
		default:
			fprintf(stderr, "Try 'ecc --help' for more information.\n");
			return 2;
		}
	}
	if (optind >= argc)
		return usage_error("missing SRC.bpf.c");
	if (argc - optind > 2)
		return usage_error("too many arguments: '%s' (expected SRC.bpf.c [HEADER.h])",
				   argv[optind + 2]);
	if (cli->btfgen && !cli->btfhub)
		return usage_error("--btfgen needs --btfhub-archive DIR");
	if ((cli->no_package || cli->header_only) && (cli->standalone || cli->btfgen))
		return usage_error(
			"-n/--header-only cannot be combined with --standalone or --btfgen");
	cli->opts.src = argv[optind];
	cli->opts.header = argc - optind == 2 ? argv[optind + 1] : NULL;
	cli->opts.cflags = cli->cflags;
	cli->opts.verbose = verbose;
	return -1;
}

/* package.json (or .yaml) in out_dir, then the --btfgen tar and the --standalone tool. */
static int write_package(const struct cli *cli, const struct ecc_result *res, const char *out_dir)
{
	char path[PATH_MAX], tar[PATH_MAX], exe[PATH_MAX];
	cJSON *pkg = NULL;
	void *elf = NULL;
	size_t elf_len = 0;
	int err;

	err = read_whole(res->obj_path, &elf, &elf_len);
	if (err)
		return err;
	err = pkg_build(elf, elf_len, res->meta, &pkg);
	free(elf);
	if (err) {
		fprintf(stderr, "ecc: cannot build the package: %s\n", strerror(-err));
		return err;
	}
	snprintf(path, sizeof(path), "%s/package.%s", out_dir, cli->yaml ? "yaml" : "json");
	err = write_doc(path, pkg, cli->yaml, true);
	cJSON_Delete(pkg);
	if (err)
		return err;
	if (cli->btfgen) {
		struct btfgen_opts bo = {
			.bpf_obj = res->obj_path,
			.package_path = path,
			.archive_dir = cli->btfhub,
			.out_tar = tar,
			.verbose = verbose,
		};

		snprintf(tar, sizeof(tar), "%s/%s.tar", out_dir, res->name);
		err = btfgen_pack(&bo);
		if (err)
			return err;
	}
	if (cli->standalone) {
		snprintf(exe, sizeof(exe), "%s/%s", out_dir, res->name);
		/* with --btfgen the tool carries the min-BTF files too: embed the .tar */
		err = ecc_standalone(cli->btfgen ? tar : path, exe);
	}
	return err;
}

/* The skeleton file, then (unless -n or --header-only) the package. */
static int write_outputs(const struct cli *cli, const struct ecc_result *res)
{
	char path[PATH_MAX], *tmp = strdup(res->obj_path), *out_dir;
	int err = -ENOMEM;

	out_dir = tmp ? strdup(dirname(tmp)) : NULL;
	free(tmp);
	if (!out_dir)
		return err;
	snprintf(path, sizeof(path), "%s/%s.skel.%s", out_dir, res->name,
		 cli->yaml ? "yaml" : "json");
	err = write_doc(path, res->meta, cli->yaml, false);
	if (!err && cli->header_only)
		unlink(res->obj_path);
	else if (!err && !cli->no_package)
		err = write_package(cli, res, out_dir);
	free(out_dir);
	return err;
}

int main(int argc, char **argv)
{
	struct cli cli = {0};
	struct ecc_result res = {0};
	int ret;

	if (argc >= 2 && !strcmp(argv[1], "init")) {
		int r = ecc_init_project(argc - 1, argv + 1);

		return r == -EINVAL ? 2 : r ? 1 : 0;
	}
	ret = parse_args(argc, argv, &cli);
	if (ret < 0) {
		libbpf_set_print(libbpf_print);
		ret = ecc_build(&cli.opts, &res) || write_outputs(&cli, &res) ? 1 : 0;
	}
	free(cli.cflags);
	ecc_result_free(&res);
	return ret;
}
