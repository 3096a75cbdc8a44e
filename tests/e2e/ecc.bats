#!/usr/bin/env bats
# SPDX-License-Identifier: MIT
# ecc end to end: compile the fixtures in tests/data/ecc-e2e with the real clang and kernel BTF,
# check the packages with tests/lib/check-package, every error path with its message and exit
# code, and run one package with ecli on the real kernel.

load ../lib/common

DATA=$EUNOMIA_ROOT/tests/data/ecc-e2e
CHECK=$EUNOMIA_ROOT/tests/lib/check-package

setup() {
	# a missing ecc or clang is a broken build or set-up, not a reason to skip every test
	[ -x "$ECC" ] || { echo "ecc is not built ($ECC): run make O=$O" >&2; false; }
	command -v clang >/dev/null || { echo "clang is missing: run scripts/setup.sh deps" >&2; false; }
	[ -r /sys/kernel/btf/vmlinux ] || skip "no kernel BTF at /sys/kernel/btf/vmlinux"
	OUT=$BATS_TEST_TMPDIR/out
}

teardown() {
	teardown_ecli
}

@test "ecc: tracepoint + ringbuf with header -> valid package" {
	run "$ECC" "$DATA/execsnoop.bpf.c" "$DATA/execsnoop.h" -o "$OUT"
	[ "$status" -eq 0 ] || { echo "$output"; false; }
	[[ "$output" == *"ecc: compiling $DATA/execsnoop.bpf.c"* ]]
	[[ "$output" =~ ecc:\ wrote\ .*/package\.json\ \([0-9.]+\ (B|KiB)\) ]]
	[ -f "$OUT/execsnoop.bpf.o" ]
	[ -f "$OUT/execsnoop.skel.json" ]
	"$CHECK" "$OUT/package.json" --obj-name execsnoop_bpf --export event \
		--prog ecc_e2e_exec --prog ecc_e2e_exit --var target_pid --var min_uid
	# the skel file is the package's meta
	python3 - "$OUT" <<'PY'
import json, sys
d = sys.argv[1]
pkg = json.load(open(f"{d}/package.json"))
skel = json.load(open(f"{d}/execsnoop.skel.json"))
assert pkg["meta"] == skel, "skel.json differs from package meta"
bs = skel["bpf_skel"]
maps = {m["name"]: m for m in bs["maps"]}
assert maps["rb"]["ident"] == "rb" and "mmaped" not in maps["rb"], maps
ro = [m for m in bs["maps"] if m["ident"] == "rodata"][0]
assert ro["name"] == "execsnoo.rodata" and ro["mmaped"] is True, ro
progs = {p["name"]: p for p in bs["progs"]}
assert progs["ecc_e2e_exec"]["attach"] == "tp/sched/sched_process_exec", progs
assert all(p["link"] is True for p in bs["progs"])
vars_ = {v["name"]: v for s in bs["data_sections"] for v in s["variables"]}
assert vars_["target_comm"]["type"] == "char[16]", vars_
assert vars_["min_uid"]["type"] == "unsigned long long", vars_
assert vars_["last_pid"]["type"] == "pid_t", vars_
assert not any(n.startswith("__eunomia_dummy_") for n in vars_), vars_
ev = skel["export_types"][0]
assert [m["name"] for m in ev["members"]] == ["pid", "ppid", "uid", "comm", "filename", "exit_event"], ev
assert ev["size"] == 4 * 3 + 16 + 127 + 1, ev
PY
	# no temporary files left behind
	run find "$OUT" -name '.*' -o -name '*.tmp*'
	[ "$status" -eq 0 ]
	[ -z "$output" ]
}

@test "ecc: header beside the source is used automatically" {
	run "$ECC" "$DATA/execsnoop.bpf.c" -o "$OUT" -v
	[ "$status" -eq 0 ] || { echo "$output"; false; }
	[[ "$output" == *"using header $DATA/execsnoop.h"* ]]
	"$CHECK" "$OUT/package.json" --export event
}

@test "ecc: a header found beside the source exports only inferred events; a named one all" {
	# kvcount.h holds map key/value structs and the program has no ring/perf buffer
	run "$ECC" "$DATA/kvhdr/kvcount.bpf.c" -o "$OUT/auto" -v
	[ "$status" -eq 0 ] || { echo "$output"; false; }
	[[ "$output" == *"using header $DATA/kvhdr/kvcount.h"* ]]
	"$CHECK" "$OUT/auto/package.json" --no-export
	# named on the command line: every header struct, as the public toolchain does
	run "$ECC" "$DATA/kvhdr/kvcount.bpf.c" "$DATA/kvhdr/kvcount.h" -o "$OUT/named"
	[ "$status" -eq 0 ] || { echo "$output"; false; }
	"$CHECK" "$OUT/named/package.json" --export kv_key --export kv_val
}

@test "ecc: without a header the event structs are inferred, one per map" {
	run "$ECC" "$DATA/multi.bpf.c" -o "$OUT"
	[ "$status" -eq 0 ] || { echo "$output"; false; }
	"$CHECK" "$OUT/package.json" --export exec_event --export exit_event
	python3 - "$OUT/multi.skel.json" <<'PY'
import json, sys
m = json.load(open(sys.argv[1]))
assert m["enable_multiple_export_types"] is True
cfg = {x["name"]: x.get("export_config") for x in m["bpf_skel"]["maps"]}
assert cfg["exec_rb"] == {"type": "exec_event"}, cfg
assert cfg["exit_rb"] == {"type": "exit_event"}, cfg
PY
}

@test "ecc: outputs go beside the source by default" {
	mkdir -p "$BATS_TEST_TMPDIR/src"
	cp "$DATA/multi.bpf.c" "$BATS_TEST_TMPDIR/src/"
	run "$ECC" "$BATS_TEST_TMPDIR/src/multi.bpf.c"
	[ "$status" -eq 0 ] || { echo "$output"; false; }
	[ -f "$BATS_TEST_TMPDIR/src/multi.bpf.o" ]
	[ -f "$BATS_TEST_TMPDIR/src/multi.skel.json" ]
	"$CHECK" "$BATS_TEST_TMPDIR/src/package.json"
}

@test "ecc: -o creates nested output directories" {
	run "$ECC" "$DATA/multi.bpf.c" -o "$OUT/a/b/c"
	[ "$status" -eq 0 ] || { echo "$output"; false; }
	"$CHECK" "$OUT/a/b/c/package.json"
}

@test "ecc: -y writes YAML package and skel" {
	run "$ECC" "$DATA/execsnoop.bpf.c" -y -o "$OUT"
	[ "$status" -eq 0 ] || { echo "$output"; false; }
	[ -f "$OUT/package.yaml" ]
	[ -f "$OUT/execsnoop.skel.yaml" ]
	[ ! -e "$OUT/package.json" ]
	"$CHECK" "$OUT/package.yaml" --export event --prog ecc_e2e_exec
	/usr/bin/python3 -c 'import sys, yaml; d = yaml.safe_load(open(sys.argv[1])); assert d["bpf_skel"]["obj_name"] == "execsnoop_bpf"' \
		"$OUT/execsnoop.skel.yaml"
}

@test "ecc: a doc comment that is not UTF-8 is read as Latin-1, with a warning; JSON and YAML stay valid" {
	run "$ECC" "$DATA/latin1.bpf.c" -y -o "$OUT"
	[ "$status" -eq 0 ] || { echo "$output"; false; }
	[[ "$output" == *"latin1.bpf.c:6: doc comment is not valid UTF-8; read it as Latin-1"* ]]
	/usr/bin/python3 -c 'import sys, yaml; d = yaml.safe_load(open(sys.argv[1], encoding="utf-8")); v = [x for x in d["bpf_skel"]["data_sections"][0]["variables"] if x["name"] == "latin1_flag"][0]; assert v["description"] == "caf\u00e9 flag", v' \
		"$OUT/latin1.skel.yaml"
	run "$ECC" "$DATA/latin1.bpf.c" -o "$OUT"
	[ "$status" -eq 0 ] || { echo "$output"; false; }
	python3 -c 'import sys, json; json.load(open(sys.argv[1], encoding="utf-8"))' "$OUT/package.json"
	"$CHECK" "$OUT/package.json" --prog latin1_prog
}

@test "ecc: a program named after a macro the headers lack is warned about, by name" {
	run "$ECC" "$DATA/macro_named.bpf.c" -o "$OUT"
	[ "$status" -eq 0 ] || { echo "$output"; false; }
	[[ "$output" == *"warning: program 'BPF_UPROBE_MISSING' is named like a macro"*"use a macro they define"* ]]
	# the well-formed program draws no warning
	[[ "$output" != *"program 'macro_named_ok'"* ]]
	"$CHECK" "$OUT/package.json" --prog BPF_UPROBE_MISSING --prog macro_named_ok
}

@test "ecc: -a passes flags to clang (-DFOO, -mcpu=v3), -v shows the command" {
	run "$ECC" "$DATA/cflags.bpf.c" -o "$OUT"
	[ "$status" -eq 1 ]
	[[ "$output" == *'ECC_TEST_FLAG=42 was not passed with -a'* ]]
	run "$ECC" "$DATA/cflags.bpf.c" -o "$OUT" -v -a -DECC_TEST_FLAG=42 -a -mcpu=v3
	[ "$status" -eq 0 ] || { echo "$output"; false; }
	[[ "$output" == *"-target bpf -D__TARGET_ARCH_"* ]]
	[[ "$output" == *"-DECC_TEST_FLAG=42 -mcpu=v3"* ]]
	"$CHECK" "$OUT/package.json" --var flag_value
}

@test "ecc: third-party source with UAPI + asm/*.h headers and PT_REGS macros" {
	run "$ECC" "$DATA/uapi_kprobe.bpf.c" -o "$OUT"
	[ "$status" -eq 0 ] || { echo "$output"; false; }
	"$CHECK" "$OUT/package.json" --prog trace_openat2 --var filter_nr --no-export
	grep -q '"attach":[[:space:]]*"kprobe/do_sys_openat2"' "$OUT/package.json"
}

@test "ecc: -n writes object and skel only; --header-only writes the skel only" {
	run "$ECC" "$DATA/multi.bpf.c" -n -o "$OUT/n"
	[ "$status" -eq 0 ] || { echo "$output"; false; }
	[ -f "$OUT/n/multi.bpf.o" ]
	[ -f "$OUT/n/multi.skel.json" ]
	[ ! -e "$OUT/n/package.json" ]
	run "$ECC" "$DATA/multi.bpf.c" --header-only -o "$OUT/h"
	[ "$status" -eq 0 ] || { echo "$output"; false; }
	[ "$(ls "$OUT/h")" = "multi.skel.json" ]
	grep -q '"exec_event"' "$OUT/h/multi.skel.json"
}

@test "ecc: missing source file" {
	run "$ECC" "$BATS_TEST_TMPDIR/nope.bpf.c" -o "$OUT"
	[ "$status" -eq 1 ]
	[ "$output" = "ecc: $BATS_TEST_TMPDIR/nope.bpf.c: No such file or directory" ]
}

@test "ecc: source without BPF programs" {
	run "$ECC" "$DATA/notbpf.c" -o "$OUT"
	[ "$status" -eq 1 ]
	[[ "$output" == *"ecc: $DATA/notbpf.c: no BPF programs found (no SEC(\"...\") functions)"* ]]
	[ ! -e "$OUT/package.json" ]
}

@test "ecc: unreadable or missing header" {
	run "$ECC" "$DATA/execsnoop.bpf.c" "$BATS_TEST_TMPDIR/none.h" -o "$OUT"
	[ "$status" -eq 1 ]
	[ "$output" = "ecc: $BATS_TEST_TMPDIR/none.h: No such file or directory" ]
	mkdir -p "$BATS_TEST_TMPDIR/dir.h"
	run "$ECC" "$DATA/execsnoop.bpf.c" "$BATS_TEST_TMPDIR/dir.h" -o "$OUT"
	[ "$status" -eq 1 ]
	[ "$output" = "ecc: $BATS_TEST_TMPDIR/dir.h: Is a directory" ]
}

@test "ecc: invalid @cmdarg JSON is an error naming file:line" {
	run "$ECC" "$DATA/badcmdarg.bpf.c" -o "$OUT"
	[ "$status" -eq 1 ]
	[[ "$output" == *"$DATA/badcmdarg.bpf.c:5: @cmdarg: invalid JSON"* ]]
	[[ "$output" == *"invalid doc-comment annotations"* ]]
	[ ! -e "$OUT/package.json" ]
}

@test "ecc: clang diagnostics shown verbatim, pointing at the original file" {
	run "$ECC" "$DATA/syntaxerr.bpf.c" -o "$OUT"
	[ "$status" -eq 1 ]
	[[ "$output" == *"$DATA/syntaxerr.bpf.c:8:9: error: use of undeclared identifier 'undeclared_identifier_xyz'"* ]]
	[[ "$output" == *"compilation failed (clang exit status 1)"* ]]
	# with a header the temp copy is compiled; diagnostics still name the source
	mkdir -p "$BATS_TEST_TMPDIR/h"
	cp "$DATA/execsnoop.h" "$BATS_TEST_TMPDIR/h/"
	sed 's/return 0;$/return missing_thing;/' "$DATA/execsnoop.bpf.c" >"$BATS_TEST_TMPDIR/h/execsnoop.bpf.c"
	run "$ECC" "$BATS_TEST_TMPDIR/h/execsnoop.bpf.c" -o "$OUT"
	[ "$status" -eq 1 ]
	[[ "$output" =~ $BATS_TEST_TMPDIR/h/execsnoop\.bpf\.c:[0-9]+:[0-9]+:\ error:\ use\ of\ undeclared\ identifier\ \'missing_thing\' ]]
	[[ "$output" != *"In file included from"* ]]
	run find "$OUT" -name '.execsnoop.ecc-*' -o -name '*.tmp-*'
	[ "$status" -eq 0 ]
	[ -z "$output" ]
}

@test "ecc: clang missing" {
	run "$ECC" "$DATA/multi.bpf.c" -c /nonexistent/clang-9 -o "$OUT"
	[ "$status" -eq 1 ]
	[[ "$output" == *"ecc: /nonexistent/clang-9: not found (install clang, or pass -c /path/to/clang)"* ]]
	CLANG=/nonexistent/clang-8 run "$ECC" "$DATA/multi.bpf.c" -o "$OUT"
	[ "$status" -eq 1 ]
	[[ "$output" == *"/nonexistent/clang-8: not found"* ]]
}

@test "ecc: usage errors exit 2, --help exits 0 and lists every flag" {
	run "$ECC"
	[ "$status" -eq 2 ]
	[[ "$output" == *"missing SRC.bpf.c"* ]]
	run "$ECC" --bogus "$DATA/multi.bpf.c"
	[ "$status" -eq 2 ]
	run "$ECC" a.bpf.c b.h c.h
	[ "$status" -eq 2 ]
	[[ "$output" == *"too many arguments"* ]]
	run "$ECC" "$DATA/multi.bpf.c" --btfgen
	[ "$status" -eq 2 ]
	[[ "$output" == *"--btfgen needs --btfhub-archive"* ]]
	run "$ECC" -a
	[ "$status" -eq 2 ]
	run "$ECC" --help
	[ "$status" -eq 0 ]
	for f in --output --yaml --additional-cflags --clang --btf --no-package --header-only \
		--standalone --btfgen --btfhub-archive --verbose --version --help "ecc init"; do
		[[ "$output" == *"$f"* ]] || { echo "--help does not mention $f"; false; }
	done
	run "$ECC" --version
	[ "$status" -eq 0 ]
	[[ "$output" == "ecc "* ]]
}

@test "ecc: vmlinux.h is generated once, cached with a stamp, regenerated for another BTF" {
	export XDG_DATA_HOME=$BATS_TEST_TMPDIR/xdg
	local h
	h=$XDG_DATA_HOME/eunomia/vmlinux/$(uname -m)/vmlinux.h
	# two parallel runs on an empty cache both succeed (atomic writes)
	"$ECC" "$DATA/multi.bpf.c" -o "$OUT/p1" 2>"$BATS_TEST_TMPDIR/p1.log" &
	local p1=$!
	"$ECC" "$DATA/multi.bpf.c" -o "$OUT/p2" 2>"$BATS_TEST_TMPDIR/p2.log" &
	local p2=$!
	wait $p1 || { cat "$BATS_TEST_TMPDIR/p1.log"; false; }
	wait $p2 || { cat "$BATS_TEST_TMPDIR/p2.log"; false; }
	"$CHECK" "$OUT/p1/package.json"
	"$CHECK" "$OUT/p2/package.json"
	[ -f "$h" ]
	[ -f "$h.stamp" ]
	head -3 "$h" | grep -q '#ifndef __VMLINUX_H__'
	grep -q 'preserve_access_index' "$h"
	grep -q '^struct task_struct {' "$h"
	# beside it: clang's system include list, one precompiled vmlinux.h per clang + flags
	run ls "$(dirname "$h")"
	[[ "$output" =~ ^clang-include-dirs$'\n'vmlinux-[0-9a-f]{16}\.pch$'\n'vmlinux\.h$'\n'vmlinux\.h\.stamp$ ]] ||
		{ echo "$output"; false; }
	run "$ECC" "$DATA/multi.bpf.c" -o "$OUT" -v
	[ "$status" -eq 0 ]
	[[ "$output" == *"using cached $h"* ]]
	cp /sys/kernel/btf/vmlinux "$BATS_TEST_TMPDIR/other.btf"
	run "$ECC" "$DATA/multi.bpf.c" -o "$OUT" -v --btf "$BATS_TEST_TMPDIR/other.btf"
	[ "$status" -eq 0 ]
	[[ "$output" == *"generating $h from $BATS_TEST_TMPDIR/other.btf"* ]]
	ECC_VMLINUX_BTF=$BATS_TEST_TMPDIR/other.btf run "$ECC" "$DATA/multi.bpf.c" -o "$OUT" -v
	[ "$status" -eq 0 ]
	[[ "$output" == *"using cached $h"* ]]
	run "$ECC" "$DATA/multi.bpf.c" -o "$OUT" --btf "$BATS_TEST_TMPDIR/missing.btf"
	[ "$status" -eq 1 ]
	[[ "$output" == *"missing.btf: No such file or directory (need kernel BTF"* ]]
}

@test "ecc: init creates a project that ecc compiles; bad names are usage errors" {
	cd "$BATS_TEST_TMPDIR"
	run "$ECC" init mytool
	[ "$status" -eq 0 ] || { echo "$output"; false; }
	[ -f mytool/mytool.bpf.c ]
	run "$ECC" mytool/mytool.bpf.c -o "$OUT"
	[ "$status" -eq 0 ] || { echo "$output"; false; }
	"$CHECK" "$OUT/package.json" --obj-name mytool_bpf
	run "$ECC" init bad-name
	[ "$status" -eq 2 ]
}

@test "ecc: -s writes a standalone executable" {
	[ -x "$ECLI" ] || { echo "ecli is not built ($ECLI); --standalone embeds it" >&2; false; }
	EUNOMIA_ECLI=$ECLI run "$ECC" "$DATA/multi.bpf.c" -s -o "$OUT"
	[ "$status" -eq 0 ] || { echo "$output"; false; }
	[ -x "$OUT/multi" ]
	"$CHECK" "$OUT/package.json"
}

@test "ecc: --btfgen writes a tar with package.json and min BTF" {
	local arch
	arch=$BATS_TEST_TMPDIR/archive/debian/12/$(uname -m)
	mkdir -p "$arch"
	cp /sys/kernel/btf/vmlinux "$arch/$(uname -r).btf"
	run "$ECC" "$DATA/multi.bpf.c" --btfgen --btfhub-archive "$BATS_TEST_TMPDIR/archive" -o "$OUT/b"
	[ "$status" -eq 0 ] || { echo "$output"; false; }
	run tar tf "$OUT/b/multi.tar"
	[ "$status" -eq 0 ]
	[[ "$output" == *"btfhub-archive/debian/12/$(uname -m)/$(uname -r).btf"* ]]
	[[ "$output" == *"package.json"* ]]
}

@test "check-package rejects broken packages (base64, zlib, size, BTF ids)" {
	run "$ECC" "$DATA/multi.bpf.c" -o "$OUT"
	[ "$status" -eq 0 ] || { echo "$output"; false; }
	python3 - "$OUT/package.json" "$BATS_TEST_TMPDIR" <<'PY'
import base64, json, sys
src, d = sys.argv[1], sys.argv[2]
pkg = json.load(open(src))
def save(name, mut):
    p = json.loads(json.dumps(pkg))
    mut(p)
    json.dump(p, open(f"{d}/{name}.json", "w"))
save("b64", lambda p: p.update(bpf_object=p["bpf_object"][:10] + "\n" + p["bpf_object"][10:]))
save("zlib", lambda p: p.update(bpf_object=base64.b64encode(b"not zlib at all!").decode()))
save("size", lambda p: p.update(bpf_object_size=p["bpf_object_size"] + 1))
save("typeid", lambda p: p["meta"]["export_types"][0].update(type_id=999999))
save("members", lambda p: p["meta"]["export_types"][0]["members"].pop())
save("noprogs", lambda p: p["meta"]["bpf_skel"].pop("progs"))
save("link", lambda p: p["meta"]["bpf_skel"]["progs"][0].update(link=False))
save("var", lambda p: p["meta"]["bpf_skel"]["data_sections"][0]["variables"].append({"name": "ghost", "type": "int"}))
PY
	local t want
	while IFS='|' read -r t want; do
		run "$CHECK" "$BATS_TEST_TMPDIR/$t.json"
		[ "$status" -eq 1 ] || { echo "$t: accepted"; false; }
		[[ "$output" == *"$want"* ]] || { echo "$t: $output"; false; }
	done <<'EOF'
b64|not strict standard base64
zlib|not a zlib (RFC 1950) stream
size|but the object inflates to
typeid|type_id 999999 is not in the object's BTF
members|members [
noprogs|meta.bpf_skel.progs: missing
link|link: expected true
var|ghost is not a variable of BTF DATASEC .bss
EOF
	run "$CHECK" "$OUT/package.json" --export no_such
	[ "$status" -eq 1 ]
	[[ "$output" == *"no 'no_such'"* ]]
}

@test "ecc + ecli: the compiled package runs and decodes exec events" {
	need_root
	need_tracefs
	[ -x "$ECLI" ] || { echo "ecli is not built ($ECLI)" >&2; false; }
	ecc_build "$DATA/execsnoop.bpf.c"
	"$CHECK" "$PKG" --export event
	ecli_start -j "$PKG"
	local marker comm
	marker=$BATS_TEST_TMPDIR/ecc_e2e_$(run_id)
	# the kernel keeps the first 15 characters of a name as the comm
	comm=$(basename "$marker")
	comm=${comm:0:15}
	cp /bin/true "$marker"
	"$marker"
	wait_for "$OUT" '"comm":"ecc_e2e_' 30
	json_has "$OUT" comm "^$comm\$"
	json_has "$OUT" filename "ecc_e2e_$(run_id)\$"
	ecli_stop
	[ "$ECLI_STATUS" -eq 0 ]
	assert_no_prog ecc_e2e_exec ecc_e2e_exit
}

@test "ecc: package.json is compact JSON, <name>.skel.json stays pretty" {
	run "$ECC" "$DATA/execsnoop.bpf.c" -o "$OUT"
	[ "$status" -eq 0 ] || { echo "$output"; false; }
	[ "$(wc -l <"$OUT/package.json")" -eq 1 ]
	[ "$(head -c 15 "$OUT/package.json")" = '{"bpf_object":"' ]
	[ "$(wc -l <"$OUT/execsnoop.skel.json")" -gt 20 ]
	"$CHECK" "$OUT/package.json" --export event
	python3 - "$OUT" <<'PY'
import json, os, sys
d = sys.argv[1]
pkg = json.load(open(f"{d}/package.json"))
assert pkg["meta"] == json.load(open(f"{d}/execsnoop.skel.json"))
# the package is smaller than the object it carries
assert os.path.getsize(f"{d}/package.json") < os.path.getsize(f"{d}/execsnoop.bpf.o")
PY
}

@test "ecc: an export type the quick guess misses is compiled in all the same" {
	# the reserve call hides in a macro: only libclang's (preprocessed) view finds the struct,
	# so the object compiled while libclang ran is compiled again with the struct forced in
	mkdir -p "$BATS_TEST_TMPDIR/m"
	cat >"$BATS_TEST_TMPDIR/m/hidden.bpf.c" <<'EOF'
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>

struct hidden_ev {
	int pid;
	char comm[16];
};

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 256 * 1024);
} rb SEC(".maps");

#define GRAB(map) bpf_ringbuf_reserve(&map, sizeof(struct hidden_ev), 0)

SEC("tp/syscalls/sys_enter_getppid")
int grab(void *ctx)
{
	struct hidden_ev *e;
	int unused_but_warned;

	e = GRAB(rb);
	if (!e)
		return 0;
	e->pid = bpf_get_current_pid_tgid() >> 32;
	bpf_ringbuf_submit(e, 0);
	return 0;
}

char LICENSE[] SEC("license") = "GPL";
EOF
	run "$ECC" "$BATS_TEST_TMPDIR/m/hidden.bpf.c" -o "$OUT" -v -a -Wunused-variable
	[ "$status" -eq 0 ] || { echo "$output"; false; }
	[[ "$output" == *"compiling again with the export types libclang found"* ]]
	# clang's warning is shown once, not once per compile
	[ "$(grep -c "unused variable 'unused_but_warned'" <<<"$output")" -eq 1 ]
	"$CHECK" "$OUT/package.json" --export hidden_ev --prog grab
	run find "$OUT" -name '.hidden.ecc-*' -o -name '*.tmp*'
	[ -z "$output" ]
	# a guess that is right compiles once
	run "$ECC" "$DATA/multi.bpf.c" -o "$OUT/multi" -v
	[ "$status" -eq 0 ] || { echo "$output"; false; }
	[[ "$output" != *"compiling again"* ]]
}

@test "ecc: clang's errors win over the annotation errors libclang finds meanwhile" {
	mkdir -p "$BATS_TEST_TMPDIR/b"
	cat >"$BATS_TEST_TMPDIR/b/both.bpf.c" <<'EOF'
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>

/// @cmdarg {"short": "p"
const volatile int target_pid = 0;

SEC("tp/syscalls/sys_enter_getppid")
int both(void *ctx)
{
	return no_such_identifier;
}

char LICENSE[] SEC("license") = "GPL";
EOF
	run "$ECC" "$BATS_TEST_TMPDIR/b/both.bpf.c" -o "$OUT"
	[ "$status" -eq 1 ]
	[[ "$output" == *"both.bpf.c:10:9: error: use of undeclared identifier 'no_such_identifier'"* ]]
	[[ "$output" == *"compilation failed (clang exit status 1)"* ]]
	[[ "$output" != *"@cmdarg"* ]]
	[ ! -e "$OUT/package.json" ]
	# fixed code: now the annotation is the error, with file:line
	sed -i 's/return no_such_identifier;/return 0;/' "$BATS_TEST_TMPDIR/b/both.bpf.c"
	run "$ECC" "$BATS_TEST_TMPDIR/b/both.bpf.c" -o "$OUT"
	[ "$status" -eq 1 ]
	[[ "$output" == *"both.bpf.c:4: @cmdarg: invalid JSON"* ]]
	[ ! -e "$OUT/package.json" ]
	[ ! -e "$OUT/both.bpf.o" ]
}

@test "ecc: clang's include list is cached and asked again when the cache is wrong" {
	export XDG_DATA_HOME=$BATS_TEST_TMPDIR/xdg
	local c
	c=$XDG_DATA_HOME/eunomia/vmlinux/$(uname -m)/clang-include-dirs
	run "$ECC" "$DATA/multi.bpf.c" -o "$OUT" -v
	[ "$status" -eq 0 ] || { echo "$output"; false; }
	[ -f "$c" ]
	grep -q '^clang=/' "$c"
	local dirs
	dirs=$(tail -n +2 "$c")
	[ -n "$dirs" ]
	# every dir of the list reaches clang as -idirafter
	while read -r d; do
		[[ "$output" == *"-idirafter $d "* ]] || { echo "missing $d"; false; }
	done <<<"$dirs"
	# a cache for another clang (stamp differs) or naming a vanished dir is not used
	printf 'clang=/other 1 2 3\n/nonexistent/include\n' >"$c"
	run "$ECC" "$DATA/multi.bpf.c" -o "$OUT" -v
	[ "$status" -eq 0 ] || { echo "$output"; false; }
	[[ "$output" != *"/nonexistent/include"* ]]
	[ "$(tail -n +2 "$c")" = "$dirs" ]
	{ head -1 "$c"; echo /nonexistent/include; } >"$c.new" && mv "$c.new" "$c"
	run "$ECC" "$DATA/multi.bpf.c" -o "$OUT" -v
	[ "$status" -eq 0 ] || { echo "$output"; false; }
	[[ "$output" != *"/nonexistent/include"* ]]
	[ "$(tail -n +2 "$c")" = "$dirs" ]
}

@test "ecc: the quick guess matches libclang for the usual event patterns (one compile)" {
	mkdir -p "$BATS_TEST_TMPDIR/g"
	# typedef'd struct + reserve; a stack struct sent with bpf_perf_event_output(&var);
	# bpf_ringbuf_output of a pointer; a cast on the reserve
	cat >"$BATS_TEST_TMPDIR/g/guess.bpf.c" <<'EOF'
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>

typedef struct t_ev {
	int pid;
} t_ev_t;
struct p_ev {
	int pid;
	long ts;
};
struct o_ev {
	char comm[16];
};
struct c_ev {
	unsigned int uid;
};
struct not_exported {
	int key;
};

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 256 * 1024);
} rb SEC(".maps");
struct {
	__uint(type, BPF_MAP_TYPE_PERF_EVENT_ARRAY);
	__uint(key_size, sizeof(int));
	__uint(value_size, sizeof(int));
} pb SEC(".maps");
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 16);
	__type(key, struct not_exported);
	__type(value, int);
} h SEC(".maps");

SEC("tp/syscalls/sys_enter_getppid")
int guess(void *ctx)
{
	t_ev_t *t = bpf_ringbuf_reserve(&rb, sizeof(*t), 0);
	struct p_ev p = {};
	struct o_ev *o = 0;
	struct c_ev *c;

	if (t)
		bpf_ringbuf_submit(t, 0);
	bpf_perf_event_output(ctx, &pb, BPF_F_CURRENT_CPU, &p, sizeof(p));
	bpf_ringbuf_output(&rb, o, sizeof(*o), 0);
	c = (struct c_ev *)bpf_ringbuf_reserve(&rb, sizeof(*c), 0);
	if (c)
		bpf_ringbuf_discard(c, 0);
	return 0;
}

char LICENSE[] SEC("license") = "GPL";
EOF
	run "$ECC" "$BATS_TEST_TMPDIR/g/guess.bpf.c" -o "$OUT" -v
	[ "$status" -eq 0 ] || { echo "$output"; false; }
	[[ "$output" != *"compiling again"* ]] || { echo "$output"; false; }
	"$CHECK" "$OUT/package.json" --export t_ev --export p_ev --export o_ev --export c_ev
	python3 - "$OUT/guess.skel.json" <<'PY'
import json, sys
names = [t["name"] for t in json.load(open(sys.argv[1]))["export_types"]]
assert names == ["t_ev", "p_ev", "o_ev", "c_ev"], names
PY
	# with a header: its structs, guessed from its text
	run "$ECC" "$DATA/execsnoop.bpf.c" "$DATA/execsnoop.h" -o "$OUT/h" -v
	[ "$status" -eq 0 ] || { echo "$output"; false; }
	[[ "$output" != *"compiling again"* ]] || { echo "$output"; false; }
}

@test "ecc: an annotation the loader would refuse fails the build, naming the tag" {
	run "$ECC" "$DATA/badshort.bpf.c" -o "$OUT"
	[ "$status" -eq 1 ]
	[[ "$output" == *"badshort.bpf.c:6: invalid doc-comment annotation: targ_pid.cmdarg.short: expected one letter, got \"pp\""* ]]
	[ ! -e "$OUT/package.json" ]
}
