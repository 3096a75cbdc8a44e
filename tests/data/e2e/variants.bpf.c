// SPDX-License-Identifier: GPL-2.0
/* Test program: one probe written three ways (fentry, kprobe, tracepoint). The loader keeps
 * the first variant this kernel accepts. */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include <bpf/bpf_core_read.h>

struct event {
	int pid;
	int variant; /* 1 fentry, 2 kprobe, 3 tracepoint */
	char comm[16];
};

const volatile int target_ppid = 0;

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 64 * 1024);
} events SEC(".maps");

const struct event *__eunomia_dummy_e2e_event __attribute__((unused));

static int emit(int variant)
{
	struct task_struct *task = (struct task_struct *)bpf_get_current_task();
	struct event *e;

	if (target_ppid && BPF_CORE_READ(task, real_parent, tgid) != target_ppid)
		return 0;
	e = bpf_ringbuf_reserve(&events, sizeof(*e), 0);
	if (!e)
		return 0;
	e->pid = bpf_get_current_pid_tgid() >> 32;
	e->variant = variant;
	bpf_get_current_comm(&e->comm, sizeof(e->comm));
	bpf_ringbuf_submit(e, 0);
	return 0;
}

SEC("fentry/do_unlinkat")
int BPF_PROG(e2e_unlink_fentry, int dfd, struct filename *name)
{
	return emit(1);
}

SEC("kprobe/do_unlinkat")
int BPF_KPROBE(e2e_unlink_kprobe, int dfd, struct filename *name)
{
	return emit(2);
}

SEC("tp/syscalls/sys_enter_unlinkat")
int e2e_unlink_tp(struct trace_event_raw_sys_enter *ctx)
{
	return emit(3);
}

char LICENSE[] SEC("license") = "GPL";
