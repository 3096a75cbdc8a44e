// SPDX-License-Identifier: MIT
/*
 * vmlinux.h from kernel BTF via libbpf's btf_dump, cached per architecture. The cache is written
 * atomically (temp file + rename) so that parallel ecc runs never see a half-written header; a
 * stamp file beside it records which BTF it came from.
 */
#include <bpf/btf.h>
#include <bpf/libbpf.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <unistd.h>

#include "common/fileio.h"
#include "common/util.h"
#include "common/strbuf.h"
#include "ecc/ecc.h"
#include "ecc/log.h"

#define SYS_BTF "/sys/kernel/btf/vmlinux"

const char *ecc_target_arch(void)
{
	static const struct {
		const char *prefix;
		const char *arch;
	} map[] = {
		{"x86_64", "x86"},
		{"i386", "x86"},
		{"i486", "x86"},
		{"i586", "x86"},
		{"i686", "x86"},
		{"aarch64", "arm64"},
		{"arm64", "arm64"},
		{"arm", "arm"},
		{"riscv", "riscv"},
		{"s390", "s390"},
		{"ppc", "powerpc"},
		{"powerpc", "powerpc"},
		{"loongarch", "loongarch"},
		{"mips", "mips"},
		{"sparc", "sparc"},
	};
	static char fallback[65];
	struct utsname u;

	if (uname(&u) < 0)
		return "x86";
	for (size_t i = 0; i < sizeof(map) / sizeof(map[0]); i++)
		if (!strncmp(u.machine, map[i].prefix, strlen(map[i].prefix)))
			return map[i].arch;
	snprintf(fallback, sizeof(fallback), "%s", u.machine);
	return fallback;
}

static void dump_printf(void *ctx, const char *fmt, va_list args)
{
	vfprintf(ctx, fmt, args);
}

int ecc_btf_dump_header(const struct btf *btf, const char *guard, FILE *out)
{
	struct btf_dump *d;
	__u32 n, id;
	int err = 0;

	d = btf_dump__new(btf, dump_printf, out, NULL);
	if (!d)
		return -errno;
	fprintf(out, "#ifndef %s\n#define %s\n\n", guard, guard);
	fprintf(out, "#ifndef BPF_NO_PRESERVE_ACCESS_INDEX\n"
		     "#pragma clang attribute push (__attribute__((preserve_access_index)), "
		     "apply_to = record)\n#endif\n\n");
	n = btf__type_cnt(btf);
	for (id = 1; id < n && !err; id++)
		err = btf_dump__dump_type(d, id);
	fprintf(out,
		"#ifndef BPF_NO_PRESERVE_ACCESS_INDEX\n#pragma clang attribute pop\n#endif\n\n");
	fprintf(out, "#endif /* %s */\n", guard);
	btf_dump__free(d);
	if (!err && ferror(out))
		err = -EIO;
	return err;
}

/* Whether the stamp file at path holds exactly stamp. */
static bool stamp_matches(const char *path, const char *stamp)
{
	struct strbuf old = STRBUF_INIT;
	bool same = !eun_read_file(path, 0, 1 << 16, &old) && !strcmp(sb_str(&old), stamp);

	sb_free(&old);
	return same;
}

/* Write the C header of btf to path atomically. */
static int write_header(const char *path, const struct btf *btf)
{
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);
	int err;

	if (!f)
		return -errno;
	err = ecc_btf_dump_header(btf, "__VMLINUX_H__", f);
	if (fclose(f) && !err)
		err = -errno;
	if (!err)
		err = eun_write_file_atomic(path, text, len, 0644);
	free(text);
	return err;
}

int ecc_vmlinux_header(const char *btf_path, bool verbose, char *path, size_t size)
{
	char dir[PATH_MAX], stamp_path[PATH_MAX], stamp[PATH_MAX + 128];
	char real[PATH_MAX];
	const char *base = getenv("XDG_DATA_HOME");
	struct utsname u;
	struct stat st;
	struct btf *btf;
	int err, lock_fd;

	if (!btf_path || !*btf_path)
		btf_path = getenv("ECC_VMLINUX_BTF");
	if (!btf_path || !*btf_path)
		btf_path = SYS_BTF;
	if (stat(btf_path, &st) < 0) {
		err = -errno;
		ecc_warn("ecc: %s: %s (need kernel BTF to generate vmlinux.h; pass --btf FILE)\n",
			 btf_path, strerror(-err));
		return err;
	}
	if (!realpath(btf_path, real))
		snprintf(real, sizeof(real), "%s", btf_path);
	if (uname(&u) < 0)
		return -errno;

	if (base && *base) {
		err = snprintf(dir, sizeof(dir), "%s/eunomia/vmlinux/%s", base, u.machine);
	} else {
		const char *home = getenv("HOME");

		if (!home || !*home)
			home = "/root";
		err = snprintf(dir, sizeof(dir), "%s/.local/share/eunomia/vmlinux/%s", home,
			       u.machine);
	}
	if (err >= (int)sizeof(dir) || snprintf(path, size, "%s/vmlinux.h", dir) >= (int)size ||
	    snprintf(stamp_path, sizeof(stamp_path), "%s/vmlinux.h.stamp", dir) >=
		    (int)sizeof(stamp_path))
		return -ENAMETOOLONG;
	snprintf(stamp, sizeof(stamp), "btf=%s size=%lld mtime=%lld release=%s\n", real,
		 (long long)st.st_size, (long long)st.st_mtime, u.release);

	if (stamp_matches(stamp_path, stamp) && access(path, R_OK) == 0) {
		if (verbose)
			ecc_info("ecc: using cached %s\n", path);
		return 0;
	}

	err = eun_mkdir_p(dir, 0755);
	if (err) {
		ecc_warn("ecc: cannot create %s: %s (set XDG_DATA_HOME to a writable dir)\n", dir,
			 strerror(-err));
		return err;
	}
	/*
	 * Parallel ecc runs on an empty cache: one generates, the others wait on the directory
	 * lock and then use its header, so vmlinux.h (whose inode names the PCH) is written once.
	 * Without the lock the cache still works; only the duplicate work comes back.
	 */
	lock_fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (lock_fd >= 0 && flock(lock_fd, LOCK_EX) == 0 && stamp_matches(stamp_path, stamp) &&
	    access(path, R_OK) == 0) {
		if (verbose)
			ecc_info("ecc: using cached %s\n", path);
		close(lock_fd);
		return 0;
	}
	btf = btf__parse(btf_path, NULL);
	if (!btf) {
		err = -errno;
		ecc_warn("ecc: %s: cannot parse BTF: %s\n", btf_path, strerror(-err));
		goto out;
	}
	if (verbose)
		ecc_info("ecc: generating %s from %s\n", path, btf_path);
	err = write_header(path, btf);
	btf__free(btf);
	if (!err)
		err = eun_write_file_atomic(stamp_path, stamp, strlen(stamp), 0644);
	if (err)
		ecc_warn("ecc: cannot write %s: %s\n", path, strerror(-err));
out:
	if (lock_fd >= 0)
		close(lock_fd); /* releases the lock */
	return err;
}
