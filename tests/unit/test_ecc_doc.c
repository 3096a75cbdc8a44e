// SPDX-License-Identifier: MIT
/* ecc/doc.c: doc-comment annotations read with libclang, against tests/data/ecc/ fixtures. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <cjson/cJSON.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <unistd.h>

#include "common/strbuf.h"
#include "ecc/ecc.h"
#include "ecc/log.h"
#include "tests/unit/ecc_test_env.h"

static const char *fixture(const char *name)
{
	static char path[4096];
	const char *root = getenv("EUNOMIA_ROOT");

	snprintf(path, sizeof(path), "%s/tests/data/ecc/%s", root ? root : ".", name);
	return path;
}

static int group_setup(void **state)
{
	return ecc_env_setup("test_ecc_doc");
}

static int group_teardown(void **state)
{
	return ecc_env_teardown();
}

/* Run ecc_doc_parse on a fixture with its messages captured into *errtext (caller frees):
 * ecc logs through the thread's logger, so no file descriptor needs redirecting. */
static int parse_capture_path(const char *path, bool strict, cJSON **out, char **errtext)
{
	struct strbuf msgs = STRBUF_INIT;
	struct eun_logger lg = ecc_strbuf_logger(&msgs);
	int err;

	ecc_set_logger(&lg);
	err = ecc_doc_parse(path, clang_args, strict, out);
	ecc_set_logger(NULL);
	*errtext = sb_detach(&msgs);
	assert_non_null(*errtext);
	return err;
}

static int parse_capture(const char *name, bool strict, cJSON **out, char **errtext)
{
	return parse_capture_path(fixture(name), strict, out, errtext);
}

static cJSON *parse_ok(const char *name)
{
	cJSON *out = NULL;
	char *errtext = NULL;

	assert_int_equal(parse_capture(name, false, &out, &errtext), 0);
	assert_non_null(out);
	/* A well-formed file produces no diagnostics at all. */
	assert_string_equal(errtext, "");
	free(errtext);
	return out;
}

static const cJSON *get(const cJSON *root, const char *a, const char *b, const char *c)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(root, a);

	if (v && b)
		v = cJSON_GetObjectItemCaseSensitive(v, b);
	if (v && c)
		v = cJSON_GetObjectItemCaseSensitive(v, c);
	return v;
}

/* Compare a JSON value with the expected compact JSON text; a whole document is compared
 * without its "lines"/"file" (where each element was written: test_whole_document). */
static void assert_json(const cJSON *v, const char *expected)
{
	cJSON *copy;
	char *s;

	assert_non_null(v);
	copy = cJSON_Duplicate(v, true);
	assert_non_null(copy);
	cJSON_DeleteItemFromObjectCaseSensitive(copy, "lines");
	cJSON_DeleteItemFromObjectCaseSensitive(copy, "file");
	s = cJSON_PrintUnformatted(copy);
	cJSON_Delete(copy);
	assert_non_null(s);
	assert_string_equal(s, expected);
	cJSON_free(s);
}

static void test_var_text_and_cmdarg(void **state)
{
	cJSON *a = parse_ok("doc_tags.bpf.c");

	assert_json(get(a, "vars", "target_pid", NULL),
		    "{\"description\":\"Process ID to trace\",\"cmdarg\":{\"default\":0,"
		    "\"short\":\"p\",\"long\":\"pid\",\"help\":\"trace this PID only\"}}");
	cJSON_Delete(a);
}

static void test_description_tag_wins(void **state)
{
	cJSON *a = parse_ok("doc_tags.bpf.c");

	assert_json(get(a, "vars", "verbose", NULL), "{\"description\":\"print more details\"}");
	cJSON_Delete(a);
}

static void test_multiline_block_comment(void **state)
{
	cJSON *a = parse_ok("doc_tags.bpf.c");

	/* Lines joined with a space; JSON escapes decoded; an '@' inside a word or inside a
	 * JSON string is no tag. */
	assert_json(get(a, "vars", "min_us", NULL),
		    "{\"description\":\"Minimum duration in microseconds.\",\"cmdarg\":{"
		    "\"default\":1000,\"long\":\"min-us\",\"help\":\"tab\\there, mail "
		    "me@example.com, read @file \\\\x\"}}");
	cJSON_Delete(a);
}

static void test_one_line_and_backslash_tags(void **state)
{
	cJSON *a = parse_ok("doc_tags.bpf.c");

	assert_json(get(a, "vars", "one_liner", NULL), "{\"cmdarg\":{\"long\":\"one-line\"}}");
	assert_json(get(a, "vars", "qt_style", NULL),
		    "{\"description\":\"backslash form, Qt style \\\"//!\\\"\"}");
	cJSON_Delete(a);
}

static void test_unknown_tags_json_or_string(void **state)
{
	cJSON *a = parse_ok("doc_tags.bpf.c");
	const cJSON *v = get(a, "vars", "target_comm", NULL);

	assert_json(v, "{\"description\":\"Command name filter\",\"unit\":\"chars\",\"count\":3,"
		       "\"note\":\"keep it short\",\"enabled\":true,\"empty\":\"\"}");
	assert_true(cJSON_IsNumber(get(v, "count", NULL, NULL)));
	assert_true(cJSON_IsTrue(get(v, "enabled", NULL, NULL)));
	assert_true(cJSON_IsString(get(v, "note", NULL, NULL)));
	cJSON_Delete(a);
}

static void test_plain_comments_ignored(void **state)
{
	cJSON *a = parse_ok("doc_tags.bpf.c");

	assert_null(get(a, "vars", "not_documented", NULL));
	assert_null(get(a, "vars", "not_documented_either", NULL));
	/* "///<" after the declaration documents it too. */
	assert_json(get(a, "vars", "counter", NULL),
		    "{\"description\":\"a trailing doc comment on a .bss variable\"}");
	cJSON_Delete(a);
}

static void test_maps_sample(void **state)
{
	cJSON *a = parse_ok("doc_tags.bpf.c");

	assert_json(get(a, "maps", NULL, NULL),
		    "{\"hist\":{\"sample\":{\"interval\":1000,\"type\":\"log2_hist\","
		    "\"unit\":\"usecs\",\"clear_map\":true}},"
		    "\"rb\":{\"description\":\"Events to user space\"}}");
	/* maps are not variables */
	assert_null(get(a, "vars", "hist", NULL));
	assert_null(get(a, "vars", "rb", NULL));
	cJSON_Delete(a);
}

static void test_xdp_prog(void **state)
{
	cJSON *a = parse_ok("doc_tags.bpf.c");

	assert_json(get(a, "progs", "xdp_pass", NULL),
		    "{\"description\":\"Pass every packet.\",\"ifindex\":1,\"flags\":2,"
		    "\"xdpopts\":{\"old_prog_fd\":0}}");
	cJSON_Delete(a);
}

static void test_tc_prog(void **state)
{
	cJSON *a = parse_ok("doc_tags.bpf.c");

	assert_json(
		get(a, "progs", NULL, NULL),
		"{\"xdp_pass\":{\"description\":\"Pass every packet.\",\"ifindex\":1,"
		"\"flags\":2,\"xdpopts\":{\"old_prog_fd\":0}},"
		"\"tc_ingress\":{\"tchook\":{\"ifindex\":1,\"attach_point\":\"BPF_TC_INGRESS\"},"
		"\"tcopts\":{\"handle\":1,\"priority\":1}}}");
	cJSON_Delete(a);
}

static void test_license_doc(void **state)
{
	cJSON *a = parse_ok("doc_tags.bpf.c");

	/* version stays a string even though "1.0" is valid JSON */
	assert_json(
		get(a, "doc", NULL, NULL),
		"{\"description\":\"Trace process execution.\",\"brief\":\"Trace exec() calls\","
		"\"details\":\"Prints one line per exec. Second line of the same paragraph.\\n"
		"A second paragraph.\",\"version\":\"1.0\"}");
	assert_null(get(a, "vars", "LICENSE", NULL));
	cJSON_Delete(a);
}

static void test_whole_document(void **state)
{
	cJSON *a = parse_ok("doc_tags.bpf.c");
	const cJSON *it;
	int n = 0;

	cJSON_ArrayForEach(it, a)
		n++;
	assert_int_equal(n, 6); /* doc, vars, maps, progs, lines, file */
	/* where each annotated element's comment starts, for ecc's messages about its tags */
	assert_true(cJSON_IsNumber(get(a, "lines", "target_pid", NULL)));
	assert_true(get(a, "lines", "target_pid", NULL)->valueint > 0);
	assert_true(cJSON_IsString(get(a, "file", NULL, NULL)));
	assert_int_equal(cJSON_GetArraySize(get(a, "vars", NULL, NULL)), 7);
	assert_int_equal(cJSON_GetArraySize(get(a, "maps", NULL, NULL)), 2);
	assert_int_equal(cJSON_GetArraySize(get(a, "progs", NULL, NULL)), 2);
	assert_int_equal(cJSON_GetArraySize(get(a, "doc", NULL, NULL)), 4);
	cJSON_Delete(a);
}

static void test_bad_json_warns(void **state)
{
	cJSON *a = NULL;
	char *errtext = NULL;
	char expect[8192];

	assert_int_equal(parse_capture("doc_badjson.bpf.c", false, &a, &errtext), 0);
	assert_non_null(a);
	snprintf(expect, sizeof(expect),
		 "ecc: warning: %s:7: @cmdarg: invalid JSON: it stops too early (check braces, "
		 "quotes and trailing commas); the annotation is ignored\n",
		 fixture("doc_badjson.bpf.c"));
	assert_non_null(strstr(errtext, expect));
	snprintf(expect, sizeof(expect),
		 "ecc: warning: %s:16: @sample: invalid JSON: expected an object {...}, got a "
		 "number; the annotation is ignored\n",
		 fixture("doc_badjson.bpf.c"));
	assert_non_null(strstr(errtext, expect));
	snprintf(expect, sizeof(expect),
		 "%s:25: @tchook: invalid JSON: ", fixture("doc_badjson.bpf.c"));
	assert_non_null(strstr(errtext, expect));
	snprintf(expect, sizeof(expect),
		 "ecc: warning: %s:34: @xdpopts: invalid JSON: unexpected text at offset 16 near "
		 "'x}'; the annotation is ignored\n",
		 fixture("doc_badjson.bpf.c"));
	assert_non_null(strstr(errtext, expect));
	free(errtext);
	/* the bad annotations are dropped, the rest is kept */
	assert_json(
		get(a, "vars", NULL, NULL),
		"{\"target_pid\":{\"description\":\"Process ID to trace\"},"
		"\"target_tgid\":{\"description\":\"A good one.\",\"cmdarg\":{\"long\":\"tgid\"}}}");
	assert_json(get(a, "maps", NULL, NULL), "{}");
	assert_json(get(a, "progs", NULL, NULL), "{}");
	cJSON_Delete(a);
}

static void test_bad_json_strict(void **state)
{
	cJSON *a = NULL;
	char *errtext = NULL;
	char expect[8192];

	assert_int_equal(parse_capture("doc_badjson.bpf.c", true, &a, &errtext), -EINVAL);
	assert_null(a);
	snprintf(expect, sizeof(expect),
		 "ecc: error: %s:7: @cmdarg: invalid JSON: ", fixture("doc_badjson.bpf.c"));
	assert_non_null(strstr(errtext, expect));
	snprintf(expect, sizeof(expect),
		 "ecc: error: %s:25: @tchook: invalid JSON: ", fixture("doc_badjson.bpf.c"));
	assert_non_null(strstr(errtext, expect));
	assert_null(strstr(errtext, "warning"));
	free(errtext);
}

static void test_edge_cases(void **state)
{
	cJSON *a = NULL;
	char *errtext = NULL, *first;
	char expect[8192];

	assert_int_equal(parse_capture("doc_edge.bpf.c", false, &a, &errtext), 0);
	/* a lone '@' is text; an empty comment gives nothing; a tag at a line start ends an
	 * unbalanced JSON value; UTF-8 kept; the last of two equal tags wins; brackets inside
	 * JSON strings do not confuse the scan; a .bss variable is a variable too; a quoted
	 * description is unquoted; a function declared through a macro gets the comment above it
	 * (but not one that a declaration separates from it); a map's comment above its struct
	 * and its trailing comment both count; an anonymous-struct variable is documented too */
	assert_json(a, "{\"doc\":{},\"vars\":{\"lone_at\":{\"description\":\"@\"},"
		       "\"unbalanced\":{\"description\":\"a tag at a line start ends an unbalanced "
		       "JSON value\"},\"bss_var\":{\"description\":\"Gr\xc3\xb6\xc3\x9f"
		       "e in "
		       "\xc2\xb5s\",\"note\":\"second\",\"cmdarg\":{\"long\":\"choice\","
		       "\"choices\":[1,2,{\"x\":\"}\"}]}},\"quoted\":{\"description\":\"quoted "
		       "\\\"text\\\"\"},\"config\":{\"description\":\"a .bss struct\"},"
		       "\"separator\":{\"description\":\"Not documentation for "
		       "the next function: a declaration comes between.\"}},"
		       "\"maps\":{\"both\":{\"description\":\"above the struct\","
		       "\"sample\":{\"interval\":500}}},"
		       "\"progs\":{\"macro_prog\":{\"description\":\"Declared through a macro\","
		       "\"note\":\"found by the lexer\"}}}");
	snprintf(expect, sizeof(expect),
		 "%s:12: @cmdarg: invalid JSON: ", fixture("doc_edge.bpf.c"));
	assert_non_null(strstr(errtext, expect));
	/* the prototype and the definition share one comment: one warning, not two */
	snprintf(expect, sizeof(expect),
		 "%s:25: @tchook: invalid JSON: ", fixture("doc_edge.bpf.c"));
	first = strstr(errtext, expect);
	assert_non_null(first);
	assert_null(strstr(first + 1, expect));
	free(errtext);
	cJSON_Delete(a);
}

/* Random doc comments (a seeded PRNG, so failures reproduce): never a crash, a leak (run it
 * under valgrind or ASan) or a malformed result. */
static void test_random_comments(void **state)
{
	static const char *const pieces[] = {
		"@",	    "\\",	 "@cmdarg ",
		"@sample ", "@brief ",	 "@description ",
		"@x",	    "\\tchook ", "{",
		"}",	    "[",	 "]",
		"\"",	    "\\\"",	 ":",
		",",	    " ",	 "\t",
		"a",	    "1",	 "-",
		"*",	    "/",	 "<b>",
		"\\n",	    "me@host",	 "{\"long\": \"v\"}",
		"\xc3\xa9", "\xff",
	};
	const size_t npieces = sizeof(pieces) / sizeof(pieces[0]);
	char path[sizeof(tmpdir) + 32], *errtext;
	unsigned int seed = 12345;
	cJSON *a;
	FILE *f;

	snprintf(path, sizeof(path), "%s/random.bpf.c", tmpdir);
	f = fopen(path, "w");
	assert_non_null(f);
	for (int d = 0; d < 200; d++) {
		bool block = rand_r(&seed) % 2;
		int lines = 1 + rand_r(&seed) % 4;

		fputs(block ? "/**\n" : "", f);
		for (int l = 0; l < lines; l++) {
			int n = rand_r(&seed) % 12;

			fputs(block ? " * " : "/// ", f);
			for (int i = 0; i < n; i++)
				fputs(pieces[(size_t)rand_r(&seed) % npieces], f);
			fputc('\n', f);
		}
		fputs(block ? " */\n" : "", f);
		fprintf(f, "%s v%d = %d;\n", d % 3 ? "const volatile int" : "int", d, d);
	}
	fclose(f);

	errtext = NULL;
	a = NULL;
	assert_int_equal(parse_capture_path(path, false, &a, &errtext), 0);
	free(errtext);
	assert_non_null(a);
	assert_true(cJSON_GetArraySize(get(a, "vars", NULL, NULL)) <= 200);
	cJSON_Delete(a);

	errtext = NULL;
	a = NULL;
	assert_in_set(parse_capture_path(path, true, &a, &errtext), ((uintmax_t[]){0, -EINVAL}), 2);
	free(errtext);
	cJSON_Delete(a);
	unlink(path);
}

static void test_vmlinux_source(void **state)
{
	cJSON *a;

	if (!have_vmlinux)
		skip(); /* no /sys/kernel/btf/vmlinux or bpftool: nothing to generate vmlinux.h */
	a = parse_ok("doc_vmlinux.bpf.c");
	assert_json(a,
		    "{\"doc\":{\"brief\":\"Trace exec with CO-RE\",\"version\":\"0.2\"},"
		    "\"vars\":{\"target_uid\":{\"description\":\"Trace only this UID.\","
		    "\"cmdarg\":{\"long\":\"uid\",\"short\":\"u\",\"default\":-1}}},"
		    "\"maps\":{},\"progs\":{\"handle_exec\":{\"note\":\"exec tracepoint\"},"
		    "\"handle_exit\":{\"description\":\"Declared by libbpf's BPF_PROG() macro.\","
		    "\"note\":\"tp_btf\"}}}");
	cJSON_Delete(a);
}

static void test_missing_file(void **state)
{
	cJSON *a = (cJSON *)1;

	assert_int_equal(ecc_doc_parse(fixture("no_such_file.bpf.c"), clang_args, false, &a),
			 -ENOENT);
	assert_null(a);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_var_text_and_cmdarg),
		cmocka_unit_test(test_description_tag_wins),
		cmocka_unit_test(test_multiline_block_comment),
		cmocka_unit_test(test_one_line_and_backslash_tags),
		cmocka_unit_test(test_unknown_tags_json_or_string),
		cmocka_unit_test(test_plain_comments_ignored),
		cmocka_unit_test(test_maps_sample),
		cmocka_unit_test(test_xdp_prog),
		cmocka_unit_test(test_tc_prog),
		cmocka_unit_test(test_license_doc),
		cmocka_unit_test(test_whole_document),
		cmocka_unit_test(test_bad_json_warns),
		cmocka_unit_test(test_bad_json_strict),
		cmocka_unit_test(test_edge_cases),
		cmocka_unit_test(test_random_comments),
		cmocka_unit_test(test_vmlinux_source),
		cmocka_unit_test(test_missing_file),
	};

	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
