/* SPDX-License-Identifier: MIT */
/* BTF walks shared by ecc (type text) and the loader (decoder, arguments, samples). */
#ifndef EUNOMIA_COMMON_BTFUTIL_H
#define EUNOMIA_COMMON_BTFUTIL_H

#include <stdbool.h>
#include <stdint.h>

struct btf;
struct btf_type;

/* What eun_btf_skip() steps through. */
enum eun_btf_skip_kinds {
	EUN_BTF_SKIP_QUALS = 1u << 0,	  /* const, volatile, restrict, type_tag (btf_is_mod) */
	EUN_BTF_SKIP_TYPEDEFS = 1u << 1,  /* typedef */
	EUN_BTF_SKIP_DECL_TAGS = 1u << 2, /* decl_tag */
};

/*
 * Follow id through the kinds named in `kinds` (enum eun_btf_skip_kinds). Returns the first type
 * of another kind, its id into *out (out may be NULL): id 0 gives libbpf's void type and 0. A
 * bad id or a chain longer than 64 (a loop) gives NULL and 0.
 */
const struct btf_type *eun_btf_skip(const struct btf *btf, uint32_t id, unsigned int kinds,
				    uint32_t *out);

/* The id under typedefs and qualifiers (what a value of type id is laid out as); 0 for void, a
 * bad id or a loop. */
uint32_t eun_btf_skip_mods(const struct btf *btf, uint32_t id);

/*
 * Member i of enum or enum64 t: returns its name (NULL when it has none) and its value into *val
 * (val may be NULL): a 32-bit enum's value sign-extended when the enum is signed (kflag), else
 * zero-extended.
 */
const char *eun_btf_enum_member(const struct btf *btf, const struct btf_type *t, int i,
				uint64_t *val);

/* The name of t's first member whose value equals v in t's size (v's higher bits are ignored);
 * NULL when none does. */
const char *eun_btf_enum_name(const struct btf *btf, const struct btf_type *t, uint64_t v);

/* The value of t's member called name (compared ignoring case when nocase) into *val. 0, or
 * -ENOENT when none is. */
int eun_btf_enum_value(const struct btf *btf, const struct btf_type *t, const char *name,
		       bool nocase, uint64_t *val);

#endif
