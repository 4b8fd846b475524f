#!/usr/bin/env python3
"""A proxy in front of a real Prometheus that holds back one metric's requests.

    holdproxy.py PORT UPSTREAM_URL CONTROL_PORT --metric NAME [--hold SECONDS]

Listens on 127.0.0.1:PORT and forwards every request to UPSTREAM_URL. A
request whose query mentions NAME (as a substring, so a histogram's base name
also catches its _bucket and _count series) is held HOLD seconds before it is
forwarded; every other request is forwarded at once. This is a store that is
slow for one SLO only: the daemon must not let it delay the others.

Where the query is looked for:
  /api/v1/query   the form-encoded "query" parameter (POST body or URL); promql
                  and api_read mode
  /api/v1/read    the snappy-compressed protobuf ReadRequest, decoded, searched
                  for NAME's bytes (the matchers carry metric names as plain
                  strings); remote_read mode
A body that cannot be decoded is answered 400 and logged: the test would see
the failure instead of a silently unheld request.

Control on 127.0.0.1:CONTROL_PORT:
    curl -X PUT --data SECONDS http://127.0.0.1:CONTROL_PORT/hold   set the hold
    curl http://127.0.0.1:CONTROL_PORT/stats    JSON: {"held": N, "passed": N,
        "requests": [[start, end, seconds_held, path, status], ...]}
        (times in unix seconds; seconds_held 0 for a request passed at once)

The answer is read whole from the upstream and sent with Content-Length (a
streamed remote-read answer keeps its frames; only the HTTP framing changes).
When the client gave up during the hold (its timeout), the write fails and
is logged as "client gone". Each request is logged as
"START END held|pass METHOD PATH -> STATUS". Python standard library only.
"""
import http.client
import http.server
import json
import os
import sys
import threading
import time
import urllib.parse

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from faultproxy import ControlHandler, snappy_decode  # noqa: E402  (shared with it)

HOP = {"connection", "keep-alive", "proxy-connection", "transfer-encoding", "te", "trailer",
       "upgrade", "host", "content-length"}


class State:
    def __init__(self, upstream, metric, hold):
        u = urllib.parse.urlsplit(upstream)
        self.host = u.hostname
        self.port = u.port or 80
        self.prefix = u.path.rstrip("/")
        self.metric = metric
        self.hold = hold
        self.lock = threading.Lock()
        self.requests = []


def mentions(path, body, metric):
    """1 when the request's query names metric; raises ValueError when unreadable."""
    p = path.split("?", 1)
    if p[0].endswith("/api/v1/read"):
        return metric.encode() in snappy_decode(body)
    form = urllib.parse.parse_qs(body.decode("utf-8", "strict")) if body else {}
    if len(p) > 1:
        for k, v in urllib.parse.parse_qs(p[1]).items():
            form.setdefault(k, []).extend(v)
    return any(metric in q for q in form.get("query", []))


def handler(st):
    class H(http.server.BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *a):
            pass

        def answer(self, code, body, ctype="text/plain; charset=utf-8", extra=()):
            self.send_response(code)
            self.send_header("Content-Type", ctype)
            for k, v in extra:
                self.send_header(k, v)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def relay(self):
            t0 = time.time()
            n = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(n) if n else b""
            try:
                held = mentions(self.path, body, st.metric)
            except (ValueError, UnicodeDecodeError, IndexError) as e:
                self.answer(400, b"holdproxy: cannot read the request: %s\n" % str(e).encode())
                print("%.3f %.3f ? %s %s -> 400 unreadable: %s" % (
                    t0, time.time(), self.command, self.path, e), flush=True)
                return
            with st.lock:
                hold = st.hold
            if not held:
                hold = 0
            if hold > 0:
                time.sleep(hold)
            status = "?"
            try:
                conn = http.client.HTTPConnection(st.host, st.port, timeout=60)
                try:
                    hs = {k: v for k, v in self.headers.items() if k.lower() not in HOP}
                    conn.request(self.command, st.prefix + self.path, body=body or None,
                                 headers=hs)
                    r = conn.getresponse()
                    data = r.read()
                    status = r.status
                    self.send_response(r.status, r.reason)
                    for k, v in r.getheaders():
                        if k.lower() not in HOP:
                            self.send_header(k, v)
                    self.send_header("Content-Length", str(len(data)))
                    self.end_headers()
                    self.wfile.write(data)
                    self.wfile.flush()
                finally:
                    conn.close()
            except (BrokenPipeError, ConnectionResetError):
                status = "client gone"
                self.close_connection = True
            t1 = time.time()
            with st.lock:
                st.requests.append([round(t0, 3), round(t1, 3), hold, self.path.split("?")[0],
                                    status])
            print("%.3f %.3f %s %s %s -> %s" % (t0, t1, "held" if hold > 0 else "pass",
                                                self.command, self.path.split("?")[0], status),
                  flush=True)

        do_GET = relay
        do_POST = relay

    return H


def control(st):
    class C(ControlHandler):

        def do_GET(self):
            if self.path != "/stats":
                self.send(404, b"not found\n")
                return
            with st.lock:
                reqs = list(st.requests)
            doc = {"held": sum(1 for r in reqs if r[2] > 0),
                   "passed": sum(1 for r in reqs if r[2] == 0),
                   "hold": st.hold, "requests": reqs}
            self.send(200, json.dumps(doc).encode() + b"\n", "application/json")

        def do_PUT(self):
            n = int(self.headers.get("Content-Length") or 0)
            raw = self.rfile.read(n).decode().strip()
            try:
                hold = float(raw)
            except ValueError:
                self.send(400, b"hold: seconds, got %r\n" % raw.encode())
                return
            if self.path != "/hold" or hold < 0:
                self.send(400, b"PUT /hold with seconds >= 0\n")
                return
            with st.lock:
                st.hold = hold
            print("%.3f hold %g" % (time.time(), hold), flush=True)
            self.send(200, b"%g\n" % hold)

        do_POST = do_PUT

    return C


def main():
    args = sys.argv[1:]
    opts = {"--metric": None, "--hold": "0"}
    for k in list(opts):
        if k in args:
            i = args.index(k)
            opts[k] = args[i + 1]
            del args[i:i + 2]
    if len(args) != 3 or not opts["--metric"]:
        sys.exit(__doc__)
    st = State(args[1], opts["--metric"], float(opts["--hold"]))
    ctl = http.server.ThreadingHTTPServer(("127.0.0.1", int(args[2])), control(st))
    ctl.daemon_threads = True
    threading.Thread(target=ctl.serve_forever, daemon=True).start()
    srv = http.server.ThreadingHTTPServer(("127.0.0.1", int(args[0])), handler(st))
    srv.daemon_threads = True
    srv.serve_forever()


if __name__ == "__main__":
    main()
