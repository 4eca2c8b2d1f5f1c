/* test_mask.c - unit tests for the masking kit's C helpers
 * (core/script/script_mask.c), sluice.sql_value and sluice.query outside a
 * source (core/script/script_query.c), run as Lua in a sandboxed state.
 *
 * sha256 against FIPS 180-2's vectors; permute_int a bijection on every
 * 8- and 16-bit value, signed and unsigned, and inside the type; 64-bit
 * extremes; permute_text a bijection on every 3-character string of
 * digits and lower-case letters, keeping the class of each byte and other
 * bytes, and distinct under ASCII case folding; regex_replace with groups
 * and '$'; json_get/json_set keeping every other byte; sql_value literals;
 * the masks of scripts/mask.lua on fixed values (date, number, unique_email);
 * sluice.query refused where no source lends it. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/error.h"
#include "script/script.h"
#include "unit.h"

/* Run 'text' as a script's main chunk; 0 when it ran (its asserts held). */
static int run(const char *text)
{
	char path[64] = "/tmp/sl-test-mask-XXXXXX";
	int fd = mkstemp(path);
	if (fd < 0)
		abort();
	size_t n = strlen(text);
	if (write(fd, text, n) != (ssize_t)n)
		abort();
	close(fd);
	struct sl_script_opts opts = {.memory = 64u << 20, .budget = 2000000000};
	struct sl_script *s = NULL;
	struct sl_error err = {0};
	int rc = sl_script_open(&s, path, &opts, NULL, &err);
	unlink(path);
	if (rc)
		fprintf(stderr, "# %s\n", err.msg);
	sl_script_close(s);
	return rc;
}

static void test_sha256(void)
{
	CHECK_EQ_INT(run("assert(sluice.sha256('abc') == "
	                 "'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad')\n"
	                 "assert(sluice.sha256('') == "
	                 "'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855')\n"),
	             0);
}

static void test_permute_int(void)
{
	CHECK_EQ_INT(
	    run("for _, case in ipairs{ {8, false, 0, 255}, {8, true, -128, 127},\n"
	        "    {16, false, 0, 65535}, {16, true, -32768, 32767} } do\n"
	        "  local bits, signed, lo, hi = table.unpack(case)\n"
	        "  local seen, moved = {}, 0\n"
	        "  for v = lo, hi do\n"
	        "    local m = math.tointeger(tonumber(sluice.permute_int('k', tostring(v), "
	        "bits, signed)))\n"
	        "    assert(m >= lo and m <= hi, 'outside the type: ' .. m)\n"
	        "    assert(not seen[m], 'repeated: ' .. m)\n"
	        "    seen[m] = true\n"
	        "    if m ~= v then moved = moved + 1 end\n"
	        "  end\n"
	        "  assert(moved > (hi - lo) * 0.9)\n"
	        "end\n"
	        "assert(sluice.permute_int('k', '7', 32) == sluice.permute_int('k', '7', 32))\n"
	        "assert(sluice.permute_int('k', '7', 32) ~= sluice.permute_int('j', '7', 32))\n"
	        "local big = sluice.permute_int('k', '18446744073709551615', 64, false)\n"
	        "assert(big:match('^%d+$') and #big <= 20)\n"
	        "assert(sluice.permute_int('k', '-9223372036854775808', 64, true):match("
	        "'^%-?%d+$'))\n"
	        "assert(not pcall(sluice.permute_int, 'k', 'x1', 32))\n"
	        "assert(not pcall(sluice.permute_int, 'k', '-1', 32, false))\n"
	        "assert(not pcall(sluice.permute_int, 'k', '1', 12))\n"),
	    0);
}

static void test_permute_text(void)
{
	CHECK_EQ_INT(
	    run("local a = '0123456789abcdefghijklmnopqrstuvwxyz'\n"
	        "local seen = {}\n"
	        "for i = 1, 36 do for j = 1, 36 do for k = 1, 36 do\n"
	        "  local s = a:sub(i, i) .. a:sub(j, j) .. a:sub(k, k)\n"
	        "  local m = sluice.permute_text('k', s)\n"
	        "  assert(not seen[m], 'repeated: ' .. m)\n"
	        "  seen[m] = true\n"
	        "  for p = 1, 3 do\n"
	        "    assert((s:sub(p, p):match('%d') ~= nil) == (m:sub(p, p):match('%d') ~= nil))\n"
	        "  end\n"
	        "end end end\n"
	        "local m = sluice.permute_text('k', 'John.Smith-42 @é.com')\n"
	        "assert(#m == #'John.Smith-42 @é.com')\n"
	        "assert(m:match('^%u%l%l%l%.%u%l%l%l%l%-%d%d @é%.%l%l%l$'), m)\n"
	        "assert(m ~= 'John.Smith-42 @é.com')\n"
	        "local x, y = sluice.permute_text('k', 'AbC9'), sluice.permute_text('k', 'aBc9')\n"
	        "assert(x:lower() == y:lower() and x ~= y)\n"
	        "assert(sluice.permute_text('k', '') == '' and sluice.permute_text('k', '-.-') == "
	        "'-.-')\n"),
	    0);
}

static void test_regex_and_json(void)
{
	CHECK_EQ_INT(
	    run("assert(sluice.regex_replace('user12@x', '^user(\\\\d+)@', 'c\\\\1 at ') == "
	        "'c12 at x')\n"
	        "assert(sluice.regex_replace('a-b-c', '-', '$') == 'a$b$c')\n"
	        "assert(sluice.regex_replace('été', 'é', 'e') == 'ete')\n"
	        "assert(not pcall(sluice.regex_replace, 'x', '(', ''))\n"
	        "local doc = '{\"a\": [ {\"e\": \"x@y\"}, {\"e\": \"p\\\\u0040q\"} ], \"n\": "
	        "1.50}'\n"
	        "local v, k = sluice.json_get(doc, '$.a[*].e')\n"
	        "assert(#v == 2 and v[1] == 'x@y' and v[2] == 'p@q' and k[1] == 'string')\n"
	        "assert(sluice.json_set(doc, '$.a[*].e', {'1', 'é\"'}) == "
	        "'{\"a\": [ {\"e\": \"1\"}, {\"e\": \"é\\\\\"\"} ], \"n\": 1.50}')\n"
	        "assert(sluice.json_set(doc, '$.n', {'2.25'}) == "
	        "'{\"a\": [ {\"e\": \"x@y\"}, {\"e\": \"p\\\\u0040q\"} ], \"n\": 2.25}')\n"
	        "assert(sluice.json_set(doc, '$.n', {nil}):find('\"n\": null'))\n"
	        "assert(sluice.json_get('{oops', '$.a') == nil)\n"
	        "assert(not pcall(sluice.json_get, '{}', 'a'))\n"),
	    0);
}

static void test_sql_value_and_query(void)
{
	CHECK_EQ_INT(run("local n = {data_type = 'int'}\n"
	                 "local s = {data_type = 'varchar', charset = 'utf8mb4'}\n"
	                 "local b = {data_type = 'varbinary'}\n"
	                 "local d = {data_type = 'datetime'}\n"
	                 "assert(sluice.sql_value('42', n) == '42')\n"
	                 "assert(sluice.sql_value(\"a'b\", s) == '_utf8mb4 0x612762')\n"
	                 "assert(sluice.sql_value('', s) == \"_utf8mb4 ''\")\n"
	                 "assert(sluice.sql_value('\\0', b) == '0x00')\n"
	                 "assert(sluice.sql_value('2024-01-01 00:00:00', d) == \"'2024-01-01 "
	                 "00:00:00'\")\n"
	                 "assert(sluice.sql_value(nil, n) == 'NULL')\n"
	                 "local ok, err = pcall(sluice.query, 'SELECT 1')\n"
	                 "assert(not ok and err:find('no server to ask here'))\n"),
	             0);
}

static void test_mask_lua(void)
{
	CHECK_EQ_INT(
	    run("local mask = require 'mask'\n"
	        "assert(mask.date('k', '2024-02-28 10:00:00', 0) == '2024-02-28 10:00:00')\n"
	        "local d = mask.date('k', '2024-02-28', 400)\n"
	        "assert(d:match('^%d%d%d%d%-%d%d%-%d%d$') and d ~= '2024-02-28')\n"
	        "assert(mask.date('k', '0000-00-00', 3) == nil)\n"
	        "local col = {data_type = 'decimal', type = 'decimal(5,2) unsigned'}\n"
	        "for i = 1, 200 do\n"
	        "  local v = mask.number('k' .. i, '999.99', 50, col)\n"
	        "  local x = tonumber(v)\n"
	        "  assert(x >= 949.99 and x <= 999.99 and v:match('^%d+%.%d%d$'), v)\n"
	        "  local y = tonumber(mask.number('k' .. i, '0.01', 3, col))\n"
	        "  assert(y >= 0 and y <= 3.01)\n"
	        "end\n"
	        "local t = {data_type = 'tinyint', type = 'tinyint(4)'}\n"
	        "assert(tonumber(mask.number('k', '127', 1000, t)) <= 127)\n"
	        "assert(mask.unique_email('k', "
	        "'john.doe@corp.com'):match('^%l%l%l%l%.%l%l%l@%l%l%l%l%.com$'))\n"
	        "assert(mask.pick('k', 'x', {'a'}) == 'a' and mask.pick('k', nil, {'a'}) == nil)\n"
	        "assert(#mask.token('k', 'v', 'u') == 33)\n"
	        "assert(mask.unique_int('k', '5', {data_type = 'smallint', type = 'smallint(6)'}) "
	        "==\n"
	        "       sluice.permute_int('k', '5', 16, true))\n"),
	    0);
}

int main(void)
{
	UNIT_RUN(test_sha256);
	UNIT_RUN(test_permute_int);
	UNIT_RUN(test_permute_text);
	UNIT_RUN(test_regex_and_json);
	UNIT_RUN(test_sql_value_and_query);
	UNIT_RUN(test_mask_lua);
	return UNIT_DONE();
}
