// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* funclatency: how long a user-space function takes, entry to return, as a histogram. */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include <bpf/bpf_core_read.h>
#include "../common/hist.bpf.h"

/*
 * No funclatency.h on purpose: ecc takes <name>.h beside the source as the header of export
 * types, and this tool exports no events -- it has sampled histogram maps.
 *
 * The sections name no binary and no function: give them at run time with
 * `ecli run -b BINARY -f FUNCTION`, which apply to both programs.
 */

/// @cmdarg {"default": false, "short": "m", "long": "milliseconds", "help": "histogram in msecs"}
const volatile bool targ_ms = false;
/// @cmdarg {"default": false, "short": "P", "long": "per_process", "help": "a histogram per pid"}
const volatile bool targ_per_process = false;
/// @cmdarg {"default": 0, "short": "p", "long": "pid", "help": "trace this process (tgid) only"}
const volatile int targ_tgid = 0;

/* entry time of the call in progress, per thread */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 10240);
	__type(key, u32);
	__type(value, u64);
} starts SEC(".maps");

/*
 * One map per unit, since the unit of a sampled map is fixed: the program fills the one
 * --milliseconds picks, and ecli prints nothing for the other (it stays empty).
 */
/// @sample {"interval": 1000, "type": "log2_hist", "unit": "usecs", "clear_map": true}
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 10240);
	__type(key, u32);
	__type(value, struct hist);
} hist_us SEC(".maps");

/// @sample {"interval": 1000, "type": "log2_hist", "unit": "msecs", "clear_map": true}
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 10240);
	__type(key, u32);
	__type(value, struct hist);
} hist_ms SEC(".maps");

/* add one call of `value` units to the histogram of key `hkey` in `hists` */
static __always_inline void hist_add(void *hists, u32 hkey, u64 value)
{
	struct hist *histp, zero = {};

	histp = bpf_map_lookup_elem(hists, &hkey);
	if (!histp) {
		bpf_map_update_elem(hists, &hkey, &zero, BPF_NOEXIST);
		histp = bpf_map_lookup_elem(hists, &hkey);
		if (!histp)
			return;
		if (targ_per_process) {
			struct task_struct *task = (void *)bpf_get_current_task();

			BPF_CORE_READ_STR_INTO(&histp->comm, task, group_leader, comm);
		}
	}
	__sync_fetch_and_add(&histp->slots[hist_slot(value)], 1);
}

SEC("uprobe")
int BPF_KPROBE(funclatency_entry)
{
	u64 id = bpf_get_current_pid_tgid();
	u32 tid = (u32)id;
	u64 ts;

	if (targ_tgid && (u32)targ_tgid != id >> 32)
		return 0;
	ts = bpf_ktime_get_ns();
	bpf_map_update_elem(&starts, &tid, &ts, BPF_ANY);
	return 0;
}

SEC("uretprobe")
int BPF_KRETPROBE(funclatency_exit)
{
	u64 id = bpf_get_current_pid_tgid();
	u32 tid = (u32)id, hkey;
	u64 *tsp;
	s64 delta;

	tsp = bpf_map_lookup_elem(&starts, &tid);
	if (!tsp)
		return 0;
	delta = bpf_ktime_get_ns() - *tsp;
	bpf_map_delete_elem(&starts, &tid);
	if (delta < 0)
		return 0;

	hkey = targ_per_process ? id >> 32 : (u32)-1;
	if (targ_ms)
		hist_add(&hist_ms, hkey, delta / 1000000U);
	else
		hist_add(&hist_us, hkey, delta / 1000U);
	return 0;
}

/// @brief Summarize the latency of a user-space function as a histogram
/// @details Time from entry to return of the function chosen with `ecli run -b BINARY
/// -f FUNCTION`, for every call, printed every second as a log2 histogram in microseconds
/// (--milliseconds: in milliseconds). --per_process keeps one histogram per process, keyed by
/// its pid; --pid traces one process.
/// @version 0.1
char LICENSE[] SEC("license") = "Dual BSD/GPL";
