// SPDX-License-Identifier: MIT
/* Test tool for btfgen: a tracepoint + ring buffer program whose CO-RE relocations
 * (task->real_parent->tgid) need kernel BTF, so min_core_btf keeps something real. */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_tracing.h>
#include "execsnoop_core.h"

/// Only report processes whose parent has this pid (0: all).
const volatile int target_ppid = 0;

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 256 * 1024);
} events SEC(".maps");

SEC("tp/sched/sched_process_exec")
int btfgen_exec(struct trace_event_raw_sched_process_exec *ctx)
{
	struct task_struct *task = (struct task_struct *)bpf_get_current_task();
	struct event *e;
	int ppid = BPF_CORE_READ(task, real_parent, tgid);

	if (target_ppid && ppid != target_ppid)
		return 0;
	e = bpf_ringbuf_reserve(&events, sizeof(*e), 0);
	if (!e)
		return 0;
	e->pid = bpf_get_current_pid_tgid() >> 32;
	e->ppid = ppid;
	e->uid = (unsigned int)bpf_get_current_uid_gid();
	bpf_get_current_comm(&e->comm, sizeof(e->comm));
	bpf_ringbuf_submit(e, 0);
	return 0;
}

/// @brief Trace exec() with CO-RE, for the btfgen tests.
char LICENSE[] SEC("license") = "GPL";
