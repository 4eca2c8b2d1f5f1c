#!/usr/bin/env bash
# 30_threads.sh - threads, chunking and the consistent snapshot:
#   * `-t 4` on one 1M-row table keeps 4 SELECTs on that table running at
#     once (seen in SHOW PROCESSLIST while the reader of the stream is
#     stalled, so the workers block with their queries open);
#   * the -t 4 stream and a -t 1 stream import to the same data (checksum);
#   * --rows splits fidelity's composite, string and sparse keys without
#     exploding the number of chunks, and the data stays identical;
#   * equal tables stay whole and the last ones are split into ranges;
#   * all workers see one snapshot: while a writer inserts into snap.a and
#     snap.b in one transaction each, a -t 4 dump has as many rows in a as
#     in b, with every --lock-mode that promises consistency;
#   * peak RSS of a dump of the big table stays within 64 MiB (issue target
#     at the default --buffer; not checked under sanitizers).
#
# Assumptions: each worker has its own connection as the given user and its
# chunk query names the table (`big`.`t1m` appears in the query text); one
# chunk is written as one or more frames of its own.
# shellcheck source=tests/lib/common.sh
. "$(dirname "$0")/../lib/common.sh"
need_sluice
need_server src dst

t_begin "1M-row table big.t1m ready on src"
if ensure_big src >"$T/gen.log" 2>&1; then t_pass; else
	t_fail "tests/data/gen_big.sh failed: $(tail -n 2 "$T/gen.log")"
	t_done
fi
SRC_BIG=$(checksum_db src big)

# --- -t 4 on one table, with the reader stalled ----------------------------------

t_begin "-t 4 runs 4 concurrent SELECTs on one big table"
mkfifo "$T/pipe4"
# Four chunks of 250k rows: each worker's query has far more left to send
# than the socket buffers hold, so it stays a running query while blocked
# (with small chunks the server may finish one into the buffers: "Sleep").
"$SLUICE" dump "${SRC[@]}" -B big -t 4 -r 250000 >"$T/pipe4" 2>"$T/t4.err" </dev/null &
spid=$!
bg_track "$spid"
exec 3<"$T/pipe4"
# Nothing reads fd 3 yet: sluice fills the pipe and its ring, and every
# worker blocks in the middle of its chunk with the query still running.
max=0
for ((i = 0; i < 300; i++)); do
	n=$(sluice_queries src '%t1m%')
	[ "${n:-0}" -gt "$max" ] && max=$n
	[ "$max" -ge 4 ] && break
	kill -0 "$spid" 2>/dev/null || break
	sleep 0.1
done
timeout 300 cat <&3 >"$T/t4.out"
exec 3<&-
wait_bounded "$spid" 60
rc4=$?
assert_le 4 "$max" "most concurrent SELECTs of user sluice on big.t1m (SHOW PROCESSLIST)"
t_pass

t_begin "-t 4 dump of big.t1m is complete and valid"
assert_exit_zero "$rc4" "exit code (stderr: $(_t_show "$(cat "$T/t4.err")"))"
assert_eq "big.t1m	1000000" "$(streamcheck "$T/t4.out" 2>&1)" "trailer"
t_pass

t_begin "-t 4 splits big.t1m into several chunks"
n=$(streamcheck --objects "$T/t4.out" 2>/dev/null | grep -c -x $'data\tbig\tt1m')
assert_le 4 "$n" "data frames of big.t1m"
t_pass

t_begin "-t 4 dump imports to the same data (checksum)"
drop_dbs dst big
mariadb_import dst <"$T/t4.out" >"$T/import4.log" 2>&1
assert_exit_zero $? "mariadb < stream ($(tail -n 2 "$T/import4.log"))"
assert_same "$SRC_BIG" "$(checksum_db dst big)" "checksum of big.t1m (src vs dst)"
t_pass
rm -f "$T/t4.out"

t_begin "-t 1 dump imports to the same data as the -t 4 dump"
capture t1 sluice dump "${SRC[@]}" -B big -t 1
assert_exit_zero "$RC" "exit code (stderr: $(_t_show "$ERR"))"
drop_dbs dst big
mariadb_import dst <"$OUT" >"$T/import1.log" 2>&1
assert_exit_zero $? "mariadb < stream ($(tail -n 2 "$T/import1.log"))"
assert_same "$SRC_BIG" "$(checksum_db dst big)" "checksum of big.t1m"
t_pass
rm -f "$OUT"
drop_dbs dst big

# --- memory --------------------------------------------------------------------

if [ -z "$SL_LABEL" ]; then
	t_begin "peak RSS of a -t 2 dump of big.t1m stays within 64 MiB"
	"$SLUICE" dump "${SRC[@]}" -B big -t 2 >/dev/null 2>"$T/rss.err" </dev/null &
	spid=$!
	bg_track "$spid"
	peak=0
	while kill -0 "$spid" 2>/dev/null; do
		kb=$(awk '/^VmHWM:/ { print $2 }' "/proc/$spid/status" 2>/dev/null)
		[ -n "$kb" ] && [ "$kb" -gt "$peak" ] && peak=$kb
		sleep 0.05
	done
	wait "$spid"
	rc=$?
	echo "peak RSS: $peak kB"
	assert_exit_zero "$rc" "exit code (stderr: $(_t_show "$(cat "$T/rss.err")"))"
	assert_le "$peak" 65536 "peak RSS in kB (VmHWM)"
	t_pass
fi

# --- chunking of odd keys ----------------------------------------------------------

if [ "$(sql src "SELECT COUNT(*) FROM information_schema.TABLES WHERE TABLE_SCHEMA = 'fidelity'")" = 0 ]; then
	server_client src <"$SL_ROOT/tests/data/fidelity.sql" >"$T/fidelity-load.log" 2>&1
fi

t_begin "-t 4 --rows 100 on fidelity (composite, string, sparse keys) imports identically"
start=$(now)
capture fid4 sluice dump "${SRC[@]}" -B fidelity -t 4 --rows 100 --routines --events
took=$(since "$start")
FID4=$OUT
assert_exit_zero "$RC" "exit code (stderr: $(_t_show "$ERR"))"
assert_le "$took" "$(limit 60)" "seconds for the dump"
check=$(streamcheck -q "$FID4" 2>&1)
assert_exit_zero $? "streamcheck: $check"
drop_dbs dst fidelity
mariadb_import dst <"$FID4" >"$T/import-fid.log" 2>&1
assert_exit_zero $? "mariadb < stream ($(tail -n 2 "$T/import-fid.log"))"
assert_same "$(checksum_db src fidelity)" "$(checksum_db dst fidelity)" "checksums (table<TAB>checksum, src vs dst)"
t_pass

t_begin "--rows 100: a sparse BIGINT key does not explode the number of chunks"
n=$(streamcheck --objects "$FID4" 2>/dev/null | grep -c -x $'data\tfidelity\tt_sparse_pk')
rows=$(sql src "SELECT COUNT(*) FROM fidelity.t_sparse_pk")
assert_le "$n" $((rows * 5 / 100 + 10)) "data frames of t_sparse_pk ($rows rows)"
t_pass

# --- the last tables in ranges ------------------------------------------------------
# Five tables of 2,000 rows and one of 1,200, -t 2 --rows 300: no table is
# more than half a worker's share (2,800 rows), so the first four stay
# whole; the fifth, with less than itself left behind it, and the sixth,
# the last, are split so that the other worker shares them instead of
# waiting (chunk.c).
setup_sql src <<'SQL'
DROP DATABASE IF EXISTS tail;
CREATE DATABASE tail;
USE tail;
CREATE TABLE a (id INT PRIMARY KEY, pad CHAR(60) NOT NULL);
CREATE TABLE b LIKE a;
CREATE TABLE c LIKE a;
CREATE TABLE d LIKE a;
CREATE TABLE e LIKE a;
CREATE TABLE f LIKE a;
INSERT INTO a SELECT seq, REPEAT('a', 60) FROM seq_1_to_2000;
INSERT INTO b SELECT * FROM a;
INSERT INTO c SELECT * FROM a;
INSERT INTO d SELECT * FROM a;
INSERT INTO e SELECT * FROM a;
INSERT INTO f SELECT * FROM a WHERE id <= 1200;
ANALYZE TABLE a, b, c, d, e, f;
SQL

t_begin "-t 2: equal tables stay whole, the last ones are split into ranges"
capture tail sluice dump "${SRC[@]}" -B tail -t 2 --rows 300
assert_exit_zero "$RC" "exit code (stderr: $(_t_show "$ERR"))"
frames=$(streamcheck --objects "$OUT" 2>/dev/null | awk -F'\t' '$1 == "data" { n[$3]++ }
	END { for (t in n) print t, n[t] }' | sort)
whole=$(printf '%s\n' "$frames" | awk '$2 == 1' | wc -l)
assert_eq 4 "$whole" "tables in one data frame (${frames//$'\n'/, })"
assert_le 3 "$(printf '%s\n' "$frames" | awk '$1 == "f" { print $2 }')" "data frames of tail.f"
assert_eq "$(printf 'tail.a\t2000\ntail.b\t2000\ntail.c\t2000\ntail.d\t2000\ntail.e\t2000\ntail.f\t1200')" \
	"$(streamcheck "$OUT" 2>&1 | sort)" "trailer rows"
drop_dbs dst tail
mariadb_import dst <"$OUT" >"$T/import-tail.log" 2>&1
assert_exit_zero $? "mariadb < stream ($(tail -n 2 "$T/import-tail.log"))"
assert_same "$(checksum_db src tail)" "$(checksum_db dst tail)" "checksums (src vs dst)"
t_pass
rm -f "$OUT"
drop_dbs dst tail

# --- one snapshot for all workers ----------------------------------------------------

setup_sql src <<'SQL'
DROP DATABASE IF EXISTS snap;
CREATE DATABASE snap;
USE snap;
CREATE TABLE a (id INT AUTO_INCREMENT PRIMARY KEY, pad CHAR(20) NOT NULL);
CREATE TABLE b (id INT AUTO_INCREMENT PRIMARY KEY, pad CHAR(20) NOT NULL);
CREATE TABLE ctl (stop INT NOT NULL) ENGINE=MEMORY;
INSERT INTO ctl VALUES (0);
INSERT INTO a (pad) SELECT 'seed' FROM seq_1_to_200000;
INSERT INTO b (pad) SELECT 'seed' FROM seq_1_to_200000;
DELIMITER //
CREATE PROCEDURE writer(secs INT)
BEGIN
  DECLARE t_end DATETIME DEFAULT NOW() + INTERVAL secs SECOND;
  WHILE NOW() < t_end AND (SELECT stop FROM ctl) = 0 DO
    START TRANSACTION;
    INSERT INTO a (pad) VALUES ('writer');
    INSERT INTO b (pad) VALUES ('writer');
    COMMIT;
    DO SLEEP(0.001);
  END WHILE;
END//
DELIMITER ;
SQL
sql src "CALL snap.writer(60)" >/dev/null 2>&1 &
wpid=$!
bg_track "$wpid"
sleep 0.5

for mode in auto ftwrl backup-stage; do
	t_begin "--lock-mode $mode -t 4: one snapshot for all workers while a writer commits"
	capture snap_$mode sluice dump "${SRC[@]}" -B snap -t 4 --rows 20000 --lock-mode "$mode"
	assert_exit_zero "$RC" "exit code (stderr: $(_t_show "$ERR"))"
	counts=$(streamcheck "$OUT" 2>&1)
	a=$(printf '%s\n' "$counts" | awk -F'\t' '$1 == "snap.a" { print $2 }')
	b=$(printf '%s\n' "$counts" | awk -F'\t' '$1 == "snap.b" { print $2 }')
	assert_match "$a" '^[0-9]+$' "rows of snap.a in the trailer ($counts)"
	assert_eq "$a" "$b" "rows of snap.b vs snap.a"
	assert_le 200000 "${a:-0}" "rows of snap.a"
	t_pass
	rm -f "$OUT"
done

t_begin "--lock-mode none -t 4 completes while a writer commits"
capture snap_none sluice dump "${SRC[@]}" -B snap -t 4 --rows 20000 --lock-mode none
assert_exit_zero "$RC" "exit code (stderr: $(_t_show "$ERR"))"
check=$(streamcheck -q "$OUT" 2>&1)
assert_exit_zero $? "streamcheck: $check"
t_pass
rm -f "$OUT"

sql src "UPDATE snap.ctl SET stop = 1"
wait_bounded "$wpid" 10 >/dev/null

# --- progress line ------------------------------------------------------------------
# On a terminal the line is redrawn in place; with --progress always and
# stderr a file, lines of their own come every --progress-interval.  A
# reader that takes 4 s keeps the dump running long enough for several.
t_begin "--progress always: tables, rows, bytes, rate and ETA on stderr; stdout unaffected"
"$SLUICE" dump "${SRC[@]}" -B big -t 2 --progress always --progress-interval 1 2>"$T/progress.err" </dev/null |
	(sleep 4; cat) >"$T/progress.out"
rc=${PIPESTATUS[0]}
assert_exit_zero "$rc" "exit code (stderr: $(_t_show "$(tail -n 3 "$T/progress.err")"))"
prog=$(cat "$T/progress.err")
assert_match "$prog" 'sluice: progress: tables [01]/1  rows [0-9]+  [0-9.]+ [KMG]?i?B  [0-9.]+ [KMG]?i?B/s' "progress line"
assert_match "$prog" 'ETA [0-9]+m[0-9]{2}s' "ETA on the progress line"
if grep -q $'\r\|\033' "$T/progress.err"; then t_fail "escape codes in a file"; fi
assert_eq "big.t1m	1000000" "$(streamcheck "$T/progress.out" 2>&1)" "the stream is unchanged by progress"
t_pass
rm -f "$T/progress.out"

t_begin "--quiet wins over --progress always (stderr stays empty)"
"$SLUICE" dump "${SRC[@]}" -T big.t1m -q --progress always 2>"$T/quiet.err" </dev/null |
	(sleep 1; cat >/dev/null)
assert_exit_zero "${PIPESTATUS[0]}" "exit code"
assert_eq "" "$(cat "$T/quiet.err")" "stderr"
t_pass

t_done
