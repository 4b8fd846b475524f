#!/usr/bin/env python3
"""Reads the log of webhook_receiver.py for the end-to-end alert test.

  check_alerts.py wait LOG PATH STATUS NAME=VALUE... [--timeout S] [--since T]
      waits until a notification to PATH (/pager, /ticket) holds an alert
      with that status (firing or resolved) and all those labels; prints it
      and exits 0, or prints every notification seen and exits 1
  check_alerts.py none LOG NAME=VALUE...
      exits 0 when no notification to any path holds an alert with those
      labels, else prints them and exits 1
  check_alerts.py first LOG NAME=VALUE...
      prints the first alert with those labels in any notification, as JSON:
      its labels and annotations, and the notification's groupLabels; exits 1
      when there is none
  check_alerts.py dump LOG
      prints one line per notification"""
import json
import sys
import time


def load(log):
    try:
        with open(log) as f:
            return [json.loads(line) for line in f if line.strip()]
    except FileNotFoundError:
        return []


def summary(rec):
    b = rec.get("body") or {}
    alerts = ["%s{%s} %s" % (a["labels"].get("alertname"),
                             ",".join("%s=%s" % kv for kv in sorted(a["labels"].items())
                                      if kv[0] != "alertname"),
                             a.get("status"))
              for a in b.get("alerts", [])]
    return "%s %s receiver=%s groupLabels=%s: %s" % (
        rec["path"], b.get("status"), b.get("receiver"),
        json.dumps(b.get("groupLabels", {}), sort_keys=True), "; ".join(alerts))


def matches(alert, want):
    return all(alert["labels"].get(k) == v for k, v in want.items())


def parse_labels(args):
    want = {}
    for a in args:
        k, _, v = a.partition("=")
        want[k] = v
    return want


def main():
    cmd, log = sys.argv[1], sys.argv[2]
    if cmd == "dump":
        for rec in load(log):
            print("    " + summary(rec))
        return 0
    if cmd == "first":
        want = parse_labels(sys.argv[3:])
        for r in load(log):
            b = r.get("body") or {}
            for a in b.get("alerts", []):
                if matches(a, want):
                    print(json.dumps({"labels": a["labels"],
                                      "annotations": a.get("annotations", {}),
                                      "groupLabels": b.get("groupLabels")}))
                    return 0
        return 1
    if cmd == "none":
        want = parse_labels(sys.argv[3:])
        hits = [r for r in load(log)
                if any(matches(a, want) for a in (r.get("body") or {}).get("alerts", []))]
        for r in hits:
            print("    unexpected: " + summary(r))
        return 1 if hits else 0
    path, status = sys.argv[3], sys.argv[4]
    rest = sys.argv[5:]
    timeout, since = 30.0, 0.0
    if "--timeout" in rest:
        i = rest.index("--timeout")
        timeout = float(rest[i + 1])
        del rest[i:i + 2]
    if "--since" in rest:
        i = rest.index("--since")
        since = float(rest[i + 1])
        del rest[i:i + 2]
    want = parse_labels(rest)
    deadline = time.time() + timeout
    while True:
        for r in load(log):
            if r["path"] != path or r["received"] < since:
                continue
            for a in (r.get("body") or {}).get("alerts", []):
                if a.get("status") == status and matches(a, want):
                    print("    %s after %.1fs: %s" % (path, r["received"] - since if since else 0,
                                                      summary(r)))
                    for k in sorted(a.get("annotations", {})):
                        print("      %s: %s" % (k, a["annotations"][k]))
                    return 0
        if time.time() > deadline:
            break
        time.sleep(0.2)
    print("    no %s alert %s at %s within %gs; notifications seen:" % (status, want, path, timeout))
    for r in load(log):
        print("      " + summary(r))
    return 1


sys.exit(main())
