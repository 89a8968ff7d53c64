#ifndef PUSHFIX_APPLY_H
#define PUSHFIX_APPLY_H

#include <stddef.h>
#include <stdint.h>

#include "pushfix/buf.h"

/*
 * The apply stage: write a whole-line fix into the working tree, safely.
 *
 * A fix replaces lines start_line..end_line of the file *as pushed*.  It is
 * written only where the working-tree file still holds exactly those lines.
 * They are followed from the pushed file to the working file through a
 * line diff (as git follows lines): edits elsewhere, even lines added or
 * removed above them, do not matter, but every line of the fix must have
 * survived, together.  Lines cut and pasted elsewhere are found only when
 * they were unique in the pushed file and are unique now.  Otherwise the
 * fix is refused with a message that says why.  Line ends are compared
 * without their '\r', so a checkout with CRLF still matches an LF blob.
 *
 * Only the bytes of those lines change: the new lines take the file's line
 * end (CRLF when the first replaced line ends in CRLF), and the last one
 * keeps the terminator of the last replaced line, so a file that ends
 * without a newline still does.  The file is rewritten atomically (an
 * unnamed O_TMPFILE in the same directory, fsync, link, rename; a named
 * "<file>.pushfix-tmp-XXXXXX" where O_TMPFILE is unsupported) with its
 * mode kept.  A crash at any point leaves the old or the new file whole.
 *
 * Test hook: PUSHFIX_TEST_APPLY_PAUSE_MS=N sleeps N ms between the fsync of
 * the new content and the rename, after printing
 * "pushfix: apply pause pid=<pid>" on stderr (for the kill -9 tests).
 */

struct pf_apply_req {
	const char *worktree; /* the working tree's directory */
	const char *path;     /* repository-relative, no ".." */
	const char *pushed;   /* the file as pushed and scanned */
	size_t pushed_len;
	uint32_t start_line; /* 1-based, inclusive, in `pushed` */
	uint32_t end_line;
	const char *replacement; /* the new text of those lines ('\n' lines);
				    "" deletes them */
	size_t replacement_len;
	uint32_t expect_line; /* where the caller expects them now (after
				 its own earlier fixes); 0: start_line.
				 Only reports `moved`, and places them
				 when the files are too different to
				 diff (over 4M line pairs) */
};

struct pf_apply_result {
	uint32_t at_line;   /* where the lines were found in the working tree */
	uint32_t old_lines; /* lines replaced */
	uint32_t new_lines; /* lines written in their place */
	int moved;	    /* found elsewhere than expect_line */
};

/*
 * Apply `req` to the working-tree file.  Returns 0 when written;
 * PF_EINVALID when refused because the file no longer matches (message:
 * "'app.py' lines 4-8 changed since the push"), or the request is bad
 * (lines outside the pushed file, an unsafe path); PF_ENOTFOUND when the
 * file is gone; PF_ERROR on an I/O failure.  Nothing is written unless 0
 * is returned.
 */
int pf_apply_fix(struct pf_apply_result *out, const struct pf_apply_req *req);

/*
 * The pure part of pf_apply_fix: with the working-tree content `cur`,
 * append the new content to `out`.  Same refusals (PF_EINVALID), nothing
 * appended then.  req->worktree is not used.
 */
int pf_apply_splice(struct pf_buf *out, struct pf_apply_result *res,
		    const char *cur, size_t cur_len,
		    const struct pf_apply_req *req);

/* Lines `start..end` (1-based, inclusive) of `data` as one string, each
 * line with its own terminator; PF_EINVALID when out of range. */
int pf_apply_cut_lines(struct pf_buf *out, const char *data, size_t len,
		       uint32_t start, uint32_t end);

/* Number of lines of `data` (a last line without '\n' counts). */
uint32_t pf_apply_count_lines(const char *data, size_t len);

#endif
