/* SPDX-License-Identifier: MIT */
/*
 * ecc frontend internals: one libclang translation unit shared by the doc-comment reader
 * (doc.c), the export-type inference and the header structs (infer.c). ecc_frontend_parse()
 * in frontend.c parses the source once and runs all three on it.
 */
#ifndef EUNOMIA_ECC_FRONTEND_H
#define EUNOMIA_ECC_FRONTEND_H

#include <clang-c/Index.h>
#include <stdbool.h>

struct cJSON;

/*
 * Parse path with libclang into a new index and translation unit (function bodies included).
 * 0, -errno when path is unreadable, -EINVAL (message logged) when libclang fails.
 * Release with ecc_tu_close().
 */
int ecc_tu_open(const char *path, const char *const *clang_args, CXIndex *index,
		CXTranslationUnit *tu);
void ecc_tu_close(CXIndex index, CXTranslationUnit tu);

/* A reader of a parsed file: fills *out (a new cJSON value) from tu. 0 or -errno. */
typedef int (*ecc_tu_reader)(CXTranslationUnit tu, const char *path, void *arg, struct cJSON **out);
/* Parse path (ecc_tu_open()), run read on it, release it. *out is NULL on error. */
int ecc_tu_read(const char *path, const char *const *clang_args, ecc_tu_reader read, void *arg,
		struct cJSON **out);

/* ecc_doc_parse() on a parsed source; src_path is the path the TU was parsed from. */
int ecc_doc_from_tu(CXTranslationUnit tu, const char *src_path, bool strict_json,
		    struct cJSON **annotations);

/* ecc_infer_export_types() on a parsed source. */
int ecc_infer_from_tu(CXTranslationUnit tu, struct cJSON **pairs);

/* ecc_header_structs() for the structs written in file (NULL: the TU's main file). */
int ecc_structs_from_tu(CXTranslationUnit tu, CXFile file, struct cJSON **names);

#endif
