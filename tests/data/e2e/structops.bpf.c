// SPDX-License-Identifier: GPL-2.0
/* Test program: a struct_ops map (a TCP congestion control that behaves like Reno's
 * fallbacks), registered while ecli runs. */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>

SEC("struct_ops/e2e_ssthresh")
__u32 BPF_PROG(e2e_ssthresh, struct sock *sk)
{
	return 2;
}

SEC("struct_ops/e2e_cong_avoid")
void BPF_PROG(e2e_cong_avoid, struct sock *sk, __u32 ack, __u32 acked)
{
}

SEC("struct_ops/e2e_undo_cwnd")
__u32 BPF_PROG(e2e_undo_cwnd, struct sock *sk)
{
	return 2;
}

SEC(".struct_ops")
struct tcp_congestion_ops e2e_cc = {
	.ssthresh = (void *)e2e_ssthresh,
	.cong_avoid = (void *)e2e_cong_avoid,
	.undo_cwnd = (void *)e2e_undo_cwnd,
	.name = "e2e_cc",
};

char LICENSE[] SEC("license") = "GPL";
