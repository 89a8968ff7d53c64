#ifndef PUSHFIX_SNIPPET_H
#define PUSHFIX_SNIPPET_H

#include <stddef.h>
#include <stdint.h>

#include "pushfix/buf.h"
#include "pushfix/finding.h"

/*
 * The snippet stage: a finding's lines plus `context_lines` on each side,
 * cut from the pushed content, numbered, with the finding's own lines
 * marked.  This is what an LLM request shows of the code.
 *
 * Privacy: build snippets from the REDACTED content (pf_redact_text() of
 * the whole pushed file, see redact.h).  Redaction keeps the number of
 * lines, so line numbers stay those of the pushed file, secrets that span
 * the window edge (PEM blocks, concatenated strings) are still found, and
 * cutting a long line can never expose half of a secret.  A cut never
 * splits a placeholder or a UTF-8 sequence.
 *
 * Format of `text`, one line per source line, every line '\n'-terminated:
 *
 *     "  12 | code"     a context line
 *     "> 13 | code"     a line of a finding (start.line..end.line)
 *
 * i.e. a marker ('>' or ' '), a space, the line number right-aligned to
 * the width of the largest number in the snippet, " | ", the line.  A line
 * longer than the line cap is cut and ends with " [... N bytes cut]"
 * (N = bytes removed); its number is listed in `cut_lines`.
 */

struct pf_snippet {
	char *path;	      /* the finding's path, NOT redacted (owned) */
	const char *language; /* static: "python", "go", ... or "text" */
	uint32_t first_line, last_line; /* 1-based, inclusive */
	char *text; /* numbered and marked (owned), see above */
	size_t text_len;
	char *raw; /* the same lines, unnumbered, uncut, each
		      '\n'-terminated (the last one only if the
		      file's is) (owned) */
	size_t raw_len;
	int truncated;	     /* a line was cut or context was dropped to
				respect the byte cap */
	uint32_t *cut_lines; /* numbers of the lines cut (sorted) */
	size_t cut_nr, cut_alloc;
	size_t *finding_idx; /* indexes of the findings shown, into the
				array given to pf_snippets_build() (or 0
				for pf_snippet_build()) */
	size_t finding_nr, finding_alloc;
};

#define PF_SNIPPET_INIT                                                        \
	{                                                                      \
		0                                                              \
	}

/* Defaults: 10 lines of context (issue 3), 8 KiB of code per snippet. */
#define PF_SNIPPET_CONTEXT_DEFAULT 10
#define PF_SNIPPET_BYTE_CAP_DEFAULT 8192

/*
 * Build the snippet of one finding (uses f->start.line, f->end.line and
 * f->path, f->rule_id for the language) from `content` (len bytes, the
 * pushed file or its redacted form).  `byte_cap` bounds `text`: every line
 * is first cut to byte_cap / 8 bytes (at least 64), then context lines are
 * dropped from the far end until it fits; the finding's own lines are
 * never dropped (but may be cut).  byte_cap == 0: no cap.
 * Lines past the end of the content are clamped; PF_EINVALID when the
 * finding's start line lies beyond the last line.  `out` must be
 * initialised (PF_SNIPPET_INIT); its old contents are released.
 */
int pf_snippet_build(struct pf_snippet *out, const struct pf_finding *f,
		     const char *content, size_t len, unsigned context_lines,
		     size_t byte_cap);

void pf_snippet_release(struct pf_snippet *s);

/* Is line `line` (1-based) one the snippet cut?  A fix that replaces a
 * cut line must be refused: the model never saw the whole line. */
int pf_snippet_line_cut(const struct pf_snippet *s, uint32_t line);

struct pf_snippets {
	struct pf_snippet *v;
	size_t nr, alloc;
};

#define PF_SNIPPETS_INIT                                                       \
	{                                                                      \
		NULL, 0, 0                                                     \
	}

void pf_snippets_release(struct pf_snippets *ss);

/*
 * Build the snippets of every finding of `fs` whose path equals `path`,
 * appending to `out`.  Findings whose windows (lines +- context) overlap
 * or touch are merged into one snippet, showing all their lines with the
 * '>' marker, when the merged snippet fits byte_cap (one request instead
 * of two that repeat the shared lines); each snippet's finding_idx lists
 * the findings it covers (indexes into fs->v).  Findings are taken in
 * line order.  Same caps and errors as pf_snippet_build().
 */
int pf_snippets_build(struct pf_snippets *out, const struct pf_findings *fs,
		      const char *path, const char *content, size_t len,
		      unsigned context_lines, size_t byte_cap);

/*
 * out = lines first..last (1-based, inclusive, clamped) of content, with
 * their '\n'.  For the `sent_text` of pf_vault_restore(): the redacted
 * lines a fix replaces.
 */
void pf_snippet_lines(struct pf_buf *out, const char *content, size_t len,
		      uint32_t first, uint32_t last);

/*
 * The language of a file: from the path's extension or well-known base
 * name (Dockerfile, Makefile, .env), else the first dot-separated part of
 * the rule id when it names a language (Semgrep's "python.lang...."),
 * else "text".  Static strings; rule_id may be NULL.
 */
const char *pf_snippet_language(const char *path, const char *rule_id);

#endif
