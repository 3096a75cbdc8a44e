/* SPDX-License-Identifier: MIT */
#ifndef OBJINFO_H
#define OBJINFO_H

enum event_kind {
	EV_EXEC = 1,
	EV_EXIT = 2,
};

struct event {
	int pid;
	unsigned int uid;
	char comm[16];
	unsigned long long ts;
	enum event_kind kind;
	unsigned char addr[6][2];
};

#endif
