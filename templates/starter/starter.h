/* SPDX-License-Identifier: MIT */
/* The event that starter.bpf.c sends to user space; ecli decodes it from the object's BTF. */
#ifndef STARTER_H
#define STARTER_H

#define TASK_COMM_LEN	16
#define MAX_FILENAME_LEN 127

struct event {
	int pid;
	int ppid;
	unsigned int uid;
	char comm[TASK_COMM_LEN];
	char filename[MAX_FILENAME_LEN];
};

#endif /* STARTER_H */
