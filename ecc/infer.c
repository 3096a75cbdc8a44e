// SPDX-License-Identifier: MIT
/*
 * Export-type inference and header structs, from libclang's AST.
 *
 * The AST is the preprocessed program, so helper calls hidden in macros are found like any
 * other. libclang 14 has no parent links for expressions and does not expose operator kinds,
 * so the walk looks at the consumers of bpf_ringbuf_reserve() from above (a variable's
 * initialiser, the right-hand side of an assignment, a return value) and takes the struct from
 * the destination's type.
 */
#include <clang-c/Index.h>
#include <cjson/cJSON.h>
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/util.h"
#include "ecc/ecc.h"
#include "ecc/frontend.h"

/*
 * A function that hands out or submits event records for a map on its caller's behalf, e.g.
 * libbpf-tools' `void *reserve_buf(size)` (bpf_ringbuf_reserve, or a per-CPU heap slot where
 * ring buffers are missing) and `submit_buf(ctx, void *buf, size)` (bpf_perf_event_output).
 * Their own types say `void *`; the struct is the one their callers pass or assign.
 */
enum wrapper_kind {
	WRAP_RESERVE, /* returns a record of `map` */
	WRAP_SUBMIT,  /* parameter `param` is the record written to `map` */
};

struct wrapper {
	enum wrapper_kind kind;
	char *func;
	char *map;
	unsigned int param;
};

struct infer_ctx {
	cJSON *out;
	CXType ret_type; /* result type of the function being walked */
	CXCursor fn;	 /* the function being walked */
	CXFile file;	 /* header structs: the header, NULL for the main file */
	struct wrapper *wrappers;
	size_t nwrappers;
	int err;
};

struct expr_children {
	CXCursor c[3];
	unsigned int n;
};

static enum CXChildVisitResult collect_exprs(CXCursor c, CXCursor parent, CXClientData data)
{
	struct expr_children *ec = data;

	if (!clang_isExpression(clang_getCursorKind(c)))
		return CXChildVisit_Continue;
	if (ec->n < 3)
		ec->c[ec->n] = c;
	ec->n++;
	return CXChildVisit_Continue;
}

static struct expr_children expr_children(CXCursor c)
{
	struct expr_children ec = {.n = 0};

	clang_visitChildren(c, collect_exprs, &ec);
	return ec;
}

/*
 * Look through parentheses and casts (implicit ones show as UnexposedExpr with one operand).
 * *cast_type: the type of the outermost explicit cast, if there is one.
 */
static CXCursor strip_casts(CXCursor c, CXType *cast_type, bool *has_cast)
{
	for (int depth = 0; depth < 64; depth++) {
		enum CXCursorKind k = clang_getCursorKind(c);
		struct expr_children ec;

		if (k != CXCursor_ParenExpr && k != CXCursor_CStyleCastExpr &&
		    k != CXCursor_UnexposedExpr)
			break;
		ec = expr_children(c);
		if (ec.n != 1)
			break;
		if (k == CXCursor_CStyleCastExpr && has_cast && !*has_cast) {
			*cast_type = clang_getCursorType(c);
			*has_cast = true;
		}
		c = ec.c[0];
	}
	return c;
}

static bool is_call_to(CXCursor c, const char *name)
{
	CXString s;
	bool eq;

	if (clang_getCursorKind(c) != CXCursor_CallExpr)
		return false;
	s = clang_getCursorSpelling(c);
	eq = clang_getCString(s) && !strcmp(clang_getCString(s), name);
	clang_disposeString(s);
	return eq;
}

/* The called function's name (a CallExpr's spelling), or NULL; caller frees. */
static char *call_name(CXCursor c)
{
	CXString s;
	char *name = NULL;

	if (clang_getCursorKind(c) != CXCursor_CallExpr)
		return NULL;
	s = clang_getCursorSpelling(c);
	if (clang_getCString(s) && *clang_getCString(s))
		name = strdup(clang_getCString(s));
	clang_disposeString(s);
	return name;
}

static const struct wrapper *find_wrapper(const struct infer_ctx *ctx, CXCursor call,
					  enum wrapper_kind kind)
{
	char *name = call_name(call);
	const struct wrapper *w = NULL;

	for (size_t i = 0; name && i < ctx->nwrappers && !w; i++)
		if (ctx->wrappers[i].kind == kind && !strcmp(ctx->wrappers[i].func, name))
			w = &ctx->wrappers[i];
	free(name);
	return w;
}

struct find_map {
	char *name;
};

static enum CXChildVisitResult visit_map_ref(CXCursor c, CXCursor parent, CXClientData data)
{
	struct find_map *fm = data;
	CXCursor ref;
	CXString s;

	if (clang_getCursorKind(c) != CXCursor_DeclRefExpr)
		return CXChildVisit_Recurse;
	ref = clang_getCursorReferenced(c);
	if (clang_getCursorKind(ref) != CXCursor_VarDecl ||
	    clang_getCursorKind(clang_getCursorSemanticParent(ref)) != CXCursor_TranslationUnit)
		return CXChildVisit_Continue;
	s = clang_getCursorSpelling(ref);
	if (clang_getCString(s) && *clang_getCString(s))
		fm->name = strdup(clang_getCString(s));
	clang_disposeString(s);
	return CXChildVisit_Break;
}

/* The global variable (the map) referenced by a helper's map argument: "&rb", "(void *)&rb". */
static char *map_of_arg(CXCursor arg)
{
	struct find_map fm = {NULL};

	if (clang_getCursorKind(arg) == CXCursor_DeclRefExpr) {
		visit_map_ref(arg, clang_getNullCursor(), &fm);
		return fm.name;
	}
	clang_visitChildren(arg, visit_map_ref, &fm);
	return fm.name;
}

/*
 * The struct a pointer type points to, by name: "struct event *" and "event_t *" (a typedef
 * of struct event) give "event"; a pointer to a typedef'd anonymous struct gives the typedef
 * name, the only name it has. NULL for anything else.
 */
static char *pointee_struct(CXType t)
{
	CXType p;
	CXCursor decl;
	CXString s;
	char *name = NULL;

	t = clang_getCanonicalType(t);
	if (t.kind != CXType_Pointer)
		return NULL;
	p = clang_getCanonicalType(clang_getPointeeType(t));
	if (p.kind != CXType_Record)
		return NULL;
	decl = clang_getTypeDeclaration(p);
	if (clang_getCursorKind(decl) != CXCursor_StructDecl)
		return NULL;
	s = clang_getCursorSpelling(decl);
	if (clang_getCString(s) && eun_is_ident(clang_getCString(s)))
		name = strdup(clang_getCString(s));
	clang_disposeString(s);
	if (name)
		return name;
	s = clang_getTypeSpelling(clang_getCursorType(decl));
	if (clang_getCString(s) && eun_is_ident(clang_getCString(s)))
		name = strdup(clang_getCString(s));
	clang_disposeString(s);
	return name;
}

/* Record (struct, map); `via` names the wrapper it went through (NULL: a direct call). */
static void add_pair(struct infer_ctx *ctx, char *sname, char *map, const char *via)
{
	const cJSON *it;
	cJSON *o;

	if (!sname || !map)
		goto out;
	cJSON_ArrayForEach(it, ctx->out) {
		const cJSON *s = cJSON_GetObjectItemCaseSensitive(it, "struct");
		const cJSON *m = cJSON_GetObjectItemCaseSensitive(it, "map");

		if (!strcmp(s->valuestring, sname) && !strcmp(m->valuestring, map))
			goto out;
	}
	o = cJSON_CreateObject();
	if (!o || !cJSON_AddStringToObject(o, "struct", sname) ||
	    !cJSON_AddStringToObject(o, "map", map) ||
	    (via && !cJSON_AddStringToObject(o, "via", via)) ||
	    !cJSON_AddItemToArray(ctx->out, o)) {
		cJSON_Delete(o);
		ctx->err = -ENOMEM;
	}
out:
	free(sname);
	free(map);
}

/* dest_type = bpf_ringbuf_reserve(&MAP, ...), possibly through casts and parentheses. */
static void check_reserve(struct infer_ctx *ctx, CXType dest_type, CXCursor value)
{
	CXType cast_type;
	bool has_cast = false;
	CXCursor call = strip_casts(value, &cast_type, &has_cast);
	const struct wrapper *w = NULL;
	char *sname, *map;

	if (is_call_to(call, "bpf_ringbuf_reserve") && clang_Cursor_getNumArguments(call) >= 1)
		map = map_of_arg(clang_Cursor_getArgument(call, 0));
	else if ((w = find_wrapper(ctx, call, WRAP_RESERVE)))
		map = strdup(w->map);
	else
		return;
	sname = pointee_struct(dest_type);
	if (!sname && has_cast)
		sname = pointee_struct(cast_type);
	add_pair(ctx, sname, map, w ? w->func : NULL);
}

static void add_wrapper(struct infer_ctx *ctx, enum wrapper_kind kind, char *map,
			unsigned int param)
{
	CXString s = clang_getCursorSpelling(ctx->fn);
	const char *func = clang_getCString(s);
	struct wrapper *w;

	if (!map || !func || !*func)
		goto out;
	for (size_t i = 0; i < ctx->nwrappers; i++) {
		w = &ctx->wrappers[i];
		if (w->kind == kind && !strcmp(w->func, func) && !strcmp(w->map, map) &&
		    w->param == param)
			goto out;
	}
	w = realloc(ctx->wrappers, (ctx->nwrappers + 1) * sizeof(*w));
	if (!w) {
		ctx->err = -ENOMEM;
		goto out;
	}
	ctx->wrappers = w;
	w = &ctx->wrappers[ctx->nwrappers];
	w->func = strdup(func);
	if (!w->func) {
		ctx->err = -ENOMEM;
		goto out;
	}
	w->kind = kind;
	w->map = map;
	w->param = param;
	ctx->nwrappers++;
	map = NULL;
out:
	free(map);
	clang_disposeString(s);
}

/* `return bpf_ringbuf_reserve(&MAP, ...)` (or a reserve wrapper's result) from a function that
 * returns `void *`: the function is a reserve wrapper itself. Conditional results
 * (`c ? bpf_ringbuf_reserve(...) : bpf_map_lookup_elem(&heap, ...)`) count too. */
static void check_return_wrapper(struct infer_ctx *ctx, CXCursor value)
{
	CXCursor call = strip_casts(value, NULL, NULL);
	const struct wrapper *w;

	if (clang_getCursorKind(call) == CXCursor_ConditionalOperator) {
		struct expr_children ec = expr_children(call); /* condition, then, else */

		if (ec.n == 3) {
			check_return_wrapper(ctx, ec.c[1]);
			check_return_wrapper(ctx, ec.c[2]);
		}
		return;
	}
	if (is_call_to(call, "bpf_ringbuf_reserve") && clang_Cursor_getNumArguments(call) >= 1)
		add_wrapper(ctx, WRAP_RESERVE, map_of_arg(clang_Cursor_getArgument(call, 0)), 0);
	else if ((w = find_wrapper(ctx, call, WRAP_RESERVE)))
		add_wrapper(ctx, WRAP_RESERVE, strdup(w->map), 0);
}

/* The index of the walked function's parameter that `arg` names, or -1. */
static int param_index(const struct infer_ctx *ctx, CXCursor arg)
{
	CXCursor ref;
	int n;

	arg = strip_casts(arg, NULL, NULL);
	if (clang_getCursorKind(arg) != CXCursor_DeclRefExpr)
		return -1;
	ref = clang_getCursorReferenced(arg);
	if (clang_getCursorKind(ref) != CXCursor_ParmDecl)
		return -1;
	n = clang_Cursor_getNumArguments(ctx->fn);
	for (int i = 0; i < n; i++)
		if (clang_equalCursors(clang_Cursor_getArgument(ctx->fn, (unsigned int)i), ref))
			return i;
	return -1;
}

/* bpf_ringbuf_output(&MAP, DATA, ...) and bpf_perf_event_output(ctx, &MAP, flags, DATA, ...) */
/*
 * bpf_ringbuf_output(&MAP, DATA, ...), bpf_perf_event_output(ctx, &MAP, flags, DATA, ...) and
 * calls to submit wrappers. DATA of a struct pointer type gives the pair; DATA that is one of
 * the walked function's own parameters makes that function a submit wrapper.
 */
static void check_output(struct infer_ctx *ctx, CXCursor call)
{
	const struct wrapper *w = NULL;
	int data_arg, param;
	CXCursor data;
	char *map;

	if (is_call_to(call, "bpf_ringbuf_output")) {
		data_arg = 1;
		if (clang_Cursor_getNumArguments(call) <= data_arg)
			return;
		map = map_of_arg(clang_Cursor_getArgument(call, 0));
	} else if (is_call_to(call, "bpf_perf_event_output")) {
		data_arg = 3;
		if (clang_Cursor_getNumArguments(call) <= data_arg)
			return;
		map = map_of_arg(clang_Cursor_getArgument(call, 1));
	} else if ((w = find_wrapper(ctx, call, WRAP_SUBMIT))) {
		data_arg = (int)w->param;
		if (clang_Cursor_getNumArguments(call) <= data_arg)
			return;
		map = strdup(w->map);
	} else {
		return;
	}
	data = clang_Cursor_getArgument(call, (unsigned int)data_arg);
	param = param_index(ctx, data);
	if (param >= 0) {
		add_wrapper(ctx, WRAP_SUBMIT, map, (unsigned int)param);
		return;
	}
	data = strip_casts(data, NULL, NULL);
	add_pair(ctx, pointee_struct(clang_getCursorType(data)), map, w ? w->func : NULL);
}

static enum CXChildVisitResult visit_body(CXCursor c, CXCursor parent, CXClientData data)
{
	struct infer_ctx *ctx = data;
	struct expr_children ec;

	switch (clang_getCursorKind(c)) {
	case CXCursor_VarDecl:
		/* struct event *e = bpf_ringbuf_reserve(...): the initialiser is the only
		 * expression child (type references are not expressions). */
		ec = expr_children(c);
		if (ec.n == 1)
			check_reserve(ctx, clang_getCursorType(c), ec.c[0]);
		break;
	case CXCursor_BinaryOperator:
		/* e = bpf_ringbuf_reserve(...) */
		ec = expr_children(c);
		if (ec.n == 2)
			check_reserve(ctx, clang_getCursorType(ec.c[0]), ec.c[1]);
		break;
	case CXCursor_ReturnStmt:
		/* return bpf_ringbuf_reserve(...) from a helper returning struct event *, or from
		 * a `void *` wrapper */
		ec = expr_children(c);
		if (ec.n == 1) {
			check_reserve(ctx, ctx->ret_type, ec.c[0]);
			check_return_wrapper(ctx, ec.c[0]);
		}
		break;
	case CXCursor_CallExpr:
		check_output(ctx, c);
		break;
	default:
		break;
	}
	return ctx->err ? CXChildVisit_Break : CXChildVisit_Recurse;
}

static enum CXChildVisitResult visit_functions(CXCursor c, CXCursor parent, CXClientData data)
{
	struct infer_ctx *ctx = data;

	if (clang_getCursorKind(c) == CXCursor_FunctionDecl && clang_isCursorDefinition(c)) {
		ctx->ret_type = clang_getResultType(clang_getCursorType(c));
		ctx->fn = c;
		clang_visitChildren(c, visit_body, ctx);
	}
	return ctx->err ? CXChildVisit_Break : CXChildVisit_Continue;
}

/* Wrappers may wrap wrappers (a helper calling reserve_buf()): walk again while the walk
 * finds new ones. A wrapper defined after its caller is found on the second walk. */
#define MAX_WRAPPER_WALKS 8

/* Visit the TU's cursors with visit and ctx (file: see infer_ctx); its array into *out. */
static int visit_tu(CXTranslationUnit tu, CXCursorVisitor visit, CXFile file, struct cJSON **out)
{
	struct infer_ctx ctx = {.out = cJSON_CreateArray(), .file = file};
	size_t seen;

	*out = NULL;
	if (!ctx.out)
		return -ENOMEM;
	for (int walk = 0; walk < MAX_WRAPPER_WALKS && !ctx.err; walk++) {
		seen = ctx.nwrappers;
		clang_visitChildren(clang_getTranslationUnitCursor(tu), visit, &ctx);
		if (ctx.nwrappers == seen)
			break;
	}
	for (size_t i = 0; i < ctx.nwrappers; i++) {
		free(ctx.wrappers[i].func);
		free(ctx.wrappers[i].map);
	}
	free(ctx.wrappers);
	if (ctx.err) {
		cJSON_Delete(ctx.out);
		return ctx.err;
	}
	*out = ctx.out;
	return 0;
}

int ecc_infer_from_tu(CXTranslationUnit tu, struct cJSON **pairs)
{
	return visit_tu(tu, visit_functions, NULL, pairs);
}

static int infer_reader(CXTranslationUnit tu, const char *path, void *arg, struct cJSON **out)
{
	return ecc_infer_from_tu(tu, out);
}

int ecc_infer_export_types(const char *src_path, const char *const *clang_args,
			   struct cJSON **pairs)
{
	return ecc_tu_read(src_path, clang_args, infer_reader, NULL, pairs);
}

/*
 * A location written in file itself, not in a macro expansion: what
 * clang_Location_isFromMainFile() says for the main file, for any file of the TU.
 */
static bool written_in(CXFile file, CXSourceLocation loc)
{
	unsigned int exp_off, spell_off;
	CXFile exp_file, spell_file;

	if (!file)
		return clang_Location_isFromMainFile(loc);
	clang_getExpansionLocation(loc, &exp_file, NULL, NULL, &exp_off);
	clang_getSpellingLocation(loc, &spell_file, NULL, NULL, &spell_off);
	return exp_file && clang_File_isEqual(exp_file, file) &&
	       clang_File_isEqual(exp_file, spell_file) && exp_off == spell_off;
}

/* Struct definitions located in the header itself, nested ones included (C gives them file
 * scope too), each name once. */
static enum CXChildVisitResult visit_structs(CXCursor c, CXCursor parent, CXClientData data)
{
	struct infer_ctx *ctx = data;
	enum CXCursorKind k = clang_getCursorKind(c);
	const cJSON *it;
	CXString s;
	const char *name;
	bool dup = false;

	if (k != CXCursor_StructDecl && k != CXCursor_UnionDecl && k != CXCursor_TypedefDecl)
		return CXChildVisit_Continue;
	if (!written_in(ctx->file, clang_getCursorLocation(c)))
		return CXChildVisit_Continue;
	if (k == CXCursor_StructDecl && clang_isCursorDefinition(c)) {
		s = clang_getCursorSpelling(c);
		name = clang_getCString(s);
		if (name && eun_is_ident(name)) {
			cJSON_ArrayForEach(it, ctx->out)
				if (!strcmp(it->valuestring, name))
					dup = true;
			if (!dup && !cJSON_AddItemToArray(ctx->out, cJSON_CreateString(name)))
				ctx->err = -ENOMEM;
		}
		clang_disposeString(s);
	}
	if (ctx->err)
		return CXChildVisit_Break;
	clang_visitChildren(c, visit_structs, ctx);
	return ctx->err ? CXChildVisit_Break : CXChildVisit_Continue;
}

int ecc_structs_from_tu(CXTranslationUnit tu, CXFile file, struct cJSON **names)
{
	return visit_tu(tu, visit_structs, file, names);
}

static int structs_reader(CXTranslationUnit tu, const char *path, void *arg, struct cJSON **out)
{
	return ecc_structs_from_tu(tu, NULL, out);
}

int ecc_header_structs(const char *header_path, const char *const *clang_args, struct cJSON **names)
{
	return ecc_tu_read(header_path, clang_args, structs_reader, NULL, names);
}
