// SPDX-License-Identifier: MIT
#include "common/jsonw.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/util.h"

size_t json_escape_raw(char *dst, const void *data, size_t len)
{
	const unsigned char *s = data;
	char *d = dst;
	size_t i = 0, l;

	while (i < len) {
		unsigned char c = s[i];

		if (c >= 0x20 && c < 0x7f && c != '"' && c != '\\') {
			*d++ = (char)c;
			i++;
			continue;
		}
		if (c >= 0x80 && (l = eun_utf8_seq_len(s + i, len - i))) {
			memcpy(d, s + i, l);
			d += l;
			i += l;
			continue;
		}
		*d++ = '\\';
		switch (c) {
		case '"':
			*d++ = '"';
			break;
		case '\\':
			*d++ = '\\';
			break;
		case '\b':
			*d++ = 'b';
			break;
		case '\f':
			*d++ = 'f';
			break;
		case '\n':
			*d++ = 'n';
			break;
		case '\r':
			*d++ = 'r';
			break;
		case '\t':
			*d++ = 't';
			break;
		default:
			/* control byte, DEL, or a byte outside well-formed UTF-8 */
			*d++ = 'u';
			*d++ = '0';
			*d++ = '0';
			*d++ = eun_hex_digits[c >> 4];
			*d++ = eun_hex_digits[c & 0xf];
			break;
		}
		i++;
	}
	return (size_t)(d - dst);
}

/* Strings up to this size are escaped in one pass into space reserved up front. */
#define JSON_ESCAPE_ONE_PASS 65536

int json_escape_body(struct strbuf *sb, const void *data, size_t len)
{
	const unsigned char *s = data;
	size_t i = 0, run;
	int err = 0;

	if (len <= JSON_ESCAPE_ONE_PASS) {
		err = sb_grow(sb, JSON_ESCAPE_MAX(len));
		if (err)
			return err;
		sb->len += json_escape_raw(sb->buf + sb->len, data, len);
		sb->buf[sb->len] = '\0';
		return 0;
	}
	while (i < len && !err) {
		unsigned char c = s[i];
		char esc[7] = "\\u00";

		/* Copy the longest run of bytes that need no escaping in one append. */
		run = 0;
		while (i + run < len) {
			unsigned char d = s[i + run];
			size_t l;

			if (d < 0x80) {
				if (d < 0x20 || d == 0x7f || d == '"' || d == '\\')
					break;
				run++;
				continue;
			}
			l = eun_utf8_seq_len(s + i + run, len - i - run);
			if (!l)
				break;
			run += l;
		}
		if (run) {
			err = sb_add(sb, s + i, run);
			i += run;
			continue;
		}
		switch (c) {
		case '"':
			err = sb_add(sb, "\\\"", 2);
			break;
		case '\\':
			err = sb_add(sb, "\\\\", 2);
			break;
		case '\b':
			err = sb_add(sb, "\\b", 2);
			break;
		case '\f':
			err = sb_add(sb, "\\f", 2);
			break;
		case '\n':
			err = sb_add(sb, "\\n", 2);
			break;
		case '\r':
			err = sb_add(sb, "\\r", 2);
			break;
		case '\t':
			err = sb_add(sb, "\\t", 2);
			break;
		default:
			/* control byte, DEL, or a byte outside well-formed UTF-8 */
			esc[4] = eun_hex_digits[c >> 4];
			esc[5] = eun_hex_digits[c & 0xf];
			err = sb_add(sb, esc, 6);
			break;
		}
		i++;
	}
	return err;
}

int json_escape_str(struct strbuf *sb, const void *s, size_t len)
{
	size_t old = sb->len;
	int err;

	err = sb_addc(sb, '"');
	if (!err)
		err = json_escape_body(sb, s, len);
	if (!err)
		err = sb_addc(sb, '"');
	if (err && sb->buf) {
		sb->len = old;
		sb->buf[old] = '\0';
	}
	return err;
}

static const char dec_pairs[201] =
	"00010203040506070809101112131415161718192021222324252627282930313233343536373839"
	"40414243444546474849505152535455565758596061626364656667686970717273747576777879"
	"8081828384858687888990919293949596979899";

size_t u64_to_dec(char *dst, uint64_t v)
{
	size_t n = 1, len;
	uint64_t t = v;

	/* digits first, then the text from the end, two digits at a time */
	while (t >= 10000) {
		t /= 10000;
		n += 4;
	}
	n += (t >= 10) + (t >= 100) + (t >= 1000);
	len = n;
	while (v >= 100) {
		unsigned int r = (unsigned int)(v % 100);

		v /= 100;
		n -= 2;
		dst[n] = dec_pairs[2 * r];
		dst[n + 1] = dec_pairs[2 * r + 1];
	}
	if (v >= 10) {
		dst[0] = dec_pairs[2 * v];
		dst[1] = dec_pairs[2 * v + 1];
	} else {
		dst[0] = (char)('0' + v);
	}
	return len;
}

size_t s64_to_dec(char *dst, int64_t v)
{
	if (v < 0) {
		*dst = '-';
		return 1 + u64_to_dec(dst + 1, -(uint64_t)v);
	}
	return u64_to_dec(dst, (uint64_t)v);
}

char *u128_to_str(unsigned __int128 v, char *buf)
{
	char tmp[40];
	int n = 0, i;

	do {
		tmp[n++] = (char)('0' + (int)(v % 10));
		v /= 10;
	} while (v);
	for (i = 0; i < n; i++)
		buf[i] = tmp[n - 1 - i];
	buf[n] = '\0';
	return buf;
}

char *s128_to_str(__int128 v, char *buf)
{
	unsigned __int128 u;

	if (v < 0) {
		buf[0] = '-';
		u = -(unsigned __int128)v;
		u128_to_str(u, buf + 1);
	} else {
		u128_to_str((unsigned __int128)v, buf);
	}
	return buf;
}

char *double_to_str(double v, char *buf, size_t size)
{
	int prec;

	for (prec = 15; prec <= 17; prec++) {
		snprintf(buf, size, "%.*g", prec, v);
		if (strtod(buf, NULL) == v)
			break;
	}
	return buf;
}

void jsonw_init(struct jsonw *w, struct strbuf *sb)
{
	memset(w, 0, sizeof(*w));
	w->sb = sb;
}

int jsonw_error(const struct jsonw *w)
{
	return w->err;
}

/* Separator before a value (or key); fails on a value in an object without a key. */
static int jw_pre_value(struct jsonw *w)
{
	if (w->err)
		return w->err;
	if (w->after_key) {
		w->after_key = false;
		return 0;
	}
	if (w->in_object[w->depth])
		return w->err = -EINVAL;
	if (w->need_comma[w->depth])
		w->err = sb_addc(w->sb, ',');
	w->need_comma[w->depth] = true;
	return w->err;
}

static int jw_start(struct jsonw *w, char c, bool object)
{
	if (jw_pre_value(w))
		return w->err;
	if (w->depth >= JSONW_MAX_DEPTH)
		return w->err = -EINVAL;
	w->err = sb_addc(w->sb, c);
	w->depth++;
	w->need_comma[w->depth] = false;
	w->in_object[w->depth] = object;
	return w->err;
}

static int jw_end(struct jsonw *w, char c, bool object)
{
	if (w->err)
		return w->err;
	if (w->depth == 0 || w->in_object[w->depth] != object || w->after_key)
		return w->err = -EINVAL;
	w->depth--;
	return w->err = sb_addc(w->sb, c);
}

int jsonw_start_object(struct jsonw *w)
{
	return jw_start(w, '{', true);
}

int jsonw_end_object(struct jsonw *w)
{
	return jw_end(w, '}', true);
}

int jsonw_start_array(struct jsonw *w)
{
	return jw_start(w, '[', false);
}

int jsonw_end_array(struct jsonw *w)
{
	return jw_end(w, ']', false);
}

int jsonw_key(struct jsonw *w, const char *key)
{
	if (w->err)
		return w->err;
	if (!w->in_object[w->depth] || w->after_key)
		return w->err = -EINVAL;
	if (w->need_comma[w->depth] && (w->err = sb_addc(w->sb, ',')))
		return w->err;
	w->need_comma[w->depth] = true;
	if (!(w->err = json_escape_str(w->sb, key, strlen(key))))
		w->err = sb_addc(w->sb, ':');
	w->after_key = !w->err;
	return w->err;
}

int jsonw_raw(struct jsonw *w, const char *text)
{
	if (jw_pre_value(w))
		return w->err;
	return w->err = sb_adds(w->sb, text);
}

int jsonw_string_len(struct jsonw *w, const void *s, size_t len)
{
	if (jw_pre_value(w))
		return w->err;
	return w->err = json_escape_str(w->sb, s, len);
}

int jsonw_string(struct jsonw *w, const char *s)
{
	return jsonw_string_len(w, s, strlen(s));
}

int jsonw_u64(struct jsonw *w, uint64_t v)
{
	char buf[24];

	if (jw_pre_value(w))
		return w->err;
	return w->err = sb_add(w->sb, buf, u64_to_dec(buf, v));
}

int jsonw_s64(struct jsonw *w, int64_t v)
{
	char buf[24];

	if (jw_pre_value(w))
		return w->err;
	return w->err = sb_add(w->sb, buf, s64_to_dec(buf, v));
}

int jsonw_u128(struct jsonw *w, unsigned __int128 v)
{
	char buf[44];

	return jsonw_string(w, u128_to_str(v, buf));
}

int jsonw_s128(struct jsonw *w, __int128 v)
{
	char buf[44];

	return jsonw_string(w, s128_to_str(v, buf));
}

int jsonw_double(struct jsonw *w, double v)
{
	char buf[40];

	if (!isfinite(v))
		return jsonw_raw(w, "null");
	return jsonw_raw(w, double_to_str(v, buf, sizeof(buf)));
}

int jsonw_bool(struct jsonw *w, bool v)
{
	return jsonw_raw(w, v ? "true" : "false");
}

int jsonw_null(struct jsonw *w)
{
	return jsonw_raw(w, "null");
}
