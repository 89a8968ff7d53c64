#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "pushfix/err.h"
#include "pushfix/proc.h"
#include "pushfix/util.h"

extern char **environ;

#define DEFAULT_OUT_CAP (64u << 20)
#define DEFAULT_ERR_CAP (1u << 20)
#define KILL_GRACE_MS 500

void pf_proc_result_init(struct pf_proc_result *r)
{
	memset(r, 0, sizeof(*r));
	pf_buf_init(&r->out);
	pf_buf_init(&r->err);
}

void pf_proc_result_release(struct pf_proc_result *r)
{
	if (!r)
		return;
	pf_buf_release(&r->out);
	pf_buf_release(&r->err);
}

/* ---- the guard ---------------------------------------------------------- */

static int guard_fd = -1;
static pid_t guard_owner; /* the process the guard watches */

void pf_proc_guard_set(int fd)
{
	guard_fd = fd;
	guard_owner = fd >= 0 ? getpid() : 0;
}

int pf_proc_guarded(void)
{
	/* A process forked off the pipeline (the mirror worker) outlives
	 * the guard: what it starts is none of the guard's business. */
	return guard_fd >= 0 && getpid() == guard_owner;
}

void pf_proc_guard_send(const char *rec, size_t len)
{
	ssize_t n;

	if (!pf_proc_guarded())
		return;
	/* One record a datagram; a guard that is gone is no error (and no
	 * SIGPIPE). */
	do
		n = send(guard_fd, rec, len, MSG_NOSIGNAL);
	while (n < 0 && errno == EINTR);
}

void pf_proc_guard_dir(const char *path, int add)
{
	struct pf_buf rec = PF_BUF_INIT;

	if (!pf_proc_guarded())
		return;
	pf_buf_addf(&rec, "d%c%s", add ? '+' : '-', path);
	pf_proc_guard_send(rec.buf, rec.len);
	pf_buf_release(&rec);
}

/* "g+PID" or "g-PID" without stdio: also called between fork and exec. */
static void guard_group(int fd, pid_t pid, int add)
{
	char rec[32], digits[24];
	size_t n = 0, d = 0;
	ssize_t w;

	rec[n++] = 'g';
	rec[n++] = add ? '+' : '-';
	do
		digits[d++] = (char)('0' + pid % 10);
	while ((pid /= 10) && d < sizeof(digits));
	while (d)
		rec[n++] = digits[--d];
	do
		w = send(fd, rec, n, MSG_NOSIGNAL);
	while (w < 0 && errno == EINTR);
}

int pf_proc_which(const char *name, struct pf_buf *path_out)
{
	const char *path = getenv("PATH");
	struct pf_buf cand = PF_BUF_INIT;

	if (strchr(name, '/')) {
		if (access(name, X_OK))
			return PF_ENOTFOUND;
		if (path_out) {
			pf_buf_reset(path_out);
			pf_buf_addstr(path_out, name);
		}
		return 0;
	}
	if (!path)
		path = "/usr/local/bin:/usr/bin:/bin";
	while (*path) {
		const char *colon = strchr(path, ':');
		size_t n = colon ? (size_t)(colon - path) : strlen(path);
		struct stat st;

		pf_buf_reset(&cand);
		if (n)
			pf_buf_add(&cand, path, n);
		else
			pf_buf_addch(&cand, '.');
		pf_buf_addf(&cand, "/%s", name);
		if (!stat(cand.buf, &st) && S_ISREG(st.st_mode) &&
		    !access(cand.buf, X_OK)) {
			if (path_out) {
				pf_buf_reset(path_out);
				pf_buf_add(path_out, cand.buf, cand.len);
			}
			pf_buf_release(&cand);
			return 0;
		}
		path += n + (colon ? 1 : 0);
	}
	pf_buf_release(&cand);
	return PF_ENOTFOUND;
}

static void kill_group(pid_t pid, int *reaped, int *status)
{
	double deadline;

	kill(-pid, SIGTERM);
	deadline = pf_now_ms() + KILL_GRACE_MS;
	while (pf_now_ms() < deadline) {
		struct timespec ts = { 0, 10 * 1000 * 1000 };

		if (waitpid(pid, status, WNOHANG) == pid) {
			*reaped = 1;
			break;
		}
		nanosleep(&ts, NULL);
	}
	/* The leader may be gone while its children linger: kill the group
	 * regardless. */
	kill(-pid, SIGKILL);
	if (!*reaped && waitpid(pid, status, 0) == pid)
		*reaped = 1;
}

/*
 * The signals that end us.  The terminal sends SIGINT/SIGQUIT to its
 * foreground group only, and a child of a group of its own is not in it:
 * without this, Ctrl-C during a scan left the scanner running (and its
 * temp dir behind).  They are blocked except inside ppoll(), so none is
 * lost between a check and the wait.
 */
static const int stop_signals[] = { SIGINT, SIGTERM, SIGHUP, SIGQUIT };

struct sigstate {
	struct sigaction old[PF_ARRAY_SIZE(stop_signals)];
	int caught[PF_ARRAY_SIZE(stop_signals)];
	sigset_t oldmask;  /* restored at the end, and in the child */
	sigset_t waitmask; /* during ppoll: oldmask, SIGPIPE blocked */
	int pipe_pending;  /* a SIGPIPE was pending before we started */
};

static volatile sig_atomic_t got_signal;

static void note_signal(int sig)
{
	got_signal = sig;
}

static void signals_catch(struct sigstate *s, int stops)
{
	struct sigaction sa;
	sigset_t block, pending;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = note_signal;
	sigemptyset(&sa.sa_mask);
	sigemptyset(&block);
	got_signal = 0;
	for (size_t i = 0; i < PF_ARRAY_SIZE(stop_signals); i++) {
		s->caught[i] = 0;
		if (!stops || sigaction(stop_signals[i], NULL, &s->old[i]) ||
		    s->old[i].sa_handler == SIG_IGN)
			continue;
		if (!sigaction(stop_signals[i], &sa, NULL)) {
			s->caught[i] = 1;
			sigaddset(&block, stop_signals[i]);
		}
	}
	/* Feeding stdin to a child that exits early raises SIGPIPE, whose
	 * default would end us: keep it blocked and take it back after. */
	sigaddset(&block, SIGPIPE);
	sigemptyset(&pending);
	sigpending(&pending);
	s->pipe_pending = sigismember(&pending, SIGPIPE) == 1;
	pthread_sigmask(SIG_BLOCK, &block, &s->oldmask);
	s->waitmask = s->oldmask;
	sigaddset(&s->waitmask, SIGPIPE);
}

/* In the child, before exec: what the program would have had. */
static void signals_child(const struct sigstate *s, int own_group)
{
	for (size_t i = 0; i < PF_ARRAY_SIZE(stop_signals); i++)
		if (s->caught[i])
			signal(stop_signals[i], SIG_DFL);
	/*
	 * The keyboard's signals, which the terminal never sends to a group
	 * of its own: one that reaches the child was meant for it, even when
	 * git had them ignored (and we inherited that).  Otherwise a scanner
	 * told to stop ran on until the timeout.
	 */
	if (own_group) {
		signal(SIGINT, SIG_DFL);
		signal(SIGQUIT, SIG_DFL);
	}
	signal(SIGPIPE, SIG_DFL);
	pthread_sigmask(SIG_SETMASK, &s->oldmask, NULL);
}

static void signals_restore(struct sigstate *s)
{
	sigset_t pending, pipe_only;
	int sig = got_signal;

	sigemptyset(&pending);
	sigpending(&pending);
	if (!s->pipe_pending && sigismember(&pending, SIGPIPE) == 1) {
		struct timespec zero = { 0, 0 };

		sigemptyset(&pipe_only);
		sigaddset(&pipe_only, SIGPIPE);
		sigtimedwait(&pipe_only, NULL, &zero);
	}
	for (size_t i = 0; i < PF_ARRAY_SIZE(stop_signals); i++)
		if (s->caught[i])
			sigaction(stop_signals[i], &s->old[i], NULL);
	/* Still blocked: pending until the mask is restored, then it does
	 * what it would have done without us (usually: end the process). */
	if (sig)
		raise(sig);
	pthread_sigmask(SIG_SETMASK, &s->oldmask, NULL);
}

/* What the child reports through the exec pipe when it cannot start. */
struct exec_failure {
	int in_chdir;
	int err;
};

/* One pf_proc_run(): the child and our ends of its pipes. */
struct child {
	const struct pf_proc_opts *o;
	struct pf_proc_result *r;
	int in[2], out[2], err[2], exec[2];
	size_t out_cap, err_cap, in_off;
	double deadline; /* pf_now_ms() value; 0: none */
	pid_t pid;
	int status, reaped;
	struct sigstate sigs;
	struct pf_buf exe;
	int guarded; /* its group announced to the guard */
};

static void child_init(struct child *c, struct pf_proc_result *r,
		       const struct pf_proc_opts *o)
{
	memset(c, 0, sizeof(*c));
	c->o = o;
	c->r = r;
	for (int i = 0; i < 2; i++)
		c->in[i] = c->out[i] = c->err[i] = c->exec[i] = -1;
	c->out_cap = o->out_cap ? o->out_cap : DEFAULT_OUT_CAP;
	c->err_cap = o->err_cap ? o->err_cap : DEFAULT_ERR_CAP;
	c->deadline = o->timeout_ms ? pf_now_ms() + o->timeout_ms : 0;
	pf_buf_init(&c->exe);
}

static void close_fd(int *fd)
{
	if (*fd >= 0)
		close(*fd);
	*fd = -1;
}

static void close_pipes(struct child *c)
{
	for (int i = 0; i < 2; i++) {
		close_fd(&c->in[i]);
		close_fd(&c->out[i]);
		close_fd(&c->err[i]);
		close_fd(&c->exec[i]);
	}
}

static int open_pipes(struct child *c)
{
	const struct pf_proc_opts *o = c->o;

	if (pipe2(c->exec, O_CLOEXEC) || (o->in && pipe2(c->in, O_CLOEXEC)) ||
	    (!o->inherit_stdio && !o->tty_stdio &&
	     (pipe2(c->out, O_CLOEXEC) || pipe2(c->err, O_CLOEXEC))))
		return pf_error_set("cannot create a pipe: %s",
				    strerror(errno));
	return 0;
}

/* In the child, after the fork: set up stdio, enter cwd, exec.  Failing
 * that, say why through the exec pipe. */
static _Noreturn void run_child(const struct child *c)
{
	const struct pf_proc_opts *o = c->o;
	struct exec_failure ef = { 0, 0 };
	ssize_t n;
	int fd;

	/* A group of its own, so that a timeout kills what it started too;
	 * the editor stays in ours to keep the tty. */
	if (!o->tty_stdio)
		setpgid(0, 0);
	/* Announced by the child itself, before it runs anything: a guard
	 * that outlives us finds no group it was not told about. */
	if (c->guarded)
		guard_group(guard_fd, getpid(), 1);
	signals_child(&c->sigs, !o->tty_stdio);
	if (o->tty_stdio) {
		fd = open("/dev/tty", O_RDWR);
		if (fd >= 0) {
			dup2(fd, 0);
			dup2(fd, 1);
			dup2(fd, 2);
		}
	} else if (o->in) {
		dup2(c->in[0], 0);
	} else if (!o->inherit_stdio) {
		fd = open("/dev/null", O_RDONLY);
		if (fd >= 0)
			dup2(fd, 0);
	}
	if (o->in && o->tty_stdio)
		dup2(c->in[0], 0);
	if (!o->inherit_stdio && !o->tty_stdio) {
		dup2(c->out[1], 1);
		dup2(c->err[1], 2);
	}
	if (o->cwd && chdir(o->cwd)) {
		ef.in_chdir = 1;
		ef.err = errno;
		n = write(c->exec[1], &ef, sizeof(ef));
		_exit(127);
	}
	for (const char *const *e = o->env; e && *e; e++) {
		if (strchr(*e, '='))
			putenv((char *)*e);
		else
			unsetenv(*e);
	}
	execv(c->exe.buf, (char *const *)o->argv);
	ef.err = errno;
	n = write(c->exec[1], &ef, sizeof(ef));
	(void)n;
	_exit(127);
}

/* Did the exec succeed?  The exec pipe closes on exec (O_CLOEXEC), or
 * carries the child's exec_failure. */
static int exec_result(struct child *c)
{
	struct exec_failure ef = { 0, 0 };
	ssize_t n;

	close_fd(&c->exec[1]);
	do
		n = read(c->exec[0], &ef, sizeof(ef));
	while (n < 0 && errno == EINTR);
	if (n != (ssize_t)sizeof(ef))
		return 0;
	while (waitpid(c->pid, &c->status, 0) < 0 && errno == EINTR)
		;
	if (ef.in_chdir)
		return pf_error_set("cannot enter '%s' to run %s: %s",
				    c->o->cwd, c->o->argv[0], strerror(ef.err));
	c->r->not_found = 1;
	return pf_error_setc(PF_ENOTFOUND, "cannot run %s: %s", c->exe.buf,
			     strerror(ef.err));
}

/* Close the child's ends of the pipes; stdin is written without
 * blocking. */
static void close_child_ends(struct child *c)
{
	if (c->in[0] >= 0) {
		close_fd(&c->in[0]);
		fcntl(c->in[1], F_SETFL, O_NONBLOCK);
		if (!c->o->in_len)
			close_fd(&c->in[1]);
	}
	if (c->out[1] >= 0) {
		close_fd(&c->out[1]);
		close_fd(&c->err[1]);
	}
}

/* No pipe left open: has the child exited?  1 reaped, 0 not yet, or an
 * error (reaped elsewhere, SIGCHLD ignored: no status to wait for). */
static int check_exit(struct child *c)
{
	pid_t w;

	if (c->reaped)
		return 1;
	w = waitpid(c->pid, &c->status, WNOHANG);
	if (w == c->pid) {
		c->reaped = 1;
		return 1;
	}
	if (w < 0 && errno != EINTR) {
		c->reaped = 1;
		return pf_error_set("cannot wait for %s: %s", c->o->argv[0],
				    strerror(errno));
	}
	return 0;
}

/* How long the next ppoll() may wait, given `timeout` (-1: no limit of
 * its own); -1 when the deadline has passed. */
static int poll_timeout(struct child *c, int timeout)
{
	if (c->deadline) {
		double left = c->deadline - pf_now_ms();

		if (left <= 0) {
			c->r->timed_out = 1;
			return -1;
		}
		if (timeout < 0 || left < timeout)
			timeout = (int)left + 1;
	}
	/* Another thread may take a signal for us: look again now and then
	 * even without a deadline. */
	if (timeout < 0 || timeout > 250)
		timeout = 250;
	return timeout;
}

static void feed_stdin(struct child *c)
{
	ssize_t n =
		write(c->in[1], c->o->in + c->in_off, c->o->in_len - c->in_off);

	if (n > 0)
		c->in_off += (size_t)n;
	if ((n < 0 && errno != EAGAIN && errno != EINTR) ||
	    c->in_off >= c->o->in_len)
		close_fd(&c->in[1]);
}

/* Read what is ready on the child's stdout or stderr (fd); PF_ETOOBIG
 * past its cap. */
static int drain(struct child *c, int fd)
{
	int is_out = fd == c->out[0];
	struct pf_buf *b = is_out ? &c->r->out : &c->r->err;
	size_t cap = is_out ? c->out_cap : c->err_cap;
	ssize_t n;

	pf_buf_grow(b, 65536);
	n = read(fd, b->buf + b->len, b->alloc - b->len - 1);
	if (n > 0) {
		b->len += (size_t)n;
		b->buf[b->len] = '\0';
		if (b->len > cap)
			return pf_error_setc(PF_ETOOBIG,
					     "%s printed more than %zu bytes",
					     c->o->argv[0], cap);
	} else if (n == 0 || (errno != EINTR && errno != EAGAIN)) {
		close_fd(is_out ? &c->out[0] : &c->err[0]);
	}
	return 0;
}

/*
 * A quiet moment with pipes still open: has the child been killed by a
 * signal (SIGINT from the user...) while what it started holds its pipes?
 * Then the run is over: its group goes, so that the pipes close now and
 * not at the timeout.
 */
static void leader_killed(struct child *c)
{
	if (c->reaped || c->o->tty_stdio ||
	    waitpid(c->pid, &c->status, WNOHANG) != c->pid)
		return;
	c->reaped = 1;
	if (WIFSIGNALED(c->status))
		kill(-c->pid, SIGKILL);
}

/*
 * Feed stdin and drain stdout and stderr until the child is done, the
 * deadline passes (r->timed_out) or a signal arrives (got_signal).  0 or
 * an error.
 */
static int pump(struct child *c)
{
	for (;;) {
		struct pollfd pfd[3];
		struct timespec ts;
		int nfd = 0, timeout = -1, ret;

		if (got_signal)
			return 0;
		if (c->out[0] >= 0)
			pfd[nfd++] = (struct pollfd){ c->out[0], POLLIN, 0 };
		if (c->err[0] >= 0)
			pfd[nfd++] = (struct pollfd){ c->err[0], POLLIN, 0 };
		if (c->in[1] >= 0)
			pfd[nfd++] = (struct pollfd){ c->in[1], POLLOUT, 0 };
		if (!nfd) {
			/* Only waiting for the exit now. */
			if ((ret = check_exit(c)))
				return ret < 0 ? ret : 0;
			pfd[0] = (struct pollfd){ -1, 0, 0 };
			nfd = 1;
			timeout = 20;
		}
		if ((timeout = poll_timeout(c, timeout)) < 0)
			return 0;
		ts.tv_sec = timeout / 1000;
		ts.tv_nsec = (long)(timeout % 1000) * 1000000L;
		ret = ppoll(pfd, (nfds_t)nfd, &ts, &c->sigs.waitmask);
		if (ret < 0) {
			if (errno == EINTR)
				continue;
			return pf_error_set("poll: %s", strerror(errno));
		}
		if (!ret)
			leader_killed(c);
		for (int i = 0; i < nfd; i++) {
			int fd = pfd[i].fd;

			if (fd < 0 || !pfd[i].revents)
				continue;
			if (fd == c->in[1])
				feed_stdin(c);
			else if ((ret = drain(c, fd)))
				return ret;
		}
	}
}

/*
 * The end of a run: kill the child's group when a signal, the deadline or
 * an error (`ret`) stopped us, else wait for its exit; then fill in how it
 * ended.  Returns the run's result.
 */
static int reap(struct child *c, int ret)
{
	const struct pf_proc_opts *o = c->o;
	struct pf_proc_result *r = c->r;

	if (got_signal) {
		if (!c->reaped)
			kill_group(c->pid, &c->reaped, &c->status);
		else
			kill(-c->pid, SIGKILL);
		ret = pf_error_set("interrupted by signal %d; %s was stopped",
				   (int)got_signal, o->argv[0]);
	} else if (r->timed_out || ret) {
		if (!c->reaped)
			kill_group(c->pid, &c->reaped, &c->status);
		if (r->timed_out && !ret)
			ret = pf_error_setc(
				PF_ETIMEOUT, "%s did not finish within %u s",
				o->argv[0], (o->timeout_ms + 999) / 1000);
	} else if (!c->reaped) {
		while (waitpid(c->pid, &c->status, 0) < 0 && errno == EINTR)
			;
	}
	if (!o->tty_stdio && !r->timed_out && !ret)
		kill(-c->pid, SIGKILL); /* leftovers of a finished scanner */
	if (WIFSIGNALED(c->status)) {
		r->signaled = 1;
		r->signo = WTERMSIG(c->status);
	} else if (WIFEXITED(c->status)) {
		r->exit_code = WEXITSTATUS(c->status);
	}
	return ret;
}

int pf_proc_run(struct pf_proc_result *r, const struct pf_proc_opts *o)
{
	struct child c;
	int ret, caught = 0;

	if (!o->argv || !o->argv[0])
		return pf_error_set("no command to run");
	child_init(&c, r, o);
	if (pf_proc_which(o->argv[0], &c.exe)) {
		r->not_found = 1;
		ret = pf_error_setc(PF_ENOTFOUND, "%s: command not found",
				    o->argv[0]);
		goto out;
	}
	if ((ret = open_pipes(&c)))
		goto out;
	/* Before the fork: a signal in between must not be lost. */
	signals_catch(&c.sigs, !o->tty_stdio);
	caught = 1;
	c.guarded = !o->tty_stdio && pf_proc_guarded();
	c.pid = fork();
	if (c.pid < 0) {
		ret = pf_error_set("cannot fork: %s", strerror(errno));
		goto out;
	}
	if (!c.pid)
		run_child(&c);
	if (!o->tty_stdio)
		setpgid(c.pid, c.pid); /* no race with the child's own call */
	if ((ret = exec_result(&c)))
		goto out;
	close_child_ends(&c);
	ret = reap(&c, pump(&c));
out:
	/* Killed (reap) or never started: the guard may forget it. */
	if (c.guarded && c.pid > 0)
		guard_group(guard_fd, c.pid, 0);
	close_pipes(&c);
	pf_buf_release(&c.exe);
	if (caught) {
		if (got_signal && o->on_signal)
			o->on_signal(o->on_signal_data);
		signals_restore(&c.sigs);
		got_signal = 0;
	}
	return ret;
}

int pf_proc_split(char ***argv_out, const char *cmdline)
{
	char **argv = NULL;
	size_t nr = 0, alloc = 0;
	const char *p = cmdline;
	struct pf_buf word = PF_BUF_INIT;

	*argv_out = NULL;
	for (;;) {
		int in_word = 0;

		while (*p == ' ' || *p == '\t' || *p == '\n')
			p++;
		if (!*p)
			break;
		pf_buf_reset(&word);
		while (*p && *p != ' ' && *p != '\t' && *p != '\n') {
			in_word = 1;
			if (*p == '\'' || *p == '"') {
				char q = *p++;

				while (*p && *p != q) {
					if (q == '"' && *p == '\\' && p[1])
						p++;
					pf_buf_addch(&word, *p++);
				}
				if (!*p) {
					pf_buf_release(&word);
					pf_proc_argv_free(argv);
					return pf_error_setc(
						PF_EINVALID,
						"unbalanced %c quote in '%s'",
						q, cmdline);
				}
				p++;
			} else if (*p == '\\' && p[1]) {
				pf_buf_addch(&word, p[1]);
				p += 2;
			} else {
				pf_buf_addch(&word, *p++);
			}
		}
		if (in_word) {
			PF_ALLOC_GROW(argv, nr + 2, alloc);
			argv[nr++] = pf_xstrndup(word.buf, word.len);
			argv[nr] = NULL;
		}
	}
	pf_buf_release(&word);
	if (!nr)
		return pf_error_setc(PF_EINVALID, "empty command");
	*argv_out = argv;
	return 0;
}

void pf_proc_argv_free(char **argv)
{
	if (!argv)
		return;
	for (char **a = argv; *a; a++)
		free(*a);
	free(argv);
}
