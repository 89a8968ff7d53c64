/*
 * Anonymisation that keeps the code intact (issue 12): names that equal a
 * language's words or common words replace nothing else; the
 * repository's names are found in every case and inside identifiers, one
 * placeholder per name, and come back spelled as they were.
 */
#include <dirent.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <cmocka.h>

#include "pushfix/buf.h"
#include "pushfix/err.h"
#include "pushfix/redact.h"
#include "pushfix/util.h"
#include "redact/redact_int.h"

/* A history whose people and remotes are named like the language. */
static void hostile_ctx(struct pf_redact_ctx *ctx)
{
	static const char *const people[] = {
		"IvanVoid",   "Use",	     "Static Void", "Char Le",
		"Return",     "Struct Size", "If Else",	    "Maria Gonzalez",
		"self",	      "Public Int",  "Let Go",	    "x",
		"Will Brown",
	};

	pf_redact_ctx_init(ctx);
	for (size_t i = 0; i < PF_ARRAY_SIZE(people); i++)
		pf_redact_ctx_add_word(ctx, PF_CAT_PERSON, people[i]);
	pf_redact_ctx_add_remote_url(ctx,
				     "git@gitvoid.example:voidworks/cJSON.git");
	pf_redact_ctx_add_remote_url(ctx, "https://github.com/static/int-main");
	pf_redact_ctx_add_remote_url(ctx, "https://github.com/use/void");
}

static char *red(struct pf_vault *v, struct pf_redact_ctx *ctx, const char *in)
{
	struct pf_buf out = PF_BUF_INIT;

	assert_int_equal(pf_redact_text(&out, v, ctx, in, strlen(in)), 0);
	return pf_buf_detach(&out, NULL);
}

/* The patterns are compiled when first tried: every one of them must
 * compile, also those no test text reaches. */
static void test_rules_compile(void **state)
{
	(void)state;
	assert_null(pf_redact_engine());
	assert_null(pf_redact_rules_compile());
	assert_null(pf_redact_rules_compile()); /* compiled once, kept */
}

static void test_language_words_stay(void **state)
{
	static const char *const stay[] = {
		"static void copy(void) { return; }\n",
		"/* difficult to use safely */ use std::io;\n",
		"if (x) { int size = sizeof(struct s); } else { char le; }\n",
		"public int main(void); let go = self.will; brown(x);\n",
		"static int main(void) {}\n",
		"Static void; STATIC VOID; static-void\n",
	};
	struct pf_redact_ctx ctx;
	struct pf_vault v;

	(void)state;
	hostile_ctx(&ctx);
	pf_vault_init(&v, NULL);
	for (size_t i = 0; i < PF_ARRAY_SIZE(stay); i++) {
		char *o = red(&v, &ctx, stay[i]);

		if (strcmp(o, stay[i]))
			fail_msg("changed: '%s' -> '%s'", stay[i], o);
		free(o);
	}
	pf_vault_release(&v);
	pf_redact_ctx_release(&ctx);
}

/* A history of thousands of authors, each added twice (the second time
 * in upper case): every one is still found, a duplicate adds nothing. */
static void test_many_authors(void **state)
{
	struct pf_redact_ctx ctx;
	struct pf_vault v;
	char *o;

	(void)state;
	pf_redact_ctx_init(&ctx);
	for (int pass = 0; pass < 2; pass++)
		for (unsigned i = 0; i < 3000; i++) {
			char name[64];

			snprintf(name, sizeof(name),
				 pass ? "QUILLON%c%c NORTHBY%u"
				      : "Quillon%c%c Northby%u",
				 'a' + i % 26, 'a' + i / 26 % 26, i);
			pf_redact_ctx_add_word(&ctx, PF_CAT_PERSON, name);
		}
	pf_vault_init(&v, NULL);
	o = red(&v, &ctx,
		"/* Quillonaa Northby0, Quillonrf Northby1499 and "
		"QUILLONRF NORTHBY1499 */\n");
	assert_string_equal(o, "/* PF_PERSON_1, PF_PERSON_2 and "
			       "PF_PERSON_2 */\n");
	free(o);
	pf_vault_release(&v);
	pf_redact_ctx_release(&ctx);
}

static void test_names_still_go(void **state)
{
	static const char *const in =
		"by Ivan Void, IvanVoid, IVANVOID, Static Void, Maria "
		"Gonzalez, Gonzalez, Will Brown\n";
	struct pf_redact_ctx ctx;
	struct pf_vault v;
	char *o;

	(void)state;
	hostile_ctx(&ctx);
	pf_vault_init(&v, NULL);
	o = red(&v, &ctx, in);
	for (const char *bad = "Ivan\0Static\0Gonzalez\0Will Brown\0"; *bad;
	     bad += strlen(bad) + 1)
		if (strstr(o, bad))
			fail_msg("'%s' leaked: %s", bad, o);
	free(o);
	pf_vault_release(&v);
	pf_redact_ctx_release(&ctx);
}

static void test_org_every_case(void **state)
{
	static const char *const in =
		"#include \"cJSON.h\"\nCJSON_PUBLIC(cJSON *) cJSON_Parse(const "
		"char *v);\ncjson_utils; cJSONLite_copy(); CJSON;\n"
		"voidworks VoidWorks VOIDWORKS_H void works\n";
	static const char *const want =
		"#include \"PF_ORG_1.h\"\nPF_ORG_1_PUBLIC(PF_ORG_1 *) "
		"PF_ORG_1_Parse(const char *v);\nPF_ORG_1_utils; "
		"PF_ORG_1Lite_copy(); PF_ORG_1;\nPF_ORG_2 PF_ORG_2 PF_ORG_2_H "
		"void works\n";
	struct pf_redact_ctx ctx;
	struct pf_vault v;
	struct pf_buf back = PF_BUF_INIT;
	char *o;

	(void)state;
	hostile_ctx(&ctx);
	pf_vault_init(&v, NULL);
	o = red(&v, &ctx, in);
	assert_string_equal(o, want);
	/* the way back: each identifier spelled as it was */
	assert_int_equal(
		pf_vault_restore(&back, &v, o, strlen(o), o, strlen(o)), 0);
	assert_string_equal(back.buf, in);
	/* identifiers the model made up: the case of the rest decides */
	pf_buf_reset(&back);
	assert_int_equal(pf_vault_restore(&back, &v,
					  "PF_ORG_1_NEW_MACRO PF_ORG_1_Delete",
					  34, NULL, 0),
			 0);
	assert_string_equal(back.buf, "CJSON_NEW_MACRO cJSON_Delete");
	pf_buf_release(&back);
	free(o);
	pf_vault_release(&v);
	pf_redact_ctx_release(&ctx);
}

/* A part of a remote's name ("cjson" of a local cjson.bundle) is found
 * in every case too (issue 12: cJSON went through, CJSON did not). */
static void test_org_part_every_case(void **state)
{
	static const char *const in =
		"cJSON_Parse CJSON_PUBLIC cjson; bundle\n";
	struct pf_redact_ctx ctx;
	struct pf_vault v;
	char *o;

	(void)state;
	pf_redact_ctx_init(&ctx);
	pf_redact_ctx_add_remote_url(&ctx, "/srv/repos/cjson.bundle");
	pf_vault_init(&v, NULL);
	o = red(&v, &ctx, in);
	assert_string_equal(
		o, "PF_ORG_1_Parse PF_ORG_1_PUBLIC PF_ORG_1; PF_ORG_2\n");
	free(o);
	pf_vault_release(&v);
	pf_redact_ctx_release(&ctx);
}

/* Every .c and .h of dir, recursively, into the callback. */
static void each_source(const char *dir, void (*fn)(const char *, void *),
			void *arg)
{
	DIR *d = opendir(dir);
	struct dirent *de;

	assert_non_null(d);
	while ((de = readdir(d))) {
		char path[1024];
		size_t l = strlen(de->d_name);

		if (de->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, de->d_name);
		if (de->d_type == DT_DIR)
			each_source(path, fn, arg);
		else if (l > 2 && (!strcmp(de->d_name + l - 2, ".c") ||
				   !strcmp(de->d_name + l - 2, ".h")))
			fn(path, arg);
	}
	closedir(d);
}

struct fidelity {
	struct pf_redact_ctx ctx;
	size_t files, bytes, changed;
};

/* Is the value (any case) one of the names of hostile_ctx()? */
static int is_identifying(const char *s, size_t n)
{
	static const char *const names[] = {
		"ivanvoid",   "ivan void", "static void", "maria gonzalez",
		"gonzalez",   "maria",	   "voidworks",	  "cjson",
		"will brown", "char le",   "struct size", "if else",
		"public int", "let go",	   "int-main",	  "gitvoid",
	};

	for (size_t i = 0; i < PF_ARRAY_SIZE(names); i++)
		if (strlen(names[i]) == n && !strncasecmp(names[i], s, n))
			return 1;
	return 0;
}

static void one_file(const char *path, void *arg)
{
	struct fidelity *f = arg;
	struct pf_buf in = PF_BUF_INIT, out = PF_BUF_INIT, back = PF_BUF_INIT;
	struct pf_vault v, base;

	assert_int_equal(pf_buf_read_file(&in, path, 16 << 20), 0);
	/* what the detectors replace without any name: not this test's */
	pf_vault_init(&base, NULL);
	assert_int_equal(pf_redact_text(&out, &base, NULL, in.buf, in.len), 0);
	pf_buf_reset(&out);
	pf_vault_init(&v, NULL);
	assert_int_equal(pf_redact_text(&out, &v, &f->ctx, in.buf, in.len), 0);
	for (size_t i = 0; i < v.nr; i++) {
		const struct pf_vault_entry *e = &v.v[i];
		size_t l = e->original_len < 63 ? e->original_len : 63;
		char low[64];

		int found = 0;

		for (size_t k = 0; k < base.nr && !found; k++)
			found = base.v[k].original_len == e->original_len &&
				!memcmp(base.v[k].original, e->original,
					e->original_len);
		if (found)
			continue;
		for (size_t k = 0; k < l; k++)
			low[k] = (char)((e->original[k] >= 'A' &&
					 e->original[k] <= 'Z')
						? e->original[k] + 32
						: e->original[k]);
		low[l] = '\0';
		if (pf_redact_is_common_word(low, l))
			fail_msg("%s: '%s' replaced as %s", path, e->original,
				 e->placeholder);
		/* a person may be named in a comment ("by Jane, ..."); an
		 * organisation is one of the remotes' */
		if (e->cat == PF_CAT_ORG &&
		    !is_identifying(e->original, e->original_len))
			fail_msg("%s: '%s' replaced as %s", path, e->original,
				 e->placeholder);
	}
	/* byte-identical outside the values: the way back is exact */
	assert_int_equal(
		pf_vault_restore(&back, &v, out.buf, out.len, out.buf, out.len),
		0);
	if (back.len != in.len || memcmp(back.buf, in.buf, in.len))
		fail_msg("%s: the way back differs", path);
	f->files++;
	f->bytes += in.len;
	f->changed += v.nr;
	pf_buf_release(&in);
	pf_buf_release(&out);
	pf_buf_release(&back);
	pf_vault_release(&v);
	pf_vault_release(&base);
}

static void test_own_sources_intact(void **state)
{
	struct fidelity f;

	(void)state;
	memset(&f, 0, sizeof(f));
	hostile_ctx(&f.ctx);
	each_source("src", one_file, &f);
	each_source("include", one_file, &f);
	assert_true(f.files > 50);
	pf_redact_ctx_release(&f.ctx);
}

static void test_common_word_list(void **state)
{
	(void)state;
	for (const char *w = "void\0static\0use\0self\0fn\0func\0def\0"
			     "elif\0esac\0fi\0guard\0struct\0works\0";
	     *w; w += strlen(w) + 1)
		if (!pf_redact_is_common_word(w, strlen(w)))
			fail_msg("'%s' is not a common word", w);
	assert_false(pf_redact_is_common_word("gonzalez", 8));
	assert_false(pf_redact_is_common_word("voidworks", 9));
}

/* Bad input loses nothing: thousands of authors, one-letter names,
 * regex metacharacters, bytes that are not UTF-8, remotes with no owner. */
/* quote_end() as it was, one byte at a time: the reference. */
static size_t quote_end_ref(const char *t, size_t n, size_t q)
{
	for (size_t k = q + 1; k < n && k - q < 4096; k++) {
		if (t[k] == '\\') {
			k++;
			continue;
		}
		if (t[k] == '\n')
			return 0;
		if (t[k] == t[q])
			return k;
	}
	return 0;
}

/*
 * quote_end() reads 16 bytes at a time: the same ends as a byte at a
 * time, with escapes, newlines and quotes on either side of a block's
 * edge, at the end of the text and around its 4096-byte limit.
 */
static void test_quote_end_blocks(void **state)
{
	static const char alpha[] = "ab\\\"'\n";
	size_t n = 4200;
	char *t = malloc(n);
	unsigned r = 12345;

	(void)state;
	assert_non_null(t);
	for (int round = 0; round < 400; round++) {
		/* mostly letters, few of the bytes quote_end() stops at */
		for (size_t i = 0; i < n; i++) {
			r = r * 1103515245u + 12345u;
			t[i] = (r >> 16) % (round % 4 ? 40u : 400u) < 6
				       ? alpha[(r >> 8) % 6]
				       : 'x';
		}
		t[0] = round % 2 ? '"' : '\'';
		for (size_t q = 0; q < n; q += 1 + round % 37)
			if (t[q] == '"' || t[q] == '\'')
				for (size_t len = q + 1; len <= n;
				     len += len < q + 40 ? 1 : 97)
					if (quote_end(t, len, q) !=
					    quote_end_ref(t, len, q))
						fail_msg("round %d q %zu n %zu",
							 round, q, len);
	}
	/* a literal that closes at 4095 bytes, one at 4096 */
	memset(t, 'x', n);
	t[0] = '"';
	t[4095] = '"';
	assert_int_equal(quote_end(t, n, 0), 4095);
	t[4095] = 'x';
	t[4096] = '"';
	assert_int_equal(quote_end(t, n, 0), 0);
	free(t);
}

/*
 * pf_redact_b64_end() reads 16 bytes at a time: every byte value, at
 * every place of a run and near the end of the text, ends the run where
 * the class table (C_B64) says.
 */
static void test_b64_end_blocks(void **state)
{
	char t[48];

	(void)state;
	assert_null(pf_redact_engine());
	for (unsigned c = 0; c < 256; c++)
		for (size_t at = 0; at < sizeof(t); at++)
			for (size_t n = at; n <= sizeof(t); n += 7) {
				size_t want = 0;

				memset(t, 'Q', sizeof(t));
				t[at] = (char)c;
				while (want < n && IS(t[want], C_B64))
					want++;
				if (pf_redact_b64_end(t, n, 0) != want)
					fail_msg("byte %u at %zu, n %zu", c,
						 at, n);
			}
}

static void test_bad_names(void **state)
{
	static const char *const odd[] = {
		"a",	    "Z",
		"A.*(b)",   "[Bob]+",
		"\\d{3}",   "Jos\xe9 M\xfcller",
		"\xff\xfe", "O'Brien-Smith",
		"  ",	    "",
	};
	static const char *const urls[] = {
		"https://host.example/",
		"git@host.example:repo.git",
		"file:///",
		"ssh://",
		"/",
		"C:\\",
		"::::",
	};
	static const char *const in =
		"int a = Z; /* A.*(b) [Bob]+ by Jos\xe9 M\xfcller, "
		"O'Brien-Smith and Person 4321 Dev */ static void use(void);\n";
	struct pf_redact_ctx ctx;
	struct pf_vault v;
	struct pf_buf out = PF_BUF_INIT, back = PF_BUF_INIT;
	char name[64];

	(void)state;
	pf_redact_ctx_init(&ctx);
	for (int i = 0; i < 5000; i++) {
		snprintf(name, sizeof(name), "Person %d Dev", i);
		pf_redact_ctx_add_word(&ctx, PF_CAT_PERSON, name);
	}
	for (size_t i = 0; i < PF_ARRAY_SIZE(odd); i++)
		pf_redact_ctx_add_word(&ctx, PF_CAT_PERSON, odd[i]);
	for (size_t i = 0; i < PF_ARRAY_SIZE(urls); i++)
		pf_redact_ctx_add_remote_url(&ctx, urls[i]);
	pf_vault_init(&v, NULL);
	assert_int_equal(pf_redact_text(&out, &v, &ctx, in, strlen(in)), 0);
	for (const char *bad = "Jos\xe9\0M\xfcller\0O'Brien\0Person 4321\0";
	     *bad; bad += strlen(bad) + 1)
		if (strstr(out.buf, bad))
			fail_msg("'%s' leaked: %s", bad, out.buf);
	assert_non_null(strstr(out.buf, "int a = Z;"));
	assert_non_null(strstr(out.buf, "static void use(void);"));
	assert_int_equal(
		pf_vault_restore(&back, &v, out.buf, out.len, out.buf, out.len),
		0);
	assert_string_equal(back.buf, in);
	pf_buf_release(&out);
	pf_buf_release(&back);
	pf_vault_release(&v);
	pf_redact_ctx_release(&ctx);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_common_word_list),
		cmocka_unit_test(test_rules_compile),
		cmocka_unit_test(test_many_authors),
		cmocka_unit_test(test_language_words_stay),
		cmocka_unit_test(test_names_still_go),
		cmocka_unit_test(test_org_every_case),
		cmocka_unit_test(test_org_part_every_case),
		cmocka_unit_test(test_own_sources_intact),
		cmocka_unit_test(test_bad_names),
		cmocka_unit_test(test_quote_end_blocks),
		cmocka_unit_test(test_b64_end_blocks),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
