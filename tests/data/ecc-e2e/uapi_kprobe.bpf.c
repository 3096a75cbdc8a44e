// SPDX-License-Identifier: GPL-2.0
/*
 * Third-party style: no vmlinux.h, UAPI headers instead. <linux/types.h> pulls <asm/types.h>,
 * which only resolves through the host's multiarch include dir; <bpf/bpf_tracing.h> needs
 * __TARGET_ARCH_x86 for PT_REGS_PARM1 on the UAPI struct pt_regs.
 */
#include <linux/types.h>
#include <linux/bpf.h>
#include <linux/ptrace.h>
#include <asm/unistd.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>

#ifndef __NR_openat
#error "asm/unistd.h did not resolve"
#endif

const volatile __u32 filter_nr = __NR_openat;

SEC("kprobe/do_sys_openat2")
int BPF_KPROBE(trace_openat2, int dfd, const char *filename)
{
	char buf[32];

	bpf_probe_read_user_str(buf, sizeof(buf), filename);
	bpf_printk("openat2 %d %s %u", dfd, buf, filter_nr);
	return (int)PT_REGS_PARM1(ctx) & 0;
}

char LICENSE[] SEC("license") = "GPL";
