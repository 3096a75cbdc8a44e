// SPDX-License-Identifier: MIT
/*
 * Minimal-BTF cache tests, against the running kernel's BTF and the real bpftool:
 * miss -> store -> hit; another kernel identity misses; the stored BTF parses and libbpf
 * loads the object with it as btf_custom_path (CO-RE values checked in the kernel); objects
 * that must not use the cache are refused; untrusted entries are ignored; bpftool missing
 * fails softly without leftovers; the background store finishes on its own.
 * BPF objects are compiled with clang at set-up (no vmlinux.h: preserve_access_index types).
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include <bpf/bpf.h>
#include <bpf/btf.h>
#include <bpf/libbpf.h>

#include "tests/unit/test_util.h"
#include "common/strbuf.h"
#include "loader/btfcache.h"
#include "packer/package.h"

static char tmpdir[] = "/tmp/eun-test-btfcache-XXXXXX";
static char cache[600];
static bool have_kbtf;

struct obj {
	const char *name;
	const char *src;
	void *elf;
	size_t size;
	char sha[65];
};

/* CO-RE: task->real_parent->tgid, keyed by the current tgid. */
static struct obj core_obj = {
	.name = "core",
	.src = "#include <linux/bpf.h>\n"
	       "#include <bpf/bpf_helpers.h>\n"
	       "#include <bpf/bpf_core_read.h>\n"
	       "struct task_struct { int tgid; struct task_struct *real_parent; }\n"
	       "	__attribute__((preserve_access_index));\n"
	       "struct { __uint(type, BPF_MAP_TYPE_HASH); __uint(max_entries, 64);\n"
	       "	__type(key, int); __type(value, int); } ppids SEC(\".maps\");\n"
	       "SEC(\"tp/syscalls/sys_enter_getppid\")\n"
	       "int eun_btfc_core(void *ctx)\n"
	       "{\n"
	       "	struct task_struct *t = (void *)bpf_get_current_task();\n"
	       "	int tgid = BPF_CORE_READ(t, tgid);\n"
	       "	int ppid = BPF_CORE_READ(t, real_parent, tgid);\n"
	       "	bpf_map_update_elem(&ppids, &tgid, &ppid, BPF_ANY);\n"
	       "	return 0;\n"
	       "}\n"
	       "char LICENSE[] SEC(\"license\") = \"GPL\";\n",
};

/* No CO-RE relocation: nothing to gain. */
static struct obj plain_obj = {
	.name = "plain",
	.src = "#include <linux/bpf.h>\n"
	       "#include <bpf/bpf_helpers.h>\n"
	       "int n;\n"
	       "SEC(\"tp/syscalls/sys_enter_getppid\")\n"
	       "int eun_btfc_plain(void *ctx) { __sync_fetch_and_add(&n, 1); return 0; }\n"
	       "char LICENSE[] SEC(\"license\") = \"GPL\";\n",
};

/* CO-RE plus a tp_btf program: libbpf needs the kernel BTF anyway. */
static struct obj tpbtf_obj = {
	.name = "tpbtf",
	.src = "#include <linux/bpf.h>\n"
	       "#include <bpf/bpf_helpers.h>\n"
	       "#include <bpf/bpf_core_read.h>\n"
	       "struct task_struct { int tgid; } __attribute__((preserve_access_index));\n"
	       "int last;\n"
	       "SEC(\"tp_btf/sched_process_fork\")\n"
	       "int eun_btfc_tpbtf(unsigned long long *ctx)\n"
	       "{\n"
	       "	struct task_struct *t = (void *)bpf_get_current_task();\n"
	       "	last = BPF_CORE_READ(t, tgid);\n"
	       "	return 0;\n"
	       "}\n"
	       "char LICENSE[] SEC(\"license\") = \"GPL\";\n",
};

/* CO-RE on a type no kernel has: resolution must stay libbpf's own business. */
static struct obj missing_obj = {
	.name = "missing",
	.src = "#include <linux/bpf.h>\n"
	       "#include <bpf/bpf_helpers.h>\n"
	       "#include <bpf/bpf_core_read.h>\n"
	       "struct eun_no_such_type { int x; } __attribute__((preserve_access_index));\n"
	       "int seen;\n"
	       "SEC(\"tp/syscalls/sys_enter_getppid\")\n"
	       "int eun_btfc_missing(void *ctx)\n"
	       "{\n"
	       "	seen = bpf_core_type_exists(struct eun_no_such_type);\n"
	       "	return 0;\n"
	       "}\n"
	       "char LICENSE[] SEC(\"license\") = \"GPL\";\n",
};

static int build(struct obj *o)
{
	char src[600], out[600];

	snprintf(src, sizeof(src), "%s/%s.bpf.c", tmpdir, o->name);
	snprintf(out, sizeof(out), "%s/%s.bpf.o", tmpdir, o->name);
	if (test_write_text(src, o->src) || !(o->elf = test_compile_bpf(src, out, NULL, &o->size)))
		return -1;
	pkg_sha256_hex(o->elf, o->size, o->sha);
	return 0;
}

static int group_setup(void **state)
{
	if (!mkdtemp(tmpdir))
		return -1;
	snprintf(cache, sizeof(cache), "%s/cache", tmpdir);
	have_kbtf = access(EUN_BTFCACHE_KERNEL_BTF, R_OK) == 0;
	if (build(&core_obj) || build(&plain_obj) || build(&tpbtf_obj) || build(&missing_obj))
		return -1;
	return 0;
}

static int group_teardown(void **state)
{
	char cmd[700];

	snprintf(cmd, sizeof(cmd), "rm -rf %s", tmpdir);
	free(core_obj.elf);
	free(plain_obj.elf);
	free(tpbtf_obj.elf);
	free(missing_obj.elf);
	return system(cmd) ? -1 : 0;
}

/* Files left in the cache's per-kernel directories whose name starts with '.'. */
static int count_temp_files(void)
{
	DIR *d = opendir(cache), *k;
	struct dirent *e, *f;
	char path[1200];
	int n = 0;

	if (!d)
		return 0;
	while ((e = readdir(d))) {
		if (e->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "%s/%s", cache, e->d_name);
		k = opendir(path);
		if (!k)
			continue;
		while ((f = readdir(k)))
			if (f->d_name[0] == '.' && strcmp(f->d_name, ".") &&
			    strcmp(f->d_name, ".."))
				n++;
		closedir(k);
	}
	closedir(d);
	return n;
}

static void test_default_dir(void **state)
{
	char buf[512];

	setenv("EUNOMIA_BTF_CACHE_DIR", "/some/where", 1);
	assert_int_equal(eun_btfcache__default_dir(buf, sizeof(buf)), 0);
	assert_string_equal(buf, "/some/where");
	unsetenv("EUNOMIA_BTF_CACHE_DIR");
	assert_int_equal(eun_btfcache__default_dir(buf, sizeof(buf)), 0);
	if (geteuid() == 0)
		assert_string_equal(buf, "/var/cache/eunomia/btf");
	else
		assert_non_null(strstr(buf, "/eunomia/btf"));
	assert_int_equal(eun_btfcache__default_dir(buf, 4), -ENAMETOOLONG);
}

static void test_kernel_id(void **state)
{
	char a[1024], b[1024];
	struct utsname un;

	if (!have_kbtf)
		skip();
	uname(&un);
	assert_int_equal(eun_btfcache__kernel_id(NULL, a, sizeof(a)), 0);
	assert_int_equal(eun_btfcache__kernel_id(EUN_BTFCACHE_KERNEL_BTF, b, sizeof(b)), 0);
	assert_string_equal(a, b);
	assert_non_null(strstr(a, un.release));
	assert_non_null(strstr(a, "btf_size="));
	assert_int_equal(eun_btfcache__kernel_id("/nonexistent/vmlinux", a, sizeof(a)), -ENOENT);
}

static void test_bad_args(void **state)
{
	char path[512];

	assert_int_equal(eun_btfcache__lookup(cache, "abc", path, sizeof(path)), -EINVAL);
	assert_int_equal(eun_btfcache__lookup(NULL, core_obj.sha, path, sizeof(path)), -EINVAL);
	assert_int_equal(eun_btfcache__store(cache, core_obj.elf, core_obj.size, "ABC"), -EINVAL);
	assert_int_equal(eun_btfcache__store(cache, NULL, 0, core_obj.sha), -EINVAL);
}

static void test_miss_store_hit(void **state)
{
	struct eun_btfcache_opts other = {.kernel_id = "release=0.0.0-other\nversion=#1\n"};
	char path[1024], idpath[1100];
	struct btf *btf;
	struct stat st;
	size_t mine_sz;
	char *mine;
	FILE *f;

	if (!have_kbtf)
		skip();
	assert_int_equal(eun_btfcache__lookup(cache, core_obj.sha, path, sizeof(path)), -ENOENT);
	assert_int_equal(eun_btfcache__store(cache, core_obj.elf, core_obj.size, core_obj.sha), 0);
	assert_int_equal(eun_btfcache__lookup(cache, core_obj.sha, path, sizeof(path)), 0);
	assert_int_equal(stat(path, &st), 0);
	assert_true(st.st_size > 0);
	/* tiny next to the 5 MiB kernel BTF, and holding the relocated types */
	assert_true(st.st_size < 64 * 1024);
	btf = btf__parse(path, NULL);
	assert_non_null(btf);
	assert_true(btf__find_by_name_kind(btf, "task_struct", BTF_KIND_STRUCT) > 0);
	btf__free(btf);
	assert_int_equal(count_temp_files(), 0);

	/* another kernel (release, version, BTF size/mtime ...) never sees this entry */
	assert_int_equal(eun_btfcache__lookup_opts(cache, core_obj.sha, path, sizeof(path), &other),
			 -ENOENT);
	/* the directory this kernel's lookups visit, claimed by another identity (a hash
	 * collision, or an old entry): the identity comparison makes it a miss */
	snprintf(idpath, sizeof(idpath), "%s", path);
	*strrchr(idpath, '/') = '\0';
	strcat(idpath, "/identity");
	assert_non_null(mine = test_slurp(idpath, &mine_sz));
	assert_int_equal(test_write_text(idpath, other.kernel_id), 0);
	assert_int_equal(eun_btfcache__lookup(cache, core_obj.sha, path, sizeof(path)), -ENOENT);
	/* ... and no store writes into it */
	assert_int_equal(eun_btfcache__store(cache, core_obj.elf, core_obj.size, core_obj.sha),
			 -EEXIST);
	f = fopen(idpath, "w");
	assert_non_null(f);
	assert_int_equal(fwrite(mine, 1, mine_sz, f), mine_sz);
	assert_int_equal(fclose(f), 0);
	free(mine);
	assert_int_equal(eun_btfcache__lookup(cache, core_obj.sha, path, sizeof(path)), 0);
	/* another object neither */
	assert_int_equal(eun_btfcache__lookup(cache, plain_obj.sha, path, sizeof(path)), -ENOENT);
	/* a path buffer too small is an error, not a truncated path */
	assert_int_equal(eun_btfcache__lookup(cache, core_obj.sha, path, 20), -ENAMETOOLONG);
}

static void test_other_kernel_store(void **state)
{
	struct eun_btfcache_opts other = {.kernel_id = "release=0.0.0-other\nversion=#2\n"};
	char path[1024], mine[1024];

	if (!have_kbtf)
		skip();
	/* an entry made under another identity lives apart from this kernel's */
	assert_int_equal(
		eun_btfcache__store_opts(cache, core_obj.elf, core_obj.size, core_obj.sha, &other),
		0);
	assert_int_equal(eun_btfcache__lookup_opts(cache, core_obj.sha, path, sizeof(path), &other),
			 0);
	if (eun_btfcache__lookup(cache, core_obj.sha, mine, sizeof(mine)) == 0)
		assert_string_not_equal(path, mine);
}

static void test_load_with_cached_btf(void **state)
{
	LIBBPF_OPTS(bpf_object_open_opts, oo);
	struct bpf_object *obj;
	struct bpf_link *link;
	struct bpf_map *map;
	char path[1024];
	int key = getpid(), val = 0;

	if (!have_kbtf || geteuid() != 0 || access("/sys/kernel/tracing/events", F_OK))
		skip();
	if (eun_btfcache__lookup(cache, core_obj.sha, path, sizeof(path)))
		assert_int_equal(
			eun_btfcache__store(cache, core_obj.elf, core_obj.size, core_obj.sha), 0);
	assert_int_equal(eun_btfcache__lookup(cache, core_obj.sha, path, sizeof(path)), 0);
	oo.btf_custom_path = path;
	obj = bpf_object__open_mem(core_obj.elf, core_obj.size, &oo);
	assert_non_null(obj);
	assert_false(eun_btfcache__needs_kernel_btf(obj));
	assert_int_equal(bpf_object__load(obj), 0);
	link = bpf_program__attach(bpf_object__find_program_by_name(obj, "eun_btfc_core"));
	assert_non_null(link);
	assert_true(getppid() > 0);
	map = bpf_object__find_map_by_name(obj, "ppids");
	assert_non_null(map);
	/* CO-RE offsets from the minimal BTF read the real parent's tgid */
	assert_int_equal(bpf_map__lookup_elem(map, &key, sizeof(key), &val, sizeof(val), 0), 0);
	assert_int_equal(val, getppid());
	bpf_link__destroy(link);
	bpf_object__close(obj);
}

static void test_refused_objects(void **state)
{
	struct bpf_object *obj;
	char path[1024];

	if (!have_kbtf)
		skip();
	assert_int_equal(eun_btfcache__lookup(cache, plain_obj.sha, path, sizeof(path)), -ENOENT);
	assert_int_equal(eun_btfcache__lookup(cache, tpbtf_obj.sha, path, sizeof(path)), -ENOENT);
	/* no CO-RE: libbpf does not read the kernel BTF anyway */
	assert_int_equal(eun_btfcache__store(cache, plain_obj.elf, plain_obj.size, plain_obj.sha),
			 -EOPNOTSUPP);
	/* tp_btf needs the kernel BTF for its attach target whatever the cache says */
	obj = bpf_object__open_mem(tpbtf_obj.elf, tpbtf_obj.size, NULL);
	assert_non_null(obj);
	assert_true(eun_btfcache__needs_kernel_btf(obj));
	bpf_object__close(obj);
	assert_int_equal(eun_btfcache__store(cache, tpbtf_obj.elf, tpbtf_obj.size, tpbtf_obj.sha),
			 -EOPNOTSUPP);
	/* a relocation target the kernel BTF lacks (maybe a module's): left to libbpf */
	assert_int_equal(
		eun_btfcache__store(cache, missing_obj.elf, missing_obj.size, missing_obj.sha),
		-EOPNOTSUPP);
	/* refusals are remembered: the next lookup says "do not store", not "miss" */
	assert_int_equal(eun_btfcache__lookup(cache, plain_obj.sha, path, sizeof(path)),
			 -EOPNOTSUPP);
	assert_int_equal(eun_btfcache__lookup(cache, tpbtf_obj.sha, path, sizeof(path)),
			 -EOPNOTSUPP);
	assert_int_equal(eun_btfcache__lookup(cache, missing_obj.sha, path, sizeof(path)),
			 -EOPNOTSUPP);
	assert_int_equal(count_temp_files(), 0);
}

static void test_untrusted_entry(void **state)
{
	char path[1024];

	if (!have_kbtf)
		skip();
	if (eun_btfcache__lookup(cache, core_obj.sha, path, sizeof(path)))
		assert_int_equal(
			eun_btfcache__store(cache, core_obj.elf, core_obj.size, core_obj.sha), 0);
	assert_int_equal(eun_btfcache__lookup(cache, core_obj.sha, path, sizeof(path)), 0);
	assert_int_equal(chmod(path, 0666), 0);
	assert_int_equal(eun_btfcache__lookup(cache, core_obj.sha, path, sizeof(path)), -EPERM);
	assert_int_equal(chmod(path, 0644), 0);
	assert_int_equal(eun_btfcache__lookup(cache, core_obj.sha, path, sizeof(path)), 0);
}

static void test_no_bpftool(void **state)
{
	struct eun_btfcache_opts o = {.bpftool = "/nonexistent/bpftool",
				      .kernel_id = "release=no-bpftool\n"};
	char path[1024];

	if (!have_kbtf)
		skip();
	assert_int_equal(
		eun_btfcache__store_opts(cache, core_obj.elf, core_obj.size, core_obj.sha, &o),
		-ENOENT);
	assert_int_equal(eun_btfcache__lookup_opts(cache, core_obj.sha, path, sizeof(path), &o),
			 -ENOENT);
	assert_int_equal(count_temp_files(), 0);
}

/*
 * The caller of store_async only waits for the intermediate child, never for bpftool: here
 * "bpftool" is a wrapper that waits (up to 60 s) for a gate file before running the real one.
 * store_async must return while it waits (a synchronous store would hang until the wrapper
 * gives up, and then store nothing); once the gate opens, the entry appears.
 */
static void test_store_async(void **state)
{
	struct eun_btfcache_opts o = {.kernel_id = "release=async-test\n"};
	char path[1024], tool[700], gate[700], script[2200];
	int i, fds[2];
	char c;

	if (!have_kbtf)
		skip();
	snprintf(tool, sizeof(tool), "%s/gated-bpftool", tmpdir);
	snprintf(gate, sizeof(gate), "%s/bpftool-gate", tmpdir);
	snprintf(script, sizeof(script),
		 "#!/bin/sh\n"
		 "i=0\n"
		 "while [ ! -e '%s' ]; do\n"
		 "	i=$((i + 1)); [ $i -gt 600 ] && exit 1; sleep 0.1\n"
		 "done\n"
		 "exec bpftool \"$@\"\n",
		 gate);
	assert_int_equal(test_write_text(tool, script), 0);
	assert_int_equal(chmod(tool, 0755), 0);
	o.bpftool = tool;
	assert_int_equal(eun_btfcache__lookup_opts(cache, core_obj.sha, path, sizeof(path), &o),
			 -ENOENT);
	/* a descriptor of ours (think: a bpf_link) the background worker must not keep open */
	assert_int_equal(pipe(fds), 0);
	assert_int_equal(
		eun_btfcache__store_async(cache, core_obj.elf, core_obj.size, core_obj.sha, &o), 0);
	/* returned while "bpftool" still waits at its gate: nothing stored yet */
	assert_int_equal(eun_btfcache__lookup_opts(cache, core_obj.sha, path, sizeof(path), &o),
			 -ENOENT);
	/* our write end closed: EOF at once, so no other process holds a copy */
	close(fds[1]);
	assert_int_equal(fcntl(fds[0], F_SETFL, O_NONBLOCK), 0);
	assert_int_equal(read(fds[0], &c, 1), 0);
	close(fds[0]);
	assert_int_equal(test_write_text(gate, ""), 0);
	for (i = 0; i < 600; i++) {
		if (eun_btfcache__lookup_opts(cache, core_obj.sha, path, sizeof(path), &o) == 0)
			break;
		usleep(50000);
	}
	assert_int_equal(eun_btfcache__lookup_opts(cache, core_obj.sha, path, sizeof(path), &o), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_default_dir),
		cmocka_unit_test(test_kernel_id),
		cmocka_unit_test(test_bad_args),
		cmocka_unit_test(test_miss_store_hit),
		cmocka_unit_test(test_other_kernel_store),
		cmocka_unit_test(test_load_with_cached_btf),
		cmocka_unit_test(test_refused_objects),
		cmocka_unit_test(test_untrusted_entry),
		cmocka_unit_test(test_no_bpftool),
		cmocka_unit_test(test_store_async),
	};

	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
