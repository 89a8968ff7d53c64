/*
 * libFuzzer target: what the mirror reads from a forge.  Whatever the
 * bytes, the diff parser returns 0 or PF_EINVALID and every line it maps
 * is findable; a one-file patch likewise; markers and Link headers parse
 * without reading outside the text; a finding placed on that diff renders.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "pushfix/buf.h"
#include "pushfix/err.h"
#include "pushfix/util.h"

/* internals of src/mirror/ (tests are built with -Isrc) */
#include "mirror/drivers.h"
#include "mirror/mirror_int.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct pf_mirror_diff d = PF_MIRROR_DIFF_INIT;
	struct pf_mirror_fps fps = PF_MIRROR_FPS_INIT;
	struct pf_buf b = PF_BUF_INIT, text = PF_BUF_INIT;
	struct pf_outbox_finding f;
	struct pf_mirror_anchor a;
	int ret;

	pf_buf_add(&text, data, size); /* NUL-terminated copy */
	ret = pf_mirror_diff_parse(&d, text.buf, text.len);
	if (ret != 0 && ret != PF_EINVALID)
		abort();
	ret = pf_mirror_diff_add_patch(&d, "p.c", NULL, text.buf, text.len);
	if (ret != 0 && ret != PF_EINVALID)
		abort();
	for (size_t i = 0; i < d.nr; i++)
		for (size_t j = 0; j < d.v[i].nr; j++)
			if (!pf_mirror_diff_find(&d, d.v[i].path,
						 d.v[i].v[j].new_line))
				abort();
	pf_mirror_fps_scan(&fps, text.buf);
	pf_mirror_link_next(&b, text.buf);

	memset(&f, 0, sizeof(f));
	f.fingerprint = pf_xstrdup("0123abcd");
	f.rule_id = pf_xstrdup("r");
	f.path = pf_xstrdup(d.nr ? d.v[0].path : "p.c");
	f.start_line = d.nr && d.v[0].nr ? d.v[0].v[0].new_line : 1;
	f.end_line = f.start_line + (uint32_t)(size % 4);
	f.severity = pf_xstrdup("ERROR");
	f.message = pf_xstrdup(text.buf);
	f.has_fix = (size & 1) != 0;
	f.fix.start_line = f.start_line;
	f.fix.end_line = f.end_line;
	f.fix.replacement = pf_xstrdup(text.buf);
	pf_mirror_place(&a, &d, &f);
	pf_buf_reset(&b);
	pf_mirror_render(&b, &f, (size & 2) ? PF_FORGE_GITLAB : PF_FORGE_GITHUB,
			 a.in_diff ? &a : NULL);
	/* the rendered text holds exactly our marker, never the input's */
	pf_mirror_fps_release(&fps);
	pf_mirror_fps_scan(&fps, b.buf);
	if (fps.nr != 1 || strcmp(fps.v[0], "0123abcd"))
		abort();

	pf_outbox_finding_release(&f);
	pf_mirror_fps_release(&fps);
	pf_mirror_diff_release(&d);
	pf_buf_release(&b);
	pf_buf_release(&text);
	return 0;
}
