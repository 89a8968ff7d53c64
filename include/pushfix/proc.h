#ifndef PUSHFIX_PROC_H
#define PUSHFIX_PROC_H

#include <stddef.h>

#include "pushfix/buf.h"

/*
 * Child processes (semgrep, a SARIF scanner, the editor, a previous hook,
 * api_key_cmd): started from an argv array, never a shell string, in a
 * process group of their own so that a timeout can kill everything they
 * started (SIGTERM, then SIGKILL after a grace period).
 */
struct pf_proc_opts {
	const char *const *argv; /* argv[0] is looked up in PATH */
	const char *cwd;	 /* NULL: ours */
	const char *in;		 /* fed on stdin; NULL: /dev/null */
	size_t in_len;
	unsigned timeout_ms;	 /* 0: none */
	size_t out_cap, err_cap; /* 0: 64 MiB / 1 MiB */
	int inherit_stdio;	 /* editor, previous hook: our own fds
				    (stdin still fed from `in` when set) */
	int tty_stdio;		 /* editor: stdio on /dev/tty */
	const char *const *env;	 /* extra "K=V" entries, NULL-terminated;
				    a bare "K" removes K */
	/*
	 * SIGINT, SIGTERM, SIGHUP or SIGQUIT reaching us while a child of a
	 * group of its own runs (not tty_stdio): the terminal does not send
	 * it to that group, so we kill the group, call on_signal (e.g. to
	 * remove the child's temp dir; may be NULL), and re-raise the
	 * signal with its previous disposition.  A signal we ignored stays
	 * ignored.
	 */
	void (*on_signal)(void *data);
	void *on_signal_data;
};

struct pf_proc_result {
	int exit_code; /* valid when !signaled && !timed_out */
	int signaled;  /* killed by signal `signo` */
	int signo;
	int timed_out;
	int not_found; /* argv[0] could not be executed (ENOENT/EACCES) */
	struct pf_buf out, err;
};

void pf_proc_result_init(struct pf_proc_result *r);
void pf_proc_result_release(struct pf_proc_result *r);

/*
 * Run to completion.  Returns 0 when the child ran (whatever its exit
 * status: look at `r`), PF_ENOTFOUND when argv[0] cannot be executed,
 * PF_ETIMEOUT after killing it on timeout, PF_ETOOBIG when its output
 * exceeded the cap (it is killed), PF_ERROR on a system failure (also
 * "cannot enter '<cwd>'" and, when a handler of ours returned from a
 * re-raised signal, "interrupted by signal N").  A child that exits
 * without reading all of `in` is no error (and no SIGPIPE for us).
 */
int pf_proc_run(struct pf_proc_result *r, const struct pf_proc_opts *o);

/*
 * The guard: `pushfix hook` runs the pipeline in a child and, whatever
 * becomes of it (SIGKILL too), kills the process groups and removes the
 * temp dirs the child announced.  `fd` is the child's end of a
 * SOCK_SEQPACKET pair, one record a datagram: "g+PID"/"g-PID" (every
 * process group pf_proc_run starts and ends), "d+PATH"/"d-PATH"
 * (pf_proc_guard_dir), or what the caller sends itself.  Only the process
 * that set it announces (not one forked off it); -1: no guard.
 */
void pf_proc_guard_set(int fd);
int pf_proc_guarded(void);
void pf_proc_guard_send(const char *rec, size_t len);
void pf_proc_guard_dir(const char *path, int add);

/* Is `name` an executable in PATH (or a path to one)? */
int pf_proc_which(const char *name, struct pf_buf *path_out);

/* Run a command line the user configured (e.g. `api_key_cmd = pass show
 * x`): split on white space with '...' and "..." quoting, no shell.
 * PF_EINVALID on unbalanced quotes.  *argv_out is NULL-terminated; free it
 * with pf_proc_argv_free(). */
int pf_proc_split(char ***argv_out, const char *cmdline);
void pf_proc_argv_free(char **argv);

#endif
