#!/usr/bin/env python3
"""Webhook receivers, for the end-to-end alert test (Alertmanager's
webhooks) and the history test (the sidecar's own):
webhook_receiver.py PORT OUT [FAIL]

Answers every POST with 200 and appends one JSON line to OUT:
{"path": "/pager", "received": unix time, "body": <the webhook payload>}
(Alertmanager's payload: status, receiver, groupLabels, commonLabels,
alerts[] with status, labels, annotations, startsAt, endsAt). A body that is
not JSON is kept as a string under "raw". With FAIL, the first FAIL POSTs
to each path are answered 503 with Retry-After: 1 and recorded with
"status": 503, so retries can be counted."""
import http.server
import json
import sys
import threading
import time

OUT = sys.argv[2]
FAIL = int(sys.argv[3]) if len(sys.argv) > 3 else 0
lock = threading.Lock()
seen = {}


class H(http.server.BaseHTTPRequestHandler):
    def do_POST(self):
        n = int(self.headers.get("Content-Length") or 0)
        data = self.rfile.read(n) if n else b""
        rec = {"path": self.path, "received": time.time()}
        try:
            rec["body"] = json.loads(data)
        except ValueError:
            rec["raw"] = data.decode("utf-8", "replace")
        with lock, open(OUT, "a") as f:
            seen[self.path] = seen.get(self.path, 0) + 1
            status = 503 if seen[self.path] <= FAIL else 200
            rec["status"] = status
            f.write(json.dumps(rec, sort_keys=True) + "\n")
        self.send_response(status)
        if status == 503:
            self.send_header("Retry-After", "1")
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, *a):
        pass


class Server(http.server.ThreadingHTTPServer):
    daemon_threads = True


Server(("127.0.0.1", int(sys.argv[1])), H).serve_forever()
