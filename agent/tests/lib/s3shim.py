#!/usr/bin/env python3
"""An S3 front for s3rver in the s3:// sink tests, on 127.0.0.1 only.

  s3shim.py --to PORT --data DIR --log FILE [--port-file F]
            [--access-key K --secret-key S --region R] [--refuse-part N]

Every request is checked as S3 would and then passed to s3rver (which
stores the objects but checks no signature and implements neither
ListParts, AbortMultipartUpload nor ListMultipartUploads):
- SigV4: the Authorization header is recomputed with botocore's own signer
  (botocore.auth.S3SigV4Auth: canonical request, string to sign, signing
  key) over the headers the request names in SignedHeaders, its x-amz-date
  and the body that really came; anything but the same string is refused
  with 403 SignatureDoesNotMatch (a wrong secret, a wrong region, a wrong
  payload hash).
- x-amz-content-sha256 and Content-MD5 are compared with the body
  (400 XAmzContentSHA256Mismatch / BadDigest).
- The multipart uploads are followed from the answers s3rver gives
  (UploadId, each part's ETag once it is stored) so that ListParts,
  AbortMultipartUpload (which also removes s3rver's part files) and
  ListMultipartUploads answer like S3.
Each request is appended to --log as one JSON line: method, path, query,
body length, part number, status, sig (true: botocore's signature was the
same), token (an x-amz-security-token came).  --busy-part N --busy-times K
answers 503 SlowDown to UploadPart N K times (a server under load), then
takes it.  --refuse-part N answers
UploadPart N with 403 AccessDenied (a fatal error in the middle)."""
import argparse
import base64
import hashlib
import http.client
import http.server
import json
import os
import shutil
import sys
import threading
import urllib.parse
from xml.sax.saxutils import escape

from botocore.auth import S3SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

ARGS = None
LOCK = threading.Lock()
BUSY = [0]
UPLOADS = {}  # upload id -> {"bucket", "key", "parts": {n: (etag, size)}}


def expected_authorization(method, host, raw_path, headers, body, auth_header):
    """botocore's Authorization for this request, or None if unparsable."""
    try:
        signed = auth_header.split("SignedHeaders=")[1].split(",")[0].strip().split(";")
    except IndexError:
        return None
    hdrs = {name: headers.get(name, "") for name in signed}
    req = AWSRequest(method=method, url="http://" + host + raw_path, headers=hdrs, data=body)
    signer = S3SigV4Auth(Credentials(ARGS.access_key, ARGS.secret_key), "s3", ARGS.region)
    req.context["timestamp"] = headers.get("x-amz-date", "")
    # botocore's own hash of the body that came, not the one claimed
    if "X-Amz-Content-SHA256" in req.headers:
        del req.headers["X-Amz-Content-SHA256"]
    req.headers["X-Amz-Content-SHA256"] = signer.payload(req)
    canonical = signer.canonical_request(req)
    signature = signer.signature(signer.string_to_sign(req, canonical), req)
    signer._inject_signature_to_request(req, signature)
    return req.headers["Authorization"]


def error_xml(code, message):
    return ('<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>%s</Code>'
            '<Message>%s</Message></Error>' % (code, escape(message))).encode()


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *a):
        pass

    def reply(self, status, body=b"", headers=None):
        self.send_response(status)
        for k, v in (headers or {}).items():
            self.send_header(k, v)
        if not any(k.lower() == "content-length" for k in (headers or {})):
            self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if body and self.command != "HEAD":
            self.wfile.write(body)
        return status

    def record(self, status, sig, body, query):
        part = query.get("partNumber", [None])[0]
        entry = {"token": "x-amz-security-token" in self.headers, "method": self.command, "path": urllib.parse.urlsplit(self.path).path,
                 "query": urllib.parse.urlsplit(self.path).query, "len": len(body),
                 "part": int(part) if part else None, "status": status, "sig": sig}
        with LOCK, open(ARGS.log, "a") as f:
            f.write(json.dumps(entry) + "\n")

    def check(self, body):
        """None when the request is one S3 would take, else (status, xml)."""
        h = {k.lower(): v for k, v in self.headers.items()}
        auth = h.get("authorization", "")
        want = expected_authorization(self.command, h.get("host", ""), self.path, h, body, auth)
        self.sig_ok = want is not None and want == auth
        if not self.sig_ok:
            return 403, error_xml("SignatureDoesNotMatch", "The request signature we calculated "
                                  "does not match the signature you provided.")
        if h.get("x-amz-content-sha256") != hashlib.sha256(body).hexdigest():
            return 400, error_xml("XAmzContentSHA256Mismatch", "payload hash")
        if "content-md5" in h and h["content-md5"] != base64.b64encode(hashlib.md5(body).digest()).decode():
            return 400, error_xml("BadDigest", "The Content-MD5 you specified did not match")
        return None

    def handle_any(self):
        n = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(n) if n else b""
        if len(body) != n:
            self.close_connection = True
            return
        url = urllib.parse.urlsplit(self.path)
        query = urllib.parse.parse_qs(url.query, keep_blank_values=True)
        self.sig_ok = False
        bad = self.check(body)
        if bad:
            status = self.reply(bad[0], bad[1], {"Content-Type": "application/xml"})
        else:
            status = self.route(url, query, body)
        self.record(status, self.sig_ok, body, query)

    do_GET = do_PUT = do_POST = do_DELETE = do_HEAD = handle_any

    def route(self, url, query, body):
        parts = urllib.parse.unquote(url.path).lstrip("/").split("/", 1)
        bucket, key = parts[0], parts[1] if len(parts) > 1 else ""
        uid = query.get("uploadId", [None])[0]
        if key and uid and self.command == "GET":
            return self.list_parts(uid, query)
        if key and uid and self.command == "DELETE":
            return self.abort(uid)
        if not key and "uploads" in query and self.command == "GET":
            return self.list_uploads(bucket)
        if key and uid and self.command == "PUT" and query.get("partNumber") == [str(ARGS.refuse_part)]:
            return self.reply(403, error_xml("AccessDenied", "Access Denied"))
        if key and uid and self.command == "PUT" and query.get("partNumber") == [str(ARGS.busy_part)] \
                and BUSY[0] < ARGS.busy_times:
            BUSY[0] += 1
            return self.reply(503, error_xml("SlowDown", "Please reduce your request rate."))
        if key and uid and uid not in UPLOADS:
            return self.reply(404, error_xml("NoSuchUpload", "The specified upload does not exist."))
        return self.forward(bucket, key, query, uid, body)

    def forward(self, bucket, key, query, uid, body):
        conn = http.client.HTTPConnection("127.0.0.1", ARGS.to, timeout=120)
        hdrs = {k: v for k, v in self.headers.items()
                if k.lower() not in ("connection", "keep-alive", "transfer-encoding", "expect")}
        conn.request(self.command, self.path, body=body if body or self.command in ("PUT", "POST") else None,
                     headers=hdrs)
        resp = conn.getresponse()
        data = resp.read()
        # a HEAD's Content-Length is the object's: kept; otherwise the body's
        out = {k: v for k, v in resp.getheaders()
               if k.lower() not in ("connection", "keep-alive", "transfer-encoding")
               and (k.lower() != "content-length" or self.command == "HEAD")}
        conn.close()
        if resp.status == 200:
            self.follow(bucket, key, query, uid, body, resp, data)
        return self.reply(resp.status, data, out)

    def follow(self, bucket, key, query, uid, body, resp, data):
        with LOCK:
            if "uploads" in query and self.command == "POST":
                new = data.split(b"<UploadId>")[1].split(b"</UploadId>")[0].decode()
                UPLOADS[new] = {"bucket": bucket, "key": key, "parts": {}}
            elif uid and self.command == "PUT" and "partNumber" in query:
                UPLOADS[uid]["parts"][int(query["partNumber"][0])] = (resp.getheader("ETag"), len(body))
            elif uid and self.command == "POST":
                UPLOADS.pop(uid, None)

    def list_parts(self, uid, query):
        if uid not in UPLOADS:
            return self.reply(404, error_xml("NoSuchUpload", "The specified upload does not exist."))
        marker = int(query.get("part-number-marker", ["0"])[0] or 0)
        limit = int(query.get("max-parts", ["1000"])[0])
        with LOCK:
            up = UPLOADS[uid]
            numbers = sorted(n for n in up["parts"] if n > marker)
            page, more = numbers[:limit], len(numbers) > limit
            items = "".join("<Part><PartNumber>%d</PartNumber><LastModified>2026-01-01T00:00:00.000Z"
                            "</LastModified><ETag>%s</ETag><Size>%d</Size></Part>"
                            % (n, escape(up["parts"][n][0], {'"': "&quot;"}), up["parts"][n][1])
                            for n in page)
        xml = ('<?xml version="1.0" encoding="UTF-8"?>\n<ListPartsResult><Bucket>%s</Bucket>'
               '<Key>%s</Key><UploadId>%s</UploadId><PartNumberMarker>%d</PartNumberMarker>'
               '<NextPartNumberMarker>%d</NextPartNumberMarker><MaxParts>%d</MaxParts>'
               '<IsTruncated>%s</IsTruncated>%s</ListPartsResult>'
               % (escape(up["bucket"]), escape(up["key"]), uid, marker, page[-1] if page else 0,
                  limit, "true" if more else "false", items))
        return self.reply(200, xml.encode(), {"Content-Type": "application/xml"})

    def abort(self, uid):
        with LOCK:
            if UPLOADS.pop(uid, None) is None:
                return self.reply(404, error_xml("NoSuchUpload", "The specified upload does not exist."))
        for root, dirs, _ in os.walk(ARGS.data):
            if uid in dirs:
                shutil.rmtree(os.path.join(root, uid), ignore_errors=True)
        return self.reply(204)

    def list_uploads(self, bucket):
        with LOCK:
            items = "".join("<Upload><Key>%s</Key><UploadId>%s</UploadId></Upload>"
                            % (escape(u["key"]), uid) for uid, u in UPLOADS.items()
                            if u["bucket"] == bucket)
        xml = ('<?xml version="1.0" encoding="UTF-8"?>\n<ListMultipartUploadsResult>'
               '<Bucket>%s</Bucket><IsTruncated>false</IsTruncated>%s'
               '</ListMultipartUploadsResult>' % (escape(bucket), items))
        return self.reply(200, xml.encode(), {"Content-Type": "application/xml"})


def main():
    global ARGS
    ap = argparse.ArgumentParser()
    ap.add_argument("--to", type=int, required=True)
    ap.add_argument("--listen", type=int, default=0)
    ap.add_argument("--port-file")
    ap.add_argument("--data", required=True)
    ap.add_argument("--log", required=True)
    ap.add_argument("--access-key", default="S3RVER")
    ap.add_argument("--secret-key", default="S3RVER")
    ap.add_argument("--region", default="us-east-1")
    ap.add_argument("--refuse-part", type=int, default=0, help="answer 403 to UploadPart N")
    ap.add_argument("--busy-part", type=int, default=0, help="answer 503 SlowDown to UploadPart N ...")
    ap.add_argument("--busy-times", type=int, default=0, help="... this many times, then take it")
    ARGS = ap.parse_args()
    srv = http.server.ThreadingHTTPServer(("127.0.0.1", ARGS.listen), Handler)
    srv.daemon_threads = True
    if ARGS.port_file:
        with open(ARGS.port_file + ".tmp", "w") as f:
            f.write(str(srv.server_address[1]))
        os.rename(ARGS.port_file + ".tmp", ARGS.port_file)
    srv.serve_forever()


if __name__ == "__main__":
    sys.exit(main())
