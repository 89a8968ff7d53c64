/*
 * GitLab (gitlab.com and self-managed): find the open MR of the pushed
 * branch, read its diff_refs and diff, skip what is already in its
 * discussions, post a diff discussion per finding (text position, fixes
 * as ```suggestion:-0+N) and the findings outside the diff in one note.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cJSON.h>

#include "pushfix/err.h"
#include "pushfix/json.h"
#include "pushfix/util.h"

#include "drivers.h"
#include "mirror_int.h"

struct diff_refs {
	char *base_sha, *start_sha, *head_sha;
};

static void refs_release(struct diff_refs *r)
{
	free(r->base_sha);
	free(r->start_sha);
	free(r->head_sha);
	memset(r, 0, sizeof(*r));
}

static void project_base(struct pf_buf *out, const struct pf_forge_repo *r)
{
	/* :id is the whole path, '/' encoded as %2F */
	pf_buf_addf(out, "%s/projects/", r->api_url);
	pf_forge_url_encode(out, r->path);
}

static void mrs_query(struct pf_buf *out, const char *base,
		      const struct pf_mirror_ctx *c)
{
	pf_buf_addf(out, "%s/merge_requests?source_branch=", base);
	pf_forge_url_encode(out, c->entry->branch);
	pf_buf_addstr(out, "&state=opened&per_page=100");
}

/* An MR whose source is the pushed branch. */
static int is_our_mr(const struct pf_mirror_ctx *c, const cJSON *it)
{
	const char *sb = pf_json_str(it, "source_branch");

	return sb && !strcmp(sb, c->entry->branch);
}

static const struct pf_mirror_pr_keys mr_keys = { "merge request", "iid",
						  "web_url", is_our_mr };

static int find_mr(struct pf_mirror_ctx *c, const char *base, long *iid)
{
	struct pf_buf url = PF_BUF_INIT;
	int ret;

	mrs_query(&url, base, c);
	ret = pf_mirror_find_pr(c, url.buf, &mr_keys, iid, NULL, NULL);
	pf_buf_release(&url);
	return ret;
}

static int get_refs(struct pf_mirror_ctx *c, const char *base, long iid,
		    struct diff_refs *refs)
{
	struct pf_buf url = PF_BUF_INIT;
	struct pf_http_response r;
	double deadline = pf_now_ms() + c->wait_s * 1000.0, delay = 0.25;
	int ret;

	pf_http_response_init(&r);
	pf_buf_addf(&url, "%s/merge_requests/%ld", base, iid);
	for (;;) {
		cJSON *mr, *dr;

		ret = pf_mirror_get_json(c, &r, url.buf, &mr);
		if (ret)
			break;
		dr = cJSON_GetObjectItemCaseSensitive(mr, "diff_refs");
		refs_release(refs);
		if (cJSON_IsObject(dr) && pf_json_str(dr, "base_sha") &&
		    pf_json_str(dr, "start_sha") &&
		    pf_json_str(dr, "head_sha")) {
			refs->base_sha =
				pf_xstrdup(pf_json_str(dr, "base_sha"));
			refs->start_sha =
				pf_xstrdup(pf_json_str(dr, "start_sha"));
			refs->head_sha =
				pf_xstrdup(pf_json_str(dr, "head_sha"));
		}
		cJSON_Delete(mr);
		/* GitLab recomputes the MR diff after a push, a little
		 * later: positions on stale refs are refused */
		if (refs->head_sha &&
		    (!strcmp(refs->head_sha, c->entry->sha) || !c->worker))
			break;
		if (pf_now_ms() + delay * 1000 >= deadline)
			break;
		pf_sleep_s(delay);
		delay = delay * 2 > 5 ? 5 : delay * 2;
	}
	if (!ret && !refs->head_sha)
		ret = pf_error_setc(PF_ERETRY,
				    "GitLab has not computed the diff of "
				    "merge request !%ld yet",
				    iid);
	pf_http_response_release(&r);
	pf_buf_release(&url);
	return ret;
}

/*
 * Write access, as the forge says: the member's access_level (inherited
 * ones too) is Developer (30) or more.  A 404 (no member) is none.
 */
static int may_write(struct pf_mirror_ctx *c, const char *base,
		     const cJSON *author, int *ok)
{
	const cJSON *id = cJSON_GetObjectItemCaseSensitive(author, "id");
	struct pf_buf url = PF_BUF_INIT;
	struct pf_http_response r;
	const cJSON *lvl;
	cJSON *j = NULL;
	int ret;

	*ok = 0;
	if (!cJSON_IsNumber(id))
		return 0;
	pf_http_response_init(&r);
	pf_buf_addf(&url, "%s/members/all/%.0f", base, id->valuedouble);
	ret = pf_mirror_get_optional(c, &r, url.buf, &j);
	lvl = cJSON_GetObjectItemCaseSensitive(j, "access_level");
	if (!ret && cJSON_IsNumber(lvl))
		*ok = lvl->valuedouble >= 30;
	cJSON_Delete(j);
	pf_http_response_release(&r);
	pf_buf_release(&url);
	return ret;
}

/* The later notes of a discussion that one of ours starts: feedback
 * `/pushfix agree|disagree` by members with write access. */
static void read_replies(struct pf_mirror_ctx *c, const char *base,
			 const cJSON *notes)
{
	const cJSON *n;
	char *fp = NULL;

	cJSON_ArrayForEach (n, notes) {
		const cJSON *author =
			cJSON_GetObjectItemCaseSensitive(n, "author");
		const cJSON *id = cJSON_GetObjectItemCaseSensitive(n, "id");
		const char *user = pf_json_str(author, "username");
		char *reason = NULL;
		int agree, ok = 0, checked;

		if (n == notes->child) {
			fp = pf_mirror_first_fp(pf_json_str(n, "body"));
			if (!fp)
				break;
			continue;
		}
		if (!cJSON_IsNumber(id) || !user ||
		    cJSON_IsTrue(
			    cJSON_GetObjectItemCaseSensitive(n, "system")) ||
		    !pf_mirror_feedback_parse(pf_json_str(n, "body"), &agree,
					      &reason))
			continue;
		checked = may_write(c, base, author, &ok);
		pf_mirror_reply_take(c, checked, ok, fp, user, id->valuedouble,
				     agree, reason);
		free(reason);
	}
	free(fp);
}

static int existing(struct pf_mirror_ctx *c, const char *base, long iid,
		    struct pf_mirror_fps *fps)
{
	struct pf_buf url = PF_BUF_INIT;
	cJSON *all = NULL, *d, *n;
	int ret;

	pf_buf_addf(&url, "%s/merge_requests/%ld/discussions?per_page=100",
		    base, iid);
	ret = pf_mirror_get_all(c, &all, url.buf);
	if (!ret) {
		cJSON_ArrayForEach (d, all) {
			cJSON *notes =
				cJSON_GetObjectItemCaseSensitive(d, "notes");

			cJSON_ArrayForEach (n, notes)
				pf_mirror_fps_scan(fps, pf_json_str(n, "body"));
			if (cJSON_IsArray(notes))
				read_replies(c, base, notes);
		}
	}
	cJSON_Delete(all);
	pf_buf_release(&url);
	return ret;
}

static int add_changes(struct pf_mirror_diff *d, const cJSON *arr)
{
	const cJSON *it;

	cJSON_ArrayForEach (it, arr) {
		const char *np = pf_json_str(it, "new_path"),
			   *df = pf_json_str(it, "diff");
		const cJSON *del =
			cJSON_GetObjectItemCaseSensitive(it, "deleted_file");
		int ret;

		if (!np || cJSON_IsTrue(del))
			continue;
		ret = pf_mirror_diff_add_patch(
			d, np, pf_json_str(it, "old_path"), df ? df : "",
			df ? strlen(df) : 0);
		if (ret)
			return ret;
	}
	return 0;
}

static int load_diff(struct pf_mirror_ctx *c, const char *base, long iid,
		     struct pf_mirror_diff *d)
{
	struct pf_buf url = PF_BUF_INIT;
	struct pf_http_response r;
	cJSON *all = NULL;
	int ret;

	pf_http_response_init(&r);
	pf_buf_addf(&url, "%s/merge_requests/%ld/diffs?per_page=100", base,
		    iid);
	ret = pf_mirror_get_all(c, &all, url.buf);
	if (!ret) {
		ret = add_changes(d, all);
		goto out;
	}
	if (c->last_status != 404)
		goto out;
	/* GitLab before 15.7: the (now deprecated) changes endpoint */
	pf_buf_reset(&url);
	pf_buf_addf(&url, "%s/merge_requests/%ld/changes", base, iid);
	ret = pf_mirror_request(c, &r, "GET", url.buf, NULL);
	if (ret)
		goto out;
	if (r.status != 200) {
		ret = pf_mirror_status_error(c, &r, "GET", url.buf);
		goto out;
	}
	all = cJSON_ParseWithLength(r.body.buf, r.body.len);
	if (!cJSON_IsArray(cJSON_GetObjectItemCaseSensitive(all, "changes"))) {
		ret = pf_error_setc(PF_EINVALID,
				    "GitLab answered GET %s without a "
				    "'changes' array",
				    url.buf + strlen(c->repo->api_url));
		goto out;
	}
	ret = add_changes(d, cJSON_GetObjectItemCaseSensitive(all, "changes"));
out:
	cJSON_Delete(all);
	pf_http_response_release(&r);
	pf_buf_release(&url);
	return ret;
}

static char *discussion_json(const struct pf_outbox_finding *f,
			     const struct pf_mirror_anchor *a,
			     const struct diff_refs *refs)
{
	cJSON *o = cJSON_CreateObject(), *pos;
	struct pf_buf body = PF_BUF_INIT;
	char *text;

	pf_mirror_render(&body, f, PF_FORGE_GITLAB, a);
	cJSON_AddStringToObject(o, "body", body.buf);
	pos = cJSON_AddObjectToObject(o, "position");
	cJSON_AddStringToObject(pos, "position_type", "text");
	cJSON_AddStringToObject(pos, "base_sha", refs->base_sha);
	cJSON_AddStringToObject(pos, "start_sha", refs->start_sha);
	cJSON_AddStringToObject(pos, "head_sha", refs->head_sha);
	cJSON_AddStringToObject(pos, "old_path",
				a->file ? a->file->old_path : f->path);
	cJSON_AddStringToObject(pos, "new_path", f->path);
	cJSON_AddNumberToObject(pos, "new_line", a->start);
	/* an unchanged line needs both numbers, an added one only new */
	if (a->first && a->first->kind == ' ')
		cJSON_AddNumberToObject(pos, "old_line", a->first->old_line);
	text = cJSON_PrintUnformatted(o);
	cJSON_Delete(o);
	pf_buf_release(&body);
	return text;
}

static char *note_json(const struct pf_mirror_ctx *c,
		       const struct pf_outbox_finding *const *fs, size_t n,
		       size_t total)
{
	cJSON *o = cJSON_CreateObject();
	struct pf_buf b = PF_BUF_INIT;
	char *text;

	pf_buf_addf(&b,
		    "**pushfix** found %zu new finding%s in %.7s; %zu %s "
		    "outside this merge request's diff:\n",
		    total, total == 1 ? "" : "s", c->entry->sha, n,
		    n == 1 ? "is" : "are");
	for (size_t i = 0; i < n; i++) {
		pf_buf_addstr(&b, "\n---\n\n");
		pf_mirror_render(&b, fs[i], PF_FORGE_GITLAB, NULL);
	}
	cJSON_AddStringToObject(o, "body", b.buf);
	text = cJSON_PrintUnformatted(o);
	cJSON_Delete(o);
	pf_buf_release(&b);
	return text;
}

/* Did GitLab keep the position?  A position it cannot use silently
 * becomes a plain note (201 all the same). */
static int is_diff_note(const struct pf_http_response *r)
{
	cJSON *d = cJSON_ParseWithLength(r->body.buf, r->body.len);
	const cJSON *notes = cJSON_GetObjectItemCaseSensitive(d, "notes");
	const cJSON *first = cJSON_GetArrayItem(notes, 0);
	const char *type = first ? pf_json_str(first, "type") : NULL;
	int yes = type && !strcmp(type, "DiffNote");

	cJSON_Delete(d);
	return yes;
}

static void dry_run(struct pf_mirror_ctx *c, const char *base)
{
	struct pf_buf url = PF_BUF_INIT;
	struct diff_refs refs = { (char *)"{base_sha}", (char *)"{start_sha}",
				  (char *)"{head_sha}" };

	mrs_query(&url, base, c);
	fprintf(c->out, "GET %s\n", url.buf);
	fprintf(c->out, "GET %s/merge_requests/{iid} (diff_refs)\n", base);
	fprintf(c->out,
		"GET %s/merge_requests/{iid}/discussions?per_page=100 "
		"(every page; findings already there are skipped)\n",
		base);
	fprintf(c->out,
		"GET %s/merge_requests/{iid}/diffs?per_page=100 "
		"(every page; findings outside the diff go into one "
		"note)\n",
		base);
	for (size_t i = 0; i < c->entry->nr; i++) {
		struct pf_mirror_anchor a;
		char *json;

		pf_mirror_place(&a, NULL, &c->entry->findings[i]);
		json = discussion_json(&c->entry->findings[i], &a, &refs);
		fprintf(c->out, "POST %s/merge_requests/{iid}/discussions\n",
			base);
		pf_mirror_print_json(c->out, json);
		cJSON_free(json);
	}
	pf_buf_release(&url);
}

static int post(struct pf_mirror_ctx *c, struct pf_http_response *r,
		const char *url, const char *json)
{
	int ret = pf_mirror_request(c, r, "POST", url, json);

	if (!ret && r->status / 100 == 2)
		pf_mirror_count_post(c);
	return ret;
}

int pf_gitlab_mirror(struct pf_mirror_ctx *c)
{
	struct pf_outbox_entry *e = c->entry;
	struct pf_buf base = PF_BUF_INIT, url = PF_BUF_INIT;
	struct pf_mirror_fps fps = PF_MIRROR_FPS_INIT;
	struct pf_mirror_diff diff = PF_MIRROR_DIFF_INIT;
	struct diff_refs refs = { NULL, NULL, NULL };
	struct pf_http_response r;
	const struct pf_outbox_finding **todo = NULL, **outside = NULL;
	size_t tn = 0, on = 0;
	long iid = 0;
	int ret = 0;

	pf_http_response_init(&r);
	project_base(&base, c->repo);
	if (c->dry_run) {
		dry_run(c, base.buf);
		goto out;
	}
	ret = find_mr(c, base.buf, &iid);
	if (ret)
		goto out;
	ret = get_refs(c, base.buf, iid, &refs);
	if (ret)
		goto out;
	ret = existing(c, base.buf, iid, &fps);
	if (ret)
		goto out;
	todo = pf_xcalloc(e->nr ? e->nr : 1, sizeof(*todo));
	outside = pf_xcalloc(e->nr ? e->nr : 1, sizeof(*outside));
	for (size_t i = 0; i < e->nr; i++) {
		if (pf_mirror_fps_has(&fps, e->findings[i].fingerprint)) {
			c->already++;
			continue;
		}
		pf_mirror_fps_add(&fps, e->findings[i].fingerprint);
		todo[tn++] = &e->findings[i];
	}
	if (!tn)
		goto out;
	ret = load_diff(c, base.buf, iid, &diff);
	if (ret)
		goto out;

	pf_buf_addf(&url, "%s/merge_requests/%ld/discussions", base.buf, iid);
	for (size_t i = 0; i < tn; i++) {
		struct pf_mirror_anchor a;
		char *json;

		pf_mirror_place(&a, &diff, todo[i]);
		if (!a.in_diff) {
			outside[on++] = todo[i];
			continue;
		}
		json = discussion_json(todo[i], &a, &refs);
		ret = post(c, &r, url.buf, json);
		cJSON_free(json);
		if (ret)
			goto out;
		if (r.status == 400) {
			/* "line_code ... must be a valid line code": not on
			 * the diff for these refs after all */
			outside[on++] = todo[i];
			continue;
		}
		if (r.status / 100 != 2) {
			ret = pf_mirror_status_error(c, &r, "POST", url.buf);
			goto out;
		}
		if (!is_diff_note(&r))
			fprintf(c->out,
				"pushfix: GitLab ignored the position of %s "
				"line %u; it is a general comment instead\n",
				todo[i]->path, a.start);
		c->posted++;
	}
	if (on) {
		char *json = note_json(c, outside, on, tn);

		pf_buf_reset(&url);
		pf_buf_addf(&url, "%s/merge_requests/%ld/notes", base.buf, iid);
		ret = post(c, &r, url.buf, json);
		cJSON_free(json);
		if (!ret && r.status / 100 != 2)
			ret = pf_mirror_status_error(c, &r, "POST", url.buf);
		if (ret)
			goto out;
		c->posted += on;
		c->outside = on;
	}
out:
	free(todo);
	free(outside);
	refs_release(&refs);
	pf_mirror_diff_release(&diff);
	pf_mirror_fps_release(&fps);
	pf_http_response_release(&r);
	pf_buf_release(&base);
	pf_buf_release(&url);
	return ret;
}
