/*
 * redact: find identifying values in text and replace them with vault
 * placeholders (redact.h documents what and how; redact_int.h lists the
 * files that do it).  This file: pf_redact_text(), which scans a text
 * into spans and replaces the merged spans by placeholders.
 *
 * Speed: one pass over the bytes with a dispatch table (scanner.c); the
 * PCRE2 rules run only where a rule's literal prefix starts a word
 * (rules.c); names are looked up per sub-word in a hash set (names.c).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pushfix/err.h"
#include "redact_int.h"

const unsigned char pf_redact_cat_prio[PF_CAT__NR] = {
	[PF_CAT_SECRET] = 9, [PF_CAT_LIT] = 8,	[PF_CAT_EMAIL] = 7,
	[PF_CAT_IP] = 6,     [PF_CAT_HOST] = 5, [PF_CAT_PERSON] = 4,
	[PF_CAT_ORG] = 3,    [PF_CAT_WORD] = 2, [PF_CAT_PATH] = 1,
};

static int span_le(const struct span *p, const struct span *q)
{
	return p->a < q->a || (p->a == q->a && p->b >= q->b);
}

/* LSD radix sort of the n spans at a on their 32-bit start, 11 bits a
 * pass, b (n) the scratch: stable, so equal starts keep their order. */
static void radix_spans(struct span *a, struct span *b, size_t n)
{
	struct span *v = a, *tmp;
	uint32_t max = 0;
	size_t i;

	for (i = 0; i < n; i++)
		if (a[i].a > max)
			max = a[i].a;
	for (unsigned shift = 0; shift < 32 && (max >> shift); shift += 11) {
		size_t count[2048 + 1];

		memset(count, 0, sizeof(count));
		for (i = 0; i < n; i++)
			count[((a[i].a >> shift) & 2047) + 1]++;
		for (i = 1; i <= 2048; i++)
			count[i] += count[i - 1];
		for (i = 0; i < n; i++)
			b[count[(a[i].a >> shift) & 2047]++] = a[i];
		tmp = a;
		a = b;
		b = tmp;
	}
	if (a != v)
		memcpy(v, a, n * sizeof(*a));
}

/* Merge a[0, k) and b[0, m) (each sorted by start) into a[0, k + m),
 * from the end; equal starts: a's first. */
static void merge_end(struct span *a, size_t k, const struct span *b, size_t m)
{
	while (m) {
		if (k && a[k - 1].a > b[m - 1].a) {
			a[k + m - 1] = a[k - 1];
			k--;
		} else {
			a[k + m - 1] = b[m - 1];
			m--;
		}
	}
}

/*
 * Sort spans by start, stably (what radix_spans() gives: the order of
 * equal starts is the detectors', which pf_redact_find_secrets() reads).
 * Most texts come out of the scan sorted; the rest nearly: a detector
 * adds a span a few places behind the last, and the names (found after
 * the scan) follow as a second sorted run.  So one pass inserts each
 * span at most SORT_NEAR places back and sets apart those that go
 * further (the names), which are sorted (stably) on their own if they
 * are not already, and one merge puts them in, equal starts after the
 * kept ones: a span set apart had more than SORT_NEAR kept spans of a
 * greater start behind it, so no span of its start is kept after it.
 * The radix sort of all of them was 7% of a dense text's time (wall
 * clock: its scatter misses the cache).
 */
#define SORT_NEAR 8
static void sort_near(struct span *a, size_t n, struct span *out)
{
	size_t i, k = 0, m = 0;
	int out_sorted = 1;

	/* k + m spans read: a[0, k) sorted, out[0, m) set apart */
	for (i = 0; i < n; i++) {
		struct span x = a[i];
		size_t j = k;

		while (j > 0 && k - j < SORT_NEAR && a[j - 1].a > x.a)
			j--;
		if (j > 0 && a[j - 1].a > x.a) {
			if (m && out[m - 1].a > x.a)
				out_sorted = 0;
			out[m++] = x;
			continue;
		}
		memmove(a + j + 1, a + j, (k - j) * sizeof(*a));
		a[j] = x;
		k++;
	}
	if (!out_sorted)
		radix_spans(out, out + m, m);
	merge_end(a, k, out, m);
}

/*
 * The names come last, as a sorted run of their own (a third of a dense
 * text's spans): sort_near() walked SORT_NEAR places back for each of
 * them before setting it apart.  The sorted tail is merged in as it is,
 * after the rest is sorted: the same stable order by start.
 */
void pf_redact_sort_spans(struct spans *sp, struct span **tmp_buf,
			  size_t *tmp_alloc)
{
	struct span *a = sp->v;
	size_t n = sp->nr, i, s;

	for (i = 1; i < n && span_le(&a[i - 1], &a[i]); i++)
		;
	if (i >= n)
		return; /* sorted already (or fewer than 2) */
	if (*tmp_alloc < 2 * n) {
		free(*tmp_buf);
		*tmp_alloc = 2 * n + n / 2;
		*tmp_buf = pf_xmalloc(*tmp_alloc * sizeof(**tmp_buf));
	}
	/* a[s, n) sorted by start (equal starts in their order: stable) */
	for (s = n - 1; s > i && a[s - 1].a <= a[s].a; s--)
		;
	if (n - s < 4 * SORT_NEAR) {
		sort_near(a, n, *tmp_buf);
		return;
	}
	sort_near(a, s, *tmp_buf);
	memcpy(*tmp_buf, a + s, (n - s) * sizeof(*a));
	merge_end(a, s, *tmp_buf, n - s);
}

static int is_blank(char c)
{
	return c == ' ' || c == '\t' || c == '\r';
}

/*
 * Would the text before pa, glued to the placeholder ph (pl bytes), read
 * as another placeholder ("PF_i" + "PF_PERSON_1" reads "PF_iP", an IP)?
 * Then restore would refuse it.  The start (>= lo) of that text, or pa.
 */
static size_t glue_start(const struct pf_vault *v, const char *t, size_t lo,
			 size_t pa, const char *ph, size_t pl)
{
	char buf[64];
	size_t from = pa - lo > 24 ? pa - 24 : lo, m = pa - from;

	/* a placeholder is made of word bytes: nothing else glues */
	if (!m || !IS(t[pa - 1], C_WORD))
		return pa;
	if (pl > sizeof(buf) - m)
		pl = sizeof(buf) - m;
	memcpy(buf, t + from, m);
	memcpy(buf + m, ph, pl);
	for (size_t k = 0; k < m; k++)
		if (pf_vault_token_at(v, buf, m + pl, k) > m - k)
			return from + k;
	return pa;
}

/* pf_buf_add() without its call to grow while there is room (emit()
 * grew out for the text and a quarter more): twice per value. */
static inline void out_add(struct pf_buf *out, const char *s, size_t n)
{
	if (out->alloc - out->len > n) {
		memcpy(out->buf + out->len, s, n);
		out->len += n;
		out->buf[out->len] = '\0';
	} else {
		pf_buf_add(out, s, n);
	}
}

/*
 * A piece of the text to replace: t[a, b), its category, where the next
 * placeholder starts (hi) and its key in the vault.  The first probe of
 * the vault's table for a new value misses the cache (a random slot of
 * megabytes): emit() makes each piece's key AHEAD pieces before it puts
 * it, and the slot is in the cache by then.  A few values ahead was not
 * far enough (a put is short: the load was still on its way).  Half
 * way there the slot is read and, if its hash agrees (a value seen
 * before), its entry fetched too: 16 ahead beat 32 (A/B, both orders).
 */
struct piece {
	size_t a, b, hi;
	unsigned char cat;
	struct pf_vault_key k;
};

#define AHEAD 16

/* Put piece p in the vault and write the text before it and its
 * placeholder to out; *last: where the text not written yet starts. */
static void put_piece(struct pf_buf *out, struct pf_vault *v, const char *t,
		      size_t *last, const struct piece *p)
{
	size_t g, phl;
	const char *ph = pf_vault_put_key(v, p->cat, t, *last, p->hi, p->a,
					  p->b, &p->k, &phl);

	g = glue_start(v, t, *last, p->a, ph, phl);
	out_add(out, t + *last, g - *last);
	/* the text glued before it: a literal */
	if (g < p->a)
		pf_buf_addstr(out, pf_vault_put_in(v, PF_CAT_LIT, t, *last,
						   p->hi, g, p->a));
	out_add(out, ph, phl);
	*last = p->b;
}

/* Replace the spans (sorted, merged, split per line) by placeholders. */
static void emit(struct pf_buf *out, struct pf_vault *v, const char *t,
		 size_t n, struct spans *sp, struct span **tmp_buf,
		 size_t *tmp_alloc)
{
	/* last: the end of the last piece made; done: of the last put */
	size_t last = 0, done = 0, i = 0, next, head = 0, cnt = 0;
	struct piece ring[AHEAD];

	pf_buf_grow(out, n + n / 4);
	pf_redact_sort_spans(sp, tmp_buf, tmp_alloc);
	/* A text dense with values has about 3 spans a new value (spans
	 * merge into a neighbour, values repeat; 4 before a value's span
	 * kept its base64 run from being looked at again): room for every
	 * span made the hash table 4 times too big (more probes miss the
	 * cache, more fresh pages), room for too few a second table half
	 * way; put() grows it for a text of fewer repeats. */
	pf_vault_reserve(v, sp->nr / 3);
	while (i < sp->nr) {
		size_t a = sp->v[i].a, b = sp->v[i].b;
		unsigned char cat = sp->v[i].cat;

		if (a < last)
			a = last; /* digits taken by the previous span */
		for (;;) {
			for (i++; i < sp->nr && sp->v[i].a < b; i++) {
				if (sp->v[i].b > b)
					b = sp->v[i].b;
				if (pf_redact_cat_prio[sp->v[i].cat] >
				    pf_redact_cat_prio[cat])
					cat = sp->v[i].cat;
			}
			/* A placeholder must not run into a digit of the text
			 * ("PF_ORG_2" + "10" reads as PF_ORG_210): the digits
			 * become part of the value. */
			if (b < n && is_digit(t[b]) && t[b - 1] != '\n') {
				while (b < n && is_digit(t[b]))
					b++;
				i--;
				continue;
			}
			break;
		}
		if (b > n)
			b = n;
		if (a >= b)
			continue;
		/* where the next placeholder will start (vault.c keys) */
		next = i < sp->nr ? sp->v[i].a : n;
		while (next < n && is_blank(t[next]))
			next++;
		/* one placeholder per line piece, blanks kept outside */
		while (a < b) {
			const char *nl = memchr(t + a, '\n', b - a);
			size_t e = nl ? (size_t)(nl - t) : b, pa = a, pb = e;

			while (pa < pb && is_blank(t[pa]))
				pa++;
			while (pb > pa && is_blank(t[pb - 1]))
				pb--;
			if (pb > pa) {
				struct piece *p;

				if (cnt == AHEAD) {
					put_piece(out, v, t, &done,
						  &ring[head]);
					head = (head + 1) % AHEAD;
					cnt--;
				}
				p = &ring[(head + cnt++) % AHEAD];
				p->a = pa;
				p->b = pb;
				p->hi = next;
				p->cat = cat;
				pf_vault_key(v, t + pa, pb - pa, &p->k);
				if (cnt > AHEAD / 2)
					pf_vault_key_touch(
						v, &ring[(head + cnt - 1 -
							  AHEAD / 2) %
							 AHEAD]
							    .k);
				last = pb;
			}
			a = nl ? e + 1 : b;
		}
	}
	for (; cnt; cnt--, head = (head + 1) % AHEAD)
		put_piece(out, v, t, &done, &ring[head]);
	pf_buf_add(out, t + done, n - done);
}

/* Can text of len bytes be scanned?  `verb` says what for, in the error. */
static int check_text(size_t len, const char *verb)
{
	const char *why = pf_redact_engine();

	if (why)
		return pf_error_set("%s", why);
	if (len >= UINT32_MAX)
		return pf_error_setc(PF_ETOOBIG,
				     "cannot %s %zu bytes at "
				     "once (4 GiB at most)",
				     verb, len);
	return 0;
}

/* The one pass over text into sp (its storage ready); `what` names it in
 * the error. */
static int scan_text(struct spans *sp, const char *text, size_t len,
		     const struct pf_redact_priv *p, const struct pf_vault *v,
		     const char *what)
{
	struct scan sc;
	struct key_memo memo;
	int ret = 0;

	memset(&sc, 0, sizeof(sc));
	memset(memo.len, 0, sizeof(memo.len));
	sc.memo = &memo;
	sc.t = text;
	sc.n = len;
	sc.sp = sp;
	sc.p = p;
	sc.vault = v;
	sc.md = pcre2_match_data_create(16, NULL);
	sc.wpair = p ? p->wpair : NULL;
	pf_redact_scan(&sc);
	if (sc.err) {
		PCRE2_UCHAR msg[120];

		pcre2_get_error_message(sc.err, msg, sizeof(msg));
		ret = pf_error_set("%s failed: %s", what, (char *)msg);
	}
	pcre2_match_data_free(sc.md);
	free(sc.lits);
	free(sc.nc);
	return ret;
}

int pf_redact_text(struct pf_buf *out, struct pf_vault *v,
		   struct pf_redact_ctx *ctx, const char *text, size_t len)
{
	struct spans sp = { NULL, 0, 0 };
	struct pf_redact_priv *p = ctx ? ctx->priv : NULL;
	struct span *tmp = NULL;
	size_t tmp_alloc = 0;
	int ret = check_text(len, "redact");

	if (ret)
		return ret;
	if (p) { /* reuse the context's scratch: no fresh pages per text */
		sp.v = p->scratch;
		sp.alloc = p->scratch_alloc;
		tmp = p->sort_tmp;
		tmp_alloc = p->sort_tmp_alloc;
	}
	if (sp.alloc < len / 32 + 16) {
		free(sp.v);
		sp.alloc = len / 32 + 16;
		sp.v = pf_xmalloc(sp.alloc * sizeof(*sp.v));
	}
	if (p)
		pf_redact_wpair_build(p);
	ret = scan_text(&sp, text, len, p, v, "redaction");
	if (!ret)
		emit(out, v, text, len, &sp, &tmp, &tmp_alloc);
	if (p) {
		p->scratch = sp.v;
		p->scratch_alloc = sp.alloc;
		p->sort_tmp = tmp;
		p->sort_tmp_alloc = tmp_alloc;
	} else {
		free(sp.v);
		free(tmp);
	}
	return ret;
}

/* Which of two detectors names an overlap: a known format beats an
 * assignment, which beats a guess from the letters. */
static int kind_rank(unsigned k)
{
	if (k >= K_RULE || k == K_PEM)
		return 4;
	if (k == K_URL || k == K_CURL)
		return 3;
	if (k == K_ASSIGN)
		return 2;
	return k == K_ENCODED ? 1 : 0;
}

int pf_redact_find_secrets(struct pf_secret_hit **out, size_t *nr,
			   const char *text, size_t len)
{
	struct spans sp = { NULL, 0, 0 };
	struct span *tmp = NULL;
	size_t tmp_alloc = 0, k = 0;
	struct pf_secret_hit *v = NULL;
	size_t n = 0, alloc = 0;
	int ret;

	*out = NULL;
	*nr = 0;
	ret = check_text(len, "look for secrets in");
	if (!ret)
		ret = scan_text(&sp, text, len, NULL, NULL, "secret detection");
	if (ret)
		goto out;
	pf_redact_sort_spans(&sp, &tmp, &tmp_alloc);
	while (k < sp.nr) {
		size_t a = sp.v[k].a, b = sp.v[k].b;
		size_t ka = a; /* where the best kind's span starts */
		unsigned kind = sp.v[k].kind;

		if (sp.v[k++].cat != PF_CAT_SECRET)
			continue;
		for (; k < sp.nr && sp.v[k].a < b; k++) {
			if (sp.v[k].cat != PF_CAT_SECRET)
				continue;
			if (sp.v[k].b > b)
				b = sp.v[k].b;
			if (kind_rank(sp.v[k].kind) > kind_rank(kind)) {
				kind = sp.v[k].kind;
				ka = sp.v[k].a;
			}
		}
		/* A known format says where the value starts: a
		 * high-entropy run around it ("OPENAI_API_KEY=sk-proj-...")
		 * would hide the name and show the wrong prefix.  What the
		 * other spans cover after it stays in, masked. */
		if (kind_rank(kind) >= 2)
			a = ka;
		PF_ALLOC_GROW(v, n + 1, alloc);
		v[n].start = a;
		v[n].end = b;
		v[n].kind = pf_redact_kind_name(kind);
		v[n].known = kind_rank(kind) >= 2;
		n++;
	}
	*out = v;
	*nr = n;
	v = NULL;
out:
	free(v);
	free(sp.v);
	free(tmp);
	return ret;
}
