#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "pushfix/err.h"
#include "pushfix/fs.h"
#include "pushfix/proc.h"
#include "pushfix/sarif.h"
#include "pushfix/scan.h"
#include "pushfix/semgrep.h"
#include "pushfix/util.h"
#include "blobcache.h"
#include "plan.h"

/* Scanners print a lot on large pushes; more than this is not a scan. */
#define SCAN_OUT_CAP (256u << 20)
/* Where a {sarif} command writes its log, in the scan directory. */
#define SARIF_OUT_NAME ".pushfix-scan-output.sarif"

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
	free(r->runs);
	for (size_t i = 0; i < r->unread_nr; i++)
		free(r->unread[i]);
	free(r->unread);
	free(r->cache_dir);
	r->cache_dir = NULL;
	r->runs = NULL;
	r->unread = NULL;
	r->runs_nr = r->runs_alloc = r->unread_nr = r->unread_alloc = 0;
}

static int env_set(const char *name)
{
	const char *v = getenv(name);

	return v && *v && strcmp(v, "0");
}

void pf_scan_result_use_cache(struct pf_scan_result *r, const char *state_dir,
			      int disabled)
{
	struct pf_buf b = PF_BUF_INIT;

	free(r->cache_dir);
	r->cache_dir = NULL;
	/* PUSHFIX_NO_CACHE: --no-cache for the hook, as for the LLM cache. */
	if (disabled || !state_dir || env_set("PUSHFIX_NO_CACHE") ||
	    env_set("PUSHFIX_NO_SCAN_CACHE"))
		return;
	pf_buf_addf(&b, "%s/scan-cache", state_dir);
	r->cache_dir = pf_buf_detach(&b, NULL);
	if (!r->cache_cap)
		r->cache_cap = PF_SCAN_CACHE_CAP;
}

struct pf_scan_engine_run *pf_scan_result_add_run(struct pf_scan_result *r,
						  const char *name)
{
	struct pf_scan_engine_run *run;

	PF_ALLOC_GROW(r->runs, r->runs_nr + 1, r->runs_alloc);
	run = &r->runs[r->runs_nr++];
	memset(run, 0, sizeof(*run));
	snprintf(run->name, sizeof(run->name), "%s", name);
	return run;
}

void pf_scan_result_add_unread(struct pf_scan_result *r, const char *path)
{
	PF_ALLOC_GROW(r->unread, r->unread_nr + 1, r->unread_alloc);
	r->unread[r->unread_nr++] = pf_xstrdup(path);
}

static const char *semgrep_name(const struct pf_config *cfg)
{
	return cfg->scan.semgrep_bin && *cfg->scan.semgrep_bin
		       ? cfg->scan.semgrep_bin
		       : "semgrep";
}

static int is_executable_file(const char *path)
{
	struct stat st;

	return !stat(path, &st) && S_ISREG(st.st_mode) && !access(path, X_OK);
}

int pf_scan_semgrep_path(const struct pf_config *cfg, struct pf_buf *out)
{
	const char *name = semgrep_name(cfg);
	const char *dirs[2];

	if (!pf_proc_which(name, out))
		return 0;
	if (strcmp(name, "semgrep"))
		return pf_error_setc(
			PF_ENOTFOUND,
			"semgrep is not installed ('%s' of [scan] "
			"semgrep_bin is not %s); install it with "
			"`pipx install semgrep` or set [scan] "
			"engine = sarif",
			name, strchr(name, '/') ? "an executable" : "in PATH");
	/* Where pipx and `pip install --user` put it: a GUI git client runs
	 * the hook without the shell's PATH. */
	dirs[0] = getenv("PIPX_BIN_DIR");
	dirs[1] = getenv("HOME");
	for (size_t i = 0; i < PF_ARRAY_SIZE(dirs); i++) {
		if (!dirs[i] || dirs[i][0] != '/')
			continue;
		pf_buf_reset(out);
		pf_buf_addf(out, "%s%s/semgrep", dirs[i],
			    i ? "/.local/bin" : "");
		if (is_executable_file(out->buf))
			return 0;
	}
	pf_buf_reset(out);
	return pf_error_setc(PF_ENOTFOUND,
			     "semgrep is not installed (not in PATH nor in "
			     "~/.local/bin); install it with `pipx install "
			     "semgrep` or set [scan] engine = sarif");
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

static void add_semgrep_argv(char ***argv, size_t *nr, size_t *alloc,
			     const struct pf_config *cfg, const char *exe)
{
	/* clang-format off */
	static const char *const fixed[] = {
		"scan", "--json", "--metrics=off", "--disable-version-check",
		"--quiet",
	};
	/* clang-format on */
	const char *c = cfg->scan.semgrep_config && *cfg->scan.semgrep_config
				? cfg->scan.semgrep_config
				: "p/default";

	PF_ALLOC_GROW(*argv, *nr + 8, *alloc);
	(*argv)[(*nr)++] = pf_xstrdup(exe);
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

/* A SARIF command has no "--": a target named "-x.c" must not read as an
 * option.  strip_dir() takes the "./" off again. */
static char *target_arg(const char *path)
{
	struct pf_buf b = PF_BUF_INIT;

	if (path[0] != '-')
		return pf_xstrdup(path);
	pf_buf_addf(&b, "./%s", path);
	return pf_buf_detach(&b, NULL);
}

/*
 * Build the scanner's argv.  Semgrep gets the directory ".", which holds
 * only the targets: named files escape its .semgrepignore (semgrep#4978,
 * #6933) and long lists are slow (#11404).  A SARIF command's {files}
 * become the targets (or they follow), {file} the one target, {sarif}
 * the file it writes its log to.
 */
static int build_argv(char ***out, const struct pf_scanner *sc,
		      const struct pf_config *cfg, const char *sarif_out,
		      const struct pf_scan_target *t, size_t nr)
{
	char **argv = NULL, **tmpl = NULL;
	size_t n = 0, alloc = 0;
	int placed = 0, ret;

	if (sc->semgrep) {
		add_semgrep_argv(&argv, &n, &alloc, cfg, sc->exe.buf);
		PF_ALLOC_GROW(argv, n + 2, alloc);
		argv[n++] = pf_xstrdup(".");
		argv[n] = NULL;
		*out = argv;
		return 0;
	}
	ret = pf_proc_split(&tmpl, sc->command);
	if (ret)
		return pf_error_prefix(ret, "[scan] command");
	for (char **a = tmpl; *a; a++) {
		PF_ALLOC_GROW(argv, n + nr + 2, alloc);
		if (!strcmp(*a, "{files}") || !strcmp(*a, "{file}")) {
			placed = 1;
			for (size_t i = 0; i < nr; i++)
				argv[n++] = target_arg(t[i].path);
		} else if (!strcmp(*a, "{sarif}")) {
			argv[n++] = pf_xstrdup(sarif_out);
		} else {
			argv[n++] = pf_xstrdup(*a);
		}
	}
	pf_proc_argv_free(tmpl);
	if (!placed) {
		PF_ALLOC_GROW(argv, n + nr + 2, alloc);
		for (size_t i = 0; i < nr; i++)
			argv[n++] = target_arg(t[i].path);
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

static const struct pf_scan_target *find_target(const struct pf_scan_target *t,
						size_t nr, const char *path)
{
	for (size_t i = 0; i < nr; i++)
		if (!strcmp(t[i].path, path))
			return &t[i];
	return NULL;
}

/* Append [s, e) trimmed, at most 300 bytes. */
static void add_trimmed(struct pf_buf *out, const char *s, const char *e)
{
	while (s < e && (*s == ' ' || *s == '\t' || *s == '\r'))
		s++;
	while (e > s && (e[-1] == ' ' || e[-1] == '\t' || e[-1] == '\r'))
		e--;
	pf_buf_add(out, s, (size_t)(e - s) > 300 ? 300 : (size_t)(e - s));
}

/*
 * The line of a scanner's stderr that says what went wrong: the first
 * that mentions an error, else the last one (a traceback's exception, a
 * usage message's "Error: ..." comes after "Usage: ...").
 */
static void why_line(struct pf_buf *out, const struct pf_buf *text)
{
	const char *s = text->buf, *end = text->buf + text->len;
	const char *last = NULL, *last_e = NULL;

	while (s < end) {
		const char *e = memchr(s, '\n', (size_t)(end - s));
		const char *q = s;

		if (!e)
			e = end;
		while (q < e && (*q == ' ' || *q == '\t' || *q == '\r'))
			q++;
		if (q < e) {
			struct pf_buf line = PF_BUF_INIT;

			pf_buf_add(&line, q, (size_t)(e - q));
			if (strcasestr(line.buf, "error")) {
				pf_buf_release(&line);
				add_trimmed(out, q, e);
				return;
			}
			pf_buf_release(&line);
			last = q;
			last_e = e;
		}
		s = e + 1;
	}
	if (last)
		add_trimmed(out, last, last_e);
}

/* The first of the scanner's own error lines in diag[from..]. */
static void first_error(struct pf_buf *out, const struct pf_buf *diag,
			size_t from)
{
	const char *s = diag->buf + from, *hit = strstr(s, ": error: ");
	const char *e;

	if (hit) {
		while (hit > s && hit[-1] != '\n')
			hit--;
		s = hit;
	}
	while (*s == '\n')
		s++;
	e = strchr(s, '\n');
	add_trimmed(out, s, e ? e : s + strlen(s));
}

static int is_blank(const struct pf_buf *b)
{
	for (size_t i = 0; i < b->len; i++)
		if (b->buf[i] != ' ' && b->buf[i] != '\n' &&
		    b->buf[i] != '\r' && b->buf[i] != '\t')
			return 0;
	return 1;
}

/* Interrupted (Ctrl-C): pf_proc_run calls this before dying. */
static void remove_dir_on_signal(void *dir)
{
	if (!pf_remove_tree(dir))
		pf_proc_guard_dir(dir, 0);
}

struct scan_job {
	const struct pf_config *cfg;
	const struct pf_scanner *sc;
	struct pf_scan_engine_run *run; /* its record in the result */
	double deadline;		/* of the whole scan (ms), 0: none */
	const char *ignore_data;
	size_t ignore_len;
	const struct pf_scan_tree *tree; /* tree = full: lay it out */
	/* Batches that succeeded, and the first failure's error. */
	size_t ok;
	int first_ret;
	char *first_msg;
	struct pf_buf failed; /* "warning: ..." per file it failed on */
};

/* The targets of one scan directory, and one run of the scanner. */
struct batch {
	const struct scan_job *job;
	struct pf_scan_result *res;
	const struct pf_scan_target *t;
	size_t nr;
	struct pf_buf dir;	 /* the targets' copies; the scanner's cwd */
	struct pf_buf sarif_out; /* {sarif}: the log's path */
	char **argv;
	const char *name; /* of the scanner, for messages */
	struct pf_proc_result pr;
	struct pf_findings parsed;
	size_t diag_from; /* res->diag before this run */
	unsigned nerr;	  /* errors the scanner reported */
	int failed;	  /* the scanner failed (not: missing, timeout) */
};

/* A fresh directory under $TMPDIR (or /tmp) for the targets. */
static int make_scan_dir(struct pf_buf *dir)
{
	const char *tmp = getenv("TMPDIR");

	pf_buf_addf(dir, "%s/pushfix-scan.XXXXXX", tmp && *tmp ? tmp : "/tmp");
	if (!mkdtemp(dir->buf))
		return pf_error_set("cannot create a temporary directory "
				    "in '%s': %s",
				    tmp && *tmp ? tmp : "/tmp",
				    strerror(errno));
	/* The pushed code: the hook's guard removes it if we die. */
	pf_proc_guard_dir(dir->buf, 1);
	return 0;
}

static int write_targets(const struct batch *b)
{
	const struct scan_job *job = b->job;
	int ret;

	/* The pushed tree first: the targets, as pushed, go over it. */
	if (job->sc->full_tree && job->tree &&
	    (ret = pf_scan_tree_write(b->dir.buf, job->tree)))
		return ret;
	for (size_t i = 0; i < b->nr; i++) {
		if (!safe_relative(b->t[i].path))
			return pf_error_setc(PF_EINVALID,
					     "refusing to scan the path '%s'",
					     b->t[i].path);
		ret = pf_scan_write_file(b->dir.buf, b->t[i].path, b->t[i].data,
					 b->t[i].len);
		if (ret)
			return ret;
	}
	/* The pushed ignore file, so that Semgrep's own ignore logic and
	 * the rules' path filters see what they would in the repository.
	 * None pushed: an empty one, so that Semgrep's default ignores
	 * (tests/, vendor/...) do not drop pushed files unseen. */
	if (find_target(b->t, b->nr, ".semgrepignore"))
		return 0;
	if (job->ignore_data)
		return pf_scan_write_file(b->dir.buf, ".semgrepignore",
					  job->ignore_data, job->ignore_len);
	return job->sc->semgrep
		       ? pf_scan_write_file(b->dir.buf, ".semgrepignore", "", 0)
		       : 0;
}

/*
 * The scanner's environment: git's repository discovery fenced off.  A
 * scanner that runs git in its directory (Semgrep lists files with it)
 * must not find a repository there nor above it: not one a pushed tree
 * smuggled in, not the user's own when TMPDIR lies inside a work tree.
 * GIT_DIR names something that is no repository, and the ceiling stops
 * any search that ignores it at the temp dir's parent.  Entries without
 * '=' are removed (see pf_proc_opts.env).
 */
static void fence_env(struct pf_buf *ceiling, const char *dir, const char **env)
{
	const char *slash = strrchr(dir, '/');
	char *real;

	pf_buf_addstr(ceiling, "GIT_CEILING_DIRECTORIES=");
	if (slash && slash != dir)
		pf_buf_add(ceiling, dir, (size_t)(slash - dir));
	else
		pf_buf_addstr(ceiling, slash ? "/" : ".");
	/* git compares the ceiling with the real path of its cwd. */
	real = realpath(ceiling->buf + strlen("GIT_CEILING_DIRECTORIES="),
			NULL);
	if (real) {
		pf_buf_reset(ceiling);
		pf_buf_addf(ceiling, "GIT_CEILING_DIRECTORIES=%s", real);
		free(real);
	}
	env[0] = ceiling->buf;
	env[1] = "GIT_DIR=/dev/null";
	env[2] = "GIT_WORK_TREE";
	env[3] = "GIT_INDEX_FILE";
	env[4] = "GIT_COMMON_DIR";
	env[5] = "GIT_OBJECT_DIRECTORY";
	env[6] = "GIT_ALTERNATE_OBJECT_DIRECTORIES";
	env[7] = NULL;
}

/* Run it in the directory, within what is left of [scan] timeout; word
 * "not installed" and the timeout for the user. */
static int run_scanner(struct batch *b)
{
	struct pf_proc_opts opts = { 0 };
	struct pf_buf ceiling = PF_BUF_INIT;
	const char *env[8];
	double t0;
	int ret;

	fence_env(&ceiling, b->dir.buf, env);
	opts.argv = (const char *const *)b->argv;
	opts.cwd = b->dir.buf;
	opts.env = env;
	opts.out_cap = SCAN_OUT_CAP;
	opts.on_signal = remove_dir_on_signal;
	opts.on_signal_data = b->dir.buf;
	t0 = pf_now_ms();
	/* [scan] timeout bounds the whole scan, every batch together. */
	if (b->job->deadline) {
		double left = b->job->deadline - t0;

		opts.timeout_ms = left > 1 ? (unsigned)left : 1;
	}
	ret = pf_proc_run(&b->pr, &opts);
	b->res->ms += pf_now_ms() - t0;
	pf_buf_release(&ceiling);
	if (ret == PF_ENOTFOUND) {
		if (pf_proc_which(b->argv[0], NULL))
			ret = pf_error_setc(PF_ENOTFOUND,
					    "%s is not installed (not found "
					    "in PATH)",
					    b->name);
		/* else: found but cannot start (a pipx venv whose python
		 * is gone...): proc's "cannot run X: why" says it. */
		return ret;
	}
	if (ret == PF_ETIMEOUT)
		return pf_error_setc(PF_ETIMEOUT,
				     "%s did not finish within %u s ([scan] "
				     "timeout); it was stopped",
				     b->name, b->job->cfg->scan.timeout);
	return ret;
}

/*
 * The scanner's own words about a failure: the first line of stderr that
 * mentions an error (else its last), else of stdout when that is not its
 * JSON (flawfinder says why on stdout), else our message.  A Python
 * tool's "Error: ..." line is followed by the exception's text: kept.
 */
static void scanner_words(struct pf_buf *out, const struct batch *b)
{
	const struct pf_buf *text = &b->pr.err;
	const char *s, *hit, *next;

	if (is_blank(text)) {
		text = &b->pr.out;
		s = text->buf;
		while (s && (*s == ' ' || *s == '\n' || *s == '\r'))
			s++;
		if (!s || *s == '{' || is_blank(text)) {
			pf_buf_addstr(out, pf_error_last());
			return;
		}
	}
	why_line(out, text);
	hit = out->len ? strstr(text->buf, out->buf) : NULL;
	if (!hit || strncasecmp(out->buf, "error: ", 7))
		return;
	next = strchr(hit, '\n');
	while (next && (*next == '\n' || *next == ' ' || *next == '\r'))
		next++;
	if (next && *next) {
		const char *e = strchr(next, '\n');

		pf_buf_addstr(out, ": ");
		add_trimmed(out, next, e ? e : next + strlen(next));
	}
}

/* A crash, or nothing printed, is an error that quotes the scanner. */
static int check_output(struct batch *b)
{
	struct pf_buf msg = PF_BUF_INIT;
	int ret = 0;

	if (b->pr.signaled && b->pr.signo == SIGINT) {
		/* Someone told it to stop: no crash, and no timeout. */
		ret = pf_error_set("%s was interrupted (SIGINT); the scan did "
				   "not finish",
				   b->name);
	} else if (b->pr.signaled) {
		why_line(&msg, &b->pr.err);
		b->failed = 1;
		ret = pf_error_set("%s crashed (signal %d)%s%s", b->name,
				   b->pr.signo, msg.len ? ": " : "", msg.buf);
	} else if (b->job->sc->sarif_file) {
		/* Its log is the file it wrote; stdout is for people. */
		struct pf_buf log = PF_BUF_INIT;

		if (pf_buf_read_file(&log, b->sarif_out.buf, SCAN_OUT_CAP) ||
		    is_blank(&log)) {
			pf_error_clear();
			scanner_words(&msg, b);
			b->failed = 1;
			ret = pf_error_set("%s exited with %d without writing "
					   "its SARIF file ({sarif})%s%s",
					   b->name, b->pr.exit_code,
					   msg.len ? ": " : "", msg.buf);
			pf_buf_release(&log);
		} else {
			pf_buf_release(&b->pr.out);
			b->pr.out = log;
		}
	} else if (is_blank(&b->pr.out)) {
		why_line(&msg, &b->pr.err);
		b->failed = 1;
		ret = pf_error_set("%s exited with %d without printing %s%s%s",
				   b->name, b->pr.exit_code,
				   b->job->sc->semgrep ? "its JSON" : "SARIF",
				   msg.len ? ": " : "", msg.buf);
	}
	pf_buf_release(&msg);
	return ret;
}

static int parse_output(struct batch *b)
{
	const struct pf_buf *o = &b->pr.out;
	struct pf_buf msg = PF_BUF_INIT;
	const char *from = "stderr";
	char *why;
	int ret;

	if (b->job->sc->semgrep)
		ret = pf_semgrep_parse(&b->parsed, &b->res->diag, &b->nerr,
				       o->buf, o->len, "semgrep output");
	else
		ret = pf_sarif_parse(&b->parsed, &b->res->diag, &b->nerr,
				     o->buf, o->len, "SARIF output");
	if (!ret) {
		b->res->nerrors += b->nerr;
		return 0;
	}
	b->failed = 1;
	why = pf_xstrdup(pf_error_last());
	why_line(&msg, &b->pr.err);
	if (!msg.len && !b->job->sc->sarif_file) {
		/* What it printed instead of its format says why. */
		why_line(&msg, &b->pr.out);
		from = "it said";
	}
	ret = pf_error_setc(ret,
			    "%s exited with %d and printed output "
			    "pushfix cannot read: %s%s%s%s%s%s",
			    b->name, b->pr.exit_code, why, msg.len ? " (" : "",
			    msg.len ? from : "", msg.len ? ": " : "",
			    msg.len ? msg.buf : "", msg.len ? ")" : "");
	free(why);
	pf_buf_release(&msg);
	return ret;
}

/*
 * Exit 0, or 1 (Semgrep --error, most SARIF tools: "findings"), is a
 * scan.  Semgrep's 2 and up (7: bad config...) are fatal and still print
 * JSON with the errors; a SARIF tool's too.  Errors and no results is a
 * failed scan, whatever the status: "no findings" would be a silent wrong
 * result.  Findings that came with a failure are kept, with a warning.
 */
static int check_status(struct batch *b)
{
	struct pf_buf msg = PF_BUF_INIT;
	int code = b->pr.exit_code, ret = 0;

	if ((code >= 2 || b->nerr) && !b->parsed.nr) {
		first_error(&msg, &b->res->diag, b->diag_from);
		if (!msg.len)
			why_line(&msg, &b->pr.err);
		b->failed = 1;
		ret = pf_error_set("%s failed (exit %d): %s", b->name, code,
				   msg.len ? msg.buf : "no message");
	} else if (code >= 2) {
		first_error(&msg, &b->res->diag, b->diag_from);
		pf_buf_addf(&b->res->diag, "warning: %s exited with %d%s%s\n",
			    b->name, code, msg.len ? ": " : "", msg.buf);
	}
	pf_buf_release(&msg);
	return ret;
}

/* Findings back on the targets' own paths and lines, into `out`. */
static void keep_findings(struct pf_findings *out, struct batch *b)
{
	/* Each target's line index, built when first needed: a flood of
	 * findings in one file is located in O(n log lines). */
	struct pf_lines *ix = pf_xcalloc(b->nr ? b->nr : 1, sizeof(*ix));

	for (size_t i = 0; i < b->parsed.nr; i++) {
		struct pf_finding *f = &b->parsed.v[i];
		const char *rel = strip_dir(f->path, b->dir.buf);
		const struct pf_scan_target *tg = find_target(b->t, b->nr, rel);
		char *p;

		if (!tg) {
			pf_buf_addf(&b->res->diag,
				    "note: %s reported '%s', which was not "
				    "scanned; ignored\n",
				    b->name, f->path);
			continue;
		}
		p = pf_xstrdup(tg->path);
		free(f->path);
		f->path = p;
		if (!ix[tg - b->t].begin)
			pf_lines_index(&ix[tg - b->t], tg->data, tg->len);
		if (pf_finding_locate_indexed(f, tg->data, tg->len,
					      &ix[tg - b->t])) {
			/* Said even when not verbose: a finding the scanner
			 * reported and pushfix cannot place is not an
			 * all-clear (issue 11 item 8). */
			pf_buf_addf(&b->res->diag,
				    "warning: %s: %s; not shown\n", f->path,
				    pf_error_last());
			continue;
		}
		pf_finding_copy(pf_findings_push(out), f);
	}
	for (size_t k = 0; k < b->nr; k++)
		pf_lines_release(&ix[k]);
	free(ix);
}

/* One run of the scanner in the batch's directory over t[0..nr). */
static int run_once(struct pf_findings *out, struct batch *b,
		    const struct pf_scan_target *t, size_t nr)
{
	int ret;

	b->failed = 0;
	b->nerr = 0;
	b->diag_from = b->res->diag.len;
	pf_proc_argv_free(b->argv);
	b->argv = NULL;
	pf_proc_result_release(&b->pr);
	pf_proc_result_init(&b->pr);
	pf_findings_release(&b->parsed);
	if (b->sarif_out.len)
		unlink(b->sarif_out.buf);
	if ((ret = build_argv(&b->argv, b->job->sc, b->job->cfg,
			      b->sarif_out.buf, t, nr)))
		return ret;
	/* Messages name the program as the command does. */
	b->name = b->job->sc->semgrep ? "semgrep" : b->job->sc->exe.buf;
	if ((ret = run_scanner(b)) || (ret = check_output(b)) ||
	    (ret = parse_output(b)) || (ret = check_status(b)))
		return ret;
	keep_findings(out, b);
	return 0;
}

/* A run failed on one target alone: name it with the scanner's words,
 * keep the error for when nothing at all could be scanned. */
static void note_failed(struct scan_job *job, struct batch *b,
			const struct pf_scan_target *t, int ret)
{
	struct pf_buf words = PF_BUF_INIT;

	if (!job->first_msg) {
		job->first_ret = ret;
		job->first_msg = pf_xstrdup(pf_error_last());
	}
	scanner_words(&words, b);
	pf_buf_addf(&job->failed,
		    "warning: %s failed on %s (exit %d), which was not "
		    "scanned: %s\n",
		    b->name, t->path, b->pr.exit_code,
		    words.len ? words.buf : "no message");
	job->run->failed++;
	pf_buf_release(&words);
	pf_buf_setlen(&b->res->diag, b->diag_from);
	pf_error_clear();
}

/*
 * Lay the targets out in one directory and run the scanner over them (a
 * {file} command once per target).  *failed: the scanner failed on the
 * whole batch, which may then be split.
 */
static int scan_batch(struct pf_findings *out, struct pf_scan_result *res,
		      struct scan_job *job, const struct pf_scan_target *t,
		      size_t nr, int *failed)
{
	struct batch b = { .job = job,
			   .res = res,
			   .t = t,
			   .nr = nr,
			   .dir = PF_BUF_INIT,
			   .sarif_out = PF_BUF_INIT,
			   .parsed = PF_FINDINGS_INIT };
	int ret;

	*failed = 0;
	pf_proc_result_init(&b.pr);
	if ((ret = make_scan_dir(&b.dir))) {
		pf_buf_release(&b.dir);
		return ret;
	}
	if (job->sc->sarif_file)
		pf_buf_addf(&b.sarif_out, "%s/%s", b.dir.buf, SARIF_OUT_NAME);
	if ((ret = write_targets(&b)))
		goto out;
	if (!job->sc->per_file) {
		ret = run_once(out, &b, t, nr);
		if (!ret) {
			job->ok++;
		} else if (b.failed && nr == 1) {
			note_failed(job, &b, t, ret);
			ret = 0;
		} else {
			*failed = b.failed;
		}
		goto out;
	}
	for (size_t i = 0; i < nr && !ret; i++) {
		ret = run_once(out, &b, &t[i], 1);
		if (!ret) {
			job->ok++;
		} else if (b.failed) {
			note_failed(job, &b, &t[i], ret);
			ret = 0;
		}
	}
out:
	pf_findings_release(&b.parsed);
	pf_proc_argv_free(b.argv);
	pf_proc_result_release(&b.pr);
	if (pf_remove_tree(b.dir.buf)) {
		if (!ret)
			pf_buf_addf(&res->diag, "warning: %s\n",
				    pf_error_last());
	} else {
		pf_proc_guard_dir(b.dir.buf, 0);
	}
	pf_buf_release(&b.dir);
	pf_buf_release(&b.sarif_out);
	return ret;
}

/*
 * One bad file costs that file alone: a batch the scanner fails on is
 * split in two until the file(s) it fails on are alone, and named.  The
 * deadline of [scan] timeout bounds it all (a run past it times out).
 */
static int scan_split(struct pf_findings *out, struct pf_scan_result *res,
		      struct scan_job *job, const struct pf_scan_target *t,
		      size_t nr, int depth)
{
	size_t diag_len = res->diag.len;
	int failed, ret;

	ret = scan_batch(out, res, job, t, nr, &failed);
	if (ret == PF_ETIMEOUT && depth) {
		/* The time ran out while isolating a bad file: what was
		 * scanned is kept, these are named as not scanned. */
		pf_buf_addf(&job->failed,
			    "warning: %s: not scanned, [scan] timeout (%u s) "
			    "ran out while looking for the file(s) %s "
			    "failed on:",
			    job->sc->name, job->cfg->scan.timeout,
			    job->sc->name);
		for (size_t i = 0; i < nr; i++)
			pf_buf_addf(&job->failed, " %s", t[i].path);
		pf_buf_addch(&job->failed, '\n');
		job->run->failed += nr;
		pf_error_clear();
		return 0;
	}
	if (!ret || !failed || nr < 2)
		return ret;
	if (!job->first_msg) {
		job->first_ret = ret;
		job->first_msg = pf_xstrdup(pf_error_last());
	}
	pf_buf_setlen(&res->diag, diag_len);
	pf_error_clear();
	ret = scan_split(out, res, job, t, nr / 2, depth + 1);
	if (!ret)
		ret = scan_split(out, res, job, t + nr / 2, nr - nr / 2,
				 depth + 1);
	return ret;
}

static void add_refused_note(struct pf_scan_result *res,
			     const struct pf_changeset *cs)
{
	struct pf_buf note = PF_BUF_INIT;

	/* "warning:": shown even when not verbose (cli_print_diag). */
	pf_changeset_refused_note(cs, &note);
	if (note.len)
		pf_buf_addf(&res->diag, "warning: %s\n", note.buf);
	pf_buf_release(&note);
}

/* Two targets that cannot share a directory: one path twice (two refs
 * push two versions), or a file "a" beside a file "a/b" (one ref has a
 * file where another has a directory). */
static int conflicts(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b);
	size_t n = la < lb ? la : lb;

	if (memcmp(a, b, n))
		return 0;
	return la == lb || (la < lb ? b[la] == '/' : a[lb] == '/');
}

/*
 * Paths git's checkout would refuse are never written nor scanned, even
 * when a caller hands them over (the diff skips them already): marked
 * done, and named in one warning.
 */
static void refuse_targets(struct pf_scan_result *res,
			   const struct pf_scan_target *t, size_t nr,
			   unsigned char *done, size_t *left)
{
	struct pf_changeset cs = PF_CHANGESET_INIT;

	for (size_t i = 0; i < nr; i++) {
		if (!pf_diff_path_refused(t[i].path, 0100644))
			continue;
		done[i] = 1;
		(*left)--;
		PF_ALLOC_GROW(cs.skipped, cs.skipped_nr + 1, cs.skipped_alloc);
		cs.skipped[cs.skipped_nr].path = pf_xstrdup(t[i].path);
		cs.skipped[cs.skipped_nr++].reason =
			pf_xstrdup(PF_SKIP_REFUSED);
	}
	add_refused_note(res, &cs);
	pf_changeset_release(&cs);
}

/* Two findings of two scanners on one place for one rule are one. */
static int seen_before(const struct pf_findings *fs, size_t upto,
		       const struct pf_finding *f)
{
	for (size_t i = 0; i < upto; i++)
		if (fs->v[i].start.line == f->start.line &&
		    !strcmp(fs->v[i].path, f->path) &&
		    !strcmp(fs->v[i].rule_id ? fs->v[i].rule_id : "",
			    f->rule_id ? f->rule_id : ""))
			return 1;
	return 0;
}

/*
 * The scanner's identity for the scan cache, into `id`: pushfix's own
 * build (a new one may parse or locate otherwise), the command line with
 * every file it names (the program, Semgrep's local rules: by content),
 * the pushed .semgrepignore for Semgrep, the pushed tree for tree = full.
 * 1 when this scan must not use the cache.
 */
static int scanner_id(struct pf_buf *id, const struct scan_job *job,
		      const struct pf_scan_target *t, size_t nr)
{
	const struct pf_scanner *sc = job->sc;
	struct pf_buf exe = PF_BUF_INIT;
	char **argv = NULL, hex[65], tree[41];
	char *self = realpath("/proc/self/exe", NULL);
	struct stat st;

	/* Semgrep reads a pushed .semgrepignore from the batch: what the
	 * other files give depends on it being scanned with them. */
	if (sc->semgrep && find_target(t, nr, ".semgrepignore")) {
		free(self);
		return 1;
	}
	if (self && !stat(self, &st))
		pf_buf_addf(id, "pushfix %s %lld %lld.%09ld\n", self,
			    (long long)st.st_size, (long long)st.st_mtim.tv_sec,
			    (long)st.st_mtim.tv_nsec);
	free(self);
	if (build_argv(&argv, sc, job->cfg, "{sarif}", NULL, 0)) {
		pf_error_clear();
		return 1;
	}
	for (char **a = argv; *a; a++) {
		pf_buf_addf(id, "arg %s\n", *a);
		if (a == argv && !strchr(*a, '/') && !pf_proc_which(*a, &exe))
			pf_scan_cache_add_file_id(id, exe.buf);
		else if (**a == '/')
			pf_scan_cache_add_file_id(id, *a);
		/* A registry config (p/default) changes without a trace
		 * here: its results are kept for the day only. */
		else if (sc->semgrep && a > argv && !strcmp(a[-1], "--config"))
			pf_buf_addf(id, "day %lld\n",
				    (long long)(time(NULL) / 86400));
	}
	pf_error_clear();
	pf_proc_argv_free(argv);
	pf_buf_release(&exe);
	if (sc->semgrep) {
		pf_sha256_hex(hex, job->ignore_data ? job->ignore_data : "",
			      job->ignore_data ? job->ignore_len : 0);
		pf_buf_addf(id, "ignore %s %s\n",
			    job->ignore_data ? "pushed" : "none", hex);
	}
	if (sc->full_tree) {
		if (job->tree && pf_scan_tree_id(tree, job->tree))
			return 1;
		pf_buf_addf(id, "tree %s\n", job->tree ? tree : "none");
	}
	return 0;
}

/* Does a line of diag[from..] name none of the targets read? */
static int diag_names(const struct pf_buf *diag, size_t from,
		      const struct pf_scan_target *t, size_t nr,
		      const unsigned char *reads, unsigned char *named)
{
	const char *s = diag->buf + from, *end = diag->buf + diag->len;
	int anonymous = 0;

	while (s < end) {
		const char *e = memchr(s, '\n', (size_t)(end - s));
		char *line = pf_xstrndup(s, e ? (size_t)(e - s) : strlen(s));
		int hit = 0;

		for (size_t i = 0; i < nr; i++)
			if (reads[i] && strstr(line, t[i].path)) {
				named[i] = 1;
				hit = 1;
			}
		anonymous |= !hit && *line;
		free(line);
		s = e ? e + 1 : end;
	}
	return anonymous;
}

/*
 * Fill the cache with what the scan found in each target it scanned.
 * Only a clean result is kept: a target a diagnostic names (an error, a
 * finding that could not be placed, a failure) is left out, and a
 * diagnostic that names none leaves them all out, so that a hit never
 * hides a warning a fresh scan would show.  A path read twice (two
 * versions) is left out too: its findings cannot be told apart.
 */
static void cache_store(const struct pf_scan_result *res,
			const struct pf_findings *found, size_t before,
			const struct pf_scan_target *t, size_t nr,
			const unsigned char *reads,
			const unsigned char *scanned, char (*keys)[65],
			size_t diag_from)
{
	unsigned char *named = pf_xcalloc(nr ? nr : 1, 1);
	const struct pf_finding **mine;
	size_t wrote = 0;

	if (diag_names(&res->diag, diag_from, t, nr, reads, named)) {
		free(named);
		return;
	}
	mine = pf_xcalloc(found->nr + 1, sizeof(*mine));
	for (size_t i = 0; i < nr; i++) {
		size_t n = 0;
		int ok = scanned[i] && !named[i];

		for (size_t j = 0; j < nr && ok; j++)
			ok = j == i || !reads[j] ||
			     strcmp(t[j].path, t[i].path);
		for (size_t k = before; k < found->nr && ok; k++) {
			if (strcmp(found->v[k].path, t[i].path))
				continue;
			ok = pf_scan_cache_storable(&found->v[k]);
			mine[n++] = &found->v[k];
		}
		if (ok && !pf_scan_cache_put(res->cache_dir, keys[i], mine, n))
			wrote++;
		pf_error_clear();
	}
	if (wrote)
		pf_scan_cache_prune(res->cache_dir, res->cache_cap);
	free(mine);
	free(named);
}

/* Run one scanner over the targets it reads (done[] marks the others). */
static int run_scanner_over(struct pf_findings *found,
			    struct pf_scan_result *res, struct scan_job *job,
			    const struct pf_scan_target *targets, size_t nr,
			    const unsigned char *refused)
{
	unsigned char *done = pf_xcalloc(nr ? nr : 1, 1);
	unsigned char *reads = pf_xcalloc(nr ? nr : 1, 1);
	unsigned char *scanned = pf_xcalloc(nr ? nr : 1, 1);
	char(*keys)[65] = NULL;
	size_t left = 0, before = found->nr, diag_from = res->diag.len;
	double t0 = pf_now_ms();
	int ret = 0;

	if (res->cache_dir && nr) {
		struct pf_buf id = PF_BUF_INIT;

		if (!scanner_id(&id, job, targets, nr)) {
			char sid[65];

			pf_sha256_hex(sid, id.buf, id.len);
			keys = pf_xcalloc(nr, sizeof(*keys));
			for (size_t i = 0; i < nr; i++)
				pf_scan_cache_key(keys[i], sid, targets[i].path,
						  targets[i].data,
						  targets[i].len);
		}
		pf_buf_release(&id);
	}
	for (size_t i = 0; i < nr; i++) {
		done[i] = refused[i] ||
			  !pf_scanner_reads(job->sc, targets[i].path);
		reads[i] = !done[i];
		if (done[i])
			continue;
		job->run->files++;
		/* Scanned before, as it is: the findings it gave then. */
		if (keys && !pf_scan_cache_get(res->cache_dir, keys[i],
					       targets[i].path, found)) {
			done[i] = 1;
			job->run->cached++;
			continue;
		}
		scanned[i] = 1;
		left++;
	}
	/* Targets that cannot share a directory go in separate passes. */
	while (left && !ret) {
		struct pf_scan_target *b = pf_xcalloc(left, sizeof(*b));
		size_t bn = 0;

		for (size_t i = 0; i < nr; i++) {
			int dup = 0;

			if (done[i])
				continue;
			for (size_t j = 0; j < bn && !dup; j++)
				dup = conflicts(b[j].path, targets[i].path);
			if (dup)
				continue;
			b[bn++] = targets[i];
			done[i] = 1;
			left--;
		}
		ret = scan_split(found, res, job, b, bn, 0);
		free(b);
	}
	/* Nothing at all scanned: the scanner is broken, not one file. */
	if (!ret && job->first_msg && !job->ok)
		ret = pf_error_setc(job->first_ret, "%s", job->first_msg);
	if (!ret)
		pf_buf_add(&res->diag, job->failed.buf, job->failed.len);
	if (!ret && keys)
		cache_store(res, found, before, targets, nr, reads, scanned,
			    keys, diag_from);
	/* -v says why the scanner ran on fewer files than were pushed. */
	if (!ret && job->run->cached)
		pf_buf_addf(&res->diag,
			    "note: %s: %zu of %zu file%s answered by the scan "
			    "cache (scanned before, as they are)\n",
			    job->sc->name, job->run->cached, job->run->files,
			    job->run->files == 1 ? "" : "s");
	job->run->findings = found->nr - before;
	job->run->ms = pf_now_ms() - t0;
	free(done);
	free(reads);
	free(scanned);
	free(keys);
	return ret;
}

static int scan_targets_tree(struct pf_findings *out,
			     struct pf_scan_result *res,
			     const struct pf_config *cfg,
			     const struct pf_scan_target *targets, size_t nr,
			     const char *ignore_data, size_t ignore_len,
			     const struct pf_scan_tree *tree)
{
	struct pf_scanner sc[PF_SCAN_MAX_SCANNERS];
	struct pf_findings found = PF_FINDINGS_INIT;
	unsigned char *refused = NULL, *read = NULL;
	size_t nsc = 0, left = nr;
	double deadline;
	int ret;

	ret = pf_scan_plan(sc, &nsc, cfg);
	if (ret)
		goto out;
	res->engine[0] = '\0';
	for (size_t k = 0; k < nsc; k++) {
		size_t n = strlen(res->engine);

		snprintf(res->engine + n, sizeof(res->engine) - n, "%s%s",
			 k ? "+" : "", sc[k].name);
	}
	if (!nr)
		goto out;
	deadline = cfg->scan.timeout ? pf_now_ms() + cfg->scan.timeout * 1000.0
				     : 0;
	refused = pf_xcalloc(nr, 1);
	read = pf_xcalloc(nr, 1);
	refuse_targets(res, targets, nr, refused, &left);
	for (size_t k = 0; k < nsc && !ret; k++) {
		struct scan_job job = { .cfg = cfg,
					.sc = &sc[k],
					.deadline = deadline,
					.ignore_data = ignore_data,
					.ignore_len = ignore_len,
					.tree = tree,
					.failed = PF_BUF_INIT };
		size_t before = found.nr, kept = before;

		job.run = pf_scan_result_add_run(res, sc[k].name);
		ret = run_scanner_over(&found, res, &job, targets, nr, refused);
		free(job.first_msg);
		pf_buf_release(&job.failed);
		for (size_t i = 0; i < nr; i++)
			read[i] |= !refused[i] &&
				   pf_scanner_reads(&sc[k], targets[i].path);
		/* Merged: what an earlier scanner said already is dropped. */
		for (size_t i = before; i < found.nr; i++) {
			if (seen_before(&found, before, &found.v[i])) {
				pf_finding_release(&found.v[i]);
				continue;
			}
			found.v[kept++] = found.v[i];
		}
		found.nr = kept;
	}
	if (ret)
		goto out;
	for (size_t i = 0; i < nr; i++)
		if (!refused[i] && !read[i])
			pf_scan_result_add_unread(res, targets[i].path);
	for (size_t i = 0; i < found.nr; i++)
		pf_finding_copy(pf_findings_push(out), &found.v[i]);
out:
	for (size_t k = 0; k < nsc; k++)
		pf_scanner_release(&sc[k]);
	pf_findings_release(&found);
	free(refused);
	free(read);
	return ret;
}

int pf_scan_targets(struct pf_findings *out, struct pf_scan_result *res,
		    const struct pf_config *cfg,
		    const struct pf_scan_target *targets, size_t nr,
		    const char *ignore_data, size_t ignore_len)
{
	return scan_targets_tree(out, res, cfg, targets, nr, ignore_data,
				 ignore_len, NULL);
}

int pf_scan_targets_tree(struct pf_findings *out, struct pf_scan_result *res,
			 const struct pf_config *cfg,
			 const struct pf_scan_target *targets, size_t nr,
			 const char *ignore_data, size_t ignore_len,
			 const struct pf_scan_tree *tree)
{
	return scan_targets_tree(out, res, cfg, targets, nr, ignore_data,
				 ignore_len, tree);
}

int pf_scan_changeset(struct pf_findings *out, struct pf_scan_result *res,
		      const struct pf_config *cfg,
		      const struct pf_changeset *cs, const char *ignore_data,
		      size_t ignore_len, const struct pf_scan_tree *tree)
{
	struct pf_scan_target *t;
	size_t n = 0;
	int ret;

	if (!cs->nr) {
		snprintf(res->engine, sizeof(res->engine), "none");
		return 0;
	}
	add_refused_note(res, cs);
	t = pf_xcalloc(cs->nr, sizeof(*t));
	for (size_t i = 0; i < cs->nr; i++) {
		if (!cs->files[i].content && cs->files[i].content_len)
			continue;
		t[n].path = cs->files[i].path;
		t[n].data = cs->files[i].content ? cs->files[i].content : "";
		t[n].len = cs->files[i].content_len;
		n++;
	}
	ret = scan_targets_tree(out, res, cfg, t, n, ignore_data, ignore_len,
				tree);
	free(t);
	return ret;
}
