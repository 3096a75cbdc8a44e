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
#include <sys/stat.h>
#include <sys/utsname.h>
#include <unistd.h>

#include "ecc/ecc.h"
#include "tests/unit/ecc_test_env.h"

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
	return ecc_env_setup("test_ecc_frontend");
}

static int group_teardown(void **state)
{
	return ecc_env_teardown();
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
	cJSON *copy = cJSON_Duplicate(v, true);
	char *s;

	assert_non_null(copy);
	/* where each element was written (ecc's messages) is checked in test_ecc_doc */
	cJSON_DeleteItemFromObjectCaseSensitive(copy, "lines");
	cJSON_DeleteItemFromObjectCaseSensitive(copy, "file");
	s = json_text(copy);
	cJSON_Delete(copy);

	assert_string_equal(s, expected);
	free(s);
}

/* ecc_frontend_parse() on src (and header) with fe_args equals the three separate calls. */
static void check_same_args(const char *src_name, const char *hdr_name, bool strict,
			    const char *const *fe_args)
{
	char src[4096], hdr[4096];
	const char *hdr_path = hdr_name ? fixture_buf(hdr_name, hdr, sizeof(hdr)) : NULL;
	cJSON *ann = NULL, *pairs = NULL, *structs = NULL;
	cJSON *ann1 = NULL, *pairs1 = NULL, *structs1 = NULL;

	fixture_buf(src_name, src, sizeof(src));
	assert_int_equal(ecc_frontend_parse(src, hdr_path, fe_args, strict, &ann, &pairs, &structs),
			 0);
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

static void check_same(const char *src_name, const char *hdr_name, bool strict)
{
	check_same_args(src_name, hdr_name, strict, clang_args);
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

/* clang_args plus "-include-pch pch" */
static const char *const *with_pch(const char *pch)
{
	static const char *args[sizeof(clang_args) / sizeof(clang_args[0]) + 2];
	size_t n = 0;

	for (; clang_args[n]; n++)
		args[n] = clang_args[n];
	args[n++] = "-include-pch";
	args[n++] = pch;
	args[n] = NULL;
	return args;
}

static void test_precompiled_vmlinux(void **state)
{
	char cmd[1024], pch[sizeof(tmpdir) + 32], hdr[sizeof(tmpdir) + 16];

	if (!have_vmlinux)
		skip(); /* no /sys/kernel/btf/vmlinux or bpftool: nothing to generate vmlinux.h */
	snprintf(hdr, sizeof(hdr), "%s/vmlinux.h", tmpdir);
	snprintf(pch, sizeof(pch), "%s/vmlinux.h.pch", tmpdir);
	/* a PCH built with the parse's own flags gives the same results */
	snprintf(cmd, sizeof(cmd), "clang -x c-header %s %s %s %s %s %s -o %s", clang_args[0],
		 clang_args[1], clang_args[2], clang_args[3], clang_args[4], hdr, pch);
	if (system(cmd) != 0)
		skip(); /* no clang binary to build the PCH with */
	check_same_args("doc_vmlinux.bpf.c", "header_events.h", true, with_pch(pch));
	check_same_args("frontend.bpf.c", "header_events.h", true, with_pch(pch));
	/* a stale PCH (vmlinux.h changed since) and a missing one are ignored */
	snprintf(cmd, sizeof(cmd), "touch -d '+1 hour' %s", hdr);
	assert_int_equal(system(cmd), 0);
	check_same_args("doc_vmlinux.bpf.c", NULL, true, with_pch(pch));
	unlink(pch);
	check_same_args("doc_vmlinux.bpf.c", NULL, true, with_pch(pch));
}

static void write_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");

	assert_non_null(f);
	fputs(text, f);
	fclose(f);
}

static bool files_equal(const char *a, const char *b)
{
	char cmd[1024];

	snprintf(cmd, sizeof(cmd), "cmp -s %s %s", a, b);
	return system(cmd) == 0;
}

static void test_vmlinux_pch(void **state)
{
	char vml[sizeof(tmpdir) + 16], pch[4096], pch2[4096], cmd[16384];
	char obj1[sizeof(tmpdir) + 16], obj2[sizeof(tmpdir) + 16];
	const char *args[16], *fe_args[18];
	struct stat st1, st2;
	size_t n = 0;

	if (!have_vmlinux || system("clang --version >/dev/null 2>&1") != 0)
		skip(); /* no vmlinux.h (no BTF or bpftool) or no clang to precompile it with */
	snprintf(vml, sizeof(vml), "%s/vmlinux.h", tmpdir);
	snprintf(obj1, sizeof(obj1), "%s/plain.o", tmpdir);
	snprintf(obj2, sizeof(obj2), "%s/pch.o", tmpdir);
	args[n++] = "-g";
	args[n++] = "-O2";
	for (size_t i = 0; clang_args[i]; i++)
		args[n++] = clang_args[i];
	args[n] = NULL;
	snprintf(cmd, sizeof(cmd), "touch %s", vml); /* an earlier test dated it an hour ahead */
	assert_int_equal(system(cmd), 0);

	/* built once, then found in the cache */
	assert_int_equal(ecc_compile_pch("clang", vml, args, false, pch, sizeof(pch)), 0);
	assert_int_equal(strncmp(pch, tmpdir, strlen(tmpdir)), 0);
	assert_int_equal(stat(pch, &st1), 0);
	assert_int_equal(ecc_compile_pch("clang", vml, args, false, pch2, sizeof(pch2)), 0);
	assert_string_equal(pch, pch2);
	assert_int_equal(stat(pch2, &st2), 0);
	assert_int_equal(st1.st_mtim.tv_nsec, st2.st_mtim.tv_nsec);

	/* the compile gives the very same object with it */
	snprintf(cmd, sizeof(cmd), "clang -g -O2 %s %s %s %s %s -c %s -o %s", clang_args[0],
		 clang_args[1], clang_args[2], clang_args[3], clang_args[4],
		 fixture("doc_vmlinux.bpf.c"), obj1);
	assert_int_equal(system(cmd), 0);
	snprintf(cmd, sizeof(cmd), "clang -include-pch %s -g -O2 %s %s %s %s %s -c %s -o %s", pch,
		 clang_args[0], clang_args[1], clang_args[2], clang_args[3], clang_args[4],
		 fixture("doc_vmlinux.bpf.c"), obj2);
	assert_int_equal(system(cmd), 0);
	assert_true(files_equal(obj1, obj2));
	unlink(obj1);
	unlink(obj2);

	/* and the front end the same results (with -O2 as the PCH was built) */
	fe_args[0] = "-include-pch";
	fe_args[1] = pch;
	for (size_t i = 0; i < n; i++)
		fe_args[2 + i] = args[i];
	fe_args[n + 2] = NULL;
	check_same_args("doc_vmlinux.bpf.c", "header_events.h", true, fe_args);

	/* other flags: another PCH; a new vmlinux.h: a new one, the stale ones removed */
	args[0] = "-O1";
	assert_int_equal(ecc_compile_pch("clang", vml, args, false, pch2, sizeof(pch2)), 0);
	assert_string_not_equal(pch, pch2);
	assert_int_equal(access(pch, F_OK), 0);
	snprintf(cmd, sizeof(cmd), "touch -d '+1 hour' %s", vml);
	assert_int_equal(system(cmd), 0);
	args[0] = "-g";
	assert_int_equal(ecc_compile_pch("clang", vml, args, false, pch2, sizeof(pch2)), 0);
	assert_string_not_equal(pch, pch2);
	assert_int_equal(access(pch2, F_OK), 0);
	assert_int_equal(access(pch, F_OK), -1);
	snprintf(cmd, sizeof(cmd), "rm -f %s/vmlinux-*.pch", tmpdir);
	assert_int_equal(system(cmd), 0);

	/* no clang: an error, not a crash */
	assert_int_equal(
		ecc_compile_pch("no-such-clang-binary", vml, args, false, pch2, sizeof(pch2)),
		-ENOENT);
}

static void test_pch_applies(void **state)
{
	char vml[sizeof(tmpdir) + 16], src[sizeof(tmpdir) + 16], sub[sizeof(tmpdir) + 16];
	char sub_src[sizeof(tmpdir) + 32], sub_vml[sizeof(tmpdir) + 32];
	static const char *const inc[] = {"-include", "x.h", NULL}, *const dflag[] = {"-DX", NULL};

	snprintf(vml, sizeof(vml), "%s/vmlinux.h", tmpdir);
	snprintf(src, sizeof(src), "%s/a.bpf.c", tmpdir);
	if (!have_vmlinux)
		write_file(vml, "#ifndef __VMLINUX_H__\n#define __VMLINUX_H__\n#endif\n");

	assert_true(ecc_pch_applies(fixture("doc_vmlinux.bpf.c"), vml, NULL));
	assert_true(ecc_pch_applies(fixture("doc_vmlinux.bpf.c"), vml, dflag));
	assert_false(ecc_pch_applies(fixture("doc_vmlinux.bpf.c"), vml, inc));
	assert_false(ecc_pch_applies(fixture("frontend.bpf.c"), vml, NULL));
	assert_false(ecc_pch_applies(fixture("nope.bpf.c"), vml, NULL));
	/* comments first, spaces in the directive, angle brackets; beside vmlinux_h itself */
	write_file(src, "// SPDX\n/* a\n * b */\n\n  #  include\t<vmlinux.h>\nint x;\n");
	assert_true(ecc_pch_applies(src, vml, NULL));
	/* anything before it */
	write_file(src, "#define BPF_NO_PRESERVE_ACCESS_INDEX\n#include \"vmlinux.h\"\n");
	assert_false(ecc_pch_applies(src, vml, NULL));
	write_file(src, "#include \"vmlinux_extra.h\"\n");
	assert_false(ecc_pch_applies(src, vml, NULL));
	write_file(src, "");
	assert_false(ecc_pch_applies(src, vml, NULL));
	unlink(src);
	/* another vmlinux.h beside the source wins the include */
	snprintf(sub, sizeof(sub), "%s/sub", tmpdir);
	snprintf(sub_src, sizeof(sub_src), "%s/a.bpf.c", sub);
	snprintf(sub_vml, sizeof(sub_vml), "%s/vmlinux.h", sub);
	assert_int_equal(mkdir(sub, 0700), 0);
	write_file(sub_src, "#include \"vmlinux.h\"\n");
	assert_true(ecc_pch_applies(sub_src, vml, NULL));
	write_file(sub_vml, "struct other;\n");
	assert_false(ecc_pch_applies(sub_src, vml, NULL));
	unlink(sub_vml);
	unlink(sub_src);
	rmdir(sub);
	if (!have_vmlinux)
		unlink(vml);
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
		cmocka_unit_test(test_precompiled_vmlinux),
		cmocka_unit_test(test_vmlinux_pch),
		cmocka_unit_test(test_pch_applies),
		cmocka_unit_test(test_bad_json),
		cmocka_unit_test(test_missing_files),
		cmocka_unit_test(test_threads),
	};

	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
