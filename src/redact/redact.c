/*
 * redact: find identifying values in text and replace them with vault
 * placeholders (redact.h documents what and how).
 *
 * Speed: one pass over the bytes with a dispatch table; the PCRE2 rules
 * (JIT-compiled, anchored) run only where a rule's literal prefix starts
 * a word, so 40 rules cost about one table lookup per byte, not 40 scans.
 * Names (people) are looked up per sub-word in a hash set; organisation
 * names and user words, few by nature, form one caseless PCRE2 pattern.
 */
#define PCRE2_CODE_UNIT_WIDTH 8
#include <arpa/inet.h>
#include <math.h>
#include <pcre2.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "pushfix/err.h"
#include "pushfix/redact.h"
#include "pushfix/util.h"

size_t pf_vault_token_at(const struct pf_vault *v, const char *text,
			 size_t len, size_t i);

/* ---- character classes ---- */

enum {
	C_ALNUM = 1,  /* A-Z a-z 0-9 */
	C_WORD = 2,   /* alnum and _ */
	C_B64 = 4,    /* detect-secrets' base64 set: alnum + / = - _ */
	C_HEX = 8,
	C_HOST = 16,  /* a-z 0-9 - (lower-case host label) */
	C_KEY = 32,   /* a key name: alnum _ - . */
	C_UPPER = 64,
	C_LOWER = 128,
	C_GAP = 256,  /* joins string literals: blanks + . & \\ */
};

enum {
	D_NONE = 0,
	D_WORD,  /* alnum: maybe a word start */
	D_QUOTE,
	D_AT,
	D_COLON,
	D_DOT,
	D_DASH,
	D_SLASH,
	D_MARK,  /* ( and 0xc2: "(c)" and "\xc2\xa9" attribution marks */
};

static unsigned short cls[256];
static unsigned char dispatch[256];

/* Sub-word classes (names): bytes >= 0x80 are letters of no case. */
enum { S_SUB = 1, S_UPPER = 2, S_LOWER = 4, S_DIGIT = 8 };
static unsigned char sub_cls[256];

#define IS(c, k) (cls[(unsigned char)(c)] & (k))

static void init_classes(void)
{
	for (int c = 0; c < 256; c++) {
		unsigned char k = 0;

		if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
		    (c >= '0' && c <= '9'))
			k |= C_ALNUM | C_WORD | C_B64 | C_KEY;
		if (c == '_')
			k |= C_WORD | C_B64 | C_KEY;
		if (c == '+' || c == '/' || c == '=' || c == '-')
			k |= C_B64;
		if (c == '-' || c == '.')
			k |= C_KEY;
		if ((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') ||
		    (c >= 'A' && c <= 'F'))
			k |= C_HEX;
		if ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
		    c == '-')
			k |= C_HOST;
		if (c >= 'A' && c <= 'Z')
			k |= C_UPPER;
		if (c >= 'a' && c <= 'z')
			k |= C_LOWER;
		cls[c] = k;
		if (strchr(" \t\r\n+.&\\", c) && c)
			cls[c] |= C_GAP;
		dispatch[c] = (k & C_ALNUM) ? D_WORD : D_NONE;
	}
	for (int c = 0; c < 256; c++)
		sub_cls[c] = (unsigned char)(
			((cls[c] & C_ALNUM) || c >= 0x80 ? S_SUB : 0) |
			(cls[c] & C_UPPER ? S_UPPER : 0) |
			(cls[c] & C_LOWER ? S_LOWER : 0) |
			(c >= '0' && c <= '9' ? S_DIGIT : 0));
	dispatch['"'] = dispatch['\''] = dispatch['`'] = D_QUOTE;
	dispatch['@'] = D_AT;
	dispatch[':'] = D_COLON;
	dispatch['.'] = D_DOT;
	dispatch['-'] = D_DASH;
	dispatch['/'] = dispatch['\\'] = D_SLASH;
	dispatch['('] = dispatch[0xc2] = D_MARK;
}

static int is_digit(char c)
{
	return c >= '0' && c <= '9';
}

static int lower(int c)
{
	return (c >= 'A' && c <= 'Z') ? c + 32 : c;
}

/* ---- token rules (modelled on gitleaks' default rules) ---- */

struct rule {
	const char *id;
	const char *prefix; /* literal the match starts with */
	int caseless;       /* prefix (and pattern) are case-insensitive */
	const char *re;     /* anchored; \K marks the start of the secret */
};

#define NB "(?![A-Za-z0-9_])" /* no word character follows */
static const struct rule rules[] = {
	{ "aws-access-key-id", "AKIA", 0, "AKIA[A-Z0-9]{16}" NB },
	{ "aws-access-key-id", "ASIA", 0, "ASIA[A-Z0-9]{16}" NB },
	{ "aws-access-key-id", "ABIA", 0, "ABIA[A-Z0-9]{16}" NB },
	{ "aws-access-key-id", "ACCA", 0, "ACCA[A-Z0-9]{16}" NB },
	{ "aws-access-key-id", "A3T", 0, "A3T[A-Z0-9][A-Z0-9]{16}" NB },
	{ "github-token", "ghp_", 0, "ghp_[A-Za-z0-9]{30,255}" NB },
	{ "github-token", "gho_", 0, "gho_[A-Za-z0-9]{30,255}" NB },
	{ "github-token", "ghu_", 0, "ghu_[A-Za-z0-9]{30,255}" NB },
	{ "github-token", "ghs_", 0, "ghs_[A-Za-z0-9]{30,255}" NB },
	{ "github-token", "ghr_", 0, "ghr_[A-Za-z0-9]{30,255}" NB },
	{ "github-fine-grained-pat", "github_pat_", 0,
	  "github_pat_[A-Za-z0-9_]{22,255}" },
	{ "gitlab-token", "gl", 0,
	  "gl(?:pat|dt|rt|ptt|cbt|ft|imt|soat|oas|agent)-[A-Za-z0-9_-]{20,300}"
	  "(?:\\.[0-9a-z]{9})?" },
	{ "gitlab-runner-registration", "GR1348941", 0,
	  "GR1348941[A-Za-z0-9_-]{20,}" },
	{ "slack-token", "xox", 0, "xox[abposer]-[0-9A-Za-z-]{10,250}" },
	{ "slack-app-token", "xapp-", 1, "xapp-\\d-[A-Z0-9]+-\\d+-[a-z0-9]+" },
	{ "slack-webhook", "hooks.slack.com/", 1,
	  "hooks\\.slack\\.com/(?:services|workflows|triggers)/"
	  "[A-Za-z0-9+/_-]{10,}" },
	{ "stripe-key", "sk_", 0,
	  "sk_(?:test|live|prod)_[A-Za-z0-9]{10,247}" NB },
	{ "stripe-key", "rk_", 0,
	  "rk_(?:test|live|prod)_[A-Za-z0-9]{10,247}" NB },
	{ "stripe-key", "pk_", 0,
	  "pk_(?:test|live|prod)_[A-Za-z0-9]{10,247}" NB },
	{ "stripe-webhook-secret", "whsec_", 0, "whsec_[A-Za-z0-9+/=]{20,}" },
	{ "gcp-api-key", "AIza", 0, "AIza[A-Za-z0-9_-]{30,40}" },
	{ "gcp-oauth-token", "ya29.", 0, "ya29\\.[A-Za-z0-9_-]{20,}" },
	{ "gcp-client-secret", "GOCSPX-", 0, "GOCSPX-[A-Za-z0-9_-]{20,}" },
	/* OpenAI sk-, sk-proj-, sk-svcacct-; Anthropic sk-ant-api03-..AA */
	{ "openai-anthropic-key", "sk-", 0, "sk-[A-Za-z0-9_-]{20,300}" },
	{ "npm-token", "npm_", 0, "npm_[A-Za-z0-9]{36}" NB },
	{ "pypi-token", "pypi-", 0, "pypi-AgEIcHlwaS5vcmc[A-Za-z0-9_-]{40,}" },
	{ "huggingface-token", "hf_", 0, "hf_[A-Za-z]{30,40}" NB },
	{ "huggingface-org-token", "api_org_", 0, "api_org_[A-Za-z]{30,40}" NB },
	{ "sendgrid-key", "SG.", 0,
	  "SG\\.[A-Za-z0-9_-]{16,32}\\.[A-Za-z0-9_-]{16,64}" },
	{ "twilio-sid-key", "AC", 0, "AC[0-9a-fA-F]{32}" NB },
	{ "twilio-sid-key", "SK", 0, "SK[0-9a-fA-F]{32}" NB },
	{ "mailgun-key", "key-", 0, "key-[0-9a-zA-Z]{32}" NB },
	{ "shopify-token", "shp", 0, "shp(?:at|ca|pa|ss)_[a-fA-F0-9]{32}" NB },
	{ "digitalocean-token", "do", 0, "do[opr]_v1_[a-f0-9]{64}" NB },
	{ "databricks-token", "dapi", 0, "dapi[a-f0-9]{32}(?:-\\d)?" NB },
	{ "square-token", "sq0", 0, "sq0(?:atp|csp)-[A-Za-z0-9_-]{22,60}" },
	{ "square-token", "EAAA", 0, "EAAA[A-Za-z0-9_-]{60}" NB },
	{ "atlassian-token", "ATATT3", 0, "ATATT3[A-Za-z0-9_=-]{100,}" },
	{ "doppler-token", "dp.pt.", 0, "dp\\.pt\\.[A-Za-z0-9]{40,}" },
	{ "vault-token", "hv", 0, "hv[sb]\\.[A-Za-z0-9_-]{24,}" },
	{ "grafana-token", "glsa_", 0, "glsa_[A-Za-z0-9]{32}_[A-Fa-f0-9]{8}" },
	{ "grafana-token", "glc_", 0, "glc_[A-Za-z0-9+/]{32,}={0,2}" },
	{ "postman-key", "PMAK-", 0, "PMAK-[a-fA-F0-9]{24}-[a-fA-F0-9]{34}" },
	{ "linear-key", "lin_api_", 0, "lin_api_[A-Za-z0-9]{40}" },
	{ "newrelic-key", "NRAK-", 0, "NRAK-[A-Z0-9]{27}" },
	{ "age-secret-key", "AGE-SECRET-KEY-1", 0,
	  "AGE-SECRET-KEY-1[0-9A-Z]{58}" },
	{ "jwt", "ey", 0,
	  "ey[A-Za-z0-9_-]{12,}\\.ey[A-Za-z0-9_/\\\\-]{12,}\\."
	  "(?:[A-Za-z0-9_/\\\\-]{10,}={0,2})?" },
	{ "azure-storage-key", "AccountKey=", 1,
	  "AccountKey=\\K[A-Za-z0-9+/=]{20,}" },
	{ "azure-sas", "SharedAccess", 1,
	  "SharedAccess(?:Key|Signature)=\\K[A-Za-z0-9%+/=_-]{20,}" },
	{ "azure-sas", "sig=", 0, "sig=\\K[A-Za-z0-9%+/=]{20,}" },
	{ "auth-header", "bearer", 1,
	  "bearer[ \\t]+\\K(?=[A-Za-z0-9._~+/=-]{16}|[A-Za-z._~+/=-]*[0-9])"
	  "[A-Za-z0-9._~+/=-]{8,}" },
	{ "auth-header", "basic", 1,
	  "basic[ \\t]+\\K(?=[A-Za-z0-9+/=]{16}|[A-Za-z+/=]*[0-9])"
	  "[A-Za-z0-9+/]{8,}={0,2}" },
	{ "telegram-bot-token", "", 0, "[0-9]{5,16}:A[A-Za-z0-9_-]{34}" NB },
	{ "discord-token", "M", 0,
	  "M[A-Za-z0-9]{23}\\.[A-Za-z0-9_-]{6}\\.[A-Za-z0-9_-]{27,}" },
	{ "discord-token", "N", 0,
	  "N[A-Za-z0-9]{23}\\.[A-Za-z0-9_-]{6}\\.[A-Za-z0-9_-]{27,}" },
};
#define NRULES PF_ARRAY_SIZE(rules)

static pcre2_code *rule_code[NRULES];
static size_t rule_plen[NRULES];
static pcre2_code *pem_code, *curl_code;
/* rules whose prefix starts with byte c (both cases when caseless) */
static unsigned char by_first[256][8];
static unsigned char by_first_nr[256];
static int engine_ok;
static char engine_err[256];
static pthread_once_t engine_once = PTHREAD_ONCE_INIT;

static pcre2_code *compile(const char *re, uint32_t opts)
{
	int err;
	PCRE2_SIZE off;
	pcre2_code *c = pcre2_compile((PCRE2_SPTR)re, PCRE2_ZERO_TERMINATED,
				      opts, &err, &off, NULL);

	if (!c) {
		PCRE2_UCHAR msg[120];

		pcre2_get_error_message(err, msg, sizeof(msg));
		snprintf(engine_err, sizeof(engine_err),
			 "cannot compile redaction pattern at %zu: %s",
			 (size_t)off, (char *)msg);
		return NULL;
	}
	/* JIT may be unavailable (some arches, SELinux): the interpreter
	 * still gives the same answers, only slower. */
	pcre2_jit_compile(c, PCRE2_JIT_COMPLETE);
	return c;
}

static void add_first(int c, size_t r)
{
	if (by_first_nr[c] < sizeof(by_first[c]))
		by_first[c][by_first_nr[c]++] = (unsigned char)r;
}

/* c * log2(c) for small counts, so that entropy needs one log2 only. */
static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

#define CLOG_MAX 1024
static double clog_tab[CLOG_MAX + 1];

static void init_clog(void)
{
	for (int c = 1; c <= CLOG_MAX; c++)
		clog_tab[c] = (double)c * log2((double)c);
}

/* Shannon entropy in bits per byte (log2), as gitleaks/detect-secrets:
 * H = log2(n) - (1/n) * sum(c * log2(c)) over the byte counts c. */
static void init_engine(void)
{
	init_classes();
	init_clog();
	for (size_t r = 0; r < NRULES; r++) {
		uint32_t opts = PCRE2_ANCHORED |
				(rules[r].caseless ? PCRE2_CASELESS : 0);
		unsigned char c0 = (unsigned char)rules[r].prefix[0];

		rule_plen[r] = strlen(rules[r].prefix);
		rule_code[r] = compile(rules[r].re, opts);
		if (!rule_code[r])
			return;
		if (!c0) { /* digits */
			for (int d = '0'; d <= '9'; d++)
				add_first(d, r);
		} else if (rules[r].caseless) {
			add_first(lower(c0), r);
			add_first(c0 >= 'a' && c0 <= 'z' ? c0 - 32 : c0, r);
		} else {
			add_first(c0, r);
		}
	}
	pem_code = compile("-----BEGIN[ A-Z0-9_-]{0,100}PRIVATE KEY"
			   "(?: BLOCK)?-----",
			   PCRE2_ANCHORED | PCRE2_CASELESS);
	curl_code = compile("(?:-u|--user)(?:[ \\t]+|=)['\"]?\\K"
			    "[^\\s'\":$]+:[^\\s'\"]+",
			    PCRE2_ANCHORED);
	engine_ok = pem_code && curl_code;
}

/* ---- spans ---- */

/* Offsets fit 32 bits: pf_redact_text refuses texts of 4 GiB or more. */
struct span {
	uint32_t a, b;
	unsigned char cat;
};

struct spans {
	struct span *v;
	size_t nr, alloc;
};

static void add_span(struct spans *s, size_t a, size_t b,
		     enum pf_vault_cat cat)
{
	if (b <= a)
		return;
	PF_ALLOC_GROW(s->v, s->nr + 1, s->alloc);
	s->v[s->nr].a = (uint32_t)a;
	s->v[s->nr].b = (uint32_t)b;
	s->v[s->nr].cat = (unsigned char)cat;
	s->nr++;
}

/* Overlapping spans merge into one; the stronger category wins. */
static const unsigned char cat_prio[PF_CAT__NR] = {
	[PF_CAT_SECRET] = 9, [PF_CAT_LIT] = 8,    [PF_CAT_EMAIL] = 7,
	[PF_CAT_IP] = 6,     [PF_CAT_HOST] = 5,   [PF_CAT_PERSON] = 4,
	[PF_CAT_ORG] = 3,    [PF_CAT_WORD] = 2,   [PF_CAT_PATH] = 1,
};


/* ---- the redaction context ---- */

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
	char *w;                /* lower-case; NULL: empty slot */
	unsigned char cat;      /* when matched alone */
	unsigned char single;   /* matched alone */
	size_t seq;             /* first sequence starting with w, or -1 */
};

struct word_seq {
	char **parts;           /* lower-case */
	size_t nr;
	unsigned char cat;
	size_t next;            /* next sequence with the same first part */
};

struct long_part {
	char *w;                /* lower-case */
	size_t len;
	unsigned char cat;
};

/* Cheap first test before hashing a sub-word: first two bytes and the
 * length (most sub-words of code are not names). */
#define QF_BITS 65536
static size_t qf_index(const char *s, size_t n)
{
	unsigned a = (unsigned)((unsigned char)s[0] | 0x20);
	unsigned b = n > 1 ? (unsigned)((unsigned char)s[1] | 0x20) : 0;

	return ((a * 131u + b) * 16u + (n > 15 ? 15u : (unsigned)n)) %
	       QF_BITS;
}

struct pf_redact_priv {
	struct wentry *wm;      /* open addressing */
	size_t wm_nr, wm_alloc;
	struct word_seq *seq;
	size_t seq_nr, seq_alloc;
	struct long_part *lp;
	size_t lp_nr, lp_alloc;
	unsigned char lp_first[256]; /* a long part starts with this byte */
	size_t lp_min;          /* the shortest long part */
	unsigned char qf[QF_BITS / 8]; /* qf_index of every word */
	/* hosts kept: exact, or suffix when starting with '.' */
	char **allow;
	size_t allow_nr, allow_alloc;
	/* what was added, to skip duplicates */
	char **seen;
	size_t seen_nr, seen_alloc;
	/* scratch kept between texts: spans and the sort buffer */
	struct span *scratch, *sort_tmp;
	size_t scratch_alloc, sort_tmp_alloc;
};

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
	}
	free(p->seq);
	for (size_t i = 0; i < p->lp_nr; i++)
		free(p->lp[i].w);
	free(p->lp);
	for (size_t i = 0; i < p->allow_nr; i++)
		free(p->allow[i]);
	free(p->allow);
	free(p->scratch);
	free(p->sort_tmp);
	for (size_t i = 0; i < p->seen_nr; i++)
		free(p->seen[i]);
	free(p->seen);
	free(p);
	ctx->priv = NULL;
}

/* Words too common to identify anyone (issue 3: "not common words such
 * as sync").  Sorted for bsearch. */
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


static int is_stop_word(const char *w)
{
	return bsearch(&w, stop_words, PF_ARRAY_SIZE(stop_words),
		       sizeof(stop_words[0]), cmp_str) != NULL;
}

/*
 * Split a name into lower-case parts on anything not alphanumeric (bytes
 * >= 0x80 count as letters) and on camelCase (aB, ABc).  Returns the
 * number of parts; parts[] must be freed.
 */
static size_t split_parts(const char *s, char **parts, size_t max)
{
	size_t n = 0, len = strlen(s), i = 0;

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
			if (is_digit(s[i]) != is_digit(s[i - 1]))
				break;
			if (IS(s[i], C_UPPER) && IS(s[i - 1], C_UPPER) &&
			    i + 1 < len && IS(s[i + 1], C_LOWER))
				break;
			i++;
		}
		parts[n] = pf_xstrndup(s + st, i - st);
		for (char *c = parts[n]; *c; c++)
			*c = (char)lower((unsigned char)*c);
		n++;
	}
	return n;
}

/* split_parts() into `store` (no allocation); parts point into it. */
static size_t split_parts_into(const char *s, char **parts, size_t max,
			       char *store, size_t cap)
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

static int seen_before(struct pf_redact_priv *p, enum pf_vault_cat cat,
		       const char *w)
{
	struct pf_buf k = PF_BUF_INIT;

	pf_buf_addf(&k, "%d:", cat);
	for (const char *c = w; *c; c++)
		pf_buf_addch(&k, lower((unsigned char)*c));
	for (size_t i = 0; i < p->seen_nr; i++)
		if (!strcmp(p->seen[i], k.buf)) {
			pf_buf_release(&k);
			return 1;
		}
	PF_ALLOC_GROW(p->seen, p->seen_nr + 1, p->seen_alloc);
	p->seen[p->seen_nr++] = pf_buf_detach(&k, NULL);
	return 0;
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

static struct wentry *wm_find(const struct pf_redact_priv *p, const char *s,
			      size_t n)
{
	size_t h;

	if (!p->wm_nr)
		return NULL;
	h = hash_lower(s, n) & (p->wm_alloc - 1);
	while (p->wm[h].w) {
		if (!strncasecmp(p->wm[h].w, s, n) && !p->wm[h].w[n])
			return &p->wm[h];
		h = (h + 1) & (p->wm_alloc - 1);
	}
	return NULL;
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
			h = hash_lower(old[i].w, strlen(old[i].w)) &
			    (p->wm_alloc - 1);
			while (p->wm[h].w)
				h = (h + 1) & (p->wm_alloc - 1);
			p->wm[h] = old[i];
		}
		free(old);
	}
	h = hash_lower(w, n) & (p->wm_alloc - 1);
	while (p->wm[h].w)
		h = (h + 1) & (p->wm_alloc - 1);
	e = &p->wm[h];
	e->w = pf_xstrdup(w);
	e->cat = PF_CAT__NR;
	e->single = 0;
	e->seq = (size_t)-1;
	p->wm_nr++;
	{
		size_t q = qf_index(w, n);

		p->qf[q / 8] |= (unsigned char)(1u << (q % 8));
	}
	return e;
}

/* The stronger category wins when one word is listed twice. */
static void add_single(struct pf_redact_priv *p, enum pf_vault_cat cat,
		       const char *w)
{
	struct wentry *e = wm_get(p, w);

	if (!e->single || cat_prio[cat] > cat_prio[e->cat])
		e->cat = (unsigned char)cat;
	e->single = 1;
}

static void add_seq(struct pf_redact_priv *p, enum pf_vault_cat cat,
		    char **parts, size_t nr)
{
	struct wentry *e;
	struct word_seq *q;

	PF_ALLOC_GROW(p->seq, p->seq_nr + 1, p->seq_alloc);
	q = &p->seq[p->seq_nr];
	q->parts = pf_xmalloc(nr * sizeof(char *));
	q->nr = nr;
	q->cat = (unsigned char)cat;
	for (size_t i = 0; i < nr; i++) {
		q->parts[i] = pf_xstrdup(parts[i]);
		wm_get(p, parts[i]); /* so that qf knows every part */
	}
	e = wm_get(p, parts[0]);
	q->next = e->seq;
	e->seq = p->seq_nr++;
}

static void add_long(struct pf_redact_priv *p, enum pf_vault_cat cat,
		     const char *w)
{
	for (size_t i = 0; i < p->lp_nr; i++)
		if (!strcmp(p->lp[i].w, w))
			return;
	PF_ALLOC_GROW(p->lp, p->lp_nr + 1, p->lp_alloc);
	p->lp_first[(unsigned char)w[0]] = 1;
	if (w[0] >= 'a' && w[0] <= 'z')
		p->lp_first[(unsigned char)w[0] - 32] = 1;
	p->lp[p->lp_nr].w = pf_xstrdup(w);
	p->lp[p->lp_nr].len = strlen(w);
	if (!p->lp_min || p->lp[p->lp_nr].len < p->lp_min)
		p->lp_min = p->lp[p->lp_nr].len;
	p->lp[p->lp_nr].cat = (unsigned char)cat;
	p->lp_nr++;
}

void pf_redact_ctx_add_word(struct pf_redact_ctx *ctx, enum pf_vault_cat cat,
			    const char *word)
{
	struct pf_redact_priv *p = ctx->priv;
	char *parts[16];
	size_t nr, total = 0;
	char *joined = NULL;

	pthread_once(&engine_once, init_engine);
	if (cat != PF_CAT_PERSON && cat != PF_CAT_ORG && cat != PF_CAT_HOST)
		cat = PF_CAT_WORD;
	if (!word || !*word || seen_before(p, cat, word))
		return;
	nr = split_parts(word, parts, PF_ARRAY_SIZE(parts));
	for (size_t i = 0; i < nr; i++)
		total += strlen(parts[i]);
	if (!nr || total < 2)
		goto out;
	if (nr > 1) {
		struct pf_buf j = PF_BUF_INIT;

		add_seq(p, cat, parts, nr);
		for (size_t i = 0; i < nr; i++)
			pf_buf_addstr(&j, parts[i]);
		joined = pf_buf_detach(&j, NULL);
	}
	switch (cat) {
	case PF_CAT_PERSON:
	case PF_CAT_ORG:
		/* The whole name joined ("routeplanner"), and each
		 * distinctive part alone ("northwind", not "sync"). */
		if (joined && !is_stop_word(joined))
			add_single(p, cat, joined);
		for (size_t i = 0; i < nr; i++) {
			size_t l = strlen(parts[i]);

			/* "Author 100": a number alone identifies nobody */
			if (l < 3 || is_stop_word(parts[i]) ||
			    strspn(parts[i], "0123456789") == l)
				continue;
			add_single(p, cat, parts[i]);
			if (cat == PF_CAT_ORG && l >= 7)
				add_long(p, cat, parts[i]);
		}
		if (cat == PF_CAT_ORG && joined && strlen(joined) >= 7 &&
		    !is_stop_word(joined))
			add_long(p, cat, joined);
		break;
	case PF_CAT_HOST:
		break; /* the sequence of its labels is enough */
	default: /* WORD: the user chose it, stop word or not; found
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

void pf_redact_ctx_allow_hosts(struct pf_redact_ctx *ctx, const char *list)
{
	struct pf_redact_priv *p = ctx->priv;
	const char *s = list;

	while (s && *s) {
		const char *e = strchr(s, ',');
		size_t n = e ? (size_t)(e - s) : strlen(s);
		char *h;

		while (n && (*s == ' ' || *s == '\t')) {
			s++;
			n--;
		}
		while (n && (s[n - 1] == ' ' || s[n - 1] == '\t'))
			n--;
		if (n >= 2 && s[0] == '*' && s[1] == '.') {
			s++;
			n--;
		}
		if (n) {
			h = pf_xstrndup(s, n);
			for (char *c = h; *c; c++)
				*c = (char)lower((unsigned char)*c);
			PF_ALLOC_GROW(p->allow, p->allow_nr + 1,
				      p->allow_alloc);
			p->allow[p->allow_nr++] = h;
		}
		s = e ? e + 1 : NULL;
	}
}

int pf_redact_ctx_configure(struct pf_redact_ctx *ctx,
			    const struct pf_config *cfg)
{
	const char *s = cfg->privacy.redact_words;

	ctx->paths = cfg->privacy.redact_paths;
	while (s && *s) {
		const char *e = strchr(s, ',');
		size_t n = e ? (size_t)(e - s) : strlen(s);
		char *w;

		while (n && (*s == ' ' || *s == '\t')) {
			s++;
			n--;
		}
		while (n && (s[n - 1] == ' ' || s[n - 1] == '\t'))
			n--;
		if (n) {
			w = pf_xstrndup(s, n);
			pf_redact_ctx_add_word(ctx, PF_CAT_WORD, w);
			free(w);
		}
		s = e ? e + 1 : NULL;
	}
	pf_redact_ctx_allow_hosts(ctx, cfg->privacy.allow_hosts);
	return 0;
}

/* Public forges: their host names identify nobody. */
static const char *const public_forges[] = {
	"github.com", "gitlab.com", "bitbucket.org", "codeberg.org",
	"dev.azure.com", "ssh.dev.azure.com", "vs-ssh.visualstudio.com",
	"git.sr.ht", "sr.ht", "gitee.com",
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
			const char *at = memchr(url, '@', (size_t)(colon - url));

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
			if (strlen(labels[i]) >= 3 &&
			    !is_stop_word(labels[i]))
				pf_redact_ctx_add_word(ctx, PF_CAT_ORG,
						       labels[i]);
		for (size_t i = 0; i < ln; i++)
			free(labels[i]);
		free(h);
	}
}

/* ---- the scanner ---- */

struct lit {
	size_t a, b; /* contents, quotes excluded */
};

struct scan {
	const char *t;
	size_t n;
	struct spans *sp;
	const struct pf_redact_priv *p;
	const struct pf_vault *vault;
	pcre2_match_data *md;
	int nested;          /* scanning a joined view */
	struct lit *lits;
	size_t lit_nr, lit_alloc;
	size_t lit_end;      /* quotes before this are not openers */
	size_t prev_lit_a, prev_lit_b; /* the last literal's contents */
	size_t b64_end;      /* end of the last base64 run examined */
	size_t url_auth_end; /* '@' before this belongs to a URL */
	size_t v6_end;
	size_t key_end;      /* end of the last key run examined */
	size_t lit_ph_end;   /* end of the last look-alike escaped */
	int err;
};

static double entropy(const char *s, size_t n)
{
	/* zero between calls: each call resets what it counted */
	static _Thread_local unsigned cnt[256];
	double sum = 0;

	if (!n)
		return 0;
	for (size_t i = 0; i < n; i++)
		cnt[(unsigned char)s[i]]++;
	for (size_t i = 0; i < n; i++) {
		unsigned k = cnt[(unsigned char)s[i]];

		if (!k)
			continue;
		sum += k <= CLOG_MAX ? clog_tab[k]
				     : (double)k * log2((double)k);
		cnt[(unsigned char)s[i]] = 0;
	}
	return log2((double)n) - sum / (double)n;
}

/*
 * detect-secrets' limits: hex strings above 3.0 bits (all-digit strings
 * penalised by 1.2 / log2(len)), base64 strings above 4.5.
 */
static int high_entropy(const char *s, size_t n, size_t min_b64,
			size_t min_hex)
{
	int hex = 1, digits = 1;
	double h;

	for (size_t i = 0; i < n; i++) {
		if (!IS(s[i], C_HEX))
			hex = 0;
		if (!(s[i] >= '0' && s[i] <= '9'))
			digits = 0;
	}
	if (hex && n >= min_hex) {
		h = entropy(s, n);
		if (digits)
			h -= 1.2 / log2((double)n);
		return h > 3.0;
	}
	if (n >= min_b64)
		return entropy(s, n) > 4.5;
	return 0;
}

/* Run the anchored rule r at i; add the secret (after \K) if it matches. */
static int try_rule(struct scan *sc, size_t r, size_t i)
{
	int rc;
	PCRE2_SIZE *ov;

	rc = pcre2_match(rule_code[r], (PCRE2_SPTR)sc->t, sc->n, i, 0, sc->md,
			 NULL);
	if (rc < 0) {
		if (rc != PCRE2_ERROR_NOMATCH)
			sc->err = rc;
		return 0;
	}
	ov = pcre2_get_ovector_pointer(sc->md);
	add_span(sc->sp, ov[0], ov[1], PF_CAT_SECRET);
	return 1;
}

static int host_kept(const struct pf_redact_priv *p, const char *h, size_t n)
{
	static const char *const keep_exact[] = {
		"localhost", "example.com", "example.org", "example.net",
	};
	static const char *const keep_suffix[] = {
		".localhost", ".example", ".invalid", ".test",
		".example.com", ".example.org", ".example.net",
	};

	while (n && h[n - 1] == '.')
		n--;
	for (size_t i = 0; i < PF_ARRAY_SIZE(keep_exact); i++)
		if (strlen(keep_exact[i]) == n &&
		    !strncasecmp(h, keep_exact[i], n))
			return 1;
	for (size_t i = 0; i < PF_ARRAY_SIZE(keep_suffix); i++) {
		size_t l = strlen(keep_suffix[i]);

		if (n > l && !strncasecmp(h + n - l, keep_suffix[i], l))
			return 1;
	}
	for (size_t i = 0; p && i < p->allow_nr; i++) {
		const char *a = p->allow[i];
		size_t l = strlen(a);

		if (a[0] == '.') {
			if ((n > l && !strncasecmp(h + n - l, a, l)) ||
			    (n == l - 1 && !strncasecmp(h, a + 1, n)))
				return 1;
		} else if (l == n && !strncasecmp(h, a, n)) {
			return 1;
		}
	}
	return 0;
}

/* Loopback and unspecified addresses identify nothing. */
static int ipv4_kept(const unsigned char o[4])
{
	if (o[0] == 127)
		return 1;
	if (!o[0] && !o[1] && !o[2] && !o[3])
		return 1;
	if (o[0] == 255 && o[1] == 255) /* netmasks */
		return 1;
	return 0;
}

/* An IPv4 address at i ("a.b.c.d", each <= 255); its length or 0. */
static size_t parse_ipv4(const char *t, size_t n, size_t i,
			 unsigned char o[4])
{
	size_t p = i;

	for (int k = 0; k < 4; k++) {
		unsigned v = 0, d = 0;

		while (p < n && t[p] >= '0' && t[p] <= '9' && d < 4) {
			v = v * 10 + (unsigned)(t[p] - '0');
			p++;
			d++;
		}
		if (!d || d > 3 || v > 255)
			return 0;
		o[k] = (unsigned char)v;
		if (k < 3) {
			if (p >= n || t[p] != '.')
				return 0;
			p++;
		}
	}
	/* Not part of a longer dotted number or word (a version 1.2.3.4.5) */
	if (p < n && (IS(t[p], C_WORD) ||
		      (t[p] == '.' && p + 1 < n && t[p + 1] >= '0' &&
		       t[p + 1] <= '9')))
		return 0;
	return p - i;
}

static void ipv4(struct scan *sc, size_t i)
{
	unsigned char o[4];
	size_t l;

	if (i && (sc->t[i - 1] == '.' || IS(sc->t[i - 1], C_WORD)))
		return;
	l = parse_ipv4(sc->t, sc->n, i, o);
	if (l && !ipv4_kept(o))
		add_span(sc->sp, i, i + l, PF_CAT_IP);
}

static int is_v6_char(char c)
{
	return IS(c, C_HEX) || c == ':' || c == '.';
}

static void ipv6(struct scan *sc, size_t i)
{
	const char *t = sc->t;
	size_t a = i, b = i, colons = 0;
	int digit = 0;
	char buf[64];
	unsigned char addr[16];

	if (i < sc->v6_end)
		return;
	while (a > 0 && is_v6_char(t[a - 1]) && i - a < 45)
		a--;
	while (b < sc->n && is_v6_char(t[b]) && b - i < 45)
		b++;
	sc->v6_end = b;
	while (b > a && t[b - 1] == '.')
		b--;
	if (b - a < 3 || b - a >= sizeof(buf))
		return;
	if ((a > 0 && (IS(t[a - 1], C_WORD))) || (b < sc->n && IS(t[b], C_WORD)))
		return;
	for (size_t k = a; k < b; k++) {
		colons += t[k] == ':';
		digit |= t[k] >= '0' && t[k] <= '9';
	}
	if (colons < 2 || !digit)
		return;
	memcpy(buf, t + a, b - a);
	buf[b - a] = '\0';
	if (inet_pton(AF_INET6, buf, addr) != 1)
		return;
	{
		static const unsigned char loop[16] = { [15] = 1 };
		static const unsigned char zero[16];

		if (!memcmp(addr, loop, 16) || !memcmp(addr, zero, 16))
			return;
	}
	add_span(sc->sp, a, b, PF_CAT_IP);
}

/* A URL at the ':' of "://": user info and host. */
static void url(struct scan *sc, size_t i)
{
	const char *t = sc->t;
	size_t s = i + 3, e = s, at = (size_t)-1, hs, he;

	/* scheme: letters before ':' */
	if (!i || !IS(t[i - 1], C_ALNUM))
		return;
	while (e < sc->n) {
		char c = t[e];

		if (c == '/' || c == '?' || c == '#' || c == ' ' ||
		    c == '\t' || c == '\n' || c == '\r' || c == '"' ||
		    c == '\'' || c == '`' || c == '<' || c == '>' ||
		    c == '(' || c == ')' || c == '{' || c == '}' ||
		    c == ',' || c == ';' || c == '\\' || c == '|' ||
		    c == '^' || c == 0)
			break;
		if (c == '@')
			at = e;
		e++;
	}
	if (e - s > 2048)
		return;
	sc->url_auth_end = e;
	hs = s;
	if (at != (size_t)-1) {
		int colon = memchr(t + s, ':', at - s) != NULL;

		add_span(sc->sp, s, at, colon ? PF_CAT_SECRET : PF_CAT_PERSON);
		hs = at + 1;
	}
	if (hs < e && t[hs] == '[') { /* [v6]:port */
		const char *close = memchr(t + hs, ']', e - hs);

		if (close) {
			char buf[64];
			unsigned char addr[16];
			size_t l = (size_t)(close - (t + hs)) - 1;

			if (l < sizeof(buf)) {
				memcpy(buf, t + hs + 1, l);
				buf[l] = '\0';
				if (inet_pton(AF_INET6, buf, addr) == 1 &&
				    strcmp(buf, "::1"))
					add_span(sc->sp, hs + 1, hs + 1 + l,
						 PF_CAT_IP);
			}
		}
		return;
	}
	he = hs;
	while (he < e && (IS(t[he], C_ALNUM) || t[he] == '.' ||
			  t[he] == '-' || t[he] == '_' || t[he] == '%' ||
			  t[he] == '~' || ((unsigned char)t[he] & 0x80)))
		he++;
	if (he == hs)
		return;
	{
		unsigned char o[4];
		size_t l = parse_ipv4(t, he, hs, o);

		if (l == he - hs) {
			if (!ipv4_kept(o))
				add_span(sc->sp, hs, he, PF_CAT_IP);
			return;
		}
	}
	if (!host_kept(sc->p, t + hs, he - hs))
		add_span(sc->sp, hs, he, PF_CAT_HOST);
}

/* Top-level domains for bare host names; not ones that are also common
 * file extensions or member names (.py .sh .md .info .name .app ...). */
static const char *const tlds[] = {
	"ai", "au", "biz", "br", "ca", "ch", "cloud", "cn", "co", "com",
	"corp", "de", "dev", "dk", "edu", "es", "eu", "fi", "fr", "gov",
	"ie", "internal", "intranet", "io", "jp", "lan", "local",
	"localdomain", "mil", "net", "nl", "nz", "online", "org", "ru",
	"se", "site", "tech", "uk", "us", "xyz",
};

/* First labels that are code receivers, not hosts: self.net, user.org */
static const char *const receivers[] = {
	"app", "args", "cls", "config", "console", "ctx", "data",
	"document", "e", "exports", "i", "it", "json", "m", "math", "model",
	"module", "nn", "np", "obj", "options", "opts", "os", "params", "pd",
	"props", "req", "request", "res", "response", "result", "self",
	"settings", "state", "std", "super", "sys", "tf", "this", "torch",
	"user", "window", "x", "y",
};

/* Is s (n bytes) in the SORTED list?  Binary search. */
static int in_sorted(const char *const *list, size_t nr, const char *s,
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

static int in_list(const char *const *list, size_t nr, const char *s,
		   size_t n)
{
	for (size_t i = 0; i < nr; i++)
		if (n && list[i][0] == s[0] && !strncmp(list[i], s, n) &&
		    !list[i][n])
			return 1;
	return 0;
}

/* A bare host name whose last label starts after the '.' at i. */
static void bare_host(struct scan *sc, size_t i)
{
	const char *t = sc->t;
	size_t e = i + 1, a = i, labels = 1;

	while (e < sc->n && IS(t[e], C_LOWER))
		e++;
	if (e - i - 1 < 2 || e - i - 1 > 11)
		return;
	if (e < sc->n && (IS(t[e], C_WORD) || t[e] == '-' || t[e] == '(' ||
			  (t[e] == '.' && e + 1 < sc->n &&
			   IS(t[e + 1], C_ALNUM))))
		return;
	{
		struct key { const char *s; size_t n; } k = { t + i + 1,
							   e - i - 1 };
		size_t lo = 0, hi = PF_ARRAY_SIZE(tlds);

		/* tlds[] is sorted: bsearch by (bytes, then length) */
		while (lo < hi) {
			size_t mid = (lo + hi) / 2;
			int c = strncmp(tlds[mid], k.s, k.n);

			if (!c)
				c = tlds[mid][k.n] ? 1 : 0;
			if (!c)
				break;
			if (c < 0)
				lo = mid + 1;
			else
				hi = mid;
		}
		if (lo >= hi)
			return;
	}
	while (a > 0 && (IS(t[a - 1], C_HOST) || t[a - 1] == '.')) {
		a--;
		if (t[a] == '.')
			labels++;
	}
	while (a < i && (t[a] == '.' || t[a] == '-'))
		a++;
	if (a == i || (a > 0 && (IS(t[a - 1], C_WORD) || t[a - 1] == '@')))
		return;
	if (labels == 1 || (labels == 2 && t[a] != '.')) {
		const char *dot = memchr(t + a, '.', i + 1 - a);

		if (labels <= 2 && dot &&
		    in_sorted(receivers, PF_ARRAY_SIZE(receivers), t + a,
			    (size_t)(dot - (t + a))))
			return;
	}
	if (!host_kept(sc->p, t + a, e - a))
		add_span(sc->sp, a, e, PF_CAT_HOST);
}

static int name_char(char c)
{
	return IS(c, C_ALNUM) || c == '\'' || c == '-' || c == '.' ||
	       ((unsigned char)c & 0x80);
}

/*
 * Capitalised words (1-4) ending just before position e, on one line:
 * a person's name beside an e-mail.  Adds PERSON spans.
 */
static void name_before(struct scan *sc, size_t e)
{
	const char *t = sc->t;
	size_t end = e, words = 0;

	while (end > 0 && (t[end - 1] == '"' || t[end - 1] == '\''))
		end--;
	while (words < 4) {
		size_t b = end, a;

		while (b > 0 && (t[b - 1] == ' ' || t[b - 1] == '\t') &&
		       end - b < 3)
			b--;
		if (words && b == end)
			break;
		a = b;
		while (a > 0 && name_char(t[a - 1]) && b - a < 40)
			a--;
		while (a < b && (t[a] == '.' || t[a] == '-' || t[a] == '\''))
			a++;
		if (b - a < 2 ||
		    !(IS(t[a], C_UPPER) || ((unsigned char)t[a] & 0x80)))
			break;
		/* "by" / "from" / "Author:" stop the name */
		add_span(sc->sp, a, b, PF_CAT_PERSON);
		words++;
		end = a;
		if (a > 0 && !(t[a - 1] == ' ' || t[a - 1] == '\t'))
			break;
	}
}

static void email(struct scan *sc, size_t i)
{
	const char *t = sc->t;
	size_t a = i, e = i + 1, dot = 0, last_label;

	if (i < sc->url_auth_end)
		return;
	while (a > 0 && (IS(t[a - 1], C_ALNUM) || t[a - 1] == '.' ||
			 t[a - 1] == '_' || t[a - 1] == '%' ||
			 t[a - 1] == '+' || t[a - 1] == '-') &&
	       i - a < 128)
		a--;
	while (a < i && t[a] == '.')
		a++;
	if (a == i)
		return;
	last_label = e;
	while (e < sc->n && (IS(t[e], C_ALNUM) || t[e] == '-' ||
			     (t[e] == '.' && e + 1 < sc->n &&
			      IS(t[e + 1], C_ALNUM))) &&
	       e - i < 256) {
		if (t[e] == '.') {
			dot = e;
			last_label = e + 1;
		}
		e++;
	}
	if (!dot || e - last_label < 2)
		return;
	for (size_t k = last_label; k < e; k++)
		if (!IS(t[k], C_UPPER | C_LOWER))
			return;
	add_span(sc->sp, a, e, PF_CAT_EMAIL);
	/* Name <mail>, Name (mail), "Name" <mail> */
	{
		size_t b = a;

		while (b > 0 && (t[b - 1] == ' ' || t[b - 1] == '\t'))
			b--;
		if (b > 0 && (t[b - 1] == '<' || t[b - 1] == '(' ||
			      t[b - 1] == '[')) {
			b--;
			while (b > 0 && (t[b - 1] == ' ' || t[b - 1] == '\t'))
				b--;
			name_before(sc, b);
		} else if (b > 0 && (t[b - 1] == ',' || t[b - 1] == ':' ||
				     t[b - 1] == '-')) {
			/* by Name, mail / Name: mail / Name - mail */
			b--;
			while (b > 0 && (t[b - 1] == ' ' || t[b - 1] == '\t'))
				b--;
			name_before(sc, b);
		} else if (b < a) {
			/* Jane Doe jane@x.io */
			name_before(sc, b);
		}
	}
	/* mail (Name) */
	{
		size_t p = e;

		if (p < sc->n && t[p] == '>')
			p++;
		while (p < sc->n && t[p] == ' ')
			p++;
		if (p < sc->n && t[p] == '(') {
			const char *close = memchr(t + p, ')',
						   sc->n - p > 80 ? 80
								  : sc->n - p);

			if (close && memchr(t + p, '\n',
					    (size_t)(close - (t + p))) == NULL)
				name_before(sc, (size_t)(close - t));
		}
	}
}

/* ---- secret-ish assignments ---- */

static const char *const key_exclude[] = {
	"algorithm", "class", "column", "count", "dir", "display",
	"enabled", "encoding", "endpoint", "env", "expiration", "expire",
	"expires", "expiry", "field", "fields", "file", "format", "header",
	"hint", "id", "ids", "index", "input", "kind", "label", "len",
	"length", "limit", "location", "max", "min", "mode", "name",
	"names", "num", "param", "path", "pattern", "placeholder", "policy",
	"prefix", "provider", "regex", "required", "rotation", "size",
	"source", "strength", "suffix", "timeout", "ttl", "type", "uri",
	"url", "validator", "var", "version",
};

/* Word w (wl bytes) equals s / ends with s. */
#define WEQ(w, wl, s) ((wl) == sizeof(s) - 1 && !memcmp((w), (s), (wl)))
#define WENDS(w, wl, s)                                                       \
	((wl) >= sizeof(s) - 1 &&                                             \
	 !memcmp((w) + (wl) - (sizeof(s) - 1), (s), sizeof(s) - 1))

static int strong_part(const char *w, size_t wl)
{
	static const struct {
		const char *s;
		size_t n;
	} sw[] = {
		{ "password", 8 },   { "passwd", 6 },     { "passphrase", 10 },
		{ "secret", 6 },     { "token", 5 },      { "apikey", 6 },
		{ "credential", 10 }, { "credentials", 11 }, { "privatekey", 10 },
		{ "accesskey", 9 },  { "secretkey", 9 },  { "clientsecret", 12 },
	};

	if (WEQ(w, wl, "pwd") || WEQ(w, wl, "pass") || WEQ(w, wl, "creds") ||
	    WEQ(w, wl, "pw"))
		return 1;
	for (size_t s = 0; s < PF_ARRAY_SIZE(sw); s++) {
		size_t n = sw[s].n;

		/* the word, a compound ending in it ("pgpassword"), or its
		 * plural ("tokens") */
		if (wl >= n && !memcmp(w + wl - n, sw[s].s, n) &&
		    (wl == n || n >= 5))
			return 1;
		if (wl == n + 1 && w[n] == 's' && !memcmp(w, sw[s].s, n))
			return 1;
	}
	return 0;
}

/* 0: not a secret name, 1: weak (key, auth), 2: strong. */
static int classify_key(const char *k, size_t n)
{
	char *parts[16], buf[80];
	char store[160];
	size_t nr, i;
	int strength = 0;

	if (n >= sizeof(buf))
		n = sizeof(buf) - 1;
	memcpy(buf, k, n);
	buf[n] = '\0';
	nr = split_parts_into(buf, parts, PF_ARRAY_SIZE(parts), store,
			      sizeof(store));
	for (i = 0; i < nr; i++) {
		const char *w = parts[i], *nx = i + 1 < nr ? parts[i + 1] : "";
		size_t wl = strlen(w);

		if (in_sorted(key_exclude, PF_ARRAY_SIZE(key_exclude), w, wl))
			return 0;
		if (strength == 2)
			continue; /* only an excluded part can change it */
		if (strong_part(w, wl))
			strength = 2;
		else if (!strcmp(nx, "key") &&
			 (WEQ(w, wl, "api") || WEQ(w, wl, "access") ||
			  WEQ(w, wl, "private") || WEQ(w, wl, "secret") ||
			  WEQ(w, wl, "signing") || WEQ(w, wl, "encryption") ||
			  WEQ(w, wl, "master") || WEQ(w, wl, "client") ||
			  WEQ(w, wl, "app") || WEQ(w, wl, "account")))
			strength = 2;
		else if (WEQ(w, wl, "key") ||
			 (wl > 3 && WENDS(w, wl, "key") &&
			  !WEQ(w, wl, "monkey") && !WEQ(w, wl, "hotkey")) ||
			 WEQ(w, wl, "auth") || WEQ(w, wl, "authorization") ||
			 WEQ(w, wl, "salt") || WEQ(w, wl, "dsn") ||
			 WEQ(w, wl, "sig") || WEQ(w, wl, "signature"))
			strength = 1;
	}
	return strength;
}

static int word_eq(const char *s, size_t n, const char *w)
{
	return strlen(w) == n && !memcmp(s, w, n);
}

static int is_value_keyword(const char *s, size_t n)
{
	static const char *const kw[] = {
		"null", "None", "nil", "true", "false", "True", "False",
		"undefined", "NULL", "nullptr", "\"\"", "''", "none", "Nothing",
		"required", "optional", "string", "str",
	};

	for (size_t i = 0; i < PF_ARRAY_SIZE(kw); i++)
		if (word_eq(s, n, kw[i]))
			return 1;
	return 0;
}

/* ${VAR} {{ x }} %VAR% $VAR <your-token> process.env.X */
static int is_reference(const char *s, size_t n)
{
	if (!n)
		return 1;
	if (s[0] == '$' && n > 1 &&
	    (s[1] == '{' || s[1] == '(' || s[1] == '_' || IS(s[1], C_UPPER) ||
	     IS(s[1], C_LOWER)))
		return 1;
	if (n >= 4 && s[0] == '{' && s[1] == '{' && s[n - 1] == '}' &&
	    s[n - 2] == '}')
		return 1;
	if (n >= 3 && s[0] == '%' && s[n - 1] == '%')
		return 1;
	if (n >= 3 && s[0] == '<' && s[n - 1] == '>' &&
	    !memchr(s, ' ', n))
		return 1;
	return 0;
}

static int all_of(const char *s, size_t n, unsigned k)
{
	for (size_t i = 0; i < n; i++)
		if (!IS(s[i], k))
			return 0;
	return 1;
}

/* a.b.c identifiers (no digits required) */
static int is_member_chain(const char *s, size_t n)
{
	int dot = 0;

	if (!n || !(IS(s[0], C_UPPER | C_LOWER) || s[0] == '_' || s[0] == '$'))
		return 0;
	for (size_t i = 0; i < n; i++) {
		if (s[i] == '.') {
			if (i + 1 >= n || !(IS(s[i + 1], C_UPPER | C_LOWER) ||
					    s[i + 1] == '_'))
				return 0;
			dot = 1;
		} else if (!IS(s[i], C_WORD) && s[i] != '$') {
			return 0;
		}
	}
	return dot;
}

/* End of a quoted literal starting with quote at q (same line), or 0. */
static size_t quote_end(const char *t, size_t n, size_t q)
{
	char c = t[q];

	for (size_t k = q + 1; k < n && k - q < 4096; k++) {
		if (t[k] == '\\') {
			k++;
			continue;
		}
		if (t[k] == '\n')
			return 0;
		if (t[k] == c)
			return k;
	}
	return 0;
}

static void assignment_value(struct scan *sc, size_t p, int strength,
			     int env_like, int tight_eq, int colon_op)
{
	const char *t = sc->t;
	size_t n = sc->n, a, b;
	int quoted = 0;

	while (p < n && (t[p] == ' ' || t[p] == '\t'))
		p++;
	/* string prefixes: f"", r'', b"", u8"", L"", @"" */
	{
		size_t q = p;

		while (q < n && q - p < 2 &&
		       (IS(t[q], C_LOWER | C_UPPER) || t[q] == '@' ||
			t[q] == '8'))
			q++;
		if (q > p && q < n && (t[q] == '"' || t[q] == '\''))
			p = q;
	}
	if (p >= n)
		return;
	if (t[p] == '"' || t[p] == '\'' || t[p] == '`') {
		size_t e = quote_end(t, n, p);

		if (!e)
			return;
		a = p + 1;
		b = e;
		quoted = 1;
	} else if (env_like) {
		a = p;
		b = p;
		while (b < n && t[b] != '\n' && t[b] != '\r')
			b++;
		/* trailing comment, spaces, ',' ';' */
		for (size_t k = a; k + 1 < b; k++)
			if ((t[k] == ' ' || t[k] == '\t') && t[k + 1] == '#') {
				b = k;
				break;
			}
		while (b > a && (t[b - 1] == ' ' || t[b - 1] == '\t' ||
				 t[b - 1] == ',' || t[b - 1] == ';'))
			b--;
	} else {
		a = p;
		b = p;
		while (b < n && t[b] != ' ' && t[b] != '\t' && t[b] != '\n' &&
		       t[b] != '\r' && t[b] != ',' && t[b] != ';' &&
		       t[b] != ')' && t[b] != ']' && t[b] != '}' &&
		       t[b] != '"' && t[b] != '\'' && t[b] != '<')
			b++;
	}
	if (b <= a || is_reference(t + a, b - a))
		return;
	if (!quoted && (t[a] == '(' || t[a] == '[' || t[a] == '{')) {
		/* auth=("user", "pass"), password: ['x'] - every literal of
		 * the bracket, on this line */
		size_t k = a + 1;
		int depth = 1;

		while (k < n && t[k] != '\n' && depth > 0 && k - a < 4096) {
			if (t[k] == '"' || t[k] == '\'' || t[k] == '`') {
				size_t qe = quote_end(t, n, k);

				if (!qe)
					break;
				if (qe > k + 1 && !is_reference(t + k + 1,
								 qe - k - 1))
					add_span(sc->sp, k + 1, qe,
						 PF_CAT_SECRET);
				k = qe + 1;
				continue;
			}
			if (t[k] == '(' || t[k] == '[' || t[k] == '{')
				depth++;
			else if (t[k] == ')' || t[k] == ']' || t[k] == '}')
				depth--;
			k++;
		}
		return;
	}
	if (!quoted) {
		if (strchr("([{&*!@|>", t[a]) || memchr(t + a, '(', b - a) ||
		    memchr(t + a, '[', b - a) ||
		    is_value_keyword(t + a, b - a) ||
		    is_member_chain(t + a, b - a))
			return;
		if (all_of(t + a, b - a, C_WORD) && !(t[a] >= '0' && t[a] <= '9')) {
			/* A plain identifier: a variable in code, a value in
			 * .env (KEY=value) and YAML (key: value). */
			size_t e = b;

			while (e < n && (t[e] == ' ' || t[e] == '\t'))
				e++;
			if (!(env_like && (tight_eq ||
					   (colon_op &&
					    (e >= n || t[e] == '\n' ||
					     t[e] == '\r' || t[e] == '#')))))
				return;
		}
	}
	if (b - a < 6) {
		size_t k = a;

		while (k < b && t[k] >= '0' && t[k] <= '9')
			k++;
		if (k == b)
			return; /* short numbers: ports, counts */
	}
	if (strength == 1) {
		/* key=, auth=: only token-looking values */
		if (b - a < 8 || memchr(t + a, ' ', b - a) ||
		    memchr(t + a, '{', b - a))
			return;
		{
			int upper = 0, low = 0, other = 0;

			for (size_t k = a; k < b; k++) {
				if (IS(t[k], C_UPPER))
					upper = 1;
				else if (IS(t[k], C_LOWER))
					low = 1;
				else if (t[k] != '_' && t[k] != '-' &&
					 t[k] != '.' && t[k] != ':' &&
					 t[k] != '/')
					other = 1;
			}
			if (!other && !(upper && low))
				return;
		}
	}
	add_span(sc->sp, a, b, PF_CAT_SECRET);
}

/* Does a key name hold pass, pwd, pw, secret, token, key, auth, cred,
 * salt, dsn or sig, in any case?  One pass over the original bytes
 * (| 0x20 folds letters; keywords are letters only). */
static int has_secret_word(const char *s, size_t n)
{
#define LC(k) ((unsigned char)s[j + (k)] | 0x20)
	for (size_t j = 0; j + 1 < n; j++) {
		size_t m = n - j;

		switch (LC(0)) {
		case 'p':
			if (LC(1) == 'w' ||
			    (m >= 4 && LC(1) == 'a' && LC(2) == 's' &&
			     LC(3) == 's'))
				return 1;
			break;
		case 's':
			if ((m >= 6 && LC(1) == 'e' && LC(2) == 'c' &&
			     LC(3) == 'r' && LC(4) == 'e' && LC(5) == 't') ||
			    (m >= 4 && LC(1) == 'a' && LC(2) == 'l' &&
			     LC(3) == 't') ||
			    (m >= 3 && LC(1) == 'i' && LC(2) == 'g'))
				return 1;
			break;
		case 't':
			if (m >= 5 && LC(1) == 'o' && LC(2) == 'k' &&
			    LC(3) == 'e' && LC(4) == 'n')
				return 1;
			break;
		case 'k':
			if (m >= 3 && LC(1) == 'e' && LC(2) == 'y')
				return 1;
			break;
		case 'a':
			if (m >= 4 && LC(1) == 'u' && LC(2) == 't' &&
			    LC(3) == 'h')
				return 1;
			break;
		case 'c':
			if (m >= 4 && LC(1) == 'r' && LC(2) == 'e' &&
			    LC(3) == 'd')
				return 1;
			break;
		case 'd':
			if (m >= 3 && LC(1) == 's' && LC(2) == 'n')
				return 1;
			break;
		}
	}
	return 0;
#undef LC
}

/* A key name at i (word start): `key = value` and friends. */
static void keyword_assign(struct scan *sc, size_t i, size_t wend)
{
	const char *t = sc->t;
	size_t n = sc->n, e = wend, p, line;
	int strength, env_like = 1, tight_eq = 0, colon_op = 0;
	int xml = 0, cli = 0;

	/* Only at the start of a key run: "os.path.join" is one key, its
	 * suffixes ("path.join") would say nothing new.  The key run is the
	 * word [i, wend) and what follows it of . - and words. */
	if (i < sc->key_end)
		return;
	while (e < n && IS(t[e], C_KEY))
		e++;
	sc->key_end = e;
	while (e > i && (t[e - 1] == '.' || t[e - 1] == '-'))
		e--;
	if (e - i < 2 || e - i >= 64 || !has_secret_word(t + i, e - i))
		return;
	/* An operator must follow before the name is worth a look. */
	{
		size_t q = e;
		int ok = 0;

		while (q < n && q - e < 3 &&
		       (t[q] == '"' || t[q] == '\'' || t[q] == ']' ||
			t[q] == '`' || t[q] == ' ' || t[q] == '\t')) {
			/* KEY "value" (#define) */
			if ((t[q] == '"' || t[q] == '\'') && q > e &&
			    (t[q - 1] == ' ' || t[q - 1] == '\t')) {
				ok = 1;
				break;
			}
			q++;
		}
		/* key Type = value (Go, Kotlin, TypeScript) */
		if (!ok && q > e && q < n && IS(t[q], C_UPPER | C_LOWER)) {
			size_t r = q;

			while (r < n && r - q < 40 &&
			       (IS(t[r], C_WORD) || t[r] == '.' || t[r] == '[' ||
				t[r] == ']' || t[r] == '*' || t[r] == '<' ||
				t[r] == '>' || t[r] == '?'))
				r++;
			while (r < n && t[r] == ' ')
				r++;
			ok = r < n && t[r] == '=';
		}
		if (!ok && (q >= n || !t[q] || !strchr("=:!?+<(>", t[q])))
			return;
	}
	strength = classify_key(t + i, e - i);
	if (!strength)
		return;
	/* What precedes the key on its line decides env-likeness. */
	line = i;
	while (line > 0 && t[line - 1] != '\n')
		line--;
	{
		size_t k = line;

		while (k < i && (t[k] == ' ' || t[k] == '\t'))
			k++;
		if (k + 7 <= i && !strncmp(t + k, "export ", 7))
			k += 7;
		else if (k + 4 <= i && (!strncmp(t + k, "ENV ", 4) ||
					!strncmp(t + k, "ARG ", 4) ||
					!strncmp(t + k, "set ", 4)))
			k += 4;
		else if (k + 2 <= i && !strncmp(t + k, "- ", 2))
			k += 2;
		while (k < i && (t[k] == '"' || t[k] == '\'' || t[k] == '$'))
			k++;
		env_like = k == i;
	}
	if (i > 0 && t[i - 1] == '<')
		xml = 1;
	if (i > 1 && t[i - 1] == '-' && t[i - 2] == '-')
		cli = 1;
	p = e;
	/* closing quote/bracket of a key: "password": , ['token'] = */
	for (int k = 0; k < 2 && p < n &&
			(t[p] == '"' || t[p] == '\'' || t[p] == ']' ||
			 t[p] == '`');
	     k++)
		p++;
	if (xml) {
		if (p < n && t[p] == '>') {
			size_t b = p + 1;

			while (b < n && t[b] != '<' && t[b] != '\n' &&
			       b - p < 4096)
				b++;
			if (b < n && t[b] == '<' && b > p + 1 &&
			    !is_reference(t + p + 1, b - p - 1))
				add_span(sc->sp, p + 1, b, PF_CAT_SECRET);
		}
		return;
	}
	if (cli && p < n && t[p] == ' ') {
		assignment_value(sc, p, strength, 1, 1, 0);
		return;
	}
	tight_eq = p < n && t[p] == '=' && p > i && t[p - 1] != ' ';
	if (cli)
		env_like = 1; /* --password=x: a literal on a command line */
	while (p < n && (t[p] == ' ' || t[p] == '\t'))
		p++;
	if (p >= n)
		return;
	/* Go/TS/Kotlin: key Type = v, key: Type = v */
	{
		size_t q = p;

		if (t[q] == ':' && q + 1 < n && t[q + 1] != ':' &&
		    t[q + 1] != '=')
			q++;
		while (q < n && t[q] == ' ')
			q++;
		if (q < n && IS(t[q], C_UPPER | C_LOWER) &&
		    (q > p || p > e)) {
			size_t r = q;

			while (r < n && (IS(t[r], C_WORD) || t[r] == '.' ||
					 t[r] == '[' || t[r] == ']' ||
					 t[r] == '*' || t[r] == '<' ||
					 t[r] == '>' || t[r] == '?'))
				r++;
			while (r < n && t[r] == ' ')
				r++;
			if (r + 1 < n && t[r] == '=' && t[r + 1] != '=' &&
			    t[r + 1] != '>') {
				p = r;
				env_like = 0;
			}
		}
	}
	if (t[p] == '(') {
		/* setPassword("x"), password.equals("x"): literals only */
		size_t q = p + 1;

		if (strength < 2)
			return;
		while (q < n && t[q] == ' ')
			q++;
		if (q < n && (t[q] == '"' || t[q] == '\''))
			assignment_value(sc, q, strength, 0, 0, 0);
		return;
	}
	if (p + 2 < n && t[p] == '=' && t[p + 1] == '=' && t[p + 2] == '=')
		p += 3;
	else if (p + 2 < n && t[p] == '!' && t[p + 1] == '=' &&
		 t[p + 2] == '=')
		p += 3;
	else if (p + 1 < n &&
		 ((t[p] == '=' && (t[p + 1] == '=' || t[p + 1] == '>')) ||
		  (t[p] == '!' && t[p + 1] == '=') ||
		  (t[p] == ':' && t[p + 1] == '=') ||
		  (t[p] == '?' && t[p + 1] == '=') ||
		  (t[p] == '+' && t[p + 1] == '=') ||
		  (t[p] == '<' && t[p + 1] == '-')))
		p += 2;
	else if (t[p] == '=')
		p += 1;
	else if (t[p] == ':' && !(p + 1 < n && t[p + 1] == ':')) {
		p += 1;
		colon_op = 1;
	} else if (t[p] == '"' && p > e && line < i &&
		   !strncmp(t + line, "#define", 7)) {
		/* #define PASSWORD "x" */
	} else {
		return;
	}
	assignment_value(sc, p, strength, env_like, tight_eq, colon_op);
}

/* ---- per-byte handlers ---- */

static void b64_run(struct scan *sc, size_t i)
{
	const char *t = sc->t;
	size_t a = i, b = i;

	if (i < sc->b64_end)
		return;
	while (a > sc->b64_end && IS(t[a - 1], C_B64))
		a--;
	while (b < sc->n && IS(t[b], C_B64))
		b++;
	sc->b64_end = b;
	/* Trim the punctuation a token does not start with, and the letter
	 * of an escape ("\nAbc...": the n belongs to the escape). */
	while (a < b && (t[a] == '/' || t[a] == '-' || t[a] == '=' ||
			 t[a] == '+' || (a > 0 && t[a - 1] == '\\')))
		a++;
	if (b - a >= 24 && high_entropy(t + a, b - a, 24, 32))
		add_span(sc->sp, a, b, PF_CAT_SECRET);
}

static void word_start(struct scan *sc, size_t i, size_t wend)
{
	const char *t = sc->t;
	unsigned char c = (unsigned char)t[i];

	for (unsigned k = 0; k < by_first_nr[c]; k++) {
		const struct rule *r = &rules[by_first[c][k]];
		size_t pl = rule_plen[by_first[c][k]];

		if (sc->n - i < pl)
			continue;
		if (r->caseless ? strncasecmp(t + i, r->prefix, pl)
				: memcmp(t + i, r->prefix, pl))
			continue;
		if (try_rule(sc, by_first[c][k], i))
			break;
	}
	if (c >= '0' && c <= '9')
		ipv4(sc, i);
	else
		keyword_assign(sc, i, wend);
	/* The usual word is its own base64 run, too short to be a secret:
	 * no need to scan it again. */
	if (i >= sc->b64_end && wend - i < 24 &&
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
		if (!(cls[(unsigned char)t[k]] & C_GAP))
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
	if (e - i - 1 >= 16 && all_of(sc->t + i + 1, e - i - 1, C_B64) &&
	    high_entropy(sc->t + i + 1, e - i - 1, 20, 16))
		add_span(sc->sp, i + 1, e, PF_CAT_SECRET);
	if (sc->nested)
		return;
	/* Keep only literals that follow another across a concatenation
	 * gap (and that other one): joined_literals() needs no more. */
	if (sc->prev_lit_b && lit_gap(sc->t, sc->prev_lit_b + 1, i)) {
		if (!sc->lit_nr || sc->lits[sc->lit_nr - 1].b != sc->prev_lit_b) {
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

static void pem(struct scan *sc, size_t i)
{
	const char *t = sc->t;
	int rc;
	size_t body, end, limit;
	const char *endm;

	rc = pcre2_match(pem_code, (PCRE2_SPTR)t, sc->n, i, 0, sc->md, NULL);
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
		add_span(sc->sp, a, k, PF_CAT_SECRET);
	}
}

static void dash(struct scan *sc, size_t i)
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
		int rc = pcre2_match(curl_code, (PCRE2_SPTR)t, sc->n, i, 0,
				     sc->md, NULL);

		if (rc >= 0) {
			PCRE2_SIZE *ov = pcre2_get_ovector_pointer(sc->md);

			add_span(sc->sp, ov[0], ov[1], PF_CAT_SECRET);
		} else if (rc != PCRE2_ERROR_NOMATCH) {
			sc->err = rc;
		}
	}
}

/* /home/<user>, /Users/<user>, C:\Users\<user> (also "\\" escaped). */
static void slash(struct scan *sc, size_t i)
{
	const char *t = sc->t;
	size_t p, a;

	if (t[i] == '/') {
		if (sc->n - i > 6 && !memcmp(t + i, "/home/", 6))
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
	while (p < sc->n && (IS(t[p], C_ALNUM) || t[p] == '.' || t[p] == '_' ||
			     t[p] == '-' || ((unsigned char)t[p] & 0x80)) &&
	       p - a < 64)
		p++;
	if (p - a >= 2 && !(p - a == 6 && !memcmp(t + a, "Public", 6)) &&
	    !(p - a == 6 && !memcmp(t + a, "Shared", 6)))
		add_span(sc->sp, a, p, PF_CAT_PERSON);
}

/* Copyright (c) 2024 Jane Doe / @author Jane Doe: the capitalised words
 * after a mark that ends at p (called from the byte scan). */
static void attribution_at(struct scan *sc, size_t p)
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
		else if (q < le && t[q] >= '0' && t[q] <= '9')
			while (q < le && ((t[q] >= '0' && t[q] <= '9') ||
					  t[q] == '-' || t[q] == ','))
				q++;
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
		if (e2 - a < 2)
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
		return r >= 3 && (t[i + 1] == 'c' || t[i + 1] == 'C') &&
				       t[i + 2] == ')'
			       ? i + 3
			       : 0;
	case '\xc2':
		return r >= 2 && t[i + 1] == '\xa9' ? i + 2 : 0;
	}
	return 0;
}

static int is_subword_char(char c)
{
	return IS(c, C_ALNUM) || ((unsigned char)c & 0x80);
}

/* End of the sub-word starting at i (see the comment at struct wentry). */
static size_t subword_end(const char *t, size_t n, size_t i)
{
	unsigned prev = sub_cls[(unsigned char)t[i]];
	size_t e = i + 1;

	while (e < n) {
		unsigned c = sub_cls[(unsigned char)t[e]];

		if (!(c & S_SUB) || ((c & S_UPPER) && (prev & S_LOWER)) ||
		    ((c ^ prev) & S_DIGIT))
			break;
		/* ABc: a new sub-word at B */
		if ((c & S_UPPER) && (prev & S_UPPER) && e + 1 < n &&
		    (sub_cls[(unsigned char)t[e + 1]] & S_LOWER))
			break;
		prev = c;
		e++;
	}
	return e;
}

/* Does the sequence q match the sub-words from [i, e)?  Its end or 0. */
static size_t seq_match(const struct word_seq *q, const char *t, size_t n,
			size_t e)
{
	for (size_t k = 1; k < q->nr; k++) {
		size_t l = strlen(q->parts[k]), c = e;

		if (c < n && t[c] && strchr(" -_./", t[c]))
			c++;
		if (c >= n || !is_subword_char(t[c]))
			return 0;
		e = subword_end(t, n, c);
		if (e - c != l || strncasecmp(q->parts[k], t + c, l))
			return 0;
	}
	return e;
}

static void names(struct scan *sc)
{
	const struct pf_redact_priv *p = sc->p;
	const char *t = sc->t;
	size_t i = 0, n = sc->n;

	if (!p || !p->wm_nr)
		return;
	while (i < n) {
		size_t e, q;
		const struct wentry *w;

		if (!(sub_cls[(unsigned char)t[i]] & S_SUB)) {
			i++;
			continue;
		}
		e = subword_end(t, n, i);
		/* "northwind" inside "mynorthwindapi" */
		if (p->lp_nr && e - i > p->lp_min) {
			for (size_t x = i; x + p->lp_min <= e; x++) {
				if (!p->lp_first[(unsigned char)t[x]])
					continue;
				for (size_t k = 0; k < p->lp_nr; k++) {
					const char *lw = p->lp[k].w;
					size_t l = p->lp[k].len;

					if (l >= e - i || x + l > e ||
					    lower((unsigned char)t[x]) != lw[0] ||
					    strncasecmp(t + x, lw, l))
						continue;
					add_span(sc->sp, x, x + l,
						 p->lp[k].cat);
					x += l - 1;
					break;
				}
			}
		}
		q = qf_index(t + i, e - i);
		if (!(p->qf[q / 8] & (1u << (q % 8))) ||
		    !(w = wm_find(p, t + i, e - i))) {
			i = e;
			continue;
		}
		if (w->single)
			add_span(sc->sp, i, e, w->cat);
		for (size_t s = w->seq; s != (size_t)-1; s = p->seq[s].next) {
			size_t end = seq_match(&p->seq[s], t, n, e);

			if (end)
				add_span(sc->sp, i, end, p->seq[s].cat);
		}
		i = e;
	}
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

static void scan_text(struct scan *sc);

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
			struct scan sub;
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
			memset(&sub, 0, sizeof(sub));
			sub.t = j;
			sub.n = total;
			sub.sp = &js;
			sub.p = sc->p;
			sub.vault = NULL;
			sub.md = sc->md;
			sub.nested = 1;
			scan_text(&sub);
			/* the joined value as one quoted string */
			if (all_of(j, total, C_B64) &&
			    high_entropy(j, total, 20, 16))
				add_span(&js, 0, total, PF_CAT_SECRET);
			if (sub.err)
				sc->err = sub.err;
			/* Map [a, b) back: one piece per literal. */
			for (size_t s = 0; s < js.nr; s++) {
				size_t a = js.v[s].a, b = js.v[s].b;

				while (a < b) {
					size_t c = a + 1;

					while (c < b && map[c] == map[c - 1] + 1)
						c++;
					add_span(sc->sp, map[a], map[c - 1] + 1,
						 js.v[s].cat);
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

static void scan_text(struct scan *sc)
{
	const char *t = sc->t;
	size_t n = sc->n;

	int c0 = sc->vault ? lower((unsigned char)sc->vault->prefix[0]) : -1;

	for (size_t i = 0; i < n; i++) {
		size_t m;

		switch (dispatch[(unsigned char)t[i]]) {
		case D_NONE:
			break;
		case D_WORD: {
			size_t j;

			/* The rest of the word holds no other trigger: skip
			 * it, looking only for text like our placeholders
			 * (anywhere, even inside a word), escaped as LIT. */
			for (j = i; j < n && IS(t[j], C_WORD); j++)
				if (((unsigned char)t[j] | 0x20) == c0 &&
				    j >= sc->lit_ph_end)
					lookalike_at(sc, j);
			if (!i || !IS(t[i - 1], C_WORD)) {
				if ((t[i] == 'C' || t[i] == 'c') &&
				    (m = attribution_mark(sc, i)))
					attribution_at(sc, m);
				word_start(sc, i, j);
			}
			i = j - 1;
			break;
		}
		case D_MARK:
			if ((m = attribution_mark(sc, i)))
				attribution_at(sc, m);
			break;
		case D_QUOTE:
			quote(sc, i);
			break;
		case D_AT:
			if ((m = attribution_mark(sc, i)))
				attribution_at(sc, m);
			email(sc, i);
			break;
		case D_COLON:
			if (i + 2 < n && t[i + 1] == '/' && t[i + 2] == '/')
				url(sc, i);
			else if (i + 1 < n && (IS(t[i + 1], C_HEX) ||
					       t[i + 1] == ':'))
				ipv6(sc, i);
			break;
		case D_DOT:
			if (i && IS(t[i - 1], C_HOST))
				bare_host(sc, i);
			break;
		case D_DASH:
			dash(sc, i);
			break;
		case D_SLASH:
			slash(sc, i);
			break;
		}
	}
	names(sc);
	if (!sc->nested)
		joined_literals(sc);
}

static int span_le(const struct span *p, const struct span *q)
{
	return p->a < q->a || (p->a == q->a && p->b >= q->b);
}

/*
 * Sort spans by start: LSD radix sort on the 32-bit start, 11 bits a
 * pass (the order of equal starts does not matter to emit(), which
 * merges overlaps).  Most texts come out of the scan already sorted.
 */
static void sort_spans(struct spans *sp, struct span **tmp_buf,
		       size_t *tmp_alloc)
{
	struct span *a = sp->v, *b, *tmp;
	size_t n = sp->nr, i;
	uint32_t max = 0;

	for (i = 1; i < n && span_le(&a[i - 1], &a[i]); i++)
		;
	if (i >= n)
		return; /* sorted already (or fewer than 2) */
	if (*tmp_alloc < n) {
		free(*tmp_buf);
		*tmp_alloc = n + n / 2;
		*tmp_buf = pf_xmalloc(*tmp_alloc * sizeof(**tmp_buf));
	}
	b = *tmp_buf;
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
	if (a != sp->v)
		memcpy(sp->v, a, n * sizeof(*a));
}

static int is_blank(char c)
{
	return c == ' ' || c == '\t' || c == '\r';
}

/* Replace the spans (sorted, merged, split per line) by placeholders. */
static void emit(struct pf_buf *out, struct pf_vault *v, const char *t,
		 size_t n, struct spans *sp, struct span **tmp_buf,
		 size_t *tmp_alloc)
{
	size_t last = 0, i = 0;

	pf_buf_grow(out, n + n / 4);
	sort_spans(sp, tmp_buf, tmp_alloc);
	while (i < sp->nr) {
		size_t a = sp->v[i].a, b = sp->v[i].b;
		unsigned char cat = sp->v[i].cat;

		if (a < last)
			a = last; /* digits taken by the previous span */
		for (;;) {
			for (i++; i < sp->nr && sp->v[i].a < b; i++) {
				if (sp->v[i].b > b)
					b = sp->v[i].b;
				if (cat_prio[sp->v[i].cat] > cat_prio[cat])
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
		/* one placeholder per line piece, blanks kept outside */
		while (a < b) {
			const char *nl = memchr(t + a, '\n', b - a);
			size_t e = nl ? (size_t)(nl - t) : b, pa = a, pb = e;

			while (pa < pb && is_blank(t[pa]))
				pa++;
			while (pb > pa && is_blank(t[pb - 1]))
				pb--;
			if (pb > pa) {
				pf_buf_add(out, t + last, pa - last);
				pf_buf_addstr(out, pf_vault_put(v, cat, t + pa,
								pb - pa));
				last = pb;
			}
			a = nl ? e + 1 : b;
		}
	}
	pf_buf_add(out, t + last, n - last);
}

int pf_redact_text(struct pf_buf *out, struct pf_vault *v,
		   struct pf_redact_ctx *ctx, const char *text, size_t len)
{
	struct spans sp = { NULL, 0, 0 };
	struct pf_redact_priv *p = ctx ? ctx->priv : NULL;
	struct span *tmp = NULL;
	size_t tmp_alloc = 0;
	struct scan sc;
	int ret = 0;

	pthread_once(&engine_once, init_engine);
	if (!engine_ok)
		return pf_error_set("%s", engine_err);
	if (len >= UINT32_MAX)
		return pf_error_setc(PF_ETOOBIG, "cannot redact %zu bytes at "
				     "once (4 GiB at most)", len);
	memset(&sc, 0, sizeof(sc));
	sc.t = text;
	sc.n = len;
	sc.sp = &sp;
	sc.p = ctx ? ctx->priv : NULL;
	sc.vault = v;
	sc.md = pcre2_match_data_create(16, NULL);
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
	scan_text(&sc);
	if (sc.err) {
		PCRE2_UCHAR msg[120];

		pcre2_get_error_message(sc.err, msg, sizeof(msg));
		ret = pf_error_set("redaction failed: %s", (char *)msg);
	} else {
		emit(out, v, text, len, &sp, &tmp, &tmp_alloc);
	}
	pcre2_match_data_free(sc.md);
	free(sc.lits);
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

/* ---- paths ---- */

static const char *const plain_names[] = {
	".babelrc", ".dockerignore", ".editorconfig", ".env", ".eslintrc",
	".gitignore", ".gitlab-ci.yml", ".npmrc", ".prettierrc", ".pypirc",
	".travis.yml", "Cargo.toml", "Dockerfile", "Gemfile", "Jenkinsfile",
	"Makefile", "Pipfile", "README.md", "__init__.py", "app.py",
	"build.gradle", "composer.json", "config.py", "conftest.py",
	"docker-compose.yml", "docker-compose.yaml", "go.mod", "index.js",
	"index.ts", "main.c", "main.go", "main.py", "manage.py",
	"package.json", "pom.xml", "pyproject.toml", "requirements.txt",
	"settings.py", "setup.cfg", "setup.py", "tsconfig.json",
	"values.yaml", "webpack.config.js",
};

static const char *const test_dirs[] = {
	"__tests__", "__test__", "e2e", "fixtures", "spec", "specs", "test",
	"test-data", "testdata", "testing", "tests", "it",
};

static int is_test_path(const char *path)
{
	const char *base = strrchr(path, '/');
	const char *s = path;

	base = base ? base + 1 : path;
	while (s < base) {
		size_t n = strcspn(s, "/");

		if (in_list(test_dirs, PF_ARRAY_SIZE(test_dirs), s, n))
			return 1;
		s += n + 1;
	}
	if (pf_starts_with(base, "test_") || pf_starts_with(base, "test.") ||
	    !strcmp(base, "conftest.py"))
		return 1;
	{
		const char *dot = strchr(base, '.');
		size_t stem = dot ? (size_t)(dot - base) : strlen(base);

		if ((stem > 5 && !strncmp(base + stem - 5, "_test", 5)) ||
		    (stem > 4 && !strncmp(base + stem - 4, "Test", 4)) ||
		    (stem > 5 && !strncmp(base + stem - 5, "Tests", 5)) ||
		    (stem > 5 && !strncmp(base + stem - 5, "_spec", 5)) ||
		    strstr(base, ".test.") || strstr(base, ".spec."))
			return 1;
	}
	return 0;
}

int pf_redact_path(struct pf_buf *out, struct pf_vault *v,
		   struct pf_redact_ctx *ctx, const char *path, int *is_test)
{
	const char *slash = strrchr(path, '/');
	const char *base = slash ? slash + 1 : path;
	enum pf_redact_paths mode = ctx ? ctx->paths : PF_REDACT_PATHS_ALL;
	int ret = 0;

	if (is_test)
		*is_test = is_test_path(path);
	if (mode == PF_REDACT_PATHS_NONE)
		return pf_redact_text(out, v, ctx, path, strlen(path));
	if (slash) {
		pf_buf_addstr(out, pf_vault_put(v, PF_CAT_PATH, path,
						(size_t)(slash - path)));
		pf_buf_addch(out, '/');
	}
	if (mode == PF_REDACT_PATHS_DIRS ||
	    in_list(plain_names, PF_ARRAY_SIZE(plain_names), base,
		    strlen(base)) ||
	    pf_starts_with(base, ".env")) {
		ret = pf_redact_text(out, v, ctx, base, strlen(base));
	} else {
		const char *dot = strrchr(base, '.');
		size_t stem = dot && dot != base ? (size_t)(dot - base)
						 : strlen(base);

		if (stem)
			pf_buf_addstr(out,
				      pf_vault_put(v, PF_CAT_PATH, base, stem));
		pf_buf_addstr(out, base + stem);
	}
	return ret;
}
