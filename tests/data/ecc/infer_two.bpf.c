// SPDX-License-Identifier: MIT
/* Fixture for tests/unit/test_ecc_infer.c: two ring buffers carrying two structs, the second
 * written through macros. */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

struct exit_event {
	int pid;
	int exit_code;
};

struct exec_event {
	int pid;
	char comm[16];
};

#define RESERVE(ptr, map) ((ptr) = bpf_ringbuf_reserve(&(map), sizeof(*(ptr)), 0))
#define EMIT(map, ev)     bpf_ringbuf_output(&(map), &(ev), sizeof(ev), 0)

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 4096);
} exit_rb SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 4096);
} exec_rb SEC(".maps");

SEC("tp/sched/sched_process_exec")
int handle_exec(void *ctx)
{
	struct exec_event ev = {};

	ev.pid = bpf_get_current_pid_tgid() >> 32;
	EMIT(exec_rb, ev);
	return 0;
}

SEC("tp/sched/sched_process_exit")
int handle_exit(void *ctx)
{
	struct exit_event *e;

	if (!RESERVE(e, exit_rb))
		return 0;
	e->pid = bpf_get_current_pid_tgid() >> 32;
	bpf_ringbuf_submit(e, 0);
	return 0;
}

char LICENSE[] SEC("license") = "GPL";
