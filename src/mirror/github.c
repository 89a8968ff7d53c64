/*
 * GitHub and GitHub Enterprise Server: find the open PR of the pushed
 * branch, read what is already on it, post ONE review (event COMMENT,
 * commit_id = the pushed commit) with a line comment per finding on the
 * PR's diff and the others in the review body.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <cJSON.h>

#include "pushfix/err.h"
#include "pushfix/json.h"
#include "pushfix/util.h"

#include "drivers.h"
#include "mirror_int.h"

#define BATCH_DEFAULT 30 /* line comments per review (reviewdog) */
#define BODY_CAP 60000	 /* GitHub refuses bodies over 65536 */

static const cJSON *jobj(const cJSON *o, const char *k)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, k);

	return cJSON_IsObject(v) ? v : NULL;
}

static void repo_base(struct pf_buf *out, const struct pf_forge_repo *r)
{
	pf_buf_addf(out, "%s/repos/", r->api_url);
	pf_forge_url_encode(out, r->owner);
	pf_buf_addch(out, '/');
	pf_forge_url_encode(out, r->name);
}

static void pulls_query(struct pf_buf *out, const char *base,
			const struct pf_mirror_ctx *c)
{
	/* head must be owner:branch: a bare branch is silently ignored
	 * and every open PR comes back */
	pf_buf_addf(out, "%s/pulls?head=", base);
	pf_forge_url_encode(out,
			    c->head_owner ? c->head_owner : c->repo->owner);
	pf_buf_addch(out, ':');
	pf_forge_url_encode(out, c->entry->branch);
	pf_buf_addstr(out, "&state=open&per_page=100");
}

static unsigned batch_size(void)
{
	const char *v = getenv("PUSHFIX_TEST_MIRROR_BATCH");
	unsigned long n;

	if (v && !pf_parse_ulong(&n, v) && n >= 1 && n <= 100)
		return (unsigned)n;
	return BATCH_DEFAULT;
}

/* A PR whose head is the pushed branch, in the pushed-to repository. */
static int is_our_pr(const struct pf_mirror_ctx *c, const cJSON *it)
{
	const cJSON *head = jobj(it, "head");
	const cJSON *hrepo = head ? jobj(head, "repo") : NULL;
	const char *ref = head ? pf_json_str(head, "ref") : NULL;
	const char *full = hrepo ? pf_json_str(hrepo, "full_name") : NULL;
	const char *label = head ? pf_json_str(head, "label") : NULL;

	if (!ref || strcmp(ref, c->entry->branch))
		return 0;
	if (c->head_owner) {
		/* from a fork: its label is fork-owner:branch */
		size_t n = strlen(c->head_owner);

		return label && !strncasecmp(label, c->head_owner, n) &&
		       label[n] == ':' && !strcmp(label + n + 1, ref);
	}
	return !full || !strcasecmp(full, c->repo->path);
}

static const struct pf_mirror_pr_keys pr_keys = { "pull request", "number",
						  "html_url", is_our_pr };

static int find_pr(struct pf_mirror_ctx *c, const char *base, long *number,
		   struct pf_buf *head_sha)
{
	struct pf_buf url = PF_BUF_INIT;
	cJSON *prs = NULL;
	const cJSON *best = NULL;
	int ret;

	pulls_query(&url, base, c);
	ret = pf_mirror_find_pr(c, url.buf, &pr_keys, number, &prs, &best);
	if (!ret) {
		pf_buf_reset(head_sha);
		if (jobj(best, "head") &&
		    pf_json_str(jobj(best, "head"), "sha"))
			pf_buf_addstr(head_sha,
				      pf_json_str(jobj(best, "head"), "sha"));
	}
	cJSON_Delete(prs);
	pf_buf_release(&url);
	return ret;
}

/* GitHub updates the PR head asynchronously after a push. */
static int wait_head(struct pf_mirror_ctx *c, const char *base, long number,
		     struct pf_buf *head_sha)
{
	struct pf_buf url = PF_BUF_INIT;
	struct pf_http_response r;
	double deadline = pf_now_ms() + c->wait_s * 1000.0, delay = 0.25;
	int ret = 0;

	pf_http_response_init(&r);
	pf_buf_addf(&url, "%s/pulls/%ld", base, number);
	while (strcmp(head_sha->buf, c->entry->sha) &&
	       pf_now_ms() + delay * 1000 < deadline) {
		cJSON *pr;

		pf_sleep_s(delay);
		delay = delay * 2 > 5 ? 5 : delay * 2;
		ret = pf_mirror_get_json(c, &r, url.buf, &pr);
		if (ret)
			break;
		if (jobj(pr, "head") && pf_json_str(jobj(pr, "head"), "sha")) {
			pf_buf_reset(head_sha);
			pf_buf_addstr(head_sha,
				      pf_json_str(jobj(pr, "head"), "sha"));
		}
		cJSON_Delete(pr);
	}
	pf_http_response_release(&r);
	pf_buf_release(&url);
	return ret;
}

static int scan_bodies(struct pf_mirror_ctx *c, const char *url,
		       struct pf_mirror_fps *fps)
{
	cJSON *all = NULL, *it;
	int ret = pf_mirror_get_all(c, &all, url);

	if (ret)
		return ret;
	cJSON_ArrayForEach (it, all)
		pf_mirror_fps_scan(fps, pf_json_str(it, "body"));
	cJSON_Delete(all);
	return 0;
}

/*
 * Write access, as the forge says: `permission` admin or write (maintain
 * reads as write there).  A 404 (no collaborator) is no access.
 */
static int may_write(struct pf_mirror_ctx *c, const char *base,
		     const char *login, int *ok)
{
	struct pf_buf url = PF_BUF_INIT;
	struct pf_http_response r;
	cJSON *j = NULL;
	const char *perm;
	int ret;

	*ok = 0;
	pf_http_response_init(&r);
	pf_buf_addf(&url, "%s/collaborators/", base);
	pf_forge_url_encode(&url, login);
	pf_buf_addstr(&url, "/permission");
	ret = pf_mirror_get_optional(c, &r, url.buf, &j);
	perm = pf_json_str(j, "permission");
	if (!ret && perm)
		*ok = !strcmp(perm, "admin") || !strcmp(perm, "write");
	cJSON_Delete(j);
	pf_http_response_release(&r);
	pf_buf_release(&url);
	return ret;
}

/*
 * The review comments: markers already there go to `fps`; replies
 * (in_reply_to_id) `/pushfix agree|disagree` on one of ours, by someone
 * with write access, to c->replies.
 */
static int read_comments(struct pf_mirror_ctx *c, const char *base,
			 const char *url, struct pf_mirror_fps *fps)
{
	cJSON *all = NULL, *it, *p;
	int ret = pf_mirror_get_all(c, &all, url);

	if (ret)
		return ret;
	cJSON_ArrayForEach (it, all)
		pf_mirror_fps_scan(fps, pf_json_str(it, "body"));
	cJSON_ArrayForEach (it, all) {
		const cJSON *to =
			cJSON_GetObjectItemCaseSensitive(it, "in_reply_to_id");
		const cJSON *id = cJSON_GetObjectItemCaseSensitive(it, "id");
		const char *login = pf_json_str(jobj(it, "user"), "login");
		char *reason = NULL, *fp = NULL;
		int agree, ok = 0;

		if (!cJSON_IsNumber(to) || !cJSON_IsNumber(id) || !login ||
		    !pf_mirror_feedback_parse(pf_json_str(it, "body"), &agree,
					      &reason))
			continue;
		cJSON_ArrayForEach (p, all) {
			const cJSON *pid =
				cJSON_GetObjectItemCaseSensitive(p, "id");

			if (cJSON_IsNumber(pid) &&
			    pid->valuedouble == to->valuedouble) {
				fp = pf_mirror_first_fp(pf_json_str(p, "body"));
				break;
			}
		}
		if (fp) {
			int checked = may_write(c, base, login, &ok);

			pf_mirror_reply_take(c, checked, ok, fp, login,
					     id->valuedouble, agree, reason);
		}
		free(fp);
		free(reason);
	}
	cJSON_Delete(all);
	return ret;
}

static int load_diff(struct pf_mirror_ctx *c, const char *base, long number,
		     struct pf_mirror_diff *d)
{
	struct pf_buf url = PF_BUF_INIT;
	cJSON *files = NULL, *it;
	int ret;

	pf_buf_addf(&url, "%s/pulls/%ld/files?per_page=100", base, number);
	ret = pf_mirror_get_all(c, &files, url.buf);
	if (ret)
		goto out;
	cJSON_ArrayForEach (it, files) {
		const char *name = pf_json_str(it, "filename");
		const char *patch = pf_json_str(it, "patch");

		if (!name)
			continue;
		/* no patch: binary or too big; nothing is commentable */
		ret = pf_mirror_diff_add_patch(
			d, name, pf_json_str(it, "previous_filename"),
			patch ? patch : "", patch ? strlen(patch) : 0);
		if (ret)
			goto out;
	}
out:
	cJSON_Delete(files);
	pf_buf_release(&url);
	return ret;
}

struct placed {
	const struct pf_outbox_finding *f;
	struct pf_mirror_anchor a;
};

static cJSON *line_comment(const struct placed *p)
{
	cJSON *o = cJSON_CreateObject();
	struct pf_buf body = PF_BUF_INIT;

	pf_mirror_render(&body, p->f, PF_FORGE_GITHUB, &p->a);
	cJSON_AddStringToObject(o, "path", p->f->path);
	cJSON_AddStringToObject(o, "body", body.buf);
	if (p->a.start < p->a.end) {
		cJSON_AddNumberToObject(o, "start_line", p->a.start);
		cJSON_AddStringToObject(o, "start_side", "RIGHT");
	}
	cJSON_AddNumberToObject(o, "line", p->a.end);
	cJSON_AddStringToObject(o, "side", "RIGHT");
	pf_buf_release(&body);
	return o;
}

/*
 * One review: comments[ci..ci+cn) as line comments, body[bi..bi+bn) in
 * the body.  `moved`: these were refused as line comments.
 */
static char *review_json(const struct pf_mirror_ctx *c,
			 const struct placed *lines, size_t cn,
			 const struct placed *body, size_t bn, int moved,
			 size_t total)
{
	cJSON *o = cJSON_CreateObject(), *arr;
	struct pf_buf b = PF_BUF_INIT;
	char *text;

	pf_buf_addf(&b, "**pushfix** found %zu new finding%s in %.7s", total,
		    total == 1 ? "" : "s", c->entry->sha);
	if (cn)
		pf_buf_addf(&b, "; %zu as line comment%s", cn,
			    cn == 1 ? "" : "s");
	if (bn)
		pf_buf_addf(&b, "; %zu below, %s", bn,
			    moved ? "because GitHub refused them as line "
				    "comments"
				  : "outside this pull request's diff");
	pf_buf_addstr(&b, ".\n");
	for (size_t i = 0; i < bn; i++) {
		pf_buf_addstr(&b, "\n---\n\n");
		pf_mirror_render(&b, body[i].f, PF_FORGE_GITHUB, NULL);
	}
	cJSON_AddStringToObject(o, "commit_id", c->entry->sha);
	cJSON_AddStringToObject(o, "event", "COMMENT");
	cJSON_AddStringToObject(o, "body", b.buf);
	arr = cJSON_AddArrayToObject(o, "comments");
	for (size_t i = 0; i < cn; i++)
		cJSON_AddItemToArray(arr, line_comment(&lines[i]));
	text = cJSON_PrintUnformatted(o);
	cJSON_Delete(o);
	pf_buf_release(&b);
	return text;
}

/* Does a 422 say that some comment is not on the diff? */
static int diff_refusal(const struct pf_http_response *r)
{
	/* clang-format off */
	static const char *const words[] = {
	    "part of the diff", "same hunk", "path is invalid",	  "start line",
	    "diff hunk",	"line must", "Line could not be",
	};
	/* clang-format on */

	if (r->status != 422)
		return 0;
	for (size_t i = 0; i < PF_ARRAY_SIZE(words); i++)
		if (strstr(r->body.buf, words[i]))
			return 1;
	return 0;
}

static size_t rendered_len(const struct pf_outbox_finding *f)
{
	struct pf_buf b = PF_BUF_INIT;
	size_t n;

	pf_mirror_render(&b, f, PF_FORGE_GITHUB, NULL);
	n = b.len + 8;
	pf_buf_release(&b);
	return n;
}

static int post_review(struct pf_mirror_ctx *c, const char *url,
		       const struct placed *lines, size_t cn,
		       const struct placed *body, size_t bn, size_t total)
{
	struct pf_http_response r;
	char *json = review_json(c, lines, cn, body, bn, 0, total);
	int ret;

	pf_http_response_init(&r);
	ret = pf_mirror_request(c, &r, "POST", url, json);
	if (!ret && cn && diff_refusal(&r)) {
		/* The review is all or nothing and GitHub does not say which
		 * comment it refused: move them all into the body. */
		struct placed *all = pf_xcalloc(cn + bn, sizeof(*all));

		memcpy(all, body, bn * sizeof(*all));
		memcpy(all + bn, lines, cn * sizeof(*all));
		fprintf(c->out,
			"pushfix: GitHub refused some line comments (422); "
			"posting them in the review body\n");
		cJSON_free(json);
		json = review_json(c, NULL, 0, all, cn + bn, 1, total);
		free(all);
		ret = pf_mirror_request(c, &r, "POST", url, json);
		if (!ret && r.status / 100 == 2)
			c->moved += cn;
	}
	if (!ret && r.status / 100 != 2)
		ret = pf_mirror_status_error(c, &r, "POST", url);
	if (!ret) {
		pf_mirror_count_post(c);
		c->posted += cn + bn;
	}
	cJSON_free(json);
	pf_http_response_release(&r);
	return ret;
}

static void dry_run(struct pf_mirror_ctx *c, const char *base,
		    const struct placed *lines, size_t cn)
{
	struct pf_buf url = PF_BUF_INIT;
	char *json = review_json(c, lines, cn, NULL, 0, 0, cn);

	pulls_query(&url, base, c);
	fprintf(c->out, "GET %s\n", url.buf);
	fprintf(c->out,
		"GET %s/pulls/{pull_number}/comments?per_page=100 "
		"(every page; findings already there are skipped)\n",
		base);
	fprintf(c->out,
		"GET %s/pulls/{pull_number}/reviews?per_page=100 "
		"(every page)\n",
		base);
	fprintf(c->out,
		"GET %s/pulls/{pull_number}/files?per_page=100 "
		"(every page; lines outside the diff go to the "
		"review body)\n",
		base);
	fprintf(c->out, "POST %s/pulls/{pull_number}/reviews\n", base);
	pf_mirror_print_json(c->out, json);
	cJSON_free(json);
	pf_buf_release(&url);
}

int pf_github_mirror(struct pf_mirror_ctx *c)
{
	struct pf_outbox_entry *e = c->entry;
	struct pf_buf base = PF_BUF_INIT, url = PF_BUF_INIT;
	struct pf_buf head = PF_BUF_INIT;
	struct pf_mirror_fps fps = PF_MIRROR_FPS_INIT;
	struct pf_mirror_diff diff = PF_MIRROR_DIFF_INIT;
	struct placed *lines = NULL, *body = NULL;
	size_t ln = 0, bn = 0, batch = batch_size();
	long number = 0;
	int ret = 0;

	repo_base(&base, c->repo);
	lines = pf_xcalloc(e->nr ? e->nr : 1, sizeof(*lines));
	body = pf_xcalloc(e->nr ? e->nr : 1, sizeof(*body));
	if (c->dry_run) {
		for (size_t i = 0; i < e->nr; i++) {
			lines[ln].f = &e->findings[i];
			pf_mirror_place(&lines[ln].a, NULL, &e->findings[i]);
			ln++;
		}
		dry_run(c, base.buf, lines, ln);
		goto out;
	}

	ret = find_pr(c, base.buf, &number, &head);
	if (ret)
		goto out;
	if (strcmp(head.buf, e->sha) && c->worker) {
		ret = wait_head(c, base.buf, number, &head);
		if (ret)
			goto out;
	}
	if (strcmp(head.buf, e->sha) && c->verbose)
		fprintf(c->out,
			"pushfix: pull request #%ld is at %.7s, not "
			"%.7s; commenting on %.7s\n",
			number, head.buf, e->sha, e->sha);

	/* What is already there: review comments and review bodies. */
	pf_buf_addf(&url, "%s/pulls/%ld/comments?per_page=100", base.buf,
		    number);
	ret = read_comments(c, base.buf, url.buf, &fps);
	if (ret)
		goto out;
	pf_buf_reset(&url);
	pf_buf_addf(&url, "%s/pulls/%ld/reviews?per_page=100", base.buf,
		    number);
	ret = scan_bodies(c, url.buf, &fps);
	if (ret)
		goto out;

	for (size_t i = 0; i < e->nr; i++) {
		if (pf_mirror_fps_has(&fps, e->findings[i].fingerprint)) {
			c->already++;
			continue;
		}
		/* one comment per fingerprint, even if listed twice */
		pf_mirror_fps_add(&fps, e->findings[i].fingerprint);
		lines[ln++].f = &e->findings[i];
	}
	if (!ln)
		goto out;

	ret = load_diff(c, base.buf, number, &diff);
	if (ret)
		goto out;
	{
		size_t w = 0;

		for (size_t i = 0; i < ln; i++) {
			struct placed p = lines[i];

			pf_mirror_place(&p.a, &diff, p.f);
			if (p.a.in_diff)
				lines[w++] = p;
			else
				body[bn++] = p;
		}
		ln = w;
		c->outside = bn;
	}

	pf_buf_reset(&url);
	pf_buf_addf(&url, "%s/pulls/%ld/reviews", base.buf, number);
	{
		size_t li = 0, bi = 0, total = ln + bn;

		/* ONE review, unless there are more comments than GitHub
		 * takes comfortably in one request */
		while (li < ln || bi < bn) {
			size_t cn = ln - li < batch ? ln - li : batch;
			size_t bcount = 0, blen = 0;

			while (bi + bcount < bn) {
				size_t l = rendered_len(body[bi + bcount].f);

				if (bcount && blen + l > BODY_CAP)
					break;
				blen += l;
				bcount++;
			}
			ret = post_review(c, url.buf, lines + li, cn, body + bi,
					  bcount, total);
			if (ret)
				goto out;
			li += cn;
			bi += bcount;
		}
	}
out:
	free(lines);
	free(body);
	pf_mirror_diff_release(&diff);
	pf_mirror_fps_release(&fps);
	pf_buf_release(&base);
	pf_buf_release(&url);
	pf_buf_release(&head);
	return ret;
}
