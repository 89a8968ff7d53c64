#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "pushfix/decision.h"
#include "pushfix/err.h"
#include "pushfix/filter.h"
#include "pushfix/pipeline.h"
#include "pushfix/util.h"

/* Blobs bigger than this are never read for a scan, whatever the config. */
#define IGNORE_FILE_CAP (1u << 20)

static void trim_slash(char *s)
{
	size_t n = strlen(s);

	while (n > 1 && s[n - 1] == '/')
		s[--n] = '\0';
}

/*
 * The scanner runs in a temp dir, so a repository-relative rules path
 * (`semgrep_config = .semgrep.yml`) must become absolute.  Registry names
 * (p/default) and URLs are left alone: only existing paths change.
 */
static void absolutise_rules(struct pf_run *run)
{
	char *c = run->cfg.scan.semgrep_config;
	struct pf_buf out = PF_BUF_INIT;

	if (!c || !run->worktree)
		return;
	while (*c) {
		const char *e = strchr(c, ',');
		size_t n = e ? (size_t)(e - c) : strlen(c);
		struct pf_buf one = PF_BUF_INIT, abs = PF_BUF_INIT;
		struct stat st;

		pf_buf_add(&one, c, n);
		pf_buf_addf(&abs, "%s/%s", run->worktree, one.buf);
		if (out.len)
			pf_buf_addch(&out, ',');
		if (one.buf[0] != '/' && !strstr(one.buf, "://") &&
		    !stat(abs.buf, &st))
			pf_buf_add(&out, abs.buf, abs.len);
		else
			pf_buf_add(&out, one.buf, one.len);
		pf_buf_release(&one);
		pf_buf_release(&abs);
		c += n + (e ? 1 : 0);
	}
	free(run->cfg.scan.semgrep_config);
	run->cfg.scan.semgrep_config = pf_buf_detach(&out, NULL);
}

int pf_run_open(struct pf_run *run, const char *path)
{
	struct pf_buf warnings = PF_BUF_INIT;
	const char *wd, *common;
	int ret;

	memset(run, 0, sizeof(*run));
	pf_config_init(&run->cfg);
	pf_scan_result_init(&run->scan);
	pf_buf_init(&run->ignore);
	run->msg = stderr;
	if (git_repository_open_ext(&run->repo, path ? path : ".", 0, NULL))
		return pf_error_setc(PF_ENOTFOUND, "not a git repository: %s",
				     path ? path : "the current directory");
	wd = git_repository_workdir(run->repo);
	common = git_repository_commondir(run->repo);
	if (wd) {
		run->worktree = pf_xstrdup(wd);
		trim_slash(run->worktree);
	}
	run->gitdir = pf_xstrdup(common);
	trim_slash(run->gitdir);
	{
		struct pf_buf sd = PF_BUF_INIT;

		pf_buf_addf(&sd, "%s/pushfix", run->gitdir);
		run->state_dir = pf_buf_detach(&sd, NULL);
	}
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
}

static int finish_changes(struct pf_run *run)
{
	pf_changeset_finish(&run->cs);
	return pf_changeset_load(&run->cs, run->repo);
}

int pf_run_changes_push(struct pf_run *run, const char *stdin_data,
			size_t len)
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

/*
 * No range given: what `git push` would send from HEAD, i.e. the commits
 * its upstream (or, without one, any remote-tracking ref) lacks.
 */
static int changes_unpushed(struct pf_run *run)
{
	git_reference *head = NULL, *up = NULL;
	struct pf_buf line = PF_BUF_INIT;
	const git_oid *hoid;
	int ret;

	if (git_repository_head(&head, run->repo))
		return pf_error_git("cannot read HEAD");
	hoid = git_reference_target(head);
	pf_buf_addf(&line, "%s %s ",
		    git_reference_is_branch(head) ? git_reference_name(head)
						  : "HEAD",
		    git_oid_tostr_s(hoid));
	if (git_reference_is_branch(head) &&
	    !git_branch_upstream(&up, head) && git_reference_target(up))
		pf_buf_addf(&line, "%s %s\n", git_reference_name(head),
			    git_oid_tostr_s(git_reference_target(up)));
	else
		pf_buf_addf(&line, "%s %s\n",
			    git_reference_is_branch(head)
				    ? git_reference_name(head)
				    : "refs/heads/HEAD",
			    "0000000000000000000000000000000000000000");
	git_reference_free(up);
	git_reference_free(head);
	ret = pf_run_changes_push(run, line.buf, line.len);
	pf_buf_release(&line);
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
	/* The staged .semgrepignore is not a commit; read the worktree's. */
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
		/* --staged: the working tree's file. */
		struct pf_buf p = PF_BUF_INIT;

		if (run->worktree) {
			pf_buf_addf(&p, "%s/.semgrepignore", run->worktree);
			if (!pf_buf_read_file(&run->ignore, p.buf,
					      IGNORE_FILE_CAP))
				run->ignore_state = 1;
		}
		pf_buf_release(&p);
		pf_error_clear();
		goto done;
	}
	if (git_oid_fromstr(&oid, run->ignore_tip) ||
	    git_commit_lookup(&c, run->repo, &oid) ||
	    git_commit_tree(&tree, c) ||
	    git_tree_entry_bypath(&te, tree, ".semgrepignore") ||
	    git_tree_entry_type(te) != GIT_OBJECT_BLOB ||
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

int pf_run_scan(struct pf_run *run)
{
	size_t ilen;
	const char *ignore = pf_run_ignore_file(run, &ilen);
	int ret;

	ret = pf_scan_changeset(&run->findings, &run->scan, &run->cfg,
				&run->cs, ignore, ilen);
	if (ret)
		return ret;
	run->dropped = pf_filter_apply(&run->findings, &run->cs,
				       run->cfg.scan.filter,
				       run->cfg.scan.context);
	/* What the developer said to ignore is not shown again. */
	ret = pf_decision_mark_ignored(NULL, &run->findings, run->state_dir);
	if (ret)
		return ret;
	for (size_t i = 0; i < run->findings.nr;) {
		struct pf_finding *f = &run->findings.v[i];
		const struct pf_changed_file *cf;

		if (f->ignored) {
			pf_findings_remove(&run->findings, i);
			run->ignored++;
			continue;
		}
		/* The rule author's fix, as whole lines, for every report. */
		cf = pf_changeset_find(&run->cs, f->path);
		if (cf && cf->content)
			pf_finding_rule_fix_to_lines(f, cf->content,
						     cf->content_len);
		i++;
	}
	pf_findings_sort(&run->findings);
	return 0;
}
