/* fuzz_sqlsplit.c - fuzz target for the statement splitter (core/format/sqlsplit.c).
 *
 * The input is SQL text as a file body would hold it.  It is split four
 * ways: whole, whole a second time, in pieces through sl_sqlsplit_refill()
 * (each piece a fresh heap copy, so that reads outside it are caught), and
 * by ref_split() below, a plain byte-at-a-time splitter written from the
 * rules in sqlsplit.h, which has none of the SIMD fast paths.  Besides
 * crashes and sanitizer reports, the target aborts when the ways disagree
 * (statements, status or message), when a statement is empty, lies outside
 * the input, overlaps or precedes the one before, or begins or ends with
 * whitespace, or when an error message lacks the "fuzz: byte <offset>: "
 * prefix or has a newline.  The server modes (no_backslash_escapes,
 * ansi_quotes) come from a hash of the input.
 *
 * Built with -DSL_LIBFUZZER it is a libFuzzer target (tests/fuzz/run-
 * libfuzzer fuzz_sqlsplit builds and runs it).
 * Otherwise its main() replays every file of the directories (or files)
 * given as arguments, or of $srcdir/tests/fuzz/corpus_sqlsplit, as a
 * regression test for `make check`. */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/alloc.h"
#include "base/error.h"
#include "format/sqlsplit.h"
#include "replay.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* What one way of splitting returned: statements as offsets into the
 * input (arrays of size + 1 entries, owned). */
struct fz_result {
	int rc;
	size_t n;
	size_t *off, *len;
	struct sl_error err;
};

static void fz_result_init(struct fz_result *r, size_t size)
{
	memset(r, 0, sizeof(*r));
	r->off = sl_malloc((size + 1) * sizeof(*r->off));
	r->len = sl_malloc((size + 1) * sizeof(*r->len));
	if (!r->off || !r->len)
		abort(); /* no fault injection here */
}

static void fz_result_free(struct fz_result *r)
{
	sl_free(r->off);
	sl_free(r->len);
}

static void fz_add(struct fz_result *r, size_t size, size_t off, size_t len)
{
	if (r->n > size)
		abort(); /* more statements than bytes */
	r->off[r->n] = off;
	r->len[r->n] = len;
	r->n++;
}

/* --- the reference ------------------------------------------------------ */

struct ref {
	const unsigned char *p;
	size_t len, pos;
	bool bol, nbe, ansi;
	char delim[SL_SQLSPLIT_DELIM_MAX];
	size_t dlen;
	struct sl_error *err;
};

static bool ref_space(unsigned char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f';
}

static int ref_fail(struct ref *r, size_t at, const char *what)
{
	return sl_error_set(r->err, SL_EFORMAT, "fuzz: byte %zu: %s", at, what);
}

static bool ref_delim_at(const struct ref *r, size_t i)
{
	return i + r->dlen <= r->len && memcmp(r->p + i, r->delim, r->dlen) == 0;
}

/* "/" "*" at i: is it executable? */
static bool ref_exec(const struct ref *r, size_t i)
{
	return (i + 2 < r->len && r->p[i + 2] == '!') ||
	       (i + 3 < r->len && r->p[i + 2] == 'M' && r->p[i + 3] == '!');
}

/* End of the block comment at i (just past its close), or 0 if none. */
static size_t ref_block_end(const struct ref *r, size_t i)
{
	for (size_t k = i + 2; k + 1 < r->len; k++)
		if (r->p[k] == '*' && r->p[k + 1] == '/')
			return k + 2;
	return 0;
}

static size_t ref_eol(const struct ref *r, size_t i)
{
	while (i < r->len && r->p[i] != '\n')
		i++;
	return i;
}

/* A DELIMITER line at i?  1 consumed, 0 not one, <0 error. */
static int ref_delimiter(struct ref *r, size_t i)
{
	size_t eol = ref_eol(r, i), j = i, n = 0;
	char d[64];
	unsigned char q = 0;
	bool closed = true;

	for (const char *w = "DELIMITER"; *w; w++, j++)
		if (j >= eol || (r->p[j] != *w && r->p[j] != *w + 32))
			return 0;
	if (j < eol && !ref_space(r->p[j]))
		return 0;
	while (j < eol && ref_space(r->p[j]))
		j++;
	if (j < eol && (r->p[j] == '\'' || r->p[j] == '"' || r->p[j] == '`')) {
		q = r->p[j++];
		closed = false;
	}
	while (j < eol) {
		unsigned char c = r->p[j];
		if (c == '\\' && j + 1 < eol) {
			c = r->p[j + 1];
			j += 2;
		} else if (q && c == q && j + 1 < eol && r->p[j + 1] == q) {
			j += 2;
		} else if (q ? c == q : ref_space(c)) {
			closed = true;
			break;
		} else
			j++;
		if (n < sizeof(d))
			d[n++] = (char)c;
	}
	if (!closed)
		return ref_fail(r, i, "DELIMITER with an unterminated quote");
	if (n == 0)
		return ref_fail(r, i, "DELIMITER must be followed by a delimiter");
	if (n > SL_SQLSPLIT_DELIM_MAX)
		return ref_fail(r, i, "DELIMITER longer than 16 bytes");
	if (memchr(d, '\\', n))
		return ref_fail(r, i, "DELIMITER cannot contain a backslash");
	memcpy(r->delim, d, n);
	r->dlen = n;
	r->pos = eol < r->len ? eol + 1 : eol;
	r->bol = true;
	return 1;
}

/* The next statement: 1, 0 at the end, or an error. */
static int ref_next(struct ref *r, size_t *off, size_t *len)
{
	const unsigned char *p = r->p;
	size_t i = r->pos;
	int rc;

	if (i == 0 && r->len >= 3 && p[0] == 0xEF && p[1] == 0xBB && p[2] == 0xBF)
		i = r->pos = 3;
	for (;;) { /* between statements */
		if (i >= r->len) {
			r->pos = i;
			return 0;
		}
		if (p[i] == '\n') {
			r->bol = true;
			i++;
		} else if (ref_space(p[i])) {
			i++;
		} else if (r->bol && (rc = ref_delimiter(r, i)) != 0) {
			if (rc < 0)
				return rc;
			i = r->pos;
		} else if (ref_delim_at(r, i)) {
			i += r->dlen;
			r->bol = false;
		} else if (p[i] == '#' || (p[i] == '-' && i + 1 < r->len && p[i + 1] == '-')) {
			i = ref_eol(r, i);
		} else if (p[i] == '/' && i + 1 < r->len && p[i + 1] == '*' && !ref_exec(r, i)) {
			size_t e = ref_block_end(r, i);
			if (!e)
				return ref_fail(r, i, "unterminated comment");
			i = e;
			r->bol = false;
		} else
			break;
	}
	size_t start = i, last = i; /* last: end of the last significant byte */
	while (i < r->len && !ref_delim_at(r, i)) {
		unsigned char c = p[i];
		if (c == '\'' || c == '"' || c == '`') {
			bool esc = !r->nbe && (c == '\'' || (c == '"' && !r->ansi));
			size_t k = i + 1;
			for (;;) {
				if (k >= r->len)
					return ref_fail(r, i,
					                c == '`' ? "unterminated quoted identifier"
					                         : "unterminated string");
				if (esc && p[k] == '\\')
					k += 2;
				else if (p[k] == c)
					break;
				else
					k++;
			}
			i = last = k + 1;
		} else if (c == '#' || (c == '-' && i + 1 < r->len && p[i + 1] == '-' &&
		                        (i + 2 == r->len || ref_space(p[i + 2])))) {
			i = ref_eol(r, i);
		} else if (c == '/' && i + 1 < r->len && p[i + 1] == '*' && !ref_exec(r, i)) {
			size_t e = ref_block_end(r, i);
			if (!e)
				return ref_fail(r, i, "unterminated comment");
			i = e;
		} else if (ref_space(c)) {
			i++;
		} else {
			i++;
			last = i;
		}
	}
	*off = start;
	*len = last - start;
	r->pos = i < r->len ? i + r->dlen : i;
	r->bol = false;
	return 1;
}

static void ref_split(const uint8_t *data, size_t size, bool nbe, bool ansi, struct fz_result *res)
{
	struct ref r = {.p = data, .len = size, .bol = true, .nbe = nbe, .ansi = ansi};
	size_t off = 0, len = 0;

	r.delim[0] = ';';
	r.dlen = 1;
	r.err = &res->err;
	while ((res->rc = ref_next(&r, &off, &len)) == 1)
		fz_add(res, size, off, len);
}

/* --- sl_sqlsplit ---------------------------------------------------------- */

/* Split data[0..size): whole when step is 0, else fed in pieces of 'step'
 * bytes, each buffer a fresh copy of the pending bytes and the piece. */
static void fz_split(const uint8_t *data, size_t size, size_t step, bool nbe, bool ansi,
                     struct fz_result *res)
{
	struct sl_sqlsplit s;
	const char *in = (const char *)data, *st;
	char *buf = NULL;
	size_t buflen = 0, fed = step ? 0 : size, n;

	sl_sqlsplit_init(&s, "fuzz", step ? NULL : in, step ? 0 : size);
	s.no_backslash_escapes = nbe;
	s.ansi_quotes = ansi;
	for (;;) {
		res->rc = sl_sqlsplit_next(&s, &st, &n, &res->err);
		if (res->rc == 1) {
			if (st < s.p || n == 0 || n > s.len || (size_t)(st - s.p) > s.len - n)
				abort(); /* outside the buffer */
			fz_add(res, size, (size_t)s.base + (size_t)(st - s.p), n);
			continue;
		}
		if (res->rc < 0) {
			struct sl_error again = {0};
			if (sl_sqlsplit_next(&s, &st, &n, &again) != res->rc || again.code)
				abort(); /* not sticky */
			break;
		}
		if (fed == size)
			break;
		size_t pend = sl_sqlsplit_pending(&s);
		size_t add = size - fed < step ? size - fed : step;
		if (pend > buflen)
			abort();
		char *nb = sl_malloc(pend + add);
		if (!nb)
			abort();
		if (pend)
			memcpy(nb, buf + buflen - pend, pend);
		memcpy(nb + pend, in + fed, add);
		fed += add;
		sl_sqlsplit_refill(&s, nb, pend + add, fed == size);
		sl_free(buf);
		buf = nb;
		buflen = pend + add;
	}
	sl_free(buf);
}

static bool fz_space(unsigned char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f';
}

/* Properties of one result. */
static void fz_check(const uint8_t *data, size_t size, const struct fz_result *r)
{
	size_t prev_end = 0;
	for (size_t k = 0; k < r->n; k++) {
		if (r->len[k] == 0 || r->off[k] > size || r->len[k] > size - r->off[k] ||
		    r->off[k] < prev_end)
			abort();
		if (fz_space(data[r->off[k]]) || fz_space(data[r->off[k] + r->len[k] - 1]))
			abort();
		prev_end = r->off[k] + r->len[k];
	}
	if (r->rc < 0 && (r->rc != SL_EFORMAT || strncmp(r->err.msg, "fuzz: byte ", 11) != 0 ||
	                  strchr(r->err.msg, '\n')))
		abort();
	if (r->rc != 0 && r->rc != SL_EFORMAT)
		abort();
}

static void fz_same(const struct fz_result *a, const struct fz_result *b)
{
	if (a->rc != b->rc || a->n != b->n || strcmp(a->err.msg, b->err.msg) != 0)
		abort();
	for (size_t k = 0; k < a->n; k++)
		if (a->off[k] != b->off[k] || a->len[k] != b->len[k])
			abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fz_result whole, again, part, ref;
	uint64_t h = 0xcbf29ce484222325ULL;

	for (size_t i = 0; i < size; i++)
		h = (h ^ data[i]) * 0x100000001b3ULL;
	/* Mostly the default modes, which the data files use. */
	bool nbe = (h >> 60) == 1, ansi = (h >> 60) == 2 || (h >> 60) == 3;
	/* Small pieces are quadratic on long statements: bound the work. */
	size_t step = size <= 300 ? 1 + (size_t)(h % 3) : 1 + (size_t)(h % 97) + size / 64;

	fz_result_init(&whole, size);
	fz_result_init(&again, size);
	fz_result_init(&part, size);
	fz_result_init(&ref, size);
	fz_split(data, size, 0, nbe, ansi, &whole);
	fz_check(data, size, &whole);
	fz_split(data, size, 0, nbe, ansi, &again);
	fz_same(&whole, &again);
	fz_split(data, size, step, nbe, ansi, &part);
	fz_same(&whole, &part);
	ref_split(data, size, nbe, ansi, &ref);
	fz_same(&whole, &ref);
	fz_result_free(&whole);
	fz_result_free(&again);
	fz_result_free(&part);
	fz_result_free(&ref);
	return 0;
}

const char sl_fuzz_name[] = "fuzz_sqlsplit";
const char sl_fuzz_corpus[] = "corpus_sqlsplit";
