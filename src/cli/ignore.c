/*
 * `pushfix ignored` and `pushfix unignore N`: the findings ignored at the
 * prompt (key i), as the decision store (decision.h) keeps them; and
 * `pushfix ignore --shared N`, which hands one to the team through
 * .pushfix/ignore in the repository.
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

/* N of `pushfix ignored`: 0, or says why not (the caller exits 2). */
static int parse_number(unsigned long *nr, const char *arg)
{
	if (!pf_parse_ulong(nr, arg) && *nr)
		return 0;
	fprintf(stderr, "error: '%s' is not a number from `pushfix ignored`\n",
		arg);
	return -1;
}

int cmd_ignored(int argc, const char **argv)
{
	static const struct cli_command cmd = {
		.name = "ignored",
		.about = "List the findings you ignored at the prompt (key i), "
			 "numbered for\n`pushfix unignore N` and `pushfix "
			 "ignore --shared N`, then those the\nteam ignores "
			 "(.pushfix/ignore).\n",
		.max_args = 0,
	};
	struct pf_run run;
	struct pf_buf text = PF_BUF_INIT;
	struct pf_buf data = PF_BUF_INIT, warn = PF_BUF_INIT;
	struct pf_decisions ds = PF_DECISIONS_INIT;
	struct pf_shared_ignores si = PF_SHARED_IGNORES_INIT;
	int n, status = 1;

	n = cli_parse(&cmd, argc, argv);
	if (n < 0)
		return cli_exit(n);
	if (pf_run_open_repo(&run, NULL) ||
	    pf_decisions_load(&ds, run.state_dir)) {
		fprintf(stderr, "error: %s\n", pf_error_last());
		goto out;
	}
	if (pf_decision_shared_read(&data, run.repo, NULL, run.worktree)) {
		fprintf(stderr, "error: %s\n", pf_error_last());
		goto out;
	}
	pf_decision_shared_parse(&si, data.buf, data.len, &warn);
	fputs(warn.buf, stderr);
	if (!ds.nr) {
		printf("no ignored findings\n");
	} else {
		pf_decisions_format(&text, &ds);
		fputs(text.buf, stdout);
		printf("\nhint: `pushfix unignore N` shows finding N again"
		       "\n      `pushfix ignore --shared N` ignores it for the "
		       "team\n");
	}
	if (si.nr) {
		pf_buf_reset(&text);
		pf_decision_shared_format(&text, &si);
		printf("\nshared with the team (%s, %zu):\n%s",
		       PF_SHARED_IGNORE_FILE, si.nr, text.buf);
	}
	status = 0;
out:
	pf_run_release(&run);
	pf_buf_release(&text);
	pf_buf_release(&data);
	pf_buf_release(&warn);
	pf_decisions_release(&ds);
	pf_shared_ignores_release(&si);
	return status;
}

int cmd_ignore(int argc, const char **argv)
{
	const char *reason = NULL;
	int shared = 0;
	const struct cli_option options[] = {
		CLI_OPT_BOOL(0, "shared", &shared,
			     "write it to .pushfix/ignore, for the team"),
		CLI_OPT_STRING(0, "reason", &reason, "<text>",
			       "why (kept in the file, shown to others)"),
		CLI_OPT_END,
	};
	const struct cli_command cmd = {
		.name = "ignore",
		.synopsis = "--shared <n> [--reason <text>]",
		.about =
			"Ignore finding <n> of `pushfix ignored` for the whole "
			"team: add it to\n.pushfix/ignore (then commit that "
			"file); the hook, `pushfix scan` and\nthe CI "
			"templates honour it.\n",
		.options = options,
		.max_args = 1,
	};
	struct pf_run run;
	struct pf_decisions ds = PF_DECISIONS_INIT;
	unsigned long nr;
	int n, ret, status = 1;

	n = cli_parse(&cmd, argc, argv);
	if (n < 0)
		return cli_exit(n);
	if (n != 1 || !shared) {
		/* Personal ignores are the prompt's key i. */
		if (!shared)
			fprintf(stderr, "error: only --shared is supported; "
					"ignore for yourself with i at the "
					"prompt\n");
		cli_usage_line(&cmd, stderr);
		return 2;
	}
	if (parse_number(&nr, argv[0]))
		return 2;
	if (pf_run_open_repo(&run, NULL) ||
	    pf_decisions_load(&ds, run.state_dir))
		goto fail;
	if (nr > ds.nr) {
		pf_error_setc(PF_ENOTFOUND,
			      "no ignored finding number %lu "
			      "(`pushfix ignored` lists %zu)",
			      nr, ds.nr);
		goto fail;
	}
	ret = pf_decision_share(run.worktree, ds.v[nr - 1].fingerprint,
				ds.v[nr - 1].rule_id, ds.v[nr - 1].path,
				reason ? reason : "");
	if (ret < 0)
		goto fail;
	printf("%s: %s in %s\n",
	       ret ? "shared in " PF_SHARED_IGNORE_FILE
		   : "already in " PF_SHARED_IGNORE_FILE,
	       ds.v[nr - 1].rule_id, ds.v[nr - 1].path);
	if (ret)
		printf("hint: commit it: git add .pushfix && git commit -m "
		       "'pushfix: ignore %s'\n",
		       ds.v[nr - 1].rule_id);
	status = 0;
	goto out;
fail:
	fprintf(stderr, "error: %s\n", pf_error_last());
out:
	pf_decisions_release(&ds);
	pf_run_release(&run);
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
	if (parse_number(&nr, argv[0]))
		return 2;
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
