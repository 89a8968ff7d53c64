#ifndef PUSHFIX_UI_H
#define PUSHFIX_UI_H

#include <stdint.h>
#include <time.h>
#include <git2.h>

#include "pushfix/buf.h"
#include "pushfix/config.h"
#include "pushfix/finding.h"

/*
 * The ui stage: the developer decides, in the terminal, at push time.
 *
 * For each finding (highest severity first) the session prints severity,
 * rule, file:line and message; the triage (verdict, confidence, reason, or
 * why there is none); the fix as a unified diff marked `verified`,
 * `unverified` or `from the rule`; then asks, like `git add -p`:
 *
 *   y apply this fix            n skip (the default on Enter)
 *   a apply this and every later verified fix (or fix from the rule)
 *   d skip this and every later one (they are listed, not asked)
 *   i ignore this finding from now on (decision store, or a nosemgrep
 *     comment with [ui] ignore_writes_nosemgrep)
 *   e edit the fix (or, without one, the lines) in the editor, then apply
 *   + agree with the triage     - disagree (f->triage.feedback)
 *   p show it again             q quit, skip the rest      ? help
 *   x stop the push here (nothing more is applied; the hook exits 1)
 *
 * End of input means q: the rest are left unanswered and the push goes
 * on unless [policy] says otherwise (and the policy says so in one line).  A
 * summary ends the session.  Answers are read a line at a time (canonical mode:
 * the terminal's modes are never changed, so there is nothing to restore when
 * we are killed) from /dev/tty, or from the file named by PUSHFIX_TTY (scripted
 * tests); stdin is git's.  With no terminal (it cannot be opened, `CI` is set,
 * [ui] interactive = never) the report is printed and nothing is asked.
 * Interactive output goes to the terminal itself; otherwise to run->msg.
 *
 * Colour: opts->color > [ui] color > NO_COLOR > CLICOLOR_FORCE > git's
 * color.ui > auto (the output is a terminal and TERM is not "dumb").
 * Every line fits 80 columns (fewer when the terminal is narrower); text
 * from the scanner, the code and the LLM is stripped of control
 * characters before it reaches the terminal.
 */

struct pf_run;

struct pf_ui_opts {
	int color;	      /* -1: decide (see above), 0 never, 1 always */
	const char *tty_path; /* NULL: $PUSHFIX_TTY, else /dev/tty */
	time_t now;	      /* date of new decisions; 0: time(NULL) */
	/* Triage still in flight (pf_triage_start): the session calls
	 * wait(arg, i) before it uses finding i's triage, and stop(arg)
	 * when the answers still to come can change nothing (x, or q
	 * unless [policy] block = true-positive).  NULL: all triaged. */
	void (*wait)(void *arg, size_t finding);
	void (*stop)(void *arg);
	void *wait_arg;
};

#define PF_UI_OPTS_INIT                                                        \
	{                                                                      \
		-1, NULL, 0, NULL, NULL, NULL                                  \
	}

struct pf_ui_result {
	unsigned total;	   /* findings presented (not ignored before) */
	unsigned applied;  /* fixes written to the working tree */
	unsigned comments; /* nosemgrep comments written (counted ignored) */
	unsigned skipped;  /* answered n, or skipped by d / q / end of input */
	unsigned ignored;  /* answered i */
	unsigned refused;  /* accepted but not applied: the file changed */
	unsigned open;	   /* still open: neither applied nor ignored */
	unsigned open_true_positive; /* ... triaged true positive */
	unsigned open_error;	     /* ... of severity ERROR or higher */
	unsigned open_secret;	     /* ... pushfix's credential findings of
					severity ERROR (not high-entropy ones) */
	unsigned open_block;	     /* ... of rules in [rules] block; the
					three above count DEFAULT ones only */
	int interactive;	     /* the developer was asked */
	int quit;		     /* q or end of input */
	unsigned unanswered;	     /* left by q / end of input, with it */
	int stopped;		     /* x: the developer stopped the push */
	int push_anyway;	     /* answered y to "push anyway?" */
};

/*
 * Run the session over run->findings (not reordered; those with
 * `ignored` set are not shown).  Fixes are applied with pf_apply_fix()
 * against the pushed content in run->cs; `i` writes the decision store
 * under run->state_dir; `+`/`-` set f->triage.feedback.  When the push
 * policy would stop the push for open findings and the developer is at a
 * terminal, asks "push anyway? [y/N]" (result->push_anyway).
 * `opts` may be NULL.  Returns 0; a negative PF_E* only when the output
 * cannot be written (the caller applies [policy] on_error).
 */
int pf_ui_session(struct pf_ui_result *out, struct pf_run *run,
		  const struct pf_ui_opts *opts);

/*
 * The hook's whole ui step: session, policy, the policy's message on
 * run->msg.  Returns the hook's exit status (0 push, 1 stop).
 */
int pf_ui_run(struct pf_run *run, const struct pf_ui_opts *opts);

/* ---- the parts, exposed for the unit tests ---------------------------- */

/*
 * One answer line -> key: leading/trailing blanks dropped, an empty line
 * is 'n' (the default), otherwise the first character lower-cased, as
 * `git add -p` ("yes" is 'y').  0 for a character that is not a key.
 */
int pf_ui_parse_key(const char *line);

/*
 * Colour or not, for output on a terminal (`is_tty`) or not; `flag` is
 * -1/0/1 as pf_ui_opts.color; `repo` (may be NULL) gives color.ui.
 */
int pf_ui_want_color(int flag, enum pf_tristate cfg, git_repository *repo,
		     int is_tty);

struct pf_ui_render_opts {
	int color;
	unsigned width;	       /* columns; 0: 80 */
	unsigned index, total; /* "[2/5]"; total 0: no counter */
	int show_unverified;   /* [llm] show_unverified */
	int no_llm; /* [llm] provider = none: no "triage: none" line for each
		       finding (the hook's first line says it once) */
};

/*
 * A finding as the session shows it, each line at most `width` display
 * columns (ANSI sequences not counted).  `pushed` is the file as pushed
 * (for the diff's context lines; may be NULL).
 */
void pf_ui_render_finding(struct pf_buf *out, const struct pf_finding *f,
			  const char *pushed, size_t pushed_len,
			  const struct pf_ui_render_opts *o);

/*
 * A unified diff (---/+++ headers, @@ hunks, 3 lines of context) of
 * replacing lines start..end of `pushed` with `replacement`; long lines
 * are wrapped at `width` with a '\' at the end of each cut.
 */
void pf_ui_render_diff(struct pf_buf *out, const char *path, const char *pushed,
		       size_t pushed_len, uint32_t start, uint32_t end,
		       const char *replacement, int color, unsigned width);

/*
 * Columns text output wraps at on `fd`: $COLUMNS when it is a number from
 * PF_UI_MIN_WIDTH to PF_UI_MAX_WIDTH, else the terminal's width (ioctl
 * TIOCGWINSZ on fd, likewise bounded), else 80.
 */
#define PF_UI_MIN_WIDTH 20
#define PF_UI_MAX_WIDTH 1000
unsigned pf_ui_width(int fd);

/* Display columns of a string (UTF-8, ANSI colour sequences skipped). */
unsigned pf_ui_columns(const char *s, size_t len);

#endif
