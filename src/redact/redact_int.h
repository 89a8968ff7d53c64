#ifndef PUSHFIX_REDACT_INT_H
#define PUSHFIX_REDACT_INT_H

/*
 * Internal to src/redact/: what the files of the redactor share.  The
 * public interface is include/pushfix/redact.h.
 *
 *	classes.c    character classes, built once per process
 *	rules.c      token rules (gitleaks-modelled PCRE2), PEM, curl -u
 *	names.c      the redaction context: people, orgs, words, hosts
 *	addresses.c  e-mails, URLs, IP addresses, host names
 *	assign.c     values assigned to secret-ish names, and given to
 *	             credential-named calls
 *	encoded.c    base64 and hex runs that decode to a secret
 *	scanner.c    the one pass over the bytes that calls all of the above
 *	redact.c     pf_redact_text(): spans to placeholders
 *	paths.c      pf_redact_path()
 *
 * The helpers called per byte are `static inline` here so that splitting
 * the redactor into files costs the hot loop nothing.
 */
#ifndef PCRE2_CODE_UNIT_WIDTH
#define PCRE2_CODE_UNIT_WIDTH 8
#endif
#include <pcre2.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <strings.h>

#if defined(__SSE2__) && !defined(PF_REDACT_SCALAR)
#include <emmintrin.h> /* quote_end() */
#endif

#include "pushfix/redact.h"
#include "pushfix/util.h"

/* ---- character classes (classes.c) ---- */

enum {
	C_ALNUM = 1, /* A-Z a-z 0-9 */
	C_WORD = 2,  /* alnum and _ */
	C_B64 = 4,   /* detect-secrets' base64 set: alnum + / = - _ */
	C_HEX = 8,
	C_HOST = 16, /* a-z 0-9 - (lower-case host label) */
	C_KEY = 32,  /* a key name: alnum _ - . */
	C_UPPER = 64,
	C_LOWER = 128,
	C_GAP = 256, /* joins string literals: blanks + . & \\ */
};

/* What the scanner does at a byte (pf_redact_dispatch[]). */
enum {
	D_NONE = 0,
	D_WORD, /* alnum: maybe a word start */
	D_QUOTE,
	D_AT,
	D_COLON,
	D_DOT,
	D_DASH,
	D_SLASH,
	D_MARK, /* ( and 0xc2: "(c)" and "\xc2\xa9" attribution marks */
};

/* Sub-word classes (names): bytes >= 0x80 are letters of no case. */
enum { S_SUB = 1, S_UPPER = 2, S_LOWER = 4, S_DIGIT = 8 };

extern unsigned short pf_redact_cls[256];
extern unsigned char pf_redact_dispatch[256];
extern unsigned char pf_redact_sub_cls[256];

#define IS(c, k) (pf_redact_cls[(unsigned char)(c)] & (k))

/* A byte's base64 value (0-63), with B64_STD for + and / and B64_URL for
 * - and _ (the two alphabets); a byte of neither has both bits. */
enum { B64_STD = 0x40, B64_URL = 0x80 };
extern unsigned char pf_redact_b64[256];

/* c * log2(c) for small counts, so that entropy needs one log2 only. */
#define CLOG_MAX 1024
extern double pf_redact_clog[CLOG_MAX + 1];

/* Fills the tables above; run once, by pf_redact_engine(). */
void pf_redact_classes_init(void);

static inline int is_digit(char c)
{
	return c >= '0' && c <= '9';
}

static inline int lower(int c)
{
	return (c >= 'A' && c <= 'Z') ? c + 32 : c;
}

static inline int all_of(const char *s, size_t n, unsigned k)
{
	for (size_t i = 0; i < n; i++)
		if (!IS(s[i], k))
			return 0;
	return 1;
}

/* A byte of a person's name (letters, digits, ' - . and non-ASCII). */
static inline int name_char(char c)
{
	return IS(c, C_ALNUM) || c == '\'' || c == '-' || c == '.' ||
	       ((unsigned char)c & 0x80);
}

/* The end of the run of base64 bytes (C_B64) from b in t (n bytes);
 * 16 at a time with SSE2 (scanner.c). */
size_t pf_redact_b64_end(const char *t, size_t n, size_t b);

/* End of a quoted literal starting with quote at q (same line, within
 * 4096 bytes), or 0.  With SSE2, 16 bytes at a time to the next
 * backslash, newline or quote: literals are long in dense text, and one
 * compare a byte cost 14 instructions. */
static inline size_t quote_end(const char *t, size_t n, size_t q)
{
	char c = t[q];
	size_t lim = n - q > 4096 ? q + 4096 : n, k = q + 1;
#if defined(__SSE2__) && !defined(PF_REDACT_SCALAR)
	const __m128i bs = _mm_set1_epi8('\\'), nl = _mm_set1_epi8('\n');
	const __m128i qc = _mm_set1_epi8(c);
#endif

	while (k < lim) {
#if defined(__SSE2__) && !defined(PF_REDACT_SCALAR)
		if (lim - k >= 16) {
			__m128i x = _mm_loadu_si128((const __m128i *)(t + k));
			unsigned m = (unsigned)_mm_movemask_epi8(_mm_or_si128(
				_mm_or_si128(_mm_cmpeq_epi8(x, bs),
					     _mm_cmpeq_epi8(x, nl)),
				_mm_cmpeq_epi8(x, qc)));

			if (!m) {
				k += 16;
				continue;
			}
			k += (unsigned)__builtin_ctz(m);
		}
#endif
		if (t[k] == '\\') {
			k += 2;
			continue;
		}
		if (t[k] == '\n')
			return 0;
		if (t[k] == c)
			return k;
		k++;
	}
	return 0;
}

/* Is s (n bytes) in the SORTED list?  Binary search. */
static inline int in_sorted(const char *const *list, size_t nr, const char *s,
			    size_t n)
{
	size_t lo = 0, hi = nr;

	while (n && lo < hi) {
		size_t mid = (lo + hi) / 2;
		int c = strncmp(list[mid], s, n);

		if (!c)
			c = list[mid][n] ? 1 : 0;
		if (!c)
			return 1;
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return 0;
}

/* ---- spans: what to replace ---- */

/* Offsets fit 32 bits: pf_redact_text refuses texts of 4 GiB or more. */
struct span {
	uint32_t a, b;
	unsigned char cat;
	unsigned char kind; /* a SECRET's detector (K_*), for findings */
};

/* Which detector found a secret (pf_redact_find_secrets() names them):
 * K_RULE + the index of a token rule, or one of the others. */
enum {
	K_NONE = 0,
	K_PEM,	   /* a PEM private key body */
	K_URL,	   /* user:password in a URL */
	K_CURL,	   /* curl -u user:password */
	K_ASSIGN,  /* a value assigned to a secret-ish name */
	K_ENCODED, /* base64/hex that decodes to a secret */
	K_ENTROPY, /* a high-entropy string, no known format */
	K_RULE = 16,
};

struct spans {
	struct span *v;
	size_t nr, alloc;
};

static inline void add_span_kind(struct spans *s, size_t a, size_t b,
				 enum pf_vault_cat cat, unsigned kind)
{
	if (b <= a)
		return;
	PF_ALLOC_GROW(s->v, s->nr + 1, s->alloc);
	s->v[s->nr].a = (uint32_t)a;
	s->v[s->nr].b = (uint32_t)b;
	s->v[s->nr].cat = (unsigned char)cat;
	s->v[s->nr].kind = (unsigned char)kind;
	s->nr++;
}

static inline void add_span(struct spans *s, size_t a, size_t b,
			    enum pf_vault_cat cat)
{
	add_span_kind(s, a, b, cat, K_NONE);
}

/* A secret found by detector `kind` (K_*). */
static inline void add_secret(struct spans *s, size_t a, size_t b,
			      unsigned kind)
{
	add_span_kind(s, a, b, PF_CAT_SECRET, kind);
}

/* Sort sp by start, stably (the detectors' order of equal starts kept),
 * with *tmp_buf (*tmp_alloc spans, grown as needed) as scratch
 * (redact.c). */
void pf_redact_sort_spans(struct spans *sp, struct span **tmp_buf,
			  size_t *tmp_alloc);

/* Overlapping spans merge into one; the stronger category wins
 * (redact.c). */
extern const unsigned char pf_redact_cat_prio[PF_CAT__NR];

/* ---- the redaction context (names.c) ---- */

/* The name lists of the context; names.c defines them. */
struct wentry;
struct word_seq;
struct long_part;

#define QF_BITS 65536 /* bits of the quick filter qf (names.c) */

struct pf_redact_priv {
	struct wentry *wm; /* open addressing */
	size_t wm_nr, wm_alloc;
	struct word_seq *seq;
	size_t seq_nr, seq_alloc;
	struct long_part *lp;
	size_t lp_nr, lp_alloc;
	unsigned char lp_first[256];   /* a long part starts with this byte */
	size_t lp_min;		       /* the shortest long part */
	unsigned char qf[QF_BITS / 8]; /* qf_index of every word */
	/* name_pair() of the first two bytes of every word, joined and long
	 * part: where a name may start (names.c) */
	unsigned char np[65536 / 8];
	int np_high; /* a name starts with a byte >= 0x80 */
	/* the pairs of np that start a name of 1 to 3 bytes, and the
	 * np4_key() of the first 4 bytes of every longer one: most pairs
	 * of np in code start no name (np_mark()) */
	unsigned char nps[65536 / 8];
	unsigned char np4[65536 / 8];
	/* the 2nd and 3rd byte pairs of every name of 4 bytes or more,
	 * folded (pf_redact_fold_set()): the AVX-512 scanner flags a pair
	 * of np4's names where the next two pairs are of these too */
	unsigned char np2[128], np3[128];
	/* the word loop's table of byte pairs (scanner.c), built by
	 * pf_redact_text() when first needed; np_mark() drops it */
	unsigned char *wpair;
	/* 1 for '_' and for every byte a pair of np starts with (either
	 * case): the bytes of a word the scanner's word loop looks at */
	unsigned char np_first[256];
	/* organisation names found at sub-word boundaries whatever their
	 * camelCase: "cjson" in cJSON_Parse, CJSON_PUBLIC (names.c) */
	struct long_part *bj;
	size_t bj_nr, bj_alloc;
	unsigned char bj_first[256];
	/* hosts kept: exact, or suffix when starting with '.' */
	char **allow;
	size_t allow_nr, allow_alloc;
	/* what was added, to skip duplicates: a set by hash of
	 * seen_alloc slots (names.c, seen_before()) */
	char **seen;
	size_t seen_nr, seen_alloc;
	/* scratch kept between texts: spans and the sort buffer */
	struct span *scratch, *sort_tmp;
	size_t scratch_alloc, sort_tmp_alloc;
};

/* Is w (n bytes, lower-case) a language keyword, a built-in type name or
 * a common English word?  Such a word is never a name alone (words.c). */
/* The key of a byte pair in either case (a superset of a case-blind
 * match: bytes equal but for case have equal keys). */
static inline unsigned name_pair(unsigned char a, unsigned char b)
{
	return ((unsigned)(a | 0x20) << 8) | (unsigned)(b | 0x20);
}

int pf_redact_is_common_word(const char *w, size_t n);

/*
 * Split a name into lower-case parts on anything not alphanumeric (bytes
 * >= 0x80 count as letters) and on camelCase (aB, ABc), into `store`
 * (cap bytes; no allocation): parts[] point into it.  Returns the number
 * of parts.
 */
size_t pf_redact_split(const char *s, char **parts, size_t max, char *store,
		       size_t cap);

/* ---- the scanner (scanner.c) and its detectors ---- */

struct lit {
	size_t a, b; /* contents, quotes excluded */
};

/* The strengths of the last keys classified (assign.c): the same key
 * names come back, line after line.  Shared by a scan and its
 * subscans; key_run() keys are shorter than 64 bytes. */
#define KEY_MEMO_NR 64
struct key_memo {
	unsigned char len[KEY_MEMO_NR]; /* 0: empty */
	signed char strength[KEY_MEMO_NR];
	char key[KEY_MEMO_NR][64];
};

/* What high_entropy() (scanner.c) found of the string it counted last:
 * quote() and then b64_run() look at the same literal's bytes. */
struct ent_memo {
	const char *s; /* NULL: none */
	size_t n, m;   /* its length, its distinct bytes */
	int hex, digits, has_h;
	double h; /* its entropy, when has_h */
};

struct scan {
	const char *t;
	size_t n;
	struct spans *sp;
	const struct pf_redact_priv *p;
	const struct pf_vault *vault;
	pcre2_match_data *md;
	int nested; /* scanning a joined or decoded view: its depth */
	struct lit *lits;
	size_t lit_nr, lit_alloc;
	size_t lit_end;		       /* quotes before this are not openers */
	size_t prev_lit_a, prev_lit_b; /* the last literal's contents */
	size_t b64_end;		       /* end of the last base64 run examined */
	size_t url_auth_end;	       /* '@' before this belongs to a URL */
	size_t v6_end;
	size_t key_end;	   /* end of the last key run examined */
	size_t lit_ph_end; /* end of the last look-alike escaped */
	/* where a name may start (names.c), found by the word loop when
	 * nc_on: the name search looks there only */
	size_t *nc;
	size_t nc_nr, nc_alloc;
	int nc_on;
	/* p->wpair when names are looked for, else NULL: pf_redact_wpair0
	 * (a subscan shares it) */
	const unsigned char *wpair;
	/* a word of has_secret_word() starts in the word the word loop
	 * went over last */
	struct key_memo *memo; /* NULL: none */
	int word_kw;
	int err;
	struct ent_memo ent;
};

/* Build the tables, once per process.  NULL when ready, else why not
 * (rules.c).  A rule's pattern is compiled when first tried: a PCRE2
 * error then ends that scan (sc->err). */
const char *pf_redact_engine(void);

/* Compile every pattern not compiled yet (the tests: all of them
 * compile).  NULL, else PCRE2's message. */
const char *pf_redact_rules_compile(void);

/* Each detector adds what it finds at i to sc->sp (and a PCRE2 error to
 * sc->err). */
void pf_redact_dash(struct scan *sc, size_t i); /* PEM, curl -u */
void pf_redact_ipv4(struct scan *sc, size_t i);
void pf_redact_ipv6(struct scan *sc, size_t i);
void pf_redact_url(struct scan *sc, size_t i);	     /* at the ':' of "://" */
void pf_redact_bare_host(struct scan *sc, size_t i); /* at a '.' */
void pf_redact_email(struct scan *sc, size_t i);     /* at the '@' */
void pf_redact_names(struct scan *sc);		     /* once per text */

/*
 * What the scanner runs at every word start, inline: which token rules
 * may match there (rules.c), and whether the word begins a secret-ish key
 * name (assign.c).  Only a candidate costs a call.
 */
struct rule {
	const char *id;
	const char *prefix; /* literal the match starts with */
	int caseless;	    /* prefix (and pattern) are case-insensitive */
	const char *re;	    /* anchored; \K marks the start of the secret */
	/* the word (A-Za-z0-9_) a match starts with is at least this long:
	 * a cheap test before PCRE2 for short prefixes ("do", "M") */
	unsigned char run;
};

extern const struct rule pf_redact_rules[];
extern size_t pf_redact_rule_plen[];
/* a prefix's first 4 bytes: ((word | or) & and) == val (rules.c) */
extern uint32_t pf_redact_rule_or[], pf_redact_rule_and[], pf_redact_rule_val[];
/* rules whose prefix starts with byte c (both cases when caseless) */
extern unsigned char pf_redact_by_first[256][8];
extern unsigned char pf_redact_by_first_nr[256];
/* name_pair() of the first two bytes of every rule's prefix: most words
 * start with none, and rules_at() ends after one lookup */
extern unsigned char pf_redact_rule_pair[65536 / 8];

/* "aws-access-key-id", "private-key", "high-entropy"... of a K_* kind. */
const char *pf_redact_kind_name(unsigned kind);

/* Run the anchored rule r at i; add the secret if it matches. */
int pf_redact_try_rule(struct scan *sc, size_t r, size_t i);

/* The rules whose prefix starts the word [i, wend); the first match
 * wins.  No libc call per word: the first 4 bytes of the prefix in one
 * compare, and the word's length, before PCRE2. */
static inline void rules_at(struct scan *sc, size_t i, size_t wend)
{
	const char *t = sc->t;
	unsigned char c = (unsigned char)t[i];
	uint32_t w = 0;
	int four = sc->n - i >= 4;
	unsigned q = name_pair(c, i + 1 < sc->n ? (unsigned char)t[i + 1] : 0);

	if (!(pf_redact_rule_pair[q >> 3] & (1u << (q & 7))))
		return;
	if (four)
		memcpy(&w, t + i, 4);
	for (unsigned k = 0; k < pf_redact_by_first_nr[c]; k++) {
		size_t x = pf_redact_by_first[c][k];
		const struct rule *r = &pf_redact_rules[x];
		size_t pl = pf_redact_rule_plen[x];

		if (sc->n - i < pl || wend - i < r->run)
			continue;
		/* the one rule without a prefix: digits, then ':' */
		if (!pl && (wend >= sc->n || t[wend] != ':'))
			continue;
		if (four) {
			if (((w | pf_redact_rule_or[x]) &
			     pf_redact_rule_and[x]) != pf_redact_rule_val[x])
				continue;
			if (pl > 4 &&
			    (r->caseless ? strncasecmp(t + i + 4, r->prefix + 4,
						       pl - 4)
					 : memcmp(t + i + 4, r->prefix + 4,
						  pl - 4)))
				continue;
		} else if (r->caseless ? strncasecmp(t + i, r->prefix, pl)
				       : memcmp(t + i, r->prefix, pl)) {
			continue;
		}
		if (pf_redact_try_rule(sc, x, i))
			break;
	}
}

/* Pairs of bytes (| 0x20) that start a word of has_secret_word(): one bit
 * each, so that most bytes cost one lookup (classes.c). */
extern unsigned char pf_redact_kw_pair[65536 / 8];
/* the bytes (either case) a pair of pf_redact_kw_pair starts with */
extern unsigned char pf_redact_kw_first[256];

/* Does s (m >= 2 bytes) start with one of the words of has_secret_word()? */
static inline int secret_word_at(const char *s, size_t m)
{
#define LC(k) ((unsigned char)s[(k)] | 0x20)
	switch (LC(0)) {
	case 'p':
		return LC(1) == 'w' ||
		       (m >= 4 && LC(1) == 'a' && LC(2) == 's' && LC(3) == 's');
	case 's':
		return (m >= 6 && LC(1) == 'e' && LC(2) == 'c' &&
			LC(3) == 'r' && LC(4) == 'e' && LC(5) == 't') ||
		       (m >= 4 && LC(1) == 'a' && LC(2) == 'l' &&
			LC(3) == 't') ||
		       (m >= 3 && LC(1) == 'i' && LC(2) == 'g');
	case 'l':
		return m >= 5 && LC(1) == 'o' && LC(2) == 'g' &&
		       (LC(3) == 'i' || LC(3) == 'o') && LC(4) == 'n';
	case 't':
		return m >= 5 && LC(1) == 'o' && LC(2) == 'k' && LC(3) == 'e' &&
		       LC(4) == 'n';
	case 'k':
		return m >= 3 && LC(1) == 'e' && LC(2) == 'y';
	case 'a':
		return m >= 4 && LC(1) == 'u' && LC(2) == 't' && LC(3) == 'h';
	case 'c':
		return (m >= 4 && LC(1) == 'r' && LC(2) == 'e' &&
			LC(3) == 'd') ||
		       (m >= 7 && LC(1) == 'o' && LC(2) == 'n' &&
			LC(3) == 'n' && LC(4) == 'e' && LC(5) == 'c' &&
			LC(6) == 't');
	case 'd':
		return m >= 3 && LC(1) == 's' && LC(2) == 'n';
	}
	return 0;
#undef LC
}

/* Does a key name hold pass, pwd, pw, secret, token, key, auth, cred,
 * salt, dsn or sig, in any case, or a verb of the credential-named calls
 * (login, logon, signin, connect)?  One pass over the original bytes
 * (| 0x20 folds letters; keywords are letters only); a byte pair that
 * starts none of them costs one bit test. */
static inline int has_secret_word(const char *s, size_t n)
{
	for (size_t j = 0; j + 1 < n; j++) {
		unsigned q;

		/* most bytes start no key word: one lookup */
		if (!pf_redact_kw_first[(unsigned char)s[j]])
			continue;
		q = ((unsigned)((unsigned char)s[j] | 0x20) << 8) |
		    ((unsigned char)s[j + 1] | 0x20);
		if ((pf_redact_kw_pair[q >> 3] & (1u << (q & 7))) &&
		    secret_word_at(s + j, n - j))
			return 1;
	}
	return 0;
}

/* Can an operator follow a key that ends at e?  What the assignment
 * detector looks at first (assign.c operator_follows()), cheaper: a key
 * followed by anything else needs no closer look. */
static inline int op_may_follow(const char *t, size_t n, size_t e)
{
	if (e >= n)
		return 0;
	switch (t[e]) {
	case '"':
	case '\'':
	case '[': /* char password[] = "x" */
	case ']':
	case '`':
	case ' ':
	case '\t':
	case '=':
	case ':':
	case '!':
	case '?':
	case '+':
	case '<':
	case '(':
	case '>':
		return 1;
	}
	return 0;
}

/*
 * The key run at the word start i: the word [i, wend) and what follows it
 * of . - and words, so "os.path.join" is one key (its suffixes, such as
 * "path.join", would say nothing new).  Its end without a trailing . or
 * -, or 0: seen already, or no secret-ish word in it.
 */
static inline size_t key_run(struct scan *sc, size_t i, size_t wend)
{
	const char *t = sc->t;
	size_t e = wend;

	if (i < sc->key_end)
		return 0;
	/* the usual word: its key is the word alone, without a key word
	 * (the word loop has looked) */
	if (!sc->word_kw && (e >= sc->n || (t[e] != '.' && t[e] != '-'))) {
		sc->key_end = e;
		return 0;
	}
	while (e < sc->n && IS(t[e], C_KEY))
		e++;
	sc->key_end = e;
	while (e > i && (t[e - 1] == '.' || t[e - 1] == '-'))
		e--;
	if (e - i < 2 || e - i >= 64 || !op_may_follow(t, sc->n, e))
		return 0;
	/* a key of one word: the word loop has looked already */
	if (e <= wend ? !sc->word_kw : !has_secret_word(t + i, e - i))
		return 0;
	return e;
}

/* The value assigned to the key [i, e) found by key_run(), if any. */
void pf_redact_keyword_assign(struct scan *sc, size_t i, size_t e);

/*
 * The word loop's tables of byte pairs (scanner.c): for the pair (c, d)
 * at j, j + 1 (d 0 at the end of the text), WL_STOP when c is no byte of
 * a word, else WL_NAME when a name of np may start at j (WL_NAME4: a
 * name of 4 bytes or more only, if p->np4 says so), WL_UNDER when c
 * is '_' (a placeholder look-alike's), WL_KW when a word of
 * has_secret_word() may: one lookup a byte of a word.
 */
enum { WL_STOP = 1, WL_NAME = 2, WL_KW = 4, WL_UNDER = 8, WL_NAME4 = 16 };
/*
 * After a table's 65536 pairs, WPAIR_FOLD bytes: its pairs of WL_NAME
 * [0] and of WL_NAME4 [1] folded to a 5-bit code a byte
 * (pf_redact_fold_code[]), one bit each, and p->np2, p->np3 [2], [3]: a
 * superset (folding joins bytes), 128 bytes each, small enough for one
 * vector lookup of 64 pairs at once (scanner.c, AVX-512 VBMI).
 */
#define WPAIR_FOLD 512
#define WPAIR_SIZE (65536 + WPAIR_FOLD)
extern unsigned char pf_redact_wpair0[WPAIR_SIZE]; /* without names */
void pf_redact_wpair_fill(unsigned char *tab, const struct pf_redact_priv *p);

/* The 5-bit code of an ASCII byte in the folded pairs (scanner.c), and
 * the bit of the pair (c, d) set in the 128-byte bitmap fold. */
extern const unsigned char pf_redact_fold_code[128];

static inline unsigned pf_redact_fold_of(unsigned char c)
{
	return c < 128 ? pf_redact_fold_code[c] : 0;
}

static inline void pf_redact_fold_set(unsigned char *fold, unsigned char c,
				      unsigned char d)
{
	unsigned q = pf_redact_fold_of(c) << 5 | pf_redact_fold_of(d);

	fold[q >> 3] |= (unsigned char)(1u << (q & 7));
}

/* The key in np4 of the 4 bytes at s, either case (names.c, scanner.c). */
static inline unsigned np4_key(const char *s)
{
	uint32_t w;

	memcpy(&w, s, 4);
	return (uint32_t)((w | 0x20202020u) * 0x9E3779B1u) >> 16;
}
/* For the pair (c, d) at a word's start (d 0 at the end of the text),
 * wpair_key() order: 0 when word_start() has nothing to look at in a
 * word that starts there, else 1 + the length from which it looks: 1
 * when c is a digit (an IPv4 address), the shortest word a token rule
 * whose prefix may start there is tried in, 9 when the pair is "Co"/"co"
 * (Copyright); WS_EXACT | 1 + the only length it looks at when every
 * such rule's prefix ends the word ("sig=", "sk-"); filled by
 * pf_redact_engine() after the rules. */
enum { WS_EXACT = 0x80 };
extern unsigned char pf_redact_wstart[65536];
void pf_redact_wstart_fill(void);
/* Build p->wpair if the scan of a text with p will use it. */
void pf_redact_wpair_build(struct pf_redact_priv *p);

/* All of the above over sc->t. */
void pf_redact_scan(struct scan *sc);

/* Does pf_redact_scan() classify with AVX-512 (the CPU has AVX-512 BW
 * and VBMI, and PUSHFIX_REDACT_SIMD is not "sse2")?  Both give the same
 * spans; the variable is there to compare them and as a way out. */
int pf_redact_wide(void);

/* Scan a view derived from sc's text (joined literals, a decoded run)
 * one level deeper, into out (the caller frees out->v). */
void pf_redact_subscan(struct scan *sc, const char *t, size_t n,
		       struct spans *out);

/* The run [a, b) of base64 or hex letters, if it decodes to a secret. */
void pf_redact_encoded(struct scan *sc, size_t a, size_t b);

/* pf_vault_put() of the value t[a, b), which notes the identifier it
 * sits in, within [lo, hi) (the values replaced beside it excluded), so
 * that its spelling comes back there (vault.c). */
const char *pf_vault_put_in(struct pf_vault *v, enum pf_vault_cat cat,
			    const char *t, size_t lo, size_t hi, size_t a,
			    size_t b);

/* The length of a placeholder look-alike at text[i], or 0 (vault.c). */
size_t pf_vault_token_at(const struct pf_vault *v, const char *text, size_t len,
			 size_t i);

/* log2(n) and the all-digit penalty 1.2 / log2(n) of an entropy, for n up
 * to LOG2N_MAX (classes.c): the same log2() calls, made once. */
#define LOG2N_MAX 1024
extern double pf_redact_log2n[LOG2N_MAX + 1];
extern double pf_redact_digit_pen[LOG2N_MAX + 1];

/* The tables of addresses.c (the top-level domains' index of
 * pf_redact_bare_host(), the URL's bytes); once, by pf_redact_engine(). */
void pf_redact_addresses_init(void);

/* Rule r's match at t[i] decided without PCRE2 (rules.c): 1 with *end
 * set, 0 for none, -1 when the rule's pattern is not of the simple form
 * (then only PCRE2 knows). */
int pf_redact_rule_simple(size_t r, const char *t, size_t n, size_t i,
			  size_t *end);

/* Room in v for `more` new values: its entries and hash table sized once
 * for a text's spans, not grown as they come (vault.c). */
void pf_vault_reserve(struct pf_vault *v, size_t more);

/* A value's key in the vault's table, made (and its slot fetched into
 * the cache) a few values before pf_vault_put_key() needs it. */
struct pf_vault_key {
	uint64_t h;
	int upper;
};

/* The key of value (len bytes); prefetches its first slot. */
void pf_vault_key(const struct pf_vault *v, const char *value, size_t len,
		  struct pf_vault_key *k);

/* Prefetch the entry k's first slot names if its hash agrees. */
void pf_vault_key_touch(const struct pf_vault *v, const struct pf_vault_key *k);

/* pf_vault_put_in() of t[a, b), whose key pf_vault_key() made (the
 * table may have grown since: the slot is found again from the key);
 * the placeholder's length in *len. */
const char *pf_vault_put_key(struct pf_vault *v, enum pf_vault_cat cat,
			     const char *t, size_t lo, size_t hi, size_t a,
			     size_t b, const struct pf_vault_key *k,
			     size_t *len);

#endif
