#!/usr/bin/env bats
# Signatures in minisign's format: `ecli keygen`, `ecli sign`, `ecli run --verify-key` and
# `--require-signature`, interoperating both ways with the minisign CLI. A tampered package, a
# wrong key and a missing signature are refused before anything of the package is opened (its
# --help never prints, no program is loaded), with the key ID and the SHA-256 named.

load "${EUNOMIA_ROOT:-$BATS_TEST_DIRNAME/../..}/tests/lib/common"

setup_file() {
	export W=$BATS_FILE_TMPDIR/w
	mkdir -p "$W"
	"$ECC" "$EUNOMIA_ROOT/tests/data/packages/minimal.bpf.c" -a -DPROG_NAME=sign_getpid -o "$W" \
		>"$BATS_FILE_TMPDIR/ecc.log" 2>&1 || { cat "$BATS_FILE_TMPDIR/ecc.log" >&2; return 1; }
	"$ECLI" keygen -o "$W/ecli" >"$W/keygen.out"
	export ECLI_ID
	ECLI_ID=$(sed -n 's/^key ID \([0-9A-F]\{16\}\):.*/\1/p' "$W/keygen.out")
	[ -n "$ECLI_ID" ]
}

setup() {
	need_cmd minisign
	cp "$W/package.json" "$BATS_TEST_TMPDIR/package.json"
	P=$BATS_TEST_TMPDIR/package.json
	SUM=$(sha256sum "$P" | cut -d' ' -f1)
}

teardown() {
	teardown_ecli
	if [ -n "${TRIGGER_PID:-}" ]; then
		kill "$TRIGGER_PID" 2>/dev/null
		wait "$TRIGGER_PID" 2>/dev/null
	fi
	true
}

# refused: the run failed, said why with the digest, and never opened the package
refused() {
	echo "$output"
	[ "$status" -eq 1 ]
	grep -q "refusing '.*' (sha256 $SUM)" <<<"$output"
	if grep -q 'Usage: minimal' <<<"$output"; then
		echo "the package was opened although its signature did not verify" >&2
		return 1
	fi
}

@test "keygen writes a 0600 secret key and refuses to overwrite without -f" {
	[ "$(stat -c %a "$W/ecli.key")" = 600 ]
	grep -q "^untrusted comment: minisign public key $ECLI_ID" "$W/ecli.pub"
	run "$ECLI" keygen -o "$W/ecli"
	echo "$output"
	[ "$status" -eq 1 ]
	grep -q "cannot create '$W/ecli.key': File exists (use -f to overwrite it)" <<<"$output"
}

@test "ecli sign -> minisign -V verifies, and ecli run --verify-key accepts it" {
	run "$ECLI" sign -k "$W/ecli.key" "$P"
	[ "$status" -eq 0 ]
	[ -f "$P.minisig" ]
	run minisign -V -p "$W/ecli.pub" -m "$P"
	echo "$output"
	[ "$status" -eq 0 ]
	grep -q 'Signature and comment signature verified' <<<"$output"
	run "$ECLI" run --verify-key "$W/ecli.pub" "$P" --help
	echo "$output"
	[ "$status" -eq 0 ]
	grep -q "signature by key ID $ECLI_ID ($W/ecli.pub) verified" <<<"$output"
	grep -q 'Usage: minimal' <<<"$output"
}

@test "minisign -S -> ecli run --verify-key accepts it; ecli sign with a minisign key" {
	minisign -G -W -p "$BATS_TEST_TMPDIR/m.pub" -s "$BATS_TEST_TMPDIR/m.key" >/dev/null
	mid=$(sed -n 's/^untrusted comment: minisign public key \([0-9A-F]*\)$/\1/p' "$BATS_TEST_TMPDIR/m.pub")
	# minisign writes the id without leading zeros; ecli names it with all 16 digits
	mid=$(printf '%016X' "0x$mid")
	minisign -S -s "$BATS_TEST_TMPDIR/m.key" -m "$P" >/dev/null
	run "$ECLI" run --verify-key "$BATS_TEST_TMPDIR/m.pub" "$P" --help
	echo "$output"
	[ "$status" -eq 0 ]
	grep -q "signature by key ID $mid .* verified" <<<"$output"
	# the key given as minisign -P takes it, the base64 line
	run "$ECLI" run --verify-key "$(tail -n1 "$BATS_TEST_TMPDIR/m.pub")" "$P" --help
	[ "$status" -eq 0 ]
	# ecli signs with minisign's key; minisign verifies
	run "$ECLI" sign -k "$BATS_TEST_TMPDIR/m.key" -o "$BATS_TEST_TMPDIR/e.sig" "$P"
	[ "$status" -eq 0 ]
	run minisign -V -p "$BATS_TEST_TMPDIR/m.pub" -m "$P" -x "$BATS_TEST_TMPDIR/e.sig"
	echo "$output"
	[ "$status" -eq 0 ]
}

@test "a tampered package is refused, naming the key ID and the digest" {
	"$ECLI" sign -k "$W/ecli.key" "$P" >/dev/null
	sed -i 's/"sign_getpid"/"sign_getpiX"/' "$P"
	SUM=$(sha256sum "$P" | cut -d' ' -f1)
	run "$ECLI" run --verify-key "$W/ecli.pub" "$P" --help
	refused
	grep -q "the signature by key ID $ECLI_ID does not match its bytes" <<<"$output"
}

@test "a signature by another key is refused, naming both key IDs" {
	"$ECLI" keygen -o "$BATS_TEST_TMPDIR/other" >/dev/null
	oid=$(sed -n 's/^untrusted comment: minisign public key \([0-9A-F]*\)$/\1/p' "$BATS_TEST_TMPDIR/other.pub")
	"$ECLI" sign -k "$BATS_TEST_TMPDIR/other.key" "$P" >/dev/null
	run "$ECLI" run --verify-key "$W/ecli.pub" "$P" --help
	refused
	grep -q "signed by key ID $oid, which is not a trusted key (tried $ECLI_ID)" <<<"$output"
}

@test "a missing signature is refused; --signature FILE points elsewhere" {
	run "$ECLI" run --verify-key "$W/ecli.pub" "$P" --help
	refused
	grep -q "it is not signed (no $P.minisig)" <<<"$output"
	"$ECLI" sign -k "$W/ecli.key" -o "$BATS_TEST_TMPDIR/elsewhere.sig" "$P" >/dev/null
	run "$ECLI" run --verify-key "$W/ecli.pub" --signature "$BATS_TEST_TMPDIR/elsewhere.sig" "$P" --help
	[ "$status" -eq 0 ]
	run "$ECLI" run --verify-key "$W/ecli.pub" --signature "$BATS_TEST_TMPDIR/nope.sig" "$P" --help
	echo "$output"
	[ "$status" -eq 1 ]
	grep -q "cannot read the signature '$BATS_TEST_TMPDIR/nope.sig'" <<<"$output"
}

@test "a damaged signature file is refused" {
	"$ECLI" sign -k "$W/ecli.key" "$P" >/dev/null
	sed -i '2s/^..../AAAA/' "$P.minisig"
	run "$ECLI" run --verify-key "$W/ecli.pub" "$P" --help
	refused
}

@test "an altered trusted comment is refused" {
	"$ECLI" sign -k "$W/ecli.key" "$P" >/dev/null
	sed -i 's/^trusted comment: .*/trusted comment: anything/' "$P.minisig"
	run "$ECLI" run --verify-key "$W/ecli.pub" "$P" --help
	refused
	grep -q "trusted comment of the signature by key ID $ECLI_ID was altered" <<<"$output"
}

@test "--require-signature takes the keys of --trusted-dir" {
	local d=$BATS_TEST_TMPDIR/trusted.d
	mkdir -p "$d"
	run "$ECLI" run --require-signature --trusted-dir "$d" "$P" --help
	refused
	grep -q "a signature is required but $d has no \*.pub keys" <<<"$output"
	cp "$W/ecli.pub" "$d/ops.pub"
	run "$ECLI" run --require-signature --trusted-dir "$d" "$P" --help
	refused
	grep -q 'it is not signed' <<<"$output"
	"$ECLI" sign -k "$W/ecli.key" "$P" >/dev/null
	run "$ECLI" run --require-signature --trusted-dir "$d" "$P" --help
	echo "$output"
	[ "$status" -eq 0 ]
	grep -q "signature by key ID $ECLI_ID ($d/ops.pub) verified" <<<"$output"
	run "$ECLI" run --require-signature --trusted-dir "$BATS_TEST_TMPDIR/absent" "$P" --help
	refused
	grep -q "cannot open the trusted key directory" <<<"$output"
}

@test "a package on standard input needs --signature" {
	"$ECLI" sign -k "$W/ecli.key" "$P" >/dev/null
	run "$ECLI" run --verify-key "$W/ecli.pub" - --help <"$P"
	echo "$output"
	[ "$status" -eq 1 ]
	grep -q 'a package on standard input needs --signature FILE' <<<"$output"
	run "$ECLI" run --verify-key "$W/ecli.pub" --signature "$P.minisig" - --help <"$P"
	[ "$status" -eq 0 ]
}

# serve DIR on a free 127.0.0.1 port with python3 -m http.server; sets SRV_PORT, SRV_PID
serve() {
	local _
	for _ in 1 2 3 4 5 6 7 8; do
		SRV_PORT=$((20000 + RANDOM % 30000))
		python3 -m http.server --bind 127.0.0.1 --directory "$1" "$SRV_PORT" \
			>"$BATS_TEST_TMPDIR/http.log" 2>&1 &
		SRV_PID=$!
		for _ in $(seq 1 50); do
			if curl -s -o /dev/null "http://127.0.0.1:$SRV_PORT/"; then
				return 0
			fi
			kill -0 "$SRV_PID" 2>/dev/null || break
			sleep 0.1
		done
		kill "$SRV_PID" 2>/dev/null
		wait "$SRV_PID" 2>/dev/null
	done
	return 1
}

@test "a URL is verified with URL.minisig beside it; unsigned and tampered URLs are refused" {
	need_cmd curl
	unset http_proxy HTTP_PROXY all_proxy ALL_PROXY
	local www=$BATS_TEST_TMPDIR/www
	mkdir -p "$www"
	cp "$P" "$www/signed.json"
	cp "$P" "$www/unsigned.json"
	"$ECLI" sign -k "$W/ecli.key" "$www/signed.json" >/dev/null
	serve "$www"
	TRIGGER_PID=$SRV_PID
	run "$ECLI" run --verify-key "$W/ecli.pub" "http://127.0.0.1:$SRV_PORT/signed.json" --help
	echo "$output"
	[ "$status" -eq 0 ]
	grep -q "signature by key ID $ECLI_ID .* verified" <<<"$output"
	grep -q 'Usage: minimal' <<<"$output"
	# the #sha256= pin still applies
	local pin
	pin=$(sha256sum "$www/signed.json" | cut -d' ' -f1)
	run "$ECLI" run --verify-key "$W/ecli.pub" "http://127.0.0.1:$SRV_PORT/signed.json#sha256=$pin" --help
	[ "$status" -eq 0 ]
	run "$ECLI" run --verify-key "$W/ecli.pub" "http://127.0.0.1:$SRV_PORT/unsigned.json" --help
	refused
	grep -q "it is not signed (no http://127.0.0.1:$SRV_PORT/unsigned.json.minisig)" <<<"$output"
	cp "$www/signed.json.minisig" "$www/unsigned.json.minisig"
	sed -i 's/"sign_getpid"/"sign_getpiX"/' "$www/unsigned.json"
	SUM=$(sha256sum "$www/unsigned.json" | cut -d' ' -f1)
	run "$ECLI" run --verify-key "$W/ecli.pub" "http://127.0.0.1:$SRV_PORT/unsigned.json" --help
	refused
	grep -q 'does not match its bytes' <<<"$output"
}

@test "a verified package runs and prints the events it is triggered for" {
	need_root
	need_tracefs
	"$ECLI" sign -k "$W/ecli.key" "$P" >/dev/null
	python3 -c 'import os, time
for _ in range(1200):
    os.getpid()
    time.sleep(0.05)' &
	TRIGGER_PID=$!
	ecli_start -j --verify-key "$W/ecli.pub" "$P" --target-pid "$TRIGGER_PID"
	grep -q "signature by key ID $ECLI_ID" "$ERR"
	wait_for "$OUT" "\"pid\": ?$TRIGGER_PID," 30
	json_match "$OUT" "e['pid'] == $TRIGGER_PID and e['comm'] == 'python3'"
	ecli_stop
	assert_no_prog sign_getpid
}

@test "a refused package loads no program" {
	need_root
	run "$ECLI" run --verify-key "$W/ecli.pub" "$P"
	refused
	assert_no_prog sign_getpid
}
