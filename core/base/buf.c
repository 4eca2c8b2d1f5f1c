/* buf.c - growable byte buffer used to build file bodies. */
#include "base/buf.h"

#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "base/alloc.h"
#include "base/error.h"

/* Room for 'extra' more bytes and a terminating NUL; the capacity doubles
 * unless 'exact'. */
static int reserve(struct sl_buf *b, size_t extra, bool exact)
{
	if (b->cap - b->len > extra)
		return 0; /* keeps one byte for a terminating NUL */
	size_t need = b->len + extra + 1;
	if (need < b->len)
		return SL_ENOMEM; /* overflow */
	size_t cap = exact ? need : b->cap ? b->cap : 256;
	while (cap < need)
		cap = cap * 2 > cap ? cap * 2 : need;
	char *p = sl_realloc(b->data, cap);
	if (!p)
		return SL_ENOMEM;
	b->data = p;
	b->cap = cap;
	return 0;
}

int sl_buf_reserve(struct sl_buf *b, size_t extra)
{
	return reserve(b, extra, false);
}

int sl_buf_reserve_exact(struct sl_buf *b, size_t extra)
{
	return reserve(b, extra, true);
}

int sl_buf_append(struct sl_buf *b, const void *p, size_t n)
{
	if (sl_buf_reserve(b, n))
		return SL_ENOMEM;
	if (n)
		memcpy(b->data + b->len, p, n);
	b->len += n;
	b->data[b->len] = '\0';
	return 0;
}

int sl_buf_puts(struct sl_buf *b, const char *s)
{
	return sl_buf_append(b, s, strlen(s));
}

int sl_buf_putc(struct sl_buf *b, char c)
{
	return sl_buf_append(b, &c, 1);
}

int sl_buf_vprintf(struct sl_buf *b, const char *fmt, va_list ap)
{
	va_list ap2;
	va_copy(ap2, ap);
	int n = vsnprintf(NULL, 0, fmt, ap2);
	va_end(ap2);
	if (n < 0)
		return SL_EINTERNAL;
	if (sl_buf_reserve(b, (size_t)n))
		return SL_ENOMEM;
	vsnprintf(b->data + b->len, (size_t)n + 1, fmt, ap);
	b->len += (size_t)n;
	return 0;
}

int sl_buf_printf(struct sl_buf *b, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int rc = sl_buf_vprintf(b, fmt, ap);
	va_end(ap);
	return rc;
}

int sl_buf_put_ident(struct sl_buf *b, const char *name)
{
	size_t n = strlen(name);
	if (sl_buf_reserve(b, 2 * n + 2))
		return SL_ENOMEM;
	char *w = b->data + b->len;
	*w++ = '`';
	for (size_t i = 0; i < n; i++) {
		if (name[i] == '`')
			*w++ = '`';
		*w++ = name[i];
	}
	*w++ = '`';
	b->len = (size_t)(w - b->data);
	b->data[b->len] = '\0';
	return 0;
}

int sl_buf_put_qualified(struct sl_buf *b, const char *db, const char *name)
{
	int rc = sl_buf_put_ident(b, db);
	rc = rc ? rc : sl_buf_putc(b, '.');
	return rc ? rc : sl_buf_put_ident(b, name);
}

int sl_buf_put_quoted(struct sl_buf *b, const char *s, size_t n)
{
	if (sl_buf_reserve(b, 2 * n + 2))
		return SL_ENOMEM;
	char *w = b->data + b->len;
	*w++ = '\'';
	for (size_t i = 0; i < n; i++) {
		char c = s[i];
		switch (c) {
		case '\0':
			*w++ = '\\';
			*w++ = '0';
			break;
		case '\n':
			*w++ = '\\';
			*w++ = 'n';
			break;
		case '\r':
			*w++ = '\\';
			*w++ = 'r';
			break;
		case '\032':
			*w++ = '\\';
			*w++ = 'Z';
			break;
		case '\'':
			*w++ = '\\';
			*w++ = '\'';
			break;
		case '"':
			*w++ = '\\';
			*w++ = '"';
			break;
		case '\\':
			*w++ = '\\';
			*w++ = '\\';
			break;
		default:
			*w++ = c;
		}
	}
	*w++ = '\'';
	b->len = (size_t)(w - b->data);
	b->data[b->len] = '\0';
	return 0;
}

void sl_buf_reset(struct sl_buf *b)
{
	b->len = 0;
	if (b->data)
		b->data[0] = '\0';
}

void sl_buf_free(struct sl_buf *b)
{
	sl_free(b->data);
	b->data = NULL;
	b->len = b->cap = 0;
}

char *sl_buf_steal(struct sl_buf *b, size_t *len_out)
{
	char *p = b->data;
	if (len_out)
		*len_out = b->len;
	b->data = NULL;
	b->len = b->cap = 0;
	return p;
}

int sl_buf_put_utf8(struct sl_buf *b, unsigned long cp)
{
	char u[4];
	size_t n;
	if (cp < 0x80) {
		u[0] = (char)cp;
		n = 1;
	} else if (cp < 0x800) {
		u[0] = (char)(0xc0 | (cp >> 6));
		u[1] = (char)(0x80 | (cp & 0x3f));
		n = 2;
	} else if (cp < 0x10000) {
		u[0] = (char)(0xe0 | (cp >> 12));
		u[1] = (char)(0x80 | ((cp >> 6) & 0x3f));
		u[2] = (char)(0x80 | (cp & 0x3f));
		n = 3;
	} else {
		u[0] = (char)(0xf0 | (cp >> 18));
		u[1] = (char)(0x80 | ((cp >> 12) & 0x3f));
		u[2] = (char)(0x80 | ((cp >> 6) & 0x3f));
		u[3] = (char)(0x80 | (cp & 0x3f));
		n = 4;
	}
	return sl_buf_append(b, u, n);
}

void sl_tail_keep(char *tail, size_t cap, size_t *ntail, const void *p, size_t n)
{
	if (n >= cap) {
		memcpy(tail, (const char *)p + n - cap, cap);
		*ntail = cap;
		return;
	}
	size_t keep = *ntail + n > cap ? cap - n : *ntail;
	memmove(tail, tail + *ntail - keep, keep);
	memcpy(tail + keep, p, n);
	*ntail = keep + n;
}
