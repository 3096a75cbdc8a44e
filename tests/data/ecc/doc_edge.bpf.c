// SPDX-License-Identifier: MIT
/* Fixture for tests/unit/test_ecc_doc.c: edge cases of the tag syntax. */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

/// @
const volatile int lone_at = 0;

///
const volatile int empty_comment = 0;

/// @cmdarg {"long": "open"
/// @description a tag at a line start ends an unbalanced JSON value
const volatile int unbalanced = 0;

/// Größe in µs
/// @note first
/// @note second
/// @cmdarg {"long": "choice", "choices": [1, 2, {"x": "}"}]}
int bss_var = 0;

/// @description "quoted \"text\""
const volatile int quoted = 0;

/// @tchook {"ifindex": 1,
int tc_proto(struct __sk_buff *skb);

SEC("tc")
int tc_proto(struct __sk_buff *skb)
{
	return 0;
}

/// above the struct
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u64);
} both SEC(".maps"); ///< @sample {"interval": 500}

/// a .bss struct
struct {
	int a;
} config;

#define PROG(name) int name(void *ctx)

/// Declared through a macro
/// @note found by the lexer
SEC("tp/sched/sched_process_exec")
PROG(macro_prog)
{
	return 0;
}

/// Not documentation for the next function: a declaration comes between.
int separator;
#define PROG2(name) int name(void *ctx)
PROG2(macro_prog_undocumented)
{
	return 0;
}

char LICENSE[] SEC("license") = "GPL";
