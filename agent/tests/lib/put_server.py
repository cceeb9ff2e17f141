#!/usr/bin/env python3
"""A plain HTTP(S) PUT server on 127.0.0.1 for the stream tests (stdlib only).

  put_server.py --dir DIR [--port N] [--port-file F] [--log F]
                [--cert PEM --key PEM] [--auth VALUE]
                [--status CODE [--late]] [--close-after N] [--rate BPS]
                [--ciphers OPENSSL-CIPHERS] [--curve NAME] [--tls-version V]

PUT /NAME stores the body as DIR/NAME (written to DIR/NAME.part, renamed
once the whole body came; a cut upload leaves only the .part).  Bodies come
with Content-Length or with chunked transfer-encoding (RFC 9112 7.1: hex
size lines, chunk extensions ignored, trailers read and dropped).  Answers
"Expect: 100-continue" with 100 before reading the body (RFC 9110 10.1.1),
unless it refuses the request, which it then does at once.

Faults:
  --auth VALUE     a PUT without "Authorization: VALUE" gets 401 (early)
  --status CODE    every PUT gets CODE: before the body (early: at the
                   Expect, or without reading the body), or with --late
                   after reading all of it
  --close-after N  the connection is dropped once N body bytes came in
                   (an upload cut by the server)
  --rate BPS       read bodies at about BPS bytes a second (a slow link:
                   time to kill the client mid-upload)

--log F gets one JSON line per request: method, path, status, bytes (body
bytes read), chunked, content_length, expect, auth (whether one came).
--port-file gets the port once listening.  --cert/--key: HTTPS; with
--ciphers, TLS 1.2 offering only those; --curve: the one ECDHE group;
--tls-version: that version only.  Stops on
SIGTERM."""
import argparse
import json
import os
import signal
import socket
import ssl
import sys
import threading
import warnings
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

BLOCK = 1 << 20


class Cut(Exception):
    """The server drops the connection (--close-after)."""


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    args = None
    log_lock = threading.Lock()

    def log_message(self, fmt, *a):  # quiet: --log has the facts
        pass

    def record(self, status, nbytes):
        if not self.args.log:
            return
        h = self.headers
        line = json.dumps({
            "method": self.command, "path": self.path, "status": status,
            "bytes": nbytes,
            "chunked": "chunked" in (h.get("Transfer-Encoding") or "").lower(),
            "content_length": h.get("Content-Length"),
            "expect": h.get("Expect"),
            "auth": h.get("Authorization") is not None,
        })
        with self.log_lock, open(self.args.log, "a") as f:
            f.write(line + "\n")

    def refusal(self):
        """The status a PUT gets before its body is read, or None."""
        a = self.args
        if a.auth is not None and self.headers.get("Authorization") != a.auth:
            return 401
        if a.status and not a.late:
            return a.status
        return None

    def answer(self, status, close=False):
        body = b"%d\n" % status
        self.send_response(status)
        self.send_header("Content-Length", str(len(body)))
        if close:
            self.send_header("Connection", "close")
            self.close_connection = True
        self.end_headers()
        self.wfile.write(body)

    def handle_expect_100(self):
        if self.command == "PUT" and self.refusal():
            status = self.refusal()
            self.answer(status, close=True)
            self.record(status, 0)
            return False
        return super().handle_expect_100()

    def target(self):
        name = self.path.split("?", 1)[0].lstrip("/")
        if not name or ".." in name.split("/") or name.endswith(".part"):
            return None
        return os.path.join(self.args.dir, name)

    def take(self, n, out):
        """Reads n body bytes into out (a file or None), counting them."""
        while n:
            k = min(n, BLOCK)
            if self.args.close_after is not None:
                left = self.args.close_after - self.got
                if left <= 0:
                    raise Cut()
                k = min(k, left)
            if self.args.rate:
                k = min(k, 64 * 1024)
                time.sleep(k / self.args.rate)
            b = self.rfile.read(k)
            if not b:
                raise ConnectionError("client closed")
            if out:
                out.write(b)
            self.got += len(b)
            n -= len(b)

    def line(self):
        s = self.rfile.readline(65537)
        if not s.endswith(b"\n"):
            raise ConnectionError("bad chunk line")
        return s

    def take_chunked(self, out):
        while True:
            size = int(self.line().split(b";", 1)[0].strip(), 16)
            if size == 0:
                break
            self.take(size, out)
            if self.line().strip():
                raise ConnectionError("chunk without CRLF")
        while self.line().strip():  # trailers
            pass

    def body(self, out):
        if "chunked" in (self.headers.get("Transfer-Encoding") or "").lower():
            self.take_chunked(out)
        else:
            self.take(int(self.headers.get("Content-Length") or 0), out)

    def do_PUT(self):
        self.got = 0
        status = self.refusal()
        if status:  # no Expect: answer without reading, then close
            self.answer(status, close=True)
            self.record(status, 0)
            return
        path = self.target()
        if path is None:
            self.answer(400, close=True)
            self.record(400, 0)
            return
        os.makedirs(os.path.dirname(path), exist_ok=True)
        part = path + ".part"
        try:
            with open(part, "wb") as out:
                self.body(out if not self.args.late else None)
        except Cut:
            self.record("cut", self.got)
            self.connection.shutdown(socket.SHUT_RDWR)
            self.close_connection = True
            return
        except (ConnectionError, ValueError, OSError):
            self.record("broken", self.got)
            self.close_connection = True
            return
        if self.args.late:
            os.unlink(part)
            self.answer(self.args.status)
            self.record(self.args.status, self.got)
            return
        os.replace(part, path)
        self.answer(201)
        self.record(201, self.got)

    def do_GET(self):
        path = self.target()
        if path is None or not os.path.isfile(path):
            self.answer(404)
            return
        self.send_response(200)
        self.send_header("Content-Length", str(os.path.getsize(path)))
        self.end_headers()
        with open(path, "rb") as f:
            while True:
                b = f.read(BLOCK)
                if not b:
                    break
                self.wfile.write(b)


class Server(ThreadingHTTPServer):
    daemon_threads = True
    ssl_ctx = None

    def get_request(self):
        sock, addr = super().get_request()
        if self.ssl_ctx:
            # the handshake in the handler's thread: a client that refuses
            # our certificate must not stop the accept loop
            sock = self.ssl_ctx.wrap_socket(sock, server_side=True,
                                            do_handshake_on_connect=False)
        return sock, addr

    def finish_request(self, request, client_address):
        if self.ssl_ctx:
            try:
                request.do_handshake()
            except (ssl.SSLError, OSError):
                return
        super().finish_request(request, client_address)


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--dir", required=True)
    p.add_argument("--port", type=int, default=0)
    p.add_argument("--port-file")
    p.add_argument("--log")
    p.add_argument("--cert")
    p.add_argument("--key")
    p.add_argument("--auth")
    p.add_argument("--status", type=int)
    p.add_argument("--late", action="store_true")
    p.add_argument("--close-after", type=int)
    p.add_argument("--rate", type=int)
    # TLS 1.2 with only these OpenSSL ciphers, and one ECDHE group
    p.add_argument("--ciphers")
    p.add_argument("--curve")
    # only this TLS version (1.0, 1.1, 1.2 or 1.3)
    p.add_argument("--tls-version", choices=["1.0", "1.1", "1.2", "1.3"])
    args = p.parse_args()
    if args.late and not args.status:
        p.error("--late goes with --status")
    Handler.args = args
    srv = Server(("127.0.0.1", args.port), Handler)
    if args.cert:
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ctx.load_cert_chain(args.cert, args.key)
        if args.ciphers:
            ctx.maximum_version = ssl.TLSVersion.TLSv1_2
            ctx.set_ciphers(args.ciphers)
        if args.curve:
            ctx.set_ecdh_curve(args.curve)
        if args.tls_version:
            v = {"1.0": ssl.TLSVersion.TLSv1, "1.1": ssl.TLSVersion.TLSv1_1,
                 "1.2": ssl.TLSVersion.TLSv1_2, "1.3": ssl.TLSVersion.TLSv1_3}
            with warnings.catch_warnings():	# 1.0, 1.1: deprecated, as meant
                warnings.simplefilter("ignore", DeprecationWarning)
                ctx.minimum_version = ctx.maximum_version = v[args.tls_version]
            if args.tls_version < "1.2":	# OpenSSL 3 allows them at level 0 only
                ctx.set_ciphers(args.ciphers or "DEFAULT@SECLEVEL=0")
        srv.ssl_ctx = ctx
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    if args.port_file:
        tmp = args.port_file + ".tmp"
        with open(tmp, "w") as f:
            f.write("%d\n" % srv.server_address[1])
        os.replace(tmp, args.port_file)
    srv.serve_forever()


if __name__ == "__main__":
    main()
