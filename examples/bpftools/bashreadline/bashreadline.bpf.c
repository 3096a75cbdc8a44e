// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* bashreadline: the command lines typed into interactive bash shells. */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include "bashreadline.h"

/// @cmdarg {"default": 0, "short": "p", "long": "pid", "help": "trace this bash process only"}
const volatile int targ_pid = 0;

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 256 * 1024);
} events SEC(".maps");

/* readline() returns the line the user typed (malloc'ed, without the newline) */
SEC("uretprobe//bin/bash:readline")
int BPF_KRETPROBE(bashreadline_ret, const void *ret)
{
	u32 pid = bpf_get_current_pid_tgid() >> 32;
	struct event *e;

	if (!ret)
		return 0;
	if (targ_pid && pid != (u32)targ_pid)
		return 0;

	e = bpf_ringbuf_reserve(&events, sizeof(*e), 0);
	if (!e)
		return 0;
	e->pid = pid;
	if (bpf_probe_read_user_str(e->str, sizeof(e->str), ret) < 0)
		e->str[0] = '\0';
	bpf_ringbuf_submit(e, 0);
	return 0;
}

/// @brief Print the command lines typed into interactive bash shells
/// @details A uretprobe on readline() in /bin/bash; trace another binary that has readline()
/// (another bash build, or a libreadline.so) with `ecli run -b /path/to/it`. Filter with --pid.
/// @version 0.1
char LICENSE[] SEC("license") = "Dual BSD/GPL";
