#!/usr/bin/env bash
# 40_cancel.sh - invariant 4, cancellation: a closed stdout (`| head -c
# 1000`), SIGINT, SIGTERM while stdout is blocked, and a worker whose
# connection the server kills all stop sluice promptly, with a non-zero exit
# and no sluice connection left in SHOW PROCESSLIST (polled up to 5 s).
#
# Assumptions: "promptly" is 5 s for the head pipeline and 2 s from the
# signal to the exit of the process (3 s when stdout is blocked, which
# leaves room for a short attempt to write the trailer; x2 under ASan); after SIGINT, and after
# a fatal error, sluice still ends the stream with an error trailer when
# stdout is writable (`-- sluice end error` as the last line, which
# streamcheck accepts as well-formed with status error).
# shellcheck source=tests/lib/common.sh
. "$(dirname "$0")/../lib/common.sh"
need_sluice
need_server src

t_begin "1M-row table big.t1m ready on src"
if ensure_big src >"$T/gen.log" 2>&1; then t_pass; else
	t_fail "tests/data/gen_big.sh failed: $(tail -n 2 "$T/gen.log")"
	t_done
fi

# Wait up to 10 s until at least N of sluice's queries run on big.t1m.
wait_queries() { # N PID
	local i
	for ((i = 0; i < 100; i++)); do
		[ "$(sluice_queries src '%t1m%')" -ge "$1" ] 2>/dev/null && return 0
		kill -0 "$2" 2>/dev/null || return 1
		sleep 0.1
	done
	return 1
}

# --- closed stdout ------------------------------------------------------------

t_begin "sluice dump | head -c 1000 ends promptly and leaves no query"
start=$(now)
# shellcheck disable=SC2016
timeout 60 bash -c '"$1" dump "${@:2}" </dev/null | head -c 1000 >"$0"; exit "${PIPESTATUS[0]}"' \
	"$T/head.out" "$SLUICE" "${SRC[@]}" -B big 2>"$T/head.err"
rc=$?
took=$(since "$start")
assert_ne 124 "$rc" "the pipeline did not end within 60 s; exit code"
assert_le "$took" "$(limit 5)" "seconds until the pipeline ended"
assert_exit_nonzero "$rc" "exit code of sluice after its stdout closed"
assert_eq 1000 "$(wc -c <"$T/head.out")" "bytes read by head"
left=$(wait_no_sluice_conns src 5) || t_fail "connections of user sluice left after 5 s: $left"
t_pass

# --- SIGINT with a slow reader ----------------------------------------------------

t_begin "SIGINT mid-dump: exit within ~1 s, error trailer, no query left"
mkfifo "$T/int.pipe"
throttle 8000000 <"$T/int.pipe" >"$T/int.out" &
tpid=$!
bg_track "$tpid"
"$SLUICE" dump "${SRC[@]}" -B big -t 4 >"$T/int.pipe" 2>"$T/int.err" </dev/null &
spid=$!
bg_track "$spid"
if wait_queries 1 "$spid"; then
	sleep 0.3
	start=$(now)
	kill -INT "$spid"
	wait_bounded "$spid" 20
	rc=$?
	took=$(since "$start")
	wait_bounded "$tpid" 60 >/dev/null
	assert_exit_nonzero "$rc" "exit code after SIGINT"
	assert_le "$took" "$(limit 2)" "seconds from SIGINT to exit"
	left=$(wait_no_sluice_conns src 5) || t_fail "connections of user sluice left after 5 s: $left"
	assert_eq "-- sluice end error" "$(last_line "$T/int.out")" "last line of the stream"
	check=$(streamcheck -q "$T/int.out" 2>&1)
	assert_exit $? 3 "streamcheck (3 = well-formed with an error trailer): $check"
else
	t_fail "no sluice query on big.t1m appeared within 10 s (stderr: $(_t_show "$(cat "$T/int.err")"))"
fi
t_pass
bg_kill_all

# --- SIGTERM while stdout is blocked ----------------------------------------------

t_begin "SIGTERM while stdout is blocked: exit within ~1 s, no query left"
mkfifo "$T/term.pipe"
"$SLUICE" dump "${SRC[@]}" -B big -t 4 >"$T/term.pipe" 2>"$T/term.err" </dev/null &
spid=$!
bg_track "$spid"
exec 4<"$T/term.pipe" # opened, never read: sluice blocks writing
if wait_queries 1 "$spid"; then
	sleep 1
	start=$(now)
	kill -TERM "$spid"
	wait_bounded "$spid" 20
	rc=$?
	took=$(since "$start")
	exec 4<&-
	assert_exit_nonzero "$rc" "exit code after SIGTERM"
	assert_le "$took" "$(limit 3)" "seconds from SIGTERM to exit (stdout blocked)"
	left=$(wait_no_sluice_conns src 5) || t_fail "connections of user sluice left after 5 s: $left"
else
	exec 4<&-
	t_fail "no sluice query on big.t1m appeared within 10 s (stderr: $(_t_show "$(cat "$T/term.err")"))"
fi
t_pass
bg_kill_all

# --- a fatal error in one worker ----------------------------------------------------

t_begin "one worker's connection killed: exit 1, one error line, error trailer, nothing left"
mkfifo "$T/kill.pipe"
# Chunks of 250k rows: the killed query has far more left to send than the
# socket buffers hold (a small chunk may already sit whole in the client's
# buffers, and then the kill loses nothing and exit 0 is right).
"$SLUICE" dump "${SRC[@]}" -B big -t 4 -r 250000 >"$T/kill.pipe" 2>"$T/kill.err" </dev/null &
spid=$!
bg_track "$spid"
exec 5<"$T/kill.pipe" # stalled until the kill, so the workers hold their queries
if wait_queries 2 "$spid"; then
	id=$(sql src "SELECT ID FROM information_schema.PROCESSLIST
	              WHERE USER = 'sluice' AND COMMAND = 'Query' AND INFO LIKE '%t1m%' LIMIT 1")
	sql src "KILL CONNECTION $id"
	start=$(now)
	timeout 120 cat <&5 >"$T/kill.out"
	exec 5<&-
	wait_bounded "$spid" 20
	rc=$?
	took=$(since "$start")
	assert_exit "$rc" 1 "exit code"
	assert_le "$took" "$(limit 10)" "seconds from the kill to exit"
	assert_one_line "$(cat "$T/kill.err")" "sluice: error: " "stderr"
	assert_eq "-- sluice end error" "$(last_line "$T/kill.out")" "last line of the stream"
	check=$(streamcheck -q "$T/kill.out" 2>&1)
	assert_exit $? 3 "streamcheck (3 = well-formed with an error trailer): $check"
	left=$(wait_no_sluice_conns src 5) || t_fail "connections of user sluice left after 5 s: $left"
else
	exec 5<&-
	t_fail "fewer than 2 sluice queries on big.t1m within 10 s (stderr: $(_t_show "$(cat "$T/kill.err")"))"
fi
t_pass
bg_kill_all
rm -f "$T"/*.out

t_done
