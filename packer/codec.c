// SPDX-License-Identifier: MIT
/*
 * Package codec: base64 and sha256 (own code: no libcrypto on ecli's start-up path), zlib, and
 * the package document {bpf_object, bpf_object_size, meta} (package-format.md §1).
 */
#include "packer/package.h"

#include <cjson/cJSON.h>
#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "eunomia/eunomia.h"

static void seterr(char *err, size_t errsz, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void seterr(char *err, size_t errsz, const char *fmt, ...)
{
	va_list ap;

	if (!err || !errsz)
		return;
	va_start(ap, fmt);
	vsnprintf(err, errsz, fmt, ap);
	va_end(ap);
}

/* ---- base64 ------------------------------------------------------------------------------ */

static const char b64_alphabet[] =
	"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

/* Standard base64 with '=' padding, no line breaks. Own code: no libcrypto on the start-up path. */
int pkg_base64_encode(const void *data, size_t len, struct strbuf *out)
{
	const unsigned char *p = data;
	size_t i, enc = (len + 2) / 3 * 4;
	char *o;
	int err;

	if (len > (SIZE_MAX - 1) / 4 * 3 - 3)
		return -EOVERFLOW;
	err = sb_grow(out, enc);
	if (err)
		return err;
	o = out->buf + out->len;
	for (i = 0; i + 3 <= len; i += 3) {
		uint32_t v = (uint32_t)p[i] << 16 | (uint32_t)p[i + 1] << 8 | p[i + 2];

		*o++ = b64_alphabet[v >> 18];
		*o++ = b64_alphabet[(v >> 12) & 63];
		*o++ = b64_alphabet[(v >> 6) & 63];
		*o++ = b64_alphabet[v & 63];
	}
	if (i < len) {
		uint32_t v = (uint32_t)p[i] << 16 | (i + 1 < len ? (uint32_t)p[i + 1] << 8 : 0);

		*o++ = b64_alphabet[v >> 18];
		*o++ = b64_alphabet[(v >> 12) & 63];
		*o++ = i + 1 < len ? b64_alphabet[(v >> 6) & 63] : '=';
		*o++ = '=';
	}
	out->len += enc;
	out->buf[out->len] = '\0';
	return 0;
}

static int b64_value(unsigned char c)
{
	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 26;
	if (c >= '0' && c <= '9')
		return c - '0' + 52;
	if (c == '+')
		return 62;
	if (c == '/')
		return 63;
	return -1;
}

static void b64_describe(unsigned char c, char *buf, size_t bufsz)
{
	if (c >= 0x21 && c < 0x7f)
		snprintf(buf, bufsz, "'%c'", c);
	else
		snprintf(buf, bufsz, "byte 0x%02x", c);
}

int pkg_base64_decode(const char *text, size_t len, void **out, size_t *out_len, char *err,
		      size_t errsz)
{
	const unsigned char *s = (const unsigned char *)text;
	size_t pad = 0, i, olen;
	unsigned char *buf, *o;
	char what[16];

	*out = NULL;
	*out_len = 0;
	/* Validate first so the error names the offending offset. */
	for (i = 0; i < len; i++) {
		if (b64_value(s[i]) >= 0)
			continue;
		if (s[i] == '=' && i + 2 >= len && len % 4 == 0 && i >= len - 2) {
			/* '=' only in the last two positions, and only trailing */
			size_t j;

			for (j = i; j < len; j++)
				if (s[j] != '=')
					break;
			if (j == len) {
				pad = len - i;
				break;
			}
		}
		b64_describe(s[i], what, sizeof(what));
		seterr(err, errsz, "bpf_object: invalid base64 at offset %zu (%s)", i, what);
		return -EUNOMIA_ERR_BASE64;
	}
	if (len % 4 != 0) {
		seterr(err, errsz,
		       "bpf_object: invalid base64: length %zu is not a multiple of 4 (truncated?)",
		       len);
		return -EUNOMIA_ERR_BASE64;
	}
	olen = len / 4 * 3 - pad;
	buf = malloc(olen ? olen : 1);
	if (!buf)
		return -ENOMEM;
	/* the unused low bits of the last group must be zero (canonical encoding) */
	if (pad) {
		int d = b64_value(s[len - pad - 1]);

		if ((pad == 1 && (d & 0x3)) || (pad == 2 && (d & 0xf))) {
			free(buf);
			seterr(err, errsz,
			       "bpf_object: invalid base64 at offset %zu (non-zero padding bits)",
			       len - pad - 1);
			return -EUNOMIA_ERR_BASE64;
		}
	}
	/* The text is valid (checked above): decode 4 characters into 3 bytes. */
	o = buf;
	for (i = 0; i < len; i += 4) {
		uint32_t v = 0;
		size_t k, n = i + 4 == len ? 3 - pad : 3;

		for (k = 0; k < 4; k++)
			v = v << 6 | (s[i + k] == '=' ? 0u : (uint32_t)b64_value(s[i + k]));
		o[0] = (unsigned char)(v >> 16);
		if (n > 1)
			o[1] = (unsigned char)(v >> 8);
		if (n > 2)
			o[2] = (unsigned char)v;
		o += n;
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
		seterr(err, errsz, "bpf_object_size %zu exceeds the limit of %zu bytes", expected,
		       max);
		return -EUNOMIA_ERR_SIZE;
	}
	if (len > UINT_MAX) {
		seterr(err, errsz, "bpf_object: compressed data too large (%zu bytes)", len);
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
			seterr(err, errsz,
			       "inflated size exceeds bpf_object_size %zu (more than %zu bytes)",
			       expected, max);
			return -EUNOMIA_ERR_SIZE;
		}
		if (ret == Z_OK)
			continue;
		if (ret == Z_BUF_ERROR && zs.avail_in == 0)
			seterr(err, errsz,
			       "bpf_object: zlib stream does not inflate: stream is truncated "
			       "after %zu bytes",
			       total);
		else
			seterr(err, errsz, "bpf_object: zlib stream does not inflate: %s",
			       zlib_reason(ret, &zs));
		inflateEnd(&zs);
		free(buf);
		return -EUNOMIA_ERR_ZLIB;
	}
	inflateEnd(&zs);
	if (total != expected) {
		seterr(err, errsz, "inflated size %zu != bpf_object_size %zu", total, expected);
		free(buf);
		return -EUNOMIA_ERR_SIZE;
	}
	*out = buf;
	*out_len = total;
	return 0;
}

/* ---- sha256 ------------------------------------------------------------------------------ */

/* SHA-256 (FIPS 180-4). Own code: no libcrypto (and its configuration file) at start-up. */
static const uint32_t sha256_k[64] = {
	0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4,
	0xab1c5ed5, 0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe,
	0x9bdc06a7, 0xc19bf174, 0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f,
	0x4a7484aa, 0x5cb0a9dc, 0x76f988da, 0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7,
	0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967, 0x27b70a85, 0x2e1b2138, 0x4d2c6dfc,
	0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85, 0xa2bfe8a1, 0xa81a664b,
	0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070, 0x19a4c116,
	0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
	0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7,
	0xc67178f2,
};

static inline uint32_t ror32(uint32_t x, unsigned int n)
{
	return x >> n | x << (32 - n);
}

static void sha256_block(uint32_t h[8], const unsigned char *b)
{
	uint32_t w[64], a, bb, c, d, e, f, g, hh, t1, t2;
	int i;

	for (i = 0; i < 16; i++)
		w[i] = (uint32_t)b[4 * i] << 24 | (uint32_t)b[4 * i + 1] << 16 |
		       (uint32_t)b[4 * i + 2] << 8 | b[4 * i + 3];
	for (i = 16; i < 64; i++) {
		uint32_t s0 = ror32(w[i - 15], 7) ^ ror32(w[i - 15], 18) ^ (w[i - 15] >> 3);
		uint32_t s1 = ror32(w[i - 2], 17) ^ ror32(w[i - 2], 19) ^ (w[i - 2] >> 10);

		w[i] = w[i - 16] + s0 + w[i - 7] + s1;
	}
	a = h[0], bb = h[1], c = h[2], d = h[3], e = h[4], f = h[5], g = h[6], hh = h[7];
	for (i = 0; i < 64; i++) {
		t1 = hh + (ror32(e, 6) ^ ror32(e, 11) ^ ror32(e, 25)) + ((e & f) ^ (~e & g)) +
		     sha256_k[i] + w[i];
		t2 = (ror32(a, 2) ^ ror32(a, 13) ^ ror32(a, 22)) + ((a & bb) ^ (a & c) ^ (bb & c));
		hh = g, g = f, f = e, e = d + t1, d = c, c = bb, bb = a, a = t1 + t2;
	}
	h[0] += a, h[1] += bb, h[2] += c, h[3] += d, h[4] += e, h[5] += f, h[6] += g, h[7] += hh;
}

void pkg_sha256_hex(const void *data, size_t len, char hex[65])
{
	static const char digits[] = "0123456789abcdef";
	uint32_t h[8] = {0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a,
			 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19};
	const unsigned char *p = data;
	unsigned char last[128];
	uint64_t bits = (uint64_t)len * 8;
	size_t i, rest, nlast;

	for (i = 0; i + 64 <= len; i += 64)
		sha256_block(h, p + i);
	rest = len - i;
	memset(last, 0, sizeof(last));
	if (rest)
		memcpy(last, p + i, rest);
	last[rest] = 0x80;
	nlast = rest + 1 + 8 <= 64 ? 64 : 128;
	for (i = 0; i < 8; i++)
		last[nlast - 1 - i] = (unsigned char)(bits >> (8 * i));
	sha256_block(h, last);
	if (nlast == 128)
		sha256_block(h, last + 64);
	for (i = 0; i < 32; i++) {
		unsigned char byte = (unsigned char)(h[i / 4] >> (24 - 8 * (i % 4)));

		hex[2 * i] = digits[byte >> 4];
		hex[2 * i + 1] = digits[byte & 15];
	}
	hex[64] = '\0';
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
		seterr(err, errsz, "document is empty");
		return -EUNOMIA_ERR_PARSE;
	}
	if (text[i] != '{' && text[i] != '[')
		return pkg_yaml_parse(text, len, doc, err, errsz);
	if (memchr(text, '\0', len)) {
		seterr(err, errsz, "invalid JSON: document contains a NUL byte at offset %zu",
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
		seterr(err, errsz, "invalid JSON at line %zu column %zu (offset %zu)", line, col,
		       pos);
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
			seterr(err, errsz,
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
		max = (size_t)256 << 20;
	if (!cJSON_IsObject(doc)) {
		seterr(err, errsz, "the document is not an object with bpf_object and meta");
		return -EUNOMIA_ERR_FIELD;
	}
	obj = cJSON_GetObjectItemCaseSensitive(doc, "bpf_object");
	if (!obj) {
		seterr(err, errsz,
		       "bpf_object: missing (is this a package.json from ecc, not a "
		       "skel.json?)");
		return -EUNOMIA_ERR_FIELD;
	}
	if (!cJSON_IsString(obj) || !obj->valuestring) {
		seterr(err, errsz, "bpf_object: expected a string");
		return -EUNOMIA_ERR_FIELD;
	}
	size = cJSON_GetObjectItemCaseSensitive(doc, "bpf_object_size");
	if (!size) {
		seterr(err, errsz, "bpf_object_size: missing");
		return -EUNOMIA_ERR_FIELD;
	}
	if (!cJSON_IsNumber(size)) {
		seterr(err, errsz, "bpf_object_size: expected an integer");
		return -EUNOMIA_ERR_FIELD;
	}
	d = size->valuedouble;
	if (!(d >= 0) || d != floor(d) || d > 9007199254740992.0) {
		seterr(err, errsz, "bpf_object_size: expected a non-negative integer, got %g", d);
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
