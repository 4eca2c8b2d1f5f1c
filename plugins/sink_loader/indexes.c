/* indexes.c - deferred secondary indexes.
 *
 * Loading rows into a table and adding its secondary indexes afterwards
 * (one ALTER TABLE, sorted index builds) is faster than maintaining them
 * row by row: measured here, 500k sysbench rows with KEY(k) loaded in
 * 4.3-4.5 s with the key, 3.9 s without it plus the ALTER.  So the loader
 * creates an InnoDB table without its plain KEYs and adds them once its
 * data is in.  Only the layout SHOW CREATE TABLE writes is rewritten (one
 * column or index per line, two spaces in); tables with CONSTRAINT lines
 * (foreign keys need their indexes, CHECKs are left alone too) or with
 * FULLTEXT or SPATIAL keys (the order of keys would change) keep
 * everything as it is; UNIQUE keys are never deferred. */
#include <string.h>

#include "base/alloc.h"
#include "base/buf.h"
#include "format/sqlsplit.h"
#include "format/table.h"
#include "loader.h"

static bool has_prefix(const char *p, const char *end, const char *prefix)
{
	size_t n = strlen(prefix);
	return (size_t)(end - p) >= n && memcmp(p, prefix, n) == 0;
}

/* One line of the statement without its trailing comma. */
static int put_line(struct sl_buf *out, const char *p, const char *end)
{
	if (end > p && end[-1] == ',')
		end--;
	return sl_buf_append(out, p, (size_t)(end - p));
}

/* Split CREATE TABLE text into one without plain KEYs and their ALTER.
 * 1 when something was deferred, 0 when the table keeps its keys, SL_ENOMEM. */
static int split_create(const char *stmt, size_t len, const char *db, const char *table,
                        struct sl_buf *create, struct sl_buf *alter)
{
	const char *end = stmt + len;
	const char *first_nl = memchr(stmt, '\n', len);
	if (!has_prefix(stmt, end, "CREATE TABLE ") || !first_nl)
		return 0;
	const char *last = end;
	while (last > stmt && last[-1] != '\n')
		last--;
	if (!has_prefix(last, end, ") ENGINE=InnoDB"))
		return 0;
	size_t nkeys = 0, nkept = 0;
	for (const char *p = first_nl + 1; p < last;) {
		const char *nl = memchr(p, '\n', (size_t)(last - p));
		const char *le = nl ? nl : last;
		if (has_prefix(p, le, "  CONSTRAINT ") || has_prefix(p, le, "  FULLTEXT ") ||
		    has_prefix(p, le, "  SPATIAL ") || !has_prefix(p, le, "  "))
			return 0; /* foreign keys, checks, keys whose order would change, or
			           * not SHOW CREATE's layout */
		if (has_prefix(p, le, "  KEY `"))
			nkeys++;
		else
			nkept++;
		p = nl ? nl + 1 : last;
	}
	if (nkeys == 0 || nkept == 0)
		return 0;

	int rc = sl_buf_append(create, stmt, (size_t)(first_nl + 1 - stmt));
	rc = rc ? rc : sl_buf_puts(alter, "ALTER TABLE ");
	rc = rc ? rc : sl_buf_put_qualified(alter, db, table);
	size_t kept = 0, keys = 0;
	for (const char *p = first_nl + 1; !rc && p < last;) {
		const char *nl = memchr(p, '\n', (size_t)(last - p));
		const char *le = nl ? nl : last;
		if (has_prefix(p, le, "  KEY `")) {
			rc = sl_buf_puts(alter, keys++ ? ", ADD " : " ADD ");
			rc = rc ? rc : put_line(alter, p + 2, le);
		} else {
			rc = kept++ ? sl_buf_puts(create, ",\n") : 0;
			rc = rc ? rc : put_line(create, p, le);
		}
		p = nl ? nl + 1 : last;
	}
	rc = rc ? rc : sl_buf_putc(create, '\n');
	rc = rc ? rc : sl_buf_append(create, last, (size_t)(end - last));
	return rc ? SL_ENOMEM : 1;
}

int loader_defer_indexes(const struct sl_batch *b, const char *target_db, struct sl_buf *body,
                         char **alter)
{
	struct sl_sqlsplit split;
	struct sl_error err = {0};
	const char *stmt;
	size_t len;
	int more, deferred = 0;
	*alter = NULL;
	sl_sqlsplit_init(&split, b->name, b->body.data, b->body.len);
	while ((more = sl_sqlsplit_next(&split, &stmt, &len, &err)) == 1) {
		struct sl_buf create = SL_BUF_INIT, alt = SL_BUF_INIT;
		int rc = deferred ? 0
		                  : split_create(stmt, len, target_db, sl_batch_table_name(b),
		                                 &create, &alt);
		if (rc == 1) {
			deferred = 1;
			rc = sl_buf_append(body, create.data, create.len);
			*alter = sl_buf_steal(&alt, NULL);
		} else if (rc == 0) {
			rc = sl_buf_append(body, stmt, len);
		}
		rc = rc ? rc : sl_buf_puts(body, ";\n");
		sl_buf_free(&create);
		sl_buf_free(&alt);
		if (rc) {
			sl_free(*alter);
			*alter = NULL;
			return SL_ENOMEM;
		}
	}
	if (more < 0 || !deferred) {
		sl_free(*alter);
		*alter = NULL;
		return 0; /* run the file as it is */
	}
	return 1;
}
