#!/usr/bin/env bash
# 80_stream_format.sh - the stream (core/stream.h, core/fname.h): version
# line, frames with exact lengths and filename-encoded names, per-table
# order, the trailer (status, row counts equal to SELECT COUNT(*), binlog
# position and GTID of the snapshot), and the output options
# --statement-size, --rows and --buffer; invariant 2 (no temporary files).
# tests/lib/streamcheck.py does the strict parsing.
#
# Assumptions: every INSERT statement starts at the beginning of a line; a
# statement holds as many rows as fit into --statement-size (it may exceed
# it by one row); SIZE takes K/M/G suffixes (powers of 1024); a chunk of
# --rows rows is written as one or more frames of its own; `-- gtid` is
# @@gtid_binlog_pos and `-- binlog` equals SHOW MASTER STATUS when nothing
# writes during the dump.
# shellcheck source=tests/lib/common.sh
. "$(dirname "$0")/../lib/common.sh"
need_sluice
need_server src

if [ "$(sql src "SELECT COUNT(*) FROM information_schema.TABLES WHERE TABLE_SCHEMA = 'fidelity'")" = 0 ]; then
	server_client src <"$SL_ROOT/tests/data/fidelity.sql" >"$T/fidelity-load.log" 2>&1
fi
setup_sql src <<'SQL'
DROP DATABASE IF EXISTS fmt_db;
DROP DATABASE IF EXISTS fmt_empty;
CREATE DATABASE fmt_db;
CREATE DATABASE fmt_empty;
CREATE TABLE fmt_db.wide (id INT PRIMARY KEY, a VARCHAR(40) NOT NULL, b DOUBLE NOT NULL);
INSERT INTO fmt_db.wide SELECT seq, CONCAT('row number ', seq, ' of the wide table'), seq / 3 FROM fmt_db.seq_1_to_20000;
SQL

# The MySQL filename encoding of fname.h: @xxxx for all but [A-Za-z0-9_].
fname_encode() {
	python3 -c 'import sys; print("".join(c if c.isascii() and (c.isalnum() or c == "_") else "@%04x" % ord(c) for c in sys.argv[1]))' "$1"
}

t_begin "dump of two databases with routines and events succeeds"
capture fmt sluice dump "${SRC[@]}" -B fidelity,fmt_db --routines --events
FMT=$OUT
assert_exit_zero "$RC" "exit code (stderr: $(_t_show "$ERR"))"
t_pass

t_begin "the first line is '-- sluice stream 3 0.1.0'"
assert_eq "-- sluice stream 3 0.1.0" "$(first_line "$FMT")" "first line"
t_pass

t_begin "the last line is '-- sluice end ok'"
assert_eq "-- sluice end ok" "$(last_line "$FMT")" "last line"
t_pass

t_begin "the stream validates strictly (lengths, names, order, trailer)"
check=$(streamcheck -q "$FMT" 2>&1)
assert_exit_zero $? "streamcheck: $check"
t_pass

t_begin "trailer row counts equal SELECT COUNT(*) in both databases"
seqs=" $(sql src "SELECT CONCAT(TABLE_SCHEMA, '.', TABLE_NAME) FROM information_schema.TABLES
                  WHERE TABLE_TYPE = 'SEQUENCE'" | tr '\n' ' ') "
expected=$({
	count_db src fidelity | sed 's/^/fidelity./'
	count_db src fmt_db | sed 's/^/fmt_db./'
} | LC_ALL=C sort)
actual=$(streamcheck "$FMT" 2>&1 | while IFS=$'\t' read -r name rows; do
	case $seqs in *" $name "*) continue ;; esac
	printf '%s\t%s\n' "$name" "$rows"
done)
assert_same "$expected" "$actual" "db.table<TAB>rows"
t_pass

t_begin "the trailer records the binlog position and GTID of the snapshot"
summary=$(streamcheck --summary "$FMT" 2>&1)
binlog=$(printf '%s\n' "$summary" | sed -n 's/^binlog //p')
gtid=$(printf '%s\n' "$summary" | sed -n 's/^gtid //p')
master=$(sql src "SHOW MASTER STATUS" | cut -f1,2 | tr '\t' ' ')
assert_eq "$master" "$binlog" "'-- binlog FILE POS' vs SHOW MASTER STATUS"
assert_eq "$(sql src "SELECT @@gtid_binlog_pos")" "$gtid" "'-- gtid' vs @@gtid_binlog_pos"
t_pass

t_begin "odd names are filename-encoded in frame headers"
frames=$(streamcheck --frames "$FMT" 2>/dev/null | cut -d' ' -f2)
missing=""
while IFS= read -r t; do
	f="fidelity.$(fname_encode "$t")-schema.sql"
	grep -q -x -F -e "$f" <<<"$frames" || missing+=" $f"
done < <(db_tables src fidelity)
for v in "my view" a_view_top z_view_base; do
	f="fidelity.$(fname_encode "$v")-schema-view.sql"
	grep -q -x -F -e "$f" <<<"$frames" || missing+=" $f"
done
for f in fidelity-schema-create.sql fmt_db-schema-create.sql fidelity-schema-post.sql \
	"fidelity.my@0020table-schema.sql" "fidelity.t@002ddash@002edot-schema.sql"; do
	grep -q -x -F -e "$f" <<<"$frames" || missing+=" $f"
done
assert_eq "" "$missing" "frames not found"
t_pass

# --- output options -------------------------------------------------------------

t_begin "--statement-size 16K caps INSERT statements"
capture small sluice dump "${SRC[@]}" -T fmt_db.wide --statement-size 16K
assert_exit_zero "$RC" "exit code (stderr: $(_t_show "$ERR"))"
ins=$(streamcheck --inserts "$OUT" 2>&1)
n=$(printf '%s\n' "$ins" | awk -F'\t' '{ n += $2 } END { print n + 0 }')
max=$(printf '%s\n' "$ins" | awk -F'\t' '$3 > m { m = $3 } END { print m + 0 }')
assert_le "$max" $((16384 + 200)) "largest INSERT in bytes (one row may cross the limit)"
assert_le 40 "$n" "number of INSERT statements for 20000 rows (~1.2 MB)"
assert_eq "fmt_db.wide	20000" "$(streamcheck "$OUT" 2>&1)" "trailer"
t_pass

t_begin "default --statement-size: multi-row INSERTs of at most ~1 MiB"
capture big_stmt sluice dump "${SRC[@]}" -T fmt_db.wide
assert_exit_zero "$RC" "exit code (stderr: $(_t_show "$ERR"))"
ins=$(streamcheck --inserts "$OUT" 2>&1)
n=$(printf '%s\n' "$ins" | awk -F'\t' '{ n += $2 } END { print n + 0 }')
max=$(printf '%s\n' "$ins" | awk -F'\t' '$3 > m { m = $3 } END { print m + 0 }')
assert_le "$max" $((1048576 + 200)) "largest INSERT in bytes"
assert_le 1 "$n" "number of INSERT statements"
assert_le "$n" 20 "number of INSERT statements for 20000 rows (multi-row INSERTs)"
t_pass

t_begin "--rows 1000 splits a 20000-row table into chunks"
capture rows sluice dump "${SRC[@]}" -T fmt_db.wide --rows 1000 -t 2
assert_exit_zero "$RC" "exit code (stderr: $(_t_show "$ERR"))"
n=$(streamcheck --objects "$OUT" 2>/dev/null | grep -c -x $'data\tfmt_db\twide')
assert_le 10 "$n" "data frames of fmt_db.wide"
assert_eq "fmt_db.wide	20000" "$(streamcheck "$OUT" 2>&1)" "trailer"
t_pass

t_begin "--buffer 4M gives the same rows"
capture buffer sluice dump "${SRC[@]}" -T fmt_db.wide --buffer 4M -t 2
assert_exit_zero "$RC" "exit code (stderr: $(_t_show "$ERR"))"
assert_eq "fmt_db.wide	20000" "$(streamcheck "$OUT" 2>&1)" "trailer"
t_pass

t_begin "an empty database gives a valid stream with its CREATE DATABASE"
capture empty sluice dump "${SRC[@]}" -B fmt_empty
assert_exit_zero "$RC" "exit code (stderr: $(_t_show "$ERR"))"
assert_eq "database	fmt_empty	" "$(streamcheck --objects "$OUT" 2>&1)" "frames"
assert_eq "rows 0" "$(streamcheck --summary "$OUT" 2>&1 | grep '^rows ')" "trailer"
t_pass

t_begin "no temporary files (TMPDIR and the working directory stay empty)"
mkdir -p "$T/tmpdir" "$T/cwd"
(cd "$T/cwd" && TMPDIR="$T/tmpdir" sluice dump "${SRC[@]}" -B fidelity,fmt_db >"$T/notmp.out" 2>"$T/notmp.err" </dev/null)
assert_exit_zero $? "exit code (stderr: $(_t_show "$(cat "$T/notmp.err")"))"
assert_eq "" "$(find "$T/tmpdir" "$T/cwd" -mindepth 1 | tr '\n' ' ')" "files left in TMPDIR or the working directory"
t_pass

rm -f "$T"/*.out
t_done
