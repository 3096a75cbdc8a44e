// SPDX-License-Identifier: GPL-2.0
/* Test program: xdp and tc (ingress) programs reporting IPv4 TCP packets by port. */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>

#define ETH_P_IP  0x0800
#define TC_ACT_OK 0

struct event {
	int hook; /* 1 xdp, 2 tc */
	int len;
	int dport;
};

/// only report packets to this TCP port
const volatile int port = 0;

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 64 * 1024);
} events SEC(".maps");

const struct event *__eunomia_dummy_e2e_event __attribute__((unused));

static int parse(void *data, void *data_end, int hook)
{
	struct ethhdr *eth = data;
	struct iphdr *ip;
	struct tcphdr *tcp;
	struct event *e;

	if ((void *)(eth + 1) > data_end || eth->h_proto != bpf_htons(ETH_P_IP))
		return 0;
	ip = (void *)(eth + 1);
	if ((void *)(ip + 1) > data_end || ip->protocol != 6 || ip->ihl != 5)
		return 0;
	tcp = (void *)(ip + 1);
	if ((void *)(tcp + 1) > data_end)
		return 0;
	if (port && bpf_ntohs(tcp->dest) != port)
		return 0;
	e = bpf_ringbuf_reserve(&events, sizeof(*e), 0);
	if (!e)
		return 0;
	e->hook = hook;
	e->len = (int)(data_end - data);
	e->dport = bpf_ntohs(tcp->dest);
	bpf_ringbuf_submit(e, 0);
	return 0;
}

SEC("xdp")
int e2e_xdp(struct xdp_md *ctx)
{
	parse((void *)(long)ctx->data, (void *)(long)ctx->data_end, 1);
	return XDP_PASS;
}

SEC("tc")
int e2e_tc(struct __sk_buff *skb)
{
	parse((void *)(long)skb->data, (void *)(long)skb->data_end, 2);
	return TC_ACT_OK;
}

char LICENSE[] SEC("license") = "GPL";
