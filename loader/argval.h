/* SPDX-License-Identifier: MIT */
/* Tool-argument values typed by BTF (argval.c), for args.c. */
#ifndef EUNOMIA_LOADER_ARGVAL_H
#define EUNOMIA_LOADER_ARGVAL_H

#include <stdint.h>

#include "loader/internal.h"

enum eun_arg_kind {
	AK_BOOL,
	AK_INT,	 /* signed integer */
	AK_UINT, /* unsigned integer */
	AK_ENUM,
	AK_STR, /* char[N] */
	AK_FLOAT,
	AK_UNSUPPORTED,
};

/* Type id after typedefs and modifiers (*out), and its type. */
const struct btf_type *eun_argval__resolve(const struct btf *btf, uint32_t id, uint32_t *out);
enum eun_arg_kind eun_argval__kind(const struct btf *btf, uint32_t type_id);
/* The VALUE placeholder of --help for a kind ("NUM", "STR"...). */
const char *eun_argval__placeholder(enum eun_arg_kind k);
const struct btf *eun_argval__btf(const struct eunomia_runner *r);
/* The writable initial image of the arg's map at its offset, or NULL. */
uint8_t *eun_argval__image(const struct eun_arg *a);
/* The value in the image as text (malloc'd), or NULL. */
char *eun_argval__text(const struct eunomia_runner *r, const struct eun_arg *a);
/* The flag's long name without dashes. */
const char *eun_argval__flag(const struct eun_arg *a);
/* Text to the variable's bytes at out (a->size bytes): 0 or -EUNOMIA_ERR_ARG (told to log). */
int eun_argval__parse(const struct eunomia_runner *r, const struct eun_arg *a, const char *text,
		      uint8_t *out);

#endif
