# Helpers for tests/e2e/server*.bats (load after tests/lib/common and tests/data/e2e/helpers).
# shellcheck shell=bash disable=SC2034 # PORT, SRV_STATUS, CODE... are read by the tests

API=$EUNOMIA_ROOT/tests/lib/server-api.py

setup() {
	need_root
	need_tracefs
	need_cmd curl
	SOCK=$BATS_TEST_TMPDIR/s.sock
	STATE=$BATS_TEST_TMPDIR/state
	EP=unix:$SOCK
	SRV_PID=
	# sun_path holds 107 bytes
	[ "${#SOCK}" -lt 100 ] || skip "BATS_TEST_TMPDIR is too long for a Unix socket path"
}

teardown() {
	if [ -n "${SRV_PID:-}" ]; then
		kill -KILL "$SRV_PID" 2>/dev/null
		wait "$SRV_PID" 2>/dev/null
	fi
	SRV_PID=
}

# server_start [OPTIONS...]: `ecli server` on $SOCK (state in $STATE) plus OPTIONS; waits for
# "Running"; sets SRV_PID, SRV_LOG and PORT (when a tcp: listener was asked for).
server_start() {
	SRV_LOG=$BATS_TEST_TMPDIR/server.log.$RANDOM
	"$ECLI" server --listen "unix:$SOCK" --state-dir "$STATE" "$@" >"$SRV_LOG" 2>&1 &
	SRV_PID=$!
	local _
	for _ in $(seq 1 200); do
		grep -q 'Running' "$SRV_LOG" && break
		if ! kill -0 "$SRV_PID" 2>/dev/null; then
			cat "$SRV_LOG" >&2
			SRV_PID=
			return 1
		fi
		sleep 0.1
	done
	grep -q 'Running' "$SRV_LOG" || {
		cat "$SRV_LOG" >&2
		return 1
	}
	PORT=$(sed -n 's/.*listening on tcp:127\.0\.0\.1:\([0-9]*\).*/\1/p' "$SRV_LOG" | head -n1)
}

# server_stop: SIGTERM, wait; SRV_STATUS is its exit status.
server_stop() {
	kill -TERM "$SRV_PID"
	SRV_STATUS=0
	wait "$SRV_PID" || SRV_STATUS=$?
	SRV_PID=
	cat "$SRV_LOG"
}

# req METHOD PATH [BODY-FILE]: request on $EP; sets CODE and BODY.
req() {
	local out
	out=$(python3 "$API" "$EP" request "$@")
	CODE=${out%%$'\n'*}
	BODY=${out#*$'\n'}
}

# start_body FILE PKG [NAME] [--opt K=V]... [-- TOOL-FLAGS]: write a POST /v1/programs body.
start_body() {
	local f=$1
	shift
	python3 "$API" "$EP" start-body "$@" >"$f"
}

# start_exec NAME TAG: the exec test package following this shell's children, tagged TAG;
# sets ID.
start_exec() {
	local pkg
	pkg=$(e2e_build exec "$E2E_DATA/exec.h")
	start_body "$BATS_TEST_TMPDIR/req.$1" "$pkg" "$1" -- --target_ppid "$BASHPID" --tag "$2"
	req POST /v1/programs "$BATS_TEST_TMPDIR/req.$1"
	echo "$CODE $BODY"
	[ "$CODE" = 201 ]
	ID=$(jq_get "$BODY" "d['id']")
}

# jq_get JSON EXPR: python expression over d = the parsed JSON.
jq_get() {
	python3 -c 'import json,sys; d=json.loads(sys.argv[1]); print(eval(sys.argv[2]))' "$1" "$2"
}

# Exec /bin/true as a child of this test shell; sets p to its pid.
exec_true() {
	/bin/true &
	p=$!
	wait "$p"
}

# wait_ev ID EXPR [COUNT]: long-poll until COUNT events of ID match EXPR (over e = data).
wait_ev() {
	python3 "$API" "$EP" wait "$@"
}
