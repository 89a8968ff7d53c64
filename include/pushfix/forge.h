#ifndef PUSHFIX_FORGE_H
#define PUSHFIX_FORGE_H

#include "pushfix/buf.h"
#include "pushfix/config.h"

/*
 * Where a remote lives: a git remote URL -> the forge (GitHub, GitHub
 * Enterprise Server, GitLab, self-managed GitLab), its API base URL and
 * the repository path the API wants.
 *
 * URL forms (git-clone "GIT URLS"):
 *   scp-like   [user@]host:path           git@github.com:o/r.git
 *                                         [::1]:o/r.git
 *   URL        scheme://[user[:pw]@]host[:port]/path
 *              ssh, git+ssh, ssh+git, https, http, git
 *   helper     <transport>::<address>     the address is parsed
 *   local      /srv/repo.git, ./a:b, file:///x   (no forge: PF_ENOTFOUND)
 * The path loses a leading '/' and '~user/', trailing slashes and ".git".
 * The user name and password are dropped at once: a token inside a URL
 * (https://oauth2:glpat-...@host/...) must never reach a log or a file.
 */

struct pf_remote_url {
	char *scheme;  /* "ssh", "https", "http", "git"; "scp" for the
			  scp-like form */
	char *host;    /* lower-case; an IPv6 address without brackets */
	unsigned port; /* 0 when the URL gives none */
	char *path;    /* "group/sub/proj" */
};

/*
 * Take a remote URL apart.  0; PF_ENOTFOUND (with a message) when `url`
 * names a local repository; PF_EINVALID for a URL without host or path.
 * Messages quote the URL with its password removed.  `out` is filled only
 * on success; release it with pf_remote_url_release().
 */
int pf_remote_url_parse(struct pf_remote_url *out, const char *url);
void pf_remote_url_release(struct pf_remote_url *u);

/* Append `url` to `out` without the user-info of a URL-form remote
 * ("https://oauth2:tok@host/x" -> "https://host/x"), for messages. */
void pf_forge_redact_url(struct pf_buf *out, const char *url);

/* The [mirror] settings that steer the resolution (borrowed strings). */
struct pf_forge_opts {
	enum pf_forge forge;	/* PF_FORGE_AUTO: from host_map, api_url or
				   the host name */
	const char *api_url;	/* NULL: derived from the host */
	const char *repository; /* "owner/name", "group/sub/project"; NULL:
				   from the URL */
	const char *host_map;	/* "git.corp=github,code.corp=gitlab"; a key
				   may carry a port: "git.corp:8443=gitlab" */
};

struct pf_forge_repo {
	enum pf_forge forge; /* PF_FORGE_GITHUB or PF_FORGE_GITLAB */
	char *host;	     /* web host ("github.com"); NULL when the
				remote is local and the repository was
				configured */
	char *api_url;	     /* no trailing '/': "https://api.github.com",
				"https://ghe.corp/api/v3",
				"https://gitlab.corp/api/v4" */
	char *path;	     /* "owner/name" or "group/sub/project" */
	char *owner;	     /* "owner" or "group/sub" */
	char *name;	     /* "name" or "project" */
	int token_ok;	     /* the forge's token may go to api_url: see
				pf_forge_resolve() */
};

/*
 * Resolve the forge of `remote_url` (may be NULL when opts->repository
 * and the forge are configured).  Rules, in order:
 *  - forge: opts->forge; else host_map; else api_url ending in /api/v3
 *    (GitHub) or /api/v4 (GitLab); else github.com, *.ghe.com and hosts
 *    with a "github" label are GitHub, gitlab.com and hosts with a
 *    "gitlab" label GitLab; anything else is an error that says which
 *    setting to add;
 *  - host: www.github.com and ssh.github.com (SSH over 443) are
 *    github.com, altssh.gitlab.com is gitlab.com;
 *  - API: opts->api_url; github.com -> https://api.github.com;
 *    SUB.ghe.com -> https://api.SUB.ghe.com; other GitHub hosts ->
 *    https://HOST/api/v3 (GitHub Enterprise Server); GitLab ->
 *    https://HOST/api/v4.  An http(s) remote keeps its scheme and port;
 *    an SSH port says nothing about the API and is dropped;
 *  - path: opts->repository, else the URL's; GitLab web paths are cut at
 *    "/-/" and a relative URL root named by api_url
 *    (https://host/gitlab/api/v4) is removed from the front; GitHub wants
 *    exactly owner/name, GitLab at least group/project;
 *  - token_ok: the token goes only where the user said it may.  1 when
 *    opts->api_url is set (config.c takes [mirror] api_url only from the
 *    user's own files and environment, never from the committed
 *    .pushfix.ini) or when the API is the public forge's own
 *    (https://api.github.com, https://api.SUB.ghe.com,
 *    https://gitlab.com/api/v4).  0 for an API derived from any other
 *    host: a committed `forge = github` must not send GITHUB_TOKEN to
 *    whatever host the remote names.
 * 0 or PF_EINVALID/PF_ENOTFOUND with a message naming the URL (redacted)
 * or the [mirror] key at fault.  Release `out` with
 * pf_forge_repo_release().
 */
int pf_forge_resolve(struct pf_forge_repo *out, const char *remote_url,
		     const struct pf_forge_opts *opts);
void pf_forge_repo_release(struct pf_forge_repo *r);

/* Append why the token is not sent (r->token_ok is 0) and how to allow
 * it: "GITHUB_TOKEN is not sent to git.example.com: set [mirror] api_url
 * in your own config to trust it".  `source` names the token
 * ("GITHUB_TOKEN", "[mirror] token_cmd"). */
void pf_forge_untrusted(struct pf_buf *out, const struct pf_forge_repo *r,
			const char *source);

/* "GitHub", "GitLab", "auto". */
const char *pf_forge_name(enum pf_forge f);

/* Percent-encode everything but RFC 3986 unreserved characters (so '/'
 * becomes %2F, as GitLab's :id and query values need). */
void pf_forge_url_encode(struct pf_buf *out, const char *s);

#endif
