#ifndef PUSHFIX_REPORT_H
#define PUSHFIX_REPORT_H

#include "pushfix/buf.h"
#include "pushfix/finding.h"

/*
 * Reports of a finding list.  text: for people (file:line, severity, rule,
 * message, the lines; ANSI colour only when `color`); json: the stable
 * format documented in README.md; sarif: SARIF 2.1.0.
 */
enum pf_format { PF_FORMAT_TEXT, PF_FORMAT_JSON, PF_FORMAT_SARIF };

struct pf_report_opts {
	int color;
	int verbose;
	const char *engine; /* tool name for SARIF/JSON */
	unsigned width;	    /* text: columns to wrap at; 0: 80 */
};

int pf_format_parse(enum pf_format *out, const char *name);
void pf_report_text(struct pf_buf *out, const struct pf_findings *fs,
		    const struct pf_report_opts *o);
void pf_report_json(struct pf_buf *out, const struct pf_findings *fs,
		    const struct pf_report_opts *o);
void pf_report_sarif(struct pf_buf *out, const struct pf_findings *fs,
		     const struct pf_report_opts *o);

#endif
