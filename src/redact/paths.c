/*
 * pf_redact_path(): a repository-relative path redacted per the path
 * mode, and whether it is a test file.
 */
#include <string.h>

#include "redact_int.h"

/* Is s (n bytes) one of the nr strings of list? */
static int in_list(const char *const *list, size_t nr, const char *s, size_t n)
{
	for (size_t i = 0; i < nr; i++)
		if (n && list[i][0] == s[0] && !strncmp(list[i], s, n) &&
		    !list[i][n])
			return 1;
	return 0;
}

static const char *const plain_names[] = {
	".babelrc",
	".dockerignore",
	".editorconfig",
	".env",
	".eslintrc",
	".gitignore",
	".gitlab-ci.yml",
	".npmrc",
	".prettierrc",
	".pypirc",
	".travis.yml",
	"Cargo.toml",
	"Dockerfile",
	"Gemfile",
	"Jenkinsfile",
	"Makefile",
	"Pipfile",
	"README.md",
	"__init__.py",
	"app.py",
	"build.gradle",
	"composer.json",
	"config.py",
	"conftest.py",
	"docker-compose.yml",
	"docker-compose.yaml",
	"go.mod",
	"index.js",
	"index.ts",
	"main.c",
	"main.go",
	"main.py",
	"manage.py",
	"package.json",
	"pom.xml",
	"pyproject.toml",
	"requirements.txt",
	"settings.py",
	"setup.cfg",
	"setup.py",
	"tsconfig.json",
	"values.yaml",
	"webpack.config.js",
};

/* clang-format off */
static const char *const test_dirs[] = {
	"__tests__", "__test__", "e2e", "fixtures", "spec", "specs", "test",
	"test-data", "testdata", "testing", "tests", "it",
};
/* clang-format on */

static int is_test_path(const char *path)
{
	const char *base = strrchr(path, '/');
	const char *s = path;

	base = base ? base + 1 : path;
	while (s < base) {
		size_t n = strcspn(s, "/");

		if (in_list(test_dirs, PF_ARRAY_SIZE(test_dirs), s, n))
			return 1;
		s += n + 1;
	}
	if (pf_starts_with(base, "test_") || pf_starts_with(base, "test.") ||
	    !strcmp(base, "conftest.py"))
		return 1;
	{
		const char *dot = strchr(base, '.');
		size_t stem = dot ? (size_t)(dot - base) : strlen(base);

		if ((stem > 5 && !strncmp(base + stem - 5, "_test", 5)) ||
		    (stem > 4 && !strncmp(base + stem - 4, "Test", 4)) ||
		    (stem > 5 && !strncmp(base + stem - 5, "Tests", 5)) ||
		    (stem > 5 && !strncmp(base + stem - 5, "_spec", 5)) ||
		    strstr(base, ".test.") || strstr(base, ".spec."))
			return 1;
	}
	return 0;
}

int pf_redact_path(struct pf_buf *out, struct pf_vault *v,
		   struct pf_redact_ctx *ctx, const char *path, int *is_test)
{
	const char *slash = strrchr(path, '/');
	const char *base = slash ? slash + 1 : path;
	enum pf_redact_paths mode = ctx ? ctx->paths : PF_REDACT_PATHS_ALL;
	int ret = 0;

	if (is_test)
		*is_test = is_test_path(path);
	if (mode == PF_REDACT_PATHS_NONE)
		return pf_redact_text(out, v, ctx, path, strlen(path));
	if (slash) {
		pf_buf_addstr(out, pf_vault_put(v, PF_CAT_PATH, path,
						(size_t)(slash - path)));
		pf_buf_addch(out, '/');
	}
	if (mode == PF_REDACT_PATHS_DIRS ||
	    in_list(plain_names, PF_ARRAY_SIZE(plain_names), base,
		    strlen(base)) ||
	    pf_starts_with(base, ".env")) {
		ret = pf_redact_text(out, v, ctx, base, strlen(base));
	} else {
		const char *dot = strrchr(base, '.');
		size_t stem = dot && dot != base ? (size_t)(dot - base)
						 : strlen(base);

		if (stem)
			pf_buf_addstr(out,
				      pf_vault_put(v, PF_CAT_PATH, base, stem));
		pf_buf_addstr(out, base + stem);
	}
	return ret;
}
