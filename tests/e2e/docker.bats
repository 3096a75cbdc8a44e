#!/usr/bin/env bats
# The container image, built from the Dockerfile with podman and run for real (as users run it
# with docker): the default entry compiles a mounted project, -s makes standalone tools, ecc
# init, packages made in the image run on the host with the host's ecli, the commands of the
# Dockerfile's header work as written, the image size, ecli server in the image. Before those,
# the entry script (scripts/docker-entrypoint.sh) is run directly on temporary copies of
# projects, as the image runs it on /src.
#
# The first run on a machine makes the base image with mmdebstrap and builds the image (a few
# minutes); later runs reuse both (tests/lib/podman.bash).
# test-timeout: 1200

load "${EUNOMIA_ROOT:-$BATS_TEST_DIRNAME/../..}/tests/lib/common"
load "${EUNOMIA_ROOT:-$BATS_TEST_DIRNAME/../..}/tests/lib/podman"

ENTRY=$EUNOMIA_ROOT/scripts/docker-entrypoint.sh

setup() {
	SRC=$BATS_TEST_TMPDIR/src
	mkdir -p "$SRC"
}

teardown() {
	teardown_ecli
	if [ -n "${CHILD:-}" ]; then
		kill "$CHILD" 2>/dev/null || true
		wait "$CHILD" 2>/dev/null || true
	fi
	if [ -n "${CNAME:-}" ] && [ ! -e "$BATS_FILE_TMPDIR/podman.skip" ]; then
		pm rm -f -t 0 "$CNAME" >/dev/null 2>&1 || true
	fi
}

# Build the image once for the file. Only "podman cannot run here" skips the image tests;
# any later failure (mmdebstrap, build) fails them with the log.
setup_file() {
	local why
	if ! why=$(podman_usable); then
		echo "$why" >"$BATS_FILE_TMPDIR/podman.skip"
		return 0
	fi
	podman_prepare 2>"$BATS_FILE_TMPDIR/podman.log" ||
		echo failed >"$BATS_FILE_TMPDIR/podman.failed"
}

need_image() {
	if [ -e "$BATS_FILE_TMPDIR/podman.skip" ]; then
		skip "$(cat "$BATS_FILE_TMPDIR/podman.skip")"
	fi
	if [ -e "$BATS_FILE_TMPDIR/podman.failed" ]; then
		cat "$BATS_FILE_TMPDIR/podman.log" >&2
		echo "building the image failed (above)" >&2
		return 1
	fi
	CNAME=eunomia-test-$(run_id)
}

# img_run [PODMAN-RUN-OPTIONS...] -- [IMAGE-ARGS...]: podman run --rm of the test image, named
# $CNAME (teardown removes it if it outlives the test); bats `run` captures it.
img_run() {
	local opts=()
	while [ $# -gt 0 ] && [ "$1" != -- ]; do
		opts+=("$1")
		shift
	done
	shift
	pm run --rm --name "$CNAME" "${opts[@]}" "$PODMAN_IMAGE" "$@"
}

# start_child FILE: a subshell that waits on a fifo, then opens FILE itself (pid $CHILD).
start_child() {
	GATE=$BATS_TEST_TMPDIR/gate
	mkfifo "$GATE"
	(
		read -r _ <"$GATE"
		: <"$1"
	) &
	CHILD=$!
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
	grep -q '^ARG BASE=debian:bookworm$' "$df"
	[ "$(grep -c '^FROM ${BASE}' "$df")" -eq 2 ]
	grep -q 'ENTRYPOINT \["/usr/local/bin/docker-entrypoint.sh"\]' "$df"
	grep -q 'scripts/docker-entrypoint.sh' "$df"
	# make install puts the templates in share/eunomia (ecc init finds them there)
	grep -q 'make install PREFIX=/usr/local DESTDIR=/stage' "$df"
	# every library ecc/ecli link against has its runtime package in the final stage
	for p in libbpf-dev libelf1 libdw1 zlib1g libcjson1 libyaml-0-2 libclang1-14 libcurl4 \
		libarchive13 libnettle8 clang bpftool; do
		grep -q "$p" "$df" || {
			echo "Dockerfile lacks $p" >&2
			return 1
		}
	done
}

@test "docker: the workflow templates stop with what to set until EUNOMIA_REPO names a repository" {
	python3 -c 'import yaml' 2>/dev/null || skip "python3-yaml is not installed (apt-get install python3-yaml)"
	local wf d
	for wf in templates/workflows/ecc-build.yml templates/starter/.github/workflows/build.yml; do
		# the two check steps' scripts, and the order of the steps
		python3 - "$EUNOMIA_ROOT/$wf" "$BATS_TEST_TMPDIR" <<'PY'
import sys, yaml
wf, out = sys.argv[1:]
steps = next(iter(yaml.safe_load(open(wf))["jobs"].values()))["steps"]
names = [s.get("name", s.get("uses", "")) for s in steps]
i = names.index("Check the eunomia-bpf settings")
j = names.index("Check out eunomia-bpf")
k = names.index("Check the eunomia-bpf checkout")
a = [n for n, s in enumerate(steps) if s.get("uses", "").startswith("./.eunomia-bpf/templates/action")]
assert i < j < k < a[0], names
# the checkout has no default that would fetch a repository without templates/action
assert steps[j]["with"]["repository"] == "${{ vars.EUNOMIA_REPO }}", steps[j]
for n, f in ((i, "settings.sh"), (k, "checkout.sh")):
    assert steps[n]["env"]["EUNOMIA_REPO"] == "${{ vars.EUNOMIA_REPO }}", steps[n]
    assert steps[n]["shell"] == "bash"
    open(f"{out}/{f}", "w").write(steps[n]["run"])
PY
		d=$BATS_TEST_TMPDIR/job
		rm -rf "$d"
		mkdir -p "$d"
		cd "$d"
		EUNOMIA_REPO='' run bash "$BATS_TEST_TMPDIR/settings.sh"
		echo "$wf: $output"
		[ "$status" -eq 1 ]
		[[ "$output" == "::error title=EUNOMIA_REPO is not set::set the repository variable EUNOMIA_REPO (Settings > Secrets and variables > Actions > Variables) to OWNER/NAME"* ]]
		EUNOMIA_REPO=h8/eunomia run bash "$BATS_TEST_TMPDIR/settings.sh"
		[ "$status" -eq 0 ]
		[ -z "$output" ]
		# a repository that exists but is not this tree (no templates/action)
		mkdir -p .eunomia-bpf/templates
		EUNOMIA_REPO=h8/eunomia EUNOMIA_REF=main run bash "$BATS_TEST_TMPDIR/checkout.sh"
		echo "$wf: $output"
		[ "$status" -eq 1 ]
		[[ "$output" == *"::h8/eunomia (ref main) has no templates/action/action.yml; set the repository variable EUNOMIA_REPO"* ]]
		cp -r "$EUNOMIA_ROOT/templates/action" .eunomia-bpf/templates/
		EUNOMIA_REPO=h8/eunomia EUNOMIA_REF=main run bash "$BATS_TEST_TMPDIR/checkout.sh"
		[ "$status" -eq 0 ]
		cd "$EUNOMIA_ROOT"
	done
}

@test "docker: podman that cannot run skips the image tests, saying why" {
	local fake=$BATS_TEST_TMPDIR/podman
	printf '#!/bin/sh\nexec podman --runtime /nonexistent/runc "$@"\n' >"$fake"
	chmod +x "$fake"
	PODMAN=$fake run podman_usable
	echo "$output"
	if [ "$(id -u)" -ne 0 ]; then
		[ "$status" -eq 1 ]
		[[ "$output" == "needs root"* ]]
		return 0
	fi
	[ "$status" -eq 1 ]
	[[ "$output" == "podman cannot run here (podman info failed): "*"/nonexistent/runc"* ]]
	PODMAN=$BATS_TEST_TMPDIR/missing run podman_usable
	[ "$status" -eq 1 ]
	[[ "$output" == "podman is not installed (scripts/setup.sh deps installs"* ]]
}

@test "image: the default entry compiles every *.bpf.c of /src; the host's ecli runs the result" {
	need_image
	need_root
	need_tracefs
	local p=$BATS_TEST_TMPDIR/proj
	mkdir -p "$p/opensnoop" "$p/exec"
	cp "$EUNOMIA_ROOT"/examples/bpftools/opensnoop/opensnoop.{bpf.c,h} "$p/opensnoop/"
	cp "$EUNOMIA_ROOT"/templates/starter/starter.{bpf.c,h} "$p/exec/"
	chown -R 4321:4321 "$p"
	run img_run -v "$p":/src --
	echo "$output"
	[ "$status" -eq 0 ]
	[[ "$output" == *"built 2 package(s), 0 failed"* ]]
	[[ "$output" == *"ecc /src/opensnoop/opensnoop.bpf.c /src/opensnoop/opensnoop.h"* ]]
	[ -s "$p/opensnoop/package.json" ]
	[ -s "$p/exec/package.json" ]
	# results belong to the owner of the mounted directory, not to the container's root
	[ "$(stat -c %u:%g "$p/opensnoop/package.json")" = 4321:4321 ]

	local file
	file=$BATS_TEST_TMPDIR/h8-image-open-$(run_id).txt
	echo data >"$file"
	start_child "$file"
	local pid=$CHILD
	ecli_start -j "$p/opensnoop/package.json" --pid "$pid"
	echo go >"$GATE"
	wait "$CHILD"
	CHILD=
	wait_json "$OUT" "e['fname'] == '$file'"
	ecli_stop
	[ "$ECLI_STATUS" -eq 0 ]
	json_match "$OUT" "e['fname'] == '$file' and e['pid'] == $pid and e['ret'] >= 0"
	json_none "$OUT" "e['pid'] != $pid"
}

@test "image: -s makes standalone executables that run on the host" {
	need_image
	need_root
	need_tracefs
	local p=$BATS_TEST_TMPDIR/proj
	mkdir -p "$p"
	cp "$EUNOMIA_ROOT"/templates/starter/starter.{bpf.c,h} "$p/"
	run img_run -v "$p":/src -- -s
	echo "$output"
	[ "$status" -eq 0 ]
	[[ "$output" == *"built 1 package(s), 0 failed"* ]]
	[ -x "$p/starter" ]
	[ "$(tail -c 16 "$p/starter")" = "EUNOMIA-PKG-0001" ]
	local probe=$BATS_TEST_TMPDIR/h8imgstand
	cp /bin/true "$probe"
	cmd_start "$p/starter" -j --target_ppid "$BASHPID"
	"$probe"
	wait_for "$OUT" '"comm": ?"h8imgstand"'
	ecli_stop
	[ "$ECLI_STATUS" -eq 0 ]
	json_has "$OUT" comm '^h8imgstand$'
}

@test "image: ecc init in the image makes a project that the image compiles" {
	need_image
	local p=$BATS_TEST_TMPDIR/proj
	mkdir -p "$p"
	run img_run -v "$p":/src -- ecc init h8img /src/h8img
	echo "$output"
	[ "$status" -eq 0 ]
	[ -f "$p/h8img/h8img.bpf.c" ]
	[ -f "$p/h8img/h8img.h" ]
	[ -f "$p/h8img/.github/workflows/build.yml" ]
	[ -f "$p/h8img/README.md" ]
	run img_run -v "$p/h8img":/src --
	echo "$output"
	[ "$status" -eq 0 ]
	[[ "$output" == *"built 1 package(s), 0 failed"* ]]
	python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); assert d["meta"]["bpf_skel"]["obj_name"]=="h8img_bpf", d["meta"]["bpf_skel"]["obj_name"]' "$p/h8img/package.json"
}

@test "image: the commands in the Dockerfile's header work as written (podman for docker)" {
	need_image
	need_root
	need_tracefs
	local p=$BATS_TEST_TMPDIR/proj line w words cmd n=0
	mkdir -p "$p"
	cp "$EUNOMIA_ROOT"/templates/starter/starter.{bpf.c,h} "$p/"
	local lines=()
	mapfile -t lines < <(sed -n 's/^#   \(docker .*\)$/\1/p' "$EUNOMIA_ROOT/Dockerfile" |
		sed 's/  *# .*$//')
	printf 'header: %s\n' "${lines[@]}"
	[ "${lines[0]}" = 'docker build -t eunomia-bpf .' ]
	local probe=$BATS_TEST_TMPDIR/h8imghead
	cp /bin/true "$probe"
	for line in "${lines[@]:1}"; do
		# the server has its own test below
		[[ "$line" == *"ecli server"* ]] && continue
		# the words as the shell splits them in the project directory ("$PWD" is the project)
		mapfile -d '' words < <(cd "$p" && eval "printf '%s\0' $line")
		[ "${words[0]}" = docker ] && [ "${words[1]}" = run ]
		cmd=(env "CONTAINERS_CONF=$EUNOMIA_TEST_CACHE/containers.conf" "${PODMAN:-podman}" run
			--name "$CNAME")
		for w in "${words[@]:2}"; do
			[ "$w" = eunomia-bpf ] && w=$PODMAN_IMAGE
			cmd+=("$w")
		done
		echo "running: ${cmd[*]}"
		n=$((n + 1))
		if [[ "$line" == *"ecli run"* ]]; then
			# runs until interrupted: start it, make an event, read it, Ctrl-C it
			cmd_start "${cmd[@]}"
			"$probe"
			wait_for "$OUT" 'h8imghead' 30
			ecli_stop
			[ "$ECLI_STATUS" -eq 0 ]
			continue
		fi
		"${cmd[@]}"
	done
	[ "$n" -ge 4 ]
	[ -s "$p/package.json" ]
	[ -x "$p/starter" ]
	[ -f "$p/hello/hello.bpf.c" ]
}

@test "image: its size, entry point and contents" {
	need_image
	local size bsize
	size=$(pm image inspect --format '{{.Size}}' "$PODMAN_IMAGE")
	bsize=$(pm image inspect --format '{{.Size}}' "$PODMAN_IMAGE_BUILD")
	echo "# image: $((size / 1000000)) MB (its build stage: $((bsize / 1000000)) MB)" >&3
	# clang, LLVM and the libbpf headers make most of it; 1 GB would mean something crept in
	[ "$size" -gt 100000000 ]
	[ "$size" -lt 1000000000 ]
	# the build left no dangling image of ours behind
	run pm images -q --filter dangling=true --filter "label=$PODMAN_LABEL"
	[ "$status" -eq 0 ]
	[ -z "$output" ]
	[ "$(pm image inspect --format '{{json .Config.Entrypoint}}' "$PODMAN_IMAGE")" = \
		'["/usr/local/bin/docker-entrypoint.sh"]' ]
	[ "$(pm image inspect --format '{{.Config.WorkingDir}}' "$PODMAN_IMAGE")" = /src ]
	run img_run -- sh -c 'for c in ecc ecli clang bpftool; do command -v $c || exit 1; done;
		find /usr/local/share/eunomia/templates -type f; ecli --version'
	echo "$output"
	[ "$status" -eq 0 ]
	[[ "$output" == *"/usr/local/bin/ecc"* ]]
	[[ "$output" == *"starter.bpf.c"* ]]
	[[ "$output" != *"templates/templates"* ]]
	[[ "$output" == *"ecli 0."* ]]
	# no build tree, sources or compiler for C programs in the final image
	run img_run -- sh -c 'if test -e /eunomia || test -e /stage || command -v gcc; then exit 3; fi'
	echo "$output"
	[ "$status" -eq 0 ]
}

@test "image: ecli server in the image answers /v1/health and runs a posted package" {
	need_image
	need_root
	need_tracefs
	run img_run -- ecli server --help
	[ "$status" -eq 0 ] || skip "ecli server not built yet (ecli server --help: ${output:0:200})"
	local d=$BATS_TEST_TMPDIR/cfg port
	mkdir -p "$d"
	head -c 24 /dev/urandom | od -An -tx1 | tr -d ' \n' >"$d/token"
	chmod 600 "$d/token"
	cp "$EUNOMIA_ROOT"/templates/starter/starter.{bpf.c,h} "$d/"
	run img_run -v "$d":/src --
	[ "$status" -eq 0 ]
	port=$((20000 + $$ % 20000))
	cmd_start env "CONTAINERS_CONF=$EUNOMIA_TEST_CACHE/containers.conf" "${PODMAN:-podman}" \
		run --rm --name "$CNAME" --privileged --network=host -v "$d":/cfg "$PODMAN_IMAGE" \
		ecli server --listen "tcp:127.0.0.1:$port" --token-file /cfg/token
	local probe=$BATS_TEST_TMPDIR/h8imgserv
	cp /bin/true "$probe"
	python3 - "$port" "$d/token" "$d/package.json" "$probe" <<'PY'
import json, os, subprocess, sys, time, urllib.request
port, token, pkg, probe = sys.argv[1:]
ppid = str(os.getpid())  # the probe's parent
base = "http://127.0.0.1:%s" % port
tok = open(token).read().strip()
def call(method, path, body=None):
    req = urllib.request.Request(base + path, method=method,
                                 data=None if body is None else json.dumps(body).encode(),
                                 headers={"Authorization": "Bearer " + tok,
                                          "Content-Type": "application/json"})
    with urllib.request.urlopen(req, timeout=30) as r:
        return json.load(r)
h = call("GET", "/v1/health")
assert h["status"] == "ok", h
p = call("POST", "/v1/programs", {"package": json.load(open(pkg)), "args": ["--target_ppid", ppid]})
pid = p["id"]
try:
    deadline = time.time() + 30
    seen = ""
    while time.time() < deadline:
        subprocess.run([probe], check=True)
        seen = json.dumps(call("GET", "/v1/programs/%s/events?wait_ms=500" % pid))
        if "h8imgserv" in seen:
            break
    assert "h8imgserv" in seen, seen[:2000]
finally:
    call("DELETE", "/v1/programs/%s" % pid)
PY
	ecli_stop
}
