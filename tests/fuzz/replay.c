/*
 * Replays a libFuzzer corpus without libFuzzer: every file in the
 * directories (or files) named on the command line is fed once to
 * LLVMFuzzerTestOneInput.  Built with the normal compiler so that
 * `make test` (and the sanitizer build) exercise every saved input.
 */
#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "pushfix/buf.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int run_file(const char *path)
{
	struct pf_buf b = PF_BUF_INIT;

	if (pf_buf_read_file(&b, path, 0)) {
		fprintf(stderr, "replay: cannot read %s\n", path);
		return 1;
	}
	LLVMFuzzerTestOneInput((const uint8_t *)b.buf, b.len);
	pf_buf_release(&b);
	return 0;
}

int main(int argc, char **argv)
{
	int n = 0;

	for (int i = 1; i < argc; i++) {
		struct stat st;
		DIR *d;
		struct dirent *de;

		if (stat(argv[i], &st))
			continue;
		if (!S_ISDIR(st.st_mode)) {
			n += !run_file(argv[i]);
			continue;
		}
		d = opendir(argv[i]);
		while (d && (de = readdir(d))) {
			struct pf_buf p = PF_BUF_INIT;

			if (de->d_name[0] == '.')
				continue;
			pf_buf_addf(&p, "%s/%s", argv[i], de->d_name);
			n += !run_file(p.buf);
			pf_buf_release(&p);
		}
		if (d)
			closedir(d);
	}
	/* An empty run still calls the target once, with no input. */
	if (!n)
		LLVMFuzzerTestOneInput((const uint8_t *)"", 0);
	printf("replayed %d inputs\n", n);
	return 0;
}
