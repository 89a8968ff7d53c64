/*
 * `pushfix ignored` and `pushfix unignore N`: the findings ignored at the
 * prompt (key i), as the decision store (decision.h) keeps them.
 */
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "cmd.h"
#include "pushfix/decision.h"
#include "pushfix/err.h"
#include "pushfix/pipeline.h"
#include "pushfix/store.h"
#include "pushfix/util.h"

int cmd_ignored(int argc, const char **argv)
{
	static const struct cli_command cmd = {
		.name = "ignored",
		.about = "List the findings you ignored at the prompt (key i), "
			 "numbered for\n`pushfix unignore N`.\n",
		.max_args = 0,
	};
	struct pf_run run;
	struct pf_buf text = PF_BUF_INIT;
	struct pf_decisions ds = PF_DECISIONS_INIT;
	int n, status = 1;

	n = cli_parse(&cmd, argc, argv);
	if (n < 0)
		return cli_exit(n);
	if (pf_run_open_repo(&run, NULL) ||
	    pf_decisions_load(&ds, run.state_dir)) {
		fprintf(stderr, "error: %s\n", pf_error_last());
		goto out;
	}
	if (!ds.nr) {
		printf("no ignored findings\n");
	} else {
		pf_decisions_format(&text, &ds);
		fputs(text.buf, stdout);
		printf("\nhint: `pushfix unignore N` shows finding N again\n");
	}
	status = 0;
out:
	pf_run_release(&run);
	pf_buf_release(&text);
	pf_decisions_release(&ds);
	return status;
}

int cmd_unignore(int argc, const char **argv)
{
	static const struct cli_command cmd = {
		.name = "unignore",
		.synopsis = "<n>",
		.about = "Show ignored finding <n> (from `pushfix ignored`) "
			 "again on later pushes.\n",
		.max_args = 1,
	};
	struct pf_run run;
	struct pf_decision d;
	unsigned long nr;
	int n, lock = -1, status = 1;

	memset(&d, 0, sizeof(d));
	n = cli_parse(&cmd, argc, argv);
	if (n < 0)
		return cli_exit(n);
	if (n != 1) {
		cli_usage_line(&cmd, stderr);
		return 2;
	}
	if (pf_parse_ulong(&nr, argv[0]) || !nr) {
		fprintf(stderr,
			"error: '%s' is not a number from "
			"`pushfix ignored`\n",
			argv[0]);
		return 2;
	}
	if (pf_run_open_repo(&run, NULL))
		goto fail;
	lock = pf_store_lock(run.state_dir, 5000);
	if (lock < 0)
		goto fail;
	if (pf_decision_unignore(&d, run.state_dir, nr))
		goto fail;
	printf("no longer ignored: %s in %s\n", d.rule_id, d.path);
	status = 0;
	goto out;
fail:
	fprintf(stderr, "error: %s\n", pf_error_last());
out:
	pf_store_unlock(lock);
	pf_decision_release(&d);
	pf_run_release(&run);
	return status;
}
