/* Target profiles: built-in data, the profiles.d parser and loader, output. */
#include <errno.h>
#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "test.h"
#include "clouds/clouds.h"
#include "../../src/json.h"	/* not json-c's json.h */
#include "profiles/profile.h"
#include "util/buf.h"

static struct cm_profiles *fresh(void)
{
	struct cm_profiles *set = malloc(sizeof(*set));

	if (set && cm_profiles_init(set) < 0) {
		free(set);
		return NULL;
	}
	return set;
}

static int parse(struct cm_profiles *set, const char *text, char *err,
		 size_t size)
{
	return cm_profile_conf_parse(text, strlen(text), "profiles.d/10-x.conf",
				     set, err, size);
}

/* Runs a one-file parse expected to fail with r and exactly msg. */
static int parse_fails(const char *text, int r, const char *msg)
{
	struct cm_profiles *set = fresh();
	char err[CM_PROFILE_ERR_MAX];
	int got, ok;

	if (!set)
		return 0;
	got = parse(set, text, err, sizeof(err));
	ok = got == r && !strcmp(err, msg);
	if (!ok)
		fprintf(stderr, "  got %d '%s', want %d '%s'\n", got, err, r, msg);
	free(set);
	return ok;
}

static size_t count(const char *const *l)
{
	size_t n = 0;

	while (n < CM_PROFILE_LIST_MAX && l[n])
		n++;
	return n;
}

TEST(profiles_builtin_eight_clouds)
{
	static const char *const want[] = { "aws", "gcp", "azure", "oracle",
		"openstack", "digitalocean", "hetzner", "kvm" };
	struct cm_profiles *set = fresh();
	size_t i;

	CHECK(set);
	for (i = 0; i < sizeof(want) / sizeof(want[0]); i++) {
		struct cm_profile_rt *p = cm_profiles_find(set, want[i]);

		if (!p)
			cm_test_fail(__FILE__, __LINE__, "no profile for %s", want[i]);
		else if (p->source != CM_PROFILE_BUILTIN || !p->title[0] ||
			 !p->storage_drivers.n || !p->net_drivers.n || !p->dhcp4)
			cm_test_fail(__FILE__, __LINE__, "%s: incomplete", want[i]);
	}
	CHECK(!cm_profiles_find(set, "nosuchcloud"));
	free(set);
}

/* No built-in list is cut by the runtime caps, and every built-in value
 * would pass the parser (a profile can be written back as a .conf). */
TEST(profiles_builtin_fit_caps)
{
	const struct cm_cloud *const *all;
	size_t n, i;

	all = cm_clouds_all(&n);
	for (i = 0; i < n; i++) {
		const struct cm_profile *p = all[i]->profile;
		const char *const *lists[12];
		size_t j, k;

		if (!p)
			continue;
		lists[0] = p->storage_drivers;
		lists[1] = p->net_drivers;
		lists[2] = p->other_drivers;
		lists[3] = p->kargs_add;
		lists[4] = p->kargs_remove;
		lists[5] = p->time_servers;
		lists[6] = p->agents_enable;
		lists[7] = p->agents_own;
		lists[8] = p->agents_keep;
		lists[9] = p->cloudinit_datasource;
		lists[10] = p->time_aliases;
		lists[11] = NULL;
		for (j = 0; lists[j]; j++) {
			CHECK(count(lists[j]) < CM_PROFILE_LIST_MAX);
			for (k = 0; lists[j][k]; k++)
				CHECK(strlen(lists[j][k]) < CM_PROFILE_ITEM_MAX);
		}
		CHECK(!p->mtu || (p->mtu >= CM_PROFILE_MTU_MIN &&
				  p->mtu <= CM_PROFILE_MTU_MAX));
		CHECK(p->time != CM_TIME_NTP || count(p->time_servers) >= 1);
		CHECK(p->time != CM_TIME_PTP || count(p->time_servers) == 1);
	}
}

TEST(profiles_builtin_key_values)
{
	struct cm_profiles *set = fresh();
	struct cm_profile_rt *p;

	CHECK(set);
	p = cm_profiles_find(set, "gcp");
	CHECK(p && p->mtu == 1460 && p->disk == CM_DISK_SD);
	CHECK(cm_plist_has(&p->kargs_add, "console=ttyS0,38400n8"));
	CHECK(p->time == CM_TIME_NTP);
	CHECK_STR(p->time_servers.v[0], "metadata.google.internal");
	CHECK(cm_plist_has(&p->agents_enable, "google-guest-agent-manager|google-guest-agent"));
	p = cm_profiles_find(set, "azure");
	CHECK(p && p->no_swap_on_os_disk && p->time == CM_TIME_PTP);
	CHECK_STR(p->time_servers.v[0], "/dev/ptp_hyperv");
	CHECK(cm_plist_has(&p->kargs_add, "rootdelay=300"));
	CHECK(cm_plist_has(&p->kargs_add, "console=ttyS0"));
	CHECK(cm_plist_has(&p->kargs_add, "earlyprintk=ttyS0"));
	CHECK(cm_plist_has(&p->storage_drivers, "hv_storvsc"));
	CHECK(cm_plist_has(&p->agents_enable, "walinuxagent"));
	p = cm_profiles_find(set, "aws");
	CHECK(p && p->disk == CM_DISK_NVME);
	CHECK(cm_plist_has(&p->kargs_add, "nvme_core.io_timeout=4294967295"));
	CHECK_STR(p->time_servers.v[0], "169.254.169.123");
	CHECK(cm_plist_has(&p->net_drivers, "ena"));
	p = cm_profiles_find(set, "digitalocean");
	CHECK(p && p->dhcp4 && !p->dhcp6 && p->disk == CM_DISK_VD);
	p = cm_profiles_find(set, "hetzner");
	CHECK(p && p->time_servers.n == 3 && !p->dhcp6);
	p = cm_profiles_find(set, "oracle");
	CHECK(p && cm_plist_has(&p->time_servers, "169.254.169.254"));
	CHECK(cm_plist_has(&p->agents_enable, "oracle-cloud-agent"));
	free(set);
}

/* cloud-init's dsname for each built-in cloud (its datasource_dsname_map). */
TEST(profiles_builtin_cloudinit_datasource)
{
	static const char *const want[][3] = {
		{ "aws", "Ec2", NULL }, { "gcp", "GCE", NULL },
		{ "azure", "Azure", NULL }, { "oracle", "Oracle", NULL },
		{ "openstack", "ConfigDrive", "OpenStack" },
		{ "digitalocean", "ConfigDrive", "DigitalOcean" },
		{ "hetzner", "Hetzner", NULL }, { "kvm", "NoCloud", NULL },
	};
	struct cm_profiles *set = fresh();
	struct cm_profile_rt *p;
	size_t i;

	CHECK(set);
	for (i = 0; i < sizeof(want) / sizeof(want[0]); i++) {
		p = cm_profiles_find(set, want[i][0]);
		CHECK(p);
		CHECK_INT(p->cloudinit_datasource.n, want[i][2] ? 2 : 1);
		CHECK_STR(p->cloudinit_datasource.v[0], want[i][1]);
		if (want[i][2])
			CHECK_STR(p->cloudinit_datasource.v[1], want[i][2]);
	}
	free(set);
}

TEST(profiles_conf_cloudinit_datasource)
{
	struct cm_profiles *set = fresh();
	struct cm_profile_rt *p;
	char err[CM_PROFILE_ERR_MAX];

	CHECK(set);
	CHECK_INT(parse(set, "[gcp]\ncloudinit_datasource += ConfigDrive GCE\n"
			"[aws]\ncloudinit_datasource =\n", NULL, 0), 0);
	p = cm_profiles_find(set, "gcp");
	CHECK_INT(p->cloudinit_datasource.n, 2);
	CHECK_STR(p->cloudinit_datasource.v[1], "ConfigDrive");
	CHECK_INT(cm_profiles_find(set, "aws")->cloudinit_datasource.n, 0);
	CHECK_INT(parse(set, "[mycloud]\ndisk = vd\n", NULL, 0), 0);
	CHECK_INT(cm_profiles_find(set, "mycloud")->cloudinit_datasource.n, 0);
	/* A dsname is letters and digits: no YAML can be smuggled in. */
	CHECK_INT(parse(set, "[gcp]\ncloudinit_datasource = GCE]\n", err,
			sizeof(err)), -EBADMSG);
	CHECK_STR(err, "profiles.d/10-x.conf:2: cloudinit_datasource: invalid value 'GCE]'");
	CHECK_INT(parse(set, "[gcp]\ncloudinit_datasource = Ec2,\n", NULL, 0),
		  -EBADMSG);
	free(set);
}

/* A cloud never disables an agent it enables. */
TEST(profiles_builtin_agents_disjoint)
{
	struct cm_profiles *set = fresh();
	size_t i;
	unsigned j;

	CHECK(set);
	for (i = 0; i < set->n; i++)
		for (j = 0; j < set->v[i].agents_enable.n; j++)
			CHECK(!cm_plist_has(&set->v[i].agents_disable,
					    set->v[i].agents_enable.v[j]));
	free(set);
}

/* What a target disables is derived: every other profile's agents and
 * the hypervisors', less what it enables, owns or keeps. */
TEST(profiles_agents_disable_derived)
{
	struct cm_profiles *set = fresh();
	const struct cm_profile_rt *aws, *azure, *gcp, *dig, *kvm;

	CHECK(set);
	aws = cm_profiles_find(set, "aws");
	azure = cm_profiles_find(set, "azure");
	gcp = cm_profiles_find(set, "gcp");
	dig = cm_profiles_find(set, "digitalocean");
	kvm = cm_profiles_find(set, "kvm");
	CHECK(aws && azure && gcp && dig && kvm);
	/* Both alternatives of another cloud's "a|b", and its own units. */
	CHECK(cm_plist_has(&aws->agents_disable, "google-guest-agent-manager"));
	CHECK(cm_plist_has(&aws->agents_disable, "google-guest-agent"));
	CHECK(cm_plist_has(&aws->agents_disable, "google-startup-scripts"));
	CHECK(!cm_plist_has(&gcp->agents_disable, "google-startup-scripts"));
	CHECK(cm_plist_has(&gcp->agents_disable, "snap.amazon-ssm-agent.amazon-ssm-agent"));
	CHECK(!cm_plist_has(&aws->agents_disable, "amazon-ssm-agent"));
	/* Hypervisors' agents, unless kept. */
	CHECK(cm_plist_has(&aws->agents_disable, "vmtoolsd"));
	CHECK(cm_plist_has(&aws->agents_disable, "hv-vss-daemon"));
	CHECK(!cm_plist_has(&azure->agents_disable, "hv-vss-daemon"));
	CHECK(!cm_plist_has(&azure->agents_disable, "hv-kvp-daemon"));
	CHECK(cm_plist_has(&aws->agents_disable, "qemu-guest-agent"));
	CHECK(!cm_plist_has(&dig->agents_disable, "qemu-guest-agent"));
	CHECK(!cm_plist_has(&kvm->agents_disable, "qemu-guest-agent"));
	CHECK_INT(aws->agents_disable.n, 19);
	CHECK_INT(gcp->agents_disable.n, 15);
	CHECK_INT(azure->agents_disable.n, 13);
	CHECK_INT(kvm->agents_disable.n, 20);
	free(set);
}

/* The time source's options and other names, and the image format,
 * are a user file's to set too. */
TEST(profiles_conf_time_options_and_image_format)
{
	struct cm_profiles *set = fresh();
	struct cm_profile_rt *p;

	CHECK(set);
	CHECK_STR(cm_profiles_find(set, "aws")->time_options,
		  "prefer iburst minpoll 4 maxpoll 4");
	CHECK_STR(cm_profiles_find(set, "gcp")->image_format, "gce");
	CHECK_INT(parse(set, "[mycloud]\ntimesync = ntp ntp1.example.net\n"
			"timesync.options = iburst  maxpoll 6\n"
			"timesync.aliases = 10.0.0.123 ntp.internal\n"
			"image_format = vhd\n", NULL, 0), 0);
	p = cm_profiles_find(set, "mycloud");
	CHECK(p && p->time_aliases.n == 2);
	CHECK_STR(p->time_options, "iburst  maxpoll 6");
	CHECK_STR(p->image_format, "vhd");
	CHECK_INT(parse(set, "[mycloud]\ntimesync.options =\n", NULL, 0), 0);
	CHECK_STR(p->time_options, "");
	free(set);
	CHECK(parse_fails("[x]\nimage_format = qcow2\n", -EBADMSG,
			  "profiles.d/10-x.conf:2: image_format: expected raw, gce or vhd"));
	CHECK(parse_fails("[x]\ntimesync.options = a\tb\x01\n", -EBADMSG,
			  "profiles.d/10-x.conf:2: timesync.options: not printable ASCII"));
	CHECK(parse_fails("[x]\ntimesync.aliases = a;b\n", -EBADMSG,
			  "profiles.d/10-x.conf:2: timesync.aliases: invalid value 'a;b'"));
}

TEST(profiles_conf_override_and_append)
{
	struct cm_profiles *set = fresh();
	struct cm_profile_rt *p;
	char err[CM_PROFILE_ERR_MAX];

	CHECK(set);
	CHECK_INT(parse(set, "# local changes\n\n[gcp]\n  mtu = 1500  \n"
			"kargs.add += quiet\r\n; ini comment\n"
			"agents.enable -= google-osconfig-agent\n"
			"drivers.net = e1000\nswap = no\n", err, sizeof(err)), 0);
	CHECK_STR(err, "");
	p = cm_profiles_find(set, "gcp");
	CHECK(p);
	CHECK_INT(p->mtu, 1500);
	CHECK_INT(p->kargs_add.n, 2);
	CHECK_STR(p->kargs_add.v[1], "quiet");
	CHECK(!cm_plist_has(&p->agents_enable, "google-osconfig-agent"));
	CHECK(cm_plist_has(&p->agents_enable, "google-guest-agent-manager|google-guest-agent"));
	CHECK_INT(p->net_drivers.n, 1);
	CHECK_STR(p->net_drivers.v[0], "e1000");
	CHECK(p->no_swap_on_os_disk);
	CHECK_INT(p->source, CM_PROFILE_BUILTIN_USER);
	CHECK_STR(p->last_file, "profiles.d/10-x.conf");
	CHECK_INT(cm_profiles_find(set, "aws")->source, CM_PROFILE_BUILTIN);
	free(set);
}

TEST(profiles_conf_append_dedupes_and_clears)
{
	struct cm_profiles *set = fresh();
	struct cm_profile_rt *p;

	CHECK(set);
	CHECK_INT(parse(set, "[aws]\nkargs.add += console=ttyS0,115200n8 a=1\n"
			"kargs.remove =\n", NULL, 0), 0);
	p = cm_profiles_find(set, "aws");
	CHECK_INT(p->kargs_add.n, 3);
	CHECK_INT(p->kargs_remove.n, 0);
	free(set);
}

TEST(profiles_conf_new_cloud)
{
	struct cm_profiles *set = fresh();
	struct cm_profile_rt *p;
	size_t n0;

	CHECK(set);
	n0 = set->n;
	CHECK_INT(parse(set, "[mycloud]\ntitle = My Cloud (Frankfurt)\n"
			"drivers.storage = virtio_blk\ndisk = vd\n"
			"timesync = ntp ntp1.example.net ntp2.example.net\n"
			"dhcp6 = yes\nifnames = predictable\n"
			"fstab.device_timeout = 90\n", NULL, 0), 0);
	CHECK_INT(set->n, n0 + 1);
	p = cm_profiles_find(set, "mycloud");
	CHECK(p);
	CHECK_STR(p->title, "My Cloud (Frankfurt)");
	CHECK_INT(p->source, CM_PROFILE_USER);
	CHECK_INT(p->disk, CM_DISK_VD);
	CHECK_INT(p->time, CM_TIME_NTP);
	CHECK_INT(p->time_servers.n, 2);
	CHECK(p->dhcp4 && p->dhcp6 && p->fstab_by_uuid && p->fstab_nofail);
	CHECK_INT(p->fstab_device_timeout, 90);
	CHECK_INT(p->ifnames, CM_IFNAMES_PREDICTABLE);
	/* A cloud we detect but ship no profile for keeps its title. */
	CHECK_INT(parse(set, "[alibaba]\ndisk = vd\n", NULL, 0), 0);
	p = cm_profiles_find(set, "alibaba");
	CHECK(p && p->source == CM_PROFILE_USER);
	CHECK(strcmp(p->title, "alibaba") != 0);
	free(set);
}

TEST(profiles_conf_timesync_forms)
{
	struct cm_profiles *set = fresh();
	struct cm_profile_rt *p;

	CHECK(set);
	CHECK_INT(parse(set, "[kvm]\ntimesync = ptp /dev/ptp0\n", NULL, 0), 0);
	p = cm_profiles_find(set, "kvm");
	CHECK_INT(p->time, CM_TIME_PTP);
	CHECK_STR(p->time_servers.v[0], "/dev/ptp0");
	CHECK_INT(parse(set, "[kvm]\ntimesync = pool\n", NULL, 0), 0);
	CHECK_INT(p->time, CM_TIME_POOL);
	CHECK_INT(p->time_servers.n, 0);
	CHECK_INT(parse(set, "[kvm]\ntimesync = none\n", NULL, 0), 0);
	CHECK_INT(p->time, CM_TIME_NONE);
	free(set);
}

TEST(profiles_conf_errors_one_line)
{
	CHECK(parse_fails("[gcp]\nmtu = 1460\ncolour = blue\n", -EBADMSG,
			  "profiles.d/10-x.conf:3: unknown key 'colour'"));
	CHECK(parse_fails("mtu = 1460\n", -EBADMSG,
			  "profiles.d/10-x.conf:1: 'mtu' outside a [cloud] section"));
	CHECK(parse_fails("[GCP]\n", -EBADMSG,
			  "profiles.d/10-x.conf:1: invalid cloud name 'GCP' (lower "
			  "case letters, digits, '-', '_'; at most 31)"));
	CHECK(parse_fails("\n[gcp\n", -EBADMSG,
			  "profiles.d/10-x.conf:2: section: missing ']'"));
	CHECK(parse_fails("[gcp]\nswap = maybe\n", -EBADMSG,
			  "profiles.d/10-x.conf:2: swap: expected yes or no"));
	CHECK(parse_fails("[gcp]\nmtu = 100\n", -EBADMSG,
			  "profiles.d/10-x.conf:2: mtu: expected 0 (from DHCP) or "
			  "576 to 9216"));
	CHECK(parse_fails("[gcp]\nmtu = 99999999999\n", -EBADMSG,
			  "profiles.d/10-x.conf:2: mtu: expected 0 (from DHCP) or "
			  "576 to 9216"));
	CHECK(parse_fails("[gcp]\nmtu += 1\n", -EBADMSG,
			  "profiles.d/10-x.conf:2: mtu: '+=' works on lists only"));
	CHECK(parse_fails("[gcp]\ndisk = hd\n", -EBADMSG,
			  "profiles.d/10-x.conf:2: disk: expected nvme, sd, vd, xvd or any"));
	CHECK(parse_fails("[gcp]\ntimesync = ptp ntp.example.com\n", -EBADMSG,
			  "profiles.d/10-x.conf:2: timesync: ptp needs one /dev/ device"));
	CHECK(parse_fails("[gcp]\ntimesync = ntp\n", -EBADMSG,
			  "profiles.d/10-x.conf:2: timesync: ntp needs at least one server"));
	CHECK(parse_fails("[gcp]\ntimesync = gps\n", -EBADMSG,
			  "profiles.d/10-x.conf:2: timesync: expected 'ntp SERVER...', "
			  "'ptp DEVICE', 'pool [SERVER...]' or 'none'"));
	CHECK(parse_fails("[gcp]\nkargs.add += foo=\"a b\"\n", -EBADMSG,
			  "profiles.d/10-x.conf:2: kargs.add: invalid value 'foo=\"a'"));
	CHECK(parse_fails("[gcp]\nagents.enable = a;rm\n", -EBADMSG,
			  "profiles.d/10-x.conf:2: agents.enable: invalid value 'a;rm'"));
	CHECK(parse_fails("[gcp]\njust words\n", -EBADMSG,
			  "profiles.d/10-x.conf:2: expected 'key = value' or "
			  "'[cloud]', got 'just words'"));
	CHECK(parse_fails("[gcp]\ntitle =\n", -EBADMSG,
			  "profiles.d/10-x.conf:2: title: empty"));
	CHECK(parse_fails("[gcp]\nfstab.device_timeout = 3601\n", -EBADMSG,
			  "profiles.d/10-x.conf:2: fstab.device_timeout: expected "
			  "seconds, 0 to 3600"));
}

TEST(profiles_conf_caps)
{
	char big[CM_PROFILE_LINE_MAX + 64], *many;
	size_t i, n;

	/* 17 values in a list of at most 16. */
	CHECK(parse_fails("[gcp]\ndrivers = a b c d e f g h i j k l m n o p q r s t u v w x y\n",
			  -E2BIG, "profiles.d/10-x.conf:2: drivers: more than 24 values"));
	/* A value of 64 bytes. */
	CHECK(parse_fails("[gcp]\ndrivers = aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
			  "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\n", -EMSGSIZE,
			  "profiles.d/10-x.conf:2: drivers: value 'aaaaaaaaaaaaaaaa"
			  "aaaaaaaaaaaaaaaaaaaaaaaa...' longer than 63 bytes"));
	/* A line over the cap. */
	memcpy(big, "[gcp]\ntitle = ", 14);
	memset(big + 14, 'x', CM_PROFILE_LINE_MAX);
	big[14 + CM_PROFILE_LINE_MAX] = '\0';
	CHECK(parse_fails(big, -EMSGSIZE,
			  "profiles.d/10-x.conf:2: line longer than 1024 bytes"));
	/* Too many lines. */
	n = CM_PROFILE_LINES_MAX + 1;
	many = malloc(n + 1);
	CHECK(many);
	memset(many, '\n', n);
	many[n] = '\0';
	i = parse_fails(many, -EMSGSIZE, "profiles.d/10-x.conf:4097: more than "
			"4096 lines");
	free(many);
	CHECK(i);
	/* Too many profiles. */
	many = malloc(CM_PROFILES_MAX * 16 + 1);
	CHECK(many);
	for (i = 0, n = 0; i < CM_PROFILES_MAX; i++)
		n += (size_t)sprintf(many + n, "[c%zu]\n", i);
	i = parse_fails(many, -E2BIG, "profiles.d/10-x.conf:17: too many "
			"profiles (at most 24)");
	free(many);
	CHECK(i);
}

TEST(profiles_conf_nul_and_size)
{
	struct cm_profiles *set = fresh();
	static const char nul[] = "[gcp]\nmtu = 1460\0\n";
	char err[CM_PROFILE_ERR_MAX];
	char *huge;

	CHECK(set);
	CHECK_INT(cm_profile_conf_parse(nul, sizeof(nul) - 1, "f.conf", set, err,
					sizeof(err)), -EBADMSG);
	CHECK_STR(err, "f.conf:2: NUL byte");
	huge = calloc(1, CM_PROFILE_CONF_MAX + 1);
	CHECK(huge);
	CHECK_INT(cm_profile_conf_parse(huge, CM_PROFILE_CONF_MAX + 1, "f.conf",
					set, err, sizeof(err)), -EMSGSIZE);
	free(huge);
	CHECK_INT(cm_profile_conf_parse("", 0, "f.conf", set, err, sizeof(err)), 0);
	free(set);
}

TEST(profiles_karg_patterns)
{
	CHECK(cm_karg_pattern_match("console=ttyS*", "console=ttyS0,38400n8"));
	CHECK(!cm_karg_pattern_match("console=ttyS*", "console=tty0"));
	CHECK(cm_karg_pattern_match("rootdelay", "rootdelay=300"));
	CHECK(cm_karg_pattern_match("quiet", "quiet"));
	CHECK(!cm_karg_pattern_match("quiet", "quieter"));
	CHECK(cm_karg_pattern_match("crashkernel=auto", "crashkernel=auto"));
	CHECK(!cm_karg_pattern_match("crashkernel=auto", "crashkernel=256M"));
	CHECK(!cm_karg_pattern_match("earlyprintk", "earlyprintkx=1"));
}

TEST(profiles_plist_ops)
{
	struct cm_plist l;

	memset(&l, 0, sizeof(l));
	CHECK_INT(cm_plist_add(&l, "a", 1), 0);
	CHECK_INT(cm_plist_add(&l, "b", 1), 0);
	CHECK_INT(cm_plist_add(&l, "a", 1), 0);
	CHECK_INT(cm_plist_add(&l, "", 0), -EINVAL);
	cm_plist_remove(&l, "a");
	CHECK_INT(l.n, 1);
	CHECK_STR(l.v[0], "b");
	while (l.n < CM_PROFILE_LIST_MAX)
		CHECK_INT(cm_plist_add(&l, "x", 1), 0);
	CHECK_INT(cm_plist_add(&l, "y", 1), -E2BIG);
}

TEST(profiles_load_order_and_skip)
{
	struct cm_profiles *set = fresh();
	struct cm_profile_rt *p;
	char path[512];
	int r;

	CHECK(set);
	cm_test_write_str("etc/cloudmove/profiles.d/10-a.conf",
			  "[gcp]\nmtu = 1500\n[mycloud]\ndisk = vd\n");
	/* Bad at line 3: its line 2 must not land either. */
	cm_test_write_str("etc/cloudmove/profiles.d/20-bad.conf",
			  "[gcp]\nmtu = 9000\ncolour = blue\n");
	cm_test_write_str("etc/cloudmove/profiles.d/30-c.conf",
			  "[gcp]\nkargs.add += quiet\n");
	cm_test_write_str("etc/cloudmove/profiles.d/40-ignored.txt", "junk\n");
	cm_test_write_str("etc/cloudmove/profiles.d/.50-hidden.conf", "junk\n");
	snprintf(path, sizeof(path), "%s/etc/cloudmove/profiles.d/60-link.conf",
		 cm_test_tmpdir());
	CHECK(symlink("/etc/hostname", path) == 0);
	r = cm_profiles_load(cm_test_tmpdir(), set);
	CHECK_INT(r, 2);	/* 20-bad and the symlink */
	p = cm_profiles_find(set, "gcp");
	CHECK_INT(p->mtu, 1500);
	CHECK(cm_plist_has(&p->kargs_add, "quiet"));
	CHECK_STR(p->last_file, "profiles.d/30-c.conf");
	CHECK(cm_profiles_find(set, "mycloud"));
	free(set);
}

TEST(profiles_load_no_dir)
{
	struct cm_profiles *set = fresh();

	CHECK(set);
	CHECK_INT(cm_profiles_load(cm_test_tmpdir(), set), 0);
	CHECK_INT(cm_profiles_find(set, "gcp")->source, CM_PROFILE_BUILTIN);
	free(set);
}

TEST(profiles_format_text_and_json)
{
	struct cm_profiles *set = fresh();
	struct json_object *o = NULL;
	struct cm_buf b;
	char v[64];

	CHECK(set);
	cm_buf_init(&b, 64 * 1024);
	CHECK_INT(cm_profile_format_text(cm_profiles_find(set, "azure"), &b), 0);
	CHECK(strstr(b.data, "swap on OS disk:     no\n"));
	CHECK(strstr(b.data, "cloud-init source:   Azure\n"));
	CHECK(strstr(b.data, "time source:          ptp /dev/ptp_hyperv\n") ||
	      strstr(b.data, "ptp /dev/ptp_hyperv"));
	cm_buf_reset(&b);
	CHECK_INT(cm_profile_format_json(cm_profiles_find(set, "gcp"), &b), 0);
	CHECK_INT(cm_json_parse(b.data, b.len, 64 * 1024, &o), 0);
	CHECK_INT(cm_json_get_text(o, "mtu", v, sizeof(v)), 0);
	CHECK_STR(v, "1460");
	CHECK_INT(cm_json_get_text(o, "kargs.add.0", v, sizeof(v)), 0);
	CHECK_STR(v, "console=ttyS0,38400n8");
	CHECK_INT(cm_json_get_text(o, "timesync.servers.0", v, sizeof(v)), 0);
	CHECK_STR(v, "metadata.google.internal");
	CHECK_INT(cm_json_get_text(o, "swap_on_os_disk", v, sizeof(v)), 0);
	CHECK_STR(v, "true");
	CHECK_INT(cm_json_get_text(o, "cloudinit_datasource.0", v, sizeof(v)), 0);
	CHECK_STR(v, "GCE");
	json_object_put(o);
	cm_buf_free(&b);
	free(set);
}
