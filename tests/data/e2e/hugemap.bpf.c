// SPDX-License-Identifier: GPL-2.0
/* tests/e2e/hostile.bats: a map declared with absurd sizes (2^31 - 1 entries of 64 KiB, 128 TiB):
 * the kernel refuses to create it; ecli must say so, exit 1 and leave nothing loaded (the
 * small map created before it included). */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, u32);
	__type(value, u64);
} huge_small SEC(".maps");

struct big {
	char bytes[65536];
};

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 0x7fffffff);
	__type(key, u32);
	__type(value, struct big);
} huge_absurd SEC(".maps");

SEC("tp/syscalls/sys_enter_getppid")
int huge_prog(void *ctx)
{
	u32 k = 0;
	u64 *v = bpf_map_lookup_elem(&huge_small, &k);
	struct big *b = bpf_map_lookup_elem(&huge_absurd, &k);

	if (v && b)
		*v += b->bytes[0];
	return 0;
}

char LICENSE[] SEC("license") = "GPL";
