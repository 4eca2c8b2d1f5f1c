/* encode_json.c - render rows as JSON lines (see encode_json.h).
 *
 * Each row reserves its worst case once (6 bytes per byte of a string, for
 * \u00XX escapes) and is written straight into the buffer. */
#include "format/encode_json.h"

#include <string.h>
#include <strings.h>

#include "base/error.h"
#include "format/rowset.h"
#include "format/table.h"

static const char sl_json_hexdig[] = "0123456789abcdef";

bool sl_json_utf8_valid(const unsigned char *p, size_t len)
{
	size_t i = 0;
	while (i < len) {
		unsigned char c = p[i];
		if (c < 0x80) {
			i++;
			continue;
		}
		size_t n;
		unsigned char lo = 0x80, hi = 0xbf;
		if (c >= 0xc2 && c <= 0xdf) {
			n = 1;
		} else if (c >= 0xe0 && c <= 0xef) {
			n = 2;
			if (c == 0xe0)
				lo = 0xa0; /* overlong */
			else if (c == 0xed)
				hi = 0x9f; /* surrogates */
		} else if (c >= 0xf0 && c <= 0xf4) {
			n = 3;
			if (c == 0xf0)
				lo = 0x90;
			else if (c == 0xf4)
				hi = 0x8f; /* past U+10FFFF */
		} else {
			return false;
		}
		if (len - i <= n)
			return false;
		if (p[i + 1] < lo || p[i + 1] > hi)
			return false;
		for (size_t k = 2; k <= n; k++)
			if (p[i + k] < 0x80 || p[i + k] > 0xbf)
				return false;
		i += n + 1;
	}
	return true;
}

bool sl_json_is_number(const unsigned char *p, size_t len)
{
	size_t i = 0;
	if (i < len && p[i] == '-')
		i++;
	if (i >= len)
		return false;
	if (p[i] == '0') {
		i++;
	} else if (p[i] >= '1' && p[i] <= '9') {
		while (i < len && p[i] >= '0' && p[i] <= '9')
			i++;
	} else {
		return false;
	}
	if (i < len && p[i] == '.') {
		size_t d = ++i;
		while (i < len && p[i] >= '0' && p[i] <= '9')
			i++;
		if (i == d)
			return false;
	}
	if (i < len && (p[i] == 'e' || p[i] == 'E')) {
		i++;
		if (i < len && (p[i] == '+' || p[i] == '-'))
			i++;
		size_t d = i;
		while (i < len && p[i] >= '0' && p[i] <= '9')
			i++;
		if (i == d)
			return false;
	}
	return i == len;
}

char *sl_json_put_string(char *w, const unsigned char *p, size_t len)
{
	*w++ = '"';
	for (size_t i = 0; i < len; i++) {
		unsigned char c = p[i];
		if (c == '"' || c == '\\') {
			*w++ = '\\';
			*w++ = (char)c;
		} else if (c == '\n') {
			*w++ = '\\';
			*w++ = 'n';
		} else if (c == '\t') {
			*w++ = '\\';
			*w++ = 't';
		} else if (c == '\r') {
			*w++ = '\\';
			*w++ = 'r';
		} else if (c < 0x20) {
			memcpy(w, "\\u00", 4);
			w[4] = sl_json_hexdig[c >> 4];
			w[5] = sl_json_hexdig[c & 15];
			w += 6;
		} else {
			*w++ = (char)c;
		}
	}
	*w++ = '"';
	return w;
}

/* Write {"$hex":"..."} at w (room for 2*len+12). */
static char *sl_json_hex(char *w, const unsigned char *p, size_t len)
{
	memcpy(w, "{\"$hex\":\"", 9);
	w += 9;
	for (size_t i = 0; i < len; i++) {
		*w++ = sl_json_hexdig[p[i] >> 4];
		*w++ = sl_json_hexdig[p[i] & 15];
	}
	memcpy(w, "\"}", 2);
	return w + 2;
}

/* Write one value of column 'col' at w (room for 6*len+12). */
static char *sl_json_put(char *w, const struct sl_column *col, const unsigned char *p, size_t len)
{
	if (!p) {
		memcpy(w, "null", 4);
		return w + 4;
	}
	switch (col->value_class) {
	case SL_VAL_NUMBER:
		if ((!col->data_type || strcasecmp(col->data_type, "decimal") != 0) &&
		    sl_json_is_number(p, len)) {
			memcpy(w, p, len);
			return w + len;
		}
		break;
	case SL_VAL_BINARY:
		return sl_json_hex(w, p, len);
	default:
		break;
	}
	if (!sl_json_utf8_valid(p, len))
		return sl_json_hex(w, p, len);
	return sl_json_put_string(w, p, len);
}

int sl_encode_jsonl_rows(const struct sl_rowset *rs, struct sl_buf *out)
{
	size_t start = out->len, ncols = rs->ncols;
	int rc = 0;
	const unsigned char *arena = (const unsigned char *)(rs->arena.data ? rs->arena.data : "");
	const struct sl_cell *cell = rs->cells;

	for (size_t r = 0; r < rs->nrows && !rc; r++, cell += ncols) {
		size_t need = 3;
		for (size_t c = 0; c < ncols; c++) {
			size_t len = cell[c].len == SL_CELL_NULL ? 4 : cell[c].len;
			size_t nlen = strlen(rs->cols[c]->name);
			if (len > SIZE_MAX / 16 || nlen > SIZE_MAX / 16 ||
			    need > SIZE_MAX - 6 * (len + nlen) - 16) {
				rc = SL_ENOMEM;
				break;
			}
			need += 6 * (len + nlen) + 16;
		}
		if (rc || (rc = sl_buf_reserve(out, need)) != 0)
			break;
		char *w = out->data + out->len;
		*w++ = '{';
		for (size_t c = 0; c < ncols; c++) {
			const char *n = rs->cols[c]->name;
			if (c)
				*w++ = ',';
			w = sl_json_put_string(w, (const unsigned char *)n, strlen(n));
			*w++ = ':';
			if (cell[c].len == SL_CELL_NULL)
				w = sl_json_put(w, rs->cols[c], NULL, 0);
			else
				w = sl_json_put(w, rs->cols[c], arena + cell[c].off, cell[c].len);
		}
		*w++ = '}';
		*w++ = '\n';
		out->len = (size_t)(w - out->data);
	}
	if (rc) {
		out->len = start;
		if (out->data)
			out->data[start] = '\0';
		return rc;
	}
	if (out->data)
		out->data[out->len] = '\0';
	return 0;
}

int sl_encode_jsonl_file(const struct sl_encode_opts *opts, const char *schema, const char *table,
                         const struct sl_rowset *rs, struct sl_buf *out)
{
	(void)opts, (void)schema, (void)table;
	return sl_encode_jsonl_rows(rs, out);
}
