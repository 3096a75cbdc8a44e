// SPDX-License-Identifier: MIT
/*
 * The package metadata (docs/package-format.md §3) as C structs, parsed (loader) and emitted
 * (ecc). Unknown keys are kept aside and otherwise ignored, missing lists may be null, and
 * every error names the field path.
 */
#include "packer/meta.h"

#include <cjson/cJSON.h>
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/error.h"
#include "packer/format.h"

#define PATH_MAX_LEN 256

struct mctx {
	char *err;
	size_t errsz;
};

static int ferr(struct mctx *c, const char *path, const char *key, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

static int ferr(struct mctx *c, const char *path, const char *key, const char *fmt, ...)
{
	char msg[256];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (c->err && c->errsz) {
		if (key)
			snprintf(c->err, c->errsz, "%s.%s: %s", path, key, msg);
		else
			snprintf(c->err, c->errsz, "%s: %s", path, msg);
	}
	return -EUNOMIA_ERR_FIELD;
}

static const cJSON *get(const cJSON *o, const char *key)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);

	return cJSON_IsNull(v) ? NULL : v;
}

/* A string; with `lenient`, numbers and bools are turned into their text. */
static int str_field(struct mctx *c, const cJSON *o, const char *path, const char *key,
		     bool required, bool lenient, char **out)
{
	const cJSON *v = get(o, key);

	*out = NULL;
	if (!v) {
		if (required)
			return ferr(c, path, key, "missing (expected a string)");
		return 0;
	}
	if (cJSON_IsString(v) && v->valuestring) {
		*out = strdup(v->valuestring);
	} else if (lenient && (cJSON_IsNumber(v) || cJSON_IsBool(v))) {
		*out = cJSON_PrintUnformatted(v);
		if (*out) {
			/* cJSON_free and free agree with the default hooks; copy to be safe */
			char *s = strdup(*out);

			cJSON_free(*out);
			*out = s;
		}
	} else {
		return ferr(c, path, key, "expected a string");
	}
	return *out ? 0 : -ENOMEM;
}

static int int_field(struct mctx *c, const cJSON *o, const char *path, const char *key,
		     bool required, long long min, long long max, long long def, long long *out)
{
	const cJSON *v = get(o, key);
	double d;

	*out = def;
	if (!v) {
		if (required)
			return ferr(c, path, key, "missing (expected an integer)");
		return 0;
	}
	if (cJSON_IsString(v) && v->valuestring) {
		/* values from doc-comment annotations may arrive as text */
		char *end;

		errno = 0;
		d = (double)strtoll(v->valuestring, &end, 0);
		if (errno || end == v->valuestring || *end)
			return ferr(c, path, key, "expected an integer, got \"%.40s\"",
				    v->valuestring);
	} else if (cJSON_IsNumber(v)) {
		d = v->valuedouble;
	} else {
		return ferr(c, path, key, "expected an integer");
	}
	if (d != floor(d))
		return ferr(c, path, key, "expected an integer, got %g", d);
	if (d < (double)min || d > (double)max)
		return ferr(c, path, key, "%g is out of range (%lld..%lld)", d, min, max);
	*out = (long long)d;
	return 0;
}

static int bool_field(struct mctx *c, const cJSON *o, const char *path, const char *key, bool def,
		      bool *out)
{
	const cJSON *v = get(o, key);

	*out = def;
	if (!v)
		return 0;
	if (cJSON_IsBool(v))
		*out = cJSON_IsTrue(v);
	else if (cJSON_IsNumber(v) && (v->valuedouble == 0 || v->valuedouble == 1))
		*out = v->valuedouble != 0;
	else
		return ferr(c, path, key, "expected true or false");
	return 0;
}

/* A list: absent or null gives an empty list. */
static int list_field(struct mctx *c, const cJSON *o, const char *path, const char *key,
		      const cJSON **out, size_t *n)
{
	const cJSON *v = get(o, key);

	*out = NULL;
	*n = 0;
	if (!v)
		return 0;
	if (!cJSON_IsArray(v))
		return ferr(c, path, key, "expected an array (or null)");
	*out = v;
	*n = (size_t)cJSON_GetArraySize(v);
	return 0;
}

static int obj_field(struct mctx *c, const cJSON *o, const char *path, const char *key,
		     bool required, const cJSON **out)
{
	const cJSON *v = get(o, key);

	*out = NULL;
	if (!v) {
		if (required)
			return ferr(c, path, key, "missing (expected an object)");
		return 0;
	}
	if (!cJSON_IsObject(v))
		return ferr(c, path, key, "expected an object");
	*out = v;
	return 0;
}

static int dup_json(const cJSON *o, const char *key, struct cJSON **out)
{
	const cJSON *v = get(o, key);

	*out = NULL;
	if (!v)
		return 0;
	*out = cJSON_Duplicate(v, true);
	return *out ? 0 : -ENOMEM;
}

/* The members of o whose key is not in known (NULL-terminated), copied; NULL when none. */
static int keep_extra(const cJSON *o, const char *const *known, struct cJSON **out)
{
	const cJSON *it;

	*out = NULL;
	cJSON_ArrayForEach(it, o) {
		bool k = false;
		cJSON *dup;

		for (size_t i = 0; known[i] && !k; i++)
			k = !strcmp(it->string, known[i]);
		if (k)
			continue;
		if (!*out && !(*out = cJSON_CreateObject()))
			return -ENOMEM;
		dup = cJSON_Duplicate(it, true);
		if (!dup || !cJSON_AddItemToObject(*out, it->string, dup)) {
			cJSON_Delete(dup);
			return -ENOMEM;
		}
	}
	return 0;
}

/* buf = a + b (+ "[i]" when i >= 0), truncated to PATH_MAX_LEN. */
static void join_path(char *buf, const char *a, const char *b, long i)
{
	char idx[24] = "";
	size_t n = 0;
	const char *parts[3] = {a, b, idx};
	int k;

	if (i >= 0)
		snprintf(idx, sizeof(idx), "[%ld]", i);
	for (k = 0; k < 3; k++) {
		size_t l = strlen(parts[k]);

		if (l > PATH_MAX_LEN - 1 - n)
			l = PATH_MAX_LEN - 1 - n;
		memcpy(buf + n, parts[k], l);
		n += l;
	}
	buf[n] = '\0';
}

static void elem_path(char *buf, const char *path, const char *key, size_t i)
{
	char k[64];

	snprintf(k, sizeof(k), ".%s", key);
	join_path(buf, path, k, (long)i);
}

static int check_elem(struct mctx *c, const cJSON *e, const char *epath)
{
	if (!cJSON_IsObject(e))
		return ferr(c, epath, NULL, "expected an object");
	return 0;
}

/* ---- bpf_skel ---------------------------------------------------------------------------- */

static const char *const var_keys[] = {"name", "type", "description", "value", "cmdarg", NULL};
static const char *const cmdarg_keys[] = {"default", "short", "long", "help", NULL};
static const char *const section_keys[] = {"name", "variables", NULL};
static const char *const sample_keys[] = {"interval", "type", "unit", "clear_map", NULL};
static const char *const map_keys[] = {"ident", "mmaped", "name", "sample", "export_config", NULL};
static const char *const prog_keys[] = {"attach",  "link",   "name",   "ifindex", "flags",
					"xdpopts", "tchook", "tcopts", NULL};
static const char *const doc_keys[] = {"brief", "details", "version", "description", NULL};
static const char *const type_keys[] = {"members", "name", "size", "type_id", NULL};
static const char *const member_keys[] = {"name", "type", NULL};
static const char *const skel_keys[] = {"data_sections", "doc", "maps", "obj_name", "progs", NULL};
static const char *const meta_keys[] = {"bpf_skel",
					"eunomia_version",
					"export_types",
					"enable_multiple_export_types",
					"poll_timeout_ms",
					"perf_buffer_pages",
					NULL};

/* ---- bpf_skel ---------------------------------------------------------------------------- */

static int parse_var(struct mctx *c, const cJSON *e, const char *p, struct eun_var *v)
{
	const cJSON *ca = NULL;
	char *s = NULL;
	int ret;

	ret = check_elem(c, e, p);
	if (!ret)
		ret = str_field(c, e, p, "name", true, false, &v->name);
	if (!ret && !*v->name)
		ret = ferr(c, p, "name", "must not be empty");
	if (!ret)
		ret = str_field(c, e, p, "type", false, false, &v->type);
	if (!ret)
		ret = str_field(c, e, p, "description", false, true, &v->description);
	if (!ret)
		ret = dup_json(e, "value", &v->value);
	if (!ret)
		ret = keep_extra(e, var_keys, &v->extra);
	if (!ret)
		ret = obj_field(c, e, p, "cmdarg", false, &ca);
	if (ret || !ca)
		return ret;
	{
		char cp[PATH_MAX_LEN];

		join_path(cp, p, ".cmdarg", -1);
		v->has_cmdarg = true;
		ret = str_field(c, ca, cp, "long", false, false, &v->cmdarg.long_name);
		if (!ret && v->cmdarg.long_name && !*v->cmdarg.long_name) {
			free(v->cmdarg.long_name);
			v->cmdarg.long_name = NULL;
		}
		if (!ret)
			ret = str_field(c, ca, cp, "help", false, true, &v->cmdarg.help);
		if (!ret)
			ret = dup_json(ca, "default", &v->cmdarg.def);
		if (!ret)
			ret = keep_extra(ca, cmdarg_keys, &v->cmdarg.extra);
		if (!ret)
			ret = str_field(c, ca, cp, "short", false, false, &s);
		if (!ret && s && *s) {
			if (strlen(s) != 1 || s[0] == '-' || (unsigned char)s[0] <= ' ' ||
			    (unsigned char)s[0] >= 0x7f)
				ret = ferr(c, cp, "short", "expected one letter, got \"%.20s\"", s);
			else
				v->cmdarg.short_name = s[0];
		}
		free(s);
	}
	return ret;
}

static int parse_sections(struct mctx *c, const cJSON *skel, const char *path, struct eun_meta *m)
{
	const cJSON *list, *e;
	size_t n, i = 0;
	int ret;

	ret = list_field(c, skel, path, "data_sections", &list, &n);
	if (ret || !n)
		return ret;
	m->sections = calloc(n, sizeof(*m->sections));
	if (!m->sections)
		return -ENOMEM;
	cJSON_ArrayForEach(e, list) {
		struct eun_data_section *s = &m->sections[i];
		char p[PATH_MAX_LEN], vp[PATH_MAX_LEN];
		const cJSON *vars, *ve;
		size_t nv, j = 0;

		elem_path(p, path, "data_sections", i);
		m->nr_sections = ++i;
		ret = check_elem(c, e, p);
		if (!ret)
			ret = str_field(c, e, p, "name", true, false, &s->name);
		if (!ret)
			ret = keep_extra(e, section_keys, &s->extra);
		if (!ret)
			ret = list_field(c, e, p, "variables", &vars, &nv);
		if (ret)
			return ret;
		if (!nv)
			continue;
		s->vars = calloc(nv, sizeof(*s->vars));
		if (!s->vars)
			return -ENOMEM;
		cJSON_ArrayForEach(ve, vars) {
			elem_path(vp, p, "variables", j);
			s->nr_vars = ++j;
			ret = parse_var(c, ve, vp, &s->vars[j - 1]);
			if (ret)
				return ret;
		}
	}
	return 0;
}

static int parse_sample(struct mctx *c, const cJSON *so, const char *p, struct eun_sample *s)
{
	long long v;
	bool b;
	char *t = NULL;
	int ret;

	ret = int_field(c, so, p, "interval", true, 1, 86400000LL, 0, &v);
	if (ret)
		return ret;
	s->interval_ms = (int)v;
	ret = str_field(c, so, p, "type", false, false, &t);
	if (ret)
		return ret;
	s->type = EUN_SAMPLE_DEFAULT_KV;
	if (t) {
		if (!strcmp(t, "log2_hist"))
			s->type = EUN_SAMPLE_LOG2_HIST;
		else if (!strcmp(t, "linear_hist"))
			s->type = EUN_SAMPLE_LINEAR_HIST;
		else if (strcmp(t, "default_kv") != 0)
			ret = ferr(c, p, "type",
				   "unknown sample type \"%.40s\" (expected log2_hist, linear_hist "
				   "or default_kv)",
				   t);
		free(t);
		if (ret)
			return ret;
	}
	ret = str_field(c, so, p, "unit", false, true, &s->unit);
	if (!ret && !s->unit) {
		s->unit = strdup(EUN_META_SAMPLE_UNIT);
		if (!s->unit)
			return -ENOMEM;
	}
	if (!ret)
		ret = bool_field(c, so, p, "clear_map", false, &b);
	if (!ret)
		s->clear_map = b;
	if (!ret)
		ret = keep_extra(so, sample_keys, &s->extra);
	return ret;
}

static int parse_map(struct mctx *c, const cJSON *e, const char *p, struct eun_map *mp)
{
	const cJSON *so, *ec;
	char sp[PATH_MAX_LEN];
	int ret;

	ret = check_elem(c, e, p);
	if (!ret)
		ret = str_field(c, e, p, "name", true, false, &mp->name);
	if (!ret)
		ret = str_field(c, e, p, "ident", false, false, &mp->ident);
	if (!ret && !mp->ident) {
		mp->ident = strdup(mp->name);
		if (!mp->ident)
			ret = -ENOMEM;
	}
	if (!ret)
		ret = bool_field(c, e, p, "mmaped", false, &mp->mmaped);
	if (!ret)
		ret = keep_extra(e, map_keys, &mp->extra);
	if (!ret)
		ret = obj_field(c, e, p, "sample", false, &so);
	if (!ret && so) {
		join_path(sp, p, ".sample", -1);
		mp->has_sample = true;
		ret = parse_sample(c, so, sp, &mp->sample);
	}
	if (ret)
		return ret;
	ec = get(e, "export_config");
	if (cJSON_IsString(ec) && ec->valuestring && *ec->valuestring) {
		mp->export_type = strdup(ec->valuestring);
		if (!mp->export_type)
			return -ENOMEM;
	} else if (cJSON_IsObject(ec)) {
		join_path(sp, p, ".export_config", -1);
		ret = str_field(c, ec, sp, "type", false, false, &mp->export_type);
	}
	return ret;
}

static int parse_maps(struct mctx *c, const cJSON *skel, const char *path, struct eun_meta *m)
{
	const cJSON *list, *e;
	size_t n, i = 0;
	int ret;

	ret = list_field(c, skel, path, "maps", &list, &n);
	if (ret || !n)
		return ret;
	m->maps = calloc(n, sizeof(*m->maps));
	if (!m->maps)
		return -ENOMEM;
	cJSON_ArrayForEach(e, list) {
		char p[PATH_MAX_LEN];

		elem_path(p, path, "maps", i);
		m->nr_maps = ++i;
		ret = parse_map(c, e, p, &m->maps[i - 1]);
		if (ret)
			return ret;
	}
	return 0;
}

static int parse_prog(struct mctx *c, const cJSON *e, const char *p, struct eun_prog *pr)
{
	const cJSON *o;
	char sp[PATH_MAX_LEN], *ap = NULL;
	long long v;
	int ret;

	ret = check_elem(c, e, p);
	if (!ret)
		ret = str_field(c, e, p, "name", true, false, &pr->name);
	if (!ret)
		ret = str_field(c, e, p, "attach", true, false, &pr->attach);
	if (!ret)
		ret = bool_field(c, e, p, "link", true, &pr->link);
	if (!ret)
		ret = keep_extra(e, prog_keys, &pr->extra);
	if (!ret)
		ret = int_field(c, e, p, "ifindex", false, 0, 0x7fffffff, 0, &v);
	if (ret)
		return ret;
	pr->has_ifindex = get(e, "ifindex") != NULL;
	pr->ifindex = (int)v;
	ret = int_field(c, e, p, "flags", false, 0, 0xffffffffLL, 0, &v);
	if (ret)
		return ret;
	pr->has_flags = get(e, "flags") != NULL;
	pr->xdp_flags = (uint32_t)v;
	ret = obj_field(c, e, p, "xdpopts", false, &o);
	if (!ret && o) {
		join_path(sp, p, ".xdpopts", -1);
		pr->has_xdpopts = true;
		ret = int_field(c, o, sp, "old_prog_fd", false, -1, 0x7fffffff, 0, &v);
		pr->xdp_old_prog_fd = (int)v;
	}
	if (!ret)
		ret = obj_field(c, e, p, "tchook", false, &o);
	if (!ret && o) {
		join_path(sp, p, ".tchook", -1);
		pr->has_tchook = true;
		ret = int_field(c, o, sp, "ifindex", false, 0, 0x7fffffff, 0, &v);
		pr->tc_ifindex = (int)v;
		if (!ret)
			ret = str_field(c, o, sp, "attach_point", false, false, &ap);
		if (!ret && ap) {
			if (!strcmp(ap, "BPF_TC_INGRESS"))
				pr->tc_attach_point = EUN_TC_INGRESS;
			else if (!strcmp(ap, "BPF_TC_EGRESS"))
				pr->tc_attach_point = EUN_TC_EGRESS;
			else
				ret = ferr(
					c, sp, "attach_point",
					"expected BPF_TC_INGRESS or BPF_TC_EGRESS, got \"%.40s\"",
					ap);
		}
		free(ap);
	}
	if (!ret)
		ret = obj_field(c, e, p, "tcopts", false, &o);
	if (!ret && o) {
		join_path(sp, p, ".tcopts", -1);
		pr->has_tcopts = true;
		ret = int_field(c, o, sp, "handle", false, 0, 0xffffffffLL, 0, &v);
		pr->tc_handle = (uint32_t)v;
		if (!ret)
			ret = int_field(c, o, sp, "priority", false, 0, 0xffffffffLL, 0, &v);
		pr->tc_priority = (uint32_t)v;
	}
	return ret;
}

static int parse_progs(struct mctx *c, const cJSON *skel, const char *path, struct eun_meta *m)
{
	const cJSON *list, *e;
	size_t n, i = 0;
	int ret;

	ret = list_field(c, skel, path, "progs", &list, &n);
	if (ret || !n)
		return ret;
	m->progs = calloc(n, sizeof(*m->progs));
	if (!m->progs)
		return -ENOMEM;
	cJSON_ArrayForEach(e, list) {
		char p[PATH_MAX_LEN];

		elem_path(p, path, "progs", i);
		m->nr_progs = ++i;
		ret = parse_prog(c, e, p, &m->progs[i - 1]);
		if (ret)
			return ret;
	}
	return 0;
}

static int parse_doc_obj(struct mctx *c, const cJSON *o, const char *p, struct eun_doc *d)
{
	int ret;

	ret = check_elem(c, o, p);
	if (!ret)
		ret = str_field(c, o, p, "brief", false, true, &d->brief);
	if (!ret)
		ret = str_field(c, o, p, "details", false, true, &d->details);
	if (!ret)
		ret = str_field(c, o, p, "description", false, true, &d->description);
	if (!ret)
		ret = str_field(c, o, p, "version", false, true, &d->version);
	if (!ret)
		ret = keep_extra(o, doc_keys, &d->extra);
	return ret;
}

static int parse_doc(struct mctx *c, const cJSON *skel, const char *path, struct eun_doc *d)
{
	const cJSON *o;
	char p[PATH_MAX_LEN];
	int ret;

	ret = obj_field(c, skel, path, "doc", false, &o);
	if (ret || !o)
		return ret;
	join_path(p, path, ".doc", -1);
	return parse_doc_obj(c, o, p, d);
}

/* ---- export_types ------------------------------------------------------------------------ */

static int parse_export_types(struct mctx *c, const cJSON *meta, struct eun_meta *m)
{
	const cJSON *list, *e;
	size_t n, i = 0;
	int ret;

	ret = list_field(c, meta, "meta", "export_types", &list, &n);
	if (ret || !n)
		return ret;
	m->export_types = calloc(n, sizeof(*m->export_types));
	if (!m->export_types)
		return -ENOMEM;
	cJSON_ArrayForEach(e, list) {
		struct eun_export_type *t = &m->export_types[i];
		char p[PATH_MAX_LEN], mp[PATH_MAX_LEN];
		const cJSON *mem, *me;
		size_t nm, j = 0;
		long long v;

		elem_path(p, "meta", "export_types", i);
		m->nr_export_types = ++i;
		ret = check_elem(c, e, p);
		if (!ret)
			ret = str_field(c, e, p, "name", true, false, &t->name);
		if (!ret)
			ret = int_field(c, e, p, "type_id", true, 1, 0x7fffffffLL, 0, &v);
		if (ret)
			return ret;
		t->type_id = (uint32_t)v;
		ret = int_field(c, e, p, "size", false, 0, 0x7fffffffLL, 0, &v);
		if (ret)
			return ret;
		t->size = (uint32_t)v;
		ret = keep_extra(e, type_keys, &t->extra);
		if (!ret)
			ret = list_field(c, e, p, "members", &mem, &nm);
		if (ret)
			return ret;
		if (!nm)
			continue;
		t->members = calloc(nm, sizeof(*t->members));
		if (!t->members)
			return -ENOMEM;
		cJSON_ArrayForEach(me, mem) {
			struct eun_member *x = &t->members[j];

			elem_path(mp, p, "members", j);
			t->nr_members = ++j;
			ret = check_elem(c, me, mp);
			if (!ret)
				ret = str_field(c, me, mp, "name", true, false, &x->name);
			if (!ret)
				ret = str_field(c, me, mp, "type", false, false, &x->type);
			if (!ret)
				ret = keep_extra(me, member_keys, &x->extra);
			if (ret)
				return ret;
		}
	}
	return 0;
}

/* ---- top level --------------------------------------------------------------------------- */

static void oom_msg(int ret, char *err, size_t errsz)
{
	if (ret == -ENOMEM && err && errsz)
		snprintf(err, errsz, "meta: out of memory");
}

int eun_meta__parse(const struct cJSON *meta, struct eun_meta *out, char *err, size_t errsz)
{
	struct mctx c = {.err = err, .errsz = errsz};
	const char *sp = "meta.bpf_skel";
	const cJSON *skel;
	long long v;
	int ret;

	memset(out, 0, sizeof(*out));
	out->poll_timeout_ms = EUN_META_POLL_TIMEOUT_MS;
	out->perf_buffer_pages = EUN_META_PERF_BUFFER_PAGES;
	if (err && errsz)
		err[0] = '\0';
	if (!meta) {
		ret = ferr(&c, "meta", NULL, "missing (expected an object)");
		goto fail;
	}
	if (!cJSON_IsObject(meta)) {
		ret = ferr(&c, "meta", NULL, "expected an object");
		goto fail;
	}
	ret = obj_field(&c, meta, "meta", "bpf_skel", true, &skel);
	if (!ret)
		ret = str_field(&c, skel, sp, "obj_name", true, false, &out->obj_name);
	if (!ret && !*out->obj_name)
		ret = ferr(&c, sp, "obj_name", "must not be empty");
	if (!ret)
		ret = parse_doc(&c, skel, sp, &out->doc);
	if (!ret)
		ret = parse_sections(&c, skel, sp, out);
	if (!ret)
		ret = parse_maps(&c, skel, sp, out);
	if (!ret)
		ret = parse_progs(&c, skel, sp, out);
	if (!ret)
		ret = parse_export_types(&c, meta, out);
	if (!ret)
		ret = str_field(&c, meta, "meta", "eunomia_version", false, true,
				&out->eunomia_version);
	if (!ret)
		ret = int_field(&c, meta, "meta", "poll_timeout_ms", false, 0, 3600000,
				EUN_META_POLL_TIMEOUT_MS, &v);
	if (ret)
		goto fail;
	out->poll_timeout_ms = (int)v;
	ret = int_field(&c, meta, "meta", "perf_buffer_pages", false, 1, 1 << 20,
			EUN_META_PERF_BUFFER_PAGES, &v);
	if (ret)
		goto fail;
	out->perf_buffer_pages = (int)v;
	ret = bool_field(&c, meta, "meta", "enable_multiple_export_types", false,
			 &out->enable_multiple_export_types);
	if (!ret)
		ret = keep_extra(meta, meta_keys, &out->extra);
	if (!ret)
		ret = keep_extra(skel, skel_keys, &out->skel_extra);
	if (ret)
		goto fail;
	return 0;
fail:
	oom_msg(ret, err, errsz);
	eun_meta__free(out);
	return ret;
}

int eun_meta__parse_var(const struct cJSON *obj, const char *path, struct eun_var *out, char *err,
			size_t errsz)
{
	struct mctx c = {.err = err, .errsz = errsz};
	int ret = parse_var(&c, obj, path, out);

	oom_msg(ret, err, errsz);
	return ret;
}

int eun_meta__parse_map(const struct cJSON *obj, const char *path, struct eun_map *out, char *err,
			size_t errsz)
{
	struct mctx c = {.err = err, .errsz = errsz};
	int ret = parse_map(&c, obj, path, out);

	oom_msg(ret, err, errsz);
	return ret;
}

int eun_meta__parse_prog(const struct cJSON *obj, const char *path, struct eun_prog *out, char *err,
			 size_t errsz)
{
	struct mctx c = {.err = err, .errsz = errsz};
	int ret = parse_prog(&c, obj, path, out);

	oom_msg(ret, err, errsz);
	return ret;
}

int eun_meta__parse_doc(const struct cJSON *obj, const char *path, struct eun_doc *out, char *err,
			size_t errsz)
{
	struct mctx c = {.err = err, .errsz = errsz};
	int ret = parse_doc_obj(&c, obj, path, out);

	oom_msg(ret, err, errsz);
	return ret;
}

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
