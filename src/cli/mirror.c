/*
 * `pushfix mirror`: post the queued findings to the PR/MR now; the work
 * is the mirror stage's (mirror.h).
 */
#include <stdio.h>

#include "cli.h"
#include "cmd.h"
#include "pushfix/mirror.h"

int cmd_mirror(int argc, const char **argv)
{
	struct pf_mirror_opts o = { 0 };
	const struct cli_option options[] = {
		CLI_OPT_BOOL('n', "dry-run", &o.dry_run,
			     "print the requests (method, URL, JSON body), "
			     "send nothing"),
		CLI_OPT_BOOL(0, "worker", &o.worker,
			     "wait until the remote has each pushed commit "
			     "(the hook starts this)"),
		CLI_OPT_BOOL('v', "verbose", &o.verbose,
			     "say what is done to each entry"),
		CLI_OPT_BOOL(0, "status", &o.status,
			     "list the queue (id, age, where, findings, "
			     "attempts, last error); send nothing"),
		CLI_OPT_BOOL(0, "json", &o.json, "with --status: a JSON array"),
		CLI_OPT_END,
	};
	const struct cli_command cmd = {
		.name = "mirror",
		.synopsis = "[--dry-run] [--worker] [-v] | --status [--json]",
		.options = options,
		.max_args = 0,
	};
	int n = cli_parse(&cmd, argc, argv);

	if (n < 0)
		return cli_exit(n);
	if (o.json && !o.status) {
		fprintf(stderr, "error: --json goes with --status\n");
		cli_usage_line(&cmd, stderr);
		return 2;
	}
	if (o.status)
		return pf_mirror_status(o.json);
	return pf_mirror_run(&o);
}
