/*
 * pushfix: find the security problems a push introduces, before it leaves.
 * main() is only a dispatch table, as git.c.
 */
#include <stdio.h>
#include <string.h>

#include <git2.h>

#include "cmd.h"
#include "pushfix/err.h"
#include "pushfix/util.h"

/* main() initialises libgit2 before the command.  Not for the hook: it
 * does so itself past its fast path, as the initialisation parses the
 * whole CA bundle (~12 ms); nor for commands that never use it. */
#define NEED_LIBGIT2 (1 << 0)

struct cmd_struct {
	const char *name;
	int (*fn)(int, const char **);
	unsigned flags;
	const char *help;
};

static const struct cmd_struct commands[] = {
	{ "hook", cmd_hook, 0, "run as git's pre-push hook (hooks/pre-push)" },
	{ "scan", cmd_scan, NEED_LIBGIT2,
	  "scan a range, --staged or --all on demand" },
	{ "changes", cmd_changes, NEED_LIBGIT2,
	  "print the changed lines of a range" },
	{ "config", cmd_config, NEED_LIBGIT2,
	  "print the effective configuration" },
	{ "doctor", cmd_doctor, NEED_LIBGIT2,
	  "check the installation; sends nothing" },
	{ "version", cmd_version, 0, "print the version" },
	{ "preview", cmd_preview, NEED_LIBGIT2,
	  "print what would be sent to the LLM; sends nothing" },
	{ "demo", cmd_demo, NEED_LIBGIT2,
	  "try pushfix on a throwaway repository" },
	{ "ignore", cmd_ignore, NEED_LIBGIT2,
	  "share ignored finding N with the team (.pushfix/ignore)" },
	{ "ignored", cmd_ignored, NEED_LIBGIT2,
	  "list the findings you ignored (key i)" },
	{ "unignore", cmd_unignore, NEED_LIBGIT2,
	  "show ignored finding N again" },
	{ "mirror", cmd_mirror, NEED_LIBGIT2,
	  "post queued findings to the PR/MR now" },
	{ "log", cmd_log, NEED_LIBGIT2,
	  "what was sent to an LLM, when, to whom" },
	{ "findings", cmd_findings, NEED_LIBGIT2,
	  "what earlier pushes and scans found, by verdict" },
	{ "eval", cmd_eval, NEED_LIBGIT2,
	  "measure triage and fixes on a labelled dataset" },
	{ "uninstall", cmd_uninstall, NEED_LIBGIT2,
	  "remove the hook (and, asked, .git/pushfix/)" },
	/* Not NEED_LIBGIT2: --background returns before it (post-commit). */
	{ "prescan", cmd_prescan, 0,
	  "scan new commits ahead of the push (post-commit hook)" },
};

static void usage(FILE *out)
{
	fprintf(out, "usage: pushfix <command> [<args>]\n\ncommands:\n");
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		fprintf(out, "  %-10s %s\n", commands[i].name,
			commands[i].help);
	fprintf(out, "\nSee README.md; `pushfix help <command>` for one.\n");
}

static const struct cmd_struct *find_command(const char *name)
{
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		if (!strcmp(name, commands[i].name))
			return &commands[i];
	return NULL;
}

static int run_command(const struct cmd_struct *c, int argc, const char **argv)
{
	int ret;

	if (c->flags & NEED_LIBGIT2)
		pf_git_init();
	ret = c->fn(argc, argv);
	if (c->flags & NEED_LIBGIT2)
		git_libgit2_shutdown();
	return ret;
}

int main(int argc, const char **argv)
{
	const struct cmd_struct *c;
	const char *name = argv[1];

	if (argc < 2) {
		usage(stderr);
		return 2;
	}
	if (!strcmp(name, "--help") || !strcmp(name, "-h") ||
	    (!strcmp(name, "help") && argc < 3)) {
		usage(stdout);
		return 0;
	}
	if (!strcmp(name, "--version"))
		name = argv[1] = "version";
	if (!strcmp(name, "help")) {
		/* `pushfix help CMD` is `pushfix CMD --help`. */
		const char *help_argv[] = { argv[2], "--help", NULL };

		name = argv[2];
		c = find_command(name);
		if (c)
			return c->fn(2, help_argv);
	} else {
		c = find_command(name);
		if (c)
			return run_command(c, argc - 1, argv + 1);
	}
	fprintf(stderr, "error: unknown command '%s'\n", name);
	usage(stderr);
	return 2;
}
