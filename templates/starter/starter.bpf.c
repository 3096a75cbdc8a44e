// SPDX-License-Identifier: MIT
/*
 * starter: print every exec() on the system with its pid, parent pid, uid, command name and
 * file name. Build with `ecc starter.bpf.c starter.h`, run with `sudo ecli run package.json`.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_tracing.h>
#include "starter.h"

/// Only show processes started by this parent pid (0: every process).
const volatile int target_ppid = 0;

/// Only show processes of this user id (-1: every user).
const volatile int target_uid = -1;

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 256 * 1024);
} events SEC(".maps");

SEC("tp/sched/sched_process_exec")
int starter_exec(struct trace_event_raw_sched_process_exec *ctx)
{
	struct task_struct *task = (struct task_struct *)bpf_get_current_task();
	unsigned int fname_off = ctx->__data_loc_filename & 0xFFFF;
	unsigned int uid = (unsigned int)bpf_get_current_uid_gid();
	int ppid = BPF_CORE_READ(task, real_parent, tgid);
	struct event *e;

	if (target_ppid && ppid != target_ppid)
		return 0;
	if (target_uid >= 0 && uid != (unsigned int)target_uid)
		return 0;
	e = bpf_ringbuf_reserve(&events, sizeof(*e), 0);
	if (!e)
		return 0;
	e->pid = bpf_get_current_pid_tgid() >> 32;
	e->ppid = ppid;
	e->uid = uid;
	bpf_get_current_comm(&e->comm, sizeof(e->comm));
	bpf_probe_read_str(&e->filename, sizeof(e->filename), (void *)ctx + fname_off);
	bpf_ringbuf_submit(e, 0);
	return 0;
}

/// @brief starter: trace exec() calls.
/// @details Created with `ecc init starter` from the eunomia-bpf templates.
/// @version 0.1.0
char LICENSE[] SEC("license") = "Dual MIT/GPL";
