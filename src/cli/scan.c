/*
 * `pushfix scan`: the hook's pipeline on demand, on a range, the staged
 * changes or every file, with a report in text, JSON, SARIF or GitLab's
 * SAST JSON; with --ci on the pull/merge request's range that the CI's
 * environment names, and with --mirror queued for `pushfix mirror`.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"
#include "cmd.h"
#include "pushfix/buf.h"
#include "pushfix/err.h"
#include "pushfix/findlog.h"
#include "pushfix/json.h"
#include "pushfix/mirror.h"
#include "pushfix/pipeline.h"
#include "pushfix/report.h"
#include "pushfix/triage.h"
#include "pushfix/ui.h"
#include "pushfix/util.h"

/* What --ci found in the environment: the range, and for --mirror the
 * request's branch and head commit. */
struct ci_target {
	struct pf_buf range, branch, sha;
	const char *from; /* which variables said so, for -v */
};

static const char *env(const char *name)
{
	const char *v = getenv(name);

	return v && *v ? v : NULL;
}

static int is_null_sha(const char *s)
{
	return !s || !*s || strspn(s, "0") == strlen(s);
}

/*
 * GitHub Actions: the event file ($GITHUB_EVENT_PATH) of a pull_request
 * event has pull_request.base.sha and .head.sha (the PR's own commits,
 * not the merge commit in $GITHUB_SHA); a push event has before/after.
 * 1 when it named a range, 0 when not, <0 for an unreadable file.
 */
static int ci_github_event(struct ci_target *t, const char *file)
{
	struct pf_buf data = PF_BUF_INIT;
	cJSON *doc = NULL;
	const cJSON *pr;
	const char *base, *head, *ref;
	int ret = pf_buf_read_file(&data, file, 16 << 20);

	if (ret)
		goto out;
	ret = pf_json_parse_document(&doc, data.buf, data.len, file, "JSON");
	if (ret)
		goto out;
	pr = pf_json_member(doc, "pull_request");
	base = pf_json_str(pf_json_member(pr, "base"), "sha");
	head = pf_json_str(pf_json_member(pr, "head"), "sha");
	ref = pf_json_str(pf_json_member(pr, "head"), "ref");
	if (base && head) {
		pf_buf_addf(&t->range, "%s...%s", base, head);
		pf_buf_addstr(&t->sha, head);
		pf_buf_addstr(&t->branch, ref ? ref : "");
		t->from = "GITHUB_EVENT_PATH (pull_request)";
		ret = 1;
		goto out;
	}
	base = pf_json_str(doc, "before");
	head = pf_json_str(doc, "after");
	ref = pf_json_str(doc, "ref");
	if (head && !is_null_sha(head)) {
		if (is_null_sha(base))
			pf_buf_addstr(&t->range, head);
		else
			pf_buf_addf(&t->range, "%s..%s", base, head);
		pf_buf_addstr(&t->sha, head);
		if (ref && pf_starts_with(ref, "refs/heads/"))
			pf_buf_addstr(&t->branch, ref + 11);
		t->from = "GITHUB_EVENT_PATH (push)";
		ret = 1;
	}
out:
	cJSON_Delete(doc);
	pf_buf_release(&data);
	return ret;
}

/*
 * The range a CI job should scan, from its environment: GitLab's
 * merge-request pipeline variables, else GitHub Actions' event file, else
 * GITHUB_BASE_REF / GITHUB_SHA.  PF_ENOTFOUND naming the variables when
 * none is set.
 */
static int ci_target_from_env(struct ci_target *t)
{
	const char *base, *sha, *event;
	int ret;

	base = env("CI_MERGE_REQUEST_DIFF_BASE_SHA");
	sha = env("CI_COMMIT_SHA");
	if (base && sha) {
		/* The diff base is already the merge base. */
		pf_buf_addf(&t->range, "%s..%s", base, sha);
		pf_buf_addstr(&t->sha, sha);
		pf_buf_addstr(&t->branch,
			      env("CI_MERGE_REQUEST_SOURCE_BRANCH_NAME")
				      ? env("CI_MERGE_REQUEST_SOURCE_BRANCH_"
					    "NAME")
				      : "");
		t->from = "CI_MERGE_REQUEST_DIFF_BASE_SHA, CI_COMMIT_SHA";
		return 0;
	}
	event = env("GITHUB_EVENT_PATH");
	if (event) {
		ret = ci_github_event(t, event);
		if (ret < 0)
			return pf_error_prefix(ret, "--ci: GITHUB_EVENT_PATH");
		if (ret)
			return 0;
	}
	base = env("GITHUB_BASE_REF");
	sha = env("GITHUB_SHA");
	if (base && sha) {
		pf_buf_addf(&t->range, "origin/%s...%s", base, sha);
		pf_buf_addstr(&t->sha, sha);
		pf_buf_addstr(&t->branch, env("GITHUB_HEAD_REF")
						  ? env("GITHUB_HEAD_REF")
						  : "");
		t->from = "GITHUB_BASE_REF, GITHUB_SHA";
		return 0;
	}
	return pf_error_setc(
		PF_ENOTFOUND,
		"--ci: no pull/merge request range in the environment: "
		"set CI_MERGE_REQUEST_DIFF_BASE_SHA and CI_COMMIT_SHA "
		"(GitLab merge request pipeline), GITHUB_EVENT_PATH, or "
		"GITHUB_BASE_REF and GITHUB_SHA (GitHub Actions pull_request), "
		"or give the range instead of --ci");
}

/*
 * --mirror: queue the findings for the request's branch, as the hook does
 * after a push (one outbox entry), for `pushfix mirror` to post.  The
 * remote is origin, the commit the request's head.
 */
static int ci_enqueue(struct pf_run *run, const struct ci_target *t)
{
	struct pf_push_update *u;
	git_config *cfg = NULL;
	const char *url = NULL;
	struct pf_buf ref = PF_BUF_INIT;
	int ret;

	if (!t->branch.len || t->sha.len != GIT_OID_HEXSZ)
		return pf_error_setc(PF_EINVALID,
				     "--mirror: the CI's environment names no "
				     "request branch and head commit (%s)",
				     t->from);
	ret = pf_config_set(&run->cfg, "mirror", "enabled", "true", "--mirror");
	if (ret)
		return ret;
	/* The config, not git_remote_lookup(): that one's regex match
	 * data leaks in libgit2 1.5. */
	if (git_repository_config_snapshot(&cfg, run->repo) ||
	    git_config_get_string(&url, cfg, "remote.origin.url")) {
		git_config_free(cfg);
		git_error_clear();
		return pf_error_setc(PF_ENOTFOUND,
				     "--mirror: this clone has no remote "
				     "'origin'");
	}
	run->remote_name = pf_xstrdup("origin");
	run->remote_url = pf_xstrdup(url);
	git_config_free(cfg);
	PF_ALLOC_GROW(run->push.v, run->push.nr + 1, run->push.alloc);
	u = &run->push.v[run->push.nr++];
	memset(u, 0, sizeof(*u));
	u->local_ref = pf_xstrdup("HEAD");
	pf_buf_addf(&ref, "refs/heads/%s", t->branch.buf);
	u->remote_ref = pf_buf_detach(&ref, NULL);
	u->kind = PF_PUSH_UPDATE;
	memcpy(u->local_oid, t->sha.buf, GIT_OID_HEXSZ);
	memcpy(u->tip_oid, t->sha.buf, GIT_OID_HEXSZ);
	return pf_mirror_enqueue(run);
}

/*
 * --exit-code: is there a finding that fails the run?  Every one, as
 * before, except those of rules [rules] puts in comment (never blocks);
 * monitored ones are not in run->findings at all.
 */
static int findings_fail(const struct pf_run *run)
{
	for (size_t i = 0; i < run->findings.nr; i++)
		if (run->findings.v[i].mode != PF_MODE_COMMENT)
			return 1;
	return 0;
}

int cmd_scan(int argc, const char **argv)
{
	struct pf_run run;
	struct pf_buf out = PF_BUF_INIT;
	struct pf_report_opts ro = { 0 };
	struct cli_range r = { NULL, 0, 0 };
	struct ci_target ci = { PF_BUF_INIT, PF_BUF_INIT, PF_BUF_INIT, NULL };
	enum pf_format fmt = PF_FORMAT_TEXT;
	const char *format = NULL, *filter = NULL;
	int exit_code = 0, verbose = 0, no_triage = 0, no_cache = 0, n, ret;
	int use_ci = 0, mirror = 0;
	const struct cli_option options[] = {
		CLI_OPT_STAGED(&r),
		CLI_OPT_ALL(&r),
		CLI_OPT_STRING(0, "format", &format, "<fmt>",
			       "text (default), json, sarif or gitlab-sast"),
		CLI_OPT_STRING(0, "filter", &filter, "<which>",
			       "added, context, file or all ([scan] filter)"),
		CLI_OPT_BOOL(0, "no-triage", &no_triage, "do not ask the LLM"),
		CLI_OPT_BOOL(0, "no-cache", &no_cache,
			     "ask again, even what the cache knows"),
		CLI_OPT_BOOL(0, "ci", &use_ci,
			     "the pull/merge request's range, from the CI's "
			     "environment"),
		CLI_OPT_BOOL(0, "mirror", &mirror,
			     "with --ci: queue the findings for `pushfix "
			     "mirror`"),
		CLI_OPT_BOOL(0, "exit-code", &exit_code,
			     "exit 1 when there are findings"),
		CLI_OPT_BOOL('v', "verbose", &verbose,
			     "say what was skipped and what the scanner said"),
		CLI_OPT_END,
	};
	const struct cli_command cmd = {
		.name = "scan",
		.synopsis = "[<range> | --staged | --all [<rev>] | --ci] "
			    "[<options>]",
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
	if (use_ci && (r.range || r.staged || r.all)) {
		fprintf(stderr, "error: --ci takes the range from the CI; give "
				"no range, --staged or --all with it\n");
		return 2;
	}
	if (mirror && !use_ci) {
		fprintf(stderr, "error: --mirror goes with --ci\n");
		return 2;
	}
	if (use_ci) {
		if (ci_target_from_env(&ci)) {
			fprintf(stderr, "error: %s\n", pf_error_last());
			ret = 2;
			goto ci_out;
		}
		r.range = ci.range.buf;
	}
	ret = cli_run_open(&run, verbose, no_cache);
	if (ret)
		goto fail;
	if (filter && (ret = pf_config_set(&run.cfg, "scan", "filter", filter,
					   "--filter")))
		goto fail;
	if (use_ci && run.verbose)
		fprintf(stderr, "pushfix: --ci: scanning %s (from %s)\n",
			ci.range.buf, ci.from);
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
	ro.version = PUSHFIX_VERSION;
	ro.cs = &run.cs;
	ro.scan = &run.scan;
	ro.cfg = &run.cfg;
	ro.monitored = run.monitored.nr;
	if (fmt == PF_FORMAT_JSON)
		pf_report_json(&out, &run.findings, &ro);
	else if (fmt == PF_FORMAT_SARIF)
		pf_report_sarif(&out, &run.findings, &ro);
	else if (fmt == PF_FORMAT_GITLAB_SAST)
		pf_report_gitlab_sast(&out, &run.findings, &ro, time(NULL));
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
	if (fmt == PF_FORMAT_TEXT && !run.findings.nr && run.monitored.nr)
		pf_buf_addf(&out, "; %zu monitored", run.monitored.nr);
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
	if (mirror && ci_enqueue(&run, &ci))
		goto fail;
	ret = exit_code && findings_fail(&run) ? 1 : 0;
	goto out;
fail:
	fprintf(stderr, "error: %s\n", pf_error_last());
	ret = 2;
out:
	pf_buf_release(&out);
	pf_run_release(&run);
ci_out:
	pf_buf_release(&ci.range);
	pf_buf_release(&ci.branch);
	pf_buf_release(&ci.sha);
	return ret;
}
