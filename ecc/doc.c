// SPDX-License-Identifier: MIT
/* STUB — replaced by the libclang implementation. */
#include <cjson/cJSON.h>
#include <errno.h>

#include "ecc/ecc.h"

int ecc_doc_parse(const char *src_path, const char *const *clang_args, bool strict_json,
		  struct cJSON **annotations)
{
	*annotations = cJSON_CreateObject();
	return *annotations ? 0 : -ENOMEM;
}
