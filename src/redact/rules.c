/*
 * Token rules of the redactor: secret formats modelled on gitleaks'
 * default rules, PEM private key bodies and curl's -u user:password; and
 * pf_redact_engine(), which builds their tables (and the character
 * classes) once per process.  A rule's pattern is compiled when first
 * tried: most texts a hook redacts start none of them, and compiling all
 * 40 (JIT) cost 3.1M instructions, a third of a small redaction's
 * process.
 *
 * Speed: the PCRE2 rules (JIT-compiled, anchored) run only where a rule's
 * literal prefix starts a word, so 40 rules cost about one table lookup
 * per word, not 40 scans (rules_at() in redact_int.h, inline in the
 * scanner's loop).
 */
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "redact_int.h"

#define NB "(?![A-Za-z0-9_])" /* no word character follows */
const struct rule pf_redact_rules[] = {
	{ "aws-access-key-id", "AKIA", 0, "AKIA[A-Z0-9]{16}" NB, 20 },
	{ "aws-access-key-id", "ASIA", 0, "ASIA[A-Z0-9]{16}" NB, 20 },
	{ "aws-access-key-id", "ABIA", 0, "ABIA[A-Z0-9]{16}" NB, 20 },
	{ "aws-access-key-id", "ACCA", 0, "ACCA[A-Z0-9]{16}" NB, 20 },
	{ "aws-access-key-id", "A3T", 0, "A3T[A-Z0-9][A-Z0-9]{16}" NB, 20 },
	{ "github-token", "ghp_", 0, "ghp_[A-Za-z0-9]{30,255}" NB, 34 },
	{ "github-token", "gho_", 0, "gho_[A-Za-z0-9]{30,255}" NB, 34 },
	{ "github-token", "ghu_", 0, "ghu_[A-Za-z0-9]{30,255}" NB, 34 },
	{ "github-token", "ghs_", 0, "ghs_[A-Za-z0-9]{30,255}" NB, 34 },
	{ "github-token", "ghr_", 0, "ghr_[A-Za-z0-9]{30,255}" NB, 34 },
	{ "github-fine-grained-pat", "github_pat_", 0,
	  "github_pat_[A-Za-z0-9_]{22,255}", 0 },
	{ "gitlab-token", "gl", 0,
	  "gl(?:pat|dt|rt|ptt|cbt|ft|imt|soat|oas|agent)-[A-Za-z0-9_-]{20,300}"
	  "(?:\\.[0-9a-z]{9})?",
	  0 },
	{ "gitlab-runner-registration", "GR1348941", 0,
	  "GR1348941[A-Za-z0-9_-]{20,}", 0 },
	{ "slack-token", "xox", 0, "xox[abposer]-[0-9A-Za-z-]{10,250}", 0 },
	{ "slack-app-token", "xapp-", 1, "xapp-\\d-[A-Z0-9]+-\\d+-[a-z0-9]+",
	  0 },
	{ "slack-webhook", "hooks.slack.com/", 1,
	  "hooks\\.slack\\.com/(?:services|workflows|triggers)/"
	  "[A-Za-z0-9+/_-]{10,}",
	  0 },
	{ "stripe-key", "sk_", 0,
	  "sk_(?:test|live|prod)_[A-Za-z0-9]{10,247}" NB, 0 },
	{ "stripe-key", "rk_", 0,
	  "rk_(?:test|live|prod)_[A-Za-z0-9]{10,247}" NB, 0 },
	{ "stripe-key", "pk_", 0,
	  "pk_(?:test|live|prod)_[A-Za-z0-9]{10,247}" NB, 0 },
	{ "stripe-webhook-secret", "whsec_", 0, "whsec_[A-Za-z0-9+/=]{20,}",
	  0 },
	{ "gcp-api-key", "AIza", 0, "AIza[A-Za-z0-9_-]{30,40}", 0 },
	{ "gcp-oauth-token", "ya29.", 0, "ya29\\.[A-Za-z0-9_-]{20,}", 0 },
	{ "gcp-client-secret", "GOCSPX-", 0, "GOCSPX-[A-Za-z0-9_-]{20,}", 0 },
	/* OpenAI sk-, sk-proj-, sk-svcacct-; Anthropic sk-ant-api03-..AA */
	{ "openai-anthropic-key", "sk-", 0, "sk-[A-Za-z0-9_-]{20,300}", 0 },
	{ "npm-token", "npm_", 0, "npm_[A-Za-z0-9]{36}" NB, 40 },
	{ "pypi-token", "pypi-", 0, "pypi-AgEIcHlwaS5vcmc[A-Za-z0-9_-]{40,}",
	  0 },
	{ "huggingface-token", "hf_", 0, "hf_[A-Za-z]{30,40}" NB, 33 },
	{ "huggingface-org-token", "api_org_", 0, "api_org_[A-Za-z]{30,40}" NB,
	  0 },
	{ "sendgrid-key", "SG.", 0,
	  "SG\\.[A-Za-z0-9_-]{16,32}\\.[A-Za-z0-9_-]{16,64}", 0 },
	{ "twilio-sid-key", "AC", 0, "AC[0-9a-fA-F]{32}" NB, 34 },
	{ "twilio-sid-key", "SK", 0, "SK[0-9a-fA-F]{32}" NB, 34 },
	{ "mailgun-key", "key-", 0, "key-[0-9a-zA-Z]{32}" NB, 0 },
	{ "shopify-token", "shp", 0, "shp(?:at|ca|pa|ss)_[a-fA-F0-9]{32}" NB,
	  0 },
	{ "digitalocean-token", "do", 0, "do[opr]_v1_[a-f0-9]{64}" NB, 71 },
	{ "databricks-token", "dapi", 0, "dapi[a-f0-9]{32}(?:-\\d)?" NB, 0 },
	{ "square-token", "sq0", 0, "sq0(?:atp|csp)-[A-Za-z0-9_-]{22,60}", 0 },
	{ "square-token", "EAAA", 0, "EAAA[A-Za-z0-9_-]{60}" NB, 0 },
	{ "atlassian-token", "ATATT3", 0, "ATATT3[A-Za-z0-9_=-]{100,}", 0 },
	{ "doppler-token", "dp.pt.", 0, "dp\\.pt\\.[A-Za-z0-9]{40,}", 0 },
	{ "vault-token", "hv", 0, "hv[sb]\\.[A-Za-z0-9_-]{24,}", 0 },
	{ "grafana-token", "glsa_", 0, "glsa_[A-Za-z0-9]{32}_[A-Fa-f0-9]{8}",
	  0 },
	{ "grafana-token", "glc_", 0, "glc_[A-Za-z0-9+/]{32,}={0,2}", 0 },
	{ "postman-key", "PMAK-", 0, "PMAK-[a-fA-F0-9]{24}-[a-fA-F0-9]{34}",
	  0 },
	{ "linear-key", "lin_api_", 0, "lin_api_[A-Za-z0-9]{40}", 0 },
	{ "newrelic-key", "NRAK-", 0, "NRAK-[A-Z0-9]{27}", 0 },
	{ "age-secret-key", "AGE-SECRET-KEY-1", 0,
	  "AGE-SECRET-KEY-1[0-9A-Z]{58}", 0 },
	{ "jwt", "ey", 0,
	  "ey[A-Za-z0-9_-]{12,}\\.ey[A-Za-z0-9_/\\\\-]{12,}\\."
	  "(?:[A-Za-z0-9_/\\\\-]{10,}={0,2})?",
	  0 },
	{ "azure-storage-key", "AccountKey=", 1,
	  "AccountKey=\\K[A-Za-z0-9+/=]{20,}", 0 },
	{ "azure-sas", "SharedAccess", 1,
	  "SharedAccess(?:Key|Signature)=\\K[A-Za-z0-9%+/=_-]{20,}", 0 },
	{ "azure-sas", "sig=", 0, "sig=\\K[A-Za-z0-9%+/=]{20,}", 0 },
	{ "auth-header", "bearer", 1,
	  "bearer[ \\t]+\\K(?=[A-Za-z0-9._~+/=-]{16}|[A-Za-z._~+/=-]*[0-9])"
	  "[A-Za-z0-9._~+/=-]{8,}",
	  0 },
	{ "auth-header", "basic", 1,
	  "basic[ \\t]+\\K(?=[A-Za-z0-9+/=]{16}|[A-Za-z+/=]*[0-9])"
	  "[A-Za-z0-9+/]{8,}={0,2}",
	  0 },
	{ "telegram-bot-token", "", 0, "[0-9]{5,16}:A[A-Za-z0-9_-]{34}" NB, 5 },
	{ "discord-token", "M", 0,
	  "M[A-Za-z0-9]{23}\\.[A-Za-z0-9_-]{6}\\.[A-Za-z0-9_-]{27,}", 24 },
	{ "discord-token", "N", 0,
	  "N[A-Za-z0-9]{23}\\.[A-Za-z0-9_-]{6}\\.[A-Za-z0-9_-]{27,}", 24 },
};
#define NRULES PF_ARRAY_SIZE(pf_redact_rules)
_Static_assert(K_RULE + NRULES <= 256, "a span's kind is one byte");

const char *pf_redact_kind_name(unsigned kind)
{
	static const char *const names[K_RULE] = {
		[K_PEM] = "private-key",	[K_URL] = "url-credentials",
		[K_CURL] = "curl-credentials",	[K_ASSIGN] = "assignment",
		[K_ENCODED] = "encoded-secret", [K_ENTROPY] = "high-entropy",
	};

	if (kind >= K_RULE && kind - K_RULE < NRULES)
		return pf_redact_rules[kind - K_RULE].id;
	return kind < K_RULE && names[kind] ? names[kind] : "secret";
}

/* compiled when first needed (lazy()): NULL until then */
static _Atomic(pcre2_code *) rule_code[NRULES];
size_t pf_redact_rule_plen[NRULES];
uint32_t pf_redact_rule_or[NRULES], pf_redact_rule_and[NRULES],
	pf_redact_rule_val[NRULES];
static _Atomic(pcre2_code *) pem_code, curl_code;
#define PEM_RE "-----BEGIN[ A-Z0-9_-]{0,100}PRIVATE KEY(?: BLOCK)?-----"
#define CURL_RE "(?:-u|--user)(?:[ \\t]+|=)['\"]?\\K[^\\s'\":$]+:[^\\s'\"]+"
/* rules whose prefix starts with byte c (both cases when caseless) */
unsigned char pf_redact_by_first[256][8];
unsigned char pf_redact_by_first_nr[256];
unsigned char pf_redact_rule_pair[65536 / 8];
static pthread_once_t engine_once = PTHREAD_ONCE_INIT;

/* The pattern re compiled (JIT where it can), or NULL with *err set
 * (PCRE2's error number). */
static pcre2_code *compile(const char *re, uint32_t opts, int *err)
{
	PCRE2_SIZE off;
	pcre2_code *c = pcre2_compile((PCRE2_SPTR)re, PCRE2_ZERO_TERMINATED,
				      opts, err, &off, NULL);

	if (!c)
		return NULL;
	/* JIT may be unavailable (some arches, SELinux): the interpreter
	 * still gives the same answers, only slower. */
	pcre2_jit_compile(c, PCRE2_JIT_COMPLETE);
	return c;
}

/* *slot, compiled from re the first time; NULL with *err set when it
 * cannot be.  Scans of several threads may meet here: the first to store
 * its code wins, the others free theirs. */
static pcre2_code *lazy(_Atomic(pcre2_code *) *slot, const char *re,
			uint32_t opts, int *err)
{
	pcre2_code *c = atomic_load_explicit(slot, memory_order_acquire);
	pcre2_code *none = NULL;

	if (c)
		return c;
	c = compile(re, opts, err);
	if (c && !atomic_compare_exchange_strong_explicit(
			 slot, &none, c, memory_order_acq_rel,
			 memory_order_acquire)) {
		pcre2_code_free(c);
		c = none;
	}
	return c;
}

/* Rule r's code (compiled now if not yet), or NULL with *err set. */
static pcre2_code *rule(size_t r, int *err)
{
	const struct rule *ru = &pf_redact_rules[r];

	return lazy(&rule_code[r], ru->re,
		    PCRE2_ANCHORED | (ru->caseless ? PCRE2_CASELESS : 0), err);
}

const char *pf_redact_rules_compile(void)
{
	static char msg[200];
	int err = 0;

	for (size_t r = 0; r < NRULES; r++)
		if (!rule(r, &err))
			goto fail;
	if (!lazy(&pem_code, PEM_RE, PCRE2_ANCHORED | PCRE2_CASELESS, &err) ||
	    !lazy(&curl_code, CURL_RE, PCRE2_ANCHORED, &err))
		goto fail;
	return NULL;
fail:
	pcre2_get_error_message(err, (PCRE2_UCHAR *)msg, sizeof(msg));
	return msg;
}

/*
 * Most rules are a literal, maybe one group of literal alternatives, a
 * run of one character class ({m,n}) and maybe NB: for those a match is
 * decided here without PCRE2 (whose call cost ~800 instructions a
 * match, most of a dense text's rule time).  parse_simple() reads the
 * pattern once at the engine's start; a pattern of any other form (\K,
 * \d, a second class, an optional part) stays with PCRE2.  The answer
 * is PCRE2's: the group's alternatives are tried in order, and the run,
 * last, is greedy and gives back one byte at a time while NB fails
 * (test_rule_simple compares both on random texts).
 */
#define SIMPLE_MAX 16 /* pieces */
struct piece {
	const char *s[6]; /* literal alternatives (one: a plain literal) */
	unsigned char len[6], nr;
};
struct simple {
	struct piece p[SIMPLE_MAX];
	unsigned nr;		/* pieces before the run; 0: not simple */
	unsigned char cls[256]; /* the run's class: a byte each, one load */
	size_t min, max;
	int nb, caseless;
	char lit[128]; /* the literals, unescaped */
};
static struct simple simple[NRULES];

/* a metacharacter that ends a literal */
static int meta(char c)
{
	return c && strchr("\\^$.|?*+()[]{}", c) != NULL;
}

/* Reads rule r's pattern; leaves simple[r].nr 0 when it has another
 * form. */
static void parse_simple(size_t r)
{
	const struct rule *ru = &pf_redact_rules[r];
	struct simple *sp = &simple[r];
	const char *re = ru->re;
	size_t o = 0;
	unsigned nr = 0;
	char *end;

	while (*re && *re != '[') {
		struct piece *pc = &sp->p[nr];
		int group = !strncmp(re, "(?:", 3);

		if (nr == SIMPLE_MAX)
			return;
		if (group)
			re += 3;
		pc->nr = 0;
		for (;;) {
			size_t st = o;

			if (pc->nr == PF_ARRAY_SIZE(pc->s))
				return;
			while (*re && (!meta(*re) ||
				       (re[0] == '\\' && re[1] == '.'))) {
				if (*re == '\\')
					re++;
				if (o + 2 > sizeof(sp->lit))
					return;
				sp->lit[o++] = *re++;
			}
			if (o == st)
				return;
			pc->s[pc->nr] = sp->lit + st;
			pc->len[pc->nr++] = (unsigned char)(o - st);
			sp->lit[o++] = '\0';
			if (!group || *re == ')')
				break;
			if (*re++ != '|')
				return;
		}
		if (group && *re++ != ')')
			return;
		nr++;
	}
	if (*re++ != '[' || *re == '^')
		return;
	memset(sp->cls, 0, sizeof(sp->cls));
	while (*re && *re != ']') {
		unsigned char a = (unsigned char)*re, b = a;

		if (a == '\\' || a == '[')
			return;
		if (re[1] == '-' && re[2] && re[2] != ']') {
			b = (unsigned char)re[2];
			re += 3;
		} else {
			re++;
		}
		for (unsigned c = a; c <= b; c++) {
			sp->cls[c] = 1;
			/* PCRE2's tables without a locale fold ASCII only */
			if (ru->caseless &&
			    ((c | 0x20) >= 'a' && (c | 0x20) <= 'z'))
				sp->cls[c ^ 0x20] = 1;
		}
	}
	if (*re++ != ']' || *re++ != '{')
		return;
	sp->min = strtoul(re, &end, 10);
	if (end == re)
		return;
	re = end;
	sp->max = sp->min;
	if (*re == ',') {
		re++;
		sp->max = (size_t)-1;
		if (*re != '}') {
			sp->max = strtoul(re, &end, 10);
			if (end == re)
				return;
			re = end;
		}
	}
	if (*re++ != '}')
		return;
	sp->nb = !strcmp(re, NB);
	if (*re && !sp->nb)
		return;
	sp->caseless = ru->caseless;
	sp->nr = nr;
}

/*
 * Does the literal s (l bytes) stand at t[i]?  A byte loop, not a call
 * of memcmp() or strncasecmp() (the C locale's: ASCII folded, as
 * lower()): the literals are a few bytes and most differ at the first,
 * where a call cost more than the compare.
 */
static int lit_at(const struct simple *sp, const char *t, size_t n, size_t i,
		  const char *s, size_t l)
{
	if (n - i < l)
		return 0;
	for (size_t k = 0; k < l; k++) {
		unsigned char a = (unsigned char)t[i + k],
			      b = (unsigned char)s[k];

		if (a != b && (!sp->caseless || lower(a) != lower(b)))
			return 0;
	}
	return 1;
}

/* The end of simple rule sp's match of pieces k.. and the run at t[i],
 * or (size_t)-1. */
static size_t simple_at(const struct simple *sp, unsigned k, const char *t,
			size_t n, size_t i)
{
	size_t r = 0, lim;
	const unsigned char *u;

	if (k < sp->nr) {
		const struct piece *pc = &sp->p[k];

		for (unsigned a = 0; a < pc->nr; a++) {
			size_t e;

			if (!lit_at(sp, t, n, i, pc->s[a], pc->len[a]))
				continue;
			e = simple_at(sp, k + 1, t, n, i + pc->len[a]);
			if (e != (size_t)-1)
				return e;
		}
		return (size_t)-1;
	}
	/* the longest run, at most max: NB looks at the byte after it */
	lim = sp->max < n - i ? sp->max : n - i;
	u = (const unsigned char *)t + i;
	/* four bytes a test (the class is 0 or 1 a byte): the runs are
	 * tokens of 20 to 50 bytes, and a byte a step cost most of a
	 * simple rule's time */
	while (lim - r >= 4 && (sp->cls[u[r]] & sp->cls[u[r + 1]] &
				sp->cls[u[r + 2]] & sp->cls[u[r + 3]]))
		r += 4;
	while (r < lim && sp->cls[u[r]])
		r++;
	if (r < sp->min)
		return (size_t)-1;
	if (!sp->nb)
		return i + r;
	for (;;) {
		if (i + r >= n || !IS(t[i + r], C_WORD))
			return i + r;
		if (r == sp->min)
			return (size_t)-1;
		r--;
	}
}

int pf_redact_rule_simple(size_t r, const char *t, size_t n, size_t i,
			  size_t *end)
{
	if (!simple[r].nr)
		return -1;
	*end = simple_at(&simple[r], 0, t, n, i);
	return *end != (size_t)-1;
}

static void add_first(int c, size_t r)
{
	unsigned char *nr = &pf_redact_by_first_nr[c];
	const char *pre = pf_redact_rules[r].prefix;

	if (*nr < sizeof(pf_redact_by_first[c]))
		pf_redact_by_first[c][(*nr)++] = (unsigned char)r;
	/* the pairs a match may start with (either case): all after c when
	 * the prefix is shorter than two bytes */
	for (unsigned b = 0; b < 256; b++) {
		unsigned k = name_pair((unsigned char)c,
				       pf_redact_rule_plen[r] >= 2
					       ? (unsigned char)pre[1]
					       : (unsigned char)b);

		pf_redact_rule_pair[k >> 3] |= (unsigned char)(1u << (k & 7));
		if (pf_redact_rule_plen[r] >= 2)
			break;
	}
}

/* The first 4 bytes of rule r's prefix as a masked word, so that
 * rules_at() compares them in one go: letters of a caseless prefix are
 * folded (| 0x20), bytes past the prefix are masked out. */
static void prefix_word(size_t r)
{
	const struct rule *ru = &pf_redact_rules[r];
	unsigned char o[4] = { 0 }, a[4] = { 0 }, v[4] = { 0 };

	for (size_t k = 0; k < 4 && k < pf_redact_rule_plen[r]; k++) {
		int c = (unsigned char)ru->prefix[k];
		int letter = (c | 0x20) >= 'a' && (c | 0x20) <= 'z';

		a[k] = 0xff;
		if (ru->caseless && letter) {
			o[k] = 0x20;
			c |= 0x20;
		}
		v[k] = (unsigned char)c;
	}
	memcpy(&pf_redact_rule_or[r], o, 4);
	memcpy(&pf_redact_rule_and[r], a, 4);
	memcpy(&pf_redact_rule_val[r], v, 4);
}

static void init_engine(void)
{
	pf_redact_classes_init();
	for (size_t r = 0; r < NRULES; r++) {
		const struct rule *ru = &pf_redact_rules[r];
		unsigned char c0 = (unsigned char)ru->prefix[0];

		pf_redact_rule_plen[r] = strlen(ru->prefix);
		parse_simple(r);
		prefix_word(r);
		if (!c0) { /* digits */
			for (int d = '0'; d <= '9'; d++)
				add_first(d, r);
		} else if (ru->caseless) {
			add_first(lower(c0), r);
			add_first(c0 >= 'a' && c0 <= 'z' ? c0 - 32 : c0, r);
		} else {
			add_first(c0, r);
		}
	}
	pf_redact_wstart_fill();
	pf_redact_addresses_init();
}

const char *pf_redact_engine(void)
{
	pthread_once(&engine_once, init_engine);
	return NULL; /* the patterns: when first tried (lazy()) */
}

/* Run the anchored rule r at i; add the secret (after \K) if it matches. */
int pf_redact_try_rule(struct scan *sc, size_t r, size_t i)
{
	int rc;
	PCRE2_SIZE *ov;
	pcre2_code *c;
	size_t end;

	rc = pf_redact_rule_simple(r, sc->t, sc->n, i, &end);
	if (rc >= 0) {
		if (rc)
			add_secret(sc->sp, i, end, K_RULE + r);
		return rc;
	}
	c = rule(r, &rc);

	if (!c) {
		sc->err = rc;
		return 0;
	}
	rc = pcre2_match(c, (PCRE2_SPTR)sc->t, sc->n, i, 0, sc->md, NULL);
	if (rc < 0) {
		if (rc != PCRE2_ERROR_NOMATCH)
			sc->err = rc;
		return 0;
	}
	ov = pcre2_get_ovector_pointer(sc->md);
	add_secret(sc->sp, ov[0], ov[1], K_RULE + r);
	return 1;
}

static void pem(struct scan *sc, size_t i)
{
	const char *t = sc->t;
	int rc;
	size_t body, end, limit;
	const char *endm;
	pcre2_code *c =
		lazy(&pem_code, PEM_RE, PCRE2_ANCHORED | PCRE2_CASELESS, &rc);

	if (!c) {
		sc->err = rc;
		return;
	}
	rc = pcre2_match(c, (PCRE2_SPTR)t, sc->n, i, 0, sc->md, NULL);
	if (rc < 0) {
		if (rc != PCRE2_ERROR_NOMATCH)
			sc->err = rc;
		return;
	}
	body = pcre2_get_ovector_pointer(sc->md)[1];
	limit = sc->n - body > 65536 ? body + 65536 : sc->n;
	endm = memmem(t + body, limit - body, "-----END", 8);
	if (endm) {
		end = (size_t)(endm - t);
	} else {
		/* No END in reach (cut text): the body is the following lines
		 * that look like base64 (quotes, \n, + around allowed). */
		size_t p = body;

		end = body;
		while (p < limit) {
			size_t le = p, b64 = 0, other = 0;

			while (le < limit && t[le] != '\n')
				le++;
			size_t run = 0, best = 0;
			int pad = 0;

			for (size_t k = p; k < le; k++) {
				if (IS(t[k], C_B64)) {
					b64++;
					if (++run > best)
						best = run;
					pad |= t[k] == '=' && run > 4;
				} else {
					run = 0;
					if (!strchr(" \t\r\"'\\+,;", t[k]))
						other++;
				}
			}
			/* a body line: one long base64 run, or the short last
			 * one with its '=' padding */
			if (p > body && (other || !b64 || (best < 16 && !pad)))
				break;
			end = le;
			p = le + 1;
		}
	}
	/* Every base64 run of the body, line by line; "\n" escapes and the
	 * quotes of a string split across lines stay as they are. */
	for (size_t k = body; k < end;) {
		size_t a;

		if (t[k] == '\\') {
			k += 2;
			continue;
		}
		if (!(IS(t[k], C_ALNUM) || t[k] == '+' || t[k] == '/' ||
		      t[k] == '=')) {
			k++;
			continue;
		}
		a = k;
		while (k < end && (IS(t[k], C_ALNUM) || t[k] == '+' ||
				   t[k] == '/' || t[k] == '='))
			k++;
		add_secret(sc->sp, a, k, K_PEM);
	}
}

void pf_redact_dash(struct scan *sc, size_t i)
{
	const char *t = sc->t;

	if (sc->n - i >= 10 && t[i + 1] == '-' &&
	    !memcmp(t + i, "-----BEGIN", 10)) {
		pem(sc, i);
		return;
	}
	if ((i == 0 || t[i - 1] == ' ' || t[i - 1] == '\t' || t[i - 1] == '"' ||
	     t[i - 1] == '\'') &&
	    sc->n - i > 3 &&
	    ((t[i + 1] == 'u' && (t[i + 2] == ' ' || t[i + 2] == '\t')) ||
	     (t[i + 1] == '-' && t[i + 2] == 'u'))) {
		int rc;
		pcre2_code *c = lazy(&curl_code, CURL_RE, PCRE2_ANCHORED, &rc);

		if (!c) {
			sc->err = rc;
			return;
		}
		rc = pcre2_match(c, (PCRE2_SPTR)t, sc->n, i, 0, sc->md, NULL);

		if (rc >= 0) {
			PCRE2_SIZE *ov = pcre2_get_ovector_pointer(sc->md);

			add_secret(sc->sp, ov[0], ov[1], K_CURL);
		} else if (rc != PCRE2_ERROR_NOMATCH) {
			sc->err = rc;
		}
	}
}
