// SPDX-License-Identifier: MIT
/*
 * The exit dump: what a tool keeps in maps and globals, printed once when it stops, as
 * bpftrace does. Tools written for their own user space keep histograms and counters in maps
 * (by pid, comm, device, syscall) or in .bss arrays and print them themselves; here nobody
 * would. Printed: every non-empty hash/array map that is not an event buffer, a stack map or
 * a data section (sampled maps print their last interval through output.c), and the non-zero
 * variables of .bss/.data that the programs changed (their values right after load are kept:
 * a tool flag is a global too, and printing it back would be noise). A value with a `slots` integer
 * array prints as a log2 histogram per key; other maps as a table sorted by value, largest first.
 * JSON: one object per entry,
 * {"map": M, "key": K, "value": V}, and {"map": M, "var": NAME, "value": V} for globals.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <bpf/bpf.h>
#include <bpf/btf.h>
#include <bpf/libbpf.h>

#include "common/jsonw.h"
#include "common/util.h"
#include "loader/decoder.h"
#include "loader/internal.h"
#include "loader/sample.h"

static bool dumpable_type(enum bpf_map_type t)
{
	switch (t) {
	case BPF_MAP_TYPE_HASH:
	case BPF_MAP_TYPE_ARRAY:
	case BPF_MAP_TYPE_PERCPU_HASH:
	case BPF_MAP_TYPE_PERCPU_ARRAY:
	case BPF_MAP_TYPE_LRU_HASH:
	case BPF_MAP_TYPE_LRU_PERCPU_HASH:
		return true;
	default:
		return false; /* event buffers, stack maps, prog/map arrays, sockets, ... */
	}
}

/* A writable data section: ".bss", ".data", ".data.<name>" (not .rodata, .kconfig). */
static bool writable_datasec(const struct bpf_map *map)
{
	const char *n = bpf_map__name(map), *dot;

	if (!bpf_map__is_internal(map))
		return false;
	dot = strchr(n, '.');
	return dot && (!strcmp(dot, ".bss") || !strncmp(dot, ".data", 5));
}

/*
 * A per-CPU scratch buffer (libbpf-tools' `heap`: a one-entry per-CPU array whose value is a
 * record being built): what it holds is whatever a CPU last built, not something the tool
 * kept; leave it out.
 */
static bool is_scratch(const struct bpf_map *map, const struct btf *btf)
{
	const struct btf_type *t;
	uint32_t vid = bpf_map__btf_value_type_id(map);

	if (bpf_map__type(map) != BPF_MAP_TYPE_PERCPU_ARRAY || bpf_map__max_entries(map) != 1)
		return false;
	vid = btf && vid ? eun_btf_skip_mods(btf, vid) : 0;
	t = vid ? btf__type_by_id(btf, vid) : NULL;
	return !t || btf_is_composite(t) || btf_is_array(t);
}

static bool is_sampled(const struct eun_meta *meta, const char *name)
{
	for (size_t i = 0; meta && i < meta->nr_maps; i++)
		if (meta->maps[i].has_sample && meta->maps[i].name &&
		    !strcmp(meta->maps[i].name, name))
			return true;
	return false;
}

/* Writable data sections as they were right after load. */
struct eun_dump_snap {
	size_t n;
	struct {
		const struct bpf_map *map;
		unsigned char *data;
	} v[];
};

struct eun_dump_snap *eun_dump__snapshot(struct bpf_object *obj)
{
	struct eun_dump_snap *s;
	struct bpf_map *map;
	size_t n = 0;
	uint32_t zero = 0;

	bpf_object__for_each_map(map, obj)
		n += writable_datasec(map);
	s = calloc(1, sizeof(*s) + n * sizeof(s->v[0]));
	if (!s)
		return NULL;
	bpf_object__for_each_map(map, obj) {
		size_t vsz = bpf_map__value_size(map);
		unsigned char *d;

		if (!writable_datasec(map) || !vsz || bpf_map__fd(map) < 0)
			continue;
		d = calloc(1, vsz);
		if (!d || bpf_map_lookup_elem(bpf_map__fd(map), &zero, d)) {
			free(d);
			continue;
		}
		s->v[s->n].map = map;
		s->v[s->n++].data = d;
	}
	return s;
}

void eun_dump__snapshot_free(struct eun_dump_snap *s)
{
	for (size_t i = 0; s && i < s->n; i++)
		free(s->v[i].data);
	free(s);
}

static const unsigned char *snap_of(const struct eun_dump_snap *s, const struct bpf_map *map)
{
	for (size_t i = 0; s && i < s->n; i++)
		if (s->v[i].map == map)
			return s->v[i].data;
	return NULL;
}

/* The variables of one data section that changed since load (or, with no snapshot, are
 * non-zero): "name = value" lines or JSON objects. */
static int dump_datasec(const struct bpf_map *map, const struct btf *btf,
			const unsigned char *before, enum eunomia_format fmt, eun_line_fn emit,
			void *ctx, bool *titled)
{
	uint32_t vid = bpf_map__btf_value_type_id(map), zero = 0;
	size_t vsz = bpf_map__value_size(map);
	const struct btf_type *t = vid ? btf__type_by_id(btf, vid) : NULL;
	const struct btf_var_secinfo *vs;
	struct strbuf sb = STRBUF_INIT;
	unsigned char *buf;
	int err = 0;

	if (!t || !btf_is_datasec(t) || !vsz)
		return 0;
	buf = calloc(1, vsz);
	if (!buf)
		return -ENOMEM;
	if (bpf_map_lookup_elem(bpf_map__fd(map), &zero, buf))
		goto out; /* not readable (mmap-only or frozen): nothing to say */
	vs = btf_var_secinfos(t);
	for (int i = 0; i < btf_vlen(t) && !err; i++, vs++) {
		const struct btf_type *v = btf__type_by_id(btf, vs->type);
		const char *name = v ? btf__name_by_offset(btf, v->name_off) : NULL;

		if (!v || !btf_is_var(v) || !name || vs->offset > vsz ||
		    vs->size > vsz - vs->offset)
			continue;
		if (before ? !memcmp(before + vs->offset, buf + vs->offset, vs->size)
			   : eun_all_zero(buf + vs->offset, vs->size))
			continue;
		sb_reset(&sb);
		if (fmt == EUNOMIA_FMT_JSON) {
			struct jsonw w;

			jsonw_init(&w, &sb);
			jsonw_start_object(&w);
			jsonw_key(&w, "map");
			jsonw_string(&w, bpf_map__name(map));
			jsonw_key(&w, "var");
			jsonw_string(&w, name);
			jsonw_key(&w, "value");
			err = eun_dec_json(&w, btf, v->type, buf + vs->offset, vs->size);
			if (!err)
				err = jsonw_end_object(&w);
		} else {
			if (!*titled) {
				*titled = true;
				err = emit(ctx, "globals:", 8);
			}
			if (!err)
				err = sb_addf(&sb, "%s = ", name);
			if (!err)
				err = eun_dec_plain(&sb, btf, v->type, buf + vs->offset, vs->size);
		}
		if (!err)
			err = emit(ctx, sb_str(&sb), sb.len);
	}
out:
	sb_free(&sb);
	free(buf);
	return err;
}

/* Plain mode: a "map NAME:" line before a map's entries, a blank line after them. */
struct titled_emit {
	eun_line_fn emit;
	void *ctx;
	const char *name;
	bool titled;
};

static int titled_cb(void *ctx, const char *line, size_t len)
{
	struct titled_emit *te = ctx;
	char title[160];
	int err;

	if (!te->titled) {
		te->titled = true;
		snprintf(title, sizeof(title), "map %s:", te->name);
		err = te->emit(te->ctx, title, strlen(title));
		if (err)
			return err;
	}
	return te->emit(te->ctx, line, len);
}

int eun_dump__maps(struct bpf_object *obj, const struct btf *btf, const struct eun_meta *meta,
		   const struct eun_dump_snap *snap, enum eunomia_format fmt, eun_line_fn emit,
		   void *ctx, const struct eun_logger *log)
{
	struct bpf_map *map;
	bool globals_titled = false;
	int err = 0, printed = 0;

	if (fmt == EUNOMIA_FMT_RAW)
		fmt = EUNOMIA_FMT_PLAIN; /* raw is for records; maps are always decoded */
	bpf_object__for_each_map(map, obj) {
		struct eun_sample s = {.type = EUN_SAMPLE_DEFAULT_KV};
		struct titled_emit te = {.emit = emit, .ctx = ctx, .name = bpf_map__name(map)};
		uint32_t vid = bpf_map__btf_value_type_id(map);
		int n;

		if (bpf_map__fd(map) < 0)
			continue;
		if (writable_datasec(map)) {
			if (btf)
				err = dump_datasec(map, btf, snap_of(snap, map), fmt, emit, ctx,
						   &globals_titled);
			if (err)
				break;
			continue;
		}
		if (bpf_map__is_internal(map) || !dumpable_type(bpf_map__type(map)) ||
		    is_sampled(meta, bpf_map__name(map)) || is_scratch(map, btf))
			continue;
		if (eun_sample_has_slots(btf, vid)) {
			s.type = EUN_SAMPLE_LOG2_HIST;
			s.unit = "value";
		}
		n = eun_sample_print_flags(
			&s, map, btf, fmt, fmt == EUNOMIA_FMT_JSON ? emit : titled_cb,
			fmt == EUNOMIA_FMT_JSON ? ctx : (void *)&te, log,
			EUN_SAMPLE_BY_VALUE | EUN_SAMPLE_JSON_MAP | EUN_SAMPLE_SKIP_ZERO);
		if (n < 0) {
			err = n;
			break;
		}
		printed += n;
		if (te.titled && s.type == EUN_SAMPLE_DEFAULT_KV)
			err = emit(ctx, "", 0);
		if (err)
			break;
	}
	return err < 0 ? err : printed;
}
