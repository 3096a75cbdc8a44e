"""`ecli server` figures for bench.py: request -> first event through a warm server vs starting
`ecli run`, and the server's RSS with 0 and 10 programs (bench/README.md)."""
import http.client
import json
import os
import socket
import statistics
import subprocess
import time


class _Unix(http.client.HTTPConnection):
    def __init__(self, path):
        super().__init__("localhost", timeout=30)
        self.path_ = path

    def connect(self):
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.sock.settimeout(self.timeout)
        self.sock.connect(self.path_)


def _req(sock, method, path, body=None):
    c = _Unix(sock)
    try:
        c.request(method, path, body=body)
        r = c.getresponse()
        text = r.read()
        return r.status, json.loads(text)
    finally:
        c.close()


def _rss_kib(pid):
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0


def _first_event_server(sock, body):
    """POST, trigger, long-poll: seconds from the request to the first event in hand."""
    t0 = time.perf_counter()
    st, doc = _req(sock, "POST", "/v1/programs", body)
    if st != 201:
        raise RuntimeError("server start: %s %s" % (st, doc))
    os.getppid()  # the event (the program counts this process's getppid calls)
    st, ev = _req(sock, "GET", "/v1/programs/%d/events?wait_ms=5000&limit=1" % doc["id"])
    dt = time.perf_counter() - t0
    if not ev["events"]:
        raise RuntimeError("no event through the server")
    _req(sock, "DELETE", "/v1/programs/%d" % doc["id"])
    return dt


def _first_event_run(ecli, pkg):
    t0 = time.perf_counter()
    p = subprocess.Popen([ecli, "run", "-j", pkg, "--target_pid", str(os.getpid())],
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE, stdin=subprocess.DEVNULL)
    while b"Running" not in p.stderr.readline():
        if p.poll() is not None:
            raise RuntimeError("ecli run exited: %s" % p.stderr.read().decode())
    os.getppid()
    line = p.stdout.readline()
    dt = time.perf_counter() - t0
    p.send_signal(2)
    p.wait(timeout=30)
    if not line:
        raise RuntimeError("no event from ecli run")
    return dt


def bench_server(a, reps, summary):
    sock = os.path.abspath(os.path.join(a.build, "bench-server.sock"))
    ev_pkg = os.path.join(a.build, "first", "package.json")
    small_pkg = os.path.join(a.build, "small", "package.json")
    srv = subprocess.Popen([a.ecli, "server", "--listen", "unix:" + sock, "--no-state"],
                           stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                           stdin=subprocess.DEVNULL)
    try:
        log = []
        while b"Running" not in (log[-1] if log else b""):
            log.append(srv.stderr.readline())
            if not log[-1] and srv.poll() is not None:
                raise RuntimeError("ecli server exited: %s" % b"".join(log).decode())
        body = json.dumps({"package": open(ev_pkg).read(),
                           "args": ["--target_pid", str(os.getpid())]})
        # warm: the server's first start fills caches (minimal BTF, libbpf's probes)
        _first_event_server(sock, body)
        _first_event_run(a.ecli, ev_pkg)
        time.sleep(1)
        rss0 = _rss_kib(srv.pid)
        server, run = [], []
        for _ in range(reps):
            server.append(_first_event_server(sock, body))
            run.append(_first_event_run(a.ecli, ev_pkg))
        small = json.dumps({"package": open(small_pkg).read()})
        ids = []
        for _ in range(10):
            st, doc = _req(sock, "POST", "/v1/programs", small)
            if st != 201:
                raise RuntimeError("server start: %s %s" % (st, doc))
            ids.append(doc["id"])
        rss10 = _rss_kib(srv.pid)
        for i in ids:
            _req(sock, "DELETE", "/v1/programs/%d" % i)
    finally:
        srv.send_signal(15)
        srv.wait(timeout=60)
    return {
        "server_first_event_s": summary(server),
        "run_first_event_s": summary(run),
        "ratio": statistics.median(server) / statistics.median(run),
        "server_rss_kib_0": rss0,
        "server_rss_kib_10": rss10,
    }
