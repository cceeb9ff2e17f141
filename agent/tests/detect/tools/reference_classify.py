#!/usr/bin/env python3
"""Executable form of SIGNATURES.md, to check the table against the fixtures.

    reference_classify.py [ROOT...]     print the verdict for each root
    reference_classify.py --check       run every fixture, compare with `cloud`

Not the product: a slow, readable model of the rules in SIGNATURES.md §0-§2,
in the order of §1, so that a rule change can be tried on all fixtures at once
and the C implementation has something to be diffed against.
"""
import os
import re
import sys

HERE = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
FIELDS = ("sys_vendor product_name product_version product_serial product_uuid "
          "product_family product_sku bios_vendor bios_version bios_date "
          "board_vendor board_name board_version board_asset_tag chassis_vendor "
          "chassis_type chassis_version chassis_serial chassis_asset_tag").split()
PLACEHOLDERS = {"none", "not specified", "not applicable", "to be filled by o.e.m.",
                "default string", "system manufacturer", "system product name",
                "o.e.m.", "0", "n/a", "unknown", ""}
AZURE_TAG = "7783-7084-3265-9085-8269-3286-77"
OPENSTACK_TAGS = {"OpenStack Nova", "OpenStack Compute", "OpenTelekomCloud",
                  "SAP CCloud VM", "HUAWEICLOUD", "Samsung Cloud Platform"}
VENDOR_CLOUDS = {"Alibaba Cloud": "alibaba", "Tencent Cloud": "tencent",
                 "DigitalOcean": "digitalocean", "Hetzner": "hetzner",
                 "Exoscale": "exoscale", "Scaleway": "scaleway", "Vultr": "vultr",
                 "UpCloud": "upcloud", "Linode": "linode", "Akamai": "linode",
                 "Huawei Cloud": "openstack"}
# Makers of physical machines (agent/src/clouds/hardware.c, with sources):
# without CPU evidence only these make an unmatched DMI "baremetal".
HARDWARE_VENDORS = {"Dell Inc.", "HP", "HPE", "Supermicro",
                    "Quanta Cloud Technology Inc.", "LENOVO", "Oracle Corporation"}


def read(path, limit=4096):
    """§0: bounded read; absent on error/dir/binary; strip newline and blanks."""
    try:
        with open(path, "rb") as f:
            raw = f.read(limit)
    except OSError:
        return None
    raw = raw.rstrip(b"\n")
    try:
        s = raw.decode("utf-8")
    except UnicodeDecodeError:
        return None
    if any((ord(c) < 0x20 and c != "\t") or ord(c) == 0x7f for c in s):
        return None
    return s.strip(" \t\r")


def facts(root):
    d = os.path.join(root, "sys/class/dmi/id")
    f = {k: read(os.path.join(d, k)) for k in FIELDS} if os.path.isdir(d) else {}
    f["_dmi"] = os.path.isdir(d)
    f["_hv_type"] = read(os.path.join(root, "sys/hypervisor/type"))
    f["_hv_uuid"] = read(os.path.join(root, "sys/hypervisor/uuid"))
    cpu = read(os.path.join(root, "proc/cpuinfo"), 1 << 16) or ""
    f["_hypervisor_flag"] = bool(re.search(r"^flags\s*:.*\bhypervisor\b", cpu, re.M))
    f["_cpu_evidence"] = bool(re.search(r"^(flags|features)\s*:", cpu, re.M))
    return f


def real(v):
    return v is not None and v.lower() not in PLACEHOLDERS


def ec2_uuid(u):
    if not u:
        return False
    u = u.lower()
    if u.startswith("ec2"):
        return True
    first = u.split("-")[0]
    return len(first) == 8 and re.fullmatch(r"[0-9a-f]{4}2[0-9a-f]ec", first) is not None


def classify(root):
    f = facts(root)
    g = lambda k: f.get(k) or ""
    tag, pname, svendor = g("chassis_asset_tag"), g("product_name"), g("sys_vendor")
    vendors = [g(k) for k in ("sys_vendor", "bios_vendor", "board_vendor", "chassis_vendor")]
    # 1. cloud asset tags
    if tag == AZURE_TAG:
        return "azure"
    if tag == "OracleCloud.com":
        return "oracle"
    if tag == "ibmcloud" or g("chassis_vendor").startswith("IBM:Cloud Compute Server 1.0:"):
        return "ibm"
    if tag in OPENSTACK_TAGS:
        return "openstack"
    # 2. AWS strong
    if "Amazon EC2" in vendors or tag == "Amazon EC2" \
            or re.fullmatch(r"i-([0-9a-f]{8}|[0-9a-f]{17})", g("board_asset_tag")) \
            or g("bios_version").endswith(".amazon") or g("product_version").endswith(".amazon") \
            or (f["_hv_uuid"] or "").lower().startswith("ec2"):
        return "aws"
    # 3. GCP
    if pname == "Google Compute Engine" or "Google" in vendors[:2] \
            or g("product_serial").startswith("GoogleCloud-"):
        return "gcp"
    # 4. clouds named by vendor / product
    if svendor in VENDOR_CLOUDS:
        return VENDOR_CLOUDS[svendor]
    if pname == "Alibaba Cloud ECS":
        return "alibaba"
    if pname.startswith("Exoscale"):
        return "exoscale"
    # 5. OpenStack by product name
    if pname in ("OpenStack Nova", "OpenStack Compute"):
        return "openstack"
    # 6. AWS weak: uuid heuristics, only if nothing names another vendor
    if (not real(svendor) or svendor == "Xen") and \
            (ec2_uuid(g("product_uuid")) or g("product_serial").lower().startswith("ec2")):
        return "aws"
    # 7. hypervisors
    if svendor == "VMware, Inc." or pname.startswith("VMware") or g("product_serial").startswith("VMware-"):
        return "vmware"
    if svendor == "Microsoft Corporation" and pname == "Virtual Machine":
        return "hyperv"
    if svendor == "Xen" or g("bios_vendor") == "Xen" or pname == "HVM domU" or f["_hv_type"] == "xen":
        return "xen"
    if svendor in ("QEMU", "Bochs", "KubeVirt", "Nutanix", "oVirt") or pname in ("KVM", "RHEL", "AHV") \
            or pname.startswith("RHEV Hypervisor") or pname.startswith("Standard PC (") \
            or g("bios_vendor") in ("Bochs", "SeaBIOS") and g("chassis_vendor") in ("QEMU", "Bochs"):
        return "kvm"
    # 8. fallback
    if pname == "VirtualBox" or svendor == "innotek GmbH" or svendor.startswith("Parallels") \
            or pname == "BHYVE":
        return "unknown"
    if f["_hypervisor_flag"]:
        return "unknown"
    # an absent cpuinfo is no evidence of bare metal: then only a known
    # hardware maker in sys_vendor says so
    if f["_dmi"] and f["_cpu_evidence"] and \
            any(real(g(k)) for k in ("sys_vendor", "board_vendor", "bios_vendor", "product_name")):
        return "baremetal"
    if f["_dmi"] and svendor.lower() in {v.lower() for v in HARDWARE_VENDORS}:
        return "baremetal"
    return "unknown"


def main(argv):
    if argv[1:2] == ["--check"]:
        bad = 0
        for case in sorted(os.listdir(HERE)):
            d = os.path.join(HERE, case)
            if not os.path.isfile(os.path.join(d, "cloud")):
                continue
            want = open(os.path.join(d, "cloud")).read().strip()
            got = classify(os.path.join(d, "root"))
            ok = got == want
            bad += not ok
            print(f"{case:42} {want:13} {got:13} {'ok' if ok else 'MISMATCH'}")
        print(f"{bad} mismatch(es)")
        return 1 if bad else 0
    for r in argv[1:]:
        print(r, classify(r))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
