// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* cgroup: count the packets and bytes that the sockets of a cgroup send and receive.
 *
 * The cgroup is chosen at run time: `ecli run --cgroup /sys/fs/cgroup/unified/NAME`. Both
 * programs allow every packet; the counters are printed every second.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>

enum traffic_dir {
	EGRESS = 0,
	INGRESS = 1,
};

/* Packets and bytes (IP packet length) that passed one direction. */
struct traffic {
	__u64 packets;
	__u64 bytes;
};

/// @sample {"interval": 1000, "type": "default_kv"}
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 2);
	__type(key, enum traffic_dir);
	__type(value, struct traffic);
} traffic SEC(".maps");

static __always_inline void count(enum traffic_dir dir, struct __sk_buff *skb)
{
	struct traffic *t, zero = {};

	t = bpf_map_lookup_elem(&traffic, &dir);
	if (!t) {
		bpf_map_update_elem(&traffic, &dir, &zero, BPF_NOEXIST);
		t = bpf_map_lookup_elem(&traffic, &dir);
		if (!t)
			return;
	}
	__sync_fetch_and_add(&t->packets, 1);
	__sync_fetch_and_add(&t->bytes, skb->len);
}

SEC("cgroup_skb/egress")
int count_egress(struct __sk_buff *skb)
{
	count(EGRESS, skb);
	return 1; /* allow */
}

SEC("cgroup_skb/ingress")
int count_ingress(struct __sk_buff *skb)
{
	count(INGRESS, skb);
	return 1; /* allow */
}

/// @brief Count the packets and bytes the sockets of a cgroup send and receive
/// @details Choose the cgroup (v2) with `ecli run --cgroup PATH`; the default is the root of
/// /sys/fs/cgroup/unified. Byte counts are IP packet lengths. Nothing is ever dropped.
/// @version 0.1
char LICENSE[] SEC("license") = "Dual BSD/GPL";
