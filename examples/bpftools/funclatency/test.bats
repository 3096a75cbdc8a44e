#!/usr/bin/env bats
# End-to-end: build funclatency_target (calls work_ms(), which sleeps 5 ms, and quick()),
# compile funclatency with ecc, run it with ecli on that binary with -b and -f, and check the
# latency histograms that ecli samples from the maps.

load ../../../tests/lib/common

# Compile once per file (ecc runs clang, cc builds the target); the tests share them.
setup_file() {
	[ "$(id -u)" -eq 0 ] || return 0
	BATS_TEST_TMPDIR=$BATS_FILE_TMPDIR ecc_build "$BATS_TEST_DIRNAME/funclatency.bpf.c"
	check_pkg --no-export --prog funclatency_entry --prog funclatency_exit \
		--var targ_ms --var targ_per_process --var targ_tgid
	export PKG
	mkdir -p "$BATS_FILE_TMPDIR/target"
	if command -v cc >/dev/null 2>&1; then
		cc -O1 -g -o "$BATS_FILE_TMPDIR/target/funclatency_target" \
			"$BATS_TEST_DIRNAME/funclatency_target.c"
	fi
	export TARGET=$BATS_FILE_TMPDIR/target/funclatency_target
}

# the workload: 20 calls of work_ms(5) by $CHILD; a second process makes 7 more (OTHER)
N=20
M=7

setup() {
	need_root
	[ -f "${PKG:-}" ] || { echo "no package: ecc failed in setup_file" >&2; false; }
	[ -x "$TARGET" ] || skip "no C compiler to build funclatency_target"
	GATE=$BATS_TEST_TMPDIR/gate
	mkfifo "$GATE"
	# $CHILD is the target's pid from the start (it execs once the gate opens), so the
	# filters can name it before it runs
	(
		read -r _ <"$GATE"
		exec "$TARGET" "$N" 5 >/dev/null
	) &
	CHILD=$!
	OTHER=
}

teardown() {
	teardown_ecli
	local p
	for p in ${CHILD:-} ${OTHER:-}; do
		kill "$p" 2>/dev/null || true
		wait "$p" 2>/dev/null || true
	done
}

# run_workload: run another target process (M calls) to its end, then open the gate for
# $CHILD and wait for it. Every call of OTHER precedes every call of CHILD: once all N calls
# of CHILD are printed, any call of OTHER that a filter let through is printed too (the maps
# are read, printed and cleared each interval), so no extra interval needs waiting for.
run_workload() {
	"$TARGET" "$M" 5 >/dev/null &
	OTHER=$!
	wait "$OTHER"
	echo go >"$GATE"
	wait "$CHILD"
	CHILD=
}

# plain_rows FILE: "LOW COUNT" for every histogram row of the plain output in FILE, summed
# over all the intervals (the maps are cleared after each), in slot order.
plain_rows() {
	python3 - "$1" <<'PY'
import re, sys
rows = {}
for line in open(sys.argv[1]):
    m = re.match(r'\s*(\d+) -> \d+\s*: (\d+)\s+\|', line)
    if m:
        rows[int(m.group(1))] = rows.get(int(m.group(1)), 0) + int(m.group(2))
for low in sorted(rows):
    print(low, rows[low])
PY
}

# plain_total FILE: the number of calls in all the histograms of FILE
plain_total() {
	plain_rows "$1" | awk '{ s += $2 } END { print s + 0 }'
}

# json_slots FILE KEY: the slots of KEY's histograms in the NDJSON FILE, summed over the
# intervals, space-separated.
json_slots() {
	python3 - "$1" "$2" <<'PY'
import json, sys
total = [0] * 26
for line in open(sys.argv[1]):
    try:
        e = json.loads(line)
    except ValueError:
        continue
    if e.get("key") == int(sys.argv[2]):
        total = [a + b for a, b in zip(total, e["value"]["slots"])]
print(*total)
PY
}

# total SLOTS: the sum of the space-separated counts in SLOTS (a json_slots line)
total() {
	echo "$1" | awk '{ for (i = 1; i <= NF; i++) s += $i } END { print s + 0 }'
}

# wait_plain_total FILE COUNT: wait (30 s) until FILE's histograms hold COUNT calls
wait_plain_total() {
	local _
	for _ in $(seq 1 300); do
		[ "$(plain_total "$1")" -ge "$2" ] && return 0
		sleep 0.1
	done
	echo "histograms of $1 hold $(plain_total "$1") calls, expected $2; it holds:" >&2
	cat "$1" >&2
	return 1
}

@test "funclatency: -b -f work_ms --pid: each 5 ms call lands in 4096 -> 8191 usecs" {
	ecli_start -b "$TARGET" -f work_ms "$PKG" --pid "$CHILD"
	run_workload
	wait_plain_total "$OUT" "$N"
	ecli_stop
	[ "$ECLI_STATUS" -eq 0 ]
	cat "$OUT"
	grep -Eq 'usecs +: count +distribution' "$OUT"
	grep -q '^key = 4294967295, comm = $' "$OUT"
	run plain_rows "$OUT"
	echo "$output"
	# --pid: exactly the workload's calls (not the other process's M)
	[ "$(echo "$output" | awk '{ s += $2 } END { print s }')" -eq "$N" ]
	# a call sleeps 5 ms, so none is shorter than 4096 us; a loaded machine may delay some
	# wakeups past 8191 us, but most land in 4096 -> 8191
	[ "$(echo "$output" | awk '$1 < 4096 { s += $2 } END { print s + 0 }')" -eq 0 ]
	[ "$(echo "$output" | awk '$1 == 4096 { print $2 }')" -ge $((N * 3 / 4)) ]
	assert_no_prog funclatency_entry funclatency_exit
}

@test "funclatency: -j --milliseconds --per_process: a histogram per pid, in msecs slots" {
	ecli_start -j -b "$TARGET" -f work_ms "$PKG" --milliseconds --per_process
	local child=$CHILD
	run_workload
	local other=$OTHER _ s1='' s2=''
	for _ in $(seq 1 300); do
		s1=$(json_slots "$OUT" "$child")
		s2=$(json_slots "$OUT" "$other")
		[ "$(total "$s1")" -ge "$N" ] &&
			[ "$(total "$s2")" -ge "$M" ] && break
		sleep 0.1
	done
	ecli_stop
	[ "$ECLI_STATUS" -eq 0 ]
	cat "$OUT"
	echo "slots of $child: $s1; of $other: $s2"
	json_match "$OUT" "e['key'] == $child and e['value']['comm'] == 'funclatency_tar' and len(e['value']['slots']) == 26"
	json_match "$OUT" "e['key'] == $other and e['value']['comm'] == 'funclatency_tar'"
	# per pid, every call of each process: N and M
	[ "$(total "$s1")" -eq "$N" ]
	[ "$(total "$s2")" -eq "$M" ]
	# in msecs: slot 2 is 4 -> 7 ms; nothing below it, most in it
	local -a a
	read -r -a a <<<"$s1"
	[ $((a[0] + a[1])) -eq 0 ]
	[ "${a[2]}" -ge $((N * 3 / 4)) ]
	assert_no_prog funclatency_entry funclatency_exit
}

@test "funclatency: -f picks the function: quick() returns in well under 1 ms" {
	# ecli's own -p (--target-pid, before the package): the probes fire for $CHILD only
	ecli_start -b "$TARGET" -f quick -p "$CHILD" "$PKG"
	run_workload
	wait_plain_total "$OUT" "$N"
	ecli_stop
	[ "$ECLI_STATUS" -eq 0 ]
	run plain_rows "$OUT"
	echo "$output"
	# -p: exactly the workload's calls (not the other process's M)
	[ "$(echo "$output" | awk '{ s += $2 } END { print s }')" -eq "$N" ]
	# the work_ms() calls (>= 4096 us) are not in it: quick() takes microseconds
	[ "$(echo "$output" | awk '$1 >= 1024 { s += $2 } END { print s + 0 }')" -eq 0 ]
	assert_no_prog funclatency_entry funclatency_exit
}

@test "funclatency: without -f, ecli exits 1 naming the program and --uprobe-func" {
	run -1 "$ECLI" run -b "$TARGET" "$PKG"
	echo "$output"
	[[ "$output" == *"prog 'funclatency_entry' (uprobe): no function to probe"* ]]
	[[ "$output" == *"prog 'funclatency_exit' (uretprobe): no function to probe"* ]]
	[[ "$output" == *"--uprobe-func"* ]]
	assert_no_prog funclatency_entry funclatency_exit
}
