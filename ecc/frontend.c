// SPDX-License-Identifier: MIT
/*
 * The ecc frontend: one libclang parse of the source for the doc-comment annotations, the
 * export-type inference and the structs of the header (which the source normally includes).
 *
 * Parsing a source that includes vmlinux.h is most of the cost, so it is done once, with
 * the options that make libclang do the least work for the same AST: no detailed
 * preprocessing record (only the lexer's comment tokens are needed), no warnings (which
 * libclang would otherwise store as diagnostics by the hundred).
 */
#include <clang-c/Index.h>
#include <cjson/cJSON.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "ecc/ecc.h"
#include "ecc/frontend.h"

int ecc_tu_open(const char *path, const char *const *clang_args, CXIndex *index,
		CXTranslationUnit *tu)
{
	unsigned int options = CXTranslationUnit_KeepGoing;
	enum CXErrorCode rc;
	int nargs = 0;

	*index = NULL;
	*tu = NULL;
	if (access(path, R_OK))
		return -errno;
	while (clang_args && clang_args[nargs])
		nargs++;
	*index = clang_createIndex(0, 0);
	if (!*index)
		return -ENOMEM;
	rc = clang_parseTranslationUnit2(*index, path, clang_args, nargs, NULL, 0, options, tu);
	if (rc != CXError_Success) {
		fprintf(stderr, "ecc: libclang could not parse %s (error %d); check the -a flags\n",
			path, (int)rc);
		clang_disposeIndex(*index);
		*index = NULL;
		*tu = NULL;
		return -EINVAL;
	}
	return 0;
}

void ecc_tu_close(CXIndex index, CXTranslationUnit tu)
{
	if (tu)
		clang_disposeTranslationUnit(tu);
	if (index)
		clang_disposeIndex(index);
}

/* The header as a file of the TU, or NULL when the source does not include it. */
static CXFile included_file(CXTranslationUnit tu, const char *path)
{
	CXFile file = clang_getFile(tu, path);

	/* clang_getFile() knows any file on disk; only one the TU read has locations */
	if (!file ||
	    clang_equalLocations(clang_getLocation(tu, file, 1, 1), clang_getNullLocation()))
		return NULL;
	return file;
}

int ecc_frontend_parse(const char *src_path, const char *header_path, const char *const *clang_args,
		       bool strict_json, struct cJSON **annotations, struct cJSON **export_pairs,
		       struct cJSON **header_structs)
{
	cJSON *ann = NULL, *pairs = NULL, *structs = NULL;
	CXTranslationUnit tu;
	CXIndex index;
	CXFile hfile;
	int err;

	*annotations = NULL;
	*export_pairs = NULL;
	if (header_structs)
		*header_structs = NULL;
	if (header_path && access(header_path, R_OK))
		return -errno;
	err = ecc_tu_open(src_path, clang_args, &index, &tu);
	if (err)
		return err;
	err = ecc_infer_from_tu(tu, &pairs);
	if (!err && header_path && header_structs) {
		hfile = included_file(tu, header_path);
		if (getenv("H3DBG")) fprintf(stderr, "H3DBG hfile=%p\n", (void *)hfile);
		if (hfile)
			err = ecc_structs_from_tu(tu, hfile, &structs);
		else
			err = ecc_header_structs(header_path, clang_args, &structs);
	}
	if (!err)
		err = ecc_doc_from_tu(tu, src_path, strict_json, &ann);
	ecc_tu_close(index, tu);
	if (err) {
		cJSON_Delete(ann);
		cJSON_Delete(pairs);
		cJSON_Delete(structs);
		return err;
	}
	*annotations = ann;
	*export_pairs = pairs;
	if (header_structs)
		*header_structs = structs;
	return 0;
}
