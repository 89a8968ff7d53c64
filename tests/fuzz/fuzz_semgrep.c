/*
 * libFuzzer target: Semgrep JSON output.  Whatever the bytes, the adapter
 * returns 0 or PF_EINVALID, leaves `out` alone on error, and every finding
 * it returns can be located in (and fixed against) arbitrary content
 * without reading outside it.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "pushfix/buf.h"
#include "pushfix/err.h"
#include "pushfix/finding.h"
#include "pushfix/report.h"
#include "pushfix/semgrep.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct pf_findings fs = PF_FINDINGS_INIT;
	struct pf_buf diag = PF_BUF_INIT, out = PF_BUF_INIT;
	struct pf_report_opts o = { .color = 1, .verbose = 1, .engine = "semgrep" };
	unsigned nerr = 0;
	int ret;

	ret = pf_semgrep_parse(&fs, &diag, &nerr, (const char *)data, size,
			       "fuzz");
	if (ret != 0 && ret != PF_EINVALID)
		abort();
	if (ret && (fs.nr || diag.len))
		abort();
	for (size_t i = 0; i < fs.nr; i++) {
		/* The input itself serves as the "file" content. */
		if (!pf_finding_locate(&fs.v[i], (const char *)data, size))
			pf_finding_rule_fix_to_lines(&fs.v[i],
						     (const char *)data, size);
	}
	pf_findings_sort(&fs);
	pf_report_text(&out, &fs, &o);
	pf_buf_reset(&out);
	pf_report_json(&out, &fs, &o);
	pf_findings_release(&fs);
	pf_buf_release(&diag);
	pf_buf_release(&out);
	return 0;
}
