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
	run timeout 20 "$TOOL" -d 1 --target_ppid 1
	echo "$output"
	[ "$status" -eq 0 ]
	[[ "$output" == *"Running"* ]]
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
