/*
 * `pushfix config`: the effective configuration, every layer applied, as
 * INI; outside a repository, the user's file and the environment.  It is
 * also the way to check a configuration: exit 1 when a layer had a
 * warning (a value ignored, an unknown key), 2 when a file cannot be read
 * (the other layers are still printed).
 */
#include <stdio.h>

#include "cli.h"
#include "cmd.h"
#include "pushfix/err.h"
#include "pushfix/pipeline.h"

/* Did loading warn?  A second, quiet load: pf_run_open() printed the
 * warnings already. */
static int had_warnings(const struct pf_run *run)
{
	struct pf_config cfg;
	struct pf_buf w = PF_BUF_INIT;
	int yes;

	pf_config_init(&cfg);
	pf_config_load(&cfg, run->worktree, run->gitdir, &w);
	yes = w.len > 0;
	pf_error_clear();
	pf_config_release(&cfg);
	pf_buf_release(&w);
	return yes;
}

int cmd_config(int argc, const char **argv)
{
	static const struct cli_command cmd = {
		.name = "config",
		.about = "Print the effective configuration (every layer "
			 "applied) as INI; exit 1 after a warning, 2 when a "
			 "file cannot be read.\n",
		.max_args = 0,
	};
	struct pf_run run;
	struct pf_buf out = PF_BUF_INIT;
	int ret = cli_parse(&cmd, argc, argv), status = 0;

	if (ret < 0)
		return cli_exit(ret);
	ret = pf_run_open(&run, NULL);
	if (ret == PF_ENOTFOUND && !run.repo) {
		/* Outside a repository: the user's file and environment. */
		struct pf_buf warn = PF_BUF_INIT;

		pf_config_release(&run.cfg);
		pf_config_init(&run.cfg);
		ret = pf_config_load(&run.cfg, NULL, NULL, &warn);
		fputs(warn.buf, stderr);
		status = warn.len ? 1 : 0;
		pf_buf_release(&warn);
	}
	if (ret) {
		fprintf(stderr, "error: %s\n", pf_error_last());
		status = 2;
	} else if (run.repo) {
		status = had_warnings(&run);
	}
	/* Even after an error: every layer that could be read. */
	pf_config_dump(&run.cfg, &out);
	fwrite(out.buf, 1, out.len, stdout);
	pf_buf_release(&out);
	pf_run_release(&run);
	return status;
}
