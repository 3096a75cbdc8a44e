// SPDX-License-Identifier: MIT
/*
 * Stacks in events, in the two forms tools use:
 *
 *  - inline arrays of __u64 filled by bpf_get_stack, with a size in bytes beside them, named by
 *    the ring/perf buffer map's annotation `@intepreter {"stack_trace": {"field_map": {...},
 *    "with_symbols": true}}` (the public toolchain's spelling; `@interpreter` works too). The
 *    default field names are those of the public profile example: pid, comm, kstack,
 *    kstack_sz, ustack, ustack_sz;
 *  - ids from bpf_get_stackid: `*stack_id` fields looked up in the BPF_MAP_TYPE_STACK_TRACE
 *    map named by the annotation's "stack_map", or in the object's one stack map (without an
 *    annotation that is the only form recognised, and only when it is unambiguous).
 *
 * Frames are named by symbolize.c: the kernel's from kallsyms, the user's through libdwfl.
 */
#include <bpf/bpf.h>
#include <bpf/btf.h>
#include <bpf/libbpf.h>
#include <cjson/cJSON.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "common/btfutil.h"
#include "common/jsonw.h"
#include "common/log.h"
#include "common/strbuf.h"
#include "loader/decoder.h"
#include "loader/stack.h"
#include "loader/symbolize.h"
#include "packer/meta.h"

#define EUN_STACK_MAX 1024 /* frames per stack at most */

struct eun_sfield {
	bool present;
	uint32_t off, size; /* bytes */
	uint32_t nelem;	    /* arrays: elements */
	bool is_signed;
};

struct eun_stackdec {
	const struct eun_logger *log;
	bool by_id;
	struct eun_sfield pid, comm, kstack, kstack_sz, ustack, ustack_sz, kid, uid;
	int stack_fd; /* by_id: the stack map */
	uint32_t stack_value_size;
	const struct eun_ksyms *ksyms;
	struct eun_usyms *usyms;
	uint64_t kaddr[EUN_STACK_MAX], uaddr[EUN_STACK_MAX];
	uint64_t *idbuf;
	bool warned_lookup;
};

/* The annotation on the map: its "stack_trace" object, or NULL. */
static const cJSON *stack_annotation(const struct eun_map *mm)
{
	static const char *const keys[] = {"intepreter", "interpreter"};
	size_t i;

	for (i = 0; mm && mm->extra && i < 2; i++) {
		const cJSON *a = cJSON_GetObjectItemCaseSensitive(mm->extra, keys[i]);
		const cJSON *st = cJSON_GetObjectItemCaseSensitive(a, "stack_trace");

		if (cJSON_IsObject(st))
			return st;
	}
	return NULL;
}

static int find_member(const struct btf *btf, const struct btf_type *st, const char *name,
		       struct eun_sfield *f)
{
	const struct btf_member *m = btf_members(st);
	int i;

	*f = (struct eun_sfield){0};
	if (!name)
		return -ENOENT;
	for (i = 0; i < btf_vlen(st); i++, m++) {
		const struct btf_type *t;
		uint32_t tid;

		if (strcmp(btf__name_by_offset(btf, m->name_off), name) != 0)
			continue;
		if (btf_member_bitfield_size(st, i))
			return -EINVAL;
		tid = eun_btf_skip_mods(btf, m->type);
		t = btf__type_by_id(btf, tid);
		if (!t)
			return -EINVAL;
		f->off = btf_member_bit_offset(st, i) / 8;
		if (btf_is_array(t)) {
			const struct btf_array *a = btf_array(t);
			__s64 esz = btf__resolve_size(btf, a->type);

			if (esz <= 0)
				return -EINVAL;
			f->nelem = a->nelems;
			f->size = (uint32_t)(esz * a->nelems);
		} else {
			__s64 sz = btf__resolve_size(btf, tid);
			size_t isz;
			int sgn = 0;

			if (sz <= 0 || sz > 8)
				return -EINVAL;
			f->size = (uint32_t)sz;
			if (eun_btf_int_info(btf, tid, &isz, &sgn))
				f->is_signed = sgn;
		}
		f->present = true;
		return 0;
	}
	return -ENOENT;
}

/* The field name for a logical name: field_map's entry, else the logical name itself. */
static const char *mapped(const cJSON *ann, const char *logical)
{
	const cJSON *fm = cJSON_GetObjectItemCaseSensitive(ann, "field_map");
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(fm, logical);

	return cJSON_IsString(v) ? v->valuestring : logical;
}

static bool ends_with(const char *s, const char *suffix)
{
	size_t a = strlen(s), b = strlen(suffix);

	return a >= b && strcmp(s + a - b, suffix) == 0;
}

/* Without names given: the `*stack_id` fields, a user one (named u... or ...user...) and a
 * kernel one. */
static void find_id_fields(const struct btf *btf, const struct btf_type *st, struct eun_stackdec *d)
{
	const struct btf_member *m = btf_members(st);
	int i;

	for (i = 0; i < btf_vlen(st); i++, m++) {
		const char *n = btf__name_by_offset(btf, m->name_off);
		bool user;

		if (!n || !ends_with(n, "stack_id"))
			continue;
		user = n[0] == 'u' || strstr(n, "user");
		if (user && !d->uid.present)
			find_member(btf, st, n, &d->uid);
		else if (!user && !d->kid.present)
			find_member(btf, st, n, &d->kid);
	}
}

static struct bpf_map *stack_map(struct bpf_object *obj, const char *name, int *count)
{
	struct bpf_map *m, *found = NULL;

	*count = 0;
	bpf_object__for_each_map(m, obj) {
		if (bpf_map__type(m) != BPF_MAP_TYPE_STACK_TRACE)
			continue;
		if (name && strcmp(bpf_map__name(m), name) != 0)
			continue;
		found = m;
		(*count)++;
	}
	return found;
}

struct eun_stackdec *eun_stack__new(const struct eun_logger *log, struct bpf_object *obj,
				    const struct btf *btf, uint32_t type_id,
				    const struct eun_map *mm, int *err)
{
	const cJSON *ann = stack_annotation(mm), *ws, *smn;
	const struct btf_type *st;
	struct eun_stackdec *d;
	struct bpf_map *smap = NULL;
	const char *map_name = mm ? mm->name : "?";
	int nstack = 0;
	bool hidden = false;
	char why[160];

	*err = 0;
	st = type_id ? btf__type_by_id(btf, eun_btf_skip_mods(btf, type_id)) : NULL;
	if (!st || !btf_is_struct(st))
		return NULL;
	ws = cJSON_GetObjectItemCaseSensitive(ann, "with_symbols");
	if (ann && cJSON_IsBool(ws) && cJSON_IsFalse(ws))
		return NULL;
	d = calloc(1, sizeof(*d));
	if (!d) {
		*err = -ENOMEM;
		return NULL;
	}
	d->log = log;
	d->stack_fd = -1;
	find_member(btf, st, mapped(ann, "pid"), &d->pid);
	if (!d->pid.present)
		find_member(btf, st, mapped(ann, "tgid"), &d->pid);
	find_member(btf, st, mapped(ann, "comm"), &d->comm);
	if (ann) {
		find_member(btf, st, mapped(ann, "kstack"), &d->kstack);
		find_member(btf, st, mapped(ann, "ustack"), &d->ustack);
		find_member(btf, st, mapped(ann, "kstack_sz"), &d->kstack_sz);
		find_member(btf, st, mapped(ann, "ustack_sz"), &d->ustack_sz);
		if (d->kstack.nelem == 0)
			d->kstack.present = false;
		if (d->ustack.nelem == 0)
			d->ustack.present = false;
	}
	if (!d->kstack.present && !d->ustack.present) {
		find_member(btf, st, mapped(ann, "kstack_id"), &d->kid);
		find_member(btf, st, mapped(ann, "ustack_id"), &d->uid);
		if (!d->kid.present && !d->uid.present)
			find_id_fields(btf, st, d);
		smn = cJSON_GetObjectItemCaseSensitive(ann, "stack_map");
		smap = stack_map(obj, cJSON_IsString(smn) ? smn->valuestring : NULL, &nstack);
		if ((d->kid.present || d->uid.present) && nstack != 1) {
			if (ann || nstack > 1)
				eun_warn(
					log,
					"map '%s': %s; stack ids print as numbers (name the map with "
					"\"stack_map\" in the @intepreter {\"stack_trace\": ...} "
					"annotation)",
					map_name,
					nstack ? "the object has several stack trace maps"
					       : "no BPF_MAP_TYPE_STACK_TRACE map to look the ids up in");
			goto none;
		}
		if (!d->kid.present && !d->uid.present) {
			if (ann)
				eun_warn(
					log,
					"map '%s': the stack_trace annotation names no stack field "
					"of the event (kstack/ustack arrays or *stack_id fields); "
					"check its field_map",
					map_name);
			goto none;
		}
		d->by_id = true;
		d->stack_fd = bpf_map__fd(smap);
		d->stack_value_size = bpf_map__value_size(smap);
		d->idbuf = calloc(1, d->stack_value_size + 8);
		if (d->stack_fd < 0 || !d->idbuf) {
			*err = d->idbuf ? -EBADF : -ENOMEM;
			eun_stack__free(d);
			return NULL;
		}
	}
	if (d->kstack.present || d->kid.present) {
		d->ksyms = eun_ksyms__get(&hidden);
		if (!d->ksyms)
			eun_warn(log,
				 "cannot read /proc/kallsyms: kernel frames print as addresses");
		else if (hidden)
			eun_warn(log,
				 "/proc/kallsyms shows no addresses (kernel.kptr_restrict, or not "
				 "root): kernel frames print as addresses; run as root or set "
				 "/proc/sys/kernel/kptr_restrict to 0");
	}
	if (d->ustack.present || d->uid.present) {
		d->usyms = eun_usyms__new(why, sizeof(why));
		if (!d->usyms)
			eun_warn(log,
				 "cannot load libdw (%s): user frames print as addresses; install "
				 "elfutils' libdw1",
				 why);
	}
	return d;
none:
	eun_stack__free(d);
	return NULL;
}

static uint64_t get_uint(const struct eun_sfield *f, const void *data, size_t size)
{
	const unsigned char *p = data;
	uint64_t v = 0;
	int64_t s;

	if (!f->present || f->off + f->size > size || f->size > 8)
		return 0;
	switch (f->size) {
	case 1: {
		uint8_t x;
		memcpy(&x, p + f->off, 1);
		s = f->is_signed ? (int8_t)x : x;
		break;
	}
	case 2: {
		uint16_t x;
		memcpy(&x, p + f->off, 2);
		s = f->is_signed ? (int16_t)x : x;
		break;
	}
	case 4: {
		uint32_t x;
		memcpy(&x, p + f->off, 4);
		s = f->is_signed ? (int32_t)x : (int64_t)x;
		break;
	}
	default:
		memcpy(&v, p + f->off, 8);
		return v;
	}
	return (uint64_t)s;
}

/* Frames of an inline array: size field in bytes (negative: an error, no frames), else up to
 * the first zero. */
static size_t inline_frames(const struct eun_sfield *arr, const struct eun_sfield *sz,
			    const void *data, size_t size, uint64_t *out)
{
	size_t n = arr->nelem, i;

	if (!arr->present || arr->off + arr->size > size || arr->size / arr->nelem != 8)
		return 0;
	if (sz->present) {
		int64_t bytes = (int64_t)get_uint(sz, data, size);

		if (bytes <= 0)
			return 0;
		if ((uint64_t)bytes / 8 < n)
			n = (size_t)bytes / 8;
	}
	if (n > EUN_STACK_MAX)
		n = EUN_STACK_MAX;
	memcpy(out, (const char *)data + arr->off, n * 8);
	for (i = 0; i < n && out[i]; i++)
		;
	return i;
}

static size_t id_frames(struct eun_stackdec *d, const struct eun_sfield *f, const void *data,
			size_t size, uint64_t *out)
{
	int64_t id = (int64_t)get_uint(f, data, size);
	size_t n = d->stack_value_size / 8, i;
	uint32_t key;

	if (!f->present || id < 0 || id > UINT32_MAX)
		return 0;
	key = (uint32_t)id;
	if (bpf_map_lookup_elem(d->stack_fd, &key, d->idbuf)) {
		if (!d->warned_lookup)
			eun_info(d->log,
				 "stack id %u is not in the stack map any more (reused or "
				 "dropped): printing an empty stack",
				 key);
		d->warned_lookup = true;
		return 0;
	}
	if (n > EUN_STACK_MAX)
		n = EUN_STACK_MAX;
	for (i = 0; i < n && d->idbuf[i]; i++)
		out[i] = d->idbuf[i];
	return i;
}

static void resolve(struct eun_stackdec *d, bool user, int pid, uint64_t addr, struct eun_frame *f)
{
	if (user)
		eun_usyms__lookup(d->usyms, pid, addr, f);
	else
		eun_ksyms__lookup(d->ksyms, addr, f);
}

static const char *base_name(const char *p)
{
	const char *s = p ? strrchr(p, '/') : NULL;

	return s ? s + 1 : p;
}

static int plain_frames(struct eun_stackdec *d, struct strbuf *sb, bool user, int pid,
			const uint64_t *a, size_t n)
{
	struct eun_frame f;
	size_t i;
	int err = 0;

	for (i = 0; i < n && !err; i++) {
		resolve(d, user, pid, a[i], &f);
		if (!f.sym) {
			err = sb_addf(sb, "    [unknown] 0x%llx\n", (unsigned long long)a[i]);
			continue;
		}
		err = sb_addf(sb, "    %s+0x%llx", f.sym, (unsigned long long)f.offset);
		if (!err && f.module && (user || strcmp(f.module, "kernel") != 0))
			err = sb_addf(sb, " [%s]", base_name(f.module));
		if (!err && f.file && f.line)
			err = sb_addf(sb, " %s:%d", base_name(f.file), f.line);
		if (!err)
			err = sb_addc(sb, '\n');
	}
	return err;
}

/* `"key":[{addr, sym, offset, module, file, line}, ...]` appended to sb. */
static int json_frames(struct eun_stackdec *d, struct strbuf *sb, const char *key, bool user,
		       int pid, const uint64_t *a, size_t n)
{
	struct eun_frame f;
	struct jsonw w;
	size_t i;
	int err = sb_addf(sb, "\"%s\":", key);

	if (err)
		return err;
	jsonw_init(&w, sb);
	jsonw_start_array(&w);
	for (i = 0; i < n; i++) {
		resolve(d, user, pid, a[i], &f);
		jsonw_start_object(&w);
		jsonw_key(&w, "addr");
		jsonw_u64(&w, a[i]);
		jsonw_key(&w, "sym");
		f.sym ? jsonw_string(&w, f.sym) : jsonw_null(&w);
		jsonw_key(&w, "offset");
		jsonw_u64(&w, f.offset);
		jsonw_key(&w, "module");
		f.module ? jsonw_string(&w, f.module) : jsonw_null(&w);
		jsonw_key(&w, "file");
		f.file ? jsonw_string(&w, f.file) : jsonw_null(&w);
		jsonw_key(&w, "line");
		f.line ? jsonw_u64(&w, (uint64_t)f.line) : jsonw_null(&w);
		jsonw_end_object(&w);
	}
	jsonw_end_array(&w);
	return jsonw_error(&w);
}

/* Folded frames, outermost first; ';' and spaces in names would break the format. */
static int folded_frames(struct eun_stackdec *d, struct strbuf *sb, bool user, int pid,
			 const uint64_t *a, size_t n)
{
	struct eun_frame f;
	size_t i, start;
	int err = 0;

	while (n-- > 0 && !err) {
		resolve(d, user, pid, a[n], &f);
		err = sb_addc(sb, ';');
		start = sb->len;
		if (!err)
			err = sb_adds(sb, f.sym ? f.sym : "[unknown]");
		for (i = start; !err && i < sb->len; i++)
			if (sb->buf[i] == ';' || sb->buf[i] == ' ')
				sb->buf[i] = '_';
	}
	return err;
}

static void get_comm(const struct eun_stackdec *d, const void *data, size_t size, char *buf,
		     size_t bsz)
{
	size_t n = d->comm.size < bsz - 1 ? d->comm.size : bsz - 1, i;

	buf[0] = '\0';
	if (!d->comm.present || d->comm.off + d->comm.size > size)
		return;
	memcpy(buf, (const char *)data + d->comm.off, n);
	buf[n] = '\0';
	for (i = 0; buf[i]; i++)
		if (buf[i] == ';' || buf[i] == ' ' || (unsigned char)buf[i] < 0x20)
			buf[i] = '_';
}

/* The frames of one record into d->kaddr/uaddr: *nk, *nu. */
static void collect(struct eun_stackdec *d, const void *data, size_t size, size_t *nk, size_t *nu)
{
	eun_usyms__begin(d->usyms);
	if (d->by_id) {
		*nk = id_frames(d, &d->kid, data, size, d->kaddr);
		*nu = id_frames(d, &d->uid, data, size, d->uaddr);
	} else {
		*nk = inline_frames(&d->kstack, &d->kstack_sz, data, size, d->kaddr);
		*nu = inline_frames(&d->ustack, &d->ustack_sz, data, size, d->uaddr);
	}
}

/* sb holds a JSON object from start on: add kernel_stack and user_stack to it. */
static int json_stacks(struct eun_stackdec *d, struct strbuf *sb, size_t start, int pid, size_t nk,
		       size_t nu)
{
	int err = 0;

	if (sb->len == start || sb->buf[sb->len - 1] != '}')
		return 0;
	sb->len--; /* reopen the object */
	if (sb->len > start + 1)
		err = sb_addc(sb, ',');
	if (!err)
		err = json_frames(d, sb, "kernel_stack", false, pid, d->kaddr, nk);
	if (!err)
		err = sb_addc(sb, ',');
	if (!err)
		err = json_frames(d, sb, "user_stack", true, pid, d->uaddr, nu);
	return err ? err : sb_addc(sb, '}');
}

/* Plain block or folded line for one stack seen count times. */
static int text_stacks(struct eun_stackdec *d, struct strbuf *sb, bool folded, const void *data,
		       size_t size, int pid, size_t nk, size_t nu, uint64_t count)
{
	char comm[64];
	int err;

	get_comm(d, data, size, comm, sizeof(comm));
	if (folded) {
		err = sb_adds(sb, comm[0] ? comm : "[unknown]");
		if (!err)
			err = folded_frames(d, sb, true, pid, d->uaddr, nu);
		if (!err)
			err = folded_frames(d, sb, false, pid, d->kaddr, nk);
		return err ? err : sb_addf(sb, " %llu", (unsigned long long)count);
	}
	err = plain_frames(d, sb, false, pid, d->kaddr, nk);
	/* as profile(8): the delimiter only between two stacks */
	if (!err && nk && nu)
		err = sb_adds(sb, "    --\n");
	if (!err)
		err = plain_frames(d, sb, true, pid, d->uaddr, nu);
	if (!err)
		err = sb_addf(sb, "    %-16s (%d)\n        %llu\n", comm, pid,
			      (unsigned long long)count);
	return err;
}

int eun_stack__event(struct eun_stackdec *d, struct strbuf *sb, const struct eun_dec_plan *plan,
		     enum eunomia_format fmt, bool folded, const void *data, size_t size,
		     const char *ts, const char *label)
{
	int pid = (int)get_uint(&d->pid, data, size), err;
	size_t nk, nu, start = sb->len;

	collect(d, data, size, &nk, &nu);
	if (fmt != EUNOMIA_FMT_JSON)
		return text_stacks(d, sb, folded, data, size, pid, nk, nu, 1);
	err = eun_dec_plan_event(sb, plan, data, size, ts, label);
	return err ? err : json_stacks(d, sb, start, pid, nk, nu);
}

/* ---- sampled maps: one entry per unique stack, its value the count ---- */

struct agg_entry {
	unsigned char *key;
	uint64_t count;
};

static int agg_cmp(const void *a, const void *b)
{
	const struct agg_entry *x = a, *y = b;

	return x->count < y->count ? -1 : x->count > y->count;
}

/* Integer value of an entry, summed over CPUs for per-CPU maps. */
static uint64_t entry_count(const unsigned char *v, size_t vsz, size_t stride, int ncpu)
{
	uint64_t sum = 0;
	int c;

	for (c = 0; c < ncpu; c++) {
		const unsigned char *p = v + (size_t)c * stride;

		if (vsz >= 8) {
			uint64_t x;

			memcpy(&x, p, 8);
			sum += x;
		} else if (vsz == 4) {
			uint32_t x;

			memcpy(&x, p, 4);
			sum += x;
		}
	}
	return sum;
}

/* Emit sb's lines one by one (a block holds several). */
static int emit_block(struct strbuf *sb, eun_stack_line_fn emit, void *ctx)
{
	size_t pos = 0;
	int err = 0;

	while (pos < sb->len && !err) {
		char *nl = memchr(sb->buf + pos, '\n', sb->len - pos);
		size_t end = nl ? (size_t)(nl - sb->buf) : sb->len;

		err = emit(ctx, sb->buf + pos, end - pos);
		pos = end + 1;
	}
	return err;
}

int eun_stack__map(struct eun_stackdec *d, const struct bpf_map *map, const struct btf *btf,
		   enum eunomia_format fmt, bool folded, bool clear, eun_stack_line_fn emit,
		   void *ctx)
{
	enum bpf_map_type t = bpf_map__type(map);
	bool percpu = t == BPF_MAP_TYPE_PERCPU_HASH || t == BPF_MAP_TYPE_LRU_PERCPU_HASH;
	size_t ksz = bpf_map__key_size(map), vsz = bpf_map__value_size(map);
	size_t stride = percpu ? (vsz + 7) / 8 * 8 : vsz, n = 0, cap = 0, i;
	int ncpu = percpu ? libbpf_num_possible_cpus() : 1, fd = bpf_map__fd(map), err = 0;
	uint32_t kid = bpf_map__btf_key_type_id(map);
	struct agg_entry *ents = NULL;
	struct strbuf sb = STRBUF_INIT;
	unsigned char *prev = NULL, *key, *val;

	if (ncpu < 1)
		return ncpu;
	val = malloc(stride * (size_t)ncpu);
	key = malloc(ksz);
	if (!val || !key) {
		err = -ENOMEM;
		goto out;
	}
	while (bpf_map_get_next_key(fd, prev, key) == 0) {
		struct agg_entry *e;

		if (n == cap) {
			cap = cap ? cap * 2 : 256;
			e = realloc(ents, cap * sizeof(*e));
			if (!e) {
				err = -ENOMEM;
				goto out;
			}
			ents = e;
		}
		e = &ents[n];
		e->key = malloc(ksz);
		if (!e->key) {
			err = -ENOMEM;
			goto out;
		}
		memcpy(e->key, key, ksz);
		prev = e->key;
		n++;
		if (bpf_map_lookup_elem(fd, key, val)) {
			e->count = 0; /* deleted meanwhile */
			continue;
		}
		e->count = entry_count(val, vsz, stride, ncpu);
	}
	/* bcc's profile order: the most frequent stack last, next to the prompt */
	if (n)
		qsort(ents, n, sizeof(*ents), agg_cmp);
	for (i = 0; i < n && !err; i++) {
		int pid = (int)get_uint(&d->pid, ents[i].key, ksz);
		size_t nk, nu;

		if (!ents[i].count)
			continue;
		sb_reset(&sb);
		collect(d, ents[i].key, ksz, &nk, &nu);
		if (fmt == EUNOMIA_FMT_JSON) {
			struct jsonw w;

			jsonw_init(&w, &sb);
			jsonw_start_object(&w);
			jsonw_key(&w, "key");
			err = eun_dec_json(&w, btf, kid, ents[i].key, ksz);
			jsonw_key(&w, "value");
			jsonw_u64(&w, ents[i].count);
			jsonw_end_object(&w);
			if (!err)
				err = jsonw_error(&w);
			if (!err)
				err = json_stacks(d, &sb, 0, pid, nk, nu);
		} else {
			err = text_stacks(d, &sb, folded, ents[i].key, ksz, pid, nk, nu,
					  ents[i].count);
		}
		if (!err)
			err = emit_block(&sb, emit, ctx);
		if (!err && fmt != EUNOMIA_FMT_JSON && !folded)
			err = emit(ctx, "", 0); /* a blank line between blocks */
	}
	for (i = 0; clear && i < n; i++)
		bpf_map_delete_elem(fd, ents[i].key);
out:
	for (i = 0; i < n; i++)
		free(ents[i].key);
	free(ents);
	free(key);
	free(val);
	sb_free(&sb);
	return err;
}

void eun_stack__free(struct eun_stackdec *d)
{
	if (!d)
		return;
	eun_usyms__free(d->usyms);
	free(d->idbuf);
	free(d);
}
