// SPDX-License-Identifier: MIT
/* Fixture for tests/e2e/metrics.bats: read(2) sizes of one process (its comm is the tool's
 * target_comm, its fd target_fd) as a log2 histogram, a key/value table, an unannotated
 * hash map, a per-CPU counter declared with @metric, and a ring buffer of the reads. */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>

enum rs_class {
	RS_SMALL = 1,
	RS_LARGE = 2,
};

struct hist {
	u32 slots[32];
};

struct kkey {
	char comm[16];
	enum rs_class cls;
};

struct kval {
	u64 calls;
	u64 bytes;
	s32 neg_fd;
};

struct event {
	u32 pid;
	u64 count;
};

/// comm of the reader to count
const volatile char target_comm[16] = "";
/// its file descriptor
const volatile int target_fd = 97;

/// @sample {"interval": 1000, "type": "log2_hist", "unit": "bytes", "clear_map": false}
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 16);
	__type(key, u32);
	__type(value, struct hist);
} sizes SEC(".maps");

/// @sample {"interval": 1000, "type": "default_kv", "clear_map": false}
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 16);
	__type(key, struct kkey);
	__type(value, struct kval);
} classes SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 16);
	__type(key, u32);
	__type(value, u64);
} byfd SEC(".maps");

/// @sample {"interval": 1000, "type": "linear_hist", "unit": "bytes", "clear_map": false}
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, u32);
	__type(value, u32[8]);
} small SEC(".maps");

/// @metric {"name": "reads", "type": "counter", "help": "reads by \"the\" reader\\seen"}
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, u32);
	__type(value, u64);
} total SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 64 * 1024);
} events SEC(".maps");

static __always_inline u32 log2u(u64 v)
{
	u32 r = 0;

	for (int i = 0; i < 63 && v > 1; i++) {
		v >>= 1;
		r++;
	}
	return r;
}

static __always_inline bool is_target(void)
{
	char comm[16];

	bpf_get_current_comm(comm, sizeof(comm));
	for (int i = 0; i < 16; i++) {
		if (comm[i] != target_comm[i])
			return false;
		if (!comm[i])
			break;
	}
	return true;
}

SEC("tracepoint/syscalls/sys_enter_read")
int handle_read(struct trace_event_raw_sys_enter *ctx)
{
	struct hist zero = {}, *h;
	u32 *lin;
	struct kkey k = {};
	struct kval kz = {}, *kv;
	u64 count = ctx->args[2], one = 1, *p;
	u32 fd = (u32)ctx->args[0], slot, z = 0;
	struct event *e;

	if ((int)fd != target_fd || !target_comm[0] || !is_target())
		return 0;
	h = bpf_map_lookup_elem(&sizes, &fd);
	if (!h) {
		bpf_map_update_elem(&sizes, &fd, &zero, BPF_NOEXIST);
		h = bpf_map_lookup_elem(&sizes, &fd);
		if (!h)
			return 0;
	}
	slot = log2u(count);
	if (slot < 32)
		__sync_fetch_and_add(&h->slots[slot], 1);

	bpf_get_current_comm(k.comm, sizeof(k.comm));
	k.cls = count < 64 ? RS_SMALL : RS_LARGE;
	kv = bpf_map_lookup_elem(&classes, &k);
	if (!kv) {
		kz.neg_fd = -(s32)fd;
		bpf_map_update_elem(&classes, &k, &kz, BPF_NOEXIST);
		kv = bpf_map_lookup_elem(&classes, &k);
		if (!kv)
			return 0;
	}
	__sync_fetch_and_add(&kv->calls, 1);
	__sync_fetch_and_add(&kv->bytes, count);

	p = bpf_map_lookup_elem(&byfd, &fd);
	if (p)
		__sync_fetch_and_add(p, 1);
	else
		bpf_map_update_elem(&byfd, &fd, &one, BPF_NOEXIST);
	slot = count < 7 ? (u32)count : 7;
	lin = bpf_map_lookup_elem(&small, &z);
	if (lin && slot < 8)
		__sync_fetch_and_add(&lin[slot], 1);
	p = bpf_map_lookup_elem(&total, &z);
	if (p)
		*p += 1;

	e = bpf_ringbuf_reserve(&events, sizeof(*e), 0);
	if (e) {
		e->pid = bpf_get_current_pid_tgid() >> 32;
		e->count = count;
		bpf_ringbuf_submit(e, 0);
	}
	return 0;
}

char LICENSE[] SEC("license") = "GPL";
