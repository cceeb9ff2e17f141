/* The delta stream's block map (stream/deltamap.c): header round trip,
 * refused headers, a map written and read back entry by entry, and a
 * writer discarded leaving nothing. */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "stream/deltamap.h"
#include "test.h"

static void sample(struct cm_deltamap_hdr *h)
{
	memset(h, 0, sizeof(*h));
	strcpy(h->dest, "file:///var/tmp/disk.img");
	strcpy(h->id, "file:dev=2049,ino=12,size=1048577,mtime=1700000000.5");
	h->block = CM_DELTAMAP_BLOCK;
	h->disk = 1048577;
}

TEST(stream_deltamap_header_roundtrip)
{
	struct cm_deltamap_hdr a, b;
	char buf[CM_DELTAMAP_HDR];
	const char *why = NULL;

	sample(&a);
	CHECK_INT(cm_deltamap_format(&a, buf), 0);
	CHECK_INT(cm_deltamap_parse(buf, sizeof(buf), &b, &why), 0);
	CHECK_STR(b.dest, a.dest);
	CHECK_STR(b.id, a.id);
	CHECK_INT((long long)b.block, CM_DELTAMAP_BLOCK);
	CHECK_INT((long long)b.disk, 1048577);
	CHECK_INT((long long)cm_deltamap_blocks(&b), 3);
	strcpy(a.id, "has space");
	CHECK_INT(cm_deltamap_format(&a, buf), -EINVAL);
}

TEST(stream_deltamap_refused)
{
	static const char *const bad[] = {
		"",
		"cloudmove-deltamap 2\ndest a\nid b\nblock 4096\ndisk 1\nend\n",
		"cloudmove-deltamap 1\ndest a\nid b\nblock 4096\ndisk 1\n",
		"cloudmove-deltamap 1\ndest a\nid b\nblock 4096\nend\n",
		"cloudmove-deltamap 1\ndest a\nid b\nblock 4097\ndisk 1\nend\n",
		"cloudmove-deltamap 1\ndest a\nid b\nblock 2048\ndisk 1\nend\n",
		"cloudmove-deltamap 1\ndest a\nid b\nblock 4096\ndisk 0\nend\n",
		"cloudmove-deltamap 1\ndest a\nid b\nblock 4096\ndisk 01\nend\n",
		"cloudmove-deltamap 1\ndest a\ndest a\nid b\nblock 4096\ndisk 1\nend\n",
		"cloudmove-deltamap 1\ndest \nid b\nblock 4096\ndisk 1\nend\n",
		"cloudmove-deltamap 1\ndest a\nid b\nblock 4096\ndisk 99999999999999999999\nend\n",
		"cloudmove-deltamap 1\ndest a\nid b\nblock 4096\ndisk 1\nsize 2\nend\n",
	};
	struct cm_deltamap_hdr h;
	const char *why;
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		why = NULL;
		if (cm_deltamap_parse(bad[i], strlen(bad[i]), &h, &why) != -EINVAL || !why) {
			cm_test_fail(__FILE__, __LINE__, "accepted '%s'", bad[i]);
			return;
		}
	}
}

static int files_in(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	int n = 0;

	while (d && (e = readdir(d)))
		n += e->d_name[0] != '.';
	if (d)
		closedir(d);
	return n;
}

TEST(stream_deltamap_file)
{
	char dir[] = "/tmp/cm-dmap-XXXXXX", path[256];
	unsigned char h[CM_DELTAMAP_HASH], got[CM_DELTAMAP_HASH], block[4096];
	struct cm_deltamap_writer w;
	struct cm_deltamap_reader r;
	struct cm_deltamap_hdr hdr;
	const char *why;
	int i;

	CHECK(mkdtemp(dir) != NULL);
	snprintf(path, sizeof(path), "%s/disk.map", dir);
	CHECK_INT(cm_deltamap_open(&r, path, &why), -ENOENT);
	sample(&hdr);
	CHECK_INT(cm_deltamap_begin(&w, path), 0);
	for (i = 0; i < 3; i++) {
		memset(block, i, sizeof(block));
		cm_deltamap_hash(block, sizeof(block), i == 0, h);
		CHECK_INT(cm_deltamap_add(&w, h), 0);
	}
	CHECK_INT(cm_deltamap_commit(&w, &hdr), 0);
	CHECK_INT(files_in(dir), 1);
	CHECK_INT(cm_deltamap_open(&r, path, &why), 0);
	CHECK_STR(r.hdr.id, hdr.id);
	for (i = 0; i < 3; i++) {
		memset(block, i, sizeof(block));
		cm_deltamap_hash(block, sizeof(block), i == 0, h);
		CHECK_INT(cm_deltamap_next(&r, got), 1);
		CHECK(memcmp(got, h, sizeof(h)) == 0);
	}
	CHECK_INT(cm_deltamap_next(&r, got), 0);
	cm_deltamap_close(&r);
	/* a count that does not match the header is not committed */
	CHECK_INT(cm_deltamap_begin(&w, path), 0);
	CHECK_INT(cm_deltamap_add(&w, h), 0);
	CHECK_INT(cm_deltamap_commit(&w, &hdr), -EINVAL);
	CHECK_INT(files_in(dir), 1);
	CHECK_INT(cm_deltamap_begin(&w, path), 0);
	cm_deltamap_discard(&w);
	CHECK_INT(files_in(dir), 1);
	unlink(path);
	rmdir(dir);
}
