// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* Benchmark object "events": one ring-buffer event per getppid() of the target process.
 * Each event carries its sequence number and the count of failed reservations so far. */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include "events.h"

/// @description Only count getppid() calls of this process
const volatile int target_pid = 0;

unsigned long long seq = 0;
unsigned long long drops = 0;

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 64 * 1024 * 1024);
} events SEC(".maps");

SEC("tp/syscalls/sys_enter_getppid")
int bench_event(void *ctx)
{
	int pid = bpf_get_current_pid_tgid() >> 32;
	struct event *e;

	if (pid != target_pid)
		return 0;
	e = bpf_ringbuf_reserve(&events, sizeof(*e), 0);
	if (!e) {
		__sync_fetch_and_add(&drops, 1);
		return 0;
	}
	e->pid = pid;
	e->tid = (int)bpf_get_current_pid_tgid();
	e->seq = __sync_fetch_and_add(&seq, 1);
	e->drops = drops;
	bpf_get_current_comm(e->comm, sizeof(e->comm));
	bpf_ringbuf_submit(e, 0);
	return 0;
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
