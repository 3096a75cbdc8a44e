#!/usr/bin/env bats
# tc: a clsact ingress classifier attached at run time (ecli run -i IFNAME) to the host end of
# a veth pair whose other end lives in a network namespace of this test. Each UDP datagram
# sent from inside the namespace must be logged with its decoded IPv4/UDP fields, and the
# filter must be gone after exit.

load ../../../tests/lib/common

setup() {
	need_root
	need_cmd tc
	veth_ns_up
}

teardown() {
	teardown_ecli
	veth_ns_down
}

# send_udp COUNT PAYLOAD_BYTES SPORT DPORT: datagrams from inside the namespace.
send_udp() {
	nsenter --net="/run/netns/$NS" python3 - "$NET.1" "$@" <<'PY'
import socket, sys
dst = sys.argv[1]
count, size, sport, dport = map(int, sys.argv[2:6])
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(("0.0.0.0", sport))
for _ in range(count):
    s.sendto(b"t" * size, (dst, dport))
PY
}

build() {
	ecc_build "$BATS_TEST_DIRNAME/tc.bpf.c" "$BATS_TEST_DIRNAME/tc.h"
	check_pkg --obj-name tc_bpf --export packet --prog tc_ingress --var target_dport
}

# check_packets FILE COUNT: exactly COUNT events, all with the expected decoded fields.
check_packets() {
	python3 - "$1" "$2" "$(cat "/sys/class/net/$HOST_IF/ifindex")" "$NET" <<'PY'
import json, sys
path, count, ifindex, net = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4]
host = [int(x) for x in net.split(".")] + [1]
peer = host[:3] + [2]
rows = [json.loads(l) for l in open(path) if l.strip().startswith("{")]
# the end marker (source port 40125) is not counted
rows = [r for r in rows if r.get("sport") != 40125]
want = {"ifindex": ifindex, "len": 14 + 20 + 8 + 64, "saddr": peer, "daddr": host,
        "sport": 40123, "dport": 9876, "ip_proto": 17, "ttl": 64}
if len(rows) != count:
    sys.exit(f"{len(rows)} events, expected {count}: {rows[:3]}")
for r in rows:
    for k, v in want.items():
        if r.get(k) != v:
            sys.exit(f"field {k} = {r.get(k)!r}, expected {v!r} in {r}")
print(f"{len(rows)} packets decoded as expected")
PY
}

@test "tc: logs UDP packets at ingress of a veth chosen with -i, decoded" {
	build
	ecli_start -j -i "$HOST_IF" "$PKG" --proto 17 --port 9876
	# a tcx link (Linux 6.6+), not a clsact filter: it goes away with ecli, even after SIGKILL
	bpftool -j link show | grep -q '"type":11,'
	# Other ports must be filtered out in the kernel.
	send_udp 3 64 40124 9877
	send_udp 5 64 40123 9876
	# a last datagram from another source port marks the end: once it is logged, so is
	# everything sent before it
	send_udp 1 64 40125 9876
	wait_for "$OUT" '"sport":40125' 30
	ecli_stop
	[ "$ECLI_STATUS" -eq 0 ]
	check_packets "$OUT" 5
	# (assigned first: a failing tc must fail the test, not leave an empty string)
	local filters
	filters=$(tc filter show dev "$HOST_IF" ingress)
	[ -z "$filters" ]
	assert_no_prog tc_ingress
}

@test "tc: plain output shows one row per packet" {
	build
	ecli_start -i "$HOST_IF" "$PKG" -P 9876
	send_udp 2 64 40123 9876
	send_udp 1 64 40125 9876 # end marker
	wait_for "$OUT" ' 40125 +9876 ' 30
	ecli_stop
	[ "$ECLI_STATUS" -eq 0 ]
	head -1 "$OUT" | grep -Eq '^TIME +IFINDEX +LEN +SADDR +DADDR +SPORT +DPORT +IP_PROTO +TTL'
	[ "$(grep -Ec ' 40123 +9876 +17 +64 *$' "$OUT")" -eq 2 ]
	local filters
	filters=$(tc filter show dev "$HOST_IF" ingress)
	[ -z "$filters" ]
	assert_no_prog tc_ingress
}
