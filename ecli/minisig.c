// SPDX-License-Identifier: MIT
/*
 * minisign's formats on libsodium (no hand-written crypto):
 *   public key  "Ed" | key id (8) | Ed25519 public key (32), base64 after a comment line
 *   secret key  "Ed" | kdf "\0\0" (unencrypted) | "B2" | salt (32) | opslimit (8) | memlimit (8)
 *               | key id (8) | Ed25519 secret key (64) | BLAKE2b-256 checksum (32)
 *   signature   untrusted comment / base64("ED" | key id | Ed25519(BLAKE2b-512(file))) /
 *               trusted comment / base64(Ed25519(signature | trusted comment))
 * Key IDs print as minisign prints them: the 8 bytes as a little-endian number, upper-case hex.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "common/fileio.h"
#include "common/strbuf.h"
#include "common/util.h"
#include "ecli/minisig.h"

#define PK_BIN_LEN  (2 + MINISIG_KEYID_LEN + 32)
#define SK_BIN_LEN  (2 + 2 + 2 + 32 + 8 + 8 + MINISIG_KEYID_LEN + 64 + 32)
#define SIG_BIN_LEN (2 + MINISIG_KEYID_LEN + 64)
#define KEY_MAX	    4096

static int sodium_ready(char *err, size_t errsz)
{
	if (sodium_init() < 0) {
		eun_seterr(err, errsz, "libsodium failed to initialise");
		return -1;
	}
	return 0;
}

static void idhex(const uint8_t id[MINISIG_KEYID_LEN], char out[17])
{
	for (int i = 0; i < MINISIG_KEYID_LEN; i++)
		snprintf(out + 2 * i, 3, "%02X", id[MINISIG_KEYID_LEN - 1 - i]);
}

/* Decode a base64 line (ends at '\n', '\r' or NUL) of exactly want bytes. */
static int b64_line(const char *s, size_t n, uint8_t *out, size_t want)
{
	size_t len = 0, l = strcspn(s, "\r\n");

	if (l > n)
		l = n;
	if (sodium_base642bin(out, want, s, l, NULL, &len, NULL, sodium_base64_VARIANT_ORIGINAL))
		return -1;
	return len == want ? 0 : -1;
}

/* The line after the first "untrusted comment:" line (or the text itself when it has none). */
static const char *after_comment(const char *s)
{
	if (!strncmp(s, "untrusted comment:", 18)) {
		s = strchr(s, '\n');
		return s ? s + 1 : NULL;
	}
	return s;
}

static int read_small(const char *path, struct strbuf *sb, const char *what, char *err,
		      size_t errsz)
{
	int rc = eun_read_file(path, 0, KEY_MAX, sb);

	if (rc) {
		eun_seterr(err, errsz, "cannot read %s '%s': %s", what, path, strerror(-rc));
		return -1;
	}
	return 0;
}

int minisig_pubkey_load(const char *path, struct minisig_pubkey *k, char *err, size_t errsz)
{
	struct strbuf sb = STRBUF_INIT;
	uint8_t bin[PK_BIN_LEN];
	const char *line;
	struct stat st;
	int rc = -1;

	memset(k, 0, sizeof(*k));
	if (sodium_ready(err, errsz))
		return -1;
	if (stat(path, &st) && !b64_line(path, strlen(path), bin, sizeof(bin))) {
		line = path; /* a bare key, as minisign -P takes */
		snprintf(k->source, sizeof(k->source), "the key given on the command line");
	} else {
		if (read_small(path, &sb, "public key", err, errsz))
			goto out;
		snprintf(k->source, sizeof(k->source), "%s", path);
		line = after_comment(sb_str(&sb));
		if (!line || b64_line(line, strlen(line), bin, sizeof(bin))) {
			eun_seterr(err, errsz,
				   "'%s' is not a minisign public key (a comment line, then a "
				   "base64 line of %d bytes)",
				   path, PK_BIN_LEN);
			goto out;
		}
	}
	if (memcmp(bin, "Ed", 2)) {
		eun_seterr(err, errsz, "'%s': not an Ed25519 key (algorithm '%.2s')", path, bin);
		goto out;
	}
	memcpy(k->id, bin + 2, MINISIG_KEYID_LEN);
	memcpy(k->pk, bin + 2 + MINISIG_KEYID_LEN, 32);
	idhex(k->id, k->idhex);
	rc = 0;
out:
	sb_free(&sb);
	return rc;
}

static int cmp_names(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

int minisig_pubkey_load_dir(const char *dir, struct minisig_pubkey *keys, size_t *n, size_t max,
			    char *err, size_t errsz)
{
	char *names[64], path[4096];
	size_t nn = 0, added = 0;
	struct dirent *de;
	int rc = 0;
	DIR *d;

	d = opendir(dir);
	if (!d) {
		eun_seterr(err, errsz, "cannot open the trusted key directory '%s': %s", dir,
			   strerror(errno));
		return -1;
	}
	while ((de = readdir(d)) && nn < sizeof(names) / sizeof(names[0])) {
		size_t l = strlen(de->d_name);

		if (l > 4 && !strcmp(de->d_name + l - 4, ".pub") && de->d_name[0] != '.')
			names[nn++] = strdup(de->d_name);
		if (nn && !names[nn - 1])
			nn--;
	}
	closedir(d);
	qsort(names, nn, sizeof(names[0]), cmp_names);
	for (size_t i = 0; i < nn; i++) {
		if (!rc && *n < max) {
			snprintf(path, sizeof(path), "%s/%s", dir, names[i]);
			if (minisig_pubkey_load(path, &keys[*n], err, errsz))
				rc = -1;
			else
				(*n)++, added++;
		}
		free(names[i]);
	}
	return rc ? -1 : (int)added;
}

int minisig_seckey_load(const char *path, struct minisig_seckey *k, char *err, size_t errsz)
{
	struct strbuf sb = STRBUF_INIT;
	uint8_t bin[SK_BIN_LEN], chk[32], pk[32], sk[64];
	crypto_generichash_state hs;
	const uint8_t *ks;
	const char *line;
	int rc = -1;

	memset(k, 0, sizeof(*k));
	if (sodium_ready(err, errsz) || read_small(path, &sb, "secret key", err, errsz))
		goto out;
	line = after_comment(sb_str(&sb));
	if (!line || b64_line(line, strlen(line), bin, sizeof(bin)) || memcmp(bin, "Ed", 2) ||
	    memcmp(bin + 4, "B2", 2)) {
		eun_seterr(err, errsz, "'%s' is not a minisign Ed25519 secret key", path);
		goto out;
	}
	if (bin[2] || bin[3]) {
		eun_seterr(
			err, errsz,
			"'%s' is password-protected; ecli reads unencrypted keys only (make "
			"one with `ecli keygen` or `minisign -G -W`, or sign with `minisign -S`)",
			path);
		goto out;
	}
	ks = bin + 2 + 2 + 2 + 32 + 8 + 8;
	crypto_generichash_init(&hs, NULL, 0, sizeof(chk));
	crypto_generichash_update(&hs, bin, 2);
	crypto_generichash_update(&hs, ks, MINISIG_KEYID_LEN + 64);
	crypto_generichash_final(&hs, chk, sizeof(chk));
	/* minisign -W leaves the checksum zero; the public half must match the seed either way */
	crypto_sign_seed_keypair(pk, sk, ks + MINISIG_KEYID_LEN);
	if ((!sodium_is_zero(ks + MINISIG_KEYID_LEN + 64, sizeof(chk)) &&
	     sodium_memcmp(chk, ks + MINISIG_KEYID_LEN + 64, sizeof(chk))) ||
	    sodium_memcmp(pk, ks + MINISIG_KEYID_LEN + 32, sizeof(pk))) {
		eun_seterr(err, errsz,
			   "'%s': the secret key's checksum does not match (damaged file)", path);
		goto out;
	}
	memcpy(k->id, ks, MINISIG_KEYID_LEN);
	memcpy(k->sk, ks + MINISIG_KEYID_LEN, 64);
	idhex(k->id, k->idhex);
	rc = 0;
out:
	sodium_memzero(sk, sizeof(sk));
	sodium_memzero(bin, sizeof(bin));
	if (sb.buf)
		sodium_memzero(sb.buf, sb.len);
	sb_free(&sb);
	return rc;
}

static int write_new(const char *path, const char *text, mode_t mode, bool force, char *err,
		     size_t errsz)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_CLOEXEC | (force ? O_TRUNC : O_EXCL), mode);

	if (fd < 0) {
		eun_seterr(err, errsz, "cannot create '%s': %s%s", path, strerror(errno),
			   errno == EEXIST ? " (use -f to overwrite it)" : "");
		return -1;
	}
	if (eun_write_all(fd, text, strlen(text)) || close(fd)) {
		eun_seterr(err, errsz, "cannot write '%s': %s", path, strerror(errno));
		return -1;
	}
	return 0;
}

int minisig_keygen(const char *pub_path, const char *sec_path, bool force, char out_id[17],
		   char *err, size_t errsz)
{
	uint8_t pk[32], sk[64], id[MINISIG_KEYID_LEN], pbin[PK_BIN_LEN], sbin[SK_BIN_LEN] = {0};
	char p64[sodium_base64_ENCODED_LEN(PK_BIN_LEN, sodium_base64_VARIANT_ORIGINAL)];
	char s64[sodium_base64_ENCODED_LEN(SK_BIN_LEN, sodium_base64_VARIANT_ORIGINAL)];
	crypto_generichash_state hs;
	char text[1024];
	uint8_t *ks;
	int rc = -1;

	if (sodium_ready(err, errsz))
		return -1;
	crypto_sign_keypair(pk, sk);
	randombytes_buf(id, sizeof(id));
	idhex(id, out_id);
	memcpy(pbin, "Ed", 2);
	memcpy(pbin + 2, id, sizeof(id));
	memcpy(pbin + 2 + sizeof(id), pk, sizeof(pk));
	memcpy(sbin, "Ed", 2);
	memcpy(sbin + 4, "B2", 2); /* kdf "\0\0": unencrypted, like minisign -W */
	ks = sbin + 2 + 2 + 2 + 32 + 8 + 8;
	memcpy(ks, id, sizeof(id));
	memcpy(ks + sizeof(id), sk, sizeof(sk));
	crypto_generichash_init(&hs, NULL, 0, 32);
	crypto_generichash_update(&hs, sbin, 2);
	crypto_generichash_update(&hs, ks, sizeof(id) + sizeof(sk));
	crypto_generichash_final(&hs, ks + sizeof(id) + sizeof(sk), 32);
	sodium_bin2base64(p64, sizeof(p64), pbin, sizeof(pbin), sodium_base64_VARIANT_ORIGINAL);
	sodium_bin2base64(s64, sizeof(s64), sbin, sizeof(sbin), sodium_base64_VARIANT_ORIGINAL);
	snprintf(text, sizeof(text), "untrusted comment: ecli secret key %s\n%s\n", out_id, s64);
	if (write_new(sec_path, text, 0600, force, err, errsz))
		goto out;
	snprintf(text, sizeof(text), "untrusted comment: minisign public key %s\n%s\n", out_id,
		 p64);
	if (write_new(pub_path, text, 0644, force, err, errsz)) {
		unlink(sec_path);
		goto out;
	}
	rc = 0;
out:
	sodium_memzero(sk, sizeof(sk));
	sodium_memzero(sbin, sizeof(sbin));
	sodium_memzero(s64, sizeof(s64));
	sodium_memzero(text, sizeof(text));
	return rc;
}

char *minisig_sign(const struct minisig_seckey *k, const void *data, size_t len, const char *name)
{
	uint8_t hash[crypto_generichash_BYTES_MAX], bin[SIG_BIN_LEN], gmsg[64 + 512], gsig[64];
	char b1[sodium_base64_ENCODED_LEN(SIG_BIN_LEN, sodium_base64_VARIANT_ORIGINAL)];
	char b2[sodium_base64_ENCODED_LEN(64, sodium_base64_VARIANT_ORIGINAL)];
	char trusted[512], *out = NULL;
	const char *base = strrchr(name, '/');
	size_t tl;

	if (sodium_init() < 0)
		return NULL;
	crypto_generichash(hash, sizeof(hash), data, len, NULL, 0);
	memcpy(bin, "ED", 2);
	memcpy(bin + 2, k->id, MINISIG_KEYID_LEN);
	crypto_sign_detached(bin + 2 + MINISIG_KEYID_LEN, NULL, hash, sizeof(hash), k->sk);
	snprintf(trusted, sizeof(trusted), "timestamp:%lld\tfile:%s\thashed", (long long)time(NULL),
		 base ? base + 1 : name);
	tl = strlen(trusted);
	memcpy(gmsg, bin + 2 + MINISIG_KEYID_LEN, 64);
	memcpy(gmsg + 64, trusted, tl);
	crypto_sign_detached(gsig, NULL, gmsg, 64 + tl, k->sk);
	sodium_bin2base64(b1, sizeof(b1), bin, sizeof(bin), sodium_base64_VARIANT_ORIGINAL);
	sodium_bin2base64(b2, sizeof(b2), gsig, 64, sodium_base64_VARIANT_ORIGINAL);
	if (asprintf(&out,
		     "untrusted comment: signature from ecli secret key %s\n%s\n"
		     "trusted comment: %s\n%s\n",
		     k->idhex, b1, trusted, b2) < 0)
		return NULL;
	return out;
}

int minisig_verify(const struct minisig_pubkey *keys, size_t n, const void *data, size_t len,
		   const char *sig, size_t siglen, const struct minisig_pubkey **used, char *err,
		   size_t errsz)
{
	uint8_t bin[SIG_BIN_LEN], gsig[64], hash[crypto_generichash_BYTES_MAX], *msg;
	const struct minisig_pubkey *k = NULL;
	const char *p, *tc, *tce;
	char sid[17], tried[256] = "";
	size_t tl, off = 0;
	int ok;

	*used = NULL;
	if (sodium_ready(err, errsz))
		return -1;
	/* lines: untrusted comment, signature, trusted comment, global signature */
	if (memchr(sig, 0, siglen) || strncmp(sig, "untrusted comment:", 18) ||
	    !(p = strchr(sig, '\n')) ||
	    b64_line(p + 1, siglen - (size_t)(p + 1 - sig), bin, sizeof(bin)) ||
	    !(tc = strchr(p + 1, '\n')) || strncmp(tc + 1, "trusted comment: ", 17) ||
	    !(tce = strchr(tc + 1, '\n')) ||
	    b64_line(tce + 1, siglen - (size_t)(tce + 1 - sig), gsig, sizeof(gsig))) {
		eun_seterr(err, errsz, "the signature is not in minisign's format");
		return -1;
	}
	tc += 1 + 17;
	tl = (size_t)(tce - tc);
	if (tl && tc[tl - 1] == '\r')
		tl--;
	idhex(bin + 2, sid);
	for (size_t i = 0; i < n && !k; i++) {
		if (!memcmp(keys[i].id, bin + 2, MINISIG_KEYID_LEN))
			k = &keys[i];
		else if (off < sizeof(tried))
			off += (size_t)snprintf(tried + off, sizeof(tried) - off, "%s%s",
						off ? ", " : "", keys[i].idhex);
	}
	if (!k) {
		eun_seterr(err, errsz,
			   "it is signed by key ID %s, which is not a trusted key (tried %s)", sid,
			   n ? tried : "none");
		return -1;
	}
	if (!memcmp(bin, "ED", 2)) {
		crypto_generichash(hash, sizeof(hash), data, len, NULL, 0);
		ok = !crypto_sign_verify_detached(bin + 2 + MINISIG_KEYID_LEN, hash, sizeof(hash),
						  k->pk);
	} else if (!memcmp(bin, "Ed", 2)) {
		ok = !crypto_sign_verify_detached(bin + 2 + MINISIG_KEYID_LEN, data, len, k->pk);
	} else {
		eun_seterr(err, errsz, "unknown signature algorithm '%.2s'", (const char *)bin);
		return -1;
	}
	if (!ok) {
		eun_seterr(err, errsz,
			   "the signature by key ID %s does not match its bytes (the package was "
			   "changed after signing, or signed over other bytes)",
			   sid);
		return -1;
	}
	msg = malloc(64 + tl);
	if (!msg) {
		eun_seterr(err, errsz, "out of memory");
		return -1;
	}
	memcpy(msg, bin + 2 + MINISIG_KEYID_LEN, 64);
	memcpy(msg + 64, tc, tl);
	ok = !crypto_sign_verify_detached(gsig, msg, 64 + tl, k->pk);
	free(msg);
	if (!ok) {
		eun_seterr(err, errsz,
			   "the trusted comment of the signature by key ID %s was altered", sid);
		return -1;
	}
	*used = k;
	return 0;
}
