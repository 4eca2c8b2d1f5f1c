/* decode_text.c - read csv, tsv and jsonl data files back for LOAD DATA
 * (see decode_text.h): the header row or first JSON line gives the
 * columns, and JSON lines become tab-separated lines one at a time. */
#include "format/decode_text.h"

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "base/alloc.h"
#include "base/error.h"
#include "format/encode_json.h"
#include "format/jsonpath.h"

static int td_convert_line(struct sl_text_reader *s, const char *p, size_t len);

int sl_text_reader_read(struct sl_text_reader *s, char *buf, unsigned int len)
{
	if (s->fmt != SL_TEXT_JSONL) {
		size_t n = (size_t)(s->end - s->p);
		if (n > len)
			n = len;
		memcpy(buf, s->p, n);
		s->p += n;
		return (int)n;
	}
	size_t out = 0;
	while (out < len) {
		if (s->line_off < s->line.len) {
			size_t n = s->line.len - s->line_off;
			if (n > len - out)
				n = len - out;
			memcpy(buf + out, s->line.data + s->line_off, n);
			s->line_off += n;
			out += n;
			continue;
		}
		if (s->p >= s->end)
			break;
		const char *nl = memchr(s->p, '\n', (size_t)(s->end - s->p));
		size_t n = nl ? (size_t)(nl - s->p) : (size_t)(s->end - s->p);
		sl_buf_reset(&s->line);
		s->line_off = 0;
		s->lineno++;
		if (n > 0 && td_convert_line(s, s->p, n))
			return -1;
		s->p += n + (nl ? 1 : 0);
	}
	return (int)out;
}

/* --- headers ---------------------------------------------------------------- */

static int td_add_name(struct sl_text_reader *s, const char *p, size_t len)
{
	char **v = sl_realloc(s->names, (s->ncols + 1) * sizeof(*v));
	if (!v)
		return SL_ENOMEM;
	s->names = v;
	if (!(v[s->ncols] = sl_malloc(len + 1)))
		return SL_ENOMEM;
	memcpy(v[s->ncols], p, len);
	v[s->ncols][len] = '\0';
	s->ncols++;
	return 0;
}

/* CSV or TSV header row at s->p: names into s, s->p past the row. */
static int td_header_delimited(struct sl_text_reader *s)
{
	struct sl_buf f = SL_BUF_INIT;
	const char *p = s->p, *end = s->end;
	char sep = s->fmt == SL_TEXT_CSV ? ',' : '\t';
	int rc = 0;
	for (;;) {
		sl_buf_reset(&f);
		if (s->fmt == SL_TEXT_CSV && p < end && *p == '"') {
			for (p++;; p++) {
				if (p >= end) {
					rc = SL_EFORMAT;
					goto out;
				}
				if (*p == '"') {
					if (p + 1 < end && p[1] == '"')
						p++;
					else
						break;
				}
				if ((rc = sl_buf_putc(&f, *p)))
					goto out;
			}
			p++;
		} else {
			for (; p < end && *p != sep && *p != '\n' &&
			       !(*p == '\r' && p + 1 < end && p[1] == '\n');
			     p++) {
				char c = *p;
				if (s->fmt == SL_TEXT_TSV && c == '\\' && p + 1 < end) {
					c = *++p;
					c = c == 't'   ? '\t'
					    : c == 'n' ? '\n'
					    : c == 'r' ? '\r'
					    : c == '0' ? '\0'
					               : c;
				}
				if ((rc = sl_buf_putc(&f, c)))
					goto out;
			}
		}
		if (f.len == 0) {
			rc = SL_EFORMAT;
			goto out;
		}
		if ((rc = td_add_name(s, f.data, f.len)))
			goto out;
		if (p < end && *p == sep) {
			p++;
			continue;
		}
		if (p < end && *p == '\n') {
			p++;
			break;
		}
		if (p + 1 < end && *p == '\r' && p[1] == '\n') { /* RFC 4180's line end */
			p += 2;
			break;
		}
		rc = SL_EFORMAT;
		goto out;
	}
	s->p = p;
	s->lineno = 1;
out:
	sl_buf_free(&f);
	if (rc == SL_EFORMAT)
		snprintf(s->err, sizeof(s->err), "malformed header row");
	return rc;
}

/* --- JSON lines ------------------------------------------------------------- */

struct td_json {
	const char *p, *end;
};

static void td_ws(struct td_json *j)
{
	while (j->p < j->end && (*j->p == ' ' || *j->p == '\t' || *j->p == '\r'))
		j->p++;
}

/* A JSON string at j->p (the opening quote): its bytes into 'out'.  0,
 * SL_EFORMAT or SL_ENOMEM. */
static int td_json_string(struct td_json *j, struct sl_buf *out)
{
	return sl_json_string_decode(&j->p, j->end, out);
}

/* Append bytes p[0..len) to the line as a TSV field (escaped). */
static int td_tsv_bytes(struct sl_buf *out, const char *p, size_t len)
{
	if (sl_buf_reserve(out, 2 * len))
		return SL_ENOMEM;
	char *w = out->data + out->len;
	for (size_t i = 0; i < len; i++) {
		char c = p[i];
		char e = c == '\0'   ? '0'
		         : c == '\t' ? 't'
		         : c == '\n' ? 'n'
		         : c == '\r' ? 'r'
		         : c == '\\' ? '\\'
		                     : 0;
		if (e) {
			*w++ = '\\';
			*w++ = e;
		} else {
			*w++ = c;
		}
	}
	out->len = (size_t)(w - out->data);
	out->data[out->len] = '\0';
	return 0;
}

static int td_tsv_hex(struct sl_buf *out, const char *p, size_t len)
{
	static const char dig[] = "0123456789abcdef";
	if (sl_buf_reserve(out, 2 * len))
		return SL_ENOMEM;
	char *w = out->data + out->len;
	for (size_t i = 0; i < len; i++) {
		*w++ = dig[(unsigned char)p[i] >> 4];
		*w++ = dig[(unsigned char)p[i] & 15];
	}
	out->len = (size_t)(w - out->data);
	out->data[out->len] = '\0';
	return 0;
}

/* One JSON value at j->p, appended to s->line as a TSV field of class
 * 'cls' (hex for binary columns).  0, SL_EFORMAT (message in s->err) or
 * SL_ENOMEM. */
static int td_json_value(struct sl_text_reader *s, struct td_json *j, enum sl_value_class cls)
{
	struct sl_buf *out = &s->line;
	int rc;
	if (j->p >= j->end)
		return SL_EFORMAT;
	char c = *j->p;
	if (c == 'n' && j->end - j->p >= 4 && !memcmp(j->p, "null", 4)) {
		j->p += 4;
		return sl_buf_append(out, "\\N", 2);
	}
	if (c == 't' && j->end - j->p >= 4 && !memcmp(j->p, "true", 4)) {
		j->p += 4;
		return sl_buf_putc(out, '1');
	}
	if (c == 'f' && j->end - j->p >= 5 && !memcmp(j->p, "false", 5)) {
		j->p += 5;
		return sl_buf_putc(out, '0');
	}
	if (c == '-' || (c >= '0' && c <= '9')) {
		const char *q = j->p;
		while (q < j->end && strchr("0123456789+-.eE", *q) && *q)
			q++;
		if (!sl_json_is_number((const unsigned char *)j->p, (size_t)(q - j->p)))
			return SL_EFORMAT;
		rc = cls == SL_VAL_BINARY ? td_tsv_hex(out, j->p, (size_t)(q - j->p))
		                          : sl_buf_append(out, j->p, (size_t)(q - j->p));
		j->p = q;
		return rc;
	}
	if (c == '"') {
		if ((rc = td_json_string(j, &s->tmp)))
			return rc;
		return cls == SL_VAL_BINARY ? td_tsv_hex(out, s->tmp.data, s->tmp.len)
		                            : td_tsv_bytes(out, s->tmp.data, s->tmp.len);
	}
	if (c == '{') {
		/* {"$hex":"..."}: bytes that are not (or not shown as) UTF-8 text. */
		j->p++;
		td_ws(j);
		if ((rc = td_json_string(j, &s->tmp)))
			return rc;
		if (s->tmp.len != 4 || memcmp(s->tmp.data, "$hex", 4))
			return SL_EFORMAT;
		td_ws(j);
		if (j->p >= j->end || *j->p++ != ':')
			return SL_EFORMAT;
		td_ws(j);
		if ((rc = td_json_string(j, &s->tmp)))
			return rc;
		td_ws(j);
		if (j->p >= j->end || *j->p++ != '}' || s->tmp.len % 2)
			return SL_EFORMAT;
		sl_buf_reset(&s->tmp2);
		if (sl_buf_reserve(&s->tmp2, s->tmp.len / 2))
			return SL_ENOMEM;
		for (size_t i = 0; i < s->tmp.len; i += 2) {
			int hi = sl_hexval(s->tmp.data[i]), lo = sl_hexval(s->tmp.data[i + 1]);
			if (hi < 0 || lo < 0)
				return SL_EFORMAT;
			s->tmp2.data[s->tmp2.len++] = (char)(hi << 4 | lo);
		}
		return cls == SL_VAL_BINARY ? td_tsv_hex(out, s->tmp2.data, s->tmp2.len)
		                            : td_tsv_bytes(out, s->tmp2.data, s->tmp2.len);
	}
	return SL_EFORMAT;
}

/* Parse one JSON line.  With s->cls == NULL (the header pass) the keys
 * become s->names; otherwise the keys must be s->names in order and the
 * values are appended to s->line as one TSV line. */
static int td_json_line(struct sl_text_reader *s, const char *p, size_t len)
{
	struct td_json j = {p, p + len};
	size_t n = 0;
	int rc;
	td_ws(&j);
	if (j.p >= j.end || *j.p++ != '{')
		return SL_EFORMAT;
	td_ws(&j);
	if (j.p < j.end && *j.p == '}') {
		j.p++;
	} else {
		for (;;) {
			if ((rc = td_json_string(&j, &s->tmp)))
				return rc;
			if (!s->cls) {
				if ((rc = td_add_name(s, s->tmp.data, s->tmp.len)))
					return rc;
			} else if (n >= s->ncols || strlen(s->names[n]) != s->tmp.len ||
			           memcmp(s->names[n], s->tmp.data, s->tmp.len)) {
				snprintf(s->err, sizeof(s->err),
				         "line %zu: keys differ from the first line's", s->lineno);
				return SL_EFORMAT;
			}
			td_ws(&j);
			if (j.p >= j.end || *j.p++ != ':')
				return SL_EFORMAT;
			td_ws(&j);
			if (s->cls) {
				if (n && (rc = sl_buf_putc(&s->line, '\t')))
					return rc;
				if ((rc = td_json_value(s, &j, s->cls[n])))
					return rc;
			} else {
				/* Header pass: skip the value (converted later). */
				size_t keep = s->line.len;
				if ((rc = td_json_value(s, &j, SL_VAL_STRING)))
					return rc;
				s->line.len = keep;
			}
			n++;
			td_ws(&j);
			if (j.p < j.end && *j.p == ',') {
				j.p++;
				td_ws(&j);
				continue;
			}
			if (j.p < j.end && *j.p == '}') {
				j.p++;
				break;
			}
			return SL_EFORMAT;
		}
	}
	td_ws(&j);
	if (j.p != j.end)
		return SL_EFORMAT;
	if (s->cls) {
		if (n != s->ncols) {
			snprintf(s->err, sizeof(s->err),
			         "line %zu: keys differ from the first line's", s->lineno);
			return SL_EFORMAT;
		}
		return sl_buf_putc(&s->line, '\n');
	}
	return n ? 0 : SL_EFORMAT;
}

static int td_convert_line(struct sl_text_reader *s, const char *p, size_t len)
{
	int rc = td_json_line(s, p, len);
	if (rc == SL_EFORMAT && !s->err[0])
		snprintf(s->err, sizeof(s->err), "line %zu: malformed JSON line", s->lineno);
	else if (rc == SL_ENOMEM)
		snprintf(s->err, sizeof(s->err), "out of memory");
	return rc;
}

int sl_text_reader_init(struct sl_text_reader *s, enum sl_text_format fmt, const char *body,
                        size_t len)
{
	int rc;
	memset(s, 0, sizeof(*s));
	s->fmt = fmt;
	s->p = body ? body : "";
	s->end = s->p + len;
	if (s->p == s->end)
		return 0;
	if (fmt == SL_TEXT_JSONL) {
		const char *nl = memchr(s->p, '\n', (size_t)(s->end - s->p));
		size_t n = nl ? (size_t)(nl - s->p) : (size_t)(s->end - s->p);
		s->lineno = 1;
		rc = td_json_line(s, s->p, n);
		if (rc == SL_EFORMAT && !s->err[0])
			snprintf(s->err, sizeof(s->err), "line 1: malformed JSON line");
		sl_buf_reset(&s->line);
		s->lineno = 0;
	} else {
		rc = td_header_delimited(s);
	}
	if (rc)
		return rc;
	if (!(s->cls = sl_calloc(s->ncols ? s->ncols : 1, sizeof(*s->cls))))
		return SL_ENOMEM;
	for (size_t i = 0; i < s->ncols; i++)
		s->cls[i] = SL_VAL_STRING;
	return 0;
}

void sl_text_reader_free(struct sl_text_reader *s)
{
	for (size_t i = 0; i < s->ncols; i++)
		sl_free(s->names[i]);
	sl_free(s->names);
	sl_free(s->cls);
	sl_buf_free(&s->line);
	sl_buf_free(&s->tmp);
	sl_buf_free(&s->tmp2);
	sl_buf_free(&s->row);
	sl_free(s->offs);
	memset(s, 0, sizeof(*s));
}

/* --- rows (row hooks) ------------------------------------------------------ */

/* The value just appended to s->row from 'at' is hex: replace it by its
 * bytes.  0 or SL_EFORMAT. */
static int td_unhex(struct sl_text_reader *s, size_t at)
{
	size_t n = s->row.len - at;
	if (n == 0)
		return 0;
	char *p = s->row.data + at;
	if (n % 2)
		return SL_EFORMAT;
	for (size_t i = 0; i < n; i += 2) {
		int hi = sl_hexval(p[i]), lo = sl_hexval(p[i + 1]);
		if (hi < 0 || lo < 0)
			return SL_EFORMAT;
		p[i / 2] = (char)(hi << 4 | lo);
	}
	s->row.len = at + n / 2;
	s->row.data[s->row.len] = '\0';
	return 0;
}

/* One csv or tsv record at s->p into s->row and s->offs.  1, 0 at the
 * end, SL_EFORMAT (s->err set), SL_ENOMEM. */
static int td_row_delimited(struct sl_text_reader *s)
{
	const char *p = s->p, *end = s->end;
	bool csv = s->fmt == SL_TEXT_CSV;
	char sep = csv ? ',' : '\t';
	size_t n = 0, line = s->lineno + 1;
	if (p >= end)
		return 0;
	sl_buf_reset(&s->row);
	for (;;) {
		size_t at = s->row.len;
		bool null = false;
		if (csv && p < end && *p == '"') {
			for (p++;; p++) {
				if (p >= end) {
					snprintf(s->err, sizeof(s->err),
					         "line %zu: unterminated quote", line);
					return SL_EFORMAT;
				}
				if (*p == '"') {
					if (p + 1 < end && p[1] == '"')
						p++;
					else
						break;
				}
				if (*p == '\n')
					s->lineno++;
				if (sl_buf_putc(&s->row, *p))
					return SL_ENOMEM;
			}
			p++;
		} else {
			const char *start = p;
			for (; p < end && *p != sep && *p != '\n' &&
			       !(*p == '\r' && p + 1 < end && p[1] == '\n');
			     p++) {
				char c = *p;
				if (!csv && c == '\\' && p + 1 < end) {
					c = *++p;
					c = c == 't'   ? '\t'
					    : c == 'n' ? '\n'
					    : c == 'r' ? '\r'
					    : c == '0' ? '\0'
					    : c == 'b' ? '\b'
					    : c == 'Z' ? '\032'
					    : c == 'N' ? 'N'
					               : c;
				}
				if (sl_buf_putc(&s->row, c))
					return SL_ENOMEM;
			}
			size_t len = (size_t)(p - start);
			null = csv ? (len == 4 && !memcmp(start, "NULL", 4))
			           : (len == 2 && !memcmp(start, "\\N", 2));
		}
		if (n < s->ncols) {
			if (!null && s->cls[n] == SL_VAL_BINARY && td_unhex(s, at)) {
				snprintf(s->err, sizeof(s->err), "line %zu: field %zu: bad hex",
				         line, n + 1);
				return SL_EFORMAT;
			}
			s->offs[2 * n] = null ? SIZE_MAX : at;
			s->offs[2 * n + 1] = s->row.len - at;
		}
		n++;
		if (p < end && *p == sep) {
			p++;
			continue;
		}
		if (p < end && *p == '\r')
			p++;
		if (p < end)
			p++; /* the newline */
		break;
	}
	s->lineno++;
	s->p = p;
	if (n != s->ncols) {
		snprintf(s->err, sizeof(s->err), "line %zu: %zu fields, the header has %zu", line,
		         n, s->ncols);
		return SL_EFORMAT;
	}
	return 1;
}

/* One JSON line at s->p into s->row and s->offs. */
static int td_row_json(struct sl_text_reader *s)
{
	while (s->p < s->end && (*s->p == '\n' || *s->p == '\r')) { /* empty lines */
		if (*s->p == '\n')
			s->lineno++;
		s->p++;
	}
	if (s->p >= s->end)
		return 0;
	const char *nl = memchr(s->p, '\n', (size_t)(s->end - s->p));
	struct td_json j = {s->p, nl ? nl : s->end};
	s->lineno++;
	s->p = nl ? nl + 1 : s->end;
	sl_buf_reset(&s->row);
	size_t n = 0;
	int rc = SL_EFORMAT;
	td_ws(&j);
	if (j.p >= j.end || *j.p++ != '{')
		goto bad;
	td_ws(&j);
	if (j.p < j.end && *j.p == '}') {
		j.p++;
	} else {
		for (;;) {
			if ((rc = td_json_string(&j, &s->tmp)))
				goto bad;
			rc = SL_EFORMAT;
			if (n >= s->ncols || strlen(s->names[n]) != s->tmp.len ||
			    memcmp(s->names[n], s->tmp.data, s->tmp.len)) {
				snprintf(s->err, sizeof(s->err),
				         "line %zu: keys differ from the first line's", s->lineno);
				return SL_EFORMAT;
			}
			td_ws(&j);
			if (j.p >= j.end || *j.p++ != ':')
				goto bad;
			td_ws(&j);
			size_t at = s->row.len;
			bool null = false;
			if (j.p < j.end && *j.p == '"') {
				if ((rc = td_json_string(&j, &s->tmp)) ||
				    (rc = sl_buf_append(&s->row, s->tmp.data, s->tmp.len)))
					goto bad;
			} else if (j.end - j.p >= 4 && !memcmp(j.p, "null", 4)) {
				j.p += 4;
				null = true;
			} else if (j.end - j.p >= 4 && !memcmp(j.p, "true", 4)) {
				j.p += 4;
				if ((rc = sl_buf_putc(&s->row, '1')))
					goto bad;
			} else if (j.end - j.p >= 5 && !memcmp(j.p, "false", 5)) {
				j.p += 5;
				if ((rc = sl_buf_putc(&s->row, '0')))
					goto bad;
			} else {
				/* A number or {"$hex": ..}: LOAD DATA's form of it, which
				 * for these is the value itself (hex decoded below). */
				size_t keep = s->line.len;
				if ((rc = td_json_value(s, &j, SL_VAL_STRING)))
					goto bad;
				if ((rc = sl_buf_append(&s->row, s->line.data + keep,
				                        s->line.len - keep)))
					goto bad;
				s->line.len = keep;
				/* td_json_value() escaped the bytes for TSV: undo it. */
				size_t w = at;
				for (size_t r = at; r < s->row.len; r++) {
					char c = s->row.data[r];
					if (c == '\\' && r + 1 < s->row.len) {
						c = s->row.data[++r];
						c = c == 't'   ? '\t'
						    : c == 'n' ? '\n'
						    : c == 'r' ? '\r'
						    : c == '0' ? '\0'
						               : c;
					}
					s->row.data[w++] = c;
				}
				s->row.len = w;
			}
			s->offs[2 * n] = null ? SIZE_MAX : at;
			s->offs[2 * n + 1] = s->row.len - at;
			n++;
			td_ws(&j);
			if (j.p < j.end && *j.p == ',') {
				j.p++;
				td_ws(&j);
				continue;
			}
			if (j.p < j.end && *j.p == '}') {
				j.p++;
				break;
			}
			rc = SL_EFORMAT;
			goto bad;
		}
	}
	td_ws(&j);
	if (j.p != j.end || n != s->ncols) {
		rc = SL_EFORMAT;
		goto bad;
	}
	return 1;
bad:
	if (rc == SL_ENOMEM)
		return rc;
	if (!s->err[0])
		snprintf(s->err, sizeof(s->err), "line %zu: malformed JSON line", s->lineno);
	return SL_EFORMAT;
}

int sl_text_reader_row(struct sl_text_reader *s, const char **vals, unsigned long *lens)
{
	if (!s->offs && !(s->offs = sl_calloc(2 * (s->ncols ? s->ncols : 1), sizeof(*s->offs)))) {
		snprintf(s->err, sizeof(s->err), "out of memory");
		return -1;
	}
	int rc = s->fmt == SL_TEXT_JSONL ? td_row_json(s) : td_row_delimited(s);
	if (rc <= 0) {
		if (rc == SL_ENOMEM)
			snprintf(s->err, sizeof(s->err), "out of memory");
		return rc < 0 ? -1 : 0;
	}
	const char *base = s->row.data ? s->row.data : "";
	for (size_t c = 0; c < s->ncols; c++) {
		vals[c] = s->offs[2 * c] == SIZE_MAX ? NULL : base + s->offs[2 * c];
		lens[c] = (unsigned long)s->offs[2 * c + 1];
	}
	return 1;
}
