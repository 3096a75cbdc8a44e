/* SPDX-License-Identifier: MIT */
/*
 * ecc internals. Modules:
 *   main.c      flags, orchestration, output files           (ecc driver)
 *   compile.c   clang argv, arch include dirs, run clang      (ecc driver)
 *   vmlinux.c   vmlinux.h from BTF via libbpf btf_dump, cache (ecc driver)
 *   objinfo.c   read the object with libbpf -> meta.bpf_skel, export_types, type text
 *   doc.c       libclang: doc comments -> annotations         (ecc frontend)
 *   infer.c     libclang: export-type inference, header structs (ecc frontend)
 */
#ifndef EUNOMIA_ECC_ECC_H
#define EUNOMIA_ECC_ECC_H

#include <stdbool.h>
#include <stddef.h>

struct cJSON;
struct btf;

/*
 * Annotations read from the doc comments of a source file (libclang comment parser), as a
 * cJSON object (caller frees):
 * {
 *   "doc":   {"brief": "...", "details": "...", "version": "...", "description": "..."},
 *   "vars":  {"<global>": {"description": "...", "cmdarg": {...}, "<other tag>": <value>}},
 *   "maps":  {"<map>": {"sample": {...}, "<other tag>": <value>}},
 *   "progs": {"<function>": {"ifindex": N, "flags": N, "xdpopts": {...},
 *                            "tchook": {...}, "tcopts": {...}, "<other tag>": <value>}},
 * }
 * A tag's value is parsed as JSON when valid, else kept as a string (trimmed). A tag that needs
 * JSON (cmdarg, sample, xdpopts, tchook, tcopts) with malformed JSON is a warning naming file
 * and line on stderr ("foo.bpf.c:12: @cmdarg: invalid JSON: ..."); when strict_json is true
 * it is an error (-EINVAL). clang_args: include dirs and defines to parse with (NULL-terminated).
 */
int ecc_doc_parse(const char *src_path, const char *const *clang_args, bool strict_json,
		  struct cJSON **annotations);

/*
 * Export-type inference from the source (libclang AST). Returns a cJSON array (caller frees) of
 * {"struct": "<struct name>", "map": "<map name>"}: for every bpf_ringbuf_reserve(&MAP, ...)
 * the struct pointed to by the variable it is assigned to; for bpf_ringbuf_output(&MAP, DATA,
 * ...) and bpf_perf_event_output(ctx, &MAP, flags, DATA, ...) the struct type of *DATA.
 * Unique (struct, map) pairs, in source order.
 */
int ecc_infer_export_types(const char *src_path, const char *const *clang_args,
			   struct cJSON **pairs);

/* Names of the structs defined ("struct X {") in a header, in order (cJSON array of strings). */
int ecc_header_structs(const char *header_path, const char *const *clang_args,
		       struct cJSON **names);

/* C type text for a BTF type, qualifiers stripped: "int", "unsigned long long", "pid_t",
 * "char[16]", "struct event", "enum state", "u8[6][2]", "void *". Writes into buf. */
int ecc_btf_type_text(const struct btf *btf, unsigned int type_id, char *buf, size_t size);

#endif
