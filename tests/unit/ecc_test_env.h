/* SPDX-License-Identifier: MIT */
/*
 * Shared set-up of the libclang front-end unit tests (test_ecc_doc, test_ecc_infer,
 * test_ecc_frontend): a temp dir with a vmlinux.h dumped from the running kernel's BTF, and
 * the clang arguments ecc would pass for this architecture. Include from one test file only.
 */
#ifndef EUNOMIA_TESTS_ECC_TEST_ENV_H
#define EUNOMIA_TESTS_ECC_TEST_ENV_H

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>
#include <unistd.h>

static char tmpdir[64];
static char inc_tmp[sizeof(tmpdir) + 2];
static char inc_multiarch[64];
static char def_arch[64];
static const char *clang_args[8];
static bool have_vmlinux; /* vmlinux.h could be generated (kernel BTF present) */

/* Create /tmp/<name>.XXXXXX, fill clang_args, dump vmlinux.h into it. 0 or -1. */
static int ecc_env_setup(const char *name)
{
	const char *triple = "x86_64-linux-gnu", *arch = "x86";
	char cmd[512];
	struct utsname u;

	snprintf(tmpdir, sizeof(tmpdir), "/tmp/%s.XXXXXX", name);
	if (!mkdtemp(tmpdir))
		return -1;
	if (!uname(&u) && !strcmp(u.machine, "aarch64")) {
		triple = "aarch64-linux-gnu";
		arch = "arm64";
	}
	snprintf(inc_tmp, sizeof(inc_tmp), "-I%s", tmpdir);
	snprintf(inc_multiarch, sizeof(inc_multiarch), "-I/usr/include/%s", triple);
	snprintf(def_arch, sizeof(def_arch), "-D__TARGET_ARCH_%s", arch);
	clang_args[0] = "-target";
	clang_args[1] = "bpf";
	clang_args[2] = def_arch;
	clang_args[3] = inc_tmp;
	clang_args[4] = inc_multiarch;
	clang_args[5] = NULL;
	snprintf(
		cmd, sizeof(cmd),
		"bpftool btf dump file /sys/kernel/btf/vmlinux format c > %s/vmlinux.h 2>/dev/null",
		tmpdir);
	have_vmlinux = !access("/sys/kernel/btf/vmlinux", R_OK) && system(cmd) == 0;
	return 0;
}

/* Remove the temp dir and everything the tests wrote there. */
static int ecc_env_teardown(void)
{
	char cmd[sizeof(tmpdir) + 16];

	snprintf(cmd, sizeof(cmd), "rm -rf %s", tmpdir);
	return system(cmd) == 0 ? 0 : -1;
}

#endif
