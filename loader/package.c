// SPDX-License-Identifier: MIT
/*
 * Package lifecycle: open a package from memory, a file or standard input, validate it in the
 * order of docs/package-format.md §2, and keep a .tar container's btfhub-archive/ tree in memory.
 */
#include <cjson/cJSON.h>
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/fileio.h"
#include "common/strbuf.h"
#include "loader/internal.h"
#include "packer/package.h"
#include "packer/format.h"

#define DEFAULT_MAX_SIZE EUN_PKG_MAX_SIZE
#define ARCHIVE_PREFIX	 EUN_TAR_BTF_ARCHIVE

/* Copy caller options (any size) into a zeroed full-size struct. */
static void copy_opts(struct eunomia_package_opts *dst, const struct eunomia_package_opts *src)
{
	memset(dst, 0, sizeof(*dst));
	if (src) {
		size_t n = src->sz < sizeof(*dst) ? src->sz : sizeof(*dst);

		memcpy(dst, src, n);
	}
	dst->sz = sizeof(*dst);
	if (!dst->max_size)
		dst->max_size = DEFAULT_MAX_SIZE;
}

static const char *display_name(const char *name)
{
	return name && *name ? name : "<memory>";
}

/* Validate a pin: 64 hex digits (either case). */
static bool valid_sha256(const char *s)
{
	size_t i;

	for (i = 0; i < 64; i++)
		if (!isxdigit((unsigned char)s[i]))
			return false;
	return s[64] == '\0';
}

static int check_pin(const struct eun_logger *lg, const char *name, const char *pin,
		     const char *actual)
{
	if (!pin)
		return 0;
	if (!valid_sha256(pin)) {
		eun_warn(lg,
			 "package '%s': the sha256 pin '%.80s' is not 64 hexadecimal digits; "
			 "give the full lower-case hex digest (sha256sum prints it)",
			 name, pin);
		return -EINVAL;
	}
	if (strcasecmp(pin, actual) != 0) {
		eun_warn(lg,
			 "package '%s': sha256 mismatch: expected %s, got %s; the package is not "
			 "the one the pin names (fetch it again or update the pin)",
			 name, pin, actual);
		return -EUNOMIA_ERR_DIGEST;
	}
	return 0;
}

const struct eun_archive_file *eun_package__archive_find(const struct eunomia_package *pkg,
							 const char *relpath)
{
	size_t i;

	if (!pkg || !relpath)
		return NULL;
	while (relpath[0] == '.' && relpath[1] == '/')
		relpath += 2;
	for (i = 0; i < pkg->nr_archive; i++)
		if (!strcmp(pkg->archive[i].path, relpath))
			return &pkg->archive[i];
	return NULL;
}

/* Split tar entries into the document and the btfhub-archive/ tree (entries are consumed). */
static int take_tar(struct eunomia_package *pkg, const char *name, struct pkg_tar_entry *ents,
		    size_t nr, struct pkg_tar_entry **docent)
{
	size_t i, plen = strlen(ARCHIVE_PREFIX), narch = 0;

	*docent = NULL;
	for (i = 0; i < nr; i++) {
		const char *p = ents[i].path;
		const char *base = strrchr(p, '/');

		base = base ? base + 1 : p;
		if (!strncmp(p, ARCHIVE_PREFIX, plen)) {
			narch++;
			continue;
		}
		/* package.json (or package.yaml) at the top level, or the only *.json */
		if (!*docent && strchr(p, '/') == NULL &&
		    (!strcmp(base, EUN_TAR_PACKAGE) || !strcmp(base, EUN_TAR_PACKAGE_YAML)))
			*docent = &ents[i];
	}
	if (!*docent) {
		eun_warn(&pkg->log,
			 "package '%s': the .tar container has no package.json at its top level; "
			 "build it with 'ecc --btfgen' or add package.json",
			 name);
		return -EUNOMIA_ERR_ARCHIVE;
	}
	if (narch) {
		size_t k = 0;

		pkg->archive = calloc(narch, sizeof(*pkg->archive));
		if (!pkg->archive)
			return -ENOMEM;
		for (i = 0; i < nr; i++) {
			char *rel;

			if (strncmp(ents[i].path, ARCHIVE_PREFIX, plen) != 0)
				continue;
			rel = strdup(ents[i].path + plen);
			if (!rel)
				return -ENOMEM;
			pkg->archive[k].path = rel;
			pkg->archive[k].data = ents[i].data;
			pkg->archive[k].size = ents[i].size;
			ents[i].data = NULL;
			pkg->nr_archive = ++k;
		}
	}
	return 0;
}

/* What to do about a malformed package. */
static const char *hint(int ret)
{
	switch (-ret) {
	case EUNOMIA_ERR_PARSE:
		return " (expected a package.json or package.yaml written by ecc)";
	case EUNOMIA_ERR_BASE64:
	case EUNOMIA_ERR_ZLIB:
	case EUNOMIA_ERR_SIZE:
		return " (the package is damaged: rebuild it with ecc or fetch it again)";
	case EUNOMIA_ERR_FIELD:
		return " (not a valid eunomia package: rebuild it with ecc)";
	case EUNOMIA_ERR_ARCHIVE:
		return " (the .tar is damaged: rebuild it with ecc --btfgen)";
	default:
		return "";
	}
}

static char *tool_name(const char *obj_name)
{
	size_t n = strlen(obj_name);

	if (n > 4 && !strcmp(obj_name + n - 4, "_bpf"))
		n -= 4;
	return strndup(obj_name, n);
}

struct eunomia_package *eunomia_package__open_mem(const void *data, size_t size, const char *name,
						  const struct eunomia_package_opts *opts)
{
	struct pkg_tar_entry *ents = NULL, *docent = NULL;
	struct eunomia_package_opts o;
	struct eunomia_package *pkg;
	const char *text = data;
	size_t nents = 0, tlen = size;
	char err[512] = "";
	int ret;

	copy_opts(&o, opts);
	name = display_name(name);
	pkg = calloc(1, sizeof(*pkg));
	if (!pkg) {
		errno = ENOMEM;
		return NULL;
	}
	pkg->log.print = o.print;
	pkg->log.ctx = o.print_ctx;
	if (!data && size) {
		ret = -EINVAL;
		goto fail;
	}
	if (size > o.max_size) {
		eun_warn(&pkg->log, "package '%s': %zu bytes exceeds the limit of %zu bytes", name,
			 size, o.max_size);
		ret = -EUNOMIA_ERR_SIZE;
		goto fail;
	}
	pkg_sha256_hex(data ? data : "", size, pkg->sha256);
	ret = check_pin(&pkg->log, name, o.sha256, pkg->sha256);
	if (ret)
		goto fail;

	if (pkg_is_tar(data, size)) {
		ret = pkg_tar_read(data, size, o.max_size, &ents, &nents, err, sizeof(err));
		if (ret) {
			eun_warn(&pkg->log, "package '%s': %s%s", name, err, hint(ret));
			goto fail;
		}
		ret = take_tar(pkg, name, ents, nents, &docent);
		if (ret)
			goto fail;
		text = docent->data;
		tlen = docent->size;
	}

	ret = pkg_doc_parse(text ? text : "", tlen, &pkg->doc, err, sizeof(err));
	if (ret) {
		eun_warn(&pkg->log, "package '%s': %s%s", name, err, hint(ret));
		goto fail;
	}
	ret = pkg_extract_object(pkg->doc, o.max_size, &pkg->elf, &pkg->elf_size, err, sizeof(err));
	if (ret) {
		eun_warn(&pkg->log, "package '%s': %s%s", name, err, hint(ret));
		goto fail;
	}
	ret = eun_meta__parse(cJSON_GetObjectItemCaseSensitive(pkg->doc, "meta"), &pkg->meta, err,
			      sizeof(err));
	if (ret) {
		eun_warn(&pkg->log, "package '%s': %s%s", name, err, hint(ret));
		goto fail;
	}
	pkg->name = tool_name(pkg->meta.obj_name);
	if (!pkg->name) {
		ret = -ENOMEM;
		goto fail;
	}
	pkg_tar_entries_free(ents, nents);
	return pkg;
fail:
	if (ret == -ENOMEM)
		eun_warn(&pkg->log, "package '%s': out of memory", name);
	pkg_tar_entries_free(ents, nents);
	eunomia_package__free(pkg);
	errno = -ret;
	return NULL;
}

struct eunomia_package *eunomia_package__open_file(const char *path,
						   const struct eunomia_package_opts *opts)
{
	struct eunomia_package_opts o;
	struct eunomia_package *pkg;
	struct eun_logger lg;
	bool is_stdin;
	struct strbuf data = STRBUF_INIT;
	struct stat st;
	int fd, ret;

	copy_opts(&o, opts);
	lg.print = o.print;
	lg.ctx = o.print_ctx;
	if (!path || !*path) {
		eun_warn(&lg, "no package given: pass a package.json path, '-' or a URL");
		errno = EINVAL;
		return NULL;
	}
	is_stdin = !strcmp(path, "-");
	if (is_stdin) {
		fd = STDIN_FILENO;
	} else {
		fd = open(path, O_RDONLY | O_CLOEXEC);
		if (fd < 0) {
			ret = errno;
			eun_warn(&lg, "package '%s': cannot open: %s%s", path, strerror(ret),
				 ret == ENOENT ? " (build it with 'ecc FILE.bpf.c' first?)" : "");
			errno = ret;
			return NULL;
		}
		if (fstat(fd, &st) == 0 && S_ISDIR(st.st_mode)) {
			close(fd);
			eun_warn(&lg,
				 "package '%s': is a directory; give the package.json inside it",
				 path);
			errno = EISDIR;
			return NULL;
		}
	}
	ret = eun_read_fd(fd, o.max_size, &data);
	if (!is_stdin)
		close(fd);
	if (ret) {
		if (ret == -EFBIG) {
			eun_warn(&lg, "package '%s': larger than the limit of %zu bytes",
				 is_stdin ? "<stdin>" : path, o.max_size);
			ret = -EUNOMIA_ERR_SIZE;
		} else {
			eun_warn(&lg, "package '%s': cannot read: %s", is_stdin ? "<stdin>" : path,
				 strerror(-ret));
		}
		sb_free(&data);
		errno = -ret;
		return NULL;
	}
	pkg = eunomia_package__open_mem(sb_str(&data), data.len, is_stdin ? "<stdin>" : path, &o);
	ret = errno;
	sb_free(&data);
	errno = ret;
	return pkg;
}

struct eunomia_package *eunomia_package__open(const char *location,
					      const struct eunomia_package_opts *opts)
{
	struct eunomia_package_opts o;
	struct eun_logger lg;

	copy_opts(&o, opts);
	lg.print = o.print;
	lg.ctx = o.print_ctx;
	if (location &&
	    (!strncasecmp(location, "http://", 7) || !strncasecmp(location, "https://", 8)))
		return eunomia_package__open_url(location, opts);
	if (location && strstr(location, "://")) {
		eun_warn(&lg, "package '%s': unsupported URL scheme (use http:// or https://)",
			 location);
		errno = EPROTONOSUPPORT;
		return NULL;
	}
	return eunomia_package__open_file(location, opts);
}

void eunomia_package__free(struct eunomia_package *pkg)
{
	size_t i;

	if (!pkg)
		return;
	cJSON_Delete(pkg->doc);
	eun_meta__free(&pkg->meta);
	free(pkg->elf);
	free(pkg->name);
	for (i = 0; i < pkg->nr_archive; i++) {
		free(pkg->archive[i].path);
		free(pkg->archive[i].data);
	}
	free(pkg->archive);
	free(pkg);
}

const char *eunomia_package__obj_name(const struct eunomia_package *pkg)
{
	return pkg ? pkg->meta.obj_name : NULL;
}

const char *eunomia_package__name(const struct eunomia_package *pkg)
{
	return pkg ? pkg->name : NULL;
}

const void *eunomia_package__elf(const struct eunomia_package *pkg, size_t *size)
{
	if (size)
		*size = pkg ? pkg->elf_size : 0;
	return pkg ? pkg->elf : NULL;
}

const char *eunomia_package__sha256(const struct eunomia_package *pkg)
{
	return pkg ? pkg->sha256 : NULL;
}

bool eunomia_package__has_btf_archive(const struct eunomia_package *pkg)
{
	return pkg && pkg->nr_archive > 0;
}
