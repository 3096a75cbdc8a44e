// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* profile: sample the running task on every CPU at a fixed frequency.
 *
 * ecli opens one PERF_COUNT_SW_CPU_CLOCK event per CPU (ecli run -F HZ, default 49) and
 * attaches the perf_event program to each; every tick reports which task was on the CPU, the
 * instruction pointer and the ids of its kernel and user stacks.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include <bpf/bpf_core_read.h>
#include "profile.h"

#define PERF_MAX_STACK_DEPTH 127

/// @description Sample this process (TGID) only; 0 samples every process
/// @cmdarg {"default": 0, "short": "p", "long": "pid", "help": "sample this process only (0: all)"}
const volatile pid_t targ_pid = 0;

/// @description Sample this thread only; 0 samples every thread
/// @cmdarg {"default": 0, "short": "t", "long": "tid", "help": "sample this thread only (0: all)"}
const volatile pid_t targ_tid = 0;

/// @description Also report samples of the idle task (pid 0)
const volatile bool include_idle = false;

/// @description Report samples taken in user mode only
const volatile bool user_only = false;

/// @description Report samples taken in kernel mode only
const volatile bool kernel_only = false;

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 256 * 1024);
} events SEC(".maps");

/* Stack traces by id: ecli prints the stacks of each sample with symbols. */
struct {
	__uint(type, BPF_MAP_TYPE_STACK_TRACE);
	__uint(max_entries, 4096);
	__uint(key_size, sizeof(__u32));
	__uint(value_size, PERF_MAX_STACK_DEPTH * sizeof(__u64));
} stack_traces SEC(".maps");

SEC("perf_event")
int do_sample(struct bpf_perf_event_data *ctx)
{
	__u64 id = bpf_get_current_pid_tgid();
	__u32 pid = id >> 32;
	__u32 tid = (__u32)id;
	struct stacktrace_event *e;
	bool user_mode;
	__u64 ip;

	if (!include_idle && tid == 0)
		return 0;
	if (targ_pid && pid != (__u32)targ_pid)
		return 0;
	if (targ_tid && tid != (__u32)targ_tid)
		return 0;

	/* x86_64 and arm64 keep the kernel in the upper half of the address space. */
	ip = PT_REGS_IP(&ctx->regs);
	user_mode = (__s64)ip >= 0;
	if (user_only && !user_mode)
		return 0;
	if (kernel_only && user_mode)
		return 0;

	e = bpf_ringbuf_reserve(&events, sizeof(*e), 0);
	if (!e)
		return 0;
	e->pid = pid;
	e->tid = tid;
	e->cpu = bpf_get_smp_processor_id();
	bpf_get_current_comm(e->comm, sizeof(e->comm));
	e->user_mode = user_mode;
	e->ip = ip;
	e->kstack_id = bpf_get_stackid(ctx, &stack_traces, 0);
	e->ustack_id = bpf_get_stackid(ctx, &stack_traces, BPF_F_USER_STACK);
	bpf_ringbuf_submit(e, 0);
	return 0;
}

/// @brief Sample the running task on every CPU at a fixed frequency (a minimal profile(8))
/// @details Run with `ecli run -F HZ` to choose the sampling rate (default 49 Hz per CPU).
/// Each sample prints its kernel and user stacks with symbols (`--folded`: flame graph input).
/// @version 0.1
char LICENSE[] SEC("license") = "Dual BSD/GPL";
