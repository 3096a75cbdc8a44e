#!/usr/bin/env bats
# lsm-connect: a BPF LSM program on socket_connect that denies one port. This kernel refuses
# BPF trampoline programs (lsm included: BPF_PROG_LOAD gives EPERM), so ecli must refuse
# clearly and leave nothing loaded. Where BPF LSM works, the tool is run for real instead.

load ../../../tests/lib/common

setup() {
	need_root
	PIN=
}

teardown() {
	teardown_ecli
	[ -z "${PIN:-}" ] || rm -rf "$PIN"
	true
}

build() {
	ecc_build "$BATS_TEST_DIRNAME/lsm-connect.bpf.c" "$BATS_TEST_DIRNAME/lsm-connect.h"
	check_pkg --obj-name lsm-connect_bpf --export denied_event --prog deny_connect \
		--var blocked_port --var targ_pid
}

# Probe: BPF LSM active and the tool's program loadable (needs build first).
have_bpf_lsm() {
	grep -qw bpf /sys/kernel/security/lsm 2>/dev/null || return 1
	mountpoint -q /sys/fs/bpf || return 1
	PIN=/sys/fs/bpf/eun-probe-$(run_id)
	local ok=1
	bpftool prog loadall "$(dirname "$PKG")/lsm-connect.bpf.o" "$PIN" >/dev/null 2>&1 && ok=0
	rm -rf "$PIN"
	return $ok
}

@test "lsm-connect: compiles and packages the lsm program and its flags" {
	build
	grep -q '"lsm/socket_connect"' "$PKG"
	grep -q '"blocked_port"' "$PKG"
	run "$ECLI" run "$PKG" --help
	echo "$output"
	[ "$status" -eq 0 ]
	[[ "$output" == *--port* ]]
}

@test "lsm-connect: ecli refuses clearly where BPF LSM is unavailable" {
	build
	have_bpf_lsm && skip "this kernel runs BPF LSM programs; the next test runs the tool"
	run timeout 30 "$ECLI" run "$PKG" --port 1
	echo "status $status; output:"
	echo "$output"
	[ "$status" -eq 1 ]
	[[ "$output" != *Running* ]]
	[[ "$output" == *deny_connect* ]]
	# the loader's explanation itself (not the section name or the errno text any error shows)
	echo "$output" | grep -qF 'refuses fentry/fexit/lsm programs (BPF trampolines unavailable)'
	echo "$output" | grep -qF -- '--disable deny_connect'
	assert_no_prog deny_connect
}

@test "lsm-connect: denies connect() to the chosen port only" {
	build
	have_bpf_lsm || skip "kernel lacks BPF LSM or refuses lsm programs (BPF_PROG_LOAD: EPERM)"
	read -r p1 p2 < <(python3 -c 'import random; p = random.randint(20000, 60000); print(p, p + 1)')
	ecli_start -j "$PKG" --port "$p1"
	# connect() to p1 must fail with EPERM; p2 gets the ordinary ECONNREFUSED (no listener).
	client_pid=$(python3 - "$p1" "$p2" <<'PY'
import errno, os, socket, sys
print(os.getpid(), flush=True)
for port, want in ((int(sys.argv[1]), errno.EPERM), (int(sys.argv[2]), errno.ECONNREFUSED)):
    s = socket.socket()
    err = s.connect_ex(("127.0.0.1", port))
    if err != want:
        sys.exit(f"connect to {port}: {errno.errorcode.get(err, err)}, expected {errno.errorcode[want]}")
PY
	)
	wait_for "$OUT" "\"pid\":$client_pid," 10
	ecli_stop
	[ "$ECLI_STATUS" -eq 0 ]
	json_has "$OUT" comm '^python3$'
	json_has "$OUT" dport "^$p1\$"
	json_has "$OUT" daddr '127, 0, 0, 1'
	assert_no_prog deny_connect
}
