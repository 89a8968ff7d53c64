#ifndef PUSHFIX_CACHE_H
#define PUSHFIX_CACHE_H

#include <stddef.h>

#include "pushfix/buf.h"

/*
 * The LLM answer cache: <state_dir>/cache/<key>.json, one validated
 * answer per file, written atomically (temp file + rename), mode 0600.
 * The key is sha256 of provider, model, prompt version and the anonymised
 * request body, so a second push of the same findings sends nothing, and
 * a new prompt version or model never reuses an old answer.  Entries are
 * opaque bytes here; the caller validates what it reads back (a damaged
 * entry is a miss).  `--no-cache` opens it disabled: every get misses and
 * put does nothing.
 */
struct pf_cache {
	char *dir; /* <state_dir>/cache (owned), NULL when disabled */
	int disabled;
	unsigned hits, misses, writes;
};

/* dir is created on the first put.  state_dir NULL: disabled. */
void pf_cache_open(struct pf_cache *c, const char *state_dir, int disabled);
void pf_cache_release(struct pf_cache *c);

/* out = lower-case hex sha256 over the four fields, each length-prefixed
 * (no two different tuples give the same hashed bytes). */
void pf_cache_key(char out[65], const char *provider, const char *model,
		  const char *prompt_version, const char *payload,
		  size_t payload_len);

/* 0 and `out` set to the entry, or PF_ENOTFOUND (also when disabled or
 * the entry is larger than 1 MiB). */
int pf_cache_get(struct pf_cache *c, const char *key, struct pf_buf *out);

/* Store an entry.  0, or PF_ERROR with a message (the caller may go on:
 * a cache that cannot be written only costs time). */
int pf_cache_put(struct pf_cache *c, const char *key, const char *data,
		 size_t len);

#endif
