/*
 * The decision store (<state_dir>/decisions), which `pushfix ignored` and
 * `pushfix unignore N` show and edit.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <time.h>

#include "pushfix/decision.h"
#include "pushfix/err.h"
#include "pushfix/fs.h"
#include "pushfix/store.h"
#include "pushfix/util.h"

#define DECISIONS_FILE "decisions"
#define DECISIONS_HEADER "# pushfix decisions v1\n"
#define DECISIONS_MAX_BYTES ((size_t)16 << 20)
#define EXCERPT_MAX 60

void pf_decision_release(struct pf_decision *d)
{
	if (!d)
		return;
	free(d->date);
	free(d->rule_id);
	free(d->path);
	free(d->excerpt);
	memset(d, 0, sizeof(*d));
}

void pf_decisions_release(struct pf_decisions *ds)
{
	if (!ds)
		return;
	for (size_t i = 0; i < ds->nr; i++)
		pf_decision_release(&ds->v[i]);
	free(ds->v);
	ds->v = NULL;
	ds->nr = ds->alloc = 0;
}

static char *unescape(const char *s, size_t len)
{
	struct pf_buf b = PF_BUF_INIT;

	for (size_t i = 0; i < len; i++) {
		if (s[i] != '\\' || i + 1 == len) {
			pf_buf_addch(&b, s[i]);
			continue;
		}
		switch (s[++i]) {
		case 't':
			pf_buf_addch(&b, '\t');
			break;
		case 'n':
			pf_buf_addch(&b, '\n');
			break;
		case 'r':
			pf_buf_addch(&b, '\r');
			break;
		default:
			pf_buf_addch(&b, s[i]);
		}
	}
	return pf_buf_detach(&b, NULL);
}

static int is_fingerprint(const char *s, size_t len)
{
	if (len != 64)
		return 0;
	for (size_t i = 0; i < len; i++)
		if (!isdigit((unsigned char)s[i]) &&
		    !(s[i] >= 'a' && s[i] <= 'f'))
			return 0;
	return 1;
}

static void store_file(struct pf_buf *out, const char *state_dir)
{
	pf_buf_reset(out);
	pf_buf_addf(out, "%s/%s", state_dir, DECISIONS_FILE);
}

/*
 * Split a line at its tabs into at most `max` fields; the count, or
 * max + 1 when there are more.
 */
static size_t split_tabs(const char **field, size_t *flen, size_t max,
			 const char *line, size_t len)
{
	const char *p = line, *end = line + len;
	size_t nf = 0;

	for (;;) {
		const char *tab = memchr(p, '\t', (size_t)(end - p));

		if (nf == max)
			return max + 1;
		field[nf] = p;
		flen[nf++] = (size_t)((tab ? tab : end) - p);
		if (!tab)
			return nf;
		p = tab + 1;
	}
}

static int parse_line(struct pf_decision *d, const char *line, size_t len,
		      const char *file, size_t lineno)
{
	const char *field[5];
	size_t flen[5];

	if (split_tabs(field, flen, 5, line, len) != 5)
		return pf_error_setc(PF_EINVALID,
				     "cannot parse '%s' line %zu: expected 5 "
				     "tab-separated fields",
				     file, lineno);
	if (!is_fingerprint(field[0], flen[0]))
		return pf_error_setc(PF_EINVALID,
				     "cannot parse '%s' line %zu: '%.*s' is "
				     "not a fingerprint",
				     file, lineno,
				     (int)(flen[0] > 70 ? 70 : flen[0]),
				     field[0]);
	memset(d, 0, sizeof(*d));
	memcpy(d->fingerprint, field[0], 64);
	d->date = unescape(field[1], flen[1]);
	d->rule_id = unescape(field[2], flen[2]);
	d->path = unescape(field[3], flen[3]);
	d->excerpt = unescape(field[4], flen[4]);
	return 0;
}

/*
 * The next line of [*p, end) without its LF (nor a CR before it), or NULL
 * at the end; *p moves past it.
 */
static const char *next_line(const char **p, const char *end, size_t *len)
{
	const char *line = *p, *nl;

	if (line >= end)
		return NULL;
	nl = memchr(line, '\n', (size_t)(end - line));
	*len = (size_t)((nl ? nl : end) - line);
	*p = nl ? nl + 1 : end;
	if (*len && line[*len - 1] == '\r')
		(*len)--;
	return line;
}

int pf_decisions_load(struct pf_decisions *out, const char *state_dir)
{
	struct pf_buf file = PF_BUF_INIT, data = PF_BUF_INIT;
	size_t lineno = 0, len;
	const char *p, *end, *line;
	int ret;

	store_file(&file, state_dir);
	ret = pf_buf_read_file(&data, file.buf, DECISIONS_MAX_BYTES);
	if (ret == PF_ENOTFOUND) {
		ret = 0;
		goto out;
	}
	if (ret)
		goto out;
	p = data.buf;
	end = data.buf + data.len;
	while ((line = next_line(&p, end, &len))) {
		struct pf_decision d;

		lineno++;
		if (!len || *line == '#')
			continue;
		ret = parse_line(&d, line, len, file.buf, lineno);
		if (ret)
			goto out;
		PF_ALLOC_GROW(out->v, out->nr + 1, out->alloc);
		out->v[out->nr++] = d;
	}
out:
	pf_buf_release(&file);
	pf_buf_release(&data);
	return ret;
}

int pf_decisions_save(const struct pf_decisions *ds, const char *state_dir)
{
	struct pf_buf file = PF_BUF_INIT, data = PF_BUF_INIT;
	int ret;

	ret = pf_store_path(&file, state_dir, DECISIONS_FILE);
	if (ret)
		goto out;
	pf_buf_addstr(&data, DECISIONS_HEADER);
	for (size_t i = 0; i < ds->nr; i++) {
		const struct pf_decision *d = &ds->v[i];

		pf_buf_addf(&data, "%s\t", d->fingerprint);
		pf_buf_add_escaped(&data, d->date, PF_ESC_CR);
		pf_buf_addch(&data, '\t');
		pf_buf_add_escaped(&data, d->rule_id, PF_ESC_CR);
		pf_buf_addch(&data, '\t');
		pf_buf_add_escaped(&data, d->path, PF_ESC_CR);
		pf_buf_addch(&data, '\t');
		pf_buf_add_escaped(&data, d->excerpt, PF_ESC_CR);
		pf_buf_addch(&data, '\n');
	}
	ret = pf_write_file_atomic(file.buf, data.buf, data.len, 0600);
out:
	pf_buf_release(&file);
	pf_buf_release(&data);
	return ret;
}

int pf_decision_is_ignored(const struct pf_decisions *ds,
			   const char *fingerprint)
{
	if (!fingerprint || !*fingerprint)
		return 0;
	for (size_t i = 0; i < ds->nr; i++)
		if (!strcmp(ds->v[i].fingerprint, fingerprint))
			return 1;
	return 0;
}

int pf_decision_mark_ignored(size_t *nr_out, struct pf_findings *fs,
			     const char *state_dir)
{
	struct pf_decisions ds = PF_DECISIONS_INIT;
	size_t n = 0;
	int ret = pf_decisions_load(&ds, state_dir);

	if (ret)
		goto out;
	for (size_t i = 0; i < fs->nr; i++) {
		if (pf_decision_is_ignored(&ds, fs->v[i].fingerprint)) {
			fs->v[i].ignored = 1;
			n++;
		}
	}
out:
	if (nr_out)
		*nr_out = n;
	pf_decisions_release(&ds);
	return ret;
}

void pf_decision_excerpt(struct pf_buf *out, const char *lines)
{
	const char *p = lines ? lines : "";
	size_t len, start = out->len;

	/* The first line with something on it. */
	for (;;) {
		while (*p == ' ' || *p == '\t' || *p == '\r' || *p == '\f' ||
		       *p == '\v')
			p++;
		if (*p != '\n')
			break;
		p++;
	}
	len = strcspn(p, "\n");
	while (len && isspace((unsigned char)p[len - 1]))
		len--;
	if (len > EXCERPT_MAX) {
		len = EXCERPT_MAX - 3;
		/* Do not cut a UTF-8 sequence in two. */
		while (len && ((unsigned char)p[len] & 0xc0) == 0x80)
			len--;
		pf_buf_add(out, p, len);
		pf_buf_addstr(out, "...");
	} else {
		pf_buf_add(out, p, len);
	}
	for (size_t i = start; i < out->len; i++)
		if ((unsigned char)out->buf[i] < 0x20 || out->buf[i] == 0x7f)
			out->buf[i] = ' ';
}

int pf_decision_ignore(const char *state_dir, const struct pf_finding *f,
		       time_t now)
{
	struct pf_decisions ds = PF_DECISIONS_INIT;
	struct pf_decision *d;
	struct pf_buf ex = PF_BUF_INIT;
	char date[32];
	struct tm tm;
	int ret;

	if (!is_fingerprint(f->fingerprint, strlen(f->fingerprint)))
		return pf_error_setc(PF_EINVALID,
				     "the finding %s at %s:%u has no "
				     "fingerprint to remember",
				     f->rule_id ? f->rule_id : "?",
				     f->path ? f->path : "?", f->start.line);
	ret = pf_decisions_load(&ds, state_dir);
	if (ret || pf_decision_is_ignored(&ds, f->fingerprint))
		goto out;
	gmtime_r(&now, &tm);
	strftime(date, sizeof(date), "%Y-%m-%dT%H:%M:%SZ", &tm);
	pf_decision_excerpt(&ex, f->lines);
	PF_ALLOC_GROW(ds.v, ds.nr + 1, ds.alloc);
	d = &ds.v[ds.nr++];
	memset(d, 0, sizeof(*d));
	memcpy(d->fingerprint, f->fingerprint, 65);
	d->date = pf_xstrdup(date);
	d->rule_id = pf_xstrdup(f->rule_id ? f->rule_id : "");
	d->path = pf_xstrdup(f->path ? f->path : "");
	d->excerpt = pf_buf_detach(&ex, NULL);
	ret = pf_decisions_save(&ds, state_dir);
out:
	pf_buf_release(&ex);
	pf_decisions_release(&ds);
	return ret;
}

int pf_decision_unignore(struct pf_decision *removed, const char *state_dir,
			 size_t n)
{
	struct pf_decisions ds = PF_DECISIONS_INIT;
	int ret = pf_decisions_load(&ds, state_dir);

	if (ret)
		goto out;
	if (!n || n > ds.nr) {
		ret = pf_error_setc(PF_ENOTFOUND,
				    "no ignored finding number %zu "
				    "(`pushfix ignored` lists %zu)",
				    n, ds.nr);
		goto out;
	}
	if (removed) {
		*removed = ds.v[n - 1];
	} else {
		pf_decision_release(&ds.v[n - 1]);
	}
	memmove(&ds.v[n - 1], &ds.v[n], (ds.nr - n) * sizeof(ds.v[0]));
	ds.nr--;
	ret = pf_decisions_save(&ds, state_dir);
	if (ret && removed)
		pf_decision_release(removed);
out:
	pf_decisions_release(&ds);
	return ret;
}

/* Append s cut to at most `max` bytes (UTF-8 safe), "..." when cut. */
static void add_cut(struct pf_buf *out, const char *s, size_t max)
{
	size_t len = strlen(s);

	if (len <= max) {
		pf_buf_add(out, s, len);
		return;
	}
	len = max > 3 ? max - 3 : 0;
	while (len && ((unsigned char)s[len] & 0xc0) == 0x80)
		len--;
	pf_buf_add(out, s, len);
	pf_buf_addstr(out, "...");
}

void pf_decisions_format(struct pf_buf *out, const struct pf_decisions *ds)
{
	for (size_t i = 0; i < ds->nr; i++) {
		const struct pf_decision *d = &ds->v[i];
		size_t start = out->len, room;

		/* "  1  2024-06-01  rule" then "     path: excerpt" */
		pf_buf_addf(out, "%3zu  %.10s  ", i + 1, d->date);
		add_cut(out, d->rule_id, 80 - (out->len - start));
		pf_buf_addstr(out, "\n     ");
		start = out->len;
		add_cut(out, d->path, 40);
		room = 80 - 5 - (out->len - start);
		if (*d->excerpt && room > 8) {
			pf_buf_addstr(out, ": ");
			add_cut(out, d->excerpt, room - 2);
		}
		pf_buf_addch(out, '\n');
	}
}

/* Shared ignores (.pushfix/ignore), see decision.h. */

#define SHARED_MAX_BYTES ((size_t)4 << 20)
#define SHARED_ATTRIBUTES ".pushfix/.gitattributes"
#define SHARED_ATTRIBUTE_LINE "ignore merge=union\n"

void pf_shared_ignores_release(struct pf_shared_ignores *si)
{
	if (!si)
		return;
	for (size_t i = 0; i < si->nr; i++) {
		free(si->v[i].rule_id);
		free(si->v[i].path);
		free(si->v[i].reason);
	}
	free(si->v);
	si->v = NULL;
	si->nr = si->alloc = 0;
}

void pf_decision_shared_parse(struct pf_shared_ignores *out, const char *data,
			      size_t len, struct pf_buf *warn)
{
	const char *p = data ? data : "", *end = p + (data ? len : 0), *line;
	size_t lineno = 0, n;

	while ((line = next_line(&p, end, &n))) {
		const char *field[4];
		size_t flen[4], nf;
		struct pf_shared_ignore *e;
		const char *why = NULL;

		lineno++;
		if (!n || *line == '#')
			continue;
		nf = split_tabs(field, flen, 4, line, n);
		if (nf != 4)
			why = "expected 4 tab-separated fields (fingerprint, "
			      "rule, path, reason)";
		else if (!is_fingerprint(field[0], flen[0]))
			why = "the first field is not a fingerprint (64 "
			      "lower-case hex digits)";
		if (why) {
			if (warn)
				pf_buf_addf(warn,
					    "warning: %s line %zu: %s; line "
					    "skipped\n",
					    PF_SHARED_IGNORE_FILE, lineno, why);
			continue;
		}
		PF_ALLOC_GROW(out->v, out->nr + 1, out->alloc);
		e = &out->v[out->nr++];
		memcpy(e->fingerprint, field[0], 64);
		e->fingerprint[64] = '\0';
		e->rule_id = unescape(field[1], flen[1]);
		e->path = unescape(field[2], flen[2]);
		e->reason = unescape(field[3], flen[3]);
	}
}

int pf_decision_shared_read(struct pf_buf *out, git_repository *repo,
			    const char *tip, const char *worktree)
{
	git_oid oid;
	git_commit *c = NULL;
	git_tree *tree = NULL;
	git_tree_entry *te = NULL;
	git_blob *blob = NULL;
	struct pf_buf file = PF_BUF_INIT;
	int ret = 0;

	if (!tip || !*tip) {
		if (!worktree)
			return 0;
		pf_buf_addf(&file, "%s/%s", worktree, PF_SHARED_IGNORE_FILE);
		ret = pf_buf_read_file(out, file.buf, SHARED_MAX_BYTES);
		if (ret == PF_ENOTFOUND)
			ret = 0;
		pf_buf_release(&file);
		return ret;
	}
	/* A symlink's blob is its target's name, not an ignore file. */
	if (!repo || git_oid_fromstr(&oid, tip) ||
	    git_commit_lookup(&c, repo, &oid) || git_commit_tree(&tree, c) ||
	    git_tree_entry_bypath(&te, tree, PF_SHARED_IGNORE_FILE) ||
	    git_tree_entry_type(te) != GIT_OBJECT_BLOB ||
	    git_tree_entry_filemode(te) == GIT_FILEMODE_LINK ||
	    git_blob_lookup(&blob, repo, git_tree_entry_id(te)))
		goto out;
	if (git_blob_rawsize(blob) <= (git_object_size_t)SHARED_MAX_BYTES)
		pf_buf_add(out, git_blob_rawcontent(blob),
			   (size_t)git_blob_rawsize(blob));
out:
	git_error_clear();
	git_blob_free(blob);
	git_tree_entry_free(te);
	git_tree_free(tree);
	git_commit_free(c);
	return ret;
}

int pf_decision_mark_shared(size_t *nr_out, struct pf_findings *fs,
			    git_repository *repo, const char *tip,
			    const char *worktree, struct pf_buf *warn)
{
	struct pf_shared_ignores si = PF_SHARED_IGNORES_INIT;
	struct pf_buf data = PF_BUF_INIT;
	size_t n = 0;
	int ret = pf_decision_shared_read(&data, repo, tip, worktree);

	if (ret)
		goto out;
	pf_decision_shared_parse(&si, data.buf, data.len, warn);
	for (size_t i = 0; i < fs->nr && si.nr; i++) {
		struct pf_finding *f = &fs->v[i];

		if (f->ignored || !*f->fingerprint)
			continue;
		for (size_t j = 0; j < si.nr; j++) {
			if (!strcmp(si.v[j].fingerprint, f->fingerprint)) {
				f->ignored = 1;
				n++;
				break;
			}
		}
	}
out:
	if (nr_out)
		*nr_out = n;
	pf_shared_ignores_release(&si);
	pf_buf_release(&data);
	return ret;
}

static int cmp_lines(const void *a, const void *b)
{
	const struct pf_buf *x = a, *y = b;
	size_t n = x->len < y->len ? x->len : y->len;
	int c = memcmp(x->buf, y->buf, n);

	return c ? c : (x->len > y->len) - (x->len < y->len);
}

/*
 * The repository decides what .pushfix holds: were .pushfix, its ignore
 * or its .gitattributes a symbolic link, writing the file would copy the
 * link's target (a file of the developer's, anywhere) into the
 * repository, to be committed as told.  Refused, naming the link.
 */
static int refuse_links(const char *worktree)
{
	static const char *const names[] = { ".pushfix", PF_SHARED_IGNORE_FILE,
					     SHARED_ATTRIBUTES };
	struct pf_buf p = PF_BUF_INIT;
	struct stat st;
	int ret = 0;

	for (size_t i = 0; !ret && i < PF_ARRAY_SIZE(names); i++) {
		pf_buf_reset(&p);
		pf_buf_addf(&p, "%s/%s", worktree, names[i]);
		if (!lstat(p.buf, &st) && S_ISLNK(st.st_mode))
			ret = pf_error_setc(PF_EINVALID,
					    "'%s' is a symbolic link: pushfix "
					    "writes through none there",
					    names[i]);
	}
	pf_buf_release(&p);
	return ret;
}

/* .pushfix/.gitattributes with `ignore merge=union`, unless it says so. */
static int ensure_union_merge(const char *worktree)
{
	struct pf_buf file = PF_BUF_INIT, data = PF_BUF_INIT;
	int ret;

	pf_buf_addf(&file, "%s/%s", worktree, SHARED_ATTRIBUTES);
	ret = pf_buf_read_file(&data, file.buf, SHARED_MAX_BYTES);
	if (ret && ret != PF_ENOTFOUND)
		goto out;
	ret = 0;
	if (strstr(data.buf, "ignore merge=union"))
		goto out;
	if (data.len && data.buf[data.len - 1] != '\n')
		pf_buf_addch(&data, '\n');
	pf_buf_addstr(&data, SHARED_ATTRIBUTE_LINE);
	ret = pf_write_file_atomic(file.buf, data.buf, data.len, 0644);
out:
	pf_buf_release(&file);
	pf_buf_release(&data);
	return ret;
}

int pf_decision_share(const char *worktree, const char *fingerprint,
		      const char *rule_id, const char *path, const char *reason)
{
	struct pf_buf file = PF_BUF_INIT, data = PF_BUF_INIT;
	struct pf_buf entry = PF_BUF_INIT, dir = PF_BUF_INIT;
	struct pf_buf *lines = NULL;
	size_t nr = 0, alloc = 0, len;
	const char *p, *end, *line;
	int ret;

	if (!fingerprint || !is_fingerprint(fingerprint, strlen(fingerprint)))
		return pf_error_setc(PF_EINVALID,
				     "'%s' is not a finding's fingerprint",
				     fingerprint ? fingerprint : "");
	if (!worktree)
		return pf_error_setc(PF_EINVALID,
				     "a bare repository has no %s to write",
				     PF_SHARED_IGNORE_FILE);
	if ((ret = refuse_links(worktree)))
		return ret;
	pf_buf_addf(&file, "%s/%s", worktree, PF_SHARED_IGNORE_FILE);
	ret = pf_buf_read_file(&data, file.buf, SHARED_MAX_BYTES);
	if (ret && ret != PF_ENOTFOUND)
		goto out;
	ret = 0;
	/* Every line kept, even one this version cannot parse: it may be
	 * a teammate's, from a newer pushfix. */
	p = data.buf;
	end = data.buf + data.len;
	while ((line = next_line(&p, end, &len))) {
		if (!len)
			continue;
		if (len > 64 && !memcmp(line, fingerprint, 64) &&
		    line[64] == '\t')
			goto out; /* already shared */
		PF_ALLOC_GROW(lines, nr + 1, alloc);
		pf_buf_init(&lines[nr]);
		pf_buf_add(&lines[nr++], line, len);
	}
	pf_buf_addf(&entry, "%s\t", fingerprint);
	pf_buf_add_escaped(&entry, rule_id, PF_ESC_CR);
	pf_buf_addch(&entry, '\t');
	pf_buf_add_escaped(&entry, path, PF_ESC_CR);
	pf_buf_addch(&entry, '\t');
	pf_buf_add_escaped(&entry, reason, PF_ESC_CR);
	PF_ALLOC_GROW(lines, nr + 1, alloc);
	lines[nr++] = entry;
	pf_buf_init(&entry);
	qsort(lines, nr, sizeof(*lines), cmp_lines);
	pf_buf_reset(&data);
	for (size_t i = 0; i < nr; i++) {
		if (i && !cmp_lines(&lines[i - 1], &lines[i]))
			continue;
		pf_buf_add(&data, lines[i].buf, lines[i].len);
		pf_buf_addch(&data, '\n');
	}
	pf_buf_addf(&dir, "%s/.pushfix", worktree);
	ret = pf_mkdir_p(dir.buf, 0755);
	if (!ret)
		ret = pf_write_file_atomic(file.buf, data.buf, data.len, 0644);
	if (!ret)
		ret = ensure_union_merge(worktree);
	if (!ret)
		ret = 1;
out:
	for (size_t i = 0; i < nr; i++)
		pf_buf_release(&lines[i]);
	free(lines);
	pf_buf_release(&entry);
	pf_buf_release(&dir);
	pf_buf_release(&file);
	pf_buf_release(&data);
	return ret;
}

int pf_decision_unshare(const char *worktree, const char *fingerprint)
{
	struct pf_buf file = PF_BUF_INIT, data = PF_BUF_INIT;
	struct pf_buf kept = PF_BUF_INIT;
	size_t fl = strlen(fingerprint), len;
	const char *p, *end, *line;
	int ret = 0, removed = 0;

	if ((ret = refuse_links(worktree)))
		return ret;
	pf_buf_addf(&file, "%s/%s", worktree, PF_SHARED_IGNORE_FILE);
	ret = pf_buf_read_file(&data, file.buf, SHARED_MAX_BYTES);
	if (ret == PF_ENOTFOUND) { /* none: nothing to take back */
		pf_error_clear();
		ret = 0;
	}
	if (ret)
		goto out;
	p = data.buf;
	end = data.buf + data.len;
	while ((line = next_line(&p, end, &len))) {
		if (len > fl && !memcmp(line, fingerprint, fl) &&
		    line[fl] == '\t') {
			removed = 1;
			continue;
		}
		pf_buf_add(&kept, line, len);
		pf_buf_addch(&kept, '\n');
	}
	if (removed)
		ret = pf_write_file_atomic(file.buf, kept.buf, kept.len, 0644);
	if (!ret)
		ret = removed;
out:
	pf_buf_release(&file);
	pf_buf_release(&data);
	pf_buf_release(&kept);
	return ret;
}

void pf_decision_shared_format(struct pf_buf *out,
			       const struct pf_shared_ignores *si)
{
	for (size_t i = 0; i < si->nr; i++) {
		const struct pf_shared_ignore *e = &si->v[i];
		size_t start = out->len;

		/* "  1  rule" then "     path: reason" */
		pf_buf_addf(out, "%3zu  ", i + 1);
		add_cut(out, e->rule_id, 80 - (out->len - start));
		pf_buf_addstr(out, "\n     ");
		start = out->len;
		add_cut(out, e->path, 40);
		if (*e->reason) {
			pf_buf_addstr(out, ": ");
			add_cut(out, e->reason, 80 - 5 - (out->len - start));
		}
		pf_buf_addch(out, '\n');
	}
}

struct comment_syntax {
	const char *ext; /* ".py", or a whole base name "Dockerfile" */
	const char *open, *close;
};

static const struct comment_syntax syntaxes[] = {
	{ ".py", "# ", "" },	      { ".pyi", "# ", "" },
	{ ".rb", "# ", "" },	      { ".sh", "# ", "" },
	{ ".bash", "# ", "" },	      { ".zsh", "# ", "" },
	{ ".pl", "# ", "" },	      { ".pm", "# ", "" },
	{ ".r", "# ", "" },	      { ".yaml", "# ", "" },
	{ ".yml", "# ", "" },	      { ".toml", "# ", "" },
	{ ".tf", "# ", "" },	      { ".hcl", "# ", "" },
	{ ".ex", "# ", "" },	      { ".exs", "# ", "" },
	{ ".jl", "# ", "" },	      { ".ps1", "# ", "" },
	{ ".dockerfile", "# ", "" },  { "Dockerfile", "# ", "" },
	{ "Makefile", "# ", "" },     { ".c", "// ", "" },
	{ ".h", "// ", "" },	      { ".cc", "// ", "" },
	{ ".cpp", "// ", "" },	      { ".cxx", "// ", "" },
	{ ".hpp", "// ", "" },	      { ".hh", "// ", "" },
	{ ".m", "// ", "" },	      { ".js", "// ", "" },
	{ ".mjs", "// ", "" },	      { ".cjs", "// ", "" },
	{ ".jsx", "// ", "" },	      { ".ts", "// ", "" },
	{ ".tsx", "// ", "" },	      { ".java", "// ", "" },
	{ ".kt", "// ", "" },	      { ".kts", "// ", "" },
	{ ".scala", "// ", "" },      { ".go", "// ", "" },
	{ ".rs", "// ", "" },	      { ".cs", "// ", "" },
	{ ".swift", "// ", "" },      { ".php", "// ", "" },
	{ ".dart", "// ", "" },	      { ".groovy", "// ", "" },
	{ ".sol", "// ", "" },	      { ".proto", "// ", "" },
	{ ".sql", "-- ", "" },	      { ".lua", "-- ", "" },
	{ ".hs", "-- ", "" },	      { ".elm", "-- ", "" },
	{ ".html", "<!-- ", " -->" }, { ".htm", "<!-- ", " -->" },
	{ ".xml", "<!-- ", " -->" },  { ".vue", "<!-- ", " -->" },
	{ ".css", "/* ", " */" },     { ".scss", "// ", "" },
	{ ".clj", "; ", "" },	      { ".el", "; ", "" },
	{ ".lisp", "; ", "" },	      { ".scm", "; ", "" },
	{ ".erl", "% ", "" },	      { ".tex", "% ", "" },
	{ ".ml", "(* ", " *)" },      { ".vb", "' ", "" },
};

int pf_decision_nosemgrep_comment(struct pf_buf *out, const char *path,
				  const char *rule_id)
{
	const char *base = strrchr(path, '/');
	const char *dot;

	base = base ? base + 1 : path;
	dot = strrchr(base, '.');
	for (size_t i = 0; i < PF_ARRAY_SIZE(syntaxes); i++) {
		const struct comment_syntax *s = &syntaxes[i];
		int hit = s->ext[0] == '.' ? dot && !strcasecmp(dot, s->ext)
					   : !strcmp(base, s->ext);

		if (!hit)
			continue;
		pf_buf_addf(out, "%snosemgrep: %s%s", s->open, rule_id,
			    s->close);
		return 0;
	}
	return pf_error_setc(PF_ENOTFOUND, "no known comment syntax for '%s'",
			     base);
}
