// SPDX-License-Identifier: MIT
/* A macro this libbpf's bpf_tracing.h may lack (BPF_UPROBE came with libbpf 1.2): without it
 * the definition below is an old-style function called BPF_UPROBE_MISSING. */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>

SEC("uprobe")
int BPF_UPROBE_MISSING(macro_named_entry)
{
	return 0;
}

SEC("uprobe")
int BPF_KPROBE(macro_named_ok)
{
	return 0;
}

char LICENSE[] SEC("license") = "GPL";
