#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "pushfix/cache.h"
#include "pushfix/err.h"
#include "pushfix/fs.h"
#include "pushfix/llm.h"
#include "pushfix/util.h"

static char dir[] = "/tmp/pf-test-cache.XXXXXX";

static int setup(void **state)
{
	(void)state;
	return mkdtemp(dir) ? 0 : -1;
}

static int teardown(void **state)
{
	(void)state;
	return pf_remove_tree(dir);
}

static void test_key(void **state)
{
	char a[65], b[65], c[65];

	(void)state;
	pf_cache_key(a, "openai", "gpt-4o", PF_LLM_PROMPT_VERSION, "{}", 2);
	assert_int_equal(strlen(a), 64);
	assert_int_equal(strspn(a, "0123456789abcdef"), 64);
	pf_cache_key(b, "openai", "gpt-4o", PF_LLM_PROMPT_VERSION, "{}", 2);
	assert_string_equal(a, b);
	/* Every field matters... */
	pf_cache_key(b, "azure", "gpt-4o", PF_LLM_PROMPT_VERSION, "{}", 2);
	assert_string_not_equal(a, b);
	pf_cache_key(b, "openai", "gpt-4o-mini", PF_LLM_PROMPT_VERSION, "{}",
		     2);
	assert_string_not_equal(a, b);
	pf_cache_key(b, "openai", "gpt-4o", "another-version", "{}", 2);
	assert_string_not_equal(a, b);
	pf_cache_key(b, "openai", "gpt-4o", PF_LLM_PROMPT_VERSION, "{ }", 3);
	assert_string_not_equal(a, b);
	/* ...and fields cannot bleed into each other. */
	pf_cache_key(b, "ab", "c", "v", "p", 1);
	pf_cache_key(c, "a", "bc", "v", "p", 1);
	assert_string_not_equal(b, c);
	/* The payload length is honoured (bodies may hold NULs). */
	pf_cache_key(b, "x", "m", "v", "ab\0c", 4);
	pf_cache_key(c, "x", "m", "v", "ab\0d", 4);
	assert_string_not_equal(b, c);
}

static void test_put_get(void **state)
{
	struct pf_cache c;
	struct pf_buf out = PF_BUF_INIT, path = PF_BUF_INIT;
	char key[65];
	struct stat st;

	(void)state;
	pf_cache_open(&c, dir, 0);
	pf_cache_key(key, "openai", "m", "v", "body", 4);
	assert_int_equal(pf_cache_get(&c, key, &out), PF_ENOTFOUND);
	assert_int_equal(pf_cache_put(&c, key, "{\"a\":1}", 7), 0);
	assert_int_equal(pf_cache_get(&c, key, &out), 0);
	assert_string_equal(out.buf, "{\"a\":1}");
	assert_int_equal(c.hits, 1);
	assert_int_equal(c.misses, 1);
	assert_int_equal(c.writes, 1);
	pf_buf_addf(&path, "%s/cache/%s.json", dir, key);
	assert_int_equal(stat(path.buf, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0600);
	pf_buf_reset(&path);
	pf_buf_addf(&path, "%s/cache", dir);
	assert_int_equal(stat(path.buf, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0700);
	/* Overwrite. */
	assert_int_equal(pf_cache_put(&c, key, "{\"a\":2}", 7), 0);
	assert_int_equal(pf_cache_get(&c, key, &out), 0);
	assert_string_equal(out.buf, "{\"a\":2}");
	/* Keys that are not ours never reach the file system. */
	assert_int_equal(pf_cache_get(&c, "../../etc/passwd", &out),
			 PF_ENOTFOUND);
	assert_int_equal(pf_cache_put(&c, "../x", "y", 1), PF_EINVALID);
	pf_cache_release(&c);

	/* --no-cache: nothing read, nothing written. */
	pf_cache_open(&c, dir, 1);
	assert_int_equal(pf_cache_get(&c, key, &out), PF_ENOTFOUND);
	pf_cache_key(key, "openai", "m", "v", "other", 5);
	assert_int_equal(pf_cache_put(&c, key, "z", 1), 0);
	pf_cache_release(&c);
	pf_cache_open(&c, dir, 0);
	assert_int_equal(pf_cache_get(&c, key, &out), PF_ENOTFOUND);
	pf_cache_release(&c);
	pf_buf_release(&out);
	pf_buf_release(&path);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_key),
	    cmocka_unit_test(test_put_get),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
