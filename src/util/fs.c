/*
 * File-system helpers: mkdir -p, rm -rf, atomic writes.  They sit above
 * buf (paths are built in a pf_buf), so util.c, below buf, stays free of
 * them.
 */
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "pushfix/buf.h"
#include "pushfix/err.h"
#include "pushfix/fs.h"
#include "pushfix/util.h"

int pf_mkdir_p(const char *path, unsigned mode)
{
	char tmp[PATH_MAX];
	size_t len = strlen(path);

	if (len >= sizeof(tmp))
		return pf_error_set("path too long: %s", path);
	memcpy(tmp, path, len + 1);
	for (char *p = tmp + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(tmp, mode) && errno != EEXIST)
			return pf_error_set("cannot create '%s': %s", tmp,
					    strerror(errno));
		*p = '/';
	}
	if (mkdir(tmp, mode) && errno != EEXIST)
		return pf_error_set("cannot create '%s': %s", tmp,
				    strerror(errno));
	return 0;
}

int pf_remove_tree(const char *path)
{
	struct stat st;
	DIR *d;
	struct dirent *de;
	int ret = 0;

	if (lstat(path, &st))
		return errno == ENOENT ? 0
				       : pf_error_set("cannot stat '%s': %s",
						      path, strerror(errno));
	if (!S_ISDIR(st.st_mode)) {
		if (unlink(path))
			return pf_error_set("cannot remove '%s': %s", path,
					    strerror(errno));
		return 0;
	}
	d = opendir(path);
	if (!d)
		return pf_error_set("cannot open '%s': %s", path,
				    strerror(errno));
	while ((de = readdir(d))) {
		struct pf_buf sub = PF_BUF_INIT;

		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		pf_buf_addf(&sub, "%s/%s", path, de->d_name);
		if (pf_remove_tree(sub.buf))
			ret = PF_ERROR;
		pf_buf_release(&sub);
	}
	closedir(d);
	if (rmdir(path))
		return pf_error_set("cannot remove '%s': %s", path,
				    strerror(errno));
	return ret;
}

int pf_write_file_atomic(const char *path, const void *data, size_t len,
			 unsigned mode)
{
	struct pf_buf tmp = PF_BUF_INIT;
	const char *p = data;
	int fd, ret = PF_ERROR;

	pf_buf_addf(&tmp, "%s.pushfix-XXXXXX", path);
	fd = mkstemp(tmp.buf);
	if (fd < 0) {
		pf_error_set("cannot create a temporary file beside '%s': %s",
			     path, strerror(errno));
		goto out;
	}
	while (len) {
		ssize_t n = write(fd, p, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			pf_error_set("cannot write '%s': %s", tmp.buf,
				     strerror(errno));
			close(fd);
			unlink(tmp.buf);
			goto out;
		}
		p += n;
		len -= (size_t)n;
	}
	if (fchmod(fd, mode) || fsync(fd)) {
		pf_error_set("cannot sync '%s': %s", tmp.buf, strerror(errno));
		close(fd);
		unlink(tmp.buf);
		goto out;
	}
	close(fd);
	if (rename(tmp.buf, path)) {
		pf_error_set("cannot rename '%s' to '%s': %s", tmp.buf, path,
			     strerror(errno));
		unlink(tmp.buf);
		goto out;
	}
	ret = 0;
out:
	pf_buf_release(&tmp);
	return ret;
}
