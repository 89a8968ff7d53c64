/* Issue 11: the progress line never reaches a file. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "pushfix/progress.h"

static void test_not_a_terminal(void **state)
{
	char path[] = "/tmp/pf-progress-XXXXXX";
	int fd = mkstemp(path), saved = dup(STDERR_FILENO);
	char buf[64];

	(void)state;
	assert_true(fd >= 0 && saved >= 0);
	assert_int_equal(dup2(fd, STDERR_FILENO), STDERR_FILENO);
	pf_progress_setup(1);
	pf_progress_begin(3, "scanning %d files", 3);
	pf_progress_set(1);
	usleep(1300 * 1000);
	pf_progress_end();
	pf_progress_end(); /* idempotent */
	dup2(saved, STDERR_FILENO);
	close(saved);
	assert_int_equal(pread(fd, buf, sizeof(buf), 0), 0);
	close(fd);
	unlink(path);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_not_a_terminal),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
