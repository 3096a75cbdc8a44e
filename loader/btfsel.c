// SPDX-License-Identifier: MIT
/*
 * Which BTF libbpf relocates against: the caller's file, BTF_FILE_PATH, the kernel's own,
 * the package's btfhub-archive entry for this distribution and kernel, or a cached minimal
 * BTF (btfcache.c) standing in for the kernel's; and the glue that drops a cached entry that
 * made the load fail and reopens the object without it.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/utsname.h>
#include <unistd.h>

#include <bpf/libbpf.h>

#include "loader/btfcache.h"
#include "loader/internal.h"

/* Value of KEY= in an os-release file, unquoted, into buf; 0 or -ENOENT. */
static int os_release_get(const char *path, const char *key, char *buf, size_t size)
{
	char line[512];
	size_t klen = strlen(key);
	FILE *f = fopen(path, "re");
	int err = -ENOENT;

	if (!f)
		return -errno;
	while (fgets(line, sizeof(line), f)) {
		char *v, *e;

		if (strncmp(line, key, klen) || line[klen] != '=')
			continue;
		v = line + klen + 1;
		v[strcspn(v, "\r\n")] = '\0';
		if (*v == '"' || *v == '\'') {
			char q = *v++;

			e = strchr(v, q);
			if (e)
				*e = '\0';
		}
		snprintf(buf, size, "%s", v);
		err = 0;
		break;
	}
	fclose(f);
	return err;
}

/*
 * Hand libbpf an archive entry by path without writing it anywhere: an anonymous memory file,
 * named by /proc/self/fd/N, open until the runner is freed (libbpf reads it again at load).
 */
static int stage_btf(struct eunomia_runner *r, const struct eun_archive_file *af)
{
	char path[64];
	size_t off = 0;
	int fd;

	fd = memfd_create("eunomia-btf", MFD_CLOEXEC);
	if (fd < 0)
		return -errno;
	while (off < af->size) {
		ssize_t w = write(fd, (const char *)af->data + off, af->size - off);

		if (w < 0) {
			int err = -errno;

			close(fd);
			return err;
		}
		off += (size_t)w;
	}
	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	r->btf_tmp_path = strdup(path);
	if (!r->btf_tmp_path) {
		close(fd);
		return -ENOMEM;
	}
	r->btf_tmp_fd = fd;
	return 0;
}

static int select_btf(struct eunomia_runner *r, const char **custom)
{
	const char *kbtf = r->opts.kernel_btf_path ?: "/sys/kernel/btf/vmlinux";
	const char *osr = getenv("EUNOMIA_OS_RELEASE");
	const struct eun_archive_file *af;
	char id[64] = "", ver[64] = "", rel[512];
	struct utsname un;
	const char *env;
	int err;

	*custom = NULL;
	if (r->opts.btf_path) {
		*custom = r->opts.btf_path;
		return 0;
	}
	env = getenv("BTF_FILE_PATH");
	if (env && *env) {
		*custom = env;
		return 0;
	}
	if (access(kbtf, R_OK) == 0)
		return 0; /* the kernel's own BTF wins over any archive */
	if (!eunomia_package__has_btf_archive(r->pkg)) {
		eun_warn(&r->log,
			 "this kernel has no BTF (%s is missing) and the package carries no "
			 "btfhub-archive; CO-RE relocations may fail: set BTF_FILE_PATH or rebuild "
			 "the package with `ecc --btfgen`",
			 kbtf);
		return 0;
	}
	if (!osr || !*osr)
		osr = access("/etc/os-release", R_OK) == 0 ? "/etc/os-release"
							   : "/usr/lib/os-release";
	os_release_get(osr, "ID", id, sizeof(id));
	os_release_get(osr, "VERSION_ID", ver, sizeof(ver));
	uname(&un);
	snprintf(rel, sizeof(rel), "%s/%s/%s/%s.btf", id, ver, un.machine, un.release);
	af = eun_package__archive_find(r->pkg, rel);
	if (!af) {
		eun_warn(
			&r->log,
			"no BTF for this kernel: %s is missing and the package's btfhub-archive has "
			"no %s (distro '%s' version '%s', arch %s, release %s); set BTF_FILE_PATH "
			"to a BTF file for this kernel or rebuild with a matching --btfhub-archive",
			kbtf, rel, id, ver, un.machine, un.release);
		return -EUNOMIA_ERR_NO_BTF;
	}
	err = stage_btf(r, af);
	if (err)
		return err;
	eun_info(&r->log, "kernel BTF missing: using %s from the package's btfhub-archive", rel);
	*custom = r->btf_tmp_path;
	return 0;
}

static bool btf_cache_disabled(const struct eunomia_runner *r)
{
	const char *env = getenv("EUNOMIA_NO_BTF_CACHE");

	return r->opts.no_btf_cache || (env && *env && strcmp(env, "0"));
}

/*
 * Kernel BTF in use and no BTF chosen by the user: a cached minimal BTF for this object
 * (keyed by the package digest and the kernel identity) spares libbpf the kernel BTF.
 * A hit sets btf_cache_path (and btf_cache_dir); a miss sets btf_cache_dir alone: the entry
 * is made when the caller asks for it after a successful load (eunomia_runner__fill_btf_cache).
 */
static void btf_cache_open(struct eunomia_runner *r, const char **custom)
{
	struct eun_btfcache_opts co = {.kernel_btf = r->opts.kernel_btf_path};
	const char *sha = eunomia_package__sha256(r->pkg);
	char dir[PATH_MAX], path[PATH_MAX];
	int err;

	if (btf_cache_disabled(r))
		return;
	if (r->opts.btf_cache_dir)
		snprintf(dir, sizeof(dir), "%s", r->opts.btf_cache_dir);
	else if (eun_btfcache__default_dir(dir, sizeof(dir)))
		return;
	err = eun_btfcache__lookup_opts(dir, sha, path, sizeof(path), &co);
	if (err == 0) {
		r->btf_cache_path = strdup(path);
		if (!r->btf_cache_path)
			return;
		*custom = r->btf_cache_path;
		eun_debug(&r->log, "using the cached minimal BTF %s", path);
	} else if (err == -ENOENT) {
		r->btf_cache_dir = strdup(dir);
	} else if (err != -EOPNOTSUPP) {
		eun_debug(&r->log, "minimal-BTF cache %s not used: %s", dir, strerror(-err));
	}
}

int eun_btfsel__choose(struct eunomia_runner *r, const char **custom)
{
	int err = select_btf(r, custom);

	if (!err && !*custom)
		btf_cache_open(r, custom);
	return err;
}

/* After a successful load with a cache hit or a kernel BTF libbpf parses anyway: no store. */
void eun_btfsel__loaded(struct eunomia_runner *r)
{
	if (r->btf_cache_dir && (r->btf_cache_path || eun_btfcache__needs_kernel_btf(r->obj))) {
		/* a hit needs no store; and when libbpf loads the kernel BTF anyway (fentry, lsm,
		 * typed ksyms...) a minimal BTF gains nothing */
		free(r->btf_cache_dir);
		r->btf_cache_dir = NULL;
	}
}

int eunomia_runner__fill_btf_cache(struct eunomia_runner *r)
{
	struct eun_btfcache_opts co;
	const void *elf;
	size_t size;
	int err;

	if (!r)
		return -EINVAL;
	if (r->state == EUN_STATE_OPENED || !r->btf_cache_dir)
		return 0;
	co = (struct eun_btfcache_opts){.kernel_btf = r->opts.kernel_btf_path};
	elf = eunomia_package__elf(r->pkg, &size);
	err = eun_btfcache__store_async(r->btf_cache_dir, elf, size,
					eunomia_package__sha256(r->pkg), &co);
	if (err)
		eun_debug(&r->log, "cannot fill the minimal-BTF cache: %s", strerror(-err));
	free(r->btf_cache_dir);
	r->btf_cache_dir = NULL;
	return err;
}

/*
 * The cached entry made the load fail: never use it again for this object on this kernel
 * ("<sha>.none" beside it tells lookup so) and forget it.
 */
static void btf_cache_reject(struct eunomia_runner *r)
{
	char none[PATH_MAX];
	size_t len = strlen(r->btf_cache_path);
	int fd;

	if (len > 4 && !strcmp(r->btf_cache_path + len - 4, ".btf") && len < sizeof(none)) {
		memcpy(none, r->btf_cache_path, len - 4);
		snprintf(none + len - 4, sizeof(none) - (len - 4), ".none");
		unlink(r->btf_cache_path);
		fd = open(none, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, 0644);
		if (fd >= 0)
			close(fd);
	}
	free(r->btf_cache_path);
	r->btf_cache_path = NULL;
	free(r->btf_cache_dir);
	r->btf_cache_dir = NULL;
}

/* Carry what was set on the first object over to its reopened twin. */
static void copy_settings(struct bpf_object *old, struct bpf_object *obj, bool keep_autoload)
{
	struct bpf_program *p, *q;
	struct bpf_map *m, *n;

	bpf_object__for_each_program(p, old) {
		q = bpf_object__find_program_by_name(obj, bpf_program__name(p));
		if (q && keep_autoload)
			bpf_program__set_autoload(q, bpf_program__autoload(p));
	}
	bpf_object__for_each_map(m, old) {
		const void *data;
		size_t sz;

		n = bpf_object__find_map_by_name(obj, bpf_map__name(m));
		if (!n)
			continue;
		if (bpf_map__max_entries(n) != bpf_map__max_entries(m))
			bpf_map__set_max_entries(n, bpf_map__max_entries(m));
		if (bpf_map__value_size(n) != bpf_map__value_size(m))
			bpf_map__set_value_size(n, bpf_map__value_size(m));
		data = bpf_map__initial_value(m, &sz);
		if (data && sz)
			bpf_map__set_initial_value(n, data, sz);
	}
}

/*
 * Load failed while a cached minimal BTF stood in for the kernel BTF: open the object again
 * without it, carry over what was set on the first one (program selection, map sizes, the
 * argument values in the data sections), and load that. The cache must never cost a run.
 */
int eun_btfsel__reopen(struct eunomia_runner *r, const char *custom, bool keep_autoload)
{
	struct bpf_object *old = r->obj, *obj;
	size_t i;
	int err;

	obj = eun_runner__open_object(r, custom, &err);
	if (!obj)
		return err;
	copy_settings(old, obj, keep_autoload);
	for (i = 0; i < r->nr_args; i++)
		if (r->args[i].map)
			r->args[i].map =
				bpf_object__find_map_by_name(obj, bpf_map__name(r->args[i].map));
	eun_explain__release(r);
	bpf_object__close(old);
	r->obj = obj;
	r->btf_custom = custom;
	return 0;
}

int eun_btfsel__reload_without_cache(struct eunomia_runner *r)
{
	struct eunomia_runner *prev;
	int err;

	eun_info(&r->log,
		 "%s: loading with the cached minimal BTF %s failed; dropping that entry and "
		 "loading with the kernel BTF instead",
		 eunomia_package__name(r->pkg), r->btf_cache_path);
	prev = eun_print__enter(r);
	err = eun_btfsel__reopen(r, NULL, true);
	if (err) {
		eun_print__leave(prev);
		return err;
	}
	btf_cache_reject(r);
	err = eun_explain__prepare(r);
	if (!err) {
		sb_reset(r->held);
		eun_attach__prepare(r);
		err = bpf_object__load(r->obj);
	}
	eun_print__leave(prev);
	return err;
}

void eun_btfsel__free(struct eunomia_runner *r)
{
	if (r->btf_tmp_fd >= 0)
		close(r->btf_tmp_fd);
	free(r->btf_tmp_path);
	free(r->btf_cache_path);
	free(r->btf_cache_dir);
}
