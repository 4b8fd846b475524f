#!/usr/bin/env python3
"""A Prometheus that misbehaves on purpose, for faults a real one will not
produce on demand.

    fakeprom.py PORT MODE [UPSTREAM_URL CONTROL_FILE]

Every request to /api/v1/query (POST or GET) gets, by MODE:
  error500    500 with a Prometheus JSON error body (errorType internal)
  baddata400  400 {"status":"error","errorType":"bad_data","error":...}
  html503     503 with an HTML page, as a load balancer sends
  html200     200 with an HTML page (a login or proxy page)
  garbage     200, Content-Type JSON, a body that is not JSON
  truncated   200, JSON cut off in the middle
  slow        answers after 30 s (longer than any timeout the tests set)
  proxy       forwards to UPSTREAM_URL (a real Prometheus) while CONTROL_FILE
              does not exist, then answers like error500
  doubled     forwards to UPSTREAM_URL and sends every series of its answer
              twice, as a fan-out proxy in front of an HA pair that merges
              badly does
Each request is logged as one line "METHOD PATH BODY" to stdout.
"""
import http.server
import json
import os
import sys
import time
import urllib.request

PORT = int(sys.argv[1])
MODE = sys.argv[2]
UPSTREAM = sys.argv[3] if len(sys.argv) > 3 else None
CONTROL = sys.argv[4] if len(sys.argv) > 4 else None

ERROR500 = b'{"status":"error","errorType":"internal","error":"storage is on fire"}'
BADDATA = (b'{"status":"error","errorType":"bad_data",'
           b'"error":"invalid parameter \\"query\\": 1:1: parse error: unexpected character"}')
HTML = (b"<html><head><title>503 Service Temporarily Unavailable</title></head>"
        b"<body><center><h1>503 Service Temporarily Unavailable</h1></center></body></html>")
LOGIN = b"<!DOCTYPE html><html><body><form action=/login>Sign in</form></body></html>"


class H(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *a):
        pass

    def reply(self, code, ctype, body):
        self.send_response(code)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def handle_query(self, body):
        print("%s %s %s" % (self.command, self.path, body.decode("utf-8", "replace")), flush=True)
        mode = MODE
        if mode == "doubled":
            req = urllib.request.Request(UPSTREAM + self.path, data=body or None,
                                         method=self.command)
            if body:
                req.add_header("Content-Type", "application/x-www-form-urlencoded")
            with urllib.request.urlopen(req, timeout=30) as r:
                doc = json.load(r)
            res = doc.get("data", {}).get("result")
            if isinstance(res, list):
                doc["data"]["result"] = res + res
            self.reply(200, "application/json", json.dumps(doc).encode())
            return
        if mode == "proxy":
            if CONTROL and os.path.exists(CONTROL):
                mode = "error500"
            else:
                req = urllib.request.Request(UPSTREAM + self.path, data=body or None,
                                             method=self.command)
                if body:
                    req.add_header("Content-Type", "application/x-www-form-urlencoded")
                try:
                    with urllib.request.urlopen(req, timeout=30) as r:
                        self.reply(r.status, r.headers.get("Content-Type", ""), r.read())
                except urllib.error.HTTPError as e:
                    self.reply(e.code, e.headers.get("Content-Type", ""), e.read())
                return
        if mode == "error500":
            self.reply(500, "application/json", ERROR500)
        elif mode == "baddata400":
            self.reply(400, "application/json", BADDATA)
        elif mode == "html503":
            self.reply(503, "text/html", HTML)
        elif mode == "html200":
            self.reply(200, "text/html; charset=utf-8", LOGIN)
        elif mode == "garbage":
            self.reply(200, "application/json", b"\x00\x01\xfe garbage, not JSON \x7f")
        elif mode == "truncated":
            self.reply(200, "application/json",
                       b'{"status":"success","data":{"resultType":"vector","result":'
                       b'[{"metric":{},"value":[1795420800,"12')
        elif mode == "slow":
            time.sleep(30)
            self.reply(200, "application/json",
                       b'{"status":"success","data":{"resultType":"vector","result":[]}}')
        else:
            self.reply(500, "text/plain", b"fakeprom: unknown mode " + mode.encode())

    def do_POST(self):
        n = int(self.headers.get("Content-Length") or 0)
        self.handle_query(self.rfile.read(n) if n else b"")

    def do_GET(self):
        self.handle_query(b"")


class Server(http.server.ThreadingHTTPServer):
    daemon_threads = True


Server(("127.0.0.1", PORT), H).serve_forever()
