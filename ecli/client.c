// SPDX-License-Identifier: MIT
#include "ecli/ecli.h"
int do_client(int argc, char **argv)
{
	return ECLI_EXIT_USAGE;
}
