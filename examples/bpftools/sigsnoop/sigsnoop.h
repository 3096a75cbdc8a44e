/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
#ifndef SIGSNOOP_H
#define SIGSNOOP_H

#define TASK_COMM_LEN 16

/* One signal generated (sent) by a process. */
struct event {
	int pid;		  /* sender (thread group id) */
	int tpid;		  /* target process or thread */
	int sig;		  /* signal number */
	int ret;		  /* result: 0 delivered, 1 ignored, 2 already pending, ... */
	char comm[TASK_COMM_LEN]; /* sender's name */
};

#endif /* SIGSNOOP_H */
