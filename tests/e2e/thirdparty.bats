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
		grep -qxF "ecc: map 'events' carries 'struct wr_event'" "$(dirname "$PKG")/ecc.log"
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

# mapsonly_run ARGS...: run mapsonly for a child that writes 3 x 10 bytes to fd 1 and
# 2 x 1000 bytes to a file it opens (fd 3), then stop; OUT holds the exit dump.
mapsonly_run() {
	ecc_build "$DATA/mapsonly.bpf.c"
	GATE=$BATS_TEST_TMPDIR/gate.$RANDOM
	mkfifo "$GATE"
	(
		read -r _ <"$GATE"
		exec /usr/bin/python3 -S -B -c '
import os
os.closerange(3, 1024)  # inherited descriptors: the file below gets fd 3
for _ in range(3):
    os.write(1, b"x" * 10)
fd = os.open(os.devnull, os.O_WRONLY)
assert fd == 3, fd
for _ in range(2):
    os.write(fd, b"y" * 1000)
' >/dev/null
	) &
	CHILD=$!
	ecli_start "$@" "$PKG" --targ_pid "$CHILD"
	echo go >"$GATE"
	wait "$CHILD"
	ecli_stop
}

@test "thirdparty: maps and globals without annotations are printed at exit (histogram by comm, table by value, .bss)" {
	mapsonly_run
	cat "$OUT"
	/usr/bin/python3 - "$OUT" <<'PY'
import re, sys
text = open(sys.argv[1]).read()
# the histogram, headed by its decoded key, with 3 writes in 8..15 and 2 in 512..1023
h = text.split("map hists:\n", 1)[1].split("\n\n", 1)[0]
assert h.startswith("comm = python3\n"), h
rows = {m.group(1): int(m.group(2)) for m in re.finditer(r"^\s*(\d+ -> \d+)\s*: (\d+)", h, re.M)}
assert rows["8 -> 15"] == 3 and rows["512 -> 1023"] == 2, rows
assert sum(rows.values()) == 5, rows
# the counter table, largest value first
t = text.split("map writes_by_fd:\n", 1)[1].split("\n\n", 1)[0].splitlines()
assert t[0].split() == ["KEY", "VALUE"], t
assert [l.split() for l in t[1:]] == [["1", "3"], ["3", "2"]], t
# the .bss array and nothing for the untouched map or the zero global
assert re.search(r"^bytes_by_fd = \[0,30,0,2000,0,0,0,0\]$", text, re.M), text
assert "never_written" not in text and "unused_counter" not in text, text
PY
}

@test "thirdparty: the exit dump in JSON, and --no-dump" {
	mapsonly_run -j
	/usr/bin/python3 - "$OUT" <<'PY'
import json, sys
objs = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
by = {}
for o in objs:
    by.setdefault(o["map"], []).append(o)
h = by["hists"]
assert len(h) == 1 and h[0]["key"]["comm"] == "python3", h
slots = h[0]["value"]["slots"]
assert slots[3] == 3 and slots[9] == 2 and sum(slots) == 5, slots
assert [(o["key"], o["value"]) for o in by["writes_by_fd"]] == [(1, 3), (3, 2)], by
bss = [o for o in objs if o.get("var") == "bytes_by_fd"]
assert len(bss) == 1 and bss[0]["value"] == [0, 30, 0, 2000, 0, 0, 0, 0], bss
assert "never_written" not in by and not [o for o in objs if o.get("var") == "unused_counter"]
PY
	mapsonly_run -j --no-dump
	[ ! -s "$OUT" ]
}

@test "thirdparty: records decode with the one export type of their size, with one warning" {
	ecc_build "$DATA/sizepick.bpf.c" "$DATA/sizepick.h"
	[ "$(export_names "$PKG")" = sp_args,sp_event ]
	GATE=$BATS_TEST_TMPDIR/gate
	mkfifo "$GATE"
	(
		read -r _ <"$GATE"
		exec /usr/bin/python3 -S -c 'import os; [os.getppid() for _ in range(3)]'
	) &
	CHILD=$!
	ecli_start -j "$PKG" --targ_pid "$CHILD"
	echo go >"$GATE"
	wait "$CHILD"
	wait_for "$OUT" "\"pid\": ?$CHILD[,}]"
	ecli_stop
	json_match "$OUT" "e['pid'] == $CHILD and e['magic'] == 4242 and e['comm'] == 'python3'"
	[ "$(grep -c "records are 24 bytes, not the 8 of 'struct sp_args'; decoding them as 'struct sp_event'" "$ERR")" -eq 1 ]
}

@test "thirdparty: the plain header prints when the tool starts; columns are as wide as their types" {
	# no event will come (pid 1 never opens a file here): the header is there all the same
	ecc_build "$DATA/tpvariants.bpf.c"
	ecli_start "$PKG" --targ_pid 1
	wait_for "$OUT" '^TIME     PID     VARIANT$'
	ecli_stop
	[ "$(wc -l <"$OUT")" -eq 1 ]
	# an event row lines up under it: the pid column is 7 wide whatever the pid
	exec_child
	ecli_start "$PKG" --targ_pid "$CHILD"
	release_child
	wait_for "$OUT" "^[0-9:]{8} $(printf '%-7s' "$CHILD") 1\$"
	ecli_stop
}
