// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* xdp: count the packets and bytes that arrive on an interface, by protocol.
 *
 * The interface is chosen at run time: `ecli run -i IFNAME package.json`. Every frame is
 * passed on unchanged (XDP_PASS); the counters are printed every second.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>

/* Counters are kept per (ethertype, IP protocol); ip_proto is 0 for non-IP frames. */
struct proto_key {
	__u16 eth_proto;
	__u8 ip_proto;
	__u8 pad;
};

struct proto_count {
	__u64 packets;
	__u64 bytes;
};

#define ETH_P_IP     0x0800
#define ETH_P_IPV6   0x86DD
#define ETH_P_8021Q  0x8100
#define ETH_P_8021AD 0x88A8

/// @description Count only packets of this IP protocol (6 TCP, 17 UDP, ...; 0: all)
/// @cmdarg {"default": 0, "long": "proto", "help": "count only this IP protocol number (0: all)"}
const volatile __u8 target_proto = 0;

/// @sample {"interval": 1000, "type": "default_kv"}
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 256);
	__type(key, struct proto_key);
	__type(value, struct proto_count);
} counts SEC(".maps");

/// @ifindex 1
/// @flags 0
SEC("xdp")
int xdp_count(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data;
	void *data_end = (void *)(long)ctx->data_end;
	struct ethhdr *eth = data;
	struct proto_key key = {};
	struct proto_count *cnt, zero = {};
	void *l3;
	__u16 proto;

	if ((void *)(eth + 1) > data_end)
		return XDP_PASS;
	proto = bpf_ntohs(eth->h_proto);
	l3 = eth + 1;
	if (proto == ETH_P_8021Q || proto == ETH_P_8021AD) {
		struct vlan_hdr *vh = l3;

		if ((void *)(vh + 1) > data_end)
			return XDP_PASS;
		proto = bpf_ntohs(vh->h_vlan_encapsulated_proto);
		l3 = vh + 1;
	}
	key.eth_proto = proto;
	if (proto == ETH_P_IP) {
		struct iphdr *iph = l3;

		if ((void *)(iph + 1) > data_end)
			return XDP_PASS;
		key.ip_proto = iph->protocol;
	} else if (proto == ETH_P_IPV6) {
		struct ipv6hdr *ip6h = l3;

		if ((void *)(ip6h + 1) > data_end)
			return XDP_PASS;
		key.ip_proto = ip6h->nexthdr;
	}
	if (target_proto && key.ip_proto != target_proto)
		return XDP_PASS;

	cnt = bpf_map_lookup_elem(&counts, &key);
	if (!cnt) {
		bpf_map_update_elem(&counts, &key, &zero, BPF_NOEXIST);
		cnt = bpf_map_lookup_elem(&counts, &key);
		if (!cnt)
			return XDP_PASS;
	}
	__sync_fetch_and_add(&cnt->packets, 1);
	__sync_fetch_and_add(&cnt->bytes, data_end - data);
	return XDP_PASS;
}

/// @brief Count packets and bytes arriving on an interface, by ethertype and IP protocol
/// @details Choose the interface with `ecli run -i IFNAME`. Frames are never dropped or changed.
/// The counters are printed every second as key/value pairs.
/// @version 0.1
char LICENSE[] SEC("license") = "Dual BSD/GPL";
