// SPDX-License-Identifier: MIT
/* ecc/infer.c: export-type inference and header structs with libclang, on tests/data/ecc/. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <cjson/cJSON.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>
#include <unistd.h>

#include "ecc/ecc.h"
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
	return ecc_env_setup("test_ecc_infer");
}

static int group_teardown(void **state)
{
	return ecc_env_teardown();
}

static void assert_json(const cJSON *v, const char *expected)
{
	char *s;

	assert_non_null(v);
	s = cJSON_PrintUnformatted(v);
	assert_non_null(s);
	assert_string_equal(s, expected);
	cJSON_free(s);
}

static void check_infer(const char *path, const char *expected)
{
	cJSON *pairs = NULL;

	assert_int_equal(ecc_infer_export_types(path, clang_args, &pairs), 0);
	assert_json(pairs, expected);
	cJSON_Delete(pairs);
}

static void test_reserve(void **state)
{
	/* returned from a helper, initialised, assigned inside a condition through a typedef,
	 * through casts, an anonymous typedef'd struct; the repeated (event, rb) once; a char
	 * buffer gives nothing. */
	check_infer(fixture("infer_reserve.bpf.c"),
		    "[{\"struct\":\"ret_event\",\"map\":\"ret_rb\"},"
		    "{\"struct\":\"event\",\"map\":\"rb\"},"
		    "{\"struct\":\"exec_event\",\"map\":\"typed_rb\"},"
		    "{\"struct\":\"cast_event\",\"map\":\"cast_rb\"},"
		    "{\"struct\":\"raw_event\",\"map\":\"raw_rb\"},"
		    "{\"struct\":\"anon_event_t\",\"map\":\"anon_rb\"}]");
}

static void test_output_and_perf(void **state)
{
	/* &local struct, struct pointer, perf_event_output with a typedef'd local */
	check_infer(fixture("infer_output.bpf.c"),
		    "[{\"struct\":\"small_event\",\"map\":\"rb\"},"
		    "{\"struct\":\"big_event\",\"map\":\"big_rb\"},"
		    "{\"struct\":\"perf_event\",\"map\":\"perf_events\"}]");
}

static void test_two_ringbufs_through_macros(void **state)
{
	check_infer(fixture("infer_two.bpf.c"), "[{\"struct\":\"exec_event\",\"map\":\"exec_rb\"},"
						"{\"struct\":\"exit_event\",\"map\":\"exit_rb\"}]");
}

static void test_wrappers(void **state)
{
	/* a void * reserve wrapper with a per-CPU heap fallback, reached through a second wrapper
	 * and a macro cast; a void * submit wrapper; a submit helper defined after its caller.
	 * The header's argument and key structs are not events. */
	check_infer(fixture("infer_wrapper.bpf.c"),
		    "[{\"struct\":\"wr_event\",\"map\":\"events\",\"via\":\"get_record\"},"
		    "{\"struct\":\"exit_rec\",\"map\":\"exits\",\"via\":\"emit_exit\"}]");
}

static void test_no_export(void **state)
{
	check_infer(fixture("infer_none.bpf.c"), "[]");
}

static void test_vmlinux_source(void **state)
{
	if (!have_vmlinux)
		skip(); /* no /sys/kernel/btf/vmlinux or bpftool: nothing to generate vmlinux.h */
	/* a BPF_PROG() function is found through the macro */
	check_infer(fixture("doc_vmlinux.bpf.c"), "[{\"struct\":\"event\",\"map\":\"events\"},"
						  "{\"struct\":\"exit_event\",\"map\":\"exits\"}]");
}

static void test_broken_source(void **state)
{
	char path[sizeof(tmpdir) + 32];
	cJSON *out = NULL;
	FILE *f;

	snprintf(path, sizeof(path), "%s/broken.bpf.c", tmpdir);
	f = fopen(path, "w");
	assert_non_null(f);
	fputs("#include <no/such/header.h>\nstruct event { int pid; };\n"
	      "struct { int x; } rb;\n"
	      "/// @cmdarg {\"long\": \"x\"}\nconst volatile int x = ;\n"
	      "int f(void) { struct event *e = bpf_ringbuf_reserve(&rb, 4, 0); return e-> ; }\n",
	      f);
	fclose(f);
	/* Errors in the source are clang's to report at compile time; we must not crash. */
	assert_int_equal(ecc_infer_export_types(path, clang_args, &out), 0);
	assert_non_null(out);
	cJSON_Delete(out);
	assert_int_equal(ecc_doc_parse(path, clang_args, true, &out), 0);
	assert_non_null(out);
	cJSON_Delete(out);
}

static void test_header_structs(void **state)
{
	cJSON *names = NULL;

	/* own definitions only (not header_common.h's), nested ones too, each once; no forward
	 * declarations, no anonymous structs */
	assert_int_equal(ecc_header_structs(fixture("header_events.h"), clang_args, &names), 0);
	assert_json(names, "[\"event\",\"exit_event\",\"outer\",\"inner\",\"deep\"]");
	cJSON_Delete(names);
}

static void test_missing_files(void **state)
{
	cJSON *out = (cJSON *)1;

	assert_int_equal(ecc_infer_export_types(fixture("nope.bpf.c"), clang_args, &out), -ENOENT);
	assert_null(out);
	out = (cJSON *)1;
	assert_int_equal(ecc_header_structs(fixture("nope.h"), clang_args, &out), -ENOENT);
	assert_null(out);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_reserve),
		cmocka_unit_test(test_output_and_perf),
		cmocka_unit_test(test_two_ringbufs_through_macros),
		cmocka_unit_test(test_wrappers),
		cmocka_unit_test(test_no_export),
		cmocka_unit_test(test_vmlinux_source),
		cmocka_unit_test(test_broken_source),
		cmocka_unit_test(test_header_structs),
		cmocka_unit_test(test_missing_files),
	};

	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
