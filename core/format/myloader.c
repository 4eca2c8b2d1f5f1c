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

/* A SET statement of sql_mode: the quoting modes it sets (the splitter
 * follows them as the loader follows the server's status flags). */
static void ml_follow_modes(struct sl_sqlsplit *sp, const char *p, size_t n)
{
	const char *hit = NULL;
	for (size_t i = 0; i + 8 <= n && !hit; i++)
		if (!strncasecmp(p + i, "SQL_MODE", 8))
			hit = p + i + 8;
	if (!hit || !memchr(hit, '=', (size_t)(p + n - hit)) ||
	    (n < 3 || (strncasecmp(p, "SET", 3) != 0 && strncmp(p, "/*!", 3) != 0)))
		return;
	size_t rest = (size_t)(p + n - hit);
	sp->no_backslash_escapes = ml_mode_has(hit, rest, "NO_BACKSLASH_ESCAPES");
	sp->ansi_quotes = ml_mode_has(hit, rest, "ANSI_QUOTES") || ml_mode_has(hit, rest, "ANSI");
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

enum ml_state { ML_CODE, ML_SQ, ML_DQ, ML_IDENT, ML_LINE, ML_BLOCK };

/* Append statement p[0..n) and its ";\n", with every ';' that ends a line
 * inside it written as myloader.h says.  'nbe', 'ansi': the quoting modes
 * it is parsed with.  0 or SL_ENOMEM. */
static int ml_put_statement(struct sl_buf *out, const char *p, size_t n, bool nbe, bool ansi)
{
	enum ml_state st = ML_CODE;
	char close = 0;   /* the quote that ends the current string or identifier */
	bool esc = false; /* the byte before was an escaping backslash */
	size_t from = 0;  /* p[from..i) is still to be copied */
	int rc = 0;

	while (n > 0 && (p[n - 1] == ';' || p[n - 1] == ' ' || p[n - 1] == '\t' ||
	                 p[n - 1] == '\n' || p[n - 1] == '\r'))
		n--; /* a last statement with its own ';' (no line end after it) */
	for (size_t i = 0; i < n && !rc; i++) {
		char c = p[i];
		if (c == ';' && i + 1 < n && p[i + 1] == '\n') {
			esc = false; /* an escaped ';' is still one at a line end */
			rc = sl_buf_append(out, p + from, i + 1 - from);
			if (st == ML_SQ || st == ML_DQ) {
				if (!nbe) {
					rc = rc ? rc : sl_buf_puts(out, "\\n");
					from = i + 2;
					i++;
				} else {
					char q[4] = {close, ' ', close, '\0'};
					rc = rc ? rc : sl_buf_puts(out, q);
					from = i + 1;
				}
			} else if (st == ML_IDENT) {
				from = i + 1; /* cannot be written otherwise */
			} else {
				rc = rc ? rc : sl_buf_putc(out, ' ');
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
			} else if (c == '#' ||
			           (c == '-' && i + 2 < n && p[i + 1] == '-' &&
			            (p[i + 2] == ' ' || p[i + 2] == '\t' || p[i + 2] == '\n'))) {
				st = ML_LINE;
			} else if (c == '/' && i + 2 < n && p[i + 1] == '*' && p[i + 2] != '!' &&
			           !(p[i + 2] == 'M' && i + 3 < n && p[i + 3] == '!')) {
				st = ML_BLOCK;
				i++;
			}
			break;
		case ML_SQ:
		case ML_DQ:
			if (esc)
				esc = false;
			else if (c == '\\' && !nbe)
				esc = true;
			else if (c == close) {
				if (i + 1 < n && p[i + 1] == close)
					i++; /* a doubled quote */
				else
					st = ML_CODE;
			}
			break;
		case ML_IDENT:
			if (c == close) {
				if (i + 1 < n && p[i + 1] == close)
					i++;
				else
					st = ML_CODE;
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
	rc = rc ? rc : sl_buf_append(out, p + from, n - from);
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
