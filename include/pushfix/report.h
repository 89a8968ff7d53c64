#ifndef PUSHFIX_REPORT_H
#define PUSHFIX_REPORT_H

#include <time.h>

#include "pushfix/buf.h"
#include "pushfix/diff.h"
#include "pushfix/finding.h"
#include "pushfix/scan.h"

/*
 * Reports of a finding list.  text: for people (file:line, severity, rule,
 * message, the lines; ANSI colour only when `color`); json: the stable
 * format documented in README.md; sarif: SARIF 2.1.0; gitlab-sast:
 * GitLab's SAST report (schema 15.0.x) for artifacts:reports:sast, which
 * takes no SARIF.
 */
enum pf_format {
	PF_FORMAT_TEXT,
	PF_FORMAT_JSON,
	PF_FORMAT_SARIF,
	PF_FORMAT_GITLAB_SAST,
};

struct pf_report_opts {
	int color;
	int verbose;
	const char *engine;  /* tool name for SARIF/JSON */
	const char *version; /* pushfix's, for gitlab-sast; NULL: "0" */
	unsigned width;	     /* text: columns to wrap at; 0: 80 */
	/* What the scan covered (both or neither): JSON's "coverage",
	 * SARIF's run properties "pushfix/coverage". */
	const struct pf_changeset *cs;
	const struct pf_scan_result *scan;
	/* [rules] modes (issue 15): with the config, each finding's
	 * effective mode (pf_policy_effective()); without, only the modes
	 * [rules] named.  `monitored` findings are counted, never listed. */
	const struct pf_config *cfg;
	size_t monitored;
};

int pf_format_parse(enum pf_format *out, const char *name);
void pf_report_text(struct pf_buf *out, const struct pf_findings *fs,
		    const struct pf_report_opts *o);
void pf_report_json(struct pf_buf *out, const struct pf_findings *fs,
		    const struct pf_report_opts *o);
void pf_report_sarif(struct pf_buf *out, const struct pf_findings *fs,
		     const struct pf_report_opts *o);
/* Dated `now` (the report's scan start and end times). */
void pf_report_gitlab_sast(struct pf_buf *out, const struct pf_findings *fs,
			   const struct pf_report_opts *o, time_t now);

/*
 * What a scan covered, so that no report is a silent all-clear: one line
 * without newline, "3 commits, 214 added lines in 12 files, 9 scanned by
 * flawfinder, 3 read by no scanner: .py .yml" (the commits only for a
 * range; a failed part named: "8 scanned by flawfinder (1 failed)").
 */
void pf_report_coverage(struct pf_buf *out, const struct pf_changeset *cs,
			const struct pf_scan_result *r);

/* "covered: <coverage>\n" wrapped at `width` columns (0: 80), for the
 * text report. */
void pf_report_coverage_text(struct pf_buf *out, const struct pf_changeset *cs,
			     const struct pf_scan_result *r, unsigned width);

/* Were there files to scan and did no scanner read any of them?  Then
 * "no findings" would mean nothing. */
int pf_report_nothing_read(const struct pf_changeset *cs,
			   const struct pf_scan_result *r);

/*
 * The line to say when pf_report_nothing_read(): "nothing scanned: no
 * scanner reads the pushed files (...coverage...); install Semgrep or set
 * [scan] command to scan them", no newline.
 */
void pf_report_unread(struct pf_buf *out, const struct pf_changeset *cs,
		      const struct pf_scan_result *r);

/* "read by no scanner: a.py, b.yml" (every path, for -v); nothing when
 * every file was read. */
void pf_report_unread_paths(struct pf_buf *out, const struct pf_scan_result *r);

#endif
