#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cmocka.h>

#include "pushfix/err.h"
#include "pushfix/http.h"
#include "pushfix/util.h"

/* ---- a tiny loopback HTTP server, one thread per connection ---- */

static int listen_fd = -1;
static int port;
static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static int cur_conc, max_conc;
static struct {
	char name[32];
	int n;
} counters[32];
static char last_request[8192];

static int bump(const char *name)
{
	int n = 0;

	pthread_mutex_lock(&mu);
	for (size_t i = 0; i < 32; i++) {
		if (!counters[i].name[0]) {
			snprintf(counters[i].name, sizeof(counters[i].name),
				 "%s", name);
		}
		if (!strcmp(counters[i].name, name)) {
			n = counters[i].n++;
			break;
		}
	}
	pthread_mutex_unlock(&mu);
	return n;
}

static void msleep(int ms)
{
	struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};

	nanosleep(&ts, NULL);
}

static void reply(int fd, int status, const char *extra, const char *body,
		  size_t len)
{
	char head[512];
	int n = snprintf(head, sizeof(head),
			 "HTTP/1.1 %d X\r\nContent-Length: %zu\r\n"
			 "Connection: close\r\n%s\r\n",
			 status, len, extra ? extra : "");
	ssize_t w = write(fd, head, n);

	if (w > 0 && len)
		w = write(fd, body, len);
	(void)w;
}

static void *conn_main(void *arg)
{
	int fd = (int)(intptr_t)arg;
	char req[8192];
	size_t got = 0;
	char *hend = NULL, path[256] = "", name[32] = "", list[128] = "";
	int a = 0;

	while (got < sizeof(req) - 1) {
		ssize_t r = read(fd, req + got, sizeof(req) - 1 - got);

		if (r <= 0)
			break;
		got += r;
		req[got] = '\0';
		hend = strstr(req, "\r\n\r\n");
		if (hend) {
			const char *cl = strcasestr(req, "content-length:");
			size_t want = cl ? strtoul(cl + 15, NULL, 10) : 0;

			if (got >= (size_t)(hend + 4 - req) + want)
				break;
		}
	}
	req[got] = '\0';
	sscanf(req, "%*s %255s", path);
	pthread_mutex_lock(&mu);
	snprintf(last_request, sizeof(last_request), "%s", req);
	pthread_mutex_unlock(&mu);

	if (sscanf(path, "/delay/%d", &a) == 1) {
		pthread_mutex_lock(&mu);
		if (++cur_conc > max_conc)
			max_conc = cur_conc;
		pthread_mutex_unlock(&mu);
		msleep(a);
		pthread_mutex_lock(&mu);
		cur_conc--;
		pthread_mutex_unlock(&mu);
		reply(fd, 200, NULL, "ok", 2);
	} else if (sscanf(path, "/seq/%31[^/]/%127s", name, list) == 2) {
		int i = bump(name), codes[16], n = 0;
		char *p = list;

		while (*p && n < 16) {
			codes[n++] = atoi(p);
			p += strcspn(p, ",");
			if (*p)
				p++;
		}
		int code = codes[i < n ? i : n - 1];

		reply(fd, code, NULL, "{}", 2);
	} else if (sscanf(path, "/ra/%31[^/]/%d", name, &a) == 2) {
		char h[64];

		snprintf(h, sizeof(h), "Retry-After: %d\r\n", a);
		if (bump(name) == 0)
			reply(fd, 429, h, "{}", 2);
		else
			reply(fd, 200, NULL, "ok", 2);
	} else if (!strcmp(path, "/never")) {
		struct pollfd p = {fd, POLLIN, 0};
		char c;

		/* Until the client gives up (or 10 s). */
		while (poll(&p, 1, 10000) > 0 && read(fd, &c, 1) > 0)
			;
	} else if (sscanf(path, "/reset/%31[^/]/%d", name, &a) == 2) {
		if (bump(name) < a) {
			struct linger l = {1, 0};

			setsockopt(fd, SOL_SOCKET, SO_LINGER, &l, sizeof(l));
		} else {
			reply(fd, 200, NULL, "ok", 2);
		}
	} else if (sscanf(path, "/big/%d", &a) == 1) {
		char *b = malloc(a);

		memset(b, 'x', a);
		reply(fd, 200, NULL, b, a);
		free(b);
	} else if (!strcmp(path, "/echo")) {
		reply(fd, 200, NULL, req, got);
	} else {
		reply(fd, 404, NULL, "", 0);
	}
	close(fd);
	return NULL;
}

static void *accept_main(void *arg)
{
	(void)arg;
	for (;;) {
		int fd = accept(listen_fd, NULL, NULL);
		pthread_t t;

		if (fd < 0)
			return NULL;
		pthread_create(&t, NULL, conn_main, (void *)(intptr_t)fd);
		pthread_detach(t);
	}
}

static int setup(void **state)
{
	struct sockaddr_in sa = {0};
	socklen_t sl = sizeof(sa);
	pthread_t t;

	(void)state;
	listen_fd = socket(AF_INET, SOCK_STREAM, 0);
	sa.sin_family = AF_INET;
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (bind(listen_fd, (struct sockaddr *)&sa, sizeof(sa)) ||
	    listen(listen_fd, 64) ||
	    getsockname(listen_fd, (struct sockaddr *)&sa, &sl))
		return -1;
	port = ntohs(sa.sin_port);
	pthread_create(&t, NULL, accept_main, NULL);
	pthread_detach(t);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	shutdown(listen_fd, SHUT_RDWR);
	close(listen_fd);
	return 0;
}

static char *url(const char *path)
{
	static char u[8][128];
	static int i;

	i = (i + 1) % 8;
	snprintf(u[i], sizeof(u[i]), "http://127.0.0.1:%d%s", port, path);
	return u[i];
}

static void resp_headers(struct pf_http_response *r, const char *block)
{
	pf_http_response_init(r);
	pf_buf_addstr(&r->headers, block);
}

/* ---- pure parts ---- */

static void test_backoff(void **state)
{
	struct pf_http_retry_policy p = {3, 0, 0, 0};
	struct pf_http_retry_policy q = {5, 100, 1000, 5000};

	(void)state;
	assert_true(pf_http_backoff_ms(&p, 1, -1, 0) == 500);
	assert_true(pf_http_backoff_ms(&p, 2, -1, 0) == 1000);
	assert_true(pf_http_backoff_ms(&p, 3, -1, 0) == 2000);
	assert_true(pf_http_backoff_ms(&p, 5, -1, 0) == 8000);
	assert_true(pf_http_backoff_ms(&p, 40, -1, 0) == 8000);
	/* Jitter takes off at most a quarter. */
	assert_true(pf_http_backoff_ms(&p, 1, -1, 0.5) == 437.5);
	assert_true(pf_http_backoff_ms(&p, 1, -1, 0.9999) > 375);
	assert_true(pf_http_backoff_ms(&p, 1, -1, 7) > 375);
	/* Retry-After wins, without jitter, up to the limit. */
	assert_true(pf_http_backoff_ms(&p, 1, 2.0, 0.5) == 2000);
	assert_true(pf_http_backoff_ms(&p, 1, 0, 0.5) == 0);
	assert_true(pf_http_backoff_ms(&p, 1, 60, 0) == 60000);
	assert_true(pf_http_backoff_ms(&p, 1, 61, 0) == -1);
	assert_true(pf_http_backoff_ms(&q, 1, -1, 0) == 100);
	assert_true(pf_http_backoff_ms(&q, 5, -1, 0) == 1000);
	assert_true(pf_http_backoff_ms(&q, 1, 6, 0) == -1);
	assert_true(pf_http_backoff_ms(NULL, 1, -1, 0) == 500);
}

static void test_retry_after(void **state)
{
	struct pf_http_response r;
	char block[256], date[64];
	time_t t = time(NULL) + 30;
	double d;

	(void)state;
	resp_headers(&r, "HTTP/1.1 429 Too Many\r\nRetry-After: 3\r\n\r\n");
	assert_true(pf_http_retry_after(&r) == 3);
	pf_http_response_release(&r);
	resp_headers(&r, "HTTP/1.1 429 X\r\nretry-after:  0.5 \r\n"
			 "Retry-After-Ms: 1500\r\n\r\n");
	assert_true(pf_http_retry_after(&r) == 1.5);
	pf_http_response_release(&r);
	strftime(date, sizeof(date), "%a, %d %b %Y %H:%M:%S GMT", gmtime(&t));
	snprintf(block, sizeof(block), "HTTP/1.1 503 X\r\nRetry-After: %s\r\n",
		 date);
	resp_headers(&r, block);
	d = pf_http_retry_after(&r);
	assert_true(d >= 27 && d <= 31);
	pf_http_response_release(&r);
	snprintf(block, sizeof(block),
		 "HTTP/1.1 403 X\r\nx-ratelimit-reset: %lld\r\n",
		 (long long)time(NULL) + 10);
	resp_headers(&r, block);
	d = pf_http_retry_after(&r);
	assert_true(d >= 8 && d <= 11);
	pf_http_response_release(&r);
	resp_headers(&r, "HTTP/1.1 429 X\r\nRateLimit-Reset: 7\r\n");
	assert_true(pf_http_retry_after(&r) == 7);
	pf_http_response_release(&r);
	resp_headers(&r, "HTTP/1.1 429 X\r\nRetry-After: soon\r\n");
	assert_true(pf_http_retry_after(&r) == -1);
	pf_http_response_release(&r);
	resp_headers(&r, "HTTP/1.1 429 X\r\nRetry-After: -5\r\n");
	assert_true(pf_http_retry_after(&r) == 0);
	pf_http_response_release(&r);
	resp_headers(&r, "HTTP/1.1 429 X\r\nX-Other: 1\r\n");
	assert_true(pf_http_retry_after(&r) == -1);
	pf_http_response_release(&r);
}

static void test_should_retry(void **state)
{
	static const long yes[] = {429, 500, 502, 503, 504, 529};
	static const long no[] = {200, 400, 401, 403, 404, 413, 422, 501};
	struct pf_http_response r;

	(void)state;
	for (size_t i = 0; i < PF_ARRAY_SIZE(yes); i++) {
		resp_headers(&r, "HTTP/1.1 X\r\n");
		r.status = yes[i];
		assert_true(pf_http_should_retry(&r, 0));
		pf_http_response_release(&r);
	}
	for (size_t i = 0; i < PF_ARRAY_SIZE(no); i++) {
		resp_headers(&r, "HTTP/1.1 X\r\n");
		r.status = no[i];
		assert_false(pf_http_should_retry(&r, 0));
		pf_http_response_release(&r);
	}
	resp_headers(&r, "HTTP/1.1 503 X\r\nx-should-retry: false\r\n");
	r.status = 503;
	assert_false(pf_http_should_retry(&r, 0));
	pf_http_response_release(&r);
	resp_headers(&r, "HTTP/1.1 409 X\r\nX-Should-Retry: true\r\n");
	r.status = 409;
	assert_true(pf_http_should_retry(&r, 0));
	pf_http_response_release(&r);
	/* Transport failures: only a reset is retried. */
	pf_http_response_init(&r);
	r.transport_error = 1;
	assert_true(pf_http_should_retry(&r, 1));
	assert_false(pf_http_should_retry(&r, 0));
	r.timed_out = 1;
	assert_false(pf_http_should_retry(&r, 1));
	pf_http_response_release(&r);
}

static void test_url_host_and_header(void **state)
{
	struct pf_buf b = PF_BUF_INIT;
	struct pf_http_response r;

	(void)state;
	pf_http_url_host("https://api.openai.com/v1/chat", &b);
	assert_string_equal(b.buf, "api.openai.com");
	pf_http_url_host("https://user:pa@ss@llm.example:8443/v1", &b);
	assert_string_equal(b.buf, "llm.example");
	pf_http_url_host("http://[::1]:8080/v1", &b);
	assert_string_equal(b.buf, "::1");
	pf_http_url_host("http://127.0.0.1", &b);
	assert_string_equal(b.buf, "127.0.0.1");
	pf_http_url_host("no url here", &b);
	assert_string_equal(b.buf, "(invalid URL)");
	pf_http_url_host(NULL, &b);
	assert_string_equal(b.buf, "(invalid URL)");

	resp_headers(&r, "HTTP/1.1 200 OK\r\nContent-Type:  application/json "
			 "\r\nX-Request-Id: abc\r\n\r\n");
	assert_int_equal(pf_http_header(&r, "content-type", &b), 0);
	assert_string_equal(b.buf, "application/json");
	assert_int_equal(pf_http_header(&r, "x-request-id", &b), 0);
	assert_string_equal(b.buf, "abc");
	assert_int_equal(pf_http_header(&r, "x-request", &b), PF_ENOTFOUND);
	pf_http_response_release(&r);
	pf_buf_release(&b);
}

/* ---- against the loopback server ---- */

static void test_perform(void **state)
{
	const char *hdrs[] = {"X-Test: 1", "Content-Type: application/json",
			      NULL};
	struct pf_http_request req = {0};
	struct pf_http_response r;
	char body[3000];

	(void)state;
	memset(body, 'b', sizeof(body) - 1);
	body[sizeof(body) - 1] = '\0';
	pf_http_response_init(&r);
	req.url = url("/echo");
	req.headers = hdrs;
	req.body = body;
	req.body_len = strlen(body);
	assert_int_equal(pf_http_perform(&r, &req), 0);
	assert_int_equal(r.status, 200);
	assert_non_null(strstr(r.body.buf, "POST /echo HTTP/1.1\r\n"));
	assert_non_null(strstr(r.body.buf, "X-Test: 1\r\n"));
	assert_non_null(strstr(r.body.buf, body));
	/* No "Expect: 100-continue" stall. */
	assert_null(strcasestr(r.body.buf, "Expect:"));
	assert_non_null(strstr(r.headers.buf, "Content-Length:"));

	req.url = url("/big/5000");
	req.body = NULL;
	req.max_response = 1000;
	assert_int_equal(pf_http_perform(&r, &req), PF_ETOOBIG);
	assert_true(r.transport_error);
	assert_non_null(strstr(r.error, "larger than 1000 bytes"));
	assert_non_null(strstr(pf_error_last(), "127.0.0.1"));
	pf_http_response_release(&r);
}

static struct pf_http_job *jobs_for(size_t n, const char *path)
{
	struct pf_http_job *j = pf_xcalloc(n, sizeof(*j));

	for (size_t i = 0; i < n; i++) {
		pf_http_job_init(&j[i]);
		j[i].req.url = url(path);
		j[i].req.timeout_ms = 5000;
	}
	return j;
}

static void jobs_free(struct pf_http_job *j, size_t n)
{
	for (size_t i = 0; i < n; i++)
		pf_http_job_release(&j[i]);
	free(j);
}

static void test_multi_parallel_limit(void **state)
{
	struct pf_http_multi_opts o = {0};
	struct pf_http_job *j = jobs_for(7, "/delay/150");

	(void)state;
	max_conc = 0;
	o.max_parallel = 3;
	assert_int_equal(pf_http_multi_run(j, 7, &o), 0);
	for (size_t i = 0; i < 7; i++) {
		assert_int_equal(j[i].resp.status, 200);
		assert_string_equal(j[i].resp.body.buf, "ok");
		assert_int_equal(j[i].attempts, 1);
		assert_false(j[i].over_budget);
	}
	assert_int_equal(max_conc, 3);
	jobs_free(j, 7);

	j = jobs_for(5, "/delay/100");
	max_conc = 0;
	o.max_parallel = 8;
	assert_int_equal(pf_http_multi_run(j, 5, &o), 0);
	assert_int_equal(max_conc, 5);
	jobs_free(j, 5);
	assert_int_equal(pf_http_multi_run(NULL, 0, &o), 0);
}

static _Atomic int stop_flag;

static void *set_stop_later(void *arg)
{
	(void)arg;
	usleep(100 * 1000);
	stop_flag = 1;
	return NULL;
}

/* A stop from another thread ends the requests in flight: each gets a
 * transport error "stopped", long before its answer would come. */
static void test_multi_stop(void **state)
{
	struct pf_http_multi_opts o = {0};
	struct pf_http_job *j = jobs_for(3, "/delay/3000");
	pthread_t th;
	double t0;

	(void)state;
	o.stop = &stop_flag;
	stop_flag = 0;
	assert_int_equal(pthread_create(&th, NULL, set_stop_later, NULL), 0);
	t0 = pf_now_ms();
	assert_int_equal(pf_http_multi_run(j, 3, &o), 0);
	assert_true(pf_now_ms() - t0 < 2500);
	pthread_join(th, NULL);
	for (size_t i = 0; i < 3; i++) {
		assert_int_equal(j[i].resp.status, 0);
		assert_true(j[i].resp.transport_error);
		assert_string_equal(j[i].resp.error, "stopped");
	}
	jobs_free(j, 3);

	/* Stopped before it starts: nothing is sent. */
	j = jobs_for(2, "/delay/100");
	assert_int_equal(pf_http_multi_run(j, 2, &o), 0);
	assert_int_equal(j[0].attempts, 0);
	assert_string_equal(j[1].resp.error, "stopped");
	jobs_free(j, 2);
}

static void test_multi_retries(void **state)
{
	struct pf_http_multi_opts o = {0};
	struct pf_http_job *j = jobs_for(6, "");
	static const char *const no[] = {
	    "/seq/n400/400,200", "/seq/n401/401,200", "/seq/n403/403,200",
	    "/seq/n404/404,200"};

	(void)state;
	o.retry.max_retries = 3;
	o.retry.base_ms = 20;
	j[0].req.url = url("/seq/s1/503,502,200");
	j[1].req.url = url("/seq/s2/529,500,200");
	j[2].req.url = url("/seq/s3/500,500,500,500,500,500");
	j[3].req.url = url("/seq/s4/429,200");
	j[4].req.url = url("/reset/r1/2");
	j[5].req.url = url("/seq/s5/200");
	assert_int_equal(pf_http_multi_run(j, 6, &o), 0);
	assert_int_equal(j[0].resp.status, 200);
	assert_int_equal(j[0].attempts, 3);
	assert_int_equal(j[1].resp.status, 200);
	assert_int_equal(j[1].attempts, 3);
	/* Retries run out: the last answer is final. */
	assert_int_equal(j[2].resp.status, 500);
	assert_int_equal(j[2].attempts, 4);
	assert_int_equal(j[3].resp.status, 200);
	assert_int_equal(j[3].attempts, 2);
	/* Connection resets are retried. */
	assert_int_equal(j[4].resp.status, 200);
	assert_int_equal(j[4].attempts, 3);
	assert_int_equal(j[5].attempts, 1);
	jobs_free(j, 6);

	j = jobs_for(4, "");
	for (size_t i = 0; i < 4; i++)
		j[i].req.url = url(no[i]);
	assert_int_equal(pf_http_multi_run(j, 4, &o), 0);
	assert_int_equal(j[0].resp.status, 400);
	assert_int_equal(j[1].resp.status, 401);
	assert_int_equal(j[2].resp.status, 403);
	assert_int_equal(j[3].resp.status, 404);
	for (size_t i = 0; i < 4; i++)
		assert_int_equal(j[i].attempts, 1);
	jobs_free(j, 4);
}

static void test_multi_retry_after(void **state)
{
	struct pf_http_multi_opts o = {0};
	struct pf_http_job *j = jobs_for(2, "");
	double t0 = pf_now_ms(), el;

	(void)state;
	o.retry.max_retries = 2;
	o.retry.base_ms = 10;
	o.budget_ms = 2500;
	j[0].req.url = url("/ra/ra1/1");
	/* Longer than the budget allows: not waited for. */
	j[1].req.url = url("/ra/ra2/5");
	assert_int_equal(pf_http_multi_run(j, 2, &o), 0);
	el = pf_now_ms() - t0;
	assert_int_equal(j[0].resp.status, 200);
	assert_int_equal(j[0].attempts, 2);
	assert_true(j[0].total_ms >= 950);
	assert_int_equal(j[1].resp.status, 429);
	assert_int_equal(j[1].attempts, 1);
	assert_false(j[1].over_budget);
	assert_true(el < 2400);
	jobs_free(j, 2);
}

static void test_multi_budget(void **state)
{
	struct pf_http_multi_opts o = {0};
	struct pf_http_job *j = jobs_for(5, "/never");
	double t0 = pf_now_ms(), el;

	(void)state;
	o.budget_ms = 400;
	o.max_parallel = 2;
	j[0].req.url = url("/delay/10");
	assert_int_equal(pf_http_multi_run(j, 5, &o), 0);
	el = pf_now_ms() - t0;
	assert_true(el >= 390);
	assert_true(el < 1500);
	assert_int_equal(j[0].resp.status, 200);
	assert_false(j[0].over_budget);
	for (size_t i = 1; i < 5; i++) {
		assert_true(j[i].over_budget);
		assert_true(j[i].resp.transport_error);
		assert_true(j[i].resp.timed_out);
		assert_int_equal(j[i].resp.status, 0);
		assert_non_null(strstr(j[i].resp.error, "within the budget"));
	}
	/* With two at a time, the last ones never started. */
	assert_int_equal(j[1].attempts, 1);
	assert_int_equal(j[4].attempts, 0);
	jobs_free(j, 5);

	/* A per-request timeout without a budget: not retried. */
	j = jobs_for(1, "/never");
	j[0].req.timeout_ms = 200;
	o.budget_ms = 0;
	o.retry.max_retries = 3;
	assert_int_equal(pf_http_multi_run(j, 1, &o), 0);
	assert_true(j[0].resp.timed_out);
	assert_false(j[0].over_budget);
	assert_int_equal(j[0].attempts, 1);
	assert_non_null(strstr(j[0].resp.error, "no answer from 127.0.0.1"));
	jobs_free(j, 1);
}

static void test_multi_refused(void **state)
{
	struct pf_http_multi_opts o = {0};
	struct pf_http_job *j = jobs_for(1, "");
	struct sockaddr_in sa = {0};
	socklen_t sl = sizeof(sa);
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	char u[64];

	(void)state;
	sa.sin_family = AF_INET;
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	assert_int_equal(bind(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	assert_int_equal(getsockname(fd, (struct sockaddr *)&sa, &sl), 0);
	close(fd); /* nobody listens there now */
	snprintf(u, sizeof(u), "http://127.0.0.1:%d/v1", ntohs(sa.sin_port));
	j[0].req.url = u;
	o.retry.max_retries = 3;
	assert_int_equal(pf_http_multi_run(j, 1, &o), 0);
	assert_true(j[0].resp.transport_error);
	assert_false(j[0].resp.timed_out);
	assert_int_equal(j[0].attempts, 1);
	assert_non_null(strstr(j[0].resp.error, "cannot reach 127.0.0.1"));
	jobs_free(j, 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_backoff),
	    cmocka_unit_test(test_retry_after),
	    cmocka_unit_test(test_should_retry),
	    cmocka_unit_test(test_url_host_and_header),
	    cmocka_unit_test(test_perform),
	    cmocka_unit_test(test_multi_parallel_limit),
	    cmocka_unit_test(test_multi_retries),
	    cmocka_unit_test(test_multi_retry_after),
	    cmocka_unit_test(test_multi_budget),
	    cmocka_unit_test(test_multi_stop),
	    cmocka_unit_test(test_multi_refused),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
