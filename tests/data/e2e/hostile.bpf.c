// SPDX-License-Identifier: GPL-2.0
/* tests/e2e/hostile.bats: the exec tracepoint package (exec.bpf.c) under its own names, so
 * that "nothing of it stays loaded" cannot be confused with another test's run. */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_core_read.h>
#include "exec.h"

/// only report children of this pid (0: all)
const volatile int target_ppid = 0;
/// a value copied into every event
const volatile int tag = 0;

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 256 * 1024);
} hostile_events SEC(".maps");

/* forces struct event into BTF (the public ecc's trick; the loader hides these) */
const struct event *__eunomia_dummy_hostile_event __attribute__((unused));

SEC("tp/sched/sched_process_exec")
int hostile_prog(struct trace_event_raw_sched_process_exec *ctx)
{
	struct task_struct *task = (struct task_struct *)bpf_get_current_task();
	unsigned int off = ctx->__data_loc_filename & 0xFFFF;
	struct event *e;
	int ppid;

	ppid = BPF_CORE_READ(task, real_parent, tgid);
	if (target_ppid && ppid != target_ppid)
		return 0;
	e = bpf_ringbuf_reserve(&hostile_events, sizeof(*e), 0);
	if (!e)
		return 0;
	e->pid = bpf_get_current_pid_tgid() >> 32;
	e->ppid = ppid;
	e->tag = tag;
	bpf_get_current_comm(&e->comm, sizeof(e->comm));
	bpf_probe_read_str(&e->filename, sizeof(e->filename), (void *)ctx + off);
	bpf_ringbuf_submit(e, 0);
	return 0;
}

char LICENSE[] SEC("license") = "GPL";
