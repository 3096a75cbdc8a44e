// SPDX-License-Identifier: MIT
/* Test fixture: a tiny BPF object with one global of every argument type (test_packer,
 * test_meta, test_args). Compiled at test time with clang -g -O2 -target bpf. */
#include <linux/types.h>
#include <linux/bpf.h>
#include <stdbool.h>
#include <bpf/bpf_helpers.h>

typedef __u32 u32;
typedef __u64 u64;
typedef int pid_t;
typedef unsigned int uid_t;

enum mode {
	MODE_OFF = 0,
	MODE_ON = 1,
	MODE_AUTO = 7,
};

struct event {
	int pid;
	char comm[16];
};

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 4096);
} events SEC(".maps");

const volatile bool verbose = false;
const volatile bool enabled = true;
const volatile char c8 = -3;
const volatile unsigned char u8v = 200;
const volatile short s16 = -1234;
const volatile unsigned short u16v = 60000;
const volatile int i32 = -5;
const volatile unsigned int u32v = 7;
const volatile long long s64 = -9;
const volatile unsigned long long min_duration_ns = 1000000;
const volatile u32 tu32 = 11;
const volatile u64 tu64 = 12;
const volatile pid_t target_pid = 0;
const volatile uid_t target_uid = 1000;
const volatile enum mode mode = MODE_ON;
const volatile char comm[16] = "bash";
const volatile float ratio = 1.5f;
const volatile double scale = 2.25;
int counter = 3;
unsigned long long total;

/* Tests that run in parallel give the program their own name (ecc -a -DPROG_NAME=...), so that
 * "no program left loaded" checks do not see each other's. */
#ifndef PROG_NAME
#define PROG_NAME minimal_getpid
#endif

SEC("tracepoint/syscalls/sys_enter_getpid")
int PROG_NAME(void *ctx)
{
	struct event *e;

	if (!enabled || (target_pid && (bpf_get_current_pid_tgid() >> 32) != target_pid))
		return 0;
	e = bpf_ringbuf_reserve(&events, sizeof(*e), 0);
	if (!e)
		return 0;
	e->pid = bpf_get_current_pid_tgid() >> 32;
	bpf_get_current_comm(e->comm, sizeof(e->comm));
	if (verbose || c8 || u8v || s16 || u16v || i32 || u32v || s64 || min_duration_ns || tu32 ||
	    tu64 || target_uid || mode || comm[0])
		__sync_fetch_and_add(&total, counter);
	bpf_ringbuf_submit(e, 0);
	return 0;
}

char LICENSE[] SEC("license") = "GPL";
