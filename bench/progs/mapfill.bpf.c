// SPDX-License-Identifier: MIT
/* make bench: a hash map user space fills with 10k/100k keys, for the /metrics scrape time. */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>

struct mkey {
	u32 pid;
	u32 tid;
};

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 100000);
	__type(key, struct mkey);
	__type(value, u64);
} big SEC(".maps");

SEC("tracepoint/syscalls/sys_enter_getppid")
int count_getppid(void *ctx)
{
	u64 id = bpf_get_current_pid_tgid(), one = 1, *v;
	struct mkey k = {.pid = id >> 32, .tid = (u32)id};

	v = bpf_map_lookup_elem(&big, &k);
	if (v)
		__sync_fetch_and_add(v, 1);
	else
		bpf_map_update_elem(&big, &k, &one, BPF_NOEXIST);
	return 0;
}

char LICENSE[] SEC("license") = "GPL";
