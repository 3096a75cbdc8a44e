/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
#ifndef RUNQLAT_H
#define RUNQLAT_H

#define TASK_COMM_LEN 16
#define MAX_SLOTS 26

/* Run queue latency histogram: slots[i] counts waits of [2^i, 2^(i+1)) microseconds. */
struct hist {
	unsigned int slots[MAX_SLOTS];
	char comm[TASK_COMM_LEN];	/* with --per_process: the process's name */
};

#endif /* RUNQLAT_H */
