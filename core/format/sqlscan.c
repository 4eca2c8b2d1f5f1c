/* sqlscan.c - a lexer for single SQL statements and the two checks built on
 * it (see sqlscan.h).
 *
 * Tokens are words (keywords, bare names, numbers), `quoted names`,
 * strings ('...' and "...", backslash escapes and doubled quotes), single
 * punctuation bytes and the two markers of an executable comment (its
 * opening with the version digits, and its closing), whose content the
 * server runs.  Ordinary comments (-- , #, slash-star) are skipped. */
#include "format/sqlscan.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

enum tok_kind { TOK_END, TOK_WORD, TOK_NAME, TOK_STRING, TOK_PUNCT, TOK_EXEC, TOK_BAD };

struct tok {
	enum tok_kind kind;
	const char *p; /* the token's text (a quoted name with its quotes) */
	size_t len;
};

struct lexer {
	const char *p, *end;
	bool in_exec; /* inside an executable comment: its closing is a token */
};

static bool word_byte(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	       c == '_' || c == '$' || c >= 0x80;
}

static bool space_byte(unsigned char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f';
}

/* Skip whitespace and ordinary comments.  False: a comment does not end. */
static bool skip_blank(struct lexer *lx)
{
	for (;;) {
		while (lx->p < lx->end && space_byte((unsigned char)*lx->p))
			lx->p++;
		size_t left = (size_t)(lx->end - lx->p);
		if (left && *lx->p == '#') {
			const char *nl = memchr(lx->p, '\n', left);
			lx->p = nl ? nl + 1 : lx->end;
		} else if (left >= 2 && lx->p[0] == '-' && lx->p[1] == '-' &&
		           (left == 2 || space_byte((unsigned char)lx->p[2]) ||
		            (unsigned char)lx->p[2] < 32)) {
			const char *nl = memchr(lx->p, '\n', left);
			lx->p = nl ? nl + 1 : lx->end;
		} else if (left >= 2 && lx->p[0] == '/' && lx->p[1] == '*' &&
		           !(left >= 3 && lx->p[2] == '!') &&
		           !(left >= 4 && lx->p[2] == 'M' && lx->p[3] == '!')) {
			const char *q = lx->p + 2;
			while (q + 1 < lx->end && !(q[0] == '*' && q[1] == '/'))
				q++;
			if (q + 1 >= lx->end)
				return false;
			lx->p = q + 2;
		} else {
			return true;
		}
	}
}

/* The quoted token starting at lx->p (quote q); TOK_BAD when it does not
 * end.  Strings take backslash escapes; every kind takes a doubled quote. */
static enum tok_kind quoted(struct lexer *lx, char q)
{
	const char *s = lx->p + 1;
	while (s < lx->end) {
		if (*s == '\\' && q != '`' && s + 1 < lx->end) {
			s += 2;
		} else if (*s == q) {
			if (s + 1 < lx->end && s[1] == q) {
				s += 2;
			} else {
				lx->p = s + 1;
				return q == '`' ? TOK_NAME : TOK_STRING;
			}
		} else {
			s++;
		}
	}
	return TOK_BAD;
}

static struct tok next_tok(struct lexer *lx)
{
	struct tok t = {TOK_END, lx->p, 0};
	if (!skip_blank(lx)) {
		t.kind = TOK_BAD;
		return t;
	}
	t.p = lx->p;
	if (lx->p >= lx->end)
		return t;
	size_t left = (size_t)(lx->end - lx->p);
	unsigned char c = (unsigned char)*lx->p;
	if (left >= 3 && c == '/' && lx->p[1] == '*' && (lx->p[2] == '!' || lx->p[2] == 'M')) {
		/* An executable comment: slash-star-bang (or -M-bang) and version digits. */
		lx->p += lx->p[2] == 'M' ? 4 : 3;
		while (lx->p < lx->end && *lx->p >= '0' && *lx->p <= '9')
			lx->p++;
		lx->in_exec = true;
		t.kind = TOK_EXEC;
	} else if (left >= 2 && c == '*' && lx->p[1] == '/' && lx->in_exec) {
		lx->p += 2;
		lx->in_exec = false;
		t.kind = TOK_EXEC;
	} else if (c == '\'' || c == '"' || c == '`') {
		t.kind = quoted(lx, (char)c);
	} else if (word_byte(c)) {
		while (lx->p < lx->end && word_byte((unsigned char)*lx->p))
			lx->p++;
		t.kind = TOK_WORD;
	} else {
		lx->p++;
		t.kind = TOK_PUNCT;
	}
	t.len = (size_t)(lx->p - t.p);
	return t;
}

static bool is_word(const struct tok *t, const char *w)
{
	return t->kind == TOK_WORD && strlen(w) == t->len && !strncasecmp(t->p, w, t->len);
}

static bool is_punct(const struct tok *t, char c)
{
	return t->kind == TOK_PUNCT && *t->p == c;
}

/* --- read-only queries ------------------------------------------------------ */

static int refuse(char *why, size_t cap, const char *fmt, const struct tok *t)
{
	if (cap)
		snprintf(why, cap, fmt, (int)(t ? t->len : 0), t ? t->p : "");
	return -1;
}

int sl_sql_check_select(const char *sql, size_t len, char *why, size_t cap)
{
	struct lexer lx = {sql, sql + len, false};
	struct tok prev = {TOK_END, sql, 0};
	struct tok t = next_tok(&lx);
	if (t.kind == TOK_END)
		return refuse(why, cap, "an empty query%.*s", NULL);
	while (is_punct(&t, '('))
		t = next_tok(&lx);
	if (!is_word(&t, "SELECT") && !is_word(&t, "WITH") && !is_word(&t, "VALUES"))
		return refuse(why, cap, "only SELECT queries may run here, not '%.*s'", &t);
	for (; t.kind != TOK_END; prev = t, t = next_tok(&lx)) {
		static const char *const banned[] = {
		    "INTO",         "NEXTVAL",           "SETVAL",       "GET_LOCK",
		    "RELEASE_LOCK", "RELEASE_ALL_LOCKS", "IS_USED_LOCK", NULL};
		if (t.kind == TOK_BAD)
			return refuse(why, cap, "a string, name or comment that does not end%.*s",
			              NULL);
		if (t.kind == TOK_EXEC)
			return refuse(why, cap, "executable comments are not allowed here%.*s",
			              NULL);
		if (is_punct(&t, ';')) {
			struct tok rest = next_tok(&lx);
			if (rest.kind == TOK_END)
				break;
			return refuse(why, cap, "one statement only%.*s", NULL);
		}
		for (size_t i = 0; banned[i]; i++)
			if (is_word(&t, banned[i]))
				return refuse(why, cap,
				              "'%.*s' is not allowed in a read-only query", &t);
		if ((is_word(&prev, "FOR") && (is_word(&t, "UPDATE") || is_word(&t, "SHARE"))) ||
		    (is_word(&prev, "LOCK") && is_word(&t, "IN")))
			return refuse(why, cap, "locking reads are not allowed here%.*s", NULL);
		if (is_word(&prev, "NEXT") && is_word(&t, "VALUE"))
			return refuse(why, cap, "NEXT VALUE changes a sequence%.*s", NULL);
	}
	return 0;
}

/* --- table references ------------------------------------------------------- */

/* Decode a name token into out[0..cap): a bare word as it is, a quoted one
 * without its quotes.  False when it does not fit. */
static bool decode_name(const struct tok *t, char *out, size_t cap)
{
	size_t n = 0;
	if (t->kind == TOK_WORD) {
		if (t->len >= cap)
			return false;
		memcpy(out, t->p, t->len);
		n = t->len;
	} else {
		for (size_t i = 1; i + 1 < t->len; i++) {
			if (t->p[i] == '`' && t->p[i + 1] == '`')
				i++;
			if (n + 1 >= cap)
				return false;
			out[n++] = t->p[i];
		}
	}
	out[n] = '\0';
	return true;
}

/* Words that end a table list or cannot be an alias. */
static bool stop_word(const struct tok *t)
{
	static const char *const words[] = {
	    "WHERE",     "JOIN",      "ON",        "USING",   "LEFT",
	    "RIGHT",     "INNER",     "CROSS",     "NATURAL", "STRAIGHT_JOIN",
	    "GROUP",     "ORDER",     "LIMIT",     "HAVING",  "UNION",
	    "EXCEPT",    "INTERSECT", "SET",       "VALUES",  "VALUE",
	    "SELECT",    "WINDOW",    "FOR",       "LOCK",    "PARTITION",
	    "USE",       "FORCE",     "IGNORE",    "FULL",    "OUTER",
	    "INTO",      "FROM",      "RETURNING", "AS",      "OFFSET",
	    "PROCEDURE", "DO",        "END",       "THEN",    "ELSE",
	    "WHEN",      "WITH",      NULL};
	if (t->kind != TOK_WORD)
		return false;
	for (size_t i = 0; words[i]; i++)
		if (is_word(t, words[i]))
			return true;
	return false;
}

static bool name_tok(const struct tok *t)
{
	return t->kind == TOK_NAME || (t->kind == TOK_WORD && !stop_word(t));
}

struct refscan {
	struct lexer lx;
	struct tok look; /* the next token, read ahead */
	sl_sql_ref_fn fn;
	void *ud;
};

/* The next token, skipping executable comment markers (their content is
 * statement text). */
static struct tok advance(struct refscan *rs)
{
	struct tok t = rs->look;
	do
		rs->look = next_tok(&rs->lx);
	while (rs->look.kind == TOK_EXEC);
	return t;
}

/* Report the table name at the look-ahead, if there is one: 1 when there
 * was (fn's result in *stop), else 0.  After FROM and JOIN a name followed
 * by '(' is a function (JSON_TABLE(...)); after INTO the '(' opens the
 * column list ('columns'). */
static int one_ref(struct refscan *rs, bool columns, int *stop)
{
	/* Joins in parentheses: "from ((`a` join `b` ...)"; a derived table's
	 * '(' is followed by SELECT, no name. */
	while (!columns && is_punct(&rs->look, '('))
		advance(rs);
	if (!name_tok(&rs->look))
		return 0;
	struct tok first = advance(rs);
	if (!columns && is_punct(&rs->look, '('))
		return 0;
	char a[256], b[256];
	if (!decode_name(&first, a, sizeof(a)))
		return 0;
	if (is_punct(&rs->look, '.')) {
		advance(rs);
		if (!(rs->look.kind == TOK_NAME || rs->look.kind == TOK_WORD))
			return 0;
		struct tok second = advance(rs);
		if (!decode_name(&second, b, sizeof(b)))
			return 0;
		*stop = rs->fn(rs->ud, a, b);
	} else {
		*stop = rs->fn(rs->ud, NULL, a);
	}
	return 1;
}

int sl_sql_table_refs(const char *sql, size_t len, sl_sql_ref_fn fn, void *ud)
{
	struct refscan rs = {{sql, sql + len, false}, {TOK_END, sql, 0}, fn, ud};
	advance(&rs);
	int stop = 0;
	while (!stop && rs.look.kind != TOK_END && rs.look.kind != TOK_BAD) {
		struct tok t = advance(&rs);
		bool list = is_word(&t, "FROM") || is_word(&t, "UPDATE");
		bool into = is_word(&t, "INTO") || is_word(&t, "TABLE");
		if (!list && !into && !is_word(&t, "JOIN") && !is_word(&t, "STRAIGHT_JOIN"))
			continue;
		while (!stop && one_ref(&rs, into, &stop) == 1 && list) {
			/* [AS] alias, then a comma for another table. */
			if (is_word(&rs.look, "AS"))
				advance(&rs);
			if (name_tok(&rs.look))
				advance(&rs);
			if (!is_punct(&rs.look, ','))
				break;
			advance(&rs);
		}
	}
	return stop;
}
