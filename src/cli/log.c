/*
 * `pushfix log`: what pushfix sent to an LLM from this repository, read
 * from the sent log (sentlog.h).
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
#include "pushfix/sentlog.h"

int cmd_log(int argc, const char **argv)
{
	struct pf_sentlog_filter f;
	struct pf_run run;
	struct pf_buf out = PF_BUF_INIT;
	const char *grep = NULL;
	unsigned long since = ULONG_MAX, limit = 0; /* ULONG_MAX: no --since */
	int full = 0, json = 0, feedback = 0, n, ret;
	const struct cli_option options[] = {
		CLI_OPT_BOOL(0, "full", &full, "print each request and answer"),
		CLI_OPT_BOOL(0, "json", &json,
			     "print the raw records (JSON lines)"),
		CLI_OPT_ULONG(0, "since", &since, "<days>",
			      "only the last <days> days"),
		CLI_OPT_ULONG(0, "limit", &limit, "<n>",
			      "only the last <n> requests"),
		CLI_OPT_BOOL(0, "feedback", &feedback,
			     "agreement per rule from PR replies "
			     "(/pushfix agree|disagree)"),
		CLI_OPT_STRING(0, "grep", &grep, "<text>",
			       "only requests whose host, model, body or "
			       "answer has it"),
		CLI_OPT_END,
	};
	const struct cli_command cmd = {
		.name = "log",
		.synopsis = "[<options>] [<id>]",
		.about = "Shows what pushfix sent to an LLM from this "
			 "repository (the\n"
			 "anonymised request bodies and the answers), newest "
			 "last.\n"
			 "  <id>  one request (a prefix of its id), "
			 "with its request and answer\n",
		.options = options,
		.max_args = 1,
	};

	n = cli_parse(&cmd, argc, argv);
	if (n < 0)
		return cli_exit(n);
	memset(&f, 0, sizeof(f));
	f.full = full;
	f.json = json;
	f.grep = grep;
	f.limit = limit;
	if (since != ULONG_MAX)
		f.since = time(NULL) - (time_t)since * 86400;
	f.id = n ? argv[0] : NULL;
	/* One request asked for by its id: the whole exchange, not the
	 * summary line the list already showed. */
	if (f.id && !f.json)
		f.full = 1;
	ret = pf_run_open_repo(&run, NULL);
	if (!ret && feedback)
		ret = pf_findlog_feedback_rates(&out, run.state_dir, json);
	else if (!ret)
		ret = pf_sentlog_show(&out, run.state_dir, &f);
	if (ret) {
		fprintf(stderr, "error: %s\n", pf_error_last());
		pf_run_release(&run);
		pf_buf_release(&out);
		return 1;
	}
	if (!out.len && f.id) {
		/* Asked for one request: not having it is an error, as `git
		 * show` of an unknown object. */
		fprintf(stderr,
			"error: no request in the sent log has an id starting "
			"with '%s'\n"
			"hint: `pushfix log` lists them\n",
			f.id);
		pf_run_release(&run);
		return 1;
	}
	if (!out.len && !f.json && feedback)
		printf("no feedback yet: reply `/pushfix agree` or `/pushfix "
		       "disagree` to pushfix's review comments, then run "
		       "`pushfix mirror`\n");
	else if (!out.len && !f.json)
		printf("nothing was sent to an LLM from this repository%s\n",
		       f.grep || f.since ? " (that matches)" : "");
	fwrite(out.buf, 1, out.len, stdout);
	pf_run_release(&run);
	pf_buf_release(&out);
	return 0;
}
