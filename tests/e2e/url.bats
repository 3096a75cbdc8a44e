#!/usr/bin/env bats
# Packages from http:// URLs: a local python3 http.server serves a package; ecli runs it,
# refuses a wrong "#sha256=" pin with both digests, and explains a 404 and a refused connection.
# libcurl is dlopened on the first URL only; without it a URL names the Debian package.

load "${EUNOMIA_ROOT:-$BATS_TEST_DIRNAME/../..}/tests/lib/common"

setup_file() {
	# talk to 127.0.0.1 directly even where a proxy is configured
	unset http_proxy HTTP_PROXY all_proxy ALL_PROXY
	export SRV_DIR=$BATS_FILE_TMPDIR/www
	mkdir -p "$SRV_DIR"
	"$ECC" "$EUNOMIA_ROOT/tests/data/packages/minimal.bpf.c" -a -DPROG_NAME=url_getpid -o "$SRV_DIR" \
		>"$BATS_FILE_TMPDIR/ecc.log" 2>&1 || { cat "$BATS_FILE_TMPDIR/ecc.log" >&2; return 1; }
	export SUM
	SUM=$(sha256sum "$SRV_DIR/package.json" | cut -d' ' -f1)
	# a free port: try a few random ones
	for _ in 1 2 3 4 5 6 7 8; do
		PORT=$((20000 + RANDOM % 30000))
		python3 -m http.server --bind 127.0.0.1 --directory "$SRV_DIR" "$PORT" \
			>"$BATS_FILE_TMPDIR/http.log" 2>&1 &
		SRV_PID=$!
		for _ in $(seq 1 50); do
			if python3 -c 'import socket,sys; socket.create_connection(("127.0.0.1", int(sys.argv[1])), 0.2)' "$PORT" 2>/dev/null; then
				export PORT SRV_PID
				echo "$SRV_PID" >"$BATS_FILE_TMPDIR/srv.pid"
				return 0
			fi
			kill -0 "$SRV_PID" 2>/dev/null || break
			sleep 0.1
		done
		kill "$SRV_PID" 2>/dev/null
		wait "$SRV_PID" 2>/dev/null
	done
	echo "could not start python3 -m http.server" >&2
	return 1
}

teardown_file() {
	if [ -f "$BATS_FILE_TMPDIR/srv.pid" ]; then
		kill "$(cat "$BATS_FILE_TMPDIR/srv.pid")" 2>/dev/null
	fi
}

teardown() {
	teardown_ecli
	if [ -n "${TRIGGER_PID:-}" ]; then
		kill "$TRIGGER_PID" 2>/dev/null
		wait "$TRIGGER_PID" 2>/dev/null
	fi
	true
}

@test "a package served over http opens (tool --help)" {
	run "$ECLI" run "http://127.0.0.1:$PORT/package.json" --help
	echo "$output"
	[ "$status" -eq 0 ]
	grep -q 'Usage: minimal \[OPTIONS\]' <<<"$output"
}

@test "a package served over http runs and reports the events of its --target-pid" {
	need_root
	need_tracefs
	python3 -c 'import os, time
for _ in range(1200):
    os.getpid()
    time.sleep(0.05)' &
	TRIGGER_PID=$!
	ecli_start -j "http://127.0.0.1:$PORT/package.json#sha256=$SUM" --target-pid "$TRIGGER_PID"
	grep -q 'Running minimal' "$ERR"
	wait_for "$OUT" "\"pid\": ?$TRIGGER_PID," 30
	json_match "$OUT" "e['pid'] == $TRIGGER_PID and e['comm'] == 'python3'"
	ecli_stop
	kill "$TRIGGER_PID"
	wait "$TRIGGER_PID" || true
	TRIGGER_PID=
	assert_no_prog url_getpid
}

@test "a wrong #sha256= pin is refused with both digests" {
	local bad=${SUM//?/f}
	run "$ECLI" run "http://127.0.0.1:$PORT/package.json#sha256=$bad" --help
	echo "$output"
	[ "$status" -eq 1 ]
	grep -q "sha256 mismatch: expected $bad, got $SUM" <<<"$output"
}

@test "a right #sha256= pin is accepted, in upper case too" {
	run "$ECLI" run "http://127.0.0.1:$PORT/package.json#sha256=${SUM^^}" --help
	[ "$status" -eq 0 ]
}

@test "a 404 says so" {
	run "$ECLI" run "http://127.0.0.1:$PORT/nope.json"
	echo "$output"
	[ "$status" -eq 1 ]
	grep -q "package 'http://127.0.0.1:$PORT/nope.json': fetch failed: the server answered HTTP 404 Not Found" <<<"$output"
}

@test "a refused connection says so" {
	# port 1 on localhost: nothing listens there
	run "$ECLI" run "http://127.0.0.1:1/package.json"
	echo "$output"
	[ "$status" -eq 1 ]
	grep -q "fetch failed: .*(is the server running?)" <<<"$output"
}

@test "libcurl is loaded only when a URL is opened" {
	# ecli does not link libcurl: a local package never maps it, a URL loads it on demand
	run env LD_DEBUG=files "$ECLI" run "$SRV_DIR/package.json" --help
	[ "$status" -eq 0 ]
	if grep -q 'libcurl' <<<"$output"; then echo 'libcurl was loaded for a local package' >&2; return 1; fi
	run env LD_DEBUG=files "$ECLI" run "http://127.0.0.1:$PORT/package.json" --help
	[ "$status" -eq 0 ]
	grep -q 'file=libcurl.so.4 .*dynamically loaded' <<<"$output"
}

# Runs "$@" in a private mount namespace where /dev/null hides libcurl.so.4 ($CURL_LIB), so
# that dlopen fails as on a machine without libcurl4.
without_libcurl() {
	# shellcheck disable=SC2016 # $1 is expanded by the inner sh
	unshare -m sh -c 'mount --bind /dev/null "$(readlink -f "$1")" && shift && "$@"' sh \
		"$CURL_LIB" "$@"
}

@test "without libcurl a URL names the Debian package, and a path still works" {
	[ "$(id -u)" -eq 0 ] || skip "needs root to hide libcurl in a private mount namespace"
	command -v unshare >/dev/null || skip "unshare (util-linux) is not installed"
	CURL_LIB=$(ldconfig -p | awk '$1 == "libcurl.so.4" { print $NF; exit }')
	[ -n "$CURL_LIB" ] || skip "libcurl.so.4 is not installed here"
	run without_libcurl "$ECLI" run "http://127.0.0.1:$PORT/package.json" --help
	echo "$output"
	[ "$status" -eq 1 ]
	grep -q "cannot load libcurl.so.4, needed for http(s):// packages: install libcurl (Debian: libcurl4)" <<<"$output"
	run without_libcurl "$ECLI" run "$SRV_DIR/package.json" --help
	[ "$status" -eq 0 ]
	grep -q 'Usage: minimal \[OPTIONS\]' <<<"$output"
}
