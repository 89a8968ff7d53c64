#ifndef PUSHFIX_DIFF_H
#define PUSHFIX_DIFF_H

#include <stddef.h>
#include <git2.h>

#include "pushfix/buf.h"
#include "pushfix/interval.h"

/*
 * The diff stage: a range of commits -> the changeset, i.e. per file the
 * new-side lines that were added or modified.  Files are identified by
 * (path, blob): two refs that push different versions of one path give two
 * entries; the same version pushed twice merges its line sets.
 */

struct pf_changed_file {
	char *path;	/* repository-relative, at the tip */
	char *old_path; /* before a rename/copy, else NULL */
	char blob_oid[GIT_OID_HEXSZ + 1];
	unsigned mode;		   /* git file mode (0100644, 0100755) */
	struct pf_intervals lines; /* normalised after pf_diff_* returns */
	int whole_file;		   /* --all: every line counts as changed */
	/* Pushed content (NUL-terminated after content_len): the diff keeps
	 * the blobs it read; pf_changeset_load() fills any still NULL. */
	char *content;
	size_t content_len;
	/* NULL when the file has added lines (or whole_file); else why a
	 * file with none is in the changeset (only with keep_unchanged):
	 * PF_WHY_REMOVED, PF_WHY_RENAMED or PF_WHY_MODE, static strings. */
	const char *why;
};

#define PF_WHY_REMOVED "only lines removed"
#define PF_WHY_RENAMED "content unchanged"
#define PF_WHY_MODE "mode changed, content unchanged"

struct pf_skipped_file {
	char *path;
	const char *reason; /* "binary", "deleted", "submodule", "symlink",
			       "larger than N bytes"; a copy owned (and
			       freed) by the changeset */
};

/* The reason of a path pf_diff_path_refused() turned away. */
#define PF_SKIP_REFUSED "a path git refuses to check out"

struct pf_changeset {
	struct pf_changed_file *files;
	size_t nr, alloc;
	struct pf_skipped_file *skipped;
	size_t skipped_nr, skipped_alloc;
	/* The commits of the ranges diffed (pf_diff_range), each once:
	 * what a report says it covered. */
	git_oid *commits;
	size_t commits_nr, commits_alloc;
};

#define PF_CHANGESET_INIT                                                      \
	{                                                                      \
		NULL, 0, 0, NULL, 0, 0, NULL, 0, 0                             \
	}

struct pf_diff_opts {
	unsigned long max_file_bytes; /* 0: no limit */
	int find_renames;	      /* follow renames (default on) */
	/* Also keep the files that gain no line: only lines removed, a
	 * pure rename, a mode change ([scan] filter = file | all: their
	 * findings count).  A deleted file stays skipped. */
	int keep_unchanged;
};

void pf_changeset_release(struct pf_changeset *cs);

/* base may be NULL: the empty tree (a first push). */
int pf_diff_range(struct pf_changeset *cs, git_repository *repo,
		  const git_oid *base, const git_oid *tip,
		  const struct pf_diff_opts *opts);
/* HEAD (or the empty tree) against the index: `pushfix scan --staged`. */
int pf_diff_staged(struct pf_changeset *cs, git_repository *repo,
		   const struct pf_diff_opts *opts);
/* Every file of tip's tree, whole: `pushfix scan --all`. */
int pf_diff_all(struct pf_changeset *cs, git_repository *repo,
		const git_oid *tip, const struct pf_diff_opts *opts);

/* Sort files by path (then blob) and normalise each line set. */
void pf_changeset_finish(struct pf_changeset *cs);

/* Read every file's blob into file->content. */
int pf_changeset_load(struct pf_changeset *cs, git_repository *repo);

/* Look a file up by path; NULL if absent. */
struct pf_changed_file *pf_changeset_find(const struct pf_changeset *cs,
					  const char *path);

/*
 * Would git's checkout refuse this path (mode: git's file mode)?  `.git`
 * in any case as any component, the names NTFS and HFS+ take for it
 * (".git.", "git~1", ".g\u200cit"), and .gitmodules as a symlink.  Such
 * paths are never written to disk nor given to a scanner.
 */
int pf_diff_path_refused(const char *path, unsigned mode);

/* "not scanned, paths git refuses to check out: a, b" for the changeset's
 * refused paths, appended to `out`; nothing when there are none. */
void pf_changeset_refused_note(const struct pf_changeset *cs,
			       struct pf_buf *out);

/* `pushfix changes`: "path<TAB>3-7,12\n" per file, sorted; files with no
 * added line are left to pf_changeset_format_unadded(). */
void pf_changeset_format(const struct pf_changeset *cs, struct pf_buf *out);

/* "path: renamed from X, content unchanged\n" for each file in the
 * changeset with no added line (file->why), sorted. */
void pf_changeset_format_unadded(const struct pf_changeset *cs,
				 struct pf_buf *out);

/* Lines counted as added: the sum of every file's line sets (a whole
 * file counts all its lines). */
size_t pf_changeset_added_lines(const struct pf_changeset *cs);

#endif
