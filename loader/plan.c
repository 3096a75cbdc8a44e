// SPDX-License-Identifier: MIT
/*
 * The decoder: a plan per event type, built once at set-up, that turns a record into a line.
 * The type's members become steps (offset, size, kind, pre-escaped JSON key, column width);
 * integers, bools, pointers and char strings are formatted by the steps themselves, any other
 * member (enums, floats, bitfields, nested structs, arrays, 128-bit integers) by the BTF walker
 * (decoder.c) on that member alone. Every record, whole or truncated, goes through the same
 * steps: a step whose bytes are missing prints the walker's missing marker. One-off lines
 * (eun_dec_event, eun_dec_plain_cells) build a plan and use it once.
 */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <bpf/btf.h>

#include "common/util.h"
#include "loader/decoder.h"
#include "loader/plan.h"

enum plan_kind {
	PK_S8,
	PK_S16,
	PK_S32,
	PK_S64,
	PK_U8,
	PK_U16,
	PK_U32,
	PK_U64,
	PK_BOOL,
	PK_STR,
	PK_PTR32,
	PK_PTR64,
	PK_WALK, /* anything else: the BTF walker on this member */
};

/* ---- columns (plain mode) ---- */

static int pad_to(struct strbuf *sb, size_t start, size_t width)
{
	size_t used = sb->len - start;

	if (used < width)
		return sb_pad(sb, ' ', width - used + 1);
	return sb_addc(sb, ' ');
}

/*
 * A column is as wide as its name and as what its type usually holds, as bcc tools lay
 * them out: a comm (char[16]) 16, a pid (32-bit int) 7, a pointer 18 ("0x" and 16 digits), so
 * that ordinary values never shift the row. Long strings are capped: they go last in most
 * events and would make every row wide.
 */
#define COL_MAX_STR 32

static size_t type_width(const struct btf *btf, uint32_t type)
{
	const struct btf_type *t;
	size_t sz;
	int sgn;

	if (!btf || !type)
		return 0;
	type = eun_btf_skip_mods(btf, type);
	t = type ? btf__type_by_id(btf, type) : NULL;
	if (!t)
		return 0;
	if (btf_is_ptr(t))
		return 18;
	if (btf_is_array(t) && eun_dec_is_plain_char(btf, btf_array(t)->type))
		return btf_array(t)->nelems < COL_MAX_STR ? btf_array(t)->nelems : COL_MAX_STR;
	if (btf_is_any_enum(t))
		return 0; /* NAME(value): as long as its names */
	if (eun_btf_int_info(btf, type, &sz, &sgn))
		return sz <= 1 ? 4 : sz == 2 ? 6 : sz == 4 ? 7 : 12;
	return 0;
}

static size_t col_width(const struct btf *btf, uint32_t type, const char *name)
{
	size_t n = strlen(name), w = type_width(btf, type);

	if (n < w)
		n = w;
	return n < EUN_DEC_MIN_COL ? EUN_DEC_MIN_COL : n;
}

static int header_cell(struct strbuf *sb, const struct btf *btf, uint32_t type, const char *name)
{
	size_t start = sb->len, i;
	int err;

	err = sb_adds(sb, name);
	if (err)
		return err;
	for (i = start; i < sb->len; i++)
		sb->buf[i] = (char)toupper((unsigned char)sb->buf[i]);
	return pad_to(sb, start, col_width(btf, type, name));
}

static const struct btf_type *composite_of(const struct btf *btf, uint32_t id)
{
	const struct btf_type *t;

	id = eun_btf_skip_mods(btf, id);
	t = id ? btf__type_by_id(btf, id) : NULL;
	return t && btf_is_composite(t) ? t : NULL;
}

int eun_dec_plain_header(struct strbuf *sb, const struct btf *btf, uint32_t id,
			 const char *scalar_name)
{
	const struct btf_type *t = composite_of(btf, id);
	int i, err = 0;

	if (!t)
		return header_cell(sb, btf, id, scalar_name);
	for (i = 0; i < btf_vlen(t) && !err; i++) {
		const char *name = btf__name_by_offset(btf, btf_members(t)[i].name_off);

		err = header_cell(sb, btf, btf_members(t)[i].type, name ? name : "");
	}
	return err;
}

void eun_sb_rtrim(struct strbuf *sb)
{
	while (sb->len && sb->buf[sb->len - 1] == ' ')
		sb->buf[--sb->len] = '\0';
}

void eun_timestr(char *buf, size_t size)
{
	time_t now = time(NULL);
	struct tm tm;

	if (!localtime_r(&now, &tm) || !strftime(buf, size, "%H:%M:%S", &tm))
		snprintf(buf, size, "00:00:00");
}

int eun_dec_event_header(struct strbuf *sb, const struct btf *btf, uint32_t id)
{
	int err;

	err = sb_adds(sb, "TIME     ");
	if (!err)
		err = eun_dec_plain_header(sb, btf, id, "value");
	eun_sb_rtrim(sb);
	return err;
}

/* ---- plans ---- */

/* Longest value text of a fast kind (not PK_STR): "-9223372036854775808", 20 digits. */
#define PLAN_NUM_MAX 20
/* Char arrays longer than this go through the walker (reservation per event stays small). */
#define PLAN_MAX_STR 4096
/* JSON steps after flattening anonymous members, at most: a hostile type that holds itself
 * anonymously twice would make 2^32; past this the walker prints the whole record. */
#define PLAN_MAX_STEPS 65536

struct plan_step {
	enum plan_kind kind;
	int depth;	  /* walker depth of the member (PK_WALK) */
	size_t off;	  /* byte offset of the value; PK_WALK: base offset of the member */
	size_t len;	  /* PK_STR: array length */
	uint32_t type_id; /* PK_WALK: member type */
	uint32_t bit_off; /* PK_WALK: member bit offset from off */
	uint32_t bit_sz;  /* PK_WALK: bitfield size */
	size_t width;	  /* plain: column width */
	size_t lit_off;	  /* JSON: ",\"key\":" in plan->lits */
	size_t lit_len;
};

struct eun_dec_plan {
	const struct btf *btf;
	uint32_t id;
	enum eunomia_format fmt;
	bool braces;	 /* JSON: the steps are an object's members */
	size_t max_fast; /* bytes the fast steps (and literals) can write, at most */
	struct plan_step *steps;
	size_t nr_steps, cap_steps;
	struct strbuf lits;
	bool first_key;
};

static struct plan_step *plan_add(struct eun_dec_plan *p)
{
	struct plan_step *s;

	if (p->nr_steps >= PLAN_MAX_STEPS)
		return NULL;
	if (p->nr_steps == p->cap_steps) {
		size_t cap = p->cap_steps ? p->cap_steps * 2 : 16;

		s = realloc(p->steps, cap * sizeof(*s));
		if (!s)
			return NULL;
		p->steps = s;
		p->cap_steps = cap;
	}
	s = &p->steps[p->nr_steps++];
	memset(s, 0, sizeof(*s));
	return s;
}

/* Kind of a member value printed by a fast step; PK_WALK when the walker must do it. */
static enum plan_kind plan_kind_of(const struct btf *btf, uint32_t type, uint32_t bit_off,
				   uint32_t bit_sz, size_t *vsize)
{
	const struct btf_type *t;
	uint32_t id;

	if (bit_sz || bit_off % 8)
		return PK_WALK;
	id = eun_btf_skip_mods(btf, type);
	t = id ? btf__type_by_id(btf, id) : NULL;
	if (!t)
		return PK_WALK;
	if (btf_is_int(t)) {
		uint32_t info = *(const uint32_t *)(t + 1);
		bool is_signed = btf_int_encoding(t) & BTF_INT_SIGNED;

		if (BTF_INT_OFFSET(info) || BTF_INT_BITS(info) != t->size * 8)
			return PK_WALK;
		*vsize = t->size;
		if (btf_int_encoding(t) & BTF_INT_BOOL)
			return t->size <= 8 ? PK_BOOL : PK_WALK;
		switch (t->size) {
		case 1:
			return is_signed ? PK_S8 : PK_U8;
		case 2:
			return is_signed ? PK_S16 : PK_U16;
		case 4:
			return is_signed ? PK_S32 : PK_U32;
		case 8:
			return is_signed ? PK_S64 : PK_U64;
		default:
			return PK_WALK;
		}
	}
	if (btf_is_ptr(t)) {
		size_t psz = btf__pointer_size(btf);

		if (psz != 4 && psz != 8)
			psz = sizeof(void *);
		*vsize = psz;
		return psz == 4 ? PK_PTR32 : PK_PTR64;
	}
	if (btf_is_array(t)) {
		const struct btf_array *a = btf_array(t);

		if (btf__resolve_size(btf, a->type) < 0 || !eun_dec_is_plain_char(btf, a->type) ||
		    a->nelems > PLAN_MAX_STR)
			return PK_WALK;
		*vsize = a->nelems;
		return PK_STR;
	}
	return PK_WALK;
}

/* Bytes a fast value can take (without key or padding), the missing marker included. */
static size_t plan_value_max(const struct eun_dec_plan *p, const struct plan_step *s)
{
	size_t n = s->kind == PK_STR ? JSON_ESCAPE_MAX(s->len) + 2 : PLAN_NUM_MAX;

	return n < sizeof(EUN_DEC_TRUNC) ? sizeof(EUN_DEC_TRUNC) : n;
}

static int plan_step_common(struct eun_dec_plan *p, struct plan_step *s, uint32_t type, size_t off,
			    uint32_t bit_off, uint32_t bit_sz)
{
	size_t vsize = 0;

	s->kind = plan_kind_of(p->btf, type, bit_off, bit_sz, &vsize);
	s->type_id = type;
	if (s->kind == PK_WALK) {
		s->off = off;
		s->bit_off = bit_off;
		s->bit_sz = bit_sz;
		return 0;
	}
	s->off = off + bit_off / 8;
	s->len = vsize;
	p->max_fast += plan_value_max(p, s);
	return 0;
}

/* JSON: the members of t at off, anonymous struct/union members flattened (as dump_members). */
static int plan_json_members(struct eun_dec_plan *p, const struct btf_type *t, size_t off,
			     int depth)
{
	const struct btf_member *m = btf_members(t);
	int i, n = btf_vlen(t), err;

	for (i = 0; i < n; i++, m++) {
		const char *name = btf__name_by_offset(p->btf, m->name_off);
		uint32_t bit_off = btf_member_bit_offset(t, i);
		uint32_t bit_sz = btf_member_bitfield_size(t, i);
		uint32_t mid = eun_btf_skip_mods(p->btf, m->type);
		const struct btf_type *mt = mid ? btf__type_by_id(p->btf, mid) : NULL;
		struct plan_step *s;
		size_t lit;

		if ((!name || !*name) && mt && btf_is_composite(mt) && !bit_sz &&
		    bit_off % 8 == 0 && depth < EUN_DEC_MAX_DEPTH) {
			err = plan_json_members(p, mt, off + bit_off / 8, depth + 1);
			if (err)
				return err;
			continue;
		}
		s = plan_add(p);
		if (!s)
			return p->nr_steps >= PLAN_MAX_STEPS ? -E2BIG : -ENOMEM;
		lit = p->lits.len;
		err = sb_addc(&p->lits, p->first_key ? '{' : ',');
		if (!err)
			err = json_escape_str(&p->lits, name ? name : "", strlen(name ? name : ""));
		if (!err)
			err = sb_addc(&p->lits, ':');
		if (err)
			return err;
		p->first_key = false;
		s->lit_off = lit;
		s->lit_len = p->lits.len - lit;
		s->depth = depth;
		p->max_fast += s->lit_len;
		err = plan_step_common(p, s, m->type, off, bit_off, bit_sz);
		if (err)
			return err;
	}
	return 0;
}

/* Plain: one cell per top-level member (as eun_dec_plain_cells). */
static int plan_plain_members(struct eun_dec_plan *p, const struct btf_type *t)
{
	int i, n = btf_vlen(t), err;

	for (i = 0; i < n; i++) {
		const struct btf_member *m = btf_members(t) + i;
		const char *name = btf__name_by_offset(p->btf, m->name_off);
		struct plan_step *s = plan_add(p);

		if (!s)
			return p->nr_steps >= PLAN_MAX_STEPS ? -E2BIG : -ENOMEM;
		s->width = col_width(p->btf, m->type, name ? name : "");
		err = plan_step_common(p, s, m->type, 0, btf_member_bit_offset(t, i),
				       btf_member_bitfield_size(t, i));
		if (err)
			return err;
		p->max_fast += s->width + 1;
	}
	return 0;
}

void eun_dec_plan_free(struct eun_dec_plan *p)
{
	if (!p)
		return;
	free(p->steps);
	sb_free(&p->lits);
	free(p);
}

/* The whole value as one step for the walker: scalars, and types too big to flatten. */
static int plan_whole(struct eun_dec_plan *p, const char *scalar_name)
{
	struct plan_step *s;

	p->nr_steps = 0;
	p->max_fast = 0;
	p->braces = false;
	sb_reset(&p->lits);
	s = plan_add(p);
	if (!s)
		return -ENOMEM;
	s->kind = PK_WALK;
	s->type_id = p->id;
	s->width = p->fmt == EUNOMIA_FMT_JSON ? 0 : col_width(p->btf, p->id, scalar_name);
	p->max_fast = s->width + 1;
	return 0;
}

static struct eun_dec_plan *plan_build(const struct btf *btf, uint32_t id, enum eunomia_format fmt,
				       const char *scalar_name)
{
	struct eun_dec_plan *p = calloc(1, sizeof(*p));
	const struct btf_type *t;
	int err = 0;

	if (!p) {
		errno = ENOMEM;
		return NULL;
	}
	p->btf = btf;
	p->id = id;
	p->fmt = fmt;
	p->first_key = true;
	if (fmt == EUNOMIA_FMT_RAW)
		return p; /* bytes as hex: no steps */
	t = btf && id ? composite_of(btf, id) : NULL;
	if (!t) {
		err = plan_whole(p, scalar_name);
	} else if (fmt == EUNOMIA_FMT_JSON) {
		p->braces = true;
		err = plan_json_members(p, t, 0, 1);
		if (err == -E2BIG)
			err = plan_whole(p, scalar_name);
	} else {
		err = plan_plain_members(p, t);
	}
	if (err) {
		eun_dec_plan_free(p);
		errno = -err;
		return NULL;
	}
	p->max_fast += 2;
	return p;
}

struct eun_dec_plan *eun_dec_plan_new(const struct btf *btf, uint32_t id, enum eunomia_format fmt)
{
	return plan_build(btf, id, fmt, "value");
}

static size_t plan_u64(char *dst, uint64_t v)
{
	return u64_to_dec(dst, v);
}

/* The walker's marker for bytes the record does not have. */
static size_t plan_missing(char *dst, bool json)
{
	const char *m = json ? "null" : EUN_DEC_TRUNC;
	size_t n = strlen(m);

	memcpy(dst, m, n);
	return n;
}

/* One fast value at dst (room reserved) from a record of size bytes; returns the bytes
 * written. A string prints the bytes that fit; any other value needs all of its own. */
static size_t plan_value(char *dst, const struct plan_step *s, const unsigned char *data,
			 size_t size, bool json)
{
	size_t n, avail = data && s->off <= size ? size - s->off : 0;
	const unsigned char *v = avail ? data + s->off : (const unsigned char *)"";

	if (s->kind == PK_STR) {
		if (avail > s->len)
			avail = s->len;
		if (!avail && s->len)
			return plan_missing(dst, json);
		n = avail ? strnlen((const char *)v, avail) : 0;
		if (!json)
			return json_escape_raw(dst, v, n);
		dst[0] = '"';
		n = json_escape_raw(dst + 1, v, n) + 1;
		dst[n] = '"';
		return n + 1;
	}
	if (avail < s->len)
		return plan_missing(dst, json);
	switch (s->kind) {
	case PK_S8:
		return s64_to_dec(dst, *(const int8_t *)v);
	case PK_U8:
		return plan_u64(dst, *v);
	case PK_S16: {
		int16_t x;

		memcpy(&x, v, sizeof(x));
		return s64_to_dec(dst, x);
	}
	case PK_U16: {
		uint16_t x;

		memcpy(&x, v, sizeof(x));
		return plan_u64(dst, x);
	}
	case PK_S32: {
		int32_t x;

		memcpy(&x, v, sizeof(x));
		return s64_to_dec(dst, x);
	}
	case PK_U32: {
		uint32_t x;

		memcpy(&x, v, sizeof(x));
		return plan_u64(dst, x);
	}
	case PK_S64: {
		int64_t x;

		memcpy(&x, v, sizeof(x));
		return s64_to_dec(dst, x);
	}
	case PK_U64: {
		uint64_t x;

		memcpy(&x, v, sizeof(x));
		return plan_u64(dst, x);
	}
	case PK_BOOL: {
		size_t i;
		bool b = false;

		for (i = 0; i < s->len; i++)
			b |= v[i] != 0;
		memcpy(dst, b ? "true" : "false", b ? 4 : 5);
		return b ? 4 : 5;
	}
	case PK_PTR32:
	case PK_PTR64: {
		uint64_t x;

		if (s->kind == PK_PTR32) {
			uint32_t y;

			memcpy(&y, v, sizeof(y));
			x = y;
		} else {
			memcpy(&x, v, sizeof(x));
		}
		if (json)
			return plan_u64(dst, x);
		/* plain: 0x%llx */
		{
			char tmp[16];
			int k = 16;

			do {
				tmp[--k] = eun_hex_digits[x & 0xf];
				x >>= 4;
			} while (x);
			dst[0] = '0';
			dst[1] = 'x';
			memcpy(dst + 2, tmp + k, (size_t)(16 - k));
			return (size_t)(18 - k);
		}
	}
	case PK_WALK:
	default:
		return 0;
	}
}

static int plan_walk(struct strbuf *sb, const struct eun_dec_plan *p, const struct plan_step *s,
		     const void *data, size_t size, size_t *budget)
{
	struct eun_dec_at at = {
		.off = s->off, .bit_off = s->bit_off, .bit_sz = s->bit_sz, .depth = s->depth};

	return eun_dec_walk(sb, p->btf, p->fmt == EUNOMIA_FMT_JSON, s->type_id, data, size, &at,
			    budget);
}

static int plan_raw(struct strbuf *sb, const void *data, size_t size, const char *timestr,
		    const char *label)
{
	size_t tl = strlen(timestr), ll;
	char *d;
	int err;

	label = label ? label : "-";
	ll = strlen(label);
	err = sb_grow(sb, tl + ll + 24);
	if (err)
		return err;
	d = sb->buf + sb->len;
	memcpy(d, timestr, tl);
	d += tl;
	*d++ = ' ';
	memcpy(d, label, ll);
	d += ll;
	*d++ = ' ';
	d += u64_to_dec(d, size);
	*d++ = ' ';
	sb->len = (size_t)(d - sb->buf);
	sb->buf[sb->len] = '\0';
	return eun_dec_hex(sb, data, size);
}

/* The steps' output at d (room for p->max_fast reserved); plain cells are padded, not trimmed. */
static int plan_steps(struct strbuf *sb, const struct eun_dec_plan *p, char **dp, const void *data,
		      size_t size)
{
	bool json = p->fmt == EUNOMIA_FMT_JSON;
	size_t budget = eun_dec_budget(data, size), i;
	char *d = *dp;
	int err;

	if (json && p->braces && !p->nr_steps)
		*d++ = '{';
	for (i = 0; i < p->nr_steps; i++) {
		const struct plan_step *s = &p->steps[i];
		size_t used;
		char *v;

		if (json && s->lit_len) {
			memcpy(d, p->lits.buf + s->lit_off, s->lit_len);
			d += s->lit_len;
		}
		if (s->kind != PK_WALK) {
			v = d;
			d += plan_value(d, s, data, size, json);
		} else {
			/* the walker appends through sb: sync, run, reserve again */
			size_t start = (size_t)(d - sb->buf);

			sb->len = start;
			sb->buf[start] = '\0';
			err = plan_walk(sb, p, s, data, size, &budget);
			if (!err)
				err = sb_grow(sb, p->max_fast);
			if (err)
				return err;
			v = sb->buf + start;
			d = sb->buf + sb->len;
		}
		if (!json) {
			used = (size_t)(d - v);
			if (used < s->width) {
				memset(d, ' ', s->width - used + 1);
				d += s->width - used + 1;
			} else {
				*d++ = ' ';
			}
		}
	}
	if (json && p->braces)
		*d++ = '}';
	*dp = d;
	return 0;
}

int eun_dec_plan_event(struct strbuf *sb, const struct eun_dec_plan *p, const void *data,
		       size_t size, const char *timestr, const char *label)
{
	bool json = p->fmt == EUNOMIA_FMT_JSON;
	size_t line = sb->len, tl = 0;
	char *d;
	int err;

	if (!data)
		size = 0;
	if (!timestr)
		timestr = "";
	if (p->fmt == EUNOMIA_FMT_RAW)
		return plan_raw(sb, data, size, timestr, label);
	if (!json)
		tl = strlen(timestr);
	if (!sb->buf || sb->cap - sb->len <= p->max_fast + tl) {
		err = sb_grow(sb, p->max_fast + tl);
		if (err)
			return err;
	}
	d = sb->buf + sb->len;
	if (!json) {
		memcpy(d, timestr, tl);
		d += tl;
		*d++ = ' ';
	}
	err = plan_steps(sb, p, &d, data, size);
	if (err)
		return err;
	if (!json) {
		while (d > sb->buf + line && d[-1] == ' ')
			d--;
	}
	sb->len = (size_t)(d - sb->buf);
	sb->buf[sb->len] = '\0';
	return 0;
}

int eun_dec_event(struct strbuf *sb, enum eunomia_format fmt, const struct btf *btf, uint32_t id,
		  const void *data, size_t size, const char *timestr, const char *label)
{
	struct eun_dec_plan *p = eun_dec_plan_new(btf, id, fmt);
	int err;

	if (!p)
		return -errno;
	err = eun_dec_plan_event(sb, p, data, size, timestr, label);
	eun_dec_plan_free(p);
	return err;
}

int eun_dec_plain_cells(struct strbuf *sb, const struct btf *btf, uint32_t id, const void *data,
			size_t size, const char *scalar_name)
{
	struct eun_dec_plan *p = plan_build(btf, id, EUNOMIA_FMT_PLAIN, scalar_name);
	char *d;
	int err;

	if (!p)
		return -errno;
	if (!data)
		size = 0;
	err = sb_grow(sb, p->max_fast);
	if (!err) {
		d = sb->buf + sb->len;
		err = plan_steps(sb, p, &d, data, size);
		if (!err) {
			sb->len = (size_t)(d - sb->buf);
			sb->buf[sb->len] = '\0';
		}
	}
	eun_dec_plan_free(p);
	return err;
}
