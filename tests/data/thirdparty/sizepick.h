/* SPDX-License-Identifier: MIT */
#ifndef SIZEPICK_H
#define SIZEPICK_H
/* an argument struct first: the export type a loader that takes the first would use */
struct sp_args {
	unsigned long long fname;
};

struct sp_event {
	int pid;
	int magic;
	char comm[16];
};
#endif
