// SPDX-License-Identifier: GPL-2.0
/* ecc test fixture: a tracepoint + ring buffer program with a header. */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include <bpf/bpf_core_read.h>
#include "execsnoop.h"

/// Only report processes of this pid (0: all)
const volatile int target_pid = 0;
/// @cmdarg {"long": "min-uid", "short": "u", "help": "minimum uid"}
const volatile unsigned long long min_uid = 0;
const volatile char target_comm[TASK_COMM_LEN] = {};
const volatile bool verbose_mode = false;

int counter = 0;
__u64 last_ts;
pid_t last_pid;

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 256 * 1024);
} rb SEC(".maps");

SEC("tp/sched/sched_process_exec")
int ecc_e2e_exec(struct trace_event_raw_sched_process_exec *ctx)
{
	struct task_struct *task;
	unsigned int fname_off;
	struct event *e;
	pid_t pid;

	pid = bpf_get_current_pid_tgid() >> 32;
	if (target_pid && pid != target_pid)
		return 0;
	e = bpf_ringbuf_reserve(&rb, sizeof(*e), 0);
	if (!e)
		return 0;
	task = (struct task_struct *)bpf_get_current_task();
	e->exit_event = 0;
	e->pid = pid;
	e->ppid = BPF_CORE_READ(task, real_parent, tgid);
	e->uid = bpf_get_current_uid_gid();
	bpf_get_current_comm(&e->comm, sizeof(e->comm));
	fname_off = ctx->__data_loc_filename & 0xFFFF;
	bpf_probe_read_str(&e->filename, sizeof(e->filename), (void *)ctx + fname_off);
	counter++;
	last_ts = bpf_ktime_get_ns();
	last_pid = pid;
	bpf_ringbuf_submit(e, 0);
	return 0;
}

SEC("tp/sched/sched_process_exit")
int ecc_e2e_exit(struct trace_event_raw_sched_process_template *ctx)
{
	struct event *e;

	e = bpf_ringbuf_reserve(&rb, sizeof(*e), 0);
	if (!e)
		return 0;
	e->exit_event = 1;
	e->pid = bpf_get_current_pid_tgid() >> 32;
	bpf_get_current_comm(&e->comm, sizeof(e->comm));
	bpf_ringbuf_submit(e, 0);
	return 0;
}

/// @brief Trace exec() and exit() of processes
/// @version 1.0
char LICENSE[] SEC("license") = "Dual BSD/GPL";
