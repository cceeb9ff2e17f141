/* cloudmove: subcommand dispatch only. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd.h"
#include "log.h"
#include "stream/encoders.h"

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
	"  stream   --source DEV|FILE --dest URL [--format " CM_FORMATS_USAGE "]\n" \
	"           [--progress=auto|plain|json] [--resume]\n" \
	"           [--creds PATH]  the disk, as an image a cloud imports\n" \
	"  migrate  --target CLOUD --dest URL [--source DEV] [--root SYSROOT]\n" \
	"           the move: adapt a read-only root for CLOUD, stream its disk,\n" \
	"           undo the adaptation (the source is left as it was)\n" \
	"  launch   --target aws|gcp|azure --image URL --spec PATH [--creds PATH]\n" \
	"           [--api-endpoint URL] [--wait SECONDS] [--move-id ID] [--json]\n" \
	"           import the image, start an instance, wait for its arrival\n" \
	"  retire   [--mode stop|delete] [--metadata-endpoint HOST:PORT]\n" \
	"           [--api-endpoint URL] [--json]\n" \
	"           ask this machine's own cloud to stop (or delete) it\n" \
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
	{ "launch", cm_cmd_launch },
	{ "plan", cm_cmd_plan },
	{ "profiles", cm_cmd_profiles },
	{ "migrate", cm_cmd_migrate },
	{ "record", cm_cmd_record },
	{ "retire", cm_cmd_retire },
	{ "rollback", cm_cmd_rollback },
	{ "stream", cm_cmd_stream },
	{ "version", cm_cmd_version },
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
	fprintf(stderr, "cloudmove: unknown command '%s' (try --help)\n", name);
	return CM_EXIT_USAGE;
}
