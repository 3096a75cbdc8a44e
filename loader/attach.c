// SPDX-License-Identifier: MIT
/*
 * Attach rules: a table from section prefix to attach function, like libbpf's section_defs.
 * Sections libbpf can auto-attach go through bpf_program__attach(); xdp, tc, perf_event,
 * uprobe/usdt (run-time binary and pid), cgroup and socket programs get our own rules,
 * driven by run-time options and the package metadata.
 *
 * Every attachment the kernel can hold by a link is made through one, so that it goes away
 * with the process however it ends (even SIGKILL): xdp (BPF_XDP link, never replacing a
 * program someone else attached), tc (tcx links, Linux 6.6+), cgroup, perf_event, tracing.
 * Only where the kernel has no link (tc before 6.6, xdp before 5.9) do we fall back to
 * netlink, and those attachments outlive a killed process.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <arpa/inet.h>
#include <linux/if_ether.h>
#include <linux/if_link.h>
#include <linux/if_packet.h>
#include <linux/perf_event.h>
#include <net/if.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/btf.h>
#include <bpf/libbpf.h>

#include "loader/attach.h"
#include "loader/internal.h"
#define TRACEFS		  "/sys/kernel/tracing"
#define DEFAULT_CGROUP	  "/sys/fs/cgroup/unified"
#define DEFAULT_PERF_FREQ 49

const struct eun_prog *eun_att_meta_prog(const struct eunomia_runner *r, const char *name)
{
	size_t i;

	for (i = 0; i < r->meta->nr_progs; i++)
		if (r->meta->progs[i].name && !strcmp(r->meta->progs[i].name, name))
			return &r->meta->progs[i];
	return NULL;
}

struct eun_attachment *eun_att_new(struct attach_ctx *c, enum eun_attach_kind kind)
{
	struct eunomia_runner *r = c->r;
	struct eun_attachment *a, *arr;

	arr = realloc(r->att, (r->nr_att + 1) * sizeof(*arr));
	if (!arr)
		return NULL;
	r->att = arr;
	a = &arr[r->nr_att];
	memset(a, 0, sizeof(*a));
	a->prog_name = strdup(c->name);
	if (!a->prog_name)
		return NULL;
	a->kind = kind;
	a->prog_fd = c->prog ? bpf_program__fd(c->prog) : -1;
	a->sock_fd = -1;
	a->link_fd = -1;
	r->nr_att++;
	return a;
}

int eun_att_add_link(struct attach_ctx *c, struct bpf_link *link)
{
	struct eun_attachment *a = eun_att_new(c, EUN_ATT_LINK);

	if (!a) {
		bpf_link__destroy(link);
		return -ENOMEM;
	}
	a->link = link;
	return 0;
}

/* Interface from the run-time options, else the metadata value (0: none). */
int eun_att_pick_ifindex(struct attach_ctx *c, int meta_ifindex, int *ifindex)
{
	const struct eunomia_runner_opts *o = &c->r->opts;

	*ifindex = 0;
	if (o->ifname && *o->ifname) {
		*ifindex = (int)if_nametoindex(o->ifname);
		if (!*ifindex) {
			eun_warn(&c->r->log,
				 "prog '%s': no network interface '%s' (%s); check `ip link`",
				 c->name, o->ifname, strerror(errno));
			return -ENODEV;
		}
		return 0;
	}
	*ifindex = o->ifindex > 0 ? o->ifindex : meta_ifindex;
	return 0;
}

/* ---- perf_event ----------------------------------------------------------------------- */

static int perf_open(struct perf_event_attr *attr, int pid, int cpu)
{
	return (int)syscall(__NR_perf_event_open, attr, pid, cpu, -1, PERF_FLAG_FD_CLOEXEC);
}

static int attach_perf(struct attach_ctx *c)
{
	struct eunomia_runner *r = c->r;
	int freq = r->opts.perf_freq > 0 ? r->opts.perf_freq : DEFAULT_PERF_FREQ;
	int ncpu = libbpf_num_possible_cpus(), cpu, n = 0, last_err = 0;
	int pid = r->opts.pid > 0 ? r->opts.pid : -1;
	size_t first = r->nr_att;
	struct perf_event_attr attr;

	if (ncpu < 0)
		return ncpu;
	memset(&attr, 0, sizeof(attr));
	attr.size = sizeof(attr);
	attr.type = PERF_TYPE_SOFTWARE; /* no hardware PMU on VMs: the CPU clock always works */
	attr.config = PERF_COUNT_SW_CPU_CLOCK;
	attr.freq = 1;
	attr.sample_freq = (uint64_t)freq;
	for (cpu = pid > 0 ? -1 : 0; cpu < (pid > 0 ? 0 : ncpu); cpu++) {
		struct bpf_link *link;
		int pfd = perf_open(&attr, pid, cpu);

		if (pfd < 0) {
			last_err = -errno;
			if (errno == ENODEV)
				continue; /* offline CPU */
			break;
		}
		link = bpf_program__attach_perf_event(c->prog, pfd);
		if (!link) {
			last_err = -errno;
			close(pfd);
			break;
		}
		if (eun_att_add_link(c, link))
			return -ENOMEM;
		n++;
	}
	if (!n || last_err) {
		/* all or nothing: drop the CPUs already attached by this call */
		while (r->nr_att > first) {
			struct eun_attachment *a = &r->att[--r->nr_att];

			bpf_link__destroy(a->link);
			free(a->prog_name);
		}
		eun_warn(&r->log, "prog '%s': perf_event attach (cpu-clock, %d Hz%s) failed: %s",
			 c->name, freq, pid > 0 ? ", pid filter" : "",
			 strerror(last_err ? -last_err : ENODEV));
		return last_err ? last_err : -ENODEV;
	}
	return 0;
}

/* ---- uprobe / usdt -------------------------------------------------------------------- */

static int attach_uprobe(struct attach_ctx *c)
{
	struct bpf_uprobe_opts uo = {.sz = sizeof(struct bpf_uprobe_opts)};
	struct eunomia_runner *r = c->r;
	const char *rest = strchr(c->sec, '/');
	char path[PATH_MAX] = "", func[256] = "";
	const char *binary;
	struct bpf_link *link;
	size_t off = 0;
	char *plus;
	int pid = r->opts.pid > 0 ? r->opts.pid : -1;

	uo.retprobe = !strncmp(c->sec, "uretprobe", 9);
	if (rest && rest[1]) {
		const char *colon = strrchr(rest + 1, ':');

		if (colon) {
			snprintf(path, sizeof(path), "%.*s", (int)(colon - rest - 1), rest + 1);
			snprintf(func, sizeof(func), "%s", colon + 1);
		} else {
			snprintf(func, sizeof(func), "%s", rest + 1);
		}
	}
	if (r->opts.uprobe_func && *r->opts.uprobe_func)
		snprintf(func, sizeof(func), "%s", r->opts.uprobe_func);
	plus = strchr(func, '+');
	if (plus) {
		off = strtoul(plus + 1, NULL, 0);
		*plus = '\0';
	}
	binary = r->opts.uprobe_binary && *r->opts.uprobe_binary ? r->opts.uprobe_binary : path;
	if (!*binary) {
		eun_warn(&r->log,
			 "prog '%s' (%s): no binary to probe: set the uprobe_binary option",
			 c->name, c->sec);
		return -EINVAL;
	}
	if (!*func && !off) {
		eun_warn(&r->log,
			 "prog '%s' (%s): no function to probe: name one (uprobe_func option) "
			 "or write the section as uprobe/BINARY:FUNCTION",
			 c->name, c->sec);
		return -EINVAL;
	}
	uo.func_name = *func ? func : NULL;
	link = bpf_program__attach_uprobe_opts(c->prog, pid, binary, off, &uo);
	if (!link) {
		int err = -errno;

		eun_warn(&r->log, "prog '%s': %s on %s:%s failed: %s%s", c->name,
			 uo.retprobe ? "uretprobe" : "uprobe", binary, func, strerror(-err),
			 err == -ENOENT ? " (is the binary path right, and does it define that "
					  "function? pick the binary with the uprobe_binary option)"
					: "");
		return err;
	}
	return eun_att_add_link(c, link);
}

static int attach_usdt(struct attach_ctx *c)
{
	struct eunomia_runner *r = c->r;
	char spec[PATH_MAX + 256], *prov, *name;
	const char *binary;
	struct bpf_link *link;
	int pid = r->opts.pid > 0 ? r->opts.pid : -1;

	snprintf(spec, sizeof(spec), "%s", c->sec[4] == '/' ? c->sec + 5 : "");
	name = strrchr(spec, ':');
	if (!name) {
		eun_warn(&r->log, "prog '%s' (%s): usdt sections are usdt/BINARY:PROVIDER:NAME",
			 c->name, c->sec);
		return -EINVAL;
	}
	*name++ = '\0';
	prov = strrchr(spec, ':');
	if (prov)
		*prov++ = '\0';
	else {
		prov = spec;
		spec[0] = '\0';
		eun_warn(&r->log, "prog '%s' (%s): usdt sections are usdt/BINARY:PROVIDER:NAME",
			 c->name, c->sec);
		return -EINVAL;
	}
	binary = r->opts.uprobe_binary && *r->opts.uprobe_binary ? r->opts.uprobe_binary : spec;
	if (!*binary) {
		eun_warn(&r->log,
			 "prog '%s' (%s): no binary to probe: set the uprobe_binary option",
			 c->name, c->sec);
		return -EINVAL;
	}
	link = bpf_program__attach_usdt(c->prog, pid, binary, prov, name, NULL);
	if (!link) {
		int err = -errno;

		eun_warn(&r->log, "prog '%s': usdt %s:%s in %s failed: %s", c->name, prov, name,
			 binary, strerror(-err));
		return err;
	}
	return eun_att_add_link(c, link);
}

/* ---- cgroup / socket ------------------------------------------------------------------ */

static int attach_cgroup(struct attach_ctx *c)
{
	const char *path = c->r->opts.cgroup_path && *c->r->opts.cgroup_path
				   ? c->r->opts.cgroup_path
				   : DEFAULT_CGROUP;
	struct bpf_link *link;
	int fd, err;

	fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0) {
		err = -errno;
		eun_warn(&c->r->log,
			 "prog '%s': cannot open cgroup %s: %s; set the cgroup_path option to a "
			 "cgroup2 directory",
			 c->name, path, strerror(-err));
		return err;
	}
	link = bpf_program__attach_cgroup(c->prog, fd);
	err = link ? 0 : -errno;
	close(fd);
	if (!link) {
		eun_warn(&c->r->log, "prog '%s': attach to cgroup %s failed: %s", c->name, path,
			 strerror(-err));
		return err;
	}
	return eun_att_add_link(c, link);
}

/* Socket filters need a socket: with -i, a raw packet socket bound to that interface. */
static int attach_socket(struct attach_ctx *c)
{
	struct sockaddr_ll sll = {.sll_family = AF_PACKET, .sll_protocol = htons(ETH_P_ALL)};
	struct eun_attachment *a;
	int ifindex, err, fd, prog_fd = bpf_program__fd(c->prog);

	err = eun_att_pick_ifindex(c, 0, &ifindex);
	if (err)
		return err;
	if (ifindex <= 0) {
		eun_info(
			&c->r->log,
			"prog '%s' (%s): a socket filter needs a socket; set the ifname option to attach "
			"it to a raw socket on that interface; not attached",
			c->name, c->sec);
		return ATTACH_SKIPPED;
	}
	fd = socket(AF_PACKET, SOCK_RAW | SOCK_NONBLOCK | SOCK_CLOEXEC, htons(ETH_P_ALL));
	if (fd < 0) {
		err = -errno;
		goto fail;
	}
	sll.sll_ifindex = ifindex;
	if (bind(fd, (struct sockaddr *)&sll, sizeof(sll)) ||
	    setsockopt(fd, SOL_SOCKET, SO_ATTACH_BPF, &prog_fd, sizeof(prog_fd))) {
		err = -errno;
		close(fd);
		goto fail;
	}
	a = eun_att_new(c, EUN_ATT_SOCKFD);
	if (!a) {
		close(fd);
		return -ENOMEM;
	}
	a->sock_fd = fd;
	a->ifindex = ifindex;
	return 0;
fail:
	eun_warn(&c->r->log,
		 "prog '%s': cannot attach the socket filter to a raw socket on "
		 "ifindex %d: %s",
		 c->name, ifindex, strerror(-err));
	return err;
}

/* struct_ops programs run through their struct_ops map, attached in eun_attach__all(). */
static int attach_struct_ops_prog(struct attach_ctx *c)
{
	return ATTACH_SKIPPED;
}

/* Does the kernel have struct_ops links (6.4+)? Its BTF names BPF_LINK_TYPE_STRUCT_OPS. */
static bool kernel_has_struct_ops_links(void)
{
	struct btf *v = btf__load_vmlinux_btf();
	const struct btf_type *t;
	bool found = false;
	int id, i;

	if (!v)
		return false;
	id = btf__find_by_name_kind(v, "bpf_link_type", BTF_KIND_ENUM);
	t = id > 0 ? btf__type_by_id(v, id) : NULL;
	for (i = 0; t && i < btf_vlen(t) && !found; i++)
		found = !strcmp(btf__name_by_offset(v, btf_enum(t)[i].name_off),
				"BPF_LINK_TYPE_STRUCT_OPS");
	btf__free(v);
	return found;
}

/*
 * struct_ops maps registered by a map update stay registered when the process dies; created
 * with BPF_F_LINK, they are registered by a link instead (see attach_struct_ops_maps), which
 * the kernel drops with its last fd.
 */
void eun_attach__prepare(struct eunomia_runner *r)
{
	struct bpf_map *map;
	int has = -1;

	bpf_object__for_each_map(map, r->obj) {
		if (bpf_map__type(map) != BPF_MAP_TYPE_STRUCT_OPS || !bpf_map__autocreate(map))
			continue;
		if (has < 0)
			has = kernel_has_struct_ops_links();
		if (!has)
			return;
		bpf_map__set_map_flags(map, bpf_map__map_flags(map) | BPF_F_LINK);
	}
}

static int attach_struct_ops_maps(struct eunomia_runner *r)
{
	struct bpf_map *map;
	int n = 0;

	bpf_object__for_each_map(map, r->obj) {
		struct attach_ctx c = {.r = r, .name = bpf_map__name(map), .sec = ".struct_ops"};
		struct bpf_link *link;
		int err;

		if (bpf_map__type(map) != BPF_MAP_TYPE_STRUCT_OPS)
			continue;
		/* with BPF_F_LINK this only writes the map's value; the link registers it */
		link = bpf_map__attach_struct_ops(map);
		if (!link) {
			err = -errno;
			eun_warn(&r->log, "struct_ops '%s': registration failed: %s%s", c.name,
				 strerror(-err),
				 err == -EEXIST ? "; one of that name is registered already "
						  "(`bpftool struct_ops show`; remove a stale one "
						  "with `bpftool struct_ops unregister id ID`)"
						: "");
			return err;
		}
		if (bpf_map__map_flags(map) & BPF_F_LINK) {
			int fd;

			bpf_link__disconnect(link); /* libbpf's handle would delete the value */
			bpf_link__destroy(link);
			fd = bpf_link_create(bpf_map__fd(map), 0, EUN_ATTACH_STRUCT_OPS, NULL);
			if (fd < 0) {
				eun_warn(&r->log,
					 "struct_ops '%s': registration (link) failed: %s%s",
					 c.name, strerror(-fd),
					 fd == -EEXIST
						 ? "; one of that name is registered already "
						   "(`bpftool struct_ops show`; a run killed on a "
						   "kernel before 6.4 leaves it: `bpftool "
						   "struct_ops unregister id ID`)"
						 : "");
				return fd;
			}
			err = eun_att_add_link_fd(&c, fd, 0);
		} else {
			err = eun_att_add_link(&c, link);
		}
		if (err)
			return err;
		n++;
	}
	return n;
}

/* ---- libbpf auto-attach ---------------------------------------------------------------- */

static bool tracefs_mounted(void)
{
	return access(TRACEFS "/events", F_OK) == 0;
}

/* Once per runner (not per tracepoint): is tracefs there, or can we mount it? */
static void ensure_tracefs(struct eunomia_runner *r)
{
	if (r->tracefs_state)
		return;
	r->tracefs_state = tracefs_mounted() ? 1 : -1;
	if (r->tracefs_state > 0 || r->opts.no_mount_tracefs || geteuid() != 0)
		return;
	if (mount("tracefs", TRACEFS, "tracefs", 0, NULL)) {
		eun_debug(&r->log, "mounting tracefs at " TRACEFS " failed: %s", strerror(errno));
		return;
	}
	r->tracefs_state = 1;
	eun_info(&r->log, "mounted tracefs at " TRACEFS " (tracepoints need it)");
}

static void explain_auto_failure(struct attach_ctx *c, int err)
{
	const char *sec = c->sec, *hint = "";

	if (!strncmp(sec, "kprobe", 6) || !strncmp(sec, "kretprobe", 9) ||
	    !strncmp(sec, "ksyscall", 8) || !strncmp(sec, "kretsyscall", 11)) {
		if (err == -ENOENT || err == -EOPNOTSUPP)
			hint = "; this kernel has no kprobe support (CONFIG_KPROBES off?) or no such "
			       "function: use a tracepoint variant";
	} else if (!strncmp(sec, "tp/", 3) || !strncmp(sec, "tracepoint/", 11)) {
		if (err == -ENOENT)
			hint = tracefs_mounted() ? "; no such tracepoint on this kernel (see "
						   "/sys/kernel/tracing/events)"
						 : "; tracefs is not mounted: as root, run "
						   "'mount -t tracefs tracefs /sys/kernel/tracing'";
	} else if (!strncmp(sec, "fentry", 6) || !strncmp(sec, "fexit", 5) ||
		   !strncmp(sec, "lsm", 3) || !strncmp(sec, "fmod_ret", 8)) {
		hint = "; this kernel refuses BPF trampolines: leave it out (disable_progs "
		       "option) or use a kprobe/tp variant";
	} else if (!strncmp(sec, "raw_tp", 6) || !strncmp(sec, "raw_tracepoint", 14) ||
		   !strncmp(sec, "tp_btf", 6)) {
		if (err == -ENOENT)
			hint = "; no such raw tracepoint on this kernel";
	}
	eun_warn(&c->r->log, "prog '%s': attach to %s failed: %s%s", c->name, sec, strerror(-err),
		 hint);
}

static int attach_auto(struct attach_ctx *c)
{
	struct bpf_link *link;
	int err;

	if (!strncmp(c->sec, "tp/", 3) || !strncmp(c->sec, "tracepoint/", 11))
		ensure_tracefs(c->r);
	link = bpf_program__attach(c->prog);
	if (!link) {
		err = -errno;
		if (err == -EOPNOTSUPP && !strchr(c->sec, '/') && strncmp(c->sec, "kprobe", 6)) {
			eun_warn(&c->r->log,
				 "prog '%s' (%s): no rule to attach this section automatically; "
				 "not attached",
				 c->name, c->sec);
			return ATTACH_SKIPPED;
		}
		explain_auto_failure(c, err ? err : -EINVAL);
		return err ? err : -EINVAL;
	}
	return eun_att_add_link(c, link);
}

/* Section prefix -> rule; `exact` prefixes must be followed by end, '/' or '.'. */
static const struct {
	const char *prefix;
	attach_fn_t fn;
} attach_rules[] = {
	{"xdp", eun_att_xdp},	    {"tc", eun_att_tc},
	{"classifier", eun_att_tc}, {"perf_event", attach_perf},
	{"uprobe", attach_uprobe},  {"uretprobe", attach_uprobe},
	{"usdt", attach_usdt},	    {"cgroup_skb", attach_cgroup},
	{"cgroup", attach_cgroup},  {"sockops", attach_cgroup},
	{"socket", attach_socket},  {"struct_ops", attach_struct_ops_prog},
};

static attach_fn_t find_rule(const char *sec)
{
	size_t i;

	for (i = 0; i < sizeof(attach_rules) / sizeof(attach_rules[0]); i++) {
		size_t n = strlen(attach_rules[i].prefix);
		char next;

		if (strncmp(sec, attach_rules[i].prefix, n))
			continue;
		next = sec[n];
		if (next == '\0' || next == '/' || next == '.')
			return attach_rules[i].fn;
	}
	return attach_auto;
}

int eun_attach__all(struct eunomia_runner *r)
{
	struct bpf_program *prog;
	int attached = 0, failed = 0, skipped = 0, err = 0;
	bool pid_used = false; /* does any program take the pid filter? */

	bpf_object__for_each_program(prog, r->obj) {
		struct attach_ctx c = {
			.r = r,
			.prog = prog,
			.name = bpf_program__name(prog),
			.sec = bpf_program__section_name(prog),
		};
		attach_fn_t fn;
		int ret;

		if (!bpf_program__autoload(prog) || bpf_program__fd(prog) < 0)
			continue;
		c.mp = eun_att_meta_prog(r, c.name);
		if (c.mp && !c.mp->link) {
			eun_debug(&r->log, "prog '%s': metadata says link=false; not attached",
				  c.name);
			skipped++;
			continue;
		}
		fn = find_rule(c.sec);
		pid_used |= fn == attach_uprobe || fn == attach_usdt || fn == attach_perf;
		ret = fn(&c);
		if (ret == ATTACH_SKIPPED) {
			skipped++;
		} else if (ret < 0) {
			failed++;
			err = ret;
			/* EBUSY: someone else's attachment is in the way; never run without */
			if (ret == -ENOMEM || ret == -EBUSY || r->opts.strict)
				break;
		} else {
			eun_debug(&r->log, "prog '%s': attached (%s)", c.name, c.sec);
			attached++;
		}
	}
	if (!failed || (!r->opts.strict && err != -ENOMEM && err != -EBUSY)) {
		int ret = attach_struct_ops_maps(r);

		if (ret < 0) {
			failed++;
			err = ret;
		} else {
			attached += ret;
		}
	}
	if (failed && (r->opts.strict || attached == 0 || err == -ENOMEM || err == -EBUSY)) {
		eun_warn(&r->log, "%s: %s; detaching everything",
			 r->pkg ? eunomia_package__name(r->pkg) : "runner",
			 attached == 0 ? "no program could be attached"
			 : err == -EBUSY
				 ? "a program's attach point is taken by another program"
				 : "a program failed to attach and the strict option is set");
		eun_attach__detach_all(r);
		return -EUNOMIA_ERR_ATTACH;
	}
	if (failed)
		eun_warn(&r->log,
			 "%d program(s) not attached; running with the other %d (the strict "
			 "option makes this fatal)",
			 failed, attached);
	if (r->opts.pid > 0 && !pid_used)
		eun_warn(&r->log,
			 "%s: pid filter %d ignored: none of its programs is a uprobe, usdt or "
			 "perf_event program",
			 r->pkg ? eunomia_package__name(r->pkg) : "runner", r->opts.pid);
	return attached;
}

/*
 * Destroying a tracepoint, kprobe or uprobe link waits in the kernel for an RCU grace period
 * (tracepoint_synchronize_unregister: ~75 ms for a tracepoint, ~120 ms for a uprobe), run by
 * the closing thread. One after another, 12 tracepoints take ~0.9 s. Closed from several
 * threads at once, the waits overlap and share grace periods: the whole set costs little more
 * than one. Every thread is joined before detach returns, so nothing stays attached.
 */
#define DETACH_MAX_THREADS 16

struct detach_pool {
	struct eun_attachment *att;
	size_t nr;
	atomic_size_t next;
	atomic_int err;
};

static void *detach_worker(void *arg)
{
	struct detach_pool *p = arg;
	size_t i;

	while ((i = atomic_fetch_add(&p->next, 1)) < p->nr) {
		struct eun_attachment *a = &p->att[i];
		int err;

		if (a->kind != EUN_ATT_LINK || !a->link)
			continue;
		err = bpf_link__destroy(a->link);
		a->link = NULL;
		if (err && err != -ENOENT)
			atomic_store(&p->err, err);
	}
	return NULL;
}

/* Destroy every bpf_link of r->att concurrently; falls back to this thread alone. */
static void destroy_links(struct eunomia_runner *r)
{
	struct detach_pool pool = {.att = r->att, .nr = r->nr_att};
	pthread_t tids[DETACH_MAX_THREADS];
	size_t nlinks = 0, nthreads, started = 0, i;
	sigset_t all, old;

	for (i = 0; i < r->nr_att; i++)
		nlinks += r->att[i].kind == EUN_ATT_LINK && r->att[i].link;
	if (nlinks < 2)
		return; /* the serial loop handles it */
	nthreads = nlinks - 1 < DETACH_MAX_THREADS ? nlinks - 1 : DETACH_MAX_THREADS;
	atomic_init(&pool.next, 0);
	atomic_init(&pool.err, 0);
	/* workers take no signals: the caller's handlers stay the caller's business */
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	for (started = 0; started < nthreads; started++)
		if (pthread_create(&tids[started], NULL, detach_worker, &pool))
			break;
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	detach_worker(&pool); /* this thread works too (and alone if no thread started) */
	for (i = 0; i < started; i++)
		pthread_join(tids[i], NULL);
	if (atomic_load(&pool.err))
		eun_warn(&r->log, "detaching a link failed: %s", strerror(-atomic_load(&pool.err)));
}

int eun_attach__detach_all(struct eunomia_runner *r)
{
	int ret = 0;

	if (!r || !r->att)
		return 0;
	destroy_links(r);
	/* reverse order: the tc program that created a clsact hook is removed last */
	while (r->nr_att > 0) {
		struct eun_attachment *a = &r->att[--r->nr_att];
		int err = 0;

		switch (a->kind) {
		case EUN_ATT_LINK:
			if (a->link) /* else destroyed by destroy_links() */
				err = bpf_link__destroy(a->link);
			a->link = NULL;
			break;
		case EUN_ATT_XDP: {
			struct bpf_xdp_attach_opts xo = {.sz = sizeof(struct bpf_xdp_attach_opts),
							 .old_prog_fd = a->prog_fd};

			/* only detach if our program is still the one attached */
			err = bpf_xdp_detach(a->ifindex, a->xdp_flags | XDP_FLAGS_REPLACE, &xo);
			break;
		}
		case EUN_ATT_TC: {
			struct bpf_tc_hook hook = {
				.sz = sizeof(struct bpf_tc_hook),
				.ifindex = a->ifindex,
				.attach_point = (enum bpf_tc_attach_point)a->tc_attach_point};
			struct bpf_tc_opts to = {.sz = sizeof(struct bpf_tc_opts),
						 .handle = a->tc_handle,
						 .priority = a->tc_priority};

			err = bpf_tc_detach(&hook, &to);
			if (a->tc_hook_created) {
				hook.attach_point = BPF_TC_INGRESS | BPF_TC_EGRESS;
				bpf_tc_hook_destroy(&hook);
			}
			break;
		}
		case EUN_ATT_SOCKFD:
			if (a->sock_fd >= 0)
				close(a->sock_fd);
			break;
		case EUN_ATT_LINKFD:
			if (a->link_fd >= 0)
				close(a->link_fd); /* the last reference: the kernel detaches */
			break;
		}
		if (err && err != -ENOENT) {
			eun_warn(&r->log, "prog '%s': detach failed: %s", a->prog_name,
				 strerror(-err));
			ret = err;
		}
		free(a->prog_name);
	}
	free(r->att);
	r->att = NULL;
	return ret;
}
