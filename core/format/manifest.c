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

#include <json-c/json.h>

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
	sl_free(m->compression);
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

int sl_manifest_add_hashed(struct sl_manifest *m, const char *schema, const char *name,
                           uint64_t hash, uint64_t len, uint64_t rows)
{
	struct sl_manifest_table *t = sl_manifest_table(m, schema, name);
	if (!t)
		return SL_ENOMEM;
	t->files++;
	t->bytes += len;
	t->rows += rows;
	t->sum += hash;
	m->files++;
	m->bytes += len;
	m->rows += rows;
	return 0;
}

void sl_manifest_hash_begin(struct sl_xxh64_state *st, const char *fname)
{
	sl_xxh64_begin(st, sl_xxh64(fname, strlen(fname), 0));
}

void sl_manifest_stamp(char dst[32])
{
	time_t now = time(NULL);
	struct tm tm;
	gmtime_r(&now, &tm);
	strftime(dst, 32, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

/* --- writing ------------------------------------------------------------------ */

static const char *status_name(enum sl_manifest_status s)
{
	return s == SL_MANIFEST_OK ? "ok" : s == SL_MANIFEST_ERROR ? "error" : "running";
}

static const char *kind_name(enum sl_manifest_kind k)
{
	return k == SL_MANIFEST_VIEW ? "view" : k == SL_MANIFEST_SEQUENCE ? "sequence" : "table";
}

#define JSON_FLAGS (JSON_C_TO_STRING_SPACED | JSON_C_TO_STRING_NOSLASHESCAPE)

/* Append '"key": <v>' (json-c escapes; NULL v is null) and a separator.
 * Takes v. */
static int put_member(struct sl_buf *out, const char *key, struct json_object *v, const char *sep)
{
	int rc = sl_buf_printf(out, "  \"%s\": %s%s", key,
	                       v ? json_object_to_json_string_ext(v, JSON_FLAGS) : "null", sep);
	json_object_put(v);
	return rc;
}

static struct json_object *jstr(const char *s)
{
	return s ? json_object_new_string(s) : NULL;
}

int sl_manifest_write(const struct sl_manifest *m, struct sl_buf *out)
{
	int rc = sl_buf_puts(out, "{\n");
	rc = rc ? rc : put_member(out, "manifest", json_object_new_string("sluice-dump"), ",\n");
	rc = rc ? rc : put_member(out, "version", json_object_new_int(1), ",\n");
	rc = rc ? rc : put_member(out, "sluice", jstr(m->sluice), ",\n");
	rc = rc ? rc : put_member(out, "source", jstr(m->source), ",\n");
	rc = rc ? rc : put_member(out, "server", jstr(m->server), ",\n");
	rc = rc ? rc : put_member(out, "binlog_file", jstr(m->binlog_file), ",\n");
	rc = rc ? rc : put_member(out, "binlog_pos", json_object_new_uint64(m->binlog_pos), ",\n");
	rc = rc ? rc : put_member(out, "gtid", jstr(m->gtid), ",\n");
	rc = rc ? rc : put_member(out, "started", jstr(m->started[0] ? m->started : NULL), ",\n");
	rc =
	    rc ? rc : put_member(out, "finished", jstr(m->finished[0] ? m->finished : NULL), ",\n");
	rc = rc ? rc : put_member(out, "status", jstr(status_name(m->status)), ",\n");
	rc = rc ? rc : put_member(out, "error", jstr(m->error), ",\n");
	rc = rc ? rc : put_member(out, "hash", json_object_new_string("xxh64"), ",\n");
	rc = rc ? rc : put_member(out, "hashed", json_object_new_string("uncompressed"), ",\n");
	rc = rc ? rc : put_member(out, "compression", jstr(m->compression), ",\n");
	rc = rc ? rc : put_member(out, "files", json_object_new_uint64(m->files), ",\n");
	rc = rc ? rc : put_member(out, "bytes", json_object_new_uint64(m->bytes), ",\n");
	rc = rc ? rc : put_member(out, "rows", json_object_new_uint64(m->rows), ",\n");
	rc = rc ? rc : sl_buf_puts(out, "  \"tables\": [");
	/* One line per table, built one at a time: memory is one record. */
	for (size_t i = 0; i < m->ntables && !rc; i++) {
		const struct sl_manifest_table *t = m->tables[i];
		struct json_object *o = json_object_new_object();
		char sum[17];
		snprintf(sum, sizeof(sum), "%016" PRIx64, t->sum);
		if (!o)
			return SL_ENOMEM;
		json_object_object_add(o, "schema", json_object_new_string(t->schema));
		json_object_object_add(o, "table",
		                       t->name[0] ? json_object_new_string(t->name) : NULL);
		if (t->name[0] && t->kind_known)
			json_object_object_add(o, "kind",
			                       json_object_new_string(kind_name(t->kind)));
		json_object_object_add(o, "complete", json_object_new_boolean(t->complete));
		json_object_object_add(o, "rows", json_object_new_uint64(t->rows));
		json_object_object_add(o, "files", json_object_new_uint64(t->files));
		json_object_object_add(o, "bytes", json_object_new_uint64(t->bytes));
		json_object_object_add(o, "xxh64", json_object_new_string(sum));
		rc = sl_buf_printf(out, "%s\n    %s", i ? "," : "",
		                   json_object_to_json_string_ext(o, JSON_FLAGS));
		json_object_put(o);
	}
	rc = rc ? rc : sl_buf_puts(out, "\n  ],\n  \"left_out\": [");
	for (size_t i = 0; i < m->nleft_out && !rc; i++) {
		const struct sl_left_out *lo = &m->left_out[i];
		struct json_object *o = json_object_new_object();
		if (!o)
			return SL_ENOMEM;
		json_object_object_add(o, "kind", json_object_new_string(lo->kind));
		json_object_object_add(o, "schema", json_object_new_string(lo->schema));
		json_object_object_add(o, "name", json_object_new_string(lo->name));
		json_object_object_add(o, "missing", json_object_new_string(lo->missing));
		rc = sl_buf_printf(out, "%s\n    %s", i ? "," : "",
		                   json_object_to_json_string_ext(o, JSON_FLAGS));
		json_object_put(o);
	}
	return rc ? rc : sl_buf_puts(out, m->nleft_out ? "\n  ]\n}\n" : "]\n}\n");
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
	/* mydumper's readers take this line for "the dump is complete". */
	if (!rc && m->status == SL_MANIFEST_OK)
		rc = sl_buf_printf(out, "Finished dump at: %s\n", finished);
	return rc;
}

int sl_manifest_metadata_header(const struct sl_manifest *m, struct sl_buf *out)
{
	char started[32];
	plain_time(started, m->started);
	return sl_buf_printf(out, "# Started dump at: %s\n[config]\nquote-character = BACKTICK\n",
	                     started);
}

int sl_manifest_metadata_final(const struct sl_manifest *m, struct sl_buf *out)
{
	char started[32], finished[32];
	plain_time(started, m->started);
	plain_time(finished, m->finished);
	int rc = sl_buf_printf(out, "# Started dump at: %s\n", started);
	/* Comments only: myloader sets up replication from uncommented keys. */
	if (!rc && m->binlog_file)
		rc = sl_buf_printf(out,
		                   "\n[source]\n# Channel_Name = ''\n# executed_gtid_set = \"%s\"\n"
		                   "# SOURCE_LOG_FILE = \"%s\"\n# SOURCE_LOG_POS = %" PRIu64 "\n\n",
		                   m->gtid ? m->gtid : "", m->binlog_file, m->binlog_pos);
	if (!rc && m->status == SL_MANIFEST_OK)
		rc = sl_buf_printf(out, "# Finished dump at: %s\n", finished);
	return rc;
}

/* --- parsing ------------------------------------------------------------------ */

/* Largest manifest read: about 100k tables.  A bigger one is refused before
 * it is parsed (the parser holds it as a tree). */
#define MANIFEST_MAX_TEXT (64u << 20)

/* Copy a string member (null: NULL) into *dst.  0, SL_EFORMAT (message) or
 * SL_ENOMEM. */
static int get_string(struct json_object *v, char **dst, const char *what, const char *key,
                      struct sl_error *err)
{
	sl_free(*dst);
	*dst = NULL;
	if (!v)
		return 0;
	if (!json_object_is_type(v, json_type_string))
		return sl_error_set(err, SL_EFORMAT, "%s: \"%s\": expected a string or null", what,
		                    key);
	return (*dst = sl_strdup(json_object_get_string(v))) ? 0 : SL_ENOMEM;
}

/* A non-negative integer member. */
static int get_count(struct json_object *v, uint64_t *dst, const char *what, const char *key,
                     struct sl_error *err)
{
	if (!json_object_is_type(v, json_type_int) || json_object_get_int64(v) < 0)
		return sl_error_set(err, SL_EFORMAT, "%s: \"%s\": expected a number", what, key);
	/* json-c clamps what does not fit to the largest value: no count of
	 * a real dump gets there. */
	*dst = json_object_get_uint64(v);
	if (*dst == UINT64_MAX)
		return sl_error_set(err, SL_EFORMAT, "%s: \"%s\": number out of range", what, key);
	return 0;
}

static int parse_table(struct sl_manifest *m, struct json_object *o, size_t i, const char *what,
                       struct sl_error *err)
{
	char *schema = NULL, *name = NULL, at[600];
	struct sl_manifest_table rec = {0};
	bool have_kind = false;
	int rc = 0;
	snprintf(at, sizeof(at), "%s: table record %zu", what, i + 1);
	if (!json_object_is_type(o, json_type_object))
		return sl_error_set(err, SL_EFORMAT, "%s: expected an object", at);
	json_object_object_foreach(o, key, v)
	{
		if (!strcmp(key, "schema")) {
			rc = get_string(v, &schema, at, key, err);
		} else if (!strcmp(key, "table")) {
			rc = get_string(v, &name, at, key, err);
		} else if (!strcmp(key, "kind")) {
			const char *k = json_object_get_string(v);
			have_kind = true;
			if (!json_object_is_type(v, json_type_string))
				rc = sl_error_set(err, SL_EFORMAT,
				                  "%s: \"kind\": expected a string", at);
			else
				rec.kind = !strcmp(k, "view")       ? SL_MANIFEST_VIEW
				           : !strcmp(k, "sequence") ? SL_MANIFEST_SEQUENCE
				                                    : SL_MANIFEST_TABLE;
		} else if (!strcmp(key, "complete")) {
			if (!json_object_is_type(v, json_type_boolean))
				rc = sl_error_set(err, SL_EFORMAT,
				                  "%s: \"complete\": expected true or false", at);
			rec.complete = json_object_get_boolean(v);
		} else if (!strcmp(key, "rows")) {
			rc = get_count(v, &rec.rows, at, key, err);
		} else if (!strcmp(key, "files")) {
			rc = get_count(v, &rec.files, at, key, err);
		} else if (!strcmp(key, "bytes")) {
			rc = get_count(v, &rec.bytes, at, key, err);
		} else if (!strcmp(key, "xxh64")) {
			const char *h = json_object_get_string(v);
			char *end = NULL;
			if (!json_object_is_type(v, json_type_string) || strlen(h) != 16 ||
			    (rec.sum = strtoull(h, &end, 16), *end))
				rc = sl_error_set(err, SL_EFORMAT,
				                  "%s: \"xxh64\": expected 16 hex digits", at);
		} /* members added later are skipped */
		if (rc)
			goto out;
	}
	if (!schema) {
		rc = sl_error_set(err, SL_EFORMAT, "%s: no schema", at);
		goto out;
	}
	bool again = sl_manifest_index(m, schema, name) >= 0;
	struct sl_manifest_table *t = sl_manifest_table(m, schema, name);
	if (!t) {
		rc = SL_ENOMEM;
		goto out;
	}
	if (again) {
		rc = sl_error_set(err, SL_EFORMAT, "%s: %s.%s is listed twice", at, schema,
		                  name ? name : "(database)");
		goto out;
	}
	t->complete = rec.complete;
	t->rows = rec.rows;
	t->files = rec.files;
	t->bytes = rec.bytes;
	t->sum = rec.sum;
	t->kind = rec.kind;
	t->kind_known = have_kind;
out:
	sl_free(schema);
	sl_free(name);
	return rc;
}

int sl_manifest_parse(struct sl_manifest *m, const char *text, size_t len, const char *what,
                      struct sl_error *err)
{
	struct json_object *root = NULL, *v;
	bool have_status = false;
	int rc = 0;

	if (len > MANIFEST_MAX_TEXT)
		return sl_error_set(err, SL_EFORMAT, "%s: %zu bytes, more than the limit of %u",
		                    what, len, MANIFEST_MAX_TEXT);
	struct json_tokener *tok = json_tokener_new();
	if (!tok)
		return sl_error_set(err, SL_ENOMEM, "%s: out of memory", what);
	root = json_tokener_parse_ex(tok, text, (int)len);
	enum json_tokener_error jerr = json_tokener_get_error(tok);
	size_t end = json_tokener_get_parse_end(tok);
	json_tokener_free(tok);
	if (!root || jerr != json_tokener_success) {
		rc = sl_error_set(err, SL_EFORMAT, "%s: not valid JSON: %s", what,
		                  jerr == json_tokener_continue ? "it ends too early"
		                                                : json_tokener_error_desc(jerr));
		goto out;
	}
	for (; end < len; end++)
		if (!strchr(" \t\r\n", text[end])) {
			rc = sl_error_set(err, SL_EFORMAT, "%s: data after the manifest", what);
			goto out;
		}
	if (!json_object_is_type(root, json_type_object) ||
	    !json_object_object_get_ex(root, "manifest", &v) ||
	    !json_object_is_type(v, json_type_string) ||
	    strcmp(json_object_get_string(v), "sluice-dump") != 0) {
		rc = sl_error_set(err, SL_EFORMAT,
		                  "%s: not a sluice manifest (no \"manifest\": \"sluice-dump\")",
		                  what);
		goto out;
	}
	json_object_object_foreach(root, key, val)
	{
		if (!strcmp(key, "version")) {
			if (!json_object_is_type(val, json_type_int) ||
			    json_object_get_int64(val) != 1)
				rc = sl_error_set(err, SL_EFORMAT,
				                  "%s: unsupported manifest version", what);
		} else if (!strcmp(key, "sluice")) {
			rc = get_string(val, &m->sluice, what, key, err);
		} else if (!strcmp(key, "server")) {
			rc = get_string(val, &m->server, what, key, err);
		} else if (!strcmp(key, "source")) {
			rc = get_string(val, &m->source, what, key, err);
		} else if (!strcmp(key, "binlog_file")) {
			rc = get_string(val, &m->binlog_file, what, key, err);
		} else if (!strcmp(key, "gtid")) {
			rc = get_string(val, &m->gtid, what, key, err);
		} else if (!strcmp(key, "error")) {
			rc = get_string(val, &m->error, what, key, err);
		} else if (!strcmp(key, "started") || !strcmp(key, "finished")) {
			if (json_object_is_type(val, json_type_string))
				snprintf(key[0] == 's' ? m->started : m->finished, 32, "%s",
				         json_object_get_string(val));
		} else if (!strcmp(key, "status")) {
			const char *st = json_object_get_string(val);
			have_status = json_object_is_type(val, json_type_string);
			if (have_status && !strcmp(st, "ok"))
				m->status = SL_MANIFEST_OK;
			else if (have_status && !strcmp(st, "error"))
				m->status = SL_MANIFEST_ERROR;
			else if (have_status && !strcmp(st, "running"))
				m->status = SL_MANIFEST_RUNNING;
			else
				rc = sl_error_set(err, SL_EFORMAT,
				                  "%s: \"status\": expected \"ok\", \"error\" or "
				                  "\"running\"",
				                  what);
		} else if (!strcmp(key, "hash")) {
			if (!json_object_is_type(val, json_type_string) ||
			    strcmp(json_object_get_string(val), "xxh64") != 0)
				rc = sl_error_set(err, SL_EFORMAT,
				                  "%s: unknown hash (expected \"xxh64\")", what);
		} else if (!strcmp(key, "hashed")) {
			if (!json_object_is_type(val, json_type_string) ||
			    strcmp(json_object_get_string(val), "uncompressed") != 0)
				rc =
				    sl_error_set(err, SL_EFORMAT,
				                 "%s: \"hashed\": expected \"uncompressed\"", what);
		} else if (!strcmp(key, "compression")) {
			rc = get_string(val, &m->compression, what, key, err);
		} else if (!strcmp(key, "binlog_pos")) {
			rc = val ? get_count(val, &m->binlog_pos, what, key, err) : 0;
		} else if (!strcmp(key, "files")) {
			rc = get_count(val, &m->files, what, key, err);
		} else if (!strcmp(key, "bytes")) {
			rc = get_count(val, &m->bytes, what, key, err);
		} else if (!strcmp(key, "rows")) {
			rc = get_count(val, &m->rows, what, key, err);
		} else if (!strcmp(key, "tables")) {
			if (!json_object_is_type(val, json_type_array))
				rc = sl_error_set(err, SL_EFORMAT,
				                  "%s: \"tables\": expected an array", what);
			size_t n = rc ? 0 : json_object_array_length(val);
			for (size_t i = 0; i < n && !rc; i++)
				rc =
				    parse_table(m, json_object_array_get_idx(val, i), i, what, err);
		} /* members added later are skipped */
		if (rc)
			goto out;
	}
	if (!have_status)
		rc = sl_error_set(err, SL_EFORMAT, "%s: no status", what);
out:
	json_object_put(root);
	if (rc == SL_ENOMEM)
		sl_error_set(err, rc, "%s: out of memory", what);
	return rc;
}

/* "db.t" or "database db" for messages; ("", "") is the accounts file. */
static void table_label(char *dst, size_t n, const struct sl_manifest_table *t)
{
	if (t->name[0])
		snprintf(dst, n, "table %s.%s", t->schema, t->name);
	else if (t->schema[0])
		snprintf(dst, n, "the files of database %s", t->schema);
	else
		snprintf(dst, n, "the accounts file");
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
		/* A finished dump has every table's data (views and sequences
		 * have none; older manifests do not say which is which). */
		if (e->name[0] && e->kind_known && e->kind == SL_MANIFEST_TABLE && !e->complete)
			return sl_error_set(err, SL_EFORMAT,
			                    "%s: %s: the manifest says status ok but the table "
			                    "is not complete",
			                    what, label);
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
