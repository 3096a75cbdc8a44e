// SPDX-License-Identifier: GPL-2.0
/* Test program: 12 tracepoint programs (12 perf-event links), for the teardown tests. */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>

__u64 hits;

#define TP(name, event)                         \
	SEC("tp/syscalls/" event)               \
	int name(void *ctx)                     \
	{                                       \
		__sync_fetch_and_add(&hits, 1); \
		return 0;                       \
	}

TP(manytp_01, "sys_enter_getpid")
TP(manytp_02, "sys_enter_gettid")
TP(manytp_03, "sys_enter_getuid")
TP(manytp_04, "sys_enter_geteuid")
TP(manytp_05, "sys_enter_getgid")
TP(manytp_06, "sys_enter_getegid")
TP(manytp_07, "sys_enter_sched_yield")
TP(manytp_08, "sys_enter_getpgrp")
TP(manytp_09, "sys_enter_getsid")
TP(manytp_10, "sys_enter_umask")
TP(manytp_11, "sys_enter_sync")
TP(manytp_12, "sys_enter_getppid")

char LICENSE[] SEC("license") = "GPL";
