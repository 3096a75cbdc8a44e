/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
#ifndef __LSM_CONNECT_H
#define __LSM_CONNECT_H

#define TASK_COMM_LEN 16

/* One denied connect(): who tried, and where to (address in network order). */
struct denied_event {
	__u32 pid;
	char comm[TASK_COMM_LEN];
	__u8 daddr[4];
	__u16 dport;
};

#endif /* __LSM_CONNECT_H */
