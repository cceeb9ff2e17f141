/* cloudmove rollback [--root SYSROOT] [--list | --to ID]
 *
 * Without options: undoes the newest transaction still in effect.
 * --to ID: restores the root as it was right after transaction ID,
 * undoing every later one, newest first (--to 0: as before the first).
 * --list: the transactions, their state and what each changed.
 * Interrupted transactions are rolled back first in every case but
 * --list, which only reads. */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "adapt/txn.h"
#include "cmd.h"
#include "record/record.h"
#include "log.h"
#include "util/rootrw.h"

#define ROLLBACK_USAGE "cloudmove rollback [--root SYSROOT] [--list | --to ID]"

static const struct option rollback_longopts[] = {
	{ "root", required_argument, NULL, 'r' },
	{ "list", no_argument, NULL, 'l' },
	{ "to", required_argument, NULL, 't' },
	{ "help", no_argument, NULL, 'h' },
	{ 0 }
};

static const char *kind_name(enum cm_change_kind k)
{
	return k == CM_CHANGE_WRITE ? "write" : k == CM_CHANGE_DELETE ?
		"delete" : "symlink";
}

static int rollback_list(const char *root)
{
	struct cm_txn_info *v;
	struct cm_journal j;
	char when[32];
	size_t n, i, c;

	if (cm_txn_list(root, &v, &n) < 0)
		return CM_EXIT_FAIL;
	if (!n)
		printf("no transactions in %s\n", root);
	else
		printf("%-6s %-13s %-21s %7s  %s\n", "ID", "STATE", "TIME",
		       "CHANGES", "LABEL");
	cm_journal_init(&j);
	for (i = 0; i < n; i++) {
		if (!v[i].ok) {
			printf("%04u   %-13s (journal missing or corrupt)\n",
			       v[i].id, "?");
			continue;
		}
		if (cm_time_format((time_t)v[i].time, when, sizeof(when)) < 0)
			snprintf(when, sizeof(when), "%lld", (long long)v[i].time);
		printf("%04u   %-13s %-21s %7zu  %s\n", v[i].id,
		       cm_txn_state_name(v[i].state), when, v[i].n_changes,
		       v[i].label);
		if (cm_txn_load(root, v[i].id, &j) < 0)
			continue;
		for (c = 0; c < j.n; c++)
			printf("       %-7s %s  (%s: %s)\n", kind_name(j.v[c].kind),
			       j.v[c].path, j.v[c].rewriter, j.v[c].why);
		cm_journal_free(&j);
	}
	free(v);
	return CM_EXIT_OK;
}

static int rollback_run(const char *root, const char *to)
{
	struct cm_rootrw rw;
	int r;

	if (cm_rootrw_begin(&rw, root) < 0)
		return CM_EXIT_FAIL;
	r = cm_txn_rollback(root, to);
	if (cm_rootrw_end(&rw) < 0 && r >= 0)
		r = -EIO;
	if (r < 0)
		return CM_EXIT_FAIL;
	if (!to)
		printf("rollback: the last transaction was rolled back\n");
	else if (!r)
		printf("rollback: nothing to undo after %s\n", to);
	else
		printf("rollback: %d transaction%s rolled back; %s is as after %s\n",
		       r, r == 1 ? "" : "s", root, to);
	return CM_EXIT_OK;
}

int cm_cmd_rollback(int argc, char **argv)
{
	const char *root = NULL, *to = NULL;
	int c, list = 0;

	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "+", rollback_longopts, NULL)) != -1) {
		switch (c) {
		case 'r':
			root = optarg;
			break;
		case 'l':
			list = 1;
			break;
		case 't':
			to = optarg;
			break;
		case 'h':
			printf("usage: %s\n", ROLLBACK_USAGE);
			return CM_EXIT_OK;
		default:
			return cm_usage_error("rollback", ROLLBACK_USAGE,
					      "unknown option or missing value: '%s'",
					      argv[optind - 1]);
		}
	}
	if (optind < argc)
		return cm_usage_error("rollback", ROLLBACK_USAGE,
				      "unexpected argument '%s'", argv[optind]);
	if (list && to)
		return cm_usage_error("rollback", ROLLBACK_USAGE,
				      "--list and --to exclude each other");
	if (to && (!*to || strspn(to, "0123456789") != strlen(to) ||
		   strlen(to) > 9))
		return cm_usage_error("rollback", ROLLBACK_USAGE,
				      "--to wants a transaction id (see --list): '%s'",
				      to);
	if (!root)
		root = cm_installed_root();
	if (cm_check_root("rollback", root) < 0)
		return CM_EXIT_FAIL;
	return list ? rollback_list(root) : rollback_run(root, to);
}
