/*
 * sentlog: the local log of what was sent, its pruning and `pushfix log`.
 */
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>
#include <cJSON.h>

#include "pushfix/buf.h"
#include "pushfix/err.h"
#include "pushfix/fs.h"
#include "pushfix/redact.h"
#include "pushfix/sentlog.h"
#include "pushfix/util.h"

struct fx {
	char dir[64];
	char state[96];
};

static int setup(void **state)
{
	struct fx *f = calloc(1, sizeof(*f));

	strcpy(f->dir, "/tmp/pf-test-sentlog-XXXXXX");
	assert_non_null(mkdtemp(f->dir));
	snprintf(f->state, sizeof(f->state), "%s/pushfix", f->dir);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fx *f = *state;

	pf_remove_tree(f->dir);
	free(f);
	return 0;
}

static void entry(struct pf_sentlog_entry *e, const char *body, time_t t)
{
	memset(e, 0, sizeof(*e));
	e->host = "api.openai.com";
	e->provider = "openai";
	e->model = "gpt-4o";
	e->prompt_version = "3";
	e->fingerprint = "abc123";
	e->request = body;
	e->request_len = strlen(body);
	e->answer = "{\"choices\":[]}";
	e->answer_len = strlen(e->answer);
	e->status = 200;
	e->duration_ms = 812.4;
	e->time = t;
}

static size_t count_lines(const char *s)
{
	size_t n = 0;

	for (; *s; s++)
		n += *s == '\n';
	return n;
}

static void read_log(struct fx *f, struct pf_buf *b)
{
	struct pf_buf p = PF_BUF_INIT;

	pf_sentlog_path(&p, f->state);
	pf_buf_reset(b);
	assert_int_equal(pf_buf_read_file(b, p.buf, 0), 0);
	pf_buf_release(&p);
}

static void test_append_records(void **state)
{
	struct fx *f = *state;
	struct pf_sentlog_entry e;
	struct pf_vault v;
	struct pf_buf b = PF_BUF_INIT, p = PF_BUF_INIT;
	char id[17];
	cJSON *o, *req;
	struct stat st;

	pf_vault_init(&v, NULL);
	pf_vault_put(&v, PF_CAT_SECRET, "hunter2", 7);
	entry(&e, "{\"model\":\"gpt-4o\",\"messages\":[{\"content\":"
		  "\"PF_SECRET_1\"}]}",
	      1700000000);
	e.vault = &v;
	assert_int_equal(pf_sentlog_append(f->state, &e, 0, id), 0);
	assert_int_equal(strlen(id), 16);
	read_log(f, &b);
	assert_int_equal(count_lines(b.buf), 1);
	/* the vault is not logged unless asked */
	assert_null(strstr(b.buf, "hunter2"));
	assert_null(strstr(b.buf, "\"vault\""));
	o = cJSON_Parse(b.buf);
	assert_non_null(o);
	assert_string_equal(cJSON_GetObjectItem(o, "type")->valuestring,
			    "request");
	assert_string_equal(cJSON_GetObjectItem(o, "id")->valuestring, id);
	assert_string_equal(cJSON_GetObjectItem(o, "time")->valuestring,
			    "2023-11-14T22:13:20Z");
	assert_int_equal(cJSON_GetObjectItem(o, "ts")->valuedouble, 1700000000);
	assert_string_equal(cJSON_GetObjectItem(o, "host")->valuestring,
			    "api.openai.com");
	assert_int_equal(cJSON_GetObjectItem(o, "status")->valueint, 200);
	/* the body is stored as JSON, exactly the anonymised one */
	req = cJSON_GetObjectItem(o, "request");
	assert_true(cJSON_IsObject(req));
	assert_string_equal(cJSON_GetObjectItem(req, "model")->valuestring,
			    "gpt-4o");
	assert_true(cJSON_IsObject(cJSON_GetObjectItem(o, "answer")));
	cJSON_Delete(o);
	/* private: 0600 */
	pf_sentlog_path(&p, f->state);
	assert_int_equal(stat(p.buf, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0600);

	/* with log_vault: the map is there; a non-JSON body is a string */
	entry(&e, "not json at all", 1700000100);
	e.vault = &v;
	e.answer = NULL;
	e.error = "timed out";
	assert_int_equal(pf_sentlog_append(f->state, &e, 1, NULL), 0);
	read_log(f, &b);
	assert_int_equal(count_lines(b.buf), 2);
	o = cJSON_Parse(strchr(b.buf, '\n') + 1);
	assert_non_null(o);
	assert_string_equal(cJSON_GetObjectItem(o, "request")->valuestring,
			    "not json at all");
	assert_true(cJSON_IsNull(cJSON_GetObjectItem(o, "answer")));
	assert_string_equal(cJSON_GetObjectItem(o, "error")->valuestring,
			    "timed out");
	{
		char *vj = cJSON_PrintUnformatted(cJSON_GetObjectItem(o,
								      "vault"));

		/* a credential's original only masked (issue 11) */
		assert_null(strstr(vj, "hunter2"));
		assert_non_null(strstr(vj, "\"original\":\"h\u2026(7 chars)\"") ||
				strstr(vj, "\"original\":\"h\xe2\x80\xa6(7 chars)\""));
		free(vj);
	}
	cJSON_Delete(o);
	pf_vault_release(&v);
	pf_buf_release(&b);
	pf_buf_release(&p);
}

static void test_show(void **state)
{
	struct fx *f = *state;
	struct pf_sentlog_entry e;
	struct pf_sentlog_filter flt;
	struct pf_buf out = PF_BUF_INIT;
	char id1[17], id2[17];

	/* nothing yet: empty, no error */
	memset(&flt, 0, sizeof(flt));
	assert_int_equal(pf_sentlog_show(&out, f->state, &flt), 0);
	assert_int_equal(out.len, 0);

	entry(&e, "{\"q\":\"first PF_HOST_1\"}", 1700000000);
	assert_int_equal(pf_sentlog_append(f->state, &e, 0, id1), 0);
	entry(&e, "{\"q\":\"second\"}", 1700000500);
	e.host = "127.0.0.1";
	e.status = 429;
	assert_int_equal(pf_sentlog_append(f->state, &e, 0, id2), 0);
	assert_int_equal(pf_sentlog_feedback(f->state, id1, "disagree"), 0);

	assert_int_equal(pf_sentlog_show(&out, f->state, &flt), 0);
	assert_int_equal(count_lines(out.buf), 2);
	assert_non_null(strstr(out.buf, "2023-11-14T22:13:20Z  "));
	assert_non_null(strstr(out.buf, id1));
	assert_non_null(strstr(out.buf, "api.openai.com  openai/gpt-4o  200  "
					"23 bytes sent  [disagree]\n"));
	assert_non_null(strstr(out.buf, "127.0.0.1  openai/gpt-4o  429"));

	/* --limit 1: the newest */
	pf_buf_reset(&out);
	flt.limit = 1;
	assert_int_equal(pf_sentlog_show(&out, f->state, &flt), 0);
	assert_int_equal(count_lines(out.buf), 1);
	assert_non_null(strstr(out.buf, id2));

	/* --grep in the body */
	pf_buf_reset(&out);
	flt.limit = 0;
	flt.grep = "PF_HOST_1";
	assert_int_equal(pf_sentlog_show(&out, f->state, &flt), 0);
	assert_int_equal(count_lines(out.buf), 1);
	assert_non_null(strstr(out.buf, id1));

	/* an id prefix, --full */
	pf_buf_reset(&out);
	flt.grep = NULL;
	char pre[7];

	memcpy(pre, id2, 6);
	pre[6] = '\0';
	flt.id = pre;
	flt.full = 1;
	assert_int_equal(pf_sentlog_show(&out, f->state, &flt), 0);
	assert_non_null(strstr(out.buf, id2));
	assert_null(strstr(out.buf, id1));
	assert_non_null(strstr(out.buf, "  request:\n"));
	assert_non_null(strstr(out.buf, "\"q\":\t\"second\""));
	assert_non_null(strstr(out.buf, "  answer:\n"));

	/* --since */
	pf_buf_reset(&out);
	flt.id = NULL;
	flt.full = 0;
	flt.since = 1700000400;
	assert_int_equal(pf_sentlog_show(&out, f->state, &flt), 0);
	assert_int_equal(count_lines(out.buf), 1);
	assert_non_null(strstr(out.buf, id2));

	/* --json: raw records, feedback included */
	pf_buf_reset(&out);
	memset(&flt, 0, sizeof(flt));
	flt.json = 1;
	assert_int_equal(pf_sentlog_show(&out, f->state, &flt), 0);
	assert_int_equal(count_lines(out.buf), 3);
	assert_non_null(strstr(out.buf, "\"type\":\"feedback\""));
	pf_buf_release(&out);
}

/* What is sent is recorded first (issue 10, item 8): a sending record
 * before, its request record (same id) after; `log` shows one line, or
 * "no answer recorded" when the run ended in between; a log that cannot
 * be written fails with "<path>: <why>". */
static void test_sending_first(void **state)
{
	struct fx *f = *state;
	struct pf_sentlog_entry e[2];
	struct pf_sentlog_filter flt;
	struct pf_buf out = PF_BUF_INIT, b = PF_BUF_INIT, p = PF_BUF_INIT;
	char ids[2][17];

	entry(&e[0], "{\"q\":\"one\"}", 1700000000);
	entry(&e[1], "{\"q\":\"two\"}", 1700000000);
	assert_int_equal(pf_sentlog_sending(f->state, e, 2, ids), 0);
	assert_int_equal(strlen(ids[0]), 16);
	assert_string_not_equal(ids[0], ids[1]);
	read_log(f, &b);
	assert_int_equal(count_lines(b.buf), 2);
	assert_non_null(strstr(b.buf, "\"type\":\"sending\""));
	assert_non_null(strstr(b.buf, "{\"q\":\"two\"}"));
	/* no answer, no prompt_version: the request record says those */
	assert_null(strstr(b.buf, "\"answer\""));
	assert_null(strstr(b.buf, "\"prompt_version\""));

	/* the first is answered: its request record takes its id */
	e[0].id = ids[0];
	assert_int_equal(pf_sentlog_append(f->state, &e[0], 0, NULL), 0);
	read_log(f, &b);
	assert_int_equal(count_lines(b.buf), 3);
	memset(&flt, 0, sizeof(flt));
	assert_int_equal(pf_sentlog_show(&out, f->state, &flt), 0);
	assert_int_equal(count_lines(out.buf), 2);
	assert_non_null(strstr(out.buf, ids[0]));
	assert_non_null(strstr(out.buf, "  200  "));
	/* the second was sent but its answer never logged */
	assert_non_null(strstr(out.buf, ids[1]));
	assert_non_null(strstr(out.buf, "  0  11 bytes sent  error: no "
					"answer recorded\n"));

	/* a log that cannot be written: the path and why */
	pf_sentlog_path(&p, f->state);
	assert_int_equal(unlink(p.buf), 0);
	assert_int_equal(mkdir(p.buf, 0700), 0);
	assert_int_not_equal(pf_sentlog_sending(f->state, e, 2, ids), 0);
	assert_non_null(strstr(pf_error_last(), p.buf));
	assert_non_null(strstr(pf_error_last(), "Is a directory"));
	pf_buf_release(&out);
	pf_buf_release(&b);
	pf_buf_release(&p);
}

static void test_prune(void **state)
{
	struct fx *f = *state;
	struct pf_sentlog_entry e;
	struct pf_buf b = PF_BUF_INIT, p = PF_BUF_INIT;
	time_t now = 1700000000;
	size_t dropped = 99;
	FILE *fp;

	/* missing log: fine */
	assert_int_equal(pf_sentlog_prune(f->state, 180, now, &dropped), 0);
	assert_int_equal(dropped, 0);

	entry(&e, "{\"old\":1}", now - 200 * 86400);
	assert_int_equal(pf_sentlog_append(f->state, &e, 0, NULL), 0);
	entry(&e, "{\"old\":2}", now - 181 * 86400);
	assert_int_equal(pf_sentlog_append(f->state, &e, 0, NULL), 0);
	/* a line torn by a crash */
	pf_sentlog_path(&p, f->state);
	fp = fopen(p.buf, "a");
	fputs("{\"type\":\"request\",\"id\":\"x\",\"ti\n", fp);
	fclose(fp);
	entry(&e, "{\"new\":1}", now - 179 * 86400);
	assert_int_equal(pf_sentlog_append(f->state, &e, 0, NULL), 0);
	entry(&e, "{\"new\":2}", now);
	assert_int_equal(pf_sentlog_append(f->state, &e, 0, NULL), 0);

	assert_int_equal(pf_sentlog_prune(f->state, 180, now, &dropped), 0);
	assert_int_equal(dropped, 3);
	read_log(f, &b);
	assert_int_equal(count_lines(b.buf), 2);
	assert_null(strstr(b.buf, "\"old\""));
	assert_null(strstr(b.buf, "\"ti\n"));
	assert_non_null(strstr(b.buf, "{\"new\":1}"));
	assert_non_null(strstr(b.buf, "{\"new\":2}"));
	/* again: nothing to drop, the file is left alone */
	assert_int_equal(pf_sentlog_prune(f->state, 180, now, &dropped), 0);
	assert_int_equal(dropped, 0);
	/* 0 days: keep everything */
	assert_int_equal(pf_sentlog_prune(f->state, 0, now + 400 * 86400,
					  &dropped),
			 0);
	read_log(f, &b);
	assert_int_equal(count_lines(b.buf), 2);
	pf_buf_release(&b);
	pf_buf_release(&p);
}

struct worker {
	const char *state;
	int n;
};

static void *append_many(void *arg)
{
	struct worker *w = arg;
	struct pf_buf body = PF_BUF_INIT;
	struct pf_sentlog_entry e;

	/* large bodies: interleaving would show as broken lines */
	for (int i = 0; i < 2000; i++)
		pf_buf_addch(&body, (char)('a' + i % 26));
	for (int i = 0; i < w->n; i++) {
		entry(&e, body.buf, 0);
		if (pf_sentlog_append(w->state, &e, 0, NULL))
			return (void *)1;
	}
	pf_buf_release(&body);
	return NULL;
}

static void test_concurrent_appends(void **state)
{
	struct fx *f = *state;
	pthread_t th[4];
	struct worker w = { f->state, 50 };
	struct pf_buf b = PF_BUF_INIT;
	size_t good = 0;

	for (int i = 0; i < 4; i++)
		assert_int_equal(pthread_create(&th[i], NULL, append_many, &w),
				 0);
	for (int i = 0; i < 4; i++) {
		void *r;

		pthread_join(th[i], &r);
		assert_null(r);
	}
	read_log(f, &b);
	for (char *line = b.buf, *nl; (nl = strchr(line, '\n'));
	     line = nl + 1) {
		cJSON *o;

		*nl = '\0';
		o = cJSON_Parse(line);
		assert_non_null(o);
		good++;
		cJSON_Delete(o);
	}
	assert_int_equal(good, 200);
	pf_buf_release(&b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_append_records, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_show, setup, teardown),
		cmocka_unit_test_setup_teardown(test_prune, setup, teardown),
		cmocka_unit_test_setup_teardown(test_sending_first, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_concurrent_appends, setup,
						teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
