// SPDX-License-Identifier: MIT
/*
 * The ecc frontend: one libclang parse of the source for the doc-comment annotations, the
 * export-type inference and the structs of the header (which the source normally includes).
 *
 * Parsing a source that includes vmlinux.h is most of the cost, so it is done once. With a
 * precompiled vmlinux.h in clang_args ("-include-pch FILE", built with the same flags) the
 * parse takes a few milliseconds instead of ~200; a PCH libclang cannot use is dropped.
 */
#include <clang-c/Index.h>
#include <cjson/cJSON.h>
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/fileio.h"
#include "common/subprocess.h"

#include "ecc/ecc.h"
#include "ecc/log.h"
#include "ecc/frontend.h"

/*
 * Function bodies are needed (inference); no detailed preprocessing record (the doc reader
 * uses the lexer's comment tokens, not macro cursors). Measured on a vmlinux.h source, the
 * other knobs (IgnoreNonErrorsFromIncludedFiles, Incomplete, -w, the preprocessing record)
 * are within noise: the time is clang's semantic analysis of vmlinux.h.
 */
#define PARSE_OPTIONS CXTranslationUnit_KeepGoing

/* clang_args without "-include-pch FILE" (NULL-terminated, caller frees), or NULL. */
static const char **without_pch(const char *const *clang_args, int nargs, int *nout)
{
	const char **v = calloc((size_t)nargs + 1, sizeof(*v));
	int n = 0;

	if (!v)
		return NULL;
	for (int i = 0; i < nargs; i++) {
		if (!strcmp(clang_args[i], "-include-pch")) {
			i++;
			continue;
		}
		v[n++] = clang_args[i];
	}
	*nout = n;
	return v;
}

int ecc_tu_open(const char *path, const char *const *clang_args, CXIndex *index,
		CXTranslationUnit *tu)
{
	const char **retry_args = NULL;
	enum CXErrorCode rc;
	bool pch = false;
	int nargs = 0;

	*index = NULL;
	*tu = NULL;
	if (access(path, R_OK))
		return -errno;
	for (; clang_args && clang_args[nargs]; nargs++)
		pch = pch || !strcmp(clang_args[nargs], "-include-pch");
	/* The declarations of a precompiled vmlinux.h are left out of the TU cursor's children:
	 * none of the readers wants them, and visiting them would load them all. */
	*index = clang_createIndex(1, 0);
	if (!*index)
		return -ENOMEM;
	rc = clang_parseTranslationUnit2(*index, path, clang_args, nargs, NULL, 0, PARSE_OPTIONS,
					 tu);
	if (rc == CXError_ASTReadError && pch) {
		/* a stale or mismatched PCH (vmlinux.h regenerated, other flags): do without */
		retry_args = without_pch(clang_args, nargs, &nargs);
		if (!retry_args) {
			clang_disposeIndex(*index);
			*index = NULL;
			return -ENOMEM;
		}
		rc = clang_parseTranslationUnit2(*index, path, retry_args, nargs, NULL, 0,
						 PARSE_OPTIONS, tu);
		free(retry_args);
	}
	if (rc != CXError_Success) {
		ecc_warn("ecc: libclang could not parse %s (error %d); check the -a flags\n", path,
			 (int)rc);
		clang_disposeIndex(*index);
		*index = NULL;
		*tu = NULL;
		return -EINVAL;
	}
	return 0;
}

void ecc_tu_close(CXIndex index, CXTranslationUnit tu)
{
	if (tu)
		clang_disposeTranslationUnit(tu);
	if (index)
		clang_disposeIndex(index);
}

int ecc_tu_read(const char *path, const char *const *clang_args, ecc_tu_reader read, void *arg,
		struct cJSON **out)
{
	CXIndex index;
	CXTranslationUnit tu;
	int err;

	*out = NULL;
	err = ecc_tu_open(path, clang_args, &index, &tu);
	if (err)
		return err;
	err = read(tu, path, arg, out);
	ecc_tu_close(index, tu);
	return err;
}

/* The header as a file of the TU, or NULL when the source does not include it. */
static CXFile included_file(CXTranslationUnit tu, const char *path)
{
	CXFile file = clang_getFile(tu, path);

	/* clang_getFile() knows any file on disk; only one the TU read has locations */
	if (!file ||
	    clang_equalLocations(clang_getLocation(tu, file, 1, 1), clang_getNullLocation()))
		return NULL;
	return file;
}

/* The header parsed on its own, without the source's precompiled vmlinux.h: it was not
 * written to come after it. */
static int header_apart(const char *header_path, const char *const *clang_args, cJSON **structs)
{
	const char **args;
	int nargs = 0, n, err;

	while (clang_args && clang_args[nargs])
		nargs++;
	args = without_pch(clang_args, nargs, &n);
	if (!args)
		return -ENOMEM;
	err = ecc_header_structs(header_path, args, structs);
	free(args);
	return err;
}

int ecc_frontend_parse(const char *src_path, const char *header_path, const char *const *clang_args,
		       bool strict_json, struct cJSON **annotations, struct cJSON **export_pairs,
		       struct cJSON **header_structs)
{
	cJSON *ann = NULL, *pairs = NULL, *structs = NULL;
	CXTranslationUnit tu;
	CXIndex index;
	CXFile hfile;
	int err;

	*annotations = NULL;
	*export_pairs = NULL;
	if (header_structs)
		*header_structs = NULL;
	if (header_path && access(header_path, R_OK))
		return -errno;
	err = ecc_tu_open(src_path, clang_args, &index, &tu);
	if (err)
		return err;
	err = ecc_infer_from_tu(tu, &pairs);
	if (!err && header_path && header_structs) {
		hfile = included_file(tu, header_path);
		if (hfile)
			err = ecc_structs_from_tu(tu, hfile, &structs);
		else
			err = header_apart(header_path, clang_args, &structs);
	}
	if (!err)
		err = ecc_doc_from_tu(tu, src_path, strict_json, &ann);
	ecc_tu_close(index, tu);
	if (err) {
		cJSON_Delete(ann);
		cJSON_Delete(pairs);
		cJSON_Delete(structs);
		return err;
	}
	*annotations = ann;
	*export_pairs = pairs;
	if (header_structs)
		*header_structs = structs;
	return 0;
}

/* ---- A precompiled vmlinux.h for the compile and the parse ---- */

static uint64_t fnv1a(uint64_t h, const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		h ^= (unsigned char)s[i];
		h *= 0x100000001b3ULL;
	}
	return h;
}

/* stat of the program clang runs (PATH lookup like execvp). 0 or -ENOENT. */
static int program_stat(const char *prog, struct stat *st)
{
	char full[PATH_MAX];
	int err = eun_find_program(prog, full, sizeof(full));

	if (err)
		return err;
	return stat(full, st) ? -errno : 0;
}

static uint64_t hash_stat(uint64_t h, const struct stat *st)
{
	long long v[4] = {(long long)st->st_ino, (long long)st->st_size,
			  (long long)st->st_mtim.tv_sec, (long long)st->st_mtim.tv_nsec};

	return fnv1a(h, (const char *)v, sizeof(v));
}

/* Remove the PCHs of dir made from an older vmlinux.h (clang would refuse them anyway). */
static void remove_stale_pchs(const char *dir, const struct stat *st_h)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	char p[PATH_MAX];
	struct stat st;
	size_t len;

	if (!d)
		return;
	while ((e = readdir(d))) {
		len = strlen(e->d_name);
		if (strncmp(e->d_name, "vmlinux-", 8) || len < 4 ||
		    strcmp(e->d_name + len - 4, ".pch"))
			continue;
		if (snprintf(p, sizeof(p), "%s/%s", dir, e->d_name) < (int)sizeof(p) &&
		    !stat(p, &st) && st.st_mtime < st_h->st_mtime)
			unlink(p);
	}
	closedir(d);
}

int ecc_compile_pch(const char *clang, const char *vmlinux_h, const char *const *compile_args,
		    bool verbose, char *path, size_t size)
{
	struct subprocess_opts sp = {0};
	struct strbuf errtext = STRBUF_INIT, line = STRBUF_INIT;
	const char **argv = NULL;
	char tmp[PATH_MAX], dir[PATH_MAX];
	uint64_t h = 0xcbf29ce484222325ULL;
	struct stat st_h, st_c;
	const char *slash;
	size_t nargs = 0;
	int err = 0, rc;

	if (stat(vmlinux_h, &st_h))
		return -errno;
	err = program_stat(clang, &st_c);
	if (err)
		return err;
	/* named after everything clang checks: its own binary, the flags and the input */
	h = hash_stat(hash_stat(fnv1a(h, clang, strlen(clang) + 1), &st_c), &st_h);
	for (; compile_args && compile_args[nargs]; nargs++)
		h = fnv1a(h, compile_args[nargs], strlen(compile_args[nargs]) + 1);
	slash = strrchr(vmlinux_h, '/');
	if (snprintf(dir, sizeof(dir), "%.*s", slash ? (int)(slash - vmlinux_h) : 1,
		     slash ? vmlinux_h : ".") >= (int)sizeof(dir) ||
	    snprintf(path, size, "%s/vmlinux-%016llx.pch", dir, (unsigned long long)h) >=
		    (int)size ||
	    snprintf(tmp, sizeof(tmp), "%s.tmp-%d", path, (int)getpid()) >= (int)sizeof(tmp))
		return -ENAMETOOLONG;
	if (!access(path, R_OK)) {
		if (verbose)
			ecc_info("ecc: using cached %s\n", path);
		return 0;
	}
	remove_stale_pchs(dir, &st_h);
	argv = calloc(nargs + 7, sizeof(*argv));
	if (!argv)
		return -ENOMEM;
	argv[0] = clang;
	for (size_t i = 0; i < nargs; i++)
		argv[1 + i] = compile_args[i];
	argv[nargs + 1] = "-x";
	argv[nargs + 2] = "c-header";
	argv[nargs + 3] = vmlinux_h;
	argv[nargs + 4] = "-o";
	argv[nargs + 5] = tmp;
	if (verbose && !subprocess_format_argv(argv, &line))
		ecc_info("ecc: precompiling vmlinux.h: %s\n", sb_str(&line));
	sp.err = &errtext;
	rc = subprocess_run(argv, &sp);
	if (rc != 0) {
		err = rc < 0 ? rc : -ENOEXEC;
		if (verbose)
			ecc_info("ecc: cannot precompile %s (clang status %d): %s\n", vmlinux_h, rc,
				 sb_str(&errtext));
		unlink(tmp);
	} else if (rename(tmp, path)) {
		err = -errno;
		unlink(tmp);
	} else if (verbose) {
		ecc_info("ecc: wrote %s\n", path);
	}
	free(argv);
	sb_free(&errtext);
	sb_free(&line);
	return err;
}

static const char *skip_space_and_comments(const char *p, const char *end)
{
	while (p < end) {
		if (isspace((unsigned char)*p)) {
			p++;
		} else if (end - p >= 2 && p[0] == '/' && p[1] == '/') {
			while (p < end && *p != '\n')
				p++;
		} else if (end - p >= 2 && p[0] == '/' && p[1] == '*') {
			const char *close = memmem(p + 2, (size_t)(end - p - 2), "*/", 2);

			p = close ? close + 2 : end;
		} else {
			break;
		}
	}
	return p;
}

/* Same file (by device and inode). */
static bool same_file(const char *a, const char *b)
{
	struct stat sa, sb;

	return !stat(a, &sa) && !stat(b, &sb) && sa.st_dev == sb.st_dev && sa.st_ino == sb.st_ino;
}

bool ecc_pch_applies(const char *src, const char *vmlinux_h, const char *const *cflags)
{
	static const char *const names[] = {"\"vmlinux.h\"", "<vmlinux.h>"};
	char buf[16384], local[PATH_MAX];
	const char *p, *end, *slash;
	bool ok = false;
	ssize_t n;
	int fd;

	for (size_t i = 0; cflags && cflags[i]; i++)
		if (!strncmp(cflags[i], "-include", 8) || !strncmp(cflags[i], "-imacros", 8))
			return false; /* included before vmlinux.h, the PCH must come first */
	fd = open(src, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return false;
	n = read(fd, buf, sizeof(buf));
	close(fd);
	if (n <= 0)
		return false;
	/* the first thing in the source: #include "vmlinux.h" (or <vmlinux.h>) */
	p = skip_space_and_comments(buf, buf + n);
	end = buf + n;
	if (p == end || *p++ != '#')
		return false;
	while (p < end && (*p == ' ' || *p == '\t'))
		p++;
	if (end - p < 7 || strncmp(p, "include", 7))
		return false;
	p += 7;
	while (p < end && (*p == ' ' || *p == '\t'))
		p++;
	for (size_t i = 0; i < 2 && !ok; i++)
		ok = (size_t)(end - p) >= strlen(names[i]) &&
		     !strncmp(p, names[i], strlen(names[i]));
	if (!ok)
		return false;
	/* that resolves to vmlinux_h: ecc searches the source's directory first */
	slash = strrchr(src, '/');
	if (snprintf(local, sizeof(local), "%.*s/vmlinux.h", slash ? (int)(slash - src) : 1,
		     slash ? src : ".") >= (int)sizeof(local))
		return false;
	return access(local, F_OK) || same_file(local, vmlinux_h);
}
