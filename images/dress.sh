#!/bin/bash
# images/dress.sh CLOUD — the test root (images/root.sh) "as installed on
# CLOUD": the files a Debian 12 system set up in that cloud carries, so that
# booting it somewhere else gives the agent something real to adapt.
# CLOUD: aws gcp azure openstack kvm.
#
# Prints the cache directory (dressed-CLOUD-<key>), holding
#   disk.qcow2   copy-on-write overlay over the cached root.img (absolute
#                backing path): only the dressing's blocks, ~1-2 MB
#   (disk.raw    instead, a sparse copy, where FUSE is not available)
#   dress.env    DRESS_CLOUD, DISK_FILE (a name in this directory),
#                DISK_FORMAT, plus root.env's variables and CTL_*: what the
#                control-plane emulators accept (qemu-tests CONTROL=)
#   gce-sa.json  the GCE service-account key file of /etc/cloudmove/test-creds
#
# What CLOUD's dressing holds (the shapes of agent/tests/adapt/*-debian12):
#   /etc/fstab            the root by CLOUD's device name (aws /dev/nvme0n1p1,
#                         gcp and azure /dev/sda1, openstack and kvm /dev/vda1;
#                         uefi layouts: the ESP at /boot/efi by UUID too)
#   /etc/systemd/network/10-CLOUD.network
#                         a static address bound to CLOUD's MAC (one no test
#                         NIC has), systemd-networkd enabled
#   /etc/udev/rules.d/70-persistent-net.rules   that MAC named eth0
#   guest agents          stand-in units (ExecStart=/bin/true) named like the
#                         real ones: amazon-ssm-agent, google-guest-agent,
#                         google-osconfig-agent, walinuxagent,
#                         qemu-guest-agent; CLOUD's enabled (.wants link),
#                         the others installed and disabled
#   chrony                /etc/chrony/chrony.conf naming CLOUD's time source
#                         and a stand-in chrony.service (the minbase root has
#                         no time daemon: systemd-timesyncd is its own
#                         package in Debian 12)
#   GRUB                  /etc/default/grub and /boot/grub/grub.cfg with
#                         CLOUD's console arguments (QEMU boots the kernel
#                         directly: these are files to check, nothing more)
#   cloud-init            /etc/cloud/cloud.cfg + 90_dpkg.cfg naming CLOUD's
#                         datasource (cloud-init itself is not installed)
#   /var/lib/cloudmove/record.json   a hosting record whose last stay is CLOUD
#   /etc/cloudmove/test-creds        the test storage servers' token, the
#                         control-plane emulators' keys (aws_*, azure_tenant_id/
#                         client_id/client_secret, gcp_service_account naming
#                         /etc/cloudmove/gce-sa.json, a key made at dress time,
#                         also kept as gce-sa.json in the dress directory)
#   /etc/cloudmove/launch-{aws,gcp,azure}.spec   cloudmove.launch= specs for
#                         the emulators at http://169.254.0.10 (qemu-tests)
#   the test scripts of images/root-overlay-firstboot/, and the list of /etc
#   as dressed (/var/lib/cloudmove-test/etc.sums) for the first boot to
#   compare with.
#
# How: the overlay is exported as a raw file over FUSE by
# qemu-storage-daemon and edited with debugfs (no loop device, no mount);
# e2fsck -fn checks the result.
set -euo pipefail
# shellcheck source=images/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
cm_need debugfs e2fsck qemu-img sha256sum

cloud=${1:?usage: images/dress.sh aws|gcp|azure|openstack|kvm [bios|uefi|uefi-nr]}
# The disk dressed: images/root.sh's (bios, the default) or
# images/root-uefi.sh's (uefi; uefi-nr: without EFI/BOOT/BOOTX64.EFI).
layout=${2:-bios}
overlay=$CM_TOP/images/root-overlay-firstboot
case $layout in
bios)	rdir=$("$CM_TOP/images/root.sh") ;;
uefi)	rdir=$("$CM_TOP/images/root-uefi.sh") ;;
uefi-nr) rdir=$("$CM_TOP/images/root-uefi.sh" --no-removable) ;;
*)	cm_die "bad layout '$layout' (bios, uefi or uefi-nr)" ;;
esac
# shellcheck disable=SC1091
. "$rdir/root.env"
# where the root's ext4 starts (images/root.sh: partition 1 at 1 MiB)
PART_OFFSET=${ROOT_PART_OFFSET:-1048576}

# The cloud's shapes, as data.  Sources: the fixtures of agent/tests/adapt
# (aws-debian12 ...), the clouds' profiles in agent/src/clouds/*.c; MAC
# prefixes: AWS 0a:/02:/06: (locally administered), GCE 42:01:, Azure's
# OUI 00:0d:3a, OpenStack Neutron's default base_mac fa:16:3e, libvirt's
# 52:54:00 (never QEMU's default 52:54:00:12:34:56, which test NICs get).
case $cloud in
aws)
	fs_dev=/dev/nvme0n1p1
	grub_default="console=tty0 console=ttyS0,115200n8 nvme_core.io_timeout=4294967295"
	grub_linux=""
	time_line="server 169.254.169.123 prefer iburst minpoll 4 maxpoll 4"
	agents="amazon-ssm-agent"
	mac=0a:1b:2c:3d:4e:5f addr=172.31.16.20/20 gw=172.31.16.1 dns=169.254.169.253
	ds="Ec2, None" public=true
	stay='"instance_id": "i-0fb1c2d3e4f5a6b7c", "region": "eu-west-1", "zone": "eu-west-1a", "instance_type": "t3.small"'
	;;
gcp)
	fs_dev=/dev/sda1
	grub_default=""
	grub_linux="console=ttyS0,38400n8"
	time_line="server metadata.google.internal iburst"
	agents="google-guest-agent google-osconfig-agent"
	mac=42:01:0a:80:00:07 addr=10.128.0.7/20 gw=10.128.0.1 dns=169.254.169.254
	ds="GCE, None" public=true
	stay='"instance_id": "4520198832102235411", "region": "europe-west1", "zone": "europe-west1-b", "instance_type": "e2-small"'
	;;
azure)
	fs_dev=/dev/sda1
	grub_default=""
	grub_linux="console=tty1 console=ttyS0,115200n8 earlyprintk=ttyS0,115200 rootdelay=300"
	time_line="refclock PHC /dev/ptp_hyperv poll 3 dpoll -2 offset 0 stratum 2"
	agents="walinuxagent"
	mac=00:0d:3a:4b:5c:6d addr=10.0.0.4/24 gw=10.0.0.1 dns=168.63.129.16
	ds="Azure" public=true
	stay='"instance_id": "5f1c9b2e-8d0a-4c7e-9f3b-2a6d4e8c0b11", "region": "westeurope", "zone": "1", "instance_type": "Standard_B1s"'
	;;
openstack)
	fs_dev=/dev/vda1
	grub_default=""
	grub_linux="console=tty0 console=ttyS0,115200n8"
	time_line="pool 2.debian.pool.ntp.org iburst"
	agents="qemu-guest-agent"
	mac=fa:16:3e:5a:6b:7c addr=192.168.10.12/24 gw=192.168.10.1 dns=192.168.10.1
	ds="OpenStack, ConfigDrive, None" public=false
	stay='"instance_id": "0b7e6f2a-3c4d-4e5f-8a9b-1c2d3e4f5a6b", "region": "RegionOne", "zone": "nova", "instance_type": "m1.small"'
	;;
kvm)
	fs_dev=/dev/vda1
	grub_default="quiet"
	grub_linux=""
	time_line="pool 2.debian.pool.ntp.org iburst"
	agents="qemu-guest-agent"
	mac=52:54:00:6e:7f:80 addr=192.168.122.50/24 gw=192.168.122.1 dns=192.168.122.1
	ds="NoCloud, None" public=false
	stay='"instance_id": null, "region": null, "zone": null, "instance_type": null'
	;;
*) cm_die "unknown cloud '$cloud' (aws gcp azure openstack kvm)" ;;
esac
all_agents="amazon-ssm-agent google-guest-agent google-osconfig-agent walinuxagent qemu-guest-agent"

# What the control-plane emulators of qemu-tests (CONTROL=, SELF_CONTROL=)
# accept, as the dressed root's creds and specs name it; also in dress.env
# for the harness.  Test values, nothing secret.
CTL_AWS_AKID=S3RVER CTL_AWS_SECRET=S3RVER CTL_AWS_REGION=us-east-1
CTL_GCP_TOKEN=cloudmove-test-token CTL_GCP_PROJECT=cloudmove-test CTL_GCP_ZONE=europe-west1-b
CTL_GCP_SA=cloudmove-mover@cloudmove-test.iam.gserviceaccount.com
CTL_AZ_TENANT=72f988bf-86f1-41af-91ab-2d7cd011db47
CTL_AZ_CLIENT=0f9c0f66-6b5a-4bd0-9a36-2b4c6a1b0c01
CTL_AZ_SECRET='cm~test~secret~0123456789abcdef'
CTL_AZ_SUB=0b1f6471-1bf0-4dda-aec3-3c1d2e3f4a5b CTL_AZ_RG=rg-cloudmove

# gce_key FILE — a GCE service-account key file (the JSON "gcloud iam
# service-accounts keys create" writes) with a new RSA key, made at dress
# time (never committed); the dress directory keeps a copy for the GCE
# emulator (gce_server.py --service-account).
gce_key() {
	local pem
	pem=$(openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 2>/dev/null) ||
		cm_die "openssl genpkey failed"
	PEM=$pem python3 - "$1" "$CTL_GCP_SA" "$CTL_GCP_PROJECT" <<-'EOF'
		import json, os, secrets, sys
		key = {"type": "service_account", "project_id": sys.argv[3],
		       "private_key_id": secrets.token_hex(20),
		       "private_key": os.environ["PEM"] + "\n",
		       "client_email": sys.argv[2],
		       "client_id": str(100000000000000000000 + secrets.randbelow(10 ** 20)),
		       "auth_uri": "https://accounts.google.com/o/oauth2/auth",
		       "token_uri": "https://oauth2.googleapis.com/token",
		       "auth_provider_x509_cert_url": "https://www.googleapis.com/oauth2/v1/certs",
		       "client_x509_cert_url": "https://www.googleapis.com/robot/v1/metadata/x509/"
		                               + sys.argv[2].replace("@", "%40"),
		       "universe_domain": "googleapis.com"}
		fd = os.open(sys.argv[1], os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
		with os.fdopen(fd, "w") as f:
		    json.dump(key, f, indent=2)
		    f.write("\n")
	EOF
}

# stage DIR — the files of the dressing, as a tree to copy into the root.
stage() {
	local s=$1 a
	mkdir -p "$s/etc/systemd/network" "$s/etc/udev/rules.d" "$s/etc/chrony/conf.d" \
		"$s/etc/chrony/sources.d" "$s/etc/default" "$s/boot/grub" \
		"$s/etc/cloud/cloud.cfg.d" "$s/usr/lib/systemd/system" \
		"$s/etc/systemd/system/multi-user.target.wants" \
		"$s/etc/systemd/system/sockets.target.wants" \
		"$s/etc/systemd/system/sysinit.target.wants" \
		"$s/var/lib/cloudmove" "$s/var/lib/cloudmove-test" "$s/etc/modprobe.d"
	cat >"$s/etc/fstab" <<-EOF
		# /etc/fstab: static file system information (as installed on $cloud).
		#
		# <file system>	<mount point>	<type>	<options>	<dump>	<pass>
		$fs_dev	/	ext4	errors=remount-ro	0	1
	EOF
	# A UEFI install: the ESP at /boot/efi, as Debian's installer writes it
	# (images/root-uefi.sh: its FAT's serial is C10D-0E15)
	if [ "$layout" != bios ]; then
		mkdir -p "$s/boot/efi"
		printf 'UUID=C10D-0E15\t/boot/efi\tvfat\tumask=0077\t0\t1\n' >>"$s/etc/fstab"
	fi

	# systemd-networkd: what "systemctl enable systemd-networkd" links in
	# Debian 12, less systemd-networkd-wait-online.service (nothing here
	# waits for network-online.target; an unmatched NIC would hold it 2 min).
	cat >"$s/etc/systemd/network/10-$cloud.network" <<-EOF
		# Static address of this instance in $cloud, bound to its NIC's MAC.
		[Match]
		MACAddress=$mac

		[Network]
		Address=$addr
		Gateway=$gw
		DNS=$dns
	EOF
	ln -s /lib/systemd/system/systemd-networkd.service "$s/etc/systemd/system/dbus-org.freedesktop.network1.service"
	ln -s /lib/systemd/system/systemd-networkd.service "$s/etc/systemd/system/multi-user.target.wants/systemd-networkd.service"
	ln -s /lib/systemd/system/systemd-networkd.socket "$s/etc/systemd/system/sockets.target.wants/systemd-networkd.socket"
	ln -s /lib/systemd/system/systemd-network-generator.service "$s/etc/systemd/system/sysinit.target.wants/systemd-network-generator.service"
	cat >"$s/etc/udev/rules.d/70-persistent-net.rules" <<-EOF
		# This file was automatically generated by the /lib/udev/write_net_rules
		# program, run by the persistent-net-generator.rules rules file.
		SUBSYSTEM=="net", ACTION=="add", DRIVERS=="?*", ATTR{address}=="$mac", ATTR{dev_id}=="0x0", ATTR{type}=="1", KERNEL=="eth*", NAME="eth0"
	EOF

	# No login prompt on the serial console: agetty's vhangup() of ttyS0
	# would cut cloudmove-test.service's report short (its open descriptor
	# on ttyS0 turns to EIO).  Not a cloud shape: the test harness's own.
	ln -s /dev/null "$s/etc/systemd/system/serial-getty@ttyS0.service"

	# Nor the modules udev would load for QEMU's emulated PC parts no cloud
	# VM boot needs (under TCG each costs seconds; the AMD crypto
	# coprocessor probe, ccp, most).  Test harness again, no cloud shape.
	cat >"$s/etc/modprobe.d/cloudmove-test-tcg.conf" <<-EOF
		# cloudmove test root: no drivers for the emulated PC's extras.
		blacklist ccp
		blacklist kvm_amd
		blacklist kvm_intel
		blacklist kvm
		blacklist floppy
		blacklist pcspkr
		blacklist psmouse
		blacklist serio_raw
		blacklist i2c_piix4
		blacklist cfg80211
	EOF

	# Guest agents: stand-ins, every cloud's installed, this cloud's enabled.
	for a in $all_agents chrony; do
		cat >"$s/usr/lib/systemd/system/$a.service" <<-EOF
			# cloudmove test stand-in for the $a package's unit: the real
			# daemon is not installed; the unit's name and [Install] are what
			# the agent's adaptation looks at.
			[Unit]
			Description=stand-in for $a (cloudmove test)

			[Service]
			Type=oneshot
			RemainAfterExit=yes
			ExecStart=/bin/true

			[Install]
			WantedBy=multi-user.target
		EOF
	done
	for a in $agents chrony; do
		ln -s "/lib/systemd/system/$a.service" "$s/etc/systemd/system/multi-user.target.wants/$a.service"
	done

	# chrony.conf: Debian 12's, with the cloud's source first.
	cat >"$s/etc/chrony/chrony.conf" <<-EOF
		# Welcome to the chrony configuration file. See chrony.conf(5) for more
		# information about usable directives.

		# Include configuration files found in /etc/chrony/conf.d.
		confdir /etc/chrony/conf.d

		# The time source of $cloud.
		$time_line

		# Use time sources from DHCP.
		sourcedir /run/chrony-dhcp

		# Use NTP sources found in /etc/chrony/sources.d.
		sourcedir /etc/chrony/sources.d

		keyfile /etc/chrony/chrony.keys
		driftfile /var/lib/chrony/chrony.drift
		ntsdumpdir /var/lib/chrony
		logdir /var/log/chrony
		maxupdateskew 100.0
		rtcsync
		makestep 1 3
		leapsectz right/UTC
	EOF

	cat >"$s/etc/default/grub" <<-EOF
		# If you change this file, run 'update-grub' afterwards to update
		# /boot/grub/grub.cfg.
		GRUB_DEFAULT=0
		GRUB_TIMEOUT=0
		GRUB_DISTRIBUTOR=\`lsb_release -i -s 2> /dev/null || echo Debian\`
		GRUB_CMDLINE_LINUX_DEFAULT="$grub_default"
		GRUB_CMDLINE_LINUX="$grub_linux"
	EOF
	cat >"$s/boot/grub/grub.cfg" <<-EOF
		#
		# DO NOT EDIT THIS FILE
		#
		# It is automatically generated by grub-mkconfig using templates
		# from /etc/grub.d and settings from /etc/default/grub
		#
		### BEGIN /etc/grub.d/10_linux ###
		menuentry 'Debian GNU/Linux' --class debian --class gnu-linux --class gnu --class os \$menuentry_id_option 'gnulinux-simple-$ROOT_UUID' {
		 	load_video
		 	insmod gzio
		 	insmod part_gpt
		 	insmod ext2
		 	search --no-floppy --fs-uuid --set=root $ROOT_UUID
		 	echo	'Loading Linux $KVER ...'
		 	linux	/boot/vmlinuz-$KVER root=UUID=$ROOT_UUID ro $grub_linux $grub_default
		 	echo	'Loading initial ramdisk ...'
		 	initrd	/boot/initrd.img-$KVER
		}
		### END /etc/grub.d/10_linux ###
	EOF
	sed -i 's/ro  */ro /; s/ *$//' "$s/boot/grub/grub.cfg"

	cat >"$s/etc/cloud/cloud.cfg" <<-EOF
		# cloud-init's main configuration (trimmed; cloud-init itself is not
		# installed in the test root).
		users:
		  - default
		cloud_init_modules:
		  - seed_random
		  - growpart
		  - resizefs
	EOF
	cat >"$s/etc/cloud/cloud.cfg.d/90_dpkg.cfg" <<-EOF
		# to update this file, run dpkg-reconfigure cloud-init
		datasource_list: [ $ds ]
	EOF

	# The hosting record (agent/src/record/record.c, format version 1):
	# one earlier stay in this cloud, the last one.
	cat >"$s/var/lib/cloudmove/record.json" <<-EOF
		{
		  "format": "cloudmove-hosting-record",
		  "version": 1,
		  "machine_id": null,
		  "stays": [
		    {
		      "seq": 1,
		      "cloud": "$cloud",
		      "public": $public,
		      $stay,
		      "first_seen": "2025-01-06T09:00:00Z",
		      "last_seen": "2025-03-01T18:30:00Z",
		      "boots": 12
		    }
		  ]
		}
	EOF

	# Credentials for the test storage servers (qemu-tests DEST_SERVER=) and
	# the control-plane emulators (qemu-tests CONTROL=), where an operator
	# puts them before a move (cloudmove.creds=/etc/cloudmove/...)
	mkdir -p "$s/etc/cloudmove"
	# (gcs_server.py's token, s3rver's anything and ec2_server.py's --key,
	# azurite's well-known key, arm_server.py's service principal; the GCE
	# service account's key file, made here: gce_server.py --service-account)
	cat >"$s/etc/cloudmove/test-creds" <<-EOF
		gcp_access_token = $CTL_GCP_TOKEN
		gcp_service_account = /etc/cloudmove/gce-sa.json
		aws_access_key_id = $CTL_AWS_AKID
		aws_secret_access_key = $CTL_AWS_SECRET
		azure_account_name = devstoreaccount1
		azure_account_key = Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==
		azure_tenant_id = $CTL_AZ_TENANT
		azure_client_id = $CTL_AZ_CLIENT
		azure_client_secret = $CTL_AZ_SECRET
	EOF
	chmod 0600 "$s/etc/cloudmove/test-creds"
	gce_key "$s/etc/cloudmove/gce-sa.json"

	# Launch specs, one per target (cloudmove.launch=/etc/cloudmove/launch-
	# TARGET.spec): the emulator of each cloud's API answers at
	# 169.254.0.10 (qemu-tests CONTROL=), the names it knows.
	cat >"$s/etc/cloudmove/launch-aws.spec" <<-EOF
		# Where the moved system runs in aws (cloudmove launch --spec).
		region = $CTL_AWS_REGION
		instance_type = m5.large
		subnet_id = subnet-0c1d2e3f4a5b6c7d8
		security_group_ids = sg-0a1b2c3d4e5f60718
		name = cloudmove-moved
		api_endpoint = http://169.254.0.10
	EOF
	cat >"$s/etc/cloudmove/launch-gcp.spec" <<-EOF
		# Where the moved system runs in gcp (cloudmove launch --spec).
		project = $CTL_GCP_PROJECT
		zone = $CTL_GCP_ZONE
		machine_type = e2-small
		network = default
		name = cloudmove-moved
		api_endpoint = http://169.254.0.10
	EOF
	cat >"$s/etc/cloudmove/launch-azure.spec" <<-EOF
		# Where the moved system runs in azure (cloudmove launch --spec).
		subscription_id = $CTL_AZ_SUB
		resource_group = $CTL_AZ_RG
		location = westeurope
		vm_size = Standard_B1s
		subnet_id = /subscriptions/$CTL_AZ_SUB/resourceGroups/$CTL_AZ_RG/providers/Microsoft.Network/virtualNetworks/vnet-cloudmove/subnets/default
		name = cloudmove-moved
		api_endpoint = http://169.254.0.10
	EOF

	# The test scripts; modes from the checkout's exec bit.
	(cd "$overlay" && find . -type f) | while read -r a; do
		if [ -x "$overlay/$a" ]; then
			install -D -m 0755 "$overlay/$a" "$s/$a"
		else
			install -D -m 0644 "$overlay/$a" "$s/$a"
		fi
	done
}

# debugfs_script STAGE — debugfs commands copying STAGE into the file
# system: directories made (an existing one is an error debugfs reports and
# goes past), files and symlinks replaced.
debugfs_script() {
	local s=$1 p d
	(cd "$s" && find . -mindepth 1 -type d | sed 's|^\.||' | LC_ALL=C sort) | while read -r p; do
		printf 'mkdir %s\n' "$p"
	done
	(cd "$s" && find . -type f | sed 's|^\.||' | LC_ALL=C sort) | while read -r p; do
		d=${p%/*}
		printf 'rm %s\ncd %s\nwrite %s %s\n' "$p" "${d:-/}" "$s$p" "${p##*/}"
		printf 'sif %s mode 0%o\nsif %s uid 0\nsif %s gid 0\n' \
			"$p" "$((0100000 | 0$(stat -c %a "$s$p")))" "$p" "$p"
	done
	(cd "$s" && find . -type l | sed 's|^\.||' | LC_ALL=C sort) | while read -r p; do
		printf 'rm %s\nsymlink %s %s\n' "$p" "$p" "$(readlink "$s$p")"
	done
}

# edit_fs RAWFILE STAGE WORK — apply the stage with debugfs, then check the
# file system and list /etc as dressed into the stage's etc.sums.
edit_fs() {
	local dev="$1?offset=$PART_OFFSET" s=$2 w=$3 bad
	debugfs_script "$s" >"$w/cmds"
	debugfs -w -f "$w/cmds" "$dev" >"$w/debugfs.out" 2>&1 || cm_die "debugfs failed: $(tail -n 5 "$w/debugfs.out")"
	# Only the expected complaints: a directory that exists, a file to
	# replace that did not.
	bad=$(grep -v -e '^debugfs [0-9]' -e '^debugfs: ' -e 'already exists' \
		-e 'File not found by ext2_lookup' -e '^Allocated inode' "$w/debugfs.out" || :)
	[ -z "$bad" ] || cm_die "debugfs: $bad"
	e2fsck -fn "$dev" >"$w/fsck.out" 2>&1 || cm_die "e2fsck after dressing: $(tail -n 20 "$w/fsck.out")"
	# /etc as dressed, listed like the test root's 50-etc does
	mkdir "$w/dump"
	debugfs -R "rdump /etc $w/dump" "$dev" >/dev/null 2>&1 || cm_die "debugfs rdump /etc failed"
	"$overlay/usr/local/sbin/cm-etc-sums" "$w/dump" >"$w/etc.sums"
	printf 'rm /var/lib/cloudmove-test/etc.sums\ncd /var/lib/cloudmove-test\nwrite %s etc.sums\nsif /var/lib/cloudmove-test/etc.sums mode 0100644\nsif /var/lib/cloudmove-test/etc.sums uid 0\nsif /var/lib/cloudmove-test/etc.sums gid 0\n' \
		"$w/etc.sums" >"$w/cmds2"
	debugfs -w -f "$w/cmds2" "$dev" >"$w/debugfs2.out" 2>&1 || cm_die "debugfs (etc.sums) failed"
	e2fsck -fn "$dev" >"$w/fsck.out" 2>&1 || cm_die "e2fsck after etc.sums: $(tail -n 20 "$w/fsck.out")"
}

build() {
	local out=$1 w=$1/work qsd_pid='' fmt=qcow2
	mkdir "$w"
	cm_log "dressing as installed on $cloud"
	stage "$w/stage"
	qemu-img create -q -f qcow2 -b "$rdir/root.img" -F raw "$out/disk.qcow2"
	# The overlay as a raw file over FUSE; a sparse copy where that fails.
	touch "$w/fuse.raw"
	if command -v qemu-storage-daemon >/dev/null 2>&1 && [ -e /dev/fuse ] &&
		qemu-storage-daemon --daemonize --pidfile "$w/qsd.pid" \
			--blockdev "driver=qcow2,node-name=d,file.driver=file,file.filename=$out/disk.qcow2" \
			--export "type=fuse,id=e,node-name=d,mountpoint=$w/fuse.raw,writable=on" \
			>"$w/qsd.out" 2>&1; then
		qsd_pid=$(cat "$w/qsd.pid")
		cm_on_exit() { [ -z "${qsd_pid-}" ] || kill "$qsd_pid" 2>/dev/null; }
		edit_fs "$w/fuse.raw" "$w/stage" "$w"
		kill "$qsd_pid"
		while kill -0 "$qsd_pid" 2>/dev/null; do sleep 0.1; done
		qsd_pid=''
		qemu-img check -q "$out/disk.qcow2" || cm_die "qemu-img check failed"
	else
		cm_log "no FUSE export ($(head -c 200 "$w/qsd.out" 2>/dev/null)): a sparse copy instead"
		rm -f "$out/disk.qcow2"
		fmt=raw
		cp --sparse=always "$rdir/root.img" "$out/disk.raw"
		edit_fs "$out/disk.raw" "$w/stage" "$w"
	fi
	cat >"$out/dress.env" <<-EOF
		DRESS_CLOUD=$cloud
		DISK_FILE=disk.$fmt
		DISK_FORMAT=$fmt
	EOF
	cat "$rdir/root.env" >>"$out/dress.env"
	# what the control-plane emulators are told to accept (qemu-tests)
	{
		for v in CTL_AWS_AKID CTL_AWS_SECRET CTL_AWS_REGION CTL_GCP_TOKEN CTL_GCP_PROJECT \
			CTL_GCP_ZONE CTL_GCP_SA CTL_AZ_TENANT CTL_AZ_CLIENT CTL_AZ_SECRET CTL_AZ_SUB CTL_AZ_RG; do
			printf '%s=%q\n' "$v" "${!v}"
		done
		echo "CTL_GCP_KEYFILE=gce-sa.json"
	} >>"$out/dress.env"
	install -m 0600 "$w/stage/etc/cloudmove/gce-sa.json" "$out/gce-sa.json"
	cp "$w/etc.sums" "$out/etc.sums"
	rm -rf "$w"
	cm_log "dressed: $(du -k "$out/disk.$fmt" | cut -f1) KB"
}

key=$(cm_key "${BASH_SOURCE[0]}" "$overlay" -- "${rdir##*/}" "$cloud")
name=dressed-$cloud
[ "$layout" = bios ] || name+=-$layout
cm_cached "$name" "$key" build
