#!/usr/bin/env python3
"""An EC2 + EBS direct API server for the aws control-plane and ebs://
sink tests, on 127.0.0.1, python3 stdlib plus python3-botocore (only for
its SigV4 signer, to check every request's signature).

  ec2_server.py --state DIR --key AKID:SECRET[:SESSIONTOKEN]... [--port N]
                [--port-file F] [--log F] [--instance-cmd CMD]
                [--type NAME:ARCH:BOOTMODES:NVME:ENA]... [--s3-dir DIR]
                [--instance ID[:TYPE]]... [--deny-retire]
                [--quota-at-launch limit|capacity]
                [--block-delay-ms N] [--corrupt-block N] [--import-seconds S]

Protocols (the public references these answers follow):
- EC2 Query API, version 2016-11-15: POST / with a form body
  (Action=...&Version=...), SigV4 with service "ec2"; answers are XML
  documents <ActionResponse xmlns="http://ec2.amazonaws.com/doc/2016-11-15/">
  with a requestId, lists as <xxxSet><item>...</item></xxxSet>; errors
  <Response><Errors><Error><Code/><Message/></Error></Errors><RequestID/>
  </Response>.  https://docs.aws.amazon.com/AWSEC2/latest/APIReference/
  Query-Requests.html, .../errors-overview.html, and per action
  API_DescribeInstanceTypes, API_RegisterImage, API_RunInstances,
  API_DescribeInstances, API_GetConsoleOutput (Output base64), 
  API_ImportSnapshot, API_DescribeImportSnapshotTasks, API_StopInstances,
  API_TerminateInstances, API_DescribeRegions.  Field names are the ones
  of botocore's own service model (data/ec2/2016-11-15/service-2.json).
- EBS direct APIs (REST JSON, 2019-11-02), SigV4 with service "ebs":
  POST /snapshots {VolumeSize GiB, ParentSnapshotId?, ClientToken?,
  Timeout?, Description?, Tags?} -> 201 {SnapshotId, Status: pending,
  BlockSize: 524288, VolumeSize, ...};
  PUT /snapshots/ID/blocks/INDEX (x-amz-Data-Length: 524288,
  x-amz-Checksum: base64 SHA-256 of the block, x-amz-Checksum-Algorithm:
  SHA256; the body is not part of the signature: x-amz-content-sha256
  UNSIGNED-PAYLOAD) -> 201, the checksum echoed; a wrong checksum is 400
  ValidationException Reason INVALID_CHECKSUM;
  GET /snapshots/ID/blocks?maxResults=&pageToken= -> {Blocks: [{BlockIndex,
  BlockToken}], NextToken?, VolumeSize, BlockSize};
  POST /snapshots/completion/ID (x-amz-ChangedBlocksCount: N, must be the
  number of blocks written, else 400) -> 202 {Status: completed}.
  Errors: x-amzn-ErrorType header and {"message", "Reason"}.
  https://docs.aws.amazon.com/ebs/latest/APIReference/ (StartSnapshot,
  PutSnapshotBlock, ListSnapshotBlocks, CompleteSnapshot) and "Use EBS
  direct APIs checksums to validate snapshot data".
  A snapshot never completed stays pending and is cancelled (status error)
  after its Timeout, as EBS does; this server only keeps it pending.

Credentials: every request is SigV4-signed; the Authorization header is
recomputed with botocore.auth.SigV4Auth over the headers named in
SignedHeaders, the x-amz-date and the body that came (or UNSIGNED-PAYLOAD
for PutSnapshotBlock).  An access key that is not a --key: EC2 401
AuthFailure, EBS 403 UnrecognizedClientException; another signature: EC2
403 SignatureDoesNotMatch, EBS 403 InvalidSignatureException.  A key given
with a session token must come with that X-Amz-Security-Token (signed).
The scope's service must be the API's (ec2 / ebs).

Instance types: built in t2.micro (x86_64, legacy-bios, no NVMe, no ENA),
m5.large (x86_64, legacy-bios+uefi, NVMe and ENA required), m6g.large
(arm64, uefi, NVMe and ENA required); --type adds more (BOOTMODES joined
by '+': legacy-bios+uefi; NVME and ENA: required|supported|unsupported).
RegisterImage takes BlockDeviceMapping.1 with the snapshot (completed,
else InvalidSnapshot.NotFound / IncorrectState), EnaSupport, BootMode
(legacy-bios | uefi | uefi-preferred), Architecture.  RunInstances
refuses an image whose BootMode the type cannot boot
(InvalidParameterValue), an unknown image (InvalidAMIID.NotFound), a
subnet not named subnet-* (InvalidSubnetID.NotFound); a ClientToken seen
before answers with that instance (as ImportSnapshot with that task:
EC2's idempotency, "Ensuring idempotency"); it makes
DIR/instances/ID/disk.raw from the snapshot's blocks (sparse) and, with
--instance-cmd, starts CMD in its own process group with CM_INSTANCE_ID,
CM_INSTANCE_CLOUD=aws, CM_INSTANCE_TYPE, CM_INSTANCE_DISK,
CM_INSTANCE_BOOT_MODE (bios|uefi), CM_INSTANCE_CONSOLE (DIR/instances/
ID/console.log, served base64 by GetConsoleOutput, its last 64 KiB).
Stop/Terminate kill that process group.  ImportSnapshot takes
DiskContainer.Format RAW and DiskContainer.UserBucket.S3Bucket/S3Key read
from --s3-dir (s3rver's directory: BUCKET/KEY._S3rver_object, or a plain
BUCKET/KEY file); the task is "active" for --import-seconds, then
"completed" with a SnapshotId.

--instance ID[:TYPE]: an instance that exists from the start, running (the
source machine a retire test stops: its id is the metadata server's).

Faults: --deny-retire: StopInstances/TerminateInstances 403
UnauthorizedOperation.  --quota-at-launch limit: RunInstances 400
InstanceLimitExceeded; capacity: 500 InsufficientInstanceCapacity.
--block-delay-ms: each PutSnapshotBlock waits that long (kill tests).
--corrupt-block N: block N's first bit is flipped as it arrives (its
checksum no longer matches: INVALID_CHECKSUM).

--log F: one JSON line per call {"t", "op", "principal" (the access key
id), "instance", "status", "token" (a session token came), "block" (the
PutSnapshotBlock index), "snapshot", "code" (the error code)}."""
import argparse
import base64
import datetime
import hashlib
import json
import os
import secrets
import signal
import subprocess
import sys
import threading
import time
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from xml.sax.saxutils import escape

from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

BLOCK = 512 * 1024
GIB = 1024 * 1024 * 1024
NS = "http://ec2.amazonaws.com/doc/2016-11-15/"
ARGS = None
LOCK = threading.RLock()
KEYS = {}       # access key id -> (secret, token or None)
TYPES = {
    "t2.micro": ("x86_64", ["legacy-bios"], "unsupported", "unsupported"),
    "m5.large": ("x86_64", ["legacy-bios", "uefi"], "required", "required"),
    "m6g.large": ("arm64", ["uefi"], "required", "required"),
}
PROCS = {}      # instance id -> Popen


class ApiError(Exception):
    def __init__(self, status, code, message, reason=None):
        super().__init__(message)
        self.status, self.code, self.message, self.reason = status, code, message, reason


def new_id(prefix):
    return prefix + "-" + secrets.token_hex(9)[:17]


def now_iso():
    return datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.000Z")


# --- state on disk ------------------------------------------------------------

def path(*parts):
    return os.path.join(ARGS.state, *parts)


def load(kind, ident):
    try:
        with open(path(kind, ident, "meta.json")) as f:
            return json.load(f)
    except (OSError, ValueError):
        return None


def save(kind, ident, meta):
    os.makedirs(path(kind, ident), exist_ok=True)
    tmp = path(kind, ident, "meta.json.tmp")
    with open(tmp, "w") as f:
        json.dump(meta, f)
    os.replace(tmp, path(kind, ident, "meta.json"))


def blocks_of(snap):
    d = path("snapshots", snap, "blocks")
    return sorted(int(n) for n in os.listdir(d)) if os.path.isdir(d) else []


def assemble(snap, out):
    """The snapshot's disk as a sparse raw file of VolumeSize GiB."""
    meta = load("snapshots", snap)
    with open(out, "wb") as f:
        f.truncate(meta["VolumeSize"] * GIB)
        for i in blocks_of(snap):
            with open(path("snapshots", snap, "blocks", str(i)), "rb") as b:
                f.seek(i * BLOCK)
                f.write(b.read())


# --- SigV4 ----------------------------------------------------------------------

def check_signature(handler, body, service, unsigned_ok):
    """The access key id when botocore's signature is the one that came,
    else ApiError in the API's shape."""
    h = {k.lower(): v for k, v in handler.headers.items()}
    auth = h.get("authorization", "")
    ec2 = service == "ec2"
    try:
        cred = auth.split("Credential=")[1].split(",")[0].strip()
        akid, date, region, svc, _ = cred.split("/")
        signed = auth.split("SignedHeaders=")[1].split(",")[0].strip().split(";")
    except (IndexError, ValueError):
        raise ApiError(401 if ec2 else 403, "AuthFailure" if ec2 else "MissingAuthenticationTokenException",
                       "Missing or malformed Authorization header")
    handler.principal = akid
    if akid not in KEYS:
        raise ApiError(401, "AuthFailure", "AWS was not able to validate the provided access credentials") \
            if ec2 else ApiError(403, "UnrecognizedClientException", "The security token included in the request is invalid")
    secret, token = KEYS[akid]
    if token is not None and (h.get("x-amz-security-token") != token or "x-amz-security-token" not in signed):
        raise ApiError(401 if ec2 else 403, "AuthFailure" if ec2 else "UnrecognizedClientException",
                       "The security token included in the request is invalid")
    if svc != service:
        raise ApiError(403, "SignatureDoesNotMatch" if ec2 else "InvalidSignatureException",
                       "Credential should be scoped to correct service: '%s'." % service)
    hdrs = {name: h.get(name, "") for name in signed}
    req = AWSRequest(method=handler.command, url="http://" + h.get("host", "") + handler.path,
                     headers=hdrs, data=body)
    signer = SigV4Auth(Credentials(akid, secret, token), service, region)
    req.context["timestamp"] = h.get("x-amz-date", "")
    claimed = h.get("x-amz-content-sha256")
    if claimed is not None:
        if claimed == "UNSIGNED-PAYLOAD" and not unsigned_ok:
            raise ApiError(403, "InvalidSignatureException", "UNSIGNED-PAYLOAD is not allowed here")
        if claimed != "UNSIGNED-PAYLOAD" and claimed != hashlib.sha256(body).hexdigest():
            raise ApiError(400, "ValidationException" if not ec2 else "InvalidParameterValue",
                           "x-amz-content-sha256 does not match the body")
    canonical = signer.canonical_request(req)
    signature = signer.signature(signer.string_to_sign(req, canonical), req)
    if "Signature=" + signature not in auth or not date or not h.get("x-amz-date", "").startswith(date):
        raise ApiError(403, "SignatureDoesNotMatch" if ec2 else "InvalidSignatureException",
                       "The request signature we calculated does not match the signature you provided. "
                       "Check your AWS Secret Access Key and signing method.")
    handler.region = region
    handler.token = token is not None
    return akid


# --- EC2 answers ----------------------------------------------------------------------

def xml_answer(action, inner):
    return ('<?xml version="1.0" encoding="UTF-8"?>\n<%sResponse xmlns="%s">'
            "<requestId>%s</requestId>%s</%sResponse>" % (action, NS, secrets.token_hex(8), inner, action)).encode()


def items(values, render):
    return "".join("<item>%s</item>" % render(v) for v in values)


def param_list(form, prefix):
    out, n = [], 1
    while "%s.%d" % (prefix, n) in form:
        out.append(form["%s.%d" % (prefix, n)])
        n += 1
    return out


def need(form, name):
    if not form.get(name):
        raise ApiError(400, "MissingParameter", "The request must contain the parameter %s" % name)
    return form[name]


def op_describe_regions(h, form):
    region = getattr(h, "region", "us-east-1")
    return xml_answer("DescribeRegions", "<regionInfo><item><regionName>%s</regionName>"
                      "<regionEndpoint>ec2.%s.amazonaws.com</regionEndpoint><optInStatus>"
                      "opt-in-not-required</optInStatus></item></regionInfo>" % (region, region))


def op_describe_instance_types(h, form):
    names = param_list(form, "InstanceType")
    bad = [n for n in names if n not in TYPES]
    if bad:
        raise ApiError(400, "InvalidInstanceType", "The following supplied instance types do not exist: [%s]"
                       % ", ".join(bad))

    def render(name):
        arch, modes, nvme, ena = TYPES[name]
        return ("<instanceType>%s</instanceType><currentGeneration>true</currentGeneration>"
                "<processorInfo><supportedArchitectures><item>%s</item></supportedArchitectures>"
                "</processorInfo><ebsInfo><ebsOptimizedSupport>default</ebsOptimizedSupport>"
                "<nvmeSupport>%s</nvmeSupport></ebsInfo><networkInfo><enaSupport>%s</enaSupport>"
                "</networkInfo><supportedBootModes>%s</supportedBootModes>"
                % (name, arch, nvme, ena, items(modes, escape)))
    return xml_answer("DescribeInstanceTypes", "<instanceTypeSet>%s</instanceTypeSet>"
                      % items(names or sorted(TYPES), render))


def op_register_image(h, form):
    name = need(form, "Name")
    snap = form.get("BlockDeviceMapping.1.Ebs.SnapshotId", "")
    meta = load("snapshots", snap) if snap else None
    if not meta:
        raise ApiError(400, "InvalidSnapshot.NotFound", "The snapshot '%s' does not exist." % snap)
    if meta["Status"] != "completed":
        raise ApiError(400, "IncorrectState", "Snapshot '%s' is not completed" % snap)
    mode = form.get("BootMode", "")
    if mode not in ("", "legacy-bios", "uefi", "uefi-preferred"):
        raise ApiError(400, "InvalidParameterValue", "Value (%s) for parameter BootMode is invalid." % mode)
    ami = new_id("ami")
    save("images", ami, {"ImageId": ami, "Name": name, "SnapshotId": snap, "BootMode": mode,
                         "EnaSupport": form.get("EnaSupport", "false"),
                         "Architecture": form.get("Architecture", "x86_64"),
                         "RootDeviceName": form.get("RootDeviceName", "/dev/xvda")})
    h.detail = {"image": ami, "snapshot": snap, "boot_mode": mode}
    return xml_answer("RegisterImage", "<imageId>%s</imageId>" % ami)


def instance_xml(meta):
    tags = items(meta.get("Tags", []), lambda t: "<key>%s</key><value>%s</value>"
                 % (escape(t[0]), escape(t[1])))
    return ("<instanceId>%s</instanceId><imageId>%s</imageId><instanceState><code>%d</code>"
            "<name>%s</name></instanceState><instanceType>%s</instanceType><subnetId>%s</subnetId>"
            "<launchTime>%s</launchTime><bootMode>%s</bootMode><tagSet>%s</tagSet>"
            % (meta["InstanceId"], meta["ImageId"], STATE_CODES[meta["State"]], meta["State"],
               meta["InstanceType"], meta["SubnetId"], meta["LaunchTime"], meta["BootMode"], tags))


STATE_CODES = {"pending": 0, "running": 16, "shutting-down": 32, "terminated": 48,
               "stopping": 64, "stopped": 80}


def by_token(kind, token):
    """The earlier resource made with this ClientToken (EC2's idempotency:
    a retried request gets the first answer), or None."""
    d = path(kind)
    for ident in sorted(os.listdir(d)) if token and os.path.isdir(d) else []:
        m = load(kind, ident)
        if m and m.get("ClientToken") == token:
            return m
    return None


def op_run_instances(h, form):
    same = by_token("instances", form.get("ClientToken"))
    if same:
        h.instance = same["InstanceId"]
        h.detail = {"image": same["ImageId"], "idempotent": True}
        return xml_answer("RunInstances", "<reservationId>r-0</reservationId><ownerId>123456789012"
                          "</ownerId><groupSet/><instancesSet><item>%s</item></instancesSet>"
                          % instance_xml(same))
    image = load("images", need(form, "ImageId")) if form.get("ImageId", "").startswith("ami-") else None
    itype = need(form, "InstanceType")
    if not image:
        raise ApiError(400, "InvalidAMIID.NotFound", "The image id '[%s]' does not exist" % form.get("ImageId"))
    if itype not in TYPES:
        raise ApiError(400, "InvalidParameterValue", "Invalid value '%s' for InstanceType." % itype)
    subnet = form.get("SubnetId", "")
    if subnet and not subnet.startswith("subnet-"):
        raise ApiError(400, "InvalidSubnetID.NotFound", "The subnet ID '%s' does not exist" % subnet)
    arch, modes, _, _ = TYPES[itype]
    if image["Architecture"] != arch:
        raise ApiError(400, "InvalidParameterValue", "The instance type '%s' does not support the "
                       "architecture '%s' of image '%s'." % (itype, image["Architecture"], image["ImageId"]))
    mode = image["BootMode"]
    if mode == "uefi-preferred":
        boot = "uefi" if "uefi" in modes else "legacy-bios"
    elif mode == "":
        boot = modes[0]
    else:
        boot = mode
    if boot not in modes:
        raise ApiError(400, "InvalidParameterValue", "The instance type '%s' does not support boot mode "
                       "'%s' of image '%s'." % (itype, mode, image["ImageId"]))
    if ARGS.quota_at_launch == "limit":
        raise ApiError(400, "InstanceLimitExceeded", "You have requested more instances (1) than your "
                       "current instance limit of 0 allows for the specified instance type.")
    if ARGS.quota_at_launch == "capacity":
        raise ApiError(500, "InsufficientInstanceCapacity", "We currently do not have sufficient %s "
                       "capacity in the Availability Zone you requested." % itype)
    tags, n = [], 1
    while "TagSpecification.%d.ResourceType" % n in form:
        k = 1
        while "TagSpecification.%d.Tag.%d.Key" % (n, k) in form:
            tags.append((form["TagSpecification.%d.Tag.%d.Key" % (n, k)],
                         form.get("TagSpecification.%d.Tag.%d.Value" % (n, k), "")))
            k += 1
        n += 1
    iid = new_id("i")
    meta = {"InstanceId": iid, "ImageId": image["ImageId"], "InstanceType": itype, "SubnetId": subnet,
            "SecurityGroupIds": param_list(form, "SecurityGroupId"), "KeyName": form.get("KeyName", ""),
            "Tags": tags, "State": "running", "LaunchTime": now_iso(), "BootMode": boot,
            "Principal": h.principal, "ClientToken": form.get("ClientToken")}
    os.makedirs(path("instances", iid), exist_ok=True)
    assemble(image["SnapshotId"], path("instances", iid, "disk.raw"))
    open(path("instances", iid, "console.log"), "a").close()
    save("instances", iid, meta)
    h.instance = iid
    h.detail = {"image": image["ImageId"], "type": itype, "boot_mode": boot, "tags": tags,
                "subnet": subnet, "security_groups": meta["SecurityGroupIds"], "key_name": meta["KeyName"],
                "client_token": bool(form.get("ClientToken"))}
    if ARGS.instance_cmd:
        env = dict(os.environ, CM_INSTANCE_ID=iid, CM_INSTANCE_CLOUD="aws", CM_INSTANCE_TYPE=itype,
                   CM_INSTANCE_DISK=path("instances", iid, "disk.raw"),
                   CM_INSTANCE_BOOT_MODE="uefi" if boot == "uefi" else "bios",
                   CM_INSTANCE_CONSOLE=path("instances", iid, "console.log"))
        PROCS[iid] = subprocess.Popen(ARGS.instance_cmd, shell=True, env=env, start_new_session=True,
                                      stdin=subprocess.DEVNULL)
    shown = dict(meta, State="pending")
    return xml_answer("RunInstances", "<reservationId>%s</reservationId><ownerId>123456789012</ownerId>"
                      "<groupSet/><instancesSet><item>%s</item></instancesSet>"
                      % (new_id("r"), instance_xml(shown)))


def instance_of(form, name):
    iid = form.get(name, "")
    meta = load("instances", iid) if iid.startswith("i-") else None
    if not meta:
        raise ApiError(400, "InvalidInstanceID.NotFound", "The instance ID '%s' does not exist" % iid)
    return meta


def op_describe_instances(h, form):
    ids = param_list(form, "InstanceId")
    metas = [instance_of({"x": i}, "x") for i in ids] if ids else \
        [load("instances", i) for i in sorted(os.listdir(path("instances")))] \
        if os.path.isdir(path("instances")) else []
    return xml_answer("DescribeInstances", "<reservationSet>%s</reservationSet>" % items(
        metas, lambda m: "<reservationId>r-0</reservationId><instancesSet><item>%s</item></instancesSet>"
        % instance_xml(m)))


def op_get_console_output(h, form):
    meta = instance_of(form, "InstanceId")
    h.instance = meta["InstanceId"]
    try:
        with open(path("instances", meta["InstanceId"], "console.log"), "rb") as f:
            data = f.read()[-64 * 1024:]
    except OSError:
        data = b""
    return xml_answer("GetConsoleOutput", "<instanceId>%s</instanceId><timestamp>%s</timestamp>"
                      "<output>%s</output>" % (meta["InstanceId"], now_iso(),
                                               base64.b64encode(data).decode()))


def kill_instance(iid):
    p = PROCS.pop(iid, None)
    if p and p.poll() is None:
        try:
            os.killpg(p.pid, signal.SIGTERM)
        except ProcessLookupError:
            pass
        try:
            p.wait(5)
        except subprocess.TimeoutExpired:
            os.killpg(p.pid, signal.SIGKILL)
            p.wait()


def change_state(h, form, action, new_state):
    ids = param_list(form, "InstanceId")
    if not ids:
        raise ApiError(400, "MissingParameter", "The request must contain the parameter InstanceId")
    metas = [instance_of({"x": i}, "x") for i in ids]
    h.instance = ids[0]
    if ARGS.deny_retire:
        raise ApiError(403, "UnauthorizedOperation", "You are not authorized to perform this operation. "
                       "User: arn:aws:sts::123456789012:assumed-role/%s is not authorized to perform: "
                       "ec2:%s on resource: arn:aws:ec2:%s:123456789012:instance/%s"
                       % (h.principal, action, getattr(h, "region", ""), ids[0]))
    out = []
    for m in metas:
        prev = m["State"]
        kill_instance(m["InstanceId"])
        if prev != "terminated":
            m["State"] = new_state
        save("instances", m["InstanceId"], m)
        out.append("<instanceId>%s</instanceId><currentState><code>%d</code><name>%s</name></currentState>"
                   "<previousState><code>%d</code><name>%s</name></previousState>"
                   % (m["InstanceId"], STATE_CODES[m["State"]], m["State"], STATE_CODES[prev], prev))
    return xml_answer(action, "<instancesSet>%s</instancesSet>" % "".join("<item>%s</item>" % o for o in out))


def op_stop_instances(h, form):
    return change_state(h, form, "StopInstances", "stopped")


def op_terminate_instances(h, form):
    return change_state(h, form, "TerminateInstances", "terminated")


def s3_object(bucket, key):
    for p in (os.path.join(ARGS.s3_dir or "", bucket, key + "._S3rver_object"),
              os.path.join(ARGS.s3_dir or "", bucket, key)):
        if ARGS.s3_dir and os.path.isfile(p) and ".." not in key.split("/"):
            return p
    return None


def finish_import(task):
    """A task whose time has come: its snapshot, made from the object."""
    meta = load("imports", task)
    if meta["Status"] != "active" or time.time() < meta["Done"]:
        return meta
    snap = new_id("snap")
    src = s3_object(meta["Bucket"], meta["Key"])
    size = os.path.getsize(src)
    save("snapshots", snap, {"SnapshotId": snap, "VolumeSize": max(1, -(-size // GIB)),
                             "Status": "pending", "Principal": meta["Principal"]})
    os.makedirs(path("snapshots", snap, "blocks"))
    with open(src, "rb") as f:
        i = 0
        while True:
            b = f.read(BLOCK)
            if not b:
                break
            if b.count(0) != len(b):
                with open(path("snapshots", snap, "blocks", str(i)), "wb") as o:
                    o.write(b.ljust(BLOCK, b"\0"))
            i += 1
    s = load("snapshots", snap)
    s["Status"] = "completed"
    save("snapshots", snap, s)
    meta.update(Status="completed", SnapshotId=snap, Size=size)
    save("imports", task, meta)
    return meta


def task_xml(meta):
    detail = "<diskImageSize>%d</diskImageSize><format>RAW</format><progress>%s</progress><status>%s</status>" \
        % (meta.get("Size", 0), "100" if meta["Status"] == "completed" else "30", meta["Status"])
    if meta.get("SnapshotId"):
        detail += "<snapshotId>%s</snapshotId>" % meta["SnapshotId"]
    detail += "<userBucket><s3Bucket>%s</s3Bucket><s3Key>%s</s3Key></userBucket>" % (
        escape(meta["Bucket"]), escape(meta["Key"]))
    return "<importTaskId>%s</importTaskId><snapshotTaskDetail>%s</snapshotTaskDetail>" % (meta["Id"], detail)


def op_import_snapshot(h, form):
    same = by_token("imports", form.get("ClientToken"))
    if same:
        return xml_answer("ImportSnapshot", task_xml(same))
    bucket = form.get("DiskContainer.UserBucket.S3Bucket", "")
    key = form.get("DiskContainer.UserBucket.S3Key", "")
    fmt = form.get("DiskContainer.Format", "RAW").upper()
    if fmt != "RAW":
        raise ApiError(400, "InvalidParameter", "Only RAW disk images are taken by this server (got %s)" % fmt)
    if not bucket or not key:
        raise ApiError(400, "InvalidParameter", "DiskContainer.UserBucket.S3Bucket and S3Key are required")
    if not s3_object(bucket, key):
        raise ApiError(400, "InvalidParameter", "The specified S3 object s3://%s/%s does not exist or "
                       "is not readable" % (bucket, key))
    task = new_id("import-snap")
    meta = {"Id": task, "Bucket": bucket, "Key": key, "Status": "active",
            "Done": time.time() + ARGS.import_seconds, "Principal": h.principal,
            "ClientToken": form.get("ClientToken")}
    save("imports", task, meta)
    return xml_answer("ImportSnapshot", task_xml(meta))


def op_describe_import_snapshot_tasks(h, form):
    ids = param_list(form, "ImportTaskId")
    metas = []
    for t in ids:
        if not load("imports", t):
            raise ApiError(400, "InvalidConversionTaskId.Malformed", "The import task '%s' does not exist" % t)
        metas.append(finish_import(t))
    return xml_answer("DescribeImportSnapshotTasks", "<importSnapshotTaskSet>%s</importSnapshotTaskSet>"
                      % items(metas, task_xml))


EC2_OPS = {
    "DescribeRegions": op_describe_regions,
    "DescribeInstanceTypes": op_describe_instance_types,
    "RegisterImage": op_register_image,
    "RunInstances": op_run_instances,
    "DescribeInstances": op_describe_instances,
    "GetConsoleOutput": op_get_console_output,
    "ImportSnapshot": op_import_snapshot,
    "DescribeImportSnapshotTasks": op_describe_import_snapshot_tasks,
    "StopInstances": op_stop_instances,
    "TerminateInstances": op_terminate_instances,
}


# --- EBS direct ------------------------------------------------------------------------

def snapshot_or_404(snap):
    meta = load("snapshots", snap) if snap.startswith("snap-") else None
    if not meta:
        raise ApiError(404, "ResourceNotFoundException", "The snapshot '%s' does not exist." % snap,
                       "SNAPSHOT_NOT_FOUND")
    return meta


def ebs_start(h, body):
    try:
        req = json.loads(body or b"{}")
    except ValueError:
        raise ApiError(400, "ValidationException", "The request body is not JSON")
    size = req.get("VolumeSize")
    if not isinstance(size, int) or not 1 <= size <= 65536:
        raise ApiError(400, "ValidationException", "VolumeSize must be 1..65536 GiB")
    parent = req.get("ParentSnapshotId")
    if parent:
        snapshot_or_404(parent)
    token = req.get("ClientToken")
    if token:
        for snap in os.listdir(path("snapshots")) if os.path.isdir(path("snapshots")) else []:
            m = load("snapshots", snap)
            if m and m.get("ClientToken") == token:
                return 201, m
    snap = new_id("snap")
    meta = {"SnapshotId": snap, "VolumeSize": size, "Status": "pending", "BlockSize": BLOCK,
            "OwnerId": "123456789012", "StartTime": time.time(), "Description": req.get("Description", ""),
            "ParentSnapshotId": parent, "ClientToken": token, "Timeout": req.get("Timeout", 60),
            "Tags": req.get("Tags", []), "Written": 0}
    save("snapshots", snap, meta)
    os.makedirs(path("snapshots", snap, "blocks"), exist_ok=True)
    if parent:      # the parent's blocks are this one's until overwritten
        for i in blocks_of(parent):
            with open(path("snapshots", parent, "blocks", str(i)), "rb") as s, \
                    open(path("snapshots", snap, "blocks", str(i)), "wb") as d:
                d.write(s.read())
    h.detail = {"snapshot": snap, "volume_size": size, "parent": parent}
    return 201, {k: meta[k] for k in ("SnapshotId", "VolumeSize", "Status", "BlockSize", "OwnerId",
                                      "StartTime", "Description", "ParentSnapshotId", "Tags")}


def ebs_put_block(h, snap, index, body):
    meta = snapshot_or_404(snap)
    h.detail = {"snapshot": snap, "block": index}
    if meta["Status"] != "pending":
        raise ApiError(400, "ValidationException", "The snapshot is not in the pending state",
                       "SNAPSHOT_NOT_FOUND")
    if ARGS.block_delay_ms:
        time.sleep(ARGS.block_delay_ms / 1000)
    if index < 0 or index >= meta["VolumeSize"] * GIB // BLOCK:
        raise ApiError(400, "ValidationException", "The block index is out of range", "INVALID_BLOCK")
    if h.headers.get("x-amz-Data-Length") != str(BLOCK) or len(body) != BLOCK:
        raise ApiError(400, "ValidationException", "The data length must be 524288", "INVALID_DATA_LENGTH")
    if h.headers.get("x-amz-Checksum-Algorithm") != "SHA256":
        raise ApiError(400, "ValidationException", "Only SHA256 checksums", "UNSUPPORTED_CHECKSUM_ALGORITHM")
    if index == ARGS.corrupt_block:     # as if a bit flipped on the way
        body = bytes([body[0] ^ 1]) + body[1:]
    want = base64.b64encode(hashlib.sha256(body).digest()).decode()
    if h.headers.get("x-amz-Checksum") != want:
        raise ApiError(400, "ValidationException", "The checksum of the data does not match the "
                       "x-amz-Checksum header", "INVALID_CHECKSUM")
    tmp = path("snapshots", snap, "blocks", ".%d.tmp" % index)
    with open(tmp, "wb") as f:
        f.write(body)
    os.replace(tmp, path("snapshots", snap, "blocks", str(index)))
    with LOCK:
        meta = load("snapshots", snap)
        meta["Written"] = meta.get("Written", 0) + 1
        save("snapshots", snap, meta)
    return 201, None, {"x-amz-Checksum": want, "x-amz-Checksum-Algorithm": "SHA256"}


def ebs_list(h, snap, query):
    meta = snapshot_or_404(snap)
    q = urllib.parse.parse_qs(query)
    most = int(q.get("maxResults", ["10000"])[0])
    start = int(q.get("pageToken", q.get("startingBlockIndex", ["0"]))[0])
    most = max(100, min(10000, most))
    blocks = [i for i in blocks_of(snap) if i >= start]
    page = blocks[:most]
    out = {"Blocks": [{"BlockIndex": i, "BlockToken": base64.b64encode(b"%s/%d" % (snap.encode(), i)).decode()}
                      for i in page],
           "VolumeSize": meta["VolumeSize"], "BlockSize": BLOCK,
           "ExpiryTime": time.time() + 3600}
    if len(blocks) > most:
        out["NextToken"] = str(blocks[most])
    return 200, out


def ebs_complete(h, snap):
    meta = snapshot_or_404(snap)
    h.detail = {"snapshot": snap}
    count = h.headers.get("x-amz-ChangedBlocksCount")
    if count is None or not count.isdigit():
        raise ApiError(400, "ValidationException", "x-amz-ChangedBlocksCount is required")
    if meta["Status"] == "completed":
        return 202, {"Status": "completed"}
    if int(count) != meta.get("Written", 0):
        raise ApiError(400, "ValidationException", "ChangedBlocksCount %s is not the %d blocks written"
                       % (count, meta.get("Written", 0)), "INVALID_BLOCK")
    meta["Status"] = "completed"
    save("snapshots", snap, meta)
    h.detail["blocks"] = int(count)
    return 202, {"Status": "completed"}


# --- the HTTP side ---------------------------------------------------------------------

class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *a):
        pass

    def send(self, status, body, ctype, headers=None):
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        for k, v in (headers or {}).items():
            self.send_header(k, v)
        self.end_headers()
        self.wfile.write(body)

    def record(self, op, status, code=None):
        entry = {"t": time.time(), "op": op, "principal": getattr(self, "principal", None),
                 "instance": getattr(self, "instance", None), "status": status,
                 "token": bool(getattr(self, "token", False))}
        entry.update(getattr(self, "detail", {}) or {})
        if code:
            entry["code"] = code
        if ARGS.log:
            with LOCK, open(ARGS.log, "a") as f:
                f.write(json.dumps(entry) + "\n")

    def body(self):
        n = int(self.headers.get("Content-Length") or 0)
        data = self.rfile.read(n) if n else b""
        if len(data) != n:
            self.close_connection = True
        return data

    def do_POST(self):
        self.dispatch()

    def do_GET(self):
        self.dispatch()

    def do_PUT(self):
        self.dispatch()

    def dispatch(self):
        body = self.body()
        split = urllib.parse.urlsplit(self.path)
        if split.path.startswith("/snapshots"):
            self.ebs(split, body)
        else:
            self.ec2(body)

    def ec2(self, body):
        form = {k: v[-1] for k, v in urllib.parse.parse_qs(body.decode("utf-8", "replace"),
                                                              keep_blank_values=True).items()}
        action = form.get("Action", "")
        self.detail = {}
        try:
            if self.command != "POST":
                raise ApiError(400, "InvalidAction", "The Query API is POST / here")
            check_signature(self, body, "ec2", False)
            fn = EC2_OPS.get(action)
            if not fn:
                raise ApiError(400, "InvalidAction", "The action %s is not valid for this web service." % action)
            if form.get("Version") != "2016-11-15":
                raise ApiError(400, "InvalidParameterValue", "Version %s is not 2016-11-15" % form.get("Version"))
            injected(self, action)
            with LOCK:
                answer = fn(self, form)
            self.record(action, 200)
            self.send(200, answer, "text/xml;charset=UTF-8")
        except Handled:
            pass
        except ApiError as e:
            self.record(action or "?", e.status, e.code)
            doc = ('<?xml version="1.0" encoding="UTF-8"?>\n<Response><Errors><Error><Code>%s</Code>'
                   "<Message>%s</Message></Error></Errors><RequestID>%s</RequestID></Response>"
                   % (e.code, escape(e.message), secrets.token_hex(8))).encode()
            self.send(e.status, doc, "text/xml;charset=UTF-8")

    def ebs(self, split, body):
        parts = split.path.strip("/").split("/")
        op = "?"
        self.detail = {}
        try:
            if self.command == "POST" and parts == ["snapshots"]:
                op = "StartSnapshot"
            elif self.command == "PUT" and len(parts) == 4 and parts[2] == "blocks" and parts[3].isdigit():
                op = "PutSnapshotBlock"
            elif self.command == "GET" and len(parts) == 3 and parts[2] == "blocks":
                op = "ListSnapshotBlocks"
            elif self.command == "POST" and len(parts) == 3 and parts[1] == "completion":
                op = "CompleteSnapshot"
            else:
                raise ApiError(404, "UnknownOperationException", "No such operation")
            check_signature(self, body, "ebs", op == "PutSnapshotBlock")
            headers = {}
            if op == "StartSnapshot":
                with LOCK:
                    status, out = ebs_start(self, body)
            elif op == "PutSnapshotBlock":
                status, out, headers = ebs_put_block(self, parts[1], int(parts[3]), body)
            elif op == "ListSnapshotBlocks":
                status, out = ebs_list(self, parts[1], split.query)
            else:
                with LOCK:
                    status, out = ebs_complete(self, parts[2])
            self.record(op, status)
            self.send(status, json.dumps(out).encode() if out is not None else b"",
                      "application/json", headers)
        except ApiError as e:
            self.record(op, e.status, e.code)
            err = {"message": e.message}
            if e.reason:
                err["Reason"] = e.reason
            self.send(e.status, json.dumps(err).encode(), "application/json",
                      {"x-amzn-ErrorType": e.code})


FAULTS_LEFT = {}


def injected(h, action):
    """--fail-5xx OP:N[:STATUS]: the first N calls of OP answer STATUS (503 by
    default; N=0 means every call), as a passing server fault would.
    --garbage OP: OP answers 200 with an HTML page, as a proxy's error page."""
    with LOCK:
        for spec in ARGS.fail_5xx:
            op, n, *st = spec.split(":")
            if op != action:
                continue
            left = FAULTS_LEFT.setdefault(spec, int(n) or -1)
            if left == 0:
                continue
            FAULTS_LEFT[spec] = left - 1 if left > 0 else -1
            raise ApiError(int(st[0]) if st else 503, "ServiceUnavailable" if not st or st[0] == "503"
                           else "InternalError", "injected fault (--fail-5xx %s)" % spec)
    if action in ARGS.garbage:
        h.record(action, 200, "garbage")
        h.send(200, b"<html><body><h1>502 Bad Gateway</h1></body></html>", "text/html")
        raise Handled()


class Handled(Exception):
    pass


def main():
    global ARGS
    p = argparse.ArgumentParser()
    p.add_argument("--state", required=True)
    p.add_argument("--key", action="append", default=[])
    p.add_argument("--port", type=int, default=0)
    p.add_argument("--port-file")
    p.add_argument("--log")
    p.add_argument("--instance-cmd")
    p.add_argument("--type", action="append", default=[])
    p.add_argument("--s3-dir")
    p.add_argument("--deny-retire", action="store_true")
    p.add_argument("--quota-at-launch", choices=["limit", "capacity"])
    p.add_argument("--block-delay-ms", type=int, default=0)
    p.add_argument("--fail-5xx", action="append", default=[], metavar="OP:N[:STATUS]")
    p.add_argument("--garbage", action="append", default=[], metavar="OP")
    p.add_argument("--corrupt-block", type=int, default=-1)
    p.add_argument("--instance", action="append", default=[])
    p.add_argument("--import-seconds", type=float, default=0.5)
    ARGS = p.parse_args()
    for k in ARGS.key:
        f = k.split(":", 2)
        if len(f) < 2:
            sys.exit("--key AKID:SECRET[:TOKEN]")
        KEYS[f[0]] = (f[1], f[2] if len(f) > 2 else None)
    for t in ARGS.type:
        name, arch, modes, nvme, ena = t.split(":")
        TYPES[name] = (arch, modes.split("+"), nvme, ena)
    os.makedirs(ARGS.state, exist_ok=True)
    for spec in ARGS.instance:     # the machine that will retire itself
        iid, _, itype = spec.partition(":")
        if not load("instances", iid):
            save("instances", iid, {"InstanceId": iid, "ImageId": "ami-source", "InstanceType":
                                    itype or "m5.large", "SubnetId": "subnet-source",
                                    "SecurityGroupIds": [], "KeyName": "", "Tags": [],
                                    "State": "running", "LaunchTime": now_iso(),
                                    "BootMode": "legacy-bios", "Principal": None})
    srv = ThreadingHTTPServer(("127.0.0.1", ARGS.port), Handler)
    srv.daemon_threads = True
    if ARGS.port_file:
        with open(ARGS.port_file + ".tmp", "w") as f:
            f.write(str(srv.server_address[1]))
        os.rename(ARGS.port_file + ".tmp", ARGS.port_file)

    def stop(*_):
        for iid in list(PROCS):
            kill_instance(iid)
        os._exit(0)
    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    srv.serve_forever()


if __name__ == "__main__":
    main()
