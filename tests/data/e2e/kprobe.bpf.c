// SPDX-License-Identifier: GPL-2.0
/* Test program: a kprobe only (this project's kernels have no kprobes: attach must fail
 * with a clear message). */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>

int hits = 0;

SEC("kprobe/do_unlinkat")
int BPF_KPROBE(e2e_kp_unlinkat, int dfd, struct filename *name)
{
	__sync_fetch_and_add(&hits, 1);
	return 0;
}

char LICENSE[] SEC("license") = "GPL";
