#ifndef PUSHFIX_DECISION_H
#define PUSHFIX_DECISION_H

#include <stddef.h>
#include <time.h>
#include <git2.h>

#include "pushfix/buf.h"
#include "pushfix/finding.h"

/*
 * The decision store: findings the developer ignored (`i` at the prompt),
 * remembered by the finding's fingerprint (rule id + its normalised code,
 * so that it survives the code moving), in <state_dir>/decisions.
 *
 * The file is text, one decision a line, five tab-separated fields in
 * which '\\', TAB, LF and CR are escaped as \\ \t \n \r:
 *
 *   # pushfix decisions v1
 *   <fingerprint>	<date>	<rule id>	<path>	<excerpt>
 *
 * Rewritten whole and atomically on every change.  The functions here do
 * not lock: a caller that may run beside another pushfix holds
 * pf_store_lock() around load + save (the commands below do).
 */

struct pf_decision {
	char fingerprint[65]; /* lower-case hex sha256, see finding.h */
	char *date;	      /* when it was ignored, "2024-06-01T12:00:00Z" */
	char *rule_id;
	char *path;    /* where it was when ignored */
	char *excerpt; /* its first line of code, shortened */
};

struct pf_decisions {
	struct pf_decision *v;
	size_t nr, alloc;
};

#define PF_DECISIONS_INIT                                                      \
	{                                                                      \
		NULL, 0, 0                                                     \
	}

void pf_decisions_release(struct pf_decisions *ds);

/* Read <state_dir>/decisions; a missing file is an empty store.
 * PF_EINVALID with "cannot parse '<file>' line N: ..." on a bad line. */
int pf_decisions_load(struct pf_decisions *out, const char *state_dir);

/* Write the whole store atomically (mode 0600), creating state_dir. */
int pf_decisions_save(const struct pf_decisions *ds, const char *state_dir);

/* Is this fingerprint ignored?  1 or 0. */
int pf_decision_is_ignored(const struct pf_decisions *ds,
			   const char *fingerprint);

/*
 * For the pipeline's filter: load the store and set `ignored` on every
 * finding whose fingerprint it holds; *nr_out (may be NULL) gets how many.
 * The findings stay in the list: pf_ui_session() does not show them.
 */
int pf_decision_mark_ignored(size_t *nr_out, struct pf_findings *fs,
			     const char *state_dir);

/*
 * Remember `f` as ignored (load, add, save), dated `now`.  Already there:
 * 0, nothing written.  PF_EINVALID when the finding has no fingerprint.
 */
int pf_decision_ignore(const char *state_dir, const struct pf_finding *f,
		       time_t now);

/* Forget decision number `n` (1-based, as pf_decisions_format numbers
 * them); `removed` (may be NULL) receives it, owned by the caller then
 * (release with pf_decision_release).  PF_ENOTFOUND for a bad number. */
int pf_decision_unignore(struct pf_decision *removed, const char *state_dir,
			 size_t n);
void pf_decision_release(struct pf_decision *d);

/* `pushfix ignored`: the numbered list, 80 columns. */
void pf_decisions_format(struct pf_buf *out, const struct pf_decisions *ds);

/* The excerpt stored for a finding's lines: the first non-blank line,
 * indentation and control characters removed, at most 60 bytes. */
void pf_decision_excerpt(struct pf_buf *out, const char *lines);

/*
 * `[ui] ignore_writes_nosemgrep`: the comment that tells Semgrep to skip
 * `rule_id`, in the comment syntax of `path` (by its extension or name),
 * without indentation or line end: "# nosemgrep: RULE",
 * "// nosemgrep: RULE", "<!-- nosemgrep: RULE -->"...  PF_ENOTFOUND when
 * the syntax of that kind of file is unknown.
 */
int pf_decision_nosemgrep_comment(struct pf_buf *out, const char *path,
				  const char *rule_id);

/*
 * Shared ignores, the team's memory: .pushfix/ignore in the repository,
 * committed and pushed like .semgrepignore.  One entry a line, four
 * tab-separated fields escaped as in the decision store:
 *
 *   <fingerprint>	<rule id>	<path>	<reason>
 *
 * Lines are kept sorted and unique, with no header, and
 * .pushfix/.gitattributes says `ignore merge=union`: two branches that
 * each add an entry merge without a conflict.  Blank lines and lines
 * starting with '#' are comments.  A malformed line is reported with its
 * line number and skipped, never fatal.  The local store above stays for
 * personal ignores.
 */
#define PF_SHARED_IGNORE_FILE ".pushfix/ignore"

struct pf_shared_ignore {
	char fingerprint[65];
	char *rule_id;
	char *path; /* where it was when shared */
	char *reason;
};

struct pf_shared_ignores {
	struct pf_shared_ignore *v;
	size_t nr, alloc;
};

#define PF_SHARED_IGNORES_INIT                                                 \
	{                                                                      \
		NULL, 0, 0                                                     \
	}

void pf_shared_ignores_release(struct pf_shared_ignores *si);

/*
 * Parse the text of a .pushfix/ignore.  Never fails: each malformed line
 * adds "warning: .pushfix/ignore line N: <why>; line skipped\n" to `warn`
 * (may be NULL).
 */
void pf_decision_shared_parse(struct pf_shared_ignores *out, const char *data,
			      size_t len, struct pf_buf *warn);

/*
 * The .pushfix/ignore that applies: the one in commit `tip` (hex; the
 * pushed commit, as for .semgrepignore) when given, else the working
 * tree's (`worktree` may be NULL: none).  Absent (or a symlink): empty,
 * 0.  Errors only for a working-tree file that cannot be read.
 */
int pf_decision_shared_read(struct pf_buf *out, git_repository *repo,
			    const char *tip, const char *worktree);

/*
 * For the pipeline's filter, after pf_decision_mark_ignored(): set
 * `ignored` on every finding whose fingerprint the applicable
 * .pushfix/ignore holds (see pf_decision_shared_read); *nr_out (may be
 * NULL) gets how many, warnings about bad lines go to `warn`.
 */
int pf_decision_mark_shared(size_t *nr_out, struct pf_findings *fs,
			    git_repository *repo, const char *tip,
			    const char *worktree, struct pf_buf *warn);

/*
 * Share an ignore with the team: add the entry to <worktree>/.pushfix/ignore
 * (created, with its .gitattributes, when missing), keeping every other
 * line as it was, sorted and unique.  1 when added, 0 when that
 * fingerprint was already there (nothing written), or PF_EINVALID for a
 * bad fingerprint.  The caller commits the file.  Meant also for the key
 * `I` at the prompt (pass the finding's fingerprint, rule id and path).
 */
int pf_decision_share(const char *worktree, const char *fingerprint,
		      const char *rule_id, const char *path,
		      const char *reason);

/*
 * Take a shared ignore back (a `disagree` on the PR): the entry for
 * `fingerprint` leaves <worktree>/.pushfix/ignore, every other line kept
 * as it is.  1 when removed, 0 when it was not there (or there is no
 * such file), negative when it cannot be read or written, or is a
 * symbolic link (message set).
 */
int pf_decision_unshare(const char *worktree, const char *fingerprint);

/* `pushfix ignored`: the shared entries, numbered, 80 columns. */
void pf_decision_shared_format(struct pf_buf *out,
			       const struct pf_shared_ignores *si);

#endif
