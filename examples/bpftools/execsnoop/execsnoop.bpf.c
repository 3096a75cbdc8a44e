// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* execsnoop: trace execve() with the file name, arguments and result. */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include <bpf/bpf_core_read.h>
#include "execsnoop.h"

/// @cmdarg {"default": "", "short": "c", "long": "comm", "help": "only programs with this name"}
const volatile char targ_comm[TASK_COMM_LEN] = {};
/// @cmdarg {"default": -1, "short": "u", "long": "uid", "help": "trace this user id only"}
const volatile int targ_uid = -1;
/// @cmdarg {"default": false, "short": "x", "long": "failed", "help": "show failed execs only"}
const volatile bool targ_failed = false;

/* The event being built: filled at sys_enter, completed and sent at sys_exit. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 10240);
	__type(key, u32);
	__type(value, struct event);
} execs SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 256 * 1024);
} events SEC(".maps");

/* Scratch space: an event is too big for the 512-byte BPF stack. */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, u32);
	__type(value, struct event);
} heap SEC(".maps");

SEC("tracepoint/syscalls/sys_enter_execve")
int execsnoop_enter(struct trace_event_raw_sys_enter *ctx)
{
	u64 id = bpf_get_current_pid_tgid();
	u32 tid = (u32)id;
	const char *const *argv = (const char *const *)ctx->args[1];
	struct task_struct *task;
	struct event *e;
	unsigned int off = 0;
	u32 zero = 0;
	int i, n;

	if (targ_uid >= 0 && (u32)targ_uid != (u32)bpf_get_current_uid_gid())
		return 0;
	e = bpf_map_lookup_elem(&heap, &zero);
	if (!e)
		return 0;
	__builtin_memset(e, 0, sizeof(*e));

	task = (struct task_struct *)bpf_get_current_task();
	e->pid = id >> 32;
	e->ppid = BPF_CORE_READ(task, real_parent, tgid);
	e->uid = (u32)bpf_get_current_uid_gid();
	bpf_probe_read_user_str(e->filename, sizeof(e->filename), (const char *)ctx->args[0]);

	for (i = 0; i < MAX_ARGS; i++) {
		const char *arg = NULL;

		if (bpf_probe_read_user(&arg, sizeof(arg), &argv[i]) || !arg)
			break;
		if (off > ARGS_LEN - ARG_LEN)
			break;
		n = bpf_probe_read_user_str(&e->args[off], ARG_LEN, arg);
		if (n <= 0)
			break;
		off += n;
		e->args_count++;
		/* turn the NUL into a separator; the last one is restored below */
		if (off - 1 < ARGS_LEN)
			e->args[off - 1] = ' ';
	}
	if (off > 0 && off - 1 < ARGS_LEN)
		e->args[off - 1] = '\0';
	bpf_map_update_elem(&execs, &tid, e, BPF_ANY);
	return 0;
}

static __always_inline bool comm_matches(const char *comm)
{
	int i;

	if (!targ_comm[0])
		return true;
	for (i = 0; i < TASK_COMM_LEN; i++) {
		if (comm[i] != targ_comm[i])
			return false;
		if (!comm[i])
			break;
	}
	return true;
}

SEC("tracepoint/syscalls/sys_exit_execve")
int execsnoop_exit(struct trace_event_raw_sys_exit *ctx)
{
	u32 tid = (u32)bpf_get_current_pid_tgid();
	struct event *e;
	int ret = (int)ctx->ret;

	e = bpf_map_lookup_elem(&execs, &tid);
	if (!e)
		return 0;
	if (targ_failed && ret >= 0)
		goto cleanup;
	e->retval = ret;
	bpf_get_current_comm(&e->comm, sizeof(e->comm));
	if (!comm_matches(e->comm))
		goto cleanup;
	bpf_ringbuf_output(&events, e, sizeof(*e), 0);
cleanup:
	bpf_map_delete_elem(&execs, &tid);
	return 0;
}

/// @brief Trace new processes: every execve() with its file name, arguments and result
/// @details Arguments are copied up to 8 of them, 64 bytes each, joined by spaces.
/// Filter by the new program's name with --comm, by user with --uid, failures with --failed.
/// @version 0.1
char LICENSE[] SEC("license") = "Dual BSD/GPL";
