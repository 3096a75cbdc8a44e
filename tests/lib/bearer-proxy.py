#!/usr/bin/env python3
"""A token-auth front for a registry, for tests/e2e/oci.bats: every /v2/ request without
"Authorization: Bearer <token>" gets 401 with a Bearer challenge naming /token on this server;
/token hands out the token for Basic USER:PASS (and records the scope asked for); requests with
the token are forwarded to the registry behind, unchanged. Usage: bearer-proxy.py UPSTREAM USER
PASS SCOPE_LOG; prints the port it listens on.
"""
import base64
import http.client
import http.server
import json
import sys
import urllib.parse

UPSTREAM, USER, PASS, SCOPE_LOG = sys.argv[1:5]
TOKEN = "t0ken-for-" + USER


class H(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *a):
        pass

    def reply(self, code, body=b"", headers=()):
        self.send_response(code)
        for k, v in headers:
            self.send_header(k, v)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def handle_any(self):
        n = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(n) if n else b""
        u = urllib.parse.urlsplit(self.path)
        if u.path == "/token":
            q = urllib.parse.parse_qs(u.query)
            want = "Basic " + base64.b64encode(("%s:%s" % (USER, PASS)).encode()).decode()
            with open(SCOPE_LOG, "a") as f:
                f.write("%s %s\n" % (q.get("service", [""])[0], q.get("scope", [""])[0]))
            if self.headers.get("Authorization") != want:
                return self.reply(401, json.dumps({"errors": [{"code": "UNAUTHORIZED",
                                                              "message": "bad credentials"}]}).encode(),
                                  [("Content-Type", "application/json")])
            return self.reply(200, json.dumps({"token": TOKEN}).encode(),
                              [("Content-Type", "application/json")])
        if self.headers.get("Authorization") != "Bearer " + TOKEN:
            host = self.headers.get("Host")
            ch = 'Bearer realm="http://%s/token",service="test-registry",scope="repository:x:pull"' % host
            return self.reply(401, json.dumps({"errors": [{"code": "UNAUTHORIZED",
                                                          "message": "authentication required"}]}).encode(),
                              [("WWW-Authenticate", ch), ("Content-Type", "application/json")])
        c = http.client.HTTPConnection(UPSTREAM, timeout=30)
        hdrs = {k: v for k, v in self.headers.items() if k.lower() not in ("authorization", "host")}
        c.request(self.command, self.path, body=body if self.command in ("PUT", "POST", "PATCH") else None,
                  headers=hdrs)
        r = c.getresponse()
        data = r.read()
        out = [(k, v) for k, v in r.getheaders()
               if k.lower() not in ("content-length", "transfer-encoding", "connection")]
        self.send_response(r.status)
        for k, v in out:
            if k.lower() == "location" and v.startswith("http://" + UPSTREAM):
                v = v.replace("http://" + UPSTREAM, "http://" + self.headers.get("Host"), 1)
            self.send_header(k, v)
        self.send_header("Content-Length", str(len(data) if self.command != "HEAD" else
                                               r.getheader("Content-Length") or 0))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(data)

    do_GET = do_PUT = do_POST = do_HEAD = do_DELETE = do_PATCH = handle_any


s = http.server.ThreadingHTTPServer(("127.0.0.1", 0), H)
print(s.server_address[1], flush=True)
s.serve_forever()
