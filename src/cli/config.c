/*
 * `pushfix config`: the effective configuration, every layer applied, as
 * INI; outside a repository, the user's file and the environment.
 */
#include <stdio.h>

#include "cli.h"
#include "cmd.h"
#include "pushfix/err.h"
#include "pushfix/pipeline.h"

int cmd_config(int argc, const char **argv)
{
	static const struct cli_command cmd = {
		.name = "config",
		.about = "Print the effective configuration (every layer "
			 "applied) as INI.\n",
		.max_args = -1,
	};
	struct pf_run run;
	struct pf_buf out = PF_BUF_INIT;
	int ret = cli_parse(&cmd, argc, argv);

	if (ret < 0)
		return cli_exit(ret);
	ret = pf_run_open(&run, NULL);
	if (ret == PF_ENOTFOUND) {
		/* Outside a repository: the user's file and environment. */
		struct pf_buf warn = PF_BUF_INIT;

		pf_config_release(&run.cfg);
		pf_config_init(&run.cfg);
		ret = pf_config_load(&run.cfg, NULL, NULL, &warn);
		fputs(warn.buf, stderr);
		pf_buf_release(&warn);
	}
	if (ret) {
		fprintf(stderr, "error: %s\n", pf_error_last());
		pf_run_release(&run);
		return 2;
	}
	pf_config_dump(&run.cfg, &out);
	fwrite(out.buf, 1, out.len, stdout);
	pf_buf_release(&out);
	pf_run_release(&run);
	return 0;
}
