// SPDX-License-Identifier: GPL-2.0
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>

SEC("tp/sched/sched_process_exec")
int handle_exec(void *ctx)
{
	return undeclared_identifier_xyz;
}

char LICENSE[] SEC("license") = "GPL";
