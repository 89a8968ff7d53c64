#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "pushfix/err.h"
#include "pushfix/proc.h"
#include "pushfix/sarif.h"
#include "pushfix/scan.h"
#include "pushfix/semgrep.h"
#include "pushfix/util.h"

/* Scanners print a lot on large pushes; more than this is not a scan. */
#define SCAN_OUT_CAP (256u << 20)
#define DEFAULT_SARIF_COMMAND "flawfinder --sarif {files}"

void pf_scan_result_init(struct pf_scan_result *r)
{
	memset(r, 0, sizeof(*r));
	pf_buf_init(&r->diag);
}

void pf_scan_result_release(struct pf_scan_result *r)
{
	if (!r)
		return;
	pf_buf_release(&r->diag);
}

static const char *sarif_command(const struct pf_config *cfg)
{
	return cfg->scan.command && *cfg->scan.command ? cfg->scan.command
						       : DEFAULT_SARIF_COMMAND;
}

/* argv[0] of the SARIF command line, for PATH look-ups and messages. */
static int sarif_program(const struct pf_config *cfg, struct pf_buf *out)
{
	char **argv;
	int ret = pf_proc_split(&argv, sarif_command(cfg));

	if (ret)
		return pf_error_prefix(ret, "[scan] command");
	pf_buf_reset(out);
	pf_buf_addstr(out, argv[0]);
	pf_proc_argv_free(argv);
	return 0;
}

const char *pf_scan_engine_name(const struct pf_config *cfg)
{
	struct pf_buf prog = PF_BUF_INIT;
	const char *semgrep = cfg->scan.semgrep_bin && *cfg->scan.semgrep_bin
				      ? cfg->scan.semgrep_bin
				      : "semgrep";
	const char *name = NULL;

	switch (cfg->scan.engine) {
	case PF_ENGINE_SEMGREP:
		if (!pf_proc_which(semgrep, NULL))
			name = "semgrep";
		else
			pf_error_setc(PF_ENOTFOUND,
				      "semgrep is not installed ('%s' is not in "
				      "PATH); install it with `pipx install "
				      "semgrep` or set [scan] engine = sarif",
				      semgrep);
		break;
	case PF_ENGINE_SARIF:
		if (sarif_program(cfg, &prog))
			break;
		if (!pf_proc_which(prog.buf, NULL))
			name = "sarif";
		else
			pf_error_setc(PF_ENOTFOUND,
				      "the SARIF scanner '%s' of [scan] command "
				      "is not installed",
				      prog.buf);
		break;
	case PF_ENGINE_AUTO:
		if (!pf_proc_which(semgrep, NULL)) {
			name = "semgrep";
			break;
		}
		if (!sarif_program(cfg, &prog) &&
		    !pf_proc_which(prog.buf, NULL)) {
			name = "sarif";
			break;
		}
		pf_error_setc(PF_ENOTFOUND,
			      "no scanner: semgrep is not installed and the "
			      "SARIF scanner '%s' is not either; install "
			      "semgrep (pipx install semgrep) or set [scan] "
			      "command",
			      prog.len ? prog.buf : sarif_command(cfg));
		break;
	}
	pf_buf_release(&prog);
	return name;
}

/* A target path must stay inside the temp dir. */
static int safe_relative(const char *p)
{
	const char *s = p;

	if (!*p || *p == '/')
		return 0;
	while (*s) {
		const char *e = strchr(s, '/');
		size_t n = e ? (size_t)(e - s) : strlen(s);

		if ((n == 2 && !strncmp(s, "..", 2)) || n == 0)
			return 0;
		s += n + (e ? 1 : 0);
	}
	return 1;
}

static int write_target(const char *dir, const char *rel, const char *data,
			size_t len)
{
	struct pf_buf path = PF_BUF_INIT;
	char *slash;
	FILE *f;
	int ret = 0;

	pf_buf_addf(&path, "%s/%s", dir, rel);
	slash = strrchr(path.buf, '/');
	*slash = '\0';
	ret = pf_mkdir_p(path.buf, 0700);
	*slash = '/';
	if (ret)
		goto out;
	f = fopen(path.buf, "wb");
	if (!f || (len && fwrite(data, 1, len, f) != len) || fclose(f)) {
		ret = pf_error_set("cannot write '%s': %s", path.buf,
				   strerror(errno));
		if (f)
			fclose(f);
	}
out:
	pf_buf_release(&path);
	return ret;
}

static void add_semgrep_argv(char ***argv, size_t *nr, size_t *alloc,
			     const struct pf_config *cfg)
{
	static const char *const fixed[] = {
		"scan", "--json", "--metrics=off", "--disable-version-check",
		"--quiet",
	};
	const char *c = cfg->scan.semgrep_config && *cfg->scan.semgrep_config
				? cfg->scan.semgrep_config
				: "p/default";

	PF_ALLOC_GROW(*argv, *nr + 8, *alloc);
	(*argv)[(*nr)++] =
		pf_xstrdup(cfg->scan.semgrep_bin && *cfg->scan.semgrep_bin
				   ? cfg->scan.semgrep_bin
				   : "semgrep");
	for (size_t i = 0; i < PF_ARRAY_SIZE(fixed); i++)
		(*argv)[(*nr)++] = pf_xstrdup(fixed[i]);
	/* Several configs, comma separated, each its own --config. */
	while (*c) {
		const char *e = strchr(c, ',');
		size_t n = e ? (size_t)(e - c) : strlen(c);

		while (n && (*c == ' ')) {
			c++;
			n--;
		}
		while (n && c[n - 1] == ' ')
			n--;
		if (n) {
			PF_ALLOC_GROW(*argv, *nr + 3, *alloc);
			(*argv)[(*nr)++] = pf_xstrdup("--config");
			(*argv)[(*nr)++] = pf_xstrndup(c, n);
		}
		c = e ? e + 1 : c + strlen(c);
	}
	PF_ALLOC_GROW(*argv, *nr + 2, *alloc);
	(*argv)[(*nr)++] = pf_xstrdup("--");
}

/* Build the scanner's argv: the targets replace {files} (or follow). */
static int build_argv(char ***out, int semgrep, const struct pf_config *cfg,
		      const struct pf_scan_target *t, size_t nr)
{
	char **argv = NULL, **tmpl = NULL;
	size_t n = 0, alloc = 0;
	int placed = 0, ret;

	if (semgrep) {
		add_semgrep_argv(&argv, &n, &alloc, cfg);
	} else {
		ret = pf_proc_split(&tmpl, sarif_command(cfg));
		if (ret)
			return pf_error_prefix(ret, "[scan] command");
		for (char **a = tmpl; *a; a++) {
			if (strcmp(*a, "{files}")) {
				PF_ALLOC_GROW(argv, n + 2, alloc);
				argv[n++] = pf_xstrdup(*a);
				continue;
			}
			placed = 1;
			PF_ALLOC_GROW(argv, n + nr + 2, alloc);
			for (size_t i = 0; i < nr; i++)
				argv[n++] = pf_xstrdup(t[i].path);
		}
		pf_proc_argv_free(tmpl);
	}
	if (semgrep || !placed) {
		PF_ALLOC_GROW(argv, n + nr + 2, alloc);
		for (size_t i = 0; i < nr; i++)
			argv[n++] = pf_xstrdup(t[i].path);
	}
	argv[n] = NULL;
	*out = argv;
	return 0;
}

/* "./a.py", "/tmp/pushfix-scan.X/a.py", "file:///tmp/.../a.py" -> "a.py" */
static const char *strip_dir(const char *p, const char *dir)
{
	size_t dl = strlen(dir);

	if (pf_starts_with(p, "file://"))
		p += 7;
	if (!strncmp(p, dir, dl) && p[dl] == '/')
		p += dl + 1;
	else if (*p == '/') {
		/* mkdtemp under a symlinked TMPDIR: match the tail. */
		const char *base = strrchr(dir, '/');

		if (base) {
			const char *hit = strstr(p, base);

			if (hit && hit[strlen(base)] == '/')
				p = hit + strlen(base) + 1;
		}
	}
	while (p[0] == '.' && p[1] == '/')
		p += 2;
	return p;
}

static const struct pf_scan_target *find_target(
	const struct pf_scan_target *t, size_t nr, const char *path)
{
	for (size_t i = 0; i < nr; i++)
		if (!strcmp(t[i].path, path))
			return &t[i];
	return NULL;
}

static void first_line(struct pf_buf *out, const struct pf_buf *text)
{
	const char *s = text->buf, *e;

	while (*s == '\n' || *s == ' ')
		s++;
	e = strchr(s, '\n');
	pf_buf_add(out, s, e ? (size_t)(e - s) : strlen(s));
	if (out->len > 300)
		pf_buf_setlen(out, 300);
}

/* Run the scanner once over targets with distinct paths. */
static int scan_batch(struct pf_findings *out, struct pf_scan_result *res,
		      const struct pf_config *cfg, int semgrep,
		      const struct pf_scan_target *t, size_t nr,
		      const char *ignore_data, size_t ignore_len)
{
	struct pf_proc_opts opts = { 0 };
	struct pf_proc_result pr;
	struct pf_findings parsed = PF_FINDINGS_INIT;
	struct pf_buf dir = PF_BUF_INIT, msg = PF_BUF_INIT;
	const char *tmp = getenv("TMPDIR");
	const char *name;
	char **argv = NULL;
	unsigned nerr = 0;
	double t0;
	int ret;

	pf_proc_result_init(&pr);
	pf_buf_addf(&dir, "%s/pushfix-scan.XXXXXX", tmp && *tmp ? tmp : "/tmp");
	if (!mkdtemp(dir.buf)) {
		ret = pf_error_set("cannot create a temporary directory "
				   "in '%s': %s",
				   tmp && *tmp ? tmp : "/tmp", strerror(errno));
		pf_buf_release(&dir);
		return ret;
	}
	for (size_t i = 0; i < nr; i++) {
		if (!safe_relative(t[i].path)) {
			ret = pf_error_setc(PF_EINVALID,
					    "refusing to scan the path '%s'",
					    t[i].path);
			goto out;
		}
		ret = write_target(dir.buf, t[i].path, t[i].data, t[i].len);
		if (ret)
			goto out;
	}
	/* The pushed ignore file, so that the rules' path filters see what
	 * they would see in the repository. */
	if (ignore_data && !find_target(t, nr, ".semgrepignore")) {
		ret = write_target(dir.buf, ".semgrepignore", ignore_data,
				   ignore_len);
		if (ret)
			goto out;
	}
	ret = build_argv(&argv, semgrep, cfg, t, nr);
	if (ret)
		goto out;
	name = semgrep ? "semgrep" : argv[0];
	opts.argv = (const char *const *)argv;
	opts.cwd = dir.buf;
	opts.timeout_ms = cfg->scan.timeout ? cfg->scan.timeout * 1000 : 0;
	opts.out_cap = SCAN_OUT_CAP;
	t0 = pf_now_ms();
	ret = pf_proc_run(&pr, &opts);
	res->ms += pf_now_ms() - t0;
	if (ret == PF_ENOTFOUND) {
		ret = pf_error_setc(PF_ENOTFOUND,
				    "%s is not installed (not found in PATH)",
				    name);
		goto out;
	}
	if (ret == PF_ETIMEOUT) {
		ret = pf_error_setc(PF_ETIMEOUT,
				    "%s did not finish within %u s ([scan] "
				    "timeout); it was stopped",
				    name, cfg->scan.timeout);
		goto out;
	}
	if (ret)
		goto out;
	if (pr.signaled) {
		ret = pf_error_set("%s crashed (signal %d)", name, pr.signo);
		goto out;
	}
	if (semgrep)
		ret = pf_semgrep_parse(&parsed, &res->diag, &nerr, pr.out.buf,
				       pr.out.len, "semgrep output");
	else
		ret = pf_sarif_parse(&parsed, &res->diag, &nerr, pr.out.buf,
				     pr.out.len, "SARIF output");
	if (ret) {
		char *why = pf_xstrdup(pf_error_last());

		first_line(&msg, &pr.err);
		ret = pf_error_setc(ret,
				    "%s exited with %d and printed output "
				    "pushfix cannot read: %s%s%s%s",
				    name, pr.exit_code, why,
				    msg.len ? " (stderr: " : "",
				    msg.len ? msg.buf : "", msg.len ? ")" : "");
		free(why);
		goto out;
	}
	res->nerrors += nerr;
	/* Semgrep exits 1 with --error, 2 for warnings under --strict; a
	 * JSON document with an error-level entry and no results is a
	 * failed scan (bad config, unknown language...). */
	if (semgrep && pr.exit_code > 1 && nerr && !parsed.nr) {
		first_line(&msg, &res->diag);
		ret = pf_error_set("semgrep failed (exit %d): %s",
				   pr.exit_code,
				   msg.len ? msg.buf : "no message");
		goto out;
	}
	if (!semgrep && pr.exit_code && !parsed.nr && pr.out.len == 0) {
		first_line(&msg, &pr.err);
		ret = pf_error_set("%s failed (exit %d): %s", name,
				   pr.exit_code, msg.len ? msg.buf : "");
		goto out;
	}
	for (size_t i = 0; i < parsed.nr; i++) {
		struct pf_finding *f = &parsed.v[i];
		const char *rel = strip_dir(f->path, dir.buf);
		const struct pf_scan_target *tg = find_target(t, nr, rel);
		char *p;

		if (!tg) {
			pf_buf_addf(&res->diag,
				    "note: %s reported '%s', which was not "
				    "scanned; ignored\n",
				    name, f->path);
			continue;
		}
		p = pf_xstrdup(tg->path);
		free(f->path);
		f->path = p;
		if (pf_finding_locate(f, tg->data, tg->len)) {
			pf_buf_addf(&res->diag, "note: %s: %s; ignored\n",
				    f->path, pf_error_last());
			continue;
		}
		pf_finding_copy(pf_findings_push(out), f);
	}
out:
	pf_findings_release(&parsed);
	pf_proc_argv_free(argv);
	pf_proc_result_release(&pr);
	if (pf_remove_tree(dir.buf) && !ret)
		pf_buf_addf(&res->diag, "warning: %s\n", pf_error_last());
	pf_buf_release(&dir);
	pf_buf_release(&msg);
	return ret;
}

int pf_scan_targets(struct pf_findings *out, struct pf_scan_result *res,
		    const struct pf_config *cfg,
		    const struct pf_scan_target *targets, size_t nr,
		    const char *ignore_data, size_t ignore_len)
{
	const char *engine = pf_scan_engine_name(cfg);
	struct pf_findings found = PF_FINDINGS_INIT;
	unsigned char *done = NULL;
	size_t left = nr;
	int ret = 0;

	if (!engine)
		return PF_ENOTFOUND;
	if (!strcmp(engine, "semgrep")) {
		snprintf(res->engine, sizeof(res->engine), "semgrep");
	} else {
		struct pf_buf prog = PF_BUF_INIT;
		const char *base;

		sarif_program(cfg, &prog);
		base = strrchr(prog.buf, '/');
		snprintf(res->engine, sizeof(res->engine), "%s",
			 base ? base + 1 : prog.buf);
		pf_buf_release(&prog);
	}
	if (!nr)
		return 0;
	done = pf_xcalloc(nr, 1);
	/* Two versions of one path (two refs) cannot share a directory:
	 * each pass takes at most one target per path. */
	while (left && !ret) {
		struct pf_scan_target *b = pf_xcalloc(left, sizeof(*b));
		size_t bn = 0;

		for (size_t i = 0; i < nr; i++) {
			int dup = 0;

			if (done[i])
				continue;
			for (size_t j = 0; j < bn && !dup; j++)
				dup = !strcmp(b[j].path, targets[i].path);
			if (dup)
				continue;
			b[bn++] = targets[i];
			done[i] = 1;
			left--;
		}
		ret = scan_batch(&found, res, cfg, !strcmp(engine, "semgrep"),
				 b, bn, ignore_data, ignore_len);
		free(b);
	}
	if (!ret) {
		for (size_t i = 0; i < found.nr; i++)
			pf_finding_copy(pf_findings_push(out), &found.v[i]);
	}
	pf_findings_release(&found);
	free(done);
	return ret;
}

int pf_scan_changeset(struct pf_findings *out, struct pf_scan_result *res,
		      const struct pf_config *cfg,
		      const struct pf_changeset *cs,
		      const char *ignore_data, size_t ignore_len)
{
	struct pf_scan_target *t;
	size_t n = 0;
	int ret;

	if (!cs->nr) {
		snprintf(res->engine, sizeof(res->engine), "none");
		return 0;
	}
	t = pf_xcalloc(cs->nr, sizeof(*t));
	for (size_t i = 0; i < cs->nr; i++) {
		if (!cs->files[i].content && cs->files[i].content_len)
			continue;
		t[n].path = cs->files[i].path;
		t[n].data = cs->files[i].content ? cs->files[i].content : "";
		t[n].len = cs->files[i].content_len;
		n++;
	}
	ret = pf_scan_targets(out, res, cfg, t, n, ignore_data, ignore_len);
	free(t);
	return ret;
}
