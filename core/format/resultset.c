/* resultset.c - a text-protocol result set read from the connection's bytes
 * (see resultset.h for why sluice reads it itself).
 *
 * A packet is a 3-byte little-endian payload length, a sequence number and
 * the payload; a payload of 0xffffff bytes continues in the next packet.
 * Packets are parsed where they were read: a row's values point into the
 * read buffer, which is compacted (what is left of it moved to the front)
 * only when the next packet does not fit behind it. */
#include "format/resultset.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "base/alloc.h"
#include "base/error.h"

#define HEADER                    4
#define SERVER_MORE_RESULTS_EXIST 0x0008
#define PROGRESS_ERRNO            0xffff

static int fail(struct sl_resultset *rs, int rc, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static int fail(struct sl_resultset *rs, int rc, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(rs->msg, sizeof(rs->msg), fmt, ap);
	va_end(ap);
	return rc;
}

int sl_resultset_init(struct sl_resultset *rs, size_t bufsize, size_t max_packet)
{
	*rs = (struct sl_resultset){.max_packet = max_packet, .chunk_max = SL_RESULTSET_CHUNK_MAX};
	if (bufsize < 64)
		bufsize = 64;
	if (rs->max_packet > SIZE_MAX / 4)
		rs->max_packet = SIZE_MAX / 4; /* total + chunk never overflows */
	rs->buf = sl_malloc(bufsize);
	if (!rs->buf)
		return SL_ENOMEM;
	rs->cap = rs->base_cap = bufsize;
	return 0;
}

void sl_resultset_free(struct sl_resultset *rs)
{
	sl_free(rs->buf);
	sl_free(rs->joined);
	sl_free(rs->vals);
	sl_free(rs->lens);
	*rs = (struct sl_resultset){0};
}

/* Make [pos, end) hold at least 'need' bytes: move what is left to the front
 * when the packet would not fit behind it (or little room is left to read
 * into), grow the buffer to the packet, read.  0, SL_EIO or SL_ENOMEM. */
static int fill(struct sl_resultset *rs, size_t need)
{
	while (rs->end - rs->pos < need) {
		if (rs->pos == rs->end) {
			rs->pos = rs->end = 0;
		} else if (rs->pos > 0 &&
		           (rs->cap - rs->pos < need || rs->cap - rs->end < rs->cap / 4)) {
			memmove(rs->buf, rs->buf + rs->pos, rs->end - rs->pos);
			rs->end -= rs->pos;
			rs->pos = 0;
		}
		if (rs->cap < need) {
			unsigned char *grown = sl_realloc(rs->buf, need);
			if (!grown)
				return fail(rs, SL_ENOMEM, "out of memory");
			rs->buf = grown;
			rs->cap = need;
		}
		ssize_t n = rs->read(rs->ctx, rs->buf + rs->end, rs->cap - rs->end);
		if (n <= 0) {
			rs->read_errno = n < 0 ? errno : 0;
			if (n == 0)
				return fail(rs, SL_EIO,
				            "the connection closed in the middle of a result");
			return fail(rs, SL_EIO, "reading from the server: %s",
			            strerror(rs->read_errno));
		}
		if ((size_t)n > rs->cap - rs->end)
			return fail(rs, SL_EIO,
			            "reading from the server: more bytes than asked for");
		rs->end += (size_t)n;
		rs->bytes_read += (uint64_t)n;
	}
	return 0;
}

static int server_error(struct sl_resultset *rs, const unsigned char *p, size_t len);

/* A packet whose number is not the one due: an error the server sent on
 * its own (a connection killed), or bytes out of step. */
static int out_of_order(struct sl_resultset *rs, size_t n)
{
	unsigned got = rs->buf[rs->pos + 3];
	if (n >= 3 && n <= 4096 && !fill(rs, HEADER + n) && rs->buf[rs->pos + HEADER] == 0xff)
		return server_error(rs, rs->buf + rs->pos + HEADER, n);
	return fail(rs, SL_EFORMAT,
	            "the server's packets are out of order (number %u where %u was due)", got,
	            rs->seq);
}

/* The next payload in *p, *len: valid until the next call.  A payload of
 * several packets is joined into rs->joined. */
static int packet(struct sl_resultset *rs, const unsigned char **p, size_t *len)
{
	size_t total = 0;
	bool joining = false;
	int rc;
	for (;;) {
		if ((rc = fill(rs, HEADER)))
			return rc;
		const unsigned char *h = rs->buf + rs->pos;
		size_t n = (size_t)h[0] | (size_t)h[1] << 8 | (size_t)h[2] << 16;
		if (h[3] != rs->seq)
			return out_of_order(rs, n);
		if (total + n > rs->max_packet)
			return fail(rs, SL_EFORMAT,
			            "the server sent a row of more than %zu bytes (the client's "
			            "max_allowed_packet)",
			            rs->max_packet);
		rs->seq++;
		if ((rc = fill(rs, HEADER + n)))
			return rc;
		const unsigned char *chunk = rs->buf + rs->pos + HEADER;
		rs->pos += HEADER + n;
		if (!joining && n < rs->chunk_max) {
			*p = chunk;
			*len = n;
			return 0;
		}
		if (total + n > rs->joined_cap) {
			size_t cap = rs->joined_cap ? rs->joined_cap : rs->chunk_max;
			while (cap < total + n)
				cap *= 2;
			if (cap > rs->max_packet)
				cap = rs->max_packet; /* total + n is not above it */
			unsigned char *grown = sl_realloc(rs->joined, cap);
			if (!grown)
				return fail(rs, SL_ENOMEM, "out of memory");
			rs->joined = grown;
			rs->joined_cap = cap;
		}
		memcpy(rs->joined + total, chunk, n);
		total += n;
		joining = true;
		if (n < rs->chunk_max) {
			*p = rs->joined;
			*len = total;
			return 0;
		}
	}
}

/* An ERR packet: the server's number, state and message (its bytes made
 * printable, so the error stays one line).  SL_EDB. */
static int server_error(struct sl_resultset *rs, const unsigned char *p, size_t len)
{
	if (len < 3)
		return fail(rs, SL_EFORMAT, "the server sent an error packet of %zu bytes", len);
	rs->server_errno = (unsigned)p[1] | (unsigned)p[2] << 8;
	size_t at = 3;
	if (len >= 9 && p[3] == '#') {
		memcpy(rs->sqlstate, p + 4, 5);
		rs->sqlstate[5] = '\0';
		at = 9;
	}
	size_t n = len - at < sizeof(rs->msg) - 1 ? len - at : sizeof(rs->msg) - 1;
	for (size_t i = 0; i < n; i++) {
		unsigned char c = p[at + i];
		rs->msg[i] = c < 0x20 || c == 0x7f ? '?' : (char)c;
	}
	rs->msg[n] = '\0';
	if (!n)
		snprintf(rs->msg, sizeof(rs->msg), "unknown error");
	return SL_EDB;
}

/* MariaDB's progress report, an ERR packet by its look: not an answer. */
static bool is_progress(const unsigned char *p, size_t len)
{
	return len >= 3 && p[0] == 0xff && ((unsigned)p[1] | (unsigned)p[2] << 8) == PROGRESS_ERRNO;
}

static bool is_eof(const unsigned char *p, size_t len)
{
	return len > 0 && len < 9 && p[0] == 0xfe;
}

/* The next packet that answers: progress reports are passed over, an ERR
 * packet is the server's error (SL_EDB); else as packet(). */
static int answer(struct sl_resultset *rs, const unsigned char **p, size_t *len)
{
	int rc;
	do {
		if ((rc = packet(rs, p, len)))
			return rc;
	} while (is_progress(*p, *len));
	return *len && (*p)[0] == 0xff ? server_error(rs, *p, *len) : 0;
}

/* A length-encoded integer at *p before e, moving *p past it: 0, or -1 when
 * it is malformed or NULL (0xfb). */
static int lenenc(const unsigned char **p, const unsigned char *e, uint64_t *v)
{
	const unsigned char *q = *p;
	if (q == e)
		return -1;
	unsigned b = *q++;
	size_t n = b < 0xfb ? 0 : b == 0xfc ? 2 : b == 0xfd ? 3 : b == 0xfe ? 8 : SIZE_MAX;
	if (n == SIZE_MAX || (size_t)(e - q) < n)
		return -1;
	uint64_t x = n ? 0 : b;
	for (size_t i = 0; i < n; i++)
		x |= (uint64_t)q[i] << (8 * i);
	*v = x;
	*p = q + n;
	return 0;
}

int sl_resultset_start(struct sl_resultset *rs, sl_resultset_read_fn read, void *ctx, size_t ncols)
{
	rs->read = read;
	rs->ctx = ctx;
	rs->seq = 1; /* the query was packet 0 */
	rs->done = false;
	rs->server_errno = 0;
	rs->sqlstate[0] = '\0';
	rs->read_errno = 0;
	rs->msg[0] = '\0';
	rs->pos = rs->end = 0;
	/* A huge row of the last result does not keep its memory. */
	if (rs->cap > rs->base_cap) {
		unsigned char *small = sl_realloc(rs->buf, rs->base_cap);
		if (small) {
			rs->buf = small;
			rs->cap = rs->base_cap;
		}
	}
	sl_free(rs->joined);
	rs->joined = NULL;
	rs->joined_cap = 0;
	if (ncols > rs->vals_cap) {
		sl_free(rs->vals);
		sl_free(rs->lens);
		rs->vals = sl_calloc(ncols, sizeof(*rs->vals));
		rs->lens = sl_calloc(ncols, sizeof(*rs->lens));
		rs->vals_cap = rs->vals && rs->lens ? ncols : 0;
		if (!rs->vals_cap)
			return fail(rs, SL_ENOMEM, "out of memory");
	}
	rs->ncols = ncols;

	const unsigned char *p;
	size_t len;
	int rc = answer(rs, &p, &len);
	if (rc)
		return rc;
	if (len && p[0] == 0x00)
		return fail(rs, SL_EFORMAT, "the query returned no rows, not even an empty result");
	if (len && p[0] == 0xfb)
		return fail(
		    rs, SL_EFORMAT,
		    "the server asked for a local file (LOAD DATA LOCAL), which is not sent");
	const unsigned char *e = p + len;
	uint64_t count;
	if (lenenc(&p, e, &count) || e - p > 1)
		return fail(rs, SL_EFORMAT, "the server sent a malformed column count");
	/* With MARIADB_CLIENT_CACHE_METADATA a byte says whether the column
	 * definitions follow; after COM_QUERY they always do. */
	if (p != e && *p != 1)
		return fail(rs, SL_EFORMAT, "the server sent no column definitions");
	if (count != ncols)
		return fail(rs, SL_EFORMAT, "the server sent %llu columns where %zu were asked for",
		            (unsigned long long)count, ncols);
	for (size_t c = 0; c < ncols; c++) {
		if ((rc = answer(rs, &p, &len)))
			return rc;
		if (is_eof(p, len))
			return fail(rs, SL_EFORMAT, "the server sent %zu column definitions of %zu",
			            c, ncols);
	}
	if ((rc = answer(rs, &p, &len)))
		return rc;
	if (!is_eof(p, len))
		return fail(rs, SL_EFORMAT, "the server sent no end to its column definitions");
	return 0;
}

int sl_resultset_next(struct sl_resultset *rs)
{
	const unsigned char *p;
	size_t len;
	int rc;
	if (rs->done)
		return 0;
	if ((rc = answer(rs, &p, &len)))
		return rc;
	if (is_eof(p, len)) {
		unsigned status = len >= 5 ? (unsigned)p[3] | (unsigned)p[4] << 8 : 0;
		if (status & SERVER_MORE_RESULTS_EXIST)
			return fail(rs, SL_EFORMAT, "the server sent more than one result");
		if (rs->end != rs->pos)
			return fail(rs, SL_EFORMAT,
			            "the server sent bytes after the end of the result");
		rs->done = true;
		return 0;
	}
	const unsigned char *q = p, *e = p + len;
	for (size_t c = 0; c < rs->ncols; c++) {
		if (q == e)
			return fail(rs, SL_EFORMAT,
			            "the server sent a row of %zu values where %zu were due", c,
			            rs->ncols);
		if (*q == 0xfb) {
			q++;
			rs->vals[c] = NULL;
			rs->lens[c] = 0;
			continue;
		}
		uint64_t n;
		if (*q < 0xfb) {
			n = *q++;
		} else if (lenenc(&q, e, &n)) {
			return fail(rs, SL_EFORMAT, "the server sent a malformed row (value %zu)",
			            c + 1);
		}
		if (n > (uint64_t)(e - q))
			return fail(
			    rs, SL_EFORMAT,
			    "the server sent a malformed row (value %zu is longer than the row)",
			    c + 1);
		rs->vals[c] = (const char *)q;
		rs->lens[c] = (unsigned long)n;
		q += n;
	}
	if (q != e)
		return fail(rs, SL_EFORMAT, "the server sent a row of more than %zu values",
		            rs->ncols);
	return 1;
}
