// SPDX-License-Identifier: MIT
/*
 * YAML <-> cJSON for package documents (docs/package-format.md §6.1).
 * Plain scalars are typed like the YAML 1.2 core schema; quoted scalars are strings.
 */
#include "packer/package.h"

#include <cjson/cJSON.h>
#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <yaml.h>

#include "common/util.h"
#include "common/error.h"

#define YAML_MAX_DEPTH 256

enum plain_kind {
	PLAIN_STRING,
	PLAIN_NULL,
	PLAIN_TRUE,
	PLAIN_FALSE,
	PLAIN_NUMBER,
};

static bool all_digits(const char *s, size_t n, int base)
{
	size_t i;

	if (!n)
		return false;
	for (i = 0; i < n; i++) {
		unsigned char c = s[i];

		if (base == 16 && !isxdigit(c))
			return false;
		if (base == 8 && (c < '0' || c > '7'))
			return false;
		if (base == 10 && !isdigit(c))
			return false;
	}
	return true;
}

/* Decimal float per the core schema: [-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)? */
static bool is_float(const char *s, size_t n)
{
	size_t i = 0, d1 = 0, d2 = 0;

	if (i < n && (s[i] == '-' || s[i] == '+'))
		i++;
	while (i < n && isdigit((unsigned char)s[i]))
		i++, d1++;
	if (i < n && s[i] == '.') {
		i++;
		while (i < n && isdigit((unsigned char)s[i]))
			i++, d2++;
	}
	if (!d1 && !d2)
		return false;
	if (i < n && (s[i] == 'e' || s[i] == 'E')) {
		size_t d3 = 0;

		i++;
		if (i < n && (s[i] == '-' || s[i] == '+'))
			i++;
		while (i < n && isdigit((unsigned char)s[i]))
			i++, d3++;
		if (!d3)
			return false;
	}
	return i == n;
}

static enum plain_kind plain_kind(const char *s, size_t n, double *num)
{
	char tmp[64];

	if (n == 0 || (n == 1 && s[0] == '~') ||
	    (n == 4 && (!memcmp(s, "null", 4) || !memcmp(s, "Null", 4) || !memcmp(s, "NULL", 4))))
		return PLAIN_NULL;
	if (n == 4 && (!memcmp(s, "true", 4) || !memcmp(s, "True", 4) || !memcmp(s, "TRUE", 4)))
		return PLAIN_TRUE;
	if (n == 5 && (!memcmp(s, "false", 5) || !memcmp(s, "False", 5) || !memcmp(s, "FALSE", 5)))
		return PLAIN_FALSE;
	if (n >= sizeof(tmp))
		return PLAIN_STRING;
	memcpy(tmp, s, n);
	tmp[n] = '\0';
	if (n > 2 && s[0] == '0' && s[1] == 'x' && all_digits(s + 2, n - 2, 16)) {
		*num = (double)strtoull(tmp + 2, NULL, 16);
		return PLAIN_NUMBER;
	}
	if (n > 2 && s[0] == '0' && s[1] == 'o' && all_digits(s + 2, n - 2, 8)) {
		*num = (double)strtoull(tmp + 2, NULL, 8);
		return PLAIN_NUMBER;
	}
	if (is_float(s, n)) {
		*num = strtod(tmp, NULL);
		if (isfinite(*num))
			return PLAIN_NUMBER;
	}
	return PLAIN_STRING;
}

/* ---- parsing ----------------------------------------------------------------------------- */

struct yframe {
	cJSON *node;
	char *key; /* pending mapping key */
};

struct yparse {
	cJSON *root;
	struct yframe stack[YAML_MAX_DEPTH];
	int depth;
	bool have_doc;
};

static cJSON *scalar_to_json(const yaml_event_t *ev)
{
	const char *v = (const char *)ev->data.scalar.value;
	size_t n = ev->data.scalar.length;
	const char *tag = (const char *)ev->data.scalar.tag;
	double num = 0;
	char *s;
	cJSON *j;

	if (ev->data.scalar.style == YAML_PLAIN_SCALAR_STYLE &&
	    (!tag || strcmp(tag, YAML_STR_TAG) != 0)) {
		switch (plain_kind(v, n, &num)) {
		case PLAIN_NULL:
			return cJSON_CreateNull();
		case PLAIN_TRUE:
			return cJSON_CreateTrue();
		case PLAIN_FALSE:
			return cJSON_CreateFalse();
		case PLAIN_NUMBER:
			return cJSON_CreateNumber(num);
		case PLAIN_STRING:
			break;
		}
	}
	s = strndup(v, n);
	if (!s)
		return NULL;
	j = cJSON_CreateString(s);
	free(s);
	return j;
}

/* Attach value to the current container (or make it the root). Takes ownership. */
static int yadd(struct yparse *p, cJSON *value, const yaml_mark_t *mark, char *err, size_t errsz)
{
	struct yframe *f;

	if (!value)
		return -ENOMEM;
	if (p->depth == 0) {
		if (p->root) {
			cJSON_Delete(value);
			eun_seterr(err, errsz, "invalid YAML at line %zu: more than one document",
				   mark->line + 1);
			return -EUNOMIA_ERR_PARSE;
		}
		p->root = value;
		return 0;
	}
	f = &p->stack[p->depth - 1];
	if (cJSON_IsArray(f->node)) {
		cJSON_AddItemToArray(f->node, value);
		return 0;
	}
	if (cJSON_GetObjectItemCaseSensitive(f->node, f->key)) {
		eun_seterr(err, errsz, "invalid YAML at line %zu column %zu: duplicate key '%s'",
			   mark->line + 1, mark->column + 1, f->key);
		cJSON_Delete(value);
		return -EUNOMIA_ERR_PARSE;
	}
	cJSON_AddItemToObject(f->node, f->key, value);
	free(f->key);
	f->key = NULL;
	return 0;
}

static bool want_key(const struct yparse *p)
{
	return p->depth > 0 && cJSON_IsObject(p->stack[p->depth - 1].node) &&
	       !p->stack[p->depth - 1].key;
}

static int yevent(struct yparse *p, const yaml_event_t *ev, char *err, size_t errsz)
{
	const yaml_mark_t *mark = &ev->start_mark;
	cJSON *node;
	int ret;

	switch (ev->type) {
	case YAML_ALIAS_EVENT:
		eun_seterr(
			err, errsz,
			"invalid YAML at line %zu column %zu: aliases (*name) are not supported in "
			"packages",
			mark->line + 1, mark->column + 1);
		return -EUNOMIA_ERR_PARSE;
	case YAML_SCALAR_EVENT:
		if (want_key(p)) {
			char *k = strndup((const char *)ev->data.scalar.value,
					  ev->data.scalar.length);

			if (!k)
				return -ENOMEM;
			p->stack[p->depth - 1].key = k;
			return 0;
		}
		return yadd(p, scalar_to_json(ev), mark, err, errsz);
	case YAML_SEQUENCE_START_EVENT:
	case YAML_MAPPING_START_EVENT:
		if (want_key(p)) {
			eun_seterr(
				err, errsz,
				"invalid YAML at line %zu column %zu: mapping keys must be scalars",
				mark->line + 1, mark->column + 1);
			return -EUNOMIA_ERR_PARSE;
		}
		if (p->depth >= YAML_MAX_DEPTH) {
			eun_seterr(err, errsz,
				   "invalid YAML at line %zu: nested deeper than %d levels",
				   mark->line + 1, YAML_MAX_DEPTH);
			return -EUNOMIA_ERR_PARSE;
		}
		node = ev->type == YAML_SEQUENCE_START_EVENT ? cJSON_CreateArray()
							     : cJSON_CreateObject();
		ret = yadd(p, node, mark, err, errsz);
		if (ret)
			return ret;
		p->stack[p->depth].node = node;
		p->stack[p->depth].key = NULL;
		p->depth++;
		return 0;
	case YAML_SEQUENCE_END_EVENT:
	case YAML_MAPPING_END_EVENT:
		if (p->depth > 0) {
			p->depth--;
			free(p->stack[p->depth].key);
			p->stack[p->depth].key = NULL;
		}
		return 0;
	case YAML_DOCUMENT_START_EVENT:
		if (p->have_doc) {
			eun_seterr(err, errsz, "invalid YAML at line %zu: more than one document",
				   mark->line + 1);
			return -EUNOMIA_ERR_PARSE;
		}
		p->have_doc = true;
		return 0;
	default:
		return 0;
	}
}

int pkg_yaml_parse(const char *text, size_t len, struct cJSON **doc, char *err, size_t errsz)
{
	struct yparse *p;
	yaml_parser_t parser;
	yaml_event_t ev;
	bool done = false;
	int ret = 0;

	*doc = NULL;
	p = calloc(1, sizeof(*p));
	if (!p)
		return -ENOMEM;
	if (!yaml_parser_initialize(&parser)) {
		free(p);
		return -ENOMEM;
	}
	yaml_parser_set_input_string(&parser, (const unsigned char *)text, len);
	while (!done) {
		if (!yaml_parser_parse(&parser, &ev)) {
			if (parser.error == YAML_MEMORY_ERROR) {
				ret = -ENOMEM;
			} else {
				eun_seterr(err, errsz,
					   "invalid YAML at line %zu column %zu: %s%s%s",
					   parser.problem_mark.line + 1,
					   parser.problem_mark.column + 1,
					   parser.problem ? parser.problem : "syntax error",
					   parser.context ? " " : "",
					   parser.context ? parser.context : "");
				ret = -EUNOMIA_ERR_PARSE;
			}
			break;
		}
		done = ev.type == YAML_STREAM_END_EVENT;
		ret = yevent(p, &ev, err, errsz);
		yaml_event_delete(&ev);
		if (ret)
			break;
	}
	yaml_parser_delete(&parser);
	while (p->depth > 0) {
		p->depth--;
		free(p->stack[p->depth].key);
	}
	if (!ret && !p->root) {
		eun_seterr(err, errsz, "document is empty");
		ret = -EUNOMIA_ERR_PARSE;
	}
	if (ret)
		cJSON_Delete(p->root);
	else
		*doc = p->root;
	free(p);
	return ret;
}

/* ---- writing ----------------------------------------------------------------------------- */

static int yaml_out(void *ctx, unsigned char *buf, size_t size)
{
	return sb_add(ctx, buf, size) == 0;
}

/* Strings that a YAML reader (ours, or a YAML 1.1 one) could read as something else. */
static bool needs_quotes(const char *s)
{
	static const char *const words[] = {"y", "n", "yes", "no", "on", "off"};
	size_t n = strlen(s), i;
	double num;

	if (plain_kind(s, n, &num) != PLAIN_STRING)
		return true;
	if (strchr("0123456789+-.", s[0]))
		return true;
	for (i = 0; i < sizeof(words) / sizeof(words[0]); i++)
		if (!strcasecmp(s, words[i]))
			return true;
	return false;
}

static int emit_scalar(yaml_emitter_t *em, const char *text, bool quoted)
{
	yaml_event_t ev;

	if (!yaml_scalar_event_initialize(
		    &ev, NULL, NULL, (yaml_char_t *)text, (int)strlen(text), !quoted, quoted,
		    quoted ? YAML_DOUBLE_QUOTED_SCALAR_STYLE : YAML_ANY_SCALAR_STYLE))
		/* libyaml refuses text that is not valid UTF-8 (e.g. a Latin-1 doc comment) */
		return -EILSEQ;
	return yaml_emitter_emit(em, &ev) ? 0 : -EIO;
}

static int emit_node(yaml_emitter_t *em, const cJSON *j, int depth)
{
	yaml_event_t ev;
	const cJSON *c;
	char num[64];
	int ret;

	if (depth > YAML_MAX_DEPTH)
		return -ELOOP;
	if (cJSON_IsObject(j) || cJSON_IsArray(j)) {
		bool obj = cJSON_IsObject(j);
		bool empty = !j->child;

		if (obj)
			ret = yaml_mapping_start_event_initialize(&ev, NULL, NULL, 1,
								  empty ? YAML_FLOW_MAPPING_STYLE
									: YAML_BLOCK_MAPPING_STYLE);
		else
			ret = yaml_sequence_start_event_initialize(
				&ev, NULL, NULL, 1,
				empty ? YAML_FLOW_SEQUENCE_STYLE : YAML_BLOCK_SEQUENCE_STYLE);
		if (!ret)
			return -ENOMEM;
		if (!yaml_emitter_emit(em, &ev))
			return -EIO;
		for (c = j->child; c; c = c->next) {
			if (obj) {
				ret = emit_scalar(em, c->string ? c->string : "",
						  needs_quotes(c->string ? c->string : ""));
				if (ret)
					return ret;
			}
			ret = emit_node(em, c, depth + 1);
			if (ret)
				return ret;
		}
		if (obj)
			ret = yaml_mapping_end_event_initialize(&ev);
		else
			ret = yaml_sequence_end_event_initialize(&ev);
		if (!ret)
			return -ENOMEM;
		return yaml_emitter_emit(em, &ev) ? 0 : -EIO;
	}
	if (cJSON_IsString(j))
		return emit_scalar(em, j->valuestring ? j->valuestring : "",
				   needs_quotes(j->valuestring ? j->valuestring : ""));
	if (cJSON_IsBool(j))
		return emit_scalar(em, cJSON_IsTrue(j) ? "true" : "false", false);
	if (cJSON_IsNumber(j)) {
		double d = j->valuedouble;

		if (!isfinite(d))
			return emit_scalar(em, "null", false);
		if (d == floor(d) && fabs(d) < 9.2e18)
			snprintf(num, sizeof(num), "%lld", (long long)d);
		else
			snprintf(num, sizeof(num), "%.17g", d);
		return emit_scalar(em, num, false);
	}
	return emit_scalar(em, "null", false);
}

int pkg_yaml_write(const struct cJSON *doc, struct strbuf *out)
{
	yaml_emitter_t em;
	yaml_event_t ev;
	int ret = -ENOMEM;

	if (!yaml_emitter_initialize(&em))
		return -ENOMEM;
	yaml_emitter_set_output(&em, yaml_out, out);
	yaml_emitter_set_width(&em, -1);
	yaml_emitter_set_unicode(&em, 1);
	if (!yaml_stream_start_event_initialize(&ev, YAML_UTF8_ENCODING))
		goto out;
	if (!yaml_emitter_emit(&em, &ev))
		goto io;
	if (!yaml_document_start_event_initialize(&ev, NULL, NULL, NULL, 1))
		goto out;
	if (!yaml_emitter_emit(&em, &ev))
		goto io;
	ret = emit_node(&em, doc, 0);
	if (ret)
		goto out;
	ret = -ENOMEM;
	if (!yaml_document_end_event_initialize(&ev, 1))
		goto out;
	if (!yaml_emitter_emit(&em, &ev))
		goto io;
	if (!yaml_stream_end_event_initialize(&ev))
		goto out;
	if (!yaml_emitter_emit(&em, &ev))
		goto io;
	if (!yaml_emitter_flush(&em))
		goto io;
	ret = 0;
	goto out;
io:
	ret = em.error == YAML_MEMORY_ERROR || em.error == YAML_WRITER_ERROR ? -ENOMEM : -EIO;
out:
	yaml_emitter_delete(&em);
	return ret;
}
