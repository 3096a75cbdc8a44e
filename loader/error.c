// SPDX-License-Identifier: MIT
#include <bpf/libbpf.h>
#include <stdlib.h>
#include <string.h>

#include "loader/internal.h"

static const char *const eunomia_errstr[EUNOMIA_ERR_END - EUNOMIA_ERR_START] = {
	[EUNOMIA_ERR_PARSE - EUNOMIA_ERR_START] = "package document is not valid JSON or YAML",
	[EUNOMIA_ERR_BASE64 - EUNOMIA_ERR_START] = "bpf_object is not valid base64",
	[EUNOMIA_ERR_ZLIB - EUNOMIA_ERR_START] = "bpf_object is not a valid zlib stream",
	[EUNOMIA_ERR_SIZE - EUNOMIA_ERR_START] = "bpf_object size does not match bpf_object_size",
	[EUNOMIA_ERR_FIELD - EUNOMIA_ERR_START] = "package field missing or of the wrong type",
	[EUNOMIA_ERR_EXPORT_TYPE - EUNOMIA_ERR_START] =
		"export type does not match the object's BTF",
	[EUNOMIA_ERR_DIGEST - EUNOMIA_ERR_START] =
		"package digest does not match the pinned sha256",
	[EUNOMIA_ERR_NO_BTF - EUNOMIA_ERR_START] = "no BTF for the running kernel",
	[EUNOMIA_ERR_VERIFIER - EUNOMIA_ERR_START] = "the kernel verifier rejected a program",
	[EUNOMIA_ERR_ATTACH - EUNOMIA_ERR_START] = "programs could not be attached",
	[EUNOMIA_ERR_ARG - EUNOMIA_ERR_START] = "invalid tool argument",
	[EUNOMIA_ERR_FETCH - EUNOMIA_ERR_START] = "package could not be fetched",
	[EUNOMIA_ERR_ARCHIVE - EUNOMIA_ERR_START] = "package archive is malformed",
	[EUNOMIA_ERR_STATE - EUNOMIA_ERR_START] = "call made in the wrong state",
};

const char *eunomia_strerror(int err)
{
	if (err < 0)
		err = -err;
	if (err == 0)
		return "success";
	if (err >= EUNOMIA_ERR_START && err < EUNOMIA_ERR_END)
		return eunomia_errstr[err - EUNOMIA_ERR_START];
	/* libbpf's own codes (4000 up, passed through from libbpf calls) */
	if (err >= __LIBBPF_ERRNO__START && err < __LIBBPF_ERRNO__END) {
		static __thread char buf[128];

		if (!libbpf_strerror(err, buf, sizeof(buf)))
			return buf;
	}
	return strerror(err);
}

const char *eunomia_version(void)
{
	return EUNOMIA_VERSION;
}
