// SPDX-License-Identifier: MIT
/*
 * The compile step: clang's argv (target arch, the host's system include dirs, libbpf and
 * vmlinux.h), the header/export-type handling of docs/package-format.md §4.1, then the object
 * reader.
 *
 * Where the time goes, and what is done about it: clang spends most of a compile on vmlinux.h,
 * so a precompiled vmlinux.h (ecc_compile_pch) serves both the compile and libclang when it
 * means the same as the source's #include; the libclang front end runs on a thread while clang
 * compiles (with a guessed dummy file, checked afterwards); clang's system include list is
 * cached instead of asked for on every run. The object is the same byte for byte.
 */
#include <bpf/libbpf.h>
#include <cjson/cJSON.h>
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <limits.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <unistd.h>

#include "common/util.h"
#include "common/strbuf.h"
#include "common/subprocess.h"
#include "ecc/ecc.h"
#include "packer/format.h"

/* index of "-I" <source dir> in the shared flags */
#define INC_SRC_DIR 3

struct argv_list {
	char **v; /* NULL-terminated, every entry owned */
	size_t n, cap;
};

static int av_add(struct argv_list *a, const char *s)
{
	if (a->n + 2 > a->cap) {
		size_t cap = a->cap ? a->cap * 2 : 32;
		char **v = realloc(a->v, cap * sizeof(*v));

		if (!v)
			return -ENOMEM;
		a->v = v;
		a->cap = cap;
	}
	a->v[a->n] = strdup(s);
	if (!a->v[a->n])
		return -ENOMEM;
	a->v[++a->n] = NULL;
	return 0;
}

static int av_addv(struct argv_list *a, const char *const *v)
{
	int err = 0;

	for (size_t i = 0; v && v[i] && !err; i++)
		err = av_add(a, v[i]);
	return err;
}

static void av_free(struct argv_list *a)
{
	for (size_t i = 0; i < a->n; i++)
		free(a->v[i]);
	free(a->v);
	a->v = NULL;
	a->n = a->cap = 0;
}

static const char *clang_path(const struct ecc_opts *opts)
{
	const char *c = opts->clang;

	if (!c || !*c)
		c = getenv("CLANG");
	return c && *c ? c : "clang";
}

static void report_exec_error(const char *clang, int err)
{
	if (err == -ENOENT)
		fprintf(stderr, "ecc: %s: not found (install clang, or pass -c /path/to/clang)\n",
			clang);
	else
		fprintf(stderr, "ecc: cannot run %s: %s\n", clang, strerror(-err));
}

/* The file execvp would run for prog (PATH lookup), resolved to its real path. */
static int find_program(const char *prog, char *real, size_t size)
{
	const char *p = getenv("PATH"), *colon;
	char full[PATH_MAX];

	if (size < PATH_MAX)
		return -ENAMETOOLONG;
	if (strchr(prog, '/'))
		return realpath(prog, real) ? 0 : -errno;
	for (p = p && *p ? p : "/usr/local/bin:/usr/bin:/bin"; *p; p = *colon ? colon + 1 : colon) {
		colon = strchrnul(p, ':');
		if (colon == p)
			snprintf(full, sizeof(full), "./%s", prog);
		else if (snprintf(full, sizeof(full), "%.*s/%s", (int)(colon - p), p, prog) >=
			 (int)sizeof(full))
			continue;
		if (!access(full, X_OK) && realpath(full, real))
			return 0;
	}
	return -ENOENT;
}

/*
 * What clang's search list depends on: the clang binary, the environment variables it reads
 * and the directories whose entries it probes. One line; -errno when clang is not found.
 */
static int sys_includes_stamp(const char *clang, struct strbuf *sb)
{
	static const char *const envs[] = {"CPATH", "C_INCLUDE_PATH", "COMPILER_PATH"};
	static const char *const dirs[] = {"/usr/include", "/usr/local", "/usr/local/include",
					   "/usr/lib/gcc"};
	char real[PATH_MAX];
	struct stat st;
	int err;

	err = find_program(clang, real, sizeof(real));
	if (err)
		return err;
	if (stat(real, &st) < 0)
		return -errno;
	err = sb_addf(sb, "clang=%s %llu %lld %lld.%09ld", real, (unsigned long long)st.st_ino,
		      (long long)st.st_size, (long long)st.st_mtim.tv_sec, st.st_mtim.tv_nsec);
	for (size_t i = 0; i < sizeof(envs) / sizeof(envs[0]) && !err; i++) {
		const char *v = getenv(envs[i]);

		err = sb_addf(sb, " %s=%s", envs[i], v ? v : "-");
	}
	for (size_t i = 0; i < sizeof(dirs) / sizeof(dirs[0]) && !err; i++) {
		long long m = stat(dirs[i], &st) < 0 ? -1 : (long long)st.st_mtim.tv_sec;

		err = sb_addf(sb, " %s@%lld", dirs[i], m);
	}
	if (!err && strchr(sb_str(sb), '\n'))
		err = -EINVAL;
	return err;
}

/* Read the cached list (stamp line, then one dir per line) when its stamp matches and every
 * dir still exists. 0 with dirs filled, else -ENOENT. */
static int sys_includes_cached(const char *cache, const char *stamp, struct argv_list *dirs)
{
	struct strbuf text = STRBUF_INIT;
	char buf[4096], *line, *save = NULL;
	FILE *f = fopen(cache, "r");
	size_t n;
	int err = -ENOENT;

	if (!f)
		return -ENOENT;
	while ((n = fread(buf, 1, sizeof(buf), f)) > 0)
		if (sb_add(&text, buf, n))
			break;
	fclose(f);
	line = strtok_r(text.buf ? text.buf : (char *)"", "\n", &save);
	if (!line || strcmp(line, stamp))
		goto out;
	while ((line = strtok_r(NULL, "\n", &save))) {
		struct stat st;

		if (stat(line, &st) < 0 || !S_ISDIR(st.st_mode) || av_add(dirs, line))
			goto out;
	}
	err = dirs->n ? 0 : -ENOENT;
out:
	if (err)
		av_free(dirs);
	sb_free(&text);
	return err;
}

static void sys_includes_save(const char *cache, const char *stamp, const struct argv_list *dirs)
{
	struct strbuf text = STRBUF_INIT;
	char tmp[PATH_MAX];
	int fd, err;

	if (snprintf(tmp, sizeof(tmp), "%s.tmp.XXXXXX", cache) >= (int)sizeof(tmp))
		return;
	err = sb_addf(&text, "%s\n", stamp);
	for (size_t i = 0; i < dirs->n && !err; i++)
		err = sb_addf(&text, "%s\n", dirs->v[i]);
	fd = err ? -1 : mkstemp(tmp);
	if (fd >= 0) {
		bool ok = write(fd, text.buf, text.len) == (ssize_t)text.len;

		fchmod(fd, 0644);
		if (close(fd) < 0 || !ok || rename(tmp, cache) < 0)
			unlink(tmp);
	}
	sb_free(&text);
}

/*
 * The host's system include dirs, as libbpf-tools' build does: ask clang (host target) for its
 * search list and add each with -idirafter, so <asm/types.h> resolves from
 * /usr/include/<multiarch> while vmlinux.h and libbpf come first. Asking costs a clang run, so
 * the list is kept in cache_dir (when not NULL) and reused while clang, its environment and
 * the directories it probes are unchanged.
 */
static int sys_includes(const char *clang, const char *cache_dir, struct argv_list *out)
{
	const char *const argv[] = {
		clang, "-v", "-E", "-x", "c", "/dev/null", "-o", "/dev/null", NULL,
	};
	struct strbuf err = STRBUF_INIT, stamp = STRBUF_INIT;
	struct subprocess_opts so = {.err = &err};
	struct argv_list dirs = {0};
	char cache[PATH_MAX] = "";
	bool in_list = false;
	char *line, *save = NULL;
	int ret;

	if (cache_dir && !sys_includes_stamp(clang, &stamp) &&
	    snprintf(cache, sizeof(cache), "%s/clang-include-dirs", cache_dir) <
		    (int)sizeof(cache) &&
	    !sys_includes_cached(cache, sb_str(&stamp), &dirs))
		goto add;
	ret = subprocess_run(argv, &so);
	if (ret < 0) {
		report_exec_error(clang, ret);
		goto out;
	}
	for (line = strtok_r(err.buf ? err.buf : (char *)"", "\n", &save); line;
	     line = strtok_r(NULL, "\n", &save)) {
		if (strstr(line, "#include <...> search starts here:")) {
			in_list = true;
			continue;
		}
		if (strstr(line, "End of search list."))
			break;
		if (!in_list || line[0] != ' ')
			continue;
		line += strspn(line, " ");
		if (strstr(line, " (framework directory)"))
			continue;
		if ((ret = av_add(&dirs, line)))
			goto out;
	}
	if (dirs.n && cache[0] && stamp.len)
		sys_includes_save(cache, sb_str(&stamp), &dirs);
	if (!dirs.n) {
		/* Fall back to the Debian layout. */
		char multi[PATH_MAX];
		struct utsname u;

		if (uname(&u) < 0)
			snprintf(u.machine, sizeof(u.machine), "x86_64");
		snprintf(multi, sizeof(multi), "/usr/include/%s-linux-gnu", u.machine);
		if ((ret = av_add(&dirs, multi)) || (ret = av_add(&dirs, "/usr/include")))
			goto out;
	}
add:
	ret = 0;
	for (size_t i = 0; i < dirs.n && !ret; i++)
		if ((ret = av_add(out, "-idirafter")) == 0)
			ret = av_add(out, dirs.v[i]);
out:
	av_free(&dirs);
	sb_free(&stamp);
	sb_free(&err);
	return ret;
}

static char *path_dirname(const char *path)
{
	char *tmp = strdup(path), *d;

	if (!tmp)
		return NULL;
	d = strdup(dirname(tmp));
	free(tmp);
	return d;
}

static int check_readable(const char *path)
{
	struct stat st;
	int fd;

	fd = open(path, O_RDONLY);
	if (fd < 0 || fstat(fd, &st) < 0) {
		int err = -errno;

		if (fd >= 0)
			close(fd);
		fprintf(stderr, "ecc: %s: %s\n", path, strerror(-err));
		return err;
	}
	close(fd);
	if (S_ISDIR(st.st_mode)) {
		fprintf(stderr, "ecc: %s: %s\n", path, strerror(EISDIR));
		return -EISDIR;
	}
	return 0;
}

static bool name_in(const cJSON *arr, const char *name)
{
	const cJSON *it;

	cJSON_ArrayForEach(it, arr)
	{
		const char *s = cJSON_IsString(it) ? it->valuestring : NULL;

		if (!s) {
			const cJSON *st = cJSON_GetObjectItemCaseSensitive(it, "struct");

			s = cJSON_IsString(st) ? st->valuestring : NULL;
		}
		if (s && !strcmp(s, name))
			return true;
	}
	return false;
}

/* Valid C identifier? (struct names from other tools go into generated source text.) */
static bool is_ident(const char *s)
{
	if (!s || !*s || (*s >= '0' && *s <= '9'))
		return false;
	for (; *s; s++)
		if (!(*s == '_' || (*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') ||
		      (*s >= '0' && *s <= '9')))
			return false;
	return true;
}

/*
 * Pick the export types (§4): with a header, the inferred pairs whose struct the header
 * defines; without one, the inferred pairs. When nothing is inferred from a header the user
 * named on the command line, every header struct is exported, as the public toolchain does;
 * a <name>.h that ecc merely found beside the source exports only what inference finds, so a
 * header holding map keys and values does not turn them into event types.
 */
static int choose_exports(const cJSON *header_structs, const cJSON *inferred, bool all_if_none,
			  cJSON **out)
{
	cJSON *arr = cJSON_CreateArray();
	const cJSON *it;

	if (!arr)
		return -ENOMEM;
	if (cJSON_GetArraySize(header_structs) == 0)
		header_structs = NULL; /* a header without structs: as if none was given */
	cJSON_ArrayForEach(it, inferred)
	{
		const cJSON *s = cJSON_GetObjectItemCaseSensitive(it, "struct");

		if (!cJSON_IsString(s) || !is_ident(s->valuestring))
			continue;
		if (header_structs && !name_in(header_structs, s->valuestring))
			continue;
		if (!cJSON_AddItemToArray(arr, cJSON_Duplicate(it, true)))
			goto nomem;
	}
	if (all_if_none && header_structs && cJSON_GetArraySize(arr) == 0) {
		cJSON_ArrayForEach(it, header_structs)
		{
			cJSON *pair;

			if (!cJSON_IsString(it) || !is_ident(it->valuestring))
				continue;
			pair = cJSON_CreateObject();
			if (!pair || !cJSON_AddItemToArray(arr, pair) ||
			    !cJSON_AddStringToObject(pair, "struct", it->valuestring) ||
			    !cJSON_AddNullToObject(pair, "map"))
				goto nomem;
		}
	}
	*out = arr;
	return 0;
nomem:
	cJSON_Delete(arr);
	return -ENOMEM;
}

/*
 * The text of a file with one unused global pointer per export/header struct, passed to clang
 * with -include, so that the structs reach the object's BTF (docs/package-format.md §4.1). The
 * pointer declares the tag at file scope before the source runs; the source's (or header's)
 * definition completes that same type, so BTF carries the full struct. The source itself is
 * compiled unchanged: its includes and clang's diagnostics are exactly as the user wrote them.
 * Empty when there is nothing to force.
 */
static int dummy_text(const cJSON *header_structs, const cJSON *exports, struct strbuf *sb)
{
	cJSON *done = cJSON_CreateArray();
	const cJSON *lists[2] = {header_structs, exports};
	int err = 0;

	if (!done)
		return -ENOMEM;
	for (int l = 0; l < 2 && !err; l++) {
		const cJSON *it;

		cJSON_ArrayForEach(it, lists[l])
		{
			const cJSON *s = cJSON_IsString(it)
						 ? it
						 : cJSON_GetObjectItemCaseSensitive(it, "struct");

			if (!cJSON_IsString(s) || !is_ident(s->valuestring) ||
			    name_in(done, s->valuestring))
				continue;
			if (!cJSON_AddItemToArray(done, cJSON_CreateString(s->valuestring))) {
				err = -ENOMEM;
				break;
			}
			err = sb_addf(sb, EUN_DUMMY_DECL_FMT, s->valuestring, s->valuestring);
			if (err)
				break;
		}
	}
	cJSON_Delete(done);
	return err;
}

/* Write text to a new temp header <out_dir>/.<name>.ecc-XXXXXX.h; its path into tmp_path. */
static int write_dummy(const char *out_dir, const char *name, const struct strbuf *text,
		       char *tmp_path, size_t size)
{
	int err = 0, fd;

	if (snprintf(tmp_path, size, "%s/.%s.ecc-XXXXXX.h", out_dir, name) >= (int)size) {
		tmp_path[0] = '\0';
		return -ENAMETOOLONG;
	}
	fd = mkstemps(tmp_path, 2);
	if (fd < 0) {
		err = -errno;
		fprintf(stderr, "ecc: cannot create a temporary file in %s: %s\n", out_dir,
			strerror(-err));
		tmp_path[0] = '\0';
		return err;
	}
	if (write(fd, text->buf, text->len) != (ssize_t)text->len) {
		err = -EIO;
		fprintf(stderr, "ecc: cannot write %s\n", tmp_path);
	}
	close(fd);
	return err;
}

/*
 * Guessing the dummy file before libclang has read the source.
 *
 * The exact export types come from libclang's AST (ecc_frontend_parse), which takes about as
 * long as the compile itself. To run both at once, the compile starts with a dummy file built
 * from a textual guess of what the front end will find: with a header, the `struct X {` written
 * in it; without, the struct type of the variable each bpf_ringbuf_reserve /
 * bpf_ringbuf_output / bpf_perf_event_output works on. When the front end has finished, the
 * dummy built from its exact answer is compared with the guess; only when they differ is the
 * source compiled again (so the object is always the one the exact answer gives).
 */
struct tokens {
	char **t;
	size_t n, cap;
};

static void tokens_free(struct tokens *tk)
{
	for (size_t i = 0; i < tk->n; i++)
		free(tk->t[i]);
	free(tk->t);
	memset(tk, 0, sizeof(*tk));
}

static int tokens_add(struct tokens *tk, const char *s, size_t len)
{
	if (tk->n == tk->cap) {
		size_t cap = tk->cap ? tk->cap * 2 : 256;
		char **t = realloc(tk->t, cap * sizeof(*t));

		if (!t)
			return -ENOMEM;
		tk->t = t;
		tk->cap = cap;
	}
	tk->t[tk->n] = strndup(s, len);
	if (!tk->t[tk->n])
		return -ENOMEM;
	tk->n++;
	return 0;
}

static bool ident_char(char c)
{
	return c == '_' || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	       (c >= '0' && c <= '9');
}

/* Split C text into identifiers/numbers and one-character punctuators; comments and
 * string/char literals are dropped. */
static int tokenize(const char *p, struct tokens *tk)
{
	int err = 0;

	while (*p && !err) {
		if (p[0] == '/' && p[1] == '/') {
			p += strcspn(p, "\n");
		} else if (p[0] == '/' && p[1] == '*') {
			const char *e = strstr(p + 2, "*/");

			p = e ? e + 2 : p + strlen(p);
		} else if (*p == '"' || *p == '\'') {
			char q = *p++;

			while (*p && *p != q && *p != '\n')
				p += (*p == '\\' && p[1]) ? 2 : 1;
			if (*p == q)
				p++;
		} else if (ident_char(*p)) {
			size_t n = 0;

			while (ident_char(p[n]))
				n++;
			err = tokens_add(tk, p, n);
			p += n;
		} else if (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r' || *p == '\\') {
			p++;
		} else {
			err = tokens_add(tk, p, 1);
			p++;
		}
	}
	return err;
}

static bool tok_is(const struct tokens *tk, size_t i, const char *s)
{
	return i < tk->n && !strcmp(tk->t[i], s);
}

static int add_unique(cJSON *arr, const char *name)
{
	if (!is_ident(name) || name_in(arr, name))
		return 0;
	return cJSON_AddItemToArray(arr, cJSON_CreateString(name)) ? 0 : -ENOMEM;
}

/* `struct X {` definitions, in order. */
static int guess_struct_defs(const struct tokens *tk, cJSON *out)
{
	int err = 0;

	for (size_t i = 0; i + 2 < tk->n && !err; i++)
		if (tok_is(tk, i, "struct") && is_ident(tk->t[i + 1]) && tok_is(tk, i + 2, "{"))
			err = add_unique(out, tk->t[i + 1]);
	return err;
}

/* S for `typedef struct S T;` or `typedef struct S { ... } T;`, else NULL. */
static const char *typedef_struct(const struct tokens *tk, const char *type)
{
	for (size_t i = 0; i + 3 < tk->n; i++) {
		size_t j = i + 3;
		int depth = 0;

		if (!tok_is(tk, i, "typedef") || !tok_is(tk, i + 1, "struct") ||
		    !is_ident(tk->t[i + 2]))
			continue;
		if (tok_is(tk, j, "{")) {
			for (; j < tk->n; j++) {
				if (tok_is(tk, j, "{"))
					depth++;
				else if (tok_is(tk, j, "}") && --depth == 0)
					break;
			}
			j++;
		}
		if (tok_is(tk, j, type))
			return tk->t[i + 2];
	}
	return NULL;
}

/* The struct of the latest declaration `struct S V`, `struct S *V` (or with a typedef of a
 * struct: `T V`, `T *V`) before token end. */
static const char *decl_struct(const struct tokens *tk, size_t end, const char *var)
{
	for (size_t i = end; i-- > 2;) {
		size_t s = i - 1;

		if (strcmp(tk->t[i], var))
			continue;
		if (tok_is(tk, s, "*"))
			s--;
		if (s >= 1 && is_ident(tk->t[s]) && tok_is(tk, s - 1, "struct"))
			return tk->t[s];
		if (is_ident(tk->t[s]) && strcmp(tk->t[s], "return")) {
			const char *st = typedef_struct(tk, tk->t[s]);

			if (st)
				return st;
		}
	}
	return NULL;
}

/* Token index of argument argn (0-based) of the call whose '(' is at open, or 0. */
static size_t call_arg(const struct tokens *tk, size_t open, int argn)
{
	int depth = 0;

	for (size_t i = open + 1; i < tk->n; i++) {
		if (argn == 0)
			return i;
		if (tok_is(tk, i, "(") || tok_is(tk, i, "[") || tok_is(tk, i, "{"))
			depth++;
		else if (tok_is(tk, i, ")") || tok_is(tk, i, "]") || tok_is(tk, i, "}")) {
			if (depth-- == 0)
				return 0;
		} else if (depth == 0 && tok_is(tk, i, ","))
			argn--;
	}
	return 0;
}

/* The struct names export inference would find, in source order (a guess). */
static int guess_inferred(const struct tokens *tk, cJSON *out)
{
	int err = 0;

	for (size_t i = 0; i + 1 < tk->n && !err; i++) {
		const char *s = NULL;
		int argn = -1;

		if (!tok_is(tk, i + 1, "("))
			continue;
		if (tok_is(tk, i, "bpf_ringbuf_reserve")) {
			/* [struct S *]V = [(struct S *)]bpf_ringbuf_reserve( */
			size_t j = i;

			if (j >= 5 && tok_is(tk, j - 1, ")") && tok_is(tk, j - 2, "*") &&
			    tok_is(tk, j - 4, "struct") && tok_is(tk, j - 5, "(")) {
				s = tk->t[j - 3];
			} else if (j >= 2 && tok_is(tk, j - 1, "=") && is_ident(tk->t[j - 2])) {
				s = decl_struct(tk, j - 1, tk->t[j - 2]);
			}
		} else if (tok_is(tk, i, "bpf_ringbuf_output")) {
			argn = 1;
		} else if (tok_is(tk, i, "bpf_perf_event_output")) {
			argn = 3;
		}
		if (argn >= 0) {
			/* DATA is V or &V, with V declared `struct S V` or `struct S *V` */
			size_t a = call_arg(tk, i + 1, argn);

			if (a && tok_is(tk, a, "&"))
				a++;
			if (a && a + 1 < tk->n && is_ident(tk->t[a]) &&
			    (tok_is(tk, a + 1, ",") || tok_is(tk, a + 1, ")")))
				s = decl_struct(tk, i, tk->t[a]);
		}
		if (s)
			err = add_unique(out, s);
	}
	return err;
}

static int read_text(const char *path, struct strbuf *sb)
{
	char buf[65536];
	FILE *f = fopen(path, "r");
	size_t n;
	int err = 0;

	if (!f)
		return -errno;
	while (!err && (n = fread(buf, 1, sizeof(buf), f)) > 0)
		err = sb_add(sb, buf, n);
	if (!err && ferror(f))
		err = -EIO;
	fclose(f);
	return err;
}

/* The dummy text from a guess (see above); empty when the files cannot be read. */
static int guess_dummy(const char *src, const char *header, bool explicit_header,
		       struct strbuf *out)
{
	struct strbuf text = STRBUF_INIT;
	struct tokens tk = {0};
	cJSON *hstructs = NULL, *inferred = cJSON_CreateArray(), *exports = NULL;
	int err = -ENOMEM;

	if (!inferred)
		goto out;
	if (header) {
		hstructs = cJSON_CreateArray();
		if (!hstructs)
			goto out;
		if (read_text(header, &text) || tokenize(sb_str(&text), &tk) ||
		    guess_struct_defs(&tk, hstructs))
			goto out_guess_failed;
		tokens_free(&tk);
		sb_reset(&text);
	}
	if (read_text(src, &text) || tokenize(sb_str(&text), &tk) || guess_inferred(&tk, inferred))
		goto out_guess_failed;
	/* the guessed pairs carry no map: only the struct names matter for the dummy */
	{
		cJSON *pairs = cJSON_CreateArray();
		const cJSON *it;

		if (!pairs)
			goto out;
		cJSON_ArrayForEach(it, inferred)
		{
			cJSON *pair = cJSON_CreateObject();

			if (!pair || !cJSON_AddItemToArray(pairs, pair) ||
			    !cJSON_AddStringToObject(pair, "struct", it->valuestring)) {
				cJSON_Delete(pairs);
				goto out;
			}
		}
		cJSON_Delete(inferred);
		inferred = pairs;
	}
	err = choose_exports(hstructs, inferred, explicit_header, &exports);
	if (!err)
		err = dummy_text(hstructs, exports, out);
	goto out;
out_guess_failed:
	err = 0; /* no guess: compile without a dummy; the check afterwards fixes it up */
	sb_reset(out);
out:
	tokens_free(&tk);
	sb_free(&text);
	cJSON_Delete(hstructs);
	cJSON_Delete(inferred);
	cJSON_Delete(exports);
	return err;
}

/*
 * Link the clang output with libbpf's static linker (what `bpftool gen object` does): the
 * result keeps code, maps, BTF and BTF.ext but drops DWARF, which is most of the object's size.
 */
static int link_object(const char *in, const char *out)
{
	struct bpf_linker *linker;
	int err;

	linker = bpf_linker__new(out, NULL);
	if (!linker) {
		err = -errno;
		fprintf(stderr, "ecc: %s: cannot create the object: %s\n", out, strerror(-err));
		return err;
	}
	err = bpf_linker__add_file(linker, in, NULL);
	if (!err)
		err = bpf_linker__finalize(linker);
	bpf_linker__free(linker);
	if (err) {
		fprintf(stderr, "ecc: %s: libbpf cannot link the object: %s\n", in, strerror(-err));
		unlink(out);
	}
	return err;
}

/*
 * Temporary files of the running build, removed if ecc is interrupted (Ctrl-C while clang
 * runs): the temp source sits in the user's output directory.
 */
static char tmp_src[PATH_MAX], raw_obj[PATH_MAX], linked_obj[PATH_MAX];

static void remove_temps(void)
{
	if (tmp_src[0])
		unlink(tmp_src);
	if (raw_obj[0])
		unlink(raw_obj);
	if (linked_obj[0])
		unlink(linked_obj);
	tmp_src[0] = raw_obj[0] = linked_obj[0] = '\0';
}

static void on_fatal_signal(int sig)
{
	remove_temps();
	signal(sig, SIG_DFL);
	raise(sig);
}

/* clang's argv for the compile; with quiet, warnings are off (they were shown once). */
static int clang_argv(const char *clang, const char *pch, const struct argv_list *inc,
		      const char *dummy, const char *src, const char *obj, bool quiet,
		      struct argv_list *cc)
{
	int err;

	if ((err = av_add(cc, clang)))
		return err;
	if (pch[0] && ((err = av_add(cc, "-include-pch")) || (err = av_add(cc, pch))))
		return err;
	if ((err = av_add(cc, "-g")) || (err = av_add(cc, "-O2")) ||
	    (err = av_addv(cc, (const char *const *)inc->v)))
		return err;
	if (dummy[0] && ((err = av_add(cc, "-include")) || (err = av_add(cc, dummy))))
		return err;
	if (quiet && (err = av_add(cc, "-w")))
		return err;
	if ((err = av_add(cc, "-c")) || (err = av_add(cc, src)) || (err = av_add(cc, "-o")) ||
	    (err = av_add(cc, obj)))
		return err;
	return 0;
}

/*
 * The libclang front end (annotations, export types, header structs) on a thread of its own
 * while clang compiles. Its messages are held back (our stderr goes to a memory file while it
 * runs; clang gets the real stderr) and shown only when the compile succeeded, so that clang's
 * errors are the ones a broken source reports.
 */
struct frontend_job {
	const char *src, *header;
	const char *const *args;
	cJSON *ann, *pairs, *hstructs;
	int err;
	pthread_t thread;
	int saved_err, mem; /* the real stderr, the memory file */
	struct subprocess_opts clang_so;
	struct strbuf out; /* the front end's messages */
};

static void frontend_run(struct frontend_job *j)
{
	j->err = ecc_frontend_parse(j->src, j->header, j->args, true, &j->ann, &j->pairs,
				    j->header ? &j->hstructs : NULL);
}

static void *frontend_thread(void *arg)
{
	frontend_run(arg);
	return NULL;
}

/* Start the thread with stderr captured; false (nothing started) when that cannot be done. */
static bool frontend_start(struct frontend_job *j)
{
	pthread_attr_t attr;
	bool ok = false;

	j->saved_err = j->mem = -1;
	fflush(stderr);
	j->mem = memfd_create("ecc-frontend", MFD_CLOEXEC);
	if (j->mem < 0)
		goto fail;
	j->saved_err = fcntl(STDERR_FILENO, F_DUPFD_CLOEXEC, 3);
	if (j->saved_err < 0)
		goto fail;
	if (pthread_attr_init(&attr))
		goto fail;
	/* parsing vmlinux.h recurses deeply; sanitizer builds need more stack still */
	pthread_attr_setstacksize(&attr, 64 << 20);
	if (dup2(j->mem, STDERR_FILENO) < 0) {
		pthread_attr_destroy(&attr);
		goto fail;
	}
	ok = !pthread_create(&j->thread, &attr, frontend_thread, j);
	pthread_attr_destroy(&attr);
	if (ok) {
		j->clang_so.err_fd = j->saved_err;
		return true;
	}
	dup2(j->saved_err, STDERR_FILENO);
fail:
	if (j->mem >= 0)
		close(j->mem);
	if (j->saved_err >= 0)
		close(j->saved_err);
	j->saved_err = j->mem = -1;
	return false;
}

/* Join the thread, restore stderr and collect what the front end printed into j->out. */
static void frontend_finish(struct frontend_job *j)
{
	char buf[8192];
	ssize_t n;

	pthread_join(j->thread, NULL);
	fflush(stderr);
	dup2(j->saved_err, STDERR_FILENO);
	close(j->saved_err);
	j->saved_err = -1;
	if (lseek(j->mem, 0, SEEK_SET) == 0) {
		while ((n = read(j->mem, buf, sizeof(buf))) > 0)
			if (sb_add(&j->out, buf, n))
				break;
	}
	close(j->mem);
	j->mem = -1;
}

static void frontend_free(struct frontend_job *j)
{
	cJSON_Delete(j->ann);
	cJSON_Delete(j->pairs);
	cJSON_Delete(j->hstructs);
	sb_free(&j->out);
}

void ecc_result_free(struct ecc_result *res)
{
	if (!res)
		return;
	free(res->name);
	free(res->obj_path);
	cJSON_Delete(res->meta);
	memset(res, 0, sizeof(*res));
}

int ecc_build(const struct ecc_opts *opts, struct ecc_result *res)
{
	struct argv_list inc = {0}, cc = {0}, fe_args = {0};
	static const int sigs[] = {SIGINT, SIGTERM, SIGHUP};
	struct sigaction sa = {.sa_handler = on_fatal_signal}, old_sa[3];
	char vmlinux_h[PATH_MAX], auto_hdr[PATH_MAX], pch[PATH_MAX] = "";
	char *src_dir = NULL, *vml_dir = NULL, *base, *dot;
	const char *header = opts->header, *out_dir, *clang = clang_path(opts);
	struct strbuf spec = STRBUF_INIT, exact = STRBUF_INIT;
	struct frontend_job fe = {0};
	bool fe_started = false;
	cJSON *exports = NULL;
	char obj_name[NAME_MAX + 8], define[64];
	int err, rc;

	memset(res, 0, sizeof(*res));
	err = check_readable(opts->src);
	if (err)
		return err;
	if (header) {
		err = check_readable(header);
		if (err)
			return err;
	}
	tmp_src[0] = raw_obj[0] = linked_obj[0] = '\0';
	for (int i = 0; i < 3; i++) {
		/* keep a signal ignored when our parent ignores it (nohup, background jobs) */
		sigaction(sigs[i], NULL, &old_sa[i]);
		if (old_sa[i].sa_handler != SIG_IGN)
			sigaction(sigs[i], &sa, NULL);
	}

	err = -ENOMEM;
	src_dir = path_dirname(opts->src);
	base = strdup(opts->src);
	if (!src_dir || !base)
		goto out_free_base;
	res->name = strdup(basename(base));
	free(base);
	if (!res->name)
		goto out;
	dot = strchr(res->name, '.');
	if (dot)
		*dot = '\0';
	if (!*res->name) {
		fprintf(stderr, "ecc: %s: cannot derive a program name from the file name\n",
			opts->src);
		err = -EINVAL;
		goto out;
	}
	snprintf(obj_name, sizeof(obj_name), "%s_bpf", res->name);
	out_dir = opts->out_dir && *opts->out_dir ? opts->out_dir : src_dir;
	err = eun_mkdir_p(out_dir, 0755);
	if (err) {
		fprintf(stderr, "ecc: cannot create output directory %s: %s\n", out_dir,
			strerror(-err));
		goto out;
	}
	if (asprintf(&res->obj_path, "%s/%s.bpf.o", out_dir, res->name) < 0) {
		res->obj_path = NULL;
		err = -ENOMEM;
		goto out;
	}
	if (!header) {
		snprintf(auto_hdr, sizeof(auto_hdr), "%s/%s.h", src_dir, res->name);
		if (access(auto_hdr, R_OK) == 0) {
			header = auto_hdr;
			if (opts->verbose)
				fprintf(stderr, "ecc: using header %s\n", header);
		}
	}

	err = ecc_vmlinux_header(opts->btf_path, opts->verbose, vmlinux_h, sizeof(vmlinux_h));
	if (err)
		goto out;
	vml_dir = path_dirname(vmlinux_h);
	if (!vml_dir) {
		err = -ENOMEM;
		goto out;
	}

	/* Flags shared by the compile and libclang's parses (doc comments, inference); "-I"
	 * src_dir at INC_SRC_DIR. */
	snprintf(define, sizeof(define), "-D__TARGET_ARCH_%s", ecc_target_arch());
	if ((err = av_add(&inc, "-target")) || (err = av_add(&inc, "bpf")) ||
	    (err = av_add(&inc, define)) || (err = av_add(&inc, "-I")) ||
	    (err = av_add(&inc, src_dir)) || (err = av_add(&inc, "-I")) ||
	    (err = av_add(&inc, vml_dir)))
		goto out;
	err = sys_includes(clang, vml_dir, &inc);
	if (err)
		goto out;
	err = av_addv(&inc, opts->cflags);
	if (err)
		goto out;
	/* A precompiled vmlinux.h for the compile and the front end, when it means the same as
	 * the source's own #include: most of clang's time goes into vmlinux.h. It is built
	 * without the source's directory (which clang does not check), so one serves all. */
	if ((err = av_add(&fe_args, "-g")) || (err = av_add(&fe_args, "-O2")))
		goto out;
	for (size_t i = 0; i < inc.n && !err; i++) {
		if (i == INC_SRC_DIR) {
			i++;
			continue;
		}
		err = av_add(&fe_args, inc.v[i]);
	}
	if (err)
		goto out;
	if (ecc_pch_applies(opts->src, vmlinux_h, opts->cflags) &&
	    !ecc_compile_pch(clang, vmlinux_h, (const char *const *)fe_args.v, opts->verbose, pch,
			     sizeof(pch))) {
		struct argv_list v = {0};

		if ((err = av_add(&v, "-include-pch")) || (err = av_add(&v, pch))) {
			av_free(&v);
			goto out;
		}
		av_free(&fe_args);
		fe_args = v;
	} else {
		pch[0] = '\0';
		av_free(&fe_args);
	}
	/* the front end: [-include-pch PCH -g -O2] and the flags above */
	if (pch[0] && ((err = av_add(&fe_args, "-g")) || (err = av_add(&fe_args, "-O2"))))
		goto out;
	err = av_addv(&fe_args, (const char *const *)inc.v);
	if (err)
		goto out;

	/* clang writes raw_obj, the linker linked_obj, renamed over <name>.bpf.o at the end so
	 * that concurrent builds into one directory never read a half-written object. */
	if (snprintf(raw_obj, sizeof(raw_obj), "%s.tmp-%d.o", res->obj_path, (int)getpid()) >=
		    (int)sizeof(raw_obj) ||
	    snprintf(linked_obj, sizeof(linked_obj), "%s.tmp-%d-linked.o", res->obj_path,
		     (int)getpid()) >= (int)sizeof(linked_obj)) {
		raw_obj[0] = linked_obj[0] = '\0';
		err = -ENAMETOOLONG;
		goto out;
	}

	/* The compile runs with the guessed dummy while libclang reads the source. */
	err = guess_dummy(opts->src, header, opts->header != NULL, &spec);
	if (err)
		goto out;
	if (spec.len) {
		err = write_dummy(out_dir, res->name, &spec, tmp_src, sizeof(tmp_src));
		if (err)
			goto out;
	}
	err = clang_argv(clang, pch, &inc, tmp_src, opts->src, raw_obj, false, &cc);
	if (err)
		goto out;
	fprintf(stderr, "ecc: compiling %s\n", opts->src);
	if (opts->verbose) {
		struct strbuf line = STRBUF_INIT;

		if (!subprocess_format_argv((const char *const *)cc.v, &line))
			fprintf(stderr, "ecc: %s\n", sb_str(&line));
		sb_free(&line);
	}
	fe = (struct frontend_job){
		.src = opts->src,
		.header = header,
		.args = (const char *const *)fe_args.v,
	};
	fe_started = frontend_start(&fe);
	rc = subprocess_run((const char *const *)cc.v, fe_started ? &fe.clang_so : NULL);
	if (fe_started)
		frontend_finish(&fe);
	if (rc < 0) {
		report_exec_error(clang, rc);
		err = rc;
		goto out;
	}
	if (rc != 0) {
		/* clang's diagnostics are the story; the front end's are not shown */
		fprintf(stderr, "ecc: %s: compilation failed (clang exit status %d)\n", opts->src,
			rc);
		err = -ENOEXEC;
		goto out;
	}
	if (!fe_started)
		frontend_run(&fe);
	else if (fe.out.len)
		fwrite(fe.out.buf, 1, fe.out.len, stderr);
	if (fe.err) {
		err = fe.err;
		if (err == -EINVAL)
			fprintf(stderr,
				"ecc: %s: invalid doc-comment annotations or source libclang cannot "
				"read (see above)\n",
				opts->src);
		else
			fprintf(stderr, "ecc: %s: cannot read annotations and export types: %s\n",
				opts->src, strerror(-err));
		goto out;
	}
	err = choose_exports(fe.hstructs, fe.pairs, opts->header != NULL, &exports);
	if (!err)
		err = dummy_text(fe.hstructs, exports, &exact);
	if (err)
		goto out;
	if (exact.len != spec.len || (exact.len && memcmp(exact.buf, spec.buf, exact.len))) {
		/* the guess was wrong: compile again with the exact dummy (warnings were shown) */
		if (opts->verbose)
			fprintf(stderr,
				"ecc: compiling again with the export types libclang found\n");
		if (tmp_src[0])
			unlink(tmp_src);
		tmp_src[0] = '\0';
		if (exact.len) {
			err = write_dummy(out_dir, res->name, &exact, tmp_src, sizeof(tmp_src));
			if (err)
				goto out;
		}
		av_free(&cc);
		err = clang_argv(clang, pch, &inc, tmp_src, opts->src, raw_obj, true, &cc);
		if (err)
			goto out;
		rc = subprocess_run((const char *const *)cc.v, NULL);
		if (rc < 0) {
			report_exec_error(clang, rc);
			err = rc;
			goto out;
		}
		if (rc != 0) {
			fprintf(stderr, "ecc: %s: compilation failed (clang exit status %d)\n",
				opts->src, rc);
			err = -ENOEXEC;
			goto out;
		}
	}

	err = link_object(raw_obj, linked_obj);
	if (err)
		goto out;
	if (rename(linked_obj, res->obj_path) < 0) {
		err = -errno;
		fprintf(stderr, "ecc: cannot write %s: %s\n", res->obj_path, strerror(-err));
		goto out;
	}
	linked_obj[0] = '\0';

	err = ecc_object_meta(res->obj_path, obj_name, fe.ann, exports, &res->meta);
	if (err == -ENOMSG)
		fprintf(stderr, "ecc: %s: no BPF programs found (no SEC(\"...\") functions)\n",
			opts->src);
	goto out;

out_free_base:
	free(base);
out:
	remove_temps();
	for (int i = 0; i < 3; i++)
		sigaction(sigs[i], &old_sa[i], NULL);
	av_free(&inc);
	av_free(&cc);
	av_free(&fe_args);
	free(src_dir);
	free(vml_dir);
	frontend_free(&fe);
	cJSON_Delete(exports);
	sb_free(&spec);
	sb_free(&exact);
	return err;
}
