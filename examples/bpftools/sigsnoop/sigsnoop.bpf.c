// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* sigsnoop: every signal generated on the system, from the signal/signal_generate tracepoint. */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include "sigsnoop.h"

/// @cmdarg {"default": 0, "short": "p", "long": "pid", "help": "only signals sent by PID"}
const volatile int filtered_pid = 0;
/// @cmdarg {"default": 0, "short": "s", "long": "signal", "help": "trace this signal number only"}
const volatile int target_signal = 0;
/// @cmdarg {"default": false, "short": "x", "long": "failed", "help": "only undelivered signals"}
const volatile bool failed_only = false;

/* Events go through a perf event array (one buffer per CPU). */
struct {
	__uint(type, BPF_MAP_TYPE_PERF_EVENT_ARRAY);
	__uint(key_size, sizeof(u32));
	__uint(value_size, sizeof(u32));
} events SEC(".maps");

SEC("tracepoint/signal/signal_generate")
int sigsnoop_generate(struct trace_event_raw_signal_generate *ctx)
{
	u32 pid = bpf_get_current_pid_tgid() >> 32;
	struct event event = {};

	if (filtered_pid && pid != (u32)filtered_pid)
		return 0;
	if (target_signal && ctx->sig != target_signal)
		return 0;
	if (failed_only && ctx->result == 0)
		return 0;

	event.pid = pid;
	event.tpid = ctx->pid;
	event.sig = ctx->sig;
	event.ret = ctx->result;
	bpf_get_current_comm(event.comm, sizeof(event.comm));
	bpf_perf_event_output(ctx, &events, BPF_F_CURRENT_CPU, &event, sizeof(event));
	return 0;
}

/// @brief Trace signals sent between processes
/// @details One line per signal generated: sender pid and name, target pid, signal number and
/// result (0 delivered, 1 ignored, 2 already pending, 3 overflow, 4 lost info).
/// Filter with --pid (sender), --signal and --failed.
/// @version 0.1
char LICENSE[] SEC("license") = "Dual BSD/GPL";
