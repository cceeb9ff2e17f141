/* The move marker (see marker.h). */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "../limits.h"
#include "../log.h"
#include "../record/move.h"
#include "../util/atomic.h"
#include "../util/buf.h"
#include "../util/file.h"
#include "../util/kvlines.h"
#include "marker.h"

#define MARKER_MAX	4096

static int copy(char *dst, size_t size, const char *v)
{
	size_t n = strlen(v);

	if (n >= size)
		return -EBADMSG;
	memcpy(dst, v, n + 1);
	return 0;
}

static int number(const char *v, unsigned long long max, unsigned long long *out)
{
	char *end;

	if (!isdigit((unsigned char)*v))
		return -EBADMSG;
	errno = 0;
	*out = strtoull(v, &end, 10);
	return errno || *end || *out > max ? -EBADMSG : 0;
}

/* a move id, or nothing (written by a move that had none) */
static int move_id(struct cm_move_marker *m, const char *v)
{
	if (*v && !cm_move_id_valid(v))
		return -EBADMSG;
	return copy(m->move_id, sizeof(m->move_id), v);
}

static int set(struct cm_move_marker *m, const char *k, const char *v)
{
	unsigned long long n;
	int r;

	if (!strcmp(k, "before")) {
		r = number(v, 999999999, &n);
		m->before = (unsigned)n;
		return r;
	}
	if (!strcmp(k, "time")) {
		r = number(v, (unsigned long long)1 << 40, &n);
		m->time = (long long)n;
		return r;
	}
	if (!strcmp(k, "uuid"))
		return copy(m->uuid, sizeof(m->uuid), v);
	if (!strcmp(k, "instance_id"))
		return copy(m->instance_id, sizeof(m->instance_id), v);
	if (!strcmp(k, "cloud"))
		return copy(m->cloud, sizeof(m->cloud), v);
	if (!strcmp(k, "target"))
		return copy(m->target, sizeof(m->target), v);
	if (!strcmp(k, "move_id"))
		return move_id(m, v);
	if (!strcmp(k, "dest"))
		return copy(m->dest, sizeof(m->dest), v);
	if (!strcmp(k, "profile"))
		return copy(m->profile, sizeof(m->profile), v);
	if (!strcmp(k, "facts"))
		return copy(m->facts, sizeof(m->facts), v);
	return 0;
}

struct marker_parse {
	struct cm_move_marker *m;
	int seen_before;
};

static int marker_line(const char *key, const char *value, void *ctx)
{
	struct marker_parse *mp = ctx;

	mp->seen_before |= !strcmp(key, "before");
	return set(mp->m, key, value);
}

int cm_move_marker_parse(const char *buf, size_t len, struct cm_move_marker *m)
{
	struct marker_parse mp = { .m = m };

	memset(m, 0, sizeof(*m));
	if (cm_kvlines(buf, len, marker_line, &mp) < 0)
		return -EBADMSG;
	return mp.seen_before && m->cloud[0] ? 0 : -EBADMSG;
}

static int marker_path(const char *root, char *out, size_t size)
{
	return cm_path_join(out, size, root, CM_MOVE_MARKER_PATH);
}

int cm_move_marker_write(const char *root, const struct cm_move_marker *m)
{
	char path[CM_PATH_MAX];
	struct cm_buf b;
	int r;

	r = marker_path(root, path, sizeof(path));
	if (r < 0)
		return cm_err(r, "move marker under %s", root);
	cm_buf_init(&b, MARKER_MAX);
	r = cm_buf_printf(&b, "before %u\nuuid %s\ninstance_id %s\ncloud %s\ntarget %s\n"
			  "time %lld\nmove_id %s\ndest %s\nprofile %s\nfacts %s\n",
			  m->before, m->uuid, m->instance_id, m->cloud, m->target,
			  m->time, m->move_id, m->dest, m->profile, m->facts);
	if (r == 0)
		r = cm_mkdir_parents(path);
	if (r == 0)
		r = cm_atomic_write(path, b.data, b.len, 0644);
	cm_buf_free(&b);
	return r < 0 ? cm_err(r, "move marker %s", path) : 0;
}

int cm_move_marker_load(const char *root, struct cm_move_marker *m)
{
	char path[CM_PATH_MAX];
	struct cm_buf b;
	int r;

	r = marker_path(root, path, sizeof(path));
	if (r < 0)
		return cm_err(r, "move marker under %s", root);
	cm_buf_init(&b, MARKER_MAX);
	r = cm_file_read(path, &b);
	if (r == -ENOENT) {
		cm_buf_free(&b);
		return 0;
	}
	if (r == 0)
		r = cm_move_marker_parse(b.data, b.len, m);
	cm_buf_free(&b);
	return r < 0 ? cm_err(r, "move marker %s", path) : 1;
}

int cm_move_marker_remove(const char *root)
{
	char path[CM_PATH_MAX];
	int r = marker_path(root, path, sizeof(path));

	if (r < 0)
		return cm_err(r, "move marker under %s", root);
	if (unlink(path) < 0 && errno != ENOENT)
		return cm_err(-errno, "move marker %s", path);
	return 0;
}

/* all zeros or all ones (hex digits and dashes only) */
static int uuid_unset(const char *u)
{
	const char *p;
	int zeros = 1, ones = 1;

	for (p = u; *p; p++) {
		if (*p == '-')
			continue;
		zeros &= *p == '0';
		ones &= *p == 'f' || *p == 'F';
	}
	return !*u || zeros || ones;
}

void cm_machine_uuid(const char *detect_root, char *out, size_t size)
{
	char path[CM_PATH_MAX];
	size_t len = 0;

	out[0] = '\0';
	if (cm_path_join(path, sizeof(path), detect_root,
			 "/sys/class/dmi/id/product_uuid") < 0 ||
	    cm_file_read_small(path, out, size, &len) < 0) {
		out[0] = '\0';
		return;
	}
	while (len && isspace((unsigned char)out[len - 1]))
		out[--len] = '\0';
	if (uuid_unset(out))
		out[0] = '\0';
}

int cm_move_marker_is_source(const struct cm_move_marker *m, const char *uuid,
			     const char *instance_id, const char *cloud)
{
	if (m->uuid[0] && uuid[0])
		return strcasecmp(m->uuid, uuid) == 0;
	if (m->instance_id[0] && instance_id[0])
		return strcmp(m->instance_id, instance_id) == 0;
	return strcmp(m->cloud, cloud) == 0 || !cloud[0] || !strcmp(cloud, "unknown");
}
