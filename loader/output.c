// SPDX-License-Identifier: MIT
/*
 * Events and sampled maps: one ring_buffer for every BPF_MAP_TYPE_RINGBUF map, one
 * perf_buffer per BPF_MAP_TYPE_PERF_EVENT_ARRAY, all waited on with a single epoll set, each
 * map decoded with its own export type; sampled maps printed when their interval is due.
 *
 * Plain mode prints the column header of an export type once, before the first event of that
 * type; with several export maps of different types each type gets its header once, before its
 * first row (rows are not prefixed, and headers are not repeated when types interleave). Records of
 * maps without an export type (a package with no export_types) are printed as hex: "HH:MM:SS <map>
 * <size> <hex>" in plain/raw mode and
 * {"map":…,"size":…,"data":"<hex>"} in JSON mode.
 *
 * Flushing: a stream is flushed once per poll round, after the records of that round (and after
 * sampled-map output), i.e. every event reaches the reader before the loader waits again. One
 * flush per record cost 20-30% of the throughput at ~1M events/s with nothing gained for
 * readers: a round ends as soon as the buffers are drained.
 *
 * Per-event path: each stream decodes with an eun_dec_plan built at set-up (no BTF
 * walk per event), straight into one reusable round buffer that goes out with a single fwrite
 * (also every EUN_OUT_CHUNK bytes); no allocation and no stdio call per event. The plain-mode
 * "HH:MM:SS" is computed once per second. An output callback (opts.output) still gets one call
 * per line. After a round of at least EUN_COALESCE_MIN records (a flood) the next poll first
 * pauses EUN_COALESCE_NS (never longer than its timeout, and not at all with timeout 0) before
 * waiting, so that a flood is consumed in large rounds instead of one wake-up per handful of
 * records; the previous round's lines are already out, so this adds at most that pause to the
 * latency of the next records, and only under load.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <time.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/btf.h>
#include <bpf/libbpf.h>

#include "loader/decoder.h"
#include "loader/sample.h"
#include "loader/stack.h"
#include "loader/internal.h"

/* Records handled per poll round at most, so a flood cannot starve stop and sampled maps. */
#define EUN_MAX_BATCH 16384

/* After a round of at least EUN_COALESCE_MIN records, pause EUN_COALESCE_NS before waiting
 * again so that a flood is handled in large rounds (fewer wake-ups, syscalls and flushes). */
#define EUN_COALESCE_MIN 64
#define EUN_COALESCE_NS	 500000

/* Records larger than this are not believed to be an event struct. */
#define EUN_MAX_EVENT_SIZE (16u << 20)

/* The round buffer is written out when it grows past this, and at the end of every round. */
#define EUN_OUT_CHUNK (256u << 10)

struct eun_stream {
	struct eun_output *o;
	const char *map_name;
	uint32_t type_id;	    /* 0: no export type, print hex */
	bool header_done;	    /* plain header for this type printed */
	bool perf;		    /* perf records are padded up to 7 bytes */
	bool size_checked;	    /* the first record's size was compared with the type */
	struct eun_dec_plan *plan;  /* the export type's layout, flattened at set-up */
	uint64_t events, lost;	    /* written by the poll thread only, read by any (atomics) */
	struct eun_stackdec *stack; /* events with stacks to name (stack.c), or NULL */
};

struct eun_sampled {
	const struct eun_map *meta;
	const struct bpf_map *map;
	struct eun_stackdec *stack; /* a key holding stacks: counts per unique stack, or NULL */
	uint64_t next_due_ns;
	uint64_t interval_ns;
};

struct eun_output {
	struct eun_output_opts opts; /* copy */
	FILE *file;		     /* the stream sink when there is no callback */
	const struct btf *btf;
	int epfd;
	struct ring_buffer *rb;
	struct perf_buffer **pbs;
	size_t nr_pbs;
	struct eun_stream *streams;
	size_t nr_streams;
	struct eun_sampled *samples;
	size_t nr_samples;
	uint64_t lost;
	int cb_err; /* first error from a record callback */
	int count;  /* records handled during the current poll */
	bool busy;  /* the last poll handled a flood: coalesce before the next wait */
	struct strbuf line;
	/* Lines of the current round for a FILE sink, written with one fwrite (no per-event
	 * stdio calls and no per-event allocation: the buffer is reused). */
	struct strbuf out;
	/* "HH:MM:SS" of ts_sec: localtime once per second, not per event */
	time_t ts_sec;
	char ts[16];
	struct eun_dump_snap *snap; /* data sections after load, for the exit dump */
	bool started;		    /* the first poll printed the plain headers */
};

/*
 * ---- the sink ----
 * One sink for everything the runner outputs (event rows, headers, sampled maps): a line goes
 * to the callback at once, or into the round buffer that is written to the stream with one
 * fwrite and flushed at the end of the round.
 */

/* Write the round buffer to the FILE sink. */
static int out_write(struct eun_output *o)
{
	size_t len = o->out.len;

	size_t n;

	if (!len)
		return 0;
	n = fwrite(o->out.buf, 1, len, o->file);
	sb_reset(&o->out);
	if (n != len)
		return errno ? -errno : -EIO;
	return 0;
}

/* Everything of this round to the reader. */
static int out_flush(struct eun_output *o)
{
	int err;

	if (o->opts.output)
		return 0;
	err = out_write(o);
	if (fflush(o->file) == EOF && !err)
		err = errno ? -errno : -EIO;
	return err;
}

/* One line for the reader: a callback gets it now, a FILE gets it with the round. */
static int out_line(struct eun_output *o, const char *line, size_t len)
{
	int err;

	if (o->opts.output)
		return o->opts.output(o->opts.output_ctx, line, len);
	err = sb_add(&o->out, line, len);
	if (!err)
		err = sb_addc(&o->out, '\n');
	if (!err && o->out.len >= EUN_OUT_CHUNK)
		err = out_write(o);
	return err;
}

static const char *round_timestr(struct eun_output *o)
{
	time_t now = time(NULL);

	if (now != o->ts_sec || !o->ts[0]) {
		struct tm tm;

		o->ts_sec = now;
		if (!localtime_r(&now, &tm) || !strftime(o->ts, sizeof(o->ts), "%H:%M:%S", &tm))
			snprintf(o->ts, sizeof(o->ts), "00:00:00");
	}
	return o->ts;
}

/* Sampled-map lines; in plain mode the round's "HH:MM:SS" line goes before the first one. */
struct sample_emit {
	struct eun_output *o;
	bool stamp; /* timestamp still to print */
};

static int emit_cb(void *ctx, const char *line, size_t len)
{
	struct sample_emit *se = ctx;
	int err;

	if (se->stamp) {
		char ts[16];

		se->stamp = false;
		eun_timestr(ts, sizeof(ts));
		err = out_line(se->o, ts, strlen(ts));
		if (err)
			return err;
	}
	return out_line(se->o, line, len);
}

/* ---- records ---- */

/* The plain header is printed once per export type: mark every stream of that type. */
static void mark_header(struct eun_output *o, uint32_t type_id)
{
	size_t i;

	for (i = 0; i < o->nr_streams; i++)
		if (o->streams[i].type_id == type_id)
			o->streams[i].header_done = true;
}

/* Plain mode: the export type's header, once per type (stack blocks have none). */
static int print_header(struct eun_stream *s)
{
	struct eun_output *o = s->o;
	int err;

	if (!s->type_id || s->header_done || s->stack)
		return 0;
	sb_reset(&o->line);
	err = eun_dec_event_header(&o->line, o->btf, s->type_id);
	if (!err)
		err = out_line(o, o->line.buf, o->line.len);
	mark_header(o, s->type_id);
	return err;
}

/* Does a record of `size` bytes hold an export type of `tsz` bytes? */
static bool size_fits(const struct eun_stream *s, size_t size, size_t tsz)
{
	return size == tsz || (s->perf && size > tsz && size - tsz < 8);
}

/*
 * The first record of a stream: when its size is not the export type's (a header with several
 * structs, the first of which is not the event), decode with the one export type whose size
 * it is, if exactly one is; else keep the type. Either way, say so once.
 */
static int check_record_size(struct eun_stream *s, size_t size)
{
	struct eun_output *o = s->o;
	const struct eun_meta *meta = o->opts.meta;
	const struct eun_export_type *match = NULL;
	__s64 tsz = btf__resolve_size(o->btf, s->type_id);
	size_t n = 0;
	const char *cur =
		btf__name_by_offset(o->btf, btf__type_by_id(o->btf, s->type_id)->name_off);

	s->size_checked = true;
	if (tsz < 0 || size_fits(s, size, (size_t)tsz))
		return 0;
	for (size_t i = 0; i < meta->nr_export_types; i++) {
		__s64 esz = btf__resolve_size(o->btf, meta->export_types[i].type_id);

		if (esz >= 0 && size_fits(s, size, (size_t)esz)) {
			match = &meta->export_types[i];
			n++;
		}
	}
	if (n != 1) {
		eun_warn(o->opts.log,
			 "map '%s': records are %zu bytes but its export type 'struct %s' is %lld; "
			 "decoding what fits (rebuild the package with the submitted struct)",
			 s->map_name, size, cur ? cur : "?", (long long)tsz);
		return 0;
	}
	eun_warn(o->opts.log,
		 "map '%s': records are %zu bytes, not the %lld of 'struct %s'; decoding them as "
		 "'struct %s', the export type of that size",
		 s->map_name, size, (long long)tsz, cur ? cur : "?", match->name);
	eun_dec_plan_free(s->plan);
	s->type_id = match->type_id;
	s->header_done = false;
	s->plan = eun_dec_plan_new(o->btf, s->type_id, o->opts.format);
	return s->plan ? 0 : -ENOMEM;
}

static int handle_record(struct eun_stream *s, const void *data, size_t size)
{
	struct eun_output *o = s->o;
	enum eunomia_format fmt = o->opts.format;
	bool direct = !o->opts.output; /* FILE sink: decode straight into the round buffer */
	struct strbuf *sb = direct ? &o->out : &o->line;
	const char *ts = fmt != EUNOMIA_FMT_JSON ? round_timestr(o) : "";
	size_t start;
	int err = 0;

	if (o->cb_err)
		return o->cb_err;
	__atomic_store_n(&s->events, s->events + 1, __ATOMIC_RELAXED);
	if (s->type_id && !s->size_checked) {
		err = check_record_size(s, size);
		if (err)
			return o->cb_err = err;
	}
	if (fmt == EUNOMIA_FMT_PLAIN)
		err = print_header(s);
	if (!direct)
		sb_reset(sb);
	start = sb->len;
	if (err) {
		/* fall through to the error exit */
	} else if (!s->type_id && fmt == EUNOMIA_FMT_JSON) {
		struct strbuf hex = STRBUF_INIT;
		struct jsonw w;

		err = eun_dec_hex(&hex, data, size);
		jsonw_init(&w, sb);
		jsonw_start_object(&w);
		jsonw_key(&w, "map");
		jsonw_string(&w, s->map_name);
		jsonw_key(&w, "size");
		jsonw_u64(&w, size);
		jsonw_key(&w, "data");
		jsonw_string_len(&w, sb_str(&hex), hex.len);
		jsonw_end_object(&w);
		if (!err)
			err = jsonw_error(&w);
		sb_free(&hex);
	} else if (s->stack) {
		err = eun_stack__event(s->stack, sb, s->plan, fmt, o->opts.folded, data, size, ts,
				       s->map_name);
	} else {
		err = eun_dec_plan_event(sb, s->plan, data, size, ts, s->map_name);
	}
	if (!err && direct) {
		if (sb->buf && sb->cap - sb->len > 1) {
			sb->buf[sb->len++] = '\n';
			sb->buf[sb->len] = '\0';
		} else {
			err = sb_addc(sb, '\n');
		}
		if (!err && sb->len >= EUN_OUT_CHUNK)
			err = out_write(o);
	} else if (!err) {
		err = out_line(o, sb->buf + start, sb->len - start);
	}
	if (err) {
		if (direct && sb->len >= start) {
			/* drop a half-written line */
			sb->len = start;
			if (sb->buf)
				sb->buf[start] = '\0';
		}
		o->cb_err = err;
		return err;
	}
	o->count++;
	/* A ring buffer under a sustained flood never drains: stop consuming (the record is
	 * already consumed and printed) so that stop requests and sampled maps get their turn. */
	if (*o->opts.stop)
		return -EINTR;
	if (o->count >= EUN_MAX_BATCH)
		return -EAGAIN;
	return 0;
}

static int ringbuf_cb(void *ctx, void *data, size_t size)
{
	return handle_record(ctx, data, size);
}

static void perf_cb(void *ctx, int cpu, void *data, __u32 size)
{
	handle_record(ctx, data, size);
}

static void perf_lost_cb(void *ctx, int cpu, __u64 cnt)
{
	struct eun_stream *s = ctx;

	s->o->lost += cnt;
	__atomic_store_n(&s->lost, s->lost + cnt, __ATOMIC_RELAXED);
	eun_warn(
		s->o->opts.log,
		"lost %llu events on CPU %d (map '%s'); try a larger perf_buffer_pages or a ring buffer",
		(unsigned long long)cnt, cpu, s->map_name);
}

/* ---- set-up ---- */

static const struct eun_map *meta_map(const struct eun_meta *meta, const char *name)
{
	size_t i;

	for (i = 0; i < meta->nr_maps; i++)
		if (meta->maps[i].name && strcmp(meta->maps[i].name, name) == 0)
			return &meta->maps[i];
	return NULL;
}

/* The export type id for an export map; 0 when the package has none (hex output). */
static int stream_type(struct eun_output *o, const char *map_name, uint32_t *id)
{
	const struct eun_meta *meta = o->opts.meta;
	const struct eun_map *mm = meta_map(meta, map_name);
	const struct eun_export_type *et = NULL;
	size_t i;

	*id = 0;
	if (mm && mm->export_type) {
		for (i = 0; i < meta->nr_export_types && !et; i++)
			if (meta->export_types[i].name &&
			    strcmp(meta->export_types[i].name, mm->export_type) == 0)
				et = &meta->export_types[i];
		if (!et) {
			eun_warn(
				o->opts.log,
				"map '%s' exports type '%s', which is not in the package's export_types; rebuild the package with ecc",
				map_name, mm->export_type);
			return -EUNOMIA_ERR_EXPORT_TYPE;
		}
	} else if (meta->nr_export_types) {
		et = &meta->export_types[0];
		if (meta->enable_multiple_export_types && meta->nr_export_types > 1)
			eun_debug(o->opts.log, "map '%s' names no export type; decoding it as '%s'",
				  map_name, et->name);
	} else {
		eun_info(o->opts.log,
			 "map '%s': the package has no export types; printing its records as hex",
			 map_name);
		return 0;
	}
	if (eun_export_type_check(o->btf, et, o->opts.log, EUN_MAX_EVENT_SIZE))
		return -EUNOMIA_ERR_EXPORT_TYPE;
	*id = et->type_id;
	return 0;
}

static int epoll_add(struct eun_output *o, int fd, uint64_t tag)
{
	struct epoll_event ev = {.events = EPOLLIN, .data.u64 = tag};

	if (epoll_ctl(o->epfd, EPOLL_CTL_ADD, fd, &ev) < 0)
		return -errno;
	return 0;
}

static size_t perf_pages(struct eun_output *o)
{
	int pages = o->opts.meta->perf_buffer_pages;
	size_t p = 1;

	if (pages <= 0)
		return 64;
	while (p * 2 <= (size_t)pages)
		p *= 2;
	if (p != (size_t)pages)
		eun_info(o->opts.log, "perf_buffer_pages %d is not a power of 2; using %zu", pages,
			 p);
	return p;
}

static int setup_buffer(struct eun_output *o, struct bpf_map *map)
{
	enum bpf_map_type type = bpf_map__type(map);
	const char *name = bpf_map__name(map);
	struct eun_stream *s;
	int fd = bpf_map__fd(map), err;
	uint32_t id;

	if (type != BPF_MAP_TYPE_RINGBUF && type != BPF_MAP_TYPE_PERF_EVENT_ARRAY)
		return 0;
	if (fd < 0) {
		eun_debug(o->opts.log, "map '%s' was not created; not polling it", name);
		return 0;
	}
	err = stream_type(o, name, &id);
	if (err)
		return err;
	s = &o->streams[o->nr_streams++];
	s->o = o;
	s->map_name = name;
	s->perf = type == BPF_MAP_TYPE_PERF_EVENT_ARRAY;
	s->type_id = id;
	/* records without an export type print as hex lines in plain mode too */
	s->plan = eun_dec_plan_new(o->btf, id, id ? o->opts.format : EUNOMIA_FMT_RAW);
	if (!s->plan)
		return -ENOMEM;
	if (id && o->opts.format != EUNOMIA_FMT_RAW) {
		s->stack = eun_stack__new(o->opts.log, o->opts.obj, o->btf, id,
					  meta_map(o->opts.meta, name), &err);
		if (err)
			return err;
	}

	if (type == BPF_MAP_TYPE_RINGBUF) {
		if (!o->rb) {
			o->rb = ring_buffer__new(fd, ringbuf_cb, s, NULL);
			if (!o->rb) {
				err = -errno;
				eun_warn(o->opts.log, "map '%s': cannot set up the ring buffer: %s",
					 name, strerror(-err));
				return err;
			}
			return epoll_add(o, ring_buffer__epoll_fd(o->rb), 0);
		}
		err = ring_buffer__add(o->rb, fd, ringbuf_cb, s);
		if (err)
			eun_warn(o->opts.log, "map '%s': cannot add the ring buffer: %s", name,
				 strerror(-err));
		return err;
	} else {
		struct perf_buffer *pb;
		struct perf_buffer **pbs;

		pbs = realloc(o->pbs, (o->nr_pbs + 1) * sizeof(*pbs));
		if (!pbs)
			return -ENOMEM;
		o->pbs = pbs;
		pb = perf_buffer__new(fd, perf_pages(o), perf_cb, perf_lost_cb, s, NULL);
		if (!pb) {
			err = -errno;
			eun_warn(o->opts.log, "map '%s': cannot set up the perf buffer: %s", name,
				 strerror(-err));
			return err;
		}
		o->pbs[o->nr_pbs++] = pb;
		return epoll_add(o, perf_buffer__epoll_fd(pb), o->nr_pbs);
	}
}

static int setup_samples(struct eun_output *o)
{
	const struct eun_meta *meta = o->opts.meta;
	uint64_t now = eun_now_ns();
	size_t i;

	o->samples = calloc(meta->nr_maps ? meta->nr_maps : 1, sizeof(*o->samples));
	if (!o->samples)
		return -ENOMEM;
	for (i = 0; i < meta->nr_maps; i++) {
		const struct eun_map *mm = &meta->maps[i];
		struct eun_sampled *s;
		struct bpf_map *map;

		if (!mm->has_sample)
			continue;
		map = bpf_object__find_map_by_name(o->opts.obj, mm->name);
		if (!map || bpf_map__fd(map) < 0) {
			eun_warn(
				o->opts.log,
				"sampled map '%s' is not in the loaded object; it will not be printed",
				mm->name);
			continue;
		}
		s = &o->samples[o->nr_samples++];
		s->meta = mm;
		s->map = map;
		s->interval_ns =
			(uint64_t)(mm->sample.interval_ms > 0 ? mm->sample.interval_ms : 1000) *
			1000000ull;
		s->next_due_ns = now + s->interval_ns;
		if (o->btf && bpf_map__btf_key_type_id(map)) {
			int err;

			s->stack = eun_stack__new(o->opts.log, o->opts.obj, o->btf,
						  bpf_map__btf_key_type_id(map), mm, &err);
			if (err)
				return err;
		}
	}
	return 0;
}

/* One sampled map, through emit_cb. Entries printed or -errno. */
static int print_sampled(struct eun_output *o, struct eun_sampled *s, struct sample_emit *se)
{
	if (s->stack)
		return eun_stack__map(s->stack, s->map, o->btf, o->opts.format, o->opts.folded,
				      s->meta->sample.clear_map, emit_cb, se);
	return eun_sample_print(&s->meta->sample, s->map, o->btf, o->opts.format, emit_cb, se,
				o->opts.log);
}

struct eun_output *eun_output__new(const struct eun_output_opts *opts)
{
	struct bpf_object *obj = opts->obj;
	struct eun_output *o;
	struct bpf_map *map;
	size_t nmaps = 0;
	int err;

	o = calloc(1, sizeof(*o));
	if (!o) {
		errno = ENOMEM;
		return NULL;
	}
	o->opts = *opts;
	o->file = opts->out ? opts->out : stdout;
	o->btf = bpf_object__btf(obj);
	o->epfd = epoll_create1(EPOLL_CLOEXEC);
	if (o->epfd < 0) {
		err = -errno;
		goto fail;
	}
	bpf_object__for_each_map(map, obj)
		nmaps++;
	o->streams = calloc(nmaps ? nmaps : 1, sizeof(*o->streams));
	if (!o->streams) {
		err = -ENOMEM;
		goto fail;
	}
	bpf_object__for_each_map(map, obj) {
		err = setup_buffer(o, map);
		if (err)
			goto fail;
	}
	o->snap = eun_dump__snapshot(o->opts.obj);
	err = setup_samples(o);
	if (err)
		goto fail;
	return o;
fail:
	eun_output__free(o);
	errno = -err;
	return NULL;
}

/* ---- polling ---- */

static int print_due_samples(struct eun_output *o, uint64_t now)
{
	struct sample_emit se = {.o = o,
				 .stamp = o->opts.format != EUNOMIA_FMT_JSON && !o->opts.folded};
	bool printed = false;
	size_t i;
	int err = 0;

	for (i = 0; i < o->nr_samples && !err; i++) {
		struct eun_sampled *s = &o->samples[i];

		if (now < s->next_due_ns)
			continue;
		printed = true;
		err = print_sampled(o, s, &se);
		s->next_due_ns += s->interval_ns;
		if (s->next_due_ns <= now)
			s->next_due_ns = now + s->interval_ns;
	}
	if (err >= 0 && printed)
		err = out_flush(o);
	return err < 0 ? err : 0;
}

/* Plain mode: each export type's header when the tool starts (bcc prints it before any
 * event), so a quiet tool still shows what it will print. */
static int print_headers(struct eun_output *o)
{
	int err = 0;

	o->started = true;
	if (o->opts.format != EUNOMIA_FMT_PLAIN)
		return 0;
	for (size_t i = 0; i < o->nr_streams && !err; i++)
		err = print_header(&o->streams[i]);
	return err ? err : out_flush(o);
}

int eun_output__poll(struct eun_output *o, int timeout_ms)
{
	struct epoll_event evs[16];
	uint64_t now = eun_now_ns();
	int n, i, err = 0;
	size_t k;

	if (!o)
		return -EINVAL;
	if (!o->started) {
		err = print_headers(o);
		if (err)
			return err;
	}
	/* wake up in time for the next sampled map */
	for (k = 0; k < o->nr_samples; k++) {
		uint64_t due = o->samples[k].next_due_ns;
		int ms = due > now ? (int)((due - now + 999999) / 1000000) : 0;

		if (timeout_ms < 0 || ms < timeout_ms)
			timeout_ms = ms;
	}
	if (o->busy && timeout_ms != 0 && !*o->opts.stop) {
		/* part of this poll's wait (see the top of this file) */
		long ns = EUN_COALESCE_NS;
		struct timespec ts = {0};

		if (timeout_ms > 0 && (long)timeout_ms * 1000000L < ns)
			ns = (long)timeout_ms * 1000000L;
		ts.tv_nsec = ns;
		nanosleep(&ts, NULL);
	}
	o->busy = false;
	o->count = 0;
	o->cb_err = 0;
	n = epoll_wait(o->epfd, evs, (int)(sizeof(evs) / sizeof(evs[0])), timeout_ms);
	if (n < 0) {
		if (errno != EINTR)
			return -errno;
		if (*o->opts.stop)
			return -EINTR;
		n = 0;
	}
	for (i = 0; i < n && !err; i++) {
		uint64_t tag = evs[i].data.u64;

		if (tag == 0)
			err = ring_buffer__consume(o->rb);
		else if (tag <= o->nr_pbs)
			err = perf_buffer__consume(o->pbs[tag - 1]);
		if (err > 0 || err == -EAGAIN)
			err = 0; /* records handled, or the batch limit: not an error */
		if (!err)
			err = o->cb_err;
	}
	if (err == -EINTR || (!err && *o->opts.stop)) {
		out_flush(o);
		return -EINTR;
	}
	/* every event handled in this round reaches the reader before we wait again */
	if (o->count || o->out.len) {
		int ferr = out_flush(o);

		if (!err)
			err = ferr;
	}
	if (!err)
		err = print_due_samples(o, eun_now_ns());
	/* a busy round means a flood: the next poll lets records gather before waiting */
	o->busy = !err && o->count >= EUN_COALESCE_MIN;
	return err < 0 ? err : o->count;
}

static int out_line_cb(void *ctx, const char *line, size_t len)
{
	return out_line(ctx, line, len);
}

int eun_output__dump(struct eun_output *o)
{
	struct sample_emit se = {.o = o,
				 .stamp = o->opts.format != EUNOMIA_FMT_JSON && !o->opts.folded};
	int err = 0, n;

	/* sampled maps: the interval in progress, as bcc tools print on Ctrl-C */
	for (size_t i = 0; i < o->nr_samples && err >= 0; i++)
		err = print_sampled(o, &o->samples[i], &se);
	/* folded output is flame graph input only: no tables after it */
	if (err >= 0 && !o->opts.folded) {
		n = eun_dump__maps(o->opts.obj, o->btf, o->opts.meta, o->snap, o->opts.format,
				   out_line_cb, o, o->opts.log);
		err = n < 0 ? n : 0;
	}
	n = out_flush(o);
	return err < 0 ? err : n;
}

uint64_t eun_output__lost(const struct eun_output *o)
{
	return o ? o->lost : 0;
}

size_t eun_output__map_stats(const struct eun_output *o, struct eunomia_map_stats *st, size_t n)
{
	for (size_t i = 0; o && i < o->nr_streams && i < n; i++) {
		st[i].map = o->streams[i].map_name;
		st[i].events = __atomic_load_n(&o->streams[i].events, __ATOMIC_RELAXED);
		st[i].lost = __atomic_load_n(&o->streams[i].lost, __ATOMIC_RELAXED);
	}
	return o ? o->nr_streams : 0;
}

void eun_output__free(struct eun_output *o)
{
	size_t i;

	if (!o)
		return;
	ring_buffer__free(o->rb);
	for (i = 0; i < o->nr_pbs; i++)
		perf_buffer__free(o->pbs[i]);
	free(o->pbs);
	if (o->epfd >= 0)
		close(o->epfd);
	for (i = 0; i < o->nr_streams; i++) {
		eun_dec_plan_free(o->streams[i].plan);
		eun_stack__free(o->streams[i].stack);
	}
	free(o->streams);
	for (i = 0; o->samples && i < o->nr_samples; i++)
		eun_stack__free(o->samples[i].stack);
	free(o->samples);
	eun_dump__snapshot_free(o->snap);
	sb_free(&o->line);
	sb_free(&o->out);
	free(o);
}
