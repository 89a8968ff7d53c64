/*
 * The scan stage end to end, through pf_scan_targets(), with a fake
 * scanner (a sh script written to a temp dir) that logs its argv, cwd and
 * the bytes it was given, and prints a canned JSON or SARIF document whose
 * paths are spelled the ways real scanners spell them.  After every case
 * the scan's TMPDIR must hold no pushfix-scan.* directory.
 */
#include <dirent.h>
#include <errno.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "pushfix/buf.h"
#include "pushfix/config.h"
#include "pushfix/err.h"
#include "pushfix/finding.h"
#include "pushfix/fs.h"
#include "pushfix/scan.h"
#include "pushfix/util.h"
#include "scan/plan.h"

/* Invocation n (1, 2...) logs to <log>.argv.n, .cwd.n, .ignore.n and
 * .data.n (every target's bytes, in order); FAKE_OUT_n or FAKE_OUT is
 * printed with @P@ -> $FAKE_PATH, @DIR@ -> the temp dir as pushfix named
 * it, @REAL@ -> its physical path. */
static const char fake_script[] =
	"#!/bin/sh\n"
	"log=$FAKE_LOG\n"
	"n=$(cat \"$log.n\" 2>/dev/null || echo 0); n=$((n + 1))\n"
	"echo $n >\"$log.n\"\n"
	"pwd -P >\"$log.cwd.$n\"\n"
	"printf '%s\\n' \"$0\" \"$@\" >\"$log.argv.$n\"\n"
	"if [ -f .semgrepignore ]; then cp .semgrepignore \"$log.ignore.$n\"; "
	"fi\n"
	": >\"$log.data.$n\"\n"
	"for a in \"$@\"; do\n"
	"  if [ -f \"$a\" ]; then cat -- \"$a\" >>\"$log.data.$n\"; fi\n"
	"  if [ -d \"$a\" ]; then find \"$a\" -type f "
	"! -name .semgrepignore | LC_ALL=C sort | while read -r p; do "
	"cat -- \"$p\"; done >>\"$log.data.$n\"; fi\n"
	"done\n"
	"case \"$FAKE_MODE\" in\n"
	"hang) sleep 30 & echo $! >\"$log.pid\"; wait; exit 0 ;;\n"
	"crash) printf 'Fatal error: Stack_overflow\\n' >&2; kill -SEGV $$ ;;\n"
	"failbad) for a in \"$@\"; do if [ -f \"$a\" ] && "
	"grep -q BAD -- \"$a\"; then printf 'Error: cannot read %s\\n"
	"it has BAD bytes\\n' \"$a\"; exit 15; fi; done ;;\n"
	"failslow) for a in \"$@\"; do if [ -f \"$a\" ] && "
	"grep -q BAD -- \"$a\"; then sleep 1.4; exit 15; fi; done ;;\n"
	"esac\n"
	"eval \"out=\\${FAKE_OUT_$n:-\\$FAKE_OUT}\"\n"
	"dir=$TMPDIR/$(basename \"$(pwd -P)\")\n"
	"if [ -n \"$out\" ]; then\n"
	"  sed -e \"s|@P@|$FAKE_PATH|g\" -e \"s|@DIR@|$dir|g\" "
	"-e \"s|@REAL@|$(pwd -P)|g\" \"$out\"\n"
	"fi\n"
	"if [ -n \"$FAKE_ERR\" ]; then printf '%b' \"$FAKE_ERR\" >&2; fi\n"
	"exit ${FAKE_EXIT:-0}\n";

/* "line1\nbad = 1\nline3\n": the finding is "bad = 1", line 2. */
#define CONTENT "line1\nbad = 1\nline3\n"

static const char semgrep_one[] =
	"{\"results\":[{\"check_id\":\"r.bad\",\"path\":\"@P@\","
	"\"start\":{\"line\":2,\"col\":1,\"offset\":6},"
	"\"end\":{\"line\":2,\"col\":8,\"offset\":13},"
	"\"extra\":{\"message\":\"bad thing\",\"metadata\":{},"
	"\"severity\":\"ERROR\",\"fingerprint\":\"requires login\","
	"\"lines\":\"requires login\"}}],"
	"\"errors\":[],\"paths\":{\"scanned\":[]}}\n";

static const char semgrep_none[] =
	"{\"results\":[],\"errors\":[],\"paths\":{\"scanned\":[]}}\n";

static const char semgrep_config_error[] =
	"{\"results\":[],\"errors\":[{\"code\":7,\"level\":\"error\","
	"\"type\":\"SemgrepError\",\"message\":\"Invalid configuration file "
	"found: rules.yml does not exist\"}],\"paths\":{\"scanned\":[]}}\n";

static const char semgrep_warn_only[] =
	"{\"results\":[],\"errors\":[{\"code\":3,\"level\":\"warn\","
	"\"type\":\"Syntax error\",\"path\":\"src/a.py\","
	"\"message\":\"could not parse\"}],\"paths\":{\"scanned\":[]}}\n";

static const char sarif_one[] =
	"{\"version\":\"2.1.0\",\"runs\":[{\"tool\":{\"driver\":{\"name\":"
	"\"fakesarif\",\"rules\":[]}},\"results\":[{\"ruleId\":\"r.bad\","
	"\"level\":\"error\",\"message\":{\"text\":\"bad thing\"},"
	"\"locations\":[{\"physicalLocation\":{\"artifactLocation\":{\"uri\":"
	"\"@P@\"},\"region\":{\"startLine\":2,\"startColumn\":1,"
	"\"endColumn\":8}}}]}]}]}\n";

static const char sarif_failed_run[] =
	"{\"version\":\"2.1.0\",\"runs\":[{\"tool\":{\"driver\":{\"name\":"
	"\"fakesarif\"}},\"results\":[],\"invocations\":[{"
	"\"executionSuccessful\":false}]}]}\n";

struct fx {
	char dir[64];
	char tmp[128];  /* TMPDIR of the scan */
	char fake[128]; /* the fake scanner */
	char log[128];
	char *old_tmpdir, *old_home, *old_path;
	struct pf_config cfg;
	struct pf_findings out;
	struct pf_scan_result res;
};

static void write_file(const char *path, const char *data, size_t len,
		       mode_t mode)
{
	FILE *f = fopen(path, "wb");

	assert_non_null(f);
	assert_int_equal(fwrite(data, 1, len, f), len);
	assert_int_equal(fclose(f), 0);
	assert_int_equal(chmod(path, mode), 0);
}

static char *read_file(const char *path)
{
	struct pf_buf b = PF_BUF_INIT;

	if (pf_buf_read_file(&b, path, 0)) {
		pf_buf_release(&b);
		return NULL;
	}
	return pf_buf_detach(&b, NULL);
}

static char *log_file(struct fx *f, const char *what, int n)
{
	struct pf_buf p = PF_BUF_INIT;
	char *s;

	pf_buf_addf(&p, "%s.%s.%d", f->log, what, n);
	s = read_file(p.buf);
	pf_buf_release(&p);
	return s;
}

static int invocations(struct fx *f)
{
	struct pf_buf p = PF_BUF_INIT;
	char *s;
	int n;

	pf_buf_addf(&p, "%s.n", f->log);
	s = read_file(p.buf);
	pf_buf_release(&p);
	n = s ? atoi(s) : 0;
	free(s);
	return n;
}

/* Write a canned output document; FAKE_OUT (or FAKE_OUT_<n>) names it. */
static void canned(struct fx *f, const char *var, const char *doc)
{
	struct pf_buf p = PF_BUF_INIT;

	pf_buf_addf(&p, "%s/%s.out", f->dir, var);
	write_file(p.buf, doc, strlen(doc), 0644);
	setenv(var, p.buf, 1);
	pf_buf_release(&p);
}

static void set_str(char **field, const char *value)
{
	free(*field);
	*field = pf_xstrdup(value);
}

static int setup(void **state)
{
	struct fx *f = pf_xcalloc(1, sizeof(*f));
	const char *t = getenv("TMPDIR");

	snprintf(f->dir, sizeof(f->dir), "/tmp/pf-tscan-XXXXXX");
	assert_non_null(mkdtemp(f->dir));
	snprintf(f->tmp, sizeof(f->tmp), "%s/tmp", f->dir);
	snprintf(f->fake, sizeof(f->fake), "%s/bin/fake", f->dir);
	snprintf(f->log, sizeof(f->log), "%s/log", f->dir);
	assert_int_equal(mkdir(f->tmp, 0700), 0);
	assert_int_equal(pf_mkdir_p(f->fake, 0700), 0);
	assert_int_equal(rmdir(f->fake), 0);
	write_file(f->fake, fake_script, strlen(fake_script), 0755);
	f->old_tmpdir = t ? pf_xstrdup(t) : NULL;
	f->old_home = getenv("HOME") ? pf_xstrdup(getenv("HOME")) : NULL;
	f->old_path = getenv("PATH") ? pf_xstrdup(getenv("PATH")) : NULL;
	setenv("TMPDIR", f->tmp, 1);
	setenv("FAKE_LOG", f->log, 1);
	unsetenv("FAKE_OUT");
	unsetenv("FAKE_OUT_1");
	unsetenv("FAKE_OUT_2");
	unsetenv("FAKE_MODE");
	unsetenv("FAKE_EXIT");
	unsetenv("FAKE_ERR");
	unsetenv("FAKE_PATH");
	unsetenv("PIPX_BIN_DIR");
	pf_config_init(&f->cfg);
	f->cfg.scan.engine = PF_ENGINE_SEMGREP;
	set_str(&f->cfg.scan.semgrep_bin, f->fake);
	set_str(&f->cfg.scan.semgrep_config, "rules.yml");
	f->cfg.scan.timeout = 60;
	pf_scan_result_init(&f->res);
	*state = f;
	return 0;
}

/* Nothing of the scan may stay behind in TMPDIR. */
static int count_scan_dirs(const char *tmp)
{
	DIR *d = opendir(tmp);
	struct dirent *de;
	int n = 0;

	if (!d)
		return -1;
	while ((de = readdir(d)))
		if (pf_starts_with(de->d_name, "pushfix-scan."))
			n++;
	closedir(d);
	return n;
}

static int teardown(void **state)
{
	struct fx *f = *state;
	int left = count_scan_dirs(f->tmp);

	pf_findings_release(&f->out);
	pf_scan_result_release(&f->res);
	pf_config_release(&f->cfg);
	if (f->old_tmpdir)
		setenv("TMPDIR", f->old_tmpdir, 1);
	else
		unsetenv("TMPDIR");
	if (f->old_home)
		setenv("HOME", f->old_home, 1);
	if (f->old_path)
		setenv("PATH", f->old_path, 1);
	pf_remove_tree(f->dir);
	free(f->old_tmpdir);
	free(f->old_home);
	free(f->old_path);
	free(f);
	assert_int_equal(left, 0);
	return 0;
}

static int scan(struct fx *f, const struct pf_scan_target *t, size_t nr)
{
	return pf_scan_targets(&f->out, &f->res, &f->cfg, t, nr, NULL, 0);
}

static void expect_one_finding(struct fx *f, const char *path)
{
	assert_int_equal(f->out.nr, 1);
	assert_string_equal(f->out.v[0].path, path);
	assert_int_equal(f->out.v[0].start.line, 2);
	assert_int_equal(f->out.v[0].end.line, 2);
	/* Cut from the pushed bytes, never the scanner's "requires login". */
	assert_string_equal(f->out.v[0].lines, "bad = 1");
	assert_string_equal(f->out.v[0].rule_id, "r.bad");
	assert_int_equal(f->out.v[0].severity, PF_SEV_ERROR);
}

/* Every way a scanner spells the path of src/a.py maps back to it. */
static void test_semgrep_path_variants(void **state)
{
	static const char *const variants[] = {
		"src/a.py", "./src/a.py", "@DIR@/src/a.py", "@REAL@/src/a.py",
		"././src/a.py",
	};
	struct fx *f = *state;
	const struct pf_scan_target t = { "src/a.py", CONTENT,
					  sizeof(CONTENT) - 1 };

	canned(f, "FAKE_OUT", semgrep_one);
	for (size_t i = 0; i < PF_ARRAY_SIZE(variants); i++) {
		setenv("FAKE_PATH", variants[i], 1);
		pf_findings_release(&f->out);
		assert_int_equal(scan(f, &t, 1), 0);
		expect_one_finding(f, "src/a.py");
		assert_int_equal(count_scan_dirs(f->tmp), 0);
	}
	assert_string_equal(f->res.engine, "semgrep");
}

/* mkdtemp under a symlinked TMPDIR: the scanner prints the real path. */
static void test_symlinked_tmpdir(void **state)
{
	struct fx *f = *state;
	const struct pf_scan_target t = { "src/a.py", CONTENT,
					  sizeof(CONTENT) - 1 };
	char link[160];

	snprintf(link, sizeof(link), "%s/link", f->dir);
	assert_int_equal(symlink(f->tmp, link), 0);
	setenv("TMPDIR", link, 1);
	canned(f, "FAKE_OUT", semgrep_one);
	setenv("FAKE_PATH", "@REAL@/src/a.py", 1);
	assert_int_equal(scan(f, &t, 1), 0);
	expect_one_finding(f, "src/a.py");
	setenv("TMPDIR", f->tmp, 1);
}

/* What the scanner reads is the content given (the pushed blob), under
 * its repository path, in a temp dir of its own; argv as the issue says. */
static void test_scanned_bytes_and_argv(void **state)
{
	struct fx *f = *state;
	const struct pf_scan_target t[] = {
		{ "src/a.py", CONTENT, sizeof(CONTENT) - 1 },
		{ "b.py", "x = 2\n", 6 },
	};
	char *argv, *data, *cwd;

	set_str(&f->cfg.scan.semgrep_config, "one.yml, p/two");
	canned(f, "FAKE_OUT", semgrep_none);
	assert_int_equal(scan(f, t, 2), 0);
	assert_int_equal(f->out.nr, 0);
	argv = log_file(f, "argv", 1);
	data = log_file(f, "data", 1);
	cwd = log_file(f, "cwd", 1);
	assert_non_null(argv);
	assert_non_null(strstr(argv, "\nscan\n--json\n--metrics=off\n"
				     "--disable-version-check\n--quiet\n"
				     "--config\none.yml\n--config\np/two\n"
				     "--\n.\n"));
	/* Semgrep gets the directory, which holds the targets alone. */
	assert_string_equal(data, "x = 2\n" CONTENT);
	assert_true(pf_starts_with(cwd, f->tmp));
	assert_non_null(strstr(cwd, "/pushfix-scan."));
	free(argv);
	free(data);
	free(cwd);
}

/* The pushed .semgrepignore goes beside the targets (an empty one when
 * none was pushed). */
static void test_ignore_file(void **state)
{
	struct fx *f = *state;
	const struct pf_scan_target t = { "src/a.py", CONTENT,
					  sizeof(CONTENT) - 1 };
	char *ign;

	canned(f, "FAKE_OUT", semgrep_none);
	assert_int_equal(pf_scan_targets(&f->out, &f->res, &f->cfg, &t, 1,
					 "tests/\n", 7),
			 0);
	assert_int_equal(scan(f, &t, 1), 0);
	ign = log_file(f, "ignore", 1);
	assert_string_equal(ign, "tests/\n");
	free(ign);
	/* None pushed: an empty one, so that Semgrep's default ignores
	 * (tests/, vendor/...) do not apply to pushed files. */
	ign = log_file(f, "ignore", 2);
	assert_string_equal(ign, "");
	free(ign);
}

/* Semgrep's exit statuses, with and without its JSON. */
static void test_semgrep_exit_codes(void **state)
{
	struct fx *f = *state;
	const struct pf_scan_target t = { "src/a.py", CONTENT,
					  sizeof(CONTENT) - 1 };

	setenv("FAKE_PATH", "src/a.py", 1);
	/* 0 and 1 with results: findings. */
	canned(f, "FAKE_OUT", semgrep_one);
	setenv("FAKE_EXIT", "1", 1);
	assert_int_equal(scan(f, &t, 1), 0);
	expect_one_finding(f, "src/a.py");
	/* 2 with results (a fatal error after some files): kept, with a
	 * warning. */
	pf_findings_release(&f->out);
	setenv("FAKE_EXIT", "2", 1);
	assert_int_equal(scan(f, &t, 1), 0);
	expect_one_finding(f, "src/a.py");
	assert_non_null(strstr(f->res.diag.buf,
			       "warning: semgrep exited with 2"));
	pf_findings_release(&f->out);

	/* 7 with its JSON error: the error's own words. */
	canned(f, "FAKE_OUT", semgrep_config_error);
	setenv("FAKE_EXIT", "7", 1);
	assert_int_equal(scan(f, &t, 1), PF_ERROR);
	assert_string_equal(pf_error_last(),
			    "semgrep failed (exit 7): semgrep: error: "
			    "SemgrepError: Invalid configuration file found: "
			    "rules.yml does not exist");
	assert_int_equal(f->out.nr, 0);

	/* An error-level entry and no results is no clean scan, even with
	 * status 0. */
	setenv("FAKE_EXIT", "0", 1);
	assert_int_equal(scan(f, &t, 1), PF_ERROR);
	assert_true(pf_starts_with(pf_error_last(),
				   "semgrep failed (exit 0): "));

	/* Warnings only: a scan with no findings. */
	canned(f, "FAKE_OUT", semgrep_warn_only);
	assert_int_equal(scan(f, &t, 1), 0);
	assert_int_equal(f->out.nr, 0);
	assert_non_null(strstr(f->res.diag.buf, "could not parse"));

	/* 2 and no JSON at all (a usage error): the stderr line that says
	 * what is wrong, not "Usage:". */
	unsetenv("FAKE_OUT");
	setenv("FAKE_EXIT", "2", 1);
	setenv("FAKE_ERR",
	       "Usage: semgrep scan [OPTIONS] [TARGETS]...\\nTry 'semgrep "
	       "scan --help' for help.\\n\\nError: No such option: --frob\\n",
	       1);
	assert_int_equal(scan(f, &t, 1), PF_ERROR);
	assert_string_equal(pf_error_last(),
			    "semgrep exited with 2 without printing its JSON: "
			    "Error: No such option: --frob");

	/* 0 and nothing printed is no scan either. */
	setenv("FAKE_EXIT", "0", 1);
	unsetenv("FAKE_ERR");
	assert_int_equal(scan(f, &t, 1), PF_ERROR);
	assert_string_equal(pf_error_last(),
			    "semgrep exited with 0 without printing its JSON");
	assert_int_equal(f->out.nr, 0);
}

static void test_garbage_and_truncated(void **state)
{
	struct fx *f = *state;
	const struct pf_scan_target t = { "src/a.py", CONTENT,
					  sizeof(CONTENT) - 1 };
	char half[sizeof(semgrep_one)];

	canned(f, "FAKE_OUT", "Scanning 1 file\n<<< not JSON >>>\n");
	setenv("FAKE_ERR", "some progress\\n", 1);
	assert_int_equal(scan(f, &t, 1), PF_EINVALID);
	assert_true(pf_starts_with(pf_error_last(),
				   "semgrep exited with 0 and printed output "
				   "pushfix cannot read: semgrep output: "
				   "invalid JSON"));
	assert_non_null(strstr(pf_error_last(), "(stderr: some progress)"));
	memcpy(half, semgrep_one, sizeof(semgrep_one) / 2);
	half[sizeof(semgrep_one) / 2] = '\0';
	canned(f, "FAKE_OUT", half);
	setenv("FAKE_PATH", "src/a.py", 1);
	assert_int_equal(scan(f, &t, 1), PF_EINVALID);
	assert_int_equal(f->out.nr, 0);
}

static void test_crash(void **state)
{
	struct fx *f = *state;
	const struct pf_scan_target t = { "src/a.py", CONTENT,
					  sizeof(CONTENT) - 1 };

	setenv("FAKE_MODE", "crash", 1);
	assert_int_equal(scan(f, &t, 1), PF_ERROR);
	assert_string_equal(pf_error_last(),
			    "semgrep crashed (signal 11): Fatal error: "
			    "Stack_overflow");
}

static int alive(int pid)
{
	char path[64], buf[512];
	FILE *fp;
	char *p;

	snprintf(path, sizeof(path), "/proc/%d/stat", pid);
	fp = fopen(path, "r");
	if (!fp)
		return 0;
	p = fgets(buf, sizeof(buf), fp);
	fclose(fp);
	p = p ? strrchr(buf, ')') : NULL;
	return p && p[1] == ' ' && p[2] != 'Z' && p[2] != 'X';
}

static int hang_pid(struct fx *f)
{
	struct pf_buf p = PF_BUF_INIT;
	char *s;
	int pid;

	pf_buf_addf(&p, "%s.pid", f->log);
	s = read_file(p.buf);
	pf_buf_release(&p);
	pid = s ? atoi(s) : 0;
	free(s);
	return pid;
}

/* The timeout stops the scanner and what it started; the dir goes. */
static void test_timeout(void **state)
{
	struct fx *f = *state;
	const struct pf_scan_target t = { "src/a.py", CONTENT,
					  sizeof(CONTENT) - 1 };
	int pid;

	setenv("FAKE_MODE", "hang", 1);
	f->cfg.scan.timeout = 1;
	assert_int_equal(scan(f, &t, 1), PF_ETIMEOUT);
	assert_string_equal(pf_error_last(),
			    "semgrep did not finish within 1 s ([scan] "
			    "timeout); it was stopped");
	pid = hang_pid(f);
	assert_true(pid > 0);
	usleep(100000);
	assert_false(alive(pid));
}

/*
 * Ctrl-C during a scan: the terminal signals our group, not the
 * scanner's.  pushfix must stop the scanner's group, remove the temp dir
 * and still die of the signal.
 */
static void test_interrupted(void **state)
{
	struct fx *f = *state;
	const struct pf_scan_target t = { "src/a.py", CONTENT,
					  sizeof(CONTENT) - 1 };
	int status = 0, grand = 0;
	pid_t child;

	setenv("FAKE_MODE", "hang", 1);
	fflush(NULL);
	child = fork();
	assert_true(child >= 0);
	if (!child) {
		scan(f, &t, 1);
		_exit(3); /* should not get here */
	}
	for (int i = 0; i < 500 && !(grand = hang_pid(f)); i++)
		usleep(20000);
	assert_true(grand > 0);
	assert_int_equal(count_scan_dirs(f->tmp), 1);
	kill(child, SIGINT);
	assert_int_equal(waitpid(child, &status, 0), child);
	assert_true(WIFSIGNALED(status));
	assert_int_equal(WTERMSIG(status), SIGINT);
	usleep(100000);
	assert_false(alive(grand));
	assert_int_equal(count_scan_dirs(f->tmp), 0);
}

static void test_not_installed(void **state)
{
	struct fx *f = *state;
	const struct pf_scan_target t = { "src/a.py", CONTENT,
					  sizeof(CONTENT) - 1 };

	set_str(&f->cfg.scan.semgrep_bin, "pushfix-no-such-semgrep");
	assert_int_equal(scan(f, &t, 1), PF_ENOTFOUND);
	assert_string_equal(pf_error_last(),
			    "semgrep is not installed ('pushfix-no-such-semgrep'"
			    " of [scan] semgrep_bin is not in PATH); install "
			    "it with `pipx install semgrep` or set [scan] "
			    "engine = sarif");
	assert_null(pf_scan_engine_name(&f->cfg));
	assert_int_equal(invocations(f), 0);
}

/* Found but cannot start (a pipx venv whose python is gone): say so,
 * not "not installed". */
static void test_cannot_run(void **state)
{
	struct fx *f = *state;
	const struct pf_scan_target t = { "src/a.py", CONTENT,
					  sizeof(CONTENT) - 1 };
	char path[160];

	/* valgrind cannot survive a failing execve in the child. */
	if (getenv("LD_PRELOAD") && strstr(getenv("LD_PRELOAD"), "vgpreload"))
		skip();
	snprintf(path, sizeof(path), "%s/bin/broken", f->dir);
	write_file(path, "#!/nonexistent/python3\n", 23, 0755);
	set_str(&f->cfg.scan.semgrep_bin, path);
	assert_int_equal(scan(f, &t, 1), PF_ENOTFOUND);
	assert_true(pf_starts_with(pf_error_last(), "cannot run "));
	assert_non_null(strstr(pf_error_last(), "/bin/broken: No such file"));
}

/* GUI git clients run hooks without ~/.local/bin in PATH, where pipx and
 * pip --user install semgrep. */
static void test_local_bin_fallback(void **state)
{
	struct fx *f = *state;
	const struct pf_scan_target t = { "src/a.py", CONTENT,
					  sizeof(CONTENT) - 1 };
	struct pf_buf exe = PF_BUF_INIT, want = PF_BUF_INIT;
	char *argv;

	pf_buf_addf(&want, "%s/home/.local/bin/semgrep", f->dir);
	assert_int_equal(pf_mkdir_p(want.buf, 0700), 0);
	assert_int_equal(rmdir(want.buf), 0);
	write_file(want.buf, fake_script, strlen(fake_script), 0755);
	pf_buf_reset(&exe);
	pf_buf_addf(&exe, "%s/home", f->dir);
	setenv("HOME", exe.buf, 1);
	setenv("PATH", "/usr/bin:/bin", 1);
	set_str(&f->cfg.scan.semgrep_bin, "semgrep");
	f->cfg.scan.engine = PF_ENGINE_AUTO;

	assert_string_equal(pf_scan_engine_name(&f->cfg), "semgrep");
	assert_int_equal(pf_scan_semgrep_path(&f->cfg, &exe), 0);
	assert_string_equal(exe.buf, want.buf);
	canned(f, "FAKE_OUT", semgrep_one);
	setenv("FAKE_PATH", "src/a.py", 1);
	assert_int_equal(scan(f, &t, 1), 0);
	expect_one_finding(f, "src/a.py");
	argv = log_file(f, "argv", 1);
	assert_true(pf_starts_with(argv, want.buf));
	free(argv);

	/* Not executable: not a scanner. */
	assert_int_equal(chmod(want.buf, 0644), 0);
	assert_int_equal(pf_scan_semgrep_path(&f->cfg, &exe), PF_ENOTFOUND);
	assert_true(pf_starts_with(pf_error_last(),
				   "semgrep is not installed (not in PATH nor "
				   "in ~/.local/bin)"));
	assert_int_equal(chmod(want.buf, 0755), 0);
	/* A name of the user's own is looked up where they said only. */
	set_str(&f->cfg.scan.semgrep_bin, "my-semgrep");
	assert_int_equal(pf_scan_semgrep_path(&f->cfg, &exe), PF_ENOTFOUND);
	/* $PIPX_BIN_DIR too. */
	set_str(&f->cfg.scan.semgrep_bin, "semgrep");
	setenv("HOME", "/nonexistent", 1);
	assert_int_equal(pf_scan_semgrep_path(&f->cfg, &exe), PF_ENOTFOUND);
	pf_buf_reset(&exe);
	pf_buf_addf(&exe, "%s/home/.local/bin", f->dir);
	setenv("PIPX_BIN_DIR", exe.buf, 1);
	assert_int_equal(pf_scan_semgrep_path(&f->cfg, &exe), 0);
	assert_string_equal(exe.buf, want.buf);
	unsetenv("PIPX_BIN_DIR");
	pf_buf_release(&exe);
	pf_buf_release(&want);
}

/* Two refs push two versions of one path: one directory cannot hold
 * both, so each is scanned on its own, and each finding is located in
 * its own version. */
static void test_two_versions(void **state)
{
	struct fx *f = *state;
	static const char v2[] = "bad = 1\nline2\nline3\n";
	const struct pf_scan_target t[] = {
		{ "src/a.py", CONTENT, sizeof(CONTENT) - 1 },
		{ "src/a.py", v2, sizeof(v2) - 1 },
	};
	static const char at_line1[] =
		"{\"results\":[{\"check_id\":\"r.bad\",\"path\":\"src/a.py\","
		"\"start\":{\"line\":1,\"col\":1,\"offset\":0},"
		"\"end\":{\"line\":1,\"col\":8,\"offset\":7},"
		"\"extra\":{\"message\":\"m\",\"metadata\":{},"
		"\"severity\":\"ERROR\",\"fingerprint\":\"x\","
		"\"lines\":\"x\"}}],\"errors\":[],\"paths\":{}}\n";
	char *d1, *d2;

	setenv("FAKE_PATH", "src/a.py", 1);
	canned(f, "FAKE_OUT_1", semgrep_one);
	canned(f, "FAKE_OUT_2", at_line1);
	assert_int_equal(scan(f, t, 2), 0);
	assert_int_equal(invocations(f), 2);
	d1 = log_file(f, "data", 1);
	d2 = log_file(f, "data", 2);
	assert_string_equal(d1, CONTENT);
	assert_string_equal(d2, v2);
	assert_int_equal(f->out.nr, 2);
	assert_string_equal(f->out.v[0].lines, "bad = 1");
	assert_int_equal(f->out.v[0].start.line, 2);
	assert_string_equal(f->out.v[1].lines, "bad = 1");
	assert_int_equal(f->out.v[1].start.line, 1);
	free(d1);
	free(d2);
}

/* One ref has a file "lib", another a directory "lib/": not one dir. */
static void test_file_and_dir_of_one_name(void **state)
{
	struct fx *f = *state;
	const struct pf_scan_target t[] = {
		{ "lib", "x = 1\n", 6 },
		{ "lib/a.py", CONTENT, sizeof(CONTENT) - 1 },
		{ "libx.py", "y = 2\n", 6 },
	};

	canned(f, "FAKE_OUT", semgrep_none);
	assert_int_equal(scan(f, t, 3), 0);
	assert_int_equal(invocations(f), 2);
}

static void test_refused_path(void **state)
{
	struct fx *f = *state;
	const struct pf_scan_target t = { "../escape.py", "x\n", 2 };

	assert_int_equal(scan(f, &t, 1), PF_EINVALID);
	assert_string_equal(pf_error_last(),
			    "refusing to scan the path '../escape.py'");
	assert_int_equal(invocations(f), 0);
}

/* A finding of a file that was not a target (an included file, the
 * ignore file) is dropped with a note. */
static void test_unknown_path(void **state)
{
	struct fx *f = *state;
	const struct pf_scan_target t = { "src/a.py", CONTENT,
					  sizeof(CONTENT) - 1 };

	canned(f, "FAKE_OUT", semgrep_one);
	setenv("FAKE_PATH", "/etc/passwd", 1);
	assert_int_equal(scan(f, &t, 1), 0);
	assert_int_equal(f->out.nr, 0);
	assert_non_null(strstr(f->res.diag.buf,
			       "note: semgrep reported '/etc/passwd', which "
			       "was not scanned; ignored"));
}

static void use_sarif(struct fx *f, const char *extra)
{
	struct pf_buf cmd = PF_BUF_INIT;

	pf_buf_addf(&cmd, "'%s' --sarif %s{files}", f->fake, extra);
	f->cfg.scan.engine = PF_ENGINE_SARIF;
	set_str(&f->cfg.scan.command, cmd.buf);
	pf_buf_release(&cmd);
}

static void test_sarif_paths_and_exit_codes(void **state)
{
	static const char *const variants[] = {
		"src/a%20b.py", "./src/a b.py", "file://@DIR@/src/a%20b.py",
		"file://@REAL@/src/a%20b.py", "file://localhost@REAL@/src/a%20b.py",
	};
	struct fx *f = *state;
	const struct pf_scan_target t = { "src/a b.py", CONTENT,
					  sizeof(CONTENT) - 1 };
	struct pf_buf want = PF_BUF_INIT;

	use_sarif(f, "");
	canned(f, "FAKE_OUT", sarif_one);
	for (size_t i = 0; i < PF_ARRAY_SIZE(variants); i++) {
		setenv("FAKE_PATH", variants[i], 1);
		pf_findings_release(&f->out);
		assert_int_equal(scan(f, &t, 1), 0);
		expect_one_finding(f, "src/a b.py");
	}
	assert_string_equal(f->res.engine, "fake");
	/* flawfinder exits 0 with findings; most others 1. */
	setenv("FAKE_EXIT", "1", 1);
	pf_findings_release(&f->out);
	assert_int_equal(scan(f, &t, 1), 0);
	expect_one_finding(f, "src/a b.py");
	/* 1 and no results: a clean scan for a tool whose 1 means
	 * "findings" (none survived its own filters). */
	canned(f, "FAKE_OUT", sarif_failed_run);
	pf_findings_release(&f->out);
	setenv("FAKE_EXIT", "0", 1);
	/* The run says it failed: no silent "no findings". */
	assert_int_equal(scan(f, &t, 1), PF_ERROR);
	pf_buf_addf(&want, "%s failed (exit 0): fakesarif: error: the "
		    "scanner says its run failed", f->fake);
	assert_string_equal(pf_error_last(), want.buf);
	/* 2 without SARIF. */
	unsetenv("FAKE_OUT");
	setenv("FAKE_EXIT", "2", 1);
	setenv("FAKE_ERR", "fake: cannot open rules\\n", 1);
	assert_int_equal(scan(f, &t, 1), PF_ERROR);
	pf_buf_reset(&want);
	pf_buf_addf(&want, "%s exited with 2 without printing SARIF: fake: "
		    "cannot open rules", f->fake);
	assert_string_equal(pf_error_last(), want.buf);
	pf_buf_release(&want);
}

/* A SARIF command gets the files of [scan] command_files alone; the
 * others are recorded as read by no scanner. */
static void test_sarif_command_files(void **state)
{
	struct fx *f = *state;
	const struct pf_scan_target t[] = {
		{ "README.md", "call system(\n", 13 },
		{ "src/a.py", CONTENT, sizeof(CONTENT) - 1 },
	};
	char *data;

	use_sarif(f, "");
	set_str(&f->cfg.scan.command_files, "*.py");
	canned(f, "FAKE_OUT", sarif_one);
	setenv("FAKE_PATH", "src/a.py", 1);
	assert_int_equal(scan(f, t, 2), 0);
	expect_one_finding(f, "src/a.py");
	data = log_file(f, "data", 1);
	assert_string_equal(data, CONTENT);
	free(data);
	assert_int_equal(f->res.unread_nr, 1);
	assert_string_equal(f->res.unread[0], "README.md");
	assert_int_equal(f->res.runs_nr, 1);
	assert_int_equal(f->res.runs[0].files, 1);
	assert_int_equal(f->res.runs[0].findings, 1);
	assert_int_equal(f->res.runs[0].failed, 0);
}

/* flawfinder's own list, globs on paths and base names. */
static void test_scanner_reads(void **state)
{
	struct pf_scanner s;

	(void)state;
	memset(&s, 0, sizeof(s));
	s.flawfinder = 1;
	assert_true(pf_scanner_reads(&s, "src/a.c"));
	assert_true(pf_scanner_reads(&s, "x.H"));
	assert_true(pf_scanner_reads(&s, "lib/x.c++"));
	assert_false(pf_scanner_reads(&s, "README.md"));
	assert_false(pf_scanner_reads(&s, "parser.y"));
	assert_false(pf_scanner_reads(&s, "Makefile"));
	assert_false(pf_scanner_reads(&s, "c/ChangeLog"));
	s.flawfinder = 0;
	s.files = "src/*.h, *.sh";
	assert_true(pf_scanner_reads(&s, "src/a.h"));
	assert_true(pf_scanner_reads(&s, "tools/deep/run.sh"));
	assert_false(pf_scanner_reads(&s, "a.h"));
	s.files = NULL;
	assert_true(pf_scanner_reads(&s, "anything"));
}

/* One bad file costs that file alone: the batch is split until it is
 * alone, and it is named with the scanner's words (from stdout). */
static void test_bisect_bad_file(void **state)
{
	struct fx *f = *state;
	const struct pf_scan_target t[] = {
		{ "b.py", "BAD\n", 4 },
		{ "c.py", "x\n", 2 },
		{ "d.py", "y\n", 2 },
		{ "src/a.py", CONTENT, sizeof(CONTENT) - 1 },
	};

	use_sarif(f, "");
	canned(f, "FAKE_OUT", sarif_one);
	setenv("FAKE_PATH", "src/a.py", 1);
	setenv("FAKE_MODE", "failbad", 1);
	assert_int_equal(scan(f, t, 4), 0);
	expect_one_finding(f, "src/a.py");
	assert_non_null(strstr(f->res.diag.buf,
			       "failed on b.py (exit 15), which was not "
			       "scanned: Error: cannot read b.py: it has BAD "
			       "bytes\n"));
	assert_int_equal(f->res.runs[0].failed, 1);
	assert_int_equal(f->res.runs[0].files, 4);
	/* 4 -> 2 + 2 -> (1 + 1) + 2: five runs. */
	assert_int_equal(invocations(f), 5);
	unsetenv("FAKE_MODE");
}

/* [scan] timeout bounds the search for a bad file: what was scanned is
 * kept, the files still in doubt are named as not scanned. */
static void test_bisect_timeout(void **state)
{
	struct fx *f = *state;
	const struct pf_scan_target t[] = {
		{ "src/a.py", CONTENT, sizeof(CONTENT) - 1 },
		{ "c.py", "x\n", 2 },
		{ "b.py", "BAD\n", 4 },
		{ "d.py", "y\n", 2 },
	};

	use_sarif(f, "");
	f->cfg.scan.timeout = 2;
	canned(f, "FAKE_OUT", sarif_one);
	setenv("FAKE_PATH", "src/a.py", 1);
	setenv("FAKE_MODE", "failslow", 1);
	/* All four fail (1.4 s); src/a.py and c.py pass; b.py and d.py
	 * run out of the 2 s. */
	assert_int_equal(scan(f, t, 4), 0);
	expect_one_finding(f, "src/a.py");
	assert_non_null(strstr(f->res.diag.buf,
			       "ran out while looking for the file(s) fake "
			       "failed on: b.py d.py\n"));
	assert_int_equal(f->res.runs[0].failed, 2);
	unsetenv("FAKE_MODE");
}

/* A scanner that fails on every file is broken: one error, as before. */
static void test_bisect_all_bad(void **state)
{
	struct fx *f = *state;
	const struct pf_scan_target t[] = {
		{ "b.py", "BAD\n", 4 },
		{ "c.py", "BAD\n", 4 },
	};

	use_sarif(f, "");
	canned(f, "FAKE_OUT", sarif_one);
	setenv("FAKE_MODE", "failbad", 1);
	assert_int_equal(scan(f, t, 2), PF_EINVALID);
	assert_non_null(strstr(pf_error_last(),
			       "exited with 15 and printed output pushfix "
			       "cannot read"));
	assert_non_null(strstr(pf_error_last(),
			       "(it said: Error: cannot read b.py)"));
	assert_null(strstr(f->res.diag.buf ? f->res.diag.buf : "",
			    "failed on"));
	unsetenv("FAKE_MODE");
}

/* A SARIF command has no "--": a file named -x.c must not become an
 * option. */
static void test_sarif_dash_target(void **state)
{
	struct fx *f = *state;
	const struct pf_scan_target t = { "-rf.c", CONTENT,
					  sizeof(CONTENT) - 1 };
	char *argv, *data;

	use_sarif(f, "");
	canned(f, "FAKE_OUT", sarif_one);
	setenv("FAKE_PATH", "./-rf.c", 1);
	assert_int_equal(scan(f, &t, 1), 0);
	expect_one_finding(f, "-rf.c");
	argv = log_file(f, "argv", 1);
	data = log_file(f, "data", 1);
	assert_non_null(strstr(argv, "\n--sarif\n./-rf.c\n"));
	assert_string_equal(data, CONTENT);
	free(argv);
	free(data);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
#define T(name) cmocka_unit_test_setup_teardown(name, setup, teardown)
		T(test_semgrep_path_variants),
		T(test_symlinked_tmpdir),
		T(test_scanned_bytes_and_argv),
		T(test_ignore_file),
		T(test_semgrep_exit_codes),
		T(test_garbage_and_truncated),
		T(test_crash),
		T(test_timeout),
		T(test_interrupted),
		T(test_not_installed),
		T(test_cannot_run),
		T(test_local_bin_fallback),
		T(test_two_versions),
		T(test_file_and_dir_of_one_name),
		T(test_refused_path),
		T(test_unknown_path),
		T(test_sarif_paths_and_exit_codes),
		T(test_sarif_dash_target),
		T(test_sarif_command_files),
		T(test_scanner_reads),
		T(test_bisect_bad_file),
		T(test_bisect_all_bad),
		T(test_bisect_timeout),
#undef T
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
