/* encode_sql.c - render rows as multi-row INSERT statements.
 *
 * This is the hottest loop of a dump: every value of every row passes
 * through the row writer (sl_sql_writer_row(), straight from the fetched
 * rows, or for a rowset through sl_encode_sql_rows()).  It reserves the
 * worst case for a whole row
 * once (2n+2 bytes per string or binary value) and then writes straight
 * into the buffer with table lookups for escaping and hex, with no function
 * call per byte.  Statements are cut so that each one, from "INSERT" to its
 * ";\n", is at most opts->statement_size bytes, unless it holds a single
 * row: a row is encoded where it would continue the current statement, and
 * when it does not fit, the row is moved once to make room for ");\n" and a
 * new INSERT header.  Output is plain SQL that a `mariadb` client and
 * myloader both import; the prologue sets the session so that bytes pass
 * untouched (SET NAMES binary) and temporal values mean UTC.
 *
 * The scan for bytes to escape is written by hand because it is most of a
 * dump's own CPU: where the CPU has AVX2 (checked at run time) it
 * classifies 32 bytes with two nibble table lookups, elsewhere SSE2
 * compares 16 bytes with each of the seven escaped bytes.  Encoding 4M
 * sysbench rows took 0.14 s with SSE2 alone, 0.085 s with AVX2 (0.095 s
 * straight from the fetched rows, sl_sql_writer_row(), against 0.21 s for
 * the copy into a rowset and its encoding before); checking and copying
 * numbers of 4 to 16 digits a word at a time instead of a byte at a time
 * and a memcpy() call took it to 0.066 s. */
#include "format/encode_sql.h"

#ifdef __SSE2__
#include <emmintrin.h>
#endif
#if defined(__x86_64__) && defined(__GNUC__)
#include <immintrin.h>
#define SL_SQL_AVX2 1
#endif

#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "base/alloc.h"
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

/* True when each of the 8 bytes of x is an ASCII digit: its high nibble is
 * 3, and adding 6 does not carry into it (no carry crosses bytes: a byte
 * that could carry out has a high nibble of F). */
static inline bool sl_sql_digits8(uint64_t x)
{
	const uint64_t hi = 0xf0f0f0f0f0f0f0f0u, three = 0x3030303030303030u;
	return (x & hi) == three && ((x + 0x0606060606060606u) & hi) == three;
}

/* Write p[0..len) at w when it may be written as a bare number; returns the
 * end of what was written, or NULL when it is not one (what was written
 * then is scratch: the caller quotes the value over it).  Integers of 4 to
 * 16 digits (most keys and counts) are checked and copied as two
 * overlapping words instead of a byte at a time. */
static inline char *sl_sql_put_number(char *w, const unsigned char *p, size_t len)
{
	if (len >= 8 && len <= 16) {
		uint64_t a, b;
		memcpy(&a, p, 8);
		memcpy(&b, p + len - 8, 8);
		if (sl_sql_digits8(a) && sl_sql_digits8(b)) {
			memcpy(w, &a, 8);
			memcpy(w + len - 8, &b, 8);
			return w + len;
		}
	} else if (len >= 4 && len < 8) {
		uint32_t a, b;
		memcpy(&a, p, 4);
		memcpy(&b, p + len - 4, 4);
		if (sl_sql_digits8((uint64_t)a << 32 | b)) {
			memcpy(w, &a, 4);
			memcpy(w + len - 4, &b, 4);
			return w + len;
		}
	}
	if (len == 0)
		return NULL;
	for (size_t i = 0; i < len; i++) {
		if (!sl_sql_numch[p[i]])
			return NULL;
		w[i] = (char)p[i];
	}
	return w + len;
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

#ifdef __SSE2__
/* Bit i set when p[i] (of 16) needs an escape. */
static inline unsigned sl_sql_special_mask(const unsigned char *p)
{
	const __m128i nul = _mm_setzero_si128(), nl = _mm_set1_epi8('\n'), cr = _mm_set1_epi8('\r'),
	              sub = _mm_set1_epi8('\032'), q1 = _mm_set1_epi8('\''),
	              q2 = _mm_set1_epi8('"'), bs = _mm_set1_epi8('\\');
	__m128i v = _mm_loadu_si128((const __m128i *)(const void *)p);
	__m128i hit =
	    _mm_or_si128(_mm_or_si128(_mm_or_si128(_mm_cmpeq_epi8(v, nul), _mm_cmpeq_epi8(v, nl)),
	                              _mm_or_si128(_mm_cmpeq_epi8(v, cr), _mm_cmpeq_epi8(v, sub))),
	                 _mm_or_si128(_mm_or_si128(_mm_cmpeq_epi8(v, q1), _mm_cmpeq_epi8(v, q2)),
	                              _mm_cmpeq_epi8(v, bs)));
	return (unsigned)_mm_movemask_epi8(hit);
}
#endif

/* Copy the leading bytes of p that need no escape to w; returns how many.
 * Text is mostly plain, so 16 bytes are checked at once where SSE2 exists
 * (every x86-64), the last 16 overlapping what was checked before (no byte
 * loop for the tail of a value of 16 bytes or more); shorter values and
 * other machines go byte by byte. */
static size_t sl_sql_plain_run(char *w, const unsigned char *p, size_t len)
{
	size_t i = 0;
#ifdef __SSE2__
	for (; i + 16 <= len; i += 16) {
		unsigned mask = sl_sql_special_mask(p + i);
		if (mask) {
			size_t k = (size_t)__builtin_ctz(mask);
			memcpy(w + i, p + i, k);
			return i + k;
		}
		memcpy(w + i, p + i, 16);
	}
	if (i < len && len >= 16) {
		/* Bytes before i are plain: the mask starts at i or later. */
		size_t at = len - 16;
		unsigned mask = sl_sql_special_mask(p + at);
		size_t end = mask ? at + (size_t)__builtin_ctz(mask) : len;
		memcpy(w + i, p + i, end - i);
		return end;
	}
#endif
	for (; i < len && !sl_sql_esc[p[i]]; i++)
		w[i] = (char)p[i];
	return i;
}

#ifdef SL_SQL_AVX2
/* Per low and high nibble of a byte, a bit for each high nibble that holds
 * escaped bytes (0: NUL \n \r, 1: \032, 2: " ', 5: \\): a byte needs an escape
 * when the two entries share a bit.  Bytes of 0x80 and up have no bit. */
#define SL_SQL_NIBBLES(...) _mm256_setr_epi8(__VA_ARGS__, __VA_ARGS__)

/* Bit i set when p[i] (of 32) needs an escape; *v gets the 32 bytes. */
__attribute__((target("avx2"))) static inline unsigned sl_sql_special_mask32(const unsigned char *p,
                                                                             __m256i *v)
{
	const __m256i lo_bits = SL_SQL_NIBBLES(1, 0, 4, 0, 0, 0, 0, 4, 0, 0, 3, 0, 8, 1, 0, 0);
	const __m256i hi_bits = SL_SQL_NIBBLES(1, 2, 4, 0, 0, 8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0);
	const __m256i low4 = _mm256_set1_epi8(0x0f);
	*v = _mm256_loadu_si256((const __m256i *)(const void *)p);
	__m256i lo = _mm256_shuffle_epi8(lo_bits, _mm256_and_si256(*v, low4));
	__m256i hi = _mm256_shuffle_epi8(hi_bits, _mm256_and_si256(_mm256_srli_epi16(*v, 4), low4));
	__m256i none = _mm256_cmpeq_epi8(_mm256_and_si256(lo, hi), _mm256_setzero_si256());
	return ~(unsigned)_mm256_movemask_epi8(none);
}

/* sl_sql_plain_run() 32 bytes at a time; values shorter than 32 bytes go
 * to it.  Whole blocks are stored even where a byte needs an escape: w has
 * room for twice the bytes left, and what follows the returned length is
 * written again by the caller. */
__attribute__((target("avx2"))) static size_t sl_sql_plain_run_avx2(char *w, const unsigned char *p,
                                                                    size_t len)
{
	size_t i = 0;
	__m256i v;
	for (; i + 32 <= len; i += 32) {
		unsigned mask = sl_sql_special_mask32(p + i, &v);
		_mm256_storeu_si256((__m256i *)(void *)(w + i), v);
		if (mask)
			return i + (size_t)__builtin_ctz(mask);
	}
	if (i == len || len < 32)
		return i + sl_sql_plain_run(w + i, p + i, len - i);
	/* The last 32 bytes; those before i are plain, so the mask starts at
	 * i or later. */
	size_t at = len - 32;
	unsigned mask = sl_sql_special_mask32(p + at, &v);
	_mm256_storeu_si256((__m256i *)(void *)(w + at), v);
	return mask ? at + (size_t)__builtin_ctz(mask) : len;
}
#endif

/* Write one value at w, which has room for sl_sql_worst(len) bytes; returns
 * the end of what was written.  p == NULL writes NULL.  'avx2' is a
 * constant in each of the two copies below. */
static inline __attribute__((always_inline)) char *
sl_sql_put_with(char *w, enum sl_value_class cls, const unsigned char *p, size_t len, bool avx2)
{
	if (!p) {
		memcpy(w, "NULL", 4);
		return w + 4;
	}
	switch (cls) {
	case SL_VAL_NUMBER: {
		char *end = sl_sql_put_number(w, p, len);
		if (end)
			return end;
		break; /* not a plain number: quote it */
	}
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
		size_t n;
#ifdef SL_SQL_AVX2
		if (avx2)
			n = sl_sql_plain_run_avx2(w, p + i, len - i);
		else
#endif
			n = sl_sql_plain_run(w, p + i, len - i);
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

static char *sl_sql_put(char *w, enum sl_value_class cls, const unsigned char *p, size_t len)
{
	return sl_sql_put_with(w, cls, p, len, false);
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
static int sl_sql_insert_header(struct sl_buf *hdr, const char *table_name, size_t ncols,
                                const struct sl_column *const *cols)
{
	int rc;

	if ((rc = sl_buf_puts(hdr, "INSERT INTO ")) != 0)
		return rc;
	if ((rc = sl_buf_put_ident(hdr, table_name)) != 0)
		return rc;
	if ((rc = sl_buf_puts(hdr, " (")) != 0)
		return rc;
	for (size_t c = 0; c < ncols; c++) {
		if (c && (rc = sl_buf_putc(hdr, ',')) != 0)
			return rc;
		if ((rc = sl_buf_put_ident(hdr, cols[c]->name)) != 0)
			return rc;
	}
	return sl_buf_puts(hdr, ") VALUES ");
}

static int sl_sql_writer_row_sse2(struct sl_sql_writer *sw, struct sl_buf *out,
                                  const char *const *vals, const unsigned long *lens);
#ifdef SL_SQL_AVX2
__attribute__((target("avx2"))) static int sl_sql_writer_row_avx2(struct sl_sql_writer *sw,
                                                                  struct sl_buf *out,
                                                                  const char *const *vals,
                                                                  const unsigned long *lens);
#endif

int sl_sql_writer_init(struct sl_sql_writer *w, const struct sl_encode_opts *opts,
                       const char *table_name, size_t ncols, const struct sl_column *const *cols)
{
	*w = (struct sl_sql_writer){.hdr = SL_BUF_INIT,
	                            .cap = opts->statement_size,
	                            .ncols = ncols,
	                            .row = sl_sql_writer_row_sse2};
#ifdef SL_SQL_AVX2
	if (__builtin_cpu_supports("avx2"))
		w->row = sl_sql_writer_row_avx2;
#endif
	int rc = SL_ENOMEM;
	if (!(w->cls = sl_calloc(ncols ? ncols : 1, sizeof(*w->cls))))
		goto fail;
	for (size_t c = 0; c < ncols; c++)
		w->cls[c] = cols[c]->value_class;
	if ((rc = sl_sql_insert_header(&w->hdr, table_name, ncols, cols)) != 0)
		goto fail;
	return 0;
fail:
	sl_sql_writer_free(w);
	return rc;
}

void sl_sql_writer_free(struct sl_sql_writer *w)
{
	sl_buf_free(&w->hdr);
	sl_free(w->cls);
	w->cls = NULL;
}

/* sl_sql_writer_row(), with the value writer of one kind of CPU inlined. */
static inline __attribute__((always_inline)) int
sl_sql_writer_row_with(struct sl_sql_writer *sw, struct sl_buf *out, const char *const *vals,
                       const unsigned long *lens, bool avx2)
{
	const struct sl_buf *hdr = &sw->hdr;
	size_t ncols = sw->ncols;
	/* Room for: ");\n" closing the previous statement, a header, "(", the
	 * values with their separators, ")", ";\n". */
	size_t need = 3 + hdr->len + 2 + ncols + 2;
	for (size_t c = 0; c < ncols; c++) {
		size_t w = sl_sql_worst(vals[c] ? (size_t)lens[c] : SL_CELL_NULL);
		if (need + w < need)
			return SL_ENOMEM; /* overflow */
		need += w;
	}
	int rc = sl_buf_reserve(out, need);
	if (rc)
		return rc;

	char *w = out->data + out->len;
	char *row; /* where this row's "(" is */
	if (sw->stmt == 0) {
		memcpy(w, hdr->data, hdr->len);
		w += hdr->len;
	} else {
		*w++ = ',';
	}
	row = w;
	*w++ = '(';
	for (size_t c = 0; c < ncols; c++) {
		if (c)
			*w++ = ',';
		w = sl_sql_put_with(w, sw->cls[c], (const unsigned char *)vals[c],
		                    vals[c] ? (size_t)lens[c] : 0, avx2);
	}
	*w++ = ')';
	size_t rowlen = (size_t)(w - row);

	if (sw->stmt == 0) {
		sw->stmt = hdr->len + rowlen;
	} else if (sw->stmt + 1 + rowlen + 2 <= sw->cap) {
		sw->stmt += 1 + rowlen;
	} else {
		/* Does not fit: the ',' becomes ";\n" and a new header, and the
		 * row moves behind them. */
		char *comma = row - 1;
		memmove(comma + 2 + hdr->len, row, rowlen);
		memcpy(comma, ";\n", 2);
		memcpy(comma + 2, hdr->data, hdr->len);
		w = comma + 2 + hdr->len + rowlen;
		sw->stmt = hdr->len + rowlen;
	}
	out->len = (size_t)(w - out->data);
	out->data[out->len] = '\0'; /* the reserve left room for ";\n" and more */
	return 0;
}

static int sl_sql_writer_row_sse2(struct sl_sql_writer *sw, struct sl_buf *out,
                                  const char *const *vals, const unsigned long *lens)
{
	return sl_sql_writer_row_with(sw, out, vals, lens, false);
}

#ifdef SL_SQL_AVX2
__attribute__((target("avx2"))) static int sl_sql_writer_row_avx2(struct sl_sql_writer *sw,
                                                                  struct sl_buf *out,
                                                                  const char *const *vals,
                                                                  const unsigned long *lens)
{
	return sl_sql_writer_row_with(sw, out, vals, lens, true);
}
#endif

int sl_sql_writer_row(struct sl_sql_writer *sw, struct sl_buf *out, const char *const *vals,
                      const unsigned long *lens)
{
	return sw->row(sw, out, vals, lens);
}

int sl_sql_writer_end(struct sl_sql_writer *w, struct sl_buf *out)
{
	if (w->stmt == 0)
		return 0;
	int rc = sl_buf_append(out, ";\n", 2);
	if (!rc)
		w->stmt = 0;
	return rc;
}

int sl_encode_sql_rows(const struct sl_encode_opts *opts, const char *table_name,
                       const struct sl_rowset *rs, struct sl_buf *out)
{
	struct sl_sql_writer w;
	size_t start = out->len;
	size_t ncols = rs->ncols;
	const char **vals = NULL;
	unsigned long *lens = NULL;
	int rc;

	if (rs->nrows == 0)
		return 0;
	if ((rc = sl_sql_writer_init(&w, opts, table_name, ncols, rs->cols)) != 0)
		return rc;
	vals = sl_calloc(ncols ? ncols : 1, sizeof(*vals));
	lens = sl_calloc(ncols ? ncols : 1, sizeof(*lens));
	if (!vals || !lens) {
		rc = SL_ENOMEM;
		goto out;
	}
	/* An arena that never held a byte has no memory: empty values still
	 * need a non-NULL pointer to be told apart from NULL. */
	const char *arena = rs->arena.data ? rs->arena.data : "";
	const struct sl_cell *cell = rs->cells;
	for (size_t r = 0; r < rs->nrows && !rc; r++, cell += ncols) {
		for (size_t c = 0; c < ncols; c++) {
			bool null = cell[c].len == SL_CELL_NULL;
			vals[c] = null ? NULL : arena + cell[c].off;
			lens[c] = null ? 0 : (unsigned long)cell[c].len;
		}
		rc = sl_sql_writer_row(&w, out, vals, lens);
	}
	if (!rc)
		rc = sl_sql_writer_end(&w, out);
out:
	sl_free(vals);
	sl_free(lens);
	sl_sql_writer_free(&w);
	if (rc) {
		out->len = start;
		if (out->data)
			out->data[start] = '\0';
	}
	return rc;
}

int sl_encode_sql_file_start(const struct sl_encode_opts *opts, const char *schema,
                             struct sl_buf *out)
{
	int rc = sl_encode_sql_prologue(out, schema);
	/* Rows decoded from a file in another character set keep its bytes,
	 * and so the file's SET NAMES (a name of letters, digits and '_'). */
	if (!rc && opts->names &&
	    strspn(opts->names, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMN"
	                        "OPQRSTUVWXYZ0123456789_") == strlen(opts->names))
		rc = sl_buf_printf(out, "/*!40101 SET NAMES %s*/;\n", opts->names);
	return rc;
}

int sl_encode_sql_file(const struct sl_encode_opts *opts, const char *schema, const char *table,
                       const struct sl_rowset *rs, struct sl_buf *out)
{
	int rc = sl_encode_sql_file_start(opts, schema, out);
	return rc ? rc : sl_encode_sql_rows(opts, table, rs, out);
}
