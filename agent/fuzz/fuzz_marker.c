/* libFuzzer: the move marker parser (move/marker.c), which every boot
 * reads when a move left one.  Any bytes: no crash, no read past the
 * input; an accepted marker names the source's cloud, and its strings end
 * within their fields. */
#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "move/marker.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct cm_move_marker m;
	char *s = malloc(size ? size : 1);
	int r;

	if (!s)
		return 0;
	memcpy(s, data, size);
	r = cm_move_marker_parse(s, size, &m);
	if (r != 0 && r != -EBADMSG)
		abort();
	if (r == 0 && (!m.cloud[0] || !memchr(m.uuid, '\0', sizeof(m.uuid)) ||
		       !memchr(m.target, '\0', sizeof(m.target)) ||
		       !memchr(m.facts, '\0', sizeof(m.facts)) ||
		       (m.move_id[0] && strlen(m.move_id) != CM_MOVE_ID_LEN)))
		abort();
	if (r == 0)
		(void)cm_move_marker_is_source(&m, "", "", "aws");
	free(s);
	return 0;
}
