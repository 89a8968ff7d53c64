/* pushfix's own secret findings (issue 11): detection with kinds, the
 * masked form, findings on changed lines only, the allow mark, value
 * hashes and path globs, and masking of other findings on the line. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "pushfix/buf.h"
#include "pushfix/config.h"
#include "pushfix/diff.h"
#include "pushfix/err.h"
#include "pushfix/finding.h"
#include "pushfix/interval.h"
#include "pushfix/redact.h"
#include "pushfix/secret.h"
#include "pushfix/util.h"

/* Built at run time: no scanner flags this source. */
static char aws[21], openai[64], ghp[48];

static void build_keys(void)
{
	snprintf(aws, sizeof(aws), "AKIA%s", "IOSFODNN7EXAMPLE");
	snprintf(openai, sizeof(openai), "sk-%s-%s", "proj",
		 "Q7vX2mK9pL4nR8sT1wY6zB3cF5hJ0dG2aE4iU7oW");
	snprintf(ghp, sizeof(ghp), "ghp_%s", "aB3dE5fG7hJ9kL1mN3pQ5rS7tU9vW1xY3zA5");
}

static void test_find_kinds(void **state)
{
	struct pf_buf t = PF_BUF_INIT;
	struct pf_secret_hit *h;
	size_t nr;

	(void)state;
	pf_buf_addf(&t, "a = \"%s\"\nb = '%s'\nc = %s\nx = 1\n", aws, openai,
		    ghp);
	assert_int_equal(pf_redact_find_secrets(&h, &nr, t.buf, t.len), 0);
	assert_int_equal(nr, 3);
	assert_string_equal(h[0].kind, "aws-access-key-id");
	assert_int_equal(h[0].end - h[0].start, 20);
	assert_memory_equal(t.buf + h[0].start, aws, 20);
	assert_true(h[0].known);
	assert_string_equal(h[1].kind, "openai-anthropic-key");
	assert_string_equal(h[2].kind, "github-token");
	free(h);
	pf_buf_release(&t);
}

/* An unquoted shell export: a high-entropy run covers the name too, but
 * the hit starts where the known format does (the name stays readable,
 * the mask's prefix is the key's). */
static void test_find_known_format_start(void **state)
{
	struct pf_buf t = PF_BUF_INIT;
	struct pf_secret_hit *h;
	size_t nr;

	(void)state;
	pf_buf_addf(&t, "export OPENAI_API_KEY=%s\n", openai);
	assert_int_equal(pf_redact_find_secrets(&h, &nr, t.buf, t.len), 0);
	assert_int_equal(nr, 1);
	assert_string_equal(h[0].kind, "openai-anthropic-key");
	assert_int_equal(h[0].start, strlen("export OPENAI_API_KEY="));
	assert_int_equal(h[0].end, h[0].start + strlen(openai));
	free(h);
	pf_buf_release(&t);
}

static void test_find_assignment_and_entropy(void **state)
{
	const char *t = "password = \"hunter2-Cobalt\"\n"
			"blob = \"Zq8vR2mX7pL4nK9sT1wY6zB3cF5hJ0dG2aE4iU7o\"\n";
	struct pf_secret_hit *h;
	size_t nr;

	(void)state;
	assert_int_equal(pf_redact_find_secrets(&h, &nr, t, strlen(t)), 0);
	assert_int_equal(nr, 2);
	assert_string_equal(h[0].kind, "assignment");
	assert_true(h[0].known);
	assert_string_equal(h[1].kind, "high-entropy");
	assert_false(h[1].known);
	free(h);
}

static void test_mask(void **state)
{
	struct pf_buf b = PF_BUF_INIT;

	(void)state;
	pf_secret_mask_value(&b, aws, strlen(aws));
	assert_string_equal(b.buf, "AKIA\xe2\x80\xa6(20 chars)");
	pf_buf_reset(&b);
	/* short values keep a quarter at most */
	pf_secret_mask_value(&b, "hunter2", 7);
	assert_string_equal(b.buf, "h\xe2\x80\xa6(7 chars)");
	pf_buf_reset(&b);
	pf_secret_mask_value(&b, "abc", 3);
	assert_string_equal(b.buf, "\xe2\x80\xa6(3 chars)");
	pf_buf_reset(&b);
	pf_buf_addf(&b, "key = \"%s\" # and %s\n", aws, openai);
	{
		struct pf_buf m = PF_BUF_INIT;

		pf_secret_mask_text(&m, b.buf, b.len);
		assert_null(strstr(m.buf, aws));
		assert_null(strstr(m.buf, openai));
		assert_non_null(strstr(m.buf, "\"AKIA\xe2\x80\xa6(20 chars)\""));
		assert_non_null(strchr(m.buf, '\n'));
		pf_buf_release(&m);
	}
	pf_buf_release(&b);
}

/* One changed file: content, changed lines. */
static void one_file(struct pf_changeset *cs, const char *path,
		     const char *content, uint32_t from, uint32_t to)
{
	struct pf_changed_file *cf;

	PF_ALLOC_GROW(cs->files, cs->nr + 1, cs->alloc);
	cf = &cs->files[cs->nr++];
	memset(cf, 0, sizeof(*cf));
	cf->path = pf_xstrdup(path);
	cf->content = pf_xstrdup(content);
	cf->content_len = strlen(content);
	pf_intervals_init(&cf->lines);
	pf_intervals_add(&cf->lines, from, to);
	pf_intervals_normalize(&cf->lines);
}

static void test_scan_changed_lines_only(void **state)
{
	struct pf_changeset cs = PF_CHANGESET_INIT;
	struct pf_findings fs = PF_FINDINGS_INIT;
	struct pf_buf t = PF_BUF_INIT;
	struct pf_config cfg;

	(void)state;
	pf_config_init(&cfg);
	pf_buf_addf(&t, "old = \"%s\"\nnew = \"%s\"\nok = \"%s\" # %s\n", aws,
		    openai, ghp, PF_SECRET_ALLOW_MARK);
	one_file(&cs, "app.py", t.buf, 2, 3);
	assert_int_equal(pf_secret_scan(&fs, &cs, &cfg), 1);
	assert_int_equal(fs.nr, 1);
	assert_string_equal(fs.v[0].rule_id, "pushfix.secret.openai-key");
	assert_int_equal(fs.v[0].severity, PF_SEV_ERROR);
	assert_true(fs.v[0].secret);
	assert_int_equal(fs.v[0].start.line, 2);
	assert_int_equal(fs.v[0].start.col, 8);
	assert_null(strstr(fs.v[0].lines, openai));
	assert_non_null(strstr(fs.v[0].lines, "new = \"sk-p\xe2\x80\xa6("));
	assert_null(strstr(fs.v[0].message, openai));
	assert_non_null(strstr(fs.v[0].message, "sha256:"));
	assert_true(fs.v[0].fingerprint[0]);
	pf_findings_release(&fs);
	pf_changeset_release(&cs);
	pf_config_release(&cfg);
	pf_buf_release(&t);
}

static void test_scan_allow_lists(void **state)
{
	struct pf_changeset cs = PF_CHANGESET_INIT;
	struct pf_findings fs = PF_FINDINGS_INIT;
	struct pf_buf t = PF_BUF_INIT;
	struct pf_config cfg;
	char hash[PF_SECRET_HASH_SZ];

	(void)state;
	pf_config_init(&cfg);
	pf_buf_addf(&t, "a = \"%s\"\n", aws);
	one_file(&cs, "tests/fixtures/keys.py", t.buf, 1, 1);
	one_file(&cs, "app.py", t.buf, 1, 1);
	assert_int_equal(pf_secret_scan(&fs, &cs, &cfg), 2);
	pf_findings_release(&fs);

	/* a value hash, in any case, among others */
	pf_secret_value_hash(hash, aws, strlen(aws));
	assert_int_equal(strlen(hash), 23);
	free(cfg.secrets.allow);
	cfg.secrets.allow = pf_xstrdup("sha256:0123456789abcdef, ");
	pf_buf_reset(&t);
	pf_buf_addstr(&t, cfg.secrets.allow);
	pf_buf_addstr(&t, hash);
	free(cfg.secrets.allow);
	cfg.secrets.allow = pf_buf_detach(&t, NULL);
	assert_int_equal(pf_secret_scan(&fs, &cs, &cfg), 0);
	pf_findings_release(&fs);
	free(cfg.secrets.allow);
	cfg.secrets.allow = pf_xstrdup("");

	/* a path glob: '*' crosses directories; no '/': the base name */
	free(cfg.secrets.allow_paths);
	cfg.secrets.allow_paths = pf_xstrdup("tests/fixtures/*");
	assert_int_equal(pf_secret_scan(&fs, &cs, &cfg), 1);
	assert_string_equal(fs.v[0].path, "app.py");
	pf_findings_release(&fs);
	free(cfg.secrets.allow_paths);
	cfg.secrets.allow_paths = pf_xstrdup("nothing, app.py");
	assert_int_equal(pf_secret_scan(&fs, &cs, &cfg), 1);
	assert_string_equal(fs.v[0].path, "tests/fixtures/keys.py");
	pf_findings_release(&fs);
	pf_changeset_release(&cs);
	pf_config_release(&cfg);
	pf_buf_release(&t);
}

static void test_scan_masks_other_findings(void **state)
{
	struct pf_changeset cs = PF_CHANGESET_INIT;
	struct pf_findings fs = PF_FINDINGS_INIT;
	struct pf_buf t = PF_BUF_INIT;
	struct pf_finding *f;
	struct pf_config cfg;

	(void)state;
	pf_config_init(&cfg);
	pf_buf_addf(&t, "int x;\n\tstrcpy(b, \"%s\");\n", openai);
	one_file(&cs, "a.c", t.buf, 2, 2);
	/* a scanner's finding on the key's line, quoting it */
	f = pf_findings_push(&fs);
	f->rule_id = pf_xstrdup("FF1001");
	f->path = pf_xstrdup("a.c");
	pf_buf_reset(&t);
	pf_buf_addf(&t, "strcpy of %s", openai);
	f->message = pf_buf_detach(&t, NULL);
	f->start.line = f->end.line = 2;
	f->start.col = 2;
	f->start.offset = f->end.offset = -1;
	assert_int_equal(pf_finding_locate(f, cs.files[0].content,
					   cs.files[0].content_len),
			 0);
	assert_non_null(strstr(f->lines, openai));
	assert_int_equal(pf_secret_scan(&fs, &cs, &cfg), 1);
	assert_int_equal(fs.nr, 2);
	assert_null(strstr(fs.v[0].lines, openai));
	assert_non_null(strstr(fs.v[0].lines, "strcpy(b, \"sk-p\xe2\x80\xa6("));
	assert_null(strstr(fs.v[0].message, openai));
	assert_false(fs.v[0].secret);
	pf_findings_release(&fs);
	pf_changeset_release(&cs);
	pf_config_release(&cfg);
}

static void test_private_key_is_one_finding(void **state)
{
	struct pf_changeset cs = PF_CHANGESET_INIT;
	struct pf_findings fs = PF_FINDINGS_INIT;
	struct pf_buf t = PF_BUF_INIT;
	struct pf_config cfg;

	(void)state;
	pf_config_init(&cfg);
	pf_buf_addstr(&t, "-----BEGIN RSA ");
	pf_buf_addstr(&t, "PRIVATE KEY-----\n");
	for (int i = 0; i < 4; i++)
		pf_buf_addstr(&t, "MIIEpAIBAAKCAQEA7x9Qb3kLmN2pR5sT8vW1yZ4cF6hJ"
				  "0dG3aE5iU7oX9qB2nM4kL6p\n");
	pf_buf_addstr(&t, "-----END RSA ");
	pf_buf_addstr(&t, "PRIVATE KEY-----\n");
	one_file(&cs, "id_rsa", t.buf, 1, 6);
	assert_int_equal(pf_secret_scan(&fs, &cs, &cfg), 1);
	assert_string_equal(fs.v[0].rule_id, "pushfix.secret.private-key");
	assert_int_equal(fs.v[0].start.line, 2);
	assert_int_equal(fs.v[0].end.line, 5);
	assert_null(strstr(fs.v[0].lines, "MIIEpAIBAAKCAQEA7x9Q"));
	pf_findings_release(&fs);
	pf_changeset_release(&cs);
	pf_config_release(&cfg);
	pf_buf_release(&t);
}

/* What real trees hold that is no secret, and what is one. */
static void test_scan_precision(void **state)
{
	struct pf_changeset cs = PF_CHANGESET_INIT;
	struct pf_findings fs = PF_FINDINGS_INIT;
	struct pf_config cfg;
	const char *t =
		/* secrets */
		"api_key = \"9f86d081884c7d659a2feaa0c55ad015\"\n"
		"db_password = \"Tr0ub4dor&3-horse\"\n"
		"aws_secret_access_key = \"wJalrXUtnFEMI/K7MDENG/"
		"bPxRfiCYEXAMPLEKEY\"\n"
		/* not: an identifier, a name repeated, a test name, a
		 * commit hash, a UUID, an HTTP request in a string */
		"cJSON_AddItemToArray(array, item);\n"
		"\"dataStorePassword\": \"dataStoreTestQuery\",\n"
		":to_pass => [ 'paratest_ShouldHandle\\(25\\)' ],\n"
		"see [9abe](https://github.com/DaveGamble/cJSON/commit/"
		"9abe6cdcd3a1b7d2c3e4f5a6b7c8d9e0f1a2b3c4)\n"
		"token = \"768c7149-c3fb-f704-71a2-63918d9195b2\"\n"
		"s = \"GET / HTTP/1.1\\r\\nPostman-Token: "
		"768c7149-c3fb-f704-71a2-63918d9195b2\\r\\nAccept: */*\"\n";

	(void)state;
	pf_config_init(&cfg);
	one_file(&cs, "a.c", t, 1, 20);
	assert_int_equal(pf_secret_scan(&fs, &cs, &cfg), 3);
	assert_string_equal(fs.v[0].rule_id, "pushfix.secret.assignment");
	assert_int_equal(fs.v[0].start.line, 1);
	assert_int_equal(fs.v[1].start.line, 2);
	assert_int_equal(fs.v[2].start.line, 3);
	pf_findings_release(&fs);
	pf_changeset_release(&cs);
	pf_config_release(&cfg);
}

/* "AKIA…(20 chars)" twice: ignoring one key must not ignore the other. */
static void test_fingerprint_tells_keys_apart(void **state)
{
	struct pf_changeset cs = PF_CHANGESET_INIT;
	struct pf_findings fs = PF_FINDINGS_INIT;
	struct pf_buf t = PF_BUF_INIT;
	struct pf_config cfg;

	(void)state;
	pf_config_init(&cfg);
	pf_buf_addf(&t, "k = \"%s\"\n", aws);
	one_file(&cs, "a.py", t.buf, 1, 1);
	pf_buf_reset(&t);
	pf_buf_addf(&t, "k = \"AKIA%s\"\n", "Q2W3E4R5T6Y7U8I9");
	one_file(&cs, "b.py", t.buf, 1, 1);
	assert_int_equal(pf_secret_scan(&fs, &cs, &cfg), 2);
	assert_string_equal(fs.v[0].lines, fs.v[1].lines);
	assert_string_not_equal(fs.v[0].fingerprint, fs.v[1].fingerprint);
	pf_findings_release(&fs);
	pf_changeset_release(&cs);
	pf_config_release(&cfg);
	pf_buf_release(&t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_find_kinds),
		cmocka_unit_test(test_find_known_format_start),
		cmocka_unit_test(test_find_assignment_and_entropy),
		cmocka_unit_test(test_mask),
		cmocka_unit_test(test_scan_changed_lines_only),
		cmocka_unit_test(test_scan_allow_lists),
		cmocka_unit_test(test_scan_masks_other_findings),
		cmocka_unit_test(test_private_key_is_one_finding),
		cmocka_unit_test(test_fingerprint_tells_keys_apart),
		cmocka_unit_test(test_scan_precision),
	};

	build_keys();
	return cmocka_run_group_tests(tests, NULL, NULL);
}
