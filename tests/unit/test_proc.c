#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "pushfix/err.h"
#include "pushfix/proc.h"
#include "pushfix/util.h"

static int run(struct pf_proc_result *r, const char *const *argv,
	       const char *in, unsigned timeout_ms, size_t cap)
{
	struct pf_proc_opts o = { 0 };

	o.argv = argv;
	o.in = in;
	o.in_len = in ? strlen(in) : 0;
	o.timeout_ms = timeout_ms;
	o.out_cap = cap;
	pf_proc_result_init(r);
	return pf_proc_run(r, &o);
}

static void test_output_and_status(void **state)
{
	const char *argv[] = { "sh", "-c", "echo out; echo err >&2; exit 3",
			       NULL };
	struct pf_proc_result r;

	(void)state;
	assert_int_equal(run(&r, argv, NULL, 5000, 0), 0);
	assert_string_equal(r.out.buf, "out\n");
	assert_string_equal(r.err.buf, "err\n");
	assert_int_equal(r.exit_code, 3);
	assert_false(r.signaled);
	pf_proc_result_release(&r);
}

static void test_stdin_fed_large(void **state)
{
	/* Larger than a pipe buffer both ways: no deadlock. */
	const char *argv[] = { "cat", NULL };
	struct pf_proc_result r;
	char *big = pf_xmalloc(300001);

	(void)state;
	memset(big, 'x', 300000);
	big[300000] = '\0';
	assert_int_equal(run(&r, argv, big, 10000, 0), 0);
	assert_int_equal(r.out.len, 300000);
	assert_int_equal(r.exit_code, 0);
	free(big);
	pf_proc_result_release(&r);
}

static void test_not_found(void **state)
{
	const char *argv[] = { "pushfix-no-such-program", NULL };
	struct pf_proc_result r;

	(void)state;
	assert_int_equal(run(&r, argv, NULL, 1000, 0), PF_ENOTFOUND);
	assert_true(r.not_found);
	assert_non_null(strstr(pf_error_last(), "pushfix-no-such-program"));
	pf_proc_result_release(&r);
}

/* Gone, or a zombie waiting for whoever inherited it. */
static int process_alive(int pid)
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

static void test_timeout_kills_group(void **state)
{
	/* The child starts a grandchild that would outlive it; both must
	 * be gone after the timeout. */
	char pidfile[] = "/tmp/pf-proc-XXXXXX";
	int fd = mkstemp(pidfile);
	char script[512];
	const char *argv[] = { "sh", "-c", script, NULL };
	struct pf_proc_result r;
	FILE *f;
	int gpid = 0;
	double t0 = pf_now_ms();

	(void)state;
	close(fd);
	snprintf(script, sizeof(script),
		 "sleep 30 & echo $! > %s; wait", pidfile);
	assert_int_equal(run(&r, argv, NULL, 300, 0), PF_ETIMEOUT);
	assert_true(r.timed_out);
	assert_true(pf_now_ms() - t0 < 10000);
	f = fopen(pidfile, "r");
	assert_non_null(f);
	assert_int_equal(fscanf(f, "%d", &gpid), 1);
	fclose(f);
	unlink(pidfile);
	usleep(100000);
	assert_int_not_equal(gpid, 0);
	assert_false(process_alive(gpid));
	pf_proc_result_release(&r);
}

static void test_signal(void **state)
{
	const char *argv[] = { "sh", "-c", "kill -SEGV $$", NULL };
	struct pf_proc_result r;

	(void)state;
	assert_int_equal(run(&r, argv, NULL, 5000, 0), 0);
	assert_true(r.signaled);
	assert_int_equal(r.signo, SIGSEGV);
	pf_proc_result_release(&r);
}

static void test_output_cap(void **state)
{
	const char *argv[] = { "sh", "-c", "yes | head -c 1000000", NULL };
	struct pf_proc_result r;

	(void)state;
	assert_int_equal(run(&r, argv, NULL, 10000, 1000), PF_ETOOBIG);
	pf_proc_result_release(&r);
}

static void test_split(void **state)
{
	char **argv;

	(void)state;
	assert_int_equal(pf_proc_split(&argv, "pass show 'my key' \"a\\\"b\" c\\ d"), 0);
	assert_string_equal(argv[0], "pass");
	assert_string_equal(argv[1], "show");
	assert_string_equal(argv[2], "my key");
	assert_string_equal(argv[3], "a\"b");
	assert_string_equal(argv[4], "c d");
	assert_null(argv[5]);
	pf_proc_argv_free(argv);
	assert_int_equal(pf_proc_split(&argv, "echo 'open"), PF_EINVALID);
	assert_null(argv);
	assert_int_equal(pf_proc_split(&argv, "   "), PF_EINVALID);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_output_and_status),
		cmocka_unit_test(test_stdin_fed_large),
		cmocka_unit_test(test_not_found),
		cmocka_unit_test(test_timeout_kills_group),
		cmocka_unit_test(test_signal),
		cmocka_unit_test(test_output_cap),
		cmocka_unit_test(test_split),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
