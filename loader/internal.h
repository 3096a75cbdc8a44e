/* SPDX-License-Identifier: MIT */
/*
 * Internal structures shared by the loader's modules:
 *   package.c  meta.c  fetch.c      package lifecycle (open/validate/URL/tar)
 *   runner.c                         lifecycle: open, load, attach, detach, poll loop
 *   print.c                          libbpf's messages to the runner's print callback
 *   btfsel.c   btfcache.c            which BTF libbpf uses; the minimal-BTF cache
 *   variants.c mapsize.c             which programs load; map sizes left to user space
 *   explain.c                        why a load failed (per-program verifier logs)
 *   args.c     argval.c   attach.c   tool arguments, their BTF-typed values; attach rules
 *   output.c   plan.c     decoder.c  ring/perf buffers and the sink; event decoder (plan,
 *   sample.c                         walker); sampled maps
 *   stack.c    symbolize.c           stacks with symbols (stack.h, symbolize.h)
 *   error.c                          eunomia_strerror, eunomia_version
 */
#ifndef EUNOMIA_LOADER_INTERNAL_H
#define EUNOMIA_LOADER_INTERNAL_H

#include <signal.h>
#include <stdio.h>
#include <stdint.h>

#include "eunomia/eunomia.h"
#include "common/log.h"
#include "common/strbuf.h"
#include "packer/meta.h"

struct bpf_object;
struct bpf_link;
struct btf;
struct cJSON;

/* One file of a .tar container's btfhub-archive/ tree, kept in memory. */
struct eun_archive_file {
	char *path; /* relative to btfhub-archive/, e.g. "debian/12/x86_64/6.1.0-13-amd64.btf" */
	void *data;
	size_t size;
};

struct eunomia_package {
	struct eun_logger log;
	struct cJSON *doc; /* the whole document */
	struct eun_meta meta;
	void *elf;
	size_t elf_size;
	char *name; /* obj_name without "_bpf" */
	char sha256[65];
	struct eun_archive_file *archive;
	size_t nr_archive;
};

/* Find archive file by relative path; NULL if absent. */
const struct eun_archive_file *eun_package__archive_find(const struct eunomia_package *pkg,
							 const char *relpath);

/* Private part of a tool argument (parallel to struct eunomia_arg_info). */
struct eun_arg {
	struct eunomia_arg_info info;
	const struct eun_var *var; /* in the package meta */
	const struct eun_data_section *sec;
	struct bpf_map *map; /* internal map holding the variable */
	uint32_t offset;     /* byte offset in the map's value */
	uint32_t size;
	uint32_t type_id;	/* resolved BTF type (typedefs/qualifiers stripped by users) */
	bool set;		/* user gave a value */
	char *owned_strings[3]; /* storage for info strings */
};

enum eun_attach_kind {
	EUN_ATT_LINK,	/* a bpf_link (auto-attach, perf_event, cgroup, xdp link...) */
	EUN_ATT_TC,	/* bpf_tc_hook + bpf_tc_opts */
	EUN_ATT_XDP,	/* bpf_xdp_attach on an ifindex */
	EUN_ATT_SOCKFD, /* socket filter: fd of a socket we own */
	EUN_ATT_LINKFD, /* a kernel link made by bpf_link_create (xdp, tcx): close it */
};

struct eun_attachment {
	enum eun_attach_kind kind;
	struct bpf_link *link;
	int ifindex;
	uint32_t xdp_flags;
	int prog_fd;
	int sock_fd;
	int link_fd; /* EUN_ATT_LINKFD */
	uint32_t tc_handle, tc_priority;
	int tc_attach_point;  /* BPF_TC_INGRESS / BPF_TC_EGRESS */
	bool tc_hook_created; /* we created the clsact qdisc: destroy it on detach */
	char *prog_name;
};

enum eun_state {
	EUN_STATE_OPENED,
	EUN_STATE_LOADED,
	EUN_STATE_ATTACHED,
	EUN_STATE_DETACHED,
};

struct eun_output; /* output.c */

struct eunomia_runner {
	const struct eunomia_package *pkg;
	const struct eun_meta *meta;	 /* &pkg->meta */
	struct eunomia_runner_opts opts; /* copy; unset fields zero */
	struct eun_logger log;
	enum eun_state state;

	struct bpf_object *obj;
	const char *btf_custom; /* the BTF file libbpf was given at open (NULL: the kernel's) */
	/* programs the kernel refused during load, comma-separated: left out when the object is
	 * opened again for the next try (variants.c), and named in the summary */
	struct strbuf failed_progs;
	int load_tries;	    /* loads attempted so far */
	char *btf_tmp_path; /* BTF from the package archive: /proc/self/fd/<btf_tmp_fd> */
	int btf_tmp_fd;	    /* memfd holding it, -1: none */
	/* during load: libbpf's warnings held back (print.c), per-program verifier logs */
	struct strbuf *held;
	char **log_bufs; /* one per program, in object order; NULL when not loading it */
	size_t nr_log_bufs;
	char *log_mem; /* the block they are cut from */

	struct eun_arg *args;
	size_t nr_args;

	struct eun_attachment *att;
	size_t nr_att;

	struct eun_output *output;
	volatile sig_atomic_t stop;
	uint64_t start_ns; /* CLOCK_MONOTONIC at first poll, for duration_ms */

	/* minimal-BTF cache (btfcache.c): the entry used at open (a hit), or, after a miss,
	 * the cache directory to fill when the caller asks (eunomia_runner__fill_btf_cache) */
	char *btf_cache_path;
	char *btf_cache_dir;
	/* tracefs at /sys/kernel/tracing: 0 not checked yet, 1 mounted, -1 missing */
	int tracefs_state;
	int stats_fd; /* BPF_ENABLE_STATS (the bpf_stats option), -1: not held */
};

/* Monotonic clock in ns. */
uint64_t eun_now_ns(void);

/* ---- runner.c ---- */
struct bpf_object *eun_runner__open_object(struct eunomia_runner *r, const char *custom, int *err);

/* ---- print.c: libbpf's print hook, chained to the one installed before ---- */
/* Route libbpf's messages on this thread to r; returns the previous runner for leave(). */
struct eunomia_runner *eun_print__enter(struct eunomia_runner *r);
void eun_print__leave(struct eunomia_runner *prev);
const char *eun_strip_libbpf(const char *s);
/* libbpf error to message + errno-style code (LIBBPF_ERRNO__* overlap ours). */
int eun_libbpf_error(int err, char *msg, size_t size);

/* ---- btfsel.c ---- */
/* BTF path for libbpf (*custom, NULL: kernel's), or -errno / -EUNOMIA_ERR_NO_BTF. */
int eun_btfsel__choose(struct eunomia_runner *r, const char **custom);
void eun_btfsel__loaded(struct eunomia_runner *r);
int eun_btfsel__reload_without_cache(struct eunomia_runner *r);
/* Replace r->obj by a fresh open of the package's object with BTF `custom`, carrying over map
 * sizes and data-section values (and, with keep_autoload, the program selection). */
int eun_btfsel__reopen(struct eunomia_runner *r, const char *custom, bool keep_autoload);
void eun_btfsel__free(struct eunomia_runner *r);

/* ---- variants.c / mapsize.c ---- */
/* only/disable lists and variants: number of programs left to load, or -errno. */
int eun_variants__select(struct eunomia_runner *r);
/* Left out on request (only/disable options) or refused on an earlier try? */
bool eun_variants__excluded(const struct eunomia_runner *r, const char *name);
/* After a reselect: the program that now stands in for the refused `name` (same hook), or
 * NULL when it had no other variant. */
struct bpf_program *eun_variants__stand_in(struct eunomia_runner *r, const char *name,
					   const char *sec);
void eun_mapsize__apply(struct eunomia_runner *r);

/* ---- explain.c ---- */
int eun_explain__prepare(struct eunomia_runner *r); /* verifier-log buffers, before load */
void eun_explain__release(struct eunomia_runner *r);
void eun_explain__replay(struct eunomia_runner *r, bool explained);
int eun_explain__failure(struct eunomia_runner *r, int err); /* after a failed load */
/* The program a failed load (err) was refused on, or NULL when no program is to blame; with
 * the reason in one line (the verifier's last words, or why the kernel refused it). */
struct bpf_program *eun_explain__refused(struct eunomia_runner *r, int err, char *reason,
					 size_t size);

/* ---- args.c ---- */
int eun_args__init(struct eunomia_runner *r);  /* after bpf_object open, before load */
int eun_args__apply(struct eunomia_runner *r); /* write values into maps before load */
void eun_args__free(struct eunomia_runner *r);

/* ---- attach.c ---- */
/* Before load: ask for kernel-link-ready maps where the kernel has such links (struct_ops). */
void eun_attach__prepare(struct eunomia_runner *r);
int eun_attach__all(struct eunomia_runner *r);
int eun_attach__detach_all(struct eunomia_runner *r);

/* ---- output.c: events and sampled maps, through one sink ---- */
struct eun_output_opts {
	enum eunomia_format format;
	FILE *out;		    /* stream sink (NULL: stdout) ... */
	eunomia_output_fn_t output; /* ... unless a line callback is given */
	void *output_ctx;
	const struct eun_logger *log;
	const struct eun_meta *meta;	   /* export types, sampled maps, perf_buffer_pages */
	struct bpf_object *obj;		   /* loaded */
	const volatile sig_atomic_t *stop; /* non-zero: stop consuming, poll returns -EINTR */
	bool folded;			   /* events with stacks: one folded line each */
};
/* After load: set up ring/perf buffers for export maps and the sample schedule. */
struct eun_output *eun_output__new(const struct eun_output_opts *opts);
/* Poll buffers up to timeout_ms and print due samples; count or -errno. */
int eun_output__poll(struct eun_output *o, int timeout_ms);
uint64_t eun_output__lost(const struct eun_output *o);
/* Per event map: records handled and lost so far; safe from any thread. Returns the number
 * of event maps (fills at most n). */
size_t eun_output__map_stats(const struct eun_output *o, struct eunomia_map_stats *st, size_t n);
/* The exit dump: every sampled map one last time, then the other maps and globals (dump.c). */
int eun_output__dump(struct eun_output *o);

/* ---- exptype.c ---- */
/* A meta export type against the object's BTF (a struct of that name, member count and size
 * up to max_size). 0 or -EUNOMIA_ERR_EXPORT_TYPE, said through log. */
int eun_export_type_check(const struct btf *btf, const struct eun_export_type *et,
			  const struct eun_logger *log, uint32_t max_size);

/* ---- dump.c ---- */
typedef int (*eun_dump_line_fn)(void *ctx, const char *line, size_t len);
struct eun_dump_snap;
/* The writable data sections right after load (NULL on ENOMEM: then non-zero is shown). */
struct eun_dump_snap *eun_dump__snapshot(struct bpf_object *obj);
void eun_dump__snapshot_free(struct eun_dump_snap *s);
int eun_dump__maps(struct bpf_object *obj, const struct btf *btf, const struct eun_meta *meta,
		   const struct eun_dump_snap *snap, enum eunomia_format fmt, eun_dump_line_fn emit,
		   void *ctx, const struct eun_logger *log);
void eun_output__free(struct eun_output *o);

#endif
