// SPDX-License-Identifier: MIT
/*
 * libFuzzer target: the package document reader (packer/yaml.c, packer/codec.c):
 * pkg_doc_parse() on the input (JSON, or YAML when it does not start with '{' or '['), and
 * pkg_yaml_parse() on it directly.
 *
 * Checked, not just survived:
 *   - a failure leaves *doc NULL and says why (a non-empty message), a success returns a doc;
 *   - a document read from YAML can be written back (pkg_yaml_write) and that YAML reads
 *     back to the same document (what `ecc -y` writes, ecli must read);
 *   - any valid UTF-8 text (cut at a NUL) as a key and as a value is written and read back
 *     unchanged (doc-comment text reaches package.yaml that way).
 * (A JSON document need not survive the trip: JSON allows duplicate keys, NUL escapes cut
 * strings short in cJSON, and 1e999 is a number cJSON turns into infinity.)
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "common/strbuf.h"
#include "fuzz_util.h"
#include "packer/package.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void fail(const char *what, const uint8_t *in, size_t in_len, const char *out)
{
	fprintf(stderr, "fuzz_yaml: %s\ninput (%zu bytes): %.*s\noutput: %s\n", what, in_len,
		(int)in_len, (const char *)in, out ? out : "(none)");
	abort();
}

static void check_result(int ret, cJSON *doc, const char *err, const uint8_t *data, size_t size)
{
	if (ret && doc)
		fail("a failed parse returned a document", data, size, NULL);
	if (ret && !*err)
		fail("a failed parse gave no message", data, size, NULL);
	if (!ret && !doc)
		fail("a successful parse returned no document", data, size, NULL);
}

static void round_trip(const cJSON *doc, const uint8_t *data, size_t size)
{
	struct strbuf out = STRBUF_INIT;
	char err[256] = "";
	cJSON *again = NULL;
	char *text;
	int ret;

	ret = pkg_yaml_write(doc, &out);
	if (ret) {
		text = cJSON_PrintUnformatted(doc);
		fprintf(stderr, "pkg_yaml_write: %d\n", ret);
		fail("a document read from YAML cannot be written as YAML", data, size, text);
	}
	ret = pkg_yaml_parse(sb_str(&out), out.len, &again, err, sizeof(err));
	if (ret) {
		fprintf(stderr, "pkg_yaml_parse of the written YAML: %s\n", err);
		fail("the YAML written for a document does not read back", data, size,
		     sb_str(&out));
	}
	if (!cJSON_Compare(doc, again, true)) {
		text = cJSON_PrintUnformatted(again);
		fprintf(stderr, "read back as: %s\n", text ? text : "?");
		fail("the YAML written for a document reads back as another document", data, size,
		     sb_str(&out));
	}
	cJSON_Delete(again);
	sb_free(&out);
}

/*
 * The writer on any text (what `ecc -y` writes: doc-comment text from a source file): the
 * input, cut at its first NUL, as a key and as a value. Valid UTF-8 must be written and read
 * back unchanged; other bytes must not crash the writer.
 */
static void write_text(const uint8_t *data, size_t size)
{
	char *text = strndup((const char *)data, size);
	cJSON *list = cJSON_CreateArray(), *obj = cJSON_CreateObject();
	struct strbuf out = STRBUF_INIT;

	if (text && list && obj && cJSON_AddItemToArray(list, cJSON_CreateString(text)) &&
	    cJSON_AddItemToObject(obj, text, cJSON_CreateString(text))) {
		if (utf8_ok((const unsigned char *)text, strlen(text))) {
			round_trip(list, data, size);
			round_trip(obj, data, size);
		} else {
			/* refusing bytes that are not UTF-8 is fine; crashing is not */
			(void)pkg_yaml_write(obj, &out);
		}
	}
	sb_free(&out);
	cJSON_Delete(list);
	cJSON_Delete(obj);
	free(text);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char err[256] = "";
	cJSON *doc = NULL;
	int ret;

	/* the documents are read from buffers that are not NUL-terminated */
	ret = pkg_doc_parse((const char *)data, size, &doc, err, sizeof(err));
	check_result(ret, doc, err, data, size);
	cJSON_Delete(doc);

	err[0] = '\0';
	doc = NULL;
	ret = pkg_yaml_parse((const char *)data, size, &doc, err, sizeof(err));
	check_result(ret, doc, err, data, size);
	if (!ret)
		round_trip(doc, data, size);
	cJSON_Delete(doc);

	write_text(data, size);
	return 0;
}
