// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* opensnoop: trace open() and openat() with their file name and result. */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include "opensnoop.h"

/// @cmdarg {"default": 0, "short": "p", "long": "pid", "help": "trace this process (tgid) only"}
const volatile int targ_pid = 0;
/// @cmdarg {"default": -1, "short": "u", "long": "uid", "help": "trace this user id only"}
const volatile int targ_uid = -1;
/// @cmdarg {"default": false, "short": "x", "long": "failed", "help": "show failed opens only"}
const volatile bool targ_failed = false;

/* What sys_enter saw, kept until sys_exit of the same thread. */
struct args_t {
	const char *fname;
	int flags;
};

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 10240);
	__type(key, u32);
	__type(value, struct args_t);
} start SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 256 * 1024);
} events SEC(".maps");

static __always_inline bool trace_allowed(u32 tgid)
{
	if (targ_pid && (u32)targ_pid != tgid)
		return false;
	if (targ_uid >= 0 && (u32)targ_uid != (u32)bpf_get_current_uid_gid())
		return false;
	return true;
}

static __always_inline int enter(const char *fname, int flags)
{
	u64 id = bpf_get_current_pid_tgid();
	u32 tid = (u32)id;
	struct args_t args = {};

	if (!trace_allowed(id >> 32))
		return 0;
	args.fname = fname;
	args.flags = flags;
	bpf_map_update_elem(&start, &tid, &args, BPF_ANY);
	return 0;
}

SEC("tracepoint/syscalls/sys_enter_open")
int opensnoop_open(struct trace_event_raw_sys_enter *ctx)
{
	return enter((const char *)ctx->args[0], (int)ctx->args[1]);
}

SEC("tracepoint/syscalls/sys_enter_openat")
int opensnoop_openat(struct trace_event_raw_sys_enter *ctx)
{
	return enter((const char *)ctx->args[1], (int)ctx->args[2]);
}

static __always_inline int leave(struct trace_event_raw_sys_exit *ctx)
{
	u64 id = bpf_get_current_pid_tgid();
	u32 tid = (u32)id;
	struct args_t *ap;
	struct event *e;
	int ret = (int)ctx->ret;

	ap = bpf_map_lookup_elem(&start, &tid);
	if (!ap)
		return 0;
	if (targ_failed && ret >= 0)
		goto cleanup;
	e = bpf_ringbuf_reserve(&events, sizeof(*e), 0);
	if (!e)
		goto cleanup;
	e->pid = id >> 32;
	e->uid = (u32)bpf_get_current_uid_gid();
	e->ret = ret;
	e->flags = ap->flags;
	bpf_get_current_comm(&e->comm, sizeof(e->comm));
	if (bpf_probe_read_user_str(&e->fname, sizeof(e->fname), ap->fname) < 0)
		e->fname[0] = '\0';
	bpf_ringbuf_submit(e, 0);
cleanup:
	bpf_map_delete_elem(&start, &tid);
	return 0;
}

SEC("tracepoint/syscalls/sys_exit_open")
int opensnoop_ret(struct trace_event_raw_sys_exit *ctx)
{
	return leave(ctx);
}

SEC("tracepoint/syscalls/sys_exit_openat")
int opensnoop_atret(struct trace_event_raw_sys_exit *ctx)
{
	return leave(ctx);
}

/// @brief Trace open() and openat() system calls
/// @details Prints one line per open with the process, the file name and the result
/// (a file descriptor, or a negative errno). Filter with --pid, --uid and --failed.
/// @version 0.1
char LICENSE[] SEC("license") = "Dual BSD/GPL";
