// SPDX-License-Identifier: GPL-2.0
/* tests/e2e/hostile.bats: the export type (struct event, 264 bytes) points past the
 * records the program really submits (4 bytes: only the pid of an exec). The decoder must not read past
 * a record: ecli reports the short records and keeps running. */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_core_read.h>

struct event {
	int pid;
	char comm[16];
	unsigned long long big[30];
	int last;
};

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 64 * 1024);
} short_events SEC(".maps");

const struct event *__eunomia_dummy_short_event __attribute__((unused));

/// only report children of this pid
const volatile int target_ppid = 0;

SEC("tp/sched/sched_process_exec")
int short_prog(void *ctx)
{
	struct task_struct *task = (struct task_struct *)bpf_get_current_task();
	int pid = bpf_get_current_pid_tgid() >> 32;

	if (target_ppid && BPF_CORE_READ(task, real_parent, tgid) != target_ppid)
		return 0;
	bpf_ringbuf_output(&short_events, &pid, sizeof(pid), 0);
	return 0;
}

char LICENSE[] SEC("license") = "GPL";
