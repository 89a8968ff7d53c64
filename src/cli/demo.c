/*
 * `pushfix demo`: the whole product in one command, for a newcomer.  It
 * makes a throwaway directory with a bare remote and a clone, installs the
 * pre-push hook pointing at this very binary, commits a few vulnerable
 * files and runs a real `git push`, so the user sees what a push through
 * pushfix looks like.  The directory is removed at the end unless --keep.
 */
#include <errno.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cli.h"
#include "cmd.h"
#include "pushfix/buf.h"
#include "pushfix/config.h"
#include "pushfix/err.h"
#include "pushfix/fs.h"
#include "pushfix/llm.h"
#include "pushfix/proc.h"
#include "pushfix/redact.h"
#include "pushfix/scan.h"
#include "pushfix/util.h"

extern char **environ;

#define GIT_TIMEOUT_MS 60000u

static const char demo_about[] =
	"Makes a throwaway repository with a bare remote and a few vulnerable\n"
	"files, installs the pre-push hook and runs a real `git push` through\n"
	"it.  --keep leaves the directory for you to look around; by default\n"
	"it is removed at the end.\n";

/*
 * The files of the first push (made before the hook exists, so they are
 * not scanned): a small C server whose old code already has a problem
 * flawfinder reports, and a settings module.
 */
#define SERVER_C_OLD                                                           \
	"#include <stdio.h>\n"                                                 \
	"#include <stdlib.h>\n"                                                \
	"#include <string.h>\n"                                                \
	"\n"                                                                   \
	"/* Old code, already on the remote: not part of the demo push. */\n"  \
	"static void greet(const char *name)\n"                                \
	"{\n"                                                                  \
	"\tchar line[128];\n"                                                  \
	"\tsnprintf(line, sizeof(line), \"hello %s\", name);\n"                \
	"\tputs(line);\n"                                                      \
	"}\n"                                                                  \
	"\n"                                                                   \
	"int main(int argc, char **argv)\n"                                    \
	"{\n"                                                                  \
	"\tif (argc > 1)\n"                                                    \
	"\t\tgreet(argv[1]);\n"                                                \
	"\treturn 0;\n"                                                        \
	"}\n"

static const char server_c_v1[] = SERVER_C_OLD;

/* The pushed version: a handler that copies, formats and runs what the
 * user sent (lines 19-28 are new). */
static const char server_c_v2[] = SERVER_C_OLD
	"\n"
	"/* New in this push: run a backup of the user's directory. */\n"
	"int backup(const char *user_dir)\n"
	"{\n"
	"\tchar path[64], cmd[256];\n"
	"\tstrcpy(path, user_dir);\n"
	"\tsprintf(cmd, \"tar czf /tmp/backup.tgz %s\", path);\n"
	"\treturn system(cmd);\n"
	"}\n";

static const char views_py[] =
	"import subprocess\n"
	"\n"
	"from app.settings import DB_PASSWORD\n"
	"\n"
	"\n"
	"def ping(host):\n"
	"    # the host comes straight from the request\n"
	"    return subprocess.check_output(\"ping -c 1 \" + host, "
	"shell=True)\n"
	"\n"
	"\n"
	"def calculate(expression):\n"
	"    return eval(expression)\n";

static const char settings_py_v1[] = "DEBUG = False\n"
				     "DB_HOST = \"localhost\"\n";

/* Fake credentials, the kind that should never be committed. */
static const char settings_py_v2[] =
	"DEBUG = False\n"
	"DB_HOST = \"localhost\"\n"
	"DB_PASSWORD = \"hunter2-demo-not-a-real-password\"\n"
	"AWS_ACCESS_KEY_ID = \"AKIAIOSFODNN7EXAMPLE\"\n"
	"AWS_SECRET_ACCESS_KEY = "
	"\"wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY\"\n";

/* Local rules for a real Semgrep (the default config, p/default, needs
 * the network and its rules' licence). */
static const char semgrep_rules[] =
	"rules:\n"
	"  - id: subprocess-shell-true\n"
	"    languages: [python]\n"
	"    severity: ERROR\n"
	"    message: subprocess runs a command line built from input with "
	"shell=True (command injection)\n"
	"    metadata:\n"
	"      cwe: [\"CWE-78: OS Command Injection\"]\n"
	"    pattern: subprocess.$FUNC(..., shell=True, ...)\n"
	"  - id: eval-of-input\n"
	"    languages: [python]\n"
	"    severity: ERROR\n"
	"    message: eval() of a value that may come from a user (code "
	"injection)\n"
	"    metadata:\n"
	"      cwe: [\"CWE-95: Eval Injection\"]\n"
	"    pattern: eval(...)\n"
	"  - id: hard-coded-credential\n"
	"    languages: [python]\n"
	"    severity: WARNING\n"
	"    message: a credential is hard-coded in the source\n"
	"    metadata:\n"
	"      cwe: [\"CWE-798: Use of Hard-coded Credentials\"]\n"
	"    pattern-regex: (?i)(password|secret[a-z_]*|access_key[a-z_]*)\\s*"
	"=\\s*\"[^\"]{8,}\"\n"
	"  - id: c-unsafe-copy-format-command\n"
	"    languages: [c]\n"
	"    severity: ERROR\n"
	"    message: unbounded copy, format or shell command on caller "
	"data\n"
	"    metadata:\n"
	"      cwe: [\"CWE-120: Buffer Copy without Checking Size of Input\"]\n"
	"    pattern-either:\n"
	"      - pattern: strcpy(...)\n"
	"      - pattern: sprintf(...)\n"
	"      - pattern: system(...)\n";

struct demo {
	char *dir;	       /* the throwaway directory */
	char *remote;	       /* <dir>/origin.git */
	char *work;	       /* <dir>/work */
	char *self;	       /* this binary, absolute */
	struct pf_buf scanner; /* what the hook will use, for the intro */
	struct pf_buf why;     /* why there is none */
	struct pf_buf ini;     /* the demo's .git/pushfix/config.ini */
	struct pf_buf llm;     /* the LLM the hook will ask, for the intro */
	int has_llm;	       /* findings will be triaged */
};

static int self_path(char **out)
{
	char buf[4096];
	ssize_t n = readlink("/proc/self/exe", buf, sizeof(buf) - 1);

	if (n <= 0 || (size_t)n >= sizeof(buf) - 1)
		return pf_error_set("cannot find the pushfix binary "
				    "(/proc/self/exe): %s",
				    n < 0 ? strerror(errno) : "path too long");
	buf[n] = '\0';
	*out = pf_xstrdup(buf);
	return 0;
}

/* Run git quietly; on failure the message holds git's own words. */
static int git(const char *cwd, const char *const *args)
{
	const char *argv[24];
	struct pf_proc_result r;
	struct pf_proc_opts o;
	size_t n = 0;
	int ret;

	argv[n++] = "git";
	/* The user's own settings must not break the demo: no signing, no
	 * global hooks dir, no identity needed. */
	argv[n++] = "-c";
	argv[n++] = "commit.gpgsign=false";
	argv[n++] = "-c";
	argv[n++] = "user.name=pushfix demo";
	argv[n++] = "-c";
	argv[n++] = "user.email=demo@example.invalid";
	for (size_t i = 0; args[i] && n < PF_ARRAY_SIZE(argv) - 1; i++)
		argv[n++] = args[i];
	argv[n] = NULL;

	memset(&o, 0, sizeof(o));
	o.argv = argv;
	o.cwd = cwd;
	o.timeout_ms = GIT_TIMEOUT_MS;
	pf_proc_result_init(&r);
	ret = pf_proc_run(&r, &o);
	if (ret)
		goto out;
	if (r.signaled || r.exit_code) {
		pf_buf_rtrim(&r.err);
		ret = pf_error_set("git %s failed: %s", args[0],
				   r.err.len ? r.err.buf : "no message");
	}
out:
	pf_proc_result_release(&r);
	return ret;
}

static int write_file(const char *dir, const char *rel, const char *text,
		      unsigned mode)
{
	struct pf_buf path = PF_BUF_INIT;
	char *slash;
	int ret;

	pf_buf_addf(&path, "%s/%s", dir, rel);
	slash = strrchr(path.buf, '/');
	*slash = '\0';
	ret = pf_mkdir_p(path.buf, 0755);
	*slash = '/';
	if (!ret)
		ret = pf_write_file_atomic(path.buf, text, strlen(text), mode);
	pf_buf_release(&path);
	return ret;
}

/* A single-quoted shell word. */
static void add_sh_quoted(struct pf_buf *b, const char *s)
{
	pf_buf_addch(b, '\'');
	for (; *s; s++) {
		if (*s == '\'')
			pf_buf_addstr(b, "'\\''");
		else
			pf_buf_addch(b, *s);
	}
	pf_buf_addch(b, '\'');
}

/*
 * The hook install.sh writes: its template (hooks/pre-push, installed as
 * share/pushfix/hooks/pre-push) with the binary's absolute path on the
 * `pushfix_bin=` line.  Found next to the binary when installed, or in the
 * source tree when run from build/<kind>/; otherwise a minimal hook that
 * does the same for the demo's purpose.
 */
static void hook_text(struct pf_buf *out, const char *self)
{
	static const char *const rel[] = { "../share/pushfix/hooks/pre-push",
					   "../../hooks/pre-push" };
	struct pf_buf path = PF_BUF_INIT, tmpl = PF_BUF_INIT;
	const char *slash = strrchr(self, '/');
	size_t dirlen = slash ? (size_t)(slash - self) : 0;

	for (size_t i = 0; i < PF_ARRAY_SIZE(rel) && !out->len; i++) {
		const char *line, *end;
		int replaced = 0;

		pf_buf_reset(&path);
		pf_buf_add(&path, self, dirlen);
		pf_buf_addf(&path, "/%s", rel[i]);
		pf_buf_reset(&tmpl);
		if (pf_buf_read_file(&tmpl, path.buf, 1u << 20) ||
		    !pf_starts_with(tmpl.buf, "#!/bin/sh"))
			continue;
		for (line = tmpl.buf; *line; line = end) {
			end = strchr(line, '\n');
			end = end ? end + 1 : line + strlen(line);
			if (!replaced && pf_starts_with(line, "pushfix_bin=")) {
				pf_buf_addstr(out, "pushfix_bin=");
				add_sh_quoted(out, self);
				pf_buf_addch(out, '\n');
				replaced = 1;
			} else {
				pf_buf_add(out, line, (size_t)(end - line));
			}
		}
		if (!replaced)
			pf_buf_reset(out);
	}
	if (!out->len) {
		pf_buf_addstr(out, "#!/bin/sh\n"
				   "# pushfix pre-push hook (written by "
				   "`pushfix demo`)\n"
				   "case ${PUSHFIX_SKIP:-} in\n"
				   "'' | 0 | false | no | off) ;;\n"
				   "*) exit 0 ;;\n"
				   "esac\n"
				   "exec ");
		add_sh_quoted(out, self);
		pf_buf_addstr(out, " hook pre-push \"$@\"\n");
	}
	pf_buf_release(&path);
	pf_buf_release(&tmpl);
}

static int install_hook(struct demo *d)
{
	struct pf_buf hook = PF_BUF_INIT, hooks_dir = PF_BUF_INIT;
	int ret;

	hook_text(&hook, d->self);
	ret = write_file(d->work, ".git/hooks/pre-push", hook.buf, 0755);
	if (ret)
		goto out;
	/* A global core.hooksPath would hide .git/hooks. */
	pf_buf_addf(&hooks_dir, "%s/.git/hooks", d->work);
	ret = git(d->work, (const char *const[]){ "config", "core.hooksPath",
						  hooks_dir.buf, NULL });
out:
	pf_buf_release(&hook);
	pf_buf_release(&hooks_dir);
	return ret;
}

/* The configuration as the hook will load it in the demo repository:
 * the user's file and the environment included.  Release cfg either way. */
static int load_config(struct pf_config *cfg, const struct demo *d)
{
	struct pf_buf gitdir = PF_BUF_INIT;
	int ret;

	pf_config_init(cfg);
	pf_buf_addf(&gitdir, "%s/.git", d->work);
	ret = pf_config_load(cfg, d->work, gitdir.buf, NULL);
	pf_buf_release(&gitdir);
	return ret;
}

/*
 * Which scanner the hook will use, said up front: the product's own choice
 * (config and environment as the hook will see them).  Real Semgrep gets
 * local rules: the default, p/default, needs the network.
 */
static int choose_scanner(struct demo *d)
{
	struct pf_buf rules = PF_BUF_INIT;
	struct pf_config cfg;
	const char *engine;
	char **argv = NULL;
	int ret = 0;

	if (load_config(&cfg, d)) {
		pf_buf_addf(&d->why, "%s", pf_error_last());
		goto out;
	}
	engine = pf_scan_engine_name(&cfg);
	if (!engine) {
		pf_buf_addf(&d->why, "%s", pf_error_last());
	} else if (!strcmp(engine, "semgrep")) {
		pf_buf_addf(&rules, "%s/rules/demo.yml", d->dir);
		ret = write_file(d->dir, "rules/demo.yml", semgrep_rules, 0644);
		if (ret)
			goto out;
		pf_buf_addstr(&d->ini, "[scan]\nsemgrep_config = ");
		pf_buf_addstr(&d->ini, rules.buf);
		pf_buf_addch(&d->ini, '\n');
		pf_buf_addstr(&d->scanner,
			      "semgrep, with the demo's own rules");
	} else {
		const char *cmd = cfg.scan.command && *cfg.scan.command
					  ? cfg.scan.command
					  : "flawfinder --sarif {files}";

		if (pf_proc_split(&argv, cmd) || !argv[0])
			pf_buf_addstr(&d->scanner, cmd);
		else
			pf_buf_addstr(&d->scanner, argv[0]);
		if (cfg.scan.engine == PF_ENGINE_AUTO)
			pf_buf_addstr(&d->scanner,
				      " (SARIF): semgrep is not installed, so "
				      "the hook falls back to it");
		else
			pf_buf_addstr(&d->scanner, " (SARIF, engine = sarif)");
		if (!strcmp(d->scanner.buf, "flawfinder") ||
		    pf_starts_with(d->scanner.buf, "flawfinder "))
			pf_buf_addstr(
				&d->scanner,
				";\n           flawfinder reads only the C "
				"file");
	}
out:
	pf_proc_argv_free(argv);
	pf_config_release(&cfg);
	pf_buf_release(&rules);
	return ret;
}

/* The LLM as the hook will see it. */
static int llm_as_hook_sees_it(struct pf_llm *llm, const struct demo *d)
{
	struct pf_config cfg;
	int ret = load_config(&cfg, d);

	if (!ret)
		ret = pf_llm_open(llm, &cfg);
	if (!ret)
		ret = pf_llm_load_key(llm, &cfg);
	pf_config_release(&cfg);
	return ret;
}

/*
 * Which LLM triages, said up front.  What the user configured wins; with
 * none configured but a key in the environment the demo uses that
 * provider for its own repository only (the product's main value is
 * triage and fixes, and the key says the user has an account).  The
 * verdict comes from the hook's own code path, so the intro cannot
 * promise what the push then does not do.
 */
static int choose_llm(struct demo *d)
{
	static const struct {
		const char *var, *provider;
	} keys[] = { { "OPENAI_API_KEY", "openai" },
		     { "ANTHROPIC_API_KEY", "anthropic" } };
	struct pf_llm llm;
	const char *from_env = NULL;
	int ret;

	memset(&llm, 0, sizeof(llm));
	ret = llm_as_hook_sees_it(&llm, d);
	if (!ret && llm.provider == PF_LLM_NONE) {
		for (size_t i = 0; i < PF_ARRAY_SIZE(keys) && !from_env; i++) {
			const char *v = getenv(keys[i].var);

			if (!v || !*v)
				continue;
			from_env = keys[i].var;
			pf_buf_addf(&d->ini, "[llm]\nprovider = %s\n",
				    keys[i].provider);
		}
		if (from_env) {
			ret = write_file(d->work, ".git/pushfix/config.ini",
					 d->ini.buf, 0644);
			if (ret)
				return ret;
			pf_llm_release(&llm);
			ret = llm_as_hook_sees_it(&llm, d);
		}
	}
	if (ret) {
		pf_buf_addf(&d->llm,
			    "NOT USABLE: %s;\n           findings "
			    "will not be triaged",
			    pf_error_last());
	} else if (llm.provider != PF_LLM_NONE) {
		d->has_llm = 1;
		pf_buf_addf(&d->llm, "%s, model %s at %s",
			    pf_llm_provider_name(llm.provider), llm.model,
			    llm.host);
		if (from_env)
			pf_buf_addf(&d->llm, " (%s is set)", from_env);
		pf_buf_addstr(&d->llm,
			      ":\n           triages each finding and "
			      "writes fixes; only anonymised code is sent");
	}
	pf_llm_release(&llm);
	return 0;
}

static int make_repos(struct demo *d)
{
	int ret;

	ret = git(d->dir, (const char *const[]){ "init", "-q", "--bare",
						 d->remote, NULL });
	if (!ret)
		ret = git(d->dir,
			  (const char *const[]){ "init", "-q", "-b", "main",
						 d->work, NULL });
	if (!ret)
		ret = git(d->work,
			  (const char *const[]){ "remote", "add", "origin",
						 d->remote, NULL });
	if (!ret)
		ret = write_file(d->work, "src/server.c", server_c_v1, 0644);
	if (!ret)
		ret = write_file(d->work, "app/settings.py", settings_py_v1,
				 0644);
	if (!ret)
		ret = write_file(d->work, "app/__init__.py", "", 0644);
	if (!ret)
		ret = git(d->work, (const char *const[]){ "add", ".", NULL });
	if (!ret)
		ret = git(d->work,
			  (const char *const[]){ "commit", "-q", "-m",
						 "Start the service", NULL });
	/* The first push happens before the hook exists: it is "what the
	 * remote already has". */
	if (!ret)
		ret = git(d->work,
			  (const char *const[]){ "push", "-q", "--no-verify",
						 "origin", "main", NULL });
	if (!ret)
		ret = install_hook(d);
	/* The planted fake credentials are shown as findings, but the demo
	 * push goes through to show the rest ([policy] block_secrets). */
	pf_buf_addstr(&d->ini, "[policy]\nblock_secrets = false\n");
	if (!ret)
		ret = choose_scanner(d);
	if (!ret && d->ini.len)
		ret = write_file(d->work, ".git/pushfix/config.ini", d->ini.buf,
				 0644);
	if (!ret)
		ret = choose_llm(d);
	if (!ret)
		ret = write_file(d->work, "src/server.c", server_c_v2, 0644);
	if (!ret)
		ret = write_file(d->work, "app/views.py", views_py, 0644);
	if (!ret)
		ret = write_file(d->work, "app/settings.py", settings_py_v2,
				 0644);
	if (!ret)
		ret = git(d->work, (const char *const[]){ "add", ".", NULL });
	if (!ret)
		ret = git(d->work,
			  (const char *const[]){
				  "commit", "-q", "-m",
				  "Add backup, ping and calculator", NULL });
	return ret;
}

/*
 * The planted credentials, as an LLM request would carry them: the
 * anonymiser every request goes through, on the pushed settings file.
 * Shown whatever the scanner, because it does not depend on one: a
 * scanner may or may not report a secret, the anonymiser always masks
 * it.  Only the lines it changed are printed.
 */
static void show_secrets(const struct demo *d)
{
	struct pf_buf red = PF_BUF_INIT;
	struct pf_redact_ctx ctx;
	struct pf_vault vault;
	struct pf_config cfg;
	const char *o, *r;
	unsigned n = 0, ln = 1;

	pf_redact_ctx_init(&ctx);
	pf_vault_init(&vault, NULL);
	if (load_config(&cfg, d) || pf_redact_ctx_configure(&ctx, &cfg) ||
	    pf_redact_text(&red, &vault, &ctx, settings_py_v2,
			   strlen(settings_py_v2))) {
		printf("pushfix demo: cannot show the anonymisation: %s\n",
		       pf_error_last());
		goto out;
	}
	for (size_t i = 0; i < vault.nr; i++)
		n += vault.v[i].cat == PF_CAT_SECRET;
	printf("\nSecrets: the anonymiser masked %u in app/settings.py "
	       "(whatever the scanner\nreports); an LLM request carrying "
	       "those lines holds (`pushfix preview` shows\nwhole "
	       "requests):\n",
	       n);
	/* Redaction keeps lines: line N of red is line N of the file. */
	for (o = settings_py_v2, r = red.buf; *o && *r; ln++) {
		size_t ol = strcspn(o, "\n"), rl = strcspn(r, "\n");

		if (ol != rl || memcmp(o, r, ol))
			printf("  %5u | %.*s\n", ln, (int)rl, r);
		o += ol + (o[ol] == '\n');
		r += rl + (r[rl] == '\n');
	}
out:
	pf_vault_release(&vault);
	pf_redact_ctx_release(&ctx);
	pf_config_release(&cfg);
	pf_buf_release(&red);
}

/*
 * The push itself runs in our own process group with our stdio, not
 * through pf_proc_run(): that puts children in a group of their own, and
 * a hook that asks questions on /dev/tty from a background group would be
 * stopped by SIGTTIN.
 */
static int run_push(struct demo *d, int *exit_code)
{
	/* clang-format off */
	const char *argv[] = {
		"git", "-c", "commit.gpgsign=false", "push", "origin", "main",
		NULL,
	};
	/* clang-format on */
	posix_spawn_file_actions_t fa;
	pid_t pid;
	int status, err;

	if (chdir(d->work))
		return pf_error_set("cannot enter '%s': %s", d->work,
				    strerror(errno));
	posix_spawn_file_actions_init(&fa);
	err = posix_spawnp(&pid, "git", &fa, NULL, (char *const *)argv,
			   environ);
	posix_spawn_file_actions_destroy(&fa);
	if (chdir(d->dir) || chdir("/")) {
		/* Only matters for removing the dir; ignore. */
	}
	if (err)
		return pf_error_set("cannot run git push: %s", strerror(err));
	while (waitpid(pid, &status, 0) < 0) {
		if (errno != EINTR)
			return pf_error_set("waiting for git push: %s",
					    strerror(errno));
	}
	*exit_code = WIFEXITED(status) ? WEXITSTATUS(status)
				       : 128 + WTERMSIG(status);
	return 0;
}

static void demo_release(struct demo *d)
{
	free(d->dir);
	free(d->remote);
	free(d->work);
	free(d->self);
	pf_buf_release(&d->scanner);
	pf_buf_release(&d->why);
	pf_buf_release(&d->ini);
	pf_buf_release(&d->llm);
}

int cmd_demo(int argc, const char **argv)
{
	struct demo d = { .scanner = PF_BUF_INIT,
			  .why = PF_BUF_INIT,
			  .ini = PF_BUF_INIT,
			  .llm = PF_BUF_INIT };
	struct pf_buf tmpl = PF_BUF_INIT, user_cfg = PF_BUF_INIT;
	const char *tmp = getenv("TMPDIR");
	int keep = 0, push_status = -1, ret = 1, n;
	const struct cli_option options[] = {
		CLI_OPT_BOOL(0, "keep", &keep,
			     "leave the directory for you to look around"),
		CLI_OPT_END,
	};
	const struct cli_command cmd = {
		.name = "demo",
		.synopsis = "[--keep]",
		.about = demo_about,
		.options = options,
		.max_args = 0,
	};

	n = cli_parse(&cmd, argc, argv);
	if (n < 0)
		return cli_exit(n);
	if (self_path(&d.self)) {
		fprintf(stderr, "error: %s\n", pf_error_last());
		return 1;
	}
	if (pf_proc_which("git", NULL)) {
		fprintf(stderr, "error: git is not installed\n");
		goto out;
	}

	pf_buf_addf(&tmpl, "%s/pushfix-demo.XXXXXX",
		    tmp && *tmp ? tmp : "/tmp");
	if (!mkdtemp(tmpl.buf)) {
		fprintf(stderr,
			"error: cannot create a directory like '%s': "
			"%s\n",
			tmpl.buf, strerror(errno));
		goto out;
	}
	d.dir = pf_buf_detach(&tmpl, NULL);
	d.remote = pf_xmalloc(strlen(d.dir) + 16);
	d.work = pf_xmalloc(strlen(d.dir) + 16);
	snprintf(d.remote, strlen(d.dir) + 16, "%s/origin.git", d.dir);
	snprintf(d.work, strlen(d.dir) + 16, "%s/work", d.dir);

	if (make_repos(&d)) {
		fprintf(stderr, "error: pushfix demo: %s\n", pf_error_last());
		goto out;
	}

	printf("pushfix demo, in a throwaway directory: %s\n"
	       "  remote   origin.git (bare)\n"
	       "  clone    work/, pre-push hook -> %s\n"
	       "  already pushed: src/server.c, app/settings.py\n"
	       "  new commit:     a backup() with strcpy/sprintf/system in "
	       "src/server.c,\n"
	       "                  shell=True and eval() in app/views.py,\n"
	       "                  fake credentials in app/settings.py\n",
	       d.dir, d.self);
	if (d.scanner.len)
		printf("  scanner  %s\n", d.scanner.buf);
	else
		printf("  scanner  NONE: %s.\n"
		       "           The hook will say so and let the push go on."
		       "  Install a scanner\n"
		       "           (pipx install semgrep, or apt-get install "
		       "flawfinder) and run the demo again.\n",
		       d.why.len ? d.why.buf : "no scanner found");
	if (d.llm.len) {
		printf("  LLM      %s\n", d.llm.buf);
	} else {
		if (pf_config_user_file(&user_cfg))
			pf_buf_addstr(&user_cfg,
				      "~/.config/pushfix/config.ini");
		printf("pushfix: no LLM configured, so findings are not "
		       "triaged; set OPENAI_API_KEY, or [llm] provider = "
		       "openai-compatible with base_url and model in %s, to "
		       "see triage and fixes\n",
		       user_cfg.buf);
	}
	printf("\n$ git push origin main\n");
	fflush(stdout);

	if (run_push(&d, &push_status)) {
		fprintf(stderr, "error: pushfix demo: %s\n", pf_error_last());
		goto out;
	}
	fflush(stderr);
	show_secrets(&d);
	printf("\n");
	if (push_status == 0) {
		printf("pushfix demo: the push went through.%s\n",
		       d.scanner.len
			       ? "  Above is what the hook reported on the "
				 "lines this push added."
			       : "");
		ret = 0;
	} else {
		printf("pushfix demo: git push exited with status %d (your "
		       "[policy] stopped it, or git failed: see above).\n",
		       push_status);
	}
out:
	if (d.dir) {
		if (keep) {
			printf("The demo repository is kept in %s/work\n"
			       "Try: cd %s/work && pushfix changes "
			       "HEAD~1..HEAD && pushfix scan HEAD~1..HEAD\n"
			       "Remove it with: rm -rf %s\n",
			       d.dir, d.dir, d.dir);
		} else if (pf_remove_tree(d.dir)) {
			fprintf(stderr, "warning: could not remove %s: %s\n",
				d.dir, pf_error_last());
		} else {
			printf("Removed %s (run `pushfix demo --keep` to look "
			       "around).\n",
			       d.dir);
		}
	}
	pf_buf_release(&tmpl);
	pf_buf_release(&user_cfg);
	demo_release(&d);
	return ret;
}
