// SPDX-License-Identifier: MIT
/* Fixture for tests/unit/test_ecc_infer.c: bpf_ringbuf_output() and bpf_perf_event_output(). */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

struct small_event {
	int pid;
};

struct big_event {
	int pid;
	char data[512];
};

struct perf_event {
	unsigned int cpu;
	unsigned long long ts;
};

typedef struct perf_event perf_event_t;

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 4096);
} rb SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct big_event);
} heap SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 4096);
} big_rb SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERF_EVENT_ARRAY);
	__uint(key_size, sizeof(__u32));
	__uint(value_size, sizeof(__u32));
} perf_events SEC(".maps");

SEC("tp/sched/sched_process_exec")
int local_struct(void *ctx)
{
	struct small_event e = {};

	e.pid = bpf_get_current_pid_tgid() >> 32;
	bpf_ringbuf_output(&rb, &e, sizeof(e), 0);
	return 0;
}

SEC("tp/sched/sched_process_exit")
int pointer_data(void *ctx)
{
	__u32 zero = 0;
	struct big_event *b = bpf_map_lookup_elem(&heap, &zero);

	if (!b)
		return 0;
	bpf_ringbuf_output(&big_rb, b, sizeof(*b), 0);
	return 0;
}

SEC("tp/sched/sched_process_fork")
int perf(void *ctx)
{
	perf_event_t data = {};

	data.cpu = bpf_get_smp_processor_id();
	bpf_perf_event_output(ctx, &perf_events, BPF_F_CURRENT_CPU, &data, sizeof(data));
	return 0;
}

char LICENSE[] SEC("license") = "GPL";
