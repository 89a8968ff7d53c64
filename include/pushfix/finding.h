#ifndef PUSHFIX_FINDING_H
#define PUSHFIX_FINDING_H

#include <stddef.h>
#include <stdint.h>

/*
 * A finding: what a scanner reported, plus what later stages learn about
 * it (triage, fix, the developer's decision).  Each stage fills its own
 * part; all strings are owned by the finding.
 */

enum pf_severity {
	PF_SEV_UNKNOWN = 0,
	PF_SEV_INFO,	 /* INFO, note, EXPERIMENT, INVENTORY */
	PF_SEV_LOW,	 /* LOW */
	PF_SEV_WARNING,	 /* WARNING, MEDIUM, warning */
	PF_SEV_ERROR,	 /* ERROR, HIGH, error */
	PF_SEV_CRITICAL, /* CRITICAL */
};

struct pf_position {
	uint32_t line;	/* 1-based */
	uint32_t col;	/* 1-based, bytes (see col_unit); 0 in `end`: end of
			   the line (SARIF region without endColumn) */
	int64_t offset; /* 0-based byte offset; -1 when the scanner gave none */
};

/*
 * What a scanner's columns count until pf_finding_locate() has turned them
 * into bytes (then it is PF_COL_BYTES).  Semgrep JSON and Semgrep SARIF
 * count bytes; SARIF in general counts characters (run.columnKind).
 */
enum pf_col_unit {
	PF_COL_BYTES = 0,
	PF_COL_CODEPOINTS, /* SARIF "unicodeCodePoints"; flawfinder */
	PF_COL_UTF16,	   /* SARIF "utf16CodeUnits" (its default) */
};

enum pf_verdict {
	PF_VERDICT_NONE = 0, /* not triaged; triage.error says why */
	PF_VERDICT_TRUE_POSITIVE,
	PF_VERDICT_FALSE_POSITIVE,
	PF_VERDICT_UNCERTAIN,
};

struct pf_triage {
	enum pf_verdict verdict;
	double confidence; /* 0..1 */
	char *reason;
	char *error;	 /* why there is no verdict, or NULL */
	int cached;	 /* answered from the cache */
	int feedback;	 /* +1 agree, -1 disagree, 0 none */
	char *component; /* the LLM's tag of what the code does, or NULL */
};

/* The developer's answer at the prompt, for the findings record (and
 * `pushfix eval --export`, which turns answers into labels). */
enum pf_answer {
	PF_ANSWER_NONE = 0, /* not asked, or left open (q, end of input) */
	PF_ANSWER_APPLIED,  /* y / a / e: the fix was written */
	PF_ANSWER_ACCEPTED, /* accepted, but the file had changed: refused */
	PF_ANSWER_SKIPPED,  /* n / d */
	PF_ANSWER_IGNORED,  /* i / I */
};

enum pf_fix_origin { PF_FIX_NONE = 0, PF_FIX_RULE, PF_FIX_LLM };
enum pf_fix_state {
	PF_FIX_UNCHECKED = 0,
	PF_FIX_VERIFIED,   /* re-scan: finding gone, nothing new */
	PF_FIX_UNVERIFIED, /* re-scan impossible or still finds it */
	PF_FIX_REFUSED,	   /* de-anonymisation or bounds check failed */
};

/* A fix replaces whole lines start_line..end_line of the pushed file. */
struct pf_fix {
	enum pf_fix_origin origin;
	enum pf_fix_state state;
	uint32_t start_line, end_line;
	char *replacement; /* new text of those lines, '\n'-terminated lines
			      (the last without '\n' when the file's last
			      line has none: splicing it is byte-exact) */
	char *note;	   /* why refused/unverified, or NULL */
};

/*
 * What a scanner's line numbers count until pf_finding_locate() has turned
 * them into git's ('\n'-ended lines).  Semgrep counts '\n' only (and its
 * JSON gives byte offsets anyway); flawfinder is Python reading the file
 * in text mode, universal newlines: "\r\n", "\n" and a lone '\r' (an old
 * Mac line end) each end a line, so its "line 4" of "a\rb\rc\nd\n" is
 * git's line 2.
 */
enum pf_line_unit {
	PF_LINES_LF,	    /* '\n' ends a line (git, Semgrep) */
	PF_LINES_UNIVERSAL, /* '\n', "\r\n" or a lone '\r' (Python) */
};

/*
 * A rule's mode ([rules], issue 15), strictest last.  DEFAULT: the rule is
 * named nowhere in [rules]; [policy] block (and block_secrets) decide.
 */
enum pf_mode {
	PF_MODE_DEFAULT = 0,
	PF_MODE_MONITOR, /* recorded and counted, never shown nor posted */
	PF_MODE_COMMENT, /* shown and posted, never stops the push */
	PF_MODE_BLOCK,	 /* stops the push unless fixed or ignored */
};

struct pf_finding {
	char *rule_id;
	char *path; /* repository-relative once mapped by scan */
	char *message;
	enum pf_severity severity;
	char *severity_label;	       /* as the scanner spelled it */
	struct pf_position start, end; /* end exclusive in offset terms;
					  end.line is the last line touched */
	enum pf_col_unit col_unit;     /* of start/end.col, until located */
	enum pf_line_unit line_unit;   /* of start/end.line, until located */
	char *rule_fix;		   /* scanner's replacement for [start.offset,
				      end.offset), or NULL */
	char *scanner_fingerprint; /* may be "requires login"; informative */
	char *cwe;		   /* "CWE-89: ...; CWE-20: ..." or NULL */
	char *owasp;		   /* joined likewise, or NULL */
	char *metadata_json;  /* the rule's metadata, compact JSON, or NULL */
	char *lines;	      /* the matched lines, cut from the pushed blob */
	char fingerprint[65]; /* ours: sha256(rule id, normalised lines) */

	struct pf_triage triage;
	struct pf_fix fix;
	int ignored;	       /* decision store says: do not show */
	enum pf_answer answer; /* set by pf_ui_session() */
	int secret;	       /* pushfix's own credential finding (issue 11):
				  never sent to an LLM, its value shown masked
				  only */
	size_t count;	       /* identical reports this one stands for (0 or
				  1: itself alone); see pf_findings_merge() */
	enum pf_mode mode;     /* set by the pipeline (pf_policy_mode()) */
};

struct pf_findings {
	struct pf_finding *v;
	size_t nr, alloc;
};

#define PF_FINDINGS_INIT                                                       \
	{                                                                      \
		NULL, 0, 0                                                     \
	}

void pf_finding_release(struct pf_finding *f);
void pf_findings_release(struct pf_findings *fs);
/* Append a zeroed finding and return it. */
struct pf_finding *pf_findings_push(struct pf_findings *fs);
/* Remove element i (releasing it), keeping order. */
void pf_findings_remove(struct pf_findings *fs, size_t i);
/* Deep copy. */
void pf_finding_copy(struct pf_finding *dst, const struct pf_finding *src);

enum pf_severity pf_severity_parse(const char *label);
const char *pf_severity_name(enum pf_severity s);   /* "ERROR", "WARNING"... */
const char *pf_verdict_name(enum pf_verdict v);	    /* "true_positive"... */
const char *pf_mode_name(enum pf_mode m);	    /* "block"...; "" default */
const char *pf_fix_state_name(enum pf_fix_state s); /* "verified"... */

/*
 * With the pushed content of the finding's file: fill `start/end.offset`
 * from line/col when the scanner gave none (-1), or line/col from the
 * offsets when the scanner gave only those, clamp both to the content,
 * cut `lines` (never trust the scanner's `lines`: logged-out Semgrep prints
 * "requires login"), and compute `fingerprint`.  PF_EINVALID when the
 * position lies outside the content.
 */
int pf_finding_locate(struct pf_finding *f, const char *content, size_t len);

/*
 * Where each line of one content begins, so that locating a flood of
 * findings in it costs O(log lines) each instead of a walk from the top
 * (120,000 findings of one file took minutes).  begin[k] is the offset of
 * line k + 1; after a final '\n' one more, empty line begins at len.
 */
struct pf_lines {
	size_t *begin;
	size_t nr;
};
void pf_lines_index(struct pf_lines *ix, const char *content, size_t len);
void pf_lines_release(struct pf_lines *ix);
/* pf_finding_locate() with the index of the same content (or NULL). */
int pf_finding_locate_indexed(struct pf_finding *f, const char *content,
			      size_t len, const struct pf_lines *ix);

/* Our fingerprint: rule id + the matched lines with white space folded,
 * so that it survives the code moving to other lines. */
void pf_finding_fingerprint(struct pf_finding *f);

/*
 * Merge identical findings (same path, rule, position, message, severity,
 * rule fix and fingerprint) into the first of them, whose `count` then
 * says how many reports it stands for: one LLM request and one fix serve
 * them all.  Order is kept otherwise.  O(n log n).  Returns how many
 * findings were removed.
 */
size_t pf_findings_merge(struct pf_findings *fs);
/* How many reports f stands for: at least 1. */
size_t pf_finding_count(const struct pf_finding *f);

/* Order for display: severity (highest first), path, line, rule. */
void pf_findings_sort(struct pf_findings *fs);

/*
 * Turn the rule's offset-based fix into a whole-line fix (origin RULE):
 * lines start.line..end.line become prefix + rule_fix + suffix.  0 when
 * there is no rule fix or it was set.
 */
int pf_finding_rule_fix_to_lines(struct pf_finding *f, const char *content,
				 size_t len);
/* The same with the line index of `content` (or NULL). */
int pf_finding_rule_fix_to_lines_indexed(struct pf_finding *f,
					 const char *content, size_t len,
					 const struct pf_lines *ix);

#endif
