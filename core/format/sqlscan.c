/* sqlscan.c - the two checks of single SQL statements (see sqlscan.h).
 *
 * The tokens come from format/sqltok.c: ordinary comments (-- , #,
 * slash-star) skipped, and the two markers of an executable comment (its
 * opening with the version digits, and its closing) as tokens, since the
 * server runs their content. */
#include "format/sqlscan.h"

#include <stdio.h>

#include "format/sqltok.h"

#define SCAN_FLAGS (SL_SQLTOK_COMMENTS | SL_SQLTOK_EXEC_TOKEN)

/* --- read-only queries ------------------------------------------------------ */

static int refuse(char *why, size_t cap, const char *fmt, const struct sl_sqltok *t)
{
	if (cap)
		snprintf(why, cap, fmt, (int)(t ? t->len : 0), t ? t->p : "");
	return -1;
}

int sl_sql_check_select(const char *sql, size_t len, char *why, size_t cap)
{
	struct sl_sqltok_lexer lx = {sql, len, 0, SCAN_FLAGS, false};
	struct sl_sqltok prev = {SL_SQLTOK_END, sql, 0};
	struct sl_sqltok t = sl_sqltok_next(&lx);
	if (t.kind == SL_SQLTOK_END)
		return refuse(why, cap, "an empty query%.*s", NULL);
	while (sl_sqltok_punct(t, '('))
		t = sl_sqltok_next(&lx);
	if (!sl_sqltok_is(t, "SELECT") && !sl_sqltok_is(t, "WITH") && !sl_sqltok_is(t, "VALUES"))
		return refuse(why, cap, "only SELECT queries may run here, not '%.*s'", &t);
	for (; t.kind != SL_SQLTOK_END; prev = t, t = sl_sqltok_next(&lx)) {
		static const char *const banned[] = {
		    "INTO",         "NEXTVAL",           "SETVAL",       "GET_LOCK",
		    "RELEASE_LOCK", "RELEASE_ALL_LOCKS", "IS_USED_LOCK", NULL};
		if (t.kind == SL_SQLTOK_BAD)
			return refuse(why, cap, "a string, name or comment that does not end%.*s",
			              NULL);
		if (t.kind == SL_SQLTOK_EXEC)
			return refuse(why, cap, "executable comments are not allowed here%.*s",
			              NULL);
		if (sl_sqltok_punct(t, ';')) {
			struct sl_sqltok rest = sl_sqltok_next(&lx);
			if (rest.kind == SL_SQLTOK_END)
				break;
			return refuse(why, cap, "one statement only%.*s", NULL);
		}
		for (size_t i = 0; banned[i]; i++)
			if (sl_sqltok_is(t, banned[i]))
				return refuse(why, cap,
				              "'%.*s' is not allowed in a read-only query", &t);
		if ((sl_sqltok_is(prev, "FOR") &&
		     (sl_sqltok_is(t, "UPDATE") || sl_sqltok_is(t, "SHARE"))) ||
		    (sl_sqltok_is(prev, "LOCK") && sl_sqltok_is(t, "IN")))
			return refuse(why, cap, "locking reads are not allowed here%.*s", NULL);
		if (sl_sqltok_is(prev, "NEXT") && sl_sqltok_is(t, "VALUE"))
			return refuse(why, cap, "NEXT VALUE changes a sequence%.*s", NULL);
	}
	return 0;
}

/* --- table references ------------------------------------------------------- */

/* The longest name reported, decoded; a quoted one takes up to twice that
 * and its quotes. */
#define NAME_MAX_BYTES 255
#define NAME_BUF       (2 * NAME_MAX_BYTES + 6)

/* Decode a name token into out[NAME_BUF]: a bare word as it is, a quoted
 * one without its quotes.  False when it is too long. */
static bool decode_name(const struct sl_sqltok *t, char *out)
{
	return t->len < NAME_BUF && sl_sqltok_unquote(*t, out) <= NAME_MAX_BYTES;
}

/* Words that end a table list or cannot be an alias. */
static bool stop_word(const struct sl_sqltok *t)
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
	if (t->kind != SL_SQLTOK_WORD)
		return false;
	for (size_t i = 0; words[i]; i++)
		if (sl_sqltok_is(*t, words[i]))
			return true;
	return false;
}

static bool name_tok(const struct sl_sqltok *t)
{
	return t->kind == SL_SQLTOK_NAME || (t->kind == SL_SQLTOK_WORD && !stop_word(t));
}

struct refscan {
	struct sl_sqltok_lexer lx;
	struct sl_sqltok look; /* the next token, read ahead */
	sl_sql_ref_fn fn;
	void *ud;
};

/* The next token, skipping executable comment markers (their content is
 * statement text). */
static struct sl_sqltok advance(struct refscan *rs)
{
	struct sl_sqltok t = rs->look;
	do
		rs->look = sl_sqltok_next(&rs->lx);
	while (rs->look.kind == SL_SQLTOK_EXEC);
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
	while (!columns && sl_sqltok_punct(rs->look, '('))
		advance(rs);
	if (!name_tok(&rs->look))
		return 0;
	struct sl_sqltok first = advance(rs);
	if (!columns && sl_sqltok_punct(rs->look, '('))
		return 0;
	char a[NAME_BUF], b[NAME_BUF];
	if (!decode_name(&first, a))
		return 0;
	if (sl_sqltok_punct(rs->look, '.')) {
		advance(rs);
		if (!(rs->look.kind == SL_SQLTOK_NAME || rs->look.kind == SL_SQLTOK_WORD))
			return 0;
		struct sl_sqltok second = advance(rs);
		if (!decode_name(&second, b))
			return 0;
		*stop = rs->fn(rs->ud, a, b);
	} else {
		*stop = rs->fn(rs->ud, NULL, a);
	}
	return 1;
}

int sl_sql_table_refs(const char *sql, size_t len, sl_sql_ref_fn fn, void *ud)
{
	struct refscan rs = {{sql, len, 0, SCAN_FLAGS, false}, {SL_SQLTOK_END, sql, 0}, fn, ud};
	advance(&rs);
	int stop = 0;
	while (!stop && rs.look.kind != SL_SQLTOK_END && rs.look.kind != SL_SQLTOK_BAD) {
		struct sl_sqltok t = advance(&rs);
		bool list = sl_sqltok_is(t, "FROM") || sl_sqltok_is(t, "UPDATE");
		bool into = sl_sqltok_is(t, "INTO") || sl_sqltok_is(t, "TABLE");
		if (!list && !into && !sl_sqltok_is(t, "JOIN") && !sl_sqltok_is(t, "STRAIGHT_JOIN"))
			continue;
		while (!stop && one_ref(&rs, into, &stop) == 1 && list) {
			/* [AS] alias, then a comma for another table. */
			if (sl_sqltok_is(rs.look, "AS"))
				advance(&rs);
			if (name_tok(&rs.look))
				advance(&rs);
			if (!sl_sqltok_punct(rs.look, ','))
				break;
			advance(&rs);
		}
	}
	return stop;
}
