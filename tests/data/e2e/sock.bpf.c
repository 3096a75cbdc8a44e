// SPDX-License-Identifier: GPL-2.0
/* Test program: a socket filter (attached by ecli to a raw socket on -i IFNAME) reporting
 * IPv4 TCP packets by destination port. */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>

struct event {
	int len;
	int dport;
};

const volatile int port = 0;

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 64 * 1024);
} events SEC(".maps");

const struct event *__eunomia_dummy_e2e_event __attribute__((unused));

SEC("socket")
int e2e_sock(struct __sk_buff *skb)
{
	struct ethhdr eth;
	struct iphdr ip;
	struct tcphdr tcp;
	struct event *e;

	if (bpf_skb_load_bytes(skb, 0, &eth, sizeof(eth)) || eth.h_proto != bpf_htons(0x0800))
		return 0;
	if (bpf_skb_load_bytes(skb, sizeof(eth), &ip, sizeof(ip)) || ip.protocol != 6 ||
	    ip.ihl != 5)
		return 0;
	if (bpf_skb_load_bytes(skb, sizeof(eth) + sizeof(ip), &tcp, sizeof(tcp)))
		return 0;
	if (port && bpf_ntohs(tcp.dest) != port)
		return 0;
	e = bpf_ringbuf_reserve(&events, sizeof(*e), 0);
	if (!e)
		return 0;
	e->len = skb->len;
	e->dport = bpf_ntohs(tcp.dest);
	bpf_ringbuf_submit(e, 0);
	return 0;
}

char LICENSE[] SEC("license") = "GPL";
