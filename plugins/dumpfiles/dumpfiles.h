/* dumpfiles.h - what the archive and directory plugins share: the files of
 * a dump with a manifest (core/manifest.h) next to them.
 *
 * Sinks (tar, zip, dir) account every batch they write in a manifest and
 * build the manifest and mydumper's metadata file at close.  Sources
 * (archive, dir) turn each file they read into a batch for the pipeline
 * (as the stream source does with frames), account it, and at the end
 * check what they read against the stored manifest before they send the
 * end-of-table records: a table whose files do not match never looks
 * complete to the loader. */
#ifndef SL_DUMPFILES_H
#define SL_DUMPFILES_H

#include <stdbool.h>
#include <stdint.h>

#include "batch.h"
#include "buf.h"
#include "manifest.h"
#include "pipeline.h"
#include "tableset.h"

/* --- sinks ------------------------------------------------------------------ */

/* Account batch b (a file or an end-of-table record) in m.  0 or SL_ENOMEM. */
int sl_dumpfiles_account(struct sl_manifest *m, const struct sl_batch *b);

/* Fill m's run fields from the summary (status, error, server, binlog,
 * finished time) and append the manifest's JSON to 'json' and mydumper's
 * metadata file to 'metadata' (NULL: not wanted).  0 or SL_ENOMEM. */
int sl_dumpfiles_close(struct sl_manifest *m, const struct sl_run_summary *sum, struct sl_buf *json,
                       struct sl_buf *metadata);

/* --- sources ---------------------------------------------------------------- */

/* Largest file a source accepts: bounded memory, and a corrupt size field
 * is not an allocation request. */
#define SL_DUMPFILES_MAX_FILE (UINT64_C(1) << 30)

struct sl_dumpfiles {
	struct sl_instance *inst;
	const char *source;        /* the input's name in messages (borrowed) */
	struct sl_manifest seen;   /* what was read */
	struct sl_manifest expect; /* the stored manifest, once read */
	bool have_manifest;
	bool raw_names;            /* mydumper 0.10's names: not encoded (db.my table.sql) */
	struct sl_tableset tables; /* every table met, owned */
	struct sl_buf db, tbl;     /* scratch: decoded names */
};

void sl_dumpfiles_init(struct sl_dumpfiles *d, struct sl_instance *inst, const char *source);
void sl_dumpfiles_free(struct sl_dumpfiles *d);

/* What a name stands for: a dump file (kind set), the manifest, mydumper's
 * metadata, or something else (SL_EFORMAT: the caller refuses it).  'raw'
 * accepts mydumper 0.10's unencoded names. */
enum sl_dumpfiles_name { SL_DF_FILE, SL_DF_MANIFEST, SL_DF_METADATA };
int sl_dumpfiles_name(const char *name, bool raw, enum sl_dumpfiles_name *what,
                      enum sl_file_kind *kind);

/* Classify a file name (fname.h's layout, or with 'raw' mydumper 0.10's
 * unencoded one: the database up to the first '.', the table up to the
 * layout's suffix) into *kind, db and tbl (OUT, NUL-terminated, tbl empty
 * for database files).  0, SL_EFORMAT or SL_ENOMEM. */
int sl_dumpfiles_classify(const char *name, bool raw, enum sl_file_kind *kind, struct sl_buf *db,
                          struct sl_buf *tbl);

/* A new batch for file 'name' of 'size' bytes, body allocated to exactly
 * that size (the caller appends the bytes; with raw_names the body starts
 * with a USE statement for the file's database, as myloader would run).  Fails the pipeline with a
 * message naming the entry: SL_EFORMAT (name outside the layout, too big),
 * SL_ENOMEM.  Caller owns the batch. */
int sl_dumpfiles_begin(struct sl_dumpfiles *d, const char *name, uint64_t size,
                       struct sl_batch **out);

/* The file is complete: account it and emit it (takes the batch). */
int sl_dumpfiles_emit(struct sl_dumpfiles *d, struct sl_batch *b);

/* The stored manifest's text: parsed and kept for the end.  SL_EFORMAT
 * through the pipeline when it is malformed or its status is not ok. */
int sl_dumpfiles_manifest(struct sl_dumpfiles *d, const char *text, size_t len);

/* Everything was read.  With a manifest: check it against what was read,
 * then end every table it lists as complete.  Without one ('foreign':
 * a mydumper directory) end every table seen; otherwise refuse.  0 or the
 * pipeline's error. */
int sl_dumpfiles_finish(struct sl_dumpfiles *d, bool foreign);

#endif
