/*
 * The per-blob scan cache's entries (src/scan/blobcache.c): what goes in
 * comes out field for field, a damaged or foreign entry is a miss, the
 * key changes with every part, and pruning removes the oldest first.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <unistd.h>

#include <cmocka.h>

#include "pushfix/buf.h"
#include "pushfix/err.h"
#include "pushfix/finding.h"
#include "pushfix/fs.h"
#include "pushfix/util.h"
#include "scan/blobcache.h"

static char dir[] = "/tmp/pf-test-scan-cache.XXXXXX";

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

static void fill(struct pf_finding *f, unsigned line)
{
	f->rule_id = pf_xstrdup("FF1001");
	f->path = pf_xstrdup("src/a.c");
	f->message = pf_xstrdup("buffer/strcpy: \"quoted\"\tand \xc3\xa9");
	f->severity = PF_SEV_ERROR;
	f->severity_label = pf_xstrdup("error");
	f->start.line = line;
	f->start.col = 2;
	f->start.offset = 100;
	f->end.line = line;
	f->end.col = 0;
	f->end.offset = 120;
	f->cwe = pf_xstrdup("CWE-120");
	f->metadata_json = pf_xstrdup("{\"a\":[1,2]}");
	f->lines = pf_xstrdup("\tstrcpy(a, b);\n");
	memset(f->fingerprint, 'a', 64);
}

static void assert_same(const struct pf_finding *a, const struct pf_finding *b)
{
	assert_string_equal(a->rule_id, b->rule_id);
	assert_string_equal(a->path, b->path);
	assert_string_equal(a->message, b->message);
	assert_int_equal(a->severity, b->severity);
	assert_string_equal(a->severity_label, b->severity_label);
	assert_memory_equal(&a->start, &b->start, sizeof(a->start));
	assert_memory_equal(&a->end, &b->end, sizeof(a->end));
	assert_string_equal(a->cwe, b->cwe);
	assert_null(b->owasp);
	assert_null(b->rule_fix);
	assert_string_equal(a->metadata_json, b->metadata_json);
	assert_string_equal(a->lines, b->lines);
	assert_string_equal(a->fingerprint, b->fingerprint);
}

static void test_round_trip(void **state)
{
	struct pf_findings in = PF_FINDINGS_INIT, out = PF_FINDINGS_INIT;
	const struct pf_finding *v[2];
	char key[65];

	(void)state;
	fill(pf_findings_push(&in), 3);
	fill(pf_findings_push(&in), 9);
	v[0] = &in.v[0];
	v[1] = &in.v[1];
	assert_true(pf_scan_cache_storable(v[0]));
	pf_scan_cache_key(key, "id", "src/a.c", "x", 1);
	assert_int_equal(pf_scan_cache_get(dir, key, "src/a.c", &out),
			 PF_ENOTFOUND);
	assert_int_equal(pf_scan_cache_put(dir, key, v, 2), 0);
	assert_int_equal(pf_scan_cache_get(dir, key, "src/a.c", &out), 0);
	assert_int_equal(out.nr, 2);
	assert_same(&in.v[0], &out.v[0]);
	assert_same(&in.v[1], &out.v[1]);
	/* No findings is an answer too. */
	pf_scan_cache_key(key, "id", "src/b.c", "x", 1);
	assert_int_equal(pf_scan_cache_put(dir, key, v, 0), 0);
	assert_int_equal(pf_scan_cache_get(dir, key, "src/b.c", &out), 0);
	assert_int_equal(out.nr, 2);
	pf_findings_release(&in);
	pf_findings_release(&out);
}

static void test_key_parts(void **state)
{
	char a[65], b[65];

	(void)state;
	pf_scan_cache_key(a, "id", "a.c", "int x;\n", 7);
	pf_scan_cache_key(b, "id", "a.c", "int x;\n", 7);
	assert_string_equal(a, b);
	pf_scan_cache_key(b, "id2", "a.c", "int x;\n", 7);
	assert_string_not_equal(a, b);
	pf_scan_cache_key(b, "id", "b.c", "int x;\n", 7);
	assert_string_not_equal(a, b);
	pf_scan_cache_key(b, "id", "a.c", "int y;\n", 7);
	assert_string_not_equal(a, b);
}

/* A changed rule file changes the scanner's identity. */
static void test_file_id(void **state)
{
	struct pf_buf p = PF_BUF_INIT, a = PF_BUF_INIT, b = PF_BUF_INIT;

	(void)state;
	pf_buf_addf(&p, "%s/rules", dir);
	assert_int_equal(pf_mkdir_p(p.buf, 0700), 0);
	pf_buf_addstr(&p, "/r.yml");
	assert_int_equal(pf_write_file_atomic(p.buf, "a", 1, 0600), 0);
	pf_buf_setlen(&p, p.len - strlen("/r.yml"));
	pf_scan_cache_add_file_id(&a, p.buf);
	pf_buf_addstr(&p, "/r.yml");
	assert_int_equal(pf_write_file_atomic(p.buf, "b", 1, 0600), 0);
	pf_buf_setlen(&p, p.len - strlen("/r.yml"));
	pf_scan_cache_add_file_id(&b, p.buf);
	assert_string_not_equal(a.buf, b.buf);
	pf_buf_reset(&a);
	pf_scan_cache_add_file_id(&a, "/nonexistent/x");
	assert_non_null(strstr(a.buf, "missing"));
	pf_buf_release(&p);
	pf_buf_release(&a);
	pf_buf_release(&b);
}

static void entry(struct pf_buf *p, const char *key)
{
	pf_buf_reset(p);
	pf_buf_addf(p, "%s/%s.json", dir, key);
}

/* Truncated, garbage, another key's entry, a wrong type: each a miss. */
static void test_damaged(void **state)
{
	struct pf_findings in = PF_FINDINGS_INIT, out = PF_FINDINGS_INIT;
	struct pf_buf p = PF_BUF_INIT, data = PF_BUF_INIT;
	const struct pf_finding *v[1];
	char key[65], other[65];
	static const char *const bad[] = {
		"", "{", "garbage", "{\"key\":\"x\",\"findings\":[]}",
		"{\"findings\":[]}",
	};

	(void)state;
	fill(pf_findings_push(&in), 5);
	v[0] = &in.v[0];
	pf_scan_cache_key(key, "id", "d.c", "d", 1);
	pf_scan_cache_key(other, "id", "e.c", "e", 1);
	assert_int_equal(pf_scan_cache_put(dir, key, v, 1), 0);
	entry(&p, key);
	assert_int_equal(pf_buf_read_file(&data, p.buf, 1 << 20), 0);
	for (size_t cut = 1; cut < data.len; cut += 7) {
		assert_int_equal(pf_write_file_atomic(p.buf, data.buf, cut,
						      0600),
				 0);
		assert_int_equal(pf_scan_cache_get(dir, key, "d.c", &out),
				 PF_ENOTFOUND);
		assert_int_equal(out.nr, 0);
	}
	for (size_t i = 0; i < PF_ARRAY_SIZE(bad); i++) {
		assert_int_equal(pf_write_file_atomic(p.buf, bad[i],
						      strlen(bad[i]), 0600),
				 0);
		assert_int_equal(pf_scan_cache_get(dir, key, "d.c", &out),
				 PF_ENOTFOUND);
	}
	/* Another key's entry under this name. */
	entry(&p, other);
	assert_int_equal(pf_scan_cache_put(dir, other, v, 1), 0);
	pf_buf_reset(&data);
	assert_int_equal(pf_buf_read_file(&data, p.buf, 1 << 20), 0);
	entry(&p, key);
	assert_int_equal(pf_write_file_atomic(p.buf, data.buf, data.len, 0600),
			 0);
	assert_int_equal(pf_scan_cache_get(dir, key, "d.c", &out),
			 PF_ENOTFOUND);
	/* Rewritten, it is read again. */
	assert_int_equal(pf_scan_cache_put(dir, key, v, 1), 0);
	assert_int_equal(pf_scan_cache_get(dir, key, "d.c", &out), 0);
	assert_int_equal(out.nr, 1);
	pf_findings_release(&in);
	pf_findings_release(&out);
	pf_buf_release(&p);
	pf_buf_release(&data);
}

static void test_prune(void **state)
{
	struct pf_buf sub = PF_BUF_INIT, p = PF_BUF_INIT;
	char buf[1000];
	struct timeval tv[2] = { { 0, 0 }, { 0, 0 } };

	(void)state;
	memset(buf, 'x', sizeof(buf));
	pf_buf_addf(&sub, "%s/prune", dir);
	assert_int_equal(pf_mkdir_p(sub.buf, 0700), 0);
	for (int i = 0; i < 10; i++) {
		pf_buf_reset(&p);
		pf_buf_addf(&p, "%s/%02d.json", sub.buf, i);
		assert_int_equal(
			pf_write_file_atomic(p.buf, buf, sizeof(buf), 0600), 0);
		tv[0].tv_sec = tv[1].tv_sec = 1000000 + i;
		assert_int_equal(utimes(p.buf, tv), 0);
	}
	/* Under the cap: nothing goes. */
	assert_int_equal(pf_scan_cache_prune(sub.buf, 10000), 0);
	/* Over: the oldest go until 3/4 of the cap is left. */
	assert_int_equal(pf_scan_cache_prune(sub.buf, 8000), 4);
	for (int i = 0; i < 10; i++) {
		pf_buf_reset(&p);
		pf_buf_addf(&p, "%s/%02d.json", sub.buf, i);
		assert_int_equal(access(p.buf, F_OK) == 0, i >= 4);
	}
	pf_buf_release(&sub);
	pf_buf_release(&p);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_round_trip),
		cmocka_unit_test(test_key_parts),
		cmocka_unit_test(test_file_id),
		cmocka_unit_test(test_damaged),
		cmocka_unit_test(test_prune),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
