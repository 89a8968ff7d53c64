#ifndef PUSHFIX_PIPELINE_H
#define PUSHFIX_PIPELINE_H

#include <stdio.h>
#include <git2.h>

#include "pushfix/buf.h"
#include "pushfix/config.h"
#include "pushfix/diff.h"
#include "pushfix/finding.h"
#include "pushfix/push.h"
#include "pushfix/scan.h"

/*
 * One run of the pipeline (a push, or `pushfix scan`): everything the
 * stages hand to each other.  The command that creates it owns it.
 *
 *   pf_run_open        repository, config
 *   pf_run_changes_*   push/diff -> changeset (+ loaded content)
 *   pf_run_scan        scan + filter -> findings (located, fingerprinted)
 *   later stages       snippet/redact/llm/fix (triage), ui/apply, mirror
 */
struct pf_run {
	struct pf_config cfg;
	git_repository *repo;
	char *worktree;	 /* NULL in a bare repository */
	char *gitdir;	 /* git's common dir (shared by worktrees) */
	char *state_dir; /* <gitdir>/pushfix: cache, log, decisions, outbox */
	char *remote_name, *remote_url; /* hook only */
	struct pf_push push;
	struct pf_changeset cs;
	struct pf_findings findings;
	struct pf_findings monitored; /* [rules] monitor: kept out of
					 findings, recorded (findlog) */
	struct pf_scan_result scan;
	size_t dropped; /* findings the filter removed */
	size_t ignored; /* findings the decision store removed */
	size_t merged;	/* identical reports merged into others */
	int verbose;
	int no_cache;
	FILE *msg; /* where progress and notes go (stderr) */
	/* The commit whose .semgrepignore applies (first tip scanned). */
	char ignore_tip[GIT_OID_HEXSZ + 1];
	struct pf_buf ignore;
	int ignore_state; /* 0 not read, 1 present, -1 absent */
};

/* Open the repository containing `path` (NULL: cwd) and load the config.
 * Config warnings are printed to run->msg. */
int pf_run_open(struct pf_run *run, const char *path);
/*
 * The repository alone, as every command finds it: run->repo, worktree,
 * gitdir and state_dir set, the config left at its defaults (not read).
 * PF_ENOTFOUND "not a git repository: ..." outside one.  Either way the
 * run is then released with pf_run_release().
 */
int pf_run_open_repo(struct pf_run *run, const char *path);
void pf_run_release(struct pf_run *run);

/* Changesets.  Each normalises and loads the content. */
int pf_run_changes_push(struct pf_run *run, const char *stdin_data, size_t len);
int pf_run_changes_range(struct pf_run *run, const char *range);
int pf_run_changes_staged(struct pf_run *run);
int pf_run_changes_all(struct pf_run *run, const char *rev);

/* Scan the changeset, filter, locate, drop ignored findings, sort. */
int pf_run_scan(struct pf_run *run);

/* The pushed .semgrepignore of the tip being scanned, if any (owned by
 * the run; NULL when absent). */
const char *pf_run_ignore_file(struct pf_run *run, size_t *len);

#endif
