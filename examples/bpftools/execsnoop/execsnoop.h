/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
#ifndef EXECSNOOP_H
#define EXECSNOOP_H

#define TASK_COMM_LEN 16
#define FILENAME_LEN  128
#define MAX_ARGS      8	  /* arguments copied per exec, argv[0] included */
#define ARG_LEN	      64  /* at most this much of each argument */
#define ARGS_LEN      256 /* all arguments, joined by spaces */

/* One execve(), sent when it returns (comm is then the new program's name). */
struct event {
	int pid;
	int ppid;
	unsigned int uid;
	int retval;	/* 0, or -errno when the exec failed */
	int args_count; /* arguments copied into args */
	char comm[TASK_COMM_LEN];
	char filename[FILENAME_LEN];
	char args[ARGS_LEN]; /* argv[0..args_count), separated by spaces */
};

#endif /* EXECSNOOP_H */
