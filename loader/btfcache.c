// SPDX-License-Identifier: MIT
/*
 * Minimal-BTF cache (see btfcache.h): lookup is a handful of syscalls on the start-up path;
 * store runs bpftool once per object and kernel, normally in a detached background process.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <unistd.h>

#include <gelf.h>
#include <libelf.h>

#include <bpf/btf.h>
#include <bpf/libbpf.h>
#include <linux/btf.h>

#include "common/fileio.h"
#include "common/strbuf.h"
#include "common/subprocess.h"
#include "common/util.h"
#include "loader/btfcache.h"

#define ID_MAX 1024

/* FNV-1a, 64 bit: names the per-kernel directory; the identity file makes the match exact. */
static uint64_t fnv1a64(const char *s)
{
	uint64_t h = 0xcbf29ce484222325ull;

	while (*s) {
		h ^= (unsigned char)*s++;
		h *= 0x100000001b3ull;
	}
	return h;
}

static bool is_sha256_hex(const char *s)
{
	size_t i;

	if (!s)
		return false;
	for (i = 0; i < 64; i++)
		if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')))
			return false;
	return s[64] == '\0';
}

int eun_btfcache__default_dir(char *buf, size_t size)
{
	const char *env = getenv("EUNOMIA_BTF_CACHE_DIR");
	const char *xdg, *home;
	int n;

	if (env && *env)
		n = snprintf(buf, size, "%s", env);
	else if (geteuid() == 0)
		n = snprintf(buf, size, "/var/cache/eunomia/btf");
	else if ((xdg = getenv("XDG_CACHE_HOME")) && *xdg == '/')
		n = snprintf(buf, size, "%s/eunomia/btf", xdg);
	else if ((home = getenv("HOME")) && *home == '/')
		n = snprintf(buf, size, "%s/.cache/eunomia/btf", home);
	else
		return -ENOENT;
	return n < 0 || (size_t)n >= size ? -ENAMETOOLONG : 0;
}

int eun_btfcache__kernel_id(const char *kernel_btf, char *buf, size_t size)
{
	struct utsname un;
	struct stat st;
	int n;

	if (!kernel_btf)
		kernel_btf = EUN_BTFCACHE_KERNEL_BTF;
	if (stat(kernel_btf, &st))
		return -errno;
	if (uname(&un))
		return -errno;
	n = snprintf(buf, size,
		     "release=%s\nversion=%s\nmachine=%s\nbtf=%s\nbtf_size=%lld\n"
		     "btf_mtime=%lld.%09ld\nbtf_ino=%llu:%llu\nlibbpf=%u.%u\n",
		     un.release, un.version, un.machine, kernel_btf, (long long)st.st_size,
		     (long long)st.st_mtim.tv_sec, st.st_mtim.tv_nsec,
		     (unsigned long long)st.st_dev, (unsigned long long)st.st_ino,
		     libbpf_major_version(), libbpf_minor_version());
	return n < 0 || (size_t)n >= size ? -ENAMETOOLONG : 0;
}

static int get_id(const struct eun_btfcache_opts *opts, char *buf, size_t size)
{
	const char *kbtf = opts && opts->kernel_btf ? opts->kernel_btf : EUN_BTFCACHE_KERNEL_BTF;

	if (opts && opts->kernel_id) {
		int n = snprintf(buf, size, "%s", opts->kernel_id);

		return n < 0 || (size_t)n >= size ? -ENAMETOOLONG : 0;
	}
	return eun_btfcache__kernel_id(kbtf, buf, size);
}

/* Entries must be ours and not writable by anybody else: never feed libbpf a planted file. */
static int trusted(const struct stat *st)
{
	if (st->st_uid != geteuid() || (st->st_mode & (S_IWGRP | S_IWOTH)))
		return -EPERM;
	return 0;
}

/* Read the whole (small) file at path into buf (NUL-terminated); never through a symlink. */
static int read_small(const char *path, char *buf, size_t size, struct stat *st)
{
	struct strbuf sb = STRBUF_INIT;
	int fd, err;

	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0)
		return -errno;
	err = fstat(fd, st) ? -errno : eun_read_fd(fd, size - 1, &sb);
	close(fd);
	if (!err)
		memcpy(buf, sb_str(&sb), sb.len + 1);
	sb_free(&sb);
	return err;
}

int eun_btfcache__lookup_opts(const char *cache_dir, const char *obj_sha256, char *path,
			      size_t size, const struct eun_btfcache_opts *opts)
{
	char id[ID_MAX], have[ID_MAX], idpath[PATH_MAX];
	struct stat st;
	uint64_t h;
	int err, n;

	if (!cache_dir || !is_sha256_hex(obj_sha256) || !path)
		return -EINVAL;
	err = get_id(opts, id, sizeof(id));
	if (err)
		return err == -ENOENT ? -ENODEV : err;
	h = fnv1a64(id);
	n = snprintf(idpath, sizeof(idpath), "%s/%016llx/identity", cache_dir,
		     (unsigned long long)h);
	if (n < 0 || (size_t)n >= sizeof(idpath))
		return -ENAMETOOLONG;
	err = read_small(idpath, have, sizeof(have), &st);
	if (err)
		return err == -EFBIG ? -ENOENT : err;
	if (trusted(&st))
		return -EPERM;
	if (strcmp(have, id))
		return -ENOENT; /* another kernel with the same hash: treat as a miss */
	n = snprintf(path, size, "%s/%016llx/%s.btf", cache_dir, (unsigned long long)h, obj_sha256);
	if (n < 0 || (size_t)n >= size)
		return -ENAMETOOLONG;
	if (lstat(path, &st) == 0) {
		if (!S_ISREG(st.st_mode) || st.st_size == 0)
			return -ENOENT;
		return trusted(&st);
	}
	if (errno != ENOENT)
		return -errno;
	/* "<sha>.none": known not to benefit; do not try to store it again */
	n = snprintf(path, size, "%s/%016llx/%s.none", cache_dir, (unsigned long long)h,
		     obj_sha256);
	if (n < 0 || (size_t)n >= size)
		return -ENAMETOOLONG;
	err = lstat(path, &st) == 0 && S_ISREG(st.st_mode) && !trusted(&st) ? -EOPNOTSUPP : -ENOENT;
	path[0] = '\0';
	return err;
}

int eun_btfcache__lookup(const char *cache_dir, const char *obj_sha256, char *path, size_t size)
{
	return eun_btfcache__lookup_opts(cache_dir, obj_sha256, path, size, NULL);
}

/* ---- eligibility --------------------------------------------------------------------- */

bool eun_btfcache__needs_kernel_btf(const struct bpf_object *cobj)
{
	struct bpf_program *prog;
	/* libbpf's iterators take a non-const object but do not modify it */
	struct bpf_object *obj = (struct bpf_object *)cobj;
	struct btf *btf;
	__u32 i, nr;

	bpf_object__for_each_program(prog, obj) {
		enum bpf_prog_type t = bpf_program__type(prog);

		if (!bpf_program__autoload(prog))
			continue;
		if (t == BPF_PROG_TYPE_TRACING || t == BPF_PROG_TYPE_LSM ||
		    t == BPF_PROG_TYPE_STRUCT_OPS || t == BPF_PROG_TYPE_EXT)
			return true;
	}
	btf = bpf_object__btf(obj);
	if (!btf)
		return false;
	/* .ksyms: a kfunc, or a variable with a type (an untyped `void` ksym is fine) */
	nr = btf__type_cnt(btf);
	for (i = 1; i < nr; i++) {
		const struct btf_type *t = btf__type_by_id(btf, i);
		const struct btf_var_secinfo *vs;
		const char *name;

		if (!btf_is_datasec(t))
			continue;
		name = btf__name_by_offset(btf, t->name_off);
		if (!name || strcmp(name, ".ksyms"))
			continue;
		vs = btf_var_secinfos(t);
		for (__u16 j = 0; j < btf_vlen(t); j++, vs++) {
			const struct btf_type *v = btf__type_by_id(btf, vs->type);

			if (!v || btf_is_func(v) || (btf_is_var(v) && v->type != 0))
				return true;
		}
	}
	return false;
}

/* The part of struct btf_ext_header (uapi-stable layout) we read. */
struct ext_hdr {
	__u16 magic;
	__u8 version;
	__u8 flags;
	__u32 hdr_len;
	__u32 func_info_off, func_info_len;
	__u32 line_info_off, line_info_len;
	__u32 core_relo_off, core_relo_len;
};

struct core_relo {
	__u32 insn_off, type_id, access_str_off, kind;
};

#define CORE_TYPE_ID_LOCAL 6 /* enum bpf_core_relo_kind */

/* Name without a "___flavor" suffix, as libbpf matches CO-RE candidates. */
static size_t essential_len(const char *name)
{
	const char *p = strstr(name, "___");

	return p ? (size_t)(p - name) : strlen(name);
}

/* Copy of the object's .BTF.ext section (malloc'd) into *out; -ENOENT when it has none. */
static int read_btf_ext(const void *elf, size_t elf_sz, void **out, size_t *out_sz)
{
	size_t shstrndx;
	Elf_Scn *scn = NULL;
	Elf *e;
	int err = -ENOENT;

	if (elf_version(EV_CURRENT) == EV_NONE)
		return -EINVAL;
	e = elf_memory((char *)elf, elf_sz); /* read-only use */
	if (!e)
		return -EINVAL;
	if (elf_getshdrstrndx(e, &shstrndx)) {
		err = -EINVAL;
		goto out;
	}
	while ((scn = elf_nextscn(e, scn))) {
		GElf_Shdr sh;
		const char *name;
		Elf_Data *d;

		if (!gelf_getshdr(scn, &sh))
			continue;
		name = elf_strptr(e, shstrndx, sh.sh_name);
		if (!name || strcmp(name, ".BTF.ext"))
			continue;
		d = elf_getdata(scn, NULL);
		if (!d || !d->d_buf || !d->d_size)
			break;
		*out = malloc(d->d_size);
		if (!*out) {
			err = -ENOMEM;
			break;
		}
		memcpy(*out, d->d_buf, d->d_size);
		*out_sz = d->d_size;
		err = 0;
		break;
	}
out:
	elf_end(e);
	return err;
}

/* Does the kernel BTF have a type NAME of a kind libbpf would take as a CO-RE candidate? */
static bool kernel_has(const struct btf *kbtf, const char *name, __u16 kind)
{
	switch (kind) {
	case BTF_KIND_FWD: /* a local forward declaration matches a struct or union */
	case BTF_KIND_STRUCT:
	case BTF_KIND_UNION:
		return btf__find_by_name_kind(kbtf, name, BTF_KIND_STRUCT) >= 0 ||
		       btf__find_by_name_kind(kbtf, name, BTF_KIND_UNION) >= 0 ||
		       (kind != BTF_KIND_FWD && btf__find_by_name_kind(kbtf, name, kind) >= 0);
	case BTF_KIND_ENUM:
	case BTF_KIND_ENUM64:
		return btf__find_by_name_kind(kbtf, name, BTF_KIND_ENUM) >= 0 ||
		       btf__find_by_name_kind(kbtf, name, BTF_KIND_ENUM64) >= 0;
	default:
		return btf__find_by_name_kind(kbtf, name, kind) >= 0;
	}
}

/*
 * Every CO-RE relocation of the object at obj_path targets a named type that the kernel BTF
 * itself has (same essential name and kind). A target found only in a module's BTF (libbpf
 * looks there when vmlinux has no candidate) or nowhere would resolve differently with a
 * custom BTF, so such objects are not cached. 0: ok (has relocations, all covered);
 * -EOPNOTSUPP: no relocations or not all covered; other -errno.
 */
static int check_relocs(const char *obj_path, const void *elf, size_t elf_sz,
			const char *kernel_btf)
{
	struct btf *btf, *kbtf = NULL;
	const struct ext_hdr *h;
	const __u8 *p, *end;
	void *raw = NULL;
	size_t raw_sz = 0;
	__u32 rec_sz, nrelo = 0;
	int err;

	err = read_btf_ext(elf, elf_sz, &raw, &raw_sz);
	if (err)
		return err == -ENOENT ? -EOPNOTSUPP : err;
	btf = btf__parse_elf(obj_path, NULL);
	if (!btf) {
		err = -errno;
		free(raw);
		return err;
	}
	err = -EOPNOTSUPP;
	h = raw;
	if (raw_sz < sizeof(*h) || h->hdr_len < sizeof(*h) || h->core_relo_len < 4 ||
	    (__u64)h->hdr_len + h->core_relo_off + h->core_relo_len > raw_sz)
		goto out;
	kbtf = btf__parse(kernel_btf, NULL);
	if (!kbtf) {
		err = -errno;
		goto out;
	}
	p = (const __u8 *)raw + h->hdr_len + h->core_relo_off;
	end = p + h->core_relo_len;
	memcpy(&rec_sz, p, 4);
	p += 4;
	if (rec_sz < sizeof(struct core_relo))
		goto out;
	while (p + 8 <= end) {
		__u32 sec[2];

		memcpy(sec, p, 8);
		p += 8;
		if ((__u64)sec[1] * rec_sz > (__u64)(end - p))
			goto out;
		for (__u32 i = 0; i < sec[1]; i++, p += rec_sz) {
			const struct btf_type *t;
			struct core_relo r;
			char name[256];
			const char *n;
			size_t len;

			memcpy(&r, p, sizeof(r));
			if (r.kind == CORE_TYPE_ID_LOCAL)
				continue;
			t = btf__type_by_id(btf, r.type_id);
			n = t ? btf__name_by_offset(btf, t->name_off) : NULL;
			if (!n || !*n)
				goto out; /* anonymous target: not ours to judge */
			len = essential_len(n);
			if (len >= sizeof(name))
				goto out;
			memcpy(name, n, len);
			name[len] = '\0';
			if (!kernel_has(kbtf, name, btf_kind(t)))
				goto out;
			nrelo++;
		}
	}
	err = nrelo ? 0 : -EOPNOTSUPP;
out:
	btf__free(kbtf);
	btf__free(btf);
	free(raw);
	return err;
}

/* Open the object (not load) just to see what else it needs the kernel BTF for. */
static int check_programs(const void *elf, size_t elf_sz)
{
	struct bpf_object *obj;
	bool needs;

	obj = bpf_object__open_mem(elf, elf_sz, NULL);
	if (!obj)
		return -errno;
	needs = eun_btfcache__needs_kernel_btf(obj);
	bpf_object__close(obj);
	return needs ? -EOPNOTSUPP : 0;
}

/* ---- store --------------------------------------------------------------------------- */

/* Write data to a new temporary file from template tmpl (modified), 0644. */
static int write_tmp(char *tmpl, int suffixlen, const void *data, size_t size)
{
	int fd, err;

	fd = mkstemps(tmpl, suffixlen);
	if (fd < 0)
		return -errno;
	err = eun_write_all(fd, data, size);
	if (!err && fchmod(fd, 0644))
		err = -errno;
	if (close(fd) && !err)
		err = -errno;
	if (err)
		unlink(tmpl);
	return err;
}

/* <dir>/identity holds id: create it (atomically) or check it. */
static int ensure_identity(const char *kdir, const char *id)
{
	char path[PATH_MAX], tmp[PATH_MAX], have[ID_MAX];
	struct stat st;
	int err;

	if (eun_pathf(path, sizeof(path), "%s/identity", kdir) ||
	    eun_pathf(tmp, sizeof(tmp), "%s/.identity-XXXXXX", kdir))
		return -ENAMETOOLONG;
	err = read_small(path, have, sizeof(have), &st);
	if (!err)
		return trusted(&st) ? -EPERM : strcmp(have, id) ? -EEXIST : 0;
	if (err != -ENOENT)
		return err;
	err = write_tmp(tmp, 0, id, strlen(id));
	if (err)
		return err;
	if (rename(tmp, path)) {
		err = -errno;
		unlink(tmp);
	}
	return err;
}

int eun_btfcache__store_opts(const char *cache_dir, const void *elf, size_t elf_sz,
			     const char *obj_sha256, const struct eun_btfcache_opts *opts)
{
	const char *kbtf = opts && opts->kernel_btf ? opts->kernel_btf : EUN_BTFCACHE_KERNEL_BTF;
	const char *tool = opts && opts->bpftool ? opts->bpftool : getenv("EUNOMIA_BPFTOOL");
	char id[ID_MAX], kdir[PATH_MAX], obj[PATH_MAX], out[PATH_MAX], final[PATH_MAX];
	struct strbuf cout = STRBUF_INIT, cerr = STRBUF_INIT;
	struct subprocess_opts so = {.out = &cout, .err = &cerr};
	struct btf *check;
	int err, n;

	if (!cache_dir || !elf || !elf_sz || !is_sha256_hex(obj_sha256))
		return -EINVAL;
	if (!tool || !*tool)
		tool = "bpftool";
	err = get_id(opts, id, sizeof(id));
	if (err)
		return err;
	n = snprintf(kdir, sizeof(kdir), "%s/%016llx", cache_dir, (unsigned long long)fnv1a64(id));
	if (n < 0 || (size_t)n + 80 >= sizeof(kdir))
		return -ENAMETOOLONG;
	err = eun_mkdir_p(kdir, geteuid() == 0 ? 0755 : 0700);
	if (err)
		return err;
	err = ensure_identity(kdir, id);
	if (err)
		return err;
	err = check_programs(elf, elf_sz);
	if (err)
		goto out_none;

	if (eun_pathf(obj, sizeof(obj), "%s/.obj-XXXXXX.o", kdir) ||
	    eun_pathf(out, sizeof(out), "%s/.min-XXXXXX.btf", kdir) ||
	    eun_pathf(final, sizeof(final), "%s/%s.btf", kdir, obj_sha256))
		return -ENAMETOOLONG;
	err = write_tmp(obj, 2, elf, elf_sz);
	if (err)
		return err;
	err = write_tmp(out, 4, "", 0);
	if (err)
		goto out_obj;
	err = check_relocs(obj, elf, elf_sz, kbtf);
	if (err) {
		unlink(out);
		unlink(obj);
		goto out_none;
	}
	{
		const char *argv[] = {tool, "gen", "min_core_btf", kbtf, out, obj, NULL};

		n = subprocess_run(argv, &so);
	}
	if (n < 0) {
		err = n;
		goto out_btf;
	}
	if (n > 0) {
		err = -EIO;
		goto out_btf;
	}
	check = btf__parse(out, NULL);
	if (!check) {
		err = -errno ?: -EINVAL;
		goto out_btf;
	}
	btf__free(check);
	if (rename(out, final))
		err = -errno;
	else
		out[0] = '\0';
out_btf:
	if (out[0])
		unlink(out);
out_obj:
	unlink(obj);
	sb_free(&cout);
	sb_free(&cerr);
	return err;

out_none:
	sb_free(&cout);
	sb_free(&cerr);
	/* remember "not eligible" so that later runs do not try again */
	if (err == -EOPNOTSUPP && !eun_pathf(final, sizeof(final), "%s/.none-XXXXXX", kdir) &&
	    !eun_pathf(out, sizeof(out), "%s/%s.none", kdir, obj_sha256)) {
		if (write_tmp(final, 0, "", 0) == 0) {
			if (rename(final, out))
				unlink(final);
		}
	}
	return err;
}

int eun_btfcache__store(const char *cache_dir, const void *elf, size_t elf_sz,
			const char *obj_sha256)
{
	return eun_btfcache__store_opts(cache_dir, elf, elf_sz, obj_sha256, NULL);
}

int eun_btfcache__store_async(const char *cache_dir, const void *elf, size_t elf_sz,
			      const char *obj_sha256, const struct eun_btfcache_opts *opts)
{
	int sync[2], status;
	pid_t pid, w;

	if (!cache_dir || !elf || !elf_sz || !is_sha256_hex(obj_sha256))
		return -EINVAL;
	/* the intermediate child returns only once the worker holds none of our descriptors */
	if (pipe2(sync, O_CLOEXEC))
		return -errno;
	pid = fork();
	if (pid < 0) {
		int err = -errno;

		close(sync[0]);
		close(sync[1]);
		return err;
	}
	if (pid == 0) {
		char c;
		int fd;

		if (fork() != 0) {
			/* intermediate child: wait for the worker to drop every inherited fd */
			close(sync[1]);
			while (read(sync[0], &c, 1) < 0 && errno == EINTR)
				;
			_exit(0);
		}
		/* worker: keep none of the caller's links, maps, pipes or terminal */
		close_range(3, ~0u, 0);
		fd = open("/dev/null", O_RDWR | O_CLOEXEC);
		if (fd >= 0) {
			dup2(fd, STDIN_FILENO);
			dup2(fd, STDOUT_FILENO);
			dup2(fd, STDERR_FILENO);
			close(fd);
		}
		setsid();
		setpriority(PRIO_PROCESS, 0, 10);
		libbpf_set_print(NULL);
		_exit(eun_btfcache__store_opts(cache_dir, elf, elf_sz, obj_sha256, opts) ? 1 : 0);
	}
	close(sync[0]);
	close(sync[1]);
	do
		w = waitpid(pid, &status, 0);
	while (w < 0 && errno == EINTR);
	return w < 0 ? -errno : 0;
}
