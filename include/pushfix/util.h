#ifndef PUSHFIX_UTIL_H
#define PUSHFIX_UTIL_H

#include <stddef.h>

/*
 * Allocation that cannot fail: like git's xmalloc, running out of memory
 * aborts with a message.  Everything that can fail for any other reason
 * returns an error code instead.
 */
void *pf_xmalloc(size_t n);
void *pf_xcalloc(size_t nmemb, size_t size);
void *pf_xrealloc(void *p, size_t n);
char *pf_xstrdup(const char *s);
char *pf_xstrndup(const char *s, size_t n);
/* NULL-safe strdup: returns NULL for NULL. */
char *pf_xstrdup_or_null(const char *s);

/* Grow `arr` so that it holds at least `nr` elements (git's ALLOC_GROW). */
#define PF_ALLOC_GROW(arr, nr, alloc)                                          \
	do {                                                                   \
		if ((size_t)(nr) > (size_t)(alloc)) {                          \
			size_t pf_a_ = ((size_t)(alloc) + 16) * 3 / 2;         \
			if (pf_a_ < (size_t)(nr))                              \
				pf_a_ = (size_t)(nr);                          \
			(arr) = pf_xrealloc((arr), pf_a_ * sizeof(*(arr)));    \
			(alloc) = pf_a_;                                       \
		}                                                              \
	} while (0)

#define PF_ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

/* String helpers. */
int pf_starts_with(const char *s, const char *prefix);
int pf_ends_with(const char *s, const char *suffix);

/* Parse a non-negative decimal integer that must fill the whole string.
 * Returns 0 on success, PF_EINVALID otherwise (no message set). */
int pf_parse_ulong(unsigned long *out, const char *s);

/* Length of the valid UTF-8 sequence at s (n bytes left, n > 0), or 0:
 * strict, no overlong forms, no surrogates, nothing past U+10FFFF. */
size_t pf_utf8_valid(const unsigned char *s, size_t n);

/* Monotonic clock in milliseconds. */
double pf_now_ms(void);

/* Sleep `s` seconds (fractions too), resumed across signals; s <= 0:
 * return at once. */
void pf_sleep_s(double s);

/* Lower-case hex SHA-256 of data into out[65]. */
void pf_sha256_hex(char out[65], const void *data, size_t len);

/* Last: bans strcpy, sprintf, atoi... in every file that includes us
 * (tests, built with PF_ALLOW_BANNED, may use them). */
#ifndef PF_ALLOW_BANNED
#include "pushfix/banned.h"
#endif

#endif
