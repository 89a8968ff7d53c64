#ifndef PUSHFIX_REDACT_H
#define PUSHFIX_REDACT_H

#include <stddef.h>
#include <git2.h>

#include "pushfix/buf.h"
#include "pushfix/config.h"

/*
 * Reversible anonymisation of what is sent to an LLM (issue 3).
 *
 * Identifying values are replaced by placeholders; a vault remembers each
 * placeholder's original so that what comes back (a fix) can be mapped
 * back.  Typical use, one vault and one context per push:
 *
 *	struct pf_vault vault;
 *	struct pf_redact_ctx ctx;
 *
 *	pf_vault_init(&vault, NULL);
 *	pf_redact_ctx_init(&ctx);
 *	pf_redact_ctx_configure(&ctx, &run->cfg);           [privacy] keys
 *	pf_redact_ctx_load_repo(&ctx, run->repo, run->state_dir);
 *	for each changed file with findings:
 *		pf_redact_text(&red, &vault, &ctx, f->content, f->content_len);
 *		pf_redact_path(&rpath, &vault, &ctx, f->path, &is_test);
 *		snippets from red (snippet.h), message via pf_redact_text
 *	... send, receive a fix for lines a..b ...
 *	pf_snippet_lines(&sent, red.buf, red.len, a, b);
 *	if (pf_vault_restore(&fix, &vault, repl, repl_len, sent.buf, sent.len))
 *		refuse the fix with pf_error_last() as the reason
 *	pf_redact_ctx_release(&ctx);
 *	pf_vault_release(&vault);
 *
 * Neither the vault nor the context is thread-safe: use them from one
 * thread (redact everything before the requests go out in parallel).
 *
 * PLACEHOLDERS are `<PREFIX>_<CATEGORY>_<N>`, e.g. PF_SECRET_1, PF_EMAIL_2,
 * PF_ORG_3: upper-case ASCII, a valid identifier in every language and
 * valid inside any string literal, which models copy faithfully.  PREFIX
 * is "PF" unless pf_vault_init() is given another; N counts per category
 * from 1.  Placeholders are deterministic (same push, same order, same
 * placeholders), so the LLM cache keyed by the anonymised body still hits.
 * The same value (byte for byte) always gets the same placeholder within
 * one vault, across every text and path redacted with it.  A name (PERSON,
 * ORG, HOST, WORD) gets one placeholder whatever its case (cJSON, CJSON
 * and cjson are one PF_ORG_1); the vault keeps each spelling and the
 * identifiers it was seen in, and restores the spelling of that identifier
 * (PF_ORG_1_Parse -> cJSON_Parse, PF_ORG_1_PUBLIC -> CJSON_PUBLIC); in an
 * identifier it never saw, the spelling whose case fits the rest of the
 * identifier, else the most frequent one.  Only the value
 * is replaced: quotes, `scheme://`, ports, '@' of a URL's user info,
 * PEM armour lines and file extensions stay, so the code still reads.
 *
 * COLLISIONS: before anything else, every case-insensitive occurrence of
 * `<PREFIX>_<CATEGORY>` (optionally followed by `_<digits>`) already in
 * the input is itself replaced by a fresh PF_LIT_<n> placeholder whose
 * original is that text.  So the model never sees code text that looks
 * like one of our placeholders (an attacker cannot plant `PF_SECRET_1` to
 * make the de-anonymiser paste a secret), and the round trip stays exact.
 *
 * DIGITS: a placeholder is never followed by a digit of the text (that
 * would read as another placeholder): digits right after a value become
 * part of it.
 *
 * LINES: redaction never adds or removes a '\n'.  A value that spans lines
 * (a PEM key body, a secret concatenated over two lines) is replaced piece
 * by piece, one placeholder per line piece.  Hence line N of the redacted
 * text is line N of the input.
 *
 * WHAT IS REPLACED (category):
 *  SECRET  - token formats modelled on gitleaks' default rules: AWS access
 *            key ids (AKIA/ASIA/ABIA/ACCA/A3T..), GitHub ghp_/gho_/ghu_/
 *            ghs_/ghr_/github_pat_, GitLab glpat-/gldt-/glrt-/glptt-,
 *            Slack xox[abposer]-, xapp- and hooks.slack.com URLs, Stripe
 *            sk_/rk_/pk_ live|test, Google AIza.., OpenAI sk-.. and sk-proj-,
 *            Anthropic sk-ant-.., npm_, PyPI pypi-, Hugging Face hf_,
 *            SendGrid SG., Twilio AC/SK + 32 hex, Mailgun key-, Shopify
 *            shp*_, DigitalOcean do[pro]_v1_, Databricks dapi, Telegram bot
 *            tokens, age keys, Azure storage AccountKey=/SharedAccessKey=,
 *            SAS sig=, JWTs (eyJ..eyJ..), PEM private key bodies,
 *            Authorization Basic/Bearer values, credentials in URLs
 *            (scheme://user:pass@host: the whole user:pass);
 *          - values assigned to secret-ish names (password, passwd, pwd,
 *            pass, secret, token, api_key, apikey, access_key, auth,
 *            credential(s), creds, private_key, client_secret, ... key) in
 *            = : := => == != <- and XML <password>..</password>, CLI
 *            --password X / --token=X, quoted or not; the string
 *            arguments of calls of such names (setPassword("x")) and of
 *            credential-named calls: login, logon, signin, log_in,
 *            sign_in, authenticate (all), connect (token-looking ones);
 *          - base64 and hex runs of 16..1024 letters that decode to a
 *            secret: a token or secret assignment the above finds in the
 *            decoded text, a user:password pair, or random bytes (>= 12)
 *            whose base64 text changes letter class like random text;
 *          - high-entropy strings as detect-secrets: quoted strings of the
 *            base64 charset (>= 20 bytes, Shannon entropy > 4.5) or hex
 *            (>= 16 bytes, entropy > 3.0), and unquoted tokens of >= 24
 *            (base64) / 32 (hex) bytes above the same limits;
 *          - all of the above also on the joined view of adjacent string
 *            literals ("AKIA" + "IOSF...", Python/C implicit concatenation,
 *            PHP '.', over several lines): each literal's part of a hit is
 *            replaced.
 *  EMAIL   - e-mail addresses.
 *  IP      - IPv4 and IPv6 addresses except loopback, 0.0.0.0, ::.
 *  HOST    - host names of URLs (any scheme://, any host not allowed) and
 *            bare host names ending in a common top-level domain
 *            (lower-case labels; .com .net .org .io .dev .internal .local
 *            .corp ...); localhost, example.com/net/org, *.example,
 *            *.invalid, *.test and [privacy] allow_hosts are kept
 *            ("github.com" keeps only that host; ".github.com" or
 *            "*.github.com" also keeps its subdomains).
 *  PERSON  - every author/committer name of the history and git's
 *            user.name (whole name in any case, with - _ . or space or
 *            nothing between its words, and each word of >= 3 letters not
 *            on the stop list, not a language keyword or common word
 *            (words.c), as a whole word; a name made only of such words,
 *            "Static Void", only as written); a name written beside an
 *            e-mail ("Name <mail>", "Name (mail)", "mail (Name)",
 *            "by Name, mail"); "@author Name", "Copyright (c) 2024 Name";
 *            the user of /home/<u>, /Users/<u>, C:\Users\<u>.
 *  ORG     - owner, group and repository names from every remote URL (and
 *            push URL), in any case or spelling (northwind-logistics,
 *            Northwind_Logistics, NorthwindLogistics, NORTHWIND), and
 *            their distinctive word parts (split on - _ . / and camelCase,
 *            common words such as sync, api, app, route, void, works
 *            dropped): parts of 7 bytes or more also inside longer words
 *            ("northwind" in "mynorthwindapi"), shorter ones as whole
 *            sub-words; each name whole also at sub-word boundaries in any
 *            camelCase ("cjson" in cJSON_Parse, CJSON_PUBLIC, cJSONLite:
 *            PF_ORG_1_Parse); remote hosts are matched label by label.
 *  WORD    - [privacy] redact_words, any case, separators as for ORG, and
 *            anywhere, even inside longer words ("nwl" in "nwlinvoices").
 * Names are matched per sub-word: a run of letters/digits split at
 * camelCase and at letter/digit changes; a multi-word name may have one
 * of " -_./" or nothing between its words.
 *  PATH    - file path parts (pf_redact_path only).
 *  LIT     - text that looked like a placeholder (see COLLISIONS).
 * Overlaps resolve to one span: a secret beats everything, then e-mail,
 * URL parts, IP, host, person, org, word.
 *
 * NOT COVERED (documented limits): secrets encoded (base64, percent,
 * hex-escaped), built at run time (arrays, join, reversed, char codes),
 * split across files; low-entropy passwords not assigned to a secret-ish
 * name (e.g. passed positionally: login(u, "hunter2")); non-ASCII names
 * are matched byte for byte (no Unicode case folding); bare host names
 * with an uncommon TLD or upper case; person names never seen in the
 * history nor next to an e-mail.
 */

enum pf_vault_cat {
	PF_CAT_SECRET = 0,
	PF_CAT_EMAIL,
	PF_CAT_IP,
	PF_CAT_HOST,
	PF_CAT_PERSON,
	PF_CAT_ORG,
	PF_CAT_PATH,
	PF_CAT_WORD,
	PF_CAT_LIT,
	PF_CAT__NR
};

/* "SECRET", "EMAIL", ... as used in placeholders. */
const char *pf_vault_cat_name(enum pf_vault_cat cat);

struct pf_vault_entry {
	char *placeholder; /* "PF_SECRET_1" (owned) */
	char *original;	   /* the value, NUL-terminated (owned) */
	size_t original_len;
	enum pf_vault_cat cat;
	/* private: strlen(placeholder), which lookups find it (vault.c) */
	unsigned char ph_len, keyed;
	/* private: hash of original */
	unsigned long long h_value;
	/* private: the other spellings of a name (vault.c) */
	struct pf_vault_cases *cases;
};

struct pf_vault {
	char prefix[16]; /* "PF" */
	struct pf_vault_entry *v;
	size_t nr, alloc;
	unsigned counter[PF_CAT__NR];
	/* private: hash index by original; the entries of each category
	 * in the order of their numbers (a placeholder names its entry) */
	size_t *by_value;
	size_t hash_alloc;
	size_t *by_num[PF_CAT__NR];
	size_t num_alloc[PF_CAT__NR];
	/* private: the originals and placeholders, one block after another
	 * (vault.c) */
	struct pf_vault_chunk *chunks;
	/* private: each category's last placeholder ("PF_SECRET_41"), its
	 * length, where its digits start and the number they say: the next
	 * one is this one counted up (vault.c) */
	char ph[PF_CAT__NR][32];
	unsigned char ph_len[PF_CAT__NR], ph_digits[PF_CAT__NR];
	unsigned ph_num[PF_CAT__NR];
};

/*
 * prefix: NULL for "PF"; else 1..8 upper-case letters or digits, starting
 * with a letter (anything else falls back to "PF").
 */
void pf_vault_init(struct pf_vault *v, const char *prefix);
void pf_vault_release(struct pf_vault *v);

/* The placeholder of `value` (len bytes), added with `cat` if new.  Owned
 * by the vault; valid until pf_vault_release(). */
const char *pf_vault_put(struct pf_vault *v, enum pf_vault_cat cat,
			 const char *value, size_t len);

/* The entry of an exact (case-sensitive) placeholder, or NULL. */
const struct pf_vault_entry *
pf_vault_lookup(const struct pf_vault *v, const char *placeholder, size_t len);

/* [{"placeholder":"PF_SECRET_1","category":"SECRET","original":"..."}...]
 * for the local log when [privacy] log_vault = true.  Appends to out. */
void pf_vault_to_json(const struct pf_vault *v, struct pf_buf *out);

/*
 * De-anonymise a FIX (text the model wrote that will be applied to code).
 * out = text with every placeholder replaced by its original.  Refused
 * with PF_EINVALID and a message saying why (out is then reset) when:
 *  1. UNKNOWN: the text holds `<PREFIX>_<CATEGORY>` in any case (e.g.
 *     "pf_secret_1", "PF_EMAIL_", "PF_HOST_99") that is not, exactly and
 *     case-sensitively with all its digits, a placeholder of this vault.
 *     No fuzzy matching ever.
 *  2. SECRET MOVED: each occurrence of a SECRET placeholder in the text
 *     must be paired, one to one, with an occurrence of the same
 *     placeholder in `sent_text` (the redacted lines the fix replaces, as
 *     sent) that has the same context: the up to 8 non-blank bytes before
 *     it on its line, and the up to 8 non-blank bytes after it on its line
 *     (white space ignored, so re-indenting is fine).  So a fix may keep or
 *     delete a secret where it was, never copy it, move it into a log
 *     call, a URL or another line's expression.  sent_text NULL: no SECRET
 *     placeholder is allowed at all.
 *  3. MARKER: the text holds "REDACTED" (any case) more times than
 *     sent_text does (a model that "redacted" something itself).
 * Placeholders of other categories may appear anywhere (they are the
 * user's own names and hosts, restored into the user's own code).
 */
int pf_vault_restore(struct pf_buf *out, const struct pf_vault *v,
		     const char *text, size_t len, const char *sent_text,
		     size_t sent_len);

/*
 * De-anonymise text only SHOWN to the user (the model's reason, the fix
 * explanation): every known placeholder is replaced, unknown ones are left
 * as they are, never an error.  Appends to out.
 */
void pf_vault_expand(struct pf_buf *out, const struct pf_vault *v,
		     const char *text, size_t len);

/*
 * What to look for besides the built-in detectors: names, organisations,
 * words, allowed hosts, the path mode.  Fill it once per push, then use
 * it for every text; adding after the first redaction is allowed (the
 * matcher is rebuilt).
 */
struct pf_redact_priv;
struct pf_redact_ctx {
	enum pf_redact_paths paths; /* default PF_REDACT_PATHS_ALL */
	unsigned max_commits;	    /* history walk bound, default 100000 */
	struct pf_redact_priv *priv;
};

void pf_redact_ctx_init(struct pf_redact_ctx *ctx);
void pf_redact_ctx_release(struct pf_redact_ctx *ctx);

/* [privacy] redact_paths, redact_words, allow_hosts. */
int pf_redact_ctx_configure(struct pf_redact_ctx *ctx,
			    const struct pf_config *cfg);

/*
 * Everything the repository knows that identifies it: every author and
 * committer name (PERSON) of the history reachable from HEAD, local
 * branches and remote-tracking branches (at most max_commits commits per
 * walk), git's user.name, and the owner/group/repo names (ORG) and hosts
 * (HOST) of every remote's URL and push URL.  The people are cached in
 * <state_dir>/people.cache keyed by the tips walked; a later call walks
 * only the commits that are new since (state_dir may be NULL: no cache).
 * E-mail addresses need no list: every address is redacted.
 */
int pf_redact_ctx_load_repo(struct pf_redact_ctx *ctx, git_repository *repo,
			    const char *state_dir);

/* Single additions (tests, and the hook's remote URL argument).  The
 * value is matched as described above for its category; PF_CAT_PERSON,
 * PF_CAT_ORG (split into parts) and PF_CAT_WORD only. */
void pf_redact_ctx_add_word(struct pf_redact_ctx *ctx, enum pf_vault_cat cat,
			    const char *word);
/* A remote URL: its host (HOST unless allowed) and path names (ORG). */
void pf_redact_ctx_add_remote_url(struct pf_redact_ctx *ctx, const char *url);
/* "host", ".host" or "*.host" (subdomains too), comma separated. */
void pf_redact_ctx_allow_hosts(struct pf_redact_ctx *ctx, const char *list);

/*
 * Redact text (len bytes, may hold NULs, need not be valid UTF-8) and
 * APPEND the result to out.  Adds every replaced value to the vault.
 * Returns 0; a negative PF_E* only if a regex engine fails, or
 * PF_ETOOBIG for 4 GiB or more at once: then nothing must be sent (fail
 * closed).
 */
int pf_redact_text(struct pf_buf *out, struct pf_vault *v,
		   struct pf_redact_ctx *ctx, const char *text, size_t len);

/*
 * Redact a repository-relative path per ctx->paths, APPEND to out:
 *   ALL  (default) the directory part becomes one PATH placeholder and the
 *        base name another; the last extension is kept, as are well-known
 *        base names that identify nothing (Dockerfile, Makefile,
 *        package.json, .env, setup.py, ...):
 *        "src/northwind/billing/Invoice.java" -> "PF_PATH_1/PF_PATH_2.java"
 *   DIRS  directories replaced, base name kept (but redacted as text):
 *        "PF_PATH_1/Invoice.java"
 *   NONE  the path redacted as text only (names, orgs, words still go).
 * *is_test (may be NULL) = the ORIGINAL path lies under a test directory
 * (test, tests, spec, __tests__, testdata, e2e, ...) or is a test file by
 * name (test_x.py, x_test.go, XTest.java, x.test.js, x.spec.ts).
 */
int pf_redact_path(struct pf_buf *out, struct pf_vault *v,
		   struct pf_redact_ctx *ctx, const char *path, int *is_test);

/*
 * The SECRET values of a text alone, with what found them, for pushfix's
 * own credential findings (issue 11; secret.h): the same detectors as
 * pf_redact_text(), no context, no vault.  *out (sorted by start,
 * overlaps merged; the caller frees it) gets *nr hits.  `kind` names the
 * detector: a token rule's id ("aws-access-key-id", "github-token",
 * "openai-anthropic-key", ...), "private-key", "url-credentials",
 * "curl-credentials", "assignment", "encoded-secret" or "high-entropy";
 * `known` is 0 for the last two (a guess from the letters, no format).
 * Fails as pf_redact_text() does.
 */
struct pf_secret_hit {
	size_t start, end; /* byte offsets, end exclusive */
	const char *kind;  /* static */
	int known;
};
int pf_redact_find_secrets(struct pf_secret_hit **out, size_t *nr,
			   const char *text, size_t len);

/* Which classifier pf_redact_text() runs on this CPU ("AVX-512" where it
 * has AVX-512 BW, VBMI and BMI2, else "SSE2", or "C"; PUSHFIX_REDACT_SIMD
 * = sse2 forces SSE2): the same output, at different speeds. */
const char *pf_redact_classifier(void);

/* Shannon entropy of s in bits per byte, as the high-entropy detector
 * measures it (also for pushfix's own secret findings). */
double pf_redact_entropy(const char *s, size_t n);

#endif
