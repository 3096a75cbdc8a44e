// SPDX-License-Identifier: MIT
/*
 * `ecli keygen`, `ecli sign` and the signature check of `ecli run --verify-key` /
 * `--require-signature`: the package's bytes are read once, verified against the trusted keys
 * offline, and only then parsed (eunomia_package__open_mem), so nothing of an unverified
 * package is loaded.
 */
#include <errno.h>
#include <getopt.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/fileio.h"
#include "common/strbuf.h"
#include "common/util.h"
#include "ecli/ecli.h"
#include "ecli/minisig.h"
#include "ecli/oci.h"

#define MAX_KEYS      64
#define SIG_MAX	      (64 << 10)
#define DEFAULT_TRUST "/etc/eunomia/trusted.d"

static void keygen_help(FILE *f)
{
	fprintf(f, "Usage: ecli keygen [-f] [-o PREFIX]\n"
		   "\n"
		   "Make an Ed25519 key pair in minisign's format: PREFIX.pub (give it to\n"
		   "`ecli run --verify-key` or put it in " DEFAULT_TRUST "/) and PREFIX.key\n"
		   "(secret, mode 0600, unencrypted; for `ecli sign -k` or `minisign -S -s`).\n"
		   "\n"
		   "Options:\n"
		   "  -o, --output PREFIX   file name prefix (default: eunomia)\n"
		   "  -f, --force           overwrite existing files\n"
		   "  -h, --help            show this help\n");
}

int do_keygen(int argc, char **argv)
{
	static const struct option opts[] = {
		{"output", required_argument, NULL, 'o'},
		{"force", no_argument, NULL, 'f'},
		{"help", no_argument, NULL, 'h'},
		{},
	};
	const char *prefix = "eunomia";
	char pub[4096], sec[4096], id[17], err[512];
	bool force = false;
	int opt;

	optind = 0;
	opterr = 0;
	while ((opt = getopt_long(argc, argv, "+o:fh", opts, NULL)) != -1) {
		switch (opt) {
		case 'o':
			prefix = optarg;
			break;
		case 'f':
			force = true;
			break;
		case 'h':
			keygen_help(stdout);
			return ECLI_EXIT_OK;
		default:
			fprintf(stderr, "ecli keygen: bad option '%s'; see `ecli keygen --help`\n",
				argv[optind - 1]);
			return ECLI_EXIT_USAGE;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "ecli keygen: unexpected argument '%s'\n", argv[optind]);
		return ECLI_EXIT_USAGE;
	}
	if (eun_pathf(pub, sizeof(pub), "%s.pub", prefix) ||
	    eun_pathf(sec, sizeof(sec), "%s.key", prefix)) {
		fprintf(stderr, "ecli keygen: prefix too long\n");
		return ECLI_EXIT_USAGE;
	}
	if (minisig_keygen(pub, sec, force, id, err, sizeof(err))) {
		fprintf(stderr, "ecli keygen: %s\n", err);
		return ECLI_EXIT_FAIL;
	}
	printf("key ID %s: public key %s, secret key %s\n", id, pub, sec);
	return ECLI_EXIT_OK;
}

static void sign_help(FILE *f)
{
	fprintf(f,
		"Usage: ecli sign -k KEY [-o FILE] PACKAGE...\n"
		"\n"
		"Sign each PACKAGE (its bytes, as they are) with the secret key KEY (from\n"
		"`ecli keygen` or `minisign -G -W`), writing PACKAGE.minisig beside it: minisign's\n"
		"format, so `minisign -V -p KEY.pub -m PACKAGE` verifies it too.\n"
		"\n"
		"Options:\n"
		"  -k, --key KEY       the secret key file\n"
		"  -o, --output FILE   where the signature goes (one PACKAGE only)\n"
		"  -h, --help          show this help\n");
}

/* Sign data (named name in the trusted comment) into sig_path. 0 or -1 after a message. */
int ecli_sign_bytes(const char *key_path, const void *data, size_t len, const char *name,
		    const char *sig_path, char **sig_text)
{
	struct minisig_seckey k;
	char err[512], *sig;
	int rc = -1;

	if (minisig_seckey_load(key_path, &k, err, sizeof(err))) {
		fprintf(stderr, "ecli sign: %s\n", err);
		return -1;
	}
	sig = minisig_sign(&k, data, len, name);
	sodium_memzero(&k, sizeof(k));
	if (!sig) {
		fprintf(stderr, "ecli sign: out of memory\n");
		return -1;
	}
	if (sig_path && eun_write_file_atomic(sig_path, sig, strlen(sig), 0644)) {
		fprintf(stderr, "ecli sign: cannot write '%s': %s\n", sig_path, strerror(errno));
		goto out;
	}
	rc = 0;
out:
	if (sig_text && !rc)
		*sig_text = sig;
	else
		free(sig);
	return rc;
}

int do_sign(int argc, char **argv)
{
	static const struct option opts[] = {
		{"key", required_argument, NULL, 'k'},
		{"output", required_argument, NULL, 'o'},
		{"help", no_argument, NULL, 'h'},
		{},
	};
	const char *key = NULL, *out = NULL;
	char sig_path[4096];
	int opt, rc = ECLI_EXIT_OK;

	optind = 0;
	opterr = 0;
	while ((opt = getopt_long(argc, argv, "+k:o:h", opts, NULL)) != -1) {
		switch (opt) {
		case 'k':
			key = optarg;
			break;
		case 'o':
			out = optarg;
			break;
		case 'h':
			sign_help(stdout);
			return ECLI_EXIT_OK;
		default:
			fprintf(stderr, "ecli sign: bad option '%s'; see `ecli sign --help`\n",
				argv[optind - 1]);
			return ECLI_EXIT_USAGE;
		}
	}
	if (!key || optind >= argc || (out && argc - optind > 1)) {
		fprintf(stderr, "ecli sign: %s\n",
			!key		 ? "no key given (-k KEY)"
			: optind >= argc ? "no package given"
					 : "-o takes one package");
		sign_help(stderr);
		return ECLI_EXIT_USAGE;
	}
	for (int i = optind; i < argc; i++) {
		struct strbuf sb = STRBUF_INIT;
		int r = eun_read_file(argv[i], 0, 0, &sb);

		if (r) {
			fprintf(stderr, "ecli sign: cannot read '%s': %s\n", argv[i], strerror(-r));
			rc = ECLI_EXIT_FAIL;
		} else if (!out && eun_pathf(sig_path, sizeof(sig_path), "%s.minisig", argv[i])) {
			fprintf(stderr, "ecli sign: path too long: '%s'\n", argv[i]);
			rc = ECLI_EXIT_FAIL;
		} else if (ecli_sign_bytes(key, sb.buf ? sb.buf : "", sb.len, argv[i],
					   out ? out : sig_path, NULL)) {
			rc = ECLI_EXIT_FAIL;
		} else {
			printf("%s\n", out ? out : sig_path);
		}
		sb_free(&sb);
	}
	return rc;
}

/* ---- ecli run: verification -------------------------------------------------------------- */

bool ecli_wants_signature(const struct run_config *cfg)
{
	return cfg->verify_keys[0] || cfg->require_signature;
}

static void sha256_hex(const void *data, size_t len, char out[65])
{
	unsigned char h[crypto_hash_sha256_BYTES];

	crypto_hash_sha256(h, data, len);
	eun_hex_encode(out, h, sizeof(h));
}

/* Keys from key files (when any), else from the *.pub of dir; the verdict into msg. 0 when it
 * verifies (msg: the key), -1 when refused (msg: why, with the digest). */
static int verify_core(const char *const *key_files, size_t nfiles, const char *dir,
		       const char *name, const void *data, size_t len, const char *sig,
		       size_t siglen, const char *sig_where, char *msg, size_t msgsz)
{
	struct minisig_pubkey *keys;
	const struct minisig_pubkey *used;
	char err[1024], digest[65];
	size_t n = 0;
	int rc = -1;

	if (sodium_init() < 0) {
		eun_seterr(msg, msgsz, "libsodium failed to initialise");
		return -1;
	}
	sha256_hex(data, len, digest);
	keys = calloc(MAX_KEYS, sizeof(*keys));
	if (!keys) {
		eun_seterr(msg, msgsz, "out of memory");
		return -1;
	}
	for (size_t i = 0; i < nfiles && key_files[i]; i++) {
		if (minisig_pubkey_load(key_files[i], &keys[n], err, sizeof(err))) {
			eun_seterr(msg, msgsz, "--verify-key: %s", err);
			goto out;
		}
		n++;
	}
	if (!n) {
		dir = dir ? dir : DEFAULT_TRUST;
		if (minisig_pubkey_load_dir(dir, keys, &n, MAX_KEYS, err, sizeof(err)) < 0) {
			eun_seterr(msg, msgsz, "refusing '%s' (sha256 %s): %s", name, digest, err);
			goto out;
		}
		if (!n) {
			eun_seterr(msg, msgsz,
				   "refusing '%s' (sha256 %s): a signature is required but %s has "
				   "no *.pub keys; add one or pass --verify-key PUB",
				   name, digest, dir);
			goto out;
		}
	}
	if (!sig) {
		eun_seterr(msg, msgsz,
			   "refusing '%s' (sha256 %s): it is not signed (no %s); sign it with "
			   "`ecli sign -k KEY` or `minisign -S`, or pass --signature FILE",
			   name, digest, sig_where);
		goto out;
	}
	if (minisig_verify(keys, n, data, len, sig, siglen, &used, err, sizeof(err))) {
		eun_seterr(msg, msgsz, "refusing '%s' (sha256 %s): %s", name, digest, err);
		goto out;
	}
	eun_seterr(msg, msgsz, "'%s' (sha256 %s): signature by key ID %s (%s) verified", name,
		   digest, used->idhex, used->source);
	rc = 0;
out:
	free(keys);
	return rc;
}

int ecli_verify_bytes(const struct run_config *cfg, const char *who, const char *name,
		      const void *data, size_t len, const char *sig, size_t siglen,
		      const char *sig_where)
{
	char msg[2048];
	int rc = verify_core(cfg->verify_keys, RUN_MAX_KEYS, cfg->trusted_dir, name, data, len, sig,
			     siglen, sig_where, msg, sizeof(msg));

	fprintf(stderr, "%s: %s\n", who, msg);
	return rc;
}

int ecli_verify_policy(const char *trusted_dir, const char *name, const void *data, size_t len,
		       const char *sig, char *msg, size_t msgsz)
{
	return verify_core(NULL, 0, trusted_dir, name, data, len, sig, sig ? strlen(sig) : 0,
			   "\"signature\" in the request", msg, msgsz);
}

/* Read the signature file path: 0 with *sig set (malloc'ed), 0 with *sig NULL when it does
 * not exist, -1 after a message. */
static int read_sig(const char *who, const char *path, char **sig, size_t *siglen)
{
	struct strbuf sb = STRBUF_INIT;
	int r = eun_read_file(path, 0, SIG_MAX, &sb);

	*sig = NULL;
	*siglen = 0;
	if (r == -ENOENT) {
		sb_free(&sb);
		return 0;
	}
	if (r) {
		fprintf(stderr, "%s: cannot read the signature '%s': %s\n", who, path,
			strerror(-r));
		sb_free(&sb);
		return -1;
	}
	*siglen = sb.len;
	*sig = sb_detach(&sb);
	return *sig ? 0 : -1;
}

/* A URL: its bytes and URL.minisig (or --signature FILE), fetched, then verified as a file's.
 * A "#sha256=HEX" pin still applies (the library checks it on the bytes). */
static struct eunomia_package *open_verified_url(const char *loc, const struct run_config *cfg,
						 const struct eunomia_package_opts *po,
						 const char *who)
{
	EUNOMIA_OPTS(package, po2);
	struct eunomia_package *pkg = NULL;
	struct strbuf data = STRBUF_INIT, sig = STRBUF_INIT;
	char url[4096], sig_url[4200], *hash;
	const char *pin = NULL;
	long status = 0;

	snprintf(url, sizeof(url), "%s", loc);
	hash = strchr(url, '#');
	if (hash) {
		*hash = 0;
		if (!strncmp(hash + 1, "sha256=", 7))
			pin = loc + (hash - url) + 8;
	}
	if (oci_http_get(who, url, &data, &status))
		goto out;
	if (status != 200) {
		fprintf(stderr, "%s: package '%s': the server answered HTTP %ld\n", who, url,
			status);
		goto out;
	}
	if (cfg->signature) {
		if (read_sig(who, cfg->signature, &sig.buf, &sig.len))
			goto out;
		if (!sig.buf) {
			fprintf(stderr, "%s: cannot read the signature '%s': %s\n", who,
				cfg->signature, strerror(ENOENT));
			goto out;
		}
		snprintf(sig_url, sizeof(sig_url), "%s", cfg->signature);
	} else {
		snprintf(sig_url, sizeof(sig_url), "%s.minisig", url);
		if (oci_http_get(who, sig_url, &sig, &status))
			goto out;
		if (status != 200)
			sb_free(&sig);
	}
	if (ecli_verify_bytes(cfg, who, url, data.buf ? data.buf : "", data.len,
			      sig.len ? sig.buf : NULL, sig.len, sig_url))
		goto out;
	po2 = *po;
	if (pin && !po2.sha256)
		po2.sha256 = pin;
	pkg = eunomia_package__open_mem(data.buf ? data.buf : "", data.len, url, &po2);
out:
	sb_free(&data);
	sb_free(&sig);
	if (!pkg && !errno)
		errno = EACCES;
	return pkg;
}

struct eunomia_package *ecli_open_verified(const char *loc, const struct run_config *cfg,
					   const struct eunomia_package_opts *po, const char *who)
{
	struct eunomia_package *pkg = NULL;
	struct strbuf data = STRBUF_INIT;
	char sig_path[4096], *sig = NULL;
	size_t siglen = 0;
	int r;

	if (!strncmp(loc, "http://", 7) || !strncmp(loc, "https://", 8))
		return open_verified_url(loc, cfg, po, who);
	if (!strcmp(loc, "-") && !cfg->signature) {
		fprintf(stderr, "%s: a package on standard input needs --signature FILE\n", who);
		errno = EINVAL;
		return NULL;
	}
	r = !strcmp(loc, "-") ? eun_read_fd(0, 0, &data) : eun_read_file(loc, 0, 0, &data);
	if (r) {
		fprintf(stderr, "%s: cannot read package '%s': %s\n", who, loc, strerror(-r));
		goto out;
	}
	if (cfg->signature)
		snprintf(sig_path, sizeof(sig_path), "%s", cfg->signature);
	else if (eun_pathf(sig_path, sizeof(sig_path), "%s.minisig", loc))
		goto out;
	if (read_sig(who, sig_path, &sig, &siglen))
		goto out;
	if (!sig && cfg->signature) {
		fprintf(stderr, "%s: cannot read the signature '%s': %s\n", who, sig_path,
			strerror(ENOENT));
		goto out;
	}
	if (ecli_verify_bytes(cfg, who, loc, data.buf ? data.buf : "", data.len, sig, siglen,
			      sig_path))
		goto out;
	pkg = eunomia_package__open_mem(data.buf ? data.buf : "", data.len, loc, po);
out:
	free(sig);
	sb_free(&data);
	if (!pkg && !errno)
		errno = EACCES;
	return pkg;
}
