// SPDX-License-Identifier: MIT
/* A growable, NULL-terminated list of owned strings: clang's argv, tokens of a source. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "ecc/build.h"

int av_addn(struct argv_list *a, const char *s, size_t len)
{
	if (a->n + 2 > a->cap) {
		size_t cap = a->cap ? a->cap * 2 : 32;
		char **v = realloc(a->v, cap * sizeof(*v));

		if (!v)
			return -ENOMEM;
		a->v = v;
		a->cap = cap;
	}
	a->v[a->n] = strndup(s, len);
	if (!a->v[a->n])
		return -ENOMEM;
	a->v[++a->n] = NULL;
	return 0;
}

int av_add(struct argv_list *a, const char *s)
{
	return av_addn(a, s, strlen(s));
}

int av_addv(struct argv_list *a, const char *const *v)
{
	int err = 0;

	for (size_t i = 0; v && v[i] && !err; i++)
		err = av_add(a, v[i]);
	return err;
}

void av_free(struct argv_list *a)
{
	for (size_t i = 0; i < a->n; i++)
		free(a->v[i]);
	free(a->v);
	a->v = NULL;
	a->n = a->cap = 0;
}
