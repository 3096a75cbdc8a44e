// SPDX-License-Identifier: GPL-2.0
/* Needs -a -DECC_TEST_FLAG=42 to compile: proves -a reaches clang. */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>

#if !defined(ECC_TEST_FLAG) || ECC_TEST_FLAG != 42
#error "ECC_TEST_FLAG=42 was not passed with -a"
#endif

const volatile int flag_value = ECC_TEST_FLAG;

SEC("tp/sched/sched_process_exec")
int handle_exec(void *ctx)
{
	return flag_value > 1 ? 0 : 1;
}

char LICENSE[] SEC("license") = "GPL";
