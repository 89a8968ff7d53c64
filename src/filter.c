#include <string.h>

#include "pushfix/filter.h"

/* Every changeset entry of `path` (two refs may push two versions). */
static int touches(const struct pf_changeset *cs, const char *path,
		   uint32_t start, uint32_t end, enum pf_filter_mode mode)
{
	for (size_t i = 0; i < cs->nr; i++) {
		const struct pf_changed_file *f = &cs->files[i];

		if (strcmp(f->path, path))
			continue;
		if (mode == PF_FILTER_FILE || f->whole_file)
			return 1;
		if (pf_intervals_overlaps(&f->lines, start, end))
			return 1;
	}
	return 0;
}

size_t pf_filter_apply(struct pf_findings *fs, const struct pf_changeset *cs,
		       enum pf_filter_mode mode, unsigned context)
{
	size_t dropped = 0, i = 0;

	if (mode == PF_FILTER_ALL)
		return 0;
	while (i < fs->nr) {
		const struct pf_finding *f = &fs->v[i];
		uint32_t start = f->start.line, end = f->end.line;

		if (end < start)
			end = start;
		if (mode == PF_FILTER_CONTEXT) {
			start = start > context ? start - context : 1;
			end = end + context < end ? UINT32_MAX : end + context;
		}
		if (touches(cs, f->path, start, end, mode)) {
			i++;
			continue;
		}
		pf_findings_remove(fs, i);
		dropped++;
	}
	return dropped;
}
