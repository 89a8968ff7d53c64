/*
 * Differential fuzzer of the redactor (issue 12 item 4, review of the
 * speed rounds): random texts built from pieces that stress the parts
 * the speed work touched (the rules matched without PCRE2, names folded
 * 8 bytes a step, the vault's folded chains and counted-up placeholders,
 * the TLD index and URL tables, encoded runs, .env values, the names'
 * merge), redacted by this build of the library.  The same source is
 * linked with an old library and with the new one (bench/redact-fuzz.sh);
 * both print one line per case, a hash of everything the case produced,
 * and the script compares them.  Everything is a pure function of the
 * seed and the case number, so a differing case is replayed with --dump.
 *
 *   redact_fuzz SEED FIRST COUNT     one "case hash flags" line per case
 *   redact_fuzz SEED CASE --dump     the case's texts and results, readable
 *
 * What a case produces: each of its 1..3 texts redacted into one vault
 * (with one of four contexts: none, people, organisations and words,
 * everything), the vault's entries in order (placeholder, category,
 * original), every placeholder looked up, each redacted text restored
 * (with itself as the sent text) and expanded, and the secrets
 * pf_redact_find_secrets() reports.  flags bit 0: a text holds a word
 * followed by '[' (the one deliberate change of the round: a key with C
 * array dimensions, `char password[] = "x"`, now redacts the literal).
 * Only the library's public API is used: it links against any revision.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pushfix/buf.h"
#include "pushfix/err.h"
#include "pushfix/redact.h"

static unsigned long long rng;

static unsigned rnd(unsigned n)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return n ? (unsigned)((rng >> 11) % n) : 0;
}

#define PICK(a) (a)[rnd(sizeof(a) / sizeof((a)[0]))]
#define UP "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
#define LO "abcdefghijklmnopqrstuvwxyz"
#define DIG "0123456789"
#define ALNUM UP LO DIG
#define HEXL "0123456789abcdef"
#define HEXM "0123456789abcdefABCDEF"
#define B64 ALNUM "+/"
#define URLSAFE ALNUM "_-"

static void chars(struct pf_buf *b, const char *set, size_t n)
{
	size_t m = strlen(set);

	for (size_t i = 0; i < n; i++)
		pf_buf_addch(b, set[rnd((unsigned)m)]);
}

static void adds(struct pf_buf *b, const char *s)
{
	pf_buf_add(b, s, strlen(s));
}

/* A length around [lo, hi]: mostly inside, often on or just past a
 * bound (where a hand-written matcher and the regex may disagree). */
static size_t around(size_t lo, size_t hi)
{
	switch (rnd(6)) {
	case 0:
		return lo > 2 ? lo - 1 - rnd(2) : lo;
	case 1:
		return lo;
	case 2:
		return hi;
	case 3:
		return hi + 1 + rnd(2);
	default:
		return lo + rnd((unsigned)(hi - lo + 1));
	}
}

/* ASCII case games on what was just appended from `from` on. */
static void recase(struct pf_buf *b, size_t from)
{
	unsigned how = rnd(8);

	for (size_t i = from; i < b->len; i++) {
		unsigned char c = (unsigned char)b->buf[i];

		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')))
			continue;
		if (how == 0 || (how == 2 && rnd(2)))
			c = (unsigned char)(c | 0x20);
		else if (how == 1 || (how == 3 && rnd(2)))
			c = (unsigned char)(c & ~0x20);
		b->buf[i] = (char)c;
	}
}

/* Replace one byte of what was appended from `from` on by a byte
 * likely outside the rule's class. */
static void mutate(struct pf_buf *b, size_t from)
{
	static const char odd[] = ".-_+/=:@ \"'\n\t#%~!$[]{}()<>,;\\\x80\xc3";

	if (b->len <= from)
		return;
	b->buf[from + rnd((unsigned)(b->len - from))] =
		odd[rnd(sizeof(odd) - 1)];
}

/* ---- the token rules of src/redact/rules.c, as templates ---- */

/* A template: literal pieces and runs of a class, "|"-separated:
 * "=lit" a literal, "*SET,lo,hi" a run of lo..hi bytes of SET (SET a
 * key of classes[] below). */
static const char *const rules[] = {
	"=AKIA|*U,16,16",
	"=ASIA|*U,16,16",
	"=ABIA|*U,16,16",
	"=ACCA|*U,16,16",
	"=A3T|*U,17,17",
	"=ghp_|*A,30,255",
	"=gho_|*A,30,40",
	"=ghu_|*A,30,40",
	"=ghs_|*A,30,40",
	"=ghr_|*A,30,40",
	"=github_pat_|*W,22,90",
	"=glpat-|*S,20,40",
	"=gldt-|*S,20,30",
	"=glrt-|*S,20,30",
	"=glptt-|*S,20,30",
	"=glcbt-|*S,20,30",
	"=glft-|*S,20,30",
	"=glimt-|*S,20,30",
	"=glsoat-|*S,20,30",
	"=gloas-|*S,20,30",
	"=glagent-|*S,20,30",
	"=glpat-|*S,20,30|=.|*l,9,9",
	"=GR1348941|*S,20,30",
	"=xoxa-|*D,10,40",
	"=xoxb-|*D,10,40",
	"=xoxp-|*D,10,40",
	"=xoxo-|*D,10,40",
	"=xoxs-|*D,10,40",
	"=xoxe-|*D,10,40",
	"=xoxr-|*D,10,40",
	"=xoxz-|*D,10,40",
	"=xapp-|*d,1,1|=-|*U,1,12|=-|*d,1,12|=-|*l,1,12",
	"=hooks.slack.com/services/|*P,10,40",
	"=hooks.slack.com/workflows/|*P,10,40",
	"=hooks.slack.com/triggers/|*P,10,40",
	"=hooks.slack.com/other/|*P,10,40",
	"=sk_test_|*A,10,40",
	"=sk_live_|*A,10,40",
	"=rk_prod_|*A,10,40",
	"=pk_live_|*A,10,40",
	"=pk_dev_|*A,10,40",
	"=whsec_|*B,20,40",
	"=AIza|*S,30,40",
	"=ya29.|*S,20,40",
	"=GOCSPX-|*S,20,40",
	"=sk-|*S,20,60",
	"=sk-proj-|*S,20,60",
	"=sk-ant-api03-|*S,20,90|=AA",
	"=npm_|*A,36,36",
	"=pypi-AgEIcHlwaS5vcmc|*S,40,60",
	"=pypi-AgEIcHlwaS5vcm|*S,40,60",
	"=hf_|*L,30,40",
	"=api_org_|*L,30,40",
	"=SG.|*S,16,32|=.|*S,16,64",
	"=AC|*X,32,32",
	"=SK|*X,32,32",
	"=key-|*A,32,32",
	"=shpat_|*X,32,32",
	"=shpca_|*X,32,32",
	"=shppa_|*X,32,32",
	"=shpss_|*X,32,32",
	"=dop_v1_|*h,64,64",
	"=doo_v1_|*h,64,64",
	"=dor_v1_|*h,64,64",
	"=dapi|*h,32,32",
	"=dapi|*h,32,32|=-|*d,1,1",
	"=sq0atp-|*S,22,60",
	"=sq0csp-|*S,22,60",
	"=EAAA|*S,60,60",
	"=ATATT3|*E,100,120",
	"=dp.pt.|*A,40,50",
	"=hvs.|*S,24,40",
	"=hvb.|*S,24,40",
	"=glsa_|*A,32,32|=_|*X,8,8",
	"=glc_|*B,32,48|==",
	"=glc_|*B,32,48|===",
	"=PMAK-|*X,24,24|=-|*X,34,34",
	"=lin_api_|*A,40,40",
	"=NRAK-|*U,27,27",
	"=AGE-SECRET-KEY-1|*U,58,58",
	"=ey|*S,12,30|=.ey|*J,12,30|=.|*J,10,40",
	"=ey|*S,12,30|=.ey|*J,12,30|=.",
	"=ey|*S,12,30|=.ey|*J,12,30|=.|*J,10,40|==",
	"=AccountKey=|*B,20,60",
	"=accountkey=|*B,20,60",
	"=SharedAccessKey=|*Q,20,60",
	"=SharedAccessSignature=|*Q,20,60",
	"=sharedaccesskey=|*Q,20,60",
	"=sig=|*Z,20,60",
	"=Bearer |*T,8,40",
	"=bearer\t|*T,8,40",
	"=BEARER  |*l,8,20",
	"=Basic |*B,8,40",
	"=basic |*B,8,40|==",
	"=BASIC |*L,8,20",
	"*d,5,16|=:A|*S,34,34",
	"=M|*A,23,23|=.|*S,6,6|=.|*S,27,40",
	"=N|*A,23,23|=.|*S,6,6|=.|*S,27,40",
	"=MT|*A,22,22|=.|*S,6,6|=.|*S,27,40",
};

static const char *cls(char k)
{
	switch (k) {
	case 'U': /* [A-Z0-9] */
		return UP DIG;
	case 'A':
		return ALNUM;
	case 'W':
		return ALNUM "_";
	case 'S':
		return URLSAFE;
	case 'D':
		return ALNUM "-";
	case 'd':
		return DIG;
	case 'l':
		return LO DIG;
	case 'L':
		return UP LO;
	case 'P':
		return ALNUM "+/_-";
	case 'B':
		return B64 "=";
	case 'X':
		return HEXM;
	case 'h':
		return HEXL;
	case 'E':
		return ALNUM "_=-";
	case 'J':
		return URLSAFE "/\\";
	case 'Q':
		return ALNUM "%+/=_-";
	case 'Z':
		return ALNUM "%+/=";
	case 'T':
		return ALNUM "._~+/=-";
	}
	return ALNUM;
}

static void rule_token(struct pf_buf *b)
{
	const char *r = PICK(rules);
	size_t from = b->len;
	int near_miss = rnd(3) == 0;

	while (*r) {
		const char *e = strchr(r, '|');
		size_t n = e ? (size_t)(e - r) : strlen(r);

		if (*r == '=') {
			size_t at = b->len;

			pf_buf_add(b, r + 1, n - 1);
			if (near_miss && !rnd(4))
				recase(b, at);
			if (near_miss && !rnd(6) && b->len > at + 1)
				pf_buf_setlen(b, b->len - 1); /* cut short */
		} else {
			char k = r[1];
			unsigned lo = (unsigned)strtoul(r + 3, NULL, 10);
			unsigned hi = (unsigned)strtoul(strchr(r + 3, ',') + 1,
							NULL, 10);
			size_t len = near_miss ? around(lo, hi)
					       : lo + rnd(hi - lo + 1);

			chars(b, cls(k), len);
		}
		r += n + (e != NULL);
	}
	if (near_miss && !rnd(3))
		mutate(b, from);
}

/* ---- names ---- */

static const char *const people[] = {
	"Jörg Müller",	  "Åsa Lindström", "ÅSA",	    "Zoë Brontë",
	"Dave Gamble",	  "Ada Lovelace",  "Bjørn Ødegård", "José Núñez",
	"Max Mustermann", "Li Wei",	   "Françoise",	    "Øyvind",
};
static const char *const spellings[] = {
	"Jörg",
	"JÖRG",
	"jörg",
	"JöRG",
	"Müller",
	"MÜLLER",
	"müller",
	"MüLLER",
	"Åsa",
	"åsa",
	"ÅSA",
	"åSA",
	"Lindström",
	"LINDSTRÖM",
	"lindstrom",
	"Zoë",
	"ZOË",
	"zoe",
	"Brontë",
	"Dave",
	"DAVE",
	"dave",
	"Gamble",
	"gamble",
	"GAMBLE",
	"Ada",
	"ada",
	"Lovelace",
	"LOVELACE",
	"lovelace",
	"AdaLovelace",
	"ada_lovelace",
	"ADA-LOVELACE",
	"ada.lovelace",
	"DaveGamble",
	"dave_gamble",
	"jörg_müller",
	"JörgMüller",
	"Jörg-Müller",
	"Bjørn",
	"BJØRN",
	"Ødegård",
	"ødegård",
	"José",
	"JOSÉ",
	"Núñez",
	"NÚÑEZ",
	"Max",
	"Mustermann",
	"MUSTERMANN",
	"mustermann",
	"Wei",
	"wei",
	"Françoise",
	"FRANÇOISE",
	"françoise",
	"Øyvind",
	"øyvind",
	"Muller",
	"Mueller",
	"Jorg",
	"Asa",
	"jrg",
	"northwind",
	"Northwind",
	"NORTHWIND",
	"NorthwindLogistics",
	"northwind_logistics",
	"northwind-logistics",
	"NORTHWIND_LOGISTICS",
	"mynorthwindapi",
	"logistics",
	"Logistics",
	"cJSON",
	"CJSON",
	"cjson",
	"cJSON_Parse",
	"CJSON_PUBLIC",
	"cJSONLite",
	"cjson_utils",
	"DaveGamble",
	"nwl",
	"NWL",
	"nwlinvoices",
	"Nwl",
	"acme",
	"ACME",
	"AcmeCorp",
	"acme-corp",
	"billing",
	"gitlab.northwind.io",
	"git.acme.corp",
};

static void name_piece(struct pf_buf *b)
{
	static const char *const before[] = {
		"",
		" ",
		"\n",
		"(",
		"\"",
		"'",
		"_",
		"@author ",
		"by ",
		"Copyright (c) 2024 ",
		"/home/",
		"/Users/",
		"C:\\Users\\",
		"x",
		"1",
		"é",
		"<",
		"Signed-off-by: ",
	};
	static const char *const after[] = {
		"",   " ",  "\n",     ")",	 "\"",	 "'", "_",
		"x",  "1",  "é",      " <",	 ",",	 ".", "/src",
		"\\", "()", "_Parse", "_PUBLIC", "Lite",
	};
	size_t from;

	adds(b, PICK(before));
	from = b->len;
	adds(b, rnd(4) ? PICK(spellings) : PICK(people));
	if (!rnd(5))
		recase(b, from);
	adds(b, PICK(after));
	if (!rnd(6)) {
		adds(b, " <");
		adds(b, PICK(spellings));
		adds(b, "@mail.example.org>");
	}
}

/* ---- hosts, URLs, addresses ---- */

static const char *const tlds[] = {
	"ai",
	"au",
	"biz",
	"br",
	"ca",
	"ch",
	"cloud",
	"cn",
	"co",
	"com",
	"corp",
	"de",
	"dev",
	"dk",
	"edu",
	"es",
	"eu",
	"fi",
	"fr",
	"gov",
	"ie",
	"internal",
	"intranet",
	"io",
	"jp",
	"lan",
	"local",
	"localdomain",
	"mil",
	"net",
	"nl",
	"nz",
	"online",
	"org",
	"ru",
	"se",
	"site",
	"tech",
	"uk",
	"us",
	"xyz",
	/* near misses */
	"a",
	"c",
	"comm",
	"cm",
	"coma",
	"ne",
	"nett",
	"localdomai",
	"localdomainx",
	"internals",
	"intranets",
	"xy",
	"xyzz",
	"zz",
	"aa",
	"bz",
	"clou",
	"cloudy",
	"onlin",
	"sitee",
	"tec",
	"techs",
	"COM",
	"Io",
	"dE",
	"example",
	"invalid",
	"test",
	"localhost",
	"json",
	"py",
	"c",
	"h",
	"md",
	"txt",
};

static void label(struct pf_buf *b)
{
	static const char *const names[] = {
		"api",	   "db",	"git",	"www",	"mail",
		"example", "northwind", "acme", "a",	"x-y",
		"foo-",	   "-bar",	"self", "this", "os",
		"config",  "data",	"req",	"math", "localhost",
		"s3",	   "eu-west-1", "123",	"a_b",	"WWW",
	};

	if (rnd(3))
		adds(b, PICK(names));
	else
		chars(b, LO DIG "-", 1 + rnd(12));
}

static void host(struct pf_buf *b)
{
	unsigned labels = 1 + rnd(3);

	for (unsigned i = 0; i < labels; i++) {
		label(b);
		pf_buf_addch(b, '.');
	}
	if (rnd(4))
		adds(b, PICK(tlds));
	else
		chars(b, LO, 2 + rnd(11));
	if (!rnd(8))
		pf_buf_addch(b, '.');
}

static void ipv4(struct pf_buf *b)
{
	static const char *const odd[] = { "127.0.0.1",	      "0.0.0.0",
					   "255.255.255.255", "1.2.3",
					   "1.2.3.4.5",	      "256.1.1.1",
					   "01.02.03.04",     "10.0.0.1" };
	char s[32];

	if (!rnd(3)) {
		adds(b, PICK(odd));
		return;
	}
	snprintf(s, sizeof(s), "%u.%u.%u.%u", rnd(256), rnd(256), rnd(256),
		 rnd(300));
	adds(b, s);
}

static void ipv6(struct pf_buf *b)
{
	static const char *const odd[] = {
		"::",
		"::1",
		"fe80::1",
		"2001:db8::1",
		"::ffff:10.0.0.1",
		"2001:db8:0:0:0:0:0:1",
		"1::",
		"a:b:c",
		"dead:beef::cafe",
		"12345::1",
		"::g",
	};
	unsigned groups = 2 + rnd(7);

	if (rnd(2)) {
		adds(b, PICK(odd));
		return;
	}
	for (unsigned i = 0; i < groups; i++) {
		if (i)
			adds(b, i == 2 && rnd(3) == 0 ? "::" : ":");
		chars(b, HEXM, 1 + rnd(4));
	}
}

static void url(struct pf_buf *b)
{
	static const char *const schemes[] = {
		"http://",	 "https://",	   "ftp://",   "postgres://",
		"redis://",	 "git+ssh://",	   "//",       "HTTP://",
		"s3://",	 "mongodb+srv://", "file:///", "ssh://",
		"jdbc:mysql://", "x://",
	};
	static const char *const users[] = {
		"",
		"user@",
		"user:pass@",
		":pass@",
		"@",
		"admin:hunter2@",
		"a:b@c:d@",
		"u%40x:p%3A@",
		"git@",
		"user:@",
		"oauth2:glpat-abcdefghijklmnopqrst@",
		"x:ghp_abcdefghijklmnopqrstuvwxyz0123@",
	};
	static const char *const tails[] = {
		"",	 "/",		"/path/to/x",
		":8080", ":8080/a?b=c", "?token=abc123",
		"#frag", "/repo.git",	":",
		":abc",	 "@x",		"/a b",
		"\"",	 "'",		")",
		"]",
	};

	adds(b, PICK(schemes));
	if (!rnd(2))
		adds(b, PICK(users));
	else if (!rnd(3)) {
		chars(b, ALNUM ".-_~%!$&'()*+,;=", 1 + rnd(20));
		if (rnd(2)) {
			pf_buf_addch(b, ':');
			chars(b, ALNUM ".-_~%!$&'()*+,;=", rnd(20));
		}
		pf_buf_addch(b, '@');
	}
	switch (rnd(5)) {
	case 0:
		pf_buf_addch(b, '[');
		ipv6(b);
		pf_buf_addch(b, ']');
		break;
	case 1:
		ipv4(b);
		break;
	case 2:
		label(b);
		break;
	default:
		host(b);
	}
	adds(b, PICK(tails));
}

static void email(struct pf_buf *b)
{
	static const char *const locals[] = {
		"jane", "j.doe", "first.last+tag", "x",	  "a_b-c",
		"JÖRG", "dave",	 "\"quoted\"",	   "ada",
	};

	adds(b, PICK(locals));
	if (rnd(3))
		chars(b, LO DIG, rnd(4));
	pf_buf_addch(b, '@');
	host(b);
}

/* ---- encoded runs, entropy ---- */

static const char b64tab[] = UP LO DIG "+/";

static void base64_of(struct pf_buf *b, const char *s, size_t n, int url,
		      int pad)
{
	for (size_t i = 0; i < n; i += 3) {
		unsigned v = (unsigned char)s[i] << 16;
		size_t k = n - i < 3 ? n - i : 3;

		if (k > 1)
			v |= (unsigned char)s[i + 1] << 8;
		if (k > 2)
			v |= (unsigned char)s[i + 2];
		for (size_t j = 0; j < 4; j++) {
			char c = b64tab[(v >> (18 - 6 * j)) & 63];

			if (j > k) {
				if (pad)
					pf_buf_addch(b, '=');
				continue;
			}
			if (url && c == '+')
				c = '-';
			if (url && c == '/')
				c = '_';
			pf_buf_addch(b, c);
		}
	}
}

static void encoded(struct pf_buf *b)
{
	static const char *const plain[] = {
		"user:hunter2",
		"admin:admin",
		"password=hunter22",
		"token: ghp_abcdefghijklmnopqrstuvwxyz0123",
		"api_key = \"AKIAIOSFODNN7EXAMPLE\"",
		"hello world, hello!",
		"x:y",
		"AKIAIOSFODNN7EXAMPLE",
		"secret=s3cr3t-v4lue",
		"just some text here",
		"u:p@host",
		"root:toor\n",
	};
	char raw[64];
	size_t n;

	switch (rnd(4)) {
	case 0: { /* base64 of a text */
		const char *s = PICK(plain);

		base64_of(b, s, strlen(s), rnd(4) == 0, rnd(2));
		break;
	}
	case 1: /* base64 of random bytes, around the 12-byte floor */
		n = 8 + rnd(28);
		for (size_t i = 0; i < n; i++)
			raw[i] = (char)rnd(256);
		base64_of(b, raw, n, rnd(4) == 0, rnd(2));
		break;
	case 2: { /* hex run around 16/24/32/40 */
		size_t at = PICK(((size_t[]){ 16, 24, 32, 40 }));

		chars(b, rnd(3) ? HEXL : HEXM, around(at - 2, at + 2));
		break;
	}
	default: /* a base64-charset run around 20/24 */
		chars(b, rnd(2) ? B64 : ALNUM, around(18, 26));
		if (!rnd(4))
			adds(b, "==");
	}
}

/* ---- assignments, .env lines ---- */

static const char *const keys[] = {
	"password",	"passwd",	 "pwd",
	"pass",		"secret",	 "token",
	"api_key",	"apikey",	 "access_key",
	"auth",		"credential",	 "credentials",
	"creds",	"private_key",	 "client_secret",
	"db_key",	"DB_PASSWORD",	 "AWS_SECRET_ACCESS_KEY",
	"GITHUB_TOKEN", "Password",	 "userPassword",
	"passwordHash", "password_hint", "token_url",
	"keyboard",	"monkey",	 "secretary",
	"bypass",	"passport",	 "tokenizer",
	"author",	"PASSWORDS",	 "setPassword",
	"login",	"signin",	 "authenticate",
	"connect",	"x_auth_token",	 "ApiKey",
	"key",
};

static void assignment(struct pf_buf *b)
{
	static const char *const ops[] = {
		" = ",	"=",   ": ", ":", " := ", " => ", " == ",  " != ",
		" <- ", "=\"", " ",  "(", "(\"",  " ?= ", "\t=\t",
	};
	static const char *const vals[] = {
		"\"hunter2\"",	 "'s3cr3t'",
		"hunter2",	 "\"\"",
		"null",		 "os.getenv(\"X\")",
		"${SECRET}",	 "\"a b c\"",
		"123456",	 "\"p@ss:w0rd/\"",
		"`tick`",	 "\"esc\\\"aped\"",
		"None",		 "\"AKIAIOSFODNN7EXAMPLE\"",
		"\"x\" + \"y\"", "\"ab\" \"cd\"",
		"'a' . 'b'",	 "get_password()",
		"\"\\n\"",
	};
	static const char *const dims[] = { "[]",  "[33]",  "[MAX + 1]",
					    "[i]", "[ ]",   "[a][b]",
					    "[x",  "['k']", "[\"k\"]",
					    "[0]" };
	unsigned form = rnd(9);

	if (form == 0) { /* XML */
		const char *k = PICK(keys);

		adds(b, "<");
		adds(b, k);
		adds(b, ">");
		chars(b, ALNUM "!@#", 1 + rnd(16));
		adds(b, "</");
		adds(b, k);
		adds(b, ">");
		return;
	}
	if (form == 1) { /* CLI */
		adds(b, PICK(((const char *[]){ "--password", "--token",
						"--password=", "--token=",
						"-p ", "--api-key " })));
		if (b->buf[b->len - 1] != '=' && b->buf[b->len - 1] != ' ')
			pf_buf_addch(b, ' ');
		adds(b, PICK(vals));
		return;
	}
	if (form == 2)
		adds(b, PICK(((const char *[]){ "char ", "const char *", "var ",
						"let ", "$", "self.", "obj->",
						"\"", "'", "export " })));
	{
		size_t from = b->len;

		adds(b, PICK(keys));
		if (!rnd(5))
			recase(b, from);
	}
	if (form == 2 && (b->buf[b->len - 1] != '"'))
		if (!rnd(2))
			adds(b, PICK(((const char *[]){ "\"", "'", "']" })));
	if (!rnd(6))
		adds(b, PICK(dims));
	adds(b, PICK(ops));
	if (rnd(3))
		adds(b, PICK(vals));
	else if (rnd(2))
		rule_token(b);
	else
		chars(b, ALNUM "!@#$%^&*-_.", 1 + rnd(30));
	if (!rnd(3))
		adds(b, PICK(((const char *[]){ ";", ",", ")", " # note",
						" // c", "\t#c", " ;" })));
}

static void env_line(struct pf_buf *b)
{
	static const char *const comments[] = {
		"",   " # comment", "\t# c",	"#notacomment", " #", "  ",
		" ,", ";",	    " # a # b", " ;# x",	"\t", " x # y",
	};
	size_t from = b->len;

	adds(b, PICK(keys));
	if (!rnd(3))
		recase(b, from);
	if (!rnd(4))
		chars(b, UP "_", rnd(8));
	adds(b, rnd(6) ? "=" : " = ");
	switch (rnd(4)) {
	case 0:
		rule_token(b);
		break;
	case 1:
		pf_buf_addch(b, '"');
		chars(b, ALNUM " #", rnd(40));
		pf_buf_addch(b, '"');
		break;
	default:
		/* long values, spaces at every offset of a 16-byte step */
		chars(b, ALNUM "/+=:.@-_", rnd(48));
		if (!rnd(3)) {
			pf_buf_addch(b, rnd(2) ? ' ' : '\t');
			chars(b, ALNUM, rnd(20));
		}
	}
	adds(b, PICK(comments));
	adds(b, rnd(4) ? "\n" : "\r\n");
}

/* PEM bodies (one placeholder per line piece) and curl's -u user:pw. */
static void pem_or_curl(struct pf_buf *b)
{
	if (rnd(3)) {
		unsigned lines = 1 + rnd(4);

		adds(b, rnd(4) ? "-----BEGIN RSA PRIVATE KEY-----\n"
			       : "-----BEGIN PRIVATE KEY-----\r\n");
		for (unsigned i = 0; i < lines; i++) {
			chars(b, B64, 1 + rnd(64));
			adds(b, rnd(5) ? "\n" : "\\n\"\n\"");
		}
		if (rnd(4))
			adds(b, "-----END RSA PRIVATE KEY-----");
		return;
	}
	adds(b, PICK(((const char *[]){ "curl -u ", "curl --user ", "curl -su ",
					"curl -u\"" })));
	chars(b, ALNUM, 1 + rnd(8));
	pf_buf_addch(b, ':');
	chars(b, ALNUM "!@", rnd(12));
	adds(b, " https://api.example.io/x");
}

/* ---- glue ---- */

static void filler(struct pf_buf *b)
{
	static const char *const bits[] = {
		" ",	       "\n",	   "\t",	"  ",	     "\r\n",
		"(",	       ")",	   "{",		"}",	     ";",
		",",	       ".",	   " = ",	"\"",	     "'",
		"// ",	       "# ",	   "/* ",	" */",	     "int ",
		"return ",     "static ",  "void ",	"if (",	     "self.",
		"+",	       " + ",	   "\\",	"\\n",	     "`",
		"é",	       "ß",	   "Ü",		"\xff",	     "\x80",
		"PF_SECRET_1", "pf_host_", "PF_ORG_12", "Pf_Lit_3x", "REDACTED",
		"<",	       ">",	   " [",	"]",	     "@",
		":",	       "/",	   "-",		"_",	     "0",
		"42",	       "x",	   "foo",	"bar_baz",   "the ",
		"value",       "README",   "\0",	"=",
	};
	const char *s = PICK(bits);

	if (!*s)
		pf_buf_addch(b, '\0');
	else
		adds(b, s);
}

/* Values already written in this case, to repeat in another case
 * (the vault's one placeholder per value, its spellings). */
struct seen {
	char s[32][96];
	size_t n[32];
	unsigned nr;
};

static void piece(struct pf_buf *b, struct seen *seen)
{
	size_t from = b->len;
	unsigned k = rnd(100);

	if (k < 4 && seen->nr) {
		unsigned j = rnd(seen->nr);

		pf_buf_add(b, seen->s[j], seen->n[j]);
		if (rnd(2))
			recase(b, from);
		return;
	}
	if (k < 16)
		rule_token(b);
	else if (k < 30)
		name_piece(b);
	else if (k < 38)
		host(b);
	else if (k < 44)
		url(b);
	else if (k < 48)
		email(b);
	else if (k < 51)
		ipv4(b);
	else if (k < 53)
		ipv6(b);
	else if (k < 59)
		encoded(b);
	else if (k < 66)
		assignment(b);
	else if (k < 71)
		env_line(b);
	else if (k < 73)
		pem_or_curl(b);
	else {
		filler(b);
		return;
	}
	if (seen->nr < 32 && b->len - from < sizeof(seen->s[0])) {
		memcpy(seen->s[seen->nr], b->buf + from, b->len - from);
		seen->n[seen->nr++] = b->len - from;
	}
}

/* Many distinct values at once: the placeholders' counters carry (9 ->
 * 10, 99 -> 100, 999 -> 1000). */
static void many(struct pf_buf *b, unsigned nr)
{
	unsigned kind = rnd(4);
	char s[64];

	for (unsigned i = 0; i < nr; i++) {
		switch (kind) {
		case 0:
			snprintf(s, sizeof(s), "u%u@h%u.com ", i, rnd(50));
			break;
		case 1:
			snprintf(s, sizeof(s), "10.%u.%u.%u\n", i >> 8, i & 255,
				 rnd(250) + 1);
			break;
		case 2:
			snprintf(s, sizeof(s), "AKIA%016u ", i * 7919);
			break;
		default:
			snprintf(s, sizeof(s), "h%u.corp ", i);
		}
		adds(b, s);
		if (!rnd(8))
			filler(b);
	}
}

static void gen_text(struct pf_buf *b, struct seen *seen)
{
	unsigned pieces = 1 + rnd(rnd(4) ? 24 : 200);

	if (!rnd(12))
		many(b, rnd(4) ? 5 + rnd(120) : 900 + rnd(200));
	for (unsigned i = 0; i < pieces; i++) {
		piece(b, seen);
		if (rnd(2))
			filler(b);
	}
}

/* ---- contexts ---- */

#define NCTX 4
static struct pf_redact_ctx ctxs[NCTX];

static void contexts(void)
{
	for (int i = 0; i < NCTX; i++)
		pf_redact_ctx_init(&ctxs[i]);
	for (int i = 1; i < NCTX; i += 2)
		for (size_t k = 0; k < sizeof(people) / sizeof(people[0]); k++)
			pf_redact_ctx_add_word(&ctxs[i], PF_CAT_PERSON,
					       people[k]);
	for (int i = 2; i < NCTX; i++) {
		pf_redact_ctx_add_remote_url(&ctxs[i],
					     "git@gitlab.northwind.io:"
					     "northwind-logistics/billing.git");
		pf_redact_ctx_add_remote_url(
			&ctxs[i], "https://github.com/DaveGamble/cJSON.git");
		pf_redact_ctx_add_word(&ctxs[i], PF_CAT_ORG, "AcmeCorp");
		pf_redact_ctx_add_word(&ctxs[i], PF_CAT_WORD, "nwl");
		pf_redact_ctx_add_word(&ctxs[i], PF_CAT_WORD, "Åsa");
		pf_redact_ctx_allow_hosts(&ctxs[i], "github.com,.acme.corp");
	}
}

/* ---- one case ---- */

struct out {
	struct pf_buf b;
	int readable;
};

static void put(struct out *o, const char *tag, const char *s, size_t n)
{
	char h[48];

	snprintf(h, sizeof(h), "%s %zu\n", tag, n);
	adds(&o->b, h);
	pf_buf_add(&o->b, s, n);
	pf_buf_addch(&o->b, '\n');
}

static void putn(struct out *o, const char *tag, long long v)
{
	char h[64];

	snprintf(h, sizeof(h), "%s %lld\n", tag, v);
	adds(&o->b, h);
}

static unsigned run_case(unsigned long long seed, unsigned long long idx,
			 struct out *o)
{
	struct pf_vault v;
	struct pf_buf text[3], red[3];
	struct seen seen = { .nr = 0 };
	unsigned ntext, flags = 0, c;
	const char *prefix;

	rng = (seed * 0x9E3779B97F4A7C15ULL) ^ (idx * 0xD1B54A32D192ED03ULL) ^
	      0x2545F4914F6CDD1DULL;
	for (int i = 0; i < 4; i++)
		rnd(2);
	ntext = 1 + (rnd(3) == 0) + (rnd(5) == 0);
	c = rnd(NCTX);
	prefix = rnd(8) ? NULL : "ZQ9";
	putn(o, "ctx", c);
	pf_vault_init(&v, prefix);
	for (unsigned t = 0; t < ntext; t++) {
		pf_buf_init(&text[t]);
		pf_buf_init(&red[t]);
		gen_text(&text[t], &seen);
		for (size_t i = 0; i + 1 < text[t].len; i++) {
			unsigned char a = (unsigned char)text[t].buf[i];

			if (text[t].buf[i + 1] == '[' &&
			    ((a >= 'a' && a <= 'z') || (a >= 'A' && a <= 'Z') ||
			     (a >= '0' && a <= '9') || a == '_' || a == ']'))
				flags |= 1;
		}
		put(o, "text", text[t].buf, text[t].len);
		putn(o, "rc",
		     pf_redact_text(&red[t], &v, &ctxs[c], text[t].buf,
				    text[t].len));
		put(o, "red", red[t].buf, red[t].len);
	}
	putn(o, "entries", (long long)v.nr);
	for (size_t i = 0; i < v.nr; i++) {
		const struct pf_vault_entry *e = &v.v[i], *l;

		put(o, "ph", e->placeholder, strlen(e->placeholder));
		putn(o, "cat", e->cat);
		put(o, "orig", e->original, e->original_len);
		l = pf_vault_lookup(&v, e->placeholder, strlen(e->placeholder));
		putn(o, "lookup", l ? (long long)(l - v.v) : -1);
	}
	for (unsigned t = 0; t < ntext; t++) {
		struct pf_buf r = PF_BUF_INIT, x = PF_BUF_INIT;
		struct pf_secret_hit *hits = NULL;
		size_t nhits = 0;
		int rc = pf_vault_restore(&r, &v, red[t].buf, red[t].len,
					  red[t].buf, red[t].len);

		putn(o, "restore", rc);
		if (rc)
			put(o, "error", pf_error_last(),
			    strlen(pf_error_last()));
		else
			put(o, "restored", r.buf, r.len);
		/* a model's rewrites: no sent text (no SECRET may come back),
		 * and the text in lower case (every placeholder unknown) */
		pf_buf_reset(&r);
		rc = pf_vault_restore(&r, &v, red[t].buf, red[t].len, NULL, 0);
		putn(o, "restore-nosent", rc);
		if (rc)
			put(o, "error", pf_error_last(),
			    strlen(pf_error_last()));
		else
			put(o, "restored", r.buf, r.len);
		pf_buf_reset(&x);
		pf_buf_add(&x, red[t].buf, red[t].len);
		for (size_t i = 0; i < x.len; i++)
			if (x.buf[i] >= 'A' && x.buf[i] <= 'Z')
				x.buf[i] = (char)(x.buf[i] | 0x20);
		pf_buf_reset(&r);
		rc = pf_vault_restore(&r, &v, x.buf, x.len, red[t].buf,
				      red[t].len);
		putn(o, "restore-lower", rc);
		if (rc)
			put(o, "error", pf_error_last(),
			    strlen(pf_error_last()));
		else
			put(o, "restored", r.buf, r.len);
		pf_buf_reset(&x);
		pf_vault_expand(&x, &v, red[t].buf, red[t].len);
		put(o, "expanded", x.buf, x.len);
		rc = pf_redact_find_secrets(&hits, &nhits, text[t].buf,
					    text[t].len);
		putn(o, "secrets", rc ? rc : (long long)nhits);
		for (size_t i = 0; i < nhits; i++) {
			char h[160];

			snprintf(h, sizeof(h), "%zu %zu %s %d\n", hits[i].start,
				 hits[i].end, hits[i].kind, hits[i].known);
			adds(&o->b, h);
		}
		free(hits);
		pf_buf_release(&r);
		pf_buf_release(&x);
		pf_buf_release(&text[t]);
		pf_buf_release(&red[t]);
	}
	pf_vault_release(&v);
	return flags;
}

static unsigned long long fnv(const char *s, size_t n)
{
	unsigned long long h = 0xcbf29ce484222325ULL;

	for (size_t i = 0; i < n; i++)
		h = (h ^ (unsigned char)s[i]) * 0x100000001b3ULL;
	return h;
}

int main(int argc, char **argv)
{
	unsigned long long seed, first, count;
	struct out o = { .b = PF_BUF_INIT };

	if (argc < 4) {
		fprintf(stderr, "usage: redact_fuzz SEED FIRST COUNT\n"
				"       redact_fuzz SEED CASE --dump\n");
		return 2;
	}
	seed = strtoull(argv[1], NULL, 10);
	first = strtoull(argv[2], NULL, 10);
	contexts();
	if (!strcmp(argv[3], "--dump")) {
		unsigned flags = run_case(seed, first, &o);

		fwrite(o.b.buf, 1, o.b.len, stdout);
		printf("flags %u\n", flags);
		return 0;
	}
	count = strtoull(argv[3], NULL, 10);
	for (unsigned long long i = first; i < first + count; i++) {
		unsigned flags;

		pf_buf_reset(&o.b);
		flags = run_case(seed, i, &o);
		printf("%llu %016llx %u\n", i, fnv(o.b.buf, o.b.len), flags);
	}
	for (int i = 0; i < NCTX; i++)
		pf_redact_ctx_release(&ctxs[i]);
	pf_buf_release(&o.b);
	return 0;
}
