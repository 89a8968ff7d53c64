#ifndef PUSHFIX_EVAL_H
#define PUSHFIX_EVAL_H

#include <stddef.h>
#include <stdint.h>

#include <time.h>
#include <git2.h>

#include "pushfix/buf.h"
#include "pushfix/finding.h"

struct pf_run;

/*
 * `pushfix eval`: how good are the scanner, the triage and the fixes on a
 * labelled dataset, with the user's own configuration and model.
 *
 * Datasets:
 *  - a directory of programs in the CASTLE format: a header comment with
 *    `vulnerable: true|false` and `cwe: N`, the vulnerable line(s) marked
 *    `{!LINE}`.  A finding touching a marked line is a true positive,
 *    any other (or one in a safe program) a false positive.  The labels
 *    are blanked out (lines kept) before the scanner or the LLM see the
 *    program: a model must not read the answer.
 *  - a JSONL file, one labelled finding a line:
 *    {"path", "line", "rule_id"?, "label": "true_positive"|
 *     "false_positive", "cwe"?}, paths relative to `root`.  A finding
 *    that matches no line of it is unlabelled and counted apart.
 * Files without labels, or malformed, are listed in `skipped` and left
 * out.
 */

/* One labelled line: a marked line, or a JSONL record. */
struct pf_eval_mark {
	uint32_t line;
	char *rule_id; /* NULL: any rule */
	int tp;	       /* 1 true positive, 0 false positive */
	unsigned cwe;  /* 0: none given */
	int hit;       /* a finding of the scanner touched it */
};

struct pf_eval_program {
	char *path;    /* relative to the dataset (or root) */
	char *name;    /* the path the scanner and the LLM see: CASTLE
			  programs are "p000001.c"..., as their file names
			  tell the CWE ("cwe120-copy-1.c"); JSONL: path */
	char *content; /* as scanned and sent: labels blanked */
	size_t len;
	int castle;	/* findings on no mark are false positives */
	int vulnerable; /* CASTLE's header */
	unsigned cwe;	/* CASTLE's header */
	struct pf_eval_mark *marks;
	size_t marks_nr, marks_alloc;
};

/* The figures for one group (all, or one CWE). */
struct pf_eval_counts {
	size_t findings; /* labelled findings */
	size_t label_tp, label_fp;
	/* [label tp=0/fp=1][verdict: tp, fp, uncertain, not triaged] */
	size_t m[2][4];
};

struct pf_eval {
	struct pf_eval_program *progs;
	size_t progs_nr, progs_alloc;
	struct pf_buf skipped; /* "path: why\n" per file left out */
	size_t skipped_nr;
	char digest[65]; /* sha256 over every file read, in path order */
	int jsonl;

	/* Filled by pf_eval_run(). */
	char engine[64];
	char provider[32], model[128];
	size_t findings, unlabelled;
	size_t marks_tp, marks_hit; /* true-positive lines, found by scan */
	struct pf_eval_counts all;
	struct pf_eval_counts *cwe; /* per CWE, cwe_ids[i] */
	unsigned *cwe_ids;
	size_t cwe_nr;
	size_t cached;
	/* Fixes of the LLM. */
	size_t fix_offered, fix_verified, fix_refused;
	size_t fix_compiled, fix_compile_base; /* of base that compiled */
	int have_cc;
	size_t fix_tp, fix_tp_gone; /* on true positives: marked line gone */
	/* Requests as the sent log recorded them. */
	size_t requests, req_failed;
	double tokens_in, tokens_out;
	double lat_median, lat_p95;
	double price_in, price_out; /* per million tokens; <0: not set */
	char date[32];
	/* --compare-raw: the same findings asked un-anonymised. */
	int raw_done;
	size_t raw_asked, raw_answered, raw_agree;
};

/* Read a dataset: a directory (CASTLE) or a .jsonl file whose paths are
 * relative to `root` (NULL: the file's directory).  `limit` programs at
 * most (0: all), in path order.  PF_ENOTFOUND / PF_EINVALID with a
 * message when the dataset itself cannot be read. */
int pf_eval_load(struct pf_eval *ev, const char *dataset, const char *root,
		 size_t limit);

/*
 * Scan the programs with run->cfg's scanner, label the findings, triage
 * them all (run->cfg's [llm]; no cap on how many), check the LLM's
 * fixes, and fill the figures.  `run` needs cfg, state_dir (cache and
 * sent log) and msg; its changeset and findings are replaced.  A scanner
 * failure is an error; an LLM failure leaves findings "not triaged".
 */
int pf_eval_run(struct pf_eval *ev, struct pf_run *run);

/*
 * --compare-raw, after pf_eval_run(): ask again about every finding that
 * got a verdict, with the program as it is (NOT anonymised: the caller
 * has the user's consent), through the cache and the sent log, and count
 * how often the two verdicts agree.  An LLM failure leaves findings
 * unanswered (counted); a negative PF_E* when nothing could be sent (a
 * missing key, the sent log not writable).
 */
int pf_eval_compare_raw(struct pf_eval *ev, struct pf_run *run);

/* The figures as a text table, or as one JSON object; `version` names
 * pushfix's. */
void pf_eval_table(struct pf_buf *out, const struct pf_eval *ev,
		   const char *version);
void pf_eval_json(struct pf_buf *out, const struct pf_eval *ev,
		  const char *version);

void pf_eval_init(struct pf_eval *ev);
void pf_eval_release(struct pf_eval *ev);

/*
 * `pushfix eval --export DIR`: the developer's own decisions as a JSONL
 * dataset (docs/EVAL.md, "Your own triage").  Labels come from what a
 * person decided, never from the LLM's verdict alone:
 *
 *   applied / accepted a fix (y, a, e)           true positive
 *   ignored (i, I, the decision store,
 *            .pushfix/ignore)                    false positive
 *   agree (+, /pushfix agree) with a verdict     that verdict
 *   disagree (-, /pushfix disagree)              the other one
 *   skipped, or agree/disagree on "uncertain"   no label
 *
 * Per fingerprint the latest decision wins.  Each labelled finding is
 * written as a record of DIR/findings.jsonl and its file, from the blob
 * the findings record names, as DIR/files/<path> (another version of the
 * same path as DIR/files/v-<blob 12 hex>/<path>), so that `pushfix eval
 * DIR/findings.jsonl --root DIR/files` scans exactly what was decided on.
 */
enum pf_eval_decision {
	PF_EVAL_APPLIED,
	PF_EVAL_IGNORED,
	PF_EVAL_AGREE,
	PF_EVAL_DISAGREE,
	PF_EVAL_SKIPPED,
};

/* The label a decision on a finding of LLM verdict `v` gives: 1 true
 * positive, 0 false positive, -1 none. */
int pf_eval_label_of(enum pf_eval_decision d, enum pf_verdict v);

struct pf_eval_export_opts {
	const char *dir;       /* created; must not exist or be empty */
	const char *state_dir; /* the repository's: findings.log, decisions */
	git_repository *repo;  /* its blobs; .pushfix/ignore of HEAD */
	const char *worktree;  /* its .pushfix/ignore instead (may be NULL) */
	time_t since;	       /* decisions older are left out; 0: all */
};

struct pf_eval_export_result {
	size_t records;	  /* finding records read */
	size_t decisions; /* fingerprints with a label */
	size_t exported, tp, fp;
	size_t files;		    /* files written under DIR/files */
	size_t skipped_gone;	    /* blob not in the repository */
	size_t skipped_unknown;	    /* no record of where it was */
	size_t skipped_secret;	    /* credential findings: never copied */
	size_t skipped_secret_file; /* others in a blob holding one */
	size_t conflicts;	    /* fingerprints with both labels */
	size_t bad;		    /* unreadable record lines */
	struct pf_buf notes;	    /* "why\n" per line skipped, for stderr */
};

/*
 * Export as above; nothing is created when there is nothing to export
 * (out->exported 0).  PF_EINVALID when DIR is not empty, PF_ERROR when it
 * cannot be written.  Release `out` with pf_eval_export_release() either
 * way.
 */
int pf_eval_export(struct pf_eval_export_result *out,
		   const struct pf_eval_export_opts *opts);
void pf_eval_export_release(struct pf_eval_export_result *r);

#endif
