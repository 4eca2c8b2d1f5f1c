/* files.h - internals of the "files" source: a dump read back from its
 * files, whatever holds them.
 *
 *   files.c         the plugin: options, recognising the input
 *   dumpread.c      what every reader uses: the input, the files of a dump
 *                   turned into batches, the check against the dump's own
 *                   account (trailer or manifest)
 *   read_stream.c   the sluice stream (framed by lengths, with a trailer)
 *   read_mydumper.c mydumper's stream (--stream: sized or unsized headers,
 *                   compressed files, a final metadata)
 *   read_archive.c  a tar or zip archive (libarchive), any compression
 *   read_dir.c      a directory (sluice's layout, or mydumper's)
 *   read_sqldump.c  a mysqldump/mariadb-dump file, plain or compressed
 *   read_into.c     one csv, tsv or jsonl file into one table (--into)
 *   rows.c          data files decoded back into rows, for row hooks
 *
 * Any of them may be in object storage (s3://, plugins/objstore/): a stream
 * or an archive is one object read in ranges fetched ahead (s->dl), which
 * files_input_read() hands out as it does a descriptor's bytes; a
 * directory is a prefix whose objects read_dir.c lists and reads.
 *
 * A container is a small reader behind one interface (struct
 * files_reader), as curl keeps its TLS backends: it finds the files and
 * their bytes; dumpread.c classifies each file name, meets its table (the
 * router decides on first sight), builds the batch, accounts it and emits
 * it, and at the end checks what was read against the manifest or trailer
 * before any table is reported complete.  One reader thread (work()); the
 * input of a stream or archive is read through files_input_read(), which
 * waits in poll() on the input and a self-pipe that interrupt() writes to,
 * so a stalled pipe cannot hold a cancelled run. */
#ifndef SL_SOURCE_FILES_H
#define SL_SOURCE_FILES_H

#include <stdbool.h>
#include <stdint.h>

#include "base/buf.h"
#include "base/wakeup.h"
#include "engine/batch.h"
#include "engine/pipeline.h"
#include "engine/tableset.h"
#include "base/xxh64.h"
#include "format/manifest.h"
#include "format/sqlsplit.h"
#include "format/stream.h"
#include "objstore/s3.h"

/* Data files bigger than this are read in parts of about FILES_PART bytes,
 * cut at statement (or row) boundaries: memory stays bounded whatever a
 * file's size.  Fixed, so a resumed load cuts the same parts. */
#define FILES_SPLIT_FROM   (UINT64_C(8) << 20)
#define FILES_PART         ((size_t)4 << 20)
#define FILES_SIZE_UNKNOWN UINT64_MAX

enum files_container {
	FILES_AUTO,
	FILES_STREAM,
	FILES_ARCHIVE,
	FILES_DIR,
	FILES_MYDUMPER,
	FILES_SQLDUMP,
	FILES_INTO
};

struct files_source_config {
	int container;   /* enum files_container; auto: -a, -d, or what the input is */
	char *input;     /* -i FILE or the bare argument ('-': standard input) */
	char *archive;   /* -a FILE */
	char *directory; /* -d DIR */
	bool continuous;
	struct sl_s3_options s3;
	char *into; /* --into DB.TABLE: one csv, tsv or jsonl file into one table */
	int format; /* --format with --into: 0 auto (the file's extension), csv, tsv, jsonl */
};

struct files_source;

struct files_reader {
	const char *name; /* the container, for logs: "stream", "archive", "dir", "mydumper" */
	/* Open what files.c could not (a directory); set up.  prepare(). */
	int (*open)(struct files_source *s);
	/* Read every file, calling files_begin()/files_emit() and at the end
	 * files_finish() or files_end_table().  work(), on the one reader
	 * thread. */
	int (*run)(struct files_source *s);
	/* Free the reader's state (s->state). */
	void (*destroy)(struct files_source *s);
};

struct files_source {
	struct sl_instance *inst;
	struct files_source_config *cfg;
	const struct files_reader *r;
	void *state;        /* the reader's */
	const char *source; /* the input's name in messages: a path or "stdin" */
	const char *path;   /* what to open: the input, archive or directory */

	/* Object storage: the client (s3:// input), and the object of a stream
	 * or archive, read instead of fd. */
	struct sl_s3 *s3;
	struct sl_s3_download *dl;

	/* A stream's or archive's input. */
	int fd;
	bool owned_fd;
	struct sl_wakeup wake;
	char peek[64];          /* first bytes, read to recognise the input */
	size_t npeek, peek_pos; /* handed out again before the rest */

	/* What was read, and what the dump says it holds. */
	struct sl_manifest seen;
	struct sl_manifest expect;
	bool have_manifest;
	bool raw_names;            /* mydumper 0.10's names: not encoded (db.my table.sql) */
	struct sl_tableset tables; /* every table met */
	struct sl_buf db, tbl;     /* scratch: decoded names */
};

extern const struct files_reader files_stream_reader;
extern const struct files_reader files_archive_reader;
extern const struct files_reader files_dir_reader;
extern const struct files_reader files_mydumper_reader;
extern const struct files_reader files_sqldump_reader;
extern const struct files_reader files_into_reader;

/* A source of input bytes: up to 'cap' into buf, *n of them (0 at the
 * end).  0 or the run's error. */
typedef int (*files_read_fn)(void *ctx, char *buf, size_t cap, size_t *n);

/* Read a mysqldump/mariadb-dump file from 'read' (read_sqldump.c): its
 * statements become the files of a dump's layout, checked for
 * completeness at the end.  0 or the run's error. */
int files_sqldump_run(struct files_source *s, files_read_fn read, void *ctx);

/* Do the first bytes p[0..n) of an input look like a mysqldump file (its
 * header comment, or SQL's first words)? */
bool files_looks_sqldump(const char *p, size_t n);

/* Up to 'cap' bytes of the input into buf: *n of them, 0 at its end.
 * Waits for data, and returns SL_ECANCEL when the run is cancelled;
 * SL_EIO through the pipeline when read() (or object storage) fails. */
int files_input_read(struct files_source *s, void *buf, size_t cap, size_t *n);

/* Turn an objstore error into the pipeline's (a cancel stays quiet). */
int files_input_fail(struct files_source *s, int rc, const struct sl_error *err);

/* The ranges a download reads ahead come out of --buffer (the sinks'
 * rings give them up): call once the download is open. */
void files_download_reserve(struct files_source *s);

/* Classify a file name into *kind and s->db, s->tbl (NUL-terminated, tbl
 * empty for database files): the dump layout (format/fname.h), or with
 * s->raw_names mydumper 0.10's unencoded names.  0, SL_EFORMAT (not a
 * file of a dump; nothing reported) or SL_ENOMEM. */
int files_classify(struct files_source *s, const char *name, enum sl_file_kind *kind);

/* Is 'name' the manifest, mydumper's metadata, or neither? */
enum files_name { FILES_NAME_FILE, FILES_NAME_MANIFEST, FILES_NAME_METADATA };
enum files_name files_name_of(const char *name);

/* A file being read: files_open(), files_add() its bytes as they come,
 * files_close().  A small file, or one the reader needs whole (a stream's
 * frame, checked against its checksum), becomes one batch; a data file
 * bigger than FILES_SPLIT_FROM (or of unknown size) is emitted in parts
 * as its bytes arrive, each part complete statements (or rows) with the
 * file's session statements (SET NAMES, USE ...) or header row repeated
 * at its start.  A file is accounted whole, once. */
struct files_file {
	char where[1200]; /* message prefix: "dump.tar: entry 'x'" */
	char name[SL_STREAM_MAX_NAME + 1];
	enum sl_file_kind kind;
	const struct sl_data_format *fmt; /* data files: their format */
	struct sl_table *t;               /* NULL for database files */
	bool plan;                        /* t is new: planned once its schema is read */
	struct sl_buf schema, tname;      /* the file's database and table ("" for none) */
	uint64_t size, got;
	bool split;                 /* read in parts */
	struct sl_xxh64_state hash; /* of the whole file */
	struct sl_batch *b;         /* whole: the file */
	struct sl_buf cur;          /* split: bytes not emitted yet */
	size_t scanned, cut;        /* split: bytes of cur scanned; end of the last statement/row */
	struct sl_buf head;         /* split: repeated at the start of every part after the first */
	bool in_head;               /* split: still before the first INSERT (or the header row) */
	bool placeholder;           /* a view's placeholder table: accounted, never emitted */
	bool quoted;                /* split csv: inside a quoted field */
	struct sl_sqlsplit sp;      /* split sql: the statement scanner */
	unsigned parts;             /* emitted */
};

/* Start reading file 'name' (classified by files_classify() just before:
 * s->db, s->tbl) of 'size' bytes (FILES_SIZE_UNKNOWN: not said), meeting
 * its table (the router decides about it).  A table's schema file for a
 * name met as a view before is that view's placeholder table, which
 * myloader needs (format/myloader.h): read and accounted, never loaded.  'whole': never cut in parts.
 * With raw_names an SQL file starts with a USE statement for its
 * database, as myloader would run.  Fails the pipeline with a message
 * starting with 'where': SL_EFORMAT (a file after files that need it; one
 * held whole that is bigger than --buffer), SL_ENOMEM. */
int files_open(struct files_source *s, const char *where, const char *name, enum sl_file_kind kind,
               uint64_t size, bool whole, struct files_file *f);

/* More bytes of the file.  Emits the parts they complete.  SL_EFORMAT
 * through the pipeline for more bytes than the size said, or a statement
 * (or row) longer than --buffer. */
int files_add(struct files_source *s, struct files_file *f, const char *p, size_t n);

/* The file's bytes are all there: account it and emit it (or its last
 * part).  With 'out' the whole file's batch is handed to the caller
 * instead of emitted (a stream checks its checksum, then emits it with
 * sl_pipeline_emit()).  SL_EFORMAT for fewer bytes than the size said. */
int files_close(struct files_source *s, struct files_file *f, struct sl_batch **out);

/* Emit a file's batch (takes the reference): as it is, or, for a data file
 * of a table with a row hook (t->decode_rows), as the row blocks decoded
 * from it, which the pipeline runs the hook on and encodes again
 * (rows.c).  0 or the run's error (SL_EFORMAT naming the file for rows
 * that do not decode). */
int files_emit(struct files_source *s, struct sl_batch *b);

/* Free what a file not closed still holds (after an error). */
void files_file_free(struct files_file *f);

/* The stored manifest's text: parsed and kept for the end.  SL_EFORMAT
 * through the pipeline when it is malformed or its status is not ok. */
int files_manifest(struct files_source *s, const char *text, size_t len);

/* Everything of an archive or directory was read.  With a manifest: check
 * it against what was read, then end every table it lists as complete.
 * Without one ('foreign': a mydumper directory) end every table seen;
 * otherwise refuse.  0 or the pipeline's error. */
int files_finish(struct files_source *s, bool foreign);

/* Table schema.name is complete with 'rows' rows (a stream's trailer). */
int files_end_table(struct files_source *s, const char *schema, const char *name, uint64_t rows);

/* The dump's position and origin, from its trailer or manifest, for the
 * run's info.  NULL leaves a field unknown.  0 or SL_ENOMEM. */
int files_set_info(struct files_source *s, const char *binlog_file, uint64_t binlog_pos,
                   const char *gtid, const char *server, const char *source);

#endif
