#!/usr/bin/python3
"""Talk to `ecli server` from the tests (tests/e2e/server.bats), standard library only.

usage: server-api.py ENDPOINT COMMAND ARGS...
  ENDPOINT   unix:PATH or http://HOST:PORT (token from $TOKEN_FILE, if set)
  request METHOD PATH [BODY-FILE]
             print "STATUS" then the reply body on the next line
  start-body PACKAGE-FILE [NAME] [--opt KEY=VALUE]... [-- TOOL-FLAGS...]
             print a POST /v1/programs body (no request made)
  wait ID EXPR [COUNT] [TIMEOUT]
             long-poll the events of program ID (wait_ms) from the start until COUNT (1)
             events have data `e` making the python EXPR true; print them as JSON lines;
             exit 1 (with every event seen on stderr) after TIMEOUT (20) seconds
  readers ID N EXPR COUNT [TIMEOUT]
             N concurrent readers, each following ID from cursor 0 on its own connection,
             until it has COUNT events matching EXPR; exit 0 only if every reader got them all,
             in cursor order, with no cursor twice
"""
import http.client
import json
import os
import socket
import sys
import threading
import time


class UnixConnection(http.client.HTTPConnection):
    def __init__(self, path, timeout=60):
        super().__init__("localhost", timeout=timeout)
        self.unix_path = path

    def connect(self):
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.sock.settimeout(self.timeout)
        self.sock.connect(self.unix_path)


def connect(endpoint):
    if endpoint.startswith("unix:"):
        return UnixConnection(endpoint[5:])
    if endpoint.startswith("http://"):
        host, port = endpoint[7:].rsplit(":", 1)
        return http.client.HTTPConnection(host, int(port), timeout=60)
    raise SystemExit(f"bad endpoint {endpoint}")


def request(endpoint, method, path, body=None):
    headers = {}
    tf = os.environ.get("TOKEN_FILE")
    if tf:
        headers["Authorization"] = "Bearer " + open(tf).readline().strip()
    if body is not None:
        headers["Content-Type"] = "application/json"
    c = connect(endpoint)
    try:
        c.request(method, path, body=body, headers=headers)
        r = c.getresponse()
        return r.status, r.read().decode()
    finally:
        c.close()


def follow(endpoint, pid, expr, count, timeout, seen=None):
    """Events matching expr, from cursor 0, until count of them or timeout."""
    code = compile(expr, "<EXPR>", "eval")
    after, got, deadline = 0, [], time.monotonic() + timeout
    cursors = []
    while len(got) < count and time.monotonic() < deadline:
        st, text = request(endpoint, "GET", f"/v1/programs/{pid}/events?after={after}&wait_ms=1000")
        if st != 200:
            raise RuntimeError(f"HTTP {st}: {text}")
        doc = json.loads(text)
        for ev in doc["events"]:
            cursors.append(ev["cursor"])
            if seen is not None:
                seen.append(ev["data"])
            if eval(code, {"e": ev["data"]}):
                got.append(ev["data"])
        after = doc["next"]
    return got, cursors


def main(argv):
    endpoint, cmd, args = argv[1], argv[2], argv[3:]
    if cmd == "request":
        body = open(args[2], "rb").read() if len(args) > 2 else None
        st, text = request(endpoint, args[0], args[1], body)
        print(st)
        print(text.rstrip("\n"))
        return 0
    if cmd == "start-body":
        doc = {"package": open(args[0]).read()}
        rest = args[1:]
        if rest and not rest[0].startswith("-"):
            doc["name"] = rest.pop(0)
        opts = {}
        while rest and rest[0] == "--opt":
            k, v = rest[1].split("=", 1)
            opts[k] = int(v) if v.isdigit() else v
            rest = rest[2:]
        if rest and rest[0] == "--":
            rest = rest[1:]
        doc["args"] = rest
        if opts:
            doc["options"] = opts
        print(json.dumps(doc))
        return 0
    if cmd == "wait":
        pid, expr = args[0], args[1]
        count = int(args[2]) if len(args) > 2 else 1
        timeout = float(args[3]) if len(args) > 3 else 20
        seen = []
        got, _ = follow(endpoint, pid, expr, count, timeout, seen)
        for e in got:
            print(json.dumps(e))
        if len(got) < count:
            sys.stderr.write(f"timed out: {len(got)}/{count} events match {expr}; seen:\n")
            for e in seen:
                sys.stderr.write(json.dumps(e) + "\n")
            return 1
        return 0
    if cmd == "readers":
        pid, n, expr, count = args[0], int(args[1]), args[2], int(args[3])
        timeout = float(args[4]) if len(args) > 4 else 30
        results = [None] * n
        ready = threading.Barrier(n + 1)

        def reader(i):
            ready.wait()
            try:
                results[i] = follow(endpoint, pid, expr, count, timeout)
            except Exception as err:  # reported below
                results[i] = err

        threads = [threading.Thread(target=reader, args=(i,)) for i in range(n)]
        for t in threads:
            t.start()
        ready.wait()
        print("readers started", flush=True)
        for t in threads:
            t.join()
        bad = 0
        for i, r in enumerate(results):
            if isinstance(r, Exception) or len(r[0]) != count or r[1] != sorted(set(r[1])):
                bad += 1
                sys.stderr.write(f"reader {i}: {r if isinstance(r, Exception) else r[0]}\n")
        print(f"{n - bad}/{n} readers got all {count} events")
        return 1 if bad else 0
    raise SystemExit(f"unknown command {cmd}")


if __name__ == "__main__":
    sys.exit(main(sys.argv))
