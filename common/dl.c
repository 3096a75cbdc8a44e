// SPDX-License-Identifier: MIT
#include "common/dl.h"

#include <dlfcn.h>
#include <stdio.h>

const char *eun_dl_load(const char *soname, const struct eun_dl_sym *syms, size_t n, char *buf,
			size_t size)
{
	void *h = dlopen(soname, RTLD_NOW | RTLD_LOCAL);

	if (!h) {
		snprintf(buf, size, "%s", soname);
		return buf;
	}
	for (size_t i = 0; i < n; i++) {
		*syms[i].slot = dlsym(h, syms[i].name);
		if (!*syms[i].slot) {
			snprintf(buf, size, "%s: %s", soname, syms[i].name);
			return buf;
		}
	}
	return NULL;
}
