// SPDX-License-Identifier: MIT
/*
 * Fixture for tests/e2e/thirdparty.bats: a tool whose authors print its maps from their own
 * user space, so it has no event buffer and no annotations: a log2 histogram of write sizes
 * per comm (a value struct with a `slots` array), a write counter per fd, and a .bss array of
 * bytes per fd. ecli prints them all at exit, as bpftrace does.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>

#define MAX_SLOTS 24
#define MAX_FDS 8

struct hist_key {
	char comm[16];
};

struct hist {
	__u32 slots[MAX_SLOTS];
};

const volatile int targ_pid = 0;

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 64);
	__type(key, struct hist_key);
	__type(value, struct hist);
} hists SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 64);
	__type(key, __u32);
	__type(value, __u64);
} writes_by_fd SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 64);
	__type(key, __u32);
	__type(value, __u64);
} never_written SEC(".maps");

__u64 bytes_by_fd[MAX_FDS];
__u64 unused_counter;

static struct hist zero;

static __always_inline __u32 log2l(__u64 v)
{
	__u32 r = 0;

	while (v > 1 && r < MAX_SLOTS - 1) {
		v >>= 1;
		r++;
	}
	return r;
}

SEC("tracepoint/syscalls/sys_enter_write")
int mapsonly_write(struct trace_event_raw_sys_enter *ctx)
{
	__u32 fd = (__u32)ctx->args[0];
	__u64 count = ctx->args[2], one = 1, *n;
	struct hist_key key = {};
	struct hist *h;
	__u32 slot;

	if (!targ_pid || (bpf_get_current_pid_tgid() >> 32) != (__u32)targ_pid)
		return 0;
	bpf_get_current_comm(key.comm, sizeof(key.comm));
	h = bpf_map_lookup_elem(&hists, &key);
	if (!h) {
		bpf_map_update_elem(&hists, &key, &zero, BPF_NOEXIST);
		h = bpf_map_lookup_elem(&hists, &key);
		if (!h)
			return 0;
	}
	slot = log2l(count);
	if (slot < MAX_SLOTS)
		__sync_fetch_and_add(&h->slots[slot], 1);
	n = bpf_map_lookup_elem(&writes_by_fd, &fd);
	if (n)
		__sync_fetch_and_add(n, 1);
	else
		bpf_map_update_elem(&writes_by_fd, &fd, &one, BPF_NOEXIST);
	if (fd < MAX_FDS)
		__sync_fetch_and_add(&bytes_by_fd[fd], count);
	return 0;
}

char LICENSE[] SEC("license") = "GPL";
