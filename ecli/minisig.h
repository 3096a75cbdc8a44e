/* SPDX-License-Identifier: MIT */
/*
 * Ed25519 signatures in minisign's formats (keys, .minisig files), on libsodium: a package
 * signed with `minisign -S` verifies here and one signed by `ecli sign` verifies with
 * `minisign -V`. Signatures are made in minisign's default prehashed mode ("ED":
 * Ed25519 over BLAKE2b-512 of the file); the legacy mode ("Ed") verifies too.
 */
#ifndef EUNOMIA_ECLI_MINISIG_H
#define EUNOMIA_ECLI_MINISIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define MINISIG_KEYID_LEN 8

struct minisig_pubkey {
	uint8_t id[MINISIG_KEYID_LEN];
	uint8_t pk[32];
	char idhex[17];	  /* the key ID as minisign prints it (upper-case hex) */
	char source[256]; /* the file it came from, for messages */
};

struct minisig_seckey {
	uint8_t id[MINISIG_KEYID_LEN];
	uint8_t sk[64]; /* libsodium's form: seed, then public key */
	char idhex[17];
};

/* Load a public key file (or a bare base64 key, as `minisign -P` takes). 0, or -1 with the
 * reason in err. */
int minisig_pubkey_load(const char *path, struct minisig_pubkey *k, char *err, size_t errsz);

/* Every *.pub file of dir, appended to keys[*n] (at most max). The count added, or -1 with the
 * reason in err (a file that does not parse is an error: a trust directory must be clean). */
int minisig_pubkey_load_dir(const char *dir, struct minisig_pubkey *keys, size_t *n, size_t max,
			    char *err, size_t errsz);

/* Load an unencrypted secret key (ecli keygen, `minisign -G -W`). 0, or -1 with the reason. */
int minisig_seckey_load(const char *path, struct minisig_seckey *k, char *err, size_t errsz);

/* A new key pair written to pub_path and sec_path (0600); neither may exist unless force.
 * 0, or -1 with the reason. The key ID into idhex. */
int minisig_keygen(const char *pub_path, const char *sec_path, bool force, char idhex[17],
		   char *err, size_t errsz);

/* The .minisig text for data (malloc'ed), trusted comment "timestamp:T\tfile:NAME\thashed". */
char *minisig_sign(const struct minisig_seckey *k, const void *data, size_t len, const char *name);

/*
 * Verify sig (the .minisig text) over data against keys[n]. 0 and *used set when it verifies;
 * -1 with the reason in err naming the key ID (the signature's, and the keys tried).
 */
int minisig_verify(const struct minisig_pubkey *keys, size_t n, const void *data, size_t len,
		   const char *sig, size_t siglen, const struct minisig_pubkey **used, char *err,
		   size_t errsz);

#endif
