/* encode_sql.c - render rows as multi-row INSERT statements.
 *
 * This is the hottest loop of a dump: every value of every row passes
 * through sl_encode_sql_rows().  It reserves the worst case for a whole row
 * once (2n+2 bytes per string or binary value) and then writes straight
 * into the buffer with table lookups for escaping and hex, with no function
 * call per byte.  Statements are cut so that each one, from "INSERT" to its
 * ";\n", is at most opts->statement_size bytes, unless it holds a single
 * row: a row is encoded where it would continue the current statement, and
 * when it does not fit, the row is moved once to make room for ");\n" and a
 * new INSERT header.  Output is plain SQL that a `mariadb` client and
 * myloader both import; the prologue sets the session so that bytes pass
 * untouched (SET NAMES binary) and temporal values mean UTC. */
#include "format/encode_sql.h"

#ifdef __SSE2__
#include <emmintrin.h>
#endif

#include <string.h>

#include "base/error.h"
#include "format/rowset.h"

/* Escape character after a backslash for each byte, or 0 when the byte is
 * written as it is.  Same escapes as sl_buf_put_quoted(). */
static const char sl_sql_esc[256] = {
    ['\0'] = '0',  ['\n'] = 'n', ['\r'] = 'r',  ['\032'] = 'Z',
    ['\''] = '\'', ['"'] = '"',  ['\\'] = '\\',
};

/* Two lowercase hex digits for each byte value. */
static const char sl_sql_hex[513] =
    "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f"
    "202122232425262728292a2b2c2d2e2f303132333435363738393a3b3c3d3e3f"
    "404142434445464748494a4b4c4d4e4f505152535455565758595a5b5c5d5e5f"
    "606162636465666768696a6b6c6d6e6f707172737475767778797a7b7c7d7e7f"
    "808182838485868788898a8b8c8d8e8f909192939495969798999a9b9c9d9e9f"
    "a0a1a2a3a4a5a6a7a8a9aaabacadaeafb0b1b2b3b4b5b6b7b8b9babbbcbdbebf"
    "c0c1c2c3c4c5c6c7c8c9cacbcccdcecfd0d1d2d3d4d5d6d7d8d9dadbdcdddedf"
    "e0e1e2e3e4e5e6e7e8e9eaebecedeeeff0f1f2f3f4f5f6f7f8f9fafbfcfdfeff";

/* Bytes that may appear in a bare numeric literal: digits, sign, point,
 * exponent.  A NUMBER value with anything else (a Lua transform may have
 * rewritten it) is quoted as a string instead, so no value can ever break
 * out of its place in the statement; the server converts it on insert. */
static const unsigned char sl_sql_numch[256] = {
    ['0'] = 1, ['1'] = 1, ['2'] = 1, ['3'] = 1, ['4'] = 1, ['5'] = 1, ['6'] = 1, ['7'] = 1,
    ['8'] = 1, ['9'] = 1, ['-'] = 1, ['+'] = 1, ['.'] = 1, ['e'] = 1, ['E'] = 1,
};

static const char sl_sql_prologue[] =
    "/*!40101 SET NAMES binary*/;\n"
    "/*!40014 SET FOREIGN_KEY_CHECKS=0*/;\n"
    "/*!40014 SET UNIQUE_CHECKS=0*/;\n"
    "/*!40101 SET SQL_MODE='NO_AUTO_VALUE_ON_ZERO,ALLOW_INVALID_DATES'*/;\n"
    "/*!40103 SET TIME_ZONE='+00:00'*/;\n";

int sl_encode_sql_prologue(struct sl_buf *out, const char *schema)
{
	size_t start = out->len;
	int rc;

	if ((rc = sl_buf_append(out, sl_sql_prologue, sizeof(sl_sql_prologue) - 1)) != 0)
		goto fail;
	if (schema) {
		if ((rc = sl_buf_puts(out, "USE ")) != 0)
			goto fail;
		if ((rc = sl_buf_put_ident(out, schema)) != 0)
			goto fail;
		if ((rc = sl_buf_append(out, ";\n", 2)) != 0)
			goto fail;
	}
	return 0;
fail:
	out->len = start;
	if (out->data)
		out->data[start] = '\0';
	return rc;
}

/* True when p[0..len) may be written as a bare number. */
static int sl_sql_is_number(const unsigned char *p, size_t len)
{
	if (len == 0)
		return 0;
	for (size_t i = 0; i < len; i++)
		if (!sl_sql_numch[p[i]])
			return 0;
	return 1;
}

/* Worst-case encoded size of a value of 'len' bytes (NULL when len is
 * SL_CELL_NULL): 2n+2 covers a quoted string with every byte escaped and
 * "0x" plus hex digits, and is at least the 4 bytes of NULL. */
static size_t sl_sql_worst(size_t len)
{
	if (len == SL_CELL_NULL)
		return 4;
	return 2 * len + 2 + 7; /* escaped or hex, quotes, a _latin1 introducer */
}

/* Copy the leading bytes of p that need no escape to w; returns how many.
 * Text is mostly plain, so 16 bytes are checked at once where SSE2 exists
 * (every x86-64); the tail and other machines go byte by byte. */
static size_t sl_sql_plain_run(char *w, const unsigned char *p, size_t len)
{
	size_t i = 0;
#ifdef __SSE2__
	const __m128i nul = _mm_setzero_si128(), nl = _mm_set1_epi8('\n'), cr = _mm_set1_epi8('\r'),
	              sub = _mm_set1_epi8('\032'), q1 = _mm_set1_epi8('\''),
	              q2 = _mm_set1_epi8('"'), bs = _mm_set1_epi8('\\');
	for (; i + 16 <= len; i += 16) {
		__m128i v = _mm_loadu_si128((const __m128i *)(const void *)(p + i));
		__m128i hit = _mm_or_si128(
		    _mm_or_si128(_mm_or_si128(_mm_cmpeq_epi8(v, nul), _mm_cmpeq_epi8(v, nl)),
		                 _mm_or_si128(_mm_cmpeq_epi8(v, cr), _mm_cmpeq_epi8(v, sub))),
		    _mm_or_si128(_mm_or_si128(_mm_cmpeq_epi8(v, q1), _mm_cmpeq_epi8(v, q2)),
		                 _mm_cmpeq_epi8(v, bs)));
		int mask = _mm_movemask_epi8(hit);
		if (mask) {
			size_t k = (size_t)__builtin_ctz((unsigned)mask);
			memcpy(w + i, p + i, k);
			return i + k;
		}
		_mm_storeu_si128((__m128i *)(void *)(w + i), v);
	}
#endif
	for (; i < len && !sl_sql_esc[p[i]]; i++)
		w[i] = (char)p[i];
	return i;
}

/* Write one value at w, which has room for sl_sql_worst(len) bytes; returns
 * the end of what was written.  p == NULL writes NULL. */
static char *sl_sql_put(char *w, enum sl_value_class cls, const unsigned char *p, size_t len)
{
	if (!p) {
		memcpy(w, "NULL", 4);
		return w + 4;
	}
	switch (cls) {
	case SL_VAL_NUMBER:
		if (sl_sql_is_number(p, len)) {
			memcpy(w, p, len);
			return w + len;
		}
		break; /* not a plain number: quote it */
	case SL_VAL_BINARY:
		if (len == 0) {
			*w++ = '\'';
			*w++ = '\'';
			return w;
		}
		*w++ = '0';
		*w++ = 'x';
		for (size_t i = 0; i < len; i++) {
			memcpy(w, sl_sql_hex + 2 * p[i], 2);
			w += 2;
		}
		return w;
	case SL_VAL_NATIVE:
		memcpy(w, "_latin1", 7);
		w += 7;
		break;
	case SL_VAL_STRING:
	default:
		break;
	}
	*w++ = '\'';
	for (size_t i = 0; i < len;) {
		size_t n = sl_sql_plain_run(w, p + i, len - i);
		w += n;
		i += n;
		if (i == len)
			break;
		unsigned char c = p[i++]; /* a byte that needs an escape */
		*w++ = '\\';
		*w++ = sl_sql_esc[c];
	}
	*w++ = '\'';
	return w;
}

int sl_encode_sql_value(struct sl_buf *out, enum sl_value_class cls, const char *p, size_t len)
{
	size_t worst = p ? sl_sql_worst(len) : 4;
	int rc;

	if (p && len > (SIZE_MAX - 4) / 2)
		return SL_ENOMEM;
	if ((rc = sl_buf_reserve(out, worst)) != 0)
		return rc;
	char *w = sl_sql_put(out->data + out->len, cls, (const unsigned char *)p, len);
	out->len = (size_t)(w - out->data);
	out->data[out->len] = '\0';
	return 0;
}

/* Append "INSERT INTO `t` (`c1`,`c2`) VALUES " to 'hdr'. */
static int sl_sql_insert_header(struct sl_buf *hdr, const char *table_name,
                                const struct sl_rowset *rs)
{
	int rc;

	if ((rc = sl_buf_puts(hdr, "INSERT INTO ")) != 0)
		return rc;
	if ((rc = sl_buf_put_ident(hdr, table_name)) != 0)
		return rc;
	if ((rc = sl_buf_puts(hdr, " (")) != 0)
		return rc;
	for (size_t c = 0; c < rs->ncols; c++) {
		if (c && (rc = sl_buf_putc(hdr, ',')) != 0)
			return rc;
		if ((rc = sl_buf_put_ident(hdr, rs->cols[c]->name)) != 0)
			return rc;
	}
	return sl_buf_puts(hdr, ") VALUES ");
}

int sl_encode_sql_rows(const struct sl_encode_opts *opts, const char *table_name,
                       const struct sl_rowset *rs, struct sl_buf *out)
{
	struct sl_buf hdr = SL_BUF_INIT;
	size_t start = out->len;
	size_t cap = opts->statement_size;
	size_t ncols = rs->ncols;
	int rc;

	if (rs->nrows == 0)
		return 0;
	if ((rc = sl_sql_insert_header(&hdr, table_name, rs)) != 0)
		goto fail;

	/* Bytes of the current statement so far, without its ";\n"; 0 when no
	 * statement is open. */
	size_t stmt = 0;
	const struct sl_cell *cell = rs->cells;
	/* An arena that never held a byte has no memory: empty values still
	 * need a non-NULL pointer to be told apart from NULL. */
	const unsigned char *arena = (const unsigned char *)(rs->arena.data ? rs->arena.data : "");
	for (size_t r = 0; r < rs->nrows; r++, cell += ncols) {
		/* Room for: ");\n" closing the previous statement, a header,
		 * "(", the values with their separators, ")", ";\n". */
		size_t need = 3 + hdr.len + 2 + ncols + 2;
		for (size_t c = 0; c < ncols; c++) {
			size_t w = sl_sql_worst(cell[c].len);
			if (need + w < need) {
				rc = SL_ENOMEM;
				goto fail;
			}
			need += w;
		}
		if ((rc = sl_buf_reserve(out, need)) != 0)
			goto fail;

		char *w = out->data + out->len;
		char *row; /* where this row's "(" is */
		if (stmt == 0) {
			memcpy(w, hdr.data, hdr.len);
			w += hdr.len;
		} else {
			*w++ = ',';
		}
		row = w;
		*w++ = '(';
		for (size_t c = 0; c < ncols; c++) {
			if (c)
				*w++ = ',';
			if (cell[c].len == SL_CELL_NULL)
				w = sl_sql_put(w, rs->cols[c]->value_class, NULL, 0);
			else
				w = sl_sql_put(w, rs->cols[c]->value_class, arena + cell[c].off,
				               cell[c].len);
		}
		*w++ = ')';
		size_t rowlen = (size_t)(w - row);

		if (stmt == 0) {
			stmt = hdr.len + rowlen;
		} else if (stmt + 1 + rowlen + 2 <= cap) {
			stmt += 1 + rowlen;
		} else {
			/* Does not fit: the ',' becomes ";\n" and a new header,
			 * and the row moves behind them. */
			char *comma = row - 1;
			memmove(comma + 2 + hdr.len, row, rowlen);
			memcpy(comma, ";\n", 2);
			memcpy(comma + 2, hdr.data, hdr.len);
			w = comma + 2 + hdr.len + rowlen;
			stmt = hdr.len + rowlen;
		}
		out->len = (size_t)(w - out->data);
	}
	memcpy(out->data + out->len, ";\n", 2);
	out->len += 2;
	out->data[out->len] = '\0';
	sl_buf_free(&hdr);
	return 0;
fail:
	sl_buf_free(&hdr);
	out->len = start;
	if (out->data)
		out->data[start] = '\0';
	return rc;
}

int sl_encode_sql_file(const struct sl_encode_opts *opts, const char *schema, const char *table,
                       const struct sl_rowset *rs, struct sl_buf *out)
{
	int rc = sl_encode_sql_prologue(out, schema);
	/* Rows decoded from a file in another character set keep its bytes,
	 * and so the file's SET NAMES (a name of letters, digits and '_'). */
	if (!rc && opts->names &&
	    strspn(opts->names, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMN"
	                        "OPQRSTUVWXYZ0123456789_") == strlen(opts->names))
		rc = sl_buf_printf(out, "/*!40101 SET NAMES %s*/;\n", opts->names);
	return rc ? rc : sl_encode_sql_rows(opts, table, rs, out);
}
