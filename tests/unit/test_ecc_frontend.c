// SPDX-License-Identifier: MIT
/* ecc/frontend.c: one libclang parse gives what the three separate readers give. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <cjson/cJSON.h>
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>
#include <unistd.h>

#include "ecc/ecc.h"

static char tmpdir[] = "/tmp/test_ecc_frontend.XXXXXX";
static char inc_tmp[sizeof(tmpdir) + 2];
static char inc_multiarch[64];
static char def_arch[64];
static const char *clang_args[8];
static bool have_vmlinux;

static const char *fixture_buf(const char *name, char *path, size_t size)
{
	const char *root = getenv("EUNOMIA_ROOT");

	snprintf(path, size, "%s/tests/data/ecc/%s", root ? root : ".", name);
	return path;
}

/* Two buffers: a source and a header can be passed in one call. */
static const char *fixture(const char *name)
{
	static char paths[2][4096];
	static int next;

	next = !next;
	return fixture_buf(name, paths[next], sizeof(paths[next]));
}

static int group_setup(void **state)
{
	struct utsname u;
	const char *triple = "x86_64-linux-gnu", *arch = "x86";
	char cmd[512];

	if (!mkdtemp(tmpdir))
		return -1;
	if (!uname(&u) && !strcmp(u.machine, "aarch64")) {
		triple = "aarch64-linux-gnu";
		arch = "arm64";
	}
	snprintf(inc_tmp, sizeof(inc_tmp), "-I%s", tmpdir);
	snprintf(inc_multiarch, sizeof(inc_multiarch), "-I/usr/include/%s", triple);
	snprintf(def_arch, sizeof(def_arch), "-D__TARGET_ARCH_%s", arch);
	clang_args[0] = "-target";
	clang_args[1] = "bpf";
	clang_args[2] = def_arch;
	clang_args[3] = inc_tmp;
	clang_args[4] = inc_multiarch;
	clang_args[5] = NULL;
	snprintf(
		cmd, sizeof(cmd),
		"bpftool btf dump file /sys/kernel/btf/vmlinux format c > %s/vmlinux.h 2>/dev/null",
		tmpdir);
	have_vmlinux = !access("/sys/kernel/btf/vmlinux", R_OK) && system(cmd) == 0;
	return 0;
}

static int group_teardown(void **state)
{
	char path[sizeof(tmpdir) + 16];

	snprintf(path, sizeof(path), "%s/vmlinux.h", tmpdir);
	unlink(path);
	rmdir(tmpdir);
	return 0;
}

static char *json_text(const cJSON *v)
{
	char *s;

	if (!v)
		return strdup("(null)");
	s = cJSON_PrintUnformatted(v);
	assert_non_null(s);
	return s;
}

static void assert_same(const cJSON *a, const cJSON *b)
{
	char *sa = json_text(a), *sb = json_text(b);

	assert_string_equal(sa, sb);
	free(sa);
	free(sb);
}

static void assert_json(const cJSON *v, const char *expected)
{
	char *s = json_text(v);

	assert_string_equal(s, expected);
	free(s);
}

/* ecc_frontend_parse() on src (and header) equals the three separate calls. */
static void check_same(const char *src_name, const char *hdr_name, bool strict)
{
	char src[4096], hdr[4096];
	const char *hdr_path = hdr_name ? fixture_buf(hdr_name, hdr, sizeof(hdr)) : NULL;
	cJSON *ann = NULL, *pairs = NULL, *structs = NULL;
	cJSON *ann1 = NULL, *pairs1 = NULL, *structs1 = NULL;

	fixture_buf(src_name, src, sizeof(src));
	assert_int_equal(
		ecc_frontend_parse(src, hdr_path, clang_args, strict, &ann, &pairs, &structs), 0);
	assert_int_equal(ecc_doc_parse(src, clang_args, strict, &ann1), 0);
	assert_int_equal(ecc_infer_export_types(src, clang_args, &pairs1), 0);
	if (hdr_path)
		assert_int_equal(ecc_header_structs(hdr_path, clang_args, &structs1), 0);
	assert_non_null(ann);
	assert_non_null(pairs);
	assert_same(ann, ann1);
	assert_same(pairs, pairs1);
	assert_same(structs, structs1);
	if (!hdr_path)
		assert_null(structs);
	cJSON_Delete(ann);
	cJSON_Delete(pairs);
	cJSON_Delete(structs);
	cJSON_Delete(ann1);
	cJSON_Delete(pairs1);
	cJSON_Delete(structs1);
}

static void test_same_as_separate_calls(void **state)
{
	static const char *const srcs[] = {
		"doc_tags.bpf.c",  "doc_edge.bpf.c",   "infer_reserve.bpf.c", "infer_output.bpf.c",
		"infer_two.bpf.c", "infer_none.bpf.c", "frontend.bpf.c",
	};

	FILE *saved = stderr;

	/* doc_edge.bpf.c has bad JSON on purpose: lenient mode, warnings silenced */
	stderr = fopen("/dev/null", "w");
	assert_non_null(stderr);
	for (size_t i = 0; i < sizeof(srcs) / sizeof(srcs[0]); i++) {
		check_same(srcs[i], NULL, false);
		/* header_events.h: included by frontend.bpf.c only, parsed apart for others */
		check_same(srcs[i], "header_events.h", false);
	}
	fclose(stderr);
	stderr = saved;
}

static void test_header_from_the_source_parse(void **state)
{
	cJSON *ann = NULL, *pairs = NULL, *structs = NULL;

	assert_int_equal(ecc_frontend_parse(fixture("frontend.bpf.c"), fixture("header_events.h"),
					    clang_args, true, &ann, &pairs, &structs),
			 0);
	assert_json(structs, "[\"event\",\"exit_event\",\"outer\",\"inner\",\"deep\"]");
	assert_json(pairs, "[{\"struct\":\"event\",\"map\":\"events\"},"
			   "{\"struct\":\"exit_event\",\"map\":\"exits\"}]");
	assert_json(ann, "{\"doc\":{\"brief\":\"Fixture program\",\"version\":\"1.0\"},"
			 "\"vars\":{\"target_pid\":{\"description\":\"Process to trace\","
			 "\"cmdarg\":{\"short\":\"p\",\"long\":\"pid\"}}},"
			 "\"maps\":{\"events\":{\"sample\":{\"interval\":1000}}},"
			 "\"progs\":{\"handle_exec\":{\"description\":\"Trace exec\"}}}");
	cJSON_Delete(ann);
	cJSON_Delete(pairs);
	cJSON_Delete(structs);
}

static void test_vmlinux_source(void **state)
{
	if (!have_vmlinux)
		skip(); /* no /sys/kernel/btf/vmlinux or bpftool: nothing to generate vmlinux.h */
	check_same("doc_vmlinux.bpf.c", NULL, true);
	check_same("doc_vmlinux.bpf.c", "header_events.h", true);
}

static void test_bad_json(void **state)
{
	cJSON *ann = (cJSON *)1, *pairs = (cJSON *)1, *structs = (cJSON *)1;
	FILE *saved = stderr;

	/* lenient: warnings (silenced here) and the same result; strict: -EINVAL, nothing */
	stderr = fopen("/dev/null", "w");
	assert_non_null(stderr);
	check_same("doc_badjson.bpf.c", NULL, false);
	assert_int_equal(ecc_frontend_parse(fixture("doc_badjson.bpf.c"),
					    fixture("header_events.h"), clang_args, true, &ann,
					    &pairs, &structs),
			 -EINVAL);
	fclose(stderr);
	stderr = saved;
	assert_null(ann);
	assert_null(pairs);
	assert_null(structs);
}

static void test_missing_files(void **state)
{
	cJSON *ann = (cJSON *)1, *pairs = (cJSON *)1, *structs = (cJSON *)1;

	assert_int_equal(ecc_frontend_parse(fixture("nope.bpf.c"), NULL, clang_args, false, &ann,
					    &pairs, &structs),
			 -ENOENT);
	assert_null(ann);
	assert_null(pairs);
	assert_null(structs);
	ann = pairs = structs = (cJSON *)1;
	assert_int_equal(ecc_frontend_parse(fixture("frontend.bpf.c"), fixture("nope.h"),
					    clang_args, false, &ann, &pairs, &structs),
			 -ENOENT);
	assert_null(ann);
	assert_null(pairs);
	assert_null(structs);
	/* no header: header_structs may be NULL */
	assert_int_equal(ecc_frontend_parse(fixture("infer_none.bpf.c"), NULL, clang_args, false,
					    &ann, &pairs, NULL),
			 0);
	assert_json(pairs, "[]");
	cJSON_Delete(ann);
	cJSON_Delete(pairs);
}

struct job {
	const char *src;
	char src_buf[4096], hdr_buf[4096];
	int err;
	char *pairs, *structs;
};

static void *run_job(void *arg)
{
	struct job *j = arg;
	cJSON *ann = NULL, *pairs = NULL, *structs = NULL;

	j->err = ecc_frontend_parse(j->src_buf, j->hdr_buf, clang_args, true, &ann, &pairs,
				    &structs);
	if (!j->err) {
		j->pairs = cJSON_PrintUnformatted(pairs);
		j->structs = cJSON_PrintUnformatted(structs);
	}
	cJSON_Delete(ann);
	cJSON_Delete(pairs);
	cJSON_Delete(structs);
	return NULL;
}

static void test_threads(void **state)
{
	/* two parses at once on their own threads, while this one waits on a child process */
	struct job jobs[2] = {{.src = "frontend.bpf.c"}, {.src = "infer_two.bpf.c"}};
	pthread_t th[2];

	for (int i = 0; i < 2; i++) {
		fixture_buf(jobs[i].src, jobs[i].src_buf, sizeof(jobs[i].src_buf));
		fixture_buf("header_events.h", jobs[i].hdr_buf, sizeof(jobs[i].hdr_buf));
		assert_int_equal(pthread_create(&th[i], NULL, run_job, &jobs[i]), 0);
	}
	assert_int_equal(system("sleep 0.1"), 0);
	for (int i = 0; i < 2; i++) {
		assert_int_equal(pthread_join(th[i], NULL), 0);
		assert_int_equal(jobs[i].err, 0);
		assert_string_equal(jobs[i].structs,
				    "[\"event\",\"exit_event\",\"outer\",\"inner\",\"deep\"]");
	}
	assert_string_equal(jobs[0].pairs, "[{\"struct\":\"event\",\"map\":\"events\"},"
					   "{\"struct\":\"exit_event\",\"map\":\"exits\"}]");
	assert_string_equal(jobs[1].pairs, "[{\"struct\":\"exec_event\",\"map\":\"exec_rb\"},"
					   "{\"struct\":\"exit_event\",\"map\":\"exit_rb\"}]");
	for (int i = 0; i < 2; i++) {
		free(jobs[i].pairs);
		free(jobs[i].structs);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_same_as_separate_calls),
		cmocka_unit_test(test_header_from_the_source_parse),
		cmocka_unit_test(test_vmlinux_source),
		cmocka_unit_test(test_bad_json),
		cmocka_unit_test(test_missing_files),
		cmocka_unit_test(test_threads),
	};

	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
