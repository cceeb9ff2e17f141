/* migrate --precopy's map path: under the root, named by the destination
 * without its query (an Azure SAS changes, the blob does not). */
#include <errno.h>
#include <string.h>

#include "move/migrate.h"
#include "test.h"

TEST(precopy_map_path)
{
	char a[256], b[256], c[256];

	CHECK_INT(cm_precopy_map_path("/sysroot", "https://acct.blob.core.windows.net/c/d.vhd?sv=1&sig=x",
				      a, sizeof(a)), 0);
	CHECK_INT(cm_precopy_map_path("/", "https://acct.blob.core.windows.net/c/d.vhd?sv=2&sig=y",
				      b, sizeof(b)), 0);
	CHECK_INT(cm_precopy_map_path("/", "file:///var/tmp/other.raw", c, sizeof(c)), 0);
	CHECK(strncmp(a, "/sysroot" CM_PRECOPY_DIR "/", strlen("/sysroot" CM_PRECOPY_DIR "/")) == 0);
	CHECK_INT((long long)strlen(a), (long long)strlen("/sysroot" CM_PRECOPY_DIR "/") + 16 + 4);
	CHECK_STR(a + strlen("/sysroot"), b);
	CHECK(strcmp(b, c) != 0);
	CHECK_INT(cm_precopy_map_path("/", "file:///x", c, 20), -ENAMETOOLONG);
}
