// SPDX-License-Identifier: MIT
/*
 * ecc -s/--standalone: write one executable that runs a package with no other files.
 *
 * Layout (read back by ecli/standalone.c; constants in packer/format.h,
 * docs/package-format.md §6.3):
 *
 *	[ the ecli ELF executable, unchanged ]
 *	[ the package bytes: package.json, package.yaml or a btfgen .tar ]
 *	[ trailer, 32 bytes: u64 LE offset of the package, u64 LE size of the package,
 *	  16-byte magic "EUNOMIA-PKG-0001" ]
 *
 * The kernel's ELF loader only maps what the program headers name, so bytes appended after
 * the ELF are ignored at exec time; `strip` would drop them, so the result must not be
 * stripped.
 */
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/strbuf.h"
#include "common/fileio.h"
#include "ecc/ecc.h"
#include "ecc/log.h"
#include "packer/format.h"

#define STANDALONE_MAGIC     EUN_STANDALONE_MAGIC
#define STANDALONE_MAGIC_LEN EUN_STANDALONE_MAGIC_LEN
#define STANDALONE_TRAILER   EUN_STANDALONE_TRAILER
#define MAX_PACKAGE_SIZE     EUN_PKG_MAX_SIZE
#define MAX_ECLI_SIZE	     (512u << 20)

static void put_le64(unsigned char *p, uint64_t v)
{
	for (int i = 0; i < 8; i++)
		p[i] = (unsigned char)(v >> (8 * i));
}

static uint64_t get_le64(const unsigned char *p)
{
	uint64_t v = 0;

	for (int i = 7; i >= 0; i--)
		v = (v << 8) | p[i];
	return v;
}

/* The ecli to embed: $EUNOMIA_ECLI, else `ecli` in the directory of this ecc. */
static char *find_ecli(void)
{
	const char *env = getenv("EUNOMIA_ECLI");
	char self[PATH_MAX];
	ssize_t n;

	if (env && *env)
		return strdup(env);
	n = readlink("/proc/self/exe", self, sizeof(self) - 1);
	if (n <= 0)
		return NULL;
	self[n] = '\0';
	{
		struct strbuf sb = STRBUF_INIT;

		if (sb_addf(&sb, "%s/ecli", dirname(self)))
			return NULL;
		return sb_detach(&sb);
	}
}

int ecc_standalone(const char *package_path, const char *out_exe)
{
	struct strbuf ecli = STRBUF_INIT, pkg = STRBUF_INIT, tmp = STRBUF_INIT;
	unsigned char trailer[STANDALONE_TRAILER];
	char *ecli_path = find_ecli();
	size_t ecli_len;
	int fd = -1, err;

	if (!ecli_path) {
		ecc_warn("ecc: cannot locate the ecli binary to embed; set "
			 "EUNOMIA_ECLI=/path/to/ecli\n");
		return -ENOENT;
	}
	err = eun_read_file(ecli_path, 0, MAX_ECLI_SIZE, &ecli);
	if (err || ecli.len < 4 || memcmp(ecli.buf, "\177ELF", 4) != 0) {
		ecc_warn(
			"ecc: cannot use '%s' as the standalone runtime: %s; build ecli next to ecc "
			"or set EUNOMIA_ECLI=/path/to/ecli\n",
			ecli_path, err ? strerror(-err) : "not an ELF executable");
		err = err ?: -ENOEXEC;
		goto out;
	}
	/* An ecli that is itself a standalone tool: embed its runtime part only. */
	ecli_len = ecli.len;
	if (ecli_len > STANDALONE_TRAILER && !memcmp(ecli.buf + ecli_len - STANDALONE_MAGIC_LEN,
						     STANDALONE_MAGIC, STANDALONE_MAGIC_LEN)) {
		uint64_t off = get_le64((unsigned char *)ecli.buf + ecli_len - STANDALONE_TRAILER);

		if (off > 0 && off < ecli_len)
			ecli_len = (size_t)off;
	}
	err = eun_read_file(package_path, 0, MAX_PACKAGE_SIZE, &pkg);
	if (err || !pkg.len) {
		ecc_warn("ecc: cannot read package '%s': %s\n", package_path,
			 err ? strerror(-err) : "empty file");
		err = err ?: -EINVAL;
		goto out;
	}
	put_le64(trailer, ecli_len);
	put_le64(trailer + 8, pkg.len);
	memcpy(trailer + 16, STANDALONE_MAGIC, STANDALONE_MAGIC_LEN);

	if (sb_addf(&tmp, "%s.tmp.%d", out_exe, (int)getpid())) {
		err = -ENOMEM;
		goto out;
	}
	fd = open(tmp.buf, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0755);
	if (fd < 0) {
		err = -errno;
		ecc_warn("ecc: cannot create '%s': %s\n", out_exe, strerror(errno));
		goto out;
	}
	err = eun_write_all(fd, ecli.buf, ecli_len);
	if (!err)
		err = eun_write_all(fd, pkg.buf, pkg.len);
	if (!err)
		err = eun_write_all(fd, trailer, sizeof(trailer));
	if (!err && fchmod(fd, 0755))
		err = -errno;
	if (close(fd) && !err)
		err = -errno;
	fd = -1;
	if (!err && rename(tmp.buf, out_exe))
		err = -errno;
	if (err) {
		ecc_warn("ecc: cannot write '%s': %s\n", out_exe, strerror(-err));
		unlink(tmp.buf);
	}
out:
	free(ecli_path);
	sb_free(&ecli);
	sb_free(&pkg);
	sb_free(&tmp);
	return err;
}
