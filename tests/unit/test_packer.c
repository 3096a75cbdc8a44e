// SPDX-License-Identifier: MIT
/*
 * The package codec (packer/) and package opening (loader/package.c): base64, zlib, JSON and
 * YAML documents, tar containers, sha256 pins, and every malformed-input path. The package
 * under test is built from tests/data/packages/minimal.bpf.c, compiled here with clang.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>
#include <cjson/cJSON.h>

#include "tests/unit/test_util.h"
#include "loader/internal.h"
#include "packer/package.h"

static char tmpdir[PATH_MAX];
static void *elf;
static size_t elf_len;
static cJSON *meta;
static char msgs[8192];

static void capture(void *ctx, enum eunomia_print_level level, const char *fmt, va_list ap)
{
	size_t n = strlen(msgs);

	if (n < sizeof(msgs) - 2) {
		vsnprintf(msgs + n, sizeof(msgs) - n - 1, fmt, ap);
		strcat(msgs, "\n");
	}
}

static int write_file(const char *path, const void *data, size_t len)
{
	FILE *f = fopen(path, "wb");
	int ok;

	if (!f)
		return -1;
	ok = fwrite(data, 1, len, f) == len;
	return fclose(f) == 0 && ok ? 0 : -1;
}

static int setup_all(void **state)
{
	char src[PATH_MAX + 64], path[PATH_MAX + 64];
	size_t len;
	char *text;

	snprintf(tmpdir, sizeof(tmpdir), "/tmp/test_packer.XXXXXX");
	if (!mkdtemp(tmpdir))
		return -1;
	snprintf(src, sizeof(src), "%s/tests/data/packages/minimal.bpf.c", test_root());
	snprintf(path, sizeof(path), "%s/minimal.bpf.o", tmpdir);
	elf = test_compile_bpf(src, path, "-DPROG_NAME=args_getpid", &elf_len);
	snprintf(path, sizeof(path), "%s/tests/data/packages/minimal.skel.json", test_root());
	text = test_slurp(path, &len);
	if (!elf || !text)
		return -1;
	meta = cJSON_Parse(text);
	free(text);
	return meta ? 0 : -1;
}

static int teardown_all(void **state)
{
	char cmd[PATH_MAX + 16];

	snprintf(cmd, sizeof(cmd), "rm -rf %s", tmpdir);
	if (system(cmd) != 0)
		return -1;
	free(elf);
	cJSON_Delete(meta);
	return 0;
}

static int reset_msgs(void **state)
{
	msgs[0] = '\0';
	return 0;
}

#define POPTS(NAME, ...) EUNOMIA_OPTS(package, NAME, .print = capture, __VA_ARGS__)

/* ---- base64 ------------------------------------------------------------------------------ */

static void test_base64_vectors(void **state)
{
	static const char *const in[] = {"", "f", "fo", "foo", "foob", "fooba", "foobar"};
	static const char *const out[] = {"",	      "Zg==",	  "Zm8=",    "Zm9v",
					  "Zm9vYg==", "Zm9vYmE=", "Zm9vYmFy"};
	size_t i;

	for (i = 0; i < 7; i++) {
		struct strbuf sb = STRBUF_INIT;
		void *dec;
		size_t dlen;

		assert_int_equal(pkg_base64_encode(in[i], strlen(in[i]), &sb), 0);
		assert_string_equal(sb_str(&sb), out[i]);
		assert_int_equal(pkg_base64_decode(out[i], strlen(out[i]), &dec, &dlen, NULL, 0),
				 0);
		assert_int_equal(dlen, strlen(in[i]));
		assert_memory_equal(dec, in[i], dlen);
		free(dec);
		sb_free(&sb);
	}
}

static void test_base64_roundtrip_binary(void **state)
{
	struct strbuf sb = STRBUF_INIT;
	unsigned char data[3001];
	void *dec;
	size_t n, dlen, i;

	for (i = 0; i < sizeof(data); i++)
		data[i] = (unsigned char)(i * 131 + 7);
	for (n = 2990; n <= sizeof(data); n++) {
		sb_reset(&sb);
		assert_int_equal(pkg_base64_encode(data, n, &sb), 0);
		assert_null(strchr(sb_str(&sb), '\n'));
		assert_int_equal(sb.len % 4, 0);
		assert_int_equal(pkg_base64_decode(sb.buf, sb.len, &dec, &dlen, NULL, 0), 0);
		assert_int_equal(dlen, n);
		assert_memory_equal(dec, data, n);
		free(dec);
	}
	/* a large input (7 MiB in, ~9.3 MiB of text), with padding at the end */
	{
		size_t big = (7u << 20) + 1;
		unsigned char *b = malloc(big);

		assert_non_null(b);
		for (i = 0; i < big; i++)
			b[i] = (unsigned char)(i * 2654435761u >> 13);
		sb_reset(&sb);
		assert_int_equal(pkg_base64_encode(b, big, &sb), 0);
		assert_int_equal(sb.len, (big + 2) / 3 * 4);
		assert_int_equal(sb.buf[sb.len - 1], '=');
		assert_int_equal(pkg_base64_decode(sb.buf, sb.len, &dec, &dlen, NULL, 0), 0);
		assert_int_equal(dlen, big);
		assert_memory_equal(dec, b, big);
		free(dec);
		free(b);
	}
	sb_free(&sb);
}

static void expect_b64_error(const char *text, const char *msg)
{
	char err[256] = "";
	void *dec = (void *)1;
	size_t dlen = 1;

	assert_int_equal(pkg_base64_decode(text, strlen(text), &dec, &dlen, err, sizeof(err)),
			 -EUNOMIA_ERR_BASE64);
	assert_null(dec);
	assert_int_equal(dlen, 0);
	if (!strstr(err, msg))
		fail_msg("base64 '%s': message '%s' lacks '%s'", text, err, msg);
}

static void test_base64_rejects(void **state)
{
	expect_b64_error("Zm9v!mFy", "invalid base64 at offset 4 ('!')");
	expect_b64_error("Zm9vYmF", "not a multiple of 4");
	expect_b64_error("Zm=v", "offset 2");
	expect_b64_error("Zm9v\nYmFy", "offset 4 (byte 0x0a)");
	expect_b64_error("Zm9vYmFy ", "offset 8 (byte 0x20)");
	expect_b64_error("Zm9=", "non-zero padding bits");
	expect_b64_error("Z===", "offset 1");
	expect_b64_error("====", "offset 0");
	expect_b64_error("Zm9vYg==Zm9v", "offset 6");
	expect_b64_error("Zm9v-_==", "offset 4 ('-')");
}

/* ---- zlib -------------------------------------------------------------------------------- */

static void test_zlib_roundtrip(void **state)
{
	void *z, *out;
	size_t zlen, olen;

	assert_int_equal(pkg_zlib_deflate(elf, elf_len, &z, &zlen), 0);
	assert_true(zlen > 2);
	/* RFC 1950 header: CMF 0x78 (deflate, 32K window) at best compression */
	assert_int_equal(((unsigned char *)z)[0], 0x78);
	assert_int_equal(pkg_zlib_inflate(z, zlen, elf_len, 1 << 20, &out, &olen, NULL, 0), 0);
	assert_int_equal(olen, elf_len);
	assert_memory_equal(out, elf, elf_len);
	free(out);
	free(z);
}

static void test_zlib_bounds(void **state)
{
	char err[256];
	void *z, *out = NULL;
	size_t zlen, olen;
	char *zeros;

	assert_int_equal(pkg_zlib_deflate(elf, elf_len, &z, &zlen), 0);

	/* declared size too small: the real size is reported */
	assert_int_equal(
		pkg_zlib_inflate(z, zlen, elf_len - 8, 1 << 20, &out, &olen, err, sizeof(err)),
		-EUNOMIA_ERR_SIZE);
	assert_null(out);
	{
		char want[128];

		snprintf(want, sizeof(want), "inflated size %zu != bpf_object_size %zu", elf_len,
			 elf_len - 8);
		assert_string_equal(err, want);
	}
	/* declared size too large */
	assert_int_equal(
		pkg_zlib_inflate(z, zlen, elf_len + 8, 1 << 20, &out, &olen, err, sizeof(err)),
		-EUNOMIA_ERR_SIZE);
	assert_non_null(strstr(err, "!= bpf_object_size"));
	/* declared size over the limit: refused before allocating */
	assert_int_equal(
		pkg_zlib_inflate(z, zlen, (size_t)1 << 40, 1 << 20, &out, &olen, err, sizeof(err)),
		-EUNOMIA_ERR_SIZE);
	assert_non_null(strstr(err, "exceeds the limit"));
	/* truncated stream */
	assert_int_equal(
		pkg_zlib_inflate(z, zlen / 2, elf_len, 1 << 20, &out, &olen, err, sizeof(err)),
		-EUNOMIA_ERR_ZLIB);
	assert_non_null(strstr(err, "truncated"));
	/* corrupt stream */
	((unsigned char *)z)[zlen / 2] ^= 0xff;
	((unsigned char *)z)[zlen / 2 + 1] ^= 0x55;
	assert_int_equal(pkg_zlib_inflate(z, zlen, elf_len, 1 << 20, &out, &olen, err, sizeof(err)),
			 -EUNOMIA_ERR_ZLIB);
	/* not zlib at all */
	assert_int_equal(
		pkg_zlib_inflate("hello world", 11, 10, 1 << 20, &out, &olen, err, sizeof(err)),
		-EUNOMIA_ERR_ZLIB);
	assert_non_null(strstr(err, "does not inflate"));
	free(z);

	/* a "zip bomb": 16 MiB of zeros declared as 100 bytes, limit 1 MiB */
	zeros = calloc(1, 16 << 20);
	assert_non_null(zeros);
	assert_int_equal(pkg_zlib_deflate(zeros, 16 << 20, &z, &zlen), 0);
	free(zeros);
	assert_int_equal(pkg_zlib_inflate(z, zlen, 100, 1 << 20, &out, &olen, err, sizeof(err)),
			 -EUNOMIA_ERR_SIZE);
	assert_non_null(strstr(err, "more than 1048576 bytes"));
	assert_null(out);
	free(z);
}

static void test_sha256(void **state)
{
	char hex[65];

	pkg_sha256_hex("abc", 3, hex);
	assert_string_equal(hex,
			    "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
	pkg_sha256_hex("", 0, hex);
	assert_string_equal(hex,
			    "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
	/* FIPS 180-4 examples: 56 bytes (padding needs a second block) and 112 bytes */
	pkg_sha256_hex("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq", 56, hex);
	assert_string_equal(hex,
			    "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
	pkg_sha256_hex("abcdefghbcdefghicdefghijdefghijkefghijklfghijklmghijklmnhijklmnoijklmnop"
		       "jklmnopqklmnopqrlmnopqrsmnopqrstnopqrstu",
		       112, hex);
	assert_string_equal(hex,
			    "cf5b16a778af8380036ce59e7b0492370b249b11e8f07a51afac45037afee9d1");
	{
		/* one million 'a': many blocks */
		char *m = malloc(1000000);

		assert_non_null(m);
		memset(m, 'a', 1000000);
		pkg_sha256_hex(m, 1000000, hex);
		free(m);
		assert_string_equal(
			hex, "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
	}
}

/* ---- documents --------------------------------------------------------------------------- */

static void expect_doc_error(const char *text, const char *msg)
{
	char err[256] = "";
	cJSON *d = (cJSON *)1;

	assert_int_equal(pkg_doc_parse(text, strlen(text), &d, err, sizeof(err)),
			 -EUNOMIA_ERR_PARSE);
	assert_null(d);
	if (!strstr(err, msg))
		fail_msg("doc '%s': message '%s' lacks '%s'", text, err, msg);
}

static void test_doc_parse_errors(void **state)
{
	expect_doc_error("", "document is empty");
	expect_doc_error("  \n\t", "document is empty");
	expect_doc_error("{\"a\": 1,\n \"b\": }", "invalid JSON at line 2 column 7");
	expect_doc_error("{\"a\": 1} x", "trailing data");
	expect_doc_error("a: [1, 2\nb: 3", "invalid YAML at line");
	expect_doc_error("a: &x 1\nb: *x\n", "aliases");
	expect_doc_error("a: 1\na: 2\n", "duplicate key 'a'");
	expect_doc_error("? [1]\n: 2\n", "mapping keys must be scalars");
	expect_doc_error("a: 1\n---\nb: 2\n", "more than one document");
	expect_doc_error("\t- x", "invalid YAML");
}

static void test_yaml_scalar_typing(void **state)
{
	const char *y = "i: 42\nneg: -7\nhex: 0x1F\noct: 0o17\nf: 1.5\ne: 1e3\nt: true\n"
			"fa: False\nn: null\ntilde: ~\nempty:\ns: hello world\nq: \"42\"\n"
			"sq: 'true'\nstr: !!str 12\nlist: [1, two]\nmap: {k: v}\n";
	char err[256];
	cJSON *d, *v;

	assert_int_equal(pkg_doc_parse(y, strlen(y), &d, err, sizeof(err)), 0);
	v = cJSON_GetObjectItem(d, "i");
	assert_true(cJSON_IsNumber(v) && v->valuedouble == 42);
	assert_true(cJSON_GetObjectItem(d, "neg")->valuedouble == -7);
	assert_true(cJSON_GetObjectItem(d, "hex")->valuedouble == 31);
	assert_true(cJSON_GetObjectItem(d, "oct")->valuedouble == 15);
	assert_true(cJSON_GetObjectItem(d, "f")->valuedouble == 1.5);
	assert_true(cJSON_GetObjectItem(d, "e")->valuedouble == 1000);
	assert_true(cJSON_IsTrue(cJSON_GetObjectItem(d, "t")));
	assert_true(cJSON_IsFalse(cJSON_GetObjectItem(d, "fa")));
	assert_true(cJSON_IsNull(cJSON_GetObjectItem(d, "n")));
	assert_true(cJSON_IsNull(cJSON_GetObjectItem(d, "tilde")));
	assert_true(cJSON_IsNull(cJSON_GetObjectItem(d, "empty")));
	assert_string_equal(cJSON_GetObjectItem(d, "s")->valuestring, "hello world");
	assert_string_equal(cJSON_GetObjectItem(d, "q")->valuestring, "42");
	assert_string_equal(cJSON_GetObjectItem(d, "sq")->valuestring, "true");
	assert_string_equal(cJSON_GetObjectItem(d, "str")->valuestring, "12");
	v = cJSON_GetObjectItem(d, "list");
	cJSON_Delete(d);
	/* a UTF-8 byte-order mark is allowed before JSON and YAML */
	assert_int_equal(pkg_doc_parse("\xef\xbb\xbf {\"a\": 1}", 12, &d, err, sizeof(err)), 0);
	assert_true(cJSON_GetObjectItem(d, "a")->valuedouble == 1);
	cJSON_Delete(d);
	assert_int_equal(pkg_doc_parse("\xef\xbb\xbf"
				       "a: 2\n",
				       8, &d, err, sizeof(err)),
			 0);
	assert_true(cJSON_GetObjectItem(d, "a")->valuedouble == 2);
	cJSON_Delete(d);
	/* YAML flow style at the top level */
	assert_int_equal(pkg_doc_parse("{a: 1, b: [x]}", 14, &d, err, sizeof(err)), 0);
	assert_true(cJSON_GetObjectItem(d, "a")->valuedouble == 1);
	assert_string_equal(cJSON_GetArrayItem(cJSON_GetObjectItem(d, "b"), 0)->valuestring, "x");
	cJSON_Delete(d);
	assert_int_equal(pkg_doc_parse(y, strlen(y), &d, err, sizeof(err)), 0);
	v = cJSON_GetObjectItem(d, "list");
	assert_int_equal(cJSON_GetArraySize(v), 2);
	assert_string_equal(cJSON_GetArrayItem(v, 1)->valuestring, "two");
	assert_string_equal(cJSON_GetObjectItem(cJSON_GetObjectItem(d, "map"), "k")->valuestring,
			    "v");
	cJSON_Delete(d);
}

/* YAML output must read back as the same tree, including strings that look like numbers. */
static void test_yaml_write_roundtrip(void **state)
{
	const char *j = "{\"a\":\"42\",\"b\":42,\"c\":\"true\",\"d\":\"\",\"e\":null,\"f\":[],"
			"\"g\":{},\"h\":[{\"x\":\"yes\"},\"-1\",\" lead\",\"multi\\nline\"],"
			"\"i\":1.25,\"j\":-3,\"k\":\"null\",\"l\":\"0x10\",\"m\":\"a: b\","
			"\"n\":\"#c\",\"o\":false,\"p\":\"ünï\"}";
	struct strbuf sb = STRBUF_INIT;
	cJSON *d = cJSON_Parse(j), *back;
	char err[256];

	assert_non_null(d);
	assert_int_equal(pkg_yaml_write(d, &sb), 0);
	assert_int_equal(pkg_doc_parse(sb.buf, sb.len, &back, err, sizeof(err)), 0);
	if (!cJSON_Compare(d, back, true))
		fail_msg("YAML round trip differs:\n%s", sb_str(&sb));
	cJSON_Delete(back);
	cJSON_Delete(d);
	sb_free(&sb);
}

/* ---- whole packages ---------------------------------------------------------------------- */

static char *build_package(bool yaml, size_t *len)
{
	struct strbuf sb = STRBUF_INIT;
	cJSON *doc;

	assert_int_equal(pkg_build(elf, elf_len, meta, &doc), 0);
	assert_int_equal(pkg_write(doc, yaml, &sb), 0);
	cJSON_Delete(doc);
	*len = sb.len;
	return sb_detach(&sb);
}

static void check_package(struct eunomia_package *pkg)
{
	const void *e;
	size_t n;

	assert_non_null(pkg);
	assert_string_equal(eunomia_package__obj_name(pkg), "minimal_bpf");
	assert_string_equal(eunomia_package__name(pkg), "minimal");
	e = eunomia_package__elf(pkg, &n);
	assert_int_equal(n, elf_len);
	assert_memory_equal(e, elf, elf_len);
	assert_int_equal(strlen(eunomia_package__sha256(pkg)), 64);
	assert_int_equal(pkg->meta.nr_sections, 3);
	assert_int_equal(pkg->meta.sections[0].nr_vars, 18);
	assert_string_equal(pkg->meta.sections[0].vars[12].cmdarg.long_name, "pid");
	assert_int_equal(pkg->meta.sections[0].vars[12].cmdarg.short_name, 'p');
	assert_string_equal(pkg->meta.doc.version, "0.9");
	assert_int_equal(pkg->meta.nr_progs, 1);
	assert_string_equal(pkg->meta.progs[0].attach, "tracepoint/syscalls/sys_enter_getpid");
}

static void test_package_json_roundtrip(void **state)
{
	struct eunomia_package *pkg;
	char *text, hex[65];
	size_t len;
	cJSON *doc;
	char err[128];

	text = build_package(false, &len);
	assert_int_equal(text[0], '{');
	/* the document carries exactly the three keys of §1 */
	assert_int_equal(pkg_doc_parse(text, len, &doc, err, sizeof(err)), 0);
	assert_int_equal(cJSON_GetArraySize(doc), 3);
	assert_int_equal(cJSON_GetObjectItem(doc, "bpf_object_size")->valuedouble, elf_len);
	cJSON_Delete(doc);

	POPTS(o);
	pkg = eunomia_package__open_mem(text, len, "minimal.json", &o);
	check_package(pkg);
	assert_false(eunomia_package__has_btf_archive(pkg));
	pkg_sha256_hex(text, len, hex);
	assert_string_equal(eunomia_package__sha256(pkg), hex);
	eunomia_package__free(pkg);
	free(text);
}

static void test_package_yaml_roundtrip(void **state)
{
	struct eunomia_package *pkg;
	char *jtext, *ytext, err[128];
	size_t jlen, ylen;
	cJSON *jd, *yd;

	jtext = build_package(false, &jlen);
	ytext = build_package(true, &ylen);
	assert_int_not_equal(ytext[0], '{');
	assert_non_null(strstr(ytext, "bpf_object: "));
	POPTS(o);
	pkg = eunomia_package__open_mem(ytext, ylen, "minimal.yaml", &o);
	check_package(pkg);
	eunomia_package__free(pkg);
	/* same tree either way */
	assert_int_equal(pkg_doc_parse(jtext, jlen, &jd, err, sizeof(err)), 0);
	assert_int_equal(pkg_doc_parse(ytext, ylen, &yd, err, sizeof(err)), 0);
	assert_true(cJSON_Compare(jd, yd, true));
	cJSON_Delete(jd);
	cJSON_Delete(yd);
	free(jtext);
	free(ytext);
}

static void test_package_tar(void **state)
{
	static const char btf[] = "not really BTF, just bytes";
	struct pkg_tar_entry ents[3];
	struct eunomia_package *pkg;
	const struct eun_archive_file *af;
	char path[PATH_MAX + 32], *text;
	struct pkg_tar_entry *back;
	size_t len, tlen, nback;
	void *tar;
	char err[256];

	text = build_package(false, &len);
	ents[0] = (struct pkg_tar_entry){"btfhub-archive/debian/12/x86_64/6.1.0-13-amd64.btf",
					 (void *)btf, sizeof(btf)};
	ents[1] = (struct pkg_tar_entry){"package.json", text, len};
	ents[2] = (struct pkg_tar_entry){"./btfhub-archive/ubuntu/22.04/x86_64/5.15.0-1.btf",
					 (void *)"xyz", 3};
	snprintf(path, sizeof(path), "%s/minimal.tar", tmpdir);
	assert_int_equal(pkg_tar_write(path, ents, 3), 0);
	tar = test_slurp(path, &tlen);
	assert_non_null(tar);
	assert_true(pkg_is_tar(tar, tlen));
	assert_false(pkg_is_tar(text, len));

	assert_int_equal(pkg_tar_read(tar, tlen, 0, &back, &nback, err, sizeof(err)), 0);
	assert_int_equal(nback, 3);
	assert_string_equal(back[1].path, "package.json");
	assert_int_equal(back[1].size, len);
	assert_memory_equal(back[1].data, text, len);
	assert_string_equal(back[2].path, "btfhub-archive/ubuntu/22.04/x86_64/5.15.0-1.btf");
	pkg_tar_entries_free(back, nback);
	/* the total-size bound */
	assert_int_equal(pkg_tar_read(tar, tlen, 100, &back, &nback, err, sizeof(err)),
			 -EUNOMIA_ERR_SIZE);

	POPTS(o);
	pkg = eunomia_package__open_file(path, &o);
	check_package(pkg);
	assert_true(eunomia_package__has_btf_archive(pkg));
	eunomia_package__free(pkg);
	pkg = eunomia_package__open_mem(tar, tlen, "minimal.tar", &o);
	assert_non_null(pkg);
	assert_true(eunomia_package__has_btf_archive(pkg));
	assert_int_equal(pkg->nr_archive, 2);
	af = eun_package__archive_find(pkg, "debian/12/x86_64/6.1.0-13-amd64.btf");
	assert_non_null(af);
	assert_int_equal(af->size, sizeof(btf));
	assert_memory_equal(af->data, btf, sizeof(btf));
	assert_non_null(eun_package__archive_find(pkg, "ubuntu/22.04/x86_64/5.15.0-1.btf"));
	assert_null(eun_package__archive_find(pkg, "debian/12/x86_64/other.btf"));
	eunomia_package__free(pkg);

	/* a tar without package.json */
	assert_int_equal(pkg_tar_write(path, ents, 1), 0);
	free(tar);
	tar = test_slurp(path, &tlen);
	msgs[0] = '\0';
	assert_null(eunomia_package__open_mem(tar, tlen, "nodoc.tar", &o));
	assert_int_equal(errno, EUNOMIA_ERR_ARCHIVE);
	assert_non_null(
		strstr(msgs, "package 'nodoc.tar': the .tar container has no package.json"));
	/* a truncated tar */
	free(tar);
	assert_int_equal(pkg_tar_write(path, ents, 3), 0);
	tar = test_slurp(path, &tlen);
	msgs[0] = '\0';
	assert_null(eunomia_package__open_mem(tar, 700, "cut.tar", &o));
	assert_true(errno == EUNOMIA_ERR_ARCHIVE || errno == EUNOMIA_ERR_PARSE);
	assert_non_null(strstr(msgs, "package 'cut.tar': "));
	free(tar);
	free(text);
}

static void test_sha256_pin(void **state)
{
	struct eunomia_package *pkg;
	char hex[65], bad[65], upper[65];
	char *text;
	size_t len, i;

	text = build_package(false, &len);
	pkg_sha256_hex(text, len, hex);
	{
		POPTS(o, .sha256 = hex);
		pkg = eunomia_package__open_mem(text, len, "p.json", &o);
		assert_non_null(pkg);
		eunomia_package__free(pkg);
	}
	for (i = 0; i < 65; i++)
		upper[i] = (char)(hex[i] >= 'a' && hex[i] <= 'f' ? hex[i] - 32 : hex[i]);
	{
		POPTS(o, .sha256 = upper);
		pkg = eunomia_package__open_mem(text, len, "p.json", &o);
		assert_non_null(pkg);
		eunomia_package__free(pkg);
	}
	memcpy(bad, hex, sizeof(bad));
	bad[0] = bad[0] == '0' ? '1' : '0';
	{
		char want[300];

		POPTS(o, .sha256 = bad);
		msgs[0] = '\0';
		assert_null(eunomia_package__open_mem(text, len, "p.json", &o));
		assert_int_equal(errno, EUNOMIA_ERR_DIGEST);
		snprintf(want, sizeof(want),
			 "package 'p.json': sha256 mismatch: expected %s, got %s", bad, hex);
		assert_non_null(strstr(msgs, want));
	}
	{
		POPTS(o, .sha256 = "abc");
		assert_null(eunomia_package__open_mem(text, len, "p.json", &o));
		assert_int_equal(errno, EINVAL);
		assert_non_null(strstr(msgs, "not 64 hexadecimal digits"));
	}
	free(text);
}

static void test_max_size(void **state)
{
	char *text;
	size_t len;

	text = build_package(false, &len);
	{
		POPTS(o, .max_size = len - 1);
		assert_null(eunomia_package__open_mem(text, len, "big.json", &o));
		assert_int_equal(errno, EUNOMIA_ERR_SIZE);
		assert_non_null(strstr(msgs, "exceeds the limit"));
	}
	{
		/* the document fits, the inflated object does not */
		POPTS(o, .max_size = len + 1);
		if (len + 1 < elf_len) {
			assert_null(eunomia_package__open_mem(text, len, "big.json", &o));
			assert_int_equal(errno, EUNOMIA_ERR_SIZE);
		}
	}
	free(text);
}

struct fixture_case {
	const char *file;
	int err;
	const char *msg;
};

static void test_malformed_fixtures(void **state)
{
	static const struct fixture_case cases[] = {
		{"bad-json.json", EUNOMIA_ERR_PARSE, "invalid JSON at line 4"},
		{"bad-base64.json", EUNOMIA_ERR_BASE64,
		 "bpf_object: invalid base64 at offset 12 ('!')"},
		{"bad-zlib.json", EUNOMIA_ERR_ZLIB, "bpf_object: zlib stream does not inflate"},
		{"size-mismatch.json", EUNOMIA_ERR_SIZE,
		 "inflated size 100 != bpf_object_size 108"},
		{"missing-field.json", EUNOMIA_ERR_FIELD,
		 "meta.bpf_skel.obj_name: missing (expected a string)"},
		{"wrong-type.json", EUNOMIA_ERR_FIELD,
		 "meta.bpf_skel.progs[0].attach: expected a string"},
		{"no-size.json", EUNOMIA_ERR_FIELD, "bpf_object_size: missing"},
		{"wrong-type.yaml", EUNOMIA_ERR_FIELD,
		 "meta.bpf_skel.progs[0].attach: expected a string"},
	};
	char path[PATH_MAX + 64], want[PATH_MAX + 256];
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		POPTS(o);
		snprintf(path, sizeof(path), "%s/tests/data/packages/%s", test_root(),
			 cases[i].file);
		msgs[0] = '\0';
		errno = 0;
		assert_null(eunomia_package__open_file(path, &o));
		if (errno != cases[i].err)
			fail_msg("%s: errno %d (%s), want %d; log: %s", cases[i].file, errno,
				 eunomia_strerror(errno), cases[i].err, msgs);
		snprintf(want, sizeof(want), "package '%s': %s", path, cases[i].msg);
		if (!strstr(msgs, want))
			fail_msg("%s: log '%s' lacks '%s'", cases[i].file, msgs, want);
	}
}

static void test_open_file_errors(void **state)
{
	char path[PATH_MAX + 32];
	struct eunomia_package *pkg;
	char *text;
	size_t len;
	int fd, saved;

	POPTS(o);
	assert_null(eunomia_package__open_file("/nonexistent/x.json", &o));
	assert_int_equal(errno, ENOENT);
	assert_non_null(strstr(msgs, "package '/nonexistent/x.json': cannot open: No such file"));
	assert_null(eunomia_package__open_file(tmpdir, &o));
	assert_int_equal(errno, EISDIR);
	assert_null(eunomia_package__open("ftp://example.com/p.json", &o));
	assert_int_equal(errno, EPROTONOSUPPORT);
	assert_non_null(strstr(msgs, "unsupported URL scheme"));
	assert_null(eunomia_package__open_mem(NULL, 0, NULL, &o));
	assert_int_equal(errno, EUNOMIA_ERR_PARSE);
	assert_non_null(strstr(msgs, "package '<memory>': document is empty"));
	/* NULL options are allowed and silent */
	assert_null(eunomia_package__open_mem("{}", 2, NULL, NULL));
	assert_int_equal(errno, EUNOMIA_ERR_FIELD);

	/* standard input for "-", and a file path through the dispatcher */
	text = build_package(false, &len);
	snprintf(path, sizeof(path), "%s/stdin.json", tmpdir);
	assert_int_equal(write_file(path, text, len), 0);
	pkg = eunomia_package__open(path, &o);
	check_package(pkg);
	eunomia_package__free(pkg);
	fd = open(path, O_RDONLY);
	assert_true(fd >= 0);
	saved = dup(STDIN_FILENO);
	assert_true(dup2(fd, STDIN_FILENO) >= 0);
	close(fd);
	pkg = eunomia_package__open("-", &o);
	assert_true(dup2(saved, STDIN_FILENO) >= 0);
	close(saved);
	check_package(pkg);
	eunomia_package__free(pkg);
	free(text);
	eunomia_package__free(NULL);
}

/* Every truncation and single-byte corruption of a real package fails cleanly or opens. */
static void test_hostile_mutations(void **state)
{
	struct eunomia_package *pkg;
	char *text, *copy;
	size_t len, end, i;

	text = build_package(false, &len);
	/* a cut inside the trailing white space still leaves the whole document */
	for (end = len; end > 0 && strchr(" \t\r\n", text[end - 1]); end--)
		;
	copy = malloc(len);
	assert_non_null(copy);
	/* every cut of the document proper fails, including the one just before its last byte */
	assert_null(eunomia_package__open_mem(text, end - 1, "cut", NULL));
	pkg = eunomia_package__open_mem(text, end, "cut", NULL);
	assert_non_null(pkg);
	eunomia_package__free(pkg);
	for (i = 0; i < len; i += len / 97 + 1) {
		pkg = eunomia_package__open_mem(text, i, "cut", NULL);
		if (i < end)
			assert_null(pkg);
		eunomia_package__free(pkg);
		memcpy(copy, text, len);
		copy[i] ^= 0x5a;
		pkg = eunomia_package__open_mem(copy, len, "flip", NULL);
		eunomia_package__free(pkg);
	}
	free(copy);
	free(text);
}

/* ---- URLs (a tiny forked HTTP responder on 127.0.0.1) ------------------------------------ */

struct http_reply {
	const char *head; /* status line and headers, without the blank line */
	const void *body;
	size_t len;
};

static int listen_local(int *port)
{
	struct sockaddr_in sa = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	socklen_t sl = sizeof(sa);
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);

	assert_true(fd >= 0);
	assert_int_equal(bind(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	assert_int_equal(listen(fd, 8), 0);
	assert_int_equal(getsockname(fd, (struct sockaddr *)&sa, &sl), 0);
	*port = ntohs(sa.sin_port);
	return fd;
}

/* Serve the replies, one per connection, in order; returns the child's pid. */
static pid_t serve(int lfd, const struct http_reply *replies, size_t n)
{
	pid_t pid = fork();
	size_t i;

	assert_true(pid >= 0);
	if (pid)
		return pid;
	for (i = 0; i < n; i++) {
		char req[4096], head[512];
		int c = accept(lfd, NULL, NULL);
		size_t off = 0;

		if (c < 0)
			_exit(1);
		if (read(c, req, sizeof(req)) < 0)
			_exit(1);
		snprintf(head, sizeof(head),
			 "%s\r\nContent-Length: %zu\r\nConnection: close\r\n\r\n", replies[i].head,
			 replies[i].len);
		if (write(c, head, strlen(head)) < 0)
			_exit(1);
		while (off < replies[i].len) {
			ssize_t w =
				write(c, (const char *)replies[i].body + off, replies[i].len - off);

			if (w <= 0)
				break;
			off += (size_t)w;
		}
		close(c);
	}
	_exit(0);
}

static void reap(pid_t pid)
{
	kill(pid, SIGKILL);
	waitpid(pid, NULL, 0);
}

static void test_url_fetch(void **state)
{
	struct eunomia_package *pkg;
	char url[128], loc[160], hex[65];
	char *text, *big;
	size_t len;
	int lfd, port;
	pid_t pid;

	/* talk to 127.0.0.1 directly even where a proxy is configured */
	unsetenv("http_proxy");
	unsetenv("HTTP_PROXY");
	unsetenv("all_proxy");
	unsetenv("ALL_PROXY");
	text = build_package(false, &len);
	pkg_sha256_hex(text, len, hex);

	/* a redirect is followed, and the #sha256 fragment pins the result */
	lfd = listen_local(&port);
	snprintf(loc, sizeof(loc), "HTTP/1.1 302 Found\r\nLocation: http://127.0.0.1:%d/real.json",
		 port);
	{
		struct http_reply rep[] = {{loc, "", 0}, {"HTTP/1.1 200 OK", text, len}};

		pid = serve(lfd, rep, 2);
	}
	snprintf(url, sizeof(url), "http://127.0.0.1:%d/p.json#sha256=%s", port, hex);
	{
		POPTS(o);
		pkg = eunomia_package__open(url, &o);
		if (!pkg)
			fail_msg("open_url: %s; log: %s", eunomia_strerror(errno), msgs);
		check_package(pkg);
		assert_string_equal(eunomia_package__sha256(pkg), hex);
		eunomia_package__free(pkg);
	}
	reap(pid);
	close(lfd);

	/* larger than max_size */
	big = calloc(1, 3 << 20);
	assert_non_null(big);
	lfd = listen_local(&port);
	{
		struct http_reply rep[] = {{"HTTP/1.1 200 OK", big, 3 << 20}};

		pid = serve(lfd, rep, 1);
	}
	snprintf(url, sizeof(url), "http://127.0.0.1:%d/big.json", port);
	{
		POPTS(o, .max_size = 1 << 20);
		msgs[0] = '\0';
		assert_null(eunomia_package__open_url(url, &o));
		assert_int_equal(errno, EUNOMIA_ERR_SIZE);
		assert_non_null(strstr(msgs, "larger than the limit of 1048576 bytes"));
	}
	reap(pid);
	close(lfd);
	free(big);

	/* a server that never answers: the timeout */
	lfd = listen_local(&port);
	snprintf(url, sizeof(url), "http://127.0.0.1:%d/slow.json", port);
	{
		POPTS(o, .fetch_timeout_s = 1);
		msgs[0] = '\0';
		assert_null(eunomia_package__open_url(url, &o));
		assert_int_equal(errno, EUNOMIA_ERR_FETCH);
		assert_non_null(strstr(msgs, "did not answer in time"));
	}
	close(lfd);

	/* two different pins; a non-http URL */
	{
		POPTS(o, .sha256 = hex);
		snprintf(url, sizeof(url), "http://127.0.0.1:1/p.json#sha256=%064d", 0);
		msgs[0] = '\0';
		assert_null(eunomia_package__open_url(url, &o));
		assert_int_equal(errno, EUNOMIA_ERR_DIGEST);
		assert_non_null(strstr(msgs, "two different sha256 pins"));
		assert_null(eunomia_package__open_url("file:///etc/passwd", &o));
		assert_int_equal(errno, EINVAL);
	}
	free(text);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_base64_vectors, reset_msgs),
		cmocka_unit_test_setup(test_base64_roundtrip_binary, reset_msgs),
		cmocka_unit_test_setup(test_base64_rejects, reset_msgs),
		cmocka_unit_test_setup(test_zlib_roundtrip, reset_msgs),
		cmocka_unit_test_setup(test_zlib_bounds, reset_msgs),
		cmocka_unit_test_setup(test_sha256, reset_msgs),
		cmocka_unit_test_setup(test_doc_parse_errors, reset_msgs),
		cmocka_unit_test_setup(test_yaml_scalar_typing, reset_msgs),
		cmocka_unit_test_setup(test_yaml_write_roundtrip, reset_msgs),
		cmocka_unit_test_setup(test_package_json_roundtrip, reset_msgs),
		cmocka_unit_test_setup(test_package_yaml_roundtrip, reset_msgs),
		cmocka_unit_test_setup(test_package_tar, reset_msgs),
		cmocka_unit_test_setup(test_sha256_pin, reset_msgs),
		cmocka_unit_test_setup(test_max_size, reset_msgs),
		cmocka_unit_test_setup(test_malformed_fixtures, reset_msgs),
		cmocka_unit_test_setup(test_open_file_errors, reset_msgs),
		cmocka_unit_test_setup(test_hostile_mutations, reset_msgs),
		cmocka_unit_test_setup(test_url_fetch, reset_msgs),
	};

	return cmocka_run_group_tests(tests, setup_all, teardown_all);
}
