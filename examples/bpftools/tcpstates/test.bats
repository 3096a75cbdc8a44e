#!/usr/bin/env bats
# tcpstates: sock:inet_sock_set_state. A python3 server on 127.0.0.1 and ::1 (same port) takes
# one connection over each family from a client process of this test; every transition of the
# client and server sockets must be reported with pid/comm (where they happen in process
# context), addresses, ports and states decoded as NAME(value).

load ../../../tests/lib/common

setup() {
	need_root
	need_tracefs
	SERVER_PID=
}

teardown() {
	teardown_ecli
	if [ -n "${SERVER_PID:-}" ]; then
		kill "$SERVER_PID" 2>/dev/null
		wait "$SERVER_PID" 2>/dev/null
	fi
	true
}

build() {
	ecc_build "$BATS_TEST_DIRNAME/tcpstates.bpf.c" "$BATS_TEST_DIRNAME/tcpstates.h"
	check_pkg --obj-name tcpstates_bpf --export event --prog handle_set_state --var target_port
}

# A port free on both 127.0.0.1 and ::1.
pick_port() {
	python3 - <<'PY'
import socket
while True:
    a = socket.socket(socket.AF_INET6)
    a.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 1)
    a.bind(("::1", 0))
    port = a.getsockname()[1]
    b = socket.socket()
    try:
        b.bind(("127.0.0.1", port))
    except OSError:
        continue
    print(port)
    break
PY
}

# start_server PORT: listen on 127.0.0.1 and ::1, read each connection to EOF, then close it.
start_server() {
	python3 - "$1" "$BATS_TEST_TMPDIR/ready" <<'PY' &
import selectors, socket, sys
port = int(sys.argv[1])
sel = selectors.DefaultSelector()
for fam, addr in ((socket.AF_INET, "127.0.0.1"), (socket.AF_INET6, "::1")):
    s = socket.socket(fam)
    if fam == socket.AF_INET6:
        s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 1)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind((addr, port))
    s.listen(4)
    sel.register(s, selectors.EVENT_READ)
open(sys.argv[2], "w").close()
while True:
    for key, _ in sel.select():
        c, _ = key.fileobj.accept()
        while c.recv(4096):
            pass
        c.close()
PY
	SERVER_PID=$!
	for _ in $(seq 1 300); do
		[ -e "$BATS_TEST_TMPDIR/ready" ] && return 0
		sleep 0.1
	done
	return 1
}

# connect_both PORT: one process connects to both families, sends, closes; prints its pid.
connect_both() {
	python3 - "$1" <<'PY'
import os, socket, sys, time
port = int(sys.argv[1])
print(os.getpid(), flush=True)
for fam, addr in ((socket.AF_INET, "127.0.0.1"), (socket.AF_INET6, "::1")):
    c = socket.socket(fam)
    c.connect((addr, port))
    c.sendall(b"hello")
    c.close()
    time.sleep(0.1)
PY
}

@test "tcpstates: IPv4 and IPv6 transitions with addresses, ports, states and pid" {
	build
	port=$(pick_port)
	ecli_start -j "$PKG" --port "$port"
	start_server "$port"
	client_pid=$(connect_both "$port")
	# the last transition of all (IPv6 is second; the server closes after the client's
	# last ACK): one ring buffer, read in order, so every earlier one is in the output too
	wait_for "$OUT" '"family":10,.*"oldstate":"LAST_ACK\(9\)"' 30
	ecli_stop
	[ "$ECLI_STATUS" -eq 0 ]
	python3 - "$OUT" "$port" "$client_pid" "$SERVER_PID" <<'PY'
import json, sys
path, port, cpid, spid = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
rows = [json.loads(l) for l in open(path) if l.strip().startswith("{")]
rows = [r for r in rows if "map" not in r]  # the exit dump of the timestamps map
lo = {2: [127, 0, 0, 1] + [0] * 12, 10: [0] * 15 + [1]}
def st(name, val):
    return f"{name}({val})"
def find(fam, side, old, new):
    for r in rows:
        ports = (r["sport"], r["dport"])
        mine = ports[1] == port if side == "client" else ports[0] == port
        if r["family"] == fam and mine and r["oldstate"] == old and r["newstate"] == new:
            return r
    sys.exit(f"no {side} transition {old} -> {new} for family {fam}; got:\n" +
             "\n".join(map(str, rows)))
for r in rows:
    if port not in (r["sport"], r["dport"]):
        sys.exit(f"--port filter let through {r}")
    # A listening socket has no peer yet: its daddr is all zeros.
    peer = [0] * 16 if r["newstate"] == st("LISTEN", 10) else lo[r["family"]]
    if r["saddr"] != lo[r["family"]] or r["daddr"] != peer:
        sys.exit(f"bad addresses in {r}")
for fam in (2, 10):
    listen = find(fam, "server", st("CLOSE", 7), st("LISTEN", 10))
    if listen["pid"] != spid or listen["comm"] != "python3":
        sys.exit(f"listen() not attributed to the server {spid}: {listen}")
    syn = find(fam, "client", st("CLOSE", 7), st("SYN_SENT", 2))
    if syn["pid"] != cpid or syn["comm"] != "python3":
        sys.exit(f"connect() not attributed to the client {cpid}: {syn}")
    # connect() changes state before it binds the local port: sport is still 0 here.
    if syn["dport"] != port or syn["sport"] != 0:
        sys.exit(f"bad ports in {syn}")
    est = find(fam, "client", st("SYN_SENT", 2), st("ESTABLISHED", 1))
    if est["skaddr"] != syn["skaddr"] or not 1024 <= est["sport"] <= 65535:
        sys.exit(f"SYN_SENT -> ESTABLISHED of another socket: {est}")
    fin = find(fam, "client", st("ESTABLISHED", 1), st("FIN_WAIT1", 4))
    if fin["pid"] != cpid or fin["skaddr"] != syn["skaddr"]:
        sys.exit(f"close() not attributed to the client socket: {fin}")
    find(fam, "server", st("SYN_RECV", 3), st("ESTABLISHED", 1))
    find(fam, "server", st("ESTABLISHED", 1), st("CLOSE_WAIT", 8))
    find(fam, "server", st("LAST_ACK", 9), st("CLOSE", 7))
print(f"{len(rows)} transitions checked")
PY
	assert_no_prog handle_set_state
}

@test "tcpstates: --family 6 drops IPv4 sockets" {
	build
	port=$(pick_port)
	ecli_start -j "$PKG" --port "$port" --family 6
	start_server "$port"
	connect_both "$port" >/dev/null
	# the IPv6 connection comes second: once its last transition is out, any IPv4 one (had
	# the filter let it through) is too (one ring buffer, read in order)
	wait_for "$OUT" '"family":10,.*"oldstate":"LAST_ACK\(9\)"' 30
	ecli_stop
	[ "$ECLI_STATUS" -eq 0 ]
	json_match "$OUT" "e['family'] == 10"
	json_none "$OUT" "e['family'] != 10"
	assert_no_prog handle_set_state
}

@test "tcpstates: plain output prints states as NAME(value)" {
	build
	port=$(pick_port)
	ecli_start "$PKG" -P "$port"
	start_server "$port"
	connect_both "$port" >/dev/null
	wait_for "$OUT" 'LAST_ACK\(9\) +CLOSE\(7\)' 10
	ecli_stop
	[ "$ECLI_STATUS" -eq 0 ]
	head -1 "$OUT" | grep -Eq '^TIME +SKADDR +DELTA_US +PID +COMM +FAMILY +SPORT +DPORT +SADDR +DADDR +OLDSTATE +NEWSTATE'
	grep -Eq 'python3 .* CLOSE\(7\) +SYN_SENT\(2\)' "$OUT"
	assert_no_prog handle_set_state
}
