/* SPDX-License-Identifier: MIT */
/*
 * The error codes and the print callback type shared by every layer (common, packer, ecc,
 * loader). The public header loader/include/eunomia/eunomia.h defines the same names itself so
 * that it stays installable alone; both copies sit between the "shared types" markers and are
 * kept identical (scripts/check.sh compares them). Whichever header comes first defines them.
 */
#ifndef EUNOMIA_COMMON_ERROR_H
#define EUNOMIA_COMMON_ERROR_H

#include <stdarg.h>

/* BEGIN shared types */
#ifndef EUNOMIA_SHARED_TYPES
#define EUNOMIA_SHARED_TYPES
/*
 * Our own error codes, returned negated like errno values. They live at 6000 and up: libbpf
 * uses 4000..4100 (LIBBPF_ERRNO__START) and errno values stay below 4096.
 */
enum eunomia_error {
	EUNOMIA_ERR_START = 6000,
	EUNOMIA_ERR_PARSE = EUNOMIA_ERR_START, /* package document is not valid JSON/YAML */
	EUNOMIA_ERR_BASE64,		       /* bpf_object is not valid base64 */
	EUNOMIA_ERR_ZLIB,		       /* bpf_object does not inflate */
	EUNOMIA_ERR_SIZE,		       /* inflated size != bpf_object_size, or too big */
	EUNOMIA_ERR_FIELD,		       /* a required field is missing or mistyped */
	EUNOMIA_ERR_EXPORT_TYPE,	       /* export_types do not match the object's BTF */
	EUNOMIA_ERR_DIGEST,		       /* package digest does not match the pin */
	EUNOMIA_ERR_NO_BTF,   /* no kernel BTF, no BTF_FILE_PATH, no archive match */
	EUNOMIA_ERR_VERIFIER, /* the kernel verifier rejected a program */
	EUNOMIA_ERR_ATTACH,   /* nothing useful attached (or --strict failure) */
	EUNOMIA_ERR_ARG,      /* bad value or unknown tool argument */
	EUNOMIA_ERR_FETCH,    /* URL could not be fetched */
	EUNOMIA_ERR_ARCHIVE,  /* .tar container is malformed */
	EUNOMIA_ERR_STATE,    /* call made in the wrong lifecycle state */
	EUNOMIA_ERR_END,
};

enum eunomia_print_level {
	EUNOMIA_WARN,  /* something the user should see (also errors) */
	EUNOMIA_INFO,  /* progress, notices (e.g. "map 'x': max_entries defaulted to 10240") */
	EUNOMIA_DEBUG, /* libbpf's own log and internals (ecli -v) */
};

/* The format has no trailing newline guarantee; messages are whole lines. */
typedef void (*eunomia_print_fn_t)(void *ctx, enum eunomia_print_level level, const char *fmt,
				   va_list args);
#endif
/* END shared types */

#endif
