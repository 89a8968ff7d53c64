/*
 * On-disk LLM answer cache.  One file per key keeps writes atomic and
 * lookups O(1) without an index that concurrent pushes would fight over.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "pushfix/cache.h"
#include "pushfix/err.h"
#include "pushfix/fs.h"
#include "pushfix/util.h"

#define ENTRY_CAP (1u << 20)

void pf_cache_open(struct pf_cache *c, const char *state_dir, int disabled)
{
	struct pf_buf b = PF_BUF_INIT;

	memset(c, 0, sizeof(*c));
	c->disabled = disabled || !state_dir;
	if (c->disabled)
		return;
	pf_buf_addf(&b, "%s/cache", state_dir);
	c->dir = pf_buf_detach(&b, NULL);
}

void pf_cache_release(struct pf_cache *c)
{
	if (!c)
		return;
	free(c->dir);
	c->dir = NULL;
}

static void add_field(struct pf_buf *b, const char *s, size_t len)
{
	pf_buf_addf(b, "%zu:", len);
	pf_buf_add(b, s, len);
	pf_buf_addch(b, '\n');
}

void pf_cache_key(char out[65], const char *provider, const char *model,
		  const char *prompt_version, const char *payload,
		  size_t payload_len)
{
	struct pf_buf b = PF_BUF_INIT;

	pf_buf_addstr(&b, "pushfix-cache-1\n");
	add_field(&b, provider ? provider : "",
		  provider ? strlen(provider) : 0);
	add_field(&b, model ? model : "", model ? strlen(model) : 0);
	add_field(&b, prompt_version ? prompt_version : "",
		  prompt_version ? strlen(prompt_version) : 0);
	add_field(&b, payload ? payload : "", payload ? payload_len : 0);
	pf_sha256_hex(out, b.buf, b.len);
	pf_buf_release(&b);
}

static int valid_key(const char *key)
{
	size_t n = strspn(key, "0123456789abcdef");

	return n == 64 && !key[64];
}

static void entry_path(struct pf_buf *b, const struct pf_cache *c,
		       const char *key)
{
	pf_buf_reset(b);
	pf_buf_addf(b, "%s/%s.json", c->dir, key);
}

int pf_cache_get(struct pf_cache *c, const char *key, struct pf_buf *out)
{
	struct pf_buf path = PF_BUF_INIT, data = PF_BUF_INIT;
	int ret = PF_ENOTFOUND;

	if (c->disabled || !valid_key(key))
		goto out;
	entry_path(&path, c, key);
	if (pf_buf_read_file(&data, path.buf, ENTRY_CAP) || !data.len)
		goto out;
	pf_buf_reset(out);
	pf_buf_add(out, data.buf, data.len);
	ret = 0;
out:
	if (ret)
		c->misses++;
	else
		c->hits++;
	pf_error_clear();
	pf_buf_release(&path);
	pf_buf_release(&data);
	return ret;
}

int pf_cache_put(struct pf_cache *c, const char *key, const char *data,
		 size_t len)
{
	struct pf_buf path = PF_BUF_INIT;
	int ret;

	if (c->disabled)
		return 0;
	if (!valid_key(key))
		return pf_error_setc(PF_EINVALID, "bad cache key '%.70s'", key);
	ret = pf_mkdir_p(c->dir, 0700);
	if (ret)
		goto out;
	entry_path(&path, c, key);
	ret = pf_write_file_atomic(path.buf, data, len, 0600);
	if (!ret)
		c->writes++;
out:
	pf_buf_release(&path);
	return ret;
}
