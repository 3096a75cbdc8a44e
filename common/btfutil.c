// SPDX-License-Identifier: MIT
#include "common/btfutil.h"

#include <bpf/btf.h>
#include <errno.h>
#include <string.h>
#include <strings.h>

#define SKIP_MAX_DEPTH 64

static bool skips(const struct btf_type *t, unsigned int kinds)
{
	if (btf_is_mod(t))
		return kinds & EUN_BTF_SKIP_QUALS;
	if (btf_is_typedef(t))
		return kinds & EUN_BTF_SKIP_TYPEDEFS;
	if (btf_is_decl_tag(t))
		return kinds & EUN_BTF_SKIP_DECL_TAGS;
	return false;
}

const struct btf_type *eun_btf_skip(const struct btf *btf, uint32_t id, unsigned int kinds,
				    uint32_t *out)
{
	const struct btf_type *t;

	for (int i = 0; i < SKIP_MAX_DEPTH; i++) {
		t = btf__type_by_id(btf, id);
		if (!t)
			break;
		if (!id || !skips(t, kinds)) {
			if (out)
				*out = id;
			return t;
		}
		id = t->type;
	}
	if (out)
		*out = 0;
	return NULL;
}

uint32_t eun_btf_skip_mods(const struct btf *btf, uint32_t id)
{
	uint32_t out;

	eun_btf_skip(btf, id, EUN_BTF_SKIP_QUALS | EUN_BTF_SKIP_TYPEDEFS, &out);
	return out;
}

const char *eun_btf_enum_member(const struct btf *btf, const struct btf_type *t, int i,
				uint64_t *val)
{
	uint32_t name_off;

	if (btf_is_enum(t)) {
		const struct btf_enum *e = btf_enum(t) + i;

		if (val)
			*val = btf_kflag(t) ? (uint64_t)(int64_t)e->val
					    : (uint64_t)(uint32_t)e->val;
		name_off = e->name_off;
	} else {
		const struct btf_enum64 *e = btf_enum64(t) + i;

		if (val)
			*val = btf_enum64_value(e);
		name_off = e->name_off;
	}
	return btf__name_by_offset(btf, name_off);
}

const char *eun_btf_enum_name(const struct btf *btf, const struct btf_type *t, uint64_t v)
{
	uint64_t mask = t->size < 8 ? (1ULL << (t->size * 8)) - 1 : ~0ULL, ev;
	int n = btf_vlen(t);

	for (int i = 0; i < n; i++) {
		const char *name = eun_btf_enum_member(btf, t, i, &ev);

		if ((ev & mask) == (v & mask))
			return name;
	}
	return NULL;
}

int eun_btf_enum_value(const struct btf *btf, const struct btf_type *t, const char *name,
		       bool nocase, uint64_t *val)
{
	int n = btf_vlen(t);

	for (int i = 0; i < n; i++) {
		const char *m = eun_btf_enum_member(btf, t, i, val);

		if (m && !(nocase ? strcasecmp(m, name) : strcmp(m, name)))
			return 0;
	}
	return -ENOENT;
}
