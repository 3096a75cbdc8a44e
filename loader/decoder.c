// SPDX-License-Identifier: MIT
/*
 * BTF-driven record walker. The walker knows BTF and bounds; the printer back ends know text.
 * Every read goes through dec_fits() against the record size given by the caller (records
 * come from the kernel, types from an untrusted package).
 */
#include "loader/decoder.h"
#include "common/util.h"
#include "loader/plan.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <bpf/btf.h>

#define DEC_MAX_DEPTH EUN_DEC_MAX_DEPTH

struct dec;

/* The printer interface: one call per value kind, written once per back end. */
struct dec_printer_ops {
	int (*sint)(struct dec *d, int64_t v);
	int (*uint)(struct dec *d, uint64_t v);
	int (*i128)(struct dec *d, unsigned __int128 v, bool is_signed);
	int (*boolean)(struct dec *d, bool v);
	int (*string)(struct dec *d, const void *s, size_t len);
	int (*enumval)(struct dec *d, const char *name, int64_t sv, uint64_t uv, bool is_signed);
	int (*fp)(struct dec *d, long double v);
	int (*ptr)(struct dec *d, uint64_t v);
	int (*begin)(struct dec *d, bool object);
	int (*end)(struct dec *d, bool object);
	int (*key)(struct dec *d, const char *name);
	int (*missing)(struct dec *d);
	int (*hex)(struct dec *d, const void *data, size_t len);
};

struct dec {
	const struct btf *btf;
	const struct dec_printer_ops *ops;
	const unsigned char *data;
	size_t size;
	int depth;
	/* Values left to visit. DEC_MAX_DEPTH bounds the depth, not the breadth: a hostile BTF
	 * whose struct holds itself twice would otherwise make one record 2^32 values. */
	size_t budget;
	struct jsonw *w;   /* JSON back end, and plain composites */
	struct strbuf *sb; /* plain / raw back ends */
	struct jsonw own_w;
};

/* ---- JSON back end ---- */

static int js_sint(struct dec *d, int64_t v)
{
	return jsonw_s64(d->w, v);
}

static int js_uint(struct dec *d, uint64_t v)
{
	return jsonw_u64(d->w, v);
}

static int js_i128(struct dec *d, unsigned __int128 v, bool is_signed)
{
	return is_signed ? jsonw_s128(d->w, (__int128)v) : jsonw_u128(d->w, v);
}

static int js_bool(struct dec *d, bool v)
{
	return jsonw_bool(d->w, v);
}

static int js_string(struct dec *d, const void *s, size_t len)
{
	return jsonw_string_len(d->w, s, len);
}

static int enum_text(struct strbuf *sb, const char *name, int64_t sv, uint64_t uv, bool is_signed)
{
	if (is_signed)
		return sb_addf(sb, "%s(%lld)", name ? name : "", (long long)sv);
	return sb_addf(sb, "%s(%llu)", name ? name : "", (unsigned long long)uv);
}

static int js_enum(struct dec *d, const char *name, int64_t sv, uint64_t uv, bool is_signed)
{
	struct strbuf t = STRBUF_INIT;
	int err;

	err = enum_text(&t, name, sv, uv, is_signed);
	if (!err)
		err = jsonw_string_len(d->w, sb_str(&t), t.len);
	sb_free(&t);
	return err;
}

static int js_fp(struct dec *d, long double v)
{
	return jsonw_double(d->w, (double)v);
}

static int js_ptr(struct dec *d, uint64_t v)
{
	return jsonw_u64(d->w, v);
}

static int js_begin(struct dec *d, bool object)
{
	return object ? jsonw_start_object(d->w) : jsonw_start_array(d->w);
}

static int js_end(struct dec *d, bool object)
{
	return object ? jsonw_end_object(d->w) : jsonw_end_array(d->w);
}

static int js_key(struct dec *d, const char *name)
{
	return jsonw_key(d->w, name);
}

static int js_missing(struct dec *d)
{
	return jsonw_null(d->w);
}

static int js_hex(struct dec *d, const void *data, size_t len)
{
	struct strbuf t = STRBUF_INIT;
	int err;

	err = sb_adds(&t, "0x");
	if (!err)
		err = eun_dec_hex(&t, data, len);
	if (!err)
		err = jsonw_string_len(d->w, sb_str(&t), t.len);
	sb_free(&t);
	return err;
}

static const struct dec_printer_ops json_ops = {
	.sint = js_sint,
	.uint = js_uint,
	.i128 = js_i128,
	.boolean = js_bool,
	.string = js_string,
	.enumval = js_enum,
	.fp = js_fp,
	.ptr = js_ptr,
	.begin = js_begin,
	.end = js_end,
	.key = js_key,
	.missing = js_missing,
	.hex = js_hex,
};

/* ---- plain back end: bare scalars at the top, compact JSON inside composites ---- */

static int pl_sint(struct dec *d, int64_t v)
{
	return d->depth ? js_sint(d, v) : sb_addf(d->sb, "%lld", (long long)v);
}

static int pl_uint(struct dec *d, uint64_t v)
{
	return d->depth ? js_uint(d, v) : sb_addf(d->sb, "%llu", (unsigned long long)v);
}

static int pl_i128(struct dec *d, unsigned __int128 v, bool is_signed)
{
	char buf[44];

	if (d->depth)
		return js_i128(d, v, is_signed);
	return sb_adds(d->sb, is_signed ? s128_to_str((__int128)v, buf) : u128_to_str(v, buf));
}

static int pl_bool(struct dec *d, bool v)
{
	return d->depth ? js_bool(d, v) : sb_adds(d->sb, v ? "true" : "false");
}

static int pl_string(struct dec *d, const void *s, size_t len)
{
	return d->depth ? js_string(d, s, len) : json_escape_body(d->sb, s, len);
}

static int pl_enum(struct dec *d, const char *name, int64_t sv, uint64_t uv, bool is_signed)
{
	if (d->depth)
		return js_enum(d, name, sv, uv, is_signed);
	return enum_text(d->sb, name, sv, uv, is_signed);
}

static int pl_fp(struct dec *d, long double v)
{
	char buf[40];

	if (d->depth)
		return js_fp(d, v);
	if (isnan(v))
		return sb_adds(d->sb, "nan");
	if (isinf(v))
		return sb_adds(d->sb, v < 0 ? "-inf" : "inf");
	return sb_adds(d->sb, double_to_str((double)v, buf, sizeof(buf)));
}

static int pl_ptr(struct dec *d, uint64_t v)
{
	return d->depth ? js_ptr(d, v) : sb_addf(d->sb, "0x%llx", (unsigned long long)v);
}

static int pl_begin(struct dec *d, bool object)
{
	return js_begin(d, object);
}

static int pl_end(struct dec *d, bool object)
{
	return js_end(d, object);
}

static int pl_key(struct dec *d, const char *name)
{
	return js_key(d, name);
}

static int pl_missing(struct dec *d)
{
	return d->depth ? js_missing(d) : sb_adds(d->sb, EUN_DEC_TRUNC);
}

static int pl_hex(struct dec *d, const void *data, size_t len)
{
	int err;

	if (d->depth)
		return js_hex(d, data, len);
	err = sb_adds(d->sb, "0x");
	return err ? err : eun_dec_hex(d->sb, data, len);
}

static const struct dec_printer_ops plain_ops = {
	.sint = pl_sint,
	.uint = pl_uint,
	.i128 = pl_i128,
	.boolean = pl_bool,
	.string = pl_string,
	.enumval = pl_enum,
	.fp = pl_fp,
	.ptr = pl_ptr,
	.begin = pl_begin,
	.end = pl_end,
	.key = pl_key,
	.missing = pl_missing,
	.hex = pl_hex,
};

/* ---- raw back end: bytes as hex ---- */

int eun_dec_hex(struct strbuf *sb, const void *data, size_t size)
{
	int err;

	if (size > ((size_t)-1) / 4)
		return -ENOMEM;
	err = sb_grow(sb, size * 2);
	if (err)
		return err;
	eun_hex_encode(sb->buf + sb->len, data, size);
	sb->len += size * 2;
	return 0;
}

/* ---- BTF helpers ---- */

int eun_btf_int_info(const struct btf *btf, uint32_t id, size_t *size, int *is_signed)
{
	const struct btf_type *t;

	id = eun_btf_skip_mods(btf, id);
	t = id ? btf__type_by_id(btf, id) : NULL;
	if (!t || !btf_is_int(t) || (btf_int_encoding(t) & BTF_INT_BOOL))
		return 0;
	if (size)
		*size = t->size;
	if (is_signed)
		*is_signed = !!(btf_int_encoding(t) & BTF_INT_SIGNED);
	return 1;
}

/* Plain `char` (not signed/unsigned char), possibly behind typedefs. */
bool eun_dec_is_plain_char(const struct btf *btf, uint32_t id)
{
	const struct btf_type *t;
	const char *name;

	id = eun_btf_skip_mods(btf, id);
	t = id ? btf__type_by_id(btf, id) : NULL;
	if (!t || !btf_is_int(t) || t->size != 1)
		return false;
	name = btf__name_by_offset(btf, t->name_off);
	return name && strcmp(name, "char") == 0;
}

static bool dec_fits(const struct dec *d, size_t off, size_t len)
{
	return off <= d->size && len <= d->size - off;
}

/* Read bit_sz bits starting bit_off bits into data+off (little-endian bit numbering). */
static int read_bits(const struct dec *d, size_t off, unsigned int bit_off, unsigned int bit_sz,
		     bool is_signed, unsigned __int128 *out)
{
	unsigned __int128 v = 0;
	size_t nbytes, i;

	off += bit_off / 8;
	bit_off %= 8;
	nbytes = (bit_off + bit_sz + 7) / 8;
	if (bit_sz == 0 || bit_sz > 128 || nbytes > 16)
		return -EINVAL;
	if (!dec_fits(d, off, nbytes))
		return -ERANGE;
#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
	for (i = nbytes; i > 0; i--)
		v = (v << 8) | d->data[off + i - 1];
	v >>= bit_off;
#else
	for (i = 0; i < nbytes; i++)
		v = (v << 8) | d->data[off + i];
	v >>= nbytes * 8 - bit_off - bit_sz;
#endif
	if (bit_sz < 128) {
		v &= ((unsigned __int128)1 << bit_sz) - 1;
		if (is_signed && (v >> (bit_sz - 1)) & 1)
			v |= ~(((unsigned __int128)1 << bit_sz) - 1);
	}
	*out = v;
	return 0;
}

static int emit_int(struct dec *d, unsigned __int128 v, unsigned int bits, bool is_signed,
		    bool is_bool)
{
	if (is_bool)
		return d->ops->boolean(d, v != 0);
	if (bits > 64)
		return d->ops->i128(d, v, is_signed);
	if (is_signed)
		return d->ops->sint(d, (int64_t)(__int128)v);
	return d->ops->uint(d, (uint64_t)v);
}

static int dump_type(struct dec *d, uint32_t id, size_t off);

/* An int member that is a bitfield (struct member bitfield or legacy BTF_INT_OFFSET). */
static int dump_bitfield(struct dec *d, uint32_t id, size_t off, unsigned int bit_off,
			 unsigned int bit_sz)
{
	const struct btf_type *t;
	unsigned __int128 v;
	bool is_signed = false, is_bool = false;
	int err;

	id = eun_btf_skip_mods(d->btf, id);
	t = id ? btf__type_by_id(d->btf, id) : NULL;
	if (t && btf_is_int(t)) {
		is_signed = btf_int_encoding(t) & BTF_INT_SIGNED;
		is_bool = btf_int_encoding(t) & BTF_INT_BOOL;
		if (!bit_sz) {
			/* legacy (non-kflag) bitfield: the int type carries offset and bits */
			uint32_t info = *(const uint32_t *)(t + 1);

			bit_off += BTF_INT_OFFSET(info);
			bit_sz = BTF_INT_BITS(info);
		}
	} else if (t && btf_is_any_enum(t)) {
		is_signed = btf_kflag(t);
		if (!bit_sz)
			bit_sz = t->size * 8;
	}
	err = read_bits(d, off, bit_off, bit_sz, is_signed, &v);
	if (err)
		return d->ops->missing(d);
	if (t && btf_is_any_enum(t) && bit_sz <= 64) {
		/* enum bitfield: look the value up like a full enum */
		const char *name = eun_btf_enum_name(d->btf, t, (uint64_t)v);

		return d->ops->enumval(d, name, (int64_t)v, (uint64_t)v, is_signed);
	}
	return emit_int(d, v, bit_sz, is_signed, is_bool);
}

static int dump_int(struct dec *d, const struct btf_type *t, size_t off)
{
	uint32_t info = *(const uint32_t *)(t + 1);
	unsigned int bits = BTF_INT_BITS(info), bit_off = BTF_INT_OFFSET(info);
	bool is_signed = btf_int_encoding(t) & BTF_INT_SIGNED;
	bool is_bool = btf_int_encoding(t) & BTF_INT_BOOL;
	unsigned __int128 v;
	int err;

	if (!dec_fits(d, off, t->size))
		return d->ops->missing(d);
	if (t->size > 16 || bits > 128 || bits == 0)
		return d->ops->hex(d, d->data + off, t->size);
	err = read_bits(d, off, bit_off, bits, is_signed, &v);
	if (err == -ERANGE)
		return d->ops->missing(d);
	if (err)
		return d->ops->hex(d, d->data + off, t->size);
	return emit_int(d, v, bits, is_signed, is_bool);
}

static int dump_enum(struct dec *d, const struct btf_type *t, size_t off)
{
	bool is_signed = btf_kflag(t);
	unsigned __int128 v;
	uint64_t uv;
	int err;

	if (t->size == 0 || t->size > 8 || !dec_fits(d, off, t->size))
		return d->ops->missing(d);
	err = read_bits(d, off, 0, t->size * 8, is_signed, &v);
	if (err)
		return d->ops->missing(d);
	uv = (uint64_t)v;
	return d->ops->enumval(d, eun_btf_enum_name(d->btf, t, uv), (int64_t)uv, uv, is_signed);
}

static int dump_float(struct dec *d, const struct btf_type *t, size_t off)
{
	if (!dec_fits(d, off, t->size))
		return d->ops->missing(d);
	if (t->size == sizeof(float)) {
		float f;

		memcpy(&f, d->data + off, sizeof(f));
		return d->ops->fp(d, f);
	}
	if (t->size == sizeof(double)) {
		double f;

		memcpy(&f, d->data + off, sizeof(f));
		return d->ops->fp(d, f);
	}
#if defined(__x86_64__)
	if (t->size == 16) {
		long double f = 0;

		memcpy(&f, d->data + off, 10); /* x87 extended: 80 significant bits */
		return d->ops->fp(d, f);
	}
#endif
	return d->ops->hex(d, d->data + off, t->size);
}

static int dump_ptr(struct dec *d, size_t off)
{
	size_t psz = btf__pointer_size(d->btf);

	if (psz != 4 && psz != 8)
		psz = sizeof(void *);
	if (!dec_fits(d, off, psz))
		return d->ops->missing(d);
	if (psz == 4) {
		uint32_t p;

		memcpy(&p, d->data + off, 4);
		return d->ops->ptr(d, p);
	} else {
		uint64_t p;

		memcpy(&p, d->data + off, 8);
		return d->ops->ptr(d, p);
	}
}

static int dump_array(struct dec *d, const struct btf_type *t, size_t off)
{
	const struct btf_array *a = btf_array(t);
	long esz = btf__resolve_size(d->btf, a->type);
	size_t i, n = a->nelems;
	int err;

	if (esz < 0)
		return d->ops->hex(d, d->data + off, 0);
	if (eun_dec_is_plain_char(d->btf, a->type)) {
		size_t avail = off <= d->size ? d->size - off : 0;
		const unsigned char *s = d->data + (off <= d->size ? off : d->size);
		size_t len;

		if (avail > n)
			avail = n;
		if (!avail && n)
			return d->ops->missing(d);
		len = avail ? strnlen((const char *)s, avail) : 0;
		return d->ops->string(d, s, len);
	}
	err = d->ops->begin(d, false);
	if (err)
		return err;
	d->depth++;
	if (esz == 0)
		n = 0;
	for (i = 0; i < n && !err && d->budget; i++) {
		size_t eoff = off + i * (size_t)esz;

		if (i * (size_t)esz / (size_t)esz != i || !dec_fits(d, eoff, (size_t)esz)) {
			err = d->ops->missing(d);
			break;
		}
		err = dump_type(d, a->type, eoff);
	}
	d->depth--;
	return err ? err : d->ops->end(d, false);
}

static int dump_members(struct dec *d, const struct btf_type *t, size_t off)
{
	const struct btf_member *m = btf_members(t);
	int i, n = btf_vlen(t), err = 0;

	for (i = 0; i < n && !err && d->budget; i++, m++) {
		const char *name = btf__name_by_offset(d->btf, m->name_off);
		uint32_t bit_off = btf_member_bit_offset(t, i);
		uint32_t bit_sz = btf_member_bitfield_size(t, i);
		uint32_t mid = eun_btf_skip_mods(d->btf, m->type);
		const struct btf_type *mt = mid ? btf__type_by_id(d->btf, mid) : NULL;

		if ((!name || !*name) && mt && btf_is_composite(mt) && !bit_sz) {
			/* anonymous struct/union: its members belong to the parent */
			if (bit_off % 8 == 0 && d->depth < DEC_MAX_DEPTH) {
				if (d->budget == 0)
					break;
				d->budget--;
				d->depth++;
				err = dump_members(d, mt, off + bit_off / 8);
				d->depth--;
				continue;
			}
		}
		err = d->ops->key(d, name ? name : "");
		if (err)
			break;
		if (bit_sz || bit_off % 8)
			err = dump_bitfield(d, m->type, off, bit_off, bit_sz);
		else
			err = dump_type(d, m->type, off + bit_off / 8);
	}
	return err;
}

static int dump_struct(struct dec *d, const struct btf_type *t, size_t off)
{
	int err;

	err = d->ops->begin(d, true);
	if (err)
		return err;
	d->depth++;
	err = dump_members(d, t, off);
	d->depth--;
	return err ? err : d->ops->end(d, true);
}

static int dump_type(struct dec *d, uint32_t id, size_t off)
{
	const struct btf_type *t;

	if (d->depth > DEC_MAX_DEPTH)
		return d->ops->missing(d);
	if (d->budget == 0)
		return d->ops->missing(d); /* loops stop at budget 0: output stays well formed */
	d->budget--;
	id = eun_btf_skip_mods(d->btf, id);
	t = id ? btf__type_by_id(d->btf, id) : NULL;
	if (!t)
		return d->ops->missing(d);
	switch (btf_kind(t)) {
	case BTF_KIND_INT:
		return dump_int(d, t, off);
	case BTF_KIND_ENUM:
	case BTF_KIND_ENUM64:
		return dump_enum(d, t, off);
	case BTF_KIND_FLOAT:
		return dump_float(d, t, off);
	case BTF_KIND_PTR:
		return dump_ptr(d, off);
	case BTF_KIND_ARRAY:
		return dump_array(d, t, off);
	case BTF_KIND_STRUCT:
	case BTF_KIND_UNION:
		return dump_struct(d, t, off);
	default: {
		long sz = btf__resolve_size(d->btf, id);

		if (sz < 0)
			sz = 0;
		if (!dec_fits(d, off, (size_t)sz))
			return d->ops->missing(d);
		return d->ops->hex(d, d->data + off, (size_t)sz);
	}
	}
}

static void dec_init(struct dec *d, const struct btf *btf, const void *data, size_t size)
{
	memset(d, 0, sizeof(*d));
	d->btf = btf;
	d->data = data;
	d->size = data ? size : 0;
	/* every real value takes at least a byte (bits for bitfields), so a record of N bytes
	 * has at most 8N of them; the constant leaves room for empty structs and arrays */
	d->budget = 4096 + 8 * d->size;
}

int eun_dec_json(struct jsonw *w, const struct btf *btf, uint32_t id, const void *data, size_t size)
{
	struct dec d;
	int err;

	dec_init(&d, btf, data, size);
	d.ops = &json_ops;
	d.w = w;
	err = dump_type(&d, id, 0);
	return err ? err : jsonw_error(w);
}

/* One plain cell: value of type id at data+off (bounds: the whole record). */
static int plain_cell(struct strbuf *sb, const struct btf *btf, uint32_t id, const void *data,
		      size_t size, size_t off, unsigned int bit_off, unsigned int bit_sz)
{
	struct dec d;
	int err;

	dec_init(&d, btf, data, size);
	d.ops = &plain_ops;
	d.sb = sb;
	jsonw_init(&d.own_w, sb);
	d.w = &d.own_w;
	if (bit_sz || bit_off % 8)
		err = dump_bitfield(&d, id, off, bit_off, bit_sz);
	else
		err = dump_type(&d, id, off + bit_off / 8);
	return err ? err : jsonw_error(&d.own_w);
}

int eun_dec_plain(struct strbuf *sb, const struct btf *btf, uint32_t id, const void *data,
		  size_t size)
{
	return plain_cell(sb, btf, id, data, size, 0, 0, 0);
}

/* A value through the walker, as a plan step needs it: bounds are the whole record, budget
 * is shared by the steps of one record (see dec_init). */
int eun_dec_walk(struct strbuf *sb, const struct btf *btf, bool json, uint32_t id, const void *data,
		 size_t size, const struct eun_dec_at *at, size_t *budget)
{
	struct dec d;
	struct jsonw w;
	int err;

	dec_init(&d, btf, data, size);
	d.budget = *budget;
	d.depth = at->depth;
	jsonw_init(&w, sb);
	d.w = &w;
	if (json) {
		d.ops = &json_ops;
	} else {
		d.ops = &plain_ops;
		d.sb = sb;
	}
	if (at->bit_sz || at->bit_off % 8)
		err = dump_bitfield(&d, id, at->off, at->bit_off, at->bit_sz);
	else
		err = dump_type(&d, id, at->off + at->bit_off / 8);
	*budget = d.budget;
	return err ? err : jsonw_error(&w);
}

size_t eun_dec_budget(const void *data, size_t size)
{
	struct dec d;

	dec_init(&d, NULL, data, size);
	return d.budget;
}
