/* sqltok.h - SQL text a token at a time, for the readers of SQL that
 * sluice did not write (CREATE TABLE, INSERT heads, a dump's statements,
 * script queries).
 *
 * Tokens are bare words (keywords, names and numbers alike: the readers
 * only tell them apart by their text), `quoted names`, 'strings' and
 * "strings" (backslash escapes, doubled quotes), single punctuation bytes
 * and, where asked for, the markers of executable comments.  The readers
 * differ in how they treat comments, so that is an option (SL_SQLTOK_*). */
#ifndef SL_SQLTOK_H
#define SL_SQLTOK_H

#include <stdbool.h>
#include <stddef.h>

enum sl_sqltok_kind {
	SL_SQLTOK_END,
	SL_SQLTOK_WORD,
	SL_SQLTOK_NAME,   /* `quoted` (or "quoted" with SL_SQLTOK_DQ_NAME) */
	SL_SQLTOK_STRING, /* 'quoted' or "quoted" */
	SL_SQLTOK_PUNCT,  /* one byte */
	SL_SQLTOK_EXEC,   /* slash-star-bang NNNNN, or its closing star-slash */
	SL_SQLTOK_BAD     /* a quote or comment that does not end (p: where it starts) */
};

/* How comments read.  Whitespace is skipped in every mode. */
enum {
	/* Skip "-- ", "#" and slash-star comments as the server does. */
	SL_SQLTOK_COMMENTS = 1,
	/* Skip the markers of executable comments (slash-star-bang and the
	 * version digits, slash-star-M-bang, and any star-slash): the text
	 * inside reads as statement text. */
	SL_SQLTOK_EXEC_SKIP = 2,
	/* The markers are SL_SQLTOK_EXEC tokens (star-slash only inside one). */
	SL_SQLTOK_EXEC_TOKEN = 4,
	/* A quote or comment that does not end runs to the end of the text
	 * (a NAME or STRING token) instead of being SL_SQLTOK_BAD. */
	SL_SQLTOK_LENIENT = 8,
	/* "x" is a name (no backslash escapes), not a string. */
	SL_SQLTOK_DQ_NAME = 16,
};

struct sl_sqltok {
	enum sl_sqltok_kind kind;
	const char *p; /* the token's text, quotes included */
	size_t len;
};

/* A cursor over p[0..len): i is the next byte to read. */
struct sl_sqltok_lexer {
	const char *p;
	size_t len, i;
	unsigned flags;
	bool in_exec; /* inside an executable comment (SL_SQLTOK_EXEC_TOKEN) */
};

/* Bytes of bare words: letters, digits, _ $ and every non-ASCII byte. */
bool sl_sqltok_word_byte(unsigned char c);

/* Skip whitespace and what the flags say is a comment.  False (the cursor
 * at the comment) when a comment does not end and the lexer is strict. */
bool sl_sqltok_skip(struct sl_sqltok_lexer *lx);

/* The next token, or the one after it without moving (peek). */
struct sl_sqltok sl_sqltok_next(struct sl_sqltok_lexer *lx);
struct sl_sqltok sl_sqltok_peek(struct sl_sqltok_lexer *lx);

/* A WORD token spelling w (any case); a PUNCT token c. */
bool sl_sqltok_is(struct sl_sqltok t, const char *w);
bool sl_sqltok_punct(struct sl_sqltok t, char c);

/* The name a token stands for: a quoted one without its quotes and with
 * doubled quotes undone, any other as it is.  _unquote writes it to out
 * (room for t.len + 1 bytes), NUL-terminated, and returns its length;
 * _name returns a new string (caller frees), NULL on ENOMEM. */
size_t sl_sqltok_unquote(struct sl_sqltok t, char *out);
char *sl_sqltok_name(struct sl_sqltok t);

#endif
