/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
#ifndef __TC_H
#define __TC_H

/* One IPv4 packet seen at tc ingress. Addresses in network order; ports in host order (0 for
 * protocols without ports); len is the whole frame including the Ethernet header. */
struct packet {
	__u32 ifindex;
	__u32 len;
	__u8 saddr[4];
	__u8 daddr[4];
	__u16 sport;
	__u16 dport;
	__u8 ip_proto;
	__u8 ttl;
};

#endif /* __TC_H */
