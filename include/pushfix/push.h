#ifndef PUSHFIX_PUSH_H
#define PUSHFIX_PUSH_H

#include <stddef.h>
#include <git2.h>

/*
 * The push stage: git's pre-push input -> the ranges to scan.
 *
 * git runs the hook as `pre-push <remote name> <remote url>` and writes one
 * line per ref on stdin:
 *   <local ref> SP <local oid> SP <remote ref> SP <remote oid> LF
 * A zero local oid is a deletion, a zero remote oid a new ref.
 */

enum pf_push_kind {
	PF_PUSH_UPDATE, /* fast-forward: base is the remote oid */
	PF_PUSH_FORCE,	/* remote oid not an ancestor: base is the merge-base */
	PF_PUSH_CREATE, /* new ref: base is where the remote's history ends */
	PF_PUSH_DELETE, /* nothing to scan */
};

struct pf_push_update {
	char *local_ref;
	char *remote_ref;
	char local_oid[GIT_OID_HEXSZ + 1];
	char remote_oid[GIT_OID_HEXSZ + 1];
	enum pf_push_kind kind; /* parse sets CREATE/DELETE/UPDATE;
				   resolve refines UPDATE into FORCE */
	int is_tag;		/* remote ref under refs/tags/ */
	/* Filled by pf_push_resolve(): */
	int remote_known;    /* the remote oid exists in this clone */
	int has_base;	     /* 0: diff against the empty tree */
	int nothing_to_scan; /* the remote already has every commit */
	char base_oid[GIT_OID_HEXSZ + 1];
	char tip_oid[GIT_OID_HEXSZ + 1]; /* local oid peeled to a commit */
	char *note; /* why, for verbose output; may be NULL */
};

struct pf_push {
	struct pf_push_update *v;
	size_t nr, alloc;
};

#define PF_PUSH_INIT                                                           \
	{                                                                      \
		NULL, 0, 0                                                     \
	}

void pf_push_release(struct pf_push *p);

/*
 * Parse all of git's stdin.  Empty input is a push of nothing (0 updates).
 * A malformed line gives PF_EINVALID with
 * "pre-push input line N: <why>: '<line>'" and leaves `out` holding the
 * lines before it.
 */
int pf_push_parse(struct pf_push *out, const char *input, size_t len);

/*
 * Choose the base of each update, using the repository:
 *  - UPDATE: the remote oid, or FORCE with the merge-base when the remote
 *    oid is not an ancestor of the local one;
 *  - CREATE, or a remote oid this clone lacks: only the commits the remote
 *    does not have yet (local --not --remotes=<remote_name>), the base being
 *    the first commit reached along first parents that the remote has;
 *    with no such commit, the empty tree;
 *  - DELETE: nothing.
 * `remote_name` may be a URL when the user pushed to one directly; then no
 * remote-tracking refs are hidden.
 */
int pf_push_resolve(struct pf_push *p, git_repository *repo,
		    const char *remote_name);

const char *pf_push_kind_name(enum pf_push_kind k);

#endif
