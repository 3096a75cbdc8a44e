// SPDX-License-Identifier: MIT
/*
 * Prometheus metrics from a runner's maps (docs/metrics.md): histograms from `slots` values,
 * a gauge (or counter) per integer value field of the other hash/array maps, event counts per
 * event map, and run_cnt/run_time_ns of each program when kernel BPF statistics are on.
 *
 * Any thread may call it while another polls: maps are read through their fds with batch
 * lookups (a fixed-size chunk, reused), and the output sink is never touched. Every family
 * is written in one pass over its map, so memory does not grow with the map or with history.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <bpf/bpf.h>
#include <bpf/btf.h>
#include <bpf/libbpf.h>
#include <cjson/cJSON.h>

#include "common/btfutil.h"
#include "loader/decoder.h"
#include "loader/internal.h"
#include "loader/plan.h"
#include "loader/sample.h"

#define MX_CHUNK 256 /* entries per batch lookup */

struct mx {
	FILE *out;
	const struct btf *btf;
	const char *prefix;
	const char *labels; /* extra labels, escaped, or "" */
	bool om;
	struct strbuf lab;  /* one entry's labels, reused */
	struct strbuf line; /* sample lines, written out in 64 KiB pieces */
	struct strbuf name;
};

/* ---- names and escaping ---- */

static void put_sanitised(struct strbuf *sb, const char *s, bool label)
{
	if (!*s || (*s >= '0' && *s <= '9'))
		sb_addc(sb, '_');
	for (; *s; s++) {
		char c = *s;
		bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
			  (c >= '0' && c <= '9') || c == '_' || (!label && c == ':');

		sb_addc(sb, ok ? c : '_');
	}
}

static void put_label_value(struct strbuf *sb, const char *s, size_t n)
{
	for (size_t i = 0; i < n && s[i]; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c == '\\' || c == '"')
			sb_addc(sb, '\\'), sb_addc(sb, (char)c);
		else if (c == '\n')
			sb_adds(sb, "\\n");
		else
			sb_addc(sb, c >= 0x20 && c < 0x7f ? (char)c : '?');
	}
}

static void put_help(FILE *f, const char *s, bool om)
{
	for (; *s; s++) {
		if (*s == '\\' || (om && *s == '"'))
			fputc('\\', f), fputc(*s, f);
		else if (*s == '\n')
			fputs("\\n", f);
		else
			fputc(*s, f);
	}
}

/* Write out the sample lines gathered so far (before a header, and at the end). */
static void line_flush(struct mx *m)
{
	if (m->line.len)
		fwrite(m->line.buf, 1, m->line.len, m->out);
	sb_reset(&m->line);
}

/* "# HELP" and "# TYPE" of a family; counters are named without _total in OpenMetrics. */
static void family(struct mx *m, const char *name, const char *type, const char *help)
{
	line_flush(m);
	fprintf(m->out, "# HELP %s%s ", name, !m->om && !strcmp(type, "counter") ? "_total" : "");
	put_help(m->out, help, m->om);
	fprintf(m->out, "\n# TYPE %s%s %s\n", name,
		!m->om && !strcmp(type, "counter") ? "_total" : "", type);
}

static void put_u64(struct strbuf *sb, uint64_t v)
{
	char d[24];
	int i = sizeof(d);

	do
		d[--i] = (char)('0' + v % 10);
	while ((v /= 10));
	sb_add(sb, d + i, sizeof(d) - (size_t)i);
}

static void put_s64(struct strbuf *sb, int64_t v)
{
	if (v < 0) {
		sb_addc(sb, '-');
		put_u64(sb, -(uint64_t)v);
	} else {
		put_u64(sb, (uint64_t)v);
	}
}

/* "name{labels} " of one sample into the line buffer; lab: the entry's own labels (n bytes,
 * each label ending in ','). */
static void sample_head(struct mx *m, const char *name, const char *suffix, const char *lab,
			size_t n)
{
	struct strbuf *sb = &m->line;

	sb_adds(sb, name);
	sb_adds(sb, suffix);
	if (n && lab[n - 1] == ',')
		n--;
	if (*m->labels || n) {
		sb_addc(sb, '{');
		sb_adds(sb, m->labels);
		if (*m->labels && n)
			sb_addc(sb, ',');
		sb_add(sb, lab, n);
		sb_addc(sb, '}');
	}
	sb_addc(sb, ' ');
}

static void sample_line(struct mx *m, const char *name, const char *suffix, const char *lab,
			size_t n, uint64_t v, bool sgn)
{
	sample_head(m, name, suffix, lab, n);
	if (sgn)
		put_s64(&m->line, (int64_t)v);
	else
		put_u64(&m->line, v);
	sb_addc(&m->line, '\n');
	if (m->line.len >= 65536)
		line_flush(m);
}

/* ---- key fields as labels: decided once per map from BTF ---- */

enum klab_kind { KL_UINT, KL_SINT, KL_ENUM, KL_STR };

struct klab {
	char prefix[72]; /* `name="` */
	size_t off, size;
	enum klab_kind kind;
	const struct btf_type *enum_t;
};

#define MX_MAX_LABELS 16

struct kplan {
	struct klab l[MX_MAX_LABELS];
	int n;
};

static bool wanted(const cJSON *labels, const char *name)
{
	const cJSON *e;

	if (!cJSON_IsArray(labels))
		return true;
	cJSON_ArrayForEach(e, labels)
		if (cJSON_IsString(e) && !strcmp(e->valuestring, name))
			return true;
	return false;
}

/* One key member (or the whole key) as a label; other kinds are left out. */
static void plan_label(struct mx *m, struct kplan *kp, const char *lname, uint32_t id, size_t off,
		       size_t ksz)
{
	const struct btf *btf = m->btf;
	const struct btf_type *t;
	struct klab *l = &kp->l[kp->n];
	struct strbuf sb = STRBUF_INIT;
	size_t sz;
	int sgn;

	id = eun_btf_skip_mods(btf, id);
	t = id ? btf__type_by_id(btf, id) : NULL;
	if (!t || kp->n >= MX_MAX_LABELS || off >= ksz)
		return;
	l->off = off;
	if (btf_is_array(t) && eun_dec_is_plain_char(btf, btf_array(t)->type)) {
		l->kind = KL_STR;
		l->size = btf_array(t)->nelems;
	} else if (btf_is_any_enum(t) && t->size <= 8) {
		l->kind = KL_ENUM;
		l->size = t->size;
		l->enum_t = t;
	} else if (eun_btf_int_info(btf, id, &sz, &sgn) && sz <= 8) {
		l->kind = sgn ? KL_SINT : KL_UINT;
		l->size = sz;
	} else {
		return;
	}
	if (l->off + l->size > ksz)
		return;
	/* `le` is the histogram's, and names starting with "__" are reserved */
	if (!strcmp(lname, "le") || !strncmp(lname, "__", 2))
		sb_adds(&sb, "key");
	put_sanitised(&sb, lname, true);
	sb_adds(&sb, "=\"");
	snprintf(l->prefix, sizeof(l->prefix), "%s", sb_str(&sb));
	sb_free(&sb);
	kp->n++;
}

static void plan_key(struct mx *m, struct kplan *kp, uint32_t kid, size_t ksz, const cJSON *labels)
{
	const struct btf_type *t;

	kp->n = 0;
	kid = eun_btf_skip_mods(m->btf, kid);
	t = kid ? btf__type_by_id(m->btf, kid) : NULL;
	if (!t)
		return;
	if (!btf_is_struct(t)) {
		if (wanted(labels, "key"))
			plan_label(m, kp, "key", kid, 0, ksz);
		return;
	}
	for (int i = 0; i < btf_vlen(t); i++) {
		const struct btf_member *mb = btf_members(t) + i;
		const char *n = btf__name_by_offset(m->btf, mb->name_off);

		if (!n || !*n || btf_member_bitfield_size(t, i) ||
		    btf_member_bit_offset(t, i) % 8 || !wanted(labels, n))
			continue;
		plan_label(m, kp, n, mb->type, btf_member_bit_offset(t, i) / 8, ksz);
	}
}

/* The key's labels into m->lab, each ending in ','. */
static void key_labels(struct mx *m, const struct kplan *kp, const unsigned char *k)
{
	sb_reset(&m->lab);
	for (int i = 0; i < kp->n; i++) {
		const struct klab *l = &kp->l[i];
		const unsigned char *p = k + l->off;
		uint64_t v = 0;
		const char *en;

		sb_adds(&m->lab, l->prefix);
		if (l->kind == KL_STR) {
			put_label_value(&m->lab, (const char *)p, l->size);
		} else {
			memcpy(&v, p, l->size);
			if (l->kind == KL_SINT && l->size < 8 && (v >> (l->size * 8 - 1)) & 1)
				v |= ~0ull << (l->size * 8);
			en = l->kind == KL_ENUM ? eun_btf_enum_name(m->btf, l->enum_t, v) : NULL;
			if (en)
				sb_adds(&m->lab, en);
			else if (l->kind == KL_SINT)
				put_s64(&m->lab, (int64_t)v);
			else
				put_u64(&m->lab, v);
		}
		sb_adds(&m->lab, "\",");
	}
}

/* ---- reading a map: batch lookups in fixed chunks, else get_next_key ---- */

struct mreader {
	int fd, ncpu;
	size_t ksz, vsz, stride; /* stride: one CPU's value (8-aligned for per-CPU maps) */
	size_t chunk;
	unsigned char *keys, *vals, *tok_in, *tok_out;
};

typedef void (*entry_fn)(struct mx *m, void *ctx, const unsigned char *k, const unsigned char *v,
			 const struct mreader *rd);

static bool is_percpu(enum bpf_map_type t)
{
	return t == BPF_MAP_TYPE_PERCPU_HASH || t == BPF_MAP_TYPE_PERCPU_ARRAY ||
	       t == BPF_MAP_TYPE_LRU_PERCPU_HASH;
}

static int reader_init(struct mreader *rd, const struct bpf_map *map)
{
	size_t tok;

	memset(rd, 0, sizeof(*rd));
	rd->fd = bpf_map__fd(map);
	rd->ksz = bpf_map__key_size(map);
	rd->vsz = bpf_map__value_size(map);
	rd->ncpu = 1;
	rd->stride = rd->vsz;
	if (is_percpu(bpf_map__type(map))) {
		rd->ncpu = libbpf_num_possible_cpus();
		if (rd->ncpu <= 0)
			return -EINVAL;
		rd->stride = (rd->vsz + 7) / 8 * 8;
	}
	rd->chunk = MX_CHUNK;
	tok = rd->ksz > 8 ? rd->ksz : 8;
	/* zeroed: tools like valgrind do not know that the batch lookup writes them */
	rd->keys = calloc(rd->chunk, rd->ksz ? rd->ksz : 1);
	rd->vals = calloc(rd->chunk, (size_t)rd->ncpu * (rd->stride ? rd->stride : 1));
	rd->tok_in = calloc(1, tok);
	rd->tok_out = calloc(1, tok);
	return rd->keys && rd->vals && rd->tok_in && rd->tok_out ? 0 : -ENOMEM;
}

static void reader_free(struct mreader *rd)
{
	free(rd->keys);
	free(rd->vals);
	free(rd->tok_in);
	free(rd->tok_out);
}

/* The per-key loop: the fallback, and bench/'s reference. */
static int walk_keys(struct mx *m, struct mreader *rd, entry_fn fn, void *ctx)
{
	unsigned char *key = rd->tok_in, *next = rd->tok_out; /* >= key size */
	bool first = true;

	while (!bpf_map_get_next_key(rd->fd, first ? NULL : key, next)) {
		first = false;
		memcpy(key, next, rd->ksz);
		if (!bpf_map_lookup_elem(rd->fd, key, rd->vals))
			fn(m, ctx, key, rd->vals, rd);
	}
	return 0;
}

static int walk_map(struct mx *m, struct mreader *rd, entry_fn fn, void *ctx)
{
	LIBBPF_OPTS(bpf_map_batch_opts, bo);
	size_t vstride = (size_t)rd->ncpu * rd->stride;
	bool first = true;
	uint32_t count;
	int err;

	if (getenv("EUNOMIA_METRICS_NO_BATCH"))
		return walk_keys(m, rd, fn, ctx);
	for (;;) {
		count = (uint32_t)rd->chunk;
		err = bpf_map_lookup_batch(rd->fd, first ? NULL : rd->tok_in, rd->tok_out, rd->keys,
					   rd->vals, &count, &bo);
		err = err ? errno : 0;
		if (err == ENOSPC && count == 0 && rd->chunk < (1u << 16)) {
			/* a hash bucket holds more than a chunk: a larger chunk */
			size_t c = rd->chunk * 4;
			unsigned char *k = realloc(rd->keys, c * (rd->ksz ? rd->ksz : 1));
			unsigned char *v =
				k ? realloc(rd->vals, c * (vstride ? vstride : 1)) : NULL;

			if (k)
				rd->keys = k;
			if (v)
				rd->vals = v;
			if (!k || !v)
				return -ENOMEM;
			memset(k, 0, c * (rd->ksz ? rd->ksz : 1));
			memset(v, 0, c * (vstride ? vstride : 1));
			rd->chunk = c;
			continue;
		}
		if (err && err != ENOENT)
			return first ? walk_keys(m, rd, fn, ctx) : -err;
		for (uint32_t i = 0; i < count; i++)
			fn(m, ctx, rd->keys + i * rd->ksz, rd->vals + i * vstride, rd);
		if (err == ENOENT)
			return 0;
		first = false;
		memcpy(rd->tok_in, rd->tok_out, rd->ksz > 8 ? rd->ksz : 8);
	}
}

/* Integer at off of the value, summed over CPUs. */
static uint64_t value_sum(const struct mreader *rd, const unsigned char *v, size_t off, size_t sz,
			  bool sgn)
{
	uint64_t s = 0;

	for (int c = 0; c < rd->ncpu; c++) {
		uint64_t x = 0;

		memcpy(&x, v + (size_t)c * rd->stride + off, sz);
		if (sgn && sz < 8 && (x >> (sz * 8 - 1)) & 1)
			x |= ~0ull << (sz * 8);
		s += x;
	}
	return s;
}

/* ---- families ---- */

struct mapctx {
	const char *name; /* the family's sample name (counters: with _total) */
	struct kplan kp;
	/* histogram */
	size_t off, nslots, esz;
	bool linear;
	/* field */
	size_t foff, fsz;
	bool sgn;
};

static void hist_entry(struct mx *m, void *ctx, const unsigned char *k, const unsigned char *v,
		       const struct mreader *rd)
{
	struct mapctx *c = ctx;
	uint64_t cum = 0;
	size_t lab_len;

	key_labels(m, &c->kp, k);
	lab_len = m->lab.len;
	for (size_t i = 0; i < c->nslots && c->off + (i + 1) * c->esz <= rd->vsz; i++) {
		/* log2 slot i holds [2^i, 2^(i+1)-1] (slot 0 also 0); linear slot i holds i */
		uint64_t le = c->linear ? i : i >= 63 ? UINT64_MAX : (2ull << i) - 1;

		cum += value_sum(rd, v, c->off + i * c->esz, c->esz, false);
		m->lab.len = lab_len;
		sb_adds(&m->lab, "le=\"");
		put_u64(&m->lab, le);
		sb_adds(&m->lab, m->om ? ".0\"" : "\"");
		sample_line(m, c->name, "_bucket", m->lab.buf, m->lab.len, cum, false);
	}
	m->lab.len = lab_len;
	sb_adds(&m->lab, "le=\"+Inf\"");
	sample_line(m, c->name, "_bucket", m->lab.buf, m->lab.len, cum, false);
	/* OpenMetrics: _count only beside a _sum, and there is no sum */
	if (!m->om)
		sample_line(m, c->name, "_count", m->lab.buf, lab_len, cum, false);
}

static void field_entry(struct mx *m, void *ctx, const unsigned char *k, const unsigned char *v,
			const struct mreader *rd)
{
	struct mapctx *c = ctx;
	uint64_t x = value_sum(rd, v, c->foff, c->fsz, c->sgn);

	key_labels(m, &c->kp, k);
	sample_line(m, c->name, "", m->lab.buf, m->lab.len, x, c->sgn);
}

static const char *json_str(const cJSON *o, const char *key)
{
	const cJSON *e = cJSON_GetObjectItemCaseSensitive(o, key);

	return cJSON_IsString(e) ? e->valuestring : NULL;
}

/* base name of a map's families: <prefix>_<metric.name or map name> */
static const char *map_base(struct mx *m, const char *mname, const cJSON *metric)
{
	const char *n = json_str(metric, "name");

	sb_reset(&m->name);
	put_sanitised(&m->name, m->prefix, false);
	sb_addc(&m->name, '_');
	put_sanitised(&m->name, n ? n : mname, false);
	return sb_str(&m->name);
}

static int map_fields(struct mx *m, const struct bpf_map *map, struct mreader *rd, struct mapctx *c,
		      const cJSON *metric, const char *help)
{
	uint32_t vid = eun_btf_skip_mods(m->btf, bpf_map__btf_value_type_id(map));
	const struct btf_type *t = vid ? btf__type_by_id(m->btf, vid) : NULL;
	const char *type = json_str(metric, "type");
	bool counter = type && !strcmp(type, "counter");
	char base[256], name[320], hbuf[512];
	int sgn, n = t && btf_is_struct(t) ? btf_vlen(t) : 1, err = 0;

	snprintf(base, sizeof(base), "%s", map_base(m, bpf_map__name(map), metric));
	for (int i = 0; i < n && !err; i++) {
		const char *fname = NULL;
		uint32_t fid = vid;

		c->foff = 0;
		if (t && btf_is_struct(t)) {
			const struct btf_member *mb = btf_members(t) + i;

			fname = btf__name_by_offset(m->btf, mb->name_off);
			fid = mb->type;
			c->foff = btf_member_bit_offset(t, i) / 8;
			if (!fname || !*fname || btf_member_bitfield_size(t, i) ||
			    btf_member_bit_offset(t, i) % 8)
				continue;
		}
		if (c->foff >= rd->vsz || !eun_btf_int_info(m->btf, fid, &c->fsz, &sgn) ||
		    c->fsz > 8 || c->foff + c->fsz > rd->vsz)
			continue;
		c->sgn = sgn;
		sb_reset(&m->name);
		sb_adds(&m->name, base);
		if (fname) {
			sb_addc(&m->name, '_');
			put_sanitised(&m->name, fname, false);
		}
		if (counter && m->name.len > 6 &&
		    !strcmp(sb_str(&m->name) + m->name.len - 6, "_total"))
			m->name.len -= 6, m->name.buf[m->name.len] = '\0';
		snprintf(hbuf, sizeof(hbuf), "%s%s%s", help, fname ? ": " : "", fname ? fname : "");
		family(m, sb_str(&m->name), counter ? "counter" : "gauge", hbuf);
		snprintf(name, sizeof(name), "%s%s", sb_str(&m->name), counter ? "_total" : "");
		c->name = name;
		err = walk_map(m, rd, field_entry, c);
	}
	return err;
}

static int map_metrics(struct mx *m, const struct bpf_map *map, const struct eun_map *mm)
{
	const cJSON *metric = mm ? cJSON_GetObjectItemCaseSensitive(mm->extra, "metric") : NULL;
	uint32_t vid = bpf_map__btf_value_type_id(map);
	struct mapctx c = {0};
	const char *help = json_str(metric, "help");
	struct mreader rd;
	char hbuf[300], name[320];
	int err;

	if (!help) {
		snprintf(hbuf, sizeof(hbuf), "BPF map %s", bpf_map__name(map));
		help = hbuf;
	}
	err = reader_init(&rd, map);
	plan_key(m, &c.kp, bpf_map__btf_key_type_id(map), rd.ksz,
		 cJSON_GetObjectItemCaseSensitive(metric, "labels"));
	if (err)
		goto out;
	if (!eun_sample_find_slots(m->btf, vid, &c.off, &c.nslots, &c.esz)) {
		c.linear = mm && mm->has_sample && mm->sample.type == EUN_SAMPLE_LINEAR_HIST;
		snprintf(name, sizeof(name), "%s", map_base(m, bpf_map__name(map), metric));
		c.name = name;
		family(m, name, "histogram", help);
		err = walk_map(m, &rd, hist_entry, &c);
	} else {
		err = map_fields(m, map, &rd, &c, metric, help);
	}
out:
	reader_free(&rd);
	return err;
}

static bool tabled(enum bpf_map_type t)
{
	return t == BPF_MAP_TYPE_HASH || t == BPF_MAP_TYPE_ARRAY || t == BPF_MAP_TYPE_LRU_HASH ||
	       is_percpu(t);
}

static void event_counts(struct mx *m, struct eunomia_runner *r)
{
	struct eunomia_map_stats st[16];
	size_t n = eunomia_runner__map_stats(r, st, 16);
	char name[256];

	if (n > 16)
		n = 16;
	for (int lost = 0; lost < 2 && n; lost++) {
		sb_reset(&m->name);
		put_sanitised(&m->name, m->prefix, false);
		sb_adds(&m->name, lost ? "_events_lost" : "_events");
		family(m, sb_str(&m->name), "counter",
		       lost ? "events lost per event map" : "events received per event map");
		snprintf(name, sizeof(name), "%s_total", sb_str(&m->name));
		for (size_t i = 0; i < n; i++) {
			sb_reset(&m->lab);
			sb_adds(&m->lab, "map=\"");
			put_label_value(&m->lab, st[i].map, strlen(st[i].map));
			sb_adds(&m->lab, "\"");
			sample_line(m, name, "", m->lab.buf, m->lab.len,
				    lost ? st[i].lost : st[i].events, false);
		}
	}
}

/* Turned on by the sysctl (a BPF_ENABLE_STATS fd leaves the sysctl at 0). */
static bool bpf_stats_on(void)
{
	FILE *f = fopen("/proc/sys/kernel/bpf_stats_enabled", "re");
	int c = f ? fgetc(f) : EOF;

	if (f)
		fclose(f);
	return c == '1';
}

static void prog_stats(struct mx *m, struct bpf_object *obj, bool held)
{
	static const char *const what[2] = {"run_count", "run_time_seconds"};
	struct bpf_program *p;
	char name[256];

	if (!held && !bpf_stats_on())
		return;
	for (int w = 0; w < 2; w++) {
		sb_reset(&m->name);
		put_sanitised(&m->name, m->prefix, false);
		sb_addf(&m->name, "_prog_%s", what[w]);
		family(m, sb_str(&m->name), "counter",
		       w ? "time spent in the program (kernel BPF statistics)"
			 : "runs of the program (kernel BPF statistics)");
		snprintf(name, sizeof(name), "%s_total", sb_str(&m->name));
		bpf_object__for_each_program(p, obj) {
			struct bpf_prog_info info = {};
			uint32_t len = sizeof(info);
			int fd = bpf_program__fd(p);

			if (fd < 0 || bpf_obj_get_info_by_fd(fd, &info, &len))
				continue;
			sb_reset(&m->lab);
			sb_adds(&m->lab, "prog=\"");
			put_label_value(&m->lab, bpf_program__name(p), SIZE_MAX);
			sb_adds(&m->lab, "\"");
			sample_head(m, name, "", m->lab.buf, m->lab.len);
			if (w)
				sb_addf(&m->line, "%.9f\n", (double)info.run_time_ns / 1e9);
			else
				sb_addf(&m->line, "%llu\n", (unsigned long long)info.run_cnt);
		}
	}
}

size_t eunomia_runner__map_stats(const struct eunomia_runner *r, struct eunomia_map_stats *st,
				 size_t n)
{
	return r && r->output ? eun_output__map_stats(r->output, st, n) : 0;
}

int eunomia_runner__metrics(struct eunomia_runner *r, FILE *out,
			    const struct eunomia_metrics_opts *opts)
{
	struct eunomia_metrics_opts o = {0};
	struct mx m = {.out = out};
	struct bpf_map *map;
	int err = 0;

	if (!r || !out)
		return -EINVAL;
	if (!r->output || !r->obj)
		return -EUNOMIA_ERR_STATE;
	if (opts)
		memcpy(&o, opts, opts->sz < sizeof(o) ? opts->sz : sizeof(o));
	m.prefix = o.prefix ? o.prefix : eunomia_package__name(r->pkg);
	m.labels = o.labels ? o.labels : "";
	m.om = o.openmetrics;
	m.btf = bpf_object__btf(r->obj);
	bpf_object__for_each_map(map, r->obj) {
		const struct eun_map *mm = NULL;

		if (!tabled(bpf_map__type(map)) || bpf_map__is_internal(map) || !m.btf ||
		    !bpf_map__btf_value_type_id(map) || bpf_map__fd(map) < 0)
			continue;
		for (size_t i = 0; i < r->meta->nr_maps; i++)
			if (r->meta->maps[i].name &&
			    !strcmp(r->meta->maps[i].name, bpf_map__name(map)))
				mm = &r->meta->maps[i];
		err = map_metrics(&m, map, mm);
		if (err)
			break;
	}
	if (!err) {
		event_counts(&m, r);
		prog_stats(&m, r->obj, r->stats_fd >= 0);
		line_flush(&m);
		if (m.om && !o.no_eof)
			fputs("# EOF\n", out);
	}
	line_flush(&m);
	sb_free(&m.line);
	sb_free(&m.lab);
	sb_free(&m.name);
	if (!err && ferror(out))
		err = -EIO;
	return err;
}
