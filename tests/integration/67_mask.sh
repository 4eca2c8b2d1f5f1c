#!/usr/bin/env bash
# 67_mask.sh - the masking kit (scripts/mask.lua), on the server and in Lua.
#   * each SQL mask and its Lua twin give the same output for every row
#     (date, number, pick, token, unique_int, replace), checked inside a
#     hook with sluice.query, which sees the source's values and the
#     server's masked ones side by side;
#   * bounds: dates move at most N days, numbers at most the bound, in range
#     and scale;
#   * JSON: values at a path masked, every other byte kept, in both forms;
#   * unique masks keep a UNIQUE column of 1M distinct values distinct (the
#     load adds the UNIQUE key after the data, and would fail on a repeat),
#     and the server's and Lua's permutations agree on all of them;
#   * masking a key column gives the columns that reference it (a composite
#     key too) the same values: every foreign key still holds.
# shellcheck source=tests/lib/common.sh
. "$(dirname "$0")/../lib/common.sh"
need_sluice
need_server src dst

t_begin "corpus tests/data/subset.sql on src, and 1M unique values"
server_client src <"$SL_ROOT/tests/data/subset.sql" >"$T/corpus.log" 2>&1 || t_fail "corpus: $(tail -n 3 "$T/corpus.log")"
have=$(sql src "SELECT COUNT(*) FROM information_schema.TABLES WHERE TABLE_SCHEMA = 'uniq' AND TABLE_NAME = 'u' AND TABLE_ROWS > 0" 2>/dev/null)
if [ "$have" != 1 ] || [ "$(sql src "SELECT COUNT(*) FROM uniq.u")" != 1000000 ]; then
	sql src "DROP DATABASE IF EXISTS uniq; CREATE DATABASE uniq; USE uniq;
	  CREATE TABLE uniq.u (id INT PRIMARY KEY, code INT NOT NULL, email VARCHAR(60) NOT NULL,
	    UNIQUE KEY (code), UNIQUE KEY (email)) ENGINE = InnoDB;
	  INSERT INTO uniq.u SELECT seq, CAST(seq AS SIGNED) * 7 - 3500000, CONCAT('person.', seq, '@corp', seq % 97, '.example')
	    FROM seq_1_to_1000000" >"$T/uniq.log" 2>&1 || t_fail "uniq.u: $(tail -n 3 "$T/uniq.log")"
fi
t_pass

lua() { printf '%s\n' "$2" >"$T/$1.lua"; }

t_begin "every SQL mask and its Lua twin agree on every row; dates and numbers stay in bounds"
lua parity 'local mask = require "mask"
local key = "k1"
local done = false
function tables(t)
  if done then return true end
  done = true
  local c, p = sluice.tables["sub_rent.customer"], sluice.tables["sub_rent.payment"]
  local checks = {
    { "date", "sub_rent.rental", "rental_date", function(v) return mask.date(key, v, 30) end,
      mask.sql_date(key, "rental_date", 30) },
    { "number", "sub_rent.payment", "amount", function(v) return mask.number(key, v, 5, p.columns.amount, { min = 0 }) end,
      mask.sql_number(key, p.columns.amount, 5, { min = 0 }) },
    { "integer", "sub_rent.customer", "id", function(v) return mask.number(key, v, 100, c.columns.id) end,
      mask.sql_number(key, c.columns.id, 100) },
    { "unique_int", "sub_rent.customer", "id", function(v) return mask.unique_int(key, v, c.columns.id) end,
      mask.sql_unique_int(key, c.columns.id) },
    { "pick", "sub_rent.customer", "name", function(v) return mask.pick(key, v, { "a", "b", "c" }) end,
      mask.sql_pick(key, "name", { "a", "b", "c" }) },
    { "token", "sub_rent.customer", "email", function(v) return mask.token(key, v, "u") end,
      mask.sql_token(key, "email", "u") },
    { "replace", "sub_rent.customer", "email", function(v) return mask.replace(v, "^user(\\d+)@", "client\\1 at ") end,
      mask.sql_replace("email", "^user(\\d+)@", "client\\1 at ") },
  }
  for _, ch in ipairs(checks) do
    local n, bad = 0, 0
    sluice.query("SELECT " .. ch[3] .. ", " .. ch[5] .. " FROM " .. ch[2], function(row)
      n = n + 1
      if ch[4](row[1]) ~= row[2] then
        bad = bad + 1
        if bad == 1 then print("differ " .. ch[1] .. ": " .. row[1] .. " -> lua " .. tostring(ch[4](row[1])) .. ", sql " .. tostring(row[2])) end
      end
    end)
    print("parity " .. ch[1] .. " " .. n .. " " .. bad)
  end
  local r = sluice.query("SELECT MAX(ABS(DATEDIFF(" .. mask.sql_date(key, "rental_date", 30) .. ", rental_date))), " ..
    "SUM(" .. mask.sql_date(key, "rental_date", 30) .. " <> rental_date), " ..
    "SUM(TIME(" .. mask.sql_date(key, "rental_date", 30) .. ") <> TIME(rental_date)) FROM sub_rent.rental")[1]
  print("dates " .. r[1] .. " " .. r[2] .. " " .. r[3])
  r = sluice.query("SELECT MAX(ABS(m - amount)), MIN(m), SUM(m <> amount), SUM(m <> ROUND(m, 2)) FROM (SELECT amount, " ..
    mask.sql_number(key, p.columns.amount, 5, { min = 0 }) .. " AS m FROM sub_rent.payment) x")[1]
  print("numbers " .. r[1] .. " " .. r[2] .. " " .. r[3] .. " " .. r[4])
  return true
end'
capture parity sluice dump "${SRC[@]}" -B sub_rent --script "$T/parity.lua" --dry-run
assert_exit_zero "$RC" "exit ($ERR)"
for m in date number integer unique_int pick token replace; do
	line=$(grep -o "parity $m [0-9]* [0-9]*" <<<"$ERR")
	assert_match "$line" "^parity $m [1-9][0-9]+ 0$" "$m: rows and differences ($(grep -m 1 "differ $m" <<<"$ERR"))"
done
read -r _ maxdays moved timechanged <<<"$(grep -o 'dates .*' <<<"$ERR")"
assert_le "$maxdays" 30 "days moved at most"
assert_le 4000 "$moved" "dates that moved (of 5000)"
assert_eq 0 "$timechanged" "times of day changed"
read -r _ maxmove minval moved offscale <<<"$(grep -o 'numbers .*' <<<"$ERR")"
assert_le "$maxmove" 5 "amounts moved at most"
assert_le 0 "$minval" "amounts kept at or above the minimum"
assert_le 4000 "$moved" "amounts that moved (of 5000)"
assert_eq 0 "$offscale" "amounts off the column's scale"
t_pass

t_begin "JSON: the values at a path masked, every other byte kept, on the server and in Lua"
lua json 'local mask = require "mask"
local key = "k1"
local done = false
function tables(t)
  if done then return true end
  done = true
  local doc = [[{"user": {"email": "a@b.com", "age": 41}, "big": 12345678901234567890123, "z": -0, "tags": [{"e": "x@y.z"}, {"e": "p@q.r"}], "n": 1.10}]]
  print("lua " .. mask.json(doc, {
    ["$.user.email"] = function(v) return mask.token(key, v, "t") end,
    ["$.tags[*].e"] = function(v) return mask.unique_email(key, v) end }))
  print("bad " .. tostring(mask.json("{not json", { ["$.a"] = function(v) return v end })))
  local e = mask.expr("CAST(" .. "\x27" .. doc .. "\x27" .. " AS CHAR)")
  print("sql " .. sluice.query("SELECT " .. mask.sql_json(e, {
    ["$.user.email"] = function(x) return mask.sql_token(key, x, "t") end }))[1][1])
  print("token " .. mask.token(key, "a@b.com", "t"))
  return true
end'
capture json sluice dump "${SRC[@]}" -B sub_rent --script "$T/json.lua" --dry-run
assert_exit_zero "$RC" "exit ($ERR)"
token=$(grep -o 'token t[0-9a-f]*' <<<"$ERR" | cut -d' ' -f2)
assert_match "$token" "^t[0-9a-f]{32}$" "the token"
lua_doc=$(grep -o 'lua .*' <<<"$ERR" | cut -c5-)
assert_match "$lua_doc" "^\\{\"user\": \\{\"email\": \"$token\", \"age\": 41\\}, \"big\": 12345678901234567890123, \"z\": -0, \"tags\": \\[\\{\"e\": \"[a-z]@[a-z]\\.z\"\\}, \\{\"e\": \"[a-z]@[a-z]\\.r\"\\}\\], \"n\": 1\\.10\\}$" "Lua: masked at the paths, the rest byte for byte"
assert_not_contains "$lua_doc" "x@y.z" "wildcard path masked"
assert_contains "$ERR" "bad nil" "not JSON: NULL, as the server's JSON_REPLACE"
assert_contains "$(grep -o 'sql .*' <<<"$ERR")" "\"email\": \"$token\"" "the server's JSON_REPLACE with the same token"
t_pass

t_begin "a key column masked: the columns referencing it get the same values, composite keys too"
lua follow 'local mask = require "mask"
local subset = require "subset"
local key = "k1"
local plan = subset.plan{ seeds = { ["sub_rent.rental"] = "id <= 300" } }
tables = plan.tables
where = plan.where
columns = mask.sql_columns{
  ["sub_rent.customer"] = { id = function(c) return mask.sql_unique_int(key, c) end },
  ["sub_rent.shelf"] = { code = function(c) return mask.sql_replace(c, "^S", "Z") end },
}
transform = mask.transforms{
  ["sub_rent.staff"] = { id = function(v) return mask.unique_int(key, v, sluice.tables["sub_rent.staff"].columns.id) end },
}'
sql dst "SET foreign_key_checks = 0; DROP DATABASE IF EXISTS sub_rent; DROP DATABASE IF EXISTS sub_billing"
capture follow sluice dump "${SRC[@]}" -B sub_rent,sub_billing --script "$T/follow.lua"
assert_exit_zero "$RC" "dump exit ($ERR)"
capture followl sluice load "${DST[@]}" --input "$T/follow.out"
assert_exit_zero "$RC" "load exit ($ERR)"
assert_eq "" "$(fk_orphans dst sub_rent sub_billing)" "orphans"
assert_eq 0 "$(sql dst "SELECT COUNT(*) FROM sub_rent.customer WHERE id BETWEEN 1 AND 1000")" "customer ids masked"
assert_eq 0 "$(sql dst "SELECT COUNT(*) FROM sub_rent.staff WHERE id BETWEEN 1 AND 30")" "staff ids masked (Lua)"
assert_eq 0 "$(sql dst "SELECT COUNT(*) FROM sub_rent.inventory WHERE shelf_code LIKE 'S%'")" "shelf codes masked in inventory too"
assert_le 1 "$(sql dst "SELECT COUNT(*) FROM sub_rent.inventory WHERE shelf_code LIKE 'Z%'")" "masked shelf codes there"
assert_eq "$(sql src "SELECT COUNT(*) FROM sub_rent.rental r JOIN sub_rent.staff s ON s.id = r.staff_id JOIN sub_rent.customer c ON c.id = r.customer_id WHERE r.id <= 300")" \
	"$(sql dst "SELECT COUNT(*) FROM sub_rent.rental r JOIN sub_rent.staff s ON s.id = r.staff_id JOIN sub_rent.customer c ON c.id = r.customer_id")" "joins hold"
assert_eq "" "$(fk_server_judges dst sub_rent sub_billing)" "the server accepts every key"
t_pass

# unique NAME LUA: dump uniq.u with the script, load it (the UNIQUE keys are
# added after the data), count distinct values.
unique() {
	local name=$1
	lua "$name" "$2"
	drop_dbs dst uniq
	"$SLUICE" dump "${SRC[@]}" -B uniq --script "$T/$name.lua" -t 2 2>"$T/$name.err" |
		"$SLUICE" load "${DST[@]}" -t 2 2>>"$T/$name.err"
	local rc=("${PIPESTATUS[@]}")
	assert_eq "0 0" "${rc[*]}" "dump | load ($(head -c 300 "$T/$name.err"))"
	assert_eq "1000000 1000000 1000000" "$(sql dst "SELECT COUNT(*), COUNT(DISTINCT code), COUNT(DISTINCT email) FROM uniq.u" | tr '\t' ' ')" "rows, distinct codes, distinct emails"
	assert_le "$(sql dst "SELECT COUNT(*) FROM uniq.u WHERE code = id * 7 - 3500000")" 10 "codes unchanged"
	assert_eq 0 "$(sql dst "SELECT COUNT(*) FROM uniq.u WHERE email LIKE 'person.%'")" "emails unchanged"
	assert_eq 2 "$(sql dst "SELECT COUNT(*) FROM information_schema.STATISTICS WHERE TABLE_SCHEMA = 'uniq' AND TABLE_NAME = 'u' AND NON_UNIQUE = 0 AND INDEX_NAME <> 'PRIMARY'")" "UNIQUE keys on dst"
}

t_begin "unique masks on the server: 1M distinct values stay 1M distinct values"
unique usql 'local mask = require "mask"
columns = function(t)
  return { code = mask.sql_unique_int("k1", t.columns.code), email = mask.sql_token("k1", "email", "u") }
end'
SQL_SUM=$(sql dst "SELECT SUM(CRC32(CONCAT(id, ':', code))) FROM uniq.u")
t_pass

t_begin "unique masks in Lua: 1M distinct values stay distinct, the same codes as the server's"
unique ulua 'local mask = require "mask"
function transform(t, rows)
  local code = sluice.tables["uniq.u"].columns.code
  mask.column(rows, "code", function(v) return mask.unique_int("k1", v, code) end)
  mask.column(rows, "email", function(v) return mask.unique_email("k1", v) end)
end'
assert_eq "$SQL_SUM" "$(sql dst "SELECT SUM(CRC32(CONCAT(id, ':', code))) FROM uniq.u")" "codes equal to the server's permutation"
assert_eq 0 "$(sql dst "SELECT COUNT(*) FROM uniq.u WHERE email NOT REGEXP '^[a-z]+\\\\.[0-9]+@[a-z]+[0-9]+\\\\.example\$'")" "emails keep their shape"
t_pass

t_done
