/* SPDX-License-Identifier: MIT */
/* Between the walker (decoder.c) and the plans built on it (plan.c); not for other modules. */
#ifndef EUNOMIA_LOADER_PLAN_H
#define EUNOMIA_LOADER_PLAN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/strbuf.h"

struct btf;
struct btf_type;

#define EUN_DEC_MAX_DEPTH 32

/* Where a value sits in the record: byte offset, bit offset from it and bitfield size, and
 * the nesting depth the walker starts at (JSON members of a flattened struct are at 1+). */
struct eun_dec_at {
	size_t off;
	uint32_t bit_off;
	uint32_t bit_sz;
	int depth;
};

int eun_dec_walk(struct strbuf *sb, const struct btf *btf, bool json, uint32_t id, const void *data,
		 size_t size, const struct eun_dec_at *at, size_t *budget);
/* Values the walker may visit for one record of this size. */
size_t eun_dec_budget(const void *data, size_t size);
bool eun_dec_is_plain_char(const struct btf *btf, uint32_t id);

#endif
