#!/usr/bin/env bats
# `ecli server --require-signature --trusted-dir DIR`: a package is started only when its
# request carries a minisign "signature" of its bytes by a key of DIR; otherwise 403 with the
# reason (unsigned, untrusted key, tampered, a URL), and nothing is loaded.

load ../lib/common
load ../data/e2e/helpers
load ../lib/server

# body FILE PKG [SIG]: a POST /v1/programs body with the package's text and its signature
body() {
	python3 - "$@" <<'PY'
import json, sys
d = {"package": open(sys.argv[2]).read(), "name": "signed"}
if len(sys.argv) > 3:
    d["signature"] = open(sys.argv[3]).read()
json.dump(d, open(sys.argv[1], "w"))
PY
}

@test "server --require-signature: 403 unless signed by a trusted key" {
	local d=$BATS_TEST_TMPDIR/trusted.d
	mkdir -p "$d"
	"$ECLI" keygen -o "$BATS_TEST_TMPDIR/ops" >/dev/null
	"$ECLI" keygen -o "$BATS_TEST_TMPDIR/other" >/dev/null
	cp "$BATS_TEST_TMPDIR/ops.pub" "$d/"
	ecc_build "$EUNOMIA_ROOT/tests/data/packages/minimal.bpf.c" -a -DPROG_NAME=srvsign_getpid
	server_start --no-state --require-signature --trusted-dir "$d"
	body "$BATS_TEST_TMPDIR/unsigned" "$PKG"
	req POST /v1/programs "$BATS_TEST_TMPDIR/unsigned"
	echo "$CODE $BODY"
	[ "$CODE" = 403 ]
	grep -q 'it is not signed (no \\"signature\\" in the request)' <<<"$BODY"
	"$ECLI" sign -k "$BATS_TEST_TMPDIR/other.key" -o "$BATS_TEST_TMPDIR/other.sig" "$PKG" >/dev/null
	body "$BATS_TEST_TMPDIR/other" "$PKG" "$BATS_TEST_TMPDIR/other.sig"
	req POST /v1/programs "$BATS_TEST_TMPDIR/other"
	echo "$CODE $BODY"
	[ "$CODE" = 403 ]
	grep -q 'which is not a trusted key' <<<"$BODY"
	"$ECLI" sign -k "$BATS_TEST_TMPDIR/ops.key" -o "$BATS_TEST_TMPDIR/ops.sig" "$PKG" >/dev/null
	cp "$PKG" "$BATS_TEST_TMPDIR/tampered.json"
	sed -i 's/"srvsign_getpid"/"srvsign_getpiX"/' "$BATS_TEST_TMPDIR/tampered.json"
	body "$BATS_TEST_TMPDIR/tampered" "$BATS_TEST_TMPDIR/tampered.json" "$BATS_TEST_TMPDIR/ops.sig"
	req POST /v1/programs "$BATS_TEST_TMPDIR/tampered"
	echo "$CODE $BODY"
	[ "$CODE" = 403 ]
	grep -q 'does not match its bytes' <<<"$BODY"
	[ "$(prog_count srvsign_getpid)" -eq 0 ]
	python3 -c 'import json,sys; json.dump({"url": "http://127.0.0.1:1/p.json"}, open(sys.argv[1], "w"))' "$BATS_TEST_TMPDIR/url"
	req POST /v1/programs "$BATS_TEST_TMPDIR/url"
	echo "$CODE $BODY"
	[ "$CODE" = 403 ]
	grep -q 'requires signed packages' <<<"$BODY"
	body "$BATS_TEST_TMPDIR/good" "$PKG" "$BATS_TEST_TMPDIR/ops.sig"
	req POST /v1/programs "$BATS_TEST_TMPDIR/good"
	echo "$CODE $BODY"
	[ "$CODE" = 201 ]
	[ "$(prog_count srvsign_getpid)" -eq 1 ]
	server_stop
	[ "$SRV_STATUS" -eq 0 ]
	assert_no_prog srvsign_getpid
}

@test "server: a signature with a package given as a JSON object is a 400" {
	ecc_build "$EUNOMIA_ROOT/tests/data/packages/minimal.bpf.c" -a -DPROG_NAME=srvsign_getpid
	"$ECLI" keygen -o "$BATS_TEST_TMPDIR/ops" >/dev/null
	"$ECLI" sign -k "$BATS_TEST_TMPDIR/ops.key" "$PKG" >/dev/null
	server_start --no-state
	python3 -c 'import json,sys; json.dump({"package": json.load(open(sys.argv[2])), "signature": open(sys.argv[2] + ".minisig").read()}, open(sys.argv[1], "w"))' \
		"$BATS_TEST_TMPDIR/obj" "$PKG"
	req POST /v1/programs "$BATS_TEST_TMPDIR/obj"
	echo "$CODE $BODY"
	[ "$CODE" = 400 ]
	grep -q 'send the signed bytes themselves' <<<"$BODY"
	server_stop
}
