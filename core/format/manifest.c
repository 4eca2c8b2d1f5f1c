/* manifest.c - build, write, parse and check dump manifests (manifest.h).
 *
 * Sinks of archives and directories keep one sl_manifest: add_file() for
 * every file they write, the table records' 'complete' and 'rows' from
 * end-of-table batches, then write() as the last file.  Sources that read
 * such dumps parse() the stored manifest, account what they read in a
 * second sl_manifest, and check() one against the other at the end. */
#include "format/manifest.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "base/alloc.h"
#include "base/map.h"
#include "base/xxh64.h"

void sl_manifest_init(struct sl_manifest *m)
{
	memset(m, 0, sizeof(*m));
	m->status = SL_MANIFEST_RUNNING;
}

void sl_manifest_free(struct sl_manifest *m)
{
	for (size_t i = 0; i < m->ntables; i++) {
		sl_free(m->tables[i]->schema);
		sl_free(m->tables[i]->name);
		sl_free(m->tables[i]);
	}
	sl_free(m->tables);
	sl_map_free(&m->index, NULL);
	sl_free(m->sluice);
	sl_free(m->server);
	sl_free(m->source);
	sl_free(m->binlog_file);
	sl_free(m->gtid);
	sl_free(m->error);
	sl_manifest_init(m);
}

/* --- tables ------------------------------------------------------------------ */

long sl_manifest_index(const struct sl_manifest *m, const char *schema, const char *name)
{
	const struct sl_manifest_table *t = sl_map_get2(&m->index, schema, name ? name : "");
	return t ? (long)t->pos : -1;
}

struct sl_manifest_table *sl_manifest_table(struct sl_manifest *m, const char *schema,
                                            const char *name)
{
	if (!name)
		name = "";
	struct sl_manifest_table *t = sl_map_get2(&m->index, schema, name);
	if (t)
		return t;
	if (m->ntables == m->cap) {
		size_t cap = m->cap ? m->cap * 2 : 64;
		void *p = sl_realloc(m->tables, cap * sizeof(*m->tables));
		if (!p)
			return NULL;
		m->tables = p;
		m->cap = cap;
	}
	t = sl_calloc(1, sizeof(*t));
	if (!t)
		return NULL;
	t->schema = sl_strdup(schema);
	t->name = sl_strdup(name);
	t->pos = m->ntables;
	if (!t->schema || !t->name || sl_map_put2(&m->index, schema, name, t)) {
		sl_free(t->schema);
		sl_free(t->name);
		sl_free(t);
		return NULL;
	}
	m->tables[m->ntables++] = t;
	return t;
}

uint64_t sl_manifest_file_hash(const char *fname, const void *body, size_t len)
{
	return sl_xxh64(body, len, sl_xxh64(fname, strlen(fname), 0));
}

int sl_manifest_add_file(struct sl_manifest *m, const char *schema, const char *name,
                         const char *fname, const void *body, size_t len, uint64_t rows)
{
	struct sl_manifest_table *t = sl_manifest_table(m, schema, name);
	if (!t)
		return SL_ENOMEM;
	t->files++;
	t->bytes += len;
	t->rows += rows;
	t->sum += sl_manifest_file_hash(fname, body, len);
	m->files++;
	m->bytes += len;
	m->rows += rows;
	return 0;
}

void sl_manifest_stamp(char dst[32])
{
	time_t now = time(NULL);
	struct tm tm;
	gmtime_r(&now, &tm);
	strftime(dst, 32, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

/* --- writing ------------------------------------------------------------------ */

/* Append s as a JSON string (NULL: null).  Bytes >= 0x80 pass as they are
 * (names are UTF-8); control characters become \u00XX. */
static int json_put_string(struct sl_buf *out, const char *s)
{
	int rc = 0;
	if (!s)
		return sl_buf_puts(out, "null");
	rc = sl_buf_putc(out, '"');
	for (const unsigned char *p = (const unsigned char *)s; *p && !rc; p++) {
		if (*p == '"' || *p == '\\')
			rc = sl_buf_printf(out, "\\%c", *p);
		else if (*p < 0x20 || *p == 0x7f)
			rc = sl_buf_printf(out, "\\u%04x", *p);
		else
			rc = sl_buf_putc(out, (char)*p);
	}
	return rc ? rc : sl_buf_putc(out, '"');
}

static const char *status_name(enum sl_manifest_status s)
{
	return s == SL_MANIFEST_OK ? "ok" : s == SL_MANIFEST_ERROR ? "error" : "running";
}

int sl_manifest_write(const struct sl_manifest *m, struct sl_buf *out)
{
	int rc = sl_buf_puts(out, "{\n  \"manifest\": \"sluice-dump\",\n  \"version\": 1,\n");
	if (!rc)
		rc = sl_buf_puts(out, "  \"sluice\": ");
	if (!rc)
		rc = json_put_string(out, m->sluice);
	if (!rc)
		rc = sl_buf_puts(out, ",\n  \"source\": ");
	if (!rc)
		rc = json_put_string(out, m->source);
	if (!rc)
		rc = sl_buf_puts(out, ",\n  \"server\": ");
	if (!rc)
		rc = json_put_string(out, m->server);
	if (!rc)
		rc = sl_buf_puts(out, ",\n  \"binlog_file\": ");
	if (!rc)
		rc = json_put_string(out, m->binlog_file);
	if (!rc)
		rc = sl_buf_printf(
		    out, ",\n  \"binlog_pos\": %" PRIu64 ",\n  \"gtid\": ", m->binlog_pos);
	if (!rc)
		rc = json_put_string(out, m->gtid);
	if (!rc)
		rc = sl_buf_printf(out,
		                   ",\n  \"started\": \"%s\",\n  \"finished\": \"%s\",\n"
		                   "  \"status\": \"%s\",\n  \"error\": ",
		                   m->started, m->finished, status_name(m->status));
	if (!rc)
		rc = json_put_string(out, m->error);
	if (!rc)
		rc = sl_buf_printf(out,
		                   ",\n  \"hash\": \"xxh64\",\n  \"files\": %" PRIu64
		                   ",\n  \"bytes\": %" PRIu64 ",\n  \"rows\": %" PRIu64
		                   ",\n  \"tables\": [",
		                   m->files, m->bytes, m->rows);
	for (size_t i = 0; i < m->ntables && !rc; i++) {
		const struct sl_manifest_table *t = m->tables[i];
		rc = sl_buf_puts(out, i ? ",\n    {\"schema\": " : "\n    {\"schema\": ");
		if (!rc)
			rc = json_put_string(out, t->schema);
		if (!rc)
			rc = sl_buf_puts(out, ", \"table\": ");
		if (!rc)
			rc = json_put_string(out, t->name[0] ? t->name : NULL);
		if (!rc)
			rc = sl_buf_printf(
			    out,
			    ", \"complete\": %s, \"rows\": %" PRIu64 ", \"files\": %" PRIu64
			    ", \"bytes\": %" PRIu64 ", \"xxh64\": \"%016" PRIx64 "\"}",
			    t->complete ? "true" : "false", t->rows, t->files, t->bytes, t->sum);
	}
	return rc ? rc : sl_buf_puts(out, "\n  ]\n}\n");
}

/* "2026-11-21T04:50:00Z" -> "2026-11-21 04:50:00" (mydumper's spelling). */
static void plain_time(char dst[32], const char *iso)
{
	snprintf(dst, 32, "%s", iso);
	char *t = strchr(dst, 'T');
	if (t)
		*t = ' ';
	char *z = strchr(dst, 'Z');
	if (z)
		*z = '\0';
}

int sl_manifest_metadata(const struct sl_manifest *m, struct sl_buf *out)
{
	char started[32], finished[32];
	plain_time(started, m->started);
	plain_time(finished, m->finished);
	int rc = sl_buf_printf(out, "Started dump at: %s\n", started);
	if (!rc && m->binlog_file)
		rc = sl_buf_printf(
		    out, "SHOW MASTER STATUS:\n\tLog: %s\n\tPos: %" PRIu64 "\n\tGTID:%s\n\n",
		    m->binlog_file, m->binlog_pos, m->gtid ? m->gtid : "");
	if (!rc)
		rc = sl_buf_printf(out, "Finished dump at: %s\n", finished);
	return rc;
}

/* --- parsing ------------------------------------------------------------------ */

struct json {
	const char *p, *start, *end;
	const char *what;
	struct sl_error *err;
};

enum jtype { J_STRING, J_NUMBER, J_TRUE, J_FALSE, J_NULL, J_ARRAY, J_OBJECT };

static int jfail(struct json *j, const char *why)
{
	return sl_error_set(j->err, SL_EFORMAT, "%s: byte %zu: %s", j->what,
	                    (size_t)(j->p - j->start), why);
}

static void jws(struct json *j)
{
	while (j->p < j->end && (*j->p == ' ' || *j->p == '\n' || *j->p == '\t' || *j->p == '\r'))
		j->p++;
}

static int jhex4(struct json *j, unsigned *out)
{
	unsigned v = 0;
	if (j->end - j->p < 4)
		return jfail(j, "truncated \\u escape");
	for (int i = 0; i < 4; i++) {
		int h = sl_hexval(*j->p++);
		if (h < 0)
			return jfail(j, "bad \\u escape");
		v = (v << 4) | (unsigned)h;
	}
	*out = v;
	return 0;
}

/* A string at j->p (after ws) into out (NUL-terminated). */
static int jstring(struct json *j, struct sl_buf *out)
{
	sl_buf_reset(out);
	if (j->p >= j->end || *j->p != '"')
		return jfail(j, "expected a string");
	j->p++;
	while (j->p < j->end && *j->p != '"') {
		unsigned char c = (unsigned char)*j->p++;
		int rc = 0;
		if (c < 0x20)
			return jfail(j, "control character in a string");
		if (c != '\\') {
			rc = sl_buf_putc(out, (char)c);
		} else {
			if (j->p >= j->end)
				break;
			c = (unsigned char)*j->p++;
			const char *map = strchr("\"\\/bfnrt", c);
			if (map && c) {
				static const char repl[] = "\"\\/\b\f\n\r\t";
				rc = sl_buf_putc(out, repl[map - "\"\\/bfnrt"]);
			} else if (c == 'u') {
				unsigned cp, lo;
				if ((rc = jhex4(j, &cp)) != 0)
					return rc;
				if (cp >= 0xd800 && cp < 0xdc00) {
					if (j->end - j->p < 2 || j->p[0] != '\\' || j->p[1] != 'u')
						return jfail(j, "lone surrogate in a string");
					j->p += 2;
					if ((rc = jhex4(j, &lo)) != 0)
						return rc;
					if (lo < 0xdc00 || lo > 0xdfff)
						return jfail(j, "bad surrogate pair in a string");
					cp = 0x10000 + ((cp - 0xd800) << 10) + (lo - 0xdc00);
				} else if (cp >= 0xdc00 && cp <= 0xdfff) {
					return jfail(j, "lone surrogate in a string");
				}
				if (cp == 0)
					return jfail(j, "NUL in a string");
				rc = sl_buf_put_utf8(out, cp);
			} else {
				return jfail(j, "bad escape in a string");
			}
		}
		if (rc)
			return rc;
	}
	if (j->p >= j->end)
		return jfail(j, "unterminated string");
	j->p++;
	/* NUL-terminate without counting the NUL (an empty string too). */
	if (sl_buf_putc(out, '\0'))
		return SL_ENOMEM;
	out->len--;
	return 0;
}

/* A scalar value: its type in *type; strings in 'str', numbers in *num
 * (non-negative integers only: the manifest has no other numbers). */
static int jscalar(struct json *j, enum jtype *type, struct sl_buf *str, uint64_t *num)
{
	jws(j);
	if (j->p >= j->end)
		return jfail(j, "expected a value");
	if (*j->p == '"') {
		*type = J_STRING;
		return jstring(j, str);
	}
	static const struct {
		const char *word;
		enum jtype type;
	} words[] = {{"true", J_TRUE}, {"false", J_FALSE}, {"null", J_NULL}};
	for (size_t i = 0; i < 3; i++) {
		size_t n = strlen(words[i].word);
		if ((size_t)(j->end - j->p) >= n && !memcmp(j->p, words[i].word, n)) {
			j->p += n;
			*type = words[i].type;
			return 0;
		}
	}
	if (*j->p == '[' || *j->p == '{') {
		*type = *j->p == '[' ? J_ARRAY : J_OBJECT;
		return 0;
	}
	uint64_t v = 0;
	const char *s = j->p;
	while (j->p < j->end && *j->p >= '0' && *j->p <= '9') {
		unsigned d = (unsigned)(*j->p - '0');
		if (v > (UINT64_MAX - d) / 10)
			return jfail(j, "number out of range");
		v = v * 10 + d;
		j->p++;
	}
	if (j->p == s)
		return jfail(j, "expected a value");
	*type = J_NUMBER;
	*num = v;
	return 0;
}

/* Next member of an object: 0 with the key in 'key', 1 at the closing
 * brace, or an error.  'first' says no comma is expected. */
static int jmember(struct json *j, bool first, struct sl_buf *key)
{
	jws(j);
	if (j->p < j->end && *j->p == '}') {
		j->p++;
		return 1;
	}
	if (!first) {
		if (j->p >= j->end || *j->p != ',')
			return jfail(j, "expected ',' or '}'");
		j->p++;
		jws(j);
	}
	int rc = jstring(j, key);
	if (rc)
		return rc;
	jws(j);
	if (j->p >= j->end || *j->p != ':')
		return jfail(j, "expected ':'");
	j->p++;
	return 0;
}

/* Copy a string value (J_NULL: NULL) into *dst. */
static int jset(struct json *j, char **dst, enum jtype type, const struct sl_buf *str)
{
	sl_free(*dst);
	*dst = NULL;
	if (type == J_NULL)
		return 0;
	if (type != J_STRING)
		return jfail(j, "expected a string or null");
	return (*dst = sl_strdup(str->data)) ? 0 : SL_ENOMEM;
}

static int jtable(struct json *j, struct sl_manifest *m, struct sl_buf *key, struct sl_buf *str)
{
	char *schema = NULL, *name = NULL;
	bool complete = false, have_schema = false;
	uint64_t rows = 0, files = 0, bytes = 0, sum = 0, num = 0;
	int rc = 0;
	j->p++; /* '{' */
	for (bool first = true;; first = false) {
		enum jtype type;
		rc = jmember(j, first, key);
		if (rc == 1)
			break;
		if (!rc)
			rc = jscalar(j, &type, str, &num);
		if (!rc && (type == J_ARRAY || type == J_OBJECT))
			rc = jfail(j, "nested value in a table record");
		if (rc)
			goto out;
		const char *k = key->data;
		if (!strcmp(k, "schema")) {
			rc = jset(j, &schema, type, str);
			have_schema = true;
		} else if (!strcmp(k, "table")) {
			rc = jset(j, &name, type, str);
		} else if (!strcmp(k, "complete")) {
			complete = type == J_TRUE;
		} else if (!strcmp(k, "rows") || !strcmp(k, "files") || !strcmp(k, "bytes")) {
			if (type != J_NUMBER)
				rc = jfail(j, "expected a number");
			*(k[0] == 'r' ? &rows : k[0] == 'f' ? &files : &bytes) = num;
		} else if (!strcmp(k, "xxh64")) {
			char *end = NULL;
			if (type != J_STRING || str->len != 16)
				rc = jfail(j, "xxh64: expected 16 hex digits");
			else if ((sum = strtoull(str->data, &end, 16), *end))
				rc = jfail(j, "xxh64: expected 16 hex digits");
		}
		if (rc)
			goto out;
	}
	rc = 0;
	if (!have_schema || !schema) {
		rc = jfail(j, "a table record without a schema");
		goto out;
	}
	struct sl_manifest_table *t = sl_manifest_table(m, schema, name);
	if (!t) {
		rc = SL_ENOMEM;
		goto out;
	}
	if (t->files) {
		rc = jfail(j, "a table listed twice");
		goto out;
	}
	t->complete = complete;
	t->rows = rows;
	t->files = files;
	t->bytes = bytes;
	t->sum = sum;
out:
	sl_free(schema);
	sl_free(name);
	return rc;
}

int sl_manifest_parse(struct sl_manifest *m, const char *text, size_t len, const char *what,
                      struct sl_error *err)
{
	struct json j = {.p = text, .start = text, .end = text + len, .what = what, .err = err};
	struct sl_buf key = SL_BUF_INIT, str = SL_BUF_INIT;
	bool is_manifest = false, have_status = false;
	int rc;

	jws(&j);
	if (j.p >= j.end || *j.p != '{') {
		rc = jfail(&j, "not a JSON object");
		goto out;
	}
	j.p++;
	for (bool first = true;; first = false) {
		enum jtype type;
		uint64_t num = 0;
		rc = jmember(&j, first, &key);
		if (rc == 1)
			break;
		if (!rc)
			rc = jscalar(&j, &type, &str, &num);
		if (rc)
			goto out;
		const char *k = key.data;
		if (type == J_ARRAY && !strcmp(k, "tables")) {
			j.p++;
			jws(&j);
			if (j.p < j.end && *j.p == ']') {
				j.p++;
				continue;
			}
			for (;;) {
				jws(&j);
				if (j.p >= j.end || *j.p != '{') {
					rc = jfail(&j, "expected a table record");
					goto out;
				}
				if ((rc = jtable(&j, m, &key, &str)) != 0)
					goto out;
				jws(&j);
				if (j.p < j.end && *j.p == ',') {
					j.p++;
					continue;
				}
				if (j.p < j.end && *j.p == ']') {
					j.p++;
					break;
				}
				rc = jfail(&j, "expected ',' or ']'");
				goto out;
			}
			continue;
		}
		if (type == J_ARRAY || type == J_OBJECT) {
			rc = jfail(&j, "unexpected nested value");
			goto out;
		}
		if (!strcmp(k, "manifest")) {
			is_manifest = type == J_STRING && !strcmp(str.data, "sluice-dump");
		} else if (!strcmp(k, "version")) {
			if (type != J_NUMBER || num != 1) {
				rc = jfail(&j, "unsupported manifest version");
				goto out;
			}
		} else if (!strcmp(k, "sluice")) {
			rc = jset(&j, &m->sluice, type, &str);
		} else if (!strcmp(k, "server")) {
			rc = jset(&j, &m->server, type, &str);
		} else if (!strcmp(k, "source")) {
			rc = jset(&j, &m->source, type, &str);
		} else if (!strcmp(k, "binlog_file")) {
			rc = jset(&j, &m->binlog_file, type, &str);
		} else if (!strcmp(k, "gtid")) {
			rc = jset(&j, &m->gtid, type, &str);
		} else if (!strcmp(k, "error")) {
			rc = jset(&j, &m->error, type, &str);
		} else if (!strcmp(k, "started") || !strcmp(k, "finished")) {
			if (type == J_STRING)
				snprintf(k[0] == 's' ? m->started : m->finished, 32, "%s",
				         str.data);
		} else if (!strcmp(k, "status")) {
			have_status = type == J_STRING;
			if (have_status && !strcmp(str.data, "ok"))
				m->status = SL_MANIFEST_OK;
			else if (have_status && !strcmp(str.data, "error"))
				m->status = SL_MANIFEST_ERROR;
			else
				m->status = SL_MANIFEST_RUNNING;
		} else if (!strcmp(k, "hash")) {
			if (type != J_STRING || strcmp(str.data, "xxh64")) {
				rc = jfail(&j, "unknown hash (expected \"xxh64\")");
				goto out;
			}
		} else if (!strcmp(k, "binlog_pos") || !strcmp(k, "files") || !strcmp(k, "bytes") ||
		           !strcmp(k, "rows")) {
			if (type != J_NUMBER) {
				rc = jfail(&j, "expected a number");
				goto out;
			}
			*(!strcmp(k, "binlog_pos") ? &m->binlog_pos
			  : k[0] == 'f'            ? &m->files
			  : k[0] == 'b'            ? &m->bytes
			                           : &m->rows) = num;
		}
		if (rc)
			goto out;
	}
	rc = 0;
	jws(&j);
	if (j.p != j.end)
		rc = jfail(&j, "data after the manifest");
	else if (!is_manifest)
		rc = jfail(&j, "not a sluice manifest (no \"manifest\": \"sluice-dump\")");
	else if (!have_status)
		rc = jfail(&j, "no status");
out:
	sl_buf_free(&key);
	sl_buf_free(&str);
	if (rc == SL_ENOMEM)
		sl_error_set(err, rc, "%s: out of memory", what);
	return rc;
}

/* "db.t" or "database db" for messages. */
static void table_label(char *dst, size_t n, const struct sl_manifest_table *t)
{
	if (t->name[0])
		snprintf(dst, n, "table %s.%s", t->schema, t->name);
	else
		snprintf(dst, n, "the files of database %s", t->schema);
}

int sl_manifest_check(const struct sl_manifest *expect, const struct sl_manifest *seen,
                      const char *what, struct sl_error *err)
{
	char label[600];
	if (expect->status != SL_MANIFEST_OK)
		return sl_error_set(err, SL_EFORMAT,
		                    "%s: the manifest says status %s%s%s: the dump is incomplete",
		                    what, status_name(expect->status), expect->error ? ": " : "",
		                    expect->error ? expect->error : "");
	uint64_t rows = 0, files = 0, bytes = 0;
	for (size_t i = 0; i < expect->ntables; i++) {
		const struct sl_manifest_table *e = expect->tables[i];
		const struct sl_manifest_table *s = sl_map_get2(&seen->index, e->schema, e->name);
		table_label(label, sizeof(label), e);
		rows += e->rows;
		files += e->files;
		bytes += e->bytes;
		if (!s || s->files != e->files)
			return sl_error_set(err, SL_EFORMAT,
			                    "%s: %s: the manifest lists %" PRIu64
			                    " files, the dump holds %" PRIu64,
			                    what, label, e->files, s ? s->files : 0);
		if (s->bytes != e->bytes)
			return sl_error_set(err, SL_EFORMAT,
			                    "%s: %s: the manifest lists %" PRIu64
			                    " bytes, the dump holds %" PRIu64,
			                    what, label, e->bytes, s->bytes);
		if (s->sum != e->sum)
			return sl_error_set(err, SL_EFORMAT,
			                    "%s: %s: checksum mismatch (xxh64 sum %016" PRIx64
			                    ", the manifest says %016" PRIx64
			                    "): a file is damaged",
			                    what, label, s->sum, e->sum);
	}
	for (size_t i = 0; i < seen->ntables; i++) {
		const struct sl_manifest_table *s = seen->tables[i];
		if (!sl_map_get2(&expect->index, s->schema, s->name)) {
			table_label(label, sizeof(label), s);
			return sl_error_set(err, SL_EFORMAT, "%s: %s is not in the manifest", what,
			                    label);
		}
	}
	if (rows != expect->rows || files != expect->files || bytes != expect->bytes)
		return sl_error_set(
		    err, SL_EFORMAT,
		    "%s: the manifest's totals (%" PRIu64 " files, %" PRIu64 " bytes, %" PRIu64
		    " rows) do not add up to its tables' (%" PRIu64 ", %" PRIu64 ", %" PRIu64 ")",
		    what, expect->files, expect->bytes, expect->rows, files, bytes, rows);
	return 0;
}
