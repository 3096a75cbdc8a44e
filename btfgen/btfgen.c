// SPDX-License-Identifier: MIT
/*
 * ecc --btfgen: trim every kernel BTF of a btfhub-style tree to what one BPF object needs
 * (`bpftool gen min_core_btf`), in parallel, and pack the trimmed tree with the package into a
 * .tar container (docs/package-format.md §6.2):
 *
 *	btfhub-archive/<id>/<version>/<arch>/<release>.btf	(one per input BTF)
 *	package.json
 *
 * Inputs are `<release>.btf` files or `<release>.btf.tar.xz` archives (btfhub ships the
 * latter; each holds one .btf file), which are extracted with libarchive in the worker.
 */
#include <archive.h>
#include <archive_entry.h>
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include "btfgen/btfgen.h"
#include "common/fileio.h"
#include "common/strbuf.h"
#include "ecc/log.h"
#include "packer/format.h"
#include "packer/package.h"

#define XZ_SUFFIX      ".btf.tar.xz"
#define BTF_SUFFIX     ".btf"
#define MAX_BTF_INPUTS 100000
#define MAX_BTF_SIZE   (512u << 20) /* one extracted kernel BTF; real ones are ~5 MiB */
#define MAX_WALK_DEPTH 16

struct btf_item {
	char *rel;     /* path of the input relative to the archive dir */
	char *out_rel; /* path inside btfhub-archive/ (".tar.xz" dropped) */
	bool xz;
	pid_t pid; /* worker, 0 when not running */
};

struct item_list {
	struct btf_item *v;
	size_t nr, cap;
};

static bool has_suffix(const char *s, const char *suffix)
{
	size_t n = strlen(s), m = strlen(suffix);

	return n > m && strcmp(s + n - m, suffix) == 0;
}

static int items_add(struct item_list *l, const char *rel)
{
	struct btf_item *it;
	bool xz = has_suffix(rel, XZ_SUFFIX);

	if (l->nr >= MAX_BTF_INPUTS)
		return -E2BIG;
	if (l->nr == l->cap) {
		size_t cap = l->cap ? l->cap * 2 : 64;
		void *v = realloc(l->v, cap * sizeof(*l->v));

		if (!v)
			return -ENOMEM;
		l->v = v;
		l->cap = cap;
	}
	it = &l->v[l->nr];
	memset(it, 0, sizeof(*it));
	it->xz = xz;
	it->rel = strdup(rel);
	it->out_rel = strdup(rel);
	if (!it->rel || !it->out_rel) {
		free(it->rel);
		free(it->out_rel);
		return -ENOMEM;
	}
	if (xz)
		it->out_rel[strlen(rel) - strlen(".tar.xz")] = '\0';
	l->nr++;
	return 0;
}

static void items_free(struct item_list *l)
{
	for (size_t i = 0; i < l->nr; i++) {
		free(l->v[i].rel);
		free(l->v[i].out_rel);
	}
	free(l->v);
	memset(l, 0, sizeof(*l));
}

/* Collect .btf and .btf.tar.xz files below root/rel, in sorted order (stable tar layout).
 * Hidden entries are skipped; symlinks to files are followed, directory symlinks are not. */
static int walk(const char *root, const char *rel, int depth, struct item_list *l)
{
	struct dirent **ents = NULL;
	struct strbuf dir = STRBUF_INIT, child = STRBUF_INIT;
	int n, err = 0;

	if (depth > MAX_WALK_DEPTH)
		return 0;
	if (sb_addf(&dir, "%s%s%s", root, *rel ? "/" : "", rel))
		return -ENOMEM;
	n = scandir(dir.buf, &ents, NULL, alphasort);
	if (n < 0) {
		err = -errno;
		ecc_warn("btfgen: cannot read directory '%s': %s\n", dir.buf, strerror(errno));
		sb_free(&dir);
		return err;
	}
	for (int i = 0; i < n; i++) {
		const char *name = ents[i]->d_name;
		struct stat st, lst;

		if (err || name[0] == '.')
			continue;
		sb_reset(&child);
		if (sb_addf(&child, "%s/%s", dir.buf, name)) {
			err = -ENOMEM;
			continue;
		}
		if (lstat(child.buf, &lst) || stat(child.buf, &st))
			continue; /* dangling link or raced away: nothing to trim */
		sb_reset(&child);
		if (sb_addf(&child, "%s%s%s", rel, *rel ? "/" : "", name)) {
			err = -ENOMEM;
			continue;
		}
		if (S_ISDIR(st.st_mode) && !S_ISLNK(lst.st_mode))
			err = walk(root, child.buf, depth + 1, l);
		else if (S_ISREG(st.st_mode) &&
			 (has_suffix(name, BTF_SUFFIX) || has_suffix(name, XZ_SUFFIX)))
			err = items_add(l, child.buf);
	}
	for (int i = 0; i < n; i++)
		free(ents[i]);
	free(ents);
	sb_free(&dir);
	sb_free(&child);
	return err;
}

static bool is_executable_file(const char *path)
{
	struct stat st;

	return stat(path, &st) == 0 && S_ISREG(st.st_mode) && access(path, X_OK) == 0;
}

/* $BPFTOOL, else bpftool in $PATH, else the sbin directories a non-root PATH may lack. */
static char *find_bpftool(void)
{
	static const char *const fallbacks[] = {"/usr/sbin/bpftool", "/sbin/bpftool",
						"/usr/local/sbin/bpftool"};
	const char *env = getenv("BPFTOOL");
	char found[PATH_MAX];

	if (env && *env)
		return strdup(env);
	if (!eun_find_program("bpftool", found, sizeof(found)))
		return strdup(found);
	for (size_t i = 0; i < sizeof(fallbacks) / sizeof(fallbacks[0]); i++)
		if (is_executable_file(fallbacks[i]))
			return strdup(fallbacks[i]);
	return NULL;
}

/* In a worker: extract the single .btf member of an .btf.tar.xz into out_path. */
static int extract_xz(const char *xz_path, const char *out_path, FILE *log)
{
	struct archive *a = archive_read_new();
	struct archive_entry *ent;
	int fd = -1, r, err = -ENOENT;

	if (!a)
		return -ENOMEM;
	archive_read_support_filter_all(a);
	archive_read_support_format_all(a);
	if (archive_read_open_filename(a, xz_path, 64 * 1024) != ARCHIVE_OK) {
		fprintf(log, "cannot open '%s' as a .tar.xz archive: %s\n", xz_path,
			archive_error_string(a));
		archive_read_free(a);
		return -EINVAL;
	}
	while ((r = archive_read_next_header(a, &ent)) == ARCHIVE_OK) {
		const char *name = archive_entry_pathname(ent);
		char buf[64 * 1024];
		size_t total = 0;
		la_ssize_t got;

		if (archive_entry_filetype(ent) != AE_IFREG || !name ||
		    !has_suffix(name, BTF_SUFFIX))
			continue;
		fd = open(out_path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
		if (fd < 0) {
			err = -errno;
			fprintf(log, "cannot create '%s': %s\n", out_path, strerror(errno));
			break;
		}
		err = 0;
		while ((got = archive_read_data(a, buf, sizeof(buf))) > 0) {
			total += (size_t)got;
			if (total > MAX_BTF_SIZE) {
				fprintf(log, "'%s' in '%s' is larger than %u MiB\n", name, xz_path,
					MAX_BTF_SIZE >> 20);
				err = -EFBIG;
				break;
			}
			if (write(fd, buf, (size_t)got) != got) {
				fprintf(log, "cannot write '%s': %s\n", out_path, strerror(errno));
				err = -EIO;
				break;
			}
		}
		if (!err && got < 0) {
			fprintf(log, "cannot decompress '%s': %s\n", xz_path,
				archive_error_string(a));
			err = -EINVAL;
		}
		close(fd);
		break;
	}
	if (err == -ENOENT)
		fprintf(log, "'%s' holds no .btf file\n", xz_path);
	archive_read_free(a);
	return err;
}

static void tmp_path(struct strbuf *sb, const char *tmpdir, const char *kind, size_t i)
{
	sb_reset(sb);
	sb_addf(sb, "%s/%s-%zu.btf", tmpdir, kind, i);
}

/*
 * Start the worker for item i: it extracts the input if needed, then execs
 * `bpftool gen min_core_btf IN OUT OBJ` with stdout and stderr going to log-<i>.txt.
 */
static pid_t start_worker(const struct btfgen_opts *opts, const char *bpftool, const char *tmpdir,
			  size_t i, const struct btf_item *it)
{
	struct strbuf in = STRBUF_INIT, out = STRBUF_INIT, logp = STRBUF_INIT;
	pid_t pid;

	if (it->xz)
		tmp_path(&in, tmpdir, "in", i);
	else
		sb_addf(&in, "%s/%s", opts->archive_dir, it->rel);
	tmp_path(&out, tmpdir, "out", i);
	sb_addf(&logp, "%s/log-%zu.txt", tmpdir, i);
	if (!in.buf || !out.buf || !logp.buf) {
		pid = -1;
		errno = ENOMEM;
		goto out;
	}
	fflush(NULL);
	pid = fork();
	if (pid == 0) {
		int fd = open(logp.buf, O_WRONLY | O_CREAT | O_TRUNC, 0600);
		FILE *log;

		if (fd < 0)
			_exit(126);
		log = fdopen(fd, "w");
		if (!log)
			_exit(126);
		setvbuf(log, NULL, _IONBF, 0);
		if (it->xz) {
			struct strbuf xz = STRBUF_INIT;

			if (sb_addf(&xz, "%s/%s", opts->archive_dir, it->rel) ||
			    extract_xz(xz.buf, in.buf, log))
				_exit(125);
		}
		{
			char *argv[] = {
				(char *)bpftool,       "gen", "min_core_btf", in.buf, out.buf,
				(char *)opts->bpf_obj, NULL};
			int null = open("/dev/null", O_RDONLY);

			if (null >= 0)
				dup2(null, STDIN_FILENO);
			dup2(fd, STDOUT_FILENO);
			dup2(fd, STDERR_FILENO);
			execvp(bpftool, argv);
			fprintf(log, "cannot run '%s': %s\n", bpftool, strerror(errno));
			_exit(127);
		}
	}
out:
	sb_free(&in);
	sb_free(&out);
	sb_free(&logp);
	return pid;
}

static void show_worker_log(const char *tmpdir, size_t i)
{
	struct strbuf p = STRBUF_INIT, text = STRBUF_INIT;

	if (!sb_addf(&p, "%s/log-%zu.txt", tmpdir, i) && !eun_read_file(p.buf, 0, 1 << 20, &text))
		ecc_warn("%s", sb_str(&text));
	sb_free(&p);
	sb_free(&text);
}

/* Run the workers, at most `jobs` at a time. Returns 0 or the first failure. */
static int run_workers(const struct btfgen_opts *opts, const char *bpftool, const char *tmpdir,
		       struct item_list *l, int jobs)
{
	size_t next = 0, done = 0, running = 0;
	int err = 0;

	while (done < l->nr) {
		int status;
		pid_t pid;
		size_t i;

		while (!err && running < (size_t)jobs && next < l->nr) {
			pid = start_worker(opts, bpftool, tmpdir, next, &l->v[next]);
			if (pid < 0) {
				err = -errno;
				ecc_warn("btfgen: cannot start a worker: %s\n", strerror(errno));
				break;
			}
			if (opts->verbose)
				ecc_info("btfgen: %s gen min_core_btf %s/%s ... %s\n", bpftool,
					 opts->archive_dir, l->v[next].rel, opts->bpf_obj);
			l->v[next++].pid = pid;
			running++;
		}
		if (!running)
			break; /* an error stopped new workers and all old ones are reaped */
		pid = waitpid(-1, &status, 0);
		if (pid < 0) {
			if (errno == EINTR)
				continue;
			err = err ?: -errno;
			break;
		}
		for (i = 0; i < next && l->v[i].pid != pid; i++)
			;
		if (i == next)
			continue; /* not ours */
		l->v[i].pid = 0;
		running--;
		done++;
		if (WIFEXITED(status) && WEXITSTATUS(status) == 0) {
			ecc_warn("btfgen: [%zu/%zu] %s\n", done, l->nr, l->v[i].out_rel);
			continue;
		}
		ecc_warn("btfgen: bpftool gen min_core_btf failed for '%s' (%s %d):\n", l->v[i].rel,
			 WIFEXITED(status) ? "exit status" : "signal",
			 WIFEXITED(status) ? WEXITSTATUS(status) : WTERMSIG(status));
		show_worker_log(tmpdir, i);
		if (!err)
			err = -EIO;
	}
	return err;
}

/* Read the file at path into a new tar entry called name (a strbuf's text, so freed with
 * pkg_tar_entries_free()). */
static int tar_entry(struct pkg_tar_entry *e, const char *name, const char *path)
{
	struct strbuf sb = STRBUF_INIT;
	int err = eun_read_file(path, 0, 0, &sb);

	if (err) {
		ecc_warn("btfgen: cannot read '%s': %s\n", path, strerror(-err));
		sb_free(&sb);
		return err;
	}
	e->size = sb.len;
	e->data = sb_detach(&sb);
	e->path = strdup(name);
	return e->data && e->path ? 0 : -ENOMEM;
}

/* <out_tar>: btfhub-archive/<each trimmed BTF> and package.json, through packer's tar writer;
 * written next to the target and renamed, so a failure never leaves half a tar. */
static int write_tar(const struct btfgen_opts *opts, const char *tmpdir, const struct item_list *l)
{
	struct strbuf name = STRBUF_INIT, path = STRBUF_INIT, tmp = STRBUF_INIT;
	struct pkg_tar_entry *ents = calloc(l->nr + 1, sizeof(*ents));
	size_t n = 0;
	int err = ents && !sb_addf(&tmp, "%s.tmp.%d", opts->out_tar, (int)getpid()) ? 0 : -ENOMEM;

	for (; !err && n < l->nr; n++) {
		sb_reset(&name);
		tmp_path(&path, tmpdir, "out", n);
		if (sb_addf(&name, EUN_TAR_BTF_ARCHIVE "%s", l->v[n].out_rel) || !path.buf)
			err = -ENOMEM;
		else
			err = tar_entry(&ents[n], name.buf, path.buf);
	}
	if (!err)
		err = tar_entry(&ents[n++], EUN_TAR_PACKAGE, opts->package_path);
	if (!err) {
		err = pkg_tar_write(tmp.buf, ents, n);
		if (err)
			ecc_warn("btfgen: cannot write '%s': %s\n", opts->out_tar,
				 err == -EUNOMIA_ERR_ARCHIVE ? "libarchive failed"
							     : strerror(-err));
	}
	if (!err && rename(tmp.buf, opts->out_tar)) {
		err = -errno;
		ecc_warn("btfgen: cannot create '%s': %s\n", opts->out_tar, strerror(errno));
	}
	if (err && tmp.buf)
		unlink(tmp.buf);
	pkg_tar_entries_free(ents, n);
	sb_free(&name);
	sb_free(&path);
	sb_free(&tmp);
	return err;
}

static void remove_tmpdir(const char *tmpdir, size_t nr)
{
	struct strbuf p = STRBUF_INIT;
	static const char *const kinds[] = {"in", "out"};

	for (size_t i = 0; i < nr; i++) {
		for (size_t k = 0; k < 2; k++) {
			tmp_path(&p, tmpdir, kinds[k], i);
			if (p.buf)
				unlink(p.buf);
		}
		sb_reset(&p);
		if (!sb_addf(&p, "%s/log-%zu.txt", tmpdir, i))
			unlink(p.buf);
	}
	sb_free(&p);
	rmdir(tmpdir);
}

int btfgen_pack(const struct btfgen_opts *opts)
{
	struct item_list items = {0};
	char tmpdir[4096];
	const char *tmpbase = getenv("TMPDIR");
	char *bpftool = NULL;
	struct stat st;
	int jobs, err;

	if (!opts || !opts->bpf_obj || !opts->package_path || !opts->archive_dir || !opts->out_tar)
		return -EINVAL;
	if (stat(opts->archive_dir, &st) || !S_ISDIR(st.st_mode)) {
		ecc_warn(
			"btfgen: '%s' is not a directory; --btfhub-archive needs a btfhub-style tree "
			"(<id>/<version>/<arch>/<release>.btf[.tar.xz])\n",
			opts->archive_dir);
		return -ENOTDIR;
	}
	if (access(opts->bpf_obj, R_OK)) {
		err = -errno;
		ecc_warn("btfgen: cannot read BPF object '%s': %s\n", opts->bpf_obj,
			 strerror(errno));
		return err;
	}
	bpftool = find_bpftool();
	if (!bpftool) {
		ecc_warn("btfgen: bpftool not found in PATH or /usr/sbin; install it "
			 "(apt-get install bpftool) or set BPFTOOL=/path/to/bpftool\n");
		return -ENOENT;
	}
	err = walk(opts->archive_dir, "", 0, &items);
	if (err)
		goto out;
	if (!items.nr) {
		ecc_warn("btfgen: no .btf or .btf.tar.xz files under '%s' (expected "
			 "<id>/<version>/<arch>/<release>.btf, as in btfhub-archive)\n",
			 opts->archive_dir);
		err = -ENOENT;
		goto out;
	}
	jobs = opts->jobs > 0 ? opts->jobs : (int)sysconf(_SC_NPROCESSORS_ONLN);
	if (jobs < 1)
		jobs = 1;
	snprintf(tmpdir, sizeof(tmpdir), "%s/ecc-btfgen.XXXXXX",
		 tmpbase && *tmpbase ? tmpbase : "/tmp");
	if (!mkdtemp(tmpdir)) {
		err = -errno;
		ecc_warn("btfgen: cannot create a temporary directory '%s': %s\n", tmpdir,
			 strerror(errno));
		goto out;
	}
	ecc_warn("btfgen: trimming %zu kernel BTF file%s with %s (%d job%s)\n", items.nr,
		 items.nr == 1 ? "" : "s", bpftool, jobs, jobs == 1 ? "" : "s");
	err = run_workers(opts, bpftool, tmpdir, &items, jobs);
	if (!err)
		err = write_tar(opts, tmpdir, &items);
	remove_tmpdir(tmpdir, items.nr);
	if (!err)
		ecc_warn("btfgen: wrote %s (%zu BTF file%s + package.json)\n", opts->out_tar,
			 items.nr, items.nr == 1 ? "" : "s");
out:
	items_free(&items);
	free(bpftool);
	return err;
}
