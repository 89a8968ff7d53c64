/*
 * Secret-ish assignments: the value given to a name such as password,
 * token, api_key or secret (`key = value` in code, .env, YAML, XML,
 * command lines, setters), whatever the value looks like.
 */
#include <string.h>

#include "redact_int.h"

/* clang-format off */
static const char *const key_exclude[] = {
	"algorithm", "class", "column", "count", "dir", "display",
	"enabled", "encoding", "endpoint", "env", "expiration", "expire",
	"expires", "expiry", "field", "fields", "file", "format", "header",
	"hint", "id", "ids", "index", "input", "kind", "label", "len",
	"length", "limit", "location", "max", "min", "mode", "name",
	"names", "num", "param", "path", "pattern", "placeholder", "policy",
	"prefix", "provider", "regex", "required", "rotation", "size",
	"source", "strength", "suffix", "timeout", "ttl", "type", "uri",
	"url", "validator", "var", "version",
};
/* clang-format on */

/* Word w (wl bytes) equals s / ends with s. */
#define WEQ(w, wl, s) ((wl) == sizeof(s) - 1 && !memcmp((w), (s), (wl)))
#define WENDS(w, wl, s)                                                        \
	((wl) >= sizeof(s) - 1 &&                                              \
	 !memcmp((w) + (wl) - (sizeof(s) - 1), (s), sizeof(s) - 1))

static int strong_part(const char *w, size_t wl)
{
	static const struct {
		const char *s;
		size_t n;
	} sw[] = {
		{ "password", 8 },    { "passwd", 6 },
		{ "passphrase", 10 }, { "secret", 6 },
		{ "token", 5 },	      { "apikey", 6 },
		{ "credential", 10 }, { "credentials", 11 },
		{ "privatekey", 10 }, { "accesskey", 9 },
		{ "secretkey", 9 },   { "clientsecret", 12 },
	};

	if (WEQ(w, wl, "pwd") || WEQ(w, wl, "pass") || WEQ(w, wl, "creds") ||
	    WEQ(w, wl, "pw"))
		return 1;
	for (size_t s = 0; s < PF_ARRAY_SIZE(sw); s++) {
		size_t n = sw[s].n;

		/* the word, a compound ending in it ("pgpassword"), or its
		 * plural ("tokens") */
		if (wl >= n && !memcmp(w + wl - n, sw[s].s, n) &&
		    (wl == n || n >= 5))
			return 1;
		if (wl == n + 1 && w[n] == 's' && !memcmp(w, sw[s].s, n))
			return 1;
	}
	return 0;
}

/* 0: not a secret name, 1: weak (key, auth), 2: strong. */
static int classify_key(const char *k, size_t n)
{
	char *parts[16], buf[80];
	char store[160];
	size_t nr, i;
	int strength = 0;

	if (n >= sizeof(buf))
		n = sizeof(buf) - 1;
	memcpy(buf, k, n);
	buf[n] = '\0';
	nr = pf_redact_split(buf, parts, PF_ARRAY_SIZE(parts), store,
			     sizeof(store));
	for (i = 0; i < nr; i++) {
		const char *w = parts[i], *nx = i + 1 < nr ? parts[i + 1] : "";
		size_t wl = strlen(w);

		if (in_sorted(key_exclude, PF_ARRAY_SIZE(key_exclude), w, wl))
			return 0;
		if (strength == 2)
			continue; /* only an excluded part can change it */
		if (strong_part(w, wl))
			strength = 2;
		else if (!strcmp(nx, "key") &&
			 (WEQ(w, wl, "api") || WEQ(w, wl, "access") ||
			  WEQ(w, wl, "private") || WEQ(w, wl, "secret") ||
			  WEQ(w, wl, "signing") || WEQ(w, wl, "encryption") ||
			  WEQ(w, wl, "master") || WEQ(w, wl, "client") ||
			  WEQ(w, wl, "app") || WEQ(w, wl, "account")))
			strength = 2;
		else if (WEQ(w, wl, "key") ||
			 (wl > 3 && WENDS(w, wl, "key") &&
			  !WEQ(w, wl, "monkey") && !WEQ(w, wl, "hotkey")) ||
			 WEQ(w, wl, "auth") || WEQ(w, wl, "authorization") ||
			 WEQ(w, wl, "salt") || WEQ(w, wl, "dsn") ||
			 WEQ(w, wl, "sig") || WEQ(w, wl, "signature"))
			strength = 1;
	}
	return strength;
}

/* Is the memo's key a (n bytes) the key k?  As the hash, 8 bytes a
 * step, the last overlapping: a call of memcmp() a key was a tenth of
 * keyword_assign(). */
static int memo_eq(const char *a, const char *k, size_t n)
{
	uint64_t x, y;

	if (n < 8)
		return !memcmp(a, k, n);
	for (size_t i = 0; i + 8 < n; i += 8) {
		memcpy(&x, a + i, 8);
		memcpy(&y, k + i, 8);
		if (x != y)
			return 0;
	}
	memcpy(&x, a + n - 8, 8);
	memcpy(&y, k + n - 8, 8);
	return x == y;
}

/* classify_key() through the scan's memo, if any. */
static int memo_classify(struct key_memo *m, const char *k, size_t n)
{
	uint64_t h = n, w;
	unsigned x;

	if (!m || !n || n >= sizeof(m->key[0]))
		return classify_key(k, n);
	/* 8 bytes a step, the last step overlapping (n < 8: bytes): a
	 * byte a step cost a fifth of a key's time */
	if (n >= 8) {
		for (size_t i = 0; i + 8 < n; i += 8) {
			memcpy(&w, k + i, 8);
			h = (h ^ w) * 0x9E3779B97F4A7C15ULL;
		}
		memcpy(&w, k + n - 8, 8);
		h = (h ^ w) * 0x9E3779B97F4A7C15ULL;
	} else {
		for (size_t i = 0; i < n; i++)
			h = (h ^ (unsigned char)k[i]) * 0x100000001b3ULL;
	}
	x = (unsigned)(h >> 58) % KEY_MEMO_NR;
	if (m->len[x] == n && memo_eq(m->key[x], k, n))
		return m->strength[x];
	m->len[x] = (unsigned char)n;
	memcpy(m->key[x], k, n);
	m->strength[x] = (signed char)classify_key(k, n);
	return m->strength[x];
}

/*
 * The called function of a credential-named call (the key's last
 * segment, '_' dropped, any case): 2 for login, logon, signin, log_in,
 * sign_in, authenticate (every string argument is a credential), 1 for
 * connect (token-looking ones only: hosts and database names are
 * arguments too), else 0.
 */
static int call_verb(const char *k, size_t n)
{
	static const char *const strong[] = { "authenticate", "login", "logon",
					      "signin" };
	char w[16];
	size_t a = n, l = 0;

	while (a > 0 && k[a - 1] != '.' && k[a - 1] != '-')
		a--;
	for (size_t i = a; i < n; i++) {
		if (k[i] == '_')
			continue;
		if (l + 1 >= sizeof(w))
			return 0;
		w[l++] = (char)lower((unsigned char)k[i]);
	}
	w[l] = '\0';
	for (size_t i = 0; i < PF_ARRAY_SIZE(strong); i++)
		if (!strcmp(w, strong[i]))
			return 2;
	return !strcmp(w, "connect");
}

/* Is s (n bytes) the word w (not empty)?  The first byte before
 * strlen(): most values start otherwise. */
static int word_eq(const char *s, size_t n, const char *w)
{
	return n && s[0] == w[0] && strlen(w) == n && !memcmp(s, w, n);
}

static int is_value_keyword(const char *s, size_t n)
{
	/* clang-format off */
	static const char *const kw[] = {
		"null", "None", "nil", "true", "false", "True", "False",
		"undefined", "NULL", "nullptr", "\"\"", "''", "none", "Nothing",
		"required", "optional", "string", "str",
	};
	/* clang-format on */

	/* none is longer than "undefined": most values (tokens, URLs) are,
	 * and cost no walk of the list */
	if (n > 9)
		return 0;
	for (size_t i = 0; i < PF_ARRAY_SIZE(kw); i++)
		if (word_eq(s, n, kw[i]))
			return 1;
	return 0;
}

/* ${VAR} {{ x }} %VAR% $VAR <your-token> process.env.X */
static int is_reference(const char *s, size_t n)
{
	if (!n)
		return 1;
	if (s[0] == '$' && n > 1 &&
	    (s[1] == '{' || s[1] == '(' || s[1] == '_' || IS(s[1], C_UPPER) ||
	     IS(s[1], C_LOWER)))
		return 1;
	if (n >= 4 && s[0] == '{' && s[1] == '{' && s[n - 1] == '}' &&
	    s[n - 2] == '}')
		return 1;
	if (n >= 3 && s[0] == '%' && s[n - 1] == '%')
		return 1;
	if (n >= 3 && s[0] == '<' && s[n - 1] == '>' && !memchr(s, ' ', n))
		return 1;
	return 0;
}

/* a.b.c identifiers (no digits required) */
static int is_member_chain(const char *s, size_t n)
{
	int dot = 0;

	if (!n || !(IS(s[0], C_UPPER | C_LOWER) || s[0] == '_' || s[0] == '$'))
		return 0;
	for (size_t i = 0; i < n; i++) {
		if (s[i] == '.') {
			if (i + 1 >= n || !(IS(s[i + 1], C_UPPER | C_LOWER) ||
					    s[i + 1] == '_'))
				return 0;
			dot = 1;
		} else if (!IS(s[i], C_WORD) && s[i] != '$') {
			return 0;
		}
	}
	return dot;
}
static void assignment_value(struct scan *sc, size_t p, int strength,
			     int env_like, int tight_eq, int colon_op);

/*
 * The string literals inside the bracket opening at `open`: as values
 * given to a secret name (as_value: assignment_value() judges each, lines
 * may break inside), or else each one a secret, on this line only.
 */
static void bracket_literals(struct scan *sc, size_t open, int strength,
			     int as_value)
{
	const char *t = sc->t;
	size_t n = sc->n, k = open + 1;
	int depth = 1;

	while (k < n && depth > 0 && k - open < 4096) {
		if (t[k] == '\n' && !as_value)
			break;
		if (t[k] == '"' || t[k] == '\'' || t[k] == '`') {
			size_t qe = quote_end(t, n, k);

			if (!qe)
				break;
			if (as_value)
				assignment_value(sc, k, strength, 0, 0, 0);
			else if (qe > k + 1 &&
				 !is_reference(t + k + 1, qe - k - 1))
				add_secret(sc->sp, k + 1, qe, K_ASSIGN);
			k = qe + 1;
			continue;
		}
		if (t[k] == '(' || t[k] == '[' || t[k] == '{')
			depth++;
		else if (t[k] == ')' || t[k] == ']' || t[k] == '}')
			depth--;
		k++;
	}
}

/*
 * The end of a value written to the line's end from a: its end, or a
 * trailing comment's blank (" #").  Values such as URLs and tokens are
 * long: 16 bytes without a blank or line end are passed in one step
 * where SSE2 is (as quote_end()).
 */
static size_t line_value_end(const char *t, size_t n, size_t b)
{
#if defined(__SSE2__) && !defined(PF_REDACT_SCALAR)
	const __m128i nl = _mm_set1_epi8('\n'), cr = _mm_set1_epi8('\r'),
		      sp = _mm_set1_epi8(' '), tab = _mm_set1_epi8('\t');

	while (n - b >= 16) {
		__m128i x = _mm_loadu_si128((const __m128i *)(t + b));
		unsigned m = (unsigned)_mm_movemask_epi8(
			_mm_or_si128(_mm_or_si128(_mm_cmpeq_epi8(x, nl),
						  _mm_cmpeq_epi8(x, cr)),
				     _mm_or_si128(_mm_cmpeq_epi8(x, sp),
						  _mm_cmpeq_epi8(x, tab))));

		if (!m) {
			b += 16;
			continue;
		}
		b += (unsigned)__builtin_ctz(m);
		if (t[b] == '\n' || t[b] == '\r' ||
		    (b + 1 < n && t[b + 1] == '#'))
			return b;
		b++;
	}
#endif
	while (b < n && t[b] != '\n' && t[b] != '\r' &&
	       !((t[b] == ' ' || t[b] == '\t') && b + 1 < n && t[b + 1] == '#'))
		b++;
	return b;
}

static void assignment_value(struct scan *sc, size_t p, int strength,
			     int env_like, int tight_eq, int colon_op)
{
	const char *t = sc->t;
	size_t n = sc->n, a, b;
	int quoted = 0;

	while (p < n && (t[p] == ' ' || t[p] == '\t'))
		p++;
	/* string prefixes: f"", r'', b"", u8"", L"", @"" */
	{
		size_t q = p;

		while (q < n && q - p < 2 &&
		       (IS(t[q], C_LOWER | C_UPPER) || t[q] == '@' ||
			t[q] == '8'))
			q++;
		if (q > p && q < n && (t[q] == '"' || t[q] == '\''))
			p = q;
	}
	if (p >= n)
		return;
	if (t[p] == '"' || t[p] == '\'' || t[p] == '`') {
		size_t e = quote_end(t, n, p);

		if (!e)
			return;
		a = p + 1;
		b = e;
		quoted = 1;
	} else if (env_like) {
		a = p;
		b = p;
		b = line_value_end(t, n, a);
		while (b > a && (t[b - 1] == ' ' || t[b - 1] == '\t' ||
				 t[b - 1] == ',' || t[b - 1] == ';'))
			b--;
	} else {
		a = p;
		b = p;
		while (b < n && t[b] != ' ' && t[b] != '\t' && t[b] != '\n' &&
		       t[b] != '\r' && t[b] != ',' && t[b] != ';' &&
		       t[b] != ')' && t[b] != ']' && t[b] != '}' &&
		       t[b] != '"' && t[b] != '\'' && t[b] != '<')
			b++;
	}
	if (b <= a || is_reference(t + a, b - a))
		return;
	if (!quoted && (t[a] == '(' || t[a] == '[' || t[a] == '{')) {
		/* auth=("user", "pass"), password: ['x'] - every literal of
		 * the bracket, on this line */
		bracket_literals(sc, a, strength, 0);
		return;
	}
	if (!quoted) {
		if (strchr("([{&*!@|>", t[a]) || memchr(t + a, '(', b - a) ||
		    memchr(t + a, '[', b - a) ||
		    is_value_keyword(t + a, b - a) ||
		    is_member_chain(t + a, b - a))
			return;
		if (all_of(t + a, b - a, C_WORD) &&
		    !(t[a] >= '0' && t[a] <= '9')) {
			/* A plain identifier: a variable in code, a value in
			 * .env (KEY=value) and YAML (key: value). */
			size_t e = b;

			while (e < n && (t[e] == ' ' || t[e] == '\t'))
				e++;
			if (!(env_like &&
			      (tight_eq ||
			       (colon_op && (e >= n || t[e] == '\n' ||
					     t[e] == '\r' || t[e] == '#')))))
				return;
		}
	}
	if (b - a < 6) {
		size_t k = a;

		while (k < b && t[k] >= '0' && t[k] <= '9')
			k++;
		if (k == b)
			return; /* short numbers: ports, counts */
	}
	if (strength == 1) {
		/* key=, auth=: only token-looking values */
		if (b - a < 8 || memchr(t + a, ' ', b - a) ||
		    memchr(t + a, '{', b - a))
			return;
		{
			int upper = 0, low = 0, other = 0;

			for (size_t k = a; k < b; k++) {
				if (IS(t[k], C_UPPER))
					upper = 1;
				else if (IS(t[k], C_LOWER))
					low = 1;
				else if (t[k] != '_' && t[k] != '-' &&
					 t[k] != '.' && t[k] != ':' &&
					 t[k] != '/')
					other = 1;
			}
			if (!other && !(upper && low))
				return;
		}
	}
	add_secret(sc->sp, a, b, K_ASSIGN);
}

/* Past a type name at q (`key Type = v` in Go, Kotlin, TypeScript) and
 * the blanks after it; at most max bytes of type. */
static size_t skip_type(const char *t, size_t n, size_t q, size_t max)
{
	size_t r = q;

	while (r < n && r - q < max &&
	       (IS(t[r], C_WORD) || t[r] == '.' || t[r] == '[' || t[r] == ']' ||
		t[r] == '*' || t[r] == '<' || t[r] == '>' || t[r] == '?'))
		r++;
	while (r < n && t[r] == ' ')
		r++;
	return r;
}

#define OPERATOR_BITS                                                          \
	(1ULL << '=' | 1ULL << ':' | 1ULL << '!' | 1ULL << '?' | 1ULL << '+' | \
	 1ULL << '<' | 1ULL << '(' | 1ULL << '>')

/* Does an operator follow the key that ends at e?  Only then is the key
 * worth a closer look. */
static int operator_follows(const char *t, size_t n, size_t e)
{
	size_t q = e;

	while (q < n && q - e < 3 &&
	       (t[q] == '"' || t[q] == '\'' || t[q] == ']' || t[q] == '`' ||
		t[q] == ' ' || t[q] == '\t')) {
		/* KEY "value" (#define) */
		if ((t[q] == '"' || t[q] == '\'') && q > e &&
		    (t[q - 1] == ' ' || t[q - 1] == '\t'))
			return 1;
		q++;
	}
	/* key Type = value (Go, Kotlin, TypeScript) */
	if (q > e && q < n && IS(t[q], C_UPPER | C_LOWER)) {
		size_t r = skip_type(t, n, q, 40);

		if (r < n && t[r] == '=')
			return 1;
	}
	if (q >= n)
		return 0;
	/* one of "=:!?+<(>", all below 64: a bit each of one word, no
	 * strchr() call a key */
	return (unsigned char)t[q] < 64 &&
	       (OPERATOR_BITS >> (unsigned char)t[q] & 1);
}

/* Does the key at i start its line (line: where the line starts), but
 * for blanks, `export `, `ENV `, `ARG `, `set `, `- ` and opening quotes
 * or '$'?  Then an unquoted value is a literal (.env, YAML, shell). */
static int env_like_key(const char *t, size_t line, size_t i)
{
	size_t k = line;

	while (k < i && (t[k] == ' ' || t[k] == '\t'))
		k++;
	/* memcmp(), not strncmp(): the bytes are there (k + l <= i), none
	 * of the words holds a NUL, and the compiler compares in place */
	if (k + 7 <= i && !memcmp(t + k, "export ", 7))
		k += 7;
	else if (k + 4 <= i &&
		 (!memcmp(t + k, "ENV ", 4) || !memcmp(t + k, "ARG ", 4) ||
		  !memcmp(t + k, "set ", 4)))
		k += 4;
	else if (k + 2 <= i && !memcmp(t + k, "- ", 2))
		k += 2;
	while (k < i && (t[k] == '"' || t[k] == '\'' || t[k] == '$'))
		k++;
	return k == i;
}

/*
 * Past a C array's dimensions after a key ending at e (e when there are
 * none): `char password[] = "x"`, `api_key[33]`, `db_pass[MAX + 1]`,
 * `passwords[i] = "x"`: the literal still goes to the key (two
 * dimensions at most, each a name, a number, a sum or nothing).
 */
static size_t skip_dims(const char *t, size_t n, size_t e)
{
	for (int k = 0; k < 2 && e < n && t[e] == '['; k++) {
		size_t q = e + 1;

		while (q < n && q - e <= 32 &&
		       (IS(t[q], C_WORD) || t[q] == ' ' || t[q] == '+' ||
			t[q] == '-' || t[q] == '*'))
			q++;
		if (q >= n || t[q] != ']')
			break;
		e = q + 1;
	}
	return e;
}

/* Past the closing quotes or brackets of a key ending at e: "password": ,
 * ['token'] = */
static size_t skip_key_close(const char *t, size_t n, size_t e)
{
	size_t p = e;

	for (int k = 0;
	     k < 2 && p < n &&
	     (t[p] == '"' || t[p] == '\'' || t[p] == ']' || t[p] == '`');
	     k++)
		p++;
	return p;
}

/* <password>value</password>: the element's text (p after the name). */
static void xml_value(struct scan *sc, size_t p)
{
	const char *t = sc->t;
	size_t n = sc->n, b;

	if (p >= n || t[p] != '>')
		return;
	b = p + 1;
	while (b < n && t[b] != '<' && t[b] != '\n' && b - p < 4096)
		b++;
	if (b < n && t[b] == '<' && b > p + 1 &&
	    !is_reference(t + p + 1, b - p - 1))
		add_secret(sc->sp, p + 1, b, K_ASSIGN);
}

/* Go/TS/Kotlin `key Type = v`, `key: Type = v`: the '=' after the type
 * (p: the first non-blank after the key's end e), else p. */
static size_t skip_typed_decl(const char *t, size_t n, size_t p, size_t e)
{
	size_t q = p, r;

	if (t[q] == ':' && q + 1 < n && t[q + 1] != ':' && t[q + 1] != '=')
		q++;
	while (q < n && t[q] == ' ')
		q++;
	if (!(q < n && IS(t[q], C_UPPER | C_LOWER) && (q > p || p > e)))
		return p;
	r = skip_type(t, n, q, (size_t)-1);
	if (r + 1 < n && t[r] == '=' && t[r + 1] != '=' && t[r + 1] != '>')
		return r;
	return p;
}

/*
 * setPassword("x"), password.equals("x"), login("admin", "x") (p at the
 * '('): every string literal among the arguments, as if assigned to the
 * name; nested calls and lines within the parentheses included.
 */
static void call_value(struct scan *sc, size_t p, int strength)
{
	bracket_literals(sc, p, strength, 1);
}

/* Past the operator at p: = == === != !== => := ?= += <- or ':' (then
 * *colon_op = 1); 0 when there is none. */
static size_t skip_operator(const char *t, size_t n, size_t p, int *colon_op)
{
	if (p + 2 < n && t[p] == '=' && t[p + 1] == '=' && t[p + 2] == '=')
		return p + 3;
	if (p + 2 < n && t[p] == '!' && t[p + 1] == '=' && t[p + 2] == '=')
		return p + 3;
	if (p + 1 < n &&
	    ((t[p] == '=' && (t[p + 1] == '=' || t[p + 1] == '>')) ||
	     (t[p] == '!' && t[p + 1] == '=') ||
	     (t[p] == ':' && t[p + 1] == '=') ||
	     (t[p] == '?' && t[p + 1] == '=') ||
	     (t[p] == '+' && t[p + 1] == '=') ||
	     (t[p] == '<' && t[p + 1] == '-')))
		return p + 2;
	if (t[p] == '=')
		return p + 1;
	if (t[p] == ':' && !(p + 1 < n && t[p + 1] == ':')) {
		*colon_op = 1;
		return p + 1;
	}
	return 0;
}

/* #define PASSWORD "x": p at the quote, e the key's end, line where the
 * key's line starts. */
static int is_define_value(const char *t, size_t line, size_t i, size_t e,
			   size_t p)
{
	return t[p] == '"' && p > e && line < i &&
	       !strncmp(t + line, "#define", 7);
}

/* A key name [i, e) (from key_run()): `key = value` and friends. */
void pf_redact_keyword_assign(struct scan *sc, size_t i, size_t e)
{
	const char *t = sc->t;
	size_t n = sc->n, p, q, line, ed = skip_dims(t, n, e);
	int strength, verb, env_like, tight_eq, colon_op = 0, cli;

	if (!operator_follows(t, n, ed))
		return;
	strength = memo_classify(sc->memo, t + i, e - i);
	p = ed > e ? ed : skip_key_close(t, n, e);
	if (!strength) {
		/* a credential-named call counts as a call only */
		while (p < n && (t[p] == ' ' || t[p] == '\t'))
			p++;
		if (p < n && t[p] == '(' && (verb = call_verb(t + i, e - i)))
			call_value(sc, p, verb);
		return;
	}
	/* the line's start only now: a key of no strength needs none */
	{
		const char *nl = memrchr(t, '\n', i);

		line = nl ? (size_t)(nl - t) + 1 : 0;
	}
	env_like = env_like_key(t, line, i);
	cli = i > 1 && t[i - 1] == '-' && t[i - 2] == '-';
	if (i > 0 && t[i - 1] == '<') {
		xml_value(sc, p);
		return;
	}
	if (cli && p < n && t[p] == ' ') {
		assignment_value(sc, p, strength, 1, 1, 0);
		return;
	}
	tight_eq = p < n && t[p] == '=' && p > i && t[p - 1] != ' ';
	if (cli)
		env_like = 1; /* --password=x: a literal on a command line */
	while (p < n && (t[p] == ' ' || t[p] == '\t'))
		p++;
	if (p >= n)
		return;
	q = skip_typed_decl(t, n, p, e);
	if (q != p) {
		p = q;
		env_like = 0;
	}
	if (t[p] == '(') {
		verb = call_verb(t + i, e - i);
		call_value(sc, p, strength > verb ? strength : verb);
		return;
	}
	q = skip_operator(t, n, p, &colon_op);
	if (!q) {
		if (!is_define_value(t, line, i, e, p))
			return;
		q = p;
	}
	assignment_value(sc, q, strength, env_like, tight_eq, colon_op);
}
