/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
#ifndef __PROFILE_H
#define __PROFILE_H

#define TASK_COMM_LEN 16

/* One CPU-clock sample. Stack ids index the stack_traces map (negative: no stack, e.g. -14
 * EFAULT for the kernel stack of a sample taken in user mode). */
struct stacktrace_event {
	__u32 pid;
	__u32 tid;
	__u32 cpu;
	char comm[TASK_COMM_LEN];
	bool user_mode;
	__u64 ip;
	__s32 kstack_id;
	__s32 ustack_id;
};

#endif /* __PROFILE_H */
