// SPDX-License-Identifier: GPL-2.0
/* Test program: an fentry only (refused by kernels without BPF trampolines). */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>

int hits = 0;

SEC("fentry/do_unlinkat")
int BPF_PROG(e2e_fe_unlinkat, int dfd, struct filename *name)
{
	__sync_fetch_and_add(&hits, 1);
	return 0;
}

char LICENSE[] SEC("license") = "GPL";
