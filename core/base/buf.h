/* buf.h - a growable byte buffer.
 *
 * The encoder and the DDL readers build file bodies in a struct sl_buf.
 * Appends reserve first and fail with SL_ENOMEM without touching the
 * contents, so a failed append leaves a valid (shorter) buffer. */
#ifndef SL_BUF_H
#define SL_BUF_H

#include <stddef.h>
#include <stdarg.h>

struct sl_buf {
	char *data; /* owned; NUL-terminated when len < cap (not guaranteed otherwise) */
	size_t len;
	size_t cap;
};

#define SL_BUF_INIT        \
	{                  \
		NULL, 0, 0 \
	}

/* Make room for 'extra' more bytes.  0 or SL_ENOMEM. */
int sl_buf_reserve(struct sl_buf *b, size_t extra);
/* The same without rounding the capacity up to a power of 2: for a buffer
 * whose final size is known about (a file body). */
int sl_buf_reserve_exact(struct sl_buf *b, size_t extra);
int sl_buf_append(struct sl_buf *b, const void *p, size_t n);
int sl_buf_puts(struct sl_buf *b, const char *s);
int sl_buf_putc(struct sl_buf *b, char c);
int sl_buf_printf(struct sl_buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
int sl_buf_vprintf(struct sl_buf *b, const char *fmt, va_list ap)
    __attribute__((format(printf, 2, 0)));
/* Append a MySQL identifier quoted with backticks (`a``b`). */
int sl_buf_put_ident(struct sl_buf *b, const char *name);
/* Append `db`.`name`. */
int sl_buf_put_qualified(struct sl_buf *b, const char *db, const char *name);
/* Append a single-quoted SQL string literal with backslash escapes. */
int sl_buf_put_quoted(struct sl_buf *b, const char *s, size_t n);
/* Append code point 'cp' (at most 0x10ffff, not a surrogate) as UTF-8. */
int sl_buf_put_utf8(struct sl_buf *b, unsigned long cp);
void sl_buf_reset(struct sl_buf *b); /* len = 0, keeps memory */
void sl_buf_free(struct sl_buf *b);  /* frees memory, back to SL_BUF_INIT */
/* Hand the bytes to the caller (caller frees with sl_free); b becomes empty. */
char *sl_buf_steal(struct sl_buf *b, size_t *len_out);

/* Keep the last 'cap' bytes seen of a byte stream in tail[0..*ntail):
 * append p[0..n), dropping the oldest bytes past cap.  For checks of how
 * an input or output ends, without holding it. */
void sl_tail_keep(char *tail, size_t cap, size_t *ntail, const void *p, size_t n);

/* Value of a hex digit (either case), or -1. */
static inline int sl_hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

#endif
