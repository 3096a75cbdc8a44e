/* SPDX-License-Identifier: MIT */
/*
 * ecc internals. Modules:
 *   main.c      flags, orchestration, output files           (ecc driver)
 *   compile.c   ecc_build: clang and the front end, in steps  (ecc driver)
 *   vmlinux.c   vmlinux.h from BTF via libbpf btf_dump, cache (ecc driver)
 *   objinfo.c   read the object with libbpf -> meta.bpf_skel, export_types, type text
 *   doc.c       libclang: doc comments -> annotations         (ecc frontend)
 *   infer.c     libclang: export-type inference, header structs (ecc frontend)
 *   frontend.c  one libclang parse for all three of them         (ecc frontend)
 *   sysinc.c, exports.c, guess.c, argv.c: pieces of ecc_build (build.h)
 *   init.c      `ecc init`: a starter project from templates/
 *   log.c       where the messages of all of the above go (log.h): nothing here prints itself
 */
#ifndef EUNOMIA_ECC_ECC_H
#define EUNOMIA_ECC_ECC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

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
 * and line on the log ("foo.bpf.c:12: @cmdarg: invalid JSON: ..."); when strict_json is true
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

/*
 * ecc_doc_parse(), ecc_infer_export_types() and ecc_header_structs() from ONE libclang parse
 * of the source (the slow part when it includes vmlinux.h). The header's structs are taken
 * from the same parse when the source includes header_path, else the header is parsed on its
 * own. header_path may be NULL (then *header_structs is left NULL; header_structs may be NULL
 * too). Results as from the three functions; all NULL on error (-errno; -EINVAL: libclang
 * failed or, with strict_json, a bad annotation, both logged). Creates its own
 * libclang index: safe on a thread of its own while the main thread runs clang, as long as no
 * other thread uses cJSON's parser meanwhile (cJSON_GetErrorPtr() is global). clang_args may
 * hold "-include-pch FILE" (ecc_compile_pch()): used for the source (dropped if libclang
 * cannot load it), never for a header parsed apart.
 */
int ecc_frontend_parse(const char *src_path, const char *header_path, const char *const *clang_args,
		       bool strict_json, struct cJSON **annotations, struct cJSON **export_pairs,
		       struct cJSON **header_structs);

/*
 * A precompiled vmlinux.h, which makes both the compile and ecc_frontend_parse() skip the
 * ~200 ms clang spends on vmlinux.h (same object: code, BTF and DWARF). Built with clang and
 * compile_args (the compile's flags without -c, -o, -include or the source) into
 * <dir of vmlinux_h>/vmlinux-<hash of clang and the flags>.pch, rebuilt when older than
 * vmlinux_h or the clang binary. Pass "-include-pch PATH" to clang before the other flags, and
 * to ecc_frontend_parse() with the same flags (-O2 included: clang checks __OPTIMIZE__; a PCH
 * libclang cannot use is ignored there). 0 with its path, or -errno (compile without it;
 * the reason is logged only when verbose).
 */
int ecc_compile_pch(const char *clang, const char *vmlinux_h, const char *const *compile_args,
		    bool verbose, char *path, size_t size);

/*
 * True when the PCH of vmlinux_h means the same as the source's own text: the source starts
 * (after comments) with #include "vmlinux.h" or <vmlinux.h>, that name resolves to vmlinux_h
 * (no other vmlinux.h beside the source, which ecc's -I order searches first), and cflags (the
 * user's -a flags) include nothing before it (-include, -imacros).
 */
bool ecc_pch_applies(const char *src, const char *vmlinux_h, const char *const *cflags);

/* ---- The driver: main.c (CLI, output files), compile.c, vmlinux.c, objinfo.c ---- */

struct ecc_opts {
	const char *src;	   /* SRC.bpf.c */
	const char *header;	   /* explicit header, or NULL: <name>.h beside the source if any */
	const char *out_dir;	   /* NULL: beside the source */
	const char *clang;	   /* NULL: $CLANG, else "clang" */
	const char *const *cflags; /* extra clang flags (-a), NULL-terminated; may be NULL */
	const char *btf_path;	   /* NULL: $ECC_VMLINUX_BTF, else /sys/kernel/btf/vmlinux */
	bool verbose;		   /* print the clang command line and cache decisions */
};

struct ecc_result {
	char *name;	    /* "foo" for foo.bpf.c */
	char *obj_path;	    /* <out>/foo.bpf.o */
	struct cJSON *meta; /* the package's "meta" */
};

/*
 * Compile opts->src into <out>/<name>.bpf.o and build its meta (annotations, export types).
 * Errors are logged ("ecc: ..."; clang writes its own diagnostics to stderr); returns 0 or -errno
 * (-ENOENT: a file is missing, -ENOEXEC: clang failed or no BPF programs, -EINVAL: bad
 * annotation). The caller frees res with ecc_result_free() (also after a failure).
 */
int ecc_build(const struct ecc_opts *opts, struct ecc_result *res);
void ecc_result_free(struct ecc_result *res);

/* `ecc init NAME [DIR]`: create a starter project from templates/ (init.c). 0 or -errno. */
int ecc_init_project(int argc, char **argv);

/* Write a standalone executable: the ecli binary (found beside ecc, or $EUNOMIA_ECLI) with the
 * package appended. 0 or -errno (message on stderr). */
int ecc_standalone(const char *package_path, const char *out_exe);

/* The __TARGET_ARCH_<x> name for the host ("x86", "arm64", "riscv", ...). */
const char *ecc_target_arch(void);

/*
 * Path of a vmlinux.h generated from btf_path (NULL: $ECC_VMLINUX_BTF, else
 * /sys/kernel/btf/vmlinux) with libbpf's btf_dump, cached under
 * $XDG_DATA_HOME/eunomia/vmlinux/<arch>/ (default ~/.local/share) and regenerated when the BTF
 * changes. 0 or -errno (message logged).
 */
int ecc_vmlinux_header(const char *btf_path, bool verbose, char *path, size_t size);

/* Write the C header for every type of btf (bpftool's "format c" layout). 0 or -errno. */
int ecc_btf_dump_header(const struct btf *btf, const char *guard, FILE *out);

/*
 * Read a compiled object with libbpf (opened with obj_name) into the package meta
 * (docs/package-format.md §3): fills the typed struct of packer/meta.h and emits it.
 * exports: cJSON array of {"struct": S, "map": M or null}; each distinct S becomes an export
 * type; when more than one, maps get "export_config" and enable_multiple_export_types is set.
 * annotations: ecc_doc_parse() output or NULL. Messages logged; 0 or -errno.
 */
int ecc_object_meta(const char *obj_path, const char *obj_name, const struct cJSON *annotations,
		    const struct cJSON *exports, struct cJSON **meta);

#endif
