// SPDX-License-Identifier: MIT
/*
 * The build driver, ecc_build(): names and paths, clang's flags (target arch, the host's
 * system include dirs from sysinc.c, libbpf and vmlinux.h), the compile beside the libclang
 * front end, the export types (exports.c, guessed beforehand by guess.c), the link and the
 * object reader (objinfo.c). Messages go through ecc's logger (log.h).
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
#include <sys/stat.h>
#include <unistd.h>

#include "common/util.h"
#include "common/strbuf.h"
#include "common/subprocess.h"
#include "ecc/build.h"
#include "ecc/ecc.h"
#include "ecc/log.h"

/* index of "-I" <source dir> in the shared flags */
#define INC_SRC_DIR 3

static const char *clang_path(const struct ecc_opts *opts)
{
	const char *c = opts->clang;

	if (!c || !*c)
		c = getenv("CLANG");
	return c && *c ? c : "clang";
}

void ecc_report_exec_error(const char *clang, int err)
{
	if (err == -ENOENT)
		ecc_warn("ecc: %s: not found (install clang, or pass -c /path/to/clang)\n", clang);
	else
		ecc_warn("ecc: cannot run %s: %s\n", clang, strerror(-err));
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
		ecc_warn("ecc: %s: %s\n", path, strerror(-err));
		return err;
	}
	close(fd);
	if (S_ISDIR(st.st_mode)) {
		ecc_warn("ecc: %s: %s\n", path, strerror(EISDIR));
		return -EISDIR;
	}
	return 0;
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
		ecc_warn("ecc: %s: cannot create the object: %s\n", out, strerror(-err));
		return err;
	}
	err = bpf_linker__add_file(linker, in, NULL);
	if (!err)
		err = bpf_linker__finalize(linker);
	bpf_linker__free(linker);
	if (err) {
		ecc_warn("ecc: %s: libbpf cannot link the object: %s\n", in, strerror(-err));
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
 * while clang compiles. Its messages go to its own logger (a buffer) and are shown only when the
 * compile succeeded, so that clang's errors are the ones a broken source reports.
 */
struct frontend_job {
	const char *src, *header;
	const char *const *args;
	cJSON *ann, *pairs, *hstructs;
	int err;
	pthread_t thread;
	struct strbuf out; /* the front end's messages */
};

static void frontend_run(struct frontend_job *j)
{
	j->err = ecc_frontend_parse(j->src, j->header, j->args, true, &j->ann, &j->pairs,
				    j->header ? &j->hstructs : NULL);
}

static void *frontend_thread(void *arg)
{
	struct frontend_job *j = arg;
	struct eun_logger lg = ecc_strbuf_logger(&j->out);

	ecc_set_logger(&lg);
	frontend_run(j);
	ecc_set_logger(NULL);
	return NULL;
}

/* Start the thread; false (nothing started) when that cannot be done. */
static bool frontend_start(struct frontend_job *j)
{
	pthread_attr_t attr;
	bool ok;

	if (pthread_attr_init(&attr))
		return false;
	/* parsing vmlinux.h recurses deeply; sanitizer builds need more stack still */
	pthread_attr_setstacksize(&attr, 64 << 20);
	ok = !pthread_create(&j->thread, &attr, frontend_thread, j);
	pthread_attr_destroy(&attr);
	return ok;
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

/* What one ecc_build() works with, from its steps below. */
struct build {
	const struct ecc_opts *opts;
	struct ecc_result *res;
	const char *clang, *header, *out_dir;
	char *src_dir, *vml_dir;
	char vmlinux_h[PATH_MAX], auto_hdr[PATH_MAX], pch[PATH_MAX];
	char obj_name[NAME_MAX + 8];
	struct argv_list inc;	  /* flags shared by the compile and libclang */
	struct argv_list fe_args; /* the front end's: [-include-pch PCH -g -O2] and inc */
	struct argv_list cc;	  /* clang's argv */
	struct strbuf guess;	  /* the dummy file from the guess */
	struct frontend_job fe;
	cJSON *exports;
};

/* Names and paths: res->name from the source's file name, the output dir, res->obj_path and
 * the header (<name>.h beside the source when none was given). */
static int build_names(struct build *b)
{
	const struct ecc_opts *opts = b->opts;
	char *base, *dot;
	int err;

	b->src_dir = path_dirname(opts->src);
	base = strdup(opts->src);
	if (!b->src_dir || !base) {
		free(base);
		return -ENOMEM;
	}
	b->res->name = strdup(basename(base));
	free(base);
	if (!b->res->name)
		return -ENOMEM;
	dot = strchr(b->res->name, '.');
	if (dot)
		*dot = '\0';
	if (!*b->res->name) {
		ecc_warn("ecc: %s: cannot derive a program name from the file name\n", opts->src);
		return -EINVAL;
	}
	snprintf(b->obj_name, sizeof(b->obj_name), "%s_bpf", b->res->name);
	b->out_dir = opts->out_dir && *opts->out_dir ? opts->out_dir : b->src_dir;
	err = eun_mkdir_p(b->out_dir, 0755);
	if (err) {
		ecc_warn("ecc: cannot create output directory %s: %s\n", b->out_dir,
			 strerror(-err));
		return err;
	}
	if (asprintf(&b->res->obj_path, "%s/%s.bpf.o", b->out_dir, b->res->name) < 0) {
		b->res->obj_path = NULL;
		return -ENOMEM;
	}
	if (!b->header) {
		snprintf(b->auto_hdr, sizeof(b->auto_hdr), "%s/%s.h", b->src_dir, b->res->name);
		if (access(b->auto_hdr, R_OK) == 0) {
			b->header = b->auto_hdr;
			if (opts->verbose)
				ecc_info("ecc: using header %s\n", b->header);
		}
	}
	/* clang writes raw_obj, the linker linked_obj, renamed over <name>.bpf.o at the end so
	 * that concurrent builds into one directory never read a half-written object. */
	if (snprintf(raw_obj, sizeof(raw_obj), "%s.tmp-%d.o", b->res->obj_path, (int)getpid()) >=
		    (int)sizeof(raw_obj) ||
	    snprintf(linked_obj, sizeof(linked_obj), "%s.tmp-%d-linked.o", b->res->obj_path,
		     (int)getpid()) >= (int)sizeof(linked_obj)) {
		raw_obj[0] = linked_obj[0] = '\0';
		return -ENAMETOOLONG;
	}
	return 0;
}

/* The flags shared by the compile and libclang's parses (doc comments, inference), "-I"
 * src_dir at INC_SRC_DIR, and the front end's, with a PCH when one applies. */
static int build_flags(struct build *b)
{
	const struct ecc_opts *opts = b->opts;
	struct argv_list v = {0};
	char define[64];
	int err;

	err = ecc_vmlinux_header(opts->btf_path, opts->verbose, b->vmlinux_h, sizeof(b->vmlinux_h));
	if (err)
		return err;
	b->vml_dir = path_dirname(b->vmlinux_h);
	if (!b->vml_dir)
		return -ENOMEM;
	snprintf(define, sizeof(define), "-D__TARGET_ARCH_%s", ecc_target_arch());
	if ((err = av_add(&b->inc, "-target")) || (err = av_add(&b->inc, "bpf")) ||
	    (err = av_add(&b->inc, define)) || (err = av_add(&b->inc, "-I")) ||
	    (err = av_add(&b->inc, b->src_dir)) || (err = av_add(&b->inc, "-I")) ||
	    (err = av_add(&b->inc, b->vml_dir)))
		return err;
	err = ecc_sys_includes(b->clang, b->vml_dir, &b->inc);
	if (!err)
		err = av_addv(&b->inc, opts->cflags);
	if (err)
		return err;
	/* A precompiled vmlinux.h for the compile and the front end, when it means the same as
	 * the source's own #include: most of clang's time goes into vmlinux.h. It is built
	 * without the source's directory (which clang does not check), so one serves all. */
	if ((err = av_add(&v, "-g")) || (err = av_add(&v, "-O2")))
		goto out;
	for (size_t i = 0; i < b->inc.n && !err; i++) {
		if (i == INC_SRC_DIR) {
			i++;
			continue;
		}
		err = av_add(&v, b->inc.v[i]);
	}
	if (err)
		goto out;
	if (ecc_pch_applies(opts->src, b->vmlinux_h, opts->cflags) &&
	    !ecc_compile_pch(b->clang, b->vmlinux_h, (const char *const *)v.v, opts->verbose,
			     b->pch, sizeof(b->pch))) {
		if ((err = av_add(&b->fe_args, "-include-pch")) ||
		    (err = av_add(&b->fe_args, b->pch)) || (err = av_add(&b->fe_args, "-g")) ||
		    (err = av_add(&b->fe_args, "-O2")))
			goto out;
	} else {
		b->pch[0] = '\0';
	}
	err = av_addv(&b->fe_args, (const char *const *)b->inc.v);
out:
	av_free(&v);
	return err;
}

/* Run clang's argv in b->cc, with fe_started not NULL the front end beside it (whether its
 * thread started into *fe_started); 0, or -errno / -ENOEXEC with the reason said. */
static int run_clang(struct build *b, bool *fe_started)
{
	bool started = fe_started && frontend_start(&b->fe);
	int rc;

	if (fe_started)
		*fe_started = started;
	rc = subprocess_run((const char *const *)b->cc.v, NULL);
	if (started)
		pthread_join(b->fe.thread, NULL);
	if (rc < 0) {
		ecc_report_exec_error(b->clang, rc);
		return rc;
	}
	if (rc != 0) {
		/* clang's diagnostics are the story; the front end's are not shown */
		ecc_warn("ecc: %s: compilation failed (clang exit status %d)\n", b->opts->src, rc);
		return -ENOEXEC;
	}
	return 0;
}

/* The first compile, with the guessed dummy, while libclang reads the source; then the
 * front end's results (its messages shown once the compile succeeded). */
static int build_compile(struct build *b)
{
	const struct ecc_opts *opts = b->opts;
	bool fe_started = false;
	int err;

	err = ecc_guess_dummy(opts->src, b->header, opts->header != NULL, &b->guess);
	if (!err && b->guess.len)
		err = ecc_write_dummy(b->out_dir, b->res->name, &b->guess, tmp_src,
				      sizeof(tmp_src));
	if (!err)
		err = clang_argv(b->clang, b->pch, &b->inc, tmp_src, opts->src, raw_obj, false,
				 &b->cc);
	if (err)
		return err;
	ecc_warn("ecc: compiling %s\n", opts->src);
	if (opts->verbose) {
		struct strbuf line = STRBUF_INIT;

		if (!subprocess_format_argv((const char *const *)b->cc.v, &line))
			ecc_info("ecc: %s\n", sb_str(&line));
		sb_free(&line);
	}
	b->fe = (struct frontend_job){
		.src = opts->src,
		.header = b->header,
		.args = (const char *const *)b->fe_args.v,
	};
	err = run_clang(b, &fe_started);
	if (err)
		return err;
	if (!fe_started)
		frontend_run(&b->fe);
	else if (b->fe.out.len)
		ecc_warn("%s", b->fe.out.buf);
	err = b->fe.err;
	if (err == -EINVAL)
		ecc_warn("ecc: %s: invalid doc-comment annotations or source libclang cannot read "
			 "(see above)\n",
			 opts->src);
	else if (err)
		ecc_warn("ecc: %s: cannot read annotations and export types: %s\n", opts->src,
			 strerror(-err));
	return err;
}

/* The export types libclang found; when their dummy differs from the guess, compile again. */
static int build_check_guess(struct build *b)
{
	const struct ecc_opts *opts = b->opts;
	struct strbuf exact = STRBUF_INIT;
	int err;

	err = ecc_choose_exports(b->fe.hstructs, b->fe.pairs, opts->header != NULL, &b->exports);
	if (!err) {
		ecc_report_exports(b->exports, opts->verbose);
		err = ecc_dummy_text(b->fe.hstructs, b->exports, &exact);
	}
	if (err ||
	    (exact.len == b->guess.len && !memcmp(sb_str(&exact), sb_str(&b->guess), exact.len)))
		goto out;
	/* the guess was wrong: compile again with the exact dummy (warnings were shown) */
	if (opts->verbose)
		ecc_info("ecc: compiling again with the export types libclang found\n");
	if (tmp_src[0])
		unlink(tmp_src);
	tmp_src[0] = '\0';
	if (exact.len) {
		err = ecc_write_dummy(b->out_dir, b->res->name, &exact, tmp_src, sizeof(tmp_src));
		if (err)
			goto out;
	}
	av_free(&b->cc);
	err = clang_argv(b->clang, b->pch, &b->inc, tmp_src, opts->src, raw_obj, true, &b->cc);
	if (!err)
		err = run_clang(b, NULL);
out:
	sb_free(&exact);
	return err;
}

/* Link the object into place and read it into res->meta. */
static int build_finish(struct build *b)
{
	int err = link_object(raw_obj, linked_obj);

	if (err)
		return err;
	if (rename(linked_obj, b->res->obj_path) < 0) {
		err = -errno;
		ecc_warn("ecc: cannot write %s: %s\n", b->res->obj_path, strerror(-err));
		return err;
	}
	linked_obj[0] = '\0';
	err = ecc_object_meta(b->res->obj_path, b->obj_name, b->fe.ann, b->exports, &b->res->meta);
	if (err == -ENOMSG)
		ecc_warn("ecc: %s: no BPF programs found (no SEC(\"...\") functions)\n",
			 b->opts->src);
	return err;
}

int ecc_build(const struct ecc_opts *opts, struct ecc_result *res)
{
	static const int sigs[] = {SIGINT, SIGTERM, SIGHUP};
	struct sigaction sa = {.sa_handler = on_fatal_signal}, old_sa[3];
	struct build b = {.opts = opts, .res = res, .header = opts->header};
	int err;

	memset(res, 0, sizeof(*res));
	err = check_readable(opts->src);
	if (!err && opts->header)
		err = check_readable(opts->header);
	if (err)
		return err;
	b.clang = clang_path(opts);
	tmp_src[0] = raw_obj[0] = linked_obj[0] = '\0';
	for (int i = 0; i < 3; i++) {
		/* keep a signal ignored when our parent ignores it (nohup, background jobs) */
		sigaction(sigs[i], NULL, &old_sa[i]);
		if (old_sa[i].sa_handler != SIG_IGN)
			sigaction(sigs[i], &sa, NULL);
	}
	err = build_names(&b);
	if (!err)
		err = build_flags(&b);
	if (!err)
		err = build_compile(&b);
	if (!err)
		err = build_check_guess(&b);
	if (!err)
		err = build_finish(&b);

	remove_temps();
	for (int i = 0; i < 3; i++)
		sigaction(sigs[i], &old_sa[i], NULL);
	av_free(&b.inc);
	av_free(&b.cc);
	av_free(&b.fe_args);
	free(b.src_dir);
	free(b.vml_dir);
	frontend_free(&b.fe);
	cJSON_Delete(b.exports);
	sb_free(&b.guess);
	return err;
}
