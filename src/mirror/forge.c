/*
 * Remote URL -> forge, host, API base URL, repository path.  Pure string
 * work: no network, so that every URL form can be unit-tested.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "pushfix/err.h"
#include "pushfix/forge.h"
#include "pushfix/util.h"

void pf_remote_url_release(struct pf_remote_url *u)
{
	if (!u)
		return;
	free(u->scheme);
	free(u->host);
	free(u->path);
	memset(u, 0, sizeof(*u));
}

void pf_forge_repo_release(struct pf_forge_repo *r)
{
	if (!r)
		return;
	free(r->host);
	free(r->api_url);
	free(r->path);
	free(r->owner);
	free(r->name);
	memset(r, 0, sizeof(*r));
}

const char *pf_forge_name(enum pf_forge f)
{
	switch (f) {
	case PF_FORGE_GITHUB:
		return "GitHub";
	case PF_FORGE_GITLAB:
		return "GitLab";
	default:
		return "auto";
	}
}

void pf_forge_url_encode(struct pf_buf *out, const char *s)
{
	static const char hex[] = "0123456789ABCDEF";

	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;

		if (isalnum(c) || c == '-' || c == '.' || c == '_' ||
		    c == '~') {
			pf_buf_addch(out, c);
		} else {
			pf_buf_addch(out, '%');
			pf_buf_addch(out, hex[c >> 4]);
			pf_buf_addch(out, hex[c & 15]);
		}
	}
}

/* Length of "scheme" when s starts with "scheme://", else 0. */
static size_t url_scheme_len(const char *s)
{
	size_t i = 0;

	if (!isalpha((unsigned char)s[0]))
		return 0;
	while (isalnum((unsigned char)s[i]) || s[i] == '+' || s[i] == '.' ||
	       s[i] == '-')
		i++;
	return strncmp(s + i, "://", 3) ? 0 : i;
}

/* Length of "transport" when s is "<transport>::<address>", else 0. */
static size_t helper_prefix_len(const char *s)
{
	size_t i = 0;

	while (isalnum((unsigned char)s[i]) || s[i] == '+' || s[i] == '.' ||
	       s[i] == '-' || s[i] == '_')
		i++;
	return i && !strncmp(s + i, "::", 2) ? i : 0;
}

void pf_forge_redact_url(struct pf_buf *out, const char *url)
{
	size_t h = helper_prefix_len(url);
	size_t sl;
	const char *auth, *end, *at = NULL;

	if (h) {
		pf_buf_add(out, url, h + 2);
		url += h + 2;
	}
	sl = url_scheme_len(url);
	if (!sl) {
		pf_buf_addstr(out, url);
		return;
	}
	auth = url + sl + 3;
	end = auth + strcspn(auth, "/?#");
	for (const char *p = auth; p < end; p++)
		if (*p == '@')
			at = p;
	if (!at) {
		pf_buf_addstr(out, url);
		return;
	}
	pf_buf_add(out, url, (size_t)(auth - url));
	pf_buf_addstr(out, at + 1);
}

/* Normalise a repository path in place: no leading '/' or "~user/", no
 * trailing '/' or ".git". */
static char *clean_path(const char *p)
{
	size_t len;
	char *s;

	while (*p == '/')
		p++;
	if (*p == '~') {
		const char *slash = strchr(p, '/');

		p = slash ? slash + 1 : p + strlen(p);
		while (*p == '/')
			p++;
	}
	s = pf_xstrdup(p);
	len = strlen(s);
	while (len && s[len - 1] == '/')
		s[--len] = '\0';
	if (len >= 4 && !strcmp(s + len - 4, ".git")) {
		len -= 4;
		s[len] = '\0';
	}
	while (len && s[len - 1] == '/')
		s[--len] = '\0';
	return s;
}

static void lower(char *s)
{
	for (; *s; s++)
		*s = (char)tolower((unsigned char)*s);
}

static int bad_url(const char *url, const char *why)
{
	struct pf_buf r = PF_BUF_INIT;
	int ret;

	pf_forge_redact_url(&r, url);
	ret = pf_error_setc(PF_EINVALID, "cannot parse remote URL '%s': %s",
			    r.buf, why);
	pf_buf_release(&r);
	return ret;
}

/* host[:port] or [v6][:port] of length len into u->host/u->port. */
static int parse_host_port(struct pf_remote_url *u, const char *url,
			   const char *s, size_t len, int allow_port)
{
	const char *end = s + len, *colon = NULL;
	const char *hs, *he;

	if (len && s[0] == '[') {
		const char *close = memchr(s, ']', len);

		if (!close)
			return bad_url(url, "unbalanced '[' in the host");
		hs = s + 1;
		he = close;
		if (close + 1 < end) {
			if (close[1] != ':')
				return bad_url(url, "junk after ']'");
			colon = close + 1;
		}
	} else {
		hs = s;
		colon = memchr(s, ':', len);
		he = colon ? colon : end;
	}
	if (he == hs)
		return bad_url(url, "no host");
	if (colon && allow_port && colon + 1 < end) {
		unsigned long port = 0;

		for (const char *p = colon + 1; p < end; p++) {
			if (!isdigit((unsigned char)*p))
				return bad_url(url, "the port is not a number");
			port = port * 10 + (unsigned long)(*p - '0');
			if (port > 65535)
				return bad_url(url, "the port is too large");
		}
		u->port = (unsigned)port;
	}
	u->host = pf_xstrndup(hs, (size_t)(he - hs));
	lower(u->host);
	return 0;
}

int pf_remote_url_parse(struct pf_remote_url *out, const char *url)
{
	struct pf_remote_url u = { 0 };
	const char *s = url;
	size_t sl, h;
	int ret;

	if (!url || !*url)
		return pf_error_setc(PF_EINVALID, "empty remote URL");
	h = helper_prefix_len(s);
	if (h)
		s += h + 2;
	sl = url_scheme_len(s);
	if (sl) {
		const char *auth = s + sl + 3, *aend, *at = NULL;

		u.scheme = pf_xstrndup(s, sl);
		lower(u.scheme);
		if (!strcmp(u.scheme, "file")) {
			ret = pf_error_setc(PF_ENOTFOUND,
					    "'%s' is a local repository, not "
					    "a forge",
					    url);
			goto fail;
		}
		if (!strcmp(u.scheme, "git+ssh") ||
		    !strcmp(u.scheme, "ssh+git")) {
			free(u.scheme);
			u.scheme = pf_xstrdup("ssh");
		}
		if (strcmp(u.scheme, "ssh") && strcmp(u.scheme, "https") &&
		    strcmp(u.scheme, "http") && strcmp(u.scheme, "git")) {
			ret = bad_url(url, "unsupported scheme (ssh, https, "
					   "http or git)");
			goto fail;
		}
		aend = auth + strcspn(auth, "/?#");
		for (const char *p = auth; p < aend; p++)
			if (*p == '@')
				at = p;
		if (at)
			auth = at + 1;
		ret = parse_host_port(&u, url, auth, (size_t)(aend - auth), 1);
		if (ret)
			goto fail;
		s = aend;
		u.path = pf_xstrndup(s, strcspn(s, "?#"));
	} else {
		/* scp-like when a ':' comes before any '/' */
		const char *host = s, *sep, *slash = strchr(s, '/');
		const char *at = NULL;

		for (const char *p = s;
		     *p && *p != ':' && *p != '/' && *p != '['; p++)
			if (*p == '@')
				at = p;
		if (at)
			host = at + 1;
		if (*host == '[') {
			const char *close = strchr(host, ']');

			if (!close) {
				ret = bad_url(url,
					      "unbalanced '[' in the host");
				goto fail;
			}
			sep = close[1] == ':' ? close + 1 : NULL;
		} else {
			sep = strchr(host, ':');
		}
		if (!sep || (slash && slash < sep)) {
			ret = pf_error_setc(PF_ENOTFOUND,
					    "'%s' is a local repository, not "
					    "a forge",
					    url);
			goto fail;
		}
		u.scheme = pf_xstrdup("scp");
		ret = parse_host_port(&u, url, host, (size_t)(sep - host), 0);
		if (ret)
			goto fail;
		u.path = pf_xstrdup(sep + 1);
	}
	{
		char *clean = clean_path(u.path);

		free(u.path);
		u.path = clean;
	}
	if (!*u.path) {
		ret = bad_url(url, "no repository path");
		goto fail;
	}
	*out = u;
	return 0;
fail:
	pf_remote_url_release(&u);
	return ret;
}

static int parse_forge_word(enum pf_forge *out, const char *s, size_t len)
{
	if (len == 6 && !strncasecmp(s, "github", 6))
		*out = PF_FORGE_GITHUB;
	else if (len == 6 && !strncasecmp(s, "gitlab", 6))
		*out = PF_FORGE_GITLAB;
	else
		return PF_EINVALID;
	return 0;
}

static int trim_span(const char **s, const char *e)
{
	while (*s < e && isspace((unsigned char)**s))
		(*s)++;
	while (e > *s && isspace((unsigned char)e[-1]))
		e--;
	return (int)(e - *s);
}

/*
 * Look host (and "host:port") up in the host map.  1 found, 0 not, or
 * PF_EINVALID for a malformed map.
 */
static int host_map_lookup(enum pf_forge *out, const char *map,
			   const char *host, unsigned port)
{
	const char *p = map;

	while (p && *p) {
		const char *end = strchr(p, ','), *eq;
		const char *k, *v;
		int kl, vl;

		if (!end)
			end = p + strlen(p);
		eq = memchr(p, '=', (size_t)(end - p));
		k = p;
		if (!eq) {
			if (trim_span(&k, end) == 0) {
				p = *end ? end + 1 : end;
				continue;
			}
			return pf_error_setc(PF_EINVALID,
					     "[mirror] host_map: '%.*s' is not "
					     "host=github or host=gitlab",
					     (int)(end - p), p);
		}
		kl = trim_span(&k, eq);
		v = eq + 1;
		vl = trim_span(&v, end);
		{
			enum pf_forge f;
			char hp[300];

			if (parse_forge_word(&f, v, (size_t)vl))
				return pf_error_setc(
					PF_EINVALID,
					"[mirror] host_map: unknown forge "
					"'%.*s' for '%.*s' (github or gitlab)",
					vl, v, kl, k);
			snprintf(hp, sizeof(hp), "%s:%u", host ? host : "",
				 port);
			if (host && ((strlen(host) == (size_t)kl &&
				      !strncasecmp(k, host, (size_t)kl)) ||
				     (port && strlen(hp) == (size_t)kl &&
				      !strncasecmp(k, hp, (size_t)kl)))) {
				*out = f;
				return 1;
			}
		}
		p = *end ? end + 1 : end;
	}
	return 0;
}

/* Does a dot-separated label of host contain `word`? */
static int host_has_label(const char *host, const char *word)
{
	const char *p = host;

	while (*p) {
		size_t n = strcspn(p, ".");
		char label[256];

		if (n < sizeof(label)) {
			memcpy(label, p, n);
			label[n] = '\0';
			if (strstr(label, word))
				return 1;
		}
		p += n;
		if (*p)
			p++;
	}
	return 0;
}

static void strip_trailing_slashes(char *s)
{
	size_t n = strlen(s);

	while (n && s[n - 1] == '/')
		s[--n] = '\0';
}

/* The path part of an http(s) URL ("" when none), without the trailing
 * "/api/vN"; NULL when api_url does not end that way. */
static char *api_url_prefix(const char *api_url)
{
	size_t sl = url_scheme_len(api_url), n;
	const char *path;

	if (!sl)
		return NULL;
	path = strchr(api_url + sl + 3, '/');
	if (!path)
		return NULL;
	n = strlen(path);
	if (n < 7 || strncmp(path + n - 7, "/api/v", 6))
		return NULL;
	{
		char *raw = pf_xstrndup(path, n - 7), *clean;

		clean = clean_path(raw);
		free(raw);
		return clean;
	}
}

/* PF_EINVALID: "remote '<url>' <what>", credentials in the URL redacted. */
static int remote_error(const char *url, const char *what)
{
	struct pf_buf r = PF_BUF_INIT;
	int ret;

	pf_forge_redact_url(&r, url ? url : "");
	ret = pf_error_setc(PF_EINVALID, "remote '%s' %s", r.buf, what);
	pf_buf_release(&r);
	return ret;
}

static int decide_forge(enum pf_forge *out, const struct pf_remote_url *u,
			const struct pf_forge_opts *o, const char *url)
{
	int ret;

	if (o->forge == PF_FORGE_GITHUB || o->forge == PF_FORGE_GITLAB) {
		*out = o->forge;
		return 0;
	}
	if (o->host_map && u) {
		ret = host_map_lookup(out, o->host_map, u->host, u->port);
		if (ret < 0)
			return ret;
		if (ret)
			return 0;
	} else if (o->host_map) {
		ret = host_map_lookup(out, o->host_map, NULL, 0);
		if (ret < 0)
			return ret;
	}
	if (o->api_url && *o->api_url) {
		char *a = pf_xstrdup(o->api_url);

		strip_trailing_slashes(a);
		ret = pf_ends_with(a, "/api/v3")   ? PF_FORGE_GITHUB
		      : pf_ends_with(a, "/api/v4") ? PF_FORGE_GITLAB
						   : PF_FORGE_AUTO;
		free(a);
		if (ret != PF_FORGE_AUTO) {
			*out = (enum pf_forge)ret;
			return 0;
		}
	}
	if (u) {
		const char *h = u->host;
		int gh = !strcmp(h, "github.com") ||
			 pf_ends_with(h, ".ghe.com") ||
			 host_has_label(h, "github");
		int gl =
			!strcmp(h, "gitlab.com") || host_has_label(h, "gitlab");

		if (gh && !gl) {
			*out = PF_FORGE_GITHUB;
			return 0;
		}
		if (gl && !gh) {
			*out = PF_FORGE_GITLAB;
			return 0;
		}
		return pf_error_setc(PF_EINVALID,
				     "cannot tell whether '%s' is GitHub or "
				     "GitLab: set [mirror] forge, or add it to "
				     "[mirror] host_map (%s=github)",
				     h, h);
	}
	return remote_error(url, "names no forge: set [mirror] forge, api_url "
				 "and repository");
}

static void canonical_host(struct pf_remote_url *u)
{
	const char *to = NULL;

	if (!strcmp(u->host, "www.github.com") ||
	    !strcmp(u->host, "ssh.github.com"))
		to = "github.com";
	else if (!strcmp(u->host, "altssh.gitlab.com") ||
		 !strcmp(u->host, "www.gitlab.com"))
		to = "gitlab.com";
	if (to) {
		free(u->host);
		u->host = pf_xstrdup(to);
		/* ssh.github.com:443 is SSH, not the web port */
		u->port = 0;
	}
}

static void derive_api_url(struct pf_buf *out, enum pf_forge f,
			   const struct pf_remote_url *u)
{
	int web = !strcmp(u->scheme, "https") || !strcmp(u->scheme, "http");
	const char *scheme = !strcmp(u->scheme, "http") ? "http" : "https";
	int v6 = strchr(u->host, ':') != NULL;

	if (f == PF_FORGE_GITHUB && !strcmp(u->host, "github.com")) {
		pf_buf_addstr(out, "https://api.github.com");
		return;
	}
	if (f == PF_FORGE_GITHUB && pf_ends_with(u->host, ".ghe.com")) {
		pf_buf_addf(out, "https://api.%s", u->host);
		return;
	}
	pf_buf_addf(out, "%s://%s%s%s", scheme, v6 ? "[" : "", u->host,
		    v6 ? "]" : "");
	if (web && u->port)
		pf_buf_addf(out, ":%u", u->port);
	pf_buf_addstr(out, f == PF_FORGE_GITHUB ? "/api/v3" : "/api/v4");
}

/* The public forges' own APIs, where their tokens belong. */
static int is_public_api(const char *api)
{
	const char *host;

	if (!strcmp(api, "https://api.github.com") ||
	    !strcmp(api, "https://gitlab.com/api/v4"))
		return 1;
	if (strncmp(api, "https://api.", 12))
		return 0;
	host = api + strlen("https://");
	/* GitHub Enterprise Cloud: api.SUB.ghe.com, a GitHub host. */
	return !strchr(host, '/') && !strchr(host, ':') &&
	       pf_ends_with(host, ".ghe.com");
}

/* The host[:port] of an http(s) URL. */
static void add_url_host(struct pf_buf *out, const char *url)
{
	size_t sl = url_scheme_len(url);
	const char *h = sl ? url + sl + 3 : url;

	pf_buf_add(out, h, strcspn(h, "/?#"));
}

void pf_forge_untrusted(struct pf_buf *out, const struct pf_forge_repo *r,
			const char *source)
{
	pf_buf_addf(out, "%s%s is not sent to ",
		    *source == '[' ? "the token from " : "", source);
	add_url_host(out, r->api_url);
	pf_buf_addstr(out, ": set [mirror] api_url in your own config to "
			   "trust it");
}

int pf_forge_resolve(struct pf_forge_repo *out, const char *remote_url,
		     const struct pf_forge_opts *opts)
{
	struct pf_forge_opts none = { PF_FORGE_AUTO, NULL, NULL, NULL };
	const struct pf_forge_opts *o = opts ? opts : &none;
	struct pf_remote_url u = { 0 };
	struct pf_forge_repo r = { 0 };
	struct pf_buf api = PF_BUF_INIT;
	int have_url = 0, ret;
	int have_repo = o->repository && *o->repository;
	int have_api = o->api_url && *o->api_url;
	char *path = NULL, *slash;

	if (remote_url && *remote_url) {
		ret = pf_remote_url_parse(&u, remote_url);
		if (ret == 0)
			have_url = 1;
		else if (ret != PF_ENOTFOUND)
			goto out;
	}
	if (!have_url && (!have_repo || !have_api)) {
		ret = remote_error(remote_url,
				   "is not on a forge: set [mirror] "
				   "api_url and repository");
		goto out;
	}
	if (have_url)
		canonical_host(&u);
	ret = decide_forge(&r.forge, have_url ? &u : NULL, o, remote_url);
	if (ret)
		goto out;

	if (have_api) {
		pf_buf_addstr(&api, o->api_url);
		strip_trailing_slashes(api.buf);
		api.len = strlen(api.buf);
	} else {
		derive_api_url(&api, r.forge, &u);
	}

	if (have_repo) {
		path = clean_path(o->repository);
	} else {
		char *cut;

		path = pf_xstrdup(u.path);
		if (r.forge == PF_FORGE_GITLAB && (cut = strstr(path, "/-/")))
			*cut = '\0';
		if (r.forge == PF_FORGE_GITLAB && have_api) {
			char *prefix = api_url_prefix(api.buf);
			size_t pl = prefix ? strlen(prefix) : 0;

			if (pl && !strncmp(path, prefix, pl) &&
			    path[pl] == '/' && strchr(path + pl + 1, '/'))
				memmove(path, path + pl + 1,
					strlen(path + pl + 1) + 1);
			free(prefix);
		}
	}
	if (!*path || strstr(path, "//")) {
		ret = pf_error_setc(PF_EINVALID,
				    "repository path '%s' is "
				    "malformed",
				    path);
		goto out;
	}
	slash = strrchr(path, '/');
	if (r.forge == PF_FORGE_GITHUB &&
	    (!slash || strchr(path, '/') != slash)) {
		ret = pf_error_setc(
			PF_EINVALID,
			"GitHub repository '%s' is not owner/name%s", path,
			have_repo ? " ([mirror] repository)"
				  : ": set [mirror] repository");
		goto out;
	}
	if (r.forge == PF_FORGE_GITLAB && !slash) {
		ret = pf_error_setc(
			PF_EINVALID,
			"GitLab project '%s' is not group/project%s", path,
			have_repo ? " ([mirror] repository)"
				  : ": set [mirror] repository");
		goto out;
	}
	r.owner = pf_xstrndup(path, (size_t)(slash - path));
	r.name = pf_xstrdup(slash + 1);
	r.path = path;
	path = NULL;
	r.host = have_url ? pf_xstrdup(u.host) : NULL;
	r.api_url = pf_buf_detach(&api, NULL);
	r.token_ok = have_api || is_public_api(r.api_url);
	*out = r;
	memset(&r, 0, sizeof(r));
	ret = 0;
out:
	free(path);
	pf_buf_release(&api);
	pf_remote_url_release(&u);
	pf_forge_repo_release(&r);
	return ret;
}
