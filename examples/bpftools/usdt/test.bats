#!/usr/bin/env bats
# End-to-end: build usdt_target (a program with the USDT probe eunomia:tick), compile the usdt
# example with ecc, run it with ecli on that binary and check the decoded probe arguments.

load ../../../tests/lib/common

# Compile once per file (ecc runs clang, gcc builds the target); the tests share them.
setup_file() {
	[ "$(id -u)" -eq 0 ] || return 0
	BATS_TEST_TMPDIR=$BATS_FILE_TMPDIR ecc_build "$BATS_TEST_DIRNAME/usdt.bpf.c" \
		"$BATS_TEST_DIRNAME/usdt.h"
	check_pkg --export event --prog usdt_tick --var targ_pid
	export PKG
	if [ -f /usr/include/x86_64-linux-gnu/sys/sdt.h ] || [ -f /usr/include/sys/sdt.h ]; then
		mkdir -p "$BATS_FILE_TMPDIR/target"
		gcc -O2 -o "$BATS_FILE_TMPDIR/target/usdt_target" "$BATS_TEST_DIRNAME/usdt_target.c"
	fi
	export TARGET=$BATS_FILE_TMPDIR/target/usdt_target
}

setup() {
	need_root
	[ -f "${PKG:-}" ] || { echo "no package: ecc failed in setup_file" >&2; false; }
	[ -x "$TARGET" ] || skip "no <sys/sdt.h> to build usdt_target (install systemtap-sdt-dev)"
}

teardown() {
	teardown_ecli
}

@test "usdt: decodes the three arguments of each probe hit (-b selects the binary)" {
	ecli_start -j -b "$TARGET" "$PKG"
	"$TARGET" 3 20 >/dev/null &
	local pid=$!
	wait "$pid"
	wait_json "$OUT" "e['pid'] == $pid and e['iteration'] == 3"
	ecli_stop
	[ "$ECLI_STATUS" -eq 0 ]
	local i
	for i in 1 2 3; do
		json_match "$OUT" "e['pid'] == $pid and e['iteration'] == $i and e['value'] == ${i}000 and e['msg'] == 'tick-$i'"
	done
	assert_no_prog usdt_tick
}

@test "usdt: --pid keeps one process's hits; the section's default path is used without -b" {
	cd "$(dirname "$TARGET")"
	# the section is usdt/./usdt_target:eunomia:tick: relative to ecli's working directory
	local gate=$BATS_TEST_TMPDIR/gate
	mkfifo "$gate"
	(
		read -r _ <"$gate"
		exec "$TARGET" 2 20 >/dev/null
	) &
	local pid=$!
	ecli_start -j "$PKG" --pid "$pid"
	"$TARGET" 2 0 >/dev/null
	echo go >"$gate"
	wait "$pid"
	wait_json "$OUT" "e['pid'] == $pid and e['iteration'] == 2"
	ecli_stop
	[ "$ECLI_STATUS" -eq 0 ]
	json_match "$OUT" "e['pid'] == $pid and e['iteration'] == 1 and e['value'] == 1000 and e['msg'] == 'tick-1'"
	json_none "$OUT" "e['pid'] != $pid"
	assert_no_prog usdt_tick
}
