// SPDX-License-Identifier: MIT
/*
 * Tool-argument values typed by BTF: what kind of flag a variable is, its value as text (for
 * --help defaults), and a user's text checked and converted into the variable's bytes.
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

#include "common/btfutil.h"
#include "loader/argval.h"
#include "loader/internal.h"

const struct btf_type *eun_argval__resolve(const struct btf *btf, uint32_t id, uint32_t *out)
{
	return eun_btf_skip(btf, id, EUN_BTF_SKIP_QUALS | EUN_BTF_SKIP_TYPEDEFS, out);
}

static bool is_char_int(const struct btf_type *t)
{
	return t && btf_is_int(t) && t->size == 1 && !(btf_int_encoding(t) & BTF_INT_BOOL);
}

enum eun_arg_kind eun_argval__kind(const struct btf *btf, uint32_t type_id)
{
	const struct btf_type *t = btf__type_by_id(btf, type_id);

	if (!t)
		return AK_UNSUPPORTED;
	if (btf_is_int(t)) {
		uint8_t enc = btf_int_encoding(t);

		if (btf_int_offset(t) != 0 || btf_int_bits(t) != t->size * 8)
			return AK_UNSUPPORTED;
		if (enc & BTF_INT_BOOL)
			return AK_BOOL;
		if (t->size != 1 && t->size != 2 && t->size != 4 && t->size != 8)
			return AK_UNSUPPORTED;
		return enc & BTF_INT_SIGNED ? AK_INT : AK_UINT;
	}
	if (btf_is_any_enum(t))
		return t->size <= 8 ? AK_ENUM : AK_UNSUPPORTED;
	if (btf_is_float(t))
		return t->size == 4 || t->size == 8 ? AK_FLOAT : AK_UNSUPPORTED;
	if (btf_is_array(t)) {
		const struct btf_array *a = btf_array(t);

		if (a->nelems > 0 && is_char_int(eun_argval__resolve(btf, a->type, NULL)))
			return AK_STR;
	}
	return AK_UNSUPPORTED;
}

const char *eun_argval__placeholder(enum eun_arg_kind k)
{
	switch (k) {
	case AK_INT:
		return "INT";
	case AK_UINT:
		return "UINT";
	case AK_ENUM:
		return "ENUM";
	case AK_STR:
		return "STR";
	case AK_FLOAT:
		return "FLOAT";
	default:
		return "VALUE";
	}
}

const struct btf *eun_argval__btf(const struct eunomia_runner *r)
{
	return r->obj ? bpf_object__btf(r->obj) : NULL;
}

/* The writable initial image of the arg's map, or NULL. */
uint8_t *eun_argval__image(const struct eun_arg *a)
{
	size_t sz = 0;
	const void *p = bpf_map__initial_value(a->map, &sz);

	if (!p || (size_t)a->offset + a->size > sz)
		return NULL;
	return (uint8_t *)p + a->offset;
}

/* Little-endian integer access of 1/2/4/8 bytes. */
static uint64_t load_le(const uint8_t *p, uint32_t size)
{
	uint64_t v = 0;
	uint32_t i;

	for (i = 0; i < size; i++)
		v |= (uint64_t)p[i] << (8 * i);
	return v;
}

static void store_le(uint8_t *p, uint32_t size, uint64_t v)
{
	uint32_t i;

	for (i = 0; i < size; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

static int64_t sign_extend(uint64_t v, uint32_t size)
{
	if (size >= 8)
		return (int64_t)v;
	if (v & (1ULL << (size * 8 - 1)))
		v |= ~0ULL << (size * 8);
	return (int64_t)v;
}

static void int_range(uint32_t size, bool is_signed, int64_t *smin, int64_t *smax, uint64_t *umax)
{
	if (is_signed) {
		*smax = size >= 8 ? INT64_MAX : (int64_t)((1ULL << (size * 8 - 1)) - 1);
		*smin = -*smax - 1;
		*umax = 0;
	} else {
		*umax = size >= 8 ? UINT64_MAX : (1ULL << (size * 8)) - 1;
		*smin = *smax = 0;
	}
}

static bool enum_signed(const struct btf_type *t)
{
	return btf_kflag(t);
}

/* Current value of the arg in the image, as text (malloc'ed). */
char *eun_argval__text(const struct eunomia_runner *r, const struct eun_arg *a)
{
	const struct btf *btf = eun_argval__btf(r);
	const struct btf_type *t = btf__type_by_id(btf, a->type_id);
	const uint8_t *p = eun_argval__image(a);
	struct strbuf sb = STRBUF_INIT;
	const char *name;
	uint64_t v;

	if (!p || !t)
		return strdup("?");
	switch (eun_argval__kind(btf, a->type_id)) {
	case AK_BOOL:
		sb_adds(&sb, load_le(p, a->size) ? "true" : "false");
		break;
	case AK_INT:
		sb_addf(&sb, "%" PRId64, sign_extend(load_le(p, a->size), a->size));
		break;
	case AK_UINT:
		sb_addf(&sb, "%" PRIu64, load_le(p, a->size));
		break;
	case AK_ENUM:
		v = load_le(p, a->size);
		name = eun_btf_enum_name(btf, t, v);
		if (name) {
			sb_adds(&sb, name);
		} else {
			if (enum_signed(t))
				sb_addf(&sb, "%" PRId64, sign_extend(v, a->size));
			else
				sb_addf(&sb, "%" PRIu64, v);
		}
		break;
	case AK_STR:
		sb_add(&sb, p, strnlen((const char *)p, a->size));
		break;
	case AK_FLOAT:
		if (a->size == 4) {
			uint32_t bits = (uint32_t)load_le(p, 4);
			float f;

			memcpy(&f, &bits, 4);
			sb_addf(&sb, "%g", (double)f);
		} else {
			uint64_t bits = load_le(p, 8);
			double d;

			memcpy(&d, &bits, 8);
			sb_addf(&sb, "%g", d);
		}
		break;
	default:
		sb_adds(&sb, "?");
		break;
	}
	return sb_detach(&sb);
}

const char *eun_argval__flag(const struct eun_arg *a)
{
	return a->info.long_name;
}

/* Parse text into the arg's bytes (out[size]); 0 or -EUNOMIA_ERR_ARG with a message. */
static int parse_bool(const struct eunomia_runner *r, const struct eun_arg *a, const char *text,
		      uint8_t *out)
{
	if (!strcasecmp(text, "true") || !strcmp(text, "1") || !strcasecmp(text, "yes") ||
	    !strcasecmp(text, "on")) {
		memset(out, 0, a->size);
		out[0] = 1;
		return 0;
	}
	if (!strcasecmp(text, "false") || !strcmp(text, "0") || !strcasecmp(text, "no") ||
	    !strcasecmp(text, "off")) {
		memset(out, 0, a->size);
		return 0;
	}
	eun_warn(&r->log, "--%s: value '%s' is not a boolean (use true or false)",
		 eun_argval__flag(a), text);
	return -EUNOMIA_ERR_ARG;
}

/* Integer limits a variable takes: from its size and signedness. */
struct int_limits {
	enum eun_arg_kind kind; /* AK_INT or AK_UINT */
	int64_t smin, smax;
	uint64_t umax;
};

/*
 * An enum's value by name (exact, then any case): 0 when stored; 1 when text is a number,
 * with the limits it must respect in *lim; or -EUNOMIA_ERR_ARG.
 */
static int parse_enum(const struct eunomia_runner *r, const struct eun_arg *a,
		      const struct btf_type *t, const char *text, uint8_t *out,
		      struct int_limits *lim)
{
	const struct btf *btf = eun_argval__btf(r);
	int i, n = btf_vlen(t);
	uint64_t ev;

	if (!eun_btf_enum_value(btf, t, text, false, &ev) ||
	    !eun_btf_enum_value(btf, t, text, true, &ev)) {
		store_le(out, a->size, ev);
		return 0;
	}
	if (!*text || !(isdigit((unsigned char)text[0]) || text[0] == '-' || text[0] == '+')) {
		struct strbuf names = STRBUF_INIT;

		for (i = 0; i < n; i++) {
			const char *name = eun_btf_enum_member(btf, t, i, NULL);

			sb_addf(&names, "%s%s", i ? ", " : "", name ? name : "?");
		}
		eun_warn(&r->log, "--%s: '%s' is not a value of %s (one of: %s, or a number)",
			 eun_argval__flag(a), text, a->info.type, sb_str(&names));
		sb_free(&names);
		return -EUNOMIA_ERR_ARG;
	}
	/* a number: in the range of the enum's size, either signedness */
	lim->kind = text[0] == '-' || enum_signed(t) ? AK_INT : AK_UINT;
	if (lim->kind == AK_UINT) {
		int_range(a->size, false, &lim->smin, &lim->smax, &lim->umax);
	} else {
		int_range(a->size, true, &lim->smin, &lim->smax, &lim->umax);
		/* accept the unsigned spelling of large values too */
		if (text[0] != '-') {
			int_range(a->size, false, &lim->smin, &lim->smax, &lim->umax);
			lim->kind = AK_UINT;
		}
	}
	return 1;
}

static int parse_integer(const struct eunomia_runner *r, const struct eun_arg *a,
			 const struct btf_type *t, const char *text, uint8_t *out,
			 struct int_limits *lim)
{
	bool neg = text[0] == '-';
	const char *digits = text + (text[0] == '-' || text[0] == '+');
	bool hex = digits[0] == '0' && (digits[1] == 'x' || digits[1] == 'X');
	bool is_signed = lim->kind == AK_INT;
	const char *fl = eun_argval__flag(a), *type = a->info.type;
	unsigned long long mag;
	char *end;

	if (t && btf_is_int(t))
		int_range(a->size, is_signed, &lim->smin, &lim->smax, &lim->umax);
	else if (!t || !btf_is_any_enum(t))
		return -EUNOMIA_ERR_ARG;
	if (a->size == 1 && !btf_is_any_enum(t) && text[0] && !text[1] &&
	    !isdigit((unsigned char)text[0])) {
		/* a char variable given as a character */
		out[0] = (uint8_t)text[0];
		return 0;
	}
	errno = 0;
	mag = !*digits || !isxdigit((unsigned char)digits[hex ? 2 : 0])
		      ? 0
		      : strtoull(digits, &end, hex ? 16 : 10);
	if (!*digits || !isxdigit((unsigned char)digits[hex ? 2 : 0]) || *end) {
		eun_warn(&r->log, "--%s: value '%s' is not an integer (%s)", fl, text, type);
		return -EUNOMIA_ERR_ARG;
	}
	if (is_signed) {
		bool bad = errno == ERANGE ||
			   (neg ? mag > (uint64_t)lim->smax + 1 : mag > (uint64_t)lim->smax);

		if (bad) {
			eun_warn(&r->log,
				 "--%s: value '%s' out of range for %s (%" PRId64 "..%" PRId64 ")",
				 fl, text, type, lim->smin, lim->smax);
			return -EUNOMIA_ERR_ARG;
		}
		store_le(out, a->size, neg ? (uint64_t)0 - mag : mag);
		return 0;
	}
	if (errno == ERANGE || mag > lim->umax || (neg && mag != 0)) {
		eun_warn(&r->log, "--%s: value '%s' out of range for %s (0..%" PRIu64 ")", fl, text,
			 type, lim->umax);
		return -EUNOMIA_ERR_ARG;
	}
	store_le(out, a->size, mag);
	return 0;
}

static int parse_string(const struct eunomia_runner *r, const struct eun_arg *a, const char *text,
			uint8_t *out)
{
	size_t n = strlen(text);

	if (n + 1 > a->size) {
		eun_warn(&r->log, "--%s: value '%s' is too long for %s (at most %u characters)",
			 eun_argval__flag(a), text, a->info.type, a->size - 1);
		return -EUNOMIA_ERR_ARG;
	}
	memset(out, 0, a->size);
	memcpy(out, text, n);
	return 0;
}

static int parse_float(const struct eunomia_runner *r, const struct eun_arg *a, const char *text,
		       uint8_t *out)
{
	const char *fl = eun_argval__flag(a), *type = a->info.type;
	char *end;
	double d;

	errno = 0;
	d = strtod(text, &end);
	if (!*text || *end || isspace((unsigned char)text[0])) {
		eun_warn(&r->log, "--%s: value '%s' is not a number (%s)", fl, text, type);
		return -EUNOMIA_ERR_ARG;
	}
	if (a->size == 4) {
		float f = (float)d;
		uint32_t bits;

		if (isfinite(d) && (errno == ERANGE || fabs(d) > FLT_MAX)) {
			eun_warn(&r->log, "--%s: value '%s' out of range for %s (±%g)", fl, text,
				 type, (double)FLT_MAX);
			return -EUNOMIA_ERR_ARG;
		}
		memcpy(&bits, &f, 4);
		store_le(out, 4, bits);
	} else {
		uint64_t bits;

		if (errno == ERANGE && isinf(d)) {
			eun_warn(&r->log, "--%s: value '%s' out of range for %s (±%g)", fl, text,
				 type, DBL_MAX);
			return -EUNOMIA_ERR_ARG;
		}
		memcpy(&bits, &d, 8);
		store_le(out, 8, bits);
	}
	return 0;
}

int eun_argval__parse(const struct eunomia_runner *r, const struct eun_arg *a, const char *text,
		      uint8_t *out)
{
	const struct btf *btf = eun_argval__btf(r);
	const struct btf_type *t = btf__type_by_id(btf, a->type_id);
	enum eun_arg_kind k = eun_argval__kind(btf, a->type_id);
	struct int_limits lim = {.kind = k};
	int err;

	switch (k) {
	case AK_BOOL:
		return parse_bool(r, a, text, out);
	case AK_ENUM:
		err = parse_enum(r, a, t, text, out, &lim);
		return err == 1 ? parse_integer(r, a, t, text, out, &lim) : err;
	case AK_INT:
	case AK_UINT:
		return parse_integer(r, a, t, text, out, &lim);
	case AK_STR:
		return parse_string(r, a, text, out);
	case AK_FLOAT:
		return parse_float(r, a, text, out);
	default:
		eun_warn(&r->log, "--%s: variables of type %s cannot be set from the command line",
			 eun_argval__flag(a), a->info.type);
		return -EUNOMIA_ERR_ARG;
	}
}
