// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* bootstrap: process exec and exit, with the lifetime of each process. */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include <bpf/bpf_core_read.h>
#include "bootstrap.h"

/// @cmdarg {"default": 0, "short": "d", "long": "min_duration_ns", "help": "min lifetime (ns)"}
const volatile unsigned long long min_duration_ns = 0;
/// @cmdarg {"default": "", "short": "c", "long": "comm", "help": "only this process name"}
const volatile char targ_comm[TASK_COMM_LEN] = {};

/* exec time of each process seen starting */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 8192);
	__type(key, pid_t);
	__type(value, u64);
} exec_start SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 256 * 1024);
} exec_events SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 256 * 1024);
} exit_events SEC(".maps");

static __always_inline bool comm_allowed(const char *comm)
{
	int i;

	if (!targ_comm[0])
		return true;
	for (i = 0; i < TASK_COMM_LEN; i++) {
		if (comm[i] != targ_comm[i])
			return false;
		if (!comm[i])
			break;
	}
	return true;
}

SEC("tp/sched/sched_process_exec")
int bootstrap_exec(struct trace_event_raw_sched_process_exec *ctx)
{
	struct task_struct *task = (struct task_struct *)bpf_get_current_task();
	pid_t pid = bpf_get_current_pid_tgid() >> 32;
	char comm[TASK_COMM_LEN];
	unsigned int fname_off;
	struct exec_event *e;
	u64 ts;

	bpf_get_current_comm(comm, sizeof(comm));
	if (!comm_allowed(comm))
		return 0;
	ts = bpf_ktime_get_ns();
	bpf_map_update_elem(&exec_start, &pid, &ts, BPF_ANY);

	/* with a minimum duration only exits are interesting */
	if (min_duration_ns)
		return 0;

	e = bpf_ringbuf_reserve(&exec_events, sizeof(*e), 0);
	if (!e)
		return 0;
	e->pid = pid;
	e->ppid = BPF_CORE_READ(task, real_parent, tgid);
	__builtin_memcpy(e->comm, comm, sizeof(e->comm));
	fname_off = ctx->__data_loc_filename & 0xFFFF;
	bpf_probe_read_kernel_str(e->filename, sizeof(e->filename), (void *)ctx + fname_off);
	bpf_ringbuf_submit(e, 0);
	return 0;
}

SEC("tp/sched/sched_process_exit")
int bootstrap_exit(void *ctx)
{
	struct task_struct *task = (struct task_struct *)bpf_get_current_task();
	u64 id = bpf_get_current_pid_tgid();
	pid_t pid = id >> 32;
	u64 *start_ts, duration_ns = 0;
	char comm[TASK_COMM_LEN];
	struct exit_event *e;

	/* only the whole process ending, not each of its threads */
	if (pid != (u32)id)
		return 0;
	bpf_get_current_comm(comm, sizeof(comm));
	if (!comm_allowed(comm))
		return 0;

	start_ts = bpf_map_lookup_elem(&exec_start, &pid);
	if (start_ts)
		duration_ns = bpf_ktime_get_ns() - *start_ts;
	else if (min_duration_ns)
		return 0;
	bpf_map_delete_elem(&exec_start, &pid);
	if (min_duration_ns && duration_ns < min_duration_ns)
		return 0;

	e = bpf_ringbuf_reserve(&exit_events, sizeof(*e), 0);
	if (!e)
		return 0;
	e->pid = pid;
	e->ppid = BPF_CORE_READ(task, real_parent, tgid);
	e->exit_code = (BPF_CORE_READ(task, exit_code) >> 8) & 0xff;
	e->duration_ns = duration_ns;
	__builtin_memcpy(e->comm, comm, sizeof(e->comm));
	bpf_ringbuf_submit(e, 0);
	return 0;
}

/// @brief Trace process start and exit, with each process's lifetime
/// @details Exec events go to the exec_events ring buffer, exit events (with the exit code
/// and the time since exec) to exit_events. --min_duration_ns hides exec events and
/// short-lived processes; --comm restricts both to one program name.
/// @version 0.1
char LICENSE[] SEC("license") = "Dual BSD/GPL";
