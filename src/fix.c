/*
 * The fix stage: make a finding's fix safe to offer.  A rule's fix is
 * turned into whole lines; an LLM fix is checked against what the model
 * was shown, de-anonymised, shaped like the lines it replaces, then
 * verified by re-scanning the pushed file with the fix applied in memory.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "pushfix/apply.h"
#include "pushfix/buf.h"
#include "pushfix/err.h"
#include "pushfix/finding.h"
#include "pushfix/fix.h"
#include "pushfix/llm.h"
#include "pushfix/pipeline.h"
#include "pushfix/policy.h"
#include "pushfix/redact.h"
#include "pushfix/scan.h"
#include "pushfix/snippet.h"
#include "pushfix/util.h"

void pf_fix_from_rules(struct pf_run *run)
{
	for (size_t i = 0; i < run->findings.nr; i++) {
		struct pf_finding *f = &run->findings.v[i];
		struct pf_changed_file *cf;

		if (!f->rule_fix || f->fix.origin != PF_FIX_NONE)
			continue;
		cf = pf_changeset_find(&run->cs, f->path);
		if (cf && cf->content &&
		    pf_finding_rule_fix_to_lines(f, cf->content,
						 cf->content_len))
			pf_error_clear(); /* no rule fix then, nothing else */
	}
	/* A rule's fix that changes nothing is none, wherever it came from
	 * (Semgrep's extra.fix or a SARIF result's fixes). */
	for (size_t i = 0; i < run->findings.nr; i++) {
		struct pf_finding *f = &run->findings.v[i];
		const struct pf_changed_file *cf;

		if (f->fix.origin != PF_FIX_RULE || !f->path)
			continue;
		cf = pf_changeset_find(&run->cs, f->path);
		if (cf && cf->content)
			pf_fix_drop_noop(f, cf->content, cf->content_len);
	}
}

/* Byte span [begin, stop) of lines a..b (1-based) of content. */
static int line_span(const char *c, size_t len, uint32_t a, uint32_t b,
		     size_t *begin, size_t *stop)
{
	uint32_t line = 1;
	size_t i = 0;

	while (line < a && i < len) {
		const char *nl = memchr(c + i, '\n', len - i);

		if (!nl)
			return -1;
		i = (size_t)(nl - c) + 1;
		line++;
	}
	if (line < a || (i >= len && len))
		return -1;
	*begin = i;
	while (line <= b && i < len) {
		const char *nl = memchr(c + i, '\n', len - i);

		i = nl ? (size_t)(nl - c) + 1 : len;
		line++;
	}
	*stop = i;
	return 0;
}

/* The replacement shaped like the lines it replaces: their line ending
 * (CRLF stays CRLF) and whether the last of them ends in a newline. */
static void shape_replacement(struct pf_buf *out, const char *repl,
			      const char *c, size_t begin, size_t stop)
{
	int nl = stop > begin && c[stop - 1] == '\n';
	int crlf = nl && stop - begin >= 2 && c[stop - 2] == '\r';
	size_t n = strlen(repl);

	pf_buf_reset(out);
	for (size_t i = 0; i < n; i++) {
		if (repl[i] == '\n' && crlf && (!i || repl[i - 1] != '\r'))
			pf_buf_addch(out, '\r');
		pf_buf_addch(out, repl[i]);
	}
	if (nl && out->len && out->buf[out->len - 1] != '\n')
		pf_buf_addstr(out, crlf ? "\r\n" : "\n");
	if (!nl) {
		while (out->len && (out->buf[out->len - 1] == '\n' ||
				    out->buf[out->len - 1] == '\r'))
			pf_buf_setlen(out, out->len - 1);
	}
}

/* The next line of [*p, end), its trailing white space (CR included)
 * left out: its length; *p moves past its '\n'.  A final '\n' ends the
 * last line, it does not begin an empty one. */
static size_t next_line(const char **p, const char *end, const char **line)
{
	const char *nl = memchr(*p, '\n', (size_t)(end - *p));
	const char *e = nl ? nl : end;

	*line = *p;
	*p = nl ? nl + 1 : end;
	while (e > *line && strchr(" \t\r\f\v", e[-1]))
		e--;
	return (size_t)(e - *line);
}

int pf_fix_changes_nothing(const char *old, size_t old_len, const char *repl,
			   size_t repl_len)
{
	const char *p = old, *pe = old + old_len;
	const char *q = repl, *qe = repl + repl_len;

	while (p < pe && q < qe) {
		const char *a, *b;
		size_t an = next_line(&p, pe, &a), bn = next_line(&q, qe, &b);

		if (an != bn || memcmp(a, b, an))
			return 0;
	}
	return p == pe && q == qe;
}

/* No fix, and why: the lines of a "fix" that changes nothing. */
static void fix_none(struct pf_fix *x, const char *note)
{
	free(x->replacement);
	free(x->note);
	memset(x, 0, sizeof(*x));
	x->note = pf_xstrdup(note);
}

int pf_fix_drop_noop(struct pf_finding *f, const char *content, size_t len)
{
	struct pf_fix *x = &f->fix;
	size_t begin, stop;

	if (x->origin == PF_FIX_NONE || x->state == PF_FIX_REFUSED ||
	    !x->replacement || !content ||
	    line_span(content, len, x->start_line, x->end_line, &begin,
		      &stop) ||
	    !pf_fix_changes_nothing(content + begin, stop - begin,
				    x->replacement, strlen(x->replacement)))
		return 0;
	fix_none(x, x->origin == PF_FIX_RULE
			    ? "the rule's fix changes nothing"
			    : "the suggested fix changes nothing");
	return 1;
}

static void fix_set(struct pf_finding *f, enum pf_fix_state state, uint32_t a,
		    uint32_t b, char *repl, const char *note)
{
	free(f->fix.replacement);
	free(f->fix.note);
	f->fix.origin = PF_FIX_LLM;
	f->fix.state = state;
	f->fix.start_line = a;
	f->fix.end_line = b;
	f->fix.replacement = repl;
	f->fix.note = note ? pf_xstrdup(note) : NULL;
}

/* A fix must stay within the lines the model was shown, whole: 1 with
 * the reason in `why` when it does not. */
static int outside_snippet(struct pf_buf *why, const struct pf_snippet *snip,
			   const struct pf_llm_answer *a)
{
	if (a->start_line < snip->first_line || a->end_line > snip->last_line) {
		pf_buf_addf(why,
			    "it replaces lines %u-%u, outside the lines the "
			    "model was shown (%u-%u)",
			    (unsigned)a->start_line, (unsigned)a->end_line,
			    (unsigned)snip->first_line,
			    (unsigned)snip->last_line);
		return 1;
	}
	for (uint32_t l = a->start_line; l <= a->end_line; l++) {
		if (pf_snippet_line_cut(snip, l)) {
			pf_buf_addf(why,
				    "it replaces line %u, which the model saw "
				    "only cut short",
				    (unsigned)l);
			return 1;
		}
	}
	return 0;
}

void pf_fix_from_llm(struct pf_finding *f, const struct pf_llm_answer *a,
		     const struct pf_fix_source *src, struct pf_fix_stats *st)
{
	struct pf_buf sent = PF_BUF_INIT, restored = PF_BUF_INIT,
		      shaped = PF_BUF_INIT, note = PF_BUF_INIT;
	const char *c = src->pushed;
	size_t begin, stop;
	double min = src->min_confidence;

	/* A rule's own fix stays; a fix for a false alarm makes no sense. */
	if (!a->has_fix || f->fix.origin == PF_FIX_RULE ||
	    a->verdict == PF_VERDICT_FALSE_POSITIVE || a->confidence < min)
		return;
	if (outside_snippet(&note, src->snip, a))
		goto refuse;
	if (line_span(c, src->pushed_len, a->start_line, a->end_line, &begin,
		      &stop)) {
		pf_buf_addf(&note, "lines %u-%u are not in the file",
			    (unsigned)a->start_line, (unsigned)a->end_line);
		goto refuse;
	}
	pf_snippet_lines(&sent, src->sent, src->sent_len, a->start_line,
			 a->end_line);
	if (pf_vault_restore(&restored, src->vault, a->replacement,
			     strlen(a->replacement), sent.buf, sent.len)) {
		pf_buf_addstr(&note, pf_error_last());
		pf_error_clear();
		goto refuse;
	}
	shape_replacement(&shaped, restored.buf, c, begin, stop);
	/* The triage's verdict and reason stay; the fix does not. */
	if (pf_fix_changes_nothing(c + begin, stop - begin, shaped.buf,
				   shaped.len)) {
		fix_none(&f->fix, "the suggested fix changes nothing");
		goto out;
	}
	fix_set(f, PF_FIX_UNCHECKED, a->start_line, a->end_line,
		pf_buf_detach(&shaped, NULL), NULL);
	goto out;
refuse:
	st->refused++;
	fix_set(f, PF_FIX_REFUSED, a->start_line, a->end_line,
		pf_xstrdup(a->replacement), note.buf);
out:
	pf_buf_release(&sent);
	pf_buf_release(&restored);
	pf_buf_release(&shaped);
	pf_buf_release(&note);
}

/* ---- verification: re-scan the fixed files -------------------------- */

/*
 * The fixes of one file are checked together, in one re-scan of the file
 * with all of them applied (600 fixes of one file were 600 full re-scans):
 * first, one scanner run holding every file's combined version.  Fixes
 * that touch or neighbour each other are not combined, and a fix that a
 * combined re-scan does not verify is checked again alone, so that one fix
 * never costs another its verification; those go in later rounds, one fix
 * per path a round (the scanner sees one version of a file per run).
 */
struct vitem {
	struct pf_finding *f;	     /* of run->findings */
	uint32_t new_start, new_end; /* its lines in the version scanned */
	int alone;		     /* to be checked on its own */
	int done;
};

/* One version of a file sent to the scanner: the items it holds. */
struct vtarget {
	struct pf_buf fixed;
	struct vitem **items;
	size_t nr;
};

static int overlaps(const struct pf_finding *g, uint32_t a, uint32_t b)
{
	uint32_t s = g->start.line, e = g->end.line < s ? s : g->end.line;

	return s <= b && e >= a;
}

/* Was a finding of `rule` already reported on the fixed lines? */
static int was_there(const struct pf_findings *fs, const struct pf_finding *f,
		     const char *rule)
{
	for (size_t i = 0; i < fs->nr; i++) {
		const struct pf_finding *g = &fs->v[i];

		if (g == f || !g->path || strcmp(g->path, f->path) ||
		    !g->rule_id || strcmp(g->rule_id, rule))
			continue;
		if (overlaps(g, f->fix.start_line, f->fix.end_line))
			return 1;
	}
	return 0;
}

/* Why the re-scan `found` does not verify item v's fix; empty if it does. */
static void judge(struct pf_buf *note, const struct pf_run *run,
		  const struct vitem *v, const struct pf_findings *found)
{
	const struct pf_finding *f = v->f;

	for (size_t i = 0; i < found->nr && !note->len; i++) {
		const struct pf_finding *g = &found->v[i];

		if (!g->path || strcmp(g->path, f->path) ||
		    !overlaps(g, v->new_start, v->new_end))
			continue;
		/* A rule in [rules] monitor is never shown (issue 15): not
		 * in the note either, and it does not hold the fix back. */
		if (pf_policy_mode(&run->cfg, g, NULL, NULL) == PF_MODE_MONITOR)
			continue;
		if (g->rule_id && f->rule_id && !strcmp(g->rule_id, f->rule_id))
			pf_buf_addf(note,
				    "the re-scan still reports %s on line %u",
				    g->rule_id, (unsigned)g->start.line);
		else if (!g->rule_id ||
			 !was_there(&run->findings, f, g->rule_id))
			pf_buf_addf(note,
				    "the re-scan reports a new finding %s on "
				    "line %u",
				    g->rule_id ? g->rule_id : "(no rule id)",
				    (unsigned)g->start.line);
	}
}

/* Item v's final state: VERIFIED without a note, else UNVERIFIED. */
static void settle(struct pf_fix_stats *st, struct vitem *v,
		   struct pf_buf *note)
{
	struct pf_finding *f = v->f;

	free(f->fix.note);
	f->fix.note = NULL;
	if (note->len) {
		f->fix.state = PF_FIX_UNVERIFIED;
		f->fix.note = pf_buf_detach(note, NULL);
		st->unverified++;
	} else {
		f->fix.state = PF_FIX_VERIFIED;
		st->verified++;
	}
	v->done = 1;
}

/* t: the file as pushed with the fixes of `v` (of one file, in line
 * order, disjoint) applied; and where each fix's lines now are. */
static void apply_in_memory(struct vtarget *t, const struct pf_run *run,
			    struct vitem *const *v, size_t nr)
{
	const struct pf_changed_file *cf =
		pf_changeset_find(&run->cs, v[0]->f->path);
	size_t at = 0;
	int64_t shift = 0;

	pf_buf_init(&t->fixed);
	t->items = pf_xcalloc(nr, sizeof(*t->items));
	t->nr = nr;
	for (size_t k = 0; k < nr; k++) {
		const struct pf_fix *x = &v[k]->f->fix;
		size_t begin, stop, rl = strlen(x->replacement);
		uint32_t n = rl ? pf_apply_count_lines(x->replacement, rl) : 0;

		line_span(cf->content, cf->content_len, x->start_line,
			  x->end_line, &begin, &stop);
		pf_buf_add(&t->fixed, cf->content + at, begin - at);
		pf_buf_add(&t->fixed, x->replacement, rl);
		at = stop;
		v[k]->new_start = (uint32_t)((int64_t)x->start_line + shift);
		v[k]->new_end = v[k]->new_start + (n ? n - 1 : 0);
		shift += (int64_t)n - (x->end_line - x->start_line + 1);
		t->items[k] = v[k];
	}
	pf_buf_add(&t->fixed, cf->content + at, cf->content_len - at);
}

static void vtarget_release(struct vtarget *t)
{
	pf_buf_release(&t->fixed);
	free(t->items);
	memset(t, 0, sizeof(*t));
}

/* Run the scanner once over `tn` versions of distinct files and settle
 * their items; a combined item that is not verified is left for a check
 * on its own. */
static void check_round(struct pf_run *run, struct pf_fix_stats *st,
			struct vtarget *vt, size_t tn, const char *ignore,
			size_t ilen)
{
	struct pf_findings found = PF_FINDINGS_INIT;
	struct pf_scan_result res;
	struct pf_scan_target *targets = pf_xcalloc(tn, sizeof(*targets));
	struct pf_scan_tree tree = { run->repo, run->ignore_tip,
				     run->worktree };
	struct pf_buf note = PF_BUF_INIT;
	int ret;

	for (size_t k = 0; k < tn; k++) {
		targets[k].path = vt[k].items[0]->f->path;
		targets[k].data = vt[k].fixed.buf;
		targets[k].len = vt[k].fixed.len;
	}
	pf_scan_result_init(&res);
	/* A scanner that needs the whole tree (tree = full) needs it to
	 * verify a fix too: the unchanged headers. */
	ret = pf_scan_targets_tree(&found, &res, &run->cfg, targets, tn, ignore,
				   ilen, run->ignore_tip[0] ? &tree : NULL);
	for (size_t k = 0; k < tn; k++) {
		for (size_t j = 0; j < vt[k].nr; j++) {
			struct vitem *v = vt[k].items[j];

			pf_buf_reset(&note);
			if (ret)
				pf_buf_addf(&note, "the re-scan failed: %s",
					    pf_error_last());
			else
				judge(&note, run, v, &found);
			if (note.len && !ret && vt[k].nr > 1)
				v->alone = 1;
			else
				settle(st, v, &note);
		}
	}
	pf_buf_release(&note);
	pf_findings_release(&found);
	pf_scan_result_release(&res);
	free(targets);
}

/* Items by path, then by their fix's first line, then found order. */
static int cmp_item(const void *pa, const void *pb)
{
	const struct vitem *a = *(struct vitem *const *)pa;
	const struct vitem *b = *(struct vitem *const *)pb;
	int c = strcmp(a->f->path, b->f->path);

	if (c)
		return c;
	if (a->f->fix.start_line != b->f->fix.start_line)
		return a->f->fix.start_line < b->f->fix.start_line ? -1 : 1;
	return a < b ? -1 : a > b;
}

/*
 * The first round: per file, the fixes that keep a line between each
 * other, combined in one version; the others are checked alone later.
 * `order` holds the items sorted by cmp_item.  Returns how many versions
 * went into vt.
 */
static size_t combine(struct vtarget *vt, const struct pf_run *run,
		      struct vitem **order, size_t n)
{
	struct vitem **pick = pf_xcalloc(n, sizeof(*pick));
	size_t tn = 0;

	for (size_t i = 0; i < n;) {
		const char *path = order[i]->f->path;
		size_t nr = 0;
		uint32_t last = 0;

		for (; i < n && !strcmp(order[i]->f->path, path); i++) {
			const struct pf_fix *x = &order[i]->f->fix;

			if (nr && x->start_line <= (uint64_t)last + 1) {
				order[i]->alone = 1;
				continue;
			}
			pick[nr++] = order[i];
			last = x->end_line;
		}
		apply_in_memory(&vt[tn++], run, pick, nr);
	}
	free(pick);
	return tn;
}

/* The items left to check alone, at most one per path. */
static size_t pick_alone(struct vtarget *vt, const struct pf_run *run,
			 struct vitem **order, size_t n)
{
	size_t tn = 0;

	for (size_t i = 0; i < n; i++) {
		if (order[i]->done || !order[i]->alone ||
		    (tn &&
		     !strcmp(vt[tn - 1].items[0]->f->path, order[i]->f->path)))
			continue;
		apply_in_memory(&vt[tn++], run, &order[i], 1);
	}
	return tn;
}

static void release_round(struct vtarget *vt, size_t tn)
{
	for (size_t k = 0; k < tn; k++)
		vtarget_release(&vt[k]);
}

/* Verify the fixes of `items` (UNCHECKED, of run->findings or not). */
static void verify_items(struct pf_run *run, struct pf_fix_stats *st,
			 struct vitem *items, size_t n)
{
	struct vitem **order = pf_xcalloc(n, sizeof(*order));
	struct vtarget *vt = pf_xcalloc(n, sizeof(*vt));
	size_t ilen = 0, tn;
	const char *ignore = pf_run_ignore_file(run, &ilen);

	for (size_t i = 0; i < n; i++)
		order[i] = &items[i];
	qsort(order, n, sizeof(*order), cmp_item);
	tn = combine(vt, run, order, n);
	check_round(run, st, vt, tn, ignore, ilen);
	release_round(vt, tn);
	while ((tn = pick_alone(vt, run, order, n))) {
		check_round(run, st, vt, tn, ignore, ilen);
		release_round(vt, tn);
	}
	free(order);
	free(vt);
}

void pf_fix_verify(struct pf_run *run, struct pf_fix_stats *st)
{
	struct pf_findings *fs = &run->findings;
	struct vitem *items = NULL;
	size_t n = 0;
	double t0 = pf_now_ms();

	for (size_t i = 0; i < fs->nr; i++)
		n += fs->v[i].fix.origin == PF_FIX_LLM &&
		     fs->v[i].fix.state == PF_FIX_UNCHECKED;
	if (!n)
		return;
	items = pf_xcalloc(n, sizeof(*items));
	n = 0;
	for (size_t i = 0; i < fs->nr; i++)
		if (fs->v[i].fix.origin == PF_FIX_LLM &&
		    fs->v[i].fix.state == PF_FIX_UNCHECKED)
			items[n++].f = &fs->v[i];
	verify_items(run, st, items, n);
	free(items);
	st->verify_ms = pf_now_ms() - t0;
}

int pf_fix_check_text(struct pf_run *run, const struct pf_finding *f,
		      uint32_t a, uint32_t b, const char *text,
		      enum pf_fix_state *state, struct pf_buf *note)
{
	const struct pf_changed_file *cf =
		f->path ? pf_changeset_find(&run->cs, f->path) : NULL;
	struct pf_finding copy;
	struct pf_fix_stats st;
	struct pf_buf shaped = PF_BUF_INIT;
	struct vitem item;
	size_t begin, stop;

	pf_buf_reset(note);
	*state = PF_FIX_UNVERIFIED;
	if (!cf || !cf->content ||
	    line_span(cf->content, cf->content_len, a, b, &begin, &stop)) {
		pf_buf_addstr(note, "the pushed lines are not available");
		return 0;
	}
	shape_replacement(&shaped, text, cf->content, begin, stop);
	if (pf_fix_changes_nothing(cf->content + begin, stop - begin,
				   shaped.buf, shaped.len)) {
		pf_buf_release(&shaped);
		return 1;
	}
	/* A copy carries the fix: f keeps its own until it is applied. */
	memset(&st, 0, sizeof(st));
	pf_finding_copy(&copy, f);
	free(copy.fix.replacement);
	free(copy.fix.note);
	copy.fix.origin = PF_FIX_LLM;
	copy.fix.state = PF_FIX_UNCHECKED;
	copy.fix.start_line = a;
	copy.fix.end_line = b;
	copy.fix.replacement = pf_buf_detach(&shaped, NULL);
	copy.fix.note = NULL;
	memset(&item, 0, sizeof(item));
	item.f = &copy;
	verify_items(run, &st, &item, 1);
	*state = copy.fix.state;
	if (copy.fix.note)
		pf_buf_addstr(note, copy.fix.note);
	pf_finding_release(&copy);
	return 0;
}
