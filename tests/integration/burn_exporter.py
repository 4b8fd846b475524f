#!/usr/bin/env python3
"""A scrape target whose error rate the test switches on and off, for the
end-to-end alert test: burn_exporter.py PORT

  GET /metrics    burn_requests_total{svc="S",code="200"|"500"}, counters
                  growing with wall time at RATE requests per second per svc,
                  the share ERROR_RATIO of them with code 500
  GET /set?svc=S&error_ratio=R[&rate=N]
                  from now on, svc S serves N req/s (default 100) with the
                  share R failing; adds S if new. Answers 200 "ok".

Counters are integrated over time (not per scrape), so every scrape
interval sees the same rate and switching is instant."""
import http.server
import sys
import threading
import time
import urllib.parse

lock = threading.Lock()
svcs = {}   # name -> {"t": last update, "rate": req/s, "ratio": error share, "ok": n, "err": n}


def advance(s, now):
    dt = max(0.0, now - s["t"])
    s["ok"] += dt * s["rate"] * (1.0 - s["ratio"])
    s["err"] += dt * s["rate"] * s["ratio"]
    s["t"] = now


class H(http.server.BaseHTTPRequestHandler):
    def reply(self, code, body, ctype="text/plain; version=0.0.4"):
        self.send_response(code)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self):
        u = urllib.parse.urlparse(self.path)
        now = time.time()
        if u.path == "/metrics":
            lines = ["# TYPE burn_requests_total counter"]
            with lock:
                for name in sorted(svcs):
                    s = svcs[name]
                    advance(s, now)
                    lines.append('burn_requests_total{svc="%s",code="200"} %.3f' % (name, s["ok"]))
                    lines.append('burn_requests_total{svc="%s",code="500"} %.3f' % (name, s["err"]))
            self.reply(200, ("\n".join(lines) + "\n").encode())
        elif u.path == "/set":
            q = urllib.parse.parse_qs(u.query)
            try:
                name = q["svc"][0]
                ratio = float(q["error_ratio"][0])
                rate = float(q.get("rate", ["100"])[0])
            except (KeyError, ValueError):
                self.reply(400, b"need svc and error_ratio\n")
                return
            with lock:
                s = svcs.setdefault(name, {"t": now, "rate": rate, "ratio": ratio,
                                           "ok": 0.0, "err": 0.0})
                advance(s, now)
                s["rate"], s["ratio"] = rate, ratio
            self.reply(200, b"ok\n")
        else:
            self.reply(404, b"not found\n")

    def log_message(self, *a):
        pass


class Server(http.server.ThreadingHTTPServer):
    daemon_threads = True


Server(("127.0.0.1", int(sys.argv[1])), H).serve_forever()
