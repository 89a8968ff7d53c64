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
	/* literals the block's masks close (or not): an escaped quote, a
	 * line's end, a hex secret, literals joined */
	"x = \"a\\\"\" + \"AKIAIOSF\" + \"ODNN7EXAMPLQ\"; k = \"a8f3c1d9e7b5a3f1\"",
	"y = 'ab\ncd' + 'AKIAIOSF' + 'ODNN7EXAMPLQ'; `a8f3c1d9e7b5a3f1`",
	"z = 'x\n' + 'a8f3c1d9e7b5a3f1';",
	"w = \"a'\" + \"AKIAIOSF\" + \"ODNN7EXAMPLQ\";",
	/* dots before a lower-case run of 1, 2, 11, 12 bytes */
	"a.b) x.io) y.example.io a.abcdefghijk) a.abcdefghijkl) n.de",
	/* words after base64 bytes, in runs of 15, 16 and 17 bytes: the
	 * wide loop skips those whose run is shorter than 16 */
	"return -1; x-1; a=b; /api/v1/orders/:id i+2",
	"-aGVsbG8gd29y1; -aGVsbG8gd29yb1; -aGVsbG8gd29ybG1;",
	"/c2VjcmV0OnBh/x; +c2VjcmV0OnBhc3/x; =c2VjcmV0OnBhc3M/q7",
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

/* PUSHFIX_REDACT_SIMD = simd, or unset (NULL). */
static void simd_env(const char *simd)
{
	if (simd)
		assert_int_equal(setenv("PUSHFIX_REDACT_SIMD", simd, 1), 0);
	else
		assert_int_equal(unsetenv("PUSHFIX_REDACT_SIMD"), 0);
}

/* The redaction of t with PUSHFIX_REDACT_SIMD = simd and the vault
 * prefix (NULL: the default), and the vault, as one string. */
static char *run_prefix(struct pf_redact_ctx *ctx, const char *simd,
			const char *prefix, const char *t, size_t n)
{
	struct pf_buf out = PF_BUF_INIT;
	struct pf_vault v;

	simd_env(simd);
	pf_vault_init(&v, prefix);
	assert_int_equal(pf_redact_text(&out, &v, ctx, t, n), 0);
	for (size_t i = 0; i < v.nr; i++) {
		pf_buf_addf(&out, "\n%s=", v.v[i].placeholder);
		pf_buf_add(&out, v.v[i].original, v.v[i].original_len);
	}
	pf_vault_release(&v);
	simd_env(NULL);
	return pf_buf_detach(&out, NULL);
}

/* That, and the secrets of t, as one string. */
static char *run(struct pf_redact_ctx *ctx, const char *simd, const char *t,
		 size_t n)
{
	struct pf_buf out = PF_BUF_INIT;
	struct pf_secret_hit *hits = NULL;
	size_t nr = 0;
	char *r = run_prefix(ctx, simd, NULL, t, n);

	pf_buf_addstr(&out, r);
	free(r);
	simd_env(simd);
	assert_int_equal(pf_redact_find_secrets(&hits, &nr, t, n), 0);
	simd_env(NULL);
	for (size_t i = 0; i < nr; i++)
		pf_buf_addf(&out, "\n%zu-%zu %s", hits[i].start, hits[i].end,
			    hits[i].kind);
	free(hits);
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

/* t: off bytes of filler words, then piece (at every offset of a
 * block, each piece crosses its edge somewhere). */
static void at_offset(struct pf_buf *t, unsigned off, const char *piece)
{
	pf_buf_reset(t);
	for (unsigned k = 0; k < off; k++)
		pf_buf_addch(t, k % 9 == 8 ? ' ' : 'q');
	pf_buf_addstr(t, piece);
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
			at_offset(&t, off, pieces[i]);
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

/*
 * Names whose 2nd or 3rd byte is not ASCII, in a context where no short
 * name shares their first pair (the review found the wide classifier
 * coding 0xc3 as 'C' there: "J\xc3\xb6rg" went out as it was).
 */
static void test_names_not_ascii(void **state)
{
	static const char *const texts[] = {
		"x J\xc3\xb6rg y", "M\xc3\xbcller", "Zo\xc3\xab and Jo\xc3\xabl",
		"j\xc3\xb6rg_m\xc3\xbcller = 1; // J\xc3\x96RG",
	};
	struct pf_redact_ctx ctx;
	struct pf_buf t = PF_BUF_INIT;
	size_t ph = 0;

	(void)state;
	skip_narrow();
	pf_redact_ctx_init(&ctx);
	pf_redact_ctx_add_word(&ctx, PF_CAT_PERSON, "J\xc3\xb6rg M\xc3\xbcller");
	pf_redact_ctx_add_word(&ctx, PF_CAT_PERSON, "Zo\xc3\xab Jo\xc3\xabl");
	for (size_t i = 0; i < PF_ARRAY_SIZE(texts); i++) {
		for (unsigned off = 0; off < 70; off++) {
			at_offset(&t, off, texts[i]);
			ph += same(&ctx, t.buf, t.len);
		}
	}
	assert_true(ph > 100); /* the names were replaced */
	pf_buf_release(&t);
	pf_redact_ctx_release(&ctx);
}

/* ---- random texts, both classifiers (after the review's fuzzer) ---- */

static unsigned long long rng_state = 88172645463325252ULL;

static unsigned rnd(unsigned n)
{
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 7;
	rng_state ^= rng_state << 17;
	return (unsigned)(rng_state % n);
}

/* Pieces of every kind a text is made of. */
static const char *const toks[] = {
	"ghp_Zx8aQ2wE4rT6yU8iO0pA2sD4fG6hJ8kL0zX2", "AKIAIOSFODNN7EXAMPLQ",
	"xoxb-123456789012-1234567890123-AbCdEfGhIjKl",
	"sk-AbCdEfGhIjKlMnOpQrStUv12", "sig=AbCdEfGhIjKlMnOpQrStUv12==",
	"123456789:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsawq",
	"MTIzNDU2Nzg5MDEyMzQ1Njc4.GaBcDe.abcdefghijklmnopqrstuvwxyz01234",
	"eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0In0.abcdefghijklmnopqrstuv",
	"password", "pwd", "pw", "secret", "token", "key", "api_key",
	"apiKey", "auth", "credentials", "login", "connect", "salt", "dsn",
	"sig", "Copyright", "copyright", "(c)", "(C)", "@author", "\xc2\xa9",
	"Co", "const", "context", "logging", "params", "NULL", "Main", "nil",
	"Maria", "Gonzalez", "Will", "Brown", "Kolvak12", "O'Brien", "J.",
	"J\xc3\xb6rg", "M\xc3\xbcller", "Zo\xc3\xab", "maria_gonzalez",
	"MariaGonzalez", "cJSON", "cjson", "CJSON_PUBLIC", "DaveGamble",
	"PF_PERSON_1", "pf_x", "PF_ORG_2_y", "_PF_", "Q_IP_1", "q_",
	"ABCDEFGH_PERSON_1", "10.20.30.40", "1.2.3.4:8080", "fe80::1ff:fe23",
	"::1", "a:b", "build01.corp.example.net", "api.example.io", "x.io",
	"a.b.c", "obj.call(", "see.me.uk", "x.y.Z", "maria.gonzalez@example.org",
	"a@b.co", "@x", "https://deploy:Tr0ub4dor3x@git.internal.example.com/a",
	"http://x.org", "curl -u admin:s3cr3tPassw0rd", "-u", "--",
	"-----BEGIN RSA PRIVATE KEY-----", "x-1", "/home/alice", "/Users/bob",
	"C:\\Users\\bob", "C:\\\\Users\\\\carol", "\\\\",
	"aGVsbG8gd29ybGQgdGhpcyBpcyBhIHNlY3JldCB2YWx1ZQ==",
	"a8f3c1d9e7b5a3f1c9d7e5b3a1f9c7d5", "Qw3rTy9uIoP1aSdF", "\"", "'", "`",
	"\\", "\\\"", "_", "__", "_x", "a_b", "db.secret_token",
	"cfg.db.password", "os.path.join", "req.params.id",
	"key-0123456789abcdef0123456789abcdef", "bearer AbCdEfGhIjKlMnOpQrSt",
	"AccountKey=AbCdEfGhIjKlMnOpQrStUvWxYz0123456789==", "0", "12", "1234",
	"1.", "1.2", "9:", "3.14",
};
static const char *const seps[] = {
	" ", " ", "\n", "\t", ".", ",", ";", ":", "(", ")", "=", " = ",
	"+", "-", "/", "\\", "\"", "'", "`", "@", "*", "\r\n", "\x80", "\xff",
	"\xc3\xa9",
};

/* A random text of pieces, identifiers, base64 runs and padding (which
 * moves what follows across a block's edge). */
static size_t gen(char *buf, size_t cap, const char *const *names,
		  size_t names_nr)
{
	size_t n = 0, target = rnd(4) == 0   ? rnd(70)
			       : rnd(3) == 0 ? 60 + rnd(140)
					     : rnd(400);

	while (n < target && n + 300 < cap) {
		unsigned w = rnd(100);
		const char *p;
		size_t l;

		if (w < 12 && names_nr) {
			p = names[rnd((unsigned)names_nr)];
			for (l = 0; p[l]; l++) /* any case, any joint */
				buf[n++] = p[l] == ' ' && rnd(2)
						   ? "-_."[rnd(3)]
						   : (char)(rnd(3) == 0 &&
								    IS(p[l],
								       C_UPPER | C_LOWER)
							    ? p[l] ^ 0x20
							    : p[l]);
		} else if (w < 45) {
			p = toks[rnd(PF_ARRAY_SIZE(toks))];
			l = strlen(p);
			memcpy(buf + n, p, l);
			n += l;
		} else if (w < 65) {
			for (unsigned i = 1 + rnd(rnd(3) ? 10 : 30); i; i--) {
				unsigned k = rnd(10);

				buf[n++] = (char)(k < 5	  ? 'a' + rnd(26)
						  : k < 7 ? 'A' + rnd(26)
						  : k < 9 ? '0' + rnd(10)
							  : '_');
			}
		} else if (w < 72) {
			for (unsigned i = 8 + rnd(50); i; i--)
				buf[n++] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghij"
					   "klmnopqrstuvwxyz0123456789+/=-_"[rnd(67)];
		} else if (w < 75) {
			for (unsigned i = rnd(64); i; i--)
				buf[n++] = rnd(9) == 8 ? ' ' : 'q';
		} else {
			p = seps[rnd(PF_ARRAY_SIZE(seps))];
			l = strlen(p);
			memcpy(buf + n, p, l);
			n += l;
		}
		/* most pieces apart, some glued */
		if (rnd(3))
			buf[n++] = ' ';
	}
	return n;
}

/*
 * 30,000 random texts (a fixed seed), each in one of five contexts (the
 * test's, none, names with quotes and dots and non-ASCII bytes, random
 * names made anew every 100 texts) and with one of three placeholder
 * prefixes: both classifiers give the same text and the same vault.
 * The review's fuzzer ran 3.4M such cases; this keeps a slice of it.
 */
static void test_random_texts(void **state)
{
	static const char *const odd[] = {
		"O'Neil D'Arcy", "Jo_An Ma.Ry", "Al Bo", "Zed9 Quux",
		"J\xc3\xb6rg M\xc3\xbcller", "Zo\xc3\xab Jo\xc3\xabl",
	};
	static const char *const prefixes[] = { NULL, "ABCDEFGH", "Q" };
	struct pf_redact_ctx ctx[3], rnd_ctx;
	char names[8][16];
	const char *rnames[8];
	size_t rnames_nr = 0;
	static char buf[1 << 14];

	(void)state;
	skip_narrow();
	ctx_of(&ctx[0]);
	pf_redact_ctx_init(&ctx[1]);
	pf_redact_ctx_init(&ctx[2]);
	for (size_t i = 0; i < PF_ARRAY_SIZE(odd); i++)
		pf_redact_ctx_add_word(&ctx[2], PF_CAT_PERSON, odd[i]);
	pf_redact_ctx_add_word(&ctx[2], PF_CAT_ORG, "a1b2");
	pf_redact_ctx_init(&rnd_ctx);
	for (unsigned c = 0; c < 30000; c++) {
		struct pf_redact_ctx *x;
		const char *prefix = prefixes[rnd(3)];
		size_t n;
		char *a, *b;

		if (c % 100 == 0) {
			pf_redact_ctx_release(&rnd_ctx);
			pf_redact_ctx_init(&rnd_ctx);
			rnames_nr = 1 + rnd(8);
			for (size_t i = 0; i < rnames_nr; i++) {
				unsigned l = 2 + rnd(9);

				for (unsigned k = 0; k < l; k++)
					names[i][k] = "abcdefghijklmnopqrstuvwxyzA"
						      "BCDEFGHIJKLMNOPQRSTUVWXYZ0"
						      "123456789'-._ \xc3\xb6\xe9"
						      [k ? rnd(70) : rnd(52)];
				names[i][l] = '\0';
				rnames[i] = names[i];
				pf_redact_ctx_add_word(&rnd_ctx,
						       rnd(4) ? PF_CAT_PERSON
							      : PF_CAT_ORG,
						       names[i]);
			}
		}
		switch (rnd(4)) {
		case 0:
			x = &ctx[0];
			break;
		case 1:
			x = &ctx[1];
			break;
		case 2:
			x = &ctx[2];
			break;
		default:
			x = &rnd_ctx;
		}
		n = gen(buf, sizeof(buf), rnames, rnames_nr);
		a = run_prefix(x, "sse2", prefix, buf, n);
		b = run_prefix(x, NULL, prefix, buf, n);
		if (strcmp(a, b))
			fail_msg("text %u (%zu bytes) differs:\n%.*s\nsse2: "
				 "%.200s\nwide: %.200s",
				 c, n, (int)n, buf, a, b);
		free(a);
		free(b);
	}
	pf_redact_ctx_release(&rnd_ctx);
	pf_redact_ctx_release(&ctx[0]);
	pf_redact_ctx_release(&ctx[1]);
	pf_redact_ctx_release(&ctx[2]);
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


/*
 * pf_redact_sort_spans() against a stable sort, on the shapes the
 * scanner makes (nearly sorted, a sorted second run of names, starts
 * equal across the two, one far back, random, a sorted tail that
 * starts within the first run): equal starts must keep
 * their order (b numbers the spans as they came).
 */
static void test_sort_spans_stable(void **state)
{
	struct span *tmp = NULL;
	size_t tmp_alloc = 0;

	(void)state;
	for (unsigned shape = 0; shape < 7; shape++) {
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
			/* a sorted tail with runs of equal starts from the
			 * first run's last start on: the sorted tail that
			 * pf_redact_sort_spans() merges in as it is holds the
			 * end of the first run too, equal starts across */
			if (shape == 6) {
				uint32_t at = n - tail > 0 ? sp.v[n - tail - 1].a
							   : 0;

				for (size_t i = n - tail; i < n; i++) {
					at += rnd(3);
					sp.v[i].a = at;
				}
			}
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

/*
 * Rules of the simple form are matched without PCRE2 (rules.c,
 * pf_redact_rule_simple()): on random texts around each such rule's
 * prefix (both cases, its alternatives, runs of the class's bytes and
 * of others, the text's end anywhere), the answer must be PCRE2's, match
 * or not and where it ends.  Fails if a class, a bound, the NB look-ahead
 * or the order of the alternatives were read wrong.
 */
static void test_rule_simple(void **state)
{
	static const char *const bits[] = {
		"test", "live", "prod", "_", "-", ".", "/", "+", "=", "services/",
		"workflows/", "Ab", "zZ9", "0123456789", "abcdef", "ABCDEF",
		"xyz", "Q", "7", " ", ":", "pt.", "\n", "AgEIcHlwaS5vcmc",
	};
	size_t simple = 0;
	char t[600];
	(void)state;

	(void)pf_redact_engine();
	/* the rules' count: past the last, a kind has no rule's name */
	for (size_t r = 0; strcmp(pf_redact_kind_name(K_RULE + (unsigned)r),
				  "secret");
	     r++) {
		const struct rule *ru = &pf_redact_rules[r];
		size_t end;
		int err;
		PCRE2_SIZE off;
		pcre2_code *c;
		pcre2_match_data *md;

		if (pf_redact_rule_simple(r, "", 0, 0, &end) < 0)
			continue;
		simple++;
		c = pcre2_compile((PCRE2_SPTR)ru->re, PCRE2_ZERO_TERMINATED,
				  PCRE2_ANCHORED |
					  (ru->caseless ? PCRE2_CASELESS : 0),
				  &err, &off, NULL);
		assert_non_null(c);
		md = pcre2_match_data_create_from_pattern(c, NULL);
		for (int k = 0; k < 4000; k++) {
			size_t n = 0, i = rnd(3), lim = 40 + rnd(300);
			int rc, mine;

			for (size_t x = 0; x < i; x++)
				t[n++] = "a_ "[rnd(3)];
			for (const char *q = ru->prefix; *q && rnd(40); q++)
				t[n++] = rnd(8) ? *q
						: (char)(*q ^ ((*q | 0x20) >= 'a' &&
								(*q | 0x20) <= 'z'
							? 0x20
							: 0));
			while (n < lim) {
				if (rnd(4)) {
					t[n++] = "aZ09_-+/=.q"[rnd(11)];
				} else {
					const char *b = bits[rnd(
						PF_ARRAY_SIZE(bits))];

					while (*b && n < sizeof(t))
						t[n++] = *b++;
				}
			}
			rc = pcre2_match(c, (PCRE2_SPTR)t, n, i, 0, md, NULL);
			mine = pf_redact_rule_simple(r, t, n, i, &end);
			assert_int_equal(mine, rc >= 0);
			if (rc >= 0) {
				PCRE2_SIZE *ov = pcre2_get_ovector_pointer(md);

				assert_int_equal(ov[0], i);
				assert_int_equal(end, ov[1]);
			}
		}
		pcre2_match_data_free(md);
		pcre2_code_free(c);
	}
	/* most of the rules: AKIA..., ghp_..., sk-..., npm_... */
	assert_true(simple >= 25);
}

/*
 * 3000 texts of 40 + (0..span) bytes made of pieces (and, with runs, of
 * lower-case runs of 1-14 bytes a third of the time), each redacted by
 * both classifiers (same()); the placeholders made.
 */
static size_t same_on_pieces(const char *const *bits, size_t nb, size_t span,
			     int runs)
{
	struct pf_redact_ctx ctx;
	char t[300];
	size_t ph = 0;

	ctx_of(&ctx);
	for (unsigned it = 0; it < 3000; it++) {
		size_t n = 0, len = 40 + rnd((unsigned)span);

		while (n < len) {
			if (runs && !rnd(3)) {
				for (unsigned k = 1 + rnd(14); k && n < len;
				     k--)
					t[n++] = (char)('a' + rnd(26));
			} else {
				const char *b = bits[rnd((unsigned)nb)];

				while (*b && n < len)
					t[n++] = *b++;
			}
		}
		ph += same(&ctx, t, n);
	}
	pf_redact_ctx_release(&ctx);
	return ph;
}

/*
 * Dots and lower-case runs of every length around every edge of a
 * block, with quotes: the wide classifier's loop passes over the dots
 * whose run after them is no host's last label, read off the block's
 * masks (trigger_idle()), the SSE2 one calls trigger() at each; a host
 * or a literal either one got wrong shows as a difference.
 */
static void test_dots_and_quotes(void **state)
{
	static const char *const bits[] = {
		".", ".", ".", "..", "(", ")", "-", "_", "0", "9", "A", "Q",
		" ", "\n", "\"", "'", "`", "\\", "/", ":", "=", "\xc3\xa9",
		/* top-level domains of every length (2-11 bytes) */
		"com", "io", "internal", "localdomain", "cloud", "corp",
		"online", "localdomainx",
	};

	(void)state;
	skip_narrow();
	assert_true(same_on_pieces(bits, PF_ARRAY_SIZE(bits), 250, 1) >
		    100); /* hosts were found */
}

/*
 * String literals of every length around every edge of a block: short
 * ones, long base64 ones (entropy), escapes, newlines, and the halves of
 * a token joined across a gap ("ghp_..." + "..."): a literal, a gap or a
 * joined token either classifier got wrong shows as a difference.
 */
static void test_literals(void **state)
{
	static const char *const bits[] = {
		"\"", "\"", "'", "`", "\\", "\\\"", "\n", " + ", " ", "+",
		"x", "id", "(", ")", ",", ".", ":", "=", "\xc3\xa9", "ghp_Zx8aQ2",
		"wE4rT6yU8iO0pA2sD4fG6hJ8kL0zX2", "aGVsbG8gd29ybGQgdGhpcyBp",
		"cyBhIHNlY3JldCB2YWx1ZQ==", "a8f3c1d9e7b5a3f1c9d7e5b3a1f9c7d5",
		"Qw3rTy9uIoP1aSdF", "AbCdEfGhIjKlMnOp", "password = ",
	};

	(void)state;
	skip_narrow();
	assert_true(same_on_pieces(bits, PF_ARRAY_SIZE(bits), 250, 0) >
		    100); /* secrets were found */
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_pieces_everywhere),
		cmocka_unit_test(test_own_sources),
		cmocka_unit_test(test_sort_spans_stable),
		cmocka_unit_test(test_names_not_ascii),
		cmocka_unit_test(test_random_texts),
		cmocka_unit_test(test_rule_simple),
		cmocka_unit_test(test_dots_and_quotes),
		cmocka_unit_test(test_literals),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
