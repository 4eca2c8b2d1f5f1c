#!/usr/bin/env bash
# 95_load.sh - `sluice load`: a stream from src loads into the second server
# dst, with no temporary files:
#   * the fidelity corpus round-trips with equal CHECKSUM TABLE for every
#     table, and views, triggers, routines, the event and the sequence work;
#   * `sluice dump | sluice load` (a pipe) and a stream file give the same
#     result, with -t 1 and -t 4;
#   * -B loads the one database of a stream under another name, --rename
#     maps several; -B with several databases is refused;
#   * --overwrite: fail (the default, naming the table), drop, truncate,
#     append;
#   * a truncated or corrupted stream is refused with exit != 0 and one
#     error line; the tables it completed are reported;
#   * SIGINT during a load stops it promptly and leaves no query behind.
# Assumptions: load reads stdin (or --input/-i FILE, or one positional path)
# and takes the target's connection options as dump takes the source's.
# shellcheck source=tests/lib/common.sh
. "$(dirname "$0")/../lib/common.sh"
need_sluice
need_server src dst

t_begin "corpus tests/data/fidelity.sql on src"
if server_client src <"$SL_ROOT/tests/data/fidelity.sql" >"$T/corpus.log" 2>&1; then t_pass; else
	t_fail "loading failed: $(tail -n 3 "$T/corpus.log")"
	t_done
fi
SRC_CK=$(checksum_db src fidelity)

capture fid sluice dump "${SRC[@]}" -B fidelity --routines --events
FID=$OUT

t_begin "load a stream file into dst: every table equal (CHECKSUM TABLE)"
drop_dbs dst fidelity
capture load1 sluice load "${DST[@]}" -t 4 --input "$FID"
assert_exit_zero "$RC" "exit code (stderr: $(_t_show "$ERR"))"
assert_same "$SRC_CK" "$(checksum_db dst fidelity)" "checksums (src vs dst)"
t_pass

t_begin "every table's SHOW CREATE TABLE is the same after load (deferred indexes included)"
bad=""
while IFS= read -r tbl; do
	a=$(sql src "SHOW CREATE TABLE fidelity.$(qi "$tbl")" | cut -f2-)
	b=$(sql dst "SHOW CREATE TABLE fidelity.$(qi "$tbl")" | cut -f2-)
	[ "$a" = "$b" ] || bad+="$tbl "
done < <(db_tables src fidelity)
assert_eq "" "$bad" "tables whose definition differs"
t_pass

t_begin "views, triggers, routines, the event and the sequence work after load"
assert_eq "$(sql src "SELECT COUNT(*) FROM fidelity.v_on_v")" \
	"$(sql dst "SELECT COUNT(*) FROM fidelity.v_on_v")" "rows of the view on a view"
assert_eq "$(sql src "SELECT COUNT(*) FROM information_schema.TRIGGERS WHERE TRIGGER_SCHEMA='fidelity'")" \
	"$(sql dst "SELECT COUNT(*) FROM information_schema.TRIGGERS WHERE TRIGGER_SCHEMA='fidelity'")" "triggers"
assert_eq "$(sql src "SELECT COUNT(*) FROM information_schema.ROUTINES WHERE ROUTINE_SCHEMA='fidelity'")" \
	"$(sql dst "SELECT COUNT(*) FROM information_schema.ROUTINES WHERE ROUTINE_SCHEMA='fidelity'")" "routines"
assert_eq "$(sql src "SELECT COUNT(*) FROM information_schema.EVENTS WHERE EVENT_SCHEMA='fidelity'")" \
	"$(sql dst "SELECT COUNT(*) FROM information_schema.EVENTS WHERE EVENT_SCHEMA='fidelity'")" "events"
assert_eq "$(sql src "SHOW CREATE SEQUENCE fidelity.s_order" | cut -f2)" \
	"$(sql dst "SHOW CREATE SEQUENCE fidelity.s_order" | cut -f2)" "sequence definition"
t_pass

t_begin "sluice dump | sluice load (-t 1) gives the same data"
drop_dbs dst fidelity
sluice dump "${SRC[@]}" -B fidelity --routines --events 2>"$T/pipe-dump.err" </dev/null |
	sluice load "${DST[@]}" -t 1 >"$T/pipe.out" 2>"$T/pipe-load.err"
rcs=("${PIPESTATUS[@]}")
assert_exit_zero "${rcs[0]}" "dump exit code ($(_t_show "$(cat "$T/pipe-dump.err")"))"
assert_exit_zero "${rcs[1]}" "load exit code ($(_t_show "$(cat "$T/pipe-load.err")"))"
assert_eq "" "$(cat "$T/pipe.out")" "load's stdout"
assert_same "$SRC_CK" "$(checksum_db dst fidelity)" "checksums (src vs dst)"
t_pass

t_begin "--transaction-size groups queued data files: fewer commits, same data"
setup_sql src "DROP DATABASE IF EXISTS ld_tx; CREATE DATABASE ld_tx;
  CREATE TABLE ld_tx.t (id INT PRIMARY KEY, v VARCHAR(100));
  INSERT INTO ld_tx.t SELECT seq, REPEAT('x', 80) FROM ld_tx.seq_1_to_20000;"
sluice dump "${SRC[@]}" -B ld_tx --batch-size 8K >"$T/tx.sql" 2>/dev/null </dev/null
ndata=$(grep -c '^-- sluice frame [0-9]* ld_tx\.t\.[0-9]*\.sql [0-9a-f]*$' "$T/tx.sql")
drop_dbs dst ld_tx
before=$(sql dst "SHOW GLOBAL STATUS LIKE 'Com_commit'" | cut -f2)
capture tsize sluice load "${DST[@]}" -t 1 --transaction-size 1G "$T/tx.sql"
after=$(sql dst "SHOW GLOBAL STATUS LIKE 'Com_commit'" | cut -f2)
assert_exit_zero "$RC" "exit code (stderr: $(_t_show "$ERR"))"
assert_same "$(checksum_db src ld_tx)" "$(checksum_db dst ld_tx)" "checksums (src vs dst)"
assert_le 100 "$ndata" "data files in the stream"
assert_le $((after - before)) $((ndata / 2)) "COMMITs for $ndata data files"
t_pass

t_begin "data files in runs of one table and in turns: -t 2 and -t 3 (with --transaction-size) load them all"
# An executor that takes a file of a table another one is loading runs the
# next queued file instead and keeps that one aside; the last files of a
# table wait for its deferred KEY.  -t 1 dumps tables one after the other
# (runs), -t 3 in turns.
setup_sql src "DROP DATABASE IF EXISTS ld_runs; CREATE DATABASE ld_runs;
  CREATE TABLE ld_runs.a (id INT PRIMARY KEY, v VARCHAR(100), KEY (v));
  CREATE TABLE ld_runs.b (id INT PRIMARY KEY, v VARCHAR(100), KEY (v));
  CREATE TABLE ld_runs.c (id INT PRIMARY KEY, v VARCHAR(100));
  INSERT INTO ld_runs.a SELECT seq, MD5(seq) FROM ld_runs.seq_1_to_6000;
  INSERT INTO ld_runs.b SELECT seq, SHA1(seq) FROM ld_runs.seq_1_to_6000;
  INSERT INTO ld_runs.c SELECT seq, REPEAT('c', seq % 90) FROM ld_runs.seq_1_to_6000;"
runs_ck=$(checksum_db src ld_runs)
bad=""
for dump_t in 1 3; do
	sluice dump "${SRC[@]}" -B ld_runs -t $dump_t --batch-size 4K >"$T/runs$dump_t.sql" 2>/dev/null </dev/null
	for load in "-t 2" "-t 3" "-t 2 --transaction-size 16K"; do
		drop_dbs dst ld_runs
		# shellcheck disable=SC2086 # the load's options, split
		capture runs sluice load "${DST[@]}" $load "$T/runs$dump_t.sql"
		[ "$RC" = 0 ] || bad+="dump -t $dump_t, load $load: exit $RC ($(_t_show "$ERR")); "
		[ "$(checksum_db dst ld_runs)" = "$runs_ck" ] || bad+="dump -t $dump_t, load $load: checksums; "
	done
done
assert_le 60 "$(grep -c '^-- sluice frame [0-9]* ld_runs\.a\.[0-9]*\.sql' "$T/runs1.sql")" "data files of a"
assert_eq "" "$bad" "loads that went wrong"
t_pass

t_begin "a routine created under ANSI_QUOTES,NO_BACKSLASH_ESCAPES loads and works"
setup_sql src "DROP DATABASE IF EXISTS ld_modes; CREATE DATABASE ld_modes;
  SET SESSION sql_mode = 'ANSI_QUOTES,NO_BACKSLASH_ESCAPES';
  CREATE FUNCTION ld_modes.f() RETURNS VARCHAR(40) RETURN CONCAT('a\\', 'b;c', 'd''e');"
want=$(sql src "SELECT ld_modes.f()")
sluice dump "${SRC[@]}" -B ld_modes --routines >"$T/modes.sql" 2>/dev/null </dev/null
drop_dbs dst ld_modes
capture modes sluice load "${DST[@]}" "$T/modes.sql"
assert_exit_zero "$RC" "exit code (stderr: $(_t_show "$ERR"))"
assert_eq "$want" "$(sql dst "SELECT ld_modes.f()")" "the function's result on dst"
t_pass

# --- names -------------------------------------------------------------------

t_begin "-B loads the stream's one database under another name"
drop_dbs dst fid_b
capture loadb sluice load "${DST[@]}" -B fid_b "$FID"
assert_exit_zero "$RC" "exit code (stderr: $(_t_show "$ERR"))"
assert_same "$SRC_CK" "$(checksum_db dst fid_b)" "checksums (src fidelity vs dst fid_b)"
assert_eq "$(sql src "SELECT COUNT(*) FROM fidelity.v_on_v")" \
	"$(sql dst "SELECT COUNT(*) FROM fid_b.v_on_v")" "the view on a view reads fid_b"
t_pass

setup_sql src "DROP DATABASE IF EXISTS ld_a; DROP DATABASE IF EXISTS ld_b;
  CREATE DATABASE ld_a; CREATE DATABASE ld_b;
  CREATE TABLE ld_a.t (id INT PRIMARY KEY, v VARCHAR(20)); INSERT INTO ld_a.t VALUES (1,'a'),(2,'b');
  CREATE TABLE ld_b.t (id INT PRIMARY KEY, v VARCHAR(20)); INSERT INTO ld_b.t VALUES (3,'c');
  CREATE TABLE ld_b.nokey (v INT); INSERT INTO ld_b.nokey VALUES (1),(1),(2);"
capture two sluice dump "${SRC[@]}" -B ld_a,ld_b
TWO=$OUT

t_begin "--rename maps several databases"
drop_dbs dst ld_a2 ld_b2 ld_a ld_b
capture ren sluice load "${DST[@]}" --rename ld_a=ld_a2 --rename ld_b=ld_b2 "$TWO"
assert_exit_zero "$RC" "exit code (stderr: $(_t_show "$ERR"))"
assert_same "$(checksum_db src ld_a)" "$(checksum_db dst ld_a2)" "ld_a -> ld_a2"
assert_same "$(checksum_db src ld_b)" "$(checksum_db dst ld_b2)" "ld_b -> ld_b2"
assert_eq "0" "$(sql dst "SELECT COUNT(*) FROM information_schema.SCHEMATA WHERE SCHEMA_NAME IN ('ld_a','ld_b')")" \
	"original databases created on dst"
t_pass

t_begin "-B with a stream of several databases is refused"
capture bmulti sluice load "${DST[@]}" -B one "$TWO"
assert_exit_nonzero "$RC"
assert_one_line "$ERR" "sluice: error: " "stderr"
assert_contains "$ERR" "several databases" "message"
t_pass

# --- overwrite ---------------------------------------------------------------

drop_dbs dst ld_a ld_b
capture first sluice load "${DST[@]}" "$TWO"

t_begin "--overwrite fail (default): an existing table stops the load, naming it"
capture again sluice load "${DST[@]}" "$TWO"
assert_exit_nonzero "$RC"
assert_contains "$ERR" "already exists" "message"
# The workers race to the first existing table: any of the three may be the one named.
assert_match "$ERR" 'table `ld_(a|b)`\.`(t|nokey)` already exists' "message names the table and its database"
t_pass

t_begin "--overwrite drop: tables are recreated with the stream's rows"
sql dst "INSERT INTO ld_b.nokey VALUES (99)"
capture odrop sluice load "${DST[@]}" --overwrite drop "$TWO"
assert_exit_zero "$RC" "exit code (stderr: $(_t_show "$ERR"))"
assert_same "$(checksum_db src ld_b)" "$(checksum_db dst ld_b)" "ld_b"
t_pass

t_begin "--overwrite truncate: existing tables keep their definition, get the stream's rows"
sql dst "ALTER TABLE ld_b.nokey COMMENT = 'kept'; INSERT INTO ld_b.nokey VALUES (99)"
capture otrunc sluice load "${DST[@]}" --overwrite truncate "$TWO"
assert_exit_zero "$RC" "exit code (stderr: $(_t_show "$ERR"))"
assert_eq "3" "$(sql dst "SELECT COUNT(*) FROM ld_b.nokey")" "rows of ld_b.nokey"
assert_eq "kept" "$(sql dst "SELECT TABLE_COMMENT FROM information_schema.TABLES WHERE TABLE_SCHEMA='ld_b' AND TABLE_NAME='nokey'")" "table comment"
t_pass

t_begin "--overwrite append: rows are added to existing tables"
capture oapp sluice load "${DST[@]}" --overwrite append "$TWO"
assert_exit_nonzero "$RC" "appending duplicate primary keys fails"
assert_contains "$ERR" "Duplicate entry" "message"
drop_dbs dst ld_a ld_b
setup_sql src "DROP DATABASE IF EXISTS ld_c; CREATE DATABASE ld_c;
  CREATE TABLE ld_c.nokey (v INT); INSERT INTO ld_c.nokey VALUES (1),(2),(3);"
capture three sluice dump "${SRC[@]}" -B ld_c
THREE=$OUT
drop_dbs dst ld_c
capture app1 sluice load "${DST[@]}" "$THREE"
capture app2 sluice load "${DST[@]}" --overwrite append "$THREE"
assert_exit_zero "$RC" "exit code (stderr: $(_t_show "$ERR"))"
assert_eq "6" "$(sql dst "SELECT COUNT(*) FROM ld_c.nokey")" "rows after loading twice"
t_pass

# --- INSERTs' rows as LOAD DATA LOCAL ---------------------------------------------

status_of() { sql dst "SHOW GLOBAL STATUS LIKE '$1'" | cut -f2; }

t_begin "rows of a stream's INSERTs go by array binding (auto), by LOAD DATA, or as INSERTs: same data"
for method in auto load-data insert; do
	drop_dbs dst fidelity
	exec0=$(status_of Com_stmt_execute) load0=$(status_of Com_load)
	capture "ldm_$method" sluice load "${DST[@]}" -t 2 --load-method "$method" --input "$FID"
	assert_exit_zero "$RC" "exit code, $method (stderr: $(_t_show "$ERR"))"
	execs=$(($(status_of Com_stmt_execute) - exec0)) loads=$(($(status_of Com_load) - load0))
	case $method in
	auto) assert_le 1 "$execs" "prepared executions on dst, auto" ;;
	load-data) assert_le 1 "$loads" "LOAD DATA statements on dst, load-data" ;;
	insert) assert_eq "0 0" "$execs $loads" "executions and LOAD DATA on dst, insert" ;;
	esac
	assert_same "$SRC_CK" "$(checksum_db dst fidelity)" "checksums (src vs dst), $method"
done
t_pass

t_begin "a target that refuses LOAD DATA LOCAL (local_infile OFF): --load-method load-data loads the INSERTs"
old_li=$(sql dst "SELECT @@GLOBAL.local_infile")
sql dst "SET GLOBAL local_infile = 0"
drop_dbs dst fidelity
capture ldm3 sluice load "${DST[@]}" -t 2 --load-method load-data --input "$FID"
sql dst "SET GLOBAL local_infile = $old_li"
assert_exit_zero "$RC" "exit code (stderr: $(_t_show "$ERR"))"
assert_same "$SRC_CK" "$(checksum_db dst fidelity)" "checksums (src vs dst)"
t_pass

t_begin "an INSERT whose rows stop decoding at its end (an expression): the INSERT's own result"
# 3000 rows of 100 bytes make one INSERT of several blocks: the last row's
# expression is met after the first blocks went in.
setup_sql src "DROP DATABASE IF EXISTS ld_x; CREATE DATABASE ld_x;
  CREATE TABLE ld_x.t (id INT PRIMARY KEY, v VARCHAR(120)) DEFAULT CHARSET=latin1;
  INSERT INTO ld_x.t SELECT seq, REPEAT('a', 100) FROM ld_x.seq_1_to_2999;
  INSERT INTO ld_x.t VALUES (3000, 'b\tc');"
mariadb-dump --no-defaults -uroot -S "$(server_socket src)" --net-buffer-length=1000000 \
	--databases ld_x >"$T/x.sql" 2>"$T/x.err"
sed -i "s/(3000,'b\\tc')/(3000,CONCAT('b','\\t','c'))/" "$T/x.sql"
assert_contains "$(cat "$T/x.sql")" "CONCAT('b'" "the expression is in the dump file"
for method in auto load-data; do
	drop_dbs dst ld_x
	capture "ldm4_$method" sluice load "${DST[@]}" --load-method "$method" "$T/x.sql"
	assert_exit_zero "$RC" "exit code, $method (stderr: $(_t_show "$ERR"))"
	assert_same "$(checksum_db src ld_x)" "$(checksum_db dst ld_x)" "checksums (src vs dst), $method"
done
t_pass

t_begin "a foreign key to a plain KEY of a table loaded first: that KEY is not left for after the data"
# InnoDB refuses a foreign key whose referenced columns have no index, even
# with foreign_key_checks=0, once the referenced table exists: the parent's
# KEY(name), which the loader would add after the parent's data, must be
# there before the child is created.  The names put the parent first.
# Late: another table's data frames moved in before the parent's table-end
# line, so that the job adding the parent's KEY is queued behind them when
# the child's CREATE comes, which must wait for it (with -t 1 it otherwise
# runs first and fails with errno 150).
setup_sql src "DROP DATABASE IF EXISTS ld_fk; CREATE DATABASE ld_fk;
  CREATE TABLE ld_fk.a_parent (id INT PRIMARY KEY, name VARCHAR(20), KEY k_name (name));
  CREATE TABLE ld_fk.b_child (id INT PRIMARY KEY, pname VARCHAR(20),
    CONSTRAINT fk_name FOREIGN KEY (pname) REFERENCES ld_fk.a_parent (name));
  CREATE TABLE ld_fk.c_big (id INT PRIMARY KEY, v VARCHAR(100));
  INSERT INTO ld_fk.a_parent SELECT seq, CONCAT('n', seq % 500) FROM ld_fk.seq_1_to_20000;
  INSERT INTO ld_fk.c_big SELECT seq, REPEAT('x', 80) FROM ld_fk.seq_1_to_60000;
  INSERT INTO ld_fk.b_child SELECT seq, CONCAT('n', seq % 500) FROM ld_fk.seq_1_to_2000;"
rm -rf "$T/fkdir"
sluice dump "${SRC[@]}" -B ld_fk -t 1 --batch-size 64K >"$T/fk.sql" 2>"$T/fk.err" </dev/null
sluice dump "${SRC[@]}" -B ld_fk -t 1 --batch-size 64K -o "$T/fkdir" 2>>"$T/fk.err" </dev/null
sluice dump "${SRC[@]}" -B ld_fk -t 1 --batch-size 1M 2>>"$T/fk.err" </dev/null |
	python3 -c '
import sys
d = sys.stdin.buffer.read()
pos = d.index(b"\n") + 1
head, items = d[:pos], []
while d.startswith((b"-- sluice frame ", b"-- sluice table-end "), pos):
    eol = d.index(b"\n", pos) + 1
    f = d[pos:eol].split(b" ")
    end = eol + (int(f[3]) if f[2] == b"frame" else 0)
    items.append((f[4] if f[2] == b"frame" else f[3], d[pos:end]))
    pos = end
big = [x for x in items if x[0].startswith(b"ld_fk.c_big")]
rest = [x for x in items if not x[0].startswith(b"ld_fk.c_big")]
i = [k for k, x in enumerate(rest) if x[0] == b"ld_fk.a_parent" and x[1].startswith(b"-- sluice table-end")][0]
sys.stdout.buffer.write(head + b"".join(x[1] for x in rest[:i] + big + rest[i:]) + d[pos:])' >"$T/fk-late.sql"
check=$(streamcheck -q "$T/fk-late.sql" 2>&1)
assert_exit_zero $? "streamcheck of the reordered stream: $check"
for input in stream late dir; do
	drop_dbs dst ld_fk
	if [ $input = stream ]; then
		capture "fk_$input" sluice load "${DST[@]}" -t 2 "$T/fk.sql"
	elif [ $input = late ]; then
		capture "fk_$input" sluice load "${DST[@]}" -t 1 "$T/fk-late.sql"
	else
		capture "fk_$input" sluice load "${DST[@]}" -t 2 -d "$T/fkdir"
	fi
	assert_exit_zero "$RC" "exit code, $input (stderr: $(_t_show "$ERR"))"
	assert_same "$(checksum_db src ld_fk)" "$(checksum_db dst ld_fk)" "checksums (src vs dst), $input"
	assert_contains "$(sql dst "SHOW CREATE TABLE ld_fk.a_parent" | cut -f2)" 'KEY `k_name`' \
		"the parent's KEY, $input"
	assert_contains "$(sql dst "SHOW CREATE TABLE ld_fk.b_child" | cut -f2)" 'FOREIGN KEY (`pname`)' \
		"the child's foreign key, $input"
done
t_pass

t_begin "a lock wait timeout is retried, and the load completes"
setup_sql src "DROP DATABASE IF EXISTS ld_r; CREATE DATABASE ld_r;
  CREATE TABLE ld_r.t (id INT PRIMARY KEY); INSERT INTO ld_r.t VALUES (1),(2),(3);"
sluice dump "${SRC[@]}" -B ld_r --no-schema >"$T/r.sql" 2>/dev/null </dev/null
drop_dbs dst ld_r
sql dst "CREATE DATABASE ld_r; CREATE TABLE ld_r.t (id INT PRIMARY KEY)"
old_lwt=$(sql dst "SELECT @@GLOBAL.lock_wait_timeout")
sql dst "SET GLOBAL lock_wait_timeout = 1"
# Hold the table for 3 s: the loader's first attempts time out (1205).
server_client dst -e "LOCK TABLES ld_r.t WRITE; DO SLEEP(3); UNLOCK TABLES" >/dev/null 2>&1 &
lockpid=$!
bg_track "$lockpid"
sleep 0.5
capture retry sluice load "${DST[@]}" --overwrite append --retries 10 "$T/r.sql"
wait "$lockpid" 2>/dev/null
sql dst "SET GLOBAL lock_wait_timeout = $old_lwt"
assert_exit_zero "$RC" "exit code (stderr: $(_t_show "$ERR"))"
assert_contains "$ERR" "server error 1205" "a retried lock wait timeout in the log"
assert_contains "$ERR" "retrying" "the retry in the log"
assert_same "$(checksum_db src ld_r)" "$(checksum_db dst ld_r)" "checksums (src vs dst)"
t_pass

t_begin "--retries 0: the same lock wait stops the load, naming table, file and error"
sql dst "TRUNCATE ld_r.t; SET GLOBAL lock_wait_timeout = 1"
server_client dst -e "LOCK TABLES ld_r.t WRITE; DO SLEEP(3); UNLOCK TABLES" >/dev/null 2>&1 &
lockpid=$!
bg_track "$lockpid"
sleep 0.5
capture noretry sluice load "${DST[@]}" --overwrite append --retries 0 "$T/r.sql"
wait "$lockpid" 2>/dev/null
sql dst "SET GLOBAL lock_wait_timeout = $old_lwt"
assert_exit "$RC" 1 "exit code"
assert_contains "$ERR" "loading ld_r.t (ld_r.t.00000.sql): server error 1205" "message"
t_pass

# --- damaged input -------------------------------------------------------------

size=$(stat -c %s "$TWO")
for cut in 30 $((size / 2)) $((size - 40)); do
	t_begin "a stream cut at byte $cut of $size is refused"
	head -c "$cut" "$TWO" >"$T/cut.sql"
	drop_dbs dst ld_a ld_b
	capture cut sluice load "${DST[@]}" "$T/cut.sql"
	assert_exit_nonzero "$RC"
	assert_contains "$ERR" "sluice: error: " "stderr"
	assert_contains "$ERR" "byte" "the message names the byte offset"
	t_pass
done

t_begin "a corrupted frame length is refused"
sed '0,/^-- sluice frame \([0-9]*\) ld_a.t.00000.sql /s//-- sluice frame 9\1 ld_a.t.00000.sql /' "$TWO" >"$T/bad.sql"
drop_dbs dst ld_a ld_b
capture bad sluice load "${DST[@]}" "$T/bad.sql"
assert_exit_nonzero "$RC"
assert_contains "$ERR" "sluice: error: " "stderr"
t_pass

t_begin "one digit changed in a data frame: load refuses it before committing that file"
# The last data frame of ld_a.t: its digit changes, the frames before it
# load, it does not (a table with a wrong value would be worse than none).
python3 - "$TWO" "$T/digit.sql" <<'PY'
import sys
d = open(sys.argv[1], "rb").read()
pos = d.index(b"\n") + 1
last = None
while d.startswith((b"-- sluice frame ", b"-- sluice table-end "), pos):
    if d.startswith(b"-- sluice table-end ", pos):
        pos = d.index(b"\n", pos) + 1
        continue
    eol = d.index(b"\n", pos)
    f = d[pos:eol].split(b" ")
    if f[4].startswith(b"ld_a.t.0"):
        last = (eol + 1, eol + 1 + int(f[3]))
    pos = eol + 1 + int(f[3])
i = next(i for i in range(last[1] - 1, last[0], -1) if 48 <= d[i] <= 57)
open(sys.argv[2], "wb").write(d[:i] + bytes([48 + (d[i] - 47) % 10]) + d[i + 1:])
PY
drop_dbs dst ld_a ld_b
capture digit sluice load "${DST[@]}" "$T/digit.sql"
assert_exit "$RC" 1
assert_contains "$ERR" "sluice: error: " "stderr"
assert_contains "$ERR" "checksum mismatch" "message"
assert_ne "$(checksum_db src ld_a)" "$(checksum_db dst ld_a)" "ld_a is not reported loaded"
t_pass

t_begin "an error trailer is refused and loaded tables are reported"
sluice dump "${SRC[@]}" -B ld_a,ld_b --where 'no_such_column = 1' >"$T/errtrailer.sql" 2>/dev/null
drop_dbs dst ld_a ld_b
capture errt sluice load "${DST[@]}" "$T/errtrailer.sql"
assert_exit_nonzero "$RC"
assert_contains "$ERR" "sluice: error: " "stderr"
t_pass

# --- copy --------------------------------------------------------------------------

FROM="h=127.0.0.1,P=$(server_port src),u=$SL_USER,p=$SL_PASSWORD"
TO="h=127.0.0.1,P=$(server_port dst),u=$SL_USER,p=$SL_PASSWORD"

t_begin "sluice copy --from src --to dst: the fidelity corpus, equal checksums, objects present"
drop_dbs dst fidelity
capture copy sluice copy --from "$FROM" --to "$TO" -B fidelity --routines --events -t 4
assert_exit_zero "$RC" "exit code (stderr: $(_t_show "$ERR"))"
assert_eq "" "$(cat "$OUT")" "stdout of copy"
assert_same "$SRC_CK" "$(checksum_db dst fidelity)" "checksums (src vs dst)"
assert_eq "$(sql src "SELECT COUNT(*) FROM fidelity.v_on_v")" \
	"$(sql dst "SELECT COUNT(*) FROM fidelity.v_on_v")" "rows of the view on a view"
assert_eq "$(sql src "SELECT COUNT(*) FROM information_schema.ROUTINES WHERE ROUTINE_SCHEMA='fidelity'")" \
	"$(sql dst "SELECT COUNT(*) FROM information_schema.ROUTINES WHERE ROUTINE_SCHEMA='fidelity'")" "routines"
t_pass

t_begin "sluice copy with --rename and a --where filter"
drop_dbs dst ld_a_copy
capture copyr sluice copy --from "$FROM" --to "$TO" -B ld_a --rename ld_a=ld_a_copy --where 'id > 1'
assert_exit_zero "$RC" "exit code (stderr: $(_t_show "$ERR"))"
assert_eq "2	b" "$(sql dst "SELECT id, v FROM ld_a_copy.t")" "rows copied"
t_pass

t_begin "sluice copy: connection options only through --from/--to; bad DSNs are usage errors"
capture copyh sluice copy -h 127.0.0.1 --to "$TO" -B ld_a
assert_exit "$RC" 2 "exit code for -h"
assert_one_line "$ERR" "sluice: " "stderr"
capture copyk sluice copy --from "h=127.0.0.1,nokey=1" --to "$TO" -B ld_a
assert_exit "$RC" 2 "exit code for an unknown DSN key"
assert_contains "$ERR" "unknown key 'nokey'" "message"
capture copyp sluice copy --from "$FROM" --to "h=127.0.0.1,P=$(server_port dst),u=$SL_USER,p=wrong" -B ld_a
assert_exit "$RC" 1 "exit code for a wrong target password"
assert_contains "$ERR" "Access denied" "message"
t_pass

# --- indexes while the stream is still coming ------------------------------------

t_begin "a table-end line: that table gets its deferred KEY before the stream ends"
# The stream is cut right after the first table-end line and the pipe held
# open: the ended table must have its KEY (added after its data) while the
# load still waits for input, the other table must not; the cut then fails
# the load, which reports the ended table as loaded completely.
setup_sql src "DROP DATABASE IF EXISTS ld_ie; CREATE DATABASE ld_ie;
  CREATE TABLE ld_ie.a (id INT PRIMARY KEY, k INT, KEY ka (k));
  CREATE TABLE ld_ie.b (id INT PRIMARY KEY, k INT, KEY kb (k));
  INSERT INTO ld_ie.a SELECT seq, seq % 7 FROM ld_ie.seq_1_to_3000;
  INSERT INTO ld_ie.b SELECT seq, seq % 5 FROM ld_ie.seq_1_to_3000;"
sluice dump "${SRC[@]}" -B ld_ie -t 1 --batch-size 8K >"$T/ie.sql" 2>/dev/null </dev/null
ended=$(grep -a -m1 '^-- sluice table-end ld_ie\.' "$T/ie.sql" | cut -d' ' -f4)
first=${ended#ld_ie.}
other=$([ "$first" = a ] && echo b || echo a)
assert_eq "2" "$(grep -a -c '^-- sluice table-end ld_ie\.' "$T/ie.sql")" "table-end lines in the stream"
line=$(grep -a -n -m1 '^-- sluice table-end ' "$T/ie.sql" | cut -d: -f1)
drop_dbs dst ld_ie
mkfifo "$T/iepipe"
"$SLUICE" load "${DST[@]}" -t 2 <"$T/iepipe" >/dev/null 2>"$T/ie.err" &
lpid=$!
{ head -n "$line" "$T/ie.sql"; exec sleep 30; } >"$T/iepipe" &
wpid=$!
bg_track "$lpid" "$wpid"
keys() { sql dst "SELECT COUNT(*) FROM information_schema.STATISTICS
  WHERE TABLE_SCHEMA = 'ld_ie' AND TABLE_NAME = '$1' AND INDEX_NAME = 'k$1'"; }
for _ in $(seq 100); do
	[ "$(keys "$first")" = 1 ] && break
	sleep 0.1
done
assert_eq "1" "$(keys "$first")" "KEY of $first, ended, while the load waits for input"
assert_eq "0" "$(keys "$other")" "KEY of $other, not ended"
kill -0 "$lpid" 2>/dev/null
assert_exit_zero $? "the load is still running"
assert_eq "$(sql src "SELECT COUNT(*), SUM(k) FROM ld_ie.$first")" \
	"$(sql dst "SELECT COUNT(*), SUM(k) FROM ld_ie.$first")" "rows of $first"
kill "$wpid" 2>/dev/null
wait_bounded "$lpid" 10
assert_exit_nonzero $? "exit code of the cut load"
assert_contains "$(cat "$T/ie.err")" "1 table(s) loaded completely" "report"
t_pass

# --- cancellation --------------------------------------------------------------

t_begin "SIGINT during a load from a stalled pipe: exit within ~2 s, no query left"
drop_dbs dst ld_a ld_b
mkfifo "$T/lpipe"
"$SLUICE" load "${DST[@]}" <"$T/lpipe" >/dev/null 2>"$T/int.err" &
lpid=$!
{ head -c $((size / 2)) "$TWO"; sleep 30; } >"$T/lpipe" &
wpid=$!
bg_track "$lpid" "$wpid"
sleep 1
start=$(date +%s%N)
kill -INT "$lpid"
wait_bounded "$lpid" 10
rc=$?
ms=$((($(date +%s%N) - start) / 1000000))
assert_exit_nonzero "$rc" "exit code"
assert_le "$ms" 2000 "milliseconds from SIGINT to exit"
# The error, and the loader's report of which tables are not complete.
assert_eq "1" "$(grep -c '^sluice: error: interrupted by SIGINT' "$T/int.err")" "error line"
assert_contains "$(cat "$T/int.err")" "not complete" "report of incomplete tables"
wait_no_sluice_conns dst 3 >/dev/null
assert_exit_zero $? "sluice connections left on dst"
kill "$wpid" 2>/dev/null
t_pass

t_done
