#!/usr/bin/env python3
"""A store whose answers are as large as the sidecar's documented caps allow,
for test_memory_caps.sh (peak memory of the reading paths).

    bigbody.py PORT AT_SECONDS SERIES SAMPLES

POST /api/v1/query: "success", a vector of SERIES series, each
    {"metric":{"pod":"pod-NNNNNNN"},"value":[AT,"1"]} (about 58 bytes a
    series: 1M series is a 58 MB body, under PROMQL_MAX_BODY), whatever the
    query.
POST /api/v1/read: a streamed remote-read answer
    (application/x-streamed-protobuf; proto=prometheus.ChunkedReadResponse)
    with one series {__name__="big"} for query 0: SAMPLES samples of value 1
    spread evenly over the 29 days before AT, in XOR chunks of 120 samples,
    frames of at most 1 MiB (as Prometheus sends them). The request is not
    decoded (it is snappy-compressed); the answer is the same every time.
Both bodies are built once, at the first request that needs them.
Each request is logged as one line "METHOD PATH BYTES" to stdout.
"""
import http.server
import struct
import sys
import threading

PORT = int(sys.argv[1])
AT = int(sys.argv[2])
SERIES = int(sys.argv[3])
SAMPLES = int(sys.argv[4])
CHUNK = 120
FRAME_MAX = 1 << 20

_lock = threading.Lock()
_bodies = {}


def uvarint(n):
    out = bytearray()
    while n >= 0x80:
        out.append((n & 0x7F) | 0x80)
        n >>= 7
    out.append(n)
    return bytes(out)


def varint(n):
    return uvarint((n << 1) ^ (n >> 63) if n < 0 else n << 1)


def field(num, wire, payload):
    if wire == 0:
        return uvarint(num << 3) + uvarint(payload)
    return uvarint((num << 3) | 2) + uvarint(len(payload)) + payload


def _crc_table():
    table = []
    for i in range(256):
        c = i
        for _ in range(8):
            c = (c >> 1) ^ 0x82F63B78 if c & 1 else c >> 1
        table.append(c)
    return table


CRC_TABLE = _crc_table()


def crc32c(data):
    c = 0xFFFFFFFF
    t = CRC_TABLE
    for b in data:
        c = t[(c ^ b) & 0xFF] ^ (c >> 8)
    return c ^ 0xFFFFFFFF


def xor_chunk(t0, step, n):
    """n samples of value 1.0 at t0, t0+step, ...: after the first two, each
    sample is a 0 bit for a delta-of-delta of 0 and a 0 bit for an unchanged
    value."""
    head = struct.pack(">H", n) + varint(t0) + struct.pack(">d", 1.0)
    if n == 1:
        return head
    bits = 1 + 2 * (n - 2)  # the value bit of sample 1, then two bits each
    return head + uvarint(step) + bytes((bits + 7) // 8)


def query_body():
    parts = [b'{"status":"success","data":{"resultType":"vector","result":[']
    row = '{"metric":{"pod":"pod-%%07d"},"value":[%d,"1"]}' % AT
    parts.append(",".join(row % i for i in range(SERIES)).encode())
    parts.append(b"]}}")
    return b"".join(parts)


def read_body():
    end_ms = AT * 1000
    span = 29 * 86400 * 1000
    step = max(1, span // max(SAMPLES, 1))
    start = end_ms - step * (SAMPLES - 1)
    labels = field(1, 2, field(1, 2, b"__name__") + field(2, 2, b"big"))
    frames = []
    chunks = []
    size = 0

    def emit():
        series = field(1, 2, labels + b"".join(chunks))
        msg = series + field(2, 0, 0)
        frames.append(uvarint(len(msg)) + struct.pack(">I", crc32c(msg)) + msg)

    done = 0
    while done < SAMPLES:
        n = min(CHUNK, SAMPLES - done)
        t0 = start + done * step
        data = xor_chunk(t0, step, n)
        ch = (field(1, 0, t0) + field(2, 0, t0 + (n - 1) * step) + field(3, 0, 1)
              + field(4, 2, data))
        ch = field(2, 2, ch)
        if size + len(ch) > FRAME_MAX and chunks:
            emit()
            chunks, size = [], 0
        chunks.append(ch)
        size += len(ch)
        done += n
    if chunks:
        emit()
    return b"".join(frames)


def body(kind):
    with _lock:
        if kind not in _bodies:
            _bodies[kind] = query_body() if kind == "query" else read_body()
        return _bodies[kind]


class H(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *a):
        pass

    def reply(self, code, ctype, data):
        self.send_response(code)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)
        print("%s %s %d" % (self.command, self.path, len(data)), flush=True)

    def do_POST(self):
        n = int(self.headers.get("Content-Length") or 0)
        if n:
            self.rfile.read(n)
        if self.path.startswith("/api/v1/query"):
            self.reply(200, "application/json", body("query"))
        elif self.path.startswith("/api/v1/read"):
            self.reply(200, "application/x-streamed-protobuf; "
                       "proto=prometheus.ChunkedReadResponse", body("read"))
        else:
            self.reply(404, "text/plain", b"not found\n")

    do_GET = do_POST


class Server(http.server.ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True


if __name__ == "__main__":
    Server(("127.0.0.1", PORT), H).serve_forever()
