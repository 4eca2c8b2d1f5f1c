/* myloader.c - object files in the form myloader 0.10 replays
 * (myloader.h).
 *
 * The file is split into statements by format/sqlsplit.c with the object
 * files' convention (a ';' at a line's end, or what DELIMITER lines set),
 * following the quoting modes each SET ... SQL_MODE statement names; each
 * statement is then copied with a small lexer that knows where it is
 * (code, string, quoted identifier, comment), so a ';' at a line's end can
 * be written in the way that keeps its meaning there, and ends in ";\n". */
#include "format/myloader.h"

#include <stdbool.h>
#include <string.h>
#include <strings.h>

#include "format/sqlsplit.h"

/* Does the sql_mode text hold 'mode' as a whole word (ANSI in
 * 'REAL_AS_FLOAT,ANSI', not in 'ANSI_QUOTES')? */
static bool ml_mode_has(const char *p, size_t n, const char *mode)
{
	size_t m = strlen(mode);
	for (size_t i = 0; i + m <= n; i++) {
		if (strncasecmp(p + i, mode, m) != 0)
			continue;
		char before = i ? p[i - 1] : ',', after = i + m < n ? p[i + m] : ',';
		bool wb = !((before | 0x20) >= 'a' && (before | 0x20) <= 'z') && before != '_';
		bool wa = !((after | 0x20) >= 'a' && (after | 0x20) <= 'z') && after != '_';
		if (wb && wa)
			return true;
	}
	return false;
}

/* Skip blanks, then the word 'w' (any case) and the blanks after it, from
 * p[*i]: true when it was there. */
static bool ml_word(const char *p, size_t n, size_t *i, const char *w)
{
	size_t k = *i, m = strlen(w);
	while (k < n && (p[k] == ' ' || p[k] == '\t' || p[k] == '\n' || p[k] == '\r'))
		k++;
	if (n - k < m || strncasecmp(p + k, w, m) != 0)
		return false;
	k += m;
	while (k < n && (p[k] == ' ' || p[k] == '\t' || p[k] == '\n' || p[k] == '\r'))
		k++;
	*i = k;
	return true;
}

/* A statement that sets the session's sql_mode ("SET [SESSION] SQL_MODE =
 * ...", maybe in a versioned comment, as dumpers write it) sets the
 * quoting modes of the statements after it: the splitter follows them as
 * the loader follows the server's status flags. */
static void ml_follow_modes(struct sl_sqlsplit *sp, const char *p, size_t n)
{
	size_t i = 0;
	if (n >= 3 && !strncmp(p, "/*!", 3))
		for (i = 3; i < n && p[i] >= '0' && p[i] <= '9'; i++)
			;
	if (!ml_word(p, n, &i, "SET"))
		return;
	if (!ml_word(p, n, &i, "SESSION"))
		ml_word(p, n, &i, "@@SESSION.");
	if (!ml_word(p, n, &i, "SQL_MODE") || i >= n || p[i] != '=')
		return;
	/* The modes as the server reads the value: its escapes decoded under
	 * the modes this statement is parsed with (the form written escapes a
	 * line end in a string, and must read the same again).  Longer values
	 * are cut alike in every pass. */
	char v[4096];
	size_t k = 0;
	for (i++; i < n && k < sizeof(v); i++) {
		char c = p[i];
		if (c == '\\' && !sp->no_backslash_escapes && i + 1 < n) {
			c = p[++i];
			c = c == 'n'   ? '\n'
			    : c == 't' ? '\t'
			    : c == 'r' ? '\r'
			    : c == '0' ? '\0'
			    : c == 'Z' ? '\032'
			    : c == 'b' ? '\b'
			               : c;
		}
		v[k++] = c;
	}
	sp->no_backslash_escapes = ml_mode_has(v, k, "NO_BACKSLASH_ESCAPES");
	sp->ansi_quotes = ml_mode_has(v, k, "ANSI_QUOTES") || ml_mode_has(v, k, "ANSI");
}

/* Does the statement create something (a view's CREATE, maybe in a
 * versioned comment)? */
static bool ml_is_create(const char *p, size_t n)
{
	if (n >= 3 && !strncmp(p, "/*", 2)) {
		size_t i = 2;
		while (i < n &&
		       (p[i] == '!' || p[i] == 'M' || (p[i] >= '0' && p[i] <= '9') || p[i] == ' '))
			i++;
		p += i;
		n -= i;
	}
	return n >= 6 && !strncasecmp(p, "CREATE", 6);
}

/* Whitespace as the client (and format/sqlsplit.c) sees it. */
static bool ml_space(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f';
}

enum ml_state { ML_CODE, ML_SQ, ML_DQ, ML_IDENT, ML_LINE, ML_BLOCK };

/* Walk statement p[0..n) with the quoting modes it is parsed with ('nbe',
 * 'ansi').  With 'out', append it with every ';' that ends a line inside it
 * written as myloader.h says.  Returns the end of its last token that is
 * neither a comment, nor blank, nor ';' (what a statement ends with once
 * its own ';' and what trails it are left out), or 0 with *rc (OUT)
 * SL_EFORMAT when it ends inside a comment, SL_ENOMEM with 'out' and no
 * memory. */
static size_t ml_lex(const char *p, size_t n, bool nbe, bool ansi, struct sl_buf *out, int *rc)
{
	enum ml_state st = ML_CODE;
	char close = 0;   /* the quote that ends the current string or identifier */
	bool esc = false; /* the byte before was an escaping backslash */
	size_t from = 0;  /* out: p[from..i) is still to be copied */
	size_t end = 0;   /* past the last significant token */

	*rc = 0;
	for (size_t i = 0; i < n && !*rc; i++) {
		char c = p[i];
		if (out && c == ';' && i + 1 < n && p[i + 1] == '\n') {
			esc = false; /* an escaped ';' is still one at a line end */
			*rc = sl_buf_append(out, p + from, i + 1 - from);
			if (st == ML_SQ || st == ML_DQ) {
				if (!nbe) {
					*rc = *rc ? *rc : sl_buf_puts(out, "\\n");
					from = i + 2;
					i++;
				} else {
					char q[4] = {close, ' ', close, '\0'};
					*rc = *rc ? *rc : sl_buf_puts(out, q);
					from = i + 1;
				}
			} else if (st == ML_IDENT) {
				from = i + 1; /* cannot be written otherwise */
			} else {
				*rc = *rc ? *rc : sl_buf_putc(out, ' ');
				from = i + 1;
			}
			continue;
		}
		switch (st) {
		case ML_CODE:
			if (c == '\'' || c == '"' || c == '`') {
				st = c == '`' || (c == '"' && ansi) ? ML_IDENT
				     : c == '\''                    ? ML_SQ
				                                    : ML_DQ;
				close = c;
			} else if (c == '#' || (c == '-' && i + 2 < n && p[i + 1] == '-' &&
			                        ml_space(p[i + 2]))) {
				/* "--" then a blank; at the statement's end its delimiter
				 * follows, which makes it no comment */
				st = ML_LINE;
			} else if (c == '/' && i + 1 < n && p[i + 1] == '*' &&
			           !(i + 2 < n && p[i + 2] == '!') &&
			           !(i + 3 < n && p[i + 2] == 'M' && p[i + 3] == '!')) {
				st = ML_BLOCK;
				i++;
			} else if (c != ';' && !ml_space(c)) {
				end = i + 1;
			}
			break;
		case ML_SQ:
		case ML_DQ:
			if (esc)
				esc = false;
			else if (c == '\\' && !nbe)
				esc = true;
			else if (c == close && i + 1 < n && p[i + 1] == close)
				i++; /* a doubled quote */
			else if (c == close) {
				st = ML_CODE;
				end = i + 1;
			}
			break;
		case ML_IDENT:
			if (c == close && i + 1 < n && p[i + 1] == close)
				i++;
			else if (c == close) {
				st = ML_CODE;
				end = i + 1;
			}
			break;
		case ML_LINE:
			if (c == '\n')
				st = ML_CODE;
			break;
		case ML_BLOCK:
			if (c == '*' && i + 1 < n && p[i + 1] == '/') {
				st = ML_CODE;
				i++;
			}
			break;
		}
	}
	if (out && !*rc)
		*rc = sl_buf_append(out, p + from, n - from);
	/* The splitter saw the statement end outside quotes; should a string
	 * still be open here, nothing is cut off. */
	if (st == ML_SQ || st == ML_DQ || st == ML_IDENT)
		end = n;
	/* A delimiter that begins with '!' or "M!" ends a statement right after
	 * the slash and star that open a versioned comment (as the mariadb
	 * client splits it), which leaves a comment open: the server refuses
	 * that statement, and written with its ";\n" the comment would take in
	 * the statements after it. */
	if (!*rc && st == ML_BLOCK)
		*rc = SL_EFORMAT;
	return *rc ? 0 : end;
}

/* Append statement p[0..n) in myloader's form, ending in ";\n", without
 * what trails its last token (a ';' of its own when no line end followed
 * it, comments).  Nothing for a statement of nothing but those.  0,
 * SL_EFORMAT (it ends inside a comment) or SL_ENOMEM. */
static int ml_put_statement(struct sl_buf *out, const char *p, size_t n, bool nbe, bool ansi)
{
	int rc;
	size_t end = ml_lex(p, n, nbe, ansi, NULL, &rc);
	if (end == 0)
		return rc;
	ml_lex(p, end, nbe, ansi, out, &rc);
	return rc ? rc : sl_buf_puts(out, ";\n");
}

int sl_myloader_objects(struct sl_buf *out, const char *name, const char *body, size_t len,
                        const char *view, struct sl_error *err)
{
	struct sl_sqlsplit sp;
	const char *stmt;
	size_t n;
	int more = 0, rc = 0;
	bool dropped = view == NULL;

	sl_sqlsplit_init(&sp, name, body, len);
	sl_sqlsplit_set_delimiter(&sp, SL_SQLSPLIT_LINE_END, strlen(SL_SQLSPLIT_LINE_END));
	while (!rc && (more = sl_sqlsplit_next(&sp, &stmt, &n, err)) == 1) {
		if (!dropped && ml_is_create(stmt, n)) {
			/* myloader made a placeholder table of the view's name. */
			rc = sl_buf_puts(out, "DROP TABLE IF EXISTS ");
			rc = rc ? rc : sl_buf_put_ident(out, view);
			rc = rc ? rc : sl_buf_puts(out, ";\nDROP VIEW IF EXISTS ");
			rc = rc ? rc : sl_buf_put_ident(out, view);
			rc = rc ? rc : sl_buf_puts(out, ";\n");
			dropped = true;
		}
		rc = rc ? rc
		        : ml_put_statement(out, stmt, n, sp.no_backslash_escapes, sp.ansi_quotes);
		ml_follow_modes(&sp, stmt, n);
	}
	if (rc == SL_EFORMAT)
		return sl_error_set(
		    err, rc, "%s: byte %zu: the statement that begins there ends inside a comment",
		    name, (size_t)(stmt - body));
	if (rc)
		return sl_error_set(err, rc, "%s: out of memory", name);
	return more < 0 ? more : 0;
}

int sl_myloader_placeholder(struct sl_buf *out, const struct sl_table *t, const char *name)
{
	int rc = sl_buf_puts(out, "/*!40101 SET NAMES utf8mb4*/;\nCREATE TABLE ");
	rc = rc ? rc : sl_buf_put_ident(out, name);
	rc = rc ? rc : sl_buf_puts(out, "(\n");
	for (size_t i = 0; !rc && i < t->ncols; i++) {
		const struct sl_column *c = &t->cols[i];
		const char *dt = c->data_type ? c->data_type : "";
		const char *type = !strcasecmp(dt, "char") || !strcasecmp(dt, "varchar") ? "text"
		                   : !strcasecmp(dt, "binary") || !strcasecmp(dt, "varbinary")
		                       ? "blob"
		                   : c->column_type ? c->column_type
		                                    : "int";
		rc = sl_buf_put_ident(out, c->name);
		rc = rc ? rc : sl_buf_printf(out, " %s%s", type, i + 1 < t->ncols ? ",\n" : "\n");
	}
	return rc ? rc : sl_buf_puts(out, ")ENGINE=MyISAM;\n");
}
