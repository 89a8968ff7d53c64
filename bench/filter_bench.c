/*
 * Findings floods (issue 10): n findings of one file, as a scanner would
 * report them (line and column, no offset), located in the pushed content
 * and filtered against a changeset whose changed lines they mostly miss,
 * then merged (pf_findings_merge); n and n / 4 in the same run, so that
 * the ratio shows the growth: about 4 for O(n log n), 16 for O(n^2).
 * Prints figures; never fails on time.  Built and run by bench/filter.sh.
 *
 *   filter_bench [n] [reps]
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "pushfix/buf.h"
#include "pushfix/diff.h"
#include "pushfix/filter.h"
#include "pushfix/finding.h"
#include "pushfix/interval.h"
#include "pushfix/util.h"

/* CPU time of this process in ms: the machine may be shared. */
static double cpu_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
	return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

/* One file of `lines` lines; every 100th line changed. */
static void make_changeset(struct pf_changeset *cs, uint32_t lines)
{
	struct pf_changed_file *cf;
	struct pf_buf b = PF_BUF_INIT;

	for (uint32_t l = 1; l <= lines; l++)
		pf_buf_addf(&b, "x%u = eval(input())\n", (unsigned)l);
	PF_ALLOC_GROW(cs->files, cs->nr + 1, cs->alloc);
	cf = &cs->files[cs->nr++];
	memset(cf, 0, sizeof(*cf));
	cf->path = pf_xstrdup("src/app.py");
	cf->content_len = b.len;
	cf->content = pf_buf_detach(&b, NULL);
	for (uint32_t l = 1; l <= lines; l += 100)
		pf_intervals_add(&cf->lines, l, l);
	pf_intervals_normalize(&cf->lines);
}

/* n findings, one per line (wrapping), every 4th an exact duplicate of
 * the one before it. */
static void make_findings(struct pf_findings *fs, size_t n, uint32_t lines)
{
	for (size_t i = 0; i < n; i++) {
		struct pf_finding *f = pf_findings_push(fs);
		uint32_t line = (uint32_t)((i - (i % 4 == 3)) % lines) + 1;

		f->rule_id = pf_xstrdup("python.lang.eval");
		f->path = pf_xstrdup("src/app.py");
		f->message = pf_xstrdup("eval of input");
		f->severity = PF_SEV_ERROR;
		f->start.line = f->end.line = line;
		f->start.col = 1;
		f->end.col = 0;
		f->start.offset = f->end.offset = -1;
	}
}

struct figures {
	double locate, filter, merge;
	size_t kept, merged;
};

static void run(struct figures *out, size_t n, int reps)
{
	struct pf_changeset cs = PF_CHANGESET_INIT;
	uint32_t lines = n > 1000 ? (uint32_t)(n / 2) : 500;

	memset(out, 0, sizeof(*out));
	make_changeset(&cs, lines);
	for (int r = 0; r < reps; r++) {
		struct pf_findings fs = PF_FINDINGS_INIT;
		const struct pf_changed_file *cf = &cs.files[0];
		struct pf_lines ix;
		double t0;

		make_findings(&fs, n, lines);
		t0 = cpu_ms();
		/* As the scan stage does: one line index per file. */
		pf_lines_index(&ix, cf->content, cf->content_len);
		for (size_t i = 0; i < fs.nr; i++)
			pf_finding_locate_indexed(&fs.v[i], cf->content,
						  cf->content_len, &ix);
		pf_lines_release(&ix);
		out->locate += cpu_ms() - t0;
		t0 = cpu_ms();
		pf_filter_apply(&fs, &cs, PF_FILTER_CONTEXT, 3);
		out->filter += cpu_ms() - t0;
		out->kept = fs.nr;
		t0 = cpu_ms();
		out->merged = pf_findings_merge(&fs);
		out->merge += cpu_ms() - t0;
		pf_findings_release(&fs);
	}
	out->locate /= reps;
	out->filter /= reps;
	out->merge /= reps;
	pf_changeset_release(&cs);
}

int main(int argc, char **argv)
{
	size_t n = argc > 1 ? strtoul(argv[1], NULL, 10) : 300000;
	int reps = argc > 2 ? (int)strtol(argv[2], NULL, 10) : 3;
	struct figures big, small;

	if (n < 4 || reps < 1) {
		fprintf(stderr, "usage: filter_bench [n >= 4] [reps >= 1]\n");
		return 2;
	}
	run(&small, n / 4, reps);
	run(&big, n, reps);
	printf("findings   locate ms   filter ms   merge ms   kept   merged\n");
	printf("%8zu %11.1f %11.1f %10.1f %6zu %8zu\n", n / 4, small.locate,
	       small.filter, small.merge, small.kept, small.merged);
	printf("%8zu %11.1f %11.1f %10.1f %6zu %8zu\n", n, big.locate,
	       big.filter, big.merge, big.kept, big.merged);
	printf("ratio n/(n/4): locate %.1f, filter %.1f, merge %.1f "
	       "(4 is linear, 16 quadratic)\n",
	       small.locate > 0 ? big.locate / small.locate : 0,
	       small.filter > 0 ? big.filter / small.filter : 0,
	       small.merge > 0 ? big.merge / small.merge : 0);
	return 0;
}
