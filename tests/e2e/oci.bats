#!/usr/bin/env bats
# Packages through an OCI registry: Debian's docker-registry on 127.0.0.1 (a per-run port,
# storage in the test's temp dir, started and stopped here), `ecli push`, `skopeo inspect`,
# `ecli pull` (byte-identical), `ecli run` by tag and by digest (decoded events), a cached
# digest with no network (unshare -n), a registry with basic auth (htpasswd), registry error
# codes, signatures pushed as referring artifacts and verified with the registry stopped, and
# eunomia-bpf's Wasm artifacts.

load "${EUNOMIA_ROOT:-$BATS_TEST_DIRNAME/../..}/tests/lib/common"

# start_registry DIR [HTPASSWD]: serve DIR/data on a free 127.0.0.1 port; sets REG (host:port)
# and writes DIR/pid. Waits until /v2/ answers.
start_registry() {
	local dir=$1 htpasswd=${2:-} port _
	mkdir -p "$dir/data"
	for _ in 1 2 3 4 5 6 7 8; do
		port=$((20000 + RANDOM % 30000))
		{
			printf 'version: 0.1\nlog:\n  level: warn\n'
			printf 'storage:\n  filesystem:\n    rootdirectory: %s\n  delete:\n    enabled: true\n' "$dir/data"
			printf 'http:\n  addr: 127.0.0.1:%s\n' "$port"
			if [ -n "$htpasswd" ]; then
				printf 'auth:\n  htpasswd:\n    realm: test-realm\n    path: %s\n' "$htpasswd"
			fi
		} >"$dir/config.yml"
		docker-registry serve "$dir/config.yml" >"$dir/log" 2>&1 &
		echo $! >"$dir/pid"
		for _ in $(seq 1 100); do
			if curl -s -o /dev/null "http://127.0.0.1:$port/v2/"; then
				REG=127.0.0.1:$port
				return 0
			fi
			kill -0 "$(cat "$dir/pid")" 2>/dev/null || break
			sleep 0.1
		done
		kill "$(cat "$dir/pid")" 2>/dev/null
		wait "$(cat "$dir/pid")" 2>/dev/null
	done
	echo "could not start docker-registry; its log:" >&2
	cat "$dir/log" >&2
	return 1
}

stop_registry() {
	local pid
	pid=$(cat "$1/pid" 2>/dev/null) || return 0
	kill "$pid" 2>/dev/null
	while kill -0 "$pid" 2>/dev/null; do sleep 0.1; done
	rm -f "$1/pid"
}

setup_file() {
	command -v docker-registry >/dev/null || skip "needs docker-registry (scripts/setup.sh deps)"
	unset http_proxy HTTP_PROXY https_proxy HTTPS_PROXY all_proxy ALL_PROXY
	export W=$BATS_FILE_TMPDIR/w
	mkdir -p "$W/pkg"
	"$ECC" "$EUNOMIA_ROOT/tests/data/packages/minimal.bpf.c" -a -DPROG_NAME=oci_getpid \
		-o "$W/pkg" >"$W/ecc.log" 2>&1 || { cat "$W/ecc.log" >&2; return 1; }
	start_registry "$W/open"
	export OPEN=$REG
	htpasswd -Bbc "$W/htpasswd" alice s3cret >/dev/null 2>&1
	start_registry "$W/auth" "$W/htpasswd"
	export AUTH=$REG
	# ecli reads no credentials from the machine's own docker config
	export DOCKER_CONFIG=$W/docker-none HOME=$W/home
	mkdir -p "$HOME"
}

teardown_file() {
	stop_registry "$BATS_FILE_TMPDIR/w/open"
	stop_registry "$BATS_FILE_TMPDIR/w/auth"
	stop_registry "$BATS_FILE_TMPDIR/w/sig"
}

setup() {
	export EUNOMIA_OCI_CACHE=$BATS_TEST_TMPDIR/cache
	P=$W/pkg/package.json
}

teardown() {
	teardown_ecli
	if [ -n "${TRIGGER_PID:-}" ]; then
		kill "$TRIGGER_PID" 2>/dev/null
		wait "$TRIGGER_PID" 2>/dev/null
	fi
	true
}

# push PKG REF [FLAGS]: sets REFD (REF@sha256:...)
push() {
	run "$ECLI" push "${@:3}" "$1" "$2"
	echo "$output"
	[ "$status" -eq 0 ]
	REFD=$(tail -n1 <<<"$output")
	[[ $REFD == "$2"@sha256:* ]]
}

# upload_blob HOST REPO FILE: POST an upload, PUT the bytes (as the spec's monolithic upload)
upload_blob() {
	local loc dig
	dig=sha256:$(sha256sum "$3" | cut -d' ' -f1)
	loc=$(curl -s -D - -o /dev/null -X POST "http://$1/v2/$2/blobs/uploads/" |
		sed -n 's/^Location: *\([^\r]*\).*/\1/Ip')
	case $loc in /*) loc=http://$1$loc ;; esac
	curl -sf -X PUT -H 'Content-Type: application/octet-stream' --data-binary "@$3" \
		"$loc&digest=$dig" >/dev/null
}

start_trigger() {
	python3 -c 'import os, time
for _ in range(1200):
    os.getpid()
    time.sleep(0.05)' &
	TRIGGER_PID=$!
}

@test "push: skopeo sees our artifactType, the empty config, one layer and the annotations" {
	need_cmd skopeo
	push "$P" "$OPEN/eunomia/minimal:v1"
	run skopeo inspect --tls-verify=false --raw "docker://$OPEN/eunomia/minimal:v1"
	echo "$output"
	[ "$status" -eq 0 ]
	python3 - "$output" "$(sha256sum "$P" | cut -d' ' -f1)" "$(stat -c %s "$P")" <<'EOF'
import json, sys
m = json.loads(sys.argv[1])
assert m["artifactType"] == "application/vnd.eunomia.package.v1+json", m
assert m["config"]["mediaType"] == "application/vnd.oci.empty.v1+json"
assert m["config"]["size"] == 2
assert len(m["layers"]) == 1
l = m["layers"][0]
assert l["mediaType"] == "application/vnd.eunomia.package.layer.v1+json"
assert l["digest"] == "sha256:" + sys.argv[2] and l["size"] == int(sys.argv[3])
a = m["annotations"]
assert a["org.opencontainers.image.title"] == "package.json"
assert a["io.eunomia.package.programs"] == "oci_getpid"
assert a["io.eunomia.package.maps"] == "events"
EOF
	# the digest ecli printed is the manifest's
	run skopeo inspect --tls-verify=false --raw "docker://$OPEN/eunomia/minimal:v1"
	[ "sha256:$(printf '%s' "$output" | sha256sum | cut -d' ' -f1)" = "${REFD#*@}" ]
}

@test "pull by tag and by digest is byte-identical" {
	push "$P" "$OPEN/eunomia/minimal:v1"
	run "$ECLI" pull "$OPEN/eunomia/minimal:v1" -o "$BATS_TEST_TMPDIR/a"
	echo "$output"
	[ "$status" -eq 0 ]
	cmp "$P" "$BATS_TEST_TMPDIR/a/package.json"
	rm -rf "$EUNOMIA_OCI_CACHE"
	run "$ECLI" pull -o "$BATS_TEST_TMPDIR/b" "$REFD"
	[ "$status" -eq 0 ]
	cmp "$P" "$BATS_TEST_TMPDIR/b/package.json"
}

@test "a missing tag names the registry's error code" {
	run "$ECLI" pull "$OPEN/eunomia/minimal:no-such-tag" -o "$BATS_TEST_TMPDIR/x"
	echo "$output"
	[ "$status" -eq 1 ]
	grep -q "$OPEN/eunomia/minimal:no-such-tag: $OPEN answered 404 MANIFEST_UNKNOWN" <<<"$output"
	[ ! -e "$BATS_TEST_TMPDIR/x" ]
	run "$ECLI" run "$OPEN/eunomia/nothing-here:v1"
	echo "$output"
	[ "$status" -eq 1 ]
	grep -q 'answered 404 \(MANIFEST_UNKNOWN\|NAME_UNKNOWN\)' <<<"$output"
}

@test "a malformed reference is a usage error" {
	run "$ECLI" pull "$OPEN/Upper/Case:v1"
	echo "$output"
	[ "$status" -eq 2 ]
	grep -q 'is not a registry reference' <<<"$output"
	run "$ECLI" pull "$OPEN/x@sha256:1234"
	[ "$status" -eq 2 ]
	grep -q 'a digest is @sha256: and 64 lower-case hex digits' <<<"$output"
}

@test "a registry that is not on loopback is reached over https" {
	command -v unshare >/dev/null || skip "needs unshare"
	[ "$(id -u)" -eq 0 ] || skip "needs root for unshare -n"
	run unshare -n "$ECLI" pull registry.example:5000/x/y:1
	echo "$output"
	[ "$status" -eq 1 ]
	grep -q 'https://registry.example:5000/v2/x/y/manifests/1' <<<"$output"
}

@test "run by tag and by digest prints the decoded events" {
	need_root
	need_tracefs
	push "$P" "$OPEN/eunomia/minimal:run"
	start_trigger
	ecli_start -j "$OPEN/eunomia/minimal:run" --target-pid "$TRIGGER_PID"
	wait_for "$OUT" "\"pid\": ?$TRIGGER_PID," 30
	json_match "$OUT" "e['pid'] == $TRIGGER_PID and e['comm'] == 'python3'"
	ecli_stop
	rm -rf "$EUNOMIA_OCI_CACHE"
	ecli_start -j "$REFD" --target-pid "$TRIGGER_PID"
	wait_for "$OUT" "\"pid\": ?$TRIGGER_PID," 30
	ecli_stop
	assert_no_prog oci_getpid
}

@test "a cached digest runs with no network at all (unshare -n)" {
	need_root
	need_tracefs
	command -v unshare >/dev/null || skip "needs unshare"
	push "$P" "$OPEN/eunomia/minimal:cached"
	rm -rf "$EUNOMIA_OCI_CACHE"
	"$ECLI" pull -o "$BATS_TEST_TMPDIR/p" "$REFD" >/dev/null
	start_trigger
	cmd_start unshare -n "$ECLI" run -j "$REFD" --target-pid "$TRIGGER_PID"
	wait_for "$OUT" "\"pid\": ?$TRIGGER_PID," 30
	ecli_stop
	# a tag is always resolved by the registry: without network it fails, naming why
	run unshare -n "$ECLI" run "$OPEN/eunomia/minimal:cached" --help
	echo "$output"
	[ "$status" -eq 1 ]
	grep -q 'is the registry running?' <<<"$output"
}

@test "basic auth: refused without credentials, accepted with -u/--password-stdin and config.json" {
	run "$ECLI" push "$P" "$AUTH/eunomia/minimal:v1"
	echo "$output"
	[ "$status" -eq 1 ]
	grep -q "$AUTH answered 401 UNAUTHORIZED" <<<"$output"
	grep -q 'give credentials with -u USER --password-stdin' <<<"$output"
	run "$ECLI" push -u alice --password-stdin "$P" "$AUTH/eunomia/minimal:v1" <<<"wrong"
	echo "$output"
	[ "$status" -eq 1 ]
	grep -q 'UNAUTHORIZED' <<<"$output"
	run "$ECLI" push -u alice --password-stdin "$P" "$AUTH/eunomia/minimal:v1" <<<"s3cret"
	echo "$output"
	[ "$status" -eq 0 ]
	run "$ECLI" pull -o "$BATS_TEST_TMPDIR/n" "$AUTH/eunomia/minimal:v1"
	[ "$status" -eq 1 ]
	grep -q 'UNAUTHORIZED' <<<"$output"
	mkdir -p "$BATS_TEST_TMPDIR/dc"
	printf '{"auths": {"%s": {"auth": "%s"}}}\n' "$AUTH" "$(printf alice:s3cret | base64)" \
		>"$BATS_TEST_TMPDIR/dc/config.json"
	DOCKER_CONFIG=$BATS_TEST_TMPDIR/dc run "$ECLI" pull -o "$BATS_TEST_TMPDIR/y" "$AUTH/eunomia/minimal:v1"
	echo "$output"
	[ "$status" -eq 0 ]
	cmp "$P" "$BATS_TEST_TMPDIR/y/package.json"
}

@test "bearer auth: the token comes from the challenge's realm, for the repository's scope" {
	local log=$BATS_TEST_TMPDIR/scopes port
	python3 "$EUNOMIA_ROOT/tests/lib/bearer-proxy.py" "$OPEN" bob pw "$log" >"$BATS_TEST_TMPDIR/proxy.port" &
	TRIGGER_PID=$!
	for _ in $(seq 1 100); do
		[ -s "$BATS_TEST_TMPDIR/proxy.port" ] && break
		sleep 0.1
	done
	port=$(cat "$BATS_TEST_TMPDIR/proxy.port")
	[ -n "$port" ]
	run "$ECLI" push "$P" "127.0.0.1:$port/eunomia/bearer:v1"
	echo "$output"
	[ "$status" -eq 1 ]
	grep -q 'the token service http://127.0.0.1:.*/token refused: .*401 UNAUTHORIZED: bad credentials' <<<"$output"
	run "$ECLI" push -u bob --password-stdin "$P" "127.0.0.1:$port/eunomia/bearer:v1" <<<pw
	echo "$output"
	[ "$status" -eq 0 ]
	grep -q '^test-registry repository:eunomia/bearer:pull,push$' "$log"
	mkdir -p "$BATS_TEST_TMPDIR/dc"
	printf '{"auths": {"127.0.0.1:%s": {"auth": "%s"}}}\n' "$port" "$(printf bob:pw | base64)" \
		>"$BATS_TEST_TMPDIR/dc/config.json"
	DOCKER_CONFIG=$BATS_TEST_TMPDIR/dc run "$ECLI" pull -o "$BATS_TEST_TMPDIR/o" "127.0.0.1:$port/eunomia/bearer:v1"
	echo "$output"
	[ "$status" -eq 0 ]
	cmp "$P" "$BATS_TEST_TMPDIR/o/package.json"
	grep -q '^test-registry repository:eunomia/bearer:pull$' "$log"
}

@test "a signed push verifies after the registry is stopped; a wrong key is refused" {
	start_registry "$W/sig"
	local sig=$REG
	"$ECLI" keygen -o "$BATS_TEST_TMPDIR/k" >/dev/null
	"$ECLI" keygen -o "$BATS_TEST_TMPDIR/other" >/dev/null
	push "$P" "$sig/eunomia/signed:v1" --sign "$BATS_TEST_TMPDIR/k.key"
	local signed=$REFD id
	id=$(sed -n 's/^untrusted comment: minisign public key \([0-9A-F]*\)$/\1/p' "$BATS_TEST_TMPDIR/k.pub")
	# the signature is an artifact referring to the manifest (tag fallback on this registry)
	run curl -s "http://$sig/v2/eunomia/signed/manifests/sha256-${signed##*sha256:}" \
		-H 'Accept: application/vnd.oci.image.index.v1+json'
	echo "$output"
	grep -q 'application/vnd.eunomia.package.signature.v1+minisig' <<<"$output"
	# unsigned (other bytes: a signature is of the package's bytes, wherever they are): refused
	cp "$P" "$BATS_TEST_TMPDIR/package.json"
	echo >>"$BATS_TEST_TMPDIR/package.json"
	push "$BATS_TEST_TMPDIR/package.json" "$sig/eunomia/unsigned:v1"
	run "$ECLI" run --verify-key "$BATS_TEST_TMPDIR/k.pub" "$REFD" --help
	echo "$output"
	[ "$status" -eq 1 ]
	grep -q "refusing .*it is not signed (no signature artifact referring to" <<<"$output"
	if grep -q 'Usage: minimal' <<<"$output"; then return 1; fi
	# signed: fetched with the package and cached
	run "$ECLI" pull -o "$BATS_TEST_TMPDIR/s" "$sig/eunomia/signed:v1"
	[ "$status" -eq 0 ]
	minisign -V -p "$BATS_TEST_TMPDIR/k.pub" -m "$BATS_TEST_TMPDIR/s/package.json"
	stop_registry "$W/sig"
	run "$ECLI" run --verify-key "$BATS_TEST_TMPDIR/k.pub" "$signed" --help
	echo "$output"
	[ "$status" -eq 0 ]
	grep -q "signature by key ID $id .* verified" <<<"$output"
	grep -q 'Usage: minimal' <<<"$output"
	run "$ECLI" run --verify-key "$BATS_TEST_TMPDIR/other.pub" "$signed" --help
	echo "$output"
	[ "$status" -eq 1 ]
	grep -q "signed by key ID $id, which is not a trusted key" <<<"$output"
}

@test "eunomia-bpf Wasm artifacts are pulled and stored, and run says it cannot run them" {
	local wasm=$BATS_TEST_TMPDIR/app.wasm dig man
	printf '\0asm\1\0\0\0' >"$wasm"
	printf '{}' >"$BATS_TEST_TMPDIR/empty"
	dig=sha256:$(sha256sum "$wasm" | cut -d' ' -f1)
	upload_blob "$OPEN" eunomia/wasm "$wasm"
	upload_blob "$OPEN" eunomia/wasm "$BATS_TEST_TMPDIR/empty"
	man=$(printf '{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json","config":{"mediaType":"application/vnd.oci.empty.v1+json","digest":"sha256:44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a","size":2},"layers":[{"mediaType":"application/vnd.wasm.content.layer.v1+wasm","digest":"%s","size":8,"annotations":{"org.opencontainers.image.title":"app.wasm"}}]}' "$dig")
	curl -sf -X PUT -H 'Content-Type: application/vnd.oci.image.manifest.v1+json' \
		--data-binary "$man" "http://$OPEN/v2/eunomia/wasm/manifests/v1" >/dev/null
	run "$ECLI" pull -o "$BATS_TEST_TMPDIR/w" "$OPEN/eunomia/wasm:v1"
	echo "$output"
	[ "$status" -eq 0 ]
	cmp "$wasm" "$BATS_TEST_TMPDIR/w/app.wasm"
	grep -q 'stored a Wasm module (application/vnd.wasm.content.layer.v1+wasm); ecli cannot run Wasm packages yet' <<<"$output"
	run "$ECLI" run "$OPEN/eunomia/wasm:v1"
	echo "$output"
	[ "$status" -eq 1 ]
	grep -q 'is a Wasm module .*ecli cannot run Wasm packages yet' <<<"$output"
}
