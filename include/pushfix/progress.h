#ifndef PUSHFIX_PROGRESS_H
#define PUSHFIX_PROGRESS_H

#include <stddef.h>

/*
 * One updating progress line on stderr for work that takes more than a
 * second (a scan, the LLM requests):
 *
 *   pushfix: scanning 214 files with semgrep... 3.2 s
 *   pushfix: triaging 20 findings with api.openai.com... 7/20, 4.1 s
 *
 * A ticker thread redraws it in place ("\r", erase line) every 100 ms,
 * from one second after pf_progress_begin() on; work that ends sooner
 * prints nothing at all.  pf_progress_end() erases it, so that whatever
 * prints next starts on a clean line; so do the stop signals (SIGINT,
 * SIGTERM, SIGHUP, SIGQUIT: erased, then the signal does what it would
 * have done) and exit().  Nothing is drawn unless pf_progress_setup()
 * enabled it and stderr is a terminal (TERM not "dumb"): a log file or a
 * pipe never sees a "\r".  One line per process; not nested.
 */

/* Allow the line ([ui] progress: 1 = auto, 0 = never).  Off until called.
 */
void pf_progress_setup(int enabled);

/*
 * Start the line: the label (printf format, e.g. "scanning %zu files")
 * and the number of steps (0: the elapsed time only).  Ends a line still
 * running first.
 */
void pf_progress_begin(size_t total, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* Steps done so far (any thread). */
void pf_progress_set(size_t done);

/* Stop the ticker and erase the line if it was drawn.  Idempotent. */
void pf_progress_end(void);

#endif
