/*
 * Slack incoming webhook: one message per pushed branch with counts and
 * the PR/MR link.  The webhook URL is a secret: it is never printed, and
 * no forge token is ever sent along.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cJSON.h>

#include "pushfix/err.h"
#include "pushfix/util.h"

#include "drivers.h"
#include "mirror_int.h"

#define SHOWN 10	 /* findings listed one by one */
#define SECTION_CAP 2900 /* Slack: section text <= 3000 */

/* mrkdwn escaping: only &, < and > are special. */
static void esc(struct pf_buf *out, const char *s, size_t cap)
{
	size_t start = out->len;

	for (; s && *s; s++) {
		if (out->len - start >= cap) {
			pf_buf_addstr(out, "…");
			break;
		}
		if (*s == '&')
			pf_buf_addstr(out, "&amp;");
		else if (*s == '<')
			pf_buf_addstr(out, "&lt;");
		else if (*s == '>')
			pf_buf_addstr(out, "&gt;");
		else
			pf_buf_addch(out, *s);
	}
}

static cJSON *section(const char *mrkdwn)
{
	cJSON *b = cJSON_CreateObject(), *t;

	cJSON_AddStringToObject(b, "type", "section");
	t = cJSON_AddObjectToObject(b, "text");
	cJSON_AddStringToObject(t, "type", "mrkdwn");
	cJSON_AddStringToObject(t, "text", mrkdwn);
	return b;
}

static void counts(struct pf_buf *out, const struct pf_outbox_entry *e,
		   int by_verdict)
{
	static const char *const sev[] = { "CRITICAL", "ERROR", "WARNING",
					   "LOW", "INFO" };
	static const char *const ver[] = { "true_positive", "uncertain",
					   "false_positive" };
	static const char *const words[] = { "true positive", "uncertain",
					     "false positive" };
	size_t other = 0, first = 1;

	for (size_t k = 0; k < (by_verdict ? 3u : 5u); k++) {
		size_t n = 0;

		for (size_t i = 0; i < e->nr; i++) {
			const char *v = by_verdict ? e->findings[i].verdict
						   : e->findings[i].severity;

			if (v && !strcmp(v, by_verdict ? ver[k] : sev[k]))
				n++;
		}
		if (n) {
			pf_buf_addf(out, "%s%zu %s", first ? "" : ", ", n,
				    by_verdict ? words[k] : sev[k]);
			first = 0;
		}
	}
	for (size_t i = 0; i < e->nr; i++) {
		const char *v = by_verdict ? e->findings[i].verdict
					   : e->findings[i].severity;
		int known = 0;

		for (size_t k = 0; v && k < (by_verdict ? 3u : 5u); k++)
			if (!strcmp(v, by_verdict ? ver[k] : sev[k]))
				known = 1;
		if (!known)
			other++;
	}
	if (other)
		pf_buf_addf(out, "%s%zu %s", first ? "" : ", ", other,
			    by_verdict ? "not triaged" : "other");
}

void pf_slack_message(struct pf_buf *json, const struct pf_outbox_entry *e,
		      const char *repo_path, const char *pr_url)
{
	cJSON *root = cJSON_CreateObject(), *blocks, *h, *ht;
	struct pf_buf text = PF_BUF_INIT, s = PF_BUF_INIT;
	char *out;

	/* the notification text (and the fallback without blocks) */
	pf_buf_addf(&text, "pushfix: %zu finding%s on ", e->nr,
		    e->nr == 1 ? "" : "s");
	esc(&text, e->branch, 200);
	pf_buf_addf(&text, " (%.7s) in ", e->sha);
	esc(&text, repo_path, 200);
	pf_buf_addstr(&text, ": ");
	counts(&text, e, 0);
	if (pr_url) {
		pf_buf_addstr(&text, " — <");
		esc(&text, pr_url, 500);
		pf_buf_addstr(&text, "|review>");
	}
	cJSON_AddStringToObject(root, "text", text.buf);

	blocks = cJSON_AddArrayToObject(root, "blocks");
	h = cJSON_CreateObject();
	cJSON_AddStringToObject(h, "type", "header");
	ht = cJSON_AddObjectToObject(h, "text");
	cJSON_AddStringToObject(ht, "type", "plain_text");
	pf_buf_addf(&s, "pushfix: %zu finding%s on %.100s", e->nr,
		    e->nr == 1 ? "" : "s", e->branch);
	cJSON_AddStringToObject(ht, "text", s.buf);
	cJSON_AddItemToArray(blocks, h);

	pf_buf_reset(&s);
	pf_buf_addstr(&s, "*");
	esc(&s, repo_path, 200);
	pf_buf_addstr(&s, "* `");
	esc(&s, e->branch, 200);
	pf_buf_addf(&s, "` at `%.7s`\n*Severity:* ", e->sha);
	counts(&s, e, 0);
	pf_buf_addstr(&s, "\n*Triage:* ");
	counts(&s, e, 1);
	if (pr_url) {
		pf_buf_addstr(&s, "\n<");
		esc(&s, pr_url, 500);
		pf_buf_addstr(&s, "|Open the review>");
	}
	cJSON_AddItemToArray(blocks, section(s.buf));
	cJSON_AddItemToArray(blocks, cJSON_CreateObject());
	cJSON_AddStringToObject(cJSON_GetArrayItem(blocks, 2), "type",
				"divider");

	for (size_t i = 0; i < e->nr && i < SHOWN; i++) {
		const struct pf_outbox_finding *f = &e->findings[i];

		pf_buf_reset(&s);
		pf_buf_addstr(&s, "*");
		esc(&s, f->severity, 20);
		pf_buf_addstr(&s, "* `");
		esc(&s, f->rule_id, 200);
		pf_buf_addstr(&s, "` in `");
		esc(&s, f->path, 300);
		pf_buf_addf(&s, ":%u`", f->start_line);
		if (f->verdict)
			pf_buf_addf(&s, " — %s (%.0f%%)",
				    !strcmp(f->verdict, "true_positive")
					    ? "true positive"
				    : !strcmp(f->verdict, "false_positive")
					    ? "false positive"
					    : "uncertain",
				    f->confidence * 100);
		pf_buf_addch(&s, '\n');
		esc(&s, f->message, SECTION_CAP - s.len);
		cJSON_AddItemToArray(blocks, section(s.buf));
	}
	if (e->nr > SHOWN) {
		cJSON *ctx = cJSON_CreateObject(), *els, *el;

		pf_buf_reset(&s);
		pf_buf_addf(&s, "and %zu more", e->nr - SHOWN);
		cJSON_AddStringToObject(ctx, "type", "context");
		els = cJSON_AddArrayToObject(ctx, "elements");
		el = cJSON_CreateObject();
		cJSON_AddStringToObject(el, "type", "mrkdwn");
		cJSON_AddStringToObject(el, "text", s.buf);
		cJSON_AddItemToArray(els, el);
		cJSON_AddItemToArray(blocks, ctx);
	}
	out = cJSON_PrintUnformatted(root);
	pf_buf_addstr(json, out);
	cJSON_free(out);
	cJSON_Delete(root);
	pf_buf_release(&text);
	pf_buf_release(&s);
}

int pf_slack_post(struct pf_mirror_ctx *c, const char *webhook_url,
		  const char *webhook_source)
{
	struct pf_buf json = PF_BUF_INIT;
	const char *headers[] = { "Content-Type: application/json",
				  "User-Agent: pushfix", NULL };
	struct pf_http_request req = { 0 };
	struct pf_http_response r;
	unsigned tries = 0;
	int ret = 0;

	pf_http_response_init(&r);
	pf_slack_message(&json, c->entry, c->repo->path,
			 c->pr_url ? c->pr_url : c->entry->pr_url);
	if (c->dry_run || !webhook_url) {
		fprintf(c->out, "POST (the Slack webhook in %s)\n",
			webhook_source);
		pf_mirror_print_json(c->out, json.buf);
		goto out;
	}
	req.method = "POST";
	req.url = webhook_url;
	req.headers = headers;
	req.body = json.buf;
	req.body_len = json.len;
	req.timeout_ms = 30000;
	req.max_response = 64 << 10;
	for (;;) {
		ret = pf_http_perform(&r, &req);
		if (c->verbose)
			fprintf(c->out,
				"pushfix: POST (Slack webhook in %s) "
				"-> %ld\n",
				webhook_source, r.status);
		if (ret) {
			if (++tries < 3) {
				pf_sleep_s(tries);
				continue;
			}
			goto out;
		}
		if (r.status == 429) {
			double wait = pf_http_retry_after(&r);

			if (wait < 0)
				wait = 1;
			if (wait <= c->max_sleep_s && ++tries < 4) {
				pf_sleep_s((double)((time_t)wait + 1));
				continue;
			}
			c->retry_after = wait;
			ret = pf_error_setc(PF_ERETRY,
					    "Slack rate limit (429): retry in "
					    "%.0f s",
					    wait);
			goto out;
		}
		break;
	}
	if (r.status / 100 == 2) {
		pf_mirror_count_post(c);
		goto out;
	}
	{
		/* Slack's errors are short plain words: no_service, ... */
		struct pf_buf why = PF_BUF_INIT;

		pf_buf_add(&why, r.body.buf, r.body.len > 80 ? 80 : r.body.len);
		for (size_t i = 0; i < why.len; i++)
			if (why.buf[i] < 0x20)
				why.buf[i] = ' ';
		ret = pf_error_setc(r.status >= 500 ? PF_ERETRY : PF_ERROR,
				    "Slack refused the message (%ld %s): check "
				    "the webhook URL in %s",
				    r.status, why.buf, webhook_source);
		pf_buf_release(&why);
	}
out:
	pf_http_response_release(&r);
	pf_buf_release(&json);
	return ret;
}
