#!/usr/bin/env python3
"""A fault-injecting HTTP proxy between slo-sidecar and a real Prometheus.

    faultproxy.py PORT UPSTREAM_URL CONTROL_PORT [--slow SECONDS]

Listens on 127.0.0.1:PORT and forwards every request to UPSTREAM_URL (a real
Prometheus) while the mode is "pass"; in other modes it misbehaves in one
precise way. The mode is switched at runtime through a control endpoint on
127.0.0.1:CONTROL_PORT (a separate port, so it stays reachable while PORT is
not listening):

    curl -X PUT --data MODE http://127.0.0.1:CONTROL_PORT/mode   set (answers when in effect)
    curl http://127.0.0.1:CONTROL_PORT/mode                      the current mode
    curl http://127.0.0.1:CONTROL_PORT/stats                     JSON: requests per mode

Modes (every switch also closes the idle keep-alive connections, as a
restarting server would, so each fault starts on a fresh connection):

  pass          forward; the answer is passed on as the upstream sent it
                (status, Content-Type, Content-Encoding; chunked stays chunked);
                when the upstream cannot be reached: 502 with the reason, as a
                reverse proxy in front of a stopped Prometheus answers
  refused       stop listening: connections are refused (Prometheus stopped);
                open connections are closed
  reset         read the request, then reset the connection (RST, no answer)
  slow          read the request, answer nothing for --slow seconds (past the
                sidecar's timeout), then close
  slowbody      the upstream answer's headers and first bytes at once, the rest
                never (stalls --slow seconds, then closes)
  http500       500 with the store's error text (Prometheus' JSON error body on
                /api/v1/query, text/plain on /api/v1/read)
  http429       429 Too Many Requests, Retry-After: 7, text/plain body (what a
                Cortex/Mimir query-frontend sends)
  blip503       the first two requests after the switch get 503 Service
                Unavailable (text/plain; the second with Retry-After: 0), every
                later one is passed through: a blip the sidecar's retries get past
  truncated     the upstream answer with Content-Length of the whole body but
                only its first half sent, then the connection is closed
  html200       200 text/html: a login page
  redirect      302 to http://127.0.0.1:PORT/login?next=PATH
  ctype         200 with a foreign body of the type it announces:
                application/x-protobuf bytes on /api/v1/query, the query API's
                JSON (application/json) on /api/v1/read
  ctype-header  the genuine upstream answer, its Content-Type replaced by
                text/plain; charset=utf-8
  badcrc        remote_read streamed answer: one byte of the last frame's
                message (after its CRC) flipped, so the CRC32C no longer matches
  cutframe      remote_read streamed answer: the frames up to the middle of the
                last frame, then a clean end of the chunked body (the HTTP
                transfer completes; only the frame reader can tell)
  samplelimit   what Prometheus 2.42 sends past --storage.remote.read-sample-limit
                (storage/remote/codec.go ToQueryResult -> HTTPError, written by
                read_handler.go with http.Error after the handler had set
                Content-Type application/x-protobuf and Content-Encoding snappy):
                400, Content-Type text/plain; charset=utf-8, Content-Encoding
                snappy, X-Content-Type-Options nosniff, body
                "exceeded sample limit (50000000)\\n". On /api/v1/query: what
                Prometheus sends past --query.max-samples: 422
                {"status":"error","errorType":"execution","error":"query
                processing would load too many samples into memory in query
                execution"}

  mimir         Grafana Mimir's front: the Prometheus API only under /prometheus
                (/prometheus/api/v1/query, /prometheus/api/v1/read; any other
                path 404 "404 page not found"), and only with an
                X-Scope-OrgID header (without: 401 text/plain "no org id", as
                Mimir and Cortex answer); the prefix is stripped and the
                request passed to the upstream, streamed answers included
  cortex        as mimir, and remote read as Cortex answers it: SAMPLES whatever
                the client accepts (the proxy rewrites the ReadRequest to ask
                the upstream for SAMPLES only), snappy-compressed, without
                Content-Encoding and with the type Go's sniffing gives,
                application/octet-stream (Cortex's SerializeProtoResponse sets
                no header)

  thanos        a Thanos querier: the query API passed through, no remote-read
                endpoint (/api/v1/read: 404 "404 page not found"); counts the
                queries that carried partial_response=false, and those that
                carried max_source_resolution=0s (raw data, never downsampled),
                in the stats under those names
  thanos-down   as thanos, with one of its stores down: a query with
                partial_response=false gets what Thanos answers then, 422
                {"status":"error","errorType":"execution","error":"expanding
                series: proxy Series(): rpc error: code = Aborted desc = No
                StoreAPIs matched for this query"}; one without (a querier
                that allows partial responses) gets the upstream answer with
                "warnings": ["No StoreAPIs matched for this query"] added
  thanos-partial  as thanos-down, but partial responses whatever the request
                asks (a querier run with --query.partial-response and a client
                that does not opt out): the answer with the warning

badcrc and cutframe need a streamed answer; for any other answer they reply
500 "faultproxy: ... needs a streamed remote-read answer", which the test
would notice as the wrong cause.

Each request is logged to stdout as "MODE METHOD PATH -> STATUS". Python
standard library only; one thread per connection.
"""
import http.client
import http.server
import json
import select
import socket
import struct
import sys
import threading
import time
import urllib.parse

MODES = ["pass", "refused", "reset", "slow", "slowbody", "http500", "http429", "truncated",
         "html200", "redirect", "ctype", "ctype-header", "badcrc", "cutframe", "samplelimit",
         "blip503", "mimir", "cortex", "thanos", "thanos-down", "thanos-partial"]
HOP = {"connection", "keep-alive", "proxy-connection", "transfer-encoding", "te", "trailer",
       "upgrade", "host", "content-length"}
STREAMED = "application/x-streamed-protobuf"

LOGIN = (b"<!DOCTYPE html>\n<html><head><title>Sign in</title></head><body>"
         b"<form method=post action=/login><input name=user><input name=password "
         b"type=password><button>Sign in</button></form></body></html>\n")
PROM500 = b'{"status":"error","errorType":"internal","error":"fault injected: storage unavailable"}'
TEXT500 = b"fault injected: storage unavailable\n"
TEXT429 = b"too many outstanding requests\n"
TEXT503 = b"faultproxy: blip\n"
BLIP = 2            # 503s answered after a switch to blip503
PROM422 = (b'{"status":"error","errorType":"execution","error":"query processing would load '
           b'too many samples into memory in query execution"}')
LIMIT400 = b"exceeded sample limit (50000000)\n"
THANOS422 = (b'{"status":"error","errorType":"execution","error":"expanding series: proxy '
             b'Series(): rpc error: code = Aborted desc = No StoreAPIs matched for this query"}')
QUERY_JSON = b'{"status":"success","data":{"resultType":"vector","result":[]}}'
# A snappy framed-stream header and a few protobuf-looking bytes.
PROTO_BYTES = b"\xff\x06\x00\x00sNaPpY\x01\x0a\x00\x00\x08\x12\x06\x0a\x04\x08\x01\x10\x02"


def uvarint(b, i):
    x = 0
    s = 0
    while True:
        c = b[i]
        i += 1
        x |= (c & 0x7F) << s
        if c < 0x80:
            return x, i
        s += 7


def uvarint_bytes(x):
    out = bytearray()
    while x >= 0x80:
        out.append(x & 0x7F | 0x80)
        x >>= 7
    out.append(x)
    return bytes(out)


def snappy_decode(b):
    """A snappy block (the format remote read uses), decompressed."""
    n, i = uvarint(b, 0)
    out = bytearray()
    while i < len(b):
        tag = b[i]
        i += 1
        kind = tag & 3
        if kind == 0:                       # literal
            ln = tag >> 2
            if ln >= 60:
                ln = int.from_bytes(b[i:i + ln - 59], "little")
                i += (tag >> 2) - 59
            ln += 1
            out += b[i:i + ln]
            i += ln
            continue
        if kind == 1:                       # copy, 1-byte offset
            ln, off = ((tag >> 2) & 7) + 4, ((tag >> 5) << 8) | b[i]
            i += 1
        elif kind == 2:                     # copy, 2-byte offset
            ln, off = (tag >> 2) + 1, int.from_bytes(b[i:i + 2], "little")
            i += 2
        else:                               # copy, 4-byte offset
            ln, off = (tag >> 2) + 1, int.from_bytes(b[i:i + 4], "little")
            i += 4
        for _ in range(ln):
            out.append(out[-off])
    if len(out) != n:
        raise ValueError("snappy: %d bytes decoded, %d announced" % (len(out), n))
    return bytes(out)


def snappy_encode(b):
    """A valid snappy block of literals only (no compression: enough here)."""
    out = bytearray(uvarint_bytes(len(b)))
    for i in range(0, len(b), 65536):
        part = b[i:i + 65536]
        n = len(part) - 1
        if n < 60:
            out.append(n << 2)
        elif n < 256:
            out += bytes([60 << 2, n])
        else:
            out += bytes([61 << 2]) + n.to_bytes(2, "little")
        out += part
    return bytes(out)


def samples_only(body):
    """The snappy ReadRequest body with accepted_response_types (field 2)
    replaced by SAMPLES (0) alone: the queries (field 1) are kept as they are."""
    msg = snappy_decode(body)
    out = bytearray()
    i = 0
    while i < len(msg):
        start = i
        key, i = uvarint(msg, i)
        if key & 7 == 0:
            _, i = uvarint(msg, i)
        elif key & 7 == 2:
            n, i = uvarint(msg, i)
            i += n
        else:
            raise ValueError("ReadRequest: wire type %d" % (key & 7))
        if key >> 3 != 2:
            out += msg[start:i]
    out += b"\x10\x00"
    return snappy_encode(bytes(out))


def split_frames(body):
    """[(start, end)] of each frame: uvarint length, 4-byte CRC, message."""
    out = []
    i = 0
    while i < len(body):
        n, j = uvarint(body, i)
        end = j + 4 + n
        if end > len(body):
            raise ValueError("body ends inside a frame")
        out.append((i, j, end))
        i = end
    return out


class Request:
    def __init__(self, method, path, version, headers, body):
        self.method = method
        self.path = path
        self.version = version
        self.headers = headers
        self.body = body

    def header(self, name):
        for k, v in self.headers:
            if k.lower() == name:
                return v
        return None


def read_request(rf):
    line = rf.readline(65537)
    if not line:
        return None
    parts = line.decode("latin-1").rstrip("\r\n").split(" ")
    if len(parts) != 3:
        raise ValueError("bad request line %r" % line)
    headers = []
    while True:
        h = rf.readline(65537)
        if not h:
            raise ValueError("connection closed inside the headers")
        if h in (b"\r\n", b"\n"):
            break
        k, _, v = h.decode("latin-1").partition(":")
        headers.append((k.strip(), v.strip()))
    req = Request(parts[0], parts[1], parts[2], headers, b"")
    n = int(req.header("content-length") or 0)
    if n:
        req.body = rf.read(n)
        if len(req.body) != n:
            raise ValueError("connection closed inside the body")
    return req


class Answer:
    """An upstream answer, read whole (the test's answers are small)."""

    def __init__(self, status, reason, headers, body, chunked):
        self.status = status
        self.reason = reason
        self.headers = headers      # without hop-by-hop and Content-Length
        self.body = body            # as sent: still compressed when it was
        self.chunked = chunked

    def header(self, name):
        for k, v in self.headers:
            if k.lower() == name:
                return v
        return None

    def streamed(self):
        return (self.header("content-type") or "").startswith(STREAMED)


class Proxy:
    def __init__(self, port, upstream, slow):
        u = urllib.parse.urlsplit(upstream)
        self.up_host = u.hostname
        self.up_port = u.port or 80
        self.up_prefix = u.path.rstrip("/")
        self.port = port
        self.slow = slow
        self.mode = "pass"
        self.lock = threading.Lock()
        self.changed = threading.Condition(self.lock)
        self.listening = False
        self.idle = set()           # connections waiting for their next request
        self.conns = set()
        self.stats = {}
        self.blip_left = 0          # blip503: 503s still to answer

    # -- control -------------------------------------------------------------
    def set_mode(self, mode):
        with self.lock:
            self.mode = mode
            self.blip_left = BLIP if mode == "blip503" else 0
            victims = list(self.conns if mode == "refused" else self.idle)
            want = mode != "refused"
            # The accept loop opens or closes the listener; wait until it has.
            deadline = time.time() + 5
            while self.listening != want and time.time() < deadline:
                self.changed.wait(0.05)
            ok = self.listening == want
        for c in victims:
            try:
                c.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
        print("%.3f mode %s" % (time.time(), mode), flush=True)
        return ok

    # -- listener ------------------------------------------------------------
    def serve_forever(self):
        ls = None
        while True:
            with self.lock:
                mode = self.mode
            if mode == "refused" and ls is not None:
                ls.close()
                ls = None
                with self.lock:
                    self.listening = False
                    self.changed.notify_all()
            elif mode != "refused" and ls is None:
                ls = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
                ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
                try:
                    ls.bind(("127.0.0.1", self.port))
                except OSError as e:
                    print("bind 127.0.0.1:%d: %s; retrying" % (self.port, e), flush=True)
                    ls.close()
                    ls = None
                    time.sleep(0.1)
                    continue
                ls.listen(64)
                with self.lock:
                    self.listening = True
                    self.changed.notify_all()
            if ls is None:
                time.sleep(0.02)
                continue
            r, _, _ = select.select([ls], [], [], 0.02)
            if not r:
                continue
            try:
                c, _ = ls.accept()
            except OSError:
                continue
            threading.Thread(target=self.handle, args=(c,), daemon=True).start()

    # -- one connection --------------------------------------------------------
    def handle(self, c):
        with self.lock:
            self.conns.add(c)
        try:
            c.settimeout(60)
            rf = c.makefile("rb")
            while True:
                with self.lock:
                    self.idle.add(c)
                req = read_request(rf)
                with self.lock:
                    self.idle.discard(c)
                    mode = self.mode
                if req is None:
                    return
                if mode == "refused":
                    return          # a connection from before the switch: just close it
                keep = self.serve(c, req, mode)
                if not keep:
                    return
        except (OSError, ValueError) as e:
            if not isinstance(e, (ConnectionError, socket.timeout)):
                print("connection error: %s" % e, flush=True)
        finally:
            with self.lock:
                self.idle.discard(c)
                self.conns.discard(c)
            try:
                c.close()
            except OSError:
                pass

    def count(self, mode, status):
        with self.lock:
            k = "%s %s" % (mode, status)
            self.stats[k] = self.stats.get(k, 0) + 1

    def fetch(self, req):
        conn = http.client.HTTPConnection(self.up_host, self.up_port, timeout=30)
        try:
            headers = {k: v for k, v in req.headers if k.lower() not in HOP}
            conn.request(req.method, self.up_prefix + req.path, body=req.body or None,
                         headers=headers)
            r = conn.getresponse()
            body = r.read()
            hs = [(k, v) for k, v in r.getheaders() if k.lower() not in HOP]
            return Answer(r.status, r.reason, hs, body, bool(r.chunked))
        finally:
            conn.close()

    @staticmethod
    def head(status, reason, headers, close):
        lines = ["HTTP/1.1 %d %s" % (status, reason)]
        lines += ["%s: %s" % kv for kv in headers]
        if close:
            lines.append("Connection: close")
        return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")

    def reply(self, c, status, reason, headers, body, close=True):
        c.sendall(self.head(status, reason, headers + [("Content-Length", str(len(body)))],
                            close) + body)
        return not close

    @staticmethod
    def chunk(data):
        return b"%x\r\n%s\r\n" % (len(data), data) if data else b""

    def forward(self, c, a, close, headers=None, body=None):
        """Sends answer a (or its headers/body replaced) as the upstream framed it."""
        headers = a.headers if headers is None else headers
        body = a.body if body is None else body
        if not a.chunked:
            return self.reply(c, a.status, a.reason, headers, body, close)
        c.sendall(self.head(a.status, a.reason, headers + [("Transfer-Encoding", "chunked")],
                            close))
        pieces = [body]
        if a.streamed():
            try:
                pieces = [body[s:e] for s, _, e in split_frames(body)]
            except (ValueError, IndexError):
                pass
        for p in pieces:
            c.sendall(self.chunk(p))
        c.sendall(b"0\r\n\r\n")
        return not close

    def serve(self, c, req, mode):
        status = self.serve_mode(c, req, mode)
        keep = isinstance(status, tuple)
        if keep:
            status = status[0]
        self.count(mode, status)
        print("%.3f %s %s %s -> %s" % (time.time(), mode, req.method, req.path, status),
              flush=True)
        return keep

    def serve_mode(self, c, req, mode):
        read = req.path.split("?")[0].endswith("/read")
        close = (req.header("connection") or "").lower() == "close"
        if mode in ("mimir", "cortex"):
            return self.serve_tenant(c, req, mode, read, close)
        if mode.startswith("thanos"):
            return self.serve_thanos(c, req, mode, read, close)
        if mode == "pass":
            try:
                a = self.fetch(req)
            except OSError as e:
                # What a reverse proxy answers when the store behind it is down.
                self.reply(c, 502, "Bad Gateway", [("Content-Type", "text/plain; charset=utf-8")],
                           b"faultproxy: upstream %s:%d: %s\n" % (
                               self.up_host.encode(), self.up_port, str(e).encode()))
                return 502
            return (a.status,) if self.forward(c, a, close) else a.status
        if mode == "blip503":
            with self.lock:
                k = BLIP - self.blip_left
                if self.blip_left > 0:
                    self.blip_left -= 1
            if k >= BLIP:
                return self.serve_mode(c, req, "pass")
            hs = [("Content-Type", "text/plain; charset=utf-8")]
            if k == 1:
                hs.append(("Retry-After", "0"))
            self.reply(c, 503, "Service Unavailable", hs, TEXT503)
            return 503
        if mode == "reset":
            c.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            c.close()
            return "RST"
        if mode == "slow":
            time.sleep(self.slow)
            return "nothing"
        if mode == "slowbody":
            a = self.fetch(req)
            c.sendall(self.head(a.status, a.reason,
                                a.headers + [("Content-Length", str(len(a.body)))], True) +
                      a.body[:min(8, len(a.body) // 2)])
            time.sleep(self.slow)
            return "stalled"
        if mode == "http500":
            if read:
                self.reply(c, 500, "Internal Server Error",
                           [("Content-Type", "text/plain; charset=utf-8"),
                            ("X-Content-Type-Options", "nosniff")], TEXT500)
            else:
                self.reply(c, 500, "Internal Server Error",
                           [("Content-Type", "application/json")], PROM500)
            return 500
        if mode == "http429":
            self.reply(c, 429, "Too Many Requests",
                       [("Content-Type", "text/plain; charset=utf-8"), ("Retry-After", "7")],
                       TEXT429)
            return 429
        if mode == "truncated":
            a = self.fetch(req)
            c.sendall(self.head(a.status, a.reason,
                                a.headers + [("Content-Length", str(len(a.body)))], True) +
                      a.body[:len(a.body) // 2])
            return "%d truncated %d/%d" % (a.status, len(a.body) // 2, len(a.body))
        if mode == "html200":
            self.reply(c, 200, "OK", [("Content-Type", "text/html; charset=utf-8")], LOGIN)
            return 200
        if mode == "redirect":
            loc = "http://127.0.0.1:%d/login?next=%s" % (self.port,
                                                        urllib.parse.quote(req.path, safe=""))
            self.reply(c, 302, "Found", [("Location", loc),
                                         ("Content-Type", "text/html; charset=utf-8")],
                       b'<a href="%s">Found</a>.\n' % loc.encode())
            return 302
        if mode == "ctype":
            if read:
                self.reply(c, 200, "OK", [("Content-Type", "application/json")], QUERY_JSON)
            else:
                self.reply(c, 200, "OK", [("Content-Type", "application/x-protobuf")],
                           PROTO_BYTES)
            return 200
        if mode == "ctype-header":
            a = self.fetch(req)
            hs = [(k, v) for k, v in a.headers if k.lower() != "content-type"]
            hs.append(("Content-Type", "text/plain; charset=utf-8"))
            self.forward(c, a, True, headers=hs)
            return a.status
        if mode in ("badcrc", "cutframe"):
            a = self.fetch(req)
            try:
                frames = split_frames(a.body) if a.streamed() and a.status == 200 else []
            except (ValueError, IndexError):
                frames = []
            if not frames:
                self.reply(c, 500, "Internal Server Error",
                           [("Content-Type", "text/plain; charset=utf-8")],
                           b"faultproxy: %s needs a streamed remote-read answer\n" %
                           mode.encode())
                return 500
            s, m, e = frames[-1]
            body = bytearray(a.body)
            if mode == "badcrc":
                body[m + 4 + (e - m - 4) // 2] ^= 0x20
                what = "200 byte %d of frame %d flipped" % (m + 4 + (e - m - 4) // 2,
                                                            len(frames))
            else:
                body = body[:m + 4 + (e - m - 4) // 2]
                what = "200 cut at byte %d of %d (frame %d of %d)" % (len(body), len(a.body),
                                                                      len(frames), len(frames))
            c.sendall(self.head(200, "OK", a.headers + [("Transfer-Encoding", "chunked")], True))
            for i, (fs, _, fe) in enumerate(frames[:-1]):
                c.sendall(self.chunk(bytes(body[fs:fe])))
            c.sendall(self.chunk(bytes(body[s:])))
            c.sendall(b"0\r\n\r\n")
            return what
        if mode == "samplelimit":
            if read:
                self.reply(c, 400, "Bad Request",
                           [("Content-Encoding", "snappy"),
                            ("Content-Type", "text/plain; charset=utf-8"),
                            ("X-Content-Type-Options", "nosniff")], LIMIT400)
                return 400
            self.reply(c, 422, "Unprocessable Entity", [("Content-Type", "application/json")],
                       PROM422)
            return 422
        self.reply(c, 500, "Internal Server Error", [("Content-Type", "text/plain")],
                   b"faultproxy: unknown mode\n")
        return 500


    def serve_tenant(self, c, req, mode, read, close):
        """Mimir's or Cortex's front (see the modes in the docstring)."""
        text = [("Content-Type", "text/plain; charset=utf-8")]
        if not req.path.startswith("/prometheus/"):
            self.reply(c, 404, "Not Found", text, b"404 page not found\n")
            return 404
        tenant = req.header("x-scope-orgid")
        if not tenant:
            self.reply(c, 401, "Unauthorized", text, b"no org id\n")
            return 401
        with self.lock:
            k = "tenant " + tenant
            self.stats[k] = self.stats.get(k, 0) + 1
        req.path = req.path[len("/prometheus"):]
        if mode == "cortex" and read:
            req.body = samples_only(req.body)
        a = self.fetch(req)
        if mode == "cortex" and read and a.status == 200:
            hs = [(k, v) for k, v in a.headers
                  if k.lower() not in ("content-type", "content-encoding")]
            hs.append(("Content-Type", "application/octet-stream"))
            self.reply(c, 200, "OK", hs, a.body, close)
            return "200 SAMPLES" if close else ("200 SAMPLES",)
        return (a.status,) if self.forward(c, a, close) else a.status


    def serve_thanos(self, c, req, mode, read, close):
        """A Thanos querier (see the modes in the docstring)."""
        if read:
            self.reply(c, 404, "Not Found", [("Content-Type", "text/plain; charset=utf-8")],
                       b"404 page not found\n")
            return 404
        form = urllib.parse.parse_qs(req.body.decode("utf-8", "replace"))
        strict = form.get("partial_response", [""])[0] == "false"
        raw = form.get("max_source_resolution", [""])[0] == "0s"
        with self.lock:
            for k, on in (("partial_response=false", strict), ("max_source_resolution=0s", raw)):
                if on:
                    self.stats[k] = self.stats.get(k, 0) + 1
        if mode == "thanos":
            return (lambda a: (a.status,) if self.forward(c, a, close) else a.status)(
                self.fetch(req))
        if mode == "thanos-down" and strict:
            self.reply(c, 422, "Unprocessable Entity", [("Content-Type", "application/json")],
                       THANOS422)
            return 422
        # The answer is rewritten: ask the upstream for it uncompressed.
        req.headers = [(k, v) for k, v in req.headers if k.lower() != "accept-encoding"]
        a = self.fetch(req)
        doc = json.loads(a.body)
        doc["warnings"] = ["No StoreAPIs matched for this query"]
        self.reply(c, 200, "OK", [("Content-Type", "application/json")],
                   json.dumps(doc).encode(), close)
        return "200 partial" if close else ("200 partial",)


class ControlHandler(http.server.BaseHTTPRequestHandler):
    """A control endpoint's handler: no request log, and send() for short answers."""

    def log_message(self, *a):
        pass

    def send(self, code, body, ctype="text/plain"):
        self.send_response(code)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


def control_handler(proxy):
    class H(ControlHandler):

        def do_GET(self):
            if self.path == "/mode":
                self.send(200, proxy.mode.encode() + b"\n")
            elif self.path == "/stats":
                with proxy.lock:
                    body = json.dumps(proxy.stats, sort_keys=True).encode()
                self.send(200, body + b"\n", "application/json")
            else:
                self.send(404, b"not found\n")

        def do_PUT(self):
            n = int(self.headers.get("Content-Length") or 0)
            mode = self.rfile.read(n).decode().strip()
            if self.path != "/mode":
                self.send(404, b"not found\n")
            elif mode not in MODES:
                self.send(400, ("unknown mode %r; modes: %s\n" % (mode, " ".join(MODES))).encode())
            elif not proxy.set_mode(mode):
                self.send(500, b"the listener did not follow the mode in 5 s\n")
            else:
                self.send(200, mode.encode() + b"\n")

        do_POST = do_PUT

    return H


def main():
    args = sys.argv[1:]
    slow = 4.0
    if "--slow" in args:
        i = args.index("--slow")
        slow = float(args[i + 1])
        del args[i:i + 2]
    if len(args) != 3:
        sys.exit(__doc__)
    proxy = Proxy(int(args[0]), args[1], slow)
    ctl = http.server.ThreadingHTTPServer(("127.0.0.1", int(args[2])), control_handler(proxy))
    ctl.daemon_threads = True
    threading.Thread(target=ctl.serve_forever, daemon=True).start()
    proxy.serve_forever()


if __name__ == "__main__":
    main()
