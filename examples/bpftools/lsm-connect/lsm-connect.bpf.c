// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* lsm-connect: deny IPv4 connect(2) to one TCP/UDP port with a BPF LSM program on the
 * socket_connect hook.
 *
 * Needs BPF LSM (CONFIG_BPF_LSM, "bpf" in the lsm= boot list) and BPF trampolines; where the
 * kernel refuses them ecli says so.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_endian.h>
#include "lsm-connect.h"

#define AF_INET 2
#define EPERM	1

/// @description Deny IPv4 connections to this destination port
/// @cmdarg {"default": 1, "short": "P", "long": "port", "help": "deny IPv4 connect() to this port"}
const volatile __u16 blocked_port = 1;

/// @description Deny only connections made by this process (0: every process)
/// @cmdarg {"default": 0, "short": "p", "long": "pid", "help": "only this process (0: all)"}
const volatile pid_t targ_pid = 0;

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 64 * 1024);
} events SEC(".maps");

SEC("lsm/socket_connect")
int BPF_PROG(deny_connect, struct socket *sock, struct sockaddr *address, int addrlen, int ret)
{
	struct sockaddr_in *sin = (struct sockaddr_in *)address;
	__u32 pid = bpf_get_current_pid_tgid() >> 32;
	struct denied_event *e;

	if (ret)
		return ret; /* an earlier hook already denied it */
	if (addrlen < (int)sizeof(*sin) || BPF_CORE_READ(address, sa_family) != AF_INET)
		return 0;
	if (targ_pid && pid != (__u32)targ_pid)
		return 0;
	if (bpf_ntohs(BPF_CORE_READ(sin, sin_port)) != blocked_port)
		return 0;
	e = bpf_ringbuf_reserve(&events, sizeof(*e), 0);
	if (e) {
		e->pid = pid;
		bpf_get_current_comm(e->comm, sizeof(e->comm));
		bpf_probe_read_kernel(e->daddr, 4, &sin->sin_addr);
		e->dport = blocked_port;
		bpf_ringbuf_submit(e, 0);
	}
	return -EPERM;
}

/// @brief Deny IPv4 connect() to one port with a BPF LSM program (socket_connect hook)
/// @details Each denial is reported with pid, comm and destination. Needs BPF LSM ("bpf" in the
/// lsm= boot list) and BPF trampolines.
/// @version 0.1
char LICENSE[] SEC("license") = "Dual BSD/GPL";
