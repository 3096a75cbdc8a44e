// SPDX-License-Identifier: MIT
/* Fixture for tests/unit/test_ecc_frontend.c: a source that includes its header, so that the
 * header's structs come from the source's own parse. */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
#include "header_events.h"

/// @description Process to trace
/// @cmdarg {"short": "p", "long": "pid"}
const volatile int target_pid = 0;

/// @sample {"interval": 1000}
struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 4096);
} events SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 4096);
} exits SEC(".maps");

/// Trace exec
SEC("tp/sched/sched_process_exec")
int handle_exec(void *ctx)
{
	struct event *e = bpf_ringbuf_reserve(&events, sizeof(*e), 0);

	if (!e)
		return 0;
	e->pid = bpf_get_current_pid_tgid() >> 32;
	bpf_ringbuf_submit(e, 0);
	return 0;
}

SEC("tp/sched/sched_process_exit")
int handle_exit(void *ctx)
{
	exit_event_t ev = {.pid = bpf_get_current_pid_tgid() >> 32};

	bpf_ringbuf_output(&exits, &ev, sizeof(ev), 0);
	return 0;
}

/// @brief Fixture program
/// @version 1.0
char LICENSE[] SEC("license") = "GPL";
