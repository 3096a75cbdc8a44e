/* SPDX-License-Identifier: MIT */
/* Fixture for tests/unit/test_ecc_infer.c (ecc_header_structs). */
#ifndef HEADER_EVENTS_H
#define HEADER_EVENTS_H

#include "header_common.h"

#define TASK_COMM_LEN 16

struct fwd_only;

struct event {
	struct common_hdr hdr;
	int pid;
	char comm[TASK_COMM_LEN];
};

typedef struct exit_event {
	int pid;
	int code;
} exit_event_t;

typedef struct {
	int unnamed;
} unnamed_t;

struct outer {
	struct inner {
		int a;
	} in;
	union {
		struct deep {
			int b;
		} d;
	};
};

struct event;

#endif
