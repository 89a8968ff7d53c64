#ifndef PUSHFIX_INTERVAL_H
#define PUSHFIX_INTERVAL_H

#include <stddef.h>
#include <stdint.h>

/*
 * A set of 1-based, inclusive line ranges.  After pf_intervals_normalize()
 * the ranges are sorted, disjoint and not adjacent (3-4 and 5-6 merge into
 * 3-6).  Queries require a normalised set.
 */
struct pf_range {
	uint32_t start, end; /* start <= end */
};

struct pf_intervals {
	struct pf_range *v;
	size_t nr, alloc;
};

#define PF_INTERVALS_INIT                                                      \
	{                                                                      \
		NULL, 0, 0                                                     \
	}

void pf_intervals_init(struct pf_intervals *s);
void pf_intervals_release(struct pf_intervals *s);
/* Append [start, end]; normalise later (cheap bulk insertion). */
void pf_intervals_add(struct pf_intervals *s, uint32_t start, uint32_t end);
void pf_intervals_add_all(struct pf_intervals *s, const struct pf_intervals *o);
void pf_intervals_normalize(struct pf_intervals *s);
/* Does any range intersect [start, end]? */
int pf_intervals_overlaps(const struct pf_intervals *s, uint32_t start,
			  uint32_t end);
/* Total number of lines covered. */
uint64_t pf_intervals_count(const struct pf_intervals *s);
/* "3-7,12,40-41" */
struct pf_buf;
void pf_intervals_format(const struct pf_intervals *s, struct pf_buf *out);
/* Parse the format above; PF_EINVALID with a message on bad input. */
int pf_intervals_parse(struct pf_intervals *s, const char *text);

#endif
