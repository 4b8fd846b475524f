#!/usr/bin/env python3
"""A scrape target whose counters move on every scrape, for the live
remote_read daemon test: live_exporter.py PORT

  live_requests_total{code="200"}  +0..40 per scrape; drops to a small value
                                    once (a counter reset) at scrape 12
  live_requests_total{code="500"}  +0..3 per scrape
  live_requests_total{code="503"}  appears at scrape 8 (series churn)
The sidecar's figures are checked against Prometheus's own raw samples, so
the values need not be known in advance."""
import http.server
import random
import sys

state = {"n": 0, "200": 0, "500": 0, "503": 0}
rng = random.Random(7)


class H(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        state["n"] += 1
        n = state["n"]
        state["200"] = rng.randint(0, 5) if n == 12 else state["200"] + rng.randint(0, 40)
        state["500"] += rng.randint(0, 3)
        lines = ['live_requests_total{code="200"} %d' % state["200"],
                 'live_requests_total{code="500"} %d' % state["500"]]
        if n >= 8:
            state["503"] += rng.randint(0, 2)
            lines.append('live_requests_total{code="503"} %d' % state["503"])
        body = ("# TYPE live_requests_total counter\n" + "\n".join(lines) + "\n").encode()
        self.send_response(200)
        self.send_header("Content-Type", "text/plain; version=0.0.4")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *a):
        pass


http.server.ThreadingHTTPServer(("127.0.0.1", int(sys.argv[1])), H).serve_forever()
