/* script.c - a sandboxed Lua state: libraries, limits, require() and calls.
 *
 * The sandbox follows linit.c's advice (copy it and edit): only base,
 * table, string, math and utf8 are opened, then the base functions that
 * reach files or bytecode are removed or replaced, setmetatable refuses
 * finalizers (hooks do not run in them) and table.move counts against the
 * budget.  Memory is capped by a counting allocator, work by a count hook
 * that charges every SL_SCRIPT_HOOK_EVERY instructions against the call's
 * budget and checks its deadline and the owner's stop flag.  A limit hit
 * raises an ordinary error, and then again at every instruction until the
 * call ends, so no pcall in the script can swallow it: a runaway script
 * ends the run with a message instead of a hang or an OOM kill. */
#include "script/script.h"

#include <errno.h>
#include <lauxlib.h>
#include <lua.h>
#include <lualib.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "base/alloc.h"
#include "base/buf.h"
#include "base/log.h"
#include "base/option.h"
#include "format/rowset.h"
#include "format/table.h"

#define SL_SCRIPT_HOOK_EVERY 1000

#ifndef SL_SCRIPTS_DIR
#define SL_SCRIPTS_DIR "/usr/local/share/sluice/scripts"
#endif

static struct sl_script *script_of(lua_State *L)
{
	return *(struct sl_script **)lua_getextraspace(L);
}

/* lua_Alloc with a cap.  'osize' is a type tag, not a size, when ptr is
 * NULL (lua_Alloc's contract). */
static void *script_alloc(void *ud, void *ptr, size_t osize, size_t nsize)
{
	struct sl_script *s = ud;
	size_t old = ptr ? osize : 0;
	if (nsize == 0) {
		sl_free(ptr);
		s->used -= old;
		return NULL;
	}
	if (nsize > old && s->used + (nsize - old) > s->limit) {
		s->over_memory = true;
		return NULL;
	}
	void *np = sl_realloc(ptr, nsize);
	if (!np)
		return NULL;
	s->used = s->used - old + nsize;
	return np;
}

/* A limit was hit: raise 'msg' now and, with the hook at every
 * instruction, again wherever the script goes (a pcall catching it only
 * lands in more code that raises it again). */
static void blow(lua_State *L, struct sl_script *s, const char *msg)
{
	if (!s->blown) {
		s->blown = true;
		snprintf(s->blown_msg, sizeof(s->blown_msg), "%s", msg);
		lua_sethook(L, lua_gethook(L), LUA_MASKCOUNT, 1);
	}
	luaL_where(L, 0);
	lua_pushstring(L, s->blown_msg);
	lua_concat(L, 2);
	lua_error(L);
}

void sl_script_raise_limit(lua_State *L, const char *msg)
{
	blow(L, script_of(L), msg);
	abort(); /* not reached: blow() raises */
}

static bool past(const struct timespec *deadline)
{
	struct timespec now;
	clock_gettime(CLOCK_MONOTONIC, &now);
	return now.tv_sec > deadline->tv_sec ||
	       (now.tv_sec == deadline->tv_sec && now.tv_nsec >= deadline->tv_nsec);
}

static void budget_blown(lua_State *L, struct sl_script *s)
{
	char msg[160];
	snprintf(msg, sizeof(msg), "instruction budget of %llu exceeded (see --script-budget)",
	         (unsigned long long)s->budget);
	blow(L, s, msg);
}

static void time_blown(lua_State *L, struct sl_script *s)
{
	char msg[160];
	snprintf(msg, sizeof(msg), "timed out after %.3g s (see --script-timeout)",
	         (double)s->timeout_ms / 1000.0);
	blow(L, s, msg);
}

uint64_t sl_script_time_left(lua_State *L)
{
	struct sl_script *s = script_of(L);
	if (!s->timeout_ms)
		return 0;
	struct timespec now;
	clock_gettime(CLOCK_MONOTONIC, &now);
	int64_t ms = (int64_t)(s->deadline.tv_sec - now.tv_sec) * 1000 +
	             (s->deadline.tv_nsec - now.tv_nsec) / 1000000;
	if (ms <= 0)
		time_blown(L, s);
	return (uint64_t)ms;
}

void sl_script_charge(lua_State *L, uint64_t n)
{
	struct sl_script *s = script_of(L);
	if (s->stop && atomic_load_explicit(s->stop, memory_order_relaxed))
		blow(L, s, "interrupted: the run was cancelled");
	s->budget_left -= n > INT64_MAX ? INT64_MAX : (int64_t)n;
	if (s->budget_left < 0)
		budget_blown(L, s);
}

static void budget_hook(lua_State *L, lua_Debug *ar)
{
	(void)ar;
	struct sl_script *s = script_of(L);
	if (s->blown)
		blow(L, s, s->blown_msg);
	/* Where the script is now: a memory error unwinds without a message
	 * handler, so this is the line it names. */
	lua_Debug here;
	if (lua_getstack(L, 0, &here) && lua_getinfo(L, "Sl", &here) && here.currentline > 0)
		snprintf(s->where, sizeof(s->where), "%s:%d: ", here.short_src, here.currentline);
	s->budget_left -= SL_SCRIPT_HOOK_EVERY;
	if (s->stop && atomic_load_explicit(s->stop, memory_order_relaxed))
		blow(L, s, "interrupted: the run was cancelled");
	if (s->budget_left < 0)
		budget_blown(L, s);
	if (s->timeout_ms && past(&s->deadline))
		time_blown(L, s);
}

/* Reached only by a Lua error outside any protected call: a bug of ours,
 * never a script's doing (every call goes through sl_script_invoke). */
static int panic_handler(lua_State *L)
{
	const char *msg = lua_tostring(L, -1);
	fprintf(stderr, "sluice: internal error: a Lua error outside a protected call: %s\n",
	        msg ? msg : "?");
	fflush(stderr);
	return 0; /* Lua aborts */
}

/* Message handler: give a location-less message (a memory error, an error
 * raised with a table) the innermost Lua line that was running. */
static int message_handler(lua_State *L)
{
	struct sl_script *s = script_of(L);
	const char *msg = lua_tostring(L, 1);
	if (!msg) {
		if (luaL_callmeta(L, 1, "__tostring") && lua_type(L, -1) == LUA_TSTRING)
			return 1;
		msg = lua_pushfstring(L, "(error object is a %s value)", luaL_typename(L, 1));
	}
	if (s->over_memory)
		msg = lua_pushfstring(L, "memory limit of %I bytes exceeded (see --script-memory)",
		                      (lua_Integer)s->limit);
	lua_Debug ar;
	for (int level = 0; lua_getstack(L, level, &ar); level++) {
		if (!lua_getinfo(L, "Sl", &ar) || ar.currentline <= 0)
			continue;
		size_t n = strlen(ar.short_src);
		if (strncmp(msg, ar.short_src, n) != 0 || msg[n] != ':')
			lua_pushfstring(L, "%s:%d: %s", ar.short_src, ar.currentline, msg);
		return 1;
	}
	lua_pushstring(L, msg);
	return 1;
}

/* load(chunk [, chunkname [, mode [, env]]]) for text only: strings, never
 * binary chunks (bytecode can break out of any sandbox). */
static int safe_load(lua_State *L)
{
	size_t len;
	const char *chunk = luaL_checklstring(L, 1, &len);
	const char *name = luaL_optstring(L, 2, "=(load)");
	const char *mode = luaL_optstring(L, 3, "t");
	if (strchr(mode, 'b') || (len && chunk[0] == LUA_SIGNATURE[0])) {
		luaL_pushfail(L);
		lua_pushliteral(L, "binary chunks are not allowed in sluice scripts");
		return 2;
	}
	if (luaL_loadbufferx(L, chunk, len, name, "t") != LUA_OK) {
		luaL_pushfail(L);
		lua_insert(L, -2);
		return 2;
	}
	if (!lua_isnone(L, 4)) {
		lua_pushvalue(L, 4);
		if (!lua_setupvalue(L, -2, 1))
			lua_pop(L, 1);
	}
	return 1;
}

/* A module name is words of [A-Za-z0-9_] joined by single dots. */
static bool module_name_ok(const char *name)
{
	if (!*name || *name == '.')
		return false;
	for (const char *c = name; *c; c++) {
		if (*c == '.') {
			if (c[1] == '.' || c[1] == '\0')
				return false;
		} else if (!(*c == '_' || (*c >= '0' && *c <= '9') || (*c >= 'a' && *c <= 'z') ||
		             (*c >= 'A' && *c <= 'Z'))) {
			return false;
		}
	}
	return true;
}

/* Find scripts/<name>.lua: $SLUICE_SCRIPTS_DIR, the installed library, the
 * source tree (running from a build directory).  Pushes the path or
 * returns false. */
static bool find_module(lua_State *L, const char *name)
{
	const char *dirs[] = {getenv("SLUICE_SCRIPTS_DIR"), SL_SCRIPTS_DIR,
#ifdef SL_SRC_SCRIPTS_DIR
	                      SL_SRC_SCRIPTS_DIR,
#endif
	                      NULL};
	const char *file = luaL_gsub(L, name, ".", "/");
	for (size_t i = 0; i < sizeof(dirs) / sizeof(dirs[0]); i++) {
		if (!dirs[i] || !*dirs[i])
			continue;
		const char *path = lua_pushfstring(L, "%s/%s.lua", dirs[i], file);
		struct stat st;
		if (stat(path, &st) == 0 && S_ISREG(st.st_mode)) {
			lua_remove(L, -2); /* the file part */
			return true;
		}
		lua_pop(L, 1);
	}
	lua_pop(L, 1);
	return false;
}

/* require(name): sluice's own modules only, text only, loaded once. */
static int safe_require(lua_State *L)
{
	const char *name = luaL_checkstring(L, 1);
	if (!module_name_ok(name))
		return luaL_error(L, "require: bad module name '%s'", name);
	luaL_getsubtable(L, LUA_REGISTRYINDEX, LUA_LOADED_TABLE);
	if (lua_getfield(L, -1, name) != LUA_TNIL)
		return 1;
	lua_pop(L, 1);
	if (!find_module(L, name))
		return luaL_error(L, "require: no module '%s' in sluice's scripts/ library", name);
	const char *path = lua_tostring(L, -1);
	if (luaL_loadfilex(L, path, "t") != LUA_OK)
		return luaL_error(L, "require '%s': %s", name, lua_tostring(L, -1));
	lua_pushstring(L, name);
	lua_call(L, 1, 1);
	if (lua_isnil(L, -1)) {
		lua_pop(L, 1);
		lua_pushboolean(L, 1);
	}
	lua_pushvalue(L, -1);
	lua_setfield(L, -4, name); /* loaded[name] */
	return 1;
}

/* setmetatable(t, mt) refusing __gc: finalizers run with hooks off, so
 * neither the budget nor the clock could stop one. */
static int safe_setmetatable(lua_State *L)
{
	if (lua_type(L, 2) == LUA_TTABLE) {
		lua_pushliteral(L, "__gc");
		if (lua_rawget(L, 2) != LUA_TNIL)
			return luaL_error(L, "setmetatable: __gc (finalizers) is not allowed in "
			                     "sluice scripts");
		lua_pop(L, 1);
	}
	lua_pushvalue(L, lua_upvalueindex(1));
	lua_insert(L, 1);
	lua_call(L, lua_gettop(L) - 1, LUA_MULTRET);
	return lua_gettop(L);
}

/* table.move(a1, f, e, t [, a2]), its element count charged to the budget
 * first: the copy loop is C, where the hook does not run. */
static int safe_move(lua_State *L)
{
	struct sl_script *s = script_of(L);
	lua_Integer f = luaL_checkinteger(L, 2), e = luaL_checkinteger(L, 3);
	if (e >= f) {
		lua_Unsigned n = (lua_Unsigned)e - (lua_Unsigned)f;
		if (n >= (lua_Unsigned)(s->budget_left > 0 ? s->budget_left : 0))
			return luaL_error(L,
			                  "table.move: %I elements are more than the instruction "
			                  "budget allows (see --script-budget)",
			                  (lua_Integer)(n > (lua_Unsigned)LUA_MAXINTEGER
			                                    ? LUA_MAXINTEGER
			                                    : (lua_Integer)n + 1));
		s->budget_left -= (int64_t)n;
	}
	lua_pushvalue(L, lua_upvalueindex(1));
	lua_insert(L, 1);
	lua_call(L, lua_gettop(L) - 1, LUA_MULTRET);
	return lua_gettop(L);
}

/* __close and __gc of sl_script_push_buf()'s userdata. */
static int buf_close(lua_State *L)
{
	sl_buf_free(luaL_checkudata(L, 1, "sluice.buf"));
	return 0;
}

struct sl_buf *sl_script_push_buf(lua_State *L)
{
	struct sl_buf *b = lua_newuserdatauv(L, sizeof(*b), 0);
	*b = (struct sl_buf)SL_BUF_INIT;
	luaL_setmetatable(L, "sluice.buf");
	lua_toclose(L, -1);
	return b;
}

static void open_sandbox(struct sl_script *s)
{
	lua_State *L = s->L;
	static const luaL_Reg libs[] = {
	    {LUA_GNAME, luaopen_base},        {LUA_TABLIBNAME, luaopen_table},
	    {LUA_STRLIBNAME, luaopen_string}, {LUA_MATHLIBNAME, luaopen_math},
	    {LUA_UTF8LIBNAME, luaopen_utf8},  {NULL, NULL}};
	for (const luaL_Reg *lib = libs; lib->func; lib++) {
		luaL_requiref(L, lib->name, lib->func, 1);
		lua_pop(L, 1);
	}
	static const char *const removed[] = {"dofile", "loadfile", "collectgarbage", NULL};
	for (const char *const *r = removed; *r; r++) {
		lua_pushnil(L);
		lua_setglobal(L, *r);
	}
	lua_getglobal(L, LUA_STRLIBNAME);
	lua_pushnil(L);
	lua_setfield(L, -2, "dump"); /* makes bytecode */
	lua_pop(L, 1);
	sl_script_open_patterns(L);
	lua_getglobal(L, "setmetatable");
	lua_pushcclosure(L, safe_setmetatable, 1);
	lua_setglobal(L, "setmetatable");
	lua_getglobal(L, LUA_TABLIBNAME);
	lua_getfield(L, -1, "move");
	lua_pushcclosure(L, safe_move, 1);
	lua_setfield(L, -2, "move");
	lua_pop(L, 1);
	lua_pushcfunction(L, safe_load);
	lua_setglobal(L, "load");
	lua_pushcfunction(L, safe_require);
	lua_setglobal(L, "require");
	luaL_newmetatable(L, "sluice.buf");
	lua_pushcfunction(L, buf_close);
	lua_setfield(L, -2, "__close");
	lua_pushcfunction(L, buf_close);
	lua_setfield(L, -2, "__gc");
	lua_pop(L, 1);
	sl_script_open_lib(s);
}

/* __index of sluice.params while a profile is checked: the request's
 * values are not known yet, and top-level code may read them. */
static int empty_param(lua_State *L)
{
	lua_pushliteral(L, "");
	return 1;
}

static int open_protected(lua_State *L, void *ud)
{
	(void)ud;
	struct sl_script *s = script_of(L);
	open_sandbox(s);
	/* sluice.params: the job's KEY=VALUE parameters (--set). */
	lua_getglobal(L, "sluice");
	lua_newtable(L);
	for (size_t i = 0; s->params && i < s->params->n; i++) {
		const char *kv = s->params->v[i], *eq = strchr(kv, '=');
		if (!eq)
			return luaL_error(L, "--set %s: expected KEY=VALUE", kv);
		lua_pushlstring(L, kv, (size_t)(eq - kv));
		lua_pushstring(L, eq + 1);
		lua_rawset(L, -3);
	}
	if (s->any_param) {
		lua_createtable(L, 0, 1);
		lua_pushcfunction(L, empty_param);
		lua_setfield(L, -2, "__index");
		lua_setmetatable(L, -2);
	}
	lua_setfield(L, -2, "params");
	lua_pop(L, 1);
	return 0;
}

struct invoke {
	int (*body)(lua_State *L, void *ud);
	void *ud;
	int rc;
};

static int trampoline(lua_State *L)
{
	struct invoke *iv = lua_touserdata(L, 1);
	lua_pop(L, 1);
	iv->rc = iv->body(L, iv->ud);
	return 0;
}

int sl_script_get_global(lua_State *L, const char *name)
{
	lua_rawgeti(L, LUA_REGISTRYINDEX, LUA_RIDX_GLOBALS);
	lua_pushstring(L, name);
	int type = lua_rawget(L, -2);
	lua_remove(L, -2);
	return type;
}

int sl_script_invoke(struct sl_script *s, const char *hook, const struct sl_table *t,
                     int (*body)(lua_State *L, void *ud), void *ud, struct sl_error *err)
{
	lua_State *L = s->L;
	struct invoke iv = {body, ud, 0};
	int top = lua_gettop(L);
	if (!lua_checkstack(L, 3))
		return sl_error_set(err, SL_ENOMEM, "out of memory");
	lua_pushcfunction(L, message_handler);
	lua_pushcfunction(L, trampoline);
	lua_pushlightuserdata(L, &iv);
	s->budget_left = (int64_t)(s->budget > INT64_MAX ? INT64_MAX : s->budget);
	s->hook = hook;
	s->table = t;
	s->over_memory = false;
	s->where[0] = '\0';
	if (s->blown) {
		s->blown = false;
		lua_sethook(L, lua_gethook(L), LUA_MASKCOUNT, SL_SCRIPT_HOOK_EVERY);
	}
	if (s->timeout_ms) {
		clock_gettime(CLOCK_MONOTONIC, &s->deadline);
		s->deadline.tv_sec += (time_t)(s->timeout_ms / 1000);
		s->deadline.tv_nsec += (long)(s->timeout_ms % 1000) * 1000000L;
		if (s->deadline.tv_nsec >= 1000000000L) {
			s->deadline.tv_sec++;
			s->deadline.tv_nsec -= 1000000000L;
		}
	}
	int rc = lua_pcall(L, 1, 0, top + 1);
	if (s->blown) {
		s->blown = false;
		lua_sethook(L, lua_gethook(L), LUA_MASKCOUNT, SL_SCRIPT_HOOK_EVERY);
	}
	if (rc == LUA_OK) {
		lua_settop(L, top);
		return iv.rc;
	}
	char mem[256];
	const char *msg = lua_tostring(L, -1);
	if (rc == LUA_ERRMEM && s->over_memory) {
		snprintf(mem, sizeof(mem),
		         "%smemory limit of %zu bytes exceeded (see --script-memory)", s->where,
		         s->limit);
		msg = mem;
	}
	if (t)
		sl_error_set(err, SL_ELUA, "script error in %s() for %s.%s: %s", hook, t->schema,
		             t->name, msg ? msg : "?");
	else
		sl_error_set(err, SL_ELUA, "script error in %s: %s", hook, msg ? msg : "?");
	lua_settop(L, top);
	/* A state that ran out of memory may not be reused safely. */
	lua_gc(L, LUA_GCCOLLECT);
	return SL_ELUA;
}

int sl_script_bad_result(struct sl_script *s, struct sl_error *err, const char *fmt, ...)
{
	char what[512];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(what, sizeof(what), fmt, ap);
	va_end(ap);
	if (s->table)
		return sl_error_set(err, SL_ELUA, "script error in %s() for %s.%s: %s: %s", s->hook,
		                    s->table->schema, s->table->name, s->path, what);
	return sl_error_set(err, SL_ELUA, "script error in %s(): %s: %s", s->hook, s->path, what);
}

/* The script file's top level. */
struct chunk {
	const char *path;
	struct sl_error *err;
};

static int run_chunk(lua_State *L, void *ud)
{
	struct chunk *ch = ud;
	if (luaL_loadfilex(L, ch->path, "t") != LUA_OK)
		return sl_error_set(ch->err, SL_ELUA, "script error: %s", lua_tostring(L, -1));
	lua_call(L, 0, 0);
	return 0;
}

int sl_script_open(struct sl_script **out, const char *path, const struct sl_script_opts *lim,
                   struct sl_log *log, struct sl_error *err)
{
	int rc;
	*out = NULL;
	FILE *f = fopen(path, "r");
	if (!f)
		return sl_error_set(err, SL_EUSAGE, "cannot read script '%s': %s", path,
		                    strerror(errno));
	fclose(f);

	struct sl_script *s = sl_calloc(1, sizeof(*s));
	if (!s)
		return sl_error_set(err, SL_ENOMEM, "out of memory");
	s->path = sl_strdup(path);
	s->limit = (size_t)lim->memory;
	s->budget = lim->budget;
	s->log = log;
	s->params = lim->params;
	s->any_param = lim->any_param;
	s->timeout_ms = lim->timeout_ms;
	s->stop = lim->stop;
	if (!s->path)
		goto oom;
	s->L = lua_newstate(script_alloc, s);
	if (!s->L)
		goto oom;
	*(struct sl_script **)lua_getextraspace(s->L) = s;
	lua_atpanic(s->L, panic_handler);
	lua_sethook(s->L, budget_hook, LUA_MASKCOUNT, SL_SCRIPT_HOOK_EVERY);
	lua_gc(s->L, LUA_GCINC, 400, 0, 0);

	/* Opening the libraries may itself fail under the cap: protect it. */
	if ((rc = sl_script_invoke(s, "setup", NULL, open_protected, NULL, err)))
		goto fail;
	struct chunk ch = {path, err};
	if ((rc = sl_script_invoke(s, "the main chunk", NULL, run_chunk, &ch, err)))
		goto fail;
	*out = s;
	return 0;
oom:
	rc = sl_error_set(err, SL_ENOMEM, "out of memory");
fail:
	sl_script_close(s);
	return rc;
}

void sl_script_close(struct sl_script *s)
{
	if (!s)
		return;
	if (s->L)
		lua_close(s->L);
	if (s->scratch) {
		sl_rowset_free(s->scratch);
		sl_free(s->scratch);
	}
	sl_script_patterns_free(s->patterns);
	sl_free(s->path);
	sl_free(s);
}

struct has {
	const char *name;
	bool yes;
};

static int has_body(lua_State *L, void *ud)
{
	struct has *h = ud;
	int type = sl_script_get_global(L, h->name);
	h->yes =
	    type == LUA_TFUNCTION ||
	    (type == LUA_TTABLE && (!strcmp(h->name, "tables") || !strcmp(h->name, "columns")));
	return 0;
}

bool sl_script_has(struct sl_script *s, const char *name)
{
	struct has h = {name, false};
	struct sl_error err = {0};
	return sl_script_invoke(s, "setup", NULL, has_body, &h, &err) == 0 && h.yes;
}
