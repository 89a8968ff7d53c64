/*
 * redact_repo: what the repository tells us about who and what to hide:
 * the people of its history (cached by tip), git's user.name, its remotes.
 */
#include <stdlib.h>
#include <string.h>

#include <git2.h>

#include "pushfix/buf.h"
#include "pushfix/err.h"
#include "pushfix/fs.h"
#include "pushfix/redact.h"
#include "pushfix/store.h"
#include "pushfix/util.h"

#define CACHE_NAME "people.cache"
#define CACHE_MAGIC "pushfix-people 1\n"

struct strs {
	char **v;
	size_t nr, alloc;
};

static void strs_add(struct strs *s, const char *str, size_t n)
{
	PF_ALLOC_GROW(s->v, s->nr + 1, s->alloc);
	s->v[s->nr++] = pf_xstrndup(str, n);
}

static void strs_release(struct strs *s)
{
	for (size_t i = 0; i < s->nr; i++)
		free(s->v[i]);
	free(s->v);
	memset(s, 0, sizeof(*s));
}

static int cmp_strp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Sort and drop duplicates. */
static void strs_uniq(struct strs *s)
{
	size_t o = 0;

	if (!s->nr)
		return;
	qsort(s->v, s->nr, sizeof(*s->v), cmp_strp);
	for (size_t i = 0; i < s->nr; i++) {
		if (o && !strcmp(s->v[o - 1], s->v[i])) {
			free(s->v[i]);
			continue;
		}
		s->v[o++] = s->v[i];
	}
	s->nr = o;
}

static int strs_equal(const struct strs *a, const struct strs *b)
{
	if (a->nr != b->nr)
		return 0;
	for (size_t i = 0; i < a->nr; i++)
		if (strcmp(a->v[i], b->v[i]))
			return 0;
	return 1;
}

/* The commits we walk from: HEAD, local and remote-tracking branches. */
static int collect_tips(struct strs *tips, git_repository *repo)
{
	static const char *const globs[] = { "refs/heads/*", "refs/remotes/*" };
	git_oid oid;
	char hex[GIT_OID_HEXSZ + 1];

	if (!git_reference_name_to_id(&oid, repo, "HEAD")) {
		git_oid_tostr(hex, sizeof(hex), &oid);
		strs_add(tips, hex, strlen(hex));
	}
	for (size_t g = 0; g < PF_ARRAY_SIZE(globs); g++) {
		git_reference_iterator *it = NULL;
		git_reference *ref;

		if (git_reference_iterator_glob_new(&it, repo, globs[g]))
			return pf_error_git("cannot list references");
		while (!git_reference_next(&ref, it)) {
			git_object *obj = NULL;

			/* symbolic refs (origin/HEAD) and non-commits: skip */
			if (!git_reference_peel(&obj, ref, GIT_OBJECT_COMMIT)) {
				git_oid_tostr(hex, sizeof(hex),
					      git_object_id(obj));
				strs_add(tips, hex, strlen(hex));
				git_object_free(obj);
			}
			git_reference_free(ref);
		}
		git_reference_iterator_free(it);
	}
	strs_uniq(tips);
	return 0;
}

/* Parse the cache: "tip <hex>" and "n <name>" lines after the magic. */
static void read_cache(const char *path, struct strs *tips, struct strs *names)
{
	struct pf_buf b = PF_BUF_INIT;
	const char *s, *end;

	if (pf_buf_read_file(&b, path, 64 << 20) ||
	    !pf_starts_with(b.buf, CACHE_MAGIC)) {
		pf_buf_release(&b);
		return;
	}
	s = b.buf + strlen(CACHE_MAGIC);
	end = b.buf + b.len;
	while (s < end) {
		const char *nl = memchr(s, '\n', (size_t)(end - s));
		size_t n = nl ? (size_t)(nl - s) : (size_t)(end - s);

		if (n > 4 && !strncmp(s, "tip ", 4))
			strs_add(tips, s + 4, n - 4);
		else if (n > 2 && !strncmp(s, "n ", 2))
			strs_add(names, s + 2, n - 2);
		s += n + 1;
	}
	strs_uniq(tips);
	pf_buf_release(&b);
}

static int write_cache(const char *path, const struct strs *tips,
		       const struct strs *names)
{
	struct pf_buf b = PF_BUF_INIT;
	int ret;

	pf_buf_addstr(&b, CACHE_MAGIC);
	for (size_t i = 0; i < tips->nr; i++)
		pf_buf_addf(&b, "tip %s\n", tips->v[i]);
	for (size_t i = 0; i < names->nr; i++)
		pf_buf_addf(&b, "n %s\n", names->v[i]);
	ret = pf_write_file_atomic(path, b.buf, b.len, 0600);
	pf_buf_release(&b);
	return ret;
}

static void add_sig_name(struct strs *names, const git_signature *sig)
{
	if (sig && sig->name && *sig->name && !strchr(sig->name, '\n'))
		strs_add(names, sig->name, strlen(sig->name));
}

/* Walk the commits reachable from tips but not from old_tips. */
static int walk(struct strs *names, git_repository *repo,
		const struct strs *tips, const struct strs *old_tips,
		unsigned max_commits)
{
	git_revwalk *w = NULL;
	git_oid oid;
	unsigned n = 0;
	int ret = 0;

	if (git_revwalk_new(&w, repo))
		return pf_error_git("cannot walk the history");
	for (size_t i = 0; i < tips->nr; i++)
		if (!git_oid_fromstr(&oid, tips->v[i]))
			git_revwalk_push(w, &oid);
	/* Commits the cache has seen: a tip that no longer exists (a
	 * force-push) is simply not hidden. */
	for (size_t i = 0; i < old_tips->nr; i++)
		if (!git_oid_fromstr(&oid, old_tips->v[i]))
			git_revwalk_hide(w, &oid);
	git_error_clear();
	while (n < max_commits && !git_revwalk_next(&oid, w)) {
		git_commit *c = NULL;

		if (git_commit_lookup(&c, repo, &oid))
			continue;
		add_sig_name(names, git_commit_author(c));
		add_sig_name(names, git_commit_committer(c));
		git_commit_free(c);
		n++;
	}
	git_revwalk_free(w);
	strs_uniq(names);
	return ret;
}

static int load_people(struct strs *names, git_repository *repo,
		       const char *state_dir, unsigned max_commits)
{
	struct strs tips = { NULL, 0, 0 }, old_tips = { NULL, 0, 0 };
	struct pf_buf path = PF_BUF_INIT;
	int ret;

	ret = collect_tips(&tips, repo);
	if (ret)
		goto out;
	if (state_dir) {
		ret = pf_store_path(&path, state_dir, CACHE_NAME);
		if (ret)
			goto out;
		read_cache(path.buf, &old_tips, names);
		if (strs_equal(&tips, &old_tips))
			goto out; /* nothing new since last time */
	}
	ret = walk(names, repo, &tips, &old_tips, max_commits);
	if (!ret && state_dir)
		/* A cache we cannot write only costs time next push. */
		if (write_cache(path.buf, &tips, names))
			pf_error_clear();
out:
	strs_release(&tips);
	strs_release(&old_tips);
	pf_buf_release(&path);
	return ret;
}

static void add_remote_name(struct pf_redact_ctx *ctx, const char *a,
			    const char *e)
{
	char *name;

	if (!e || e <= a)
		return;
	name = pf_xstrndup(a, (size_t)(e - a));
	if (strcmp(name, "origin") && strcmp(name, "upstream"))
		pf_redact_ctx_add_word(ctx, PF_CAT_ORG, name);
	free(name);
}

int pf_redact_ctx_load_repo(struct pf_redact_ctx *ctx, git_repository *repo,
			    const char *state_dir)
{
	struct strs names = { NULL, 0, 0 };
	git_config *cfg = NULL;
	int ret;

	ret = load_people(&names, repo, state_dir,
			  ctx->max_commits ? ctx->max_commits : 100000);
	if (ret)
		goto out;
	for (size_t i = 0; i < names.nr; i++)
		pf_redact_ctx_add_word(ctx, PF_CAT_PERSON, names.v[i]);
	/*
	 * git's user.name and every remote's url and pushurl, read from the
	 * config directly: git_remote_lookup() would also apply insteadOf
	 * (not wanted: the raw URL names the organisation) and leaks PCRE2
	 * match data in libgit2 1.5.
	 */
	if (!git_repository_config_snapshot(&cfg, repo)) {
		git_config_iterator *it = NULL;
		git_config_entry *ce;

		if (!git_config_iterator_new(&it, cfg)) {
			while (!git_config_next(&ce, it)) {
				const char *k = ce->name, *v = ce->value;
				size_t kl = strlen(k);

				if (!v)
					continue;
				if (!strcmp(k, "user.name")) {
					pf_redact_ctx_add_word(
						ctx, PF_CAT_PERSON, v);
				} else if (pf_starts_with(k, "remote.") &&
					   ((kl > 4 &&
					     !strcmp(k + kl - 4, ".url")) ||
					    (kl > 8 && !strcmp(k + kl - 8,
							       ".pushurl")))) {
					pf_redact_ctx_add_remote_url(ctx, v);
					/* the remote's own name, unless a
					 * usual one: "northwind" */
					add_remote_name(ctx, k + 7,
							strrchr(k, '.'));
				}
			}
			git_config_iterator_free(it);
		}
		git_config_free(cfg);
	}
	git_error_clear();
out:
	strs_release(&names);
	return ret;
}
