#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>

#include "boot/cmdline.h"
#include "test.h"

static struct cm_boot_opts o;

static int parse(const char *s)
{
	return cm_cmdline_parse(s, strlen(s), &o);
}

TEST(cmdline_defaults)
{
	CHECK_INT(parse("BOOT_IMAGE=/vmlinuz root=UUID=1 ro quiet\n"), 0);
	CHECK_INT(o.disabled, 0);
	CHECK_INT(o.mode, CM_MODE_ADAPT);
	CHECK_INT(o.timeout_ms, 2000);
	CHECK_STR(o.target, "");
	CHECK_INT(o.after, CM_AFTER_CONTINUE);
	CHECK_INT(o.onfail, CM_ONFAIL_SHELL);
	CHECK_INT(parse(""), 0);
}

TEST(cmdline_every_key)
{
	CHECK_INT(parse("root=/dev/vda1 cloudmove.mode=detect cloudmove.target=gcp "
			"cloudmove.dest=gs://bucket/disk.tar.gz cloudmove.format=gce "
			"cloudmove.creds=/etc/cloudmove/gcs.json cloudmove.after=poweroff "
			"cloudmove.metering=https://meter.example/events "
			"rd.cloudmove.timeout=5000 rd.cloudmove.debug cloudmove.onfail=boot"), 0);
	CHECK_INT(o.onfail, CM_ONFAIL_BOOT);
	CHECK_INT(o.mode, CM_MODE_DETECT);
	CHECK_STR(o.target, "gcp");
	CHECK_STR(o.dest, "gs://bucket/disk.tar.gz");
	CHECK_STR(o.format, "gce");
	CHECK_STR(o.creds, "/etc/cloudmove/gcs.json");
	CHECK_INT(o.after, CM_AFTER_POWEROFF);
	CHECK_STR(o.metering, "https://meter.example/events");
	CHECK_INT(o.timeout_ms, 5000);
	CHECK_INT(o.debug, 1);
}

TEST(cmdline_disable_and_quotes)
{
	CHECK_INT(parse("quiet cloudmove=0"), 0);
	CHECK_INT(o.disabled, 1);
	CHECK_INT(parse("cloudmove.dest=\"s3://b/k?endpoint=http://127.0.0.1:9\" x"), 0);
	CHECK_STR(o.dest, "s3://b/k?endpoint=http://127.0.0.1:9");
	/* the ebs:// sink (EBS direct APIs): a move to aws without S3 */
	CHECK_INT(parse("cloudmove.dest=ebs://us-east-1?endpoint=http://169.254.0.10"), 0);
	CHECK_STR(o.dest, "ebs://us-east-1?endpoint=http://169.254.0.10");
	CHECK_INT(parse("\"cloudmove.metering=http://a b\""), 0);
	CHECK_STR(o.metering, "http://a b");
	CHECK_INT(parse("cloudmovex=1 mycloudmove.mode=x"), 0);	/* not ours */
}

TEST(cmdline_bad_values_warn_and_keep_defaults)
{
	CHECK_INT(parse("cloudmove.mode=fast cloudmove.target=mars "
			"cloudmove.after=explode rd.cloudmove.timeout=-5 "
			"cloudmove.format=zip cloudmove.dest=ftp://x "
			"cloudmove.creds=relative cloudmove.colour=blue cloudmove=2 "
			"cloudmove.metering=ftp://m"), 8);
	CHECK_INT(o.mode, CM_MODE_ADAPT);
	CHECK_STR(o.target, "");
	CHECK_INT(o.after, CM_AFTER_CONTINUE);
	CHECK_INT(o.timeout_ms, 2000);
	CHECK_STR(o.format, "");
	CHECK_STR(o.dest, "");
	CHECK(strstr(o.warnings[0], "cloudmove.mode=fast"));
	CHECK_INT(parse("rd.cloudmove.timeout=999999 cloudmove.target=kvm cloudmove.target"), 3);
	/* the format list comes from the encoder registry, the words as before */
	CHECK_INT(parse("cloudmove.format=zip"), 1);
	CHECK_STR(o.warnings[0], "cloudmove.format=zip: expected raw, gce or vhd; the target's default");
	CHECK_INT(parse("cloudmove.onfail=retry"), 1);
	CHECK_INT(o.onfail, CM_ONFAIL_SHELL);
	CHECK(strstr(o.warnings[0], "cloudmove.onfail=retry: expected shell or boot"));
	CHECK_INT(o.timeout_ms, 2000);
}

TEST(cmdline_long_and_binary)
{
	char big[6000];

	memset(big, 'a', sizeof(big));
	memcpy(big, "cloudmove.dest=s3://", 20);
	CHECK_INT(cm_cmdline_parse(big, sizeof(big), &o), 1);
	CHECK_STR(o.dest, "");
	CHECK_INT(parse("cloudmove.target=g\x01" "cp"), 1);
	CHECK_STR(o.target, "");
}

/* A command line of n bytes: filler words, then tail (issue 15: one of
 * 4096 bytes or more was dropped whole, cloudmove=0 with it). */
static char *long_line(size_t n, const char *tail)
{
	char *s = malloc(n + 1);
	size_t i, t = strlen(tail);

	for (i = 0; i + t < n; i++)
		s[i] = i % 10 == 9 ? ' ' : 'x';
	s[n - t - 1] = ' ';
	memcpy(s + n - t, tail, t + 1);
	return s;
}

static int read_file(const char *text)
{
	char path[4096];

	cm_test_write_str("cmdline", text);
	snprintf(path, sizeof(path), "%s/cmdline", cm_test_tmpdir());
	return cm_cmdline_read(path, &o);
}

TEST(cmdline_long_kill_switch_anywhere)
{
	char *s = long_line(5000, "cloudmove=0");

	CHECK_INT(strlen(s), 5000);
	CHECK_INT(parse(s), 0);
	CHECK_INT(o.disabled, 1);
	CHECK_INT(read_file(s), 0);
	CHECK_INT(o.disabled, 1);
	CHECK_INT(o.unreadable, 0);
	free(s);
	/* past 64 KiB: read, but only the switches that do less count */
	s = long_line(70000, "cloudmove.target=gcp cloudmove=0");
	CHECK_INT(read_file(s), 1);
	CHECK(strstr(o.warnings[0], "longer than 65536 bytes"));
	CHECK_INT(o.disabled, 1);
	CHECK_STR(o.target, "");
	free(s);
	s = long_line(70000, "cloudmove.mode=detect");
	CHECK_INT(parse(s), 1);
	CHECK_INT(o.mode, CM_MODE_DETECT);
	CHECK_INT(o.disabled, 0);
	free(s);
	s = long_line(5000, "cloudmove.target=gcp cloudmove.mode=detect");
	CHECK_INT(read_file(s), 0);
	CHECK_STR(o.target, "gcp");
	CHECK_INT(o.mode, CM_MODE_DETECT);
	free(s);
}

TEST(cmdline_detect_and_off_stick)
{
	CHECK_INT(parse("cloudmove.mode=detect cloudmove.mode=adapt"), 0);
	CHECK_INT(o.mode, CM_MODE_DETECT);
	CHECK_INT(parse("cloudmove=0 cloudmove=1"), 0);
	CHECK_INT(o.disabled, 1);
	CHECK_INT(parse("cloudmove=false"), 0);	/* the hook's word too */
	CHECK_INT(o.disabled, 1);
}

TEST(cmdline_unreadable_does_nothing)
{
	char path[4096];

	snprintf(path, sizeof(path), "%s/none", cm_test_tmpdir());
	CHECK_INT(cm_cmdline_read(path, &o), 1);
	CHECK_INT(o.disabled, 1);
	CHECK_INT(o.unreadable, -ENOENT);
	CHECK(strstr(o.warnings[0], "doing nothing"));
	/* a FIFO: no hang, and nothing done */
	snprintf(path, sizeof(path), "%s/fifo", cm_test_tmpdir());
	CHECK_INT(mkfifo(path, 0600), 0);
	CHECK_INT(cm_cmdline_read(path, &o), 1);
	CHECK_INT(o.disabled, 1);
	CHECK(strstr(o.warnings[0], "not a regular file"));
	CHECK_INT(cm_cmdline_read(cm_test_tmpdir(), &o), 1);	/* a directory */
	CHECK_INT(o.unreadable, -EISDIR);
	CHECK_INT(read_file("quiet cloudmove.target=gcp\n"), 0);
	CHECK_INT(o.disabled, 0);
	CHECK_STR(o.target, "gcp");
}

TEST(cmdline_launch_keys)
{
	CHECK_INT(parse("root=/dev/vda1"), 0);
	CHECK_STR(o.launch, "");
	CHECK_INT(o.wait_s, 1200);
	CHECK_STR(o.api_endpoint, "");
	CHECK_INT(parse("cloudmove.target=aws cloudmove.dest=file:///x "
			"cloudmove.launch=/etc/cloudmove/launch-aws.spec cloudmove.wait=30 "
			"rd.cloudmove.api_endpoint=http://10.0.2.2:8773"), 0);
	CHECK_STR(o.launch, "/etc/cloudmove/launch-aws.spec");
	CHECK_INT(o.wait_s, 30);
	CHECK_STR(o.api_endpoint, "http://10.0.2.2:8773");
	CHECK_INT(parse("cloudmove.wait=0"), 0);	/* launch, do not wait */
	CHECK_INT(o.wait_s, 0);
	CHECK_INT(parse("cloudmove.launch=launch.spec cloudmove.wait=-1 "
			"cloudmove.wait=10m rd.cloudmove.api_endpoint=ftp://h"), 4);
	CHECK_STR(o.launch, "");
	CHECK_INT(o.wait_s, 1200);
	CHECK_STR(o.api_endpoint, "");
	CHECK(strstr(o.warnings[0], "cloudmove.launch"));
	CHECK_STR(o.warnings[1], "cloudmove.wait=-1: expected 0..604800 seconds; 1200");
}

/* issue 18: cloudmove.after=retire and cloudmove.retire=; delete is never
 * a default, nor what a misspelt value falls back to */
TEST(cmdline_after_retire)
{
	CHECK_INT(parse("cloudmove.after=retire"), 0);
	CHECK_INT(o.after, CM_AFTER_RETIRE);
	CHECK_INT(o.retire, CM_RETIRE_STOP);
	CHECK_INT(parse("cloudmove.after=retire cloudmove.retire=delete"), 0);
	CHECK_INT(o.retire, CM_RETIRE_DELETE);
	CHECK_INT(parse("cloudmove.retire=stop"), 0);
	CHECK_INT(o.retire, CM_RETIRE_STOP);
	CHECK_INT(parse("cloudmove.retire=delete cloudmove.retire=Delete"), 1);
	CHECK_INT(o.retire, CM_RETIRE_DELETE);	/* the bad word changes nothing */
	CHECK_INT(parse("cloudmove.retire=DELETE"), 1);
	CHECK_INT(o.retire, CM_RETIRE_STOP);
	CHECK_STR(o.warnings[0], "cloudmove.retire=DELETE: expected stop or delete; stop");
	CHECK_INT(parse("cloudmove.retire=terminate"), 1);
	CHECK_INT(o.retire, CM_RETIRE_STOP);
	CHECK_INT(parse("cloudmove.retire"), 1);
	CHECK_INT(o.retire, CM_RETIRE_STOP);
	CHECK_INT(parse("rd.cloudmove.retire_api_endpoint=http://127.0.0.1:8111"), 0);
	CHECK_STR(o.retire_api, "http://127.0.0.1:8111");
	CHECK_INT(parse("rd.cloudmove.retire_api_endpoint=ftp://x"), 1);
	CHECK_STR(o.retire_api, "");
	CHECK_INT(parse("cloudmove.after=retired"), 1);
	CHECK_INT(o.after, CM_AFTER_CONTINUE);
	CHECK(strstr(o.warnings[0], "expected reboot, poweroff, retire or continue"));
}
