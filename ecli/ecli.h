/* SPDX-License-Identifier: MIT */
/* ecli: bpftool-style command table; one file per command. Uses only <eunomia/eunomia.h>. */
#ifndef EUNOMIA_ECLI_ECLI_H
#define EUNOMIA_ECLI_ECLI_H

#include <eunomia/eunomia.h>

/* Exit codes. */
#define ECLI_EXIT_OK	0
#define ECLI_EXIT_FAIL	1
#define ECLI_EXIT_USAGE 2

/* main.c: set by the global -v/--verbose flag (ecli -v run ...). */
extern int ecli_verbose;

/* run.c: `ecli run [ecli-flags] <package> [tool-flags]`; returns an exit code. */
int do_run(int argc, char **argv);

/* run.c: run an already opened package with tool flags (used by run and standalone).
 * argv[0] is the tool name shown in --help. Returns an exit code. Takes ownership of pkg. */
int ecli_run_package(struct eunomia_package *pkg, int argc, char **argv);

/* standalone.c: if this executable carries an embedded package (ecc -s), run it with the
 * process's arguments and return an exit code; return -1 when there is none. */
int ecli_standalone_main(int argc, char **argv);

#endif
