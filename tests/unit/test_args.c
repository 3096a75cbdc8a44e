// SPDX-License-Identifier: MIT
/*
 * Tool arguments (loader/args.c) on a real object: tests/data/packages/minimal.bpf.c is compiled
 * with clang, packaged, and opened through the public API (eunomia_runner__open, which opens it
 * with libbpf). Every type, both ends of every range, typedefs, enums, char[N], bools, floats,
 * @cmdarg defaults and the help text. As root, the values are checked in the loaded maps.
 */
#include <errno.h>
#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <cjson/cJSON.h>

#include "tests/unit/test_util.h"
#include "loader/internal.h"
#include "packer/package.h"

static char tmpdir[PATH_MAX];
static void *elf;
static size_t elf_len;
static cJSON *meta;
static char msgs[8192];

struct fix {
	struct eunomia_package *pkg;
	struct eunomia_runner *r;
};

static void capture(void *ctx, enum eunomia_print_level level, const char *fmt, va_list ap)
{
	size_t n = strlen(msgs);

	if (level == EUNOMIA_DEBUG)
		return;
	if (n < sizeof(msgs) - 2) {
		vsnprintf(msgs + n, sizeof(msgs) - n - 1, fmt, ap);
		strcat(msgs, "\n");
	}
}

static int setup_all(void **state)
{
	char src[PATH_MAX + 64], path[PATH_MAX + 64];
	size_t len = 0;
	char *text;

	snprintf(tmpdir, sizeof(tmpdir), "/tmp/test_args.XXXXXX");
	if (!mkdtemp(tmpdir))
		return -1;
	snprintf(src, sizeof(src), "%s/tests/data/packages/minimal.bpf.c", test_root());
	snprintf(path, sizeof(path), "%s/minimal.bpf.o", tmpdir);
	elf = test_compile_bpf(src, path, "-DPROG_NAME=args_getpid", &len);
	elf_len = len;
	snprintf(path, sizeof(path), "%s/tests/data/packages/minimal.skel.json", test_root());
	text = test_slurp(path, &len);
	if (!elf || !text)
		return -1;
	meta = cJSON_Parse(text);
	free(text);
	return meta ? 0 : -1;
}

static int teardown_all(void **state)
{
	char cmd[PATH_MAX + 16];

	snprintf(cmd, sizeof(cmd), "rm -rf %s", tmpdir);
	free(elf);
	cJSON_Delete(meta);
	return system(cmd) == 0 ? 0 : -1;
}

/* Open a runner over a package built from `m` (the fixture meta when NULL). */
static struct fix open_fix(const cJSON *m)
{
	struct strbuf sb = STRBUF_INIT;
	struct fix f = {0};
	cJSON *doc;

	EUNOMIA_OPTS(package, po, .print = capture);
	EUNOMIA_OPTS(runner, ro, .print = capture);
	assert_int_equal(pkg_build(elf, elf_len, m ? m : meta, &doc), 0);
	assert_int_equal(pkg_write(doc, false, &sb), 0);
	cJSON_Delete(doc);
	f.pkg = eunomia_package__open_mem(sb.buf, sb.len, "minimal.json", &po);
	sb_free(&sb);
	assert_non_null(f.pkg);
	f.r = eunomia_runner__open(f.pkg, &ro);
	if (!f.r)
		fail_msg("runner open failed: %s; log: %s", eunomia_strerror(errno), msgs);
	return f;
}

static void close_fix(struct fix *f)
{
	eunomia_runner__free(f->r);
	eunomia_package__free(f->pkg);
}

static struct fix F;

static int setup(void **state)
{
	msgs[0] = '\0';
	F = open_fix(NULL);
	return 0;
}

static int teardown(void **state)
{
	close_fix(&F);
	return 0;
}

static struct eun_arg *arg(struct eunomia_runner *r, const char *name)
{
	size_t i;

	for (i = 0; i < r->nr_args; i++)
		if (!strcmp(r->args[i].info.name, name))
			return &r->args[i];
	fail_msg("no argument '%s'", name);
	return NULL;
}

static const uint8_t *image(struct eunomia_runner *r, const char *name)
{
	struct eun_arg *a = arg(r, name);
	size_t sz = 0;
	const uint8_t *p = bpf_map__initial_value(a->map, &sz);

	assert_non_null(p);
	assert_true(a->offset + a->size <= sz);
	return p + a->offset;
}

static uint64_t uval(struct eunomia_runner *r, const char *name)
{
	struct eun_arg *a = arg(r, name);
	const uint8_t *p = image(r, name);
	uint64_t v = 0;
	uint32_t i;

	for (i = 0; i < a->size; i++)
		v |= (uint64_t)p[i] << (8 * i);
	return v;
}

static int64_t sval(struct eunomia_runner *r, const char *name)
{
	struct eun_arg *a = arg(r, name);
	uint64_t v = uval(r, name);

	if (a->size < 8 && (v & (1ULL << (a->size * 8 - 1))))
		v |= ~0ULL << (a->size * 8);
	return (int64_t)v;
}

static void set_ok(const char *name, const char *value)
{
	int err = eunomia_runner__set_arg(F.r, name, value);

	if (err)
		fail_msg("set %s=%s: %s; log: %s", name, value, eunomia_strerror(err), msgs);
}

static void set_bad(const char *name, const char *value, const char *msg)
{
	int err;

	msgs[0] = '\0';
	err = eunomia_runner__set_arg(F.r, name, value);
	if (err != -EUNOMIA_ERR_ARG)
		fail_msg("set %s=%s: got %d, want -EUNOMIA_ERR_ARG", name, value, err);
	if (!strstr(msgs, msg))
		fail_msg("set %s=%s: log '%s' lacks '%s'", name, value, msgs, msg);
}

/* ---- tests ------------------------------------------------------------------------------- */

static void test_arg_list(void **state)
{
	static const struct {
		const char *name, *type, *def, *section;
		bool is_bool;
	} want[] = {
		{"verbose", "bool", "false", ".rodata", true},
		{"enabled", "bool", "true", ".rodata", true},
		{"c8", "char", "-3", ".rodata", false},
		{"u8v", "unsigned char", "200", ".rodata", false},
		{"s16", "short", "-1234", ".rodata", false},
		{"u16v", "unsigned short", "60000", ".rodata", false},
		{"i32", "int", "-5", ".rodata", false},
		{"u32v", "unsigned int", "7", ".rodata", false},
		{"s64", "long long", "-9", ".rodata", false},
		{"min_duration_ns", "unsigned long long", "1000000", ".rodata", false},
		{"tu32", "u32", "11", ".rodata", false},
		{"tu64", "u64", "12", ".rodata", false},
		{"target_pid", "pid_t", "0", ".rodata", false},
		{"target_uid", "uid_t", "1000", ".rodata", false},
		{"mode", "enum mode", "MODE_ON", ".rodata", false},
		{"comm", "char[16]", "bash", ".rodata", false},
		{"ratio", "float", "1.5", ".rodata", false},
		{"scale", "double", "2.25", ".rodata", false},
		{"counter", "int", "3", ".data", false},
		{"total", "unsigned long long", "0", ".bss", false},
	};
	size_t i, n = sizeof(want) / sizeof(want[0]);

	assert_int_equal(eunomia_runner__arg_count(F.r), n);
	for (i = 0; i < n; i++) {
		const struct eunomia_arg_info *a = eunomia_runner__arg(F.r, i);

		assert_non_null(a);
		assert_string_equal(a->name, want[i].name);
		assert_string_equal(a->type, want[i].type);
		assert_string_equal(a->default_text, want[i].def);
		assert_string_equal(a->section, want[i].section);
		assert_int_equal(a->is_bool, want[i].is_bool);
	}
	assert_null(eunomia_runner__arg(F.r, n));
	assert_string_equal(eunomia_runner__arg(F.r, 12)->long_name, "pid");
	assert_int_equal(eunomia_runner__arg(F.r, 12)->short_name, 'p');
	assert_string_equal(eunomia_runner__arg(F.r, 12)->help, "Process ID to trace");
	assert_string_equal(eunomia_runner__arg(F.r, 9)->help, "Minimum duration");
	assert_string_equal(eunomia_runner__arg(F.r, 0)->long_name, "verbose");
	assert_string_equal(eunomia_runner__version(F.r), "0.9");
}

static void test_signed_ranges(void **state)
{
	set_ok("c8", "-128");
	assert_int_equal(sval(F.r, "c8"), -128);
	set_ok("c8", "127");
	assert_int_equal(sval(F.r, "c8"), 127);
	set_bad("c8", "128", "--c8: value '128' out of range for char (-128..127)");
	set_bad("c8", "-129", "out of range for char (-128..127)");
	set_ok("c8", "x");
	assert_int_equal(sval(F.r, "c8"), 'x');

	set_ok("s16", "-32768");
	assert_int_equal(sval(F.r, "s16"), -32768);
	set_ok("s16", "32767");
	set_bad("s16", "32768", "out of range for short (-32768..32767)");

	set_ok("i32", "-2147483648");
	assert_int_equal(sval(F.r, "i32"), INT32_MIN);
	set_ok("i32", "2147483647");
	assert_int_equal(sval(F.r, "i32"), INT32_MAX);
	set_bad("i32", "2147483648",
		"--i32: value '2147483648' out of range for int "
		"(-2147483648..2147483647)");
	set_bad("i32", "-2147483649", "out of range for int");
	set_ok("i32", "0x7fffffff");
	assert_int_equal(sval(F.r, "i32"), INT32_MAX);
	set_ok("i32", "-0x10");
	assert_int_equal(sval(F.r, "i32"), -16);
	set_ok("i32", "+12");
	assert_int_equal(sval(F.r, "i32"), 12);

	set_ok("s64", "-9223372036854775808");
	assert_true(sval(F.r, "s64") == INT64_MIN);
	set_ok("s64", "9223372036854775807");
	assert_true(sval(F.r, "s64") == INT64_MAX);
	set_bad("s64", "9223372036854775808",
		"out of range for long long (-9223372036854775808..9223372036854775807)");
	set_bad("s64", "-9223372036854775809", "out of range for long long");
	set_bad("s64", "99999999999999999999999", "out of range for long long");

	set_ok("target_pid", "-1");
	assert_int_equal(sval(F.r, "target_pid"), -1);
	set_bad("target_pid", "4294967295", "out of range for pid_t (-2147483648..2147483647)");

	set_bad("i32", "12abc", "--i32: value '12abc' is not an integer (int)");
	set_bad("i32", "", "is not an integer");
	set_bad("i32", "0x", "is not an integer");
	set_bad("i32", " 1", "is not an integer");
	set_bad("i32", "1.5", "is not an integer");
	set_bad("i32", "--1", "is not an integer");
}

static void test_unsigned_ranges(void **state)
{
	set_ok("u8v", "0");
	assert_int_equal(uval(F.r, "u8v"), 0);
	set_ok("u8v", "255");
	assert_int_equal(uval(F.r, "u8v"), 255);
	set_bad("u8v", "256", "out of range for unsigned char (0..255)");
	set_bad("u8v", "-1", "out of range for unsigned char (0..255)");

	set_ok("u16v", "65535");
	assert_int_equal(uval(F.r, "u16v"), 65535);
	set_bad("u16v", "65536", "out of range for unsigned short (0..65535)");

	set_ok("u32v", "4294967295");
	assert_int_equal(uval(F.r, "u32v"), UINT32_MAX);
	set_ok("u32v", "0xffffffff");
	assert_int_equal(uval(F.r, "u32v"), UINT32_MAX);
	set_bad("u32v", "4294967296", "out of range for unsigned int (0..4294967295)");

	set_ok("min_duration_ns", "18446744073709551615");
	assert_true(uval(F.r, "min_duration_ns") == UINT64_MAX);
	set_ok("min_duration_ns", "0");
	assert_true(uval(F.r, "min_duration_ns") == 0);
	set_bad("min_duration_ns", "-1",
		"--min_duration_ns: value '-1' out of range for unsigned long long "
		"(0..18446744073709551615)");
	set_bad("min_duration_ns", "18446744073709551616", "out of range for unsigned long long");

	/* typedefs resolve to their integer types */
	set_ok("tu32", "4294967295");
	assert_int_equal(uval(F.r, "tu32"), UINT32_MAX);
	set_bad("tu32", "4294967296", "out of range for u32 (0..4294967295)");
	set_ok("tu64", "18446744073709551615");
	assert_true(uval(F.r, "tu64") == UINT64_MAX);
	set_ok("target_uid", "4294967295");
	assert_int_equal(uval(F.r, "target_uid"), UINT32_MAX);
	set_bad("target_uid", "-1", "out of range for uid_t (0..4294967295)");

	/* .data and .bss are settable too */
	set_ok("counter", "-77");
	assert_int_equal(sval(F.r, "counter"), -77);
	set_ok("total", "123456789012");
	assert_true(uval(F.r, "total") == 123456789012ULL);
}

static void test_bool_enum_string_float(void **state)
{
	set_ok("verbose", "true");
	assert_int_equal(uval(F.r, "verbose"), 1);
	set_ok("verbose", "false");
	assert_int_equal(uval(F.r, "verbose"), 0);
	set_ok("verbose", "1");
	assert_int_equal(uval(F.r, "verbose"), 1);
	set_ok("verbose", "0");
	assert_int_equal(uval(F.r, "verbose"), 0);
	set_bad("verbose", "maybe", "--verbose: value 'maybe' is not a boolean");

	set_ok("mode", "MODE_AUTO");
	assert_int_equal(uval(F.r, "mode"), 7);
	set_ok("mode", "mode_off");
	assert_int_equal(uval(F.r, "mode"), 0);
	set_ok("mode", "1");
	assert_int_equal(uval(F.r, "mode"), 1);
	set_ok("mode", "5"); /* numbers outside the named values are allowed */
	assert_int_equal(uval(F.r, "mode"), 5);
	set_bad("mode", "MODE_BOGUS",
		"--mode: 'MODE_BOGUS' is not a value of enum mode (one of: MODE_OFF, MODE_ON, "
		"MODE_AUTO, or a number)");
	set_bad("mode", "4294967296", "out of range");

	set_ok("comm", "");
	assert_int_equal(image(F.r, "comm")[0], 0);
	set_ok("comm", "123456789012345");
	assert_memory_equal(image(F.r, "comm"), "123456789012345", 16);
	set_ok("comm", "ab");
	/* the rest of the array is cleared */
	assert_memory_equal(image(F.r, "comm"), "ab\0\0\0\0\0\0\0\0\0\0\0\0\0\0", 16);
	set_bad("comm", "1234567890123456",
		"--comm: value '1234567890123456' is too long for char[16] (at most 15 "
		"characters)");

	{
		float f;
		double d;
		const uint8_t *p;

		set_ok("ratio", "-0.25");
		p = image(F.r, "ratio");
		memcpy(&f, p, 4);
		assert_true(f == -0.25f);
		set_ok("scale", "1e300");
		p = image(F.r, "scale");
		memcpy(&d, p, 8);
		assert_true(d == 1e300);
		set_bad("ratio", "1e39", "out of range for float");
		set_bad("scale", "1e999", "out of range for double");
		set_bad("scale", "abc", "--scale: value 'abc' is not a number (double)");
	}
}

static int parse(int argc, char **argv)
{
	msgs[0] = '\0';
	return eunomia_runner__parse_args(F.r, argc, argv);
}

#define ARGV(...)  ((char *[]){"minimal", __VA_ARGS__, NULL})
#define ARGC(...)  ((int)(sizeof((char *[]){"minimal", __VA_ARGS__}) / sizeof(char *)))
#define PARSE(...) parse(ARGC(__VA_ARGS__), ARGV(__VA_ARGS__))

static void test_parse_args(void **state)
{
	char *only[] = {"minimal", NULL};

	assert_int_equal(parse(1, only), EUNOMIA_ARGS_OK);
	assert_int_equal(PARSE("--pid", "42", "--verbose", "--comm=zsh", "-p", "43"),
			 EUNOMIA_ARGS_OK);
	assert_int_equal(sval(F.r, "target_pid"), 43);
	assert_int_equal(uval(F.r, "verbose"), 1);
	assert_string_equal((const char *)image(F.r, "comm"), "zsh");
	/* the variable name works as well as the long name; dashes and underscores mix */
	assert_int_equal(PARSE("--target-pid=7", "--min-duration-ns", "5", "--u32v=9"),
			 EUNOMIA_ARGS_OK);
	assert_int_equal(sval(F.r, "target_pid"), 7);
	assert_int_equal(uval(F.r, "min_duration_ns"), 5);
	assert_int_equal(PARSE("-p44"), EUNOMIA_ARGS_OK);
	assert_int_equal(sval(F.r, "target_pid"), 44);
	assert_int_equal(PARSE("-p=45"), EUNOMIA_ARGS_OK);
	assert_int_equal(sval(F.r, "target_pid"), 45);
	/* bool switches */
	assert_int_equal(PARSE("--no-enabled", "--verbose=false"), EUNOMIA_ARGS_OK);
	assert_int_equal(uval(F.r, "enabled"), 0);
	assert_int_equal(uval(F.r, "verbose"), 0);
	assert_int_equal(PARSE("--enabled=true", "--no_verbose"), EUNOMIA_ARGS_OK);
	assert_int_equal(uval(F.r, "enabled"), 1);
	assert_int_equal(PARSE("--mode", "MODE_AUTO"), EUNOMIA_ARGS_OK);
	assert_int_equal(uval(F.r, "mode"), 7);

	assert_int_equal(PARSE("--help"), EUNOMIA_ARGS_HELP);
	assert_int_equal(PARSE("--pid=1", "-h"), EUNOMIA_ARGS_HELP);
	assert_int_equal(PARSE("--version"), EUNOMIA_ARGS_VERSION);

	assert_int_equal(PARSE("--bogus", "1"), -EUNOMIA_ERR_ARG);
	assert_non_null(strstr(msgs, "unknown option '--bogus'"));
	/* the library names no command: its caller adds the one that shows the help */
	assert_null(strstr(msgs, "--help"));
	assert_int_equal(PARSE("-z"), -EUNOMIA_ERR_ARG);
	assert_non_null(strstr(msgs, "unknown option '-z'"));
	assert_int_equal(PARSE("--no-pid"), -EUNOMIA_ERR_ARG);
	assert_non_null(strstr(msgs, "unknown option '--no-pid'"));
	assert_int_equal(PARSE("--pid"), -EUNOMIA_ERR_ARG);
	assert_non_null(strstr(msgs, "--pid: missing value (pid_t)"));
	assert_int_equal(PARSE("-p"), -EUNOMIA_ERR_ARG);
	assert_non_null(strstr(msgs, "-p (--pid): missing value"));
	assert_int_equal(PARSE("stray"), -EUNOMIA_ERR_ARG);
	assert_non_null(strstr(msgs, "unexpected argument 'stray'"));
	assert_int_equal(PARSE("--pid=x"), -EUNOMIA_ERR_ARG);
	assert_non_null(strstr(msgs, "--pid: value 'x' is not an integer (pid_t)"));
	assert_int_equal(PARSE("--"), EUNOMIA_ARGS_OK);

	/* set_arg by name: unknown gives -ENOENT */
	assert_int_equal(eunomia_runner__set_arg(F.r, "nope", "1"), -ENOENT);
	assert_int_equal(eunomia_runner__set_arg(F.r, "--pid", "3"), 0);
	assert_int_equal(sval(F.r, "target_pid"), 3);
}

static void test_unset_keeps_compiled_value(void **state)
{
	assert_int_equal(PARSE("--pid", "5"), EUNOMIA_ARGS_OK);
	assert_int_equal(sval(F.r, "s16"), -1234);
	assert_int_equal(uval(F.r, "u16v"), 60000);
	assert_int_equal(uval(F.r, "min_duration_ns"), 1000000);
	assert_string_equal((const char *)image(F.r, "comm"), "bash");
	assert_int_equal(uval(F.r, "enabled"), 1);
	assert_false(arg(F.r, "s16")->set);
	assert_true(arg(F.r, "target_pid")->set);
}

static cJSON *find_var_json(cJSON *m, const char *name)
{
	cJSON *sec, *v;

	cJSON_ArrayForEach(
		sec, cJSON_GetObjectItem(cJSON_GetObjectItem(m, "bpf_skel"), "data_sections")) {
		cJSON_ArrayForEach(v, cJSON_GetObjectItem(sec, "variables")) {
			if (!strcmp(cJSON_GetObjectItem(v, "name")->valuestring, name))
				return v;
		}
	}
	return NULL;
}

static void test_cmdarg_default_and_value(void **state)
{
	cJSON *m = cJSON_Duplicate(meta, true), *v;
	struct fix f;

	v = find_var_json(m, "u32v");
	cJSON_AddItemToObject(v, "cmdarg", cJSON_Parse("{\"default\": 42, \"long\": \"count\"}"));
	v = find_var_json(m, "comm");
	cJSON_AddItemToObject(v, "cmdarg",
			      cJSON_Parse("{\"default\": \"sshd\", \"short\": \"c\"}"));
	v = find_var_json(m, "i32");
	cJSON_AddNumberToObject(v, "value", -77);
	v = find_var_json(m, "verbose");
	cJSON_AddItemToObject(v, "cmdarg", cJSON_Parse("{\"default\": true, \"short\": \"v\"}"));
	v = find_var_json(m, "enabled");
	cJSON_AddItemToObject(v, "cmdarg", cJSON_Parse("{\"short\": \"e\"}"));
	v = find_var_json(m, "s16");
	cJSON_AddItemToObject(v, "cmdarg", cJSON_Parse("{\"default\": 99999}"));
	/* a dummy variable forced by a header is hidden */
	cJSON_AddItemToArray(
		cJSON_GetObjectItem(
			cJSON_GetArrayItem(cJSON_GetObjectItem(cJSON_GetObjectItem(m, "bpf_skel"),
							       "data_sections"),
					   0),
			"variables"),
		cJSON_Parse("{\"name\": \"__eunomia_dummy_event_ptr\", \"type\": "
			    "\"struct event *\"}"));

	msgs[0] = '\0';
	f = open_fix(m);
	cJSON_Delete(m);
	assert_int_equal(eunomia_runner__arg_count(f.r), 20);
	assert_int_equal(uval(f.r, "u32v"), 42);
	assert_string_equal(arg(f.r, "u32v")->info.default_text, "42");
	assert_string_equal(arg(f.r, "u32v")->info.long_name, "count");
	assert_string_equal((const char *)image(f.r, "comm"), "sshd");
	assert_int_equal(arg(f.r, "comm")->info.short_name, 'c');
	assert_int_equal(sval(f.r, "i32"), -77);
	assert_int_equal(uval(f.r, "verbose"), 1);
	/* a bad default is reported and the compiled value stays */
	assert_int_equal(sval(f.r, "s16"), -1234);
	assert_non_null(strstr(msgs, "--s16: value '99999' out of range for short"));
	assert_non_null(strstr(msgs, "--s16: ignoring the package's @cmdarg default '99999'"));
	/* the user still wins */
	msgs[0] = '\0';
	assert_int_equal(eunomia_runner__parse_args(f.r, 3, (char *[]){"m", "--count", "1", NULL}),
			 0);
	assert_int_equal(uval(f.r, "u32v"), 1);
	/* short switches cluster; a short with a value takes the rest of the word */
	assert_int_equal(
		eunomia_runner__parse_args(f.r, 3, (char *[]){"m", "--no-enabled", "-ce", NULL}),
		0);
	assert_int_equal(uval(f.r, "enabled"), 0);
	assert_string_equal((const char *)image(f.r, "comm"), "e");
	assert_int_equal(
		eunomia_runner__parse_args(f.r, 3, (char *[]){"m", "--no-verbose", "-ve", NULL}),
		0);
	assert_int_equal(uval(f.r, "enabled"), 1);
	assert_int_equal(uval(f.r, "verbose"), 1);
	close_fix(&f);
}

static void test_help_text(void **state)
{
	static const char want[] =
		"minimal: a test tool\n"
		"\n"
		"Usage: minimal [OPTIONS]\n"
		"\n"
		"Options:\n"
		"      --verbose                (default: false)\n"
		"      --enabled                (default: true)\n"
		"      --c8=INT                 (default: -3)\n"
		"      --u8v=UINT               (default: 200)\n"
		"      --s16=INT                (default: -1234)\n"
		"      --u16v=UINT              (default: 60000)\n"
		"      --i32=INT                (default: -5)\n"
		"      --u32v=UINT              (default: 7)\n"
		"      --s64=INT                (default: -9)\n"
		"      --min_duration_ns=UINT   Minimum duration (default: 1000000)\n"
		"      --tu32=UINT              (default: 11)\n"
		"      --tu64=UINT              (default: 12)\n"
		"  -p, --pid=INT                Process ID to trace (default: 0)\n"
		"      --target_uid=UINT        (default: 1000)\n"
		"      --mode=ENUM              (default: MODE_ON) [MODE_OFF, MODE_ON, "
		"MODE_AUTO]\n"
		"      --comm=STR               (default: \"bash\")\n"
		"      --ratio=FLOAT            (default: 1.5)\n"
		"      --scale=FLOAT            (default: 2.25)\n"
		"      --counter=INT            (default: 3)\n"
		"      --total=UINT             (default: 0)\n"
		"  -h, --help                   Show this help and exit\n"
		"      --version                Show the version and exit\n"
		"\n"
		"Details at the end.\n";
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	assert_non_null(f);
	assert_int_equal(eunomia_runner__help(F.r, f, "minimal"), 0);
	fclose(f);
	if (strcmp(buf, want) != 0)
		fail_msg("help differs; got:\n%s", buf);
	free(buf);
}

/* As root: the values reach the kernel's maps at load. */
static void test_values_reach_kernel(void **state)
{
	uint8_t val[512];
	struct eun_arg *a;
	int zero = 0, err;

	if (geteuid() != 0) {
		skip();
		return;
	}
	assert_int_equal(PARSE("--pid", "4242", "--comm", "cat", "--min_duration_ns",
			       "18446744073709551615", "--counter=-8"),
			 0);
	err = eunomia_runner__load(F.r);
	if (err)
		fail_msg("load: %s; log: %s", eunomia_strerror(err), msgs);
	a = arg(F.r, "target_pid");
	assert_true(bpf_map__value_size(a->map) <= sizeof(val));
	assert_int_equal(bpf_map_lookup_elem(bpf_map__fd(a->map), &zero, val), 0);
	assert_int_equal(*(int32_t *)(val + a->offset), 4242);
	a = arg(F.r, "comm");
	assert_string_equal((char *)val + a->offset, "cat");
	a = arg(F.r, "min_duration_ns");
	assert_true(*(uint64_t *)(val + a->offset) == UINT64_MAX);
	a = arg(F.r, "counter");
	assert_int_equal(bpf_map_lookup_elem(bpf_map__fd(a->map), &zero, val), 0);
	assert_int_equal(*(int32_t *)(val + a->offset), -8);
	/* too late to set now */
	msgs[0] = '\0';
	assert_int_equal(eunomia_runner__set_arg(F.r, "pid", "1"), -EUNOMIA_ERR_STATE);
	assert_non_null(strstr(msgs, "before load"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_arg_list, setup, teardown),
		cmocka_unit_test_setup_teardown(test_signed_ranges, setup, teardown),
		cmocka_unit_test_setup_teardown(test_unsigned_ranges, setup, teardown),
		cmocka_unit_test_setup_teardown(test_bool_enum_string_float, setup, teardown),
		cmocka_unit_test_setup_teardown(test_parse_args, setup, teardown),
		cmocka_unit_test_setup_teardown(test_unset_keeps_compiled_value, setup, teardown),
		cmocka_unit_test(test_cmdarg_default_and_value),
		cmocka_unit_test_setup_teardown(test_help_text, setup, teardown),
		cmocka_unit_test_setup_teardown(test_values_reach_kernel, setup, teardown),
	};

	return cmocka_run_group_tests(tests, setup_all, teardown_all);
}
