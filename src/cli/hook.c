/*
 * `pushfix hook pre-push <remote> <url>`, what git's pre-push hook runs:
 * the whole pipeline on what the push adds, and the push's fate in the
 * exit status.  A fault in pushfix never stops a push unless the user's
 * policy says fail closed.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <poll.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cli.h"
#include "cmd.h"
#include "pushfix/diff.h"
#include "pushfix/err.h"
#include "pushfix/findlog.h"
#include "pushfix/mirror.h"
#include "pushfix/fs.h"
#include "pushfix/pipeline.h"
#include "pushfix/report.h"
#include "pushfix/proc.h"
#include "pushfix/triage.h"
#include "pushfix/ui.h"
#include "pushfix/util.h"

#define STDIN_CAP (16u << 20)

/* A message on one line: a scanner's or libgit2's text may hold
 * newlines or other control bytes. */
static void put_one_line(FILE *f, const char *s)
{
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;

		if (c == '\n' || c == '\r' || c == '\t')
			fputc(' ', f);
		else if (c >= 0x20 && c != 0x7f)
			fputc(c, f);
	}
}

static const char *fate(int block)
{
	return block ? "push stopped ([policy] on_error = block)"
		     : "the push goes on unchecked";
}

/*
 * An internal fault: one line, and the push goes on unless the user's
 * policy says fail closed.
 */
static int hook_fault(struct pf_run *run, int loaded)
{
	int block = loaded && run->cfg.policy.on_error_block;

	fputs("pushfix: ", stderr);
	put_one_line(stderr, pf_error_last());
	fprintf(stderr, "; %s\n", fate(block));
	return block ? 1 : 0;
}

static int skip_requested(void)
{
	const char *v = getenv("PUSHFIX_SKIP");

	/* The same words as hooks/pre-push. */
	return v && *v && strcmp(v, "0") && strcasecmp(v, "false") &&
	       strcasecmp(v, "no") && strcasecmp(v, "off");
}

/* The guard's clock and policy come from the config the child loads:
 * "m<max_seconds> <on_error_block>". */
static void tell_guard(const struct pf_config *cfg)
{
	char rec[48];
	int n = snprintf(rec, sizeof(rec), "m%u %d", cfg->core.max_seconds,
			 cfg->policy.on_error_block);

	pf_proc_guard_send(rec, (size_t)n);
}

static void hook_triage_wait(void *arg, size_t finding)
{
	pf_triage_wait(arg, finding);
}

static void hook_triage_stop(void *arg)
{
	pf_triage_stop(arg);
}

/* ", 2 monitored" for the summary line: [rules] monitor findings are
 * counted, never shown (issue 15).  Static storage: one line at a time. */
static const char *monitored(const struct pf_run *run)
{
	static char text[48];

	text[0] = '\0';
	if (run->monitored.nr)
		snprintf(text, sizeof(text), ", %zu monitored",
			 run->monitored.nr);
	return text;
}

static int run_hook(int argc, const char **argv, const struct pf_buf *in)
{
	struct pf_ui_opts uo = PF_UI_OPTS_INIT;
	struct pf_triage *tri = NULL;
	struct pf_run run;
	struct pf_buf cover = PF_BUF_INIT;
	double t0 = pf_now_ms();
	int ret, status = 0, loaded = 0;

	ret = pf_run_open(&run, NULL);
	/* Even when a config file cannot be read, run.cfg holds every other
	 * layer (or the defaults): its on_error decides. */
	loaded = 1;
	if (ret)
		goto fault;
	tell_guard(&run.cfg);
	if (argc > 1)
		run.remote_name = pf_xstrdup(argv[1]);
	if (argc > 2)
		run.remote_url = pf_xstrdup(argv[2]);
	/* Reviews the forge refused since: else nobody would know. */
	pf_mirror_print_failures(&run);
	ret = pf_run_changes_push(&run, in->buf, in->len);
	if (run.verbose) {
		for (size_t i = 0; i < run.push.nr; i++)
			fprintf(stderr, "pushfix: %s -> %s: %s\n",
				run.push.v[i].local_ref,
				run.push.v[i].remote_ref,
				run.push.v[i].note
					? run.push.v[i].note
					: pf_push_kind_name(
						  run.push.v[i].kind));
		cli_print_skipped(&run);
	}
	if (ret)
		goto fault;
	if (!run.cs.nr) {
		struct pf_buf note = PF_BUF_INIT;

		/* The scan, which says it otherwise, does not run. */
		pf_changeset_refused_note(&run.cs, &note);
		if (note.len)
			fprintf(stderr, "pushfix: warning: %s\n", note.buf);
		pf_buf_release(&note);
		if (run.verbose)
			fprintf(stderr, "pushfix: nothing to scan\n");
		goto done;
	}
	/* For the test of the crash guard below. */
	if (getenv("PUSHFIX_TEST_CRASH"))
		abort();
	ret = pf_run_scan(&run);
	if (ret)
		goto fault;
	cli_print_diag(&run);

	/* Never a silent all-clear: every summary says what it covered. */
	pf_report_coverage(&cover, &run.cs, &run.scan);
	if (run.verbose && run.scan.unread_nr) {
		struct pf_buf un = PF_BUF_INIT;

		pf_report_unread_paths(&un, &run.scan);
		fprintf(stderr, "pushfix: %s\n", un.buf);
		pf_buf_release(&un);
	}
	if (!run.findings.nr && pf_report_nothing_read(&run.cs, &run.scan)) {
		pf_buf_reset(&cover);
		pf_report_unread(&cover, &run.cs, &run.scan);
		fprintf(stderr, "pushfix: %s\n", cover.buf);
		goto done;
	}
	if (!run.findings.nr) {
		fprintf(stderr,
			"pushfix: no findings on the pushed lines%s (%s; %.0f "
			"ms)\n",
			monitored(&run), cover.buf, pf_now_ms() - t0);
		/* Monitored ones are recorded all the same. */
		if (run.monitored.nr)
			pf_findings_record(&run); /* findlog.h */
		goto done;
	}
	fprintf(stderr, "pushfix: %zu finding%s on the pushed lines%s (%s)\n",
		run.findings.nr, run.findings.nr == 1 ? "" : "s",
		monitored(&run), cover.buf);
	/* With no LLM the findings go untriaged by choice: say so once
	 * here, not under every finding. */
	if (!run.cfg.llm.provider || !strcmp(run.cfg.llm.provider, "none"))
		fprintf(stderr, "pushfix: not triaged: no LLM configured, see "
				"[llm] provider\n");
	/* Triage is best effort: a dead LLM leaves findings untriaged.  The
	 * requests go on in the background: the session starts with the
	 * first answer, and waits for each finding's own. */
	if (pf_triage_start(&run, &tri))
		fprintf(stderr, "pushfix: LLM triage skipped: %s\n",
			pf_error_last());
	uo.wait = hook_triage_wait;
	uo.stop = hook_triage_stop;
	uo.wait_arg = tri;
	/* The user's own time at the prompt (and in $EDITOR) does not count
	 * against [core] max_seconds: the guard pauses its clock. */
	pf_proc_guard_send("p+", 2);
	status = pf_ui_run(&run, &uo);
	pf_proc_guard_send("p-", 2);
	pf_triage_finish(tri, 0);
	tri = NULL;
	/* Every answer is in now (the session waited for its own). */
	pf_findings_record(&run); /* findlog.h; best effort */
	if (status == 0 && run.cfg.mirror.enabled &&
	    (pf_mirror_enqueue(&run) || pf_mirror_spawn_worker(&run)))
		fprintf(stderr,
			"pushfix: mirror: %s; run `pushfix mirror` "
			"later\n",
			pf_error_last());
done:
	pf_buf_release(&cover);
	pf_run_release(&run);
	return status;
fault:
	status = hook_fault(&run, loaded);
	goto done;
}

/*
 * [policy] on_error after the child died: the config alone, quietly (the
 * child printed its warnings already; one line is all we add).
 */
static int policy_blocks_on_error(void)
{
	struct pf_run run;
	int block = 0;

	/* A layer that cannot be read leaves the others applied. */
	if (!pf_run_open_repo(&run, NULL)) {
		pf_config_load(&run.cfg, run.worktree, run.gitdir, NULL);
		block = run.cfg.policy.on_error_block;
	}
	git_error_clear();
	pf_run_release(&run);
	return block;
}

/*
 * The guard: the parent of the pipeline child, which it outlives.  It owns
 * what the child leaves behind if it dies (SIGKILL too): the scanner's
 * process groups and the temp dirs with the pushed code, which the child
 * announces (pf_proc_guard_*), and it holds the whole hook to [core]
 * max_seconds.
 */
struct guard {
	pid_t child;
	int sock;  /* our end of the records */
	int pidfd; /* readable when the child ends; -1 */
	pid_t *groups;
	size_t ngroups, agroups;
	char **dirs;
	size_t ndirs, adirs;
	unsigned max_seconds; /* from the child's config */
	int block, have_cfg;  /* on_error = block; told */
	double t0;	      /* when the hook started (moved on by pauses) */
	double paused_at;     /* the user is at the prompt since; 0: not */
	int forwarded;	      /* a stop signal we passed on */
};

#define DEFAULT_MAX_SECONDS 300
/* After SIGTERM, how long the child has to clean up after itself. */
#define CHILD_GRACE_MS 2000

static const int guard_signals[] = { SIGINT, SIGTERM, SIGHUP, SIGQUIT };
static volatile sig_atomic_t guard_caught;

static void guard_note_signal(int sig)
{
	guard_caught = sig;
}

/* Catch the stop signals we do not ignore; `old` keeps what they were. */
static void guard_catch(struct sigaction *old)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = guard_note_signal;
	sigemptyset(&sa.sa_mask);
	for (size_t i = 0; i < PF_ARRAY_SIZE(guard_signals); i++) {
		if (sigaction(guard_signals[i], NULL, &old[i]) ||
		    old[i].sa_handler == SIG_IGN)
			continue;
		sigaction(guard_signals[i], &sa, NULL);
	}
}

static void guard_restore(const struct sigaction *old)
{
	for (size_t i = 0; i < PF_ARRAY_SIZE(guard_signals); i++)
		if (old[i].sa_handler != SIG_IGN)
			sigaction(guard_signals[i], &old[i], NULL);
}

static void guard_record(struct guard *g, const char *r, size_t n)
{
	if (n > 2 && r[0] == 'g') {
		unsigned long v;
		char num[24];

		if (n - 2 >= sizeof(num))
			return;
		memcpy(num, r + 2, n - 2);
		num[n - 2] = '\0';
		if (pf_parse_ulong(&v, num) || v < 2)
			return;
		if (r[1] == '+') {
			PF_ALLOC_GROW(g->groups, g->ngroups + 1, g->agroups);
			g->groups[g->ngroups++] = (pid_t)v;
			return;
		}
		for (size_t i = 0; i < g->ngroups; i++)
			if (g->groups[i] == (pid_t)v) {
				g->groups[i] = g->groups[--g->ngroups];
				break;
			}
	} else if (n > 2 && r[0] == 'd') {
		if (r[1] == '+') {
			PF_ALLOC_GROW(g->dirs, g->ndirs + 1, g->adirs);
			g->dirs[g->ndirs++] = pf_xstrndup(r + 2, n - 2);
			return;
		}
		for (size_t i = 0; i < g->ndirs; i++)
			if (strlen(g->dirs[i]) == n - 2 &&
			    !memcmp(g->dirs[i], r + 2, n - 2)) {
				free(g->dirs[i]);
				g->dirs[i] = g->dirs[--g->ndirs];
				break;
			}
	} else if (n == 2 && r[0] == 'p') {
		if (r[1] == '+' && !g->paused_at)
			g->paused_at = pf_now_ms();
		else if (r[1] == '-' && g->paused_at) {
			g->t0 += pf_now_ms() - g->paused_at;
			g->paused_at = 0;
		}
	} else if (n > 1 && r[0] == 'm') {
		unsigned secs;
		int block;

		if (sscanf(r + 1, "%u %d", &secs, &block) == 2 && secs) {
			g->max_seconds = secs;
			g->block = block;
			g->have_cfg = 1;
		}
	}
}

/* Every record waiting on the socket, without blocking. */
static void guard_read(struct guard *g)
{
	char rec[8192];
	ssize_t n;

	while ((n = recv(g->sock, rec, sizeof(rec) - 1, MSG_DONTWAIT)) > 0) {
		rec[n] = '\0';
		guard_record(g, rec, (size_t)n);
	}
}

/*
 * Wait for the child's end (0), or until `until` (pf_now_ms(); 0: the
 * hook's deadline, which the child's config may move) passes (1).  A stop
 * signal for us is passed on to the child, which then has
 * CHILD_GRACE_MS to clean up and go.
 */
static int guard_wait(struct guard *g, double until, int *wstatus)
{
	for (;;) {
		struct pollfd pfd[2] = { { g->sock, POLLIN, 0 },
					 { g->pidfd, POLLIN, 0 } };
		/* While the user is at the prompt the deadline waits. */
		double end = until	    ? until
			     : g->paused_at ? pf_now_ms() + 1000.0
					    : g->t0 + g->max_seconds * 1000.0;
		double left;
		int tick = g->pidfd >= 0 ? 1000 : 20;
		pid_t w;

		if (guard_caught && !g->forwarded) {
			g->forwarded = (int)guard_caught;
			kill(g->child, g->forwarded);
			until = pf_now_ms() + CHILD_GRACE_MS;
			end = until;
		}
		w = waitpid(g->child, wstatus, WNOHANG);
		if (w == g->child || (w < 0 && errno == ECHILD)) {
			guard_read(g);
			return 0;
		}
		left = end - pf_now_ms();
		if (left <= 0)
			return 1;
		if (left < tick)
			tick = (int)left + 1;
		if (poll(pfd, g->pidfd >= 0 ? 2 : 1, tick) > 0)
			guard_read(g);
	}
}

/* Whatever became of the child: no scanner left, no pushed code left. */
static void guard_clean(struct guard *g)
{
	for (size_t i = 0; i < g->ngroups; i++)
		kill(-g->groups[i], SIGKILL);
	for (size_t i = 0; i < g->ndirs; i++) {
		pf_remove_tree(g->dirs[i]);
		free(g->dirs[i]);
	}
	free(g->groups);
	free(g->dirs);
	g->groups = NULL;
	g->dirs = NULL;
	g->ngroups = g->ndirs = 0;
}

/* Past max_seconds: the child gets SIGTERM (its scanner's group and temp
 * dir go with it), then SIGKILL. */
static void guard_stop_child(struct guard *g, int *wstatus)
{
	kill(g->child, SIGTERM);
	if (guard_wait(g, pf_now_ms() + CHILD_GRACE_MS, wstatus)) {
		kill(g->child, SIGKILL);
		while (waitpid(g->child, wstatus, 0) < 0 && errno == EINTR)
			;
		guard_read(g);
	}
}

/*
 * Die with our parent, which may be gone already (then we are someone
 * else's child by now).  SIGTERM, not SIGKILL: the child's scan in
 * progress still cleans up (pf_proc_run), and the guard passes it on to
 * the child and cleans up after it.
 */
static void die_with_parent(pid_t parent)
{
	if (prctl(PR_SET_PDEATHSIG, SIGTERM) || getppid() != parent)
		raise(SIGTERM);
}

static int open_pidfd(pid_t pid)
{
#ifdef SYS_pidfd_open
	return (int)syscall(SYS_pidfd_open, pid, 0);
#else
	(void)pid;
	return -1;
#endif
}

/*
 * A bug in pushfix must not stop a push: the pipeline runs in a child, and
 * a child that dies (a signal, an abort, an unexpected exit status) is
 * reported in one line while the push goes on, unless the user's policy
 * says fail closed.  The same for a hook that runs past [core]
 * max_seconds.
 */
static int run_guarded(int argc, const char **argv, const struct pf_buf *in)
{
	struct guard g = { .sock = -1, .pidfd = -1, .t0 = pf_now_ms() };
	struct sigaction old[PF_ARRAY_SIZE(guard_signals)];
	pid_t parent = getpid();
	int sv[2], wstatus = 0, block = 0, late;

	fflush(NULL);
	guard_caught = 0;
	guard_catch(old);
	/* git killed: nobody waits for the verdict any more. */
	die_with_parent(getppid());
	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv))
		sv[0] = sv[1] = -1;
	g.child = fork();
	if (g.child < 0) {
		guard_restore(old);
		if (sv[0] >= 0) {
			close(sv[0]);
			close(sv[1]);
		}
		return run_hook(argc, argv, in);
	}
	if (!g.child) {
		guard_restore(old);
		die_with_parent(parent);
		if (sv[0] >= 0) {
			close(sv[0]);
			pf_proc_guard_set(sv[1]);
		}
		exit(run_hook(argc, argv, in));
	}
	if (sv[1] >= 0)
		close(sv[1]);
	g.sock = sv[0];
	g.pidfd = open_pidfd(g.child);
	g.max_seconds = DEFAULT_MAX_SECONDS;
	late = guard_wait(&g, 0, &wstatus);
	if (late)
		guard_stop_child(&g, &wstatus);
	guard_clean(&g);
	if (g.sock >= 0)
		close(g.sock);
	if (g.pidfd >= 0)
		close(g.pidfd);
	guard_restore(old);
	/* Stopped by the user: end as the signal would have ended us, now
	 * that nothing is left behind. */
	if (g.forwarded || guard_caught)
		raise(g.forwarded ? g.forwarded : (int)guard_caught);
	if (late) {
		block = g.have_cfg ? g.block : policy_blocks_on_error();
		fprintf(stderr,
			"pushfix: stopped after %u s ([core] max_seconds); "
			"%s\n",
			g.max_seconds,
			block ? "push stopped ([policy] on_error = block)"
			      : "the push goes on");
		return block ? 1 : 0;
	}
	if (WIFEXITED(wstatus) && WEXITSTATUS(wstatus) <= 1)
		return WEXITSTATUS(wstatus);
	block = policy_blocks_on_error();
	if (WIFSIGNALED(wstatus))
		fprintf(stderr,
			"pushfix: internal error (signal %d); %s; "
			"please report it\n",
			WTERMSIG(wstatus), fate(block));
	else
		fprintf(stderr, "pushfix: internal error (exit %d); %s\n",
			WEXITSTATUS(wstatus), fate(block));
	return block ? 1 : 0;
}

static int is_zero_hex(const char *s, size_t n)
{
	if (n != 40 && n != 64)
		return 0;
	for (size_t i = 0; i < n; i++)
		if (s[i] != '0')
			return 0;
	return 1;
}

static int is_hex_oid(const char *s, size_t n)
{
	if (n != 40 && n != 64)
		return 0;
	for (size_t i = 0; i < n; i++)
		if (!((s[i] >= '0' && s[i] <= '9') ||
		      (s[i] >= 'a' && s[i] <= 'f')))
			return 0;
	return 1;
}

/*
 * Does one line of `git log --raw --numstat` hold something to scan?
 * Only two kinds do not.  A raw line of a file added (":000000 <mode>
 * <oid> <oid> A<TAB><path>"): a changed one may have been binary and be
 * text now, which git counts as binary and the diff as all new text.
 * And "-<TAB>-<TAB><path>": binary, which the diff skips as well (git's
 * test and libgit2's are the same: a NUL in the first 8000 bytes, or
 * the attributes), unless its path is one the diff reports as refused,
 * or quoted (then the full path judges it).
 */
static int numstat_adds(const char *line, size_t len)
{
	const char *tab;
	char path[4096];

	if (line[0] == ':') {
		tab = memchr(line, '\t', len);
		return !tab || tab - line < 2 || tab[-1] != 'A' ||
		       tab[-2] != ' ';
	}
	if (len < 5 || memcmp(line, "-\t-\t", 4) || line[4] == '"' ||
	    len - 4 >= sizeof(path))
		return 1;
	memcpy(path, line + 4, len - 4);
	path[len - 4] = '\0';
	return pf_diff_path_refused(path, 0100644);
}

/* 1 when any commit of the ranges ("<old>..<new>", NULL-terminated
 * after argv's fixed part) does anything but delete files and add
 * binary ones, or when git cannot tell; else 0. */
static int commits_add_something(const char **argv)
{
	struct pf_proc_opts o;
	struct pf_proc_result r;
	int adds;

	memset(&o, 0, sizeof(o));
	o.argv = argv;
	o.timeout_ms = 10000;
	o.out_cap = 65536; /* more is PF_ETOOBIG: "yes", the full path */
	pf_proc_result_init(&r);
	adds = pf_proc_run(&r, &o) || r.signaled || r.timed_out || r.exit_code;
	for (size_t i = 0; !adds && i < r.out.len;) {
		const char *s = r.out.buf + i;
		const char *e = memchr(s, '\n', r.out.len - i);
		size_t n = e ? (size_t)(e - s) : r.out.len - i;

		/* --format= leaves a blank line between commits. */
		if (n)
			adds = numstat_adds(s, n);
		i += n + 1;
	}
	pf_proc_result_release(&r);
	pf_error_clear();
	return adds;
}

/*
 * A push with nothing to scan for certain, decided from git's input and
 * at most one `git log`: no input, only deletions ("<ref> 000..0 <ref>
 * <oid>"), or updates of existing remote refs whose new commits only
 * delete files or add binary files (each commit's own changes, merges
 * against every parent; renames and changes count as text; a root
 * commit against nothing, whatever log.showRoot says).
 * hooks/pre-push answers a deletion-only push itself, before this.
 * Then nothing else is needed: no libgit2, no configuration, no child.
 * Anything else (a new branch, blank or malformed lines, a commit git
 * cannot diff) takes the full path, which gives the exact messages.
 * PUSHFIX_CORE_VERBOSE asks for the notes the full path prints.
 */
static int nothing_to_scan(const struct pf_buf *in)
{
	const char *s = in->buf, *end = in->buf + in->len;
	const char *v = getenv("PUSHFIX_CORE_VERBOSE");
	/* core.bigFileThreshold: git takes a blob above it for binary,
	 * libgit2 (the full path) only one above 512 MiB. */
	/* Replace refs: libgit2 reads the objects as they are, so must git. */
	const char *fixed[] = { "git",
				"--no-replace-objects",
				"-c",
				"log.showSignature=false",
				"-c",
				"core.bigFileThreshold=512m",
				"log",
				"--no-renames",
				"--diff-merges=separate",
				"--root",
				"--format=",
				"--raw",
				"--numstat",
				"--diff-filter=d" };
	const size_t nfixed = PF_ARRAY_SIZE(fixed);
	const char **argv = NULL;
	size_t nr = nfixed, alloc = 0;
	int ret = 0;

	if (v && *v && strcmp(v, "0") && strcasecmp(v, "false") &&
	    strcasecmp(v, "no") && strcasecmp(v, "off"))
		return 0;
	PF_ALLOC_GROW(argv, nr + 1, alloc);
	memcpy(argv, fixed, sizeof(fixed));
	while (s < end) {
		const char *e = memchr(s, '\n', (size_t)(end - s));
		const char *f[4];
		size_t len[4], nf = 0;
		const char *p = s;

		if (!e)
			e = end;
		while (p < e && nf < 4) {
			const char *sp = memchr(p, ' ', (size_t)(e - p));
			const char *fe = sp ? sp : e;

			f[nf] = p;
			len[nf++] = (size_t)(fe - p);
			p = sp ? sp + 1 : e;
		}
		if (nf != 4 || p != e || !len[0] || !len[2] ||
		    !is_hex_oid(f[3], len[3]) ||
		    !(is_zero_hex(f[1], len[1]) || is_hex_oid(f[1], len[1])))
			goto out;
		if (!is_zero_hex(f[1], len[1])) {
			struct pf_buf range = PF_BUF_INIT;

			/* A new branch: what it adds needs the full path. */
			if (is_zero_hex(f[3], len[3]))
				goto out;
			pf_buf_add(&range, f[3], len[3]);
			pf_buf_addstr(&range, "..");
			pf_buf_add(&range, f[1], len[1]);
			PF_ALLOC_GROW(argv, nr + 2, alloc);
			argv[nr++] = pf_buf_detach(&range, NULL);
		}
		s = e + 1;
	}
	argv[nr] = NULL;
	ret = nr == nfixed || !commits_add_something(argv);
out:
	for (size_t i = nfixed; i < nr; i++)
		free((char *)argv[i]);
	free(argv);
	return ret;
}

static const struct cli_command hook_cmd = {
	.name = "hook",
	.synopsis = "pre-push <remote> <url>",
	.about = "Run by hooks/pre-push, with git's ref list on stdin: scans "
		 "what the\npush adds; exit status 1 stops the push.\n",
	.max_args = -1,
	.flags = CLI_STOP_AT_ARG,
};

int cmd_hook(int argc, const char **argv)
{
	struct pf_buf in = PF_BUF_INIT;
	int ret, n;

	n = cli_parse(&hook_cmd, argc, argv);
	if (n == CLI_HELP)
		return 0;
	if (skip_requested()) {
		/* As hooks/pre-push says it, for hooks that call us directly.
		 */
		fprintf(stderr, "pushfix: skipped (PUSHFIX_SKIP=%s)\n",
			getenv("PUSHFIX_SKIP"));
		return 0;
	}
	if (n < 1 || strcmp(argv[0], "pre-push")) {
		fprintf(stderr,
			"pushfix: usage: pushfix hook pre-push <remote> "
			"<url> (run by hooks/pre-push); the push goes "
			"on\n");
		return 0;
	}
	/* All of git's ref list first: the terminal is for questions. */
	if (pf_buf_read_fd(&in, 0, STDIN_CAP)) {
		fprintf(stderr,
			"pushfix: cannot read the ref list from git: "
			"%s; the push goes on unchecked\n",
			pf_error_last());
		pf_buf_release(&in);
		return 0;
	}
	if (nothing_to_scan(&in)) {
		pf_buf_release(&in);
		return 0;
	}
	/* main() leaves libgit2 to the hook (see NEED_LIBGIT2): only this
	 * path needs it, and its init reads every CA certificate. */
	pf_git_init();
	/* PUSHFIX_NO_GUARD: run in-process, for debuggers and benchmarks. */
	if (getenv("PUSHFIX_NO_GUARD"))
		ret = run_hook(n, argv, &in);
	else
		ret = run_guarded(n, argv, &in);
	git_libgit2_shutdown();
	pf_buf_release(&in);
	return ret;
}
