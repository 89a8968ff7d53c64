/*
 * `pushfix scan`: the hook's pipeline on demand, on a range, the staged
 * changes or every file, with a report in text, JSON or SARIF.
 */
#include <stdio.h>
#include <unistd.h>

#include "cli.h"
#include "cmd.h"
#include "pushfix/err.h"
#include "pushfix/findlog.h"
#include "pushfix/pipeline.h"
#include "pushfix/report.h"
#include "pushfix/triage.h"
#include "pushfix/ui.h"

int cmd_scan(int argc, const char **argv)
{
	struct pf_run run;
	struct pf_buf out = PF_BUF_INIT;
	struct pf_report_opts ro = { 0 };
	struct cli_range r = { NULL, 0, 0 };
	enum pf_format fmt = PF_FORMAT_TEXT;
	const char *format = NULL, *filter = NULL;
	int exit_code = 0, verbose = 0, no_triage = 0, no_cache = 0, n, ret;
	const struct cli_option options[] = {
		CLI_OPT_STAGED(&r),
		CLI_OPT_ALL(&r),
		CLI_OPT_STRING(0, "format", &format, "<fmt>",
			       "text (default), json or sarif"),
		CLI_OPT_STRING(0, "filter", &filter, "<which>",
			       "added, context, file or all ([scan] filter)"),
		CLI_OPT_BOOL(0, "no-triage", &no_triage, "do not ask the LLM"),
		CLI_OPT_BOOL(0, "no-cache", &no_cache,
			     "ask again, even what the cache knows"),
		CLI_OPT_BOOL(0, "exit-code", &exit_code,
			     "exit 1 when there are findings"),
		CLI_OPT_BOOL('v', "verbose", &verbose,
			     "say what was skipped and what the scanner said"),
		CLI_OPT_END,
	};
	const struct cli_command cmd = {
		.name = "scan",
		.synopsis = "[<range> | --staged | --all [<rev>]] [<options>]",
		.about = "  <range>  A..B, A...B or one commit; default: what "
			 "a push of HEAD would send\n",
		.options = options,
		.max_args = 1,
	};

	n = cli_parse_range(&cmd, argc, argv, &r, 1);
	if (n < 0)
		return cli_exit(n);
	if (format && pf_format_parse(&fmt, format)) {
		fprintf(stderr, "error: %s\n", pf_error_last());
		return 2;
	}
	ret = cli_run_open(&run, verbose, no_cache);
	if (ret)
		goto fail;
	if (filter && (ret = pf_config_set(&run.cfg, "scan", "filter", filter,
					   "--filter")))
		goto fail;
	ret = cli_range_changes(&run, &r);
	if (ret)
		goto fail;
	if (run.verbose)
		cli_print_skipped(&run);
	ret = pf_run_scan(&run);
	if (ret)
		goto fail;
	cli_print_diag(&run);
	/* Same as the hook: an LLM fault leaves findings untriaged. */
	if (!no_triage && run.findings.nr && pf_triage_run(&run, 1, NULL))
		fprintf(stderr, "warning: LLM triage skipped: %s\n",
			pf_error_last());
	pf_findings_record(&run); /* findlog.h; best effort */
	ro.color = fmt == PF_FORMAT_TEXT &&
		   pf_ui_want_color(-1, run.cfg.ui.color, run.repo, isatty(1));
	ro.verbose = run.verbose;
	ro.width = pf_ui_width(1);
	ro.engine = run.scan.engine;
	ro.cs = &run.cs;
	ro.scan = &run.scan;
	if (fmt == PF_FORMAT_JSON)
		pf_report_json(&out, &run.findings, &ro);
	else if (fmt == PF_FORMAT_SARIF)
		pf_report_sarif(&out, &run.findings, &ro);
	else if (run.findings.nr)
		pf_report_text(&out, &run.findings, &ro);
	else if (pf_report_nothing_read(&run.cs, &run.scan))
		pf_report_unread(&out, &run.cs, &run.scan);
	else if (!run.cs.nr || (!run.scan.runs_nr && !run.scan.engine[0]))
		pf_buf_addf(&out, "no findings (%s, %zu file%s scanned)",
			    run.scan.engine[0] ? run.scan.engine : "none",
			    run.cs.nr, run.cs.nr == 1 ? "" : "s");
	else {
		pf_buf_addstr(&out, "no findings (");
		pf_report_coverage(&out, &run.cs, &run.scan);
		pf_buf_addch(&out, ')');
	}
	if (fmt == PF_FORMAT_TEXT && !run.findings.nr)
		pf_buf_addch(&out, '\n');
	/* Under the findings' count, what they were looked for in. */
	if (fmt == PF_FORMAT_TEXT && run.findings.nr)
		pf_report_coverage_text(&out, &run.cs, &run.scan, ro.width);
	if (run.verbose && run.scan.unread_nr) {
		struct pf_buf un = PF_BUF_INIT;

		pf_report_unread_paths(&un, &run.scan);
		fprintf(stderr, "pushfix: %s\n", un.buf);
		pf_buf_release(&un);
	}
	fwrite(out.buf, 1, out.len, stdout);
	pf_buf_release(&out);
	ret = exit_code && run.findings.nr ? 1 : 0;
	pf_run_release(&run);
	return ret;
fail:
	fprintf(stderr, "error: %s\n", pf_error_last());
	pf_buf_release(&out);
	pf_run_release(&run);
	return 2;
}
