#!/usr/bin/env python3
"""A fake store for the grouped-SLO benchmark: answers the instant queries
of bare range selectors that api_read sends (`SEL[Dms]` at time T) from
generated counters, for many groups, without a TSDB to fill.

    fakeapi.py PORT GROUPS T0 [BURST_END]

Series: r_total{code="500",ns="nsNNNNN"} and r_total{code="200",ns=...}
for each of GROUPS namespaces, one sample every 30 s from T0 (unix
seconds), the 500 series growing by g % 7 and the 200 series by 100 per
sample. A selector with code=~"5.." matches the 500 series, one without a
code matcher both. Prometheus 3's range semantics: samples in (T-D, T].
With BURST_END, every namespace but the first has samples only up to
BURST_END: a burst of short-lived groups.
"""
import http.server
import json
import re
import sys
import urllib.parse

PORT, GROUPS, T0 = int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3])
BURST_END = int(sys.argv[4]) if len(sys.argv) > 4 else None
STEP = 30


def series(err, t_lo):
    for g in range(GROUPS if BURST_END is None or t_lo <= BURST_END else 1):
        ns = "ns%05d" % g
        if err:
            yield {"__name__": "r_total", "code": "500", "ns": ns}, g % 7
        else:
            yield {"__name__": "r_total", "code": "500", "ns": ns}, g % 7
            yield {"__name__": "r_total", "code": "200", "ns": ns}, 100


def answer(query, t):
    m = re.match(r"^(.*)\[(\d+)ms\]$", query)
    if not m:
        return None
    sel, d = m.group(1), int(m.group(2)) / 1000.0
    err = 'code=~"5.."' in sel
    lo = max(T0, int((t - d) // STEP) * STEP + STEP)
    times = [x for x in range(lo, int(t) + 1, STEP) if x > t - d]
    out = []
    if times:
        for labels, inc in series(err, times[0]):
            ts = times if labels["ns"] == "ns00000" or BURST_END is None else \
                [x for x in times if x <= BURST_END]
            if not ts:
                continue
            vals = [[x, str((x - T0) // STEP * inc)] for x in ts]
            out.append('{"metric":%s,"values":%s}' % (json.dumps(labels), json.dumps(vals)))
    return ('{"status":"success","data":{"resultType":"matrix","result":[%s]}}'
            % ",".join(out)).encode()


class H(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *a):
        pass

    def do_POST(self):
        n = int(self.headers.get("Content-Length", 0))
        form = urllib.parse.parse_qs(self.rfile.read(n).decode())
        body = answer(form.get("query", [""])[0], float(form.get("time", ["0"])[0]))
        self.send_response(200 if body is not None else 400)
        body = body or b'{"status":"error","errorType":"bad_data","error":"unsupported"}'
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    do_GET = do_POST


http.server.ThreadingHTTPServer(("127.0.0.1", PORT), H).serve_forever()
