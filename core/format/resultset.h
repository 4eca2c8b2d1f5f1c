/* resultset.h - a result set of the MariaDB/MySQL text protocol, read from
 * the bytes of the connection.
 *
 * The mariadb source reads the rows of its data queries with this instead of
 * libmariadb's mysql_fetch_row() where the connection is plain (no TLS, no
 * compression): libmariadb reads the socket 16 KiB at a time into a cache,
 * copies each packet out of it, then splits the row; here one large read
 * buffer is parsed in place (a dump spent 0.1 s less CPU per 760 MiB).
 * The bytes are the server's, so they are untrusted: every length is
 * checked against what has arrived, sequence numbers are checked, and a
 * row is never larger than max_packet (tests/fuzz/fuzz_resultset).
 *
 * What is read: after COM_QUERY (sent by the caller; its packet had sequence
 * number 0), the column count, as many column definitions (skipped), an
 * EOF packet, the rows, and the EOF packet that ends them, or an ERR packet
 * anywhere.  The client must not have asked for CLIENT_DEPRECATE_EOF.
 * Bytes come from a read function, so the parser knows no sockets. */
#ifndef SL_RESULTSET_H
#define SL_RESULTSET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/* Read up to 'cap' bytes into 'buf': the count (> 0), 0 when the peer
 * closed, or -1 with errno set (ETIMEDOUT when no byte came in time). */
typedef ssize_t (*sl_resultset_read_fn)(void *ctx, void *buf, size_t cap);

/* The protocol's packet: a payload this long goes on in the next one. */
#define SL_RESULTSET_CHUNK_MAX 0xffffffu

struct sl_resultset {
	sl_resultset_read_fn read;
	void *ctx;
	unsigned char *buf; /* packets as read; [pos, end) not parsed yet */
	size_t cap, pos, end;
	size_t base_cap;       /* what buf shrinks back to between results */
	size_t max_packet;     /* the largest payload taken (a row) */
	size_t chunk_max;      /* SL_RESULTSET_CHUNK_MAX; tests make it small */
	unsigned char *joined; /* a payload of several packets */
	size_t joined_cap;
	uint8_t seq;         /* sequence number of the next packet */
	bool done;           /* the last EOF packet was read */
	uint64_t bytes_read; /* from the read function, ever */
	size_t ncols;
	const char **vals;   /* the current row: ncols values, NULL for SQL NULL */
	unsigned long *lens; /* their lengths */
	size_t vals_cap;
	/* Why the last call failed: the server's error number (0 when the
	 * failure is not an ERR packet), its SQLSTATE, and a one-line message;
	 * for a failed read, read_errno is the read function's errno (0: the
	 * peer closed). */
	unsigned server_errno;
	char sqlstate[6];
	int read_errno;
	char msg[512];
};

/* An empty reader whose buffer holds 'bufsize' bytes and grows, a packet at
 * a time, to rows of up to 'max_packet' bytes.  0 or SL_ENOMEM. */
int sl_resultset_init(struct sl_resultset *rs, size_t bufsize, size_t max_packet);
void sl_resultset_free(struct sl_resultset *rs);

/* Read the head of the answer to the query just sent: the column count,
 * which must be 'ncols', and the column definitions.  Bytes come from
 * read(ctx, ...).  0; SL_EDB for an ERR packet (server_errno, msg);
 * SL_EIO when the read failed or the connection closed (read_errno);
 * SL_EFORMAT when the bytes are not such a result set; SL_ENOMEM. */
int sl_resultset_start(struct sl_resultset *rs, sl_resultset_read_fn read, void *ctx, size_t ncols);

/* The next row: 1 with rs->vals and rs->lens filled (they point into the
 * reader's buffer, valid until the next call), 0 after the last row, or a
 * failure as for sl_resultset_start(). */
int sl_resultset_next(struct sl_resultset *rs);

#endif
