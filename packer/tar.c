// SPDX-License-Identifier: MIT
/*
 * .tar containers (package.json + btfhub-archive/ tree, docs/package-format.md §6.2) via
 * libarchive. libarchive (and the ~20 libraries it pulls in: libxml2, ICU, lzma, ...) is loaded
 * with dlopen on the first tar read or write, so that ecli does not pay for it at every start-up.
 */
#include "packer/package.h"

#include <archive.h>
#include <archive_entry.h>
#include <errno.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "common/dl.h"
#include "common/util.h"
#include "common/error.h"
#include "packer/format.h"

#define TAR_MAX_ENTRIES 65536

#define LIBARCHIVE_SONAME "libarchive.so.13"

/* Every libarchive function used here, called through la.<name>. */
#define LA_FUNCS(X)                        \
	X(archive_entry_filetype)          \
	X(archive_entry_free)              \
	X(archive_entry_new)               \
	X(archive_entry_pathname)          \
	X(archive_entry_set_filetype)      \
	X(archive_entry_set_mtime)         \
	X(archive_entry_set_pathname)      \
	X(archive_entry_set_perm)          \
	X(archive_entry_set_size)          \
	X(archive_entry_size)              \
	X(archive_errno)                   \
	X(archive_error_string)            \
	X(archive_read_data)               \
	X(archive_read_free)               \
	X(archive_read_new)                \
	X(archive_read_next_header)        \
	X(archive_read_open_memory)        \
	X(archive_read_support_format_tar) \
	X(archive_write_close)             \
	X(archive_write_data)              \
	X(archive_write_free)              \
	X(archive_write_header)            \
	X(archive_write_new)               \
	X(archive_write_open_filename)     \
	X(archive_write_set_format_pax_restricted)

static struct {
#define LA_PTR(f) __typeof__(&f) f;
	LA_FUNCS(LA_PTR)
#undef LA_PTR
} la;
static pthread_once_t la_once = PTHREAD_ONCE_INIT;
static const char *la_missing; /* NULL once loaded, else what failed */

static void la_load(void)
{
#define LA_SYM(f) {#f, (void **)&la.f},
	static const struct eun_dl_sym syms[] = {LA_FUNCS(LA_SYM)};
#undef LA_SYM
	static char missing[128];

	la_missing = eun_dl_load(LIBARCHIVE_SONAME, syms, sizeof(syms) / sizeof(syms[0]), missing,
				 sizeof(missing));
}

/* Load libarchive once; 0, or -EUNOMIA_ERR_ARCHIVE with a message. */
static int la_ready(char *err, size_t errsz)
{
	pthread_once(&la_once, la_load);
	if (!la_missing)
		return 0;
	if (err && errsz)
		snprintf(err, errsz,
			 "cannot load %s, needed for .tar packages: install libarchive (Debian: "
			 "libarchive13)",
			 la_missing);
	return -EUNOMIA_ERR_ARCHIVE;
}

int pkg_tar_write(const char *path, const struct pkg_tar_entry *entries, size_t nr)
{
	struct archive_entry *e = NULL;
	struct archive *a;
	size_t i;
	int ret = 0;

	ret = la_ready(NULL, 0);
	if (ret)
		return ret;
	a = la.archive_write_new();
	if (!a)
		return -ENOMEM;
	if (la.archive_write_set_format_pax_restricted(a) != ARCHIVE_OK ||
	    la.archive_write_open_filename(a, path) != ARCHIVE_OK) {
		ret = la.archive_errno(a) > 0 ? -la.archive_errno(a) : -EIO;
		la.archive_write_free(a);
		return ret;
	}
	for (i = 0; i < nr; i++) {
		e = la.archive_entry_new();
		if (!e) {
			ret = -ENOMEM;
			break;
		}
		la.archive_entry_set_pathname(e, entries[i].path);
		la.archive_entry_set_size(e, (la_int64_t)entries[i].size);
		la.archive_entry_set_filetype(e, AE_IFREG);
		la.archive_entry_set_perm(e, 0644);
		la.archive_entry_set_mtime(e, time(NULL), 0);
		if (la.archive_write_header(a, e) != ARCHIVE_OK ||
		    (entries[i].size &&
		     la.archive_write_data(a, entries[i].data, entries[i].size) !=
			     (la_ssize_t)entries[i].size)) {
			ret = la.archive_errno(a) > 0 ? -la.archive_errno(a) : -EIO;
			la.archive_entry_free(e);
			break;
		}
		la.archive_entry_free(e);
	}
	if (la.archive_write_close(a) != ARCHIVE_OK && !ret)
		ret = la.archive_errno(a) > 0 ? -la.archive_errno(a) : -EIO;
	la.archive_write_free(a);
	return ret;
}

void pkg_tar_entries_free(struct pkg_tar_entry *entries, size_t nr)
{
	size_t i;

	if (!entries)
		return;
	for (i = 0; i < nr; i++) {
		free(entries[i].path);
		free(entries[i].data);
	}
	free(entries);
}

/* Normalise "./a/b" -> "a/b"; refuse absolute paths and ".." components. */
static char *clean_path(const char *p)
{
	const char *s = p;
	const char *c;

	while (s[0] == '.' && s[1] == '/')
		s += 2;
	while (*s == '/')
		return NULL;
	for (c = s; *c;) {
		const char *slash = strchr(c, '/');
		size_t n = slash ? (size_t)(slash - c) : strlen(c);

		if (n == 2 && c[0] == '.' && c[1] == '.')
			return NULL;
		c += n;
		if (*c == '/')
			c++;
	}
	if (!*s)
		return NULL;
	return strdup(s);
}

int pkg_tar_read(const void *data, size_t len, size_t max, struct pkg_tar_entry **entries,
		 size_t *nr, char *err, size_t errsz)
{
	struct pkg_tar_entry *list = NULL;
	size_t n = 0, cap = 0, total = 0;
	struct archive_entry *e;
	struct archive *a;
	int ret = 0, r;

	*entries = NULL;
	*nr = 0;
	if (!max)
		max = EUN_PKG_MAX_SIZE;
	ret = la_ready(err, errsz);
	if (ret)
		return ret;
	a = la.archive_read_new();
	if (!a)
		return -ENOMEM;
	la.archive_read_support_format_tar(a);
	if (la.archive_read_open_memory(a, data, len) != ARCHIVE_OK) {
		eun_seterr(err, errsz, "not a readable tar archive: %s",
			   la.archive_error_string(a));
		la.archive_read_free(a);
		return -EUNOMIA_ERR_ARCHIVE;
	}
	while ((r = la.archive_read_next_header(a, &e)) == ARCHIVE_OK) {
		const char *path = la.archive_entry_pathname(e);
		la_int64_t size = la.archive_entry_size(e);
		struct pkg_tar_entry *x;

		if (la.archive_entry_filetype(e) != AE_IFREG)
			continue;
		if (!path || size < 0 || (size_t)size > max - total) {
			eun_seterr(err, errsz,
				   "tar member '%s' is too large (limit %zu bytes in total)",
				   path ? path : "?", max);
			ret = -EUNOMIA_ERR_SIZE;
			goto fail;
		}
		if (n >= TAR_MAX_ENTRIES) {
			eun_seterr(err, errsz, "tar archive has more than %d files",
				   TAR_MAX_ENTRIES);
			ret = -EUNOMIA_ERR_ARCHIVE;
			goto fail;
		}
		if (n == cap) {
			size_t ncap = cap ? cap * 2 : 16;
			struct pkg_tar_entry *nl = realloc(list, ncap * sizeof(*nl));

			if (!nl) {
				ret = -ENOMEM;
				goto fail;
			}
			list = nl;
			cap = ncap;
		}
		x = &list[n];
		memset(x, 0, sizeof(*x));
		x->path = clean_path(path);
		if (!x->path) {
			eun_seterr(err, errsz, "tar member '%s': unsafe or empty path", path);
			ret = -EUNOMIA_ERR_ARCHIVE;
			goto fail;
		}
		n++;
		x->data = malloc(size ? (size_t)size : 1);
		if (!x->data) {
			ret = -ENOMEM;
			goto fail;
		}
		if (size) {
			la_ssize_t got = la.archive_read_data(a, x->data, (size_t)size);

			if (got != size) {
				eun_seterr(err, errsz, "tar member '%s' is truncated: %s", path,
					   got < 0 ? la.archive_error_string(a) : "short read");
				ret = -EUNOMIA_ERR_ARCHIVE;
				goto fail;
			}
		}
		x->size = (size_t)size;
		total += (size_t)size;
	}
	if (r != ARCHIVE_EOF) {
		eun_seterr(err, errsz, "malformed tar archive: %s",
			   la.archive_error_string(a) ? la.archive_error_string(a) : "read error");
		ret = -EUNOMIA_ERR_ARCHIVE;
		goto fail;
	}
	la.archive_read_free(a);
	*entries = list;
	*nr = n;
	return 0;
fail:
	la.archive_read_free(a);
	pkg_tar_entries_free(list, n);
	return ret;
}
