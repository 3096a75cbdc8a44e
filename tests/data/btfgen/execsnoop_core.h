/* SPDX-License-Identifier: MIT */
#ifndef EXECSNOOP_CORE_H
#define EXECSNOOP_CORE_H

#define TASK_COMM_LEN 16

struct event {
	int pid;
	int ppid;
	unsigned int uid;
	char comm[TASK_COMM_LEN];
};

#endif
