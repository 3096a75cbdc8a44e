#!/usr/bin/env bats
# offcputime: a program with a known call chain blocks in nanosleep(2) called from gamma; the
# sampled counts map (keyed by stack ids) must print its off-CPU stack with symbols.

load ../../../tests/lib/common

TARGET_SRC=$BATS_TEST_DIRNAME/../../../tests/data/stacks/target.c
CHECK=$BATS_TEST_DIRNAME/../../../tests/data/stacks/check.py

setup() {
	need_root
	TPID=
	gcc -O0 -g -fno-omit-frame-pointer -fno-builtin -o "$BATS_TEST_TMPDIR/stacktarget" \
		"$TARGET_SRC"
	ecc_build "$BATS_TEST_DIRNAME/offcputime.bpf.c"
	check_pkg --obj-name offcputime_bpf --prog offcpu_switch --var targ_tgid
	"$BATS_TEST_TMPDIR/stacktarget" sleep &
	TPID=$!
}

teardown() {
	teardown_ecli
	if [ -n "${TPID:-}" ]; then
		kill "$TPID" 2>/dev/null
		wait "$TPID" 2>/dev/null
	fi
	true
}

@test "offcputime: plain blocks name the blocked call chain, with its total" {
	ecli_start "$PKG" --pid "$TPID"
	wait_for "$OUT" "stacktarget +\\($TPID\\)" 30
	ecli_stop
	python3 "$CHECK" plain "$OUT" "$TPID"
	# the count line under the process: microseconds blocked, positive
	grep -A1 -E "stacktarget +\\($TPID\\)" "$OUT" | grep -Eq '^        [1-9][0-9]*$'
	assert_no_prog offcpu_switch
}

@test "offcputime: JSON entries carry the key, the total and both stacks" {
	ecli_start -j "$PKG" --pid "$TPID"
	wait_for "$OUT" "\"pid\":$TPID," 30
	ecli_stop
	python3 "$CHECK" json "$OUT" "$TPID"
	json_match "$OUT" "e['key']['pid'] == $TPID and e['value'] > 0"
	assert_no_prog offcpu_switch
}

@test "offcputime: --folded gives flame graph lines and nothing else" {
	ecli_start --folded "$PKG" --pid "$TPID"
	wait_for "$OUT" "^stacktarget;.*;gamma;" 30
	ecli_stop
	python3 "$CHECK" folded "$OUT" "$TPID"
	# every line is `frames count` (no time stamps, no exit dump tables)
	run ! grep -Ev '^[^ ]+ [0-9]+$' "$OUT"
	assert_no_prog offcpu_switch
}
