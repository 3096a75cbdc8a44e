// SPDX-License-Identifier: MIT
/* Fixture for tests/unit/test_ecc_doc.c: one of every doc-comment annotation. */
#include <stdbool.h>
#include <linux/bpf.h>
#include <linux/pkt_cls.h>
#include <bpf/bpf_helpers.h>

/// Process ID to trace
/// @cmdarg {"default": 0, "short": "p", "long": "pid", "help": "trace this PID only"}
const volatile int target_pid = 0;

/// This plain text is replaced by the explicit tag.
/// @description print more details
const volatile bool verbose = false;

/**
 * Minimum duration
 * in microseconds.
 *
 * @cmdarg {
 *     "default": 1000,
 *     "long": "min-us",
 *     "help": "tab\there, mail me@example.com, read @file \\x"
 * }
 */
const volatile unsigned long long min_us = 1000;

/// Command name filter
/// @unit "chars"
/// @count 3
/// @note keep it short
/// @enabled true
/// @empty
const volatile char target_comm[16] = {};

/** @cmdarg {"long": "one-line"} */
const volatile int one_liner = 0;

//! \description backslash form, Qt style "//!"
const volatile int qt_style = 0;

// An ordinary comment is not documentation.
const volatile int not_documented = 1;

/* Neither is this one. */
const volatile int not_documented_either = 2;

int counter; /**< a trailing doc comment on a .bss variable */

/**
 * @sample {"interval": 1000, "type": "log2_hist",
 *          "unit": "usecs", "clear_map": true}
 */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 1024);
	__type(key, __u32);
	__type(value, __u64);
} hist SEC(".maps");

/// Events to user space
struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 256 * 1024);
} rb SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u64);
} undocumented SEC(".maps");

/// Pass every packet.
/// @ifindex 1
/// @flags 2
/// @xdpopts {"old_prog_fd": 0}
SEC("xdp")
int xdp_pass(struct xdp_md *ctx)
{
	return XDP_PASS;
}

/**
 * @tchook {"ifindex": 1, "attach_point": "BPF_TC_INGRESS"}
 * @tcopts {"handle": 1, "priority": 1}
 */
SEC("tc")
int tc_ingress(struct __sk_buff *skb)
{
	return TC_ACT_OK;
}

static __always_inline int helper(int x)
{
	return x + 1;
}

/// Trace process execution.
/// @brief Trace exec() calls
/// @details Prints one line per exec.
/// Second line of the same paragraph.
///
/// A second paragraph.
/// @version 1.0
char LICENSE[] SEC("license") = "Dual BSD/GPL";
