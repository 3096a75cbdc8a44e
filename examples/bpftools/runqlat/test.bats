#!/usr/bin/env bats
# End-to-end: compile runqlat with ecc, run it with ecli, make a child of this test wake up
# a few hundred times and check the histogram that ecli samples from the map.

load ../../../tests/lib/common

# Compile once per file (ecc runs clang); the tests share the package.
setup_file() {
	[ "$(id -u)" -eq 0 ] || return 0
	BATS_TEST_TMPDIR=$BATS_FILE_TMPDIR ecc_build "$BATS_TEST_DIRNAME/runqlat.bpf.c"
	check_pkg --no-export --prog runqlat_wakeup --prog runqlat_wakenew --prog runqlat_switch \
		--var targ_per_process --var targ_tgid
	export PKG
}

setup() {
	need_root
	[ -f "${PKG:-}" ] || { echo "no package: ecc failed in setup_file" >&2; false; }
	GATE=$BATS_TEST_TMPDIR/gate
	mkfifo "$GATE"
	# the workload: once the gate opens, sleep 1 ms 300 times (300 wakeups)
	python3 -c 'import sys, time
open(sys.argv[1]).read()
for _ in range(300):
    time.sleep(0.001)' "$GATE" &
	CHILD=$!
	# let it exec python3 and block on the gate first (its histogram keeps the first name)
	wait_sleeping "$CHILD" python3
}

teardown() {
	teardown_ecli
	if [ -n "${CHILD:-}" ]; then
		kill "$CHILD" 2>/dev/null || true
		wait "$CHILD" 2>/dev/null || true
	fi
}

# slots(e): the histogram's slot counts (value may be the struct or hold it).
SLOTS="(e['value']['slots'] if isinstance(e['value'], dict) else e['value'])"

# sum_slots FILE KEY: total count over every sampled histogram of KEY in the NDJSON FILE.
sum_slots() {
	python3 - "$1" "$2" <<'PY'
import json, sys
total = 0
for line in open(sys.argv[1]):
    try:
        e = json.loads(line)
        if e["key"] == int(sys.argv[2]):
            v = e["value"]
            total += sum(v["slots"] if isinstance(v, dict) else v)
    except (ValueError, KeyError, TypeError):
        pass
print(total)
PY
}

# plain_total FILE: the count over every histogram row of the plain output in FILE
plain_total() {
	python3 - "$1" <<'PY'
import re, sys
total = 0
for line in open(sys.argv[1]):
    m = re.match(r'\s*\d+ -> \d+\s*: (\d+)', line)
    if m:
        total += int(m.group(1))
print(total)
PY
}

@test "runqlat: --per_process --pid gives a histogram keyed by the workload's pid" {
	local pid=$CHILD
	ecli_start -j "$PKG" --per_process --pid "$pid"
	echo go >"$GATE"
	wait "$CHILD"
	CHILD=
	# the map is cleared after each interval: sum the workload's slots over all of them
	local _
	for _ in $(seq 1 300); do
		[ "$(sum_slots "$OUT" "$pid")" -ge 280 ] && break
		sleep 0.1
	done
	ecli_stop
	[ "$ECLI_STATUS" -eq 0 ]
	# every wakeup of the workload (about 300) landed in one of its slots
	local n
	n=$(sum_slots "$OUT" "$pid")
	[ "$n" -ge 280 ] || { echo "histograms hold $n wakeups of $pid, expected >= 280" >&2; false; }
	json_match "$OUT" "e['key'] == $pid and e['value']['comm'] == 'python3' and len($SLOTS) == 26"
	# --pid: no other process has a histogram
	json_none "$OUT" "e['key'] != $pid"
	assert_no_prog runqlat_switch runqlat_wakeup runqlat_wakenew
}

@test "runqlat: plain output is a log2 histogram in usecs" {
	ecli_start "$PKG" -p "$CHILD"
	echo go >"$GATE"
	wait "$CHILD"
	CHILD=
	wait_for "$OUT" '-> +[0-9]+ +: +[0-9]+ +\|\*+ *\|' 30
	# about 300 wakeups in all, over the histograms of every interval (the map is cleared):
	# wait (30 s) for them rather than for a fixed number of intervals
	local _
	for _ in $(seq 1 300); do
		[ "$(plain_total "$OUT")" -ge 280 ] && break
		sleep 0.1
	done
	ecli_stop
	[ "$ECLI_STATUS" -eq 0 ]
	grep -Eq 'usecs +: count +distribution' "$OUT"
	local n
	n=$(plain_total "$OUT")
	[ "$n" -ge 280 ] || { echo "histograms hold $n wakeups, expected >= 280" >&2; false; }
	assert_no_prog runqlat_switch runqlat_wakeup runqlat_wakenew
}
