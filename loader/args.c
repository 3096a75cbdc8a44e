// SPDX-License-Identifier: MIT
/*
 * Tool arguments (docs/package-format.md §8.1): every variable of every data section in the meta is
 * a flag, typed by the object's BTF (typedefs and qualifiers resolved) and written into the
 * internal map's initial value before load. A variable the user does not set keeps its
 * compiled value, except that a @cmdarg default and a meta "value" are applied at open.
 */
#include <ctype.h>
#include <errno.h>
#include <float.h>
#include <inttypes.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <bpf/btf.h>
#include <bpf/libbpf.h>
#include <cjson/cJSON.h>

#include "common/btfutil.h"
#include "loader/argval.h"
#include "loader/internal.h"
#include "packer/btfinfo.h"
#include "packer/format.h"

#define DUMMY_PREFIX EUN_DUMMY_PREFIX

static int write_arg(struct eunomia_runner *r, struct eun_arg *a, const char *text)
{
	uint8_t *img = eun_argval__image(a), buf[256];
	uint8_t *tmp = a->size <= sizeof(buf) ? buf : malloc(a->size);
	int err;

	if (!img || !tmp) {
		if (tmp && tmp != buf)
			free(tmp);
		eun_warn(&r->log, "--%s: the variable's map has no writable initial value",
			 eun_argval__flag(a));
		return img ? -ENOMEM : -EUNOMIA_ERR_STATE;
	}
	err = eun_argval__parse(r, a, text, tmp);
	if (!err)
		memcpy(img, tmp, a->size);
	if (tmp != buf)
		free(tmp);
	return err;
}

/* JSON default/value -> text for parse_value. */
static char *json_value_text(const cJSON *j)
{
	char buf[64];

	if (cJSON_IsString(j))
		return strdup(j->valuestring ? j->valuestring : "");
	if (cJSON_IsBool(j))
		return strdup(cJSON_IsTrue(j) ? "true" : "false");
	if (cJSON_IsNumber(j)) {
		double d = j->valuedouble;

		if (d == floor(d) && d >= -9.2e18 && d <= 9.2e18)
			snprintf(buf, sizeof(buf), "%lld", (long long)d);
		else if (d == floor(d) && d > 0 && d < 1.8446744073709552e19)
			snprintf(buf, sizeof(buf), "%llu", (unsigned long long)d);
		else
			snprintf(buf, sizeof(buf), "%.17g", d);
		return strdup(buf);
	}
	return NULL;
}

static const struct btf_var_secinfo *find_var(const struct btf *btf, const struct btf_type *ds,
					      const char *name)
{
	const struct btf_var_secinfo *vi = btf_var_secinfos(ds);
	int i, n = btf_vlen(ds);

	for (i = 0; i < n; i++, vi++) {
		const struct btf_type *v = btf__type_by_id(btf, vi->type);
		const char *vn = v ? btf__name_by_offset(btf, v->name_off) : NULL;

		if (vn && !strcmp(vn, name))
			return vi;
	}
	return NULL;
}

static char *btf_type_text(const struct btf *btf, uint32_t id)
{
	char buf[256];

	if (eun_btf_type_text(btf, id, buf, sizeof(buf)) < 0 && !buf[0])
		snprintf(buf, sizeof(buf), "?");
	return strdup(buf);
}

static int add_arg(struct eunomia_runner *r, const struct eun_data_section *sec,
		   const struct eun_var *v, struct bpf_map *map, const struct btf_var_secinfo *vi,
		   size_t *cap)
{
	const struct btf *btf = eun_argval__btf(r);
	const struct btf_type *var = btf__type_by_id(btf, vi->type);
	struct eun_arg *a;
	uint32_t tid;
	enum eun_arg_kind k;

	eun_argval__resolve(btf, var->type, &tid);
	k = eun_argval__kind(btf, tid);
	if (k == AK_UNSUPPORTED) {
		eun_debug(&r->log, "variable '%s' in %s: type not settable from the command line",
			  v->name, sec->name);
		return 0;
	}
	if (r->nr_args == *cap) {
		size_t ncap = *cap ? *cap * 2 : 16;
		struct eun_arg *na = realloc(r->args, ncap * sizeof(*na));

		if (!na)
			return -ENOMEM;
		r->args = na;
		*cap = ncap;
	}
	a = &r->args[r->nr_args];
	memset(a, 0, sizeof(*a));
	a->var = v;
	a->sec = sec;
	a->map = map;
	a->offset = vi->offset;
	a->size = vi->size;
	a->type_id = tid;
	a->info.name = v->name;
	a->info.long_name = v->has_cmdarg && v->cmdarg.long_name ? v->cmdarg.long_name : v->name;
	a->info.short_name = v->has_cmdarg ? v->cmdarg.short_name : 0;
	a->info.help = v->has_cmdarg && v->cmdarg.help ? v->cmdarg.help
		       : v->description		       ? v->description
						       : "";
	a->info.is_bool = k == AK_BOOL;
	a->info.section = sec->name;
	if (v->type && *v->type) {
		a->info.type = v->type;
	} else {
		a->owned_strings[1] = btf_type_text(btf, var->type);
		if (!a->owned_strings[1])
			return -ENOMEM;
		a->info.type = a->owned_strings[1];
	}
	r->nr_args++;
	return 0;
}

static void apply_initial(struct eunomia_runner *r, struct eun_arg *a)
{
	const cJSON *srcs[2] = {a->var->has_cmdarg ? a->var->cmdarg.def : NULL, a->var->value};
	const char *what[2] = {"@cmdarg default", "value"};
	int i;

	for (i = 0; i < 2; i++) {
		char *text;

		if (!srcs[i] || cJSON_IsNull(srcs[i]))
			continue;
		text = json_value_text(srcs[i]);
		if (!text) {
			eun_warn(&r->log, "--%s: ignoring the package's %s: not a scalar",
				 eun_argval__flag(a), what[i]);
			continue;
		}
		if (write_arg(r, a, text))
			eun_warn(&r->log, "--%s: ignoring the package's %s '%s'",
				 eun_argval__flag(a), what[i], text);
		free(text);
	}
}

int eun_args__init(struct eunomia_runner *r)
{
	const struct btf *btf = eun_argval__btf(r);
	size_t s, j, cap = 0, i;
	int err;

	if (!r->meta)
		return 0;
	if (!btf) {
		if (r->meta->nr_sections)
			eun_info(&r->log, "the BPF object has no BTF: tool arguments are disabled");
		return 0;
	}
	for (s = 0; s < r->meta->nr_sections; s++) {
		const struct eun_data_section *sec = &r->meta->sections[s];
		const struct btf_type *ds;
		struct bpf_map *map;
		int id;

		if (!sec->name || !strcmp(sec->name, ".kconfig") || !sec->nr_vars)
			continue;
		id = btf__find_by_name_kind(btf, sec->name, BTF_KIND_DATASEC);
		map = eun_section_map(r->obj, sec->name);
		if (id <= 0 || !map) {
			eun_debug(&r->log,
				  "data section %s: not in the object; its variables are "
				  "not arguments",
				  sec->name);
			continue;
		}
		ds = btf__type_by_id(btf, (uint32_t)id);
		for (j = 0; j < sec->nr_vars; j++) {
			const struct eun_var *v = &sec->vars[j];
			const struct btf_var_secinfo *vi;

			if (!strncmp(v->name, DUMMY_PREFIX, strlen(DUMMY_PREFIX)))
				continue;
			vi = find_var(btf, ds, v->name);
			if (!vi) {
				eun_warn(
					&r->log,
					"variable '%s' of %s is in the package metadata but not in "
					"the object's BTF; it is not an argument",
					v->name, sec->name);
				continue;
			}
			err = add_arg(r, sec, v, map, vi, &cap);
			if (err)
				return err;
		}
	}
	for (i = 0; i < r->nr_args; i++) {
		struct eun_arg *a = &r->args[i];

		apply_initial(r, a);
		a->owned_strings[0] = eun_argval__text(r, a);
		if (!a->owned_strings[0])
			return -ENOMEM;
		a->info.default_text = a->owned_strings[0];
	}
	return 0;
}

int eun_args__apply(struct eunomia_runner *r)
{
	size_t i;

	/* Values are written into the maps' initial images as they are set; check that every
	 * image is still there (it is until load). */
	for (i = 0; i < r->nr_args; i++) {
		if (r->args[i].set && !eun_argval__image(&r->args[i])) {
			eun_warn(&r->log, "--%s: the value could not be written into %s",
				 eun_argval__flag(&r->args[i]), r->args[i].info.section);
			return -EUNOMIA_ERR_STATE;
		}
	}
	return 0;
}

void eun_args__free(struct eunomia_runner *r)
{
	size_t i, k;

	for (i = 0; i < r->nr_args; i++)
		for (k = 0; k < 3; k++)
			free(r->args[i].owned_strings[k]);
	free(r->args);
	r->args = NULL;
	r->nr_args = 0;
}

/* ---- public API -------------------------------------------------------------------------- */

size_t eunomia_runner__arg_count(const struct eunomia_runner *r)
{
	return r ? r->nr_args : 0;
}

const struct eunomia_arg_info *eunomia_runner__arg(const struct eunomia_runner *r, size_t i)
{
	if (!r || i >= r->nr_args) {
		errno = ENOENT;
		return NULL;
	}
	return &r->args[i].info;
}

/* Compare names with '-' and '_' interchangeable; n: length of a (a need not be NUL-ended). */
static bool name_eq(const char *a, size_t n, const char *b)
{
	size_t i;

	for (i = 0; i < n; i++) {
		char x = a[i] == '-' ? '_' : a[i];
		char y = b[i] == '-' ? '_' : b[i];

		if (!b[i] || x != y)
			return false;
	}
	return b[n] == '\0';
}

static struct eun_arg *find_long(struct eunomia_runner *r, const char *name, size_t n)
{
	size_t i;

	for (i = 0; i < r->nr_args; i++)
		if (name_eq(name, n, r->args[i].info.long_name))
			return &r->args[i];
	for (i = 0; i < r->nr_args; i++)
		if (name_eq(name, n, r->args[i].info.name))
			return &r->args[i];
	return NULL;
}

static struct eun_arg *find_short(struct eunomia_runner *r, char c)
{
	size_t i;

	for (i = 0; i < r->nr_args; i++)
		if (r->args[i].info.short_name == c)
			return &r->args[i];
	return NULL;
}

static int set_value(struct eunomia_runner *r, struct eun_arg *a, const char *value)
{
	int err;

	if (r->state != EUN_STATE_OPENED) {
		eun_warn(&r->log, "--%s: arguments can only be set before load",
			 eun_argval__flag(a));
		return -EUNOMIA_ERR_STATE;
	}
	err = write_arg(r, a, value);
	if (!err)
		a->set = true;
	return err;
}

int eunomia_runner__set_arg(struct eunomia_runner *r, const char *name, const char *value)
{
	struct eun_arg *a;

	if (!r || !name || !value)
		return -EINVAL;
	while (*name == '-')
		name++;
	a = find_long(r, name, strlen(name));
	if (!a) {
		eun_warn(&r->log, "unknown argument '%s'", name);
		return -ENOENT;
	}
	return set_value(r, a, value);
}

/* True if every character of s is the short name of a bool switch. */
static bool short_cluster(struct eunomia_runner *r, const char *s)
{
	for (; *s; s++) {
		struct eun_arg *a = find_short(r, *s);

		if (!a || !a->info.is_bool)
			return false;
	}
	return true;
}

/* The caller knows the command that shows the help (ecli adds "see `ecli run X --help`"). */
static void suggest(struct eunomia_runner *r, const char *opt)
{
	eun_warn(&r->log, "unknown option '%s'", opt);
}

int eunomia_runner__parse_args(struct eunomia_runner *r, int argc, char **argv)
{
	int i;

	if (!r)
		return -EINVAL;
	for (i = 1; i < argc; i++) {
		const char *arg = argv[i], *value = NULL;
		struct eun_arg *a;
		int err;

		if (!arg)
			break;
		if (!strcmp(arg, "-h") || !strcmp(arg, "--help"))
			return EUNOMIA_ARGS_HELP;
		if (!strcmp(arg, "--version"))
			return EUNOMIA_ARGS_VERSION;
		if (!strcmp(arg, "--")) {
			if (i + 1 < argc) {
				eun_warn(&r->log,
					 "unexpected argument '%s': this tool takes only "
					 "options",
					 argv[i + 1]);
				return -EUNOMIA_ERR_ARG;
			}
			break;
		}
		if (arg[0] == '-' && arg[1] == '-') {
			const char *name = arg + 2, *eq = strchr(name, '=');
			size_t n = eq ? (size_t)(eq - name) : strlen(name);

			a = find_long(r, name, n);
			if (!a && n > 3 && !strncmp(name, "no-", 3) && !eq) {
				a = find_long(r, name + 3, n - 3);
				if (a && a->info.is_bool) {
					err = set_value(r, a, "false");
					if (err)
						return err;
					continue;
				}
				a = NULL;
			}
			if (!a && n > 3 && !strncmp(name, "no_", 3) && !eq) {
				a = find_long(r, name + 3, n - 3);
				if (a && a->info.is_bool) {
					err = set_value(r, a, "false");
					if (err)
						return err;
					continue;
				}
				a = NULL;
			}
			if (!a) {
				char opt[128];

				snprintf(opt, sizeof(opt), "--%.*s", (int)(n < 100 ? n : 100),
					 name);
				suggest(r, opt);
				return -EUNOMIA_ERR_ARG;
			}
			if (eq)
				value = eq + 1;
			else if (a->info.is_bool)
				value = "true";
			else if (i + 1 < argc)
				value = argv[++i];
			else {
				eun_warn(&r->log, "--%s: missing value (%s)", eun_argval__flag(a),
					 a->info.type);
				return -EUNOMIA_ERR_ARG;
			}
		} else if (arg[0] == '-' && arg[1]) {
			a = find_short(r, arg[1]);
			if (!a) {
				char opt[3] = {'-', arg[1], 0};

				suggest(r, opt);
				return -EUNOMIA_ERR_ARG;
			}
			if (a->info.is_bool && arg[2] && arg[2] != '=' &&
			    short_cluster(r, arg + 1)) {
				/* "-xP": several switches at once */
				const char *c;

				for (c = arg + 1; *c; c++) {
					err = set_value(r, find_short(r, *c), "true");
					if (err)
						return err;
				}
				continue;
			}
			if (arg[2])
				value = arg[2] == '=' ? arg + 3 : arg + 2;
			else if (a->info.is_bool)
				value = "true";
			else if (i + 1 < argc)
				value = argv[++i];
			else {
				eun_warn(&r->log, "-%c (--%s): missing value (%s)", arg[1],
					 eun_argval__flag(a), a->info.type);
				return -EUNOMIA_ERR_ARG;
			}
		} else {
			eun_warn(&r->log, "unexpected argument '%s': this tool takes only options",
				 arg);
			return -EUNOMIA_ERR_ARG;
		}
		err = set_value(r, a, value);
		if (err)
			return err;
	}
	return EUNOMIA_ARGS_OK;
}

/* ---- help -------------------------------------------------------------------------------- */

static void left_column(const struct eunomia_runner *r, const struct eun_arg *a, struct strbuf *sb)
{
	enum eun_arg_kind k = eun_argval__kind(eun_argval__btf(r), a->type_id);

	if (a->info.short_name)
		sb_addf(sb, "  -%c, ", a->info.short_name);
	else
		sb_adds(sb, "      ");
	sb_addf(sb, "--%s", a->info.long_name);
	if (k != AK_BOOL)
		sb_addf(sb, "=%s", eun_argval__placeholder(k));
}

int eunomia_runner__help(const struct eunomia_runner *r, FILE *f, const char *prog)
{
	const struct eun_doc *doc;
	struct strbuf sb = STRBUF_INIT, left = STRBUF_INIT;
	size_t i, width = strlen("      --version");
	const char *intro;

	if (!r || !f)
		return -EINVAL;
	doc = &r->meta->doc;
	if (!prog)
		prog = eunomia_package__name(r->pkg);
	intro = doc->brief ? doc->brief : doc->description;
	if (intro)
		sb_addf(&sb, "%s\n\n", intro);
	if (doc->brief && doc->description && strcmp(doc->brief, doc->description) != 0)
		sb_addf(&sb, "%s\n\n", doc->description);
	sb_addf(&sb, "Usage: %s [OPTIONS]\n\nOptions:\n", prog ? prog : "tool");
	for (i = 0; i < r->nr_args; i++) {
		sb_reset(&left);
		left_column(r, &r->args[i], &left);
		if (left.len > width)
			width = left.len;
	}
	for (i = 0; i < r->nr_args; i++) {
		const struct eun_arg *a = &r->args[i];
		enum eun_arg_kind k = eun_argval__kind(eun_argval__btf(r), a->type_id);

		sb_reset(&left);
		left_column(r, a, &left);
		sb_adds(&sb, sb_str(&left));
		sb_pad(&sb, ' ', width - left.len + 3);
		if (a->info.help && *a->info.help)
			sb_addf(&sb, "%s ", a->info.help);
		if (k == AK_STR)
			sb_addf(&sb, "(default: \"%s\")", a->info.default_text);
		else
			sb_addf(&sb, "(default: %s)", a->info.default_text);
		if (k == AK_ENUM) {
			const struct btf *btf = eun_argval__btf(r);
			const struct btf_type *t = btf__type_by_id(btf, a->type_id);
			int j, n = btf_vlen(t);

			sb_adds(&sb, " [");
			for (j = 0; j < n; j++)
				sb_addf(&sb, "%s%s", j ? ", " : "",
					eun_btf_enum_member(btf, t, j, NULL));
			sb_adds(&sb, "]");
		}
		sb_addc(&sb, '\n');
	}
	sb_adds(&sb, "  -h, --help");
	sb_pad(&sb, ' ', width - strlen("  -h, --help") + 3);
	sb_adds(&sb, "Show this help and exit\n");
	sb_adds(&sb, "      --version");
	sb_pad(&sb, ' ', width - strlen("      --version") + 3);
	sb_adds(&sb, "Show the version and exit\n");
	if (doc->details)
		sb_addf(&sb, "\n%s\n", doc->details);
	sb_free(&left);
	if (!sb.buf) {
		sb_free(&sb);
		return -ENOMEM;
	}
	if (fwrite(sb.buf, 1, sb.len, f) != sb.len) {
		sb_free(&sb);
		return -EIO;
	}
	sb_free(&sb);
	return 0;
}

const char *eunomia_runner__version(const struct eunomia_runner *r)
{
	return r && r->meta ? r->meta->doc.version : NULL;
}
