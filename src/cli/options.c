/*
 * One option parser for every command, driven by each command's table
 * (git's parse-options, small): the same spellings, the same errors and
 * a usage made from the table, so the help cannot drift from the code.
 */
#include <stdarg.h>
#include <string.h>

#include "cli.h"
#include "pushfix/util.h"

void cli_usage_line(const struct cli_command *cmd, FILE *f)
{
	fprintf(f, "usage: pushfix %s%s%s\n", cmd->name,
		cmd->synopsis && *cmd->synopsis ? " " : "",
		cmd->synopsis ? cmd->synopsis : "");
}

void cli_usage(const struct cli_command *cmd, FILE *f)
{
	const struct cli_option *o;

	cli_usage_line(cmd, f);
	if (cmd->about)
		fprintf(f, "\n%s", cmd->about);
	if (cmd->options && cmd->options[0].type != CLI_END)
		fputc('\n', f);
	for (o = cmd->options; o && o->type != CLI_END; o++) {
		int n = 0;

		if (o->short_name)
			n += fprintf(f, "  -%c,", o->short_name);
		else
			n += fprintf(f, "     ");
		n += fprintf(f, " --%s", o->long_name);
		if (o->alias)
			n += fprintf(f, ", --%s", o->alias);
		if (o->argh)
			n += fprintf(f, " %s", o->argh);
		fprintf(f, "%*s%s\n", n < 26 ? 26 - n : 2, "", o->help);
	}
}

static int fail(const struct cli_command *cmd, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static int fail(const struct cli_command *cmd, const char *fmt, ...)
{
	va_list ap;

	fputs("error: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	cli_usage_line(cmd, stderr);
	return CLI_ERROR;
}

static int name_is(const char *name, const char *s, size_t len)
{
	return name && strlen(name) == len && !strncmp(name, s, len);
}

static const struct cli_option *find_long(const struct cli_command *cmd,
					  const char *s, size_t len)
{
	const struct cli_option *o;

	for (o = cmd->options; o && o->type != CLI_END; o++)
		if (name_is(o->long_name, s, len) || name_is(o->alias, s, len))
			return o;
	return NULL;
}

static const struct cli_option *find_short(const struct cli_command *cmd,
					   char c)
{
	const struct cli_option *o;

	for (o = cmd->options; o && o->type != CLI_END; o++)
		if (o->short_name && o->short_name == c)
			return o;
	return NULL;
}

/* Store one option's value: `v` is NULL for a flag. */
static int set_value(const struct cli_command *cmd, const struct cli_option *o,
		     const char *v)
{
	unsigned long n;

	switch (o->type) {
	case CLI_BOOL:
		*(int *)o->value = 1;
		break;
	case CLI_STRING:
		*(const char **)o->value = v;
		break;
	case CLI_ULONG:
		if (pf_parse_ulong(&n, v))
			return fail(cmd, "--%s wants a number, not '%s'",
				    o->long_name, v);
		*(unsigned long *)o->value = n;
		break;
	case CLI_END:
		break;
	}
	return 0;
}

int cli_parse(const struct cli_command *cmd, int argc, const char **argv)
{
	int nr = 0, only_args = 0;

	for (int i = 1; i < argc; i++) {
		const char *a = argv[i], *v = NULL, *eq = NULL;
		const struct cli_option *o;
		int ret;

		if (only_args || a[0] != '-' || !a[1]) {
			argv[nr++] = a;
			if (cmd->flags & CLI_STOP_AT_ARG)
				only_args = 1;
			continue;
		}
		if (!strcmp(a, "--")) {
			only_args = 1;
			continue;
		}
		if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
			cli_usage(cmd, stdout);
			return CLI_HELP;
		}
		if (a[1] == '-') {
			eq = strchr(a + 2, '=');
			o = find_long(cmd, a + 2,
				      eq ? (size_t)(eq - a - 2)
					 : strlen(a + 2));
			v = eq ? eq + 1 : NULL;
		} else {
			o = a[2] ? NULL : find_short(cmd, a[1]);
		}
		if (!o)
			return fail(cmd, "unknown option '%s'", a);
		if (o->type == CLI_BOOL && eq)
			return fail(cmd, "option '--%s' takes no value",
				    o->long_name);
		if (o->type != CLI_BOOL && !v) {
			if (i + 1 >= argc)
				return fail(cmd, "option '%s' needs a value",
					    a);
			v = argv[++i];
		}
		ret = set_value(cmd, o, v);
		if (ret)
			return ret;
	}
	if (cmd->max_args >= 0 && nr > cmd->max_args)
		return fail(cmd, "too many arguments");
	return nr;
}
