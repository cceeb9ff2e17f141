#!/usr/bin/env python3
"""A Cloud Storage JSON API server for the gs:// sink's tests, on
127.0.0.1, python3 stdlib only: the resumable upload protocol as documented
in "Perform resumable uploads" and "Resumable uploads"
(https://cloud.google.com/storage/docs/performing-resumable-uploads,
 https://cloud.google.com/storage/docs/resumable-uploads) and the objects
resource (https://cloud.google.com/storage/docs/json_api/v1/objects).

  gcs_server.py --data DIR --token TOKEN [--bucket NAME]... [--port N]
                [--port-file F] [--short-ack N] [--fail-503 N]
                [--delay-ms N] [--expire-after S] [--crc32c] [--bad-crc32c]
                [--tls-cert PEM]

  POST /upload/storage/v1/b/B/o?uploadType=media&name=N  (Content-Length
        or chunked): a single-request upload (the benchmark's baseline)
  POST /upload/storage/v1/b/B/o?uploadType=resumable&name=N
        Authorization: Bearer TOKEN (else 401), bucket known (else 404);
        X-Upload-Content-Length is kept and enforced at the end
        -> 200, Location: http://HOST/upload/storage/v1/b/B/o?
           uploadType=resumable&name=N&upload_id=ID  (HOST from the request,
           so the session goes back through the same proxy)
  PUT  SESSION  Content-Range: bytes A-B/T|*  (the body)
        -> 308 + Range: bytes=0-N (no Range when nothing is held), or, when
           the last byte of T is in, 200 + the object resource.  A chunk
           that is not the last must be a multiple of 256 KiB (400).  A
           start above what is held is a gap (400); below it, the bytes
           already held are ignored and counted as "overlap" in the log.
           A body cut short keeps what came, rounded down to 256 KiB.
  PUT  SESSION  Content-Range: bytes */T|*, no body: the status query
        -> 308 (+ Range), or 200 + the object when T is all held
  DELETE SESSION -> 499 (cancelled; later requests get 404)
  GET  /storage/v1/b/B/o/N            the object resource
  GET  /storage/v1/b/B/o/N?alt=media  (and /download/storage/...) its bytes
  DELETE /storage/v1/b/B/o/N          -> 204
  Session requests need no token (the session URI is the capability, as
  in GCS); the others do.  An expired session (--expire-after) gets 410.

Faults: --short-ack N: every Nth chunk keeps only part of what it got
(half, rounded down to 256 KiB) and says so in its 308 (servers may).
--fail-503 N: every Nth chunk is read and dropped, answered 503.
--delay-ms: each chunk waits that long first (for kill -9 tests).
--bad-crc32c: the object resource's crc32c is off by one bit (a client
must notice).
The object resource carries size and md5Hash (base64), and crc32c (base64
of the big-endian CRC-32C) with --crc32c: computed in Python, ~10 MB/s, so
only for small objects.

DIR/log.jsonl: one line per chunk or status query:
  {"session", "start", "received", "overlap", "held_before", "held_after",
   "status"}
so a test can assert that nothing the server held was sent again
(overlap 0) and count the bytes that came.  DIR/objects/B/<quoted N> are
the finished objects."""
import argparse
import base64
import hashlib
import json
import os
import re
import sys
import threading
import time
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

QUANTUM = 256 * 1024


def _crc32c_tables():
    t0 = []
    for i in range(256):
        c = i
        for _ in range(8):
            c = (c >> 1) ^ 0x82F63B78 if c & 1 else c >> 1
        t0.append(c)
    tables = [t0]
    for k in range(1, 4):
        prev = tables[k - 1]
        tables.append([(prev[i] >> 8) ^ t0[prev[i] & 0xFF] for i in range(256)])
    return tables


T0, T1, T2, T3 = _crc32c_tables()


ZBLOCK = 64 * 1024
ZEROS = bytes(ZBLOCK)


def _zero_block_tables():
    """The CRC register's change over ZBLOCK zero bytes is linear: a 32x32
    GF(2) matrix, made by squaring the one-byte step 16 times, then cut
    into 4 tables of 256 like the byte tables.  Sparse images hash fast."""
    def step(v):  # one zero byte, register form
        return (v >> 8) ^ T0[v & 0xFF]

    def apply(mat, v):
        r, i = 0, 0
        while v:
            if v & 1:
                r ^= mat[i]
            v >>= 1
            i += 1
        return r

    mat = [step(1 << i) for i in range(32)]
    for _ in range(16):  # 2^16 bytes
        mat = [apply(mat, mat[i]) for i in range(32)]
    return [[apply(mat, b << (8 * k)) for b in range(256)] for k in range(4)]


Z0, Z1, Z2, Z3 = _zero_block_tables()


def _crc32c_words(crc, mv):
    n4 = len(mv) // 4 * 4
    if sys.byteorder == "little":
        for w in mv[:n4].cast("I"):
            crc ^= w
            crc = T3[crc & 0xFF] ^ T2[(crc >> 8) & 0xFF] ^ T1[(crc >> 16) & 0xFF] ^ T0[crc >> 24]
    else:
        n4 = 0
    for b in mv[n4:]:
        crc = (crc >> 8) ^ T0[(crc ^ b) & 0xFF]
    return crc


def crc32c(data, crc=0):
    """CRC-32C (RFC 4960 Appendix B): 4 bytes a step, 64 KiB zero blocks
    in one step."""
    crc ^= 0xFFFFFFFF
    mv = memoryview(data)
    for off in range(0, len(mv), ZBLOCK):
        blk = mv[off:off + ZBLOCK]
        if len(blk) == ZBLOCK and blk == ZEROS:
            crc = Z0[crc & 0xFF] ^ Z1[(crc >> 8) & 0xFF] ^ Z2[(crc >> 16) & 0xFF] ^ Z3[crc >> 24]
        else:
            crc = _crc32c_words(crc, blk)
    return crc ^ 0xFFFFFFFF


assert crc32c(b"123456789") == 0xE3069283


class Session:
    def __init__(self, sid, bucket, name, total, path):
        self.id = sid
        self.bucket = bucket
        self.name = name
        self.declared = total          # X-Upload-Content-Length, or None
        self.path = path
        self.held = 0
        self.done = None               # the object resource once finished
        self.cancelled = False
        self.created = time.time()
        self.lock = threading.Lock()


class State:
    def __init__(self, args):
        self.args = args
        self.sessions = {}
        self.lock = threading.Lock()
        self.next_id = 1
        self.chunks = 0
        self.log_lock = threading.Lock()
        os.makedirs(os.path.join(args.data, "sessions"), exist_ok=True)
        for b in args.bucket:
            os.makedirs(os.path.join(args.data, "objects", b), exist_ok=True)

    def log(self, **rec):
        with self.log_lock, open(os.path.join(self.args.data, "log.jsonl"), "a") as f:
            f.write(json.dumps(rec) + "\n")

    def new_session(self, bucket, name, total):
        with self.lock:
            sid = "cm%06d%s" % (self.next_id, os.urandom(6).hex())
            self.next_id += 1
            path = os.path.join(self.args.data, "sessions", sid)
            open(path, "wb").close()
            s = Session(sid, bucket, name, total, path)
            self.sessions[sid] = s
            return s

    def chunk_number(self):
        with self.lock:
            self.chunks += 1
            return self.chunks

    def object_path(self, bucket, name):
        return os.path.join(self.args.data, "objects", bucket,
                            urllib.parse.quote(name, safe=""))


def b64(raw):
    return base64.b64encode(raw).decode()


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "gcs-test/1"
    st = None  # State

    def log_message(self, fmt, *a):  # quiet
        pass

    # ---- replies ----------------------------------------------------------
    def reply(self, code, body=b"", headers=(), reason=None):
        if isinstance(body, (dict, list)):
            body = json.dumps(body).encode()
            headers = list(headers) + [("Content-Type", "application/json; charset=UTF-8")]
        self.send_response(code, reason)
        for k, v in headers:
            self.send_header(k, v)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if body and self.command != "HEAD":
            self.wfile.write(body)

    def error(self, code, message, reason=None):
        self.reply(code, {"error": {"code": code, "message": message,
                                    "errors": [{"message": message}]}}, reason=reason)

    def authorized(self):
        want = "Bearer " + self.st.args.token
        if self.headers.get("Authorization", "") != want:
            self.error(401, "Invalid Credentials")
            return False
        return True

    def drain(self):
        n = int(self.headers.get("Content-Length") or 0)
        while n > 0:
            got = self.rfile.read(min(n, 1 << 20))
            if not got:
                break
            n -= len(got)

    # ---- routing ------------------------------------------------------------
    def parsed(self):
        u = urllib.parse.urlsplit(self.path)
        return u.path, urllib.parse.parse_qs(u.query, keep_blank_values=True)

    def do_POST(self):
        path, q = self.parsed()
        m = re.fullmatch(r"/upload/storage/v1/b/([^/]+)/o", path)
        if m and q.get("uploadType") == ["media"]:
            return self.simple_upload(urllib.parse.unquote(m.group(1)), q.get("name", [""])[0])
        if not m or q.get("uploadType") != ["resumable"]:
            self.drain()
            return self.error(400, "only uploadType=resumable or media here")
        self.drain()
        if not self.authorized():
            return
        bucket = urllib.parse.unquote(m.group(1))
        if bucket not in self.st.args.bucket:
            return self.error(404, "The specified bucket does not exist.")
        name = q.get("name", [""])[0]
        if not name:
            return self.error(400, "Required parameter: name")
        total = self.headers.get("X-Upload-Content-Length")
        s = self.st.new_session(bucket, name, int(total) if total is not None else None)
        host = self.headers.get("Host", "127.0.0.1")
        scheme = "https" if self.st.args.tls_cert else "http"
        loc = scheme + "://%s/upload/storage/v1/b/%s/o?uploadType=resumable&name=%s&upload_id=%s" % (
            host, urllib.parse.quote(bucket, safe=""), urllib.parse.quote(name, safe=""), s.id)
        self.reply(200, b"", [("Location", loc), ("X-GUploader-UploadID", s.id)])

    def body_chunks(self):
        """The request body, by Content-Length or chunked."""
        if self.headers.get("Transfer-Encoding", "").lower() == "chunked":
            while True:
                n = int(self.rfile.readline().split(b";")[0].strip(), 16)
                if n == 0:
                    while self.rfile.readline() not in (b"\r\n", b"\n", b""):
                        pass
                    return
                left = n
                while left:
                    b = self.rfile.read(min(left, 1 << 20))
                    if not b:
                        raise OSError("body cut short")
                    left -= len(b)
                    yield b
                self.rfile.readline()
        else:
            left = int(self.headers.get("Content-Length") or 0)
            while left:
                b = self.rfile.read(min(left, 1 << 20))
                if not b:
                    raise OSError("body cut short")
                left -= len(b)
                yield b

    def simple_upload(self, bucket, name):
        """POST uploadType=media: the whole object in one request (what
        `curl -T -` does; the benchmark's baseline)."""
        if self.headers.get("Authorization", "") != "Bearer " + self.st.args.token:
            self.drain()
            return self.error(401, "Invalid Credentials")
        if bucket not in self.st.args.bucket or not name:
            self.drain()
            return self.error(404, "The specified bucket does not exist.")
        s = self.st.new_session(bucket, name, None)
        total = 0
        with open(s.path, "wb") as f:
            for b in self.body_chunks():
                f.write(b)
                total += len(b)
        s.held = total
        if self.finalize(s, total) == 200:
            self.reply(200, s.done)

    def session(self):
        path, q = self.parsed()
        if not re.fullmatch(r"/upload/storage/v1/b/[^/]+/o", path) or "upload_id" not in q:
            return None
        with self.st.lock:
            return self.st.sessions.get(q["upload_id"][0])

    def do_PUT(self):
        s = self.session()
        if s is None:
            self.drain()
            return self.error(404, "No such upload session")
        with s.lock:
            self.put(s)

    def do_DELETE(self):
        path, _ = self.parsed()
        if path.startswith("/upload/"):
            s = self.session()
            if s is None:
                return self.error(404, "No such upload session")
            with s.lock:
                s.cancelled = True
                self.st.log(session=s.id, cancelled=True)
                # "A successful response contains a 499 status code"
                return self.reply(499, b"", reason="Client Closed Request")
        m = re.fullmatch(r"/storage/v1/b/([^/]+)/o/(.+)", path)
        if not m:
            return self.error(400, "bad path")
        if not self.authorized():
            return
        p = self.st.object_path(urllib.parse.unquote(m.group(1)), urllib.parse.unquote(m.group(2)))
        if not os.path.exists(p):
            return self.error(404, "No such object")
        os.unlink(p)
        for ext in (".json",):
            if os.path.exists(p + ext):
                os.unlink(p + ext)
        self.reply(204)

    def do_GET(self):
        path, q = self.parsed()
        m = re.fullmatch(r"(?:/download)?/storage/v1/b/([^/]+)/o/(.+)", path)
        if not m:
            return self.error(400, "bad path")
        if not self.authorized():
            return
        p = self.st.object_path(urllib.parse.unquote(m.group(1)), urllib.parse.unquote(m.group(2)))
        if not os.path.exists(p):
            return self.error(404, "No such object")
        if q.get("alt") == ["media"]:
            size = os.path.getsize(p)
            self.send_response(200)
            self.send_header("Content-Length", str(size))
            self.send_header("Content-Type", "application/octet-stream")
            self.end_headers()
            with open(p, "rb") as f:
                while True:
                    b = f.read(1 << 20)
                    if not b:
                        break
                    self.wfile.write(b)
            return
        with open(p + ".json") as f:
            self.reply(200, json.load(f))

    # ---- the upload -----------------------------------------------------------
    def put(self, s):
        a = self.st.args
        if s.cancelled:
            self.drain()
            return self.error(404, "No such upload session")
        if a.expire_after and time.time() - s.created > a.expire_after:
            self.drain()
            return self.error(410, "The upload session has expired")
        cr = self.headers.get("Content-Range", "")
        length = int(self.headers.get("Content-Length") or 0)
        m = re.fullmatch(r"bytes (?:(\d+)-(\d+)|\*)/(\d+|\*)", cr.strip())
        if not m:
            self.drain()
            return self.error(400, "Bad Content-Range: %r" % cr)
        total = None if m.group(3) == "*" else int(m.group(3))
        if s.done is not None:
            self.drain()
            return self.reply(200, s.done)
        if m.group(1) is None:
            if length:
                self.drain()
                return self.error(400, "a status query has no body")
            return self.status(s, total)
        first, last = int(m.group(1)), int(m.group(2))
        if last < first or last - first + 1 != length:
            self.drain()
            return self.error(400, "Content-Range and Content-Length differ")
        if total is not None and last + 1 > total:
            self.drain()
            return self.error(400, "range beyond the total")
        final = total is not None and last + 1 == total
        if not final and length % QUANTUM:
            self.drain()
            return self.error(400, "a chunk but the last must be a multiple of 262144 bytes")
        if first > s.held:
            self.drain()
            return self.error(400, "Invalid request: the upload offset is %d but the "
                              "service has %d bytes" % (first, s.held))
        n = self.st.chunk_number()
        if a.delay_ms:
            time.sleep(a.delay_ms / 1000.0)
        held_before = s.held
        received, complete = self.receive(s, first, length)
        overlap = max(0, min(held_before, first + received) - first)
        if not complete:
            # cut short: keep what came, in whole 256 KiB
            end = (first + received) // QUANTUM * QUANTUM
            self.keep(s, max(s.held, end))
            self.st.log(session=s.id, start=first, received=received, overlap=overlap,
                        held_before=held_before, held_after=s.held, status=0)
            self.close_connection = True
            return
        status = None
        if a.fail_503 and n % a.fail_503 == 0:
            self.keep(s, held_before)
            status = 503
        elif a.short_ack and n % a.short_ack == 0 and length >= 2 * QUANTUM:
            self.keep(s, max(held_before, (first + length // 2) // QUANTUM * QUANTUM))
        else:
            self.keep(s, first + length)
        if status is None and final and s.held == total:
            status = self.finalize(s, total)
        self.st.log(session=s.id, start=first, received=received, overlap=overlap,
                    held_before=held_before, held_after=s.held, status=status or 308)
        if status == 503:
            return self.error(503, "Backend Error", reason="Service Unavailable")
        if status is not None and status != 200:
            return
        if s.done is not None:
            return self.reply(200, s.done)
        self.reply_308(s)

    def reply_308(self, s):
        hdrs = [("Range", "bytes=0-%d" % (s.held - 1))] if s.held else []
        self.reply(308, b"", hdrs, reason="Resume Incomplete")

    def status(self, s, total):
        self.st.log(session=s.id, query=True, held=s.held, total=total)
        if total is not None and s.held == total:
            if self.finalize(s, total) != 200:
                return
            return self.reply(200, s.done)
        if total is not None and s.held > total:
            return self.error(400, "more bytes held than the total")
        self.reply_308(s)

    def receive(self, s, first, length):
        """Reads the body into the session file: bytes received, all came?"""
        got = 0
        with open(s.path, "r+b") as f:
            while got < length:
                try:
                    b = self.rfile.read(min(length - got, 1 << 20))
                except OSError:
                    b = b""
                if not b:
                    return got, False
                pos = first + got
                if pos + len(b) > s.held:
                    skip = max(0, s.held - pos)
                    f.seek(pos + skip)
                    f.write(b[skip:])
                got += len(b)
        return got, True

    def keep(self, s, held):
        """The server holds [0, held) from now on."""
        s.held = held
        with open(s.path, "r+b") as f:
            f.truncate(held)

    def finalize(self, s, total):
        a = self.st.args
        if s.declared is not None and s.declared != total:
            self.error(400, "X-Upload-Content-Length was %d, the upload has %d" % (s.declared, total))
            return 400
        md5 = hashlib.md5()
        crc = 0
        with open(s.path, "rb") as f:
            while True:
                b = f.read(1 << 20)
                if not b:
                    break
                md5.update(b)
                if a.crc32c:
                    crc = crc32c(b, crc)
        obj = {"kind": "storage#object", "bucket": s.bucket, "name": s.name,
               "id": "%s/%s/1" % (s.bucket, s.name), "generation": "1",
               "size": str(total), "md5Hash": b64(md5.digest()),
               "contentType": "application/octet-stream",
               "timeCreated": time.strftime("%Y-%m-%dT%H:%M:%S.000Z", time.gmtime())}
        if a.crc32c:
            if a.bad_crc32c:
                crc ^= 1  # a server that stored something else
            obj["crc32c"] = b64(crc.to_bytes(4, "big"))
        dst = self.st.object_path(s.bucket, s.name)
        os.rename(s.path, dst)
        with open(dst + ".json", "w") as f:
            json.dump(obj, f)
        s.path = dst
        s.done = obj
        self.st.log(session=s.id, finished=True, size=total)
        return 200


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--data", required=True)
    ap.add_argument("--token", required=True)
    ap.add_argument("--bucket", action="append", default=[])
    ap.add_argument("--port", type=int, default=0)
    ap.add_argument("--port-file")
    ap.add_argument("--short-ack", type=int, default=0)
    ap.add_argument("--fail-503", type=int, default=0)
    ap.add_argument("--delay-ms", type=int, default=0)
    ap.add_argument("--expire-after", type=float, default=0)
    ap.add_argument("--crc32c", action="store_true")
    ap.add_argument("--bad-crc32c", action="store_true")
    ap.add_argument("--tls-cert", help="serve https with this certificate (PEM, key in it)")
    args = ap.parse_args()
    if not args.bucket:
        args.bucket = ["bucket"]
    Handler.st = State(args)
    srv = ThreadingHTTPServer(("127.0.0.1", args.port), Handler)
    srv.daemon_threads = True
    if args.tls_cert:
        import ssl
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ctx.load_cert_chain(args.tls_cert)
        srv.socket = ctx.wrap_socket(srv.socket, server_side=True)
    if args.port_file:
        with open(args.port_file + ".tmp", "w") as f:
            f.write("%d\n" % srv.server_address[1])
        os.rename(args.port_file + ".tmp", args.port_file)
    try:
        srv.serve_forever()
    except KeyboardInterrupt:
        pass
    return 0


if __name__ == "__main__":
    sys.exit(main())
