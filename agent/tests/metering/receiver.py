#!/usr/bin/env python3
"""A metering endpoint for tests: takes CloudEvents 1.0 in structured JSON
mode (POST, Content-Type application/cloudevents+json), checks each one,
and keeps what it got in a JSON-lines file.

  receiver.py --port-file F --log FILE [--bodies FILE] [--fail-first N] [--status CODE]

--fail-first N answers 503 to the first N requests (a receiver with passing
trouble); --status CODE answers CODE to every request (e.g. 400: refused);
--hang reads each request and never answers (a black hole).
Every received event is one line in --log: {"id":..., "type":..., "valid":
bool, "problem": str, "duplicate": bool}; with --bodies, each request's
body as it came, one a line (to check what an event carries).  Loopback
only."""
import argparse
import json
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

REQUIRED = ("specversion", "id", "source", "type")


def check_event(headers, body):
    ctype = headers.get("Content-Type", "").split(";")[0].strip()
    if ctype != "application/cloudevents+json":
        return None, "content type %r" % ctype
    try:
        ev = json.loads(body)
    except ValueError as e:
        return None, "not JSON: %s" % e
    if not isinstance(ev, dict):
        return None, "not an object"
    for k in REQUIRED:
        if not isinstance(ev.get(k), str) or not ev[k]:
            return ev, "missing %s" % k
    if ev["specversion"] != "1.0":
        return ev, "specversion %r" % ev["specversion"]
    if "data" in ev and ev.get("datacontenttype") != "application/json":
        return ev, "datacontenttype %r" % ev.get("datacontenttype")
    return ev, ""


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, fmt, *args):
        pass

    def do_POST(self):
        srv = self.server
        n = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(min(n, 1 << 20))
        if srv.hang:
            time.sleep(3600)
            return
        with srv.lock:
            srv.requests += 1
            nth = srv.requests
        if srv.status or nth <= srv.fail_first:
            code = srv.status or 503
            self.send_response(code)
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        if srv.bodies:
            with srv.lock, open(srv.bodies, "ab") as f:
                f.write(body.replace(b"\n", b" ") + b"\n")
        ev, problem = check_event(self.headers, body)
        eid = ev.get("id") if isinstance(ev, dict) else None
        with srv.lock:
            dup = eid in srv.seen
            srv.seen.add(eid)
            with open(srv.log, "a") as f:
                f.write(json.dumps({"id": eid, "type": ev.get("type") if isinstance(ev, dict) else None,
                                    "valid": not problem, "problem": problem,
                                    "duplicate": dup}) + "\n")
        self.send_response(400 if problem else 202)
        self.send_header("Content-Length", "0")
        self.end_headers()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--port", type=int, default=0)
    ap.add_argument("--port-file")
    ap.add_argument("--log", required=True)
    ap.add_argument("--fail-first", type=int, default=0)
    ap.add_argument("--status", type=int, default=0)
    ap.add_argument("--hang", action="store_true")
    ap.add_argument("--bodies")
    a = ap.parse_args()
    srv = ThreadingHTTPServer(("127.0.0.1", a.port), Handler)
    srv.daemon_threads = True
    srv.lock = threading.Lock()
    srv.requests = 0
    srv.seen = set()
    srv.log = a.log
    srv.fail_first = a.fail_first
    srv.status = a.status
    srv.hang = a.hang
    srv.bodies = a.bodies
    if a.port_file:
        with open(a.port_file + ".tmp", "w") as f:
            f.write(str(srv.server_address[1]))
        import os
        os.rename(a.port_file + ".tmp", a.port_file)
    try:
        srv.serve_forever()
    except KeyboardInterrupt:
        pass
    return 0


if __name__ == "__main__":
    sys.exit(main())
