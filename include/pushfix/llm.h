#ifndef PUSHFIX_LLM_H
#define PUSHFIX_LLM_H

#include <stddef.h>
#include <stdint.h>

#include "pushfix/buf.h"
#include "pushfix/config.h"
#include "pushfix/finding.h"
#include "pushfix/http.h"

/*
 * The LLM exchange of one finding: the request body and headers of each
 * provider, and the strict reading of its answer.  Pure functions except
 * pf_llm_load_key (environment, api_key_cmd); the sending is http.c's
 * and the orchestration triage.c's.
 *
 * Providers ([llm] provider):
 *   openai             POST <base_url>/chat/completions, Bearer key,
 *                      response_format json_schema (strict)
 *   azure              POST <base_url>/deployments/<model>/chat/completions
 *                      ?api-version=<api_version>, header api-key; a
 *                      base_url ending in /v1 is Azure's v1 API (OpenAI
 *                      shape, model = deployment)
 *   anthropic          POST <base_url>/messages, x-api-key,
 *                      anthropic-version; the answer is the input of a
 *                      forced tool call (report_triage)
 *   openai-compatible  POST <base_url>/chat/completions, key optional;
 *                      [llm] json_mode = schema (default) | object (JSON
 *                      mode, for servers without json_schema) | none
 *   none               no LLM
 * base_url includes the version path, as the official SDKs take it
 * ("https://api.openai.com/v1", "http://localhost:11434/v1").
 */

/* Part of every cache key and every log entry: change it whenever the
 * prompt, the schema or the request shape changes. */
#define PF_LLM_PROMPT_VERSION "pushfix-triage-2"

/* The longest component tag kept from an answer. */
#define PF_LLM_COMPONENT_MAX 24

enum pf_llm_provider {
	PF_LLM_NONE = 0,
	PF_LLM_OPENAI,
	PF_LLM_AZURE,
	PF_LLM_ANTHROPIC,
	PF_LLM_OPENAI_COMPATIBLE,
};

enum pf_llm_json_mode {
	PF_LLM_JSON_SCHEMA = 0, /* response_format json_schema */
	PF_LLM_JSON_OBJECT,	/* response_format json_object */
	PF_LLM_JSON_NONE,	/* no response_format; schema in prompt */
};

/* An endpoint resolved from the config.  Strings owned by the struct. */
struct pf_llm {
	enum pf_llm_provider provider;
	enum pf_llm_json_mode json_mode;
	char *model;
	char *url;  /* the full endpoint URL */
	char *host; /* its host, for messages and the sent log */
	char *key;  /* SECRET: never printed, logged or copied into a
		       message; NULL when none (yet); wiped on release */
	unsigned timeout_ms, budget_ms, max_parallel;
};

int pf_llm_provider_parse(enum pf_llm_provider *out, const char *name);
const char *pf_llm_provider_name(enum pf_llm_provider p);

/*
 * Resolve provider, model, URL and limits from cfg (no key yet: preview
 * needs none).  PF_EINVALID naming the [llm] key at fault: unknown
 * provider or json_mode, missing base_url (azure, openai-compatible) or
 * model (azure).  Provider none gives llm->provider == PF_LLM_NONE and 0.
 */
int pf_llm_open(struct pf_llm *llm, const struct pf_config *cfg);

/*
 * Fetch the key: the output of `api_key_cmd` (first line, run without a
 * shell, 10 s timeout) when set, else the environment variable named by
 * `api_key_env`, by default OPENAI_API_KEY / AZURE_OPENAI_API_KEY /
 * ANTHROPIC_API_KEY (openai-compatible: no default, the key is optional).
 * PF_EAUTH when a required key is missing, the command fails, or a key
 * would travel over plain http to a host other than loopback.
 */
int pf_llm_load_key(struct pf_llm *llm, const struct pf_config *cfg);

/* Frees the strings, wiping the key first.  Accepts NULL. */
void pf_llm_release(struct pf_llm *llm);

/* What the prompt says about one finding; every text already
 * anonymised. */
struct pf_llm_prompt {
	const char *rule_id;
	const char *message;
	const char *severity; /* "ERROR"... */
	const char *cwe;      /* may be NULL */
	const char *owasp;    /* may be NULL */
	const char *language; /* may be NULL */
	const char *path;     /* anonymised path, may be NULL */
	int test_file;	      /* 1 under a test directory, 0 not, -1 unknown */
	/* The snippet as snippet.h numbers it: "  12 | code" per line,
	 * "> 13 | code" for the finding's lines, already redacted. */
	const char *snippet;
	size_t snippet_len;
	uint32_t start_line, end_line; /* the finding's lines */
	int truncated;		       /* lines were cut / context dropped */
};

/* The system prompt (the same for every request of a prompt version). */
const char *pf_llm_system_prompt(void);

/* The user message: the finding's facts, then the numbered snippet
 * inside a fence whose tag is derived from the snippet and absent
 * from it (stable for the cache, impossible for the code to close). */
void pf_llm_user_message(struct pf_buf *out, const struct pf_llm_prompt *p);

/* The exact request body for llm's provider (compact JSON). */
void pf_llm_build_body(struct pf_buf *out, const struct pf_llm *llm,
		       const struct pf_llm_prompt *p);

/*
 * The request headers, "Name: value", NULL-terminated; the credential
 * header is included when llm->key is set.  Free with
 * pf_llm_headers_free(), which wipes them.
 */
char **pf_llm_headers(const struct pf_llm *llm);
void pf_llm_headers_free(char **headers);

/* The answer of one finding, validated. */
struct pf_llm_answer {
	enum pf_verdict verdict;
	double confidence; /* 0..1 */
	char *reason;
	int has_fix;
	uint32_t start_line, end_line;
	char *replacement; /* the new text of lines start..end */
	char *component;   /* a short tag ("auth", "tests"), or NULL */
};

void pf_llm_answer_init(struct pf_llm_answer *a);
void pf_llm_answer_release(struct pf_llm_answer *a);

/*
 * Strictly read the answer object {"verdict", "confidence", "reason",
 * "fix", "component"}: exactly these keys ("component" may be missing;
 * it is cut to a tag of [a-z0-9_/-], NULL when empty), no duplicates, verdict
 * one of true_positive|false_positive|uncertain, confidence a number in 0..1,
 * reason a non-empty string of at most 3 sentences and 1000 bytes, fix
 * null or exactly {start_line >= 1, end_line >= start_line, replacement}.
 * PF_EINVALID with "the LLM answer ..." saying what is wrong; `out` is
 * left released then.
 */
int pf_llm_parse_answer(struct pf_llm_answer *out, const char *json,
			size_t len);

/* Canonical compact JSON of an answer (what the cache stores). */
void pf_llm_answer_json(struct pf_buf *out, const struct pf_llm_answer *a);

/*
 * Read a provider's HTTP outcome: transport failures, error statuses
 * (401/403 -> PF_EAUTH "the LLM endpoint rejected the API key (401)"),
 * then the envelope (OpenAI choices[0].message.content, refusal,
 * finish_reason; Anthropic content[] tool_use input, stop_reason) and the
 * answer itself.  `answer_json` (may be NULL) receives the canonical
 * answer on success.  Messages never contain the key.
 */
int pf_llm_parse_response(struct pf_llm_answer *out, struct pf_buf *answer_json,
			  const struct pf_llm *llm,
			  const struct pf_http_response *r);

/*
 * Several findings of one file whose snippets overlap, in one request
 * (fewer requests, each finding still judged on its own).  `p` holds each
 * finding's facts (its snippet fields unused), `snippet` the merged
 * snippet showing every finding's lines marked.  The answer is
 *   {"findings":[{"id":K,"verdict","confidence","reason","fix"}...]}
 * with K the 1-based position in `p`.  nr == 1 gives exactly the body of
 * pf_llm_build_body() (the single-finding shape).
 */
void pf_llm_group_message(struct pf_buf *out, const struct pf_llm_prompt *p,
			  size_t nr, const char *snippet, size_t snippet_len,
			  int truncated);
void pf_llm_build_group_body(struct pf_buf *out, const struct pf_llm *llm,
			     const struct pf_llm_prompt *p, size_t nr,
			     const char *snippet, size_t snippet_len,
			     int truncated);

/*
 * Read a group's answer into out[0..nr) (by id), each entry checked as
 * strictly as pf_llm_parse_answer(); an entry that is missing, bad or
 * given twice leaves out[k] released (verdict NONE) and errors[k] (owned
 * by the caller, NULL otherwise) saying why.  A negative PF_EINVALID only
 * when the whole answer is unusable (not JSON, no "findings" array).
 */
int pf_llm_parse_group_answer(struct pf_llm_answer *out, char **errors,
			      size_t nr, const char *json, size_t len);
/* Canonical JSON of a group's answers (the entries with a verdict). */
void pf_llm_group_answer_json(struct pf_buf *out, const struct pf_llm_answer *a,
			      size_t nr);
/* pf_llm_parse_response() for a group request. */
int pf_llm_parse_group_response(struct pf_llm_answer *out, char **errors,
				size_t nr, struct pf_buf *answer_json,
				const struct pf_llm *llm,
				const struct pf_http_response *r);

/* Count the sentences of a text as the reason check does. */
unsigned pf_llm_count_sentences(const char *s);

#endif
