/* encode_csv.c - render rows as CSV or TSV (see encode_csv.h for the rules).
 *
 * Like encode_sql.c, each row reserves its worst case once (2n+2 bytes per
 * value) and is written straight into the buffer. */
#include "format/encode_csv.h"

#include <string.h>

#include "base/error.h"
#include "format/rowset.h"
#include "format/table.h"

static const char sl_csv_hexdig[] = "0123456789abcdef";

/* TSV escape letter after a backslash, or 0 when the byte goes as it is. */
static const char sl_tsv_esc[256] = {
    ['\0'] = '0', ['\t'] = 't', ['\n'] = 'n', ['\r'] = 'r', ['\\'] = '\\',
};

/* True when p[0..len) is a plain number (digits, sign, point, exponent). */
static int sl_csv_is_number(const unsigned char *p, size_t len)
{
	if (len == 0)
		return 0;
	for (size_t i = 0; i < len; i++)
		if (!((p[i] >= '0' && p[i] <= '9') || p[i] == '-' || p[i] == '+' || p[i] == '.' ||
		      p[i] == 'e' || p[i] == 'E'))
			return 0;
	return 1;
}

static char *sl_csv_hex(char *w, const unsigned char *p, size_t len)
{
	for (size_t i = 0; i < len; i++) {
		*w++ = sl_csv_hexdig[p[i] >> 4];
		*w++ = sl_csv_hexdig[p[i] & 15];
	}
	return w;
}

/* Write one field at w (room for 2*len+3 bytes); p == NULL is NULL. */
static char *sl_csv_put(char *w, enum sl_csv_dialect d, enum sl_value_class cls,
                        const unsigned char *p, size_t len)
{
	if (!p) {
		if (d == SL_CSV) {
			memcpy(w, "NULL", 4);
			return w + 4;
		}
		memcpy(w, "\\N", 2);
		return w + 2;
	}
	if (cls == SL_VAL_NUMBER && sl_csv_is_number(p, len)) {
		memcpy(w, p, len);
		return w + len;
	}
	if (d == SL_TSV) {
		if (cls == SL_VAL_BINARY)
			return sl_csv_hex(w, p, len);
		for (size_t i = 0; i < len; i++) {
			char e = sl_tsv_esc[p[i]];
			if (e) {
				*w++ = '\\';
				*w++ = e;
			} else {
				*w++ = (char)p[i];
			}
		}
		return w;
	}
	*w++ = '"';
	if (cls == SL_VAL_BINARY) {
		w = sl_csv_hex(w, p, len);
	} else {
		for (size_t i = 0; i < len; i++) {
			if (p[i] == '"')
				*w++ = '"';
			*w++ = (char)p[i];
		}
	}
	*w++ = '"';
	return w;
}

int sl_encode_csv_rows(enum sl_csv_dialect d, const struct sl_rowset *rs, struct sl_buf *out)
{
	size_t start = out->len, ncols = rs->ncols;
	char sep = d == SL_CSV ? ',' : '\t';
	int rc = 0;

	/* The header: column names as string fields. */
	for (size_t c = 0; c < ncols && !rc; c++) {
		const char *n = rs->cols[c]->name;
		size_t len = strlen(n);
		if ((rc = sl_buf_reserve(out, 2 * len + 4)) != 0)
			break;
		char *w = out->data + out->len;
		if (c)
			*w++ = sep;
		w = sl_csv_put(w, d, SL_VAL_STRING, (const unsigned char *)n, len);
		out->len = (size_t)(w - out->data);
	}
	if (!rc)
		rc = sl_buf_putc(out, '\n');

	const unsigned char *arena = (const unsigned char *)(rs->arena.data ? rs->arena.data : "");
	const struct sl_cell *cell = rs->cells;
	for (size_t r = 0; r < rs->nrows && !rc; r++, cell += ncols) {
		size_t need = ncols + 1;
		for (size_t c = 0; c < ncols; c++) {
			size_t len = cell[c].len == SL_CELL_NULL ? 4 : cell[c].len;
			if (len > (SIZE_MAX - need) / 2 - 4) {
				rc = SL_ENOMEM;
				break;
			}
			need += 2 * len + 3;
		}
		if (rc || (rc = sl_buf_reserve(out, need)) != 0)
			break;
		char *w = out->data + out->len;
		for (size_t c = 0; c < ncols; c++) {
			if (c)
				*w++ = sep;
			if (cell[c].len == SL_CELL_NULL)
				w = sl_csv_put(w, d, rs->cols[c]->value_class, NULL, 0);
			else
				w = sl_csv_put(w, d, rs->cols[c]->value_class, arena + cell[c].off,
				               cell[c].len);
		}
		*w++ = '\n';
		out->len = (size_t)(w - out->data);
	}
	if (rc) {
		out->len = start;
		if (out->data)
			out->data[start] = '\0';
		return rc;
	}
	out->data[out->len] = '\0';
	return 0;
}

int sl_encode_csv_file(const struct sl_encode_opts *opts, const char *schema, const char *table,
                       const struct sl_rowset *rs, struct sl_buf *out)
{
	(void)opts, (void)schema, (void)table;
	return sl_encode_csv_rows(SL_CSV, rs, out);
}

int sl_encode_tsv_file(const struct sl_encode_opts *opts, const char *schema, const char *table,
                       const struct sl_rowset *rs, struct sl_buf *out)
{
	(void)opts, (void)schema, (void)table;
	return sl_encode_csv_rows(SL_TSV, rs, out);
}
