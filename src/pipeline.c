#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "pushfix/decision.h"
#include "pushfix/err.h"
#include "pushfix/filter.h"
#include "pushfix/pipeline.h"
#include "pushfix/policy.h"
#include "pushfix/progress.h"
#include "pushfix/scan.h"
#include "pushfix/secret.h"
#include "pushfix/util.h"

/* Blobs bigger than this are never read for a scan, whatever the config. */
#define IGNORE_FILE_CAP (1u << 20)

static void trim_slash(char *s)
{
	size_t n = strlen(s);

	while (n > 1 && s[n - 1] == '/')
		s[--n] = '\0';
}

/* A Semgrep registry name or URL, not a path: left alone. */
static int is_registry(const char *c)
{
	return !strcmp(c, "auto") || pf_starts_with(c, "p/") ||
	       pf_starts_with(c, "r/") || pf_starts_with(c, "s/") ||
	       strstr(c, "://");
}

/*
 * The scanner runs in a temp dir, so a relative rules path
 * (`semgrep_config = .semgrep.yml`) must become absolute: relative to the
 * repository's top, else to the current directory (`pushfix scan` from a
 * subdirectory, an environment override), and "~/" is the home
 * directory, as a shell would have it.  Registry names (p/default), URLs
 * and paths that exist nowhere are left alone: Semgrep names those.
 */
static void absolutise_rules(struct pf_run *run)
{
	char *c = run->cfg.scan.semgrep_config;
	const char *home = getenv("HOME");
	struct pf_buf out = PF_BUF_INIT;

	if (!c)
		return;
	while (*c) {
		const char *e = strchr(c, ',');
		size_t n = e ? (size_t)(e - c) : strlen(c);
		struct pf_buf one = PF_BUF_INIT, abs = PF_BUF_INIT;
		struct stat st;
		char *real = NULL;

		pf_buf_add(&one, c, n);
		if (out.len)
			pf_buf_addch(&out, ',');
		if (pf_starts_with(one.buf, "~/") && home && *home) {
			pf_buf_addf(&abs, "%s/%s", home, one.buf + 2);
		} else if (one.buf[0] != '/' && !is_registry(one.buf)) {
			if (run->worktree)
				pf_buf_addf(&abs, "%s/%s", run->worktree,
					    one.buf);
			if (!abs.len || stat(abs.buf, &st)) {
				pf_buf_reset(&abs);
				real = realpath(one.buf, NULL);
				if (real)
					pf_buf_addstr(&abs, real);
			}
		}
		pf_buf_add(&out, abs.len ? abs.buf : one.buf,
			   abs.len ? abs.len : one.len);
		free(real);
		pf_buf_release(&one);
		pf_buf_release(&abs);
		c += n + (e ? 1 : 0);
	}
	free(run->cfg.scan.semgrep_config);
	run->cfg.scan.semgrep_config = pf_buf_detach(&out, NULL);
}

int pf_run_open_repo(struct pf_run *run, const char *path)
{
	const char *wd;
	struct pf_buf sd = PF_BUF_INIT;

	memset(run, 0, sizeof(*run));
	pf_config_init(&run->cfg);
	pf_scan_result_init(&run->scan);
	pf_buf_init(&run->ignore);
	run->msg = stderr;
	if (git_repository_open_ext(&run->repo, path ? path : ".", 0, NULL))
		return pf_error_setc(PF_ENOTFOUND, "not a git repository: %s",
				     path ? path : "the current directory");
	wd = git_repository_workdir(run->repo);
	if (wd) {
		run->worktree = pf_xstrdup(wd);
		trim_slash(run->worktree);
	}
	run->gitdir = pf_xstrdup(git_repository_commondir(run->repo));
	trim_slash(run->gitdir);
	pf_buf_addf(&sd, "%s/pushfix", run->gitdir);
	run->state_dir = pf_buf_detach(&sd, NULL);
	return 0;
}

int pf_run_open(struct pf_run *run, const char *path)
{
	struct pf_buf warnings = PF_BUF_INIT;
	int ret;

	ret = pf_run_open_repo(run, path);
	if (ret)
		return ret;
	ret = pf_config_load(&run->cfg, run->worktree, run->gitdir, &warnings);
	if (warnings.len)
		fputs(warnings.buf, run->msg);
	pf_buf_release(&warnings);
	if (ret)
		return ret;
	run->verbose = run->cfg.core.verbose;
	absolutise_rules(run);
	return 0;
}

void pf_run_release(struct pf_run *run)
{
	if (!run)
		return;
	pf_findings_release(&run->findings);
	pf_findings_release(&run->monitored);
	pf_changeset_release(&run->cs);
	pf_push_release(&run->push);
	pf_scan_result_release(&run->scan);
	pf_config_release(&run->cfg);
	pf_buf_release(&run->ignore);
	git_repository_free(run->repo);
	free(run->worktree);
	free(run->gitdir);
	free(run->state_dir);
	free(run->remote_name);
	free(run->remote_url);
	memset(run, 0, sizeof(*run));
}

static void diff_opts(const struct pf_run *run, struct pf_diff_opts *o)
{
	memset(o, 0, sizeof(*o));
	o->max_file_bytes = run->cfg.scan.max_file_bytes;
	o->find_renames = 1;
	/* Files that only lost lines or moved hold findings these modes
	 * keep; `added` and `context` have nothing to keep there. */
	o->keep_unchanged = run->cfg.scan.filter == PF_FILTER_FILE ||
			    run->cfg.scan.filter == PF_FILTER_ALL;
}

static int finish_changes(struct pf_run *run)
{
	pf_changeset_finish(&run->cs);
	return pf_changeset_load(&run->cs, run->repo);
}

int pf_run_changes_push(struct pf_run *run, const char *stdin_data, size_t len)
{
	struct pf_diff_opts o;
	int ret;

	diff_opts(run, &o);
	ret = pf_push_parse(&run->push, stdin_data, len);
	if (ret)
		return ret;
	ret = pf_push_resolve(&run->push, run->repo,
			      run->remote_name ? run->remote_name : "origin");
	if (ret)
		return ret;
	for (size_t i = 0; i < run->push.nr; i++) {
		struct pf_push_update *u = &run->push.v[i];
		git_oid base, tip;

		if (u->kind == PF_PUSH_DELETE || u->nothing_to_scan)
			continue;
		if (git_oid_fromstr(&tip, u->tip_oid) ||
		    (u->has_base && git_oid_fromstr(&base, u->base_oid)))
			return pf_error_setc(PF_EINVALID,
					     "bad object id for %s",
					     u->local_ref);
		ret = pf_diff_range(&run->cs, run->repo,
				    u->has_base ? &base : NULL, &tip, &o);
		if (ret)
			return ret;
		if (!run->ignore_tip[0])
			memcpy(run->ignore_tip, u->tip_oid,
			       sizeof(run->ignore_tip));
	}
	return finish_changes(run);
}

static int peel_commit(git_commit **out, git_object *obj, const char *what)
{
	if (git_object_peel((git_object **)out, obj, GIT_OBJECT_COMMIT))
		return pf_error_setc(PF_EINVALID, "'%s' is not a commit", what);
	return 0;
}

/* branch.<b>.<var> (or `var` alone when b is NULL) of git's config, or
 * NULL; a copy to free. */
static char *config_str(git_config *cfg, const char *b, const char *var)
{
	struct pf_buf key = PF_BUF_INIT;
	git_buf v = { 0 };
	char *s = NULL;

	if (b)
		pf_buf_addf(&key, "branch.%s.%s", b, var);
	else
		pf_buf_addstr(&key, var);
	if (cfg && !git_config_get_string_buf(&v, cfg, key.buf) && v.ptr &&
	    *v.ptr)
		s = pf_xstrdup(v.ptr);
	git_buf_dispose(&v);
	git_error_clear();
	pf_buf_release(&key);
	return s;
}

/*
 * The remote-tracking ref of branch `merge` of `remote`, through
 * remote.<remote>.fetch (git_branch_upstream() would do it, but it looks
 * the remote up with a regex whose match data libgit2 1.5 leaks).
 */
static int tracking_ref(git_reference **out, git_repository *repo,
			git_config *cfg, const char *remote, const char *merge)
{
	git_config_iterator *it = NULL;
	git_config_entry *e;
	struct pf_buf key = PF_BUF_INIT;
	int found = 0;

	*out = NULL;
	pf_buf_addf(&key, "remote.%s.fetch", remote);
	if (git_config_multivar_iterator_new(&it, cfg, key.buf, NULL))
		goto out;
	while (!found && !git_config_next(&e, it)) {
		git_refspec *spec = NULL;
		git_buf dst = { 0 };

		if (!git_refspec_parse(&spec, e->value, 1) &&
		    git_refspec_src_matches(spec, merge) &&
		    !git_refspec_transform(&dst, spec, merge) &&
		    !git_reference_lookup(out, repo, dst.ptr))
			found = 1;
		git_buf_dispose(&dst);
		git_refspec_free(spec);
	}
out:
	git_config_iterator_free(it);
	git_error_clear();
	pf_buf_release(&key);
	return found;
}

/*
 * No range given: what `git push` would send from HEAD.  Its remote is
 * git's: branch.<b>.pushRemote, remote.pushDefault, branch.<b>.remote,
 * origin.  What that remote has of the branch is the upstream when the
 * upstream lives there, else <remote>/<b>; without either it is a new
 * branch: the commits no ref of that remote has.
 */
static int changes_unpushed(struct pf_run *run)
{
	git_reference *head = NULL, *track = NULL;
	git_config *cfg = NULL;
	struct pf_buf line = PF_BUF_INIT, name = PF_BUF_INIT;
	const git_oid *hoid;
	const char *branch = NULL;
	char *remote = NULL, *up_remote = NULL, *up_merge = NULL;
	char local_hex[GIT_OID_HEXSZ + 1];
	char remote_hex[GIT_OID_HEXSZ + 1] =
		"0000000000000000000000000000000000000000";
	int ret;

	if (git_repository_head(&head, run->repo))
		return pf_error_git("cannot read HEAD");
	hoid = git_reference_target(head);
	if (git_reference_is_branch(head))
		branch = git_reference_shorthand(head);
	if (git_repository_config_snapshot(&cfg, run->repo))
		cfg = NULL;
	if (branch) {
		remote = config_str(cfg, branch, "pushRemote");
		up_remote = config_str(cfg, branch, "remote");
		up_merge = config_str(cfg, branch, "merge");
	}
	if (!remote)
		remote = config_str(cfg, NULL, "remote.pushDefault");
	if (!remote && up_remote)
		remote = pf_xstrdup(up_remote);
	if (!remote)
		remote = pf_xstrdup("origin");
	if (cfg && up_remote && up_merge && !strcmp(up_remote, remote))
		tracking_ref(&track, run->repo, cfg, remote, up_merge);
	if (branch && !track) {
		pf_buf_addf(&name, "refs/remotes/%s/%s", remote, branch);
		if (git_reference_lookup(&track, run->repo, name.buf))
			track = NULL;
	}
	git_error_clear();
	/* git_oid_tostr_s() has one buffer: not twice in one call. */
	git_oid_tostr(local_hex, sizeof(local_hex), hoid);
	if (track && git_reference_target(track))
		git_oid_tostr(remote_hex, sizeof(remote_hex),
			      git_reference_target(track));
	pf_buf_addf(&line, "%s %s %s %s\n",
		    branch ? git_reference_name(head) : "HEAD", local_hex,
		    branch ? git_reference_name(head) : "refs/heads/HEAD",
		    remote_hex);
	if (!run->remote_name)
		run->remote_name = pf_xstrdup(remote);
	ret = pf_run_changes_push(run, line.buf, line.len);
	free(remote);
	free(up_remote);
	free(up_merge);
	git_reference_free(track);
	git_reference_free(head);
	git_config_free(cfg);
	pf_buf_release(&line);
	pf_buf_release(&name);
	return ret;
}

int pf_run_changes_range(struct pf_run *run, const char *range)
{
	git_revspec spec;
	git_commit *from = NULL, *to = NULL, *parent = NULL;
	git_oid base;
	const git_oid *basep = NULL;
	struct pf_diff_opts o;
	int ret = 0;

	if (!range || !*range)
		return changes_unpushed(run);
	diff_opts(run, &o);
	memset(&spec, 0, sizeof(spec));
	if (git_revparse(&spec, run->repo, range)) {
		pf_error_git(range);
		ret = PF_EINVALID;
		goto out;
	}
	if (spec.flags & GIT_REVSPEC_SINGLE) {
		/* One commit: its own changes, as `git show` has them. */
		ret = peel_commit(&to, spec.from, range);
		if (ret)
			goto out;
		if (git_commit_parentcount(to) &&
		    !git_commit_parent(&parent, to, 0)) {
			git_oid_cpy(&base, git_commit_id(parent));
			basep = &base;
		}
	} else {
		ret = peel_commit(&to, spec.to, range);
		if (!ret && spec.from)
			ret = peel_commit(&from, spec.from, range);
		if (ret)
			goto out;
		if (from && (spec.flags & GIT_REVSPEC_MERGE_BASE)) {
			if (git_merge_base(&base, run->repo,
					   git_commit_id(from),
					   git_commit_id(to))) {
				ret = pf_error_git(range);
				goto out;
			}
			basep = &base;
		} else if (from) {
			git_oid_cpy(&base, git_commit_id(from));
			basep = &base;
		}
	}
	git_oid_tostr(run->ignore_tip, sizeof(run->ignore_tip),
		      git_commit_id(to));
	ret = pf_diff_range(&run->cs, run->repo, basep, git_commit_id(to), &o);
	if (!ret)
		ret = finish_changes(run);
out:
	git_commit_free(parent);
	git_commit_free(from);
	git_commit_free(to);
	git_object_free(spec.from);
	git_object_free(spec.to);
	return ret;
}

int pf_run_changes_staged(struct pf_run *run)
{
	struct pf_diff_opts o;
	int ret;

	diff_opts(run, &o);
	ret = pf_diff_staged(&run->cs, run->repo, &o);
	if (!ret)
		ret = finish_changes(run);
	/* The .semgrepignore is the index's (pf_run_ignore_file). */
	return ret;
}

int pf_run_changes_all(struct pf_run *run, const char *rev)
{
	git_object *obj = NULL;
	git_commit *c = NULL;
	struct pf_diff_opts o;
	const char *r = rev && *rev ? rev : "HEAD";
	int ret;

	diff_opts(run, &o);
	if (git_revparse_single(&obj, run->repo, r))
		return pf_error_setc(PF_EINVALID, "unknown revision '%s'", r);
	ret = peel_commit(&c, obj, r);
	if (!ret) {
		git_oid_tostr(run->ignore_tip, sizeof(run->ignore_tip),
			      git_commit_id(c));
		ret = pf_diff_all(&run->cs, run->repo, git_commit_id(c), &o);
	}
	if (!ret)
		ret = finish_changes(run);
	git_commit_free(c);
	git_object_free(obj);
	return ret;
}

/* The index's .semgrepignore (--staged scans the index). */
static void ignore_from_index(struct pf_run *run)
{
	git_index *index = NULL;
	const git_index_entry *e;
	git_blob *blob = NULL;

	if (git_repository_index(&index, run->repo))
		goto out;
	e = git_index_get_bypath(index, ".semgrepignore", 0);
	if (!e || (e->mode & 0170000) != 0100000 ||
	    git_blob_lookup(&blob, run->repo, &e->id))
		goto out;
	if (git_blob_rawsize(blob) <= IGNORE_FILE_CAP) {
		pf_buf_add(&run->ignore, git_blob_rawcontent(blob),
			   (size_t)git_blob_rawsize(blob));
		run->ignore_state = 1;
	}
out:
	git_error_clear();
	git_blob_free(blob);
	git_index_free(index);
}

const char *pf_run_ignore_file(struct pf_run *run, size_t *len)
{
	git_oid oid;
	git_commit *c = NULL;
	git_tree *tree = NULL;
	git_tree_entry *te = NULL;
	git_blob *blob = NULL;

	*len = 0;
	if (run->ignore_state)
		goto done;
	run->ignore_state = -1;
	if (!run->ignore_tip[0]) {
		ignore_from_index(run);
		goto done;
	}
	/* A symlink's blob is its target's name, not an ignore file. */
	if (git_oid_fromstr(&oid, run->ignore_tip) ||
	    git_commit_lookup(&c, run->repo, &oid) ||
	    git_commit_tree(&tree, c) ||
	    git_tree_entry_bypath(&te, tree, ".semgrepignore") ||
	    git_tree_entry_type(te) != GIT_OBJECT_BLOB ||
	    git_tree_entry_filemode(te) == GIT_FILEMODE_LINK ||
	    git_blob_lookup(&blob, run->repo, git_tree_entry_id(te)))
		goto cleanup;
	if (git_blob_rawsize(blob) <= IGNORE_FILE_CAP) {
		pf_buf_add(&run->ignore, git_blob_rawcontent(blob),
			   (size_t)git_blob_rawsize(blob));
		run->ignore_state = 1;
	}
cleanup:
	git_error_clear();
	git_blob_free(blob);
	git_tree_entry_free(te);
	git_tree_free(tree);
	git_commit_free(c);
done:
	if (run->ignore_state != 1)
		return NULL;
	*len = run->ignore.len;
	return run->ignore.buf;
}

/*
 * The finding's [rules] mode (issue 15), and the warnings it earns once
 * per rule: a rule in two lists equally, a credential a repository's file
 * would unblock.
 */
static enum pf_mode assign_mode(struct pf_run *run, struct pf_finding *f)
{
	const char *weaker;
	int refused;
	struct pf_buf w = PF_BUF_INIT;

	f->mode = pf_policy_mode(&run->cfg, f, &weaker, &refused);
	if (weaker)
		pf_buf_addf(&w,
			    "warning: [rules]: %s is named in %s and in %s "
			    "alike; %s wins\n",
			    f->rule_id, weaker, pf_mode_name(f->mode),
			    pf_mode_name(f->mode));
	else if (refused)
		pf_buf_addf(&w,
			    "warning: [rules] comment of the repository's "
			    ".pushfix.ini does not apply to %s: a repository "
			    "may not unblock credentials\n",
			    f->rule_id);
	if (w.len && !strstr(run->scan.diag.buf, w.buf))
		pf_buf_add(&run->scan.diag, w.buf, w.len);
	pf_buf_release(&w);
	return f->mode;
}

int pf_run_scan(struct pf_run *run)
{
	struct pf_findings *fs = &run->findings;
	struct pf_lines *ix = NULL;
	size_t ilen, kept = 0;
	const char *ignore = pf_run_ignore_file(run, &ilen);
	/* tree = full lays out the tip whose .semgrepignore applies. */
	struct pf_scan_tree tree = { run->repo, run->ignore_tip,
				     run->worktree };
	struct pf_buf who = PF_BUF_INIT;
	int ret, nsecrets;

	pf_progress_setup(run->msg && run->cfg.ui.progress != PF_NEVER);
	pf_scan_names(&run->cfg, &who);
	pf_progress_begin(0, "scanning %zu file%s with %s", run->cs.nr,
			  run->cs.nr == 1 ? "" : "s", who.buf);
	pf_buf_release(&who);
	pf_scan_result_use_cache(&run->scan, run->state_dir, run->no_cache);
	ret = pf_scan_changeset(fs, &run->scan, &run->cfg, &run->cs, ignore,
				ilen, run->ignore_tip[0] ? &tree : NULL);
	pf_progress_end();
	/* pushfix's own secret findings (issue 11), whatever the scanner:
	 * a missing or failing scanner must not hide a pushed key.  With
	 * none found, the scanner's failure stays the push's fault (the
	 * hook's [policy] on_error); with some, they are shown and the
	 * failure is a warning. */
	nsecrets = pf_secret_scan(fs, &run->cs, &run->cfg);
	if (nsecrets < 0)
		return nsecrets;
	if (ret && !nsecrets)
		return ret;
	if (ret) {
		pf_buf_addf(&run->scan.diag,
			    "warning: %s; only pushfix's secret check ran\n",
			    pf_error_last());
		snprintf(run->scan.engine, sizeof(run->scan.engine), "%s",
			 "pushfix secret check");
	}
	run->dropped = pf_filter_apply(fs, &run->cs, run->cfg.scan.filter,
				       run->cfg.scan.context);
	/* A flood of one report (600 times the same line) is one finding:
	 * one request, one fix, one re-scan; its count says how many. */
	run->merged = pf_findings_merge(fs);
	/* What the developer said to ignore is not shown again. */
	ret = pf_decision_mark_ignored(NULL, fs, run->state_dir);
	/* And what the team said to ignore: .pushfix/ignore, the pushed
	 * commit's (as .semgrepignore), else the working tree's. */
	if (!ret)
		ret = pf_decision_mark_shared(NULL, fs, run->repo,
					      run->ignore_tip, run->worktree,
					      &run->scan.diag);
	if (ret)
		return ret;
	/* In one pass: removing one at a time is quadratic in a flood; and
	 * with each file's line index, built once. */
	ix = pf_xcalloc(run->cs.nr ? run->cs.nr : 1, sizeof(*ix));
	for (size_t i = 0; i < fs->nr; i++) {
		struct pf_finding *f = &fs->v[i];
		const struct pf_changed_file *cf;

		if (f->ignored) {
			pf_finding_release(f);
			run->ignored++;
			continue;
		}
		/* The rule author's fix, as whole lines, for every report;
		 * from the version of the file the finding is in. */
		cf = pf_filter_file_of(&run->cs, f);
		if (cf && cf->content) {
			struct pf_lines *l = &ix[cf - run->cs.files];

			if (!l->begin)
				pf_lines_index(l, cf->content, cf->content_len);
			pf_finding_rule_fix_to_lines_indexed(
				f, cf->content, cf->content_len, l);
		}
		/* Monitor: recorded and counted, nothing more (no LLM, no
		 * prompt, no review). */
		if (assign_mode(run, f) == PF_MODE_MONITOR) {
			*pf_findings_push(&run->monitored) = *f;
			continue;
		}
		if (kept != i)
			fs->v[kept] = *f;
		kept++;
	}
	fs->nr = kept;
	for (size_t k = 0; k < run->cs.nr; k++)
		pf_lines_release(&ix[k]);
	free(ix);
	pf_findings_sort(fs);
	return 0;
}
