// SPDX-License-Identifier: GPL-2.0
/* Test program: uprobe + uretprobe on eun_target_func; the binary is chosen at run time
 * with `ecli run -b PATH` (the path written here does not exist). */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>

struct event {
	int pid;
	int kind;  /* 1 entry, 2 return */
	int value; /* argument on entry, return value on return */
};

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 64 * 1024);
} events SEC(".maps");

const struct event *__eunomia_dummy_e2e_event __attribute__((unused));

static int emit(int kind, int value)
{
	struct event *e = bpf_ringbuf_reserve(&events, sizeof(*e), 0);

	if (!e)
		return 0;
	e->pid = bpf_get_current_pid_tgid() >> 32;
	e->kind = kind;
	e->value = value;
	bpf_ringbuf_submit(e, 0);
	return 0;
}

SEC("uprobe//nonexistent/uprobe_target:eun_target_func")
int BPF_KPROBE(e2e_up_enter, int x)
{
	return emit(1, x);
}

SEC("uretprobe//nonexistent/uprobe_target:eun_target_func")
int BPF_KRETPROBE(e2e_up_return, int ret)
{
	return emit(2, ret);
}

char LICENSE[] SEC("license") = "GPL";
