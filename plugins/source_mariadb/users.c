/* users.c - accounts, roles and their grants (--users): mysql-users.sql.
 *
 * --users[=PATTERNS] picks accounts by user[@host] patterns with SQL LIKE
 * wildcards ('%', '_', '\' escapes); no host part means any host.  System
 * accounts (root, mariadb.sys, mysql.*, the anonymous user, and PUBLIC,
 * whose grants MariaDB 10.11+ keeps) come only when a pattern without
 * wildcards names them.  The roles a chosen account holds (directly or through other
 * roles) come along, so every GRANT of a role finds it.
 *
 * The file, written after everything else of the dump (a grant on a
 * table or routine needs it), is plain SQL for the mariadb client too:
 *
 *   CREATE ROLE IF NOT EXISTS `r`;
 *   CREATE USER IF NOT EXISTS `u`@`h` <SHOW CREATE USER: authentication
 *       plugin and hash, TLS, limits, expiry, lock>;
 *   GRANT ... TO `r`; GRANT ... TO `u`@`h`;   (SHOW GRANTS, own lines only)
 *   SET DEFAULT ROLE `r` FOR `u`@`h`;
 *
 * It creates what is missing and keeps what exists: an account already on
 * the target keeps its password, and GRANTs only add (their IDENTIFIED,
 * REQUIRE and resource clauses are left out: CREATE USER carries them).
 * Loading it twice changes nothing.  The loader's --overwrite drop
 * replaces the accounts instead (plugins/sink_loader/accounts.c).
 * MariaDB only: MySQL's roles and SHOW output differ. */
#include <ctype.h>
#include <mysqld_error.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "base/alloc.h"
#include "base/buf.h"
#include "format/fname.h"
#include "mariadb.h"

struct mdb_account {
	char *user, *host; /* host NULL: a role, or PUBLIC */
	bool role;
};

struct user_pattern {
	char *user, *host; /* host NULL: any */
	bool literal;      /* no wildcard: may name a system account */
};

struct mdb_users {
	size_t npat;
	struct user_pattern *pat;
	size_t n;
	struct mdb_account *v; /* chosen, sorted: roles first, then users */
};

static int oom(struct mdb_source *m)
{
	return sl_pipeline_fail(m->inst->pipe, SL_ENOMEM, "out of memory");
}

/* SQL LIKE: '%' any run, '_' one byte, '\' makes the next byte literal.
 * 'fold' ignores ASCII case (host names). */
static bool like(const char *p, const char *s, bool fold)
{
	const char *star_p = NULL, *star_s = NULL;
	while (*s) {
		if (*p == '%') {
			star_p = ++p;
			star_s = s;
			continue;
		}
		const char *lit = *p == '\\' && p[1] ? p + 1 : p;
		bool same =
		    fold ? tolower((unsigned char)*lit) == tolower((unsigned char)*s) : *lit == *s;
		if (*p && ((lit == p && *p == '_') || same)) {
			p = lit + 1;
			s++;
			continue;
		}
		if (!star_p)
			return false;
		p = star_p;
		s = ++star_s;
	}
	while (*p == '%')
		p++;
	return *p == '\0';
}

static bool has_wildcard(const char *s)
{
	for (; *s; s++) {
		if (*s == '\\' && s[1])
			s++;
		else if (*s == '%' || *s == '_')
			return true;
	}
	return false;
}

/* root, the server's own accounts, PUBLIC (MariaDB 10.11: a role row once
 * something is granted to it), the anonymous user. */
static bool system_account(const char *user)
{
	static const char *const names[] = {
	    "root", "mariadb.sys", "mysql.sys", "mysql.session", "mysql.infoschema", "", NULL};
	for (const char *const *n = names; *n; n++)
		if (!strcmp(user, *n))
			return true;
	return false;
}

static bool pattern_takes(const struct user_pattern *p, const char *user, const char *host)
{
	if (!like(p->user, user, false))
		return false;
	if (p->host && !like(p->host, host ? host : "", true))
		return false;
	return !system_account(user) || p->literal;
}

void mdb_users_free(struct mdb_source *m)
{
	struct mdb_users *u = m->users;
	if (!u)
		return;
	for (size_t i = 0; i < u->npat; i++) {
		sl_free(u->pat[i].user);
		sl_free(u->pat[i].host);
	}
	for (size_t i = 0; i < u->n; i++) {
		sl_free(u->v[i].user);
		sl_free(u->v[i].host);
	}
	sl_free(u->pat);
	sl_free(u->v);
	sl_free(u);
	m->users = NULL;
}

int mdb_users_init(struct mdb_source *m)
{
	const char *spec = m->cfg->users;
	if (!spec)
		return 0;
	struct mdb_users *u = sl_calloc(1, sizeof(*u));
	if (!u)
		return oom(m);
	m->users = u;
	if (!strcmp(spec, SL_OPT_NO_VALUE))
		spec = "%";
	for (const char *p = spec;;) {
		const char *comma = strchr(p, ',');
		size_t n = comma ? (size_t)(comma - p) : strlen(p);
		while (n && isspace((unsigned char)*p))
			p++, n--;
		while (n && isspace((unsigned char)p[n - 1]))
			n--;
		if (n == 0)
			return sl_pipeline_fail(m->inst->pipe, SL_EUSAGE,
			                        "--users: an empty pattern in '%s' (expected "
			                        "user[@host][,...], with %% and _ wildcards)",
			                        spec);
		struct user_pattern *grown = sl_realloc(u->pat, (u->npat + 1) * sizeof(*grown));
		if (!grown)
			return oom(m);
		u->pat = grown;
		struct user_pattern *pat = &u->pat[u->npat++];
		memset(pat, 0, sizeof(*pat));
		/* user@host: the last '@' (a user name may hold one, a host not). */
		const char *at = NULL;
		for (size_t k = 0; k < n; k++)
			if (p[k] == '@')
				at = p + k;
		pat->user = sl_strndup(p, at ? (size_t)(at - p) : n);
		pat->host = at ? sl_strndup(at + 1, n - (size_t)(at - p) - 1) : NULL;
		if (!pat->user || (at && !pat->host))
			return oom(m);
		pat->literal = !has_wildcard(pat->user) && !(pat->host && has_wildcard(pat->host));
		if (!comma)
			break;
		p = comma + 1;
	}
	return 0;
}

static bool has_account(const struct mdb_users *u, const char *user, const char *host)
{
	for (size_t i = 0; i < u->n; i++)
		if (!strcmp(u->v[i].user, user) &&
		    (u->v[i].host ? host && !strcmp(u->v[i].host, host) : !host))
			return true;
	return false;
}

static int add_account(struct mdb_source *m, const char *user, const char *host, bool role)
{
	struct mdb_users *u = m->users;
	struct mdb_account *grown = sl_realloc(u->v, (u->n + 1) * sizeof(*grown));
	if (!grown)
		return oom(m);
	u->v = grown;
	struct mdb_account *a = &u->v[u->n];
	a->user = sl_strdup(user);
	a->host = host ? sl_strdup(host) : NULL;
	a->role = role;
	if (!a->user || (host && !a->host)) {
		sl_free(a->user);
		sl_free(a->host);
		return oom(m);
	}
	u->n++;
	return 0;
}

/* Add the roles the chosen accounts hold, through other roles too.  A
 * role's grantee row has the role's name as User and '' as Host. */
static int add_held_roles(struct mdb_source *m, MYSQL_RES *map, MYSQL_RES *all)
{
	struct mdb_users *u = m->users;
	for (bool grew = true; grew;) {
		grew = false;
		MYSQL_ROW r;
		mysql_data_seek(map, 0);
		while ((r = mysql_fetch_row(map))) {
			if (!r[0] || !r[1] || !r[2])
				continue;
			bool holder_role = r[1][0] == '\0';
			if (!has_account(u, r[0], holder_role ? NULL : r[1]) ||
			    has_account(u, r[2], NULL))
				continue;
			/* Only roles that exist (a dangling mapping names none). */
			MYSQL_ROW a;
			bool exists = false;
			mysql_data_seek(all, 0);
			while (!exists && (a = mysql_fetch_row(all)))
				exists = a[0] && !strcmp(a[0], r[2]) && a[2] && a[2][0] == 'Y';
			if (!exists)
				continue;
			int rc = add_account(m, r[2], NULL, true);
			if (rc)
				return rc;
			grew = true;
		}
	}
	return 0;
}

static int account_cmp(const void *a, const void *b)
{
	const struct mdb_account *x = a, *y = b;
	if (x->role != y->role)
		return x->role ? -1 : 1;
	int c = strcmp(x->user, y->user);
	return c ? c : strcmp(x->host ? x->host : "", y->host ? y->host : "");
}

int mdb_users_plan(struct mdb_source *m)
{
	struct mdb_users *u = m->users;
	if (!u)
		return 0;
	if (!m->is_mariadb || m->server_version < 100200)
		return sl_pipeline_fail(m->inst->pipe, SL_EUSAGE,
		                        "--users needs a MariaDB server, 10.2 or later (this one "
		                        "is %s)",
		                        mysql_get_server_info(m->control));
	MYSQL_RES *all = NULL, *map = NULL;
	int rc = mdb_query_result(
	    m, m->control, "SELECT User, Host, is_role FROM mysql.user ORDER BY User, Host", &all);
	rc = rc ? rc
	        : mdb_query_result(m, m->control,
	                           "SELECT User, Host, Role FROM mysql.roles_mapping", &map);
	if (rc || !all || !map)
		goto out;
	MYSQL_ROW r;
	while (!rc && (r = mysql_fetch_row(all))) {
		if (!r[0] || !r[1])
			continue;
		bool role = r[2] && r[2][0] == 'Y';
		for (size_t i = 0; i < u->npat; i++) {
			if (pattern_takes(&u->pat[i], r[0], role ? NULL : r[1])) {
				rc = add_account(m, r[0], role ? NULL : r[1], role);
				break;
			}
		}
	}
	if (!rc)
		rc = add_held_roles(m, map, all);
	if (!rc && u->n == 0)
		sl_instance_log(
		    m->inst, SL_LOG_WARN, "--users %s: no account matches",
		    m->cfg->users && strcmp(m->cfg->users, SL_OPT_NO_VALUE) ? m->cfg->users : "");
	if (!rc && u->n)
		qsort(u->v, u->n, sizeof(*u->v), account_cmp);
out:
	if (all)
		mysql_free_result(all);
	if (map)
		mysql_free_result(map);
	return rc;
}

static bool is_public(const struct mdb_account *a)
{
	return a->role && !strcmp(a->user, "PUBLIC");
}

/* `user`@`host`, `role`, or PUBLIC: as SHOW GRANTS names a grantee. */
static int put_account(struct sl_buf *b, const struct mdb_account *a)
{
	if (is_public(a))
		return sl_buf_puts(b, "PUBLIC");
	int rc = sl_buf_put_ident(b, a->user);
	if (!rc && a->host) {
		rc = sl_buf_putc(b, '@');
		rc = rc ? rc : sl_buf_put_ident(b, a->host);
	}
	return rc;
}

/* Skip a quoted token at s[i] ('`', '\'' or '"'; doubled quotes and, in
 * strings, backslashes escape).  Returns the index after it. */
static size_t skip_quoted(const char *s, size_t i, size_t n)
{
	char q = s[i++];
	while (i < n) {
		if (q != '`' && s[i] == '\\' && i + 1 < n) {
			i += 2;
			continue;
		}
		if (s[i] == q) {
			if (i + 1 < n && s[i + 1] == q) {
				i += 2;
				continue;
			}
			return i + 1;
		}
		i++;
	}
	return n;
}

static bool quote_char(char c)
{
	return c == '`' || c == '\'' || c == '"';
}

/* The word at s[i] equals 'w' (ASCII case ignored), followed by a blank or
 * the end. */
static bool word_at(const char *s, size_t i, size_t n, const char *w)
{
	size_t k = strlen(w);
	return i + k <= n && !strncasecmp(s + i, w, k) && (i + k == n || s[i + k] == ' ');
}

/* One line of SHOW GRANTS FOR 'a' into 'out' as a statement: only lines
 * that grant to 'a' itself (a role's lines include those of the roles it
 * holds), cut after the grantee, keeping WITH GRANT / ADMIN OPTION.
 * Lines of the form "GRANT USAGE ON *.* TO a" grant nothing: left out. */
static int put_grant(struct sl_buf *out, const char *line, const char *grantee)
{
	size_t n = strlen(line), i = 0, to = 0;
	if (strncmp(line, "GRANT ", 6) != 0)
		return 0;
	/* The grantee follows the first " TO " outside quotes. */
	for (i = 6; i < n && !to; i++) {
		if (quote_char(line[i]))
			i = skip_quoted(line, i, n) - 1;
		else if (line[i] == ' ' && word_at(line, i + 1, n, "TO"))
			to = i + 4;
	}
	size_t g = strlen(grantee);
	if (!to || to + g > n || memcmp(line + to, grantee, g) != 0 ||
	    (to + g < n && line[to + g] != ' '))
		return 0; /* another grantee's line */
	bool grant_option = false, admin_option = false;
	for (i = to + g; i < n; i++) {
		if (quote_char(line[i]))
			i = skip_quoted(line, i, n) - 1;
		else if (line[i] == ' ' && word_at(line, i + 1, n, "GRANT") &&
		         word_at(line, i + 7, n, "OPTION"))
			grant_option = true;
		else if (line[i] == ' ' && word_at(line, i + 1, n, "ADMIN") &&
		         word_at(line, i + 7, n, "OPTION"))
			admin_option = true;
	}
	static const char usage[] = "GRANT USAGE ON *.* TO ";
	if (!grant_option && to == sizeof(usage) - 1 && !memcmp(line, usage, to))
		return 0;
	int rc = sl_buf_append(out, line, to + g);
	if (!rc && grant_option)
		rc = sl_buf_puts(out, " WITH GRANT OPTION");
	if (!rc && admin_option)
		rc = sl_buf_puts(out, " WITH ADMIN OPTION");
	return rc ? rc : sl_buf_puts(out, ";\n");
}

/* CREATE ROLE / CREATE USER for 'a' into 'out'.  *gone (OUT): the server
 * no longer knows the account (dropped meanwhile, or a host name that
 * --skip-name-resolve leaves out of its privilege cache). */
static int put_create(struct mdb_source *m, struct sl_buf *out, const struct mdb_account *a,
                      bool *gone)
{
	struct sl_buf q = SL_BUF_INIT;
	MYSQL_RES *res = NULL;
	int rc;
	*gone = false;
	if (is_public(a))
		return 0; /* always there: grants only */
	if (a->role) {
		rc = sl_buf_puts(out, "CREATE ROLE IF NOT EXISTS ");
		rc = rc ? rc : put_account(out, a);
		rc = rc ? rc : sl_buf_puts(out, ";\n");
		return rc ? oom(m) : 0;
	}
	if (sl_buf_puts(&q, "SHOW CREATE USER ") || put_account(&q, a))
		return oom(m);
	if (mysql_real_query(m->control, q.data, q.len)) {
		if (mysql_errno(m->control) == ER_NONEXISTING_GRANT ||
		    mysql_errno(m->control) == ER_CANNOT_USER) {
			*gone = true;
			rc = 0;
		} else {
			rc = mdb_fail(m, m->control, q.data);
		}
		goto out;
	}
	res = mysql_store_result(m->control);
	MYSQL_ROW row = res ? mysql_fetch_row(res) : NULL;
	static const char create[] = "CREATE USER ";
	if (!row || !row[0] || strncmp(row[0], create, sizeof(create) - 1) != 0) {
		rc =
		    sl_pipeline_fail(m->inst->pipe, SL_EDB, "%s: no CREATE USER statement", q.data);
		goto out;
	}
	rc = sl_buf_puts(out, "CREATE USER IF NOT EXISTS ");
	rc = rc ? rc : sl_buf_puts(out, row[0] + sizeof(create) - 1);
	rc = rc ? rc : sl_buf_puts(out, ";\n");
	if (rc)
		rc = oom(m);
out:
	if (res)
		mysql_free_result(res);
	sl_buf_free(&q);
	return rc;
}

/* The grants of 'a' into 'grants'; its SET DEFAULT ROLE into 'tail'. */
static int put_grants(struct mdb_source *m, struct sl_buf *grants, struct sl_buf *tail,
                      const struct mdb_account *a)
{
	struct sl_buf q = SL_BUF_INIT, who = SL_BUF_INIT;
	MYSQL_RES *res = NULL;
	int rc = sl_buf_puts(&q, "SHOW GRANTS FOR ");
	rc = rc ? rc : put_account(&q, a);
	rc = rc ? rc : put_account(&who, a);
	if (rc) {
		rc = oom(m);
		goto out;
	}
	if ((rc = mdb_query_result(m, m->control, q.data, &res)) || !res)
		goto out;
	MYSQL_ROW row;
	static const char def[] = "SET DEFAULT ROLE ";
	while (!rc && (row = mysql_fetch_row(res))) {
		if (!row[0])
			continue;
		if (!strncmp(row[0], def, sizeof(def) - 1))
			rc = sl_buf_puts(tail, row[0]) || sl_buf_puts(tail, ";\n");
		else
			rc = put_grant(grants, row[0], who.data);
		if (rc)
			rc = oom(m);
	}
out:
	if (res)
		mysql_free_result(res);
	sl_buf_free(&q);
	sl_buf_free(&who);
	return rc;
}

int mdb_emit_users(struct mdb_source *m)
{
	struct mdb_users *u = m->users;
	if (!u || !u->n)
		return 0;
	struct sl_buf body = SL_BUF_INIT, grants = SL_BUF_INIT, tail = SL_BUF_INIT;
	size_t nusers = 0, nroles = 0;
	int rc = mdb_ddl_prologue(&body, NULL) ? oom(m) : 0;
	pthread_mutex_lock(&m->control_lock);
	for (size_t i = 0; !rc && i < u->n; i++) {
		bool gone;
		const struct mdb_account *a = &u->v[i];
		if ((rc = put_create(m, &body, a, &gone)))
			break;
		if (gone) {
			sl_instance_log(m->inst, SL_LOG_WARN,
			                "--users: account '%s'@'%s' left out: the server does not "
			                "know it (dropped meanwhile, or a host name under "
			                "--skip-name-resolve)",
			                a->user, a->host ? a->host : "");
			continue;
		}
		rc = put_grants(m, &grants, &tail, a);
		if (a->role)
			nroles++;
		else
			nusers++;
	}
	pthread_mutex_unlock(&m->control_lock);
	if (!rc && (sl_buf_append(&body, grants.data, grants.len) ||
	            sl_buf_append(&body, tail.data, tail.len)))
		rc = oom(m);
	uint64_t bound = sl_pipeline_config(m->inst->pipe)->buffer;
	if (!rc && body.len > bound)
		rc =
		    sl_pipeline_fail(m->inst->pipe, SL_EUSAGE,
		                     "--users: the accounts file would be %zu bytes, over --buffer "
		                     "(%llu bytes), which readers hold a file in: raise --buffer",
		                     body.len, (unsigned long long)bound);
	if (!rc) {
		sl_instance_log(m->inst, SL_LOG_INFO, "accounts: %zu users, %zu roles", nusers,
		                nroles);
		struct sl_batch *b =
		    sl_batch_new(SL_BATCH_FILE, SL_FILE_USERS, NULL, NULL, SL_FNAME_USERS);
		if (!b) {
			rc = oom(m);
		} else {
			b->body = body; /* the batch takes the body */
			body = (struct sl_buf)SL_BUF_INIT;
			rc = sl_pipeline_emit(m->inst->pipe, b);
		}
	}
	sl_buf_free(&body);
	sl_buf_free(&grants);
	sl_buf_free(&tail);
	return rc;
}
