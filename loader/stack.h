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
void eun_stack__free(struct eun_stackdec *d);

#endif
