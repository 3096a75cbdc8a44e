// SPDX-License-Identifier: MIT
/*
 * Runner unit tests: BTF selection (explicit path, BTF_FILE_PATH, the package's
 * btfhub-archive when the kernel has no BTF, a clear error when nothing matches) and the
 * lifecycle state machine (wrong-order calls, duration, stop, idempotent detach).
 * A tiny BPF object is compiled with clang at set-up; loading needs root (else skipped).
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <unistd.h>

#include <cmocka.h>
#include <cjson/cJSON.h>

#include <bpf/bpf.h>
#include <sys/syscall.h>
#include <bpf/libbpf.h>

#include "tests/unit/test_util.h"
#include "loader/internal.h"
#include "packer/package.h"

static char tmpdir[] = "/tmp/eun-test-runner-XXXXXX";
static char tar_path[512], bad_tar_path[512], json_path[512], osr_path[512], many_path[512];
static char logbuf[16384];

/* CO-RE: the tgid is read from task_struct at offsets relocated against the BTF in use. */
static const char bpf_src[] =
	"#include <linux/bpf.h>\n"
	"#include <bpf/bpf_helpers.h>\n"
	"#include <bpf/bpf_core_read.h>\n"
	"struct task_struct { int tgid; } __attribute__((preserve_access_index));\n"
	"struct {\n"
	"	__uint(type, BPF_MAP_TYPE_HASH);\n"
	"	__uint(max_entries, 1024);\n"
	"	__type(key, int);\n"
	"	__type(value, int);\n"
	"} core_tgids SEC(\".maps\");\n"
	"int counter = 0;\n"
	"SEC(\"tp/syscalls/sys_enter_getpid\")\n"
	"int eun_unit_tp(void *ctx)\n"
	"{\n"
	"	struct task_struct *t = (void *)bpf_get_current_task();\n"
	"	int tgid = bpf_get_current_pid_tgid() >> 32, core = BPF_CORE_READ(t, tgid);\n"
	"	__sync_fetch_and_add(&counter, 1);\n"
	"	bpf_map_update_elem(&core_tgids, &tgid, &core, BPF_ANY);\n"
	"	return 0;\n"
	"}\n"
	"char LICENSE[] SEC(\"license\") = \"GPL\";\n";

static const char meta_json[] =
	"{\"bpf_skel\": {\"obj_name\": \"unit_bpf\", \"data_sections\": [], \"maps\": [],"
	" \"progs\": [{\"name\": \"eun_unit_tp\", \"attach\": \"tp/syscalls/sys_enter_getpid\","
	" \"link\": true}]}, \"export_types\": [], \"eunomia_version\": \"0.1.0\"}";

/* Six tracepoint programs: six perf-event links, detached concurrently. */
#define MANY_TP(n, ev) "SEC(\"tp/syscalls/" ev "\")\nint eun_many_" #n "(void *ctx) { return 0; }\n"
static const char many_src[] =
	"#include <linux/bpf.h>\n"
	"#include <bpf/bpf_helpers.h>\n" MANY_TP(1, "sys_enter_getpid")
		MANY_TP(2, "sys_enter_gettid") MANY_TP(3, "sys_enter_getuid")
			MANY_TP(4, "sys_enter_geteuid") MANY_TP(5, "sys_enter_getgid")
				MANY_TP(6, "sys_enter_getegid") "char LICENSE[] SEC(\"license\") = "
								"\"GPL\";\n";
static const char many_meta[] =
	"{\"bpf_skel\": {\"obj_name\": \"many_bpf\", \"data_sections\": [], \"maps\": [],"
	" \"progs\": []}, \"export_types\": [], \"eunomia_version\": \"0.1.0\"}";

static void capture(void *ctx, enum eunomia_print_level level, const char *fmt, va_list ap)
{
	size_t n = strlen(logbuf);

	if (n + 2 < sizeof(logbuf)) {
		vsnprintf(logbuf + n, sizeof(logbuf) - n - 1, fmt, ap);
		strcat(logbuf, "\n");
	}
}

static void write_os_release(const char *id, const char *ver)
{
	FILE *f = fopen(osr_path, "w");

	assert_non_null(f);
	fprintf(f, "NAME=\"Test OS\"\nID=%s\nVERSION_ID=\"%s\"\n", id, ver);
	fclose(f);
	setenv("EUNOMIA_OS_RELEASE", osr_path, 1);
}

/* Compile src with clang into tmpdir/<base>.bpf.o and package it (metadata meta) as json. */
static int make_pkg(const char *base, const char *src_text, const char *meta_text, char *json,
		    size_t size)
{
	char src[600], obj[600];
	struct strbuf doc_text = STRBUF_INIT;
	cJSON *meta, *doc = NULL;
	void *elf;
	size_t elf_size;
	FILE *f;
	int err = -1;

	snprintf(src, sizeof(src), "%s/%s.bpf.c", tmpdir, base);
	snprintf(obj, sizeof(obj), "%s/%s.bpf.o", tmpdir, base);
	if (test_write_text(src, src_text) || !(elf = test_compile_bpf(src, obj, NULL, &elf_size)))
		return -1;
	meta = cJSON_Parse(meta_text);
	if (meta && !pkg_build(elf, elf_size, meta, &doc) && !pkg_write(doc, false, &doc_text)) {
		snprintf(json, size, "%s/%s.json", tmpdir, base);
		f = fopen(json, "w");
		if (f) {
			err = fwrite(doc_text.buf, 1, doc_text.len, f) == doc_text.len ? 0 : -1;
			fclose(f);
		}
	}
	cJSON_Delete(meta);
	cJSON_Delete(doc);
	free(elf);
	sb_free(&doc_text);
	return err;
}

static int group_setup(void **state)
{
	char src[600], obj[600], btfrel[512];
	struct strbuf doc_text = STRBUF_INIT;
	struct pkg_tar_entry ents[2];
	struct utsname un;
	cJSON *meta, *doc = NULL;
	void *elf, *btf;
	size_t elf_size, btf_size;
	FILE *f;

	if (!mkdtemp(tmpdir))
		return -1;
	snprintf(src, sizeof(src), "%s/unit.bpf.c", tmpdir);
	snprintf(obj, sizeof(obj), "%s/unit.bpf.o", tmpdir);
	snprintf(osr_path, sizeof(osr_path), "%s/os-release", tmpdir);
	if (test_write_text(src, bpf_src) || !(elf = test_compile_bpf(src, obj, NULL, &elf_size)))
		return -1;
	uname(&un);
	meta = cJSON_Parse(meta_json);
	if (!meta || pkg_build(elf, elf_size, meta, &doc) || pkg_write(doc, false, &doc_text))
		return -1;
	cJSON_Delete(meta);
	cJSON_Delete(doc);
	free(elf);

	snprintf(json_path, sizeof(json_path), "%s/package.json", tmpdir);
	f = fopen(json_path, "w");
	fwrite(doc_text.buf, 1, doc_text.len, f);
	fclose(f);

	/* the kernel's own BTF stands in for a btfhub file of a "testos 42" machine */
	if (!(btf = test_slurp("/sys/kernel/btf/vmlinux", &btf_size)))
		return -1;
	snprintf(btfrel, sizeof(btfrel), "btfhub-archive/testos/42/%s/%s.btf", un.machine,
		 un.release);
	ents[0] = (struct pkg_tar_entry){
		.path = "package.json", .data = doc_text.buf, .size = doc_text.len};
	ents[1] = (struct pkg_tar_entry){.path = btfrel, .data = btf, .size = btf_size};
	snprintf(tar_path, sizeof(tar_path), "%s/unit.tar", tmpdir);
	if (pkg_tar_write(tar_path, ents, 2))
		return -1;
	/* the same package whose archive holds 16 bytes of garbage as that machine's BTF */
	ents[1].data = "0123456789abcdef";
	ents[1].size = 16;
	snprintf(bad_tar_path, sizeof(bad_tar_path), "%s/unit-bad-btf.tar", tmpdir);
	if (pkg_tar_write(bad_tar_path, ents, 2))
		return -1;
	free(btf);
	sb_free(&doc_text);
	if (make_pkg("many", many_src, many_meta, many_path, sizeof(many_path)))
		return -1;
	/* keep the minimal-BTF cache of these tests in their own directory */
	snprintf(src, sizeof(src), "%s/btf-cache", tmpdir);
	setenv("EUNOMIA_BTF_CACHE_DIR", src, 1);
	unsetenv("EUNOMIA_NO_BTF_CACHE");
	return 0;
}

static int group_teardown(void **state)
{
	char cmd[600];

	snprintf(cmd, sizeof(cmd), "rm -rf %s", tmpdir);
	return system(cmd) == 0 ? 0 : -1;
}

static struct eunomia_package *open_pkg(const char *path)
{
	EUNOMIA_OPTS(package, po, .print = capture);
	struct eunomia_package *pkg = eunomia_package__open_file(path, &po);

	assert_non_null(pkg);
	return pkg;
}

/* The tgid the program read with CO-RE for the process whose real tgid is pid, or -1. */
static int core_tgid(struct eunomia_runner *r, int pid)
{
	struct bpf_map *m =
		bpf_object__find_map_by_name(eunomia_runner__bpf_object(r), "core_tgids");
	int val = -1;

	assert_non_null(m);
	if (bpf_map__lookup_elem(m, &pid, sizeof(pid), &val, sizeof(val), 0))
		return -1;
	return val;
}

static void test_archive_used_without_kernel_btf(void **state)
{
	EUNOMIA_OPTS(runner, ro, .print = capture, .kernel_btf_path = "/nonexistent/vmlinux");
	struct eunomia_package *pkg = open_pkg(tar_path);
	struct eunomia_runner *r;
	struct stat st, kst;
	char *tmp;

	unsetenv("BTF_FILE_PATH");
	write_os_release("testos", "42");
	assert_true(eunomia_package__has_btf_archive(pkg));
	logbuf[0] = '\0';
	r = eunomia_runner__open(pkg, &ro);
	assert_non_null(r);
	assert_non_null(r->btf_tmp_path);
	/* held in memory, not written under /tmp */
	assert_int_equal(strncmp(r->btf_tmp_path, "/proc/self/fd/", 14), 0);
	assert_int_equal(stat(r->btf_tmp_path, &st), 0);
	assert_int_equal(stat("/sys/kernel/btf/vmlinux", &kst), 0);
	assert_int_equal(st.st_size, kst.st_size);
	if (geteuid() == 0) {
		/* libbpf relocates against the archive's BTF and the program loads */
		assert_int_equal(eunomia_runner__load(r), 0);
		if (!access("/sys/kernel/tracing/events", F_OK)) {
			/* and CO-RE reads this process's tgid through the archive's offsets */
			assert_int_equal(eunomia_runner__attach(r), 1);
			syscall(SYS_getpid);
			assert_int_equal(core_tgid(r, getpid()), getpid());
		}
	}
	tmp = strdup(r->btf_tmp_path);
	eunomia_runner__free(r);
	errno = 0;
	assert_int_equal(access(tmp, F_OK), -1); /* the temp copy is removed */
	assert_int_equal(errno, ENOENT);
	free(tmp);
	eunomia_package__free(pkg);
}

/* The archive's BTF is what libbpf relocates against: garbage there makes the load fail. */
static void test_archive_garbage_btf_fails(void **state)
{
	EUNOMIA_OPTS(runner, ro, .print = capture, .kernel_btf_path = "/nonexistent/vmlinux");
	struct eunomia_package *pkg;
	struct eunomia_runner *r;

	if (geteuid() != 0) {
		skip();
		return;
	}
	pkg = open_pkg(bad_tar_path);
	unsetenv("BTF_FILE_PATH");
	write_os_release("testos", "42");
	logbuf[0] = '\0';
	r = eunomia_runner__open(pkg, &ro);
	if (r) {
		assert_non_null(r->btf_tmp_path);
		assert_int_not_equal(eunomia_runner__load(r), 0);
		eunomia_runner__free(r);
	}
	eunomia_package__free(pkg);
}

static void test_archive_no_match_is_clear_error(void **state)
{
	EUNOMIA_OPTS(runner, ro, .print = capture, .kernel_btf_path = "/nonexistent/vmlinux");
	struct eunomia_package *pkg = open_pkg(tar_path);
	struct utsname un;

	unsetenv("BTF_FILE_PATH");
	write_os_release("otheros", "7");
	uname(&un);
	logbuf[0] = '\0';
	errno = 0;
	assert_null(eunomia_runner__open(pkg, &ro));
	assert_int_equal(errno, EUNOMIA_ERR_NO_BTF);
	assert_non_null(strstr(logbuf, "'otheros'"));
	assert_non_null(strstr(logbuf, "'7'"));
	assert_non_null(strstr(logbuf, un.machine));
	assert_non_null(strstr(logbuf, un.release));
	assert_non_null(strstr(logbuf, "BTF_FILE_PATH"));
	eunomia_package__free(pkg);
}

static void test_kernel_btf_wins_over_archive(void **state)
{
	EUNOMIA_OPTS(runner, ro, .print = capture);
	struct eunomia_package *pkg = open_pkg(tar_path);
	struct eunomia_runner *r;

	unsetenv("BTF_FILE_PATH");
	write_os_release("otheros", "7"); /* would not match: must not matter */
	r = eunomia_runner__open(pkg, &ro);
	assert_non_null(r);
	assert_null(r->btf_tmp_path);
	eunomia_runner__free(r);
	eunomia_package__free(pkg);
}

static void test_explicit_btf_wins(void **state)
{
	EUNOMIA_OPTS(runner, ro, .print = capture, .kernel_btf_path = "/nonexistent/vmlinux",
		     .btf_path = "/sys/kernel/btf/vmlinux");
	struct eunomia_package *pkg = open_pkg(tar_path);
	struct eunomia_runner *r;

	write_os_release("otheros", "7");
	r = eunomia_runner__open(pkg, &ro);
	assert_non_null(r);
	assert_null(r->btf_tmp_path);
	eunomia_runner__free(r);

	ro.btf_path = NULL;
	setenv("BTF_FILE_PATH", "/sys/kernel/btf/vmlinux", 1);
	r = eunomia_runner__open(pkg, &ro);
	assert_non_null(r);
	assert_null(r->btf_tmp_path);
	eunomia_runner__free(r);
	unsetenv("BTF_FILE_PATH");
	eunomia_package__free(pkg);
}

static void test_lifecycle_order(void **state)
{
	EUNOMIA_OPTS(runner, ro, .print = capture);
	struct eunomia_package *pkg = open_pkg(json_path);
	struct eunomia_runner *r;

	eunomia_runner__free(NULL);
	assert_int_equal(eunomia_runner__load(NULL), -EINVAL);
	r = eunomia_runner__open(pkg, &ro);
	assert_non_null(r);
	assert_non_null(eunomia_runner__bpf_object(r));
	assert_int_equal(eunomia_runner__attach(r), -EUNOMIA_ERR_STATE);
	assert_int_equal(eunomia_runner__poll(r, 0), -EUNOMIA_ERR_STATE);
	assert_int_equal(eunomia_runner__detach(r), 0);
	assert_int_equal(eunomia_runner__lost_events(r), 0);
	/* metrics: only once loaded */
	assert_int_equal(eunomia_runner__metrics(NULL, stdout, NULL), -EINVAL);
	assert_int_equal(eunomia_runner__metrics(r, NULL, NULL), -EINVAL);
	assert_int_equal(eunomia_runner__metrics(r, stdout, NULL), -EUNOMIA_ERR_STATE);
	assert_int_equal(eunomia_runner__map_stats(r, NULL, 0), 0);
	eunomia_runner__free(r);
	eunomia_package__free(pkg);
}

static void test_run_duration_stop_detach(void **state)
{
	EUNOMIA_OPTS(runner, ro, .print = capture, .duration_ms = 200);
	struct eunomia_package *pkg;
	struct eunomia_runner *r;
	uint64_t t0, ms;

	if (geteuid() != 0 || access("/sys/kernel/tracing/events", F_OK)) {
		skip();
		return;
	}
	pkg = open_pkg(json_path);
	r = eunomia_runner__open(pkg, &ro);
	assert_non_null(r);
	assert_int_equal(eunomia_runner__load(r), 0);
	assert_int_equal(eunomia_runner__load(r), -EUNOMIA_ERR_STATE);
	assert_int_equal(eunomia_runner__attach(r), 1);
	assert_int_equal(eunomia_runner__attach(r), -EUNOMIA_ERR_STATE);
	t0 = eun_now_ns();
	assert_int_equal(eunomia_runner__run(r), 0);
	ms = (eun_now_ns() - t0) / 1000000;
	/* not before the duration (an upper bound would only measure the machine's load: timing
	 * figures live in `make bench`; a run that never ends fails by the suite's timeout) */
	assert_true(ms >= 150);
	assert_int_equal(eunomia_runner__poll(r, 10), -ETIME);
	eunomia_runner__stop(r);
	assert_int_equal(eunomia_runner__poll(r, 10), -EINTR);
	assert_int_equal(eunomia_runner__detach(r), 0);
	assert_int_equal(r->nr_att, 0);
	assert_int_equal(eunomia_runner__detach(r), 0); /* idempotent */
	{
		/* the hash map as a gauge family, labelled by its key; OpenMetrics ends in # EOF */
		EUNOMIA_OPTS(metrics, mo, .openmetrics = true, .labels = "x=\"1\"");
		char want[128], *buf = NULL;
		size_t len = 0;
		FILE *f = open_memstream(&buf, &len);
		int tgid = getpid();

		assert_non_null(f);
		assert_int_equal(
			bpf_map_update_elem(bpf_map__fd(bpf_object__find_map_by_name(
						    eunomia_runner__bpf_object(r), "core_tgids")),
					    &tgid, &tgid, BPF_ANY),
			0);
		assert_int_equal(eunomia_runner__metrics(r, f, &mo), 0);
		fclose(f);
		assert_non_null(strstr(buf, "# TYPE unit_core_tgids gauge\n"));
		snprintf(want, sizeof(want), "unit_core_tgids{x=\"1\",key=\"%d\"} %d\n", tgid,
			 tgid);
		assert_non_null(strstr(buf, want));
		assert_true(len >= 6 && !strcmp(buf + len - 6, "# EOF\n"));
		free(buf);
	}
	eunomia_runner__free(r);
	eunomia_package__free(pkg);
}

static void test_stop_before_run(void **state)
{
	EUNOMIA_OPTS(runner, ro, .print = capture);
	struct eunomia_package *pkg;
	struct eunomia_runner *r;

	if (geteuid() != 0 || access("/sys/kernel/tracing/events", F_OK)) {
		skip();
		return;
	}
	pkg = open_pkg(json_path);
	r = eunomia_runner__open(pkg, &ro);
	assert_non_null(r);
	assert_int_equal(eunomia_runner__load(r), 0);
	assert_int_equal(eunomia_runner__attach(r), 1);
	eunomia_runner__stop(r);
	assert_int_equal(eunomia_runner__run(r), 0); /* returns at once */
	eunomia_runner__free(r);
	eunomia_package__free(pkg);
}

/* Kernel id of a bpf_link's fd, or 0. */
/* Read `int counter` (first variable of .bss) of a runner's object from the kernel. */
static int bss_counter(struct eunomia_runner *r)
{
	struct bpf_map *m;
	unsigned char val[64] = {0};
	uint32_t key = 0;
	int c;

	bpf_object__for_each_map(m, eunomia_runner__bpf_object(r)) {
		const char *n = bpf_map__name(m);
		size_t len = strlen(n);

		if (len > 4 && !strcmp(n + len - 4, ".bss") &&
		    bpf_map__value_size(m) <= sizeof(val) &&
		    !bpf_map_lookup_elem(bpf_map__fd(m), &key, val)) {
			memcpy(&c, val, sizeof(c));
			return c;
		}
	}
	return -1;
}

/* Two runners of one package in one process (what `ecli server` will do): separate objects,
 * separate maps and links; freeing one leaves the other attached and counting. */
static void test_two_runners_in_one_process(void **state)
{
	EUNOMIA_OPTS(runner, ro, .print = capture);
	struct eunomia_package *pkg;
	struct eunomia_runner *a, *b;
	int i, ca, cb;

	if (geteuid() != 0 || access("/sys/kernel/tracing/events", F_OK)) {
		skip();
		return;
	}
	pkg = open_pkg(json_path);
	a = eunomia_runner__open(pkg, &ro);
	b = eunomia_runner__open(pkg, &ro);
	assert_non_null(a);
	assert_non_null(b);
	assert_ptr_not_equal(eunomia_runner__bpf_object(a), eunomia_runner__bpf_object(b));
	assert_int_equal(eunomia_runner__load(a), 0);
	assert_int_equal(eunomia_runner__load(b), 0);
	assert_int_equal(eunomia_runner__attach(a), 1);
	assert_int_equal(eunomia_runner__attach(b), 1);
	for (i = 0; i < 100; i++)
		syscall(SYS_getpid);
	ca = bss_counter(a);
	cb = bss_counter(b);
	assert_true(ca >= 100);
	assert_true(cb >= 100);
	eunomia_runner__free(a);
	for (i = 0; i < 100; i++)
		syscall(SYS_getpid);
	assert_true(bss_counter(b) >= cb + 100);
	eunomia_runner__free(b);
	eunomia_package__free(pkg);
}

static uint32_t link_id(struct bpf_link *link)
{
	struct bpf_link_info info;
	uint32_t len = sizeof(info);

	memset(&info, 0, sizeof(info));
	if (bpf_obj_get_info_by_fd(bpf_link__fd(link), &info, &len))
		return 0;
	return info.id;
}

static void test_detach_many_links_concurrently(void **state)
{
	EUNOMIA_OPTS(runner, ro, .print = capture);
	struct eunomia_package *pkg;
	struct eunomia_runner *r;
	uint32_t ids[6];
	size_t i;

	if (geteuid() != 0 || access("/sys/kernel/tracing/events", F_OK)) {
		skip();
		return;
	}
	pkg = open_pkg(many_path);
	r = eunomia_runner__open(pkg, &ro);
	assert_non_null(r);
	assert_int_equal(eunomia_runner__load(r), 0);
	assert_int_equal(eunomia_runner__attach(r), 6);
	assert_int_equal(r->nr_att, 6);
	for (i = 0; i < 6; i++) {
		assert_int_equal(r->att[i].kind, EUN_ATT_LINK);
		ids[i] = link_id(r->att[i].link);
		assert_true(ids[i] > 0);
	}
	assert_int_equal(eunomia_runner__detach(r), 0);
	assert_int_equal(r->nr_att, 0);
	assert_null(r->att);
	/* every link is gone from the kernel once detach has returned */
	for (i = 0; i < 6; i++) {
		int fd, err;

		errno = 0;
		fd = bpf_link_get_fd_by_id(ids[i]);
		err = fd < 0 ? errno : 0;
		if (fd >= 0)
			close(fd);
		/* gone, not merely unreadable (EPERM would also give fd < 0) */
		assert_int_equal(err, ENOENT);
	}
	assert_int_equal(eunomia_runner__detach(r), 0); /* idempotent */
	eunomia_runner__free(r);
	eunomia_package__free(pkg);
}

/* A host program's own libbpf print hook, installed before any runner. */
static char hostbuf[16384];
static int host_print(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	size_t n = strlen(hostbuf);

	if (n + 1 < sizeof(hostbuf))
		vsnprintf(hostbuf + n, sizeof(hostbuf) - n, fmt, ap);
	return 0;
}

/* A runner routes libbpf's messages it causes to its own callback, and leaves the host's hook
 * in charge of everything else (libbpf_set_print is chained, not replaced). */
static void test_libbpf_print_chained(void **state)
{
	EUNOMIA_OPTS(runner, ro, .print = capture, .verbose = true);
	libbpf_print_fn_t old = libbpf_set_print(host_print);
	struct eunomia_package *pkg = open_pkg(json_path);
	struct bpf_object *obj;
	struct eunomia_runner *r;

	hostbuf[0] = '\0';
	logbuf[0] = '\0';
	r = eunomia_runner__open(pkg, &ro);
	assert_non_null(r);
	/* the runner's own open: libbpf's debug lines went to the runner only */
	assert_non_null(strstr(logbuf, "libbpf: "));
	assert_null(strstr(hostbuf, "unit_bpf"));
	/* libbpf used directly by the host while the runner exists: the host's hook gets it */
	logbuf[0] = '\0';
	obj = bpf_object__open_file("/nonexistent/eun-host.bpf.o", NULL);
	assert_null(obj);
	assert_non_null(strstr(hostbuf, "/nonexistent/eun-host.bpf.o"));
	assert_null(strstr(logbuf, "eun-host"));
	eunomia_runner__free(r);
	eunomia_package__free(pkg);
	libbpf_set_print(old);
}

/* Wait for a minimal-BTF cache entry under dir (tries x 0.1 s): the BTF, or the ".none"
 * marker written for an object without CO-RE relocations; true when one appeared. */
static bool cache_entry_appears(const char *dir, int tries)
{
	char cmd[1400];

	snprintf(cmd, sizeof(cmd),
		 "for f in %s/*/*.btf %s/*/*.none; do [ -e \"$f\" ] && exit 0; done; exit 1", dir,
		 dir);
	for (int i = 0; i < tries; i++) {
		if (system(cmd) == 0)
			return true;
		usleep(100 * 1000);
	}
	return false;
}

/* The library never forks bpftool on its own (not in poll, not in free): the cache is
 * filled when the caller asks, after a load that missed it. */
static void test_btf_cache_filled_only_on_request(void **state)
{
	char dir[600];
	EUNOMIA_OPTS(runner, ro, .print = capture, .btf_cache_dir = dir);
	struct eunomia_package *pkg;
	struct eunomia_runner *r;

	if (geteuid() != 0 || access("/sys/kernel/btf/vmlinux", R_OK)) {
		skip();
		return;
	}
	snprintf(dir, sizeof(dir), "%s/cache-on-request", tmpdir);
	pkg = open_pkg(json_path);
	r = eunomia_runner__open(pkg, &ro);
	assert_non_null(r);
	assert_int_equal(eunomia_runner__fill_btf_cache(r), 0); /* not loaded: nothing */
	assert_int_equal(eunomia_runner__load(r), 0);
	for (int i = 0; i < 3; i++)
		assert_true(eunomia_runner__poll(r, 10) >= 0);
	eunomia_runner__free(r);
	assert_false(cache_entry_appears(dir, 5));
	/* asked for: the entry is made in the background */
	r = eunomia_runner__open(pkg, &ro);
	assert_non_null(r);
	assert_int_equal(eunomia_runner__load(r), 0);
	assert_int_equal(eunomia_runner__fill_btf_cache(r), 0);
	assert_int_equal(eunomia_runner__fill_btf_cache(r), 0); /* once */
	eunomia_runner__free(r);
	assert_true(cache_entry_appears(dir, 300));
	eunomia_package__free(pkg);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_archive_used_without_kernel_btf),
		cmocka_unit_test(test_archive_garbage_btf_fails),
		cmocka_unit_test(test_archive_no_match_is_clear_error),
		cmocka_unit_test(test_kernel_btf_wins_over_archive),
		cmocka_unit_test(test_explicit_btf_wins),
		cmocka_unit_test(test_lifecycle_order),
		cmocka_unit_test(test_run_duration_stop_detach),
		cmocka_unit_test(test_stop_before_run),
		cmocka_unit_test(test_detach_many_links_concurrently),
		cmocka_unit_test(test_two_runners_in_one_process),
		cmocka_unit_test(test_libbpf_print_chained),
		cmocka_unit_test(test_btf_cache_filled_only_on_request),
	};

	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
