// SPDX-License-Identifier: MIT
/*
 * Read a compiled BPF object with libbpf and describe it as the package meta
 * (docs/package-format.md §3): data sections and their variables from the BTF DATASECs, maps,
 * programs, export types; merged with the doc-comment annotations. The result is the typed
 * struct of packer/meta.h, serialised by that module (the loader parses it with the same one).
 */
#include <bpf/btf.h>
#include <bpf/libbpf.h>
#include <cjson/cJSON.h>
#include <errno.h>
#include <linux/bpf.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ecc/ecc.h"
#include "ecc/log.h"
#include "packer/btfinfo.h"
#include "packer/format.h"
#include "packer/meta.h"

struct objinfo {
	struct bpf_object *obj;
	const struct btf *btf;
	const cJSON *ann_vars, *ann_maps, *ann_progs;
	const cJSON *ann_lines, *ann_file; /* where each annotated element was written */
	struct eun_meta m;
};

static char *type_text_dup(const struct btf *btf, __u32 id)
{
	char buf[512];

	if (eun_btf_type_text(btf, id, buf, sizeof(buf)) < 0 && !buf[0])
		snprintf(buf, sizeof(buf), "void");
	return strdup(buf);
}

/* Copy every member of src into dst except the keys listed in skip. */
static int merge_copy(cJSON *dst, const cJSON *src, const char *const *skip)
{
	const cJSON *it;

	cJSON_ArrayForEach(it, src) {
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

/*
 * A parse error of an annotated element: the tag was written in the source, at the line the
 * front end recorded for the element (msg starts with its name: "targ_pid.cmdarg.short: ...").
 */
static int bad_annotation(const struct objinfo *oi, int err, const char *msg)
{
	const cJSON *line = NULL;
	char name[128];

	if (err == -ENOMEM)
		return err;
	snprintf(name, sizeof(name), "%.*s", (int)strcspn(msg, ".:"), msg);
	if (oi->ann_lines)
		line = cJSON_GetObjectItemCaseSensitive(oi->ann_lines, name);
	if (cJSON_IsNumber(line) && cJSON_IsString(oi->ann_file))
		ecc_warn("ecc: %s:%d: invalid doc-comment annotation: %s; fix the tag\n",
			 oi->ann_file->valuestring, line->valueint, msg);
	else
		ecc_warn("ecc: invalid doc-comment annotation: %s; fix the tag in the source\n",
			 msg);
	return -EINVAL;
}

/*
 * elem holds what the object says (name, type, attach...); the annotation's tags are merged
 * in (except the keys in skip) and the whole is read with the loader's rules by parse().
 */
static int annotate(cJSON *elem, const cJSON *ann, const char *const *skip)
{
	if (!cJSON_IsObject(ann))
		return 0;
	return merge_copy(elem, ann, skip);
}

static int add_section_vars(struct objinfo *oi, const struct btf_type *t,
			    struct eun_data_section *sec)
{
	static const char *const skip[] = {"name", "type", NULL};
	const struct btf *btf = oi->btf;
	const struct btf_var_secinfo *vs = btf_var_secinfos(t);
	char err[320];
	int ret;

	sec->vars = calloc(btf_vlen(t), sizeof(*sec->vars));
	if (!sec->vars)
		return -ENOMEM;
	for (__u16 i = 0; i < btf_vlen(t); i++, vs++) {
		const struct btf_type *v = btf__type_by_id(btf, vs->type);
		const char *vname;
		char *type;
		cJSON *e;

		/* Statics (bpf_printk's ____fmt) are not in the skeleton, as in bpftool. */
		if (!v || !btf_is_var(v) || btf_var(v)->linkage == BTF_VAR_STATIC)
			continue;
		vname = btf__name_by_offset(btf, v->name_off);
		if (!vname || !*vname ||
		    !strncmp(vname, EUN_DUMMY_PREFIX, strlen(EUN_DUMMY_PREFIX)))
			continue;
		type = type_text_dup(btf, v->type);
		e = cJSON_CreateObject();
		ret = -ENOMEM;
		if (type && e && cJSON_AddStringToObject(e, "name", vname) &&
		    cJSON_AddStringToObject(e, "type", type))
			ret = annotate(e, cJSON_GetObjectItemCaseSensitive(oi->ann_vars, vname),
				       skip);
		free(type);
		if (!ret) {
			ret = eun_meta__parse_var(e, vname, &sec->vars[sec->nr_vars], err,
						  sizeof(err));
			sec->nr_vars++;
			if (ret)
				ret = bad_annotation(oi, ret, err);
		}
		cJSON_Delete(e);
		if (ret)
			return ret;
	}
	return 0;
}

/* One entry per internal map (object order) whose DATASEC declares variables. */
static int add_data_sections(struct objinfo *oi)
{
	struct eun_meta *m = &oi->m;
	struct bpf_map *map;
	size_t n = 0;

	bpf_object__for_each_map(map, oi->obj)
		n++;
	if (!n)
		return 0;
	m->sections = calloc(n, sizeof(*m->sections));
	if (!m->sections)
		return -ENOMEM;
	bpf_object__for_each_map(map, oi->obj) {
		int id = eun_map_datasec(map, oi->btf);
		const struct btf_type *t = id > 0 ? btf__type_by_id(oi->btf, id) : NULL;
		struct eun_data_section *sec;
		int err;

		if (!t || btf_vlen(t) == 0)
			continue;
		sec = &m->sections[m->nr_sections++];
		sec->name = strdup(btf__name_by_offset(oi->btf, t->name_off));
		if (!sec->name)
			return -ENOMEM;
		err = add_section_vars(oi, t, sec);
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

/* @sample: checked here for a message about the tag; the defaults are the parser's. */
static int check_sample(const char *map_name, const cJSON *sample)
{
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
	return 0;
}

static int add_maps(struct objinfo *oi)
{
	static const char *const skip[] = {"name", "ident", "mmaped", NULL};
	struct eun_meta *m = &oi->m;
	struct bpf_map *map;
	size_t n = 0;
	char err[320];

	bpf_object__for_each_map(map, oi->obj)
		n++;
	if (!n)
		return 0;
	m->maps = calloc(n, sizeof(*m->maps));
	if (!m->maps)
		return -ENOMEM;
	bpf_object__for_each_map(map, oi->obj) {
		const char *name = bpf_map__name(map);
		const cJSON *ann = cJSON_GetObjectItemCaseSensitive(oi->ann_maps, name);
		char ident[256];
		cJSON *e = cJSON_CreateObject();
		int ret = -ENOMEM;

		map_ident(map, ident, sizeof(ident));
		if (cJSON_IsObject(ann) && cJSON_HasObjectItem(ann, "sample")) {
			ret = check_sample(name, cJSON_GetObjectItemCaseSensitive(ann, "sample"));
			if (ret) {
				cJSON_Delete(e);
				return ret;
			}
			ret = -ENOMEM;
		}
		if (e && cJSON_AddStringToObject(e, "ident", ident) &&
		    cJSON_AddBoolToObject(e, "mmaped",
					  bpf_map__is_internal(map) &&
						  (bpf_map__map_flags(map) & BPF_F_MMAPABLE)) &&
		    cJSON_AddStringToObject(e, "name", name))
			ret = annotate(e, ann, skip);
		if (!ret) {
			ret = eun_meta__parse_map(e, name, &m->maps[m->nr_maps++], err,
						  sizeof(err));
			if (ret)
				ret = bad_annotation(oi, ret, err);
		}
		cJSON_Delete(e);
		if (ret)
			return ret;
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

static int add_progs(struct objinfo *oi)
{
	static const char *const skip[] = {"name", "attach", "link", NULL};
	struct eun_meta *m = &oi->m;
	struct bpf_program *prog;
	size_t n = 0;
	char err[320];

	bpf_object__for_each_program(prog, oi->obj)
		n++;
	if (!n)
		return 0;
	m->progs = calloc(n, sizeof(*m->progs));
	if (!m->progs)
		return -ENOMEM;
	bpf_object__for_each_program(prog, oi->obj) {
		const char *name = bpf_program__name(prog);
		const char *sec = bpf_program__section_name(prog);
		cJSON *e;
		int ret = -ENOMEM;

		/* libbpf reports .text as a program when it is the only code: plain functions. */
		if (!strcmp(sec, ".text"))
			continue;
		warn_macro_named(name);
		e = cJSON_CreateObject();
		if (e && cJSON_AddStringToObject(e, "attach", sec) &&
		    cJSON_AddTrueToObject(e, "link") && cJSON_AddStringToObject(e, "name", name))
			ret = annotate(e, cJSON_GetObjectItemCaseSensitive(oi->ann_progs, name),
				       skip);
		if (!ret) {
			ret = eun_meta__parse_prog(e, name, &m->progs[m->nr_progs++], err,
						   sizeof(err));
			if (ret)
				ret = bad_annotation(oi, ret, err);
		}
		cJSON_Delete(e);
		if (ret)
			return ret;
	}
	return 0;
}

static int add_export_type(struct objinfo *oi, const char *sname)
{
	const struct btf *btf = oi->btf;
	struct eun_export_type *et;
	const struct btf_type *t;
	const struct btf_member *mb;
	__s32 id;

	id = btf__find_by_name_kind(btf, sname, BTF_KIND_STRUCT);
	if (id <= 0) {
		ecc_warn("ecc: warning: export type 'struct %s' is not in the object's BTF; "
			 "not exported\n",
			 sname);
		return 0;
	}
	t = btf__type_by_id(btf, id);
	et = &oi->m.export_types[oi->m.nr_export_types++];
	et->name = strdup(sname);
	et->type_id = (uint32_t)id;
	et->size = t->size;
	et->members = calloc(btf_vlen(t) ? btf_vlen(t) : 1, sizeof(*et->members));
	if (!et->name || !et->members)
		return -ENOMEM;
	mb = btf_members(t);
	for (__u16 i = 0; i < btf_vlen(t); i++, mb++) {
		const char *mname = btf__name_by_offset(btf, mb->name_off);
		struct eun_member *x = &et->members[et->nr_members++];

		x->name = strdup(mname ? mname : "");
		x->type = type_text_dup(btf, mb->type);
		if (!x->name || !x->type)
			return -ENOMEM;
	}
	return 0;
}

static struct eun_export_type *find_type(struct eun_meta *m, const char *name)
{
	for (size_t i = 0; i < m->nr_export_types; i++)
		if (!strcmp(m->export_types[i].name, name))
			return &m->export_types[i];
	return NULL;
}

static struct eun_map *find_map(struct eun_meta *m, const char *name)
{
	for (size_t i = 0; i < m->nr_maps; i++)
		if (!strcmp(m->maps[i].name, name))
			return &m->maps[i];
	return NULL;
}

static int add_export_types(struct objinfo *oi, const cJSON *exports)
{
	struct eun_meta *m = &oi->m;
	const cJSON *it;
	int err, n = cJSON_GetArraySize(exports), nr = 0;

	if (n <= 0)
		return 0;
	m->export_types = calloc((size_t)n, sizeof(*m->export_types));
	if (!m->export_types)
		return -ENOMEM;
	cJSON_ArrayForEach(it, exports) {
		const cJSON *s = cJSON_GetObjectItemCaseSensitive(it, "struct");

		if (!cJSON_IsString(s) || find_type(m, s->valuestring))
			continue;
		err = add_export_type(oi, s->valuestring);
		if (err)
			return err;
	}
	if (m->nr_export_types <= 1)
		return 0;
	/* Several export types: each map says which one it carries. */
	cJSON_ArrayForEach(it, exports) {
		const cJSON *s = cJSON_GetObjectItemCaseSensitive(it, "struct");
		const cJSON *mn = cJSON_GetObjectItemCaseSensitive(it, "map");
		struct eun_map *map;

		if (!cJSON_IsString(s) || !cJSON_IsString(mn) || !find_type(m, s->valuestring))
			continue;
		map = find_map(m, mn->valuestring);
		if (!map || map->export_type)
			continue;
		map->export_type = strdup(s->valuestring);
		if (!map->export_type)
			return -ENOMEM;
		nr++;
	}
	m->enable_multiple_export_types = nr > 0;
	return 0;
}

int ecc_object_meta(const char *obj_path, const char *obj_name, const cJSON *annotations,
		    const cJSON *exports, cJSON **meta_out)
{
	struct bpf_object_open_opts oo = {.sz = sizeof(oo), .object_name = obj_name};
	struct objinfo oi = {0};
	const cJSON *doc = NULL;
	char msg[320];
	int err;

	*meta_out = NULL;
	eun_meta__free(&oi.m); /* the defaults */
	oi.obj = bpf_object__open_file(obj_path, &oo);
	if (!oi.obj) {
		err = -errno;
		ecc_warn("ecc: %s: libbpf cannot open the object: %s\n", obj_path, strerror(-err));
		return err;
	}
	oi.btf = bpf_object__btf(oi.obj);
	if (!oi.btf) {
		ecc_warn("ecc: %s: the object has no BTF (compile with -g)\n", obj_path);
		err = -ENODATA;
		goto out;
	}
	if (annotations) {
		doc = cJSON_GetObjectItemCaseSensitive(annotations, "doc");
		oi.ann_vars = cJSON_GetObjectItemCaseSensitive(annotations, "vars");
		oi.ann_maps = cJSON_GetObjectItemCaseSensitive(annotations, "maps");
		oi.ann_progs = cJSON_GetObjectItemCaseSensitive(annotations, "progs");
		oi.ann_lines = cJSON_GetObjectItemCaseSensitive(annotations, "lines");
		oi.ann_file = cJSON_GetObjectItemCaseSensitive(annotations, "file");
	}
	err = -ENOMEM;
	oi.m.obj_name = strdup(obj_name);
	oi.m.eunomia_version = strdup(EUNOMIA_VERSION);
	if (!oi.m.obj_name || !oi.m.eunomia_version)
		goto out;
	err = add_data_sections(&oi);
	if (!err && cJSON_IsObject(doc) && cJSON_GetArraySize(doc) > 0) {
		err = eun_meta__parse_doc(doc, "doc", &oi.m.doc, msg, sizeof(msg));
		if (err)
			err = bad_annotation(&oi, err, msg);
	}
	if (!err)
		err = add_maps(&oi);
	if (!err)
		err = add_progs(&oi);
	if (!err && oi.m.nr_progs == 0)
		err = -ENOMSG;
	if (!err)
		err = add_export_types(&oi, exports);
	if (!err)
		err = eun_meta__emit(&oi.m, meta_out);
out:
	eun_meta__free(&oi.m);
	bpf_object__close(oi.obj);
	return err;
}
