// SPDX-License-Identifier: MIT
/*
 * `ecli server` internals (ecli/server_prog.c, server_state.c, sbuf.c, compiled into this
 * test): base64 both ways (padding optional), /v1/programs bodies into program specs and their
 * error messages, and the per-program event ring: cursors from 1, bounded with the oldest
 * dropped and counted, reads that never remove anything, limits, and a reader that fell
 * behind resuming at the oldest event kept.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "ecli/options.c"
#include "ecli/sbuf.c"
#include "ecli/server_prog.c"
#include "ecli/server_state.c"
#include "ecli/b64.c"
#include "ecli/minisig.c"
#include "ecli/sign.c"
#include "ecli/oci_http.c"

static void b64_roundtrip(const char *in, const char *want)
{
	char *enc = srv_b64_encode(in, strlen(in));
	size_t n;
	char *dec;

	assert_non_null(enc);
	assert_string_equal(enc, want);
	dec = srv_b64_decode(enc, &n);
	assert_non_null(dec);
	assert_int_equal(n, strlen(in));
	assert_memory_equal(dec, in, n);
	free(dec);
	/* the archived server's clients send no padding */
	enc[strcspn(enc, "=")] = '\0';
	dec = srv_b64_decode(enc, &n);
	assert_non_null(dec);
	assert_int_equal(n, strlen(in));
	assert_memory_equal(dec, in, n);
	free(dec);
	free(enc);
}

static void test_base64(void **state)
{
	size_t n;

	b64_roundtrip("", "");
	b64_roundtrip("f", "Zg==");
	b64_roundtrip("fo", "Zm8=");
	b64_roundtrip("foo", "Zm9v");
	b64_roundtrip("foobar", "Zm9vYmFy");
	b64_roundtrip("{\"bpf_object\": 1}", "eyJicGZfb2JqZWN0IjogMX0=");
	assert_null(srv_b64_decode("Zm9v!", &n));
	assert_null(srv_b64_decode("Zg=x", &n)); /* data after the padding */
}

/* Parse body into a spec; expect success, or the error text. */
static void spec(const char *body, const char *want_err, struct prog_spec *out)
{
	cJSON *doc = cJSON_Parse(body);
	char *err = NULL;
	int rc;

	assert_non_null(doc);
	rc = srv_spec_from_v1(doc, out, &err);
	cJSON_Delete(doc);
	if (!want_err) {
		if (rc)
			fail_msg("unexpected error for %s: %s", body, err);
		return;
	}
	assert_int_equal(rc, -1);
	assert_non_null(err);
	assert_string_equal(err, want_err);
	free(err);
}

static void test_spec_from_v1(void **state)
{
	struct prog_spec s;

	spec("{\"package\": {\"a\": [1, 2]}, \"name\": \"n\", \"args\": [\"--pid\", \"3\"], "
	     "\"options\": {\"ifname\": \"lo\", \"pid\": 7, \"freq\": \"99\", \"strict\": true}}",
	     NULL, &s);
	assert_string_equal(s.pkg_data, "{\"a\":[1,2]}"); /* an object is sent on as JSON text */
	assert_int_equal(s.pkg_size, strlen("{\"a\":[1,2]}"));
	assert_string_equal(s.name, "n");
	assert_int_equal(s.argc, 3);
	assert_string_equal(s.argv[0], "n"); /* the tool name slot parse_args skips */
	assert_string_equal(s.argv[1], "--pid");
	assert_string_equal(s.argv[2], "3");
	assert_null(s.argv[3]);
	assert_string_equal(s.ifname, "lo");
	assert_int_equal(s.pid, 7);
	assert_int_equal(s.freq, 99);
	assert_true(s.strict);
	assert_false(s.plain);
	prog_spec_free(&s);

	spec("{\"package\": \"meta: {}\\n\"}", NULL, &s);
	assert_string_equal(s.pkg_data, "meta: {}\n"); /* YAML text stays as it is */
	assert_int_equal(s.argc, 1);
	prog_spec_free(&s);

	spec("{\"package_base64\": \"Zm9v\", \"format\": \"plain\", \"paused\": true}", NULL, &s);
	assert_int_equal(s.pkg_size, 3);
	assert_memory_equal(s.pkg_data, "foo", 3);
	assert_true(s.plain);
	assert_true(s.paused);
	prog_spec_free(&s);

	spec("{\"url\": \"https://x/p.json\"}", NULL, &s);
	assert_string_equal(s.url, "https://x/p.json");
	assert_null(s.pkg_data);
	prog_spec_free(&s);

	spec("{}",
	     "give exactly one of \"package\" (the package document), \"package_base64\" or "
	     "\"url\"",
	     &s);
	spec("{\"package\": {}, \"url\": \"http://x\"}",
	     "give exactly one of \"package\" (the package document), \"package_base64\" or "
	     "\"url\"",
	     &s);
	spec("{\"package\": 3}",
	     "package: expected the package document (a JSON object, or a string holding JSON or "
	     "YAML)",
	     &s);
	spec("{\"package_base64\": \"@@\"}", "package_base64: expected base64 text", &s);
	spec("{\"url\": 1}", "url: expected a string", &s);
	spec("{\"url\": \"u\", \"args\": \"--pid 1\"}", "args: expected an array of strings", &s);
	spec("{\"url\": \"u\", \"args\": [\"--pid\", 1]}", "args: expected an array of strings",
	     &s);
	spec("{\"url\": \"u\", \"options\": []}", "options: expected an object", &s);
	spec("{\"url\": \"u\", \"options\": {\"colour\": 1}}",
	     "options: unknown option 'colour' (known: ifname, ifindex, uprobe_binary, "
	     "uprobe_func, pid, cgroup, freq, only, disable, btf, strict, max_entries, "
	     "no_btf_cache, sha256)",
	     &s);
	spec("{\"url\": \"u\", \"options\": {\"pid\": 0}}",
	     "options.pid: expected an integer in [1, 2147483647]", &s);
	spec("{\"url\": \"u\", \"options\": {\"freq\": 1.5}}",
	     "options.freq: expected an integer in [1, 1000000]", &s);
	spec("{\"url\": \"u\", \"options\": {\"strict\": 1}}",
	     "options.strict: expected true or false", &s);
	spec("{\"url\": \"u\", \"options\": {\"btf\": false}}", "options.btf: expected a string",
	     &s);
}

struct collect {
	uint64_t cursors[64];
	char lines[64][16];
	size_t n;
};

static void collect(void *ctx, const struct srv_event *ev)
{
	struct collect *c = ctx;

	assert_true(c->n < 64);
	c->cursors[c->n] = ev->cursor;
	snprintf(c->lines[c->n], sizeof(c->lines[0]), "%s", ev->line);
	assert_int_equal(ev->len, strlen(ev->line));
	assert_true(ev->time_ns > 0);
	c->n++;
}

static uint64_t read_ring(struct srv_prog *p, uint64_t after, size_t limit, struct collect *c)
{
	bool gone;
	uint64_t next;

	memset(c, 0, sizeof(*c));
	next = srv_prog_read(p, after, limit, 0, collect, c, &gone);
	assert_false(gone);
	return next;
}

static void test_event_ring(void **state)
{
	struct srv_config cfg = {.max_events = 4};
	struct srv s = {.cfg = &cfg};
	struct prog_spec sp = {0};
	struct srv_prog *p;
	struct collect c;
	char line[16];
	int i;

	pthread_mutex_init(&s.lock, NULL);
	p = prog_new(&s, &sp);
	assert_non_null(p);
	assert_int_equal(read_ring(p, 0, 100, &c), 0); /* empty: next stays at `after` */
	assert_int_equal(c.n, 0);
	for (i = 1; i <= 3; i++) {
		snprintf(line, sizeof(line), "{\"n\":%d}", i);
		assert_int_equal(prog_output(p, line, strlen(line)), 0);
	}
	/* cursors start at 1; reading twice gives the same events (nothing is removed) */
	assert_int_equal(read_ring(p, 0, 100, &c), 3);
	assert_int_equal(c.n, 3);
	assert_int_equal(c.cursors[0], 1);
	assert_string_equal(c.lines[2], "{\"n\":3}");
	assert_int_equal(read_ring(p, 0, 100, &c), 3);
	assert_int_equal(c.n, 3);
	/* after and limit */
	assert_int_equal(read_ring(p, 1, 1, &c), 2);
	assert_int_equal(c.n, 1);
	assert_string_equal(c.lines[0], "{\"n\":2}");
	assert_int_equal(read_ring(p, 3, 100, &c), 3);
	assert_int_equal(c.n, 0);
	/* over the capacity of 4: the oldest go, counted */
	for (i = 4; i <= 9; i++) {
		snprintf(line, sizeof(line), "{\"n\":%d}", i);
		prog_output(p, line, strlen(line));
	}
	assert_int_equal(p->dropped, 5);
	assert_int_equal(p->count, 4);
	/* a reader behind the oldest resumes at it (cursor 6) */
	assert_int_equal(read_ring(p, 2, 100, &c), 9);
	assert_int_equal(c.n, 4);
	assert_int_equal(c.cursors[0], 6);
	assert_string_equal(c.lines[0], "{\"n\":6}");
	assert_string_equal(c.lines[3], "{\"n\":9}");
	/* a reader behind with a limit: next is where it got to */
	assert_int_equal(read_ring(p, 0, 2, &c), 7);
	assert_int_equal(c.n, 2);
	/* summary JSON */
	{
		cJSON *o = srv_prog_json(p, false);
		char *t = cJSON_PrintUnformatted(o);

		assert_non_null(strstr(t, "\"events\":9,\"dropped\":5,\"lost\":0"));
		free(t);
		cJSON_Delete(o);
	}
	srv_prog_put(p);
	pthread_mutex_destroy(&s.lock);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_base64),
		cmocka_unit_test(test_spec_from_v1),
		cmocka_unit_test(test_event_ring),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
