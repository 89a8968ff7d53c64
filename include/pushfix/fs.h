#ifndef PUSHFIX_FS_H
#define PUSHFIX_FS_H

/*
 * File-system helpers, above buf in the util layer (they build paths in a
 * pf_buf); util.h, below buf, holds only what needs nothing of ours.
 */

#include <stddef.h>

/* mkdir -p; mode for created directories.  0 or PF_ERROR with message. */
int pf_mkdir_p(const char *path, unsigned mode);

/* rm -rf of a directory we created; never follows symlinks. */
int pf_remove_tree(const char *path);

/* Write `len` bytes to `path` atomically: temp file in the same directory,
 * fsync, rename.  `mode` is applied to the new file. */
int pf_write_file_atomic(const char *path, const void *data, size_t len,
			 unsigned mode);

#endif
