#!/usr/bin/env bats
# End-to-end: compile sigsnoop with ecc (events through a perf event array), run it with ecli,
# send signals from a child of this test and check sender, target and signal number.

load ../../../tests/lib/common

# Compile once per file (ecc runs clang); the tests share the package.
setup_file() {
	[ "$(id -u)" -eq 0 ] || return 0
	BATS_TEST_TMPDIR=$BATS_FILE_TMPDIR ecc_build "$BATS_TEST_DIRNAME/sigsnoop.bpf.c" \
		"$BATS_TEST_DIRNAME/sigsnoop.h"
	check_pkg --export event --prog sigsnoop_generate --var filtered_pid --var target_signal \
		--var failed_only
	export PKG
}

setup() {
	need_root
	need_tracefs
	[ -f "${PKG:-}" ] || { echo "no package: ecc failed in setup_file" >&2; false; }
	GATE=$BATS_TEST_TMPDIR/gate
	mkfifo "$GATE"
	VICTIMS=()
	sleep 30 &
	VICTIMS+=($!)
	sleep 30 &
	VICTIMS+=($!)
}

teardown() {
	teardown_ecli
	local p
	for p in "${VICTIMS[@]}" ${SENDER:-}; do
		kill -KILL "$p" 2>/dev/null || true
		wait "$p" 2>/dev/null || true
	done
}

# start_sender ARGS...: a subshell that waits on $GATE, then runs the builtin `kill ARGS`
# for each "SIG:PID" pair (so the signals come from pid $SENDER).
start_sender() {
	(
		read -r _ <"$GATE"
		for s in "$@"; do
			kill -s "${s%%:*}" "${s#*:}"
		done
	) &
	SENDER=$!
}

@test "sigsnoop: decodes sender pid and comm, target pid, signal and result" {
	start_sender "USR1:${VICTIMS[0]}"
	local pid=$SENDER
	ecli_start -j "$PKG" --pid "$pid"
	echo go >"$GATE"
	wait "$SENDER"
	SENDER=
	wait_json "$OUT" "e['pid'] == $pid"
	ecli_stop
	[ "$ECLI_STATUS" -eq 0 ]
	json_match "$OUT" "e['pid'] == $pid and e['tpid'] == ${VICTIMS[0]} and e['sig'] == 10 and e['ret'] == 0 and e['comm'] == 'bash'"
	json_none "$OUT" "e['pid'] != $pid"
	assert_no_prog sigsnoop_generate
}

@test "sigsnoop: --signal keeps only that signal" {
	start_sender "USR2:${VICTIMS[0]}" "TERM:${VICTIMS[1]}"
	local pid=$SENDER
	ecli_start -j "$PKG" -p "$pid" --signal 15
	echo go >"$GATE"
	wait "$SENDER"
	SENDER=
	wait_json "$OUT" "e['pid'] == $pid"
	ecli_stop
	[ "$ECLI_STATUS" -eq 0 ]
	json_match "$OUT" "e['pid'] == $pid and e['tpid'] == ${VICTIMS[1]} and e['sig'] == 15"
	json_none "$OUT" "e['sig'] != 15"
	assert_no_prog sigsnoop_generate
}
