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

/* The stack_trace annotation (`intepreter`, as the public toolchain spells it, or
 * `interpreter`): kept in extra for the loader (loader/stack.c), checked here so that ecc
 * refuses what the loader could not read. Other interpreters are left alone. */
static int check_interpreter(struct mctx *c, const cJSON *e, const char *p)
{
	static const char *const keys[] = {"intepreter", "interpreter"};
	char ap[PATH_MAX_LEN], sp[PATH_MAX_LEN];
	const cJSON *a, *st, *fm, *it;
	char *map = NULL;
	bool b;
	size_t i;
	int ret;

	for (i = 0; i < 2; i++) {
		a = get(e, keys[i]);
		if (!cJSON_IsObject(a))
			continue; /* not a stack annotation: left to whoever wrote it */
		join_path(ap, p, i ? ".interpreter" : ".intepreter", -1);
		ret = obj_field(c, a, ap, "stack_trace", false, &st);
		if (ret)
			return ret;
		if (!st)
			continue;
		join_path(sp, ap, ".stack_trace", -1);
		ret = obj_field(c, st, sp, "field_map", false, &fm);
		if (ret)
			return ret;
		cJSON_ArrayForEach(it, fm)
			if (!cJSON_IsString(it) || !it->valuestring || !*it->valuestring)
				return ferr(c, sp, "field_map",
					    "\"%.40s\" must name a member of the event (a string)",
					    it->string ? it->string : "?");
		ret = bool_field(c, st, sp, "with_symbols", true, &b);
		if (!ret)
			ret = str_field(c, st, sp, "stack_map", false, false, &map);
		free(map);
		map = NULL;
		if (ret)
			return ret;
	}
	return 0;
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
	return ret ? ret : check_interpreter(c, e, p);
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
