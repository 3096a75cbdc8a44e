#!/usr/bin/env bats
# End-to-end tests of the loader through `ecli run` on the real kernel: tracepoint + ring
# buffer events, tool flags, output formats, exit paths and cleanup, load/attach failures,
# variant selection and map defaults, concurrent teardown of many links, and the runner's use of
# the minimal-BTF cache (a bad entry falls back to the kernel BTF). Programs:
# tests/data/e2e/*.bpf.c.

load ../lib/common
load ../data/e2e/helpers

setup() {
	need_root
	need_tracefs
}

teardown() {
	teardown_ecli
}

# Exec /bin/true as a child of this test shell (not a $(...) subshell); sets p to its pid.
exec_true() {
	/bin/true &
	p=$!
	wait "$p"
}

# ndjson_event FILE FIELD VALUE: print the first JSON event whose FIELD equals VALUE.
ndjson_event() {
	python3 - "$@" <<'PY'
import json, sys
path, field, value = sys.argv[1:4]
for line in open(path):
    try:
        o = json.loads(line)
    except ValueError:
        continue
    if str(o.get(field)) == value:
        print(json.dumps(o))
        sys.exit(0)
sys.exit(1)
PY
}

@test "tracepoint + ring buffer: pid, ppid, comm, filename decoded; rodata flag echoed (-j)" {
	pkg=$(e2e_build exec "$E2E_DATA/exec.h")
	ecli_start -j "$pkg" --target_ppid "$BASHPID" --tag 4242
	exec_true
	wait_for "$OUT" "\"pid\": ?${p}[,}]"
	ev=$(ndjson_event "$OUT" pid "$p")
	echo "event: $ev"
	python3 - "$ev" "$BASHPID" <<'PY'
import json, sys
e = json.loads(sys.argv[1])
assert e["comm"] == "true", e
assert e["filename"] == "/bin/true", e
assert e["ppid"] == int(sys.argv[2]), e
assert e["tag"] == 4242, e
PY
	# every line on stdout is a JSON object (NDJSON), nothing else
	python3 -c 'import json,sys; [json.loads(l) for l in open(sys.argv[1]) if l.strip()]' "$OUT"
	# the ppid filter (a rodata flag) keeps out execs whose parent is not this shell:
	# a grandchild (/bin/echo run by a child sh) must not be reported
	sh -c '/bin/echo grandchild >/dev/null; :' &
	gp=$!
	wait "$gp"
	/bin/true &
	p2=$!
	wait "$p2"
	wait_for "$OUT" "\"pid\": ?${p2}[,}]"
	json_match "$OUT" "e['pid'] == $gp"
	json_none "$OUT" "e['ppid'] == $gp"
	ecli_stop
	[ "$ECLI_STATUS" -eq 0 ]
}

@test "plain output: bcc-style header once, rows start with HH:MM:SS, strings unquoted" {
	pkg=$(e2e_build exec "$E2E_DATA/exec.h")
	ecli_start "$pkg" --target_ppid "$BASHPID" --tag 7
	exec_true
	wait_for "$OUT" "^[0-9]{2}:[0-9]{2}:[0-9]{2} +$p "
	ecli_stop
	[ "$ECLI_STATUS" -eq 0 ]
	cat "$OUT"
	head -n1 "$OUT" | grep -Eq '^TIME     PID     PPID    TAG     COMM             FILENAME *$'
	[ "$(grep -c '^TIME ' "$OUT")" -eq 1 ]
	grep -Eq "^[0-9]{2}:[0-9]{2}:[0-9]{2} +$p +$BASHPID +7 +true +/bin/true *\$" "$OUT"
}

@test "a package built by hand to the public eunomia-bpf format runs unchanged" {
	pkg=$(e2e_handbuilt exec --export event)
	# the document has exactly the public keys
	python3 - "$pkg" <<'PY'
import base64, json, sys, zlib
d = json.load(open(sys.argv[1]))
assert sorted(d) == ["bpf_object", "bpf_object_size", "meta"], sorted(d)
assert len(zlib.decompress(base64.b64decode(d["bpf_object"]))) == d["bpf_object_size"]
assert d["meta"]["bpf_skel"]["obj_name"] == "exec_bpf"
PY
	ecli_start -j "$pkg" --target_ppid "$BASHPID" --tag 99
	exec_true
	wait_for "$OUT" "\"pid\": ?${p}[,}]"
	ev=$(ndjson_event "$OUT" pid "$p")
	python3 -c 'import json,sys; e=json.loads(sys.argv[1]); assert e["comm"]=="true" and e["tag"]==99 and e["filename"]=="/bin/true", e' "$ev"
	ecli_stop
	[ "$ECLI_STATUS" -eq 0 ]
}

@test "SIGTERM: exit 0 and every program is gone" {
	pkg=$(e2e_build exec "$E2E_DATA/exec.h")
	ecli_start "$pkg" --target_ppid "$BASHPID"
	ids=$(prog_ids e2e_exec)
	[ -n "$ids" ]
	kill -TERM "$ECLI_PID"
	st=0
	wait "$ECLI_PID" || st=$?
	ECLI_PID=
	[ "$st" -eq 0 ]
	# shellcheck disable=SC2086
	assert_ids_gone $ids
}

@test "SIGINT: exit 0 and every program is gone" {
	pkg=$(e2e_build exec "$E2E_DATA/exec.h")
	ecli_start "$pkg" --target_ppid "$BASHPID"
	ids=$(prog_ids e2e_exec)
	[ -n "$ids" ]
	ecli_stop
	[ "$ECLI_STATUS" -eq 0 ]
	# shellcheck disable=SC2086
	assert_ids_gone $ids
}

@test "--duration: stops by itself with exit 0" {
	pkg=$(e2e_build exec "$E2E_DATA/exec.h")
	start=$(date +%s%N)
	run "$ECLI" run -d 0.5 "$pkg" --target_ppid "$BASHPID"
	end=$(date +%s%N)
	echo "$output"
	[ "$status" -eq 0 ]
	[[ "$output" == *Running* ]]
	[ $(((end - start) / 1000000)) -lt 5000 ]
	assert_no_prog e2e_exec
}

@test "verifier rejection: program name and verifier log tail shown, exit 1" {
	pkg=$(e2e_build verifier)
	run "$ECLI" run -d 1 "$pkg"
	echo "$output"
	[ "$status" -eq 1 ]
	[[ "$output" == *"prog 'e2e_bad_read'"*"the kernel verifier rejected it"* ]]
	[[ "$output" == *"invalid access to map value"* ]]
	[[ "$output" == *"--disable e2e_bad_read"* ]]
	[[ "$output" != *Running* ]]
	assert_no_prog e2e_bad_read
}

@test "kprobe: attach refused with a clear message, exit 1, nothing left loaded" {
	if [ -e /sys/bus/event_source/devices/kprobe ] || [ -e /sys/kernel/tracing/kprobe_events ]; then
		skip "this kernel supports kprobes"
	fi
	pkg=$(e2e_build kprobe)
	run "$ECLI" run -d 1 "$pkg"
	echo "$output"
	[ "$status" -eq 1 ]
	[[ "$output" == *"prog 'e2e_kp_unlinkat'"*"kprobe/do_unlinkat"* ]]
	[[ "$output" == *"no kprobe support"* ]]
	[[ "$output" == *"use a tracepoint variant"* ]]
	[[ "$output" != *Running* ]]
	assert_no_prog e2e_kp_unlinkat
}

@test "fentry: EPERM from the kernel is explained, exit 1" {
	trampoline_probe
	[ "$TRAMP" -eq 1 ] || skip "this kernel loads fentry programs (bpftool probe)"
	pkg=$(e2e_build fentry)
	run "$ECLI" run -d 0.3 "$pkg"
	echo "$output"
	[ "$status" -eq 1 ]
	[[ "$output" == *"prog 'e2e_fe_unlinkat'"* ]]
	[[ "$output" == *"refuses fentry/fexit/lsm programs"* ]]
	[[ "$output" == *"--disable e2e_fe_unlinkat"* ]]
	[[ "$output" != *ulimit* ]]
}

@test "variants: fentry + kprobe + tracepoint of one probe: only the accepted one runs" {
	trampoline_probe
	[ "$TRAMP" -eq 1 ] || skip "this kernel loads fentry programs (bpftool probe): fentry wins"
	if have_kprobes; then
		skip "this kernel has kprobes: the kprobe variant may win"
	fi
	pkg=$(e2e_build variants)
	ecli_start -j "$pkg" --target_ppid "$BASHPID"
	cat "$ERR"
	tp=$(prog_ids e2e_unlink_tp)
	[ -n "$tp" ]
	grep -q "prog 'e2e_unlink_fentry' (fentry/do_unlinkat): not used, variant 'e2e_unlink_tp'" "$ERR"
	grep -q "prog 'e2e_unlink_kprobe' (kprobe/do_unlinkat): not used" "$ERR"
	assert_no_prog e2e_unlink_fentry
	assert_no_prog e2e_unlink_kprobe
	f=$BATS_TEST_TMPDIR/victim
	touch "$f"
	rm "$f" &
	p=$!
	wait "$p"
	wait_for "$OUT" "\"pid\": ?${p}[,}]"
	json_match "$OUT" "e['pid'] == $p and e['variant'] == 3 and e['comm'] == 'rm'"
	json_none "$OUT" "e['variant'] != 3"
	ecli_stop
	[ "$ECLI_STATUS" -eq 0 ]
}

@test "maps left at 0 entries get a default with a notice; --max-entries sets it" {
	pkg=$(e2e_build maxent)
	run "$ECLI" run -d 0.2 "$pkg"
	echo "$output"
	[ "$status" -eq 0 ]
	[[ "$output" == *"map 'counts': max_entries defaulted to 10240"* ]]
	[[ "$output" == *"map 'stacks': value_size defaulted to 1016"* ]]

	ecli_start --max-entries 77 "$pkg"
	grep -q "map 'counts': max_entries defaulted to 77" "$ERR"
	id=$(prog_ids e2e_count_exec | awk '{print $1}')
	bpftool -j prog show id "$id" | python3 -c '
import json, subprocess, sys
p = json.load(sys.stdin)
for m in p["map_ids"]:
    d = json.loads(subprocess.run(["bpftool", "-j", "map", "show", "id", str(m)],
                                  capture_output=True, text=True).stdout)
    if d["name"] == "counts":
        assert d["max_entries"] == 77, d
        sys.exit(0)
sys.exit("map counts not found")'
	ecli_stop
	[ "$ECLI_STATUS" -eq 0 ]
}

@test "partial attach: runs with the attached programs and a warning" {
	pkg=$(e2e_build mixed)
	ecli_start "$pkg"
	grep -q "prog 'e2e_mix_kprobe': attach to kprobe/do_unlinkat failed" "$ERR"
	grep -q "1 program attached" "$ERR"
	[ -n "$(prog_ids e2e_mix_exec)" ]
	ecli_stop
	[ "$ECLI_STATUS" -eq 0 ]
}

@test "--strict: an attach failure halfway detaches what was attached, exit 1" {
	pkg=$(e2e_build mixed)
	run "$ECLI" run --strict -d 2 "$pkg"
	echo "$output"
	[ "$status" -eq 1 ]
	[[ "$output" == *"--strict is set; detaching everything"* ]]
	[[ "$output" != *Running* ]]
	assert_no_prog e2e_mix_exec
	assert_no_prog e2e_mix_kprobe
}

@test "--disable and --only select programs; unknown names are errors" {
	pkg=$(e2e_build mixed)
	run "$ECLI" run --disable e2e_mix_kprobe -d 0.2 "$pkg"
	echo "$output"
	[ "$status" -eq 0 ]
	[[ "$output" == *"1 program attached"* ]]
	[[ "$output" != *"attach to kprobe"* ]]

	run "$ECLI" run --only e2e_mix_exec -d 0.2 "$pkg"
	[ "$status" -eq 0 ]
	[[ "$output" == *"1 program attached"* ]]

	run "$ECLI" run --only no_such_prog -d 0.2 "$pkg"
	echo "$output"
	[ "$status" -eq 1 ]
	[[ "$output" == *"no program named 'no_such_prog'"*"e2e_mix_exec, e2e_mix_kprobe"* ]]
}

@test "--btf: an explicit BTF file is used; a missing one fails clearly" {
	need_cmd bpftool
	[ -r /sys/kernel/btf/vmlinux ] || skip "this kernel has no BTF"
	pkg=$(e2e_build exec "$E2E_DATA/exec.h")
	bpftool gen min_core_btf /sys/kernel/btf/vmlinux "$BATS_TEST_TMPDIR/min.btf" \
		"$(dirname "$pkg")/exec.bpf.o"
	# no cache: a cached minimal BTF would spare the kernel BTF whatever --btf does
	export EUNOMIA_NO_BTF_CACHE=1
	ecli_start -v -j --btf "$BATS_TEST_TMPDIR/min.btf" "$pkg" --target_ppid "$BASHPID"
	/bin/true &
	p=$!
	wait "$p"
	# CO-RE through the given BTF reads the real parent
	wait_json "$OUT" "e['pid'] == $p and e['ppid'] == $BASHPID"
	ecli_stop
	# libbpf relocated against the given file, never against the kernel's
	run ! grep -F "loading kernel BTF" "$ERR"

	run "$ECLI" run --btf "$BATS_TEST_TMPDIR/no-such.btf" -d 0.2 "$pkg"
	echo "$output"
	[ "$status" -eq 1 ]
	[[ "$output" == *"cannot read the BTF file $BATS_TEST_TMPDIR/no-such.btf: No such file"* ]]
	[[ "$output" != *Running* ]]
}

# link_ids PROG_ID...: ids of the bpf links of these programs (fails if bpftool fails: python
# then reads no JSON)
link_ids() {
	bpftool -j link show |
		python3 -c 'import json,sys; ids=set(map(int,sys.argv[1:])); print(" ".join(str(l["id"]) for l in json.load(sys.stdin) if l.get("prog_id") in ids))' "$@"
}

@test "teardown: 12 tracepoint links detached concurrently; none left when ecli exits" {
	pkg=$(e2e_build manytp)
	ecli_start "$pkg"
	grep -q "12 programs attached" "$ERR"
	ids=""
	for i in 01 02 03 04 05 06 07 08 09 10 11 12; do
		ids="$ids $(prog_ids manytp_$i)"
	done
	# shellcheck disable=SC2086
	links=$(link_ids $ids)
	echo "programs:$ids links: $links"
	[ "$(echo "$links" | wc -w)" -eq 12 ]
	start=$(date +%s%N)
	ecli_stop
	echo "SIGINT to exit: $((($(date +%s%N) - start) / 1000000)) ms"
	[ "$ECLI_STATUS" -eq 0 ]
	# links are gone as soon as ecli has exited (detach joins every closing thread)
	# shellcheck disable=SC2086
	left=$(link_ids $ids)
	[ -z "$left" ] || { echo "links still there: $left"; return 1; }
	# shellcheck disable=SC2086
	assert_ids_gone $ids
}

# bc_entry: path of the one minimal-BTF cache entry (waits for the background store)
bc_entry() {
	local _
	for _ in $(seq 1 300); do
		compgen -G "$EUNOMIA_BTF_CACHE_DIR/*/*.btf" >/dev/null && break
		sleep 0.1
	done
	compgen -G "$EUNOMIA_BTF_CACHE_DIR/*/*.btf"
}

@test "BTF cache: a corrupt entry falls back to the kernel BTF with a notice; flags still apply" {
	need_cmd bpftool
	[ -r /sys/kernel/btf/vmlinux ] || skip "this kernel has no BTF"
	export EUNOMIA_BTF_CACHE_DIR=$BATS_TEST_TMPDIR/btf-cache
	pkg=$(e2e_build exec "$E2E_DATA/exec.h")
	run "$ECLI" run -d 0.3 "$pkg"
	[ "$status" -eq 0 ]
	entry=$(bc_entry)
	[ -f "$entry" ]
	printf 'not a BTF at all' >"$entry"

	ecli_start -j "$pkg" --target_ppid "$BASHPID" --tag 77
	exec_true
	wait_for "$OUT" "\"pid\": ?${p}[,}]"
	ev=$(ndjson_event "$OUT" pid "$p")
	ecli_stop
	[ "$ECLI_STATUS" -eq 0 ]
	grep -q "cached minimal BTF .* failed; dropping that entry and loading with the kernel BTF" "$ERR"
	# the argument values set before the first load survive the second open
	python3 -c 'import json,sys; e=json.loads(sys.argv[1]); assert e["tag"]==77 and e["ppid"]==int(sys.argv[2]) and e["comm"]=="true", e' "$ev" "$BASHPID"
	# the entry is replaced by a "do not use" marker: the next run neither fails nor retries
	[ ! -e "$entry" ]
	[ -f "${entry%.btf}.none" ]
	run "$ECLI" run -v -d 0.3 "$pkg"
	[ "$status" -eq 0 ]
	[[ "$output" == *"loading kernel BTF '/sys/kernel/btf/vmlinux'"* ]]
	[[ "$output" != *"dropping that entry"* ]]
}

@test "BTF cache: --no-btf-cache neither reads nor fills it" {
	[ -r /sys/kernel/btf/vmlinux ] || skip "this kernel has no BTF"
	export EUNOMIA_BTF_CACHE_DIR=$BATS_TEST_TMPDIR/btf-cache
	pkg=$(e2e_build exec "$E2E_DATA/exec.h")
	run "$ECLI" run --no-btf-cache -v -d 0.3 "$pkg"
	[ "$status" -eq 0 ]
	[[ "$output" == *"loading kernel BTF '/sys/kernel/btf/vmlinux'"* ]]
	# positive control, started after it: without the option the same run fills another
	# cache directory; once that entry exists, a store the first run started would exist too
	EUNOMIA_BTF_CACHE_DIR=$BATS_TEST_TMPDIR/btf-cache-control run "$ECLI" run -d 0.3 "$pkg"
	[ "$status" -eq 0 ]
	for _ in $(seq 1 300); do
		compgen -G "$BATS_TEST_TMPDIR/btf-cache-control/*/*.btf" >/dev/null && break
		sleep 0.1
	done
	compgen -G "$BATS_TEST_TMPDIR/btf-cache-control/*/*.btf"
	[ ! -e "$EUNOMIA_BTF_CACHE_DIR" ]
	"$ECLI" run --help | grep -q -- --no-btf-cache
}
