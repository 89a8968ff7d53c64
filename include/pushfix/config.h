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
 * An unknown section or key is a warning naming file:line; a bad value is
 * an error naming file:line.  Strings are owned by the struct.
 * Secrets (API keys, tokens) are never stored here: only the *name* of the
 * environment variable or the command that yields them.
 */

enum pf_engine { PF_ENGINE_AUTO, PF_ENGINE_SEMGREP, PF_ENGINE_SARIF };
enum pf_filter_mode {
	PF_FILTER_ADDED,   /* findings touching an added/modified line */
	PF_FILTER_CONTEXT, /* ... or within scan.context lines of one */
	PF_FILTER_FILE,    /* anywhere in a changed file */
	PF_FILTER_ALL,     /* everything the scanner said */
};
enum pf_tristate { PF_AUTO = 0, PF_ALWAYS, PF_NEVER };
enum pf_redact_paths { PF_REDACT_PATHS_ALL, PF_REDACT_PATHS_DIRS,
		       PF_REDACT_PATHS_NONE };
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
		char *command;        /* SARIF engine command line, {files} */
		unsigned timeout;     /* seconds for the whole scanner run */
		enum pf_filter_mode filter;
		unsigned context;     /* lines for filter = context */
		unsigned long max_file_bytes; /* larger files are skipped */
	} scan;
	struct {
		char *provider;       /* openai|azure|anthropic|openai-compatible|none */
		char *model;
		char *base_url;
		char *api_key_env;
		char *api_key_cmd;
		char *api_version;    /* azure */
		unsigned timeout;     /* seconds per request */
		unsigned budget;      /* seconds for all requests of a push */
		unsigned max_parallel;
		unsigned context_lines;
		double autofix_min_confidence; /* 0..1 */
		int show_unverified;  /* show fixes the re-scan could not verify */
	} llm;
	struct {
		enum pf_redact_paths redact_paths;
		char *redact_words;   /* comma separated */
		char *allow_hosts;    /* comma separated public hosts kept as is */
		unsigned log_retention_days;
		int log_vault;        /* also log the placeholder map locally */
	} privacy;
	struct {
		enum pf_tristate interactive; /* auto: when /dev/tty opens */
		enum pf_tristate color;
		int ignore_writes_nosemgrep;
	} ui;
	struct {
		enum pf_block block;
		int on_error_block;  /* on_error = block */
		int after_fix_stop;  /* after_fix = stop (default) */
	} policy;
	struct {
		int enabled;
		enum pf_forge forge;
		char *api_url;
		char *repository;
		char *token_env;
		char *token_cmd;
		char *slack_webhook_env;
		char *host_map;       /* "git.corp=github,code.corp=gitlab" */
	} mirror;
	struct {
		int verbose;
	} core;
};

/* Fill with built-in defaults (allocates the default strings). */
void pf_config_init(struct pf_config *cfg);
void pf_config_release(struct pf_config *cfg);

/*
 * Load every layer.  `worktree` and `gitdir` (the common dir) may be NULL
 * outside a repository.  Warnings (unknown keys) are appended to
 * `warnings` (one line each, "warning: ..."), which may be NULL.
 * Returns PF_EINVALID with "cannot parse 'FILE' line N: ..." on a bad value.
 */
struct pf_buf;
int pf_config_load(struct pf_config *cfg, const char *worktree,
		   const char *gitdir, struct pf_buf *warnings);

/* Load one file into cfg (for tests and PUSHFIX_CONFIG). */
int pf_config_load_file(struct pf_config *cfg, const char *path,
			struct pf_buf *warnings);

/* Apply one section/key/value as if read from `origin` ("file:line" or
 * "PUSHFIX_SCAN_TIMEOUT").  PF_ENOTFOUND for an unknown key. */
int pf_config_set(struct pf_config *cfg, const char *section, const char *key,
		  const char *value, const char *origin);

/* Print every key with its effective value as INI (pushfix config). */
void pf_config_dump(const struct pf_config *cfg, struct pf_buf *out);

#endif
