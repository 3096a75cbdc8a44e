/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
#ifndef BASHREADLINE_H
#define BASHREADLINE_H

#define MAX_LINE_SIZE 80

/* One line read by an interactive bash. */
struct event {
	int pid;
	char str[MAX_LINE_SIZE];
};

#endif /* BASHREADLINE_H */
