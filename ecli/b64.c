// SPDX-License-Identifier: MIT
/*
 * Base64 for the server and the client (package bytes in JSON bodies and in --state-dir), on
 * nettle. Decoding takes what the archived eunomia-bpf server's clients send: standard
 * alphabet, padding optional, line breaks ignored.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <nettle/base64.h>

#include "ecli/server.h"

char *srv_b64_encode(const void *data, size_t len)
{
	char *out = malloc(BASE64_ENCODE_RAW_LENGTH(len) + 1);

	if (!out)
		return NULL;
	base64_encode_raw(out, len, data);
	out[BASE64_ENCODE_RAW_LENGTH(len)] = '\0';
	return out;
}

void *srv_b64_decode(const char *s, size_t *len)
{
	struct base64_decode_ctx ctx;
	size_t n = strlen(s), pad = 0, outlen;
	uint8_t *out;

	/* '=' only at the very end (at most two): nettle's final check wants full quads, and
	 * unpadded input is accepted here */
	while (n && (s[n - 1] == '\n' || s[n - 1] == '\r'))
		n--;
	while (n && s[n - 1] == '=' && pad < 2) {
		n--;
		pad++;
	}
	if (memchr(s, '=', n))
		return NULL;
	out = malloc(BASE64_DECODE_LENGTH(n) + 1);
	if (!out)
		return NULL;
	outlen = BASE64_DECODE_LENGTH(n) + 1;
	base64_decode_init(&ctx);
	if (!base64_decode_update(&ctx, &outlen, out, n, s)) {
		free(out);
		return NULL;
	}
	*len = outlen;
	return out;
}
