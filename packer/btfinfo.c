// SPDX-License-Identifier: MIT
/* Data-section maps and BTF type text, shared by ecc and the loader (packer/btfinfo.h). */
#include "packer/btfinfo.h"

#include <bpf/btf.h>
#include <bpf/libbpf.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "common/strbuf.h"

int eun_map_section_match(const char *map_name, const char *sec)
{
	size_t nl = map_name ? strlen(map_name) : 0, sl = sec ? strlen(sec) : 0;
	const char *dot;

	if (!nl || !sl)
		return 0;
	if (nl >= sl && !strcmp(map_name + nl - sl, sec))
		return 2;
	/* names are cut at 15 characters: accept a cut section suffix */
	if (nl == BPF_OBJ_NAME_LEN - 1) {
		dot = strchr(map_name, '.');
		if (dot && !strncmp(dot, sec, strlen(dot)))
			return 1;
	}
	return 0;
}

struct bpf_map *eun_section_map(const struct bpf_object *obj, const char *sec)
{
	struct bpf_map *map, *best = NULL;

	bpf_object__for_each_map(map, obj) {
		int m;

		if (!bpf_map__is_internal(map))
			continue;
		m = eun_map_section_match(bpf_map__name(map), sec);
		if (m == 2)
			return map;
		if (m == 1 && !best)
			best = map;
	}
	return best;
}

int eun_map_datasec(const struct bpf_map *map, const struct btf *btf)
{
	const char *name = bpf_map__name(map);
	size_t best_len = 0;
	int best = 0, best_m = 0;
	__u32 id, n;

	if (!btf || !bpf_map__is_internal(map))
		return 0;
	n = btf__type_cnt(btf);
	for (id = 1; id < n; id++) {
		const struct btf_type *t = btf__type_by_id(btf, id);
		const char *sec;
		int m;

		if (!t || !btf_is_datasec(t))
			continue;
		sec = btf__name_by_offset(btf, t->name_off);
		m = eun_map_section_match(name, sec);
		/* the best match, then the longest section name (".rodata.str" over ".rodata") */
		if (m && (m > best_m || (m == best_m && strlen(sec) > best_len))) {
			best = (int)id;
			best_m = m;
			best_len = strlen(sec);
		}
	}
	return best;
}

#define MAX_TYPE_DEPTH 32

static const struct btf_type *skip_mods(const struct btf *btf, __u32 *id)
{
	const struct btf_type *t = btf__type_by_id(btf, *id);
	int depth = 0;

	while (t && depth++ < MAX_TYPE_DEPTH &&
	       (btf_is_mod(t) || btf_kind(t) == BTF_KIND_DECL_TAG)) {
		*id = t->type;
		t = btf__type_by_id(btf, *id);
	}
	return t;
}

static int type_text(const struct btf *btf, __u32 id, struct strbuf *sb, int depth)
{
	const struct btf_type *t;
	const char *name;
	int err;

	if (depth > MAX_TYPE_DEPTH)
		return -ELOOP;
	if (id == 0)
		return sb_adds(sb, "void");
	t = skip_mods(btf, &id);
	if (!t)
		return -ENOENT;
	if (id == 0)
		return sb_adds(sb, "void");
	name = btf__name_by_offset(btf, t->name_off);
	if (!name)
		name = "";

	switch (btf_kind(t)) {
	case BTF_KIND_INT:
	case BTF_KIND_FLOAT:
	case BTF_KIND_TYPEDEF:
	case BTF_KIND_FUNC:
	case BTF_KIND_DATASEC:
		return sb_adds(sb, name);
	case BTF_KIND_STRUCT:
	case BTF_KIND_UNION:
	case BTF_KIND_ENUM:
	case BTF_KIND_ENUM64:
	case BTF_KIND_FWD: {
		const char *kw;

		if (btf_is_fwd(t))
			kw = btf_kflag(t) ? "union" : "struct";
		else if (btf_is_struct(t))
			kw = "struct";
		else if (btf_is_union(t))
			kw = "union";
		else
			kw = "enum";
		return *name ? sb_addf(sb, "%s %s", kw, name) : sb_adds(sb, kw);
	}
	case BTF_KIND_PTR: {
		__u32 target = t->type;
		const struct btf_type *tt = skip_mods(btf, &target);

		if (!tt && target)
			return -ENOENT;
		if (tt && target && btf_is_func_proto(tt))
			return sb_adds(sb, "void *");
		err = type_text(btf, target, sb, depth + 1);
		if (err)
			return err;
		return sb_adds(sb, sb->len && sb->buf[sb->len - 1] == '*' ? "*" : " *");
	}
	case BTF_KIND_ARRAY: {
		struct strbuf dims = STRBUF_INIT;
		__u32 elem = id;

		/* int[2][3] is an array of 2 arrays of 3 ints: dims in walking order. */
		err = 0;
		while (t && btf_is_array(t) && !err) {
			const struct btf_array *a = btf_array(t);

			err = sb_addf(&dims, "[%u]", a->nelems);
			elem = a->type;
			t = skip_mods(btf, &elem);
			if (dims.len > 1024)
				err = -ELOOP;
		}
		if (!err && !t && elem)
			err = -ENOENT;
		if (!err)
			err = type_text(btf, elem, sb, depth + 1);
		if (!err)
			err = sb_adds(sb, sb_str(&dims));
		sb_free(&dims);
		return err;
	}
	case BTF_KIND_FUNC_PROTO:
		return sb_adds(sb, "void *");
	case BTF_KIND_VAR:
		return type_text(btf, t->type, sb, depth + 1);
	default:
		return *name ? sb_adds(sb, name) : sb_adds(sb, "void");
	}
}

int eun_btf_type_text(const struct btf *btf, unsigned int type_id, char *buf, size_t size)
{
	struct strbuf sb = STRBUF_INIT;
	int err;

	if (!btf || !buf || !size)
		return -EINVAL;
	buf[0] = '\0';
	err = type_text(btf, type_id, &sb, 0);
	if (!err) {
		if (sb.len >= size)
			err = -ENOSPC;
		snprintf(buf, size, "%s", sb_str(&sb));
	}
	sb_free(&sb);
	return err;
}
