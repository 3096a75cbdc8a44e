/* SPDX-License-Identifier: MIT */
/* Map key and value types only: no event struct. */
#ifndef KVCOUNT_H
#define KVCOUNT_H

struct kv_key {
	unsigned int pid;
	unsigned int nr;
};

struct kv_val {
	unsigned long long count;
};

#endif
