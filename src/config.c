/*
 * Configuration layers; see include/pushfix/config.h for the contract.
 *
 * Every key is one row of `keys[]`: its type, its place in struct
 * pf_config, its default as text and its range.  Defaults, parsing, the
 * environment layer and the dump all walk that one table, so a key cannot
 * be settable in one place and missing in another.
 *
 * Files are read whole and fed to inih one physical line at a time by our
 * own reader.  That is how we know each line's number (Debian's libinih is
 * built without INI_HANDLER_LINENO), how a line longer than inih's buffer
 * becomes an error instead of being cut silently, and how indentation gets
 * the meaning people expect from git's config files: an indented
 * `key = value` is just a key, and only an indented line that cannot be a
 * key continues the list above it (see reader()).
 */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include <ini.h>

#include "pushfix/buf.h"
#include "pushfix/config.h"
#include "pushfix/err.h"
#include "pushfix/util.h"

/* Configuration files are small; anything bigger is not one (and a
 * committed one that big is an attempt to stall the hook). */
#define CONFIG_FILE_CAP (64 * 1024)
/* Warnings shown for one file; the rest are counted. */
#define MAX_FILE_WARNINGS 10
/* Longest value echoed back in a message. */
#define ECHO_MAX 60

enum kind {
	K_BOOL,	      /* int 0/1 */
	K_UINT,	      /* unsigned in [min, max] */
	K_SIZE,	      /* unsigned long in [min, max], k/m/g suffixes */
	K_ENUM,	      /* int (or an enum) from names[]/values[] */
	K_CHOICE,     /* char *, one of names[] (kept as a string) */
	K_STR,	      /* char *, anything */
	K_LIST,	      /* char *, comma separated, normalised */
	K_HOSTMAP,    /* char *, list of host=github|gitlab */
	K_ENVNAME,    /* char *, the name of an environment variable */
	K_URL,	      /* char *, empty or http(s)://... */
	K_CONFIDENCE, /* double in [0, 1] or low/medium/high */
	K_PRICE,      /* double >= 0, or empty: not known (-1) */
};

/* Not accepted from the repository's own .pushfix.ini: whoever commits to
 * a repository must not be able to make a clone run a command, send its
 * code or credentials somewhere, or weaken the anonymisation. */
#define F_TRUSTED 1u

struct key_def {
	const char *section;
	const char *name;
	enum kind kind;
	size_t off;
	const char *def;
	unsigned long min, max;
	const char *const *names; /* K_ENUM, K_CHOICE: NULL-terminated */
	const int *values;	  /* K_ENUM: the value of each name */
	unsigned flags;
};

_Static_assert(sizeof(enum pf_engine) == sizeof(int), "enum size");
_Static_assert(sizeof(enum pf_filter_mode) == sizeof(int), "enum size");
_Static_assert(sizeof(enum pf_scan_tree_mode) == sizeof(int), "enum size");
_Static_assert(sizeof(enum pf_tristate) == sizeof(int), "enum size");
_Static_assert(sizeof(enum pf_redact_paths) == sizeof(int), "enum size");
_Static_assert(sizeof(enum pf_block) == sizeof(int), "enum size");
_Static_assert(sizeof(enum pf_forge) == sizeof(int), "enum size");

/* A list of scanners is matched normalised ("semgrep,sarif"). */
static const char *const engine_names[] = { "auto",	     "semgrep",
					    "sarif",	     "semgrep,sarif",
					    "sarif,semgrep", NULL };
static const int engine_values[] = { PF_ENGINE_AUTO, PF_ENGINE_SEMGREP,
				     PF_ENGINE_SARIF, PF_ENGINE_BOTH,
				     PF_ENGINE_BOTH };
static const char *const tree_names[] = { "changed", "full", NULL };
static const int tree_values[] = { PF_TREE_CHANGED, PF_TREE_FULL };
static const char *const filter_names[] = { "added", "context", "file", "all",
					    NULL };
static const int filter_values[] = { PF_FILTER_ADDED, PF_FILTER_CONTEXT,
				     PF_FILTER_FILE, PF_FILTER_ALL };
static const char *const tristate_names[] = { "auto", "always", "never", NULL };
static const int tristate_values[] = { PF_AUTO, PF_ALWAYS, PF_NEVER };
/* [ui] progress: auto (a terminal) or never; "always" would draw into
 * logs, so it is not offered. */
static const char *const progress_names[] = { "auto", "never", NULL };
static const int progress_values[] = { PF_AUTO, PF_NEVER };
static const char *const redact_names[] = { "all", "dirs", "none", NULL };
static const int redact_values[] = { PF_REDACT_PATHS_ALL, PF_REDACT_PATHS_DIRS,
				     PF_REDACT_PATHS_NONE };
static const char *const block_names[] = { "never", "true-positive", "error",
					   NULL };
static const int block_values[] = { PF_BLOCK_NEVER, PF_BLOCK_TRUE_POSITIVE,
				    PF_BLOCK_ERROR };
static const char *const on_error_names[] = { "allow", "block", NULL };
static const int on_error_values[] = { 0, 1 };
static const char *const after_fix_names[] = { "stop", "continue", NULL };
static const int after_fix_values[] = { 1, 0 };
static const char *const forge_names[] = { "auto", "github", "gitlab", NULL };
static const int forge_values[] = { PF_FORGE_AUTO, PF_FORGE_GITHUB,
				    PF_FORGE_GITLAB };
static const char *const provider_names[] = {
	"openai", "azure", "anthropic", "openai-compatible", "none", NULL,
};
static const char *const json_mode_names[] = { "auto", "schema", "object",
					       "none", NULL };

#define OFF(m) offsetof(struct pf_config, m)
#define BOOL(s, n, m, d, f)                                                    \
	{                                                                      \
		s, n, K_BOOL, OFF(m), d, 0, 1, NULL, NULL, f                   \
	}
#define UINT(s, n, m, d, lo, hi)                                               \
	{                                                                      \
		s, n, K_UINT, OFF(m), d, lo, hi, NULL, NULL, 0                 \
	}
#define ENUM(s, n, m, d, tab, f)                                               \
	{                                                                      \
		s, n, K_ENUM, OFF(m), d, 0, 0, tab##_names, tab##_values, f    \
	}
#define CHOICE(s, n, m, d, tab)                                                \
	{                                                                      \
		s, n, K_CHOICE, OFF(m), d, 0, 0, tab##_names, NULL, 0          \
	}
#define STRK(s, n, k, m, d, f)                                                 \
	{                                                                      \
		s, n, k, OFF(m), d, 0, 0, NULL, NULL, f                        \
	}

/* The default public hosts: forges, the documentation hosts that licence
 * headers and XML namespaces name, and the reserved example domains.
 * Naming them tells an LLM nothing about the user. */
#define DEFAULT_ALLOW_HOSTS                                                    \
	"localhost,example.com,example.org,example.net,github.com,"            \
	"gitlab.com,bitbucket.org,www.w3.org,www.apache.org,www.gnu.org"

static const struct key_def keys[] = {
	ENUM("scan", "engine", scan.engine, "auto", engine, 0),
	STRK("scan", "semgrep_config", K_LIST, scan.semgrep_config, "p/default",
	     0),
	STRK("scan", "semgrep_bin", K_STR, scan.semgrep_bin, "semgrep",
	     F_TRUSTED),
	STRK("scan", "command", K_STR, scan.command, "", F_TRUSTED),
	STRK("scan", "command_files", K_LIST, scan.command_files, "", 0),
	ENUM("scan", "tree", scan.tree, "changed", tree, 0),
	UINT("scan", "timeout", scan.timeout, "120", 1, 86400),
	ENUM("scan", "filter", scan.filter, "added", filter, 0),
	UINT("scan", "context", scan.context, "3", 0, 1000),
	{ "scan", "max_file_bytes", K_SIZE, OFF(scan.max_file_bytes), "1000000",
	  1, 1024UL * 1024 * 1024, NULL, NULL, 0 },
	BOOL("scan", "prescan", scan.prescan, "false", 0),

	CHOICE("llm", "provider", llm.provider, "none", provider),
	STRK("llm", "model", K_STR, llm.model, "", 0),
	STRK("llm", "base_url", K_URL, llm.base_url, "", F_TRUSTED),
	STRK("llm", "api_key_env", K_ENVNAME, llm.api_key_env, "", F_TRUSTED),
	STRK("llm", "api_key_cmd", K_STR, llm.api_key_cmd, "", F_TRUSTED),
	STRK("llm", "api_version", K_STR, llm.api_version, "", 0),
	CHOICE("llm", "json_mode", llm.json_mode, "auto", json_mode),
	UINT("llm", "timeout", llm.timeout, "30", 1, 3600),
	/* It sends code that may never be pushed: the user's choice alone,
	 * never a committed .pushfix.ini's. */
	BOOL("llm", "pretriage", llm.pretriage, "false", F_TRUSTED),
	UINT("llm", "budget", llm.budget, "60", 1, 86400),
	UINT("llm", "max_parallel", llm.max_parallel, "8", 1, 64),
	UINT("llm", "context_lines", llm.context_lines, "10", 0, 200),
	{ "llm", "autofix_min_confidence", K_CONFIDENCE,
	  OFF(llm.autofix_min_confidence), "0.6", 0, 0, NULL, NULL, 0 },
	BOOL("llm", "show_unverified", llm.show_unverified, "true", 0),
	UINT("llm", "max_findings", llm.max_findings, "20", 0, 100000),
	{ "llm", "price_in", K_PRICE, OFF(llm.price_in), "", 0, 0, NULL, NULL,
	  0 },
	{ "llm", "price_out", K_PRICE, OFF(llm.price_out), "", 0, 0, NULL, NULL,
	  0 },

	ENUM("privacy", "redact_paths", privacy.redact_paths, "all", redact,
	     F_TRUSTED),
	STRK("privacy", "redact_words", K_LIST, privacy.redact_words, "", 0),
	STRK("privacy", "allow_hosts", K_LIST, privacy.allow_hosts,
	     DEFAULT_ALLOW_HOSTS, F_TRUSTED),
	UINT("privacy", "log_retention_days", privacy.log_retention_days, "180",
	     0, 36500),
	BOOL("privacy", "log_vault", privacy.log_vault, "false", F_TRUSTED),

	ENUM("ui", "interactive", ui.interactive, "auto", tristate, 0),
	ENUM("ui", "color", ui.color, "auto", tristate, 0),
	BOOL("ui", "ignore_writes_nosemgrep", ui.ignore_writes_nosemgrep,
	     "false", 0),
	UINT("ui", "max_prompts", ui.max_prompts, "30", 0, 100000),
	ENUM("ui", "progress", ui.progress, "auto", progress, 0),

	ENUM("policy", "block", policy.block, "never", block, 0),
	ENUM("policy", "on_error", policy.on_error_block, "allow", on_error, 0),
	ENUM("policy", "after_fix", policy.after_fix_stop, "stop", after_fix,
	     0),
	/* A committed .pushfix.ini must not switch secret blocking off nor
	 * allow whole paths: it may only name known test values. */
	BOOL("policy", "block_secrets", policy.block_secrets, "true",
	     F_TRUSTED),

	/* Rule modes (issue 15): a committed .pushfix.ini may make rules
	 * stricter or only comment, never hide them from its developers
	 * (monitor), nor unblock credentials (see pf_policy_mode()). */
	STRK("rules", "block", K_LIST, rules.block, "", 0),
	STRK("rules", "comment", K_LIST, rules.comment, "", 0),
	STRK("rules", "monitor", K_LIST, rules.monitor, "", F_TRUSTED),

	STRK("secrets", "allow", K_LIST, secrets.allow, "", 0),
	STRK("secrets", "allow_paths", K_LIST, secrets.allow_paths, "",
	     F_TRUSTED),

	BOOL("mirror", "enabled", mirror.enabled, "false", 0),
	ENUM("mirror", "forge", mirror.forge, "auto", forge, 0),
	STRK("mirror", "api_url", K_URL, mirror.api_url, "", F_TRUSTED),
	STRK("mirror", "repository", K_STR, mirror.repository, "", F_TRUSTED),
	STRK("mirror", "token_env", K_ENVNAME, mirror.token_env, "", F_TRUSTED),
	STRK("mirror", "token_cmd", K_STR, mirror.token_cmd, "", F_TRUSTED),
	STRK("mirror", "slack_webhook_env", K_ENVNAME, mirror.slack_webhook_env,
	     "", F_TRUSTED),
	BOOL("mirror", "feedback_ignores", mirror.feedback_ignores, "false", 0),
	STRK("mirror", "host_map", K_HOSTMAP, mirror.host_map, "", 0),

	BOOL("core", "verbose", core.verbose, "false", 0),
	UINT("core", "max_seconds", core.max_seconds, "300", 1, 86400),
};

static const char *const sections[] = {
	"scan",	 "llm",	    "privacy", "ui",   "policy",
	"rules", "secrets", "mirror",  "core",
};

/* How a file is read (load_file()). */
#define L_TRUSTED 1u  /* may set F_TRUSTED keys */
#define L_LENIENT 2u  /* a bad line costs that line only: a warning */
#define L_REQUIRED 4u /* a missing file is an error */
#define L_NOFOLLOW 8u /* lstat: a symbolic link is refused */

/* Where a value comes from, for messages and for the trust rule. */
struct origin {
	const char *file; /* NULL: not a file */
	unsigned line;
	const char *env;   /* environment variable name, or NULL */
	const char *other; /* a command-line option or the caller's text */
	int trusted;
	int cont; /* an indented continuation line */
};

static int is_bool_true(const char *v)
{
	return !strcasecmp(v, "true") || !strcasecmp(v, "yes") ||
	       !strcasecmp(v, "on") || !strcmp(v, "1");
}

static int is_bool_false(const char *v)
{
	return !strcasecmp(v, "false") || !strcasecmp(v, "no") ||
	       !strcasecmp(v, "off") || !strcmp(v, "0");
}

/* Names compare without case, '-' and '_' alike: "True_Positive" is
 * "true-positive". */
static int name_eq(const char *a, const char *b)
{
	for (;; a++, b++) {
		int ca = tolower((unsigned char)*a),
		    cb = tolower((unsigned char)*b);

		if (ca == '_')
			ca = '-';
		if (cb == '_')
			cb = '-';
		if (ca != cb)
			return 0;
		if (!ca)
			return 1;
	}
}

static const char *find_section(const char *section)
{
	for (size_t i = 0; i < PF_ARRAY_SIZE(sections); i++)
		if (!strcasecmp(section, sections[i]))
			return sections[i];
	return NULL;
}

static const struct key_def *find_key(const char *section, const char *name)
{
	for (size_t i = 0; i < PF_ARRAY_SIZE(keys); i++)
		if (!strcasecmp(keys[i].section, section) &&
		    !strcasecmp(keys[i].name, name))
			return &keys[i];
	return NULL;
}

/* Levenshtein distance of two short names, without case; long names are
 * "far" (no key is that long). */
static size_t distance(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b), row[65];

	if (la > 64 || lb > 64)
		return (size_t)-1;
	for (size_t j = 0; j <= lb; j++)
		row[j] = j;
	for (size_t i = 1; i <= la; i++) {
		size_t diag = row[0];

		row[0] = i;
		for (size_t j = 1; j <= lb; j++) {
			size_t up = row[j], best;
			int same = tolower((unsigned char)a[i - 1]) ==
				   tolower((unsigned char)b[j - 1]);

			best = diag + (same ? 0 : 1);
			if (up + 1 < best)
				best = up + 1;
			if (row[j - 1] + 1 < best)
				best = row[j - 1] + 1;
			diag = up;
			row[j] = best;
		}
	}
	return row[lb];
}

/* Is `cand` a near miss for `name`: one or two edits, and fewer than a
 * third of the name ("timout" -> "timeout", not "ab" -> "ui")? */
static int near_miss(const char *name, const char *cand)
{
	size_t d = distance(name, cand);

	return d <= 2 && d * 3 <= strlen(name);
}

/*
 * " (did you mean 'timeout'?)" for an unknown key: a near miss in the same
 * section, else the same name in another section (" (did you mean
 * [policy] on_error?)").  Nothing when there is no good guess.
 */
static void add_suggestion(struct pf_buf *b, const char *section,
			   const char *name)
{
	const struct key_def *best = NULL;
	size_t best_d = (size_t)-1;

	for (size_t i = 0; i < PF_ARRAY_SIZE(keys); i++) {
		size_t d;

		if (strcasecmp(keys[i].section, section) ||
		    !near_miss(name, keys[i].name))
			continue;
		d = distance(name, keys[i].name);
		if (d < best_d) {
			best = &keys[i];
			best_d = d;
		}
	}
	if (best) {
		pf_buf_addf(b, " (did you mean '%s'?)", best->name);
		return;
	}
	for (size_t i = 0; i < PF_ARRAY_SIZE(keys); i++)
		if (!strcasecmp(keys[i].name, name)) {
			pf_buf_addf(b, " (did you mean [%s] %s?)",
				    keys[i].section, keys[i].name);
			return;
		}
}

/* The same for a section name. */
static void add_section_suggestion(struct pf_buf *b, const char *section)
{
	for (size_t i = 0; i < PF_ARRAY_SIZE(sections); i++)
		if (near_miss(section, sections[i])) {
			pf_buf_addf(b, " (did you mean [%s]?)", sections[i]);
			return;
		}
}

static void *field(struct pf_config *cfg, const struct key_def *k)
{
	return (char *)cfg + k->off;
}

static const void *cfield(const struct pf_config *cfg, const struct key_def *k)
{
	return (const char *)cfg + k->off;
}

static int is_string_kind(enum kind kind)
{
	return kind == K_CHOICE || kind == K_STR || kind == K_LIST ||
	       kind == K_HOSTMAP || kind == K_ENVNAME || kind == K_URL;
}

/* "a, b" or "a,b" */
static void add_expected(struct pf_buf *b, const char *const *names)
{
	size_t n = 0;

	/* A list ("semgrep,sarif") is no name of its own to suggest. */
	while (names[n] && !strchr(names[n], ','))
		n++;
	for (size_t i = 0; i < n; i++) {
		if (i)
			pf_buf_addstr(b, i + 1 == n ? " or " : ", ");
		pf_buf_addstr(b, names[i]);
	}
}

/* A value quoted back to the user, cut when long. */
static void add_echo(struct pf_buf *b, const char *v)
{
	size_t n = strlen(v);

	if (n > ECHO_MAX)
		pf_buf_addf(b, "'%.*s...'", ECHO_MAX, v);
	else
		pf_buf_addf(b, "'%s'", v);
}

/*
 * Set the error for a bad value: "cannot parse 'f' line N: [s] k: DETAIL"
 * for files, "cannot parse environment variable X: DETAIL" for the
 * environment.  `detail` is the already formatted reason.
 */
static int bad_value(const struct origin *o, const char *section,
		     const char *name, const char *detail)
{
	if (o->file)
		return pf_error_setc(PF_EINVALID,
				     "cannot parse '%s' line %u: [%s] %s: %s",
				     o->file, o->line, section, name, detail);
	if (o->env)
		return pf_error_setc(PF_EINVALID,
				     "cannot parse environment variable %s: %s",
				     o->env, detail);
	if (o->other && o->other[0] == '-')
		return pf_error_setc(PF_EINVALID, "cannot parse option %s: %s",
				     o->other, detail);
	if (o->other)
		return pf_error_setc(PF_EINVALID,
				     "cannot parse '%s': [%s] %s: %s", o->other,
				     section, name, detail);
	return pf_error_setc(PF_EINVALID, "[%s] %s: %s", section, name, detail);
}

static int bad_valuef(const struct origin *o, const char *section,
		      const char *name, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

static int bad_valuef(const struct origin *o, const char *section,
		      const char *name, const char *fmt, ...)
{
	struct pf_buf d = PF_BUF_INIT;
	va_list ap;
	int ret;

	va_start(ap, fmt);
	pf_buf_vaddf(&d, fmt, ap);
	va_end(ap);
	ret = bad_value(o, section, name, d.buf);
	pf_buf_release(&d);
	return ret;
}

static int unknown_value(const struct origin *o, const struct key_def *k,
			 const char *v, const char *const *names,
			 const char *extra)
{
	struct pf_buf d = PF_BUF_INIT;
	int ret;

	pf_buf_addstr(&d, "unknown value ");
	add_echo(&d, v);
	pf_buf_addstr(&d, " (expected ");
	if (names)
		add_expected(&d, names);
	if (extra)
		pf_buf_addstr(&d, extra);
	pf_buf_addch(&d, ')');
	ret = bad_value(o, k->section, k->name, d.buf);
	pf_buf_release(&d);
	return ret;
}

/*
 * A key that names a credential: a part of its name (split at _ - .) is
 * one of the words below and it is not one of our *_env / *_cmd keys.
 */
static int is_secret_name(const char *name)
{
	/* clang-format off */
	static const char *const words[] = {
		"key", "apikey", "token", "password", "passwd",
		"secret", "webhook", "credential", "credentials", "pat",
	};
	/* clang-format on */
	char part[64];
	const char *p = name;
	int secret = 0, last_is_ref = 0;

	while (*p) {
		size_t n = strcspn(p, "_-.");

		if (n && n < sizeof(part)) {
			memcpy(part, p, n);
			part[n] = '\0';
			last_is_ref = !strcasecmp(part, "env") ||
				      !strcasecmp(part, "cmd");
			for (size_t i = 0; i < PF_ARRAY_SIZE(words); i++)
				if (!strcasecmp(part, words[i]))
					secret = 1;
		}
		p += n;
		if (*p)
			p++;
	}
	return secret && !last_is_ref;
}

static int secret_error(const struct origin *o, const char *section,
			const char *name)
{
	const char *how;

	if (!strcasecmp(section, "llm"))
		how = "put the name of the environment variable that holds it "
		      "in api_key_env, or a command that prints it in "
		      "api_key_cmd";
	else if (!strcasecmp(section, "mirror") &&
		 (strcasestr(name, "webhook") || strcasestr(name, "slack")))
		how = "put the name of the environment variable that holds it "
		      "in slack_webhook_env";
	else if (!strcasecmp(section, "mirror"))
		how = "put the name of the environment variable that holds it "
		      "in token_env, or a command that prints it in token_cmd";
	else
		how = "keep it in an environment variable and name that "
		      "variable in [llm] api_key_env or [mirror] token_env";
	/* Never echo the value: it is the secret. */
	return pf_error_setc(PF_EINVALID,
			     "cannot parse '%s' line %u: [%s] %s: secrets do "
			     "not belong in configuration files; %s",
			     o->file, o->line, section, name, how);
}

/* Normalise a comma separated list: entries trimmed, empty ones dropped. */
static void list_normalise(struct pf_buf *out, const char *v)
{
	while (*v) {
		size_t n = strcspn(v, ",");
		const char *s = v, *e = v + n;

		while (s < e && isspace((unsigned char)*s))
			s++;
		while (e > s && isspace((unsigned char)e[-1]))
			e--;
		if (e > s) {
			if (out->len)
				pf_buf_addch(out, ',');
			pf_buf_add(out, s, (size_t)(e - s));
		}
		v += n;
		if (*v)
			v++;
	}
}

static int check_hostmap(const struct origin *o, const struct key_def *k,
			 const char *list)
{
	const char *p = list;

	while (*p) {
		size_t n = strcspn(p, ",");
		const char *eq = memchr(p, '=', n);
		const char *forge = eq ? eq + 1 : NULL;
		size_t flen = eq ? n - (size_t)(forge - p) : 0;

		if (!eq || eq == p || memchr(p, ' ', n) ||
		    !((flen == 6 && !strncasecmp(forge, "github", 6)) ||
		      (flen == 6 && !strncasecmp(forge, "gitlab", 6))))
			return bad_valuef(o, k->section, k->name,
					  "'%.*s' is not host=github or "
					  "host=gitlab",
					  (int)(n > ECHO_MAX ? ECHO_MAX : n),
					  p);
		p += n;
		if (*p)
			p++;
	}
	return 0;
}

static int parse_size(unsigned long *out, const char *v)
{
	char num[32];
	size_t n = strlen(v);
	unsigned long mult = 1, x;

	if (!n || n >= sizeof(num))
		return PF_EINVALID;
	switch (tolower((unsigned char)v[n - 1])) {
	case 'k':
		mult = 1024;
		break;
	case 'm':
		mult = 1024UL * 1024;
		break;
	case 'g':
		mult = 1024UL * 1024 * 1024;
		break;
	}
	if (mult > 1)
		n--;
	memcpy(num, v, n);
	num[n] = '\0';
	if (pf_parse_ulong(&x, num))
		return PF_EINVALID;
	if (x > (unsigned long)-1 / mult)
		return PF_ETOOBIG;
	*out = x * mult;
	return 0;
}

static int parse_confidence(double *out, const char *v)
{
	size_t digits = 0, dots = 0;
	char *end;

	if (!strcasecmp(v, "low"))
		return *out = PF_CONFIG_CONFIDENCE_LOW, 0;
	if (!strcasecmp(v, "medium"))
		return *out = PF_CONFIG_CONFIDENCE_MEDIUM, 0;
	if (!strcasecmp(v, "high"))
		return *out = PF_CONFIG_CONFIDENCE_HIGH, 0;
	/* Plain decimals only: no signs, exponents, hex, inf or nan. */
	for (const char *p = v; *p; p++) {
		if (isdigit((unsigned char)*p))
			digits++;
		else if (*p == '.')
			dots++;
		else
			return PF_EINVALID;
	}
	if (!digits || dots > 1)
		return PF_EINVALID;
	*out = strtod(v, &end);
	if (*end || !isfinite(*out))
		return PF_EINVALID;
	return 0;
}

static int is_env_name(const char *v)
{
	if (!*v)
		return 1; /* empty: the module's default variable */
	if (!(isalpha((unsigned char)*v) || *v == '_') || strlen(v) > 128)
		return 0;
	for (; *v; v++)
		if (!(isalnum((unsigned char)*v) || *v == '_'))
			return 0;
	return 1;
}

static void set_string(struct pf_config *cfg, const struct key_def *k,
		       char *value)
{
	char **sp = field(cfg, k);

	free(*sp);
	*sp = value;
}

/*
 * Parse `v` for key `k` and store it.  0, or PF_EINVALID with the message
 * set.  `o->cont`: `v` continues the list already stored.
 */
static int set_value(struct pf_config *cfg, const struct key_def *k,
		     const char *v, const struct origin *o)
{
	void *p = field(cfg, k);
	unsigned long ul;
	double d;
	int ret;

	if (o->cont && k->kind != K_LIST && k->kind != K_HOSTMAP)
		return bad_value(o, k->section, k->name,
				 "only a list may continue on an indented "
				 "line");
	switch (k->kind) {
	case K_BOOL:
		if (is_bool_true(v))
			*(int *)p = 1;
		else if (is_bool_false(v))
			*(int *)p = 0;
		else
			return unknown_value(o, k, v, NULL, "true or false");
		return 0;
	case K_UINT:
	case K_SIZE:
		ret = k->kind == K_SIZE ? parse_size(&ul, v)
					: pf_parse_ulong(&ul, v);
		if (ret == PF_EINVALID)
			return bad_valuef(
				o, k->section, k->name,
				"'%.*s' is not a whole number "
				"(expected %lu to %lu%s)",
				ECHO_MAX, v, k->min, k->max,
				k->kind == K_SIZE ? ", or with k, m, g" : "");
		if (ret || ul < k->min || ul > k->max)
			return bad_valuef(o, k->section, k->name,
					  "%.*s is out of range (expected %lu "
					  "to %lu)",
					  ECHO_MAX, v, k->min, k->max);
		if (k->kind == K_SIZE)
			*(unsigned long *)p = ul;
		else
			*(unsigned *)p = (unsigned)ul;
		return 0;
	case K_ENUM: {
		/* "semgrep, sarif" reads as the name "semgrep,sarif". */
		struct pf_buf nv = PF_BUF_INIT;

		list_normalise(&nv, v);
		for (size_t i = 0; k->names[i]; i++)
			if (name_eq(nv.len ? nv.buf : v, k->names[i])) {
				pf_buf_release(&nv);
				*(int *)p = k->values[i];
				return 0;
			}
		pf_buf_release(&nv);
		return unknown_value(o, k, v, k->names, NULL);
	}
	case K_CHOICE:
		for (size_t i = 0; k->names[i]; i++)
			if (name_eq(v, k->names[i])) {
				set_string(cfg, k, pf_xstrdup(k->names[i]));
				return 0;
			}
		return unknown_value(o, k, v, k->names, NULL);
	case K_CONFIDENCE:
		if (parse_confidence(&d, v))
			return unknown_value(o, k, v, NULL,
					     "low, medium, high or a number "
					     "from 0 to 1");
		if (d < 0 || d > 1)
			return bad_valuef(o, k->section, k->name,
					  "%.*s is out of range (expected low, "
					  "medium, high or a number from 0 "
					  "to 1)",
					  ECHO_MAX, v);
		*(double *)p = d;
		return 0;
	case K_PRICE: {
		char *end;

		d = *v ? strtod(v, &end) : -1;
		if (*v && (*end || !(d >= 0 && d < 1e9)))
			return bad_valuef(o, k->section, k->name,
					  "%.*s is not a price (expected a "
					  "number >= 0, per million tokens, "
					  "or nothing)",
					  ECHO_MAX, v);
		*(double *)p = d;
		return 0;
	}
	case K_ENVNAME:
		/* Never echo it: people paste the key itself here. */
		if (!is_env_name(v))
			return bad_value(o, k->section, k->name,
					 "expected the name of an environment "
					 "variable (letters, digits, _), not "
					 "its value");
		set_string(cfg, k, pf_xstrdup(v));
		return 0;
	case K_URL:
		if (*v && !((!strncasecmp(v, "http://", 7) && v[7]) ||
			    (!strncasecmp(v, "https://", 8) && v[8])))
			return bad_valuef(
				o, k->section, k->name,
				"'%.*s' is not an http:// or https:// "
				"URL",
				ECHO_MAX, v);
		set_string(cfg, k, pf_xstrdup(v));
		return 0;
	case K_STR:
		set_string(cfg, k, pf_xstrdup(v));
		return 0;
	case K_LIST:
	case K_HOSTMAP: {
		struct pf_buf b = PF_BUF_INIT;
		char *const *sp = p;

		if (o->cont)
			pf_buf_addstr(&b, *sp);
		list_normalise(&b, v);
		if (k->kind == K_HOSTMAP &&
		    (ret = check_hostmap(o, k, b.buf))) {
			pf_buf_release(&b);
			return ret;
		}
		set_string(cfg, k, pf_buf_detach(&b, NULL));
		return 0;
	}
	}
	return pf_error_set("[%s] %s: unhandled key type", k->section, k->name);
}

static void add_warning(struct pf_buf *w, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void add_warning(struct pf_buf *w, const char *fmt, ...)
{
	va_list ap;
	size_t start;

	if (!w)
		return;
	pf_buf_addstr(w, "warning: ");
	start = w->len;
	va_start(ap, fmt);
	pf_buf_vaddf(w, fmt, ap);
	va_end(ap);
	/* Names and values come from files anyone may commit: no escape
	 * sequence of theirs reaches the terminal. */
	for (size_t i = start; i < w->len; i++)
		if ((unsigned char)w->buf[i] < 0x20 || w->buf[i] == 0x7f)
			w->buf[i] = '?';
	pf_buf_addch(w, '\n');
}

/* Whether a trusted layer wrote [rules] comment, the one list a
 * repository's file could use to move credentials out of block. */
static void note_trust(struct pf_config *cfg, const struct key_def *k,
		       int trusted)
{
	if (!strcmp(k->section, "rules") && !strcmp(k->name, "comment"))
		cfg->rules.comment_trusted = trusted;
}

/*
 * [rules] globs that can match no rule id: an empty element ("a,,b") or
 * white space inside one.  A warning each; the list is kept as it is (a
 * glob matching nothing is harmless: rules vary from run to run).  A
 * trailing comma is how a list goes on, on the next line: no warning.
 */
static void check_rule_globs(const struct origin *o, const char *name,
			     const char *value, struct pf_buf *warnings)
{
	const char *p = value;
	struct pf_buf where = PF_BUF_INIT;

	if (!warnings)
		return;
	if (o->file)
		pf_buf_addf(&where, "'%s' line %u: ", o->file, o->line);
	else if (o->env)
		pf_buf_addf(&where, "%s: ", o->env);
	while (*p) {
		size_t n = strcspn(p, ","), a = 0, b = n;

		while (a < b && isspace((unsigned char)p[a]))
			a++;
		while (b > a && isspace((unsigned char)p[b - 1]))
			b--;
		if (a == b && p[n])
			add_warning(warnings,
				    "%s[rules] %s: empty element in the "
				    "list",
				    where.buf, name);
		else
			for (size_t i = a; i < b; i++)
				if (isspace((unsigned char)p[i])) {
					add_warning(warnings,
						    "%s[rules] %s: '%.*s' has "
						    "white space inside; it "
						    "matches no rule id",
						    where.buf, name,
						    (int)(b - a > ECHO_MAX
								  ? ECHO_MAX
								  : b - a),
						    p + a);
					break;
				}
		p += n;
		if (*p)
			p++;
	}
	pf_buf_release(&where);
}

/*
 * Apply one key read from a file or the environment.  An unknown key is
 * a warning (PF_ENOTFOUND for pf_config_set's callers), a secret written
 * in a file an error, a trusted key from the repository file a warning.
 */
static int apply(struct pf_config *cfg, const char *section, const char *name,
		 const char *value, const struct origin *o,
		 struct pf_buf *warnings)
{
	const struct key_def *k = find_key(section, name);
	int ret;

	if (!k) {
		if (o->file && *value && is_secret_name(name))
			return secret_error(o, section, name);
		if (o->file) {
			struct pf_buf hint = PF_BUF_INIT;

			add_suggestion(&hint, section, name);
			add_warning(warnings,
				    "'%s' line %u: unknown key '%s' "
				    "in [%s]%s",
				    o->file, o->line, name, section, hint.buf);
			pf_buf_release(&hint);
		}
		return pf_error_setc(PF_ENOTFOUND, "unknown key '%s' in [%s]",
				     name, section);
	}
	if (!o->trusted && (k->flags & F_TRUSTED)) {
		/* [policy] block_secrets, [secrets] allow_paths: issue 11 */
		int secrets = !strcmp(k->name, "block_secrets") ||
			      !strcmp(k->section, "secrets");
		int rules = !strcmp(k->section, "rules");

		add_warning(warnings,
			    "'%s' line %u: ignoring [%s] %s: a file in the "
			    "repository may not %s; set it in "
			    ".git/pushfix/config.ini or "
			    "~/.config/pushfix/config.ini",
			    o->file, o->line, k->section, k->name,
			    secrets ? "switch the check for pushed "
				      "credentials off"
			    : rules ? "hide findings from its developers"
				    : "run commands or choose where code, "
				      "keys or tokens go");
		return 0;
	}
	if (!strcmp(k->section, "rules"))
		check_rule_globs(o, k->name, value, warnings);
	ret = set_value(cfg, k, value, o);
	/* Whether a repository's file wrote the comment list: it may not
	 * move credentials out of block (pf_policy_mode()). */
	if (!ret)
		note_trust(cfg, k, o->trusted);
	return ret;
}

/* ---- files ---------------------------------------------------------- */

struct file_ctx {
	struct pf_config *cfg;
	const char *name; /* as shown in messages */
	const char *data;
	size_t len, pos;
	unsigned line;	 /* the physical line last handed to inih */
	int cont;	 /* ... continues the list of `key` */
	char key[64];	 /* the last key line's key, for continuations */
	unsigned header; /* section headers seen so far */
	unsigned warned; /* 1 + header of the last unknown-section warning */
	int trusted;
	int lenient; /* a bad line is a warning (L_LENIENT) */
	struct pf_buf *warnings;
	int err; /* first error (message set) */
};

static int is_ident(const char *s, size_t n)
{
	if (!n)
		return 0;
	for (size_t i = 0; i < n; i++)
		if (!(isalnum((unsigned char)s[i]) || s[i] == '_' ||
		      s[i] == '-'))
			return 0;
	return 1;
}

static int file_error(struct file_ctx *c, const char *what)
{
	c->err = pf_error_setc(PF_EINVALID, "cannot parse '%s' line %u: %s",
			       c->name, c->line, what);
	return c->err;
}

/* A line that cannot be read: an error, or in a lenient layer a warning
 * and the line is skipped. */
static void line_error(struct file_ctx *c, const char *what)
{
	if (!c->lenient) {
		file_error(c, what);
		return;
	}
	add_warning(c->warnings, "'%s' line %u: %s; the line is ignored",
		    c->name, c->line, what);
}

/* The value of `k` as text, as the dump writes it (lists unwrapped,
 * strings unquoted). */
static void value_text(const struct pf_config *cfg, const struct key_def *k,
		       struct pf_buf *out)
{
	const void *p = cfield(cfg, k);

	switch (k->kind) {
	case K_BOOL:
		pf_buf_addstr(out, *(const int *)p ? "true" : "false");
		break;
	case K_UINT:
		pf_buf_addf(out, "%u", *(const unsigned *)p);
		break;
	case K_SIZE:
		pf_buf_addf(out, "%lu", *(const unsigned long *)p);
		break;
	case K_ENUM: {
		const char *name = "?";

		for (size_t j = 0; k->names[j]; j++)
			if (k->values[j] == *(const int *)p) {
				name = k->names[j];
				break;
			}
		pf_buf_addstr(out, name);
		break;
	}
	case K_PRICE:
	case K_CONFIDENCE: {
		double d = *(const double *)p;
		char num[40];

		if (k->kind == K_PRICE && d < 0)
			break; /* not known */

		/* Shortest text that reads back as the same double. */
		snprintf(num, sizeof(num), "%.15g", d);
		if (strtod(num, NULL) != d)
			snprintf(num, sizeof(num), "%.17g", d);
		pf_buf_addstr(out, num);
		break;
	}
	case K_LIST:
	case K_HOSTMAP:
	case K_CHOICE:
	case K_STR:
	case K_ENVNAME:
	case K_URL: {
		const char *v = *(char *const *)p;

		pf_buf_addstr(out, v ? v : "");
		break;
	}
	}
}

/*
 * The message of a bad value (set by set_value() or secret_error()) as a
 * warning: the key keeps what the layers below gave it, and says so.
 * "cannot parse X: ..." becomes "X: ...; keeping 120".
 */
static void warn_kept(struct pf_buf *w, const struct pf_config *cfg,
		      const struct key_def *k)
{
	struct pf_buf v = PF_BUF_INIT;
	const char *msg = pf_error_last();

	if (pf_starts_with(msg, "cannot parse "))
		msg += strlen("cannot parse ");
	if (k)
		value_text(cfg, k, &v);
	if (!k)
		add_warning(w, "%s; the line is ignored", msg);
	else if (v.len)
		add_warning(w, "%s; keeping %s", msg, v.buf);
	else
		add_warning(w, "%s; keeping it empty", msg);
	pf_buf_release(&v);
	pf_error_clear();
}

/* A bad value in a file: an error, or in a lenient layer a warning. */
static int value_error(struct file_ctx *c, int ret, const struct key_def *k)
{
	if (!c->lenient) {
		c->err = ret;
		return 0;
	}
	warn_kept(c->warnings, c->cfg, k);
	return 1;
}

/*
 * inih's reader: hand it the next physical line, rewritten so that
 *  - leading blanks are gone (inih would take any indented line for a
 *    continuation of the previous value, even `timeout = 30` under
 *    `engine = x`, which is how people indent git-style files);
 *  - an indented line that cannot be `key = value` (no '=' or ':', or
 *    what precedes it is not a key name, or it is a URL) continues the
 *    list above it: it becomes `key=line` and c->cont is set;
 *  - a line too long for inih's buffer, and one inih would not parse, is
 *    an error (not a silent cut), or in a lenient layer a warning and a
 *    blank line in its place.
 */
static char *reader(char *str, int num, void *stream)
{
	struct file_ctx *c = stream;
	const char *s, *nl, *sep;
	size_t n, klen = 0, need;
	int indented, bad = 0;

	if (c->err || c->pos >= c->len)
		return NULL;
	s = c->data + c->pos;
	nl = memchr(s, '\n', c->len - c->pos);
	n = nl ? (size_t)(nl - s) : c->len - c->pos;
	c->pos += n + (nl ? 1 : 0);
	c->line++;
	c->cont = 0;
	if (n && s[n - 1] == '\r')
		n--;
	if (c->line == 1 && n >= 3 && !memcmp(s, "\xEF\xBB\xBF", 3))
		s += 3, n -= 3;
	indented = n && (*s == ' ' || *s == '\t');
	while (n && (*s == ' ' || *s == '\t'))
		s++, n--;

	if (!n) {
		c->key[0] = '\0'; /* a blank line ends a list */
	} else if (*s == ';' || *s == '#') {
		/* comment: changes nothing */
	} else if (*s == '[') {
		c->key[0] = '\0';
		if (!memchr(s, ']', n))
			bad = 1;
		else
			c->header++;
	} else {
		size_t at = 0;

		while (at < n && s[at] != '=' && s[at] != ':')
			at++;
		sep = at < n ? s + at : NULL;
		if (sep) {
			size_t kl = at;

			while (kl && (s[kl - 1] == ' ' || s[kl - 1] == '\t'))
				kl--;
			if (indented && c->key[0] &&
			    (!is_ident(s, kl) ||
			     (*sep == ':' && n - at >= 3 && sep[1] == '/' &&
			      sep[2] == '/')))
				sep = NULL; /* "host=forge", "https://..." */
			else if (kl < sizeof(c->key) && is_ident(s, kl)) {
				memcpy(c->key, s, kl);
				c->key[kl] = '\0';
			} else {
				c->key[0] = '\0';
			}
		}
		if (!sep && indented && c->key[0]) {
			c->cont = 1;
			klen = strlen(c->key);
		} else if (!sep) {
			bad = 1;
		}
	}
	if (bad) {
		line_error(c, "expected 'key = value', '[section]' or a "
			      "comment");
		goto skip;
	}

	need = (c->cont ? klen + 1 : 0) + n + 2; /* + "\n" + NUL */
	if (num < 3 || need > (size_t)num) {
		struct pf_buf m = PF_BUF_INIT;

		pf_buf_addf(&m,
			    "line longer than %d bytes (a long list can "
			    "continue on indented lines)",
			    num - 2);
		line_error(c, m.buf);
		pf_buf_release(&m);
		goto skip;
	}
	if (c->cont) {
		memcpy(str, c->key, klen);
		str[klen] = '=';
		memcpy(str + klen + 1, s, n);
		n += klen + 1;
	} else {
		memcpy(str, s, n);
	}
	str[n] = '\n';
	str[n + 1] = '\0';
	return str;
skip:
	/* Lenient: inih gets a blank line in place of the bad one. */
	if (c->err || num < 2)
		return NULL;
	c->cont = 0;
	str[0] = '\n';
	str[1] = '\0';
	return str;
}

/* Strip one pair of matching quotes around a whole value. */
static const char *unquote(char *v)
{
	size_t n = strlen(v);

	if (n >= 2 && (v[0] == '"' || v[0] == '\'') && v[n - 1] == v[0] &&
	    !memchr(v + 1, v[0], n - 2)) {
		v[n - 1] = '\0';
		return v + 1;
	}
	return v;
}

static int handler(void *user, const char *section, const char *name,
		   const char *value)
{
	struct file_ctx *c = user;
	struct origin o = { c->name, c->line, NULL, NULL, c->trusted, c->cont };
	char *v;
	int ret;

	if (c->err)
		return 0;
	if (!find_section(section)) {
		struct pf_buf hint = PF_BUF_INIT;

		if (*value && is_secret_name(name))
			return value_error(c, secret_error(&o, section, name),
					   NULL);
		add_section_suggestion(&hint, section);
		if (!*section)
			add_warning(c->warnings,
				    "'%s' line %u: key '%s' is outside any "
				    "[section]",
				    c->name, c->line, name);
		else if (c->warned != c->header + 1)
			add_warning(c->warnings,
				    "'%s' line %u: unknown section [%s]%s",
				    c->name, c->line, section, hint.buf);
		pf_buf_release(&hint);
		c->warned = c->header + 1;
		return 1;
	}
	v = pf_xstrdup(value);
	ret = apply(c->cfg, section, name, unquote(v), &o, c->warnings);
	free(v);
	if (ret == PF_ENOTFOUND) {
		pf_error_clear();
		return 1;
	}
	if (ret)
		return value_error(c, ret, find_key(section, name));
	return 1;
}

/* A file of junk (a committed one may hold 64 KiB of it) must not flood
 * the push's output: the first MAX_FILE_WARNINGS of one file, then a
 * count. */
static void cap_warnings(struct pf_buf *w, size_t start, const char *name)
{
	size_t n = 0, cut = 0;

	for (size_t i = start; i < w->len; i++)
		if (w->buf[i] == '\n' && ++n == MAX_FILE_WARNINGS)
			cut = i + 1;
	if (n <= MAX_FILE_WARNINGS)
		return;
	pf_buf_setlen(w, cut);
	add_warning(w, "'%s': %zu more warnings not shown", name,
		    n - MAX_FILE_WARNINGS);
}

static int parse_text(struct pf_config *cfg, const char *name, const char *data,
		      size_t len, unsigned flags, struct pf_buf *warnings)
{
	struct file_ctx c;
	size_t start;
	int line;

	memset(&c, 0, sizeof(c));
	c.cfg = cfg;
	c.name = name;
	c.data = data;
	c.len = len;
	c.trusted = !!(flags & L_TRUSTED);
	c.lenient = !!(flags & L_LENIENT);
	c.warnings = warnings;
	start = warnings ? warnings->len : 0;
	line = ini_parse_stream(reader, &c, handler, &c);
	if (warnings)
		cap_warnings(warnings, start, name);
	/* inih reports the first line it could not parse or whose handler
	 * failed; our own errors stop the reader, so any line it names
	 * before ours is a syntax error reader() did not foresee. */
	if (line > 0 && (!c.err || (unsigned)line < c.line)) {
		c.line = (unsigned)line;
		c.err = 0;
		line_error(&c, "expected 'key = value', '[section]' or a "
			       "comment");
		return c.err;
	}
	if (c.err)
		return c.err;
	if (line < 0)
		return pf_error_set("cannot parse '%s': out of memory", name);
	return 0;
}

/* A NUL byte anywhere: not a text file, so no line of it is taken. */
static int check_text(const char *name, const char *data, size_t len)
{
	const char *nul = memchr(data, '\0', len);
	unsigned line = 1;

	if (!nul)
		return 0;
	for (const char *p = data; p < nul; p++)
		line += *p == '\n';
	return pf_error_setc(PF_EINVALID,
			     "cannot parse '%s' line %u: NUL byte (not a text "
			     "file?)",
			     name, line);
}

static int is_dev_null(const struct stat *st)
{
	struct stat null;

	return S_ISCHR(st->st_mode) && !stat("/dev/null", &null) &&
	       st->st_rdev == null.st_rdev;
}

static const char *file_kind(mode_t m)
{
	return S_ISDIR(m)    ? "a directory"
	       : S_ISFIFO(m) ? "a FIFO"
	       : S_ISSOCK(m) ? "a socket"
	       : S_ISCHR(m)  ? "a character device"
	       : S_ISBLK(m)  ? "a block device"
			     : "not a regular file";
}

/*
 * Read a configuration file into `text`.  Never blocks: a FIFO or a
 * device is refused after an O_NONBLOCK open, before any read (/dev/null
 * is an empty file).  L_NOFOLLOW: a symbolic link is refused unread, so
 * that a committed link to /etc/shadow shows nothing of it.  PF_ENOTFOUND
 * when the file (or a directory on its path) does not exist.
 */
static int read_config(struct pf_buf *text, const char *path, const char *shown,
		       unsigned flags)
{
	int oflags = O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY;
	struct stat st;
	int fd, ret = 0;

	if (flags & L_NOFOLLOW) {
		if (!lstat(path, &st) && S_ISLNK(st.st_mode))
			return pf_error_setc(PF_EINVALID,
					     "'%s' is a symbolic link (only a "
					     "regular file is read)",
					     shown);
		oflags |= O_NOFOLLOW;
	}
	fd = open(path, oflags);
	if (fd < 0)
		return pf_error_setc(
			errno == ENOENT || errno == ENOTDIR ? PF_ENOTFOUND
			: errno == ELOOP		    ? PF_EINVALID
							    : PF_ERROR,
			"cannot open '%s': %s", shown, strerror(errno));
	if (fstat(fd, &st))
		ret = pf_error_set("cannot stat '%s': %s", shown,
				   strerror(errno));
	else if (is_dev_null(&st))
		ret = 0;
	else if (!S_ISREG(st.st_mode))
		ret = pf_error_setc(PF_EINVALID,
				    "'%s' is %s (only a regular file is read)",
				    shown, file_kind(st.st_mode));
	else if (st.st_size > CONFIG_FILE_CAP)
		ret = pf_error_setc(PF_ETOOBIG,
				    "'%s' is larger than %d KiB: not a "
				    "configuration file",
				    shown, CONFIG_FILE_CAP / 1024);
	else if ((ret = pf_buf_read_fd(text, fd, CONFIG_FILE_CAP)))
		pf_error_prefix(ret, "'%s'", shown);
	close(fd);
	return ret;
}

/*
 * Load one file as a layer.  Without L_REQUIRED a missing file (or a
 * missing directory on its path) is no layer at all.  A file that cannot
 * be read, or is not text, is an error and changes nothing; the rest is
 * parsed line by line (see parse_text() and L_LENIENT).
 */
static int load_file(struct pf_config *cfg, const char *path, const char *shown,
		     unsigned flags, struct pf_buf *warnings)
{
	struct pf_buf text = PF_BUF_INIT;
	int ret;

	ret = read_config(&text, path, shown, flags);
	if (ret == PF_ENOTFOUND && !(flags & L_REQUIRED)) {
		pf_error_clear();
		ret = 0;
	} else if (!ret) {
		ret = check_text(shown, text.buf, text.len);
		if (!ret)
			ret = parse_text(cfg, shown, text.buf, text.len, flags,
					 warnings);
	}
	pf_buf_release(&text);
	return ret;
}

/* ---- public API ----------------------------------------------------- */

void pf_config_init(struct pf_config *cfg)
{
	memset(cfg, 0, sizeof(*cfg));
	for (size_t i = 0; i < PF_ARRAY_SIZE(keys); i++) {
		struct origin o = { NULL, 0, NULL, "built-in default", 1, 0 };

		/* The defaults are ours: one that does not parse is a bug
		 * the unit tests catch; keep going with a zero. */
		if (set_value(cfg, &keys[i], keys[i].def, &o) &&
		    is_string_kind(keys[i].kind))
			set_string(cfg, &keys[i], pf_xstrdup(""));
	}
	cfg->rules.comment_trusted = 1;
}

void pf_config_release(struct pf_config *cfg)
{
	if (!cfg)
		return;
	for (size_t i = 0; i < PF_ARRAY_SIZE(keys); i++) {
		if (is_string_kind(keys[i].kind)) {
			char **sp = field(cfg, &keys[i]);

			free(*sp);
			*sp = NULL;
		}
	}
}

int pf_config_user_file(struct pf_buf *out)
{
	const char *xdg = getenv("XDG_CONFIG_HOME");
	const char *home = getenv("HOME");

	/* The XDG spec: a relative XDG_CONFIG_HOME is invalid, ignore it. */
	if (xdg && xdg[0] == '/')
		pf_buf_addf(out, "%s/pushfix/config.ini", xdg);
	else if (home && *home)
		pf_buf_addf(out, "%s/.config/pushfix/config.ini", home);
	else
		return pf_error_setc(PF_ENOTFOUND,
				     "neither XDG_CONFIG_HOME nor HOME is set");
	return 0;
}

/* The environment layer: a bad value costs that variable only (a
 * warning; the key keeps what the files gave it). */
static void apply_env(struct pf_config *cfg, struct pf_buf *warnings)
{
	extern char **environ;
	struct pf_buf var = PF_BUF_INIT;

	for (size_t i = 0; i < PF_ARRAY_SIZE(keys); i++) {
		const char *v;
		struct origin o = { NULL, 0, NULL, NULL, 1, 0 };

		pf_buf_reset(&var);
		pf_buf_addf(&var, "PUSHFIX_%s_%s", keys[i].section,
			    keys[i].name);
		for (size_t j = 0; j < var.len; j++)
			var.buf[j] = (char)toupper((unsigned char)var.buf[j]);
		v = getenv(var.buf);
		if (!v)
			continue;
		o.env = var.buf;
		if (!strcmp(keys[i].section, "rules"))
			check_rule_globs(&o, keys[i].name, v, warnings);
		if (set_value(cfg, &keys[i], v, &o))
			warn_kept(warnings, cfg, &keys[i]);
		else
			note_trust(cfg, &keys[i], 1);
	}
	/* PUSHFIX_SCAN_TIMOUT=5 would otherwise do nothing, silently. */
	for (char **e = environ; e && *e; e++) {
		const char *rest, *eq;
		const char *sec = NULL;
		char section[16], name[64];

		if (!pf_starts_with(*e, "PUSHFIX_"))
			continue;
		rest = *e + 8;
		for (size_t i = 0; i < PF_ARRAY_SIZE(sections); i++) {
			size_t n = strlen(sections[i]);

			if (!strncasecmp(rest, sections[i], n) &&
			    rest[n] == '_') {
				sec = sections[i];
				rest += n + 1;
				break;
			}
		}
		eq = strchr(rest, '=');
		if (!sec || !eq || (size_t)(eq - rest) >= sizeof(name))
			continue;
		memcpy(name, rest, (size_t)(eq - rest));
		name[eq - rest] = '\0';
		for (char *p = name; *p; p++)
			*p = (char)tolower((unsigned char)*p);
		snprintf(section, sizeof(section), "%s", sec);
		if (find_key(section, name))
			continue;
		pf_buf_reset(&var);
		add_suggestion(&var, section, name);
		add_warning(warnings,
			    "environment variable %.*s: unknown key '%s' in "
			    "[%s]%s",
			    (int)(eq - *e), *e, name, section, var.buf);
	}
	pf_buf_release(&var);
}

int pf_config_load_file(struct pf_config *cfg, const char *path,
			struct pf_buf *warnings)
{
	return load_file(cfg, path, path, L_TRUSTED | L_REQUIRED, warnings);
}

/* Keep the first layer error (its message outlives the later layers). */
static void first_error(int *ret, struct pf_buf *msg, int err)
{
	if (!err || *ret)
		return;
	*ret = err;
	pf_buf_addstr(msg, pf_error_last());
}

/*
 * The committed .pushfix.ini: whoever commits to the repository writes it,
 * so nothing in it may stop the check.  A regular file in the work tree
 * only, read without following a link; a file that is refused or cannot
 * be read is a warning and no layer, and a bad line costs that line.
 */
static void load_committed(struct pf_config *cfg, const char *worktree,
			   struct pf_buf *warnings)
{
	struct pf_buf path = PF_BUF_INIT;

	pf_buf_addf(&path, "%s/.pushfix.ini", worktree);
	if (load_file(cfg, path.buf, ".pushfix.ini", L_LENIENT | L_NOFOLLOW,
		      warnings)) {
		add_warning(warnings, "%s; the file is ignored",
			    pf_error_last());
		pf_error_clear();
	}
	pf_buf_release(&path);
}

int pf_config_load(struct pf_config *cfg, const char *worktree,
		   const char *gitdir, struct pf_buf *warnings)
{
	const char *only = getenv("PUSHFIX_CONFIG");
	struct pf_buf path = PF_BUF_INIT, shown = PF_BUF_INIT;
	struct pf_buf msg = PF_BUF_INIT;
	int ret = 0;

	/* Each layer on its own: a file that cannot be read is an error,
	 * yet every other layer still applies, so that the user's own
	 * `on_error = block` holds whatever else is broken. */
	if (only && *only) {
		int err =
			load_file(cfg, only, only,
				  L_TRUSTED | L_LENIENT | L_REQUIRED, warnings);

		if (err)
			pf_error_prefix(err, "PUSHFIX_CONFIG");
		first_error(&ret, &msg, err);
		goto env;
	}
	if (!pf_config_user_file(&path))
		first_error(&ret, &msg,
			    load_file(cfg, path.buf, path.buf,
				      L_TRUSTED | L_LENIENT, warnings));
	if (worktree)
		load_committed(cfg, worktree, warnings);
	if (gitdir) {
		size_t wl = worktree ? strlen(worktree) : 0;

		pf_buf_reset(&path);
		pf_buf_addf(&path, "%s/pushfix/config.ini", gitdir);
		/* ".git/pushfix/config.ini" reads better than the full path
		 * when the git dir is inside the worktree (the usual case). */
		if (wl && !strncmp(path.buf, worktree, wl) &&
		    path.buf[wl] == '/')
			pf_buf_addstr(&shown, path.buf + wl + 1);
		else
			pf_buf_addstr(&shown, path.buf);
		first_error(&ret, &msg,
			    load_file(cfg, path.buf, shown.buf,
				      L_TRUSTED | L_LENIENT, warnings));
	}
env:
	apply_env(cfg, warnings);
	if (ret)
		pf_error_setc(ret, "%s", msg.buf);
	else
		pf_error_clear();
	pf_buf_release(&path);
	pf_buf_release(&shown);
	pf_buf_release(&msg);
	return ret;
}

/* "path:12" -> file and line; otherwise NULL. */
static int split_file_line(const char *origin, struct pf_buf *file,
			   unsigned *line)
{
	const char *colon = strrchr(origin, ':');
	unsigned long n;

	if (!colon || colon == origin || pf_parse_ulong(&n, colon + 1) ||
	    n > 0xffffffffUL)
		return 0;
	pf_buf_add(file, origin, (size_t)(colon - origin));
	*line = (unsigned)n;
	return 1;
}

static int is_env_origin(const char *s)
{
	if (!isupper((unsigned char)*s))
		return 0;
	for (; *s; s++)
		if (!(isupper((unsigned char)*s) ||
		      isdigit((unsigned char)*s) || *s == '_'))
			return 0;
	return 1;
}

int pf_config_set(struct pf_config *cfg, const char *section, const char *key,
		  const char *value, const char *origin)
{
	struct pf_buf file = PF_BUF_INIT;
	struct origin o = { NULL, 0, NULL, NULL, 1, 0 };
	const struct key_def *k;
	int ret;

	if (!find_section(section))
		return pf_error_setc(PF_ENOTFOUND, "unknown section [%s]",
				     section);
	k = find_key(section, key);
	if (!k)
		return pf_error_setc(PF_ENOTFOUND, "unknown key '%s' in [%s]",
				     key, section);
	if (origin && split_file_line(origin, &file, &o.line))
		o.file = file.buf;
	else if (origin && is_env_origin(origin))
		o.env = origin;
	else
		o.other = origin;
	ret = set_value(cfg, k, value, &o);
	if (!ret)
		note_trust(cfg, k, 1);
	pf_buf_release(&file);
	return ret;
}

/* Does the value need quotes to read back the same? */
static int needs_quotes(const char *v)
{
	size_t n = strlen(v);

	return n && (isspace((unsigned char)v[0]) ||
		     isspace((unsigned char)v[n - 1]) || v[0] == '"' ||
		     v[0] == '\'' || v[0] == ';' || v[0] == '#');
}

/* A list too long for one line continues on tab-indented lines, as long
 * as no entry could be mistaken for a key (see reader()). */
static void dump_list(struct pf_buf *out, const char *name, const char *v)
{
	size_t col;

	if (!*v) {
		pf_buf_addf(out, "%s =\n", name);
		return;
	}
	if (strlen(name) + 3 + strlen(v) <= 78 || strpbrk(v, "=:")) {
		pf_buf_addf(out, "%s = %s\n", name, v);
		return;
	}
	pf_buf_addf(out, "%s =", name);
	col = 80; /* first entry goes on the key's line */
	for (const char *p = v; *p;) {
		size_t n = strcspn(p, ",");
		int last = !p[n];

		if (col == 80) {
			pf_buf_addch(out, ' ');
			col = strlen(name) + 3;
		} else if (col + n + 1 > 78) {
			pf_buf_addstr(out, "\n\t");
			col = 8;
		}
		pf_buf_add(out, p, n);
		col += n;
		if (!last) {
			pf_buf_addch(out, ',');
			col++;
		}
		p += n + !last;
	}
	pf_buf_addch(out, '\n');
}

void pf_config_dump(const struct pf_config *cfg, struct pf_buf *out)
{
	struct pf_buf v = PF_BUF_INIT;
	const char *section = NULL;

	for (size_t i = 0; i < PF_ARRAY_SIZE(keys); i++) {
		const struct key_def *k = &keys[i];

		if (!section || strcmp(section, k->section)) {
			pf_buf_addf(out, "%s[%s]\n", section ? "\n" : "",
				    k->section);
			section = k->section;
		}
		pf_buf_reset(&v);
		value_text(cfg, k, &v);
		if (k->kind == K_LIST || k->kind == K_HOSTMAP)
			dump_list(out, k->name, v.buf);
		else if (is_string_kind(k->kind) && needs_quotes(v.buf))
			pf_buf_addf(out, "%s = \"%s\"\n", k->name, v.buf);
		else if (v.len)
			pf_buf_addf(out, "%s = %s\n", k->name, v.buf);
		else
			pf_buf_addf(out, "%s =\n", k->name);
	}
	pf_buf_release(&v);
}
