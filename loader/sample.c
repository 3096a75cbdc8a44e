// SPDX-License-Identifier: MIT
/* Sampled maps: bcc-style log2/linear histograms and key/value tables. */
#include "loader/sample.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <bpf/bpf.h>
#include <bpf/btf.h>
#include <bpf/libbpf.h>

#include "common/jsonw.h"
#include "common/util.h"
#include "loader/decoder.h"
#include "loader/plan.h"

/* Upper bound on entries read from one map per interval (hash maps may change under us). */
#define EUN_SAMPLE_MAX_ENTRIES (1u << 20)

static int stars(struct strbuf *sb, uint64_t val, uint64_t val_max, int width)
{
	uint64_t v = val < val_max ? val : val_max;
	int n = val_max ? (int)((unsigned __int128)v * (unsigned)width / val_max) : 0;
	int err;

	err = sb_pad(sb, '*', (size_t)n);
	if (!err)
		err = sb_pad(sb, ' ', (size_t)(width - n));
	if (!err && val > val_max)
		err = sb_addc(sb, '+');
	return err;
}

int eun_hist_log2(struct strbuf *sb, const uint64_t *vals, size_t n, const char *unit,
		  uint64_t val_max)
{
	uint64_t max = 0, low, high;
	long idx_max = -1;
	size_t i;
	int width, nstars, err = 0;

	if (n > 64)
		n = 64;
	for (i = 0; i < n; i++) {
		if (vals[i])
			idx_max = (long)i;
		if (vals[i] > max)
			max = vals[i];
	}
	if (idx_max < 0)
		return 0;
	if (val_max)
		max = val_max;
	width = idx_max <= 32 ? 10 : 20;
	nstars = idx_max <= 32 ? 40 : 20;
	err = sb_addf(sb, "%*s%-*s : count    distribution\n", idx_max <= 32 ? 5 : 15, "",
		      idx_max <= 32 ? 19 : 29, unit);
	for (i = 0; i <= (size_t)idx_max && !err; i++) {
		low = i == 63 ? 1ull << 63 : (1ull << (i + 1)) >> 1;
		high = i == 63 ? UINT64_MAX : (1ull << (i + 1)) - 1;
		if (low == high)
			low -= 1;
		err = sb_addf(sb, "%*llu -> %-*llu : %-8llu |", width, (unsigned long long)low,
			      width, (unsigned long long)high, (unsigned long long)vals[i]);
		if (!err)
			err = stars(sb, vals[i], max, nstars);
		if (!err)
			err = sb_adds(sb, "|\n");
	}
	return err;
}

int eun_hist_linear(struct strbuf *sb, const uint64_t *vals, size_t n, const char *unit,
		    uint64_t base, uint64_t step, uint64_t val_max)
{
	uint64_t max = 0;
	long idx_min = -1, idx_max = -1;
	size_t i;
	int err;

	for (i = 0; i < n; i++) {
		if (vals[i]) {
			idx_max = (long)i;
			if (idx_min < 0)
				idx_min = (long)i;
		}
		if (vals[i] > max)
			max = vals[i];
	}
	if (idx_max < 0)
		return 0;
	if (val_max)
		max = val_max;
	err = sb_addf(sb, "     %-13s : count     distribution\n", unit);
	for (i = (size_t)idx_min; i <= (size_t)idx_max && !err; i++) {
		err = sb_addf(sb, "        %-10llu : %-8llu |",
			      (unsigned long long)(base + i * step), (unsigned long long)vals[i]);
		if (!err)
			err = stars(sb, vals[i], max, 40);
		if (!err)
			err = sb_adds(sb, "|\n");
	}
	return err;
}

/* ---- reading maps ---- */

struct kv_set {
	size_t key_size, value_size; /* value_size: one (summed) value */
	size_t n;
	unsigned char *keys;   /* n * key_size */
	unsigned char *values; /* n * value_size */
};

static bool map_is_percpu(enum bpf_map_type t)
{
	return t == BPF_MAP_TYPE_PERCPU_HASH || t == BPF_MAP_TYPE_PERCPU_ARRAY ||
	       t == BPF_MAP_TYPE_LRU_PERCPU_HASH || t == BPF_MAP_TYPE_PERCPU_CGROUP_STORAGE;
}

static bool map_is_array(enum bpf_map_type t)
{
	return t == BPF_MAP_TYPE_ARRAY || t == BPF_MAP_TYPE_PERCPU_ARRAY;
}

static void add_int(unsigned char *dst, const unsigned char *src, size_t size)
{
	uint64_t a = 0, b = 0;

	switch (size) {
	case 1:
	case 2:
	case 4:
	case 8:
		memcpy(&a, dst, size); /* little-endian hosts: low bytes first */
		memcpy(&b, src, size);
		a += b;
		memcpy(dst, &a, size);
		break;
	default:
		break;
	}
}

/* dst += src for the integer parts of a value of type id (per-CPU summing). */
static void sum_value(const struct btf *btf, uint32_t id, unsigned char *dst,
		      const unsigned char *src, size_t avail, int depth)
{
	const struct btf_type *t;
	size_t sz;
	int sgn, i;

	if (depth > 8)
		return;
	id = eun_btf_skip_mods(btf, id);
	t = id ? btf__type_by_id(btf, id) : NULL;
	if (!t)
		return;
	if (eun_btf_int_info(btf, id, &sz, &sgn)) {
		if (sz <= avail)
			add_int(dst, src, sz);
	} else if (btf_is_array(t)) {
		const struct btf_array *a = btf_array(t);
		long esz = btf__resolve_size(btf, a->type);
		size_t k;

		if (esz <= 0 || eun_dec_is_plain_char(btf, a->type))
			return; /* text (comm, file names) is not a count: CPU 0's bytes stay */
		for (k = 0; k < a->nelems && (k + 1) * (size_t)esz <= avail; k++)
			sum_value(btf, a->type, dst + k * esz, src + k * esz, (size_t)esz,
				  depth + 1);
	} else if (btf_is_struct(t)) {
		const struct btf_member *m = btf_members(t);

		for (i = 0; i < btf_vlen(t); i++, m++) {
			size_t off = btf_member_bit_offset(t, i) / 8;

			if (btf_member_bitfield_size(t, i) || btf_member_bit_offset(t, i) % 8 ||
			    off > avail)
				continue;
			sum_value(btf, m->type, dst + off, src + off, avail - off, depth + 1);
		}
	}
}

static int read_map(const struct bpf_map *map, const struct btf *btf, struct kv_set *kv,
		    const struct eun_logger *log)
{
	int fd = bpf_map__fd(map), ncpu = 1, c;
	bool percpu = map_is_percpu(bpf_map__type(map));
	size_t cap = 0, stride, lim;
	unsigned char *key = NULL, *next = NULL, *buf = NULL;
	uint32_t vid = bpf_map__btf_value_type_id(map);
	int err = 0;

	kv->key_size = bpf_map__key_size(map);
	kv->value_size = bpf_map__value_size(map);
	kv->n = 0;
	kv->keys = kv->values = NULL;
	if (percpu) {
		ncpu = libbpf_num_possible_cpus();
		if (ncpu <= 0)
			return ncpu ? ncpu : -EINVAL;
	}
	stride = percpu ? (kv->value_size + 7) / 8 * 8 : kv->value_size;
	key = calloc(1, kv->key_size ? kv->key_size : 1);
	next = calloc(1, kv->key_size ? kv->key_size : 1);
	buf = calloc((size_t)ncpu, stride ? stride : 1);
	if (!key || !next || !buf) {
		err = -ENOMEM;
		goto out;
	}
	lim = bpf_map__max_entries(map);
	if (lim > EUN_SAMPLE_MAX_ENTRIES || lim == 0)
		lim = EUN_SAMPLE_MAX_ENTRIES;
	if (bpf_map_get_next_key(fd, NULL, next))
		goto out; /* empty map (or ENOENT): nothing to print */
	do {
		unsigned char *nk, *nv;

		memcpy(key, next, kv->key_size);
		if (bpf_map_lookup_elem(fd, key, buf))
			continue; /* deleted meanwhile */
		if (kv->n == cap) {
			cap = cap ? cap * 2 : 64;
			nk = realloc(kv->keys, cap * kv->key_size);
			if (nk)
				kv->keys = nk;
			nv = realloc(kv->values, cap * kv->value_size);
			if (nv)
				kv->values = nv;
			if (!nk || !nv) {
				err = -ENOMEM;
				goto out;
			}
		}
		memcpy(kv->keys + kv->n * kv->key_size, key, kv->key_size);
		memcpy(kv->values + kv->n * kv->value_size, buf, kv->value_size);
		for (c = 1; c < ncpu; c++) {
			if (vid)
				sum_value(btf, vid, kv->values + kv->n * kv->value_size,
					  buf + (size_t)c * stride, kv->value_size, 0);
		}
		kv->n++;
	} while (kv->n < lim && !bpf_map_get_next_key(fd, key, next));
	if (kv->n >= lim && lim == EUN_SAMPLE_MAX_ENTRIES && !bpf_map_get_next_key(fd, key, next))
		eun_warn(log, "map '%s': printing only the first %zu entries", bpf_map__name(map),
			 lim);
out:
	free(key);
	free(next);
	free(buf);
	if (err) {
		free(kv->keys);
		free(kv->values);
		kv->keys = kv->values = NULL;
		kv->n = 0;
	}
	return err;
}

static void clear_map(const struct bpf_map *map, const struct kv_set *kv,
		      const struct eun_logger *log)
{
	int fd = bpf_map__fd(map), ncpu = 1;
	enum bpf_map_type type = bpf_map__type(map);
	void *zero = NULL;
	size_t i;

	if (map_is_array(type)) {
		if (map_is_percpu(type))
			ncpu = libbpf_num_possible_cpus();
		if (ncpu <= 0)
			return;
		zero = calloc((size_t)ncpu, (kv->value_size + 7) / 8 * 8 + 1);
		if (!zero)
			return;
	}
	for (i = 0; i < kv->n; i++) {
		const void *k = kv->keys + i * kv->key_size;
		int err = zero ? bpf_map_update_elem(fd, k, zero, BPF_ANY)
			       : bpf_map_delete_elem(fd, k);

		if (err && errno != ENOENT) {
			eun_warn(log, "map '%s': cannot clear an entry: %s", bpf_map__name(map),
				 strerror(errno));
			break;
		}
	}
	free(zero);
}

/* Key sorting: integer keys numerically, others bytewise; or (by_value) integer values,
 * largest first. */
struct sort_ctx {
	const struct kv_set *kv;
	size_t int_size;
	int is_signed;
	bool by_value;
};

static int key_cmp(const void *a, const void *b, void *arg)
{
	const struct sort_ctx *sc = arg;
	const unsigned char *ka = sc->kv->keys + *(const size_t *)a * sc->kv->key_size;
	const unsigned char *kb = sc->kv->keys + *(const size_t *)b * sc->kv->key_size;

	if (sc->by_value) {
		ka = sc->kv->values + *(const size_t *)b * sc->kv->value_size; /* descending */
		kb = sc->kv->values + *(const size_t *)a * sc->kv->value_size;
	}

	if (sc->int_size && sc->int_size <= 8 && sc->int_size <= sc->kv->key_size) {
		uint64_t ua = 0, ub = 0;

		memcpy(&ua, ka, sc->int_size);
		memcpy(&ub, kb, sc->int_size);
		if (sc->is_signed && sc->int_size < 8) {
			unsigned int sh = 64 - 8 * (unsigned int)sc->int_size;

			ua = (uint64_t)((int64_t)(ua << sh) >> sh);
			ub = (uint64_t)((int64_t)(ub << sh) >> sh);
		}
		if (sc->is_signed)
			return (int64_t)ua < (int64_t)ub ? -1 : (int64_t)ua > (int64_t)ub;
		return ua < ub ? -1 : ua > ub;
	}
	return memcmp(ka, kb, sc->by_value ? sc->kv->value_size : sc->kv->key_size);
}

/* ---- histogram entries ---- */

/* Locate the slots array of a value: member "slots" or the value itself. */
static int find_slots(const struct btf *btf, uint32_t vid, size_t *off, size_t *nslots, size_t *esz,
		      uint32_t *slots_member)
{
	const struct btf_type *t;
	const struct btf_array *a;
	uint32_t aid = 0;
	size_t sz;
	int i, sgn;

	vid = eun_btf_skip_mods(btf, vid);
	t = vid ? btf__type_by_id(btf, vid) : NULL;
	if (!t)
		return -ENOENT;
	*off = 0;
	*slots_member = (uint32_t)-1;
	if (btf_is_array(t)) {
		aid = vid;
	} else if (btf_is_struct(t)) {
		for (i = 0; i < btf_vlen(t); i++) {
			const char *n = btf__name_by_offset(btf, btf_members(t)[i].name_off);

			if (n && strcmp(n, "slots") == 0 && !btf_member_bitfield_size(t, i) &&
			    btf_member_bit_offset(t, i) % 8 == 0) {
				aid = eun_btf_skip_mods(btf, btf_members(t)[i].type);
				*off = btf_member_bit_offset(t, i) / 8;
				*slots_member = (uint32_t)i;
				break;
			}
		}
	}
	t = aid ? btf__type_by_id(btf, aid) : NULL;
	if (!t || !btf_is_array(t))
		return -ENOENT;
	a = btf_array(t);
	if (!eun_btf_int_info(btf, a->type, &sz, &sgn) ||
	    (sz != 1 && sz != 2 && sz != 4 && sz != 8))
		return -ENOENT;
	*nslots = a->nelems;
	*esz = sz;
	return 0;
}

/* "name = value" pairs of a struct (skipping member `skip`), or "key = value" for scalars. */
static int add_pairs(struct strbuf *sb, const struct btf *btf, uint32_t id, const void *data,
		     size_t size, const char *scalar_name, uint32_t skip)
{
	const struct btf_type *t;
	uint32_t rid = eun_btf_skip_mods(btf, id);
	int i, err = 0;

	t = rid ? btf__type_by_id(btf, rid) : NULL;
	if (!t || !btf_is_composite(t)) {
		if (!scalar_name)
			return 0;
		err = sb_addf(sb, "%s%s = ", sb->len ? ", " : "", scalar_name);
		return err ? err : eun_dec_plain(sb, btf, id, data, size);
	}
	for (i = 0; i < btf_vlen(t) && !err; i++) {
		const struct btf_member *m = btf_members(t) + i;
		const char *name = btf__name_by_offset(btf, m->name_off);
		size_t off = btf_member_bit_offset(t, i) / 8;

		if ((uint32_t)i == skip)
			continue;
		err = sb_addf(sb, "%s%s = ", sb->len ? ", " : "", name ? name : "");
		if (err)
			break;
		if (btf_member_bitfield_size(t, i) || btf_member_bit_offset(t, i) % 8 || off > size)
			err = sb_adds(sb, "?");
		else
			err = eun_dec_plain(sb, btf, m->type, (const unsigned char *)data + off,
					    size - off);
	}
	return err;
}

/* A JSON string of the bytes in hex (maps without BTF). */
static int json_hex(struct jsonw *w, const void *data, size_t len)
{
	struct strbuf t = STRBUF_INIT;
	int err;

	err = eun_dec_hex(&t, data, len);
	if (!err)
		err = jsonw_string_len(w, sb_str(&t), t.len);
	sb_free(&t);
	return err;
}

/* Emit sb's '\n'-separated lines. */
static int emit_lines(struct strbuf *sb, eun_line_fn emit, void *ctx)
{
	char *p = sb->buf, *end = sb->buf + sb->len, *nl;
	int err = 0;

	while (p && p < end && !err) {
		nl = memchr(p, '\n', (size_t)(end - p));
		if (!nl)
			nl = end;
		err = emit(ctx, p, (size_t)(nl - p));
		p = nl + 1;
	}
	return err;
}

static int print_hist_entry(struct strbuf *sb, const struct eun_sample *s, const struct btf *btf,
			    uint32_t kid, uint32_t vid, const unsigned char *k, size_t ksz,
			    const unsigned char *v, size_t vsz)
{
	size_t off, nslots, esz, i;
	uint32_t skip;
	uint64_t *vals;
	const char *unit = s->unit ? s->unit : "(unit)";
	bool any = false;
	int err;

	if (find_slots(btf, vid, &off, &nslots, &esz, &skip))
		return -ENOENT;
	if (nslots > 4096)
		nslots = 4096;
	vals = calloc(nslots ? nslots : 1, sizeof(*vals));
	if (!vals)
		return -ENOMEM;
	for (i = 0; i < nslots && off + (i + 1) * esz <= vsz; i++) {
		uint64_t x = 0;

		memcpy(&x, v + off + i * esz, esz);
		vals[i] = x;
		any |= x != 0;
	}
	if (!any) {
		free(vals);
		return 0;
	}
	err = kid ? add_pairs(sb, btf, kid, k, ksz, "key", (uint32_t)-1) : 0;
	if (!err && skip != (uint32_t)-1)
		err = add_pairs(sb, btf, vid, v, vsz, NULL, skip);
	if (!err && sb->len)
		err = sb_addc(sb, '\n');
	if (!err) {
		if (s->type == EUN_SAMPLE_LINEAR_HIST)
			err = eun_hist_linear(sb, vals, nslots, unit, 0, 1, 0);
		else
			err = eun_hist_log2(sb, vals, nslots, unit, 0);
	}
	if (!err)
		err = sb_addc(sb, '\n');
	free(vals);
	return err;
}

int eun_sample_find_slots(const struct btf *btf, uint32_t vid, size_t *off, size_t *nslots,
			  size_t *esz)
{
	uint32_t skip;

	return btf && vid ? find_slots(btf, vid, off, nslots, esz, &skip) : -ENOENT;
}

bool eun_sample_has_slots(const struct btf *btf, uint32_t value_type_id)
{
	size_t off, nslots, esz;
	uint32_t skip;

	return btf && value_type_id && !find_slots(btf, value_type_id, &off, &nslots, &esz, &skip);
}

int eun_sample_print(const struct eun_sample *s, const struct bpf_map *map, const struct btf *btf,
		     enum eunomia_format fmt, eun_line_fn emit, void *ctx,
		     const struct eun_logger *log)
{
	return eun_sample_print_flags(s, map, btf, fmt, emit, ctx, log, 0);
}

int eun_sample_print_flags(const struct eun_sample *s, const struct bpf_map *map,
			   const struct btf *btf, enum eunomia_format fmt, eun_line_fn emit,
			   void *ctx, const struct eun_logger *log, unsigned int flags)
{
	uint32_t kid = bpf_map__btf_key_type_id(map), vid = bpf_map__btf_value_type_id(map);
	struct strbuf sb = STRBUF_INIT;
	struct kv_set kv;
	struct sort_ctx sc = {.kv = &kv};
	size_t *order = NULL, i, nshow;
	size_t soff, nslots, esz;
	uint32_t skip;
	bool as_kv;
	int err, printed = 0;

	if (!btf)
		kid = vid = 0;
	as_kv = s->type == EUN_SAMPLE_DEFAULT_KV || !vid;
	err = read_map(map, btf, &kv, log);
	if (err) {
		eun_warn(log, "sampled map '%s': cannot read it: %s", bpf_map__name(map),
			 strerror(-err));
		return err;
	}
	order = calloc(kv.n ? kv.n : 1, sizeof(*order));
	if (!order) {
		err = -ENOMEM;
		goto out;
	}
	for (i = 0; i < kv.n; i++)
		order[i] = i;
	nshow = kv.n;
	if ((flags & EUN_SAMPLE_BY_VALUE) && vid &&
	    eun_btf_int_info(btf, vid, &sc.int_size, &sc.is_signed))
		sc.by_value = true;
	else if (kid)
		eun_btf_int_info(btf, kid, &sc.int_size, &sc.is_signed);
	if (flags & EUN_SAMPLE_SKIP_ZERO) {
		size_t kept = 0;

		for (i = 0; i < kv.n; i++)
			if (!eun_all_zero(kv.values + order[i] * kv.value_size, kv.value_size))
				order[kept++] = order[i];
		nshow = kept;
	}
	qsort_r(order, nshow, sizeof(*order), key_cmp, &sc);

	if (!as_kv && find_slots(btf, vid, &soff, &nslots, &esz, &skip)) {
		eun_warn(
			log,
			"sampled map '%s': its value has no 'slots' array of integers, so it is printed as a table, not a histogram; declare the value as a struct with 'slots' or as an integer array",
			bpf_map__name(map));
		as_kv = true;
	}
	if (fmt != EUNOMIA_FMT_JSON && as_kv && nshow) {
		if (kid && vid) {
			err = eun_dec_plain_header(&sb, btf, kid, "key");
			if (!err)
				err = eun_dec_plain_header(&sb, btf, vid, "value");
		} else {
			err = sb_adds(&sb, "KEY    VALUE");
		}
		eun_sb_rtrim(&sb);
		if (!err)
			err = emit(ctx, sb_str(&sb), sb.len);
	}
	for (i = 0; i < nshow && !err; i++) {
		const unsigned char *k = kv.keys + order[i] * kv.key_size;
		const unsigned char *v = kv.values + order[i] * kv.value_size;

		sb_reset(&sb);
		if (fmt == EUNOMIA_FMT_JSON) {
			struct jsonw w;

			jsonw_init(&w, &sb);
			jsonw_start_object(&w);
			if (flags & EUN_SAMPLE_JSON_MAP) {
				jsonw_key(&w, "map");
				jsonw_string(&w, bpf_map__name(map));
			}
			jsonw_key(&w, "key");
			if (kid)
				err = eun_dec_json(&w, btf, kid, k, kv.key_size);
			else
				err = json_hex(&w, k, kv.key_size);
			jsonw_key(&w, "value");
			if (!err && vid)
				err = eun_dec_json(&w, btf, vid, v, kv.value_size);
			else if (!err)
				err = json_hex(&w, v, kv.value_size);
			if (!err)
				err = jsonw_end_object(&w);
			if (!err)
				err = emit(ctx, sb_str(&sb), sb.len);
		} else if (as_kv) {
			if (kid && vid) {
				err = eun_dec_plain_cells(&sb, btf, kid, k, kv.key_size, "key");
				if (!err)
					err = eun_dec_plain_cells(&sb, btf, vid, v, kv.value_size,
								  "value");
			} else {
				err = eun_dec_hex(&sb, k, kv.key_size);
				if (!err)
					err = sb_addc(&sb, ' ');
				if (!err)
					err = eun_dec_hex(&sb, v, kv.value_size);
			}
			eun_sb_rtrim(&sb);
			if (!err)
				err = emit(ctx, sb_str(&sb), sb.len);
		} else {
			err = print_hist_entry(&sb, s, btf, kid, vid, k, kv.key_size, v,
					       kv.value_size);
			if (!err && sb.len)
				err = emit_lines(&sb, emit, ctx);
		}
		printed++;
	}
	if (s->clear_map)
		clear_map(map, &kv, log);
out:
	sb_free(&sb);
	free(order);
	free(kv.keys);
	free(kv.values);
	return err < 0 ? err : printed;
}
