/* decode_sql.c - INSERT statements back into rows (see decode_sql.h).
 *
 * A small hand-written scanner: the grammar is a fixed statement shape
 * and a handful of literal forms, and the hot loop (plain bytes of a
 * quoted string) is a memchr-style run copy, 16 bytes at a time with
 * SSE2, so decoding costs about what encoding does.  Every value is decoded into 'scratch' first and the row
 * added to the rowset in one call, so a row that fails leaves nothing. */
#include "format/decode_sql.h"

#include <stdint.h>
#include <string.h>
#include <strings.h>
#ifdef __SSE2__
#include <emmintrin.h>
#include <xmmintrin.h>
#endif

#include "base/alloc.h"
#include "format/rowset.h"
#include "format/sqltok.h"

#ifdef __SSE2__
/* Each row asks for the DECODE_PREFETCH_ROW bytes that lie DECODE_PREFETCH
 * ahead of it: a statement comes from another core's cache or from memory,
 * and the scan otherwise waits for every line it reaches (as in
 * sqlsplit.c). */
#define DECODE_PREFETCH     2048
#define DECODE_PREFETCH_ROW 256
#endif

/* Comments skipped; "x" is a name. */
#define SQL_FLAGS (SL_SQLTOK_COMMENTS | SL_SQLTOK_DQ_NAME)

/* What a backslash followed by each byte stands for in a string; 0: the
 * byte itself (the server drops the backslash).  \% and \_ keep theirs. */
static const char unescape[256] = {
    ['0'] = '\0', ['b'] = '\b', ['n'] = '\n', ['r'] = '\r', ['t'] = '\t', ['Z'] = '\032',
};

struct scan {
	const char *p;
	size_t len, i;
	struct sl_error *err;
};

static int fail(struct scan *s, const char *what)
{
	return sl_error_set(s->err, SL_EFORMAT, "byte %zu of the statement: %s", s->i, what);
}

/* Skip blanks and comments (a statement from sqlsplit may keep comments
 * inside it; executable comments are not read into rows). */
static void skip_ws_slow(struct scan *s)
{
	struct sl_sqltok_lexer lx = {s->p, s->len, s->i, SQL_FLAGS, false};
	sl_sqltok_skip(&lx);
	s->i = lx.i;
}

static inline void skip_ws(struct scan *s)
{
	if (s->i < s->len) {
		char c = s->p[s->i];
		if (c != ' ' && c != '\t' && c != '\n' && c != '\r' && c != '/' && c != '-' &&
		    c != '#')
			return; /* the common case: nothing to skip */
	}
	skip_ws_slow(s);
}

/* The keyword 'kw' (any case) as a whole word at the cursor: consumed. */
static bool keyword(struct scan *s, const char *kw)
{
	size_t n = strlen(kw);
	if (s->len - s->i < n || strncasecmp(s->p + s->i, kw, n) != 0)
		return false;
	if (s->i + n < s->len && sl_sqltok_word_byte((unsigned char)s->p[s->i + n]))
		return false;
	s->i += n;
	skip_ws(s);
	return true;
}

/* An identifier: `quoted` (`` for a backtick), "quoted", or bare.  Its
 * name into a new string in *out. */
static int ident(struct scan *s, char **out)
{
	struct sl_sqltok_lexer lx = {s->p, s->len, s->i, SQL_FLAGS, false};
	struct sl_sqltok t = sl_sqltok_next(&lx);
	*out = NULL;
	if (t.kind == SL_SQLTOK_BAD && (*t.p == '`' || *t.p == '"'))
		return fail(s, "an unterminated quoted name");
	if (t.kind != SL_SQLTOK_NAME && t.kind != SL_SQLTOK_WORD)
		return fail(s, "a name expected");
	if (!(*out = sl_sqltok_name(t)))
		return SL_ENOMEM;
	s->i = lx.i;
	skip_ws(s);
	return 0;
}

bool sl_decode_is_insert(const char *stmt, size_t len)
{
	return (len >= 6 && !strncasecmp(stmt, "INSERT", 6)) ||
	       (len >= 7 && !strncasecmp(stmt, "REPLACE", 7));
}

size_t sl_decode_set_names(const char *stmt, size_t len, const char **name)
{
	size_t i = 0, n = 0;
	if (len > 3 && !strncmp(stmt, "/*!", 3)) {
		i = 3;
		while (i < len && stmt[i] >= '0' && stmt[i] <= '9')
			i++;
		while (i < len && stmt[i] == ' ')
			i++;
	}
	if (len - i < 10 || strncasecmp(stmt + i, "SET NAMES ", 10))
		return 0;
	i += 10;
	while (i + n < len && (stmt[i + n] == '_' || (stmt[i + n] >= '0' && stmt[i + n] <= '9') ||
	                       ((stmt[i + n] | 32) >= 'a' && (stmt[i + n] | 32) <= 'z')))
		n++;
	*name = stmt + i;
	return n;
}

void sl_insert_head_free(struct sl_insert_head *h)
{
	sl_free(h->schema);
	sl_free(h->table);
	for (size_t i = 0; i < h->ncols; i++)
		sl_free(h->cols[i]);
	sl_free(h->cols);
	memset(h, 0, sizeof(*h));
}

int sl_decode_insert_head(const char *stmt, size_t len, struct sl_insert_head *h,
                          struct sl_error *err)
{
	struct scan s = {stmt, len, 0, err};
	int rc;
	memset(h, 0, sizeof(*h));
	skip_ws(&s);
	if (keyword(&s, "REPLACE")) {
		h->replace = true;
	} else if (!keyword(&s, "INSERT")) {
		return fail(&s, "not an INSERT or REPLACE statement");
	}
	/* A scheduling hint: nothing for the rows. */
	(void)(keyword(&s, "LOW_PRIORITY") || keyword(&s, "DELAYED") ||
	       keyword(&s, "HIGH_PRIORITY"));
	if (!h->replace && keyword(&s, "IGNORE"))
		h->ignore = true;
	keyword(&s, "INTO");
	if ((rc = ident(&s, &h->table)))
		return rc;
	if (s.i < len && stmt[s.i] == '.') {
		s.i++;
		skip_ws(&s);
		h->schema = h->table;
		h->table = NULL;
		if ((rc = ident(&s, &h->table)))
			return rc;
	}
	if (s.i < len && stmt[s.i] == '(') {
		s.i++;
		skip_ws(&s);
		size_t cap = 0;
		for (;;) {
			if (h->ncols == cap) {
				size_t ncap = cap ? cap * 2 : 16;
				char **v = sl_realloc(h->cols, ncap * sizeof(*v));
				if (!v)
					return SL_ENOMEM;
				h->cols = v;
				cap = ncap;
			}
			if ((rc = ident(&s, &h->cols[h->ncols])))
				return rc;
			h->ncols++;
			if (s.i < len && stmt[s.i] == ',') {
				s.i++;
				skip_ws(&s);
				continue;
			}
			if (s.i < len && stmt[s.i] == ')') {
				s.i++;
				skip_ws(&s);
				break;
			}
			return fail(&s, "',' or ')' expected in the column list");
		}
	}
	if (!keyword(&s, "VALUES") && !keyword(&s, "VALUE"))
		return fail(&s, "VALUES expected (only INSERT ... VALUES is read back into rows)");
	if (s.i >= len || stmt[s.i] != '(')
		return fail(&s, "'(' expected");
	h->first_row = s.i;
	return 0;
}

/* --- values -------------------------------------------------------------- */

/* A quoted string at the cursor (its quote): the bytes into out. */
/* Where the first q or backslash is in p[i..len), or len.  Strings are
 * mostly plain: 16 bytes are checked at once where SSE2 exists. */
static size_t string_end(const char *p, size_t i, size_t len, char q)
{
#ifdef __SSE2__
	const __m128i vq = _mm_set1_epi8(q), bs = _mm_set1_epi8('\\');
	for (; i + 16 <= len; i += 16) {
		__m128i v = _mm_loadu_si128((const __m128i *)(const void *)(p + i));
		unsigned mask = (unsigned)_mm_movemask_epi8(
		    _mm_or_si128(_mm_cmpeq_epi8(v, vq), _mm_cmpeq_epi8(v, bs)));
		if (mask)
			return i + (size_t)__builtin_ctz(mask);
	}
#endif
	while (i < len && p[i] != q && p[i] != '\\')
		i++;
	return i;
}

static int string_lit(struct scan *s, struct sl_buf *out)
{
	char q = s->p[s->i++];
	for (;;) {
		size_t start = s->i;
		s->i = string_end(s->p, s->i, s->len, q);
		if (s->i > start && sl_buf_append(out, s->p + start, s->i - start))
			return SL_ENOMEM;
		if (s->i >= s->len)
			return fail(s, "an unterminated string");
		char c = s->p[s->i++];
		if (c == q) {
			if (s->i < s->len && s->p[s->i] == q) {
				s->i++;
				if (sl_buf_putc(out, q))
					return SL_ENOMEM;
				continue;
			}
			return 0;
		}
		/* A backslash. */
		if (s->i >= s->len)
			return fail(s, "an unterminated string");
		unsigned char e = (unsigned char)s->p[s->i++];
		int rc;
		if (e == '%' || e == '_')
			rc = sl_buf_putc(out, '\\') || sl_buf_putc(out, (char)e) ? SL_ENOMEM : 0;
		else if (e == '0' || unescape[e])
			rc = sl_buf_putc(out, unescape[e]);
		else
			rc = sl_buf_putc(out, (char)e);
		if (rc)
			return SL_ENOMEM;
	}
}

/* Hex digits p[0..n) as bytes (an odd count has a leading 0 nibble). */
static int hex_bytes(struct scan *s, const char *p, size_t n, struct sl_buf *out)
{
	if (sl_buf_reserve(out, n / 2 + 1))
		return SL_ENOMEM;
	char *w = out->data + out->len;
	size_t k = 0;
	if (n % 2) {
		int lo = sl_hexval(p[0]);
		if (lo < 0)
			return fail(s, "a bad hex digit");
		*w++ = (char)lo;
		k = 1;
	}
	for (; k < n; k += 2) {
		int hi = sl_hexval(p[k]), lo = sl_hexval(p[k + 1]);
		if (hi < 0 || lo < 0)
			return fail(s, "a bad hex digit");
		*w++ = (char)(hi << 4 | lo);
	}
	out->len = (size_t)(w - out->data);
	out->data[out->len] = '\0';
	return 0;
}

/* Binary digits p[0..n) as big-endian bytes, left-padded to whole bytes. */
static int bit_bytes(struct scan *s, const char *p, size_t n, struct sl_buf *out)
{
	size_t nbytes = (n + 7) / 8;
	if (sl_buf_reserve(out, nbytes + 1))
		return SL_ENOMEM;
	unsigned char *w = (unsigned char *)out->data + out->len;
	memset(w, 0, nbytes);
	size_t pad = nbytes * 8 - n;
	for (size_t k = 0; k < n; k++) {
		if (p[k] != '0' && p[k] != '1')
			return fail(s, "a bad binary digit");
		if (p[k] == '1') {
			size_t bit = pad + k;
			w[bit / 8] |= (unsigned char)(0x80u >> (bit % 8));
		}
	}
	out->len += nbytes;
	out->data[out->len] = '\0';
	return 0;
}

/* X'..' or B'..' (the letter already consumed; the quote at the cursor). */
static int quoted_digits(struct scan *s, bool bits, struct sl_buf *out)
{
	size_t start = ++s->i;
	while (s->i < s->len && s->p[s->i] != '\'')
		s->i++;
	if (s->i >= s->len)
		return fail(s, "an unterminated literal");
	size_t n = s->i - start;
	s->i++;
	if (!bits && n % 2)
		return fail(s, "X'..' with an odd number of digits");
	return bits ? bit_bytes(s, s->p + start, n, out) : hex_bytes(s, s->p + start, n, out);
}

/* One value at the cursor into out: *is_null set for NULL. */
static int value(struct scan *s, struct sl_buf *out, bool *is_null)
{
	*is_null = false;
	if (s->i >= s->len)
		return fail(s, "a value expected");
	const char *p = s->p;
	char c = p[s->i];
	if (c == '\'' || c == '"')
		return string_lit(s, out);
	if (c == '0' && s->i + 1 < s->len && (p[s->i + 1] == 'x' || p[s->i + 1] == 'b')) {
		bool bits = p[s->i + 1] == 'b';
		size_t start = s->i + 2, k = start;
		while (k < s->len && sl_sqltok_word_byte((unsigned char)p[k]))
			k++;
		if (k == start)
			return fail(s, "a hex or bit literal without digits");
		s->i = k;
		return bits ? bit_bytes(s, p + start, k - start, out)
		            : hex_bytes(s, p + start, k - start, out);
	}
	if ((c == '-' || c == '+' || c == '.' || (c >= '0' && c <= '9'))) {
		size_t start = s->i, digits = 0;
		while (s->i < s->len) {
			char d = p[s->i];
			if (d >= '0' && d <= '9')
				digits++;
			else if (!(d == '-' || d == '+' || d == '.' || d == 'e' || d == 'E'))
				break;
			s->i++;
		}
		if (!digits)
			return fail(s, "a number without digits");
		return sl_buf_append(out, p + start, s->i - start);
	}
	if ((c == 'x' || c == 'X' || c == 'b' || c == 'B') && s->i + 1 < s->len &&
	    p[s->i + 1] == '\'') {
		s->i++;
		return quoted_digits(s, c == 'b' || c == 'B', out);
	}
	if ((c == 'N' || c == 'n') && s->len - s->i >= 4 && !strncasecmp(p + s->i, "NULL", 4) &&
	    (s->i + 4 == s->len || !sl_sqltok_word_byte((unsigned char)p[s->i + 4]))) {
		s->i += 4;
		*is_null = true;
		return 0;
	}
	if (c == '_') {
		/* A character set introducer: _binary 'x', _latin1'x', _utf8mb4 0x.. */
		size_t k = s->i + 1;
		while (k < s->len && sl_sqltok_word_byte((unsigned char)p[k]))
			k++;
		s->i = k;
		skip_ws(s);
		if (s->i < s->len &&
		    (p[s->i] == '\'' || p[s->i] == '"' || p[s->i] == '0' || p[s->i] == 'x' ||
		     p[s->i] == 'X' || p[s->i] == 'b' || p[s->i] == 'B'))
			return value(s, out, is_null);
		return fail(s, "a literal expected after a character set introducer");
	}
	return fail(s, "not a literal (only NULL, numbers, strings, hex and bit literals are "
	               "read back into rows)");
}

int sl_decode_insert_row(const char *stmt, size_t len, size_t *pos, size_t ncols,
                         struct sl_buf *scratch, size_t *offs, struct sl_error *err)
{
	struct scan s = {stmt, len, *pos, err};
	int rc;
#ifdef __SSE2__
	for (size_t k = 0; k < DECODE_PREFETCH_ROW && s.i < len && len - s.i > DECODE_PREFETCH + k;
	     k += 64)
		_mm_prefetch(stmt + s.i + DECODE_PREFETCH + k, _MM_HINT_T0);
#endif
	skip_ws(&s);
	if (s.i >= len) {
		rc = fail(&s, "a row expected");
		goto out;
	}
	if (stmt[s.i] != '(') {
		rc = fail(&s, "'(' expected at the start of a row");
		goto out;
	}
	s.i++;
	sl_buf_reset(scratch);
	size_t n = 0;
	for (;;) {
		skip_ws(&s);
		bool is_null;
		size_t at = scratch->len;
		if ((rc = value(&s, scratch, &is_null)))
			goto out;
		if (n < ncols) {
			offs[2 * n] = is_null ? SIZE_MAX : at;
			offs[2 * n + 1] = scratch->len - at;
		}
		n++;
		skip_ws(&s);
		if (s.i < len && stmt[s.i] == ',') {
			s.i++;
			continue;
		}
		if (s.i < len && stmt[s.i] == ')') {
			s.i++;
			break;
		}
		rc = fail(&s, "',' or ')' expected after a value");
		goto out;
	}
	if (n != ncols) {
		rc = sl_error_set(err, SL_EFORMAT,
		                  "byte %zu of the statement: a row of %zu values, %zu expected",
		                  s.i, n, ncols);
		goto out;
	}
	skip_ws(&s);
	if (s.i >= len) {
		rc = 0;
	} else if (stmt[s.i] != ',') {
		rc = fail(&s, "',' or the end expected after a row");
	} else {
		s.i++;
		rc = 1;
	}
out:
	*pos = s.i;
	return rc;
}

int sl_decode_insert_rows(const char *stmt, size_t len, size_t *pos, struct sl_rowset *rs,
                          size_t max_bytes, struct sl_buf *scratch, struct sl_error *err)
{
	size_t nc = rs->ncols;
	size_t *offs = sl_malloc((nc ? nc : 1) * 2 * sizeof(*offs));
	const char **vals = sl_malloc((nc ? nc : 1) * sizeof(*vals));
	unsigned long *lens = sl_malloc((nc ? nc : 1) * sizeof(*lens));
	int rc = SL_ENOMEM;
	while (offs && vals && lens) {
		int more = sl_decode_insert_row(stmt, len, pos, nc, scratch, offs, err);
		if (more < 0) {
			rc = more;
			break;
		}
		/* An arena that never grew has no data: empty values still need a
		 * pointer to be told from NULL. */
		const char *base = scratch->data ? scratch->data : "";
		for (size_t c = 0; c < nc; c++) {
			vals[c] = offs[2 * c] == SIZE_MAX ? NULL : base + offs[2 * c];
			lens[c] = (unsigned long)offs[2 * c + 1];
		}
		rc = SL_ENOMEM;
		if (sl_rowset_add_row(rs, vals, lens))
			break;
		rc = more;
		if (!more || sl_rowset_bytes(rs) >= max_bytes)
			break;
	}
	sl_free(offs);
	sl_free(vals);
	sl_free(lens);
	return rc;
}
