// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* usdt: decode the arguments of a USDT probe (eunomia:tick in usdt_target.c). */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include <bpf/usdt.bpf.h>
#include "usdt.h"

/// @cmdarg {"default": 0, "short": "p", "long": "pid", "help": "trace this process only"}
const volatile int targ_pid = 0;

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 256 * 1024);
} events SEC(".maps");

/* The binary path here is the default; choose the real one with `ecli run -b PATH`. */
SEC("usdt/./usdt_target:eunomia:tick")
int BPF_USDT(usdt_tick, long iteration, long long value, const char *msg)
{
	u32 pid = bpf_get_current_pid_tgid() >> 32;
	struct event *e;

	if (targ_pid && pid != (u32)targ_pid)
		return 0;
	e = bpf_ringbuf_reserve(&events, sizeof(*e), 0);
	if (!e)
		return 0;
	e->pid = pid;
	e->iteration = iteration;
	e->value = value;
	if (bpf_probe_read_user_str(e->msg, sizeof(e->msg), msg) < 0)
		e->msg[0] = '\0';
	bpf_ringbuf_submit(e, 0);
	return 0;
}

/// @brief Decode the arguments of the USDT probe eunomia:tick
/// @details Attaches to the probe in usdt_target (build it from usdt_target.c) and prints
/// each hit with its three arguments. Give the binary with `ecli run -b /path/to/usdt_target`.
/// @version 0.1
char LICENSE[] SEC("license") = "Dual BSD/GPL";
