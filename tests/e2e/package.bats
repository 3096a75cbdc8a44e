#!/usr/bin/env bats
# Package opening through `ecli run`: every malformed package is refused with exit 1 and a
# message naming the problem; JSON, YAML, .tar, stdin and sha256 pins work; tool flags
# generated from the package reach the kernel (events filtered by --target-pid).

load "${EUNOMIA_ROOT:-$BATS_TEST_DIRNAME/../..}/tests/lib/common"

FIX=$EUNOMIA_ROOT/tests/data/packages

setup_file() {
	export PKGDIR=$BATS_FILE_TMPDIR/minimal
	mkdir -p "$PKGDIR" "$PKGDIR/yaml"
	"$ECC" "$EUNOMIA_ROOT/tests/data/packages/minimal.bpf.c" -o "$PKGDIR" >"$PKGDIR/ecc.log" 2>&1 ||
		{ cat "$PKGDIR/ecc.log" >&2; return 1; }
	"$ECC" "$EUNOMIA_ROOT/tests/data/packages/minimal.bpf.c" -y -o "$PKGDIR/yaml" \
		>>"$PKGDIR/ecc.log" 2>&1 || { cat "$PKGDIR/ecc.log" >&2; return 1; }
}

teardown() {
	teardown_ecli
	if [ -n "${SILENT_PID:-}" ]; then
		kill -KILL "$SILENT_PID" 2>/dev/null
		wait "$SILENT_PID" 2>/dev/null
		SILENT_PID=
	fi
	if [ -n "${TRIGGER_PID:-}" ]; then
		kill "$TRIGGER_PID" 2>/dev/null
		wait "$TRIGGER_PID" 2>/dev/null
		TRIGGER_PID=
	fi
}

# refused FILE REGEX: `ecli run FILE` exits 1 and says REGEX.
refused() {
	run "$ECLI" run "$1"
	echo "$output"
	[ "$status" -eq 1 ]
	grep -Eq -- "$2" <<<"$output"
}

@test "bad JSON is refused with the line of the error" {
	refused "$FIX/bad-json.json" "package '.*bad-json.json': invalid JSON at line 4"
}

@test "bad base64 is refused with the offset of the bad character" {
	refused "$FIX/bad-base64.json" "bpf_object: invalid base64 at offset 12 \('!'\)"
}

@test "a bpf_object that does not inflate is refused" {
	refused "$FIX/bad-zlib.json" "bpf_object: zlib stream does not inflate"
}

@test "an inflated size that differs from bpf_object_size is refused" {
	refused "$FIX/size-mismatch.json" "inflated size 100 != bpf_object_size 108"
}

@test "a missing required field is named" {
	refused "$FIX/missing-field.json" "meta.bpf_skel.obj_name: missing \(expected a string\)"
	refused "$FIX/no-size.json" "bpf_object_size: missing"
}

@test "a field of the wrong type is named with its path" {
	refused "$FIX/wrong-type.json" "meta.bpf_skel.progs\[0\].attach: expected a string"
	refused "$FIX/wrong-type.yaml" "meta.bpf_skel.progs\[0\].attach: expected a string"
}

@test "a missing package file says so" {
	refused "$BATS_TEST_TMPDIR/nope.json" "nope.json': cannot open: No such file or directory"
}

@test "a skeleton (skel.json) is not a package" {
	refused "$PKGDIR/minimal.skel.json" "bpf_object: missing"
}

@test "JSON, YAML, standard input and .tar packages all open" {
	run "$ECLI" run "$PKGDIR/package.json" --help
	[ "$status" -eq 0 ]
	grep -q 'Usage: minimal \[OPTIONS\]' <<<"$output"
	grep -q -- '--target_pid=INT' <<<"$output"

	run "$ECLI" run "$PKGDIR/yaml/package.yaml" --help
	echo "$output"
	[ "$status" -eq 0 ]
	grep -q -- '--comm=STR .*(default: "bash")' <<<"$output"

	run bash -c '"$ECLI" run - --help <"$1"' _ "$PKGDIR/package.json"
	[ "$status" -eq 0 ]
	grep -q 'Usage: minimal' <<<"$output"

	mkdir -p "$BATS_TEST_TMPDIR/tar/btfhub-archive/debian/12/x86_64"
	cp "$PKGDIR/package.json" "$BATS_TEST_TMPDIR/tar/"
	echo notbtf >"$BATS_TEST_TMPDIR/tar/btfhub-archive/debian/12/x86_64/6.1.0-13-amd64.btf"
	tar -C "$BATS_TEST_TMPDIR/tar" -cf "$BATS_TEST_TMPDIR/minimal.tar" package.json btfhub-archive
	run "$ECLI" run "$BATS_TEST_TMPDIR/minimal.tar" --help
	echo "$output"
	[ "$status" -eq 0 ]
	grep -q 'Usage: minimal' <<<"$output"

	tar -C "$BATS_TEST_TMPDIR/tar" -cf "$BATS_TEST_TMPDIR/nodoc.tar" btfhub-archive
	refused "$BATS_TEST_TMPDIR/nodoc.tar" "the .tar container has no package.json"
}

@test "--sha256 pins the package" {
	local sum
	sum=$(sha256sum "$PKGDIR/package.json" | cut -d' ' -f1)
	run "$ECLI" run --sha256 "$sum" "$PKGDIR/package.json" --help
	[ "$status" -eq 0 ]
	run "$ECLI" run --sha256 "${sum//?/0}" "$PKGDIR/package.json" --help
	echo "$output"
	[ "$status" -eq 1 ]
	grep -q "sha256 mismatch: expected 0000000000000000000000000000000000000000000000000000000000000000, got $sum" <<<"$output"
}

@test "bad tool flags are usage errors naming the flag" {
	run "$ECLI" run "$PKGDIR/package.json" --min_duration_ns -1
	echo "$output"
	[ "$status" -eq 2 ]
	grep -q -- "--min_duration_ns: value '-1' out of range for unsigned long long (0..18446744073709551615)" <<<"$output"
	run "$ECLI" run "$PKGDIR/package.json" --comm 0123456789abcdefg
	[ "$status" -eq 2 ]
	grep -q -- "is too long for char\[16\]" <<<"$output"
	run "$ECLI" run "$PKGDIR/package.json" --no-such-flag
	[ "$status" -eq 2 ]
	# the hint names the command that shows the help, not the bare tool name
	grep -qxF -- "ecli: unknown option '--no-such-flag'; see \`ecli run $PKGDIR/package.json --help\`" <<<"$output"
}

# A process that calls getpid() every 50 ms once /tmp file $1 exists; sets TRIGGER_PID.
start_trigger() {
	python3 -c '
import os, sys, time
go = sys.argv[1]
while not os.path.exists(go):
    time.sleep(0.02)
for _ in range(400):
    os.getpid()
    time.sleep(0.05)
' "$1" &
	TRIGGER_PID=$!
}

@test "tool flags reach the kernel: --target-pid filters events to one process" {
	need_root
	need_tracefs
	start_trigger "$BATS_TEST_TMPDIR/go"
	ecli_start -j "$PKGDIR/package.json" --target-pid "$TRIGGER_PID"
	touch "$BATS_TEST_TMPDIR/go"
	# (the trigger's pid may show as bash first: the subshell calls getpid() before exec)
	wait_json "$OUT" "e['pid'] == $TRIGGER_PID and e['comm'] == 'python3'"
	ecli_stop
	[ "$ECLI_STATUS" -eq 0 ]
	# every event is from the target process
	run python3 -c '
import json, sys
evs = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
pids = {e["pid"] for e in evs if "map" not in e}  # (the exit dump names its map)
sys.exit(0 if pids == {int(sys.argv[2])} else 1)' "$OUT" "$TRIGGER_PID"
	[ "$status" -eq 0 ]
	assert_no_prog minimal_getpid
}

@test "tool flags reach the kernel: --no-enabled silences the program" {
	need_root
	need_tracefs
	start_trigger "$BATS_TEST_TMPDIR/go"
	ecli_start -j "$PKGDIR/package.json" --target-pid "$TRIGGER_PID" --no-enabled
	grep -q 'Running minimal' "$ERR"
	SILENT_PID=$ECLI_PID SILENT_OUT=$OUT
	# positive control, attached after the silenced one: the same package, enabled, sees the
	# trigger's getpid() calls; each of them also ran the silenced program
	ecli_start -j "$PKGDIR/package.json" --target-pid "$TRIGGER_PID"
	touch "$BATS_TEST_TMPDIR/go"
	wait_for "$OUT" "\"pid\":$TRIGGER_PID" 30
	for _ in $(seq 1 300); do
		[ "$(grep -c "\"pid\":$TRIGGER_PID" "$OUT")" -ge 10 ] && break
		sleep 0.1
	done
	[ "$(grep -c "\"pid\":$TRIGGER_PID" "$OUT")" -ge 10 ]
	ecli_stop
	[ "$ECLI_STATUS" -eq 0 ]
	ECLI_PID=$SILENT_PID SILENT_PID=
	ecli_stop
	[ "$ECLI_STATUS" -eq 0 ]
	[ ! -s "$SILENT_OUT" ]
}
