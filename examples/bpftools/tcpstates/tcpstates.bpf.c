// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* tcpstates: report every TCP state change, with addresses, ports and the time spent in the
 * previous state, from the sock:inet_sock_set_state tracepoint. */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include <bpf/bpf_core_read.h>
#include "tcpstates.h"

#define AF_INET	    2
#define AF_INET6    10
#define IPPROTO_TCP 6

/// @description Address family to trace: 4 (IPv4), 6 (IPv6) or 0 for both
/// @cmdarg {"default": 0, "short": "f", "long": "family", "help": "4: IPv4, 6: IPv6, 0: both"}
const volatile int target_family = 0;

/// @description Trace sockets whose local or remote port is this one (0: all)
/// @cmdarg {"default": 0, "short": "P", "long": "port", "help": "local or remote port"}
const volatile __u16 target_port = 0;

/// @description Trace sockets with this local port only (0: all)
const volatile __u16 target_sport = 0;

/// @description Trace sockets with this remote port only (0: all)
const volatile __u16 target_dport = 0;

/* When each socket entered its current state (ns), to compute delta_us. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 10240);
	__type(key, __u64);
	__type(value, __u64);
} timestamps SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 256 * 1024);
} events SEC(".maps");

SEC("tracepoint/sock/inet_sock_set_state")
int handle_set_state(struct trace_event_raw_inet_sock_set_state *ctx)
{
	__u64 skaddr = (__u64)ctx->skaddr;
	__u16 family = ctx->family;
	__u16 sport = ctx->sport;
	__u16 dport = ctx->dport;
	__u64 now, *tsp;
	struct event *e;

	if (ctx->protocol != IPPROTO_TCP)
		return 0;
	if (target_family == 4 && family != AF_INET)
		return 0;
	if (target_family == 6 && family != AF_INET6)
		return 0;
	if (target_port && sport != target_port && dport != target_port)
		return 0;
	if (target_sport && sport != target_sport)
		return 0;
	if (target_dport && dport != target_dport)
		return 0;

	now = bpf_ktime_get_ns();
	e = bpf_ringbuf_reserve(&events, sizeof(*e), 0);
	if (!e)
		goto out;
	__builtin_memset(e, 0, sizeof(*e));
	tsp = bpf_map_lookup_elem(&timestamps, &skaddr);
	e->delta_us = tsp ? (now - *tsp) / 1000 : 0;
	e->skaddr = skaddr;
	e->pid = bpf_get_current_pid_tgid() >> 32;
	bpf_get_current_comm(e->comm, sizeof(e->comm));
	e->family = family;
	e->sport = sport;
	e->dport = dport;
	e->oldstate = ctx->oldstate;
	e->newstate = ctx->newstate;
	/* The context may not be read at computed offsets: copy the arrays with a helper. */
	if (family == AF_INET) {
		bpf_probe_read_kernel(e->saddr, 4, ctx->saddr);
		bpf_probe_read_kernel(e->daddr, 4, ctx->daddr);
	} else {
		bpf_probe_read_kernel(e->saddr, 16, ctx->saddr_v6);
		bpf_probe_read_kernel(e->daddr, 16, ctx->daddr_v6);
	}
	bpf_ringbuf_submit(e, 0);
out:
	if (ctx->newstate == CLOSE)
		bpf_map_delete_elem(&timestamps, &skaddr);
	else
		bpf_map_update_elem(&timestamps, &skaddr, &now, BPF_ANY);
	return 0;
}

/// @brief Trace TCP state changes (a minimal tcpstates(8))
/// @details Each line is one transition of one socket: the process current when it happened,
/// the local and remote address and port, the old and new state, and the microseconds the
/// socket spent in the old state. Filter with --port, --family, --target_sport, --target_dport.
/// @version 0.1
char LICENSE[] SEC("license") = "Dual BSD/GPL";
