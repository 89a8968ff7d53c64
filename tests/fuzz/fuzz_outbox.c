/*
 * libFuzzer target: an outbox entry read back from disk.  Whatever the
 * bytes, parsing returns 0 or PF_EINVALID; an entry that parses
 * serialises and parses again to the same text.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "pushfix/buf.h"
#include "pushfix/err.h"
#include "pushfix/outbox.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct pf_outbox_entry e, g;
	struct pf_buf j1 = PF_BUF_INIT, j2 = PF_BUF_INIT;
	int ret;

	pf_outbox_entry_init(&e);
	pf_outbox_entry_init(&g);
	ret = pf_outbox_entry_parse(&e, (const char *)data, size, "fuzz");
	if (ret != 0 && ret != PF_EINVALID)
		abort();
	if (!ret) {
		pf_outbox_entry_to_json(&j1, &e);
		if (pf_outbox_entry_parse(&g, j1.buf, j1.len, "again"))
			abort();
		pf_outbox_entry_to_json(&j2, &g);
		if (strcmp(j1.buf, j2.buf))
			abort();
	}
	pf_outbox_entry_release(&e);
	pf_outbox_entry_release(&g);
	pf_buf_release(&j1);
	pf_buf_release(&j2);
	return 0;
}
