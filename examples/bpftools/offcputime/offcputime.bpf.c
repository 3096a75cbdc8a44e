// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* offcputime: time threads spend blocked (off CPU), summed per kernel + user stack.
 *
 * When a thread is switched out, its stacks are taken (at sched_switch the thread leaving is
 * still the current one) and the time noted; when it runs again, the time away is added to
 * the counts entry of {process, comm, kernel stack, user stack}. The counts map is sampled:
 * ecli prints one block per unique stack with its total, the most blocked stack last.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include <bpf/bpf_core_read.h>

#define PF_KTHREAD	     0x00200000
#define TASK_COMM_LEN	     16
#define PERF_MAX_STACK_DEPTH 127

/// @cmdarg {"default": 0, "short": "p", "long": "pid", "help": "trace this process (tgid) only"}
const volatile int targ_tgid = 0;
/// @cmdarg {"default": 1, "short": "m", "long": "min_block_us", "help": "ignore blocks shorter than
/// this (us)"}
const volatile __u64 min_block_us = 1;

/* A unique stack of a process: the key of counts. */
struct offcpu_key {
	__u32 pid;
	char comm[TASK_COMM_LEN];
	__s32 kstack_id;
	__s32 ustack_id;
};

struct offcpu_start {
	__u64 ts;
	__s32 kstack_id;
	__s32 ustack_id;
};

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 10240);
	__type(key, __u32);
	__type(value, struct offcpu_start);
} start SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_STACK_TRACE);
	__uint(max_entries, 8192);
	__uint(key_size, sizeof(__u32));
	__uint(value_size, PERF_MAX_STACK_DEPTH * sizeof(__u64));
} stack_traces SEC(".maps");

/// Microseconds off CPU per stack.
/// @sample {"interval": 1000, "type": "default_kv", "clear_map": true}
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 10240);
	__type(key, struct offcpu_key);
	__type(value, __u64);
} counts SEC(".maps");

static __always_inline bool wanted(struct task_struct *t)
{
	if (BPF_CORE_READ(t, flags) & PF_KTHREAD)
		return false;
	return !targ_tgid || BPF_CORE_READ(t, tgid) == targ_tgid;
}

SEC("tp_btf/sched_switch")
int BPF_PROG(offcpu_switch, bool preempt, struct task_struct *prev, struct task_struct *next)
{
	struct offcpu_key key = {};
	struct offcpu_start *st;
	__u64 now = bpf_ktime_get_ns(), delta, *total;
	__u32 tid;

	if (wanted(prev)) {
		struct offcpu_start s = {.ts = now};

		tid = BPF_CORE_READ(prev, pid);
		s.kstack_id = bpf_get_stackid(ctx, &stack_traces, 0);
		s.ustack_id = bpf_get_stackid(ctx, &stack_traces, BPF_F_USER_STACK);
		bpf_map_update_elem(&start, &tid, &s, BPF_ANY);
	}

	tid = BPF_CORE_READ(next, pid);
	st = bpf_map_lookup_elem(&start, &tid);
	if (!st)
		return 0;
	delta = (now - st->ts) / 1000;
	if (delta >= min_block_us) {
		key.pid = BPF_CORE_READ(next, tgid);
		key.kstack_id = st->kstack_id;
		key.ustack_id = st->ustack_id;
		BPF_CORE_READ_STR_INTO(&key.comm, next, comm);
		total = bpf_map_lookup_elem(&counts, &key);
		if (total) {
			__sync_fetch_and_add(total, delta);
		} else {
			bpf_map_update_elem(&counts, &key, &delta, BPF_NOEXIST);
		}
	}
	bpf_map_delete_elem(&start, &tid);
	return 0;
}

/// @brief Time threads spend off CPU, summed per kernel and user stack (offcputime(8))
/// @details Every second, one block per unique stack: kernel frames, `--`, user frames, the
/// process, and the microseconds it spent blocked there. `ecli run --folded` prints flame
/// graph input instead.
/// @version 0.1
char LICENSE[] SEC("license") = "Dual BSD/GPL";
