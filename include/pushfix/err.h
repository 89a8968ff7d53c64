#ifndef PUSHFIX_ERR_H
#define PUSHFIX_ERR_H

/*
 * Error discipline (curl/libgit2 style): every function that can fail
 * returns 0 or a negative PF_E* code and leaves a message naming the file,
 * field or value at fault with pf_error_set().  Callers propagate the code
 * and do not re-word the message; only main() prints it.
 *
 * The message is thread-local so that a worker thread never clobbers
 * another's message.
 */

enum {
	PF_OK = 0,
	PF_ERROR = -1,	   /* generic failure, message says why */
	PF_ENOTFOUND = -2, /* a file, ref, object, key that does not exist */
	PF_ETIMEOUT = -3,  /* a child or request ran out of time */
	PF_ETOOBIG = -4,   /* input larger than its cap */
	PF_ENOTTY = -5,	   /* no terminal to ask on */
	PF_EINVALID = -6,  /* malformed input: config, JSON, ref line */
	PF_EAUTH = -7,	   /* a remote service refused our credentials */
	PF_ERETRY = -8,	   /* transient; try again later (rate limit, 5xx) */
};

/* Set the message (printf format).  Always returns PF_ERROR for brevity:
 * `return pf_error_set("...")`.  Use pf_error_setc() for another code. */
int pf_error_set(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
int pf_error_setc(int code, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* Prefix the current message with "<context>: ", keeping the code.  For
 * adding the file name at the layer that knows it. */
int pf_error_prefix(int code, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* The last message, "" if none.  Valid until the next pf_error_* call in
 * this thread. */
const char *pf_error_last(void);
void pf_error_clear(void);

/* git_libgit2_init() plus our options: no strict hash verification of
 * every object read, as git (about an eighth of the diff's CPU time). */
void pf_git_init(void);

/* Turn libgit2's last error into ours, with a context prefix. */
int pf_error_git(const char *context);

#endif
