#!/usr/bin/env bats
# End-to-end: compile opensnoop with ecc, run it with ecli, open files from a child of this
# test and check the decoded events (pid, comm, file name, result).

load ../../../tests/lib/common

# Compile once per file (ecc runs clang); the tests share the package.
setup_file() {
	[ "$(id -u)" -eq 0 ] || return 0
	BATS_TEST_TMPDIR=$BATS_FILE_TMPDIR ecc_build "$BATS_TEST_DIRNAME/opensnoop.bpf.c" \
		"$BATS_TEST_DIRNAME/opensnoop.h"
	check_pkg --export event --prog opensnoop_open --prog opensnoop_openat \
		--prog opensnoop_ret --prog opensnoop_atret --var targ_pid --var targ_uid \
		--var targ_failed
	export PKG
}

setup() {
	need_root
	need_tracefs
	[ -f "${PKG:-}" ] || { echo "no package: ecc failed in setup_file" >&2; false; }
	GATE=$BATS_TEST_TMPDIR/gate
	mkfifo "$GATE"
}

teardown() {
	teardown_ecli
	if [ -n "${UIDFILE:-}" ]; then
		rm -f "$UIDFILE"
	fi
	if [ -n "${CHILD:-}" ]; then
		kill "$CHILD" 2>/dev/null || true
		wait "$CHILD" 2>/dev/null || true
	fi
}

# start_child FILE...: a subshell that waits on $GATE, then opens each FILE itself (bash
# builtins redirect in-process, so the opens come from pid $CHILD).
start_child() {
	(
		read -r _ <"$GATE"
		for f in "$@"; do
			: <"$f" 2>/dev/null || true
		done
	) &
	CHILD=$!
}

release_child() {
	echo go >"$GATE"
	wait "$CHILD"
	CHILD=
}

@test "opensnoop: decodes pid, comm, file name and fd of an open by the test's child" {
	local file
	file=$BATS_TEST_TMPDIR/opensnoop-$(run_id).txt
	echo data >"$file"
	start_child "$file"
	ecli_start -j "$PKG" --pid "$CHILD"
	local pid=$CHILD
	release_child
	wait_json "$OUT" "e['fname'] == '$file'"
	ecli_stop
	[ "$ECLI_STATUS" -eq 0 ]
	json_match "$OUT" "e['fname'] == '$file' and e['pid'] == $pid and e['comm'] == 'bash' and e['ret'] >= 0 and e['uid'] == 0"
	# --pid filtered out everyone else
	json_none "$OUT" "e['pid'] != $pid"
	assert_no_prog opensnoop_open opensnoop_openat opensnoop_ret opensnoop_atret
}

@test "opensnoop: --failed shows only the failed open, with ret -ENOENT" {
	local ok
	ok=$BATS_TEST_TMPDIR/present-$(run_id)
	local missing
	missing=$BATS_TEST_TMPDIR/missing-$(run_id)
	: >"$ok"
	start_child "$ok" "$missing"
	ecli_start -j "$PKG" --pid "$CHILD" --failed
	local pid=$CHILD
	release_child
	wait_json "$OUT" "e['fname'] == '$missing'"
	ecli_stop
	[ "$ECLI_STATUS" -eq 0 ]
	json_match "$OUT" "e['fname'] == '$missing' and e['pid'] == $pid and e['ret'] == -2"
	json_none "$OUT" "e['fname'] == '$ok'"
	json_none "$OUT" "e['ret'] >= 0"
	assert_no_prog opensnoop_open opensnoop_openat opensnoop_ret opensnoop_atret
}

@test "opensnoop: --uid keeps one user's opens" {
	need_cmd setpriv
	# in /tmp: the test's own directories are not searchable by other users
	UIDFILE=$(mktemp /tmp/opensnoop-uid.XXXXXX)
	chmod 0644 "$UIDFILE"
	local file=$UIDFILE
	# the same file opened by root (uid 0) and by nobody (uid 65534)
	(
		read -r _ <"$GATE"
		: <"$file"
		setpriv --reuid=65534 --regid=65534 --clear-groups cat "$file" >/dev/null
	) &
	CHILD=$!
	ecli_start -j "$PKG" --uid 65534
	release_child
	wait_json "$OUT" "e['fname'] == '$file'"
	ecli_stop
	[ "$ECLI_STATUS" -eq 0 ]
	json_match "$OUT" "e['fname'] == '$file' and e['uid'] == 65534 and e['comm'] == 'cat' and e['ret'] >= 0"
	json_none "$OUT" "e['uid'] != 65534"
}

@test "opensnoop: plain output has the bcc-style header and a row for the open" {
	local file
	file=$BATS_TEST_TMPDIR/plain-$(run_id).txt
	: >"$file"
	start_child "$file"
	ecli_start "$PKG" -p "$CHILD"
	release_child
	wait_for "$OUT" "$file"
	ecli_stop
	[ "$ECLI_STATUS" -eq 0 ]
	grep -Eq '^TIME +PID +UID +RET +FLAGS +COMM +FNAME' "$OUT"
	grep -Eq "^[0-9]{2}:[0-9]{2}:[0-9]{2} +[0-9]+ +0 +[0-9]+ +[0-9]+ +bash +$file\$" "$OUT"
}

@test "opensnoop: --help lists the tool's flags" {
	run "$ECLI" run "$PKG" --help
	[ "$status" -eq 0 ]
	[[ "$output" == *"Trace open() and openat()"* ]]
	[[ "$output" == *"--pid"* ]]
	[[ "$output" == *"--uid"* ]]
	[[ "$output" == *"--failed"* ]]
}
