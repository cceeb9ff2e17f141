/* libFuzzer: every cloud's metadata answer parsers.  Input: 1 byte picks
 * the cloud (among those with a metadata spec) and the parser (document,
 * plain key, token); the rest is the answer body. */
#include <stddef.h>
#include <stdint.h>

#include "clouds/clouds.h"
#include "detect/mdspec.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const struct cm_cloud *const *all, *with_md[32];
	const struct cm_metadata *md;
	struct cm_instance inst;
	size_t n, i, k = 0;
	char token[1024];

	if (size < 1)
		return 0;
	all = cm_clouds_all(&n);
	for (i = 0; i < n && k < 32; i++)
		if (all[i]->md)
			with_md[k++] = all[i];
	md = with_md[(data[0] & 0x3f) % k]->md;
	switch (data[0] >> 6) {
	case 0:
	case 1:
		if (md->doc_path)
			cm_md_parse_doc(md, (const char *)data + 1, size - 1, &inst);
		else
			cm_md_parse_key(md->keys, (const char *)data + 1, size - 1, &inst);
		break;
	case 2:
		if (md->token)
			cm_md_parse_token(md->token, (const char *)data + 1, size - 1,
					  token, sizeof(token));
		break;
	default:
		cm_md_parse_key(&(struct cm_md_value){ CM_MD_ZONE, "/", CM_XF_ZONE_REGION },
				(const char *)data + 1, size - 1, &inst);
	}
	return 0;
}
