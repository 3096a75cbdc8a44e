// SPDX-License-Identifier: MIT
/*
 * Fixture for tests/e2e/thirdparty.bats: the record is reserved into a `void *` and only then
 * given its type, which export inference cannot follow, so ecc exports every struct of the
 * header (as the public toolchain does). The loader must notice that records are
 * sizeof(struct sp_event), not sizeof(struct sp_args), and decode them as sp_event.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include "sizepick.h"

const volatile int targ_pid = 0;

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 64 * 1024);
} events SEC(".maps");

SEC("tracepoint/syscalls/sys_enter_getppid")
int sizepick_getppid(void *ctx)
{
	int pid = bpf_get_current_pid_tgid() >> 32;
	void *buf;
	struct sp_event *e;

	if (targ_pid && pid != targ_pid)
		return 0;
	buf = bpf_ringbuf_reserve(&events, sizeof(struct sp_event), 0);
	if (!buf)
		return 0;
	e = buf;
	e->pid = pid;
	e->magic = 4242;
	bpf_get_current_comm(e->comm, sizeof(e->comm));
	bpf_ringbuf_submit(e, 0);
	return 0;
}

char LICENSE[] SEC("license") = "GPL";
