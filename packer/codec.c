// SPDX-License-Identifier: MIT
/*
 * Package codec: base64 and sha256 (GNU Nettle: small, no configuration file, no global
 * initialisation, unlike libcrypto), zlib, and the package document
 * {bpf_object, bpf_object_size, meta} (docs/package-format.md §2).
 */
#include "packer/package.h"

#include <cjson/cJSON.h>
#include <errno.h>
#include <limits.h>
#include <math.h>
#include <nettle/base64.h>
#include <nettle/sha2.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "common/util.h"
#include "common/error.h"
#include "packer/format.h"

/* ---- base64 (GNU Nettle) ------------------------------------------------------------------ */

/* Standard base64 with '=' padding, no line breaks. */
int pkg_base64_encode(const void *data, size_t len, struct strbuf *out)
{
	size_t enc;
	int err;

	if (len > (SIZE_MAX - 1) / 4 * 3 - 3)
		return -EOVERFLOW;
	enc = BASE64_ENCODE_RAW_LENGTH(len);
	err = sb_grow(out, enc);
	if (err)
		return err;
	base64_encode_raw(out->buf + out->len, len, data);
	out->len += enc;
	out->buf[out->len] = '\0';
	return 0;
}

static bool b64_alpha(unsigned char c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
	       c == '+' || c == '/';
}

static unsigned int b64_value(unsigned char c)
{
	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 26u;
	if (c >= '0' && c <= '9')
		return c - '0' + 52u;
	return c == '+' ? 62u : 63u;
}

static void b64_describe(unsigned char c, char *buf, size_t bufsz)
{
	if (c >= 0x21 && c < 0x7f)
		snprintf(buf, bufsz, "'%c'", c);
	else
		snprintf(buf, bufsz, "byte 0x%02x", c);
}

/*
 * Nettle does the decoding. It skips whitespace and does not report where the text goes wrong,
 * so a first pass checks the stricter form a package must have (no whitespace, '=' only as
 * trailing padding, length a multiple of 4, zero padding bits) and names the offending offset.
 */
int pkg_base64_decode(const char *text, size_t len, void **out, size_t *out_len, char *err,
		      size_t errsz)
{
	const unsigned char *s = (const unsigned char *)text;
	struct base64_decode_ctx ctx;
	size_t pad = 0, i, cap, olen = 0;
	unsigned char *buf;
	char what[16];

	*out = NULL;
	*out_len = 0;
	for (i = 0; i < len; i++) {
		if (b64_alpha(s[i]))
			continue;
		if (s[i] == '=' && len % 4 == 0 && i + 2 >= len) {
			/* '=' only in the last two positions, and only trailing */
			size_t j;

			for (j = i; j < len && s[j] == '='; j++)
				;
			if (j == len) {
				pad = len - i;
				break;
			}
		}
		b64_describe(s[i], what, sizeof(what));
		eun_seterr(err, errsz, "bpf_object: invalid base64 at offset %zu (%s)", i, what);
		return -EUNOMIA_ERR_BASE64;
	}
	if (len % 4 != 0) {
		eun_seterr(
			err, errsz,
			"bpf_object: invalid base64: length %zu is not a multiple of 4 (truncated?)",
			len);
		return -EUNOMIA_ERR_BASE64;
	}
	/* the unused low bits of the last group must be zero (canonical encoding) */
	if (pad) {
		unsigned int d = b64_value(s[len - pad - 1]);

		if ((pad == 1 && (d & 0x3)) || (pad == 2 && (d & 0xf))) {
			eun_seterr(
				err, errsz,
				"bpf_object: invalid base64 at offset %zu (non-zero padding bits)",
				len - pad - 1);
			return -EUNOMIA_ERR_BASE64;
		}
	}
	if (len > SIZE_MAX / 6 - 1)
		return -EOVERFLOW;
	cap = BASE64_DECODE_LENGTH(len);
	buf = malloc(cap ? cap : 1);
	if (!buf)
		return -ENOMEM;
	base64_decode_init(&ctx);
	if (!base64_decode_update(&ctx, &olen, buf, len, text) || !base64_decode_final(&ctx) ||
	    olen != len / 4 * 3 - pad) {
		free(buf);
		eun_seterr(err, errsz, "bpf_object: invalid base64 (rejected by the decoder)");
		return -EUNOMIA_ERR_BASE64;
	}
	*out = buf;
	*out_len = olen;
	return 0;
}

/* ---- zlib -------------------------------------------------------------------------------- */

int pkg_zlib_deflate(const void *data, size_t len, void **out, size_t *out_len)
{
	z_stream zs;
	unsigned char *buf;
	size_t cap;
	int ret;

	*out = NULL;
	*out_len = 0;
	memset(&zs, 0, sizeof(zs));
	if (deflateInit(&zs, Z_BEST_COMPRESSION) != Z_OK)
		return -ENOMEM;
	cap = deflateBound(&zs, len > ULONG_MAX ? ULONG_MAX : len) + 64;
	buf = malloc(cap);
	if (!buf) {
		deflateEnd(&zs);
		return -ENOMEM;
	}
	zs.next_in = (Bytef *)data;
	zs.next_out = buf;
	/* Feed in chunks: avail_in/out are 32-bit. */
	do {
		size_t in_left = len - (size_t)((const unsigned char *)zs.next_in -
						(const unsigned char *)data);
		size_t out_left = cap - (size_t)(zs.next_out - buf);

		zs.avail_in = in_left > UINT_MAX ? UINT_MAX : (uInt)in_left;
		zs.avail_out = out_left > UINT_MAX ? UINT_MAX : (uInt)out_left;
		ret = deflate(&zs, in_left > UINT_MAX ? Z_NO_FLUSH : Z_FINISH);
	} while (ret == Z_OK);
	if (ret != Z_STREAM_END) {
		deflateEnd(&zs);
		free(buf);
		return -EIO;
	}
	*out_len = (size_t)(zs.next_out - buf);
	deflateEnd(&zs);
	*out = buf;
	return 0;
}

static const char *zlib_reason(int ret, const z_stream *zs)
{
	if (zs->msg)
		return zs->msg;
	switch (ret) {
	case Z_DATA_ERROR:
		return "corrupt data";
	case Z_BUF_ERROR:
		return "stream is truncated";
	case Z_MEM_ERROR:
		return "out of memory";
	default:
		return "inflate failed";
	}
}

int pkg_zlib_inflate(const void *data, size_t len, size_t expected, size_t max, void **out,
		     size_t *out_len, char *err, size_t errsz)
{
	unsigned char scratch[16384];
	unsigned char *buf;
	size_t total = 0;
	z_stream zs;
	int ret;

	*out = NULL;
	*out_len = 0;
	if (expected > max) {
		eun_seterr(err, errsz, "bpf_object_size %zu exceeds the limit of %zu bytes",
			   expected, max);
		return -EUNOMIA_ERR_SIZE;
	}
	if (len > UINT_MAX) {
		eun_seterr(err, errsz, "bpf_object: compressed data too large (%zu bytes)", len);
		return -EUNOMIA_ERR_SIZE;
	}
	buf = malloc(expected ? expected : 1);
	if (!buf)
		return -ENOMEM;
	memset(&zs, 0, sizeof(zs));
	if (inflateInit(&zs) != Z_OK) {
		free(buf);
		return -ENOMEM;
	}
	zs.next_in = (Bytef *)data;
	zs.avail_in = (uInt)len;
	for (;;) {
		size_t before;

		if (total < expected) {
			size_t left = expected - total;

			zs.next_out = buf + total;
			zs.avail_out = (uInt)(left > UINT_MAX ? UINT_MAX : left);
		} else {
			/* Past the declared size: keep counting (bounded by max) for the message.
			 */
			zs.next_out = scratch;
			zs.avail_out = sizeof(scratch);
		}
		before = zs.avail_out;
		ret = inflate(&zs, Z_NO_FLUSH);
		total += before - zs.avail_out;
		if (ret == Z_STREAM_END)
			break;
		if (total > max) {
			inflateEnd(&zs);
			free(buf);
			eun_seterr(
				err, errsz,
				"inflated size exceeds bpf_object_size %zu (more than %zu bytes)",
				expected, max);
			return -EUNOMIA_ERR_SIZE;
		}
		if (ret == Z_OK)
			continue;
		if (ret == Z_BUF_ERROR && zs.avail_in == 0)
			eun_seterr(err, errsz,
				   "bpf_object: zlib stream does not inflate: stream is truncated "
				   "after %zu bytes",
				   total);
		else
			eun_seterr(err, errsz, "bpf_object: zlib stream does not inflate: %s",
				   zlib_reason(ret, &zs));
		inflateEnd(&zs);
		free(buf);
		return -EUNOMIA_ERR_ZLIB;
	}
	inflateEnd(&zs);
	if (total != expected) {
		eun_seterr(err, errsz, "inflated size %zu != bpf_object_size %zu", total, expected);
		free(buf);
		return -EUNOMIA_ERR_SIZE;
	}
	*out = buf;
	*out_len = total;
	return 0;
}

/* ---- sha256 (GNU Nettle) ------------------------------------------------------------------ */

void pkg_sha256_hex(const void *data, size_t len, char hex[65])
{
	uint8_t md[SHA256_DIGEST_SIZE];
	struct sha256_ctx ctx;

	sha256_init(&ctx);
	sha256_update(&ctx, len, data);
	sha256_digest(&ctx, sizeof(md), md);
	eun_hex_encode(hex, md, sizeof(md));
}

/* ---- documents --------------------------------------------------------------------------- */

static void json_error_pos(const char *text, size_t len, size_t pos, size_t *line, size_t *col)
{
	size_t i;

	*line = 1;
	*col = 1;
	for (i = 0; i < pos && i < len; i++) {
		if (text[i] == '\n') {
			(*line)++;
			*col = 1;
		} else {
			(*col)++;
		}
	}
}

int pkg_doc_parse(const char *text, size_t len, struct cJSON **doc, char *err, size_t errsz)
{
	const char *end = NULL;
	size_t i = 0, line, col;
	cJSON *j;

	*doc = NULL;
	/* drop a UTF-8 BOM; skip leading whitespace */
	if (len >= 3 && !memcmp(text, "\xef\xbb\xbf", 3)) {
		text += 3;
		len -= 3;
	}
	while (i < len && (text[i] == ' ' || text[i] == '\t' || text[i] == '\n' || text[i] == '\r'))
		i++;
	if (i == len) {
		eun_seterr(err, errsz, "document is empty");
		return -EUNOMIA_ERR_PARSE;
	}
	if (text[i] != '{' && text[i] != '[')
		return pkg_yaml_parse(text, len, doc, err, errsz);
	if (memchr(text, '\0', len)) {
		eun_seterr(err, errsz, "invalid JSON: document contains a NUL byte at offset %zu",
			   (size_t)((const char *)memchr(text, '\0', len) - text));
		return -EUNOMIA_ERR_PARSE;
	}
	j = cJSON_ParseWithLengthOpts(text, len, &end, false);
	if (!j) {
		size_t pos = end && end >= text && end <= text + len ? (size_t)(end - text) : 0;

		/* YAML flow style ("{a: 1}") also starts with a brace; JSON keys are quoted */
		if (text[i] == '{') {
			size_t k = i + 1;

			while (k < len && strchr(" \t\r\n", text[k]))
				k++;
			if (k < len && text[k] != '"' && text[k] != '}' &&
			    pkg_yaml_parse(text, len, doc, NULL, 0) == 0)
				return 0;
		}
		json_error_pos(text, len, pos, &line, &col);
		eun_seterr(err, errsz, "invalid JSON at line %zu column %zu (offset %zu)", line,
			   col, pos);
		return -EUNOMIA_ERR_PARSE;
	}
	/* only whitespace may follow the document */
	if (end) {
		size_t pos = (size_t)(end - text);

		while (pos < len && (text[pos] == ' ' || text[pos] == '\t' || text[pos] == '\n' ||
				     text[pos] == '\r'))
			pos++;
		if (pos < len) {
			json_error_pos(text, len, pos, &line, &col);
			eun_seterr(
				err, errsz,
				"invalid JSON at line %zu column %zu (offset %zu): trailing data "
				"after the document",
				line, col, pos);
			cJSON_Delete(j);
			return -EUNOMIA_ERR_PARSE;
		}
	}
	*doc = j;
	return 0;
}

int pkg_build(const void *elf, size_t elf_len, const struct cJSON *meta, struct cJSON **doc)
{
	struct strbuf b64 = STRBUF_INIT;
	void *z = NULL;
	size_t zlen = 0;
	cJSON *d = NULL, *m = NULL;
	int err;

	*doc = NULL;
	err = pkg_zlib_deflate(elf, elf_len, &z, &zlen);
	if (err)
		return err;
	err = pkg_base64_encode(z, zlen, &b64);
	free(z);
	if (err)
		goto out;
	err = -ENOMEM;
	d = cJSON_CreateObject();
	if (!d)
		goto out;
	if (!cJSON_AddStringToObject(d, "bpf_object", sb_str(&b64)))
		goto out;
	if (!cJSON_AddNumberToObject(d, "bpf_object_size", (double)elf_len))
		goto out;
	m = meta ? cJSON_Duplicate(meta, true) : cJSON_CreateObject();
	if (!m)
		goto out;
	if (!cJSON_AddItemToObject(d, "meta", m)) {
		cJSON_Delete(m);
		goto out;
	}
	*doc = d;
	d = NULL;
	err = 0;
out:
	cJSON_Delete(d);
	sb_free(&b64);
	return err;
}

int pkg_write(const struct cJSON *doc, bool yaml, struct strbuf *out)
{
	char *s;
	int err;

	if (yaml)
		return pkg_yaml_write(doc, out);
	s = cJSON_Print(doc);
	if (!s)
		return -ENOMEM;
	err = sb_adds(out, s);
	if (!err)
		err = sb_addc(out, '\n');
	cJSON_free(s);
	return err;
}

int pkg_extract_object(const struct cJSON *doc, size_t max, void **elf, size_t *elf_len, char *err,
		       size_t errsz)
{
	const cJSON *obj, *size;
	void *z = NULL;
	size_t zlen = 0, expected;
	double d;
	int ret;

	*elf = NULL;
	*elf_len = 0;
	if (!max)
		max = EUN_PKG_MAX_SIZE;
	if (!cJSON_IsObject(doc)) {
		eun_seterr(err, errsz, "the document is not an object with bpf_object and meta");
		return -EUNOMIA_ERR_FIELD;
	}
	obj = cJSON_GetObjectItemCaseSensitive(doc, "bpf_object");
	if (!obj) {
		eun_seterr(err, errsz,
			   "bpf_object: missing (is this a package.json from ecc, not a "
			   "skel.json?)");
		return -EUNOMIA_ERR_FIELD;
	}
	if (!cJSON_IsString(obj) || !obj->valuestring) {
		eun_seterr(err, errsz, "bpf_object: expected a string");
		return -EUNOMIA_ERR_FIELD;
	}
	size = cJSON_GetObjectItemCaseSensitive(doc, "bpf_object_size");
	if (!size) {
		eun_seterr(err, errsz, "bpf_object_size: missing");
		return -EUNOMIA_ERR_FIELD;
	}
	if (!cJSON_IsNumber(size)) {
		eun_seterr(err, errsz, "bpf_object_size: expected an integer");
		return -EUNOMIA_ERR_FIELD;
	}
	d = size->valuedouble;
	if (!(d >= 0) || d != floor(d) || d > 9007199254740992.0) {
		eun_seterr(err, errsz, "bpf_object_size: expected a non-negative integer, got %g",
			   d);
		return -EUNOMIA_ERR_FIELD;
	}
	expected = (size_t)d;
	ret = pkg_base64_decode(obj->valuestring, strlen(obj->valuestring), &z, &zlen, err, errsz);
	if (ret)
		return ret;
	ret = pkg_zlib_inflate(z, zlen, expected, max, elf, elf_len, err, errsz);
	free(z);
	return ret;
}

bool pkg_is_tar(const void *data, size_t len)
{
	return len >= 263 && !memcmp((const char *)data + 257, "ustar", 5);
}
