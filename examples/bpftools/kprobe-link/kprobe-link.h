/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
#ifndef __KPROBE_LINK_H
#define __KPROBE_LINK_H

#define TASK_COMM_LEN 16
#define NAME_LEN      128

/* One finished unlink: who, which path (as passed by the caller), and do_unlinkat's result. */
struct unlink_event {
	__u32 pid;
	char comm[TASK_COMM_LEN];
	char filename[NAME_LEN];
	int ret;
};

#endif /* __KPROBE_LINK_H */
