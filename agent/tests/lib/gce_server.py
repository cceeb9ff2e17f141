#!/usr/bin/env python3
"""A Compute Engine API (compute v1, JSON) and OAuth2 token endpoint
emulator for the gcp control plane's tests, on 127.0.0.1: python3 stdlib
plus python3-cryptography (the RS256 check of the token request).

  gce_server.py --state DIR [--port N] [--port-file F] [--log F]
                [--project P]... [--service-account KEYFILE]...
                [--token TOKEN=EMAIL]... [--instance ZONE/NAME]...
                [--gcs-data DIR] [--instance-cmd CMD] [--op-delay S]
                [--token-uri URI] [--token-ttl S] [--refuse-creds] [--quota-at-launch]
                [--deny-retire]

The protocol, as documented:
 * OAuth 2.0 for Server to Server Applications
   (https://developers.google.com/identity/protocols/oauth2/service-account):
   POST /token, application/x-www-form-urlencoded,
   grant_type=urn:ietf:params:oauth:grant-type:jwt-bearer&assertion=JWT.
   The JWT's header must say RS256; its signature is checked against the
   public half of the key of the account named by "iss" (--service-account
   key files: client_email, private_key); "aud" must be the token URI
   (--token-uri, default https://oauth2.googleapis.com/token), "scope" must
   hold the compute or cloud-platform scope, "iat"/"exp" at most an hour
   apart and around now.  -> 200 {access_token, expires_in, token_type:
   "Bearer"}.  Refusals are 400 {error, error_description} with Google's
   texts: unsupported_grant_type, invalid_grant ("Invalid JWT Signature.",
   "Invalid grant: account not found", "Invalid JWT: Token must be a
   short-lived token (60 minutes) and in a reasonable timeframe..."),
   invalid_scope.
 * compute v1 (https://cloud.google.com/compute/docs/reference/rest/v1),
   every call with Authorization: Bearer TOKEN (a token this server issued,
   or --token TOKEN=EMAIL, e.g. the one the test metadata server hands out),
   else 401 UNAUTHENTICATED:
     GET  /compute/v1/projects/P                        projects.get
     GET  /compute/v1/projects/P/zones/Z                zones.get
     GET  .../zones/Z/machineTypes/MT                   machineTypes.get
          (architecture X86_64 or ARM64 by series, as the real answer has)
     POST /compute/v1/projects/P/global/images          images.insert
          rawDisk.source https://storage.googleapis.com/BUCKET/OBJECT, read
          from --gcs-data (lib/gcs_server.py's --data dir); like GCE
          ("Import a boot disk image", images/import-existing-image) the
          object must be a gzip'ed tar whose member is disk.raw, its size a
          whole number of GiB, else the operation ends with an error
     GET  .../global/images/N                           images.get
     GET|POST .../global/operations/OP[/wait]           globalOperations
     POST .../zones/Z/instances                         instances.insert
          (machineType, disks[boot, initializeParams.sourceImage],
          networkInterfaces, labels, metadata)
     GET  .../zones/Z/instances/N                       instances.get
     GET  .../zones/Z/instances/N/serialPort?port=1&start=S
          getSerialPortOutput: {contents, start, next} (int64s as strings),
          at most 1 MiB of contents per answer, as GCE
     POST .../zones/Z/instances/N/stop                  instances.stop
     DELETE .../zones/Z/instances/N                     instances.delete
     GET|POST .../zones/Z/operations/OP[/wait]          zoneOperations
   Inserts, stop and delete answer an Operation (status PENDING), which is
   RUNNING for --op-delay seconds and then DONE, with "error": {"errors":
   [{code, message}]} and httpErrorStatusCode when it failed
   (https://cloud.google.com/compute/docs/reference/rest/v1/zoneOperations).
   .../wait returns when the operation is DONE or after 2 minutes.
   Errors are Google's shape: {"error": {"code", "message", "errors":
   [{"message", "domain": "global", "reason"}], "status"}}.

Instances: instances.insert makes DIR/instances/NAME/disk.raw (a sparse
copy of the image's disk.raw) and console.log, and with --instance-cmd
starts CMD (sh -c) in its own process group with CM_INSTANCE_ID,
CM_INSTANCE_CLOUD=gcp, CM_INSTANCE_TYPE, CM_INSTANCE_DISK,
CM_INSTANCE_BOOT_MODE (uefi when the image has UEFI_COMPATIBLE, else bios)
and CM_INSTANCE_CONSOLE (the file getSerialPortOutput serves), and for a
gcp dressing CM_INSTANCE_PROJECT, CM_INSTANCE_ZONE and CM_INSTANCE_META
(the instance resource as inserted: labels, metadata items).  stop and
delete kill that group.  --instance ZONE/NAME: an instance that is already
running (the machine that retires itself).

--token-ttl S: issued tokens expire after S seconds (an hour, as Google's).

Faults: --refuse-creds: the token endpoint refuses every assertion
(invalid_grant) and compute every token (403 PERMISSION_DENIED).
--quota-at-launch: instances.insert's operation ends in QUOTA_EXCEEDED.
--deny-retire: instances.stop/delete answer 403 PERMISSION_DENIED.

--log F: one JSON line per call {"t", "op", "principal", "instance",
"status", "host"} (op: "token", "zones.get", "instances.stop", ...; host:
the request's Host header, so a test sees that a client sent through
--api-endpoint still names the real API host)."""
import argparse
import base64
import gzip
import json
import os
import random
import re
import signal
import subprocess
import sys
import tarfile
import threading
import time
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding

GiB = 1 << 30
SERIAL_MAX = 1 << 20
WAIT_MAX = 120.0
GRANT = "urn:ietf:params:oauth:grant-type:jwt-bearer"
SCOPES_OK = ("https://www.googleapis.com/auth/compute",
             "https://www.googleapis.com/auth/cloud-platform")
NAME_RE = re.compile(r"^[a-z]([-a-z0-9]{0,61}[a-z0-9])?$")
ZONE_RE = re.compile(r"^[a-z]+-[a-z]+[0-9]+-[a-z]$")
# machine series -> architecture (machineTypes.get's "architecture")
SERIES = {s: "X86_64" for s in ("e2", "n1", "n2", "n2d", "n4", "n4d", "c2", "c2d", "c3",
                                 "c3d", "c4", "c4d", "t2d", "m1", "m2", "m3", "h3",
                                 "z3", "a2", "a3", "g2", "x4")}
SERIES.update({s: "ARM64" for s in ("t2a", "c4a", "n4a")})
UEFI_ONLY = ("t2a", "c4a", "n4a")
GVNIC_ONLY = ("c3", "c3d", "c4", "c4a", "c4d", "n4", "n4a", "n4d", "h3", "z3",
              "a3", "x4")


def b64url_decode(s):
    return base64.urlsafe_b64decode(s + "=" * (-len(s) % 4))


class Fail(Exception):
    """An HTTP error in Google's shape."""

    def __init__(self, code, status, reason, message):
        super().__init__(message)
        self.code, self.status, self.reason, self.message = code, status, reason, message

    def body(self):
        return {"error": {"code": self.code, "message": self.message,
                          "errors": [{"message": self.message, "domain": "global",
                                      "reason": self.reason}],
                          "status": self.status}}


def not_found(what):
    return Fail(404, "NOT_FOUND", "notFound", "The resource '%s' was not found" % what)


def forbidden(perm, what):
    return Fail(403, "PERMISSION_DENIED", "forbidden",
                "Required '%s' permission for '%s'" % (perm, what))


def bad(message):
    return Fail(400, "INVALID_ARGUMENT", "badRequest", message)


class OAuthFail(Exception):
    def __init__(self, error, desc):
        super().__init__(desc)
        self.error, self.desc = error, desc


def now_rfc3339():
    return time.strftime("%Y-%m-%dT%H:%M:%S.000-00:00", time.gmtime())


def new_id():
    return str(random.randrange(10 ** 18, 10 ** 19))


def sparse_write(src, dst_path, size_hint=None):
    """Copies the file object src to dst_path, seeking over zero blocks."""
    zero = bytes(1 << 20)
    n = 0
    with open(dst_path, "wb") as out:
        while True:
            b = src.read(1 << 20)
            if not b:
                break
            if b == zero[:len(b)]:
                out.seek(len(b), os.SEEK_CUR)
            else:
                out.write(b)
            n += len(b)
        out.truncate(n)
    return n


def sparse_copy(src_path, dst_path):
    """Copies a sparse file's data extents only (SEEK_DATA/SEEK_HOLE)."""
    size = os.path.getsize(src_path)
    with open(src_path, "rb") as src, open(dst_path, "wb") as out:
        fd, off = src.fileno(), 0
        while off < size:
            try:
                off = os.lseek(fd, off, os.SEEK_DATA)
            except OSError:         # ENXIO: no data past off
                break
            end = os.lseek(fd, off, os.SEEK_HOLE)
            src.seek(off)
            out.seek(off)
            while off < end:
                b = src.read(min(1 << 20, end - off))
                out.write(b)
                off += len(b)
        out.truncate(size)


class State:
    def __init__(self, a):
        self.a = a
        self.lock = threading.Condition()
        self.faults_left = {}     # --fail-5xx: calls still to fail, per spec
        self.projects = set(a.project or ["test-project"])
        self.accounts = {}          # email -> public key
        self.tokens = {}            # token -> (email, expiry)
        self.images = {}            # (project, name) -> resource
        self.instances = {}         # (project, zone, name) -> resource
        self.procs = {}             # (project, zone, name) -> Popen
        self.ops = {}               # (scope, name) -> resource
        self.extracted = {}         # (object, size, mtime) -> (disk.raw, size or Fail)
        self.log_lock = threading.Lock()
        for path in a.service_account or []:
            with open(path) as f:
                k = json.load(f)
            key = serialization.load_pem_private_key(k["private_key"].encode(), None)
            self.accounts[k["client_email"]] = key.public_key()
        for t in a.token or []:
            tok, _, email = t.partition("=")
            self.tokens[tok] = (email or "static@test", time.time() + 86400 * 365)
        for d in ("images", "instances"):
            os.makedirs(os.path.join(a.state, d), exist_ok=True)
        for spec in a.instance or []:
            zone, _, name = spec.partition("/")
            p = sorted(self.projects)[0]
            self.instances[(p, zone, name)] = {
                "kind": "compute#instance", "id": new_id(), "name": name,
                "zone": self.zone_url(p, zone), "status": "RUNNING",
                "machineType": self.zone_url(p, zone) + "/machineTypes/e2-small",
                "selfLink": "%s/instances/%s" % (self.zone_url(p, zone), name),
            }

    @staticmethod
    def base():
        return "https://www.googleapis.com/compute/v1/projects/"

    def zone_url(self, p, z):
        return "%s%s/zones/%s" % (self.base(), p, z)

    def log(self, op, principal, instance, status, host=None):
        if not self.a.log:
            return
        line = json.dumps({"t": time.time(), "op": op, "principal": principal,
                           "instance": instance, "status": status, "host": host})
        with self.log_lock, open(self.a.log, "a") as f:
            f.write(line + "\n")

    # --- operations -----------------------------------------------------
    def new_op(self, project, zone, optype, target, principal, work):
        name = "operation-%d-%s" % (int(time.time() * 1000), "%012x" % random.getrandbits(48))
        op = {"kind": "compute#operation", "id": new_id(), "name": name,
              "operationType": optype, "targetLink": target, "targetId": new_id(),
              "status": "PENDING", "user": principal, "progress": 0,
              "insertTime": now_rfc3339()}
        if zone:
            op["zone"] = self.zone_url(project, zone)
            op["selfLink"] = "%s/operations/%s" % (op["zone"], name)
            scope = (project, zone)
        else:
            op["selfLink"] = "%s%s/global/operations/%s" % (self.base(), project, name)
            scope = (project, None)
        with self.lock:
            self.ops[(scope, name)] = op
        threading.Thread(target=self.run_op, args=(op, work), daemon=True).start()
        return dict(op)

    def run_op(self, op, work):
        time.sleep(min(0.1, self.a.op_delay))
        with self.lock:
            op["status"], op["startTime"], op["progress"] = "RUNNING", now_rfc3339(), 0
        time.sleep(self.a.op_delay)
        err = None
        try:
            work()
        except Fail as e:
            err = e
        except Exception as e:      # an emulator bug shows as an op error
            err = Fail(500, "INTERNAL", "backendError", "internal: %r" % e)
        with self.lock:
            if err:
                code = err.reason if err.reason.isupper() else err.status
                op["error"] = {"errors": [{"code": code, "message": err.message}]}
                op["httpErrorStatusCode"] = err.code
                op["httpErrorMessage"] = {400: "BAD REQUEST", 403: "FORBIDDEN",
                                          404: "NOT FOUND"}.get(err.code, "ERROR")
            op["status"], op["progress"], op["endTime"] = "DONE", 100, now_rfc3339()
            self.lock.notify_all()

    def get_op(self, project, zone, name, wait):
        key = ((project, zone), name)
        end = time.time() + min(WAIT_MAX, self.a.wait_max)
        with self.lock:
            if key not in self.ops:
                where = ("projects/%s/zones/%s" % (project, zone) if zone
                         else "projects/%s/global" % project)
                raise not_found("%s/operations/%s" % (where, name))
            while wait and self.ops[key]["status"] != "DONE" and time.time() < end:
                self.lock.wait(max(0.0, end - time.time()))
            return dict(self.ops[key])

    # --- images ---------------------------------------------------------
    def object_path(self, source):
        u = urllib.parse.urlsplit(source)
        if u.scheme != "https" or u.netloc not in ("storage.googleapis.com",
                                                    "storage.cloud.google.com"):
            raise bad("Invalid value for field 'resource.rawDisk.source': '%s'. "
                      "The URL must be a Cloud Storage URL." % source)
        bucket, _, obj = u.path.lstrip("/").partition("/")
        obj = urllib.parse.unquote(obj)
        return os.path.join(self.a.gcs_data or "/nonexistent", "objects", bucket,
                            urllib.parse.quote(obj, safe=""))

    def import_raw(self, image, path, dest_dir):
        if not os.path.isfile(path):
            raise Fail(404, "NOT_FOUND", "RESOURCE_NOT_FOUND",
                       "The resource '%s' was not found" % image["rawDisk"]["source"])
        os.makedirs(dest_dir, exist_ok=True)
        disk = os.path.join(dest_dir, "disk.raw")
        # the same object imported again (tests launch one image many
        # times): its disk.raw from the first import, not 1 GiB unzipped
        # again; the checks are the same, their outcome kept with it
        st = os.stat(path)
        key = (path, st.st_size, st.st_mtime_ns)
        with self.lock:
            done = self.extracted.get(key)
        if done and isinstance(done[1], Fail):
            raise done[1]
        if done:
            sparse_copy(done[0], disk)
            image["diskSizeGb"] = str(done[1] // GiB)
            image["archiveSizeBytes"] = str(st.st_size)
            return
        try:
            self.extract(image, path, disk)
        except Fail as e:
            with self.lock:
                self.extracted[key] = (disk, e)
            raise
        with self.lock:
            self.extracted[key] = (disk, os.path.getsize(disk))

    def extract(self, image, path, disk):
        try:
            with open(path, "rb") as f:
                if f.read(2) != b"\x1f\x8b":
                    raise ValueError("not gzip-compressed")
                f.seek(0)
                with tarfile.open(fileobj=f, mode="r|gz") as tar:
                    member = tar.next()
                    if member is None or member.name != "disk.raw" or not member.isfile():
                        raise ValueError("its first member is %r, not the file disk.raw"
                                         % (member.name if member else None))
                    n = sparse_write(tar.extractfile(member), disk)
                    if tar.next() is not None:
                        raise ValueError("more than one member")
        except (ValueError, OSError, EOFError, tarfile.TarError, gzip.BadGzipFile) as e:
            raise Fail(400, "INVALID_ARGUMENT", "INVALID_USAGE",
                       "Invalid image file %s: a gzip-compressed tar archive holding "
                       "disk.raw is required: %s" % (image["rawDisk"]["source"], e))
        if n == 0 or n % GiB:
            raise Fail(400, "INVALID_ARGUMENT", "INVALID_USAGE",
                       "Invalid image file %s: the size of disk.raw (%d bytes) must be "
                       "a multiple of 1 GB" % (image["rawDisk"]["source"], n))
        image["diskSizeGb"] = str(n // GiB)
        image["archiveSizeBytes"] = str(os.path.getsize(path))

    # --- instances ------------------------------------------------------
    def start_instance(self, key, inst, image_dir, boot_mode, mtype):
        p, z, name = key
        d = os.path.join(self.a.state, "instances", name)
        os.makedirs(d, exist_ok=True)
        disk, console = os.path.join(d, "disk.raw"), os.path.join(d, "console.log")
        sparse_copy(os.path.join(image_dir, "disk.raw"), disk)
        open(console, "ab").close()
        with open(os.path.join(d, "instance.json"), "w") as f:
            json.dump(inst, f, indent=1)
        if self.a.instance_cmd:
            env = dict(os.environ, CM_INSTANCE_ID=name, CM_INSTANCE_CLOUD="gcp",
                       CM_INSTANCE_TYPE=mtype, CM_INSTANCE_DISK=disk,
                       CM_INSTANCE_BOOT_MODE=boot_mode, CM_INSTANCE_CONSOLE=console,
                       CM_INSTANCE_META=os.path.join(d, "instance.json"),
                       CM_INSTANCE_PROJECT=p, CM_INSTANCE_ZONE=z)
            self.procs[key] = subprocess.Popen(["sh", "-c", self.a.instance_cmd], env=env,
                                               start_new_session=True,
                                               stdin=subprocess.DEVNULL)
        with self.lock:
            inst["status"] = "RUNNING"

    def kill(self, key):
        proc = self.procs.pop(key, None)
        if proc and proc.poll() is None:
            try:
                os.killpg(proc.pid, signal.SIGTERM)
                proc.wait(5)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait()
            except ProcessLookupError:
                pass

    def console_path(self, name):
        return os.path.join(self.a.state, "instances", name, "console.log")


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "ESF"

    def log_message(self, fmt, *args):
        pass

    def send_json(self, code, obj):
        body = json.dumps(obj).encode()
        self.send_response(code)
        self.send_header("Content-Type", "application/json; charset=UTF-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def body(self):
        n = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(n) if n else b""

    def do_GET(self):
        self.dispatch("GET")

    def do_POST(self):
        self.dispatch("POST")

    def do_DELETE(self):
        self.dispatch("DELETE")

    def dispatch(self, method):
        st = self.server.st
        u = urllib.parse.urlsplit(self.path)
        q = dict(urllib.parse.parse_qsl(u.query))
        body = self.body()
        if u.path == "/token" and method == "POST":
            if self.injected(st, "token"):
                return
            return self.token(st, body)
        op, principal, instance = "unknown", None, None
        try:
            op, instance, handler, args = self.route(method, u.path)
            if self.injected(st, op):
                return
            principal = self.auth(st, op)
            code, obj = handler(st, principal, q, body, *args)
        except Fail as e:
            code, obj = e.code, e.body()
        except Exception as e:      # an emulator bug: a 500 in Google's shape
            code, obj = 500, Fail(500, "INTERNAL", "backendError", "internal: %r" % e).body()
        st.log(op, principal, instance, code, self.headers.get("Host"))
        self.send_json(code, obj)

    def injected(self, st, op):
        """--fail-5xx OP:N[:STATUS]: the first N calls of OP (N=0: every call;
        OP "token" is the token endpoint) answer STATUS (503 by default), as a
        passing backend fault would.  True when this call was answered so."""
        with st.lock:
            for spec in st.a.fail_5xx or []:
                name, n, *code = spec.split(":")
                left = st.faults_left.setdefault(spec, int(n) or -1) if name == op else 0
                if left == 0:
                    continue
                st.faults_left[spec] = left - 1 if left > 0 else -1
                break
            else:
                return False
        code = int(code[0]) if code else 503
        st.log(op, None, None, code, self.headers.get("Host"))
        self.send_json(code, Fail(code, "UNAVAILABLE" if code == 503 else "INTERNAL", "backendError",
                                  "injected fault (--fail-5xx %s)" % spec).body())
        return True

    def auth(self, st, op):
        h = self.headers.get("Authorization", "")
        tok = h[7:] if h.startswith("Bearer ") else None
        with st.lock:
            who = st.tokens.get(tok) if tok else None
        if not who or who[1] < time.time():
            raise Fail(401, "UNAUTHENTICATED", "authError",
                       "Request had invalid authentication credentials. Expected OAuth 2 "
                       "access token, login cookie or other valid authentication "
                       "credential. See https://developers.google.com/identity/sign-in/"
                       "web/devconsole-project.")
        if st.a.refuse_creds:
            raise forbidden("compute.%s" % op, "projects/*")
        return who[0]

    ROUTES = [
        ("GET", r"/compute/v1/projects/([^/]+)", "projects.get", "projects_get"),
        ("GET", r"/compute/v1/projects/([^/]+)/zones/([^/]+)", "zones.get", "zones_get"),
        ("GET", r"/compute/v1/projects/([^/]+)/zones/([^/]+)/machineTypes/([^/]+)",
         "machineTypes.get", "machine_type"),
        ("POST", r"/compute/v1/projects/([^/]+)/global/images", "images.insert",
         "images_insert"),
        ("GET", r"/compute/v1/projects/([^/]+)/global/images/([^/]+)", "images.get",
         "images_get"),
        ("GET", r"/compute/v1/projects/([^/]+)/global/operations/([^/]+)",
         "globalOperations.get", "gop_get"),
        ("POST", r"/compute/v1/projects/([^/]+)/global/operations/([^/]+)/wait",
         "globalOperations.wait", "gop_wait"),
        ("GET", r"/compute/v1/projects/([^/]+)/zones/([^/]+)/operations/([^/]+)",
         "zoneOperations.get", "zop_get"),
        ("POST", r"/compute/v1/projects/([^/]+)/zones/([^/]+)/operations/([^/]+)/wait",
         "zoneOperations.wait", "zop_wait"),
        ("POST", r"/compute/v1/projects/([^/]+)/zones/([^/]+)/instances",
         "instances.insert", "instances_insert"),
        ("GET", r"/compute/v1/projects/([^/]+)/zones/([^/]+)/instances/([^/]+)",
         "instances.get", "instances_get"),
        ("GET", r"/compute/v1/projects/([^/]+)/zones/([^/]+)/instances/([^/]+)/serialPort",
         "instances.getSerialPortOutput", "serial"),
        ("POST", r"/compute/v1/projects/([^/]+)/zones/([^/]+)/instances/([^/]+)/stop",
         "instances.stop", "instances_stop"),
        ("DELETE", r"/compute/v1/projects/([^/]+)/zones/([^/]+)/instances/([^/]+)",
         "instances.delete", "instances_delete"),
    ]

    def route(self, method, path):
        for m, rx, op, fn in self.ROUTES:
            hit = re.fullmatch(rx, path)
            if hit and m == method:
                args = hit.groups()
                inst = args[2] if op.startswith("instances.") and len(args) > 2 else None
                return op, inst, getattr(Handler, "h_" + fn), args
        raise Fail(404, "NOT_FOUND", "notFound", "Not Found: %s %s" % (method, path))

    # --- the token endpoint -------------------------------------------------
    def token(self, st, body):
        principal = None
        try:
            form = dict(urllib.parse.parse_qsl(body.decode("ascii", "replace")))
            if form.get("grant_type") != GRANT:
                raise OAuthFail("unsupported_grant_type",
                                "Invalid grant_type: %s" % form.get("grant_type", ""))
            principal = self.check_jwt(st, form.get("assertion", ""))
            tok = "ya29.emu-%032x" % random.getrandbits(128)
            with st.lock:
                st.tokens[tok] = (principal, time.time() + st.a.token_ttl)
            st.log("token", principal, None, 200, self.headers.get("Host"))
            return self.send_json(200, {"access_token": tok,
                                        "expires_in": max(1, int(st.a.token_ttl) - 1),
                                        "token_type": "Bearer"})
        except OAuthFail as e:
            st.log("token", principal, None, 400, self.headers.get("Host"))
            return self.send_json(400, {"error": e.error, "error_description": e.desc})

    def check_jwt(self, st, jwt):
        parts = jwt.split(".")
        try:
            if len(parts) != 3:
                raise ValueError
            hdr = json.loads(b64url_decode(parts[0]))
            claims = json.loads(b64url_decode(parts[1]))
            sig = b64url_decode(parts[2])
        except (ValueError, TypeError):
            raise OAuthFail("invalid_grant", "Invalid JWT: not three base64url parts")
        if hdr.get("alg") != "RS256":
            raise OAuthFail("invalid_grant", "Invalid JWT: the algorithm must be RS256")
        iss = claims.get("iss")
        if st.a.refuse_creds or iss not in st.accounts:
            raise OAuthFail("invalid_grant", "Invalid grant: account not found")
        try:
            st.accounts[iss].verify(sig, (parts[0] + "." + parts[1]).encode(),
                                    padding.PKCS1v15(), hashes.SHA256())
        except InvalidSignature:
            raise OAuthFail("invalid_grant", "Invalid JWT Signature.")
        if claims.get("aud") != st.a.token_uri:
            raise OAuthFail("invalid_grant", "Invalid JWT: Failed audience check. The "
                            "right audience is %s" % st.a.token_uri)
        iat, exp, now = claims.get("iat"), claims.get("exp"), time.time()
        if (not isinstance(iat, int) or not isinstance(exp, int) or exp <= iat or
                exp - iat > 3600 or iat > now + 300 or exp < now):
            raise OAuthFail("invalid_grant", "Invalid JWT: Token must be a short-lived "
                            "token (60 minutes) and in a reasonable timeframe. Check your "
                            "iat and exp values in the JWT claim.")
        scopes = str(claims.get("scope", "")).split()
        if not any(s in SCOPES_OK for s in scopes):
            raise OAuthFail("invalid_scope", "Invalid OAuth scope or ID token audience "
                            "provided.")
        return iss

    # --- compute --------------------------------------------------------------
    @staticmethod
    def project(st, p):
        if p not in st.projects:
            raise not_found("projects/%s" % p)

    @staticmethod
    def zone(st, p, z):
        Handler.project(st, p)
        if not ZONE_RE.match(z):
            raise not_found("projects/%s/zones/%s" % (p, z))

    def h_projects_get(st, who, q, body, p):
        Handler.project(st, p)
        return 200, {"kind": "compute#project", "id": "1234567890", "name": p,
                     "selfLink": State.base() + p}

    def h_zones_get(st, who, q, body, p, z):
        Handler.zone(st, p, z)
        return 200, {"kind": "compute#zone", "id": "2000", "name": z, "status": "UP",
                     "region": "%s%s/regions/%s" % (State.base(), p, z.rsplit("-", 1)[0]),
                     "selfLink": st.zone_url(p, z)}

    @staticmethod
    def machine(st, p, z, mt):
        Handler.zone(st, p, z)
        series = mt.split("-", 1)[0]
        hit = re.fullmatch(r"[a-z0-9]+-(standard|highmem|highcpu|micro|small|medium|"
                           r"ultramem|megamem|custom)(-[0-9]+)?", mt)
        if series not in SERIES or not hit:
            raise not_found("projects/%s/zones/%s/machineTypes/%s" % (p, z, mt))
        cpus = int(mt.rsplit("-", 1)[1]) if mt.rsplit("-", 1)[1].isdigit() else 2
        return {"kind": "compute#machineType", "id": "801%04d" % cpus,
                "creationTimestamp": "1969-12-31T16:00:00.000-08:00", "name": mt,
                "description": "%d vCPUs" % cpus, "guestCpus": cpus,
                "memoryMb": cpus * 4096, "imageSpaceGb": 0,
                "maximumPersistentDisks": 128, "maximumPersistentDisksSizeGb": "263168",
                "zone": z, "selfLink": "%s/machineTypes/%s" % (st.zone_url(p, z), mt),
                "isSharedCpu": False, "architecture": SERIES[series]}

    def h_machine_type(st, who, q, body, p, z, mt):
        return 200, Handler.machine(st, p, z, mt)

    def h_images_insert(st, who, q, body, p):
        Handler.project(st, p)
        try:
            img = json.loads(body)
        except ValueError:
            raise bad("Invalid JSON payload received.")
        name = img.get("name", "")
        if not NAME_RE.match(name):
            raise bad("Invalid value for field 'resource.name': '%s'. Must be a match of "
                      "regex '(?:[a-z](?:[-a-z0-9]{0,61}[a-z0-9])?)'" % name)
        source = (img.get("rawDisk") or {}).get("source", "")
        path = st.object_path(source)
        with st.lock:
            if (p, name) in st.images:
                raise Fail(409, "ALREADY_EXISTS", "alreadyExists", "The resource "
                           "'projects/%s/global/images/%s' already exists" % (p, name))
            res = {"kind": "compute#image", "id": new_id(), "name": name,
                   "creationTimestamp": now_rfc3339(), "sourceType": "RAW",
                   "rawDisk": {"source": source, "containerType": "TAR"},
                   "status": "PENDING",
                   "guestOsFeatures": img.get("guestOsFeatures", []),
                   "architecture": img.get("architecture", "X86_64"),
                   "selfLink": "%s%s/global/images/%s" % (State.base(), p, name)}
            st.images[(p, name)] = res
        d = os.path.join(st.a.state, "images", name)

        def work():
            try:
                st.import_raw(res, path, d)
            except Fail:
                res["status"] = "FAILED"
                raise
            res["status"] = "READY"
            with open(os.path.join(d, "image.json"), "w") as f:
                json.dump(res, f, indent=1)
        return 200, st.new_op(p, None, "insert", res["selfLink"], who, work)

    def h_images_get(st, who, q, body, p, name):
        Handler.project(st, p)
        with st.lock:
            if (p, name) not in st.images:
                raise not_found("projects/%s/global/images/%s" % (p, name))
            return 200, dict(st.images[(p, name)])

    def h_gop_get(st, who, q, body, p, name):
        Handler.project(st, p)
        return 200, st.get_op(p, None, name, False)

    def h_gop_wait(st, who, q, body, p, name):
        Handler.project(st, p)
        return 200, st.get_op(p, None, name, True)

    def h_zop_get(st, who, q, body, p, z, name):
        Handler.zone(st, p, z)
        return 200, st.get_op(p, z, name, False)

    def h_zop_wait(st, who, q, body, p, z, name):
        Handler.zone(st, p, z)
        return 200, st.get_op(p, z, name, True)

    @staticmethod
    def image_of(st, p, source):
        m = re.search(r"(?:projects/([^/]+)/)?global/images/([^/]+)$", source or "")
        ip = (m.group(1) or p) if m else None
        with st.lock:
            img = st.images.get((ip, m.group(2))) if m else None
        if not img or img["status"] != "READY":
            raise not_found(source or "sourceImage")
        return img

    def h_instances_insert(st, who, q, body, p, z):
        Handler.zone(st, p, z)
        try:
            req = json.loads(body)
        except ValueError:
            raise bad("Invalid JSON payload received.")
        name = req.get("name", "")
        if not NAME_RE.match(name):
            raise bad("Invalid value for field 'resource.name': '%s'." % name)
        mt = (req.get("machineType") or "").rsplit("/", 1)[-1]
        mres = Handler.machine(st, p, z, mt)
        disks = req.get("disks") or []
        boot = [d for d in disks if d.get("boot")]
        if len(boot) != 1:
            raise bad("Invalid value for field 'resource.disks': exactly one boot disk "
                      "is required.")
        img = Handler.image_of(st, p, (boot[0].get("initializeParams") or {})
                               .get("sourceImage"))
        nics = req.get("networkInterfaces") or []
        if not nics:
            raise bad("Invalid value for field 'resource.networkInterfaces': at least "
                      "one network interface is required.")
        feats = {f.get("type") for f in img.get("guestOsFeatures", [])}
        series = mt.split("-", 1)[0]
        if series in UEFI_ONLY and "UEFI_COMPATIBLE" not in feats:
            raise bad("Invalid resource usage: 'Machine type %s requires an image with "
                      "the UEFI_COMPATIBLE guest OS feature.'" % mt)
        if img.get("architecture", "X86_64") != mres["architecture"]:
            raise bad("Invalid resource usage: 'The image architecture %s does not "
                      "match the machine type architecture %s.'"
                      % (img.get("architecture"), mres["architecture"]))
        gvnic = any(n.get("nicType") == "GVNIC" for n in nics)
        if (gvnic or series in GVNIC_ONLY) and "GVNIC" not in feats:
            raise bad("Invalid resource usage: 'gVNIC requires an image with the GVNIC "
                      "guest OS feature.'")
        key = (p, z, name)
        with st.lock:
            old = st.instances.get(key)
            if old and old["status"] != "DELETED":
                raise Fail(409, "ALREADY_EXISTS", "alreadyExists", "The resource "
                           "'projects/%s/zones/%s/instances/%s' already exists"
                           % (p, z, name))
            inst = {"kind": "compute#instance", "id": new_id(), "name": name,
                    "zone": st.zone_url(p, z), "status": "PROVISIONING",
                    "machineType": mres["selfLink"], "labels": req.get("labels", {}),
                    "metadata": req.get("metadata", {}), "disks": disks,
                    "networkInterfaces": nics,
                    "selfLink": "%s/instances/%s" % (st.zone_url(p, z), name)}
            st.instances[key] = inst
        boot_mode = "uefi" if "UEFI_COMPATIBLE" in feats else "bios"
        image_dir = os.path.join(st.a.state, "images", img["name"])

        def work():
            if st.a.quota_at_launch:
                with st.lock:
                    inst["status"] = "DELETED"
                raise Fail(403, "FORBIDDEN", "QUOTA_EXCEEDED",
                           "Quota 'CPUS' exceeded.  Limit: 0.0 in region %s."
                           % z.rsplit("-", 1)[0])
            st.start_instance(key, inst, image_dir, boot_mode, mt)
        return 200, st.new_op(p, z, "insert", inst["selfLink"], who, work)

    @staticmethod
    def instance(st, p, z, name):
        Handler.zone(st, p, z)
        with st.lock:
            inst = st.instances.get((p, z, name))
        if not inst or inst["status"] == "DELETED":
            raise not_found("projects/%s/zones/%s/instances/%s" % (p, z, name))
        return inst

    def h_instances_get(st, who, q, body, p, z, name):
        return 200, dict(Handler.instance(st, p, z, name))

    def h_serial(st, who, q, body, p, z, name):
        inst = Handler.instance(st, p, z, name)
        port = q.get("port", "1")
        try:
            start = int(q.get("start", "0"))
        except ValueError:
            raise bad("Invalid value for field 'start': '%s'." % q.get("start"))
        data = b""
        if port == "1":
            try:
                with open(st.console_path(name), "rb") as f:
                    data = f.read()
            except OSError:
                pass
        start = max(0, min(start, len(data)))
        chunk = data[start:start + SERIAL_MAX]
        return 200, {"kind": "compute#serialPortOutput",
                     "contents": chunk.decode("utf-8", "replace"),
                     "start": str(start), "next": str(start + len(chunk)),
                     "selfLink": inst["selfLink"] + "/serialPort"}

    def retire(st, who, p, z, name, delete):
        key = (p, z, name)
        inst = Handler.instance(st, p, z, name)
        if st.a.deny_retire:
            raise forbidden("compute.instances.%s" % ("delete" if delete else "stop"),
                            "projects/%s/zones/%s/instances/%s" % (p, z, name))

        def work():
            st.kill(key)
            with st.lock:
                inst["status"] = "DELETED" if delete else "TERMINATED"
        with st.lock:
            inst["status"] = "STOPPING"
        return 200, st.new_op(p, z, "delete" if delete else "stop", inst["selfLink"],
                              who, work)

    def h_instances_stop(st, who, q, body, p, z, name):
        return Handler.retire(st, who, p, z, name, False)

    def h_instances_delete(st, who, q, body, p, z, name):
        return Handler.retire(st, who, p, z, name, True)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--state", required=True)
    ap.add_argument("--port", type=int, default=0)
    ap.add_argument("--port-file")
    ap.add_argument("--log")
    ap.add_argument("--project", action="append")
    ap.add_argument("--service-account", action="append", metavar="KEYFILE")
    ap.add_argument("--token", action="append", metavar="TOKEN=EMAIL")
    ap.add_argument("--instance", action="append", metavar="ZONE/NAME")
    ap.add_argument("--gcs-data")
    ap.add_argument("--instance-cmd")
    ap.add_argument("--op-delay", type=float, default=0.3)
    ap.add_argument("--wait-max", type=float, default=WAIT_MAX)
    ap.add_argument("--token-uri", default="https://oauth2.googleapis.com/token")
    ap.add_argument("--token-ttl", type=float, default=3600.0)
    ap.add_argument("--refuse-creds", action="store_true")
    ap.add_argument("--quota-at-launch", action="store_true")
    ap.add_argument("--deny-retire", action="store_true")
    ap.add_argument("--fail-5xx", action="append", metavar="OP:N[:STATUS]")
    a = ap.parse_args()
    st = State(a)
    srv = ThreadingHTTPServer(("127.0.0.1", a.port), Handler)
    srv.daemon_threads = True
    srv.st = st
    if a.port_file:
        tmp = a.port_file + ".tmp"
        with open(tmp, "w") as f:
            f.write("%d\n" % srv.server_address[1])
        os.replace(tmp, a.port_file)

    def stop(signum, frame):
        for key in list(st.procs):
            st.kill(key)
        sys.exit(0)
    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    srv.serve_forever()


if __name__ == "__main__":
    main()
