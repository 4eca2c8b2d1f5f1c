/* table.h - what sluice knows about one table (or view, or sequence).
 *
 * A source fills a struct sl_table from the catalog once per run; the
 * encoder, the router and (later) Lua hooks read it.  Tables live as long
 * as the pipeline; batches borrow pointers to them.  Counters that workers
 * update concurrently are atomics. */
#ifndef SL_TABLE_H
#define SL_TABLE_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* How a column's values are written as SQL literals. */
enum sl_value_class {
	SL_VAL_NUMBER, /* integers, DECIMAL, FLOAT/DOUBLE, YEAR: written bare */
	SL_VAL_STRING, /* text, temporal, ENUM/SET, JSON: quoted and escaped */
	SL_VAL_BINARY, /* BINARY/VARBINARY/BLOB, BIT, spatial: hex 0x.. */
	SL_VAL_NATIVE  /* INET4, INET6, UUID: _latin1'text' (a binary-charset
	                  literal would be read as the raw 4/16-byte form) */
};

struct sl_column {
	char *name;
	char *data_type;     /* information_schema DATA_TYPE, e.g. "int" */
	char *column_type;   /* COLUMN_TYPE, e.g. "int(10) unsigned" */
	char *charset;       /* CHARACTER_SET_NAME or NULL */
	char *default_value; /* COLUMN_DEFAULT as the server shows it, or NULL */
	enum sl_value_class value_class;
	bool nullable;
	bool generated; /* VIRTUAL or STORED: never selected nor inserted */
	bool invisible; /* INVISIBLE: selected and inserted by name */
	bool is_float;  /* FLOAT: fetched as CAST(.. AS DOUBLE) to keep every bit */
};

struct sl_key {
	char *name; /* "PRIMARY" for the primary key */
	bool primary;
	bool unique;
	size_t ncols;
	char **cols; /* column names in key order */
};

struct sl_foreign_key {
	char *name;
	char *ref_schema, *ref_table;
	size_t ncols;
	char **cols, **ref_cols;
};

/* The table as one sink receives it. */
struct sl_table_target {
	bool take;    /* the sink gets the table */
	char *schema; /* target database; NULL: the source's */
	char *name;   /* target table; NULL: the source's */
};

enum sl_table_kind { SL_TABLE_BASE, SL_TABLE_VIEW, SL_TABLE_SEQUENCE };

struct sl_table {
	char *schema;
	char *name;
	enum sl_table_kind kind;
	char *engine;       /* NULL for views */
	uint64_t est_rows;  /* information_schema estimate */
	uint64_t est_bytes; /* data length estimate */

	size_t ncols;
	struct sl_column *cols; /* all columns in table order */
	size_t nkeys;
	struct sl_key *keys; /* primary first, then unique, then others */
	size_t nfks;
	struct sl_foreign_key *fks;

	char *where;          /* extra row filter (from --where or a hook), or NULL */
	bool where_rows_said; /* a hook said how many rows 'where' selects ... */
	uint64_t where_rows;  /* ... at most this many */
	char **col_exprs;     /* ncols SQL expressions replacing columns in the SELECT
	                     (masking pushed down), NULL entries for the others;
	                     NULL when no column is rewritten */

	/* Where the table goes, decided once by the router (core/route.c):
	 * one entry per sink of the pipeline, or NULL for "every sink, under
	 * the source's names". */
	struct sl_table_target *targets;
	size_t ntargets;
	bool dropped; /* the router left it out: its batches go nowhere */

	/* Met in a dump's files (a files source): there is no server behind
	 * it, so hooks that need one (where, columns) cannot apply. */
	bool from_files;
	/* The router: its data files are decoded back into row blocks, for a
	 * row hook (transform); without one they pass through as bytes. */
	bool decode_rows;
	/* The character set its decoded rows' bytes are in (the data file's
	 * SET NAMES), which their files are encoded with again; NULL: binary. */
	char *names;

	/* Run state, updated by workers. */
	atomic_uint_fast64_t rows_done;
	atomic_uint_fast64_t bytes_done;
	atomic_uint next_file_seq; /* data file numbering: db.t.00000.sql, ... */
	atomic_int pending_jobs;   /* data jobs not yet finished */
};

/* An object a run leaves out so that what it emits stays loadable (a view
 * whose tables are not in the run, a trigger whose body writes to a table
 * that is not): trailers and manifests list them.  'missing' names what it
 * needs: "db.t, db.u". */
struct sl_left_out {
	const char *kind; /* "view" or "trigger" */
	char *schema, *name, *missing;
};

/* Number of columns that are selected and inserted (not generated). */
size_t sl_table_ndata_cols(const struct sl_table *t);

/* Class of values for an information_schema DATA_TYPE. */
enum sl_value_class sl_value_class_of(const char *data_type);

struct sl_buf;

/* Append value v[0..len) of column c as an SQL literal that compares in
 * the column's own collation: numbers bare, text as _charset 0xHEX (exact
 * bytes whatever the connection's charset), binary as 0xHEX, INET/UUID as
 * _latin1'text', temporal values quoted.  0 or SL_ENOMEM. */
int sl_sql_literal(struct sl_buf *b, const struct sl_column *c, const char *v, size_t len);

/* Free an array of 'n' column expressions.  NULL is fine. */
void sl_table_free_exprs(char **exprs, size_t n);

/* The target of table 't' in sink 'i': NULL when the sink does not take
 * it; *schema and *name are the names there. */
static inline bool sl_table_target_of(const struct sl_table *t, size_t i, const char **schema,
                                      const char **name)
{
	const struct sl_table_target *tg = t->targets && i < t->ntargets ? &t->targets[i] : NULL;
	if (tg && !tg->take)
		return false;
	*schema = tg && tg->schema ? tg->schema : t->schema;
	*name = tg && tg->name ? tg->name : t->name;
	return true;
}

/* Free everything the table owns, then the table itself.  NULL is fine. */
void sl_table_free(struct sl_table *t);

#endif
