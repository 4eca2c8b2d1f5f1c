/* fname.c - MySQL filename encoding of identifiers and the dump's file names.
 *
 * Database and table names become file names the way a MySQL datadir
 * spells them: [A-Za-z0-9_] stay, every other character of the Basic
 * Multilingual Plane becomes '@' and four lowercase hex digits of its code
 * point.  Encoded names hold no '.', '-', '/', space or control character,
 * so the layout helpers can join them with '.' and '-' and the stream
 * format can put them on a header line.  Decoding is the exact inverse,
 * except that hex digits may be of either case: anything the encoder would
 * not have written (a raw '.', an escape of a letter, a surrogate, NUL) is
 * refused, so each identifier has one spelling. */
#include "format/fname.h"

#include <stdint.h>
#include <string.h>

#include "base/error.h"
#include "format/dataformat.h"

static const char sl_fname_hexdig[] = "0123456789abcdef";

/* True for the bytes the encoding keeps as they are. */
static int sl_fname_plain(unsigned c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	       c == '_';
}

/* Decode one UTF-8 sequence at s[0..n).  Stores the code point in *cp (OUT)
 * and returns the sequence length, or 0 for invalid UTF-8 (overlong forms,
 * surrogates, truncated sequences, code points above U+10FFFF). */
static size_t sl_fname_utf8(const unsigned char *s, size_t n, uint32_t *cp)
{
	uint32_t c = s[0];
	size_t len;
	uint32_t min;

	if (c < 0x80) {
		*cp = c;
		return 1;
	} else if (c >= 0xc2 && c <= 0xdf) {
		len = 2;
		min = 0x80;
		c &= 0x1f;
	} else if (c >= 0xe0 && c <= 0xef) {
		len = 3;
		min = 0x800;
		c &= 0x0f;
	} else if (c >= 0xf0 && c <= 0xf4) {
		len = 4;
		min = 0x10000;
		c &= 0x07;
	} else {
		return 0;
	}
	if (n < len)
		return 0;
	for (size_t i = 1; i < len; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		c = (c << 6) | (s[i] & 0x3f);
	}
	if (c < min || c > 0x10ffff || (c >= 0xd800 && c <= 0xdfff))
		return 0;
	*cp = c;
	return len;
}

int sl_fname_encode(struct sl_buf *out, const char *ident)
{
	const unsigned char *s = (const unsigned char *)ident;
	size_t n = strlen(ident);
	size_t start = out->len;
	int rc;

	/* Worst case: every byte is an ASCII character that takes 5 bytes. */
	if (n > (SIZE_MAX - 1) / 5)
		return SL_ENOMEM;
	if ((rc = sl_buf_reserve(out, 5 * n)) != 0)
		return rc;
	char *w = out->data + out->len;
	size_t i = 0;
	while (i < n) {
		if (sl_fname_plain(s[i])) {
			*w++ = (char)s[i++];
			continue;
		}
		uint32_t cp;
		size_t k = sl_fname_utf8(s + i, n - i, &cp);
		if (k == 0 || cp > 0xffff)
			goto fail;
		*w++ = '@';
		*w++ = sl_fname_hexdig[(cp >> 12) & 0xf];
		*w++ = sl_fname_hexdig[(cp >> 8) & 0xf];
		*w++ = sl_fname_hexdig[(cp >> 4) & 0xf];
		*w++ = sl_fname_hexdig[cp & 0xf];
		i += k;
	}
	out->len = (size_t)(w - out->data);
	out->data[out->len] = '\0';
	return 0;
fail:
	/* Leave the buffer as it was. */
	out->len = start;
	out->data[start] = '\0';
	return SL_EFORMAT;
}

int sl_fname_decode(struct sl_buf *out, const char *enc, size_t len)
{
	const unsigned char *s = (const unsigned char *)enc;
	size_t start = out->len;
	int rc;

	/* Output is never longer than the input: 5 encoded bytes give at most 3. */
	if ((rc = sl_buf_reserve(out, len)) != 0)
		return rc;
	char *w = out->data + out->len;
	size_t i = 0;
	while (i < len) {
		if (sl_fname_plain(s[i])) {
			*w++ = (char)s[i++];
			continue;
		}
		if (s[i] != '@' || len - i < 5)
			goto fail;
		uint32_t cp = 0;
		for (size_t k = 1; k <= 4; k++) {
			int v = sl_hexval(s[i + k]);
			if (v < 0)
				goto fail;
			cp = (cp << 4) | (uint32_t)v;
		}
		/* The encoder never escapes a plain character, never writes NUL
		 * (identifiers are C strings) nor a surrogate (not UTF-8). */
		if (cp == 0 || sl_fname_plain(cp) || (cp >= 0xd800 && cp <= 0xdfff))
			goto fail;
		if (cp < 0x80) {
			*w++ = (char)cp;
		} else if (cp < 0x800) {
			*w++ = (char)(0xc0 | (cp >> 6));
			*w++ = (char)(0x80 | (cp & 0x3f));
		} else {
			*w++ = (char)(0xe0 | (cp >> 12));
			*w++ = (char)(0x80 | ((cp >> 6) & 0x3f));
			*w++ = (char)(0x80 | (cp & 0x3f));
		}
		i += 5;
	}
	out->len = (size_t)(w - out->data);
	out->data[out->len] = '\0';
	return 0;
fail:
	out->len = start;
	out->data[start] = '\0';
	return SL_EFORMAT;
}

/* Append "<db><sep><table><suffix>" with db and table encoded ('table' may be
 * NULL for database-level files).  On failure the buffer is unchanged. */
static int sl_fname_join(struct sl_buf *out, const char *db, const char *table, const char *suffix)
{
	size_t start = out->len;
	int rc;

	if ((rc = sl_fname_encode(out, db)) != 0)
		goto fail;
	if (table) {
		if ((rc = sl_buf_putc(out, '.')) != 0)
			goto fail;
		if ((rc = sl_fname_encode(out, table)) != 0)
			goto fail;
	}
	if ((rc = sl_buf_puts(out, suffix)) != 0)
		goto fail;
	return 0;
fail:
	out->len = start;
	if (out->data)
		out->data[start] = '\0';
	return rc;
}

int sl_fname_schema_create(struct sl_buf *out, const char *db)
{
	return sl_fname_join(out, db, NULL, "-schema-create.sql");
}

int sl_fname_table_schema(struct sl_buf *out, const char *db, const char *table)
{
	return sl_fname_join(out, db, table, "-schema.sql");
}

/* 'ext' is the extension without the dot ("sql", "csv"); NULL means "sql". */
int sl_fname_data(struct sl_buf *out, const char *db, const char *table, unsigned seq,
                  const char *ext)
{
	size_t start = out->len;
	int rc;

	if ((rc = sl_fname_join(out, db, table, "")) != 0)
		return rc;
	if ((rc = sl_buf_printf(out, ".%05u.%s", seq, ext ? ext : "sql")) != 0) {
		out->len = start;
		out->data[start] = '\0';
		return rc;
	}
	return 0;
}

int sl_fname_triggers(struct sl_buf *out, const char *db, const char *table)
{
	return sl_fname_join(out, db, table, "-schema-triggers.sql");
}

int sl_fname_indexes(struct sl_buf *out, const char *db, const char *table)
{
	return sl_fname_join(out, db, table, "-schema-indexes.sql");
}

int sl_fname_view(struct sl_buf *out, const char *db, const char *view)
{
	return sl_fname_join(out, db, view, "-schema-view.sql");
}

int sl_fname_post(struct sl_buf *out, const char *db)
{
	return sl_fname_join(out, db, NULL, "-schema-post.sql");
}

/* ".NNNNN.ext" (5 digits or more) or mydumper's unnumbered ".ext", with a
 * data format's extension. */
static int sl_fname_data_suffix(const char *s)
{
	size_t n = 0;

	if (*s++ != '.')
		return 0;
	while (s[n] >= '0' && s[n] <= '9')
		n++;
	if (n == 0)
		return sl_data_format_of_file(s - 1) != NULL && !strchr(s, '.');
	return n >= 5 && s[n] == '.' && sl_data_format_find(s + n + 1) != NULL;
}

int sl_fname_classify(const char *name, enum sl_file_kind *kind, struct sl_buf *db,
                      struct sl_buf *tbl)
{
	size_t dblen = strcspn(name, ".-");
	const char *t = NULL, *rest = name + dblen;
	size_t tlen = 0;
	int rc;

	if (!strcmp(name, SL_FNAME_USERS)) {
		*kind = SL_FILE_USERS;
		sl_buf_reset(db);
		sl_buf_reset(tbl);
		if (sl_buf_putc(db, '\0') || sl_buf_putc(tbl, '\0'))
			return SL_ENOMEM;
		db->len = tbl->len = 0; /* empty, NUL-terminated */
		return 0;
	}
	if (*rest == '-') {
		if (!strcmp(rest, "-schema-create.sql"))
			*kind = SL_FILE_SCHEMA_CREATE;
		else if (!strcmp(rest, "-schema-post.sql"))
			*kind = SL_FILE_POST;
		else
			return SL_EFORMAT;
	} else if (*rest == '.') {
		t = rest + 1;
		tlen = strcspn(t, ".-");
		rest = t + tlen;
		if (!strcmp(rest, "-schema.sql"))
			*kind = SL_FILE_TABLE_SCHEMA;
		else if (!strcmp(rest, "-schema-triggers.sql"))
			*kind = SL_FILE_TRIGGERS;
		else if (!strcmp(rest, "-schema-view.sql"))
			*kind = SL_FILE_VIEW;
		else if (sl_fname_data_suffix(rest))
			*kind = SL_FILE_DATA;
		else
			return SL_EFORMAT;
	} else {
		return SL_EFORMAT;
	}
	if (dblen == 0 || (t && tlen == 0))
		return SL_EFORMAT;
	sl_buf_reset(db);
	sl_buf_reset(tbl);
	if ((rc = sl_fname_decode(db, name, dblen)) != 0)
		return rc;
	if (t && (rc = sl_fname_decode(tbl, t, tlen)) != 0)
		return rc;
	if (!t && sl_buf_putc(tbl, '\0') == 0)
		tbl->len = 0; /* an empty, NUL-terminated table name */
	return tbl->data ? 0 : SL_ENOMEM;
}

enum sl_fname_z sl_fname_compression(const char *name, size_t *base)
{
	static const struct {
		const char *suffix;
		enum sl_fname_z z;
	} known[] = {{".gz", SL_FNAME_GZIP}, {".zst", SL_FNAME_ZSTD}};
	size_t n = strlen(name);
	for (size_t i = 0; i < sizeof(known) / sizeof(known[0]); i++) {
		size_t m = strlen(known[i].suffix);
		if (n > m && !strcmp(name + n - m, known[i].suffix)) {
			*base = n - m;
			return known[i].z;
		}
	}
	*base = n;
	return SL_FNAME_PLAIN;
}

const char *sl_fname_z_suffix(enum sl_fname_z z)
{
	return z == SL_FNAME_GZIP ? ".gz" : z == SL_FNAME_ZSTD ? ".zst" : "";
}
