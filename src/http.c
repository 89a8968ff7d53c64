/*
 * The one libcurl wrapper.  Single requests run on an easy handle; the LLM
 * stage runs many at once on a multi handle, with retries and a budget.
 * Nothing here ever prints or records a request header: credentials
 * travel in headers.
 */
#include <ctype.h>
#include <dlfcn.h>
#include <pthread.h>
#include <stddef.h>
#include <stdio.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include <curl/curl.h>

#include "pushfix/err.h"
#include "pushfix/http.h"
#include "pushfix/util.h"

#define DEFAULT_TIMEOUT_MS 30000u
#define DEFAULT_CONNECT_MS 10000u
#define DEFAULT_MAX_RESPONSE (8u << 20)
#define MAX_HEADER_BYTES (256u << 10)
#define STOP_POLL_MS 50

/* A request is not started (nor retried) with less budget left than this:
 * it could not finish, and a sent request costs money and is logged. */
#define MIN_START_MS 100

enum job_state { JOB_PENDING = 0, JOB_RUNNING, JOB_WAITING, JOB_DONE };

/* What the write/header callbacks need for one transfer. */
struct xfer {
	struct pf_http_response *r;
	size_t cap;
	int too_big;
};

/*
 * libcurl is loaded on first use, not linked: it drags some thirty shared
 * libraries (Kerberos, LDAP, nghttp2, idn2, ssh...) whose loading was half
 * of what every run of the binary cost, and the hook of a push with
 * nothing to do makes no request.  curl.h still gives the types; these
 * pointers are filled once, by whichever thread asks first.
 */
#define CURL_SONAME "libcurl.so.4"

static struct curl_api {
	CURLcode (*global_init)(long flags);
	char *(*version)(void);
	CURL *(*easy_init)(void);
	CURLcode (*easy_setopt)(CURL *h, CURLoption opt, ...);
	CURLcode (*easy_perform)(CURL *h);
	CURLcode (*easy_getinfo)(CURL *h, CURLINFO info, ...);
	void (*easy_cleanup)(CURL *h);
	const char *(*easy_strerror)(CURLcode rc);
	struct curl_slist *(*slist_append)(struct curl_slist *l, const char *s);
	void (*slist_free_all)(struct curl_slist *l);
	CURLM *(*multi_init)(void);
	CURLMcode (*multi_setopt)(CURLM *m, CURLMoption opt, ...);
	CURLMcode (*multi_add_handle)(CURLM *m, CURL *h);
	CURLMcode (*multi_remove_handle)(CURLM *m, CURL *h);
	CURLMcode (*multi_perform)(CURLM *m, int *running);
	CURLMcode (*multi_poll)(CURLM *m, struct curl_waitfd *fds,
				unsigned nfds, int timeout_ms, int *ret);
	CURLMsg *(*multi_info_read)(CURLM *m, int *left);
	CURLMcode (*multi_cleanup)(CURLM *m);
	time_t (*getdate)(const char *s, const time_t *unused);
} lc;

/* Where each pointer of `lc` comes from, in its order. */
static const struct {
	const char *name;
	size_t off;
} lc_syms[] = {
#define SYM(f)                                                                 \
	{                                                                      \
		"curl_" #f, offsetof(struct curl_api, f)                       \
	}
	SYM(global_init),      SYM(version),
	SYM(easy_init),	       SYM(easy_setopt),
	SYM(easy_perform),     SYM(easy_getinfo),
	SYM(easy_cleanup),     SYM(easy_strerror),
	SYM(slist_append),     SYM(slist_free_all),
	SYM(multi_init),       SYM(multi_setopt),
	SYM(multi_add_handle), SYM(multi_remove_handle),
	SYM(multi_perform),    SYM(multi_poll),
	SYM(multi_info_read),  SYM(multi_cleanup),
	SYM(getdate),
#undef SYM
};

static pthread_once_t lc_once = PTHREAD_ONCE_INIT;
static char lc_error[512]; /* empty: loaded */

static void lc_load(void)
{
	/* PUSHFIX_LIBCURL: another build (libcurl-gnutls.so.4), or a path;
	 * the tests name one that does not exist. */
	const char *name = getenv("PUSHFIX_LIBCURL");
	void *so;

	if (!name || !*name)
		name = CURL_SONAME;
	so = dlopen(name, RTLD_NOW | RTLD_LOCAL);
	if (!so) {
		snprintf(lc_error, sizeof(lc_error),
			 "%s could not be loaded: %s; install libcurl4", name,
			 dlerror());
		return;
	}
	for (size_t i = 0; i < PF_ARRAY_SIZE(lc_syms); i++) {
		void *f = dlsym(so, lc_syms[i].name);

		if (!f) {
			snprintf(lc_error, sizeof(lc_error),
				 "%s has no %s: %s; install libcurl4 7.66 "
				 "or later",
				 name, lc_syms[i].name, dlerror());
			return;
		}
		/* POSIX guarantees a data pointer holds a function's. */
		memcpy((char *)&lc + lc_syms[i].off, &f, sizeof(f));
	}
	/* curl_global_init is not thread-safe: here it runs once, under
	 * the once-lock, whichever thread needs curl first. */
	if (lc.global_init(CURL_GLOBAL_DEFAULT))
		snprintf(lc_error, sizeof(lc_error),
			 "cannot initialise libcurl");
}

/* Header lists carry credentials: wipe the copies curl was given. */
static void free_headers(struct curl_slist *h)
{
	for (struct curl_slist *p = h; p; p = p->next)
		if (p->data)
			explicit_bzero(p->data, strlen(p->data));
	lc.slist_free_all(h);
}

int pf_http_init(void)
{
	pthread_once(&lc_once, lc_load);
	if (*lc_error)
		return pf_error_set("%s", lc_error);
	return 0;
}

const char *pf_http_version(void)
{
	return pf_http_init() ? NULL : lc.version();
}

void pf_http_response_init(struct pf_http_response *r)
{
	memset(r, 0, sizeof(*r));
	pf_buf_init(&r->body);
	pf_buf_init(&r->headers);
}

void pf_http_response_release(struct pf_http_response *r)
{
	if (!r)
		return;
	pf_buf_release(&r->body);
	pf_buf_release(&r->headers);
}

static void response_reset(struct pf_http_response *r)
{
	pf_buf_reset(&r->body);
	pf_buf_reset(&r->headers);
	r->status = 0;
	r->transport_error = 0;
	r->timed_out = 0;
	r->error[0] = '\0';
	r->ms = 0;
}

static size_t on_body(char *data, size_t size, size_t n, void *p)
{
	struct xfer *x = p;
	size_t len = size * n;

	if (x->r->body.len + len > x->cap) {
		x->too_big = 1;
		return 0; /* makes curl fail with CURLE_WRITE_ERROR */
	}
	pf_buf_add(&x->r->body, data, len);
	return len;
}

static size_t on_header(char *data, size_t size, size_t n, void *p)
{
	struct xfer *x = p;
	size_t len = size * n;

	/* Keep only the final answer's block (after 100 Continue etc.). */
	if (len >= 5 && !memcmp(data, "HTTP/", 5))
		pf_buf_reset(&x->r->headers);
	if (x->r->headers.len + len > MAX_HEADER_BYTES) {
		x->too_big = 1;
		return 0;
	}
	pf_buf_add(&x->r->headers, data, len);
	return len;
}

void pf_http_url_host(const char *url, struct pf_buf *out)
{
	const char *p = url ? strstr(url, "://") : NULL;
	const char *end, *at;

	pf_buf_reset(out);
	if (!p) {
		pf_buf_addstr(out, "(invalid URL)");
		return;
	}
	p += 3;
	end = p + strcspn(p, "/?#");
	/* Never show user:password@ */
	at = memchr(p, '@', end - p);
	while (at) {
		p = at + 1;
		at = memchr(p, '@', end - p);
	}
	if (*p == '[') {
		const char *close = memchr(p, ']', end - p);

		if (close) {
			pf_buf_add(out, p + 1, close - p - 1);
			return;
		}
	}
	pf_buf_add(out, p,
		   strcspn(p, ":/?#") < (size_t)(end - p) ? strcspn(p, ":/?#")
							  : (size_t)(end - p));
}

/*
 * Configure an easy handle for one attempt.  `hdrs_out` receives the
 * header list to free after the transfer.
 */
static int setup_easy(CURL *h, const struct pf_http_request *req,
		      struct xfer *x, unsigned timeout_ms,
		      struct curl_slist **hdrs_out)
{
	struct curl_slist *hdrs = NULL, *tmp;
	const char *method = req->method;
	const char *env;

	*hdrs_out = NULL;
	lc.easy_setopt(h, CURLOPT_URL, req->url);
	lc.easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
	lc.easy_setopt(h, CURLOPT_USERAGENT, "pushfix");
	lc.easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http,https");
	lc.easy_setopt(h, CURLOPT_FOLLOWLOCATION, 0L);
	lc.easy_setopt(h, CURLOPT_TIMEOUT_MS, (long)timeout_ms);
	lc.easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS,
		       (long)(req->connect_timeout_ms ? req->connect_timeout_ms
						      : DEFAULT_CONNECT_MS));
	lc.easy_setopt(h, CURLOPT_ACCEPT_ENCODING, "");
	lc.easy_setopt(h, CURLOPT_WRITEFUNCTION, on_body);
	lc.easy_setopt(h, CURLOPT_WRITEDATA, x);
	lc.easy_setopt(h, CURLOPT_HEADERFUNCTION, on_header);
	lc.easy_setopt(h, CURLOPT_HEADERDATA, x);
	/* The curl tool reads these; libcurl does not. */
	env = getenv("CURL_CA_BUNDLE");
	if (!env || !*env)
		env = getenv("SSL_CERT_FILE");
	if (env && *env)
		lc.easy_setopt(h, CURLOPT_CAINFO, env);
	env = getenv("SSL_CERT_DIR");
	if (env && *env)
		lc.easy_setopt(h, CURLOPT_CAPATH, env);

	for (const char *const *p = req->headers; p && *p; p++) {
		tmp = lc.slist_append(hdrs, *p);
		if (!tmp)
			goto oom;
		hdrs = tmp;
	}
	/* A body above 1 KiB makes curl 7.x wait up to a second for a
	 * "100 Continue" many servers never send. */
	tmp = lc.slist_append(hdrs, "Expect:");
	if (!tmp)
		goto oom;
	hdrs = tmp;
	lc.easy_setopt(h, CURLOPT_HTTPHEADER, hdrs);

	if (!method)
		method = req->body ? "POST" : "GET";
	if (!strcmp(method, "GET")) {
		lc.easy_setopt(h, CURLOPT_HTTPGET, 1L);
	} else if (!strcmp(method, "HEAD")) {
		lc.easy_setopt(h, CURLOPT_NOBODY, 1L);
	} else {
		lc.easy_setopt(h, CURLOPT_POST, 1L);
		lc.easy_setopt(h, CURLOPT_POSTFIELDSIZE_LARGE,
			       (curl_off_t)(req->body ? req->body_len : 0));
		lc.easy_setopt(h, CURLOPT_POSTFIELDS,
			       req->body ? req->body : "");
		if (strcmp(method, "POST"))
			lc.easy_setopt(h, CURLOPT_CUSTOMREQUEST, method);
	}
	*hdrs_out = hdrs;
	return 0;
oom:
	free_headers(hdrs);
	return pf_error_set("out of memory building HTTP headers");
}

static int is_conn_reset(CURLcode rc)
{
	switch (rc) {
	case CURLE_RECV_ERROR:
	case CURLE_SEND_ERROR:
	case CURLE_GOT_NOTHING:
	case CURLE_PARTIAL_FILE:
	case CURLE_HTTP2:
	case CURLE_HTTP2_STREAM:
		return 1;
	default:
		return 0;
	}
}

/*
 * Fill the response after a transfer ended with `rc`.  Returns 0 when an
 * HTTP answer arrived, else the PF_E* code matching the failure.
 */
static int finish_xfer(CURL *h, CURLcode rc, struct xfer *x,
		       const struct pf_http_request *req, const char *errbuf,
		       double ms)
{
	struct pf_http_response *r = x->r;
	struct pf_buf host = PF_BUF_INIT;
	int ret = 0;

	r->ms = ms;
	pf_http_url_host(req->url, &host);
	if (rc == CURLE_OK) {
		lc.easy_getinfo(h, CURLINFO_RESPONSE_CODE, &r->status);
		goto out;
	}
	r->status = 0;
	r->transport_error = 1;
	if (x->too_big) {
		snprintf(r->error, sizeof(r->error),
			 "the answer from %s is larger than %zu bytes",
			 host.buf, x->cap);
		ret = PF_ETOOBIG;
	} else if (rc == CURLE_OPERATION_TIMEDOUT) {
		r->timed_out = 1;
		snprintf(r->error, sizeof(r->error),
			 "no answer from %s within %.1f s", host.buf,
			 ms / 1000.0);
		ret = PF_ETIMEOUT;
	} else {
		/* curl's own text names host and port, never headers. */
		snprintf(r->error, sizeof(r->error), "cannot reach %s: %s",
			 host.buf, *errbuf ? errbuf : lc.easy_strerror(rc));
		ret = PF_ERROR;
	}
out:
	pf_buf_release(&host);
	return ret;
}

int pf_http_perform(struct pf_http_response *r,
		    const struct pf_http_request *req)
{
	CURL *h = NULL;
	struct curl_slist *hdrs = NULL;
	struct xfer x = { r,
			  req->max_response ? req->max_response
					    : DEFAULT_MAX_RESPONSE,
			  0 };
	char errbuf[CURL_ERROR_SIZE] = "";
	double t0;
	CURLcode rc;
	int ret;

	response_reset(r);
	ret = pf_http_init();
	if (ret)
		return ret;
	h = lc.easy_init();
	if (!h)
		return pf_error_set("cannot create a curl handle");
	ret = setup_easy(h, req, &x,
			 req->timeout_ms ? req->timeout_ms : DEFAULT_TIMEOUT_MS,
			 &hdrs);
	if (ret)
		goto out;
	lc.easy_setopt(h, CURLOPT_ERRORBUFFER, errbuf);
	t0 = pf_now_ms();
	rc = lc.easy_perform(h);
	ret = finish_xfer(h, rc, &x, req, errbuf, pf_now_ms() - t0);
	if (ret)
		pf_error_setc(ret, "%s", r->error);
out:
	free_headers(hdrs);
	lc.easy_cleanup(h);
	return ret;
}

int pf_http_header(const struct pf_http_response *r, const char *name,
		   struct pf_buf *out)
{
	const char *p = r->headers.buf, *end = p + r->headers.len;
	size_t nlen = strlen(name);

	while (p < end) {
		const char *eol = memchr(p, '\n', end - p);
		const char *v, *ve;

		if (!eol)
			eol = end;
		if ((size_t)(eol - p) > nlen && p[nlen] == ':' &&
		    !strncasecmp(p, name, nlen)) {
			v = p + nlen + 1;
			ve = eol;
			while (v < ve && (*v == ' ' || *v == '\t'))
				v++;
			while (ve > v && isspace((unsigned char)ve[-1]))
				ve--;
			pf_buf_reset(out);
			pf_buf_add(out, v, ve - v);
			return 0;
		}
		p = eol + 1;
	}
	return PF_ENOTFOUND;
}

static int parse_seconds(const char *s, double *out)
{
	char *end;
	double v;

	if (!*s)
		return -1;
	v = strtod(s, &end);
	if (end == s || *end || !isfinite(v))
		return -1;
	*out = v;
	return 0;
}

double pf_http_retry_after(const struct pf_http_response *r)
{
	struct pf_buf v = PF_BUF_INIT;
	double d = -1, x;

	if (!pf_http_header(r, "retry-after-ms", &v) &&
	    !parse_seconds(v.buf, &x)) {
		d = x / 1000.0;
	} else if (!pf_http_header(r, "retry-after", &v)) {
		if (!parse_seconds(v.buf, &x)) {
			d = x;
		} else {
			time_t when = (time_t)-1;

			/* Answers come from curl, so it is loaded by now;
			 * a date is worth no error otherwise. */
			if (!pf_http_init())
				when = lc.getdate(v.buf, NULL);
			else
				pf_error_clear();
			if (when != (time_t)-1)
				d = difftime(when, time(NULL));
		}
	} else if ((!pf_http_header(r, "x-ratelimit-reset", &v) ||
		    !pf_http_header(r, "ratelimit-reset", &v)) &&
		   !parse_seconds(v.buf, &x)) {
		/* GitHub sends an epoch, the IETF draft a delta. */
		d = x > 1e9 ? difftime((time_t)x, time(NULL)) : x;
	}
	pf_buf_release(&v);
	if (d != -1 && d < 0)
		d = 0;
	return d;
}

int pf_http_status_retryable(long status)
{
	switch (status) {
	case 429:
	case 500:
	case 502:
	case 503:
	case 504:
	case 529:
		return 1;
	default:
		return 0;
	}
}

int pf_http_should_retry(const struct pf_http_response *r, int conn_reset)
{
	struct pf_buf v = PF_BUF_INIT;
	int ret;

	if (r->transport_error)
		return conn_reset && !r->timed_out;
	ret = pf_http_status_retryable(r->status);
	if (!pf_http_header(r, "x-should-retry", &v)) {
		if (!strcasecmp(v.buf, "true"))
			ret = r->status >= 400;
		else if (!strcasecmp(v.buf, "false"))
			ret = 0;
	}
	pf_buf_release(&v);
	return ret;
}

double pf_http_backoff_ms(const struct pf_http_retry_policy *p,
			  unsigned attempt, double retry_after_s, double jitter)
{
	double base = p && p->base_ms ? p->base_ms : 500;
	double cap = p && p->cap_ms ? p->cap_ms : 8000;
	double max_ra =
		p && p->max_retry_after_ms ? p->max_retry_after_ms : 60000;
	double d;

	if (retry_after_s >= 0) {
		d = retry_after_s * 1000.0;
		return d > max_ra ? -1 : d;
	}
	if (attempt < 1)
		attempt = 1;
	d = attempt > 30 ? cap : base * (double)(1u << (attempt - 1));
	if (d > cap)
		d = cap;
	if (jitter < 0)
		jitter = 0;
	if (jitter >= 1)
		jitter = 0.999999;
	return d * (1 - 0.25 * jitter);
}

void pf_http_job_init(struct pf_http_job *j)
{
	memset(j, 0, sizeof(*j));
	pf_http_response_init(&j->resp);
}

void pf_http_job_release(struct pf_http_job *j)
{
	if (!j)
		return;
	pf_http_response_release(&j->resp);
}

/* Per-job transfer state while the multi loop runs. */
struct slot {
	struct xfer x;
	char errbuf[CURL_ERROR_SIZE];
	double t0, first;
};

static unsigned next_rand(unsigned *s)
{
	/* xorshift32: jitter needs spread, not secrecy. */
	unsigned x = *s ? *s : 0x9e3779b9u;

	x ^= x << 13;
	x ^= x >> 17;
	x ^= x << 5;
	*s = x;
	return x;
}

static void mark_over_budget(struct pf_http_job *j, unsigned budget_ms)
{
	struct pf_buf host = PF_BUF_INIT;

	pf_http_url_host(j->req.url, &host);
	/* A retry that was cut short keeps the answer it had (e.g. 429);
	 * a request without any answer says the budget ran out. */
	if (j->state_ != JOB_WAITING || j->resp.status == 0) {
		response_reset(&j->resp);
		j->resp.transport_error = 1;
		j->resp.timed_out = 1;
		snprintf(j->resp.error, sizeof(j->resp.error),
			 "no answer from %s within the budget of %.1f s",
			 host.buf, budget_ms / 1000.0);
	}
	j->over_budget = 1;
	j->state_ = JOB_DONE;
	pf_buf_release(&host);
}

static void mark_stopped(struct pf_http_job *j)
{
	response_reset(&j->resp);
	j->resp.transport_error = 1;
	snprintf(j->resp.error, sizeof(j->resp.error), "stopped");
	j->state_ = JOB_DONE;
}

static void drop_easy(CURLM *m, struct pf_http_job *j)
{
	if (j->easy_) {
		lc.multi_remove_handle(m, j->easy_);
		lc.easy_cleanup(j->easy_);
		j->easy_ = NULL;
	}
	free_headers(j->hdrs_);
	j->hdrs_ = NULL;
}

static int start_job(CURLM *m, struct pf_http_job *j, struct slot *s,
		     double now, double deadline)
{
	unsigned timeout =
		j->req.timeout_ms ? j->req.timeout_ms : DEFAULT_TIMEOUT_MS;
	struct curl_slist *hdrs;
	CURL *h;
	int ret;

	if (deadline > 0 && deadline - now < timeout)
		timeout = deadline - now > 1 ? (unsigned)(deadline - now) : 1;
	response_reset(&j->resp);
	s->x.r = &j->resp;
	s->x.cap = j->req.max_response ? j->req.max_response
				       : DEFAULT_MAX_RESPONSE;
	s->x.too_big = 0;
	s->errbuf[0] = '\0';
	h = lc.easy_init();
	if (!h)
		return pf_error_set("cannot create a curl handle");
	ret = setup_easy(h, &j->req, &s->x, timeout, &hdrs);
	if (ret) {
		lc.easy_cleanup(h);
		return ret;
	}
	lc.easy_setopt(h, CURLOPT_ERRORBUFFER, s->errbuf);
	lc.easy_setopt(h, CURLOPT_PRIVATE, j);
	if (lc.multi_add_handle(m, h) != CURLM_OK) {
		free_headers(hdrs);
		lc.easy_cleanup(h);
		return pf_error_set("cannot add a curl transfer");
	}
	j->easy_ = h;
	j->hdrs_ = hdrs;
	j->state_ = JOB_RUNNING;
	j->attempts++;
	s->t0 = now;
	if (j->attempts == 1)
		s->first = now;
	return 0;
}

/* A transfer ended: final, or scheduled for a retry. */
static void end_job(CURLM *m, struct pf_http_job *j, struct slot *s,
		    CURLcode rc, const struct pf_http_multi_opts *o,
		    unsigned *seed, double deadline)
{
	double now = pf_now_ms(), delay;
	int conn_reset = rc != CURLE_OK && is_conn_reset(rc) && !s->x.too_big;

	finish_xfer(j->easy_, rc, &s->x, &j->req, s->errbuf, now - s->t0);
	drop_easy(m, j);
	j->total_ms = now - s->first;
	j->conn_reset_ = conn_reset;
	if (j->resp.timed_out && deadline > 0 && now >= deadline - 5) {
		mark_over_budget(j, o->budget_ms);
		return;
	}
	if (j->attempts > o->retry.max_retries ||
	    !pf_http_should_retry(&j->resp, conn_reset)) {
		j->state_ = JOB_DONE;
		return;
	}
	delay = pf_http_backoff_ms(
		&o->retry, j->attempts,
		j->resp.transport_error ? -1 : pf_http_retry_after(&j->resp),
		(next_rand(seed) % 1000000) / 1e6);
	if (delay < 0 ||
	    (deadline > 0 && now + delay + MIN_START_MS > deadline)) {
		j->state_ = JOB_DONE; /* the answer we have is final */
		return;
	}
	j->next_at_ = now + delay;
	j->state_ = JOB_WAITING;
}

int pf_http_multi_run(struct pf_http_job *jobs, size_t nr,
		      const struct pf_http_multi_opts *opts)
{
	struct pf_http_multi_opts o = { 0 };
	struct slot *slots = NULL;
	CURLM *m = NULL;
	double start, deadline;
	size_t done = 0, running = 0;
	unsigned seed;
	int ret;

	if (opts)
		o = *opts;
	if (!o.max_parallel)
		o.max_parallel = 8;
	if (!nr)
		return 0;
	ret = pf_http_init();
	if (ret)
		return ret;
	m = lc.multi_init();
	if (!m)
		return pf_error_set("cannot create a curl multi handle");
	/* Connections are reused across requests to the same host. */
	lc.multi_setopt(m, CURLMOPT_MAX_TOTAL_CONNECTIONS,
			(long)o.max_parallel);
	slots = pf_xcalloc(nr, sizeof(*slots));
	start = pf_now_ms();
	deadline = o.budget_ms ? start + o.budget_ms : 0;
	seed = o.jitter_seed ? o.jitter_seed
			     : (unsigned)(unsigned long long)start ^
				       ((unsigned)getpid() << 16);
	for (size_t i = 0; i < nr; i++) {
		jobs[i].state_ = JOB_PENDING;
		jobs[i].attempts = 0;
		jobs[i].over_budget = 0;
		jobs[i].easy_ = jobs[i].hdrs_ = NULL;
	}

	while (done < nr) {
		double now = pf_now_ms(), wait = 1000;
		int still = 0;
		CURLMsg *msg;
		int left;

		if (o.stop && *o.stop) {
			for (size_t i = 0; i < nr; i++) {
				if (jobs[i].state_ == JOB_DONE)
					continue;
				drop_easy(m, &jobs[i]);
				mark_stopped(&jobs[i]);
			}
			break;
		}
		/* Out of budget, or too little left to start anything while
		 * nothing runs: what is left is over budget now. */
		if (deadline > 0 &&
		    (now >= deadline ||
		     (!running && deadline - now < MIN_START_MS))) {
			for (size_t i = 0; i < nr; i++) {
				if (jobs[i].state_ == JOB_DONE)
					continue;
				drop_easy(m, &jobs[i]);
				if (jobs[i].attempts)
					jobs[i].total_ms = now - slots[i].first;
				mark_over_budget(&jobs[i], o.budget_ms);
				done++;
			}
			break;
		}
		for (size_t i = 0;
		     i < nr && running < o.max_parallel &&
		     (!deadline || deadline - now >= MIN_START_MS);
		     i++) {
			struct pf_http_job *j = &jobs[i];

			if (j->state_ == JOB_PENDING ||
			    (j->state_ == JOB_WAITING && now >= j->next_at_)) {
				ret = start_job(m, j, &slots[i], now, deadline);
				if (ret)
					goto out;
				running++;
			}
		}
		for (size_t i = 0; i < nr; i++) {
			if (jobs[i].state_ == JOB_WAITING &&
			    jobs[i].next_at_ - now < wait)
				wait = jobs[i].next_at_ - now;
		}
		if (deadline > 0 && deadline - now < wait)
			wait = deadline - now;
		if (wait < 0)
			wait = 0;
		/* Polled: a stop is seen within this. */
		if (o.stop && wait > STOP_POLL_MS)
			wait = STOP_POLL_MS;

		if (lc.multi_perform(m, &still) != CURLM_OK) {
			ret = pf_error_set("curl multi transfer failed");
			goto out;
		}
		while ((msg = lc.multi_info_read(m, &left))) {
			struct pf_http_job *j;
			char *priv = NULL;

			if (msg->msg != CURLMSG_DONE)
				continue;
			lc.easy_getinfo(msg->easy_handle, CURLINFO_PRIVATE,
					&priv);
			j = (struct pf_http_job *)(void *)priv;
			end_job(m, j, &slots[j - jobs], msg->data.result, &o,
				&seed, deadline);
			running--;
			if (j->state_ == JOB_DONE && ++done && o.on_done)
				o.on_done(o.on_done_arg, (size_t)(j - jobs));
			wait = 0; /* start the next ones at once */
		}
		if (done == nr)
			break;
		if (wait > 0 && lc.multi_poll(m, NULL, 0, (int)ceil(wait),
					      NULL) != CURLM_OK) {
			ret = pf_error_set("curl multi poll failed");
			goto out;
		}
	}
	ret = 0;
out:
	for (size_t i = 0; i < nr; i++)
		drop_easy(m, &jobs[i]);
	lc.multi_cleanup(m);
	free(slots);
	return ret;
}
