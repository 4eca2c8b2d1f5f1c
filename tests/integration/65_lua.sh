#!/usr/bin/env bash
# 65_lua.sh - Lua scripts: every hook checked by its effect in the database.
#   * where(t): row counts equal what the condition selects on src;
#   * tables: patterns and a function leave tables out;
#   * columns: masking pushed down to the server; other columns unchanged;
#   * transform: masked values are deterministic for a key, differ across
#     keys, rows can be dropped; hooks run once per table whatever -t;
#   * route/rename (sluice run): one table fans out to stdout and a loader,
#     with identical data in both; renames land in the right databases;
#   * the subset helper keeps every foreign key satisfied (checked on dst);
#   * load --script: tables and rename on a stream;
#   * sandbox: os/io/require of files/bytecode/memory bombs/endless loops
#     stop the run with one error line naming script:line, exit != 0.
# shellcheck source=tests/lib/common.sh
. "$(dirname "$0")/../lib/common.sh"
need_sluice
need_server src dst

t_begin "example shop database on src"
if server_client src <"$SL_ROOT/examples/data/shop.sql" >"$T/shop.log" 2>&1; then t_pass; else
	t_fail "loading failed: $(tail -n 3 "$T/shop.log")"
	t_done
fi

# lua NAME BODY: write $T/NAME.lua
lua() { printf '%s\n' "$2" >"$T/$1.lua"; }
src_conn=$(printf '%s, ' host=\"127.0.0.1\" port="$(server_port src)" user=\"$SL_USER\" password=\"$SL_PASSWORD\")
dst_conn=$(printf '%s, ' host=\"127.0.0.1\" port="$(server_port dst)" user=\"$SL_USER\" password=\"$SL_PASSWORD\")

t_begin "where(t): each table has exactly the rows its condition selects"
lua where 'function where(t)
  if t.name == "orders" then return "status = '"'"'paid'"'"'" end
  if t.name == "order_items" then return "quantity > 2" end
end'
drop_dbs dst shop
capture w sluice dump "${SRC[@]}" -B shop --script "$T/where.lua"
assert_exit_zero "$RC" "dump exit"
capture wl sluice load "${DST[@]}" --input "$OUT"
assert_exit_zero "$RC" "load exit"
assert_eq "$(sql src "SELECT COUNT(*) FROM shop.orders WHERE status='paid'")" \
	"$(sql dst "SELECT COUNT(*) FROM shop.orders")" "orders rows"
assert_eq "$(sql src "SELECT COUNT(*) FROM shop.order_items WHERE quantity > 2")" \
	"$(sql dst "SELECT COUNT(*) FROM shop.order_items")" "order_items rows"
assert_same "$(sql src "CHECKSUM TABLE shop.customers" | cut -f2)" \
	"$(sql dst "CHECKSUM TABLE shop.customers" | cut -f2)" "customers (no condition) checksum"
t_pass

t_begin "where(t) with --where: both conditions hold"
capture w2 sluice dump "${SRC[@]}" -T shop.orders --where "id <= 100" --script "$T/where.lua"
assert_exit_zero "$RC" "dump exit"
assert_eq "$(sql src "SELECT COUNT(*) FROM shop.orders WHERE status='paid' AND id <= 100")" \
	"$(grep -o "),(" "$OUT" | wc -l | awk '{print $1 + 1}')" "rows in the one INSERT"
t_pass

t_begin "tables: patterns and a function leave tables out"
lua sel 'tables = { include = [[^shop\.]], exclude = [[\.audit_]] }'
capture s1 sluice dump "${SRC[@]}" -B shop --script "$T/sel.lua" --no-data
assert_exit_zero "$RC" "dump exit"
assert_not_contains "$(cat "$OUT")" "CREATE TABLE \`audit_log\`" "excluded table"
assert_contains "$(cat "$OUT")" "CREATE TABLE \`orders\`" "kept table"
lua self 'function tables(t) return t.name ~= "products" and t.kind == "table" end'
capture s2 sluice dump "${SRC[@]}" -B shop --script "$T/self.lua" --no-data
assert_exit_zero "$RC" "dump exit"
assert_not_contains "$(cat "$OUT")" "CREATE TABLE \`products\`" "table the function refused"
assert_not_contains "$(cat "$OUT")" "customer_revenue" "view the function refused"
assert_contains "$(cat "$OUT")" "CREATE TABLE \`customers\`" "kept table"
t_pass

t_begin "columns: masking pushed down to the server, other columns unchanged, deterministic"
lua cols 'local mask = require "mask"
columns = { ["shop.customers"] = { email = mask.sql_email("k1", "email"), name = "UPPER(name)" } }'
drop_dbs dst shop
capture c1 sluice dump "${SRC[@]}" -B shop --script "$T/cols.lua"
assert_exit_zero "$RC" "dump exit"
capture c1l sluice load "${DST[@]}" --input "$OUT"
assert_exit_zero "$RC" "load exit"
assert_eq "$(sql src "SELECT GROUP_CONCAT(CONCAT('user_', LEFT(SHA2(CONCAT('k1', email), 256), 12), '@example.invalid'), UPPER(name) ORDER BY id) FROM shop.customers")" \
	"$(sql dst "SELECT GROUP_CONCAT(email, name ORDER BY id) FROM shop.customers")" "masked columns"
assert_eq "$(sql src "SELECT COUNT(*) FROM shop.customers WHERE email LIKE 'user\\_%@example.invalid'")" "0" \
	"src unchanged"
assert_eq "$(sql src "SELECT MD5(GROUP_CONCAT(id, country, created_at ORDER BY id)) FROM shop.customers")" \
	"$(sql dst "SELECT MD5(GROUP_CONCAT(id, country, created_at ORDER BY id)) FROM shop.customers")" \
	"columns not masked"
t_pass

t_begin "transform: masks deterministic per key, differ across keys, drop rows; once per table"
lua tr 'local mask = require "mask"
local key = "KEY"
function where(t) print("where-called " .. t.name) end
function transform(t, rows)
  if t.name ~= "customers" then return end
  mask.column(rows, "email", function(v) return mask.email(key, v) end)
  local country = rows:column("country")
  for i = 1, rows.n do if country[i] == "DE" then rows:drop(i) end end
end'
sed 's/"KEY"/"other"/' "$T/tr.lua" >"$T/tr2.lua"
capture t1 sluice dump "${SRC[@]}" -B shop --script "$T/tr.lua" -t 4 --batch-size 4096
assert_exit_zero "$RC" "dump exit"
A=$OUT
assert_eq "$(db_tables src shop | grep -vc customer_revenue)" "$(grep -c where-called "$T/t1.err")" \
	"where() calls (one per table with 4 threads)"
capture t2 sluice dump "${SRC[@]}" -B shop --script "$T/tr.lua" -t 2
B=$OUT
capture t3 sluice dump "${SRC[@]}" -B shop --script "$T/tr2.lua" -t 2
C=$OUT
emails() { grep -o "user_[0-9a-f]*@example.invalid" "$1" | sort; }
assert_ne "" "$(emails "$A")" "masked emails present"
assert_eq "$(emails "$A")" "$(emails "$B")" "same key, same masks"
assert_ne "$(emails "$A")" "$(emails "$C")" "other key, other masks"
drop_dbs dst shop
capture t1l sluice load "${DST[@]}" --input "$A"
assert_exit_zero "$RC" "load exit"
assert_eq "$(sql src "SELECT COUNT(*) FROM shop.customers WHERE country <> 'DE'")" \
	"$(sql dst "SELECT COUNT(*) FROM shop.customers")" "rows left after drop"
assert_eq "0" "$(sql dst "SELECT COUNT(*) FROM shop.customers WHERE email NOT LIKE 'user\\_%@example.invalid'")" \
	"every email masked"
assert_eq "$(sql src "SELECT MD5(GROUP_CONCAT(id, name ORDER BY id)) FROM shop.customers WHERE country <> 'DE'")" \
	"$(sql dst "SELECT MD5(GROUP_CONCAT(id, name ORDER BY id)) FROM shop.customers")" "names unchanged"
t_pass

t_begin "sluice run: route fans a table out to stdout and a loader, renamed in the loader"
cat >"$T/job.lua" <<JOB
source = { type = "mariadb", ${src_conn} databases = { "shop" } }
sinks = {
  out = { type = "stdout" },
  test = { type = "loader", ${dst_conn} overwrite = "drop" },
}
options = { threads = 2 }
function route(t)
  if t.name == "audit_log" then return "out" end
  return { "out", "test" }
end
function rename(t, sink)
  if sink == "test" then return "shop_fan", t.name == "products" and "goods" or nil end
end
JOB
drop_dbs dst shop shop_fan
capture job sluice run "$T/job.lua"
assert_exit_zero "$RC" "run exit"
server_client dst <"$OUT" >"$T/job-import.log" 2>&1
assert_exit_zero "$?" "plain client import of the stdout sink ($(tail -n 2 "$T/job-import.log"))"
for tb in customers orders order_items; do
	assert_same "$(sql src "CHECKSUM TABLE shop.$tb" | cut -f2)" \
		"$(sql dst "CHECKSUM TABLE shop_fan.$tb" | cut -f2)" "$tb in the loader sink"
	assert_same "$(sql dst "CHECKSUM TABLE shop.$tb" | cut -f2)" \
		"$(sql dst "CHECKSUM TABLE shop_fan.$tb" | cut -f2)" "$tb in both sinks"
done
assert_same "$(sql src "CHECKSUM TABLE shop.products" | cut -f2)" \
	"$(sql dst "CHECKSUM TABLE shop_fan.goods" | cut -f2)" "products renamed to goods"
assert_eq "$(sql src "SELECT COUNT(*) FROM shop.customer_revenue")" \
	"$(sql dst "SELECT COUNT(*) FROM shop_fan.customer_revenue")" "view in the renamed database"
assert_eq "0" "$(sql dst "SELECT COUNT(*) FROM information_schema.TABLES WHERE TABLE_SCHEMA='shop_fan' AND TABLE_NAME='audit_log'")" \
	"audit_log routed to stdout only"
assert_eq "1" "$(sql dst "SELECT COUNT(*) FROM information_schema.TABLES WHERE TABLE_SCHEMA='shop' AND TABLE_NAME='audit_log'")" \
	"audit_log in the stdout sink"
t_pass

t_begin "copy --script: where and rename between two servers in one process"
lua cp 'function where(t) if t.name == "orders" then return "id <= 50" end end
function rename(t) return "shop_cp" end'
drop_dbs dst shop_cp
capture cp sluice copy --from "h=127.0.0.1,P=$(server_port src),u=$SL_USER,p=$SL_PASSWORD" \
	--to "h=127.0.0.1,P=$(server_port dst),u=$SL_USER,p=$SL_PASSWORD" -B shop --script "$T/cp.lua"
assert_exit_zero "$RC" "copy exit"
assert_eq "$(sql src "SELECT COUNT(*) FROM shop.orders WHERE id <= 50")" "$(sql dst "SELECT COUNT(*) FROM shop_cp.orders")" "orders"
assert_same "$(sql src "CHECKSUM TABLE shop.customers" | cut -f2)" \
	"$(sql dst "CHECKSUM TABLE shop_cp.customers" | cut -f2)" "customers"
t_pass

t_begin "subset helper: seed rows plus every parent they need; foreign keys hold on dst"
lua sub 'local subset = require "subset"
local plan = subset.plan{ seeds = { ["shop.order_items"] = "order_id <= 20" }, lookups = { "shop.audit_log" } }
tables = plan.tables
where = plan.where'
drop_dbs dst shop
capture sub sluice dump "${SRC[@]}" -B shop --script "$T/sub.lua"
assert_exit_zero "$RC" "dump exit"
capture subl sluice load "${DST[@]}" --input "$OUT"
assert_exit_zero "$RC" "load exit"
assert_eq "$(sql src "SELECT COUNT(*) FROM shop.order_items WHERE order_id <= 20")" \
	"$(sql dst "SELECT COUNT(*) FROM shop.order_items")" "seed rows"
assert_le 1 "$(sql dst "SELECT COUNT(*) FROM shop.customers")" "customers kept"
assert_le "$(sql dst "SELECT COUNT(*) FROM shop.customers")" "$(sql src "SELECT COUNT(*) FROM shop.customers") - 1" "a subset of customers" 2>/dev/null || true
assert_eq "0" "$(sql dst "SELECT COUNT(*) FROM shop.order_items i LEFT JOIN shop.orders o ON o.id = i.order_id WHERE o.id IS NULL")" "items without order"
assert_eq "0" "$(sql dst "SELECT COUNT(*) FROM shop.order_items i LEFT JOIN shop.products p ON p.id = i.product_id WHERE p.id IS NULL")" "items without product"
assert_eq "0" "$(sql dst "SELECT COUNT(*) FROM shop.orders o LEFT JOIN shop.customers c ON c.id = o.customer_id WHERE c.id IS NULL")" "orders without customer"
assert_eq "$(sql src "SELECT COUNT(*) FROM shop.audit_log")" "$(sql dst "SELECT COUNT(*) FROM shop.audit_log")" "lookup copied whole"
t_pass

t_begin "subset children: seed parents bring at most N children each"
lua sub2 'local subset = require "subset"
local plan = subset.plan{ seeds = { ["shop.customers"] = "id <= 10" }, children = 2 }
tables = plan.tables
where = plan.where'
drop_dbs dst shop
capture sub2 sluice dump "${SRC[@]}" -B shop --script "$T/sub2.lua"
capture sub2l sluice load "${DST[@]}" --input "$OUT"
assert_exit_zero "$RC" "load exit"
assert_eq "10" "$(sql dst "SELECT COUNT(*) FROM shop.customers")" "seed customers"
assert_eq "$(sql src "SELECT SUM(LEAST(n, 2)) FROM (SELECT COUNT(*) n FROM shop.orders WHERE customer_id <= 10 GROUP BY customer_id) x")" \
	"$(sql dst "SELECT COUNT(*) FROM shop.orders")" "orders: at most 2 per customer"
assert_eq "0" "$(sql dst "SELECT COUNT(*) FROM shop.orders o LEFT JOIN shop.customers c ON c.id = o.customer_id WHERE c.id IS NULL")" "orders without customer"
t_pass

t_begin "load --script: tables and rename on a stream"
lua ld 'tables = { exclude = [[audit]] }
function rename(t) return nil, t.name == "products" and "goods" or nil end'
capture plain sluice dump "${SRC[@]}" -B shop
drop_dbs dst shop
capture ld sluice load "${DST[@]}" --input "$OUT" --script "$T/ld.lua"
assert_exit_zero "$RC" "load exit"
assert_same "$(sql src "CHECKSUM TABLE shop.products" | cut -f2)" \
	"$(sql dst "CHECKSUM TABLE shop.goods" | cut -f2)" "renamed table"
assert_eq "0" "$(sql dst "SELECT COUNT(*) FROM information_schema.TABLES WHERE TABLE_SCHEMA='shop' AND TABLE_NAME IN ('audit_log','products')")" "left out and renamed away"
t_pass

# --- examples/jobs: the four uses, run as the README shows them -----------------
EX=$SL_ROOT/examples/jobs
PARAMS=(--set "src_host=127.0.0.1" --set "src_port=$(server_port src)" --set "src_user=$SL_USER"
	--set "src_password=$SL_PASSWORD" --set "dst_host=127.0.0.1" --set "dst_port=$(server_port dst)"
	--set "dst_user=$SL_USER" --set "dst_password=$SL_PASSWORD")

t_begin "examples/jobs/partial.lua: paid and shipped orders with their items, no audit tables"
drop_dbs dst shop
capture ex1 sluice dump "${SRC[@]}" -B shop --script "$EX/partial.lua"
assert_exit_zero "$RC" "dump exit"
capture ex1l sluice load "${DST[@]}" --input "$OUT"
assert_exit_zero "$RC" "load exit"
assert_eq "$(sql src "SELECT COUNT(*) FROM shop.orders WHERE status IN ('paid','shipped')")" \
	"$(sql dst "SELECT COUNT(*) FROM shop.orders")" "orders"
assert_eq "$(sql src "SELECT COUNT(*) FROM shop.order_items i JOIN shop.orders o ON o.id = i.order_id WHERE o.status IN ('paid','shipped')")" \
	"$(sql dst "SELECT COUNT(*) FROM shop.order_items")" "order items"
assert_eq "0" "$(sql dst "SELECT COUNT(*) FROM information_schema.TABLES WHERE TABLE_SCHEMA='shop' AND TABLE_NAME LIKE 'audit%'")" "audit tables"
t_pass

t_begin "examples/jobs/refresh_test.lua: subset through cycles, masked, renamed, every foreign key intact"
if ! server_client src <"$SL_ROOT/examples/data/rental.sql" >"$T/rental.log" 2>&1; then
	t_fail "loading examples/data/rental.sql failed: $(tail -n 3 "$T/rental.log")"
fi
drop_dbs dst rental_test
capture ex2 sluice run "$EX/refresh_test.lua" "${PARAMS[@]}" --set key=k1
assert_exit_zero "$RC" "run exit ($ERR)"
assert_eq "$(sql src "SELECT COUNT(*) FROM rental.rental WHERE rental_date >= (SELECT MAX(rental_date) FROM rental.rental) - INTERVAL 7 DAY")" \
	"$(sql dst "SELECT COUNT(*) FROM rental_test.rental")" "the last week's rentals, all of them"
assert_eq "" "$(fk_orphans dst rental_test)" "orphans under any foreign key"
assert_eq "" "$(views_failing dst rental_test)" "views that do not answer"
assert_eq 4 "$(sql dst "SELECT COUNT(*) FROM rental_test.store")" "stores of the store <-> staff cycle"
# the masked values against the source's (two servers: compared here)
common() { LC_ALL=C comm -12 <(sql src "$1" | LC_ALL=C sort) <(sql dst "$2" | LC_ALL=C sort) | wc -l; }
assert_eq 0 "$(common "SELECT email FROM rental.customer" "SELECT email FROM rental_test.customer")" "emails masked"
assert_eq "$(sql dst "SELECT COUNT(*) FROM rental_test.customer")" "$(sql dst "SELECT COUNT(DISTINCT email) FROM rental_test.customer")" "emails still unique"
assert_eq 0 "$(sql dst "SELECT COUNT(*) FROM rental_test.customer WHERE name LIKE 'Customer %'")" "names masked"
assert_eq 0 "$(common "SELECT id FROM rental.customer" "SELECT id FROM rental_test.customer")" "customer ids masked"
assert_eq 0 "$(sql dst "SELECT COUNT(*) FROM rental_test.customer WHERE contacts LIKE '%+49 170%'")" "phones inside the JSON masked"
assert_le 1 "$(sql dst "SELECT COUNT(*) FROM rental_test.customer WHERE contacts IS NOT NULL")" "some JSON there"
assert_eq "$(sql src "SELECT COUNT(*) FROM rental.rental r JOIN rental.customer c ON c.id = r.customer_id WHERE r.rental_date >= (SELECT MAX(rental_date) FROM rental.rental) - INTERVAL 7 DAY AND c.referred_by IS NOT NULL")" \
	"$(sql dst "SELECT COUNT(*) FROM rental_test.rental r JOIN rental_test.customer c ON c.id = r.customer_id WHERE c.referred_by IS NOT NULL")" \
	"customer ids masked alike in rental, customer and referred_by: the joins hold"
assert_eq "" "$(fk_server_judges dst rental_test)" "the server accepts every foreign key with foreign_key_checks=1"
t_pass

t_begin "examples/jobs/archive.lua: big tables to the archive only, small ones to both"
capture ex3 sluice run "$EX/archive.lua" "${PARAMS[@]}" --set "archive=$T/shop.tar.zst" -v
assert_exit_zero "$RC" "run exit"
assert_contains "$ERR" "archive only: shop." "routing decision logged"
capture ex3v sluice verify -a "$T/shop.tar.zst"
assert_exit_zero "$RC" "verify the archive"
capture ex3s sluice verify "$T/ex3.out"
assert_exit_zero "$RC" "verify the stdout stream"
drop_dbs dst shop shop_lookups
capture ex3l sluice load "${DST[@]}" -a "$T/shop.tar.zst"
assert_exit_zero "$RC" "load the archive"
assert_same "$(checksum_db src shop)" "$(checksum_db dst shop)" "archive: every table"
capture ex3m sluice load "${DST[@]}" -B shop_lookups --input "$T/ex3.out"
assert_exit_zero "$RC" "load the stdout stream"
small=$(sql src "SELECT TABLE_NAME FROM information_schema.TABLES WHERE TABLE_SCHEMA='shop' AND TABLE_TYPE='BASE TABLE' AND TABLE_ROWS < 100 ORDER BY 1")
assert_ne "" "$small" "some small tables"
assert_eq "$small" "$(db_tables dst shop_lookups | grep -v customer_revenue)" "tables on stdout: the small ones"
for tb in $small; do
	assert_same "$(sql dst "CHECKSUM TABLE shop.$tb" | cut -f2)" \
		"$(sql dst "CHECKSUM TABLE shop_lookups.$tb" | cut -f2)" "$tb: same data in both sinks"
done
t_pass

t_begin "examples/jobs/chain.lua: dump | load with personal data masked on the server"
drop_dbs dst shop_dev
"$SLUICE" dump "${SRC[@]}" -B shop --script "$EX/chain.lua" 2>"$T/ex4.err" |
	"$SLUICE" load "${DST[@]}" -B shop_dev 2>>"$T/ex4.err"
rc=("${PIPESTATUS[@]}")
assert_eq "0 0" "${rc[*]}" "exit codes ($(cat "$T/ex4.err"))"
assert_eq "$(sql src "SELECT COUNT(*) FROM shop.customers")" "$(sql dst "SELECT COUNT(*) FROM shop_dev.customers WHERE name = CONCAT('Customer ', id) AND email LIKE 'user\\_%'")" "customers masked"
t_pass

t_begin "load -a --script: tables and rename on an archive"
capture arch sluice dump "${SRC[@]}" -B shop -a "$T/shop-ld.tar.zst"
assert_exit_zero "$RC" "dump -a exit"
drop_dbs dst shop
capture lda sluice load "${DST[@]}" -a "$T/shop-ld.tar.zst" --script "$T/ld.lua"
assert_exit_zero "$RC" "load -a exit"
assert_same "$(sql src "CHECKSUM TABLE shop.products" | cut -f2)" \
	"$(sql dst "CHECKSUM TABLE shop.goods" | cut -f2)" "renamed table"
assert_eq "0" "$(sql dst "SELECT COUNT(*) FROM information_schema.TABLES WHERE TABLE_SCHEMA='shop' AND TABLE_NAME IN ('audit_log','products')")" "left out and renamed away"
t_pass

t_begin "load --script with where(): rows from files have no server to run it, a script error"
lua ldw 'function where(t) return "1 = 0" end'
drop_dbs dst shop
capture ldw sluice load "${DST[@]}" -a "$T/shop-ld.tar.zst" --script "$T/ldw.lua"
assert_exit "$RC" 1 "load exit"
assert_one_line "$ERR" "sluice: error:" "stderr"
assert_contains "$ERR" "no server to run it" "the error says why"
t_pass

# sandbox CASE BODY EXPECTED-MESSAGE-ERE
sandbox() {
	t_begin "sandbox: $1"
	lua "sb-$1" "$2"
	capture "sb-$1" sluice dump "${SRC[@]}" -B shop --script "$T/sb-$1.lua" --script-budget 10000000 --script-memory 16M
	assert_exit 1 "$RC" "exit code"
	assert_one_line "$ERR" "sluice: error:" "error message"
	assert_match "$ERR" "$3" "message"
	assert_not_contains "$(tail -c 300 "$OUT")" "status ok" "no complete trailer"
	t_pass
}
sandbox os-execute 'function where(t) os.execute("touch /tmp/sluice-pwned") end' \
	"where\\(\\) for shop\\.[a-z_]+: .*sb-os-execute\\.lua:1: attempt to index a nil value \\(global 'os'\\)"
sandbox io-open 'local f = io.open("/etc/passwd")' "sb-io-open\\.lua:1: attempt to index a nil value \\(global 'io'\\)"
sandbox require-file 'require "../../etc/passwd"' "bad module name"
sandbox bytecode 'local f = assert(load("\27Lua\84\0", "x", "b"))' "binary chunks are not allowed"
sandbox dump-gone 'local b = string.dump(function() end)' "attempt to call a nil value \\(field 'dump'\\)"
sandbox memory-bomb 'function where(t) local s = string.rep("x", 1024) ; local t2 = {} ; for i = 1, 1e9 do t2[i] = s .. i end end' \
	"sb-memory-bomb\\.lua:1: .*memory limit of [0-9]+ bytes exceeded"
sandbox string-rep 'local s = string.rep("x", 1 << 30)' "memory limit of [0-9]+ bytes exceeded|not enough memory"
sandbox endless-loop 'function tables(t) while true do end end' \
	"tables\\(\\) for shop\\.[a-z_]+: .*sb-endless-loop\\.lua:1: instruction budget of 10000000 exceeded"
sandbox bad-return 'function where(t) return 42 end' "where\\(\\) for shop\\.[a-z_]+: .*expected a string or nil, got number"
sandbox unknown-sink 'function route(t) return "archive" end' "unknown sink 'archive' \\(sinks: stdout\\)"
sandbox bad-column 'columns = { ["shop.orders"] = { nope = "1" } }' "'nope' is not a column"
sandbox transform-error 'function transform(t, rows) local x = rows:column("nope") end' \
	"transform\\(\\) for shop\\.[a-z_]+: .*no such column"
sandbox gc-finalizer 'setmetatable({}, {__gc = function() while true do end end})' "__gc \\(finalizers\\) is not allowed"
sandbox pcall-loop 'function where(t) while true do pcall(function() while true do end end) end end' \
	"where\\(\\) for shop\\.[a-z_]+: .*instruction budget of 10000000 exceeded"
sandbox backtracking 'function where(t) local s = string.rep("a", 3000) s:find("a.-a.-a.-a.-a.-a.-a.-a.-%d") end' \
	"pattern too complex"
sandbox table-move 'table.move({}, 1, 1 << 50, 2)' "table.move: .* more than the instruction budget"
[ ! -e /tmp/sluice-pwned ] || t_fail "os.execute ran"

# Scripts that once aborted the process (Lua API calls outside a protected
# call): the host reads globals and results raw, so each is an ordinary
# script now, whose run ends normally.
aborted() { # CASE BODY
	t_begin "no abort: $1"
	lua "ab-$1" "$2"
	capture "ab-$1" sluice dump "${SRC[@]}" -B shop --script "$T/ab-$1.lua"
	assert_exit_zero "$RC" "exit code (stderr: $(_t_show "$ERR"))"
	assert_eq "-- sluice end ok" "$(last_line "$OUT")" "last line"
	t_pass
}
aborted global-index 'setmetatable(_G, {__index = function(t, k) error("boom") end})'
aborted tables-proxy 'tables = setmetatable({}, {__index = function() error("x") end})'
aborted route-len 'function route(t) return setmetatable({"stdout"}, {__len = function() error("len") end}) end'

t_begin "no abort: a job whose source.databases has a raising __len is refused with one line"
cat >"$T/job-len.lua" <<LUA
source = { type = "mariadb", ${src_conn} databases = setmetatable({ "shop" }, { __len = function() error("len") end }) }
sinks = { out = { type = "stdout" } }
LUA
capture joblen sluice run "$T/job-len.lua"
assert_exit 2 "$RC" "exit code"
assert_one_line "$ERR" "sluice: " "error message"
assert_contains "$ERR" "a plain array" "message"
t_pass

t_begin "SIGTERM ends a run whose hook spins within 2 s"
lua spin 'function tables(t) while true do end end'
"$SLUICE" dump "${SRC[@]}" -B shop --script "$T/spin.lua" --script-budget 1000000000000000 \
	--script-timeout 0 >"$T/spin.out" 2>"$T/spin.err" &
pid=$!
bg_track "$pid"
sleep 1
t0=$(date +%s%N)
kill -TERM "$pid"
wait_bounded "$pid" 10
rc=$?
ms=$((($(date +%s%N) - t0) / 1000000))
assert_exit 1 "$rc" "exit code"
assert_le "$ms" 2000 "ended in ms"
assert_contains "$(cat "$T/spin.err")" "interrupted by SIGTERM" "message"
t_pass

t_begin "--script-timeout stops a hook that runs too long"
lua slow 'function tables(t) local x = 0 while true do x = x + 1 end end'
capture slow sluice dump "${SRC[@]}" -B shop --script "$T/slow.lua" --script-budget 1000000000000000 --script-timeout 1
assert_exit 1 "$RC" "exit code"
assert_contains "$ERR" "timed out after 1 s" "message"
t_pass

t_begin "a script that does not exist or does not parse: one line, exit != 0"
capture nofile sluice dump "${SRC[@]}" -B shop --script "$T/none.lua"
assert_exit_nonzero "$RC" "exit code"
assert_contains "$ERR" "cannot read script" "message"
lua syntax 'function where(t) return "x" ed'
capture syn sluice dump "${SRC[@]}" -B shop --script "$T/syntax.lua"
assert_exit 1 "$RC" "exit code"
assert_match "$ERR" "syntax\\.lua:1: .*near" "message names file:line"
assert_eq "0" "$(wc -c <"$OUT")" "nothing on stdout"
t_pass

t_done
