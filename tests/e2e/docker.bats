#!/usr/bin/env bats
# The image's entry point (scripts/docker-entrypoint.sh), run directly on temp copies of
# projects, as the image runs it on /src. Building the image itself needs a Docker engine.

load "${EUNOMIA_ROOT:-$BATS_TEST_DIRNAME/../..}/tests/lib/common"

ENTRY=$EUNOMIA_ROOT/scripts/docker-entrypoint.sh

setup() {
	SRC=$BATS_TEST_TMPDIR/src
	mkdir -p "$SRC"
}

teardown() {
	teardown_ecli
}

@test "docker: the entry script compiles a project directory into packages" {
	cp "$EUNOMIA_ROOT"/tests/data/btfgen/execsnoop_core.{bpf.c,h} "$SRC/"
	EUNOMIA_SRC=$SRC ECC=$ECC run "$ENTRY"
	echo "$output"
	[ "$status" -eq 0 ]
	[[ "$output" == *"built 1 package(s), 0 failed"* ]]
	# the header beside the source was passed
	[[ "$output" == *"execsnoop_core.h"* ]]
	[ -s "$SRC/package.json" ]
	[ -s "$SRC/execsnoop_core.skel.json" ]
	python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); assert d["meta"]["bpf_skel"]["obj_name"]=="execsnoop_core_bpf"' "$SRC/package.json"
}

@test "docker: the compiled package runs with ecli, events decoded" {
	need_root
	need_tracefs
	cp "$EUNOMIA_ROOT"/templates/starter/starter.{bpf.c,h} "$SRC/"
	EUNOMIA_SRC=$SRC ECC=$ECC run "$ENTRY"
	[ "$status" -eq 0 ]
	local probe=$BATS_TEST_TMPDIR/h8dockerprobe
	cp /bin/true "$probe"
	ecli_start -j "$SRC/package.json" --target_ppid "$BASHPID"
	"$probe"
	wait_for "$OUT" '"comm": ?"h8dockerprobe"'
	ecli_stop
	[ "$ECLI_STATUS" -eq 0 ]
	json_has "$OUT" comm '^h8dockerprobe$'
}

@test "docker: several sources in one directory each get their own output directory" {
	cp "$EUNOMIA_ROOT"/tests/data/btfgen/execsnoop_core.{bpf.c,h} "$SRC/"
	cp "$EUNOMIA_ROOT"/templates/starter/starter.{bpf.c,h} "$SRC/"
	mkdir -p "$SRC/sub" "$SRC/.hidden"
	cp "$EUNOMIA_ROOT"/templates/starter/starter.bpf.c "$SRC/sub/other.bpf.c"
	cp "$EUNOMIA_ROOT"/templates/starter/starter.h "$SRC/sub/starter.h"
	cp "$EUNOMIA_ROOT"/templates/starter/starter.bpf.c "$SRC/.hidden/skipped.bpf.c"
	EUNOMIA_SRC=$SRC ECC=$ECC run "$ENTRY"
	echo "$output"
	[ "$status" -eq 0 ]
	[[ "$output" == *"built 3 package(s), 0 failed"* ]]
	[ -s "$SRC/execsnoop_core/package.json" ]
	[ -s "$SRC/starter/package.json" ]
	[ -s "$SRC/sub/package.json" ]
	[ ! -e "$SRC/package.json" ]
	[ ! -e "$SRC/.hidden/package.json" ]
}

@test "docker: extra arguments are ecc flags, EUNOMIA_DIST collects uniquely named results" {
	cp "$EUNOMIA_ROOT"/tests/data/btfgen/execsnoop_core.{bpf.c,h} "$SRC/"
	mkdir -p "$SRC/two"
	cp "$EUNOMIA_ROOT"/templates/starter/starter.{bpf.c,h} "$SRC/two/"
	local dist=$BATS_TEST_TMPDIR/dist
	EUNOMIA_SRC=$SRC ECC=$ECC EUNOMIA_DIST=$dist run "$ENTRY" -y -s
	echo "$output"
	[ "$status" -eq 0 ]
	[ -s "$SRC/package.yaml" ]
	[ -s "$dist/execsnoop_core.yaml" ]
	[ -s "$dist/starter.yaml" ]
	[ -x "$dist/execsnoop_core" ]
	[ -x "$dist/starter" ]
	[ "$(tail -c 16 "$dist/starter")" = "EUNOMIA-PKG-0001" ]
}

@test "docker: a source that fails is reported, the others are still built, exit 1" {
	cp "$EUNOMIA_ROOT"/templates/starter/starter.{bpf.c,h} "$SRC/"
	mkdir -p "$SRC/broken"
	printf 'this is not C;\n' >"$SRC/broken/broken.bpf.c"
	EUNOMIA_SRC=$SRC ECC=$ECC run "$ENTRY"
	echo "$output"
	[ "$status" -eq 1 ]
	[[ "$output" == *"FAILED: $SRC/broken/broken.bpf.c"* ]]
	[[ "$output" == *"built 1 package(s), 1 failed"* ]]
	[ -s "$SRC/package.json" ]
}

@test "docker: an empty or missing /src says how to mount the project" {
	EUNOMIA_SRC=$SRC ECC=$ECC run "$ENTRY"
	[ "$status" -eq 1 ]
	[[ "$output" == *"no *.bpf.c files under $SRC"* ]]
	[[ "$output" == *"-v"* ]]
	EUNOMIA_SRC=$BATS_TEST_TMPDIR/missing ECC=$ECC run "$ENTRY"
	[ "$status" -eq 2 ]
	[[ "$output" == *"does not exist"* ]]
}

@test "docker: a command instead of flags runs as given (ecc init in the image)" {
	run "$ENTRY" "$ECC" init h8_docker "$SRC/h8_docker"
	echo "$output"
	[ "$status" -eq 0 ]
	[ -f "$SRC/h8_docker/h8_docker.bpf.c" ]
	run "$ENTRY" true
	[ "$status" -eq 0 ]
}

@test "docker: the Dockerfile installs the project and uses the entry script" {
	local df=$EUNOMIA_ROOT/Dockerfile
	grep -q '^FROM debian:bookworm' "$df"
	grep -q 'ENTRYPOINT \["/usr/local/bin/docker-entrypoint.sh"\]' "$df"
	grep -q 'scripts/docker-entrypoint.sh' "$df"
	grep -q 'share/eunomia/templates' "$df"
	# every library ecc/ecli link against has its runtime package in the final stage
	for p in libbpf-dev libelf1 zlib1g libcjson1 libyaml-0-2 libclang1-14 libcurl4 \
		libarchive13 libnettle8 clang bpftool; do
		grep -q "$p" "$df" || {
			echo "Dockerfile lacks $p" >&2
			return 1
		}
	done
}

@test "docker: building and running the image (needs a Docker engine)" {
	command -v docker >/dev/null 2>&1 || skip "docker is not installed"
	docker info >/dev/null 2>&1 || skip "no Docker engine reachable (docker info failed)"
	[ -n "${EUNOMIA_DOCKER_TEST:-}" ] || skip "set EUNOMIA_DOCKER_TEST=1 to build the image (slow)"
	local tag
	tag=eunomia-bpf-test:$(run_id)
	docker build -t "$tag" "$EUNOMIA_ROOT"
	cp "$EUNOMIA_ROOT"/templates/starter/starter.{bpf.c,h} "$SRC/"
	docker run --rm -v "$SRC":/src "$tag"
	docker rmi "$tag" >/dev/null
	[ -s "$SRC/package.json" ]
}
