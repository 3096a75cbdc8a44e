// SPDX-License-Identifier: MIT
/*
 * Fixture for tests/e2e/thirdparty.bats: one tracepoint hook written three ways, the way
 * portable tools ship it. The raw_tp port reads the task through its context argument
 * directly, which only tp_btf may do: the verifier rejects it. The loader must prefer tp_btf,
 * and fall back past the rejected raw_tp to the classic tracepoint when tp_btf is disabled.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>

struct tpv_event {
	int pid;
	int variant; /* 1 tp_btf, 2 raw_tp, 3 tracepoint */
};

const volatile int targ_pid = 0;

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 64 * 1024);
} events SEC(".maps");

static __always_inline int emit(int pid, int variant)
{
	struct tpv_event *e;

	if (targ_pid && pid != targ_pid)
		return 0;
	e = bpf_ringbuf_reserve(&events, sizeof(*e), 0);
	if (!e)
		return 0;
	e->pid = pid;
	e->variant = variant;
	bpf_ringbuf_submit(e, 0);
	return 0;
}

SEC("raw_tp/sched_process_exec")
int exec_raw_tp(struct bpf_raw_tracepoint_args *ctx)
{
	struct task_struct *p = (struct task_struct *)ctx->args[0];

	return emit(p->tgid, 2); /* a plain load through a scalar: rejected */
}

SEC("tp/sched/sched_process_exec")
int exec_tp(struct trace_event_raw_sched_process_exec *ctx)
{
	return emit(bpf_get_current_pid_tgid() >> 32, 3);
}

SEC("tp_btf/sched_process_exec")
int BPF_PROG(exec_tp_btf, struct task_struct *p, pid_t old_pid, struct linux_binprm *bprm)
{
	return emit(p->tgid, 1);
}

char LICENSE[] SEC("license") = "GPL";
