/*
 * `pushfix eval`: how far to trust the verdicts and the fixes, measured on
 * a labelled dataset with the user's own scanner, model and settings.
 */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"
#include "cmd.h"
#include "pushfix/err.h"
#include "pushfix/eval.h"
#include "pushfix/fs.h"
#include "pushfix/llm.h"
#include "pushfix/pipeline.h"
#include "pushfix/sentlog.h"

/*
 * The run eval works in: the configuration as a command in the current
 * repository reads it (the user's alone outside one), and its own state
 * directory, so that its cache makes a rerun free and its sent log keeps
 * what an evaluation sent apart from what pushes sent.
 */
static int open_run(struct pf_run *run, int verbose, int no_cache)
{
	struct pf_buf sd = PF_BUF_INIT, warnings = PF_BUF_INIT;
	const char *xdg = getenv("XDG_CACHE_HOME"), *home = getenv("HOME");
	int ret = pf_run_open_repo(run, NULL);

	if (!ret) {
		pf_run_release(run);
		ret = cli_run_open(run, verbose, no_cache);
		if (ret)
			return ret;
	} else {
		pf_error_clear();
		ret = pf_config_load(&run->cfg, NULL, NULL, &warnings);
		if (warnings.len)
			fputs(warnings.buf, stderr);
		pf_buf_release(&warnings);
		if (ret)
			return ret;
		run->verbose = verbose || run->cfg.core.verbose;
		run->no_cache = no_cache;
	}
	if (xdg && *xdg == '/')
		pf_buf_addf(&sd, "%s/pushfix/eval", xdg);
	else if (home && *home)
		pf_buf_addf(&sd, "%s/.cache/pushfix/eval", home);
	else
		return pf_error_set("neither XDG_CACHE_HOME nor HOME is set: "
				    "no place for eval's cache");
	ret = pf_mkdir_p(sd.buf, 0700);
	free(run->state_dir);
	run->state_dir = pf_buf_detach(&sd, NULL);
	return ret;
}

/* Each file left out, on stderr: the figures rest on the rest. */
static void print_skipped(const struct pf_eval *ev)
{
	for (const char *p = ev->skipped.buf; p && *p;) {
		const char *nl = strchr(p, '\n');
		size_t n = nl ? (size_t)(nl - p) : strlen(p);

		fprintf(stderr, "pushfix: eval: skipped %.*s\n", (int)n, p);
		p += n + (nl ? 1 : 0);
	}
}

/*
 * --compare-raw sends code as it is: say exactly what and where, then ask
 * on a terminal; without one, only --yes goes on.  0 to go on.
 */
static int consent_raw(const struct pf_run *run, const struct pf_eval *ev,
		       int yes)
{
	struct pf_llm llm;
	struct pf_buf log = PF_BUF_INIT;
	char line[64];
	int ret;

	memset(&llm, 0, sizeof(llm));
	ret = pf_llm_open(&llm, &run->cfg);
	if (!ret && llm.provider == PF_LLM_NONE)
		ret = pf_error_set("--compare-raw needs an LLM: [llm] "
				   "provider is none");
	if (ret)
		goto out;
	pf_sentlog_path(&log, run->state_dir);
	fprintf(stderr,
		"pushfix: --compare-raw sends each finding of the %zu "
		"program%s of this dataset a second time NOT anonymised: "
		"its code lines, file path, rule and message as they are, "
		"to %s (%s, model %s).  Each request is recorded in %s.\n",
		ev->progs_nr, ev->progs_nr == 1 ? "" : "s", llm.url,
		pf_llm_provider_name(llm.provider),
		*llm.model ? llm.model : "default", log.buf);
	if (yes)
		goto out;
	if (!isatty(STDIN_FILENO) || !isatty(STDERR_FILENO)) {
		ret = pf_error_set("--compare-raw: no terminal to ask on; "
				   "add --yes to send un-anonymised code");
		goto out;
	}
	fprintf(stderr, "pushfix: send un-anonymised code? [y/N] ");
	fflush(stderr);
	if (!fgets(line, sizeof(line), stdin) ||
	    (line[0] != 'y' && line[0] != 'Y'))
		ret = pf_error_set("--compare-raw: not confirmed, nothing "
				   "sent");
out:
	pf_buf_release(&log);
	pf_llm_release(&llm);
	return ret;
}

/*
 * --export: the developer's own decisions of this repository as a JSONL
 * dataset.  The summary says what the export holds (their code) and how
 * to measure on it.  0, or 2 when it cannot be written.
 */
static int export_triage(const char *dir, unsigned long days, int since_set)
{
	struct pf_run run;
	struct pf_eval_export_opts o;
	struct pf_eval_export_result r;
	int ret = pf_run_open_repo(&run, NULL);

	memset(&r, 0, sizeof(r));
	if (ret)
		goto fail;
	memset(&o, 0, sizeof(o));
	o.dir = dir;
	o.state_dir = run.state_dir;
	o.repo = run.repo;
	o.worktree = run.worktree;
	/* More days than there are records of: all of them. */
	if (since_set && days <= 1000000)
		o.since = time(NULL) - (time_t)days * 86400;
	ret = pf_eval_export(&r, &o);
	for (const char *p = r.notes.buf; *p;) {
		size_t n = strcspn(p, "\n");

		fprintf(stderr, "pushfix: eval: %.*s\n", (int)n, p);
		p += n + (p[n] ? 1 : 0);
	}
	if (ret)
		goto fail;
	if (!r.exported) {
		printf("nothing to export: no finding of this repository was "
		       "fixed, ignored, or agreed or disagreed with%s "
		       "(%zu finding record%s read",
		       since_set ? " in the time asked" : "", r.records,
		       r.records == 1 ? "" : "s");
		if (r.decisions)
			printf("; %zu decision%s skipped, see above",
			       r.decisions, r.decisions == 1 ? "" : "s");
		printf(")\n");
		goto out;
	}
	printf("exported %zu labelled finding%s (%zu true positive%s, %zu "
	       "false positive%s) to %s/findings.jsonl\n",
	       r.exported, r.exported == 1 ? "" : "s", r.tp,
	       r.tp == 1 ? "" : "s", r.fp, r.fp == 1 ? "" : "s", dir);
	printf("%s/files holds %zu file%s of your code as they were when "
	       "scanned: it stays on this machine; share it as you would "
	       "the code\n",
	       dir, r.files, r.files == 1 ? "" : "s");
	if (r.skipped_gone || r.skipped_unknown)
		printf("%zu finding%s not exported: %zu whose file is no "
		       "longer in this repository, %zu with no record of "
		       "its file\n",
		       r.skipped_gone + r.skipped_unknown,
		       r.skipped_gone + r.skipped_unknown == 1 ? "" : "s",
		       r.skipped_gone, r.skipped_unknown);
	if (r.skipped_secret)
		printf("%zu credential finding%s not exported (their files "
		       "hold the secret)\n",
		       r.skipped_secret, r.skipped_secret == 1 ? "" : "s");
	if (r.skipped_secret_file)
		printf("%zu finding%s not exported: in a file that holds a "
		       "credential\n",
		       r.skipped_secret_file,
		       r.skipped_secret_file == 1 ? "" : "s");
	if (r.conflicts)
		printf("%zu finding%s had conflicting labels: the latest "
		       "decision kept\n",
		       r.conflicts, r.conflicts == 1 ? "" : "s");
	if (r.bad)
		printf("%zu unreadable record line%s skipped\n", r.bad,
		       r.bad == 1 ? "" : "s");
	printf("hint: measure on it: pushfix eval %s/findings.jsonl --root "
	       "%s/files\n",
	       dir, dir);
out:
	pf_eval_export_release(&r);
	pf_run_release(&run);
	return 0;
fail:
	fprintf(stderr, "error: %s\n", pf_error_last());
	pf_eval_export_release(&r);
	pf_run_release(&run);
	return 2;
}

int cmd_eval(int argc, const char **argv)
{
	struct pf_run run;
	struct pf_eval ev;
	struct pf_buf out = PF_BUF_INIT, jobs_s = PF_BUF_INIT;
	const char *root = NULL, *export_dir = NULL;
	unsigned long limit = 0, jobs = 0, since = ULONG_MAX;
	int json = 0, verbose = 0, no_cache = 0, raw = 0, yes = 0, n, ret;
	const struct cli_option options[] = {
		CLI_OPT_BOOL(0, "json", &json, "the figures as JSON"),
		CLI_OPT_ULONG(0, "limit", &limit, "<n>",
			      "the first <n> programs only (path order)"),
		CLI_OPT_ULONG(0, "jobs", &jobs, "<n>",
			      "requests at once ([llm] max_parallel)"),
		CLI_OPT_STRING(0, "root", &root, "<dir>",
			       "what the paths of a .jsonl dataset are "
			       "relative to (default: its directory)"),
		CLI_OPT_BOOL(0, "compare-raw", &raw,
			     "also send each finding NOT anonymised and "
			     "compare the verdicts (asks first)"),
		CLI_OPT_BOOL(0, "yes", &yes,
			     "--compare-raw without asking (no terminal)"),
		CLI_OPT_BOOL(0, "no-cache", &no_cache,
			     "ask the LLM again, even what the cache knows"),
		CLI_OPT_BOOL('v', "verbose", &verbose,
			     "say what the scanner and the triage did"),
		CLI_OPT_STRING(0, "export", &export_dir, "<dir>",
			       "write the findings you fixed or ignored here "
			       "as a .jsonl dataset, with their files"),
		CLI_OPT_ULONG(0, "since", &since, "<days>",
			      "--export: decisions of the last <days> only"),
		CLI_OPT_END,
	};
	const struct cli_command cmd = {
		.name = "eval",
		.synopsis = "<dataset> [--json] [--limit <n>] [--jobs <n>] "
			    "[--root <dir>] [--compare-raw [--yes]]\n"
			    "   or: pushfix eval --export <dir> "
			    "[--since <days>]",
		.about =
			"Measures the configured scanner, LLM triage and fixes "
			"on a labelled dataset:\n"
			"a directory of programs in the CASTLE format "
			"(header `vulnerable:`, `cwe:`,\n"
			"the vulnerable line marked {!LINE}) or a .jsonl "
			"file of labelled findings.\n"
			"Sends every finding to the configured LLM, "
			"anonymised, as a push would.\n"
			"--export writes your own decisions (fixes applied, "
			"findings ignored,\n"
			"agree/disagree) as such a .jsonl dataset; it "
			"sends nothing.\n",
		.options = options,
		.max_args = 1,
	};

	n = cli_parse(&cmd, argc, argv);
	if (n < 0)
		return cli_exit(n);
	if (export_dir) {
		if (n || json || limit || jobs || root || raw || yes ||
		    no_cache) {
			fprintf(stderr, "error: --export takes no dataset and "
					"no option but --since\n");
			cli_usage_line(&cmd, stderr);
			return 2;
		}
		return export_triage(export_dir, since, since != ULONG_MAX);
	}
	if (since != ULONG_MAX) {
		fprintf(stderr, "error: --since goes with --export\n");
		cli_usage_line(&cmd, stderr);
		return 2;
	}
	if (n != 1) {
		fprintf(stderr, "error: which dataset?\n");
		cli_usage_line(&cmd, stderr);
		return 2;
	}
	pf_eval_init(&ev);
	ret = open_run(&run, verbose, no_cache);
	if (!ret && jobs) {
		pf_buf_addf(&jobs_s, "%lu", jobs);
		ret = pf_config_set(&run.cfg, "llm", "max_parallel", jobs_s.buf,
				    "--jobs");
	}
	if (!ret)
		ret = pf_eval_load(&ev, argv[0], root, limit);
	if (ret)
		goto fail;
	print_skipped(&ev);
	if (!ev.progs_nr) {
		pf_error_set("no labelled program in '%s' (%zu skipped)",
			     argv[0], ev.skipped_nr);
		goto fail;
	}
	if (raw && consent_raw(&run, &ev, yes))
		goto fail;
	ret = pf_eval_run(&ev, &run);
	if (ret)
		goto fail;
	/* The anonymised figures stand on their own. */
	if (raw && pf_eval_compare_raw(&ev, &run))
		fprintf(stderr, "pushfix: eval: --compare-raw: %s\n",
			pf_error_last());
	if (run.verbose && run.scan.diag.len)
		fprintf(stderr, "%s", run.scan.diag.buf);
	if (json)
		pf_eval_json(&out, &ev, PUSHFIX_VERSION);
	else
		pf_eval_table(&out, &ev, PUSHFIX_VERSION);
	fwrite(out.buf, 1, out.len, stdout);
	pf_buf_release(&out);
	pf_buf_release(&jobs_s);
	pf_eval_release(&ev);
	pf_run_release(&run);
	return 0;
fail:
	fprintf(stderr, "error: %s\n", pf_error_last());
	pf_buf_release(&out);
	pf_buf_release(&jobs_s);
	pf_eval_release(&ev);
	pf_run_release(&run);
	return 2;
}
