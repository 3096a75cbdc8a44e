/* SPDX-License-Identifier: MIT */
/*
 * The package codec shared by ecc (writer) and the loader (reader): docs/package-format.md §2, §6.
 * Errors: 0 or negative (-errno / -EUNOMIA_ERR_*); a human message goes to err[errsz] when
 * err is non-NULL ("bpf_object: invalid base64 at offset 1234").
 */
#ifndef EUNOMIA_PACKER_PACKAGE_H
#define EUNOMIA_PACKER_PACKAGE_H

#include <stdbool.h>
#include <stddef.h>

#include "common/strbuf.h"

struct cJSON;

/* Standard base64 (RFC 4648), '=' padded, no line breaks. */
int pkg_base64_encode(const void *data, size_t len, struct strbuf *out);
/* Strict decode: rejects bad characters, bad padding, embedded whitespace. *out is malloc'ed. */
int pkg_base64_decode(const char *text, size_t len, void **out, size_t *out_len, char *err,
		      size_t errsz);

/* zlib (RFC 1950) at the best compression. *out is malloc'ed. */
int pkg_zlib_deflate(const void *data, size_t len, void **out, size_t *out_len);
/* Inflate expecting exactly `expected` bytes (never more than max); -EUNOMIA_ERR_ZLIB /
 * -EUNOMIA_ERR_SIZE with a message. */
int pkg_zlib_inflate(const void *data, size_t len, size_t expected, size_t max, void **out,
		     size_t *out_len, char *err, size_t errsz);

/* Parse a JSON or YAML document (YAML when it does not start with '{' after whitespace).
 * YAML scalars are typed like YAML 1.2 core: ints, floats, true/false, null, else strings;
 * quoted scalars are always strings. */
int pkg_doc_parse(const char *text, size_t len, struct cJSON **doc, char *err, size_t errsz);
/* Parse a YAML document (the YAML half of pkg_doc_parse; aliases are refused). */
int pkg_yaml_parse(const char *text, size_t len, struct cJSON **doc, char *err, size_t errsz);
/* Serialise a cJSON tree as YAML (block style; strings quoted when needed). */
int pkg_yaml_write(const struct cJSON *doc, struct strbuf *out);

/* Build the package document {bpf_object, bpf_object_size, meta}; meta is copied. */
int pkg_build(const void *elf, size_t elf_len, const struct cJSON *meta, struct cJSON **doc);
/* Write a document as pretty JSON (yaml=false) or YAML. */
int pkg_write(const struct cJSON *doc, bool yaml, struct strbuf *out);
/* Extract and verify the object from a parsed document, in the order of §1. */
int pkg_extract_object(const struct cJSON *doc, size_t max, void **elf, size_t *elf_len, char *err,
		       size_t errsz);

/* Lower-case hex SHA-256 of data into hex[65]. */
void pkg_sha256_hex(const void *data, size_t len, char hex[65]);

/* One member of a .tar container. */
struct pkg_tar_entry {
	char *path; /* as stored, e.g. "package.json", "btfhub-archive/debian/12/x86_64/6.1.btf" */
	void *data;
	size_t size;
};

/* Write a .tar (libarchive, ustar/pax) with the given entries, in order. */
int pkg_tar_write(const char *path, const struct pkg_tar_entry *entries, size_t nr);
/* Read every regular file of a tar held in memory (bounded by max total bytes). */
int pkg_tar_read(const void *data, size_t len, size_t max, struct pkg_tar_entry **entries,
		 size_t *nr, char *err, size_t errsz);
void pkg_tar_entries_free(struct pkg_tar_entry *entries, size_t nr);
/* True if data looks like a tar archive (ustar magic at offset 257). */
bool pkg_is_tar(const void *data, size_t len);

#endif
