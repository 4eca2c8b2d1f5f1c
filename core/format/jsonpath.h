/* jsonpath.h - values inside a JSON document, found by a path and replaced
 * where they stand.
 *
 * Masking a document (an email inside a JSON column) must change the
 * values a path names and nothing else: a JSON library that parses and
 * prints the document again changes what it does not know how to keep
 * (json-c clamps big integers, rewrites -0, merges duplicate keys).  So
 * the document is read as text: sl_json_find() checks that it is JSON
 * (RFC 8259) and returns where the values at the path lie, and the caller
 * writes the document again with those spans replaced, every other byte as
 * it was.
 *
 * Paths are MariaDB's JSON paths without their lax parts: '$', then steps
 * '.name', '."any name"', '[N]', and the wildcards '.*' and '[*]'. */
#ifndef SL_JSONPATH_H
#define SL_JSONPATH_H

#include <stddef.h>

#include "base/buf.h"
#include "base/error.h"

/* Deepest nesting of arrays and objects a document may have. */
#define SL_JSON_MAX_DEPTH 512

enum sl_json_kind {
	SL_JSON_STRING,
	SL_JSON_NUMBER,
	SL_JSON_TRUE,
	SL_JSON_FALSE,
	SL_JSON_NULL,
	SL_JSON_OBJECT,
	SL_JSON_ARRAY
};

/* One value of the document: doc[off..off+len) is its JSON text. */
struct sl_json_span {
	size_t off, len;
	enum sl_json_kind kind;
};

/* The values of doc[0..len) at 'path', in document order: *spans (caller
 * frees with sl_free; NULL when none) and *n.  0; SL_EFORMAT with a message
 * when the path is malformed ("json path: ...") or the document is not
 * JSON ("not a JSON document: ..."); SL_ENOMEM. */
int sl_json_find(const char *doc, size_t len, const char *path, struct sl_json_span **spans,
                 size_t *n, struct sl_error *err);

/* Decode the JSON string at *p (its opening quote) into 'out' (reset
 * first), moving *p past the closing quote: escapes and surrogate pairs
 * become UTF-8.  0, SL_EFORMAT (not a well-formed string) or SL_ENOMEM. */
int sl_json_string_decode(const char **p, const char *end, struct sl_buf *out);

/* Append p[0..len) as a JSON string (quotes, escapes; the bytes must be
 * valid UTF-8).  0 or SL_ENOMEM. */
int sl_json_string_encode(struct sl_buf *out, const char *p, size_t len);

#endif
