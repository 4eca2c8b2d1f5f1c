/* stream.h - the sluice stream format: framing for stdout and pipes.
 *
 * A stream is a version line, a sequence of frames, and a trailer:
 *
 *   -- sluice stream 3 0.1.0\n                   version line
 *   -- sluice frame <len> <name> <xxh64>\n<len bytes>   one file per frame
 *   -- sluice table-end <db>.<table> <rows>\n     a table's data is complete
 *   ...
 *   -- sluice trailer <len> ok|error\n<len bytes> trailer body
 *   -- sluice end ok|error\n                      last line
 *
 * Everything outside frame bodies is an SQL comment line and every body is
 * complete SQL, so `mariadb < stream` imports it as is.  <len> is decimal,
 * the exact body length; readers skip bodies by length and never scan for
 * markers.  <name> is a file name from fname.h (never has spaces).  <xxh64>
 * is 16 lowercase hex digits, the checksum the manifest gives the same
 * file (XXH64 of the body seeded with XXH64 of the name), so a reader
 * refuses a frame whose bytes changed before anything uses them.  A
 * table-end line (version 3) follows the data frames of a table, with
 * the table's rows and names as in the trailer's table line: a loader can
 * add the table's deferred indexes while the rest of the stream is still
 * coming.  No data frame of that table may follow it, and the trailer must
 * list the table with the same rows.  Versions 1 (no checksum, no
 * table-end lines) and 2 (no table-end lines) are still read.  The trailer
 * body is comment lines:
 *
 *   -- status ok|error
 *   -- files N                    (frames in this stream)
 *   -- rows N                     (rows in its data files)
 *   -- bytes N                    (sum of its frame body lengths)
 *   -- binlog FILE POS            (when known)
 *   -- gtid GTID                  (when known)
 *   -- table <db>.<table> ROWS    (fname-encoded names; one line per table
 *                                  whose data is complete: in an ok trailer
 *                                  they add up to 'rows', in an error
 *                                  trailer to at most 'rows')
 *   -- left-out <kind> <db>.<name> needs <what>
 *                                 (a view or trigger the run left out, and
 *                                  the tables it needs that the run does
 *                                  not have: "db.t, db.u"; the object's
 *                                  names fname-encoded)
 *   -- error <one-line message>   (error trailers only)
 *
 * and, for an error trailer, a final `SIGNAL SQLSTATE '45000' ...` statement
 * so that a plain client stops with an error.  A reader accepts several
 * streams back to back (continuous mode). */
#ifndef SL_STREAM_H
#define SL_STREAM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/buf.h"
#include "base/error.h"
#include "format/table.h"

#define SL_STREAM_VERSION    3    /* written; 1 and 2 are read too */
#define SL_STREAM_MAX_NAME   1024 /* longest file name a reader accepts */
#define SL_STREAM_MAX_HEADER 1200 /* longest header line a reader accepts */

struct sl_stream_table_count {
	char *schema; /* decoded names */
	char *name;
	uint64_t rows;
	bool ended; /* reading: a table-end line announced it before the trailer */
};

struct sl_stream_trailer {
	bool ok;
	char *error; /* message of an error trailer, or NULL */
	uint64_t files, rows, bytes;
	char *binlog_file; /* NULL when unknown */
	uint64_t binlog_pos;
	char *gtid; /* NULL when unknown */
	size_t ntables;
	struct sl_stream_table_count *tables;
	const struct sl_left_out *left_out; /* borrowed, written only (readers skip the lines) */
	size_t nleft_out;
};

/* --- writing ----------------------------------------------------------- */

/* Append the version line. */
int sl_stream_put_version(struct sl_buf *out);

/* Append a frame header for a body of 'len' bytes named 'name' whose
 * checksum is 'hash' (sl_manifest_file_hash()). */
int sl_stream_put_frame_header(struct sl_buf *out, const char *name, size_t len, uint64_t hash);

/* Append the table-end line of schema.name (raw names, encoded here), whose
 * complete data holds 'rows' rows.  0, SL_ENOMEM, SL_EFORMAT (a name cannot
 * be encoded) or SL_EINTERNAL (longer than a reader accepts); on failure
 * 'out' is unchanged. */
int sl_stream_put_table_end(struct sl_buf *out, const char *schema, const char *name,
                            uint64_t rows);

/* Append mydumper's frame header (its --stream, 0.14 and later): a
 * newline, "-- ", the name, a space, the body's length and a newline.  The
 * name is one of the layout or mydumper's metadata files ("metadata",
 * "metadata.header"); anything else is a bug of the caller: SL_EINTERNAL.
 * Otherwise 0 or SL_ENOMEM. */
int sl_stream_put_mydumper_header(struct sl_buf *out, const char *name, size_t len);

/* Append the complete trailer (header line, body, end line) for 't'.
 * Names in t->tables are raw and get encoded here. */
int sl_stream_put_trailer(struct sl_buf *out, const struct sl_stream_trailer *t);

void sl_stream_trailer_free(struct sl_stream_trailer *t); /* frees members */

/* --- reading ----------------------------------------------------------- */

/* Callbacks of the incremental reader.  Any callback may return non-zero to
 * stop; sl_stream_reader_feed() then returns that value. */
struct sl_stream_callbacks {
	/* 'hash' is the frame's checksum, NULL in a version 1 stream. */
	int (*on_frame_begin)(void *ud, const char *name, uint64_t len, const uint64_t *hash);
	int (*on_frame_data)(void *ud, const char *p, size_t n); /* body bytes, in pieces */
	int (*on_frame_end)(void *ud);
	/* A table-end line (decoded names); the reader has checked that the
	 * table did not end before. */
	int (*on_table_end)(void *ud, const char *schema, const char *name, uint64_t rows);
	int (*on_trailer)(void *ud, const struct sl_stream_trailer *t); /* after the end line */
};

struct sl_stream_reader; /* opaque */

/* 'source' names the input in error messages (a path or "stdin").
 * 'continuous' accepts another stream after a trailer.  NULL on ENOMEM. */
struct sl_stream_reader *sl_stream_reader_new(const char *source, bool continuous,
                                              const struct sl_stream_callbacks *cb, void *ud);
void sl_stream_reader_free(struct sl_stream_reader *r);

/* Feed the next 'n' bytes of input.  0 to go on; SL_EFORMAT with a message
 * in err naming the source and the byte offset ("stdin: byte 1234: frame
 * header: bad length"); or a callback's non-zero value. */
int sl_stream_reader_feed(struct sl_stream_reader *r, const char *p, size_t n,
                          struct sl_error *err);

/* End of input.  0 only when the input ended right after a complete
 * trailer whose status is ok; otherwise SL_EFORMAT saying what is missing
 * ("truncated inside frame db.t.00003.sql: 120 of 4096 bytes", "no
 * trailer: the stream is incomplete", "trailer status error: ..."). */
int sl_stream_reader_finish(struct sl_stream_reader *r, struct sl_error *err);

/* Bytes consumed so far. */
uint64_t sl_stream_reader_offset(const struct sl_stream_reader *r);

#endif
