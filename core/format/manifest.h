/* manifest.h - the manifest of an archive or directory dump.
 *
 * A stream ends with a trailer; an archive or a directory holds the same
 * files plus a manifest, sluice-manifest.json, written last:
 *
 *   {
 *     "manifest": "sluice-dump",          always this string
 *     "version": 1,
 *     "sluice": "0.1.0",                  the writer's version
 *     "source": "db1:3306",               source server: @@hostname:@@port (null: unknown)
 *     "server": "10.11.6-MariaDB",        its version (null when unknown)
 *     "binlog_file": "...", "binlog_pos": N, "gtid": "...",   (null: unknown)
 *     "started": "2026-11-21T04:50:00Z", "finished": "...",   UTC
 *     "status": "ok" | "error" | "running",
 *     "error": "message" | null,
 *     "hash": "xxh64",
 *     "hashed": "uncompressed",           what "bytes" and "xxh64" cover (below)
 *     "compression": "zstd" | "gzip" | null,   a directory's files, each compressed
 *     "files": N, "bytes": N, "rows": N,  files listed below, their bytes, data rows
 *     "tables": [
 *       {"schema": "db", "table": "t", "kind": "table" | "view" | "sequence",
 *        "complete": true, "rows": N, "files": N, "bytes": N,
 *        "xxh64": "16 hex digits"},
 *       {"schema": "db", "table": null, ...}      the database's own files
 *       {"schema": "", "table": null, ...}        the accounts file (--users)
 *     ],
 *     "left_out": [                       objects left out so that the dump loads
 *       {"kind": "view", "schema": "db", "name": "v", "missing": "db.t, db.u"}
 *     ]
 *   }
 *
 * Checksums: a file's hash is XXH64(body, seed = XXH64(file name, seed 0)),
 * so a body under another name does not match; a table's "xxh64" is the
 * sum modulo 2^64 of the hashes of all its files (schema, data, triggers,
 * view), which does not depend on the order the files were written in.
 * Sizes and hashes are of the files' uncompressed bytes, under the name
 * without the compression's suffix (db.t.00000.sql for
 * db.t.00000.sql.zst): a dump's manifest is the same whether its files
 * are compressed or not, a reader checks what it loads, and a file
 * decompressed in place still matches.  "hashed" says so; a manifest that
 * says anything else there is refused.
 * Memory is one record per table, whatever the size of the dump.
 *
 * "running" is what a directory dump says while it is being written: an
 * interrupted one keeps it, and readers refuse anything but "ok"; an "ok"
 * manifest must say every table (kind "table") is complete.  JSON is read
 * and escaped by json-c: members are checked by type, and members this
 * reader does not know (of any type) are skipped, so a field added later
 * never breaks it.  A manifest over 64 MiB is refused unread. */
#ifndef SL_MANIFEST_H
#define SL_MANIFEST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/buf.h"
#include "base/error.h"
#include "base/map.h"
#include "base/xxh64.h"
#include "format/table.h"

#define SL_MANIFEST_NAME "sluice-manifest.json"
#define SL_METADATA_NAME "metadata" /* mydumper's file, which myloader needs */

enum sl_manifest_status { SL_MANIFEST_RUNNING, SL_MANIFEST_OK, SL_MANIFEST_ERROR };

enum sl_manifest_kind { SL_MANIFEST_TABLE, SL_MANIFEST_VIEW, SL_MANIFEST_SEQUENCE };

/* What a manifest says about one table (name "" for a database's files). */
struct sl_manifest_table {
	char *schema, *name; /* owned, decoded names */
	enum sl_manifest_kind kind;
	bool kind_known; /* read from a manifest that says it (or written here) */
	bool complete;   /* its data is complete (end-of-table seen) */
	uint64_t rows, files, bytes, sum;
	size_t pos; /* index in the manifest's tables */
};

struct sl_manifest {
	char *sluice, *source, *server, *binlog_file, *gtid, *error; /* owned, NULL: unknown */
	char *compression; /* owned: how the files are compressed ("gzip", "zstd"); NULL: not */
	uint64_t binlog_pos;
	char started[32], finished[32];
	enum sl_manifest_status status;
	uint64_t files, bytes, rows;

	size_t ntables, cap;
	struct sl_manifest_table **tables;  /* owned, in order of appearance */
	const struct sl_left_out *left_out; /* borrowed, written only (not parsed) */
	size_t nleft_out;
	struct sl_map index; /* (schema, name) -> its table */
};

void sl_manifest_init(struct sl_manifest *m);
void sl_manifest_free(struct sl_manifest *m); /* frees members; m can be re-initialised */

/* The record of (schema, name), created on first sight ("" for database
 * files).  Borrowed until sl_manifest_free().  NULL on ENOMEM. */
struct sl_manifest_table *sl_manifest_table(struct sl_manifest *m, const char *schema,
                                            const char *name);

/* Position of (schema, name) in m->tables ("" for database files), or -1. */
long sl_manifest_index(const struct sl_manifest *m, const char *schema, const char *name);

/* The hash of one file (see above). */
uint64_t sl_manifest_file_hash(const char *fname, const void *body, size_t len);

/* Account one file of table (schema, name) with 'rows' data rows, its hash
 * (sl_manifest_file_hash()) known.  0 or SL_ENOMEM. */
int sl_manifest_add_hashed(struct sl_manifest *m, const char *schema, const char *name,
                           uint64_t hash, uint64_t len, uint64_t rows);

/* Start the hash of file 'fname' whose body comes in pieces: update 'st'
 * with them, then sl_xxh64_end() is sl_manifest_file_hash() of the whole. */
void sl_manifest_hash_begin(struct sl_xxh64_state *st, const char *fname);

/* Set *dst (ISO 8601 UTC of now) in a started/finished field. */
void sl_manifest_stamp(char dst[32]);

/* Append the JSON text of m (with a final newline).  0 or SL_ENOMEM. */
int sl_manifest_write(const struct sl_manifest *m, struct sl_buf *out);

/* Append mydumper 0.10's metadata file for m: start and end times, the
 * binlog position; "Finished dump at" only when m's status is ok (mydumper's
 * readers take that line for a complete dump).  0 or SL_ENOMEM. */
int sl_manifest_metadata(const struct sl_manifest *m, struct sl_buf *out);

/* The same for mydumper 0.14 and later, as its stream carries them (GLib
 * key files): metadata.header, which myloader reads before anything else
 * (the start time, [config] quote-character), and the final metadata (the
 * binlog position as comments; "# Finished dump at" only when m's status
 * is ok).  0 or SL_ENOMEM. */
int sl_manifest_metadata_header(const struct sl_manifest *m, struct sl_buf *out);
int sl_manifest_metadata_final(const struct sl_manifest *m, struct sl_buf *out);

/* Parse a manifest into m (initialised, empty).  SL_EFORMAT with a message
 * naming 'what' and the byte offset, or SL_ENOMEM. */
int sl_manifest_parse(struct sl_manifest *m, const char *text, size_t len, const char *what,
                      struct sl_error *err);

/* Check that what was read ('seen': files accounted with add_file) is what
 * the manifest 'expect' lists: status ok, every table's files, bytes and
 * checksum, no table it does not list, and totals that add up to its
 * tables (rows included: readers do not count rows in SQL files).  0, or SL_EFORMAT with one message naming the
 * first table that differs (prefixed by 'what'). */
int sl_manifest_check(const struct sl_manifest *expect, const struct sl_manifest *seen,
                      const char *what, struct sl_error *err);

#endif
