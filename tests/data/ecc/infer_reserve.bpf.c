// SPDX-License-Identifier: MIT
/* Fixture for tests/unit/test_ecc_infer.c: bpf_ringbuf_reserve() in its usual forms. */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

struct event {
	int pid;
	char comm[16];
};

struct exec_event {
	int pid;
	long long ts;
};
typedef struct exec_event exec_event_t;

struct cast_event {
	int cpu;
};

struct raw_event {
	unsigned long long addr;
};

typedef struct {
	int x;
} anon_event_t;

struct ret_event {
	int tid;
};

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 4096);
} rb SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 4096);
} typed_rb SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 4096);
} cast_rb SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 4096);
} raw_rb SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 4096);
} anon_rb SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 4096);
} ret_rb SEC(".maps");

static __always_inline struct ret_event *new_ret_event(void)
{
	return bpf_ringbuf_reserve(&ret_rb, sizeof(struct ret_event), 0);
}

SEC("tp/sched/sched_process_exec")
int initialised(void *ctx)
{
	struct event *e = bpf_ringbuf_reserve(&rb, sizeof(*e), 0);

	if (!e)
		return 0;
	e->pid = bpf_get_current_pid_tgid() >> 32;
	bpf_ringbuf_submit(e, 0);
	/* the same pair again: reported once */
	e = bpf_ringbuf_reserve(&rb, sizeof(*e), 0);
	if (e)
		bpf_ringbuf_discard(e, 0);
	return 0;
}

SEC("tp/sched/sched_process_exit")
int assigned_typedef(void *ctx)
{
	exec_event_t *e;

	if (!(e = bpf_ringbuf_reserve(&typed_rb, sizeof(*e), 0)))
		return 0;
	e->ts = bpf_ktime_get_ns();
	bpf_ringbuf_submit(e, 0);
	return 0;
}

SEC("tp/sched/sched_process_fork")
int casts(void *ctx)
{
	struct cast_event *c;
	void *raw;
	anon_event_t *a;

	c = (struct cast_event *)bpf_ringbuf_reserve(&cast_rb, sizeof(*c), 0);
	if (c)
		bpf_ringbuf_submit(c, 0);
	/* only the cast names the type */
	raw = (struct raw_event *)(bpf_ringbuf_reserve(&raw_rb, sizeof(struct raw_event), 0));
	if (raw)
		bpf_ringbuf_submit(raw, 0);
	a = bpf_ringbuf_reserve(&anon_rb, sizeof(*a), 0);
	if (a)
		bpf_ringbuf_submit(a, 0);
	return 0;
}

SEC("tp/sched/sched_switch")
int untyped(void *ctx)
{
	struct ret_event *r = new_ret_event();

	if (r)
		bpf_ringbuf_submit(r, 0);
	/* a byte buffer: no struct to export */
	char *buf = bpf_ringbuf_reserve(&rb, 64, 0);
	if (buf)
		bpf_ringbuf_submit(buf, 0);
	return 0;
}

char LICENSE[] SEC("license") = "GPL";
