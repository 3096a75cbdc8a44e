// SPDX-License-Identifier: MIT
/* eun_btf_type_text(): C type text for every BTF kind, on BTF built in memory. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <bpf/btf.h>
#include <errno.h>
#include <string.h>

#include "packer/btfinfo.h"

struct ids {
	int i32, u32, u64, chr, uchr, boolean, flt, dbl;
	int const_int, volatile_cv, pid_t_, u8_td, const_u8_td;
	int char16, int2x3, u8_6x2, cv_char16;
	int char_ptr, char_ptr_ptr, const_char_ptr, void_ptr, void_id;
	int s_event, s_anon, u_val, e_state, e64_big, fwd_s, fwd_u;
	int proto, func_ptr, func, ptr_arr4, typedef_struct;
	int var, datasec, restrict_ptr, typetag_ptr;
};

static struct btf *build(struct ids *id)
{
	struct btf *btf = btf__new_empty();

	assert_non_null(btf);
	id->i32 = btf__add_int(btf, "int", 4, BTF_INT_SIGNED);
	id->u32 = btf__add_int(btf, "unsigned int", 4, 0);
	id->u64 = btf__add_int(btf, "unsigned long long", 8, 0);
	id->chr = btf__add_int(btf, "char", 1, BTF_INT_CHAR | BTF_INT_SIGNED);
	id->uchr = btf__add_int(btf, "unsigned char", 1, 0);
	id->boolean = btf__add_int(btf, "_Bool", 1, BTF_INT_BOOL);
	id->flt = btf__add_float(btf, "float", 4);
	id->dbl = btf__add_float(btf, "double", 8);
	id->const_int = btf__add_const(btf, id->i32);
	id->volatile_cv = btf__add_volatile(btf, id->const_int);
	id->pid_t_ = btf__add_typedef(btf, "pid_t", id->i32);
	id->u8_td = btf__add_typedef(btf, "u8", id->uchr);
	id->const_u8_td = btf__add_const(btf, id->u8_td);
	id->char16 = btf__add_array(btf, id->u32, id->chr, 16);
	{
		int inner = btf__add_array(btf, id->u32, id->i32, 3);

		id->int2x3 = btf__add_array(btf, id->u32, inner, 2);
	}
	{
		int inner = btf__add_array(btf, id->u32, id->u8_td, 2);

		id->u8_6x2 = btf__add_array(btf, id->u32, inner, 6);
	}
	{
		/* const volatile char[16]: the qualifiers sit on the element. */
		int cc = btf__add_const(btf, id->chr);
		int vcc = btf__add_volatile(btf, cc);

		id->cv_char16 = btf__add_array(btf, id->u32, vcc, 16);
	}
	id->char_ptr = btf__add_ptr(btf, id->chr);
	id->char_ptr_ptr = btf__add_ptr(btf, id->char_ptr);
	{
		int cc = btf__add_const(btf, id->chr);

		id->const_char_ptr = btf__add_ptr(btf, cc);
	}
	id->void_ptr = btf__add_ptr(btf, 0);
	id->void_id = 0;

	id->s_event = btf__add_struct(btf, "event", 8);
	assert_int_equal(btf__add_field(btf, "pid", id->i32, 0, 0), 0);
	assert_int_equal(btf__add_field(btf, "uid", id->u32, 32, 0), 0);
	id->s_anon = btf__add_struct(btf, NULL, 4);
	assert_int_equal(btf__add_field(btf, "x", id->i32, 0, 0), 0);
	id->u_val = btf__add_union(btf, "val", 8);
	assert_int_equal(btf__add_field(btf, "a", id->u64, 0, 0), 0);
	id->e_state = btf__add_enum(btf, "state", 4);
	assert_int_equal(btf__add_enum_value(btf, "RUNNING", 0), 0);
	id->e64_big = btf__add_enum64(btf, "big", 8, false);
	assert_int_equal(btf__add_enum64_value(btf, "HUGE", 1ULL << 40), 0);
	id->fwd_s = btf__add_fwd(btf, "task_struct", BTF_FWD_STRUCT);
	id->fwd_u = btf__add_fwd(btf, "maybe", BTF_FWD_UNION);

	id->proto = btf__add_func_proto(btf, id->i32);
	assert_int_equal(btf__add_func_param(btf, "ctx", id->void_ptr), 0);
	id->func_ptr = btf__add_ptr(btf, id->proto);
	id->func = btf__add_func(btf, "handle_exec", BTF_FUNC_GLOBAL, id->proto);
	id->ptr_arr4 = btf__add_array(btf, id->u32, id->char_ptr, 4);
	id->typedef_struct = btf__add_typedef(btf, "event_t", id->s_event);
	id->var = btf__add_var(btf, "target_pid", BTF_VAR_GLOBAL_ALLOCATED, id->volatile_cv);
	id->datasec = btf__add_datasec(btf, ".rodata", 4);
	assert_int_equal(btf__add_datasec_var_info(btf, id->var, 0, 4), 0);
	{
		int r = btf__add_restrict(btf, id->char_ptr);

		id->restrict_ptr = btf__add_ptr(btf, r);
	}
	{
		int tag = btf__add_type_tag(btf, "user", id->i32);

		id->typetag_ptr = btf__add_ptr(btf, tag);
	}
	return btf;
}

static void expect_text(const struct btf *btf, int id, const char *want)
{
	char buf[128];
	int err;

	assert_true(id >= 0);
	err = eun_btf_type_text(btf, id, buf, sizeof(buf));
	if (err || strcmp(buf, want))
		fail_msg("type %d: got '%s' (err %d), want '%s'", id, buf, err, want);
}

static void test_every_kind(void **state)
{
	struct ids id;
	struct btf *btf = build(&id);

	expect_text(btf, id.void_id, "void");
	expect_text(btf, id.i32, "int");
	expect_text(btf, id.u32, "unsigned int");
	expect_text(btf, id.u64, "unsigned long long");
	expect_text(btf, id.chr, "char");
	expect_text(btf, id.boolean, "_Bool");
	expect_text(btf, id.flt, "float");
	expect_text(btf, id.dbl, "double");
	/* qualifiers stripped */
	expect_text(btf, id.const_int, "int");
	expect_text(btf, id.volatile_cv, "int");
	expect_text(btf, id.const_u8_td, "u8");
	/* typedef names kept */
	expect_text(btf, id.pid_t_, "pid_t");
	expect_text(btf, id.typedef_struct, "event_t");
	/* arrays */
	expect_text(btf, id.char16, "char[16]");
	expect_text(btf, id.cv_char16, "char[16]");
	expect_text(btf, id.int2x3, "int[2][3]");
	expect_text(btf, id.u8_6x2, "u8[6][2]");
	expect_text(btf, id.ptr_arr4, "char *[4]");
	/* pointers */
	expect_text(btf, id.char_ptr, "char *");
	expect_text(btf, id.char_ptr_ptr, "char **");
	expect_text(btf, id.const_char_ptr, "char *");
	expect_text(btf, id.void_ptr, "void *");
	expect_text(btf, id.restrict_ptr, "char **");
	expect_text(btf, id.typetag_ptr, "int *");
	expect_text(btf, id.func_ptr, "void *");
	/* records and enums */
	expect_text(btf, id.s_event, "struct event");
	expect_text(btf, id.s_anon, "struct");
	expect_text(btf, id.u_val, "union val");
	expect_text(btf, id.e_state, "enum state");
	expect_text(btf, id.e64_big, "enum big");
	expect_text(btf, id.fwd_s, "struct task_struct");
	expect_text(btf, id.fwd_u, "union maybe");
	/* functions, vars, sections */
	expect_text(btf, id.proto, "void *");
	expect_text(btf, id.func, "handle_exec");
	expect_text(btf, id.var, "int");
	expect_text(btf, id.datasec, ".rodata");
	btf__free(btf);
}

static void test_errors(void **state)
{
	struct ids id;
	struct btf *btf = build(&id);
	char buf[8], big[64];

	/* unknown id */
	assert_int_equal(eun_btf_type_text(btf, 100000, big, sizeof(big)), -ENOENT);
	/* truncation is reported, and the buffer stays NUL-terminated */
	assert_int_equal(eun_btf_type_text(btf, id.u64, buf, sizeof(buf)), -ENOSPC);
	assert_int_equal(strlen(buf), sizeof(buf) - 1);
	assert_int_equal(eun_btf_type_text(NULL, 1, big, sizeof(big)), -EINVAL);
	assert_int_equal(eun_btf_type_text(btf, 1, big, 0), -EINVAL);
	btf__free(btf);
}

static void test_pointer_loop(void **state)
{
	/* A malformed BTF with a pointer cycle must not recurse forever. */
	struct btf *btf = btf__new_empty();
	char buf[64];
	int p1;

	assert_non_null(btf);
	p1 = btf__add_ptr(btf, 2); /* points at the next type */
	assert_true(p1 > 0);
	assert_true(btf__add_ptr(btf, 1) > 0);
	assert_int_equal(eun_btf_type_text(btf, p1, buf, sizeof(buf)), -ELOOP);
	btf__free(btf);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_every_kind),
		cmocka_unit_test(test_errors),
		cmocka_unit_test(test_pointer_loop),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
