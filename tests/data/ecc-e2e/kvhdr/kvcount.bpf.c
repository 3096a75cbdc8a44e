// SPDX-License-Identifier: MIT
/* A counter whose header holds only map key/value structs: nothing is an event type. */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include "kvcount.h"

/// @sample {"interval": 1000, "type": "default_kv"}
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 1024);
	__type(key, struct kv_key);
	__type(value, struct kv_val);
} kv_counts SEC(".maps");

SEC("tp/raw_syscalls/sys_enter")
int kvcount_enter(struct trace_event_raw_sys_enter *ctx)
{
	struct kv_key key = {.pid = bpf_get_current_pid_tgid() >> 32, .nr = (unsigned int)ctx->id};
	struct kv_val one = {.count = 1}, *v;

	v = bpf_map_lookup_elem(&kv_counts, &key);
	if (v)
		__sync_fetch_and_add(&v->count, 1);
	else
		bpf_map_update_elem(&kv_counts, &key, &one, BPF_NOEXIST);
	return 0;
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
