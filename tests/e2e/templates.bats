#!/usr/bin/env bats
# `ecc init NAME [DIR]`: the starter project from templates/starter/, compiled with ecc and run
# with ecli; plus sanity checks of the workflow and action templates.

load "${EUNOMIA_ROOT:-$BATS_TEST_DIRNAME/../..}/tests/lib/common"

teardown() {
	teardown_ecli
}

@test "templates: ecc init NAME DIR creates the project with the name substituted" {
	local d=$BATS_TEST_TMPDIR/proj
	run "$ECC" init h8_hello "$d"
	echo "$output"
	[ "$status" -eq 0 ]
	[ -f "$d/h8_hello.bpf.c" ]
	[ -f "$d/h8_hello.h" ]
	[ -f "$d/README.md" ]
	[ -f "$d/.github/workflows/build.yml" ]
	grep -qx '/h8_hello' "$d/.gitignore"
	grep -q '#include "h8_hello.h"' "$d/h8_hello.bpf.c"
	grep -q 'H8_HELLO_H' "$d/h8_hello.h"
	grep -q 'ecc h8_hello.bpf.c h8_hello.h' "$d/README.md"
	grep -q 'h8_hello-packages' "$d/.github/workflows/build.yml"
	# nothing of the template's own name is left
	run grep -rli starter "$d"
	[ "$status" -eq 1 ]
	[[ "$output" == "" ]]
}

@test "templates: ecc init NAME defaults DIR to ./NAME" {
	cd "$BATS_TEST_TMPDIR"
	run "$ECC" init h8_default
	[ "$status" -eq 0 ]
	[ -f h8_default/h8_default.bpf.c ]
}

@test "templates: the starter compiles with ecc and its events are decoded by ecli" {
	need_root
	need_tracefs
	local d=$BATS_TEST_TMPDIR/proj probe=$BATS_TEST_TMPDIR/h8initprobe
	"$ECC" init h8_tool "$d" >/dev/null
	(cd "$d" && "$ECC" h8_tool.bpf.c h8_tool.h) >"$BATS_TEST_TMPDIR/ecc.log" 2>&1 || {
		cat "$BATS_TEST_TMPDIR/ecc.log" >&2
		false
	}
	[ -f "$d/package.json" ]
	[ -f "$d/h8_tool.skel.json" ]
	cp /bin/true "$probe"
	ecli_start -j "$d/package.json" --target_ppid "$BASHPID"
	"$probe" && "$probe"
	wait_for "$OUT" '"comm": ?"h8initprobe"'
	ecli_stop
	[ "$ECLI_STATUS" -eq 0 ]
	json_has "$OUT" comm '^h8initprobe$'
	json_has "$OUT" filename 'h8initprobe$'
	json_has "$OUT" ppid "^$BASHPID\$"
	json_has "$OUT" uid "^$(id -u)\$"
	assert_no_prog h8_tool_exec
}

@test "templates: the starter's flags come from its doc comments" {
	local d=$BATS_TEST_TMPDIR/proj
	"$ECC" init h8_flags "$d" >/dev/null
	(cd "$d" && "$ECC" h8_flags.bpf.c h8_flags.h) >/dev/null 2>&1
	run "$ECLI" run "$d/package.json" --help
	echo "$output"
	[ "$status" -eq 0 ]
	[[ "$output" == *"target_ppid"* ]]
	[[ "$output" == *"target_uid"* ]]
	[[ "$output" == *"Only show processes started by this parent pid"* ]]
}

@test "templates: ecc init refuses a non-empty directory and keeps its files" {
	local d=$BATS_TEST_TMPDIR/busy
	mkdir -p "$d"
	echo keep >"$d/mine.txt"
	run "$ECC" init h8_busy "$d"
	echo "$output"
	[ "$status" -eq 1 ]
	[[ "$output" == *"already exists"* ]]
	[ "$(cat "$d/mine.txt")" = keep ]
	[ ! -e "$d/h8_busy.bpf.c" ]
}

@test "templates: ecc init rejects a name that is not a C identifier" {
	run "$ECC" init "9-bad name" "$BATS_TEST_TMPDIR/x"
	echo "$output"
	[ "$status" -eq 2 ]
	[[ "$output" == *"not a valid project name"* ]]
	[ ! -e "$BATS_TEST_TMPDIR/x" ]
}

@test "templates: ecc init without NAME prints usage" {
	run "$ECC" init
	[ "$status" -eq 2 ]
	[[ "$output" == *"Usage: ecc init NAME [DIR]"* ]]
}

@test "templates: EUNOMIA_TEMPLATES selects the templates, a wrong one is an error" {
	local t=$BATS_TEST_TMPDIR/tpl
	mkdir -p "$t/starter"
	printf 'project starter / STARTER\n' >"$t/starter/starter.txt"
	EUNOMIA_TEMPLATES=$t run "$ECC" init h8_env "$BATS_TEST_TMPDIR/env"
	[ "$status" -eq 0 ]
	[ "$(cat "$BATS_TEST_TMPDIR/env/h8_env.txt")" = "project h8_env / H8_ENV" ]
	EUNOMIA_TEMPLATES=$BATS_TEST_TMPDIR/none run "$ECC" init h8_env2 "$BATS_TEST_TMPDIR/env2"
	echo "$output"
	[ "$status" -eq 1 ]
	[[ "$output" == *"cannot find the project templates"* ]]
	[[ "$output" == *"EUNOMIA_TEMPLATES"* ]]
}

@test "templates: ecc init finds templates from an installed layout (<prefix>/share/eunomia)" {
	local p=$BATS_TEST_TMPDIR/prefix
	mkdir -p "$p/bin" "$p/share/eunomia"
	cp "$ECC" "$p/bin/ecc"
	cp -r "$EUNOMIA_ROOT/templates" "$p/share/eunomia/templates"
	run "$p/bin/ecc" init h8_inst "$BATS_TEST_TMPDIR/inst"
	echo "$output"
	[ "$status" -eq 0 ]
	[ -f "$BATS_TEST_TMPDIR/inst/h8_inst.bpf.c" ]
}

@test "templates: workflow and action templates are valid YAML with the expected steps" {
	# Debian's python3-yaml (scripts/setup.sh installs it), so Debian's interpreter
	/usr/bin/python3 - "$EUNOMIA_ROOT" <<'PY'
import sys, yaml
root = sys.argv[1]
def load(p):
    with open(f"{root}/{p}") as f:
        return yaml.safe_load(f)
a = load("templates/action/action.yml")
assert a["runs"]["using"] == "composite", a["runs"]
uses = [s.get("uses", "") for s in a["runs"]["steps"]]
assert any(u.startswith("actions/upload-artifact@") for u in uses), uses
assert any(u.startswith("softprops/action-gh-release@") for u in uses), uses
assert all("shell" in s for s in a["runs"]["steps"] if "run" in s)
for wf in ("templates/workflows/ecc-build.yml", "templates/starter/.github/workflows/build.yml",
           ".github/workflows/ci.yml"):
    w = load(wf)
    assert "jobs" in w and w["jobs"], wf
    # PyYAML reads the key `on` as True
    assert True in w or "on" in w, wf
ci = load(".github/workflows/ci.yml")
assert {"build", "e2e", "sanitizers"} <= set(ci["jobs"]), ci["jobs"].keys()
print("ok")
PY
}
