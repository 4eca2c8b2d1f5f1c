/* script_lib.c - what sluice gives scripts besides the Lua libraries: the
 * 'sluice' table and a print() that writes to the log, not to stdout (which
 * may be carrying the dump).
 *
 *   sluice.hash(key, value)     [-0, +1, e]  16 hex digits: SipHash-2-4 of
 *                                            value under key (deterministic
 *                                            pseudonyms: same key and input,
 *                                            same output)
 *   sluice.hashnum(key, value)  [-0, +1, e]  the same hash as an integer
 *                                            in [0, 2^53)
 *   sluice.log(...)             [-0, +0, -]  one log line (level info)
 *   print(...)                  [-0, +0, -]  one log line (level warning:
 *                                            shown unless --quiet)
 *   sluice.version              the sluice version string
 *
 * and, from their own files, sluice.query and sluice.sql_value
 * (script_query.c) and the masking kit's helpers (script_mask.c). */
#include <lauxlib.h>
#include <lua.h>
#include <string.h>

#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "base/buf.h"
#include "base/log.h"
#include "script/script.h"

#ifndef PACKAGE_VERSION
#define PACKAGE_VERSION "0.0.0"
#endif

/* --- SipHash-2-4 (Aumasson and Bernstein), written from the paper ------- */

static uint64_t rotl(uint64_t x, int b)
{
	return (x << b) | (x >> (64 - b));
}

static uint64_t load_le64(const unsigned char *p)
{
	uint64_t v = 0;
	for (int i = 7; i >= 0; i--)
		v = (v << 8) | p[i];
	return v;
}

#define SIPROUND                   \
	do {                       \
		v0 += v1;          \
		v1 = rotl(v1, 13); \
		v1 ^= v0;          \
		v0 = rotl(v0, 32); \
		v2 += v3;          \
		v3 = rotl(v3, 16); \
		v3 ^= v2;          \
		v0 += v3;          \
		v3 = rotl(v3, 21); \
		v3 ^= v0;          \
		v2 += v1;          \
		v1 = rotl(v1, 17); \
		v1 ^= v2;          \
		v2 = rotl(v2, 32); \
	} while (0)

uint64_t sl_siphash24(uint64_t k0, uint64_t k1, const unsigned char *in, size_t len)
{
	uint64_t v0 = 0x736f6d6570736575ULL ^ k0, v1 = 0x646f72616e646f6dULL ^ k1;
	uint64_t v2 = 0x6c7967656e657261ULL ^ k0, v3 = 0x7465646279746573ULL ^ k1;
	size_t full = len - len % 8;
	for (size_t i = 0; i < full; i += 8) {
		uint64_t m = load_le64(in + i);
		v3 ^= m;
		SIPROUND;
		SIPROUND;
		v0 ^= m;
	}
	uint64_t last = (uint64_t)len << 56;
	for (size_t i = 0; i < len % 8; i++)
		last |= (uint64_t)in[full + i] << (8 * i);
	v3 ^= last;
	SIPROUND;
	SIPROUND;
	v0 ^= last;
	v2 ^= 0xff;
	SIPROUND;
	SIPROUND;
	SIPROUND;
	SIPROUND;
	return v0 ^ v1 ^ v2 ^ v3;
}

uint64_t sl_script_keyed_hash(const char *key, size_t keylen, const char *data, size_t len)
{
	/* Any key length: two fixed-key hashes of the key make the 128-bit key. */
	const unsigned char *k = (const unsigned char *)key;
	uint64_t k0 = sl_siphash24(0x736c756963652d30ULL, 0, k, keylen);
	uint64_t k1 = sl_siphash24(0x736c756963652d31ULL, 0, k, keylen);
	return sl_siphash24(k0, k1, (const unsigned char *)data, len);
}

static uint64_t hash_args(lua_State *L)
{
	size_t klen, vlen;
	const char *key = luaL_checklstring(L, 1, &klen);
	const char *val = luaL_checklstring(L, 2, &vlen);
	return sl_script_keyed_hash(key, klen, val, vlen);
}

static int lib_hash(lua_State *L)
{
	char hex[17];
	uint64_t h = hash_args(L);
	for (int i = 15; i >= 0; i--, h >>= 4)
		hex[i] = "0123456789abcdef"[h & 15];
	lua_pushlstring(L, hex, 16);
	return 1;
}

static int lib_hashnum(lua_State *L)
{
	lua_pushinteger(L, (lua_Integer)(hash_args(L) >> 11));
	return 1;
}

/* Join the arguments with tabs, as print() does, and log them. */
static int log_args(lua_State *L, enum sl_log_level level)
{
	struct sl_script *s = *(struct sl_script **)lua_getextraspace(L);
	luaL_Buffer b;
	int n = lua_gettop(L);
	luaL_buffinit(L, &b);
	for (int i = 1; i <= n; i++) {
		luaL_tolstring(L, i, NULL);
		luaL_addvalue(&b);
		if (i < n)
			luaL_addchar(&b, '\t');
	}
	luaL_pushresult(&b);
	if (s->log)
		sl_logf(s->log, level, "script", "%s", lua_tostring(L, -1));
	return 0;
}

static int lib_log(lua_State *L)
{
	return log_args(L, SL_LOG_INFO);
}

static int lib_print(lua_State *L)
{
	return log_args(L, SL_LOG_WARN);
}

void sl_script_open_lib(struct sl_script *s)
{
	static const luaL_Reg funcs[] = {
	    {"hash", lib_hash}, {"hashnum", lib_hashnum}, {"log", lib_log}, {NULL, NULL}};
	lua_State *L = s->L;
	luaL_newlib(L, funcs);
	sl_script_open_query(L);
	sl_script_open_mask(L);
	lua_pushliteral(L, PACKAGE_VERSION);
	lua_setfield(L, -2, "version");
	lua_setglobal(L, "sluice");
	lua_pushcfunction(L, lib_print);
	lua_setglobal(L, "print");
}
