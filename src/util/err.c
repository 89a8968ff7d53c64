#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include <git2.h>

#include "pushfix/err.h"
#include "pushfix/banned.h" /* as util.h would, without reaching up */

static _Thread_local char errmsg[2048];

static void vset(const char *fmt, va_list ap)
{
	vsnprintf(errmsg, sizeof(errmsg), fmt, ap);
}

int pf_error_set(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vset(fmt, ap);
	va_end(ap);
	return PF_ERROR;
}

int pf_error_setc(int code, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vset(fmt, ap);
	va_end(ap);
	return code;
}

int pf_error_prefix(int code, const char *fmt, ...)
{
	char prefix[512], old[sizeof(errmsg)];
	size_t pl, ol;
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(prefix, sizeof(prefix), fmt, ap);
	va_end(ap);
	memcpy(old, errmsg, sizeof(old));
	/* Assemble by hand: the result may be cut, and that is fine. */
	pl = strnlen(prefix, sizeof(errmsg) - 3);
	ol = strnlen(old, sizeof(errmsg) - 3 - pl);
	memcpy(errmsg, prefix, pl);
	memcpy(errmsg + pl, ": ", 2);
	memcpy(errmsg + pl + 2, old, ol);
	errmsg[pl + 2 + ol] = '\0';
	return code;
}

const char *pf_error_last(void)
{
	return errmsg;
}

void pf_error_clear(void)
{
	errmsg[0] = '\0';
}

/*
 * Debian's libgit2 1.5 is built on mbedTLS and, inside git_libgit2_init(),
 * parses the whole CA bundle (/etc/ssl/certs/ca-certificates.crt): 6 ms,
 * more than everything else a push with nothing to scan costs.  pushfix
 * never talks to a remote through libgit2 (its HTTP is libcurl's, loaded
 * on first use, src/http.c), so it defines the two loaders libgit2 calls:
 * the dynamic linker binds the executable's definitions ahead of
 * libmbedx509's, and no certificate is read.  A libgit2 built on OpenSSL
 * never calls them.  Were an mbedTLS libcurl ever loaded instead
 * (PUSHFIX_LIBCURL), it would trust no CA and refuse every TLS peer:
 * failing closed, never open.  t0743 checks the binding.
 */
int mbedtls_x509_crt_parse_file(void *chain, const char *path);
int mbedtls_x509_crt_parse_path(void *chain, const char *path);

int mbedtls_x509_crt_parse_file(void *chain, const char *path)
{
	(void)chain;
	(void)path;
	return 0;
}

int mbedtls_x509_crt_parse_path(void *chain, const char *path)
{
	(void)chain;
	(void)path;
	return 0;
}

void pf_git_init(void)
{
	git_libgit2_init();
	git_libgit2_opts(GIT_OPT_ENABLE_STRICT_HASH_VERIFICATION, 0);
}

int pf_error_git(const char *context)
{
	/* libgit2 1.5 may return NULL when the failing call set nothing. */
	const git_error *e = git_error_last();

	return pf_error_set("%s: %s", context,
			    e && e->message ? e->message : "unknown git error");
}
