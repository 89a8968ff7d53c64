/* Rule modes ([rules], issue 15): which list wins, and who may say. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "pushfix/buf.h"
#include "pushfix/config.h"
#include "pushfix/finding.h"
#include "pushfix/policy.h"
#include "pushfix/ui.h"

static void set(struct pf_config *c, const char *key, const char *value)
{
	assert_int_equal(pf_config_set(c, "rules", key, value, NULL), 0);
}

static enum pf_mode mode_of(const struct pf_config *c, const char *id,
			    int secret, const char **conflict, int *refused)
{
	struct pf_finding f;

	memset(&f, 0, sizeof(f));
	f.rule_id = (char *)id;
	f.secret = secret;
	return pf_policy_mode(c, &f, conflict, refused);
}

static void test_most_specific_wins(void **state)
{
	struct pf_config c;
	const char *conflict;

	(void)state;
	pf_config_init(&c);
	assert_int_equal(mode_of(&c, "a.b.c", 0, &conflict, NULL),
			 PF_MODE_DEFAULT);
	set(&c, "block", "a.*");
	set(&c, "comment", "a.b.*, x");
	set(&c, "monitor", "a.b.c");
	/* exact id over any glob */
	assert_int_equal(mode_of(&c, "a.b.c", 0, &conflict, NULL),
			 PF_MODE_MONITOR);
	assert_null(conflict);
	/* the longer glob over the shorter */
	assert_int_equal(mode_of(&c, "a.b.d", 0, NULL, NULL), PF_MODE_COMMENT);
	assert_int_equal(mode_of(&c, "a.z", 0, NULL, NULL), PF_MODE_BLOCK);
	assert_int_equal(mode_of(&c, "x", 0, NULL, NULL), PF_MODE_COMMENT);
	/* a glob without metacharacters is an exact id only */
	assert_int_equal(mode_of(&c, "xy", 0, NULL, NULL), PF_MODE_DEFAULT);
	pf_config_release(&c);
}

static void test_tie_takes_the_stricter(void **state)
{
	struct pf_config c;
	const char *conflict;

	(void)state;
	pf_config_init(&c);
	set(&c, "comment", "r1");
	set(&c, "block", "r1");
	set(&c, "monitor", "r1,r2");
	assert_int_equal(mode_of(&c, "r1", 0, &conflict, NULL), PF_MODE_BLOCK);
	assert_non_null(conflict);
	assert_string_equal(conflict, "comment");
	assert_int_equal(mode_of(&c, "r2", 0, &conflict, NULL),
			 PF_MODE_MONITOR);
	assert_null(conflict);
	pf_config_release(&c);
}

static void test_repository_cannot_unblock_secrets(void **state)
{
	struct pf_config c;
	struct pf_buf w = PF_BUF_INIT;
	int refused;
	char path[] = "/tmp/pf-policy-XXXXXX";
	int fd = mkstemp(path);
	static const char ini[] = "[rules]\ncomment = pushfix.secret.*\n"
				  "monitor = x\n";

	(void)state;
	assert_true(fd >= 0);
	assert_int_equal(write(fd, ini, sizeof(ini) - 1),
			 (ssize_t)(sizeof(ini) - 1));
	close(fd);
	pf_config_init(&c);
	/* The trusted layer may. */
	assert_int_equal(pf_config_load_file(&c, path, &w), 0);
	assert_int_equal(mode_of(&c, "pushfix.secret.aws", 1, NULL, &refused),
			 PF_MODE_COMMENT);
	assert_int_equal(refused, 0);
	pf_config_release(&c);
	/* The repository's file (PUSHFIX_CONFIG-less load, worktree
	 * .pushfix.ini) may not: see t0970 for the whole layer; here the
	 * flag alone. */
	pf_config_init(&c);
	set(&c, "comment", "pushfix.secret.*");
	c.rules.comment_trusted = 0;
	assert_int_equal(mode_of(&c, "pushfix.secret.aws", 1, NULL, &refused),
			 PF_MODE_DEFAULT);
	assert_int_equal(refused, 1);
	/* ... a rule of no credential is its to comment on */
	assert_int_equal(mode_of(&c, "pushfix.secret.aws", 0, NULL, &refused),
			 PF_MODE_COMMENT);
	pf_config_release(&c);
	pf_buf_release(&w);
	unlink(path);
}

static void test_counts_and_effective(void **state)
{
	struct pf_config c;
	struct pf_ui_result r;
	struct pf_finding f;
	const char *what;

	(void)state;
	pf_config_init(&c);
	assert_int_equal(pf_config_set(&c, "policy", "block", "error", NULL),
			 0);
	memset(&r, 0, sizeof(r));
	memset(&f, 0, sizeof(f));
	f.severity = PF_SEV_ERROR;
	f.mode = PF_MODE_COMMENT;
	pf_policy_count_open(&r, &f);
	assert_int_equal(pf_policy_blocking(&r, &c, &what), 0);
	assert_int_equal(pf_policy_effective(&c, &f), PF_MODE_COMMENT);
	f.mode = PF_MODE_DEFAULT;
	assert_int_equal(pf_policy_effective(&c, &f), PF_MODE_BLOCK);
	f.severity = PF_SEV_INFO;
	f.mode = PF_MODE_BLOCK;
	pf_policy_count_open(&r, &f);
	assert_int_equal(pf_policy_blocking(&r, &c, &what), 1);
	assert_string_equal(what, "of rules in block mode");
	assert_int_equal(r.open, 2);
	pf_config_release(&c);
}

/*
 * A credential in [rules] block mode (a repository may name it there:
 * stricter) stays a credential: block_secrets' stop, which no "push
 * anyway" answer lifts, as in the default mode.
 */
static void test_block_mode_keeps_credentials(void **state)
{
	struct pf_config c;
	struct pf_ui_result r;
	struct pf_finding f;
	struct pf_buf why = PF_BUF_INIT;

	(void)state;
	pf_config_init(&c);
	memset(&r, 0, sizeof(r));
	memset(&f, 0, sizeof(f));
	f.secret = 1;
	f.severity = PF_SEV_ERROR;
	f.mode = PF_MODE_BLOCK;
	pf_policy_count_open(&r, &f);
	r.push_anyway = 1;
	assert_int_equal(pf_policy_decide(&why, &r, &c), PF_POLICY_SECRET);
	assert_non_null(strstr(why.buf, "1 credential on the pushed lines"));
	/* With block_secrets off, [rules] block still stops it. */
	assert_int_equal(pf_config_set(&c, "policy", "block_secrets", "false",
				       NULL),
			 0);
	r.push_anyway = 0;
	assert_int_equal(pf_policy_decide(NULL, &r, &c), PF_POLICY_BLOCK);
	pf_buf_release(&why);
	pf_config_release(&c);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_most_specific_wins),
		cmocka_unit_test(test_tie_takes_the_stricter),
		cmocka_unit_test(test_repository_cannot_unblock_secrets),
		cmocka_unit_test(test_counts_and_effective),
		cmocka_unit_test(test_block_mode_keeps_credentials),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
