#!/usr/bin/env bats
# End-to-end tests of the loader's output (loader/output.c, decoder.c, hist.c) through ecli:
# a ring buffer and a perf event array with different event structs, a log2 histogram and a
# key/value sampled map (tests/data/output/output.bpf.c), fed by exec of a binary with a
# per-test name so that only this test's processes are reported.

load "${EUNOMIA_ROOT:-$BATS_TEST_DIRNAME/../..}/tests/lib/common"

setup_file() {
	[ "$(id -u)" -eq 0 ] || return 0
	"$EUNOMIA_ROOT/scripts/setup.sh" mounts >/dev/null 2>&1 || true
	export OUTPUT_PKG_DIR=$BATS_FILE_TMPDIR/output
	mkdir -p "$OUTPUT_PKG_DIR"
	"$ECC" "$EUNOMIA_ROOT/tests/data/output/output.bpf.c" -o "$OUTPUT_PKG_DIR" \
		>"$OUTPUT_PKG_DIR/ecc.log" 2>&1 || true
	export FLOOD_PKG_DIR=$BATS_FILE_TMPDIR/flood
	mkdir -p "$FLOOD_PKG_DIR"
	"$ECC" "$EUNOMIA_ROOT/tests/data/output/flood.bpf.c" -o "$FLOOD_PKG_DIR" \
		>"$FLOOD_PKG_DIR/ecc.log" 2>&1 || true
}

setup() {
	need_root
	need_tracefs
	[ -f "$OUTPUT_PKG_DIR/package.json" ] || {
		cat "$OUTPUT_PKG_DIR/ecc.log" >&2
		false
	}
	PKG=$OUTPUT_PKG_DIR/package.json
	NAME=eo$(run_id)
	NAME=${NAME:0:15}
	BIN=$BATS_TEST_TMPDIR/$NAME
	cp /bin/true "$BIN"
}

teardown() {
	teardown_ecli
}

# trigger: exec $BIN once; sets CHILD to its pid.
trigger() {
	"$BIN" &
	CHILD=$!
	wait "$CHILD"
}

# edit_meta PYTHON-EXPR-STATEMENTS: write a modified copy of the package to $PKG2.
edit_meta() {
	PKG2=$BATS_TEST_TMPDIR/edited.json
	python3 - "$PKG" "$PKG2" "$1" <<'PY'
import json, sys
src, dst, code = sys.argv[1:4]
doc = json.load(open(src))
meta = doc["meta"]
exec(code)
json.dump(doc, open(dst, "w"))
PY
}

@test "output: JSON events from a ring buffer and a perf array, each with its own type" {
	ecli_start -j "$PKG" --target_comm "$NAME"
	trigger
	wait_for "$OUT" '"n":42'
	wait_for "$OUT" '"kind":"KIND_EXEC\(7\)"'
	ecli_stop
	[ "$ECLI_STATUS" -eq 0 ]
	# ring buffer: struct event
	json_has "$OUT" pid "^$CHILD\$"
	json_has "$OUT" ppid "^$BASHPID\$"
	json_has "$OUT" comm "^$NAME\$"
	json_has "$OUT" seq '^0$'
	json_has "$OUT" is_exec '^True$'
	json_has "$OUT" tag '^\[222, 173, 0, 7\]$'
	grep -Eq "^\{\"pid\":$CHILD,\"ppid\":$BASHPID,\"comm\":\"$NAME\",\"seq\":0,\"kind\":\"KIND_EXEC\(7\)\",\"is_exec\":true,\"tag\":\[222,173,0,7\]\}\$" "$OUT"
	# perf event array: struct pevent
	grep -Eq "^\{\"pid\":$CHILD,\"n\":42,\"comm\":\"$NAME\"\}\$" "$OUT"
	# every stdout line is JSON; no log line leaked into stdout
	python3 -c 'import json,sys; [json.loads(l) for l in open(sys.argv[1]) if l.strip()]' "$OUT"
	assert_no_prog eo_output_exec
}

@test "output: plain rows under one header per export type" {
	ecli_start "$PKG" --target_comm "$NAME"
	trigger
	local first=$CHILD
	trigger
	wait_for "$OUT" "^[0-9:]{8} $CHILD +42 +$NAME\$"
	wait_for "$OUT" "^[0-9:]{8} $CHILD +$BASHPID +$NAME +1 +KIND_EXEC\(7\) +true +\[222,173,0,7\]\$"
	ecli_stop
	[ "$ECLI_STATUS" -eq 0 ]
	grep -Eq "^[0-9]{2}:[0-9]{2}:[0-9]{2} $first +$BASHPID +$NAME +0 +KIND_EXEC\(7\) +true +\[222,173,0,7\]\$" "$OUT"
	[ "$(grep -c '^TIME     PID     PPID    COMM             SEQ          KIND   IS_EXEC TAG$' "$OUT")" -eq 1 ]
	[ "$(grep -c '^TIME     PID     N       COMM$' "$OUT")" -eq 1 ]
	# columns: each value padded to its header's width (PID is 6 wide, then one space)
	local ppid=$BASHPID # not inside $(...), where BASHPID is the subshell's
	grep -Eq "^[0-9:]{8} $(printf '%-7s' "$first") $(printf '%-7s' "$ppid") $NAME " "$OUT"
	run ! grep -q ' $' "$OUT"
}

@test "output: log2/linear histograms and key/value map in plain text; clear_map empties histograms" {
	ecli_start "$PKG" --target_comm "$NAME"
	trigger
	trigger
	wait_for "$OUT" '^KEY     VALUE$'
	wait_for "$OUT" '^1       2$'
	wait_for "$OUT" '^     pids                : count    distribution$'
	# two more intervals (the key/value map is printed each one): counts stays, the cleared
	# histogram does not come back
	local n0 _
	n0=$(grep -c '^1       2$' "$OUT")
	for _ in $(seq 1 300); do
		[ "$(grep -c '^1       2$' "$OUT")" -ge $((n0 + 2)) ] && break
		sleep 0.1
	done
	[ "$(grep -c '^1       2$' "$OUT")" -ge $((n0 + 2)) ]
	ecli_stop
	[ "$ECLI_STATUS" -eq 0 ]
	grep -q "^key = 1, comm = $NAME\$" "$OUT"
	# both pids fall in one or two log2 slots; the largest count has the full 40-star bar
	grep -Eq '^ +[0-9]+ -> [0-9]+ +: [12] +\|\*{20,40} *\|$' "$OUT"
	grep -Eq '^ +0 -> 1 +: 0 +\| {40}\|$' "$OUT"
	# printed once (twice if the two execs straddle an interval), not every interval
	local nh
	nh=$(grep -c '^     pids  .*distribution$' "$OUT")
	[ "$nh" -ge 1 ]
	[ "$nh" -le 2 ]
	[ "$(grep -c '^     step  .*distribution$' "$OUT")" -eq 2 ] # one per pid, then cleared
	[ "$(grep -c '^1       2$' "$OUT")" -ge 2 ]
	grep -Eq '^[0-9]{2}:[0-9]{2}:[0-9]{2}$' "$OUT"
	# linear_hist keyed by a struct, value a bare u32[8]: slot 3 += 2 and slot 5 += 1 per exec
	grep -A4 -x "pid = $CHILD, comm = $NAME" "$OUT" >"$BATS_TEST_TMPDIR/lin"
	diff -u - "$BATS_TEST_TMPDIR/lin" <<EOT
pid = $CHILD, comm = $NAME
     step          : count     distribution
        3          : 2        |****************************************|
        4          : 0        |                                        |
        5          : 1        |********************                    |
EOT
}

@test "output: per-CPU values are summed over CPUs; clear_map zeroes array entries" {
	need_cmd taskset
	[ "$(nproc)" -ge 2 ] || skip "needs 2 CPUs to spread the events"
	ecli_start "$PKG" --target_comm "$NAME"
	taskset -c 0 "$BIN"
	taskset -c 1 "$BIN"
	wait_for "$OUT" '^0       2$'
	local n
	n=$(grep -n '^0       2$' "$OUT" | head -1 | cut -d: -f1)
	# a later interval shows the entry cleared (array entries are zeroed, not deleted)
	wait_for "$OUT" '^0       0$' 3
	for _ in $(seq 1 30); do
		tail -n +"$n" "$OUT" | grep -q '^0       0$' && break
		sleep 0.1
	done
	ecli_stop
	[ "$ECLI_STATUS" -eq 0 ]
	tail -n +"$n" "$OUT" | grep -q '^0       0$'
	run ! grep -q 'printing only' "$ERR"
}

@test "output: sampled maps in JSON are {key, value} objects" {
	ecli_start -j "$PKG" --target_comm "$NAME"
	trigger
	wait_for "$OUT" '^\{"key":1,"value":1\}$'
	wait_for "$OUT" "^\\{\"key\":1,\"value\":\\{\"slots\":\\[[0-9,]+\\],\"comm\":\"$NAME\"\\}\\}\$"
	ecli_stop
	[ "$ECLI_STATUS" -eq 0 ]
	python3 - "$OUT" <<'PY'
import json, sys
hist = [o for o in map(json.loads, open(sys.argv[1])) if isinstance(o.get("value"), dict) and "slots" in o["value"]]
assert len(hist) == 1, hist
assert len(hist[0]["value"]["slots"]) == 32 and sum(hist[0]["value"]["slots"]) == 1, hist
PY
}

@test "output: raw mode prints every record as hex" {
	ecli_start -r "$PKG" --target_comm "$NAME"
	trigger
	local hexpid
	hexpid=$(python3 -c "import struct,sys; print(struct.pack('<i', int(sys.argv[1])).hex())" "$CHILD")
	wait_for "$OUT" "^[0-9:]{8} events 48 $hexpid"
	wait_for "$OUT" "^[0-9:]{8} pevents [0-9]+ ${hexpid}2a000000"
	ecli_stop
	[ "$ECLI_STATUS" -eq 0 ]
}

@test "output: export type that does not match the object's BTF is refused" {
	edit_meta 'meta["export_types"][0]["type_id"] = 1'
	run "$ECLI" run "$PKG2" --target_comm "$NAME"
	[ "$status" -eq 1 ]
	echo "$output" | grep -q "export type 'event'"
	echo "$output" | grep -q "rebuild"
	edit_meta 'meta["export_types"][1]["members"].pop()'
	run "$ECLI" run "$PKG2" --target_comm "$NAME"
	[ "$status" -eq 1 ]
	echo "$output" | grep -q "export type 'pevent' lists 2 members but BTF 'struct pevent' has 3"
	assert_no_prog eo_output_exec
}

@test "output: a package without export types prints records as hex" {
	edit_meta '
meta["export_types"] = []
for m in meta["bpf_skel"]["maps"]:
    m.pop("export_config", None)'
	ecli_start "$PKG2" --target_comm "$NAME"
	trigger
	local hexpid
	hexpid=$(python3 -c "import struct,sys; print(struct.pack('<i', int(sys.argv[1])).hex())" "$CHILD")
	wait_for "$OUT" "^[0-9:]{8} events 48 $hexpid"
	ecli_stop
	[ "$ECLI_STATUS" -eq 0 ]
	grep -q "map 'events': the package has no export types" "$ERR"
	# JSON: the bytes as a hex string
	ecli_start -j "$PKG2" --target_comm "$NAME"
	trigger
	hexpid=$(python3 -c "import struct,sys; print(struct.pack('<i', int(sys.argv[1])).hex())" "$CHILD")
	wait_for "$OUT" "^\{\"map\":\"pevents\",\"size\":[0-9]+,\"data\":\"${hexpid}2a000000[0-9a-f]*\"\}\$"
	ecli_stop
	[ "$ECLI_STATUS" -eq 0 ]
}

@test "output: lost perf events are counted and reported on stderr" {
	# one page per CPU, and a stopped reader: the perf buffer overflows
	edit_meta 'meta["perf_buffer_pages"] = 1'
	ecli_start "$PKG2" --target_comm "$NAME"
	kill -STOP "$ECLI_PID"
	local _
	for _ in $(seq 1 1000); do
		"$BIN"
	done
	kill -CONT "$ECLI_PID"
	# the kernel writes its LOST record with the next event that finds room (once ecli has
	# drained the buffer): exec again, paced, until the loss is reported (up to 30 s)
	for _ in $(seq 1 100); do
		trigger
		grep -Eq 'lost [0-9]+ events on CPU [0-9]+' "$ERR" && break
		sleep 0.3
	done
	wait_for "$ERR" 'lost [0-9]+ events on CPU [0-9]+' 10
	ecli_stop
	[ "$ECLI_STATUS" -eq 0 ]
	# what was not lost was still decoded
	grep -Eq "^[0-9:]{8} [0-9]+ +42 +$NAME\$" "$OUT"
}

# flood MODE-OPTS...: ecli on the flood package for a python process that calls getppid()
# FLOOD_N times once released; waits until all FLOOD_N events are printed.
FLOOD_N=200000
flood() {
	[ -f "$FLOOD_PKG_DIR/package.json" ] || {
		cat "$FLOOD_PKG_DIR/ecc.log" >&2
		false
	}
	local fifo=$BATS_TEST_TMPDIR/go pidfile=$BATS_TEST_TMPDIR/flooder.pid _
	mkfifo "$fifo"
	# (under bats $! is a subshell, not python: python reports its own pid)
	python3 -c 'import os, sys
open(sys.argv[3], "w").write(str(os.getpid()))
open(sys.argv[1]).read()
for _ in range(int(sys.argv[2])):
    os.getppid()' "$fifo" "$FLOOD_N" "$pidfile" &
	local bg=$!
	for _ in $(seq 1 100); do
		[ -s "$pidfile" ] && break
		sleep 0.1
	done
	FLOODER=$(cat "$pidfile")
	# --no-dump: the exact event lines and nothing else (the .bss counter is not asked for)
	if ! ecli_start --no-dump "$@" "$FLOOD_PKG_DIR/package.json" --target_pid "$FLOODER"; then
		echo go >"$fifo" # release the flooder so that nothing is left behind
		wait "$bg"
		false
	fi
	echo go >"$fifo"
	wait "$bg"
	for _ in $(seq 1 300); do
		[ "$(grep -c '' "$OUT")" -ge "$FLOOD_N" ] && break
		sleep 0.1
	done
	ecli_stop
	[ "$ECLI_STATUS" -eq 0 ]
}

@test "output: a flood of ring-buffer events arrives complete, in order and exact (JSON)" {
	flood -j
	# every line exactly as formatted by hand, seq 0..N-1 in order, nothing else
	awk -v pid="$FLOODER" -v n="$FLOOD_N" '
		{ want = sprintf("{\"pid\":%d,\"neg_ok\":1,\"neg\":%s,\"seq\":%d,\"comm\":\"python3\"}",
				 pid, NR == 1 ? "0" : "-" (NR - 1), NR - 1)
		  if ($0 != want) { print "line " NR ": " $0 " != " want; exit 1 } }
		END { if (NR != n) { print NR " lines, want " n; exit 1 } }' "$OUT"
}

@test "output: a flood of ring-buffer events arrives complete, in order and exact (plain)" {
	flood
	[ "$(head -1 "$OUT")" = "TIME     PID     NEG_OK  NEG          SEQ          COMM" ]
	awk -v pid="$FLOODER" -v n="$FLOOD_N" '
		NR > 1 { neg = NR == 2 ? "0" : "-" (NR - 2)
		  want = sprintf("%-7d %-7d %-12s %-12d python3", pid, 1, neg, NR - 2)
		  if ($0 !~ /^[0-9][0-9]:[0-9][0-9]:[0-9][0-9] / || substr($0, 10) != want) {
			print "line " NR ": " $0 " != HH:MM:SS " want; exit 1 } }
		END { if (NR != n + 1) { print NR " lines, want " n + 1; exit 1 } }' "$OUT"
}
