/*
 * libFuzzer target for git's pre-push input parser: any bytes must give
 * either updates whose fields hold what the contract says, or an error
 * with a message -- never a crash, a leak or a read past `size`.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "pushfix/err.h"
#include "pushfix/push.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct pf_push p = PF_PUSH_INIT;
	/* A private copy, so that reading past `size` is caught by ASan. */
	char *copy = malloc(size ? size : 1);
	int ret;

	if (!copy)
		return 0;
	if (size)
		memcpy(copy, data, size);
	ret = pf_push_parse(&p, copy, size);
	if (ret && (ret != PF_EINVALID || !*pf_error_last()))
		abort();
	for (size_t i = 0; i < p.nr; i++) {
		const struct pf_push_update *u = &p.v[i];

		if (strlen(u->local_oid) != 40 || strlen(u->remote_oid) != 40 ||
		    !u->local_ref[0] || strncmp(u->remote_ref, "refs/", 5) ||
		    strchr(u->local_ref, ' ') || strchr(u->remote_ref, ' '))
			abort();
		if (u->kind == PF_PUSH_DELETE &&
		    strcmp(u->local_oid,
			   "0000000000000000000000000000000000000000"))
			abort();
		if (u->is_tag != !strncmp(u->remote_ref, "refs/tags/", 10))
			abort();
	}
	pf_push_release(&p);
	free(copy);
	return 0;
}
