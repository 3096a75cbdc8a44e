// SPDX-License-Identifier: MIT
/*
 * The compile step: clang's argv (target arch, the host's system include dirs, libbpf and
 * vmlinux.h), the header/export-type handling of package-format.md §4, then the object reader.
 */
#include <bpf/libbpf.h>
#include <cjson/cJSON.h>
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <unistd.h>

#include "common/strbuf.h"
#include "common/subprocess.h"
#include "ecc/ecc.h"

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

/*
 * The host's system include dirs, as libbpf-tools' build does: ask clang (host target) for its
 * search list and add each with -idirafter, so <asm/types.h> resolves from
 * /usr/include/<multiarch> while vmlinux.h and libbpf come first.
 */
static int sys_includes(const char *clang, struct argv_list *out)
{
	const char *const argv[] = {
		clang, "-v", "-E", "-x", "c", "/dev/null", "-o", "/dev/null", NULL,
	};
	struct strbuf err = STRBUF_INIT;
	struct subprocess_opts so = {.err = &err};
	bool in_list = false;
	char *line, *save = NULL;
	int ret, found = 0;

	ret = subprocess_run(argv, &so);
	if (ret < 0) {
		report_exec_error(clang, ret);
		sb_free(&err);
		return ret;
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
		if ((ret = av_add(out, "-idirafter")) || (ret = av_add(out, line)))
			goto out;
		found++;
	}
	ret = 0;
	if (!found) {
		/* Fall back to the Debian layout. */
		char multi[PATH_MAX];
		struct utsname u;

		if (uname(&u) < 0)
			snprintf(u.machine, sizeof(u.machine), "x86_64");
		snprintf(multi, sizeof(multi), "/usr/include/%s-linux-gnu", u.machine);
		if ((ret = av_add(out, "-idirafter")) || (ret = av_add(out, multi)) ||
		    (ret = av_add(out, "-idirafter")) || (ret = av_add(out, "/usr/include")))
			goto out;
	}
out:
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

static int mkdir_p(const char *path)
{
	char buf[PATH_MAX];
	size_t len = strlen(path);

	if (len >= sizeof(buf))
		return -ENAMETOOLONG;
	memcpy(buf, path, len + 1);
	for (char *p = buf + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(buf, 0755) < 0 && errno != EEXIST)
			return -errno;
		*p = '/';
	}
	if (mkdir(buf, 0755) < 0 && errno != EEXIST)
		return -errno;
	return 0;
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
 * defines, else every header struct; without one, the inferred pairs.
 */
static int choose_exports(const cJSON *header_structs, const cJSON *inferred, cJSON **out)
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
	if (header_structs && cJSON_GetArraySize(arr) == 0) {
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
 * A file with one unused global pointer per export/header struct, passed to clang with
 * -include, so that the structs reach the object's BTF (package-format.md §4). The pointer
 * declares the tag at file scope before the source runs; the source's (or header's) definition
 * completes that same type, so BTF carries the full struct. The source itself is compiled
 * unchanged: its includes and clang's diagnostics are exactly as the user wrote them.
 */
static int write_dummy_source(const char *out_dir, const char *name, const cJSON *header_structs,
			      const cJSON *exports, char *tmp_path, size_t size)
{
	struct strbuf sb = STRBUF_INIT;
	cJSON *done = cJSON_CreateArray();
	const cJSON *lists[2] = {header_structs, exports};
	int err = 0, fd = -1;

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
			err = sb_addf(
				&sb, "struct %s *__eunomia_dummy_%s_ptr __attribute__((unused));\n",
				s->valuestring, s->valuestring);
			if (err)
				break;
		}
	}
	if (err)
		goto out;
	if (snprintf(tmp_path, size, "%s/.%s.ecc-XXXXXX.h", out_dir, name) >= (int)size) {
		tmp_path[0] = '\0';
		err = -ENAMETOOLONG;
		goto out;
	}
	fd = mkstemps(tmp_path, 2);
	if (fd < 0) {
		err = -errno;
		fprintf(stderr, "ecc: cannot create a temporary file in %s: %s\n", out_dir,
			strerror(-err));
		tmp_path[0] = '\0';
		goto out;
	}
	if (write(fd, sb.buf, sb.len) != (ssize_t)sb.len) {
		err = -EIO;
		fprintf(stderr, "ecc: cannot write %s\n", tmp_path);
	}
	close(fd);
out:
	cJSON_Delete(done);
	sb_free(&sb);
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
	struct argv_list inc = {0}, cc = {0};
	static const int sigs[] = {SIGINT, SIGTERM, SIGHUP};
	struct sigaction sa = {.sa_handler = on_fatal_signal}, old_sa[3];
	char vmlinux_h[PATH_MAX], auto_hdr[PATH_MAX];
	char *src_dir = NULL, *vml_dir = NULL, *base, *dot;
	const char *header = opts->header, *out_dir, *clang = clang_path(opts);
	cJSON *hstructs = NULL, *inferred = NULL, *exports = NULL, *ann = NULL;
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
	err = mkdir_p(out_dir);
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

	/* Flags shared by the compile and libclang's parses (doc comments, inference). */
	snprintf(define, sizeof(define), "-D__TARGET_ARCH_%s", ecc_target_arch());
	if ((err = av_add(&inc, "-target")) || (err = av_add(&inc, "bpf")) ||
	    (err = av_add(&inc, define)) || (err = av_add(&inc, "-I")) ||
	    (err = av_add(&inc, src_dir)) || (err = av_add(&inc, "-I")) ||
	    (err = av_add(&inc, vml_dir)))
		goto out;
	err = sys_includes(clang, &inc);
	if (err)
		goto out;
	err = av_addv(&inc, opts->cflags);
	if (err)
		goto out;

	if (header) {
		err = ecc_header_structs(header, (const char *const *)inc.v, &hstructs);
		if (err) {
			fprintf(stderr, "ecc: %s: cannot read the structs of the header: %s\n",
				header, strerror(-err));
			goto out;
		}
	}
	err = ecc_infer_export_types(opts->src, (const char *const *)inc.v, &inferred);
	if (err) {
		fprintf(stderr, "ecc: %s: export type inference failed: %s\n", opts->src,
			strerror(-err));
		goto out;
	}
	err = choose_exports(hstructs, inferred, &exports);
	if (err)
		goto out;
	if (cJSON_GetArraySize(exports) || cJSON_GetArraySize(hstructs)) {
		err = write_dummy_source(out_dir, res->name, hstructs, exports, tmp_src,
					 sizeof(tmp_src));
		if (err)
			goto out;
	}

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
	if ((err = av_add(&cc, clang)) || (err = av_add(&cc, "-g")) || (err = av_add(&cc, "-O2")) ||
	    (err = av_addv(&cc, (const char *const *)inc.v)))
		goto out;
	if (tmp_src[0] && ((err = av_add(&cc, "-include")) || (err = av_add(&cc, tmp_src))))
		goto out;
	if ((err = av_add(&cc, "-c")) || (err = av_add(&cc, opts->src)) ||
	    (err = av_add(&cc, "-o")) || (err = av_add(&cc, raw_obj)))
		goto out;
	fprintf(stderr, "ecc: compiling %s\n", opts->src);
	if (opts->verbose) {
		struct strbuf line = STRBUF_INIT;

		if (!subprocess_format_argv((const char *const *)cc.v, &line))
			fprintf(stderr, "ecc: %s\n", sb_str(&line));
		sb_free(&line);
	}
	rc = subprocess_run((const char *const *)cc.v, NULL);
	if (rc < 0) {
		report_exec_error(clang, rc);
		err = rc;
		goto out;
	}
	if (rc != 0) {
		fprintf(stderr, "ecc: %s: compilation failed (clang exit status %d)\n", opts->src,
			rc);
		err = -ENOEXEC;
		goto out;
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

	err = ecc_doc_parse(opts->src, (const char *const *)inc.v, true, &ann);
	if (err) {
		fprintf(stderr, "ecc: %s: invalid doc-comment annotations (see above)\n",
			opts->src);
		err = err < 0 ? err : -EINVAL;
		goto out;
	}
	err = ecc_object_meta(res->obj_path, obj_name, ann, exports, &res->meta);
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
	free(src_dir);
	free(vml_dir);
	cJSON_Delete(hstructs);
	cJSON_Delete(inferred);
	cJSON_Delete(exports);
	cJSON_Delete(ann);
	return err;
}
