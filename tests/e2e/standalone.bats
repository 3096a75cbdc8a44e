#!/usr/bin/env bats
# ecc -s/--standalone: one executable = ecli + package + trailer; it runs like
# `ecli run [OPTIONS] <package> [TOOL-FLAGS]`.

load "${EUNOMIA_ROOT:-$BATS_TEST_DIRNAME/../..}/tests/lib/common"

# The tool: the starter template under a name of its own (its program is h8_stand_exec).
setup_file() {
	local out=$BATS_FILE_TMPDIR/out
	"$ECC" init h8_stand "$out" >/dev/null 2>&1 || true
	(cd "$out" && "$ECC" h8_stand.bpf.c h8_stand.h -s >ecc.log 2>&1) || true
}

need_exe() {
	TOOL=$BATS_FILE_TMPDIR/out/h8_stand
	[ -x "$TOOL" ] || {
		cat "$BATS_FILE_TMPDIR/out/ecc.log" >&2
		echo "ecc -s did not produce an executable" >&2
		return 1
	}
}

teardown() {
	teardown_ecli
}

@test "standalone: ecc -s writes ecli + package + 32-byte trailer" {
	need_exe
	local esz psz tsz
	esz=$(stat -c %s "$ECLI")
	psz=$(stat -c %s "$BATS_FILE_TMPDIR/out/package.json")
	tsz=$(stat -c %s "$TOOL")
	[ "$tsz" -eq $((esz + psz + 32)) ]
	[ "$(head -c 4 "$TOOL" | od -An -c | tr -d ' ')" = '177ELF' ]
	[ "$(tail -c 16 "$TOOL")" = "EUNOMIA-PKG-0001" ]
	# the runtime part is the ecli binary, byte for byte; the package follows it
	cmp <(head -c "$esz" "$TOOL") "$ECLI"
	cmp <(tail -c +"$((esz + 1))" "$TOOL" | head -c "$psz") "$BATS_FILE_TMPDIR/out/package.json"
}

@test "standalone: --help prints the tool's generated help" {
	need_exe
	run "$TOOL" --help
	echo "$output"
	[ "$status" -eq 0 ]
	[[ "$output" == *"target_ppid"* ]]
	[[ "$output" == *"Only show processes started by this parent pid"* ]]
}

@test "standalone: takes every option 'ecli run --help' lists as an ecli OPTION (meta-test)" {
	need_exe
	local line opt val n=0 re='^(-[a-zA-Z], )?(--[a-z0-9-]+)( [A-Z]+)?'
	while read -r line; do
		# "  -b, --uprobe-binary PATH   ..." / "      --strict   ..."
		[[ "$line" =~ $re ]] || continue
		opt=${BASH_REMATCH[2]}
		[ "$opt" = --help ] && continue
		n=$((n + 1))
		if [ -n "${BASH_REMATCH[3]}" ]; then
			val=1
			# --sha256 refuses any other digest than the package's: its own test is below
			[ "$opt" = --sha256 ] && continue
			run "$TOOL" "$opt" "$val" --help
		else
			run "$TOOL" "$opt" --help
		fi
		# taken as an ecli OPTION, --help is the tool's: otherwise "$opt" is an unknown tool flag
		[ "$status" -eq 0 ] || { echo "$opt: $output"; false; }
		[[ "$output" == *"target_ppid"* ]] || { echo "$opt: $output"; false; }
	done < <("$ECLI" run --help | sed -n '/^Options:/,/^$/p')
	[ "$n" -ge 15 ]
}

@test "standalone: runs with ecli OPTIONS (-j) and tool flags, events decoded" {
	need_root
	need_tracefs
	need_exe
	local probe=$BATS_TEST_TMPDIR/h8standprobe
	cp /bin/true "$probe"
	# run from another directory with a scrubbed PATH: nothing but the executable is needed
	cd /
	cmd_start env PATH=/usr/bin:/bin "$TOOL" -j --target_ppid "$BASHPID"
	for _ in 1 2 3; do "$probe"; done
	wait_for "$OUT" '"comm": ?"h8standprobe"'
	ecli_stop
	[ "$ECLI_STATUS" -eq 0 ]
	json_has "$OUT" comm '^h8standprobe$'
	json_has "$OUT" ppid "^$BASHPID\$"
	json_has "$OUT" pid '^[0-9]+$'
	assert_no_prog h8_stand_exec
}

@test "standalone: plain output and '--' ending ecli OPTIONS" {
	need_root
	need_tracefs
	need_exe
	local probe=$BATS_TEST_TMPDIR/h8standplain
	cp /bin/true "$probe"
	cmd_start "$TOOL" -- --target_ppid "$BASHPID"
	"$probe"
	wait_for "$OUT" 'h8standplain'
	ecli_stop
	[ "$ECLI_STATUS" -eq 0 ]
	head -1 "$OUT" | grep -Eq '^TIME +PID +PPID +UID +COMM +FILENAME'
	grep -Eq "^[0-9]{2}:[0-9]{2}:[0-9]{2} .*$BASHPID .*h8standplain" "$OUT"
}

@test "standalone: -d stops the tool after the duration" {
	need_root
	need_tracefs
	need_exe
	local probe=$BATS_TEST_TMPDIR/h8standdur
	cp /bin/true "$probe"
	# events decode until the duration ends the tool by itself (-d 8: long enough for the
	# exec below on a busy machine; the tool is never signalled)
	cmd_start "$TOOL" -d 8 -- --target_ppid "$BASHPID"
	"$probe"
	wait_for "$OUT" 'h8standdur' 30
	grep -Eq "^[0-9]{2}:[0-9]{2}:[0-9]{2} .*$BASHPID .*h8standdur" "$OUT"
	st=0
	wait "$ECLI_PID" || st=$?
	ECLI_PID=
	cat "$ERR"
	[ "$st" -eq 0 ]
}

@test "standalone: a bad tool flag is a usage error" {
	need_exe
	run "$TOOL" --no-such-flag
	echo "$output"
	[ "$status" -eq 2 ]
	[[ "$output" == *"no-such-flag"* ]]
}

@test "standalone: a damaged trailer is reported" {
	need_exe
	local bad=$BATS_TEST_TMPDIR/damaged
	cp "$TOOL" "$bad"
	# overwrite the package size field (bytes 8..15 of the trailer) with a huge value
	python3 - "$bad" <<'PY'
import os, sys
p = sys.argv[1]
with open(p, "r+b") as f:
    f.seek(os.path.getsize(p) - 24)
    f.write((1 << 40).to_bytes(8, "little"))
PY
	run "$bad" --help
	echo "$output"
	[ "$status" -eq 1 ]
	[[ "$output" == *"embedded package is damaged"* ]]
}

@test "standalone: a plain ecli is unaffected (no trailer)" {
	run "$ECLI" --version
	[ "$status" -eq 0 ]
	[[ "$output" == *"ecli"* ]]
}

@test "standalone: EUNOMIA_ECLI that does not exist gives a clear error" {
	local src=$BATS_FILE_TMPDIR/out
	EUNOMIA_ECLI=$BATS_TEST_TMPDIR/nope run "$ECC" "$src/h8_stand.bpf.c" "$src/h8_stand.h" \
		-o "$BATS_TEST_TMPDIR" -s
	echo "$output"
	[ "$status" -eq 1 ]
	[[ "$output" == *"EUNOMIA_ECLI"* ]]
	[ ! -e "$BATS_TEST_TMPDIR/h8_stand" ]
}

@test "standalone: a standalone tool used as EUNOMIA_ECLI embeds only its runtime" {
	need_exe
	local src=$BATS_FILE_TMPDIR/out
	mkdir -p "$BATS_TEST_TMPDIR/again"
	EUNOMIA_ECLI=$TOOL run "$ECC" "$src/h8_stand.bpf.c" "$src/h8_stand.h" \
		-o "$BATS_TEST_TMPDIR/again" -s
	echo "$output"
	[ "$status" -eq 0 ]
	local esz psz
	esz=$(stat -c %s "$ECLI")
	psz=$(stat -c %s "$BATS_TEST_TMPDIR/again/package.json")
	[ "$(stat -c %s "$BATS_TEST_TMPDIR/again/h8_stand")" -eq $((esz + psz + 32)) ]
	cmp <(head -c "$esz" "$BATS_TEST_TMPDIR/again/h8_stand") "$ECLI"
}

# ---- messages, and a tool whose own flags clash with ecli run's ------------------------------

@test "standalone: errors are one line naming the tool's own --help, exit 2" {
	need_exe
	run "$TOOL" --no-such-flag
	echo "$output"
	[ "$status" -eq 2 ]
	[ "$output" = "h8_stand: unknown option '--no-such-flag'; see \`$TOOL --help\`" ]
	run "$TOOL" --target_ppid x
	echo "$output"
	[ "$status" -eq 2 ]
	[ "$output" = "h8_stand: --target_ppid: value 'x' is not an integer (int); see \`$TOOL --help\`" ]
	run "$TOOL" -d
	echo "$output"
	[ "$status" -eq 2 ]
	[ "$output" = "h8_stand: option '-d' needs a value; see \`$TOOL --help\`" ]
	run "$TOOL" -d soon
	echo "$output"
	[ "$status" -eq 2 ]
	[ "$output" = "h8_stand: --duration expects a positive number of seconds, got 'soon'" ]
}

@test "standalone: --help lists the ecli options exactly as 'ecli run --help' does (meta-test)" {
	need_exe
	run "$TOOL" --help
	[ "$status" -eq 0 ]
	# the tool's help, then its runtime options: every `ecli run` option but -h/--help
	diff <(sed -n '/^Runtime options/,$p' <<<"$output" | tail -n +3) \
		<("$ECLI" run --help | sed -n '/^Options:/,/^$/p' | sed '1d;/^$/d' | grep -v -- '--help')
}

# stflags_exe: the standalone tool built from tests/data/e2e/stflags.bpf.c (its -p and --raw
# clash with ecli run's), once per file; prints its path.
stflags_exe() {
	local out=$BATS_FILE_TMPDIR/stflags
	if [ ! -x "$out/stflags" ]; then
		mkdir -p "$out"
		"$ECC" "$EUNOMIA_ROOT/tests/data/e2e/stflags.bpf.c" \
			"$EUNOMIA_ROOT/tests/data/e2e/exec.h" -s -o "$out" >"$out/ecc.log" 2>&1 || {
			cat "$out/ecc.log" >&2
			return 1
		}
	fi
	echo "$out/stflags"
}

@test "standalone: the tool's own flags win; --help shows which ecli options they shadow" {
	local t
	t=$(stflags_exe)
	# -p is the tool's --ppid (ecli's -p would say "expects an integer in [1, ...]")
	run "$t" -p abc
	echo "$output"
	[ "$status" -eq 2 ]
	[ "$output" = "stflags: --ppid: value 'abc' is not an integer (int); see \`$t --help\`" ]
	run "$t" --help
	echo "$output"
	[ "$status" -eq 0 ]
	grep -q '^  -p, --ppid=INT ' <<<"$output"
	# ecli's --target-pid without its letter, --raw only as -r
	grep -qx '      --target-pid PID       only trace PID (uprobe, usdt, perf_event)' <<<"$output"
	grep -qx '  -r                         events as hex dumps, undecoded' <<<"$output"
	grep -qx '  -j, --json                 events as JSON, one object per line' <<<"$output"
}

@test "standalone: -p and --raw set the tool's variables; -j and -r stay ecli's (events)" {
	need_root
	need_tracefs
	local t other=$BATS_TEST_TMPDIR/stother marker=$BATS_TEST_TMPDIR/stmarker
	t=$(stflags_exe)
	cp /bin/true "$other"
	cp /bin/true "$marker"
	cmd_start "$t" -j -p "$BASHPID" --raw
	# a child of another shell first (filtered out by the tool's -p), then one of this shell
	bash -c '"$0"; :' "$other"
	"$marker"
	wait_for "$OUT" '"comm": ?"stmarker"'
	ecli_stop
	[ "$ECLI_STATUS" -eq 0 ]
	json_has "$OUT" ppid "^$BASHPID\$"
	json_has "$OUT" tag '^1$'
	run grep -c stother "$OUT"
	[ "$output" = 0 ]
	assert_no_prog stflags_exec
	# -r is ecli's raw output: "stmarker" in hex
	cmd_start "$t" -r -p "$BASHPID"
	"$marker"
	wait_for "$OUT" '73746d61726b6572'
	ecli_stop
	[ "$ECLI_STATUS" -eq 0 ]
}

@test "standalone: ecli's --target-pid by its long name; a warning when no program takes it" {
	need_root
	need_tracefs
	local t
	t=$(stflags_exe)
	run bash -c '"$0" --target-pid "$1" -d 0.2 -p 1 >/dev/null' "$t" "$BASHPID"
	echo "$output"
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = "stflags: pid filter $BASHPID ignored: none of its programs is a uprobe, usdt or perf_event program" ]
	[ "${lines[1]}" = "stflags: Running: 1 program attached. Ctrl-C to stop." ]
	[ "${#lines[@]}" -eq 2 ]
}

@test "standalone: run as an ordinary user, one line saying root is needed, exit 1" {
	need_root
	need_tracefs
	need_cmd setpriv
	local t d
	t=$(stflags_exe)
	d=$(mktemp -d /tmp/standalone-unpriv.XXXXXX)
	cp "$t" "$d/stflags"
	chmod 755 "$d" "$d/stflags"
	run setpriv --reuid=65534 --regid=65534 --clear-groups --inh-caps=-all "$d/stflags" -d 5
	rm -rf "$d"
	echo "$output"
	[ "$status" -eq 1 ]
	[ "$output" = "stflags: loading BPF programs needs root (CAP_BPF and CAP_PERFMON); run it as root, e.g. with sudo" ]
	assert_no_prog stflags_exec
}
