#include <stdlib.h>
#include <string.h>

#include <git2.h>

#include "pushfix/buf.h"
#include "pushfix/err.h"
#include "pushfix/push.h"
#include "pushfix/util.h"

/* How much of a bad line an error message echoes. */
#define ECHO_MAX 200
#define SHA256_HEXSZ 64

static void update_release(struct pf_push_update *u)
{
	free(u->local_ref);
	free(u->remote_ref);
	free(u->note);
}

void pf_push_release(struct pf_push *p)
{
	if (!p)
		return;
	for (size_t i = 0; i < p->nr; i++)
		update_release(&p->v[i]);
	free(p->v);
	p->v = NULL;
	p->nr = p->alloc = 0;
}

const char *pf_push_kind_name(enum pf_push_kind k)
{
	switch (k) {
	case PF_PUSH_UPDATE:
		return "update";
	case PF_PUSH_FORCE:
		return "force";
	case PF_PUSH_CREATE:
		return "create";
	case PF_PUSH_DELETE:
		return "delete";
	}
	return "unknown";
}

/*
 * The offending line, capped and with control bytes made visible, so that
 * an error message never floods or drives the user's terminal.
 */
static void echo_line(struct pf_buf *b, const char *line, size_t len)
{
	size_t n = len > ECHO_MAX ? ECHO_MAX : len;

	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)line[i];

		pf_buf_addch(b, c < 0x20 || c == 0x7f ? '?' : c);
	}
	if (len > ECHO_MAX)
		pf_buf_addstr(b, "...");
}

static int bad_line(size_t lineno, const char *why, const char *line,
		    size_t len)
{
	struct pf_buf b = PF_BUF_INIT;
	int ret;

	echo_line(&b, line, len);
	ret = pf_error_setc(PF_EINVALID, "pre-push input line %zu: %s: '%s'",
			    lineno, why, b.buf);
	pf_buf_release(&b);
	return ret;
}

static int is_hex(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		char c = s[i];

		if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') ||
		      (c >= 'A' && c <= 'F')))
			return 0;
	}
	return 1;
}

/*
 * Check one oid field; NULL if good (copied lower-cased into out), else
 * why not, written into `why`.
 */
static const char *parse_oid(char out[GIT_OID_HEXSZ + 1], const char *s,
			     size_t n, const char *which, struct pf_buf *why)
{
	if (n == SHA256_HEXSZ && is_hex(s, n)) {
		pf_buf_addf(why,
			    "%s oid is a SHA-256 object id; pushfix (libgit2 "
			    "1.5) reads SHA-1 repositories only",
			    which);
		return why->buf;
	}
	if (n != GIT_OID_HEXSZ || !is_hex(s, n)) {
		pf_buf_addf(why, "%s oid is not a 40-digit hex object id",
			    which);
		return why->buf;
	}
	for (size_t i = 0; i < n; i++)
		out[i] = (s[i] >= 'A' && s[i] <= 'F') ? s[i] - 'A' + 'a' : s[i];
	out[n] = '\0';
	return NULL;
}

/* git's check_refname_format(), for the ref the remote will hold. */
static int refname_ok(const char *s, size_t n)
{
	size_t i, comp = 0; /* start of the current component */

	if (n < 6 || memcmp(s, "refs/", 5) || s[n - 1] == '/' ||
	    s[n - 1] == '.')
		return 0;
	for (i = 0; i < n; i++) {
		char c = s[i];

		if (strchr(" ~^:?*[\\", c) ||
		    (c == '.' && (i == comp || s[i - 1] == '.')) ||
		    (c == '{' && s[i - 1] == '@'))
			return 0;
		if (c == '/') {
			if (i == comp ||
			    (i - comp >= 5 && !memcmp(s + i - 5, ".lock", 5)))
				return 0;
			comp = i + 1;
		}
	}
	return !(n - comp >= 5 && !memcmp(s + n - 5, ".lock", 5));
}

static int is_zero_oid(const char *hex)
{
	for (; *hex; hex++)
		if (*hex != '0')
			return 0;
	return 1;
}

static int parse_line(struct pf_push *out, size_t lineno, const char *line,
		      size_t len)
{
	const char *field[4];
	size_t flen[4], nf = 0, i;
	const char *p = line, *end = line + len;
	struct pf_buf why = PF_BUF_INIT;
	struct pf_push_update u;
	const char *msg;
	int ret;

	for (i = 0; i < len; i++) {
		unsigned char c = (unsigned char)line[i];

		if (c < 0x20 || c == 0x7f)
			return bad_line(lineno, "contains a control character",
					line, len);
	}
	/* Fields are separated by exactly one space (refnames hold none). */
	while (1) {
		const char *sp = memchr(p, ' ', (size_t)(end - p));
		const char *fe = sp ? sp : end;

		if (nf < 4) {
			field[nf] = p;
			flen[nf] = (size_t)(fe - p);
		}
		nf++;
		if (!sp)
			break;
		p = sp + 1;
	}
	if (nf != 4) {
		pf_buf_addf(&why,
			    "expected 4 fields '<local ref> <local oid> "
			    "<remote ref> <remote oid>', got %zu",
			    nf);
		goto bad;
	}
	for (i = 0; i < 4; i++) {
		static const char *const names[] = { "local ref", "local oid",
						     "remote ref",
						     "remote oid" };

		if (!flen[i]) {
			pf_buf_addf(&why, "empty %s", names[i]);
			goto bad;
		}
	}

	memset(&u, 0, sizeof(u));
	if ((msg = parse_oid(u.local_oid, field[1], flen[1], "local", &why)))
		goto bad;
	if ((msg = parse_oid(u.remote_oid, field[3], flen[3], "remote", &why)))
		goto bad;
	if (flen[2] < 5 || memcmp(field[2], "refs/", 5)) {
		pf_buf_addstr(&why, "remote ref does not start with 'refs/'");
		goto bad;
	}
	if (!refname_ok(field[2], flen[2])) {
		pf_buf_addstr(&why, "remote ref is not a valid ref name");
		goto bad;
	}
	if (is_zero_oid(u.local_oid) && is_zero_oid(u.remote_oid)) {
		pf_buf_addstr(&why, "both object ids are zero");
		goto bad;
	}
	if (is_zero_oid(u.local_oid))
		u.kind = PF_PUSH_DELETE;
	else if (is_zero_oid(u.remote_oid))
		u.kind = PF_PUSH_CREATE;
	else
		u.kind = PF_PUSH_UPDATE;
	u.is_tag = flen[2] > 10 && !memcmp(field[2], "refs/tags/", 10);
	u.local_ref = pf_xstrndup(field[0], flen[0]);
	u.remote_ref = pf_xstrndup(field[2], flen[2]);
	PF_ALLOC_GROW(out->v, out->nr + 1, out->alloc);
	out->v[out->nr++] = u;
	pf_buf_release(&why);
	return 0;
bad:
	ret = bad_line(lineno, why.buf, line, len);
	pf_buf_release(&why);
	return ret;
}

int pf_push_parse(struct pf_push *out, const char *input, size_t len)
{
	const char *p = input, *end = input + len;
	size_t lineno = 0;

	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		const char *le = nl ? nl : end;
		size_t n;
		int ret;

		lineno++;
		/* Tolerate CRLF, e.g. input written by a Windows tool. */
		if (le > p && le[-1] == '\r')
			le--;
		n = (size_t)(le - p);
		/* git writes no blank lines; a stray one (a trailing
		 * newline too many) carries no update. */
		if (n) {
			ret = parse_line(out, lineno, p, n);
			if (ret)
				return ret;
		}
		p = nl ? nl + 1 : end;
	}
	return 0;
}

/* ---- resolve ---------------------------------------------------------- */

static void abbrev(char out[8], const git_oid *oid)
{
	git_oid_tostr(out, 8, oid);
}

static void set_note(struct pf_push_update *u, struct pf_buf *b)
{
	free(u->note);
	u->note = pf_buf_detach(b, NULL);
}

/*
 * Peel `hex` to a commit.  1 and *out set when it is one, 0 when the
 * object is missing or is not (and does not peel to) a commit; *type gets
 * the object's type for the message, GIT_OBJECT_INVALID if missing.
 */
static int peel_commit(git_oid *out, git_object_t *type, git_repository *repo,
		       const char *hex)
{
	git_oid id;
	git_object *obj = NULL, *peeled = NULL;
	int ok = 0;

	*type = GIT_OBJECT_INVALID;
	if (git_oid_fromstr(&id, hex))
		return 0;
	if (git_object_lookup(&obj, repo, &id, GIT_OBJECT_ANY))
		return 0;
	*type = git_object_type(obj);
	if (!git_object_peel(&peeled, obj, GIT_OBJECT_COMMIT)) {
		git_oid_cpy(out, git_object_id(peeled));
		ok = 1;
	} else if (*type == GIT_OBJECT_TAG &&
		   !git_object_peel(&peeled, obj, GIT_OBJECT_ANY)) {
		/* Say what the tag finally points at, not "a tag". */
		*type = git_object_type(peeled);
	}
	git_object_free(peeled);
	git_object_free(obj);
	return ok;
}

static int oid_cmp_qsort(const void *a, const void *b)
{
	return git_oid_cmp(a, b);
}

/*
 * Is `remote_name` a configured remote (and not a URL)?  Asks for its
 * url/pushurl key directly: git_remote_list() matches the config with a
 * regex, whose match data libgit2 1.5 leaks.
 */
static int is_configured_remote(git_repository *repo, const char *name)
{
	static const char *const keys[] = { "url", "pushurl" };
	git_config *cfg = NULL;
	int valid = 0, found = 0;

	if (!name || !*name || git_remote_name_is_valid(&valid, name) ||
	    !valid || git_repository_config_snapshot(&cfg, repo))
		return 0;
	for (size_t i = 0; i < PF_ARRAY_SIZE(keys) && !found; i++) {
		struct pf_buf key = PF_BUF_INIT;
		git_config_entry *e = NULL;

		pf_buf_addf(&key, "remote.%s.%s", name, keys[i]);
		found = !git_config_get_entry(&e, cfg, key.buf) && e;
		git_config_entry_free(e);
		pf_buf_release(&key);
	}
	git_config_free(cfg);
	return found;
}

struct oids {
	git_oid *v;
	size_t nr, alloc;
};

static void oids_add(struct oids *o, const git_oid *id)
{
	PF_ALLOC_GROW(o->v, o->nr + 1, o->alloc);
	git_oid_cpy(&o->v[o->nr++], id);
}

static int oids_has(const struct oids *sorted, const git_oid *id)
{
	return sorted->nr &&
	       bsearch(id, sorted->v, sorted->nr, sizeof(*id), oid_cmp_qsort);
}

static void oids_sort(struct oids *o)
{
	if (o->nr > 1)
		qsort(o->v, o->nr, sizeof(*o->v), oid_cmp_qsort);
}

/* A set of oids: open addressing, an all-zero slot is empty. */
struct oidset {
	git_oid *slot;
	size_t nr, cap;
};

static size_t oid_hash(const git_oid *id)
{
	size_t h;

	/* An object id is already uniformly distributed. */
	memcpy(&h, id->id, sizeof(h));
	return h;
}

/* 1 if `id` was added, 0 if it was there (the zero oid is never added). */
static int oidset_insert(struct oidset *s, const git_oid *id)
{
	size_t i;

	if (git_oid_is_zero(id))
		return 0;
	if (2 * (s->nr + 1) > s->cap) {
		struct oidset bigger = { NULL, 0, s->cap ? 2 * s->cap : 64 };

		bigger.slot = pf_xcalloc(bigger.cap, sizeof(*bigger.slot));
		for (i = 0; i < s->cap; i++)
			if (!git_oid_is_zero(&s->slot[i]))
				oidset_insert(&bigger, &s->slot[i]);
		free(s->slot);
		*s = bigger;
	}
	for (i = oid_hash(id) & (s->cap - 1); !git_oid_is_zero(&s->slot[i]);
	     i = (i + 1) & (s->cap - 1))
		if (git_oid_equal(&s->slot[i], id))
			return 0;
	git_oid_cpy(&s->slot[i], id);
	s->nr++;
	return 1;
}

/* Add what `hex` peels to, if this clone has it and it is a commit. */
static void add_commit(struct oids *o, git_repository *repo, const char *hex)
{
	git_oid c;
	git_object_t type;

	if (peel_commit(&c, &type, repo, hex))
		oids_add(o, &c);
}

/* The commits under refs/remotes/<remote_name>/. */
static int add_remote_refs(struct oids *o, git_repository *repo,
			   const char *remote_name)
{
	struct pf_buf glob = PF_BUF_INIT;
	git_reference_iterator *it = NULL;
	git_reference *ref;
	size_t plen;
	int ret = 0, err;

	pf_buf_addf(&glob, "refs/remotes/%s/", remote_name);
	plen = glob.len;
	pf_buf_addch(&glob, '*');
	if (git_reference_iterator_glob_new(&it, repo, glob.buf)) {
		ret = pf_error_git("cannot list remote-tracking refs");
		goto out;
	}
	while (!(err = git_reference_next(&ref, it))) {
		git_reference *resolved = NULL;

		/* The glob's '*' could match a longer remote name's refs
		 * ("origin/x" for remote "origin"): check the prefix. */
		if (!strncmp(git_reference_name(ref), glob.buf, plen) &&
		    !git_reference_resolve(&resolved, ref)) {
			char hex[GIT_OID_HEXSZ + 1];
			const git_oid *id = git_reference_target(resolved);

			if (id) {
				git_oid_tostr(hex, sizeof(hex), id);
				add_commit(o, repo, hex);
			}
		}
		git_reference_free(resolved);
		git_reference_free(ref);
	}
	if (err != GIT_ITEROVER)
		ret = pf_error_git("cannot list remote-tracking refs");
out:
	git_reference_iterator_free(it);
	pf_buf_release(&glob);
	return ret;
}

/*
 * A shallow clone's boundary commits (git's "shallow" file): they came
 * from the remote, and their parents are not here to walk.
 */
static int add_shallow_roots(struct oids *o, git_repository *repo)
{
	struct pf_buf path = PF_BUF_INIT, b = PF_BUF_INIT;
	const char *p, *end;
	int ret;

	pf_buf_addf(&path, "%s/shallow", git_repository_commondir(repo));
	ret = pf_buf_read_file(&b, path.buf, 16 << 20);
	if (ret) {
		ret = pf_error_prefix(ret, "cannot read the shallow list");
		goto out;
	}
	for (p = b.buf, end = b.buf + b.len; p + GIT_OID_HEXSZ <= end;) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		git_oid id;

		if (!git_oid_fromstrn(&id, p, GIT_OID_HEXSZ))
			oids_add(o, &id);
		if (!nl)
			break;
		p = nl + 1;
	}
out:
	pf_buf_release(&path);
	pf_buf_release(&b);
	return ret;
}

/* `tip --not <hidden>` with libgit2's revision walker (exact). */
static int walk_revwalk(struct oids *set, git_repository *repo,
			const git_oid *tip, const struct oids *hidden)
{
	git_revwalk *walk = NULL;
	git_oid id;
	int ret = 0, err;

	if (git_revwalk_new(&walk, repo) ||
	    git_revwalk_sorting(walk, GIT_SORT_NONE) ||
	    git_revwalk_push(walk, tip)) {
		ret = pf_error_git("cannot walk history");
		goto out;
	}
	for (size_t i = 0; i < hidden->nr; i++)
		if (git_revwalk_hide(walk, &hidden->v[i])) {
			ret = pf_error_git("cannot walk history");
			goto out;
		}
	while (!(err = git_revwalk_next(&id, walk)))
		oids_add(set, &id);
	if (err != GIT_ITEROVER)
		ret = pf_error_git("cannot walk history");
out:
	git_revwalk_free(walk);
	return ret;
}

/*
 * The same in a shallow clone, which libgit2 1.5 cannot walk (it follows
 * the hidden commits' parents past the boundary).  Every commit reachable
 * from tip without passing a hidden one: exact when the hidden commits
 * are where tip's history meets the remote's (the usual branch on top of
 * origin/main), otherwise it counts older remote commits as new, which
 * scans more, never less.
 */
static int walk_shallow(struct oids *set, git_repository *repo,
			const git_oid *tip, const struct oids *hidden)
{
	struct oids todo = { NULL, 0, 0 };
	struct oidset seen = { NULL, 0, 0 };
	int ret = 0;

	oids_add(&todo, tip);
	while (todo.nr) {
		git_oid id = todo.v[--todo.nr];
		git_commit *c = NULL;

		if (oids_has(hidden, &id) || !oidset_insert(&seen, &id))
			continue;
		if (git_commit_lookup(&c, repo, &id)) {
			ret = pf_error_git("cannot read commit");
			break;
		}
		oids_add(set, &id);
		for (unsigned i = 0; i < git_commit_parentcount(c); i++)
			oids_add(&todo, git_commit_parent_id(c, i));
		git_commit_free(c);
	}
	free(todo.v);
	free(seen.slot);
	return ret;
}

/*
 * What the remote does not have yet: `tip --not --remotes=<remote>` minus
 * the current remote oid of every ref in this push.  *nr gets how many
 * commits that is; when it is not 0, *has_base tells whether tip's
 * first-parent chain leaves the set, and *base is the first commit
 * outside it (the diff base: everything after it is new to the remote).
 */
struct walk_result {
	size_t nr;
	int has_base;
	git_oid base;
};

static int walk_new(struct walk_result *out, struct pf_push *p,
		    git_repository *repo, const char *remote_name,
		    const git_oid *tip)
{
	struct oids hidden = { NULL, 0, 0 }, set = { NULL, 0, 0 };
	git_commit *c = NULL;
	git_oid id;
	int ret = 0, shallow = git_repository_is_shallow(repo) == 1;

	memset(out, 0, sizeof(*out));
	/* A URL is no remote name: there are no tracking refs to trust. */
	if (is_configured_remote(repo, remote_name) &&
	    (ret = add_remote_refs(&hidden, repo, remote_name)))
		goto out;
	/* The remote has what it points at now, for every ref we push. */
	for (size_t i = 0; i < p->nr; i++)
		if (!is_zero_oid(p->v[i].remote_oid))
			add_commit(&hidden, repo, p->v[i].remote_oid);
	if (shallow && (ret = add_shallow_roots(&hidden, repo)))
		goto out;
	oids_sort(&hidden);
	ret = shallow ? walk_shallow(&set, repo, tip, &hidden)
		      : walk_revwalk(&set, repo, tip, &hidden);
	if (ret)
		goto out;
	out->nr = set.nr;
	if (!set.nr)
		goto out;
	oids_sort(&set);

	/* Follow first parents out of the set. */
	id = *tip;
	while (oids_has(&set, &id)) {
		git_commit_free(c);
		c = NULL;
		if (git_commit_lookup(&c, repo, &id)) {
			ret = pf_error_git("cannot read commit");
			goto out;
		}
		if (!git_commit_parentcount(c))
			goto out; /* a root: the empty tree */
		git_oid_cpy(&id, git_commit_parent_id(c, 0));
	}
	out->has_base = 1;
	out->base = id;
out:
	git_commit_free(c);
	free(hidden.v);
	free(set.v);
	return ret;
}

/* walk_new() for update idx; when the remote has every commit (w->nr
 * is 0), the update has nothing to scan and its note says why. */
static int walk_or_nothing(struct walk_result *w, struct pf_push *p, size_t idx,
			   git_repository *repo, const char *remote_name,
			   const git_oid *tip, const char *why)
{
	struct pf_push_update *u = &p->v[idx];
	struct pf_buf note = PF_BUF_INIT;
	int ret = walk_new(w, p, repo, remote_name, tip);

	if (ret || w->nr)
		return ret;
	u->nothing_to_scan = 1;
	pf_buf_addf(&note,
		    "%s: the remote already has every commit: nothing to "
		    "scan",
		    why);
	set_note(u, &note);
	return 0;
}

/* A new ref, or a remote oid this clone lacks, or no merge-base. */
static int resolve_walk(struct pf_push *p, size_t idx, git_repository *repo,
			const char *remote_name, const git_oid *tip,
			const char *why)
{
	struct pf_push_update *u = &p->v[idx];
	struct walk_result w;
	struct pf_buf note = PF_BUF_INIT;
	char ab[8] = "";
	int ret = walk_or_nothing(&w, p, idx, repo, remote_name, tip, why);

	if (ret || !w.nr)
		return ret;
	u->has_base = w.has_base;
	if (w.has_base) {
		git_oid_tostr(u->base_oid, sizeof(u->base_oid), &w.base);
		abbrev(ab, &w.base);
	}
	pf_buf_addf(&note, "%s: %zu commit%s the remote does not have, base %s",
		    why, w.nr, w.nr == 1 ? "" : "s",
		    w.has_base ? ab : "the empty tree");
	set_note(u, &note);
	return 0;
}

static const char *type_name(git_object_t t)
{
	return t == GIT_OBJECT_INVALID ? "nothing" : git_object_type2string(t);
}

/*
 * A forced update whose merge-base with the old remote tip is `mb`.  When
 * the branch was rebased onto newer upstream work, the merge-base lies
 * before that work and a diff from it would blame this push for other
 * people's commits; the first commit the remote already has on tip's
 * first-parent chain is then a narrower base.  Use it only when it
 * descends from the merge-base, so the scan never starts earlier.
 */
static int resolve_force(struct pf_push *p, size_t idx, git_repository *repo,
			 const char *remote_name, const git_oid *tip,
			 const git_oid *mb)
{
	struct pf_push_update *u = &p->v[idx];
	struct walk_result w;
	struct pf_buf note = PF_BUF_INIT;
	char a[8], b[8];
	int ret, desc = 0;

	/* !w.nr: reset onto commits another ref already published. */
	ret = walk_or_nothing(&w, p, idx, repo, remote_name, tip,
			      "forced update");
	if (ret || !w.nr)
		return ret;
	abbrev(a, mb);
	if (w.has_base && !git_oid_equal(&w.base, mb)) {
		desc = git_graph_descendant_of(repo, &w.base, mb);
		if (desc < 0)
			return pf_error_git("cannot compare commits");
	}
	u->has_base = 1;
	if (desc == 1) {
		git_oid_tostr(u->base_oid, sizeof(u->base_oid), &w.base);
		abbrev(b, &w.base);
		pf_buf_addf(&note,
			    "forced update: %zu commit%s the remote does not "
			    "have, base %s (rebased past the merge-base %s)",
			    w.nr, w.nr == 1 ? "" : "s", b, a);
	} else {
		git_oid_tostr(u->base_oid, sizeof(u->base_oid), mb);
		pf_buf_addf(&note,
			    "forced update: scanning from the merge-base %s",
			    a);
	}
	set_note(u, &note);
	return 0;
}

static int resolve_one(struct pf_push *p, size_t idx, git_repository *repo,
		       const char *remote_name)
{
	struct pf_push_update *u = &p->v[idx];
	struct pf_buf note = PF_BUF_INIT;
	git_oid tip, remote, base;
	git_object_t type;
	char a[8], b[8];
	int ret = 0, err, got;

	if (u->kind == PF_PUSH_FORCE) /* resolved before: decide again */
		u->kind = PF_PUSH_UPDATE;
	u->remote_known = 0;
	u->has_base = 0;
	u->nothing_to_scan = 0;
	u->base_oid[0] = u->tip_oid[0] = '\0';
	free(u->note);
	u->note = NULL;

	if (u->kind == PF_PUSH_DELETE) {
		u->nothing_to_scan = 1;
		pf_buf_addf(&note, "deleting %s: nothing to scan",
			    u->remote_ref);
		goto out;
	}
	if (!peel_commit(&tip, &type, repo, u->local_oid)) {
		if (type == GIT_OBJECT_INVALID) {
			ret = pf_error_setc(PF_ENOTFOUND,
					    "local oid %s is not in this "
					    "repository",
					    u->local_oid);
			goto out;
		}
		/* e.g. a tag of a tree or blob: there are no lines. */
		u->nothing_to_scan = 1;
		pf_buf_addf(&note,
			    "%s points at a %s, not a commit: nothing to scan",
			    u->local_ref, type_name(type));
		goto out;
	}
	git_oid_tostr(u->tip_oid, sizeof(u->tip_oid), &tip);

	if (u->kind == PF_PUSH_CREATE) {
		pf_buf_addf(&note, "new %s", u->is_tag ? "tag" : "branch");
		ret = resolve_walk(p, idx, repo, remote_name, &tip, note.buf);
		pf_buf_reset(&note);
		goto out;
	}

	got = peel_commit(&remote, &type, repo, u->remote_oid);
	u->remote_known = type != GIT_OBJECT_INVALID;
	if (!u->remote_known || !got) {
		pf_buf_addf(&note,
			    u->remote_known
				    ? "remote oid %.7s is a %s, not a commit"
				    : "remote oid %.7s is not in this clone",
			    u->remote_oid, type_name(type));
		ret = resolve_walk(p, idx, repo, remote_name, &tip, note.buf);
		pf_buf_reset(&note);
		goto out;
	}
	abbrev(a, &remote);
	abbrev(b, &tip);
	if (git_oid_equal(&remote, &tip)) {
		u->nothing_to_scan = 1;
		pf_buf_addf(&note, "the remote already has %s: nothing to scan",
			    b);
		goto out;
	}
	if (git_repository_is_shallow(repo) == 1) {
		/*
		 * Comparing histories would run past the boundary, which
		 * libgit2 1.5 fails (and leaks) on: walk what is new.
		 */
		ret = resolve_walk(p, idx, repo, remote_name, &tip,
				   "shallow clone");
		goto out;
	}
	err = git_graph_descendant_of(repo, &tip, &remote);
	if (err < 0) {
		ret = pf_error_git("cannot compare commits");
		goto out;
	}
	if (err == 1) {
		u->has_base = 1;
		git_oid_tostr(u->base_oid, sizeof(u->base_oid), &remote);
		pf_buf_addf(&note, "fast-forward %s..%s", a, b);
		goto out;
	}
	u->kind = PF_PUSH_FORCE;
	err = git_merge_base(&base, repo, &tip, &remote);
	if (err == GIT_ENOTFOUND) {
		ret = resolve_walk(p, idx, repo, remote_name, &tip,
				   "forced update of an unrelated history");
		goto out;
	}
	if (err) {
		ret = pf_error_git("cannot find the merge-base");
		goto out;
	}
	if (git_oid_equal(&base, &tip)) {
		/* Rewinding: every pushed commit is already on the remote. */
		u->nothing_to_scan = 1;
		pf_buf_addf(&note, "forced rewind to %s: nothing to scan", b);
		goto out;
	}
	ret = resolve_force(p, idx, repo, remote_name, &tip, &base);
out:
	if (note.len)
		set_note(u, &note);
	pf_buf_release(&note);
	if (ret)
		pf_error_prefix(ret, "%s", u->remote_ref);
	return ret;
}

int pf_push_resolve(struct pf_push *p, git_repository *repo,
		    const char *remote_name)
{
	for (size_t i = 0; i < p->nr; i++) {
		int ret = resolve_one(p, i, repo, remote_name);

		if (ret)
			return ret;
	}
	return 0;
}
