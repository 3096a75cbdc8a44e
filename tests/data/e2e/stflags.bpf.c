// SPDX-License-Identifier: GPL-2.0
/*
 * Test program for standalone tools whose own flags clash with ecli run's: -p is the tool's
 * parent-pid filter (ecli's -p is --target-pid), --raw is the tool's switch (ecli's --raw
 * stays reachable as -r). One event per exec, as exec.bpf.c.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_core_read.h>
#include "exec.h"

/// @cmdarg {"default": 0, "short": "p", "long": "ppid", "help": "only children of this pid"}
const volatile int targ_ppid = 0;
/// @cmdarg {"default": false, "long": "raw", "help": "tag every event with 1"}
const volatile bool raw = false;

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 256 * 1024);
} events SEC(".maps");

const struct event *__eunomia_dummy_stflags_event __attribute__((unused));

SEC("tp/sched/sched_process_exec")
int stflags_exec(struct trace_event_raw_sched_process_exec *ctx)
{
	struct task_struct *task = (struct task_struct *)bpf_get_current_task();
	unsigned int off = ctx->__data_loc_filename & 0xFFFF;
	struct event *e;
	int ppid;

	ppid = BPF_CORE_READ(task, real_parent, tgid);
	if (targ_ppid && ppid != targ_ppid)
		return 0;
	e = bpf_ringbuf_reserve(&events, sizeof(*e), 0);
	if (!e)
		return 0;
	e->pid = bpf_get_current_pid_tgid() >> 32;
	e->ppid = ppid;
	e->tag = raw;
	bpf_get_current_comm(&e->comm, sizeof(e->comm));
	bpf_probe_read_str(&e->filename, sizeof(e->filename), (void *)ctx + off);
	bpf_ringbuf_submit(e, 0);
	return 0;
}

char LICENSE[] SEC("license") = "GPL";
