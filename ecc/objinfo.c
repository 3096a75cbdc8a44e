// SPDX-License-Identifier: MIT
/*
 * Read a compiled BPF object with libbpf and describe it as the package meta
 * (package-format.md §2-§4): data sections and their variables from the BTF DATASECs, maps,
 * programs, export types; merged with the doc-comment annotations.
 */
#include <bpf/btf.h>
#include <bpf/libbpf.h>
#include <cjson/cJSON.h>
#include <errno.h>
#include <linux/bpf.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/btfutil.h"
#include "common/strbuf.h"
#include "ecc/ecc.h"
#include "ecc/log.h"

#define DUMMY_PREFIX   "__eunomia_dummy_"
#define MAX_TYPE_DEPTH 32

/* Through qualifiers and decl tags (typedefs name the type: they stay). */
static const struct btf_type *skip_mods(const struct btf *btf, __u32 *id)
{
	return eun_btf_skip(btf, *id, EUN_BTF_SKIP_QUALS | EUN_BTF_SKIP_DECL_TAGS, id);
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

int ecc_btf_type_text(const struct btf *btf, unsigned int type_id, char *buf, size_t size)
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

/* Add a string member unless allocation failed (then the caller's final check catches it). */
static cJSON *add_str(cJSON *obj, const char *key, const char *val)
{
	return cJSON_AddStringToObject(obj, key, val);
}

static cJSON *type_text_json(const struct btf *btf, __u32 id)
{
	char buf[512];

	if (ecc_btf_type_text(btf, id, buf, sizeof(buf)) < 0 && !buf[0])
		snprintf(buf, sizeof(buf), "void");
	return cJSON_CreateString(buf);
}

/* Copy every member of src into dst except the keys listed in skip. */
static int merge_copy(cJSON *dst, const cJSON *src, const char *const *skip)
{
	const cJSON *it;

	cJSON_ArrayForEach(it, src)
	{
		cJSON *dup;
		bool skipped = false;

		for (size_t i = 0; skip && skip[i]; i++)
			if (!strcmp(it->string, skip[i]))
				skipped = true;
		if (skipped)
			continue;
		dup = cJSON_Duplicate(it, true);
		if (!dup)
			return -ENOMEM;
		cJSON_DeleteItemFromObjectCaseSensitive(dst, it->string);
		cJSON_AddItemToObject(dst, it->string, dup);
	}
	return 0;
}

/* The ELF section of an internal map: libbpf names it "<obj prefix>.rodata" or ".rodata.foo". */
static const char *map_section(const struct bpf_map *map)
{
	static const char *const sfxs[] = {".rodata", ".data", ".bss", ".kconfig"};
	const char *name = bpf_map__name(map), *best = NULL;

	for (size_t i = 0; i < sizeof(sfxs) / sizeof(sfxs[0]); i++) {
		const char *p = strstr(name, sfxs[i]);

		if (p && (!best || p < best))
			best = p;
	}
	return best;
}

static int add_section_vars(const struct btf *btf, const struct btf_type *t, const cJSON *ann_vars,
			    cJSON *vars)
{
	const struct btf_var_secinfo *vs = btf_var_secinfos(t);

	for (__u16 i = 0; i < btf_vlen(t); i++, vs++) {
		const struct btf_type *v = btf__type_by_id(btf, vs->type);
		const char *vname;
		const cJSON *ann;
		cJSON *var, *type;

		/* Statics (bpf_printk's ____fmt) are not in the skeleton, as in bpftool. */
		if (!v || !btf_is_var(v) || btf_var(v)->linkage == BTF_VAR_STATIC)
			continue;
		vname = btf__name_by_offset(btf, v->name_off);
		if (!vname || !strncmp(vname, DUMMY_PREFIX, strlen(DUMMY_PREFIX)))
			continue;
		var = cJSON_CreateObject();
		if (!var || !cJSON_AddItemToArray(vars, var))
			return -ENOMEM;
		type = type_text_json(btf, v->type);
		if (!add_str(var, "name", vname) || !type)
			return -ENOMEM;
		cJSON_AddItemToObject(var, "type", type);
		ann = cJSON_GetObjectItemCaseSensitive(ann_vars, vname);
		if (cJSON_IsObject(ann)) {
			static const char *const skip[] = {"name", "type", NULL};

			if (merge_copy(var, ann, skip))
				return -ENOMEM;
		}
	}
	return 0;
}

/* One entry per internal map (object order) whose DATASEC declares variables. */
static int add_data_sections(struct bpf_object *obj, const struct btf *btf, const cJSON *ann_vars,
			     cJSON *skel)
{
	cJSON *arr = cJSON_AddArrayToObject(skel, "data_sections");
	struct bpf_map *map;

	if (!arr)
		return -ENOMEM;
	bpf_object__for_each_map(map, obj)
	{
		const struct btf_type *t;
		const char *sec_name;
		cJSON *sec, *vars;
		__s32 id;
		int err;

		if (!bpf_map__is_internal(map))
			continue;
		sec_name = map_section(map);
		if (!sec_name)
			continue;
		id = btf__find_by_name_kind(btf, sec_name, BTF_KIND_DATASEC);
		t = id > 0 ? btf__type_by_id(btf, id) : NULL;
		if (!t || btf_vlen(t) == 0)
			continue;
		sec = cJSON_CreateObject();
		if (!sec || !cJSON_AddItemToArray(arr, sec))
			return -ENOMEM;
		if (!add_str(sec, "name", sec_name))
			return -ENOMEM;
		vars = cJSON_AddArrayToObject(sec, "variables");
		if (!vars)
			return -ENOMEM;
		err = add_section_vars(btf, t, ann_vars, vars);
		if (err)
			return err;
	}
	return 0;
}

/* bpftool's skeleton identifier: internal maps by their section suffix, others by name. */
static void map_ident(const struct bpf_map *map, char *buf, size_t size)
{
	static const char *const sfxs[] = {".data", ".rodata", ".bss", ".kconfig"};
	const char *name = bpf_map__name(map);

	snprintf(buf, size, "%s", name);
	if (!bpf_map__is_internal(map))
		return;
	for (size_t i = 0; i < sizeof(sfxs) / sizeof(sfxs[0]); i++) {
		const char *p = strstr(name, sfxs[i]);

		if (!p)
			continue;
		snprintf(buf, size, "%s", p + 1);
		for (char *c = buf; *c; c++)
			if (!(*c == '_' || (*c >= 'a' && *c <= 'z') || (*c >= 'A' && *c <= 'Z') ||
			      (*c >= '0' && *c <= '9')))
				*c = '_';
		return;
	}
}

static int add_sample(cJSON *map_obj, const char *map_name, const cJSON *sample)
{
	cJSON *s;
	const cJSON *iv;

	if (!cJSON_IsObject(sample)) {
		ecc_warn("ecc: map '%s': @sample must be a JSON object like "
			 "{\"interval\": 1000, \"type\": \"log2_hist\"}\n",
			 map_name);
		return -EINVAL;
	}
	iv = cJSON_GetObjectItemCaseSensitive(sample, "interval");
	if (!cJSON_IsNumber(iv) || iv->valuedouble <= 0) {
		ecc_warn("ecc: map '%s': @sample needs a positive \"interval\" in ms\n", map_name);
		return -EINVAL;
	}
	s = cJSON_Duplicate(sample, true);
	if (!s)
		return -ENOMEM;
	cJSON_AddItemToObject(map_obj, "sample", s);
	if (!cJSON_HasObjectItem(s, "type") && !add_str(s, "type", "default_kv"))
		return -ENOMEM;
	if (!cJSON_HasObjectItem(s, "unit") && !add_str(s, "unit", "(unit)"))
		return -ENOMEM;
	if (!cJSON_HasObjectItem(s, "clear_map") && !cJSON_AddFalseToObject(s, "clear_map"))
		return -ENOMEM;
	return 0;
}

static int add_maps(struct bpf_object *obj, const cJSON *ann_maps, cJSON *skel, cJSON **maps_out)
{
	cJSON *arr = cJSON_AddArrayToObject(skel, "maps");
	struct bpf_map *map;

	if (!arr)
		return -ENOMEM;
	*maps_out = arr;
	bpf_object__for_each_map(map, obj)
	{
		const char *name = bpf_map__name(map);
		const cJSON *ann = cJSON_GetObjectItemCaseSensitive(ann_maps, name);
		char ident[256];
		cJSON *m = cJSON_CreateObject();
		int err;

		if (!m || !cJSON_AddItemToArray(arr, m))
			return -ENOMEM;
		map_ident(map, ident, sizeof(ident));
		if (!add_str(m, "ident", ident))
			return -ENOMEM;
		if (bpf_map__is_internal(map) && (bpf_map__map_flags(map) & BPF_F_MMAPABLE) &&
		    !cJSON_AddTrueToObject(m, "mmaped"))
			return -ENOMEM;
		if (!add_str(m, "name", name))
			return -ENOMEM;
		if (!cJSON_IsObject(ann))
			continue;
		if (cJSON_HasObjectItem(ann, "sample")) {
			err = add_sample(m, name, cJSON_GetObjectItemCaseSensitive(ann, "sample"));
			if (err)
				return err;
		}
		{
			static const char *const skip[] = {"name", "ident", "mmaped", "sample",
							   NULL};

			if (merge_copy(m, ann, skip))
				return -ENOMEM;
		}
	}
	return 0;
}

/*
 * "int BPF_UPROBE(name)" where the installed bpf_tracing.h lacks that macro (libbpf < 1.2 has
 * no BPF_UPROBE/BPF_URETPROBE) still compiles: as an old-style definition of a function called
 * BPF_UPROBE, with "name" an int parameter. The program then has the macro's name.
 */
static void warn_macro_named(const char *name)
{
	if (strncmp(name, "BPF_", 4) || !name[4] ||
	    name[4 + strspn(name + 4, "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_")])
		return;
	ecc_warn(
		"ecc: warning: program '%s' is named like a macro: this libbpf's headers do not "
		"define %s, so 'int %s(prog_name, ...)' declared a function called %s; use a macro "
		"they define (e.g. BPF_KPROBE/BPF_KRETPROBE for uprobes)\n",
		name, name, name, name);
}

static int add_progs(struct bpf_object *obj, const cJSON *ann_progs, cJSON *skel, int *nr)
{
	cJSON *arr = cJSON_AddArrayToObject(skel, "progs");
	struct bpf_program *prog;

	if (!arr)
		return -ENOMEM;
	*nr = 0;
	bpf_object__for_each_program(prog, obj)
	{
		const char *name = bpf_program__name(prog);
		const cJSON *ann = cJSON_GetObjectItemCaseSensitive(ann_progs, name);
		cJSON *p;

		/* libbpf reports .text as a program when it is the only code: plain functions. */
		if (!strcmp(bpf_program__section_name(prog), ".text"))
			continue;
		warn_macro_named(name);
		p = cJSON_CreateObject();

		if (!p || !cJSON_AddItemToArray(arr, p))
			return -ENOMEM;
		if (!add_str(p, "attach", bpf_program__section_name(prog)) ||
		    !cJSON_AddTrueToObject(p, "link") || !add_str(p, "name", name))
			return -ENOMEM;
		if (cJSON_IsObject(ann)) {
			static const char *const skip[] = {"name", "attach", "link", NULL};

			if (merge_copy(p, ann, skip))
				return -ENOMEM;
		}
		(*nr)++;
	}
	return 0;
}

static int add_export_type(const struct btf *btf, const char *sname, cJSON *arr)
{
	const struct btf_type *t;
	const struct btf_member *m;
	cJSON *et, *members;
	__s32 id;

	id = btf__find_by_name_kind(btf, sname, BTF_KIND_STRUCT);
	if (id <= 0) {
		ecc_warn("ecc: warning: export type 'struct %s' is not in the object's BTF; "
			 "not exported\n",
			 sname);
		return 0;
	}
	t = btf__type_by_id(btf, id);
	et = cJSON_CreateObject();
	if (!et || !cJSON_AddItemToArray(arr, et))
		return -ENOMEM;
	members = cJSON_AddArrayToObject(et, "members");
	if (!members)
		return -ENOMEM;
	m = btf_members(t);
	for (__u16 i = 0; i < btf_vlen(t); i++, m++) {
		const char *mname = btf__name_by_offset(btf, m->name_off);
		cJSON *mo = cJSON_CreateObject(), *type;

		if (!mo || !cJSON_AddItemToArray(members, mo))
			return -ENOMEM;
		type = type_text_json(btf, m->type);
		if (!add_str(mo, "name", mname ? mname : "") || !type)
			return -ENOMEM;
		cJSON_AddItemToObject(mo, "type", type);
	}
	if (!add_str(et, "name", sname) || !cJSON_AddNumberToObject(et, "size", t->size) ||
	    !cJSON_AddNumberToObject(et, "type_id", id))
		return -ENOMEM;
	return 0;
}

static cJSON *find_by_name(cJSON *arr, const char *name)
{
	cJSON *it;

	cJSON_ArrayForEach(it, arr)
	{
		const cJSON *n = cJSON_GetObjectItemCaseSensitive(it, "name");

		if (cJSON_IsString(n) && !strcmp(n->valuestring, name))
			return it;
	}
	return NULL;
}

static int add_export_types(const struct btf *btf, const cJSON *exports, cJSON *meta, cJSON *maps)
{
	cJSON *arr = cJSON_AddArrayToObject(meta, "export_types");
	const cJSON *it;
	int err, nr;

	if (!arr)
		return -ENOMEM;
	cJSON_ArrayForEach(it, exports)
	{
		const cJSON *s = cJSON_GetObjectItemCaseSensitive(it, "struct");

		if (!cJSON_IsString(s) || find_by_name(arr, s->valuestring))
			continue;
		err = add_export_type(btf, s->valuestring, arr);
		if (err)
			return err;
	}
	nr = cJSON_GetArraySize(arr);
	if (nr <= 1)
		return 0;
	/* Several export types: each map says which one it carries. */
	nr = 0;
	cJSON_ArrayForEach(it, exports)
	{
		const cJSON *s = cJSON_GetObjectItemCaseSensitive(it, "struct");
		const cJSON *m = cJSON_GetObjectItemCaseSensitive(it, "map");
		cJSON *map, *cfg;

		if (!cJSON_IsString(s) || !cJSON_IsString(m) || !find_by_name(arr, s->valuestring))
			continue;
		map = find_by_name(maps, m->valuestring);
		if (!map || cJSON_HasObjectItem(map, "export_config"))
			continue;
		cfg = cJSON_AddObjectToObject(map, "export_config");
		if (!cfg || !add_str(cfg, "type", s->valuestring))
			return -ENOMEM;
		nr++;
	}
	if (nr && !cJSON_AddTrueToObject(meta, "enable_multiple_export_types"))
		return -ENOMEM;
	return 0;
}

int ecc_object_meta(const char *obj_path, const char *obj_name, const cJSON *annotations,
		    const cJSON *exports, cJSON **meta_out)
{
	struct bpf_object_open_opts oo = {.sz = sizeof(oo), .object_name = obj_name};
	const cJSON *doc = NULL, *ann_vars = NULL, *ann_maps = NULL, *ann_progs = NULL;
	cJSON *meta = NULL, *skel, *maps = NULL;
	struct bpf_object *obj;
	const struct btf *btf;
	int err, nr_progs = 0;

	*meta_out = NULL;
	obj = bpf_object__open_file(obj_path, &oo);
	if (!obj) {
		err = -errno;
		ecc_warn("ecc: %s: libbpf cannot open the object: %s\n", obj_path, strerror(-err));
		return err;
	}
	btf = bpf_object__btf(obj);
	if (!btf) {
		ecc_warn("ecc: %s: the object has no BTF (compile with -g)\n", obj_path);
		err = -ENODATA;
		goto out;
	}
	if (annotations) {
		doc = cJSON_GetObjectItemCaseSensitive(annotations, "doc");
		ann_vars = cJSON_GetObjectItemCaseSensitive(annotations, "vars");
		ann_maps = cJSON_GetObjectItemCaseSensitive(annotations, "maps");
		ann_progs = cJSON_GetObjectItemCaseSensitive(annotations, "progs");
	}

	err = -ENOMEM;
	meta = cJSON_CreateObject();
	if (!meta)
		goto out;
	skel = cJSON_AddObjectToObject(meta, "bpf_skel");
	if (!skel)
		goto out;
	err = add_data_sections(obj, btf, ann_vars, skel);
	if (err)
		goto out;
	if (cJSON_IsObject(doc) && cJSON_GetArraySize(doc) > 0) {
		err = -ENOMEM;
		if (!cJSON_AddItemToObject(skel, "doc", cJSON_Duplicate(doc, true)))
			goto out;
	}
	err = add_maps(obj, ann_maps, skel, &maps);
	if (err)
		goto out;
	err = -ENOMEM;
	if (!add_str(skel, "obj_name", obj_name))
		goto out;
	err = add_progs(obj, ann_progs, skel, &nr_progs);
	if (err)
		goto out;
	if (nr_progs == 0) {
		err = -ENOMSG;
		goto out;
	}
	err = -ENOMEM;
	if (!add_str(meta, "eunomia_version", EUNOMIA_VERSION))
		goto out;
	err = add_export_types(btf, exports, meta, maps);
out:
	bpf_object__close(obj);
	if (err)
		cJSON_Delete(meta);
	else
		*meta_out = meta;
	return err;
}
