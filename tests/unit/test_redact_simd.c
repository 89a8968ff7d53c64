/*
 * The scanner's two classifiers (issue 12 item 4): where the CPU has
 * AVX-512, pf_redact_scan() classifies 64 bytes with it and flags the
 * bytes of a word from folded byte pairs, a superset of the SSE2
 * classifier's exact pairs, and skips the words that come to nothing.
 * Both must give byte-identical redactions, secrets and placeholders:
 * every detector's piece at every offset of a block, next to every byte
 * that ends a word, and this project's own sources.
 * PUSHFIX_REDACT_SIMD=sse2 selects the SSE2 one.  And the sort of the
 * spans, against a stable reference.
 */
#include <dirent.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "pushfix/buf.h"
#include "pushfix/err.h"
#include "pushfix/redact.h"
#include "pushfix/util.h"
#include "redact/redact_int.h"

/* One of every detector, and names beside what ends a word. */
static const char *const pieces[] = {
	"ghp_Zx8aQ2wE4rT6yU8iO0pA2sD4fG6hJ8kL0zX2",
	"AKIAIOSFODNN7EXAMPLQ",
	"xoxb-123456789012-1234567890123-AbCdEfGhIjKlMnOpQrStUvWx",
	"-----BEGIN RSA PRIVATE KEY-----\nMIIEowIBAAKCAQEAx8aQ2wE4rT6yU8iO0pA"
	"2sD4fG6hJ8kL0zX2c\n-----END RSA PRIVATE KEY-----\n",
	"password = \"hunter2hunter2x\";",
	"api_key: 'a8f3c1d9e7b5a3f1c9d7e5b3a1f9c7d5'",
	"db.secret_token=Qw3rTy9uIoP1aSdF",
	"curl -u admin:s3cr3tPassw0rd https://x.example.com",
	"https://deploy:Tr0ub4dor3x@git.internal.example.com/a/b.git",
	"mail maria.gonzalez@example.org today",
	"10.20.30.40:8080 and fe80::1ff:fe23:4567:890a",
	"ssh build01.corp.example.net",
	"/home/alice/src and C:\\Users\\bob\\x and C:\\\\Users\\\\carol",
	"(c) 2020 Maria Gonzalez",
	"\xc2\xa9 2021 Ann Lee",
	"Copyright 2019 Will Brown <will@example.com>",
	"Author: Ivan Void",
	"@ivanvoid said",
	"cJSON_Parse(CJSON_PUBLIC(cjson_x)) cJSONLite_copy",
	"Sean O'Brien, J. Doe; ann-lee.x ANN_LEE annLee",
	"PF_PERSON_1 pf_x PF_ORG_2_y",
	"aGVsbG8gd29ybGQgdGhpcyBpcyBhIHNlY3JldCB2YWx1ZQ==",
	"\"abcdefgh\" + \"ijklmnop\" \"qrstuvwx\"",
	"logging.info(req.params.id); token.value; a-b-c x/y a+b",
	"key = 0x8f3a9c1e7b5d2f4a6c8e0b1d3f5a7c9e",
	"maria gonzalez wrote this; MARIA GONZALEZ; Gonzalez, Maria",
	"\xc3\xa9t\xc3\xa9 J\xc3\xb6rg M\xc3\xbcller",
	"os.path.join(a); cfg.db.password = 'Xy7kL9mN2qRt'; u.token.v = 1;",
	"req.params.id) api.example.io; x.y.Z a.b(c) n.de; see.me.uk",
	"s = \"a\\\"b\" + 'it\\'s' + `t${x}`; \"\" ''",
	/* names alone, where nothing else would look */
	"ask Will today; Kolvak2 said; berinh x; Cirino y; lee z",
	"int konvak1 = kolvak12_x + will; // Aarina",
	"_Will _kolvak2 __Cirino__ _PF_PERSON_1 _pf_x (_Lee)",
	/* attributions of people no list knows */
	"Copyright 2019 Zed Quux\n Copyright: Ada Obi; copyrighted by Kim",
	"bot 123456789:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsawq x",
};

/* What ends or joins a word, each after a name. */
static const char enders[] = " \t\n()[]{}.,;:'\"-_/+=*&|!?<>@#$%^~`\\0";

static void ctx_of(struct pf_redact_ctx *ctx)
{
	static const char *const people[] = {
		"Maria Gonzalez", "Will Brown", "Ivan Void",   "Ann Lee",
		"Sean O'Brien",	  "J. Doe",	"J\xc3\xb6rg", "x",
	};
	char name[64];

	pf_redact_ctx_init(ctx);
	for (size_t i = 0; i < PF_ARRAY_SIZE(people); i++)
		pf_redact_ctx_add_word(ctx, PF_CAT_PERSON, people[i]);
	/* many authors: most byte pairs start some name */
	for (unsigned k = 0; k < 150; k++) {
		snprintf(name, sizeof(name), "%c%crin%c Ko%cvak%u",
			 'A' + k % 26, "aeiou"[k % 5], 'a' + k * 7 % 26,
			 "ln"[k % 2], k);
		pf_redact_ctx_add_word(ctx, PF_CAT_PERSON, name);
	}
	pf_redact_ctx_add_remote_url(ctx,
				     "https://github.com/DaveGamble/cJSON.git");
	pf_redact_ctx_allow_hosts(ctx, "github.com");
}

/* The redaction of text, and its secrets, with PUSHFIX_REDACT_SIMD =
 * simd (NULL: unset), as one string. */
static char *run(struct pf_redact_ctx *ctx, const char *simd, const char *t,
		 size_t n)
{
	struct pf_buf out = PF_BUF_INIT;
	struct pf_secret_hit *hits = NULL;
	struct pf_vault v;
	size_t nr = 0;

	if (simd)
		assert_int_equal(setenv("PUSHFIX_REDACT_SIMD", simd, 1), 0);
	else
		assert_int_equal(unsetenv("PUSHFIX_REDACT_SIMD"), 0);
	pf_vault_init(&v, NULL);
	assert_int_equal(pf_redact_text(&out, &v, ctx, t, n), 0);
	assert_int_equal(pf_redact_find_secrets(&hits, &nr, t, n), 0);
	for (size_t i = 0; i < nr; i++)
		pf_buf_addf(&out, "\n%zu-%zu %s", hits[i].start, hits[i].end,
			    hits[i].kind);
	free(hits);
	pf_vault_release(&v);
	unsetenv("PUSHFIX_REDACT_SIMD");
	return pf_buf_detach(&out, NULL);
}

/* Both classifiers on t: the same bytes out; how many secrets or
 * placeholders the wide one gave (that the corpus has some). */
static size_t same(struct pf_redact_ctx *ctx, const char *t, size_t n)
{
	char *a = run(ctx, "sse2", t, n), *b = run(ctx, NULL, t, n);
	size_t ph = 0;

	if (strcmp(a, b)) {
		size_t k = 0;

		while (a[k] == b[k])
			k++;
		fail_msg("classifiers differ at byte %zu:\nsse2: %.80s\nwide: "
			 "%.80s",
			 k, a + k, b + k);
	}
	for (const char *p = b; (p = strstr(p, "PF_")); p++)
		ph++;
	free(a);
	free(b);
	return ph;
}

static void skip_narrow(void)
{
	if (!pf_redact_wide()) {
		print_message("no AVX-512 BW/VBMI here: one classifier\n");
		skip();
	}
}

/* Every piece at every offset of a 64-byte block, alone and after a
 * word that runs into it, then the names before every ender. */
static void test_pieces_everywhere(void **state)
{
	struct pf_redact_ctx ctx, bare;
	struct pf_buf t = PF_BUF_INIT;
	size_t ph = 0;

	(void)state;
	skip_narrow();
	ctx_of(&ctx);
	/* and with no names at all (the other table of pairs) */
	pf_redact_ctx_init(&bare);
	for (size_t i = 0; i < PF_ARRAY_SIZE(pieces); i++) {
		for (unsigned off = 0; off < 70; off++) {
			pf_buf_reset(&t);
			for (unsigned k = 0; k < off; k++)
				pf_buf_addch(&t, k % 9 == 8 ? ' ' : 'q');
			pf_buf_addstr(&t, pieces[i]);
			pf_buf_addstr(&t, off % 2 ? "\n" : "");
			ph += same(&ctx, t.buf, t.len);
			ph += same(&bare, t.buf, t.len);
		}
	}
	pf_redact_ctx_release(&bare);
	pf_buf_reset(&t);
	for (size_t e = 0; e < sizeof(enders) - 1; e++) {
		pf_buf_addf(&t, "Gonzalez%cWill%cbrown%cAnn%c", enders[e],
			    enders[e], enders[e], enders[e]);
		pf_buf_addf(&t, "Arinh Kolvak0%c x%c", enders[e], enders[e]);
	}
	ph += same(&ctx, t.buf, t.len);
	assert_true(ph > 1000); /* the pieces were redacted */
	pf_buf_release(&t);
	pf_redact_ctx_release(&ctx);
}

static void each_file(const char *dir, struct pf_redact_ctx *ctx,
		      size_t *files)
{
	DIR *d = opendir(dir);
	struct dirent *de;

	assert_non_null(d);
	while ((de = readdir(d))) {
		char path[1024];
		struct pf_buf b = PF_BUF_INIT;

		if (de->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, de->d_name);
		if (de->d_type == DT_DIR) {
			each_file(path, ctx, files);
			continue;
		}
		assert_int_equal(pf_buf_read_file(&b, path, 1 << 24), 0);
		(void)same(ctx, b.buf, b.len);
		(*files)++;
		pf_buf_release(&b);
	}
	closedir(d);
}

/* Real code: this project's sources, headers and unit tests. */
static void test_own_sources(void **state)
{
	struct pf_redact_ctx ctx;
	size_t files = 0;

	(void)state;
	skip_narrow();
	ctx_of(&ctx);
	each_file("src", &ctx, &files);
	each_file("include", &ctx, &files);
	assert_true(files > 100);
	pf_redact_ctx_release(&ctx);
}

/* A stable sort by start, for reference: insertion, each span after
 * every earlier one of its start. */
static void ref_sort(struct span *v, size_t n)
{
	for (size_t i = 1; i < n; i++) {
		struct span x = v[i];
		size_t j = i;

		while (j > 0 && v[j - 1].a > x.a) {
			v[j] = v[j - 1];
			j--;
		}
		v[j] = x;
	}
}

static unsigned long long sort_rng = 88172645463325252ULL;

static unsigned rnd(unsigned n)
{
	sort_rng ^= sort_rng << 13;
	sort_rng ^= sort_rng >> 7;
	sort_rng ^= sort_rng << 17;
	return (unsigned)(sort_rng % n);
}

/*
 * pf_redact_sort_spans() against a stable sort, on the shapes the
 * scanner makes (nearly sorted, a sorted second run of names, starts
 * equal across the two, one far back, random): equal starts must keep
 * their order (b numbers the spans as they came).
 */
static void test_sort_spans_stable(void **state)
{
	struct span *tmp = NULL;
	size_t tmp_alloc = 0;

	(void)state;
	for (unsigned shape = 0; shape < 6; shape++) {
		for (unsigned round = 0; round < 40; round++) {
			size_t n = 1 + rnd(3000), tail = shape >= 2 ? n / 3 : 0;
			struct spans sp = { pf_xcalloc(n, sizeof(struct span)),
					    n, n };
			struct span *want = pf_xcalloc(n, sizeof(*want));
			uint32_t pos = 0;

			for (size_t i = 0; i < n - tail; i++) {
				pos += rnd(shape == 5 ? 1 : 4);
				sp.v[i].a = pos;
				/* a few a little behind, one far */
				if (shape != 0 && rnd(5) == 0 && i > 3)
					sp.v[i].a = sp.v[i - 1 - rnd(3)].a;
				if (shape == 3 && i == n / 2)
					sp.v[i].a = pos / 3;
			}
			for (size_t i = n - tail; i < n; i++) {
				/* a second run: from the start again, some
				 * starts equal to the first run's */
				sp.v[i].a = shape == 4 ? sp.v[rnd((unsigned)(n - tail))].a
						       : (uint32_t)((i - (n - tail)) * 3);
			}
			if (shape == 5)
				for (size_t i = 0; i < n; i++)
					sp.v[i].a = rnd(500);
			for (size_t i = 0; i < n; i++) {
				sp.v[i].b = (uint32_t)i;
				sp.v[i].cat = (unsigned char)(i % 7);
			}
			memcpy(want, sp.v, n * sizeof(*want));
			ref_sort(want, n);
			pf_redact_sort_spans(&sp, &tmp, &tmp_alloc);
			for (size_t i = 0; i < n; i++)
				if (sp.v[i].a != want[i].a ||
				    sp.v[i].b != want[i].b)
					fail_msg("shape %u: span %zu is %u/%u, "
						 "want %u/%u",
						 shape, i, sp.v[i].a, sp.v[i].b,
						 want[i].a, want[i].b);
			free(sp.v);
			free(want);
		}
	}
	free(tmp);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_pieces_everywhere),
		cmocka_unit_test(test_own_sources),
		cmocka_unit_test(test_sort_spans_stable),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
