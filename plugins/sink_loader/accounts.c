/* accounts.c - the accounts file of a --users dump (mysql-users.sql) under
 * --overwrite drop.
 *
 * The file itself creates what is missing and keeps what exists (CREATE
 * USER / CREATE ROLE IF NOT EXISTS, then GRANTs, which only add), so the
 * plain client and a default load never drop an account nor revoke a
 * privilege on the target.  With --overwrite drop the loader replaces the
 * accounts instead (CREATE OR REPLACE), so each comes out as in the source
 * and loses what it had on the target; except the account the loader logs
 * in as, which would lose its privileges in the middle of the load. */
#include <mysqld_error.h>
#include <string.h>

#include "base/alloc.h"
#include "base/buf.h"
#include "engine/pipeline.h"
#include "loader.h"

static const char *const creates[] = {"CREATE USER IF NOT EXISTS ", "CREATE ROLE IF NOT EXISTS ",
                                      NULL};

int loader_accounts_begin(struct loader *l)
{
	if (l->self_account)
		return 0;
	MYSQL_RES *res = NULL;
	int rc = sl_mdb_query_result(&l->conns, l->ddl, "SELECT CURRENT_USER()", &res);
	if (rc)
		return rc;
	MYSQL_ROW row = res ? mysql_fetch_row(res) : NULL;
	const char *at = row && row[0] ? strrchr(row[0], '@') : NULL;
	struct sl_buf b = SL_BUF_INIT;
	if (at) {
		/* user@host: a host holds no '@', a user name may. */
		char *user = sl_strdup(row[0]);
		if (user) {
			user[at - row[0]] = '\0';
			rc = sl_buf_put_ident(&b, user);
			rc = rc ? rc : sl_buf_putc(&b, '@');
			rc = rc ? rc : sl_buf_put_ident(&b, at + 1);
			sl_free(user);
		} else {
			rc = SL_ENOMEM;
		}
	} else {
		rc = sl_buf_puts(&b, "?"); /* matches no account */
	}
	if (res)
		mysql_free_result(res);
	if (rc) {
		sl_buf_free(&b);
		return sl_pipeline_fail(l->inst->pipe, SL_ENOMEM, "out of memory");
	}
	l->self_account = sl_buf_steal(&b, NULL);
	return 0;
}

int loader_accounts_statement(struct loader *l, const char **stmt, size_t *len, struct sl_buf *tmp)
{
	for (const char *const *c = creates; *c; c++) {
		size_t n = strlen(*c);
		if (*len < n || memcmp(*stmt, *c, n) != 0)
			continue;
		const char *account = *stmt + n;
		size_t rest = *len - n, self = strlen(l->self_account);
		if (rest >= self && !memcmp(account, l->self_account, self) &&
		    (rest == self || account[self] == ' ')) {
			sl_instance_log(l->inst, SL_LOG_WARN,
			                "%s: kept %s, the account this load logs in as "
			                "(--overwrite drop replaces the others)",
			                SL_FNAME_USERS, l->self_account);
			return 0;
		}
		/* "CREATE USER " + "OR REPLACE " + "USER ..." */
		sl_buf_reset(tmp);
		if (sl_buf_puts(tmp, "CREATE OR REPLACE ") ||
		    sl_buf_append(tmp, *stmt + 7, 5) /* USER / ROLE + space */ ||
		    sl_buf_append(tmp, account, rest))
			return SL_ENOMEM;
		*stmt = tmp->data;
		*len = tmp->len;
		return 0;
	}
	return 0;
}

void loader_accounts_failed(struct loader *l, const char *stmt, size_t len, unsigned err)
{
	/* CREATE USER carries the hash after the account: stop before it. */
	size_t show = len;
	for (size_t i = 0; i + 12 <= len; i++)
		if (!memcmp(stmt + i, " IDENTIFIED ", 12)) {
			show = i;
			break;
		}
	if (show > 300)
		show = 300;
	bool role_grant = len > 7 && !memcmp(stmt, "GRANT `", 7);
	sl_instance_log(l->inst, SL_LOG_WARN, "%s: failed: %.*s%s%s", SL_FNAME_USERS, (int)show,
	                stmt, show < len ? " ..." : "",
	                err == ER_ACCESS_DENIED_NO_PASSWORD_ERROR && role_grant
	                    ? " (only a role's admins may grant it: the role exists on the "
	                      "target and the loading account does not administer it; "
	                      "--overwrite drop replaces it)"
	                    : "");
}
