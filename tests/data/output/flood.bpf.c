// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* Test fixture for tests/e2e/output.bats: one ring-buffer event per getppid() of one process,
 * numbered, so that a flood can be checked for loss, order and exact bytes. */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>

struct flood_event {
	int pid;
	unsigned int neg_ok;
	long long neg;
	unsigned long long seq;
	char comm[16];
};

/// @description Only count getppid() calls of this process
const volatile int target_pid = 0;

unsigned long long seq = 0;

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 16 * 1024 * 1024);
} flood_events SEC(".maps");

SEC("tp/syscalls/sys_enter_getppid")
int eo_flood(void *ctx)
{
	int pid = bpf_get_current_pid_tgid() >> 32;
	struct flood_event *e;

	if (pid != target_pid)
		return 0;
	e = bpf_ringbuf_reserve(&flood_events, sizeof(*e), 0);
	if (!e)
		return 0;
	e->pid = pid;
	e->seq = __sync_fetch_and_add(&seq, 1);
	e->neg = -(long long)e->seq;
	e->neg_ok = 1;
	bpf_get_current_comm(e->comm, sizeof(e->comm));
	bpf_ringbuf_submit(e, 0);
	return 0;
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
