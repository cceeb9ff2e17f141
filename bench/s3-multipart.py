#!/usr/bin/env python3
"""s3-multipart.py FILE URL: the same multipart upload as cloudmove's s3://
sink (8 MiB parts, SigV4 over each part's SHA-256, Content-MD5), one part
after the other, signed by botocore: bench/stream-s3.sh's second baseline,
the protocol cloudmove speaks without its threads.  s3rver's key."""
import base64
import hashlib
import sys
import urllib.request

from botocore.auth import S3SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

PART = 8 << 20


def call(method, url, data=b""):
    req = AWSRequest(method=method, url=url, data=data)
    if data:
        req.headers["Content-MD5"] = base64.b64encode(hashlib.md5(data).digest()).decode()
    S3SigV4Auth(Credentials("S3RVER", "S3RVER"), "s3", "us-east-1").add_auth(req)
    r = urllib.request.Request(url, data=data if method in ("PUT", "POST") else None,
                               method=method, headers=dict(req.headers.items()))
    with urllib.request.urlopen(r) as resp:
        return resp.read(), resp.headers


def main():
    path, url = sys.argv[1], sys.argv[2]
    body, _ = call("POST", url + "?uploads=")
    uid = body.split(b"<UploadId>")[1].split(b"</UploadId>")[0].decode()
    etags = []
    with open(path, "rb") as f:
        while True:
            data = f.read(PART)
            if not data:
                break
            _, h = call("PUT", "%s?partNumber=%d&uploadId=%s" % (url, len(etags) + 1, uid), data)
            etags.append(h["ETag"])
    xml = "<CompleteMultipartUpload>%s</CompleteMultipartUpload>" % "".join(
        "<Part><PartNumber>%d</PartNumber><ETag>%s</ETag></Part>" % (i + 1, e)
        for i, e in enumerate(etags))
    call("POST", "%s?uploadId=%s" % (url, uid), xml.encode())


if __name__ == "__main__":
    main()
