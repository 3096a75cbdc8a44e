#!/usr/bin/env bats
# End-to-end: compile execsnoop with ecc, run it with ecli, exec a uniquely named program
# from this test and check the decoded event (pid, ppid, comm, file name, argv, result).

load ../../../tests/lib/common

# Compile once per file (ecc runs clang); the tests share the package.
setup_file() {
	[ "$(id -u)" -eq 0 ] || return 0
	BATS_TEST_TMPDIR=$BATS_FILE_TMPDIR ecc_build "$BATS_TEST_DIRNAME/execsnoop.bpf.c" \
		"$BATS_TEST_DIRNAME/execsnoop.h"
	check_pkg --export event --prog execsnoop_enter --prog execsnoop_exit --var targ_comm \
		--var targ_uid --var targ_failed
	export PKG
}

setup() {
	need_root
	need_tracefs
	[ -f "${PKG:-}" ] || { echo "no package: ecc failed in setup_file" >&2; false; }
	# a program with a name of our own: after exec, comm is its (15-char) base name
	NAME=xsnoop$(run_id)
	NAME=${NAME:0:15}
	EXE=$BATS_TEST_TMPDIR/$NAME
	cp /bin/true "$EXE"
}

teardown() {
	teardown_ecli
	if [ -n "${CHILD:-}" ]; then
		kill "$CHILD" 2>/dev/null || true
		wait "$CHILD" 2>/dev/null || true
	fi
}

@test "execsnoop: decodes pid, ppid, comm, file name and argv of an exec (--comm filter)" {
	ecli_start -j "$PKG" --comm "$NAME"
	"$EXE" alpha "beta-$NAME" gamma &
	CHILD=$!
	local pid=$CHILD
	wait "$CHILD"
	CHILD=
	wait_json "$OUT" "e['comm'] == '$NAME'"
	ecli_stop
	[ "$ECLI_STATUS" -eq 0 ]
	json_match "$OUT" "e['pid'] == $pid and e['ppid'] == $BASHPID and e['comm'] == '$NAME' and e['filename'] == '$EXE' and e['args'] == '$EXE alpha beta-$NAME gamma' and e['args_count'] == 4 and e['retval'] == 0 and e['uid'] == 0"
	# --comm dropped every other program
	json_none "$OUT" "e['comm'] != '$NAME'"
	# the per-CPU scratch record (`heap`) is not something the tool kept: no exit dump of it
	json_none "$OUT" "e['map'] == 'heap'"
	assert_no_prog execsnoop_enter execsnoop_exit
}

@test "execsnoop: copies at most 8 arguments" {
	ecli_start -j "$PKG" -c "$NAME"
	"$EXE" 1 2 3 4 5 6 7 8 9 10
	wait_json "$OUT" "e['comm'] == '$NAME'"
	ecli_stop
	[ "$ECLI_STATUS" -eq 0 ]
	json_match "$OUT" "e['args'] == '$EXE 1 2 3 4 5 6 7' and e['args_count'] == 8"
}

@test "execsnoop: --failed reports an exec that failed with -EACCES" {
	local bad
	bad=$BATS_TEST_TMPDIR/noexec-$(run_id)
	printf 'not a program\n' >"$bad"
	chmod 0644 "$bad"
	local gate=$BATS_TEST_TMPDIR/gate
	mkfifo "$gate"
	(
		read -r _ <"$gate"
		exec "$bad" 2>/dev/null
	) &
	CHILD=$!
	local pid=$CHILD
	ecli_start -j "$PKG" --failed
	echo go >"$gate"
	wait "$CHILD" || true
	CHILD=
	wait_json "$OUT" "e['pid'] == $pid"
	ecli_stop
	[ "$ECLI_STATUS" -eq 0 ]
	json_match "$OUT" "e['pid'] == $pid and e['filename'] == '$bad' and e['retval'] == -13 and e['comm'] == 'bash'"
	json_none "$OUT" "e['retval'] == 0"
}
