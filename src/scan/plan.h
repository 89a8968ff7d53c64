#ifndef PUSHFIX_SCAN_PLAN_H
#define PUSHFIX_SCAN_PLAN_H

/*
 * Which scanners a scan runs and which files each reads, internal to
 * src/scan/.  Semgrep reads every file (it skips what it cannot parse
 * itself); a SARIF command reads [scan] command_files, or flawfinder's own
 * C/C++ list, or every file.
 */
#include <stddef.h>

#include "pushfix/buf.h"
#include "pushfix/config.h"

#define PF_SCAN_MAX_SCANNERS 2

struct pf_scanner {
	int semgrep;
	char name[64];	     /* "semgrep", or the SARIF program's base name */
	struct pf_buf exe;   /* Semgrep's path, or the command's argv[0] */
	const char *command; /* SARIF: the command line (the config's) */
	const char *files;   /* SARIF: [scan] command_files, NULL: none */
	int flawfinder;	     /* SARIF: flawfinder's own extension list */
	int per_file;	     /* {file}: one run per target */
	int sarif_file;	     /* {sarif}: SARIF written to that file */
	int full_tree;	     /* [scan] tree = full (SARIF only) */
};

/* The scanners to run, into sc[0..*n); release each with
 * pf_scanner_release() (also on error).  Errors as a scan's. */
int pf_scan_plan(struct pf_scanner *sc, size_t *n, const struct pf_config *cfg);
void pf_scanner_release(struct pf_scanner *s);

/* Does the scanner read this repository path? */
int pf_scanner_reads(const struct pf_scanner *s, const char *path);

/* "*.c *.h ..." or "every file", appended to `out`. */
void pf_scanner_files(const struct pf_scanner *s, struct pf_buf *out);

/*
 * Write every regular file of the tree of tree->commit under `dir` (paths
 * git would refuse, symlinks and submodules left out).  A file the work
 * tree holds unchanged (same size and times as its index entry, same
 * blob) is copied from there, which is cheaper than inflating it.
 */
struct pf_scan_tree;
int pf_scan_tree_write(const char *dir, const struct pf_scan_tree *tree);

/* The id of tree->commit's tree (hex, 40 digits) into `out`, for the scan
 * cache's key of [scan] tree = full; -1 when the commit cannot be read. */
int pf_scan_tree_id(char out[41], const struct pf_scan_tree *tree);

/* `data` as the file `rel` (a safe relative path) under `dir`, its
 * directories made (mode 0700). */
int pf_scan_write_file(const char *dir, const char *rel, const char *data,
		       size_t len);

#endif
