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

struct vitem {
	size_t fi;
	struct pf_buf fixed;
	uint32_t new_start, new_end;
	int done;
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

static void judge(const struct pf_run *run, struct pf_fix_stats *st,
		  struct vitem *v, const struct pf_findings *found)
{
	struct pf_finding *f = &run->findings.v[v->fi];
	struct pf_buf note = PF_BUF_INIT;

	for (size_t i = 0; i < found->nr && !note.len; i++) {
		const struct pf_finding *g = &found->v[i];

		if (!g->path || strcmp(g->path, f->path) ||
		    !overlaps(g, v->new_start, v->new_end))
			continue;
		if (g->rule_id && f->rule_id && !strcmp(g->rule_id, f->rule_id))
			pf_buf_addf(&note,
				    "the re-scan still reports %s on line %u",
				    g->rule_id, (unsigned)g->start.line);
		else if (!g->rule_id ||
			 !was_there(&run->findings, f, g->rule_id))
			pf_buf_addf(&note,
				    "the re-scan reports a new finding %s on "
				    "line %u",
				    g->rule_id ? g->rule_id : "(no rule id)",
				    (unsigned)g->start.line);
	}
	free(f->fix.note);
	f->fix.note = NULL;
	if (note.len) {
		f->fix.state = PF_FIX_UNVERIFIED;
		f->fix.note = pf_buf_detach(&note, NULL);
		st->unverified++;
	} else {
		f->fix.state = PF_FIX_VERIFIED;
		st->verified++;
	}
	pf_buf_release(&note);
	v->done = 1;
}

static void unverify(const struct pf_run *run, struct pf_fix_stats *st,
		     struct vitem *v, const char *why)
{
	struct pf_finding *f = &run->findings.v[v->fi];
	struct pf_buf note = PF_BUF_INIT;

	pf_buf_addf(&note, "the re-scan failed: %s", why);
	f->fix.state = PF_FIX_UNVERIFIED;
	free(f->fix.note);
	f->fix.note = pf_buf_detach(&note, NULL);
	st->unverified++;
	v->done = 1;
}

/* Finding i's file as pushed, with its fix applied. */
static void apply_in_memory(struct vitem *v, const struct pf_run *run, size_t i)
{
	const struct pf_finding *f = &run->findings.v[i];
	const struct pf_changed_file *cf = pf_changeset_find(&run->cs, f->path);
	size_t begin, stop, rl = strlen(f->fix.replacement);

	v->fi = i;
	pf_buf_init(&v->fixed);
	line_span(cf->content, cf->content_len, f->fix.start_line,
		  f->fix.end_line, &begin, &stop);
	pf_buf_add(&v->fixed, cf->content, begin);
	pf_buf_add(&v->fixed, f->fix.replacement, rl);
	pf_buf_add(&v->fixed, cf->content + stop, cf->content_len - stop);
	v->new_start = f->fix.start_line;
	v->new_end =
		f->fix.start_line +
		(rl ? pf_apply_count_lines(f->fix.replacement, rl) - 1 : 0);
}

/* The next round: the items not done yet, at most one per path (the
 * scanner sees one version of a file per run).  tmap[k] is the item of
 * targets[k]; returns how many. */
static size_t pick_round(struct pf_scan_target *targets, size_t *tmap,
			 const struct pf_findings *fs,
			 const struct vitem *items, size_t n)
{
	size_t tn = 0;

	for (size_t i = 0; i < n; i++) {
		const char *p = fs->v[items[i].fi].path;
		int dup = 0;

		if (items[i].done)
			continue;
		for (size_t k = 0; k < tn && !dup; k++)
			dup = !strcmp(targets[k].path, p);
		if (dup)
			continue;
		targets[tn].path = p;
		targets[tn].data = items[i].fixed.buf;
		targets[tn].len = items[i].fixed.len;
		tmap[tn++] = i;
	}
	return tn;
}

void pf_fix_verify(struct pf_run *run, struct pf_fix_stats *st)
{
	struct pf_findings *fs = &run->findings;
	struct vitem *items = NULL;
	struct pf_scan_target *targets = NULL;
	size_t *tmap = NULL, n = 0, left, ilen = 0;
	const char *ignore;
	double t0 = pf_now_ms();

	for (size_t i = 0; i < fs->nr; i++)
		n += fs->v[i].fix.origin == PF_FIX_LLM &&
		     fs->v[i].fix.state == PF_FIX_UNCHECKED;
	if (!n)
		return;
	ignore = pf_run_ignore_file(run, &ilen);
	items = pf_xcalloc(n, sizeof(*items));
	targets = pf_xcalloc(n, sizeof(*targets));
	tmap = pf_xcalloc(n, sizeof(*tmap));
	n = 0;
	for (size_t i = 0; i < fs->nr; i++) {
		if (fs->v[i].fix.origin == PF_FIX_LLM &&
		    fs->v[i].fix.state == PF_FIX_UNCHECKED)
			apply_in_memory(&items[n++], run, i);
	}
	for (left = n; left;) {
		struct pf_findings found = PF_FINDINGS_INIT;
		struct pf_scan_result res;
		size_t tn = pick_round(targets, tmap, fs, items, n);
		int ret;

		pf_scan_result_init(&res);
		ret = pf_scan_targets(&found, &res, &run->cfg, targets, tn,
				      ignore, ilen);
		for (size_t k = 0; k < tn; k++) {
			if (ret)
				unverify(run, st, &items[tmap[k]],
					 pf_error_last());
			else
				judge(run, st, &items[tmap[k]], &found);
		}
		left -= tn;
		pf_findings_release(&found);
		pf_scan_result_release(&res);
	}
	for (size_t i = 0; i < n; i++)
		pf_buf_release(&items[i].fixed);
	free(items);
	free(targets);
	free(tmap);
	st->verify_ms = pf_now_ms() - t0;
}
