#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "pushfix/buf.h"
#include "pushfix/err.h"
#include "pushfix/interval.h"
#include "pushfix/util.h"

void pf_intervals_init(struct pf_intervals *s)
{
	s->v = NULL;
	s->nr = 0;
	s->alloc = 0;
}

void pf_intervals_release(struct pf_intervals *s)
{
	if (!s)
		return;
	free(s->v);
	pf_intervals_init(s);
}

void pf_intervals_add(struct pf_intervals *s, uint32_t start, uint32_t end)
{
	struct pf_range *last;

	if (start > end) {
		uint32_t t = start;

		start = end;
		end = t;
	}
	/*
	 * Diff hunks arrive in order: extending the last range in place keeps
	 * the array short without breaking the "normalise later" contract.
	 */
	if (s->nr) {
		last = &s->v[s->nr - 1];
		if (start >= last->start &&
		    (last->end == UINT32_MAX || start <= last->end + 1)) {
			if (end > last->end)
				last->end = end;
			return;
		}
	}
	PF_ALLOC_GROW(s->v, s->nr + 1, s->alloc);
	s->v[s->nr].start = start;
	s->v[s->nr].end = end;
	s->nr++;
}

void pf_intervals_add_all(struct pf_intervals *s, const struct pf_intervals *o)
{
	if (!o->nr)
		return;
	PF_ALLOC_GROW(s->v, s->nr + o->nr, s->alloc);
	memcpy(s->v + s->nr, o->v, o->nr * sizeof(*o->v));
	s->nr += o->nr;
}

static int cmp_range(const void *a, const void *b)
{
	const struct pf_range *x = a, *y = b;

	if (x->start != y->start)
		return x->start < y->start ? -1 : 1;
	if (x->end != y->end)
		return x->end < y->end ? -1 : 1;
	return 0;
}

void pf_intervals_normalize(struct pf_intervals *s)
{
	size_t i, out = 0;
	int sorted = 1;

	if (s->nr < 2)
		return;
	for (i = 1; i < s->nr && sorted; i++)
		if (s->v[i - 1].start > s->v[i].start)
			sorted = 0;
	if (!sorted)
		qsort(s->v, s->nr, sizeof(*s->v), cmp_range);
	for (i = 1; i < s->nr; i++) {
		struct pf_range *cur = &s->v[out];

		/* Overlapping or adjacent (3-4 then 5-6): one range. */
		if (cur->end == UINT32_MAX || s->v[i].start <= cur->end + 1) {
			if (s->v[i].end > cur->end)
				cur->end = s->v[i].end;
			continue;
		}
		s->v[++out] = s->v[i];
	}
	s->nr = out + 1;
}

int pf_intervals_overlaps(const struct pf_intervals *s, uint32_t start,
			  uint32_t end)
{
	size_t lo = 0, hi = s->nr;

	if (start > end) {
		uint32_t t = start;

		start = end;
		end = t;
	}
	/* First range whose end is >= start; sorted and disjoint, so ends
	 * are increasing too. */
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (s->v[mid].end < start)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo < s->nr && s->v[lo].start <= end;
}

uint64_t pf_intervals_count(const struct pf_intervals *s)
{
	uint64_t n = 0;

	for (size_t i = 0; i < s->nr; i++)
		n += (uint64_t)s->v[i].end - s->v[i].start + 1;
	return n;
}

void pf_intervals_format(const struct pf_intervals *s, struct pf_buf *out)
{
	for (size_t i = 0; i < s->nr; i++) {
		const struct pf_range *r = &s->v[i];

		if (i)
			pf_buf_addch(out, ',');
		if (r->start == r->end)
			pf_buf_addf(out, "%lu", (unsigned long)r->start);
		else
			pf_buf_addf(out, "%lu-%lu", (unsigned long)r->start,
				    (unsigned long)r->end);
	}
}

/* One line number at *p; advances *p.  Returns NULL or why it failed. */
static const char *parse_num(const char **p, uint32_t *out)
{
	const char *s = *p;
	uint64_t v = 0;

	if (*s < '0' || *s > '9')
		return *s ? "expected a line number"
			  : "expected a line number at the end";
	while (*s >= '0' && *s <= '9') {
		v = v * 10 + (uint64_t)(*s - '0');
		if (v > UINT32_MAX)
			return "line number too large";
		s++;
	}
	if (!v)
		return "line numbers start at 1";
	*out = (uint32_t)v;
	*p = s;
	return NULL;
}

int pf_intervals_parse(struct pf_intervals *s, const char *text)
{
	struct pf_intervals tmp = PF_INTERVALS_INIT;
	const char *p = text;
	const char *why = NULL;

	/* The empty set formats as "", so "" parses back to it. */
	while (*p) {
		uint32_t a, b;

		if ((why = parse_num(&p, &a)))
			goto bad;
		b = a;
		if (*p == '-') {
			p++;
			if ((why = parse_num(&p, &b)))
				goto bad;
			if (b < a) {
				why = "range ends before it starts";
				goto bad;
			}
		}
		if (*p == ',') {
			p++;
			if (!*p) {
				why = "trailing comma";
				goto bad;
			}
		} else if (*p) {
			why = "expected ',' or '-'";
			goto bad;
		}
		pf_intervals_add(&tmp, a, b);
	}
	pf_intervals_add_all(s, &tmp);
	pf_intervals_normalize(s);
	pf_intervals_release(&tmp);
	return 0;
bad:
	pf_intervals_release(&tmp);
	return pf_error_setc(PF_EINVALID,
			     "invalid line ranges '%s': %s at offset %zu", text,
			     why, (size_t)(p - text));
}
