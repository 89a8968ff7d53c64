/*
 * Character classes of the redactor: per-byte tables that every detector
 * reads (redact_int.h), built once per process by pf_redact_engine().
 */
#include <math.h>
#include <string.h>

#include "redact_int.h"

unsigned short pf_redact_cls[256];
unsigned char pf_redact_dispatch[256];
unsigned char pf_redact_sub_cls[256];
double pf_redact_clog[CLOG_MAX + 1];
double pf_redact_log2n[LOG2N_MAX + 1];
double pf_redact_digit_pen[LOG2N_MAX + 1];
unsigned char pf_redact_kw_pair[65536 / 8];
unsigned char pf_redact_kw_first[256];
unsigned char pf_redact_b64[256];

void pf_redact_classes_init(void)
{
	for (int c = 0; c < 256; c++) {
		unsigned char k = 0;

		if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
		    (c >= '0' && c <= '9'))
			k |= C_ALNUM | C_WORD | C_B64 | C_KEY;
		if (c == '_')
			k |= C_WORD | C_B64 | C_KEY;
		if (c == '+' || c == '/' || c == '=' || c == '-')
			k |= C_B64;
		if (c == '-' || c == '.')
			k |= C_KEY;
		if ((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') ||
		    (c >= 'A' && c <= 'F'))
			k |= C_HEX;
		if ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
		    c == '-')
			k |= C_HOST;
		if (c >= 'A' && c <= 'Z')
			k |= C_UPPER;
		if (c >= 'a' && c <= 'z')
			k |= C_LOWER;
		pf_redact_cls[c] = k;
		if (strchr(" \t\r\n+.&\\", c) && c)
			pf_redact_cls[c] |= C_GAP;
		pf_redact_dispatch[c] = (k & C_ALNUM) ? D_WORD : D_NONE;
	}
	for (int c = 0; c < 256; c++) {
		unsigned short k = pf_redact_cls[c];

		pf_redact_sub_cls[c] =
			(unsigned char)(((k & C_ALNUM) || c >= 0x80 ? S_SUB
								    : 0) |
					(k & C_UPPER ? S_UPPER : 0) |
					(k & C_LOWER ? S_LOWER : 0) |
					(c >= '0' && c <= '9' ? S_DIGIT : 0));
	}
	/* base64's values; what is no letter of it has both alphabets'
	 * bits, so that one test after the run rejects it */
	for (int c = 0; c < 256; c++)
		pf_redact_b64[c] = B64_STD | B64_URL;
	for (int c = 0; c < 26; c++) {
		pf_redact_b64['A' + c] = (unsigned char)c;
		pf_redact_b64['a' + c] = (unsigned char)(26 + c);
	}
	for (int c = 0; c < 10; c++)
		pf_redact_b64['0' + c] = (unsigned char)(52 + c);
	pf_redact_b64['+'] = B64_STD | 62;
	pf_redact_b64['/'] = B64_STD | 63;
	pf_redact_b64['-'] = B64_URL | 62;
	pf_redact_b64['_'] = B64_URL | 63;
	pf_redact_dispatch['"'] = pf_redact_dispatch['\''] =
		pf_redact_dispatch['`'] = D_QUOTE;
	pf_redact_dispatch['@'] = D_AT;
	pf_redact_dispatch[':'] = D_COLON;
	pf_redact_dispatch['.'] = D_DOT;
	pf_redact_dispatch['-'] = D_DASH;
	pf_redact_dispatch['/'] = pf_redact_dispatch['\\'] = D_SLASH;
	pf_redact_dispatch['('] = pf_redact_dispatch[0xc2] = D_MARK;
	/* the first two letters of has_secret_word()'s words */
	for (const char *p = "pwpasesasilotokeaucrcods"; *p; p += 2) {
		unsigned q = ((unsigned)(unsigned char)p[0] << 8) |
			     (unsigned char)p[1];

		pf_redact_kw_pair[q >> 3] |= (unsigned char)(1u << (q & 7));
		pf_redact_kw_first[(unsigned char)p[0]] = 1;
		pf_redact_kw_first[(unsigned char)p[0] - 32] = 1;
	}
	for (int c = 1; c <= CLOG_MAX; c++)
		pf_redact_clog[c] = (double)c * log2((double)c);
	/* (the penalty's 0 and 1 never asked: high_entropy() wants 16
	 * bytes or more) */
	for (int c = 1; c <= LOG2N_MAX; c++) {
		pf_redact_log2n[c] = log2((double)c);
		if (c > 1)
			pf_redact_digit_pen[c] = 1.2 / log2((double)c);
	}
	pf_redact_wpair_fill(pf_redact_wpair0, NULL);
}
