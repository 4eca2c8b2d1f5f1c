#!/usr/bin/env bash
# 50_errors.sh - each way a dump fails gives exit code != 0 (1 for runtime
# failures), exactly one line on stderr "sluice: error: <message>", never
# the password, and on stdout either nothing or a well-formed stream that
# ends with an error trailer (never a stream that looks complete).
#
# Assumptions: -T naming a table that does not exist is an error, like -B
# naming a database that does not exist; these and a bad regex may be usage
# errors (2) or runtime errors (1); connection failures and an SQL error
# from --where are runtime errors (1).
# shellcheck source=tests/lib/common.sh
. "$(dirname "$0")/../lib/common.sh"
need_sluice
need_server src

PORT=$(server_port src)
setup_sql src "DROP DATABASE IF EXISTS err_db; CREATE DATABASE err_db;
               CREATE TABLE err_db.t (id INT PRIMARY KEY, v VARCHAR(10));
               INSERT INTO err_db.t VALUES (1, 'a'), (2, 'b');"

# A closed port on 127.0.0.1: nothing listens on the port after src's.
closed_port() {
	local p
	for p in 23399 23398 23397 23396; do
		if ! (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null; then
			echo "$p"
			return
		fi
	done
	echo 1
}

# expect_error DESCRIPTION EXIT_CODES NEEDLE SECONDS ARGS...: EXIT_CODES is
# a |-list ("1" or "1|2"); NEEDLE, when not empty, must be in the message.
# Runtime errors (exit 1) read "sluice: error: ...", usage errors (exit 2)
# "sluice: ...".
expect_error() {
	local what=$1 codes=$2 needle=$3 secs=$4 start took check rc2
	shift 4
	t_begin "$what"
	start=$(now)
	capture err sluice dump "$@"
	took=$(since "$start")
	case "|$codes|" in
	*"|$RC|"*) ;;
	*) t_fail "exit code: expected $codes, got $RC$(_rc_hint "$RC") (stderr: $(_t_show "$ERR"))" ;;
	esac
	assert_le "$took" "$(limit "$secs")" "seconds until exit"
	if [ "$RC" = 2 ]; then # a usage error: "sluice: <message>"
		assert_one_line "$ERR" "sluice: " "stderr"
	else
		assert_one_line "$ERR" "sluice: error: " "stderr"
	fi
	[ -n "$needle" ] && assert_contains "$ERR" "$needle" "error message"
	assert_not_contains "$ERR" "sluice-pw" "stderr (the password must never appear)"
	assert_not_contains "$ERR" "wrong-pw-123" "stderr (the password must never appear)"
	if [ -s "$OUT" ]; then
		check=$(streamcheck -q "$OUT" 2>&1)
		rc2=$?
		assert_exit "$rc2" 3 "stdout is not empty, so it must be a stream with an error trailer: $check"
	fi
	t_pass
}

expect_error "bad host (connection refused)" 1 "" 10 \
	-h 127.0.0.1 -P "$(closed_port)" -u sluice -psluice-pw -B err_db
expect_error "bad host (name does not resolve)" 1 "no-such-host.invalid" 30 \
	-h no-such-host.invalid -P "$PORT" -u sluice -psluice-pw -B err_db
expect_error "bad password" 1 "Access denied" 10 \
	-h 127.0.0.1 -P "$PORT" -u sluice -pwrong-pw-123 -B err_db
expect_error "unknown user" 1 "Access denied" 10 \
	-h 127.0.0.1 -P "$PORT" -u nobody_here -psluice-pw -B err_db
expect_error "unknown database (-B)" "1|2" "no_such_db" 10 "${SRC[@]}" -B no_such_db
expect_error "unknown database next to a good one (-B)" "1|2" "no_such_db" 10 "${SRC[@]}" -B err_db,no_such_db
expect_error "unknown table (-T)" "1|2" "no_such_table" 10 "${SRC[@]}" -T err_db.no_such_table
expect_error "bad regex (-x)" "1|2" "" 10 "${SRC[@]}" -x '(['
expect_error "bad regex (--exclude)" "1|2" "" 10 "${SRC[@]}" -B err_db --exclude '*oops'
expect_error "--where with an SQL error" 1 "" 10 "${SRC[@]}" -B err_db --where 'no_such_column = 1'
expect_error "socket that does not exist" 1 "" 10 -S "$T/no-such.sock" -u root -B err_db

t_begin "write error on stdout (/dev/full): exit 1, one error line"
if [ -w /dev/full ]; then
	sluice dump "${SRC[@]}" -B err_db >/dev/full 2>"$T/full.err" </dev/null
	rc=$?
	assert_exit "$rc" 1 "exit code"
	assert_one_line "$(cat "$T/full.err")" "sluice: error: " "stderr"
else
	t_fail "/dev/full is not available"
fi
t_pass

t_begin "after the errors, no sluice connection is left"
left=$(wait_no_sluice_conns src 5) || t_fail "connections of user sluice left after 5 s: $left"
t_pass

t_done
