// SPDX-License-Identifier: MIT
/*
 * packer/meta.c both ways: emit -> parse -> emit is byte-identical on the meta of every example
 * package (each examples/bpftools/<x>/<x>.bpf.c compiled with ecc_build(), as ecc does), on a
 * hand-written meta in the public toolchain's layout, and keeps keys it does not know.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <bpf/libbpf.h>
#include <cjson/cJSON.h>
#include <dirent.h>
#include <errno.h>
#include <ftw.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "ecc/ecc.h"
#include "tests/unit/test_util.h"
#include "packer/meta.h"

static char root[PATH_MAX - 256];
static char outdir[256];

static int setup(void **state)
{
	return test_ecc_setup("test_meta_roundtrip", root, sizeof(root), outdir, sizeof(outdir));
}

static int teardown(void **state)
{
	test_rm_tree(outdir);
	return 0;
}

/* parse(meta) -> emit, printed; fails the test on a parse error. */
static char *reemit(const cJSON *meta, const char *what)
{
	struct eun_meta m;
	char err[256] = "";
	cJSON *out = NULL;
	char *text;
	int ret;

	ret = eun_meta__parse(meta, &m, err, sizeof(err));
	if (ret)
		fail_msg("%s: parse: %d %s", what, ret, err);
	assert_int_equal(eun_meta__emit(&m, &out), 0);
	eun_meta__free(&m);
	text = cJSON_Print(out);
	cJSON_Delete(out);
	assert_non_null(text);
	return text;
}

/* text -> parse -> emit must give text back, byte for byte. */
static void assert_round_trip(const char *text, const char *what)
{
	cJSON *j = cJSON_Parse(text);
	char *again;

	assert_non_null(j);
	again = reemit(j, what);
	if (strcmp(text, again)) {
		fprintf(stderr, "--- emitted\n%s\n--- after parse + emit\n%s\n", text, again);
		fail_msg("%s: emit -> parse -> emit is not byte-identical", what);
	}
	cJSON_Delete(j);
	free(again);
}

static void test_examples(void **state)
{
	char dir[PATH_MAX];
	struct dirent *de;
	int nr = 0;
	DIR *d;

	if (access("/sys/kernel/btf/vmlinux", R_OK) && !getenv("ECC_VMLINUX_BTF"))
		skip();
	snprintf(dir, sizeof(dir), "%s/examples/bpftools", root);
	d = opendir(dir);
	assert_non_null(d);
	while ((de = readdir(d))) {
		char src[PATH_MAX + 600], out[PATH_MAX];
		struct ecc_result res = {0};
		struct ecc_opts o = {0};
		char *text;
		int ret;

		snprintf(src, sizeof(src), "%s/%s/%s.bpf.c", dir, de->d_name, de->d_name);
		if (de->d_name[0] == '.' || access(src, R_OK))
			continue;
		snprintf(out, sizeof(out), "%s/%.255s", outdir, de->d_name);
		o.src = src;
		o.out_dir = out;
		ret = ecc_build(&o, &res);
		if (ret)
			fail_msg("ecc_build %s: %d", src, ret);
		text = cJSON_Print(res.meta);
		assert_non_null(text);
		/* what ecc wrote parses, and parse + emit gives the very same bytes */
		assert_round_trip(text, de->d_name);
		free(text);
		ecc_result_free(&res);
		nr++;
	}
	closedir(d);
	/* every example has <name>/<name>.bpf.c: an empty or moved tree must not pass */
	if (nr < 10)
		fail_msg("only %d examples found under %s", nr, dir);
}

/*
 * A meta in the public toolchain's layout with every field this module knows set to a value
 * other than its default, plus keys it does not know at every level.
 */
static const char public_meta[] =
	"{\"bpf_skel\": {\"data_sections\": [{\"name\": \".rodata\", \"variables\": [{\"name\": "
	"\"min_us\", \"type\": \"unsigned long long\", \"description\": \"min latency\", "
	"\"cmdarg\": {\"default\": 10, \"short\": \"m\", \"long\": \"min\", \"help\": \"minimum\", "
	"\"hidden\": false}, \"value\": 20, \"future\": 1}, {\"name\": \"targ_comm\", \"type\": "
	"\"char[16]\", \"value\": \"bash\"}], \"sec_future\": \"s\"}, {\"name\": \".bss\", "
	"\"variables\": []}], "
	"\"doc\": {\"description\": \"text\", \"brief\": \"b\", \"details\": \"d\", \"version\": "
	"\"1\", \"author\": \"x\"}, "
	"\"maps\": [{\"ident\": \"rb\", \"name\": \"rb\", \"rb_future\": [], \"export_config\": "
	"{\"type\": \"event\"}}, {\"ident\": \"hists\", \"name\": \"hists\", \"sample\": "
	"{\"interval\": 1000, \"type\": \"log2_hist\", \"unit\": \"usecs\", \"clear_map\": true, "
	"\"s_future\": 2}}, {\"ident\": \"lin\", \"name\": \"lin\", \"sample\": {\"interval\": 5, "
	"\"type\": \"linear_hist\", \"unit\": \"(unit)\", \"clear_map\": false}}, {\"ident\": "
	"\"rodata\", \"mmaped\": true, \"name\": \"runqlat_.rodata\"}], \"obj_name\": "
	"\"runqlat_bpf\", "
	"\"progs\": [{\"attach\": \"tp_btf/sched_wakeup\", \"link\": true, \"name\": "
	"\"handle_sched_wakeup\", \"p_future\": {\"k\": [1, \"2\"]}}, {\"attach\": \"xdp\", "
	"\"link\": false, \"name\": \"x\", \"ifindex\": 0, \"flags\": 2, \"xdpopts\": "
	"{\"old_prog_fd\": 7}}, {\"attach\": \"tc\", \"link\": true, \"name\": \"t\", \"tchook\": "
	"{\"ifindex\": 1, \"attach_point\": \"BPF_TC_EGRESS\"}, \"tcopts\": {\"handle\": 3, "
	"\"priority\": 4}}], \"skel_future\": [1]}, \"eunomia_version\": \"0.3.0\", "
	"\"export_types\": [{\"members\": [{\"name\": \"pid\", \"type\": \"int\", \"m_future\": "
	"true}], \"name\": \"event\", \"size\": 4, \"type_id\": 9, \"t_future\": null}], "
	"\"enable_multiple_export_types\": true, \"poll_timeout_ms\": 250, \"perf_buffer_pages\": 8, "
	"\"meta_future\": {\"a\": null}}";

static void test_public_layout(void **state)
{
	cJSON *j = cJSON_Parse(public_meta), *again;
	char *text, *t2;

	assert_non_null(j);
	text = reemit(j, "public meta");
	again = cJSON_Parse(text);
	assert_non_null(again);
	/* nothing lost, nothing added: the same keys and values (cJSON_Compare ignores order) */
	if (!cJSON_Compare(j, again, true)) {
		char *in = cJSON_Print(j);

		fprintf(stderr, "--- input\n%s\n--- emitted\n%s\n", in, text);
		free(in);
		fail_msg("public meta: parse + emit changed the meta");
	}
	/* and from then on the bytes are stable */
	t2 = reemit(again, "public meta, second pass");
	assert_string_equal(text, t2);
	assert_round_trip(text, "public meta");
	cJSON_Delete(j);
	cJSON_Delete(again);
	free(text);
	free(t2);
}

/* The forms the parser normalises: string export_config, missing defaults, lenient values. */
static void test_normalised(void **state)
{
	static const char in[] =
		"{\"bpf_skel\": {\"obj_name\": \"a_bpf\", \"maps\": [{\"name\": \"rb\", "
		"\"export_config\": \"event\", \"sample\": {\"interval\": \"100\"}}], \"progs\": null, "
		"\"doc\": {\"version\": 1.5}}, \"export_types\": null, \"poll_timeout_ms\": 100}";
	static const char want[] =
		"{\"bpf_skel\": {\"data_sections\": [], \"doc\": {\"version\": \"1.5\"}, \"maps\": "
		"[{\"ident\": \"rb\", \"name\": \"rb\", \"sample\": {\"interval\": 100, \"type\": "
		"\"default_kv\", \"unit\": \"(unit)\", \"clear_map\": false}, \"export_config\": "
		"{\"type\": \"event\"}}], \"obj_name\": \"a_bpf\", \"progs\": []}, \"export_types\": []}";
	cJSON *j = cJSON_Parse(in), *w = cJSON_Parse(want), *got;
	char *text;

	assert_non_null(j);
	assert_non_null(w);
	text = reemit(j, "normalised");
	got = cJSON_Parse(text);
	assert_non_null(got);
	if (!cJSON_Compare(w, got, true))
		fail_msg("normalised meta:\n%s", text);
	/* the order of keys is the one ecc writes (docs/package-format.md §3.7) */
	assert_non_null(strstr(text, "\"data_sections\""));
	assert_true(strstr(text, "\"data_sections\"") < strstr(text, "\"doc\""));
	assert_true(strstr(text, "\"doc\"") < strstr(text, "\"maps\""));
	assert_true(strstr(text, "\"maps\"") < strstr(text, "\"obj_name\""));
	assert_true(strstr(text, "\"obj_name\"") < strstr(text, "\"progs\""));
	assert_true(strstr(text, "\"progs\"") < strstr(text, "\"export_types\""));
	assert_round_trip(text, "normalised");
	cJSON_Delete(j);
	cJSON_Delete(w);
	cJSON_Delete(got);
	free(text);
}

static void test_emit_errors(void **state)
{
	struct eun_meta m;
	cJSON *out = (cJSON *)1;

	memset(&m, 0, sizeof(m));
	assert_int_equal(eun_meta__emit(&m, &out), -EINVAL); /* no obj_name */
	assert_null(out);
	assert_int_equal(eun_meta__emit(NULL, &out), -EINVAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_public_layout),
		cmocka_unit_test(test_normalised),
		cmocka_unit_test(test_emit_errors),
		cmocka_unit_test(test_examples),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
