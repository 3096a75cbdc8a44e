// SPDX-License-Identifier: MIT
/*
 * ecc_build() + ecc_object_meta(): compile the checked-in fixtures with clang and check the
 * meta read back from the object (data sections, variable types, maps, programs, export types).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <bpf/btf.h>
#include <bpf/libbpf.h>
#include <cjson/cJSON.h>
#include <errno.h>
#include <ftw.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/subprocess.h"
#include "ecc/ecc.h"
#include "tests/unit/test_util.h"

static char root[PATH_MAX - 64];
static char outdir[PATH_MAX];

static const char *fixture(const char *name)
{
	static char buf[4][PATH_MAX];
	static int i;

	i = (i + 1) % 4;
	snprintf(buf[i], sizeof(buf[i]), "%s/tests/data/ecc-e2e/%s", root, name);
	return buf[i];
}

static int setup(void **state)
{
	return test_ecc_setup("test_ecc_objinfo", root, sizeof(root), outdir, sizeof(outdir));
}

static int teardown(void **state)
{
	test_rm_tree(outdir);
	return 0;
}

static void need_toolchain(void)
{
	if (access("/sys/kernel/btf/vmlinux", R_OK) && !getenv("ECC_VMLINUX_BTF"))
		skip();
}

static cJSON *path_get(const cJSON *o, const char *k1, const char *k2)
{
	o = cJSON_GetObjectItemCaseSensitive(o, k1);
	return k2 ? cJSON_GetObjectItemCaseSensitive(o, k2) : (cJSON *)o;
}

static const cJSON *find_named(const cJSON *arr, const char *name)
{
	const cJSON *it;

	cJSON_ArrayForEach(it, arr) {
		const cJSON *n = cJSON_GetObjectItemCaseSensitive(it, "name");

		if (cJSON_IsString(n) && !strcmp(n->valuestring, name))
			return it;
	}
	return NULL;
}

static const char *str_of(const cJSON *o, const char *key)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);

	return cJSON_IsString(v) ? v->valuestring : NULL;
}

static void expect_var(const cJSON *sec, const char *name, const char *type)
{
	const cJSON *v = find_named(path_get(sec, "variables", NULL), name);

	if (!v)
		fail_msg("variable %s missing from %s", name, str_of(sec, "name"));
	assert_string_equal(str_of(v, "type"), type);
}

static int build(const char *src, const char *header, struct ecc_result *res)
{
	struct ecc_opts o = {
		.src = src,
		.header = header,
		.out_dir = outdir,
	};

	return ecc_build(&o, res);
}

static void test_build_with_header(void **state)
{
	struct ecc_result res;
	const cJSON *skel, *secs, *sec, *maps, *m, *progs, *p, *et, *mem, *it;
	struct btf *btf;
	const struct btf_type *t;
	int err, id;

	need_toolchain();
	err = build(fixture("objinfo.bpf.c"), fixture("objinfo.h"), &res);
	assert_int_equal(err, 0);
	assert_string_equal(res.name, "objinfo");
	assert_non_null(strstr(res.obj_path, "/objinfo.bpf.o"));
	assert_int_equal(access(res.obj_path, R_OK), 0);

	skel = path_get(res.meta, "bpf_skel", NULL);
	assert_string_equal(str_of(skel, "obj_name"), "objinfo_bpf");
	assert_non_null(str_of(res.meta, "eunomia_version"));

	/* data sections, in map order, statics (bpf_printk's fmt) left out */
	secs = path_get(skel, "data_sections", NULL);
	assert_int_equal(cJSON_GetArraySize(secs), 5);
	assert_string_equal(str_of(cJSON_GetArrayItem(secs, 0), "name"), ".rodata");
	sec = find_named(secs, ".rodata");
	expect_var(sec, "targ_pid", "pid_t");
	expect_var(sec, "min_ms", "__u64");
	expect_var(sec, "targ_comm", "char[16]");
	expect_var(sec, "matrix", "int[2][3]");
	expect_var(sec, "targ_verbose", "bool");
	assert_int_equal(cJSON_GetArraySize(path_get(sec, "variables", NULL)), 5);
	expect_var(find_named(secs, ".bss"), "hits", "int");
	expect_var(find_named(secs, ".data"), "data_var", "__u32");
	expect_var(find_named(secs, ".data.custom"), "custom_var", "__u32");
	expect_var(find_named(secs, ".kconfig"), "LINUX_KERNEL_VERSION", "int");
	cJSON_ArrayForEach(sec, secs) {
		cJSON_ArrayForEach(it, path_get(sec, "variables", NULL)) {
			assert_null(strstr(str_of(it, "name"), "__eunomia_dummy_"));
		}
	}

	/* maps: name, skeleton ident, mmaped internal maps */
	maps = path_get(skel, "maps", NULL);
	m = find_named(maps, "events");
	assert_non_null(m);
	assert_string_equal(str_of(m, "ident"), "events");
	assert_null(cJSON_GetObjectItem(m, "mmaped"));
	m = find_named(maps, "objinfo_.rodata");
	assert_non_null(m);
	assert_string_equal(str_of(m, "ident"), "rodata");
	assert_true(cJSON_IsTrue(cJSON_GetObjectItem(m, "mmaped")));
	m = find_named(maps, ".data.custom");
	assert_non_null(m);
	assert_string_equal(str_of(m, "ident"), "data_custom");
	assert_non_null(find_named(maps, "objinfo_.bss"));

	/* programs */
	progs = path_get(skel, "progs", NULL);
	assert_int_equal(cJSON_GetArraySize(progs), 2);
	p = find_named(progs, "handle_exec");
	assert_non_null(p);
	assert_string_equal(str_of(p, "attach"), "tp/sched/sched_process_exec");
	assert_true(cJSON_IsTrue(cJSON_GetObjectItem(p, "link")));
	p = find_named(progs, "xdp_pass");
	assert_non_null(p);
	assert_string_equal(str_of(p, "attach"), "xdp");

	/* export type: struct event from the header, with ids from the object's BTF */
	assert_int_equal(cJSON_GetArraySize(path_get(res.meta, "export_types", NULL)), 1);
	et = cJSON_GetArrayItem(path_get(res.meta, "export_types", NULL), 0);
	assert_string_equal(str_of(et, "name"), "event");
	assert_int_equal(cJSON_GetObjectItem(et, "size")->valueint, 48);
	mem = path_get(et, "members", NULL);
	assert_int_equal(cJSON_GetArraySize(mem), 6);
	assert_string_equal(str_of(cJSON_GetArrayItem(mem, 0), "name"), "pid");
	assert_string_equal(str_of(cJSON_GetArrayItem(mem, 0), "type"), "int");
	assert_string_equal(str_of(cJSON_GetArrayItem(mem, 2), "type"), "char[16]");
	assert_string_equal(str_of(cJSON_GetArrayItem(mem, 3), "type"), "unsigned long long");
	assert_string_equal(str_of(cJSON_GetArrayItem(mem, 4), "type"), "enum event_kind");
	assert_string_equal(str_of(cJSON_GetArrayItem(mem, 5), "type"), "unsigned char[6][2]");
	btf = btf__parse(res.obj_path, NULL);
	assert_non_null(btf);
	id = cJSON_GetObjectItem(et, "type_id")->valueint;
	t = btf__type_by_id(btf, id);
	assert_non_null(t);
	assert_true(btf_is_struct(t));
	assert_string_equal(btf__name_by_offset(btf, t->name_off), "event");
	assert_int_equal(btf_vlen(t), 6);
	btf__free(btf);
	assert_null(cJSON_GetObjectItem(res.meta, "enable_multiple_export_types"));
	ecc_result_free(&res);
}

/* Annotations and several export types, fed to the object reader directly. */
static void test_object_meta_merge(void **state)
{
	struct ecc_result res;
	cJSON *ann, *exports, *meta = NULL;
	const cJSON *skel, *m, *s, *v, *p;
	int err;

	need_toolchain();
	assert_int_equal(build(fixture("objinfo.bpf.c"), fixture("objinfo.h"), &res), 0);
	ann = cJSON_Parse(
		"{\"doc\": {\"brief\": \"b\", \"version\": \"9\"},"
		" \"vars\": {\"targ_pid\": {\"description\": \"pid\", \"cmdarg\":"
		" {\"short\": \"p\"}, \"custom\": 3}},"
		" \"maps\": {\"counts\": {\"sample\": {\"interval\": 500}}},"
		" \"progs\": {\"xdp_pass\": {\"ifindex\": 4, \"xdpopts\": {\"old_prog_fd\": 0}}}}");
	exports = cJSON_Parse("[{\"struct\": \"event\", \"map\": \"events\"},"
			      " {\"struct\": \"stat_val\", \"map\": \"counts\"},"
			      " {\"struct\": \"no_such_struct\", \"map\": \"events\"}]");
	assert_non_null(ann);
	assert_non_null(exports);
	err = ecc_object_meta(res.obj_path, "objinfo_bpf", ann, exports, &meta);
	assert_int_equal(err, 0);
	skel = cJSON_GetObjectItem(meta, "bpf_skel");
	assert_string_equal(str_of(cJSON_GetObjectItem(skel, "doc"), "brief"), "b");

	v = find_named(cJSON_GetObjectItem(
			       find_named(cJSON_GetObjectItem(skel, "data_sections"), ".rodata"),
			       "variables"),
		       "targ_pid");
	assert_string_equal(str_of(v, "description"), "pid");
	assert_string_equal(str_of(cJSON_GetObjectItem(v, "cmdarg"), "short"), "p");
	assert_int_equal(cJSON_GetObjectItem(v, "custom")->valueint, 3);
	assert_string_equal(str_of(v, "type"), "pid_t");

	/* sample defaults filled in */
	m = find_named(cJSON_GetObjectItem(skel, "maps"), "counts");
	s = cJSON_GetObjectItem(m, "sample");
	assert_int_equal(cJSON_GetObjectItem(s, "interval")->valueint, 500);
	assert_string_equal(str_of(s, "type"), "default_kv");
	assert_string_equal(str_of(s, "unit"), "(unit)");
	assert_true(cJSON_IsFalse(cJSON_GetObjectItem(s, "clear_map")));
	assert_string_equal(str_of(cJSON_GetObjectItem(m, "export_config"), "type"), "stat_val");
	m = find_named(cJSON_GetObjectItem(skel, "maps"), "events");
	assert_string_equal(str_of(cJSON_GetObjectItem(m, "export_config"), "type"), "event");
	assert_true(cJSON_IsTrue(cJSON_GetObjectItem(meta, "enable_multiple_export_types")));
	/* the unknown struct is skipped with a warning */
	assert_int_equal(cJSON_GetArraySize(cJSON_GetObjectItem(meta, "export_types")), 2);
	assert_non_null(find_named(cJSON_GetObjectItem(meta, "export_types"), "stat_val"));

	p = find_named(cJSON_GetObjectItem(skel, "progs"), "xdp_pass");
	assert_int_equal(cJSON_GetObjectItem(p, "ifindex")->valueint, 4);
	assert_non_null(cJSON_GetObjectItem(p, "xdpopts"));
	assert_true(cJSON_IsTrue(cJSON_GetObjectItem(p, "link")));
	cJSON_Delete(meta);

	/* @sample without an interval is an error */
	cJSON_Delete(ann);
	ann = cJSON_Parse("{\"maps\": {\"counts\": {\"sample\": {\"type\": \"log2_hist\"}}}}");
	meta = NULL;
	assert_int_equal(ecc_object_meta(res.obj_path, "objinfo_bpf", ann, exports, &meta),
			 -EINVAL);
	assert_null(meta);
	cJSON_Delete(ann);
	cJSON_Delete(exports);
	ecc_result_free(&res);
}

static void test_inferred_multi(void **state)
{
	struct ecc_result res;
	const cJSON *ets, *maps;

	need_toolchain();
	assert_int_equal(build(fixture("multi.bpf.c"), NULL, &res), 0);
	ets = cJSON_GetObjectItem(res.meta, "export_types");
	assert_int_equal(cJSON_GetArraySize(ets), 2);
	assert_non_null(find_named(ets, "exec_event"));
	assert_non_null(find_named(ets, "exit_event"));
	maps = cJSON_GetObjectItem(cJSON_GetObjectItem(res.meta, "bpf_skel"), "maps");
	assert_string_equal(
		str_of(cJSON_GetObjectItem(find_named(maps, "exec_rb"), "export_config"), "type"),
		"exec_event");
	assert_string_equal(
		str_of(cJSON_GetObjectItem(find_named(maps, "exit_rb"), "export_config"), "type"),
		"exit_event");
	assert_true(cJSON_IsTrue(cJSON_GetObjectItem(res.meta, "enable_multiple_export_types")));
	ecc_result_free(&res);
}

static void test_errors(void **state)
{
	struct ecc_result res;

	need_toolchain();
	assert_int_equal(build(fixture("no-such-file.bpf.c"), NULL, &res), -ENOENT);
	ecc_result_free(&res);
	assert_int_equal(build(fixture("execsnoop.bpf.c"), fixture("no-such.h"), &res), -ENOENT);
	ecc_result_free(&res);
	assert_int_equal(build(fixture("notbpf.c"), NULL, &res), -ENOMSG);
	ecc_result_free(&res);
	assert_int_equal(build(fixture("syntaxerr.bpf.c"), NULL, &res), -ENOEXEC);
	ecc_result_free(&res);
	assert_int_equal(build(fixture("badcmdarg.bpf.c"), NULL, &res), -EINVAL);
	ecc_result_free(&res);
	{
		struct ecc_opts o = {.src = fixture("execsnoop.bpf.c"),
				     .out_dir = outdir,
				     .clang = "/nonexistent/clang-xyz"};

		assert_int_equal(ecc_build(&o, &res), -ENOENT);
		ecc_result_free(&res);
	}
}

/* common/subprocess: the runner ecc uses for clang. */
static void test_subprocess(void **state)
{
	const char *const both[] = {"sh", "-c", "echo out; echo err >&2; exit 3", NULL};
	const char *const pwd[] = {"pwd", NULL};
	const char *const killed[] = {"sh", "-c", "kill -9 $$", NULL};
	const char *const missing[] = {"/nonexistent/prog-xyz", NULL};
	const char *const quoted[] = {"clang", "-DX=a b", "it's", "", NULL};
	struct strbuf out = STRBUF_INIT, err = STRBUF_INIT;
	struct subprocess_opts so = {.out = &out, .err = &err};

	assert_int_equal(subprocess_run(both, &so), 3);
	assert_string_equal(sb_str(&out), "out\n");
	assert_string_equal(sb_str(&err), "err\n");
	sb_reset(&out);
	so = (struct subprocess_opts){.out = &out, .cwd = "/"};
	assert_int_equal(subprocess_run(pwd, &so), 0);
	assert_string_equal(sb_str(&out), "/\n");
	assert_int_equal(subprocess_run(killed, NULL), 128 + 9);
	assert_int_equal(subprocess_run(missing, NULL), -ENOENT);
	sb_reset(&out);
	assert_int_equal(subprocess_format_argv(quoted, &out), 0);
	assert_string_equal(sb_str(&out), "clang '-DX=a b' 'it'\\''s' ''");
	sb_free(&out);
	sb_free(&err);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_build_with_header), cmocka_unit_test(test_object_meta_merge),
		cmocka_unit_test(test_inferred_multi),	  cmocka_unit_test(test_errors),
		cmocka_unit_test(test_subprocess),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
