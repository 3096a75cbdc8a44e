#!/usr/bin/env bats
# The ecli command line: help of every command, exit codes (0 ok, 1 failure, 2 usage),
# tool flags after the package, malformed packages, and stdout error handling.

load ../lib/common
load ../data/e2e/helpers

PKGDATA=$EUNOMIA_ROOT/tests/data/packages

teardown() {
	teardown_ecli
}

@test "ecli --help, -h and no arguments" {
	run "$ECLI" --help
	[ "$status" -eq 0 ]
	[[ "$output" == *"Usage: ecli"* ]]
	[[ "$output" == *"run "* ]]
	run "$ECLI" -h
	[ "$status" -eq 0 ]
	run "$ECLI"
	[ "$status" -eq 2 ]
	[[ "$output" == *"Usage: ecli"* ]]
}

@test "every command has --help and 'ecli help COMMAND' (meta-test)" {
	run "$ECLI" --help
	[ "$status" -eq 0 ]
	cmds=$(sed -n '/^Commands:/,/^$/p' <<<"$output" | awk 'NR > 1 && NF {print $1}')
	[ -n "$cmds" ]
	for c in $cmds; do
		run "$ECLI" "$c" --help
		echo "ecli $c --help -> $status"
		[ "$status" -eq 0 ]
		[ -n "$output" ]
		run "$ECLI" help "$c"
		[ "$status" -eq 0 ]
		[ -n "$output" ]
	done
	run "$ECLI" help no-such-command
	[ "$status" -eq 2 ]
}

@test "ecli -V / --version / version" {
	for a in -V --version version; do
		run "$ECLI" "$a"
		[ "$status" -eq 0 ]
		[[ "$output" =~ ^ecli\ [0-9]+\.[0-9]+\.[0-9]+ ]]
	done
}

@test "ecli run --help lists every option of the CLI contract" {
	run "$ECLI" run --help
	[ "$status" -eq 0 ]
	for o in --json --raw --verbose --duration --ifname --ifindex --uprobe-binary --uprobe-func \
		--target-pid --cgroup --freq --only --disable --max-entries --strict --btf \
		--no-btf-cache --sha256; do
		[[ "$output" == *"$o"* ]] || { echo "missing $o"; return 1; }
	done
}

@test "usage errors exit 2" {
	run "$ECLI" no-such-command
	[ "$status" -eq 2 ]
	run "$ECLI" --no-such-flag
	[ "$status" -eq 2 ]
	run "$ECLI" run
	[ "$status" -eq 2 ]
	[[ "$output" == *"no package given"* ]]
	run "$ECLI" run --no-such-option x.json
	[ "$status" -eq 2 ]
	[[ "$output" == *"unknown option '--no-such-option'"* ]]
	run "$ECLI" run -d
	[ "$status" -eq 2 ]
	[[ "$output" == *"needs a value"* ]]
	run "$ECLI" run -d soon x.json
	[ "$status" -eq 2 ]
	[[ "$output" == *"--duration expects"* ]]
	run "$ECLI" run -p -5 x.json
	[ "$status" -eq 2 ]
	run "$ECLI" run --max-entries 0 x.json
	[ "$status" -eq 2 ]
}

@test "a missing package file exits 1 naming the file" {
	run "$ECLI" run "$BATS_TEST_TMPDIR/nope.json"
	echo "$output"
	[ "$status" -eq 1 ]
	[[ "$output" == *"nope.json"* ]]
}

@test "malformed packages exit 1 with a message saying what is wrong" {
	local f n=0
	for f in "$PKGDATA"/bad-*.json "$PKGDATA"/size-mismatch.json "$PKGDATA"/missing-field.json \
		"$PKGDATA"/wrong-type.json "$PKGDATA"/no-size.json; do
		[ -f "$f" ] || continue
		n=$((n + 1))
		run "$ECLI" run -d 1 "$f"
		echo "$(basename "$f") -> $status: $output"
		[ "$status" -eq 1 ]
		[ -n "$output" ]
		[[ "$output" != *Running* ]]
	done
	[ "$n" -gt 0 ]
	# not JSON at all, and an empty file
	echo 'this is not a package' >"$BATS_TEST_TMPDIR/junk.json"
	run "$ECLI" run "$BATS_TEST_TMPDIR/junk.json"
	[ "$status" -eq 1 ]
	: >"$BATS_TEST_TMPDIR/empty.json"
	run "$ECLI" run "$BATS_TEST_TMPDIR/empty.json"
	[ "$status" -eq 1 ]
}

@test "a valid document whose object is not BPF exits 1" {
	python3 - "$BATS_TEST_TMPDIR/notbpf.json" <<'PY'
import base64, json, sys, zlib
elf = b"\x7fELF" + b"\x02\x01\x01" + bytes(200)
meta = {"bpf_skel": {"obj_name": "notbpf_bpf", "maps": [], "progs": [], "data_sections": []},
        "export_types": []}
json.dump({"bpf_object": base64.b64encode(zlib.compress(elf)).decode(),
           "bpf_object_size": len(elf), "meta": meta}, open(sys.argv[1], "w"))
PY
	run "$ECLI" run -d 1 "$BATS_TEST_TMPDIR/notbpf.json"
	echo "$output"
	[ "$status" -eq 1 ]
	[[ "$output" == *notbpf* ]]
}

@test "tool flags: PACKAGE --help prints the generated help (exit 0); bad flags exit 2" {
	pkg=$(e2e_build exec "$E2E_DATA/exec.h")
	run "$ECLI" run "$pkg" --help
	echo "$output"
	[ "$status" -eq 0 ]
	[[ "$output" == *"--target_ppid"* ]]
	[[ "$output" == *"--tag"* ]]
	[[ "$output" == *"a value copied into every event"* ]]
	run "$ECLI" run "$pkg" --no-such-flag 1
	[ "$status" -eq 2 ]
	run "$ECLI" run "$pkg" --tag notanumber
	[ "$status" -eq 2 ]
	run "$ECLI" run "$pkg" --version
	[ "$status" -eq 0 ]
}

@test "'ecli PACKAGE' is short for 'ecli run PACKAGE'" {
	pkg=$(e2e_build exec "$E2E_DATA/exec.h")
	run "$ECLI" "$pkg" --help
	[ "$status" -eq 0 ]
	[[ "$output" == *"--tag"* ]]
}

@test "the Running notice and all logs go to stderr; stdout carries only events" {
	need_root
	need_tracefs
	pkg=$(e2e_build exec "$E2E_DATA/exec.h")
	o=$BATS_TEST_TMPDIR/o
	e=$BATS_TEST_TMPDIR/e
	# (expand $BASHPID here: inside `CMD &` it would be the pid of the forked child)
	me=$BASHPID
	"$ECLI" run -j "$pkg" --target_ppid "$me" >"$o" 2>"$e" &
	ECLI_PID=$!
	wait_for "$e" Running 20
	/bin/true &
	p=$!
	wait "$p"
	wait_json "$o" "e['pid'] == $p and e['comm'] == 'true'" 30
	# stopped once the event is in (a -d duration could run out before it on a busy machine)
	ERR=$e ecli_stop
	grep -q "^ecli: Running exec: 1 program attached. Ctrl-C to stop.$" "$e"
	# at least one line, and every line of stdout is a JSON event object
	python3 - "$o" <<'PY'
import json, sys
lines = open(sys.argv[1]).read().splitlines()
assert lines, "stdout is empty"
for l in lines:
    try:
        o = json.loads(l)
    except ValueError:
        sys.exit(f"not a JSON event on stdout: {l!r}")
    assert isinstance(o, dict) and "pid" in o, repr(l)
PY
}

# In a private mount namespace with tracefs (and debugfs, whose tracing/ is tracefs too)
# unmounted: the machine's own mounts, and the tests running beside this one, are untouched.
NOTRACEFS='umount -l /sys/kernel/debug 2>/dev/null; umount -l /sys/kernel/tracing 2>/dev/null
test ! -e /sys/kernel/tracing/events || exit 99
exec "$@"'

# exec.bpf.c with its program renamed, so that the cleanup check sees only this file's copies
tfs_build() {
	local out=$BATS_FILE_TMPDIR/tfs
	if [ ! -f "$out/package.json" ]; then
		mkdir -p "$out"
		"$ECC" "$E2E_DATA/exec.bpf.c" "$E2E_DATA/exec.h" -a -De2e_exec=ecli_tfs_exec \
			-o "$out" >&2 || return 1
	fi
	echo "$out/package.json"
}

@test "tracefs not mounted: ecli (root) mounts it and tracepoint events flow" {
	need_root
	need_cmd unshare
	pkg=$(tfs_build)
	cmd_start unshare -m --propagation private bash -c "$NOTRACEFS" notracefs \
		"$ECLI" run -v -j "$pkg" --target_ppid "$BASHPID"
	/bin/true &
	p=$!
	wait "$p"
	wait_json "$OUT" "e['pid'] == $p and e['comm'] == 'true'"
	ecli_stop
	[ "$ECLI_STATUS" -eq 0 ]
	grep -q "mounted tracefs at /sys/kernel/tracing (tracepoints need it)" "$ERR"
	assert_no_prog ecli_tfs_exec
}

@test "tracefs not mounted and not mountable: exit 1 saying how to mount it, nothing left" {
	need_root
	need_cmd unshare
	need_cmd capsh
	pkg=$(tfs_build)
	# without CAP_SYS_ADMIN the mount is refused; CAP_BPF/CAP_PERFMON still load the program
	run unshare -m --propagation private bash -c "$NOTRACEFS" notracefs \
		capsh --drop=cap_sys_admin -- -c '"$0" run -v "$1"' "$ECLI" "$pkg"
	[ "$status" -eq 1 ] || { echo "$output"; false; }
	[[ "$output" == *"mounting tracefs at /sys/kernel/tracing failed: Operation not permitted"* ]]
	[[ "$output" == *"tracefs is not mounted: as root, run 'mount -t tracefs tracefs /sys/kernel/tracing'"* ]]
	# said once (by the library, prefixed by ecli), with no second "attach failed" line
	[[ "$output" == *"ecli: exec: no program could be attached; detaching everything"* ]]
	[[ "$output" != *"attach failed"* ]]
	assert_no_prog ecli_tfs_exec
}

@test "stdout closed early (| head) is a normal end, exit 0" {
	need_root
	need_tracefs
	pkg=$(e2e_build exec "$E2E_DATA/exec.h")
	e=$BATS_TEST_TMPDIR/e
	h=$BATS_TEST_TMPDIR/head
	: >"$e"
	# exec /bin/true repeatedly once ecli is attached, until it has gone
	(
		for _ in $(seq 1 200); do grep -q Running "$e" && break; sleep 0.1; done
		for _ in $(seq 1 100); do /bin/true; sleep 0.05; done
	) &
	gen=$!
	start=$(date +%s)
	run bash -c "'$ECLI' run -j -d 10 '$pkg' 2>'$e' | head -n 1 >'$h'; exit \${PIPESTATUS[0]}"
	took=$(($(date +%s) - start))
	kill "$gen" 2>/dev/null || true
	wait "$gen" || true
	cat "$e"
	echo "head got: $(cat "$h"); ecli took ${took}s"
	[ "$status" -eq 0 ]
	# head got one event, and ecli ended on the closed pipe, well before its 10 s duration
	[ "$(wc -l <"$h")" -eq 1 ]
	json_match "$h" "e['pid'] > 0"
	[ "$took" -lt 8 ]
}

@test "stdout write failure (/dev/full) exits 1" {
	need_root
	need_tracefs
	[ -w /dev/full ] || skip "no /dev/full"
	pkg=$(e2e_build exec "$E2E_DATA/exec.h")
	# -d 60 only bounds a broken run: the first event written ends it
	"$ECLI" run -j -d 60 "$pkg" >/dev/full 2>"$BATS_TEST_TMPDIR/e" &
	pid=$!
	wait_for "$BATS_TEST_TMPDIR/e" Running 20
	for _ in $(seq 1 20); do /bin/true; done
	st=0
	wait "$pid" || st=$?
	cat "$BATS_TEST_TMPDIR/e"
	[ "$st" -eq 1 ]
	grep -q "No space left on device" "$BATS_TEST_TMPDIR/e"
}

# exec_event_seen: the running ecli ($OUT, $ERR, $ECLI_PID) decodes the exec of a child of
# this shell, then stops with status 0.
exec_event_seen() {
	local p
	/bin/true &
	p=$!
	wait "$p"
	wait_json "$OUT" "e['pid'] == $p and e['ppid'] == $BASHPID and e['comm'] == 'true'" 30
	ecli_stop
}

@test "package from standard input (-), YAML packages, and --sha256 pins" {
	need_root
	need_tracefs
	pkg=$(e2e_build exec "$E2E_DATA/exec.h")
	me=$BASHPID
	# from stdin (an explicit redirection: a background command's stdin is /dev/null)
	OUT=$BATS_TEST_TMPDIR/stdin.out ERR=$BATS_TEST_TMPDIR/stdin.err
	"$ECLI" run -j - --target_ppid "$me" <"$pkg" >"$OUT" 2>"$ERR" &
	ECLI_PID=$!
	wait_for "$ERR" "Running exec" 20
	exec_event_seen

	ydir=$BATS_TEST_TMPDIR/yaml
	mkdir -p "$ydir"
	"$ECC" "$E2E_DATA/exec.bpf.c" "$E2E_DATA/exec.h" -y -o "$ydir" >/dev/null 2>&1
	[ -f "$ydir/package.yaml" ]
	ecli_start -j "$ydir/package.yaml" --target_ppid "$me"
	exec_event_seen

	sum=$(sha256sum "$pkg" | cut -d' ' -f1)
	ecli_start -j --sha256 "$sum" "$pkg" --target_ppid "$me"
	exec_event_seen
	bad=$(printf '%064d' 0)
	run "$ECLI" run --sha256 "$bad" -d 0.2 "$pkg"
	echo "$output"
	[ "$status" -eq 1 ]
	[[ "$output" == *sha256* ]]
	[[ "$output" != *Running* ]]
}

@test "-v shows libbpf's log; without it there is none" {
	need_root
	need_tracefs
	pkg=$(e2e_build exec "$E2E_DATA/exec.h")
	run "$ECLI" run -v -d 0.2 "$pkg"
	[ "$status" -eq 0 ]
	[[ "$output" == *"libbpf: "* ]]
	run "$ECLI" -v run -d 0.2 "$pkg"
	[ "$status" -eq 0 ]
	[[ "$output" == *"libbpf: "* ]]
	run "$ECLI" run -d 0.2 "$pkg"
	[ "$status" -eq 0 ]
	[[ "$output" != *"libbpf: "* ]]
}

@test "-r prints undecoded records" {
	need_root
	need_tracefs
	pkg=$(e2e_build exec "$E2E_DATA/exec.h")
	ecli_start -r "$pkg" --target_ppid "$BASHPID"
	/bin/true &
	wait $!
	# "true" and "/bin/true" in hex
	wait_for "$OUT" '74727565.*2f62696e2f74727565'
	ecli_stop
	[ "$ECLI_STATUS" -eq 0 ]
}

# ---- one line per error, hints that name the real command (issue #9 §4) ----------------------

@test "errors print once: a missing package is one line, exit 1" {
	local f=$BATS_TEST_TMPDIR/nope.json
	run "$ECLI" run "$f"
	echo "$output"
	[ "$status" -eq 1 ]
	[ "${#lines[@]}" -eq 1 ]
	[[ "${lines[0]}" == "ecli: package '$f': cannot open: No such file or directory"* ]]
}

@test "errors print once: a bad tool flag is one line naming 'ecli run PKG --help', exit 2" {
	pkg=$(e2e_build exec "$E2E_DATA/exec.h")
	run "$ECLI" run "$pkg" --no-such-flag 1
	echo "$output"
	[ "$status" -eq 2 ]
	[ "$output" = "ecli: unknown option '--no-such-flag'; see \`ecli run $pkg --help\`" ]
	run "$ECLI" run "$pkg" --tag notanumber
	echo "$output"
	[ "$status" -eq 2 ]
	[ "$output" = "ecli: --tag: value 'notanumber' is not an integer (int); see \`ecli run $pkg --help\`" ]
	# `ecli PKG` is `ecli run PKG`: the hint names the command that works
	run "$ECLI" "$pkg" stray
	echo "$output"
	[ "$status" -eq 2 ]
	[ "$output" = "ecli: unexpected argument 'stray': this tool takes only options; see \`ecli run $pkg --help\`" ]
}

@test "an ecli option after the package: 'ecli options go before the package', exit 2" {
	pkg=$(e2e_build exec "$E2E_DATA/exec.h")
	run "$ECLI" run "$pkg" --target_ppid 1 -d 1
	echo "$output"
	[ "$status" -eq 2 ]
	[ "$output" = "ecli: -d is not a flag of exec: ecli options go before the package (ecli run -d 1 $pkg)" ]
	run "$ECLI" run "$pkg" --json
	echo "$output"
	[ "$status" -eq 2 ]
	[ "$output" = "ecli: --json is not a flag of exec: ecli options go before the package (ecli run --json $pkg)" ]
	run "$ECLI" run "$pkg" --duration=2
	[ "$status" -eq 2 ]
	[ "$output" = "ecli: --duration=2 is not a flag of exec: ecli options go before the package (ecli run --duration=2 $pkg)" ]
	# a tool flag's value that looks like an ecli option is the value, not an option
	run "$ECLI" run "$pkg" --tag -j
	echo "$output"
	[ "$status" -eq 2 ]
	[ "$output" = "ecli: --tag: value '-j' is not an integer (int); see \`ecli run $pkg --help\`" ]
}

@test "without CAP_BPF/CAP_PERFMON: one line saying root is needed, exit 1, nothing loaded" {
	need_root
	need_tracefs
	need_cmd capsh
	pkg=$(e2e_build exec "$E2E_DATA/exec.h")
	run capsh --drop=cap_bpf,cap_perfmon,cap_sys_admin -- -c '"$0" run -d 5 "$1"' "$ECLI" "$pkg"
	echo "$output"
	[ "$status" -eq 1 ]
	[ "$output" = "ecli: exec: loading BPF programs needs root (CAP_BPF and CAP_PERFMON); run it as root, e.g. with sudo" ]
	assert_no_prog e2e_exec
	# the same as an ordinary user
	need_cmd setpriv
	local d
	d=$(mktemp -d /tmp/ecli-unpriv.XXXXXX)
	cp "$pkg" "$d/exec.json"
	chmod 755 "$d"
	chmod 644 "$d/exec.json"
	run setpriv --reuid=65534 --regid=65534 --clear-groups --inh-caps=-all "$ECLI" run -d 5 "$d/exec.json"
	rm -rf "$d"
	echo "$output"
	[ "$status" -eq 1 ]
	[ "$output" = "ecli: exec: loading BPF programs needs root (CAP_BPF and CAP_PERFMON); run it as root, e.g. with sudo" ]
}

@test "--target-pid where no program takes a pid: a warning saying so; a perf_event program takes it" {
	need_root
	need_tracefs
	pkg=$(e2e_build exec "$E2E_DATA/exec.h")
	# (events of the machine's other execs go to /dev/null: only stderr is checked)
	run bash -c '"$0" run -p "$1" -d 0.2 "$2" >/dev/null' "$ECLI" "$BASHPID" "$pkg"
	echo "$output"
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = "ecli: exec: pid filter $BASHPID ignored: none of its programs is a uprobe, usdt or perf_event program" ]
	[ "${lines[1]}" = "ecli: Running exec: 1 program attached. Ctrl-C to stop." ]
	[ "${#lines[@]}" -eq 2 ]
	pkg=$(e2e_build perf)
	run bash -c '"$0" run -p "$1" -d 0.2 "$2" >/dev/null' "$ECLI" "$BASHPID" "$pkg"
	echo "$output"
	[ "$status" -eq 0 ]
	[[ "$output" == *"Running perf"* ]]
	[[ "$output" != *"pid filter"* ]]
}
