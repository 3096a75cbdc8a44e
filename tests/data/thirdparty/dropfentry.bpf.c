// SPDX-License-Identifier: MIT
/*
 * Fixture for tests/e2e/thirdparty.bats: a tool with an fentry program that has no variant
 * (kernels without BPF trampolines refuse it) beside a tracepoint program that works. Outside
 * --strict the loader drops the refused program with one warning and runs the rest.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>

struct drop_event {
	int pid;
	int source; /* 1 fentry, 2 tracepoint */
};

const volatile int targ_pid = 0;

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 64 * 1024);
} events SEC(".maps");

static __always_inline int emit(int source)
{
	int pid = bpf_get_current_pid_tgid() >> 32;
	struct drop_event *e;

	if (targ_pid && pid != targ_pid)
		return 0;
	e = bpf_ringbuf_reserve(&events, sizeof(*e), 0);
	if (!e)
		return 0;
	e->pid = pid;
	e->source = source;
	bpf_ringbuf_submit(e, 0);
	return 0;
}

SEC("fentry/vfs_fsync_range")
int BPF_PROG(sync_fentry_only, struct file *file)
{
	return emit(1);
}

SEC("tp/syscalls/sys_enter_fsync")
int fsync_tp(void *ctx)
{
	return emit(2);
}

char LICENSE[] SEC("license") = "GPL";
