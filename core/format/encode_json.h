/* encode_json.h - render rows as JSON lines.
 *
 * One JSON object per row and per line, keys = column names in table
 * order (generated columns are not written).  NULL is null.  Integers,
 * FLOAT/DOUBLE and YEAR are JSON numbers when their text is a JSON number
 * (it always is for what the server sends; the text is exact, as the
 * server printed it); DECIMAL is a string, so no reader rounds it through
 * a double.  Text (strings, temporal values, ENUM/SET, JSON documents,
 * INET6/UUID) is a JSON string when its bytes are valid UTF-8; otherwise,
 * and always for binary columns (BINARY, BLOB, BIT, spatial), the value is
 * {"$hex":"<lowercase hex of the bytes>"}.  Bytes are the ones the server
 * sent under SET NAMES binary: a latin1 column's text is written as the
 * latin1 bytes (a JSON string only when those happen to be valid UTF-8). */
#ifndef SL_ENCODE_JSON_H
#define SL_ENCODE_JSON_H

#include <stdbool.h>
#include <stddef.h>

#include "base/buf.h"
#include "format/dataformat.h"

struct sl_rowset;

/* Append one line per row of 'rs' to 'out'.  0 or SL_ENOMEM ('out' is
 * unchanged on failure). */
int sl_encode_jsonl_rows(const struct sl_rowset *rs, struct sl_buf *out);

/* The body of one data file (dataformat.h): JSON lines. */
int sl_encode_jsonl_file(const struct sl_encode_opts *opts, const char *schema, const char *table,
                         const struct sl_rowset *rs, struct sl_buf *out);

/* True when p[0..len) is valid UTF-8 (no overlong forms, surrogates or
 * code points past U+10FFFF). */
bool sl_json_utf8_valid(const unsigned char *p, size_t len);

/* Write valid UTF-8 p[0..len) as a JSON string at w (room for 6*len+2);
 * returns the end of what it wrote. */
char *sl_json_put_string(char *w, const unsigned char *p, size_t len);

/* True when p[0..len) matches JSON's number grammar. */
bool sl_json_is_number(const unsigned char *p, size_t len);

#endif
