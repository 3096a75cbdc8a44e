// SPDX-License-Identifier: MIT
/*
 * Attach rules for network programs: xdp through a BPF_XDP link (never replacing a program
 * someone else attached: refused with its id and name), tc through tcx links (Linux 6.6+),
 * netlink (xdp before 5.9, clsact before 6.6) only where the kernel has no link.
 */
#include <errno.h>
#include <linux/if_link.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "loader/attach.h"

/* ---- xdp ------------------------------------------------------------------------------ */

static const char *ifname_of(int ifindex, char *buf)
{
	if (!if_indextoname((unsigned int)ifindex, buf))
		snprintf(buf, IF_NAMESIZE, "#%d", ifindex);
	return buf;
}

/* Name of the program with this id ("?" if it is gone or unreadable). */
static void prog_name_of(uint32_t id, char *buf, size_t size)
{
	struct bpf_prog_info info;
	uint32_t len = sizeof(info);
	int fd = bpf_prog_get_fd_by_id(id);

	snprintf(buf, size, "?");
	if (fd < 0)
		return;
	memset(&info, 0, sizeof(info));
	if (!bpf_obj_get_info_by_fd(fd, &info, &len) && info.name[0])
		snprintf(buf, size, "%s", info.name);
	close(fd);
}

/* Keep a kernel link fd made by bpf_link_create(); closed on detach. */
int eun_att_add_link_fd(struct attach_ctx *c, int link_fd, int ifindex)
{
	struct eun_attachment *a = eun_att_new(c, EUN_ATT_LINKFD);

	if (!a) {
		close(link_fd);
		return -ENOMEM;
	}
	a->link_fd = link_fd;
	a->ifindex = ifindex;
	return 0;
}

/* The XDP program already on ifindex, whoever attached it: 0 and *id = 0 if none. */
static int xdp_current(int ifindex, uint32_t *id)
{
	struct bpf_xdp_query_opts q = {.sz = sizeof(struct bpf_xdp_query_opts)};
	int err = bpf_xdp_query(ifindex, 0, &q);

	*id = 0;
	if (err)
		return err;
	*id = q.prog_id	      ? q.prog_id
	      : q.drv_prog_id ? q.drv_prog_id
	      : q.skb_prog_id ? q.skb_prog_id
			      : q.hw_prog_id;
	return 0;
}

static void xdp_refuse(struct attach_ctx *c, int ifindex, uint32_t id)
{
	char ifn[IF_NAMESIZE], pname[BPF_OBJ_NAME_LEN + 1];

	ifname_of(ifindex, ifn);
	prog_name_of(id, pname, sizeof(pname));
	eun_warn(&c->r->log,
		 "prog '%s': interface %s already runs XDP program id %u ('%s'); not replacing "
		 "it. Remove it first: `ip link set dev %s xdp off` (attached by netlink) or "
		 "stop the process that holds its link (`bpftool link show`, `bpftool net show "
		 "dev %s`)",
		 c->name, ifn, id, pname, ifn, ifn);
}

int eun_att_xdp(struct attach_ctx *c)
{
	LIBBPF_OPTS(bpf_link_create_opts, lo);
	enum bpf_attach_type at = bpf_program__expected_attach_type(c->prog);
	uint32_t flags = c->mp ? c->mp->xdp_flags : 0, cur = 0;
	struct eun_attachment *a;
	int ifindex, err, link_fd, fd = bpf_program__fd(c->prog);

	if (at == BPF_XDP_DEVMAP || at == BPF_XDP_CPUMAP) {
		eun_info(&c->r->log,
			 "prog '%s' (%s): runs from a devmap/cpumap entry, not an interface; not "
			 "attached",
			 c->name, c->sec);
		return ATTACH_SKIPPED;
	}
	err = eun_att_pick_ifindex(c, c->mp ? c->mp->ifindex : 0, &ifindex);
	if (err)
		return err;
	if (ifindex <= 0) {
		eun_warn(&c->r->log, "prog '%s': xdp needs an interface: set the ifname option",
			 c->name);
		return -EINVAL;
	}
	if (!xdp_current(ifindex, &cur) && cur) {
		xdp_refuse(c, ifindex, cur);
		return -EBUSY;
	}
	/* A BPF_XDP link (5.9+): the kernel refuses it if any program is attached there. */
	lo.flags = flags & (XDP_FLAGS_SKB_MODE | XDP_FLAGS_DRV_MODE | XDP_FLAGS_HW_MODE);
	link_fd = bpf_link_create(fd, ifindex, BPF_XDP, &lo);
	if (link_fd >= 0)
		return eun_att_add_link_fd(c, link_fd, ifindex);
	err = link_fd;
	if (err == -EBUSY || err == -EEXIST) {
		xdp_current(ifindex, &cur);
		xdp_refuse(c, ifindex, cur);
		return -EBUSY;
	}
	if (err != -EINVAL && err != -EOPNOTSUPP) {
		eun_warn(&c->r->log, "prog '%s': xdp attach to ifindex %d failed: %s", c->name,
			 ifindex, strerror(-err));
		return err;
	}
	/* No XDP links on this kernel: netlink, only where nothing is attached. */
	err = bpf_xdp_attach(ifindex, fd, flags | XDP_FLAGS_UPDATE_IF_NOEXIST, NULL);
	if (err == -EBUSY || err == -EEXIST) {
		xdp_current(ifindex, &cur);
		xdp_refuse(c, ifindex, cur);
		return -EBUSY;
	}
	if (err) {
		eun_warn(&c->r->log, "prog '%s': xdp attach to ifindex %d failed: %s", c->name,
			 ifindex, strerror(-err));
		return err;
	}
	eun_warn(&c->r->log,
		 "prog '%s': this kernel has no XDP links: attached by netlink, which stays if "
		 "this process is killed (`ip link set dev IFNAME xdp off` removes it)",
		 c->name);
	a = eun_att_new(c, EUN_ATT_XDP);
	if (!a) {
		struct bpf_xdp_attach_opts xo = {.sz = sizeof(struct bpf_xdp_attach_opts),
						 .old_prog_fd = fd};
		bpf_xdp_detach(ifindex, flags | XDP_FLAGS_REPLACE, &xo);
		return -ENOMEM;
	}
	a->ifindex = ifindex;
	a->xdp_flags = flags;
	return 0;
}

/* ---- tc ------------------------------------------------------------------------------- */

/*
 * A clsact filter at this handle/priority (one a killed netlink run left, or someone else's):
 * name it and the command that removes it. Returns true if there is one.
 */
static bool tc_name_filter(struct attach_ctx *c, struct bpf_tc_hook *hook, uint32_t handle,
			   uint32_t prio, const char *what)
{
	struct bpf_tc_opts q = {
		.sz = sizeof(struct bpf_tc_opts), .handle = handle, .priority = prio};
	const char *dir = hook->attach_point == BPF_TC_EGRESS ? "egress" : "ingress";
	char ifn[IF_NAMESIZE], pname[BPF_OBJ_NAME_LEN + 1];

	if (!handle || !prio || bpf_tc_query(hook, &q))
		return false;
	prog_name_of(q.prog_id, pname, sizeof(pname));
	ifname_of(hook->ifindex, ifn);
	eun_warn(
		&c->r->log,
		"prog '%s': %s %s has a tc filter at handle %u priority %u (program id %u, "
		"'%s'), maybe left by a run that was killed; %s. Remove it with `tc filter del dev "
		"%s %s handle %u prio %u bpf`",
		c->name, ifn, dir, handle, prio, q.prog_id, pname, what, ifn, dir, handle, prio);
	return true;
}

int eun_att_tc(struct attach_ctx *c)
{
	struct bpf_tc_hook hook = {.sz = sizeof(struct bpf_tc_hook)};
	struct bpf_tc_opts to = {.sz = sizeof(struct bpf_tc_opts)};
	const struct eun_prog *mp = c->mp;
	struct eun_attachment *a;
	bool created = false;
	int ifindex, err;

	err = eun_att_pick_ifindex(
		c, mp && mp->has_tchook ? mp->tc_ifindex : (mp ? mp->ifindex : 0), &ifindex);
	if (err)
		return err;
	if (ifindex <= 0) {
		eun_warn(&c->r->log, "prog '%s': tc needs an interface: set the ifname option",
			 c->name);
		return -EINVAL;
	}
	hook.ifindex = ifindex;
	if (strstr(c->sec, "egress"))
		hook.attach_point = BPF_TC_EGRESS;
	else if (strstr(c->sec, "ingress"))
		hook.attach_point = BPF_TC_INGRESS;
	else
		hook.attach_point = mp && mp->has_tchook && mp->tc_attach_point == EUN_TC_EGRESS
					    ? BPF_TC_EGRESS
					    : BPF_TC_INGRESS;
	/* tcx link (6.6+): appended to the interface's chain, gone when we are */
	err = bpf_link_create(bpf_program__fd(c->prog), ifindex,
			      hook.attach_point == BPF_TC_EGRESS ? BPF_TCX_EGRESS : BPF_TCX_INGRESS,
			      NULL);
	if (err >= 0) {
		tc_name_filter(c, &hook, mp ? mp->tc_handle : 0, mp ? mp->tc_priority : 0,
			       "it runs after this program");
		return eun_att_add_link_fd(c, err, ifindex);
	}
	if (err != -EINVAL && err != -EOPNOTSUPP) {
		eun_warn(&c->r->log, "prog '%s': tcx attach (%s) on ifindex %d failed: %s", c->name,
			 hook.attach_point == BPF_TC_EGRESS ? "egress" : "ingress", ifindex,
			 strerror(-err));
		return err;
	}
	eun_warn(&c->r->log,
		 "prog '%s': this kernel has no tcx links (Linux < 6.6): attaching a clsact filter "
		 "by netlink, which stays if this process is killed",
		 c->name);
	err = bpf_tc_hook_create(&hook);
	if (err && err != -EEXIST) {
		eun_warn(&c->r->log, "prog '%s': cannot create the clsact qdisc on ifindex %d: %s",
			 c->name, ifindex, strerror(-err));
		return err;
	}
	created = err == 0;
	to.prog_fd = bpf_program__fd(c->prog);
	to.handle = mp ? mp->tc_handle : 0;
	to.priority = mp ? mp->tc_priority : 0;
	err = bpf_tc_attach(&hook, &to);
	if (err == -EEXIST) {
		if (!tc_name_filter(c, &hook, to.handle, to.priority, "not attaching over it"))
			eun_warn(&c->r->log,
				 "prog '%s': a tc filter is already at handle %u priority %u on "
				 "ifindex %d",
				 c->name, to.handle, to.priority, ifindex);
		goto destroy;
	}
	if (err) {
		eun_warn(&c->r->log, "prog '%s': tc attach (%s) on ifindex %d failed: %s", c->name,
			 hook.attach_point == BPF_TC_EGRESS ? "egress" : "ingress", ifindex,
			 strerror(-err));
		goto destroy;
	}
	a = eun_att_new(c, EUN_ATT_TC);
	if (!a) {
		struct bpf_tc_opts d = {.sz = sizeof(struct bpf_tc_opts),
					.handle = to.handle,
					.priority = to.priority};
		bpf_tc_detach(&hook, &d);
		err = -ENOMEM;
		goto destroy;
	}
	a->ifindex = ifindex;
	a->tc_attach_point = hook.attach_point;
	a->tc_handle = to.handle;
	a->tc_priority = to.priority;
	a->tc_hook_created = created;
	return 0;
destroy:
	if (created) {
		hook.attach_point = BPF_TC_INGRESS | BPF_TC_EGRESS;
		bpf_tc_hook_destroy(&hook);
	}
	return err;
}
