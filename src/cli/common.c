/*
 * What several commands print or take the same way: the range to scan
 * and the notes of a run.
 */
#include <string.h>

#include "cli.h"
#include "pushfix/pipeline.h"
#include "pushfix/util.h"

int cli_parse_range(const struct cli_command *cmd, int argc, const char **argv,
		    struct cli_range *r, int allow_all)
{
	int n = cli_parse(cmd, argc, argv);

	if (n < 0)
		return n;
	if (n > 0)
		r->range = argv[0];
	if (r->staged + r->all + !!(r->range && !r->all) > 1) {
		fprintf(stderr, "error: give one of <range>, --staged%s\n",
			allow_all ? ", --all" : "");
		return CLI_ERROR;
	}
	return 0;
}

int cli_run_open(struct pf_run *run, int verbose, int no_cache)
{
	int ret = pf_run_open(run, NULL);

	if (ret)
		return ret;
	if (verbose)
		run->verbose = 1;
	run->no_cache = no_cache;
	return 0;
}

int cli_range_changes(struct pf_run *run, const struct cli_range *r)
{
	if (r->staged)
		return pf_run_changes_staged(run);
	if (r->all)
		return pf_run_changes_all(run, r->range);
	return pf_run_changes_range(run, r->range);
}

void cli_print_skipped(const struct pf_run *run)
{
	for (size_t i = 0; i < run->cs.skipped_nr; i++)
		fprintf(run->msg, "pushfix: skipped %s (%s)\n",
			run->cs.skipped[i].path, run->cs.skipped[i].reason);
}

/* Its "warning:" lines (findings that came with a failed run, a temp dir
 * that could not be removed) even when not verbose: a partial scan must
 * not pass for a whole one. */
void cli_print_diag(const struct pf_run *run)
{
	const char *s = run->scan.diag.buf;

	if (run->verbose) {
		fputs(s, run->msg);
		return;
	}
	while (*s) {
		const char *e = strchr(s, '\n');
		size_t n = e ? (size_t)(e - s) + 1 : strlen(s);

		if (pf_starts_with(s, "warning: "))
			fprintf(run->msg, "pushfix: %.*s", (int)n, s);
		s += n;
	}
}
