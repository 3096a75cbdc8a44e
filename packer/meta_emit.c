// SPDX-License-Identifier: MIT
/*
 * The metadata emitter and destructors: struct eun_meta back to the JSON ecc writes
 * (docs/package-format.md §2-4), keys in the public toolchain's order, unknown keys kept from
 * `extra` (so that emit(parse(x)) == x for every package ecc writes;
 * tests/unit/test_meta_roundtrip.c).
 */
#include "packer/meta.h"

#include <cjson/cJSON.h>
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "packer/format.h"

/* ---- free -------------------------------------------------------------------------------- */

void eun_meta__free_var(struct eun_var *v)
{
	if (!v)
		return;
	free(v->name);
	free(v->type);
	free(v->description);
	free(v->cmdarg.long_name);
	free(v->cmdarg.help);
	cJSON_Delete(v->cmdarg.def);
	cJSON_Delete(v->cmdarg.extra);
	cJSON_Delete(v->value);
	cJSON_Delete(v->extra);
	memset(v, 0, sizeof(*v));
}

void eun_meta__free_map(struct eun_map *m)
{
	if (!m)
		return;
	free(m->name);
	free(m->ident);
	free(m->sample.unit);
	cJSON_Delete(m->sample.extra);
	free(m->export_type);
	cJSON_Delete(m->extra);
	memset(m, 0, sizeof(*m));
}

void eun_meta__free_prog(struct eun_prog *p)
{
	if (!p)
		return;
	free(p->name);
	free(p->attach);
	cJSON_Delete(p->extra);
	memset(p, 0, sizeof(*p));
}

void eun_meta__free_doc(struct eun_doc *d)
{
	if (!d)
		return;
	free(d->brief);
	free(d->details);
	free(d->description);
	free(d->version);
	cJSON_Delete(d->extra);
	memset(d, 0, sizeof(*d));
}

void eun_meta__free(struct eun_meta *m)
{
	size_t i, j;

	if (!m)
		return;
	free(m->obj_name);
	free(m->eunomia_version);
	eun_meta__free_doc(&m->doc);
	for (i = 0; i < m->nr_sections; i++) {
		struct eun_data_section *s = &m->sections[i];

		for (j = 0; j < s->nr_vars; j++)
			eun_meta__free_var(&s->vars[j]);
		free(s->vars);
		free(s->name);
		cJSON_Delete(s->extra);
	}
	free(m->sections);
	for (i = 0; i < m->nr_maps; i++)
		eun_meta__free_map(&m->maps[i]);
	free(m->maps);
	for (i = 0; i < m->nr_progs; i++)
		eun_meta__free_prog(&m->progs[i]);
	free(m->progs);
	for (i = 0; i < m->nr_export_types; i++) {
		struct eun_export_type *t = &m->export_types[i];

		for (j = 0; j < t->nr_members; j++) {
			free(t->members[j].name);
			free(t->members[j].type);
			cJSON_Delete(t->members[j].extra);
		}
		free(t->members);
		free(t->name);
		cJSON_Delete(t->extra);
	}
	free(m->export_types);
	cJSON_Delete(m->extra);
	cJSON_Delete(m->skel_extra);
	memset(m, 0, sizeof(*m));
	m->poll_timeout_ms = EUN_META_POLL_TIMEOUT_MS;
	m->perf_buffer_pages = EUN_META_PERF_BUFFER_PAGES;
}

/* ---- emit -------------------------------------------------------------------------------- */

/* Each helper returns false when out of memory; the caller deletes the half-built tree. */
static bool put_str(cJSON *o, const char *key, const char *val)
{
	return !val || cJSON_AddStringToObject(o, key, val);
}

static bool put_json(cJSON *o, const char *key, const cJSON *val)
{
	cJSON *dup;

	if (!val)
		return true;
	dup = cJSON_Duplicate(val, true);
	if (dup && cJSON_AddItemToObject(o, key, dup))
		return true;
	cJSON_Delete(dup);
	return false;
}

static bool put_num(cJSON *o, const char *key, double val)
{
	return cJSON_AddNumberToObject(o, key, val) != NULL;
}

static bool put_extra(cJSON *o, const cJSON *extra)
{
	const cJSON *it;

	cJSON_ArrayForEach(it, extra) {
		if (!put_json(o, it->string, it))
			return false;
	}
	return true;
}

/* A new object appended to arr (or added to obj under key), NULL when out of memory. */
static cJSON *new_in(cJSON *arr, cJSON *obj, const char *key)
{
	cJSON *o = cJSON_CreateObject();

	if (!o)
		return NULL;
	if (arr ? cJSON_AddItemToArray(arr, o) : cJSON_AddItemToObject(obj, key, o))
		return o;
	cJSON_Delete(o);
	return NULL;
}

static bool emit_var(cJSON *arr, const struct eun_var *v)
{
	cJSON *o = new_in(arr, NULL, NULL), *ca;
	char s[2] = {v->cmdarg.short_name, 0};

	if (!o || !put_str(o, "name", v->name) || !put_str(o, "type", v->type) ||
	    !put_str(o, "description", v->description))
		return false;
	if (v->has_cmdarg) {
		ca = new_in(NULL, o, "cmdarg");
		if (!ca || !put_json(ca, "default", v->cmdarg.def) ||
		    !put_str(ca, "short", s[0] ? s : NULL) ||
		    !put_str(ca, "long", v->cmdarg.long_name) ||
		    !put_str(ca, "help", v->cmdarg.help) || !put_extra(ca, v->cmdarg.extra))
			return false;
	}
	return put_json(o, "value", v->value) && put_extra(o, v->extra);
}

static const char *const sample_type_names[] = {
	[EUN_SAMPLE_DEFAULT_KV] = "default_kv",
	[EUN_SAMPLE_LOG2_HIST] = "log2_hist",
	[EUN_SAMPLE_LINEAR_HIST] = "linear_hist",
};

static bool emit_map(cJSON *arr, const struct eun_map *m)
{
	cJSON *o = new_in(arr, NULL, NULL), *s;

	if (!o || !put_str(o, "ident", m->ident ? m->ident : m->name) ||
	    (m->mmaped && !cJSON_AddTrueToObject(o, "mmaped")) || !put_str(o, "name", m->name))
		return false;
	if (m->has_sample) {
		s = new_in(NULL, o, "sample");
		if (!s || !put_num(s, "interval", m->sample.interval_ms) ||
		    !put_str(s, "type", sample_type_names[m->sample.type]) ||
		    !put_str(s, "unit", m->sample.unit ? m->sample.unit : EUN_META_SAMPLE_UNIT) ||
		    !cJSON_AddBoolToObject(s, "clear_map", m->sample.clear_map) ||
		    !put_extra(s, m->sample.extra))
			return false;
	}
	if (!put_extra(o, m->extra))
		return false;
	if (m->export_type) {
		s = new_in(NULL, o, "export_config");
		if (!s || !put_str(s, "type", m->export_type))
			return false;
	}
	return true;
}

static bool emit_prog(cJSON *arr, const struct eun_prog *p)
{
	cJSON *o = new_in(arr, NULL, NULL), *s;

	if (!o || !put_str(o, "attach", p->attach) || !cJSON_AddBoolToObject(o, "link", p->link) ||
	    !put_str(o, "name", p->name))
		return false;
	if ((p->has_ifindex || p->ifindex) && !put_num(o, "ifindex", p->ifindex))
		return false;
	if ((p->has_flags || p->xdp_flags) && !put_num(o, "flags", p->xdp_flags))
		return false;
	if (p->has_xdpopts || p->xdp_old_prog_fd) {
		s = new_in(NULL, o, "xdpopts");
		if (!s || !put_num(s, "old_prog_fd", p->xdp_old_prog_fd))
			return false;
	}
	if (p->has_tchook) {
		s = new_in(NULL, o, "tchook");
		if (!s || !put_num(s, "ifindex", p->tc_ifindex) ||
		    !put_str(s, "attach_point",
			     p->tc_attach_point == EUN_TC_EGRESS ? "BPF_TC_EGRESS"
								 : "BPF_TC_INGRESS"))
			return false;
	}
	if (p->has_tcopts || p->tc_handle || p->tc_priority) {
		s = new_in(NULL, o, "tcopts");
		if (!s || !put_num(s, "handle", p->tc_handle) ||
		    !put_num(s, "priority", p->tc_priority))
			return false;
	}
	return put_extra(o, p->extra);
}

static bool emit_doc(cJSON *skel, const struct eun_doc *d)
{
	cJSON *o;

	if (!d->brief && !d->details && !d->version && !d->description && !d->extra)
		return true;
	o = new_in(NULL, skel, "doc");
	/* the comment's plain text (description) comes before its tags */
	return o && put_str(o, "description", d->description) && put_str(o, "brief", d->brief) &&
	       put_str(o, "details", d->details) && put_str(o, "version", d->version) &&
	       put_extra(o, d->extra);
}

static bool emit_skel(cJSON *meta, const struct eun_meta *m)
{
	cJSON *skel = new_in(NULL, meta, "bpf_skel"), *arr, *vars;
	size_t i, j;

	if (!skel || !(arr = cJSON_AddArrayToObject(skel, "data_sections")))
		return false;
	for (i = 0; i < m->nr_sections; i++) {
		const struct eun_data_section *s = &m->sections[i];
		cJSON *so = new_in(arr, NULL, NULL);

		if (!so || !put_str(so, "name", s->name) ||
		    !(vars = cJSON_AddArrayToObject(so, "variables")))
			return false;
		for (j = 0; j < s->nr_vars; j++)
			if (!emit_var(vars, &s->vars[j]))
				return false;
		if (!put_extra(so, s->extra))
			return false;
	}
	if (!emit_doc(skel, &m->doc) || !(arr = cJSON_AddArrayToObject(skel, "maps")))
		return false;
	for (i = 0; i < m->nr_maps; i++)
		if (!emit_map(arr, &m->maps[i]))
			return false;
	if (!put_str(skel, "obj_name", m->obj_name) ||
	    !(arr = cJSON_AddArrayToObject(skel, "progs")))
		return false;
	for (i = 0; i < m->nr_progs; i++)
		if (!emit_prog(arr, &m->progs[i]))
			return false;
	return put_extra(skel, m->skel_extra);
}

static bool emit_export_types(cJSON *meta, const struct eun_meta *m)
{
	cJSON *arr = cJSON_AddArrayToObject(meta, "export_types"), *mem;
	size_t i, j;

	if (!arr)
		return false;
	for (i = 0; i < m->nr_export_types; i++) {
		const struct eun_export_type *t = &m->export_types[i];
		cJSON *o = new_in(arr, NULL, NULL);

		if (!o || !(mem = cJSON_AddArrayToObject(o, "members")))
			return false;
		for (j = 0; j < t->nr_members; j++) {
			cJSON *x = new_in(mem, NULL, NULL);

			if (!x || !put_str(x, "name", t->members[j].name) ||
			    !put_str(x, "type", t->members[j].type) ||
			    !put_extra(x, t->members[j].extra))
				return false;
		}
		if (!put_str(o, "name", t->name) || !put_num(o, "size", t->size) ||
		    !put_num(o, "type_id", t->type_id) || !put_extra(o, t->extra))
			return false;
	}
	return true;
}

int eun_meta__emit(const struct eun_meta *m, struct cJSON **out)
{
	cJSON *meta;
	bool ok;

	*out = NULL;
	if (!m || !m->obj_name)
		return -EINVAL;
	meta = cJSON_CreateObject();
	ok = meta && emit_skel(meta, m) && put_str(meta, "eunomia_version", m->eunomia_version) &&
	     emit_export_types(meta, m);
	if (ok && m->enable_multiple_export_types)
		ok = cJSON_AddTrueToObject(meta, "enable_multiple_export_types") != NULL;
	if (ok && m->poll_timeout_ms != EUN_META_POLL_TIMEOUT_MS)
		ok = put_num(meta, "poll_timeout_ms", m->poll_timeout_ms);
	if (ok && m->perf_buffer_pages != EUN_META_PERF_BUFFER_PAGES)
		ok = put_num(meta, "perf_buffer_pages", m->perf_buffer_pages);
	if (ok)
		ok = put_extra(meta, m->extra);
	if (!ok) {
		cJSON_Delete(meta);
		return -ENOMEM;
	}
	*out = meta;
	return 0;
}
