// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* fentry-link: trace unlink(2)/unlinkat(2) with fentry and fexit programs on do_unlinkat.
 *
 * fentry/fexit run through BPF trampolines; where the kernel refuses them ecli says so.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include <bpf/bpf_core_read.h>
#include "fentry-link.h"

/// @description Trace this process only (0: all)
/// @cmdarg {"default": 0, "short": "p", "long": "pid", "help": "trace this process only (0: all)"}
const volatile pid_t targ_pid = 0;

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 256 * 1024);
} events SEC(".maps");

static __always_inline int report(struct filename *name, bool is_exit, long ret)
{
	__u32 pid = bpf_get_current_pid_tgid() >> 32;
	struct unlink_event *e;

	if (targ_pid && pid != (__u32)targ_pid)
		return 0;
	e = bpf_ringbuf_reserve(&events, sizeof(*e), 0);
	if (!e)
		return 0;
	e->pid = pid;
	bpf_get_current_comm(e->comm, sizeof(e->comm));
	bpf_probe_read_kernel_str(e->filename, sizeof(e->filename), BPF_CORE_READ(name, name));
	e->is_exit = is_exit;
	e->ret = is_exit ? ret : 0;
	bpf_ringbuf_submit(e, 0);
	return 0;
}

SEC("fentry/do_unlinkat")
int BPF_PROG(do_unlinkat_entry, int dfd, struct filename *name)
{
	return report(name, false, 0);
}

SEC("fexit/do_unlinkat")
int BPF_PROG(do_unlinkat_exit, int dfd, struct filename *name, long ret)
{
	return report(name, true, ret);
}

/// @brief Trace file deletions with fentry and fexit programs on do_unlinkat
/// @details Reports pid, comm and path on entry, and the result on exit. Needs BPF trampolines
/// (CONFIG_DEBUG_INFO_BTF and a kernel that allows tracing programs).
/// @version 0.1
char LICENSE[] SEC("license") = "Dual BSD/GPL";
