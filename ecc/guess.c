// SPDX-License-Identifier: MIT
/*
 * Guessing the dummy file before libclang has read the source.
 *
 * The exact export types come from libclang's AST (ecc_frontend_parse), which takes about as
 * long as the compile itself. To run both at once, the compile starts with a dummy file built
 * from a textual guess of what the front end will find: with a header, the `struct X {` written
 * in it; without, the struct type of the variable each bpf_ringbuf_reserve /
 * bpf_ringbuf_output / bpf_perf_event_output works on. When the front end has finished, the
 * dummy built from its exact answer is compared with the guess; only when they differ is the
 * source compiled again (so the object is always the one the exact answer gives).
 */
#include <cjson/cJSON.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "common/fileio.h"
#include "common/strbuf.h"
#include "common/util.h"
#include "ecc/build.h"

/* Split C text into identifiers/numbers and one-character punctuators; comments and
 * string/char literals are dropped. */
static int tokenize(const char *p, struct argv_list *tk)
{
	int err = 0;

	while (*p && !err) {
		if (p[0] == '/' && p[1] == '/') {
			p += strcspn(p, "\n");
		} else if (p[0] == '/' && p[1] == '*') {
			const char *e = strstr(p + 2, "*/");

			p = e ? e + 2 : p + strlen(p);
		} else if (*p == '"' || *p == '\'') {
			char q = *p++;

			while (*p && *p != q && *p != '\n')
				p += (*p == '\\' && p[1]) ? 2 : 1;
			if (*p == q)
				p++;
		} else if (eun_is_ident_char(*p)) {
			size_t n = 0;

			while (eun_is_ident_char(p[n]))
				n++;
			err = av_addn(tk, p, n);
			p += n;
		} else if (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r' || *p == '\\') {
			p++;
		} else {
			err = av_addn(tk, p, 1);
			p++;
		}
	}
	return err;
}

static bool tok_is(const struct argv_list *tk, size_t i, const char *s)
{
	return i < tk->n && !strcmp(tk->v[i], s);
}

static int add_unique(cJSON *arr, const char *name)
{
	if (!eun_is_ident(name) || ecc_name_in(arr, name))
		return 0;
	return cJSON_AddItemToArray(arr, cJSON_CreateString(name)) ? 0 : -ENOMEM;
}

/* `struct X {` definitions, in order. */
static int guess_struct_defs(const struct argv_list *tk, cJSON *out)
{
	int err = 0;

	for (size_t i = 0; i + 2 < tk->n && !err; i++)
		if (tok_is(tk, i, "struct") && eun_is_ident(tk->v[i + 1]) && tok_is(tk, i + 2, "{"))
			err = add_unique(out, tk->v[i + 1]);
	return err;
}

/* S for `typedef struct S T;` or `typedef struct S { ... } T;`, else NULL. */
static const char *typedef_struct(const struct argv_list *tk, const char *type)
{
	for (size_t i = 0; i + 3 < tk->n; i++) {
		size_t j = i + 3;
		int depth = 0;

		if (!tok_is(tk, i, "typedef") || !tok_is(tk, i + 1, "struct") ||
		    !eun_is_ident(tk->v[i + 2]))
			continue;
		if (tok_is(tk, j, "{")) {
			for (; j < tk->n; j++) {
				if (tok_is(tk, j, "{"))
					depth++;
				else if (tok_is(tk, j, "}") && --depth == 0)
					break;
			}
			j++;
		}
		if (tok_is(tk, j, type))
			return tk->v[i + 2];
	}
	return NULL;
}

/* The struct of the latest declaration `struct S V`, `struct S *V` (or with a typedef of a
 * struct: `T V`, `T *V`) before token end. */
static const char *decl_struct(const struct argv_list *tk, size_t end, const char *var)
{
	for (size_t i = end; i-- > 2;) {
		size_t s = i - 1;

		if (strcmp(tk->v[i], var))
			continue;
		if (tok_is(tk, s, "*"))
			s--;
		if (s >= 1 && eun_is_ident(tk->v[s]) && tok_is(tk, s - 1, "struct"))
			return tk->v[s];
		if (eun_is_ident(tk->v[s]) && strcmp(tk->v[s], "return")) {
			const char *st = typedef_struct(tk, tk->v[s]);

			if (st)
				return st;
		}
	}
	return NULL;
}

/* Token index of argument argn (0-based) of the call whose '(' is at open, or 0. */
static size_t call_arg(const struct argv_list *tk, size_t open, int argn)
{
	int depth = 0;

	for (size_t i = open + 1; i < tk->n; i++) {
		if (argn == 0)
			return i;
		if (tok_is(tk, i, "(") || tok_is(tk, i, "[") || tok_is(tk, i, "{"))
			depth++;
		else if (tok_is(tk, i, ")") || tok_is(tk, i, "]") || tok_is(tk, i, "}")) {
			if (depth-- == 0)
				return 0;
		} else if (depth == 0 && tok_is(tk, i, ","))
			argn--;
	}
	return 0;
}

/* The struct names export inference would find, in source order (a guess). */
static int guess_inferred(const struct argv_list *tk, cJSON *out)
{
	int err = 0;

	for (size_t i = 0; i + 1 < tk->n && !err; i++) {
		const char *s = NULL;
		int argn = -1;

		if (!tok_is(tk, i + 1, "("))
			continue;
		if (tok_is(tk, i, "bpf_ringbuf_reserve")) {
			/* [struct S *]V = [(struct S *)]bpf_ringbuf_reserve( */
			size_t j = i;

			if (j >= 5 && tok_is(tk, j - 1, ")") && tok_is(tk, j - 2, "*") &&
			    tok_is(tk, j - 4, "struct") && tok_is(tk, j - 5, "(")) {
				s = tk->v[j - 3];
			} else if (j >= 2 && tok_is(tk, j - 1, "=") && eun_is_ident(tk->v[j - 2])) {
				s = decl_struct(tk, j - 1, tk->v[j - 2]);
			}
		} else if (tok_is(tk, i, "bpf_ringbuf_output")) {
			argn = 1;
		} else if (tok_is(tk, i, "bpf_perf_event_output")) {
			argn = 3;
		}
		if (argn >= 0) {
			/* DATA is V or &V, with V declared `struct S V` or `struct S *V` */
			size_t a = call_arg(tk, i + 1, argn);

			if (a && tok_is(tk, a, "&"))
				a++;
			if (a && a + 1 < tk->n && eun_is_ident(tk->v[a]) &&
			    (tok_is(tk, a + 1, ",") || tok_is(tk, a + 1, ")")))
				s = decl_struct(tk, i, tk->v[a]);
		}
		if (s)
			err = add_unique(out, s);
	}
	return err;
}

/* The dummy text from a guess (see above); empty when the files cannot be read. */
int ecc_guess_dummy(const char *src, const char *header, bool explicit_header, struct strbuf *out)
{
	struct strbuf text = STRBUF_INIT;
	struct argv_list tk = {0};
	cJSON *hstructs = NULL, *inferred = cJSON_CreateArray(), *exports = NULL;
	int err = -ENOMEM;

	if (!inferred)
		goto out;
	if (header) {
		hstructs = cJSON_CreateArray();
		if (!hstructs)
			goto out;
		if (eun_read_file(header, 0, 0, &text) || tokenize(sb_str(&text), &tk) ||
		    guess_struct_defs(&tk, hstructs))
			goto out_guess_failed;
		av_free(&tk);
		sb_reset(&text);
	}
	if (eun_read_file(src, 0, 0, &text) || tokenize(sb_str(&text), &tk) ||
	    guess_inferred(&tk, inferred))
		goto out_guess_failed;
	/* the guessed pairs carry no map: only the struct names matter for the dummy */
	{
		cJSON *pairs = cJSON_CreateArray();
		const cJSON *it;

		if (!pairs)
			goto out;
		cJSON_ArrayForEach(it, inferred) {
			cJSON *pair = cJSON_CreateObject();

			if (!pair || !cJSON_AddItemToArray(pairs, pair) ||
			    !cJSON_AddStringToObject(pair, "struct", it->valuestring)) {
				cJSON_Delete(pairs);
				goto out;
			}
		}
		cJSON_Delete(inferred);
		inferred = pairs;
	}
	err = ecc_choose_exports(hstructs, inferred, explicit_header, &exports);
	if (!err)
		err = ecc_dummy_text(hstructs, exports, out);
	goto out;
out_guess_failed:
	err = 0; /* no guess: compile without a dummy; the check afterwards fixes it up */
	sb_reset(out);
out:
	av_free(&tk);
	sb_free(&text);
	cJSON_Delete(hstructs);
	cJSON_Delete(inferred);
	cJSON_Delete(exports);
	return err;
}
