#!/usr/bin/env bash
# 90_kill_server.sh - invariant 6: a server killed (kill -9) in the middle of
# a dump of a big table.  sluice exits 1 with one error line, the stream
# ends with an error trailer (`-- sluice end error`, a SIGNAL statement),
# and `mariadb < stream` fails instead of reporting success.
#
# Runs against its own server `victim` (port $SL_PORT_VICTIM, default
# 23308) so that src stays up for the other scripts; its datadir is kept,
# so the sanitizer pass restarts it (crash recovery) and reuses big.t1m.
# The reader of the stream is stalled until the kill, so the dump is
# certainly in the middle of big.t1m when the server dies.
# shellcheck source=tests/lib/common.sh
. "$(dirname "$0")/../lib/common.sh"
need_sluice
need_server dst

VPORT=${SL_PORT_VICTIM:-23308}

t_begin "server victim up with the 1M-row table big.t1m"
if ! server_start victim "$VPORT" >"$T/victim.log" 2>&1; then
	t_fail "server victim did not start: $(tail -n 3 "$T/victim.log")"
	t_done
fi
if ! ensure_big victim >"$T/gen.log" 2>&1; then
	t_fail "tests/data/gen_big.sh failed: $(tail -n 2 "$T/gen.log")"
	t_done
fi
t_pass
VICTIM=(-h 127.0.0.1 -P "$VPORT" -u "$SL_USER" "-p$SL_PASSWORD")

t_begin "server killed mid-dump: exit 1, one error line, error trailer"
mkfifo "$T/pipe"
"$SLUICE" dump "${VICTIM[@]}" -B big -t 2 >"$T/pipe" 2>"$T/dump.err" </dev/null &
spid=$!
bg_track "$spid"
exec 3<"$T/pipe"
# Read the first 2 MiB, then stall: sluice blocks with its queries open.
dd bs=65536 count=32 iflag=fullblock status=none <&3 >"$T/dump.out"
seen=0
for ((i = 0; i < 100; i++)); do
	if [ "$(sluice_queries victim '%t1m%')" -ge 1 ] 2>/dev/null; then
		seen=1
		break
	fi
	kill -0 "$spid" 2>/dev/null || break
	sleep 0.1
done
[ "$seen" = 1 ] || t_fail "no sluice query on big.t1m on victim within 10 s (stderr: $(_t_show "$(cat "$T/dump.err")"))"
server_kill victim
start=$(now)
timeout 120 cat <&3 >>"$T/dump.out"
exec 3<&-
wait_bounded "$spid" 30
rc=$?
took=$(since "$start")
if [ "$rc" = 0 ]; then
	t_fail "exit code 0 although the server was killed mid-dump (did sluice buffer the whole table?)"
fi
assert_exit "$rc" 1 "exit code"
assert_le "$took" "$(limit 10)" "seconds from the kill to exit"
assert_one_line "$(cat "$T/dump.err")" "sluice: error: " "stderr"
assert_eq "-- sluice end error" "$(last_line "$T/dump.out")" "last line of the stream"
check=$(streamcheck --summary "$T/dump.out" 2>&1)
rc2=$?
assert_exit "$rc2" 3 "streamcheck (3 = well-formed with an error trailer): $check"
assert_contains "$check" "status error" "trailer summary"
printf '%s\n' "$check" | grep -q '^error ' || t_fail "no '-- error' line in the trailer: $(_t_show "$check")"
t_pass

t_begin "mariadb < stream of the killed dump fails"
drop_dbs dst big
mariadb_import dst <"$T/dump.out" >"$T/import.log" 2>&1
rc=$?
assert_exit_nonzero "$rc" "exit code of mariadb < stream"
t_pass
drop_dbs dst big
rm -f "$T/dump.out"

# A server that stops answering without closing the connection (stopped,
# unplugged): --read-timeout ends the run instead of a wait forever.
t_begin "server stopped (SIGSTOP) mid-dump: --read-timeout 4 ends the run with one error line"
if ! server_start victim "$VPORT" >"$T/victim2.log" 2>&1; then
	t_fail "server victim did not restart: $(tail -n 3 "$T/victim2.log")"
	t_done
fi
vpid=$(server_pid victim)
"$SLUICE" dump "${VICTIM[@]}" -B big -t 2 --read-timeout 4 -o "$T/stopped" 2>"$T/stop.err" </dev/null &
spid=$!
bg_track "$spid"
seen=0
deadline=$((SECONDS + 30 * ${SL_SLOW:-1}))
while [ "$SECONDS" -lt "$deadline" ]; do
	if [ "$(sluice_queries victim '%t1m%')" -ge 1 ] 2>/dev/null; then
		seen=1
		break
	fi
	kill -0 "$spid" 2>/dev/null || break
	sleep 0.05
done
if [ "$seen" != 1 ]; then
	kill -0 "$spid" 2>/dev/null && what="not within $((30 * ${SL_SLOW:-1})) s" || what="the dump ended first"
	t_fail "no sluice query on big.t1m seen: $what (stderr: $(_t_show "$(cat "$T/stop.err")"); processlist: $(sql victim "SELECT CONCAT_WS(' ', USER, COMMAND, TIME, STATE, LEFT(INFO, 60)) FROM information_schema.PROCESSLIST WHERE ID <> CONNECTION_ID()" | tr '\n' '|'))"
fi
kill -STOP "$vpid"
start=$(now)
wait_bounded "$spid" 60
rc=$?
took=$(since "$start")
kill -CONT "$vpid"
assert_exit "$rc" 1 "exit code"
assert_le "$took" "$(limit 12)" "seconds from the stop to exit (read timeout 4 s)"
assert_one_line "$(cat "$T/stop.err")" "sluice: error: " "stderr"
assert_contains "$(cat "$T/stop.err")" "within --read-timeout 4 s" "stderr"
assert_not_contains "$(cat "$T/stopped/metadata" 2>/dev/null)" "Finished dump at" "metadata of the failed dump"
server_running victim || t_fail "victim does not answer after SIGCONT"
t_pass

# The server ends one of the dump's queries among its rows (KILL QUERY, as a
# DBA or a query-time limit would): the error packet that follows the rows
# read so far is the run's one error line, with the server's number.
t_begin "a dump query killed mid-result (KILL QUERY): exit 1, the server's error 1317"
"$SLUICE" dump "${VICTIM[@]}" -B big -t 2 --max-rate 4M -o "$T/killed" 2>"$T/kill.err" </dev/null &
spid=$!
bg_track "$spid"
qid=""
deadline=$((SECONDS + 30 * ${SL_SLOW:-1}))
while [ "$SECONDS" -lt "$deadline" ] && [ -z "$qid" ]; do
	qid=$(sql victim "SELECT ID FROM information_schema.PROCESSLIST WHERE USER = 'sluice'
	                  AND COMMAND = 'Query' AND INFO LIKE 'SELECT /*!40001 SQL_NO_CACHE */%t1m%'
	                  LIMIT 1")
	kill -0 "$spid" 2>/dev/null || break
	[ -n "$qid" ] || sleep 0.05
done
if [ -z "$qid" ]; then
	t_fail "no sluice query on big.t1m seen (stderr: $(_t_show "$(cat "$T/kill.err")"))"
else
	sleep 1 # rows flow (4 MB/s): the error comes among them
	sql victim "KILL QUERY $qid"
fi
wait_bounded "$spid" 60
rc=$?
assert_exit "$rc" 1 "exit code"
assert_one_line "$(cat "$T/kill.err")" "sluice: error: " "stderr"
assert_contains "$(cat "$T/kill.err")" "server error 1317" "stderr"
assert_contains "$(cat "$T/kill.err")" "reading big.t1m" "stderr"
assert_not_contains "$(cat "$T/killed/metadata" 2>/dev/null)" "Finished dump at" "metadata of the failed dump"
t_pass

t_done
