/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
#ifndef __TCPSTATES_H
#define __TCPSTATES_H

#define TASK_COMM_LEN 16

/* TCP states as the kernel numbers them (include/net/tcp_states.h). */
enum tcp_state_name {
	ESTABLISHED = 1,
	SYN_SENT = 2,
	SYN_RECV = 3,
	FIN_WAIT1 = 4,
	FIN_WAIT2 = 5,
	TIME_WAIT = 6,
	CLOSE = 7,
	CLOSE_WAIT = 8,
	LAST_ACK = 9,
	LISTEN = 10,
	CLOSING = 11,
	NEW_SYN_RECV = 12,
	BOUND_INACTIVE = 13,
};

/* One state change of a TCP socket. Addresses are in network order: for AF_INET only the
 * first 4 bytes are used. delta_us is the time spent in the old state (0 if unknown). */
struct event {
	__u64 skaddr;
	__u64 delta_us;
	__u32 pid;
	char comm[TASK_COMM_LEN];
	__u16 family;
	__u16 sport;
	__u16 dport;
	__u8 saddr[16];
	__u8 daddr[16];
	enum tcp_state_name oldstate;
	enum tcp_state_name newstate;
};

#endif /* __TCPSTATES_H */
