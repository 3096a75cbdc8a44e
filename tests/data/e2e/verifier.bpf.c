// SPDX-License-Identifier: GPL-2.0
/* Test program: reads past the end of a map value; the verifier must reject it. */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u64);
} vals SEC(".maps");

SEC("tp/syscalls/sys_enter_getpid")
int e2e_bad_read(void *ctx)
{
	__u32 key = 0;
	volatile __u64 *v = bpf_map_lookup_elem(&vals, &key);

	if (!v)
		return 0;
	return (int)v[16]; /* 8-byte value, read at offset 128 */
}

char LICENSE[] SEC("license") = "GPL";
