// SPDX-License-Identifier: MIT
/* common/jsonw: structure, escaping (control bytes, invalid UTF-8), numbers. */
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

#include "common/jsonw.h"

static void expect_escaped(const void *in, size_t len, const char *want)
{
	struct strbuf sb = STRBUF_INIT;

	assert_int_equal(json_escape_str(&sb, in, len), 0);
	assert_string_equal(sb_str(&sb), want);
	sb_free(&sb);
}

static void test_structure(void **state)
{
	struct strbuf sb = STRBUF_INIT;
	struct jsonw w;

	(void)state;
	jsonw_init(&w, &sb);
	jsonw_start_object(&w);
	jsonw_key(&w, "pid");
	jsonw_u64(&w, 42);
	jsonw_key(&w, "neg");
	jsonw_s64(&w, -7);
	jsonw_key(&w, "list");
	jsonw_start_array(&w);
	jsonw_u64(&w, 1);
	jsonw_start_object(&w);
	jsonw_end_object(&w);
	jsonw_start_array(&w);
	jsonw_end_array(&w);
	jsonw_null(&w);
	jsonw_bool(&w, true);
	jsonw_bool(&w, false);
	jsonw_end_array(&w);
	jsonw_key(&w, "s");
	jsonw_string(&w, "x");
	jsonw_end_object(&w);
	assert_int_equal(jsonw_error(&w), 0);
	assert_string_equal(
		sb_str(&sb),
		"{\"pid\":42,\"neg\":-7,\"list\":[1,{},[],null,true,false],\"s\":\"x\"}");
	sb_free(&sb);
}

static void test_misuse_is_sticky(void **state)
{
	struct strbuf sb = STRBUF_INIT;
	struct jsonw w;

	(void)state;
	jsonw_init(&w, &sb);
	jsonw_start_object(&w);
	/* a value without a key inside an object */
	assert_int_equal(jsonw_u64(&w, 1), -EINVAL);
	assert_int_equal(jsonw_end_object(&w), -EINVAL);
	assert_int_equal(jsonw_error(&w), -EINVAL);

	sb_reset(&sb);
	jsonw_init(&w, &sb);
	jsonw_start_array(&w);
	assert_int_equal(jsonw_end_object(&w), -EINVAL);
	sb_reset(&sb);
	jsonw_init(&w, &sb);
	assert_int_equal(jsonw_key(&w, "k"), -EINVAL);
	sb_free(&sb);
}

static void test_escape_basic(void **state)
{
	(void)state;
	expect_escaped("plain text", 10, "\"plain text\"");
	expect_escaped("a\"b\\c/d", 7, "\"a\\\"b\\\\c/d\"");
	expect_escaped("\b\f\n\r\t", 5, "\"\\b\\f\\n\\r\\t\"");
	expect_escaped("", 0, "\"\"");
}

static void test_escape_control_bytes(void **state)
{
	unsigned char all[32];
	struct strbuf want = STRBUF_INIT;
	int i;

	(void)state;
	for (i = 0; i < 32; i++)
		all[i] = (unsigned char)i;
	sb_addc(&want, '"');
	for (i = 0; i < 32; i++) {
		switch (i) {
		case '\b':
			sb_adds(&want, "\\b");
			break;
		case '\f':
			sb_adds(&want, "\\f");
			break;
		case '\n':
			sb_adds(&want, "\\n");
			break;
		case '\r':
			sb_adds(&want, "\\r");
			break;
		case '\t':
			sb_adds(&want, "\\t");
			break;
		default:
			sb_addf(&want, "\\u%04x", i);
		}
	}
	sb_addc(&want, '"');
	expect_escaped(all, 32, sb_str(&want));
	sb_free(&want);
	/* DEL and an embedded NUL */
	expect_escaped("a\x7f"
		       "b\0c",
		       5, "\"a\\u007fb\\u0000c\"");
}

static void test_escape_utf8(void **state)
{
	(void)state;
	/* valid 2, 3 and 4 byte sequences pass through */
	expect_escaped("\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80", 9,
		       "\"\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80\"");
	/* a lone continuation byte, a truncated sequence, a bad lead byte */
	expect_escaped("a\x80z", 3, "\"a\\u0080z\"");
	expect_escaped("\xe2\x82", 2, "\"\\u00e2\\u0082\"");
	expect_escaped("\xff\xfe", 2, "\"\\u00ff\\u00fe\"");
	/* overlong '/' and NUL, a UTF-16 surrogate, a code point above U+10FFFF */
	expect_escaped("\xc0\xaf", 2, "\"\\u00c0\\u00af\"");
	expect_escaped("\xc0\x80", 2, "\"\\u00c0\\u0080\"");
	expect_escaped("\xed\xa0\x80", 3, "\"\\u00ed\\u00a0\\u0080\"");
	expect_escaped("\xf4\x90\x80\x80", 4, "\"\\u00f4\\u0090\\u0080\\u0080\"");
	/* valid sequence right after an invalid byte still passes */
	expect_escaped("\xff\xc3\xa9", 3, "\"\\u00ff\xc3\xa9\"");
}

static void test_numbers(void **state)
{
	struct strbuf sb = STRBUF_INIT;
	struct jsonw w;

	(void)state;
	jsonw_init(&w, &sb);
	jsonw_start_array(&w);
	jsonw_u64(&w, UINT64_MAX);
	jsonw_s64(&w, INT64_MIN);
	jsonw_u128(&w, ~(unsigned __int128)0);
	jsonw_s128(&w, (__int128)(((unsigned __int128)1) << 127));
	jsonw_s128(&w, -1);
	jsonw_u128(&w, 0);
	jsonw_double(&w, 0.1);
	jsonw_double(&w, 1.5);
	jsonw_double(&w, -2.0);
	jsonw_double(&w, 1e300);
	jsonw_double(&w, NAN);
	jsonw_double(&w, INFINITY);
	jsonw_double(&w, -INFINITY);
	jsonw_end_array(&w);
	assert_int_equal(jsonw_error(&w), 0);
	assert_string_equal(sb_str(&sb),
			    "[18446744073709551615,-9223372036854775808,"
			    "\"340282366920938463463374607431768211455\","
			    "\"-170141183460469231731687303715884105728\",\"-1\",\"0\","
			    "0.1,1.5,-2,1e+300,null,null,null]");
	sb_free(&sb);
}

static void test_key_escaping(void **state)
{
	struct strbuf sb = STRBUF_INIT;
	struct jsonw w;

	(void)state;
	jsonw_init(&w, &sb);
	jsonw_start_object(&w);
	jsonw_key(&w, "a\"\n");
	jsonw_string_len(&w, "x\0y", 3);
	jsonw_end_object(&w);
	assert_string_equal(sb_str(&sb), "{\"a\\\"\\n\":\"x\\u0000y\"}");
	sb_free(&sb);
}

/* The hand-rolled decimal writers agree with printf at every width boundary. */
static void test_dec_matches_printf(void **state)
{
	static const uint64_t u[] = {0,
				     1,
				     9,
				     10,
				     99,
				     100,
				     999,
				     1000,
				     4294967295u,
				     4294967296u,
				     9999999999999999999u,
				     10000000000000000000u,
				     UINT64_MAX};
	static const int64_t s[] = {0,	  -1,	     1,		-9,	   -10,
				    -100, INT32_MIN, INT32_MAX, INT64_MAX, INT64_MIN};
	char want[32], got[32];
	size_t i, n;
	uint64_t x;

	for (i = 0; i < sizeof(u) / sizeof(u[0]); i++) {
		snprintf(want, sizeof(want), "%llu", (unsigned long long)u[i]);
		n = u64_to_dec(got, u[i]);
		got[n] = '\0';
		assert_string_equal(got, want);
	}
	for (i = 0; i < sizeof(s) / sizeof(s[0]); i++) {
		snprintf(want, sizeof(want), "%lld", (long long)s[i]);
		n = s64_to_dec(got, s[i]);
		got[n] = '\0';
		assert_string_equal(got, want);
	}
	for (x = 1; x < UINT64_MAX / 3; x = x * 3 + 1) {
		snprintf(want, sizeof(want), "%llu", (unsigned long long)x);
		n = u64_to_dec(got, x);
		got[n] = '\0';
		assert_string_equal(got, want);
	}
}

/* Long strings take the incremental path, short ones the one-pass writer: same text. */
static void test_escape_long_matches_short(void **state)
{
	size_t len = 200000, i;
	unsigned char *in = malloc(len);
	struct strbuf whole = STRBUF_INIT, parts = STRBUF_INIT;

	assert_non_null(in);
	srand(7);
	for (i = 0; i < len; i++)
		in[i] = (unsigned char)(i % 97 == 0 ? rand() : "a\xc3\xa9\"\n\x01z"[i % 7]);
	assert_int_equal(json_escape_body(&whole, in, len), 0);
	assert_int_equal(sb_grow(&parts, JSON_ESCAPE_MAX(len)), 0);
	parts.len = json_escape_raw(parts.buf, in, len);
	parts.buf[parts.len] = '\0';
	assert_int_equal(whole.len, parts.len);
	assert_memory_equal(whole.buf, parts.buf, whole.len);
	sb_free(&whole);
	sb_free(&parts);
	free(in);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_structure),
		cmocka_unit_test(test_misuse_is_sticky),
		cmocka_unit_test(test_escape_basic),
		cmocka_unit_test(test_escape_control_bytes),
		cmocka_unit_test(test_escape_utf8),
		cmocka_unit_test(test_numbers),
		cmocka_unit_test(test_key_escaping),
		cmocka_unit_test(test_dec_matches_printf),
		cmocka_unit_test(test_escape_long_matches_short),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
