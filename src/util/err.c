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
