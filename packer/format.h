/* SPDX-License-Identifier: MIT */
/* The package format's constants (docs/package-format.md), shared by ecc, the loader and ecli. */
#ifndef EUNOMIA_PACKER_FORMAT_H
#define EUNOMIA_PACKER_FORMAT_H

#include <stddef.h>

/*
 * Upper bound on a package document, a .tar container, an inflated bpf_object and a package
 * embedded in a standalone executable, unless the caller sets another (package_opts.max_size).
 */
#define EUN_PKG_MAX_SIZE ((size_t)256 << 20)

/*
 * Prefix of the dummy globals ecc adds to the object so that an export type named only in a
 * header reaches the object's BTF ("struct event *__eunomia_dummy_event_ptr"). They are
 * never data-section variables of the package, and the loader skips them.
 */
#define EUN_DUMMY_PREFIX "__eunomia_dummy_"
/* printf format of one such global: struct name, then struct name again. */
#define EUN_DUMMY_DECL_FMT "struct %s *" EUN_DUMMY_PREFIX "%s_ptr __attribute__((unused));\n"

/*
 * Standalone executable: [ ecli ][ package document ][ trailer ]. The trailer is
 * EUN_STANDALONE_TRAILER bytes: u64 LE offset of the package, u64 LE size of the package,
 * then the EUN_STANDALONE_MAGIC_LEN-byte magic.
 */
#define EUN_STANDALONE_MAGIC	 "EUNOMIA-PKG-0001"
#define EUN_STANDALONE_MAGIC_LEN 16
#define EUN_STANDALONE_TRAILER	 32

/* Defaults of the optional meta fields. */
#define EUN_META_POLL_TIMEOUT_MS   100
#define EUN_META_PERF_BUFFER_PAGES 64
#define EUN_META_SAMPLE_UNIT	   "(unit)"

/* Member of a .tar container holding the package document, and the BTF archive directory. */
#define EUN_TAR_PACKAGE	     "package.json"
#define EUN_TAR_PACKAGE_YAML "package.yaml" /* also accepted */
#define EUN_TAR_BTF_ARCHIVE  "btfhub-archive/"

#endif
