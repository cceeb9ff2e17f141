/* cloudmove: subcommand dispatch only. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd.h"
#include "log.h"

#define USAGE \
	"usage: cloudmove COMMAND [OPTIONS]\n" \
	"\n" \
	"commands:\n" \
	"  detect   [--root DIR] [--no-metadata] [--timeout MS] [--json]\n" \
	"           [--metadata-endpoint HOST:PORT]\n" \
	"           name the cloud (or hypervisor) this machine runs in\n" \
	"  record   show [--json] | update | export --url URL   [--root SYSROOT]\n" \
	"           the hosting record: stays per cloud and instance\n" \
	"  boot     [--root SYSROOT] [--cmdline FILE]\n" \
	"           what the initramfs runs: kernel command line, detect,\n" \
	"           record, metering; never fails the boot\n" \
	"  profiles list | show CLOUD [--json]   [--root SYSROOT]\n" \
	"           the target profiles: what each cloud requires\n" \
	"  plan     --target CLOUD [--root SYSROOT]\n" \
	"           what adapt would change, as diffs; writes nothing\n" \
	"  adapt    [--target CLOUD|auto] [--root SYSROOT] [--dry-run]\n" \
	"           make the installed system fit CLOUD (transactional)\n" \
	"  rollback [--root SYSROOT] [--list | --to ID]\n" \
	"  check    --target CLOUD [--root SYSROOT] [--json]\n" \
	"           could the installed system boot on CLOUD? what is missing\n" \
	"  stream   --source DEV|FILE --dest URL [--format raw|gce|vhd]\n" \
	"           [--progress=auto|plain|json] [--resume]\n" \
	"           the disk, as an image a cloud imports, to file:// (for now)\n" \
	"  migrate  see the README; not in this build yet\n" \
	"\n" \
	"  --version   versions of cloudmove and the libraries it links\n" \
	"  --help      this text\n" \
	"\n" \
	"exit status: 0 success, 1 failed, 2 bad usage\n"

struct command {
	const char *name;
	int (*run)(int argc, char **argv);
};

static const struct command commands[] = {
	{ "adapt", cm_cmd_adapt },
	{ "boot", cm_cmd_boot },
	{ "check", cm_cmd_check },
	{ "detect", cm_cmd_detect },
	{ "plan", cm_cmd_plan },
	{ "profiles", cm_cmd_profiles },
	{ "record", cm_cmd_record },
	{ "rollback", cm_cmd_rollback },
	{ "stream", cm_cmd_stream },
	{ "version", cm_cmd_version },
};

/* In DESIGN.md's contract, landing in later issues. */
static const char *const planned[] = {
	"migrate",
};

int main(int argc, char **argv)
{
	const char *name;
	size_t i;

	if (getenv("CLOUDMOVE_DEBUG"))
		cm_log_set_level(CM_LOG_DEBUG);
	if (argc < 2) {
		fputs(USAGE, stderr);
		return CM_EXIT_USAGE;
	}
	name = argv[1];
	if (!strcmp(name, "--help") || !strcmp(name, "-h") ||
	    !strcmp(name, "help")) {
		fputs(USAGE, stdout);
		return CM_EXIT_OK;
	}
	if (!strcmp(name, "--version") || !strcmp(name, "-V"))
		name = "version";
	for (i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		if (!strcmp(name, commands[i].name))
			return commands[i].run(argc - 1, argv + 1);
	for (i = 0; i < sizeof(planned) / sizeof(planned[0]); i++)
		if (!strcmp(name, planned[i])) {
			fprintf(stderr, "cloudmove: %s: not available in this build yet\n",
				name);
			return CM_EXIT_FAIL;
		}
	fprintf(stderr, "cloudmove: unknown command '%s' (try --help)\n", name);
	return CM_EXIT_USAGE;
}
