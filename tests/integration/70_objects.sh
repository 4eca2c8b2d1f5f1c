#!/usr/bin/env bash
# 70_objects.sh - which schema objects a dump holds: triggers by default and
# not with --skip-triggers, routines only with --routines, events only with
# --events; --no-data gives schema only, --no-schema data only, and the two
# imported one after the other (schema without triggers first) reproduce
# the data of the fidelity corpus.
#
# Assumptions: object kinds are recognised in the stream by frame names
# (fname.h: -schema-triggers.sql, -schema-post.sql) and by the names of the
# objects in the SQL text (p_summary, f_add, e_cleanup, trg_parent_ai);
# --no-schema leaves out every DDL frame, including CREATE DATABASE.
# shellcheck source=tests/lib/common.sh
. "$(dirname "$0")/../lib/common.sh"
need_sluice
need_server src dst

t_begin "corpus tests/data/fidelity.sql loads on src"
if server_client src <"$SL_ROOT/tests/data/fidelity.sql" >"$T/load.log" 2>&1; then t_pass; else
	t_fail "loading failed: $(tail -n 3 "$T/load.log")"
	t_done
fi

kinds() { streamcheck --objects "$1" 2>/dev/null | cut -f1 | LC_ALL=C sort -u | tr '\n' ' '; }
has() { grep -a -q -E "$2" "$1"; } # FILE ERE

PROC='PROCEDURE `?p_summary'
FUNC='FUNCTION `?f_add'
EVENT='EVENT `?e_cleanup'
TRIG='TRIGGER `?trg_parent_ai'

# objects DESCRIPTION "present regexes" "absent regexes" ARGS...
# (regexes separated by |; a | inside one is not supported)
objects() {
	local what=$1 present=$2 absent=$3 re check
	shift 3
	t_begin "$what"
	capture obj sluice dump "${SRC[@]}" -B fidelity "$@"
	assert_exit_zero "$RC" "exit code (stderr: $(_t_show "$ERR"))"
	check=$(streamcheck -q "$OUT" 2>&1)
	assert_exit_zero $? "streamcheck: $check"
	IFS='|' read -r -a res <<<"$present"
	for re in "${res[@]}"; do
		[ -n "$re" ] && { has "$OUT" "$re" || t_fail "/$re/ not found in the stream"; }
	done
	IFS='|' read -r -a res <<<"$absent"
	for re in "${res[@]}"; do
		[ -n "$re" ] && { ! has "$OUT" "$re" || t_fail "/$re/ found in the stream"; }
	done
	t_pass
}

objects "default: triggers, no routines, no events" "$TRIG" "$PROC|$FUNC|$EVENT"
objects "--skip-triggers" "" "$TRIG|$PROC|$EVENT" --skip-triggers
objects "--routines" "$TRIG|$PROC|$FUNC" "$EVENT" --routines
objects "--events" "$TRIG|$EVENT" "$PROC|$FUNC" --events
objects "--routines --events --skip-triggers" "$PROC|$FUNC|$EVENT" "$TRIG" --routines --events --skip-triggers

t_begin "triggers have their own frames (db.t-schema-triggers.sql)"
capture trig sluice dump "${SRC[@]}" -B fidelity
got=$(streamcheck --objects "$OUT" 2>&1 | awk -F'\t' '$1 == "triggers" { print $3 }' | LC_ALL=C sort | tr '\n' ',')
assert_eq "order,t_parent," "$got" "tables with a triggers frame"
t_pass

# --- --no-data / --no-schema -----------------------------------------------------

t_begin "--no-data: schema only, every table created empty"
capture nodata sluice dump "${SRC[@]}" -B fidelity --no-data --skip-triggers
NODATA=$OUT
assert_exit_zero "$RC" "exit code (stderr: $(_t_show "$ERR"))"
check=$(streamcheck -q "$NODATA" 2>&1)
assert_exit_zero $? "streamcheck: $check"
assert_not_contains " $(kinds "$NODATA")" " data " "frame kinds"
drop_dbs dst fidelity
mariadb_import dst <"$NODATA" >"$T/import-nodata.log" 2>&1
assert_exit_zero $? "mariadb < stream ($(tail -n 2 "$T/import-nodata.log"))"
assert_same "$(db_tables src fidelity)" "$(db_tables dst fidelity)" "tables on dst"
nonempty=$(count_db dst fidelity | awk -F'\t' '$2 != 0 { print $1 }' | tr '\n' ' ')
assert_eq "" "$nonempty" "tables with rows after a --no-data import"
t_pass

t_begin "--no-schema: data frames only"
capture noschema sluice dump "${SRC[@]}" -B fidelity --no-schema
NOSCHEMA=$OUT
assert_exit_zero "$RC" "exit code (stderr: $(_t_show "$ERR"))"
check=$(streamcheck -q "$NOSCHEMA" 2>&1)
assert_exit_zero $? "streamcheck: $check"
assert_eq "data " "$(kinds "$NOSCHEMA")" "frame kinds"
has "$NOSCHEMA" 'CREATE (TABLE|DATABASE|SCHEMA)' && t_fail "CREATE TABLE/DATABASE in a --no-schema stream"
t_pass

t_begin "--no-data (no triggers), then --no-schema into the existing tables, equals the source"
mariadb_import dst <"$NOSCHEMA" >"$T/import-noschema.log" 2>&1
assert_exit_zero $? "mariadb < --no-schema stream ($(tail -n 2 "$T/import-noschema.log"))"
assert_same "$(checksum_db src fidelity)" "$(checksum_db dst fidelity)" "checksums (table<TAB>checksum, src vs dst)"
t_pass

rm -f "$T"/*.out
t_done
