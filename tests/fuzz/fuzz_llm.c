/*
 * libFuzzer target for the LLM answer readers: any bytes, read as an
 * OpenAI or Anthropic HTTP body (the first byte picks the provider, the
 * JSON mode and the HTTP status) or as the bare answer object, must give either
 * an answer that holds what the schema promises or
 * PF_EINVALID/PF_EAUTH/PF_ERETRY/PF_ERROR with a message -- never a crash, a
 * leak or a read past `size`; and a valid answer must read back the same from
 * its canonical JSON.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "pushfix/err.h"
#include "pushfix/llm.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check(const struct pf_llm_answer *a)
{
	struct pf_llm_answer b;
	struct pf_buf j = PF_BUF_INIT;

	if (a->verdict < PF_VERDICT_TRUE_POSITIVE ||
	    a->verdict > PF_VERDICT_UNCERTAIN || !(a->confidence >= 0) ||
	    !(a->confidence <= 1) || !a->reason || !*a->reason)
		abort();
	if (a->has_fix &&
	    (!a->replacement || !a->start_line || a->end_line < a->start_line))
		abort();
	pf_llm_answer_json(&j, a);
	if (pf_llm_parse_answer(&b, j.buf, j.len) || b.verdict != a->verdict ||
	    strcmp(b.reason, a->reason) || b.has_fix != a->has_fix ||
	    (a->has_fix && strcmp(b.replacement, a->replacement)))
		abort();
	pf_llm_answer_release(&b);
	pf_buf_release(&j);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const long statuses[] = {200, 200, 200, 400, 401, 429, 500};
	struct pf_llm llm;
	struct pf_http_response r;
	struct pf_llm_answer a;
	struct pf_buf j = PF_BUF_INIT;
	char *copy;
	uint8_t sel;
	int ret;

	if (!size)
		return 0;
	sel = data[0];
	memset(&llm, 0, sizeof(llm));
	llm.provider = data[0] & 1 ? PF_LLM_ANTHROPIC : PF_LLM_OPENAI;
	llm.json_mode = data[0] & 2 ? PF_LLM_JSON_NONE : PF_LLM_JSON_SCHEMA;
	llm.key = (char *)"sk-fuzz-key";
	data++;
	size--;
	/* A private copy, so that reading past `size` is caught by ASan. */
	copy = malloc(size ? size : 1);
	if (!copy)
		return 0;
	if (size)
		memcpy(copy, data, size);

	ret = pf_llm_parse_answer(&a, copy, size);
	if (!ret) {
		check(&a);
		pf_llm_answer_release(&a);
	} else if (ret != PF_EINVALID || !*pf_error_last()) {
		abort();
	}

	pf_http_response_init(&r);
	r.status = statuses[(unsigned)(sel >> 2) %
			    (sizeof(statuses) / sizeof(statuses[0]))];
	pf_buf_add(&r.body, copy, size);
	ret = pf_llm_parse_response(&a, &j, &llm, &r);
	if (!ret) {
		check(&a);
		pf_llm_answer_release(&a);
	} else if (!*pf_error_last() || strstr(pf_error_last(), llm.key)) {
		abort();
	}
	pf_http_response_release(&r);
	pf_buf_release(&j);
	free(copy);
	return 0;
}
