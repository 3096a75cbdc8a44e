/* SPDX-License-Identifier: MIT */
/* Fixture header for infer_wrapper.bpf.c: the event struct is neither first nor last, and an
 * argument struct that is never submitted comes before it. */
#ifndef INFER_WRAPPER_H
#define INFER_WRAPPER_H

struct args_t {
	unsigned long long fname_ptr;
	int flags;
};

struct hist_key {
	unsigned int slot;
};

struct wr_event {
	int pid;
	int ret;
	char comm[16];
};

struct exit_rec {
	int pid;
	int code;
};

#endif
