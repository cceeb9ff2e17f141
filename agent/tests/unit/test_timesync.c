#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "adapt/timesync.h"
#include "test.h"

/* Moving to AWS from GCP or Azure. */
static const struct cm_timesync_sources to_aws = {
	.other = { "metadata.google.internal", "169.254.169.254",
		   "/dev/ptp_hyperv" },
	.n_other = 3,
	.mine = { "169.254.169.123", "fd00:ec2::123" },
	.n_mine = 2,
};

static int scrub(enum cm_timesync_syntax syn, const char *in,
		 struct cm_buf *out, int *have)
{
	*have = 0;
	return cm_timesync_scrub(syn, in, strlen(in), &to_aws, out, have);
}

TEST(timesync_chrony_other_clouds_off_rest_identical)
{
	const char *in = "# Welcome to the chrony configuration file.\n"
			 "server metadata.google.internal iburst\n"
			 "  Server  METADATA.google.internal prefer\n"
			 "refclock PHC /dev/ptp_hyperv:nocrossts poll 3 dpoll -2\n"
			 "refclock PHC /dev/ptp0 poll 3\n"
			 "pool 2.debian.pool.ntp.org iburst\n"
			 "server ntp.corp.example.com iburst\n"
			 "! server 169.254.169.254\n"
			 "makestep 1 3";
	struct cm_buf out;
	int have;

	cm_buf_init(&out, 4096);
	CHECK_INT(scrub(CM_TS_CHRONY, in, &out, &have), 3);
	CHECK_STR(out.data, "# Welcome to the chrony configuration file.\n"
		  CM_TIMESYNC_OFF "server metadata.google.internal iburst\n"
		  CM_TIMESYNC_OFF "  Server  METADATA.google.internal prefer\n"
		  CM_TIMESYNC_OFF "refclock PHC /dev/ptp_hyperv:nocrossts poll 3 dpoll -2\n"
		  "refclock PHC /dev/ptp0 poll 3\n"
		  "pool 2.debian.pool.ntp.org iburst\n"
		  "server ntp.corp.example.com iburst\n"
		  "! server 169.254.169.254\n"
		  "makestep 1 3");
	CHECK_INT(have, 0);
	cm_buf_free(&out);
}

TEST(timesync_chrony_target_seen_and_brought_back)
{
	const char *in = CM_TIMESYNC_OFF "server 169.254.169.123 prefer iburst\n"
			 CM_TIMESYNC_OFF "server 10.0.0.1\n"
			 "server fd00:ec2::123 iburst\n";
	struct cm_buf out, again;
	int have;

	cm_buf_init(&out, 4096);
	cm_buf_init(&again, 4096);
	CHECK_INT(scrub(CM_TS_CHRONY, in, &out, &have), 1);
	CHECK_STR(out.data, "server 169.254.169.123 prefer iburst\n"
		  CM_TIMESYNC_OFF "server 10.0.0.1\n"
		  "server fd00:ec2::123 iburst\n");
	CHECK_INT(have, 1);
	/* A second pass changes nothing. */
	CHECK_INT(scrub(CM_TS_CHRONY, out.data, &again, &have), 0);
	CHECK_STR(again.data, out.data);
	cm_buf_free(&out);
	cm_buf_free(&again);
}

TEST(timesync_ntpd_flags_and_refclock_ignored)
{
	const char *in = "server -4 metadata.google.internal iburst\n"
			 "refclock PHC /dev/ptp_hyperv\n"	/* not ntpd */
			 "restrict 169.254.169.254\n";
	struct cm_buf out;
	int have;

	cm_buf_init(&out, 4096);
	CHECK_INT(scrub(CM_TS_NTPD, in, &out, &have), 1);
	CHECK_STR(out.data, CM_TIMESYNC_OFF "server -4 metadata.google.internal iburst\n"
		  "refclock PHC /dev/ptp_hyperv\nrestrict 169.254.169.254\n");
	cm_buf_free(&out);
}

TEST(timesync_timesyncd_lists_filtered)
{
	const char *in = "[Time]\nNTP=metadata.google.internal ntp.example.net\n"
			 "FallbackNTP = 169.254.169.254\n#NTP=169.254.169.254\n"
			 "NTP=169.254.169.123";
	struct cm_buf out, again;
	int have;

	cm_buf_init(&out, 4096);
	cm_buf_init(&again, 4096);
	CHECK_INT(scrub(CM_TS_TIMESYNCD, in, &out, &have), 2);
	CHECK_STR(out.data, "[Time]\n"
		  CM_TIMESYNC_OFF "NTP=metadata.google.internal ntp.example.net\n"
		  "NTP=ntp.example.net\n"
		  CM_TIMESYNC_OFF "FallbackNTP = 169.254.169.254\n"
		  "#NTP=169.254.169.254\nNTP=169.254.169.123");
	CHECK_INT(have, 1);
	CHECK_INT(scrub(CM_TS_TIMESYNCD, out.data, &again, &have), 0);
	CHECK_STR(again.data, out.data);
	/* The last line, all gone, keeps having no newline. */
	CHECK_INT(scrub(CM_TS_TIMESYNCD, "NTP=169.254.169.254", &out, &have), 1);
	CHECK_STR(out.data, CM_TIMESYNC_OFF "NTP=169.254.169.254");
	cm_buf_free(&out);
	cm_buf_free(&again);
}

TEST(timesync_scrub_bad_input)
{
	struct cm_buf out;
	int have = 0;

	cm_buf_init(&out, 4096);
	CHECK_INT(cm_timesync_scrub(CM_TS_CHRONY, "a\0b", 3, &to_aws, &out, &have),
		  -EBADMSG);
	CHECK_INT(cm_timesync_scrub(CM_TS_CHRONY, "", CM_TIMESYNC_MAX + 1, &to_aws,
				    &out, &have), -EMSGSIZE);
	CHECK_INT(scrub(CM_TS_CHRONY, "", &out, &have), 0);
	CHECK_STR(out.data, "");
	cm_buf_free(&out);
}

/* The built-in profile of name; set is freed by the caller. */
static const struct cm_profile_rt *builtin(struct cm_profiles *set,
					   const char *name)
{
	return set && cm_profiles_init(set) == 0 ? cm_profiles_find(set, name) : NULL;
}

TEST(timesync_lines_per_cloud)
{
	struct cm_profiles *set = calloc(1, sizeof(*set));
	struct cm_profile_rt x = { .name = "x", .time = CM_TIME_NTP };
	const struct cm_profile_rt *aws = builtin(set, "aws");
	const struct cm_profile_rt *gcp = cm_profiles_find(set, "gcp");
	const struct cm_profile_rt *azure = cm_profiles_find(set, "azure");
	struct cm_buf out;

	CHECK(aws && gcp && azure);
	cm_buf_init(&out, 4096);
	CHECK_INT(cm_timesync_lines(CM_TS_CHRONY, aws, &out), 0);
	CHECK(strstr(out.data, "\nserver 169.254.169.123 prefer iburst minpoll 4 maxpoll 4\n"));
	CHECK(strstr(out.data, "Set the time for your Linux instance"));
	CHECK_INT(cm_timesync_lines(CM_TS_NTPD, gcp, &out), 0);
	CHECK(strstr(out.data, "\nserver metadata.google.internal iburst\n"));
	CHECK_INT(cm_timesync_lines(CM_TS_CHRONY, azure, &out), 0);
	CHECK(strstr(out.data, "\nrefclock PHC /dev/ptp_hyperv poll 3 dpoll -2 offset 0 stratum 2\n"));
	/* ntpd and timesyncd cannot read a PTP clock. */
	CHECK_INT(cm_timesync_lines(CM_TS_NTPD, azure, &out), 0);
	CHECK_STR(out.data, "");
	CHECK_INT(cm_timesync_lines(CM_TS_TIMESYNCD, azure, &out), 0);
	CHECK_STR(out.data, "");
	cm_plist_add(&x.time_servers, "ntp1.example.net", 16);
	cm_plist_add(&x.time_servers, "ntp2.example.net", 16);
	CHECK_INT(cm_timesync_lines(CM_TS_TIMESYNCD, &x, &out), 0);
	CHECK_STR(out.data, "# cloudmove: the time source of x\n[Time]\n"
		  "NTP=ntp1.example.net ntp2.example.net\n");
	x.time = CM_TIME_POOL;
	x.time_servers.n = 1;
	CHECK_INT(cm_timesync_lines(CM_TS_CHRONY, &x, &out), 0);
	CHECK_STR(out.data, "# cloudmove: the time source of x\npool ntp1.example.net iburst\n");
	/* A profile's own options and document (a user file's). */
	snprintf(x.time_options, sizeof(x.time_options), "iburst maxpoll 6");
	snprintf(x.time_doc, sizeof(x.time_doc), "site NTP policy");
	CHECK_INT(cm_timesync_lines(CM_TS_CHRONY, &x, &out), 0);
	CHECK_STR(out.data, "# cloudmove: the time source of x (site NTP policy)\n"
		  "pool ntp1.example.net iburst maxpoll 6\n");
	/* The distribution's pool: nothing to add. */
	CHECK_INT(cm_timesync_lines(CM_TS_CHRONY, cm_profiles_find(set, "kvm"), &out), 0);
	CHECK_STR(out.data, "");
	cm_buf_free(&out);
	free(set);
}

TEST(timesync_insert_above_first_source_and_its_comments)
{
	const char *in = "# header\n\nkeyfile /etc/chrony.keys\n\n"
			 "# Use public servers from the pool.ntp.org project.\n"
			 "# Please consider joining the pool.\n"
			 "pool 2.rhel.pool.ntp.org iburst\n";
	struct cm_buf out;

	cm_buf_init(&out, 4096);
	CHECK_INT(cm_timesync_insert(CM_TS_CHRONY, in, strlen(in), "server a\n", &out), 0);
	CHECK_STR(out.data, "# header\n\nkeyfile /etc/chrony.keys\n\nserver a\n\n"
		  "# Use public servers from the pool.ntp.org project.\n"
		  "# Please consider joining the pool.\n"
		  "pool 2.rhel.pool.ntp.org iburst\n");
	/* No source at all: at the end, after a blank line. */
	CHECK_INT(cm_timesync_insert(CM_TS_NTPD, "driftfile x", 11, "server a\n", &out), 0);
	CHECK_STR(out.data, "driftfile x\n\nserver a\n");
	CHECK_INT(cm_timesync_insert(CM_TS_NTPD, "", 0, "server a\n", &out), 0);
	CHECK_STR(out.data, "server a\n");
	cm_buf_free(&out);
}

TEST(timesync_chrony_dirs)
{
	const char *in = "confdir /etc/chrony/conf.d /usr/lib/chrony/conf.d\n"
			 "sourcedir /run/chrony-dhcp\n  SourceDir relative/dir\n"
			 "#sourcedir /etc/off\ninclude /etc/chrony.d/*.conf extra\n"
			 "confdir\n";
	struct cm_chrony_dir d[8];

	CHECK_INT(cm_timesync_chrony_dirs(in, strlen(in), d, 8), 4);
	CHECK(d[0].kind == 'c' && !strcmp(d[0].path, "/etc/chrony/conf.d"));
	CHECK(d[1].kind == 'c' && !strcmp(d[1].path, "/usr/lib/chrony/conf.d"));
	CHECK(d[2].kind == 's' && !strcmp(d[2].path, "/run/chrony-dhcp"));
	CHECK(d[3].kind == 'i' && !strcmp(d[3].path, "/etc/chrony.d/*.conf"));
	CHECK_INT(cm_timesync_chrony_dirs(in, strlen(in), d, 2), 2);
}

/* Other names of a cloud's time source are its profile's. */
TEST(timesync_aliases)
{
	struct cm_profiles *set = calloc(1, sizeof(*set));
	const struct cm_profile_rt *p = builtin(set, "aws");

	CHECK(p && p->time_aliases.n == 1);
	CHECK_STR(p->time_aliases.v[0], "fd00:ec2::123");
	p = cm_profiles_find(set, "gcp");
	CHECK(p && p->time_aliases.n == 1);
	CHECK_STR(p->time_aliases.v[0], "169.254.169.254");
	CHECK_INT(cm_profiles_find(set, "oracle")->time_aliases.n, 0);
	/* A user file that names another source drops the old one's
	 * options and names. */
	CHECK_INT(cm_profile_conf_parse("[aws]\ntimesync = ntp ntp.example.net\n", 37,
					"x.conf", set, NULL, 0), 0);
	p = cm_profiles_find(set, "aws");
	CHECK_INT(p->time_aliases.n, 0);
	CHECK_STR(p->time_options, "");
	CHECK_STR(p->time_doc, "");
	free(set);
}
