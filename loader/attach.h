/* SPDX-License-Identifier: MIT */
/*
 * Private to the attach rules (attach.c: the table, tracing, perf_event, uprobe/usdt, cgroup,
 * socket, struct_ops; attach_net.c: xdp and tc): the context a rule gets and the helpers that
 * record what it attached.
 */
#ifndef EUNOMIA_LOADER_ATTACH_H
#define EUNOMIA_LOADER_ATTACH_H

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "loader/internal.h"

/* Attach outcome besides 0 / -errno: the program was deliberately not attached. */
#define ATTACH_SKIPPED 1

/* uapi of Linux 6.6 (tcx) that Debian's 6.1 headers lack; the values are ABI. */
#ifndef BPF_TCX_INGRESS
#define BPF_TCX_INGRESS ((enum bpf_attach_type)46)
#define BPF_TCX_EGRESS	((enum bpf_attach_type)47)
#endif
/* ... and of Linux 6.4 (struct_ops links) */
#ifndef BPF_F_LINK
#define BPF_F_LINK (1U << 13)
#endif
#define EUN_ATTACH_STRUCT_OPS ((enum bpf_attach_type)44) /* BPF_STRUCT_OPS */

struct attach_ctx {
	struct eunomia_runner *r;
	struct bpf_program *prog;
	const struct eun_prog *mp; /* metadata entry or NULL */
	const char *name;
	const char *sec;
};

typedef int (*attach_fn_t)(struct attach_ctx *c);

/* The package metadata entry of program `name`, or NULL. */
const struct eun_prog *eun_att_meta_prog(const struct eunomia_runner *r, const char *name);
/* A new attachment record for c's program (NULL: ENOMEM). */
struct eun_attachment *eun_att_new(struct attach_ctx *c, enum eun_attach_kind kind);
/* Record a libbpf link / a raw link fd (closed on detach); 0 or -ENOMEM (link released). */
int eun_att_add_link(struct attach_ctx *c, struct bpf_link *link);
int eun_att_add_link_fd(struct attach_ctx *c, int link_fd, int ifindex);
/* Interface from the run-time options, else the metadata value (0: none); 0 or -ENODEV. */
int eun_att_pick_ifindex(struct attach_ctx *c, int meta_ifindex, int *ifindex);

/* attach_net.c */
int eun_att_xdp(struct attach_ctx *c);
int eun_att_tc(struct attach_ctx *c);

#endif
