/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
#ifndef BOOTSTRAP_H
#define BOOTSTRAP_H

#define TASK_COMM_LEN	 16
#define MAX_FILENAME_LEN 127

/* A process started a new program (ring buffer "exec_events"). */
struct exec_event {
	int pid;
	int ppid;
	char comm[TASK_COMM_LEN];
	char filename[MAX_FILENAME_LEN];
};

/* A process ended (ring buffer "exit_events"). */
struct exit_event {
	int pid;
	int ppid;
	unsigned int exit_code;		/* exit status (the value passed to exit()) */
	unsigned long long duration_ns; /* time since its exec, 0 if the exec was not seen */
	char comm[TASK_COMM_LEN];
};

#endif /* BOOTSTRAP_H */
