#!/usr/bin/env bats
# `ecli server`'s GET /metrics (ecli/metrics_http.c): every running program's maps in one
# exposition, labelled program="NAME",id="ID", behind the API's authentication.

load ../lib/common
load ../data/e2e/helpers
load ../lib/server

reader() {
	/usr/bin/python3 "$EUNOMIA_ROOT/tests/data/metrics/reader.py" "$@"
}

# scrape_tcp: GET /metrics with the token into $MBODY; promtool and the parser accept it.
scrape_tcp() {
	MBODY=$BATS_TEST_TMPDIR/metrics.$RANDOM
	curl -sS -f -H "Authorization: Bearer $(head -n1 "$TOK")" "http://127.0.0.1:$PORT/metrics" \
		-o "$MBODY"
	promtool check metrics <"$MBODY" || {
		cat "$MBODY" >&2
		return 1
	}
	/usr/bin/python3 -c 'import sys
from prometheus_client.parser import text_string_to_metric_families as p
list(p(open(sys.argv[1]).read()))' "$MBODY"
}

mvalue() {
	WANT="$1{$2}" awk '$1 == ENVIRON["WANT"] { print $2 }' "$MBODY"
}

@test "server: /metrics labels each program; one family for two programs of a package; token" {
	need_cmd promtool
	/usr/bin/python3 -c 'import prometheus_client' 2>/dev/null ||
		skip "needs python3-prometheus-client (scripts/setup.sh deps)"
	TOK=$BATS_TEST_TMPDIR/token
	head -c 24 /dev/urandom | base64 >"$TOK"
	chmod 600 "$TOK"
	server_start --listen tcp:127.0.0.1:0 --token-file "$TOK"
	[ -n "$PORT" ]
	ecc_build "$EUNOMIA_ROOT/tests/data/metrics/readsize.bpf.c"
	local a=ma$(run_id) b=mb$(run_id)
	start_body "$BATS_TEST_TMPDIR/req.a" "$PKG" rs-a -- --target-comm "${a:0:15}"
	req POST /v1/programs "$BATS_TEST_TMPDIR/req.a"
	[ "$CODE" = 201 ]
	id_a=$(jq_get "$BODY" "d['id']")
	start_body "$BATS_TEST_TMPDIR/req.b" "$PKG" 'rs"b' -- --target-comm "${b:0:15}"
	req POST /v1/programs "$BATS_TEST_TMPDIR/req.b"
	[ "$CODE" = 201 ]
	id_b=$(jq_get "$BODY" "d['id']")
	reader "${a:0:15}" 1 2 3
	reader "${b:0:15}" 1000 1000
	local _
	for _ in $(seq 1 150); do
		scrape_tcp
		[ "$(mvalue readsize_events_total "program=\"rs-a\",id=\"$id_a\",map=\"events\"")" = 3 ] &&
			[ "$(mvalue readsize_events_total "program=\"rs\\\"b\",id=\"$id_b\",map=\"events\"")" = 2 ] &&
			break
		sleep 0.2
	done
	[ "$(mvalue readsize_reads_total "program=\"rs-a\",id=\"$id_a\",key=\"0\"")" = 3 ]
	[ "$(mvalue readsize_reads_total "program=\"rs\\\"b\",id=\"$id_b\",key=\"0\"")" = 2 ]
	[ "$(mvalue readsize_sizes_bucket "program=\"rs-a\",id=\"$id_a\",key=\"97\",le=\"3\"")" = 3 ]
	[ "$(mvalue readsize_sizes_bucket "program=\"rs\\\"b\",id=\"$id_b\",key=\"97\",le=\"511\"")" = 0 ]
	[ "$(mvalue readsize_sizes_bucket "program=\"rs\\\"b\",id=\"$id_b\",key=\"97\",le=\"1023\"")" = 2 ]
	# each family once, both programs' samples in it
	[ "$(grep -c '^# TYPE readsize_sizes histogram$' "$MBODY")" -eq 1 ]
	# the API's authentication
	run curl -sS -o /dev/null -w '%{http_code}' "http://127.0.0.1:$PORT/metrics"
	[ "$output" = 401 ]
	# a stopped program is gone from the scrape
	req DELETE "/v1/programs/$id_a"
	scrape_tcp
	run ! grep -q "program=\"rs-a\"" "$MBODY"
	grep -q "program=\"rs\\\\\"b\"" "$MBODY"
	server_stop
	[ "$SRV_STATUS" -eq 0 ]
}
