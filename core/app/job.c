/* job.c - `sluice run JOB.lua`: a job's source, sinks and options, read
 * from the script's globals.
 *
 *   source  = { type = "mariadb", host = "db1", user = "backup", databases = {"shop"} }
 *   sinks   = { out = { type = "stdout" }, test = { type = "loader", socket = "..." } }
 *   options = { threads = 4, buffer = "64M" }
 *
 * Keys are the long option names of the plugin (or of the run), with '_'
 * allowed for '-'; values are strings, numbers, booleans or arrays (lists).
 * An unknown key is an error, as on the command line.  Sinks are added in
 * name order, so routes and logs are stable. */
#include "app/job.h"

#include <lauxlib.h>
#include <lua.h>
#include <stdlib.h>
#include <string.h>

#include "base/alloc.h"
#include "base/buf.h"
#include "registry.h"
#include "script/script.h"

/* Value at the top of the stack as an option string (lists joined with
 * commas).  0, or SL_EUSAGE for a value of another type. */
static int option_value(lua_State *L, struct sl_buf *out)
{
	switch (lua_type(L, -1)) {
	case LUA_TSTRING:
	case LUA_TNUMBER:
		return sl_buf_puts(out, lua_tostring(L, -1)) ? SL_ENOMEM : 0;
	case LUA_TBOOLEAN:
		return sl_buf_puts(out, lua_toboolean(L, -1) ? "true" : "false") ? SL_ENOMEM : 0;
	case LUA_TTABLE: {
		/* A list is a plain array: a table with a metatable could say
		 * anything through it. */
		if (lua_getmetatable(L, -1)) {
			lua_pop(L, 1);
			return SL_EUSAGE;
		}
		lua_Integer n = (lua_Integer)lua_rawlen(L, -1);
		for (lua_Integer i = 1; i <= n; i++) {
			lua_rawgeti(L, -1, i);
			int rc = lua_type(L, -1) == LUA_TSTRING || lua_type(L, -1) == LUA_TNUMBER
			             ? 0
			             : SL_EUSAGE;
			if (!rc && ((i > 1 && sl_buf_putc(out, ',')) ||
			            sl_buf_puts(out, lua_tostring(L, -1))))
				rc = SL_ENOMEM;
			lua_pop(L, 1);
			if (rc)
				return rc;
		}
		return 0;
	}
	default:
		return SL_EUSAGE;
	}
}

/* Apply the table at the top of the stack (but its 'type') to 'config';
 * 'no_conn' refuses connection options. */
static int apply_table(lua_State *L, const char *what, const struct sl_option *opts, void *config,
                       bool no_conn, struct sl_error *err)
{
	int rc = 0;
	lua_pushnil(L);
	while (!rc && lua_next(L, -2)) {
		if (lua_type(L, -2) != LUA_TSTRING) {
			rc = sl_error_set(err, SL_EUSAGE, "%s: option names must be strings", what);
		} else if (strcmp(lua_tostring(L, -2), "type") != 0) {
			struct sl_buf key = SL_BUF_INIT, val = SL_BUF_INIT;
			if (sl_buf_puts(&key, lua_tostring(L, -2))) {
				rc = sl_error_set(err, SL_ENOMEM, "out of memory");
			} else {
				for (char *c = key.data; *c; c++)
					if (*c == '_')
						*c = '-';
				const struct sl_option *o = sl_options_find(opts, key.data, 0);
				rc = option_value(L, &val);
				if (!rc && no_conn && o && (o->flags & SL_OPTF_CONN))
					rc = sl_error_set(
					    err, SL_EUSAGE,
					    "%s: '%s' is a connection option; the server's "
					    "connection is set on the command line",
					    what, key.data);
				else if (rc == SL_EUSAGE)
					sl_error_set(err, rc,
					             "%s: option '%s' takes a string, number, "
					             "boolean or a plain array (no metatable)",
					             what, key.data);
				else if (rc && rc != SL_EUSAGE)
					sl_error_set(err, rc, "out of memory");
				else if (!rc)
					rc = sl_options_set(opts, config, key.data,
					                    val.data ? val.data : "", err);
			}
			sl_buf_free(&key);
			sl_buf_free(&val);
		}
		lua_pop(L, 1);
	}
	if (rc)
		lua_pop(L, 1); /* the key lua_next left */
	return rc;
}

/* A part (source or sink) from the table at the top of the stack. */
static int load_part(lua_State *L, enum sl_plugin_kind kind, const char *name,
                     struct sl_job_part *part, struct sl_error *err)
{
	const char *what = kind == SL_PLUGIN_SOURCE ? "source" : "sink";
	if (!lua_istable(L, -1))
		return sl_error_set(err, SL_EUSAGE, "job: %s%s%s must be a table", what,
		                    name ? " " : "", name ? name : "");
	lua_pushliteral(L, "type");
	lua_rawget(L, -2);
	const char *type = lua_type(L, -1) == LUA_TSTRING ? lua_tostring(L, -1) : NULL;
	const char *preset = NULL;
	const struct sl_plugin *plugin = type ? sl_registry_find(kind, type, &preset) : NULL;
	lua_pop(L, 1);
	if (!plugin)
		return sl_error_set(err, SL_EUSAGE, "job: %s%s%s: %s type '%s'", what,
		                    name ? " " : "", name ? name : "", type ? "unknown" : "missing",
		                    type ? type : "(type = ...)");
	part->plugin = plugin;
	part->config = sl_calloc(1, plugin->config_size);
	part->name = name ? sl_strdup(name) : NULL;
	if (!part->config || (name && !part->name))
		return sl_error_set(err, SL_ENOMEM, "out of memory");
	int rc = sl_options_defaults(plugin->options, part->config, err);
	if (!rc && preset) {
		/* "tar" is the files sink with container=tar. */
		char key[64];
		const char *eq = strchr(preset, '=');
		snprintf(key, sizeof(key), "%.*s", (int)(eq - preset), preset);
		rc = sl_options_set(plugin->options, part->config, key, eq + 1, err);
	}
	if (rc)
		return rc;
	char label[160];
	snprintf(label, sizeof(label), "job: %s%s%s", what, name ? " " : "", name ? name : "");
	return apply_table(L, label, plugin->options, part->config, false, err);
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static int load_sinks(lua_State *L, struct sl_job *job, struct sl_error *err)
{
	char *names[SL_JOB_MAX_SINKS];
	size_t n = 0;
	int rc = 0;
	if (sl_script_get_global(L, "sinks") != LUA_TTABLE) {
		lua_pop(L, 1);
		return sl_error_set(err, SL_EUSAGE,
		                    "job: no sinks (sinks = { name = { type = \"stdout\" } })");
	}
	lua_pushnil(L);
	while (lua_next(L, -2)) {
		lua_pop(L, 1);
		if (lua_type(L, -1) != LUA_TSTRING || n == SL_JOB_MAX_SINKS) {
			lua_pop(L, 1);
			rc = sl_error_set(err, SL_EUSAGE, "job: sinks must be named (at most %d)",
			                  SL_JOB_MAX_SINKS);
			break;
		}
		if (!(names[n] = sl_strdup(lua_tostring(L, -1)))) {
			lua_pop(L, 1);
			rc = sl_error_set(err, SL_ENOMEM, "out of memory");
			break;
		}
		n++;
	}
	qsort(names, n, sizeof(*names), cmp_str);
	for (size_t i = 0; i < n && !rc; i++) {
		lua_pushstring(L, names[i]);
		lua_rawget(L, -2);
		rc = load_part(L, SL_PLUGIN_SINK, names[i], &job->sinks[job->nsinks++], err);
		lua_pop(L, 1);
	}
	if (!rc && n == 0)
		rc = sl_error_set(err, SL_EUSAGE, "job: sinks is empty");
	for (size_t i = 0; i < n; i++)
		sl_free(names[i]);
	lua_pop(L, 1);
	return rc;
}

/* What reading a job works on, inside one protected call. */
struct job_read {
	const struct sl_option *run_options;
	void *run_config;
	struct sl_job *job;
	struct sl_error *err;
};

static int job_body(lua_State *L, void *ud)
{
	struct job_read *jr = ud;
	int rc;
	if (sl_script_get_global(L, "source") == LUA_TNIL)
		rc = sl_error_set(jr->err, SL_EUSAGE,
		                  "job: no source (source = { type = \"mariadb\", ... })");
	else
		rc = load_part(L, SL_PLUGIN_SOURCE, NULL, &jr->job->source, jr->err);
	lua_pop(L, 1);
	if (!rc)
		rc = load_sinks(L, jr->job, jr->err);
	if (!rc && sl_script_get_global(L, "options") != LUA_TNIL) {
		if (!lua_istable(L, -1))
			rc = sl_error_set(jr->err, SL_EUSAGE, "job: options must be a table");
		else
			rc = apply_table(L, "job: options", jr->run_options, jr->run_config, false,
			                 jr->err);
	}
	return rc;
}

int sl_job_load(const char *path, const struct sl_script_opts *lim,
                const struct sl_option *run_options, void *run_config, struct sl_job *job,
                struct sl_error *err)
{
	struct sl_script *s = NULL;
	memset(job, 0, sizeof(*job));
	int rc = sl_script_open(&s, path, lim, NULL, err);
	if (rc)
		return rc;
	struct job_read jr = {run_options, run_config, job, err};
	rc = sl_script_invoke(s, "reading the job", NULL, job_body, &jr, err);
	sl_script_close(s);
	return rc;
}

static void part_free(struct sl_job_part *part)
{
	if (part->config) {
		sl_options_free(part->plugin->options, part->config);
		sl_free(part->config);
	}
	sl_free(part->name);
	memset(part, 0, sizeof(*part));
}

void sl_job_free(struct sl_job *job)
{
	part_free(&job->source);
	for (size_t i = 0; i < job->nsinks; i++)
		part_free(&job->sinks[i]);
	job->nsinks = 0;
}

/* Check one request parameter against its declaration on top of the stack
 * (a Lua pattern, or {pattern = ..., default = ..., required = ...}). */
static int check_param(lua_State *L, const char *profile, const char *key, const char *value,
                       struct sl_error *err)
{
	if (lua_istable(L, -1)) {
		lua_pushliteral(L, "pattern");
		lua_rawget(L, -2);
	} else {
		lua_pushvalue(L, -1);
	}
	const char *pattern = lua_type(L, -1) == LUA_TSTRING ? lua_tostring(L, -1) : NULL;
	int rc = 0;
	if (pattern) {
		/* string.find as the sandbox has it (PCRE2, with limits). */
		lua_rawgeti(L, LUA_REGISTRYINDEX, LUA_RIDX_GLOBALS);
		lua_pushliteral(L, "string");
		lua_rawget(L, -2);
		lua_remove(L, -2);
		lua_pushliteral(L, "find");
		lua_rawget(L, -2);
		lua_pushstring(L, value);
		lua_pushstring(L, pattern);
		if (lua_pcall(L, 2, 1, 0) != LUA_OK)
			rc = sl_error_set(err, SL_ELUA,
			                  "profile %s: parameter '%s': bad pattern: %s", profile,
			                  key, lua_tostring(L, -1));
		else if (lua_isnil(L, -1))
			rc = sl_error_set(err, SL_EUSAGE, "parameter '%s': value not allowed", key);
		lua_pop(L, 2);
	}
	lua_pop(L, 1);
	return rc;
}

/* What checking a request against a profile works on, inside one
 * protected call. */
struct profile_read {
	const char *profile;
	const struct sl_plugin *source;
	void *source_config;
	const char *const *keys, *const *values;
	size_t n;
	struct sl_strlist *params;
	struct sl_error *err;
};

static int profile_body(lua_State *L, void *ud)
{
	struct profile_read *pr = ud;
	struct sl_error *err = pr->err;
	const char *const *keys = pr->keys, *const *values = pr->values;
	size_t n = pr->n;
	int rc = 0;
	sl_script_get_global(L, "params");
	bool declared = lua_istable(L, -1);
	for (size_t i = 0; i < n && !rc; i++) {
		if (declared) {
			lua_pushstring(L, keys[i]);
			lua_rawget(L, -2);
		}
		if (!declared || lua_isnil(L, -1)) {
			if (declared)
				lua_pop(L, 1);
			rc = sl_error_set(err, SL_EUSAGE, "unknown parameter '%s'", keys[i]);
			break;
		}
		rc = check_param(L, pr->profile, keys[i], values[i], err);
		lua_pop(L, 1);
		if (!rc) {
			struct sl_buf kv = SL_BUF_INIT;
			if (sl_buf_printf(&kv, "%s=%s", keys[i], values[i]) ||
			    sl_strlist_add(pr->params, kv.data))
				rc = sl_error_set(err, SL_ENOMEM, "out of memory");
			sl_buf_free(&kv);
		}
	}
	/* Defaults and required parameters. */
	if (!rc && declared) {
		lua_pushnil(L);
		while (!rc && lua_next(L, -2)) {
			const char *key =
			    lua_type(L, -2) == LUA_TSTRING ? lua_tostring(L, -2) : NULL;
			bool given = false;
			for (size_t i = 0; key && i < n; i++)
				given = given || !strcmp(keys[i], key);
			if (key && !given && lua_istable(L, -1)) {
				lua_pushliteral(L, "default");
				lua_rawget(L, -2);
				lua_pushliteral(L, "required");
				lua_rawget(L, -3);
				if (lua_type(L, -2) == LUA_TSTRING ||
				    lua_type(L, -2) == LUA_TNUMBER) {
					struct sl_buf kv = SL_BUF_INIT;
					if (sl_buf_printf(&kv, "%s=%s", key, lua_tostring(L, -2)) ||
					    sl_strlist_add(pr->params, kv.data))
						rc = sl_error_set(err, SL_ENOMEM, "out of memory");
					sl_buf_free(&kv);
				} else if (lua_toboolean(L, -1)) {
					rc = sl_error_set(err, SL_EUSAGE, "missing parameter '%s'",
					                  key);
				}
				lua_pop(L, 2);
			}
			lua_pop(L, 1);
		}
	}
	/* The profile's source table selects what to dump. */
	if (!rc && sl_script_get_global(L, "source") == LUA_TTABLE) {
		char label[160];
		snprintf(label, sizeof(label), "profile %s: source", pr->profile);
		rc = apply_table(L, label, pr->source->options, pr->source_config, true, err);
		if (rc == SL_EUSAGE)
			rc = SL_ELUA; /* the profile is wrong, not the request */
	}
	return rc;
}

int sl_profile_prepare(const char *path, const char *profile, const struct sl_script_opts *opts,
                       const struct sl_plugin *source, void *source_config, const char *const *keys,
                       const char *const *values, size_t n, struct sl_strlist *params,
                       struct sl_error *err)
{
	struct sl_script *s = NULL;
	struct sl_script_opts check = *opts;
	check.params = NULL;
	check.any_param = true; /* the profile's top level may read sluice.params */
	int rc = sl_script_open(&s, path, &check, NULL, err);
	if (rc)
		return rc == SL_EUSAGE ? SL_ELUA : rc; /* a broken profile is the server's fault */
	struct profile_read pr = {profile, source, source_config, keys, values, n, params, err};
	rc = sl_script_invoke(s, "checking the request", NULL, profile_body, &pr, err);
	sl_script_close(s);
	return rc;
}
