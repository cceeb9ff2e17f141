#!/usr/bin/env python3
"""mdserver.py -- an instance metadata service (IMDS) emulator for tests.

One process emulates ONE cloud's metadata service, speaking that cloud's real
protocol: paths, required request headers, refusals, response headers and
answer shapes.  Answer bodies come from fixture files (fixtures/<cloud>/, each
with a SOURCE file citing where the data comes from).  See README for the
per-cloud contract and the fault modes.

    mdserver.py --cloud aws --port 0 --port-file /tmp/p --log /tmp/log.jsonl

Python 3 standard library only.  Prints nothing on stdout; errors go to
stderr.  Runs until SIGTERM/SIGINT, then exits 0.
"""

import argparse
import base64
import collections
import datetime
import hashlib
import json
import os
import random
import re
import select
import signal
import socket
import struct
import sys
import threading
import time
import traceback
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qsl, quote, unquote, urlsplit

HERE = os.path.dirname(os.path.abspath(__file__))

CLOUDS = ("aws", "gcp", "azure", "oracle", "openstack", "digitalocean",
          "hetzner", "alibaba", "scaleway", "linode", "vultr", "upcloud",
          "exoscale", "tencent", "ibm")

FAULTS = ("none", "500", "404", "garbage", "truncated-json", "slow",
          "oversized", "redirect", "redirect-local", "redirect-external",
          "reset", "hang", "other-cloud", "wrong-types",
          "aws-v1", "aws-v1-405", "aws-v1-hop", "oracle-v2-only")

# Modes that change the protocol itself rather than corrupting answers.
PROTOCOL_MODES = frozenset(("aws-v1", "aws-v1-405", "aws-v1-hop",
                            "oracle-v2-only"))
V1_MODES = frozenset(("aws-v1", "aws-v1-405", "aws-v1-hop"))
# Faults that hit the token step under --fault-scope all (the default):
# the ones where "the token endpoint fails" is a meaningful scenario.
TOKEN_FAULTS = frozenset(("500", "404", "slow", "redirect", "redirect-local",
                          "redirect-external", "reset", "hang"))

# Which cloud's main document "other-cloud" serves.
OTHER_CLOUD = {
    "aws": "gcp", "gcp": "azure", "azure": "aws", "oracle": "azure",
    "openstack": "aws", "digitalocean": "upcloud", "upcloud": "digitalocean",
    "hetzner": "digitalocean", "alibaba": "aws", "scaleway": "digitalocean",
    "linode": "vultr", "vultr": "linode", "exoscale": "openstack",
    "tencent": "alibaba", "ibm": "aws",
}

OVERSIZE = 16 * 1024 * 1024
MAX_REQ_BODY = 1 << 20
MAX_TOKENS = 10000

STOP = threading.Event()
OD = collections.OrderedDict
MISSING = object()


def jload(text):
    if isinstance(text, bytes):
        text = text.decode("utf-8")
    return json.loads(text, object_pairs_hook=OD)


def jdump(obj, pretty=False):
    if pretty:
        return json.dumps(obj, indent=2, ensure_ascii=False).encode()
    return json.dumps(obj, separators=(",", ":"), ensure_ascii=False).encode()


def utcnow():
    return datetime.datetime.now(datetime.timezone.utc)


def iso(dt):
    return dt.strftime("%Y-%m-%dT%H:%M:%SZ")


def scalar_text(v):
    if isinstance(v, bool):
        return "true" if v else "false"
    if v is None:
        return ""
    return str(v)


def is_container(v):
    return isinstance(v, (dict, list))


def walk(obj, segs, keymap=None):
    """Follow path segments through dicts (keys) and lists (indexes)."""
    for s in segs:
        if isinstance(obj, dict):
            if s in obj:
                obj = obj[s]
            elif keymap and keymap(s) in obj:
                obj = obj[keymap(s)]
            else:
                return MISSING
        elif isinstance(obj, list):
            if s.isdigit() and int(s) < len(obj):
                obj = obj[int(s)]
            else:
                return MISSING
        else:
            return MISSING
    return obj


def is_dir(v, scalar_lists_are_leaves=False):
    if scalar_lists_are_leaves and isinstance(v, list):
        return any(is_container(x) for x in v)
    return is_container(v)


def listing(obj, keyname=lambda k: k, scalar_lists_are_leaves=False):
    """Directory listing: one name per line, containers with a slash."""
    d = lambda v: is_dir(v, scalar_lists_are_leaves)
    if isinstance(obj, dict):
        items = [keyname(k) + ("/" if d(v) else "") for k, v in obj.items()]
    else:
        items = ["%d%s" % (i, "/" if d(v) else "") for i, v in enumerate(obj)]
    return "\n".join(items)


# --------------------------------------------------------------------------
# Requests, responses, tokens


class Req:
    def __init__(self, method, target, headers, body, client, local):
        self.method = method
        self.target = target
        sp = urlsplit(target)
        self.path = unquote(sp.path) or "/"
        self.query = sp.query
        self.qs = parse_qsl(sp.query, keep_blank_values=True)
        self.q = {}
        for k, v in self.qs:
            self.q.setdefault(k, v)
        self.headers = headers
        self.body = body
        self.client = client
        self.local = local

    def h(self, name):
        return self.headers.get(name)

    def has(self, name):
        return self.headers.get(name) is not None

    def qkeys(self):
        return [k for k, _ in self.qs]


class Resp:
    def __init__(self, status, body=b"", ctype="text/plain", headers=(),
                 kind=None):
        self.status = status
        self.body = body if isinstance(body, bytes) else body.encode("utf-8")
        self.ctype = ctype
        self.headers = list(headers)
        self.kind = kind        # "token", "data" or None (refusal/error)
        self.action = None      # None, "hang", "reset"
        self.drip = None        # seconds per byte
        self.gen = None         # (length, iterator factory) for streamed bodies
        self.fault = None       # fault that produced this answer


def action(what):
    r = Resp(None)
    r.action = what
    return r


class Tokens:
    """Issued session tokens with their expiry (monotonic clock)."""

    def __init__(self):
        self.lock = threading.Lock()
        self.t = OD()

    def issue(self, ttl, value=None):
        if value is None:
            value = base64.b64encode(os.urandom(42)).decode()
        with self.lock:
            if len(self.t) >= MAX_TOKENS:
                now = time.monotonic()
                for k in [k for k, e in self.t.items() if e <= now]:
                    del self.t[k]
                while len(self.t) >= MAX_TOKENS:
                    self.t.popitem(last=False)
            self.t[value] = time.monotonic() + ttl
        return value

    def valid(self, value):
        if not value:
            return False
        with self.lock:
            exp = self.t.get(value)
            if exp is None:
                return False
            if exp <= time.monotonic():
                del self.t[value]
                return False
            return True


class FlatTree:
    """An EC2-style tree from a flat {"a/b/c": "text"} map.

    Directory listings are derived from the paths ("a/" lists "b/");
    "_listings" overrides a listing, "_comment" is ignored."""

    def __init__(self, flat):
        flat = OD(flat)
        self.over = dict(flat.pop("_listings", {}))
        flat.pop("_comment", None)
        self.leaves = {}
        self.dirs = OD([("", [])])
        for path, value in flat.items():
            parts = path.split("/")
            for i in range(len(parts)):
                d = "".join(x + "/" for x in parts[:i])
                entry = parts[i] + ("/" if i < len(parts) - 1 else "")
                lst = self.dirs.setdefault(d, [])
                if entry not in lst:
                    lst.append(entry)
            self.leaves[path] = scalar_text(value)

    def lookup(self, rel):
        """-> ("leaf"|"dir", text) or None"""
        if rel in self.leaves:
            return ("leaf", self.leaves[rel])
        d = rel if (rel == "" or rel.endswith("/")) else rel + "/"
        if d in self.dirs:
            if d in self.over:
                return ("dir", self.over[d])
            return ("dir", "\n".join(self.dirs[d]))
        return None


# --------------------------------------------------------------------------
# Clouds


class Cloud:
    name = None
    server = None           # Server: header, where the real one is known
    wrong_fields = ()       # JSON keys corrupted by --fault wrong-types
    text = "text/plain"
    json_type = "application/json"

    def __init__(self, fxdir, mode, tokens):
        self.fx = fxdir
        self.mode = mode
        self.tokens = tokens
        self.load()

    # fixtures
    def path(self, name):
        return os.path.join(self.fx, name)

    def exists(self, name):
        return os.path.exists(self.path(name))

    def read(self, name, default=None):
        try:
            with open(self.path(name), "rb") as f:
                return f.read()
        except FileNotFoundError:
            if default is not None:
                return default
            raise

    def readjson(self, name):
        return jload(self.read(name))

    def load(self):
        pass

    # protocol pieces every cloud has
    def extra_headers(self):
        return []

    def ok(self, body, ctype=None, kind="data", headers=()):
        return Resp(200, body, ctype or self.text, headers, kind)

    def not_found(self, req):
        return Resp(404, "Not Found\n", "text/plain")

    def not_allowed(self, req, allow):
        return Resp(405, "Method Not Allowed\n", "text/plain",
                    [("Allow", allow)])

    def server_error(self, req):
        return Resp(500, "Internal Server Error\n", "text/plain")

    def methods(self, req, *allowed):
        """None when req.method is allowed (HEAD rides on GET), else 405."""
        allow = list(allowed)
        if "GET" in allow and "HEAD" not in allow:
            allow.append("HEAD")
        if req.method in allow:
            return None
        return self.not_allowed(req, ", ".join(allow))

    def main_doc(self):
        """(body, content type) of this cloud's main answer (other-cloud)."""
        raise NotImplementedError

    def route(self, req):
        raise NotImplementedError


XHTML_ERR = ('<?xml version="1.0" encoding="iso-8859-1"?>\n'
             '<!DOCTYPE html PUBLIC "-//W3C//DTD XHTML 1.0 Transitional//EN"\n'
             '\t"http://www.w3.org/TR/xhtml1/DTD/xhtml1-transitional.dtd">\n'
             '<html xmlns="http://www.w3.org/1999/xhtml" xml:lang="en" lang="en">\n'
             ' <head>\n  <title>%(s)s</title>\n </head>\n'
             ' <body>\n  <h1>%(s)s</h1>\n </body>\n</html>\n')


class Ec2Style(Cloud):
    """The EC2 /<version>/{meta-data,dynamic,user-data} layout, optionally
    with an IMDSv2-style session token (PUT <token_path>)."""

    versions = ("latest",)
    token_path = None
    ttl_header = None
    token_header = None
    ttl_max = 21600
    token_required = False
    doc_name = "identity-document.json"

    def load(self):
        self.meta = FlatTree(self.readjson("meta-data.json"))
        self.dynamic = None
        if self.exists(self.doc_name):
            self.doc = self.read(self.doc_name)
            self.dynamic = FlatTree(
                OD([("instance-identity/document", self.doc.decode())]))
        self.userdata = self.read("user-data") if self.exists("user-data") else None
        if self.exists("versions.json"):
            self.versions = tuple(self.readjson("versions.json"))

    def err(self, status, text):
        return Resp(status, XHTML_ERR % {"s": "%d - %s" % (status, text)},
                    "text/html")

    def not_found(self, req):
        return self.err(404, "Not Found")

    def not_allowed(self, req, allow):
        r = self.err(405, "Method Not Allowed")
        r.headers.append(("Allow", allow))
        return r

    def server_error(self, req):
        return self.err(500, "Internal Server Error")

    def main_doc(self):
        if self.dynamic is not None:
            return self.doc, self.text
        return self.meta.lookup("")[1].encode(), self.text

    def top_listing(self):
        items = []
        if self.dynamic is not None:
            items.append("dynamic")
        items.append("meta-data")
        if self.userdata is not None:
            items.append("user-data")
        return "\n".join(items)

    def token(self, req):
        bad = self.methods(req, "PUT")
        if bad:
            return bad
        if self.mode == "aws-v1":
            return self.err(403, "Forbidden")
        if self.mode == "aws-v1-405":
            return self.not_allowed(req, "GET, HEAD")
        if self.mode == "aws-v1-hop":
            return action("hang")
        if req.has("X-Forwarded-For"):
            return self.err(403, "Forbidden")
        raw = req.h(self.ttl_header)
        try:
            ttl = int((raw or "").strip())
        except ValueError:
            ttl = 0
        if not 1 <= ttl <= self.ttl_max:
            return self.err(400, "Bad Request")
        tok = self.tokens.issue(ttl)
        return Resp(200, tok, self.text, [(self.ttl_header, str(ttl))],
                    kind="token")

    def check_token(self, req):
        if not self.token_header:
            return None
        tok = req.h(self.token_header)
        required = self.token_required and self.mode not in V1_MODES
        if tok is None:
            return self.err(401, "Unauthorized") if required else None
        if not self.tokens.valid(tok):
            return self.err(401, "Unauthorized")
        return None

    def tree_answer(self, tree, rel):
        hit = tree.lookup(rel)
        if hit is None:
            return None
        return self.ok(hit[1])

    def resolve(self, req):
        p = req.path
        if p == "/":
            return self.ok("\n".join(self.versions))
        ver, _, rest = p[1:].partition("/")
        if ver not in self.versions:
            return None
        if rest == "":
            return self.ok(self.top_listing())
        if rest == "user-data":
            return None if self.userdata is None else self.ok(self.userdata)
        for name, tree in (("meta-data", self.meta), ("dynamic", self.dynamic)):
            if tree is None:
                continue
            if rest == name or rest == name + "/":
                return self.tree_answer(tree, "")
            if rest.startswith(name + "/"):
                return self.tree_answer(tree, rest[len(name) + 1:])
        return None

    def route(self, req):
        if self.token_path and req.path == self.token_path:
            return self.token(req)
        bad = self.methods(req, "GET")
        if bad:
            return bad
        bad = self.check_token(req)
        if bad:
            return bad
        r = self.resolve(req)
        return r if r is not None else self.not_found(req)


# The instance's IAM role (cloudmove retire): --aws-role NAME,
# --aws-role-creds AKID:SECRET:TOKEN (what the EC2 emulator is told to
# accept), --aws-no-role (an instance without a profile: iam/ is 404).
AWS_ROLE = {"name": "cloudmove-retire", "none": False,
            "creds": "ASIAIMDSEXAMPLE00001:imds-example-secret:IQoJb3JpZ2luX2VjEXAMPLE//imds+token="}


class AWS(Ec2Style):
    name = "aws"
    server = "EC2ws"
    token_path = "/latest/api/token"
    ttl_header = "X-aws-ec2-metadata-token-ttl-seconds"
    token_header = "X-aws-ec2-metadata-token"
    token_required = True       # HttpTokens=required, the default for new AMIs
    wrong_fields = ("instanceId", "region", "availabilityZone", "instanceType",
                    "privateIp", "accountId")

    def load(self):
        """The fixture's tree plus, unless --aws-no-role, the role's
        credentials as IMDS serves them ("Retrieve security credentials
        from instance metadata", https://docs.aws.amazon.com/AWSEC2/latest/
        UserGuide/instance-metadata-security-credentials.html): iam/info,
        iam/security-credentials/ listing the role, and .../ROLE a JSON
        document with Code, LastUpdated, Type AWS-HMAC, AccessKeyId,
        SecretAccessKey, Token (session) and Expiration."""
        super().load()
        if AWS_ROLE["none"]:
            return
        flat = OD(self.readjson("meta-data.json"))
        akid, secret, token = AWS_ROLE["creds"].split(":", 2)
        now = datetime.datetime.now(datetime.timezone.utc)
        fmt = "%Y-%m-%dT%H:%M:%SZ"
        role = AWS_ROLE["name"]
        flat["iam/info"] = json.dumps(OD([
            ("Code", "Success"), ("LastUpdated", now.strftime(fmt)),
            ("InstanceProfileArn", "arn:aws:iam::123456789012:instance-profile/" + role),
            ("InstanceProfileId", "AIPAEXAMPLEPROFILE0001")]), indent=2)
        flat["iam/security-credentials/" + role] = json.dumps(OD([
            ("Code", "Success"), ("LastUpdated", now.strftime(fmt)), ("Type", "AWS-HMAC"),
            ("AccessKeyId", akid), ("SecretAccessKey", secret), ("Token", token),
            ("Expiration", (now + datetime.timedelta(hours=6)).strftime(fmt))]), indent=2)
        self.meta = FlatTree(flat)


class Alibaba(Ec2Style):
    name = "alibaba"
    token_path = "/latest/api/token"
    ttl_header = "X-aliyun-ecs-metadata-token-ttl-seconds"
    token_header = "X-aliyun-ecs-metadata-token"
    token_required = True       # security hardening mode (HttpTokens=required)
    versions = ("2016-01-01", "latest")
    wrong_fields = ("instance-id", "region-id", "zone-id", "instance-type",
                    "private-ipv4", "owner-account-id")


class Exoscale(Ec2Style):
    name = "exoscale"
    versions = ("1.0", "latest")
    wrong_fields = ()

    def not_found(self, req):
        return Resp(404, "<!DOCTYPE HTML PUBLIC \"-//IETF//DTD HTML 2.0//EN\">\n"
                    "<html><head>\n<title>404 Not Found</title>\n</head><body>\n"
                    "<h1>Not Found</h1>\n<p>The requested URL was not found on "
                    "this server.</p>\n</body></html>\n", "text/html; charset=iso-8859-1")


class Tencent(Ec2Style):
    name = "tencent"
    versions = ("latest",)

    def not_found(self, req):
        return Resp(404, "<html>\r\n<head><title>404 Not Found</title></head>\r\n"
                    "<body>\r\n<center><h1>404 Not Found</h1></center>\r\n"
                    "</body>\r\n</html>\r\n", "text/html")


WEBOB_404 = ("<html>\n <head>\n  <title>404 Not Found</title>\n </head>\n"
             " <body>\n  <h1>404 Not Found</h1>\n  The resource could not be "
             "found.<br /><br />\n\n\n\n </body>\n</html>")


class OpenStack(Ec2Style):
    name = "openstack"
    wrong_fields = ("uuid", "availability_zone", "hostname", "name",
                    "project_id")

    def load(self):
        v = self.readjson("versions.json")
        self.os_versions = tuple(v["openstack"])
        self.meta_data = self.read("meta_data.json")
        self.network_data = self.read("network_data.json")
        self.meta = FlatTree(self.readjson("meta-data.json"))
        self.dynamic = None
        self.userdata = self.read("user_data") if self.exists("user_data") else None
        self.versions = tuple(v["ec2"])

    def text_ok(self, body):
        return self.ok(body, "text/plain; charset=UTF-8")

    def not_found(self, req):
        return Resp(404, WEBOB_404, "text/html; charset=UTF-8")

    def not_allowed(self, req, allow):
        return Resp(405, WEBOB_404.replace("404 Not Found", "405 Method Not Allowed")
                    .replace("The resource could not be found.",
                             "The server could not comply with the request since "
                             "it is either malformed or otherwise incorrect."),
                    "text/html; charset=UTF-8", [("Allow", allow)])

    def main_doc(self):
        return self.meta_data, self.json_type

    def ok(self, body, ctype=None, kind="data", headers=()):
        return Resp(200, body, ctype or "text/plain; charset=UTF-8", headers, kind)

    def resolve(self, req):
        p = req.path
        if p in ("/openstack", "/openstack/"):
            return self.ok("\n".join(self.os_versions))
        if p.startswith("/openstack/"):
            ver, _, rest = p[len("/openstack/"):].partition("/")
            if ver not in self.os_versions:
                return None
            files = OD([("meta_data.json", (self.meta_data, self.json_type)),
                        ("network_data.json", (self.network_data, self.json_type)),
                        ("vendor_data.json", (b"{}", self.json_type)),
                        ("vendor_data2.json", (b"{}", self.json_type))])
            if self.userdata is not None:
                files["user_data"] = (self.userdata, "text/plain")
            if rest == "":
                return self.ok("\n".join(files))
            if rest in files:
                return self.ok(*files[rest])
            return None
        return Ec2Style.resolve(self, req)


# ---- Google Compute Engine


GOOGLE_ERR = ('<!DOCTYPE html>\n<html lang=en>\n  <meta charset=utf-8>\n'
              '  <meta name=viewport content="initial-scale=1, minimum-scale=1, '
              'width=device-width">\n  <title>Error %(code)d (%(title)s)!!1</title>\n'
              '  <a href=//www.google.com/><span id=logo aria-label=Google></span></a>\n'
              '  <p><b>%(code)d.</b> <ins>That\u2019s an error.</ins>\n'
              '  <p>%(msg)s  <ins>That\u2019s all we know.</ins>\n')

# keys whose children are user data (not camelCase schema names)
GCE_FREEFORM = frozenset(("attributes", "serviceAccounts", "guestAttributes",
                          "partnerAttributes"))


def kebab_to_camel(s):
    return re.sub(r"-([a-z0-9])", lambda m: m.group(1).upper(), s)


def camel_to_kebab(s):
    if "-" in s or "@" in s or "." in s:
        return s
    return re.sub(r"([A-Z])", lambda m: "-" + m.group(1).lower(), s)


class GCP(Cloud):
    name = "gcp"
    server = "Metadata Server for VM"
    text = "application/text"
    wrong_fields = ("id", "zone", "machineType", "name", "hostname",
                    "networkInterfaces")

    def load(self):
        self.instance_raw = self.read("instance.json")
        self.tree = OD([("instance", self.readjson("instance.json")),
                        ("project", self.readjson("project.json"))])

    def extra_headers(self):
        return [("Metadata-Flavor", "Google"), ("X-XSS-Protection", "0"),
                ("X-Frame-Options", "SAMEORIGIN")]

    def gerr(self, code, title, msg):
        return Resp(code, GOOGLE_ERR % {"code": code, "title": title, "msg": msg},
                    "text/html; charset=UTF-8")

    def not_found(self, req):
        return self.gerr(404, "Not Found", "The requested URL <code>%s</code> was "
                         "not found on this server." % req.path)

    def not_allowed(self, req, allow):
        r = self.gerr(405, "Method Not Allowed", "The request method <code>%s"
                      "</code> is inappropriate for the URL <code>%s</code>."
                      % (req.method, req.path))
        r.headers.append(("Allow", allow))
        return r

    def server_error(self, req):
        return self.gerr(500, "Internal Server Error", "The server encountered an "
                         "error and could not complete your request.")

    def forbidden(self, req, why):
        return self.gerr(403, "Forbidden", "Your client does not have permission "
                         "to get URL <code>%s</code> from this server. %s"
                         % (req.path, why))

    def main_doc(self):
        return jdump(self.tree["instance"]), self.json_type

    def ok(self, body, ctype=None, kind="data", headers=()):
        r = Resp(200, body, ctype or self.text, headers, kind)
        r.headers.append(("ETag", hashlib.md5(r.body).hexdigest()[:16]))
        return r

    def redirect(self, req, location):
        return Resp(301, "<HTML><HEAD><meta http-equiv=\"content-type\" "
                    "content=\"text/html;charset=utf-8\">\n<TITLE>301 Moved</TITLE>"
                    "</HEAD><BODY>\n<H1>301 Moved</H1>\nThe document has moved\n"
                    "<A HREF=\"%s\">here</A>.\r\n</BODY></HTML>\r\n" % location,
                    "text/html; charset=UTF-8", [("Location", location)])

    def lookup(self, segs):
        node, parent = self.tree, None
        for s in segs:
            keymap = None if parent in GCE_FREEFORM else kebab_to_camel
            name = s
            if isinstance(node, dict) and s not in node and keymap:
                name = keymap(s)
            node2 = walk(node, [name])
            if node2 is MISSING:
                return MISSING
            parent, node = name, node2
        return node, parent

    def text_recursive(self, node, prefix=""):
        out = []
        if isinstance(node, dict):
            for k, v in node.items():
                out += self.text_recursive(v, prefix + camel_to_kebab(k) + "/")
        elif isinstance(node, list) and any(is_container(x) for x in node):
            for i, v in enumerate(node):
                out += self.text_recursive(v, prefix + "%d/" % i)
        else:
            val = jdump(node).decode() if isinstance(node, list) else scalar_text(node)
            out.append("%s %s" % (prefix.rstrip("/"), val))
        return out

    def route(self, req):
        p = req.path
        if p == "/":
            return self.methods(req, "GET") or self.ok("computeMetadata/\n")
        if not p.startswith("/computeMetadata/"):
            return self.not_found(req)
        if req.has("X-Forwarded-For"):
            return self.forbidden(req, "Request contains a X-Forwarded-For header.")
        if req.h("Metadata-Flavor") != "Google":
            return self.forbidden(req, "Missing Metadata-Flavor:Google header.")
        bad = self.methods(req, "GET")
        if bad:
            return bad
        if p == "/computeMetadata/":
            return self.ok("v1/\n")
        if p == "/computeMetadata/v1":
            return self.redirect(req, self.location(req, p + "/"))
        if not p.startswith("/computeMetadata/v1/"):
            return self.not_found(req)        # v1beta1 and 0.1 are shut down
        rel = p[len("/computeMetadata/v1/"):]
        segs = [s for s in rel.split("/") if s]
        identity = self.identity(req, segs)
        if identity is not None:
            return identity
        recursive = req.q.get("recursive", "").lower() == "true"
        alt = req.q.get("alt", "")
        if alt not in ("", "json", "text"):
            return self.gerr(400, "Bad Request", "Invalid alt parameter.")
        if not segs:
            node, parent = self.tree, None
        else:
            hit = self.lookup(segs)
            if hit is MISSING:
                return self.not_found(req)
            node, parent = hit
        if isinstance(node, dict) or (isinstance(node, list) and
                                      any(is_container(x) for x in node)):
            if recursive:
                if alt == "text":
                    return self.ok("\n".join(self.text_recursive(node)) + "\n")
                if segs == ["instance"]:
                    body = jdump(jload(self.instance_raw))
                else:
                    body = jdump(node)
                return self.ok(body, self.json_type)
            if rel and not rel.endswith("/"):
                return self.redirect(req, self.location(req, p + "/"))
            if alt == "json":
                names = listing(node, self.keyname(parent), True).split("\n")
                return self.ok(jdump(names), self.json_type)
            return self.ok(listing(node, self.keyname(parent), True) + "\n")
        if alt == "json" or isinstance(node, list):
            return self.ok(jdump(node), self.json_type if alt == "json" else None)
        return self.ok(scalar_text(node))

    # The service account's identity ("Authenticate workloads using service
    # accounts", cloud.google.com/compute/docs/access/authenticate-workloads):
    # .../service-accounts/default/token -> {"access_token", "expires_in",
    # "token_type": "Bearer"} (application/json), .../scopes one per line,
    # .../email.  --gcp-no-service-account: an instance created without one
    # has no service-accounts/ at all (404).
    sa_token = None
    no_service_account = False

    def identity(self, req, segs):
        if segs[:2] != ["instance", "service-accounts"]:
            return None
        if self.no_service_account:
            return self.not_found(req)
        if len(segs) == 4 and segs[3] in ("token", "scopes"):
            hit = self.lookup(segs[:3])
            if hit is MISSING or not isinstance(hit[0], dict):
                return self.not_found(req)
            if segs[3] == "scopes":
                return self.ok("".join(s + "\n" for s in hit[0].get("scopes", [])))
            if not self.sa_token:
                self.sa_token = "ya29.md-%032x" % random.getrandbits(128)
            return self.ok(jdump(OD([("access_token", self.sa_token),
                                     ("expires_in", 3599),
                                     ("token_type", "Bearer")])), self.json_type)
        return None

    def keyname(self, parent):
        if parent in GCE_FREEFORM:
            return lambda k: k
        return camel_to_kebab

    def location(self, req, path):
        host = req.h("Host") or "metadata.google.internal"
        return "http://%s%s%s" % (host, quote(path), "?" + req.query if req.query else "")


# ---- Microsoft Azure


class Azure(Cloud):
    name = "azure"
    text = "text/plain; charset=utf-8"
    json_type = "application/json; charset=utf-8"
    wrong_fields = ("vmId", "location", "zone", "vmSize", "name",
                    "publicIpAddress", "privateIpAddress")

    def load(self):
        self.instance = self.readjson("instance.json")
        v = self.readjson("versions.json")
        self.supported = list(v["supported"])
        self.newest = list(v["newest"])
        self.introduced = dict(v["compute_introduced"])

    def aerr(self, status, obj):
        return Resp(status, jdump(obj), self.json_type)

    def bad(self, msg):
        return self.aerr(400, OD([("error", msg)]))

    def bad_version(self):
        return self.aerr(400, OD([
            ("error", "Bad request. api-version is invalid or was not specified "
                      "in the request. For more information refer to aka.ms/azureimds"),
            ("newest-versions", self.newest)]))

    def not_found(self, req):
        return self.aerr(404, OD([("error", "Not found")]))

    def not_allowed(self, req, allow):
        r = self.aerr(405, OD([("error", "Method not allowed")]))
        r.headers.append(("Allow", allow))
        return r

    def server_error(self, req):
        return self.aerr(500, OD([("error", "Internal server error")]))

    def main_doc(self):
        return jdump(self.instance), self.json_type

    def versioned(self, version):
        doc = jload(jdump(self.instance))
        comp = doc.get("compute")
        if isinstance(comp, dict):
            for k in list(comp):
                if self.introduced.get(k, "2017-04-02") > version:
                    del comp[k]
        return doc

    # The managed identity's token (--azure-mi-token; --azure-no-identity:
    # a VM without one), as in "How to use managed identities for Azure
    # resources on an Azure VM to acquire an access token"
    # (learn.microsoft.com/entra/identity/managed-identities-azure-resources/
    # how-to-use-vm-token): GET ...?api-version=2018-02-01&resource=URI with
    # Metadata: true; expires_in/expires_on are strings there.
    mi_token = None
    mi_identity = True

    def identity_token(self, req):
        def refuse(desc):
            return self.aerr(400, OD([("error", "invalid_request"),
                                      ("error_description", desc)]))
        if req.q.get("api-version") not in self.supported:
            return refuse("Required query variable 'api-version' is missing or invalid")
        resource = req.q.get("resource")
        if not resource:
            return refuse("Required query variable 'resource' is missing")
        if not self.mi_identity:
            return refuse("Identity not found")
        now = int(time.time())
        tok = self.mi_token or self.tokens.issue(86400)
        return self.ok(jdump(OD([
            ("access_token", tok),
            ("client_id", "9c4d4f8e-2b1a-4e8e-9f0a-5d6c7b8a9e01"),
            ("expires_in", "86399"), ("expires_on", str(now + 86399)),
            ("ext_expires_in", "86399"), ("not_before", str(now)),
            ("resource", resource), ("token_type", "Bearer")])),
            self.json_type, kind="token")

    def route(self, req):
        p = req.path.rstrip("/") or "/"
        if not (p == "/metadata" or p.startswith("/metadata/")):
            return self.not_found(req)
        if req.has("X-Forwarded-For"):
            return self.bad("Bad request. X-Forwarded-For header is not allowed.")
        if (req.h("Metadata") or "").lower() != "true":
            return self.bad("Bad request. Required metadata header not specified")
        bad = self.methods(req, "GET")
        if bad:
            return bad
        keys = req.qkeys()
        if len(keys) != len(set(keys)):
            return self.bad("Bad request. Query parameters must not be repeated.")
        if p == "/metadata/versions":
            return self.ok(jdump(OD([("apiVersions", sorted(self.supported))])),
                           self.json_type)
        if p == "/metadata/identity/oauth2/token":
            return self.identity_token(req)
        if not (p == "/metadata/instance" or p.startswith("/metadata/instance/")):
            return self.not_found(req)
        version = req.q.get("api-version")
        if version not in self.supported:
            return self.bad_version()
        fmt = req.q.get("format", "json")
        if fmt not in ("json", "text"):
            return self.bad("Bad request. Invalid format parameter.")
        segs = [s for s in p[len("/metadata/instance"):].split("/") if s]
        node = walk(self.versioned(version), segs)
        if node is MISSING:
            return self.not_found(req)
        if not is_container(node):
            if "format" not in req.q or fmt != "text":
                return self.bad("Bad request. format=text is required for "
                                "leaf nodes.")
            return self.ok(scalar_text(node))
        if fmt == "text":
            return self.ok(listing(node))
        return self.ok(jdump(node), self.json_type)


# ---- Oracle Cloud Infrastructure


class Oracle(Cloud):
    name = "oracle"
    wrong_fields = ("id", "canonicalRegionName", "region", "availabilityDomain",
                    "shape", "regionIdentifier")

    def load(self):
        self.instance_raw = self.read("instance.json")
        self.instance = jload(self.instance_raw)
        self.vnics_raw = self.read("vnics.json")
        self.vnics = jload(self.vnics_raw)

    def oerr(self, status, code, msg):
        return Resp(status, jdump(OD([("code", code), ("message", msg)])),
                    self.json_type)

    def not_found(self, req):
        return self.oerr(404, "NotFound", "Not Found")

    def not_allowed(self, req, allow):
        r = self.oerr(405, "MethodNotAllowed", "Method Not Allowed")
        r.headers.append(("Allow", allow))
        return r

    def server_error(self, req):
        return self.oerr(500, "InternalServerError", "Internal Server Error")

    def main_doc(self):
        return self.instance_raw, self.json_type

    def route(self, req):
        p = req.path
        m = re.match(r"^/opc/(v1|v2)(/.*)?$", p)
        if not m:
            return self.not_found(req)
        ver, rest = m.group(1), (m.group(2) or "/")
        if ver == "v1" and self.mode == "oracle-v2-only":
            return self.not_found(req)
        if ver == "v2":
            if req.h("Authorization") != "Bearer Oracle":
                return self.oerr(401, "NotAuthenticated",
                                 "The required Authorization header is missing "
                                 "or invalid.")
            if any(req.has(h) for h in ("Forwarded", "X-Forwarded-For",
                                        "X-Forwarded-Host")):
                return self.oerr(403, "NotAllowed",
                                 "Forwarded requests are not allowed.")
        bad = self.methods(req, "GET")
        if bad:
            return bad
        segs = [s for s in rest.split("/") if s]
        if not segs:
            return self.ok("instance/\nvnics/\n")
        if segs[0] == "instance":
            doc, raw = self.instance, self.instance_raw
        elif segs[0] == "vnics":
            doc, raw = self.vnics, self.vnics_raw
        else:
            return self.not_found(req)
        if len(segs) == 1:
            return self.ok(raw, self.json_type)
        node = walk(doc, segs[1:])
        if node is MISSING:
            return self.not_found(req)
        if is_container(node):
            return self.ok(jdump(node, pretty=True), self.json_type)
        return self.ok(scalar_text(node))


# ---- JSON-document clouds with a derived plain-text tree


class JsonTreeCloud(Cloud):
    """GET <json_path> answers the document; <tree_prefix>... walks it."""

    doc_name = None
    json_path = None
    tree_prefix = None
    redirect_dirs = False

    def load(self):
        self.doc_raw = self.read(self.doc_name)
        self.doc = jload(self.doc_raw)
        self.tree = self.make_tree(self.doc)

    def make_tree(self, doc):
        return doc

    def main_doc(self):
        return jdump(self.doc), self.json_type

    def leaf_text(self, node):
        if isinstance(node, list):
            return "\n".join(scalar_text(x) for x in node)
        return scalar_text(node)

    def route(self, req):
        p = req.path
        if p == self.json_path:
            return self.methods(req, "GET") or self.ok(jdump(self.doc), self.json_type)
        base = self.tree_prefix.rstrip("/")
        if p == base:
            if self.redirect_dirs:
                return self.moved(req, base + "/")
            p = base + "/"
        if not p.startswith(base + "/"):
            return self.not_found(req)
        bad = self.methods(req, "GET")
        if bad:
            return bad
        rel = p[len(base) + 1:]
        segs = [s for s in rel.split("/") if s]
        node = walk(self.tree, segs)
        if node is MISSING:
            return self.not_found(req)
        if isinstance(node, dict) or (isinstance(node, list) and
                                      any(is_container(x) for x in node)):
            if self.redirect_dirs and rel and not rel.endswith("/"):
                return self.moved(req, p + "/")
            return self.ok(listing(node, scalar_lists_are_leaves=True))
        return self.ok(self.leaf_text(node))

    def moved(self, req, path):
        return Resp(301, "<a href=\"%s\">Moved Permanently</a>.\n\n" % path,
                    "text/html; charset=utf-8", [("Location", path)])


class DigitalOcean(JsonTreeCloud):
    name = "digitalocean"
    doc_name = "metadata.json"
    json_path = "/metadata/v1.json"
    tree_prefix = "/metadata/v1/"
    redirect_dirs = True
    wrong_fields = ("droplet_id", "region", "hostname", "interfaces")

    def make_tree(self, d):
        def fix(o):
            if isinstance(o, dict):
                return OD(("address" if k == "ip_address" else k, fix(v))
                          for k, v in o.items())
            if isinstance(o, list):
                return [fix(x) for x in o]
            return o
        t = OD()
        names = [("droplet_id", "id"), ("hostname", "hostname"),
                 ("user_data", "user-data"), ("vendor_data", "vendor-data"),
                 ("public_keys", "public-keys"), ("region", "region"),
                 ("auth_key", "auth-key"), ("interfaces", "interfaces"),
                 ("dns", "dns"), ("floating_ip", "floating_ip"),
                 ("reserved_ip", "reserved_ip"), ("tags", "tags"),
                 ("features", "features")]
        for src, dst in names:
            if src in d:
                t[dst] = fix(d[src])
        if "tags" in t:       # an index of tag names
            t["tags"] = OD((x, x) for x in t["tags"])
        return t



class UpCloud(JsonTreeCloud):
    name = "upcloud"
    doc_name = "metadata.json"
    json_path = "/metadata/v1.json"
    tree_prefix = "/metadata/v1/"
    wrong_fields = ("instance_id", "region", "cloud_name", "hostname", "network")


class Vultr(JsonTreeCloud):
    name = "vultr"
    doc_name = "v1.json"
    json_path = "/v1.json"
    tree_prefix = "/v1/"
    wrong_fields = ("instance-v2-id", "instance-id", "instanceid", "region",
                    "interfaces", "hostname")


# ---- Hetzner Cloud


def yaml_top_level(text):
    """Top-level keys of a simple block-style YAML mapping -> OD(key: block).

    Scalars come back as str (quotes removed); blocks (nested maps/lists)
    as their text, de-indented.  Enough for Hetzner's metadata document."""
    out = OD()
    key = None
    block = []
    lines = text.split("\n")

    def flush():
        if key is not None and block:
            out[key] = "\n".join(block)

    for ln in lines:
        m = re.match(r"^([A-Za-z0-9_.-]+):(?:\s+(.*))?$", ln)
        if m:
            flush()
            key, val = m.group(1), m.group(2)
            block = []
            if val is not None and val != "":
                if len(val) >= 2 and val[0] == val[-1] and val[0] in "'\"":
                    inner = val[1:-1]
                    if val[0] == "'":
                        inner = inner.replace("''", "'")
                    out[key] = ("scalar", inner)
                elif val.startswith('"'):
                    out[key] = ("scalar", val)   # multi-line quoted: keep raw
                else:
                    out[key] = ("scalar", val)
                key = None
            continue
        if key is not None:
            block.append(ln)
    flush()
    res = OD()
    for k, v in out.items():
        if isinstance(v, tuple):
            res[k] = v[1]
        else:
            res[k] = ("block", v.rstrip("\n"))
    return res


class Hetzner(Cloud):
    name = "hetzner"
    text = "text/plain; charset=utf-8"
    wrong_fields = ("instance-id", "region", "availability-zone", "hostname",
                    "public-ipv4")

    def load(self):
        self.metadata = self.read("metadata.yaml")
        self.keys = yaml_top_level(self.metadata.decode())
        self.private = self.read("private-networks.yaml", b"[]\n")
        self.userdata = self.read("userdata") if self.exists("userdata") else None

    def not_found(self, req):
        return Resp(404, "Not Found", self.text)

    def main_doc(self):
        return self.metadata, self.text

    def route(self, req):
        p = req.path
        if p.startswith("/hetzner/v1/"):
            bad = self.methods(req, "GET")
            if bad:
                return bad
        if p in ("/hetzner/v1/metadata", "/hetzner/v1/metadata/"):
            return self.ok(self.metadata)
        if p == "/hetzner/v1/userdata":
            return self.ok(self.userdata if self.userdata is not None else b"")
        if p == "/hetzner/v1/metadata/private-networks":
            return self.ok(self.private)
        m = re.match(r"^/hetzner/v1/metadata/([A-Za-z0-9_-]+)(?:/(\d+))?/?$", p)
        if not m or m.group(1) not in self.keys:
            return self.not_found(req)
        v = self.keys[m.group(1)]
        if isinstance(v, tuple):
            block = v[1]
            if m.group(2) is not None:
                items = [x[2:] for x in block.split("\n") if x.startswith("- ")]
                i = int(m.group(2))
                return self.ok(items[i]) if i < len(items) else self.not_found(req)
            return self.ok(block)
        if m.group(2) is not None:
            return self.not_found(req)
        return self.ok(v)


# ---- Scaleway


class Scaleway(Cloud):
    name = "scaleway"
    wrong_fields = ("id", "commercial_type", "zone", "zone_id", "hostname",
                    "public_ip")

    def load(self):
        self.conf = self.readjson("conf.json")

    def serr(self, status, msg):
        return Resp(status, jdump(OD([("message", msg)])), self.json_type)

    def not_found(self, req):
        return self.serr(404, "Not Found")

    def not_allowed(self, req, allow):
        r = self.serr(405, "Method Not Allowed")
        r.headers.append(("Allow", allow))
        return r

    def main_doc(self):
        return jdump(self.conf), self.json_type

    def shell(self):
        lines = []

        def q(v):
            s = scalar_text(v)
            return "'%s'" % s.replace("'", "'\\''") if re.search(r"[^\w.,:/@+=-]", s) or s == "" else s

        def rec(prefix, v):
            if isinstance(v, dict):
                for k, x in v.items():
                    rec(prefix + "_" + re.sub(r"\W", "_", str(k)).upper(), x)
            elif isinstance(v, list):
                lines.append("%s=%d" % (prefix, len(v)))
                for i, x in enumerate(v):
                    rec("%s_%d" % (prefix, i), x)
            else:
                lines.append("%s=%s" % (prefix, q(v)))
        for k, v in self.conf.items():
            rec(re.sub(r"\W", "_", k).upper(), v)
        return "\n".join(lines) + "\n"

    def route(self, req):
        p = req.path
        if not (p in ("/", "/conf", "/user_data", "/vendor_data") or
                p.startswith("/user_data/") or p.startswith("/vendor_data/")):
            return self.not_found(req)
        bad = self.methods(req, "GET")
        if bad:
            return bad
        if p == "/":
            return self.ok("conf\nuser_data\nvendor_data\n")
        if p == "/conf":
            if req.q.get("format") == "json":
                return self.ok(jdump(self.conf), self.json_type)
            return self.ok(self.shell())
        if p.split("/")[1] in ("user_data", "vendor_data"):
            if req.client[1] >= 1024:
                return self.serr(403, "Access to %s is only allowed from a "
                                 "privileged source port (< 1024)." % p)
            if p in ("/user_data", "/vendor_data"):
                if req.q.get("format") == "json":
                    return self.ok(jdump(OD([(p[1:], [])])), self.json_type)
                return self.ok("")
            return self.not_found(req)
        return self.not_found(req)


# ---- Akamai / Linode


class Linode(Cloud):
    name = "linode"
    wrong_fields = ("id", "region", "type", "label", "host_uuid", "public")

    def load(self):
        self.docs = OD()
        for name in ("instance", "network", "ssh-keys"):
            self.docs[name] = self.readjson(name + ".json")
        self.userdata = self.read("user-data") if self.exists("user-data") else None

    def lerr(self, status, reason):
        return Resp(status, jdump(OD([("errors", [OD([("reason", reason)])])])),
                    self.json_type)

    def not_found(self, req):
        return self.lerr(404, "Not found")

    def not_allowed(self, req, allow):
        r = self.lerr(405, "Method Not Allowed")
        r.headers.append(("Allow", allow))
        return r

    def server_error(self, req):
        return self.lerr(500, "Internal Server Error")

    def main_doc(self):
        return jdump(self.docs["instance"]), self.json_type

    def wants_json(self, req):
        return "application/json" in (req.h("Accept") or "").lower()

    def text_lines(self, obj, prefix=""):
        out = []
        if isinstance(obj, dict):
            for k, v in obj.items():
                out += self.text_lines(v, prefix + k + ".")
        elif isinstance(obj, list) and any(is_container(x) for x in obj):
            for i, v in enumerate(obj):
                out += self.text_lines(v, prefix + "%d." % i)
        else:
            val = " ".join(scalar_text(x) for x in obj) if isinstance(obj, list) \
                else scalar_text(obj)
            if val != "":
                out.append("%s: %s" % (prefix.rstrip("."), val))
        return out

    def route(self, req):
        p = req.path.rstrip("/") or "/"
        if p == "/v1/token":
            bad = self.methods(req, "PUT")
            if bad:
                return bad
            raw = req.h("Metadata-Token-Expiry-Seconds")
            if raw is None:
                raw = req.h("X-Metadata-Token-Expiry-Seconds")
            try:
                ttl = int(raw.strip()) if raw is not None else 3600
            except ValueError:
                ttl = 0
            if not 1 <= ttl <= 86400:
                return self.lerr(400, "Metadata-Token-Expiry-Seconds must be "
                                 "between 1 and 86400")
            tok = self.tokens.issue(ttl, os.urandom(32).hex())
            if self.wants_json(req):
                return self.ok(jdump([tok]), self.json_type, kind="token")
            return self.ok(tok, kind="token")
        name = p[len("/v1/"):] if p.startswith("/v1/") else None
        if name not in self.docs and name != "user-data":
            return self.not_found(req)
        bad = self.methods(req, "GET")
        if bad:
            return bad
        tok = req.h("Metadata-Token")
        if tok is None:
            tok = req.h("X-Metadata-Token")
        if not self.tokens.valid(tok):
            return self.lerr(401, "Unauthorized")
        if name == "user-data":
            accept = (req.h("Accept") or "").lower()
            if accept.strip() == "application/json":
                return self.lerr(406, "Only text/plain is supported for user-data")
            if self.userdata is None:
                return Resp(204, b"", self.text, kind="data")
            return self.ok(self.userdata)
        doc = self.docs[name]
        if self.wants_json(req):
            return self.ok(jdump(doc), self.json_type)
        return self.ok("\n".join(self.text_lines(doc)) + "\n")


# ---- IBM Cloud VPC


class IBM(Cloud):
    name = "ibm"
    wrong_fields = ("id", "zone", "profile", "name", "crn")
    min_version = "2022-03-01"

    def load(self):
        self.instance = self.readjson("instance.json")
        self.init = self.readjson("initialization.json") \
            if self.exists("initialization.json") else OD()

    def ierr(self, status, code, msg, target=None):
        e = OD([("code", code), ("message", msg),
                ("more_info", "https://cloud.ibm.com/docs/vpc?topic=vpc-imd-configure-service")])
        if target:
            e["target"] = target
        return Resp(status, jdump(OD([("errors", [e]), ("status_code", status),
                                      ("trace", str(uuid.uuid4()))])),
                    self.json_type)

    def not_found(self, req):
        return self.ierr(404, "not_found", "The requested resource was not found.")

    def not_allowed(self, req, allow):
        r = self.ierr(405, "method_not_allowed", "The method %s is not allowed "
                      "on this resource." % req.method)
        r.headers.append(("Allow", allow))
        return r

    def server_error(self, req):
        return self.ierr(500, "internal_error", "Internal error.")

    def main_doc(self):
        return jdump(self.instance), self.json_type

    def check_version(self, req):
        v = req.q.get("version")
        if v is None:
            return self.ierr(400, "missing_version", "The version query "
                             "parameter is required.",
                             OD([("name", "version"), ("type", "query")]))
        if not re.match(r"^\d{4}-\d{2}-\d{2}$", v) or v < self.min_version:
            return self.ierr(400, "invalid_version", "The version must be a "
                             "date (YYYY-MM-DD) on or after %s." % self.min_version,
                             OD([("name", "version"), ("type", "query"),
                                 ("value", v)]))
        return None

    def route(self, req):
        p = req.path.rstrip("/") or "/"
        if p == "/instance_identity/v1/token":
            bad = self.methods(req, "PUT")
            if bad:
                return bad
            if (req.h("Metadata-Flavor") or "").lower() != "ibm":
                return self.ierr(400, "missing_metadata_flavor", "The "
                                 "Metadata-Flavor header is missing or invalid; "
                                 "it must be 'ibm'.",
                                 OD([("name", "Metadata-Flavor"), ("type", "header")]))
            bad = self.check_version(req)
            if bad:
                return bad
            expires = 300
            if req.body.strip():
                try:
                    body = jload(req.body)
                except (ValueError, UnicodeDecodeError):
                    return self.ierr(400, "invalid_body", "The request body is "
                                     "not valid JSON.")
                if not isinstance(body, dict):
                    return self.ierr(400, "invalid_body", "The request body must "
                                     "be a JSON object.")
                expires = body.get("expires_in", 300)
            if not isinstance(expires, int) or isinstance(expires, bool) or \
                    not 5 <= expires <= 3600:
                return self.ierr(400, "invalid_value", "The value provided for "
                                 "the expires_in field must be between 5 and 3600.",
                                 OD([("name", "expires_in"), ("type", "field"),
                                     ("value", scalar_text(expires))]))
            now = utcnow()

            def b64(b):
                return base64.urlsafe_b64encode(b).rstrip(b"=").decode()
            claims = OD([("iss", "vpc-metadata"), ("sub", "ibm-instance"),
                         ("iat", int(now.timestamp())),
                         ("exp", int(now.timestamp()) + expires),
                         ("jti", str(uuid.uuid4()))])
            tok = "%s.%s.%s" % (b64(b'{"alg":"RS256","typ":"JWT"}'),
                                b64(jdump(claims)), b64(os.urandom(64)))
            self.tokens.issue(expires, tok)
            return self.ok(jdump(OD([
                ("access_token", tok), ("created_at", iso(now)),
                ("expires_at", iso(now + datetime.timedelta(seconds=expires))),
                ("expires_in", expires)])), self.json_type, kind="token")
        docs = {"/metadata/v1/instance": self.instance,
                "/metadata/v1/instance/initialization": self.init,
                "/metadata/v1/keys": OD([("keys", self.init.get("keys", []))])}
        if p not in docs:
            return self.not_found(req)
        bad = self.methods(req, "GET")
        if bad:
            return bad
        auth = req.h("Authorization") or ""
        if not auth.startswith("Bearer ") or not self.tokens.valid(auth[7:].strip()):
            return self.ierr(401, "not_authorized", "The request is not "
                             "authorized: a valid instance identity access "
                             "token is required.",
                             OD([("name", "Authorization"), ("type", "header")]))
        bad = self.check_version(req)
        if bad:
            return bad
        return self.ok(jdump(docs[p]), self.json_type)


CLOUD_CLASSES = {c.name: c for c in (AWS, GCP, Azure, Oracle, OpenStack,
                                     DigitalOcean, Hetzner, Alibaba, Scaleway,
                                     Linode, Vultr, UpCloud, Exoscale, Tencent,
                                     IBM)}


def fixture_dir(root, cloud):
    sub = os.path.join(root, cloud)
    if os.path.isdir(sub):
        return sub
    return root          # DIR given is this cloud's own fixture directory


# --------------------------------------------------------------------------
# Faults


def wrong_value(v, i):
    if isinstance(v, dict):
        return "not-an-object"
    if isinstance(v, list):
        return "not-a-list"
    k = i % 4
    if k == 0 or (k == 1 and isinstance(v, (int, float)) and not isinstance(v, bool)):
        return OD([("value", v)])
    if k == 1:
        return 12345
    if k == 2:
        return [v]
    return True


def corrupt(obj, names, counter):
    hit = False
    if isinstance(obj, dict):
        for k in list(obj):
            if k in names:
                obj[k] = wrong_value(obj[k], counter[0])
                counter[0] += 1
                hit = True
            else:
                hit = corrupt(obj[k], names, counter) or hit
    elif isinstance(obj, list):
        for x in obj:
            hit = corrupt(x, names, counter) or hit
    return hit


def wrong_types(cloud, resp):
    body = resp.body
    try:
        obj = jload(body)
    except (ValueError, UnicodeDecodeError):
        obj = MISSING
    if obj is not MISSING and is_container(obj):
        counter = [0]
        if not corrupt(obj, set(cloud.wrong_fields), counter):
            # no known field here: retype the first scalars we meet
            if isinstance(obj, dict):
                for k in list(obj)[:4]:
                    obj[k] = wrong_value(obj[k], counter[0])
                    counter[0] += 1
            else:
                obj = OD([("value", obj)])
        return jdump(obj)
    text = body.decode("utf-8", "replace")
    if cloud.name == "hetzner" and text.count("\n") > 2:
        out, i = [], 0
        for ln in text.split("\n"):
            m = re.match(r"^([A-Za-z0-9_-]+):\s+(\S.*)$", ln)
            if m and m.group(1) in cloud.wrong_fields:
                v = m.group(2)
                ln = "%s: %s" % (m.group(1), ["{value: %s}" % v, "[%s]" % v,
                                              "{}", "[]"][i % 4])
                i += 1
            out.append(ln)
        return "\n".join(out).encode()
    # a plain-text value: answer a JSON object instead of the scalar
    return jdump(OD([("value", text)]))


def truncate(body):
    if len(body) <= 1:
        return b""
    cut = len(body) // 2
    if body.lstrip()[:1] in (b"{", b"["):
        j = body.rfind(b":", 0, cut)
        if j > 0:
            cut = j + 1
    return body[:cut]


def oversized(body):
    s = body.lstrip()
    if s[:1] == b"{" and len(body) + 64 < OVERSIZE:
        rest = s[1:].lstrip()
        pre, post = b'{"x-padding":"', (b'"}' if rest[:1] == b"}" else b'",' + rest)
    elif s[:1] == b"[" and len(body) + 64 < OVERSIZE:
        rest = s[1:].lstrip()
        pre, post = b'["', (b'"]' if rest[:1] == b"]" else b'",' + rest)
    else:
        pre, post = body[:OVERSIZE // 2], b""
    n = OVERSIZE - len(pre) - len(post)

    def gen():
        yield pre
        chunk = b"A" * 65536
        left = n
        while left > 0:
            c = chunk[:min(left, len(chunk))]
            left -= len(c)
            yield c
        yield post
    return OVERSIZE, gen


def fault_applies(fault, scope, kind):
    if kind is None or fault == "none" or fault in PROTOCOL_MODES:
        return False
    if scope == "data":
        return kind == "data"
    if scope == "token":
        return kind == "token"
    return kind == "data" or fault in TOKEN_FAULTS


class Faults:
    def __init__(self, fault, scope, port, other, slow_delay):
        self.fault = fault
        self.scope = scope
        self.port = port
        self.other = other
        self.slow_delay = slow_delay
        self.lock = threading.Lock()
        self.redirects = 0

    def apply(self, cloud, req, resp):
        f = self.fault
        if not fault_applies(f, self.scope, resp.kind):
            return resp
        if f == "500":
            new = cloud.server_error(req)
        elif f == "404":
            new = cloud.not_found(req)
        elif f == "garbage":
            rnd = random.Random(req.path)
            new = Resp(200, b"\xff\x00\xfe" + rnd.randbytes(1021), resp.ctype)
        elif f == "truncated-json":
            new = Resp(200, truncate(resp.body), resp.ctype, resp.headers)
        elif f == "slow":
            new = Resp(200, resp.body, resp.ctype, resp.headers)
            new.drip = self.slow_delay
        elif f == "oversized":
            new = Resp(200, b"", resp.ctype, resp.headers)
            new.gen = oversized(resp.body)
        elif f in ("redirect", "redirect-local", "redirect-external"):
            if f == "redirect":
                with self.lock:
                    n = self.redirects
                    self.redirects += 1
                local = n % 2 == 0
            else:
                local = f == "redirect-local"
            loc = ("http://127.0.0.2:%d/elsewhere" % self.port) if local \
                else "http://example.invalid/"
            new = Resp(302, '<a href="%s">Found</a>.\n' % loc, "text/html",
                       [("Location", loc)])
        elif f == "reset":
            new = action("reset")
        elif f == "hang":
            new = action("hang")
        elif f == "other-cloud":
            body, ctype = self.other.main_doc()
            new = Resp(200, body, ctype)
        elif f == "wrong-types":
            new = Resp(200, wrong_types(cloud, resp), resp.ctype, resp.headers)
        else:
            return resp
        new.kind = resp.kind
        new.fault = f
        return new


# --------------------------------------------------------------------------
# Log


class JsonLog:
    def __init__(self, path):
        self.lock = threading.Lock()
        self.f = open(path, "a", encoding="utf-8") if path else None

    def write(self, entry):
        if not self.f:
            return
        line = json.dumps(entry, ensure_ascii=False) + "\n"
        with self.lock:
            self.f.write(line)
            self.f.flush()


# --------------------------------------------------------------------------
# HTTP server


class TooBig(Exception):
    pass


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    rbufsize = -1

    def setup(self):
        BaseHTTPRequestHandler.setup(self)
        try:
            self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        except OSError:
            pass

    def log_message(self, fmt, *args):     # no per-request chatter
        pass

    def version_string(self):
        cloud = getattr(self.server, "cloud", None)
        return (cloud.server if cloud and cloud.server else "")

    def send_error(self, code, message=None, explain=None):
        # malformed request lines/headers: log them like everything else
        self.server.log.write(self.entry(None, code, "malformed", None))
        self.close_connection = True
        body = ("%d %s\n" % (code, message or self.responses.get(code, ("",))[0])).encode()
        try:
            self.send_response_only(code, message)
            self.send_header("Date", self.date_time_string())
            self.send_header("Content-Type", "text/plain")
            self.send_header("Content-Length", str(len(body)))
            self.send_header("Connection", "close")
            self.end_headers()
            if getattr(self, "command", None) != "HEAD" and code >= 200 and code not in (204, 304):
                self.wfile.write(body)
        except OSError:
            pass

    # every method goes through dispatch(); unknown ones get 501 from the base
    def do_GET(self):
        self.dispatch()
    do_HEAD = do_PUT = do_POST = do_DELETE = do_PATCH = do_OPTIONS = do_GET

    def read_body(self):
        te = (self.headers.get("Transfer-Encoding") or "").lower()
        if "chunked" in te:
            data = b""
            for _ in range(4096):
                line = self.rfile.readline(1026)
                try:
                    size = int(line.split(b";")[0].strip() or b"x", 16)
                except ValueError:
                    raise TooBig("bad chunk")
                if size == 0:
                    for _ in range(100):
                        if self.rfile.readline(8192) in (b"\r\n", b"\n", b""):
                            break
                    return data
                if len(data) + size > MAX_REQ_BODY:
                    raise TooBig("body")
                data += self.rfile.read(size)
                self.rfile.readline(3)
            raise TooBig("chunks")
        cl = self.headers.get("Content-Length")
        if cl is None:
            return b""
        try:
            n = int(cl)
        except ValueError:
            raise TooBig("bad length")
        if n < 0 or n > MAX_REQ_BODY:
            raise TooBig("body")
        return self.rfile.read(n) if n else b""

    def entry(self, req, status, act, resp):
        srv = self.server
        hdrs = list(self.headers.items()) if getattr(self, "headers", None) else []
        e = OD()
        e["time"] = utcnow().strftime("%Y-%m-%dT%H:%M:%S.%fZ")
        e["cloud"] = srv.cloud_name
        e["server"] = "%s:%s" % self.connection.getsockname()[:2]
        e["client"] = "%s:%s" % self.client_address[:2]
        e["method"] = getattr(self, "command", None)
        e["path"] = getattr(self, "path", None)
        e["version"] = getattr(self, "request_version", None)
        e["headers"] = [[k, v] for k, v in hdrs]
        e["headers_lower"] = OD((k.lower(), v) for k, v in hdrs)
        if req is not None:
            e["body_len"] = len(req.body)
            if req.body:
                e["body"] = req.body[:4096].decode("utf-8", "replace")
        e["status"] = status
        e["action"] = act
        e["kind"] = resp.kind if resp is not None else None
        e["fault"] = resp.fault if resp is not None else None
        return e

    def dispatch(self):
        srv = self.server
        try:
            body = self.read_body()
        except TooBig:
            self.send_error(413, "Request Entity Too Large")
            return
        req = Req(self.command, self.path, self.headers, body,
                  self.client_address, self.connection.getsockname())
        if srv.elsewhere:
            resp = Resp(200, jdump(OD([("elsewhere", True), ("path", req.path)])),
                        "application/json")
            resp.kind = "elsewhere"
        else:
            cloud = srv.cloud
            try:
                resp = cloud.route(req)
                resp = srv.faults.apply(cloud, req, resp)
            except Exception:
                traceback.print_exc(file=sys.stderr)
                resp = cloud.server_error(req)
        if resp.action:
            srv.log.write(self.entry(req, None, resp.action, resp))
            if resp.action == "hang":
                self.hang()
            else:
                self.reset()
            return
        srv.log.write(self.entry(req, resp.status, "answer", resp))
        self.answer(resp)

    def answer(self, resp):
        cloud = self.server.cloud
        length = resp.gen[0] if resp.gen else len(resp.body)
        self.send_response_only(resp.status)
        self.send_header("Date", self.date_time_string())
        if cloud is not None and cloud.server:
            self.send_header("Server", cloud.server)
        if cloud is not None:
            for k, v in cloud.extra_headers():
                self.send_header(k, v)
        for k, v in resp.headers:
            self.send_header(k, v)
        self.send_header("Content-Type", resp.ctype)
        self.send_header("Content-Length", str(length))
        if STOP.is_set():
            self.send_header("Connection", "close")
        self.end_headers()
        if self.command == "HEAD" or resp.status in (204, 304):
            return
        try:
            if resp.drip:
                for i in range(len(resp.body)):
                    if STOP.wait(0 if i == 0 else resp.drip):
                        self.close_connection = True
                        return
                    self.wfile.write(resp.body[i:i + 1])
            elif resp.gen:
                for chunk in resp.gen[1]():
                    if STOP.is_set():
                        self.close_connection = True
                        return
                    self.wfile.write(chunk)
            else:
                self.wfile.write(resp.body)
        except OSError:
            self.close_connection = True

    def hang(self):
        """A black hole: the request was read; never answer.  Returns when
        the client goes away, the server stops, or after hang_max seconds."""
        self.close_connection = True
        sock = self.connection
        deadline = time.monotonic() + self.server.hang_max
        while not STOP.is_set() and time.monotonic() < deadline:
            try:
                r, _, _ = select.select([sock], [], [], 0.25)
                if r:
                    if not sock.recv(65536):
                        return           # client closed
            except OSError:
                return

    def reset(self):
        """Close the connection without answering: a TCP RST."""
        self.close_connection = True
        try:
            self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER,
                                       struct.pack("ii", 1, 0))
            self.rfile.close()
            self.connection.close()
        except OSError:
            pass


class Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 128

    def handle_error(self, request, client_address):
        exc = sys.exc_info()[1]
        if isinstance(exc, (ConnectionError, TimeoutError, OSError)):
            return
        ThreadingHTTPServer.handle_error(self, request, client_address)


def make_server(bind, port, cloud_name, cloud, faults, log, hang_max,
                elsewhere=False):
    cls = Server
    if ":" in bind:
        cls = type("Server6", (Server,), {"address_family": socket.AF_INET6})
    srv = cls((bind, port), Handler)
    srv.cloud_name = cloud_name
    srv.cloud = None if elsewhere else cloud
    srv.faults = faults
    srv.log = log
    srv.hang_max = hang_max
    srv.elsewhere = elsewhere
    return srv


def write_port_file(path, port):
    tmp = "%s.%d.tmp" % (path, os.getpid())
    with open(tmp, "w") as f:
        f.write("%d\n" % port)
    os.replace(tmp, path)


def main(argv=None):
    ap = argparse.ArgumentParser(
        description="Instance metadata service emulator (one cloud per process).")
    ap.add_argument("--cloud", required=True, choices=CLOUDS)
    ap.add_argument("--port", type=int, required=True,
                    help="TCP port; 0 picks a free one (see --port-file)")
    ap.add_argument("--bind", default="127.0.0.1")
    ap.add_argument("--fault", default="none", choices=FAULTS)
    ap.add_argument("--fault-scope", default="all", choices=("all", "data", "token"),
                    help="which answers a fault hits: all (data, and the token "
                    "step for 500/404/slow/redirect/reset/hang), data only, "
                    "or the token step only")
    ap.add_argument("--other-cloud", choices=CLOUDS,
                    help="cloud whose answers --fault other-cloud serves")
    ap.add_argument("--log", help="append one JSON line per request to FILE")
    ap.add_argument("--fixtures", default=os.path.join(HERE, "fixtures"),
                    help="fixture root (with one directory per cloud) or this "
                    "cloud's own fixture directory")
    ap.add_argument("--port-file", help="write the bound port to FILE (atomically)")
    ap.add_argument("--slow-delay", type=float, default=0.2,
                    help="seconds per byte for --fault slow (default 0.2)")
    ap.add_argument("--hang-max", type=float, default=900.0,
                    help="longest a hung connection is held, seconds (default 900)")
    ap.add_argument("--aws-role", help="aws: the instance profile's role name")
    ap.add_argument("--aws-role-creds", help="aws: the role's AKID:SECRET:TOKEN")
    ap.add_argument("--aws-no-role", action="store_true",
                    help="aws: no instance profile (iam/ answers 404)")
    ap.add_argument("--gcp-token", help="gcp: the access token service-accounts/"
                    "default/token hands out (default: a random one)")
    ap.add_argument("--gcp-no-service-account", action="store_true",
                    help="gcp: the instance has no service account (404)")
    ap.add_argument("--azure-mi-token",
                    help="azure: the managed identity's access token to hand out "
                    "(default: a random one per request)")
    ap.add_argument("--azure-no-identity", action="store_true",
                    help="azure: the VM has no managed identity (400 Identity not found)")
    a = ap.parse_args(argv)
    AWS_ROLE["none"] = a.aws_no_role
    AWS_ROLE["name"] = a.aws_role or AWS_ROLE["name"]
    AWS_ROLE["creds"] = a.aws_role_creds or AWS_ROLE["creds"]
    Azure.mi_token = a.azure_mi_token
    Azure.mi_identity = not a.azure_no_identity

    if a.fault in ("aws-v1", "aws-v1-405", "aws-v1-hop") and a.cloud not in ("aws", "alibaba"):
        ap.error("--fault %s applies to aws and alibaba only" % a.fault)
    if a.fault == "oracle-v2-only" and a.cloud != "oracle":
        ap.error("--fault oracle-v2-only applies to oracle only")

    root = os.path.abspath(a.fixtures)
    tokens = Tokens()
    try:
        cloud = CLOUD_CLASSES[a.cloud](fixture_dir(root, a.cloud), a.fault, tokens)
        other = None
        if a.fault == "other-cloud":
            oname = a.other_cloud or OTHER_CLOUD[a.cloud]
            oroot = root if os.path.isdir(os.path.join(root, oname)) \
                else os.path.join(HERE, "fixtures")
            other = CLOUD_CLASSES[oname](os.path.join(oroot, oname), "none", Tokens())
    except (OSError, ValueError, KeyError) as e:
        print("mdserver: cannot load fixtures for %s: %s" % (a.cloud, e), file=sys.stderr)
        return 1

    try:
        log = JsonLog(a.log)
    except OSError as e:
        print("mdserver: cannot open log %s: %s" % (a.log, e), file=sys.stderr)
        return 1
    if a.cloud == "gcp":
        cloud.sa_token = a.gcp_token
        cloud.no_service_account = a.gcp_no_service_account
    faults = Faults(a.fault, a.fault_scope, 0, other, a.slow_delay)
    try:
        srv = make_server(a.bind, a.port, a.cloud, cloud, faults, log, a.hang_max)
    except OSError as e:
        print("mdserver: cannot listen on %s:%d: %s" % (a.bind, a.port, e), file=sys.stderr)
        return 1
    port = srv.server_address[1]
    faults.port = port
    servers = [srv]
    if a.fault in ("redirect", "redirect-local") and a.bind in ("127.0.0.1", "localhost"):
        # The redirect target 127.0.0.2:PORT answers too, so a client that
        # follows the redirect shows up in the log (as server 127.0.0.2:PORT).
        try:
            servers.append(make_server("127.0.0.2", port, a.cloud, cloud, faults,
                                       log, a.hang_max, elsewhere=True))
        except OSError as e:
            print("mdserver: warning: cannot listen on 127.0.0.2:%d: %s" % (port, e),
                  file=sys.stderr)

    def on_signal(signum, frame):
        STOP.set()
    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)
    signal.signal(signal.SIGHUP, on_signal)

    threads = []
    for s in servers:
        t = threading.Thread(target=s.serve_forever, kwargs={"poll_interval": 0.2},
                             daemon=True)
        t.start()
        threads.append(t)
    if a.port_file:
        write_port_file(a.port_file, port)

    while not STOP.wait(1.0):
        pass
    for s in servers:
        s.shutdown()
        s.server_close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
