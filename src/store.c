#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <string.h>
#include <sys/file.h>
#include <time.h>
#include <unistd.h>

#include "pushfix/err.h"
#include "pushfix/fs.h"
#include "pushfix/store.h"
#include "pushfix/util.h"

int pf_store_path(struct pf_buf *out, const char *state_dir, const char *name)
{
	int ret = pf_mkdir_p(state_dir, 0700);

	if (ret)
		return ret;
	pf_buf_reset(out);
	pf_buf_addf(out, "%s/%s", state_dir, name);
	return 0;
}

int pf_store_lock(const char *state_dir, unsigned wait_ms)
{
	struct pf_buf path = PF_BUF_INIT;
	double deadline = pf_now_ms() + wait_ms;
	int fd, ret;

	ret = pf_store_path(&path, state_dir, "lock");
	if (ret)
		goto out;
	fd = open(path.buf, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	if (fd < 0) {
		ret = pf_error_set("cannot open '%s': %s", path.buf,
				   strerror(errno));
		goto out;
	}
	/* Poll rather than block so that the wait stays bounded. */
	while (flock(fd, LOCK_EX | LOCK_NB)) {
		struct timespec ts = { 0, 20 * 1000 * 1000 };

		if (errno != EWOULDBLOCK && errno != EINTR) {
			ret = pf_error_set("cannot lock '%s': %s", path.buf,
					   strerror(errno));
			close(fd);
			goto out;
		}
		if (pf_now_ms() >= deadline) {
			ret = pf_error_setc(PF_ETIMEOUT,
					    "another pushfix holds '%s'",
					    path.buf);
			close(fd);
			goto out;
		}
		nanosleep(&ts, NULL);
	}
	ret = fd;
out:
	pf_buf_release(&path);
	return ret;
}

void pf_store_unlock(int fd)
{
	if (fd >= 0) {
		flock(fd, LOCK_UN);
		close(fd);
	}
}

int pf_store_append(const char *state_dir, const char *name, const char *line,
		    size_t len, int sync)
{
	static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
	struct pf_buf path = PF_BUF_INIT;
	int fd, ret = 0;
	size_t off = 0;

	ret = pf_store_path(&path, state_dir, name);
	if (ret)
		goto out;
	pthread_mutex_lock(&lock);
	fd = open(path.buf, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0600);
	if (fd < 0) {
		pthread_mutex_unlock(&lock);
		ret = pf_error_set("%s: %s", path.buf, strerror(errno));
		goto out;
	}
	/* One write: O_APPEND keeps a line whole against other writers. */
	while (off < len) {
		ssize_t w = write(fd, line + off, len - off);

		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0) {
			ret = pf_error_set("%s: %s", path.buf,
					   w < 0 ? strerror(errno)
						 : "nothing written");
			break;
		}
		off += (size_t)w;
	}
	if (!ret && sync && fsync(fd))
		ret = pf_error_set("%s: %s", path.buf, strerror(errno));
	if (close(fd) && !ret)
		ret = pf_error_set("%s: %s", path.buf, strerror(errno));
	pthread_mutex_unlock(&lock);
out:
	pf_buf_release(&path);
	return ret;
}
