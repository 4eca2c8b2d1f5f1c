#!/usr/bin/env bash
# 20_fidelity.sh - invariant 7: `sluice dump -B fidelity | mariadb` from
# server src into server dst reproduces every table byte for byte (CHECKSUM
# TABLE ... EXTENDED, one case per table), the table definitions, generated
# and invisible columns, and the schema objects: views (a view on a view),
# triggers (and that they fire), procedures, functions (with their
# sql_mode), the event and the sequence.  The corpus is
# tests/data/fidelity.sql; src and dst run in different time zones.
#
# Assumptions: the stream is imported with the plain client and no options
# (`mariadb < stream`), so it sets its own session (names, time zone,
# sql_mode, foreign_key_checks); the dump does not change the source (not
# even the sequence); a restored sequence does not hand out values the
# source already handed out (like mariadb-dump's SETVAL).
# shellcheck source=tests/lib/common.sh
. "$(dirname "$0")/../lib/common.sh"
need_sluice
need_server src dst

t_begin "corpus tests/data/fidelity.sql loads on src"
if server_client src <"$SL_ROOT/tests/data/fidelity.sql" >"$T/load.log" 2>&1; then
	t_pass
else
	t_fail "loading failed: $(tail -n 3 "$T/load.log")"
	t_done
fi

mapfile -t TABLES < <(db_tables src fidelity)
SEQUENCES=$(sql src "SELECT TABLE_NAME FROM information_schema.TABLES
                     WHERE TABLE_SCHEMA = 'fidelity' AND TABLE_TYPE = 'SEQUENCE'" | tr '\n' ' ')
SRC_CK=$(checksum_db src fidelity)
SRC_SEQ=$(sql src "SELECT * FROM fidelity.s_order")

t_begin "dump -B fidelity --routines --events succeeds"
capture dump sluice dump "${SRC[@]}" -B fidelity --routines --events
DUMP=$OUT
assert_exit_zero "$RC" "exit code (stderr: $(_t_show "$ERR"))"
check=$(streamcheck -q "$DUMP" 2>&1)
assert_exit_zero $? "streamcheck: $check"
t_pass

t_begin "the dump does not change the source"
assert_same "$SRC_CK" "$(checksum_db src fidelity)" "checksums of src after the dump"
assert_eq "$SRC_SEQ" "$(sql src "SELECT * FROM fidelity.s_order")" "sequence state of src"
t_pass

t_begin "trailer row counts equal SELECT COUNT(*) for every table"
expected=$(count_db src fidelity | sed 's/^/fidelity./')
# sequences may or may not be listed; they are checked below
actual=$(streamcheck "$DUMP" 2>&1 | while IFS=$'\t' read -r name rows; do
	case " $SEQUENCES " in *" ${name#fidelity.} "*) continue ;; esac
	printf '%s\t%s\n' "$name" "$rows"
done)
assert_same "$expected" "$actual" "fidelity tables in the trailer (db.table<TAB>rows)"
t_pass

t_begin "the stream imports into a fresh server with the plain client"
drop_dbs dst fidelity
mariadb_import dst <"$DUMP" >"$T/import.log" 2>&1
rc=$?
assert_exit_zero "$rc" "mariadb < stream ($(tail -n 2 "$T/import.log"))"
t_pass

DST_CK=$(checksum_db dst fidelity)

t_begin "the same base tables exist on dst"
assert_same "$(printf '%s\n' "${TABLES[@]}")" "$(db_tables dst fidelity)" "table list"
t_pass

for t in "${TABLES[@]}"; do
	t_begin "CHECKSUM TABLE fidelity.$t equal"
	want=$(printf '%s\n' "$SRC_CK" | awk -F'\t' -v t="$t" '$1 == t { print $2 }')
	got=$(printf '%s\n' "$DST_CK" | awk -F'\t' -v t="$t" '$1 == t { print $2 }')
	assert_eq "$want" "$got" "checksum (src vs dst)"
	t_pass
done

t_begin "table definitions equal (SHOW CREATE TABLE)"
differ=""
for t in "${TABLES[@]}"; do
	a=$(sql src "SHOW CREATE TABLE fidelity.$(qi "$t")" 2>&1)
	b=$(sql dst "SHOW CREATE TABLE fidelity.$(qi "$t")" 2>&1)
	if [ "$a" != "$b" ]; then
		line=$(diff <(printf '%s\n' "$a" | tr '\t' '\n') <(printf '%s\n' "$b" | tr '\t' '\n') | grep -m 2 '^[<>]')
		differ+="$t: $line; "
	fi
done
assert_eq "" "$differ" "tables whose definition differs"
t_pass

t_begin "database definition equal (SHOW CREATE DATABASE)"
assert_eq "$(sql src "SHOW CREATE DATABASE fidelity")" "$(sql dst "SHOW CREATE DATABASE fidelity" 2>&1)"
t_pass

t_begin "generated columns computed on import, not inserted"
q="SELECT id, v_sum, s_prod, p_text, v_upper FROM fidelity.t_generated ORDER BY id"
assert_same "$(sql src "$q")" "$(sql dst "$q" 2>&1)" "generated column values"
q="SELECT id, j_name FROM fidelity.t_json ORDER BY id"
assert_same "$(sql src "$q")" "$(sql dst "$q" 2>&1)" "JSON generated column"
t_pass

t_begin "invisible columns kept"
q="SELECT id, a, hidden, hidden_num FROM fidelity.t_invisible ORDER BY id"
assert_same "$(sql src "$q")" "$(sql dst "$q" 2>&1)" "invisible columns"
t_pass

t_begin "FLOAT and DOUBLE values bit-exact"
q="SELECT id, CAST(f AS DOUBLE), d, CAST(fu AS DOUBLE), CAST(fm AS DOUBLE), dm FROM fidelity.t_float ORDER BY id"
assert_same "$(sql src "$q")" "$(sql dst "$q" 2>&1)" "floats (as DOUBLE)"
t_pass

t_begin "TIMESTAMP values equal across time zones"
q="SELECT id, UNIX_TIMESTAMP(ts6), UNIX_TIMESTAMP(ts0) FROM fidelity.t_temporal ORDER BY id"
assert_same "$(sql src "$q")" "$(sql dst "$q" 2>&1)" "TIMESTAMP values as Unix time"
t_pass

t_begin "views recreated: the view on a view returns the same rows"
for v in a_view_top z_view_base "my view"; do
	q="SELECT * FROM fidelity.$(qi "$v") ORDER BY 1"
	assert_same "$(sql src "$q")" "$(sql dst "$q" 2>&1)" "SELECT from $v"
done
assert_ne "" "$(sql src "SELECT * FROM fidelity.a_view_top")" "rows of a_view_top on src"
q="SELECT TABLE_NAME, VIEW_DEFINITION, CHECK_OPTION, SECURITY_TYPE, DEFINER, CHARACTER_SET_CLIENT
   FROM information_schema.VIEWS WHERE TABLE_SCHEMA = 'fidelity' ORDER BY TABLE_NAME"
assert_same "$(sql src "$q")" "$(sql dst "$q" 2>&1)" "view definitions"
t_pass

t_begin "procedures recreated and callable"
q="CALL fidelity.p_summary()"
assert_same "$(sql src "$q")" "$(sql dst "$q" 2>&1)" "CALL p_summary()"
assert_eq "semi;colon ;; dollar \$\$ slash // end:7" \
	"$(sql dst "CALL fidelity.p_tricky(7, @s); SELECT @s" 2>&1)" "CALL p_tricky()"
t_pass

t_begin "functions recreated with their sql_mode"
# shellcheck disable=SC2016
assert_eq "5	«x»	ab" "$(sql dst 'SELECT fidelity.f_add(2, 3), fidelity.`f weird``name`('"'x'"'), fidelity.f_pipes()' 2>&1)" \
	"f_add(2,3), \`f weird\`\`name\`('x'), f_pipes()"
t_pass

t_begin "routine definitions equal (information_schema.ROUTINES)"
q="SELECT ROUTINE_NAME, ROUTINE_TYPE, ROUTINE_DEFINITION, IS_DETERMINISTIC, SQL_DATA_ACCESS,
          SECURITY_TYPE, SQL_MODE, ROUTINE_COMMENT, DEFINER, CHARACTER_SET_CLIENT,
          COLLATION_CONNECTION, DATABASE_COLLATION, DTD_IDENTIFIER
   FROM information_schema.ROUTINES WHERE ROUTINE_SCHEMA = 'fidelity' ORDER BY ROUTINE_NAME"
assert_same "$(sql src "$q")" "$(sql dst "$q" 2>&1)" "routines"
q="SELECT SPECIFIC_NAME, ORDINAL_POSITION, PARAMETER_MODE, PARAMETER_NAME, DTD_IDENTIFIER
   FROM information_schema.PARAMETERS WHERE SPECIFIC_SCHEMA = 'fidelity' ORDER BY 1, 2"
assert_same "$(sql src "$q")" "$(sql dst "$q" 2>&1)" "routine parameters"
t_pass

t_begin "event recreated (definition, schedule, status)"
q="SELECT EVENT_NAME, DEFINER, TIME_ZONE, EVENT_DEFINITION, INTERVAL_VALUE, INTERVAL_FIELD,
          SQL_MODE, STARTS, STATUS, ON_COMPLETION, EVENT_COMMENT
   FROM information_schema.EVENTS WHERE EVENT_SCHEMA = 'fidelity' ORDER BY EVENT_NAME"
assert_ne "" "$(sql src "$q")" "events on src"
assert_same "$(sql src "$q")" "$(sql dst "$q" 2>&1)" "events"
t_pass

t_begin "sequence recreated and continues after the source's values"
assert_eq "$(sql src "SHOW CREATE SEQUENCE fidelity.s_order")" "$(sql dst "SHOW CREATE SEQUENCE fidelity.s_order" 2>&1)" \
	"SHOW CREATE SEQUENCE"
next=$(sql dst "SELECT NEXTVAL(fidelity.s_order)" 2>&1)
assert_match "$next" '^[0-9]+$' "NEXTVAL on dst"
assert_le 110 "${next:-0}" "NEXTVAL on dst (the source handed out 100 and 105)"
t_pass

t_begin "triggers recreated with the same definitions"
q="SELECT TRIGGER_NAME, EVENT_MANIPULATION, EVENT_OBJECT_TABLE, ACTION_ORDER, ACTION_STATEMENT,
          ACTION_TIMING, SQL_MODE, DEFINER, CHARACTER_SET_CLIENT, COLLATION_CONNECTION
   FROM information_schema.TRIGGERS WHERE TRIGGER_SCHEMA = 'fidelity' ORDER BY TRIGGER_NAME"
assert_ne "" "$(sql src "$q")" "triggers on src"
assert_same "$(sql src "$q")" "$(sql dst "$q" 2>&1)" "triggers"
t_pass

t_begin "triggers fire on dst"
before=$(sql dst "SELECT COUNT(*) FROM fidelity.t_audit WHERE action = 'parent' AND ref_id = 1000")
sql dst "INSERT INTO fidelity.t_parent VALUES (1000, 'new parent');
         INSERT INTO fidelity.\`order\` (id, \`desc\`) VALUES (1000, 'x');" >"$T/trig.log" 2>&1
assert_exit_zero $? "inserting on dst: $(cat "$T/trig.log")"
assert_eq 0 "$before" "audit rows for parent 1000 before the insert"
assert_eq 1 "$(sql dst "SELECT COUNT(*) FROM fidelity.t_audit WHERE action = 'parent' AND ref_id = 1000")" \
	"audit rows written by trg_parent_ai"
assert_eq "[x];" "$(sql dst "SELECT \`desc\` FROM fidelity.\`order\` WHERE id = 1000")" "value set by \`trg order;bi\`"
t_pass

t_begin "rows encoded as fetched give the files a rowset gives (an identity transform forces rowsets)"
# Small files: several per table, so the cut between files is compared too.
printf 'function transform(t, rows) end\n' >"$T/identity.lua"
capture direct sluice dump "${SRC[@]}" -B fidelity -t 1 --batch-size 4K -o "$T/direct"
assert_exit_zero "$RC" "exit code, rows as fetched (stderr: $(_t_show "$ERR"))"
capture rowsets sluice dump "${SRC[@]}" -B fidelity -t 1 --batch-size 4K --script "$T/identity.lua" \
	-o "$T/rowsets"
assert_exit_zero "$RC" "exit code, rowsets (stderr: $(_t_show "$ERR"))"
direct_files=$(cd "$T/direct" && ls fidelity.*.[0-9]*.sql | sort)
assert_ne "" "$direct_files" "data files written"
assert_same "$direct_files" "$(cd "$T/rowsets" && ls fidelity.*.[0-9]*.sql | sort)" "data file names"
for f in $direct_files; do
	cmp -s "$T/direct/$f" "$T/rowsets/$f" || assert_eq "same bytes" "differ" "$f"
done
assert_match "$(printf '%s\n' "$direct_files" | grep -c '^fidelity\.t_')" '^([3-9]|[1-9][0-9]+)$' \
	"several data files of the fidelity tables"
t_pass

t_done
