// SPDX-License-Identifier: GPL-2.0
/* ecc test fixture: every kind of data section, map and annotation ecc reads. */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include "objinfo.h"

struct stat_val {
	__u64 count;
	__u32 slots[4];
};

/// Process id to trace
const volatile pid_t targ_pid = 0;
/// @cmdarg {"default": 5, "long": "min-ms", "short": "m", "help": "minimum duration"}
const volatile __u64 min_ms = 5;
const volatile char targ_comm[16] = "";
const volatile int matrix[2][3] = {};
const volatile bool targ_verbose = false;

int hits = 0;
__u32 data_var = 7;
__u32 custom_var SEC(".data.custom") = 1;
extern int LINUX_KERNEL_VERSION __kconfig;

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 64 * 1024);
} events SEC(".maps");

/// @sample {"interval": 1000, "type": "log2_hist"}
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 128);
	__type(key, __u32);
	__type(value, struct stat_val);
} counts SEC(".maps");

SEC("tp/sched/sched_process_exec")
int handle_exec(void *ctx)
{
	struct event *e;
	__u32 key = 0;
	struct stat_val zero = {}, *v;

	if (targ_pid && (bpf_get_current_pid_tgid() >> 32) != targ_pid)
		return 0;
	v = bpf_map_lookup_elem(&counts, &key);
	if (!v) {
		bpf_map_update_elem(&counts, &key, &zero, BPF_NOEXIST);
		v = bpf_map_lookup_elem(&counts, &key);
		if (!v)
			return 0;
	}
	__sync_fetch_and_add(&v->count, 1);
	e = bpf_ringbuf_reserve(&events, sizeof(*e), 0);
	if (!e)
		return 0;
	e->pid = bpf_get_current_pid_tgid() >> 32;
	e->uid = bpf_get_current_uid_gid();
	e->ts = bpf_ktime_get_ns() + min_ms + data_var + custom_var + LINUX_KERNEL_VERSION;
	e->kind = EV_EXEC;
	bpf_get_current_comm(&e->comm, sizeof(e->comm));
	hits++;
	bpf_printk("exec %d", e->pid);
	bpf_ringbuf_submit(e, 0);
	return 0;
}

/// @ifindex 1
/// @flags 2
SEC("xdp")
int xdp_pass(struct xdp_md *ctx)
{
	return XDP_PASS;
}

/// @brief Fixture for ecc's object reader
/// @details Not a real tool.
/// @version 0.2
char LICENSE[] SEC("license") = "GPL";
