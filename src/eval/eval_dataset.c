/*
 * eval's datasets: a directory of CASTLE-format programs, or a JSONL file
 * of findings a team labelled itself.  What the scanner and the LLM get is
 * the program with its labels blanked out, line numbers kept.
 */
#include <dirent.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <cJSON.h>

#include "pushfix/err.h"
#include "pushfix/eval.h"
#include "pushfix/util.h"

#define FILE_CAP (4u << 20)
#define MARKER "{!LINE}"

void pf_eval_init(struct pf_eval *ev)
{
	memset(ev, 0, sizeof(*ev));
	pf_buf_init(&ev->skipped);
	ev->price_in = ev->price_out = -1;
}

static void program_release(struct pf_eval_program *p)
{
	free(p->path);
	free(p->name);
	free(p->content);
	for (size_t i = 0; i < p->marks_nr; i++)
		free(p->marks[i].rule_id);
	free(p->marks);
}

void pf_eval_release(struct pf_eval *ev)
{
	if (!ev)
		return;
	for (size_t i = 0; i < ev->progs_nr; i++)
		program_release(&ev->progs[i]);
	free(ev->progs);
	free(ev->cwe);
	free(ev->cwe_ids);
	pf_buf_release(&ev->skipped);
	memset(ev, 0, sizeof(*ev));
}

static void skip(struct pf_eval *ev, const char *path, const char *why)
{
	pf_buf_addf(&ev->skipped, "%s: %s\n", path, why);
	ev->skipped_nr++;
}

static struct pf_eval_mark *add_mark(struct pf_eval_program *p, uint32_t line)
{
	struct pf_eval_mark *m;

	PF_ALLOC_GROW(p->marks, p->marks_nr + 1, p->marks_alloc);
	m = &p->marks[p->marks_nr++];
	memset(m, 0, sizeof(*m));
	m->line = line;
	return m;
}

/* ---- CASTLE ------------------------------------------------------------ */

/* The value of "key:" on a line of the header comment [s, e), or NULL. */
static const char *header_value(const char *s, const char *e, const char *key,
				size_t *vlen)
{
	size_t kl = strlen(key);

	while (s < e) {
		const char *nl = memchr(s, '\n', (size_t)(e - s));
		const char *le = nl ? nl : e, *v;

		while (s < le &&
		       (*s == ' ' || *s == '\t' || *s == '*' || *s == '/'))
			s++;
		if ((size_t)(le - s) > kl && !strncmp(s, key, kl) &&
		    s[kl] == ':') {
			for (v = s + kl + 1;
			     v < le && (*v == ' ' || *v == '\t'); v++)
				;
			while (le > v && (le[-1] == ' ' || le[-1] == '\t' ||
					  le[-1] == '\r'))
				le--;
			*vlen = (size_t)(le - v);
			return v;
		}
		s = nl ? nl + 1 : e;
	}
	return NULL;
}

/* Remove the marker and the comment that holds only it from line [s, e)
 * into out; returns 1 when the line held one. */
static int strip_marker(struct pf_buf *out, const char *s, const char *e)
{
	const char *m = s, *cut, *end;
	size_t ml = strlen(MARKER);

	while (m + ml <= e && strncmp(m, MARKER, ml))
		m++;
	if (m + ml > e) {
		pf_buf_add(out, s, (size_t)(e - s));
		return 0;
	}
	cut = m;
	end = m + ml;
	while (cut > s && (cut[-1] == ' ' || cut[-1] == '\t'))
		cut--;
	if (cut - s >= 2 && !strncmp(cut - 2, "//", 2)) {
		cut -= 2;
	} else if (cut - s >= 2 && !strncmp(cut - 2, "/*", 2)) {
		const char *c = end;

		while (c < e && (*c == ' ' || *c == '\t'))
			c++;
		if (e - c >= 2 && !strncmp(c, "*/", 2)) {
			cut -= 2;
			end = c + 2;
		}
	}
	while (cut > s && (cut[-1] == ' ' || cut[-1] == '\t'))
		cut--;
	pf_buf_add(out, s, (size_t)(cut - s));
	pf_buf_add(out, end, (size_t)(e - end));
	return 1;
}

/*
 * Label one CASTLE program from its header and markers, and blank them
 * out: the header comment's lines become empty, the markers go.  Returns
 * NULL (the program is kept) or why it is skipped.
 */
static const char *castle_parse(struct pf_eval_program *p, const char *raw,
				size_t len)
{
	const char *hs = strstr(raw, "/*"), *he, *v, *s = raw, *e = raw + len;
	struct pf_buf out = PF_BUF_INIT, num = PF_BUF_INIT;
	unsigned long cwe;
	uint32_t line = 1;
	size_t vl;
	const char *why = NULL;

	he = hs ? strstr(hs, "*/") : NULL;
	if (!hs || !he || !(v = header_value(hs, he, "vulnerable", &vl)))
		return "no label (a header comment with vulnerable: "
		       "true|false)";
	if (vl == 4 && !strncmp(v, "true", 4))
		p->vulnerable = 1;
	else if (!(vl == 5 && !strncmp(v, "false", 5)))
		return "vulnerable: is neither true nor false";
	v = header_value(hs, he, "cwe", &vl);
	if (v && vl > 4 && !strncasecmp(v, "CWE-", 4)) {
		v += 4;
		vl -= 4;
	}
	if (v)
		pf_buf_add(&num, v, vl);
	if (!v || pf_parse_ulong(&cwe, num.buf) || !cwe || cwe > 100000) {
		pf_buf_release(&num);
		return "no cwe: N in the header";
	}
	pf_buf_release(&num);
	p->cwe = (unsigned)cwe;
	p->castle = 1;
	he += 2;
	while (s < e) {
		const char *nl = memchr(s, '\n', (size_t)(e - s));
		const char *le = nl ? nl : e;

		if (le <= hs || s >= he) {
			if (strip_marker(&out, s, le)) {
				struct pf_eval_mark *m = add_mark(p, line);

				m->tp = 1;
				m->cwe = p->cwe;
			}
		} else {
			/* the header: its text before and after only */
			if (s < hs)
				pf_buf_add(&out, s, (size_t)(hs - s));
			if (le > he)
				pf_buf_add(&out, he, (size_t)(le - he));
		}
		if (nl)
			pf_buf_addch(&out, '\n');
		s = nl ? nl + 1 : e;
		line++;
	}
	if (p->vulnerable && !p->marks_nr)
		why = "vulnerable: true but no line marked " MARKER;
	else if (!p->vulnerable && p->marks_nr)
		why = "vulnerable: false but a line is marked " MARKER;
	p->content = pf_buf_detach(&out, &p->len);
	return why;
}

static int source_name(const char *name)
{
	static const char *const ext[] = { ".c",   ".h",   ".cc",
					   ".cpp", ".cxx", ".hpp" };

	for (size_t i = 0; i < PF_ARRAY_SIZE(ext); i++)
		if (pf_ends_with(name, ext[i]))
			return 1;
	return 0;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Every source file under dir/rel, as paths relative to dir. */
static int walk(const char *dir, const char *rel, char ***v, size_t *nr,
		size_t *alloc, unsigned depth)
{
	struct pf_buf path = PF_BUF_INIT;
	struct dirent *d;
	DIR *dh;
	int ret = 0;

	pf_buf_addf(&path, "%s%s%s", dir, *rel ? "/" : "", rel);
	dh = opendir(path.buf);
	if (!dh) {
		ret = pf_error_setc(PF_ENOTFOUND, "cannot read '%s'", path.buf);
		goto out;
	}
	while (!ret && (d = readdir(dh))) {
		struct pf_buf sub = PF_BUF_INIT, full = PF_BUF_INIT;
		struct stat st;

		if (d->d_name[0] == '.')
			continue;
		pf_buf_addf(&sub, "%s%s%s", rel, *rel ? "/" : "", d->d_name);
		pf_buf_addf(&full, "%s/%s", dir, sub.buf);
		if (lstat(full.buf, &st)) {
			/* gone meanwhile */
		} else if (S_ISDIR(st.st_mode) && depth < 16) {
			ret = walk(dir, sub.buf, v, nr, alloc, depth + 1);
		} else if (S_ISREG(st.st_mode) && source_name(d->d_name)) {
			PF_ALLOC_GROW(*v, *nr + 1, *alloc);
			(*v)[(*nr)++] = pf_buf_detach(&sub, NULL);
		}
		pf_buf_release(&sub);
		pf_buf_release(&full);
	}
	closedir(dh);
out:
	pf_buf_release(&path);
	return ret;
}

static int load_castle(struct pf_eval *ev, const char *dir, size_t limit,
		       struct pf_buf *all)
{
	char **names = NULL;
	size_t nr = 0, alloc = 0;
	int ret = walk(dir, "", &names, &nr, &alloc, 0);

	if (!ret && nr)
		qsort(names, nr, sizeof(*names), cmp_str);
	for (size_t i = 0; !ret && i < nr; i++) {
		struct pf_buf raw = PF_BUF_INIT, full = PF_BUF_INIT;
		struct pf_eval_program p;
		const char *why;

		if (limit && ev->progs_nr >= limit)
			break;
		memset(&p, 0, sizeof(p));
		pf_buf_addf(&full, "%s/%s", dir, names[i]);
		if (pf_buf_read_file(&raw, full.buf, FILE_CAP))
			why = pf_error_last();
		else if (memchr(raw.buf, 0, raw.len))
			why = "binary";
		else
			why = castle_parse(&p, raw.buf, raw.len);
		if (why) {
			skip(ev, names[i], why);
			p.path = NULL;
			program_release(&p);
		} else {
			struct pf_buf name = PF_BUF_INIT;
			const char *ext = strrchr(names[i], '.');

			/* in path order, like the paths */
			pf_buf_addf(&name, "p%06zu%s", ev->progs_nr + 1, ext);
			p.name = pf_buf_detach(&name, NULL);
			p.path = pf_xstrdup(names[i]);
			PF_ALLOC_GROW(ev->progs, ev->progs_nr + 1,
				      ev->progs_alloc);
			ev->progs[ev->progs_nr++] = p;
			pf_buf_add(all, names[i], strlen(names[i]) + 1);
			pf_buf_add(all, raw.buf, raw.len);
			pf_buf_addch(all, 0);
		}
		pf_buf_release(&raw);
		pf_buf_release(&full);
	}
	for (size_t i = 0; i < nr; i++)
		free(names[i]);
	free(names);
	return ret;
}

/* ---- JSONL ------------------------------------------------------------- */

static struct pf_eval_program *program_for(struct pf_eval *ev, const char *path)
{
	struct pf_eval_program *p;

	for (size_t i = 0; i < ev->progs_nr; i++)
		if (!strcmp(ev->progs[i].path, path))
			return &ev->progs[i];
	PF_ALLOC_GROW(ev->progs, ev->progs_nr + 1, ev->progs_alloc);
	p = &ev->progs[ev->progs_nr++];
	memset(p, 0, sizeof(*p));
	p->path = pf_xstrdup(path);
	return p;
}

/* Inside the root: relative, no ".." component, no empty one. */
static int safe_rel_path(const char *p)
{
	size_t n = strlen(p);

	return n && p[0] != '/' && p[n - 1] != '/' && !strstr(p, "//") &&
	       strcmp(p, "..") && strncmp(p, "../", 3) && !strstr(p, "/../") &&
	       !pf_ends_with(p, "/..");
}

/* One record; NULL or why it is malformed. */
static const char *jsonl_record(struct pf_eval *ev, const char *s, size_t n)
{
	cJSON *o = cJSON_ParseWithLength(s, n);
	const cJSON *path, *line, *label, *rule, *cwe;
	struct pf_eval_mark *m;
	const char *why = NULL;
	int tp;

	if (!cJSON_IsObject(o)) {
		why = "not a JSON object";
		goto out;
	}
	path = cJSON_GetObjectItemCaseSensitive(o, "path");
	line = cJSON_GetObjectItemCaseSensitive(o, "line");
	label = cJSON_GetObjectItemCaseSensitive(o, "label");
	rule = cJSON_GetObjectItemCaseSensitive(o, "rule_id");
	cwe = cJSON_GetObjectItemCaseSensitive(o, "cwe");
	if (!cJSON_IsString(path) || !safe_rel_path(path->valuestring)) {
		why = "\"path\" is not a relative path inside the root";
		goto out;
	}
	if (!cJSON_IsNumber(line) || line->valuedouble < 1 ||
	    line->valuedouble > 1e9 ||
	    line->valuedouble != (double)(uint32_t)line->valuedouble) {
		why = "\"line\" is not a line number";
		goto out;
	}
	if (!cJSON_IsString(label) ||
	    (strcmp(label->valuestring, "true_positive") &&
	     strcmp(label->valuestring, "false_positive"))) {
		why = "no \"label\": true_positive|false_positive";
		goto out;
	}
	if (rule && !cJSON_IsNull(rule) && !cJSON_IsString(rule)) {
		why = "\"rule_id\" is not a string";
		goto out;
	}
	tp = !strcmp(label->valuestring, "true_positive");
	m = add_mark(program_for(ev, path->valuestring),
		     (uint32_t)line->valuedouble);
	m->tp = tp;
	if (cJSON_IsString(rule))
		m->rule_id = pf_xstrdup(rule->valuestring);
	if (cJSON_IsNumber(cwe) && cwe->valuedouble >= 1 &&
	    cwe->valuedouble <= 100000)
		m->cwe = (unsigned)cwe->valuedouble;
	else if (cJSON_IsString(cwe)) {
		const char *c = cwe->valuestring;
		unsigned long u;

		if (!strncasecmp(c, "CWE-", 4))
			c += 4;
		if (!pf_parse_ulong(&u, c) && u && u <= 100000)
			m->cwe = (unsigned)u;
	}
out:
	cJSON_Delete(o);
	return why;
}

static int cmp_prog(const void *a, const void *b)
{
	return strcmp(((const struct pf_eval_program *)a)->path,
		      ((const struct pf_eval_program *)b)->path);
}

static int load_jsonl(struct pf_eval *ev, const char *file, const char *root,
		      size_t limit, struct pf_buf *all)
{
	struct pf_buf data = PF_BUF_INIT, dir = PF_BUF_INIT;
	const char *s, *e;
	size_t lineno = 0, kept = 0;
	int ret = pf_buf_read_file(&data, file, 64u << 20);

	if (ret)
		goto out;
	ev->jsonl = 1;
	if (root) {
		pf_buf_addstr(&dir, root);
	} else {
		const char *slash = strrchr(file, '/');

		if (slash)
			pf_buf_add(&dir, file, (size_t)(slash - file));
		else
			pf_buf_addch(&dir, '.');
	}
	pf_buf_add(all, data.buf, data.len);
	for (s = data.buf, e = data.buf + data.len; s < e;) {
		const char *nl = memchr(s, '\n', (size_t)(e - s));
		size_t n = nl ? (size_t)(nl - s) : (size_t)(e - s);
		const char *why;

		lineno++;
		if (n && strspn(s, " \t\r") < n) {
			why = jsonl_record(ev, s, n);
			if (why) {
				struct pf_buf where = PF_BUF_INIT;

				pf_buf_addf(&where, "%s:%zu", file, lineno);
				skip(ev, where.buf, why);
				pf_buf_release(&where);
			}
		}
		s += n + (nl ? 1 : 0);
	}
	if (ev->progs_nr)
		qsort(ev->progs, ev->progs_nr, sizeof(*ev->progs), cmp_prog);
	/* Read each file the records name; drop what cannot be read. */
	for (size_t i = 0; i < ev->progs_nr; i++) {
		struct pf_eval_program *p = &ev->progs[i];
		struct pf_buf full = PF_BUF_INIT, raw = PF_BUF_INIT;

		pf_buf_addf(&full, "%s/%s", dir.buf, p->path);
		if ((limit && kept >= limit) ||
		    pf_buf_read_file(&raw, full.buf, FILE_CAP)) {
			if (!limit || kept < limit)
				skip(ev, p->path, pf_error_last());
			program_release(p);
			p->path = NULL;
		} else {
			p->content = pf_buf_detach(&raw, &p->len);
			p->name = pf_xstrdup(p->path);
			ev->progs[kept++] = *p;
		}
		pf_buf_release(&full);
	}
	ev->progs_nr = kept;
out:
	pf_buf_release(&data);
	pf_buf_release(&dir);
	return ret;
}

int pf_eval_load(struct pf_eval *ev, const char *dataset, const char *root,
		 size_t limit)
{
	struct pf_buf all = PF_BUF_INIT;
	struct stat st;
	int ret;

	if (stat(dataset, &st))
		return pf_error_setc(PF_ENOTFOUND, "no dataset at '%s'",
				     dataset);
	if (S_ISDIR(st.st_mode))
		ret = load_castle(ev, dataset, limit, &all);
	else if (pf_ends_with(dataset, ".jsonl"))
		ret = load_jsonl(ev, dataset, root, limit, &all);
	else
		ret = pf_error_setc(PF_EINVALID,
				    "'%s' is neither a directory of programs "
				    "nor a .jsonl file",
				    dataset);
	pf_sha256_hex(ev->digest, all.buf, all.len);
	pf_buf_release(&all);
	return ret;
}
