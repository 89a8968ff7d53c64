#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "pushfix/buf.h"
#include "pushfix/err.h"
#include "pushfix/interval.h"

static void assert_fmt(const struct pf_intervals *s, const char *want)
{
	struct pf_buf b = PF_BUF_INIT;

	pf_intervals_format(s, &b);
	assert_string_equal(b.buf, want);
	pf_buf_release(&b);
}

static void test_normalize_sorts_and_merges(void **state)
{
	struct pf_intervals s = PF_INTERVALS_INIT;

	(void)state;
	pf_intervals_add(&s, 40, 41);
	pf_intervals_add(&s, 12, 12);
	pf_intervals_add(&s, 5, 7);
	pf_intervals_add(&s, 3, 4);   /* adjacent to 5-7 */
	pf_intervals_add(&s, 6, 6);   /* inside */
	pf_intervals_add(&s, 100, 90); /* reversed: swapped */
	pf_intervals_normalize(&s);
	assert_fmt(&s, "3-7,12,40-41,90-100");
	assert_int_equal(s.nr, 4);
	assert_int_equal(pf_intervals_count(&s), 5 + 1 + 2 + 11);
	pf_intervals_release(&s);
	assert_null(s.v);
	pf_intervals_release(NULL);
}

static void test_not_adjacent_stays_apart(void **state)
{
	struct pf_intervals s = PF_INTERVALS_INIT;

	(void)state;
	pf_intervals_add(&s, 1, 2);
	pf_intervals_add(&s, 4, 5); /* line 3 between: two ranges */
	pf_intervals_normalize(&s);
	assert_fmt(&s, "1-2,4-5");
	pf_intervals_add(&s, 3, 3);
	pf_intervals_normalize(&s);
	assert_fmt(&s, "1-5");
	assert_int_equal(s.nr, 1);
	pf_intervals_release(&s);
}

static void test_overlapping_chain(void **state)
{
	struct pf_intervals s = PF_INTERVALS_INIT;

	(void)state;
	pf_intervals_add(&s, 10, 20);
	pf_intervals_add(&s, 1, 30);
	pf_intervals_add(&s, 25, 40);
	pf_intervals_add(&s, 42, 42);
	pf_intervals_add(&s, 41, 41);
	pf_intervals_normalize(&s);
	assert_fmt(&s, "1-42");
	pf_intervals_normalize(&s); /* idempotent */
	assert_fmt(&s, "1-42");
	pf_intervals_release(&s);
}

static void test_extremes(void **state)
{
	struct pf_intervals s = PF_INTERVALS_INIT;

	(void)state;
	pf_intervals_add(&s, UINT32_MAX - 1, UINT32_MAX);
	pf_intervals_add(&s, UINT32_MAX, UINT32_MAX);
	pf_intervals_add(&s, 1, 1);
	pf_intervals_normalize(&s);
	assert_fmt(&s, "1,4294967294-4294967295");
	assert_true(pf_intervals_overlaps(&s, UINT32_MAX, UINT32_MAX));
	assert_false(pf_intervals_overlaps(&s, 2, 100));
	assert_int_equal(pf_intervals_count(&s), 3);
	pf_intervals_release(&s);
}

static void test_overlaps(void **state)
{
	struct pf_intervals s = PF_INTERVALS_INIT;

	(void)state;
	assert_false(pf_intervals_overlaps(&s, 1, 100)); /* empty set */
	assert_int_equal(pf_intervals_parse(&s, "3-7,12,40-41"), 0);
	assert_true(pf_intervals_overlaps(&s, 3, 3));
	assert_true(pf_intervals_overlaps(&s, 7, 7));
	assert_true(pf_intervals_overlaps(&s, 1, 3));
	assert_true(pf_intervals_overlaps(&s, 7, 11));
	assert_true(pf_intervals_overlaps(&s, 8, 12));
	assert_true(pf_intervals_overlaps(&s, 1, 1000));
	assert_true(pf_intervals_overlaps(&s, 41, 50));
	assert_true(pf_intervals_overlaps(&s, 12, 3)); /* reversed query */
	assert_false(pf_intervals_overlaps(&s, 1, 2));
	assert_false(pf_intervals_overlaps(&s, 8, 11));
	assert_false(pf_intervals_overlaps(&s, 13, 39));
	assert_false(pf_intervals_overlaps(&s, 42, 42));
	pf_intervals_release(&s);
}

/* Binary search against a brute-force check on a larger random set. */
static void test_overlaps_matches_brute_force(void **state)
{
	struct pf_intervals s = PF_INTERVALS_INIT;
	unsigned char mark[2002];
	unsigned seed = 12345;

	(void)state;
	memset(mark, 0, sizeof(mark));
	for (int i = 0; i < 300; i++) {
		uint32_t a, len;

		seed = seed * 1103515245 + 12345;
		a = 1 + (seed >> 8) % 1990;
		seed = seed * 1103515245 + 12345;
		len = (seed >> 8) % 6;
		pf_intervals_add(&s, a, a + len);
		for (uint32_t l = a; l <= a + len; l++)
			mark[l] = 1;
	}
	pf_intervals_normalize(&s);
	for (size_t i = 1; i < s.nr; i++)
		assert_true(s.v[i].start > s.v[i - 1].end + 1);
	for (uint32_t a = 1; a < 2000; a++) {
		for (uint32_t b = a; b < a + 4 && b < 2000; b++) {
			int want = 0;

			for (uint32_t l = a; l <= b; l++)
				want |= mark[l];
			assert_int_equal(pf_intervals_overlaps(&s, a, b), want);
		}
	}
	{
		uint64_t n = 0;

		for (int l = 0; l < 2002; l++)
			n += mark[l];
		assert_int_equal(pf_intervals_count(&s), n);
	}
	pf_intervals_release(&s);
}

static void test_add_all(void **state)
{
	struct pf_intervals a = PF_INTERVALS_INIT, b = PF_INTERVALS_INIT;

	(void)state;
	pf_intervals_add(&a, 1, 3);
	pf_intervals_add(&b, 10, 12);
	pf_intervals_add(&b, 4, 4);
	pf_intervals_add_all(&a, &b);
	pf_intervals_add_all(&a, &(struct pf_intervals)PF_INTERVALS_INIT);
	pf_intervals_normalize(&a);
	assert_fmt(&a, "1-4,10-12");
	assert_fmt(&b, "10-12,4"); /* source untouched, not normalised */
	pf_intervals_release(&a);
	pf_intervals_release(&b);
}

static void test_parse_roundtrip(void **state)
{
	static const char *const ok[][2] = {
		{ "", "" },
		{ "1", "1" },
		{ "3-7,12,40-41", "3-7,12,40-41" },
		{ "12,3-7", "3-7,12" },
		{ "3-4,5-6", "3-6" },
		{ "5-5", "5" },
		{ "007", "7" },
		{ "4294967295", "4294967295" },
	};

	(void)state;
	for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
		struct pf_intervals s = PF_INTERVALS_INIT;

		assert_int_equal(pf_intervals_parse(&s, ok[i][0]), 0);
		assert_fmt(&s, ok[i][1]);
		pf_intervals_release(&s);
	}
}

static void test_parse_errors(void **state)
{
	static const char *const bad[][2] = {
		{ "x", "invalid line ranges 'x': expected a line number at "
		       "offset 0" },
		{ "3-x", "invalid line ranges '3-x': expected a line number "
			 "at offset 2" },
		{ "3-", "invalid line ranges '3-': expected a line number at "
			"the end at offset 2" },
		{ "0", "invalid line ranges '0': line numbers start at 1 at "
		       "offset 0" },
		{ "2-0", "invalid line ranges '2-0': line numbers start at 1 "
			 "at offset 2" },
		{ "7-3", "invalid line ranges '7-3': range ends before it "
			 "starts at offset 3" },
		{ "1,,2", "invalid line ranges '1,,2': expected a line number "
			  "at offset 2" },
		{ "1,", "invalid line ranges '1,': trailing comma at offset "
			"2" },
		{ ",1", "invalid line ranges ',1': expected a line number at "
			"offset 0" },
		{ "1 2", "invalid line ranges '1 2': expected ',' or '-' at "
			 "offset 1" },
		{ "1-2-3", "invalid line ranges '1-2-3': expected ',' or '-' "
			   "at offset 3" },
		{ "4294967296", "invalid line ranges '4294967296': line "
				"number too large at offset 0" },
		{ "-3", "invalid line ranges '-3': expected a line number at "
			"offset 0" },
		{ "+3", "invalid line ranges '+3': expected a line number at "
			"offset 0" },
	};

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct pf_intervals s = PF_INTERVALS_INIT;

		pf_intervals_add(&s, 99, 99);
		pf_error_clear();
		assert_int_equal(pf_intervals_parse(&s, bad[i][0]),
				 PF_EINVALID);
		assert_string_equal(pf_error_last(), bad[i][1]);
		/* A failed parse leaves the set as it was. */
		assert_fmt(&s, "99");
		pf_intervals_release(&s);
	}
}

static void test_parse_appends(void **state)
{
	struct pf_intervals s = PF_INTERVALS_INIT;

	(void)state;
	pf_intervals_add(&s, 8, 9);
	assert_int_equal(pf_intervals_parse(&s, "1-7"), 0);
	assert_fmt(&s, "1-9");
	pf_intervals_release(&s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_normalize_sorts_and_merges),
		cmocka_unit_test(test_not_adjacent_stays_apart),
		cmocka_unit_test(test_overlapping_chain),
		cmocka_unit_test(test_extremes),
		cmocka_unit_test(test_overlaps),
		cmocka_unit_test(test_overlaps_matches_brute_force),
		cmocka_unit_test(test_add_all),
		cmocka_unit_test(test_parse_roundtrip),
		cmocka_unit_test(test_parse_errors),
		cmocka_unit_test(test_parse_appends),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
