#!/usr/bin/env python3
"""s3req.py METHOD URL [REGION]: one S3 request signed by botocore's SigV4
signer with s3rver's key (S3RVER/S3RVER); prints the body, exit 0 on 2xx.
For the s3:// sink tests (ListMultipartUploads, ListParts through
s3shim.py)."""
import sys
import urllib.request

from botocore.auth import S3SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

method, url = sys.argv[1], sys.argv[2]
region = sys.argv[3] if len(sys.argv) > 3 else "us-east-1"
req = AWSRequest(method=method, url=url, data=b"")
S3SigV4Auth(Credentials("S3RVER", "S3RVER"), "s3", region).add_auth(req)
try:
    with urllib.request.urlopen(urllib.request.Request(url, method=method, headers=dict(req.headers.items()))) as r:
        sys.stdout.buffer.write(r.read())
except urllib.error.HTTPError as e:
    sys.stdout.buffer.write(e.read())
    sys.exit(1)
