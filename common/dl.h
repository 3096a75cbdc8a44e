/* SPDX-License-Identifier: MIT */
/*
 * Optional libraries loaded on first use with dlopen() (libarchive for .tar packages, libcurl
 * for URLs), so that a run which needs neither pays nothing for them. A user lists the
 * functions once in an X-macro and declares its table of pointers from it; eun_dl_load() fills
 * the table.
 */
#ifndef EUNOMIA_COMMON_DL_H
#define EUNOMIA_COMMON_DL_H

#include <stddef.h>

struct eun_dl_sym {
	const char *name; /* the symbol */
	void **slot;	  /* where its address goes (a function pointer of the table) */
};

/*
 * dlopen(soname, RTLD_NOW | RTLD_LOCAL) and resolve every symbol into its slot. NULL when all
 * were found, else what is missing ("libfoo.so.1" or "libfoo.so.1: foo_bar") written into
 * buf[size]. The library stays loaded for the life of the process. Call once (pthread_once).
 */
const char *eun_dl_load(const char *soname, const struct eun_dl_sym *syms, size_t n, char *buf,
			size_t size);

#endif
