/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
#ifndef USDT_H
#define USDT_H

#define MSG_LEN 32

/* One hit of the eunomia:tick probe. */
struct event {
	int pid;
	long long iteration; /* first probe argument */
	long long value;     /* second probe argument */
	char msg[MSG_LEN];   /* third probe argument, a string */
};

#endif /* USDT_H */
