/* SPDX-License-Identifier: MIT */
/*
 * Stacks in events (stack.c): inline arrays filled by bpf_get_stack (the map's
 * `@intepreter {"stack_trace": {...}}` annotation), or ids from bpf_get_stackid looked up in a
 * BPF_MAP_TYPE_STACK_TRACE map; printed with symbols (symbolize.c) in plain, JSON or folded form.
 */
#ifndef EUNOMIA_LOADER_STACK_H
#define EUNOMIA_LOADER_STACK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "eunomia/eunomia.h"

struct bpf_object;
struct bpf_map;
struct btf;
struct strbuf;
struct eun_logger;
struct eun_map;
struct eun_dec_plan;
struct eun_stackdec;

/*
 * The stack decoder for events of type_id carried by map mm (meta entry, may be NULL), or NULL
 * with *err 0 when these events hold no stacks to decode (or -errno). Loads kallsyms and libdw
 * only here, so a package without stacks pays nothing.
 */
struct eun_stackdec *eun_stack__new(const struct eun_logger *log, struct bpf_object *obj,
				    const struct btf *btf, uint32_t type_id,
				    const struct eun_map *mm, int *err);
/* One event: plain (a profile-style block), JSON (the plan's object plus kernel_stack and
 * user_stack arrays), or folded (one `comm;frames 1` line). Appended to sb, no newline. */
int eun_stack__event(struct eun_stackdec *d, struct strbuf *sb, const struct eun_dec_plan *plan,
		     enum eunomia_format fmt, bool folded, const void *data, size_t size,
		     const char *ts, const char *label);
/* Lines for the caller (no newline); a negative return stops and is passed back. */
typedef int (*eun_stack_line_fn)(void *ctx, const char *line, size_t len);
/*
 * A sampled map whose key holds the stacks (d made for the key type) and whose value is a
 * count: one entry per unique stack, least frequent first, as bcc's profile prints them;
 * the map is cleared afterwards when clear. 0 or -errno.
 */
int eun_stack__map(struct eun_stackdec *d, const struct bpf_map *map, const struct btf *btf,
		   enum eunomia_format fmt, bool folded, bool clear, eun_stack_line_fn emit,
		   void *ctx);
void eun_stack__free(struct eun_stackdec *d);

#endif
