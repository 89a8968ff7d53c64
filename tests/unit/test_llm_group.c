/* Issue 11: several findings of one file in one request. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <cjson/cJSON.h>

#include "pushfix/err.h"
#include "pushfix/llm.h"
#include "pushfix/util.h"

#define ANS "\"verdict\":\"true_positive\",\"confidence\":0.5," \
	    "\"reason\":\"It overflows.\",\"fix\":null"

static void release_all(struct pf_llm_answer *a, char **e, size_t nr)
{
	for (size_t k = 0; k < nr; k++) {
		pf_llm_answer_release(&a[k]);
		free(e[k]);
	}
}

static void test_group_answer(void **state)
{
	const char *json =
		"{\"findings\":[{\"id\":2," ANS "},"
		"{\"id\":1,\"verdict\":\"false_positive\",\"confidence\":1,"
		"\"reason\":\"Constant.\",\"fix\":{\"start_line\":3,"
		"\"end_line\":3,\"replacement\":\"x\\n\"}}]}";
	struct pf_llm_answer a[3];
	char *e[3];
	struct pf_buf canon = PF_BUF_INIT;

	(void)state;
	assert_int_equal(pf_llm_parse_group_answer(a, e, 3, json,
						   strlen(json)),
			 0);
	assert_int_equal(a[0].verdict, PF_VERDICT_FALSE_POSITIVE);
	assert_true(a[0].has_fix);
	assert_int_equal(a[0].start_line, 3);
	assert_null(e[0]);
	assert_int_equal(a[1].verdict, PF_VERDICT_TRUE_POSITIVE);
	assert_null(e[1]);
	/* id 3 left out: that one alone, and why */
	assert_int_equal(a[2].verdict, PF_VERDICT_NONE);
	assert_non_null(strstr(e[2], "no entry for this finding"));
	pf_llm_group_answer_json(&canon, a, 3);
	assert_non_null(strstr(canon.buf, "{\"findings\":[{\"id\":1,"));
	assert_null(strstr(canon.buf, "\"id\":3"));
	release_all(a, e, 3);
	pf_buf_release(&canon);
}

static void test_group_answer_bad_entries(void **state)
{
	const char *json = "{\"findings\":[{\"id\":1," ANS ",\"extra\":1},"
			   "{\"id\":2," ANS "},{\"id\":2," ANS "},"
			   "{\"id\":9," ANS "}]}";
	struct pf_llm_answer a[2];
	char *e[2];

	(void)state;
	assert_int_equal(pf_llm_parse_group_answer(a, e, 2, json,
						   strlen(json)),
			 0);
	assert_int_equal(a[0].verdict, PF_VERDICT_NONE);
	assert_non_null(strstr(e[0], "unknown key 'findings[].extra'"));
	assert_int_equal(a[1].verdict, PF_VERDICT_NONE);
	assert_non_null(strstr(e[1], "twice"));
	release_all(a, e, 2);
}

static void test_group_answer_unusable(void **state)
{
	static const char *const bad[] = {
		"[]",
		"{\"findings\":{}}",
		"{\"findings\":[],\"more\":1}",
		"{\"verdict\":\"true_positive\"}",
		"not json",
	};
	struct pf_llm_answer a[1];
	char *e[1];

	(void)state;
	for (size_t i = 0; i < PF_ARRAY_SIZE(bad); i++) {
		assert_int_equal(pf_llm_parse_group_answer(a, e, 1, bad[i],
							   strlen(bad[i])),
				 PF_EINVALID);
		release_all(a, e, 1);
	}
}

static void test_group_body(void **state)
{
	struct pf_llm llm;
	struct pf_llm_prompt p[2];
	struct pf_buf one = PF_BUF_INIT, same = PF_BUF_INIT, two = PF_BUF_INIT;
	const char *snip = "> 5 | strcpy(d, a);\n> 6 | strcat(d, b);\n";
	cJSON *root, *schema;

	(void)state;
	memset(&llm, 0, sizeof(llm));
	llm.provider = PF_LLM_OPENAI;
	llm.model = (char *)"gpt-4o-mini";
	memset(p, 0, sizeof(p));
	p[0].rule_id = "FF1001";
	p[0].start_line = p[0].end_line = 5;
	p[0].snippet = "> 5 | strcpy(d, a);\n";
	p[0].snippet_len = strlen(p[0].snippet);
	p[1].rule_id = "FF1003";
	p[1].start_line = p[1].end_line = 6;
	/* One finding: exactly the single-finding body. */
	pf_llm_build_body(&one, &llm, &p[0]);
	pf_llm_build_group_body(&same, &llm, p, 1, snip, strlen(snip), 0);
	assert_string_equal(one.buf, same.buf);
	pf_llm_build_group_body(&two, &llm, p, 2, snip, strlen(snip), 0);
	root = cJSON_Parse(two.buf);
	assert_non_null(root);
	schema = cJSON_GetObjectItem(
		cJSON_GetObjectItem(cJSON_GetObjectItem(root,
							"response_format"),
				    "json_schema"),
		"schema");
	assert_non_null(cJSON_GetObjectItem(
		cJSON_GetObjectItem(schema, "properties"), "findings"));
	assert_non_null(strstr(two.buf, "Finding id 2:"));
	assert_non_null(strstr(two.buf, "Rule: FF1003"));
	cJSON_Delete(root);
	pf_buf_release(&one);
	pf_buf_release(&same);
	pf_buf_release(&two);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_group_answer),
		cmocka_unit_test(test_group_answer_bad_entries),
		cmocka_unit_test(test_group_answer_unusable),
		cmocka_unit_test(test_group_body),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
