#!/usr/bin/env python3
"""ec2_selftest.py PORT AKID SECRET S3DIR: botocore's own EC2 and EBS
clients (its serializers, its SigV4 signer, its response parsers) against
ec2_server.py, so that the emulator speaks the wire format the SDKs speak.
Prints "ok NAME" / "FAIL NAME: why" lines; exit 1 on any failure."""
import base64
import hashlib
import sys

import botocore.session
from botocore.exceptions import ClientError

port, akid, secret, s3dir = sys.argv[1:5]
sess = botocore.session.get_session()
kw = dict(region_name="eu-west-1", endpoint_url="http://127.0.0.1:%s" % port,
          aws_access_key_id=akid, aws_secret_access_key=secret)
ec2 = sess.create_client("ec2", **kw)
ebs = sess.create_client("ebs", **kw)
failed = 0


def check(name, cond, why=""):
    global failed
    if cond:
        print("ok   selftest %s" % name)
    else:
        failed += 1
        print("FAIL selftest %s: %s" % (name, why))


def code_of(fn, **a):
    try:
        fn(**a)
        return None
    except ClientError as e:
        return e.response["Error"]["Code"]


r = ec2.describe_regions()
check("DescribeRegions", r["Regions"][0]["RegionName"] == "eu-west-1", r)
t = ec2.describe_instance_types(InstanceTypes=["m5.large"])["InstanceTypes"][0]
check("DescribeInstanceTypes", t["SupportedBootModes"] == ["legacy-bios", "uefi"] and
      t["ProcessorInfo"]["SupportedArchitectures"] == ["x86_64"] and
      t["EbsInfo"]["NvmeSupport"] == "required" and t["NetworkInfo"]["EnaSupport"] == "required", t)
check("InvalidInstanceType", code_of(ec2.describe_instance_types, InstanceTypes=["zz.huge"]) ==
      "InvalidInstanceType")

s = ebs.start_snapshot(VolumeSize=1, ClientToken="selftest-1")
sid = s["SnapshotId"]
check("StartSnapshot", s["Status"] == "pending" and s["BlockSize"] == 524288, s)
block = bytes(range(256)) * 2048
good = base64.b64encode(hashlib.sha256(block).digest()).decode()
ebs.put_snapshot_block(SnapshotId=sid, BlockIndex=3, BlockData=block, DataLength=len(block),
                       Checksum=good, ChecksumAlgorithm="SHA256")
check("PutSnapshotBlock INVALID_CHECKSUM", code_of(
    ebs.put_snapshot_block, SnapshotId=sid, BlockIndex=4, BlockData=block, DataLength=len(block),
    Checksum=base64.b64encode(b"\0" * 32).decode(), ChecksumAlgorithm="SHA256") == "ValidationException")
lst = ebs.list_snapshot_blocks(SnapshotId=sid)
check("ListSnapshotBlocks", [b["BlockIndex"] for b in lst["Blocks"]] == [3], lst)
check("CompleteSnapshot count", code_of(ebs.complete_snapshot, SnapshotId=sid, ChangedBlocksCount=2) ==
      "ValidationException")
check("CompleteSnapshot", ebs.complete_snapshot(SnapshotId=sid, ChangedBlocksCount=1)["Status"] ==
      "completed")

ami = ec2.register_image(Name="selftest", RootDeviceName="/dev/xvda", BootMode="legacy-bios",
                         EnaSupport=True, VirtualizationType="hvm", Architecture="x86_64",
                         BlockDeviceMappings=[{"DeviceName": "/dev/xvda",
                                               "Ebs": {"SnapshotId": sid}}])["ImageId"]
check("RegisterImage", ami.startswith("ami-"), ami)
check("RunInstances BIOS on a UEFI-only type", code_of(
    ec2.run_instances, ImageId=ami, InstanceType="u9.uefi", MinCount=1, MaxCount=1,
    SubnetId="subnet-1") == "InvalidParameterValue")
inst = ec2.run_instances(ImageId=ami, InstanceType="m5.large", MinCount=1, MaxCount=1,
                         SubnetId="subnet-1", SecurityGroupIds=["sg-1"],
                         TagSpecifications=[{"ResourceType": "instance",
                                             "Tags": [{"Key": "Name", "Value": "st"}]}])
iid = inst["Instances"][0]["InstanceId"]
check("RunInstances", iid.startswith("i-") and inst["Instances"][0]["Tags"][0]["Value"] == "st", inst)
again = ec2.run_instances(ImageId=ami, InstanceType="m5.large", MinCount=1, MaxCount=1,
                          SubnetId="subnet-1", ClientToken="selftest-token")
again2 = ec2.run_instances(ImageId=ami, InstanceType="m5.large", MinCount=1, MaxCount=1,
                           SubnetId="subnet-1", ClientToken="selftest-token")
check("RunInstances ClientToken idempotent", again["Instances"][0]["InstanceId"] ==
      again2["Instances"][0]["InstanceId"] != iid)
d = ec2.describe_instances(InstanceIds=[iid])["Reservations"][0]["Instances"][0]
check("DescribeInstances", d["State"]["Name"] == "running" and d["BootMode"] == "legacy-bios", d)
out = ec2.get_console_output(InstanceId=iid)
check("GetConsoleOutput", "Output" not in out or base64.b64decode(out["Output"]) is not None, out)

imp = ec2.import_snapshot(DiskContainer={"Format": "RAW", "UserBucket": {"S3Bucket": "bucket",
                                                                         "S3Key": "disk.raw"}})
tid = imp["ImportTaskId"]
check("ImportSnapshot", imp["SnapshotTaskDetail"]["Status"] == "active", imp)
import time
time.sleep(0.6)
task = ec2.describe_import_snapshot_tasks(ImportTaskIds=[tid])["ImportSnapshotTasks"][0]
check("DescribeImportSnapshotTasks", task["SnapshotTaskDetail"]["Status"] == "completed" and
      task["SnapshotTaskDetail"]["SnapshotId"].startswith("snap-"), task)

st = ec2.stop_instances(InstanceIds=[iid])["StoppingInstances"][0]
check("StopInstances", st["CurrentState"]["Name"] == "stopped", st)
te = ec2.terminate_instances(InstanceIds=[iid])["TerminatingInstances"][0]
check("TerminateInstances", te["CurrentState"]["Name"] == "terminated", te)

bad = sess.create_client("ec2", **dict(kw, aws_secret_access_key="wrong"))
check("SignatureDoesNotMatch", code_of(bad.describe_regions) == "SignatureDoesNotMatch")
unknown = sess.create_client("ec2", **dict(kw, aws_access_key_id="AKIDUNKNOWN"))
check("AuthFailure", code_of(unknown.describe_regions) == "AuthFailure")
sys.exit(1 if failed else 0)
