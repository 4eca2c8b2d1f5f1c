/* fuzz_pattern.c - fuzz target for the sandbox's pattern functions
 * (core/script/script_pattern.c: Lua patterns on PCRE2).
 *
 * Input: byte 0 picks the function (find, match, gmatch, gsub) and an
 * init position, byte 1 is the pattern's length, then the pattern, then
 * the subject.  The call runs in a sandboxed state with a small budget:
 * it must return or raise, never crash or run long (libFuzzer's -timeout
 * catches that).  When the pattern is small enough for Lua's own matcher
 * to be quick, the same call also runs on Lua's string library in a plain
 * state, and when both succeed their results must be the same.
 *
 * Built with -DSL_LIBFUZZER it is a libFuzzer target (tests/fuzz/run-
 * libfuzzer); otherwise replay.c's main() replays tests/fuzz/corpus_pattern
 * for `make check`. */
#include <lauxlib.h>
#include <lua.h>
#include <lualib.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/buf.h"
#include "base/error.h"
#include "replay.h"
#include "script/script.h"

const char sl_fuzz_name[] = "fuzz_pattern";
const char sl_fuzz_corpus[] = "corpus_pattern";

/* The call, as Lua source: it returns its results serialized. */
static const char driver[] =
    "local fn, s, p, init = ...\n"
    "local function ser(...)\n"
    "  local t = {}\n"
    "  for i = 1, select('#', ...) do t[#t + 1] = tostring((select(i, ...))) end\n"
    "  return table.concat(t, ',')\n"
    "end\n"
    "if fn == 'gmatch' then\n"
    "  local out, n = {}, 0\n"
    "  for a, b in string.gmatch(s, p, init) do\n"
    "    n = n + 1; out[#out + 1] = ser(a, b); if n > 64 then break end\n"
    "  end\n"
    "  return table.concat(out, ';')\n"
    "elseif fn == 'gsub' then\n"
    "  return ser(string.gsub(s, p, '<%0>', init))\n"
    "end\n"
    "return ser(string[fn](s, p, init))\n";

static const char *const fns[] = {"find", "match", "gmatch", "gsub"};

struct call {
	const char *fn;
	const char *s, *p;
	size_t ls, lp;
	lua_Integer init;
	char *out; /* the results, or NULL after an error (caller frees) */
};

/* Run the driver in L; fills c->out on success. */
static int run(lua_State *L, void *ud)
{
	struct call *c = ud;
	if (luaL_loadbuffer(L, driver, sizeof(driver) - 1, "=driver") != LUA_OK)
		abort();
	lua_pushstring(L, c->fn);
	lua_pushlstring(L, c->s, c->ls);
	lua_pushlstring(L, c->p, c->lp);
	lua_pushinteger(L, c->init);
	if (lua_pcall(L, 4, 1, 0) == LUA_OK) {
		size_t n;
		const char *r = lua_tolstring(L, -1, &n);
		c->out = malloc(n + 1);
		if (c->out) {
			memcpy(c->out, r, n);
			c->out[n] = '\0';
		}
	}
	lua_pop(L, 1);
	return 0;
}

static int run_plain(lua_State *L)
{
	return run(L, lua_touserdata(L, 1));
}

/* Few enough quantifiers and a short subject: Lua's matcher is quick. */
static int lua_can_run(const struct call *c)
{
	size_t q = 0;
	for (size_t i = 0; i < c->lp; i++)
		q += c->p[i] == '*' || c->p[i] == '+' || c->p[i] == '-' || c->p[i] == '?';
	return q <= 3 && c->ls <= 64 && c->lp <= 32;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct sl_script *s;
	static lua_State *plain;
	if (!s) {
		char path[] = "/tmp/sl-fuzz-pattern-XXXXXX";
		int fd = mkstemp(path);
		if (fd < 0)
			abort();
		close(fd);
		struct sl_script_opts o = {.memory = 64u << 20, .budget = 200000};
		struct sl_error err = {0};
		if (sl_script_open(&s, path, &o, NULL, &err))
			abort();
		unlink(path);
		plain = luaL_newstate();
		luaL_openlibs(plain);
	}
	if (size < 2)
		return 0;
	struct call c = {fns[data[0] & 3], NULL, NULL, 0, 0, 0, NULL};
	c.init = (lua_Integer)((int8_t)data[0] >> 2);
	if (c.init == 0)
		c.init = 1;
	c.lp = data[1];
	if (c.lp > size - 2)
		c.lp = size - 2;
	c.p = (const char *)data + 2;
	c.s = c.p + c.lp;
	c.ls = size - 2 - c.lp;
	struct sl_error err = {0};
	sl_script_invoke(s, "fuzz", NULL, run, &c, &err);
	char *ours = c.out;
	if (ours && lua_can_run(&c)) {
		c.out = NULL;
		lua_pushcfunction(plain, run_plain);
		lua_pushlightuserdata(plain, &c);
		if (lua_pcall(plain, 1, 0, 0) != LUA_OK)
			lua_pop(plain, 1);
		if (c.out && strcmp(ours, c.out) != 0) {
			fprintf(stderr, "fuzz_pattern: %s differs from Lua's: '%s' vs '%s'\n", c.fn,
			        ours, c.out);
			abort();
		}
		free(c.out);
	}
	free(ours);
	return 0;
}
