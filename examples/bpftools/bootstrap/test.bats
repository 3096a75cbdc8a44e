#!/usr/bin/env bats
# End-to-end: compile bootstrap with ecc (two ring buffers, two event structs), run it with
# ecli, start and end uniquely named children from this test and check both kinds of event.

load ../../../tests/lib/common

# Compile once per file (ecc runs clang); the tests share the package.
setup_file() {
	[ "$(id -u)" -eq 0 ] || return 0
	BATS_TEST_TMPDIR=$BATS_FILE_TMPDIR ecc_build "$BATS_TEST_DIRNAME/bootstrap.bpf.c" \
		"$BATS_TEST_DIRNAME/bootstrap.h"
	check_pkg --export exec_event --export exit_event --prog bootstrap_exec \
		--prog bootstrap_exit --var min_duration_ns --var targ_comm
	export PKG
}

setup() {
	need_root
	need_tracefs
	[ -f "${PKG:-}" ] || { echo "no package: ecc failed in setup_file" >&2; false; }
	# a sleep of our own name: its comm is that (15-char) base name
	NAME=bstrap$(run_id)
	NAME=${NAME:0:15}
	EXE=$BATS_TEST_TMPDIR/$NAME
	cp /bin/sleep "$EXE"
}

teardown() {
	teardown_ecli
}

@test "bootstrap: exec event and exit event with exit code and duration" {
	ecli_start -j "$PKG" --comm "$NAME"
	"$EXE" 0.3 &
	local long=$!
	wait "$long"
	"$EXE" not-a-number 2>/dev/null &
	local bad=$!
	wait "$bad" || true
	wait_json "$OUT" "e['pid'] == $bad and 'duration_ns' in e"
	ecli_stop
	[ "$ECLI_STATUS" -eq 0 ]
	# exec events (struct exec_event, ring buffer exec_events)
	json_match "$OUT" "e['pid'] == $long and e['ppid'] == $BASHPID and e['comm'] == '$NAME' and e['filename'] == '$EXE' and 'duration_ns' not in e"
	json_match "$OUT" "e['pid'] == $bad and e['filename'] == '$EXE'"
	# exit events (struct exit_event, ring buffer exit_events)
	json_match "$OUT" "e['pid'] == $long and e['ppid'] == $BASHPID and e['comm'] == '$NAME' and e['exit_code'] == 0 and 250000000 <= e['duration_ns'] < 5000000000 and 'filename' not in e"
	json_match "$OUT" "e['pid'] == $bad and e['exit_code'] == 1 and e['duration_ns'] < 250000000"
	json_none "$OUT" "e['comm'] != '$NAME'"
	assert_no_prog bootstrap_exec bootstrap_exit
}

@test "bootstrap: --min_duration_ns hides exec events and short-lived processes" {
	ecli_start -j "$PKG" --min_duration_ns 200000000 -c "$NAME"
	"$EXE" 0 &
	local short=$!
	wait "$short"
	"$EXE" 0.4 &
	local long=$!
	wait "$long"
	wait_json "$OUT" "e['pid'] == $long"
	ecli_stop
	[ "$ECLI_STATUS" -eq 0 ]
	json_match "$OUT" "e['pid'] == $long and e['exit_code'] == 0 and e['duration_ns'] >= 350000000"
	json_none "$OUT" "e['pid'] == $short"
	json_none "$OUT" "'filename' in e"
	assert_no_prog bootstrap_exec bootstrap_exit
}

@test "bootstrap: plain output prints both kinds of event" {
	ecli_start "$PKG" --comm "$NAME"
	"$EXE" 0.1
	wait_for "$OUT" "DURATION_NS"
	wait_for "$OUT" " $NAME +$EXE"
	ecli_stop
	[ "$ECLI_STATUS" -eq 0 ]
	grep -Eq '^TIME +PID +PPID +COMM +FILENAME' "$OUT"
	grep -Eq '^TIME +PID +PPID +EXIT_CODE +DURATION_NS +COMM' "$OUT"
}
