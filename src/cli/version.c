/* `pushfix version` (and `pushfix --version`). */
#include <stdio.h>

#include <git2.h>

#include "cli.h"
#include "cmd.h"

int cmd_version(int argc, const char **argv)
{
	static const struct cli_command cmd = {
		.name = "version",
		.max_args = 0,
	};
	int n = cli_parse(&cmd, argc, argv);

	if (n < 0)
		return cli_exit(n);
	printf("pushfix %s (libgit2 %d.%d.%d)\n", PUSHFIX_VERSION,
	       LIBGIT2_VER_MAJOR, LIBGIT2_VER_MINOR, LIBGIT2_VER_REVISION);
	return 0;
}
