/*
 * pf_vault_reserve() (issue 12 item 4): room made up front changes no
 * placeholder, and values beyond it still grow the vault.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include "pushfix/redact.h"
#include "pushfix/util.h"
#include "redact/redact_int.h"

static void fill(struct pf_vault *v, int from, int to)
{
	char buf[32], ph[32];

	for (int i = from; i < to; i++) {
		snprintf(buf, sizeof(buf), "Value-%d", i);
		snprintf(ph, sizeof(ph), "PF_SECRET_%d", i + 1);
		assert_string_equal(
			pf_vault_put(v, PF_CAT_SECRET, buf, strlen(buf)), ph);
	}
}

static void test_reserve(void **state)
{
	struct pf_vault v;
	char buf[32];

	(void)state;
	pf_vault_init(&v, NULL);
	pf_vault_reserve(&v, 0); /* nothing yet: a table all the same */
	pf_vault_reserve(&v, 1000);
	assert_true(v.hash_alloc >= 2000);
	assert_true(v.alloc >= 1000);
	fill(&v, 0, 700);
	/* more than reserved, with another reservation between */
	pf_vault_reserve(&v, 100);
	assert_true(v.hash_alloc >= 1600);
	fill(&v, 700, 3000);
	/* a reservation smaller than what is there shrinks nothing */
	pf_vault_reserve(&v, 1);
	assert_true(v.hash_alloc >= 6002);
	for (int i = 0; i < 3000; i++) {
		snprintf(buf, sizeof(buf), "Value-%d", i);
		assert_int_equal(strtoul(pf_vault_put(&v, PF_CAT_SECRET, buf,
						      strlen(buf)) +
						 strlen("PF_SECRET_"),
					 NULL, 10),
				 i + 1);
	}
	assert_int_equal(v.nr, 3000);
	pf_vault_release(&v);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_reserve),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
