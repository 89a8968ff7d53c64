/*
 * struct pf_buf: the invariants of buf.h (never NULL, NUL-terminated,
 * alloc 0 on the static empty string), the caps on reads from children
 * and files, and the JSON string writer.
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
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "pushfix/buf.h"
#include "pushfix/err.h"
#include "pushfix/util.h"

static void test_init_and_detach(void **state)
{
	struct pf_buf b = PF_BUF_INIT;
	size_t len = 99;
	char *s;

	(void)state;
	assert_non_null(b.buf);
	assert_string_equal(b.buf, "");
	assert_int_equal(b.alloc, 0);
	/* Detaching an empty buffer still hands over a string to free. */
	s = pf_buf_detach(&b, &len);
	assert_non_null(s);
	assert_string_equal(s, "");
	assert_int_equal(len, 0);
	assert_int_equal(b.alloc, 0);
	free(s);
	pf_buf_release(NULL);
	pf_buf_release(&b);
	assert_string_equal(b.buf, "");
}

static void test_add_and_format(void **state)
{
	struct pf_buf b = PF_BUF_INIT;
	char big[1000];

	(void)state;
	pf_buf_add(&b, "ab\0c", 4);
	assert_int_equal(b.len, 4);
	assert_int_equal(b.buf[4], '\0');
	assert_memory_equal(b.buf, "ab\0c", 4);
	pf_buf_reset(&b);
	memset(big, 'x', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	/* Longer than the first guess of vaddf. */
	pf_buf_addf(&b, "[%s]%d", big, 42);
	assert_int_equal(b.len, sizeof(big) - 1 + 4);
	assert_int_equal(b.buf[0], '[');
	assert_string_equal(b.buf + sizeof(big), "]42");
	pf_buf_addch(&b, 'z');
	assert_int_equal(b.buf[b.len - 1], 'z');
	assert_int_equal(b.buf[b.len], '\0');
	pf_buf_release(&b);
}

static void test_rtrim(void **state)
{
	struct pf_buf b = PF_BUF_INIT;

	(void)state;
	pf_buf_rtrim(&b); /* on the static empty string: no write */
	pf_buf_addstr(&b, "  keep \t\r\n\n");
	pf_buf_rtrim(&b);
	assert_string_equal(b.buf, "  keep");
	pf_buf_release(&b);
}

/* setlen past the allocation is a bug, not a heap overflow. */
static void test_setlen_guard(void **state)
{
	int status = 0;
	pid_t pid;

	(void)state;
	fflush(NULL);
	pid = fork();
	assert_true(pid >= 0);
	if (!pid) {
		struct pf_buf b = PF_BUF_INIT;

		pf_buf_addstr(&b, "abc");
		pf_buf_setlen(&b, 2);
		if (strcmp(b.buf, "ab"))
			_exit(2);
		pf_buf_setlen(&b, b.alloc);
		_exit(3);
	}
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFSIGNALED(status));
	assert_int_equal(WTERMSIG(status), SIGABRT);
}

static int pipe_with(const char *data, size_t len)
{
	int fds[2];

	assert_int_equal(pipe(fds), 0);
	assert_int_equal(write(fds[1], data, len), (ssize_t)len);
	close(fds[1]);
	return fds[0];
}

/* The cap is inclusive; one byte more is PF_ETOOBIG and the buffer keeps
 * what it had. */
static void test_read_fd_cap(void **state)
{
	struct pf_buf b = PF_BUF_INIT;
	int fd;

	(void)state;
	pf_buf_addstr(&b, "kept:");
	fd = pipe_with("0123456789", 10);
	assert_int_equal(pf_buf_read_fd(&b, fd, 10), 0);
	close(fd);
	assert_string_equal(b.buf, "kept:0123456789");
	pf_buf_reset(&b);
	pf_buf_addstr(&b, "kept:");
	fd = pipe_with("0123456789A", 11);
	assert_int_equal(pf_buf_read_fd(&b, fd, 10), PF_ETOOBIG);
	close(fd);
	assert_string_equal(b.buf, "kept:");
	assert_string_equal(pf_error_last(), "input larger than 10 bytes");
	/* A closed descriptor: an error naming why. */
	assert_int_equal(pf_buf_read_fd(&b, 1000, 0), PF_ERROR);
	assert_string_equal(pf_error_last(), "read error: Bad file descriptor");
	assert_string_equal(b.buf, "kept:");
	pf_buf_release(&b);
}

static void test_read_file(void **state)
{
	struct pf_buf b = PF_BUF_INIT;
	char path[] = "/tmp/pf-tbuf-XXXXXX";
	int fd = mkstemp(path);

	(void)state;
	assert_true(fd >= 0);
	assert_int_equal(write(fd, "hello\n", 6), 6);
	close(fd);
	assert_int_equal(pf_buf_read_file(&b, path, 0), 0);
	assert_string_equal(b.buf, "hello\n");
	pf_buf_reset(&b);
	assert_int_equal(pf_buf_read_file(&b, path, 3), PF_ETOOBIG);
	assert_true(pf_starts_with(pf_error_last(), path));
	assert_non_null(strstr(pf_error_last(), ": input larger than 3 bytes"));
	unlink(path);
	assert_int_equal(pf_buf_read_file(&b, path, 0), PF_ENOTFOUND);
	assert_non_null(strstr(pf_error_last(), "No such file or directory"));
	pf_buf_release(&b);
}

static void test_json_str(void **state)
{
	struct pf_buf b = PF_BUF_INIT;

	(void)state;
	pf_buf_add_json_str(&b, "a\"b\\c\n\r\t\x01\x1f\x7f\xc3\xa9", 13);
	assert_string_equal(b.buf, "\"a\\\"b\\\\c\\n\\r\\t\\u0001\\u001f"
				   "\x7f\xc3\xa9\"");
	pf_buf_reset(&b);
	/* NUL in the middle: escaped, not an end. */
	pf_buf_add_json_str(&b, "x\0y", 3);
	assert_string_equal(b.buf, "\"x\\u0000y\"");
	pf_buf_release(&b);
}

/* One escaper, two formats: the decision store's lines and git's quoted
 * paths; each flag changes exactly its own bytes. */
static void test_escaped(void **state)
{
	struct pf_buf b = PF_BUF_INIT;
	const char *in = "a\\b\tc\nd\"e\rf\001g\177h";

	(void)state;
	pf_buf_add_escaped(&b, in, 0);
	assert_string_equal(b.buf, "a\\\\b\\tc\\nd\"e\rf\001g\177h");
	pf_buf_reset(&b);
	pf_buf_add_escaped(&b, in, PF_ESC_CR);
	assert_string_equal(b.buf, "a\\\\b\\tc\\nd\"e\\rf\001g\177h");
	pf_buf_reset(&b);
	pf_buf_add_escaped(&b, in, PF_ESC_QUOTE | PF_ESC_OCTAL);
	assert_string_equal(b.buf,
			    "a\\\\b\\tc\\nd\\\"e\\015f\\001g\\177h");
	pf_buf_reset(&b);
	pf_buf_add_escaped(&b, NULL, PF_ESC_QUOTE);
	assert_string_equal(b.buf, "");
	pf_buf_release(&b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_init_and_detach),
		cmocka_unit_test(test_add_and_format),
		cmocka_unit_test(test_rtrim),
		cmocka_unit_test(test_setlen_guard),
		cmocka_unit_test(test_read_fd_cap),
		cmocka_unit_test(test_read_file),
		cmocka_unit_test(test_json_str),
		cmocka_unit_test(test_escaped),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
