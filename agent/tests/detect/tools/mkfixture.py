#!/usr/bin/env python3
"""Turn a public DMI dump into a fixture root for `cloudmove detect --root`.

    mkfixture.py CASE CLOUD [--dmidecode FILE | --sysfs FILE]
                 [--uuid-case lower|upper|keep] [--flags "fpu ... hypervisor"]
                 [--hv-type xen] [--hv-uuid UUID] [--source FILE]

Writes agent/tests/detect/CASE/{cloud,SOURCE,root/...}.  The input is read
from FILE ("-" = stdin):

--dmidecode  `dmidecode` (or `dmidecode -t 0,1,2,3`) text.  Fields are mapped
             the way the kernel's drivers/firmware/dmi-id.c exposes them:
             a string dmidecode prints as "Not Specified" (string index 0) or
             "<BAD INDEX>" becomes an empty file (the kernel shows "" for it);
             a field dmidecode does not print (structure too short for it)
             gets no file.  chassis_type is the SMBIOS number.  The UUID is
             printed in lower case by default (kernels since 2017 use %pUl/%pUb;
             older ones used upper case -- --uuid-case upper keeps that).
--sysfs      `grep . /sys/class/dmi/id/*` or `field: value` / `field=value`
             lines, copied as they are.

The SOURCE file is written verbatim from --source (URLs, what the dump is,
and the raw excerpt), so every fixture says where it came from.
"""
import argparse
import os
import re
import sys

HERE = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

CHASSIS_TYPES = {
    "Other": 1, "Unknown": 2, "Desktop": 3, "Low Profile Desktop": 4,
    "Pizza Box": 5, "Mini Tower": 6, "Tower": 7, "Portable": 8, "Laptop": 9,
    "Notebook": 10, "Hand Held": 11, "Docking Station": 12, "All In One": 13,
    "Sub Notebook": 14, "Space-saving": 15, "Lunch Box": 16,
    "Main Server Chassis": 17, "Expansion Chassis": 18, "Sub Chassis": 19,
    "Bus Expansion Chassis": 20, "Peripheral Chassis": 21, "RAID Chassis": 22,
    "Rack Mount Chassis": 23, "Sealed-case PC": 24, "Multi-system": 25,
    "CompactPCI": 26, "AdvancedTCA": 27, "Blade": 28, "Blade Enclosure": 29,
    "Blade Enclosing": 29, "Tablet": 30, "Convertible": 31, "Detachable": 32,
    "IoT Gateway": 33, "Embedded PC": 34, "Mini PC": 35, "Stick PC": 36,
}

MAP = {
    "BIOS Information": {"Vendor": "bios_vendor", "Version": "bios_version",
                         "Release Date": "bios_date"},
    "System Information": {"Manufacturer": "sys_vendor",
                           "Product Name": "product_name",
                           "Version": "product_version",
                           "Serial Number": "product_serial",
                           "UUID": "product_uuid",
                           "SKU Number": "product_sku",
                           "Family": "product_family"},
    "Base Board Information": {"Manufacturer": "board_vendor",
                               "Product Name": "board_name",
                               "Version": "board_version",
                               "Serial Number": "board_serial",
                               "Asset Tag": "board_asset_tag"},
    "Chassis Information": {"Manufacturer": "chassis_vendor",
                            "Type": "chassis_type",
                            "Version": "chassis_version",
                            "Serial Number": "chassis_serial",
                            "Asset Tag": "chassis_asset_tag"},
}

EMPTY = {"Not Specified", "<BAD INDEX>", "<OUT OF SPEC>"}


def parse_dmidecode(text, uuid_case):
    out = {}
    section = None
    for raw in text.splitlines():
        line = raw.rstrip("\n")
        if not line.strip():
            section = None
            continue
        if not line[0].isspace():
            section = line.strip() if line.strip() in MAP else None
            continue
        if section is None:
            continue
        m = re.match(r"^\s+([A-Za-z][A-Za-z -]*?):(?: (.*))?$", line)
        if not m:
            continue
        key, val = m.group(1), m.group(2)
        if val is None:
            continue  # a list header such as "Characteristics:"
        field = MAP[section].get(key)
        if field is None or field in out:
            continue  # the kernel keeps the first structure of each type
        if val in EMPTY or val.strip(" ") == "":
            val = ""  # kernel: index 0 and all-space strings read as ""
        if field == "chassis_type":
            val = str(CHASSIS_TYPES.get(val, 2))
        if field == "product_uuid":
            if val in ("Not Present", "Not Settable", ""):
                continue  # the kernel creates no file for all-0/all-FF
            if uuid_case == "lower":
                val = val.lower()
            elif uuid_case == "upper":
                val = val.upper()
        out[field] = val
    return out


def parse_sysfs(text):
    out = {}
    for line in text.splitlines():
        if not line.strip():
            continue
        m = re.match(r"^(?:/sys/(?:class|devices/virtual)/dmi/id/)?"
                     r"([a-z_]+)\s*[:=]\s?(.*)$", line)
        if m:
            out[m.group(1)] = m.group(2)
    return out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("case")
    ap.add_argument("cloud")
    ap.add_argument("--dmidecode")
    ap.add_argument("--sysfs")
    ap.add_argument("--uuid-case", default="lower",
                    choices=["lower", "upper", "keep"])
    ap.add_argument("--flags")
    ap.add_argument("--hv-type")
    ap.add_argument("--hv-uuid")
    ap.add_argument("--no-dmi", action="store_true")
    ap.add_argument("--source", required=True)
    a = ap.parse_args()

    def rd(p):
        return sys.stdin.read() if p == "-" else open(p, encoding="utf-8").read()

    fields = {}
    if a.dmidecode:
        fields = parse_dmidecode(rd(a.dmidecode), a.uuid_case)
    elif a.sysfs:
        fields = parse_sysfs(rd(a.sysfs))

    d = os.path.join(HERE, a.case)
    root = os.path.join(d, "root")
    os.makedirs(root, exist_ok=True)
    if not a.no_dmi:
        dmi = os.path.join(root, "sys/class/dmi/id")
        os.makedirs(dmi, exist_ok=True)
        for k, v in sorted(fields.items()):
            with open(os.path.join(dmi, k), "w", encoding="utf-8") as f:
                f.write(v + "\n")
    if a.hv_type or a.hv_uuid:
        hv = os.path.join(root, "sys/hypervisor")
        os.makedirs(hv, exist_ok=True)
        if a.hv_type:
            open(os.path.join(hv, "type"), "w").write(a.hv_type + "\n")
        if a.hv_uuid:
            open(os.path.join(hv, "uuid"), "w").write(a.hv_uuid + "\n")
    if a.flags is not None:
        os.makedirs(os.path.join(root, "proc"), exist_ok=True)
        open(os.path.join(root, "proc/cpuinfo"), "w").write(
            "flags\t\t: " + a.flags + "\n")
    with open(os.path.join(d, "cloud"), "w") as f:
        f.write(a.cloud + "\n")
    src = rd(a.source)
    with open(os.path.join(d, "SOURCE"), "w", encoding="utf-8") as f:
        f.write(src if src.endswith("\n") else src + "\n")
    print(a.case, a.cloud, ",".join(sorted(fields)) or "-")


if __name__ == "__main__":
    main()
