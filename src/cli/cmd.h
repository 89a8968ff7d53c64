#ifndef PUSHFIX_CLI_CMD_H
#define PUSHFIX_CLI_CMD_H

/*
 * The commands of the one binary (git.c's cmd_* table), one file each in
 * src/cli/.  Each returns the process exit status; only commands print.
 * argv[0] is the command name.  The hook's exit status decides the push:
 * 0 lets it go on, 1 stops it.
 */
int cmd_hook(int argc, const char **argv);
int cmd_scan(int argc, const char **argv);
int cmd_changes(int argc, const char **argv);
int cmd_preview(int argc, const char **argv);
int cmd_log(int argc, const char **argv);
int cmd_findings(int argc, const char **argv);
int cmd_ignore(int argc, const char **argv);   /* ignore.c */
int cmd_ignored(int argc, const char **argv);  /* ignore.c */
int cmd_unignore(int argc, const char **argv); /* ignore.c */
int cmd_mirror(int argc, const char **argv);
int cmd_doctor(int argc, const char **argv);
int cmd_config(int argc, const char **argv);
int cmd_demo(int argc, const char **argv);
int cmd_version(int argc, const char **argv);
int cmd_uninstall(int argc, const char **argv);
int cmd_eval(int argc, const char **argv);
int cmd_prescan(int argc, const char **argv);

/* What `version` prints and `eval` records with its figures. */
#define PUSHFIX_VERSION "0.1.0"

#endif
