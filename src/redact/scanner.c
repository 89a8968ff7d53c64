/*
 * The scanner: one pass over the bytes, 64 at a time, classified into bit
 * masks (pf_redact_scan()); each byte that may start something (those of
 * the dispatch table pf_redact_dispatch[]) calls its detector (rules.c,
 * addresses.c, assign.c), the rest is skipped a word at a time.  Here too:
 * high-entropy strings, string literals and their concatenations, home
 * directories, attributions, placeholder look-alikes.  The names of the context
 * are searched after the pass (names.c).
 */
/* SSE2 is x86-64's baseline; PF_REDACT_SCALAR builds the plain C path
 * (for a test of it on such a machine) */
#if defined(__SSE2__) && !defined(PF_REDACT_SCALAR)
#define PF_SSE2 1
#include <emmintrin.h>
/* AVX-512 (BW, VBMI) where the CPU has it, chosen when the scan starts:
 * one build runs on every x86-64 */
#if defined(__GNUC__) && defined(__x86_64__)
#define PF_AVX512 1
#include <immintrin.h>
#define PF_TARGET_512                                                          \
	__attribute__((target("avx512f,avx512bw,avx512vbmi,bmi,bmi2")))
#endif
#endif
#include <limits.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "redact_int.h"

/* The byte counts of an entropy, zero between calls: each call resets
 * what it counted (forget(), sum_counts()). */
static _Thread_local unsigned cnt[256];

/* Counts the n bytes of s into cnt; the distinct ones, first seen first,
 * into seen[] (257: one more, written before it counts); their number. */
static size_t count_bytes(const char *s, size_t n, unsigned char *seen)
{
	size_t m = 0;

	/* no branch on what the bytes are: random text mispredicts */
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];

		seen[m] = c;
		m += cnt[c]++ == 0;
	}
	return m;
}

/* Shannon entropy in bits per byte (log2), as gitleaks/detect-secrets:
 * H = log2(n) - (1/n) * sum(c * log2(c)) over the byte counts c, of
 * the m distinct bytes count_bytes() saw; resets their counts. */
static double sum_counts(size_t n, const unsigned char *seen, size_t m)
{
	double sum = 0;

	/* summed in the order of first occurrence, as always: the same
	 * bits */
	for (size_t j = 0; j < m; j++) {
		unsigned k = cnt[seen[j]];

		sum += k <= CLOG_MAX ? pf_redact_clog[k]
				     : (double)k * log2((double)k);
		cnt[seen[j]] = 0;
	}
	return (n <= LOG2N_MAX ? pf_redact_log2n[n] : log2((double)n)) -
	       sum / (double)n;
}

static void forget(const unsigned char *seen, size_t m)
{
	for (size_t j = 0; j < m; j++)
		cnt[seen[j]] = 0;
}

static double entropy(const char *s, size_t n)
{
	unsigned char seen[257];

	if (!n)
		return 0;
	return sum_counts(n, seen, count_bytes(s, n, seen));
}

double pf_redact_entropy(const char *s, size_t n)
{
	(void)pf_redact_engine(); /* the c * log2(c) table */
	return entropy(s, n);
}

/*
 * detect-secrets' limits: hex strings above 3.0 bits (all-digit strings
 * penalised by 1.2 / log2(len)), base64 strings above 4.5.  The bytes
 * are counted once; whether all are hex digits (or digits) is asked of
 * the distinct ones only.  H <= log2(distinct): with 7 distinct bytes
 * or fewer no hex string passes (log2(7) = 2.81), with 22 or fewer no
 * base64 one (log2(22) = 4.46), and the sum is not needed (identifiers
 * and words, most of the runs looked at); the margins are far above
 * the rounding of the sum, so the answer is the same.  em (NULL: none)
 * remembers what was found of s: a literal is looked at by quote() and
 * again as a base64 run.
 */
static int high_entropy(struct ent_memo *em, const char *s, size_t n,
			size_t min_b64, size_t min_hex)
{
	unsigned char seen[257];
	struct ent_memo own;
	int counted = 0, need;
	double h;

	if (n < min_b64 && n < min_hex)
		return 0;
	/* 22 bytes or fewer hold no 23 distinct ones: only a hex string
	 * may pass, and most such literals ("AKIA...", words) show a byte
	 * of no hex digit within a few bytes, before any is counted */
	if (n <= 22 && (n < min_hex || !all_of(s, n, C_HEX)))
		return 0;
	if (!em)
		em = &own;
	if (em == &own || em->s != s || em->n != n) {
		unsigned all = ~0u, sub = ~0u;

		em->s = s;
		em->n = n;
		em->m = count_bytes(s, n, seen);
		counted = 1;
		/* the classes every byte has; there are 22 hex digits (either
		 * case): more distinct bytes are not all hex */
		if (em->m > 22)
			all = sub = 0;
		for (size_t j = 0; j < em->m && all; j++) {
			all &= pf_redact_cls[seen[j]];
			sub &= pf_redact_sub_cls[seen[j]];
		}
		em->hex = (all & C_HEX) != 0;
		em->digits = (sub & S_DIGIT) != 0;
		em->has_h = 0;
	}
	if (em->hex && n >= min_hex)
		need = em->m > 7;
	else
		need = n >= min_b64 && em->m > 22;
	if (need && !em->has_h) {
		if (!counted)
			(void)count_bytes(s, n, seen);
		em->h = sum_counts(n, seen, em->m);
		em->has_h = 1;
		counted = 0; /* sum_counts() reset the counts */
	}
	if (counted)
		forget(seen, em->m);
	if (!need)
		return 0;
	if (em->hex && n >= min_hex) {
		h = em->h;
		if (em->digits)
			h -= n <= LOG2N_MAX ? pf_redact_digit_pen[n]
					    : 1.2 / log2((double)n);
		return h > 3.0;
	}
	return em->h > 4.5;
}

size_t pf_redact_b64_end(const char *t, size_t n, size_t b)
{
#ifdef PF_SSE2
	/* A-Z a-z as (x | 0x20) in a-z; / and 0-9 one range; + = - _;
	 * bytes >= 0x80 are negative: in no range */
	const __m128i x20 = _mm_set1_epi8(0x20);
	const __m128i la = _mm_set1_epi8('a' - 1), lz = _mm_set1_epi8('z' + 1);
	const __m128i ds = _mm_set1_epi8('/' - 1), d9 = _mm_set1_epi8('9' + 1);
	const __m128i pl = _mm_set1_epi8('+'), eq = _mm_set1_epi8('=');
	const __m128i mi = _mm_set1_epi8('-'), us = _mm_set1_epi8('_');

	while (n - b >= 16) {
		__m128i x = _mm_loadu_si128((const __m128i *)(t + b));
		__m128i l = _mm_or_si128(x, x20), in;
		unsigned m;

		in = _mm_and_si128(_mm_cmpgt_epi8(l, la),
				   _mm_cmplt_epi8(l, lz));
		in = _mm_or_si128(in, _mm_and_si128(_mm_cmpgt_epi8(x, ds),
						    _mm_cmplt_epi8(x, d9)));
		in = _mm_or_si128(in, _mm_or_si128(_mm_cmpeq_epi8(x, pl),
						   _mm_cmpeq_epi8(x, eq)));
		in = _mm_or_si128(in, _mm_or_si128(_mm_cmpeq_epi8(x, mi),
						   _mm_cmpeq_epi8(x, us)));
		m = ~(unsigned)_mm_movemask_epi8(in) & 0xffffu;
		if (m)
			return b + (unsigned)__builtin_ctz(m);
		b += 16;
	}
#endif
	while (b < n && IS(t[b], C_B64))
		b++;
	return b;
}

/*
 * Does a SECRET span among the last COVER_BACK added hold [a, b)?  With
 * strong set, only one of a detector that names what it found (not
 * K_ENTROPY): a span it holds changes neither the text (overlapping
 * spans merge, SECRET is the strongest category) nor the secrets found
 * (an earlier span of the same start sorts first, and a span of a
 * weaker or equal kind does not name the hit).  Dense text has most
 * of its high-entropy runs inside a token rule's or an assignment's
 * value: their entropy need not be counted, nor the span sorted.  The
 * last few only: the detectors add the value's span just before.
 */
#define COVER_BACK 4
static int covered(const struct spans *sp, size_t a, size_t b, int strong)
{
	size_t k = sp->nr, end = k > COVER_BACK ? k - COVER_BACK : 0;

	while (k-- > end) {
		const struct span *y = &sp->v[k];

		if (y->a <= a && y->b >= b && y->cat == PF_CAT_SECRET &&
		    (!strong || (y->kind != K_ENTROPY && y->kind != K_NONE)))
			return 1;
	}
	return 0;
}

/* The base64 run around i: a secret when long and of high entropy. */
static void b64_run(struct scan *sc, size_t i)
{
	const char *t = sc->t;
	size_t a = i, b = i;

	if (i < sc->b64_end)
		return;
	while (a > sc->b64_end && IS(t[a - 1], C_B64))
		a--;
	b = pf_redact_b64_end(t, sc->n, b);
	sc->b64_end = b;
	/* Trim the punctuation a token does not start with, and the letter
	 * of an escape ("\nAbc...": the n belongs to the escape). */
	while (a < b && (t[a] == '/' || t[a] == '-' || t[a] == '=' ||
			 t[a] == '+' || (a > 0 && t[a - 1] == '\\')))
		a++;
	/* what pf_redact_encoded() would add is inside [a, b), and of
	 * the weakest kinds: nothing to add under a stronger kind's span
	 * (it looks at 16 bytes or more: "AKIA..." of 20 inside its rule's
	 * span decoded for nothing) */
	if (b - a >= 16 && covered(sc->sp, a, b, 1))
		return;
	if (b - a >= 24 && high_entropy(&sc->ent, t + a, b - a, 24, 32))
		add_secret(sc->sp, a, b, K_ENTROPY);
	else
		pf_redact_encoded(sc, a, b);
}

/* A word [i, wend) starts at i: token rules, an IPv4 address or a
 * secret-ish key, and the base64 run it is part of. */
static void word_start(struct scan *sc, size_t i, size_t wend)
{
	const char *t = sc->t;
	unsigned char c = (unsigned char)t[i];
	size_t e;

	rules_at(sc, i, wend);
	if (c >= '0' && c <= '9')
		pf_redact_ipv4(sc, i);
	else if ((e = key_run(sc, i, wend)))
		pf_redact_keyword_assign(sc, i, e);
	/* The usual word is its own base64 run, too short to be a secret
	 * or to decode to one: no need to scan it again. */
	if (i >= sc->b64_end && wend - i < 16 &&
	    !(wend < sc->n && IS(t[wend], C_B64)) &&
	    !(i > 0 && IS(t[i - 1], C_B64)))
		sc->b64_end = wend;
	else
		b64_run(sc, i);
}

/* Does [a, b) hold only what may join two string literals: white
 * space, + . .. & and line continuations? */
static int lit_gap(const char *t, size_t a, size_t b)
{
	for (size_t k = a; k < b; k++)
		if (!IS(t[k], C_GAP))
			return 0;
	return 1;
}

static void quote(struct scan *sc, size_t i)
{
	size_t e;

	if (i < sc->lit_end)
		return;
	e = quote_end(sc->t, sc->n, i);
	if (!e) {
		sc->lit_end = i + 1;
		return;
	}
	sc->lit_end = e + 1;
	/* all base64: pf_redact_b64_end()'s 16 bytes a step (its classes
	 * are C_B64's), not all_of()'s one (half of quote()'s time) */
	if (e - i - 1 >= 16 && !covered(sc->sp, i + 1, e, 0) &&
	    pf_redact_b64_end(sc->t + i + 1, e - i - 1, 0) == e - i - 1 &&
	    high_entropy(&sc->ent, sc->t + i + 1, e - i - 1, 20, 16))
		add_secret(sc->sp, i + 1, e, K_ENTROPY);
	if (sc->nested)
		return;
	/* Keep only literals that follow another across a concatenation
	 * gap (and that other one): joined_literals() needs no more. */
	if (sc->prev_lit_b && lit_gap(sc->t, sc->prev_lit_b + 1, i)) {
		if (!sc->lit_nr ||
		    sc->lits[sc->lit_nr - 1].b != sc->prev_lit_b) {
			PF_ALLOC_GROW(sc->lits, sc->lit_nr + 1, sc->lit_alloc);
			sc->lits[sc->lit_nr].a = sc->prev_lit_a;
			sc->lits[sc->lit_nr].b = sc->prev_lit_b;
			sc->lit_nr++;
		}
		PF_ALLOC_GROW(sc->lits, sc->lit_nr + 1, sc->lit_alloc);
		sc->lits[sc->lit_nr].a = i + 1;
		sc->lits[sc->lit_nr].b = e;
		sc->lit_nr++;
	}
	sc->prev_lit_a = i + 1;
	sc->prev_lit_b = e;
}

/* /home/<user>, /Users/<user>, C:\Users\<user> (also "\\" escaped). */
static void slash(struct scan *sc, size_t i)
{
	const char *t = sc->t;
	size_t p, a;

	if (t[i] == '/') {
		if (sc->n - i <= 6 || (t[i + 1] != 'h' && t[i + 1] != 'U'))
			return;
		if (!memcmp(t + i, "/home/", 6))
			p = i + 6;
		else if (sc->n - i > 7 && !memcmp(t + i, "/Users/", 7))
			p = i + 7;
		else
			return;
	} else {
		p = i + 1;
		if (p < sc->n && t[p] == '\\')
			p++;
		if (sc->n - p < 6 || strncasecmp(t + p, "Users\\", 6))
			return;
		p += 6;
		if (p < sc->n && t[p] == '\\')
			p++;
	}
	a = p;
	while (p < sc->n &&
	       (IS(t[p], C_ALNUM) || t[p] == '.' || t[p] == '_' ||
		t[p] == '-' || ((unsigned char)t[p] & 0x80)) &&
	       p - a < 64)
		p++;
	if (p - a >= 2 && !(p - a == 6 && !memcmp(t + a, "Public", 6)) &&
	    !(p - a == 6 && !memcmp(t + a, "Shared", 6)))
		add_span(sc->sp, a, p, PF_CAT_PERSON);
}

/* Is [a, e) (e <= le) a word of code rather than of a name: followed by
 * _ ( [ or =, or in capitals with a digit ("forge_of(c), PAGE_CAP")? */
static int ident_word(const char *t, size_t le, size_t a, size_t e)
{
	int lowers = 0, digits = 0;

	if (e < le && strchr("_([=", t[e]))
		return 1;
	for (size_t k = a; k < e; k++) {
		lowers |= IS(t[k], C_LOWER) != 0;
		digits |= is_digit(t[k]);
	}
	return !lowers && digits;
}

/* Is [a, e) a language keyword or a common word, in any case? */
static int common_word(const char *t, size_t a, size_t e)
{
	char w[32];

	if (e - a >= sizeof(w))
		return 0;
	for (size_t k = a; k < e; k++)
		w[k - a] = (char)lower((unsigned char)t[k]);
	return pf_redact_is_common_word(w, e - a);
}

/*
 * Copyright (c) 2024 Jane Doe / @author Jane Doe: the capitalised words
 * after a mark that ends at p (called from the byte scan).  A bare "(c)"
 * is a weak mark (code writes f(c), PAGE_CAP): without a year after it,
 * only a word that is neither code-like nor a common word is a name.
 */
static void attribution_at(struct scan *sc, size_t p, int weak)
{
	const char *t = sc->t;
	size_t le = p, e2;

	while (le < sc->n && t[le] != '\n' && le - p < 200)
		le++;
	/* skip "(c)", years, "by", punctuation */
	for (;;) {
		size_t q = p;

		while (q < le && strchr(" \t:,-*", t[q]) && t[q])
			q++;
		if (q + 3 <= le &&
		    (!strncmp(t + q, "(c)", 3) || !strncmp(t + q, "(C)", 3)))
			q += 3;
		else if (q + 2 <= le && !strncmp(t + q, "by", 2) &&
			 (q + 2 == le || t[q + 2] == ' '))
			q += 2;
		else if (q < le && t[q] >= '0' && t[q] <= '9') {
			weak = 0; /* a year */
			while (q < le && ((t[q] >= '0' && t[q] <= '9') ||
					  t[q] == '-' || t[q] == ','))
				q++;
		}
		if (q == p)
			break;
		p = q;
	}
	e2 = p;
	for (int w = 0; w < 4 && e2 < le; w++) {
		size_t a = e2;

		if (!(IS(t[a], C_UPPER) || ((unsigned char)t[a] & 0x80)))
			break;
		while (e2 < le && name_char(t[e2]))
			e2++;
		while (e2 > a && t[e2 - 1] == '.')
			e2--;
		if (e2 - a < 2 || (weak && (ident_word(t, le, a, e2) ||
					    common_word(t, a, e2))))
			break;
		add_span(sc->sp, a, e2, PF_CAT_PERSON);
		while (e2 < le && t[e2] == ' ')
			e2++;
	}
}

/* Is there an attribution mark at i?  Its end, or 0. */
static size_t attribution_mark(const struct scan *sc, size_t i)
{
	const char *t = sc->t;
	size_t r = sc->n - i;

	switch (t[i]) {
	case '@':
		return r >= 7 && !memcmp(t + i, "@author", 7) ? i + 7 : 0;
	case 'C':
	case 'c':
		return r >= 9 && !memcmp(t + i + 1, "opyright", 8) ? i + 9 : 0;
	case '(':
		/* f(c) is a call, not a mark */
		if (i > 0 && IS(t[i - 1], C_WORD))
			return 0;
		return r >= 3 && (t[i + 1] == 'c' || t[i + 1] == 'C') &&
				       t[i + 2] == ')'
			       ? i + 3
			       : 0;
	case '\xc2':
		return r >= 2 && t[i + 1] == '\xa9' ? i + 2 : 0;
	}
	return 0;
}

/* Text that looks like one of our placeholders: escape it (LIT). */
static void lookalike_at(struct scan *sc, size_t i)
{
	size_t l = pf_vault_token_at(sc->vault, sc->t, sc->n, i);

	if (l) {
		add_span(sc->sp, i, i + l, PF_CAT_LIT);
		sc->lit_ph_end = i + l;
	}
}

/*
 * Adjacent string literals joined by + . .. & \ or white space (also
 * across lines) form one value: "AKIA" + "IOSFODNN7EXAMPLE".  Scan the
 * joined view; map every hit back onto the literals it covers.
 */
static void joined_literals(struct scan *sc)
{
	size_t g = 0;

	while (g < sc->lit_nr) {
		size_t h = g + 1, total;

		while (h < sc->lit_nr && h - g < 64) {
			/* gap: closing quote .. opening quote */
			if (sc->lits[h - 1].b + 1 > sc->lits[h].a - 1 ||
			    !lit_gap(sc->t, sc->lits[h - 1].b + 1,
				     sc->lits[h].a - 1))
				break;
			h++;
		}
		if (h - g < 2) {
			g = h;
			continue;
		}
		total = 0;
		for (size_t k = g; k < h; k++)
			total += sc->lits[k].b - sc->lits[k].a;
		if (total >= 8 && total <= 65536) {
			char *j = pf_xmalloc(total + 1);
			size_t *map = pf_xmalloc((total + 1) * sizeof(size_t));
			struct spans js = { NULL, 0, 0 };
			size_t o = 0;

			/* Escapes ("\n") become blanks in the joined view:
			 * no token runs through them. */
			for (size_t k = g; k < h; k++)
				for (size_t x = sc->lits[k].a;
				     x < sc->lits[k].b; x++) {
					map[o] = x;
					if (sc->t[x] == '\\' &&
					    x + 1 < sc->lits[k].b) {
						j[o++] = ' ';
						map[o] = ++x;
						j[o++] = ' ';
						continue;
					}
					j[o++] = sc->t[x];
				}
			map[o] = sc->lits[h - 1].b;
			j[o] = '\0';
			pf_redact_subscan(sc, j, total, &js);
			/* the joined value as one quoted string */
			if (all_of(j, total, C_B64) &&
			    high_entropy(NULL, j, total, 20, 16))
				add_secret(&js, 0, total, K_ENTROPY);
			/* Map [a, b) back: one piece per literal. */
			for (size_t s = 0; s < js.nr; s++) {
				size_t a = js.v[s].a, b = js.v[s].b;

				while (a < b) {
					size_t c = a + 1;

					while (c < b &&
					       map[c] == map[c - 1] + 1)
						c++;
					add_span_kind(
						sc->sp, map[a], map[c - 1] + 1,
						js.v[s].cat, js.v[s].kind);
					a = c;
				}
			}
			free(js.v);
			free(map);
			free(j);
		}
		g = h;
	}
}

void pf_redact_subscan(struct scan *sc, const char *t, size_t n,
		       struct spans *out)
{
	struct scan sub;

	memset(&sub, 0, sizeof(sub));
	sub.t = t;
	sub.n = n;
	sub.sp = out;
	sub.p = sc->p;
	sub.vault = NULL;
	sub.md = sc->md;
	sub.nested = sc->nested + 1;
	sub.wpair = sc->wpair;
	sub.memo = sc->memo;
	pf_redact_scan(&sub);
	free(sub.lits);
	free(sub.nc);
	if (sub.err)
		sc->err = sub.err;
}

/* At j in the word starting at i, f (WL_* of the pair at j): list j for
 * pf_redact_names() when a name may start there (WL_NAME); a '_' after a
 * placeholder's prefix (c0, pl) is a look-alike, escaped as LIT. */
static void word_byte(struct scan *sc, unsigned f, int c0, size_t pl, size_t i,
		      size_t j)
{
	const char *t = sc->t;

	unsigned q;

	if ((f & WL_NAME) ||
	    ((f & WL_NAME4) &&
	     (j + 4 > sc->n ||
	      (q = np4_key(t + j), sc->p->np4[q >> 3] & (1u << (q & 7)))))) {
		PF_ALLOC_GROW(sc->nc, sc->nc_nr + 1, sc->nc_alloc);
		sc->nc[sc->nc_nr++] = j;
	}
	if ((f & WL_UNDER) && c0 >= 0 && j >= i + pl &&
	    ((unsigned char)t[j - pl] | 0x20) == c0 && j - pl >= sc->lit_ph_end)
		lookalike_at(sc, j - pl);
}

/* Does the scan of a text with p look for names (p->np)? */
static int names_on(const struct pf_redact_priv *p)
{
	return p && (p->wm_nr || p->bj_nr) && !p->np_high;
}

/* The index of the pair (c, d) in a wpair table: the two bytes as one
 * uint16_t in the machine's order, so that the word loop reads a pair
 * with one load. */
static inline unsigned wpair_key(unsigned char c, unsigned char d)
{
	unsigned char b[2] = { c, d };
	uint16_t k;

	memcpy(&k, b, 2);
	return k;
}

/*
 * The 5-bit code of a byte in the folded pairs (WPAIR_FOLD): a letter in
 * either case 1-26, a digit 27, _ ' - . 28-31, anything else 0, so that
 * the bytes that end most words (blanks, brackets, operators) fold to
 * none of a name's.  Bytes >= 0x80 are 0 too (classify512() masks them).
 */
const unsigned char pf_redact_fold_code[128] = {
	0,  0,	0,  0,	0,  0,	0,  0,	0,  0,	0,  0,	0,  0,	0,  0,
	0,  0,	0,  0,	0,  0,	0,  0,	0,  0,	0,  0,	0,  0,	0,  0,
	0,  0,	0,  0,	0,  0,	0,  29, 0,  0,	0,  0,	0,  30, 31, 0,
	27, 27, 27, 27, 27, 27, 27, 27, 27, 27, 0,  0,	0,  0,	0,  0,
	0,  1,	2,  3,	4,  5,	6,  7,	8,  9,	10, 11, 12, 13, 14, 15,
	16, 17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 0,	0,  0,	0,  28,
	0,  1,	2,  3,	4,  5,	6,  7,	8,  9,	10, 11, 12, 13, 14, 15,
	16, 17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 0,	0,  0,	0,  0,
};

/*
 * The words of secret_word_at() as folded pairs, for classify512(): a
 * word of 4 bytes or more starts where the pair there is of kw_fold[0],
 * the next of [1] and the one after of [2]; a shorter one ("pw" with
 * anything after it) where they are of [3] and [4].  Most words of code
 * that start like one ("const", "context", "logging", "params") are
 * none: a flag less, where each cost a call.
 */
static unsigned char kw_fold[5][128];

/* pf_redact_wstart's pairs that are not 0, folded alike (filled with
 * it): most words start with none, and the 64 KiB table is not read.
 * By the shortest word that looks: [0] any, [1] 5 bytes or more, [2] 9
 * or more. */
static unsigned char wstart_fold[3][128];

/* The same in two bitmaps, each folded pair of the class that looks at
 * the most words (any length before 5 or more before 9 or more: what
 * the others of the pair ask is asked by it), one permute less a block:
 * [0] any or 5 or more, [1] any or 9 or more; both: any. */
static unsigned char ws_fold[2][128];

/* Is the one rule a digit starts the digits' rule (of no prefix)?  Then
 * a number followed by neither '.' nor ':' is an idle word. */
static int digits_rule_only;

static void kw_fold_fill(void)
{
	static const char *const words[] = {
		"pass", "secret", "salt",    "login", "logon", "token",
		"auth", "cred",	  "connect", "sig",   "key",   "dsn",
	};

	for (size_t i = 0; i < PF_ARRAY_SIZE(words); i++) {
		const unsigned char *w = (const unsigned char *)words[i];
		int sh = strlen(words[i]) < 4 ? 3 : 0;

		for (int k = 0; k < (sh ? 2 : 3); k++)
			pf_redact_fold_set(kw_fold[sh + k], w[k], w[k + 1]);
	}
	/* "pw": p w and anything */
	pf_redact_fold_set(kw_fold[3], 'p', 'w');
	for (unsigned d = 0; d < 128; d++)
		pf_redact_fold_set(kw_fold[4], 'w', (unsigned char)d);
}

/* The word loop's table without names (pf_redact_classes_init()). */
unsigned char pf_redact_wpair0[WPAIR_SIZE];

/* Sets f in tab at the pairs (c, d) of the name_pair() k (both cases
 * of either byte) whose c is a byte of a word that first says yes to. */
static void wpair_or(unsigned char *tab, unsigned k, const unsigned char *first,
		     unsigned char f)
{
	unsigned char hi = (unsigned char)(k >> 8), lo = (unsigned char)k;
	unsigned char *fold = tab + 65536;

	if (!(hi & 0x20) || !(lo & 0x20))
		return; /* no pair has it */
	for (unsigned x = 0; x < 2; x++) {
		unsigned char c = (unsigned char)(hi ^ (x << 5));

		if (!IS(c, C_WORD) || !first[c])
			continue;
		tab[wpair_key(c, lo)] |= f;
		tab[wpair_key(c, (unsigned char)(lo ^ 0x20))] |= f;
		if (f != WL_KW) {
			/* [0] names of 1-3 bytes, [1] longer ones */
			fold += f == WL_NAME ? 0 : 128;
			pf_redact_fold_set(fold, c, lo);
			pf_redact_fold_set(fold, c, (unsigned char)(lo ^ 0x20));
		}
	}
}

/*
 * Once per process (pf_redact_wpair0) and once per context with names:
 * what a byte is (WL_STOP, WL_UNDER) copied row by row, then the pairs of
 * the bitmaps' set bits (WL_KW, WL_NAME, WL_NAME4), not 65536 pairs each
 * tested: 1.1M instructions a table before.
 */
void pf_redact_wpair_fill(unsigned char *tab, const struct pf_redact_priv *p)
{
	const unsigned char *np = p ? p->np : NULL;
	unsigned char row[256];

	for (unsigned c = 0; c < 256; c++)
		row[c] = !IS(c, C_WORD) ? WL_STOP : c == '_' ? WL_UNDER : 0;
	if (wpair_key(1, 0) == 1) {
		/* the machine's order puts the pairs of one d together */
		for (unsigned d = 0; d < 256; d++)
			memcpy(tab + (d << 8), row, 256);
	} else {
		for (unsigned c = 0; c < 256; c++)
			memset(tab + (c << 8), row[c], 256);
	}
	memset(tab + 65536, 0, WPAIR_FOLD);
	if (p) {
		memcpy(tab + 65536 + 256, p->np2, 128);
		memcpy(tab + 65536 + 384, p->np3, 128);
	}
	for (unsigned w = 0; w < 65536 / 8; w++) {
		unsigned kw, nm;
		uint64_t k8, n8 = 0;

		/* the bitmaps are mostly 0: eight bytes at a time */
		if (!(w & 7)) {
			memcpy(&k8, pf_redact_kw_pair + w, 8);
			if (np)
				memcpy(&n8, np + w, 8);
			if (!(k8 | n8)) {
				w += 7;
				continue;
			}
		}
		kw = pf_redact_kw_pair[w];
		nm = np ? np[w] : 0;
		if (!(kw | nm))
			continue;
		for (unsigned b = 0; b < 8; b++) {
			unsigned k = w * 8 + b;

			if (kw & (1u << b))
				wpair_or(tab, k, pf_redact_kw_first, WL_KW);
			if (nm & (1u << b))
				wpair_or(tab, k, p->np_first,
					 (p->nps[w] & (1u << b)) ? WL_NAME
								 : WL_NAME4);
		}
	}
}

void pf_redact_wpair_build(struct pf_redact_priv *p)
{
	if (!names_on(p) || p->wpair)
		return;
	(void)pf_redact_engine(); /* the character classes */
	p->wpair = pf_xmalloc(WPAIR_SIZE);
	pf_redact_wpair_fill(p->wpair, p);
}

/* Does a word of has_secret_word() start at j (a byte of a word, WL_KW)?
 * Its letters end inside the word: no bound but the text's. */
static inline int kw_at(const struct scan *sc, size_t j)
{
	return secret_word_at(sc->t + j, sc->n - j);
}

/* The word loop over the word at i with wp (a wpair table): calls
 * word_byte() where it has something to do, notes in sc->word_kw whether
 * a word of has_secret_word() starts in it (what has_secret_word() says
 * of a key of this word alone); the end of the word. */
static size_t word_pairs(struct scan *sc, const unsigned char *wp, int c0,
			 size_t pl, size_t i)
{
	const unsigned char *u = (const unsigned char *)sc->t;
	size_t j = i, n = sc->n;
	int kw = 0;

	for (; j + 1 < n; j++) {
		uint16_t k;
		unsigned char f;

		memcpy(&k, u + j, 2);
		f = wp[k];
		if (f) {
			if (f == WL_STOP)
				goto out;
			if ((f & WL_KW) && !kw)
				kw = kw_at(sc, j);
			if (f & (WL_NAME | WL_NAME4 | WL_UNDER))
				word_byte(sc, f, c0, pl, i, j);
		}
	}
	/* the last byte of the text (d is 0): no key word starts there */
	if (j < n) {
		unsigned char f = wp[wpair_key(u[j], 0)];

		if (f == WL_STOP)
			goto out;
		if (f & (WL_NAME | WL_NAME4 | WL_UNDER))
			word_byte(sc, f, c0, pl, i, j);
		j++;
	}
out:
	sc->word_kw = kw;
	return j;
}

/*
 * The scanner walks the text 64 bytes at a time: a block's bytes are
 * classified at once (16 at a time with SSE2) into bit masks, and the
 * loop visits only the bytes where something may start (the first
 * alphanumeric byte of a word and the other bytes of the dispatch table)
 * and, inside a word, only the bytes whose pair says the word loop has
 * something to do there.  Word ends come from the masks (ctz), not from a
 * test per byte: a branch per byte mispredicts at every word's end.
 */
#define BLK 64

struct blk {
	uint64_t alnum; /* A-Z a-z 0-9: D_WORD */
	uint64_t word;	/* alnum and _ (C_WORD) */
	uint64_t trig;	/* the other bytes of the dispatch table */
	uint64_t flag;	/* the word loop's pair says more than WL_STOP */
	uint64_t b64;	/* C_B64 */
	uint64_t kd;	/* '.' and '-': a key run goes on */
	uint64_t kw;	/* WL_KW: a key word may start */
	/* wide only: lower-case letters, and where a bare host's last
	 * label may end (no byte of a word, '-', '(', nor '.' before an
	 * alphanumeric byte: pf_redact_bare_host()) */
	uint64_t lower, hend;
	uint64_t ws; /* pf_redact_wstart may not be 0 */
	uint64_t digit, colon;
	uint64_t wss; /* of which for words of any length */
	uint64_t wsm; /* of which for words of 5 bytes or more only */
	uint64_t wsl; /* of which for words of 9 bytes or more only */
	/* '_' (not in flag: scan_blocks() adds those a look-alike's
	 * prefix may come before), and the bytes equal to c0 */
	uint64_t under, c0m;
	/* the first pair of a name of 4 bytes or more (flag asks more) */
	uint64_t nlong;
};

#ifdef PF_SSE2
/* The masks of 16 bytes at s. */
static inline void classify16(const unsigned char *s, unsigned *alnum,
			      unsigned *word, unsigned *trig, unsigned *b64,
			      unsigned *kd, unsigned *mark)
{
	__m128i v = _mm_loadu_si128((const __m128i *)(const void *)s);
	__m128i d = _mm_sub_epi8(v, _mm_set1_epi8('0'));
	__m128i l = _mm_sub_epi8(_mm_or_si128(v, _mm_set1_epi8(0x20)),
				 _mm_set1_epi8('a'));
	/* unsigned x <= k: min(x, k) == x */
	__m128i dig = _mm_cmpeq_epi8(_mm_min_epu8(d, _mm_set1_epi8(9)), d);
	__m128i let = _mm_cmpeq_epi8(_mm_min_epu8(l, _mm_set1_epi8(25)), l);
	__m128i a = _mm_or_si128(dig, let);
	__m128i u = _mm_cmpeq_epi8(v, _mm_set1_epi8('_'));
	__m128i t;

#define EQ(c) _mm_cmpeq_epi8(v, _mm_set1_epi8((char)(c)))
	/* '(' and '/' apart: most start nothing (mark[]) */
	t = _mm_or_si128(_mm_or_si128(_mm_or_si128(EQ('"'), EQ('\'')),
				      _mm_or_si128(EQ('`'), EQ('@'))),
			 _mm_or_si128(_mm_or_si128(EQ(':'), EQ('.')),
				      _mm_or_si128(EQ('-'), EQ('\\'))));
	t = _mm_or_si128(t, EQ(0xc2));
	mark[0] = (unsigned)_mm_movemask_epi8(EQ('('));
	mark[1] = (unsigned)_mm_movemask_epi8(_mm_or_si128(EQ('c'), EQ('C')));
	mark[2] = (unsigned)_mm_movemask_epi8(EQ(')'));
	mark[3] = (unsigned)_mm_movemask_epi8(EQ('/'));
	mark[4] = (unsigned)_mm_movemask_epi8(_mm_or_si128(EQ('h'), EQ('U')));
	*alnum = (unsigned)_mm_movemask_epi8(a);
	*word = (unsigned)_mm_movemask_epi8(_mm_or_si128(a, u));
	*trig = (unsigned)_mm_movemask_epi8(t);
	t = _mm_or_si128(EQ('.'), EQ('-'));
	*kd = (unsigned)_mm_movemask_epi8(t);
	t = _mm_or_si128(_mm_or_si128(a, u),
			 _mm_or_si128(_mm_or_si128(EQ('+'), EQ('/')),
				      _mm_or_si128(EQ('='), EQ('-'))));
	*b64 = (unsigned)_mm_movemask_epi8(t);
#undef EQ
}
#endif

/* The masks of the 64 bytes at s (s[64] readable: the pair of the last
 * byte), with wp the word loop's table. */
static inline void classify(const unsigned char *s, const unsigned char *wp,
			    struct blk *b)
{
	unsigned char fb[BLK];

	memset(b, 0, sizeof(*b));
#ifdef PF_SSE2
	uint64_t m[5] = { 0 };

	for (unsigned k = 0; k < BLK; k += 16) {
		unsigned ma, mw, mt, mb, mk, mm[5];

		classify16(s + k, &ma, &mw, &mt, &mb, &mk, mm);
		b->alnum |= (uint64_t)ma << k;
		b->word |= (uint64_t)mw << k;
		b->trig |= (uint64_t)mt << k;
		b->b64 |= (uint64_t)mb << k;
		b->kd |= (uint64_t)mk << k;
		/* written out: -O2 keeps a loop of 5 */
		m[0] |= (uint64_t)mm[0] << k;
		m[1] |= (uint64_t)mm[1] << k;
		m[2] |= (uint64_t)mm[2] << k;
		m[3] |= (uint64_t)mm[3] << k;
		m[4] |= (uint64_t)mm[4] << k;
	}
	/* "(c)" (attribution_mark()) and "/h", "/U" (slash()): the bytes
	 * after the block's last are not known here, so kept */
	b->trig |= m[0] & (((m[1] >> 1) & (m[2] >> 2)) | (uint64_t)3 << 62);
	b->trig |= m[3] & ((m[4] >> 1) | (uint64_t)1 << 63);
#else
	for (unsigned k = 0; k < BLK; k++) {
		unsigned char d = pf_redact_dispatch[s[k]];

		b->alnum |= (uint64_t)(d == D_WORD) << k;
		b->word |= (uint64_t)(IS(s[k], C_WORD) != 0) << k;
		b->trig |= (uint64_t)(d != D_WORD && d != D_NONE) << k;
		b->b64 |= (uint64_t)(IS(s[k], C_B64) != 0) << k;
		b->kd |= (uint64_t)(s[k] == '.' || s[k] == '-') << k;
	}
#endif
	/* no branch per byte: one lookup each, four at a time, stored,
	 * then compared 16 at a time (WL_STOP is a flag alone) */
	for (unsigned k = 0; k < BLK; k += 4) {
		uint16_t q0, q1, q2, q3;

		memcpy(&q0, s + k, 2);
		memcpy(&q1, s + k + 1, 2);
		memcpy(&q2, s + k + 2, 2);
		memcpy(&q3, s + k + 3, 2);
		fb[k] = wp[q0];
		fb[k + 1] = wp[q1];
		fb[k + 2] = wp[q2];
		fb[k + 3] = wp[q3];
	}
#ifdef PF_SSE2
	for (unsigned k = 0; k < BLK; k += 16) {
		__m128i v = _mm_loadu_si128(
			(const __m128i *)(const void *)(fb + k));
		/* flags above WL_STOP: v > 1, as signed bytes (flags stay
		 * below 0x80) */
		__m128i g = _mm_cmpgt_epi8(v, _mm_set1_epi8(WL_STOP));

		b->flag |= (uint64_t)(unsigned)_mm_movemask_epi8(g) << k;
		g = _mm_cmpeq_epi8(_mm_and_si128(v, _mm_set1_epi8(WL_KW)),
				   _mm_set1_epi8(WL_KW));
		b->kw |= (uint64_t)(unsigned)_mm_movemask_epi8(g) << k;
	}
#else
	for (unsigned k = 0; k < BLK; k++) {
		b->flag |= (uint64_t)(fb[k] > WL_STOP) << k;
		b->kw |= (uint64_t)((fb[k] & WL_KW) != 0) << k;
	}
#endif
	b->flag &= b->word;
}

#ifdef PF_AVX512
/* The class bits of an ASCII byte for classify512(), one table lookup
 * for 64 bytes (VBMI's two-table permute takes 7 bits: 128 entries). */
enum {
	CB_TRIG = 1, /* quotes and '@' (of the dispatch table's) */
	CB_B64P = 2, /* + / = - */
	CB_KD = 4,   /* . - */
	CB_LP = 8,   /* ( */
	CB_C = 16,   /* c C */
	CB_RP = 32,  /* ) */
	CB_SL = 64,  /* / */
	CB_HU = 128, /* h U */
};

/*
 * Each byte value 64 times, one vector a row, filled at start: the
 * classifier's constants are loads (a memory operand of the compare).
 * Written as _mm512_set1_epi8() the compiler made each again in every
 * block (the loop calls out: no vector register lives across it), a
 * broadcast from a general register each, on the port the compares
 * and permutes also need.
 */
static unsigned char b8_tab[256][64] __attribute__((aligned(64)));
#define B8(c) _mm512_load_si512((const void *)b8_tab[(unsigned char)(c)])

static const unsigned char cb_tab[128] = {
	['"'] = CB_TRIG, ['\''] = CB_TRIG, ['`'] = CB_TRIG,
	['@'] = CB_TRIG, ['.'] = CB_KD,	   ['-'] = CB_B64P | CB_KD,
	['+'] = CB_B64P, ['='] = CB_B64P,  ['/'] = CB_B64P | CB_SL,
	['('] = CB_LP,	 [')'] = CB_RP,	   ['c'] = CB_C,
	['C'] = CB_C,	 ['h'] = CB_HU,	   ['U'] = CB_HU,
};

/* The bits of the folded pairs (fold_code() of c and d: ix, bit) in
 * the 128-byte bitmap (lo, hi). */
PF_TARGET_512 static inline __mmask64 fold512(__m512i ix, __m512i bit,
					      const unsigned char *tab)
{
	__m512i by = _mm512_permutex2var_epi8(
		_mm512_loadu_si512((const void *)tab), ix,
		_mm512_loadu_si512((const void *)(tab + 64)));

	return _mm512_test_epi8_mask(by, bit);
}

/*
 * The bytes : . - \\ of the dispatch table where trigger() would call
 * anything, from the byte before and the two after (the byte before the
 * block and the one 2 after its last are not known here: kept): "a ? b :
 * c", "obj.Field", "x-1" and "a\\n" cost nothing.
 */
PF_TARGET_512 static inline uint64_t trig512(__m512i v, __m512i d,
					     __mmask64 dig)
{
#define EQ(x, c) _mm512_cmpeq_epi8_mask((x), B8(c))
#define LE(x, lo, k) _mm512_cmple_epu8_mask(_mm512_sub_epi8((x), B8(lo)), B8(k))
	const uint64_t last = (uint64_t)1 << 63;
	__m512i dl = _mm512_or_si512(d, B8(0x20));
	uint64_t dot = EQ(v, '.'), colon = EQ(v, ':'), dash = EQ(v, '-'),
		 bs = EQ(v, '\\'), r = 0, m;

	/* (each looked at only where the block has one) */
	if (dot) {
		/* bare_host(): a host byte before, 2 lower-case letters
		 * after */
		m = LE(d, 'a', 25);
		r = dot & (((LE(v, 'a', 25) | dig | dash) << 1) | 1) & m &
		    ((m >> 1) | last);
	}
	if (colon) {
		/* "://" or an IPv6 address */
		m = EQ(d, '/');
		r |= colon & ((m & ((m >> 1) | last)) | LE(d, '0', 9) |
			      LE(dl, 'a', 5) | EQ(d, ':'));
	}
	/* pf_redact_dash(): "--" (PEM, --u...), "-u" */
	if (dash)
		r |= dash & (EQ(d, '-') | EQ(d, 'u'));
	/* slash(): "\\Users", "\\\\" */
	if (bs)
		r |= bs & (EQ(dl, 'u') | EQ(d, '\\'));
	return r;
#undef LE
#undef EQ
}

/*
 * What classify() gives, 64 bytes in one register: the classes by
 * compares and one table lookup, the word loop's flags from the folded
 * pairs of wp (a superset of classify()'s: word_flags() and run_kw()
 * look at the exact pair of every byte they visit, so a byte flagged
 * more costs a lookup and changes nothing).  No pair is looked up one by
 * one: 64 loads a block were a third of a plain text's instructions.
 */
PF_TARGET_512 static inline void classify512(const unsigned char *s,
					     const unsigned char *wp, int c0,
					     struct blk *b)
{
	__m512i v = _mm512_loadu_si512((const void *)s);
	__m512i d = _mm512_loadu_si512((const void *)(s + 1));
	__m512i cb = _mm512_permutex2var_epi8(
		_mm512_loadu_si512((const void *)cb_tab), v,
		_mm512_loadu_si512((const void *)(cb_tab + 64)));
	const unsigned char *fold = wp + 65536;
	__mmask64 ascii = ~_mm512_movepi8_mask(v);
	__m512i ftab0 = _mm512_loadu_si512((const void *)pf_redact_fold_code),
		ftab1 = _mm512_loadu_si512(
			(const void *)(pf_redact_fold_code + 64));
	/* the codes of c and d, 0 for bytes >= 0x80 as pf_redact_fold_of()
	 * says (the permute reads 7 bits: 0xc3 would read as 'C'); the
	 * pairs at j + 1 and j + 2 are of a name's 2nd and 3rd bytes,
	 * which need not be ASCII ("J\xc3\xb6rg") */
	__m512i fc = _mm512_maskz_permutex2var_epi8(ascii, ftab0, v, ftab1);
	__m512i fd = _mm512_maskz_permutex2var_epi8(~_mm512_movepi8_mask(d),
						    ftab0, d, ftab1);
	/* c's code and d's top 2 bits pick the byte, d's low 3 the bit
	 * (16-bit shifts: what crosses into the neighbour byte is masked) */
	__m512i ix = _mm512_or_si512(
		_mm512_and_si512(_mm512_slli_epi16(fc, 2), B8(0x7c)),
		_mm512_and_si512(_mm512_srli_epi16(fd, 3), B8(3)));
	__m512i bit = _mm512_shuffle_epi8(
		_mm512_set1_epi64((long long)0x8040201008040201ULL),
		_mm512_and_si512(fd, B8(7)));
	__mmask64 dig =
		_mm512_cmple_epu8_mask(_mm512_sub_epi8(v, B8('0')), B8(9));
	__mmask64 let = _mm512_cmple_epu8_mask(
		_mm512_sub_epi8(_mm512_or_si512(v, B8(0x20)), B8('a')), B8(25));
	__mmask64 under = _mm512_cmpeq_epi8_mask(v, B8('_'));
	uint64_t m0, m1, m2, m3, m4, k0, k3;

#define CB(k) ((uint64_t)_mm512_test_epi8_mask(cb, B8(k)) & ascii)
	b->alnum = dig | let;
	b->digit = dig;
	b->colon = _mm512_cmpeq_epi8_mask(v, B8(':'));
	b->word = b->alnum | under;
	b->trig = CB(CB_TRIG) | _mm512_cmpeq_epi8_mask(v, B8(0xc2)) |
		  trig512(v, d, dig);
	b->b64 = b->word | CB(CB_B64P);
	b->kd = CB(CB_KD);
	m0 = CB(CB_LP);
	m3 = CB(CB_SL);
	/* as classify(), where a '(' or '/' is */
	if (m0) {
		m1 = CB(CB_C);
		m2 = CB(CB_RP);
		b->trig |= m0 & (((m1 >> 1) & (m2 >> 2)) | (uint64_t)3 << 62);
	}
	if (m3) {
		m4 = CB(CB_HU);
		b->trig |= m3 & ((m4 >> 1) | (uint64_t)1 << 63);
	}
#undef CB
	/* the pairs at the next two bytes: their flags one and two bits
	 * on (those of the block's next bytes not known: kept) */
	/* (each next pair looked up only where a first one is: most
	 * blocks have few) */
	k0 = fold512(ix, bit, kw_fold[0]) & b->word;
	k3 = fold512(ix, bit, kw_fold[3]) & b->word;
	if (k0)
		k0 &= ((fold512(ix, bit, kw_fold[1]) >> 1) | (uint64_t)1
								     << 63) &
		      ((fold512(ix, bit, kw_fold[2]) >> 2) | (uint64_t)3 << 62);
	if (k3)
		k3 &= (fold512(ix, bit, kw_fold[4]) >> 1) | (uint64_t)1 << 63;
	b->kw = k0 | k3;
	/* a name of 4 bytes or more: its 2nd and 3rd pairs too (those
	 * after the block's end not known: kept) */
	b->nlong = fold512(ix, bit, fold + 128) & b->word;
	b->flag = (fold512(ix, bit, fold) | b->kw) & b->word;
	if (b->nlong)
		b->flag |= b->nlong &
			   ((fold512(ix, bit, fold + 256) >> 1) |
			    (uint64_t)1 << 63) &
			   ((fold512(ix, bit, fold + 384) >> 2) |
			    (uint64_t)3 << 62);
	b->under = under;
	b->c0m = c0 < 0 || !under
			 ? 0
			 : _mm512_cmpeq_epi8_mask(_mm512_or_si512(v, B8(0x20)),
						  B8(c0));
	m1 = fold512(ix, bit, ws_fold[0]);
	m2 = fold512(ix, bit, ws_fold[1]);
	b->wss = m1 & m2;
	b->wsm = m1 & ~m2;
	b->wsl = m2 & ~m1;
	b->ws = m1 | m2;
	/* for the dots the loop visits (trigger_idle()) only */
	b->lower = b->hend = 0;
	if (!(b->trig & b->kd & ~b->b64))
		return;
	b->lower = _mm512_cmple_epu8_mask(_mm512_sub_epi8(v, B8('a')), B8(25));
	b->hend = ~(b->word | m0 | (b->kd & b->b64) |
		    (b->kd & ~b->b64 &
		     (((uint64_t)_mm512_cmple_epu8_mask(
			       _mm512_sub_epi8(_mm512_or_si512(d, B8(0x20)),
					       B8('a')),
			       B8(25)) |
		       _mm512_cmple_epu8_mask(_mm512_sub_epi8(d, B8('0')),
					      B8(9))))));
}
#endif

/* The word loop over the word [i, j) (found in the masks: f its flagged
 * bytes, bit 0 at byte base): what word_pairs() does, at the flagged
 * bytes only. */
static void word_flags(struct scan *sc, const unsigned char *wp, int c0,
		       size_t pl, size_t i, size_t base, uint64_t f)
{
	const unsigned char *u = (const unsigned char *)sc->t;
	int kw = 0;

	while (f) {
		size_t j = base + (size_t)__builtin_ctzll(f);
		unsigned char g =
			wp[wpair_key(u[j], j + 1 < sc->n ? u[j + 1] : 0)];

		f &= f - 1;
		if ((g & WL_KW) && !kw)
			kw = kw_at(sc, j);
		if (g & (WL_NAME | WL_NAME4 | WL_UNDER))
			word_byte(sc, g, c0, pl, i, j);
	}
	sc->word_kw = kw;
}

/* What the scanner does at the non-word byte i of the dispatch table. */
static void trigger(struct scan *sc, size_t i)
{
	const char *t = sc->t;
	size_t n = sc->n, m;

	switch (pf_redact_dispatch[(unsigned char)t[i]]) {
	case D_MARK:
		if ((m = attribution_mark(sc, i)))
			attribution_at(sc, m, t[i] == '(');
		break;
	case D_QUOTE:
		quote(sc, i);
		break;
	case D_AT:
		if ((m = attribution_mark(sc, i)))
			attribution_at(sc, m, 0);
		pf_redact_email(sc, i);
		break;
	case D_COLON:
		if (i + 2 < n && t[i + 1] == '/' && t[i + 2] == '/')
			pf_redact_url(sc, i);
		else if (i + 1 < n && (IS(t[i + 1], C_HEX) || t[i + 1] == ':'))
			pf_redact_ipv6(sc, i);
		break;
	case D_DOT:
		if (i && IS(t[i - 1], C_HOST))
			pf_redact_bare_host(sc, i);
		break;
	case D_DASH:
		pf_redact_dash(sc, i);
		break;
	case D_SLASH:
		slash(sc, i);
		break;
	}
}

/* The word [i, j) that starts at i (not after a '_') and is not the
 * usual one: attributions, then word_start(). */
static void word_slow(struct scan *sc, size_t i, size_t j)
{
	const char *t = sc->t;
	size_t m;

	/* "Copyright": two bytes before the call */
	if ((t[i] | 0x20) == 'c' && j - i >= 9 && t[i + 1] == 'o' &&
	    (m = attribution_mark(sc, i)))
		attribution_at(sc, m, 0);
	word_start(sc, i, j);
}

/* Does word_start() look closer at the word [i, j) whose start has ws
 * (pf_redact_wstart): a rule, a digit or a "Copyright"? */
static inline int word_look(unsigned ws, size_t i, size_t j)
{
	if (ws & WS_EXACT)
		return j - i + 1 == (ws & ~(unsigned)WS_EXACT);
	return ws && j - i + 1 >= ws;
}

/* What scan_blocks() knows of a block to skip the words that come to
 * nothing (wide): bit e of a word's end, bit k of its start. */
struct idle {
	uint64_t fb; /* the run of word bytes ending at e has a flag */
	uint64_t pb; /* base64 before k */
	uint64_t kd; /* '.' and '-' */
	/* the bytes of the key runs (word, '.', '-') that end in the
	 * block and hold no key word (idle_runs512()) */
	uint64_t kok;
	uint64_t ws;  /* pf_redact_wstart may not be 0 at k */
	uint64_t b64; /* base64 bytes ('-' included) */
};

/* Does the word [k, e) of a block, not after a '_', come to nothing: it
 * ends with no flag, is fewer than 16 bytes, has no rule or digit or
 * "Co" at its start, base64 next to it only in a short run, and if a
 * '.' or '-' follows it its key run ends in the block with no key word
 * (scan_blocks())? */
static inline int usual_idle(const struct idle *d, const unsigned char *s,
			     unsigned k, unsigned e)
{
	if (((d->fb >> e) & 1) || e - k >= 16)
		return 0;
	/* Next to base64 ("-1", "/api/v1/orders/", "i++", "a=b"):
	 * word_start() and word_usual() would take the base64 run around
	 * the word, which, begun and ended in the block and shorter than 16
	 * bytes, is too short to be of high entropy or to decode
	 * (b64_run()); its end moved past it, no later run can tell (none
	 * reaches back over the byte after it, of no base64), and a word
	 * after it in the run finds nothing in it either. */
	if ((((d->b64 >> e) | (d->pb >> k)) & 1)) {
		uint64_t lo = ~d->b64 & (((uint64_t)1 << k) - 1);
		uint64_t hi = ~d->b64 & (~(uint64_t)0 << e);

		if (!lo || !hi ||
		    (unsigned)__builtin_ctzll(hi) -
				    (64 - (unsigned)__builtin_clzll(lo)) >=
			    16)
			return 0;
	}
	/* a '.' or '-' after it: a key run goes on, one that ends in the
	 * block with no key word only */
	if (((d->kd & ~d->kok) >> e) & 1)
		return 0;
	if (!((d->ws >> k) & 1) ||
	    !word_look(pf_redact_wstart[wpair_key(s[k], s[k + 1])], k, e))
		return 1;
	/* a number: an IPv4 address needs a '.' after it, the one rule of
	 * a digit a ':' (word_start() takes no key run of a number) */
	return digits_rule_only && is_digit((char)s[k]) && s[e] != '.' &&
	       s[e] != ':';
}

/* The end of what word_start() comes to for the usual word [i, j), its
 * key (key_run()) ending at ke and holding no key word, its neighbours
 * no base64 (nb64). */
static inline void word_usual(struct scan *sc, size_t i, size_t j, size_t ke,
			      int nb64)
{
	if (i >= sc->key_end)
		sc->key_end = ke;
	if (i >= sc->b64_end && j - i < 16 && nb64)
		sc->b64_end = j;
	else
		b64_run(sc, i);
}

/* Does a word of has_secret_word() start at one of the bytes m of the
 * block s, in a key run that ends at byte ke?  What key_run() would find
 * (a pair of WL_KW is only the start of one: "params", "logging.info"
 * and "res.send" hold none), so that such a run takes word_usual() and
 * not word_slow().  Both bytes of a WL_KW pair are letters, inside the
 * run. */
static inline int run_kw(const unsigned char *s, uint64_t m, unsigned ke)
{
	while (m) {
		unsigned j = (unsigned)__builtin_ctzll(m);

		m &= m - 1;
		if (secret_word_at((const char *)s + j, ke - j))
			return 1;
	}
	return 0;
}

/* The word at i is done with its end j (found without the masks). */
static void word_done(struct scan *sc, size_t i, size_t j)
{
	const char *t = sc->t;
	unsigned char d;

	if (i && IS(t[i - 1], C_WORD))
		return;
	d = i + 1 < sc->n ? (unsigned char)t[i + 1] : 0;
	if (word_look(pf_redact_wstart[wpair_key((unsigned char)t[i], d)], i,
		      j) ||
	    sc->word_kw || (j < sc->n && (t[j] == '.' || t[j] == '-'))) {
		word_slow(sc, i, j);
		return;
	}
	word_usual(sc, i, j, j,
		   !(j < sc->n && IS(t[j], C_B64)) &&
			   !(i > 0 && IS(t[i - 1], C_B64)));
}

/* The shortest word a rule that rules_at() tries at the pair (c, d) asks
 * for (its run, and the bytes of its prefix up to the first byte of no
 * word), UINT_MAX when it tries none; in *exact the one length every such
 * rule asks for when the prefix holds a byte of no word (the word ends
 * there: "sig=" is tried in "sig", not in "sizeof"), else -1.  "main"
 * and "nil" start with the pair of the discord rules ("M", "N"), which
 * want 24 bytes. */
static unsigned rule_run(unsigned char c, unsigned char d, int *exact)
{
	unsigned q = name_pair(c, d), best = UINT_MAX;
	int ex = -2; /* no rule yet */

	for (unsigned k = 0; k < pf_redact_by_first_nr[c]; k++) {
		size_t x = pf_redact_by_first[c][k],
		       pl = pf_redact_rule_plen[x];
		const struct rule *r = &pf_redact_rules[x];
		unsigned w = 0, lo;
		int e = -1;

		/* the second byte of a prefix in either case: more often,
		 * never less often than rules_at() */
		if (pl >= 2 && name_pair(c, (unsigned char)r->prefix[1]) != q)
			continue;
		while (w < pl && IS(r->prefix[w], C_WORD))
			w++;
		if (w < pl) {
			if (r->run > w)
				continue; /* never tried */
			e = (int)w;
		}
		lo = r->run > w ? r->run : w;
		if (lo < best)
			best = lo;
		ex = ex == -2 || ex == e ? e : -1;
	}
	*exact = ex < 0 ? -1 : ex;
	return best;
}

/* The word starts the scanner looks closer at (pf_redact_wstart). */
unsigned char pf_redact_wstart[65536];

/* pf_redact_wstart's entry for the pair (c, d). */
static unsigned char wstart_at(unsigned char c, unsigned char d)
{
	int ex;
	unsigned m = rule_run(c, d, &ex);

	/* an IPv4 address, "Copyright": any longer word too */
	if (c >= '0' && c <= '9') {
		m = 0;
		ex = -1;
	}
	if ((c | 0x20) == 'c' && d == 'o') {
		m = m > 9 ? 9 : m;
		ex = -1;
	}
	if (ex >= 0 && ex < WS_EXACT - 1)
		return (unsigned char)(WS_EXACT | (ex + 1));
	return (unsigned char)(m == UINT_MAX	   ? 0
			       : m >= WS_EXACT - 1 ? WS_EXACT - 1
						   : m + 1);
}

/* Does a rule of the row c test d (its prefix's second byte, either
 * case), the only way rule_run() looks at d? */
static int row_tests(unsigned char c, unsigned char d)
{
	for (unsigned k = 0; k < pf_redact_by_first_nr[c]; k++) {
		size_t x = pf_redact_by_first[c][k];

		if (pf_redact_rule_plen[x] >= 2 &&
		    name_pair(c, (unsigned char)pf_redact_rules[x].prefix[1]) ==
			    name_pair(c, d))
			return 1;
	}
	return 0;
}

/*
 * Filled once per process, and every hook that redacts pays it: only the
 * rows of a byte that starts a rule, a digit or "Co" (the rest stays the
 * static table's 0), and in such a row the one entry every byte has but
 * those a rule's second byte or "Co" names, each of which is its own:
 * 0.1M instructions where all 65536 pairs took 2.4M.
 */
void pf_redact_wstart_fill(void)
{
	for (unsigned c = 0; c < 256; c++) {
		unsigned char uc = (unsigned char)c, d0 = 0, def;

		if (!pf_redact_by_first_nr[c] && !(c >= '0' && c <= '9') &&
		    (c | 0x20) != 'c')
			continue;
		while (d0 == 'o' || row_tests(uc, d0))
			d0++;
		def = wstart_at(uc, d0);
		for (unsigned d = 0; d < 256; d++)
			pf_redact_wstart[wpair_key(uc, (unsigned char)d)] = def;
		pf_redact_wstart[wpair_key(uc, 'o')] = wstart_at(uc, 'o');
		for (unsigned k = 0; k < pf_redact_by_first_nr[c]; k++) {
			size_t x = pf_redact_by_first[c][k];
			unsigned char d;

			/* the digits' rule has no prefix: no byte 1 */
			if (pf_redact_rule_plen[x] < 2)
				continue;
			d = (unsigned char)pf_redact_rules[x].prefix[1];
			pf_redact_wstart[wpair_key(uc, d)] = wstart_at(uc, d);
			pf_redact_wstart[wpair_key(uc, d ^ 0x20)] =
				wstart_at(uc, d ^ 0x20);
		}
		/* by the shortest word that looks: [2] 9 bytes or
		 * more ("Co", the 24-byte rules of one letter "M", "N"),
		 * [1] 5 to 8, [0] any (and one length only) */
		for (unsigned d = 0; d < 256; d++) {
			unsigned v = pf_redact_wstart[wpair_key(
				uc, (unsigned char)d)];

			if (v)
				pf_redact_fold_set(
					wstart_fold[(v & WS_EXACT) ? 0
						    : v >= 10	   ? 2
						    : v >= 6	   ? 1
								   : 0],
					uc, (unsigned char)d);
		}
	}
	for (unsigned x = 0; x < 128; x++) {
		unsigned char a = wstart_fold[0][x],
			      m = wstart_fold[1][x] & (unsigned char)~a,
			      l = wstart_fold[2][x] & (unsigned char)~(a | m);

		ws_fold[0][x] = a | m;
		ws_fold[1][x] = a | l;
	}
	kw_fold_fill();
#ifdef PF_AVX512
	for (unsigned c = 0; c < 256; c++)
		memset(b8_tab[c], (int)c, 64);
#endif
	digits_rule_only = 1;
	for (unsigned c = '0'; c <= '9'; c++)
		if (pf_redact_by_first_nr[c] != 1 ||
		    pf_redact_rule_plen[pf_redact_by_first[c][0]])
			digits_rule_only = 0;
}

/*
 * The bytes of the block at base (b) whose byte pl before is c0 (either
 * case): where a '_' may be a placeholder look-alike's (word_byte());
 * every byte when pl is a block or more.
 */
static inline uint64_t under_after(const unsigned char *t, size_t base,
				   const struct blk *b, int c0, size_t pl)
{
	uint64_t m;

	if (c0 < 0)
		return 0;
	if (!pl || pl >= BLK)
		return ~(uint64_t)0;
	m = b->c0m << pl;
	for (size_t q = 1; q <= pl && q <= base; q++)
		if ((t[base - q] | 0x20) == c0)
			m |= (uint64_t)1 << (pl - q);
	return m;
}

#ifdef PF_AVX512
/*
 * The words of a block that come to nothing by the masks alone (what
 * usual_idle() asks, a run of word bytes at a time, before the loop
 * visits them one by one): a run that starts with an alphanumeric byte
 * after no word byte (pw) nor base64 (pb), with no pair of b.ws there
 * (of b.wsm: shorter than 5 bytes, of b.wsl: than 9), of fewer than 16
 * bytes, that ends
 * in the block with no flagged byte (fb at its end), no base64 or '-'
 * after it, nor a '.' but in a key run that ends in the block with no
 * key word; or a number (a digit first) before neither '.' nor ':'.
 * The k-th start of a run and the k-th end are the same
 * run's (a run past the block's end is the last, and has none): pext()
 * gathers each run's test of its start and of its end into bit k,
 * pdep() puts what both say back on the starts, and an add spreads that
 * over the runs.  The bits to take from the block's events.
 */
PF_TARGET_512 static inline uint64_t idle_runs512(const struct blk *b,
						  uint64_t pw, struct idle *id)
{
	uint64_t pb = id->pb, fb = id->fb;
	uint64_t w = b->word, rs = w & ~pw, re = (w + rs) & ~w, l4 = w, l8;
	uint64_t kr = b->word | b->kd, ks = kr & ~(kr << 1);
	uint64_t kin = kr & ~(kr + ks), ke = (kr + ks) & ~kr, kok, ok;

	/* bit s: the 4 bytes from s are of a word (l4), 5, 8, 9, 16 */
	l4 &= l4 >> 1;
	l4 &= l4 >> 2;
	l8 = l4 & (l4 >> 4);
	/* the key runs that end in the block (their bytes kin, starts
	 * ks & kin, ends ke) with no key word: all their bytes */
	kok = _pext_u64(ke & ~(kin + (b->kw & kin)), ke);
	kok = kr & ~(kr + _pdep_u64(kok, ks & kin));
	id->kok = kok;
	/* a number: not before '.' nor ':' (usual_idle()) */
	if (digits_rule_only)
		ok = _pext_u64(rs & b->digit & ~pb & ~(l8 & (l8 >> 8)), rs) &
		     _pext_u64(re & ~(fb | b->b64 | b->kd | b->colon), re);
	else
		ok = 0;
	ok |= _pext_u64(rs & b->alnum & ~pb & ~b->wss &
				~(b->wsm & l4 & (w >> 4)) &
				~(b->wsl & l8 & (w >> 8)) & ~(l8 & (l8 >> 8)),
			rs) &
	      _pext_u64(re & ~(fb | b->b64 | (b->kd & ~kok)), re);
	return w & ~(w + _pdep_u64(ok, rs));
}
#endif

/* Would trigger() at the byte i (bit k of the block b) do nothing: (wide)
 * a '.' whose lower-case run after it is no host's last label
 * (pf_redact_bare_host())? */
static inline int trigger_idle(const struct scan *sc, const struct blk *b,
			       int wide, unsigned k, size_t i)
{
	unsigned char c = (unsigned char)sc->t[i];
	uint64_t r;
	unsigned f;

	if (!wide || c != '.' || k == 63)
		return 0;
	r = ~b->lower >> (k + 1);
	if (!r)
		return 0;
	f = k + 1 + (unsigned)__builtin_ctzll(r);
	return f - k - 1 < 2 || f - k - 1 > 11 || !((b->hend >> f) & 1);
}

/* The blocks of the text (pf_redact_scan()); wide: classify512(). */
static inline __attribute__((always_inline)) void
scan_blocks(struct scan *sc, const unsigned char *wp, int c0, size_t pl,
	    int wide)
{
	const unsigned char *t = (const unsigned char *)sc->t;
	size_t n = sc->n;
	/* the next byte not yet looked at */
	size_t pos = 0;

	(void)wide;
	for (size_t base = 0; base < n;) {
		/* the last block: padded with NULs (no byte of anything) */
		unsigned char pad[BLK + 16];
		const unsigned char *s = t + base;
		struct blk b;
		uint64_t ev, pw, pb;
		struct idle id = { 0 };
		unsigned prev;

		if (n - base <= BLK) {
			memset(pad, 0, sizeof(pad));
			memcpy(pad, t + base, n - base);
			s = pad;
		}
#ifdef PF_AVX512
		if (wide) {
			classify512(s, wp, c0, &b);
			b.flag |= b.under & b.word &
				  under_after(t, base, &b, c0, pl);
			/* word_byte() takes a long name's pair within 4
			 * bytes of the end whatever follows */
			if (n - base < BLK + 3)
				b.flag |=
					b.nlong &
					(~(uint64_t)0
					 << (n - base > 3 ? n - base - 3 : 0));
		} else
#endif
			classify(s, wp, &b);
		/* the byte before the block, as bit 0 of a shift */
		prev = base ? pf_redact_cls[t[base - 1]] : 0;
		pw = (b.word << 1) | !!(prev & C_WORD);
		pb = (b.b64 << 1) | !!(prev & C_B64);
		/* where something may start: an alphanumeric byte after
		 * none (a word loop starts at the first of a run), and the
		 * other bytes of the dispatch table */
		ev = (b.alnum & ~((b.alnum << 1) | !!(prev & C_ALNUM))) |
		     b.trig;
		if (wide) {
			/* Words that come to nothing, skipped whole: most
			 * by masks before the loop (idle_runs512()), the
			 * rest when the loop reaches them (usual_idle()).
			 * Each run of word bytes whose end is in the block,
			 * rippled by adding its first bit: its bits (wr),
			 * its end (we); again from its flagged bytes: the
			 * ends of runs with one (fb).  What such a word
			 * would do, word_usual() moving key_end and b64_end
			 * past it, no later byte can tell from not moving
			 * them (every later start is past the word's end,
			 * a byte of no base64 run; a key run from a later
			 * word of the same run holds no key word either). */
			uint64_t r = b.word + (b.word & ~(b.word << 1));
			uint64_t wr = b.word & ~r, we = r & ~b.word;

			id.fb = (wr + (b.flag & wr)) & we;
			id.pb = pb;
			id.kd = b.kd;
			id.ws = b.ws;
			id.b64 = b.b64;
#ifdef PF_AVX512
			ev &= ~idle_runs512(&b, pw, &id);
#endif
		}
		while (ev) {
			unsigned k = (unsigned)__builtin_ctzll(ev), e, ke;
			size_t i = base + k, j;
			uint64_t rest, f;

			ev &= ev - 1;
			if (!((b.alnum >> k) & 1)) {
				unsigned char c = s[k];

				/* quotes, the most of them, straight to
				 * quote(); the closing ones not at all */
				if (c == '"' || c == '\'' || c == '`') {
					if (i >= sc->lit_end)
						quote(sc, i);
				} else if (!trigger_idle(sc, &b, wide, k, i)) {
					trigger(sc, i);
				}
				continue;
			}
			/* the word's end: the first byte after k not of a
			 * word */
			rest = ~b.word >> k;
			if (!rest) {
				/* it runs past the block: the next block
				 * starts with it; one longer than a block:
				 * the loop of one byte at a time, then on
				 * from its end */
				if (k) {
					pos = i;
					goto next;
				}
				j = word_pairs(sc, wp, c0, pl, i);
				word_done(sc, i, j);
				pos = j;
				goto next;
			}
			e = k + (unsigned)__builtin_ctzll(rest);
			j = base + e;
			if (wide &&
			    (((pw >> k) & 1) ? !((id.fb >> e) & 1)
					     : usual_idle(&id, s, k, e))) {
				ev &= ~(uint64_t)0 << e;
				continue;
			}
			/* a key run ("http.HandleFunc", "req.params") that
			 * goes on past the block: the next block starts with
			 * its first word, as for a word that does, and finds
			 * the run's end there (word_slow() took a tenth of
			 * plain code's time, half of it such runs) */
			if (k && !((pw >> k) & 1) && ((b.kd >> e) & 1) &&
			    !(~(b.word | b.kd) >> e)) {
				pos = i;
				goto next;
			}
			/* its flagged bytes */
			f = b.flag & (((uint64_t)1 << e) - 1) &
			    ~(((uint64_t)1 << k) - 1);
			if (f)
				word_flags(sc, wp, c0, pl, i, base, f);
			else
				sc->word_kw = 0;
			/* the alphanumeric bytes after a '_' in the word
			 * are its own */
			ev &= ~(uint64_t)0 << e;
			if ((pw >> k) & 1)
				continue;
			/* (wide: the 64 KiB table only where its folded
			 * pairs say it may not be 0) */
			if (((!wide || ((b.ws >> k) & 1)) &&
			     word_look(pf_redact_wstart[wpair_key(s[k],
								  s[k + 1])],
				       k, e)) ||
			    sc->word_kw) {
				word_slow(sc, i, j);
				continue;
			}
			ke = e;
			if ((b.kd >> e) & 1) {
				/* a key run goes on: its end, and no key word
				 * in it, or key_run() looks */
				rest = ~(b.word | b.kd) >> e;
				if (!rest) {
					word_slow(sc, i, j);
					continue;
				}
				ke = e + (unsigned)__builtin_ctzll(rest);
				if (run_kw(s,
					   b.kw & (((uint64_t)1 << ke) - 1) &
						   ~(((uint64_t)1 << k) - 1),
					   ke)) {
					word_slow(sc, i, j);
					continue;
				}
			}
			word_usual(sc, i, j, base + ke,
				   !((b.b64 >> e) & 1) && !((pb >> k) & 1));
		}
		pos = base + BLK;
	next:
		base = pos;
	}
}

#ifdef PF_AVX512
PF_TARGET_512 static void
scan_blocks512(struct scan *sc, const unsigned char *wp, int c0, size_t pl)
{
	scan_blocks(sc, wp, c0, pl, 1);
}
#endif

int pf_redact_wide(void)
{
#ifdef PF_AVX512
	const char *e = getenv("PUSHFIX_REDACT_SIMD");

	if (e && !strcmp(e, "sse2"))
		return 0;
	return __builtin_cpu_supports("avx512bw") &&
	       __builtin_cpu_supports("avx512vbmi") &&
	       __builtin_cpu_supports("bmi2");
#else
	return 0;
#endif
}

const char *pf_redact_classifier(void)
{
	if (pf_redact_wide())
		return "AVX-512";
#ifdef PF_SSE2
	return "SSE2";
#else
	return "C";
#endif
}

void pf_redact_scan(struct scan *sc)
{
	int c0 = sc->vault ? lower((unsigned char)sc->vault->prefix[0]) : -1;
	/* a look-alike has '_' right after the prefix: test that byte
	 * before calling out */
	size_t pl = sc->vault ? strlen(sc->vault->prefix) : 0;
	const unsigned char *wp = sc->wpair ? sc->wpair : pf_redact_wpair0;

	sc->nc_on = names_on(sc->p);
	sc->nc_nr = 0;
#ifdef PF_AVX512
	if (pf_redact_wide())
		scan_blocks512(sc, wp, c0, pl);
	else
#endif
		scan_blocks(sc, wp, c0, pl, 0);
	pf_redact_names(sc);
	if (!sc->nested)
		joined_literals(sc);
}
