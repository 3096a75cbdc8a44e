/* SPDX-License-Identifier: MIT */
/*
 * The pieces of ecc_build() (compile.c, the driver): the argv list, the host's system include
 * dirs (sysinc.c), the export policy (exports.c) and the guess of the export types made before
 * libclang has read the source (guess.c).
 */
#ifndef EUNOMIA_ECC_BUILD_H
#define EUNOMIA_ECC_BUILD_H

#include <stdbool.h>
#include <stddef.h>

struct cJSON;
struct strbuf;

struct argv_list {
	char **v; /* NULL-terminated, every entry owned */
	size_t n, cap;
};

/* All 0 or -ENOMEM. */
int av_add(struct argv_list *a, const char *s);
int av_addn(struct argv_list *a, const char *s, size_t len);
int av_addv(struct argv_list *a, const char *const *v);
void av_free(struct argv_list *a);

/* Say why clang could not be run (err from subprocess_run()). */
void ecc_report_exec_error(const char *clang, int err);

/*
 * The host's system include dirs, as libbpf-tools' build does: ask clang (host target) for its
 * search list and append "-idirafter DIR" for each to out. The list is kept in cache_dir (when
 * not NULL) and reused while clang, its environment and the directories it probes are
 * unchanged. 0 or -errno.
 */
int ecc_sys_includes(const char *clang, const char *cache_dir, struct argv_list *out);

/* Whether arr (strings, or objects with a "struct" string) holds name. */
bool ecc_name_in(const struct cJSON *arr, const char *name);

/*
 * Pick the export types (docs/package-format.md §4.1) from the header's structs and the inferred
 * {"struct", "map"} pairs: a cJSON array of pairs into *out. all_if_none: export every header
 * struct when none is inferred (the header was named on the command line). 0 or -ENOMEM.
 */
int ecc_choose_exports(const struct cJSON *header_structs, const struct cJSON *inferred,
		       bool all_if_none, struct cJSON **out);
/* Say which struct each event map carries ("ecc: map 'events' carries 'struct event'");
 * verbose: and why (the reserve/output call, a wrapper, or the header fallback). */
void ecc_report_exports(const struct cJSON *exports, bool verbose);
/* The dummy file's text for header_structs and exports into sb (empty: nothing to force). */
int ecc_dummy_text(const struct cJSON *header_structs, const struct cJSON *exports,
		   struct strbuf *sb);
/* Write text to a new temporary header <out_dir>/.<name>.ecc-XXXXXX.h, its path into tmp_path.
 * 0 or -errno (said on the log). */
int ecc_write_dummy(const char *out_dir, const char *name, const struct strbuf *text,
		    char *tmp_path, size_t size);

/*
 * The dummy text a textual guess of the export types gives (the struct definitions of header,
 * the structs the ring buffer / perf output calls of src work on), before libclang has parsed
 * anything. Empty when the files cannot be read. 0 or -ENOMEM.
 */
int ecc_guess_dummy(const char *src, const char *header, bool explicit_header, struct strbuf *out);

#endif
