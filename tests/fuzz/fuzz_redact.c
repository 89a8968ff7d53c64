/*
 * libFuzzer target for the anonymiser: for any bytes, redacting and then
 * restoring (strictly, against the redacted text itself) must give the
 * input back byte for byte, keep the number of lines, and the display
 * expansion must agree.  Anything else is an abort().
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "pushfix/buf.h"
#include "pushfix/err.h"
#include "pushfix/redact.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct pf_redact_ctx ctx;
static int ctx_ready;

static size_t lines(const char *s, size_t n)
{
	size_t c = 0;

	for (size_t i = 0; i < n; i++)
		c += s[i] == '\n';
	return c;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct pf_vault v;
	struct pf_buf out = PF_BUF_INIT, back = PF_BUF_INIT,
		      shown = PF_BUF_INIT;
	/* A private copy, so that reading past `size` is caught by ASan. */
	char *copy = malloc(size ? size : 1);

	if (!copy)
		return 0;
	if (size)
		memcpy(copy, data, size);
	if (!ctx_ready) {
		/* names, an organisation, a word: the word-list paths too */
		pf_redact_ctx_init(&ctx);
		pf_redact_ctx_add_remote_url(
			&ctx, "git@gitlab.corp.example:northwind-logistics/"
			      "route-planner.git");
		pf_redact_ctx_add_word(&ctx, PF_CAT_PERSON, "Maria Gonzalez");
		pf_redact_ctx_add_word(&ctx, PF_CAT_WORD, "nwl");
		pf_redact_ctx_allow_hosts(&ctx, "github.com,.pypi.org");
		ctx_ready = 1;
	}
	pf_vault_init(&v, NULL);
	if (pf_redact_text(&out, &v, &ctx, copy, size))
		abort();
	if (lines(out.buf, out.len) != lines(copy, size))
		abort();
	if (pf_vault_restore(&back, &v, out.buf, out.len, out.buf, out.len))
		abort();
	if (back.len != size || (size && memcmp(back.buf, copy, size)))
		abort();
	pf_vault_expand(&shown, &v, out.buf, out.len);
	if (shown.len != size || (size && memcmp(shown.buf, copy, size)))
		abort();
	/* No secret may come back without its sent context. */
	pf_buf_reset(&back);
	for (size_t i = 0; i < v.nr; i++)
		if (v.v[i].cat == PF_CAT_SECRET) {
			if (!pf_vault_restore(&back, &v, out.buf, out.len,
					      NULL, 0))
				abort();
			break;
		}
	pf_buf_release(&out);
	pf_buf_release(&back);
	pf_buf_release(&shown);
	pf_vault_release(&v);
	free(copy);
	return 0;
}
