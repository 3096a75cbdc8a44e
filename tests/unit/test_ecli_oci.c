// SPDX-License-Identifier: MIT
/*
 * Registry references (ecli/oci_http.c, compiled into this test) as docker and ORAS write
 * them, the `ecli run` reference heuristic, the cache layout, and minisign signatures
 * (ecli/minisig.c) made and checked in memory: a flipped byte of the data, of the signature
 * or of the trusted comment, and another key, are each refused.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "ecli/minisig.c"
#include "ecli/oci_http.c"

static void ref_ok(const char *s, const char *host, const char *repo, const char *tag,
		   const char *digest)
{
	struct oci_ref r;
	char err[256];

	assert_int_equal(oci_ref_parse(s, &r, err, sizeof(err)), 0);
	assert_string_equal(r.host, host);
	assert_string_equal(r.repo, repo);
	assert_string_equal(r.tag, tag);
	assert_string_equal(r.digest, digest);
}

static void test_refs(void **state)
{
	const char *d = "sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";
	char s[256];
	struct oci_ref r;
	char err[256];

	ref_ok("127.0.0.1:5000/eunomia/minimal:v1", "127.0.0.1:5000", "eunomia/minimal", "v1", "");
	ref_ok("localhost/x", "localhost", "x", "latest", "");
	ref_ok("ghcr.io/eunomia-bpf/sigsnoop:latest", "ghcr.io", "eunomia-bpf/sigsnoop", "latest",
	       "");
	ref_ok("oci://reg.example:443/a/b/c", "reg.example:443", "a/b/c", "latest", "");
	ref_ok("ubuntu", "registry-1.docker.io", "library/ubuntu", "latest", "");
	ref_ok("user/tool:1.0", "registry-1.docker.io", "user/tool", "1.0", "");
	snprintf(s, sizeof(s), "127.0.0.1:5000/x@%s", d);
	ref_ok(s, "127.0.0.1:5000", "x", "", d);
	snprintf(s, sizeof(s), "127.0.0.1:5000/x:v2@%s", d);
	ref_ok(s, "127.0.0.1:5000", "x", "v2", d);
	assert_int_equal(oci_ref_parse("127.0.0.1:5000/X", &r, err, sizeof(err)), -1);
	assert_int_equal(oci_ref_parse("127.0.0.1:5000/x@sha256:12", &r, err, sizeof(err)), -1);
	assert_int_equal(oci_ref_parse("127.0.0.1:5000/x:", &r, err, sizeof(err)), -1);
	assert_int_equal(oci_ref_parse("127.0.0.1:5000/", &r, err, sizeof(err)), -1);
	assert_int_equal(oci_ref_parse("127.0.0.1:5000/x:a b", &r, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "not a registry reference"));
}

static void test_looks_like_ref(void **state)
{
	assert_true(oci_looks_like_ref("127.0.0.1:5000/x:1"));
	assert_true(oci_looks_like_ref("ghcr.io/a/b"));
	assert_true(oci_looks_like_ref("oci://ubuntu"));
	assert_false(oci_looks_like_ref("ubuntu"));		     /* a file name */
	assert_false(oci_looks_like_ref("build.d/package.json"));    /* a path */
	assert_false(oci_looks_like_ref("http://127.0.0.1/x.json")); /* a URL */
	assert_false(oci_looks_like_ref("some/dir/pkg"));	     /* no host */
	assert_false(oci_looks_like_ref("/"));			     /* exists */
}

static void test_cache_path(void **state)
{
	char p[4096];

	setenv("EUNOMIA_OCI_CACHE", "/c", 1);
	assert_int_equal(oci_cache_path(p, sizeof(p), "blobs", "sha256:ab", NULL), 0);
	assert_string_equal(p, "/c/blobs/sha256/ab");
	assert_int_equal(oci_cache_path(p, sizeof(p), "signatures", "sha256:ab", ".minisig"), 0);
	assert_string_equal(p, "/c/signatures/sha256/ab.minisig");
	unsetenv("EUNOMIA_OCI_CACHE");
	setenv("XDG_CACHE_HOME", "/x", 1);
	assert_int_equal(oci_cache_path(p, sizeof(p), "blobs", "sha256:ab", NULL), 0);
	assert_string_equal(p, "/x/eunomia/oci/blobs/sha256/ab");
}

static void test_sign_verify(void **state)
{
	char dir[] = "/tmp/test_ecli_oci.XXXXXX", pub[256], sec[256], pub2[256], sec2[256], id[17],
	     err[512];
	struct minisig_pubkey k[2];
	const struct minisig_pubkey *used;
	struct minisig_seckey sk;
	const char data[] = "{\"package\": 1}";
	char *sig, *tc;
	size_t n;

	assert_non_null(mkdtemp(dir));
	snprintf(pub, sizeof(pub), "%s/a.pub", dir);
	snprintf(sec, sizeof(sec), "%s/a.key", dir);
	snprintf(pub2, sizeof(pub2), "%s/b.pub", dir);
	snprintf(sec2, sizeof(sec2), "%s/b.key", dir);
	assert_int_equal(minisig_keygen(pub, sec, false, id, err, sizeof(err)), 0);
	assert_int_equal(minisig_keygen(pub, sec, false, id, err, sizeof(err)), -1); /* exists */
	assert_int_equal(minisig_keygen(pub2, sec2, false, id, err, sizeof(err)), 0);
	assert_int_equal(minisig_pubkey_load(pub, &k[0], err, sizeof(err)), 0);
	assert_int_equal(minisig_pubkey_load(pub2, &k[1], err, sizeof(err)), 0);
	assert_int_equal(minisig_seckey_load(sec, &sk, err, sizeof(err)), 0);
	assert_memory_equal(sk.id, k[0].id, MINISIG_KEYID_LEN);
	sig = minisig_sign(&sk, data, strlen(data), "/some/dir/package.json");
	assert_non_null(sig);
	assert_non_null(strstr(sig, "\tfile:package.json\thashed\n"));
	n = strlen(sig);
	/* good, with either key set order */
	assert_int_equal(minisig_verify(k, 2, data, strlen(data), sig, n, &used, err, sizeof(err)),
			 0);
	assert_ptr_equal(used, &k[0]);
	/* other key only */
	assert_int_equal(
		minisig_verify(&k[1], 1, data, strlen(data), sig, n, &used, err, sizeof(err)), -1);
	assert_non_null(strstr(err, k[0].idhex));
	assert_non_null(strstr(err, k[1].idhex));
	/* tampered data */
	assert_int_equal(minisig_verify(k, 1, "{\"package\": 2}", strlen(data), sig, n, &used, err,
					sizeof(err)),
			 -1);
	assert_non_null(strstr(err, "does not match its bytes"));
	/* altered trusted comment */
	tc = strstr(sig, "timestamp:");
	tc[10] = tc[10] == '9' ? '8' : '9';
	assert_int_equal(minisig_verify(k, 1, data, strlen(data), sig, n, &used, err, sizeof(err)),
			 -1);
	assert_non_null(strstr(err, "trusted comment"));
	/* not a signature at all */
	assert_int_equal(
		minisig_verify(k, 1, data, strlen(data), "hello", 5, &used, err, sizeof(err)), -1);
	free(sig);
	/* the directory loader takes both keys, in name order */
	n = 0;
	assert_int_equal(minisig_pubkey_load_dir(dir, k, &n, 2, err, sizeof(err)), 2);
	unlink(pub);
	unlink(sec);
	unlink(pub2);
	unlink(sec2);
	rmdir(dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_refs),
		cmocka_unit_test(test_looks_like_ref),
		cmocka_unit_test(test_cache_path),
		cmocka_unit_test(test_sign_verify),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
