#ifndef PUSHFIX_MIRROR_DRIVERS_H
#define PUSHFIX_MIRROR_DRIVERS_H

/*
 * The drivers' interface: what the worker (mirror.c) calls to post one
 * outbox entry on a forge or a chat.  Each driver (github.c, gitlab.c,
 * slack.c) builds on mirror_int.h; none of them calls the worker.
 */

#include "pushfix/buf.h"
#include "pushfix/outbox.h"

#include "mirror_int.h"

/*
 * Post the entry's findings not yet on the PR/MR.  0 all there (c->pr_url
 * set); PF_ENOTFOUND no open PR/MR for the branch yet; PF_ERETRY rate
 * limited; PF_EAUTH; PF_ERROR/PF_EINVALID otherwise.  A dry run prints the
 * requests it would send and returns 0.
 */
int pf_github_mirror(struct pf_mirror_ctx *c);
int pf_gitlab_mirror(struct pf_mirror_ctx *c);

/*
 * Slack incoming webhook: one message per entry (counts by severity and
 * verdict, the PR/MR link, the first findings).  `webhook_source` names
 * the variable in messages; the URL itself is never printed.
 */
void pf_slack_message(struct pf_buf *json, const struct pf_outbox_entry *e,
		      const char *repo_path, const char *pr_url);
int pf_slack_post(struct pf_mirror_ctx *c, const char *webhook_url,
		  const char *webhook_source);

#endif
