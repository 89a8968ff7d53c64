/*
 * The mirror stage's driving end: the outbox worker and the `pushfix
 * mirror` command, which hand each entry to the drivers (drivers.h), and
 * the hook's enqueue/spawn.  What the drivers share lives below them, in
 * mirror_int.h (review.c, diffmap.c, request.c).
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cJSON.h>
#include <git2.h>

#include "pushfix/decision.h"
#include "pushfix/err.h"
#include "pushfix/findlog.h"
#include "pushfix/mirror.h"
#include "pushfix/pipeline.h"
#include "pushfix/proc.h"
#include "pushfix/secret.h"
#include "pushfix/store.h"
#include "pushfix/util.h"

#include "drivers.h"
#include "mirror_int.h"

#define LOG_ROTATE (1u << 20) /* mirror.log beyond this -> mirror.log.1 */
#define DEFAULT_WAIT_S 120
#define FRESH_S 600 /* entries younger than this: wait for the remote */

/* ---- the worker ---- */

struct worker {
	struct pf_run *run;
	int dry_run, worker, verbose;
	unsigned wait_s, max_sleep_s;
	/* Entries posted, left for a later run (`failed` of them after an
	 * error), set aside as unreadable. */
	unsigned posted_entries, kept, failed, bad;
};

static unsigned env_uint(const char *name, unsigned dflt)
{
	const char *v = getenv(name);
	unsigned long n;

	if (v && !pf_parse_ulong(&n, v) && n <= 86400)
		return (unsigned)n;
	return dflt;
}

static void vsay(const struct worker *w, const char *prefix, const char *fmt,
		 va_list ap) __attribute__((format(printf, 3, 0)));
static void vsay(const struct worker *w, const char *prefix, const char *fmt,
		 va_list ap)
{
	if (w->worker) {
		char ts[32];
		time_t now = time(NULL);
		struct tm tm;

		gmtime_r(&now, &tm);
		strftime(ts, sizeof(ts), "%Y-%m-%dT%H:%M:%SZ", &tm);
		fprintf(stderr, "%s [%d] ", ts, (int)getpid());
	}
	fputs(prefix, stderr);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	fflush(stderr);
}

/* A note ("pushfix: ..."); in the worker's log with time and pid. */
static void say(const struct worker *w, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
static void say(const struct worker *w, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsay(w, "pushfix: ", fmt, ap);
	va_end(ap);
}

static void say_error(const struct worker *w, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
static void say_error(const struct worker *w, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsay(w, "error: ", fmt, ap);
	va_end(ap);
}

/*
 * The token, never printed: [mirror] token_env, then token_cmd, then the
 * forge's usual variables.
 */
static int get_token(struct pf_buf *tok, struct pf_buf *source,
		     const struct pf_config *cfg, enum pf_forge forge)
{
	const char *env = cfg->mirror.token_env;
	const char *cmd = cfg->mirror.token_cmd;
	const char *v;

	if (env && *env) {
		pf_buf_addstr(source, env);
		v = getenv(env);
		if (!v || !*v)
			return pf_error_setc(PF_EAUTH,
					     "[mirror] token_env names %s, "
					     "which is not set",
					     env);
		pf_buf_addstr(tok, v);
		return 0;
	}
	if (cmd && *cmd) {
		struct pf_proc_opts o = { 0 };
		struct pf_proc_result r;
		char **argv = NULL;
		int ret;

		pf_buf_addstr(source, "[mirror] token_cmd");
		ret = pf_proc_split(&argv, cmd);
		if (ret)
			return pf_error_prefix(ret, "[mirror] token_cmd");
		o.argv = (const char *const *)argv;
		o.timeout_ms = 30000;
		o.out_cap = 64 << 10;
		o.err_cap = 64 << 10;
		pf_proc_result_init(&r);
		ret = pf_proc_run(&r, &o);
		if (!ret && (r.signaled || r.exit_code))
			/* its stderr may hold a secret: not repeated */
			ret = pf_error_setc(PF_EAUTH,
					    "[mirror] token_cmd '%s' failed "
					    "(exit %d)",
					    argv[0],
					    r.signaled ? 128 + r.signo
						       : r.exit_code);
		else if (ret)
			pf_error_prefix(ret, "[mirror] token_cmd");
		if (!ret) {
			pf_buf_add(tok, r.out.buf, r.out.len);
			pf_buf_rtrim(tok);
			while (tok->len && (tok->buf[tok->len - 1] == '\n' ||
					    tok->buf[tok->len - 1] == '\r'))
				pf_buf_setlen(tok, tok->len - 1);
			if (!tok->len)
				ret = pf_error_setc(PF_EAUTH,
						    "[mirror] token_cmd '%s' "
						    "printed no token",
						    argv[0]);
		}
		if (r.out.len)
			memset(r.out.buf, 0, r.out.len);
		pf_proc_result_release(&r);
		pf_proc_argv_free(argv);
		return ret;
	}
	if (forge == PF_FORGE_GITHUB) {
		const char *names[] = { "GITHUB_TOKEN", "GH_TOKEN" };

		for (size_t i = 0; i < 2; i++) {
			v = getenv(names[i]);
			if (v && *v) {
				pf_buf_addstr(source, names[i]);
				pf_buf_addstr(tok, v);
				return 0;
			}
		}
		pf_buf_addstr(source, "GITHUB_TOKEN");
		return pf_error_setc(PF_EAUTH,
				     "no GitHub token: set GITHUB_TOKEN or "
				     "GH_TOKEN (or [mirror] token_env or "
				     "token_cmd)");
	}
	pf_buf_addstr(source, "GITLAB_TOKEN");
	v = getenv("GITLAB_TOKEN");
	if (v && *v) {
		pf_buf_addstr(tok, v);
		return 0;
	}
	return pf_error_setc(PF_EAUTH, "no GitLab token: set GITLAB_TOKEN "
				       "(or [mirror] token_env or token_cmd)");
}

/*
 * Does the remote have `sha` on `branch` (the tip, or an ancestor of the
 * tip)?  1 yes, 0 not yet, <0 cannot tell (ls-remote failed).
 */
static int remote_has(struct pf_run *run, const struct pf_outbox_entry *e)
{
	struct pf_buf ref = PF_BUF_INIT;
	const char *where = e->remote_url;
	const char *env[] = { "GIT_TERMINAL_PROMPT=0", NULL };
	const char *argv[6];
	struct pf_proc_opts o = { 0 };
	struct pf_proc_result r;
	git_config *cfg = NULL;
	git_buf url = GIT_BUF_INIT;
	int ret;

	/* A named remote keeps its credentials; the stored URL lost them.
	 * Read from the config: git_remote_lookup leaks PCRE2 match data in
	 * libgit2 1.5. */
	if (e->remote_name && *e->remote_name &&
	    !git_repository_config_snapshot(&cfg, run->repo)) {
		struct pf_buf key = PF_BUF_INIT;

		pf_buf_addf(&key, "remote.%s.url", e->remote_name);
		if (!git_config_get_string_buf(&url, cfg, key.buf))
			where = e->remote_name;
		pf_buf_release(&key);
	}
	git_error_clear();
	git_buf_dispose(&url);
	git_config_free(cfg);
	pf_buf_addf(&ref, "refs/heads/%s", e->branch);
	argv[0] = "git";
	argv[1] = "ls-remote";
	argv[2] = "--";
	argv[3] = where;
	argv[4] = ref.buf;
	argv[5] = NULL;
	o.argv = argv;
	o.env = env;
	o.timeout_ms = 20000;
	o.out_cap = 1 << 20;
	if (run->worktree)
		o.cwd = run->worktree;
	pf_proc_result_init(&r);
	ret = pf_proc_run(&r, &o);
	if (ret || r.exit_code || r.signaled) {
		ret = -1;
		goto out;
	}
	ret = 0;
	for (const char *p = r.out.buf; *p;) {
		const char *nl = strchr(p, '\n');
		size_t n = nl ? (size_t)(nl - p) : strlen(p);

		if (n > 41 && p[40] == '\t' && (size_t)(n - 41) == ref.len &&
		    !memcmp(p + 41, ref.buf, ref.len)) {
			git_oid have, want;

			if (!memcmp(p, e->sha, 40)) {
				ret = 1;
			} else if (!git_oid_fromstrn(&have, p, 40) &&
				   !git_oid_fromstr(&want, e->sha) &&
				   git_graph_descendant_of(run->repo, &have,
							   &want) == 1) {
				ret = 1;
			}
		}
		p += n + (nl ? 1 : 0);
	}
out:
	pf_proc_result_release(&r);
	pf_buf_release(&ref);
	return ret;
}

/*
 * Bounded polling with backoff until the push has landed.  Only a fresh
 * entry is worth waiting for: an old one whose commit the remote still
 * lacks (a rejected push, a rewritten branch) gets one look, so that it
 * never delays the entries behind it.
 */
static int wait_for_remote(struct worker *w, const struct pf_outbox_entry *e)
{
	long long age = (long long)time(NULL) - e->created;
	unsigned wait_s = age >= 0 && age < FRESH_S ? w->wait_s : 0;
	double deadline = pf_now_ms() + wait_s * 1000.0;
	double delay = 0.1;
	unsigned fails = 0;

	for (;;) {
		int has = remote_has(w->run, e);

		if (has == 1)
			return 0;
		if (has < 0 && ++fails >= 3) {
			/* cannot ask the remote (no credentials without a
			 * terminal?): the forge's own check decides */
			say(w, "cannot list the remote's branches; going on "
			       "to the forge");
			return 0;
		}
		if (pf_now_ms() + delay * 1000 > deadline)
			return pf_error_setc(PF_ETIMEOUT,
					     "the remote does not have %.7s on "
					     "'%s' (after %u s; was the push "
					     "rejected?)",
					     e->sha, e->branch, wait_s);
		pf_sleep_s(delay);
		delay = delay * 2 > 3 ? 3 : delay * 2;
	}
}

static void resolve_opts(struct pf_forge_opts *o, const struct pf_config *cfg)
{
	o->forge = cfg->mirror.forge;
	o->api_url = cfg->mirror.api_url;
	o->repository = cfg->mirror.repository;
	o->host_map = cfg->mirror.host_map;
}

static const char *slack_env(const struct pf_config *cfg)
{
	const char *n = cfg->mirror.slack_webhook_env;

	return n && *n ? n : NULL;
}

static void keep(struct pf_outbox_entry *e, int code, double retry_after)
{
	e->attempts++;
	e->last_attempt = (long long)time(NULL);
	/* waiting for a PR/MR, the remote or a rate limit is no failure */
	e->failed = code != PF_ENOTFOUND && code != PF_ERETRY &&
		    code != PF_ETIMEOUT;
	free(e->last_error);
	e->last_error = pf_xstrdup(pf_error_last());
	if (code == PF_ERETRY && retry_after > 0)
		e->not_before = (long long)time(NULL) + (long long)retry_after;
	pf_outbox_save(e);
}

/*
 * `agree` on a false positive, for the team: the entry in the worktree's
 * .pushfix/ignore (the mirror runs in the clone it was queued from; a
 * bare repository has none).  1 when added, 0 when there already or no
 * worktree, negative on a failure (message set).
 */
static int share_agreed(struct worker *w, const struct pf_feedback *fb)
{
	struct pf_buf reason = PF_BUF_INIT;
	int ret;

	if (!w->run->worktree)
		return 0;
	pf_buf_addf(&reason, "agreed on the PR by %s%s%s",
		    fb->author ? fb->author : "?",
		    fb->reason && *fb->reason ? ": " : "",
		    fb->reason && *fb->reason ? fb->reason : "");
	ret = pf_decision_share(w->run->worktree, fb->fingerprint,
				fb->rule ? fb->rule : "?",
				fb->path ? fb->path : "?", reason.buf);
	pf_buf_release(&reason);
	return ret;
}

/*
 * What one reply does to the local decision store: `disagree` with a
 * false positive re-opens the finding (forgets an ignore); `agree` with
 * one ignores it when [mirror] feedback_ignores: in the local store, and
 * for the team in the worktree's .pushfix/ignore (issue 15 item 3; the
 * developer commits it, as after `I` at the prompt); disagree takes it
 * out of both.  Returns the words for the note, "" when nothing changed.
 */
static const char *feedback_effect(struct worker *w,
				   const struct pf_feedback *fb,
				   enum pf_verdict v)
{
	const char *sd = w->run->state_dir;
	struct pf_decisions ds = PF_DECISIONS_INIT;
	const char *said = "";
	int lock, ret;

	if (v != PF_VERDICT_FALSE_POSITIVE ||
	    (fb->agree && !w->run->cfg.mirror.feedback_ignores))
		return "";
	lock = pf_store_lock(sd, 5000);
	if (lock < 0)
		goto out;
	if (fb->agree) {
		struct pf_finding f;

		memset(&f, 0, sizeof(f));
		snprintf(f.fingerprint, sizeof(f.fingerprint), "%s",
			 fb->fingerprint);
		f.rule_id = (char *)fb->rule;
		f.path = (char *)fb->path;
		ret = pf_decisions_load(&ds, sd);
		if (!ret && !pf_decision_is_ignored(&ds, fb->fingerprint) &&
		    !pf_decision_ignore(sd, &f, time(NULL)))
			said = "; ignored from now on";
		ret = share_agreed(w, fb);
		if (ret < 0) /* the local ignore holds; say what did not */
			say_error(w, "feedback: not ignored for the team: %s",
				  pf_error_last());
		if (ret == 1)
			said = *said ? "; ignored from now on, and for the "
				       "team in .pushfix/ignore (commit it)"
				     : "; ignored for the team in "
				       ".pushfix/ignore (commit it)";
	} else {
		if (!pf_decisions_load(&ds, sd))
			for (size_t i = 0; i < ds.nr; i++)
				if (!strcmp(ds.v[i].fingerprint,
					    fb->fingerprint) &&
				    !pf_decision_unignore(NULL, sd, i + 1)) {
					said = "; re-opened (no longer "
					       "ignored)";
					break;
				}
		ret = w->run->worktree ? pf_decision_unshare(w->run->worktree,
							     fb->fingerprint)
				       : 0;
		if (ret < 0)
			say_error(w, "feedback: still ignored for the team: %s",
				  pf_error_last());
		if (ret == 1)
			said = "; re-opened (no longer ignored), and taken out "
			       "of .pushfix/ignore (commit it)";
	}
	pf_store_unlock(lock);
out:
	pf_decisions_release(&ds);
	pf_error_clear();
	return said;
}

/* Record the replies the driver found, once each, and act on them. */
static void take_feedback(struct worker *w, const struct pf_outbox_entry *e,
			  const struct pf_mirror_ctx *c)
{
	for (size_t i = 0; i < c->replies_nr; i++) {
		const struct pf_mirror_reply *r = &c->replies[i];
		const struct pf_outbox_finding *of = NULL;
		struct pf_feedback fb;
		enum pf_verdict v;
		char *rule = NULL, *path = NULL;
		int ret;

		for (size_t k = 0; k < e->nr && !of; k++)
			if (!strcmp(e->findings[k].fingerprint, r->fingerprint))
				of = &e->findings[k];
		memset(&fb, 0, sizeof(fb));
		fb.fingerprint = r->fingerprint;
		fb.rule = of ? of->rule_id : NULL;
		fb.path = of ? of->path : NULL;
		fb.agree = r->agree;
		fb.reason = r->reason;
		fb.author = r->author;
		fb.forge =
			c->repo->forge == PF_FORGE_GITHUB ? "github" : "gitlab";
		fb.reply = r->id;
		/* An older push's comment: the record knows its rule. */
		v = pf_findlog_verdict(w->run->state_dir, r->fingerprint,
				       of ? NULL : &rule, of ? NULL : &path);
		if (!of) {
			fb.rule = rule;
			fb.path = path;
		}
		ret = pf_findlog_feedback(w->run->state_dir, &fb);
		if (ret < 0)
			say_error(w, "feedback: %s", pf_error_last());
		else if (!ret) /* 1: recorded on an earlier run */
			say(w, "feedback: %s %ss with %s on %s (%s)%s",
			    r->author, r->agree ? "agree" : "disagree",
			    fb.rule ? fb.rule : "a finding",
			    fb.path ? fb.path : "?",
			    v != PF_VERDICT_NONE ? pf_verdict_name(v)
						 : "not triaged",
			    feedback_effect(w, &fb, v));
		free(rule);
		free(path);
		rule = path = NULL;
	}
}

static int post_entry(struct worker *w, struct pf_outbox_entry *e)
{
	struct pf_config *cfg = &w->run->cfg;
	struct pf_forge_opts fo;
	struct pf_forge_repo repo = { 0 }, url_repo = { 0 };
	struct pf_buf tok = PF_BUF_INIT, src = PF_BUF_INIT;
	struct pf_mirror_ctx c;
	const char *hook_env = slack_env(cfg);
	int ret;

	memset(&c, 0, sizeof(c));
	resolve_opts(&fo, cfg);
	ret = pf_forge_resolve(&repo, e->remote_url, &fo);
	if (ret)
		goto fail;
	/* A fork: the URL names the fork, [mirror] repository the upstream
	 * where the PR lives; GitHub wants head=fork-owner:branch. */
	if (repo.forge == PF_FORGE_GITHUB && fo.repository && *fo.repository) {
		struct pf_forge_opts uo = fo;

		uo.repository = NULL;
		uo.api_url = NULL;
		if (!pf_forge_resolve(&url_repo, e->remote_url, &uo) &&
		    url_repo.forge == PF_FORGE_GITHUB &&
		    strcasecmp(url_repo.owner, repo.owner))
			c.head_owner = url_repo.owner;
		pf_error_clear();
	}
	c.entry = e;
	c.repo = &repo;
	c.dry_run = w->dry_run;
	c.worker = w->worker;
	c.verbose = w->verbose;
	c.out = w->dry_run ? stdout : stderr;
	c.max_sleep_s = w->max_sleep_s;
	c.wait_s = w->wait_s;
	if (!w->dry_run) {
		ret = get_token(&tok, &src, cfg, repo.forge);
		if (ret)
			goto fail;
		c.token = tok.buf;
	} else {
		pf_buf_addstr(&src, "(dry run)");
	}
	c.token_source = src.buf;

	if (w->dry_run) {
		fprintf(stdout,
			"# entry %s: %zu finding%s on '%s' at %.7s, "
			"%s %s\n",
			e->id, e->nr, e->nr == 1 ? "" : "s", e->branch, e->sha,
			pf_forge_name(repo.forge), repo.path);
		ret = repo.forge == PF_FORGE_GITHUB ? pf_github_mirror(&c)
						    : pf_gitlab_mirror(&c);
		if (!ret && hook_env)
			ret = pf_slack_post(&c, NULL, hook_env);
		goto out;
	}
	if (w->worker && !e->forge_done) {
		ret = wait_for_remote(w, e);
		if (ret)
			goto fail;
	}
	if (!e->forge_done) {
		ret = repo.forge == PF_FORGE_GITHUB ? pf_github_mirror(&c)
						    : pf_gitlab_mirror(&c);
		if (ret)
			goto fail;
		take_feedback(w, e, &c);
		if (!e->id) {
			/* feedback only (feedback_only()): no entry */
			say(w, "read the replies on %s",
			    c.pr_url ? c.pr_url : repo.path);
			goto out;
		}
		e->forge_done = 1;
		free(e->pr_url);
		e->pr_url = pf_xstrdup_or_null(c.pr_url);
		pf_outbox_save(e);
		if (c.posted)
			say(w,
			    "posted %zu finding%s on %s (%zu already there%s)",
			    c.posted, c.posted == 1 ? "" : "s",
			    c.pr_url ? c.pr_url : repo.path, c.already,
			    c.outside ? ", some outside the diff in the summary"
				      : "");
		else
			say(w, "%s: every finding of %.7s is already there",
			    c.pr_url ? c.pr_url : repo.path, e->sha);
	}
	if (hook_env && !e->slack_done) {
		const char *url = getenv(hook_env);

		if (!url || !*url) {
			ret = pf_error_setc(PF_EINVALID,
					    "[mirror] slack_webhook_env names "
					    "%s, which is not set",
					    hook_env);
			goto fail;
		}
		free(c.pr_url);
		c.pr_url = pf_xstrdup_or_null(e->pr_url);
		ret = pf_slack_post(&c, url, hook_env);
		if (ret)
			goto fail;
		e->slack_done = 1;
		pf_outbox_save(e);
		say(w, "sent the summary to Slack");
	}
	ret = pf_outbox_done(e);
	if (!ret)
		w->posted_entries++;
	goto out;
fail:
	if (!e->id) {
		/* feedback only: nothing queued, nothing to keep */
		if (w->verbose || ret != PF_ENOTFOUND)
			say(w, "no feedback read: %s", pf_error_last());
		ret = 0;
		goto out;
	}
	if (ret == PF_ENOTFOUND) {
		/* no PR/MR yet: not a failure, the entry waits */
		say(w, "%s; the findings stay in the outbox for the next run",
		    pf_error_last());
		keep(e, ret, 0);
		w->kept++;
		ret = 0;
	} else if (ret == PF_ERETRY || ret == PF_ETIMEOUT) {
		say(w, "%s", pf_error_last());
		keep(e, ret, c.retry_after);
		w->kept++;
		ret = 0;
	} else {
		say_error(w, "%s (entry %s kept)", pf_error_last(), e->id);
		keep(e, ret, 0);
		w->kept++;
		w->failed++;
	}
out:
	if (tok.len)
		memset(tok.buf, 0, tok.len);
	pf_buf_release(&tok);
	pf_buf_release(&src);
	pf_mirror_ctx_release(&c);
	pf_forge_repo_release(&repo);
	pf_forge_repo_release(&url_repo);
	return ret;
}

/*
 * `pushfix mirror` by hand with nothing queued still brings the feedback
 * home: the current branch's PR/MR (its upstream remote, else origin) is
 * read as an entry without findings would be.  Nothing is kept when there
 * is no PR/MR or no remote.
 */
static void feedback_only(struct worker *w)
{
	struct pf_outbox_entry e;
	git_reference *head = NULL;
	git_config *cfg = NULL;
	git_buf remote = GIT_BUF_INIT, url = GIT_BUF_INIT;
	struct pf_buf key = PF_BUF_INIT;
	const char *branch;

	pf_outbox_entry_init(&e);
	if (git_repository_head(&head, w->run->repo) ||
	    !git_reference_is_branch(head) ||
	    git_repository_config_snapshot(&cfg, w->run->repo))
		goto out;
	branch = git_reference_shorthand(head);
	pf_buf_addf(&key, "branch.%s.remote", branch);
	if (git_config_get_string_buf(&remote, cfg, key.buf))
		git_buf_set(&remote, "origin", 6);
	pf_buf_reset(&key);
	pf_buf_addf(&key, "remote.%s.url", remote.ptr);
	if (git_config_get_string_buf(&url, cfg, key.buf))
		goto out;
	e.remote_name = pf_xstrdup(remote.ptr);
	e.remote_url = pf_xstrdup(url.ptr);
	e.branch = pf_xstrdup(branch);
	git_oid_tostr(e.sha, sizeof(e.sha), git_reference_target(head));
	post_entry(w, &e);
out:
	git_error_clear();
	git_reference_free(head);
	git_config_free(cfg);
	git_buf_dispose(&remote);
	git_buf_dispose(&url);
	pf_buf_release(&key);
	pf_outbox_entry_release(&e);
}

static void process_entry(struct worker *w, const char *id)
{
	struct pf_outbox_entry e;
	int ret;

	pf_outbox_entry_init(&e);
	ret = pf_outbox_claim(&e, w->run->state_dir, id);
	if (ret == PF_ENOTFOUND)
		goto out; /* another worker posted it meanwhile */
	if (ret == PF_ETIMEOUT) {
		if (w->verbose || !w->worker)
			say(w, "%s", pf_error_last());
		goto out;
	}
	if (ret) {
		say_error(w, "%s", pf_error_last());
		w->bad++;
		goto out;
	}
	if (w->worker && e.not_before > (long long)time(NULL)) {
		say(w, "entry %s waits for the rate limit (%lld s more)", e.id,
		    e.not_before - (long long)time(NULL));
		w->kept++;
		goto out;
	}
	post_entry(w, &e);
out:
	pf_outbox_entry_release(&e);
}

int pf_mirror_run(const struct pf_mirror_opts *o)
{
	struct worker w;
	struct pf_run run;
	char **ids = NULL;
	size_t nr = 0;
	int ret, opened = 0;

	memset(&w, 0, sizeof(w));
	w.dry_run = o->dry_run;
	w.worker = o->worker;
	w.verbose = o->verbose;
	if (w.dry_run)
		w.worker = 0;
	w.wait_s = env_uint("PUSHFIX_TEST_MIRROR_WAIT_S", DEFAULT_WAIT_S);
	w.max_sleep_s =
		env_uint("PUSHFIX_TEST_MIRROR_MAX_SLEEP_S", w.worker ? 60 : 10);
	ret = pf_run_open(&run, NULL);
	opened = 1;
	if (ret) {
		say_error(&w, "%s", pf_error_last());
		ret = 1;
		goto out;
	}
	w.run = &run;
	w.verbose |= run.verbose;
	if (w.worker)
		say(&w, "mirror worker started");
	ret = pf_outbox_list(&ids, &nr, run.state_dir);
	if (ret) {
		say_error(&w, "%s", pf_error_last());
		ret = 1;
		goto out;
	}
	if (!nr && !w.worker) {
		say(&w, "nothing to mirror: the outbox is empty");
		if (!w.dry_run && run.cfg.mirror.enabled)
			feedback_only(&w);
	}
	for (size_t i = 0; i < nr; i++)
		process_entry(&w, ids[i]);
	if (w.worker)
		say(&w,
		    "mirror worker done: %u posted, %u kept (%u after an "
		    "error), %u unreadable",
		    w.posted_entries, w.kept, w.failed, w.bad);
	ret = w.failed || w.bad ? 1 : 0;
out:
	pf_outbox_ids_free(ids, nr);
	if (opened)
		pf_run_release(&run);
	return ret;
}

/* ---- what waits ---- */

/* A message on one line: a forge's text may hold control bytes. */
static void add_one_line(struct pf_buf *out, const char *s)
{
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;

		if (c == '\n' || c == '\r' || c == '\t')
			pf_buf_addch(out, ' ');
		else if (c >= 0x20 && c != 0x7f)
			pf_buf_addch(out, (char)c);
	}
}

size_t pf_mirror_failures(struct pf_buf *out, const char *state_dir)
{
	struct pf_outbox_summary s;
	size_t n;

	if (pf_outbox_summarise(&s, state_dir))
		pf_error_clear(); /* what could be read still counts */
	n = s.failed;
	if (n) {
		pf_buf_addf(out, "%zu review%s not posted (last error: ", n,
			    n == 1 ? "" : "s");
		add_one_line(out, s.last_error ? s.last_error : "unknown");
		pf_buf_addstr(out, "; `pushfix mirror` retries)");
	}
	pf_outbox_summary_release(&s);
	return n;
}

void pf_mirror_print_failures(struct pf_run *run)
{
	struct pf_buf line = PF_BUF_INIT;

	if (pf_mirror_failures(&line, run->state_dir))
		fprintf(run->msg ? run->msg : stderr, "pushfix: %s\n",
			line.buf);
	pf_buf_release(&line);
}

static void add_age(struct pf_buf *out, long long created)
{
	long long age = (long long)time(NULL) - created;

	if (!created || age < 0)
		pf_buf_addstr(out, "?");
	else if (age < 120)
		pf_buf_addf(out, "%llds", age);
	else if (age < 7200)
		pf_buf_addf(out, "%lldm", age / 60);
	else if (age < 172800)
		pf_buf_addf(out, "%lldh", age / 3600);
	else
		pf_buf_addf(out, "%lldd", age / 86400);
}

/* "github octo/repo", from the entry's remote and [mirror]; no network. */
static void add_where(struct pf_buf *out, const struct pf_outbox_entry *e,
		      const struct pf_config *cfg)
{
	struct pf_forge_opts fo;
	struct pf_forge_repo repo = { 0 };

	resolve_opts(&fo, cfg);
	if (!pf_forge_resolve(&repo, e->remote_url, &fo))
		pf_buf_addf(out, "%s %s", pf_forge_name(repo.forge), repo.path);
	else
		pf_buf_addstr(out, e->remote_url ? e->remote_url : "?");
	pf_error_clear();
	pf_forge_repo_release(&repo);
}

static void status_line(const struct pf_outbox_entry *e,
			const struct pf_config *cfg)
{
	struct pf_buf l = PF_BUF_INIT;

	pf_buf_addf(&l, "%s  ", e->id);
	add_age(&l, e->created);
	pf_buf_addstr(&l, "  ");
	add_where(&l, e, cfg);
	pf_buf_addf(&l, " %s  %zu finding%s  %u attempt%s", e->branch, e->nr,
		    e->nr == 1 ? "" : "s", e->attempts,
		    e->attempts == 1 ? "" : "s");
	if (e->last_error) {
		pf_buf_addstr(&l, e->failed ? "  error: " : "  waiting: ");
		add_one_line(&l, e->last_error);
	}
	puts(l.buf);
	pf_buf_release(&l);
}

static cJSON *status_json(const struct pf_outbox_entry *e,
			  const struct pf_config *cfg)
{
	cJSON *o = cJSON_CreateObject();
	struct pf_buf where = PF_BUF_INIT;

	add_where(&where, e, cfg);
	cJSON_AddStringToObject(o, "id", e->id);
	cJSON_AddNumberToObject(o, "created", (double)e->created);
	cJSON_AddStringToObject(o, "where", where.buf);
	cJSON_AddStringToObject(o, "branch", e->branch);
	cJSON_AddStringToObject(o, "sha", e->sha);
	cJSON_AddNumberToObject(o, "findings", (double)e->nr);
	cJSON_AddNumberToObject(o, "attempts", e->attempts);
	cJSON_AddNumberToObject(o, "last_attempt", (double)e->last_attempt);
	if (e->last_error)
		cJSON_AddStringToObject(o, "last_error", e->last_error);
	else
		cJSON_AddNullToObject(o, "last_error");
	cJSON_AddBoolToObject(o, "failed", e->failed);
	pf_buf_release(&where);
	return o;
}

int pf_mirror_status(int json)
{
	struct pf_run run;
	char **ids = NULL;
	size_t nr = 0;
	cJSON *arr = json ? cJSON_CreateArray() : NULL;
	int ret;

	ret = pf_run_open(&run, NULL);
	if (!ret)
		ret = pf_outbox_list(&ids, &nr, run.state_dir);
	if (ret) {
		fprintf(stderr, "error: %s\n", pf_error_last());
		ret = 1;
		goto out;
	}
	if (!nr && !json)
		printf("the outbox is empty: nothing waits to be posted\n");
	for (size_t i = 0; i < nr; i++) {
		struct pf_outbox_entry e;
		int rr;

		pf_outbox_entry_init(&e);
		rr = pf_outbox_read(&e, run.state_dir, ids[i]);
		if (rr) {
			/* posted meanwhile: gone, not worth a line */
			if (!json && rr != PF_ENOTFOUND)
				printf("%s  unreadable: %s\n", ids[i],
				       pf_error_last());
		} else if (json) {
			cJSON_AddItemToArray(arr, status_json(&e, &run.cfg));
		} else {
			status_line(&e, &run.cfg);
		}
		pf_outbox_entry_release(&e);
	}
	if (json) {
		char *text = cJSON_Print(arr);

		puts(text);
		cJSON_free(text);
	}
out:
	cJSON_Delete(arr);
	pf_outbox_ids_free(ids, nr);
	pf_run_release(&run);
	return ret;
}

/* ---- the hook side ---- */

static const char *severity_key(const struct pf_finding *f)
{
	if (f->severity != PF_SEV_UNKNOWN)
		return pf_severity_name(f->severity);
	return f->severity_label && *f->severity_label ? f->severity_label
						       : "UNKNOWN";
}

static int holds_secret(const char *s)
{
	struct pf_buf m = PF_BUF_INIT;
	int ret;

	pf_secret_mask_text(&m, s, strlen(s));
	ret = strcmp(m.buf, s) != 0;
	pf_buf_release(&m);
	return ret;
}

static void copy_finding(struct pf_outbox_finding *o,
			 const struct pf_finding *f)
{
	const char *fp = f->fingerprint[0] ? f->fingerprint : NULL;
	char tmp[65];

	if (!fp) {
		/* never happens after pf_finding_locate; stay unique */
		struct pf_buf k = PF_BUF_INIT;

		pf_buf_addf(&k, "%s\n%s\n%u", f->rule_id ? f->rule_id : "",
			    f->path ? f->path : "", f->start.line);
		pf_sha256_hex(tmp, k.buf, k.len);
		pf_buf_release(&k);
		fp = tmp;
	}
	o->fingerprint = pf_xstrdup(fp);
	o->rule_id = pf_xstrdup(f->rule_id ? f->rule_id : "unknown");
	o->path = pf_xstrdup(f->path ? f->path : "");
	o->start_line = f->start.line ? f->start.line : 1;
	o->end_line =
		f->end.line >= o->start_line ? f->end.line : o->start_line;
	o->severity = pf_xstrdup(severity_key(f));
	o->message = pf_xstrdup(f->message ? f->message : "");
	o->cwe = pf_xstrdup_or_null(f->cwe);
	o->verdict = f->triage.verdict == PF_VERDICT_NONE
			     ? NULL
			     : pf_xstrdup(pf_verdict_name(f->triage.verdict));
	o->confidence = f->triage.confidence < 0   ? 0
			: f->triage.confidence > 1 ? 1
						   : f->triage.confidence;
	o->reason = pf_xstrdup_or_null(f->triage.reason);
	o->component = pf_xstrdup_or_null(f->triage.component);
	o->triage_error = pf_xstrdup_or_null(f->triage.error);
	o->feedback = f->triage.feedback > 0   ? 1
		      : f->triage.feedback < 0 ? -1
					       : 0;
	/* A suggestion that holds a credential is not posted: masked it
	 * would be a wrong fix, whole it would repeat the key (issue 11). */
	if (f->fix.origin != PF_FIX_NONE && f->fix.state != PF_FIX_REFUSED &&
	    f->fix.replacement && f->fix.start_line &&
	    f->fix.end_line >= f->fix.start_line &&
	    !holds_secret(f->fix.replacement)) {
		o->has_fix = 1;
		o->fix.start_line = f->fix.start_line;
		o->fix.end_line = f->fix.end_line;
		o->fix.replacement = pf_xstrdup(f->fix.replacement);
		o->fix.origin = pf_xstrdup(
			f->fix.origin == PF_FIX_RULE ? "rule" : "llm");
		o->fix.state = pf_xstrdup(
			f->fix.state == PF_FIX_VERIFIED	    ? "verified"
			: f->fix.state == PF_FIX_UNVERIFIED ? "unverified"
							    : "unchecked");
	}
}

/*
 * Was this finding pushed by update u?  With one update, yes; with
 * several, when u's tip holds the very blob the changeset scanned.
 */
static int finding_in_update(struct pf_run *run, const struct pf_push_update *u,
			     const struct pf_finding *f)
{
	git_oid tip;
	git_commit *commit = NULL;
	git_tree *tree = NULL;
	git_tree_entry *te = NULL;
	int yes = 0;

	if (run->push.nr <= 1)
		return 1;
	if (!f->path ||
	    git_oid_fromstr(&tip, u->tip_oid[0] ? u->tip_oid : u->local_oid) ||
	    git_commit_lookup(&commit, run->repo, &tip) ||
	    git_commit_tree(&tree, commit) ||
	    git_tree_entry_bypath(&te, tree, f->path))
		goto out;
	for (size_t i = 0; i < run->cs.nr && !yes; i++) {
		git_oid b;

		if (!strcmp(run->cs.files[i].path, f->path) &&
		    !git_oid_fromstr(&b, run->cs.files[i].blob_oid) &&
		    git_oid_equal(&b, git_tree_entry_id(te)))
			yes = 1;
	}
out:
	git_tree_entry_free(te);
	git_tree_free(tree);
	git_commit_free(commit);
	return yes;
}

int pf_mirror_enqueue(struct pf_run *run)
{
	struct pf_buf url = PF_BUF_INIT;
	int ret = 0;

	if (!run->cfg.mirror.enabled || !run->findings.nr)
		return 0;
	if (run->remote_url)
		pf_forge_redact_url(&url, run->remote_url);
	for (size_t i = 0; i < run->push.nr && !ret; i++) {
		const struct pf_push_update *u = &run->push.v[i];
		struct pf_outbox_entry e;

		if (u->kind == PF_PUSH_DELETE || u->is_tag || !u->remote_ref ||
		    !pf_starts_with(u->remote_ref, "refs/heads/"))
			continue;
		pf_outbox_entry_init(&e);
		e.remote_name = pf_xstrdup_or_null(run->remote_name);
		e.remote_url = pf_xstrdup(url.buf);
		e.branch = pf_xstrdup(u->remote_ref + 11);
		memcpy(e.sha, u->tip_oid[0] ? u->tip_oid : u->local_oid, 40);
		e.sha[40] = '\0';
		for (size_t j = 0; j < run->findings.nr; j++) {
			const struct pf_finding *f = &run->findings.v[j];

			if (f->ignored || !finding_in_update(run, u, f))
				continue;
			copy_finding(pf_outbox_entry_add(&e), f);
		}
		if (e.nr)
			ret = pf_outbox_add(run->state_dir, &e);
		pf_outbox_entry_release(&e);
	}
	pf_buf_release(&url);
	if (ret)
		pf_error_prefix(ret, "cannot queue the findings for the PR");
	return ret;
}

static void rotate_log(const char *log)
{
	struct stat st;

	if (!stat(log, &st) && st.st_size > (off_t)LOG_ROTATE) {
		struct pf_buf old = PF_BUF_INIT;

		pf_buf_addf(&old, "%s.1", log);
		rename(log, old.buf);
		pf_buf_release(&old);
	}
}

int pf_mirror_spawn_worker(struct pf_run *run)
{
	struct pf_buf log = PF_BUF_INIT;
	char exe[PATH_MAX];
	char **ids = NULL;
	size_t nr = 0;
	ssize_t n;
	pid_t pid;
	int ret;

	if (!run->cfg.mirror.enabled)
		return 0;
	ret = pf_outbox_list(&ids, &nr, run->state_dir);
	pf_outbox_ids_free(ids, nr);
	if (ret || !nr)
		return ret;
	n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	if (n <= 0)
		return pf_error_set("cannot find the pushfix binary "
				    "(/proc/self/exe): %s",
				    strerror(errno));
	exe[n] = '\0';
	/* replaced by a rebuild or an upgrade since we started: the new
	 * binary is at the same path */
	if (pf_ends_with(exe, " (deleted)"))
		exe[n - 10] = '\0';
	ret = pf_store_path(&log, run->state_dir, "mirror.log");
	if (ret)
		goto out;
	rotate_log(log.buf);
	fflush(NULL);
	pid = fork();
	if (pid < 0) {
		ret = pf_error_set("cannot start the mirror worker: %s",
				   strerror(errno));
		goto out;
	}
	if (pid == 0) {
		/* first child: a new session, then the worker is its
		 * child, so it can never get a terminal back */
		int fd;

		if (setsid() < 0)
			_exit(1);
		signal(SIGHUP, SIG_IGN);
		pid = fork();
		if (pid != 0)
			_exit(pid < 0 ? 1 : 0);
		fd = open("/dev/null", O_RDONLY);
		if (fd < 0 || dup2(fd, 0) < 0)
			_exit(1);
		fd = open(log.buf, O_WRONLY | O_CREAT | O_APPEND, 0600);
		if (fd < 0 || dup2(fd, 1) < 0 || dup2(fd, 2) < 0)
			_exit(1);
		/* nothing of git's (its pipe to us) may stay open */
		for (int i = 3; i < 1024; i++)
			close(i);
		if (chdir(run->worktree ? run->worktree : run->gitdir))
			_exit(1);
		umask(077);
		signal(SIGHUP, SIG_DFL);
		execl(exe, "pushfix", "mirror", "--worker", (char *)NULL);
		fprintf(stderr, "pushfix: cannot run %s: %s\n", exe,
			strerror(errno));
		_exit(127);
	}
	while (waitpid(pid, NULL, 0) < 0 && errno == EINTR)
		;
out:
	pf_buf_release(&log);
	return ret;
}
