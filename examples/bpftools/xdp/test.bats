#!/usr/bin/env bats
# xdp: an XDP counter attached at run time (ecli run -i IFNAME) to the host end of a veth pair
# whose other end lives in a network namespace of this test. UDP datagrams sent from inside
# the namespace must be counted exactly, and nothing may stay attached after exit.

load ../../../tests/lib/common

setup() {
	need_root
	veth_ns_up
}

teardown() {
	teardown_ecli
	veth_ns_down
}

# send_udp COUNT PAYLOAD_BYTES DPORT: datagrams from inside the namespace to the host end.
send_udp() {
	nsenter --net="/run/netns/$NS" python3 - "$NET.1" "$@" <<'PY'
import socket, sys
dst, count, size, port = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
for _ in range(count):
    s.sendto(b"e" * size, (dst, port))
PY
}

# udp_count FILE: the last sampled (packets, bytes) for IPv4/UDP, as "P B", or "0 0".
udp_count() {
	python3 - "$1" <<'PY'
import json, sys
last = (0, 0)
for line in open(sys.argv[1]):
    try:
        o = json.loads(line)
    except ValueError:
        continue
    k, v = o.get("key"), o.get("value")
    if isinstance(k, dict) and isinstance(v, dict) and k.get("eth_proto") == 0x800 \
            and k.get("ip_proto") == 17:
        last = (v["packets"], v["bytes"])
print(*last)
PY
}

build() {
	ecc_build "$BATS_TEST_DIRNAME/xdp.bpf.c"
	check_pkg --obj-name xdp_bpf --no-export --prog xdp_count --var target_proto
}

@test "xdp: counts UDP packets arriving on a veth chosen with -i" {
	build
	ecli_start -j -i "$HOST_IF" "$PKG"
	ip link show dev "$HOST_IF" | grep -q 'prog/xdp'
	send_udp 20 100 9999
	# 20 frames of 14 (Ethernet) + 20 (IPv4) + 8 (UDP) + 100 bytes.
	for _ in $(seq 1 300); do
		[ "$(udp_count "$OUT")" = "20 2840" ] && break
		sleep 0.1
	done
	ecli_stop
	[ "$ECLI_STATUS" -eq 0 ]
	run udp_count "$OUT"
	echo "counted: $output"
	[ "$output" = "20 2840" ]
	# ARP has to have been seen too (the namespace resolved the host end's address).
	json_match "$OUT" "e['key']['eth_proto'] == 0x806"
	# (assigned first: a failing `ip` must fail the test, not leave an empty string)
	local link
	link=$(ip link show dev "$HOST_IF")
	[[ "$link" != *prog/xdp* ]]
	assert_no_prog xdp_count
}

@test "xdp: --proto keeps only the chosen IP protocol" {
	build
	ecli_start -j -i "$HOST_IF" "$PKG" --proto 17
	send_udp 7 10 9999
	for _ in $(seq 1 300); do
		[ "$(udp_count "$OUT")" = "7 364" ] && break
		sleep 0.1
	done
	ecli_stop
	[ "$ECLI_STATUS" -eq 0 ]
	[ "$(udp_count "$OUT")" = "7 364" ]
	# Nothing but UDP was counted (no ARP key: its ip_proto is 0).
	json_match "$OUT" "e['key']['ip_proto'] == 17"
	json_none "$OUT" "e['key']['ip_proto'] != 17"
	local link
	link=$(ip link show dev "$HOST_IF")
	[[ "$link" != *prog/xdp* ]]
	assert_no_prog xdp_count
}

@test "xdp: an unknown interface is refused with a clear error" {
	build
	run "$ECLI" run -i "eunNoSuch$ID" "$PKG"
	echo "$output"
	# a runtime error (1), not a usage error (2), saying which interface is missing
	[ "$status" -eq 1 ]
	[[ "$output" == *"no network interface 'eunNoSuch$ID' (No such device)"* ]]
	[[ "$output" != *Running* ]]
	assert_no_prog xdp_count
}
