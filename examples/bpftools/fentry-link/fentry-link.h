/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
#ifndef __FENTRY_LINK_H
#define __FENTRY_LINK_H

#define TASK_COMM_LEN 16
#define NAME_LEN      128

/* One unlink: entry (ret unset, is_exit 0) or exit (with do_unlinkat's result). */
struct unlink_event {
	__u32 pid;
	char comm[TASK_COMM_LEN];
	char filename[NAME_LEN];
	bool is_exit;
	int ret;
};

#endif /* __FENTRY_LINK_H */
