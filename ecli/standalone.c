// SPDX-License-Identifier: MIT
/* STUB — replaced by the standalone implementation. */
#include "ecli/ecli.h"

int ecli_standalone_main(int argc, char **argv)
{
	return -1;
}
