#!/usr/bin/env bats
# End-to-end: compile bashreadline with ecc, run it with ecli on this machine's bash, type a
# command into an interactive bash on a pseudo-terminal and check the decoded line and pid.

load ../../../tests/lib/common

# Compile once per file (ecc runs clang); the tests share the package.
setup_file() {
	[ "$(id -u)" -eq 0 ] || return 0
	BATS_TEST_TMPDIR=$BATS_FILE_TMPDIR ecc_build "$BATS_TEST_DIRNAME/bashreadline.bpf.c" \
		"$BATS_TEST_DIRNAME/bashreadline.h"
	check_pkg --export event --prog bashreadline_ret --var targ_pid
	export PKG
}

setup() {
	need_root
	[ -f "${PKG:-}" ] || { echo "no package: ecc failed in setup_file" >&2; false; }
	BASH_BIN=$(readlink -f "$(command -v bash)")
	nm -D "$BASH_BIN" 2>/dev/null | grep -qw readline ||
		skip "$BASH_BIN does not export readline()"
	GATE=$BATS_TEST_TMPDIR/gate
	mkfifo "$GATE"
	PIDFILE=$BATS_TEST_TMPDIR/bash.pid
	LINE="echo typed-$(run_id)"
	# an interactive bash on a pty: it writes its pid, waits for the gate, then gets a
	# first line (read by the readline() call already running before the probe was
	# attached, so not seen), then $LINE, then exit.
	python3 - "$BASH_BIN" "$PIDFILE" "$GATE" "$LINE" <<'PY' >/dev/null 2>&1 &
import os, pty, select, sys, time
bash, pidfile, gate, line = sys.argv[1:5]
pid, fd = pty.fork()
if pid == 0:
    os.environ["PS1"] = "$ "
    os.execv(bash, [bash, "--norc", "--noprofile", "-i"])
with open(pidfile + ".tmp", "w") as f:
    f.write(str(pid))
os.rename(pidfile + ".tmp", pidfile)
def drain(secs):
    end = time.time() + secs
    while time.time() < end:
        r, _, _ = select.select([fd], [], [], 0.05)
        if r:
            try:
                os.read(fd, 4096)
            except OSError:
                return
drain(0.3)
open(gate).read()
for text in ("true", line, "exit"):
    os.write(fd, text.encode() + b"\n")
    drain(0.3)
os.waitpid(pid, 0)
PY
	CHILD=$!
	local _
	for _ in $(seq 1 300); do
		[ -s "$PIDFILE" ] && break
		sleep 0.1
	done
	[ -s "$PIDFILE" ]
	BASH_PID=$(cat "$PIDFILE")
}

teardown() {
	teardown_ecli
	if [ -n "${BASH_PID:-}" ]; then
		kill -KILL "$BASH_PID" 2>/dev/null || true
	fi
	if [ -n "${CHILD:-}" ]; then
		kill "$CHILD" 2>/dev/null || true
		wait "$CHILD" 2>/dev/null || true
	fi
}

@test "bashreadline: decodes the line typed into an interactive bash and its pid" {
	ecli_start -j -b "$BASH_BIN" "$PKG" --pid "$BASH_PID"
	echo go >"$GATE"
	wait "$CHILD"
	CHILD=
	wait_json "$OUT" "e['str'] == '$LINE'"
	ecli_stop
	[ "$ECLI_STATUS" -eq 0 ]
	json_match "$OUT" "e['pid'] == $BASH_PID and e['str'] == '$LINE'"
	json_match "$OUT" "e['pid'] == $BASH_PID and e['str'] == 'exit'"
	json_none "$OUT" "e['pid'] != $BASH_PID"
	assert_no_prog bashreadline_ret
}

@test "bashreadline: the default probe target /bin/bash works without -b" {
	[ "$(readlink -f /bin/bash)" = "$BASH_BIN" ] || skip "/bin/bash is not $BASH_BIN"
	ecli_start -j "$PKG" -p "$BASH_PID"
	echo go >"$GATE"
	wait "$CHILD"
	CHILD=
	wait_json "$OUT" "e['str'] == '$LINE'"
	ecli_stop
	[ "$ECLI_STATUS" -eq 0 ]
	json_match "$OUT" "e['pid'] == $BASH_PID and e['str'] == '$LINE'"
	assert_no_prog bashreadline_ret
}
