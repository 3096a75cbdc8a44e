/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
#ifndef BENCH_EVENTS_H
#define BENCH_EVENTS_H

struct event {
	int pid;
	int tid;
	unsigned long long seq;
	unsigned long long drops;
	char comm[16];
};

#endif
