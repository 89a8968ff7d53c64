#ifndef PUSHFIX_CLI_H
#define PUSHFIX_CLI_H

/*
 * The commands' shared parts (internal to src/cli/): one table-driven
 * option parser, as git's parse-options, and the helpers several commands
 * need.  Commands do option parsing, output and exit status; the work is
 * the stages'.
 */
#include <stdio.h>

struct pf_run;

enum cli_type {
	CLI_END = 0,
	CLI_BOOL,   /* int *: set to 1 */
	CLI_STRING, /* const char **: the value (--opt V or --opt=V) */
	CLI_ULONG   /* unsigned long *: a decimal number */
};

struct cli_option {
	enum cli_type type;
	char short_name;       /* 0: none */
	const char *long_name; /* without "--" */
	void *value;
	const char *argh;  /* the value's name in the usage ("<fmt>") */
	const char *help;  /* one line */
	const char *alias; /* a second long name (--cached for --staged) */
};

/* The table's rows, as git's OPT_BOOL() and friends. */
#define CLI_OPT_BOOL(s, l, v, h)                                               \
	{                                                                      \
		CLI_BOOL, (s), (l), (v), NULL, (h), NULL                       \
	}
#define CLI_OPT_STRING(s, l, v, a, h)                                          \
	{                                                                      \
		CLI_STRING, (s), (l), (v), (a), (h), NULL                      \
	}
#define CLI_OPT_ULONG(s, l, v, a, h)                                           \
	{                                                                      \
		CLI_ULONG, (s), (l), (v), (a), (h), NULL                       \
	}
#define CLI_OPT_END                                                            \
	{                                                                      \
		CLI_END, 0, NULL, NULL, NULL, NULL, NULL                       \
	}

/* Stop at the first non-option: the rest are arguments (the hook's). */
#define CLI_STOP_AT_ARG (1 << 0)

struct cli_command {
	const char *name;
	const char *synopsis; /* after "usage: pushfix <name> " */
	const char *about;    /* lines after the synopsis, or NULL */
	const struct cli_option *options; /* NULL: none but --help */
	int max_args; /* non-option arguments allowed; -1: any */
	unsigned flags;
};

/* What cli_parse() returns when the command is to end at once. */
#define CLI_HELP (-1)  /* usage shown on --help: exit 0 */
#define CLI_ERROR (-2) /* error and usage line said: exit 2 */

/*
 * Parse argv[1..argc) against cmd's table (argv[0] is the command name).
 * The non-option arguments are moved to argv[0..n) and n is returned;
 * "--" ends the options and "-" alone is an argument.  -h/--help prints
 * the usage made from the table on stdout; an unknown option, a missing
 * or bad value, or too many arguments says "error: ..." and the usage
 * line on stderr.  Those return CLI_HELP or CLI_ERROR; cli_exit() gives
 * the exit status.
 */
int cli_parse(const struct cli_command *cmd, int argc, const char **argv);

static inline int cli_exit(int parsed)
{
	return parsed == CLI_HELP ? 0 : 2;
}

/* The usage of cmd: the synopsis, the about text and every option. */
void cli_usage(const struct cli_command *cmd, FILE *f);
/* "usage: pushfix <name> <synopsis>" alone. */
void cli_usage_line(const struct cli_command *cmd, FILE *f);

/*
 * What to scan, as `scan`, `changes` and `preview` take it:
 * [<range> | --staged | --all [<rev>]].
 */
struct cli_range {
	const char *range; /* or, with --all, the revision */
	int staged, all;
};

#define CLI_OPT_STAGED(r)                                                      \
	{                                                                      \
		CLI_BOOL, 0, "staged", &(r)->staged, NULL,                     \
			"the staged changes (the index against HEAD)",         \
			"cached"                                               \
	}
#define CLI_OPT_ALL(r)                                                         \
	{                                                                      \
		CLI_BOOL, 0, "all", &(r)->all, NULL,                           \
			"every file of <rev> (default HEAD), as if all new",   \
			NULL                                                   \
	}

/*
 * cli_parse() for a command that takes a cli_range (its table holding
 * CLI_OPT_STAGED, and CLI_OPT_ALL when allow_all), and the check that
 * the range is one of them.  0 to go on, or CLI_HELP / CLI_ERROR.
 */
int cli_parse_range(const struct cli_command *cmd, int argc, const char **argv,
		    struct cli_range *r, int allow_all);
/*
 * pf_run_open() with the command line's -v and --no-cache; the error is
 * left for the caller to say.
 */
int cli_run_open(struct pf_run *run, int verbose, int no_cache);
/* The run's changeset for r: pf_run_changes_staged, _all or _range. */
int cli_range_changes(struct pf_run *run, const struct cli_range *r);

/* The files the changeset skipped, one "pushfix: skipped" line each. */
void cli_print_skipped(const struct pf_run *run);
/* The scanner's notes (all in verbose mode; its warnings always). */
void cli_print_diag(const struct pf_run *run);

#endif
