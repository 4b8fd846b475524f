#!/usr/bin/env python3
"""Abusive HTTP clients against slo-sidecar, while a normal scraper scrapes.

    http_abuse.py --port PORT [--duration 24] [--slowloris N@SRC]... [--idle N@SRC]
                  [--idle-timeout S] [--huge SRC] [--wrk SECONDS@AT] [--wrk-conns 4]
                  [--scrape-timeout 10] [--scraper-src SRC] [--pid PID --rss-factor F]

First the idle connections are opened, then the sidecar's /-/ready is
awaited (up to 120 s) and /metrics and /api/v1/slos fetched once (the
warm-up; with --pid, the sidecar's VmRSS is read then), then everything else
runs at once against 127.0.0.1:PORT for --duration seconds (longer when
--idle-timeout needs it):

  idle       N connections from source address SRC (any 127.x.y.z is loopback
             on Linux, so each client can have its own address) that send
             nothing at all; with --idle-timeout S, the server must close each
             of them between S-1 and S+5 seconds after it was opened, when
             the run lasts that long;
  slowloris  N connections from SRC (repeatable) that each send a request
             line and a first header, then one more header byte every 4 s,
             and never end the header block;
  huge       one after the other from SRC: a 1 MiB header line, 1 MiB of
             16,384 short headers, a 1 MiB request target, and a POST with a
             4 MiB body; each must be answered with an error status (4xx) or
             the connection closed, never a 2xx;
  wrk        `wrk -t2 -c CONNS` on /metrics for SECONDS, starting AT seconds
             in (connections from 127.0.0.1);
  scraper    from --scraper-src (default 127.0.0.1), every second, a fresh
             `curl -m TIMEOUT` of /metrics (10 s: Prometheus's default
             scrape_timeout), then /-/healthy.

Prints what each client saw: connections accepted and still held at the
end, closed by the server at once (over a limit) or later, the huge
requests' answers, wrk's counts, and every scrape's status and time. Exits 1
when a scrape did not get 200, a huge request got a 2xx or no answer
within 10 s without the connection being closed, wrk failed, or an idle
connection outlived --idle-timeout, or (with --pid) the sidecar's VmRSS
afterwards is more than F times the one after the warm-up; exits 0
otherwise. Python standard library only (plus the curl and wrk binaries).
"""
import argparse
import errno
import re
import selectors
import socket
import subprocess
import sys
import threading
import time

HOST = "127.0.0.1"
KIB = 1024
MIB = 1024 * KIB


def connect(port, src, timeout=3.0):
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.settimeout(timeout)
    s.bind((src, 0))
    s.connect((HOST, port))
    return s


class Holders:
    """Connections that hold a slot: slowloris (trickling headers) or idle.
    One thread, one selector; each socket is watched for the server closing
    it (EOF, reset) or answering (any byte: a limit's error page)."""

    def __init__(self, port, kind, n, src, trickle):
        self.port, self.kind, self.n, self.src, self.trickle = port, kind, n, src, trickle
        self.opened = 0
        self.failed = 0          # connect() itself failed
        self.closed_at_once = 0  # closed or answered within 1 s of connecting
        self.closed_later = []   # seconds after connecting
        self.answered = []       # first bytes of any answer
        self.sel = selectors.DefaultSelector()
        self.live = {}           # socket -> connect time
        self.t_open = None

    def open(self):
        self.t_open = time.monotonic()
        for _ in range(self.n):
            try:
                s = connect(self.port, self.src)
            except OSError:
                self.failed += 1
                continue
            self.opened += 1
            s.setblocking(False)
            if self.kind == "slowloris":
                try:
                    s.send(b"GET /metrics HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: ")
                except OSError:
                    pass
            self.live[s] = time.monotonic()
            self.sel.register(s, selectors.EVENT_READ)

    def gone(self, s, now):
        age = now - self.live.pop(s)
        self.sel.unregister(s)
        s.close()
        if age < 1.0:
            self.closed_at_once += 1
        else:
            self.closed_later.append(age)

    def run(self, until):
        """Watches (and trickles) until self.until, which may be changed meanwhile."""
        self.until = until
        if self.t_open is None:
            self.open()
        next_byte = time.monotonic() + self.trickle
        while time.monotonic() < self.until:
            for key, _ in self.sel.select(timeout=0.2):
                s = key.fileobj
                try:
                    data = s.recv(4096)
                except OSError:
                    data = b""
                if data:
                    self.answered.append(data[:40])
                self.gone(s, time.monotonic())
            now = time.monotonic()
            if self.kind == "slowloris" and now >= next_byte:
                next_byte = now + self.trickle
                for s in list(self.live):
                    try:
                        s.send(b"x")
                    except OSError:
                        self.gone(s, now)

    def held(self):
        return len(self.live)

    def close(self):
        for s in list(self.live):
            s.close()

    def check_timeout(self, timeout):
        """None, or why the idle connections did not time out as they should."""
        if time.monotonic() - self.t_open < timeout + 5:
            return None
        early = [a for a in self.closed_later if a < timeout - 1]
        if self.held() or early or len(self.closed_later) + self.closed_at_once != self.opened:
            return ("%d idle connections still open %.0f s after they were opened, %d closed "
                    "before %d s" % (self.held(), time.monotonic() - self.t_open, len(early),
                                     timeout - 1))
        return None

    def report(self):
        later = ""
        if self.closed_later:
            later = " (after %.1f..%.1f s)" % (min(self.closed_later), max(self.closed_later))
        ans = ""
        if self.answered:
            ans = "; answered before closing: %r" % sorted(set(self.answered))[:3]
        return ("%s from %s: %d asked, %d connected (%d connect errors), %d closed by the "
                "server at once, %d later%s, %d still held at the end%s"
                % (self.kind, self.src, self.n, self.opened, self.failed, self.closed_at_once,
                   len(self.closed_later), later, self.held(), ans))


def huge_one(port, src, name, head, body=b""):
    """Sends head (+ body); returns (ok, description)."""
    try:
        s = connect(port, src, 10)
    except OSError as e:
        return False, "%s: cannot connect: %s" % (name, e)
    sent = 0
    outcome = None
    try:
        data = head + body
        view = memoryview(data)
        while sent < len(data):
            try:
                n = s.send(view[sent:sent + 64 * KIB])
            except OSError as e:
                outcome = "closed by the server after %d of %d bytes (%s)" % (
                    sent, len(data), errno.errorcode.get(e.errno, e))
                break
            sent += n
        try:
            s.settimeout(10)
            got = b""
            while b"\r\n" not in got:
                chunk = s.recv(4096)
                if not chunk:
                    break
                got += chunk
        except socket.timeout:
            return False, "%s: no answer within 10 s and the connection still open" % name
        except OSError as e:
            got = b""
            outcome = outcome or "reset by the server after %d bytes (%s)" % (
                sent, errno.errorcode.get(e.errno, e))
        line = got.split(b"\r\n")[0].decode("latin-1")
        m = re.match(r"HTTP/1\.[01] (\d{3})", line)
        if m:
            code = int(m.group(1))
            return code >= 400, "%s: answered %r after %d of %d bytes sent" % (
                name, line, sent, len(data))
        return True, "%s: %s" % (name, outcome or "closed without an answer after %d bytes"
                                 % sent)
    finally:
        s.close()


def huge(port, src, results):
    big = b"a" * MIB
    cases = [
        ("1 MiB header line",
         b"GET /metrics HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Big: " + big + b"\r\n\r\n", b""),
        ("16384 headers of 64 bytes",
         b"GET /metrics HTTP/1.1\r\nHost: 127.0.0.1\r\n" +
         b"".join(b"X-H%05d: %s\r\n" % (i, b"b" * 54) for i in range(16384)) + b"\r\n", b""),
        ("1 MiB request target",
         b"GET /metrics?" + big + b" HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n", b""),
        ("POST with a 4 MiB body",
         b"POST /api/v1/slos HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: %d\r\n"
         b"Connection: close\r\n\r\n" % (4 * MIB), b"z" * (4 * MIB)),
    ]
    for name, head, body in cases:
        results.append(huge_one(port, src, name, head, body))


def scraper(port, src, timeout, until, results):
    base = "http://127.0.0.1:%d" % port
    while time.monotonic() < until:
        t0 = time.monotonic()
        for path in ("/metrics", "/-/healthy"):
            out = subprocess.run(["curl", "-s", "-o", "/dev/null", "--interface", src,
                                  "-m", str(timeout), "-w", "%{http_code} %{time_total}",
                                  base + path], capture_output=True, text=True)
            code, secs = (out.stdout.split() + ["000", "0"])[:2]
            results.append((round(t0 - START, 1), path, code, float(secs), out.returncode))
        time.sleep(max(0.0, 1.0 - (time.monotonic() - t0)))


def run_wrk(port, secs, at, conns, results):
    time.sleep(at)
    out = subprocess.run(["wrk", "-t2", "-c%d" % conns, "-d%ds" % secs, "--timeout", "10s",
                          "http://127.0.0.1:%d/metrics" % port], capture_output=True, text=True)
    reqs = re.search(r"(\d+) requests in", out.stdout)
    non2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", out.stdout)
    sock = re.search(r"Socket errors: (.*)", out.stdout)
    results.append((out.returncode, int(reqs.group(1)) if reqs else -1,
                    int(non2xx.group(1)) if non2xx else 0, sock.group(1) if sock else "none"))


def rss_kib(pid):
    """VmRSS of pid, 0 when it is gone."""
    try:
        with open("/proc/%d/status" % pid) as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0


def wait_ready(port, src, seconds):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        out = subprocess.run(["curl", "-s", "-o", "/dev/null", "--interface", src, "-m", "3",
                              "-w", "%{http_code}", "http://127.0.0.1:%d/-/ready" % port],
                             capture_output=True, text=True)
        if out.stdout == "200":
            return True
        time.sleep(0.3)
    return False


def spec(v):
    n, _, src = v.partition("@")
    return int(n), src or "127.0.0.1"


START = time.monotonic()


def main():
    global START
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--port", type=int, required=True)
    ap.add_argument("--duration", type=float, default=24)
    ap.add_argument("--slowloris", type=spec, action="append", default=[])
    ap.add_argument("--idle", type=spec)
    ap.add_argument("--idle-timeout", type=float)
    ap.add_argument("--huge")
    ap.add_argument("--wrk")
    ap.add_argument("--wrk-conns", type=int, default=4)
    ap.add_argument("--scrape-timeout", type=float, default=10)
    ap.add_argument("--scraper-src", default="127.0.0.1")
    ap.add_argument("--pid", type=int)
    ap.add_argument("--rss-factor", type=float, default=3)
    a = ap.parse_args()
    threads, holders, huge_res, scrapes, wrk_res = [], [], [], [], []
    idle = idle_thread = None
    if a.idle:
        # Watched from the start, so that the connections over a limit count
        # as closed at once; stopped with the others.
        idle = Holders(a.port, "idle", a.idle[0], a.idle[1], 0)
        idle.open()
        holders.append(idle)
        idle_thread = threading.Thread(target=idle.run, args=(time.monotonic() + 3600,))
        idle_thread.start()
    if not wait_ready(a.port, a.scraper_src, 120):
        print("  FAIL: /-/ready did not answer 200 within 120 s")
        if idle:
            idle.until = 0
        sys.exit(1)
    for path in ("/metrics", "/api/v1/slos"):
        subprocess.run(["curl", "-s", "-o", "/dev/null", "-m", "30", "--interface",
                        a.scraper_src, "http://127.0.0.1:%d%s" % (a.port, path)])
    rss0 = rss_kib(a.pid) if a.pid else 0
    START = time.monotonic()
    until = START + a.duration
    if idle and a.idle_timeout:
        until = max(until, idle.t_open + a.idle_timeout + 5.5)
    print("  ready and warm %.1f s after the idle connections were opened; attacking for "
          "%.0f s" % (START - idle.t_open if idle else 0, until - START))
    for n, src in a.slowloris:
        h = Holders(a.port, "slowloris", n, src, 4.0)
        holders.append(h)
        threads.append(threading.Thread(target=h.run, args=(until,)))
    threads.append(threading.Thread(target=scraper, args=(a.port, a.scraper_src,
                                                          a.scrape_timeout, until, scrapes)))
    if a.huge:
        threads.append(threading.Thread(target=lambda: (time.sleep(2),
                                                        huge(a.port, a.huge, huge_res))))
    if a.wrk:
        secs, _, at = a.wrk.partition("@")
        threads.append(threading.Thread(target=run_wrk, args=(a.port, int(secs), float(at or 0),
                                                              a.wrk_conns, wrk_res)))
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    if idle:
        idle.until = 0
        idle_thread.join()
    fails = 0
    for h in holders:
        print("  " + h.report())
    if idle and a.idle_timeout:
        why = idle.check_timeout(a.idle_timeout)
        if why:
            print("  FAIL: " + why)
            fails += 1
        elif time.monotonic() - idle.t_open >= a.idle_timeout + 5:
            print("  ok:   every idle connection was closed by the server after %d s"
                  % a.idle_timeout)
    for ok, what in huge_res:
        print("  %s huge request, %s" % ("ok:  " if ok else "FAIL:", what))
        fails += not ok
    for rc, reqs, non2xx, sock in wrk_res:
        print("  wrk burst on /metrics (%d connections): %d requests, %d non-2xx, socket "
              "errors: %s" % (a.wrk_conns, reqs, non2xx, sock))
        if rc != 0 or reqs <= 0:
            print("  FAIL: wrk did not run (exit %d)" % rc)
            fails += 1
    bad = [s for s in scrapes if s[2] != "200"]
    times = sorted(s[3] for s in scrapes if s[1] == "/metrics" and s[2] == "200")
    print("  scraper from %s: %d scrapes of /metrics, %d of /-/healthy, %d not 200; /metrics "
          "time median %.2f s, max %.2f s" % (
              a.scraper_src, sum(s[1] == "/metrics" for s in scrapes),
              sum(s[1] == "/-/healthy" for s in scrapes), len(bad),
              times[len(times) // 2] if times else -1, times[-1] if times else -1))
    for t, path, code, secs, rc in bad[:10]:
        print("  FAIL: at %5.1f s %s answered %s after %.2f s (curl exit %d)"
              % (t, path, code, secs, rc))
    fails += len(bad) > 0 or not scrapes
    for h in holders:
        h.close()
    if a.pid:
        rss1 = rss_kib(a.pid)
        ok = 0 < rss1 <= a.rss_factor * rss0
        print("  %s sidecar VmRSS %d KiB after the warm-up, %d KiB after the attack (x%.2f, "
              "limit x%.1f)" % ("ok:  " if ok else "FAIL:", rss0, rss1, rss1 / max(rss0, 1),
                                a.rss_factor))
        fails += not ok
    sys.exit(1 if fails else 0)


if __name__ == "__main__":
    main()
