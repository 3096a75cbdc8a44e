// SPDX-License-Identifier: GPL-2.0
/* Test program: a tracepoint that attaches and a kprobe that cannot (no kprobes on this
 * project's kernels): exercises partial attach, --strict, --only and --disable. */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>

int execs = 0;
int unlinks = 0;

SEC("tp/sched/sched_process_exec")
int e2e_mix_exec(void *ctx)
{
	__sync_fetch_and_add(&execs, 1);
	return 0;
}

SEC("kprobe/do_unlinkat")
int BPF_KPROBE(e2e_mix_kprobe, int dfd, struct filename *name)
{
	__sync_fetch_and_add(&unlinks, 1);
	return 0;
}

char LICENSE[] SEC("license") = "GPL";
