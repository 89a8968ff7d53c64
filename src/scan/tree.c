/*
 * [scan] tree = full: the whole pushed commit laid out in the scan
 * directory, for a scanner that reads the files the push did not change
 * (the clang analyzer's headers).  Only the changed files are targets.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <git2.h>

#include "pushfix/buf.h"
#include "pushfix/diff.h"
#include "pushfix/err.h"
#include "pushfix/fs.h"
#include "pushfix/scan.h"
#include "pushfix/util.h"
#include "plan.h"

/* Larger blobs are left out: a generated blob is no header. */
#define TREE_FILE_CAP (8u << 20)

struct layout {
	const char *dir;
	git_repository *repo;
	git_index *index; /* NULL: no work tree to copy from */
	const char *worktree;
	struct pf_buf data;
	int ret;
};

/* The work tree's copy, when git's index says it is this blob as is. */
static int from_worktree(struct layout *l, const char *rel, const git_oid *id)
{
	const git_index_entry *ie;
	struct pf_buf wt = PF_BUF_INIT;
	struct stat st;
	int ok = 0;

	if (!l->index)
		return 0;
	ie = git_index_get_bypath(l->index, rel, 0);
	if (!ie || !git_oid_equal(&ie->id, id))
		return 0;
	pf_buf_addf(&wt, "%s/%s", l->worktree, rel);
	if (!lstat(wt.buf, &st) && S_ISREG(st.st_mode) &&
	    (uint32_t)st.st_size == ie->file_size &&
	    (int32_t)st.st_mtime == ie->mtime.seconds &&
	    (uint32_t)st.st_mtim.tv_nsec == ie->mtime.nanoseconds) {
		pf_buf_reset(&l->data);
		ok = !pf_buf_read_file(&l->data, wt.buf, TREE_FILE_CAP) &&
		     l->data.len == ie->file_size;
		pf_error_clear();
	}
	pf_buf_release(&wt);
	return ok;
}

/* `data` as the file `rel` under `dir`, its directories made (0700). */
int pf_scan_write_file(const char *dir, const char *rel, const char *data,
		       size_t len)
{
	struct pf_buf path = PF_BUF_INIT;
	char *slash;
	FILE *f;
	int ret = 0;

	pf_buf_addf(&path, "%s/%s", dir, rel);
	slash = strrchr(path.buf, '/');
	*slash = '\0';
	ret = pf_mkdir_p(path.buf, 0700);
	*slash = '/';
	if (ret)
		goto out;
	f = fopen(path.buf, "wb");
	if (!f || (len && fwrite(data, 1, len, f) != len) || fclose(f)) {
		ret = pf_error_set("cannot write '%s': %s", path.buf,
				   strerror(errno));
		if (f)
			fclose(f);
	}
out:
	pf_buf_release(&path);
	return ret;
}

static int one_entry(const char *root, const git_tree_entry *e, void *payload)
{
	struct layout *l = payload;
	git_filemode_t mode = git_tree_entry_filemode(e);
	struct pf_buf rel = PF_BUF_INIT;
	git_blob *blob = NULL;
	int ret = 0;

	if (git_tree_entry_type(e) == GIT_OBJECT_TREE)
		return 0;
	if (mode != GIT_FILEMODE_BLOB && mode != GIT_FILEMODE_BLOB_EXECUTABLE)
		return 0;
	pf_buf_addf(&rel, "%s%s", root, git_tree_entry_name(e));
	if (pf_diff_path_refused(rel.buf, (unsigned)mode))
		goto out;
	if (from_worktree(l, rel.buf, git_tree_entry_id(e))) {
		ret = pf_scan_write_file(l->dir, rel.buf, l->data.buf,
					 l->data.len);
	} else if (!git_blob_lookup(&blob, l->repo, git_tree_entry_id(e))) {
		if (git_blob_rawsize(blob) <= TREE_FILE_CAP)
			ret = pf_scan_write_file(
				l->dir, rel.buf, git_blob_rawcontent(blob),
				(size_t)git_blob_rawsize(blob));
		git_blob_free(blob);
	}
out:
	pf_buf_release(&rel);
	if (ret)
		l->ret = ret;
	return ret;
}

int pf_scan_tree_write(const char *dir, const struct pf_scan_tree *tree)
{
	struct layout l = { .dir = dir,
			    .repo = tree->repo,
			    .worktree = tree->worktree,
			    .data = PF_BUF_INIT };
	git_commit *c = NULL;
	git_tree *t = NULL;
	git_oid oid;
	int ret = 0;

	if (git_oid_fromstr(&oid, tree->commit) ||
	    git_commit_lookup(&c, tree->repo, &oid) || git_commit_tree(&t, c)) {
		ret = pf_error_set("[scan] tree = full: cannot read the tree "
				   "of %.12s: %s",
				   tree->commit,
				   git_error_last() ? git_error_last()->message
						    : "unknown error");
		goto out;
	}
	if (tree->worktree && git_repository_index(&l.index, tree->repo))
		l.index = NULL;
	if (git_tree_walk(t, GIT_TREEWALK_PRE, one_entry, &l) && !l.ret)
		ret = pf_error_set("[scan] tree = full: cannot walk the tree "
				   "of %.12s",
				   tree->commit);
	if (l.ret)
		ret = l.ret;
out:
	git_error_clear();
	git_index_free(l.index);
	git_tree_free(t);
	git_commit_free(c);
	pf_buf_release(&l.data);
	return ret;
}

int pf_scan_tree_id(char out[GIT_OID_HEXSZ + 1],
		    const struct pf_scan_tree *tree)
{
	git_commit *c = NULL;
	git_oid oid;
	int ret = -1;

	out[0] = '\0';
	if (!git_oid_fromstr(&oid, tree->commit) &&
	    !git_commit_lookup(&c, tree->repo, &oid)) {
		git_oid_tostr(out, GIT_OID_HEXSZ + 1, git_commit_tree_id(c));
		ret = 0;
	}
	git_error_clear();
	git_commit_free(c);
	return ret;
}
