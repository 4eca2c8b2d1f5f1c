#!/usr/bin/env bash
# 96_resume.sh - a load whose target server dies half way: sluice exits 1,
# says which tables are not complete, and `sluice load --resume` against
# the restarted server finishes the load from its --progress-file, reaching
# the same checksums as the source.  Also: --continuous loads two streams
# sent back to back on one input.
#
# The target is the server `victim` (port $SL_PORT_VICTIM, shared with
# 90_kill_server.sh, which leaves it killed or running: started here as
# needed; crash recovery runs on restart).  The source is src's big.t1m.
# shellcheck source=tests/lib/common.sh
. "$(dirname "$0")/../lib/common.sh"
need_sluice
need_server src dst

VPORT=${SL_PORT_VICTIM:-23308}
VICTIM=(-h 127.0.0.1 -P "$VPORT" -u "$SL_USER" "-p$SL_PASSWORD")

t_begin "setup: big.t1m on src, its stream, server victim up"
if ! ensure_big src >"$T/gen.log" 2>&1; then
	t_fail "tests/data/gen_big.sh failed: $(tail -n 2 "$T/gen.log")"
	t_done
fi
# Resuming needs commits the server acknowledged to survive its crash:
# the test servers trade that away for speed, the victim gets it back.
DURABLE=(--innodb-flush-log-at-trx-commit=1 --sync-binlog=1 --innodb-flush-method=fsync)
server_running victim && server_stop victim >/dev/null 2>&1
server_start victim "$VPORT" "${DURABLE[@]}" >"$T/victim.log" 2>&1 || {
	t_fail "server victim did not start: $(tail -n 3 "$T/victim.log")"
	t_done
}
# A secondary key, so the resumed load also has deferred indexes to add.
if [ "$(sql src "SELECT COUNT(*) FROM information_schema.STATISTICS
                 WHERE TABLE_SCHEMA='big' AND TABLE_NAME='t1m' AND INDEX_NAME='k_k'")" = 0 ]; then
	sql src "ALTER TABLE big.t1m ADD KEY k_k (k)"
fi
SRC_BIG=$(checksum_db src big)
sluice dump "${SRC[@]}" -B big -t 2 >"$T/big.sql" 2>"$T/dump.err" </dev/null
assert_exit_zero $? "dump exit code ($(_t_show "$(cat "$T/dump.err")"))"
drop_dbs victim big
t_pass

t_begin "target killed mid-load: exit 1, incomplete tables named, progress recorded"
rm -f "$T/progress.json"
"$SLUICE" load "${VICTIM[@]}" -t 2 --progress-file "$T/progress.json" "$T/big.sql" \
	>/dev/null 2>"$T/load1.err" </dev/null &
lpid=$!
bg_track "$lpid"
# Kill when a few data files are committed, well before the end.
for ((i = 0; i < 300; i++)); do
	n=$(grep -c '"event":"done","file":"big.t1m.' "$T/progress.json" 2>/dev/null)
	[ "${n:-0}" -ge 5 ] && break
	kill -0 "$lpid" 2>/dev/null || break
	sleep 0.05
done
server_kill victim
wait_bounded "$lpid" 30
rc=$?
assert_exit "$rc" 1 "exit code"
assert_contains "$(cat "$T/load1.err")" "not complete: big.t1m" "report of incomplete tables"
assert_le 5 "$(grep -c '"event":"done"' "$T/progress.json")" "files recorded done"
t_pass

t_begin "a second load without --resume refuses the used progress file"
capture norez sluice load "${VICTIM[@]}" --progress-file "$T/progress.json" "$T/big.sql"
assert_exit "$RC" 1 "exit code"
assert_contains "$ERR" "--resume" "message"
t_pass

t_begin "--resume against the restarted server completes with equal checksums"
server_start victim "$VPORT" "${DURABLE[@]}" >"$T/victim2.log" 2>&1 || t_fail "restart: $(tail -n 3 "$T/victim2.log")"
capture resume sluice load "${VICTIM[@]}" -t 2 --progress-file "$T/progress.json" --resume -v "$T/big.sql"
assert_exit_zero "$RC" "exit code (stderr: $(_t_show "$ERR"))"
assert_contains "$ERR" "resuming:" "log of the resume"
assert_same "$SRC_BIG" "$(checksum_db victim big)" "checksum of big.t1m (src vs victim)"
assert_eq '{"event":"end","status":"ok"}' "$(tail -n 1 "$T/progress.json")" "last progress line"
assert_eq "$(sql src "SHOW CREATE TABLE big.t1m" | cut -f2-)" \
	"$(sql victim "SHOW CREATE TABLE big.t1m" | cut -f2-)" "definition of big.t1m (with its key k_k)"
t_pass
rm -f "$T/big.sql"

t_begin "--resume never duplicates: committed but unconfirmed files, with and without keys"
# What a full disk under the progress file leaves: the commits landed, the
# "done" lines of the last files did not.  One table without any key (its
# rows cannot be told apart), one with a primary key, one named a"b (the
# progress file is JSON, escaped by json-c).
setup_sql src "DROP DATABASE IF EXISTS rz; CREATE DATABASE rz;
  CREATE TABLE rz.nokey (a INT, b VARCHAR(20));
  CREATE TABLE rz.pk (id INT PRIMARY KEY, b VARCHAR(20));
  CREATE TABLE rz.\`a\"b\` (id INT PRIMARY KEY);
  INSERT INTO rz.nokey SELECT seq % 7, 'x' FROM rz.seq_1_to_30000;
  INSERT INTO rz.pk SELECT seq, 'y' FROM rz.seq_1_to_30000;
  INSERT INTO rz.\`a\"b\` VALUES (1),(2),(3);"
sluice dump "${SRC[@]}" -B rz -t 2 --rows 5000 >"$T/rz.sql" 2>/dev/null </dev/null
drop_dbs dst rz
capture rz1 sluice load "${DST[@]}" -t 2 --progress-file "$T/rz.json" "$T/rz.sql"
assert_exit_zero "$RC" "first load ($(_t_show "$ERR"))"
# Forget the confirmations of the last two data files of each table.
python3 - "$T/rz.json" <<'PY'
import json, sys
lines = open(sys.argv[1]).read().splitlines()
done = [i for i, l in enumerate(lines) if json.loads(l).get("event") == "done"
        and ".0000" in json.loads(l).get("file", "")]
drop = set()
for t in ("rz.nokey.", "rz.pk.", "rz.a@0022b."):
    drop.update([i for i in done if json.loads(lines[i])["file"].startswith(t)][-2:])
drop.add(len(lines) - 1)  # the "end" line too
open(sys.argv[1], "w").write("".join(l + "\n" for i, l in enumerate(lines) if i not in drop))
PY
capture rz2 sluice load "${DST[@]}" -t 2 --progress-file "$T/rz.json" --resume "$T/rz.sql"
assert_exit_zero "$RC" "resumed load ($(_t_show "$ERR"))"
assert_contains "$ERR" "resuming rz.nokey" "the keyless table is announced as loaded again"
for t in nokey pk 'a"b'; do
	assert_eq "$(sql src "SELECT COUNT(*) FROM rz.\`$t\`")" "$(sql dst "SELECT COUNT(*) FROM rz.\`$t\`")" "rows of rz.$t"
done
assert_same "$(checksum_db src rz)" "$(checksum_db dst rz)" "checksums"
t_pass

t_begin "--continuous loads two streams sent back to back"
setup_sql src "DROP DATABASE IF EXISTS cont_a; DROP DATABASE IF EXISTS cont_b;
  CREATE DATABASE cont_a; CREATE DATABASE cont_b;
  CREATE TABLE cont_a.t (id INT PRIMARY KEY); INSERT INTO cont_a.t VALUES (1),(2);
  CREATE TABLE cont_b.t (id INT PRIMARY KEY); INSERT INTO cont_b.t VALUES (3);"
sluice dump "${SRC[@]}" -B cont_a >"$T/a.sql" 2>/dev/null </dev/null
sluice dump "${SRC[@]}" -B cont_b >"$T/b.sql" 2>/dev/null </dev/null
drop_dbs dst cont_a cont_b
cat "$T/a.sql" "$T/b.sql" | sluice load "${DST[@]}" --continuous >/dev/null 2>"$T/cont.err"
assert_exit_zero $? "exit code ($(_t_show "$(cat "$T/cont.err")"))"
assert_eq "1 2" "$(sql dst "SELECT id FROM cont_a.t ORDER BY id" | tr '\n' ' ' | sed 's/ $//')" "cont_a.t"
assert_eq "3" "$(sql dst "SELECT id FROM cont_b.t")" "cont_b.t"
t_pass

t_begin "without --continuous, two streams back to back are refused"
drop_dbs dst cont_a cont_b
cat "$T/a.sql" "$T/b.sql" | sluice load "${DST[@]}" >/dev/null 2>"$T/nocont.err"
rc=$?
assert_exit_nonzero "$rc" "exit code"
assert_contains "$(cat "$T/nocont.err")" "after" "message"
t_pass

t_done
