#ifndef PUSHFIX_BUF_H
#define PUSHFIX_BUF_H

#include <stdarg.h>
#include <stddef.h>

/*
 * A growable byte string, after git's strbuf.
 *
 * Invariants: `buf` is never NULL and always NUL-terminated at `len`
 * (it may hold NULs before that); `alloc` is 0 while `buf` points at a
 * static empty string.  Initialise with PF_BUF_INIT or pf_buf_init();
 * free the contents with pf_buf_release(); pf_buf_detach() hands the
 * string to the caller (who then frees it with free()).
 */
struct pf_buf {
	char *buf;
	size_t len;
	size_t alloc;
};

extern char pf_buf_slopbuf[];
#define PF_BUF_INIT                                                            \
	{                                                                      \
		pf_buf_slopbuf, 0, 0                                           \
	}

void pf_buf_init(struct pf_buf *b);
void pf_buf_release(struct pf_buf *b);
char *pf_buf_detach(struct pf_buf *b, size_t *len);
void pf_buf_grow(struct pf_buf *b, size_t extra);
void pf_buf_reset(struct pf_buf *b);
void pf_buf_setlen(struct pf_buf *b, size_t len);

void pf_buf_add(struct pf_buf *b, const void *data, size_t len);
void pf_buf_addstr(struct pf_buf *b, const char *s);
void pf_buf_addch(struct pf_buf *b, int c);
void pf_buf_addf(struct pf_buf *b, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
void pf_buf_vaddf(struct pf_buf *b, const char *fmt, va_list ap)
	__attribute__((format(printf, 2, 0)));
/* Append s as a JSON string literal, quotes included, byte for byte (the
 * vault needs exact round trips). */
void pf_buf_add_json_str(struct pf_buf *b, const char *s, size_t len);

/* Append NUL-terminated text (NULL: "") as a JSON string literal for
 * reports: bytes that are not UTF-8 become U+FFFD, so the output is valid
 * JSON whatever the scanned file held. */
void pf_buf_add_json_text(struct pf_buf *b, const char *s);

/* Append NUL-terminated `s` (NULL: "") with C escapes, so that one line
 * stays one record: `\\`, `\t` and `\n` always; with PF_ESC_QUOTE `"` as
 * `\"`; with PF_ESC_CR a carriage return as `\r`; with PF_ESC_OCTAL every
 * other control byte (and DEL) as `\ooo`, as git quotes paths. */
enum {
	PF_ESC_QUOTE = 1 << 0,
	PF_ESC_CR = 1 << 1,
	PF_ESC_OCTAL = 1 << 2,
};
void pf_buf_add_escaped(struct pf_buf *b, const char *s, unsigned flags);

void pf_buf_rtrim(struct pf_buf *b);

/*
 * Read all of fd / a file, refusing more than `cap` bytes (PF_ETOOBIG):
 * anything read from a child process or the network has a cap.
 * cap == 0 means no cap.  On error the buffer keeps what it had.
 */
int pf_buf_read_fd(struct pf_buf *b, int fd, size_t cap);
int pf_buf_read_file(struct pf_buf *b, const char *path, size_t cap);

#endif
