// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* tc: log the IPv4 packets that arrive on an interface, from a clsact ingress classifier.
 *
 * The interface is chosen at run time: `ecli run -i IFNAME package.json`. ecli creates the
 * clsact qdisc if needed and removes the filter (and a qdisc it created) at exit. Every packet
 * is passed on unchanged (TC_ACT_OK).
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>
#include "tc.h"

#define TC_ACT_OK   0
#define ETH_P_IP    0x0800
#define IPPROTO_TCP 6
#define IPPROTO_UDP 17

/// @description Log only packets of this IP protocol (6 TCP, 17 UDP, 1 ICMP; 0: all)
/// @cmdarg {"default": 0, "long": "proto", "help": "log only this IP protocol number (0: all)"}
const volatile __u8 target_proto = 0;

/// @description Log only TCP/UDP packets to this destination port (0: all)
/// @cmdarg {"default": 0, "short": "P", "long": "port", "help": "only this TCP/UDP dst port"}
const volatile __u16 target_dport = 0;

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 256 * 1024);
} events SEC(".maps");

/// @tchook {"ifindex": 1, "attach_point": "BPF_TC_INGRESS"}
/// @tcopts {"handle": 1, "priority": 1}
SEC("tc")
int tc_ingress(struct __sk_buff *ctx)
{
	void *data = (void *)(long)ctx->data;
	void *data_end = (void *)(long)ctx->data_end;
	struct ethhdr *eth = data;
	struct iphdr *iph;
	struct packet *p;
	__u16 sport = 0, dport = 0;
	__u32 ihl;

	if (ctx->protocol != bpf_htons(ETH_P_IP))
		return TC_ACT_OK;
	if ((void *)(eth + 1) > data_end)
		return TC_ACT_OK;
	iph = (void *)(eth + 1);
	if ((void *)(iph + 1) > data_end)
		return TC_ACT_OK;
	if (target_proto && iph->protocol != target_proto)
		return TC_ACT_OK;
	ihl = iph->ihl * 4;
	if (ihl < sizeof(*iph))
		return TC_ACT_OK;
	if (iph->protocol == IPPROTO_TCP || iph->protocol == IPPROTO_UDP) {
		/* Source and destination ports open both the TCP and the UDP header. */
		__be16 *ports = (void *)iph + ihl;

		if ((void *)(ports + 2) > data_end)
			return TC_ACT_OK;
		sport = bpf_ntohs(ports[0]);
		dport = bpf_ntohs(ports[1]);
	}
	if (target_dport && dport != target_dport)
		return TC_ACT_OK;

	p = bpf_ringbuf_reserve(&events, sizeof(*p), 0);
	if (!p)
		return TC_ACT_OK;
	p->ifindex = ctx->ifindex;
	p->len = ctx->len;
	__builtin_memcpy(p->saddr, &iph->saddr, 4);
	__builtin_memcpy(p->daddr, &iph->daddr, 4);
	p->sport = sport;
	p->dport = dport;
	p->ip_proto = iph->protocol;
	p->ttl = iph->ttl;
	bpf_ringbuf_submit(p, 0);
	return TC_ACT_OK;
}

/// @brief Log IPv4 packets arriving on an interface, from a tc clsact ingress classifier
/// @details Choose the interface with `ecli run -i IFNAME`; filter with --proto and --port.
/// Packets are never dropped or changed; the filter is removed at exit.
/// @version 0.1
char LICENSE[] SEC("license") = "Dual BSD/GPL";
