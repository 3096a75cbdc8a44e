// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* runqlat: how long runnable tasks wait on a CPU run queue before they run, as a histogram. */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include <bpf/bpf_core_read.h>
#include "../common/hist.bpf.h"

/*
 * No runqlat.h on purpose: ecc takes <name>.h beside the source as the header of export
 * types, and this tool exports no events -- it has a sampled histogram map.
 */
#define TASK_RUNNING 0

/// @cmdarg {"default": false, "short": "P", "long": "per_process", "help": "a histogram per pid"}
const volatile bool targ_per_process = false;
/// @cmdarg {"default": 0, "short": "p", "long": "pid", "help": "trace this process (tgid) only"}
const volatile int targ_tgid = 0;

/* when each task was woken up or preempted (i.e. entered the run queue) */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 10240);
	__type(key, u32);
	__type(value, u64);
} start SEC(".maps");

/// @sample {"interval": 1000, "type": "log2_hist", "unit": "usecs", "clear_map": true}
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 10240);
	__type(key, u32);
	__type(value, struct hist);
} hists SEC(".maps");

static __always_inline int trace_enqueue(u32 tgid, u32 pid)
{
	u64 ts;

	if (!pid)
		return 0;
	if (targ_tgid && (u32)targ_tgid != tgid)
		return 0;
	ts = bpf_ktime_get_ns();
	bpf_map_update_elem(&start, &pid, &ts, BPF_ANY);
	return 0;
}

SEC("tp_btf/sched_wakeup")
int BPF_PROG(runqlat_wakeup, struct task_struct *p)
{
	return trace_enqueue(BPF_CORE_READ(p, tgid), BPF_CORE_READ(p, pid));
}

SEC("tp_btf/sched_wakeup_new")
int BPF_PROG(runqlat_wakenew, struct task_struct *p)
{
	return trace_enqueue(BPF_CORE_READ(p, tgid), BPF_CORE_READ(p, pid));
}

SEC("tp_btf/sched_switch")
int BPF_PROG(runqlat_switch, bool preempt, struct task_struct *prev, struct task_struct *next)
{
	struct hist *histp, zero = {};
	u64 *tsp;
	u32 pid, hkey;
	s64 delta;

	/* a task preempted while runnable goes straight back to the run queue */
	if (BPF_CORE_READ(prev, __state) == TASK_RUNNING)
		trace_enqueue(BPF_CORE_READ(prev, tgid), BPF_CORE_READ(prev, pid));

	pid = BPF_CORE_READ(next, pid);
	tsp = bpf_map_lookup_elem(&start, &pid);
	if (!tsp)
		return 0;
	delta = bpf_ktime_get_ns() - *tsp;
	bpf_map_delete_elem(&start, &pid);
	if (delta < 0)
		return 0;

	hkey = targ_per_process ? BPF_CORE_READ(next, tgid) : (u32)-1;
	histp = bpf_map_lookup_elem(&hists, &hkey);
	if (!histp) {
		bpf_map_update_elem(&hists, &hkey, &zero, BPF_NOEXIST);
		histp = bpf_map_lookup_elem(&hists, &hkey);
		if (!histp)
			return 0;
		if (targ_per_process)
			BPF_CORE_READ_STR_INTO(&histp->comm, next, group_leader, comm);
	}
	delta /= 1000U;
	__sync_fetch_and_add(&histp->slots[hist_slot(delta)], 1);
	return 0;
}

/// @brief Summarize run queue (scheduler) latency as a histogram
/// @details Time from a task becoming runnable (wakeup, or preemption while runnable) until
/// it runs on a CPU, printed every second as a log2 histogram in microseconds.
/// --per_process keeps one histogram per process, keyed by its pid; --pid traces one process.
/// @version 0.1
char LICENSE[] SEC("license") = "Dual BSD/GPL";
