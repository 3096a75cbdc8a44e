/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Shared by the latency-histogram examples (runqlat, funclatency): the value of a log2
 * histogram map printed by `@sample {"type": "log2_hist"}`, and the slot of a value in it.
 * ecli reads the histogram from BTF: a u32 array of slots, plus a comm for per-process keys.
 */
#ifndef EXAMPLES_HIST_BPF_H
#define EXAMPLES_HIST_BPF_H

#define TASK_COMM_LEN 16
#define MAX_SLOTS     26

/* slots[i] counts values in [2^i, 2^(i+1)) units; the last slot takes everything above. */
struct hist {
	u32 slots[MAX_SLOTS];
	char comm[TASK_COMM_LEN]; /* with a per-process key: the process's name */
};

/* floor(log2(v)) for v > 0 (0 for v == 0), without loops: the verifier likes it. */
static __always_inline u64 log2_u32(u32 v)
{
	u32 shift, r;

	r = (v > 0xFFFF) << 4;
	v >>= r;
	shift = (v > 0xFF) << 3;
	v >>= shift;
	r |= shift;
	shift = (v > 0xF) << 2;
	v >>= shift;
	r |= shift;
	shift = (v > 0x3) << 1;
	v >>= shift;
	r |= shift;
	r |= (v >> 1);
	return r;
}

static __always_inline u64 log2_u64(u64 v)
{
	u32 hi = v >> 32;

	return hi ? log2_u32(hi) + 32 : log2_u32(v);
}

/* The slot of value in a struct hist. */
static __always_inline u32 hist_slot(u64 value)
{
	u64 slot = log2_u64(value);

	return slot < MAX_SLOTS ? (u32)slot : MAX_SLOTS - 1;
}

#endif
