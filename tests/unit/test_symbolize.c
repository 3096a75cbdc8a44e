// SPDX-License-Identifier: MIT
/* Symbolisation: kallsyms tables (a fixture file and the running kernel's) and user frames
 * through libdwfl (this test binary's own functions, an exited process). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "loader/symbolize.h"

static char *write_fixture(const char *text)
{
	char *path = strdup("/tmp/eun-kallsyms-XXXXXX");
	int fd;

	assert_non_null(path);
	fd = mkstemp(path);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
	close(fd);
	return path;
}

static void test_kallsyms_fixture(void **state)
{
	/* out of order, data symbols, a module symbol */
	char *path = write_fixture("ffffffff81000200 T second\n"
				   "ffffffff81000100 T first\n"
				   "ffffffff81000180 D some_data\n"
				   "ffffffff81000300 t third_local\n"
				   "ffffffffc0001000 t mod_func\t[e1000]\n"
				   "garbage line\n");
	struct eun_ksyms *k;
	struct eun_frame f;
	bool hidden = true;
	int err = -1;

	(void)state;
	k = eun_ksyms__load(path, &hidden, &err);
	assert_non_null(k);
	assert_int_equal(err, 0);
	assert_false(hidden);
	assert_int_equal(eun_ksyms__count(k), 4); /* the data symbol is left out */

	assert_true(eun_ksyms__lookup(k, 0xffffffff81000100ull, &f));
	assert_string_equal(f.sym, "first");
	assert_int_equal(f.offset, 0);
	assert_string_equal(f.module, "kernel");
	/* inside first, past the data symbol: still first */
	assert_true(eun_ksyms__lookup(k, 0xffffffff810001f0ull, &f));
	assert_string_equal(f.sym, "first");
	assert_int_equal(f.offset, 0xf0);
	assert_true(eun_ksyms__lookup(k, 0xffffffff81000234ull, &f));
	assert_string_equal(f.sym, "second");
	assert_int_equal(f.offset, 0x34);
	assert_true(eun_ksyms__lookup(k, 0xffffffffc0001010ull, &f));
	assert_string_equal(f.sym, "mod_func");
	assert_string_equal(f.module, "e1000");
	/* below the first symbol */
	assert_false(eun_ksyms__lookup(k, 0xffffffff81000000ull, &f));
	assert_null(f.sym);
	assert_int_equal(f.addr, 0xffffffff81000000ull);
	eun_ksyms__free(k);
	unlink(path);
	free(path);
}

static void test_kallsyms_hidden(void **state)
{
	char *path = write_fixture("0000000000000000 T first\n0000000000000000 T second\n");
	struct eun_ksyms *k;
	struct eun_frame f;
	bool hidden = false;
	int err = -1;

	(void)state;
	k = eun_ksyms__load(path, &hidden, &err);
	assert_non_null(k);
	assert_true(hidden);
	assert_int_equal(eun_ksyms__count(k), 0);
	assert_false(eun_ksyms__lookup(k, 0xffffffff81000000ull, &f));
	eun_ksyms__free(k);
	unlink(path);
	free(path);

	k = eun_ksyms__load("/nonexistent/kallsyms", &hidden, &err);
	assert_null(k);
	assert_int_equal(err, -ENOENT);
}

/* The address of a kernel text symbol, read from /proc/kallsyms; 0 when not found/hidden. */
static unsigned long long kallsyms_addr(const char *name)
{
	unsigned long long addr, found = 0;
	char line[512], sym[256], type;
	FILE *f = fopen("/proc/kallsyms", "re");

	if (!f)
		return 0;
	while (!found && fgets(line, sizeof(line), f))
		if (sscanf(line, "%llx %c %255s", &addr, &type, sym) == 3 && !strcmp(sym, name) &&
		    (type == 'T' || type == 't'))
			found = addr;
	fclose(f);
	return found;
}

static void test_kallsyms_running_kernel(void **state)
{
	const struct eun_ksyms *k, *again;
	unsigned long long addr = kallsyms_addr("do_syscall_64");
	struct eun_frame f;
	bool hidden;

	(void)state;
	k = eun_ksyms__get(&hidden);
	if (!k || hidden || !addr)
		skip(); /* not root (kptr_restrict): nothing to compare with */
	again = eun_ksyms__get(&hidden);
	assert_ptr_equal(k, again); /* loaded once per process */
	assert_true(eun_ksyms__count(k) > 1000);
	assert_true(eun_ksyms__lookup(k, addr + 1, &f));
	/* an alias at the same address may win; the offset is what must hold */
	assert_int_equal(f.offset, 1);
	assert_string_equal(f.module, "kernel");
}

int eun_test_known_function(int x);

__attribute__((noinline)) int eun_test_known_function(int x)
{
	__asm__ volatile("" ::: "memory");
	return x * 3 + 1;
}

static void test_usyms_self(void **state)
{
	char why[160];
	struct eun_usyms *u = eun_usyms__new(why, sizeof(why));
	uint64_t addr = (uint64_t)(uintptr_t)&eun_test_known_function;
	struct eun_frame f;

	(void)state;
	assert_non_null(u);
	assert_true(eun_usyms__lookup(u, getpid(), addr + 2, &f));
	assert_string_equal(f.sym, "eun_test_known_function");
	assert_int_equal(f.offset, 2);
	assert_non_null(f.module);
	assert_non_null(strstr(f.module, "test_symbolize"));
	/* built with -g: the source line is known */
	assert_non_null(f.file);
	assert_non_null(strstr(f.file, "test_symbolize.c"));
	assert_true(f.line > 0);
	/* the cached table answers the same */
	assert_true(eun_usyms__lookup(u, getpid(), addr, &f));
	assert_string_equal(f.sym, "eun_test_known_function");
	assert_int_equal(f.offset, 0);
	/* a libc function, through the same table */
	assert_true(eun_usyms__lookup(u, getpid(), (uint64_t)(uintptr_t)&getpid, &f));
	assert_non_null(strstr(f.module, "libc"));
	/* an address mapped by nothing */
	assert_false(eun_usyms__lookup(u, getpid(), 0x10, &f));
	assert_null(f.sym);
	eun_usyms__forget(u, getpid());
	assert_true(eun_usyms__lookup(u, getpid(), addr, &f));
	eun_usyms__free(u);
}

static void test_usyms_exited(void **state)
{
	char why[160];
	struct eun_usyms *u = eun_usyms__new(why, sizeof(why));
	struct eun_frame f;
	pid_t child;
	int st;

	(void)state;
	assert_non_null(u);
	child = fork();
	assert_true(child >= 0);
	if (child == 0)
		_exit(0);
	assert_int_equal(waitpid(child, &st, 0), child);
	/* gone: unknown, not an error */
	assert_false(
		eun_usyms__lookup(u, child, (uint64_t)(uintptr_t)&eun_test_known_function, &f));
	assert_null(f.sym);
	assert_false(eun_usyms__lookup(u, 0, 0x1000, &f));
	assert_false(eun_usyms__lookup(u, -1, 0x1000, &f));
	assert_false(eun_usyms__lookup(NULL, getpid(), 0x1000, &f));
	eun_usyms__free(u);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_kallsyms_fixture),
		cmocka_unit_test(test_kallsyms_hidden),
		cmocka_unit_test(test_kallsyms_running_kernel),
		cmocka_unit_test(test_usyms_self),
		cmocka_unit_test(test_usyms_exited),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
