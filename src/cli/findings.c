/*
 * `pushfix findings`: what earlier pushes and scans found, with their
 * triage, from the local record (findlog.h).
 */
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "cli.h"
#include "cmd.h"
#include "pushfix/err.h"
#include "pushfix/findlog.h"
#include "pushfix/pipeline.h"

int cmd_findings(int argc, const char **argv)
{
	struct pf_findlog_filter f;
	struct pf_run run;
	struct pf_buf out = PF_BUF_INIT;
	const char *verdict = NULL, *component = NULL, *rule = NULL;
	const char *mode = NULL;
	unsigned long since = ULONG_MAX; /* ULONG_MAX: no --since */
	int json = 0, n, ret;
	const struct cli_option options[] = {
		CLI_OPT_STRING(0, "verdict", &verdict, "<verdict>",
			       "true_positive, false_positive, uncertain or "
			       "none"),
		CLI_OPT_STRING(0, "component", &component, "<name>",
			       "only the LLM's component tag <name>"),
		CLI_OPT_STRING(0, "rule", &rule, "<glob>",
			       "only rule ids matching <glob>"),
		CLI_OPT_STRING(0, "mode", &mode, "<mode>",
			       "block, comment, monitor ([rules]) or default"),
		CLI_OPT_ULONG(0, "since", &since, "<days>",
			      "only the last <days> days"),
		CLI_OPT_BOOL(0, "json", &json,
			     "print the records (JSON lines)"),
		CLI_OPT_END,
	};
	const struct cli_command cmd = {
		.name = "findings",
		.synopsis = "[<options>]",
		.about = "Lists what earlier pushes and scans of this "
			 "repository found, with\n"
			 "their triage (the newest record of each finding), "
			 "oldest first.\n",
		.options = options,
		.max_args = 0,
	};

	n = cli_parse(&cmd, argc, argv);
	if (n < 0)
		return cli_exit(n);
	if (verdict && strcmp(verdict, "true_positive") &&
	    strcmp(verdict, "false_positive") && strcmp(verdict, "uncertain") &&
	    strcmp(verdict, "none")) {
		fprintf(stderr,
			"error: --verdict '%s': expected true_positive, "
			"false_positive, uncertain or none\n",
			verdict);
		return 2;
	}
	if (mode && strcmp(mode, "block") && strcmp(mode, "comment") &&
	    strcmp(mode, "monitor") && strcmp(mode, "default")) {
		fprintf(stderr,
			"error: --mode '%s': expected block, comment, monitor "
			"or default\n",
			mode);
		return 2;
	}
	memset(&f, 0, sizeof(f));
	f.mode = mode;
	f.verdict = verdict;
	f.component = component;
	f.rule = rule;
	f.json = json;
	if (since != ULONG_MAX)
		f.since = time(NULL) - (time_t)since * 86400;
	ret = pf_run_open_repo(&run, NULL);
	if (!ret)
		ret = pf_findlog_show(&out, run.state_dir, &f);
	if (ret) {
		fprintf(stderr, "error: %s\n", pf_error_last());
		pf_run_release(&run);
		pf_buf_release(&out);
		return 1;
	}
	if (!out.len && !json)
		printf("no findings recorded%s\n",
		       verdict || component || rule || mode || f.since
			       ? " that match"
			       : " (pushes and scans record theirs)");
	fwrite(out.buf, 1, out.len, stdout);
	pf_run_release(&run);
	pf_buf_release(&out);
	return 0;
}
