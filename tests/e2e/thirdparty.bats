#!/usr/bin/env bats
# Third-party CO-RE tools compiled unchanged, with their own headers: ecc exports the struct
# that is really submitted, and the loader decodes it (fixtures in tests/data/thirdparty/).

load ../lib/common
load ../data/e2e/helpers

DATA=$EUNOMIA_ROOT/tests/data/thirdparty

setup() {
	need_root
	need_tracefs
}

teardown() {
	teardown_ecli
	if [ -n "${CHILD:-}" ]; then
		kill "$CHILD" 2>/dev/null || true
		wait "$CHILD" 2>/dev/null || true
	fi
}

# Header blocks of wrapsnoop.h; the test writes them in several orders.
block_args='struct wr_args { const char *fname; int flags; };'
block_key='struct wr_key { __u32 tid; };'
block_event='struct wr_event { int magic; int pid; int flags; char comm[16]; char fname[64]; };'
block_other='struct wr_unused { long long a, b, c, d, e, f; };'

# write_header DIR BLOCK...: DIR/wrapsnoop.h holding the blocks in that order.
write_header() {
	local dir=$1
	shift
	{
		echo '#ifndef WRAPSNOOP_H'
		echo '#define WRAPSNOOP_H'
		printf '%s\n' "$@"
		echo '#endif'
	} >"$dir/wrapsnoop.h"
}

# export_names PKG: the export_types names, comma-separated.
export_names() {
	/usr/bin/python3 -c 'import json,sys; m=json.load(open(sys.argv[1]))["meta"]; print(",".join(t["name"] for t in m.get("export_types",[])))' "$1"
}

@test "thirdparty: the struct submitted through void* wrappers is the event, whatever the header's order" {
	local order dir n=0 file gate
	for order in "args key event" "event args key other" "key other args event" "event key args"; do
		n=$((n + 1))
		dir=$BATS_TEST_TMPDIR/o$n
		mkdir -p "$dir"
		cp "$DATA/wrapsnoop.bpf.c" "$dir/"
		local blocks=()
		for b in $order; do
			case $b in
			args) blocks+=("$block_args") ;;
			key) blocks+=("$block_key") ;;
			event) blocks+=("$block_event") ;;
			other) blocks+=("$block_other") ;;
			esac
		done
		write_header "$dir" "${blocks[@]}"
		ecc_build "$dir/wrapsnoop.bpf.c" "$dir/wrapsnoop.h"
		[ "$(export_names "$PKG")" = wr_event ] || {
			echo "order '$order': exported $(export_names "$PKG")" >&2
			false
		}
	done

	# the last package runs: open a known file from a child and decode its event
	file=$BATS_TEST_TMPDIR/wrapsnoop-$(run_id).txt
	echo x >"$file"
	gate=$BATS_TEST_TMPDIR/gate
	mkfifo "$gate"
	(
		read -r _ <"$gate"
		: <"$file"
	) &
	CHILD=$!
	ecli_start -j "$PKG" --targ_pid "$CHILD"
	echo go >"$gate"
	wait "$CHILD"
	wait_for "$OUT" "wrapsnoop-$(run_id)"
	ecli_stop
	/usr/bin/python3 - "$OUT" "$CHILD" "$file" <<'PY'
import json, sys
out, pid, fname = sys.argv[1], int(sys.argv[2]), sys.argv[3]
evs = [json.loads(l) for l in open(out) if l.strip()]
mine = [e for e in evs if e.get("fname") == fname[:63]]
assert mine, evs
e = mine[0]
assert e["magic"] == 0x5eed, e
assert e["pid"] == pid, e
assert e["comm"] == "bash", e
assert e["flags"] == 0, e
PY
}

# exec_child: a child that execs /bin/true once released; sets CHILD and GATE.
exec_child() {
	GATE=$BATS_TEST_TMPDIR/gate.$RANDOM
	mkfifo "$GATE"
	(
		read -r _ <"$GATE"
		exec /bin/true
	) &
	CHILD=$!
}

release_child() {
	echo go >"$GATE"
	wait "$CHILD"
}

@test "thirdparty: tp_btf is preferred over raw_tp and tp; the type probe does not veto it" {
	ecc_build "$DATA/tpvariants.bpf.c"
	exec_child
	ecli_start -j "$PKG" --targ_pid "$CHILD"
	grep -q "prog 'exec_raw_tp' (raw_tp/sched_process_exec): not used, variant 'exec_tp_btf'" "$ERR"
	grep -q "prog 'exec_tp' (tp/sched/sched_process_exec): not used, variant 'exec_tp_btf'" "$ERR"
	release_child
	wait_for "$OUT" "\"pid\": ?$CHILD[,}]"
	ecli_stop
	json_match "$OUT" "e['pid'] == $CHILD and e['variant'] == 1"
	json_none "$OUT" "e['variant'] != 1"
}

@test "thirdparty: a variant the verifier rejects gives way to the next one (raw_tp -> tp)" {
	ecc_build "$DATA/tpvariants.bpf.c"
	exec_child
	ecli_start -j --disable exec_tp_btf "$PKG" --targ_pid "$CHILD"
	grep -q "prog 'exec_raw_tp' (raw_tp/sched_process_exec): the kernel verifier rejected it: .*invalid mem access.*; its variant 'exec_tp' (tp/sched/sched_process_exec) runs instead" "$ERR"
	grep -q "running exec_tp; left out: exec_raw_tp" "$ERR"
	release_child
	wait_for "$OUT" "\"pid\": ?$CHILD[,}]"
	ecli_stop
	json_match "$OUT" "e['pid'] == $CHILD and e['variant'] == 3"
	json_none "$OUT" "e['variant'] != 3"
	assert_no_prog exec_raw_tp
}

@test "thirdparty: a refused variant under --strict fails the run with the verifier's reason" {
	ecc_build "$DATA/tpvariants.bpf.c"
	run "$ECLI" run --strict --disable exec_tp_btf -d 1 "$PKG"
	echo "$output"
	[ "$status" -eq 1 ]
	[[ "$output" == *"prog 'exec_raw_tp' (raw_tp/sched_process_exec): the kernel verifier rejected it"* ]]
	[[ "$output" != *Running* ]]
	assert_no_prog exec_raw_tp exec_tp
}

@test "thirdparty: a refused fentry program without a variant is dropped with one warning; the rest runs" {
	trampoline_probe
	[ "$TRAMP" -eq 1 ] || skip "this kernel loads fentry programs: nothing is refused"
	ecc_build "$DATA/dropfentry.bpf.c"
	GATE=$BATS_TEST_TMPDIR/gate
	mkfifo "$GATE"
	(
		read -r _ <"$GATE"
		exec /usr/bin/python3 -c 'import os; import tempfile; f = tempfile.TemporaryFile(); os.fsync(f.fileno())'
	) &
	CHILD=$!
	ecli_start -j "$PKG" --targ_pid "$CHILD"
	[ "$(grep -c "prog 'sync_fentry_only'" "$ERR")" -eq 1 ]
	grep -q "prog 'sync_fentry_only' (fentry/vfs_fsync_range): left out: .*refuses fentry/fexit/lsm programs; the other programs run" "$ERR"
	grep -q "running fsync_tp; left out: sync_fentry_only" "$ERR"
	echo go >"$GATE"
	wait "$CHILD"
	wait_for "$OUT" "\"pid\": ?$CHILD[,}]"
	ecli_stop
	json_match "$OUT" "e['pid'] == $CHILD and e['source'] == 2"
	run "$ECLI" run --strict -d 1 "$PKG"
	[ "$status" -eq 1 ]
	[[ "$output" == *"refuses fentry/fexit/lsm programs"* ]]
	[[ "$output" != *Running* ]]
}
