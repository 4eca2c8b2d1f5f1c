/* insert_load.c - the rows of a data file's INSERT statement sent to the
 * server the fast way: by array binding (one execution of a prepared
 * INSERT for a block of rows: MariaDB's bulk protocol), or else by LOAD
 * DATA LOCAL (--load-method).
 *
 * Why: the server parses every value of an INSERT as SQL text.  Measured
 * on one 500k-row sysbench table (MariaDB 10.11, server CPU): INSERTs
 * 2.1-2.7 s, LOAD DATA 1.5-1.6 s (its field reader goes byte by byte),
 * array binding 1.0-1.1 s.  On a load the server's CPU is what the wall
 * time follows.
 *
 * How: the statement's rows are decoded a block at a time
 * (format/decode_sql.c, which refuses any value that is not a plain
 * literal).  Array binding sends each value as a string in the
 * connection's character set, as the INSERT's literal was (binary columns
 * as bytes); the server converts them as it converts literals.  LOAD DATA
 * gets the rows in its default format while it reads them (libmariadb's
 * local-infile hooks), as raw bytes (CHARACTER SET binary), a column in
 * another character set than the file's SET NAMES converted as the INSERT
 * would (SET c = CONVERT(@v USING names)), INET6/UUID read as text.
 * Memory: one block of rows (LOADER_ROWS_BLOCK) per executor.
 *
 * The INSERT stays the authority.  It runs as it is when its head does not
 * decode or the table's columns or the file's character set are unknown,
 * and after a server error or a refused value met before any of its rows
 * went in; when rows went in otherwise than the INSERT's would (skipped:
 * LOCAL means IGNORE; warned; fewer rows; refused halfway), the files are
 * done again with their INSERTs (exec.c; after a LOAD DATA refused halfway
 * on a new connection, since libmariadb then leaves the server's answer
 * unread).  What the user sees is always the INSERT's own result. */
#include <mysqld_error.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "base/alloc.h"
#include "base/buf.h"
#include "engine/pipeline.h"
#include "format/decode_sql.h"
#include "format/table.h"
#include "loader.h"

#ifdef __SSE2__
#include <emmintrin.h>
#endif

/* Bytes of rows decoded at a time (256 KiB measured no faster, and cost
 * the loader's memory bound). */
#define LOADER_ROWS_BLOCK (64u << 10)

void loader_rows_init(struct loader_rows *r)
{
	memset(r, 0, sizeof(*r));
	sl_rowset_init(&r->block, 0, NULL);
	loader_rows_connected(r);
}

void loader_rows_free(struct loader_rows *r)
{
	loader_rows_connected(r);
	sl_rowset_free(&r->block);
	sl_free(r->ptrs);
	sl_free(r->lens);
	sl_free(r->ind);
	sl_free(r->cols);
	sl_free(r->offs);
	sl_buf_free(&r->scratch);
	sl_buf_free(&r->query);
	sl_buf_free(&r->chunk);
}

static void forget_prepared(struct loader_rows *r)
{
	if (r->stmt)
		mysql_stmt_close(r->stmt);
	r->stmt = NULL;
	sl_free(r->prepared);
	r->prepared = NULL;
}

void loader_rows_connected(struct loader_rows *r)
{
	/* loader_connect() asks for utf8mb4. */
	snprintf(r->names, sizeof(r->names), "utf8mb4");
	/* A prepared statement belongs to its connection (closed or gone:
	 * libmariadb has cut the statement loose from it). */
	forget_prepared(r);
}

void loader_rows_note(struct loader_rows *r, const char *stmt, size_t len)
{
	/* A prepared INSERT names its table as resolved when it was prepared
	 * (USE db before it); any other statement may change that, or the
	 * session around it. */
	if (!sl_decode_is_insert(stmt, len))
		forget_prepared(r);
	const char *name;
	size_t n = sl_decode_set_names(stmt, len, &name);
	if (n == 0)
		return;
	if (n >= sizeof(r->names))
		n = 0; /* not a name we know: unknown */
	memcpy(r->names, name, n);
	r->names[n] = '\0';
}

/* --- the server's reads -------------------------------------------------- */

/* LOAD DATA's escapes (ESCAPED BY '\\'): a byte that must be escaped maps
 * to the letter after the backslash. */
static const char tsv_escape[256] = {['\0'] = '0', ['\t'] = 't', ['\n'] = 'n', ['\\'] = '\\'};

/* How many leading bytes of p[0..len) need no escape.  Values are mostly
 * plain text: 16 bytes are checked at once where SSE2 exists. */
static size_t plain_run(const unsigned char *p, size_t len)
{
	size_t i = 0;
#ifdef __SSE2__
	const __m128i nul = _mm_setzero_si128(), tab = _mm_set1_epi8('\t'),
	              nl = _mm_set1_epi8('\n'), bs = _mm_set1_epi8('\\');
	for (; i + 16 <= len; i += 16) {
		__m128i v = _mm_loadu_si128((const __m128i *)(const void *)(p + i));
		__m128i hit =
		    _mm_or_si128(_mm_or_si128(_mm_cmpeq_epi8(v, nul), _mm_cmpeq_epi8(v, tab)),
		                 _mm_or_si128(_mm_cmpeq_epi8(v, nl), _mm_cmpeq_epi8(v, bs)));
		unsigned mask = (unsigned)_mm_movemask_epi8(hit);
		if (mask)
			return i + (size_t)__builtin_ctz(mask);
	}
#endif
	while (i < len && !tsv_escape[p[i]])
		i++;
	return i;
}

/* One field at w, which has room for 2 * len bytes. */
static char *put_field(char *w, const unsigned char *p, size_t len)
{
	for (size_t i = 0;;) {
		size_t n = plain_run(p + i, len - i);
		memcpy(w, p + i, n);
		w += n;
		i += n;
		if (i == len)
			return w;
		*w++ = '\\';
		*w++ = tsv_escape[p[i++]];
	}
}

/* Decode the statement's next rows and render them into r->chunk, about
 * LOADER_ROWS_BLOCK bytes.  0 (an empty chunk: the rows are all read);
 * SL_EFORMAT; SL_ENOMEM. */
static int render(struct loader_rows *r)
{
	sl_buf_reset(&r->chunk);
	r->chunk_off = 0;
	while (r->pos < r->len && r->chunk.len < LOADER_ROWS_BLOCK) {
		struct sl_error e = {0};
		int more = sl_decode_insert_row(r->stmt_text, r->len, &r->pos, r->ncols,
		                                &r->scratch, r->offs, &e);
		if (more < 0)
			return more;
		if (more == 0)
			r->pos = r->len;
		r->rows++;
		if (sl_buf_reserve(&r->chunk, 2 * r->scratch.len + 2 * r->ncols + 1))
			return SL_ENOMEM;
		const unsigned char *base = (const unsigned char *)r->scratch.data;
		char *w = r->chunk.data + r->chunk.len;
		for (size_t c = 0; c < r->ncols; c++) {
			if (c)
				*w++ = '\t';
			if (r->offs[2 * c] == SIZE_MAX) {
				*w++ = '\\';
				*w++ = 'N';
			} else {
				w = put_field(w, base + r->offs[2 * c], r->offs[2 * c + 1]);
			}
		}
		*w++ = '\n';
		r->chunk.len = (size_t)(w - r->chunk.data);
	}
	return 0;
}

static int rows_init(void **ptr, const char *filename, void *userdata)
{
	(void)filename;
	*ptr = userdata;
	return 0;
}

static int rows_read(void *ptr, char *buf, unsigned int len)
{
	struct loader_rows *r = ptr;
	size_t done = 0;
	while (done < len) {
		if (r->chunk_off == r->chunk.len) {
			int rc = render(r);
			if (rc) {
				r->failed = rc;
				return -1;
			}
			if (r->chunk.len == 0)
				break;
		}
		size_t n = r->chunk.len - r->chunk_off;
		if (n > len - done)
			n = len - done;
		memcpy(buf + done, r->chunk.data + r->chunk_off, n);
		r->chunk_off += n;
		done += n;
	}
	return (int)done;
}

static void rows_end(void *ptr)
{
	(void)ptr;
}

static int rows_error(void *ptr, char *msg, unsigned int len)
{
	struct loader_rows *r = ptr;
	snprintf(msg, len, "sluice: %s",
	         r->failed == SL_ENOMEM ? "out of memory" : "a row did not decode");
	return 2000;
}

/* --- the statement ------------------------------------------------------- */

static const struct sl_column *column_named(const struct sl_table *t, const char *name)
{
	for (size_t i = 0; i < t->ncols; i++)
		if (!strcasecmp(t->cols[i].name, name))
			return &t->cols[i];
	return NULL;
}

/* The block's columns: the INSERT's list, or the table's own (neither
 * generated nor invisible) without one.  false: a name the table does not
 * have, or no columns known. */
static bool set_columns(struct loader_rows *r, const struct sl_table *t,
                        const struct sl_insert_head *h, int *rc)
{
	size_t n = h->ncols;
	if (!n)
		for (size_t i = 0; i < t->ncols; i++)
			n += !t->cols[i].generated && !t->cols[i].invisible;
	if (n == 0)
		return false;
	if (n > r->cap_cols) {
		const struct sl_column **c = sl_realloc(r->cols, n * sizeof(*c));
		if (c)
			r->cols = c;
		size_t *o = c ? sl_realloc(r->offs, 2 * n * sizeof(*o)) : NULL;
		if (!o) {
			*rc = SL_ENOMEM;
			return false;
		}
		r->offs = o;
		r->cap_cols = n;
	}
	size_t k = 0;
	for (size_t i = 0; i < h->ncols; i++)
		if (!(r->cols[k++] = column_named(t, h->cols[i])))
			return false;
	for (size_t i = 0; !h->ncols && i < t->ncols; i++)
		if (!t->cols[i].generated && !t->cols[i].invisible)
			r->cols[k++] = &t->cols[i];
	r->ncols = n;
	return true;
}

static bool same_charset(const char *a, const char *b)
{
	if (!strcasecmp(a, "utf8"))
		a = "utf8mb3";
	if (!strcasecmp(b, "utf8"))
		b = "utf8mb3";
	return !strcasecmp(a, b);
}

/* How a column's field reaches it: as it is, or through a user variable
 * converted from the INSERT's character set ('names') or read as text. */
static const char *conversion(const struct sl_column *c, const char *names)
{
	if (c->value_class == SL_VAL_NATIVE)
		return "latin1";
	if (c->value_class == SL_VAL_STRING && c->charset && strcasecmp(names, "binary") &&
	    !same_charset(c->charset, names))
		return names;
	return NULL;
}

static int load_data_statement(struct loader_rows *r, const struct sl_insert_head *h, bool ignore)
{
	struct sl_buf *q = &r->query;
	sl_buf_reset(q);
	int rc = sl_buf_puts(q, "LOAD DATA LOCAL INFILE 'sluice-rows' ");
	rc = rc ? rc : sl_buf_puts(q, h->replace ? "REPLACE " : ignore ? "IGNORE " : "");
	rc = rc ? rc : sl_buf_puts(q, "INTO TABLE ");
	rc = rc          ? rc
	     : h->schema ? sl_buf_put_qualified(q, h->schema, h->table)
	                 : sl_buf_put_ident(q, h->table);
	rc = rc ? rc
	        : sl_buf_puts(q, " CHARACTER SET binary FIELDS TERMINATED BY '\\t' ENCLOSED BY '' "
	                         "ESCAPED BY '\\\\' LINES TERMINATED BY '\\n' (");
	for (size_t i = 0; !rc && i < r->ncols; i++) {
		if (i)
			rc = sl_buf_putc(q, ',');
		if (!rc && conversion(r->cols[i], r->names))
			rc = sl_buf_printf(q, "@v%zu", i);
		else if (!rc)
			rc = sl_buf_put_ident(q, r->cols[i]->name);
	}
	rc = rc ? rc : sl_buf_putc(q, ')');
	const char *sep = " SET ";
	for (size_t i = 0; !rc && i < r->ncols; i++) {
		const char *to = conversion(r->cols[i], r->names);
		if (!to)
			continue;
		rc = sl_buf_puts(q, sep);
		rc = rc ? rc : sl_buf_put_ident(q, r->cols[i]->name);
		rc = rc ? rc : sl_buf_printf(q, " = CONVERT(@v%zu USING %s)", i, to);
		sep = ", ";
	}
	return rc;
}

/* The server's "Records: N  Deleted: N  Skipped: N  Warnings: N". */
static bool loaded_all(MYSQL *conn, size_t rows, bool ignore)
{
	const char *info = mysql_info(conn);
	unsigned long records, deleted, skipped, warnings;
	if (!info || sscanf(info, "Records: %lu Deleted: %lu Skipped: %lu Warnings: %lu", &records,
	                    &deleted, &skipped, &warnings) != 4)
		return false;
	if (records != rows || warnings || mysql_warning_count(conn))
		return false;
	return ignore || skipped == 0;
}

/* Send the statement's rows with LOAD DATA LOCAL (the query is built). */
static int send_load_data(struct loader *l, MYSQL *conn, struct loader_rows *r, bool ign,
                          unsigned *err)
{
	r->rows = 0;
	r->failed = 0;
	r->chunk_off = 0;
	sl_buf_reset(&r->chunk);
	mysql_set_local_infile_handler(conn, rows_init, rows_read, rows_end, rows_error, r);
	int failed = mysql_real_query(conn, r->query.data, r->query.len);
	loader_infile_refuse(conn);
	if (r->failed == SL_ENOMEM)
		return SL_ENOMEM;
	if (r->failed) {
		/* libmariadb left the server's answer to the rows it had unread:
		 * only a new connection is in step again. */
		r->reconnect = true;
		return LOADER_ROWS_REDO;
	}
	if (failed) {
		*err = mysql_errno(conn);
		if (*err == ER_NOT_ALLOWED_COMMAND && !atomic_exchange(&l->rows_off, true))
			sl_instance_log(
			    l->inst, SL_LOG_INFO,
			    "the target refuses LOAD DATA LOCAL (%s): rows go as INSERTs",
			    mysql_error(conn));
		return SL_EDB;
	}
	return loaded_all(conn, r->rows, ign) ? 0 : LOADER_ROWS_REDO;
}

/* --- array binding ------------------------------------------------------- */

/* Does the server execute a prepared statement for an array of rows at
 * once (MariaDB 10.2+)? */
static bool has_bulk(MYSQL *conn)
{
	unsigned long caps = 0, ext = 0;
	if (mariadb_get_infov(conn, MARIADB_CONNECTION_SERVER_CAPABILITIES, &caps) ||
	    mariadb_get_infov(conn, MARIADB_CONNECTION_EXTENDED_SERVER_CAPABILITIES, &ext))
		return false;
	return !(caps & CLIENT_MYSQL) && (ext & (MARIADB_CLIENT_STMT_BULK_OPERATIONS >> 32));
}

static int bulk_statement(struct loader_rows *r, const struct sl_insert_head *h, bool ignore)
{
	struct sl_buf *q = &r->query;
	sl_buf_reset(q);
	int rc = sl_buf_puts(q, h->replace ? "REPLACE INTO "
	                        : ignore   ? "INSERT IGNORE INTO "
	                                   : "INSERT INTO ");
	rc = rc          ? rc
	     : h->schema ? sl_buf_put_qualified(q, h->schema, h->table)
	                 : sl_buf_put_ident(q, h->table);
	rc = rc ? rc : sl_buf_puts(q, " (");
	for (size_t i = 0; !rc && i < r->ncols; i++) {
		rc = i ? sl_buf_putc(q, ',') : 0;
		rc = rc ? rc : sl_buf_put_ident(q, r->cols[i]->name);
	}
	rc = rc ? rc : sl_buf_puts(q, ") VALUES (");
	for (size_t i = 0; !rc && i < r->ncols; i++)
		rc = sl_buf_puts(q, i ? ",?" : "?");
	return rc ? rc : sl_buf_putc(q, ')');
}

/* The prepared statement for r->query on conn, kept while they stay the
 * same (a data file is one table).  0; SL_EDB with *err; SL_ENOMEM. */
static int prepare(struct loader_rows *r, MYSQL *conn, unsigned *err)
{
	if (r->stmt && r->prepared && !strcmp(r->prepared, r->query.data))
		return 0;
	if (r->stmt)
		mysql_stmt_close(r->stmt);
	sl_free(r->prepared);
	r->prepared = NULL;
	if (!(r->stmt = mysql_stmt_init(conn)))
		return SL_ENOMEM;
	if (mysql_stmt_prepare(r->stmt, r->query.data, r->query.len)) {
		*err = mysql_stmt_errno(r->stmt);
		mysql_stmt_close(r->stmt);
		r->stmt = NULL;
		return SL_EDB;
	}
	return (r->prepared = sl_strdup(r->query.data)) ? 0 : SL_ENOMEM;
}

/* Point the column-wise bind arrays at the block's rows. */
static int bind_block(struct loader_rows *r)
{
	const struct sl_rowset *rs = &r->block;
	size_t n = rs->nrows, nc = r->ncols;
	if (n * nc > r->cap_cells) {
		char **p = sl_realloc(r->ptrs, n * nc * sizeof(*p));
		if (p)
			r->ptrs = p;
		unsigned long *ln = p ? sl_realloc(r->lens, n * nc * sizeof(*ln)) : NULL;
		if (ln)
			r->lens = ln;
		char *ind = ln ? sl_realloc(r->ind, n * nc) : NULL;
		if (!ind)
			return SL_ENOMEM;
		r->ind = ind;
		r->cap_cells = n * nc;
	}
	MYSQL_BIND *b = sl_calloc(nc, sizeof(*b));
	if (!b)
		return SL_ENOMEM;
	const char *arena = rs->arena.data ? rs->arena.data : "";
	for (size_t c = 0; c < nc; c++) {
		char **p = r->ptrs + c * n;
		unsigned long *ln = r->lens + c * n;
		char *ind = r->ind + c * n;
		for (size_t i = 0; i < n; i++) {
			const struct sl_cell *cell = &rs->cells[i * nc + c];
			bool null = cell->len == SL_CELL_NULL;
			p[i] = (char *)(uintptr_t)(arena + (null ? 0 : cell->off));
			ln[i] = null ? 0 : (unsigned long)cell->len;
			ind[i] = null ? STMT_INDICATOR_NULL : STMT_INDICATOR_NONE;
		}
		/* Binary values go as they are; strings in the connection's
		 * character set, converted to the column's as the INSERT's
		 * literals were. */
		b[c].buffer_type =
		    r->cols[c]->value_class == SL_VAL_BINARY ? MYSQL_TYPE_BLOB : MYSQL_TYPE_STRING;
		b[c].buffer = p;
		b[c].length = ln;
		b[c].u.indicator = ind;
	}
	unsigned int size = (unsigned int)n;
	int rc = mysql_stmt_attr_set(r->stmt, STMT_ATTR_ARRAY_SIZE, &size) ||
	                 mysql_stmt_bind_param(r->stmt, b)
	             ? SL_EDB
	             : 0;
	sl_free(b);
	return rc;
}

/* Send the statement's rows a block at a time, each block one execution
 * of the prepared INSERT for all its rows. */
static int send_bulk(MYSQL *conn, struct loader_rows *r, bool ign, unsigned *err)
{
	int rc = prepare(r, conn, err);
	if (rc)
		return rc;
	for (size_t sent = 0;;) {
		struct sl_error e = {0};
		sl_rowset_reset(&r->block);
		int more = sl_decode_insert_rows(r->stmt_text, r->len, &r->pos, &r->block,
		                                 LOADER_ROWS_BLOCK, &r->scratch, &e);
		if (more == SL_ENOMEM)
			return more;
		if (more < 0) /* a value the decoder refuses: the INSERT decides */
			return sent ? LOADER_ROWS_REDO : LOADER_ROWS_AS_IS;
		size_t n = r->block.nrows;
		if ((rc = bind_block(r)) == SL_ENOMEM)
			return rc;
		if (rc || mysql_stmt_execute(r->stmt)) {
			*err = mysql_stmt_errno(r->stmt);
			r->partial = sent > 0; /* earlier blocks of the statement are in */
			return SL_EDB;
		}
		unsigned long long done = mysql_stmt_affected_rows(r->stmt);
		if (mysql_warning_count(conn) || (!ign && done != n))
			return LOADER_ROWS_REDO;
		sent += n;
		if (more == 0)
			return 0;
	}
}

int loader_rows_load(struct loader *l, MYSQL *conn, const struct sl_batch *b, const char *stmt,
                     size_t len, bool ignore, struct loader_rows *r, unsigned *err)
{
	const struct sl_table *t = b->table;
	struct sl_insert_head h;
	struct sl_error e = {0};
	int rc = 0;
	*err = 0;
	r->partial = false;
	if (r->as_is || atomic_load(&l->rows_off) || !r->names[0] || !t || t->ncols == 0 ||
	    !sl_decode_is_insert(stmt, len))
		return LOADER_ROWS_AS_IS;
	bool bulk = l->cfg->load_method == LOADER_VIA_AUTO && has_bulk(conn);
	int hr = sl_decode_insert_head(stmt, len, &h, &e);
	if (!hr && set_columns(r, t, &h, &rc))
		rc = bulk ? bulk_statement(r, &h, ignore || h.ignore)
		          : load_data_statement(r, &h, ignore || h.ignore);
	else if (!rc)
		rc = hr == SL_ENOMEM ? SL_ENOMEM : LOADER_ROWS_AS_IS;
	bool ign = ignore || h.ignore || h.replace;
	r->stmt_text = stmt;
	r->len = len;
	r->pos = h.first_row;
	sl_insert_head_free(&h);
	if (rc)
		return rc;
	if (bulk) {
		sl_rowset_retarget(&r->block, r->ncols, r->cols);
		return send_bulk(conn, r, ign, err);
	}
	return send_load_data(l, conn, r, ign, err);
}
