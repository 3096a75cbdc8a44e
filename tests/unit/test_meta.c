// SPDX-License-Identifier: MIT
/* The package metadata parser (packer/meta.c): docs/package-format.md §3–§4. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <cjson/cJSON.h>

#include "eunomia/eunomia.h"
#include "packer/meta.h"
#include "packer/package.h"

/* A meta as the public ecc writes it, with every optional part present. */
static const char full_meta[] =
	"{\n"
	"  \"bpf_skel\": {\n"
	"    \"obj_name\": \"opensnoop_bpf\",\n"
	"    \"doc\": {\"brief\": \"Trace open\", \"details\": \"More.\", \"description\": "
	"\"Desc\", \"version\": 1.5},\n"
	"    \"data_sections\": [\n"
	"      {\"name\": \".rodata\", \"variables\": [\n"
	"        {\"name\": \"targ_pid\", \"type\": \"pid_t\", \"description\": \"Process ID\",\n"
	"         \"cmdarg\": {\"default\": 0, \"long\": \"pid\", \"short\": \"p\", \"help\": "
	"\"Trace this PID\"}},\n"
	"        {\"name\": \"targ_failed\", \"type\": \"bool\", \"value\": true}\n"
	"      ]},\n"
	"      {\"name\": \".bss\", \"variables\": []},\n"
	"      {\"name\": \".kconfig\", \"variables\": null}\n"
	"    ],\n"
	"    \"maps\": [\n"
	"      {\"name\": \"events\", \"ident\": \"events\", \"export_config\": {\"type\": "
	"\"event\"}},\n"
	"      {\"name\": \"opensnoo.rodata\", \"ident\": \"rodata\", \"mmaped\": true},\n"
	"      {\"name\": \"hists\", \"sample\": {\"interval\": 1000, \"type\": \"log2_hist\", "
	"\"unit\": \"usecs\", \"clear_map\": true}},\n"
	"      {\"name\": \"counts\", \"sample\": {\"interval\": 500}, \"export_config\": "
	"\"other\"}\n"
	"    ],\n"
	"    \"progs\": [\n"
	"      {\"name\": \"tp_openat\", \"attach\": \"tp/syscalls/sys_enter_openat\", \"link\": "
	"true},\n"
	"      {\"name\": \"xdp_pass\", \"attach\": \"xdp\", \"link\": true, \"ifindex\": 3, "
	"\"flags\": 2, \"xdpopts\": {\"old_prog_fd\": 0}},\n"
	"      {\"name\": \"tc_ingress\", \"attach\": \"tc\", \"link\": false,\n"
	"       \"tchook\": {\"ifindex\": 1, \"attach_point\": \"BPF_TC_EGRESS\"},\n"
	"       \"tcopts\": {\"handle\": 1, \"priority\": 1}}\n"
	"    ],\n"
	"    \"future_key\": {\"ignored\": [1, 2, 3]}\n"
	"  },\n"
	"  \"export_types\": [\n"
	"    {\"name\": \"event\", \"type_id\": 613, \"size\": 48, \"members\": [\n"
	"      {\"name\": \"pid\", \"type\": \"int\"}, {\"name\": \"comm\", \"type\": "
	"\"char[16]\"}\n"
	"    ]}\n"
	"  ],\n"
	"  \"eunomia_version\": \"0.3.4\",\n"
	"  \"poll_timeout_ms\": 250,\n"
	"  \"perf_buffer_pages\": 16,\n"
	"  \"enable_multiple_export_types\": true\n"
	"}\n";

static int parse_text(const char *text, struct eun_meta *m, char *err, size_t errsz)
{
	cJSON *j;
	int ret;

	assert_int_equal(pkg_doc_parse(text, strlen(text), &j, err, errsz), 0);
	ret = eun_meta__parse(j, m, err, errsz);
	cJSON_Delete(j);
	return ret;
}

static void test_full_meta(void **state)
{
	struct eun_meta m;
	char err[256] = "";

	assert_int_equal(parse_text(full_meta, &m, err, sizeof(err)), 0);
	assert_string_equal(m.obj_name, "opensnoop_bpf");
	assert_string_equal(m.eunomia_version, "0.3.4");
	assert_string_equal(m.doc.brief, "Trace open");
	assert_string_equal(m.doc.details, "More.");
	assert_string_equal(m.doc.description, "Desc");
	assert_string_equal(m.doc.version, "1.5"); /* a number from @version is kept as text */

	assert_int_equal(m.nr_sections, 3);
	assert_string_equal(m.sections[0].name, ".rodata");
	assert_int_equal(m.sections[0].nr_vars, 2);
	assert_string_equal(m.sections[0].vars[0].name, "targ_pid");
	assert_string_equal(m.sections[0].vars[0].type, "pid_t");
	assert_string_equal(m.sections[0].vars[0].description, "Process ID");
	assert_true(m.sections[0].vars[0].has_cmdarg);
	assert_string_equal(m.sections[0].vars[0].cmdarg.long_name, "pid");
	assert_int_equal(m.sections[0].vars[0].cmdarg.short_name, 'p');
	assert_string_equal(m.sections[0].vars[0].cmdarg.help, "Trace this PID");
	assert_true(cJSON_IsNumber(m.sections[0].vars[0].cmdarg.def));
	assert_null(m.sections[0].vars[0].value);
	assert_false(m.sections[0].vars[1].has_cmdarg);
	assert_true(cJSON_IsTrue(m.sections[0].vars[1].value));
	assert_int_equal(m.sections[1].nr_vars, 0);
	assert_int_equal(m.sections[2].nr_vars, 0);

	assert_int_equal(m.nr_maps, 4);
	assert_string_equal(m.maps[0].export_type, "event");
	assert_false(m.maps[0].has_sample);
	assert_true(m.maps[1].mmaped);
	assert_string_equal(m.maps[1].ident, "rodata");
	assert_string_equal(m.maps[2].ident, "hists"); /* ident defaults to the name */
	assert_true(m.maps[2].has_sample);
	assert_int_equal(m.maps[2].sample.interval_ms, 1000);
	assert_int_equal(m.maps[2].sample.type, EUN_SAMPLE_LOG2_HIST);
	assert_string_equal(m.maps[2].sample.unit, "usecs");
	assert_true(m.maps[2].sample.clear_map);
	assert_int_equal(m.maps[3].sample.type, EUN_SAMPLE_DEFAULT_KV);
	assert_string_equal(m.maps[3].sample.unit, "(unit)");
	assert_false(m.maps[3].sample.clear_map);
	assert_string_equal(m.maps[3].export_type, "other");

	assert_int_equal(m.nr_progs, 3);
	assert_string_equal(m.progs[0].attach, "tp/syscalls/sys_enter_openat");
	assert_true(m.progs[0].link);
	assert_int_equal(m.progs[1].ifindex, 3);
	assert_int_equal(m.progs[1].xdp_flags, 2);
	assert_false(m.progs[2].link);
	assert_true(m.progs[2].has_tchook);
	assert_int_equal(m.progs[2].tc_attach_point, EUN_TC_EGRESS);
	assert_int_equal(m.progs[2].tc_ifindex, 1);
	assert_int_equal(m.progs[2].tc_handle, 1);
	assert_int_equal(m.progs[2].tc_priority, 1);

	assert_int_equal(m.nr_export_types, 1);
	assert_string_equal(m.export_types[0].name, "event");
	assert_int_equal(m.export_types[0].type_id, 613);
	assert_int_equal(m.export_types[0].size, 48);
	assert_int_equal(m.export_types[0].nr_members, 2);
	assert_string_equal(m.export_types[0].members[1].name, "comm");
	assert_string_equal(m.export_types[0].members[1].type, "char[16]");

	assert_int_equal(m.poll_timeout_ms, 250);
	assert_int_equal(m.perf_buffer_pages, 16);
	assert_true(m.enable_multiple_export_types);
	eun_meta__free(&m);
	eun_meta__free(&m); /* idempotent */
	eun_meta__free(NULL);
}

static void test_defaults_and_null_lists(void **state)
{
	struct eun_meta m;
	char err[256] = "";

	assert_int_equal(parse_text("{\"bpf_skel\": {\"obj_name\": \"x_bpf\", \"maps\": null, "
				    "\"progs\": null, \"data_sections\": null}, "
				    "\"export_types\": null, \"eunomia_version\": null}",
				    &m, err, sizeof(err)),
			 0);
	assert_string_equal(m.obj_name, "x_bpf");
	assert_null(m.eunomia_version);
	assert_int_equal(m.nr_maps, 0);
	assert_int_equal(m.nr_progs, 0);
	assert_int_equal(m.nr_sections, 0);
	assert_int_equal(m.nr_export_types, 0);
	assert_int_equal(m.poll_timeout_ms, 100);
	assert_int_equal(m.perf_buffer_pages, 64);
	assert_false(m.enable_multiple_export_types);
	assert_null(m.doc.brief);
	eun_meta__free(&m);

	/* absent lists and a prog without "link" (true by default) */
	assert_int_equal(parse_text("{\"bpf_skel\": {\"obj_name\": \"y_bpf\", \"progs\": "
				    "[{\"name\": \"p\", \"attach\": \"xdp\"}]}}",
				    &m, err, sizeof(err)),
			 0);
	assert_int_equal(m.nr_progs, 1);
	assert_true(m.progs[0].link);
	assert_false(m.progs[0].has_tchook);
	eun_meta__free(&m);
}

static void test_yaml_meta(void **state)
{
	static const char y[] = "bpf_skel:\n"
				"  obj_name: bootstrap_bpf\n"
				"  data_sections:\n"
				"  - name: .rodata\n"
				"    variables:\n"
				"    - name: min_duration_ns\n"
				"      type: unsigned long long\n"
				"  maps: ~\n"
				"  progs:\n"
				"  - name: handle_exec\n"
				"    attach: tp/sched/sched_process_exec\n"
				"    link: true\n"
				"export_types: []\n";
	struct eun_meta m;
	char err[256] = "";

	assert_int_equal(parse_text(y, &m, err, sizeof(err)), 0);
	assert_string_equal(m.obj_name, "bootstrap_bpf");
	assert_string_equal(m.sections[0].vars[0].type, "unsigned long long");
	assert_string_equal(m.progs[0].attach, "tp/sched/sched_process_exec");
	eun_meta__free(&m);
}

struct bad_case {
	const char *json;
	const char *msg;
};

static void test_mistyped_fields(void **state)
{
	static const struct bad_case cases[] = {
		{"[]", "meta: expected an object"},
		{"{}", "meta.bpf_skel: missing (expected an object)"},
		{"{\"bpf_skel\": []}", "meta.bpf_skel: expected an object"},
		{"{\"bpf_skel\": {}}", "meta.bpf_skel.obj_name: missing (expected a string)"},
		{"{\"bpf_skel\": {\"obj_name\": 3}}", "meta.bpf_skel.obj_name: expected a string"},
		{"{\"bpf_skel\": {\"obj_name\": \"\"}}",
		 "meta.bpf_skel.obj_name: must not be empty"},
		{"{\"bpf_skel\": {\"obj_name\": \"a\", \"progs\": {}}}",
		 "meta.bpf_skel.progs: expected an array (or null)"},
		{"{\"bpf_skel\": {\"obj_name\": \"a\", \"progs\": [{\"name\": \"p\", \"attach\": "
		 "\"xdp\"}, {\"name\": \"q\", \"attach\": \"tc\"}, {\"name\": \"r\", \"attach\": "
		 "false}]}}",
		 "meta.bpf_skel.progs[2].attach: expected a string"},
		{"{\"bpf_skel\": {\"obj_name\": \"a\", \"progs\": [{\"attach\": \"xdp\"}]}}",
		 "meta.bpf_skel.progs[0].name: missing (expected a string)"},
		{"{\"bpf_skel\": {\"obj_name\": \"a\", \"progs\": [7]}}",
		 "meta.bpf_skel.progs[0]: expected an object"},
		{"{\"bpf_skel\": {\"obj_name\": \"a\", \"progs\": [{\"name\": \"p\", \"attach\": "
		 "\"xdp\", \"link\": \"yes\"}]}}",
		 "meta.bpf_skel.progs[0].link: expected true or false"},
		{"{\"bpf_skel\": {\"obj_name\": \"a\", \"progs\": [{\"name\": \"p\", \"attach\": "
		 "\"xdp\", \"ifindex\": 1.5}]}}",
		 "meta.bpf_skel.progs[0].ifindex: expected an integer, got 1.5"},
		{"{\"bpf_skel\": {\"obj_name\": \"a\", \"progs\": [{\"name\": \"p\", \"attach\": "
		 "\"tc\", \"tchook\": {\"attach_point\": \"BPF_TC_SIDEWAYS\"}}]}}",
		 "meta.bpf_skel.progs[0].tchook.attach_point: expected BPF_TC_INGRESS or "
		 "BPF_TC_EGRESS, got \"BPF_TC_SIDEWAYS\""},
		{"{\"bpf_skel\": {\"obj_name\": \"a\", \"maps\": [{\"name\": \"m\", \"sample\": "
		 "{}}]}}",
		 "meta.bpf_skel.maps[0].sample.interval: missing (expected an integer)"},
		{"{\"bpf_skel\": {\"obj_name\": \"a\", \"maps\": [{\"name\": \"m\", \"sample\": "
		 "{\"interval\": 0}}]}}",
		 "meta.bpf_skel.maps[0].sample.interval: 0 is out of range (1..86400000)"},
		{"{\"bpf_skel\": {\"obj_name\": \"a\", \"maps\": [{\"name\": \"m\", \"sample\": "
		 "{\"interval\": 10, \"type\": \"pie_chart\"}}]}}",
		 "meta.bpf_skel.maps[0].sample.type: unknown sample type \"pie_chart\""},
		{"{\"bpf_skel\": {\"obj_name\": \"a\", \"data_sections\": [{\"name\": \".rodata\", "
		 "\"variables\": [{\"name\": \"x\", \"cmdarg\": {\"short\": \"pp\"}}]}]}}",
		 "meta.bpf_skel.data_sections[0].variables[0].cmdarg.short: expected one letter, "
		 "got \"pp\""},
		{"{\"bpf_skel\": {\"obj_name\": \"a\", \"data_sections\": [{\"name\": \".rodata\", "
		 "\"variables\": [{\"type\": \"int\"}]}]}}",
		 "meta.bpf_skel.data_sections[0].variables[0].name: missing"},
		{"{\"bpf_skel\": {\"obj_name\": \"a\", \"data_sections\": [{\"variables\": []}]}}",
		 "meta.bpf_skel.data_sections[0].name: missing"},
		{"{\"bpf_skel\": {\"obj_name\": \"a\", \"data_sections\": [{\"name\": \".data\", "
		 "\"variables\": [{\"name\": \"x\", \"cmdarg\": 5}]}]}}",
		 "meta.bpf_skel.data_sections[0].variables[0].cmdarg: expected an object"},
		{"{\"bpf_skel\": {\"obj_name\": \"a\"}, \"export_types\": [{\"name\": \"e\"}]}",
		 "meta.export_types[0].type_id: missing (expected an integer)"},
		{"{\"bpf_skel\": {\"obj_name\": \"a\"}, \"export_types\": [{\"name\": \"e\", "
		 "\"type_id\": 5, \"members\": [{\"type\": \"int\"}]}]}",
		 "meta.export_types[0].members[0].name: missing"},
		{"{\"bpf_skel\": {\"obj_name\": \"a\"}, \"poll_timeout_ms\": \"soon\"}",
		 "meta.poll_timeout_ms: expected an integer, got \"soon\""},
		{"{\"bpf_skel\": {\"obj_name\": \"a\"}, \"perf_buffer_pages\": -1}",
		 "meta.perf_buffer_pages: -1 is out of range"},
		{"{\"bpf_skel\": {\"obj_name\": \"a\"}, \"enable_multiple_export_types\": \"x\"}",
		 "meta.enable_multiple_export_types: expected true or false"},
		{"{\"bpf_skel\": {\"obj_name\": \"a\", \"doc\": []}}",
		 "meta.bpf_skel.doc: expected an object"},
	};
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct eun_meta m;
		char err[512] = "";
		int ret = parse_text(cases[i].json, &m, err, sizeof(err));

		if (ret != -EUNOMIA_ERR_FIELD)
			fail_msg("case %zu: ret %d, want -EUNOMIA_ERR_FIELD (%s)", i, ret, err);
		if (!strstr(err, cases[i].msg))
			fail_msg("case %zu: message '%s' lacks '%s'", i, err, cases[i].msg);
		/* the output is left empty and freeable */
		assert_null(m.obj_name);
		assert_int_equal(m.nr_progs, 0);
		eun_meta__free(&m);
	}
	/* NULL meta */
	{
		struct eun_meta m;
		char err[128];

		assert_int_equal(eun_meta__parse(NULL, &m, err, sizeof(err)), -EUNOMIA_ERR_FIELD);
		assert_string_equal(err, "meta: missing (expected an object)");
		assert_int_equal(eun_meta__parse(NULL, &m, NULL, 0), -EUNOMIA_ERR_FIELD);
	}
}

static void test_lenient_values(void **state)
{
	struct eun_meta m;
	char err[256] = "";

	/* numbers given as text (doc-comment annotations), help as a number */
	assert_int_equal(parse_text("{\"bpf_skel\": {\"obj_name\": \"a\", \"progs\": [{\"name\": "
				    "\"x\", \"attach\": \"xdp\", \"ifindex\": \"4\", \"flags\": "
				    "\"0x2\"}], \"data_sections\": [{\"name\": \".rodata\", "
				    "\"variables\": [{\"name\": \"v\", \"description\": 12, "
				    "\"cmdarg\": {\"long\": \"\", \"short\": \"\"}}]}]}}",
				    &m, err, sizeof(err)),
			 0);
	assert_int_equal(m.progs[0].ifindex, 4);
	assert_int_equal(m.progs[0].xdp_flags, 2);
	assert_string_equal(m.sections[0].vars[0].description, "12");
	assert_null(m.sections[0].vars[0].cmdarg.long_name);
	assert_int_equal(m.sections[0].vars[0].cmdarg.short_name, 0);
	eun_meta__free(&m);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_full_meta),
		cmocka_unit_test(test_defaults_and_null_lists),
		cmocka_unit_test(test_yaml_meta),
		cmocka_unit_test(test_mistyped_fields),
		cmocka_unit_test(test_lenient_values),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
