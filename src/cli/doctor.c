/*
 * `pushfix doctor`: check the installation and say what is wrong, one
 * line per check ("ok", "warning" or "error"), without sending anything
 * anywhere.  Exit 1 when a check is an error.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "cmd.h"
#include "pushfix/err.h"
#include "pushfix/forge.h"
#include "pushfix/http.h"
#include "pushfix/llm.h"
#include "pushfix/mirror.h"
#include "pushfix/pipeline.h"
#include "pushfix/proc.h"
#include "pushfix/redact.h"
#include "pushfix/scan.h"
#include "pushfix/util.h"

#define HOOK_MARKER "pushfix-managed-hook"

struct doctor {
	int errors, warnings;
};

static void say(struct doctor *d, const char *level, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void say(struct doctor *d, const char *level, const char *fmt, ...)
{
	va_list ap;

	if (!strcmp(level, "error"))
		d->errors++;
	else if (!strcmp(level, "warning"))
		d->warnings++;
	printf("%-8s", level);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	putchar('\n');
}

/* The pre-push hook git will run: core.hooksPath wins over .git/hooks. */
static void check_hook(struct doctor *d, struct pf_run *run)
{
	struct pf_buf path = PF_BUF_INIT, text = PF_BUF_INIT;
	git_config *cfg = NULL;
	git_buf hp = { 0 };
	const char *line;

	if (!git_repository_config_snapshot(&cfg, run->repo) &&
	    !git_config_get_path(&hp, cfg, "core.hooksPath")) {
		if (hp.ptr[0] == '/' || !run->worktree)
			pf_buf_addf(&path, "%s/pre-push", hp.ptr);
		else
			pf_buf_addf(&path, "%s/%s/pre-push", run->worktree,
				    hp.ptr);
	} else {
		pf_buf_addf(&path, "%s/hooks/pre-push", run->gitdir);
	}
	git_error_clear();
	git_buf_dispose(&hp);
	git_config_free(cfg);
	if (pf_buf_read_file(&text, path.buf, 1 << 20)) {
		say(d, "error", "hook: no pre-push hook at %s; run install.sh",
		    path.buf);
		goto out;
	}
	if (!strstr(text.buf, HOOK_MARKER)) {
		say(d, "error", "hook: %s is not pushfix's; run install.sh",
		    path.buf);
		goto out;
	}
	line = strstr(text.buf, "pushfix_bin=");
	if (line) {
		struct pf_buf bin = PF_BUF_INIT;
		const char *v = line + strlen("pushfix_bin=");
		size_t n = strcspn(v, "\n");

		if (*v == '\'' || *v == '"') {
			v++;
			n = strcspn(v, "'\"\n");
		}
		pf_buf_add(&bin, v, n);
		if (pf_proc_which(bin.buf, NULL))
			say(d, "error",
			    "hook: it runs %s, which is missing; reinstall "
			    "with install.sh",
			    bin.buf);
		else
			say(d, "ok", "hook: %s runs %s", path.buf, bin.buf);
		pf_buf_release(&bin);
	} else {
		say(d, "ok", "hook: %s", path.buf);
	}
out:
	pf_error_clear();
	pf_buf_release(&path);
	pf_buf_release(&text);
}

/* A SARIF scanner: its command and the files it reads (pf_scan_describe
 * says it on the line that does not start with "semgrep "). */
static void check_sarif(struct doctor *d, const struct pf_config *cfg)
{
	struct pf_buf desc = PF_BUF_INIT;
	const char *line;
	char *e;

	if (pf_scan_describe(cfg, &desc)) {
		say(d, "error", "scanner: %s", pf_error_last());
		goto out;
	}
	line = desc.buf;
	if (pf_starts_with(line, "semgrep ") && strchr(line, '\n'))
		line = strchr(line, '\n') + 1;
	e = strchr(line, '\n');
	if (e)
		*e = '\0';
	say(d, cfg->scan.engine == PF_ENGINE_AUTO ? "warning" : "ok",
	    "scanner: %s%s", line,
	    cfg->scan.engine == PF_ENGINE_AUTO ? " (semgrep is not installed)"
					       : "");
out:
	pf_error_clear();
	pf_buf_release(&desc);
}

/* Each scanner a push runs, and what it reads. */
static void check_scanner(struct doctor *d, const struct pf_config *cfg)
{
	const char *engine = pf_scan_engine_name(cfg);
	struct pf_proc_result r;
	struct pf_proc_opts o = { 0 };
	struct pf_buf exe = PF_BUF_INIT;
	const char *argv[] = { NULL, "--version", NULL };

	if (!engine) {
		say(d, "error", "scanner: %s", pf_error_last());
		return;
	}
	if (strcmp(engine, "semgrep") && strcmp(engine, "semgrep+sarif")) {
		check_sarif(d, cfg);
		return;
	}
	/* The one the scan runs: maybe ~/.local/bin's, outside PATH. */
	if (pf_scan_semgrep_path(cfg, &exe)) {
		say(d, "error", "scanner: %s", pf_error_last());
		goto out;
	}
	argv[0] = exe.buf;
	pf_proc_result_init(&r);
	o.argv = argv;
	o.timeout_ms = 30000;
	if (pf_proc_run(&r, &o)) {
		say(d, "error", "scanner: `%s --version` failed: %s", exe.buf,
		    pf_error_last());
	} else if (r.signaled || r.exit_code) {
		pf_buf_rtrim(&r.err);
		say(d, "error", "scanner: `%s --version` failed (%s %d)%s%s",
		    exe.buf, r.signaled ? "signal" : "exit",
		    r.signaled ? r.signo : r.exit_code,
		    r.err.len && !strchr(r.err.buf, '\n') ? ": " : "",
		    r.err.len && !strchr(r.err.buf, '\n') ? r.err.buf : "");
	} else {
		pf_buf_rtrim(&r.out);
		say(d, "ok",
		    "scanner: semgrep %s (%s), rules %s; reads every file "
		    "it can parse, minus the pushed .semgrepignore",
		    r.out.buf, exe.buf,
		    cfg->scan.semgrep_config && *cfg->scan.semgrep_config
			    ? cfg->scan.semgrep_config
			    : "p/default");
	}
	pf_proc_result_release(&r);
out:
	pf_error_clear();
	pf_buf_release(&exe);
	if (!strcmp(engine, "semgrep+sarif"))
		check_sarif(d, cfg);
}

static void check_llm(struct doctor *d, const struct pf_config *cfg)
{
	struct pf_llm llm;
	const char *var;

	memset(&llm, 0, sizeof(llm));
	if (pf_llm_open(&llm, cfg)) {
		say(d, "error", "llm: %s", pf_error_last());
		goto out;
	}
	if (llm.provider == PF_LLM_NONE) {
		say(d, "ok", "llm: provider none (findings shown untriaged)");
		goto out;
	}
	var = cfg->llm.api_key_env;
	if (var && *var && !(cfg->llm.api_key_cmd && *cfg->llm.api_key_cmd) &&
	    !(getenv(var) && *getenv(var))) {
		/* The variable named, not "none needed": a local server may
		 * take requests without a key, the others will not. */
		int local = llm.provider == PF_LLM_OPENAI_COMPATIBLE;

		say(d, local ? "warning" : "error",
		    "llm: [llm] api_key_env %s is not set%s", var,
		    local ? "; requests go without a key" : "");
		goto out;
	}
	if (pf_llm_load_key(&llm, cfg)) {
		say(d, "error", "llm: %s", pf_error_last());
		goto out;
	}
	/* Never the key itself, only that there is one. */
	say(d, "ok", "llm: %s, model %s, endpoint %s, key %s",
	    pf_llm_provider_name(llm.provider),
	    llm.model && *llm.model ? llm.model : "(default)", llm.host,
	    llm.key ? "found" : "none needed");
out:
	pf_llm_release(&llm);
}

/*
 * libcurl is loaded when the first request is made, not at start-up: a
 * missing one shows only then, so say here whether it loads.  Without an
 * LLM or the mirror nothing needs it.
 */
static void check_http(struct doctor *d, const struct pf_config *cfg)
{
	const char *v = pf_http_version();
	int needed = cfg->mirror.enabled ||
		     (cfg->llm.provider && strcmp(cfg->llm.provider, "none"));

	if (v)
		say(d, "ok", "http: %s (loaded on first use)", v);
	else
		say(d, needed ? "error" : "warning", "http: %s%s",
		    pf_error_last(),
		    needed ? "" : " (needed only for an LLM or the mirror)");
	pf_error_clear();
}

/* Which classifier the redactor runs here: a user who finds redaction
 * slow can tell whether the CPU's AVX-512 path is taken. */
static void check_redact(struct doctor *d)
{
	say(d, "ok", "redaction: the %s classifier%s", pf_redact_classifier(),
	    strcmp(pf_redact_classifier(), "AVX-512")
		    ? " (AVX-512 BW, VBMI and BMI2 run it faster)"
		    : "");
}

/* Reviews the forge refused: what the hook says, said here too. */
static void check_outbox(struct doctor *d, struct pf_run *run)
{
	struct pf_buf line = PF_BUF_INIT;

	if (pf_mirror_failures(&line, run->state_dir))
		say(d, "warning", "mirror: %s", line.buf);
	pf_buf_release(&line);
}

static void check_mirror(struct doctor *d, struct pf_run *run)
{
	struct pf_forge_opts fo = { 0 };
	struct pf_forge_repo fr;
	git_config *gc = NULL;
	git_buf ubuf = { 0 };
	const char *url = NULL;

	check_outbox(d, run);
	if (!run->cfg.mirror.enabled) {
		say(d, "ok", "mirror: off ([mirror] enabled = false)");
		return;
	}
	/* From the config: git_remote_lookup leaks in libgit2 1.5. */
	if (!git_repository_config_snapshot(&gc, run->repo) &&
	    !git_config_get_string_buf(&ubuf, gc, "remote.origin.url"))
		url = ubuf.ptr;
	git_error_clear();
	fo.forge = run->cfg.mirror.forge;
	fo.api_url = run->cfg.mirror.api_url;
	fo.repository = run->cfg.mirror.repository;
	fo.host_map = run->cfg.mirror.host_map;
	memset(&fr, 0, sizeof(fr));
	if (pf_forge_resolve(&fr, url, &fo)) {
		say(d, "error", "mirror: %s", pf_error_last());
	} else {
		const char *tenv =
			run->cfg.mirror.token_env && *run->cfg.mirror.token_env
				? run->cfg.mirror.token_env
			: fr.forge == PF_FORGE_GITLAB ? "GITLAB_TOKEN"
						      : "GITHUB_TOKEN";
		int cmd = !(run->cfg.mirror.token_env &&
			    *run->cfg.mirror.token_env) &&
			  run->cfg.mirror.token_cmd &&
			  *run->cfg.mirror.token_cmd;
		int have =
			(getenv(tenv) && *getenv(tenv)) ||
			(fr.forge == PF_FORGE_GITHUB && getenv("GH_TOKEN")) ||
			cmd;

		if (!fr.token_ok) {
			/* What the mirror would do: refuse, not send. */
			struct pf_buf why = PF_BUF_INIT;

			pf_forge_untrusted(&why, &fr,
					   cmd ? "[mirror] token_cmd" : tenv);
			say(d, "warning", "mirror: %s %s at %s: %s",
			    pf_forge_name(fr.forge), fr.path, fr.api_url,
			    why.buf);
			pf_buf_release(&why);
		} else {
			say(d, have ? "ok" : "warning",
			    "mirror: %s %s at %s, token %s",
			    pf_forge_name(fr.forge), fr.path, fr.api_url,
			    have ? "configured"
				 : "missing (set it in the environment)");
		}
		pf_forge_repo_release(&fr);
	}
	git_buf_dispose(&ubuf);
	git_config_free(gc);
}

/*
 * The config's warnings as doctor lines, so that the summary counts what
 * was printed; a file that cannot be read is an error, and the checks
 * below then run on the other layers (the hook does the same).
 */
static void check_config(struct doctor *d, struct pf_run *run)
{
	struct pf_buf w = PF_BUF_INIT;
	const char *p;
	int ret;

	ret = pf_config_load(&run->cfg, run->worktree, run->gitdir, &w);
	for (p = w.buf; *p;) {
		size_t n = strcspn(p, "\n");

		if (!strncmp(p, "warning: ", 9)) {
			p += 9;
			n -= 9;
		}
		say(d, "warning", "config: %.*s", (int)n, p);
		p += n + (p[n] ? 1 : 0);
	}
	if (ret)
		say(d, "error", "config: %s", pf_error_last());
	else if (!w.len)
		say(d, "ok", "config: no warnings");
	run->verbose = run->cfg.core.verbose;
	pf_error_clear();
	pf_buf_release(&w);
}

int cmd_doctor(int argc, const char **argv)
{
	static const struct cli_command cmd = {
		.name = "doctor",
		.about =
			"Check hook, config, scanner, LLM and mirror settings; "
			"sends nothing.\n",
		.max_args = 0,
	};
	struct doctor d = { 0, 0 };
	struct pf_run run;
	int n = cli_parse(&cmd, argc, argv);

	if (n < 0)
		return cli_exit(n);
	if (pf_run_open_repo(&run, NULL)) {
		say(&d, "error", "%s", pf_error_last());
		pf_run_release(&run);
		return 1;
	}
	say(&d, "ok", "repository: %s",
	    run.worktree ? run.worktree : run.gitdir);
	check_config(&d, &run);
	check_hook(&d, &run);
	check_scanner(&d, &run.cfg);
	check_llm(&d, &run.cfg);
	check_http(&d, &run.cfg);
	check_redact(&d);
	check_mirror(&d, &run);
	printf("%d error%s, %d warning%s\n", d.errors, d.errors == 1 ? "" : "s",
	       d.warnings, d.warnings == 1 ? "" : "s");
	pf_run_release(&run);
	return d.errors ? 1 : 0;
}
