/* SPDX-License-Identifier: MIT */
/*
 * The package metadata ("meta", docs/package-format.md §3) as C structs: the one module that
 * both parses it (the loader) and emits it (ecc). emit(parse(x)) keeps every key this module
 * knows in a fixed order; keys it does not know are kept per object in `extra` (emitted after
 * the known ones, in their original order) and otherwise ignored.
 */
#ifndef EUNOMIA_PACKER_META_H
#define EUNOMIA_PACKER_META_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct cJSON;

struct eun_cmdarg {
	char *long_name;     /* NULL: variable name */
	char short_name;     /* 0: none */
	char *help;	     /* NULL: none */
	struct cJSON *def;   /* @cmdarg default (owned copy) or NULL */
	struct cJSON *extra; /* unknown keys (owned object) or NULL */
};

struct eun_var {
	char *name;
	char *type;	   /* C type text as written by ecc (informational; BTF is authoritative) */
	char *description; /* NULL: none */
	bool has_cmdarg;
	struct eun_cmdarg cmdarg;
	struct cJSON *value; /* "value" to write before load (owned copy) or NULL */
	struct cJSON *extra;
};

struct eun_data_section {
	char *name; /* ".rodata", ".bss", ".data", ".kconfig", ... */
	struct eun_var *vars;
	size_t nr_vars;
	struct cJSON *extra;
};

enum eun_sample_type {
	EUN_SAMPLE_DEFAULT_KV,
	EUN_SAMPLE_LOG2_HIST,
	EUN_SAMPLE_LINEAR_HIST,
};

struct eun_sample {
	int interval_ms;
	enum eun_sample_type type;
	char *unit; /* default "(unit)" */
	bool clear_map;
	struct cJSON *extra;
};

struct eun_map {
	char *name;  /* libbpf map name, e.g. "events", "client_b.rodata" */
	char *ident; /* skeleton identifier: "rodata", "bss", or the map name */
	bool mmaped;
	bool has_sample;
	struct eun_sample sample;
	/* export_config: name of the export type this map carries (from "export_config"
	 * {"type": "<struct>"} or a plain string), or NULL: the single export type. */
	char *export_type;
	struct cJSON *extra;
};

enum eun_tc_attach_point {
	EUN_TC_INGRESS,
	EUN_TC_EGRESS,
};

struct eun_prog {
	char *name;
	char *attach; /* ELF section name */
	bool link;
	/* xdp */
	bool has_ifindex, has_flags, has_xdpopts; /* the key was present (emitted back) */
	int ifindex;				  /* 0: unset */
	uint32_t xdp_flags;
	int xdp_old_prog_fd;
	/* tc */
	bool has_tchook;
	enum eun_tc_attach_point tc_attach_point;
	int tc_ifindex;
	bool has_tcopts;
	uint32_t tc_handle;
	uint32_t tc_priority;
	struct cJSON *extra;
};

struct eun_member {
	char *name;
	char *type;
	struct cJSON *extra;
};

struct eun_export_type {
	char *name;
	uint32_t type_id; /* id in the object's BTF */
	uint32_t size;
	struct eun_member *members;
	size_t nr_members;
	struct cJSON *extra;
};

struct eun_doc {
	char *brief;
	char *details;
	char *description;
	char *version;
	struct cJSON *extra;
};

struct eun_meta {
	char *obj_name;
	char *eunomia_version;
	struct eun_doc doc;
	struct eun_data_section *sections;
	size_t nr_sections;
	struct eun_map *maps;
	size_t nr_maps;
	struct eun_prog *progs;
	size_t nr_progs;
	struct eun_export_type *export_types;
	size_t nr_export_types;
	int poll_timeout_ms;   /* default 100 */
	int perf_buffer_pages; /* default 64 */
	bool enable_multiple_export_types;
	struct cJSON *extra;	  /* unknown keys of meta */
	struct cJSON *skel_extra; /* unknown keys of meta.bpf_skel */
};

/*
 * Parse the "meta" object of a package. Unknown keys are ignored; missing optional keys get
 * their defaults; a missing or mistyped required field gives -EUNOMIA_ERR_FIELD with a message
 * naming the field path (e.g. "meta.bpf_skel.progs[2].attach: expected a string") in err.
 */
int eun_meta__parse(const struct cJSON *meta, struct eun_meta *out, char *err, size_t errsz);
void eun_meta__free(struct eun_meta *m);

/*
 * The "meta" object of m as a new cJSON tree (caller deletes), in the order ecc has always
 * written it: meta {bpf_skel {data_sections, doc, maps, obj_name, progs}, eunomia_version,
 * export_types, enable_multiple_export_types}. Lists are always written (maybe empty);
 * optional fields only when set. Returns 0 or -ENOMEM / -EINVAL (m has no obj_name).
 */
int eun_meta__emit(const struct eun_meta *m, struct cJSON **out);

/*
 * One element of bpf_skel parsed on its own: ecc builds {"name", "type", <annotation tags>}
 * for a variable (and the like for a map or a program) and reads it with the loader's rules.
 * path names the element in messages (e.g. "variable 'x'"). *out must be zeroed; on error
 * it is left for eun_meta__free_{var,map,prog}() to release.
 */
int eun_meta__parse_var(const struct cJSON *obj, const char *path, struct eun_var *out, char *err,
			size_t errsz);
int eun_meta__parse_map(const struct cJSON *obj, const char *path, struct eun_map *out, char *err,
			size_t errsz);
int eun_meta__parse_prog(const struct cJSON *obj, const char *path, struct eun_prog *out, char *err,
			 size_t errsz);
int eun_meta__parse_doc(const struct cJSON *obj, const char *path, struct eun_doc *out, char *err,
			size_t errsz);
void eun_meta__free_var(struct eun_var *v);
void eun_meta__free_map(struct eun_map *m);
void eun_meta__free_prog(struct eun_prog *p);
void eun_meta__free_doc(struct eun_doc *d);

#endif
