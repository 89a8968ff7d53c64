/* Remote URL -> forge, host, API URL, repository: every URL form. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "pushfix/err.h"
#include "pushfix/forge.h"
#include "pushfix/util.h"

struct url_case {
	const char *url;
	const char *scheme, *host;
	unsigned port;
	const char *path;
};

static const struct url_case url_cases[] = {
    {"git@github.com:o/r.git", "scp", "github.com", 0, "o/r"},
    {"git@github.com:o/r", "scp", "github.com", 0, "o/r"},
    {"github.com:o/r.git", "scp", "github.com", 0, "o/r"},
    {"GIT@GitHub.COM:Owner/Repo.git", "scp", "github.com", 0, "Owner/Repo"},
    {"git@github.com:o/r.git/", "scp", "github.com", 0, "o/r"},
    {"git@host.corp:~user/o/r.git", "scp", "host.corp", 0, "o/r"},
    {"git@host.corp:2222/o/r.git", "scp", "host.corp", 0, "2222/o/r"},
    {"[::1]:o/r.git", "scp", "::1", 0, "o/r"},
    {"git@[::1]:o/r.git", "scp", "::1", 0, "o/r"},
    {"https://github.com/o/r", "https", "github.com", 0, "o/r"},
    {"https://github.com/o/r.git", "https", "github.com", 0, "o/r"},
    {"https://github.com/o/r.git/", "https", "github.com", 0, "o/r"},
    {"https://github.com/o/r///", "https", "github.com", 0, "o/r"},
    {"https://github.com//o/r", "https", "github.com", 0, "o/r"},
    {"https://u:tok@github.com/o/r.git", "https", "github.com", 0, "o/r"},
    {"https://u@github.com/o/r.git", "https", "github.com", 0, "o/r"},
    {"https://github.com/o/r.git?x=1#frag", "https", "github.com", 0, "o/r"},
    {"HTTPS://GITHUB.COM/o/r", "https", "github.com", 0, "o/r"},
    {"http://ghe.corp:8080/o/r", "http", "ghe.corp", 8080, "o/r"},
    {"https://gitlab.example.com:8443/g/p.git", "https", "gitlab.example.com",
     8443, "g/p"},
    {"ssh://git@github.com/o/r.git", "ssh", "github.com", 0, "o/r"},
    {"ssh://git@ssh.github.com:443/o/r.git", "ssh", "ssh.github.com", 443,
     "o/r"},
    {"git+ssh://git@github.com/o/r.git", "ssh", "github.com", 0, "o/r"},
    {"ssh+git://git@github.com/o/r.git", "ssh", "github.com", 0, "o/r"},
    {"ssh://git@gitlab.example.com:2222/grp/sub/proj.git", "ssh",
     "gitlab.example.com", 2222, "grp/sub/proj"},
    {"ssh://user@host.corp/~user/o/r.git", "ssh", "host.corp", 0, "o/r"},
    {"ssh://git@[::1]:22/o/r.git", "ssh", "::1", 22, "o/r"},
    {"ssh://[2001:db8::1]/o/r", "ssh", "2001:db8::1", 0, "o/r"},
    {"git://github.com/o/r.git", "git", "github.com", 0, "o/r"},
    {"git@gitlab.com:a/b/c/d.git", "scp", "gitlab.com", 0, "a/b/c/d"},
    {"https://gitlab.com/a/b/c.git", "https", "gitlab.com", 0, "a/b/c"},
    {"persistent-https::https://github.com/o/r", "https", "github.com", 0,
     "o/r"},
    {"https://host/gitlab/g/p.git", "https", "host", 0, "gitlab/g/p"},
};

static void test_url_forms(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(url_cases) / sizeof(url_cases[0]); i++) {
		const struct url_case *c = &url_cases[i];
		struct pf_remote_url u;
		int ret = pf_remote_url_parse(&u, c->url);

		if (ret)
			fail_msg("%s: %s", c->url, pf_error_last());
		assert_string_equal(u.scheme, c->scheme);
		assert_string_equal(u.host, c->host);
		assert_int_equal(u.port, c->port);
		assert_string_equal(u.path, c->path);
		pf_remote_url_release(&u);
	}
}

static void test_local_and_bad_urls(void **state)
{
	static const char *local[] = {"/srv/repo.git", "./foo:bar",
				      "../origin.git", "file:///srv/x.git",
				      "repo",	       "foo/bar:baz"};
	static const char *bad[] = {"",
				    "git@github.com:",
				    "https://github.com",
				    "https://github.com/",
				    "https://:443/o/r",
				    "https://h:abc/o/r",
				    "https://h:99999/o/r",
				    "ftp://h/o/r",
				    "[::1:o/r",
				    "https://[::1/o/r"};
	struct pf_remote_url u;

	(void)state;
	for (size_t i = 0; i < sizeof(local) / sizeof(local[0]); i++) {
		if (pf_remote_url_parse(&u, local[i]) != PF_ENOTFOUND)
			fail_msg("%s: not seen as local", local[i]);
		assert_non_null(strstr(pf_error_last(), "local repository"));
	}
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		if (pf_remote_url_parse(&u, bad[i]) != PF_EINVALID)
			fail_msg("'%s': not refused", bad[i]);
}

static void test_token_never_in_messages(void **state)
{
	struct pf_remote_url u;
	struct pf_forge_repo r;
	struct pf_buf b = PF_BUF_INIT;

	(void)state;
	pf_forge_redact_url(&b, "https://oauth2:glpat-SECRET@gitlab.com/g/p");
	assert_string_equal(b.buf, "https://gitlab.com/g/p");
	pf_buf_reset(&b);
	pf_forge_redact_url(&b, "x::https://u:SECRET@h/o/r");
	assert_string_equal(b.buf, "x::https://h/o/r");
	pf_buf_reset(&b);
	pf_forge_redact_url(&b, "git@github.com:o/r.git");
	assert_string_equal(b.buf, "git@github.com:o/r.git");
	pf_buf_release(&b);

	assert_int_equal(pf_remote_url_parse(&u, "https://u:SECRET@h:x/o/r"),
			 PF_EINVALID);
	assert_null(strstr(pf_error_last(), "SECRET"));
	assert_int_equal(
	    pf_forge_resolve(&r, "https://u:SECRET@h.corp/o/r", NULL),
	    PF_EINVALID);
	assert_null(strstr(pf_error_last(), "SECRET"));
	assert_non_null(strstr(pf_error_last(), "h.corp"));
}

struct resolve_case {
	const char *url;
	struct pf_forge_opts opts;
	enum pf_forge forge;
	const char *api, *path, *owner, *name;
};

#define GH PF_FORGE_GITHUB
#define GL PF_FORGE_GITLAB
#define AUTO                                                                   \
	{                                                                      \
		PF_FORGE_AUTO, NULL, NULL, NULL                                \
	}

static const struct resolve_case resolve_cases[] = {
    {"git@github.com:o/r.git", AUTO, GH, "https://api.github.com", "o/r", "o",
     "r"},
    {"https://www.github.com/o/r", AUTO, GH, "https://api.github.com", "o/r",
     "o", "r"},
    {"ssh://git@ssh.github.com:443/o/r.git", AUTO, GH, "https://api.github.com",
     "o/r", "o", "r"},
    {"https://u:tok@github.com/o/r.git", AUTO, GH, "https://api.github.com",
     "o/r", "o", "r"},
    {"https://octo.ghe.com/o/r", AUTO, GH, "https://api.octo.ghe.com", "o/r",
     "o", "r"},
    {"git@github.corp.example:o/r.git", AUTO, GH,
     "https://github.corp.example/api/v3", "o/r", "o", "r"},
    {"git@code.corp:o/r.git",
     {PF_FORGE_AUTO, NULL, NULL, "git.corp=gitlab, code.corp=github"},
     GH,
     "https://code.corp/api/v3",
     "o/r",
     "o",
     "r"},
    {"http://ghe.corp:8080/o/r",
     {PF_FORGE_AUTO, NULL, NULL, "ghe.corp=github"},
     GH,
     "http://ghe.corp:8080/api/v3",
     "o/r",
     "o",
     "r"},
    {"https://code.corp:8443/g/s/p",
     {PF_FORGE_AUTO, NULL, NULL, "code.corp:8443=gitlab"},
     GL,
     "https://code.corp:8443/api/v4",
     "g/s/p",
     "g/s",
     "p"},
    {"git@ghe.corp:o/r.git",
     {PF_FORGE_AUTO, "https://ghe.corp/api/v3/", NULL, NULL},
     GH,
     "https://ghe.corp/api/v3",
     "o/r",
     "o",
     "r"},
    {"git@src.corp:o/r.git",
     {GH, NULL, NULL, NULL},
     GH,
     "https://src.corp/api/v3",
     "o/r",
     "o",
     "r"},
    {"git@gitlab.com:a/b/c/d.git", AUTO, GL, "https://gitlab.com/api/v4",
     "a/b/c/d", "a/b/c", "d"},
    {"ssh://git@altssh.gitlab.com:443/g/p.git", AUTO, GL,
     "https://gitlab.com/api/v4", "g/p", "g", "p"},
    {"ssh://git@gitlab.example.com:2222/grp/sub/proj.git", AUTO, GL,
     "https://gitlab.example.com/api/v4", "grp/sub/proj", "grp/sub", "proj"},
    {"https://gitlab.example.com:8443/g/p.git", AUTO, GL,
     "https://gitlab.example.com:8443/api/v4", "g/p", "g", "p"},
    {"https://gitlab.com/g/p/-/tree/main", AUTO, GL,
     "https://gitlab.com/api/v4", "g/p", "g", "p"},
    /* relative URL root: only api_url can tell */
    {"https://host/gitlab/g/p.git",
     {PF_FORGE_AUTO, "https://host/gitlab/api/v4", NULL, NULL},
     GL,
     "https://host/gitlab/api/v4",
     "g/p",
     "g",
     "p"},
    {"https://host/gitlab/g/p.git",
     {GL, NULL, NULL, NULL},
     GL,
     "https://host/api/v4",
     "gitlab/g/p",
     "gitlab/g",
     "p"},
    {"ssh://git@[::1]:22/o/r.git",
     {GH, NULL, NULL, NULL},
     GH,
     "https://[::1]/api/v3",
     "o/r",
     "o",
     "r"},
    {"https://[::1]:8443/g/p",
     {GL, NULL, NULL, NULL},
     GL,
     "https://[::1]:8443/api/v4",
     "g/p",
     "g",
     "p"},
    /* repository override: local remote (the tests' bare repository) */
    {"/tmp/x/origin.git",
     {GH, "http://127.0.0.1:4010", "octocat/Hello-World", NULL},
     GH,
     "http://127.0.0.1:4010",
     "octocat/Hello-World",
     "octocat",
     "Hello-World"},
    {NULL,
     {GL, "http://127.0.0.1:1/api/v4/", "/g/s/p.git/", NULL},
     GL,
     "http://127.0.0.1:1/api/v4",
     "g/s/p",
     "g/s",
     "p"},
    {"git@github.com:fork/r.git",
     {PF_FORGE_AUTO, NULL, "upstream/r", NULL},
     GH,
     "https://api.github.com",
     "upstream/r",
     "upstream",
     "r"},
};

static void test_resolve(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(resolve_cases) / sizeof(resolve_cases[0]);
	     i++) {
		const struct resolve_case *c = &resolve_cases[i];
		struct pf_forge_repo r;

		if (pf_forge_resolve(&r, c->url, &c->opts))
			fail_msg("case %zu %s: %s", i, c->url, pf_error_last());
		assert_int_equal(r.forge, c->forge);
		assert_string_equal(r.api_url, c->api);
		assert_string_equal(r.path, c->path);
		assert_string_equal(r.owner, c->owner);
		assert_string_equal(r.name, c->name);
		pf_forge_repo_release(&r);
	}
}

/* Where the token may go (issue 10): the public forges' own APIs and an
 * api_url the user set; never an API derived from another host. */
static void test_token_only_where_trusted(void **state)
{
	static const struct {
		const char *url;
		struct pf_forge_opts opts;
		int ok;
	} cases[] = {
		{ "git@github.com:o/r.git", AUTO, 1 },
		{ "https://www.github.com/o/r", AUTO, 1 },
		{ "git@gitlab.com:g/p.git", AUTO, 1 },
		{ "git@acme.ghe.com:o/r.git", AUTO, 1 },
		{ "git@git.example.com:o/r.git",
		  { PF_FORGE_GITHUB, NULL, NULL, NULL }, 0 },
		{ "git@git.example.com:o/r.git",
		  { PF_FORGE_GITLAB, NULL, NULL, NULL }, 0 },
		{ "git@github.example.com:o/r.git", AUTO, 0 },
		{ "http://gitlab.com/g/p.git", AUTO, 0 }, /* not https */
		{ "git@git.example.com:o/r.git",
		  { PF_FORGE_AUTO, NULL, NULL, "git.example.com=github" }, 0 },
		{ "git@git.example.com:o/r.git",
		  { PF_FORGE_GITHUB, "https://git.example.com/api/v3", NULL,
		    NULL },
		  1 },
	};
	struct pf_buf why = PF_BUF_INIT;

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct pf_forge_repo r;

		if (pf_forge_resolve(&r, cases[i].url, &cases[i].opts))
			fail_msg("case %zu: %s", i, pf_error_last());
		if (r.token_ok != cases[i].ok)
			fail_msg("case %zu %s: token_ok %d", i, cases[i].url,
				 r.token_ok);
		if (i == 4) {
			pf_forge_untrusted(&why, &r, "GITHUB_TOKEN");
			assert_string_equal(why.buf,
					    "GITHUB_TOKEN is not sent to "
					    "git.example.com: set [mirror] "
					    "api_url in your own config to "
					    "trust it");
			pf_buf_reset(&why);
			pf_forge_untrusted(&why, &r, "[mirror] token_cmd");
			assert_true(pf_starts_with(why.buf,
						   "the token from [mirror] "
						   "token_cmd is not sent to "
						   "git.example.com:"));
		}
		pf_forge_repo_release(&r);
	}
	pf_buf_release(&why);
}

static void expect_refused(const char *url, struct pf_forge_opts o,
			   const char *msg)
{
	struct pf_forge_repo r;
	int ret = pf_forge_resolve(&r, url, &o);

	if (!ret)
		fail_msg("%s: accepted as %s", url, r.path);
	if (!strstr(pf_error_last(), msg))
		fail_msg("%s: message '%s' lacks '%s'", url, pf_error_last(),
			 msg);
}

static void test_resolve_errors(void **state)
{
	struct pf_forge_opts a = AUTO;

	(void)state;
	expect_refused("git@src.corp:o/r.git", a,
		       "cannot tell whether 'src.corp' is GitHub or GitLab");
	expect_refused("https://host/gitlab/g/p.git", a, "[mirror] host_map");
	expect_refused("git@github.com:o/r/x.git", a, "is not owner/name");
	expect_refused("git@github.com:r.git", a, "is not owner/name");
	expect_refused("git@gitlab.com:p.git", a, "is not group/project");
	expect_refused("/srv/repo.git", a,
		       "set [mirror] api_url and repository");
	expect_refused(NULL, a, "set [mirror] api_url and repository");
	{
		struct pf_forge_opts o = {GH, NULL, "o/r", NULL};

		/* a local remote needs the API URL too */
		expect_refused("../origin.git", o, "api_url");
	}
	{
		struct pf_forge_opts o = {PF_FORGE_AUTO, NULL, NULL,
					  "git.corp=bitbucket"};

		expect_refused("git@git.corp:o/r.git", o,
			       "unknown forge 'bitbucket' for 'git.corp'");
	}
	{
		struct pf_forge_opts o = {PF_FORGE_AUTO, NULL, NULL,
					  "git.corp"};

		expect_refused("git@git.corp:o/r.git", o,
			       "'git.corp' is not host=github");
	}
	{
		struct pf_forge_opts o = {GH, NULL, "a/b/c", NULL};

		expect_refused("git@github.com:o/r.git", o,
			       "([mirror] repository)");
	}
}

static void test_url_encode(void **state)
{
	struct pf_buf b = PF_BUF_INIT;

	(void)state;
	pf_forge_url_encode(&b, "group/sub proj_1.x-y~z");
	assert_string_equal(b.buf, "group%2Fsub%20proj_1.x-y~z");
	pf_buf_reset(&b);
	pf_forge_url_encode(&b, "feature/ä&=#");
	assert_string_equal(b.buf, "feature%2F%C3%A4%26%3D%23");
	pf_buf_release(&b);
	assert_string_equal(pf_forge_name(PF_FORGE_GITHUB), "GitHub");
	assert_string_equal(pf_forge_name(PF_FORGE_GITLAB), "GitLab");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_url_forms),
	    cmocka_unit_test(test_local_and_bad_urls),
	    cmocka_unit_test(test_token_never_in_messages),
	    cmocka_unit_test(test_resolve),
	    cmocka_unit_test(test_resolve_errors),
	    cmocka_unit_test(test_token_only_where_trusted),
	    cmocka_unit_test(test_url_encode),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
