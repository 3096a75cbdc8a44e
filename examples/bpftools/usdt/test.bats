#!/usr/bin/env bats
# End-to-end: build usdt_target (a program with the USDT probe eunomia:tick), compile the usdt
# example with ecc, run it with ecli on that binary and check the decoded probe arguments.

load ../../../tests/lib/common

# json_match FILE EXPR: some NDJSON object `e` of FILE makes the python expression EXPR true.
json_match() {
	python3 - "$1" "$2" <<'PY'
import json, sys
path, expr = sys.argv[1], sys.argv[2]
for line in open(path):
    try:
        e = json.loads(line)
    except ValueError:
        continue
    try:
        if isinstance(e, dict) and eval(expr, {}, {"e": e}):
            sys.exit(0)
    except (KeyError, TypeError, ValueError, AttributeError):
        pass
sys.stderr.write(f"no JSON line of {path} satisfies: {expr}\n--- it holds:\n{open(path).read()}")
sys.exit(1)
PY
}

# json_none FILE EXPR: no NDJSON object of FILE makes EXPR true (a bare `! cmd` would not
# fail a bats test).
json_none() {
	if json_match "$1" "$2" 2>/dev/null; then
		echo "unexpected: a JSON line of $1 satisfies: $2; it holds:" >&2
		cat "$1" >&2
		return 1
	fi
}

# wait_json FILE EXPR [SECONDS]: wait until json_match FILE EXPR holds.
wait_json() {
	local _
	for _ in $(seq 1 $((${3:-10} * 10))); do
		json_match "$1" "$2" 2>/dev/null && return 0
		sleep 0.1
	done
	json_match "$1" "$2"
}

# check_pkg [CHECKER-ARGS...]: check $PKG against the package format when the tree has the
# checker (tests/lib/check-package).
check_pkg() {
	local checker=$EUNOMIA_ROOT/tests/lib/check-package
	if [ -x "$checker" ]; then
		"$checker" "$PKG" "$@"
	fi
}

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
