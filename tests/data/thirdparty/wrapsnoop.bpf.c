// SPDX-License-Identifier: MIT
/*
 * Fixture for tests/e2e/thirdparty.bats: an open() tracer written the way many CO-RE tools
 * are: its header declares an argument struct and a map key before (or after) the event, the
 * record comes from a `void *` reserve wrapper with a per-CPU heap fallback and goes out through
 * a `void *` submit wrapper. ecc must export the struct really submitted, whatever the order.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include "wrapsnoop.h"

const volatile int targ_pid = 0;
const volatile bool use_ringbuf = true;

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 256 * 1024);
} events SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, int);
	__type(value, struct wr_event);
} heap SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 1024);
	__type(key, struct wr_key);
	__type(value, struct wr_args);
} start SEC(".maps");

static __always_inline void *reserve_buf(__u64 size)
{
	static const int zero = 0;

	if (use_ringbuf)
		return bpf_ringbuf_reserve(&events, size, 0);
	return bpf_map_lookup_elem(&heap, &zero);
}

static __always_inline long submit_buf(void *ctx, void *buf, __u64 size)
{
	if (use_ringbuf) {
		bpf_ringbuf_submit(buf, 0);
		return 0;
	}
	return bpf_perf_event_output(ctx, &events, BPF_F_CURRENT_CPU, buf, size);
}

SEC("tracepoint/syscalls/sys_enter_openat")
int wrapsnoop_enter(struct trace_event_raw_sys_enter *ctx)
{
	__u32 pid = bpf_get_current_pid_tgid() >> 32;
	struct wr_key key = {.tid = (__u32)bpf_get_current_pid_tgid()};
	struct wr_args args = {.fname = (const char *)ctx->args[1], .flags = (int)ctx->args[2]};
	struct wr_event *e;

	if (targ_pid && pid != (__u32)targ_pid)
		return 0;
	bpf_map_update_elem(&start, &key, &args, BPF_ANY);
	e = reserve_buf(sizeof(*e));
	if (!e)
		return 0;
	e->magic = 0x5eed;
	e->pid = pid;
	e->flags = args.flags;
	bpf_get_current_comm(e->comm, sizeof(e->comm));
	bpf_probe_read_user_str(e->fname, sizeof(e->fname), args.fname);
	submit_buf(ctx, e, sizeof(*e));
	return 0;
}

char LICENSE[] SEC("license") = "GPL";
