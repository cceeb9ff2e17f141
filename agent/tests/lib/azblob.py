#!/usr/bin/env python3
"""A small Azure Blob client for the stream-azure tests, signing with the
account key by itself (python3 stdlib only), so the test does not trust
cloudmove's own signer to check cloudmove's uploads.

  azblob.py mkcontainer URL            URL = http://127.0.0.1:P/ACCOUNT/CONTAINER
  azblob.py get URL OUT                download a blob (ranged GETs)
  azblob.py getpages URL OUT           a page blob: only its page ranges
                                       (the rest of a page blob reads as zeros)
  azblob.py props URL                  "type length"
  azblob.py ranges URL                 Get Page Ranges: "start end" lines
  azblob.py sas ACCOUNT [PERMS]        an account SAS query (sv=2021-08-06,
                                       permissions PERMS, default rwdc)
  azblob.py exists URL                 exit 0 when the blob is there
The key comes from AZ_KEY (default: azurite's well-known devstoreaccount1
key); AZ_CA: the CA file for https.  Shared Key and account SAS string-to-sign: learn.microsoft.com
rest/api/storageservices/authorize-with-shared-key and create-account-sas.
"""
import base64
import datetime
import hashlib
import hmac
import os
import re
import ssl
import sys
import urllib.error
import urllib.parse
import urllib.request

DEV_KEY = ("Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/"
           "K1SZFPTOtr/KBHBeksoGMGw==")
KEY = base64.b64decode(os.environ.get("AZ_KEY", DEV_KEY))
VERSION = "2021-08-06"


def sign(method, url, headers):
    u = urllib.parse.urlsplit(url)
    account = u.path.split("/")[1]
    xms = sorted((k.lower(), v) for k, v in headers.items() if k.lower().startswith("x-ms-"))
    length = headers.get("Content-Length", "")
    if length == "0":
        length = ""
    sts = "\n".join([method, "", "", length, headers.get("Content-MD5", ""),
                     headers.get("Content-Type", ""), "",
                     "", "", "", "", headers.get("Range", "")]) + "\n"
    sts += "".join("%s:%s\n" % kv for kv in xms)
    sts += "/" + account + u.path
    for k, v in sorted(urllib.parse.parse_qsl(u.query)):
        sts += "\n%s:%s" % (k.lower(), v)
    mac = hmac.new(KEY, sts.encode(), hashlib.sha256).digest()
    return "SharedKey %s:%s" % (account, base64.b64encode(mac).decode())


def request(method, url, headers=None, body=None):
    h = dict(headers or {})
    h["x-ms-date"] = datetime.datetime.now(datetime.timezone.utc).strftime(
        "%a, %d %b %Y %H:%M:%S GMT")
    h["x-ms-version"] = VERSION
    if body is not None or method == "PUT":
        h["Content-Length"] = str(len(body or b""))
        h["Content-Type"] = "application/octet-stream"  # urllib would add its own
    h["Authorization"] = sign(method, url, h)
    req = urllib.request.Request(url, data=body if method == "PUT" else None,
                                 method=method, headers=h)
    ctx = ssl.create_default_context(cafile=os.environ["AZ_CA"]) if "AZ_CA" in os.environ else None
    try:
        with urllib.request.urlopen(req, timeout=60, context=ctx) as r:
            return r.status, {k.lower(): v for k, v in r.headers.items()}, r.read()
    except urllib.error.HTTPError as e:
        return e.code, {k.lower(): v for k, v in e.headers.items()}, e.read()


def page_ranges(url):
    st, _, body = request("GET", url + "?comp=pagelist")
    if st != 200:
        sys.exit("ranges: HTTP %d" % st)
    return [(int(a), int(b)) for a, b in
            re.findall(rb"<Start>(\d+)</Start><End>(\d+)</End>", body)]


def get_span(url, f, off, last, step=32 << 20):
    while off <= last:
        end = min(off + step - 1, last)
        st, _, body = request("GET", url, {"x-ms-range": "bytes=%d-%d" % (off, end)})
        if st not in (200, 206) or len(body) != end - off + 1:
            sys.exit("get: HTTP %d at %d" % (st, off))
        f.seek(off)
        f.write(body)
        off = end + 1


def main():
    cmd = sys.argv[1]
    if cmd == "mkcontainer":
        st, _, body = request("PUT", sys.argv[2] + "?restype=container", body=b"")
        if st not in (201, 409):
            sys.exit("mkcontainer: HTTP %d %s" % (st, body[:200]))
    elif cmd == "props" or cmd == "exists":
        st, h, _ = request("HEAD", sys.argv[2])
        if cmd == "exists":
            sys.exit(0 if st == 200 else 1)
        if st != 200:
            sys.exit("props: HTTP %d" % st)
        print(h.get("x-ms-blob-type"), h.get("content-length"))
    elif cmd in ("get", "getpages"):
        st, h, _ = request("HEAD", sys.argv[2])
        if st != 200:
            sys.exit("get: HTTP %d" % st)
        size = int(h["content-length"])
        spans = [(0, size - 1)] if cmd == "get" or size == 0 else page_ranges(sys.argv[2])
        with open(sys.argv[3], "wb") as f:
            f.truncate(size)
            for start, last in spans:
                get_span(sys.argv[2], f, start, last)
    elif cmd == "ranges":
        for start, last in page_ranges(sys.argv[2]):
            print(start, last)
    elif cmd == "sas":
        account = sys.argv[2]
        perms = sys.argv[3] if len(sys.argv) > 3 else "rwdc"
        exp = (datetime.datetime.now(datetime.timezone.utc) +
               datetime.timedelta(hours=2)).strftime("%Y-%m-%dT%H:%M:%SZ")
        # sv 2020-12-06+: ... signedversion, signedEncryptionScope, ""
        sts = "\n".join([account, perms, "b", "sco", "", exp, "", "https,http",
                         VERSION, "", ""])
        sig = base64.b64encode(hmac.new(KEY, sts.encode(), hashlib.sha256).digest())
        print(urllib.parse.urlencode({"sv": VERSION, "ss": "b", "srt": "sco", "sp": perms,
                                      "se": exp, "spr": "https,http",
                                      "sig": sig.decode()}))
    else:
        sys.exit("usage: see the docstring")


if __name__ == "__main__":
    main()
