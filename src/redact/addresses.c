/*
 * Addresses in text: e-mail addresses (and the names written beside
 * them), URLs (user info and host), IPv4 and IPv6 addresses, bare host
 * names.  Each detector runs at the byte the scanner dispatches on.
 */
#include <arpa/inet.h>
#include <string.h>
#include <strings.h>

#include "redact_int.h"

/* A kept name and its length (no strlen() per host). */
struct kept {
	const char *s;
	size_t len;
};
#define KEPT(s)                                                                \
	{                                                                      \
		s, sizeof(s) - 1                                               \
	}

/* Does h (n bytes) end with w (l bytes, lower-case), in any case?  The
 * last byte first: most hosts end otherwise, and cost no call. */
static int ends_ci(const char *h, size_t n, const char *w, size_t l)
{
	if (!l)
		return 1;
	return n >= l &&
	       ((unsigned char)h[n - 1] | 0x20) ==
		       (unsigned char)(w[l - 1] | 0x20) &&
	       !strncasecmp(h + n - l, w, l);
}

/*
 * May a host ending in t8 (its last 8 bytes) and t4 (its last 4), each
 * byte | 0x20, end as the kept name k?  Its last 8 bytes (4 when
 * shorter) compared in one go: k is lower-case letters and dots, which
 * | 0x20 keeps, so a host that ends as k in any case passes; ".com"
 * hosts end as "example.com" in 4 bytes, not in 8.  Only then
 * ends_ci() is called.  t8 is read only when n >= k->len >= 8.
 */
static int tail_may_match(const struct kept *k, uint64_t t8, uint32_t t4)
{
	if (k->len >= 8) {
		uint64_t v;

		memcpy(&v, k->s + k->len - 8, 8);
		return v == t8;
	} else {
		uint32_t v;

		memcpy(&v, k->s + k->len - 4, 4);
		return v == t4;
	}
}

static int host_kept(const struct pf_redact_priv *p, const char *h, size_t n)
{
	static const struct kept keep_exact[] = {
		KEPT("localhost"),
		KEPT("example.com"),
		KEPT("example.org"),
		KEPT("example.net"),
	};
	static const struct kept keep_suffix[] = {
		KEPT(".localhost"),   KEPT(".example"),
		KEPT(".invalid"),     KEPT(".test"),
		KEPT(".example.com"), KEPT(".example.org"),
		KEPT(".example.net"),
	};

	uint64_t t8 = 0;
	uint32_t t4;

	while (n && h[n - 1] == '.')
		n--;
	/* most hosts end otherwise than every kept name, and cost no
	 * strncasecmp() call (tail_may_match()); every name is longer
	 * than 4 */
	if (n > 4) {
		memcpy(&t4, h + n - 4, 4);
		t4 |= 0x20202020u;
		if (n >= 8) {
			memcpy(&t8, h + n - 8, 8);
			t8 |= 0x2020202020202020ULL;
		}
		for (size_t i = 0; i < PF_ARRAY_SIZE(keep_exact); i++)
			if (keep_exact[i].len == n &&
			    tail_may_match(&keep_exact[i], t8, t4) &&
			    ends_ci(h, n, keep_exact[i].s, keep_exact[i].len))
				return 1;
		for (size_t i = 0; i < PF_ARRAY_SIZE(keep_suffix); i++)
			if (n > keep_suffix[i].len &&
			    tail_may_match(&keep_suffix[i], t8, t4) &&
			    ends_ci(h, n, keep_suffix[i].s, keep_suffix[i].len))
				return 1;
	}
	for (size_t i = 0; p && i < p->allow_nr; i++) {
		const char *a = p->allow[i];
		size_t l;

		/* a whole name starts as the host (lower-case, as lower()
		 * makes it): most do not, and cost no strlen() */
		if (a[0] != '.' &&
		    (!n || (unsigned char)a[0] != lower((unsigned char)h[0])))
			continue;
		l = strlen(a);
		if (a[0] == '.') {
			if ((n > l && ends_ci(h, n, a, l)) ||
			    (n == l - 1 && !strncasecmp(h, a + 1, n)))
				return 1;
		} else if (l == n && ends_ci(h, n, a, n)) {
			return 1;
		}
	}
	return 0;
}

/* Loopback and unspecified addresses identify nothing. */
static int ipv4_kept(const unsigned char o[4])
{
	if (o[0] == 127)
		return 1;
	if (!o[0] && !o[1] && !o[2] && !o[3])
		return 1;
	if (o[0] == 255 && o[1] == 255) /* netmasks */
		return 1;
	return 0;
}

/* An IPv4 address at i ("a.b.c.d", each <= 255); its length or 0. */
static size_t parse_ipv4(const char *t, size_t n, size_t i, unsigned char o[4])
{
	size_t p = i;

	for (int k = 0; k < 4; k++) {
		unsigned v = 0, d = 0;

		while (p < n && t[p] >= '0' && t[p] <= '9' && d < 4) {
			v = v * 10 + (unsigned)(t[p] - '0');
			p++;
			d++;
		}
		if (!d || d > 3 || v > 255)
			return 0;
		o[k] = (unsigned char)v;
		if (k < 3) {
			if (p >= n || t[p] != '.')
				return 0;
			p++;
		}
	}
	/* Not part of a longer dotted number or word (a version 1.2.3.4.5) */
	if (p < n && (IS(t[p], C_WORD) || (t[p] == '.' && p + 1 < n &&
					   t[p + 1] >= '0' && t[p + 1] <= '9')))
		return 0;
	return p - i;
}

static int dot_at(const struct scan *sc, size_t k)
{
	return k < sc->n && sc->t[k] == '.';
}

void pf_redact_ipv4(struct scan *sc, size_t i)
{
	unsigned char o[4];
	size_t l;

	if (i && (sc->t[i - 1] == '.' || IS(sc->t[i - 1], C_WORD)))
		return;
	/* one to three digits and a dot first, or none: most numbers of a
	 * text ("8080", "0x1f", "100") end here */
	if (!(dot_at(sc, i + 1) ||
	      (i + 1 < sc->n && is_digit(sc->t[i + 1]) &&
	       (dot_at(sc, i + 2) || (i + 2 < sc->n && is_digit(sc->t[i + 2]) &&
				      dot_at(sc, i + 3))))))
		return;
	l = parse_ipv4(sc->t, sc->n, i, o);
	if (l && !ipv4_kept(o))
		add_span(sc->sp, i, i + l, PF_CAT_IP);
}

static int is_v6_char(char c)
{
	return IS(c, C_HEX) || c == ':' || c == '.';
}

void pf_redact_ipv6(struct scan *sc, size_t i)
{
	const char *t = sc->t;
	size_t a = i, b = i, colons = 0;
	int digit = 0;
	char buf[64];
	unsigned char addr[16];

	if (i < sc->v6_end)
		return;
	while (a > 0 && is_v6_char(t[a - 1]) && i - a < 45)
		a--;
	while (b < sc->n && is_v6_char(t[b]) && b - i < 45)
		b++;
	sc->v6_end = b;
	while (b > a && t[b - 1] == '.')
		b--;
	if (b - a < 3 || b - a >= sizeof(buf))
		return;
	if ((a > 0 && (IS(t[a - 1], C_WORD))) ||
	    (b < sc->n && IS(t[b], C_WORD)))
		return;
	for (size_t k = a; k < b; k++) {
		colons += t[k] == ':';
		digit |= t[k] >= '0' && t[k] <= '9';
	}
	if (colons < 2 || !digit)
		return;
	memcpy(buf, t + a, b - a);
	buf[b - a] = '\0';
	if (inet_pton(AF_INET6, buf, addr) != 1)
		return;
	{
		static const unsigned char loop[16] = { [15] = 1 };
		static const unsigned char zero[16];

		if (!memcmp(addr, loop, 16) || !memcmp(addr, zero, 16))
			return;
	}
	add_span(sc->sp, a, b, PF_CAT_IP);
}

/* The bytes that end a URL's authority, and those of its host name:
 * one load a byte where a chain of compares cost ~20 instructions
 * (pf_redact_addresses_init()). */
static unsigned char url_stop[256], url_host[256];

/* A URL at the ':' of "://": user info and host. */
void pf_redact_url(struct scan *sc, size_t i)
{
	const char *t = sc->t;
	size_t s = i + 3, e = s, at = (size_t)-1, hs, he;

	/* scheme: letters before ':' */
	if (!i || !IS(t[i - 1], C_ALNUM))
		return;
	for (; e < sc->n && !url_stop[(unsigned char)t[e]]; e++)
		if (t[e] == '@')
			at = e;
	if (e - s > 2048)
		return;
	sc->url_auth_end = e;
	hs = s;
	if (at != (size_t)-1) {
		int colon = memchr(t + s, ':', at - s) != NULL;

		add_span_kind(sc->sp, s, at,
			      colon ? PF_CAT_SECRET : PF_CAT_PERSON,
			      colon ? K_URL : K_NONE);
		hs = at + 1;
	}
	if (hs < e && t[hs] == '[') { /* [v6]:port */
		const char *close = memchr(t + hs, ']', e - hs);

		if (close) {
			char buf[64];
			unsigned char addr[16];
			size_t l = (size_t)(close - (t + hs)) - 1;

			if (l < sizeof(buf)) {
				memcpy(buf, t + hs + 1, l);
				buf[l] = '\0';
				if (inet_pton(AF_INET6, buf, addr) == 1 &&
				    strcmp(buf, "::1"))
					add_span(sc->sp, hs + 1, hs + 1 + l,
						 PF_CAT_IP);
			}
		}
		return;
	}
	he = hs;
	while (he < e && url_host[(unsigned char)t[he]])
		he++;
	if (he == hs)
		return;
	{
		unsigned char o[4];
		size_t l = parse_ipv4(t, he, hs, o);

		if (l == he - hs) {
			if (!ipv4_kept(o))
				add_span(sc->sp, hs, he, PF_CAT_IP);
			return;
		}
	}
	if (!host_kept(sc->p, t + hs, he - hs))
		add_span(sc->sp, hs, he, PF_CAT_HOST);
}

/* Top-level domains for bare host names; not ones that are also common
 * file extensions or member names (.py .sh .md .info .name .app ...). */
/* clang-format off */
static const char *const tlds[] = {
	"ai", "au", "biz", "br", "ca", "ch", "cloud", "cn", "co", "com",
	"corp", "de", "dev", "dk", "edu", "es", "eu", "fi", "fr", "gov",
	"ie", "internal", "intranet", "io", "jp", "lan", "local",
	"localdomain", "mil", "net", "nl", "nz", "online", "org", "ru",
	"se", "site", "tech", "uk", "us", "xyz",
};
/* clang-format on */

/* First labels that are code receivers, not hosts: self.net, user.org */
/* clang-format off */
static const char *const receivers[] = {
	"app", "args", "cls", "config", "console", "ctx", "data",
	"document", "e", "exports", "i", "it", "json", "m", "math", "model",
	"module", "nn", "np", "obj", "options", "opts", "os", "params", "pd",
	"props", "req", "request", "res", "response", "result", "self",
	"settings", "state", "std", "super", "sys", "tf", "this", "torch",
	"user", "window", "x", "y",
};
/* clang-format on */

/*
 * The top-level domains by their first two letters and length: one bit
 * each (26 * 26 * 12 bits), set by pf_redact_addresses_init() at the
 * engine's start.  Most labels probed after a dot are members
 * ("event.get", "res.send"): their bit is clear, and they cost one load
 * where a bsearch of the list cost six strncmp() calls.  A two-letter
 * label is its own key; a longer one with its bit set is compared with
 * the few domains of its first two letters.
 */
#define TLD_MAX 11
static unsigned char tld_bits[(26 * 26 * (TLD_MAX + 1) + 7) / 8];
/* some top-level domain starts with these three letters, or is these
 * two (third 26): the labels that none starts as ("get", "info", "send",
 * "execute") end after three bytes */
static unsigned char tld_start[26 * 26 * 27];
/* the top-level domains of two first letters: tlds[tld_from[k]] on, in
 * order, tld_nr[k] of them (the list is sorted) */
static unsigned char tld_from[26 * 26], tld_nr[26 * 26], tld_len[64];
_Static_assert(PF_ARRAY_SIZE(tlds) <= 64, "tld_len[] and tld_from[]");

/* s: n (2..TLD_MAX) bytes a-z */
static unsigned tld_key(const char *s, size_t n)
{
	return ((unsigned)(s[0] - 'a') * 26 + (unsigned)(s[1] - 'a')) *
		       (TLD_MAX + 1) +
	       (unsigned)n;
}

void pf_redact_addresses_init(void)
{
	for (size_t k = 0; k < PF_ARRAY_SIZE(tlds); k++) {
		unsigned q = tld_key(tlds[k], strlen(tlds[k]));

		tld_bits[q >> 3] |= (unsigned char)(1u << (q & 7));
		unsigned p = (unsigned)(tlds[k][0] - 'a') * 26 +
			     (unsigned)(tlds[k][1] - 'a');

		tld_start[p * 27 + (tlds[k][2] ? tlds[k][2] - 'a' : 26)] = 1;
		if (!tld_nr[p]++)
			tld_from[p] = (unsigned char)k;
		tld_len[k] = (unsigned char)strlen(tlds[k]);
	}
	for (unsigned c = 0; c < 256; c++) {
		url_stop[c] = !c || strchr("/?# \t\n\r\"'`<>(){},;\\|^",
					   (int)c) != NULL;
		url_host[c] = IS(c, C_ALNUM) || c >= 0x80 ||
			      (c && strchr(".-_%~", (int)c) != NULL);
	}
}

static int is_tld(const char *s, size_t n)
{
	unsigned q = tld_key(s, n),
		 p = (unsigned)(s[0] - 'a') * 26 + (unsigned)(s[1] - 'a');

	if (!(tld_bits[q >> 3] & (1u << (q & 7))))
		return 0;
	if (n == 2)
		return 1;
	/* the few of these two letters: "co", "com", "corp" */
	for (unsigned k = tld_from[p]; k < tld_from[p] + tld_nr[p]; k++)
		if (tld_len[k] == n && !memcmp(tlds[k] + 2, s + 2, n - 2))
			return 1;
	return 0;
}

/* The host name whose last label is [i + 1, e), if that is a top-level
 * domain. */
static void __attribute__((noinline))
bare_host_at(struct scan *sc, size_t i, size_t e)
{
	const char *t = sc->t;
	size_t a = i, labels = 1;

	if (!is_tld(t + i + 1, e - i - 1))
		return;
	while (a > 0 && (IS(t[a - 1], C_HOST) || t[a - 1] == '.')) {
		a--;
		if (t[a] == '.')
			labels++;
	}
	while (a < i && (t[a] == '.' || t[a] == '-'))
		a++;
	if (a == i || (a > 0 && (IS(t[a - 1], C_WORD) || t[a - 1] == '@')))
		return;
	if (labels == 1 || (labels == 2 && t[a] != '.')) {
		const char *dot = memchr(t + a, '.', i + 1 - a);

		if (labels <= 2 && dot &&
		    in_sorted(receivers, PF_ARRAY_SIZE(receivers), t + a,
			      (size_t)(dot - (t + a))))
			return;
	}
	if (!host_kept(sc->p, t + a, e - a))
		add_span(sc->sp, a, e, PF_CAT_HOST);
}

/*
 * A bare host name whose last label starts after the '.' at i.  Most
 * dots are members' ("event.get", "logging.info"): their label ends here
 * after a few loads, and the walk back over the host, in a function of
 * its own, does not make every call save the registers it needs.
 */
void pf_redact_bare_host(struct scan *sc, size_t i)
{
	const char *t = sc->t;
	size_t e = i + 3;
	int third;

	/* a label of fewer than two letters is none */
	if (sc->n - i < 3 || !IS(t[i + 1], C_LOWER) || !IS(t[i + 2], C_LOWER))
		return;
	third = e < sc->n && IS(t[e], C_LOWER) ? t[e] - 'a' : 26;
	if (!tld_start[((t[i + 1] - 'a') * 26 + (t[i + 2] - 'a')) * 27 + third])
		return;
	while (e < sc->n && IS(t[e], C_LOWER))
		e++;
	if (e - i - 1 > TLD_MAX)
		return;
	if (e < sc->n &&
	    (IS(t[e], C_WORD) || t[e] == '-' || t[e] == '(' ||
	     (t[e] == '.' && e + 1 < sc->n && IS(t[e + 1], C_ALNUM))))
		return;
	bare_host_at(sc, i, e);
}

/*
 * Capitalised words (1-4) ending just before position e, on one line:
 * a person's name beside an e-mail.  Adds PERSON spans.
 */
static void name_before(struct scan *sc, size_t e)
{
	const char *t = sc->t;
	size_t end = e, words = 0;

	while (end > 0 && (t[end - 1] == '"' || t[end - 1] == '\''))
		end--;
	while (words < 4) {
		size_t b = end, a;

		while (b > 0 && (t[b - 1] == ' ' || t[b - 1] == '\t') &&
		       end - b < 3)
			b--;
		if (words && b == end)
			break;
		a = b;
		while (a > 0 && name_char(t[a - 1]) && b - a < 40)
			a--;
		while (a < b && (t[a] == '.' || t[a] == '-' || t[a] == '\''))
			a++;
		if (b - a < 2 ||
		    !(IS(t[a], C_UPPER) || ((unsigned char)t[a] & 0x80)))
			break;
		/* "by" / "from" / "Author:" stop the name */
		add_span(sc->sp, a, b, PF_CAT_PERSON);
		words++;
		end = a;
		if (a > 0 && !(t[a - 1] == ' ' || t[a - 1] == '\t'))
			break;
	}
}

/* An e-mail address around the '@' at i, and a name written beside it. */
void pf_redact_email(struct scan *sc, size_t i)
{
	const char *t = sc->t;
	size_t a = i, e = i + 1, dot = 0, last_label;

	if (i < sc->url_auth_end)
		return;
	while (a > 0 &&
	       (IS(t[a - 1], C_ALNUM) || t[a - 1] == '.' || t[a - 1] == '_' ||
		t[a - 1] == '%' || t[a - 1] == '+' || t[a - 1] == '-') &&
	       i - a < 128)
		a--;
	while (a < i && t[a] == '.')
		a++;
	if (a == i)
		return;
	last_label = e;
	while (e < sc->n &&
	       (IS(t[e], C_ALNUM) || t[e] == '-' ||
		(t[e] == '.' && e + 1 < sc->n && IS(t[e + 1], C_ALNUM))) &&
	       e - i < 256) {
		if (t[e] == '.') {
			dot = e;
			last_label = e + 1;
		}
		e++;
	}
	if (!dot || e - last_label < 2)
		return;
	for (size_t k = last_label; k < e; k++)
		if (!IS(t[k], C_UPPER | C_LOWER))
			return;
	add_span(sc->sp, a, e, PF_CAT_EMAIL);
	/* Name <mail>, Name (mail), "Name" <mail> */
	{
		size_t b = a;

		while (b > 0 && (t[b - 1] == ' ' || t[b - 1] == '\t'))
			b--;
		if (b > 0 &&
		    (t[b - 1] == '<' || t[b - 1] == '(' || t[b - 1] == '[')) {
			b--;
			while (b > 0 && (t[b - 1] == ' ' || t[b - 1] == '\t'))
				b--;
			name_before(sc, b);
		} else if (b > 0 && (t[b - 1] == ',' || t[b - 1] == ':' ||
				     t[b - 1] == '-')) {
			/* by Name, mail / Name: mail / Name - mail */
			b--;
			while (b > 0 && (t[b - 1] == ' ' || t[b - 1] == '\t'))
				b--;
			name_before(sc, b);
		} else if (b < a) {
			/* Jane Doe jane@x.io */
			name_before(sc, b);
		}
	}
	/* mail (Name) */
	{
		size_t p = e;

		if (p < sc->n && t[p] == '>')
			p++;
		while (p < sc->n && t[p] == ' ')
			p++;
		if (p < sc->n && t[p] == '(') {
			const char *close = memchr(
				t + p, ')', sc->n - p > 80 ? 80 : sc->n - p);

			if (close && memchr(t + p, '\n',
					    (size_t)(close - (t + p))) == NULL)
				name_before(sc, (size_t)(close - t));
		}
	}
}
