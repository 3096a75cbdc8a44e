/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
#ifndef OPENSNOOP_H
#define OPENSNOOP_H

#define TASK_COMM_LEN 16
#define NAME_MAX      255

/* One open()/openat() call, sent when the syscall returns. */
struct event {
	int pid;	  /* process (thread group) id */
	unsigned int uid; /* real user id */
	int ret;	  /* file descriptor, or -errno */
	int flags;	  /* open flags (O_RDONLY, O_CREAT, ...) */
	char comm[TASK_COMM_LEN];
	char fname[NAME_MAX];
};

#endif /* OPENSNOOP_H */
