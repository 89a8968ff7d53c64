/*
 * pushfix: find the security problems a push introduces, before it leaves.
 * main() is only a dispatch table, as git.c.
 */
#include <stdio.h>
#include <string.h>

#include <git2.h>

#include "pushfix/cmd.h"
#include "pushfix/err.h"
#include "pushfix/util.h"

struct cmd_struct {
	const char *name;
	int (*fn)(int, const char **);
	const char *help;
};

static const struct cmd_struct commands[] = {
	{ "hook", cmd_hook, "run as git's pre-push hook (hooks/pre-push)" },
	{ "scan", cmd_scan, "scan a range, --staged or --all on demand" },
	{ "changes", cmd_changes, "print the changed lines of a range" },
	{ "config", cmd_config, "print the effective configuration" },
	{ "doctor", cmd_doctor, "check the installation; sends nothing" },
	{ "version", cmd_version, "print the version" },
	{ "preview", cmd_preview,
	  "print what would be sent to the LLM; sends nothing" },
	{ "demo", cmd_demo, "try pushfix on a throwaway repository" },
	{ "ignored", cmd_ignored, "list the findings you ignored (key i)" },
	{ "unignore", cmd_unignore, "show ignored finding N again" },
	{ "mirror", cmd_mirror, "post queued findings to the PR/MR now" },
	{ "log", cmd_log, "what was sent to an LLM, when, to whom" },
};

static void usage(FILE *out)
{
	fprintf(out, "usage: pushfix <command> [<args>]\n\ncommands:\n");
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		fprintf(out, "  %-10s %s\n", commands[i].name,
			commands[i].help);
	fprintf(out, "\nSee README.md; `pushfix <command> --help` for one.\n");
}

int main(int argc, const char **argv)
{
	int ret;

	if (argc < 2) {
		usage(stderr);
		return 2;
	}
	if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h") ||
	    !strcmp(argv[1], "help")) {
		usage(stdout);
		return 0;
	}
	if (!strcmp(argv[1], "--version"))
		argv[1] = "version";
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++) {
		if (strcmp(argv[1], commands[i].name))
			continue;
		/* The hook initialises libgit2 itself, past its fast path:
		 * the initialisation parses the whole CA bundle (~12 ms). */
		int lazy = commands[i].fn == cmd_hook;

		if (!lazy)
			pf_git_init();
		ret = commands[i].fn(argc - 1, argv + 1);
		if (!lazy)
			git_libgit2_shutdown();
		return ret;
	}
	fprintf(stderr, "error: unknown command '%s'\n", argv[1]);
	usage(stderr);
	return 2;
}
