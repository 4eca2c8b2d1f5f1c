#!/usr/bin/env bash
# 66_subset.sh - referentially complete subsets (scripts/subset.lua), the
# hooks' read-only queries (sluice.query, sluice.queries), --dry-run, and selections that
# keep what they emit loadable, on the corpus tests/data/subset.sql: a
# two-table and a three-table cycle, self-references ten and six levels
# deep, a composite key, a key to a UNIQUE non-key column, nullable keys,
# keys across databases, tables without keys, views over kept tables and
# over a table the subset leaves out, a trigger writing to such a table.
#
# Every subset is dumped, loaded into dst, and judged twice: no orphan under
# any foreign key (LEFT JOIN counts on dst) and the server's own verdict
# (each foreign key dropped and added again with foreign_key_checks=1, which
# checks every row).  Seed rows must all be there, kept rows equal to the
# source's, and every view on dst must answer a SELECT.
# shellcheck source=tests/lib/common.sh
. "$(dirname "$0")/../lib/common.sh"
need_sluice
need_server src dst

t_begin "corpus tests/data/subset.sql on src"
if server_client src <"$SL_ROOT/tests/data/subset.sql" >"$T/corpus.log" 2>&1; then t_pass; else
	t_fail "loading failed: $(tail -n 3 "$T/corpus.log")"
	t_done
fi

lua() { printf '%s\n' "$2" >"$T/$1.lua"; }

# Rows of db.t on dst equal to the same rows on src (by primary key).
same_rows() { # DB.T KEY
	local ids
	ids=$(sql dst "SELECT GROUP_CONCAT($2) FROM $1")
	[ -n "$ids" ] || ids=NULL
	assert_eq "$(sql src "SELECT MD5(GROUP_CONCAT(CONCAT_WS('|', t.*) ORDER BY $2)) FROM (SELECT * FROM $1 WHERE $2 IN ($ids)) t" 2>/dev/null ||
		sql src "SELECT COUNT(*) FROM $1 WHERE $2 IN ($ids)")" \
		"$(sql dst "SELECT MD5(GROUP_CONCAT(CONCAT_WS('|', t.*) ORDER BY $2)) FROM (SELECT * FROM $1) t" 2>/dev/null ||
			sql dst "SELECT COUNT(*) FROM $1")" "rows of $1 as on src"
}

# The corpus's databases reference each other: drop them without checks.
drop_corpus() { sql dst "SET foreign_key_checks = 0; DROP DATABASE IF EXISTS sub_rent; DROP DATABASE IF EXISTS sub_billing"; }

# dump NAME ARGS...: dump from src with ARGS, load into fresh databases on dst.
dump_load() {
	local name=$1
	shift
	drop_corpus
	capture "$name" sluice dump "${SRC[@]}" -B sub_rent,sub_billing "$@"
	assert_exit_zero "$RC" "dump exit (stderr: $(_t_show "$ERR"))"
	DUMP_ERR=$ERR
	DUMP_OUT=$OUT
	capture "$name-load" sluice load "${DST[@]}" --input "$DUMP_OUT"
	assert_exit_zero "$RC" "load exit (stderr: $(_t_show "$ERR"))"
}

judge() {
	assert_eq "" "$(fk_orphans dst sub_rent sub_billing)" "orphans under the source's foreign keys"
	assert_eq "" "$(views_failing dst sub_rent sub_billing)" "views on dst that do not answer"
	assert_eq "" "$(fk_server_judges dst sub_rent sub_billing)" "foreign keys the server refuses with foreign_key_checks=1"
}

t_begin "subset through cycles, self-references, composite, UNIQUE and cross-database keys"
lua s1 'local subset = require "subset"
local plan = subset.plan{ seeds = {
  ["sub_rent.rental"] = "rental_date >= '"'2024-06-20'"'",
  ["sub_billing.invoice"] = "id % 50 = 0",
} }
tables = plan.tables
where = plan.where'
dump_load s1 --script "$T/s1.lua" -t 2
seeds=$(sql src "SELECT COUNT(*) FROM sub_rent.rental WHERE rental_date >= '2024-06-20'")
assert_le 100 "$seeds" "seed rentals on src"
assert_eq "$seeds" "$(sql dst "SELECT COUNT(*) FROM sub_rent.rental")" "rentals: exactly the seeds (nothing references rental)"
assert_eq "$(sql src "SELECT GROUP_CONCAT(id ORDER BY id) FROM sub_billing.invoice WHERE id % 50 = 0")" \
	"$(sql dst "SELECT GROUP_CONCAT(id ORDER BY id) FROM sub_billing.invoice")" "invoices: the seeds"
judge
# The shapes, one by one (the orphan counts above already cover them all).
assert_eq 3 "$(sql dst "SELECT COUNT(*) FROM sub_rent.store")" "stores of the store <-> staff cycle"
assert_eq 0 "$(sql dst "SELECT COUNT(*) FROM sub_rent.staff s LEFT JOIN sub_rent.staff m ON m.id = s.manager_id WHERE s.manager_id IS NOT NULL AND m.id IS NULL")" "staff managers, ten levels"
assert_eq 1 "$(sql dst "SELECT COUNT(*) FROM sub_rent.category WHERE parent_id IS NULL")" "the category tree's root"
assert_eq 20 "$(sql dst "SELECT COUNT(*) FROM sub_rent.promo")" "the promo -> campaign -> voucher cycle, all of it"
assert_le 1 "$(sql dst "SELECT COUNT(*) FROM sub_rent.inventory WHERE shelf_code IS NULL")" "inventory with a NULL part of the composite key"
assert_le 1 "$(sql dst "SELECT COUNT(*) FROM sub_billing.account")" "accounts in the other database"
assert_le "$(sql dst "SELECT COUNT(*) FROM sub_rent.customer")" "$(($(sql src "SELECT COUNT(*) FROM sub_rent.customer") - 1))" "a subset of customers"
assert_eq 0 "$(sql dst "SELECT COUNT(*) FROM information_schema.TABLES WHERE TABLE_SCHEMA = 'sub_rent' AND TABLE_NAME IN ('payment', 'audit', 'tag')")" "unrelated tables left out"
for tk in "sub_rent.customer id" "sub_rent.staff id" "sub_rent.rental id" "sub_billing.account id"; do
	read -r tb key <<<"$tk"
	same_rows "$tb" "$key"
done
t_pass

t_begin "a view over a table the subset leaves out: one warning, listed in the trailer, the load works"
assert_eq 1 "$(grep -c 'view sub_rent.audit_view left out: it needs sub_rent.audit' <<<"$DUMP_ERR")" "warning for audit_view"
assert_eq 1 "$(grep -c 'view sub_rent.audit_count left out: it needs sub_rent.audit_view' <<<"$DUMP_ERR")" "warning for the view over it"
assert_eq 1 "$(grep -c 'trigger sub_rent.rental_audit left out: it needs sub_rent.audit' <<<"$DUMP_ERR")" "warning for the trigger writing to audit"
assert_contains "$(tail -n 12 "$DUMP_OUT")" "-- left-out view sub_rent.audit_view needs sub_rent.audit" "trailer"
assert_contains "$(tail -n 12 "$DUMP_OUT")" "-- left-out trigger sub_rent.rental_audit needs sub_rent.audit" "trailer"
assert_eq "rental_summary store_staff" "$(sql dst "SELECT TABLE_NAME FROM information_schema.VIEWS WHERE TABLE_SCHEMA = 'sub_rent' ORDER BY 1" | tr '\n' ' ' | sed 's/ $//')" "views on dst"
assert_eq "$seeds" "$(sql dst "SELECT COUNT(*) FROM sub_rent.rental_summary")" "the view over kept tables answers"
assert_eq 0 "$(sql dst "SELECT COUNT(*) FROM information_schema.TRIGGERS WHERE TRIGGER_SCHEMA = 'sub_rent'")" "no trigger (its table payment is not kept, rental_audit is left out)"
capture s1v sluice verify "$DUMP_OUT"
assert_exit_zero "$RC" "verify ($ERR)"
t_pass

t_begin "children: per table, followed down through the listed tables; keyless children all come"
lua s2 'local subset = require "subset"
local plan = subset.plan{ seeds = { ["sub_rent.customer"] = "id <= 20" },
  children = { ["sub_rent.rental"] = 2, ["sub_rent.payment"] = 1, ["sub_rent.rental_note"] = 1 } }
tables = plan.tables
where = plan.where'
dump_load s2 --script "$T/s2.lua"
assert_eq "$(sql src "SELECT SUM(LEAST(n, 2)) FROM (SELECT COUNT(*) n FROM sub_rent.rental WHERE customer_id <= 20 GROUP BY customer_id) x")" \
	"$(sql dst "SELECT COUNT(*) FROM sub_rent.rental WHERE customer_id <= 20")" "rentals: at most 2 per seed customer"
assert_eq "$(sql dst "SELECT GROUP_CONCAT(id ORDER BY id) FROM (SELECT MIN(id) id FROM sub_rent.rental WHERE customer_id <= 20 GROUP BY customer_id UNION SELECT id FROM sub_rent.rental r WHERE customer_id <= 20 AND 1 = (SELECT COUNT(*) FROM sub_rent.rental x WHERE x.customer_id = r.customer_id AND x.id < r.id)) y")" \
	"$(sql dst "SELECT GROUP_CONCAT(id ORDER BY id) FROM sub_rent.rental WHERE customer_id <= 20")" "the first two by key"
assert_eq "$(sql dst "SELECT COUNT(*) FROM sub_rent.rental")" "$(sql dst "SELECT COUNT(*) FROM sub_rent.payment")" "one payment per kept rental (followed down)"
assert_eq "$(sql src "SELECT COUNT(*) FROM sub_rent.rental_note WHERE rental_id IN ($(sql dst "SELECT IFNULL(GROUP_CONCAT(id), 0) FROM sub_rent.rental"))")" \
	"$(sql dst "SELECT COUNT(*) FROM sub_rent.rental_note")" "notes (no key): all of the kept rentals'"
assert_eq 20 "$(sql dst "SELECT COUNT(*) FROM sub_rent.customer WHERE id <= 20")" "seed customers"
judge
t_pass

t_begin "children = N: one level below the seeds; a seed without a key brings a keyless parent's rows"
lua s3 'local subset = require "subset"
local plan = subset.plan{ seeds = { ["sub_rent.customer"] = "id <= 10", ["sub_rent.film_tag"] = "film_id <= 8" },
  children = 3 }
tables = plan.tables
where = plan.where'
dump_load s3 --script "$T/s3.lua"
assert_eq "$(sql src "SELECT SUM(LEAST(n, 3)) FROM (SELECT COUNT(*) n FROM sub_rent.rental WHERE customer_id <= 10 GROUP BY customer_id) x")" \
	"$(sql dst "SELECT COUNT(*) FROM sub_rent.rental")" "rentals: at most 3 per seed customer"
assert_eq 0 "$(sql dst "SELECT COUNT(*) FROM information_schema.TABLES WHERE TABLE_SCHEMA = 'sub_rent' AND TABLE_NAME = 'payment'")" "no payments (two levels down)"
assert_eq 8 "$(sql dst "SELECT COUNT(*) FROM sub_rent.film_tag")" "film_tag seeds (no key)"
assert_eq "$(sql src "SELECT COUNT(*) FROM sub_rent.tag WHERE name IN (SELECT tag_name FROM sub_rent.film_tag WHERE film_id <= 8)")" \
	"$(sql dst "SELECT COUNT(*) FROM sub_rent.tag")" "tag rows (no key, non-unique) they reference"
judge
t_pass

t_begin "lookups are copied whole, with their parents"
lua s4 'local subset = require "subset"
local plan = subset.plan{ seeds = { ["sub_rent.rental"] = "id <= 5" }, lookups = { "sub_rent.address" } }
tables = plan.tables
where = plan.where'
dump_load s4 --script "$T/s4.lua"
assert_eq "$(sql src "SELECT COUNT(*) FROM sub_rent.address")" "$(sql dst "SELECT COUNT(*) FROM sub_rent.address")" "addresses"
assert_eq 40 "$(sql dst "SELECT COUNT(*) FROM sub_rent.city")" "every city an address points at"
assert_eq "0 0 0" "$(sql dst "SELECT (SELECT COUNT(*) FROM sub_rent.promo), (SELECT COUNT(*) FROM sub_rent.campaign), (SELECT COUNT(*) FROM sub_rent.voucher)" | tr '\t' ' ')" "tables kept tables reference, empty: every key has its table"
judge
t_pass

t_begin "whole_at: parents mostly asked for are taken whole, their parents too; false keeps every table exact"
lua s4w 'local subset = require "subset"
local plan = subset.plan{ seeds = { ["sub_rent.rental"] = "rental_date >= '"'2024-06-20'"'" },
  whole_at = 0.05, whole_min = 1 }
tables = plan.tables
where = plan.where'
dump_load s4w --script "$T/s4w.lua" -v
whole=$(sed -n 's/.*subset: \([a-z_.]*\): whole table (most of it asked for).*/\1/p' <<<"$DUMP_ERR" | sort | tr '\n' ' ')
assert_contains "$whole" "sub_rent.customer" "customers taken whole"
for tb in $whole; do
	assert_eq "$(sql src "SELECT COUNT(*) FROM $tb")" "$(sql dst "SELECT COUNT(*) FROM $tb")" "all of $tb"
done
assert_eq "$seeds" "$(sql dst "SELECT COUNT(*) FROM sub_rent.rental")" "rentals: exactly the seeds (a seed table stays exact)"
judge
lua s4x 'local subset = require "subset"
local plan = subset.plan{ seeds = { ["sub_rent.rental"] = "rental_date >= '"'2024-06-20'"'" },
  whole_at = false, whole_min = 1 }
tables = plan.tables
where = plan.where'
dump_load s4x --script "$T/s4x.lua" -v
assert_not_contains "$DUMP_ERR" "whole table (most of it asked for)" "whole_at = false: no table taken whole"
assert_le "$(sql dst "SELECT COUNT(*) FROM sub_rent.customer")" "$(($(sql src "SELECT COUNT(*) FROM sub_rent.customer") - 1))" "a subset of customers"
judge
t_pass

t_begin "max_keys: past the bound the run stops with one line, nothing complete"
lua s5 'local subset = require "subset"
local plan = subset.plan{ seeds = { ["sub_rent.rental"] = "id <= 500" }, max_keys = 300 }
tables = plan.tables
where = plan.where'
capture s5 sluice dump "${SRC[@]}" -B sub_rent,sub_billing --script "$T/s5.lua"
assert_exit 1 "$RC" "exit code"
assert_one_line "$ERR" "sluice: error:" "stderr"
assert_contains "$ERR" "subset: more than 300 keys would be held (max_keys)" "message"
assert_not_contains "$(tail -c 300 "$OUT")" "status ok" "no complete trailer"
t_pass

t_begin "a parent outside the run: the subset refuses instead of leaving orphans"
lua s6 'local subset = require "subset"
local plan = subset.plan{ seeds = { ["sub_rent.rental"] = "id <= 50" } }
tables = plan.tables
where = plan.where'
capture s6 sluice dump "${SRC[@]}" -B sub_rent --script "$T/s6.lua"
assert_exit 1 "$RC" "exit code"
assert_contains "$ERR" "sub_rent.customer references sub_billing.account" "message names the key"
t_pass

t_begin "--dry-run: per table the condition and estimated rows, nothing dumped, exit 0"
capture dry sluice dump "${SRC[@]}" -B sub_rent,sub_billing --script "$T/s1.lua" --dry-run
assert_exit_zero "$RC" "exit code ($ERR)"
assert_eq "# sluice dry run: what this run would take (nothing is read or written)" "$(first_line "$OUT")" "first line"
assert_match "$(grep '^table    sub_rent.rental ' "$OUT")" "sub_rent.rental +$seeds +stdout +\`id\` (IN \\(|BETWEEN )" "rental line: rows (the subset's count) and condition"
assert_match "$(grep '^table    sub_rent.store ' "$OUT")" " 3 +stdout +\`id\` IN \\(1,2,3\\)" "store line"
assert_contains "$(cat "$OUT")" "view     sub_rent.audit_view  left out of every sink: needs sub_rent.audit" "left-out view"
assert_not_contains "$(cat "$OUT")" "sluice stream" "no stream"
assert_eq 0 "$(grep -c '^table .*sub_rent.payment' "$OUT")" "payment not taken"
t_pass

t_begin "--dry-run with a loader sink: nothing reaches the target"
drop_corpus
capture dryc sluice copy --from "h=127.0.0.1,P=$(server_port src),u=$SL_USER,p=$SL_PASSWORD" \
	--to "h=127.0.0.1,P=$(server_port dst),u=$SL_USER,p=$SL_PASSWORD" -B sub_rent,sub_billing --script "$T/s1.lua" --dry-run
assert_exit_zero "$RC" "exit code ($ERR)"
assert_contains "$(cat "$OUT")" "sub_rent.customer" "plan printed"
assert_eq 0 "$(sql dst "SELECT COUNT(*) FROM information_schema.SCHEMATA WHERE SCHEMA_NAME IN ('sub_rent', 'sub_billing')")" "no database on dst"
capture dryl sluice load "${DST[@]}" --input "$DUMP_OUT" --dry-run
assert_exit 2 "$RC" "load --dry-run: a usage error"
assert_contains "$ERR" "dry runs work with a server as the source" "message"
t_pass

t_begin "--no-data with a subset: the hooks still query the snapshot"
capture nd sluice dump "${SRC[@]}" -B sub_rent,sub_billing --script "$T/s1.lua" --no-data
assert_exit_zero "$RC" "exit code ($ERR)"
assert_contains "$(cat "$OUT")" "CREATE TABLE \`store\`" "kept table's DDL"
assert_not_contains "$(cat "$OUT")" "CREATE TABLE \`payment\`" "left-out table"
t_pass

# --- selections other than subsets keep views loadable -------------------------

t_begin "-T with a view but not its tables: the view is left out, the load works"
drop_corpus
capture tsel sluice dump "${SRC[@]}" -T sub_rent.customer,sub_rent.rental_summary,sub_rent.store_staff,sub_rent.store,sub_rent.staff -o "$T/tsel"
assert_exit_zero "$RC" "exit code ($ERR)"
assert_contains "$ERR" "view sub_rent.rental_summary left out: it needs sub_rent.rental, sub_rent.inventory, sub_rent.film" "warning names what is missing (joins in parentheses too)"
assert_eq "rental_summary" "$(python3 -c 'import json,sys; print(",".join(sorted(o["name"] for o in json.load(open(sys.argv[1]))["left_out"])))' "$T/tsel/sluice-manifest.json")" "manifest left_out"
capture tsell sluice load "${DST[@]}" -d "$T/tsel"
assert_exit_zero "$RC" "load exit ($ERR)"
assert_eq "store_staff" "$(sql dst "SELECT GROUP_CONCAT(TABLE_NAME) FROM information_schema.VIEWS WHERE TABLE_SCHEMA = 'sub_rent'")" "the view over dumped tables came"
assert_eq 3 "$(sql dst "SELECT COUNT(*) FROM sub_rent.store_staff")" "and answers"
t_pass

t_begin "--ignore-table: the views over the ignored table and the trigger writing to it are left out"
capture ign sluice dump "${SRC[@]}" -B sub_rent --ignore-table sub_rent.audit --no-data
assert_exit_zero "$RC" "exit code ($ERR)"
assert_contains "$ERR" "view sub_rent.audit_view left out: it needs sub_rent.audit" "view over the table"
assert_contains "$ERR" "view sub_rent.audit_count left out: it needs sub_rent.audit_view" "view over that view"
assert_contains "$ERR" "trigger sub_rent.rental_audit left out: it needs sub_rent.audit" "trigger"
assert_contains "$(cat "$OUT")" "VIEW \`sub_rent\`.\`rental_summary\` AS" "views over dumped tables kept"
assert_not_contains "$(cat "$OUT")" "VIEW \`sub_rent\`.\`audit_view\`" "the view left out is not in the dump"
t_pass

t_begin "route: a view is left out only of the sink that lacks its table, a trigger out of all"
cat >"$T/route.lua" <<JOB
source = { type = "mariadb", host = "127.0.0.1", port = $(server_port src), user = "$SL_USER",
           password = "$SL_PASSWORD", databases = { "sub_rent" } }
sinks = { out = { type = "stdout" }, arch = { type = "dir", outputdir = "$T/route-dir" } }
function route(t) if t.name == "audit" then return "out" end end
JOB
capture route sluice run "$T/route.lua"
ROUTE_OUT=$OUT
assert_exit_zero "$RC" "exit code ($ERR)"
assert_contains "$ERR" "view sub_rent.audit_view left out of sink arch: it needs sub_rent.audit" "warning names the sink"
assert_contains "$ERR" "trigger sub_rent.rental_audit left out: it needs sub_rent.audit, which sink arch does not take" "trigger warning"
assert_eq "-- left-out trigger sub_rent.rental_audit needs sub_rent.audit" "$(tail -n 40 "$OUT" | grep -a -- '-- left-out')" "stdout's trailer: only the trigger"
assert_contains "$(cat "$OUT")" "CREATE ALGORITHM=UNDEFINED DEFINER=" "views in the stdout sink"
assert_eq "audit_count,audit_view,rental_audit" "$(python3 -c 'import json,sys; print(",".join(sorted(o["name"] for o in json.load(open(sys.argv[1]))["left_out"])))' "$T/route-dir/sluice-manifest.json")" "the directory's manifest"
drop_corpus
capture routel sluice load "${DST[@]}" -d "$T/route-dir"
assert_exit_zero "$RC" "the directory loads ($ERR)"
drop_corpus
capture routes sluice load "${DST[@]}" --input "$ROUTE_OUT"
assert_exit_zero "$RC" "the stream loads ($ERR)"
assert_eq 10 "$(sql dst "SELECT n FROM sub_rent.audit_count")" "its views answer"
t_pass

# --- sluice.query: read-only, bounded ----------------------------------------------

# query CASE LUA-EXPRESSION EXPECTED-MESSAGE-ERE
query_refused() {
	t_begin "sluice.query refuses: $1"
	lua "q-$1" "function tables(t) sluice.query($2) return true end"
	capture "q-$1" sluice dump "${SRC[@]}" -B sub_rent --script "$T/q-$1.lua" --script-timeout 2
	assert_exit 1 "$RC" "exit code"
	assert_one_line "$ERR" "sluice: error:" "stderr"
	assert_match "$ERR" "$3" "message"
	t_pass
}
query_refused delete '"DELETE FROM sub_rent.audit"' "only SELECT queries may run here, not 'DELETE'"
query_refused outfile "\"SELECT * FROM sub_rent.audit INTO OUTFILE '/tmp/sluice-pwned'\"" "'INTO' is not allowed"
query_refused two '"SELECT 1; DROP TABLE sub_rent.audit"' "one statement only"
query_refused hidden '"SELECT 1 /*!99999 ; DROP TABLE sub_rent.audit */"' "executable comments are not allowed"
query_refused lock '"SELECT * FROM sub_rent.audit FOR UPDATE"' "locking reads are not allowed"
query_refused sequence '"SELECT NEXT VALUE FOR sub_rent.s"' "NEXT VALUE changes a sequence"
query_refused function '"SELECT sub_rent.bump()"' "server error 1792: Cannot execute statement in a READ ONLY transaction"
query_refused timeout '"SELECT SLEEP(30)"' "timed out after 2 s|the server stopped the query"

t_begin "sluice.queries: at once on every worker's connection, each in the READ ONLY snapshot"
lua qs 'local done
function tables(t)
  if done then return true end
  done = true
  local ids, got = {}, {}
  sluice.queries({"SELECT CONNECTION_ID()", "SELECT CONNECTION_ID()", "SELECT COUNT(*) FROM sub_rent.audit"},
    function(i, row) ids[i] = row[1] end)
  print("ids " .. ids[1] .. " " .. ids[2] .. " audit " .. ids[3])
  local ok, e = pcall(sluice.queries, {"SELECT 1", "SELECT sub_rent.bump()"}, function() end)
  print("second: " .. tostring(e))
  ok, e = pcall(sluice.queries, {"SELECT * FROM sub_rent.audit", "SELECT 2", "SELECT 3"},
                function(i) error("stop at " .. i) end)
  print("raised: " .. tostring(e))
  print("after: " .. sluice.query("SELECT COUNT(*) FROM sub_rent.audit")[1][1])
  return true
end'
capture qs sluice dump "${SRC[@]}" -B sub_rent -t 2 --script "$T/qs.lua"
assert_exit_zero "$RC" "exit code ($ERR)"
ids=$(sed -n 's/.*: ids \([0-9]*\) \([0-9]*\) audit \([0-9]*\)$/\1 \2 \3/p' <<<"$ERR")
read -r id1 id2 audit <<<"$ids"
[ -n "$id1" ] && [ "$id1" != "$id2" ] || t_fail "two connections: '$ids' (stderr: $(_t_show "$ERR"))"
assert_eq 10 "$audit" "rows seen"
assert_contains "$ERR" "second: sluice.queries: query 2: server error 1792: Cannot execute statement in a READ ONLY transaction" "the second connection is READ ONLY"
assert_contains "$ERR" "raised: " "an error in fn"
assert_contains "$ERR" "stop at 1" "names the first query's row"
assert_contains "$ERR" "after: 10" "the connections still answer"
assert_eq "sub_rent.audit	10" "$(streamcheck "$OUT" 2>&1 | grep -a '^sub_rent.audit	')" "and the dump is whole"
t_pass

t_begin "sluice.query outside the planning hooks is an error, not a query"
lua qt 'function transform(t, rows) sluice.query("SELECT 1") end'
capture qt sluice dump "${SRC[@]}" -T sub_rent.audit --script "$T/qt.lua"
assert_exit 1 "$RC" "exit code"
assert_contains "$ERR" "sluice.query: no server to ask here" "message"
t_pass

t_begin "nothing was written on src"
assert_eq 10 "$(sql src "SELECT COUNT(*) FROM sub_rent.audit")" "audit rows"
assert_eq 1 "$(sql src "SELECT COUNT(*) FROM information_schema.TABLES WHERE TABLE_SCHEMA = 'sub_rent' AND TABLE_NAME = 'audit'")" "audit table"
[ ! -e /tmp/sluice-pwned ] || t_fail "INTO OUTFILE ran"
t_pass

t_done
