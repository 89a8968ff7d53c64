/*
 * Talking to a forge's REST API for the drivers (github.c, gitlab.c,
 * slack.c): authentication, retries, rate limits, error messages that name
 * the repository and the token's source, paginated listings.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include <cJSON.h>

#include "pushfix/buf.h"
#include "pushfix/err.h"
#include "pushfix/json.h"
#include "pushfix/util.h"

#include "mirror_int.h"

#define PAGE_CAP 200 /* pages of one listing */
#define USER_AGENT "User-Agent: pushfix"

int pf_mirror_link_next(struct pf_buf *out, const char *link)
{
	const char *p = link;

	while (p && *p) {
		const char *lt = strchr(p, '<'), *gt, *next_lt, *rel;

		if (!lt)
			return 0;
		gt = strchr(lt, '>');
		if (!gt)
			return 0;
		next_lt = strchr(gt, '<');
		rel = strstr(gt, "rel=");
		if (rel && (!next_lt || rel < next_lt)) {
			const char *v = rel + 4;
			size_t n;

			if (*v == '"')
				v++;
			n = strcspn(v, "\";,");
			/* rel="next" or a list such as rel="next last" */
			for (const char *w = v; w < v + n;) {
				size_t wl = strcspn(w, " \";,");

				if (wl == 4 && !strncasecmp(w, "next", 4)) {
					pf_buf_reset(out);
					pf_buf_add(out, lt + 1,
						   (size_t)(gt - lt - 1));
					return 1;
				}
				w += wl;
				while (*w == ' ')
					w++;
				if (!wl)
					break;
			}
		}
		p = next_lt;
	}
	return 0;
}

/* ---- requests ---- */

void pf_mirror_ctx_release(struct pf_mirror_ctx *c)
{
	if (!c)
		return;
	free(c->pr_url);
	c->pr_url = NULL;
	for (size_t i = 0; i < c->replies_nr; i++) {
		free(c->replies[i].fingerprint);
		free(c->replies[i].author);
		free(c->replies[i].id);
		free(c->replies[i].reason);
	}
	free(c->replies);
	c->replies = NULL;
	c->replies_nr = c->replies_alloc = 0;
}

void pf_mirror_count_post(struct pf_mirror_ctx *c)
{
	static unsigned done;
	const char *v = getenv("PUSHFIX_TEST_MIRROR_DIE_AFTER");
	unsigned long n;

	(void)c;
	done++;
	if (v && !pf_parse_ulong(&n, v) && n && done >= n) {
		fprintf(stderr,
			"pushfix: PUSHFIX_TEST_MIRROR_DIE_AFTER=%lu: "
			"dying after %u posts\n",
			n, done);
		fflush(NULL);
		_exit(3);
	}
}

static const char *forge_of(const struct pf_mirror_ctx *c)
{
	return pf_forge_name(c->repo->forge);
}

static int is_rate_limited(const struct pf_http_response *r)
{
	struct pf_buf v = PF_BUF_INIT;
	int yes = 0;

	if (r->status == 429)
		yes = 1;
	else if (r->status == 403) {
		if ((!pf_http_header(r, "x-ratelimit-remaining", &v) &&
		     !strcmp(v.buf, "0")) ||
		    !pf_http_header(r, "retry-after", &v) ||
		    strcasestr(r->body.buf, "rate limit") ||
		    strcasestr(r->body.buf, "abuse detection"))
			yes = 1;
	}
	pf_buf_release(&v);
	return yes;
}

/* The forge's own words, from {"message": ...} (or GitLab's
 * {"error": ...}), cut to one short line. */
static void api_message(struct pf_buf *out, const struct pf_http_response *r)
{
	cJSON *j = cJSON_ParseWithLength(r->body.buf, r->body.len);
	const cJSON *m =
		j ? cJSON_GetObjectItemCaseSensitive(j, "message") : NULL;
	const cJSON *errs =
		j ? cJSON_GetObjectItemCaseSensitive(j, "errors") : NULL;

	if (!m && j)
		m = cJSON_GetObjectItemCaseSensitive(j, "error");
	if (cJSON_IsString(m)) {
		pf_buf_addstr(out, m->valuestring);
	} else if (m) {
		char *t = cJSON_PrintUnformatted(m);

		pf_buf_addstr(out, t);
		cJSON_free(t);
	} else {
		pf_buf_add(out, r->body.buf,
			   r->body.len > 200 ? 200 : r->body.len);
	}
	if (cJSON_IsArray(errs)) {
		const cJSON *e;

		cJSON_ArrayForEach (e, errs) {
			const cJSON *em =
				cJSON_IsObject(e)
					? cJSON_GetObjectItemCaseSensitive(
						  e, "message")
					: e;

			if (cJSON_IsString(em)) {
				pf_buf_addstr(out, "; ");
				pf_buf_addstr(out, em->valuestring);
			}
		}
	}
	cJSON_Delete(j);
	for (size_t i = 0; i < out->len; i++)
		if (out->buf[i] == '\n' || out->buf[i] == '\r')
			out->buf[i] = ' ';
	if (out->len > 300)
		pf_buf_setlen(out, 300);
}

/* Path of an API URL, for messages: "POST /repos/o/r/pulls/1/reviews". */
static const char *url_path(const struct pf_mirror_ctx *c, const char *url)
{
	size_t n = strlen(c->repo->api_url);

	return !strncmp(url, c->repo->api_url, n) ? url + n : url;
}

int pf_mirror_status_error(struct pf_mirror_ctx *c,
			   const struct pf_http_response *r, const char *method,
			   const char *url)
{
	const char *forge = forge_of(c);
	int gh = c->repo->forge == PF_FORGE_GITHUB;
	struct pf_buf m = PF_BUF_INIT;
	int ret;

	switch (r->status) {
	case 401:
		ret = pf_error_setc(PF_EAUTH,
				    "%s rejected the token (401): check %s",
				    forge, c->token_source);
		break;
	case 403:
		ret = pf_error_setc(
			PF_EAUTH,
			"%s refused access to %s (403): the token from %s %s",
			forge, c->repo->path, c->token_source,
			gh ? "needs write access to pull requests (classic "
			     "token: repo scope)"
			   : "needs the api scope and at least Reporter access "
			     "to the project");
		break;
	case 404:
		/* PF_ERROR: PF_ENOTFOUND means "no PR/MR yet" to callers */
		ret = pf_error_setc(PF_ERROR,
				    "%s has no %s %s at %s, or the token from "
				    "%s cannot see it (404)",
				    forge, gh ? "repository" : "project",
				    c->repo->path, c->repo->api_url,
				    c->token_source);
		break;
	default:
		api_message(&m, r);
		ret = pf_error_setc(r->status >= 500 ? PF_ERETRY : PF_ERROR,
				    "%s answered %ld to %s %s: %s", forge,
				    r->status, method, url_path(c, url), m.buf);
	}
	pf_buf_release(&m);
	return ret;
}

int pf_mirror_request(struct pf_mirror_ctx *c, struct pf_http_response *r,
		      const char *method, const char *url,
		      const char *json_body)
{
	struct pf_buf auth = PF_BUF_INIT;
	const char *headers[8];
	struct pf_http_request req = { 0 };
	unsigned transport_tries = 0, server_tries = 0, limit_tries = 0;
	size_t h = 0;
	int ret;

	/* The choke point of every forge request: a token goes only to the
	 * API the user trusted (see pf_forge_resolve()), never to a host a
	 * committed .pushfix.ini pointed at. */
	if (c->token && !c->repo->token_ok) {
		pf_forge_untrusted(&auth, c->repo, c->token_source);
		ret = pf_error_setc(PF_EAUTH, "%s", auth.buf);
		pf_buf_release(&auth);
		return ret;
	}
	if (c->repo->forge == PF_FORGE_GITHUB) {
		pf_buf_addf(&auth, "Authorization: Bearer %s",
			    c->token ? c->token : "");
		headers[h++] = "Accept: application/vnd.github+json";
		headers[h++] = "X-GitHub-Api-Version: 2022-11-28";
	} else {
		pf_buf_addf(&auth, "PRIVATE-TOKEN: %s",
			    c->token ? c->token : "");
		headers[h++] = "Accept: application/json";
	}
	headers[h++] = auth.buf;
	headers[h++] = USER_AGENT;
	if (json_body)
		headers[h++] = "Content-Type: application/json";
	headers[h] = NULL;
	req.method = method;
	req.url = url;
	req.headers = headers;
	req.body = json_body;
	req.body_len = json_body ? strlen(json_body) : 0;
	req.timeout_ms = 60000;
	req.max_response = 32u << 20;

	for (;;) {
		double t0 = pf_now_ms();

		ret = pf_http_perform(r, &req);
		c->last_status = r->status;
		if (c->verbose)
			fprintf(c->out, "pushfix: %s %s -> %ld (%.0f ms)\n",
				method, url, r->status, pf_now_ms() - t0);
		if (ret) {
			if (++transport_tries < 3) {
				pf_sleep_s(transport_tries);
				continue;
			}
			goto out;
		}
		if (is_rate_limited(r)) {
			double wait = pf_http_retry_after(r);

			if (wait < 0)
				wait = 60; /* secondary limit, no hint */
			if (wait <= c->max_sleep_s && ++limit_tries < 4) {
				fprintf(c->out,
					"pushfix: %s rate limit (%ld): waiting "
					"%.0f s\n",
					forge_of(c), r->status, wait);
				pf_sleep_s(wait + 0.2);
				continue;
			}
			c->retry_after = wait;
			ret = pf_error_setc(
				PF_ERETRY,
				"%s rate limit reached (%ld): "
				"retry in %.0f s; the findings stay "
				"in the outbox",
				forge_of(c), r->status, wait);
			goto out;
		}
		if (r->status >= 500 && pf_http_status_retryable(r->status) &&
		    ++server_tries < 3) {
			pf_sleep_s(server_tries);
			continue;
		}
		break;
	}
	if (r->status == 401 || r->status == 403) {
		ret = pf_mirror_status_error(c, r, method, url);
		goto out;
	}
	ret = 0;
out:
	/* the token must not linger in freed memory longer than needed */
	memset(auth.buf, 0, auth.len);
	pf_buf_release(&auth);
	return ret;
}

/* Same API origin: a Link header must not send our token elsewhere. */
static int same_api(const struct pf_mirror_ctx *c, const char *url)
{
	size_t n = strlen(c->repo->api_url);

	return !strncmp(url, c->repo->api_url, n) &&
	       (url[n] == '/' || url[n] == '?' || !url[n]);
}

int pf_mirror_get_all(struct pf_mirror_ctx *c, struct cJSON **out,
		      const char *url)
{
	struct pf_http_response r;
	struct pf_buf next = PF_BUF_INIT, cur = PF_BUF_INIT, link = PF_BUF_INIT;
	cJSON *all = cJSON_CreateArray();
	int ret = 0;

	pf_http_response_init(&r);
	pf_buf_addstr(&cur, url);
	for (unsigned page = 0;; page++) {
		cJSON *arr, *it;

		if (page >= PAGE_CAP) {
			ret = pf_error_set("%s: more than %d pages at %s",
					   forge_of(c), PAGE_CAP,
					   url_path(c, url));
			goto out;
		}
		ret = pf_mirror_request(c, &r, "GET", cur.buf, NULL);
		if (ret)
			goto out;
		if (r.status != 200) {
			ret = pf_mirror_status_error(c, &r, "GET", cur.buf);
			goto out;
		}
		arr = cJSON_ParseWithLength(r.body.buf, r.body.len);
		if (!cJSON_IsArray(arr)) {
			cJSON_Delete(arr);
			ret = pf_error_setc(PF_EINVALID,
					    "%s answered GET %s with something "
					    "that is not a JSON array",
					    forge_of(c), url_path(c, cur.buf));
			goto out;
		}
		while ((it = cJSON_DetachItemFromArray(arr, 0)))
			cJSON_AddItemToArray(all, it);
		cJSON_Delete(arr);
		pf_buf_reset(&next);
		if (!pf_http_header(&r, "link", &link) &&
		    pf_mirror_link_next(&next, link.buf)) {
			if (!same_api(c, next.buf)) {
				ret = pf_error_set("%s: the next page of %s "
						   "points outside %s",
						   forge_of(c),
						   url_path(c, url),
						   c->repo->api_url);
				goto out;
			}
		} else if (!pf_http_header(&r, "x-next-page", &link) &&
			   link.len) {
			/* GitLab without Link: rebuild the page URL */
			pf_buf_addf(&next, "%s%spage=%s", url,
				    strchr(url, '?') ? "&" : "?", link.buf);
		}
		if (!next.len)
			break;
		pf_buf_reset(&cur);
		pf_buf_addstr(&cur, next.buf);
	}
out:
	if (ret)
		cJSON_Delete(all);
	else
		*out = all;
	pf_http_response_release(&r);
	pf_buf_release(&next);
	pf_buf_release(&cur);
	pf_buf_release(&link);
	return ret;
}

int pf_mirror_get_json(struct pf_mirror_ctx *c, struct pf_http_response *r,
		       const char *url, struct cJSON **out)
{
	int ret = pf_mirror_request(c, r, "GET", url, NULL);

	*out = NULL;
	if (ret)
		return ret;
	if (r->status != 200)
		return pf_mirror_status_error(c, r, "GET", url);
	*out = cJSON_ParseWithLength(r->body.buf, r->body.len);
	return 0;
}

int pf_mirror_get_optional(struct pf_mirror_ctx *c, struct pf_http_response *r,
			   const char *url, struct cJSON **out)
{
	int ret = pf_mirror_request(c, r, "GET", url, NULL);

	*out = NULL;
	if (ret || r->status == 404)
		return ret;
	if (r->status != 200)
		return pf_mirror_status_error(c, r, "GET", url);
	*out = cJSON_ParseWithLength(r->body.buf, r->body.len);
	return 0;
}

static const cJSON *latest(const cJSON *items,
			   const struct pf_mirror_pr_keys *k,
			   const struct pf_mirror_ctx *c)
{
	const cJSON *it, *best = NULL;
	const char *best_upd = "";

	cJSON_ArrayForEach (it, items) {
		const char *upd = pf_json_str(it, "updated_at");

		if (!k->match(c, it) ||
		    !cJSON_IsNumber(
			    cJSON_GetObjectItemCaseSensitive(it, k->num_key)))
			continue;
		if (!best || (upd && strcmp(upd, best_upd) > 0)) {
			best = it;
			best_upd = upd ? upd : "";
		}
	}
	return best;
}

int pf_mirror_find_pr(struct pf_mirror_ctx *c, const char *url,
		      const struct pf_mirror_pr_keys *k, long *number,
		      struct cJSON **list, const struct cJSON **best)
{
	cJSON *all = NULL;
	const cJSON *b = NULL;
	int ret = pf_mirror_get_all(c, &all, url);

	if (ret)
		goto out;
	b = latest(all, k, c);
	if (!b) {
		ret = pf_error_setc(PF_ENOTFOUND,
				    "no open %s for branch '%s' in %s yet",
				    k->what, c->entry->branch, c->repo->path);
		goto out;
	}
	*number = (long)cJSON_GetObjectItemCaseSensitive(b, k->num_key)
			  ->valuedouble;
	free(c->pr_url);
	c->pr_url = pf_xstrdup_or_null(pf_json_str(b, k->url_key));
out:
	if (list) {
		*list = all;
		*best = b;
	} else {
		cJSON_Delete(all);
	}
	return ret;
}

void pf_mirror_print_json(FILE *out, const char *json)
{
	cJSON *j = cJSON_Parse(json);
	char *t = cJSON_Print(j);

	fprintf(out, "%s\n", t ? t : json);
	cJSON_free(t);
	cJSON_Delete(j);
}
