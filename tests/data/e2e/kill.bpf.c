// SPDX-License-Identifier: MIT
/* tests/e2e/sigkill.bats: one program per tracing kind, each run alone with --only NAME and
 * killed with SIGKILL; nothing may stay loaded or attached. They only count events. */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 3);
	__type(key, u32);
	__type(value, u64);
} kill_hits SEC(".maps");

static void hit(u32 i)
{
	u64 *v = bpf_map_lookup_elem(&kill_hits, &i);

	if (v)
		__sync_fetch_and_add(v, 1);
}

SEC("tp/sched/sched_process_exec")
int kill_tp(void *ctx)
{
	hit(0);
	return 0;
}

SEC("raw_tp/sched_process_exec")
int kill_raw_tp(void *ctx)
{
	hit(1);
	return 0;
}

SEC("tp_btf/sched_process_exec")
int kill_tp_btf(void *ctx)
{
	hit(2);
	return 0;
}

char LICENSE[] SEC("license") = "GPL";
