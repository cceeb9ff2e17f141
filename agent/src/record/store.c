#include <errno.h>
#include <libmount.h>
#include <sys/stat.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "../limits.h"
#include "../log.h"
#include "../util/atomic.h"
#include "../util/file.h"
#include "store.h"

#define FSTAB_READ_MAX	(256 * 1024)	/* adapt/fstab.h's CM_FSTAB_MAX */

static int record_path(const char *root, char *out, size_t size)
{
	return cm_path_join(out, size, root, CM_RECORD_PATH);
}

/* path.bad-TIME, or path.bad-TIME.N when one was set aside this second
 * already (renaming over it would lose it, or fail on a directory) */
static void aside_name(const char *path, char *out, size_t size)
{
	struct stat st;
	long now = (long)time(NULL);
	int i;

	snprintf(out, size, "%s.bad-%ld", path, now);
	for (i = 1; i < 100 && lstat(out, &st) == 0; i++)
		snprintf(out, size, "%s.bad-%ld.%d", path, now, i);
}

static int keep_aside(const char *path)
{
	char aside[CM_PATH_MAX];

	aside_name(path, aside, sizeof(aside));
	if (rename(path, aside) < 0)
		return cm_err(-errno, "record: keep %s aside", path);
	cm_warn("record: %s is no hosting record of ours; kept it as %s and "
		"started a new one", path, aside);
	return 1;
}

int cm_record_load(const char *root, struct cm_record *r)
{
	char path[CM_PATH_MAX];
	struct cm_buf b;
	int rc;

	memset(r, 0, sizeof(*r));
	rc = record_path(root, path, sizeof(path));
	if (rc < 0)
		return cm_err(rc, "record: %s", CM_RECORD_PATH);
	cm_buf_init(&b, CM_RECORD_MAX);
	rc = cm_file_read(path, &b);
	if (rc == -ENOENT) {
		rc = 0;
		goto out;
	}
	/* not a file of ours to read: too big, a directory, a FIFO or a
	 * device (-CM_ENOTREG), a symlink loop: set aside like a bad one */
	if (rc == -EMSGSIZE || rc == -EISDIR || rc == -CM_ENOTREG ||
	    rc == -ELOOP) {
		rc = keep_aside(path);
		goto out;
	}
	if (rc < 0) {
		cm_err(rc, "record: read %s", path);
		goto out;
	}
	if (cm_record_parse(b.data, b.len, r) < 0)
		rc = keep_aside(path);
out:
	cm_buf_free(&b);
	return rc;
}

int cm_record_save(const char *root, const struct cm_record *r)
{
	char path[CM_PATH_MAX];
	struct cm_buf b;
	int rc;

	rc = record_path(root, path, sizeof(path));
	if (rc < 0)
		return cm_err(rc, "record: %s", CM_RECORD_PATH);
	rc = cm_mkdir_parents(path);
	if (rc < 0)
		return cm_err(rc, "record: create the directory of %s", path);
	cm_buf_init(&b, CM_RECORD_MAX);
	rc = cm_record_format(r, &b);
	if (rc < 0) {
		cm_err(rc, "record: format");
		goto out;
	}
	rc = cm_atomic_write(path, b.data, b.len, 0644);
	if (rc < 0)
		cm_err(rc, "record: write %s", path);
out:
	cm_buf_free(&b);
	return rc;
}

void cm_record_machine_id(const char *root, char *out, size_t size)
{
	char path[CM_PATH_MAX], id[64];
	size_t len = 0, i;

	out[0] = '\0';
	if (cm_path_join(path, sizeof(path), root, "/etc/machine-id") < 0 ||
	    cm_file_read_small(path, id, sizeof(id), &len) < 0)
		return;
	while (len && (id[len - 1] == '\n' || id[len - 1] == ' '))
		id[--len] = '\0';
	if (len != 32)
		return;		/* "uninitialized" or junk */
	for (i = 0; i < len; i++)
		if (!strchr("0123456789abcdef", id[i]))
			return;
	snprintf(out, size, "%s", id);
}

/* The root's fstab through our own reader (a regular file, capped: a FIFO
 * there must not hang the boot), parsed by libmount; NULL when there is
 * none or it cannot be read. */
static struct libmnt_table *fstab_table(const char *fstab)
{
	struct libmnt_table *tb = NULL;
	struct cm_buf b;
	FILE *f;

	cm_buf_init(&b, FSTAB_READ_MAX);
	if (cm_file_read(fstab, &b) < 0 || !b.len)
		goto out;
	f = fmemopen(b.data, b.len, "r");
	if (!f)
		goto out;
	tb = mnt_new_table();
	if (tb && mnt_table_parse_stream(tb, f, fstab) < 0) {
		mnt_unref_table(tb);
		tb = NULL;
	}
	fclose(f);
out:
	cm_buf_free(&b);
	return tb;
}

static int same_fs(const char *root, const char *sub)
{
	char a[CM_PATH_MAX], b[CM_PATH_MAX];
	struct stat sa, sb;

	if (cm_path_join(a, sizeof(a), root, "/") < 0 ||
	    cm_path_join(b, sizeof(b), root, sub) < 0 ||
	    stat(a, &sa) < 0 || stat(b, &sb) < 0)
		return 1;	/* nothing there yet: it will be created on / */
	return sa.st_dev == sb.st_dev;
}

int cm_record_location_ok(const char *root)
{
	static const char *const dirs[] = {
		"/var/lib/cloudmove", "/var/lib", "/var",
	};
	char fstab[CM_PATH_MAX];
	struct libmnt_table *tb;
	size_t i;
	int r = 0;

	if (!root || !*root || !strcmp(root, "/"))
		return 0;	/* the running system has its mounts */
	if (cm_path_join(fstab, sizeof(fstab), root, "/etc/fstab") < 0)
		return 0;
	tb = fstab_table(fstab);
	if (!tb)
		return 0;	/* no fstab, or one we cannot read */
	for (i = 0; i < sizeof(dirs) / sizeof(dirs[0]); i++) {
		if (!mnt_table_find_target(tb, dirs[i], MNT_ITER_FORWARD))
			continue;
		if (same_fs(root, dirs[i])) {
			r = -EXDEV;
			cm_warn("record: %s is a separate filesystem in %s, not "
				"mounted yet", dirs[i], fstab);
		}
		break;
	}
	mnt_unref_table(tb);
	return r;
}
