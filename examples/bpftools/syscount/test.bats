#!/usr/bin/env bats
# End-to-end: compile syscount with ecc, run it with ecli, make a child of this test call
# getppid() a known number of times and check the sampled counts.

load ../../../tests/lib/common

# Compile once per file (ecc runs clang); the tests share the package.
setup_file() {
	[ "$(id -u)" -eq 0 ] || return 0
	BATS_TEST_TMPDIR=$BATS_FILE_TMPDIR ecc_build "$BATS_TEST_DIRNAME/syscount.bpf.c"
	check_pkg --no-export --prog syscount_enter --var filter_pid --var count_by_process
	export PKG
}

setup() {
	need_root
	need_tracefs
	[ "$(uname -m)" = x86_64 ] || skip "the test uses x86_64 syscall numbers"
	[ -f "${PKG:-}" ] || { echo "no package: ecc failed in setup_file" >&2; false; }
	GATE=$BATS_TEST_TMPDIR/gate
	mkfifo "$GATE"
	# the workload: once the gate opens, call getppid() (x86_64: 110) exactly 500 times
	python3 -c 'import os, sys
open(sys.argv[1]).read()
for _ in range(500):
    os.getppid()' "$GATE" &
	CHILD=$!
	# let it start up and block on the gate first
	wait_sleeping "$CHILD" python3
}

teardown() {
	teardown_ecli
	if [ -n "${CHILD:-}" ]; then
		kill "$CHILD" 2>/dev/null || true
		wait "$CHILD" 2>/dev/null || true
	fi
}

@test "syscount: --pid counts exactly the workload's 500 getppid() calls" {
	ecli_start -j "$PKG" --pid "$CHILD"
	echo go >"$GATE"
	wait "$CHILD"
	CHILD=
	wait_json "$OUT" "e['key'] == 110 and e['value'] == 500" 5
	ecli_stop
	[ "$ECLI_STATUS" -eq 0 ]
	# never more: nothing else of the machine was counted
	json_none "$OUT" "e['key'] == 110 and e['value'] > 500"
	# and some other syscalls of the workload (read of the gate, exit_group...) were seen
	json_match "$OUT" "e['key'] == 231"
	assert_no_prog syscount_enter
}

@test "syscount: --process counts per pid" {
	local pid=$CHILD
	ecli_start -j "$PKG" --process -p "$pid"
	echo go >"$GATE"
	wait "$CHILD"
	CHILD=
	wait_json "$OUT" "e['key'] == $pid and e['value'] >= 500" 5
	ecli_stop
	[ "$ECLI_STATUS" -eq 0 ]
	json_none "$OUT" "e['key'] != $pid"
	assert_no_prog syscount_enter
}
