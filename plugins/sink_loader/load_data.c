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

#include "base/alloc.h"
#include "base/buf.h"
#include "engine/pipeline.h"
#include "format/decode_text.h"
#include "format/table.h"
#include "loader.h"

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

static int ld_read(void *ptr, char *buf, unsigned int len)
{
	return sl_text_reader_read(ptr, buf, len);
}

static int ld_error(void *ptr, char *msg, unsigned int len)
{
	struct sl_text_reader *s = ptr;
	snprintf(msg, len, "%s", s && s->err[0] ? s->err : "sluice: reading the data file failed");
	return 2000;
}

/* --- the statement ---------------------------------------------------------- */

/* Classes of the header's columns from the target table's types. */
static int ld_classes(MYSQL *conn, const char *db, const char *table, struct sl_text_reader *s,
                      unsigned *err)
{
	struct sl_buf q = SL_BUF_INIT;
	MYSQL_RES *res = NULL;
	int rc = SL_ENOMEM;
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

static int ld_statement(struct sl_buf *q, const struct sl_text_reader *s, const char *db,
                        const char *table, bool ignore)
{
	int rc = sl_buf_puts(q, "LOAD DATA LOCAL INFILE 'sluice-batch' ");
	rc = rc ? rc : sl_buf_puts(q, ignore ? "IGNORE INTO TABLE " : "INTO TABLE ");
	rc = rc ? rc : sl_buf_put_qualified(q, db, table);
	rc = rc ? rc : sl_buf_puts(q, " CHARACTER SET binary ");
	if (s->fmt == SL_TEXT_CSV)
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

int loader_load_data(struct loader *l, MYSQL *conn, const struct sl_batch *b,
                     enum sl_text_format fmt, bool ignore, unsigned *err, struct sl_error *perr)
{
	static const char *const setup[] = {
	    "SET SESSION TIME_ZONE = '+00:00'",
	    "SET SESSION SQL_MODE = 'NO_AUTO_VALUE_ON_ZERO,ALLOW_INVALID_DATES'", NULL};
	struct sl_text_reader s;
	struct sl_buf q = SL_BUF_INIT;
	const char *db = b->schema, *table = sl_batch_table_name(b);
	int rc;

	*err = 0;
	rc = sl_text_reader_init(&s, fmt, b->body.data, b->body.len);
	if (!rc && !table) {
		rc = SL_EFORMAT;
		snprintf(s.err, sizeof(s.err), "no table");
	}
	if (rc)
		goto fail;
	if (s.ncols == 0)
		goto out; /* an empty file has no rows */
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
	sl_text_reader_free(&s);
	sl_buf_free(&q);
	return 0;
fail:
	if (rc == SL_EFORMAT)
		sl_error_set(perr, SL_EFORMAT, "%s: %s", b->name, s.err[0] ? s.err : "malformed");
	sl_text_reader_free(&s);
	sl_buf_free(&q);
	return rc;
}
