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
	const char *method; /* "GET", "POST"...; NULL = GET/POST by body */
	const char *url;
	const char *const
		*headers; /* "Name: value", NULL-terminated, or NULL */
	const char *body;
	size_t body_len;
	unsigned timeout_ms;	     /* whole request; 0 = 30 s */
	unsigned connect_timeout_ms; /* 0 = 10 s */
	size_t max_response;	     /* cap on the body; 0 = 8 MiB */
};

struct pf_http_response {
	long status; /* 0 when no HTTP answer arrived */
	struct pf_buf body;
	struct pf_buf headers; /* raw header block of the final answer */
	int transport_error;   /* curl failed: no answer (refused, reset,
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

/*
 * Retries (pf_http_multi_run): 429/500/502/503/504/529 answers and
 * connection resets are retried; 400/401/403/404 and the rest are not.
 * An answer may veto or demand a retry with `x-should-retry: false|true`.
 */
struct pf_http_retry_policy {
	unsigned max_retries;	     /* after the first attempt; 0 = none */
	unsigned base_ms;	     /* first computed backoff; 0 = 500 */
	unsigned cap_ms;	     /* largest computed backoff; 0 = 8000 */
	unsigned max_retry_after_ms; /* a longer Retry-After is not waited
					for (the answer stays final);
					0 = 60000 */
};

/*
 * Delay in ms before retry number `attempt` (1 = the first retry), a pure
 * function: `retry_after_s` >= 0 (from pf_http_retry_after) is honoured as
 * is, or -1 is returned when it exceeds max_retry_after_ms; otherwise
 * min(base * 2^(attempt-1), cap) * (1 - 0.25 * jitter), jitter in [0, 1).
 */
double pf_http_backoff_ms(const struct pf_http_retry_policy *p,
			  unsigned attempt, double retry_after_s,
			  double jitter);

/* Should this outcome be retried?  A retryable status (honouring
 * x-should-retry), or a transport failure that is a connection reset
 * (`conn_reset`); never a timeout, a refused connection or a cap. */
int pf_http_should_retry(const struct pf_http_response *r, int conn_reset);

/*
 * Many requests in parallel on curl's multi interface.  The caller fills
 * `req` of each job (the pointed-to strings must live until
 * pf_http_multi_run returns) and reads `resp` afterwards: the answer of
 * the last attempt.  A job the budget cut short (never started, still
 * running or waiting to retry when the budget ran out) has
 * `over_budget` set, resp.transport_error and resp.timed_out set and
 * resp.error saying so.
 */
struct pf_http_job {
	struct pf_http_request req;
	struct pf_http_response resp;
	unsigned attempts; /* requests actually sent (0: never started) */
	int over_budget;
	double total_ms; /* from the first attempt to the final answer */
	/* private to http.c */
	int state_;
	int conn_reset_;
	double next_at_;
	void *easy_;
	void *hdrs_;
};

struct pf_http_multi_opts {
	unsigned max_parallel; /* requests in flight at once; 0 = 8 */
	unsigned budget_ms;    /* all jobs together, retries included;
				  0 = no budget */
	struct pf_http_retry_policy retry;
	unsigned jitter_seed; /* 0: seeded from the clock */
	/* Called with a job's index when it has its final outcome (for a
	 * progress line); may be NULL. */
	void (*on_done)(void *arg, size_t job);
	void *on_done_arg;
	/* Another thread sets *stop to end the run early (within ~50 ms):
	 * what has no outcome yet ends with a transport error "stopped";
	 * on_done is not called for those.  May be NULL. */
	const _Atomic int *stop;
};

void pf_http_job_init(struct pf_http_job *j);
/* Frees resp; req is the caller's. */
void pf_http_job_release(struct pf_http_job *j);

/*
 * Run every job to a final outcome or until the budget is spent.
 * Returns 0 when every job got some outcome (look at each job: status,
 * transport_error, over_budget), PF_ERROR only when curl itself cannot
 * work (message set).  Never blocks longer than the budget plus a few ms.
 */
int pf_http_multi_run(struct pf_http_job *jobs, size_t nr,
		      const struct pf_http_multi_opts *o);

/*
 * Load libcurl (libcurl.so.4, not linked: most runs make no request) and
 * curl_global_init(), once, whichever thread asks first; every request
 * does it itself.  0, or PF_ERROR with a message ("libcurl.so.4 could
 * not be loaded: ...; install libcurl4"), again at every call.
 */
int pf_http_init(void);

/* curl_version()'s text ("libcurl/7.88.1 OpenSSL/3.0.15 ..."), loading
 * libcurl; NULL with a message when it cannot be loaded. */
const char *pf_http_version(void);

#endif
