#!/usr/bin/env python3
"""An Azure Resource Manager (ARM) and Azure AD token endpoint emulator for
the azure control-plane tests, on 127.0.0.1, python3 stdlib only.  It
speaks the real wire formats (JSON, ?api-version= required and checked,
errors as {"error": {"code", "message"}}, long-running operations through
Azure-AsyncOperation and Location headers) for what `cloudmove launch
--target azure` and `cloudmove retire` on an azure VM use:

  POST /TENANT/oauth2/v2.0/token   (Host login.microsoftonline.com)
        grant_type=client_credentials, client_id, client_secret,
        scope=https://management.azure.com/.default
        -> 200 {"token_type": "Bearer", "expires_in": 3599,
                "ext_expires_in": 3599, "access_token": "..."}
        refusals as AAD sends them: 400/401 {"error": "invalid_client",
        "error_description": "AADSTS7000215: ...", "error_codes": [...],
        "timestamp", "trace_id", "correlation_id", "error_uri"}
        https://learn.microsoft.com/entra/identity-platform/v2-oauth2-client-creds-grant-flow
  Every ARM call needs Authorization: Bearer TOKEN, a token issued here
  or one given with --mi-token (the managed identity the test metadata
  server hands out): else 401 AuthenticationFailed /
  InvalidAuthenticationToken with WWW-Authenticate; a token older than
  --token-ttl (default 3600 s): 401 ExpiredAuthenticationToken.
  GET  /subscriptions/SUB?api-version=2022-12-01
        -> the subscription (subscriptionId, displayName, state Enabled,
        tenantId); unknown: 404 SubscriptionNotFound
        https://learn.microsoft.com/rest/api/resources/subscriptions/get
  GET  /subscriptions/SUB/providers/Microsoft.Compute/skus
        ?api-version=2021-07-01[&$filter=location eq 'LOC']
        -> {"value": [ResourceSku...], "nextLink"}; capabilities
        HyperVGenerations ("V1,V2"), CpuArchitectureType (x64|Arm64),
        AcceleratedNetworkingEnabled; restrictions.  --skus-page N pages
        the list (nextLink with a $skiptoken), as the API may.
        https://learn.microsoft.com/rest/api/compute/resource-skus/list
  PUT  .../resourceGroups/RG/providers/Microsoft.Compute/disks/NAME
        ?api-version=2024-03-02  {location, properties: {osType,
        hyperVGeneration V1|V2, creationData: {createOption: Import,
        sourceUri: https://ACCOUNT.blob.core.windows.net/C/B, storageAccountId
        .../storageAccounts/ACCOUNT}}}
        -> 202 + Azure-AsyncOperation + Location.  The blob is read from
        azurite (--blob-endpoint, Shared Key with the devstoreaccount1
        key) and must be a fixed VHD (footer cookie "conectix", virtual
        size a multiple of 1 MiB), else the operation fails.
        https://learn.microsoft.com/rest/api/compute/disks/create-or-update
        https://learn.microsoft.com/azure/virtual-machines/linux/create-upload-generic
  GET  .../disks/NAME   the disk (provisioningState, diskState Unattached|
        Attached|Reserved, hyperVGeneration, diskSizeBytes)
  PUT  .../providers/Microsoft.Network/networkInterfaces/NAME
        ?api-version=2024-05-01  {location, properties: {ipConfigurations:
        [{name, properties: {subnet: {id: .../virtualNetworks/V/subnets/S}}}]}}
        -> 201 + Azure-AsyncOperation
        https://learn.microsoft.com/rest/api/virtualnetwork/network-interfaces/create-or-update
  PUT  .../providers/Microsoft.Compute/virtualMachines/NAME
        ?api-version=2024-07-01  {location, tags, properties:
        {hardwareProfile: {vmSize}, storageProfile: {osDisk: {osType Linux,
        createOption Attach, managedDisk: {id}}}, networkProfile:
        {networkInterfaces: [{id}]}, diagnosticsProfile: {bootDiagnostics:
        {enabled: true}}}}
        -> 201 + Azure-AsyncOperation; the VM size must exist in the
        location and boot the disk's generation; the disk must be
        Unattached.  The "instance" starts (--instance-cmd).
        https://learn.microsoft.com/rest/api/compute/virtual-machines/create-or-update
  POST .../virtualMachines/NAME/retrieveBootDiagnosticsData
        ?api-version=2024-07-01[&sasUriExpirationTimeInMinutes=N]
        -> 200 {"consoleScreenshotBlobUri", "serialConsoleLogBlobUri":
        "https://md-XXXX.blob.core.windows.net/bootdiag-VM/VM.serialconsole.log?sv=..&sig=.."}
        https://learn.microsoft.com/rest/api/compute/virtual-machines/retrieve-boot-diagnostics-data
  GET  /bootdiag-VM/VM.serialconsole.log?...&sig=...  (Host md-XXXX.blob.
        core.windows.net): the console file, when the SAS is the one issued
        (else 403 AuthenticationFailed in Storage's XML shape)
  POST .../virtualMachines/NAME/deallocate | powerOff, DELETE .../NAME
        -> 202 + Azure-AsyncOperation + Location; the instance is stopped
        https://learn.microsoft.com/rest/api/compute/virtual-machines/deallocate
  GET  /subscriptions/SUB/providers/Microsoft.Compute/locations/LOC/operations/ID
        the operation status: {"status": "InProgress"} for --lro-delay
        seconds, then "Succeeded" (+ properties.output when there is one)
        or "Failed" + error {code, message}
        https://learn.microsoft.com/azure/azure-resource-manager/management/async-operations
  GET  LOCATION (same path, &monitor=true): 202 while in progress, then
        200 (204 for a delete)

  arm_server.py --state DIR [--port N] [--port-file F] [--log F]
     [--tenant T] [--client-id C] [--client-secret S] [--subscription SUB]...
     [--blob-endpoint http://127.0.0.1:P] [--instance-cmd CMD]
     [--mi-token TOKEN=SUB/RG/VM]... [--existing-vm SUB/RG/VM[@LOC]]...
     [--lro-delay S] [--skus-page N] [--token-ttl S]
     [--refuse-creds] [--quota-at-launch] [--deny-retire]

State: DIR/disks/NAME.json and NAME.raw (the VHD's data), DIR/nics/NAME.json,
DIR/instances/NAME/{vm.json, disk.raw, console}.  --log: one JSON line per
call {"t", "op", "principal" (client id, or "mi:VM"), "instance", "status"}.
Fault switches: --refuse-creds (the token endpoint answers AADSTS7000215
invalid_client), --quota-at-launch (VM PUT: 409 OperationNotAllowed, the
cores quota), --deny-retire (deallocate/powerOff/DELETE: 403
AuthorizationFailed).  A managed identity (--mi-token) may only act on its
own VM (else 403 AuthorizationFailed), as its role assignment would allow.
"""
import argparse
import hashlib
import hmac
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import threading
import time
import urllib.parse
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

API = {
    "subscriptions": {"2022-12-01", "2021-01-01", "2020-01-01"},
    "skus": {"2021-07-01", "2019-04-01"},
    "disks": {"2024-03-02", "2023-10-02", "2023-04-02", "2022-07-02"},
    "virtualMachines": {"2024-07-01", "2024-03-01", "2023-09-01", "2023-03-01"},
    "networkInterfaces": {"2024-05-01", "2023-11-01", "2023-09-01"},
    "operations": {"2024-07-01", "2024-03-02", "2024-03-01", "2023-09-01",
                   "2023-10-02", "2023-04-02", "2023-03-01", "2022-07-02"},
    "netoperations": {"2024-05-01", "2023-11-01", "2023-09-01"},
}

ARM_HOST = "management.azure.com"
LOGIN_HOST = "login.microsoftonline.com"


def cap(name, value):
    return {"name": name, "value": value}


def sku(name, family, gens, arch, accel, vcpus, locations, restricted=(), disk_ctl=None):
    return {
        "resourceType": "virtualMachines", "name": name, "tier": "Standard",
        "size": name.split("_", 1)[1], "family": family,
        "locations": locations,
        "locationInfo": [{"location": l, "zones": ["1", "2", "3"], "zoneDetails": []}
                         for l in locations],
        "capabilities": [cap("vCPUs", str(vcpus)), cap("HyperVGenerations", gens),
                         cap("CpuArchitectureType", arch),
                         cap("AcceleratedNetworkingEnabled", accel),
                         cap("PremiumIO", "True")] +
                        ([cap("DiskControllerTypes", disk_ctl)] if disk_ctl else []),
        "restrictions": [{"type": "Location", "values": list(restricted),
                          "restrictionInfo": {"locations": list(restricted)},
                          "reasonCode": "NotAvailableForSubscription"}] if restricted else [],
    }


# A few real sizes with their real capabilities (az vm list-skus output).
SKUS_ALL = ["eastus", "westeurope", "northeurope", "westus2"]
SKUS = [
    {"resourceType": "disks", "name": "Premium_LRS", "tier": "Premium", "kind": "Disks",
     "locations": ["eastus"], "capabilities": [], "restrictions": []},
    sku("Standard_A1_v2", "standardAv2Family", "V1", "x64", "False", 1, SKUS_ALL),
    sku("Standard_B1s", "standardBSFamily", "V1,V2", "x64", "False", 1, SKUS_ALL),
    sku("Standard_D2s_v5", "standardDSv5Family", "V1,V2", "x64", "True", 2, SKUS_ALL),
    sku("Standard_D2ps_v5", "standardDPSv5Family", "V2", "Arm64", "True", 2, SKUS_ALL),
    sku("Standard_D2s_v6", "standardDSv6Family", "V2", "x64", "True", 2, SKUS_ALL,
        disk_ctl="NVMe"),
    sku("Standard_NC6s_v3", "standardNCSv3Family", "V1,V2", "x64", "True", 6,
        SKUS_ALL, restricted=["westeurope"]),
]

STATE = None
ARGS = None
LOCK = threading.Lock()
TOKENS = {}             # access token -> (principal, expiry)
MI = {}                 # managed identity token -> "SUB/RG/VM"
OPS = {}                # operation id -> dict
PROCS = {}              # vm name -> Popen
BLOB_SAS = {}           # console blob path -> sig


def log_call(op, principal, instance, status):
    if not ARGS.log:
        return
    line = json.dumps({"t": time.time(), "op": op, "principal": principal,
                       "instance": instance, "status": status})
    with LOCK, open(ARGS.log, "a") as f:
        f.write(line + "\n")


def arm_error(status, code, message, headers=()):
    return status, {"error": {"code": code, "message": message}}, list(headers)


def now_iso():
    return time.strftime("%Y-%m-%dT%H:%M:%S.0000000+00:00", time.gmtime())


def jread(path):
    with open(path) as f:
        return json.load(f)


def jwrite(path, obj):
    tmp = path + ".tmp"
    with open(tmp, "w") as f:
        json.dump(obj, f)
    os.replace(tmp, path)


# --- long-running operations -------------------------------------------------

def start_op(sub, loc, provider, version, work, output=None, delete=False):
    """work() runs at once and returns None or (code, message): the
    operation then reads InProgress for --lro-delay and ends with that."""
    oid = str(uuid.uuid4())
    err = work()
    with LOCK:
        OPS[oid] = {"start": time.time(), "err": err, "output": output,
                    "delete": delete, "sub": sub}
    path = "/subscriptions/%s/providers/%s/locations/%s/operations/%s" % (
        sub, provider, loc, oid)
    aop = "https://%s%s?api-version=%s" % (ARM_HOST, path, version)
    return [("Azure-AsyncOperation", aop),
            ("Location", aop + "&monitor=true"),
            ("Retry-After", "1")]


def op_status(oid, monitor):
    with LOCK:
        op = OPS.get(oid)
    if not op:
        return arm_error(404, "NotFound", "The entity was not found in this Azure location.")
    done = time.time() - op["start"] >= ARGS.lro_delay
    if monitor:
        if not done:
            return 202, None, [("Retry-After", "1")]
        if op["err"]:
            return arm_error(400, op["err"][0], op["err"][1])
        return (204, None, []) if op["delete"] else (200, op["output"] or {}, [])
    body = {"startTime": time.strftime("%Y-%m-%dT%H:%M:%S+00:00", time.gmtime(op["start"])),
            "status": "InProgress", "name": oid}
    if done:
        body["endTime"] = now_iso()
        if op["err"]:
            body["status"] = "Failed"
            body["error"] = {"code": op["err"][0], "message": op["err"][1]}
        else:
            body["status"] = "Succeeded"
            if op["output"] is not None:
                body["properties"] = {"output": op["output"]}
    return 200, body, []


# --- instances -----------------------------------------------------------------

def start_instance(name, vm_size, gen):
    d = os.path.join(STATE, "instances", name)
    console = os.path.join(d, "console")
    open(console, "a").close()
    if not ARGS.instance_cmd:
        return
    env = dict(os.environ, CM_INSTANCE_ID=name, CM_INSTANCE_CLOUD="azure",
               CM_INSTANCE_TYPE=vm_size, CM_INSTANCE_DISK=os.path.join(d, "disk.raw"),
               CM_INSTANCE_BOOT_MODE="uefi" if gen == "V2" else "bios",
               CM_INSTANCE_CONSOLE=console)
    p = subprocess.Popen(["/bin/sh", "-c", ARGS.instance_cmd], env=env,
                         start_new_session=True, stdin=subprocess.DEVNULL)
    with LOCK:
        PROCS[name] = p


def stop_instance(name):
    with LOCK:
        p = PROCS.pop(name, None)
    if p and p.poll() is None:
        try:
            os.killpg(p.pid, signal.SIGTERM)
        except ProcessLookupError:
            pass


# --- the blob store behind Import --------------------------------------------

def read_source_blob(uri):
    """(bytes, None) or (None, (code, message)): the VHD's data."""
    import azblob
    u = urllib.parse.urlsplit(uri)
    m = re.match(r"^([a-z0-9]{3,24})\.blob\.core\.windows\.net$", u.hostname or "")
    if u.scheme != "https" or not m:
        return None, ("InvalidParameter", "The value of parameter sourceUri is invalid.")
    if not ARGS.blob_endpoint:
        return None, ("InternalExecutionError", "no --blob-endpoint")
    url = "%s/%s%s" % (ARGS.blob_endpoint.rstrip("/"), m.group(1), u.path)
    st, h, _ = azblob.request("HEAD", url)
    if st != 200:
        return None, ("InvalidParameter",
                      "The specified source blob %s does not exist or is not accessible."
                      % uri.split("?")[0])
    size = int(h["content-length"])
    data = bytearray()
    off = 0
    while off < size:
        end = min(off + (32 << 20), size) - 1
        st, _, chunk = azblob.request("GET", url, {"x-ms-range": "bytes=%d-%d" % (off, end)})
        if st not in (200, 206):
            return None, ("InternalExecutionError", "reading the source blob: HTTP %d" % st)
        data += chunk
        off = end + 1
    foot = bytes(data[-512:]) if size >= 512 else b""
    if foot[:8] != b"conectix":
        return None, ("BadRequest",
                      "The specified cookie value in VHD footer indicates that disk "
                      "with blob %s is not a supported VHD. Disk is expected to have "
                      "cookie value 'conectix'." % uri.split("?")[0])
    vsize = int.from_bytes(foot[48:56], "big")
    disk_type = int.from_bytes(foot[60:64], "big")
    if disk_type != 2:
        return None, ("BadRequest", "The VHD %s is not a fixed VHD." % uri.split("?")[0])
    if vsize % (1 << 20) or vsize != size - 512:
        return None, ("BadRequest",
                      "The VHD %s has an unsupported virtual size of %d bytes. The size "
                      "must be a whole number (in MBs)." % (uri.split("?")[0], vsize))
    return bytes(data[:vsize]), None


# --- the handler ---------------------------------------------------------------

class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *a):
        pass

    def send(self, status, body, headers=(), ctype="application/json; charset=utf-8"):
        data = b""
        if body is not None:
            data = body if isinstance(body, bytes) else json.dumps(body).encode()
        self.send_response(status)
        if body is not None:
            self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(data)))
        self.send_header("x-ms-request-id", str(uuid.uuid4()))
        for k, v in headers:
            self.send_header(k, v)
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(data)

    def body(self):
        n = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(n) if n else b""

    def do_GET(self):
        self.dispatch()

    def do_PUT(self):
        self.dispatch()

    def do_POST(self):
        self.dispatch()

    def do_DELETE(self):
        self.dispatch()

    def dispatch(self):
        host = (self.headers.get("Host") or "").split(":")[0].lower()
        u = urllib.parse.urlsplit(self.path)
        q = dict(urllib.parse.parse_qsl(u.query, keep_blank_values=True))
        raw = self.body()
        if host.endswith(".blob.core.windows.net"):
            return self.blob(u.path, q)
        if re.match(r"^/[^/]+/oauth2/v2\.0/token$", u.path):
            if self.injected("Token"):
                return None
            return self.token(u.path.split("/")[1], raw)
        if self.injected("ARM"):
            return None
        try:
            req = json.loads(raw) if raw else None
        except ValueError:
            st, b, h = arm_error(400, "InvalidRequestContent",
                                 "The request content was invalid and could not be deserialized.")
            return self.send(st, b, h)
        op, principal, instance = "Unknown", None, None
        try:
            principal = self.auth()
            if principal is None:
                st, b, h = self.auth_error()
            else:
                op, instance, (st, b, h) = self.arm(u.path, q, req, principal)
        except Exception as e:  # a bug here is a 500, as ARM would say
            st, b, h = arm_error(500, "InternalServerError", repr(e))
        log_call(op, principal, instance, st)
        self.send(st, b, h)

    def injected(self, kind):
        """--fail-5xx KIND:N[:STATUS]: the first N calls (N=0: every call) of
        KIND, Token (the token endpoint) or ARM (any management call), answer
        STATUS (503 by default), as a passing backend fault would."""
        with LOCK:
            for spec in ARGS.fail_5xx:
                name, n, *code = spec.split(":")
                left = FAULTS_LEFT.setdefault(spec, int(n) or -1) if name == kind else 0
                if left == 0:
                    continue
                FAULTS_LEFT[spec] = left - 1 if left > 0 else -1
                break
            else:
                return False
        status = int(code[0]) if code else 503
        log_call(kind, None, None, status)
        st, b, h = arm_error(status, "ServiceUnavailable" if status == 503 else "InternalServerError",
                             "injected fault (--fail-5xx %s)" % spec)
        self.send(st, b, h)
        return True

    # AAD -------------------------------------------------------------------
    def token(self, tenant, raw):
        f = dict(urllib.parse.parse_qsl(raw.decode("utf-8", "replace")))
        def refuse(status, error, code, desc):
            log_call("Token", f.get("client_id"), None, status)
            trace = str(uuid.uuid4())
            return self.send(status, {
                "error": error, "error_description": "AADSTS%d: %s\r\nTrace ID: %s\r\n"
                "Correlation ID: %s\r\nTimestamp: %s" % (code, desc, trace, trace, now_iso()),
                "error_codes": [code], "timestamp": now_iso(), "trace_id": trace,
                "correlation_id": trace,
                "error_uri": "https://%s/error?code=%d" % (LOGIN_HOST, code)})
        if self.command != "POST":
            return refuse(400, "invalid_request", 900561,
                          "The endpoint only accepts POST requests.")
        if tenant != ARGS.tenant:
            return refuse(400, "invalid_request", 90002,
                          "Tenant '%s' not found." % tenant)
        if f.get("grant_type") != "client_credentials":
            return refuse(400, "unsupported_grant_type", 70003,
                          "The app requested an unsupported grant type.")
        if f.get("scope") != "https://management.azure.com/.default":
            return refuse(400, "invalid_scope", 1002012,
                          "The provided value for scope %s is not valid." % f.get("scope"))
        if f.get("client_id") != ARGS.client_id:
            return refuse(400, "unauthorized_client", 700016,
                          "Application with identifier '%s' was not found in the directory."
                          % f.get("client_id"))
        if ARGS.refuse_creds or not hmac.compare_digest(
                f.get("client_secret", "").encode(), ARGS.client_secret.encode()):
            return refuse(401, "invalid_client", 7000215,
                          "Invalid client secret provided. Ensure the secret being sent "
                          "in the request is the client secret value, not the client "
                          "secret ID, for a secret added to app '%s'." % ARGS.client_id)
        tok = "eyJ0eXAiOiJKV1QifQ." + os.urandom(24).hex()
        ttl = ARGS.token_ttl
        with LOCK:
            TOKENS[tok] = (ARGS.client_id, time.time() + ttl)
        log_call("Token", ARGS.client_id, None, 200)
        self.send(200, {"token_type": "Bearer", "expires_in": int(ttl) - 1,
                        "ext_expires_in": int(ttl) - 1, "access_token": tok})

    # blob (boot diagnostics) -----------------------------------------------
    def blob(self, path, q):
        with LOCK:
            sig = BLOB_SAS.get(path)
        if not sig or not hmac.compare_digest(q.get("sig", ""), sig):
            log_call("GetBlob", None, None, 403)
            return self.send(403, b"<?xml version=\"1.0\" encoding=\"utf-8\"?><Error><Code>"
                             b"AuthenticationFailed</Code><Message>Server failed to "
                             b"authenticate the request.</Message></Error>",
                             ctype="application/xml")
        name = path.split("/")[1][len("bootdiag-"):]
        try:
            with open(os.path.join(STATE, "instances", name, "console"), "rb") as f:
                data = f.read()
        except FileNotFoundError:
            log_call("GetBlob", None, name, 404)
            return self.send(404, b"<?xml version=\"1.0\" encoding=\"utf-8\"?><Error><Code>"
                             b"BlobNotFound</Code><Message>The specified blob does not "
                             b"exist.</Message></Error>", ctype="application/xml")
        log_call("GetBlob", None, name, 200)
        self.send(200, data, [("x-ms-blob-type", "AppendBlob")], ctype="text/plain")

    # ARM -------------------------------------------------------------------
    def auth(self):
        a = self.headers.get("Authorization") or ""
        if not a.startswith("Bearer "):
            return None
        tok = a[7:]
        with LOCK:
            if tok in TOKENS:
                self.expired = TOKENS[tok][1] < time.time()
                return None if self.expired else TOKENS[tok][0]
        if tok in MI:
            return "mi:" + MI[tok].split("/")[-1]
        return None

    def auth_error(self):
        a = self.headers.get("Authorization")
        if getattr(self, "expired", False):
            self.expired = False
            return arm_error(401, "ExpiredAuthenticationToken",
                             "The access token expiry UTC time '%s' is earlier than current "
                             "UTC time '%s'." % (now_iso(), now_iso()),
                             [("WWW-Authenticate", 'Bearer error="invalid_token", '
                               'error_description="The access token has expired."')])
        hdr = [("WWW-Authenticate", 'Bearer authorization_uri="https://%s/%s", '
                'error="invalid_token", error_description="The authentication failed '
                'because of missing \'Authorization\' header."' % (LOGIN_HOST, ARGS.tenant))]
        if not a:
            return arm_error(401, "AuthenticationFailed",
                             "Authentication failed. The 'Authorization' header is missing.", hdr)
        return arm_error(401, "InvalidAuthenticationToken",
                         "The access token is invalid.", hdr)

    def arm(self, path, q, req, principal):
        """-> (op, instance, (status, body, headers))"""
        m = re.match(r"^/subscriptions/([^/]+)(/.*)?$", path)
        if not m:
            return "Unknown", None, arm_error(404, "InvalidResourceType",
                                               "The resource type could not be found.")
        sub, rest = m.group(1), m.group(2) or ""
        kind = "subscriptions"
        mm = re.match(r"^/providers/Microsoft\.(Compute|Network)/locations/([^/]+)/operations/([^/]+)$", rest)
        if mm:
            kind = "operations" if mm.group(1) == "Compute" else "netoperations"
        elif rest == "/providers/Microsoft.Compute/skus":
            kind = "skus"
        else:
            mr = re.match(r"^/resourceGroups/[^/]+/providers/Microsoft\.\w+/(\w+)/", rest + "/")
            if mr:
                kind = mr.group(1)
        v = q.get("api-version")
        if v is None:
            return "Unknown", None, arm_error(
                400, "MissingApiVersionParameter",
                "The api-version query parameter (?api-version=) is required for all requests.")
        if kind in API and v not in API[kind]:
            return "Unknown", None, arm_error(
                400, "NoRegisteredProviderFound",
                "No registered resource provider found for location 'eastus' and API version "
                "'%s' for type '%s'. The supported api-versions are '%s'."
                % (v, kind, ", ".join(sorted(API[kind]))))
        if sub not in ARGS.subscription:
            return "GetSubscription", None, arm_error(
                404, "SubscriptionNotFound", "The subscription '%s' could not be found." % sub)
        if mm:
            return "GetOperation", None, op_status(mm.group(3), q.get("monitor") == "true")
        if rest == "":
            if self.command != "GET":
                return "Unknown", None, arm_error(405, "MethodNotAllowed", "Method not allowed.")
            return "GetSubscription", None, (200, {
                "id": "/subscriptions/" + sub, "authorizationSource": "RoleBased",
                "subscriptionId": sub, "tenantId": ARGS.tenant, "displayName": "cloudmove-test",
                "state": "Enabled", "subscriptionPolicies": {
                    "locationPlacementId": "Public_2014-09-01", "quotaId": "PayAsYouGo_2014-09-01",
                    "spendingLimit": "Off"}}, [])
        if kind == "skus":
            return "ListSkus", None, self.skus(sub, q)
        mr = re.match(r"^/resourceGroups/([^/]+)/providers/Microsoft\.(Compute|Network)/"
                      r"(disks|virtualMachines|networkInterfaces)/([^/]+)(?:/(\w+))?$", rest)
        if not mr:
            return "Unknown", None, arm_error(404, "InvalidResourceType",
                                               "The resource type could not be found in the "
                                               "namespace for api version '%s'." % v)
        rg, typ, name, action = mr.group(1), mr.group(3), mr.group(4), mr.group(5)
        if rg.lower() not in [r.lower() for r in ARGS.resource_group]:
            return "Unknown", None, arm_error(404, "ResourceGroupNotFound",
                                               "Resource group '%s' could not be found." % rg)
        base = (sub, rg, name, v)
        if typ == "disks":
            return self.disks(base, req, action)
        if typ == "networkInterfaces":
            return self.nics(base, req, action)
        return self.vms(base, req, action, principal, q)

    def skus(self, sub, q):
        loc = None
        f = q.get("$filter")
        if f:
            mf = re.match(r"^location eq '([^']+)'$", f)
            if not mf:
                return arm_error(400, "InvalidFilterInQueryString",
                                 "The filter '%s' is not supported." % f)
            loc = mf.group(1).lower()
        items = [s for s in SKUS if loc is None or loc in [l.lower() for l in s["locations"]]]
        if loc:
            items = [dict(s, locations=[loc],
                          locationInfo=[i for i in s.get("locationInfo", []) if i["location"] == loc])
                     for s in items]
        skip = int(q.get("$skiptoken") or 0)
        page = ARGS.skus_page or len(items) or 1
        out = {"value": items[skip:skip + page]}
        if skip + page < len(items):
            qq = {"api-version": q["api-version"], "$skiptoken": str(skip + page)}
            if f:
                qq["$filter"] = f
            out["nextLink"] = "https://%s/subscriptions/%s/providers/Microsoft.Compute/skus?%s" % (
                ARM_HOST, sub, urllib.parse.urlencode(qq, quote_via=urllib.parse.quote))
        return 200, out, []

    def rid(self, sub, rg, provider, typ, name):
        return "/subscriptions/%s/resourceGroups/%s/providers/%s/%s/%s" % (
            sub, rg, provider, typ, name)

    def disks(self, base, req, action):
        sub, rg, name, v = base
        path = os.path.join(STATE, "disks", name + ".json")
        if action:
            return "DiskAction", None, arm_error(404, "InvalidResourceType",
                                                 "Unknown action %s." % action)
        if self.command == "GET":
            if not os.path.exists(path):
                return "GetDisk", None, arm_error(
                    404, "ResourceNotFound", "The Resource 'Microsoft.Compute/disks/%s' under "
                    "resource group '%s' was not found." % (name, rg))
            return "GetDisk", None, (200, jread(path), [])
        if self.command != "PUT":
            return "Disk", None, arm_error(405, "MethodNotAllowed", "Method not allowed.")
        p = (req or {}).get("properties") or {}
        cd = p.get("creationData") or {}
        loc = (req or {}).get("location")
        if not loc:
            return "CreateDisk", None, arm_error(400, "LocationRequired",
                                                 "The location property is required for this definition.")
        if p.get("hyperVGeneration", "V1") not in ("V1", "V2"):
            return "CreateDisk", None, arm_error(
                400, "InvalidParameter", "The value of parameter hyperVGeneration is invalid.")
        if cd.get("createOption") != "Import":
            return "CreateDisk", None, arm_error(
                400, "InvalidParameter", "Only createOption Import is emulated here.")
        if not cd.get("sourceUri"):
            return "CreateDisk", None, arm_error(
                400, "InvalidParameter", "Required parameter 'sourceUri' is missing (null).")
        if not re.match(r"^/subscriptions/[^/]+/resourceGroups/[^/]+/providers/"
                        r"Microsoft\.Storage/storageAccounts/[a-z0-9]{3,24}$",
                        cd.get("storageAccountId") or ""):
            return "CreateDisk", None, arm_error(
                400, "InvalidParameter", "Required parameter 'storageAccountId' is missing "
                "(null) or invalid.")
        if os.path.exists(path) and jread(path)["properties"]["diskState"] == "Attached":
            return "CreateDisk", None, arm_error(
                409, "OperationNotAllowed", "Disk %s is attached to a VM." % name)
        rid = self.rid(sub, rg, "Microsoft.Compute", "disks", name)
        disk = {"id": rid, "name": name, "type": "Microsoft.Compute/disks", "location": loc,
                "tags": (req or {}).get("tags") or {},
                "sku": (req or {}).get("sku") or {"name": "Standard_LRS", "tier": "Standard"},
                "properties": {"osType": p.get("osType"),
                               "hyperVGeneration": p.get("hyperVGeneration", "V1"),
                               "creationData": cd, "provisioningState": "Updating",
                               "diskState": "Unattached", "timeCreated": now_iso()}}

        def work():
            data, err = read_source_blob(cd["sourceUri"])
            if err:
                disk["properties"]["provisioningState"] = "Failed"
                jwrite(path, disk)
                return err
            with open(os.path.join(STATE, "disks", name + ".raw"), "wb") as f:
                f.write(data)
            disk["properties"].update(provisioningState="Succeeded", diskSizeBytes=len(data),
                                      diskSizeGB=(len(data) + (1 << 30) - 1) >> 30)
            jwrite(path, disk)
            return None
        hdr = start_op(sub, loc, "Microsoft.Compute", v, work)
        return "CreateDisk", None, (202, None, hdr)

    def nics(self, base, req, action):
        sub, rg, name, v = base
        path = os.path.join(STATE, "nics", name + ".json")
        if action:
            return "NicAction", None, arm_error(404, "InvalidResourceType", "Unknown action.")
        if self.command == "GET":
            if not os.path.exists(path):
                return "GetNic", None, arm_error(
                    404, "ResourceNotFound", "The Resource 'Microsoft.Network/"
                    "networkInterfaces/%s' under resource group '%s' was not found." % (name, rg))
            return "GetNic", None, (200, jread(path), [])
        if self.command != "PUT":
            return "Nic", None, arm_error(405, "MethodNotAllowed", "Method not allowed.")
        loc = (req or {}).get("location")
        try:
            ipc = req["properties"]["ipConfigurations"]
            subnet = ipc[0]["properties"]["subnet"]["id"]
        except (KeyError, IndexError, TypeError):
            return "CreateNic", None, arm_error(
                400, "InvalidRequestFormat", "Cannot parse the request: ipConfigurations "
                "with a subnet are required.")
        if not re.match(r"^/subscriptions/[^/]+/resourceGroups/[^/]+/providers/Microsoft\."
                        r"Network/virtualNetworks/[^/]+/subnets/[^/]+$", subnet):
            return "CreateNic", None, arm_error(
                400, "InvalidResourceReference", "Resource %s referenced by resource %s was "
                "not found." % (subnet, self.rid(sub, rg, "Microsoft.Network",
                                                  "networkInterfaces", name)))
        if not loc:
            return "CreateNic", None, arm_error(400, "LocationRequired",
                                                "The location property is required for this definition.")
        rid = self.rid(sub, rg, "Microsoft.Network", "networkInterfaces", name)
        nic = {"id": rid, "name": name, "location": loc, "type": "Microsoft.Network/networkInterfaces",
               "properties": {"provisioningState": "Succeeded", "ipConfigurations": [
                   {"name": ipc[0].get("name", "ipconfig1"), "properties": {
                       "privateIPAddress": "10.0.0.4", "privateIPAllocationMethod": "Dynamic",
                       "subnet": {"id": subnet}, "primary": True}}]}}
        jwrite(path, nic)
        hdr = start_op(sub, loc, "Microsoft.Network", v, lambda: None)
        return "CreateNic", None, (201, nic, hdr[:1])

    def vms(self, base, req, action, principal, q):
        sub, rg, name, v = base
        d = os.path.join(STATE, "instances", name)
        path = os.path.join(d, "vm.json")
        exists = os.path.exists(path)
        notfound = arm_error(404, "ResourceNotFound", "The Resource 'Microsoft.Compute/"
                             "virtualMachines/%s' under resource group '%s' was not found."
                             % (name, rg))
        if principal.startswith("mi:"):
            scope = MI_SCOPE.get(principal)
            if scope != "%s/%s/%s" % (sub, rg, name):
                return "VM", name, self.denied(principal, sub, rg, name, action or self.command)
        if self.command == "GET" and not action:
            return "GetVM", name, (200, jread(path), []) if exists else notfound
        if self.command == "PUT" and not action:
            return "CreateVM", name, self.create_vm(base, req)
        if self.command == "POST" and action == "retrieveBootDiagnosticsData":
            if not exists:
                return "RetrieveBootDiagnosticsData", name, notfound
            vm = jread(path)
            bd = vm["properties"].get("diagnosticsProfile", {}).get("bootDiagnostics", {})
            if not bd.get("enabled"):
                return "RetrieveBootDiagnosticsData", name, arm_error(
                    409, "OperationNotAllowed", "Boot diagnostics is not enabled for the VM.")
            bpath = "/bootdiag-%s/%s.serialconsole.log" % (name, name)
            sig = hashlib.sha256(os.urandom(16)).hexdigest()
            with LOCK:
                BLOB_SAS[bpath] = sig
            mins = int(q.get("sasUriExpirationTimeInMinutes") or 120)
            se = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(time.time() + mins * 60))
            host = "md-%s.blob.core.windows.net" % hashlib.sha1(name.encode()).hexdigest()[:12]
            sas = urllib.parse.urlencode({"sv": "2018-03-28", "sr": "b", "sp": "r",
                                          "se": se, "sig": sig})
            return "RetrieveBootDiagnosticsData", name, (200, {
                "consoleScreenshotBlobUri": "https://%s/bootdiag-%s/%s.screenshot.bmp?%s"
                % (host, name, name, sas),
                "serialConsoleLogBlobUri": "https://%s%s?%s" % (host, bpath, sas)}, [])
        if (self.command == "POST" and action in ("deallocate", "powerOff")) or \
                (self.command == "DELETE" and not action):
            op = {"deallocate": "Deallocate", "powerOff": "PowerOff"}.get(action, "DeleteVM")
            if ARGS.deny_retire:
                return op, name, self.denied(principal, sub, rg, name, action or "delete")
            if not exists:
                return op, name, (204, None, []) if op == "DeleteVM" else notfound
            vm = jread(path)

            def work():
                stop_instance(name)
                if op == "DeleteVM":
                    shutil.rmtree(d, ignore_errors=True)
                    disk = vm["properties"]["storageProfile"]["osDisk"]["managedDisk"]["id"]
                    dpath = os.path.join(STATE, "disks", disk.split("/")[-1] + ".json")
                    if os.path.exists(dpath):
                        dj = jread(dpath)
                        dj["properties"]["diskState"] = "Unattached"
                        jwrite(dpath, dj)
                else:
                    vm["properties"]["powerState"] = ("PowerState/deallocated" if op == "Deallocate"
                                                      else "PowerState/stopped")
                    jwrite(path, vm)
                return None
            hdr = start_op(sub, vm["location"], "Microsoft.Compute", v, work,
                           delete=op == "DeleteVM")
            return op, name, (202, None, hdr)
        return "VM", name, arm_error(405, "MethodNotAllowed", "Method not allowed.")

    def denied(self, principal, sub, rg, name, action):
        act = {"deallocate": "deallocate/action", "powerOff": "powerOff/action",
               "delete": "delete", "DELETE": "delete"}.get(action, "write")
        return arm_error(
            403, "AuthorizationFailed",
            "The client '%s' with object id '%s' does not have authorization to perform "
            "action 'Microsoft.Compute/virtualMachines/%s' over scope '/subscriptions/%s/"
            "resourceGroups/%s/providers/Microsoft.Compute/virtualMachines/%s' or the scope "
            "is invalid. If access was recently granted, please refresh your credentials."
            % (principal, principal, act, sub, rg, name))

    def create_vm(self, base, req):
        sub, rg, name, v = base
        d = os.path.join(STATE, "instances", name)
        try:
            p = req["properties"]
            loc = req["location"]
            size = p["hardwareProfile"]["vmSize"]
            osd = p["storageProfile"]["osDisk"]
            disk_id = osd["managedDisk"]["id"]
            nics = [n["id"] for n in p["networkProfile"]["networkInterfaces"]]
        except (KeyError, TypeError):
            return arm_error(400, "InvalidParameter", "Required parameter is missing: "
                             "location, hardwareProfile.vmSize, storageProfile.osDisk."
                             "managedDisk.id and networkProfile.networkInterfaces.")
        if osd.get("createOption") != "Attach" or osd.get("osType") not in ("Linux", "Windows"):
            return arm_error(400, "InvalidParameter", "Required parameter 'osDisk.osType' "
                             "and createOption Attach are needed to attach an OS disk.")
        s = [x for x in SKUS if x["name"].lower() == size.lower() and x["resourceType"] ==
             "virtualMachines" and loc.lower() in x["locations"]]
        if not s or any(loc.lower() in r["values"] for r in s[0]["restrictions"]):
            return arm_error(409, "SkuNotAvailable", "The requested VM size for resource "
                             "'Following SKUs have failed for Capacity Restrictions: %s' is "
                             "currently not available in location '%s'." % (size, loc))
        dname = disk_id.split("/")[-1]
        dpath = os.path.join(STATE, "disks", dname + ".json")
        if not os.path.exists(dpath):
            return arm_error(404, "NotFound", "Disk %s is not found." % disk_id)
        disk = jread(dpath)
        if disk["properties"]["diskState"] != "Unattached":
            return arm_error(409, "OperationNotAllowed", "Disk %s is already attached." % dname)
        gen = disk["properties"]["hyperVGeneration"]
        gens = [c["value"] for c in s[0]["capabilities"] if c["name"] == "HyperVGenerations"][0]
        if gen not in gens.split(","):
            return arm_error(400, "BadRequest", "The selected VM size '%s' cannot boot "
                             "Hypervisor Generation '%s'. If this was a Create operation "
                             "please check that the Hypervisor Generation of the Image "
                             "matches the Hypervisor Generation of the selected VM Size."
                             % (size, gen[1:]))
        for n in nics:
            if not os.path.exists(os.path.join(STATE, "nics", n.split("/")[-1] + ".json")):
                return arm_error(400, "InvalidResourceReference", "Resource %s referenced by "
                                 "resource %s was not found." % (n, name))
        if ARGS.quota_at_launch:
            fam = s[0]["family"]
            return arm_error(409, "OperationNotAllowed",
                             "Operation could not be completed as it results in exceeding "
                             "approved %s Cores quota. Additional details - Deployment Model: "
                             "Resource Manager, Location: %s, Current Limit: 0, Current Usage: "
                             "0, Additional Required: 2, (Minimum) New Limit Required: 2."
                             % (fam, loc))
        if os.path.exists(os.path.join(d, "vm.json")):
            return arm_error(409, "PropertyChangeNotAllowed",
                             "Changing property 'osDisk.managedDisk.id' is not allowed.")
        os.makedirs(d, exist_ok=True)
        shutil.copyfile(os.path.join(STATE, "disks", dname + ".raw"), os.path.join(d, "disk.raw"))
        disk["properties"]["diskState"] = "Attached"
        disk["managedBy"] = self.rid(sub, rg, "Microsoft.Compute", "virtualMachines", name)
        jwrite(dpath, disk)
        vm = {"id": disk["managedBy"], "name": name, "type": "Microsoft.Compute/virtualMachines",
              "location": loc, "tags": req.get("tags") or {},
              "properties": dict(p, vmId=str(uuid.uuid4()), provisioningState="Creating",
                                 powerState="PowerState/running", hyperVGeneration=gen)}
        jwrite(os.path.join(d, "vm.json"), vm)
        start_instance(name, size, gen)

        def work():
            vm["properties"]["provisioningState"] = "Succeeded"
            jwrite(os.path.join(d, "vm.json"), vm)
        hdr = start_op(sub, loc, "Microsoft.Compute", v, work)
        return 201, vm, hdr[:1]


MI_SCOPE = {}


def existing_vm(spec):
    m = re.match(r"^([^/]+)/([^/]+)/([^/@]+)(?:@(.+))?$", spec)
    if not m:
        sys.exit("--existing-vm SUB/RG/VM[@LOC]")
    sub, rg, name, loc = m.group(1), m.group(2), m.group(3), m.group(4) or "eastus"
    d = os.path.join(STATE, "instances", name)
    os.makedirs(d, exist_ok=True)
    open(os.path.join(d, "console"), "a").close()
    jwrite(os.path.join(d, "vm.json"), {
        "id": "/subscriptions/%s/resourceGroups/%s/providers/Microsoft.Compute/virtualMachines/%s"
        % (sub, rg, name), "name": name, "location": loc, "tags": {},
        "type": "Microsoft.Compute/virtualMachines",
        "properties": {"provisioningState": "Succeeded", "powerState": "PowerState/running",
                       "hardwareProfile": {"vmSize": "Standard_D2s_v5"},
                       "storageProfile": {"osDisk": {"osType": "Linux", "createOption": "Attach",
                                                     "managedDisk": {"id": "/subscriptions/%s/"
                                                                     "resourceGroups/%s/providers/"
                                                                     "Microsoft.Compute/disks/%s-os"
                                                                     % (sub, rg, name)}}}}})
    if sub not in ARGS.subscription:
        ARGS.subscription.append(sub)
    if rg not in ARGS.resource_group:
        ARGS.resource_group.append(rg)


FAULTS_LEFT = {}


def main():
    global STATE, ARGS
    ap = argparse.ArgumentParser()
    ap.add_argument("--port", type=int, default=0)
    ap.add_argument("--fail-5xx", action="append", default=[], metavar="Token|ARM:N[:STATUS]")
    ap.add_argument("--port-file")
    ap.add_argument("--state", required=True)
    ap.add_argument("--log")
    ap.add_argument("--tenant", default="72f988bf-86f1-41af-91ab-2d7cd011db47")
    ap.add_argument("--client-id", default="0f9c0f66-6b5a-4bd0-9a36-2b4c6a1b0c01")
    ap.add_argument("--client-secret", default="cm~test~secret~0123456789abcdef")
    ap.add_argument("--subscription", action="append", default=None)
    ap.add_argument("--resource-group", action="append", default=None)
    ap.add_argument("--blob-endpoint")
    ap.add_argument("--instance-cmd")
    ap.add_argument("--mi-token", action="append", default=[])
    ap.add_argument("--existing-vm", action="append", default=[])
    ap.add_argument("--lro-delay", type=float, default=0.3)
    ap.add_argument("--token-ttl", type=float, default=3600.0)
    ap.add_argument("--skus-page", type=int, default=0)
    ap.add_argument("--refuse-creds", action="store_true")
    ap.add_argument("--quota-at-launch", action="store_true")
    ap.add_argument("--deny-retire", action="store_true")
    ARGS = ap.parse_args()
    ARGS.subscription = ARGS.subscription or ["5f4e3d2c-1b0a-4f9e-8d7c-6b5a49382716"]
    ARGS.resource_group = ARGS.resource_group or ["rg-cloudmove"]
    STATE = ARGS.state
    for sub in ("disks", "nics", "instances"):
        os.makedirs(os.path.join(STATE, sub), exist_ok=True)
    for m in ARGS.mi_token:
        tok, _, scope = m.partition("=")
        MI[tok] = scope
        MI_SCOPE["mi:" + scope.split("/")[-1]] = scope
    for spec in ARGS.existing_vm:
        existing_vm(spec)
    srv = ThreadingHTTPServer(("127.0.0.1", ARGS.port), Handler)
    srv.daemon_threads = True
    if ARGS.port_file:
        tmp = ARGS.port_file + ".tmp"
        with open(tmp, "w") as f:
            f.write("%d\n" % srv.server_address[1])
        os.replace(tmp, ARGS.port_file)

    def stop(*_):
        threading.Thread(target=srv.shutdown, daemon=True).start()
    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    try:
        srv.serve_forever()
    finally:
        for name in list(PROCS):
            stop_instance(name)


if __name__ == "__main__":
    main()
