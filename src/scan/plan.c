#include <fnmatch.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pushfix/err.h"
#include "pushfix/proc.h"
#include "pushfix/scan.h"
#include "pushfix/util.h"
#include "plan.h"

#define DEFAULT_SARIF_COMMAND "flawfinder --sarif {files}"

/* flawfinder's own c_extensions (/usr/bin/flawfinder 2.0.19): it skips
 * every other file of a directory, and reads a named one as C whatever
 * it is, so a README's `system(` prose would become a finding. */
static const char *const flawfinder_ext[] = {
	".c",  ".h",  ".ec",  ".ecp", ".pgc", ".C",  ".cpp", ".CPP", ".cxx",
	".cc", ".CC", ".c++", ".pcc", ".pc",  ".sc", ".hpp", ".H",
};

void pf_scanner_release(struct pf_scanner *s)
{
	pf_buf_release(&s->exe);
}

static const char *sarif_command(const struct pf_config *cfg)
{
	return cfg->scan.command && *cfg->scan.command ? cfg->scan.command
						       : DEFAULT_SARIF_COMMAND;
}

static int plan_semgrep(struct pf_scanner *s, const struct pf_config *cfg)
{
	memset(s, 0, sizeof(*s));
	pf_buf_init(&s->exe);
	s->semgrep = 1;
	snprintf(s->name, sizeof(s->name), "semgrep");
	return pf_scan_semgrep_path(cfg, &s->exe);
}

/* The SARIF command's program, placeholders and files; *missing set when
 * it is not installed (no message then). */
static int plan_sarif(struct pf_scanner *s, const struct pf_config *cfg,
		      int *missing)
{
	char **argv;
	const char *base;
	int ret;

	memset(s, 0, sizeof(*s));
	pf_buf_init(&s->exe);
	*missing = 0;
	s->command = sarif_command(cfg);
	ret = pf_proc_split(&argv, s->command);
	if (ret)
		return pf_error_prefix(ret, "[scan] command");
	pf_buf_addstr(&s->exe, argv[0]);
	base = strrchr(argv[0], '/');
	snprintf(s->name, sizeof(s->name), "%s", base ? base + 1 : argv[0]);
	for (char **a = argv; *a; a++) {
		if (!strcmp(*a, "{file}"))
			s->per_file = 1;
		else if (!strcmp(*a, "{sarif}"))
			s->sarif_file = 1;
	}
	pf_proc_argv_free(argv);
	if (cfg->scan.command_files && *cfg->scan.command_files)
		s->files = cfg->scan.command_files;
	else
		s->flawfinder = !strcmp(s->name, "flawfinder");
	s->full_tree = cfg->scan.tree == PF_TREE_FULL;
	*missing = pf_proc_which(s->exe.buf, NULL) != 0;
	return 0;
}

static int sarif_required(struct pf_scanner *s, const struct pf_config *cfg)
{
	int missing, ret = plan_sarif(s, cfg, &missing);

	if (!ret && missing)
		ret = pf_error_setc(PF_ENOTFOUND,
				    "the SARIF scanner '%s' of [scan] command "
				    "is not installed",
				    s->exe.buf);
	return ret;
}

int pf_scan_plan(struct pf_scanner *sc, size_t *n, const struct pf_config *cfg)
{
	int ret, missing;

	*n = 1;
	switch (cfg->scan.engine) {
	case PF_ENGINE_SEMGREP:
		return plan_semgrep(&sc[0], cfg);
	case PF_ENGINE_SARIF:
		return sarif_required(&sc[0], cfg);
	case PF_ENGINE_BOTH:
		if ((ret = plan_semgrep(&sc[0], cfg)))
			return ret;
		*n = 2;
		return sarif_required(&sc[1], cfg);
	case PF_ENGINE_AUTO:
		break;
	}
	if (!plan_semgrep(&sc[0], cfg))
		return 0;
	pf_scanner_release(&sc[0]);
	pf_error_clear();
	ret = plan_sarif(&sc[0], cfg, &missing);
	if (ret || !missing)
		return ret;
	return pf_error_setc(PF_ENOTFOUND,
			     "no scanner: semgrep is not installed and the "
			     "SARIF scanner '%s' is not either; install "
			     "semgrep (pipx install semgrep) or set [scan] "
			     "command",
			     sc[0].exe.buf);
}

static int glob_reads(const char *list, const char *path, const char *base)
{
	struct pf_buf pat = PF_BUF_INIT;
	int hit = 0;

	while (*list && !hit) {
		size_t n = strcspn(list, ",");

		pf_buf_reset(&pat);
		pf_buf_add(&pat, list, n);
		pf_buf_rtrim(&pat);
		hit = pat.len && (!fnmatch(pat.buf, path, 0) ||
				  !fnmatch(pat.buf, base, 0));
		list += n + (list[n] ? 1 : 0);
		while (*list == ' ')
			list++;
	}
	pf_buf_release(&pat);
	return hit;
}

int pf_scanner_reads(const struct pf_scanner *s, const char *path)
{
	const char *base = strrchr(path, '/'), *dot;

	base = base ? base + 1 : path;
	if (s->files)
		return glob_reads(s->files, path, base);
	if (!s->flawfinder)
		return 1;
	dot = strrchr(base, '.');
	if (!dot)
		return 0;
	for (size_t i = 0; i < PF_ARRAY_SIZE(flawfinder_ext); i++)
		if (!strcmp(dot, flawfinder_ext[i]))
			return 1;
	return 0;
}

void pf_scanner_files(const struct pf_scanner *s, struct pf_buf *out)
{
	if (s->files) {
		pf_buf_addstr(out, s->files);
	} else if (s->flawfinder) {
		for (size_t i = 0; i < PF_ARRAY_SIZE(flawfinder_ext); i++)
			pf_buf_addf(out, "%s*%s", i ? " " : "",
				    flawfinder_ext[i]);
	} else {
		pf_buf_addstr(out, "every file");
	}
}

const char *pf_scan_engine_name(const struct pf_config *cfg)
{
	struct pf_scanner sc[PF_SCAN_MAX_SCANNERS];
	size_t n = 0;
	int ret = pf_scan_plan(sc, &n, cfg);
	const char *name = NULL;

	if (!ret)
		name = n == 2	       ? "semgrep+sarif"
		       : sc[0].semgrep ? "semgrep"
				       : "sarif";
	for (size_t i = 0; i < n; i++)
		pf_scanner_release(&sc[i]);
	return name;
}

int pf_scan_describe(const struct pf_config *cfg, struct pf_buf *out)
{
	struct pf_scanner sc[PF_SCAN_MAX_SCANNERS];
	size_t n = 0;
	int ret = pf_scan_plan(sc, &n, cfg);

	for (size_t i = 0; !ret && i < n; i++) {
		if (sc[i].semgrep) {
			pf_buf_addf(out,
				    "semgrep (%s) reads every file it can "
				    "parse, minus the pushed .semgrepignore\n",
				    sc[i].exe.buf);
			continue;
		}
		pf_buf_addf(out, "%s (SARIF: %s) reads ", sc[i].name,
			    sc[i].command);
		pf_scanner_files(&sc[i], out);
		if (sc[i].full_tree)
			pf_buf_addstr(out, ", in the whole pushed tree");
		pf_buf_addch(out, '\n');
	}
	for (size_t i = 0; i < n; i++)
		pf_scanner_release(&sc[i]);
	return ret;
}
