/* SPDX-License-Identifier: MIT */
/*
 * Minimal-BTF cache: for a BPF object with CO-RE relocations, a BTF holding only the kernel
 * types those relocations touch (`bpftool gen min_core_btf`), given to libbpf as
 * bpf_object_open_opts.btf_custom_path, spares libbpf parsing the whole kernel BTF
 * (/sys/kernel/btf/vmlinux, ~5 MiB, 10-20 ms) on every start-up.
 *
 * Layout: <cache_dir>/<kernel-hash>/identity   the full kernel identity text (exact check)
 *         <cache_dir>/<kernel-hash>/<obj_sha256>.btf
 * The kernel identity is uname release, version and machine, the kernel BTF file's size,
 * mtime and inode, and the libbpf version; any change is a miss (never a stale entry).
 *
 * Entries are written only for objects that need the kernel BTF for nothing but CO-RE (no
 * fentry/fexit/lsm/struct_ops/freplace programs, no typed ksyms or kfuncs) and whose every
 * relocation target is a type of the kernel BTF itself (not of a module), so that the
 * relocations resolve exactly as they would against the full kernel BTF.
 */
#ifndef EUNOMIA_LOADER_BTFCACHE_H
#define EUNOMIA_LOADER_BTFCACHE_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

struct bpf_object;

#define EUN_BTFCACHE_KERNEL_BTF "/sys/kernel/btf/vmlinux"

struct eun_btfcache_opts {
	/* Kernel BTF the entries are made from and keyed on; NULL: /sys/kernel/btf/vmlinux. */
	const char *kernel_btf;
	/* Kernel identity text; NULL: computed (tests set it to simulate another kernel). */
	const char *kernel_id;
	/* bpftool executable (looked up in PATH); NULL: $EUNOMIA_BPFTOOL or "bpftool". */
	const char *bpftool;
};

/*
 * Default cache directory into buf: $EUNOMIA_BTF_CACHE_DIR when set, else
 * /var/cache/eunomia/btf for root, else $XDG_CACHE_HOME/eunomia/btf (~/.cache/...).
 * 0, -ENOENT (no home directory), -ENAMETOOLONG.
 */
int eun_btfcache__default_dir(char *buf, size_t size);

/* Kernel identity text (see above) into buf. 0 or -errno (kernel BTF missing). */
int eun_btfcache__kernel_id(const char *kernel_btf, char *buf, size_t size);

/*
 * A valid entry for this object (lower-case hex SHA-256 of the ELF) and this kernel: 0 and
 * its path in path. -ENOENT on a miss (store one after a successful load); -EOPNOTSUPP when
 * a store found this object not eligible on this kernel (do not store); -ENODEV when the
 * kernel BTF is missing; -EPERM for an entry not owned by us or writable by others (never
 * used); -ENAMETOOLONG for a too small buffer. Cheap: uname, 2 stats, 1 small read.
 */
int eun_btfcache__lookup(const char *cache_dir, const char *obj_sha256, char *path, size_t size);
int eun_btfcache__lookup_opts(const char *cache_dir, const char *obj_sha256, char *path,
			      size_t size, const struct eun_btfcache_opts *opts);

/*
 * Make the entry for this object now (synchronously): check the object is eligible, write it
 * to a temporary file, run `bpftool gen min_core_btf KERNEL_BTF OUT OBJ` (fork/exec, no
 * shell), check the result parses, rename it into place. 0 on success; -EOPNOTSUPP for an
 * object that must not use the cache (or gains nothing from it), recorded as <sha>.none so
 * that lookup says so next time; other -errno on failure (bpftool missing: -ENOENT). Leaves
 * no temporary files behind.
 */
int eun_btfcache__store(const char *cache_dir, const void *elf, size_t elf_sz,
			const char *obj_sha256);
int eun_btfcache__store_opts(const char *cache_dir, const void *elf, size_t elf_sz,
			     const char *obj_sha256, const struct eun_btfcache_opts *opts);

/*
 * The same, in a detached grandchild (double fork, lower priority, every inherited file
 * descriptor closed at once so that links and maps of the caller are not kept alive): the
 * caller waits only for the short-lived intermediate child (~1 ms) and never reaps anything.
 * 0 when started, -errno when fork failed.
 */
int eun_btfcache__store_async(const char *cache_dir, const void *elf, size_t elf_sz,
			      const char *obj_sha256, const struct eun_btfcache_opts *opts);

/*
 * Does this opened (not yet loaded) object need the kernel BTF for something other than CO-RE,
 * so that libbpf loads it whatever btf_custom_path says (libbpf 1.1 obj_needs_vmlinux_btf)?
 * True for an autoload program of type tracing (fentry/fexit/tp_btf/iter), lsm, struct_ops or
 * ext, and for typed ksym or kfunc externs. Such objects get no cache entry.
 */
bool eun_btfcache__needs_kernel_btf(const struct bpf_object *obj);

#endif
