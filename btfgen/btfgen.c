// SPDX-License-Identifier: MIT
/* STUB — replaced by the distribution implementation. */
#include <errno.h>
#include <stdio.h>

#include "btfgen/btfgen.h"

int btfgen_pack(const struct btfgen_opts *opts)
{
	fprintf(stderr, "ecc: --btfgen is not implemented yet\n");
	return -ENOSYS;
}

int ecc_standalone(const char *package_path, const char *out_exe)
{
	fprintf(stderr, "ecc: --standalone is not implemented yet\n");
	return -ENOSYS;
}

int ecc_init_project(int argc, char **argv)
{
	fprintf(stderr, "ecc: init is not implemented yet\n");
	return -ENOSYS;
}
