// SPDX-License-Identifier: MIT
/*
 * common/: whole-file reads and atomic writes (fileio.c), PATH lookup, hex and identifiers
 * (util.c), the BTF walks (btfutil.c) on BTF built with libbpf, and the dlopen shim (dl.c) on
 * the real libc.
 */
#include <bpf/btf.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "common/btfutil.h"
#include "common/dl.h"
#include "common/fileio.h"
#include "common/strbuf.h"
#include "common/util.h"

struct tmp {
	char dir[1024];
	char path[2048];
};

static int tmp_setup(void **state)
{
	struct tmp *t = calloc(1, sizeof(*t));
	const char *base = getenv("TMPDIR");

	if (!t)
		return -1;
	snprintf(t->dir, sizeof(t->dir), "%s/test_common.XXXXXX", base && *base ? base : "/tmp");
	if (!mkdtemp(t->dir)) {
		free(t);
		return -1;
	}
	*state = t;
	return 0;
}

static int tmp_teardown(void **state)
{
	struct tmp *t = *state;
	char p[sizeof(t->dir) + 300];
	struct dirent *e;
	DIR *d = opendir(t->dir);

	while (d && (e = readdir(d))) {
		if (e->d_name[0] == '.' && (!e->d_name[1] || !strcmp(e->d_name, "..")))
			continue;
		snprintf(p, sizeof(p), "%s/%s", t->dir, e->d_name);
		if (unlink(p))
			rmdir(p);
	}
	if (d)
		closedir(d);
	rmdir(t->dir);
	free(t);
	return 0;
}

static const char *tpath(struct tmp *t, const char *name)
{
	snprintf(t->path, sizeof(t->path), "%s/%s", t->dir, name);
	return t->path;
}

static size_t dir_entries(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	size_t n = 0;

	assert_non_null(d);
	while ((e = readdir(d)))
		if (strcmp(e->d_name, ".") && strcmp(e->d_name, ".."))
			n++;
	closedir(d);
	return n;
}

static void test_read_file(void **state)
{
	struct tmp *t = *state;
	struct strbuf sb = STRBUF_INIT;
	char big[200000], target[PATH_MAX];

	for (size_t i = 0; i < sizeof(big); i++)
		big[i] = (char)('a' + i % 26);
	assert_int_equal(eun_write_file_atomic(tpath(t, "big"), big, sizeof(big), 0644), 0);
	/* larger than one read: every byte, NUL-terminated */
	assert_int_equal(eun_read_file(t->path, 0, 0, &sb), 0);
	assert_int_equal(sb.len, sizeof(big));
	assert_memory_equal(sb.buf, big, sizeof(big));
	assert_int_equal(sb.buf[sb.len], '\0');
	/* appends */
	assert_int_equal(eun_read_file(t->path, 0, 0, &sb), 0);
	assert_int_equal(sb.len, 2 * sizeof(big));
	sb_reset(&sb);
	/* the limit: exactly max is fine, one byte less is -EFBIG */
	assert_int_equal(eun_read_file(t->path, 0, sizeof(big), &sb), 0);
	sb_reset(&sb);
	assert_int_equal(eun_read_file(t->path, 0, sizeof(big) - 1, &sb), -EFBIG);
	sb_reset(&sb);
	/* an empty file reads as "" */
	assert_int_equal(eun_write_file_atomic(tpath(t, "empty"), "", 0, 0644), 0);
	assert_int_equal(eun_read_file(t->path, 0, 0, &sb), 0);
	assert_int_equal(sb.len, 0);
	assert_string_equal(sb_str(&sb), "");
	assert_int_equal(eun_read_file(tpath(t, "missing"), 0, 0, &sb), -ENOENT);
	/* extra flags reach open(2): O_NOFOLLOW refuses a symlink */
	snprintf(target, sizeof(target), "%s", tpath(t, "big"));
	assert_int_equal(symlink(target, tpath(t, "link")), 0);
	assert_int_equal(eun_read_file(t->path, O_NOFOLLOW, 0, &sb), -ELOOP);
	assert_int_equal(eun_read_file(t->path, 0, 0, &sb), 0);
	assert_int_equal(sb.len, sizeof(big));
	sb_free(&sb);
}

static void test_read_fd_pipe(void **state)
{
	struct strbuf sb = STRBUF_INIT;
	int p[2];

	(void)state;
	/* a pipe: no size to go by, read until end of file */
	assert_int_equal(pipe(p), 0);
	assert_int_equal(eun_write_all(p[1], "hello, ", 7), 0);
	assert_int_equal(eun_write_all(p[1], "pipe", 4), 0);
	close(p[1]);
	assert_int_equal(eun_read_fd(p[0], 0, &sb), 0);
	close(p[0]);
	assert_string_equal(sb_str(&sb), "hello, pipe");
	sb_free(&sb);
}

static void test_write_atomic(void **state)
{
	struct tmp *t = *state;
	struct strbuf sb = STRBUF_INIT;
	struct stat st;

	assert_int_equal(eun_write_file_atomic(tpath(t, "f"), "one", 3, 0640), 0);
	assert_int_equal(stat(t->path, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0640);
	/* replaces, with the new mode; no temporary is left beside it */
	assert_int_equal(eun_write_file_atomic(t->path, "second", 6, 0604), 0);
	assert_int_equal(eun_read_file(t->path, 0, 0, &sb), 0);
	assert_string_equal(sb_str(&sb), "second");
	assert_int_equal(stat(t->path, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0604);
	assert_int_equal(dir_entries(t->dir), 1);
	/* a missing directory: the error, and nothing created */
	assert_int_equal(eun_write_file_atomic(tpath(t, "no/such/f"), "x", 1, 0644), -ENOENT);
	/* a directory where the file should go: rename fails, the temporary is removed */
	assert_int_equal(mkdir(tpath(t, "d"), 0755), 0);
	assert_int_equal(eun_write_file_atomic(t->path, "x", 1, 0644), -EISDIR);
	assert_int_equal(dir_entries(t->dir), 2);
	sb_free(&sb);
}

static void test_find_program(void **state)
{
	struct tmp *t = *state;
	char out[PATH_MAX], want[PATH_MAX], cwd[PATH_MAX], *old = getenv("PATH");
	char *saved = old ? strdup(old) : NULL;

	assert_int_equal(eun_write_file_atomic(tpath(t, "tool"), "#!/bin/sh\n", 10, 0755), 0);
	snprintf(want, sizeof(want), "%s", t->path);
	assert_int_equal(eun_write_file_atomic(tpath(t, "data"), "x", 1, 0644), 0);
	assert_int_equal(mkdir(tpath(t, "dirx"), 0755), 0);

	setenv("PATH", "/nonexistent:", 1);
	assert_int_equal(eun_find_program("tool", out, sizeof(out)), -ENOENT);
	setenv("PATH", t->dir, 1);
	assert_int_equal(eun_find_program("tool", out, sizeof(out)), 0);
	assert_string_equal(out, want);
	/* not executable, or not a regular file: not a program */
	assert_int_equal(eun_find_program("data", out, sizeof(out)), -ENOENT);
	assert_int_equal(eun_find_program("dirx", out, sizeof(out)), -ENOENT);
	/* an empty entry is the current directory */
	assert_non_null(getcwd(cwd, sizeof(cwd)));
	assert_int_equal(chdir(t->dir), 0);
	setenv("PATH", "/nonexistent::/also-not", 1);
	assert_int_equal(eun_find_program("tool", out, sizeof(out)), 0);
	assert_string_equal(out, "./tool");
	assert_int_equal(chdir(cwd), 0);
	/* a name with a slash is taken as it is */
	assert_int_equal(eun_find_program(want, out, sizeof(out)), 0);
	assert_string_equal(out, want);
	assert_int_equal(eun_find_program("/nonexistent/tool", out, sizeof(out)), -ENOENT);
	/* too small a buffer for the only match */
	setenv("PATH", t->dir, 1);
	assert_int_equal(eun_find_program("tool", out, 8), -ENOENT);
	if (saved)
		setenv("PATH", saved, 1);
	else
		unsetenv("PATH");
	free(saved);
}

static void test_hex_ident(void **state)
{
	static const unsigned char bytes[] = {0x00, 0x01, 0x7f, 0x80, 0xab, 0xff};
	char out[2 * sizeof(bytes) + 1];

	(void)state;
	assert_ptr_equal(eun_hex_encode(out, bytes, sizeof(bytes)), out + 2 * sizeof(bytes));
	assert_string_equal(out, "00017f80abff");
	assert_ptr_equal(eun_hex_encode(out, bytes, 0), out);
	assert_string_equal(out, "");

	assert_true(eun_is_ident("event"));
	assert_true(eun_is_ident("_x9"));
	assert_false(eun_is_ident("9x"));
	assert_false(eun_is_ident(""));
	assert_false(eun_is_ident(NULL));
	assert_false(eun_is_ident("a-b"));
	assert_false(eun_is_ident("a b"));
	assert_false(eun_is_ident("\xc3\xa9t\xc3\xa9"));
}

static void test_btf_skip(void **state)
{
	struct btf *btf = btf__new_empty();
	const struct btf_type *t;
	int i32, td, c, v, tag, ptr;
	uint32_t id = 99;

	(void)state;
	assert_non_null(btf);
	i32 = btf__add_int(btf, "int", 4, BTF_INT_SIGNED);
	td = btf__add_typedef(btf, "pid_t", i32);
	c = btf__add_const(btf, td);
	v = btf__add_volatile(btf, c);
	tag = btf__add_type_tag(btf, "user", v);
	ptr = btf__add_ptr(btf, tag);
	assert_true(i32 > 0 && td > 0 && c > 0 && v > 0 && tag > 0 && ptr > 0);

	/* qualifiers only: stops at the typedef */
	t = eun_btf_skip(btf, tag, EUN_BTF_SKIP_QUALS, &id);
	assert_non_null(t);
	assert_int_equal(id, td);
	assert_true(btf_is_typedef(t));
	/* and typedefs: the int */
	t = eun_btf_skip(btf, tag, EUN_BTF_SKIP_QUALS | EUN_BTF_SKIP_TYPEDEFS, &id);
	assert_int_equal(id, i32);
	assert_true(btf_is_int(t));
	assert_int_equal(eun_btf_skip_mods(btf, tag), i32);
	/* nothing to skip: the type itself; a pointer is not stepped through */
	assert_ptr_equal(eun_btf_skip(btf, ptr, EUN_BTF_SKIP_QUALS, &id),
			 btf__type_by_id(btf, ptr));
	assert_int_equal(id, ptr);
	/* typedefs only: a qualifier stops it */
	eun_btf_skip(btf, c, EUN_BTF_SKIP_TYPEDEFS, &id);
	assert_int_equal(id, c);
	/* void and a bad id */
	assert_non_null(eun_btf_skip(btf, 0, EUN_BTF_SKIP_QUALS, &id));
	assert_int_equal(id, 0);
	id = 99;
	assert_null(eun_btf_skip(btf, 1000, EUN_BTF_SKIP_QUALS, &id));
	assert_int_equal(id, 0);
	assert_int_equal(eun_btf_skip_mods(btf, 1000), 0);
	btf__free(btf);
}

static void test_btf_skip_decl_tag_and_loop(void **state)
{
	struct btf *btf = btf__new_empty();
	struct btf_type *t;
	int i32, c1, c2, tag;
	uint32_t id = 99;

	(void)state;
	i32 = btf__add_int(btf, "int", 4, BTF_INT_SIGNED);
	tag = btf__add_decl_tag(btf, "doc", i32, -1);
	assert_true(i32 > 0 && tag > 0);
	eun_btf_skip(btf, tag, EUN_BTF_SKIP_QUALS, &id);
	assert_int_equal(id, tag);
	eun_btf_skip(btf, tag, EUN_BTF_SKIP_DECL_TAGS, &id);
	assert_int_equal(id, i32);
	/* a const pointing at a const pointing back: a loop, not a hang */
	c1 = btf__add_const(btf, i32);
	c2 = btf__add_const(btf, c1);
	assert_true(c1 > 0 && c2 > 0);
	t = (struct btf_type *)btf__type_by_id(btf, c1);
	t->type = c2;
	id = 99;
	assert_null(eun_btf_skip(btf, c2, EUN_BTF_SKIP_QUALS, &id));
	assert_int_equal(id, 0);
	btf__free(btf);
}

static void test_btf_enum(void **state)
{
	struct btf *btf = btf__new_empty();
	const struct btf_type *u, *s, *e64;
	int uid, sid, e64id;
	uint64_t v = 0;

	(void)state;
	/* unsigned 32-bit: 0xffffffff stays 0xffffffff */
	uid = btf__add_enum(btf, "state", 4);
	assert_true(uid > 0);
	assert_int_equal(btf__add_enum_value(btf, "IDLE", 0), 0);
	assert_int_equal(btf__add_enum_value(btf, "Busy", 7), 0);
	assert_int_equal(btf__add_enum_value(btf, "ALL", 0xffffffffLL), 0);
	/* signed 32-bit (a negative value sets kflag): -1 is sign-extended */
	sid = btf__add_enum(btf, "sgn", 4);
	assert_int_equal(btf__add_enum_value(btf, "NEG", -1), 0);
	assert_int_equal(btf__add_enum_value(btf, "POS", 2), 0);
	e64id = btf__add_enum64(btf, "wide", 8, false);
	assert_int_equal(btf__add_enum64_value(btf, "BIG", 0x100000000ULL), 0);
	u = btf__type_by_id(btf, uid);
	s = btf__type_by_id(btf, sid);
	e64 = btf__type_by_id(btf, e64id);
	assert_false(btf_kflag(u));
	assert_true(btf_kflag(s));

	assert_string_equal(eun_btf_enum_member(btf, u, 2, &v), "ALL");
	assert_int_equal(v, 0xffffffffULL);
	assert_string_equal(eun_btf_enum_member(btf, s, 0, &v), "NEG");
	assert_int_equal(v, UINT64_MAX);
	assert_string_equal(eun_btf_enum_member(btf, e64, 0, NULL), "BIG");

	/* by value, compared in the enum's size: the higher bits do not matter */
	assert_string_equal(eun_btf_enum_name(btf, u, 7), "Busy");
	assert_string_equal(eun_btf_enum_name(btf, u, 0xffffffffULL), "ALL");
	assert_string_equal(eun_btf_enum_name(btf, u, 0x1ffffffffULL), "ALL");
	assert_string_equal(eun_btf_enum_name(btf, s, (uint64_t)-1), "NEG");
	assert_string_equal(eun_btf_enum_name(btf, s, 0xffffffffULL), "NEG");
	assert_null(eun_btf_enum_name(btf, u, 3));
	assert_string_equal(eun_btf_enum_name(btf, e64, 0x100000000ULL), "BIG");
	assert_null(eun_btf_enum_name(btf, e64, 0));

	/* by name: exact, or ignoring case when asked */
	assert_int_equal(eun_btf_enum_value(btf, u, "Busy", false, &v), 0);
	assert_int_equal(v, 7);
	assert_int_equal(eun_btf_enum_value(btf, u, "busy", false, &v), -ENOENT);
	assert_int_equal(eun_btf_enum_value(btf, u, "busy", true, &v), 0);
	assert_int_equal(v, 7);
	assert_int_equal(eun_btf_enum_value(btf, s, "NEG", false, &v), 0);
	assert_int_equal(v, UINT64_MAX);
	assert_int_equal(eun_btf_enum_value(btf, e64, "BIG", false, &v), 0);
	assert_int_equal(v, 0x100000000ULL);
	assert_int_equal(eun_btf_enum_value(btf, s, "nope", true, &v), -ENOENT);
	btf__free(btf);
}

static void test_dl_load(void **state)
{
	size_t (*my_strlen)(const char *) = NULL;
	void *nothing = NULL;
	const struct eun_dl_sym good[] = {{"strlen", (void **)&my_strlen}};
	const struct eun_dl_sym bad[] = {{"strlen", (void **)&my_strlen},
					 {"eun_no_such_symbol", &nothing}};
	char buf[128];

	(void)state;
	assert_null(eun_dl_load("libc.so.6", good, 1, buf, sizeof(buf)));
	assert_non_null(my_strlen);
	assert_int_equal(my_strlen("four"), 4);
	assert_string_equal(eun_dl_load("libc.so.6", bad, 2, buf, sizeof(buf)),
			    "libc.so.6: eun_no_such_symbol");
	assert_string_equal(eun_dl_load("libeun-no-such.so.0", good, 1, buf, sizeof(buf)),
			    "libeun-no-such.so.0");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_read_file, tmp_setup, tmp_teardown),
		cmocka_unit_test(test_read_fd_pipe),
		cmocka_unit_test_setup_teardown(test_write_atomic, tmp_setup, tmp_teardown),
		cmocka_unit_test_setup_teardown(test_find_program, tmp_setup, tmp_teardown),
		cmocka_unit_test(test_hex_ident),
		cmocka_unit_test(test_btf_skip),
		cmocka_unit_test(test_btf_skip_decl_tag_and_loop),
		cmocka_unit_test(test_btf_enum),
		cmocka_unit_test(test_dl_load),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
