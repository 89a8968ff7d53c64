/*
 * The push policy: after the session, does the push go on?  [policy]
 * block names the open findings that stop it, after_fix whether fixes
 * written to the working tree stop it too.
 */
#include <fnmatch.h>
#include <stdint.h>
#include <string.h>

#include "pushfix/buf.h"
#include "pushfix/config.h"
#include "pushfix/finding.h"
#include "pushfix/policy.h"
#include "pushfix/ui.h"
#include "pushfix/util.h"

/* What [policy] block alone names among the open findings. */
static unsigned policy_blocking(const struct pf_ui_result *r,
				const struct pf_config *cfg, const char **what)
{
	switch (cfg->policy.block) {
	case PF_BLOCK_TRUE_POSITIVE:
		*what = "triaged true positive";
		return r->open_true_positive;
	case PF_BLOCK_ERROR:
		*what = "of severity ERROR or higher";
		return r->open_error;
	case PF_BLOCK_NEVER:
		break;
	}
	*what = "";
	return 0;
}

unsigned pf_policy_blocking(const struct pf_ui_result *r,
			    const struct pf_config *cfg, const char **what)
{
	unsigned nb = policy_blocking(r, cfg, what);

	if (r->open_block)
		*what = nb ? "that block" : "of rules in block mode";
	return nb + r->open_block;
}

/* "[policy] block = error", "[rules] block", or both: what stops it. */
void pf_policy_block_source(struct pf_buf *b, const struct pf_ui_result *r,
			    const struct pf_config *cfg)
{
	const char *what;
	unsigned nb = policy_blocking(r, cfg, &what);

	if (r->open_block)
		pf_buf_addstr(b, nb ? "[rules] block, " : "[rules] block");
	if (nb || !r->open_block)
		pf_buf_addf(b, "[policy] block = %s",
			    pf_policy_block_name(cfg->policy.block));
}

/*
 * How specifically the list names `id`: SIZE_MAX for the id itself, the
 * length of the longest glob that matches, 0 for none.
 */
static size_t list_match(const char *list, const char *id)
{
	struct pf_buf glob = PF_BUF_INIT;
	size_t best = 0;

	for (const char *p = list; p && *p;) {
		size_t n = strcspn(p, ",");

		pf_buf_reset(&glob);
		pf_buf_add(&glob, p, n);
		if (!strcmp(glob.buf, id))
			best = SIZE_MAX;
		else if (n > best && strpbrk(glob.buf, "*?[") &&
			 !fnmatch(glob.buf, id, 0))
			best = n;
		p += n;
		if (*p)
			p++;
	}
	pf_buf_release(&glob);
	return best;
}

enum pf_mode pf_policy_mode(const struct pf_config *cfg,
			    const struct pf_finding *f, const char **conflict,
			    int *refused)
{
	/* Weakest first: on a tie the later (stricter) list wins. */
	const struct {
		const char *list;
		enum pf_mode mode;
	} lists[] = {
		{ cfg->rules.monitor, PF_MODE_MONITOR },
		{ cfg->rules.comment, PF_MODE_COMMENT },
		{ cfg->rules.block, PF_MODE_BLOCK },
	};
	enum pf_mode mode = PF_MODE_DEFAULT;
	size_t best = 0;

	if (conflict)
		*conflict = NULL;
	if (refused)
		*refused = 0;
	if (!f->rule_id)
		return PF_MODE_DEFAULT;
	for (size_t i = 0; i < PF_ARRAY_SIZE(lists); i++) {
		size_t m = list_match(lists[i].list, f->rule_id);

		if (!m || m < best)
			continue;
		if (m == best && conflict)
			*conflict = pf_mode_name(mode);
		else if (conflict)
			*conflict = NULL;
		best = m;
		mode = lists[i].mode;
	}
	/* A repository must not be able to unblock credentials for its
	 * developers; their own config may (monitor is trusted-only). */
	if (f->secret && mode == PF_MODE_COMMENT &&
	    !cfg->rules.comment_trusted) {
		if (refused)
			*refused = 1;
		return PF_MODE_DEFAULT;
	}
	return mode;
}

/* Would [policy] stop the push for `f`, left open? */
static int policy_blocks(const struct pf_config *cfg,
			 const struct pf_finding *f)
{
	if (f->secret && f->severity >= PF_SEV_ERROR &&
	    cfg->policy.block_secrets)
		return 1;
	switch (cfg->policy.block) {
	case PF_BLOCK_TRUE_POSITIVE:
		return f->triage.verdict == PF_VERDICT_TRUE_POSITIVE;
	case PF_BLOCK_ERROR:
		return f->severity >= PF_SEV_ERROR;
	case PF_BLOCK_NEVER:
		break;
	}
	return 0;
}

enum pf_mode pf_policy_effective(const struct pf_config *cfg,
				 const struct pf_finding *f)
{
	if (f->mode != PF_MODE_DEFAULT)
		return f->mode;
	return policy_blocks(cfg, f) ? PF_MODE_BLOCK : PF_MODE_COMMENT;
}

void pf_policy_count_open(struct pf_ui_result *r, const struct pf_finding *f)
{
	r->open++;
	if (f->mode == PF_MODE_BLOCK) {
		r->open_block++;
		/* Still a credential: block_secrets' stop, which "push
		 * anyway" does not lift (a repository may name
		 * pushfix.secret.* or `*` in block). */
		if (f->secret && f->severity >= PF_SEV_ERROR)
			r->open_secret++;
		return;
	}
	/* comment (and monitor, never shown) never stops the push. */
	if (f->mode != PF_MODE_DEFAULT)
		return;
	if (f->triage.verdict == PF_VERDICT_TRUE_POSITIVE)
		r->open_true_positive++;
	if (f->severity >= PF_SEV_ERROR)
		r->open_error++;
	if (f->secret && f->severity >= PF_SEV_ERROR)
		r->open_secret++;
}

const char *pf_policy_block_name(enum pf_block b)
{
	return b == PF_BLOCK_ERROR	     ? "error"
	       : b == PF_BLOCK_TRUE_POSITIVE ? "true-positive"
					     : "never";
}

static void add_changes(struct pf_buf *b, const struct pf_ui_result *r)
{
	if (r->applied)
		pf_buf_addf(b, "%u fix%s", r->applied,
			    r->applied == 1 ? "" : "es");
	if (r->applied && r->comments)
		pf_buf_addstr(b, " and ");
	if (r->comments)
		pf_buf_addf(b, "%u nosemgrep comment%s", r->comments,
			    r->comments == 1 ? "" : "s");
	pf_buf_addstr(b, " applied to your working tree");
}

/* Why the push stops for credentials, and every way to go on. */
static void add_secret_block(struct pf_buf *b, unsigned n)
{
	pf_buf_addf(b,
		    "error: push stopped: %u credential%s on the pushed "
		    "lines ([policy] block_secrets = true)\n",
		    n, n == 1 ? "" : "s");
	pf_buf_addstr(b, "hint: a pushed credential cannot be taken back: "
			 "remove it from the commits\n"
			 "hint: (git commit --amend, git rebase -i) and "
			 "revoke it\n");
	pf_buf_addstr(b, "hint: a test value? answer i at the prompt, put "
			 "`pushfix:allow-secret`\n"
			 "hint: in a comment on its line, or list its hash "
			 "in .pushfix.ini:\n"
			 "hint: [secrets] allow = sha256:...\n");
	pf_buf_addstr(b, "hint: or skip this check once with `git push "
			 "--no-verify` (or PUSHFIX_SKIP=1)\n");
}

enum pf_policy pf_policy_decide(struct pf_buf *why,
				const struct pf_ui_result *r,
				const struct pf_config *cfg)
{
	struct pf_buf tmp = PF_BUF_INIT;
	const char *what;
	unsigned nb = pf_policy_blocking(r, cfg, &what);
	enum pf_policy ret;

	if (!why)
		why = &tmp;
	if (r->stopped) {
		/* The developer's own answer: no hint needed, only what is
		 * left in the working tree. */
		pf_buf_addstr(why, "pushfix: push stopped (you answered x)");
		if (r->applied || r->comments) {
			pf_buf_addstr(why, "; ");
			add_changes(why, r);
		}
		pf_buf_addch(why, '\n');
		ret = PF_POLICY_STOPPED;
	} else if (r->open_secret && cfg->policy.block_secrets) {
		add_secret_block(why, r->open_secret);
		ret = PF_POLICY_SECRET;
	} else if ((r->applied || r->comments) && cfg->policy.after_fix_stop) {
		pf_buf_addstr(why, "pushfix: ");
		add_changes(why, r);
		pf_buf_addstr(why, " \xe2\x80\x94 review, commit and push "
				   "again\n");
		if (r->open)
			pf_buf_addf(why, "pushfix: %u finding%s still open\n",
				    r->open, r->open == 1 ? "" : "s");
		pf_buf_addstr(why, "hint: [policy] after_fix = continue "
				   "pushes without waiting for the fixes\n");
		ret = PF_POLICY_STOP_FIXED;
	} else if (nb && !r->push_anyway) {
		pf_buf_addf(why, "error: push stopped: %u open finding%s %s (",
			    nb, nb == 1 ? "" : "s", what);
		pf_policy_block_source(why, r, cfg);
		pf_buf_addstr(why, ")\n");
		pf_buf_addstr(why, "hint: fix or ignore them (key i), or skip "
				   "this check once with `git push "
				   "--no-verify`\n");
		ret = PF_POLICY_BLOCK;
	} else {
		if (r->applied || r->comments) {
			pf_buf_addstr(why, "pushfix: ");
			add_changes(why, r);
			pf_buf_addstr(why, "; this push goes on without them "
					   "\xe2\x80\x94 commit and push "
					   "again\n");
		}
		if (nb)
			pf_buf_addf(why,
				    "pushfix: pushing anyway with %u "
				    "open finding%s %s\n",
				    nb, nb == 1 ? "" : "s", what);
		/* q is not a way to stop the push: say where it went. */
		if (r->quit && r->unanswered)
			pf_buf_addf(why,
				    "pushfix: quit: the push goes on with "
				    "%u finding%s unanswered\n",
				    r->unanswered,
				    r->unanswered == 1 ? "" : "s");
		ret = PF_POLICY_PUSH;
	}
	pf_buf_release(&tmp);
	return ret;
}
