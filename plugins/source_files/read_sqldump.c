/* read_sqldump.c - the files source's reader of mysqldump and mariadb-dump
 * files (plain, or compressed: read_archive.c hands a compressed single
 * file's bytes here).
 *
 * A mysqldump file is one script for one client connection.  This reader
 * splits it (format/sqlsplit.c, DELIMITER-aware) and sorts its statements
 * into the files of a dump's layout, which the loader already runs in
 * parallel, resumes, renames (-B, --rename) and checks:
 *
 *   SET ... at the top            the session head, repeated at the start of
 *                                 every file (each runs on its own connection)
 *   CREATE DATABASE               db-schema-create.sql
 *   USE db                        the database of what follows (every file
 *                                 carries its own USE)
 *   CREATE TABLE / SEQUENCE       db.t-schema.sql (with DO SETVAL)
 *   INSERT / REPLACE              db.t.NNNNN.sql, data in parts of about 2
 *                                 MiB: each part one transaction
 *   CREATE TRIGGER                db.t-schema-triggers.sql, after t's data
 *   CREATE FUNCTION, PROCEDURE,   db-schema-post.sql
 *   EVENT
 *   CREATE ... VIEW               db.v-schema-view.sql, held to the end and
 *                                 written in dependency order (the dump's
 *                                 placeholder views and tables are dropped)
 *   CREATE USER, GRANT, ...       mysql-users.sql, last
 *
 * Dropped: the DROP statements before each object (the loader's --overwrite
 * decides what happens to what exists), LOCK/UNLOCK TABLES, ALTER TABLE
 * ... DISABLE/ENABLE KEYS, the SET statements that restore saved session
 * values (SET x = @saved), GTID and binary log settings, the sandbox-mode
 * line of recent mariadb-dump, and transaction statements (each data file
 * is its own transaction).  Other SET statements and anything else go with
 * the next object, as they went before it in the dump.
 *
 * Completeness: a dump written with comments (its first lines say "--
 * MySQL dump" or "-- MariaDB dump") ends with "-- Dump completed"; without
 * that line it is incomplete.  In any dump, input that ends inside a
 * statement (no delimiter after it, an open quote or comment) is a file cut
 * short.  A dump without comments (--compact, --skip-comments) cut exactly
 * between two statements cannot be told from a whole one.  Tables are
 * reported complete only after these checks. */
#define _GNU_SOURCE 1 /* memmem */
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "base/alloc.h"
#include "base/map.h"
#include "files.h"
#include "format/fname.h"
#include "format/sqltok.h"

#define SQLD_CHUNK    ((size_t)1 << 20)
#define SQLD_HEAD_MAX ((size_t)64 << 10)
/* Data parts of about this size: a part being filled here, the parts in
 * the rings and the one each loader connection runs are all in memory at
 * once, and mysqldump's own statements are about 1 MiB. */
#define SQLD_PART ((size_t)2 << 20)
/* The database of a dump that names none (mysqldump DB TABLE --compact):
 * loaded with -B (or --rename sluice_no_database=DB). */
static const char no_db[] = "sluice_no_database";

/* What a statement is, by its first words. */
enum sqld_kind {
	K_OTHER,
	K_SET,         /* SET ..., kept */
	K_RESTORE,     /* SET x = @saved, GTID, binary log: dropped */
	K_DROPPED,     /* LOCK, UNLOCK, DROP ..., DISABLE KEYS, START TRANSACTION, ...: dropped */
	K_USE,         /* USE db */
	K_DATABASE,    /* CREATE DATABASE */
	K_TABLE,       /* CREATE TABLE / SEQUENCE */
	K_PLACEHOLDER, /* a view's stand-in: dropped */
	K_VIEW,        /* CREATE ALGORITHM=... VIEW: the view itself */
	K_TRIGGER,
	K_ROUTINE, /* FUNCTION, PROCEDURE, EVENT */
	K_ACCOUNT, /* CREATE USER / ROLE, GRANT, SET DEFAULT ROLE */
	K_DATA,    /* INSERT, REPLACE */
	K_SETVAL   /* DO SETVAL(...): with its sequence */
};

/* A file held to the end (views, accounts). */
struct sqld_held {
	char *name; /* file name in the layout */
	char *view; /* a view's name: others refer to it */
	enum sl_file_kind kind;
	struct sl_buf body;
	bool done;
};

struct sqld_reader {
	struct files_source *s;
	files_read_fn read;
	void *ctx;
	char *buf; /* the input window: pending bytes, then new ones */
	size_t len, cap;
	struct sl_sqlsplit sp;
	uint64_t stmt_at; /* offset of the statement being handled */

	bool comments;  /* the header comment: "-- Dump completed" is due */
	char tool[96];  /* "MariaDB dump 10.19  Distrib 10.11.19-MariaDB" */
	char tail[512]; /* the last bytes of the input */
	size_t ntail;

	struct sl_buf head; /* session statements of the top */
	bool objects;       /* an object was met: SETs no longer go to the head */
	struct sl_buf pre;  /* statements for the next object's file */
	char *db;           /* the current database, or NULL */
	char *header_db;    /* "-- Host: ... Database: X" */

	/* The file being written. */
	bool open;
	enum sl_file_kind kind;
	char *key_db, *key_tbl; /* whose file it is */
	struct files_file file;
	struct sl_map seq; /* (db, table) -> next data file number (unsigned *) */
	struct sl_map dbs; /* databases created: by the dump, or for it (-> &created) */

	struct sqld_held *held;
	size_t nheld, capheld;
	uint64_t held_bytes;
	uint64_t statements, tables;
	bool warned_no_db;
	uint64_t other_at; /* 1 + offset of a statement in 'pre' not yet in a file */
	char hdr[4096];    /* the first bytes, for the header comment */
	size_t nhdr;
	bool header_done;
};

static int sqld_fail(struct sqld_reader *r, int code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static int sqld_fail(struct sqld_reader *r, int code, const char *fmt, ...)
{
	char msg[SL_ERROR_MAX];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	return sl_pipeline_fail(r->s->inst->pipe, code, "%s: byte %" PRIu64 ": %s", r->s->source,
	                        r->stmt_at, msg);
}

static int oom(struct sqld_reader *r)
{
	return sl_pipeline_fail(r->s->inst->pipe, SL_ENOMEM, "%s: out of memory", r->s->source);
}

/* --- reading statements -------------------------------------------------- */

/* The statement's tokens: the markers of executable comments are skipped
 * (their text is statement text); sqlsplit trimmed the comments around the
 * statement, and those inside it are left as they were. */
#define SQLD_FLAGS (SL_SQLTOK_EXEC_SKIP | SL_SQLTOK_LENIENT)

static bool name_tok(struct sl_sqltok t)
{
	return t.kind == SL_SQLTOK_WORD || t.kind == SL_SQLTOK_NAME || t.kind == SL_SQLTOK_STRING;
}

/* A possibly qualified name at the cursor: *db (or NULL) and *name. */
static int qualified(struct sl_sqltok_lexer *x, char **db, char **name)
{
	struct sl_sqltok t = sl_sqltok_next(x);
	*db = *name = NULL;
	if (!name_tok(t))
		return SL_EFORMAT;
	if (!(*name = sl_sqltok_name(t)))
		return SL_ENOMEM;
	if (!sl_sqltok_punct(sl_sqltok_peek(x), '.'))
		return 0;
	sl_sqltok_next(x);
	*db = *name;
	*name = NULL;
	t = sl_sqltok_next(x);
	if (!name_tok(t))
		return SL_EFORMAT;
	return (*name = sl_sqltok_name(t)) ? 0 : SL_ENOMEM;
}

/* SET x = @saved (a restore), or a setting that must not be replayed. */
static bool restoring_set(struct sl_sqltok_lexer *x)
{
	struct sl_sqltok t = sl_sqltok_next(x);
	if (t.kind == SL_SQLTOK_END)
		return false;
	if (sl_sqltok_is(t, "GLOBAL") || sl_sqltok_is(t, "SESSION") || sl_sqltok_punct(t, '@')) {
		/* SET @@SESSION.SQL_LOG_BIN, SET @@GLOBAL.GTID_PURGED */
		size_t start = x->i;
		while (x->i < x->len && x->p[x->i] != '=')
			x->i++;
		for (size_t k = start; k + 7 <= x->i; k++)
			if (!strncasecmp(x->p + k, "GTID_", 5) ||
			    !strncasecmp(x->p + k, "LOG_BIN", 7))
				return true;
		return false;
	}
	if (t.len >= 5 && !strncasecmp(t.p, "GTID_", 5))
		return true;
	if (sl_sqltok_is(t, "sql_log_bin"))
		return true;
	/* name = @var (not @@var): a value saved earlier on this connection. */
	sl_sqltok_skip(x);
	if (x->i >= x->len || x->p[x->i] != '=')
		return false;
	x->i++;
	sl_sqltok_skip(x);
	return x->i + 1 < x->len && x->p[x->i] == '@' && x->p[x->i + 1] != '@';
}

struct stmt_info {
	enum sqld_kind kind;
	char *db, *name; /* the object's (owned); for triggers 'name' is the table */
};

/* Is t one of the words in the NULL-terminated list? */
static bool is_any(struct sl_sqltok t, const char *const *words)
{
	for (; *words; words++)
		if (sl_sqltok_is(t, *words))
			return true;
	return false;
}

/* Classify statement p[0..len). */
static int classify(const char *p, size_t len, struct stmt_info *si)
{
	static const char *const insert_mods[] = {"INTO",    "IGNORE",        "LOW_PRIORITY",
	                                          "DELAYED", "HIGH_PRIORITY", NULL};
	static const char *const dropped[] = {"LOCK",  "UNLOCK", "DROP",  "START",
	                                      "BEGIN", "COMMIT", "FLUSH", NULL};
	struct sl_sqltok_lexer x = {p, len, 0, SQLD_FLAGS, false};
	memset(si, 0, sizeof(*si));
	if (len >= 10 && !strncmp(p, "/*M!999999", 10)) {
		si->kind = K_DROPPED; /* mariadb-dump's sandbox line: for its client */
		return 0;
	}
	struct sl_sqltok t = sl_sqltok_next(&x);
	if (t.kind == SL_SQLTOK_END)
		return 0;
	if (sl_sqltok_is(t, "SET")) {
		if (sl_sqltok_is(sl_sqltok_peek(&x), "DEFAULT"))
			si->kind = K_ACCOUNT; /* SET DEFAULT ROLE */
		else
			si->kind = restoring_set(&x) ? K_RESTORE : K_SET;
		return 0;
	}
	if (sl_sqltok_is(t, "USE")) {
		si->kind = K_USE;
		return qualified(&x, &si->db, &si->name) == SL_ENOMEM ? SL_ENOMEM : 0;
	}
	if (sl_sqltok_is(t, "INSERT") || sl_sqltok_is(t, "REPLACE")) {
		/* The name after the modifiers (or the last word, at the end). */
		const char *w = NULL;
		while ((t = sl_sqltok_next(&x)).kind != SL_SQLTOK_END) {
			w = t.p;
			if (!is_any(t, insert_mods))
				break;
		}
		if (!w)
			return 0;
		si->kind = K_DATA;
		x.i = (size_t)(w - p);
		int rc = qualified(&x, &si->db, &si->name);
		if (rc == SL_EFORMAT)
			si->kind = K_OTHER;
		return rc == SL_ENOMEM ? rc : 0;
	}
	if (is_any(t, dropped)) {
		si->kind = K_DROPPED;
		return 0;
	}
	if (sl_sqltok_is(t, "ALTER")) {
		/* ALTER TABLE t DISABLE KEYS / ENABLE KEYS: for one connection's
		 * MyISAM load; the loader defers indexes its own way. */
		bool keys = false;
		while ((t = sl_sqltok_next(&x)).kind != SL_SQLTOK_END)
			keys = keys || sl_sqltok_is(t, "KEYS");
		si->kind = keys ? K_DROPPED : K_OTHER;
		return 0;
	}
	if (sl_sqltok_is(t, "DO")) {
		si->kind = sl_sqltok_is(sl_sqltok_next(&x), "SETVAL") ? K_SETVAL : K_OTHER;
		return 0;
	}
	if (sl_sqltok_is(t, "GRANT") || sl_sqltok_is(t, "REVOKE")) {
		si->kind = K_ACCOUNT;
		return 0;
	}
	if (!sl_sqltok_is(t, "CREATE"))
		return 0;
	/* CREATE [OR REPLACE] [ALGORITHM=..] [DEFINER=..] [SQL SECURITY ..]
	 * [AGGREGATE] [TEMPORARY] KIND name */
	static const char *const routines[] = {"FUNCTION", "PROCEDURE", "EVENT", NULL};
	bool algorithm = false, in_comment = len > 3 && !strncmp(p, "/*!", 3);
	while ((t = sl_sqltok_next(&x)).kind != SL_SQLTOK_END) {
		if (sl_sqltok_is(t, "ALGORITHM"))
			algorithm = true;
		if (sl_sqltok_is(t, "DATABASE") || sl_sqltok_is(t, "SCHEMA")) {
			si->kind = K_DATABASE;
		} else if (sl_sqltok_is(t, "TABLE") || sl_sqltok_is(t, "SEQUENCE")) {
			/* A table inside an executable comment is the stand-in older
			 * mysqldump writes for a view. */
			si->kind = in_comment && sl_sqltok_is(t, "TABLE") ? K_PLACEHOLDER : K_TABLE;
		} else if (sl_sqltok_is(t, "VIEW")) {
			si->kind = algorithm ? K_VIEW : K_PLACEHOLDER;
		} else if (sl_sqltok_is(t, "TRIGGER")) {
			si->kind = K_TRIGGER;
		} else if (is_any(t, routines)) {
			si->kind = K_ROUTINE;
			return 0;
		} else if (sl_sqltok_is(t, "USER") || sl_sqltok_is(t, "ROLE")) {
			si->kind = K_ACCOUNT;
			return 0;
		} else {
			continue;
		}
		break;
	}
	if (si->kind == K_OTHER)
		return 0;
	if (sl_sqltok_is(sl_sqltok_peek(&x), "IF")) { /* IF NOT EXISTS */
		sl_sqltok_next(&x);
		sl_sqltok_next(&x);
		sl_sqltok_next(&x);
	}
	int rc = qualified(&x, &si->db, &si->name);
	if (rc == SL_EFORMAT) {
		si->kind = K_OTHER;
		return 0;
	}
	if (rc || si->kind != K_TRIGGER)
		return rc;
	/* A trigger's table: after ON. */
	sl_free(si->db);
	sl_free(si->name);
	si->db = si->name = NULL;
	while ((t = sl_sqltok_next(&x)).kind != SL_SQLTOK_END)
		if (sl_sqltok_is(t, "ON"))
			return qualified(&x, &si->db, &si->name) == SL_ENOMEM ? SL_ENOMEM : 0;
	si->kind = K_OTHER;
	return 0;
}

/* --- writing files ------------------------------------------------------- */

/* Append a statement with its delimiter: one holding ';' (a trigger's or
 * routine's body) between DELIMITER lines of a delimiter it does not hold. */
static int put_stmt(struct sl_buf *b, const char *p, size_t len)
{
	static const char *const delims[] = {";;", "$$", "//", "@@!", "~~~"};
	if (!memchr(p, ';', len))
		return sl_buf_append(b, p, len) || sl_buf_puts(b, ";\n") ? SL_ENOMEM : 0;
	const char *d = delims[0];
	for (size_t i = 0; i < sizeof(delims) / sizeof(delims[0]); i++) {
		d = delims[i];
		size_t dn = strlen(d);
		bool found = false;
		for (size_t k = 0; k + dn <= len && !found; k++)
			found = !memcmp(p + k, d, dn);
		if (!found)
			break;
	}
	return sl_buf_printf(b, "DELIMITER %s\n", d) || sl_buf_append(b, p, len) ||
	               sl_buf_printf(b, "\n%s\nDELIMITER ;\n", d)
	           ? SL_ENOMEM
	           : 0;
}

/* The statements every file starts with: the head, then USE db. */
static int file_prologue(struct sqld_reader *r, struct sl_buf *b, const char *db)
{
	if (sl_buf_append(b, r->head.data ? r->head.data : "", r->head.len))
		return SL_ENOMEM;
	if (db && (sl_buf_puts(b, "USE ") || sl_buf_put_ident(b, db) || sl_buf_puts(b, ";\n")))
		return SL_ENOMEM;
	return 0;
}

/* Close the file being written: account and emit it. */
static int close_file(struct sqld_reader *r)
{
	if (!r->open)
		return 0;
	r->open = false;
	sl_free(r->key_db);
	sl_free(r->key_tbl);
	r->key_db = r->key_tbl = NULL;
	int rc = files_close(r->s, &r->file, NULL);
	files_file_free(&r->file);
	return rc;
}

/* Start file 'name' of 'kind' for db[.tbl] with bytes b (its prologue and
 * first statements); it stays open for more. */
static int open_file(struct sqld_reader *r, const char *name, enum sl_file_kind kind,
                     const char *db, const char *tbl, const struct sl_buf *b)
{
	struct files_source *s = r->s;
	enum sl_file_kind k;
	int rc = close_file(r);
	if (rc)
		return rc;
	if ((rc = files_classify(s, name, &k)) != 0)
		return rc == SL_ENOMEM ? oom(r)
		                       : sqld_fail(r, rc, "a name out of the layout: %s", name);
	char where[1200];
	snprintf(where, sizeof(where), "%s: byte %" PRIu64 ": %s", s->source, r->stmt_at, name);
	if ((rc = files_open(s, where, name, kind, FILES_SIZE_UNKNOWN, true, &r->file)) != 0)
		return rc;
	r->open = true;
	r->kind = kind;
	if (!(r->key_db = sl_strdup(db ? db : "")) || !(r->key_tbl = sl_strdup(tbl ? tbl : "")))
		return oom(r);
	return files_add(s, &r->file, b->data ? b->data : "", b->len);
}

/* Add statement p[0..len) to the open file.  Data statements need no
 * DELIMITER around them (the loader's splitter knows quotes). */
static int add_stmt(struct sqld_reader *r, const char *p, size_t len, bool data)
{
	if (data || !memchr(p, ';', len)) {
		int rc = files_add(r->s, &r->file, p, len);
		return rc ? rc : files_add(r->s, &r->file, ";\n", 2);
	}
	struct sl_buf b = SL_BUF_INIT;
	int rc = put_stmt(&b, p, len);
	rc = rc ? oom(r) : files_add(r->s, &r->file, b.data, b.len);
	sl_buf_free(&b);
	return rc;
}

/* A new file for an object: prologue, the statements that came before it,
 * the statement itself. */
static int object_file(struct sqld_reader *r, const char *name, enum sl_file_kind kind,
                       const char *db, const char *tbl, const char *p, size_t len)
{
	struct sl_buf b = SL_BUF_INIT;
	int rc = file_prologue(r, &b, db);
	if (!rc && r->pre.len)
		rc = sl_buf_append(&b, r->pre.data, r->pre.len);
	if (!rc)
		rc = put_stmt(&b, p, len);
	sl_buf_reset(&r->pre);
	r->other_at = 0;
	rc = rc ? oom(r) : open_file(r, name, kind, db, tbl, &b);
	sl_buf_free(&b);
	return rc;
}

/* The database of an object: its own, the current one, or the one the
 * header names; else the stand-in that -B renames. */
static const char *db_of(struct sqld_reader *r, const char *own)
{
	return own ? own : r->db ? r->db : r->header_db ? r->header_db : no_db;
}

static bool same(const char *a, const char *b)
{
	return a && b && !strcmp(a, b);
}

/* Hold a view or the accounts to the end. */
static int hold(struct sqld_reader *r, const char *name, const char *view, enum sl_file_kind kind,
                const char *db, const char *p, size_t len)
{
	struct sqld_held *h = NULL;
	for (size_t i = 0; kind == SL_FILE_USERS && i < r->nheld; i++)
		if (r->held[i].kind == SL_FILE_USERS)
			h = &r->held[i];
	if (!h) {
		if (r->nheld == r->capheld) {
			size_t cap = r->capheld ? r->capheld * 2 : 16;
			struct sqld_held *v = sl_realloc(r->held, cap * sizeof(*v));
			if (!v)
				return oom(r);
			r->held = v;
			r->capheld = cap;
		}
		h = &r->held[r->nheld++];
		memset(h, 0, sizeof(*h));
		h->kind = kind;
		if (!(h->name = sl_strdup(name)) || (view && !(h->view = sl_strdup(view))) ||
		    file_prologue(r, &h->body, kind == SL_FILE_USERS ? NULL : db))
			return oom(r);
	}
	size_t before = h->body.len;
	if ((r->pre.len && sl_buf_append(&h->body, r->pre.data, r->pre.len)) ||
	    put_stmt(&h->body, p, len))
		return oom(r);
	sl_buf_reset(&r->pre);
	r->other_at = 0;
	r->held_bytes += h->body.len - before;
	uint64_t bound = sl_pipeline_config(r->s->inst->pipe)->buffer;
	if (r->held_bytes > bound)
		return sqld_fail(r, SL_EFORMAT,
		                 "the dump's views and accounts are over the limit of --buffer "
		                 "(%" PRIu64 " bytes) for what is held to its end: raise --buffer",
		                 bound);
	return 0;
}

/* Does view body 'b' name view 'v' (as `v`)? */
static bool names_view(const struct sl_buf *b, const char *v)
{
	struct sl_buf q = SL_BUF_INIT;
	bool found = false;
	if (sl_buf_put_ident(&q, v) == 0 && b->data)
		found = memmem(b->data, b->len, q.data, q.len) != NULL;
	sl_buf_free(&q);
	return found;
}

/* Emit held file i, after the views it names. */
static int emit_held(struct sqld_reader *r, size_t i, unsigned depth)
{
	struct sqld_held *h = &r->held[i];
	if (h->done)
		return 0;
	h->done = true;
	for (size_t k = 0; h->view && depth < 64 && k < r->nheld; k++) {
		if (k == i || r->held[k].done || !r->held[k].view ||
		    !names_view(&h->body, r->held[k].view))
			continue;
		int rc = emit_held(r, k, depth + 1);
		if (rc)
			return rc;
	}
	int rc = open_file(r, h->name, h->kind, NULL, NULL, &h->body);
	return rc ? rc : close_file(r);
}

/* --- statements ---------------------------------------------------------- */

/* The next data file of db.t: its number. */
static int next_seq(struct sqld_reader *r, const char *db, const char *t, unsigned *seq)
{
	unsigned *n = sl_map_get2(&r->seq, db, t);
	if (!n) {
		if (!(n = sl_calloc(1, sizeof(*n))) || sl_map_put2(&r->seq, db, t, n)) {
			sl_free(n);
			return SL_ENOMEM;
		}
	}
	*seq = (*n)++;
	return 0;
}

static char created = 1;

/* A dump of one database's tables (no --databases) creates no database:
 * `mariadb shop < dump.sql` needs it made first.  sluice makes it, as
 * myloader does: before the first object of a database the dump did not
 * create, a db-schema-create.sql of CREATE DATABASE IF NOT EXISTS (-B and
 * --rename name it on the target like any other). */
static int create_database(struct sqld_reader *r, const char *db)
{
	if (sl_map_get2(&r->dbs, db, "") ||
	    (db == no_db && sl_pipeline_schema_unplaced(r->s->inst->pipe, no_db)))
		return 0;
	struct sl_buf name = SL_BUF_INIT, b = SL_BUF_INIT;
	int rc = sl_map_put2(&r->dbs, db, "", &created) || file_prologue(r, &b, NULL) ||
	                 sl_buf_puts(&b, "CREATE DATABASE IF NOT EXISTS ") ||
	                 sl_buf_put_ident(&b, db) || sl_buf_puts(&b, ";\n")
	             ? oom(r)
	             : 0;
	if (!rc && sl_fname_schema_create(&name, db))
		rc = sqld_fail(r, SL_EFORMAT, "a database name that cannot be a file name");
	if (!rc && !(rc = open_file(r, name.data, SL_FILE_SCHEMA_CREATE, NULL, NULL, &b)))
		rc = close_file(r);
	sl_buf_free(&name);
	sl_buf_free(&b);
	return rc;
}

static int on_statement(struct sqld_reader *r, const char *p, size_t len)
{
	struct stmt_info si;
	struct sl_buf name = SL_BUF_INIT;
	int rc = classify(p, len, &si);
	if (rc)
		return oom(r);
	r->statements++;
	const char *db = db_of(r, si.db);
	if (si.kind == K_TABLE || si.kind == K_DATA || si.kind == K_TRIGGER ||
	    si.kind == K_ROUTINE || si.kind == K_VIEW)
		rc = create_database(r, db);
	switch (rc ? K_DROPPED : si.kind) {
	case K_SET:
		if (!r->objects) {
			rc = put_stmt(&r->head, p, len) ? oom(r) : 0;
			if (!rc && r->head.len > SQLD_HEAD_MAX)
				rc = sqld_fail(r, SL_EFORMAT,
				               "more than 64 KiB of SET statements "
				               "before the first object");
		} else {
			rc = put_stmt(&r->pre, p, len) ? oom(r) : 0;
		}
		break;
	case K_RESTORE:
	case K_DROPPED:
	case K_PLACEHOLDER:
		break;
	case K_USE:
		r->objects = true;
		if (si.name) {
			sl_free(r->db);
			r->db = si.name;
			si.name = NULL;
		}
		rc = close_file(r);
		break;
	case K_DATABASE:
		r->objects = true;
		if (si.name && !sl_map_get2(&r->dbs, si.name, "") &&
		    sl_map_put2(&r->dbs, si.name, "", &created)) {
			rc = oom(r);
			break;
		}
		rc = sl_fname_schema_create(&name, si.name);
		rc = rc ? sqld_fail(r, SL_EFORMAT, "a database name that cannot be a file name")
		        : object_file(r, name.data, SL_FILE_SCHEMA_CREATE, NULL, NULL, p, len);
		if (!rc)
			rc = close_file(r);
		break;
	case K_TABLE:
		r->objects = true;
		r->tables++;
		rc = sl_fname_table_schema(&name, db, si.name);
		rc = rc ? sqld_fail(r, SL_EFORMAT, "a table name that cannot be a file name")
		        : object_file(r, name.data, SL_FILE_TABLE_SCHEMA, db, si.name, p, len);
		break; /* open: DO SETVAL may follow */
	case K_SETVAL:
		if (r->open && r->kind == SL_FILE_TABLE_SCHEMA)
			rc = add_stmt(r, p, len, false);
		else if (put_stmt(&r->pre, p, len))
			rc = oom(r);
		break;
	case K_DATA: {
		r->objects = true;
		uint64_t bound = sl_pipeline_config(r->s->inst->pipe)->buffer;
		if (len > bound) {
			rc = sqld_fail(r, SL_EFORMAT,
			               "a statement longer than --buffer (%" PRIu64
			               " bytes): raise --buffer to read it",
			               bound);
			break;
		}
		if (r->open && r->kind == SL_FILE_DATA && same(r->key_db, db) &&
		    same(r->key_tbl, si.name) && r->file.got + len <= SQLD_PART) {
			rc = add_stmt(r, p, len, true);
			break;
		}
		unsigned seq = 0;
		if ((rc = close_file(r)) || (rc = next_seq(r, db, si.name, &seq) ? oom(r) : 0))
			break;
		rc = sl_fname_data(&name, db, si.name, seq, "sql");
		rc = rc ? sqld_fail(r, SL_EFORMAT, "a table name that cannot be a file name")
		        : object_file(r, name.data, SL_FILE_DATA, db, si.name, p, len);
		break;
	}
	case K_TRIGGER:
		r->objects = true;
		if (r->open && r->kind == SL_FILE_TRIGGERS && same(r->key_db, db) &&
		    same(r->key_tbl, si.name)) {
			rc = r->pre.len ? files_add(r->s, &r->file, r->pre.data, r->pre.len) : 0;
			sl_buf_reset(&r->pre);
			r->other_at = 0;
			rc = rc ? rc : add_stmt(r, p, len, false);
			break;
		}
		rc = sl_fname_triggers(&name, db, si.name);
		rc = rc ? sqld_fail(r, SL_EFORMAT, "a table name that cannot be a file name")
		        : object_file(r, name.data, SL_FILE_TRIGGERS, db, si.name, p, len);
		break;
	case K_ROUTINE:
		r->objects = true;
		if (r->open && r->kind == SL_FILE_POST && same(r->key_db, db)) {
			rc = r->pre.len ? files_add(r->s, &r->file, r->pre.data, r->pre.len) : 0;
			sl_buf_reset(&r->pre);
			r->other_at = 0;
			rc = rc ? rc : add_stmt(r, p, len, false);
			break;
		}
		rc = sl_fname_post(&name, db);
		rc = rc ? sqld_fail(r, SL_EFORMAT, "a database name that cannot be a file name")
		        : object_file(r, name.data, SL_FILE_POST, db, NULL, p, len);
		break;
	case K_VIEW:
		r->objects = true;
		if ((rc = close_file(r)))
			break;
		rc = sl_fname_view(&name, db, si.name);
		rc = rc ? sqld_fail(r, SL_EFORMAT, "a view name that cannot be a file name")
		        : hold(r, name.data, si.name, SL_FILE_VIEW, db, p, len);
		break;
	case K_ACCOUNT:
		r->objects = true;
		rc = hold(r, SL_FNAME_USERS, NULL, SL_FILE_USERS, NULL, p, len);
		break;
	case K_OTHER:
		/* Goes with what follows, as it went before it in the dump. */
		rc = put_stmt(&r->pre, p, len) ? oom(r) : 0;
		if (!r->other_at)
			r->other_at = r->stmt_at + 1;
		break;
	}
	if (!rc && db == no_db && !r->warned_no_db && si.kind >= K_USE && si.kind != K_SETVAL) {
		r->warned_no_db = true;
		if (sl_pipeline_schema_unplaced(r->s->inst->pipe, no_db))
			rc = sqld_fail(
			    r, SL_EUSAGE,
			    "the dump names no database (no CREATE DATABASE or USE, no header "
			    "comment): give the target database with -B DB");
	}
	sl_free(si.db);
	sl_free(si.name);
	sl_buf_free(&name);
	return rc;
}

/* --- the input ----------------------------------------------------------- */

/* The header comment of the first bytes: who wrote the dump, and the
 * database of a dump of one database's tables. */
static void read_header(struct sqld_reader *r, const char *p, size_t n)
{
	const char *end = p + n;
	for (const char *line = p; line < end;) {
		const char *nl = memchr(line, '\n', (size_t)(end - line));
		size_t len = nl ? (size_t)(nl - line) : (size_t)(end - line);
		if ((len > 13 && !strncmp(line, "-- MySQL dump", 13)) ||
		    (len > 15 && !strncmp(line, "-- MariaDB dump", 15))) {
			r->comments = true;
			/* "MariaDB dump 10.19  Distrib ...": up to the double blank */
			const char *two = memmem(line, len, "  ", 2);
			size_t k = two ? (size_t)(two - line) : len;
			snprintf(r->tool, sizeof(r->tool), "%.*s", (int)(k - 3), line + 3);
		}
		const char *d = len > 20 ? memmem(line, len, "Database: ", 10) : NULL;
		if (d && !strncmp(line, "-- Host: ", 9) && !r->header_db) {
			size_t k = (size_t)(line + len - (d + 10));
			while (k && (d[10 + k - 1] == ' ' || d[10 + k - 1] == '\r'))
				k--;
			if (k && (r->header_db = sl_malloc(k + 1))) {
				memcpy(r->header_db, d + 10, k);
				r->header_db[k] = '\0';
			}
		}
		if (!nl || (len && line[0] != '-' && line[0] != '/'))
			break; /* the header is the comment lines at the top */
		line = nl + 1;
	}
}

/* Does the input end with mysqldump's closing comment line, whole: "--
 * Dump completed" (--skip-dump-date) or "-- Dump completed on <date>",
 * and its newline? */
static bool completed(const struct sqld_reader *r)
{
	size_t n = r->ntail;
	if (!n || r->tail[n - 1] != '\n')
		return false;
	while (n && (r->tail[n - 1] == '\n' || r->tail[n - 1] == '\r'))
		n--;
	size_t start = n;
	while (start && r->tail[start - 1] != '\n')
		start--;
	size_t len = n - start;
	const char *line = r->tail + start;
	if (len < 17 || memcmp(line, "-- Dump completed", 17))
		return false;
	/* "on 2026-12-04 21:37:01": 4 + 19 bytes */
	return len == 17 || (len == 17 + 4 + 19 && !memcmp(line + 17, " on ", 4));
}

/* Read more input after the 'keep' pending bytes at the end of the window.
 * *eof at its end. */
static int fill(struct sqld_reader *r, size_t keep, bool *eof)
{
	uint64_t bound = sl_pipeline_config(r->s->inst->pipe)->buffer;
	if (keep) /* the first fill has no window yet */
		memmove(r->buf, r->buf + r->len - keep, keep);
	r->len = keep;
	if (keep > bound)
		return sqld_fail(r, SL_EFORMAT,
		                 "a statement longer than --buffer (%" PRIu64
		                 " bytes): raise --buffer to read it",
		                 bound);
	if (r->cap - r->len < SQLD_CHUNK) {
		size_t cap = r->cap * 2 > r->len + SQLD_CHUNK ? r->cap * 2 : r->len + SQLD_CHUNK;
		char *b = sl_realloc(r->buf, cap);
		if (!b)
			return oom(r);
		r->buf = b;
		r->cap = cap;
	}
	size_t n = 0;
	int rc = r->read(r->ctx, r->buf + r->len, r->cap - r->len, &n);
	if (rc)
		return rc;
	sl_tail_keep(r->tail, sizeof(r->tail), &r->ntail, r->buf + r->len, n);
	r->len += n;
	*eof = n == 0;
	return 0;
}

int files_sqldump_run(struct files_source *s, files_read_fn read, void *ctx)
{
	struct sqld_reader *r = sl_calloc(1, sizeof(*r));
	if (!r)
		return sl_pipeline_fail(s->inst->pipe, SL_ENOMEM, "out of memory");
	r->s = s;
	r->read = read;
	r->ctx = ctx;
	s->inst->name = "mysqldump";
	sl_sqlsplit_init(&r->sp, s->source, NULL, 0);
	struct sl_error err = {0};
	const char *stmt;
	size_t len;
	bool eof = false;
	int rc = 0, more = 0;
	size_t keep = 0;
	/* Statements are handed out only when their delimiter was read: what
	 * is pending at the end of the input was cut short. */
	while (!rc) {
		if ((rc = fill(r, keep, &eof)))
			break;
		if (!r->header_done) {
			size_t n = r->len - keep < sizeof(r->hdr) - r->nhdr
			               ? r->len - keep
			               : sizeof(r->hdr) - r->nhdr;
			memcpy(r->hdr + r->nhdr, r->buf + keep, n);
			r->nhdr += n;
			if (r->nhdr < sizeof(r->hdr) && !eof) {
				keep = r->len; /* the header first: objects need its database */
				continue;
			}
			read_header(r, r->hdr, r->nhdr);
			r->header_done = true;
			/* mariadb-dump's first line is a command of its client (the
			 * sandbox mode), which has no delimiter: not a statement. */
			if (r->len >= 10 && !memcmp(r->buf, "/*M!999999", 10)) {
				const char *nl = memchr(r->buf, '\n', r->len);
				size_t skip = nl ? (size_t)(nl + 1 - r->buf) : r->len;
				memmove(r->buf, r->buf + skip, r->len - skip);
				r->len -= skip;
				r->sp.base = skip;
			}
		}
		sl_sqlsplit_refill(&r->sp, r->buf, r->len, false);
		while ((more = sl_sqlsplit_next(&r->sp, &stmt, &len, &err)) == 1) {
			r->stmt_at = r->sp.base + (uint64_t)(stmt - r->buf);
			if ((rc = on_statement(r, stmt, len)))
				break;
		}
		if (!rc && more < 0)
			rc = sl_pipeline_fail(s->inst->pipe, SL_EFORMAT, "%s (not SQL?)", err.msg);
		keep = sl_sqlsplit_pending(&r->sp);
		if (eof)
			break;
	}
	if (!rc) {
		/* The end: anything but blanks and comments left is a statement
		 * without its delimiter, or an open quote or comment. */
		const char *rest = r->buf ? r->buf + r->len - keep : "";
		sl_sqlsplit_refill(&r->sp, rest, keep, true);
		more = sl_sqlsplit_next(&r->sp, &stmt, &len, &err);
		r->stmt_at = r->sp.base + (more == 1 ? (uint64_t)(stmt - rest) : 0);
		if (more == 1)
			rc = sqld_fail(
			    r, SL_EFORMAT,
			    "a mysqldump file, incomplete: it ends inside a statement (no "
			    "delimiter after it): the file was cut short");
		else if (more < 0)
			rc = sl_pipeline_fail(
			    s->inst->pipe, SL_EFORMAT,
			    "%s: a mysqldump file, incomplete: %s (the file was cut "
			    "short)",
			    s->source, err.msg);
	}
	if (!rc)
		rc = close_file(r);
	if (!rc && r->statements == 0)
		rc = sl_pipeline_fail(s->inst->pipe, SL_EFORMAT,
		                      "%s: a mysqldump file, incomplete: not one statement in it",
		                      s->source);
	if (!rc && r->comments && !completed(r))
		rc = sl_pipeline_fail(
		    s->inst->pipe, SL_EFORMAT,
		    "%s: a mysqldump file, incomplete: no '-- Dump completed' line "
		    "at its end, which %s writes last",
		    s->source, r->tool);
	for (size_t i = 0; !rc && i < r->nheld; i++)
		if (r->held[i].kind == SL_FILE_VIEW)
			rc = emit_held(r, i, 0);
	for (size_t i = 0; !rc && i < r->nheld; i++)
		rc = emit_held(r, i, 0);
	if (!rc && r->other_at)
		sl_instance_log(s->inst, SL_LOG_WARN,
		                "%s: byte %" PRIu64 ": statements after the dump's last object, "
		                "which belong to none, were not loaded",
		                s->source, r->other_at - 1);
	if (!rc)
		rc = files_finish(s, true);
	if (!rc)
		sl_instance_log(s->inst, SL_LOG_INFO,
		                "%s: a mysqldump file, complete%s%s%s: %" PRIu64
		                " statements, %" PRIu64 " tables",
		                s->source,
		                r->comments ? " (" : " as far as can be told (no comments",
		                r->comments ? r->tool : ", so no closing line to check", ")",
		                r->statements, r->tables);
	if (r->open) {
		files_file_free(&r->file);
		sl_free(r->key_db);
		sl_free(r->key_tbl);
	}
	for (size_t i = 0; i < r->nheld; i++) {
		sl_free(r->held[i].name);
		sl_free(r->held[i].view);
		sl_buf_free(&r->held[i].body);
	}
	sl_free(r->held);
	sl_map_free(&r->seq, sl_free);
	sl_map_free(&r->dbs, NULL);
	sl_buf_free(&r->head);
	sl_buf_free(&r->pre);
	sl_free(r->db);
	sl_free(r->header_db);
	sl_free(r->buf);
	sl_free(r);
	return rc;
}

/* --- the reader of a plain file ------------------------------------------ */

bool files_looks_sqldump(const char *p, size_t n)
{
	static const char *const starts[] = {"-- MySQL dump", "-- MariaDB dump",
	                                     "/*!",           "/*M!",
	                                     "-- ",           "--\n",
	                                     "SET ",          "CREATE ",
	                                     "DROP ",         "USE ",
	                                     "INSERT ",       "LOCK TABLES",
	                                     "DELIMITER ",    "set ",
	                                     "create ",       "insert "};
	if (n >= 3 && !memcmp(p, "\xef\xbb\xbf", 3)) { /* a UTF-8 byte order mark */
		p += 3;
		n -= 3;
	}
	while (n && (*p == '\n' || *p == '\r' || *p == ' ' || *p == '\t')) {
		p++;
		n--;
	}
	for (size_t i = 0; i < sizeof(starts) / sizeof(starts[0]); i++) {
		size_t k = strlen(starts[i]);
		if (n >= k && !memcmp(p, starts[i], k))
			return true;
	}
	return false;
}

static int plain_read(void *ctx, char *buf, size_t cap, size_t *n)
{
	return files_input_read(ctx, buf, cap, n);
}

static int sqldump_open(struct files_source *s)
{
	(void)s;
	return 0;
}

static int sqldump_run(struct files_source *s)
{
	return files_sqldump_run(s, plain_read, s);
}

const struct files_reader files_sqldump_reader = {
    .name = "mysqldump",
    .open = sqldump_open,
    .run = sqldump_run,
    .destroy = NULL,
};
