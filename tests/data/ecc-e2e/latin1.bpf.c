// SPDX-License-Identifier: MIT
/* The doc comment below holds a Latin-1 byte (0xe9): not valid UTF-8. */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>

/// café flag
const volatile int latin1_flag = 1;

SEC("tp/syscalls/sys_enter_getppid")
int latin1_prog(void *ctx)
{
	return latin1_flag;
}

char LICENSE[] SEC("license") = "GPL";
