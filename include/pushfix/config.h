#ifndef PUSHFIX_CONFIG_H
#define PUSHFIX_CONFIG_H

/*
 * Configuration: the only long-lived shared state.  Layers, later wins:
 *   built-in defaults
 *   < user file   $XDG_CONFIG_HOME/pushfix/config.ini (~/.config/...)
 *   < repository  <worktree>/.pushfix.ini   (committed, no secrets)
 *   < local       <git common dir>/pushfix/config.ini
 *   < PUSHFIX_CONFIG=path (replaces the three files when set)
 *   < environment PUSHFIX_<SECTION>_<KEY>=value (one key each)
 *
 * A bad layer costs its bad keys only: an unknown section or key is a
 * warning naming file:line (with a guess for a near miss); a bad value,
 * a line that is not INI and a secret are warnings naming file:line, the
 * key and what it accepts, and the key keeps the value of the layers
 * below.  Only a file that cannot be read at all (or is not text) is an
 * error, and then every other layer still applies.  Strings are owned by
 * the struct.
 * Secrets (API keys, tokens) are never stored here: only the *name* of the
 * environment variable or the command that yields them.  A key named like
 * a secret (api_key, token, password, secret, webhook...) with a value in
 * any file is an error pointing at api_key_env/api_key_cmd/token_env/...
 *
 * Strings: every char * member is non-NULL after pf_config_init(); ""
 * means unset (the module that uses it applies its own default, e.g. the
 * provider's base_url).  Lists (semgrep_config, redact_words, allow_hosts,
 * host_map) are normalised to "a,b,c": entries trimmed, empty ones gone.
 * Enum-like strings (llm.provider, llm.json_mode) hold the canonical
 * lower-case name.
 *
 * Trust: the repository's own .pushfix.ini arrives with every clone, so
 * keys that run a command or decide where code, keys or tokens go, or that
 * weaken anonymisation, are ignored there with a warning: scan.command,
 * scan.semgrep_bin, llm.base_url, llm.api_key_env, llm.api_key_cmd,
 * privacy.redact_paths, privacy.allow_hosts, privacy.log_vault,
 * rules.monitor (a repository may not hide findings from its developers),
 * mirror.api_url, mirror.repository, mirror.token_env, mirror.token_cmd,
 * mirror.slack_webhook_env.  Every other layer may set every key.  Nothing
 * in it can stop the check: it is read only as a regular file (lstat, no
 * symbolic link followed, at most 64 KiB); refused or unreadable, it is a
 * warning and no layer, never an error.
 *
 * Files are opened without blocking and must be regular files (or
 * /dev/null): a FIFO or a device is refused before any read. *
 * File syntax (inih): `[section]`, `key = value` (or `key: value`),
 * comments at the start of a line with ';' or '#', or after " ;".  Names
 * are case-insensitive; indentation is allowed; an indented line that is
 * not `key = value` continues the list above it; a value may be quoted.
 * Lines are limited to inih's buffer (198 bytes with Debian's libinih).
 */

/* Which scanners run; PF_ENGINE_BOTH is `engine = semgrep, sarif`. */
enum pf_engine {
	PF_ENGINE_AUTO,
	PF_ENGINE_SEMGREP,
	PF_ENGINE_SARIF,
	PF_ENGINE_BOTH
};
/* What the scan directory holds: the pushed files, or the whole tree. */
enum pf_scan_tree_mode { PF_TREE_CHANGED, PF_TREE_FULL };
enum pf_filter_mode {
	PF_FILTER_ADDED,   /* findings touching an added/modified line */
	PF_FILTER_CONTEXT, /* ... or within scan.context lines of one */
	PF_FILTER_FILE,	   /* anywhere in a changed file */
	PF_FILTER_ALL,	   /* everything the scanner said */
};
enum pf_tristate { PF_AUTO = 0, PF_ALWAYS, PF_NEVER };
enum pf_redact_paths {
	PF_REDACT_PATHS_ALL,
	PF_REDACT_PATHS_DIRS,
	PF_REDACT_PATHS_NONE
};
enum pf_block {
	PF_BLOCK_NEVER,
	PF_BLOCK_TRUE_POSITIVE,
	PF_BLOCK_ERROR, /* open findings of severity ERROR (or higher) */
};
enum pf_forge { PF_FORGE_AUTO, PF_FORGE_GITHUB, PF_FORGE_GITLAB };

struct pf_config {
	struct {
		enum pf_engine engine;
		char *semgrep_config; /* --config value(s), comma separated */
		char *semgrep_bin;    /* executable name or path: "semgrep" */
		char *command;	      /* SARIF engine command line, {files} */
		char *command_files;  /* globs of the files it reads */
		enum pf_scan_tree_mode tree;
		unsigned timeout; /* seconds for the whole scanner run */
		enum pf_filter_mode filter;
		unsigned context;	      /* lines for filter = context */
		unsigned long max_file_bytes; /* larger files are skipped */
		int prescan; /* post-commit hook scans in the background */
	} scan;
	struct {
		char *provider; /* openai|azure|anthropic|openai-compatible|none
				 */
		char *model;
		char *base_url;
		char *api_key_env;
		char *api_key_cmd;
		char *api_version; /* azure */
		unsigned timeout;  /* seconds per request */
		int pretriage;	   /* the prescan asks the LLM too */
		unsigned budget;   /* seconds for all requests of a push */
		unsigned max_parallel;
		unsigned context_lines;
		double autofix_min_confidence; /* 0..1 */
		int show_unverified; /* show fixes the re-scan could not verify
				      */
		char *json_mode;     /* auto|schema|object|none: how the
					answer's shape is asked for
					(openai-compatible servers without
					json_schema: object); NULL = auto */
		unsigned max_findings; /* at most this many findings of a
					  push are sent, 0 = all */

		/* What the provider charges per million tokens in and out,
		 * for eval's cost; < 0: not known. */
		double price_in, price_out;
	} llm;
	struct {
		enum pf_redact_paths redact_paths;
		char *redact_words; /* comma separated */
		char *allow_hosts; /* comma separated public hosts kept as is */
		unsigned log_retention_days;
		int log_vault; /* also log the placeholder map locally */
	} privacy;
	struct {
		enum pf_tristate interactive; /* auto: when /dev/tty opens */
		enum pf_tristate color;
		int ignore_writes_nosemgrep;
		unsigned max_prompts;	   /* questions asked, then the rest are
					      listed in one block; 0 = no cap */
		enum pf_tristate progress; /* auto (a terminal) | never */
	} ui;
	struct {
		enum pf_block block;
		int on_error_block; /* on_error = block */
		int after_fix_stop; /* after_fix = stop (default) */
		int block_secrets;  /* credentials on pushed lines stop the
				       push (default; issue 11) */
	} policy;
	/* Rule modes (issue 15): rule-id globs (fnmatch), "a,b"; see
	 * pf_policy_mode() for which wins. */
	struct {
		char *block;	     /* stop the push unless fixed or ignored */
		char *comment;	     /* shown and posted, never block */
		char *monitor;	     /* recorded and counted only (trusted
					layers only) */
		int comment_trusted; /* `comment` came from a trusted layer
					(not the repository's .pushfix.ini) */
	} rules;
	struct {
		char *allow;	   /* "sha256:<hex>" value hashes, comma
				      separated (also from .pushfix.ini) */
		char *allow_paths; /* path globs (the user's own files only) */
	} secrets;
	struct {
		int enabled;
		enum pf_forge forge;
		char *api_url;
		char *repository;
		char *token_env;
		char *token_cmd;
		char *slack_webhook_env;
		int feedback_ignores; /* `/pushfix agree` on a false
					 positive ignores it */
		char *host_map;	      /* "git.corp=github,code.corp=gitlab" */
	} mirror;
	struct {
		int verbose;
		unsigned max_seconds; /* the whole hook, then the push goes
					 on (or stops: on_error = block) */
	} core;
};

/* The words autofix_min_confidence accepts, as numbers. */
#define PF_CONFIG_CONFIDENCE_LOW 0.3
#define PF_CONFIG_CONFIDENCE_MEDIUM 0.6
#define PF_CONFIG_CONFIDENCE_HIGH 0.85

/* Fill with built-in defaults (allocates the default strings). */
void pf_config_init(struct pf_config *cfg);
void pf_config_release(struct pf_config *cfg);

/*
 * Load every layer on top of `cfg`, which must have been initialised with
 * pf_config_init().  `worktree` and `gitdir` (the common dir) may be NULL
 * outside a repository.  Warnings (unknown keys, bad values, keys ignored
 * in .pushfix.ini, a refused .pushfix.ini) are appended to `warnings` (one
 * line each, "warning: ...", '\n'-terminated, control bytes shown as '?'),
 * which may be NULL.  A file that does not exist is no layer.
 * Returns 0, or the first error of a trusted file that cannot be read
 * (not a regular file, too big, not text, unreadable; a missing
 * PUSHFIX_CONFIG file): its message names the file.  Even then `cfg`
 * holds every other layer, so a caller that fails open still honours
 * [policy] on_error from the user's own files and environment.
 */
struct pf_buf;
int pf_config_load(struct pf_config *cfg, const char *worktree,
		   const char *gitdir, struct pf_buf *warnings);

/* Load one file into cfg (for tests), trusted and strict: a missing file,
 * a bad value or a line that is not INI is an error ("cannot parse 'FILE'
 * line N: ..."); cfg keeps what was applied before it. */
int pf_config_load_file(struct pf_config *cfg, const char *path,
			struct pf_buf *warnings);

/* Apply one section/key/value as if read from `origin` ("file:line",
 * "PUSHFIX_SCAN_TIMEOUT", an option such as "--filter", or NULL): the
 * message of a bad value names it.  PF_ENOTFOUND for an unknown section or
 * key, PF_EINVALID for a bad value (cfg unchanged then). */
int pf_config_set(struct pf_config *cfg, const char *section, const char *key,
		  const char *value, const char *origin);

/* Print every key with its effective value as INI (pushfix config); the
 * output loads back to the same values. */
void pf_config_dump(const struct pf_config *cfg, struct pf_buf *out);

/* The user file's path ($XDG_CONFIG_HOME/pushfix/config.ini, else
 * $HOME/.config/pushfix/config.ini) appended to `out`, for `doctor` and
 * messages.  PF_ENOTFOUND when neither variable is usable. */
int pf_config_user_file(struct pf_buf *out);

#endif
