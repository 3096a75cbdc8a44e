// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* syscount: count system calls, per syscall number or per process. */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>

/// @cmdarg {"default": 0, "short": "p", "long": "pid", "help": "count this process (tgid) only"}
const volatile int filter_pid = 0;
/// @cmdarg {"default": false, "short": "P", "long": "process", "help": "count per pid"}
const volatile bool count_by_process = false;

/* key: syscall number (x86_64 numbering here), or pid with --process; value: calls */
/// @sample {"interval": 1000, "type": "default_kv"}
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 10240);
	__type(key, u32);
	__type(value, u64);
} counts SEC(".maps");

SEC("tracepoint/raw_syscalls/sys_enter")
int syscount_enter(struct trace_event_raw_sys_enter *ctx)
{
	u32 pid = bpf_get_current_pid_tgid() >> 32;
	u64 one = 1, *count;
	u32 key;

	if (filter_pid && pid != (u32)filter_pid)
		return 0;
	if (ctx->id < 0)
		return 0;
	key = count_by_process ? pid : (u32)ctx->id;
	count = bpf_map_lookup_elem(&counts, &key);
	if (count)
		__sync_fetch_and_add(count, 1);
	else
		bpf_map_update_elem(&counts, &key, &one, BPF_NOEXIST);
	return 0;
}

/// @brief Count system calls per syscall number, or per process with --process
/// @details Counts from the raw_syscalls/sys_enter tracepoint, printed every second as
/// key/value pairs (the key is the syscall number, or the pid). Filter with --pid.
/// @version 0.1
char LICENSE[] SEC("license") = "Dual BSD/GPL";
