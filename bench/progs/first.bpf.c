// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* Benchmark object "first": a service-sized tool for the request -> first event figure: one
 * tracepoint, a 256 KiB ring buffer (the "events" object's 64 MiB buffer alone takes the
 * kernel tens of ms to allocate), one event per getppid() of the target process. */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>

struct first_event {
	int pid;
	char comm[16];
};

/// @description Only report getppid() calls of this process
const volatile int target_pid = 0;

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 256 * 1024);
} events SEC(".maps");

SEC("tp/syscalls/sys_enter_getppid")
int bench_first(void *ctx)
{
	int pid = bpf_get_current_pid_tgid() >> 32;
	struct first_event *e;

	if (pid != target_pid)
		return 0;
	e = bpf_ringbuf_reserve(&events, sizeof(*e), 0);
	if (!e)
		return 0;
	e->pid = pid;
	bpf_get_current_comm(e->comm, sizeof(e->comm));
	bpf_ringbuf_submit(e, 0);
	return 0;
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
