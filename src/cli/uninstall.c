/*
 * `pushfix uninstall [--purge | --keep]`: what `install.sh --uninstall`
 * does, from the binary (install.sh may be long gone), and then the state
 * pushfix left in the repository.
 *
 * The hook part is a port of install.sh's, with its file layout and
 * messages: the hooks directory is git's own answer (`git rev-parse
 * --git-path hooks`: core.hooksPath, linked worktrees), our hook is a
 * regular file holding the marker, and a hook that was there before is
 * kept beside it as pre-push.pushfix-orig.  rename(2) puts that one back
 * as it was: bytes, mode, symlink.
 */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli.h"
#include "cmd.h"
#include "pushfix/buf.h"
#include "pushfix/err.h"
#include "pushfix/fs.h"
#include "pushfix/pipeline.h"
#include "pushfix/proc.h"
#include "pushfix/util.h"

/* As install.sh's MARKER and hooks/pre-push's second line. */
#define HOOK_MARKER "pushfix-managed-hook"
#define ORIG_SUFFIX ".pushfix-orig"

static int exists(const char *path)
{
	struct stat st;

	return !lstat(path, &st);
}

/* install.sh's is_ours: a regular file (not a symlink) with the marker. */
static int is_ours(const char *path)
{
	struct stat st;
	struct pf_buf text = PF_BUF_INIT;
	int ours;

	if (lstat(path, &st) || !S_ISREG(st.st_mode))
		return 0;
	ours = !pf_buf_read_file(&text, path, (size_t)16 << 20) &&
	       strstr(text.buf, HOOK_MARKER);
	pf_error_clear();
	pf_buf_release(&text);
	return ours;
}

/*
 * Where git looks for hooks, absolute, as install.sh finds it: git prints
 * a path relative to the directory it ran in.
 */
static int hooks_dir(struct pf_buf *out)
{
	const char *argv[] = { "git", "rev-parse", "--git-path", "hooks",
			       NULL };
	struct pf_proc_opts o = { 0 };
	struct pf_proc_result r;
	char *cwd = NULL;
	int ret = 0;

	pf_proc_result_init(&r);
	o.argv = argv;
	o.timeout_ms = 30000;
	if (pf_proc_run(&r, &o)) {
		ret = pf_error_set("cannot run git: %s", pf_error_last());
		goto out;
	}
	pf_buf_rtrim(&r.out);
	if (r.signaled || r.exit_code || !r.out.len ||
	    memchr(r.out.buf, '\n', r.out.len)) {
		ret = pf_error_set("cannot ask git where this repository "
				   "keeps its hooks");
		goto out;
	}
	if (r.out.buf[0] != '/') {
		cwd = getcwd(NULL, 0);
		if (!cwd) {
			ret = pf_error_set("cannot find the current "
					   "directory: %s",
					   strerror(errno));
			goto out;
		}
		pf_buf_addf(out, "%s/", cwd);
	}
	pf_buf_add(out, r.out.buf, r.out.len);
out:
	free(cwd);
	pf_proc_result_release(&r);
	return ret;
}

static int put_back(const char *orig, const char *hook)
{
	if (rename(orig, hook))
		return pf_error_set("cannot move %s back to %s: %s", orig, hook,
				    strerror(errno));
	return 0;
}

/* install.sh --uninstall, case by case and word for word. */
static int remove_hook(void)
{
	struct pf_buf dir = PF_BUF_INIT, hook = PF_BUF_INIT, orig = PF_BUF_INIT;
	int ret;

	ret = hooks_dir(&dir);
	if (ret)
		goto out;
	/* The prescan's post-commit hook (install.sh --prescan), quietly
	 * when there is none. */
	pf_buf_addf(&hook, "%s/post-commit", dir.buf);
	pf_buf_addf(&orig, "%s/post-commit" ORIG_SUFFIX, dir.buf);
	if (is_ours(hook.buf) && !unlink(hook.buf) &&
	    (!exists(orig.buf) || !put_back(orig.buf, hook.buf)))
		printf("pushfix: post-commit hook removed: %s\n", hook.buf);
	pf_error_clear();
	pf_buf_reset(&hook);
	pf_buf_reset(&orig);
	pf_buf_addf(&hook, "%s/pre-push", dir.buf);
	pf_buf_addf(&orig, "%s/pre-push" ORIG_SUFFIX, dir.buf);
	if (is_ours(hook.buf)) {
		if (unlink(hook.buf)) {
			ret = pf_error_set("cannot remove %s: %s", hook.buf,
					   strerror(errno));
			goto out;
		}
		if (exists(orig.buf)) {
			ret = put_back(orig.buf, hook.buf);
			if (!ret)
				printf("pushfix: hook removed; your previous "
				       "pre-push hook is back: %s\n",
				       hook.buf);
		} else {
			printf("pushfix: hook removed: %s\n", hook.buf);
		}
	} else if (!exists(hook.buf) && exists(orig.buf)) {
		/* Our hook was deleted by hand: still put the user's back. */
		ret = put_back(orig.buf, hook.buf);
		if (!ret)
			printf("pushfix: your previous pre-push hook is back: "
			       "%s\n",
			       hook.buf);
	} else if (exists(orig.buf)) {
		fprintf(stderr,
			"pushfix: warning: %s is not pushfix's hook: left it "
			"and %s as they are\n",
			hook.buf, orig.buf);
	} else {
		printf("pushfix: no pushfix hook in %s: nothing to remove\n",
		       dir.buf);
	}
out:
	pf_buf_release(&dir);
	pf_buf_release(&hook);
	pf_buf_release(&orig);
	return ret;
}

static int not_dots(const struct dirent *de)
{
	return strcmp(de->d_name, ".") && strcmp(de->d_name, "..");
}

/* "cache/, sent.jsonl, ...": what the directory holds, sorted. */
static void list_entries(struct pf_buf *out, const char *path)
{
	struct dirent **v = NULL;
	int nr = scandir(path, &v, not_dots, alphasort);

	for (int i = 0; i < nr; i++) {
		struct pf_buf sub = PF_BUF_INIT;
		struct stat st;

		pf_buf_addf(&sub, "%s/%s", path, v[i]->d_name);
		pf_buf_addf(out, "%s%s%s", i ? ", " : "", v[i]->d_name,
			    !lstat(sub.buf, &st) && S_ISDIR(st.st_mode) ? "/"
									: "");
		pf_buf_release(&sub);
		free(v[i]);
	}
	free(v);
}

/* y on the terminal, when there is one; anything else keeps it. */
static int ask_purge(const char *state_dir)
{
	char line[64];

	fprintf(stderr,
		"pushfix: remove %s too (sent log, caches, decisions, "
		"outbox)? [y/N] ",
		state_dir);
	fflush(stderr);
	if (!fgets(line, sizeof(line), stdin)) {
		fputc('\n', stderr);
		return 0;
	}
	return line[0] == 'y' || line[0] == 'Y';
}

/*
 * .git/pushfix/: removed with --purge or a y on the terminal; kept (and
 * how to remove it said) otherwise.
 */
static int purge_state(const char *state_dir, int purge, int keep)
{
	struct pf_buf what = PF_BUF_INIT;
	struct stat st;
	int ret = 0;

	if (lstat(state_dir, &st)) {
		if (purge)
			printf("pushfix: no %s: nothing to purge\n", state_dir);
		return 0;
	}
	if (!purge && !keep && isatty(STDIN_FILENO))
		purge = ask_purge(state_dir);
	if (!purge) {
		printf("pushfix: kept %s (sent log, caches, decisions, "
		       "outbox); remove it with `pushfix uninstall "
		       "--purge`\n",
		       state_dir);
		return 0;
	}
	list_entries(&what, state_dir);
	ret = pf_remove_tree(state_dir);
	if (!ret)
		printf("pushfix: removed %s%s%s%s\n", state_dir,
		       what.len ? " (" : "", what.len ? what.buf : "",
		       what.len ? ")" : "");
	pf_buf_release(&what);
	return ret;
}

static const struct cli_command uninstall_cmd = {
	.name = "uninstall",
	.synopsis = "[--purge | --keep]",
	.about = "Removes pushfix's pre-push hook from this repository and "
		 "puts back the\nhook that was there before, byte for byte "
		 "(as `install.sh --uninstall`).\nThen .git/pushfix/ (sent "
		 "log, caches, decisions, outbox): removed with\n--purge, "
		 "kept with --keep, otherwise asked on a terminal and kept "
		 "without\none.  The binary stays: other repositories may "
		 "use it.\n",
	.max_args = 0,
};

int cmd_uninstall(int argc, const char **argv)
{
	struct pf_run run;
	int purge = 0, keep = 0, ret, n;
	const struct cli_option options[] = {
		CLI_OPT_BOOL(0, "purge", &purge,
			     "also remove .git/pushfix/ without asking"),
		CLI_OPT_BOOL(0, "keep", &keep,
			     "keep .git/pushfix/ without asking"),
		CLI_OPT_END,
	};
	struct cli_command cmd = uninstall_cmd;

	cmd.options = options;
	n = cli_parse(&cmd, argc, argv);
	if (n < 0)
		return cli_exit(n);
	if (purge && keep) {
		fprintf(stderr, "error: --purge and --keep exclude each "
				"other\n");
		cli_usage_line(&cmd, stderr);
		return 2;
	}
	if (pf_run_open_repo(&run, NULL)) {
		fprintf(stderr, "error: %s\n", pf_error_last());
		pf_run_release(&run);
		return 1;
	}
	ret = remove_hook();
	if (ret)
		fprintf(stderr, "error: %s\n", pf_error_last());
	/* The state goes (or stays) whatever became of the hook. */
	if (purge_state(run.state_dir, purge, keep)) {
		fprintf(stderr, "error: %s\n", pf_error_last());
		ret = PF_ERROR;
	}
	pf_run_release(&run);
	return ret ? 1 : 0;
}
