#!/usr/bin/env bats
# Stack traces with symbols: a target with a known call chain (main -> alpha -> beta -> gamma
# -> getppid) is traced at sys_enter_getppid; its stacks must decode to those functions, in
# order, above the kernel's syscall entry -- inline arrays (bpf_get_stack, @intepreter) and
# stack ids (bpf_get_stackid, found from BTF), in plain, JSON and folded form.

load ../lib/common

DATA=$BATS_TEST_DIRNAME/../data/stacks

setup() {
	need_root
	need_tracefs
	TPID=
	TARGET=$BATS_TEST_TMPDIR/stacktarget
	gcc -O0 -g -fno-omit-frame-pointer -fno-builtin -o "$TARGET" "$DATA/target.c"
}

teardown() {
	teardown_ecli
	stop_target
}

stop_target() {
	if [ -n "${TPID:-}" ]; then
		kill "$TPID" 2>/dev/null
		wait "$TPID" 2>/dev/null
		TPID=
	fi
	true
}

# run_stacks SRC FORMAT [ECLI OPTIONS...]: build SRC, run it with the target running until
# the target's stacks show, then check them in FORMAT (plain, json, folded).
run_stacks() {
	local src=$1 fmt=$2 pat
	shift 2
	ecc_build "$src"
	ecli_start "$@" "$PKG"
	"$TARGET" getppid &
	TPID=$!
	case $fmt in
	plain) pat="stacktarget +\\($TPID\\)" ;;
	json) pat="\"pid\":$TPID," ;;
	folded) pat="^stacktarget;.*;gamma;" ;;
	esac
	wait_for "$OUT" "$pat" 30
	# symbols are read while the target lives: stop ecli first
	ecli_stop
	python3 "$DATA/check.py" "$fmt" "$OUT" "$TPID"
	assert_no_prog on_getppid
}

@test "stacks: inline bpf_get_stack arrays (@intepreter), plain" {
	run_stacks "$DATA/inline.bpf.c" plain
	# the event's other fields are not printed as a table row in this form
	run ! grep -q "^TIME" "$OUT"
}

@test "stacks: inline arrays, JSON frames {addr, sym, offset, module, file, line}" {
	run_stacks "$DATA/inline.bpf.c" json -j
}

@test "stacks: inline arrays, --folded" {
	run_stacks "$DATA/inline.bpf.c" folded --folded
}

@test "stacks: bpf_get_stackid ids looked up in the one stack map, plain" {
	run_stacks "$DATA/stackid.bpf.c" plain
}

@test "stacks: stack ids, JSON" {
	run_stacks "$DATA/stackid.bpf.c" json -j
	# the ids themselves are kept beside the frames
	json_match "$OUT" "e['kstack_id'] >= 0 and e['ustack_id'] >= 0"
}

@test "stacks: stack ids, --folded" {
	run_stacks "$DATA/stackid.bpf.c" folded --folded
}

@test "stacks: the annotation spelled @interpreter works too" {
	mkdir -p "$BATS_TEST_TMPDIR/src"
	sed 's/@intepreter/@interpreter/' "$DATA/inline.bpf.c" >"$BATS_TEST_TMPDIR/src/inline.bpf.c"
	grep -q '@interpreter {"stack_trace"' "$BATS_TEST_TMPDIR/src/inline.bpf.c"
	run_stacks "$BATS_TEST_TMPDIR/src/inline.bpf.c" folded --folded
}

@test "stacks: ecc carries the annotation into the package" {
	ecc_build "$DATA/inline.bpf.c"
	python3 - "$PKG" <<'PY'
import json, sys
meta = json.load(open(sys.argv[1]))["meta"]
ev = [m for m in meta["bpf_skel"]["maps"] if m["name"] == "events"][0]
st = ev["intepreter"]["stack_trace"]
assert st["with_symbols"] is True and st["field_map"]["pid"] == "pid", ev
PY
}

@test "stacks: with_symbols false leaves the fields as numbers" {
	mkdir -p "$BATS_TEST_TMPDIR/src"
	sed 's/"with_symbols": true/"with_symbols": false/' "$DATA/inline.bpf.c" \
		>"$BATS_TEST_TMPDIR/src/inline.bpf.c"
	ecc_build "$BATS_TEST_TMPDIR/src/inline.bpf.c"
	ecli_start -j "$PKG"
	"$TARGET" getppid &
	TPID=$!
	wait_for "$OUT" "\"pid\":$TPID," 30
	ecli_stop
	json_match "$OUT" "e['pid'] == $TPID and isinstance(e['ustack'], list)"
	json_none "$OUT" "'user_stack' in e"
}

@test "stacks: two stack maps and no annotation: ids stay numbers, with a warning" {
	mkdir -p "$BATS_TEST_TMPDIR/src"
	python3 - "$DATA/stackid.bpf.c" "$BATS_TEST_TMPDIR/src/stackid.bpf.c" <<'PY'
import sys
s = open(sys.argv[1]).read()
extra = s[s.index("struct {\n\t__uint(type, BPF_MAP_TYPE_STACK_TRACE);"):s.index("} stacks SEC")]
s = s.replace("SEC(\"tracepoint", extra + "} stacks2 SEC(\".maps\");\n\nSEC(\"tracepoint", 1)
s = s.replace("e->ustack_id = bpf_get_stackid(ctx, &stacks,", "e->ustack_id = bpf_get_stackid(ctx, &stacks2,")
open(sys.argv[2], "w").write(s)
PY
	ecc_build "$BATS_TEST_TMPDIR/src/stackid.bpf.c"
	ecli_start -j "$PKG"
	grep -q "several stack trace maps" "$ERR"
	"$TARGET" getppid &
	TPID=$!
	wait_for "$OUT" "\"pid\":$TPID," 30
	ecli_stop
	json_none "$OUT" "'user_stack' in e"
}

@test "stacks: ecc refuses a malformed stack_trace annotation, naming it" {
	# no kernel needed, but setup() skips without root: fine on CI (root)
	mkdir -p "$BATS_TEST_TMPDIR/src"
	sed 's/"with_symbols": true/"with_symbols": "yes"/' "$DATA/inline.bpf.c" \
		>"$BATS_TEST_TMPDIR/src/inline.bpf.c"
	run "$ECC" "$BATS_TEST_TMPDIR/src/inline.bpf.c" -o "$BATS_TEST_TMPDIR/out"
	[ "$status" -eq 1 ]
	[[ "$output" == *"events.intepreter.stack_trace.with_symbols: expected true or false"* ]]
	sed 's/"pid": "pid"/"pid": 3/' "$DATA/inline.bpf.c" >"$BATS_TEST_TMPDIR/src/inline.bpf.c"
	run "$ECC" "$BATS_TEST_TMPDIR/src/inline.bpf.c" -o "$BATS_TEST_TMPDIR/out"
	[ "$status" -eq 1 ]
	[[ "$output" == *'field_map: "pid" must name a member'* ]]
}
