/* sqlsplit.h - split SQL text into statements as the `mariadb` client does.
 *
 * The loader sends file bodies (sluice's own, mydumper's, mysqldump's) to
 * the server one statement at a time, and neither the server protocol nor
 * the C API has a client-side splitter; DELIMITER is a command of the
 * client, not SQL.  sl_sqlsplit walks a borrowed buffer and hands out each
 * statement as a pointer into it, without copies or allocation:
 *
 *   - statements end at the delimiter, ';' until a line `DELIMITER x`
 *     (any case, at the start of a line, outside a statement) changes it;
 *     that line is consumed, not returned;
 *   - the delimiter does not count inside '...' and "..." strings
 *     (backslash escapes, doubled quotes), `...` identifiers, `-- `, `#`
 *     and block comments; "--" at the start of a statement is a comment
 *     even without the blank, as in the client;
 *   - executable comments (slash-star-bang and the MariaDB-only
 *     slash-star-M-bang) are statement text, which the server runs: quotes
 *     inside them count, and so does the delimiter, as in the client;
 *   - returned statements are trimmed of whitespace and comments at both
 *     ends (comments inside are kept); empty and comment-only statements are
 *     skipped; text after the last delimiter is a last statement, as the
 *     client runs it too;
 *   - an unterminated string, identifier or comment at the end of the input
 *     and a bad DELIMITER line are errors (the client would warn and send
 *     something; a loader should stop).
 *
 * Backslash commands of the client (\g, \G, \d, ...) and its other line
 * commands (use, source, ...) are not interpreted: `USE db;` reaches the
 * server as the statement it is.  The client also follows the server's
 * NO_BACKSLASH_ESCAPES and ANSI_QUOTES modes, which a trigger's or
 * routine's "SET SESSION SQL_MODE" can switch on: the loader should copy
 * them into the two mode fields after each statement from the connection's
 * status flags (SERVER_STATUS_NO_BACKSLASH_ESCAPES, SERVER_STATUS_ANSI_QUOTES).
 *
 * Whole buffer:
 *
 *   struct sl_sqlsplit s;
 *   sl_sqlsplit_init(&s, "db.t.sql", body, len);
 *   while ((rc = sl_sqlsplit_next(&s, &stmt, &n, err)) == 1)
 *           ...send stmt[0..n)...
 *   (rc is 0 at the end, or negative with err set)
 *
 * Input in pieces (a stream too big for memory): sl_sqlsplit_refill() with
 * final = false; next() returns 0 when it needs more, and the last
 * sl_sqlsplit_pending() bytes of the buffer, which it has not consumed,
 * must begin the next buffer. */
#ifndef SL_SQLSPLIT_H
#define SL_SQLSPLIT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/error.h"

/* Longest delimiter a DELIMITER line may set, in bytes. */
#define SL_SQLSPLIT_DELIM_MAX 16

/* The splitter's state.  Callers read 'base' and may set the two mode flags
 * between calls; the other fields are private. */
struct sl_sqlsplit {
	const char *p;    /* the current buffer, borrowed */
	size_t len;       /* its length */
	size_t pos;       /* first byte of p not consumed yet */
	uint64_t base;    /* offset of p[0] in the whole input (error messages) */
	const char *name; /* prefix of error messages, borrowed; NULL: none */
	bool final;       /* p ends where the input ends */
	bool bol;         /* p[pos] begins a line */
	int rc;           /* sticky error: once negative, next() returns it */
	/* Server modes that change quoting, as the client reads them from the
	 * server's status flags after each statement: with ansi_quotes "..." is
	 * an identifier (no escapes); with no_backslash_escapes a backslash in
	 * a string is an ordinary byte.  Both false after init. */
	bool ansi_quotes;
	bool no_backslash_escapes;
	size_t delim_len;                  /* 1..SL_SQLSPLIT_DELIM_MAX */
	char delim[SL_SQLSPLIT_DELIM_MAX]; /* the current delimiter, not NUL-terminated */
};

/* Start splitting the whole input p[0..len) (borrowed: it must outlive the
 * splitter and every statement returned).  'name' (borrowed, may be NULL)
 * prefixes error messages: "name: byte 123: unterminated string".  The
 * delimiter starts as ';'.  A UTF-8 byte order mark at offset 0 is skipped,
 * as the client does.  Cannot fail. */
void sl_sqlsplit_init(struct sl_sqlsplit *s, const char *name, const char *p, size_t len);

/* The delimiter of object files (triggers, routines, events, views) in
 * the form myloader replays: a ';' that ends a line.  Such a file's
 * statements hold ';' inside (BEGIN ... END bodies) but none at a line
 * end, where each statement ends; a file of the mysqldump form switches
 * to its own delimiter with DELIMITER lines, so one convention reads
 * both (format/myloader.h). */
#define SL_SQLSPLIT_LINE_END ";\n"

/* Start with delimiter d[0..n) instead of ';' (1..SL_SQLSPLIT_DELIM_MAX
 * bytes; longer ones are cut), as if a DELIMITER line had set it, before
 * the first next().  A delimiter that ends with a newline leaves the
 * splitter at the start of a line, where a DELIMITER line may follow. */
void sl_sqlsplit_set_delimiter(struct sl_sqlsplit *s, const char *d, size_t n);

/* The next statement: 1 with *stmt (OUT: points into the buffer, valid as
 * long as the buffer) and *stmt_len (OUT: at least 1) set, without its
 * delimiter and trimmed of leading and trailing whitespace and comments;
 * 0 at the end of a final buffer, or when a non-final buffer holds no
 * complete statement any more; SL_EFORMAT with the message in 'err' for an
 * unterminated string, identifier or comment at the end of the input, or a
 * bad DELIMITER line (the offset named is that of the opening quote,
 * comment or line).  After an error every call returns the same code
 * without touching 'err'. */
int sl_sqlsplit_next(struct sl_sqlsplit *s, const char **stmt, size_t *stmt_len,
                     struct sl_error *err);

/* Bytes at the end of the current buffer that next() has not consumed:
 * after next() returned 0 on a non-final buffer, the beginning of a
 * statement (or comment, or DELIMITER line) that is not complete yet. */
size_t sl_sqlsplit_pending(const struct sl_sqlsplit *s);

/* Continue with a new buffer p[0..len) (borrowed, like init's) that starts
 * with the sl_sqlsplit_pending() bytes left at the end of the previous
 * buffer, followed by more input; 'final' says it ends where the input
 * ends.  The delimiter, modes and offsets carry over.  Statements returned
 * from the previous buffer stay valid only as long as it does.  To read in
 * pieces from the start: sl_sqlsplit_init(s, name, NULL, 0), then refill.
 * Cannot fail. */
void sl_sqlsplit_refill(struct sl_sqlsplit *s, const char *p, size_t len, bool final);

#endif
