// SPDX-License-Identifier: MIT
/*
 * Doc-comment annotations (docs/package-format.md §5).
 *
 * libclang finds the documentation comment (triple-slash lines or a slash-star-star block)
 * that belongs to each top-level declaration of the source file; we read its raw text and
 * split it into tags ourselves. The values are JSON or free text, and clang's comment parser
 * is not built for that: it splits the text at any known Doxygen command even inside a word
 * ("x@brief"), lets "\c" or "@p" swallow the next word, takes "<b>" for HTML, and
 * typo-corrects unknown commands (clang 14 reads "me@host" as "me" then "@post"). A tag here
 * is an '@' or '\' that starts a word (after whitespace or at a line start) followed by a
 * name, outside JSON strings.
 *
 * clang attaches no comment to a declaration whose name is a macro argument
 * ("int BPF_PROG(handle, ...)"); for those the comment tokens of libclang's lexer are used.
 */
#include <clang-c/Index.h>
#include <cjson/cJSON.h>
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/strbuf.h"
#include "common/util.h"
#include "ecc/ecc.h"
#include "ecc/log.h"
#include "ecc/frontend.h"

/* Tags whose value must be a JSON object. */
static const char *const json_tags[] = {"cmdarg", "sample", "xdpopts", "tchook", "tcopts"};
/* Tags whose value is always kept as text (bpf_skel.doc and help texts are strings). */
static const char *const text_tags[] = {"brief", "details", "version", "description"};

struct doc_ctx {
	const char *src_path;
	bool strict;
	int nerrors; /* invalid JSON seen in strict mode */
	int err;     /* -ENOMEM */
	cJSON *doc, *vars, *maps, *progs;
	cJSON *lines;	    /* name -> line of its doc comment, for messages about the tags later */
	unsigned int *seen; /* file offsets of the comments handled (redeclarations share one) */
	unsigned int prev_end; /* file offset where the previous top-level declaration ends */
	CXFile main_file;
	size_t nseen, capseen;
};

static bool in_list(const char *name, const char *const *list, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (!strcmp(name, list[i]))
			return true;
	return false;
}

/*
 * Strip the comment markers from the raw text of a (possibly merged) doc comment. The output
 * has exactly one line per raw line so that line numbers can be recovered.
 */
static int strip_markers(const char *raw, struct strbuf *out)
{
	bool in_block = false;
	const char *p = raw;
	int err = 0;

	while (*p && !err) {
		const char *eol = strchr(p, '\n');
		const char *end = eol ? eol : p + strlen(p);
		const char *s = p, *close;

		while (s < end && (*s == ' ' || *s == '\t'))
			s++;
		if (!in_block) {
			if (end - s >= 2 && s[0] == '/' && s[1] == '/') {
				s += 2;
				if (s < end && (*s == '/' || *s == '!'))
					s++;
				if (s < end && *s == '<')
					s++;
			} else if (end - s >= 2 && s[0] == '/' && s[1] == '*') {
				s += 2;
				in_block = true;
				if (s < end && (*s == '*' || *s == '!') &&
				    !(end - s >= 2 && s[1] == '/'))
					s++;
				if (s < end && *s == '<')
					s++;
			}
		} else if (s < end && *s == '*' && !(end - s >= 2 && s[1] == '/')) {
			s++; /* the " * " decoration of a block comment line */
		}
		if (in_block && end > s) {
			close = memmem(s, (size_t)(end - s), "*/", 2);
			if (close) {
				end = close;
				in_block = false;
			}
		}
		if (end > s)
			err = sb_add(out, s, (size_t)(end - s));
		if (!err && eol)
			err = sb_addc(out, '\n');
		if (!eol)
			break;
		p = eol + 1;
	}
	if (!err && !out->buf)
		err = sb_adds(out, "");
	return err;
}

static void trim(char *s)
{
	size_t n = strlen(s), i = 0;

	while (n && isspace((unsigned char)s[n - 1]))
		s[--n] = '\0';
	while (isspace((unsigned char)s[i]))
		i++;
	if (i)
		memmove(s, s + i, n - i + 1);
}

/* Up to 24 bytes of text for a message: control characters shown as spaces. */
static void excerpt(const char *text, char *buf, size_t size)
{
	size_t i;

	for (i = 0; i + 1 < size && i < 24 && text[i]; i++)
		buf[i] = (unsigned char)text[i] < 0x20 || text[i] == 0x7f ? ' ' : text[i];
	buf[i] = '\0';
}

/* Describe where cJSON stopped, for a human. */
static void json_error(const char *text, char *buf, size_t size)
{
	const char *at = cJSON_GetErrorPtr();
	char near[32];

	if (!*text) {
		snprintf(buf, size, "the value is empty");
	} else if (!at || at < text || at > text + strlen(text)) {
		excerpt(text, near, sizeof(near));
		snprintf(buf, size, "cannot parse '%s'", near);
	} else if (!*at) {
		snprintf(buf, size,
			 "it stops too early (check braces, quotes and trailing commas)");
	} else {
		excerpt(at, near, sizeof(near));
		snprintf(buf, size, "unexpected text at offset %zu near '%s'", (size_t)(at - text),
			 near);
	}
}

static const char *json_kind(const cJSON *v)
{
	if (cJSON_IsArray(v))
		return "an array";
	if (cJSON_IsString(v))
		return "a string";
	if (cJSON_IsNumber(v))
		return "a number";
	if (cJSON_IsBool(v))
		return "a boolean";
	return "null";
}

static void bad_json(struct doc_ctx *ctx, unsigned int line, const char *tag, const char *what)
{
	if (ctx->strict) {
		ecc_warn("ecc: error: %s:%u: @%s: invalid JSON: %s; fix the annotation\n",
			 ctx->src_path, line, tag, what);
		ctx->nerrors++;
	} else {
		ecc_warn("ecc: warning: %s:%u: @%s: invalid JSON: %s; the annotation is ignored\n",
			 ctx->src_path, line, tag, what);
	}
}

/* Store one tag's value (already trimmed) into entry. tag NULL: the comment's plain text. */
static int store_tag(struct doc_ctx *ctx, cJSON *entry, const char *tag, const char *value,
		     unsigned int line)
{
	cJSON *v = NULL;
	char what[160];

	if (!tag && (!*value || cJSON_GetObjectItemCaseSensitive(entry, "description")))
		return 0;
	if (!tag || in_list(tag, text_tags, sizeof(text_tags) / sizeof(text_tags[0]))) {
		/* Text, also when it happens to be valid JSON ("@version 1.0"); a quoted JSON
		 * string (@description "PID to trace", as public examples write it) is unquoted. */
		tag = tag ? tag : "description";
		v = cJSON_ParseWithOpts(value, NULL, true);
		if (!cJSON_IsString(v)) {
			cJSON_Delete(v);
			v = cJSON_CreateString(value);
		}
	} else if (in_list(tag, json_tags, sizeof(json_tags) / sizeof(json_tags[0]))) {
		v = cJSON_ParseWithOpts(value, NULL, true);
		if (!v) {
			json_error(value, what, sizeof(what));
			bad_json(ctx, line, tag, what);
			return 0;
		}
		if (!cJSON_IsObject(v)) {
			snprintf(what, sizeof(what), "expected an object {...}, got %s",
				 json_kind(v));
			cJSON_Delete(v);
			bad_json(ctx, line, tag, what);
			return 0;
		}
	} else {
		v = cJSON_ParseWithOpts(value, NULL, true);
		if (!v)
			v = cJSON_CreateString(value);
	}
	if (!v)
		return -ENOMEM;
	if (cJSON_GetObjectItemCaseSensitive(entry, tag)) {
		if (!cJSON_ReplaceItemInObjectCaseSensitive(entry, tag, v)) {
			cJSON_Delete(v);
			return -ENOMEM;
		}
	} else if (!cJSON_AddItemToObject(entry, tag, v)) {
		cJSON_Delete(v);
		return -ENOMEM;
	}
	return 0;
}

static bool is_tag_start(const char *text, const char *p)
{
	return (*p == '@' || *p == '\\') && (p == text || isspace((unsigned char)p[-1])) &&
	       (isalpha((unsigned char)p[1]) || p[1] == '_');
}

/* Where we are inside a JSON value, so that '@' in a JSON string is not taken for a tag. */
struct json_scan {
	bool on, in_str, esc;
	int depth;
};

static void json_scan_char(struct json_scan *js, char c)
{
	if (!js->on)
		return;
	if (js->in_str) {
		if (js->esc)
			js->esc = false;
		else if (c == '\\')
			js->esc = true;
		else if (c == '"')
			js->in_str = false;
	} else if (c == '"') {
		js->in_str = true;
	} else if (c == '{' || c == '[') {
		js->depth++;
	} else if ((c == '}' || c == ']') && js->depth > 0) {
		js->depth--;
	}
}

/*
 * Split the stripped comment text into plain text and tags. A tag's value runs to the next
 * tag or the end; its lines are trimmed and joined with a space (a blank line between two
 * paragraphs becomes a newline). Inside a JSON value ({...} or [...]) a tag is only
 * recognised at the start of a line once the brackets are open, and never inside a string.
 */
static int parse_tags(struct doc_ctx *ctx, const char *text, unsigned int first_line, cJSON *entry)
{
	static const char name_chars[] = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
					 "0123456789_";
	struct strbuf val = STRBUF_INIT;
	struct json_scan js = {0};
	char tag[64] = "", sep = 0;
	bool have_tag = false, line_has_text = false, tag_ok;
	unsigned int line = first_line, tag_line = first_line;
	const char *p = text;
	size_t n;
	int err = 0;

	while (!err) {
		tag_ok = !js.in_str && (js.depth == 0 || !line_has_text);
		if (!*p || (tag_ok && is_tag_start(text, p))) {
			if (val.buf)
				trim(val.buf);
			err = store_tag(ctx, entry, have_tag ? tag : NULL, sb_str(&val), tag_line);
			sb_reset(&val);
			if (err || !*p)
				break;
			n = strspn(p + 1, name_chars);
			snprintf(tag, sizeof(tag), "%.*s",
				 (int)(n < sizeof(tag) ? n : sizeof(tag) - 1), p + 1);
			have_tag = true;
			tag_line = line;
			p += 1 + n;
			sep = 0;
			line_has_text = false;
			memset(&js, 0, sizeof(js));
			continue;
		}
		if (*p == '\n') {
			if (val.len)
				sep = line_has_text ? ' '
						    : '\n'; /* a blank line ends a paragraph */
			line++;
			line_has_text = false;
			js.in_str = js.esc = false; /* JSON strings do not span lines */
			p++;
			continue;
		}
		if (!line_has_text) {
			if (isspace((unsigned char)*p)) {
				p++;
				continue;
			}
			if (!val.len && have_tag && (*p == '{' || *p == '['))
				js.on = true;
			if (sep && val.len) {
				while (val.len && isspace((unsigned char)val.buf[val.len - 1]))
					val.buf[--val.len] = '\0';
				err = sb_addc(&val, sep);
			}
			sep = 0;
			line_has_text = true;
		}
		json_scan_char(&js, *p);
		if (!err)
			err = sb_addc(&val, *p);
		p++;
	}
	sb_free(&val);
	return err;
}

static bool seen_before(struct doc_ctx *ctx, unsigned int off)
{
	for (size_t i = 0; i < ctx->nseen; i++)
		if (ctx->seen[i] == off)
			return true;
	if (ctx->nseen == ctx->capseen) {
		size_t cap = ctx->capseen ? ctx->capseen * 2 : 16;
		unsigned int *p = realloc(ctx->seen, cap * sizeof(*p));

		if (!p)
			return false; /* worst case: a warning printed twice */
		ctx->seen = p;
		ctx->capseen = cap;
	}
	ctx->seen[ctx->nseen++] = off;
	return false;
}

/* Parse one doc comment's raw text (starting at line/off of the file) into parent[name]
 * (name NULL: into parent itself). */
static int handle_raw(struct doc_ctx *ctx, const char *rawtext, unsigned int line, unsigned int off,
		      cJSON *parent, const char *name)
{
	struct strbuf text = STRBUF_INIT, utf8 = STRBUF_INIT;
	cJSON *entry = NULL, *old;
	size_t rawlen;
	int err = 0;

	if (!rawtext || !*rawtext || seen_before(ctx, off))
		return 0;
	rawlen = strlen(rawtext);
	if (!eun_utf8_valid(rawtext, rawlen)) {
		/* a package is JSON/YAML text: UTF-8. Sources in Latin-1 are the usual cause. */
		ecc_warn("ecc: warning: %s:%u: doc comment is not valid UTF-8; read it as Latin-1 "
			 "(save the source as UTF-8 to silence this)\n",
			 ctx->src_path, line);
		err = eun_latin1_to_utf8(rawtext, rawlen, &utf8);
		if (err)
			goto out;
		rawtext = sb_str(&utf8);
	}
	err = strip_markers(rawtext, &text);
	if (err)
		goto out;
	entry = cJSON_CreateObject();
	if (!entry) {
		err = -ENOMEM;
		goto out;
	}
	err = parse_tags(ctx, text.buf, line, entry);
	if (err || !entry->child)
		goto out;
	old = name ? cJSON_GetObjectItemCaseSensitive(parent, name) : parent;
	if (old) {
		/* LICENSE fills "doc" itself; a redeclaration with its own comment adds its tags
		 * to the first ones. */
		while (entry->child) {
			cJSON *it = cJSON_DetachItemViaPointer(entry, entry->child);

			cJSON_DeleteItemFromObjectCaseSensitive(old, it->string);
			cJSON_AddItemToObject(old, it->string, it);
		}
	} else if (cJSON_AddItemToObject(parent, name, entry)) {
		entry = NULL;
		if (!cJSON_GetObjectItemCaseSensitive(ctx->lines, name))
			cJSON_AddNumberToObject(ctx->lines, name, line);
	} else {
		err = -ENOMEM;
	}
out:
	cJSON_Delete(entry);
	sb_free(&text);
	sb_free(&utf8);
	return err;
}

static bool is_doc_comment(const char *s)
{
	if (!strncmp(s, "///", 3))
		return s[3] != '/';
	if (!strncmp(s, "/**", 3))
		return s[3] != '*' && s[3] != '/';
	return !strncmp(s, "//!", 3) || !strncmp(s, "/*!", 3);
}

/*
 * clang attaches no comment to a declaration whose name comes from a macro argument, as in
 * "int BPF_PROG(handle_exit, ...)". For those, take the doc comments that libclang's lexer
 * finds between the previous declaration and this one, as clang would: the last run of doc
 * comments on adjacent lines, with no ';', '{', '}' or '#' after it (SEC("...") may follow).
 */
/* A comment token that is documentation. */
static bool is_doc_token(CXTranslationUnit tu, CXToken tok)
{
	CXString sp;
	bool doc;

	if (clang_getTokenKind(tok) != CXToken_Comment)
		return false;
	sp = clang_getTokenSpelling(tu, tok);
	doc = clang_getCString(sp) && is_doc_comment(clang_getCString(sp));
	clang_disposeString(sp);
	return doc;
}

/* A token that ends the search for a declaration's comment, as in clang's own rule. */
static bool is_separator_token(CXTranslationUnit tu, CXToken tok)
{
	CXString sp;
	const char *t;
	bool sep;

	if (clang_getTokenKind(tok) != CXToken_Punctuation)
		return false;
	sp = clang_getTokenSpelling(tu, tok);
	t = clang_getCString(sp);
	sep = t && (!strcmp(t, ";") || !strcmp(t, "{") || !strcmp(t, "}") || !strcmp(t, "#"));
	clang_disposeString(sp);
	return sep;
}

static unsigned int token_line(CXTranslationUnit tu, CXToken tok, bool end)
{
	CXSourceRange r = clang_getTokenExtent(tu, tok);
	unsigned int line = 0;

	clang_getExpansionLocation(end ? clang_getRangeEnd(r) : clang_getRangeStart(r), NULL, &line,
				   NULL, NULL);
	return line;
}

static int handle_macro_decl(struct doc_ctx *ctx, CXCursor c, cJSON *parent, const char *name)
{
	CXTranslationUnit tu = clang_Cursor_getTranslationUnit(c);
	struct strbuf raw = STRBUF_INIT;
	unsigned int off, n = 0, first, last, line = 0, first_off = 0;
	CXToken *toks = NULL;
	CXFile file = NULL;
	int i, err = 0;

	clang_getExpansionLocation(clang_getRangeStart(clang_getCursorExtent(c)), &file, NULL, NULL,
				   &off);
	if (!file || off <= ctx->prev_end)
		return 0;
	clang_tokenize(tu,
		       clang_getRange(clang_getLocationForOffset(tu, file, ctx->prev_end),
				      clang_getLocationForOffset(tu, file, off)),
		       &toks, &n);
	/* the last comment before the declaration, unless a separator comes after it */
	for (i = (int)n - 1; i >= 0; i--)
		if (clang_getTokenKind(toks[i]) == CXToken_Comment ||
		    is_separator_token(tu, toks[i]))
			break;
	if (i < 0 || !is_doc_token(tu, toks[i]))
		goto out;
	last = (unsigned int)i;
	/* with the doc comments on the lines just above it */
	for (first = last; first > 0; first--)
		if (!is_doc_token(tu, toks[first - 1]) ||
		    token_line(tu, toks[first - 1], true) + 1 < token_line(tu, toks[first], false))
			break;
	clang_getExpansionLocation(clang_getTokenLocation(tu, toks[first]), NULL, &line, NULL,
				   &first_off);
	for (unsigned int k = first; k <= last && !err; k++) {
		CXString sp = clang_getTokenSpelling(tu, toks[k]);

		if (k > first)
			err = sb_addc(&raw, '\n');
		if (!err)
			err = sb_adds(&raw, clang_getCString(sp) ? clang_getCString(sp) : "");
		clang_disposeString(sp);
	}
	if (!err)
		err = handle_raw(ctx, sb_str(&raw), line, first_off, parent, name);
out:
	sb_free(&raw);
	if (toks)
		clang_disposeTokens(tu, toks, n);
	return err;
}

/* True when the cursor's name is spelled inside a macro invocation. */
static bool name_from_macro(CXCursor c)
{
	CXSourceLocation loc = clang_getCursorLocation(c);
	unsigned int exp_off, spell_off;
	CXFile exp_file, spell_file;

	clang_getExpansionLocation(loc, &exp_file, NULL, NULL, &exp_off);
	clang_getSpellingLocation(loc, &spell_file, NULL, NULL, &spell_off);
	return !clang_File_isEqual(exp_file, spell_file) || exp_off != spell_off;
}

/* Read the doc comment of cursor c (if any) into parent[name] (name NULL: into parent). */
static int handle_comment(struct doc_ctx *ctx, CXCursor c, cJSON *parent, const char *name)
{
	CXString raw = clang_Cursor_getRawCommentText(c);
	const char *rawtext = clang_getCString(raw);
	unsigned int line = 0, off = 0;
	int err;

	if (rawtext && *rawtext) {
		clang_getSpellingLocation(clang_getRangeStart(clang_Cursor_getCommentRange(c)),
					  NULL, &line, NULL, &off);
		err = handle_raw(ctx, rawtext, line, off, parent, name);
	} else if (name_from_macro(c)) {
		err = handle_macro_decl(ctx, c, parent, name);
	} else {
		err = 0;
	}
	clang_disposeString(raw);
	return err;
}

struct attr_scan {
	bool has_attr;
	CXCursor inline_struct; /* the "struct { ... }" declared in the variable's declaration */
	bool has_struct;
};

static enum CXChildVisitResult scan_var(CXCursor c, CXCursor parent, CXClientData data)
{
	struct attr_scan *s = data;

	if (clang_isAttribute(clang_getCursorKind(c)))
		s->has_attr = true;
	if (clang_getCursorKind(c) == CXCursor_StructDecl && !s->has_struct) {
		s->inline_struct = c;
		s->has_struct = true;
	}
	return CXChildVisit_Continue;
}

static int handle_var(struct doc_ctx *ctx, CXCursor c, const char *name)
{
	CXType t = clang_getCanonicalType(clang_getCursorType(c));
	struct attr_scan scan = {0};
	cJSON *parent;
	int err = 0;

	if (!strcmp(name, "LICENSE"))
		return handle_comment(ctx, c, ctx->doc, NULL);

	clang_visitChildren(c, scan_var, &scan);
	/* A map: a non-const struct variable placed in a section, SEC(".maps") or SEC("maps"). */
	if (t.kind == CXType_Record && !clang_isConstQualifiedType(t) && scan.has_attr)
		parent = ctx->maps;
	else
		parent = ctx->vars;
	/* "/// doc\n struct { ... } name SEC(".maps");": clang gives the comment above to the
	 * anonymous struct; the variable itself can only have a trailing "///<" one. */
	if (scan.has_struct)
		err = handle_comment(ctx, scan.inline_struct, parent, name);
	if (!err)
		err = handle_comment(ctx, c, parent, name);
	return err;
}

/* Declared in the source file itself, also when through a macro of another file (libclang's
 * clang_Location_isFromMainFile() says no for "int BPF_PROG(name, ...)"). */
static bool in_main_file(struct doc_ctx *ctx, CXCursor c)
{
	CXSourceLocation loc = clang_getCursorLocation(c);
	CXFile file = NULL;

	if (clang_Location_isFromMainFile(loc))
		return true;
	clang_getExpansionLocation(loc, &file, NULL, NULL, NULL);
	return file && ctx->main_file && clang_File_isEqual(file, ctx->main_file);
}

static enum CXChildVisitResult visit_top(CXCursor c, CXCursor parent, CXClientData data)
{
	struct doc_ctx *ctx = data;
	enum CXCursorKind kind = clang_getCursorKind(c);
	unsigned int end = 0;
	CXString name;
	int err = 0;

	if (!clang_isDeclaration(kind) || !in_main_file(ctx, c))
		return CXChildVisit_Continue;
	if (kind != CXCursor_VarDecl && kind != CXCursor_FunctionDecl)
		goto next;
	name = clang_getCursorSpelling(c);
	if (clang_getCString(name) && *clang_getCString(name)) {
		if (kind == CXCursor_VarDecl)
			err = handle_var(ctx, c, clang_getCString(name));
		else
			err = handle_comment(ctx, c, ctx->progs, clang_getCString(name));
	}
	clang_disposeString(name);
	if (err) {
		ctx->err = err;
		return CXChildVisit_Break;
	}
next:
	clang_getExpansionLocation(clang_getRangeEnd(clang_getCursorExtent(c)), NULL, NULL, NULL,
				   &end);
	if (end > ctx->prev_end)
		ctx->prev_end = end;
	return CXChildVisit_Continue;
}

int ecc_doc_from_tu(CXTranslationUnit tu, const char *src_path, bool strict_json,
		    struct cJSON **annotations)
{
	struct doc_ctx ctx = {.src_path = src_path, .strict = strict_json};
	cJSON *root;
	int err;

	*annotations = NULL;
	root = cJSON_CreateObject();
	if (!root)
		return -ENOMEM;
	ctx.doc = cJSON_AddObjectToObject(root, "doc");
	ctx.vars = cJSON_AddObjectToObject(root, "vars");
	ctx.maps = cJSON_AddObjectToObject(root, "maps");
	ctx.progs = cJSON_AddObjectToObject(root, "progs");
	/* where each annotated element's comment starts (objinfo.c names it in errors) */
	ctx.lines = cJSON_AddObjectToObject(root, "lines");
	if (!ctx.doc || !ctx.vars || !ctx.maps || !ctx.progs || !ctx.lines ||
	    !cJSON_AddStringToObject(root, "file", src_path)) {
		cJSON_Delete(root);
		return -ENOMEM;
	}
	ctx.main_file = clang_getFile(tu, src_path);
	clang_visitChildren(clang_getTranslationUnitCursor(tu), visit_top, &ctx);
	free(ctx.seen);

	err = ctx.err;
	if (!err && ctx.nerrors)
		err = -EINVAL;
	if (err) {
		cJSON_Delete(root);
		return err;
	}
	*annotations = root;
	return 0;
}

static int doc_reader(CXTranslationUnit tu, const char *path, void *strict, struct cJSON **out)
{
	return ecc_doc_from_tu(tu, path, *(bool *)strict, out);
}

int ecc_doc_parse(const char *src_path, const char *const *clang_args, bool strict_json,
		  struct cJSON **annotations)
{
	return ecc_tu_read(src_path, clang_args, doc_reader, &strict_json, annotations);
}
