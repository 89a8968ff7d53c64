/*
 * The last step every scanner adapter shares: hand a fully parsed
 * document's findings, diagnostics and error count to the caller.
 */
#include <stdlib.h>
#include <string.h>

#include "pushfix/util.h"
#include "adapter.h"

void pf_adapter_hand_over(struct pf_findings *out, struct pf_findings *parsed,
			  struct pf_buf *diag, const struct pf_buf *parsed_diag,
			  unsigned *nerrors, unsigned nerr)
{
	if (parsed->nr) {
		PF_ALLOC_GROW(out->v, out->nr + parsed->nr, out->alloc);
		memcpy(out->v + out->nr, parsed->v,
		       parsed->nr * sizeof(*parsed->v));
		out->nr += parsed->nr;
		free(parsed->v);
		parsed->v = NULL;
		parsed->nr = parsed->alloc = 0;
	}
	if (diag)
		pf_buf_add(diag, parsed_diag->buf, parsed_diag->len);
	if (nerrors)
		*nerrors = nerr;
}
