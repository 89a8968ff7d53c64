#ifndef PUSHFIX_SCAN_BLOBCACHE_H
#define PUSHFIX_SCAN_BLOBCACHE_H

/*
 * The per-blob scan cache, internal to src/scan/: one file per key under
 * <state_dir>/scan-cache, holding the findings one scanner reported in one
 * file's content (located, before the filter).  The key hashes the
 * scanner's identity (its program file, the command line, the rules'
 * content, the pushed .semgrepignore for Semgrep, the tree for [scan]
 * tree = full) with the file's path and content, so that a changed rule
 * file or scanner misses.  Writes are atomic (temp file + rename): a
 * concurrent hook never reads half an entry; a damaged entry is a miss,
 * and the scan that follows rewrites it.
 */
#include <stddef.h>

#include "pushfix/buf.h"
#include "pushfix/finding.h"

/* Default size cap of the directory; pruning keeps it under, oldest
 * entries first. */
#define PF_SCAN_CACHE_CAP (64u << 20)

/* What a file (or a directory, recursively) is, appended to `out`: path,
 * size, mtime, inode, and the content's hash when it is small.  A path
 * that does not exist appends "missing". */
void pf_scan_cache_add_file_id(struct pf_buf *out, const char *path);

/* out = hex sha256 of the scanner's identity, the path and the content. */
void pf_scan_cache_key(char out[65], const char *scanner_id, const char *path,
		       const char *data, size_t len);

/* Append the entry's findings (path set to `path`) to `out`: 0, or
 * PF_ENOTFOUND for a miss (also a damaged or foreign entry; `out` is then
 * untouched). */
int pf_scan_cache_get(const char *dir, const char *key, const char *path,
		      struct pf_findings *out);

/* Store v[0..n) under `key`.  0 or PF_ERROR with a message (a cache that
 * cannot be written only costs time). */
int pf_scan_cache_put(const char *dir, const char *key,
		      const struct pf_finding *const *v, size_t n);

/* Remove the oldest entries until the directory holds at most 3/4 of
 * `cap` bytes, when it holds more than `cap`.  Returns how many entries
 * were removed. */
size_t pf_scan_cache_prune(const char *dir, size_t cap);

/* Can this finding be cached (nothing a later stage set)? */
int pf_scan_cache_storable(const struct pf_finding *f);

#endif
