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

#endif
