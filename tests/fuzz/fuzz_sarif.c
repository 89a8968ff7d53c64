/*
 * libFuzzer target: SARIF logs.  Parse, locate every finding in arbitrary
 * content, write the findings back as SARIF and parse that again: the
 * writer's output must always be readable.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "pushfix/buf.h"
#include "pushfix/err.h"
#include "pushfix/finding.h"
#include "pushfix/sarif.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct pf_findings fs = PF_FINDINGS_INIT, back = PF_FINDINGS_INIT;
	struct pf_buf diag = PF_BUF_INIT, out = PF_BUF_INIT;
	unsigned nerr = 0;
	int ret;

	ret = pf_sarif_parse(&fs, &diag, &nerr, (const char *)data, size,
			     "fuzz");
	if (ret != 0 && ret != PF_EINVALID)
		abort();
	if (ret && (fs.nr || diag.len))
		abort();
	for (size_t i = 0; i < fs.nr; i++) {
		if (!fs.v[i].path)
			abort();
		if (!pf_finding_locate(&fs.v[i], (const char *)data, size))
			pf_finding_rule_fix_to_lines(&fs.v[i],
						     (const char *)data, size);
	}
	pf_sarif_write(&out, &fs, "fuzz");
	if (pf_sarif_parse(&back, NULL, NULL, out.buf, out.len, "rewritten"))
		abort();
	if (back.nr != fs.nr)
		abort();
	pf_findings_release(&fs);
	pf_findings_release(&back);
	pf_buf_release(&diag);
	pf_buf_release(&out);
	return 0;
}
