// SPDX-License-Identifier: MIT
/*
 * libFuzzer target: the BTF event decoder (loader/decoder.c) and the histogram renderers
 * (loader/sample.c) on records of any length and content.
 *
 * The BTF is fixed and built once in memory with libbpf's btf__add_*() (as the unit test
 * does), covering every kind the decoder walks: ints of 1..16 bytes (128-bit included),
 * bools, struct bitfields of 1..128 bits at odd offsets, a legacy BTF_INT_OFFSET bitfield,
 * enums of 1/2/4/8 bytes (signed, unsigned, empty, enum64), floats of 2/4/8/12/16 bytes,
 * char / signed char / unsigned char / typedef'd char arrays, multi-dimensional, empty and
 * huge arrays, nested and anonymous struct/union, pointers (8- and 4-byte BTF), typedef,
 * const/volatile/restrict/type_tag chains (one longer than the decoder's limit), structs
 * nested deeper than the decoder's limit, and kinds it prints as hex (func_proto, var).
 *
 * Input: byte 0 picks the BTF (bit 7: 4-byte pointers) and the type (the rest, modulo the
 * number of types); the remaining bytes are the record, passed with its exact length so that
 * ASan sees any read past it.
 *
 * Byte 0 = 0x7f or 0xff instead takes the BTF from the input too, as a package's BTF would
 * come (only what libbpf's btf__new() accepts): bytes 1-4 are its length L (little-endian),
 * then L bytes of raw BTF, then the record, decoded as each of the first 64 types. There the
 * checks are that nothing crashes or reads out of bounds and that JSON still parses (BTF
 * names are the package's own text, so the plain-text checks do not apply). Every input goes
 * through all three back ends (plain cells and header, JSON, raw) and the output is checked, not
 * just survived:
 *   - JSON is one valid JSON value (cJSON parses it) and valid UTF-8 without control bytes;
 *   - plain text has no control bytes (a record can never break a line) and valid UTF-8;
 *   - raw is exactly "TIME LABEL SIZE HEX" with the record's bytes.
 * The record is also read as an array of u64 counts for eun_hist_log2/linear (the first 24
 * bytes giving base, step and the bar maximum), whose lines must all end in '\n'.
 * (eun_sample_print reads a live bpf_map, so it is not reachable without the kernel.)
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <bpf/btf.h>
#include <bpf/libbpf.h>
#include <cjson/cJSON.h>

#include "common/jsonw.h"
#include "common/strbuf.h"
#include "fuzz_util.h"
#include "loader/decoder.h"
#include "loader/sample.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define MAX_TYPES   128
#define DEEP_LEVELS 40 /* more than the decoder's DEC_MAX_DEPTH (32) */

struct fixture {
	struct btf *btf;
	uint32_t ids[MAX_TYPES];
	size_t n;
};

static struct fixture fx[2]; /* [0]: 8-byte pointers, [1]: 4-byte pointers */
static bool skip_huge;	     /* FUZZ_DECODER_SKIP_HUGE: see value_count() */

static void fail(const char *what, const char *text, size_t len)
{
	fprintf(stderr, "fuzz_decoder: %s\noutput (%zu bytes): %.*s\n", what, len, (int)len, text);
	abort();
}

static int keep(struct fixture *f, int id)
{
	if (id <= 0) {
		fprintf(stderr, "fuzz_decoder: building the fixed BTF failed (%d)\n", id);
		abort();
	}
	if (f->n < MAX_TYPES)
		f->ids[f->n++] = (uint32_t)id;
	return id;
}

/* Make an int type a legacy bitfield: BTF_INT_OFFSET(info) = off, BTF_INT_BITS = bits. The
 * btf__add_*() API cannot express it; the type data of a BTF being built is writable. */
static void set_int_bits(struct btf *btf, int id, unsigned int off, unsigned int bits)
{
	struct btf_type *t = (struct btf_type *)btf__type_by_id(btf, (uint32_t)id);
	uint32_t *info = (uint32_t *)(t + 1);

	*info = (*info & 0x0f000000u) | (off << 16) | bits;
}

/* The btf__add_*() calls that return 0 or -errno. */
static void must_add(int err, const char *what)
{
	if (err) {
		fprintf(stderr, "fuzz_decoder: building the fixed BTF failed: %s: %d\n", what, err);
		abort();
	}
}

#define FIELD(btf, name, ...) \
	must_add(btf__add_field(btf, name, __VA_ARGS__), name ? name : "(anon)")
#define EVAL(btf, ...)	 must_add(btf__add_enum_value(btf, __VA_ARGS__), "enum value")
#define EVAL64(btf, ...) must_add(btf__add_enum64_value(btf, __VA_ARGS__), "enum64 value")
#define PARAM(btf, ...)	 must_add(btf__add_func_param(btf, __VA_ARGS__), "param")

static void build(struct fixture *f, size_t ptr_size)
{
	struct btf *btf = btf__new_empty();
	int t_int, t_uint, t_char, t_uchar, t_schar, t_u8, t_u16, t_s16, t_u64, t_s64, t_bool;
	int t_u128, t_s128, t_f2, t_f4, t_f8, t_f12, t_f16, t_e1, t_e2, t_e4, t_e8, t_eempty;
	int t_e64s, t_e64u, t_legacy, t_commt, t_cchar, t_ptr, t_vptr, t_fp, t_inner, t_union;
	int t_anon, t_arr, t_deep, t_chain, t_bits, t_packed, t_var, t_tag, t_restrict;
	int t_name, t_comm16;
	int i;

	if (!btf) {
		fprintf(stderr, "fuzz_decoder: btf__new_empty failed\n");
		abort();
	}
	btf__set_pointer_size(btf, ptr_size);
	f->btf = btf;
	t_int = keep(f, btf__add_int(btf, "int", 4, BTF_INT_SIGNED));
	t_uint = keep(f, btf__add_int(btf, "unsigned int", 4, 0));
	t_char = keep(f, btf__add_int(btf, "char", 1, BTF_INT_SIGNED));
	t_uchar = keep(f, btf__add_int(btf, "unsigned char", 1, 0));
	t_schar = keep(f, btf__add_int(btf, "signed char", 1, BTF_INT_SIGNED));
	t_u8 = keep(f, btf__add_typedef(btf, "__u8", t_uchar));
	t_u16 = keep(f, btf__add_int(btf, "unsigned short", 2, 0));
	t_s16 = keep(f, btf__add_int(btf, "short", 2, BTF_INT_SIGNED));
	t_u64 = keep(f, btf__add_int(btf, "unsigned long long", 8, 0));
	t_s64 = keep(f, btf__add_int(btf, "long long", 8, BTF_INT_SIGNED));
	t_bool = keep(f, btf__add_int(btf, "_Bool", 1, BTF_INT_BOOL));
	t_u128 = keep(f, btf__add_int(btf, "unsigned __int128", 16, 0));
	t_s128 = keep(f, btf__add_int(btf, "__int128", 16, BTF_INT_SIGNED));
	t_f2 = keep(f, btf__add_float(btf, "_Float16", 2));
	t_f4 = keep(f, btf__add_float(btf, "float", 4));
	t_f8 = keep(f, btf__add_float(btf, "double", 8));
	t_f12 = keep(f, btf__add_float(btf, "long double12", 12));
	t_f16 = keep(f, btf__add_float(btf, "long double", 16));

	t_e1 = keep(f, btf__add_enum(btf, "e1", 1));
	EVAL(btf, "E1_MINUS", -2);
	EVAL(btf, "E1_BIG", 200);
	t_e2 = keep(f, btf__add_enum(btf, "e2", 2));
	EVAL(btf, "E2_A", 0);
	EVAL(btf, "E2_B", 65535);
	t_e4 = keep(f, btf__add_enum(btf, "e4", 4));
	EVAL(btf, "E4_NEG", -1);
	EVAL(btf, "E4_ZERO", 0);
	t_e8 = keep(f, btf__add_enum(btf, "e8", 8));
	EVAL(btf, "E8_ONE", 1);
	t_eempty = keep(f, btf__add_enum(btf, "empty", 4));
	t_e64s = keep(f, btf__add_enum64(btf, "e64s", 8, true));
	EVAL64(btf, "S_MIN", (uint64_t)INT64_MIN);
	EVAL64(btf, "S_NEG", (uint64_t)-5);
	t_e64u = keep(f, btf__add_enum64(btf, "e64u", 8, false));
	EVAL64(btf, "U_MAX", UINT64_MAX);
	EVAL64(btf, "U_HUGE", 1ULL << 40);

	/* legacy bitfield encoding carried by the int type itself: 5 bits at bit 3 */
	t_legacy = keep(f, btf__add_int(btf, "legacy_bits", 4, BTF_INT_SIGNED));
	set_int_bits(btf, t_legacy, 3, 5);

	t_commt = keep(f, btf__add_typedef(btf, "comm_t", t_char));
	t_cchar = keep(f, btf__add_const(btf, t_commt));
	t_restrict = keep(f, btf__add_restrict(btf, keep(f, btf__add_ptr(btf, t_cchar))));
	t_tag = keep(f, btf__add_type_tag(btf, "user", t_int));
	t_ptr = keep(f, btf__add_ptr(btf, keep(f, btf__add_volatile(btf, t_tag))));
	t_vptr = keep(f, btf__add_ptr(btf, 0));
	t_fp = keep(f, btf__add_func_proto(btf, t_int));
	PARAM(btf, "a", t_ptr);
	keep(f, btf__add_ptr(btf, t_fp));
	t_var = keep(f, btf__add_var(btf, "a_var", BTF_VAR_GLOBAL_ALLOCATED, t_u64));

	/* arrays: strings of each char flavour, numbers, 2-D, empty, huge */
	keep(f, btf__add_array(btf, t_int, t_char, 16));
	keep(f, btf__add_array(btf, t_int, t_cchar, 7));
	keep(f, btf__add_array(btf, t_int, t_uchar, 5));
	keep(f, btf__add_array(btf, t_int, t_schar, 3));
	keep(f, btf__add_array(btf, t_int, t_u8, 6));
	keep(f, btf__add_array(btf, t_int, keep(f, btf__add_array(btf, t_int, t_char, 4)), 3));
	keep(f, btf__add_array(btf, t_int, t_char, 0));
	keep(f, btf__add_array(btf, t_int, t_u64, 0));
	keep(f, btf__add_array(btf, t_int, t_u64, 0x1fffffff));
	keep(f, btf__add_array(btf, t_int, t_u128, 3));
	keep(f, btf__add_array(btf, t_int, t_f8, 2));
	keep(f, btf__add_array(btf, t_int, t_e1, 4));
	keep(f, btf__add_array(btf, t_int, t_bool, 3));
	keep(f, btf__add_array(btf, t_int, t_vptr, 2));
	/* an array of a struct without members (size 0) */
	t_arr = keep(f, btf__add_array(btf, t_int, keep(f, btf__add_struct(btf, "nothing", 0)), 9));

	t_inner = keep(f, btf__add_struct(btf, "inner", 4));
	FIELD(btf, "a", t_u16, 0, 0);
	FIELD(btf, "b", t_s16, 16, 0);
	t_name = keep(f, btf__add_array(btf, t_int, t_char, 16));
	t_union = keep(f, btf__add_union(btf, "either", 16));
	FIELD(btf, "x", t_uint, 0, 0);
	FIELD(btf, "name", t_name, 0, 0);
	FIELD(btf, "in", t_inner, 0, 0);
	FIELD(btf, "wide", t_u128, 0, 0);

	/* struct anon { int a; union { int b; unsigned c; }; struct { char d[2]; }; } */
	{
		int t_au, t_as, t_d;

		t_d = keep(f, btf__add_array(btf, t_int, t_char, 2));
		t_au = keep(f, btf__add_union(btf, NULL, 4));
		FIELD(btf, "b", t_int, 0, 0);
		FIELD(btf, "c", t_uint, 0, 0);
		t_as = keep(f, btf__add_struct(btf, NULL, 2));
		FIELD(btf, "d", t_d, 0, 0);
		t_anon = keep(f, btf__add_struct(btf, "anon", 12));
		FIELD(btf, "a", t_int, 0, 0);
		FIELD(btf, NULL, t_au, 32, 0);
		FIELD(btf, NULL, t_as, 64, 0);
	}

	/* bitfields: every width class, odd offsets, signed, bool, enums, 128-bit */
	t_bits = keep(f, btf__add_struct(btf, "bits", 40));
	FIELD(btf, "b1", t_bool, 0, 1);
	FIELD(btf, "u3", t_uint, 1, 3);
	FIELD(btf, "s5", t_int, 4, 5);
	FIELD(btf, "e2", t_e4, 9, 2);
	FIELD(btf, "se", t_e1, 11, 3);
	FIELD(btf, "u64x", t_u64, 14, 64);
	FIELD(btf, "s63", t_s64, 78, 63);
	FIELD(btf, "e64", t_e64s, 141, 40);
	FIELD(btf, "u128", t_u128, 181, 120);
	FIELD(btf, "full128", t_s128, 192, 128);
	FIELD(btf, "legacy", t_legacy, 0, 0);
	FIELD(btf, "tail", t_u8, 312, 8);

	/* a packed struct whose members run past its own size */
	t_packed = keep(f, btf__add_struct(btf, "packed", 3));
	FIELD(btf, "x", t_u64, 8, 0);
	FIELD(btf, "y", t_char, 0x7ffffff8, 0);

	/* structs nested deeper than the decoder's limit */
	t_deep = t_int;
	for (i = 0; i < DEEP_LEVELS; i++) {
		int s = btf__add_struct(btf, "deep", 8);

		FIELD(btf, "v", t_u8, 0, 0);
		FIELD(btf, "next", t_deep, 32, 0);
		t_deep = s;
	}
	keep(f, t_deep);
	/* a typedef/const chain longer than the decoder follows */
	t_chain = t_u64;
	for (i = 0; i < DEEP_LEVELS; i++)
		t_chain = i % 2 ? btf__add_typedef(btf, "chain_t", t_chain)
				: btf__add_const(btf, t_chain);
	keep(f, t_chain);

	/* the event of the unit test: every kind once, plus the ones above as members */
	t_comm16 = keep(f, btf__add_array(btf, t_int, t_commt, 16));
	keep(f, btf__add_struct(btf, "event", 192));
	FIELD(btf, "pid", t_int, 0, 0);
	FIELD(btf, "comm", t_commt, 32, 0);
	FIELD(btf, "comm16", t_comm16, 40, 0);
	FIELD(btf, "ok", t_bool, 168, 0);
	FIELD(btf, "e2", t_e2, 176, 0);
	FIELD(btf, "f2", t_f2, 192, 0);
	FIELD(btf, "f4", t_f4, 224, 0);
	FIELD(btf, "f8", t_f8, 256, 0);
	FIELD(btf, "f12", t_f12, 320, 0);
	FIELD(btf, "f16", t_f16, 448, 0);
	FIELD(btf, "u64", t_u64, 576, 0);
	FIELD(btf, "s64", t_s64, 640, 0);
	FIELD(btf, "e8", t_e8, 704, 0);
	FIELD(btf, "e64u", t_e64u, 768, 0);
	FIELD(btf, "empty", t_eempty, 832, 0);
	FIELD(btf, "ptr", t_ptr, 864, 0);
	FIELD(btf, "str", t_restrict, 928, 0);
	FIELD(btf, "u", t_union, 992, 0);
	FIELD(btf, NULL, t_anon, 1120, 0);
	FIELD(btf, "bits", t_bits, 1216, 0);
	FIELD(btf, "nothing", t_arr, 1536, 0);
	FIELD(btf, "chain", t_chain, 1472, 0);
	FIELD(btf, "var", t_var, 1408, 0);
	FIELD(btf, "fn", t_fp, 1408, 0);
	FIELD(btf, "", t_packed, 1504, 0);
}

static void check_line(const struct strbuf *sb, const char *what)
{
	const unsigned char *s = (const unsigned char *)sb_str(sb);
	size_t i;

	if (strlen((const char *)s) != sb->len)
		fail("output has a NUL byte", (const char *)s, sb->len);
	for (i = 0; i < sb->len; i++)
		if (s[i] < 0x20 || s[i] == 0x7f)
			fail(what, (const char *)s, sb->len);
	if (!utf8_ok(s, sb->len))
		fail("output is not valid UTF-8", (const char *)s, sb->len);
}

static void check_json(const struct strbuf *sb)
{
	const char *end = NULL;
	cJSON *j;

	check_line(sb, "JSON output has a raw control byte");
	j = cJSON_ParseWithOpts(sb_str(sb), &end, true);
	if (!j)
		fail("JSON output does not parse", sb_str(sb), sb->len);
	cJSON_Delete(j);
}

static void check_raw(const struct strbuf *sb, const uint8_t *rec, size_t len)
{
	static const char hex[] = "0123456789abcdef";
	char prefix[64];
	size_t plen, i;

	plen = (size_t)snprintf(prefix, sizeof(prefix), "12:34:56 events %zu ", len);
	if (sb->len != plen + 2 * len || memcmp(sb_str(sb), prefix, plen))
		fail("raw output has the wrong layout", sb_str(sb), sb->len);
	for (i = 0; i < len; i++)
		if (sb->buf[plen + 2 * i] != hex[rec[i] >> 4] ||
		    sb->buf[plen + 2 * i + 1] != hex[rec[i] & 0xf])
			fail("raw output has the wrong bytes", sb_str(sb), sb->len);
}

static void must(int err, const char *what)
{
	if (err) {
		fprintf(stderr, "fuzz_decoder: %s failed: %d\n", what, err);
		abort();
	}
}

static void decode(const struct btf *btf, uint32_t id, const uint8_t *rec, size_t len)
{
	struct strbuf sb = STRBUF_INIT;
	struct jsonw w;

	must(eun_dec_event(&sb, EUNOMIA_FMT_JSON, btf, id, rec, len, "12:34:56", "events"),
	     "JSON event");
	check_json(&sb);
	sb_reset(&sb);

	must(eun_dec_event(&sb, EUNOMIA_FMT_PLAIN, btf, id, rec, len, "12:34:56", "events"),
	     "plain event");
	check_line(&sb, "plain output has a control byte");
	sb_reset(&sb);

	must(eun_dec_event_header(&sb, btf, id), "plain header");
	check_line(&sb, "plain header has a control byte");
	sb_reset(&sb);

	must(eun_dec_event(&sb, EUNOMIA_FMT_RAW, btf, id, rec, len, "12:34:56", "events"),
	     "raw event");
	check_raw(&sb, rec, len);
	sb_reset(&sb);

	/* a key/value table row as sample.c prints it: key cells then value cells */
	must(eun_dec_plain_cells(&sb, btf, id, rec, len, "key"), "plain cells");
	check_line(&sb, "plain cells have a control byte");
	sb_reset(&sb);

	/* one value inside a JSON object, as the JSON sample output nests it */
	jsonw_init(&w, &sb);
	must(jsonw_start_object(&w), "jsonw");
	must(jsonw_key(&w, "value"), "jsonw");
	must(eun_dec_json(&w, btf, id, rec, len), "JSON value");
	must(jsonw_end_object(&w), "jsonw");
	check_json(&sb);
	sb_free(&sb);
}

static void check_hist(const struct strbuf *sb)
{
	if (sb->len && sb->buf[sb->len - 1] != '\n')
		fail("histogram does not end with a newline", sb_str(sb), sb->len);
}

static void hist(const uint8_t *rec, size_t len)
{
	struct strbuf sb = STRBUF_INIT;
	uint64_t hdr[3] = {0, 0, 0}, *vals;
	size_t n;

	if (len < sizeof(hdr))
		return;
	memcpy(hdr, rec, sizeof(hdr));
	n = (len - sizeof(hdr)) / sizeof(uint64_t);
	/* exactly n counts, so that ASan catches a read past the last slot */
	vals = malloc(n ? n * sizeof(uint64_t) : 1);
	if (!vals)
		return;
	memcpy(vals, rec + sizeof(hdr), n * sizeof(uint64_t));
	must(eun_hist_log2(&sb, vals, n, "usecs", hdr[2] & 1 ? hdr[2] : 0), "log2 histogram");
	check_hist(&sb);
	sb_reset(&sb);
	must(eun_hist_log2(&sb, vals, n, "", hdr[2]), "log2 histogram");
	check_hist(&sb);
	sb_reset(&sb);
	must(eun_hist_linear(&sb, vals, n, "nsecs", hdr[0], hdr[1], hdr[2] & 1 ? 0 : hdr[2]),
	     "linear histogram");
	check_hist(&sb);
	sb_free(&sb);
	free(vals);
}

/*
 * How many values the decoder would visit for type id, capped at VALUE_CAP (and VALUE_CAP
 * for a type that contains itself). BTFs that expand past the cap once hung the decoder
 * (crashes/decoder-recursive-*.bin; it now bounds the values per record); with
 * FUZZ_DECODER_SKIP_HUGE=1 in the environment they are skipped, so that a fuzzing run looks
 * for other bugs (the replay of the reproducers does not set it).
 */
#define VALUE_CAP (1u << 16)

static uint64_t value_count(const struct btf *btf, uint32_t id, uint32_t *memo, int depth)
{
	const struct btf_type *t = btf__type_by_id(btf, id);
	uint64_t c = 1;
	int i;

	if (!t || !id)
		return 1;
	if (memo[id] == UINT32_MAX || depth > 64)
		return VALUE_CAP; /* a cycle */
	if (memo[id])
		return memo[id];
	memo[id] = UINT32_MAX;
	if (btf_is_composite(t)) {
		for (i = 0, c = 1; i < btf_vlen(t) && c < VALUE_CAP; i++)
			c += value_count(btf, btf_members(t)[i].type, memo, depth + 1);
	} else if (btf_is_array(t)) {
		c = 1 + (uint64_t)(btf_array(t)->nelems < 4096 ? btf_array(t)->nelems : 4096) *
				value_count(btf, btf_array(t)->type, memo, depth + 1);
	} else if (btf_is_mod(t) || btf_is_typedef(t)) {
		c = value_count(btf, t->type, memo, depth + 1);
	}
	memo[id] = c < VALUE_CAP ? (uint32_t)c : VALUE_CAP;
	return memo[id];
}

static bool too_big(const struct btf *btf)
{
	uint32_t n = btf__type_cnt(btf), *memo = calloc(n, sizeof(*memo)), id;
	bool big = !memo;

	for (id = 1; id < n && !big; id++)
		big = value_count(btf, id, memo, 0) >= VALUE_CAP;
	free(memo);
	return big;
}

/* A BTF from the input: every type of it over the record, JSON checked. */
static void hostile_btf(const uint8_t *data, size_t size)
{
	struct strbuf sb = STRBUF_INIT;
	const uint8_t *rec;
	struct btf *btf;
	uint32_t blen, id, n;
	size_t len;

	if (size < 4)
		return;
	memcpy(&blen, data, 4);
	data += 4;
	size -= 4;
	if (blen > size)
		blen = (uint32_t)size;
	btf = btf__new(data, blen);
	if (!btf)
		return;
	if (skip_huge && too_big(btf)) {
		btf__free(btf);
		return;
	}
	rec = data + blen;
	len = size - blen;
	n = btf__type_cnt(btf);
	for (id = 0; id < n && id <= 64; id++) {
		must(eun_dec_event(&sb, EUNOMIA_FMT_JSON, btf, id, rec, len, "12:34:56", "events"),
		     "JSON event (input BTF)");
		if (strlen(sb_str(&sb)) != sb.len)
			fail("output has a NUL byte", sb_str(&sb), sb.len);
		check_json(&sb);
		sb_reset(&sb);
		(void)eun_dec_event(&sb, EUNOMIA_FMT_PLAIN, btf, id, rec, len, "12:34:56", "ev");
		sb_reset(&sb);
		(void)eun_dec_event_header(&sb, btf, id);
		sb_reset(&sb);
	}
	sb_free(&sb);
	btf__free(btf);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fixture *f;

	if (!fx[0].btf) {
		libbpf_set_print(NULL); /* malformed input BTF is expected, not news */
		skip_huge = getenv("FUZZ_DECODER_SKIP_HUGE") != NULL;
		build(&fx[0], 8);
		build(&fx[1], 4);
	}
	if (size < 1)
		return 0;
	if ((data[0] & 0x7f) == 0x7f) {
		hostile_btf(data + 1, size - 1);
		return 0;
	}
	f = &fx[data[0] >> 7];
	decode(f->btf, f->ids[(data[0] & 0x7f) % f->n], data + 1, size - 1);
	hist(data + 1, size - 1);
	return 0;
}
