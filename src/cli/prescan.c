/*
 * `pushfix prescan`: the scan a push of HEAD would run, done ahead, so
 * that the push finds every blob in the scan cache (and, with [llm]
 * pretriage, every answer in the LLM cache) and waits for neither.  The
 * post-commit hook runs `pushfix prescan --background`, which returns at
 * once: a detached, niced child does the work, one at a time per
 * repository (a newer one stops the older: its commit is the newer).
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli.h"
#include "cmd.h"
#include "pushfix/err.h"
#include "pushfix/fs.h"
#include "pushfix/pipeline.h"
#include "pushfix/triage.h"
#include "pushfix/util.h"

#define PID_FILE "prescan.pid"
#define LOG_FILE "prescan.log"

/* Is `pid` a pushfix prescan (not a process that reused the number)? */
static int is_prescan(pid_t pid)
{
	struct pf_buf path = PF_BUF_INIT, cmd = PF_BUF_INIT;
	int yes = 0;

	pf_buf_addf(&path, "/proc/%ld/cmdline", (long)pid);
	if (!pf_buf_read_file(&cmd, path.buf, 1 << 16)) {
		/* argv[1] is "prescan": the NULs separate the words. */
		const char *a1 = memchr(cmd.buf, '\0', cmd.len);

		yes = a1 && a1 + 1 < cmd.buf + cmd.len &&
		      !strcmp(a1 + 1, "prescan");
	} else if (errno != ENOENT) {
		/* No /proc: trust the pid file, which only we write. */
		yes = !kill(pid, 0);
	}
	pf_error_clear();
	pf_buf_release(&path);
	pf_buf_release(&cmd);
	return yes;
}

/* Stop the prescan the pid file names, and name ourselves there. */
static void take_over(const char *state_dir)
{
	struct pf_buf path = PF_BUF_INIT, old = PF_BUF_INIT, me = PF_BUF_INIT;

	pf_buf_addf(&path, "%s/%s", state_dir, PID_FILE);
	if (!pf_buf_read_file(&old, path.buf, 64)) {
		long pid = strtol(old.buf, NULL, 10);

		/* SIGTERM: its scanner's process group and temp dir go
		 * with it (pf_proc_run's handler). */
		if (pid > 1 && pid != (long)getpid() && is_prescan((pid_t)pid))
			kill((pid_t)pid, SIGTERM);
	}
	pf_buf_addf(&me, "%ld\n", (long)getpid());
	if (!pf_mkdir_p(state_dir, 0700))
		pf_write_file_atomic(path.buf, me.buf, me.len, 0600);
	pf_error_clear();
	pf_buf_release(&path);
	pf_buf_release(&old);
	pf_buf_release(&me);
}

/* Remove the pid file if it still names us. */
static void let_go(const char *state_dir)
{
	struct pf_buf path = PF_BUF_INIT, cur = PF_BUF_INIT;

	pf_buf_addf(&path, "%s/%s", state_dir, PID_FILE);
	if (!pf_buf_read_file(&cur, path.buf, 64) &&
	    strtol(cur.buf, NULL, 10) == (long)getpid())
		unlink(path.buf);
	pf_error_clear();
	pf_buf_release(&path);
	pf_buf_release(&cur);
}

/*
 * Fork a detached child (own session, no terminal, stdio on /dev/null)
 * and return in the parent at once: `git commit` waits for the hook,
 * not for the scan.  1 in the child, 0 in the parent, -1 on failure.
 */
static int detach(void)
{
	pid_t pid = fork();
	int fd;

	if (pid < 0)
		return -1;
	if (pid > 0)
		return 0;
	setsid();
	fd = open("/dev/null", O_RDWR);
	if (fd >= 0) {
		dup2(fd, 0);
		dup2(fd, 1);
		dup2(fd, 2);
		if (fd > 2)
			close(fd);
	}
	/* The scan gives way to what the developer does meanwhile. */
	if (nice(10) == -1)
		errno = 0;
	return 1;
}

int cmd_prescan(int argc, const char **argv)
{
	struct pf_run run;
	int background = 0, verbose = 0, ret, n;
	const struct cli_option options[] = {
		CLI_OPT_BOOL(0, "background", &background,
			     "return at once, scan in a detached child"),
		CLI_OPT_BOOL('v', "verbose", &verbose,
			     "say what the scanner said"),
		CLI_OPT_END,
	};
	const struct cli_command cmd = {
		.name = "prescan",
		.synopsis = "[--background] [-v]",
		.about = "  Scan what a push of HEAD would send into the "
			 "scan cache (with\n  [llm] pretriage = true, ask "
			 "the LLM too): the push waits for neither.\n",
		.options = options,
		.max_args = 0,
	};

	n = cli_parse(&cmd, argc, argv);
	if (n < 0)
		return cli_exit(n);
	if (background) {
		ret = detach();
		if (ret <= 0)
			return 0; /* a commit never fails for a prescan */
	}
	pf_git_init();
	ret = cli_run_open(&run, verbose, 0);
	if (ret)
		goto out;
	if (background) {
		struct pf_buf log = PF_BUF_INIT;

		if (!run.cfg.scan.prescan)
			goto out;
		/* What went wrong, for whoever looks. */
		if (!pf_mkdir_p(run.state_dir, 0700)) {
			pf_buf_addf(&log, "%s/%s", run.state_dir, LOG_FILE);
			if (freopen(log.buf, "w", stderr))
				run.msg = stderr;
		}
		pf_buf_release(&log);
		run.cfg.ui.progress = PF_NEVER;
	}
	take_over(run.state_dir);
	ret = pf_run_changes_range(&run, NULL);
	if (!ret)
		ret = pf_run_scan(&run);
	if (!ret && verbose)
		cli_print_diag(&run);
	/* The same requests the push would send, answered into the cache:
	 * off by default, it sends code that may never be pushed. */
	if (!ret && run.cfg.llm.pretriage && run.findings.nr &&
	    pf_triage_run(&run, 1, NULL))
		fprintf(stderr, "warning: LLM pretriage skipped: %s\n",
			pf_error_last());
	if (!ret)
		fprintf(stderr, "pushfix prescan: %zu file%s, %zu finding%s\n",
			run.cs.nr, run.cs.nr == 1 ? "" : "s", run.findings.nr,
			run.findings.nr == 1 ? "" : "s");
	let_go(run.state_dir);
out:
	if (ret)
		fprintf(stderr, "pushfix prescan: %s\n", pf_error_last());
	pf_run_release(&run);
	git_libgit2_shutdown();
	return ret ? 2 : 0;
}
