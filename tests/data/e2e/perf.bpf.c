// SPDX-License-Identifier: GPL-2.0
/* Test program: perf_event sampling on the CPU clock. */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>

struct event {
	int pid;
	int cpu;
	char comm[16];
};

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 64 * 1024);
} events SEC(".maps");

const struct event *__eunomia_dummy_e2e_event __attribute__((unused));

SEC("perf_event")
int e2e_perf(struct bpf_perf_event_data *ctx)
{
	struct event *e;
	int pid = bpf_get_current_pid_tgid() >> 32;

	if (!pid)
		return 0;
	e = bpf_ringbuf_reserve(&events, sizeof(*e), 0);
	if (!e)
		return 0;
	e->pid = pid;
	e->cpu = bpf_get_smp_processor_id();
	bpf_get_current_comm(&e->comm, sizeof(e->comm));
	bpf_ringbuf_submit(e, 0);
	return 0;
}

char LICENSE[] SEC("license") = "GPL";
