// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* Stack ids in the event: bpf_get_stackid into the object's one stack trace map (found from
 * BTF, no annotation). */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>

struct stackid_event {
	__u32 pid;
	char comm[16];
	__s32 kstack_id;
	__s32 ustack_id;
};

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 256 * 1024);
} events SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_STACK_TRACE);
	__uint(max_entries, 1024);
	__uint(key_size, sizeof(__u32));
	__uint(value_size, 127 * sizeof(__u64));
} stacks SEC(".maps");

SEC("tracepoint/syscalls/sys_enter_getppid")
int on_getppid(void *ctx)
{
	struct stackid_event *e;

	e = bpf_ringbuf_reserve(&events, sizeof(*e), 0);
	if (!e)
		return 0;
	e->pid = bpf_get_current_pid_tgid() >> 32;
	bpf_get_current_comm(e->comm, sizeof(e->comm));
	e->kstack_id = bpf_get_stackid(ctx, &stacks, 0);
	e->ustack_id = bpf_get_stackid(ctx, &stacks, BPF_F_USER_STACK);
	bpf_ringbuf_submit(e, 0);
	return 0;
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
