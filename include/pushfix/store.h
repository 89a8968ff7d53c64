#ifndef PUSHFIX_STORE_H
#define PUSHFIX_STORE_H

#include "pushfix/buf.h"

/*
 * Per-repository state under git's common dir, `<gitdir>/pushfix/`
 * (shared by worktrees, never committed):
 *   cache/      LLM answers, keyed by sha256 (llm)
 *   decisions   ignored findings (ui)
 *   outbox/     findings waiting to be posted (mirror)
 *   sent.log    what was sent to an LLM (privacy log)
 *   findings.log  what each push and scan found, with its triage, and the
 *               feedback from PR replies (findlog.h)
 *   lock        serialises concurrent pushes
 * Writes are atomic (pf_write_file_atomic in fs.h).
 */

/* out = <state_dir>/<name>; creates state_dir (0700) when missing. */
int pf_store_path(struct pf_buf *out, const char *state_dir, const char *name);

/* Take the repository's lock (flock on <state_dir>/lock), waiting at most
 * `wait_ms`.  Returns a descriptor to pass to pf_store_unlock, or a
 * negative PF_E* (PF_ETIMEOUT when another pushfix holds it). */
int pf_store_lock(const char *state_dir, unsigned wait_ms);
void pf_store_unlock(int fd);

/*
 * Append `len` bytes (whole lines) to <state_dir>/<name> (0600) in one
 * write(2) with O_APPEND, so that concurrent writers never interleave
 * inside a line; fsync'd when `sync`.  Message "<path>: <why>".
 */
int pf_store_append(const char *state_dir, const char *name, const char *line,
		    size_t len, int sync);

#endif
