// SPDX-License-Identifier: GPL-2.0
/* Valid JSON, but a value the loader refuses: ecc must say so at build time. */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>

/// @cmdarg {"long": "pid", "short": "pp"}
const volatile int targ_pid = 0;

SEC("tp/sched/sched_process_exec")
int handle_exec(void *ctx)
{
	return targ_pid;
}

char LICENSE[] SEC("license") = "GPL";
