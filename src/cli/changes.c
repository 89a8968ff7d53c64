/*
 * `pushfix changes`: the changed lines of a range, as the scan sees them
 * (for checking what a push would scan).
 */
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "cmd.h"
#include "pushfix/err.h"
#include "pushfix/pipeline.h"

int cmd_changes(int argc, const char **argv)
{
	struct pf_run run;
	struct pf_buf out = PF_BUF_INIT;
	struct cli_range r = { NULL, 0, 0 };
	int verbose = 0, n, ret;
	const struct cli_option options[] = {
		CLI_OPT_STAGED(&r),
		CLI_OPT_BOOL('v', "verbose", &verbose,
			     "say which files were skipped, and why"),
		CLI_OPT_END,
	};
	const struct cli_command cmd = {
		.name = "changes",
		.synopsis = "[<range> | --staged] [-v]",
		.options = options,
		.max_args = 1,
	};

	n = cli_parse_range(&cmd, argc, argv, &r, 0);
	if (n < 0)
		return cli_exit(n);
	ret = pf_run_open(&run, NULL);
	if (!ret)
		ret = cli_range_changes(&run, &r);
	if (ret) {
		fprintf(stderr, "error: %s\n", pf_error_last());
		pf_run_release(&run);
		return 2;
	}
	pf_changeset_format(&run.cs, &out);
	fwrite(out.buf, 1, out.len, stdout);
	if (verbose || run.verbose) {
		struct pf_buf un = PF_BUF_INIT;
		const char *l, *e;

		/* filter = file | all scans these too: no line of theirs
		 * is "added", so the list above does not name them. */
		pf_changeset_format_unadded(&run.cs, &un);
		for (l = un.buf; *l; l = e + 1) {
			e = strchr(l, '\n');
			fprintf(stderr, "pushfix: no added line in %.*s\n",
				(int)(e - l), l);
		}
		pf_buf_release(&un);
		cli_print_skipped(&run);
	}
	pf_buf_release(&out);
	pf_run_release(&run);
	return 0;
}
