/*
 * snippet: a finding's lines plus context, numbered and capped.
 */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "pushfix/err.h"
#include "pushfix/interval.h"
#include "pushfix/snippet.h"
#include "pushfix/util.h"

/* A line of the content: [start, start + len), '\n' excluded. */
struct line {
	const char *start;
	size_t len;
	int has_nl;
};

/* Index of the lines of content; lines[i] is line i + 1. */
struct line_index {
	struct line *v;
	size_t nr, alloc;
};

static void index_lines(struct line_index *ix, const char *content, size_t len)
{
	size_t pos = 0;

	while (pos < len) {
		const char *nl = memchr(content + pos, '\n', len - pos);
		size_t end = nl ? (size_t)(nl - content) : len;

		PF_ALLOC_GROW(ix->v, ix->nr + 1, ix->alloc);
		ix->v[ix->nr].start = content + pos;
		ix->v[ix->nr].len = end - pos;
		ix->v[ix->nr].has_nl = nl != NULL;
		ix->nr++;
		pos = nl ? end + 1 : len;
	}
}

void pf_snippet_release(struct pf_snippet *s)
{
	if (!s)
		return;
	free(s->path);
	free(s->text);
	free(s->raw);
	free(s->cut_lines);
	free(s->finding_idx);
	memset(s, 0, sizeof(*s));
}

void pf_snippets_release(struct pf_snippets *ss)
{
	if (!ss)
		return;
	for (size_t i = 0; i < ss->nr; i++)
		pf_snippet_release(&ss->v[i]);
	free(ss->v);
	ss->v = NULL;
	ss->nr = ss->alloc = 0;
}

int pf_snippet_line_cut(const struct pf_snippet *s, uint32_t line)
{
	for (size_t i = 0; i < s->cut_nr; i++)
		if (s->cut_lines[i] == line)
			return 1;
	return 0;
}

void pf_snippet_lines(struct pf_buf *out, const char *content, size_t len,
		      uint32_t first, uint32_t last)
{
	uint32_t line = 1;
	size_t pos = 0;

	if (first < 1)
		first = 1;
	while (pos < len && line < first) {
		const char *nl = memchr(content + pos, '\n', len - pos);

		if (!nl)
			return;
		pos = (size_t)(nl - content) + 1;
		line++;
	}
	while (pos < len && line <= last) {
		const char *nl = memchr(content + pos, '\n', len - pos);
		size_t end = nl ? (size_t)(nl - content) + 1 : len;

		pf_buf_add(out, content + pos, end - pos);
		pos = end;
		line++;
	}
}

/* ---- language ---- */

struct lang_map {
	const char *key;
	const char *lang;
};

static const struct lang_map ext_langs[] = {
	{ "py", "python" },
	{ "pyw", "python" },
	{ "js", "javascript" },
	{ "mjs", "javascript" },
	{ "cjs", "javascript" },
	{ "jsx", "javascript" },
	{ "ts", "typescript" },
	{ "tsx", "typescript" },
	{ "mts", "typescript" },
	{ "go", "go" },
	{ "java", "java" },
	{ "kt", "kotlin" },
	{ "kts", "kotlin" },
	{ "scala", "scala" },
	{ "groovy", "groovy" },
	{ "c", "c" },
	{ "h", "c" },
	{ "cc", "cpp" },
	{ "cpp", "cpp" },
	{ "cxx", "cpp" },
	{ "hpp", "cpp" },
	{ "hh", "cpp" },
	{ "cs", "csharp" },
	{ "rb", "ruby" },
	{ "php", "php" },
	{ "rs", "rust" },
	{ "swift", "swift" },
	{ "m", "objc" },
	{ "mm", "objc" },
	{ "sh", "bash" },
	{ "bash", "bash" },
	{ "zsh", "bash" },
	{ "ps1", "powershell" },
	{ "yml", "yaml" },
	{ "yaml", "yaml" },
	{ "json", "json" },
	{ "tf", "terraform" },
	{ "hcl", "hcl" },
	{ "sql", "sql" },
	{ "html", "html" },
	{ "htm", "html" },
	{ "xml", "xml" },
	{ "env", "dotenv" },
	{ "properties", "properties" },
	{ "ini", "ini" },
	{ "cfg", "ini" },
	{ "conf", "ini" },
	{ "toml", "toml" },
	{ "lua", "lua" },
	{ "pl", "perl" },
	{ "pm", "perl" },
	{ "r", "r" },
	{ "ex", "elixir" },
	{ "exs", "elixir" },
	{ "erl", "erlang" },
	{ "clj", "clojure" },
	{ "dart", "dart" },
	{ "vue", "vue" },
	{ "svelte", "svelte" },
	{ "sol", "solidity" },
	{ "ml", "ocaml" },
	{ "hs", "haskell" },
	{ "dockerfile", "dockerfile" },
	{ "gradle", "groovy" },
	{ "jsp", "java" },
	{ "cshtml", "csharp" },
};

static const struct lang_map name_langs[] = {
	{ "Dockerfile", "dockerfile" },
	{ "Containerfile", "dockerfile" },
	{ "Makefile", "make" },
	{ "GNUmakefile", "make" },
	{ "makefile", "make" },
	{ "Jenkinsfile", "groovy" },
	{ "Gemfile", "ruby" },
	{ "Rakefile", "ruby" },
	{ "Vagrantfile", "ruby" },
	{ ".env", "dotenv" },
	{ ".bashrc", "bash" },
	{ ".profile", "bash" },
	{ ".npmrc", "ini" },
	{ ".pypirc", "ini" },
	{ ".netrc", "text" },
};

/* Semgrep rule ids start with the language: "python.lang.security...". */
static const struct lang_map rule_langs[] = {
	{ "python", "python" },
	{ "javascript", "javascript" },
	{ "typescript", "typescript" },
	{ "go", "go" },
	{ "java", "java" },
	{ "kotlin", "kotlin" },
	{ "scala", "scala" },
	{ "c", "c" },
	{ "cpp", "cpp" },
	{ "csharp", "csharp" },
	{ "ruby", "ruby" },
	{ "php", "php" },
	{ "rust", "rust" },
	{ "swift", "swift" },
	{ "bash", "bash" },
	{ "yaml", "yaml" },
	{ "json", "json" },
	{ "terraform", "terraform" },
	{ "dockerfile", "dockerfile" },
	{ "html", "html" },
	{ "generic", "text" },
	{ "solidity", "solidity" },
	{ "ocaml", "ocaml" },
	{ "elixir", "elixir" },
	{ "lua", "lua" },
};

const char *pf_snippet_language(const char *path, const char *rule_id)
{
	const char *base, *dot;

	if (path) {
		base = strrchr(path, '/');
		base = base ? base + 1 : path;
		for (size_t i = 0; i < PF_ARRAY_SIZE(name_langs); i++)
			if (!strcmp(base, name_langs[i].key))
				return name_langs[i].lang;
		if (pf_starts_with(base, ".env.") ||
		    pf_starts_with(base, "Dockerfile."))
			return pf_starts_with(base, ".env") ? "dotenv"
							    : "dockerfile";
		dot = strrchr(base, '.');
		if (dot && dot != base) {
			for (size_t i = 0; i < PF_ARRAY_SIZE(ext_langs); i++)
				if (!strcasecmp(dot + 1, ext_langs[i].key))
					return ext_langs[i].lang;
		}
	}
	if (rule_id) {
		const char *end = strchr(rule_id, '.');
		size_t n = end ? (size_t)(end - rule_id) : strlen(rule_id);

		for (size_t i = 0; i < PF_ARRAY_SIZE(rule_langs); i++)
			if (strlen(rule_langs[i].key) == n &&
			    !strncmp(rule_id, rule_langs[i].key, n))
				return rule_langs[i].lang;
	}
	return "text";
}

/* ---- building ---- */

/*
 * Where to cut a line of `len` bytes so that at most `cap` bytes stay:
 * never inside a UTF-8 sequence, never inside a placeholder
 * (PREFIX_CATEGORY_N: upper-case letters, digits and '_').
 */
static int ph_char(char c)
{
	return (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
}

static size_t cut_point(const char *s, size_t len, size_t cap)
{
	size_t p = cap < len ? cap : len;
	size_t q = p;

	while (p > 0 && ((unsigned char)s[p] & 0xC0) == 0x80)
		p--;
	/* Cutting inside an upper-case identifier run (a placeholder may be
	 * one): cut before the run instead, unless the run is the line. */
	if (p > 0 && p < len && ph_char(s[p - 1]) && ph_char(s[p])) {
		q = p;
		while (q > 0 && ph_char(s[q - 1]))
			q--;
		if (q > 0)
			p = q;
	}
	return p;
}

static size_t line_cap_of(size_t byte_cap)
{
	size_t c;

	if (!byte_cap)
		return (size_t)-1;
	c = byte_cap / 8;
	return c < 64 ? 64 : c;
}

static unsigned digits_of(uint32_t n)
{
	unsigned d = 1;

	while (n >= 10) {
		n /= 10;
		d++;
	}
	return d;
}

/* The size `text` would have for lines first..last. */
static size_t text_size(const struct line_index *ix, uint32_t first,
			uint32_t last, size_t line_cap)
{
	size_t total = 0;
	unsigned w = digits_of(last);

	for (uint32_t l = first; l <= last; l++) {
		size_t n = ix->v[l - 1].len;

		if (n > line_cap)
			n = line_cap + 32;
		total += 2 + w + 3 + n + 1;
	}
	return total;
}

static int is_marked(const struct pf_intervals *marks, uint32_t line)
{
	return pf_intervals_overlaps(marks, line, line);
}

/*
 * Render lines first..last of ix into s, marking the lines in `marks`
 * (normalised).  Context is dropped from the far side while the text
 * exceeds byte_cap.
 */
static void render(struct pf_snippet *s, const struct line_index *ix,
		   uint32_t first, uint32_t last, uint32_t mark_first,
		   uint32_t mark_last, const struct pf_intervals *marks,
		   size_t byte_cap)
{
	struct pf_buf text = PF_BUF_INIT, raw = PF_BUF_INIT;
	size_t line_cap = line_cap_of(byte_cap);
	unsigned w;

	/* Drop context, alternately from the end farther from the marks. */
	while (byte_cap && text_size(ix, first, last, line_cap) > byte_cap) {
		uint32_t before = mark_first - first, after = last - mark_last;

		if (!before && !after)
			break;
		if (after >= before)
			last--;
		else
			first++;
		s->truncated = 1;
	}
	/* Then the marked lines themselves, from the end. */
	while (byte_cap && last > first &&
	       text_size(ix, first, last, line_cap) > byte_cap) {
		last--;
		s->truncated = 1;
	}
	w = digits_of(last);
	for (uint32_t l = first; l <= last; l++) {
		const struct line *ln = &ix->v[l - 1];
		size_t keep = ln->len;

		pf_buf_addf(&text, "%c %*u | ", is_marked(marks, l) ? '>' : ' ',
			    (int)w, (unsigned)l);
		if (ln->len > line_cap) {
			keep = cut_point(ln->start, ln->len, line_cap);
			PF_ALLOC_GROW(s->cut_lines, s->cut_nr + 1,
				      s->cut_alloc);
			s->cut_lines[s->cut_nr++] = l;
			s->truncated = 1;
		}
		pf_buf_add(&text, ln->start, keep);
		if (keep < ln->len)
			pf_buf_addf(&text, " [... %zu bytes cut]",
				    ln->len - keep);
		pf_buf_addch(&text, '\n');
		pf_buf_add(&raw, ln->start, ln->len);
		if (ln->has_nl)
			pf_buf_addch(&raw, '\n');
	}
	s->first_line = first;
	s->last_line = last;
	s->text = pf_buf_detach(&text, &s->text_len);
	s->raw = pf_buf_detach(&raw, &s->raw_len);
}

static void add_idx(struct pf_snippet *s, size_t idx)
{
	PF_ALLOC_GROW(s->finding_idx, s->finding_nr + 1, s->finding_alloc);
	s->finding_idx[s->finding_nr++] = idx;
}

/* The finding's line range clamped to the content; PF_EINVALID past it. */
static int finding_lines(const struct pf_finding *f,
			 const struct line_index *ix, uint32_t *a, uint32_t *b)
{
	uint32_t start = f->start.line ? f->start.line : 1;
	uint32_t end = f->end.line >= start ? f->end.line : start;

	if (!ix->nr || start > ix->nr)
		return pf_error_setc(PF_EINVALID,
				     "finding '%s' at %s:%u lies beyond the "
				     "last line (%zu)",
				     f->rule_id ? f->rule_id : "?",
				     f->path ? f->path : "?", (unsigned)start,
				     ix->nr);
	if (end > ix->nr)
		end = (uint32_t)ix->nr;
	*a = start;
	*b = end;
	return 0;
}

static void window(const struct line_index *ix, uint32_t a, uint32_t b,
		   unsigned context, uint32_t *first, uint32_t *last)
{
	*first = a > context ? a - context : 1;
	*last = (uint64_t)b + context > ix->nr ? (uint32_t)ix->nr : b + context;
}

int pf_snippet_build(struct pf_snippet *out, const struct pf_finding *f,
		     const char *content, size_t len, unsigned context_lines,
		     size_t byte_cap)
{
	struct line_index ix = { NULL, 0, 0 };
	struct pf_intervals marks = PF_INTERVALS_INIT;
	uint32_t a, b, first, last;
	int ret;

	pf_snippet_release(out);
	index_lines(&ix, content, len);
	ret = finding_lines(f, &ix, &a, &b);
	if (ret)
		goto out;
	window(&ix, a, b, context_lines, &first, &last);
	pf_intervals_add(&marks, a, b);
	pf_intervals_normalize(&marks);
	out->path = pf_xstrdup_or_null(f->path);
	out->language = pf_snippet_language(f->path, f->rule_id);
	render(out, &ix, first, last, a, b, &marks, byte_cap);
	add_idx(out, 0);
out:
	pf_intervals_release(&marks);
	free(ix.v);
	return ret;
}

struct pending {
	size_t idx;
	uint32_t a, b;
};

static int cmp_pending(const void *x, const void *y)
{
	const struct pending *p = x, *q = y;

	if (p->a != q->a)
		return p->a < q->a ? -1 : 1;
	if (p->b != q->b)
		return p->b < q->b ? -1 : 1;
	return p->idx < q->idx ? -1 : p->idx > q->idx;
}

int pf_snippets_build(struct pf_snippets *out, const struct pf_findings *fs,
		      const char *path, const char *content, size_t len,
		      unsigned context_lines, size_t byte_cap)
{
	struct line_index ix = { NULL, 0, 0 };
	struct pending *p = NULL;
	size_t nr = 0, alloc = 0, i = 0;
	size_t line_cap = line_cap_of(byte_cap);
	int ret = 0;

	index_lines(&ix, content, len);
	for (size_t k = 0; k < fs->nr; k++) {
		const struct pf_finding *f = &fs->v[k];

		if (!f->path || !path || strcmp(f->path, path))
			continue;
		PF_ALLOC_GROW(p, nr + 1, alloc);
		ret = finding_lines(f, &ix, &p[nr].a, &p[nr].b);
		if (ret)
			goto out;
		p[nr++].idx = k;
	}
	if (nr)
		qsort(p, nr, sizeof(*p), cmp_pending);
	while (i < nr) {
		struct pf_intervals marks = PF_INTERVALS_INIT;
		struct pf_snippet *s;
		uint32_t first, last, mfirst = p[i].a, mlast = p[i].b;
		size_t j = i + 1;

		window(&ix, p[i].a, p[i].b, context_lines, &first, &last);
		pf_intervals_add(&marks, p[i].a, p[i].b);
		/* Merge the next findings while the windows overlap or touch
		 * and the merged text still fits. */
		while (j < nr) {
			uint32_t f2, l2;

			window(&ix, p[j].a, p[j].b, context_lines, &f2, &l2);
			if (f2 > last + 1)
				break;
			if (byte_cap &&
			    text_size(&ix, first, l2 > last ? l2 : last,
				      line_cap) > byte_cap)
				break;
			if (l2 > last)
				last = l2;
			if (p[j].b > mlast)
				mlast = p[j].b;
			pf_intervals_add(&marks, p[j].a, p[j].b);
			j++;
		}
		pf_intervals_normalize(&marks);
		PF_ALLOC_GROW(out->v, out->nr + 1, out->alloc);
		s = &out->v[out->nr++];
		memset(s, 0, sizeof(*s));
		s->path = pf_xstrdup(path);
		s->language =
			pf_snippet_language(path, fs->v[p[i].idx].rule_id);
		render(s, &ix, first, last, mfirst, mlast, &marks, byte_cap);
		for (size_t k = i; k < j; k++)
			add_idx(s, p[k].idx);
		pf_intervals_release(&marks);
		i = j;
	}
out:
	free(p);
	free(ix.v);
	return ret;
}
