// SPDX-License-Identifier: GPL-2.0
/* ecc test fixture, no header: two ring buffers carrying two different structs, inferred. */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>

struct exec_event {
	int pid;
	char comm[16];
};

struct exit_event {
	int pid;
	int exit_code;
	unsigned long long duration_ns;
};

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 64 * 1024);
} exec_rb SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 64 * 1024);
} exit_rb SEC(".maps");

SEC("tp/sched/sched_process_exec")
int handle_exec(void *ctx)
{
	struct exec_event *e = bpf_ringbuf_reserve(&exec_rb, sizeof(*e), 0);

	if (!e)
		return 0;
	e->pid = bpf_get_current_pid_tgid() >> 32;
	bpf_get_current_comm(&e->comm, sizeof(e->comm));
	bpf_ringbuf_submit(e, 0);
	return 0;
}

SEC("tp/sched/sched_process_exit")
int handle_exit(void *ctx)
{
	struct exit_event e = {};

	e.pid = bpf_get_current_pid_tgid() >> 32;
	e.duration_ns = bpf_ktime_get_ns();
	bpf_ringbuf_output(&exit_rb, &e, sizeof(e), 0);
	return 0;
}

char LICENSE[] SEC("license") = "GPL";
