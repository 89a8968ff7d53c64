/*
 * `pushfix preview`: the exact request bodies a push would send to the
 * LLM, as JSON; sends nothing.
 */
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "cmd.h"
#include "pushfix/err.h"
#include "pushfix/pipeline.h"
#include "pushfix/triage.h"

int cmd_preview(int argc, const char **argv)
{
	struct pf_run run;
	struct pf_buf out = PF_BUF_INIT;
	struct cli_range r = { NULL, 0, 0 };
	int verbose = 0, no_cache = 0, n, ret;
	const struct cli_option options[] = {
		CLI_OPT_STAGED(&r),
		CLI_OPT_BOOL(0, "no-cache", &no_cache,
			     "show the requests the cache would answer too"),
		CLI_OPT_BOOL('v', "verbose", &verbose,
			     "say what was skipped and what the scanner said"),
		CLI_OPT_END,
	};
	const struct cli_command cmd = {
		.name = "preview",
		.synopsis = "[<range> | --staged] [--no-cache] [-v]",
		.about = "Prints, as JSON, the exact request bodies a push of "
			 "<range> would send to\n"
			 "the LLM (default: what `git push` would send now); "
			 "sends nothing.\n",
		.options = options,
		.max_args = 1,
	};

	n = cli_parse_range(&cmd, argc, argv, &r, 0);
	if (n < 0)
		return cli_exit(n);
	ret = cli_run_open(&run, verbose, no_cache);
	if (ret)
		goto fail;
	ret = cli_range_changes(&run, &r);
	if (!ret && run.cs.nr)
		ret = pf_run_scan(&run);
	if (!ret)
		ret = pf_triage_run(&run, 0, &out);
	if (ret)
		goto fail;
	if (!out.len)
		pf_buf_addstr(&out, "[]\n");
	fwrite(out.buf, 1, out.len, stdout);
	if (!strcmp(out.buf, "[]\n"))
		fprintf(stderr, "pushfix: nothing would be sent (%s)\n",
			!run.findings.nr ? "no findings"
			: !run.cfg.llm.provider ||
					!strcmp(run.cfg.llm.provider, "none")
				? "[llm] provider = none"
				: "every finding is ignored");
	pf_buf_release(&out);
	pf_run_release(&run);
	return 0;
fail:
	fprintf(stderr, "error: %s\n", pf_error_last());
	pf_buf_release(&out);
	pf_run_release(&run);
	return 2;
}
