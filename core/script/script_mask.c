/* script_mask.c - the parts of the masking kit (scripts/mask.lua) that need
 * C: a hash the server has too, keyed permutations, regular expressions
 * and JSON documents.
 *
 *   sluice.sha256(s)                   [-0, +1, e]  64 hex digits, as SQL's
 *                                                   SHA2(s, 256)
 *   sluice.permute_int(key, v, bits, signed)
 *                                      [-0, +1, e]  a keyed permutation of
 *                                                   the bits-wide integers
 *                                                   (decimal string in and
 *                                                   out); mask.sql_unique_int
 *                                                   builds the same in SQL
 *   sluice.permute_text(key, s)        [-0, +1, e]  a keyed permutation of
 *                                                   strings that keeps the
 *                                                   length, which bytes are
 *                                                   digits, letters (and
 *                                                   their case) or other
 *   sluice.regex_replace(s, re, repl)  [-0, +1, e]  every match of the PCRE2
 *                                                   pattern re replaced; \N
 *                                                   in repl is group N, as
 *                                                   REGEXP_REPLACE takes it
 *   sluice.json_get(doc, path)         [-0, +2, e]  the values at path: an
 *                                                   array (strings decoded,
 *                                                   others as JSON text) and
 *                                                   their kinds; nil when doc
 *                                                   is not JSON
 *   sluice.json_set(doc, path, vals)   [-0, +1, e]  doc with the i-th value at
 *                                                   path replaced by vals[i]
 *
 * Both permutations are bijections, so distinct values stay distinct
 * (UNIQUE keys still load), and deterministic for a key, so a key column
 * and the columns referencing it are masked alike.  The integer one is a
 * four-round Feistel network whose round function is SHA-256 of a text
 * that SQL can build too, so the server (mask.sql_unique_int) and Lua give
 * the same values.  The text one is a ten-round Feistel network that adds
 * a keyed stream digit by digit modulo each position's radix (10 for
 * digits, 26 for letters folded to lower case, whose case is put back):
 * FFX's "charwise" mode.  Other bytes (punctuation, UTF-8 beyond ASCII)
 * stay; so 'a.b@c.d' stays an address, and values equal but for ASCII case
 * stay equal but for case (a case-insensitive UNIQUE key still holds). */
#define PCRE2_CODE_UNIT_WIDTH 8
#include <errno.h>
#include <inttypes.h>
#include <lauxlib.h>
#include <lua.h>
#include <openssl/evp.h>
#include <pcre2.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/alloc.h"
#include "base/buf.h"
#include "format/encode_json.h"
#include "format/jsonpath.h"
#include "script/script.h"

#define TEXT_ROUNDS  10
#define MATCH_LIMIT  10000000
#define MAX_REPLACED (64u << 20) /* bytes a replacement may produce */

static void sha256(const void *p, size_t n, unsigned char out[32])
{
	unsigned int len = 32;
	if (!EVP_Digest(p, n, out, &len, EVP_sha256(), NULL))
		memset(out, 0, 32); /* not reached with OpenSSL's own digest */
}

static int lib_sha256(lua_State *L)
{
	static const char hex[] = "0123456789abcdef";
	size_t n;
	const char *s = luaL_checklstring(L, 1, &n);
	unsigned char md[32];
	char out[64];
	sha256(s, n, md);
	for (int i = 0; i < 32; i++) {
		out[2 * i] = hex[md[i] >> 4];
		out[2 * i + 1] = hex[md[i] & 15];
	}
	sl_script_charge(L, n / 64 + 1);
	lua_pushlstring(L, out, 64);
	return 1;
}

/* --- integers ------------------------------------------------------------------ */

/* Round i's value for half r: the first 'h' bits of SHA-256 of
 * "<key>:<i>:<r in decimal>" (SQL: CONV(LEFT(SHA2(CONCAT(key, ':', i, ':',
 * r), 256), h/4), 16, 10)). */
static uint64_t round_fn(struct sl_buf *b, const char *key, size_t klen, int i, uint64_t r,
                         unsigned h)
{
	unsigned char md[32];
	sl_buf_reset(b);
	if (sl_buf_append(b, key, klen) || sl_buf_printf(b, ":%d:%" PRIu64, i, r))
		return 0;
	sha256(b->data, b->len, md);
	uint64_t v = 0;
	for (int k = 0; k < 8; k++)
		v = v << 8 | md[k];
	return v >> (64 - h);
}

static int lib_permute_int(lua_State *L)
{
	size_t klen, vlen;
	const char *key = luaL_checklstring(L, 1, &klen);
	const char *v = luaL_checklstring(L, 2, &vlen);
	lua_Integer bits = luaL_checkinteger(L, 3);
	int is_signed = lua_toboolean(L, 4);
	luaL_argcheck(L, bits == 8 || bits == 16 || bits == 24 || bits == 32 || bits == 64, 3,
	              "bits must be 8, 16, 24, 32 or 64");
	char *end;
	uint64_t u;
	errno = 0;
	if (is_signed)
		u = (uint64_t)strtoll(v, &end, 10);
	else
		u = strtoull(v, &end, 10);
	if (errno || end == v || *end || (!is_signed && *v == '-'))
		return luaL_error(L, "permute_int: '%s' is not a%s integer", v,
		                  is_signed ? "n" : "n unsigned");
	unsigned h = (unsigned)bits / 2;
	uint64_t hmask = h == 64 ? UINT64_MAX : (UINT64_C(1) << h) - 1;
	if (bits < 64)
		u &= (UINT64_C(1) << bits) - 1;
	uint64_t l = u >> h, r = u & hmask;
	struct sl_buf *b = sl_script_push_buf(L);
	for (int i = 1; i <= 4; i++) {
		uint64_t f = round_fn(b, key, klen, i, r, h) & hmask;
		uint64_t nr = l ^ f;
		l = r;
		r = nr;
	}
	uint64_t out = (l << h) | r;
	char text[32];
	if (!is_signed)
		snprintf(text, sizeof(text), "%" PRIu64, out);
	else if (bits == 64)
		snprintf(text, sizeof(text), "%" PRId64, (int64_t)out);
	else if (out >= UINT64_C(1) << (bits - 1))
		snprintf(text, sizeof(text), "%" PRId64, (int64_t)out - (INT64_C(1) << bits));
	else
		snprintf(text, sizeof(text), "%" PRIu64, out);
	sl_script_charge(L, 50);
	lua_pushstring(L, text);
	return 1;
}

/* --- text ---------------------------------------------------------------------- */

/* The keyed stream of round 'round' for 'src' (the other half's digits):
 * SHA-256 blocks of key, the round, the block number and src, into
 * out[0..n). */
static void text_stream(struct sl_buf *b, const char *key, size_t klen, int round,
                        const unsigned char *src, size_t nsrc, size_t total, unsigned char *out,
                        size_t n)
{
	for (size_t blk = 0; blk * 32 < n; blk++) {
		unsigned char md[32], head[80];
		int hl =
		    snprintf((char *)head, sizeof(head), "%c%d:%zu:%zu:", 0, round, blk, total);
		if (hl < 0 || (size_t)hl >= sizeof(head))
			hl = 0;
		sl_buf_reset(b);
		if (sl_buf_append(b, key, klen) || sl_buf_append(b, head, (size_t)hl) ||
		    sl_buf_append(b, src, nsrc))
			memset(md, 0, sizeof(md));
		else
			sha256(b->data, b->len, md);
		size_t take = n - blk * 32 < 32 ? n - blk * 32 : 32;
		memcpy(out + blk * 32, md, take);
	}
}

static int lib_permute_text(lua_State *L)
{
	size_t klen, n;
	const char *key = luaL_checklstring(L, 1, &klen);
	const char *s = luaL_checklstring(L, 2, &n);
	/* digits[i]: the i-th permuted position's value; radix[i]: 10 or 26. */
	unsigned char *work = lua_newuserdatauv(L, 4 * n + 1, 0);
	unsigned char *digit = work, *radix = work + n, *stream = work + 2 * n;
	size_t *posv = NULL, m = 0;
	struct sl_buf *pos = sl_script_push_buf(L); /* positions, as size_t */
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		unsigned char lc = c | 0x20;
		if (c >= '0' && c <= '9') {
			digit[m] = (unsigned char)(c - '0');
			radix[m] = 10;
		} else if (lc >= 'a' && lc <= 'z') {
			digit[m] = (unsigned char)(lc - 'a');
			radix[m] = 26;
		} else {
			continue;
		}
		if (sl_buf_append(pos, &i, sizeof(i)))
			return luaL_error(L, "not enough memory");
		m++;
	}
	posv = (size_t *)(void *)pos->data;
	struct sl_buf *b = sl_script_push_buf(L);
	size_t left = m / 2; /* digit[0..left) and digit[left..m) */
	for (int round = 0; m && round < TEXT_ROUNDS; round++) {
		bool right = round % 2 == 0;
		unsigned char *dst = right ? digit + left : digit;
		const unsigned char *src = right ? digit : digit + left;
		const unsigned char *rdx = right ? radix + left : radix;
		size_t ndst = right ? m - left : left, nsrc = m - ndst;
		text_stream(b, key, klen, round, src, nsrc, m, stream, ndst);
		for (size_t i = 0; i < ndst; i++)
			dst[i] = (unsigned char)((dst[i] + stream[i] % rdx[i]) % rdx[i]);
	}
	char *out = (char *)stream; /* room for n bytes, no longer needed */
	memcpy(out, s, n);
	for (size_t i = 0; i < m; i++) {
		unsigned char c = (unsigned char)s[posv[i]];
		if (radix[i] == 10)
			out[posv[i]] = (char)('0' + digit[i]);
		else
			out[posv[i]] = (char)((c >= 'A' && c <= 'Z' ? 'A' : 'a') + digit[i]);
	}
	sl_script_charge(L, n + 10);
	lua_pushlstring(L, out, n);
	return 1;
}

/* --- regular expressions ------------------------------------------------------- */

/* PCRE2 objects held during a call: freed by __close, also when an error
 * unwinds. */
struct re_call {
	pcre2_code *code;
	pcre2_match_data *md;
	pcre2_match_context *mctx;
};

static int re_call_close(lua_State *L)
{
	struct re_call *rc = luaL_checkudata(L, 1, "sluice.re");
	pcre2_match_data_free(rc->md);
	pcre2_code_free(rc->code);
	pcre2_match_context_free(rc->mctx);
	memset(rc, 0, sizeof(*rc));
	return 0;
}

/* REGEXP_REPLACE's replacement (\N is group N) in pcre2_substitute's
 * syntax (${N}; a '$' of its own doubled). */
static int translate_repl(struct sl_buf *out, const char *r, size_t n)
{
	int rc = 0;
	for (size_t i = 0; i < n && !rc; i++) {
		if (r[i] == '\\' && i + 1 < n && r[i + 1] >= '0' && r[i + 1] <= '9') {
			rc = sl_buf_printf(out, "${%c}", r[i + 1]);
			i++;
		} else if (r[i] == '$') {
			rc = sl_buf_puts(out, "$$");
		} else {
			rc = sl_buf_putc(out, r[i]);
		}
	}
	return rc ? rc : sl_buf_putc(out, '\0');
}

static int lib_regex_replace(lua_State *L)
{
	size_t n, plen, rlen;
	const char *s = luaL_checklstring(L, 1, &n);
	const char *pat = luaL_checklstring(L, 2, &plen);
	const char *repl = luaL_checklstring(L, 3, &rlen);
	struct re_call *rc = lua_newuserdatauv(L, sizeof(*rc), 0);
	memset(rc, 0, sizeof(*rc));
	luaL_setmetatable(L, "sluice.re");
	lua_toclose(L, -1);
	bool utf = sl_json_utf8_valid((const unsigned char *)pat, plen) &&
	           sl_json_utf8_valid((const unsigned char *)s, n);
	int ecode;
	PCRE2_SIZE eoff;
	rc->code = pcre2_compile((PCRE2_SPTR)pat, plen, utf ? PCRE2_UTF : 0, &ecode, &eoff, NULL);
	if (!rc->code) {
		PCRE2_UCHAR msg[120];
		pcre2_get_error_message(ecode, msg, sizeof(msg));
		return luaL_error(L, "regex_replace: bad pattern at offset %d: %s", (int)eoff,
		                  (const char *)msg);
	}
	rc->md = pcre2_match_data_create_from_pattern(rc->code, NULL);
	rc->mctx = pcre2_match_context_create(NULL);
	struct sl_buf *r = sl_script_push_buf(L);
	struct sl_buf *out = sl_script_push_buf(L);
	if (!rc->md || !rc->mctx || translate_repl(r, repl, rlen))
		return luaL_error(L, "not enough memory");
	pcre2_set_match_limit(rc->mctx, MATCH_LIMIT);
	pcre2_set_depth_limit(rc->mctx, MATCH_LIMIT);
	pcre2_set_heap_limit(rc->mctx, 16 * 1024);
	sl_script_charge(L, n + 100);
	PCRE2_SIZE cap = 2 * n + 64;
	for (int attempt = 0; attempt < 2; attempt++) {
		if (cap > MAX_REPLACED)
			return luaL_error(L,
			                  "regex_replace: the result would be larger than %u "
			                  "bytes",
			                  MAX_REPLACED);
		if (sl_buf_reserve(out, cap + 1))
			return luaL_error(L, "not enough memory");
		PCRE2_SIZE outlen = cap;
		int got = pcre2_substitute(
		    rc->code, (PCRE2_SPTR)s, n, 0,
		    PCRE2_SUBSTITUTE_GLOBAL | PCRE2_SUBSTITUTE_OVERFLOW_LENGTH, rc->md, rc->mctx,
		    (PCRE2_SPTR)r->data, PCRE2_ZERO_TERMINATED, (PCRE2_UCHAR *)out->data, &outlen);
		if (got == PCRE2_ERROR_NOMEMORY && attempt == 0) {
			cap = outlen;
			continue;
		}
		if (got < 0) {
			PCRE2_UCHAR msg[120];
			pcre2_get_error_message(got, msg, sizeof(msg));
			return luaL_error(L, "regex_replace: %s", (const char *)msg);
		}
		lua_pushlstring(L, out->data, outlen);
		return 1;
	}
	return luaL_error(L, "regex_replace: the result does not fit");
}

/* --- JSON ---------------------------------------------------------------------- */

static const char *const json_kinds[] = {"string", "number", "true", "false",
                                         "null",   "object", "array"};

/* The spans of sl_json_find(), held during a call (freed by __close). */
static int spans_close(lua_State *L)
{
	void **p = luaL_checkudata(L, 1, "sluice.spans");
	sl_free(*p);
	*p = NULL;
	return 0;
}

/* [-0, +1, e] Find the values at path in doc: the spans (in a userdata on
 * the stack that frees them) and their count; false when doc is not JSON
 * (a malformed path raises). */
static bool find_spans(lua_State *L, const char *doc, size_t len, const char *path,
                       struct sl_json_span **spans, size_t *n)
{
	void **hold = lua_newuserdatauv(L, sizeof(void *), 0);
	*hold = NULL;
	luaL_setmetatable(L, "sluice.spans");
	lua_toclose(L, -1);
	struct sl_error err = {0};
	int rc = sl_json_find(doc, len, path, spans, n, &err);
	if (rc == SL_EFORMAT && !strncmp(err.msg, "not a JSON document", 19))
		return false;
	if (rc)
		luaL_error(L, "%s", err.msg);
	*hold = *spans;
	sl_script_charge(L, len / 16 + 1);
	return true;
}

static int lib_json_get(lua_State *L)
{
	size_t len;
	const char *doc = luaL_checklstring(L, 1, &len);
	const char *path = luaL_checkstring(L, 2);
	struct sl_json_span *spans;
	size_t n;
	if (!find_spans(L, doc, len, path, &spans, &n)) {
		lua_pushnil(L);
		return 1;
	}
	struct sl_buf *b = sl_script_push_buf(L);
	lua_createtable(L, (int)n, 0);
	lua_createtable(L, (int)n, 0);
	for (size_t i = 0; i < n; i++) {
		const char *p = doc + spans[i].off;
		if (spans[i].kind == SL_JSON_STRING) {
			if (sl_json_string_decode(&p, doc + len, b))
				return luaL_error(L, "not enough memory");
			lua_pushlstring(L, b->data ? b->data : "", b->len);
		} else {
			lua_pushlstring(L, p, spans[i].len);
		}
		lua_rawseti(L, -3, (lua_Integer)i + 1);
		lua_pushstring(L, json_kinds[spans[i].kind]);
		lua_rawseti(L, -2, (lua_Integer)i + 1);
	}
	return 2;
}

/* Append the JSON text of Lua value 'idx' replacing a value of kind 'was'. */
static void put_json(lua_State *L, struct sl_buf *out, int idx, enum sl_json_kind was)
{
	int rc;
	size_t n;
	const char *s;
	switch (lua_type(L, idx)) {
	case LUA_TNIL:
		rc = sl_buf_puts(out, "null");
		break;
	case LUA_TBOOLEAN:
		rc = sl_buf_puts(out, lua_toboolean(L, idx) ? "true" : "false");
		break;
	case LUA_TNUMBER:
		s = lua_tolstring(L, idx, &n);
		if (!sl_json_is_number((const unsigned char *)s, n))
			luaL_error(L, "json_set: %s is not a JSON number", s);
		rc = sl_buf_append(out, s, n);
		break;
	case LUA_TSTRING:
		s = lua_tolstring(L, idx, &n);
		if (was == SL_JSON_NUMBER && sl_json_is_number((const unsigned char *)s, n)) {
			rc = sl_buf_append(out, s, n);
			break;
		}
		if (!sl_json_utf8_valid((const unsigned char *)s, n))
			luaL_error(L, "json_set: a new value is not valid UTF-8");
		rc = sl_json_string_encode(out, s, n);
		break;
	default:
		luaL_error(L, "json_set: values must be strings, numbers, booleans or nil, not %s",
		           luaL_typename(L, idx));
		return;
	}
	if (rc)
		luaL_error(L, "not enough memory");
}

static int lib_json_set(lua_State *L)
{
	size_t len;
	const char *doc = luaL_checklstring(L, 1, &len);
	const char *path = luaL_checkstring(L, 2);
	luaL_checktype(L, 3, LUA_TTABLE);
	struct sl_json_span *spans;
	size_t n;
	if (!find_spans(L, doc, len, path, &spans, &n)) {
		lua_pushnil(L);
		return 1;
	}
	struct sl_buf *out = sl_script_push_buf(L);
	size_t at = 0;
	for (size_t i = 0; i < n; i++) {
		if (sl_buf_append(out, doc + at, spans[i].off - at))
			return luaL_error(L, "not enough memory");
		lua_rawgeti(L, 3, (lua_Integer)i + 1);
		put_json(L, out, -1, spans[i].kind);
		lua_pop(L, 1);
		at = spans[i].off + spans[i].len;
	}
	if (sl_buf_append(out, doc + at, len - at))
		return luaL_error(L, "not enough memory");
	lua_pushlstring(L, out->data ? out->data : "", out->len);
	return 1;
}

void sl_script_open_mask(lua_State *L)
{
	static const luaL_Reg funcs[] = {{"sha256", lib_sha256},
	                                 {"permute_int", lib_permute_int},
	                                 {"permute_text", lib_permute_text},
	                                 {"regex_replace", lib_regex_replace},
	                                 {"json_get", lib_json_get},
	                                 {"json_set", lib_json_set},
	                                 {NULL, NULL}};
	luaL_newmetatable(L, "sluice.re");
	lua_pushcfunction(L, re_call_close);
	lua_setfield(L, -2, "__close");
	lua_pushcfunction(L, re_call_close);
	lua_setfield(L, -2, "__gc");
	lua_pop(L, 1);
	luaL_newmetatable(L, "sluice.spans");
	lua_pushcfunction(L, spans_close);
	lua_setfield(L, -2, "__close");
	lua_pushcfunction(L, spans_close);
	lua_setfield(L, -2, "__gc");
	lua_pop(L, 1);
	luaL_setfuncs(L, funcs, 0);
}
