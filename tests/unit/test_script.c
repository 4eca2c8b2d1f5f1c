/* test_script.c - unit tests for the Lua host (core/script*.c).
 *
 * SipHash-2-4 against the paper's vector; the sandbox (no io, os, debug,
 * package, file loaders, string.dump, binary chunks); the instruction
 * budget and the memory cap ending a runaway script with a message that
 * names script:line; the escapes the budget once had (pcall swallowing it,
 * finalizers, catastrophic patterns, table.move) and metamethods that
 * raise where no protected call was; the stop flag and the timeout; Lua
 * 5.4's pattern semantics kept on PCRE2 (tests/data/lua_patterns.*); each
 * hook's results and their type checks; transform rewriting, NULLing and
 * dropping rows; sluice.params; sluice.sql_int_in; sluice.queries on a
 * fake source of two connections (at most one query in flight on each,
 * rows in list order, what is in flight read away after an error). */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <lua.h>
#include <stdatomic.h>

#include "base/alloc.h"
#include "base/error.h"
#include "base/option.h"
#include "format/rowset.h"
#include "format/table.h"
#include "script/script.h"
#include "script/script_hooks.h"
#include "unit.h"

static char script_path[64];

/* Write 'text' to a temporary script file; its path is script_path. */
static void write_script(const char *text)
{
	snprintf(script_path, sizeof(script_path), "/tmp/sl-test-script-XXXXXX");
	int fd = mkstemp(script_path);
	if (fd < 0)
		abort();
	size_t n = strlen(text);
	if (write(fd, text, n) != (ssize_t)n)
		abort();
	close(fd);
}

static int open_text(const char *text, struct sl_script **s, struct sl_error *err)
{
	struct sl_script_opts opts = {.memory = 8u << 20, .budget = 100000, .params = NULL};
	write_script(text);
	int rc = sl_script_open(s, script_path, &opts, NULL, err);
	unlink(script_path);
	return rc;
}

/* The global RESULT, copied out (caller frees). */
struct result {
	char *text;
	size_t len;
};

static int read_result(lua_State *L, void *ud)
{
	struct result *r = ud;
	size_t n = 0;
	sl_script_get_global(L, "RESULT");
	const char *t = lua_tolstring(L, -1, &n);
	if (t && (r->text = malloc(n + 1))) {
		memcpy(r->text, t, n);
		r->len = n;
	}
	return 0;
}

static void test_siphash_vector(void)
{
	/* SipHash paper, appendix A: key 00..0f, message 00..0e. */
	unsigned char msg[15];
	for (int i = 0; i < 15; i++)
		msg[i] = (unsigned char)i;
	CHECK(sl_siphash24(0x0706050403020100ULL, 0x0f0e0d0c0b0a0908ULL, msg, 15) ==
	      0xa129ca6149be45e5ULL);
	CHECK(sl_script_keyed_hash("k", 1, "v", 1) == sl_script_keyed_hash("k", 1, "v", 1));
	CHECK(sl_script_keyed_hash("k", 1, "v", 1) != sl_script_keyed_hash("k2", 2, "v", 1));
}

static void test_sandbox(void)
{
	struct sl_script *s = NULL;
	struct sl_error err = {0};
	int rc = open_text(
	    "assert(os == nil and io == nil and debug == nil and package == nil)\n"
	    "assert(dofile == nil and loadfile == nil and string.dump == nil)\n"
	    "assert(collectgarbage == nil)\n"
	    "local f, msg = load('\\27Lua', 'x', 'bt')\n"
	    "assert(f == nil and msg:find('binary'))\n"
	    "assert(load('return 1 + 1')() == 2)\n"
	    "assert(#sluice.hash('k', 'v') == 16)\n"
	    "assert(sluice.hash('k', 'v') == sluice.hash('k', 'v'))\n"
	    "assert(require('mask').email('k', 'a@b') == require('mask').email('k', 'a@b'))\n"
	    "assert(not pcall(require, '../x'))\n",
	    &s, &err);
	CHECK_EQ_INT(rc, 0);
	if (rc)
		fprintf(stderr, "# %s\n", err.msg);
	sl_script_close(s);
}

static void test_budget_and_memory(void)
{
	struct sl_script *s = NULL;
	struct sl_error err = {0};
	CHECK_EQ_INT(open_text("local x = 0\nwhile true do x = x + 1 end\n", &s, &err), SL_ELUA);
	CHECK(s == NULL);
	CHECK(strstr(err.msg, ":2: instruction budget of 100000 exceeded") != NULL);
	sl_error_clear(&err);
	CHECK_EQ_INT(
	    open_text("local t = {}\nfor i = 1, 1e9 do t[i] = string.rep('x', 4096) .. i end\n", &s,
	              &err),
	    SL_ELUA);
	CHECK(strstr(err.msg, ":2: memory limit of 8388608 bytes exceeded") != NULL);
	sl_error_clear(&err);
	CHECK_EQ_INT(open_text("local s = string.rep('x', 1 << 30)\n", &s, &err), SL_ELUA);
	CHECK(strstr(err.msg, "memory limit") != NULL);
	sl_error_clear(&err);
	CHECK_EQ_INT(open_text("this is not lua\n", &s, &err), SL_ELUA);
	CHECK(strstr(err.msg, ":1:") != NULL);
}

/* What the budget could not stop before: each must end with an error. */
static void test_budget_escapes(void)
{
	static const struct {
		const char *text, *msg;
	} cases[] = {
	    /* pcall swallowing the budget error, forever */
	    {"while true do pcall(function() while true do end end) end\n", "instruction budget"},
	    {"while true do pcall(error, 'x') end\n", "instruction budget"},
	    /* finalizers run with hooks off */
	    {"setmetatable({}, {__gc = function() while true do end end})\n", "__gc"},
	    /* backtracking in C, where no hook fires */
	    {"local s = string.rep('a', 3000)\ns:find('a.-a.-a.-a.-a.-a.-a.-a.-%d')\n",
	     "pattern too complex"},
	    {"local s = string.rep('a', 3000)\nfor _ in s:gmatch('a*a*a*a*a*a*a*a*%d') do end\n",
	     "pattern too complex"},
	    {"local s = string.rep('a', 30000)\ns:gsub('a.-a.-a.-a.-a.-a.-[%d]', '')\n",
	     "pattern too complex"},
	    /* a copy loop in C */
	    {"table.move({}, 1, 1 << 40, 2)\n", "table.move"},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct sl_script *s = NULL;
		struct sl_error err = {0};
		int rc = open_text(cases[i].text, &s, &err);
		if (rc != SL_ELUA)
			fprintf(stderr, "# case %zu: rc %d\n", i, rc);
		CHECK_EQ_INT(rc, SL_ELUA);
		if (cases[i].msg && !strstr(err.msg, cases[i].msg))
			fprintf(stderr, "# case %zu: %s\n", i, err.msg);
		CHECK(!cases[i].msg || strstr(err.msg, cases[i].msg) != NULL);
		sl_script_close(s);
	}
}

/* A stop flag raised from outside ends a call; so does the clock. */
static void test_stop_and_timeout(void)
{
	struct sl_script *s = NULL;
	struct sl_error err = {0};
	atomic_bool stop = true;
	struct sl_script_opts opts = {
	    .memory = 8u << 20, .budget = 1000000000000ULL, .stop = &stop};
	write_script("while true do end\n");
	CHECK_EQ_INT(sl_script_open(&s, script_path, &opts, NULL, &err), SL_ELUA);
	CHECK(strstr(err.msg, "interrupted") != NULL);
	sl_error_clear(&err);
	opts.stop = NULL;
	opts.timeout_ms = 200;
	CHECK_EQ_INT(sl_script_open(&s, script_path, &opts, NULL, &err), SL_ELUA);
	CHECK(strstr(err.msg, "timed out after 0.2 s") != NULL);
	unlink(script_path);
}

/* Metamethods that raise where the host reads the script's values: each
 * ends the hook with an error message, never the process. */
static void test_raising_metamethods(void)
{
	struct sl_script *s = NULL;
	struct sl_error err = {0};
	bool take[2];
	const char *const sinks[] = {"a", "b"};
	struct sl_column c[1] = {{.name = "id"}};
	struct sl_table t = {.schema = "db", .name = "t", .ncols = 1, .cols = c};
	char *cond = NULL, *inc = NULL, *exc = NULL;
	int64_t rows;
	CHECK_EQ_INT(open_text("setmetatable(_G, {__index = function(t, k) error('boom') end})\n"
	                       "function route(t) return setmetatable({}, {__len = function() "
	                       "error('len') end}) end\n",
	                       &s, &err),
	             0);
	CHECK_EQ_INT(sl_script_where(s, &t, &cond, &rows, &err), 0); /* absent: globals read raw */
	CHECK(cond == NULL);
	CHECK_EQ_INT(sl_script_route(s, &t, sinks, 2, take, &err), 0); /* rawlen: empty array */
	CHECK(!take[0] && !take[1]);
	sl_script_close(s);
	CHECK_EQ_INT(open_text("tables = setmetatable({}, {__index = function() error('x') end})\n"
	                       "function where(t) return t.nope.x end\n",
	                       &s, &err),
	             0);
	CHECK_EQ_INT(sl_script_select_patterns(s, &inc, &exc, &err), 0);
	CHECK(inc == NULL && exc == NULL);
	CHECK_EQ_INT(sl_script_where(s, &t, &cond, &rows, &err), SL_ELUA);
	CHECK(strstr(err.msg, "where() for db.t") != NULL);
	sl_script_close(s);
}

/* Lua 5.4's own answers for thousands of find/match/gmatch/gsub calls. */
static void test_pattern_semantics(void)
{
	struct sl_script *s = NULL;
	struct sl_error err = {0};
	struct sl_script_opts opts = {.memory = 256u << 20, .budget = 1000000000};
	char path[512], *expect = NULL;
	snprintf(path, sizeof(path), "%s/lua_patterns.expected", SL_TEST_DATA);
	FILE *f = fopen(path, "rb");
	CHECK(f != NULL);
	if (!f)
		return;
	fseek(f, 0, SEEK_END);
	long n = ftell(f);
	rewind(f);
	expect = malloc((size_t)n + 1);
	CHECK(expect && fread(expect, 1, (size_t)n, f) == (size_t)n);
	fclose(f);
	expect[n] = '\0';
	snprintf(path, sizeof(path), "%s/lua_patterns.lua", SL_TEST_DATA);
	CHECK_EQ_INT(sl_script_open(&s, path, &opts, NULL, &err), 0);
	if (s) {
		struct result r = {NULL, 0};
		CHECK_EQ_INT(sl_script_invoke(s, "test", NULL, read_result, &r, &err), 0);
		CHECK(r.len == (size_t)n && r.text && !memcmp(r.text, expect, (size_t)n));
		free(r.text);
	} else {
		fprintf(stderr, "# %s\n", err.msg);
	}
	sl_script_close(s);
	free(expect);
}

static struct sl_column cols[2] = {{.name = "id"}, {.name = "name"}};
static struct sl_table table = {.schema = "db", .name = "t", .ncols = 2, .cols = cols};

static void test_hooks(void)
{
	struct sl_script *s = NULL;
	struct sl_error err = {0};
	int rc = open_text(
	    "function where(t) return t.schema .. '.' .. t.name == 'db.t' and 'id > 1' end\n"
	    "function route(t) return { 'b' } end\n"
	    "function rename(t, sink) return 'x' .. sink end\n"
	    "function tables(t) return #t.columns == 2 and t.columns.name ~= nil end\n"
	    "columns = { ['db.t'] = { name = 'UPPER(name)' } }\n",
	    &s, &err);
	CHECK_EQ_INT(rc, 0);
	if (rc)
		return;
	char *cond = NULL, *db = NULL, *name = NULL, **exprs = NULL;
	int64_t rows;
	CHECK_EQ_INT(sl_script_where(s, &table, &cond, &rows, &err), 0);
	CHECK_EQ_STR(cond, "id > 1");
	const char *sinks[] = {"a", "b"};
	bool take[2] = {true, true};
	CHECK_EQ_INT(sl_script_route(s, &table, sinks, 2, take, &err), 0);
	CHECK(!take[0] && take[1]);
	CHECK_EQ_INT(sl_script_rename(s, &table, "b", &db, &name, &err), 0);
	CHECK_EQ_STR(db, "xb");
	CHECK(name == NULL);
	bool keep = false;
	CHECK_EQ_INT(sl_script_select(s, &table, &keep, &err), 0);
	CHECK(keep);
	CHECK_EQ_INT(sl_script_columns(s, &table, &exprs, &err), 0);
	CHECK(exprs && exprs[0] == NULL && exprs[1] && !strcmp(exprs[1], "UPPER(name)"));
	sl_free(cond);
	sl_free(db);
	sl_table_free_exprs(exprs, 2);
	sl_script_close(s);

	/* Wrong result types are errors naming the hook and the table. */
	CHECK_EQ_INT(open_text("function where(t) return {} end\n"
	                       "function route(t) return 'c' end\n",
	                       &s, &err),
	             0);
	CHECK_EQ_INT(sl_script_where(s, &table, &cond, &rows, &err), SL_ELUA);
	CHECK(strstr(err.msg, "where() for db.t") && strstr(err.msg, "got table"));
	sl_error_clear(&err);
	CHECK_EQ_INT(sl_script_route(s, &table, sinks, 2, take, &err), SL_ELUA);
	CHECK(strstr(err.msg, "unknown sink 'c' (sinks: a, b)") != NULL);
	sl_script_close(s);
}

static void test_transform(void)
{
	struct sl_script *s = NULL;
	struct sl_error err = {0};
	int rc = open_text("function transform(t, rows)\n"
	                   "  local name = rows:column('name')\n"
	                   "  for i = 1, rows.n do name[i] = name[i] and name[i]:upper() end\n"
	                   "  rows:column('id')[3] = 42\n"
	                   "  rows:drop(2)\n"
	                   "end\n",
	                   &s, &err);
	CHECK_EQ_INT(rc, 0);
	if (rc)
		return;
	const struct sl_column *cp[2] = {&cols[0], &cols[1]};
	struct sl_rowset rs;
	sl_rowset_init(&rs, 2, cp);
	const char *r1[2] = {"1", "ann"}, *r2[2] = {"2", "bob"}, *r3[2] = {"3", NULL};
	unsigned long l1[2] = {1, 3}, l3[2] = {1, 0};
	sl_rowset_add_row(&rs, r1, l1);
	sl_rowset_add_row(&rs, r2, l1);
	sl_rowset_add_row(&rs, r3, l3);
	const struct sl_rowset *out = NULL;
	CHECK_EQ_INT(sl_script_transform(s, &table, &rs, &out, &err), 0);
	CHECK(out != &rs);
	CHECK_EQ_INT(out->nrows, 2);
	size_t len;
	const char *v = sl_rowset_value(out, 0, 1, &len);
	CHECK_EQ_MEM(v, len, "ANN");
	v = sl_rowset_value(out, 1, 0, &len);
	CHECK_EQ_MEM(v, len, "42");
	CHECK(sl_rowset_value(out, 1, 1, &len) == NULL);
	sl_rowset_free(&rs);
	sl_script_close(s);
}

static void test_sql_int_in(void)
{
	struct sl_script *s = NULL;
	struct sl_error err = {0};
	int rc = open_text(
	    "local f = sluice.sql_int_in\n"
	    "assert(f('`id`', {'5','3','4','1','2','3','20','6','7','8','100'}) ==\n"
	    "       '(`id` BETWEEN 1 AND 8 OR `id` IN (20,100))')\n"
	    "assert(f('c', {3, '-2', 9}) == 'c IN (-2,3,9)')\n"
	    "assert(f('c', {'9223372036854775807', '-9223372036854775808'}) ==\n"
	    "       'c IN (-9223372036854775808,9223372036854775807)')\n"
	    "assert(f('c', {1, 2}, 2) == 'c BETWEEN 1 AND 2')\n"
	    "assert(f('c', {1, 2, 3, 10, 11, 12}, 3) == '(c BETWEEN 1 AND 3 OR c BETWEEN 10 AND "
	    "12)')\n"
	    "for _, bad in ipairs({ {}, {'1', '0x10'}, {'1.5'}, {1.5}, {'1', 'a'}, {''}, {'-'},\n"
	    "                       {' 1'}, {'99999999999999999999'}, {true} }) do\n"
	    "  assert(f('c', bad) == nil)\n"
	    "end\n"
	    "assert(not pcall(f, 'c', {1, 2}, 1))\n",
	    &s, &err);
	CHECK_EQ_INT(rc, 0);
	if (rc)
		fprintf(stderr, "# %s\n", err.msg);
	sl_script_close(s);
}

/* A source of two connections that answers each query with one row, its
 * text and its connection; "FAIL" in the text fails it.  It records what
 * it was asked. */
struct fake_source {
	char log[512];
	int in_flight[2];
	int max_in_flight;
	const char *sql[2];
	int sends, reads;
};

static int fake_send(void *ud, unsigned slot, const char *sql, size_t len, uint64_t ms,
                     struct sl_error *err)
{
	(void)len, (void)ms, (void)err;
	struct fake_source *f = ud;
	if (f->in_flight[slot]++)
		f->max_in_flight = 99; /* two at once on one connection */
	f->sql[slot] = sql;
	f->sends++;
	snprintf(f->log + strlen(f->log), sizeof(f->log) - strlen(f->log), "s%u ", slot);
	return 0;
}

static int fake_read(void *ud, unsigned slot, sl_script_row_fn row, void *cb, struct sl_error *err)
{
	struct fake_source *f = ud;
	f->in_flight[slot]--;
	f->reads++;
	snprintf(f->log + strlen(f->log), sizeof(f->log) - strlen(f->log), "r%u ", slot);
	if (strstr(f->sql[slot], "FAIL"))
		return sl_error_set(err, SL_EDB, "server error 1146: no such table");
	if (!row)
		return 0;
	/* sql, slot (an integer column), and what follows "SELECT " (one too) */
	const char *names[] = {"sql", "slot", "n", NULL};
	char slotname[2] = {(char)('0' + slot), 0};
	const char *n = strlen(f->sql[slot]) > 7 ? f->sql[slot] + 7 : "";
	char *values[] = {(char *)f->sql[slot], slotname, (char *)n};
	unsigned long lens[] = {strlen(f->sql[slot]), 1, strlen(n)};
	const bool ints[] = {false, true, true};
	int rc = row(cb, 3, names, ints, NULL, NULL);
	return rc ? rc : row(cb, 3, names, ints, values, lens);
}

static int fake_run(void *ud, const char *sql, size_t len, uint64_t ms, sl_script_row_fn row,
                    void *cb, struct sl_error *err)
{
	int rc = fake_send(ud, 0, sql, len, ms, err);
	return rc ? rc : fake_read(ud, 0, row, cb, err);
}

static void test_queries(void)
{
	struct sl_script *s = NULL;
	struct sl_error err = {0};
	int rc = open_text(
	    "function where(t)\n"
	    "  local got = {}\n"
	    "  local n = sluice.queries({'SELECT 1', 'SELECT 2', 'SELECT 3'}, function(i, row)\n"
	    "    got[#got + 1] = i .. ':' .. row[1] .. '@' .. row[2]\n"
	    "  end)\n"
	    "  assert(n == 3)\n"
	    "  if t.name == 'bad' then\n"
	    "    local ok, e = pcall(sluice.queries, {'SELECT 1', 'SELECT FAIL', 'SELECT 3'},\n"
	    "                        function() end)\n"
	    "    assert(not ok and e:find('sluice.queries: query 2: server error 1146', 1, true), "
	    "e)\n"
	    "    ok, e = pcall(sluice.queries, {'SELECT 1', 'SELECT 2', 'SELECT 3'},\n"
	    "                  function(i) if i == 1 then error('stop') end end)\n"
	    "    assert(not ok and e:find('stop'), e)\n"
	    "    ok, e = pcall(sluice.queries, {'SELECT 1', 'DELETE FROM x'}, function() end)\n"
	    "    assert(not ok and e:find('query 2: only SELECT', 1, true), e)\n"
	    "    local m = {}\n"
	    "    sluice.queries({'SELECT 1', 'SELECT 2'}, { function(row) m[1] = row[1] end,\n"
	    "                                             function(row) m[2] = row[1] end })\n"
	    "    assert(m[1] == 'SELECT 1' and m[2] == 'SELECT 2')\n"
	    "    ok, e = pcall(sluice.queries, {'SELECT 1', 'SELECT 2'}, { function() end })\n"
	    "    assert(not ok and e:find('no function for query 2', 1, true), e)\n"
	    "    local v = {}\n"
	    "    sluice.queries({'SELECT -12', 'SELECT 007', 'SELECT 1234567890123456789', 'SELECT "
	    "0',\n"
	    "                    'SELECT 123456789012345678'}, function(i, row) v[i] = row end,\n"
	    "                   { integers = true })\n"
	    "    assert(math.type(v[1][2]) == 'integer' and v[1][3] == -12 and v[1][1] == 'SELECT "
	    "-12')\n"
	    "    assert(v[2][3] == '007' and v[3][3] == '1234567890123456789')\n"
	    "    assert(v[4][3] == 0 and v[5][3] == 123456789012345678)\n"
	    "    sluice.queries({'SELECT 5'}, function(i, row) v[6] = row end)\n"
	    "    assert(v[6][2] == '0' and v[6][3] == '5')\n"
	    "  end\n"
	    "  return table.concat(got, ' ')\n"
	    "end\n",
	    &s, &err);
	CHECK_EQ_INT(rc, 0);
	if (rc)
		return;
	char *cond = NULL;
	int64_t rows;
	/* Two connections: the third query waits for the first's rows. */
	struct fake_source f = {0};
	struct sl_script_query q = {
	    .run = fake_run, .send = fake_send, .read = fake_read, .slots = 2, .ud = &f};
	sl_script_set_query(s, &q);
	CHECK_EQ_INT(sl_script_where(s, &table, &cond, &rows, &err), 0);
	CHECK_EQ_STR(cond, "1:SELECT 1@0 2:SELECT 2@1 3:SELECT 3@0");
	CHECK_EQ_STR(f.log, "s0 s1 r0 s0 r1 r0 ");
	CHECK(f.max_in_flight == 0);
	sl_free(cond);
	cond = NULL;

	/* Errors: whatever was sent is read, the message names the query; the
	 * text is checked before anything is sent. */
	struct sl_table bad = table;
	bad.name = "bad";
	memset(&f, 0, sizeof(f));
	CHECK_EQ_INT(sl_script_where(s, &bad, &cond, &rows, &err), 0);
	if (err.code)
		fprintf(stderr, "# %s\n", err.msg);
	CHECK_EQ_INT(f.sends, f.reads);
	/* 3, then 3 (the third was in flight when the second failed), then 2
	 * (the first one's rows raised: the third was never sent), then 2 (a
	 * function per query; a missing one is found before anything is sent),
	 * then 5 and 1 (integer columns as integers, or not). */
	CHECK_EQ_INT(f.sends, 3 + 3 + 2 + 2 + 5 + 1);
	CHECK(f.max_in_flight == 0);
	sl_free(cond);
	cond = NULL;

	/* A source without send/read: one query after the other. */
	struct sl_script_query one = {.run = fake_run, .ud = &f};
	memset(&f, 0, sizeof(f));
	sl_script_set_query(s, &one);
	CHECK_EQ_INT(sl_script_where(s, &table, &cond, &rows, &err), 0);
	CHECK_EQ_STR(cond, "1:SELECT 1@0 2:SELECT 2@0 3:SELECT 3@0");
	CHECK_EQ_STR(f.log, "s0 r0 s0 r0 s0 r0 ");
	sl_free(cond);
	sl_script_set_query(s, NULL);
	sl_script_close(s);
}

static void test_params(void)
{
	struct sl_script *s = NULL;
	struct sl_error err = {0};
	char *kv[] = {"a=1", "b=x=y"};
	struct sl_strlist params = {.n = 2, .v = kv};
	struct sl_script_opts opts = {.memory = 8u << 20, .budget = 100000, .params = &params};
	write_script("assert(sluice.params.a == '1' and sluice.params.b == 'x=y')\n");
	CHECK_EQ_INT(sl_script_open(&s, script_path, &opts, NULL, &err), 0);
	sl_script_close(s);
	unlink(script_path);
}

int main(void)
{
	UNIT_RUN(test_siphash_vector);
	UNIT_RUN(test_sandbox);
	UNIT_RUN(test_budget_and_memory);
	UNIT_RUN(test_budget_escapes);
	UNIT_RUN(test_stop_and_timeout);
	UNIT_RUN(test_raising_metamethods);
	UNIT_RUN(test_pattern_semantics);
	UNIT_RUN(test_hooks);
	UNIT_RUN(test_transform);
	UNIT_RUN(test_params);
	UNIT_RUN(test_sql_int_in);
	UNIT_RUN(test_queries);
	return UNIT_DONE();
}
