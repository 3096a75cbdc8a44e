// SPDX-License-Identifier: GPL-2.0
/* Test program: cgroup_skb egress, reporting IPv4 TCP packets by destination port. */
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

SEC("cgroup_skb/egress")
int e2e_cg_egress(struct __sk_buff *skb)
{
	struct iphdr ip;
	struct tcphdr tcp;
	struct event *e;

	if (skb->protocol != bpf_htons(0x0800))
		return 1;
	if (bpf_skb_load_bytes(skb, 0, &ip, sizeof(ip)) || ip.protocol != 6 || ip.ihl != 5)
		return 1;
	if (bpf_skb_load_bytes(skb, sizeof(ip), &tcp, sizeof(tcp)))
		return 1;
	if (port && bpf_ntohs(tcp.dest) != port)
		return 1;
	e = bpf_ringbuf_reserve(&events, sizeof(*e), 0);
	if (!e)
		return 1;
	e->len = skb->len;
	e->dport = bpf_ntohs(tcp.dest);
	bpf_ringbuf_submit(e, 0);
	return 1;
}

char LICENSE[] SEC("license") = "GPL";
