/*
 * The redaction context: the names to find (people, organisations, user
 * words, remote hosts) and the hosts to keep, and the per-text search for
 * those names (see struct wentry for how they match).
 *
 * Speed: names are looked up per sub-word in a hash set behind a cheap
 * bit filter; long organisation parts and user words, few by nature, are
 * searched inside longer words only where their first byte occurs.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "pushfix/buf.h"
#include "redact_int.h"

/*
 * Names to find (people, organisations, user words, remote hosts) are
 * matched per SUB-WORD: a maximal run of letters/digits (bytes >= 0x80
 * count as letters) split at camelCase (aB, ABc) and at letter/digit
 * changes.  A name of several sub-words ("Maria Gonzalez", "route-planner")
 * is a sequence; between its sub-words the text may hold one of " -_./"
 * or nothing (RoutePlanner, ROUTE_PLANNER, routeplanner as its joined
 * form).  Long distinctive parts (>= 7 bytes) are also found inside
 * longer sub-words ("northwind" in "northwindapi").
 */
struct wentry {
	char *w;	      /* lower-case; NULL: empty slot */
	size_t len;	      /* of w */
	uint64_t h;	      /* hash_fold() of w */
	unsigned char cat;    /* when matched alone */
	unsigned char single; /* matched alone */
	size_t seq;	      /* first sequence starting with w, or -1 */
};

struct word_seq {
	char **parts; /* lower-case */
	size_t *plen; /* their lengths */
	size_t nr;
	unsigned char cat;
	size_t next; /* next sequence with the same first part */
	/* Every part is a common word ("Static Void", "static-int"): match
	 * only the name as written, byte for byte, so that `static void`
	 * and `static int` in code stay. */
	char *exact;
};

struct long_part {
	char *w; /* lower-case */
	size_t len;
	unsigned char cat;
};

/* Cheap first test before hashing a sub-word: first two bytes and the
 * length (most sub-words of code are not names); QF_BITS in
 * redact_int.h. */
static size_t qf_index(const char *s, size_t n)
{
	unsigned a = (unsigned)((unsigned char)s[0] | 0x20);
	unsigned b = n > 1 ? (unsigned)((unsigned char)s[1] | 0x20) : 0;

	return ((a * 131u + b) * 16u + (n > 15 ? 15u : (unsigned)n)) % QF_BITS;
}

void pf_redact_ctx_init(struct pf_redact_ctx *ctx)
{
	memset(ctx, 0, sizeof(*ctx));
	ctx->paths = PF_REDACT_PATHS_ALL;
	ctx->max_commits = 100000;
	ctx->priv = pf_xcalloc(1, sizeof(*ctx->priv));
}

void pf_redact_ctx_release(struct pf_redact_ctx *ctx)
{
	struct pf_redact_priv *p;

	if (!ctx || !ctx->priv)
		return;
	p = ctx->priv;
	for (size_t i = 0; i < p->wm_alloc; i++)
		free(p->wm[i].w);
	free(p->wm);
	for (size_t i = 0; i < p->seq_nr; i++) {
		for (size_t k = 0; k < p->seq[i].nr; k++)
			free(p->seq[i].parts[k]);
		free(p->seq[i].parts);
		free(p->seq[i].plen);
		free(p->seq[i].exact);
	}
	free(p->seq);
	for (size_t i = 0; i < p->lp_nr; i++)
		free(p->lp[i].w);
	free(p->lp);
	for (size_t i = 0; i < p->bj_nr; i++)
		free(p->bj[i].w);
	free(p->bj);
	for (size_t i = 0; i < p->allow_nr; i++)
		free(p->allow[i]);
	free(p->allow);
	free(p->scratch);
	free(p->sort_tmp);
	free(p->wpair);
	for (size_t i = 0; i < p->seen_alloc; i++)
		free(p->seen[i]);
	free(p->seen);
	free(p);
	ctx->priv = NULL;
}

/* Words too common to identify anyone (issue 3: "not common words such
 * as sync").  Sorted for bsearch. */
/* clang-format off */
static const char *const stop_words[] = {
	"_git", "a", "account", "accounts", "action", "actions", "admin", "ai",
	"alpha", "an", "and", "android", "angular", "ansible", "api", "apis",
	"app", "application", "apps", "auth", "author", "backend", "base",
	"beta", "bitbucket", "blog", "bot", "bots", "build", "by", "cache",
	"cart", "cd", "chart", "charts", "ci", "cli", "client", "clients",
	"cloud", "code", "committer", "common", "community", "company",
	"config", "configs", "contact", "controller", "controllers", "core",
	"corp", "dashboard", "data", "database", "db", "de", "del", "demo",
	"deploy", "deployment", "der", "design", "desktop", "dev", "develop",
	"devops", "django", "doc", "docker", "docs", "e2e", "email", "engine",
	"event", "events", "example", "examples", "file", "files", "flask",
	"for", "fork", "framework", "frontend", "gateway", "git", "github",
	"gitlab", "global", "go", "golang", "group", "handler", "handlers",
	"hello", "helm", "helper", "helpers", "home", "hq", "http", "https",
	"hub", "image", "images", "inc", "index", "info", "infra", "internal",
	"io", "ios", "item", "items", "java", "jenkins", "job", "jobs", "js",
	"k8s", "kit", "la", "lab", "labs", "legacy", "lib", "library", "libs",
	"llc", "login", "ltd", "mail", "main", "master", "message", "messages",
	"ml", "mobile", "model", "models", "module", "modules", "mono",
	"monorepo", "my", "new", "next", "node", "noreply", "of", "old", "on",
	"open", "ops", "order", "orders", "org", "origin", "oss", "package",
	"packages", "platform", "plugin", "plugins", "portal", "private",
	"prod", "product", "products", "project", "projects", "proxy",
	"public", "py", "python", "queue", "rails", "react", "release",
	"renovate", "repo", "report", "reports", "repository", "request",
	"response", "rest", "root", "route", "router", "routes", "routing",
	"ruby", "rust", "sample", "samples", "scm", "script", "scripts", "sdk",
	"search", "security", "server", "servers", "service", "services",
	"session", "shared", "shop", "site", "source", "spring", "sql", "src",
	"staging", "starter", "store", "support", "sync", "system", "systems",
	"task", "tasks", "team", "template", "templates", "terraform", "test",
	"testing", "tests", "the", "to", "tool", "tools", "ts", "ui",
	"unknown", "upstream", "user", "users", "util", "utils", "van", "view",
	"views", "von", "vue", "web", "website", "wiki", "worker", "workers",
	"world", "www",
};
/* clang-format on */

static int is_stop_word(const char *w)
{
	return in_sorted(stop_words, PF_ARRAY_SIZE(stop_words), w, strlen(w));
}

/* Never a name on its own: a stop word, a language word, a common
 * English word (issue 12), or a number ("Author 100"). */
static int never_alone(const char *w)
{
	size_t l = strlen(w);

	return is_stop_word(w) || pf_redact_is_common_word(w, l) ||
	       strspn(w, "0123456789") == l;
}

size_t pf_redact_split(const char *s, char **parts, size_t max, char *store,
		       size_t cap)
{
	size_t n = 0, len = strlen(s), i = 0, o = 0;

	while (i < len && n < max) {
		size_t st;

		while (i < len && !IS(s[i], C_ALNUM) &&
		       !((unsigned char)s[i] & 0x80))
			i++;
		if (i >= len)
			break;
		st = i++;
		while (i < len &&
		       (IS(s[i], C_ALNUM) || ((unsigned char)s[i] & 0x80))) {
			/* aB: new part at B; ABc: new part at B */
			if (IS(s[i], C_UPPER) && IS(s[i - 1], C_LOWER))
				break;
			if (IS(s[i], C_UPPER) && IS(s[i - 1], C_UPPER) &&
			    i + 1 < len && IS(s[i + 1], C_LOWER))
				break;
			if (is_digit(s[i]) != is_digit(s[i - 1]))
				break;
			i++;
		}
		if (o + (i - st) + 1 > cap)
			break;
		parts[n] = store + o;
		for (size_t k = st; k < i; k++)
			store[o++] = (char)lower((unsigned char)s[k]);
		store[o++] = '\0';
		n++;
	}
	return n;
}

/* pf_redact_split() with every part allocated: parts[] must be freed. */
static size_t split_parts(const char *s, char **parts, size_t max)
{
	/* the parts and their NULs never need more than this */
	size_t cap = strlen(s) + max + 1, n;
	char *store = pf_xmalloc(cap);

	n = pf_redact_split(s, parts, max, store, cap);
	for (size_t i = 0; i < n; i++)
		parts[i] = pf_xstrdup(parts[i]);
	free(store);
	return n;
}

static uint64_t hash_lower(const char *s, size_t n)
{
	uint64_t h = 1469598103934665603ULL;

	for (size_t i = 0; i < n; i++) {
		h ^= (unsigned char)lower((unsigned char)s[i]);
		h *= 1099511628211ULL;
	}
	return h;
}

/* Puts k (its hash h) in the set p->seen of seen_alloc slots. */
static void seen_put(struct pf_redact_priv *p, char *k, uint64_t h)
{
	size_t i = (size_t)h & (p->seen_alloc - 1);

	while (p->seen[i])
		i = (i + 1) & (p->seen_alloc - 1);
	p->seen[i] = k;
}

/*
 * Was w added with cat before?  Notes it if not.  A set by hash of
 * "cat:w" in lower case: a history of thousands of authors adds them one
 * at a time, and a walk over all those added before made that quadratic
 * (5000 authors: 280M instructions in strcmp()).
 */
static int seen_before(struct pf_redact_priv *p, enum pf_vault_cat cat,
		       const char *w)
{
	struct pf_buf k = PF_BUF_INIT;
	uint64_t h;
	size_t i;

	/* one byte for the category (not pf_buf_addf(): a tenth of the
	 * time of a name) */
	pf_buf_addch(&k, (char)('0' + cat));
	pf_buf_addch(&k, ':');
	for (const char *c = w; *c; c++)
		pf_buf_addch(&k, lower((unsigned char)*c));
	h = hash_lower(k.buf, k.len);
	if (2 * (p->seen_nr + 1) > p->seen_alloc) {
		char **old = p->seen;
		size_t old_alloc = p->seen_alloc;

		p->seen_alloc = old_alloc ? old_alloc * 2 : 64;
		p->seen = pf_xcalloc(p->seen_alloc, sizeof(*p->seen));
		for (size_t j = 0; j < old_alloc; j++)
			if (old[j])
				seen_put(p, old[j],
					 hash_lower(old[j], strlen(old[j])));
		free(old);
	}
	for (i = (size_t)h & (p->seen_alloc - 1); p->seen[i];
	     i = (i + 1) & (p->seen_alloc - 1))
		if (!strcmp(p->seen[i], k.buf)) {
			pf_buf_release(&k);
			return 1;
		}
	p->seen[i] = pf_buf_detach(&k, NULL);
	p->seen_nr++;
	return 0;
}

/*
 * The word map's hash: 8 bytes a step, each byte | 0x20.  Two strings
 * equal but for the case of ASCII letters (what lower() folds) are equal
 * so, and hash alike; the few others it joins (@ and `, 0xc3 and 0xe3)
 * only collide, and eq_fold() tells them apart.  A byte a step with
 * lower() cost about half of wm_find().
 */
static uint64_t hash_fold(const char *s, size_t n)
{
	const uint64_t fold = 0x2020202020202020ULL;
	uint64_t h = (uint64_t)n * 0x9E3779B97F4A7C15ULL, w;

	for (; n >= 8; s += 8, n -= 8) {
		memcpy(&w, s, 8);
		h = (h ^ (w | fold)) * 0xff51afd7ed558ccdULL;
		h ^= h >> 32;
	}
	if (n) {
		/* not memcpy() of n bytes: a call */
		w = 0;
		for (size_t k = 0; k < n; k++)
			w |= (uint64_t)(unsigned char)s[k] << (8 * k);
		h = (h ^ (w | fold)) * 0xff51afd7ed558ccdULL;
	}
	h ^= h >> 33;
	h *= 0xc4ceb9fe1a85ec53ULL;
	return h ^ (h >> 29);
}

/* The 8 bytes w with A-Z made a-z, as lower() does each (bytes >= 0x80
 * kept): a byte's high bit tells >= 'A' and > 'Z' of its low 7 bits. */
static uint64_t lower8(uint64_t w)
{
	const uint64_t ones = 0x0101010101010101ULL, hi = ones * 0x80;
	uint64_t x = w & ~hi, ge_a = x + ones * (0x80 - 'A'),
		 gt_z = x + ones * (0x80 - 'Z' - 1);

	return w | ((ge_a & ~gt_z & ~w & hi) >> 2);
}

/* lw[k, k + 4) == s[k, k + 4) folded? */
static int eq_fold4(const char *lw, const char *s, size_t k)
{
	uint32_t a, b;

	memcpy(&a, lw + k, 4);
	memcpy(&b, s + k, 4);
	return a == (uint32_t)lower8(b);
}

/* lw[k, k + 8) == s[k, k + 8) folded? */
static int eq_fold8(const char *lw, const char *s, size_t k)
{
	uint64_t a, b;

	memcpy(&a, lw + k, 8);
	memcpy(&b, s + k, 8);
	return a == lower8(b);
}

/*
 * Is s (n bytes, any case) the lower-case lw (at least n bytes)?
 * strncasecmp() of the C locale (pushfix sets none) without its call, 8
 * or 4 bytes a step, the last step overlapping the one before (no loop
 * on the tail): the names found are most of its calls, and most are
 * 4 to 12 bytes long.
 */
static int eq_fold(const char *lw, const char *s, size_t n)
{
	if (n >= 8) {
		for (size_t k = 0; k + 8 < n; k += 8)
			if (!eq_fold8(lw, s, k))
				return 0;
		return eq_fold8(lw, s, n - 8);
	}
	if (n >= 4)
		return eq_fold4(lw, s, 0) && eq_fold4(lw, s, n - 4);
	for (size_t k = 0; k < n; k++)
		if (lw[k] != (char)lower((unsigned char)s[k]))
			return 0;
	return 1;
}

static struct wentry *wm_find(const struct pf_redact_priv *p, const char *s,
			      size_t n)
{
	uint64_t h;
	size_t x;

	if (!p->wm_nr)
		return NULL;
	h = hash_fold(s, n);
	for (x = (size_t)h & (p->wm_alloc - 1); p->wm[x].w;
	     x = (x + 1) & (p->wm_alloc - 1)) {
		const struct wentry *e = &p->wm[x];

		if (e->h == h && e->len == n && eq_fold(e->w, s, n))
			return &p->wm[x];
	}
	return NULL;
}

/* Mark the first byte pair of w in p->np (see pf_redact_names()); a
 * word of one byte, any pair it starts. */
static void np_mark(struct pf_redact_priv *p, const char *w)
{
	const unsigned char *u = (const unsigned char *)w;

	free(p->wpair); /* built again from the new np when needed */
	p->wpair = NULL;
	if (u[0] && u[1] && u[2] && u[3]) {
		unsigned q = np4_key(w);

		p->np4[q >> 3] |= (unsigned char)(1u << (q & 7));
		/* np4_key() folds with | 0x20: so do these, both ways */
		for (unsigned x = 0; x < 4; x++) {
			unsigned char a = (unsigned char)(x & 1 ? u[1] ^ 0x20
								: u[1]),
				      b = (unsigned char)(x & 2 ? u[2] ^ 0x20
								: u[2]),
				      c = (unsigned char)(x & 2 ? u[3] ^ 0x20
								: u[3]);

			pf_redact_fold_set(p->np2, a, b);
			pf_redact_fold_set(p->np3, b, c);
			pf_redact_fold_set(p->np3, b,
					   (unsigned char)(c ^ 0x20));
		}
	}
	for (unsigned b = 0; b < 256; b++) {
		unsigned k = name_pair(u[0], u[0] && u[1] ? u[1] : b);

		p->np[k >> 3] |= (unsigned char)(1u << (k & 7));
		if (!(u[0] && u[1] && u[2] && u[3]))
			p->nps[k >> 3] |= (unsigned char)(1u << (k & 7));
		p->np_first[u[0] | 0x20] = p->np_first[u[0] & ~0x20] = 1;
		p->np_first['_'] = 1;
		if (u[0] >= 0x80)
			p->np_high = 1;
		if (u[0] && u[1])
			break;
	}
}

static struct wentry *wm_get(struct pf_redact_priv *p, const char *w)
{
	size_t n = strlen(w), h;
	struct wentry *e = wm_find(p, w, n);

	if (e)
		return e;
	if (2 * (p->wm_nr + 1) > p->wm_alloc) {
		struct wentry *old = p->wm;
		size_t old_alloc = p->wm_alloc;

		p->wm_alloc = old_alloc ? old_alloc * 2 : 256;
		p->wm = pf_xcalloc(p->wm_alloc, sizeof(*p->wm));
		for (size_t i = 0; i < old_alloc; i++) {
			if (!old[i].w)
				continue;
			h = (size_t)old[i].h & (p->wm_alloc - 1);
			while (p->wm[h].w)
				h = (h + 1) & (p->wm_alloc - 1);
			p->wm[h] = old[i];
		}
		free(old);
	}
	h = (size_t)hash_fold(w, n) & (p->wm_alloc - 1);
	while (p->wm[h].w)
		h = (h + 1) & (p->wm_alloc - 1);
	e = &p->wm[h];
	e->w = pf_xstrdup(w);
	e->len = n;
	e->h = hash_fold(w, n);
	e->cat = PF_CAT__NR;
	e->single = 0;
	e->seq = (size_t)-1;
	p->wm_nr++;
	{
		size_t q = qf_index(w, n);

		p->qf[q / 8] |= (unsigned char)(1u << (q % 8));
	}
	np_mark(p, w);
	return e;
}

/* The stronger category wins when one word is listed twice. */
static void add_single(struct pf_redact_priv *p, enum pf_vault_cat cat,
		       const char *w)
{
	struct wentry *e = wm_get(p, w);

	if (!e->single || pf_redact_cat_prio[cat] > pf_redact_cat_prio[e->cat])
		e->cat = (unsigned char)cat;
	e->single = 1;
}

/* common_part[i]: is parts[i] shorter than 3 bytes or never_alone()? */
static void add_seq(struct pf_redact_priv *p, enum pf_vault_cat cat,
		    char **parts, const unsigned char *common_part, size_t nr,
		    const char *word)
{
	struct wentry *e;
	struct word_seq *q;
	size_t common = 0;

	PF_ALLOC_GROW(p->seq, p->seq_nr + 1, p->seq_alloc);
	q = &p->seq[p->seq_nr];
	q->parts = pf_xmalloc(nr * sizeof(char *));
	q->plen = pf_xmalloc(nr * sizeof(size_t));
	q->nr = nr;
	q->cat = (unsigned char)cat;
	q->exact = NULL;
	for (size_t i = 0; i < nr; i++)
		common += common_part[i];
	if (common == nr && cat != PF_CAT_WORD) {
		size_t l;

		while (*word == ' ' || *word == '\t')
			word++;
		l = strlen(word);
		while (l && (word[l - 1] == ' ' || word[l - 1] == '\t'))
			l--;
		q->exact = pf_xstrndup(word, l);
	}
	/* Only the first part is looked up (seq_match() compares the
	 * others in place): a later part in the word map ("0" of
	 * "Surname0", "void" of "IvanVoid") matched nothing of its own
	 * but made each of its occurrences a candidate for the search. */
	for (size_t i = 0; i < nr; i++) {
		q->parts[i] = pf_xstrdup(parts[i]);
		q->plen[i] = strlen(parts[i]);
	}
	e = wm_get(p, parts[0]);
	q->next = e->seq;
	e->seq = p->seq_nr++;
}

/*
 * Add w to a list of parts searched where their first byte occurs
 * (either case); 0 if it was there already.  The list is kept sorted by
 * first byte, in the order added among parts of one first byte (the
 * only ones that can match at one place, so the spans come as before),
 * and first[c] is 1 + the index of the first part starting with c (a
 * lower-case letter: with it or its upper case), 255 at most, 0 for
 * none: the search at a byte walks only the parts of that byte, not the
 * whole list (first_part()).
 */
static int part_add(struct long_part **v, size_t *nr, size_t *alloc,
		    unsigned char *first, enum pf_vault_cat cat, const char *w)
{
	unsigned char c = (unsigned char)w[0];
	size_t at = 0;

	for (size_t i = 0; i < *nr; i++)
		if (!strcmp((*v)[i].w, w))
			return 0;
	PF_ALLOC_GROW(*v, *nr + 1, *alloc);
	while (at < *nr && (unsigned char)(*v)[at].w[0] <= c)
		at++;
	memmove(*v + at + 1, *v + at, (*nr - at) * sizeof(**v));
	(*v)[at].w = pf_xstrdup(w);
	(*v)[at].len = strlen(w);
	(*v)[at].cat = (unsigned char)cat;
	(*nr)++;
	memset(first, 0, 256);
	for (size_t i = *nr; i-- > 0;) {
		unsigned char f = (unsigned char)(*v)[i].w[0];
		unsigned char x = (unsigned char)(i < 254 ? i + 1 : 255);

		first[f] = x;
		if (f >= 'a' && f <= 'z')
			first[f - 32] = x;
	}
	return 1;
}

/* Where the parts of v that may start with the byte c (lower-case,
 * first[] of part_add() nonzero for it) begin: at most 254 entries
 * before them, skipped by their first byte. */
static size_t first_part(const struct long_part *v, const unsigned char *first,
			 unsigned char c)
{
	size_t k = (size_t)first[c] - 1;

	while ((unsigned char)v[k].w[0] < c)
		k++;
	return k;
}

/* An organisation name matched at sub-word boundaries in any case and
 * any camelCase: "cjson" in cJSON, CJSON_PUBLIC, cJSONLite. */
static void add_joined(struct pf_redact_priv *p, enum pf_vault_cat cat,
		       const char *w)
{
	if (strlen(w) >= 3 && !never_alone(w)) {
		part_add(&p->bj, &p->bj_nr, &p->bj_alloc, p->bj_first, cat, w);
		np_mark(p, w);
	}
}

/* A long part found inside longer words ("northwind" in "mynorthwind"). */
static void add_long(struct pf_redact_priv *p, enum pf_vault_cat cat,
		     const char *w)
{
	size_t l = strlen(w);

	np_mark(p, w);
	if (part_add(&p->lp, &p->lp_nr, &p->lp_alloc, p->lp_first, cat, w) &&
	    (!p->lp_min || l < p->lp_min))
		p->lp_min = l;
}

void pf_redact_ctx_add_word(struct pf_redact_ctx *ctx, enum pf_vault_cat cat,
			    const char *word)
{
	struct pf_redact_priv *p = ctx->priv;
	char *parts[16];
	/* per part, what add_seq() and the parts alone ask: found once,
	 * two lookups in the word lists each */
	unsigned char common[16];
	size_t nr, total = 0;
	char *joined = NULL;

	(void)pf_redact_engine(); /* the character classes */
	if (cat != PF_CAT_PERSON && cat != PF_CAT_ORG && cat != PF_CAT_HOST)
		cat = PF_CAT_WORD;
	if (!word || !*word || seen_before(p, cat, word))
		return;
	nr = split_parts(word, parts, PF_ARRAY_SIZE(parts));
	for (size_t i = 0; i < nr; i++) {
		total += strlen(parts[i]);
		common[i] = strlen(parts[i]) < 3 || never_alone(parts[i]);
	}
	if (!nr || total < 2)
		goto out;
	if (nr > 1) {
		struct pf_buf j = PF_BUF_INIT;

		add_seq(p, cat, parts, common, nr, word);
		for (size_t i = 0; i < nr; i++)
			pf_buf_addstr(&j, parts[i]);
		joined = pf_buf_detach(&j, NULL);
	}
	switch (cat) {
	case PF_CAT_PERSON:
	case PF_CAT_ORG:
		/* The whole name joined ("routeplanner"), and each
		 * distinctive part alone ("northwind", not "sync", not
		 * "void" of "IvanVoid", not "use"). */
		if (joined && !never_alone(joined))
			add_single(p, cat, joined);
		for (size_t i = 0; i < nr; i++) {
			size_t l = strlen(parts[i]);

			if (common[i])
				continue;
			add_single(p, cat, parts[i]);
			if (cat == PF_CAT_ORG && l >= 7)
				add_long(p, cat, parts[i]);
			/* "cjson" of cjson.bundle in cJSON_Parse */
			if (cat == PF_CAT_ORG)
				add_joined(p, cat, parts[i]);
		}
		if (cat == PF_CAT_ORG && joined && strlen(joined) >= 7 &&
		    !never_alone(joined))
			add_long(p, cat, joined);
		if (cat == PF_CAT_ORG)
			add_joined(p, cat, joined ? joined : parts[0]);
		break;
	case PF_CAT_HOST:
		break; /* the sequence of its labels is enough */
	default:       /* WORD: the user chose it, stop word or not; found
			* inside longer words too ("nwl" in "nwlinvoices") */
		add_single(p, cat, joined ? joined : parts[0]);
		if (strlen(joined ? joined : parts[0]) >= 3)
			add_long(p, cat, joined ? joined : parts[0]);
		break;
	}
out:
	free(joined);
	for (size_t i = 0; i < nr; i++)
		free(parts[i]);
}

/* The next item of a comma separated list, blanks trimmed: its start
 * and *n its length; *s moves past it (NULL after the last). */
static const char *list_item(const char **s, size_t *n)
{
	const char *a = *s, *e = strchr(a, ',');

	*n = e ? (size_t)(e - a) : strlen(a);
	while (*n && (*a == ' ' || *a == '\t')) {
		a++;
		(*n)--;
	}
	while (*n && (a[*n - 1] == ' ' || a[*n - 1] == '\t'))
		(*n)--;
	*s = e ? e + 1 : NULL;
	return a;
}

void pf_redact_ctx_allow_hosts(struct pf_redact_ctx *ctx, const char *list)
{
	struct pf_redact_priv *p = ctx->priv;
	const char *s = list;

	while (s && *s) {
		size_t n;
		const char *a = list_item(&s, &n);
		char *h;

		if (n >= 2 && a[0] == '*' && a[1] == '.') {
			a++;
			n--;
		}
		if (n) {
			h = pf_xstrndup(a, n);
			for (char *c = h; *c; c++)
				*c = (char)lower((unsigned char)*c);
			PF_ALLOC_GROW(p->allow, p->allow_nr + 1,
				      p->allow_alloc);
			p->allow[p->allow_nr++] = h;
		}
	}
}

int pf_redact_ctx_configure(struct pf_redact_ctx *ctx,
			    const struct pf_config *cfg)
{
	const char *s = cfg->privacy.redact_words;

	ctx->paths = cfg->privacy.redact_paths;
	while (s && *s) {
		size_t n;
		const char *a = list_item(&s, &n);
		char *w;

		if (n) {
			w = pf_xstrndup(a, n);
			pf_redact_ctx_add_word(ctx, PF_CAT_WORD, w);
			free(w);
		}
	}
	pf_redact_ctx_allow_hosts(ctx, cfg->privacy.allow_hosts);
	return 0;
}

/* Public forges: their host names identify nobody. */
static const char *const public_forges[] = {
	"github.com",
	"gitlab.com",
	"bitbucket.org",
	"codeberg.org",
	"dev.azure.com",
	"ssh.dev.azure.com",
	"vs-ssh.visualstudio.com",
	"git.sr.ht",
	"sr.ht",
	"gitee.com",
};

static int host_is_public_forge(const char *h, size_t n)
{
	for (size_t i = 0; i < PF_ARRAY_SIZE(public_forges); i++)
		if (strlen(public_forges[i]) == n &&
		    !strncasecmp(public_forges[i], h, n))
			return 1;
	return 0;
}

void pf_redact_ctx_add_remote_url(struct pf_redact_ctx *ctx, const char *url)
{
	const char *host = NULL, *path, *s;
	size_t host_len = 0;
	int local = 0;
	char *comp[64];
	size_t nr = 0, first = 0;

	if (!url || !*url)
		return;
	s = strstr(url, "://");
	if (s) {
		const char *auth = s + 3, *end = auth + strcspn(auth, "/");
		const char *at = NULL;

		for (const char *c = auth; c < end; c++)
			if (*c == '@')
				at = c;
		host = at ? at + 1 : auth;
		host_len = (size_t)(end - host);
		for (size_t i = 0; i < host_len; i++)
			if (host[i] == ':') {
				host_len = i;
				break;
			}
		path = end;
		if (!strncmp(url, "file://", 7)) {
			local = 1;
			host_len = 0;
		}
	} else {
		const char *colon = strchr(url, ':');
		const char *slash = strchr(url, '/');

		if (colon && (!slash || colon < slash) && colon != url &&
		    !(colon == url + 1 && slash == colon + 1)) {
			/* scp-like [user@]host:path */
			const char *at =
				memchr(url, '@', (size_t)(colon - url));

			host = at ? at + 1 : url;
			host_len = (size_t)(colon - host);
			path = colon + 1;
		} else {
			local = 1;
			path = url;
		}
	}
	/* Components of the path, without a trailing ".git". */
	for (const char *c = path; *c && nr < PF_ARRAY_SIZE(comp);) {
		size_t n;

		while (*c == '/' || *c == '\\')
			c++;
		n = strcspn(c, "/\\");
		if (!n)
			break;
		if (n > 4 && !strncmp(c + n - 4, ".git", 4))
			comp[nr] = pf_xstrndup(c, n - 4);
		else
			comp[nr] = pf_xstrndup(c, n);
		nr++;
		c += n;
	}
	/* A local path: only the last two names are like owner/repo. */
	if (local && nr > 2)
		first = nr - 2;
	for (size_t i = first; i < nr; i++)
		if (strcmp(comp[i], "~") && strcmp(comp[i], "."))
			pf_redact_ctx_add_word(ctx, PF_CAT_ORG, comp[i]);
	for (size_t i = 0; i < nr; i++)
		free(comp[i]);
	if (host && host_len && !host_is_public_forge(host, host_len)) {
		char *h = pf_xstrndup(host, host_len);
		char *labels[16];
		size_t ln;

		pf_redact_ctx_add_word(ctx, PF_CAT_HOST, h);
		/* gitlab.northwind.io: "northwind" is the organisation. */
		ln = split_parts(h, labels, PF_ARRAY_SIZE(labels));
		for (size_t i = 0; i + 1 < ln; i++)
			if (strlen(labels[i]) >= 3 && !is_stop_word(labels[i]))
				pf_redact_ctx_add_word(ctx, PF_CAT_ORG,
						       labels[i]);
		for (size_t i = 0; i < ln; i++)
			free(labels[i]);
		free(h);
	}
}

static int is_subword_char(char c)
{
	return IS(c, C_ALNUM) || ((unsigned char)c & 0x80);
}

/* End of the sub-word starting at i (see the comment at struct wentry). */
static size_t subword_end(const char *t, size_t n, size_t i)
{
	unsigned prev = pf_redact_sub_cls[(unsigned char)t[i]];
	size_t e = i + 1;

	/* A lower-case letter after a letter never starts a sub-word: the
	 * usual run costs one lookup a byte. */
	if (!(prev & S_DIGIT) && e < n &&
	    pf_redact_sub_cls[(unsigned char)t[e]] == (S_SUB | S_LOWER)) {
		while (++e < n && pf_redact_sub_cls[(unsigned char)t[e]] ==
					  (S_SUB | S_LOWER))
			;
		prev = S_SUB | S_LOWER;
	}
	while (e < n) {
		unsigned c = pf_redact_sub_cls[(unsigned char)t[e]];

		if (!(c & S_SUB) || ((c & S_UPPER) && (prev & S_LOWER)) ||
		    ((c ^ prev) & S_DIGIT))
			break;
		/* ABc: a new sub-word at B */
		if ((c & S_UPPER) && (prev & S_UPPER) && e + 1 < n &&
		    (pf_redact_sub_cls[(unsigned char)t[e + 1]] & S_LOWER))
			break;
		prev = c;
		e++;
	}
	return e;
}

/* Does a sub-word start at k (0 < k <= n; see subword_end)? */
static int at_boundary(const char *t, size_t n, size_t k)
{
	unsigned c, prev;

	if (k >= n)
		return 1;
	c = pf_redact_sub_cls[(unsigned char)t[k]];
	prev = pf_redact_sub_cls[(unsigned char)t[k - 1]];
	if (!(c & S_SUB) || !(prev & S_SUB))
		return 1;
	return ((c & S_UPPER) && (prev & S_LOWER)) || ((c ^ prev) & S_DIGIT) ||
	       ((c & S_UPPER) && (prev & S_UPPER) && k + 1 < n &&
		(pf_redact_sub_cls[(unsigned char)t[k + 1]] & S_LOWER));
}

/* Is [i, e) the name as written (an all-common-word name, see struct
 * word_seq)? */
static int exact_match(const char *exact, const char *t, size_t i, size_t e)
{
	return strlen(exact) == e - i && !memcmp(exact, t + i, e - i);
}

/* The organisation names of p->bj starting at the sub-word i and ending
 * where a sub-word ends, other than the sub-word [i, e) itself. */
static void joined_at(struct scan *sc, size_t i, size_t e)
{
	const struct pf_redact_priv *p = sc->p;
	const char *t = sc->t;

	unsigned char c = (unsigned char)lower((unsigned char)t[i]);

	for (size_t k = first_part(p->bj, p->bj_first, c);
	     k < p->bj_nr && (unsigned char)p->bj[k].w[0] == c; k++) {
		const char *w = p->bj[k].w;
		size_t l = p->bj[k].len;

		/* the second byte first (the loop matched the first):
		 * "return" is not "routeplanner" */
		if (l == e - i || i + l > sc->n ||
		    lower((unsigned char)t[i + 1]) != (unsigned char)w[1] ||
		    !eq_fold(w, t + i, l) || !at_boundary(t, sc->n, i + l))
			continue;
		add_span(sc->sp, i, i + l, p->bj[k].cat);
	}
}

/* Does the sequence q match the sub-words from [i, e)?  Its end or 0. */
static size_t seq_match(const struct word_seq *q, const char *t, size_t n,
			size_t e)
{
	for (size_t k = 1; k < q->nr; k++) {
		size_t l = q->plen[k], c = e;

		if (c < n && (t[c] == ' ' || t[c] == '-' || t[c] == '_' ||
			      t[c] == '.' || t[c] == '/'))
			c++;
		if (c >= n || !is_subword_char(t[c]))
			return 0;
		e = subword_end(t, n, c);
		if (e - c != l || !eq_fold(q->parts[k], t + c, l))
			return 0;
	}
	return e;
}

/* The names of the context at the sub-word [i, e). */
static void names_at(struct scan *sc, size_t i, size_t e)
{
	const struct pf_redact_priv *p = sc->p;
	const char *t = sc->t;
	const struct wentry *w;
	size_t q, n = sc->n;

	if (p->bj_first[(unsigned char)t[i]])
		joined_at(sc, i, e);
	/* "northwind" inside "mynorthwindapi" */
	if (p->lp_nr && e - i > p->lp_min) {
		for (size_t x = i; x + p->lp_min <= e; x++) {
			unsigned char c;

			if (!p->lp_first[(unsigned char)t[x]])
				continue;
			c = (unsigned char)lower((unsigned char)t[x]);
			for (size_t k = first_part(p->lp, p->lp_first, c);
			     k < p->lp_nr && (unsigned char)p->lp[k].w[0] == c;
			     k++) {
				const char *lw = p->lp[k].w;
				size_t l = p->lp[k].len;

				if (l >= e - i || x + l > e ||
				    lower((unsigned char)t[x + 1]) !=
					    (unsigned char)lw[1] ||
				    !eq_fold(lw, t + x, l))
					continue;
				add_span(sc->sp, x, x + l, p->lp[k].cat);
				x += l - 1;
				break;
			}
		}
	}
	q = qf_index(t + i, e - i);
	if (!(p->qf[q / 8] & (1u << (q % 8))) ||
	    !(w = wm_find(p, t + i, e - i)))
		return;
	if (w->single)
		add_span(sc->sp, i, e, w->cat);
	for (size_t s = w->seq; s != (size_t)-1; s = p->seq[s].next) {
		size_t end = seq_match(&p->seq[s], t, n, e);

		if (end && (!p->seq[s].exact ||
			    exact_match(p->seq[s].exact, t, i, end)))
			add_span(sc->sp, i, end, p->seq[s].cat);
	}
}

/* The sub-word around x (its boundaries depend only on the bytes around
 * them, at_boundary()): search it for names; its end. */
static size_t names_around(struct scan *sc, size_t x)
{
	size_t i = x, e;

	while (i > 0 && !at_boundary(sc->t, sc->n, i))
		i--;
	e = subword_end(sc->t, sc->n, i);
	names_at(sc, i, e);
	return e;
}

/*
 * Every name of the context in sc->t: PERSON, ORG, HOST, WORD spans.
 * Every name, joined or long part starts with a byte pair of p->np (in
 * either case), which most sub-words of code never hold: look only at
 * the sub-words where such a pair occurs, the same sub-words the left-to-
 * right split gives.  When no name starts with a byte >= 0x80, every
 * such pair starts at a byte of a word, and the scanner's word loop has
 * listed them (sc->nc); else one lookup a byte here.
 */
void pf_redact_names(struct scan *sc)
{
	const struct pf_redact_priv *p = sc->p;
	const unsigned char *t = (const unsigned char *)sc->t;
	size_t x = 0, n = sc->n;

	if (!p || (!p->wm_nr && !p->bj_nr) || !n)
		return;
	if (sc->nc_on) {
		for (size_t c = 0; c < sc->nc_nr; c++)
			if (sc->nc[c] >= x)
				x = names_around(sc, sc->nc[c]);
		return;
	}
	for (;;) {
		/* the tight part: one lookup a byte, the pair's second byte
		 * carried to the next test */
		unsigned a = t[x] | 0x20u, k;

		while (x + 1 < n) {
			unsigned b = t[x + 1] | 0x20u;

			k = a << 8 | b;
			if (p->np[k >> 3] & (1u << (k & 7)))
				break;
			a = b;
			x++;
		}
		if (x + 1 >= n) {
			/* the last byte: a name of one byte */
			k = name_pair(t[x], 0);
			if (!(p->np[k >> 3] & (1u << (k & 7))))
				return;
		}
		if (pf_redact_sub_cls[t[x]] & S_SUB)
			x = names_around(sc, x);
		else
			x++;
		if (x >= n)
			return;
	}
}
