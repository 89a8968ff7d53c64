#include <string.h>

#include "pushfix/filter.h"
#include "pushfix/util.h"

/* Are the finding's lines (cut from the blob it was found in) the same
 * bytes at its position in this version of the file? */
static int holds(const struct pf_changed_file *cf, const struct pf_finding *f)
{
	size_t n, begin;

	if (!cf->content || !f->lines || f->start.offset < 0 ||
	    f->start.col < 1 ||
	    (uint64_t)f->start.col - 1 > (uint64_t)f->start.offset)
		return 0;
	begin = (size_t)f->start.offset - (f->start.col - 1);
	n = strlen(f->lines);
	return begin + n <= cf->content_len &&
	       !memcmp(cf->content + begin, f->lines, n) &&
	       (begin == 0 || cf->content[begin - 1] == '\n');
}

const struct pf_changed_file *pf_filter_file_of(const struct pf_changeset *cs,
						const struct pf_finding *f)
{
	const struct pf_changed_file *first = NULL;

	if (!f->path)
		return NULL;
	for (size_t i = 0; i < cs->nr; i++) {
		const struct pf_changed_file *cf = &cs->files[i];

		if (strcmp(cf->path, f->path))
			continue;
		if (holds(cf, f))
			return cf;
		if (!first)
			first = cf;
	}
	return first;
}

/* Does an entry of `path` count the lines [start, end] as changed?  Two
 * refs may push two versions of one path: when one of them holds the
 * finding's lines, only those versions decide. */
static int touches(const struct pf_changeset *cs, const struct pf_finding *f,
		   uint32_t start, uint32_t end, enum pf_filter_mode mode)
{
	int any_holds = 0;

	for (size_t i = 0; i < cs->nr && !any_holds; i++)
		any_holds = !strcmp(cs->files[i].path, f->path) &&
			    holds(&cs->files[i], f);
	for (size_t i = 0; i < cs->nr; i++) {
		const struct pf_changed_file *cf = &cs->files[i];

		if (strcmp(cf->path, f->path))
			continue;
		if (any_holds && !holds(cf, f))
			continue;
		if (mode == PF_FILTER_FILE || cf->whole_file)
			return 1;
		if (pf_intervals_overlaps(&cf->lines, start, end))
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
		if (f->path && touches(cs, f, start, end, mode)) {
			i++;
			continue;
		}
		pf_findings_remove(fs, i);
		dropped++;
	}
	return dropped;
}
