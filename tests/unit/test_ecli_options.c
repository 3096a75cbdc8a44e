// SPDX-License-Identifier: MIT
/*
 * The `ecli run` option table (ecli/options.c, compiled into this test): the table is
 * consistent (unique names, each setter on a field of its size), getopt parsing fills the
 * runner options, the lexical matcher standalone tools use agrees with getopt's spellings,
 * the generated --help lines keep their columns, and library messages naming runner options
 * are rewritten to name ecli's flags.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "ecli/options.c"

#define ARGC(a) ((int)(sizeof(a) / sizeof((a)[0])) - 1)

static void test_table_is_consistent(void **state)
{
	size_t i, j;

	assert_int_equal(run_options_count, NR_OPTIONS);
	for (i = 0; i < NR_OPTIONS; i++) {
		const struct run_option *o = &run_options[i];

		assert_non_null(o->long_name);
		assert_true(strlen(o->help) > 0);
		for (j = 0; j < i; j++) {
			assert_string_not_equal(o->long_name, run_options[j].long_name);
			if (o->short_name)
				assert_int_not_equal(o->short_name, run_options[j].short_name);
		}
		if (!o->set) {
			assert_string_equal(o->long_name, "help");
			continue;
		}
		/* a switch stores a constant; an option with a value parses it */
		assert_true((o->arg == NULL) == (o->set == set_const));
		assert_true(o->off + o->size <= sizeof(struct run_config));
		if (o->set == set_str)
			assert_int_equal(o->size, sizeof(char *));
		else if (o->set == set_append)
			assert_true(o->size >= sizeof(char *) && o->size % sizeof(char *) == 0);
		else
			assert_true(o->size == 1 || o->size == 2 || o->size == 4 || o->size == 8);
		if (o->set == set_int)
			assert_true(o->min <= o->max);
	}
}

static void test_parse_fills_runner_opts(void **state)
{
	char *argv[] = {"run",
			"-j",
			"-v",
			"-d",
			"1.5",
			"-i",
			"eth9",
			"--ifindex",
			"3",
			"-b",
			"/bin/x",
			"-f",
			"main+4",
			"-p",
			"42",
			"--cgroup",
			"/cg",
			"-F",
			"99",
			"--only",
			"a,b",
			"--disable=c",
			"--max-entries",
			"4294967295",
			"--strict",
			"--btf",
			"/b.btf",
			"--no-btf-cache",
			"--sha256",
			"ab12",
			"pkg.json",
			"--tool-flag",
			NULL};
	struct run_config c;
	int i;

	run_config_init(&c, false);
	i = run_options_parse(&c, ARGC(argv), argv, "test", "test");
	assert_int_equal(i, ARGC(argv) - 2);
	assert_string_equal(argv[i], "pkg.json");
	assert_int_equal(c.runner.sz, sizeof(c.runner));
	assert_int_equal(c.runner.format, EUNOMIA_FMT_JSON);
	assert_true(c.runner.verbose);
	assert_int_equal(c.runner.duration_ms, 1500);
	assert_string_equal(c.runner.ifname, "eth9");
	assert_int_equal(c.runner.ifindex, 3);
	assert_string_equal(c.runner.uprobe_binary, "/bin/x");
	assert_string_equal(c.runner.uprobe_func, "main+4");
	assert_int_equal(c.runner.pid, 42);
	assert_string_equal(c.runner.cgroup_path, "/cg");
	assert_int_equal(c.runner.perf_freq, 99);
	assert_string_equal(c.runner.only_progs, "a,b");
	assert_string_equal(c.runner.disable_progs, "c");
	assert_int_equal(c.runner.default_max_entries, UINT32_MAX);
	assert_true(c.runner.strict);
	assert_string_equal(c.runner.btf_path, "/b.btf");
	assert_true(c.runner.no_btf_cache);
	assert_string_equal(c.sha256, "ab12");

	/* the last of -j/-r wins; a tiny duration is still 1 ms; the global -v carries over */
	{
		char *a2[] = {"run", "-j", "-r", "--duration", "0.0001", "x", NULL};

		run_config_init(&c, true);
		assert_int_equal(run_options_parse(&c, ARGC(a2), a2, "test", "test"), 5);
		assert_int_equal(c.runner.format, EUNOMIA_FMT_RAW);
		assert_int_equal(c.runner.duration_ms, 1);
		assert_true(c.runner.verbose);
	}
}

static int parse1(const char *a, const char *b)
{
	char *argv[] = {"run", (char *)a, (char *)b, (char *)"pkg", NULL};
	struct run_config c;

	run_config_init(&c, false);
	return run_options_parse(&c, b ? 4 : 2, b ? argv : (char *[]){"run", (char *)a, NULL},
				 "test", "test");
}

static void test_parse_errors(void **state)
{
	assert_int_equal(parse1("-h", NULL), RUN_OPTS_HELP);
	assert_int_equal(parse1("--help", NULL), RUN_OPTS_HELP);
	assert_int_equal(parse1("-d", "0"), RUN_OPTS_USAGE);
	assert_int_equal(parse1("-d", "soon"), RUN_OPTS_USAGE);
	assert_int_equal(parse1("--ifindex", "0"), RUN_OPTS_USAGE);
	assert_int_equal(parse1("--max-entries", "4294967296"), RUN_OPTS_USAGE);
	assert_int_equal(parse1("-F", "1000001"), RUN_OPTS_USAGE);
	assert_int_equal(parse1("-p", "-5"), RUN_OPTS_USAGE);
	assert_int_equal(parse1("-p", "12x"), RUN_OPTS_USAGE);
	assert_int_equal(parse1("--bogus", "1"), RUN_OPTS_USAGE);
	assert_int_equal(parse1("-Z", "1"), RUN_OPTS_USAGE);
	assert_int_equal(parse1("--btf", NULL), RUN_OPTS_USAGE); /* needs a value */
	assert_int_equal(parse1("-p", "0x10"), 3);		 /* hex is an integer */
}

/* --verify-key is repeatable: each value takes the next slot, one too many is a usage error */
static void test_repeatable(void **state)
{
	char *argv[2 + 2 * (RUN_MAX_KEYS + 1)] = {"run"};
	char *keys[RUN_MAX_KEYS + 1] = {"a.pub", "b.pub", "c.pub", "d.pub", "e.pub",
					"f.pub", "g.pub", "h.pub", "i.pub"};
	struct run_config cfg;
	int n = 1;

	for (int i = 0; i < RUN_MAX_KEYS; i++) {
		argv[n++] = "--verify-key";
		argv[n++] = keys[i];
	}
	argv[n++] = "pkg.json";
	run_config_init(&cfg, false);
	assert_int_equal(run_options_parse(&cfg, n, argv, "t", "t"), n - 1);
	for (int i = 0; i < RUN_MAX_KEYS; i++)
		assert_string_equal(cfg.verify_keys[i], keys[i]);
	n--;
	argv[n++] = "--verify-key";
	argv[n++] = keys[RUN_MAX_KEYS];
	argv[n++] = "pkg.json";
	run_config_init(&cfg, false);
	assert_int_equal(run_options_parse(&cfg, n, argv, "t", "t"), RUN_OPTS_USAGE);
}

static void test_match_agrees_with_getopt(void **state)
{
	static const struct {
		const char *arg, *long_name;
		bool next;
	} cases[] = {
		{"--duration", "duration", true},
		{"--duration=5", "duration", false},
		{"-d", "duration", true},
		{"-d5", "duration", false},
		{"--json", "json", false},
		{"-j", "json", false},
		{"--target-pid", "target-pid", true},
		{"--no-btf-cache", "no-btf-cache", false},
		{"--strict=1", NULL, false},
		{"-jv", NULL, false},
		{"-h", NULL, false},
		{"--help", NULL, false},
		{"--dur", NULL, false},
		{"-", NULL, false},
		{"pkg.json", NULL, false},
		{"--target_pid", NULL, false},
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		bool next = !cases[i].next;
		const struct run_option *o = run_option_match(cases[i].arg, &next);

		if (!cases[i].long_name) {
			assert_null(o);
			continue;
		}
		assert_non_null(o);
		assert_string_equal(o->long_name, cases[i].long_name);
		assert_int_equal(next, cases[i].next);
	}
	/* every entry matches by each of its spellings, as getopt takes them */
	for (size_t i = 0; i < NR_OPTIONS; i++) {
		const struct run_option *o = &run_options[i];
		char l[64], s[3] = {'-', o->short_name, 0};
		bool next;

		if (!o->set)
			continue;
		snprintf(l, sizeof(l), "--%s", o->long_name);
		assert_ptr_equal(run_option_match(l, &next), o);
		assert_int_equal(next, o->arg != NULL);
		if (o->short_name) {
			assert_ptr_equal(run_option_match(s, &next), o);
			assert_int_equal(next, o->arg != NULL);
		}
	}
}

static int taken_none(const struct run_option *o, void *ctx)
{
	return 0;
}

static int taken_all(const struct run_option *o, void *ctx)
{
	return RUN_OPT_SHORT_TAKEN | RUN_OPT_LONG_TAKEN;
}

/* -p taken by the tool; --raw taken by the tool */
static int taken_some(const struct run_option *o, void *ctx)
{
	return (o->short_name == 'p' ? RUN_OPT_SHORT_TAKEN : 0) |
	       (!strcmp(o->long_name, "raw") ? RUN_OPT_LONG_TAKEN : 0);
}

static char *help_text(int (*taken)(const struct run_option *o, void *ctx))
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	assert_non_null(f);
	run_options_help(f, taken, NULL);
	fclose(f);
	return buf;
}

static void test_help_lines(void **state)
{
	char *all = help_text(NULL), *line, *save = NULL;
	size_t entries = 0;
	char *t;

	for (line = strtok_r(all, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		assert_true(strlen(line) <= 80);
		/* an entry, or a continuation line aligned on the text column */
		if (!strncmp(line, "  -", 3) || !strncmp(line, "      --", 8))
			entries++;
		else
			assert_int_equal(strspn(line, " "), HELP_INDENT + HELP_COLUMN);
	}
	assert_int_equal(entries, NR_OPTIONS);
	free(all);

	t = help_text(taken_none); /* a standalone tool: all but -h/--help */
	assert_null(strstr(t, "--help"));
	assert_non_null(strstr(t, "  -p, --target-pid PID       only trace PID"));
	free(t);
	t = help_text(taken_all);
	assert_string_equal(t, "");
	free(t);
	t = help_text(taken_some);
	assert_non_null(strstr(t, "\n      --target-pid PID       only trace PID"));
	assert_non_null(strstr(t, "\n  -r                         events as hex dumps"));
	assert_null(strstr(t, "--raw"));
	free(t);
}

static void flag_names(const char *in, const char *want)
{
	char *msg = run_options_flag_names(strdup(in));

	assert_string_equal(msg, want);
	free(msg);
}

/* Library messages name runner options; ecli says its flags, from the same table. */
static void test_flag_names(void **state)
{
	flag_names("skip it with the option disable_progs=x_exec", "skip it with --disable x_exec");
	flag_names("option only_progs: no program 'y'", "--only: no program 'y'");
	flag_names("the only_progs and disable_progs options left nothing to load",
		   "--only/--disable left nothing to load");
	flag_names("not attached (disable_progs option)", "not attached (--disable PROG[,PROG])");
	flag_names("set the verbose option for the whole log", "use -v for the whole log");
	flag_names("set the ifname option", "pass -i NAME");
	flag_names("or with the uprobe_binary option", "or with -b PATH");
	flag_names("set the cgroup_path option", "pass --cgroup PATH");
	flag_names("the strict option makes this fatal", "--strict makes this fatal");
	flag_names("the pid option and the perf_freq option", "--target-pid and --freq");
	/* -j and -r share `format`: no single flag to name; other text is left alone */
	flag_names("the format option", "the format option");
	flag_names("no option names here: only_progs alone",
		   "no option names here: only_progs alone");
	flag_names("", "");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_table_is_consistent),
		cmocka_unit_test(test_parse_fills_runner_opts),
		cmocka_unit_test(test_parse_errors),
		cmocka_unit_test(test_repeatable),
		cmocka_unit_test(test_match_agrees_with_getopt),
		cmocka_unit_test(test_help_lines),
		cmocka_unit_test(test_flag_names),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
