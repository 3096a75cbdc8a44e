// SPDX-License-Identifier: MIT
/*
 * libFuzzer target: ecc's doc-comment annotations (ecc/doc.c, docs/package-format.md §5).
 *
 * Two layers per input:
 *  1. the tag tokenizer alone: the input as the raw text of one doc comment through
 *     strip_markers() + parse_tags() (handle_raw()), for a variable and for LICENSE (which
 *     fills "doc" itself), strict and lenient. These functions are static in doc.c and are
 *     reached by compiling doc.c into this file (#include below) — doc.c is not changed and
 *     no internal function is exported for the fuzzer's sake. Thousands of runs a second.
 *  2. the whole reader: the input written into a temporary .bpf.c as the doc comment of a
 *     `const volatile int x`, a map, LICENSE and a BPF_PROG-style program (whose name comes
 *     from a macro argument, the lexer path), parsed by libclang through ecc_doc_parse().
 *     Slow (one libclang parse per run), so fuzz it with a few thousand runs; set
 *     FUZZ_DOC_TOKENIZER_ONLY=1 in the environment to fuzz layer 1 alone, fast.
 *
 * Checked, not just survived: tags that must be JSON objects (cmdarg, sample, xdpopts,
 * tchook, tcopts) are objects when present, text tags (brief, details, version, description)
 * are strings, the variable never lands among the maps nor the map among the variables, and
 * lenient parsing never fails.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ecc/doc.c"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Inputs longer than this only exercise the same loops longer. */
#define FZ_DOC_MAX_INPUT 4096

static char fz_tmpdir[256];
static char fz_src_path[320];
static bool fz_tokenizer_only;

static void fz_fail(const char *what, const cJSON *got, const uint8_t *in, size_t len)
{
	char *text = got ? cJSON_PrintUnformatted(got) : NULL;

	fprintf(stderr, "fuzz_doc: %s\ninput (%zu bytes): %.*s\nannotations: %s\n", what, len,
		(int)len, (const char *)in, text ? text : "(none)");
	abort();
}

/* The value types the contract promises for one annotated entity's tags. */
static void fz_check_entry(const cJSON *entry, const uint8_t *in, size_t len)
{
	const cJSON *it;

	if (!cJSON_IsObject(entry))
		fz_fail("an annotated entity is not an object", entry, in, len);
	for (it = entry->child; it; it = it->next) {
		if (!it->string)
			fz_fail("a tag has no name", entry, in, len);
		if (in_list(it->string, json_tags, sizeof(json_tags) / sizeof(json_tags[0])) &&
		    !cJSON_IsObject(it))
			fz_fail("a JSON tag is not an object", entry, in, len);
		if (in_list(it->string, text_tags, sizeof(text_tags) / sizeof(text_tags[0])) &&
		    !cJSON_IsString(it))
			fz_fail("a text tag is not a string", entry, in, len);
	}
}

static void fz_check_group(const cJSON *root, const char *group, const uint8_t *in, size_t len)
{
	const cJSON *g = cJSON_GetObjectItemCaseSensitive(root, group), *it;

	if (!cJSON_IsObject(g))
		fz_fail("a group of the annotations is missing", root, in, len);
	for (it = g->child; it; it = it->next)
		fz_check_entry(it, in, len);
}

/* Layer 1: one raw comment through the tokenizer, as doc.c's visitor would pass it. */
static void fz_tokenize(const char *raw, bool strict, const uint8_t *in, size_t len)
{
	struct doc_ctx ctx = {.src_path = "fuzz.bpf.c", .strict = strict};
	cJSON *vars = cJSON_CreateObject(), *doc = cJSON_CreateObject();
	int err;

	if (!vars || !doc) {
		cJSON_Delete(vars);
		cJSON_Delete(doc);
		return;
	}
	err = handle_raw(&ctx, raw, 1, 0, vars, "x");
	/* the same comment a second time at the same offset is a redeclaration: skipped */
	if (!err)
		err = handle_raw(&ctx, raw, 1, 0, vars, "x");
	if (!err)
		err = handle_raw(&ctx, raw, 1, 1, doc, NULL);
	free(ctx.seen);
	if (err && err != -ENOMEM)
		fz_fail("the tokenizer failed", vars, in, len);
	if (!err && vars->child) {
		if (vars->child->next || strcmp(vars->child->string, "x"))
			fz_fail("the tokenizer added an entity that is not x", vars, in, len);
		fz_check_entry(vars->child, in, len);
	}
	if (!err)
		fz_check_entry(doc, in, len);
	cJSON_Delete(vars);
	cJSON_Delete(doc);
}

/* Append the input as "///" lines: each line of the input one comment line. A line ending
 * in a backslash would continue the comment onto the declaration, so it gets a '#' after. */
static int fz_add_line_comment(struct strbuf *sb, const char *text)
{
	const char *p = text;
	int err = 0;

	while (!err) {
		size_t n = strcspn(p, "\r\n");

		err = sb_adds(sb, "/// ");
		if (!err)
			err = sb_add(sb, p, n);
		if (!err && n && p[n - 1] == '\\')
			err = sb_addc(sb, '#');
		if (!err)
			err = sb_addc(sb, '\n');
		if (!p[n])
			break;
		p += n + 1;
	}
	return err;
}

/* Append the input inside a block doc comment; "*" "/" in it would end the comment early. */
static int fz_add_block_comment(struct strbuf *sb, const char *text)
{
	const char *p = text;
	int err = sb_adds(sb, "/**\n * ");

	for (; *p && !err; p++) {
		err = sb_addc(sb, *p);
		if (!err && p[0] == '*' && p[1] == '/')
			err = sb_addc(sb, '_');
	}
	return err ? err : sb_adds(sb, "\n */\n");
}

static int fz_write_source(const char *text)
{
	struct strbuf sb = STRBUF_INIT;
	int err, fd;

	err = sb_adds(&sb, "#define SEC(n) __attribute__((section(n), used))\n"
			   "#define __uint(name, val) int (*name)[val]\n"
			   "#define BPF_PROG(name, args...) name(unsigned long long *ctx)\n\n");
	if (!err)
		err = fz_add_line_comment(&sb, text);
	if (!err)
		err = sb_adds(&sb, "const volatile int x = 0;\n\n");
	if (!err)
		err = fz_add_block_comment(&sb, text);
	if (!err)
		err = sb_adds(&sb, "struct {\n\t__uint(type, 27);\n\t__uint(max_entries, 4096);\n"
				   "} rb SEC(\".maps\");\n\n");
	if (!err)
		err = fz_add_line_comment(&sb, text);
	if (!err)
		err = sb_adds(&sb, "char LICENSE[] SEC(\"license\") = \"GPL\";\n\n");
	if (!err)
		err = fz_add_block_comment(&sb, text);
	if (!err)
		err = sb_adds(&sb, "SEC(\"tp/sched/sched_process_exec\")\n"
				   "int BPF_PROG(handle_exec, int a)\n{\n\treturn 0;\n}\n");
	if (err) {
		sb_free(&sb);
		return err;
	}
	fd = open(fz_src_path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	if (fd < 0 || write(fd, sb.buf, sb.len) != (ssize_t)sb.len) {
		fprintf(stderr, "fuzz_doc: cannot write %s: %s\n", fz_src_path, strerror(errno));
		abort();
	}
	close(fd);
	sb_free(&sb);
	return 0;
}

/* Layer 2: the whole reader over libclang. */
static void fz_parse_file(const char *text, bool strict, const uint8_t *in, size_t len)
{
	const char *const args[] = {"-D__TARGET_ARCH_x86", NULL};
	cJSON *ann = NULL, *maps, *vars;
	int err;

	if (fz_write_source(text))
		return;
	err = ecc_doc_parse(fz_src_path, args, strict, &ann);
	if (err == -ENOMEM)
		return;
	if (err && (!strict || err != -EINVAL))
		fz_fail("ecc_doc_parse failed", NULL, in, len);
	if (err) {
		if (ann)
			fz_fail("a failed parse returned annotations", ann, in, len);
		return;
	}
	fz_check_group(ann, "vars", in, len);
	fz_check_group(ann, "maps", in, len);
	fz_check_group(ann, "progs", in, len);
	fz_check_entry(cJSON_GetObjectItemCaseSensitive(ann, "doc"), in, len);
	vars = cJSON_GetObjectItemCaseSensitive(ann, "vars");
	maps = cJSON_GetObjectItemCaseSensitive(ann, "maps");
	if (cJSON_GetObjectItemCaseSensitive(maps, "x") ||
	    cJSON_GetObjectItemCaseSensitive(vars, "rb") ||
	    cJSON_GetObjectItemCaseSensitive(vars, "LICENSE"))
		fz_fail("a declaration is annotated as the wrong kind", ann, in, len);
	cJSON_Delete(ann);
}

static void fz_cleanup(void)
{
	unlink(fz_src_path);
	rmdir(fz_tmpdir);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	bool strict;
	char *text;

	if (!fz_tmpdir[0]) {
		const char *tmp = getenv("TMPDIR");

		snprintf(fz_tmpdir, sizeof(fz_tmpdir), "%s/fuzz_doc.XXXXXX",
			 tmp && *tmp && strlen(tmp) < 200 ? tmp : "/tmp");
		if (!mkdtemp(fz_tmpdir)) {
			perror("fuzz_doc: mkdtemp");
			abort();
		}
		snprintf(fz_src_path, sizeof(fz_src_path), "%s/fuzz.bpf.c", fz_tmpdir);
		atexit(fz_cleanup);
		fz_tokenizer_only = getenv("FUZZ_DOC_TOKENIZER_ONLY") != NULL;
	}
	if (size < 1 || size > FZ_DOC_MAX_INPUT)
		return 0;
	/* byte 0: strict JSON or not; the rest is comment text (a C string, as libclang's) */
	strict = data[0] & 1;
	text = strndup((const char *)data + 1, size - 1);
	if (!text)
		return 0;
	fz_tokenize(text, strict, data, size);
	if (!fz_tokenizer_only)
		fz_parse_file(text, strict, data, size);
	free(text);
	return 0;
}
