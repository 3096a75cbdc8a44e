// SPDX-License-Identifier: MIT
/*
 * BTF-driven record walker. The walker knows BTF and bounds; the printer back ends know text.
 * Every read goes through dec_fits() against the record size given by the caller (records
 * come from the kernel, types from an untrusted package).
 */
#include "loader/decoder.h"
#include "common/util.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <bpf/btf.h>

#define DEC_MAX_DEPTH 32

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
static bool is_plain_char(const struct btf *btf, uint32_t id)
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
	if (is_plain_char(d->btf, a->type)) {
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

static int pad_to(struct strbuf *sb, size_t start, size_t width)
{
	size_t used = sb->len - start;

	if (used < width)
		return sb_pad(sb, ' ', width - used + 1);
	return sb_addc(sb, ' ');
}

static size_t col_width(const char *name)
{
	size_t n = strlen(name);

	return n < EUN_DEC_MIN_COL ? EUN_DEC_MIN_COL : n;
}

static int header_cell(struct strbuf *sb, const char *name)
{
	size_t start = sb->len, i;
	int err;

	err = sb_adds(sb, name);
	if (err)
		return err;
	for (i = start; i < sb->len; i++)
		sb->buf[i] = (char)toupper((unsigned char)sb->buf[i]);
	return pad_to(sb, start, col_width(name));
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
		return header_cell(sb, scalar_name);
	for (i = 0; i < btf_vlen(t) && !err; i++) {
		const char *name = btf__name_by_offset(btf, btf_members(t)[i].name_off);

		err = header_cell(sb, name ? name : "");
	}
	return err;
}

int eun_dec_plain_cells(struct strbuf *sb, const struct btf *btf, uint32_t id, const void *data,
			size_t size, const char *scalar_name)
{
	const struct btf_type *t = composite_of(btf, id);
	size_t start = sb->len;
	int i, err = 0;

	if (!t) {
		err = plain_cell(sb, btf, id, data, size, 0, 0, 0);
		return err ? err : pad_to(sb, start, col_width(scalar_name));
	}
	for (i = 0; i < btf_vlen(t) && !err; i++) {
		const struct btf_member *m = btf_members(t) + i;
		const char *name = btf__name_by_offset(btf, m->name_off);

		start = sb->len;
		err = plain_cell(sb, btf, m->type, data, size, 0, btf_member_bit_offset(t, i),
				 btf_member_bitfield_size(t, i));
		if (!err)
			err = pad_to(sb, start, col_width(name ? name : ""));
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

int eun_dec_event(struct strbuf *sb, enum eunomia_format fmt, const struct btf *btf, uint32_t id,
		  const void *data, size_t size, const char *timestr, const char *label)
{
	struct jsonw w;
	int err;

	switch (fmt) {
	case EUNOMIA_FMT_JSON:
		jsonw_init(&w, sb);
		return eun_dec_json(&w, btf, id, data, size);
	case EUNOMIA_FMT_RAW:
		err = sb_addf(sb, "%s %s %zu ", timestr, label ? label : "-", size);
		return err ? err : eun_dec_hex(sb, data, size);
	case EUNOMIA_FMT_PLAIN:
	default:
		err = sb_addf(sb, "%s ", timestr);
		if (!err)
			err = eun_dec_plain_cells(sb, btf, id, data, size, "value");
		eun_sb_rtrim(sb);
		return err;
	}
}

/* ---- plans ---- */

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

/* Longest value text of a fast kind (not PK_STR): "-9223372036854775808", 20 digits. */
#define PLAN_NUM_MAX 20
/* Char arrays longer than this go through the walker (reservation per event stays small). */
#define PLAN_MAX_STR 4096
/* Fast lines that could be longer than this are left to the walker. */
#define PLAN_MAX_LINE (1u << 20)
/* More members than this (after flattening): the whole record goes through the walker. */
#define PLAN_MAX_STEPS 1024

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
	bool fast;	 /* steps are valid; otherwise eun_dec_event() does the work */
	size_t need;	 /* record bytes read by the fast steps */
	size_t max_fast; /* bytes the fast steps (and literals) can write, at most */
	struct plan_step *steps;
	size_t nr_steps, cap_steps;
	struct strbuf lits;
	bool first_key;
};

static struct plan_step *plan_add(struct eun_dec_plan *p)
{
	struct plan_step *s;

	if (p->nr_steps >= PLAN_MAX_STEPS) {
		p->fast = false;
		return NULL;
	}
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

		if (btf__resolve_size(btf, a->type) < 0 || !is_plain_char(btf, a->type) ||
		    a->nelems > PLAN_MAX_STR)
			return PK_WALK;
		*vsize = a->nelems;
		return PK_STR;
	}
	return PK_WALK;
}

/* Bytes a fast value can take (without key or padding). */
static size_t plan_value_max(const struct eun_dec_plan *p, const struct plan_step *s)
{
	if (s->kind == PK_STR)
		return JSON_ESCAPE_MAX(s->len) + 2;
	return PLAN_NUM_MAX;
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
	if (s->off + vsize > p->need)
		p->need = s->off + vsize;
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
		    bit_off % 8 == 0 && depth < DEC_MAX_DEPTH) {
			err = plan_json_members(p, mt, off + bit_off / 8, depth + 1);
			if (err || !p->fast)
				return err;
			continue;
		}
		s = plan_add(p);
		if (!s)
			return p->fast ? -ENOMEM : 0;
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
			return p->fast ? -ENOMEM : 0;
		s->width = col_width(name ? name : "");
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

struct eun_dec_plan *eun_dec_plan_new(const struct btf *btf, uint32_t id, enum eunomia_format fmt)
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
	t = btf && id ? composite_of(btf, id) : NULL;
	if (!t || fmt == EUNOMIA_FMT_RAW)
		return p; /* raw has its own fast path; other types: the walker */
	p->fast = true;
	if (fmt == EUNOMIA_FMT_JSON)
		err = plan_json_members(p, t, 0, 1);
	else
		err = plan_plain_members(p, t);
	if (err) {
		eun_dec_plan_free(p);
		errno = -err;
		return NULL;
	}
	p->max_fast += 2;
	if (p->max_fast > PLAN_MAX_LINE)
		p->fast = false; /* the walker grows the line as it goes */
	return p;
}

static size_t plan_u64(char *dst, uint64_t v)
{
	return u64_to_dec(dst, v);
}

/* One fast value at dst (room reserved); returns the bytes written. */
static size_t plan_value(char *dst, const struct plan_step *s, const unsigned char *data, bool json)
{
	const unsigned char *v = data + s->off;
	size_t n;

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
	case PK_STR:
		n = strnlen((const char *)v, s->len);
		if (!json)
			return json_escape_raw(dst, v, n);
		dst[0] = '"';
		n = json_escape_raw(dst + 1, v, n) + 1;
		dst[n] = '"';
		return n + 1;
	case PK_WALK:
	default:
		return 0;
	}
}

static int plan_walk(struct strbuf *sb, const struct eun_dec_plan *p, const struct plan_step *s,
		     const void *data, size_t size)
{
	struct dec d;
	struct jsonw w;
	int err;

	if (p->fmt != EUNOMIA_FMT_JSON)
		return plain_cell(sb, p->btf, s->type_id, data, size, s->off, s->bit_off,
				  s->bit_sz);
	dec_init(&d, p->btf, data, size);
	d.ops = &json_ops;
	jsonw_init(&w, sb);
	d.w = &w;
	d.depth = s->depth;
	if (s->bit_sz || s->bit_off % 8)
		err = dump_bitfield(&d, s->type_id, s->off, s->bit_off, s->bit_sz);
	else
		err = dump_type(&d, s->type_id, s->off + s->bit_off / 8);
	return err ? err : jsonw_error(&w);
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

int eun_dec_plan_event(struct strbuf *sb, const struct eun_dec_plan *p, const void *data,
		       size_t size, const char *timestr, const char *label)
{
	bool json = p->fmt == EUNOMIA_FMT_JSON;
	size_t line = sb->len, i, tl = 0;
	char *d;
	int err;

	if (!data)
		size = 0;
	if (p->fmt == EUNOMIA_FMT_RAW)
		return plan_raw(sb, data, size, timestr ? timestr : "", label);
	if (!p->fast || size < p->need || (!json && !timestr))
		return eun_dec_event(sb, p->fmt, p->btf, p->id, data, size, timestr, label);
	if (!json)
		tl = strlen(timestr);
	if (!sb->buf || sb->cap - sb->len <= p->max_fast + tl) {
		err = sb_grow(sb, p->max_fast + tl);
		if (err)
			return err;
	}
	d = sb->buf + sb->len;
	if (json) {
		if (!p->nr_steps)
			*d++ = '{';
	} else {
		memcpy(d, timestr, tl);
		d += tl;
		*d++ = ' ';
	}
	for (i = 0; i < p->nr_steps; i++) {
		const struct plan_step *s = &p->steps[i];
		size_t used;
		char *v;

		if (json) {
			memcpy(d, p->lits.buf + s->lit_off, s->lit_len);
			d += s->lit_len;
		}
		if (s->kind != PK_WALK) {
			v = d;
			d += plan_value(d, s, data, json);
		} else {
			/* the walker appends through sb: sync, run, reserve again */
			size_t start = (size_t)(d - sb->buf);

			sb->len = start;
			sb->buf[start] = '\0';
			err = plan_walk(sb, p, s, data, size);
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
	if (json) {
		*d++ = '}';
	} else {
		while (d > sb->buf + line && d[-1] == ' ')
			d--;
	}
	sb->len = (size_t)(d - sb->buf);
	sb->buf[sb->len] = '\0';
	return 0;
}
