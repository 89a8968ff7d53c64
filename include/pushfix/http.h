#ifndef PUSHFIX_HTTP_H
#define PUSHFIX_HTTP_H

#include <stddef.h>

#include "pushfix/buf.h"

/*
 * The one libcurl wrapper (LLM providers, GitHub, GitLab, Slack).
 * Proxies (HTTPS_PROXY, NO_PROXY...) and CA settings (CURL_CA_BUNDLE,
 * SSL_CERT_FILE) come from the environment as curl reads them.
 * Headers that carry credentials (Authorization, api-key, x-api-key,
 * PRIVATE-TOKEN) are never logged or put into error messages.
 *
 * Single requests: pf_http_perform().  Many in parallel (the LLM stage):
 * pf_http_multi_*, on curl's multi interface, at most `max_parallel` at
 * once, within a total budget.
 */

struct pf_http_request {
	const char *method;        /* "GET", "POST"...; NULL = GET/POST by body */
	const char *url;
	const char *const *headers; /* "Name: value", NULL-terminated, or NULL */
	const char *body;
	size_t body_len;
	unsigned timeout_ms;       /* whole request; 0 = 30 s */
	unsigned connect_timeout_ms; /* 0 = 10 s */
	size_t max_response;       /* cap on the body; 0 = 8 MiB */
};

struct pf_http_response {
	long status;            /* 0 when no HTTP answer arrived */
	struct pf_buf body;
	struct pf_buf headers;  /* raw header block of the final answer */
	int transport_error;    /* curl failed: no answer (refused, reset,
				   timeout, too big); message in `error` */
	int timed_out;
	char error[256];
	double ms;
};

void pf_http_response_init(struct pf_http_response *r);
void pf_http_response_release(struct pf_http_response *r);

/* Perform one request.  0 when an HTTP answer arrived (any status: look
 * at r->status), PF_ETIMEOUT/PF_ETOOBIG/PF_ERROR when none did (message
 * names the host, never a token). */
int pf_http_perform(struct pf_http_response *r,
		    const struct pf_http_request *req);

/* Case-insensitive header lookup in r->headers; copies the value
 * (trimmed) into out.  0, or PF_ENOTFOUND. */
int pf_http_header(const struct pf_http_response *r, const char *name,
		   struct pf_buf *out);

/*
 * Seconds to wait before retrying, from Retry-After (seconds or an HTTP
 * date), x-ratelimit-reset / RateLimit-Reset (epoch or delta seconds);
 * -1 when the answer says nothing.
 */
double pf_http_retry_after(const struct pf_http_response *r);

/* Is this status worth retrying (429, 500, 502, 503, 504, 529)? */
int pf_http_status_retryable(long status);

/* The host of a URL, for messages and logs ("api.openai.com"). */
void pf_http_url_host(const char *url, struct pf_buf *out);

#endif
