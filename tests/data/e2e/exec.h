/* SPDX-License-Identifier: MIT */
#ifndef EXEC_H
#define EXEC_H

struct event {
	int pid;
	int ppid;
	int tag;
	char comm[16];
	char filename[64];
};

#endif
