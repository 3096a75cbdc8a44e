#!/usr/bin/env bats
# End-to-end tests of `ecli run --metrics-addr` (loader/metrics.c, ecli/metrics_http.c): a real
# tool (tests/data/metrics/readsize.bpf.c) counts the read(2) calls of a reader this test runs
# with known sizes; every scrape must pass `promtool check metrics` and parse with
# prometheus_client's parsers (Prometheus 0.0.4 and OpenMetrics), and the values are exact.

load "${EUNOMIA_ROOT:-$BATS_TEST_DIRNAME/../..}/tests/lib/common"

setup_file() {
	[ "$(id -u)" -eq 0 ] || return 0
	"$EUNOMIA_ROOT/scripts/setup.sh" mounts >/dev/null 2>&1 || true
	export MX_PKG_DIR=$BATS_FILE_TMPDIR/readsize
	mkdir -p "$MX_PKG_DIR"
	"$ECC" "$EUNOMIA_ROOT/tests/data/metrics/readsize.bpf.c" -o "$MX_PKG_DIR" \
		>"$MX_PKG_DIR/ecc.log" 2>&1 || true
}

setup() {
	need_root
	need_tracefs
	need_cmd promtool
	/usr/bin/python3 -c 'import prometheus_client' 2>/dev/null ||
		skip "needs python3-prometheus-client (scripts/setup.sh deps)"
	[ -f "$MX_PKG_DIR/package.json" ] || {
		cat "$MX_PKG_DIR/ecc.log" >&2
		false
	}
	PKG=$MX_PKG_DIR/package.json
	# a per-test reader name, with a quote and a backslash to check label escaping
	COMM="m\"$(run_id)\\x"
	COMM=${COMM:0:15}
}

teardown() {
	teardown_ecli
}

# start ARGS...: ecli run --metrics-addr 127.0.0.1:0 ARGS; sets ADDR from its notice.
start() {
	ecli_start --metrics-addr 127.0.0.1:0 "$@"
	ADDR=$(grep -o 'metrics at http://[^/]*' "$ERR" | sed 's|.*http://||')
	[ -n "$ADDR" ]
}

read_sizes() {
	/usr/bin/python3 "$EUNOMIA_ROOT/tests/data/metrics/reader.py" "$COMM" "$@"
}

# scrape [ACCEPT]: GET /metrics into $BODY; checks it with promtool and prometheus_client's
# parser for the format the response says it is in.
scrape() {
	BODY=$BATS_TEST_TMPDIR/scrape.$RANDOM
	local hdr=$BODY.hdr
	curl -sS -f -D "$hdr" ${1:+-H "Accept: $1"} "http://$ADDR/metrics" -o "$BODY"
	if grep -qi '^content-type: application/openmetrics-text; version=1.0.0' "$hdr"; then
		FORMAT=openmetrics
	else
		grep -qi '^content-type: text/plain; version=0.0.4' "$hdr"
		FORMAT=text
	fi
	# promtool reads the Prometheus text format only (OpenMetrics escapes '"' in HELP,
	# which that format refuses): OpenMetrics scrapes are checked by the OpenMetrics parser
	if [ "$FORMAT" = text ] && ! promtool check metrics <"$BODY"; then
		cat "$BODY" >&2
		return 1
	fi
	/usr/bin/python3 - "$BODY" "$FORMAT" <<'PY'
import sys
body, fmt = open(sys.argv[1]).read(), sys.argv[2]
if fmt == "openmetrics":
    from prometheus_client.openmetrics.parser import text_string_to_metric_families
else:
    from prometheus_client.parser import text_string_to_metric_families
n = sum(len(f.samples) for f in text_string_to_metric_families(body))
assert n > 0, body
PY
}

# value NAME LABELS: the sample's value in $BODY (LABELS exactly as printed, without braces).
value() {
	WANT="$1{$2}" awk '$1 == ENVIRON["WANT"] { print $2 }' "$BODY"
}

# wait_value NAME LABELS EXPECTED: scrape until the sample has the value (30 s).
wait_value() {
	local _
	for _ in $(seq 1 150); do
		scrape
		[ "$(value "$1" "$2")" = "$3" ] && return 0
		sleep 0.2
	done
	echo "$1{$2} is '$(value "$1" "$2")', not $3; last scrape:" >&2
	cat "$BODY" >&2
	return 1
}

# the comm label as the format escapes it
esc_comm() {
	printf '%s' "$COMM" | sed 's/\\/\\\\/g; s/"/\\"/g'
}

@test "metrics: exact histogram buckets, key/value gauges, counters and event counts" {
	start "$PKG" --target-comm "$COMM"
	read_sizes 1 2 3 100 1000 1000 1000
	wait_value readsize_events_total 'map="events"' 7
	local c
	c=$(esc_comm)
	# log2 slots: 1 -> [0,1], 2 and 3 -> [2,3], 100 -> [64,127], 1000 -> [512,1023]
	local le want
	local -A cum=([1]=1 [3]=3 [7]=3 [15]=3 [31]=3 [63]=3 [127]=4 [255]=4 [511]=4 [1023]=7
		[2047]=7 [2147483647]=7 [4294967295]=7 [+Inf]=7)
	for le in "${!cum[@]}"; do
		want=${cum[$le]}
		[ "$(value readsize_sizes_bucket "key=\"97\",le=\"$le\"")" = "$want" ] || {
			echo "le=$le: want $want" >&2
			cat "$BODY" >&2
			false
		}
	done
	[ "$(value readsize_sizes_count 'key="97"')" = 7 ]
	# 32 slots and +Inf; no invented _sum
	[ "$(grep -c '^readsize_sizes_bucket{key="97"' "$BODY")" -eq 33 ]
	run ! grep -q '^readsize_sizes_sum' "$BODY"
	grep -qx '# TYPE readsize_sizes histogram' "$BODY"
	# linear: slot i at le="i" (reads of 7 bytes and more count in slot 7)
	local -a lin=(0 1 2 3 3 3 3 7)
	for le in 0 1 2 3 4 5 6 7; do
		[ "$(value readsize_small_bucket "key=\"0\",le=\"$le\"")" = "${lin[$le]}" ]
	done
	[ "$(value readsize_small_bucket 'key="0",le="+Inf"')" = 7 ]
	grep -qx '# TYPE readsize_small histogram' "$BODY"
	# key/value: string and enum key fields as labels, one gauge per value field
	[ "$(value readsize_classes_calls "comm=\"$c\",cls=\"RS_SMALL\"")" = 3 ]
	[ "$(value readsize_classes_calls "comm=\"$c\",cls=\"RS_LARGE\"")" = 4 ]
	[ "$(value readsize_classes_bytes "comm=\"$c\",cls=\"RS_SMALL\"")" = 6 ]
	[ "$(value readsize_classes_bytes "comm=\"$c\",cls=\"RS_LARGE\"")" = 3100 ]
	[ "$(value readsize_classes_neg_fd "comm=\"$c\",cls=\"RS_LARGE\"")" = -97 ]
	grep -qx '# TYPE readsize_classes_calls gauge' "$BODY"
	# unannotated hash map: a gauge
	[ "$(value readsize_byfd 'key="97"')" = 7 ]
	# @metric: name, type and help (escaped) from the annotation; per-CPU values summed
	[ "$(value readsize_reads_total 'key="0"')" = 7 ]
	grep -qx '# TYPE readsize_reads_total counter' "$BODY"
	grep -qxF '# HELP readsize_reads_total reads by "the" reader\\seen' "$BODY"
	[ "$(value readsize_events_lost_total 'map="events"')" = 0 ]
	# the terminal output goes on
	wait_for "$OUT" 'RS_LARGE'
	ecli_stop
}

@test "metrics: the per-key fallback (no batch lookups) gives the same values" {
	EUNOMIA_METRICS_NO_BATCH=1 start "$PKG" --target-comm "$COMM"
	read_sizes 1 100 1000
	wait_value readsize_events_total 'map="events"' 3
	[ "$(value readsize_sizes_bucket 'key="97",le="1"')" = 1 ]
	[ "$(value readsize_sizes_bucket 'key="97",le="127"')" = 2 ]
	[ "$(value readsize_sizes_bucket 'key="97",le="+Inf"')" = 3 ]
	[ "$(value readsize_classes_bytes "comm=\"$(esc_comm)\",cls=\"RS_LARGE\"")" = 1100 ]
	[ "$(value readsize_reads_total 'key="0"')" = 3 ]
	ecli_stop
}

@test "metrics: OpenMetrics when the Accept header asks for it" {
	start "$PKG" --target-comm "$COMM"
	read_sizes 5 6
	wait_value readsize_events_total 'map="events"' 2
	scrape 'application/openmetrics-text; version=1.0.0,text/plain;q=0.5'
	[ "$FORMAT" = openmetrics ]
	[ "$(tail -n 1 "$BODY")" = '# EOF' ]
	grep -qx '# TYPE readsize_events counter' "$BODY"
	[ "$(value readsize_events_total 'map="events"')" = 2 ]
	[ "$(value readsize_sizes_bucket 'key="97",le="7.0"')" = 2 ]
	[ "$(value readsize_sizes_bucket 'key="97",le="+Inf"')" = 2 ]
	# OpenMetrics allows _count only beside a _sum, and a log2 histogram has no sum
	run ! grep -q '^readsize_sizes_count' "$BODY"
	grep -qxF '# HELP readsize_reads reads by \"the\" reader\\seen' "$BODY"
	ecli_stop
}

@test "metrics: --quiet prints no events; scrapes while events flow" {
	start --quiet "$PKG" --target-comm "$COMM"
	local i
	for i in 1 2 3 4 5; do
		read_sizes $(seq 1 40)
		scrape
	done
	wait_value readsize_events_total 'map="events"' 200
	[ "$(value readsize_reads_total 'key="0"')" = 200 ]
	ecli_stop
	[ ! -s "$OUT" ]
}

@test "metrics: --bpf-stats gives run_count and run_time_seconds per program" {
	start --bpf-stats "$PKG" --target-comm "$COMM"
	scrape
	grep -q '^readsize_prog_run_count_total{prog="handle_read"} [0-9]' "$BODY"
	grep -q '^readsize_prog_run_time_seconds_total{prog="handle_read"} [0-9.]*$' "$BODY"
	[ "$(value readsize_prog_run_count_total 'prog="handle_read"')" -gt 0 ]
	ecli_stop
}

@test "metrics: without --bpf-stats (and the sysctl off) no program statistics" {
	[ "$(cat /proc/sys/kernel/bpf_stats_enabled 2>/dev/null)" = 0 ] ||
		skip "kernel.bpf_stats_enabled is on for the whole machine"
	start "$PKG" --target-comm "$COMM"
	scrape
	run ! grep -q '_prog_run_count' "$BODY"
	ecli_stop
}

@test "metrics: another path is 404" {
	start "$PKG" --target-comm "$COMM"
	run curl -sS -o /dev/null -w '%{http_code}' "http://$ADDR/other"
	[ "$output" = 404 ]
	ecli_stop
}

@test "metrics: an address that cannot be used fails with a reason and detaches" {
	run "$ECLI" run --metrics-addr 127.0.0.1 "$PKG" --target-comm "$COMM"
	[ "$status" -eq 1 ]
	[[ "$output" == *"give HOST:PORT"* ]]
	run "$ECLI" run --metrics-addr 192.0.2.1:9 "$PKG" --target-comm "$COMM"
	[ "$status" -eq 1 ]
	[[ "$output" == *"cannot listen on 192.0.2.1:9 for metrics"* ]]
	assert_no_prog handle_read
}
