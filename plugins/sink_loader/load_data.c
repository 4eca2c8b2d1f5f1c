/* load_data.c - load a csv, tsv or jsonl data file with LOAD DATA LOCAL.
 *
 * The file is already in memory (a batch): libmariadb's local-infile hooks
 * (mysql_set_local_infile_handler) hand the server the body straight from
 * the batch, so nothing touches the disk and memory stays what the batch
 * holds.  The column list comes from the file (CSV/TSV header row, the
 * keys of the first JSON line); the target table's column types (one
 * information_schema query) say which columns hold hex (binary, BIT,
 * spatial: SET c = UNHEX(@v)) and which are INET6/UUID text (SET c =
 * CONVERT(@v USING latin1), as a binary string of 16 bytes would be read as
 * the raw form).  JSON lines are converted to LOAD DATA's default
 * tab-separated format while the server reads them, one line at a time.
 *
 * Every connection gets hooks that refuse any LOCAL request outside of
 * loader_load_data(): a server cannot make the loader read a local file. */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "alloc.h"
#include "buf.h"
#include "encode_json.h"
#include "loader.h"
#include "pipeline.h"
#include "table.h"

enum ld_format { LD_CSV = 1, LD_TSV, LD_JSONL };

/* What the read hook streams from. */
struct ld_state {
	enum ld_format fmt;
	const char *p, *end; /* the rest of the body */
	size_t ncols;
	char **names;             /* header: column names (owned) */
	enum sl_value_class *cls; /* class of each header column */
	struct sl_buf line;       /* jsonl: converted bytes not yet handed out */
	size_t line_off;          /* of those, already handed out */
	size_t lineno;            /* jsonl: line being converted (1-based) */
	char err[200];            /* a conversion error, for the caller */
	struct sl_buf tmp, tmp2;  /* jsonl: scratch for a decoded value */
};

int loader_data_format(const char *name)
{
	size_t n = strlen(name);
	if (n > 4 && !strcmp(name + n - 4, ".csv"))
		return LD_CSV;
	if (n > 4 && !strcmp(name + n - 4, ".tsv"))
		return LD_TSV;
	if (n > 6 && !strcmp(name + n - 6, ".jsonl"))
		return LD_JSONL;
	return 0;
}

/* --- local-infile hooks ----------------------------------------------------- */

static int refuse_init(void **ptr, const char *filename, void *userdata)
{
	(void)filename;
	(void)userdata;
	*ptr = NULL;
	return 1;
}
static int refuse_read(void *ptr, char *buf, unsigned int len)
{
	(void)ptr;
	(void)buf;
	(void)len;
	return -1;
}
static void refuse_end(void *ptr)
{
	(void)ptr;
}
static int refuse_error(void *ptr, char *msg, unsigned int len)
{
	(void)ptr;
	snprintf(msg, len, "sluice: LOAD DATA LOCAL not expected here");
	return 2000;
}

void loader_infile_refuse(MYSQL *conn)
{
	mysql_set_local_infile_handler(conn, refuse_init, refuse_read, refuse_end, refuse_error,
	                               NULL);
}

static int ld_init(void **ptr, const char *filename, void *userdata)
{
	(void)filename;
	*ptr = userdata;
	return 0;
}

static void ld_end(void *ptr)
{
	(void)ptr;
}

static int ld_error(void *ptr, char *msg, unsigned int len)
{
	struct ld_state *s = ptr;
	snprintf(msg, len, "%s", s && s->err[0] ? s->err : "sluice: reading the data file failed");
	return 2000;
}

static int ld_convert_line(struct ld_state *s, const char *p, size_t len);

static int ld_read(void *ptr, char *buf, unsigned int len)
{
	struct ld_state *s = ptr;
	if (s->fmt != LD_JSONL) {
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
		if (n > 0 && ld_convert_line(s, s->p, n))
			return -1;
		s->p += n + (nl ? 1 : 0);
	}
	return (int)out;
}

/* --- headers ---------------------------------------------------------------- */

static int ld_add_name(struct ld_state *s, const char *p, size_t len)
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
static int ld_header_delimited(struct ld_state *s)
{
	struct sl_buf f = SL_BUF_INIT;
	const char *p = s->p, *end = s->end;
	char sep = s->fmt == LD_CSV ? ',' : '\t';
	int rc = 0;
	for (;;) {
		sl_buf_reset(&f);
		if (s->fmt == LD_CSV && p < end && *p == '"') {
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
			for (; p < end && *p != sep && *p != '\n'; p++) {
				char c = *p;
				if (s->fmt == LD_TSV && c == '\\' && p + 1 < end) {
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
		if ((rc = ld_add_name(s, f.data, f.len)))
			goto out;
		if (p < end && *p == sep) {
			p++;
			continue;
		}
		if (p < end && *p == '\n') {
			p++;
			break;
		}
		rc = SL_EFORMAT;
		goto out;
	}
	s->p = p;
out:
	sl_buf_free(&f);
	if (rc == SL_EFORMAT)
		snprintf(s->err, sizeof(s->err), "malformed header row");
	return rc;
}

/* --- JSON lines ------------------------------------------------------------- */

struct ld_json {
	const char *p, *end;
};

static void ld_ws(struct ld_json *j)
{
	while (j->p < j->end && (*j->p == ' ' || *j->p == '\t' || *j->p == '\r'))
		j->p++;
}

static int ld_hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

static int ld_put_utf8(struct sl_buf *out, unsigned long cp)
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
	return sl_buf_append(out, u, n);
}

/* A JSON string at j->p (the opening quote): its bytes into 'out'.  0,
 * SL_EFORMAT or SL_ENOMEM. */
static int ld_json_string(struct ld_json *j, struct sl_buf *out)
{
	sl_buf_reset(out);
	if (j->p >= j->end || *j->p != '"')
		return SL_EFORMAT;
	j->p++;
	while (j->p < j->end) {
		const char *q = j->p;
		while (q < j->end && *q != '"' && *q != '\\' && (unsigned char)*q >= 0x20)
			q++;
		if (sl_buf_append(out, j->p, (size_t)(q - j->p)))
			return SL_ENOMEM;
		j->p = q;
		if (q >= j->end || (unsigned char)*q < 0x20)
			return SL_EFORMAT;
		if (*q == '"') {
			j->p++;
			return 0;
		}
		if (q + 1 >= j->end)
			return SL_EFORMAT;
		char e = q[1];
		j->p = q + 2;
		int rc;
		switch (e) {
		case '"':
		case '\\':
		case '/':
			rc = sl_buf_putc(out, e);
			break;
		case 'b':
			rc = sl_buf_putc(out, '\b');
			break;
		case 'f':
			rc = sl_buf_putc(out, '\f');
			break;
		case 'n':
			rc = sl_buf_putc(out, '\n');
			break;
		case 'r':
			rc = sl_buf_putc(out, '\r');
			break;
		case 't':
			rc = sl_buf_putc(out, '\t');
			break;
		case 'u': {
			unsigned long cp = 0;
			for (int round = 0; round < 2; round++) {
				unsigned long u = 0;
				if (j->end - j->p < 4)
					return SL_EFORMAT;
				for (int k = 0; k < 4; k++) {
					int h = ld_hexval(j->p[k]);
					if (h < 0)
						return SL_EFORMAT;
					u = u << 4 | (unsigned)h;
				}
				j->p += 4;
				if (round == 0 && u >= 0xd800 && u <= 0xdbff) {
					cp = u;
					if (j->end - j->p < 2 || j->p[0] != '\\' || j->p[1] != 'u')
						return SL_EFORMAT;
					j->p += 2;
					continue;
				}
				if (round == 1) {
					if (u < 0xdc00 || u > 0xdfff)
						return SL_EFORMAT;
					cp = 0x10000 + ((cp - 0xd800) << 10) + (u - 0xdc00);
				} else {
					if (u >= 0xdc00 && u <= 0xdfff)
						return SL_EFORMAT;
					cp = u;
				}
				break;
			}
			rc = ld_put_utf8(out, cp);
			break;
		}
		default:
			return SL_EFORMAT;
		}
		if (rc)
			return rc;
	}
	return SL_EFORMAT;
}

/* Append bytes p[0..len) to the line as a TSV field (escaped). */
static int ld_tsv_bytes(struct sl_buf *out, const char *p, size_t len)
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

static int ld_tsv_hex(struct sl_buf *out, const char *p, size_t len)
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
static int ld_json_value(struct ld_state *s, struct ld_json *j, enum sl_value_class cls)
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
		rc = cls == SL_VAL_BINARY ? ld_tsv_hex(out, j->p, (size_t)(q - j->p))
		                          : sl_buf_append(out, j->p, (size_t)(q - j->p));
		j->p = q;
		return rc;
	}
	if (c == '"') {
		if ((rc = ld_json_string(j, &s->tmp)))
			return rc;
		return cls == SL_VAL_BINARY ? ld_tsv_hex(out, s->tmp.data, s->tmp.len)
		                            : ld_tsv_bytes(out, s->tmp.data, s->tmp.len);
	}
	if (c == '{') {
		/* {"$hex":"..."}: bytes that are not (or not shown as) UTF-8 text. */
		j->p++;
		ld_ws(j);
		if ((rc = ld_json_string(j, &s->tmp)))
			return rc;
		if (s->tmp.len != 4 || memcmp(s->tmp.data, "$hex", 4))
			return SL_EFORMAT;
		ld_ws(j);
		if (j->p >= j->end || *j->p++ != ':')
			return SL_EFORMAT;
		ld_ws(j);
		if ((rc = ld_json_string(j, &s->tmp)))
			return rc;
		ld_ws(j);
		if (j->p >= j->end || *j->p++ != '}' || s->tmp.len % 2)
			return SL_EFORMAT;
		sl_buf_reset(&s->tmp2);
		if (sl_buf_reserve(&s->tmp2, s->tmp.len / 2))
			return SL_ENOMEM;
		for (size_t i = 0; i < s->tmp.len; i += 2) {
			int hi = ld_hexval(s->tmp.data[i]), lo = ld_hexval(s->tmp.data[i + 1]);
			if (hi < 0 || lo < 0)
				return SL_EFORMAT;
			s->tmp2.data[s->tmp2.len++] = (char)(hi << 4 | lo);
		}
		return cls == SL_VAL_BINARY ? ld_tsv_hex(out, s->tmp2.data, s->tmp2.len)
		                            : ld_tsv_bytes(out, s->tmp2.data, s->tmp2.len);
	}
	return SL_EFORMAT;
}

/* Parse one JSON line.  With s->cls == NULL (the header pass) the keys
 * become s->names; otherwise the keys must be s->names in order and the
 * values are appended to s->line as one TSV line. */
static int ld_json_line(struct ld_state *s, const char *p, size_t len)
{
	struct ld_json j = {p, p + len};
	size_t n = 0;
	int rc;
	ld_ws(&j);
	if (j.p >= j.end || *j.p++ != '{')
		return SL_EFORMAT;
	ld_ws(&j);
	if (j.p < j.end && *j.p == '}') {
		j.p++;
	} else {
		for (;;) {
			if ((rc = ld_json_string(&j, &s->tmp)))
				return rc;
			if (!s->cls) {
				if ((rc = ld_add_name(s, s->tmp.data, s->tmp.len)))
					return rc;
			} else if (n >= s->ncols || strlen(s->names[n]) != s->tmp.len ||
			           memcmp(s->names[n], s->tmp.data, s->tmp.len)) {
				snprintf(s->err, sizeof(s->err),
				         "line %zu: keys differ from the first line's", s->lineno);
				return SL_EFORMAT;
			}
			ld_ws(&j);
			if (j.p >= j.end || *j.p++ != ':')
				return SL_EFORMAT;
			ld_ws(&j);
			if (s->cls) {
				if (n && (rc = sl_buf_putc(&s->line, '\t')))
					return rc;
				if ((rc = ld_json_value(s, &j, s->cls[n])))
					return rc;
			} else {
				/* Header pass: skip the value (converted later). */
				size_t keep = s->line.len;
				if ((rc = ld_json_value(s, &j, SL_VAL_STRING)))
					return rc;
				s->line.len = keep;
			}
			n++;
			ld_ws(&j);
			if (j.p < j.end && *j.p == ',') {
				j.p++;
				ld_ws(&j);
				continue;
			}
			if (j.p < j.end && *j.p == '}') {
				j.p++;
				break;
			}
			return SL_EFORMAT;
		}
	}
	ld_ws(&j);
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

static int ld_convert_line(struct ld_state *s, const char *p, size_t len)
{
	int rc = ld_json_line(s, p, len);
	if (rc == SL_EFORMAT && !s->err[0])
		snprintf(s->err, sizeof(s->err), "line %zu: malformed JSON line", s->lineno);
	else if (rc == SL_ENOMEM)
		snprintf(s->err, sizeof(s->err), "out of memory");
	return rc;
}

/* --- the statement ---------------------------------------------------------- */

/* Classes of the header's columns from the target table's types. */
static int ld_classes(MYSQL *conn, const char *db, const char *table, struct ld_state *s,
                      unsigned *err)
{
	struct sl_buf q = SL_BUF_INIT;
	MYSQL_RES *res = NULL;
	int rc = SL_ENOMEM;
	if (!(s->cls = sl_calloc(s->ncols ? s->ncols : 1, sizeof(*s->cls))))
		goto fail;
	for (size_t i = 0; i < s->ncols; i++)
		s->cls[i] = SL_VAL_STRING;
	if (sl_buf_puts(&q, "SELECT COLUMN_NAME, DATA_TYPE FROM information_schema.COLUMNS "
	                    "WHERE TABLE_SCHEMA = ") ||
	    sl_buf_put_quoted(&q, db, strlen(db)) || sl_buf_puts(&q, " AND TABLE_NAME = ") ||
	    sl_buf_put_quoted(&q, table, strlen(table)))
		goto fail;
	rc = SL_EDB;
	if (mysql_real_query(conn, q.data, q.len) || !(res = mysql_store_result(conn))) {
		*err = mysql_errno(conn);
		goto fail;
	}
	MYSQL_ROW row;
	while ((row = mysql_fetch_row(res))) {
		unsigned long *lens = mysql_fetch_lengths(res);
		for (size_t i = 0; row[0] && i < s->ncols; i++)
			if (strlen(s->names[i]) == lens[0] &&
			    !strncasecmp(s->names[i], row[0], lens[0])) /* names ignore case */
				s->cls[i] = sl_value_class_of(row[1]);
	}
	rc = 0;
fail:
	if (res)
		mysql_free_result(res);
	sl_buf_free(&q);
	return rc;
}

static int ld_statement(struct sl_buf *q, const struct ld_state *s, const char *db,
                        const char *table, bool ignore)
{
	int rc = sl_buf_puts(q, "LOAD DATA LOCAL INFILE 'sluice-batch' ");
	rc = rc ? rc : sl_buf_puts(q, ignore ? "IGNORE INTO TABLE " : "INTO TABLE ");
	rc = rc ? rc : sl_buf_put_qualified(q, db, table);
	rc = rc ? rc : sl_buf_puts(q, " CHARACTER SET binary ");
	if (s->fmt == LD_CSV)
		rc = rc ? rc
		        : sl_buf_puts(q, "FIELDS TERMINATED BY ',' OPTIONALLY ENCLOSED BY '\"' "
		                         "ESCAPED BY '' LINES TERMINATED BY '\\n' (");
	else
		rc = rc ? rc
		        : sl_buf_puts(q, "FIELDS TERMINATED BY '\\t' ENCLOSED BY '' ESCAPED BY "
		                         "'\\\\' LINES TERMINATED BY '\\n' (");
	for (size_t i = 0; i < s->ncols && !rc; i++) {
		if (i)
			rc = sl_buf_putc(q, ',');
		if (!rc && (s->cls[i] == SL_VAL_BINARY || s->cls[i] == SL_VAL_NATIVE))
			rc = sl_buf_printf(q, "@v%zu", i);
		else if (!rc)
			rc = sl_buf_put_ident(q, s->names[i]);
	}
	rc = rc ? rc : sl_buf_putc(q, ')');
	const char *sep = " SET ";
	for (size_t i = 0; i < s->ncols && !rc; i++) {
		if (s->cls[i] != SL_VAL_BINARY && s->cls[i] != SL_VAL_NATIVE)
			continue;
		rc = sl_buf_puts(q, sep);
		rc = rc ? rc : sl_buf_put_ident(q, s->names[i]);
		if (!rc && s->cls[i] == SL_VAL_BINARY)
			rc = sl_buf_printf(q, " = UNHEX(@v%zu)", i);
		else if (!rc)
			rc = sl_buf_printf(q, " = CONVERT(@v%zu USING latin1)", i);
		sep = ", ";
	}
	return rc;
}

/* Say that LOAD DATA had warnings, quoting the first one. */
static void ld_warn(struct loader *l, MYSQL *conn, const char *file)
{
	unsigned n = mysql_warning_count(conn);
	MYSQL_RES *res = NULL;
	MYSQL_ROW row = NULL;
	if (!mysql_query(conn, "SHOW WARNINGS LIMIT 1") && (res = mysql_store_result(conn)))
		row = mysql_fetch_row(res);
	sl_instance_log(l->inst, SL_LOG_WARN, "%s: %u warning%s from LOAD DATA, the first: %s",
	                file, n, n == 1 ? "" : "s", row && row[2] ? row[2] : "(not shown)");
	if (res)
		mysql_free_result(res);
}

static void ld_state_free(struct ld_state *s)
{
	for (size_t i = 0; i < s->ncols; i++)
		sl_free(s->names[i]);
	sl_free(s->names);
	sl_free(s->cls);
	sl_buf_free(&s->line);
	sl_buf_free(&s->tmp);
	sl_buf_free(&s->tmp2);
}

int loader_load_data(struct loader *l, MYSQL *conn, const struct sl_batch *b, bool ignore,
                     unsigned *err, struct sl_error *perr)
{
	static const char *const setup[] = {
	    "SET SESSION TIME_ZONE = '+00:00'",
	    "SET SESSION SQL_MODE = 'NO_AUTO_VALUE_ON_ZERO,ALLOW_INVALID_DATES'", NULL};
	struct ld_state s = {.fmt = (enum ld_format)loader_data_format(b->name)};
	struct sl_buf q = SL_BUF_INIT;
	const char *db = loader_target_db(l, b->schema), *table = sl_batch_table_name(b);
	int rc;

	*err = 0;
	s.p = b->body.data ? b->body.data : "";
	s.end = s.p + b->body.len;
	if (!table) {
		rc = SL_EFORMAT;
		snprintf(s.err, sizeof(s.err), "no table");
		goto fail;
	}
	if (s.p == s.end) {
		rc = 0; /* an empty file has no rows */
		goto out;
	}
	if (s.fmt == LD_JSONL) {
		const char *nl = memchr(s.p, '\n', (size_t)(s.end - s.p));
		s.lineno = 1;
		rc = ld_json_line(&s, s.p, nl ? (size_t)(nl - s.p) : (size_t)(s.end - s.p));
		if (rc == SL_EFORMAT && !s.err[0])
			snprintf(s.err, sizeof(s.err), "line 1: malformed JSON line");
		sl_buf_reset(&s.line);
		s.lineno = 0;
	} else {
		rc = ld_header_delimited(&s);
	}
	if (rc)
		goto fail;
	rc = ld_classes(conn, db, table, &s, err);
	for (size_t i = 0; !rc && setup[i]; i++)
		if (mysql_query(conn, setup[i])) {
			*err = mysql_errno(conn);
			rc = SL_EDB;
		}
	if (!rc)
		rc = ld_statement(&q, &s, db, table, ignore);
	if (rc)
		goto fail;
	mysql_set_local_infile_handler(conn, ld_init, ld_read, ld_end, ld_error, &s);
	if (mysql_real_query(conn, q.data, q.len)) {
		*err = mysql_errno(conn);
		rc = s.err[0] ? SL_EFORMAT : SL_EDB;
	} else if (mysql_warning_count(conn)) {
		ld_warn(l, conn, b->name);
	}
	loader_infile_refuse(conn);
	if (rc)
		goto fail;
out:
	ld_state_free(&s);
	sl_buf_free(&q);
	return 0;
fail:
	if (rc == SL_EFORMAT)
		sl_error_set(perr, SL_EFORMAT, "%s: %s", b->name, s.err[0] ? s.err : "malformed");
	ld_state_free(&s);
	sl_buf_free(&q);
	return rc;
}
