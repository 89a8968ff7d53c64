/*
 * The small utilities: util.c (paths, temp trees, atomic writes, number
 * parsing) and the parts of proc.c that guard the process itself:
 * signals while a child runs, a child that does not read its stdin, a
 * working directory that does not exist.
 */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "pushfix/buf.h"
#include "pushfix/err.h"
#include "pushfix/fs.h"
#include "pushfix/proc.h"
#include "pushfix/util.h"

static char tmpdir[64];

static int setup(void **state)
{
	(void)state;
	snprintf(tmpdir, sizeof(tmpdir), "/tmp/pf-tutil-XXXXXX");
	return mkdtemp(tmpdir) ? 0 : -1;
}

static int teardown(void **state)
{
	(void)state;
	return pf_remove_tree(tmpdir);
}

static char *path_in(const char *rel)
{
	struct pf_buf b = PF_BUF_INIT;

	pf_buf_addf(&b, "%s/%s", tmpdir, rel);
	return pf_buf_detach(&b, NULL);
}

static void touch(const char *rel, const char *content)
{
	char *p = path_in(rel);
	FILE *f = fopen(p, "w");

	assert_non_null(f);
	fputs(content, f);
	fclose(f);
	free(p);
}

static int exists(const char *rel)
{
	char *p = path_in(rel);
	struct stat st;
	int ok = !lstat(p, &st);

	free(p);
	return ok;
}

/* ---- util.c ------------------------------------------------------------ */

static void test_mkdir_p(void **state)
{
	char *p = path_in("a/b/c/");
	char *file = path_in("f");
	char *under = path_in("f/x");
	struct stat st;

	(void)state;
	assert_int_equal(pf_mkdir_p(p, 0700), 0);
	assert_int_equal(stat(p, &st), 0);
	assert_true(S_ISDIR(st.st_mode));
	assert_int_equal(st.st_mode & 0777, 0700);
	/* Again: no error. */
	assert_int_equal(pf_mkdir_p(p, 0700), 0);
	touch("f", "x");
	assert_int_equal(pf_mkdir_p(under, 0700), PF_ERROR);
	assert_non_null(strstr(pf_error_last(), "cannot create '"));
	assert_non_null(strstr(pf_error_last(), "/f/x': Not a directory"));
	free(p);
	free(file);
	free(under);
}

/* rm -rf of our temp dir must never follow a symlink out of it. */
static void test_remove_tree_no_follow(void **state)
{
	char *outside = path_in("outside");
	char *tree = path_in("tree");
	char *link = path_in("tree/d/link");

	(void)state;
	assert_int_equal(pf_mkdir_p(outside, 0700), 0);
	touch("outside/keep", "precious");
	assert_int_equal(pf_mkdir_p(link, 0700), 0);
	assert_int_equal(rmdir(link), 0);
	assert_int_equal(symlink(outside, link), 0);
	touch("tree/d/file", "x");
	touch("tree/top", "y");
	assert_int_equal(pf_remove_tree(tree), 0);
	assert_false(exists("tree"));
	assert_true(exists("outside/keep"));
	/* Gone already: fine. */
	assert_int_equal(pf_remove_tree(tree), 0);
	free(outside);
	free(tree);
	free(link);
}

static void test_write_file_atomic(void **state)
{
	char *p = path_in("out.txt");
	char *missing = path_in("no/such/dir/out.txt");
	struct pf_buf b = PF_BUF_INIT;
	struct stat st;

	(void)state;
	touch("out.txt", "old");
	assert_int_equal(pf_write_file_atomic(p, "new\n", 4, 0640), 0);
	assert_int_equal(pf_buf_read_file(&b, p, 0), 0);
	assert_string_equal(b.buf, "new\n");
	assert_int_equal(stat(p, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0640);
	assert_int_equal(pf_write_file_atomic(missing, "x", 1, 0600), PF_ERROR);
	assert_true(pf_starts_with(pf_error_last(),
				   "cannot create a temporary file beside '"));
	/* No temp file left beside it. */
	{
		struct pf_buf cmd = PF_BUF_INIT;

		pf_buf_addf(&cmd, "test -z \"$(ls -A '%s' | grep -v "
			    "'^out.txt$')\"", tmpdir);
		assert_int_equal(system(cmd.buf), 0);
		pf_buf_release(&cmd);
	}
	pf_buf_release(&b);
	free(p);
	free(missing);
}

static void test_parse_ulong(void **state)
{
	unsigned long v = 7;

	(void)state;
	assert_int_equal(pf_parse_ulong(&v, "42"), 0);
	assert_int_equal(v, 42);
	assert_int_equal(pf_parse_ulong(&v, "0"), 0);
	assert_int_equal(v, 0);
	v = 7;
	assert_int_equal(pf_parse_ulong(&v, ""), PF_EINVALID);
	assert_int_equal(pf_parse_ulong(&v, "-1"), PF_EINVALID);
	assert_int_equal(pf_parse_ulong(&v, "+1"), PF_EINVALID);
	assert_int_equal(pf_parse_ulong(&v, " 1"), PF_EINVALID);
	assert_int_equal(pf_parse_ulong(&v, "1 "), PF_EINVALID);
	assert_int_equal(pf_parse_ulong(&v, "0x10"), PF_EINVALID);
	assert_int_equal(pf_parse_ulong(&v, "99999999999999999999999"),
			 PF_EINVALID);
	assert_int_equal(pf_parse_ulong(&v, NULL), PF_EINVALID);
	assert_int_equal(v, 7);
}

static void test_strings_and_hash(void **state)
{
	char hex[65];

	(void)state;
	assert_true(pf_starts_with("file:///x", "file://"));
	assert_false(pf_starts_with("file:/x", "file://"));
	assert_true(pf_ends_with("a.sarif", ".sarif"));
	assert_false(pf_ends_with("f", ".sarif"));
	pf_sha256_hex(hex, "abc", 3);
	assert_string_equal(hex, "ba7816bf8f01cfea414140de5dae2223"
				 "b00361a396177a9cb410ff61f20015ad");
}

/* ---- proc.c: what guards pushfix itself -------------------------------- */

static int alive(int pid)
{
	char path[64], buf[512];
	FILE *f;
	char *p;

	snprintf(path, sizeof(path), "/proc/%d/stat", pid);
	f = fopen(path, "r");
	if (!f)
		return 0;
	p = fgets(buf, sizeof(buf), f);
	fclose(f);
	p = p ? strrchr(buf, ')') : NULL;
	return p && p[1] == ' ' && p[2] != 'Z' && p[2] != 'X';
}

static int read_pid(const char *rel)
{
	char *p = path_in(rel);
	struct pf_buf b = PF_BUF_INIT;
	int pid = 0;

	if (!pf_buf_read_file(&b, p, 0))
		pid = atoi(b.buf);
	pf_buf_release(&b);
	free(p);
	return pid;
}

static void test_cwd_missing(void **state)
{
	const char *argv[] = { "sh", "-c", "exit 0", NULL };
	struct pf_proc_opts o = { 0 };
	struct pf_proc_result r;

	(void)state;
	o.argv = argv;
	o.cwd = "/nonexistent/pushfix-dir";
	pf_proc_result_init(&r);
	assert_int_equal(pf_proc_run(&r, &o), PF_ERROR);
	assert_string_equal(pf_error_last(),
			    "cannot enter '/nonexistent/pushfix-dir' to run "
			    "sh: No such file or directory");
	assert_false(r.not_found);
	pf_proc_result_release(&r);
}

/* A child that exits without reading its input: no SIGPIPE for us. */
static void test_unread_stdin(void **state)
{
	const char *argv[] = { "sh", "-c", "exit 4", NULL };
	int status = 0;
	pid_t pid;

	(void)state;
	fflush(NULL);
	pid = fork();
	assert_true(pid >= 0);
	if (!pid) {
		struct pf_proc_opts o = { 0 };
		struct pf_proc_result r;
		size_t n = 8u << 20;
		char *big = pf_xmalloc(n);
		int ret;
		sigset_t set;

		signal(SIGPIPE, SIG_DFL);
		memset(big, 'x', n);
		o.argv = argv;
		o.in = big;
		o.in_len = n;
		o.timeout_ms = 20000;
		pf_proc_result_init(&r);
		ret = pf_proc_run(&r, &o) || r.exit_code != 4;
		free(big);
		pf_proc_result_release(&r);
		/* And no SIGPIPE left pending or blocked for later. */
		sigemptyset(&set);
		sigpending(&set);
		if (sigismember(&set, SIGPIPE))
			_exit(11);
		sigprocmask(SIG_BLOCK, NULL, &set);
		if (sigismember(&set, SIGPIPE))
			_exit(12);
		_exit(ret ? 10 : 0);
	}
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_false(WIFSIGNALED(status));
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 0);
}

/* The child runs with the signal mask and dispositions we had. */
static void test_child_signal_state(void **state)
{
	/* grep itself, not through sh: a shell may reset its mask. */
	const char *argv[] = { "grep", "-E", "^Sig(Blk|Ign):",
			       "/proc/self/status", NULL };
	struct pf_proc_opts o = { 0 };
	struct pf_proc_result r;
	struct sigaction sa;

	(void)state;
	o.argv = argv;
	pf_proc_result_init(&r);
	assert_int_equal(pf_proc_run(&r, &o), 0);
	assert_non_null(strstr(r.out.buf, "SigBlk:\t0000000000000000"));
	/* Nothing we catch or block for the wait is ignored in it. */
	{
		const char *ign = strstr(r.out.buf, "SigIgn:\t");
		unsigned long long mask;
		static const int sigs[] = { SIGINT, SIGTERM, SIGHUP, SIGQUIT,
					    SIGPIPE };

		assert_non_null(ign);
		mask = strtoull(ign + 8, NULL, 16);
		for (size_t i = 0; i < PF_ARRAY_SIZE(sigs); i++)
			assert_false(mask & (1ULL << (sigs[i] - 1)));
	}
	/* Ours restored after the run. */
	assert_int_equal(sigaction(SIGINT, NULL, &sa), 0);
	assert_true(sa.sa_handler == SIG_DFL);
	{
		sigset_t set;

		sigprocmask(SIG_BLOCK, NULL, &set);
		assert_false(sigismember(&set, SIGINT));
		assert_false(sigismember(&set, SIGPIPE));
	}
	pf_proc_result_release(&r);
}

static void mark_cleanup(void *data)
{
	FILE *f = fopen(data, "w");

	if (f)
		fclose(f);
}

/*
 * SIGTERM (or Ctrl-C's SIGINT) while a child of its own group runs: the
 * group is stopped, on_signal cleans up, and we still die of the signal.
 */
static void interrupt_case(int sig)
{
	char *pidfile = path_in("grand.pid");
	char *marker = path_in("cleaned");
	char script[256];
	int status = 0, grand = 0;
	pid_t pid;

	unlink(pidfile);
	unlink(marker);
	snprintf(script, sizeof(script), "sleep 30 & echo $! >'%s'; wait",
		 pidfile);
	fflush(NULL);
	pid = fork();
	assert_true(pid >= 0);
	if (!pid) {
		const char *argv[] = { "sh", "-c", script, NULL };
		struct pf_proc_opts o = { 0 };
		struct pf_proc_result r;
		int ret;

		signal(sig, SIG_DFL);
		o.argv = argv;
		o.on_signal = mark_cleanup;
		o.on_signal_data = marker;
		pf_proc_result_init(&r);
		ret = pf_proc_run(&r, &o);
		_exit(ret == PF_ERROR ? 20 : 21);
	}
	for (int i = 0; i < 500 && !(grand = read_pid("grand.pid")); i++)
		usleep(20000);
	assert_true(grand > 0);
	kill(pid, sig);
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFSIGNALED(status));
	assert_int_equal(WTERMSIG(status), sig);
	assert_true(exists("cleaned"));
	usleep(100000);
	assert_false(alive(grand));
	free(pidfile);
	free(marker);
}

static void test_interrupt_sigint(void **state)
{
	(void)state;
	interrupt_case(SIGINT);
}

static void test_interrupt_sigterm(void **state)
{
	(void)state;
	interrupt_case(SIGTERM);
}

static volatile sig_atomic_t handled;

static void count_signal(int sig)
{
	handled = sig;
}

/* The caller's own handler runs after the cleanup; pf_proc_run then
 * returns an error instead of dying. */
static void test_interrupt_caller_handler(void **state)
{
	char *pidfile = path_in("grand.pid");
	char *marker = path_in("cleaned");
	char script[256];
	int status = 0, grand = 0;
	pid_t pid;

	(void)state;
	unlink(pidfile);
	snprintf(script, sizeof(script), "sleep 30 & echo $! >'%s'; wait",
		 pidfile);
	fflush(NULL);
	pid = fork();
	assert_true(pid >= 0);
	if (!pid) {
		const char *argv[] = { "sh", "-c", script, NULL };
		struct pf_proc_opts o = { 0 };
		struct pf_proc_result r;
		struct sigaction sa;
		int ret;

		memset(&sa, 0, sizeof(sa));
		sa.sa_handler = count_signal;
		sigaction(SIGTERM, &sa, NULL);
		o.argv = argv;
		o.on_signal = mark_cleanup;
		o.on_signal_data = marker;
		pf_proc_result_init(&r);
		ret = pf_proc_run(&r, &o);
		pf_proc_result_release(&r);
		free(pidfile);
		free(marker);
		if (handled != SIGTERM)
			_exit(31);
		if (ret != PF_ERROR ||
		    strcmp(pf_error_last(),
			   "interrupted by signal 15; sh was stopped"))
			_exit(32);
		sigaction(SIGTERM, NULL, &sa);
		_exit(sa.sa_handler == count_signal ? 30 : 33);
	}
	for (int i = 0; i < 500 && !(grand = read_pid("grand.pid")); i++)
		usleep(20000);
	assert_true(grand > 0);
	kill(pid, SIGTERM);
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 30);
	assert_true(exists("cleaned"));
	usleep(100000);
	assert_false(alive(grand));
	free(pidfile);
	free(marker);
}

/* A signal we ignore (nohup's SIGHUP) stays ignored: the child runs on. */
static void test_ignored_signal_stays_ignored(void **state)
{
	char *pidfile = path_in("child.pid");
	char script[256];
	int status = 0, child = 0;
	pid_t pid;

	(void)state;
	unlink(pidfile);
	snprintf(script, sizeof(script), "echo $$ >'%s'; sleep 1; exit 6",
		 pidfile);
	fflush(NULL);
	pid = fork();
	assert_true(pid >= 0);
	if (!pid) {
		const char *argv[] = { "sh", "-c", script, NULL };
		struct pf_proc_opts o = { 0 };
		struct pf_proc_result r;
		int ret;

		signal(SIGHUP, SIG_IGN);
		o.argv = argv;
		pf_proc_result_init(&r);
		ret = pf_proc_run(&r, &o) || r.exit_code != 6;
		pf_proc_result_release(&r);
		free(pidfile);
		_exit(ret ? 40 : 0);
	}
	for (int i = 0; i < 500 && !(child = read_pid("child.pid")); i++)
		usleep(20000);
	assert_true(child > 0);
	kill(pid, SIGHUP);
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 0);
	free(pidfile);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
#define T(name) cmocka_unit_test_setup_teardown(name, setup, teardown)
		T(test_mkdir_p),
		T(test_remove_tree_no_follow),
		T(test_write_file_atomic),
		T(test_parse_ulong),
		T(test_strings_and_hash),
		T(test_cwd_missing),
		T(test_unread_stdin),
		T(test_child_signal_state),
		T(test_interrupt_sigint),
		T(test_interrupt_sigterm),
		T(test_interrupt_caller_handler),
		T(test_ignored_signal_stays_ignored),
#undef T
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
