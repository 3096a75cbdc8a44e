// SPDX-License-Identifier: MIT
/* STUB — replaced by the libclang implementation. */
#include <cjson/cJSON.h>
#include <errno.h>

#include "ecc/ecc.h"

int ecc_infer_export_types(const char *src_path, const char *const *clang_args,
			   struct cJSON **pairs)
{
	*pairs = cJSON_CreateArray();
	return *pairs ? 0 : -ENOMEM;
}

int ecc_header_structs(const char *header_path, const char *const *clang_args,
		       struct cJSON **names)
{
	*names = cJSON_CreateArray();
	return *names ? 0 : -ENOMEM;
}
