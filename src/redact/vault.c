/*
 * vault: placeholder <-> original for one push, and de-anonymisation of
 * what the model sends back (redact.h documents the rules).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "pushfix/err.h"
#include "pushfix/redact.h"
#include "pushfix/util.h"
#include "redact_int.h"

/*
 * Hash slots hold (32-bit hash << 32) | (entry index + 1), so that a
 * probe touches the entry (another cache line) only when the hashes
 * agree.  An empty slot is 0 (an index + 1 never is): the table comes
 * from calloc(), whose fresh pages are zero already, where filling 2 MB
 * with 0xff for a dense text wrote every page of it before the first
 * value.  EMPTY is also what find_value() says for "no entry".
 */
#define EMPTY ((size_t)-1)
#define SLOT_FREE 0
#define SLOT(h, i)                                                             \
	((((size_t)(uint32_t)(h)) << 32) | (size_t)(uint32_t)((i) + 1))
#define SLOT_HASH(s) ((uint32_t)((s) >> 32))
#define SLOT_IDX(s) ((size_t)(uint32_t)(s)-1)
_Static_assert(sizeof(size_t) >= 8, "vault slots need a 64-bit size_t");

static const char *const cat_names[PF_CAT__NR] = {
	"SECRET", "EMAIL", "IP", "HOST", "PERSON", "ORG", "PATH", "WORD", "LIT",
};

const char *pf_vault_cat_name(enum pf_vault_cat cat)
{
	return (unsigned)cat < PF_CAT__NR ? cat_names[cat] : "?";
}

/* One step of hash_bytes() over the 8 bytes w. */
static inline uint64_t hash_step(uint64_t h, uint64_t w)
{
	h = (h ^ w) * 0x9E3779B97F4A7C15ULL;
	return h ^ (h >> 29);
}

/* A-Z to a-z in the 8 bytes w at once, nothing else changed: bit 7 of
 * each byte says x >= 'A', x > 'Z', x >= 0x80. */
static inline uint64_t fold8(uint64_t w)
{
	const uint64_t h = 0x8080808080808080ULL;
	uint64_t x = w & ~h, up;

	up = ((x + 0x3F3F3F3F3F3F3F3FULL) & ~(x + 0x2525252525252525ULL) & ~w &
	      h);
	return w | (up >> 2);
}

/* The last r (1-7) bytes at s as one little-endian word, its high bytes
 * zero: two loads of fixed size that may overlap (the same bytes in the
 * same places), not memcpy() of a length known at run time (a call). */
static inline uint64_t tail(const char *s, size_t r)
{
	const unsigned char *u = (const unsigned char *)s;

	if (r >= 4) {
		uint32_t lo, hi;

		memcpy(&lo, s, 4);
		memcpy(&hi, s + r - 4, 4);
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
		lo = __builtin_bswap32(lo);
		hi = __builtin_bswap32(hi);
#endif
		return (uint64_t)lo | ((uint64_t)hi << (8 * (r - 4)));
	}
	return (uint64_t)u[0] | ((uint64_t)u[r / 2] << (8 * (r / 2))) |
	       ((uint64_t)u[r - 1] << (8 * (r - 1)));
}

static uint64_t hash_final(uint64_t h)
{
	h *= 0xBF58476D1CE4E5B9ULL;
	h ^= h >> 32;
	return h;
}

/* 8 bytes at a time, multiply-xorshift: values are hashed once each. */
static uint64_t hash_bytes(const char *s, size_t len)
{
	uint64_t h = 0x243F6A8885A308D3ULL ^ (len * 0x9E3779B97F4A7C15ULL);
	size_t i = 0;

	for (; i + 8 <= len; i += 8) {
		uint64_t w;

		memcpy(&w, s + i, 8);
		h = hash_step(h, w);
	}
	if (i < len)
		h = hash_step(h, tail(s + i, len - i));
	return hash_final(h);
}

/*
 * The table's hash of s: of its bytes with A-Z as a-z (long values: of
 * its very bytes), so that every spelling of a name and every value of
 * those bytes share one chain, walked once (find_value()); *upper: s
 * holds A-Z (what fold8() changed).
 */
static uint64_t hash_key(const char *s, size_t len, int *upper)
{
	uint64_t h = 0x243F6A8885A308D3ULL ^ (len * 0x9E3779B97F4A7C15ULL);
	uint64_t diff = 0, w, fw;
	size_t i = 0;

	*upper = 0;
	if (len > 256)
		return hash_bytes(s, len);
	for (; i + 8 <= len; i += 8) {
		memcpy(&w, s + i, 8);
		fw = fold8(w);
		h = hash_step(h, fw);
		diff |= w ^ fw;
	}
	if (i < len) {
		w = tail(s + i, len - i);
		fw = fold8(w);
		h = hash_step(h, fw);
		diff |= w ^ fw;
	}
	*upper = diff != 0;
	return hash_final(h);
}

/* Names are one placeholder whatever their case (redact.h). */
static int folds(enum pf_vault_cat cat)
{
	return cat == PF_CAT_PERSON || cat == PF_CAT_ORG ||
	       cat == PF_CAT_HOST || cat == PF_CAT_WORD;
}

/*
 * The spellings of a name and the identifiers each was seen in: key is
 * the identifier's bytes before the value, '\1', its bytes after.
 */
#define MAX_KEYS 1024
#define MAX_REST 64
#define MAX_GAP 3

struct spelling {
	char *s;
	size_t len;
	unsigned count;
};

struct case_key {
	char *k;
	size_t len, spell;
	unsigned count;
	uint64_t h; /* hash_bytes() of k */
};

struct pf_vault_cases {
	struct spelling *sp;
	size_t sp_nr, sp_alloc;
	struct case_key *keys; /* no two alike */
	size_t keys_nr, keys_alloc;
	/* keys by hash, open addressing: index + 1, 0 empty; a name of
	 * the repository is seen in hundreds of identifiers, each looked
	 * up at every occurrence */
	uint32_t *kh;
	size_t kh_alloc;
};

static void cases_free(struct pf_vault_cases *c)
{
	if (!c)
		return;
	for (size_t i = 0; i < c->sp_nr; i++)
		free(c->sp[i].s);
	for (size_t i = 0; i < c->keys_nr; i++)
		free(c->keys[i].k);
	free(c->sp);
	free(c->keys);
	free(c->kh);
	free(c);
}

/* The key of c spelled k (len bytes, hash h), or (size_t)-1. */
static size_t key_find(const struct pf_vault_cases *c, const char *k,
		       size_t len, uint64_t h)
{
	if (!c->kh_alloc)
		return (size_t)-1;
	for (size_t x = h & (c->kh_alloc - 1); c->kh[x];
	     x = (x + 1) & (c->kh_alloc - 1)) {
		const struct case_key *ck = &c->keys[c->kh[x] - 1];

		if (ck->h == h && ck->len == len && !memcmp(ck->k, k, len))
			return c->kh[x] - 1;
	}
	return (size_t)-1;
}

static void kh_put(struct pf_vault_cases *c, size_t i)
{
	size_t x = c->keys[i].h & (c->kh_alloc - 1);

	while (c->kh[x])
		x = (x + 1) & (c->kh_alloc - 1);
	c->kh[x] = (uint32_t)(i + 1);
}

/* Index c->keys[i] (just added), the table at most half full. */
static void key_index(struct pf_vault_cases *c, size_t i)
{
	if (2 * (i + 1) > c->kh_alloc) {
		free(c->kh);
		c->kh_alloc = c->kh_alloc ? 2 * c->kh_alloc : 16;
		c->kh = pf_xcalloc(c->kh_alloc, sizeof(*c->kh));
		for (size_t k = 0; k < i; k++)
			kh_put(c, k);
	}
	kh_put(c, i);
}

static int ident_byte(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	       (c >= '0' && c <= '9') || c == '_' || ((unsigned char)c & 0x80);
}

/*
 * The identifier around t[a, b) and up to MAX_GAP bytes of its line
 * beyond it ("(cJSON *)" and "CJSON;" tell the two apart): its bytes
 * before and after, in key, as far as [lo, hi) goes: the values replaced
 * next to it (lo: where the last one ends, hi: where the next one starts)
 * are not part of it, so that the key reads the same in the text and in
 * what it became.
 */
static size_t ident_key(char *key, const char *t, size_t lo, size_t hi,
			size_t a, size_t b)
{
	size_t l = a, r = b, g;

	while (l > lo && a - l < MAX_REST && ident_byte(t[l - 1]))
		l--;
	for (g = 0; g < MAX_GAP && l > lo && t[l - 1] != '\n'; g++)
		l--;
	while (r < hi && r - b < MAX_REST && ident_byte(t[r]))
		r++;
	for (g = 0; g < MAX_GAP && r < hi && t[r] != '\n'; g++)
		r++;
	memcpy(key, t + l, a - l);
	key[a - l] = '\1';
	memcpy(key + (a - l) + 1, t + b, r - b);
	return (a - l) + 1 + (r - b);
}

/*
 * Note that entry e was seen spelled value (len bytes) at t[a, b).
 * Returns 1 when that identifier was seen with another spelling: the
 * value then needs a placeholder of its own, or the way back could not
 * tell the two apart.
 */
static int note_spelling(struct pf_vault_entry *e, const char *value,
			 size_t len, const char *t, size_t lo, size_t hi,
			 size_t a)
{
	struct pf_vault_cases *c = e->cases;
	/* ident_key()'s most: no allocation but for a key kept */
	char key[2 * (MAX_REST + MAX_GAP) + 1];
	size_t s, k = (size_t)-1, kl = 0;
	uint64_t h = 0;

	if (!c) {
		c = e->cases = pf_xcalloc(1, sizeof(*c));
		PF_ALLOC_GROW(c->sp, 1, c->sp_alloc);
		c->sp[0].s = pf_xstrndup(e->original, e->original_len);
		c->sp[0].len = e->original_len;
		c->sp[0].count = 0;
		c->sp_nr = 1;
	}
	for (s = 0; s < c->sp_nr; s++)
		if (c->sp[s].len == len && !memcmp(c->sp[s].s, value, len))
			break;
	if (t) {
		kl = ident_key(key, t, lo, hi, a, a + len);
		h = hash_bytes(key, kl);
		k = key_find(c, key, kl, h);
		/* seen with another spelling */
		if (k != (size_t)-1 && c->keys[k].spell != s)
			return 1;
	}
	if (s == c->sp_nr) {
		PF_ALLOC_GROW(c->sp, c->sp_nr + 1, c->sp_alloc);
		c->sp[s].s = pf_xstrndup(value, len);
		c->sp[s].len = len;
		c->sp[s].count = 0;
		c->sp_nr++;
	}
	c->sp[s].count++;
	if (!t)
		return 0;
	if (k != (size_t)-1) {
		c->keys[k].count++;
		return 0;
	}
	if (c->keys_nr < MAX_KEYS) {
		PF_ALLOC_GROW(c->keys, c->keys_nr + 1, c->keys_alloc);
		c->keys[c->keys_nr].len = kl;
		/* not strndup: a byte of the gap may be a NUL */
		c->keys[c->keys_nr].k = pf_xmalloc(kl + 1);
		memcpy(c->keys[c->keys_nr].k, key, kl);
		c->keys[c->keys_nr].k[kl] = '\0';
		c->keys[c->keys_nr].spell = s;
		c->keys[c->keys_nr].count = 1;
		c->keys[c->keys_nr].h = h;
		key_index(c, c->keys_nr);
		c->keys_nr++;
	}
	return 0;
}

static int has_lower(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (s[i] >= 'a' && s[i] <= 'z')
			return 1;
	return 0;
}

static int has_upper(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (s[i] >= 'A' && s[i] <= 'Z')
			return 1;
	return 0;
}

/*
 * The spelling of e to write for its placeholder at text[i, i + n): the
 * one seen in that identifier; else, in an identifier of upper-case
 * letters, an upper-case spelling; else the most frequent one.
 */
static void spelling_at(const struct pf_vault *v,
			const struct pf_vault_entry *e, const char *text,
			size_t len, size_t lo, size_t i, size_t n,
			const char **s, size_t *sl)
{
	const struct pf_vault_cases *c = e->cases;
	char key[2 * (MAX_REST + MAX_GAP) + 1];
	size_t best = 0, ki, kl;
	unsigned best_count = 0;
	int upper;

	*s = e->original;
	*sl = e->original_len;
	if (!c || c->sp_nr < 2)
		return;
	{
		size_t hi = i + n; /* up to the next placeholder */

		while (hi < len && hi - i < n + MAX_REST + MAX_GAP &&
		       !pf_vault_token_at(v, text, len, hi))
			hi++;
		kl = ident_key(key, text, lo, hi, i, i + n);
	}
	/* keys are unique: at most one is this identifier */
	if ((ki = key_find(c, key, kl, hash_bytes(key, kl))) != (size_t)-1) {
		best = c->keys[ki].spell;
		best_count = c->keys[ki].count;
	}
	upper = kl > 1 && has_upper(key, kl) && !has_lower(key, kl);
	for (size_t k = 0; !best_count && k < c->sp_nr; k++)
		if ((!upper || !has_lower(c->sp[k].s, c->sp[k].len)) &&
		    c->sp[k].count > best_count) {
			best = k;
			best_count = c->sp[k].count;
		}
	if (!best_count)
		return;
	*s = c->sp[best].s;
	*sl = c->sp[best].len;
}

static int valid_prefix(const char *p)
{
	size_t n = p ? strlen(p) : 0;

	if (n < 1 || n > 8 || !(p[0] >= 'A' && p[0] <= 'Z'))
		return 0;
	for (size_t i = 0; i < n; i++)
		if (!((p[i] >= 'A' && p[i] <= 'Z') ||
		      (p[i] >= '0' && p[i] <= '9')))
			return 0;
	return 1;
}

void pf_vault_init(struct pf_vault *v, const char *prefix)
{
	memset(v, 0, sizeof(*v));
	snprintf(v->prefix, sizeof(v->prefix), "%s",
		 valid_prefix(prefix) ? prefix : "PF");
}

/*
 * The originals and their placeholders, one after another in blocks of
 * 64 KiB (a value that needs more: a block of its own): a malloc() per
 * value cost as much as the rest of put(), and freeing them all as much
 * again.
 */
#define CHUNK_SIZE (64 * 1024 - 64)

struct pf_vault_chunk {
	struct pf_vault_chunk *next;
	size_t used, size;
	char data[];
};

/* n bytes that live until pf_vault_release(). */
static char *chunk_alloc(struct pf_vault *v, size_t n)
{
	struct pf_vault_chunk *c = v->chunks;

	if (!c || c->size - c->used < n) {
		size_t size = n > CHUNK_SIZE ? n : CHUNK_SIZE;

		c = pf_xmalloc(sizeof(*c) + size);
		c->used = 0;
		c->size = size;
		/* a big value's own block: the one being filled stays first */
		if (n > CHUNK_SIZE && v->chunks) {
			c->next = v->chunks->next;
			v->chunks->next = c;
		} else {
			c->next = v->chunks;
			v->chunks = c;
		}
	}
	c->used += n;
	return c->data + c->used - n;
}

void pf_vault_release(struct pf_vault *v)
{
	if (!v)
		return;
	for (size_t i = 0; i < v->nr; i++)
		cases_free(v->v[i].cases);
	while (v->chunks) {
		struct pf_vault_chunk *c = v->chunks;

		v->chunks = c->next;
		/* Originals may be secrets: do not leave them in freed heap. */
		explicit_bzero(c->data, c->used);
		free(c);
	}
	free(v->v);
	free(v->by_value);
	for (int c = 0; c < PF_CAT__NR; c++)
		free(v->by_num[c]);
	memset(v, 0, sizeof(*v));
}

static void slot_put(size_t *tab, size_t alloc, uint64_t h, size_t idx)
{
	size_t k = (size_t)h & (alloc - 1);

	while (tab[k] != SLOT_FREE)
		k = (k + 1) & (alloc - 1);
	tab[k] = SLOT(h >> 32, idx);
}

/* The table for n slots (a power of 2, at least twice the entries). */
static void rehash_to(struct pf_vault *v, size_t n)
{
	free(v->by_value);
	v->by_value = pf_xcalloc(n, sizeof(size_t));
	v->hash_alloc = n;
	for (size_t i = 0; i < v->nr; i++)
		slot_put(v->by_value, n, v->v[i].h_value, i);
}

/*
 * Sized once for a text, not grown as its values come: each doubling of
 * the table re-inserted every entry (random writes) and each growth of
 * the entries copied them, into fresh pages both times.  Geometric still
 * (at least 1.5 times the entries, twice the table): a vault that gets
 * many small texts in a row grows as often as it did value by value.
 */
void pf_vault_reserve(struct pf_vault *v, size_t more)
{
	size_t want = v->nr + more, n = v->hash_alloc ? v->hash_alloc : 64;

	if (want < v->nr || want > SIZE_MAX / 64)
		return; /* absurd: put() grows as it goes */
	while (n < 2 * want)
		n *= 2;
	if (n > v->hash_alloc)
		rehash_to(v, n);
	if (want > v->alloc) {
		size_t a = (v->alloc + 16) * 3 / 2;

		if (a < want)
			a = want;
		v->v = pf_xrealloc(v->v, a * sizeof(*v->v));
		v->alloc = a;
	}
}

/*
 * Which lookups find an entry (its `keyed` bits): KEY_EXACT, by its very
 * bytes (any value but the first spelling of a name with capitals);
 * KEY_FOLD, in any case, if it is a name (names but their own spellings
 * with capitals (note_spelling()), and any value without capitals).
 * Both lookups were once two tables' chains (a hash of the bytes and a
 * folded one): two hashes per value and a second random probe.  One
 * chain of the folded hash holds both, each in the order the entries
 * came, so the first of each kind is the entry the two chains found.
 */
#define KEY_EXACT 1
#define KEY_FOLD 2

/*
 * The first entry whose original is value (len bytes, table hash h) and
 * that is found by its bytes, or EMPTY; *fold (EMPTY when an entry was
 * found by its bytes, or none): the first name found in any case.
 */
static size_t find_value(const struct pf_vault *v, const char *value,
			 size_t len, uint64_t h, size_t *fold)
{
	size_t k;

	*fold = EMPTY;
	if (!v->hash_alloc)
		return EMPTY;
	k = (size_t)h & (v->hash_alloc - 1);
	for (; v->by_value[k] != SLOT_FREE; k = (k + 1) & (v->hash_alloc - 1)) {
		size_t s = v->by_value[k];
		const struct pf_vault_entry *e;

		if (SLOT_HASH(s) != (uint32_t)(h >> 32))
			continue;
		e = &v->v[SLOT_IDX(s)];
		if (e->original_len != len)
			continue;
		if ((e->keyed & KEY_EXACT) &&
		    !memcmp(e->original, value, len)) {
			*fold = EMPTY;
			return SLOT_IDX(s);
		}
		if (*fold == EMPTY && (e->keyed & KEY_FOLD) && folds(e->cat) &&
		    !strncasecmp(e->original, value, len))
			*fold = SLOT_IDX(s);
	}
	return EMPTY;
}

/*
 * A placeholder is "<prefix>_<CAT>_<n>" and names its entry: the n-th of
 * its category (put()), found without a hash table of placeholders (a
 * random access per value while redacting, for lookups that come only
 * after it).
 */
const struct pf_vault_entry *
pf_vault_lookup(const struct pf_vault *v, const char *placeholder, size_t len)
{
	const struct pf_vault_entry *e;
	size_t pl = strlen(v->prefix), i, cl;
	unsigned long long n = 0;
	int c;

	if (len < pl + 4 || memcmp(placeholder, v->prefix, pl) ||
	    placeholder[pl] != '_')
		return NULL;
	i = pl + 1;
	for (c = 0; c < PF_CAT__NR; c++) {
		cl = strlen(cat_names[c]);
		if (len - i > cl + 1 &&
		    !memcmp(placeholder + i, cat_names[c], cl) &&
		    placeholder[i + cl] == '_')
			break;
	}
	if (c == PF_CAT__NR)
		return NULL;
	/* digits, no leading 0, at most ten of them (counters are unsigned) */
	for (i += cl + 1; i < len && i - (pl + cl + 2) < 10; i++) {
		if (placeholder[i] < '0' || placeholder[i] > '9' ||
		    (!n && placeholder[i] == '0'))
			return NULL;
		n = n * 10 + (unsigned)(placeholder[i] - '0');
	}
	if (i < len || !n || n > v->counter[c])
		return NULL;
	e = &v->v[v->by_num[c][n - 1]];
	/* the very string (the number's spelling checked above) */
	if (strncmp(e->placeholder, placeholder, len) ||
	    e->placeholder[len] != '\0')
		return NULL;
	return e;
}

/*
 * Count v->counter[cat] up and make v->ph[cat] its placeholder,
 * "<prefix>_<CAT>_<n>"; returns its length.  Counting the last one's
 * digits up in place is a few byte stores per value where formatting
 * the number (a division a digit) and copying the prefix and the name
 * byte by byte were 10% of put().  The template is rebuilt when it is
 * not the previous number (the first of a category, or a counter set by
 * hand).
 */
static size_t next_placeholder(struct pf_vault *v, enum pf_vault_cat cat)
{
	char *p = v->ph[cat];
	unsigned k = ++v->counter[cat];
	size_t o, d;

	if (!v->ph_len[cat] || v->ph_num[cat] + 1 != k || !k) {
		char num[12];
		size_t nl = 0, pl = strlen(v->prefix),
		       cl = strlen(cat_names[cat]);

		do {
			num[nl++] = (char)('0' + k % 10);
			k /= 10;
		} while (k);
		memcpy(p, v->prefix, pl);
		p[pl] = '_';
		memcpy(p + pl + 1, cat_names[cat], cl);
		o = pl + 1 + cl;
		p[o++] = '_';
		v->ph_digits[cat] = (unsigned char)o;
		while (nl)
			p[o++] = num[--nl];
		p[o] = '\0';
		v->ph_len[cat] = (unsigned char)o;
		v->ph_num[cat] = v->counter[cat];
		return o;
	}
	v->ph_num[cat] = k;
	o = v->ph_len[cat];
	d = v->ph_digits[cat];
	for (size_t x = o; x-- > d;) {
		if (p[x] != '9') {
			p[x]++;
			return o;
		}
		p[x] = '0';
	}
	/* 9..9 + 1: 10..0, a digit more */
	p[d] = '1';
	p[o++] = '0';
	p[o] = '\0';
	v->ph_len[cat] = (unsigned char)o;
	return o;
}

/*
 * The placeholder of value (len bytes); t, n, a: where it was found (t
 * NULL: nowhere in particular).  Names are looked up case-insensitively
 * (every entry is hashed in lower case: find_value()); any value finds
 * an entry that holds its very bytes.
 */
static const char *put_hashed(struct pf_vault *v, enum pf_vault_cat cat,
			      const char *value, size_t len, const char *t,
			      size_t lo, size_t hi, size_t a, uint64_t h,
			      int upper, size_t *ph_len)
{
	struct pf_vault_entry *e;
	size_t phl, fold;
	int own = 0;
	size_t i = find_value(v, value, len, h, &fold);

	if (i == EMPTY && len <= 256 && (folds(cat) || upper)) {
		i = fold;
		if (i != EMPTY && !folds(cat) &&
		    memcmp(v->v[i].original, value, len))
			i = EMPTY; /* not a name: its own bytes only */
	}
	if (i != EMPTY &&
	    (!folds(v->v[i].cat) ||
	     !note_spelling(&v->v[i], value, len, t, lo, hi, a))) {
		*ph_len = v->v[i].ph_len;
		return v->v[i].placeholder;
	}
	if (i != EMPTY)
		own = 1; /* a spelling of its own (note_spelling) */
	if ((unsigned)cat >= PF_CAT__NR)
		cat = PF_CAT_SECRET;
	/* Keep the tables at most half full. */
	if (2 * (v->nr + 1) > v->hash_alloc)
		rehash_to(v, v->hash_alloc ? v->hash_alloc * 2 : 64);
	PF_ALLOC_GROW(v->v, v->nr + 1, v->alloc);
	e = &v->v[v->nr];
	phl = next_placeholder(v, cat);
	/* the original, then the placeholder */
	e->original = chunk_alloc(v, len + 1 + phl + 1);
	e->placeholder = e->original + len + 1;
	memcpy(e->placeholder, v->ph[cat], phl + 1);
	e->ph_len = (unsigned char)phl;
	PF_ALLOC_GROW(v->by_num[cat], v->counter[cat], v->num_alloc[cat]);
	v->by_num[cat][v->counter[cat] - 1] = v->nr;
	e->cat = cat;
	memcpy(e->original, value, len);
	e->original[len] = '\0';
	e->original_len = len;
	e->h_value = h;
	e->keyed = folds(cat) && !own ? KEY_FOLD : KEY_EXACT;
	/* without capitals (or long) its bytes are its folded bytes */
	if (!upper || len > 256)
		e->keyed = KEY_EXACT | KEY_FOLD;
	e->cases = NULL;
	slot_put(v->by_value, v->hash_alloc, e->h_value, v->nr);
	v->nr++;
	if (folds(cat) && t)
		note_spelling(e, value, len, t, lo, hi, a);
	*ph_len = phl;
	return e->placeholder;
}

static const char *put(struct pf_vault *v, enum pf_vault_cat cat,
		       const char *value, size_t len, const char *t, size_t lo,
		       size_t hi, size_t a, size_t *ph_len)
{
	int upper;
	uint64_t h = hash_key(value, len, &upper);

	return put_hashed(v, cat, value, len, t, lo, hi, a, h, upper, ph_len);
}

void pf_vault_key(const struct pf_vault *v, const char *value, size_t len,
		  struct pf_vault_key *k)
{
	int upper;

	k->h = hash_key(value, len, &upper);
	k->upper = upper;
	if (v->hash_alloc)
		__builtin_prefetch(
			&v->by_value[(size_t)k->h & (v->hash_alloc - 1)]);
}

void pf_vault_key_touch(const struct pf_vault *v, const struct pf_vault_key *k)
{
	size_t s;

	if (!v->hash_alloc)
		return;
	s = v->by_value[(size_t)k->h & (v->hash_alloc - 1)];
	if (s != SLOT_FREE && SLOT_HASH(s) == (uint32_t)(k->h >> 32))
		__builtin_prefetch(&v->v[SLOT_IDX(s)]);
}

const char *pf_vault_put_key(struct pf_vault *v, enum pf_vault_cat cat,
			     const char *t, size_t lo, size_t hi, size_t a,
			     size_t b, const struct pf_vault_key *k,
			     size_t *len)
{
	return put_hashed(v, cat, t + a, b - a, t, lo, hi, a, k->h, k->upper,
			  len);
}

const char *pf_vault_put(struct pf_vault *v, enum pf_vault_cat cat,
			 const char *value, size_t len)
{
	size_t phl;

	return put(v, cat, value, len, NULL, 0, 0, 0, &phl);
}

const char *pf_vault_put_in(struct pf_vault *v, enum pf_vault_cat cat,
			    const char *t, size_t lo, size_t hi, size_t a,
			    size_t b)
{
	size_t phl;

	return put(v, cat, t + a, b - a, t, lo, hi, a, &phl);
}

void pf_vault_to_json(const struct pf_vault *v, struct pf_buf *out)
{
	pf_buf_addch(out, '[');
	for (size_t i = 0; i < v->nr; i++) {
		const struct pf_vault_entry *e = &v->v[i];

		if (i)
			pf_buf_addch(out, ',');
		pf_buf_addstr(out, "{\"placeholder\":");
		pf_buf_add_json_str(out, e->placeholder,
				    strlen(e->placeholder));
		pf_buf_addf(out, ",\"category\":\"%s\",\"original\":",
			    cat_names[e->cat]);
		pf_buf_add_json_str(out, e->original, e->original_len);
		pf_buf_addch(out, '}');
	}
	pf_buf_addch(out, ']');
}

/* ---- scanning for placeholders ---- */

/*
 * A placeholder-looking token at text[i]: `<prefix>_<CAT>` in any case,
 * then `_<digits>` if present.  Returns its length (0: none) and the
 * category; *exact_len is the length of the case-sensitive, upper-case
 * form with digits (0 if the token is not exactly of that form).
 */
static size_t ph_token(const struct pf_vault *v, const char *text, size_t len,
		       size_t i, enum pf_vault_cat *cat)
{
	size_t pl, n;

	/* The first byte before any call: the detectors and glue_start()
	 * ask at every byte of identifiers, and in a project whose own
	 * names start with "pf_" the prefix matches often (the prefix and
	 * the names start with a letter: OR 0x20 folds exactly those). */
	if (i >= len || (text[i] | 0x20) != (v->prefix[0] | 0x20))
		return 0;
	pl = strlen(v->prefix);
	if (len - i < pl + 2 || strncasecmp(text + i, v->prefix, pl) ||
	    text[i + pl] != '_')
		return 0;
	n = i + pl + 1;
	for (int c = 0; c < PF_CAT__NR; c++) {
		size_t cl = strlen(cat_names[c]), e;

		if (len - n < cl ||
		    (text[n] | 0x20) != (cat_names[c][0] | 0x20) ||
		    strncasecmp(text + n, cat_names[c], cl))
			continue;
		e = n + cl;
		if (e < len && text[e] == '_' && e + 1 < len &&
		    text[e + 1] >= '0' && text[e + 1] <= '9') {
			e++;
			while (e < len && text[e] >= '0' && text[e] <= '9')
				e++;
		}
		*cat = (enum pf_vault_cat)c;
		return e - i;
	}
	return 0;
}

/*
 * The next placeholder-looking token at or after text[*i]: moves *i to
 * its start and returns its length, or 0 when the text holds no more.
 */
static size_t next_token(const struct pf_vault *v, const char *text, size_t len,
			 size_t *i)
{
	enum pf_vault_cat cat;

	for (; *i < len; (*i)++) {
		size_t n = ph_token(v, text, len, *i, &cat);

		if (n)
			return n;
	}
	return 0;
}

/* Scan helper shared with the detectors (redact_int.h): length of the
 * placeholder-looking token at text[i] or 0. */
size_t pf_vault_token_at(const struct pf_vault *v, const char *text, size_t len,
			 size_t i)
{
	enum pf_vault_cat cat;

	return ph_token(v, text, len, i, &cat);
}

static int is_blank(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\f' || c == '\v';
}

/* The context of an occurrence [a, b) of a placeholder in s: up to 8
 * non-blank bytes on each side, within its line. */
struct ctx8 {
	char left[8], right[8];
	unsigned ln, rn;
};

static void context_of(struct ctx8 *c, const char *s, size_t len, size_t a,
		       size_t b)
{
	size_t i;

	c->ln = c->rn = 0;
	for (i = a; i > 0 && c->ln < 8;) {
		char ch = s[--i];

		if (ch == '\n')
			break;
		if (!is_blank(ch))
			c->left[c->ln++] = ch;
	}
	for (i = b; i < len && c->rn < 8; i++) {
		char ch = s[i];

		if (ch == '\n')
			break;
		if (!is_blank(ch))
			c->right[c->rn++] = ch;
	}
}

static int same_ctx(const struct ctx8 *x, const struct ctx8 *y)
{
	return x->ln == y->ln && x->rn == y->rn &&
	       !memcmp(x->left, y->left, x->ln) &&
	       !memcmp(x->right, y->right, x->rn);
}

/* Occurrences of a SECRET placeholder in sent_text, used once each. */
struct occ {
	const char *ph;
	struct ctx8 ctx;
	int used;
};

static size_t count_ci(const char *s, size_t len, const char *word)
{
	size_t n = 0, wl = strlen(word);

	for (size_t i = 0; i + wl <= len; i++)
		if (!strncasecmp(s + i, word, wl))
			n++;
	return n;
}

static void collect_secret_occ(const struct pf_vault *v, const char *s,
			       size_t len, struct occ **occ, size_t *nr,
			       size_t *alloc)
{
	for (size_t i = 0, n; (n = next_token(v, s, len, &i)); i += n) {
		const struct pf_vault_entry *e = pf_vault_lookup(v, s + i, n);

		if (e && e->cat == PF_CAT_SECRET) {
			PF_ALLOC_GROW(*occ, *nr + 1, *alloc);
			(*occ)[*nr].ph = e->placeholder;
			context_of(&(*occ)[*nr].ctx, s, len, i, i + n);
			(*occ)[*nr].used = 0;
			(*nr)++;
		}
	}
}

int pf_vault_restore(struct pf_buf *out, const struct pf_vault *v,
		     const char *text, size_t len, const char *sent_text,
		     size_t sent_len)
{
	struct occ *occ = NULL;
	size_t occ_nr = 0, occ_alloc = 0, last = 0, orig_len;
	const char *orig;
	int ret = 0;

	pf_buf_reset(out);
	if (!sent_text)
		sent_len = 0;
	if (count_ci(text, len, "REDACTED") >
	    count_ci(sent_text ? sent_text : "", sent_len, "REDACTED")) {
		ret = pf_error_setc(PF_EINVALID,
				    "fix refused: it holds a 'REDACTED' marker "
				    "the code did not have");
		goto out;
	}
	collect_secret_occ(v, sent_text ? sent_text : "", sent_len, &occ,
			   &occ_nr, &occ_alloc);
	for (size_t i = 0, n; (n = next_token(v, text, len, &i)); i += n) {
		const struct pf_vault_entry *e =
			pf_vault_lookup(v, text + i, n);

		if (!e) {
			ret = pf_error_setc(PF_EINVALID,
					    "fix refused: unknown placeholder "
					    "'%.*s'",
					    (int)(n > 64 ? 64 : n), text + i);
			goto out;
		}
		if (e->cat == PF_CAT_SECRET) {
			struct ctx8 c;
			size_t k;

			context_of(&c, text, len, i, i + n);
			for (k = 0; k < occ_nr; k++)
				if (!occ[k].used &&
				    occ[k].ph == e->placeholder &&
				    same_ctx(&occ[k].ctx, &c))
					break;
			if (k == occ_nr) {
				ret = pf_error_setc(
					PF_EINVALID,
					"fix refused: it would write secret "
					"placeholder '%s' where the code did "
					"not have it",
					e->placeholder);
				goto out;
			}
			occ[k].used = 1;
		}
		spelling_at(v, e, text, len, last, i, n, &orig, &orig_len);
		pf_buf_add(out, text + last, i - last);
		pf_buf_add(out, orig, orig_len);
		last = i + n;
	}
	pf_buf_add(out, text + last, len - last);
out:
	if (ret)
		pf_buf_reset(out);
	free(occ);
	return ret;
}

void pf_vault_expand(struct pf_buf *out, const struct pf_vault *v,
		     const char *text, size_t len)
{
	size_t last = 0;

	for (size_t i = 0, n; (n = next_token(v, text, len, &i)); i += n) {
		const struct pf_vault_entry *e =
			pf_vault_lookup(v, text + i, n);

		if (e) {
			const char *orig;
			size_t orig_len;

			spelling_at(v, e, text, len, last, i, n, &orig,
				    &orig_len);
			pf_buf_add(out, text + last, i - last);
			pf_buf_add(out, orig, orig_len);
			last = i + n;
		}
	}
	pf_buf_add(out, text + last, len - last);
}
