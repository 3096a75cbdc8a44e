// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* kprobe-link: trace unlink(2)/unlinkat(2) with a kprobe on do_unlinkat (remembers the path)
 * and a kretprobe (reports it with the result).
 *
 * Needs a kernel with CONFIG_KPROBES; where kprobes are missing ecli refuses to run it.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include <bpf/bpf_core_read.h>
#include "kprobe-link.h"

/// @description Trace this process only (0: all)
/// @cmdarg {"default": 0, "short": "p", "long": "pid", "help": "trace this process only (0: all)"}
const volatile pid_t targ_pid = 0;

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 10240);
	__type(key, __u32);
	__type(value, struct unlink_event);
} inflight SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 256 * 1024);
} events SEC(".maps");

SEC("kprobe/do_unlinkat")
int BPF_KPROBE(do_unlinkat_entry, int dfd, struct filename *name)
{
	__u64 id = bpf_get_current_pid_tgid();
	__u32 tid = (__u32)id;
	struct unlink_event e = {};
	const char *path;

	e.pid = id >> 32;
	if (targ_pid && e.pid != (__u32)targ_pid)
		return 0;
	bpf_get_current_comm(e.comm, sizeof(e.comm));
	path = BPF_CORE_READ(name, name);
	bpf_probe_read_kernel_str(e.filename, sizeof(e.filename), path);
	bpf_map_update_elem(&inflight, &tid, &e, BPF_ANY);
	return 0;
}

SEC("kretprobe/do_unlinkat")
int BPF_KRETPROBE(do_unlinkat_exit, long ret)
{
	__u32 tid = (__u32)bpf_get_current_pid_tgid();
	struct unlink_event *start, *e;

	start = bpf_map_lookup_elem(&inflight, &tid);
	if (!start)
		return 0;
	e = bpf_ringbuf_reserve(&events, sizeof(*e), 0);
	if (e) {
		__builtin_memcpy(e, start, sizeof(*e));
		e->ret = ret;
		bpf_ringbuf_submit(e, 0);
	}
	bpf_map_delete_elem(&inflight, &tid);
	return 0;
}

/// @brief Trace file deletions with a kprobe and a kretprobe on do_unlinkat
/// @details Reports pid, comm, the path and the result. Needs CONFIG_KPROBES.
/// @version 0.1
char LICENSE[] SEC("license") = "Dual BSD/GPL";
