#ifndef PUSHFIX_MIRROR_H
#define PUSHFIX_MIRROR_H

/*
 * The mirror stage: after the push lands, the findings still open are
 * posted on the branch's pull request (GitHub, GitHub Enterprise Server)
 * or merge request (GitLab), and summed up on Slack.
 *
 *   hook    pf_mirror_enqueue()       one outbox entry per pushed branch,
 *                                     on disk before the hook returns
 *           pf_mirror_spawn_worker()  a detached `pushfix mirror --worker`
 *   worker  waits (bounded) until the remote has the pushed commit, finds
 *           the open PR/MR whose head is the branch, reads what is already
 *           there (every page), posts what is not, removes the entry
 *   by hand `pushfix mirror [--dry-run]` posts every entry now (also CI)
 *
 * Every comment carries a hidden marker with the finding's fingerprint,
 * `<!-- pushfix:fingerprint=HEX -->`; findings whose marker is already on
 * the PR/MR are skipped, so a worker killed half-way, or run twice, posts
 * each comment exactly once.  No PR/MR yet, a rate limit, a network or
 * auth failure: the entry stays for a later run.
 *
 * Tokens (GITHUB_TOKEN/GH_TOKEN, GITLAB_TOKEN, [mirror] token_env or
 * token_cmd) and the Slack webhook URL never appear in any output or log.
 *
 * Test hooks (environment): PUSHFIX_TEST_MIRROR_DIE_AFTER=N _exit()s
 * right after the N-th successful POST; PUSHFIX_TEST_MIRROR_WAIT_S caps
 * the worker's wait for the remote and the PR head (default 120 s);
 * PUSHFIX_TEST_MIRROR_MAX_SLEEP_S caps a rate-limit wait done in place
 * (default 60 s in the worker, 10 s by hand; longer ones are left to a
 * later run); PUSHFIX_TEST_MIRROR_BATCH caps line comments per review.
 */

#include <stddef.h>

#include "pushfix/buf.h"

struct pf_run;

/*
 * Hook side.  Write the run's open findings (not ignored) of each pushed
 * branch to the outbox when [mirror] enabled = true; nothing otherwise,
 * nor for tags, deletions and branches without findings.  Call it after
 * the UI, only when the push goes on.  0 or an error (the caller prints
 * it in one line and lets the push go on).
 */
int pf_mirror_enqueue(struct pf_run *run);

/*
 * Start `pushfix mirror --worker` fully detached (double fork, own
 * session, stdin /dev/null, stdout and stderr appended to
 * <state_dir>/mirror.log, no other descriptor inherited) in the
 * repository's work tree, when [mirror] enabled and the outbox holds an
 * entry.  Returns at once; 0 or an error.
 */
int pf_mirror_spawn_worker(struct pf_run *run);

/*
 * `pushfix mirror`: post every outbox entry of the repository around the
 * cwd now.  The worker (`worker`, what pf_mirror_spawn_worker starts)
 * first waits, bounded, for the remote to have each pushed commit, and
 * dates its notes for mirror.log; `dry_run` prints the requests and
 * sends nothing (and wins over `worker`).  Notes and errors go to
 * stderr.  Returns the exit status: 1 when the repository cannot be
 * opened or an entry failed, else 0.
 */
struct pf_mirror_opts {
	int dry_run, worker, verbose;
	int status, json; /* list the queue instead (pf_mirror_status) */
};
int pf_mirror_run(const struct pf_mirror_opts *o);

/*
 * `pushfix mirror --status`: the outbox, one line per entry on stdout
 * (id, age, forge repository and branch, findings, attempts, last
 * error), or with `json` an array of objects.  Sends nothing.  The exit
 * status: 0, or 1 when the repository cannot be opened.
 */
int pf_mirror_status(int json);

/*
 * Reviews the forge refused, in one line ("2 reviews not posted (last
 * error: ...; `pushfix mirror` retries)") appended to `out`, and their
 * number; 0 and nothing appended when none failed.  Cheap enough for
 * every push: no network, and a stat alone when there is no outbox.
 */
size_t pf_mirror_failures(struct pf_buf *out, const char *state_dir);

/* The hook's: that line on run->msg as "pushfix: ...", when there is
 * one. */
void pf_mirror_print_failures(struct pf_run *run);

#endif
