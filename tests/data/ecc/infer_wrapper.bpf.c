// SPDX-License-Identifier: MIT
/*
 * Fixture for tests/unit/test_ecc_infer.c: records handed out and submitted through wrappers,
 * the way libbpf-tools' compat helpers do it (a `void *` reserve that falls back to a per-CPU
 * heap slot, a submit helper taking `void *`), wrappers of wrappers, a wrapper defined after
 * its caller, and a macro around the call.
 */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
#include "infer_wrapper.h"

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 4096);
} events SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERF_EVENT_ARRAY);
	__uint(key_size, sizeof(int));
	__uint(value_size, sizeof(int));
} exits SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, int);
	__type(value, struct wr_event);
} heap SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 64);
	__type(key, int);
	__type(value, struct args_t);
} start SEC(".maps");

const volatile int use_ringbuf = 1;

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

/* a wrapper of a wrapper */
static __always_inline void *get_record(void)
{
	return reserve_buf(sizeof(struct wr_event));
}

static long emit_exit(void *ctx, void *rec);

#define RESERVE(T) ((T *)get_record())

SEC("tracepoint/syscalls/sys_exit_openat")
int handle_open(void *ctx)
{
	int pid = bpf_get_current_pid_tgid() >> 32;
	struct args_t *ap = bpf_map_lookup_elem(&start, &pid);
	struct wr_event *e;

	if (!ap)
		return 0;
	e = RESERVE(struct wr_event);
	if (!e)
		return 0;
	e->pid = pid;
	submit_buf(ctx, e, sizeof(*e));
	return 0;
}

SEC("tracepoint/sched/sched_process_exit")
int handle_exit(void *ctx)
{
	struct exit_rec r = {.pid = 1};

	emit_exit(ctx, &r);
	return 0;
}

/* defined after its caller: found on the second walk */
static __attribute__((noinline)) long emit_exit(void *ctx, void *rec)
{
	return bpf_perf_event_output(ctx, &exits, BPF_F_CURRENT_CPU, rec, sizeof(struct exit_rec));
}

char LICENSE[] SEC("license") = "GPL";
