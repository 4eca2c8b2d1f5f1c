#!/usr/bin/env bash
# 60_selection.sh - which tables a dump holds: -B/--databases, -T/--tables,
# -x/--regex, --exclude, --ignore-table (repeatable), --where for all
# tables, and the system schemas (never dumped unless named with -B).
# The set of tables is read from the stream's frame names (table DDL and
# data frames, decoded) and from the trailer.
#
# Assumptions: -x and --exclude are unanchored pcre2 searches on
# "db.table"; -T splits each item at its first dot; views are not tables.
# shellcheck source=tests/lib/common.sh
. "$(dirname "$0")/../lib/common.sh"
need_sluice
need_server src dst

setup_sql src <<'SQL'
DROP DATABASE IF EXISTS sel_a;
DROP DATABASE IF EXISTS `sel-b`;
DROP DATABASE IF EXISTS sel_empty;
CREATE DATABASE sel_a;
CREATE DATABASE `sel-b`;
CREATE DATABASE sel_empty;
CREATE TABLE sel_a.t1 (id INT PRIMARY KEY, v VARCHAR(10));
CREATE TABLE sel_a.t2 (id INT PRIMARY KEY, v VARCHAR(10));
CREATE TABLE sel_a.audit_log (id INT PRIMARY KEY, v VARCHAR(10));
CREATE TABLE sel_a.`odd name` (id INT PRIMARY KEY, v VARCHAR(10));
CREATE TABLE `sel-b`.t1 (id INT PRIMARY KEY, v VARCHAR(10));
CREATE TABLE `sel-b`.t3 (id INT PRIMARY KEY, v VARCHAR(10));
CREATE TABLE `sel-b`.audit_x (id INT PRIMARY KEY, v VARCHAR(10));
USE sel_a;
INSERT INTO sel_a.t1 SELECT seq, CONCAT('v', seq) FROM seq_1_to_10;
INSERT INTO sel_a.t2 SELECT seq, CONCAT('v', seq) FROM seq_1_to_10;
INSERT INTO sel_a.audit_log SELECT seq, CONCAT('v', seq) FROM seq_1_to_10;
INSERT INTO sel_a.`odd name` SELECT seq, CONCAT('v', seq) FROM seq_1_to_10;
INSERT INTO `sel-b`.t1 SELECT seq, CONCAT('v', seq) FROM seq_1_to_10;
INSERT INTO `sel-b`.t3 SELECT seq, CONCAT('v', seq) FROM seq_1_to_10;
INSERT INTO `sel-b`.audit_x SELECT seq, CONCAT('v', seq) FROM seq_1_to_10;
SQL

ALL_A=$'sel_a.audit_log\nsel_a.odd name\nsel_a.t1\nsel_a.t2'
ALL_B=$'sel-b.audit_x\nsel-b.t1\nsel-b.t3'
ALL=$(printf '%s\n%s\n' "$ALL_A" "$ALL_B" | LC_ALL=C sort)
SYSTEM_RE='^(mysql|sys|information_schema|performance_schema)\.'

# db.table for every table with a DDL or data frame, sorted (LC_ALL=C).
stream_tables() { # FILE
	streamcheck --objects "$1" 2>&1 | awk -F'\t' '$1 == "table" || $1 == "data" { print $2 "." $3 }' |
		LC_ALL=C sort -u
}
# db.table from the trailer.
trailer_tables() { # FILE
	streamcheck "$1" 2>&1 | cut -f1 | LC_ALL=C sort
}

# selects DESCRIPTION EXPECTED ARGS...: the dump holds exactly EXPECTED
# (newline-separated db.table, sorted) among the sel_ databases, and its
# trailer lists the same tables.
selects() {
	local what=$1 expected=$2 got
	shift 2
	t_begin "$what"
	capture sel sluice dump "${SRC[@]}" "$@"
	assert_exit_zero "$RC" "exit code (stderr: $(_t_show "$ERR"))"
	got=$(stream_tables "$OUT")
	assert_same "$expected" "$(printf '%s\n' "$got" | grep -E '^sel(_a|-b)\.')" "selected tables"
	assert_same "$expected" "$(trailer_tables "$OUT" | grep -E '^sel(_a|-b)\.')" "tables in the trailer"
	t_pass
}

selects "-B one database" "$ALL_A" -B sel_a
selects "-B two databases (one with a dash)" "$ALL" -B sel_a,sel-b
selects "--databases long form" "$ALL_B" --databases sel-b
selects "--databases=db" "$ALL_B" --databases=sel-b
selects "-T two tables in two databases" $'sel-b.t3\nsel_a.t1' -T sel_a.t1,sel-b.t3
selects "--tables with a space in the name" "sel_a.odd name" --tables 'sel_a.odd name'
selects "-x regex on db.table" $'sel_a.t1\nsel_a.t2' -x '^sel_a\.t[0-9]$'
selects "--regex is an unanchored search" "$(printf '%s\n' "$ALL" | grep audit)" --regex 'audit'
selects "-B with --exclude" $'sel_a.odd name\nsel_a.t1\nsel_a.t2' -B sel_a --exclude 'audit'
selects "-x with --exclude" "$(printf '%s\n' "$ALL" | grep -v -E '\.t1$')" -x '^sel' --exclude '\.t1$'
selects "--ignore-table twice" $'sel_a.odd name\nsel_a.t2' -B sel_a --ignore-table sel_a.t1 --ignore-table sel_a.audit_log
selects "--ignore-table=db.t" "$(printf '%s\n' "$ALL_B" | grep -v t3)" -B sel-b --ignore-table=sel-b.t3

t_begin "-x matching system tables still skips the system schemas"
capture sys_re sluice dump "${SRC[@]}" -x '^(mysql|sys|performance_schema|information_schema|sel_a)\.' --no-data
assert_exit_zero "$RC" "exit code (stderr: $(_t_show "$ERR"))"
got=$(stream_tables "$OUT")
assert_eq "" "$(printf '%s\n' "$got" | grep -E "$SYSTEM_RE")" "system tables in the dump"
assert_same "$ALL_A" "$(printf '%s\n' "$got" | grep -E '^sel(_a|-b)\.')" "selected tables"
t_pass

t_begin "no selection: every user database (also an empty one), no system schema (--no-data)"
capture all sluice dump "${SRC[@]}" --no-data
assert_exit_zero "$RC" "exit code (stderr: $(_t_show "$ERR"))"
got=$(stream_tables "$OUT")
assert_eq "" "$(printf '%s\n' "$got" | grep -E "$SYSTEM_RE")" "system tables in the dump"
assert_same "$ALL" "$(printf '%s\n' "$got" | grep -E '^sel(_a|-b)\.')" "sel_ tables"
want=$(sql src "SELECT SCHEMA_NAME FROM information_schema.SCHEMATA
               WHERE SCHEMA_NAME NOT IN ('mysql', 'sys', 'information_schema', 'performance_schema')" |
	LC_ALL=C sort)
assert_same "$want" "$(streamcheck --objects "$OUT" 2>/dev/null | cut -f2 | LC_ALL=C sort -u)" \
	"databases in the dump"
t_pass

t_begin "-B mysql dumps a system schema when named"
capture mysql sluice dump "${SRC[@]}" -B mysql --no-data
assert_exit_zero "$RC" "exit code (stderr: $(_t_show "$ERR"))"
assert_contains "$(stream_tables "$OUT")" "mysql.db" "tables of the dump"
t_pass

t_begin "--where filters the rows of every table"
capture where sluice dump "${SRC[@]}" -B sel_a,sel-b --where 'id <= 3'
assert_exit_zero "$RC" "exit code (stderr: $(_t_show "$ERR"))"
assert_same "$(printf '%s\n' "$ALL" | sed 's/$/\t3/')" \
	"$(streamcheck "$OUT" 2>&1 | grep -E '^sel(_a|-b)\.')" "rows per table in the trailer"
drop_dbs dst sel_a sel-b
mariadb_import dst <"$OUT" >"$T/import.log" 2>&1
assert_exit_zero $? "mariadb < stream ($(tail -n 2 "$T/import.log"))"
got=$(sql dst "SELECT GROUP_CONCAT(id ORDER BY id) FROM sel_a.t1 UNION ALL
               SELECT GROUP_CONCAT(id ORDER BY id) FROM sel_a.\`odd name\` UNION ALL
               SELECT GROUP_CONCAT(id ORDER BY id) FROM \`sel-b\`.t3" 2>&1 | tr '\n' ' ')
assert_eq "1,2,3 1,2,3 1,2,3 " "$got" "ids on dst"
t_pass

t_begin "--where with a string condition"
capture where2 sluice dump "${SRC[@]}" -T sel_a.t2 --where "v IN ('v2', 'v10') OR v LIKE 'x%'"
assert_exit_zero "$RC" "exit code (stderr: $(_t_show "$ERR"))"
assert_eq "sel_a.t2	2" "$(streamcheck "$OUT" 2>&1)" "trailer"
t_pass

drop_dbs dst sel_a sel-b
t_done
