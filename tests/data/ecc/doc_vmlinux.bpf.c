// SPDX-License-Identifier: MIT
/* Fixture for tests/unit/test_ecc_doc.c and test_ecc_infer.c: a CO-RE source on vmlinux.h. */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include <bpf/bpf_core_read.h>

struct event {
	int pid;
	char comm[16];
	char filename[127];
};

struct exit_event {
	int pid;
	int exit_code;
};

/// Trace only this UID.
/// @cmdarg {"long": "uid", "short": "u", "default": -1}
const volatile int target_uid = -1;

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 256 * 1024);
} events SEC(".maps");

/// @note exec tracepoint
SEC("tp/sched/sched_process_exec")
int handle_exec(struct trace_event_raw_sched_process_exec *ctx)
{
	struct task_struct *task = (struct task_struct *)bpf_get_current_task();
	unsigned int off = ctx->__data_loc_filename & 0xFFFF;
	struct event *e;

	e = bpf_ringbuf_reserve(&events, sizeof(*e), 0);
	if (!e)
		return 0;
	e->pid = BPF_CORE_READ(task, tgid);
	bpf_get_current_comm(&e->comm, sizeof(e->comm));
	bpf_probe_read_str(&e->filename, sizeof(e->filename), (void *)ctx + off);
	bpf_ringbuf_submit(e, 0);
	return 0;
}

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 4096);
} exits SEC(".maps");

/// Declared by libbpf's BPF_PROG() macro.
/// @note tp_btf
SEC("tp_btf/sched_process_exit")
int BPF_PROG(handle_exit, struct task_struct *p)
{
	struct exit_event ev = {};

	ev.pid = BPF_CORE_READ(p, tgid);
	ev.exit_code = BPF_CORE_READ(p, exit_code) >> 8;
	bpf_ringbuf_output(&exits, &ev, sizeof(ev), 0);
	return 0;
}

/// @brief Trace exec with CO-RE
/// @version 0.2
char LICENSE[] SEC("license") = "GPL";
