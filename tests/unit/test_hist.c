// SPDX-License-Identifier: MIT
/* Histogram rendering: bcc's print_log2_hist / print_linear_hist layouts, byte for byte. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "loader/sample.h"

static void test_log2_small(void **state)
{
	const uint64_t vals[] = {0, 1, 4, 2, 0, 0};
	struct strbuf sb = STRBUF_INIT;

	(void)state;
	assert_int_equal(eun_hist_log2(&sb, vals, 6, "usecs", 0), 0);
	assert_string_equal(
		sb_str(&sb),
		"     usecs               : count    distribution\n"
		"         0 -> 1          : 0        |                                        |\n"
		"         2 -> 3          : 1        |**********                              |\n"
		"         4 -> 7          : 4        |****************************************|\n"
		"         8 -> 15         : 2        |********************                    |\n");
	sb_free(&sb);
}

/* highest non-zero slot above 32: wider columns, 20-char bars */
static void test_log2_wide(void **state)
{
	uint64_t vals[40] = {0};
	struct strbuf sb = STRBUF_INIT;

	(void)state;
	vals[0] = 3;
	vals[33] = 1;
	vals[34] = 6;
	assert_int_equal(eun_hist_log2(&sb, vals, 40, "nsecs", 0), 0);
	assert_string_equal(
		sb_str(&sb),
		"               nsecs                         : count    distribution\n"
		"                   0 -> 1                    : 3        |**********          |\n"
		"                   2 -> 3                    : 0        |                    |\n"
		"                   4 -> 7                    : 0        |                    |\n"
		"                   8 -> 15                   : 0        |                    |\n"
		"                  16 -> 31                   : 0        |                    |\n"
		"                  32 -> 63                   : 0        |                    |\n"
		"                  64 -> 127                  : 0        |                    |\n"
		"                 128 -> 255                  : 0        |                    |\n"
		"                 256 -> 511                  : 0        |                    |\n"
		"                 512 -> 1023                 : 0        |                    |\n"
		"                1024 -> 2047                 : 0        |                    |\n"
		"                2048 -> 4095                 : 0        |                    |\n"
		"                4096 -> 8191                 : 0        |                    |\n"
		"                8192 -> 16383                : 0        |                    |\n"
		"               16384 -> 32767                : 0        |                    |\n"
		"               32768 -> 65535                : 0        |                    |\n"
		"               65536 -> 131071               : 0        |                    |\n"
		"              131072 -> 262143               : 0        |                    |\n"
		"              262144 -> 524287               : 0        |                    |\n"
		"              524288 -> 1048575              : 0        |                    |\n"
		"             1048576 -> 2097151              : 0        |                    |\n"
		"             2097152 -> 4194303              : 0        |                    |\n"
		"             4194304 -> 8388607              : 0        |                    |\n"
		"             8388608 -> 16777215             : 0        |                    |\n"
		"            16777216 -> 33554431             : 0        |                    |\n"
		"            33554432 -> 67108863             : 0        |                    |\n"
		"            67108864 -> 134217727            : 0        |                    |\n"
		"           134217728 -> 268435455            : 0        |                    |\n"
		"           268435456 -> 536870911            : 0        |                    |\n"
		"           536870912 -> 1073741823           : 0        |                    |\n"
		"          1073741824 -> 2147483647           : 0        |                    |\n"
		"          2147483648 -> 4294967295           : 0        |                    |\n"
		"          4294967296 -> 8589934591           : 0        |                    |\n"
		"          8589934592 -> 17179869183          : 1        |***                 |\n"
		"         17179869184 -> 34359738367          : 6        |********************|\n");
	sb_free(&sb);
}

/* a count above the bar maximum ends its bar with '+' */
static void test_log2_plus(void **state)
{
	const uint64_t vals[] = {5, 1, 2};
	struct strbuf sb = STRBUF_INIT;

	(void)state;
	assert_int_equal(eun_hist_log2(&sb, vals, 3, "(unit)", 2), 0);
	assert_string_equal(
		sb_str(&sb),
		"     (unit)              : count    distribution\n"
		"         0 -> 1          : 5        |****************************************+|\n"
		"         2 -> 3          : 1        |********************                    |\n"
		"         4 -> 7          : 2        |****************************************|\n");
	sb_free(&sb);
}

static void test_all_zero_prints_nothing(void **state)
{
	const uint64_t vals[4] = {0};
	struct strbuf sb = STRBUF_INIT;

	(void)state;
	assert_int_equal(eun_hist_log2(&sb, vals, 4, "usecs", 0), 0);
	assert_int_equal(eun_hist_linear(&sb, vals, 4, "usecs", 0, 1, 0), 0);
	assert_int_equal(eun_hist_log2(&sb, vals, 0, "usecs", 0), 0);
	assert_int_equal(sb.len, 0);
	sb_free(&sb);
}

/* the last of 64 slots: no shift overflow, the top of the u64 range */
static void test_log2_slot_63(void **state)
{
	uint64_t vals[64] = {0};
	struct strbuf sb = STRBUF_INIT;
	const char *last;

	(void)state;
	vals[63] = 1;
	assert_int_equal(eun_hist_log2(&sb, vals, 64, "x", 0), 0);
	last = strstr(sb_str(&sb), " 9223372036854775808 -> 18446744073709551615 : 1        |");
	assert_non_null(last);
	sb_free(&sb);
}

static void test_linear(void **state)
{
	const uint64_t vals[] = {0, 0, 3, 0, 6, 0};
	const uint64_t vals2[] = {1, 0, 2};
	struct strbuf sb = STRBUF_INIT;

	(void)state;
	assert_int_equal(eun_hist_linear(&sb, vals, 6, "ms", 0, 1, 0), 0);
	assert_string_equal(
		sb_str(&sb),
		"     ms            : count     distribution\n"
		"        2          : 3        |********************                    |\n"
		"        3          : 0        |                                        |\n"
		"        4          : 6        |****************************************|\n");
	sb_reset(&sb);
	assert_int_equal(eun_hist_linear(&sb, vals2, 3, "kbytes", 100, 10, 0), 0);
	assert_string_equal(
		sb_str(&sb),
		"     kbytes        : count     distribution\n"
		"        100        : 1        |********************                    |\n"
		"        110        : 0        |                                        |\n"
		"        120        : 2        |****************************************|\n");
	sb_free(&sb);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_log2_small),   cmocka_unit_test(test_log2_wide),
		cmocka_unit_test(test_log2_plus),    cmocka_unit_test(test_all_zero_prints_nothing),
		cmocka_unit_test(test_log2_slot_63), cmocka_unit_test(test_linear),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
