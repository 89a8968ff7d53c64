/*
 * Encoded secrets: a base64 or hex run that decodes to a secret is one,
 * however low the entropy of its text ("YWRtaW46aHVudGVy" is
 * base64("admin:hunter")).  The run is decoded and what it holds tested:
 * a token the rules know or a `key=value` secret (the scanner run over
 * the decoded text), a `user:password` pair, or random bytes (key
 * material) when the text itself looks random too.
 *
 * Ordinary identifiers must come out unharmed: most words of 16 or more
 * letters are valid base64, but they decode to bytes that are neither
 * text nor random-looking text, so they fail every test.
 */
#include <stdlib.h>
#include <string.h>

#include "redact_int.h"

#define ENC_MIN 16   /* shorter runs hold too little to judge */
#define ENC_MAX 1024 /* longer ones: PEM bodies, data; entropy decides */

/* Is s base64 (standard or URL-safe, not both; padding only at the
 * end)?  The length it decodes to, *chars the letters before the
 * padding; 0 when it is not.  One lookup a byte and no branch on it. */
static size_t b64_check(const char *s, size_t n, size_t *chars)
{
	size_t pad = 0;
	unsigned seen = 0;

	while (pad < 2 && n > pad && s[n - 1 - pad] == '=')
		pad++;
	if ((pad && (n % 4)) || (n - pad) % 4 == 1)
		return 0;
	for (size_t i = 0; i < n - pad; i++)
		seen |= pf_redact_b64[(unsigned char)s[i]];
	/* a byte of neither alphabet, or both alphabets */
	if ((seen & (B64_STD | B64_URL)) == (B64_STD | B64_URL))
		return 0;
	*chars = n - pad;
	return (n - pad) * 6 / 8;
}

/* The n base64 letters s (checked) into out; the bytes written. */
static size_t b64_bytes(const char *s, size_t n, unsigned char *out)
{
	size_t o = 0;
	unsigned acc = 0, bits = 0;

	for (size_t i = 0; i < n; i++) {
		acc = (acc << 6) | (pf_redact_b64[(unsigned char)s[i]] & 63);
		bits += 6;
		if (bits >= 8) {
			bits -= 8;
			out[o++] = (unsigned char)(acc >> bits);
		}
	}
	return o;
}

static size_t hex_decode(const char *s, size_t n, unsigned char *out)
{
	if (n % 2)
		return 0;
	for (size_t i = 0; i < n; i += 2) {
		int h = s[i], l = s[i + 1];

		h = h <= '9' ? h - '0' : (h | 0x20) - 'a' + 10;
		l = l <= '9' ? l - '0' : (l | 0x20) - 'a' + 10;
		out[i / 2] = (unsigned char)(h << 4 | l);
	}
	return n / 2;
}

static int printable(const unsigned char *d, size_t m)
{
	for (size_t i = 0; i < m; i++)
		if ((d[i] < 0x20 && d[i] != '\t' && d[i] != '\n' &&
		     d[i] != '\r') ||
		    d[i] >= 0x7f)
			return 0;
	return 1;
}

/* user:password, the form of HTTP Basic credentials: one word, a colon,
 * a password without blanks. */
static int user_pass(const unsigned char *d, size_t m)
{
	const unsigned char *c = memchr(d, ':', m);
	size_t u;

	if (!c)
		return 0;
	u = (size_t)(c - d);
	if (!u || u > 64 || m - u - 1 < 4)
		return 0;
	for (size_t i = 0; i < m; i++)
		if (d[i] <= ' ')
			return 0;
	for (size_t i = 0; i < u; i++)
		if (!IS(d[i], C_KEY) && d[i] != '@' && d[i] != '+')
			return 0;
	return 1;
}

/*
 * Does the text look random?  Base64 of random bytes changes between
 * upper case, lower case, digits and symbols at about two thirds of its
 * letters; identifiers (camelCase, snake_case, words) at a word
 * boundary only.
 */
static int looks_random(const char *s, size_t n)
{
	size_t changes = 0;
	/* a byte's kind in one load, no branch: upper case (C_UPPER |
	 * C_ALNUM), lower case (C_LOWER | C_ALNUM), digit (C_ALNUM alone),
	 * other (0) are four distinct values */
	const unsigned kinds = C_UPPER | C_LOWER | C_ALNUM;
	unsigned prev = IS(s[0], kinds);

	for (size_t i = 1; i < n; i++) {
		unsigned k = IS(s[i], kinds);

		changes += k != prev;
		prev = k;
	}
	return changes * 2 >= n;
}

/* Does the decoded text hold a secret the scanner knows? */
static int holds_secret(struct scan *sc, const unsigned char *d, size_t m)
{
	struct spans sp = { NULL, 0, 0 };
	int hit = 0;

	pf_redact_subscan(sc, (const char *)d, m, &sp);
	for (size_t k = 0; k < sp.nr && !hit; k++)
		hit = sp.v[k].cat == PF_CAT_SECRET;
	free(sp.v);
	return hit;
}

void pf_redact_encoded(struct scan *sc, size_t a, size_t b)
{
	unsigned char d[ENC_MAX];
	const char *s = sc->t + a;
	size_t n = b - a, m;
	int hex, mixed = 0, text;

	if (n < ENC_MIN || n > ENC_MAX || sc->nested > 1)
		return;
	/* Encoded text and random bytes alike bring upper-case letters or
	 * digits: a run of lower-case words is an identifier. */
	for (size_t i = 0; i < n && !mixed; i++)
		mixed = IS(s[i], C_UPPER) || is_digit(s[i]);
	if (!mixed)
		return;
	hex = all_of(s, n, C_HEX);
	if (hex) {
		m = hex_decode(s, n, d);
		text = printable(d, m);
	} else {
		size_t chars = 0;

		m = b64_check(s, n, &chars);
		if (m < 6)
			return;
		/* the first 3 bytes first: random bytes (most encoded runs
		 * of a text) are rarely printable, and need no more */
		text = printable(d, b64_bytes(s, 4, d)) &&
		       b64_bytes(s, chars, d) == m && printable(d, m);
	}
	if (m < 6)
		return;
	if (text) {
		if (!user_pass(d, m) && !holds_secret(sc, d, m))
			return;
		add_secret(sc->sp, a, b, K_ENCODED);
	} else if (!hex && m >= 12 && looks_random(s, n)) {
		/* random bytes: a guess from the letters, as entropy */
		add_secret(sc->sp, a, b, K_ENTROPY);
	}
}
