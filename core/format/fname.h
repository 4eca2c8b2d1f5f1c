/* fname.h - file names of a dump, in mydumper's layout.
 *
 * Names of databases and tables are written with MySQL's filename encoding
 * (as in a datadir): ASCII letters, digits and '_' stay, every other
 * character becomes @xxxx (4 lowercase hex digits of its code point), so
 * `my table` -> `my@0020table` and a name can never contain '.', '-', '/',
 * a space or a newline.  Layout:
 *   db-schema-create.sql       CREATE DATABASE
 *   db.t-schema.sql            CREATE TABLE / CREATE SEQUENCE
 *   db.t.00000.sql             data (5 digits at least; .csv/.jsonl later)
 *   db.t-schema-triggers.sql   triggers of t
 *   db.t-schema-indexes.sql    secondary indexes a loader adds after the data
 *   db.v-schema-view.sql       CREATE VIEW
 *   db-schema-post.sql         routines and events
 *   mysql-users.sql            accounts, roles and their grants (--users): the
 *                              instance's, not a database's; loaded last
 * A directory may hold each of them compressed, as mydumper -c and
 * `sluice dump -o DIR --compress` write them: the name with ".gz" or
 * ".zst" appended (db.t.00000.sql.zst). */
#ifndef SL_FNAME_H
#define SL_FNAME_H

#include <stddef.h>

#include "base/buf.h"

/* What a file holds; sinks use it for layout and the loader for ordering. */
enum sl_file_kind {
	SL_FILE_SCHEMA_CREATE, /* db-schema-create.sql */
	SL_FILE_TABLE_SCHEMA,  /* db.t-schema.sql (also sequences) */
	SL_FILE_DATA,          /* db.t.00000.sql */
	SL_FILE_TRIGGERS,      /* db.t-schema-triggers.sql */
	SL_FILE_VIEW,          /* db.v-schema-view.sql */
	SL_FILE_POST,          /* db-schema-post.sql: routines, events */
	SL_FILE_USERS          /* mysql-users.sql: accounts and grants (no database) */
};

/* Is a file of 'kind' an object file: triggers, a view, or a database's
 * routines and events ('of_table': a table's SL_FILE_POST is its
 * indexes)?  Directories hold these in myloader's form, and they are split
 * with SL_SQLSPLIT_LINE_END (format/myloader.h). */
static inline int sl_fname_is_object(enum sl_file_kind kind, int of_table)
{
	return kind == SL_FILE_TRIGGERS || kind == SL_FILE_VIEW ||
	       (kind == SL_FILE_POST && !of_table);
}

/* The one name of the accounts file.  Encoded database names never hold
 * '-', and no database file ends in "-users.sql", so it is no other file. */
#define SL_FNAME_USERS "mysql-users.sql"

/* Append the encoding of a UTF-8 identifier.  SL_EFORMAT if 'ident' is not
 * valid UTF-8 or holds a code point above U+FFFF; SL_ENOMEM. */
int sl_fname_encode(struct sl_buf *out, const char *ident);

/* Append the identifier an encoded name stands for.  Accepts @xxxx (hex, any
 * case).  SL_EFORMAT on a malformed escape or a character that the encoder
 * would have escaped; SL_ENOMEM. */
int sl_fname_decode(struct sl_buf *out, const char *enc, size_t len);

int sl_fname_schema_create(struct sl_buf *out, const char *db);
int sl_fname_table_schema(struct sl_buf *out, const char *db, const char *table);
int sl_fname_data(struct sl_buf *out, const char *db, const char *table, unsigned seq,
                  const char *ext);
int sl_fname_triggers(struct sl_buf *out, const char *db, const char *table);
int sl_fname_indexes(struct sl_buf *out, const char *db, const char *table);
int sl_fname_view(struct sl_buf *out, const char *db, const char *view);
int sl_fname_post(struct sl_buf *out, const char *db);

/* Compression of a file, as its name's suffix says. */
enum sl_fname_z { SL_FNAME_PLAIN, SL_FNAME_GZIP, SL_FNAME_ZSTD };

/* The compression 'name' says (".gz", ".zst" at its end, after more than
 * the suffix), and in *base (OUT) the length of the name without it. */
enum sl_fname_z sl_fname_compression(const char *name, size_t *base);

/* The suffix of a compression: "", ".gz" or ".zst". */
const char *sl_fname_z_suffix(enum sl_fname_z z);

/* Classify a file name of the layout above (also mydumper's unnumbered
 * data files, db.t.sql) and decode its parts: 0 with *kind (OUT), the
 * database in 'db' and the table in 'tbl' (both reset, then NUL-terminated;
 * tbl empty for database files, both empty for the accounts file);
 * SL_EFORMAT for a name outside the layout or a bad encoding; SL_ENOMEM. */
int sl_fname_classify(const char *name, enum sl_file_kind *kind, struct sl_buf *db,
                      struct sl_buf *tbl);

#endif
