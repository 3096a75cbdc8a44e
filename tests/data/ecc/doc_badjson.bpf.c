// SPDX-License-Identifier: MIT
/* Fixture for tests/unit/test_ecc_doc.c: malformed JSON in annotations. */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

/// Process ID to trace
/// @cmdarg {"default": 0, "long": "pid",}
const volatile int target_pid = 0;

/**
 * A good one.
 * @cmdarg {"long": "tgid"}
 */
const volatile int target_tgid = 0;

/// @sample 1000
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 16);
	__type(key, __u32);
	__type(value, __u64);
} counts SEC(".maps");

/**
 * @tchook {"ifindex": 1,
 *          "attach_point": "BPF_TC_INGRESS"
 */
SEC("tc")
int tc_ingress(struct __sk_buff *skb)
{
	return 0;
}

/// @xdpopts {"old_prog_fd": x}
SEC("xdp")
int xdp_pass(struct xdp_md *ctx)
{
	return XDP_PASS;
}

char LICENSE[] SEC("license") = "GPL";
