#ifndef PUSHFIX_SCAN_H
#define PUSHFIX_SCAN_H

#include <stddef.h>

#include "pushfix/buf.h"
#include "pushfix/config.h"
#include "pushfix/diff.h"
#include "pushfix/finding.h"

/*
 * The scan stage: write the files as pushed into a private temp dir (mode
 * 0700) under their repository paths, run the scanner there, parse its
 * output with the matching adapter, map paths back, remove the temp dir.
 */

struct pf_scan_target {
	const char *path; /* repository-relative */
	const char *data;
	size_t len;
};

/* One scanner's part of a scan: several may run in one push. */
struct pf_scan_engine_run {
	char name[64];	 /* "semgrep", or the SARIF program ("flawfinder") */
	size_t files;	 /* targets it was given: the files it reads */
	size_t findings; /* it reported, before the filter */
	size_t failed;	 /* targets it failed on, alone (named in diag) */
	double ms;	 /* its wall time */
	size_t cached;	 /* of `files`, answered by the scan cache */
};

struct pf_scan_result {
	char engine[64];    /* the scanners' names joined by '+' */
	struct pf_buf diag; /* scanner errors and notes, one per line */
	unsigned nerrors;   /* scanner errors of level error */
	double ms;	    /* wall time of the scanners together */
	/* What was covered, for the report's coverage line. */
	struct pf_scan_engine_run *runs;
	size_t runs_nr, runs_alloc;
	char **unread; /* targets no scanner reads (repository paths) */
	size_t unread_nr, unread_alloc;
	/* The per-blob scan cache (pf_scan_result_use_cache), NULL: none. */
	char *cache_dir;
	size_t cache_cap; /* bytes; pruned (oldest first) above it */
};

void pf_scan_result_init(struct pf_scan_result *r);
void pf_scan_result_release(struct pf_scan_result *r);
/*
 * Answer from and fill the per-blob scan cache under
 * <state_dir>/scan-cache: a file whose content, path, scanner, rules and
 * scan options were scanned before is not scanned again, and gives the
 * findings it gave then.  `disabled` (--no-cache), state_dir NULL, or
 * PUSHFIX_NO_CACHE / PUSHFIX_NO_SCAN_CACHE set (not "0") in the
 * environment: no cache.
 */
void pf_scan_result_use_cache(struct pf_scan_result *r, const char *state_dir,
			      int disabled);
/* A new run record named `name`, zeroed otherwise. */
struct pf_scan_engine_run *pf_scan_result_add_run(struct pf_scan_result *r,
						  const char *name);
/* Record `path` as read by no scanner (copied). */
void pf_scan_result_add_unread(struct pf_scan_result *r, const char *path);

/*
 * Scan arbitrary content (also used to verify a fix).  `ignore_file` is
 * the pushed .semgrepignore (may be NULL).  Fails with one clear message
 * when the scanner is missing ("semgrep is not installed: ..."), crashes,
 * times out or prints something that is not its format; `out` untouched
 * then.  Findings get repository paths and are located in the content.
 */
int pf_scan_targets(struct pf_findings *out, struct pf_scan_result *res,
		    const struct pf_config *cfg,
		    const struct pf_scan_target *targets, size_t nr,
		    const char *ignore_data, size_t ignore_len);

/*
 * The pushed commit whose whole tree [scan] tree = full lays out around
 * the targets (for a SARIF scanner that reads unchanged headers).
 * `worktree` (may be NULL) is where unchanged files may be copied from.
 */
struct pf_scan_tree {
	git_repository *repo;
	const char *commit; /* hex id */
	const char *worktree;
};

/* Scan every file of a loaded changeset (pf_changeset_load); `tree` may
 * be NULL (then tree = full scans the changed files alone). */
/* pf_scan_targets() with the pushed tree laid out around the targets for a
 * scanner of [scan] tree = full (the re-scan that verifies a fix); tree
 * NULL: as pf_scan_targets(). */
int pf_scan_targets_tree(struct pf_findings *out, struct pf_scan_result *res,
			 const struct pf_config *cfg,
			 const struct pf_scan_target *targets, size_t nr,
			 const char *ignore_data, size_t ignore_len,
			 const struct pf_scan_tree *tree);

int pf_scan_changeset(struct pf_findings *out, struct pf_scan_result *res,
		      const struct pf_config *cfg,
		      const struct pf_changeset *cs, const char *ignore_data,
		      size_t ignore_len, const struct pf_scan_tree *tree);

/*
 * The scanners a scan runs and the files each reads, one line each
 * ("flawfinder: *.c *.h ... (SARIF: flawfinder --sarif {files})"), for
 * `doctor`.  PF_ENOTFOUND with the message of a scan when one is missing.
 */
int pf_scan_describe(const struct pf_config *cfg, struct pf_buf *out);

/* The scanners' names for messages, "semgrep and flawfinder", appended;
 * "the scanner" when none is usable (the scan says why). */
void pf_scan_names(const struct pf_config *cfg, struct pf_buf *out);

/* Which engine `auto` picks, for messages and `doctor`: "semgrep", "sarif",
 * "semgrep+sarif" or NULL with a message when one is not usable. */
const char *pf_scan_engine_name(const struct pf_config *cfg);

/*
 * The semgrep executable the scan runs, into `out`: [scan] semgrep_bin
 * looked up in PATH (or taken as a path); for the default name also
 * $PIPX_BIN_DIR and ~/.local/bin, where pipx and `pip install --user` put
 * it and which GUI git clients often lack in PATH.  PF_ENOTFOUND with
 * "semgrep is not installed (...)" otherwise.
 */
int pf_scan_semgrep_path(const struct pf_config *cfg, struct pf_buf *out);

#endif
