// SPDX-License-Identifier: MIT
/*
 * The BTF event decoder on records built in the test (and one checked-in fixture under
 * tests/data/records/): every BTF kind, bitfields, nested struct/union, char[] without NUL,
 * invalid UTF-8, control bytes, 128-bit integers, truncated records; plain, JSON and raw.
 * BTF is built in memory with libbpf's btf__add_*(); record layouts mirror C structs compiled
 * here (offsetof), so BTF offsets and bytes agree.
 */
#include <errno.h>
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <cjson/cJSON.h>

#include <bpf/btf.h>

#include "loader/decoder.h"

struct inner {
	uint16_t a;
	int16_t b;
};

union either {
	uint32_t x;
	uint8_t y[4];
};

/* The C mirror of the BTF struct "event" built below. */
struct event {
	int32_t pid;
	uint32_t uid;
	char comm[8];
	uint8_t raw[3];
	_Bool ok;
	int32_t state; /* enum state */
	uint32_t bits; /* flags_a:3 (unsigned), flags_b:5 (signed), mode:2 (enum) */
	float f;
	double d;
	uint64_t big;
	int64_t neg;
	struct inner in;
	union either u;
	unsigned __int128 u128;
	__int128 s128;
	const int *ptr;
	uint64_t e64; /* enum big (64-bit) */
	char name[4]; /* comm_t name[4]: typedef of char */
	signed char sc[2];
	uint8_t pad[6];
};

struct fixture {
	struct btf *btf;
	int event_id;
	int anon_id;
	int senum_id;
	int ints_id;
};

static int build_btf(struct fixture *fx)
{
	struct btf *btf = btf__new_empty();
	int t_int, t_uint, t_char, t_uchar, t_u8, t_schar, t_u16, t_s16, t_u64, t_s64, t_bool;
	int t_u128, t_s128, t_float, t_double, t_state, t_big, t_comm, t_raw, t_inner, t_union;
	int t_y, t_cint, t_cvint, t_ptr, t_commt, t_name, t_sc, t_pad, t_ev, t_mode;

	if (!btf)
		return -1;
	btf__set_pointer_size(btf, 8);
	t_int = btf__add_int(btf, "int", 4, BTF_INT_SIGNED);
	t_uint = btf__add_int(btf, "unsigned int", 4, 0);
	t_char = btf__add_int(btf, "char", 1, BTF_INT_SIGNED);
	t_uchar = btf__add_int(btf, "unsigned char", 1, 0);
	t_u8 = btf__add_typedef(btf, "__u8", t_uchar);
	t_schar = btf__add_int(btf, "signed char", 1, BTF_INT_SIGNED);
	t_u16 = btf__add_int(btf, "unsigned short", 2, 0);
	t_s16 = btf__add_int(btf, "short", 2, BTF_INT_SIGNED);
	t_u64 = btf__add_int(btf, "unsigned long long", 8, 0);
	t_s64 = btf__add_int(btf, "long long", 8, BTF_INT_SIGNED);
	t_bool = btf__add_int(btf, "_Bool", 1, BTF_INT_BOOL);
	t_u128 = btf__add_int(btf, "unsigned __int128", 16, 0);
	t_s128 = btf__add_int(btf, "__int128", 16, BTF_INT_SIGNED);
	t_float = btf__add_float(btf, "float", 4);
	t_double = btf__add_float(btf, "double", 8);

	t_state = btf__add_enum(btf, "state", 4);
	btf__add_enum_value(btf, "RUNNING", 0);
	btf__add_enum_value(btf, "SLEEPING", 1);
	btf__add_enum_value(btf, "ZOMBIE", 4);
	t_mode = btf__add_enum(btf, "mode", 4);
	btf__add_enum_value(btf, "M_READ", 1);
	btf__add_enum_value(btf, "M_WRITE", 2);
	t_big = btf__add_enum64(btf, "big", 8, false);
	btf__add_enum64_value(btf, "SMALL", 1);
	btf__add_enum64_value(btf, "HUGE", 1ULL << 40);

	t_comm = btf__add_array(btf, t_int, t_char, 8);
	t_raw = btf__add_array(btf, t_int, t_u8, 3);

	t_inner = btf__add_struct(btf, "inner", sizeof(struct inner));
	btf__add_field(btf, "a", t_u16, 0, 0);
	btf__add_field(btf, "b", t_s16, 16, 0);
	t_y = btf__add_array(btf, t_int, t_u8, 4);
	t_union = btf__add_union(btf, "either", sizeof(union either));
	btf__add_field(btf, "x", t_uint, 0, 0);
	btf__add_field(btf, "y", t_y, 0, 0);

	t_cint = btf__add_const(btf, t_int);
	t_cvint = btf__add_volatile(btf, t_cint);
	t_ptr = btf__add_ptr(btf, t_cvint);
	t_commt = btf__add_typedef(btf, "comm_t", t_char);
	t_name = btf__add_array(btf, t_int, t_commt, 4);
	t_sc = btf__add_array(btf, t_int, t_schar, 2);
	t_pad = btf__add_array(btf, t_int, t_u8, 6);

#define F(name, type) btf__add_field(btf, #name, type, offsetof(struct event, name) * 8, 0)
	t_ev = btf__add_struct(btf, "event", sizeof(struct event));
	F(pid, t_int);
	F(uid, t_uint);
	F(comm, t_comm);
	F(raw, t_raw);
	F(ok, t_bool);
	F(state, t_state);
	btf__add_field(btf, "flags_a", t_uint, offsetof(struct event, bits) * 8, 3);
	btf__add_field(btf, "flags_b", t_int, offsetof(struct event, bits) * 8 + 3, 5);
	btf__add_field(btf, "mode", t_mode, offsetof(struct event, bits) * 8 + 8, 2);
	F(f, t_float);
	F(d, t_double);
	F(big, t_u64);
	F(neg, t_s64);
	F(in, t_inner);
	F(u, t_union);
	F(u128, t_u128);
	F(s128, t_s128);
	F(ptr, t_ptr);
	F(e64, t_big);
	F(name, t_name);
	F(sc, t_sc);
	F(pad, t_pad);
#undef F
	fx->event_id = t_ev;

	/* struct anon { int a; union { int b; unsigned int c; }; struct { char d[2]; }; } */
	{
		int t_au, t_as, t_d;

		t_au = btf__add_union(btf, NULL, 4);
		btf__add_field(btf, "b", t_int, 0, 0);
		btf__add_field(btf, "c", t_uint, 0, 0);
		t_d = btf__add_array(btf, t_int, t_char, 2);
		t_as = btf__add_struct(btf, NULL, 2);
		btf__add_field(btf, "d", t_d, 0, 0);
		fx->anon_id = btf__add_struct(btf, "anon", 12);
		btf__add_field(btf, "a", t_int, 0, 0);
		btf__add_field(btf, NULL, t_au, 32, 0);
		btf__add_field(btf, NULL, t_as, 64, 0);
	}
	/* signed 1-byte enum */
	fx->senum_id = btf__add_enum(btf, "sgn", 1);
	btf__add_enum_value(btf, "MINUS", -2);
	/* typedef'd array of ints for the hex/short cases */
	fx->ints_id = btf__add_array(btf, t_int, t_uint, 3);
	(void)t_s64;
	fx->btf = btf;
	return 0;
}

static int setup(void **state)
{
	struct fixture *fx = calloc(1, sizeof(*fx));

	if (!fx || build_btf(fx))
		return -1;
	*state = fx;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *fx = *state;

	btf__free(fx->btf);
	free(fx);
	return 0;
}

static int dummy;

static void fill_event(struct event *e)
{
	memset(e, 0, sizeof(*e));
	e->pid = 1234;
	e->uid = 4000000000u;
	memcpy(e->comm, "bash", 5);
	e->raw[0] = 1;
	e->raw[1] = 2;
	e->raw[2] = 255;
	e->ok = 1;
	e->state = 4;
	/* flags_a = 5, flags_b = -3 (0b11101), mode = M_WRITE */
	e->bits = 5u | (0x1du << 3) | (2u << 8);
	e->f = 1.5f;
	e->d = 0.1;
	e->big = UINT64_MAX;
	e->neg = INT64_MIN;
	e->in.a = 65535;
	e->in.b = -1;
	e->u.x = 0x04030201;
	e->u128 = ~(unsigned __int128)0;
	e->s128 = -(((__int128)1) << 100);
	e->ptr = (const int *)(uintptr_t)0xffff888812345678ull;
	e->e64 = 1ULL << 40;
	memcpy(e->name, "ab", 3);
	e->sc[0] = -1;
	e->sc[1] = 2;
	(void)dummy;
}

static const char *event_json =
	"{\"pid\":1234,\"uid\":4000000000,\"comm\":\"bash\",\"raw\":[1,2,255],\"ok\":true,"
	"\"state\":\"ZOMBIE(4)\",\"flags_a\":5,\"flags_b\":-3,\"mode\":\"M_WRITE(2)\",\"f\":1.5,"
	"\"d\":0.1,\"big\":18446744073709551615,\"neg\":-9223372036854775808,"
	"\"in\":{\"a\":65535,\"b\":-1},\"u\":{\"x\":67305985,\"y\":[1,2,3,4]},"
	"\"u128\":\"340282366920938463463374607431768211455\","
	"\"s128\":\"-1267650600228229401496703205376\",\"ptr\":18446612716735190648,"
	"\"e64\":\"HUGE(1099511627776)\",\"name\":\"ab\",\"sc\":[-1,2],\"pad\":[0,0,0,0,0,0]}";

/* The line the set-up plan gives, appended after `prefix` (which it must leave alone). */
static char *plan_line(struct fixture *fx, uint32_t id, enum eunomia_format fmt, const void *data,
		       size_t size, const char *ts, const char *label, const char *prefix)
{
	struct eun_dec_plan *p = eun_dec_plan_new(fx->btf, id, fmt);
	struct strbuf sb = STRBUF_INIT;
	size_t plen = strlen(prefix);
	char *s;

	assert_non_null(p);
	assert_int_equal(sb_adds(&sb, prefix), 0);
	assert_int_equal(eun_dec_plan_event(&sb, p, data, size, ts, label), 0);
	assert_memory_equal(sb.buf, prefix, plen);
	assert_int_equal(strlen(sb_str(&sb)), sb.len);
	eun_dec_plan_free(p);
	s = strdup(sb_str(&sb) + plen);
	assert_non_null(s);
	sb_free(&sb);
	return s;
}

/* Plan and walker agree byte for byte (with and without earlier lines in the buffer). */
static void expect_plan_same(struct fixture *fx, uint32_t id, enum eunomia_format fmt,
			     const void *data, size_t size, const char *ts, const char *label)
{
	struct strbuf sb = STRBUF_INIT;
	char *a, *b;

	assert_int_equal(eun_dec_event(&sb, fmt, fx->btf, id, data, size, ts, label), 0);
	a = plan_line(fx, id, fmt, data, size, ts, label, "");
	b = plan_line(fx, id, fmt, data, size, ts, label, "earlier line  \n");
	assert_string_equal(a, sb_str(&sb));
	assert_string_equal(b, sb_str(&sb));
	free(a);
	free(b);
	sb_free(&sb);
}

static char *json_of(struct fixture *fx, uint32_t id, const void *data, size_t size)
{
	struct strbuf sb = STRBUF_INIT;
	struct jsonw w;

	jsonw_init(&w, &sb);
	assert_int_equal(eun_dec_json(&w, fx->btf, id, data, size), 0);
	expect_plan_same(fx, id, EUNOMIA_FMT_JSON, data, size, "12:34:56", "events");
	expect_plan_same(fx, id, EUNOMIA_FMT_PLAIN, data, size, "12:34:56", "events");
	return sb_detach(&sb);
}

static void expect_event(struct fixture *fx, enum eunomia_format fmt, const void *data, size_t size,
			 const char *want)
{
	struct strbuf sb = STRBUF_INIT;

	assert_int_equal(
		eun_dec_event(&sb, fmt, fx->btf, fx->event_id, data, size, "12:34:56", "events"),
		0);
	assert_string_equal(sb_str(&sb), want);
	sb_free(&sb);
	expect_plan_same(fx, fx->event_id, fmt, data, size, "12:34:56", "events");
}

static void test_json_every_kind(void **state)
{
	struct fixture *fx = *state;
	struct event e;

	fill_event(&e);
	expect_event(fx, EUNOMIA_FMT_JSON, &e, sizeof(e), event_json);
}

static void test_plain_header_and_row(void **state)
{
	struct fixture *fx = *state;
	struct strbuf sb = STRBUF_INIT;
	struct event e;

	fill_event(&e);
	assert_int_equal(eun_dec_event_header(&sb, fx->btf, fx->event_id), 0);
	assert_string_equal(
		sb_str(&sb),
		"TIME     PID     UID     COMM     RAW    OK     STATE  FLAGS_A FLAGS_B MODE   F "
		"     D      BIG          NEG          IN     U      U128         S128         PT"
		"R                E64    NAME   SC     PAD");
	sb_free(&sb);
	expect_event(
		fx, EUNOMIA_FMT_PLAIN, &e, sizeof(e),
		"12:34:56 1234    4000000000 bash     [1,2,255] true   ZOMBIE(4) 5       -3      "
		"M_WRITE(2) 1.5    0.1    18446744073709551615 -9223372036854775808 {\"a\":65535,"
		"\"b\":-1} {\"x\":67305985,\"y\":[1,2,3,4]} 3402823669209384634633746074317682114"
		"55 -1267650600228229401496703205376 0xffff888812345678 HUGE(1099511627776) ab   "
		"  [-1,2] [0,0,0,0,0,0]");
}

static void test_raw(void **state)
{
	struct fixture *fx = *state;
	unsigned char rec[5] = {0x00, 0x01, 0xab, 0xff, 0x10};

	expect_event(fx, EUNOMIA_FMT_RAW, rec, sizeof(rec), "12:34:56 events 5 0001abff10");
}

static void test_char_array_without_nul(void **state)
{
	struct fixture *fx = *state;
	struct event e;
	char *s;

	fill_event(&e);
	memcpy(e.comm, "12345678", 8); /* fills the array: no NUL; raw[] follows */
	s = json_of(fx, fx->event_id, &e, sizeof(e));
	assert_non_null(strstr(s, "\"comm\":\"12345678\",\"raw\":[1,2,255]"));
	free(s);
}

static void test_invalid_utf8_and_control_bytes(void **state)
{
	struct fixture *fx = *state;
	struct event e;
	struct strbuf sb = STRBUF_INIT;
	char *s;

	fill_event(&e);
	memcpy(e.comm, "a\n\x01\xff\xc3\xa9\"", 8); /* newline, SOH, bad byte, e-acute, quote */
	s = json_of(fx, fx->event_id, &e, sizeof(e));
	assert_non_null(strstr(s, "\"comm\":\"a\\n\\u0001\\u00ff\xc3\xa9\\\"\","));
	free(s);
	/* plain text: same escapes without quotes, so the line never breaks */
	assert_int_equal(eun_dec_event(&sb, EUNOMIA_FMT_PLAIN, fx->btf, fx->event_id, &e, sizeof(e),
				       "00:00:00", NULL),
			 0);
	assert_non_null(strstr(sb_str(&sb), " a\\n\\u0001\\u00ff\xc3\xa9\\\" "));
	assert_null(strchr(sb_str(&sb), '\n'));
	sb_free(&sb);
}

static void test_truncated_record(void **state)
{
	struct fixture *fx = *state;
	struct event e;
	char *s;

	fill_event(&e);
	/* pid and uid whole, comm cut after 2 bytes ("ba"), nothing else */
	s = json_of(fx, fx->event_id, &e, 10);
	assert_string_equal(
		s, "{\"pid\":1234,\"uid\":4000000000,\"comm\":\"ba\",\"raw\":[null],\"ok\":null,"
		   "\"state\":null,\"flags_a\":null,\"flags_b\":null,\"mode\":null,\"f\":null,"
		   "\"d\":null,\"big\":null,\"neg\":null,\"in\":{\"a\":null,\"b\":null},"
		   "\"u\":{\"x\":null,\"y\":[null]},\"u128\":null,\"s128\":null,\"ptr\":null,"
		   "\"e64\":null,\"name\":null,\"sc\":[null],\"pad\":[null]}");
	free(s);
	/* half of raw[]: arrays stop at the first element that does not fit */
	s = json_of(fx, fx->event_id, &e, offsetof(struct event, raw) + 2);
	assert_non_null(strstr(s, "\"raw\":[1,2,null],\"ok\":null"));
	free(s);
	/* nothing at all */
	s = json_of(fx, fx->event_id, NULL, 0);
	assert_non_null(strstr(s, "{\"pid\":null,\"uid\":null,\"comm\":null,"));
	free(s);
	/* plain: missing cells say so */
	expect_event(
		fx, EUNOMIA_FMT_PLAIN, &e, 4,
		"12:34:56 1234    (truncated) (truncated) [null] (truncated) (truncated) (truncat"
		"ed) (truncated) (truncated) (truncated) (truncated) (truncated)  (truncated)  {"
		"\"a\":null,\"b\":null} {\"x\":null,\"y\":[null]} (truncated)  (truncated)  (trun"
		"cated)        (truncated) (truncated) [null] [null]");
}

static void test_anonymous_members_flattened(void **state)
{
	struct fixture *fx = *state;
	unsigned char rec[12] = {7, 0, 0, 0, 0xfe, 0xff, 0xff, 0xff, 'h', 'i', 0, 0};
	char *s;

	s = json_of(fx, fx->anon_id, rec, sizeof(rec));
	assert_string_equal(s, "{\"a\":7,\"b\":-2,\"c\":4294967294,\"d\":\"hi\"}");
	free(s);
}

static void test_enums_signed_and_unknown(void **state)
{
	struct fixture *fx = *state;
	struct strbuf sb = STRBUF_INIT;
	unsigned char v = 0xfe, w = 0x05;
	char *s;

	s = json_of(fx, fx->senum_id, &v, 1);
	assert_string_equal(s, "\"MINUS(-2)\"");
	free(s);
	s = json_of(fx, fx->senum_id, &w, 1);
	assert_string_equal(s, "\"(5)\"");
	free(s);
	assert_int_equal(eun_dec_plain(&sb, fx->btf, fx->senum_id, &v, 1), 0);
	assert_string_equal(sb_str(&sb), "MINUS(-2)");
	sb_free(&sb);
}

static void test_scalar_cells_and_floats(void **state)
{
	struct fixture *fx = *state;
	struct strbuf sb = STRBUF_INIT;
	uint32_t ints[3] = {1, 2, 3};
	struct event e;
	char *s;

	s = json_of(fx, fx->ints_id, ints, sizeof(ints));
	assert_string_equal(s, "[1,2,3]");
	free(s);
	assert_int_equal(eun_dec_plain_header(&sb, fx->btf, fx->ints_id, "value"), 0);
	assert_int_equal(
		eun_dec_plain_cells(&sb, fx->btf, fx->ints_id, ints, sizeof(ints), "value"), 0);
	assert_string_equal(sb_str(&sb), "VALUE  [1,2,3] ");
	sb_free(&sb);

	/* NaN and infinity: null in JSON, nan/inf in plain text */
	fill_event(&e);
	e.f = NAN;
	e.d = -INFINITY;
	s = json_of(fx, fx->event_id, &e, sizeof(e));
	assert_non_null(strstr(s, "\"f\":null,\"d\":null,"));
	free(s);
	expect_event(
		fx, EUNOMIA_FMT_PLAIN, &e, offsetof(struct event, big),
		"12:34:56 1234    4000000000 bash     [1,2,255] true   ZOMBIE(4) 5       -3      "
		"M_WRITE(2) nan    -inf   (truncated)  (truncated)  {\"a\":null,\"b\":null} {\"x"
		"\":null,\"y\":[null]} (truncated)  (truncated)  (truncated)        (truncated) ("
		"truncated) [null] [null]");
}

/* A checked-in record: bytes of struct event as produced by fill_event(), and its JSON. */
static char *read_file(const char *rel, size_t *len)
{
	const char *root = getenv("EUNOMIA_ROOT");
	char path[4096];
	FILE *f;
	char *buf;
	long n;

	snprintf(path, sizeof(path), "%s/tests/data/records/%s", root ? root : ".", rel);
	f = fopen(path, "rb");
	if (!f)
		return NULL;
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	fseek(f, 0, SEEK_SET);
	buf = malloc((size_t)n + 1);
	if (buf && fread(buf, 1, (size_t)n, f) != (size_t)n) {
		free(buf);
		buf = NULL;
	}
	fclose(f);
	if (buf) {
		buf[n] = '\0';
		*len = (size_t)n;
	}
	return buf;
}

static void test_checked_in_record(void **state)
{
	struct fixture *fx = *state;
	size_t len = 0, jlen = 0;
	char *rec = read_file("event.bin", &len);
	char *want = read_file("event.json", &jlen);
	char *s;

	assert_non_null(rec);
	assert_non_null(want);
	assert_int_equal(len, sizeof(struct event));
	while (jlen && want[jlen - 1] == '\n')
		want[--jlen] = '\0';
	s = json_of(fx, fx->event_id, rec, len);
	assert_string_equal(s, want);
	free(s);
	free(rec);
	free(want);
}

static void test_broken_type_ids(void **state)
{
	struct fixture *fx = *state;
	uint32_t x = 1;
	char *s;

	/* an id beyond the BTF, and void: a marker, never a crash */
	s = json_of(fx, 100000, &x, sizeof(x));
	assert_string_equal(s, "null");
	free(s);
	s = json_of(fx, 0, &x, sizeof(x));
	assert_string_equal(s, "null");
	free(s);
}

/* A hostile BTF whose struct holds itself twice (named and as anonymous members): depth alone
 * does not bound the walk (2^32 values); the per-record budget does, and the output stays
 * valid JSON. Found by tests/fuzz/fuzz_decoder. */
static void test_self_containing_struct_is_bounded(void **state)
{
	unsigned char rec[12] = {1, 0, 0, 0};
	struct strbuf sb = STRBUF_INIT;
	int anon, i_int, sid, err;
	struct btf *btf;
	cJSON *j;

	(void)state;
	for (anon = 0; anon < 2; anon++) {
		btf = btf__new_empty();
		assert_non_null(btf);
		i_int = btf__add_int(btf, "int", 4, BTF_INT_SIGNED);
		sid = btf__add_struct(btf, "s", 12);
		assert_true(i_int > 0 && sid > 0);
		assert_int_equal(btf__add_field(btf, "v", i_int, 0, 0), 0);
		assert_int_equal(btf__add_field(btf, anon ? NULL : "a", sid, 32, 0), 0);
		assert_int_equal(btf__add_field(btf, anon ? NULL : "b", sid, 64, 0), 0);
		sb_reset(&sb);
		err = eun_dec_event(&sb, EUNOMIA_FMT_JSON, btf, (uint32_t)sid, rec, sizeof(rec),
				    "00:00:00", "x");
		assert_int_equal(err, 0);
		/* bounded: at most the budget's worth of output, and still one JSON value */
		assert_true(sb.len < 1024 * 1024);
		j = cJSON_Parse(sb_str(&sb));
		assert_non_null(j);
		cJSON_Delete(j);
		btf__free(btf);
	}
	sb_free(&sb);
}

/* Every truncation length, every format, from an exactly sized heap copy: ASan builds catch
 * any read past the record. Lengths that cut a member still give valid JSON. */
static void test_every_truncation_in_bounds(void **state)
{
	struct fixture *fx = *state;
	static const enum eunomia_format fmts[] = {EUNOMIA_FMT_PLAIN, EUNOMIA_FMT_JSON,
						   EUNOMIA_FMT_RAW};
	struct event e;
	size_t len, f;

	fill_event(&e);
	for (len = 0; len <= sizeof(e); len++) {
		unsigned char *copy = malloc(len ? len : 1);

		assert_non_null(copy);
		memcpy(copy, &e, len);
		for (f = 0; f < sizeof(fmts) / sizeof(fmts[0]); f++) {
			struct strbuf sb = STRBUF_INIT;

			assert_int_equal(eun_dec_event(&sb, fmts[f], fx->btf, fx->event_id, copy,
						       len, "00:00:00", "m"),
					 0);
			assert_true(sb.len > 0);
			assert_null(strchr(sb_str(&sb), '\n'));
			if (fmts[f] == EUNOMIA_FMT_JSON) {
				assert_int_equal(sb.buf[0], '{');
				assert_int_equal(sb.buf[sb.len - 1], '}');
			}
			sb_free(&sb);
			expect_plan_same(fx, fx->event_id, fmts[f], copy, len, "00:00:00", "m");
			if (len <= 12)
				expect_plan_same(fx, fx->anon_id, fmts[f], copy, len, "00:00:00",
						 "m");
		}
		free(copy);
	}
}

/* The benchmark's event layout, and the corner cases of the fast steps: escapes, a string
 * that ends the line (plain trims it), empty strings, extreme integers, bools, no members. */
struct bench_event {
	int32_t pid;
	int32_t tid;
	uint64_t seq;
	int8_t s8;
	uint8_t u8;
	int16_t s16;
	_Bool flag;
	char comm[16];
};

static void test_plan_fast_steps(void **state)
{
	struct fixture *fx = *state;
	struct btf *btf = fx->btf;
	struct bench_event e;
	int t_int, t_u64, t_s8, t_u8, t_s16, t_bool, t_char, t_comm, id, empty, many, i;
	static const char *comms[] = {"trigger",	 "",	    "tab\there",
				      "quote\"back\\",	 "trail  ", "\xff\xc3\xa9\x7f",
				      "0123456789abcdef"};
	size_t c, len;
	char *s;

	t_int = btf__add_int(btf, "int", 4, BTF_INT_SIGNED);
	t_u64 = btf__add_int(btf, "unsigned long long", 8, 0);
	t_s8 = btf__add_int(btf, "signed char", 1, BTF_INT_SIGNED);
	t_u8 = btf__add_int(btf, "unsigned char", 1, 0);
	t_s16 = btf__add_int(btf, "short", 2, BTF_INT_SIGNED);
	t_bool = btf__add_int(btf, "_Bool", 1, BTF_INT_BOOL);
	t_char = btf__add_int(btf, "char", 1, BTF_INT_SIGNED);
	t_comm = btf__add_array(btf, t_int, t_char, 16);
#define F(name, type) btf__add_field(btf, #name, type, offsetof(struct bench_event, name) * 8, 0)
	id = btf__add_struct(btf, "bench_event", sizeof(struct bench_event));
	F(pid, t_int);
	F(tid, t_int);
	F(seq, t_u64);
	F(s8, t_s8);
	F(u8, t_u8);
	F(s16, t_s16);
	F(flag, t_bool);
	F(comm, t_comm);
#undef F
	empty = btf__add_struct(btf, "empty", 0);
	/* more members than a plan takes: the walker does it all */
	many = btf__add_struct(btf, "many", 4 * 1100);
	for (i = 0; i < 1100; i++) {
		char name[16];

		snprintf(name, sizeof(name), "m%d", i);
		btf__add_field(btf, name, t_int, i * 32, 0);
	}
	assert_true(id > 0 && empty > 0 && many > 0);

	memset(&e, 0, sizeof(e));
	e.pid = 4242;
	e.tid = -1;
	e.seq = UINT64_MAX;
	e.s8 = INT8_MIN;
	e.u8 = 255;
	e.s16 = INT16_MIN;
	e.flag = 1;
	memcpy(e.comm, "trigger", 8);
	s = plan_line(fx, id, EUNOMIA_FMT_JSON, &e, sizeof(e), NULL, NULL, "");
	assert_string_equal(s, "{\"pid\":4242,\"tid\":-1,\"seq\":18446744073709551615,"
			       "\"s8\":-128,\"u8\":255,\"s16\":-32768,\"flag\":true,"
			       "\"comm\":\"trigger\"}");
	free(s);
	for (c = 0; c < sizeof(comms) / sizeof(comms[0]); c++) {
		memset(e.comm, 0, sizeof(e.comm));
		memcpy(e.comm, comms[c], strlen(comms[c]));
		e.flag = c % 2;
		for (len = 0; len <= sizeof(e); len++) {
			expect_plan_same(fx, id, EUNOMIA_FMT_JSON, &e, len, "01:02:03", "ev");
			expect_plan_same(fx, id, EUNOMIA_FMT_PLAIN, &e, len, "01:02:03", "ev");
			expect_plan_same(fx, id, EUNOMIA_FMT_RAW, &e, len, "01:02:03", "ev");
		}
	}
	/* plain: a string ending the line loses its trailing spaces, like the walker's line */
	memset(e.comm, 0, sizeof(e.comm));
	memcpy(e.comm, "trail  ", 7);
	e.flag = 1;
	s = plan_line(fx, id, EUNOMIA_FMT_PLAIN, &e, sizeof(e), "01:02:03", NULL, "");
	assert_string_equal(
		s,
		"01:02:03 4242    -1      18446744073709551615 -128   255    -32768 true   trail");
	free(s);
	s = plan_line(fx, empty, EUNOMIA_FMT_JSON, NULL, 0, NULL, NULL, "");
	assert_string_equal(s, "{}");
	free(s);
	expect_plan_same(fx, empty, EUNOMIA_FMT_PLAIN, NULL, 0, "01:02:03", NULL);
	{
		int32_t *v = calloc(1100, sizeof(*v));

		assert_non_null(v);
		for (i = 0; i < 1100; i++)
			v[i] = i * 7 - 3;
		expect_plan_same(fx, many, EUNOMIA_FMT_JSON, v, 4 * 1100, "01:02:03", NULL);
		expect_plan_same(fx, many, EUNOMIA_FMT_PLAIN, v, 4 * 1100, "01:02:03", NULL);
		free(v);
	}
	/* raw without a label, and a plan for no type at all */
	s = plan_line(fx, 0, EUNOMIA_FMT_RAW, "\x01\xfe", 2, "01:02:03", NULL, "");
	assert_string_equal(s, "01:02:03 - 2 01fe");
	free(s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_json_every_kind),
		cmocka_unit_test(test_plain_header_and_row),
		cmocka_unit_test(test_raw),
		cmocka_unit_test(test_char_array_without_nul),
		cmocka_unit_test(test_invalid_utf8_and_control_bytes),
		cmocka_unit_test(test_truncated_record),
		cmocka_unit_test(test_anonymous_members_flattened),
		cmocka_unit_test(test_enums_signed_and_unknown),
		cmocka_unit_test(test_scalar_cells_and_floats),
		cmocka_unit_test(test_checked_in_record),
		cmocka_unit_test(test_broken_type_ids),
		cmocka_unit_test(test_every_truncation_in_bounds),
		cmocka_unit_test(test_plan_fast_steps),
		cmocka_unit_test(test_self_containing_struct_is_bounded),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
