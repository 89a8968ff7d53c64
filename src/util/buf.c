#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "pushfix/buf.h"
#include "pushfix/err.h"
#include "pushfix/util.h"

char pf_buf_slopbuf[1];

void pf_buf_init(struct pf_buf *b)
{
	b->buf = pf_buf_slopbuf;
	b->len = 0;
	b->alloc = 0;
}

void pf_buf_release(struct pf_buf *b)
{
	if (!b)
		return;
	if (b->alloc)
		free(b->buf);
	pf_buf_init(b);
}

char *pf_buf_detach(struct pf_buf *b, size_t *len)
{
	char *s;

	if (len)
		*len = b->len;
	if (!b->alloc)
		pf_buf_grow(b, 0);
	s = b->buf;
	pf_buf_init(b);
	return s;
}

void pf_buf_grow(struct pf_buf *b, size_t extra)
{
	size_t need = b->len + extra + 1;

	if (need < b->len)
		abort(); /* overflow */
	if (!b->alloc) {
		size_t a = need < 64 ? 64 : need;

		b->buf = pf_xmalloc(a);
		b->buf[0] = '\0';
		b->alloc = a;
		return;
	}
	if (need > b->alloc) {
		size_t a = b->alloc * 2;

		if (a < need)
			a = need;
		b->buf = pf_xrealloc(b->buf, a);
		b->alloc = a;
	}
}

void pf_buf_reset(struct pf_buf *b)
{
	pf_buf_setlen(b, 0);
}

void pf_buf_setlen(struct pf_buf *b, size_t len)
{
	if (!b->alloc) {
		if (len)
			abort();
		return;
	}
	/* Past the allocation the NUL would land outside it (git's
	 * strbuf_setlen BUGs out the same way). */
	if (len >= b->alloc)
		abort();
	b->len = len;
	b->buf[len] = '\0';
}

void pf_buf_add(struct pf_buf *b, const void *data, size_t len)
{
	if (!len)
		return;
	pf_buf_grow(b, len);
	memcpy(b->buf + b->len, data, len);
	b->len += len;
	b->buf[b->len] = '\0';
}

void pf_buf_addstr(struct pf_buf *b, const char *s)
{
	pf_buf_add(b, s, strlen(s));
}

void pf_buf_addch(struct pf_buf *b, int c)
{
	pf_buf_grow(b, 1);
	b->buf[b->len++] = (char)c;
	b->buf[b->len] = '\0';
}

void pf_buf_vaddf(struct pf_buf *b, const char *fmt, va_list ap)
{
	va_list cp;
	int n;

	pf_buf_grow(b, 64);
	va_copy(cp, ap);
	n = vsnprintf(b->buf + b->len, b->alloc - b->len, fmt, cp);
	va_end(cp);
	if (n < 0)
		abort();
	if ((size_t)n >= b->alloc - b->len) {
		pf_buf_grow(b, (size_t)n);
		n = vsnprintf(b->buf + b->len, b->alloc - b->len, fmt, ap);
	}
	b->len += (size_t)n;
}

void pf_buf_addf(struct pf_buf *b, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	pf_buf_vaddf(b, fmt, ap);
	va_end(ap);
}

void pf_buf_add_json_str(struct pf_buf *b, const char *s, size_t len)
{
	static const char hex[] = "0123456789abcdef";

	pf_buf_addch(b, '"');
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];

		switch (c) {
		case '"':
			pf_buf_add(b, "\\\"", 2);
			break;
		case '\\':
			pf_buf_add(b, "\\\\", 2);
			break;
		case '\n':
			pf_buf_add(b, "\\n", 2);
			break;
		case '\r':
			pf_buf_add(b, "\\r", 2);
			break;
		case '\t':
			pf_buf_add(b, "\\t", 2);
			break;
		default:
			if (c < 0x20) {
				char u[6] = { '\\', 'u',	 '0',
					      '0',  hex[c >> 4], hex[c & 15] };
				pf_buf_add(b, u, 6);
			} else {
				pf_buf_addch(b, c);
			}
		}
	}
	pf_buf_addch(b, '"');
}

void pf_buf_add_escaped(struct pf_buf *b, const char *s, unsigned flags)
{
	for (; s && *s; s++) {
		unsigned char c = (unsigned char)*s;

		if (c == '\\')
			pf_buf_addstr(b, "\\\\");
		else if (c == '\t')
			pf_buf_addstr(b, "\\t");
		else if (c == '\n')
			pf_buf_addstr(b, "\\n");
		else if (c == '"' && (flags & PF_ESC_QUOTE))
			pf_buf_addstr(b, "\\\"");
		else if (c == '\r' && (flags & PF_ESC_CR))
			pf_buf_addstr(b, "\\r");
		else if ((c < 0x20 || c == 0x7f) && (flags & PF_ESC_OCTAL))
			pf_buf_addf(b, "\\%03o", c);
		else
			pf_buf_addch(b, (char)c);
	}
}

void pf_buf_add_json_text(struct pf_buf *b, const char *s)
{
	static const char hex[] = "0123456789abcdef";
	const unsigned char *p = (const unsigned char *)(s ? s : "");
	size_t n = strlen((const char *)p);

	pf_buf_addch(b, '"');
	while (n) {
		size_t l = pf_utf8_valid(p, n);

		if (!l) {
			pf_buf_addstr(b, "\\ufffd");
			l = 1;
		} else if (l > 1) {
			pf_buf_add(b, p, l);
		} else if (*p == '"' || *p == '\\') {
			pf_buf_addch(b, '\\');
			pf_buf_addch(b, *p);
		} else if (*p == '\n') {
			pf_buf_addstr(b, "\\n");
		} else if (*p == '\t') {
			pf_buf_addstr(b, "\\t");
		} else if (*p == '\r') {
			pf_buf_addstr(b, "\\r");
		} else if (*p < 0x20 || *p == 0x7f) {
			pf_buf_addf(b, "\\u00%c%c", hex[*p >> 4], hex[*p & 15]);
		} else {
			pf_buf_addch(b, *p);
		}
		p += l;
		n -= l;
	}
	pf_buf_addch(b, '"');
}

void pf_buf_rtrim(struct pf_buf *b)
{
	while (b->len &&
	       (b->buf[b->len - 1] == ' ' || b->buf[b->len - 1] == '\t' ||
		b->buf[b->len - 1] == '\n' || b->buf[b->len - 1] == '\r'))
		b->len--;
	if (b->alloc)
		b->buf[b->len] = '\0';
}

int pf_buf_read_fd(struct pf_buf *b, int fd, size_t cap)
{
	size_t start = b->len;

	for (;;) {
		ssize_t n;

		pf_buf_grow(b, 8192);
		n = read(fd, b->buf + b->len, b->alloc - b->len - 1);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			pf_buf_setlen(b, start);
			return pf_error_set("read error: %s", strerror(errno));
		}
		if (n == 0)
			break;
		b->len += (size_t)n;
		if (cap && b->len - start > cap) {
			pf_buf_setlen(b, start);
			return pf_error_setc(
				PF_ETOOBIG, "input larger than %zu bytes", cap);
		}
	}
	b->buf[b->len] = '\0';
	return 0;
}

int pf_buf_read_file(struct pf_buf *b, const char *path, size_t cap)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	int ret;

	if (fd < 0)
		return pf_error_setc(errno == ENOENT ? PF_ENOTFOUND : PF_ERROR,
				     "cannot open '%s': %s", path,
				     strerror(errno));
	ret = pf_buf_read_fd(b, fd, cap);
	close(fd);
	if (ret)
		return pf_error_prefix(ret, "%s", path);
	return 0;
}
