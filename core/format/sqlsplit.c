/* sqlsplit.c - split SQL text into statements (see sqlsplit.h).
 *
 * The rules are those of add_line() and read_and_execute() in the client
 * (client/mysql.cc of MariaDB), minus its backslash and line commands other
 * than DELIMITER.  Each statement takes two steps: sp_skip() consumes what
 * lies between statements (whitespace, comments, empty statements and
 * DELIMITER lines; short, so byte by byte), then sp_scan() walks the
 * statement to its delimiter.  That walk is the hot loop of the loader: a
 * data file is mostly INSERT text, so with SSE2 (every x86-64) sp_fast()
 * classifies 64 bytes at a time into bit masks and walks text and strings
 * through them; comments, identifiers and the last bytes of the buffer take
 * the general path, which skips ordinary bytes 16 at a time.  Nothing is
 * copied.  The statement's end is trimmed back over whitespace
 * and a trailing run of comments, which the scan remembers as it passes
 * them (rare, so that costs nothing).
 *
 * A buffer that is not final is handled as if it ended at its last
 * complete statement: whenever a decision needs bytes past the end (a
 * delimiter, comment or quote not closed yet, "--" without its third byte)
 * the scan stops with SP_MORE and consumes nothing of that statement, so
 * splitting in pieces gives the same statements as splitting at once. */
#include "format/sqlsplit.h"

#ifdef __SSE2__
#include <emmintrin.h>
#include <xmmintrin.h>
#endif

#include <string.h>

/* Outcomes of the steps below besides negative SL_E* codes. */
enum {
	SP_MORE = 0, /* the buffer ends first; s->pos is the first byte not consumed */
	SP_DONE = 1, /* the step is complete */
	SP_TEXT = 2  /* not a DELIMITER line after all: statement text */
};

/* Bytes that may end a run of ordinary statement text outside quotes and
 * comments (the delimiter's first byte is checked besides). */
static const unsigned char sp_textch[256] = {
    ['\''] = 1, ['"'] = 1, ['`'] = 1, ['-'] = 1, ['#'] = 1, ['/'] = 1,
};

/* Whitespace as the client's my_isspace() sees it. */
static bool sp_space(unsigned char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f';
}

/* Record an error at offset 'at' of the buffer; the splitter stays failed. */
static int sp_fail(struct sl_sqlsplit *s, struct sl_error *err, size_t at, const char *what)
{
	sl_error_set(err, SL_EFORMAT, "%s%sbyte %llu: %s", s->name ? s->name : "",
	             s->name ? ": " : "", (unsigned long long)(s->base + at), what);
	s->rc = SL_EFORMAT;
	return s->rc;
}

#ifdef __SSE2__
static __m128i sp_load(const unsigned char *p)
{
	return _mm_loadu_si128((const __m128i *)(const void *)p);
}
#endif

/* Index of the first byte at or after i that may end a run of statement
 * text: one of sp_textch or 'd0'; len when there is none. */
static size_t sp_text_run(const unsigned char *p, size_t i, size_t len, unsigned char d0)
{
#ifdef __SSE2__
	const __m128i q1 = _mm_set1_epi8('\''), q2 = _mm_set1_epi8('"'), bq = _mm_set1_epi8('`'),
	              da = _mm_set1_epi8('-'), ha = _mm_set1_epi8('#'), sl = _mm_set1_epi8('/'),
	              de = _mm_set1_epi8((char)d0);
	for (; i + 16 <= len; i += 16) {
		__m128i v = sp_load(p + i);
		__m128i hit = _mm_or_si128(
		    _mm_or_si128(_mm_or_si128(_mm_cmpeq_epi8(v, q1), _mm_cmpeq_epi8(v, q2)),
		                 _mm_or_si128(_mm_cmpeq_epi8(v, bq), _mm_cmpeq_epi8(v, da))),
		    _mm_or_si128(_mm_or_si128(_mm_cmpeq_epi8(v, ha), _mm_cmpeq_epi8(v, sl)),
		                 _mm_cmpeq_epi8(v, de)));
		int mask = _mm_movemask_epi8(hit);
		if (mask)
			return i + (size_t)__builtin_ctz((unsigned)mask);
	}
#endif
	for (; i < len; i++)
		if (sp_textch[p[i]] || p[i] == d0)
			return i;
	return len;
}

/* Index of the first byte at or after i that is 'a' or 'b'; len when there
 * is none. */
static size_t sp_find2(const unsigned char *p, size_t i, size_t len, unsigned char a,
                       unsigned char b)
{
#ifdef __SSE2__
	const __m128i va = _mm_set1_epi8((char)a), vb = _mm_set1_epi8((char)b);
	for (; i + 16 <= len; i += 16) {
		__m128i v = sp_load(p + i);
		int mask =
		    _mm_movemask_epi8(_mm_or_si128(_mm_cmpeq_epi8(v, va), _mm_cmpeq_epi8(v, vb)));
		if (mask)
			return i + (size_t)__builtin_ctz((unsigned)mask);
	}
#endif
	for (; i < len; i++)
		if (p[i] == a || p[i] == b)
			return i;
	return len;
}

/* Index of the quote 'q' that closes a string or identifier whose text
 * begins at i, or len when the buffer ends first.  'esc': a backslash
 * escapes the byte after it.  A doubled quote needs no care: it closes the
 * string and opens the next one, which is the same for splitting. */
static size_t sp_quoted_end(const unsigned char *p, size_t i, size_t len, unsigned char q, bool esc)
{
	if (!esc) {
		if (i >= len)
			return len;
		const unsigned char *e = memchr(p + i, q, len - i);
		return e ? (size_t)(e - p) : len;
	}
	for (;;) {
		i = sp_find2(p, i, len, q, '\\');
		if (i >= len || p[i] == q)
			return i;
		i += 2; /* the backslash and the byte it escapes */
	}
}

#ifdef __SSE2__
/* How far ahead of the block sp_fast() asks for the bytes: a file body
 * arrives from another core's cache or from memory, and without the hint
 * the walk waited for it (cold input split at 1.7 GB/s instead of 5.4
 * GB/s, which is also the speed on bytes already in the cache). */
#define SP_PREFETCH 2048

/* Bit k of each mask describes byte k of a 64-byte block. */
struct sp_masks {
	uint64_t sq;   /* ' */
	uint64_t dq;   /* " */
	uint64_t bs;   /* backslash */
	uint64_t text; /* bytes that end a run of statement text (sp_textch, d0) */
};

static void sp_block(const unsigned char *p, unsigned char d0, struct sp_masks *m)
{
	const __m128i sq = _mm_set1_epi8('\''), dq = _mm_set1_epi8('"'), bs = _mm_set1_epi8('\\'),
	              bq = _mm_set1_epi8('`'), da = _mm_set1_epi8('-'), ha = _mm_set1_epi8('#'),
	              sl = _mm_set1_epi8('/'), de = _mm_set1_epi8((char)d0);
	memset(m, 0, sizeof(*m));
	for (unsigned k = 0; k < 64; k += 16) {
		__m128i v = sp_load(p + k);
		__m128i vsq = _mm_cmpeq_epi8(v, sq), vdq = _mm_cmpeq_epi8(v, dq);
		__m128i t = _mm_or_si128(
		    _mm_or_si128(_mm_or_si128(vsq, vdq),
		                 _mm_or_si128(_mm_cmpeq_epi8(v, bq), _mm_cmpeq_epi8(v, da))),
		    _mm_or_si128(_mm_or_si128(_mm_cmpeq_epi8(v, ha), _mm_cmpeq_epi8(v, sl)),
		                 _mm_cmpeq_epi8(v, de)));
		m->sq |= (uint64_t)(unsigned)_mm_movemask_epi8(vsq) << k;
		m->dq |= (uint64_t)(unsigned)_mm_movemask_epi8(vdq) << k;
		m->bs |= (uint64_t)(unsigned)_mm_movemask_epi8(_mm_cmpeq_epi8(v, bs)) << k;
		m->text |= (uint64_t)(unsigned)_mm_movemask_epi8(t) << k;
	}
}

/* The fast path of sp_scan() for data files: from i, a position outside
 * quotes and comments, skip statement text and whole '...' and "..."
 * strings, 64 bytes at a time while 64 remain.  The masks of a block are
 * computed at once and then walked bit by bit, so each token costs a few
 * bit operations instead of a load-compare-find chain.  Returns where the
 * general walk must take over: a byte outside strings it has to look at
 * (another quote, a comment, the delimiter's first byte), or, within the
 * last 64 bytes of the buffer, the first byte not skipped (the opening
 * quote of a string that the buffer does not close).  Not for a delimiter
 * that begins with a quote. */
static size_t sp_fast(const unsigned char *p, size_t i, size_t len, unsigned char d0, bool esc1,
                      bool esc2)
{
	size_t b = i, q = 0;
	unsigned off = 0;     /* next bit of the block to look at; may pass 64 by one */
	uint64_t quoted = 0;  /* inside a string: the bits that end or escape it; else 0 */
	unsigned char qc = 0; /* the string's quote */

	while (len - b >= 64) {
		struct sp_masks m;
		if (len - b > SP_PREFETCH)
			_mm_prefetch((const char *)p + b + SP_PREFETCH, _MM_HINT_T0);
		sp_block(p + b, d0, &m);
		if (qc)
			quoted = qc == '\'' ? m.sq | (esc1 ? m.bs : 0) : m.dq | (esc2 ? m.bs : 0);
		while (off < 64) {
			uint64_t cur = (qc ? quoted : m.text) & (~0ULL << off);
			if (!cur) {
				off = 64;
				break;
			}
			unsigned k = (unsigned)__builtin_ctzll(cur);
			if (qc) {
				if ((m.bs >> k) & 1)
					off = k + 2; /* the backslash and the byte it escapes */
				else {
					qc = 0;
					off = k + 1;
				}
			} else if ((m.sq >> k) & 1 || (m.dq >> k) & 1) {
				qc = (m.sq >> k) & 1 ? '\'' : '"';
				quoted = qc == '\'' ? m.sq | (esc1 ? m.bs : 0)
				                    : m.dq | (esc2 ? m.bs : 0);
				q = b + k;
				off = k + 1;
			} else {
				/* A lone '-' (a negative number) or '/' needs no more. */
				size_t at = b + k;
				unsigned char c = p[at];
				if (c != d0 && at + 1 < len &&
				    ((c == '-' && p[at + 1] != '-') ||
				     (c == '/' && p[at + 1] != '*'))) {
					off = k + 1;
					continue;
				}
				return at;
			}
		}
		b += 64;
		off -= 64;
	}
	if (!qc)
		return b + off;
	/* Finish the string here: redoing a long one from its quote would
	 * double the work. */
	size_t j = sp_quoted_end(p, b + off, len, qc, qc == '\'' ? esc1 : esc2);
	return j < len ? j + 1 : q;
}
#endif

/* Whether the block comment opening at p[i] ("/" "*") is an executable
 * one (followed by '!' or "M!"): 1 yes, 0 no, -1 when a non-final buffer
 * ends before it can tell. */
static int sp_exec(const struct sl_sqlsplit *s, size_t i)
{
	if (i + 2 >= s->len)
		return s->final ? 0 : -1;
	if (s->p[i + 2] == '!')
		return 1;
	if (s->p[i + 2] != 'M')
		return 0;
	if (i + 3 >= s->len)
		return s->final ? 0 : -1;
	return s->p[i + 3] == '!';
}

/* Find the end of a block comment whose body begins at i: true with *end
 * (OUT) just past its closing star-slash, false when the buffer ends first.
 * Comments do not nest, as in the client and the server. */
static bool sp_comment_end(const unsigned char *p, size_t i, size_t len, size_t *end)
{
	while (i < len) {
		const unsigned char *star = memchr(p + i, '*', len - i);
		if (!star)
			return false;
		i = (size_t)(star - p) + 1;
		if (i < len && p[i] == '/') {
			*end = i + 1;
			return true;
		}
	}
	return false;
}

/* Whether the delimiter begins at p[i]. */
static bool sp_delim_at(const struct sl_sqlsplit *s, size_t i)
{
	return s->delim_len <= s->len - i && memcmp(s->p + i, s->delim, s->delim_len) == 0;
}

/* Does the delimiter end a line (SL_SQLSPLIT_LINE_END)? */
static bool sp_delim_eol(const struct sl_sqlsplit *s)
{
	return s->delim[s->delim_len - 1] == '\n';
}

/* Back from 'hi' over whitespace, not below 'lo'. */
static size_t sp_trim(const unsigned char *p, size_t lo, size_t hi)
{
	while (hi > lo && sp_space(p[hi - 1]))
		hi--;
	return hi;
}

/* A DELIMITER line may begin at the line start p[i]: parse it as the
 * client's find_command() and get_arg() do: the word (any case) followed
 * by blanks, then the new delimiter, either a quoted string ('', "" or ``,
 * a doubled quote stands for itself) or everything up to the next blank;
 * a backslash takes the next byte literally; the rest of the line is
 * ignored.  SP_DONE when it was one (consumed, delimiter set), SP_TEXT when
 * the line is statement text, SP_MORE when a non-final buffer ends within
 * the line, or SL_EFORMAT for an empty, unterminated, too long or
 * backslashed delimiter (the client only warns and keeps the old one; a
 * loader must not guess). */
static int sp_delimiter_line(struct sl_sqlsplit *s, size_t i, struct sl_error *err)
{
	static const char word[] = "delimiter";
	const char *p = s->p, *nl;
	const size_t len = s->len;
	size_t eol, j, n = 0;
	char d[SL_SQLSPLIT_DELIM_MAX], q = 0;
	bool closed = true;

	for (j = 0; j < sizeof(word) - 1; j++) {
		if (i + j == len)
			return s->final ? SP_TEXT : SP_MORE;
		if ((p[i + j] | 0x20) != word[j]) /* also no match for a newline */
			return SP_TEXT;
	}
	j = i + sizeof(word) - 1;
	if (j < len && !sp_space((unsigned char)p[j]))
		return SP_TEXT; /* a longer word, e.g. DELIMITERS */
	nl = memchr(p + j, '\n', len - j);
	if (!nl && !s->final)
		return SP_MORE;
	eol = nl ? (size_t)(nl - p) : len;
	while (j < eol && sp_space((unsigned char)p[j]))
		j++;
	if (j < eol && (p[j] == '\'' || p[j] == '"' || p[j] == '`')) {
		q = p[j++];
		closed = false;
	}
	for (; j < eol; j++) {
		char c = p[j];
		if (c == '\\' && j + 1 < eol)
			c = p[++j];
		else if (q && c == q && j + 1 < eol && p[j + 1] == q)
			j++;
		else if (q ? c == q : sp_space((unsigned char)c)) {
			closed = true;
			break;
		}
		if (n < sizeof(d))
			d[n] = c;
		n++;
	}
	if (!closed)
		return sp_fail(s, err, i, "DELIMITER with an unterminated quote");
	if (n == 0)
		return sp_fail(s, err, i, "DELIMITER must be followed by a delimiter");
	if (n > sizeof(d))
		return sp_fail(s, err, i, "DELIMITER longer than 16 bytes");
	if (memchr(d, '\\', n))
		return sp_fail(s, err, i, "DELIMITER cannot contain a backslash");
	memcpy(s->delim, d, n);
	s->delim_len = n;
	s->pos = nl ? eol + 1 : eol;
	s->bol = true;
	return SP_DONE;
}

/* Consume what lies before the next statement: whitespace, ordinary
 * comments, empty statements and DELIMITER lines.  SP_DONE with s->pos at
 * the statement's first byte, SP_MORE when the buffer ends first (s->pos at
 * the first byte not consumed), or an error.  At the start of a statement
 * "--" begins a comment even without a blank after it, as in the client. */
static int sp_skip(struct sl_sqlsplit *s, struct sl_error *err)
{
	const unsigned char *p = (const unsigned char *)s->p;
	size_t len = s->len, i = s->pos;
	bool bol = s->bol;
	int rc;

	if (i < len && s->base + i == 0 && p[0] == 0xEF) {
		/* A UTF-8 byte order mark, which the client skips too. */
		if (len >= 3 && p[1] == 0xBB && p[2] == 0xBF)
			i = 3;
		else if (!s->final && (len == 1 || (len == 2 && p[1] == 0xBB)))
			return SP_MORE;
	}
	while (i < len) {
		unsigned char c = p[i];
		if (c == '\n') {
			bol = true;
			i++;
			continue;
		}
		if (sp_space(c)) {
			i++;
			continue;
		}
		s->pos = i;
		s->bol = bol;
		if (bol && (c == 'd' || c == 'D')) {
			rc = sp_delimiter_line(s, i, err);
			if (rc == SP_DONE) {
				i = s->pos;
				bol = true;
				continue;
			}
			if (rc != SP_TEXT)
				return rc; /* SP_MORE (s->pos is i) or an error */
		}
		if (c == (unsigned char)s->delim[0] && sp_delim_at(s, i)) {
			i += s->delim_len; /* an empty statement */
			bol = sp_delim_eol(s);
			continue;
		}
		if (c == '#' || (c == '-' && i + 1 < len && p[i + 1] == '-')) {
			const unsigned char *nl = memchr(p + i, '\n', len - i);
			if (nl) {
				i = (size_t)(nl - p);
				continue;
			}
			if (!s->final)
				return SP_MORE;
			i = len;
			break;
		}
		if (c == '/' && i + 1 < len && p[i + 1] == '*') {
			int x = sp_exec(s, i);
			size_t end;
			if (x < 0)
				return SP_MORE;
			if (x == 0) {
				if (!sp_comment_end(p, i + 2, len, &end))
					return s->final ? sp_fail(s, err, i, "unterminated comment")
					                : SP_MORE;
				i = end;
				bol = false;
				continue;
			}
		}
		return SP_DONE; /* the statement's first byte */
	}
	s->pos = i;
	s->bol = bol;
	return SP_MORE;
}

/* Note a comment p[c0..c1) inside the statement that begins at 'start':
 * *cstart..*cend is the last run of comments separated by whitespace only. */
static void sp_comment(const unsigned char *p, size_t start, size_t c0, size_t c1, size_t *cstart,
                       size_t *cend)
{
	if (sp_trim(p, start, c0) > *cend)
		*cstart = c0;
	*cend = c1;
}

/* Note the comment that begins at p[i] and runs to the end of the line;
 * returns the index of that end (its newline, or len). */
static size_t sp_line_comment(const unsigned char *p, size_t start, size_t i, size_t len,
                              size_t *cstart, size_t *cend)
{
	const unsigned char *nl = memchr(p + i, '\n', len - i);
	size_t e = nl ? (size_t)(nl - p) : len;
	sp_comment(p, start, i, e, cstart, cend);
	return e;
}

/* Walk the statement that begins at s->pos to its delimiter.  SP_DONE with
 * *end (OUT: end of its trimmed text) and *next (OUT: the byte after the
 * delimiter, or len for a last statement without one), SP_MORE when a
 * non-final buffer ends first, or an error. */
static int sp_scan(struct sl_sqlsplit *s, size_t *end, size_t *next, struct sl_error *err)
{
	const unsigned char *p = (const unsigned char *)s->p;
	const size_t len = s->len, start = s->pos;
	const unsigned char d0 = (unsigned char)s->delim[0];
	const bool esc1 = !s->no_backslash_escapes, esc2 = esc1 && !s->ansi_quotes;
	size_t i = start, d = len, after = len;
	size_t cstart = start, cend = start; /* last run of comments; none yet */
#ifdef __SSE2__
	const bool fast = d0 != '\'' && d0 != '"';
#endif

	for (;;) {
#ifdef __SSE2__
		if (fast)
			i = sp_fast(p, i, len, d0, esc1, esc2);
#endif
		i = sp_text_run(p, i, len, d0);
		if (i >= len)
			break;
		unsigned char c = p[i];
		if (c == '\'' && d0 != '\'') {
			/* The common case in data files, kept off the switch. */
			size_t j = sp_quoted_end(p, i + 1, len, c, esc1);
			if (j >= len) {
				if (!s->final)
					return SP_MORE;
				return sp_fail(s, err, i, "unterminated string");
			}
			i = j + 1;
			continue;
		}
		if (c == d0 && sp_delim_at(s, i)) {
			d = i;
			after = i + s->delim_len;
			goto found;
		}
		switch (c) {
		case '\'':
		case '"':
		case '`': {
			size_t j = sp_quoted_end(p, i + 1, len, c,
			                         c == '\''  ? esc1
			                         : c == '"' ? esc2
			                                    : false);
			if (j >= len) {
				if (!s->final)
					return SP_MORE;
				return sp_fail(s, err, i,
				               c == '`' ? "unterminated quoted identifier"
				                        : "unterminated string");
			}
			i = j + 1;
			break;
		}
		case '-':
			if (i + 1 >= len || p[i + 1] != '-') {
				i++;
				break;
			}
			if (i + 2 >= len && !s->final)
				return SP_MORE;
			if (i + 2 < len && !sp_space(p[i + 2])) {
				i++; /* "--1" is minus minus one; "--- " has a comment at the 2nd '-' */
				break;
			}
			i = sp_line_comment(p, start, i, len, &cstart, &cend); /* "-- " */
			break;
		case '#':
			i = sp_line_comment(p, start, i, len, &cstart, &cend);
			break;
		case '/': {
			size_t e;
			int x;
			if (i + 1 >= len || p[i + 1] != '*') {
				i++;
				break;
			}
			if ((x = sp_exec(s, i)) < 0)
				return SP_MORE;
			if (x) {
				i++; /* executable: its body is statement text */
				break;
			}
			if (!sp_comment_end(p, i + 2, len, &e)) {
				if (!s->final)
					return SP_MORE;
				return sp_fail(s, err, i, "unterminated comment");
			}
			sp_comment(p, start, i, e, &cstart, &cend);
			i = e;
			break;
		}
		default: /* the delimiter's first byte, not followed by the rest */
			i++;
			break;
		}
	}
	if (!s->final)
		return SP_MORE;
found:
	*end = sp_trim(p, start, d);
	if (*end <= cend)
		*end = sp_trim(p, start, cstart);
	*next = after;
	return SP_DONE;
}

void sl_sqlsplit_init(struct sl_sqlsplit *s, const char *name, const char *p, size_t len)
{
	memset(s, 0, sizeof(*s));
	s->p = p;
	s->len = len;
	s->name = name;
	s->final = true;
	s->bol = true;
	s->delim[0] = ';';
	s->delim_len = 1;
}

int sl_sqlsplit_next(struct sl_sqlsplit *s, const char **stmt, size_t *stmt_len,
                     struct sl_error *err)
{
	size_t end, next;
	int rc;

	if (s->rc < 0)
		return s->rc;
	if ((rc = sp_skip(s, err)) != SP_DONE)
		return rc < 0 ? rc : 0;
	if ((rc = sp_scan(s, &end, &next, err)) != SP_DONE)
		return rc < 0 ? rc : 0;
	*stmt = s->p + s->pos;
	*stmt_len = end - s->pos;
	s->pos = next;
	s->bol = sp_delim_eol(s); /* the delimiter took the line's end */
	return 1;
}

void sl_sqlsplit_set_delimiter(struct sl_sqlsplit *s, const char *d, size_t n)
{
	if (n == 0)
		return;
	if (n > SL_SQLSPLIT_DELIM_MAX)
		n = SL_SQLSPLIT_DELIM_MAX;
	memcpy(s->delim, d, n);
	s->delim_len = n;
}

size_t sl_sqlsplit_pending(const struct sl_sqlsplit *s)
{
	return s->len - s->pos;
}

void sl_sqlsplit_refill(struct sl_sqlsplit *s, const char *p, size_t len, bool final)
{
	s->base += s->pos;
	s->p = p;
	s->len = len;
	s->pos = 0;
	s->final = final;
}
