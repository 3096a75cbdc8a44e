// SPDX-License-Identifier: MIT
/* Fixture for tests/e2e/output.bats: a ring buffer and a perf event array carrying different
 * structs, log2 and linear histogram maps, a key/value map and a per-CPU array, all fed by exec of a uniquely named
 * binary (target_comm) so other processes on the machine never show up. */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_core_read.h>

enum exec_kind {
	KIND_NONE = 0,
	KIND_EXEC = 7,
};

struct event {
	int pid;
	int ppid;
	char comm[16];
	unsigned long long seq;
	enum exec_kind kind;
	bool is_exec;
	unsigned char tag[4];
};

struct pevent {
	int pid;
	unsigned int n;
	char comm[16];
};

struct hist {
	unsigned int slots[32];
	char comm[16];
};

/// comm of the processes to report (the test's own binary)
const volatile char target_comm[16] = "";

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 256 * 1024);
} events SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERF_EVENT_ARRAY);
	__uint(key_size, sizeof(u32));
	__uint(value_size, sizeof(u32));
} pevents SEC(".maps");

/// @sample {"interval": 300, "type": "log2_hist", "unit": "pids", "clear_map": true}
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 64);
	__type(key, u32);
	__type(value, struct hist);
} hists SEC(".maps");

/// @sample {"interval": 300, "type": "default_kv", "clear_map": false}
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 64);
	__type(key, u32);
	__type(value, u64);
} counts SEC(".maps");

struct pkey {
	int pid;
	char comm[16];
};

/// @sample {"interval": 300, "type": "linear_hist", "unit": "step", "clear_map": true}
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 64);
	__type(key, struct pkey);
	__type(value, u32[8]);
} lin SEC(".maps");

/// @sample {"interval": 300, "type": "default_kv", "clear_map": true}
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 2);
	__type(key, u32);
	__type(value, u64);
} percpu SEC(".maps");

unsigned long long seq = 0;

static __always_inline bool is_target(const char *comm)
{
	int i;

	for (i = 0; i < 16; i++) {
		if (comm[i] != target_comm[i])
			return false;
		if (!comm[i])
			return true;
	}
	return true;
}

SEC("tp/sched/sched_process_exec")
int eo_output_exec(void *ctx)
{
	struct task_struct *task = (struct task_struct *)bpf_get_current_task();
	struct pevent pe = {};
	struct event *e;
	struct hist *h, zero = {};
	u32 key = 1, zero_key = 0, slot;
	u32 (*lv)[8], lzero[8] = {};
	struct pkey pk = {};
	u64 *cnt, one = 1;
	char comm[16];

	bpf_get_current_comm(comm, sizeof(comm));
	if (!target_comm[0] || !is_target(comm))
		return 0;

	e = bpf_ringbuf_reserve(&events, sizeof(*e), 0);
	if (e) {
		e->pid = bpf_get_current_pid_tgid() >> 32;
		e->ppid = BPF_CORE_READ(task, real_parent, tgid);
		__builtin_memcpy(e->comm, comm, sizeof(comm));
		e->seq = __sync_fetch_and_add(&seq, 1);
		e->kind = KIND_EXEC;
		e->is_exec = true;
		e->tag[0] = 0xde;
		e->tag[1] = 0xad;
		e->tag[2] = 0;
		e->tag[3] = 7;
		bpf_ringbuf_submit(e, 0);
	}

	pe.pid = bpf_get_current_pid_tgid() >> 32;
	pe.n = 42;
	__builtin_memcpy(pe.comm, comm, sizeof(comm));
	bpf_perf_event_output(ctx, &pevents, BPF_F_CURRENT_CPU, &pe, sizeof(pe));

	h = bpf_map_lookup_elem(&hists, &key);
	if (!h) {
		bpf_map_update_elem(&hists, &key, &zero, BPF_NOEXIST);
		h = bpf_map_lookup_elem(&hists, &key);
		if (!h)
			return 0;
	}
	/* slot of log2(pid): pids are > 1, so slots 1..22 */
	slot = 0;
	for (int i = 0; i < 31; i++)
		if ((pe.pid >> (i + 1)) > 0)
			slot = i + 1;
	if (slot < 32)
		__sync_fetch_and_add(&h->slots[slot], 1);
	__builtin_memcpy(h->comm, comm, sizeof(comm));

	pk.pid = pe.pid;
	__builtin_memcpy(pk.comm, comm, sizeof(comm));
	lv = bpf_map_lookup_elem(&lin, &pk);
	if (!lv) {
		bpf_map_update_elem(&lin, &pk, &lzero, BPF_NOEXIST);
		lv = bpf_map_lookup_elem(&lin, &pk);
	}
	if (lv) {
		(*lv)[3] += 2;
		(*lv)[5] += 1;
	}

	cnt = bpf_map_lookup_elem(&percpu, &zero_key);
	if (cnt)
		*cnt += 1;

	cnt = bpf_map_lookup_elem(&counts, &key);
	if (cnt)
		__sync_fetch_and_add(cnt, 1);
	else
		bpf_map_update_elem(&counts, &key, &one, BPF_NOEXIST);
	return 0;
}

char LICENSE[] SEC("license") = "GPL";
