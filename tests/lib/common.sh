# shellcheck shell=bash
# common.sh - helpers for sluice's integration tests (sourced by each
# tests/integration/*.sh, and by examples/demo for sql/checksum_db).
#
# Environment (tests/run sets it; defaults let a script run on its own once
# the servers are up):
#   SL_TEST_TMP  scratch root; servers live there (server.sh)
#   SL_RESULTS   results file; one line per case: "PASS name" / "FAIL name: why"
#   SLUICE       the binary under test (default build/sluice)
#   SL_LABEL     prefix for case names, "[asan] " in the sanitizer pass
#   SL_SLOW      factor for time limits (2 under ASan)
#
# Result protocol: t_begin "what"; then t_pass or t_fail "why".  The first
# failure of a case wins; t_pass after a failure is a no-op, so a case can
# run a list of assert_* calls and end with t_pass.  A case still open when
# the next t_begin comes or the script exits is recorded as a failure.  The
# assert_* helpers record the failure themselves and return 1; inside a case
# that already failed they return 1 and record nothing.
#
# Servers: `src` (data to dump) and `dst` (imports) from tests/run.  sluice
# always connects as user sluice over TCP ("${SRC[@]}"), the helpers as root
# over the socket, so "connections of user sluice" in SHOW PROCESSLIST are
# exactly sluice's own.

SL_ROOT=${SL_ROOT:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}
# shellcheck source=tests/lib/server.sh
. "$SL_ROOT/tests/lib/server.sh"

SLUICE=${SLUICE:-$SL_ROOT/build/sluice}
SL_LABEL=${SL_LABEL:-}
SL_SLOW=${SL_SLOW:-1}
SL_CMD_TIMEOUT=${SL_CMD_TIMEOUT:-180}
SL_SCRIPT=$(basename "${0%.sh}")
STREAMCHECK="$SL_ROOT/tests/lib/streamcheck.py"

# --- results ---------------------------------------------------------------

_t_name=""
_t_state=none # none | open | failed | passed
_t_nfail=0

_t_record() { # STATUS TEXT
	local line="$1 $2"
	line=${line//$'\n'/\\n}
	line=${line//$'\r'/\\r}
	echo "$line"
	if [ -n "${SL_RESULTS:-}" ]; then
		echo "$line" >>"$SL_RESULTS"
	fi
	[ "$1" = FAIL ] && _t_nfail=$((_t_nfail + 1))
	return 0
}

t_begin() {
	if [ "$_t_state" = open ]; then
		_t_record FAIL "$_t_name: neither passed nor failed"
	fi
	_t_name="$SL_LABEL$SL_SCRIPT: $1"
	_t_state=open
	echo "---- $1"
}

t_pass() {
	case $_t_state in
	open)
		_t_record PASS "$_t_name"
		_t_state=passed
		;;
	failed | passed) ;;
	none) _t_record FAIL "$SL_LABEL$SL_SCRIPT: t_pass outside a case" ;;
	esac
	return 0
}

t_fail() {
	case $_t_state in
	open)
		_t_record FAIL "$_t_name: $*"
		_t_state=failed
		;;
	failed | passed) echo "(further failure, not recorded: $*)" ;;
	none) _t_record FAIL "$SL_LABEL$SL_SCRIPT: $*" ;;
	esac
	return 1
}

# 0 while the current case is open (not failed yet): skip costly steps after
# a failure with `t_ok || ...`.
t_ok() { [ "$_t_state" = open ]; }

# End of a script: exit 0 when all its cases passed.
t_done() {
	if [ "$_t_state" = open ]; then
		_t_record FAIL "$_t_name: neither passed nor failed"
		_t_state=none
	fi
	[ "$_t_nfail" = 0 ]
	exit $?
}

# --- background processes ----------------------------------------------------

_sl_bg_pids=()
bg_track() { _sl_bg_pids+=("$@"); }
bg_kill_all() {
	local p
	for p in "${_sl_bg_pids[@]}"; do
		kill -TERM "$p" 2>/dev/null
	done
	for p in "${_sl_bg_pids[@]}"; do
		kill -0 "$p" 2>/dev/null && { sleep 0.5; kill -KILL "$p" 2>/dev/null; }
	done
	_sl_bg_pids=()
}

# Wait for the background child PID for up to SECONDS; after that kill it
# (TERM, then KILL) and return 124.  Otherwise return its exit code.
wait_bounded() { # PID SECONDS
	local pid=$1 limit=$2 i
	for ((i = 0; i < limit * 20; i++)); do
		if ! kill -0 "$pid" 2>/dev/null; then
			wait "$pid"
			return $?
		fi
		sleep 0.05
	done
	kill -TERM "$pid" 2>/dev/null
	sleep 1
	kill -KILL "$pid" 2>/dev/null
	wait "$pid" 2>/dev/null
	return 124
}

_t_on_exit() {
	local rc=$?
	bg_kill_all
	if [ "$_t_state" = open ]; then
		_t_record FAIL "$_t_name: script ended inside the case (exit $rc)"
		_t_state=none
	fi
}

if [ -n "${SL_RESULTS:-}" ]; then
	trap _t_on_exit EXIT
	trap 'exit 143' TERM
	trap 'exit 130' INT
fi

# --- assertions --------------------------------------------------------------

_t_show() { # shorten a value for a one-line message
	local s=$1
	s=${s//$'\n'/\\n}
	s=${s//$'\t'/\\t}
	if [ "${#s}" -gt 300 ]; then s="${s:0:300}..."; fi
	printf '%s' "$s"
}

assert_eq() { # EXPECTED ACTUAL [WHAT]
	t_ok || return 1
	[ "$1" == "$2" ] && return 0
	t_fail "${3:-value}: expected '$(_t_show "$1")', got '$(_t_show "$2")'"
}

assert_ne() { # UNEXPECTED ACTUAL [WHAT]
	t_ok || return 1
	[ "$1" != "$2" ] && return 0
	t_fail "${3:-value}: got '$(_t_show "$2")', which it must not be"
}

assert_contains() { # HAYSTACK NEEDLE [WHAT]
	t_ok || return 1
	[[ $1 == *"$2"* ]] && return 0
	t_fail "${3:-output}: '$(_t_show "$2")' not found in '$(_t_show "$1")'"
}

assert_not_contains() { # HAYSTACK NEEDLE [WHAT]
	t_ok || return 1
	[[ $1 != *"$2"* ]] && return 0
	t_fail "${3:-output}: must not contain '$(_t_show "$2")': '$(_t_show "$1")'"
}

assert_match() { # TEXT ERE [WHAT]
	t_ok || return 1
	[[ $1 =~ $2 ]] && return 0
	t_fail "${3:-output}: '$(_t_show "$1")' does not match /$2/"
}

assert_exit() { # RC EXPECTED [WHAT]
	t_ok || return 1
	[ "$1" = "$2" ] && return 0
	t_fail "${3:-exit code}: expected $2, got $1$(_rc_hint "$1")"
}

assert_exit_zero() { # RC [WHAT]
	t_ok || return 1
	[ "$1" = 0 ] && return 0
	t_fail "${2:-exit code}: expected 0, got $1$(_rc_hint "$1")"
}

assert_exit_nonzero() { # RC [WHAT]
	t_ok || return 1
	case $1 in
	0) t_fail "${2:-exit code}: expected non-zero, got 0" ;;
	124) t_fail "${2:-exit code}: timed out" ;;
	126 | 127) t_fail "${2:-exit code}: $1 (binary missing or not executable: $SLUICE)" ;;
	*) return 0 ;;
	esac
}

_rc_hint() {
	case $1 in
	124) echo " (timed out)" ;;
	126 | 127) echo " (binary missing or not executable: $SLUICE)" ;;
	134) echo " (SIGABRT: assertion or sanitizer?)" ;;
	139) echo " (SIGSEGV)" ;;
	*) ;;
	esac
}

# Numbers (decimals allowed): A <= B.
assert_le() { # A B [WHAT]
	t_ok || return 1
	awk -v a="$1" -v b="$2" 'BEGIN { exit !(a + 0 <= b + 0) }' && return 0
	t_fail "${3:-value}: $1 > $2"
}

# TEXT is exactly one line (trailing newline optional) starting with PREFIX.
assert_one_line() { # TEXT PREFIX [WHAT]
	t_ok || return 1
	local text=${1%$'\n'} n
	if [ -z "$text" ]; then
		t_fail "${3:-stderr}: expected one line starting '$2', got nothing"
		return 1
	fi
	n=$(printf '%s\n' "$text" | wc -l)
	if [ "$n" != 1 ]; then
		t_fail "${3:-stderr}: expected exactly one line, got $n: '$(_t_show "$text")'"
		return 1
	fi
	[[ $text == "$2"* ]] && return 0
	t_fail "${3:-stderr}: line does not start with '$2': '$(_t_show "$text")'"
}

# Two multi-line texts are equal.  The message names lines missing from
# ACTUAL and lines it should not have (at most 3 each), or the first line
# that differs when only the order differs.
assert_same() { # EXPECTED ACTUAL [WHAT]
	t_ok || return 1
	[ "$1" == "$2" ] && return 0
	local missing extra msg i
	missing=$(LC_ALL=C comm -23 <(printf '%s\n' "$1" | LC_ALL=C sort) <(printf '%s\n' "$2" | LC_ALL=C sort))
	extra=$(LC_ALL=C comm -13 <(printf '%s\n' "$1" | LC_ALL=C sort) <(printf '%s\n' "$2" | LC_ALL=C sort))
	if [ -n "$missing$extra" ]; then
		msg="$(printf '%s\n' "$missing" | grep -c .) line(s) missing"
		[ -n "$missing" ] && msg+=" ('$(_t_show "$(printf '%s\n' "$missing" | head -n 3)")')"
		msg+=", $(printf '%s\n' "$extra" | grep -c .) unexpected"
		[ -n "$extra" ] && msg+=" ('$(_t_show "$(printf '%s\n' "$extra" | head -n 3)")')"
	else
		local -a _exp _act
		mapfile -t _exp <<<"$1"
		mapfile -t _act <<<"$2"
		for ((i = 0; i < ${#_exp[@]}; i++)); do
			[ "${_exp[i]}" != "${_act[i]}" ] && break
		done
		msg="same lines in another order; line $((i + 1)) is '$(_t_show "${_act[i]}")', expected '$(_t_show "${_exp[i]}")'"
	fi
	t_fail "${3:-output} differs: $msg"
}

# --- running things ------------------------------------------------------------

# The binary under test, with a time limit.  Exit 127 with a message when it
# does not exist.
sluice() {
	if [ ! -x "$SLUICE" ]; then
		echo "test harness: sluice binary not found or not executable: $SLUICE" >&2
		return 127
	fi
	# The shell's own stderr goes to /dev/null around the call, so that its
	# "Aborted" / "Segmentation fault" notes do not mix into sluice's stderr
	# (the exit code tells the tests).
	{ timeout -k 5 "$SL_CMD_TIMEOUT" "$SLUICE" "$@" 2>&3 3>&-; } 3>&2 2>/dev/null
}

# capture NAME CMD...: stdout to $T/NAME.out (path in $OUT), stderr text in
# $ERR (file $T/NAME.err), exit code in $RC.  Stdin is /dev/null.
capture() {
	local name=$1
	shift
	OUT="$T/$name.out"
	"$@" >"$OUT" 2>"$T/$name.err" </dev/null
	RC=$?
	ERR=$(cat "$T/$name.err")
	echo "[$name] exit $RC; stderr: $(_t_show "$ERR" | head -c 400)"
	return 0
}

# Record one failing case and leave the script when the binary is missing or
# hangs on --version (so a broken build costs seconds, not timeouts).
need_sluice() {
	if [ ! -x "$SLUICE" ]; then
		t_begin "sluice binary present"
		t_fail "not found or not executable: $SLUICE (did the build fail?)"
		exit 1
	fi
	timeout -k 2 20 "$SLUICE" --version >/dev/null 2>&1 </dev/null
	if [ $? = 124 ]; then
		t_begin "sluice binary responds"
		t_fail "'sluice --version' did not finish within 20 s"
		exit 1
	fi
	return 0
}

# Record a failing case and leave when a server this script needs is down.
need_server() { # NAME...
	local n
	for n in "$@"; do
		if ! server_running "$n"; then
			t_begin "server $n is up"
			t_fail "server '$n' does not answer on $(server_socket "$n")"
			exit 1
		fi
	done
}

# Record a failing case and leave when the S3 store (tests/lib/s3server.sh,
# started by tests/run) is not there; otherwise export its endpoint and
# keys (SL_S3_ENDPOINT, AWS_ENDPOINT_URL, AWS_ACCESS_KEY_ID, ...).
need_s3() {
	# shellcheck source=tests/lib/s3server.sh
	. "$SL_ROOT/tests/lib/s3server.sh"
	# tests/run starts the store in the background and says when it is up.
	local i status=""
	if [ -n "${SL_S3_HOME:-}" ]; then
		for ((i = 0; i < 3000; i++)); do
			status=$(cat "$SL_S3_HOME/s3.status" 2>/dev/null) && break
			sleep 0.1
		done
	fi
	if [ -n "$status" ] && [ "$status" != ok ]; then
		t_begin "the S3 store is up"
		t_fail "the S3 store did not start: $status"
		exit 1
	fi
	if ! s3_env s3 2>/dev/null || ! curl -q -s -o /dev/null -m 5 "$SL_S3_ENDPOINT/"; then
		t_begin "the S3 store is up"
		t_fail "no S3 store answers in $(_s3_dir s3) (tests/run starts it for scripts that call need_s3)"
		exit 1
	fi
	export AWS_ENDPOINT_URL=$SL_S3_ENDPOINT
	# The lanes of tests/run share the store, and 99_objstore stops its
	# gateway: one script at a time (the lock goes with the script).
	exec 9>>"$(_s3_dir s3)/lock"
	flock -w 500 9 || {
		t_begin "the S3 store is free"
		t_fail "another script held the S3 store for 500 s"
		exit 1
	}
}

# --- SQL helpers -------------------------------------------------------------

# Quote an identifier / a string literal for SQL.
qi() {
	local s=${1//\`/\`\`}
	# shellcheck disable=SC2016
	printf '`%s`' "$s"
}
qs() {
	local s=${1//\\/\\\\}
	s=${s//\'/\'\'}
	printf "'%s'" "$s"
}

# sql NAME "statements": root over the socket, tab-separated, no headers,
# no escaping of the output (-r).
# Debian's mydumper (0.10) now and then hangs, its threads waiting on each
# other with their connections idle: a run that takes over 120 s is stopped
# and tried once more.
mydumper_run() { # MYDUMPER-ARGS...
	local try rc=0
	for try in 1 2; do
		timeout -k 5 120 mydumper "$@"
		rc=$?
		[ "$rc" = 124 ] || [ "$rc" = 137 ] || return "$rc"
		echo "mydumper: stopped after 120 s (try $try of 2)" >&2
	done
	return "$rc"
}

sql() {
	local name=$1
	shift
	server_client "$name" --default-character-set=utf8mb4 -N -B -r -e "$*"
}

# The plain client as a DBA would pipe a dump into it (reads stdin).
mariadb_import() { # NAME [client options]
	local name=$1
	shift
	server_client "$name" "$@"
}

# Run the SQL on stdin (or in $2) as root on server NAME for a script's
# setup; when it fails, record a failing case and leave the script.
setup_sql() { # NAME [SQL]
	local name=$1 log
	log="$T/setup-$name-$RANDOM.log"
	if [ $# -ge 2 ]; then
		server_client "$name" -e "$2" >"$log" 2>&1 </dev/null
	else
		server_client "$name" >"$log" 2>&1
	fi || {
		t_begin "setup on $name"
		t_fail "SQL failed: $(tail -n 3 "$log")"
		exit 1
	}
}

# Base tables of DB, one per line, sorted bytewise.
db_tables() { # NAME DB
	sql "$1" "SELECT TABLE_NAME FROM information_schema.TABLES
	          WHERE TABLE_SCHEMA = $(qs "$2") AND TABLE_TYPE = 'BASE TABLE'" | LC_ALL=C sort
}

# table<TAB>checksum for each base table of DB, sorted (CHECKSUM TABLE ...
# EXTENDED reads every row; the value is independent of row order).
checksum_db() { # NAME DB
	local name=$1 db=$2 t line
	while IFS= read -r t; do
		line=$(sql "$name" "CHECKSUM TABLE $(qi "$db").$(qi "$t") EXTENDED")
		printf '%s\t%s\n' "$t" "${line##*$'\t'}"
	done < <(db_tables "$name" "$db")
}

# table<TAB>COUNT(*) for each base table of DB, sorted.
count_db() { # NAME DB
	local name=$1 db=$2 t
	while IFS= read -r t; do
		printf '%s\t%s\n' "$t" "$(sql "$name" "SELECT COUNT(*) FROM $(qi "$db").$(qi "$t")")"
	done < <(db_tables "$name" "$db")
}

# "'a','b'" for databases a b.
_sql_list() {
	local out="" d
	for d in "$@"; do out+="${out:+,}$(qs "$d")"; done
	printf '%s' "$out"
}

# Foreign keys of databases DB... on server NAME that rows break: one line
# "db.t constraint<TAB>orphans" per key with orphans (child rows whose key,
# NULL in no column, has no parent: LEFT JOIN counts), or the error of a
# query that fails (a parent table missing).  Nothing: every key holds.
fk_orphans() { # NAME DB...
	local name=$1 q
	shift
	q=$(sql "$name" "SELECT CONCAT('SELECT ', QUOTE(CONCAT(TABLE_SCHEMA, '.', TABLE_NAME, ' ', CONSTRAINT_NAME)),
	  ', COUNT(*) FROM \`', TABLE_SCHEMA, '\`.\`', TABLE_NAME, '\` c LEFT JOIN \`', REFERENCED_TABLE_SCHEMA,
	  '\`.\`', REFERENCED_TABLE_NAME, '\` p ON ',
	  GROUP_CONCAT(CONCAT('p.\`', REFERENCED_COLUMN_NAME, '\` <=> c.\`', COLUMN_NAME, '\`') ORDER BY ORDINAL_POSITION SEPARATOR ' AND '),
	  ' WHERE ', GROUP_CONCAT(CONCAT('c.\`', COLUMN_NAME, '\` IS NOT NULL') ORDER BY ORDINAL_POSITION SEPARATOR ' AND '),
	  ' AND p.\`', MIN(REFERENCED_COLUMN_NAME), '\` IS NULL;')
	  FROM information_schema.KEY_COLUMN_USAGE
	  WHERE REFERENCED_TABLE_NAME IS NOT NULL AND TABLE_SCHEMA IN ($(_sql_list "$@"))
	  GROUP BY TABLE_SCHEMA, TABLE_NAME, CONSTRAINT_NAME, REFERENCED_TABLE_SCHEMA, REFERENCED_TABLE_NAME")
	[ -n "$q" ] || return 0
	sql "$name" "$q" 2>&1 | awk -F'\t' 'NF != 2 || $2 != 0'
}

# The server's verdict on the foreign keys of databases DB... on server
# NAME: each one dropped and added again with foreign_key_checks=1 (a
# copying ALTER that checks every row).  Prints the keys it refused.  The
# keys lose their ON DELETE/UPDATE rules: use it on a scratch copy.
fk_server_judges() { # NAME DB...
	local name=$1 stmts drop add key
	shift
	stmts=$(sql "$name" "SELECT CONCAT(TABLE_SCHEMA, '.', TABLE_NAME, ' ', CONSTRAINT_NAME, '|',
	  'ALTER TABLE \`', TABLE_SCHEMA, '\`.\`', TABLE_NAME, '\` DROP FOREIGN KEY \`', CONSTRAINT_NAME, '\`', '|',
	  'SET foreign_key_checks = 1; ALTER TABLE \`', TABLE_SCHEMA, '\`.\`', TABLE_NAME, '\` ADD CONSTRAINT \`',
	  CONSTRAINT_NAME, '\` FOREIGN KEY (', GROUP_CONCAT(CONCAT('\`', COLUMN_NAME, '\`') ORDER BY ORDINAL_POSITION),
	  ') REFERENCES \`', REFERENCED_TABLE_SCHEMA, '\`.\`', REFERENCED_TABLE_NAME, '\` (',
	  GROUP_CONCAT(CONCAT('\`', REFERENCED_COLUMN_NAME, '\`') ORDER BY ORDINAL_POSITION), ')')
	  FROM information_schema.KEY_COLUMN_USAGE
	  WHERE REFERENCED_TABLE_NAME IS NOT NULL AND TABLE_SCHEMA IN ($(_sql_list "$@"))
	  GROUP BY TABLE_SCHEMA, TABLE_NAME, CONSTRAINT_NAME, REFERENCED_TABLE_SCHEMA, REFERENCED_TABLE_NAME")
	while IFS='|' read -r key drop add; do
		[ -n "$key" ] || continue
		sql "$name" "$drop" >/dev/null 2>&1
		sql "$name" "$add" 2>&1 >/dev/null | head -c 200 | sed "s/^/$key: /"
	done <<<"$stmts"
}

# Views of databases DB... on server NAME that fail a SELECT, one per line.
views_failing() { # NAME DB...
	local name=$1 v
	shift
	for v in $(sql "$name" "SELECT CONCAT('\`', TABLE_SCHEMA, '\`.\`', TABLE_NAME, '\`') FROM information_schema.VIEWS WHERE TABLE_SCHEMA IN ($(_sql_list "$@"))"); do
		sql "$name" "SELECT COUNT(*) FROM $v" >/dev/null 2>&1 || echo "$v"
	done
}

# Drop databases on a server (before an import into a "fresh" server).
drop_dbs() { # NAME DB...
	local name=$1 db stmts=""
	shift
	for db in "$@"; do stmts+="DROP DATABASE IF EXISTS $(qi "$db");"; done
	sql "$name" "$stmts"
}

# The fidelity corpus (tests/data/fidelity.sql) on src, loaded once per
# script; SRC_CK holds its checksums.  Leaves the script when it fails.
corpus_on_src() {
	t_begin "corpus tests/data/fidelity.sql on src"
	if server_client src <"$SL_ROOT/tests/data/fidelity.sql" >"$T/corpus.log" 2>&1; then t_pass; else
		t_fail "loading failed: $(tail -n 3 "$T/corpus.log")"
		t_done
	fi
	SRC_CK=$(checksum_db src fidelity)
}

# load_check NAME LOAD-ARGS...: `sluice load` into dst with the fidelity
# database dropped first; its checksums must be $SRC_CK (corpus_on_src).
load_check() {
	local name=$1
	shift
	drop_dbs dst fidelity
	capture "$name" sluice load "${DST[@]}" "$@"
	assert_exit_zero "$RC" "load exit code (stderr: $(_t_show "$ERR"))"
	assert_same "$SRC_CK" "$(checksum_db dst fidelity)" "checksums (src vs dst)"
}

# Connections of user sluice on a server (sluice's own connections).
sluice_conns() { # NAME
	sql "$1" "SELECT COUNT(*) FROM information_schema.PROCESSLIST WHERE USER = 'sluice'"
}

# Running queries of user sluice whose text contains PATTERN (SQL LIKE).
sluice_queries() { # NAME LIKE-PATTERN
	sql "$1" "SELECT COUNT(*) FROM information_schema.PROCESSLIST
	          WHERE USER = 'sluice' AND COMMAND = 'Query' AND INFO LIKE $(qs "$2")"
}

# Wait up to SECONDS for user sluice to have no connection left; on timeout
# print what is left and return 1.
wait_no_sluice_conns() { # NAME SECONDS
	local name=$1 limit=$2 i
	for ((i = 0; i < limit * 10; i++)); do
		[ "$(sluice_conns "$name")" = 0 ] && return 0
		sleep 0.1
	done
	sql "$name" "SELECT ID, COMMAND, TIME, STATE, LEFT(INFO, 80) FROM information_schema.PROCESSLIST WHERE USER = 'sluice'" |
		tr '\t\n' ' ;'
	return 1
}

# --- the stream ----------------------------------------------------------------

streamcheck() { python3 "$STREAMCHECK" "$@"; }

first_line() { head -n 1 "$1"; }
last_line() { tail -n 1 "$1"; }

# Copy stdin to stdout at about RATE bytes per second (a slow consumer).
throttle() { # RATE
	python3 -c '
import sys, time
rate = float(sys.argv[1]); chunk = 16384
src, dst = sys.stdin.buffer, sys.stdout.buffer
t0 = time.monotonic(); n = 0
while True:
    b = src.read1(chunk) if hasattr(src, "read1") else src.read(chunk)
    if not b:
        break
    dst.write(b); dst.flush(); n += len(b)
    ahead = n / rate - (time.monotonic() - t0)
    if ahead > 0:
        time.sleep(ahead)
' "$1"
}

now() { date +%s.%N; }
since() { awk -v a="$1" -v b="$(now)" 'BEGIN { printf "%.2f", b - a }'; }
# A time limit scaled for slow builds (ASan).
limit() { awk -v a="$1" -v f="$SL_SLOW" 'BEGIN { printf "%.2f", a * f }'; }
# A peak-RSS bound in KiB: ASan's shadow memory and quarantine add about
# half again (the sanitizer pass still catches a bound that data size breaks).
rss_limit() { if [ -n "$SL_LABEL" ]; then echo $(($1 * 3 / 2)); else echo "$1"; fi; }

# --- shared data ---------------------------------------------------------------

# The 1M-row table big.t1m on server NAME, made once (tests/data/gen_big.sh).
ensure_big() { # NAME [ROWS]
	local name=$1 rows=${2:-1000000} have
	have=$(sql "$name" "SELECT TABLE_ROWS > 0 FROM information_schema.TABLES
	                    WHERE TABLE_SCHEMA = 'big' AND TABLE_NAME = 't1m'" 2>/dev/null)
	if [ "$have" = 1 ] && [ "$(sql "$name" "SELECT COUNT(*) FROM big.t1m")" = "$rows" ]; then
		return 0
	fi
	"$SL_ROOT/tests/data/gen_big.sh" "$name" big "$rows"
}

# --- per-script setup ----------------------------------------------------------

if [ -n "${SL_TEST_TMP:-}" ]; then
	_sl_slug=${SL_LABEL//[^A-Za-z0-9]/}
	T="$SL_TEST_TMP/work/${_sl_slug:+$_sl_slug-}$SL_SCRIPT"
	rm -rf "$T"
	mkdir -p "$T"
	# shellcheck disable=SC2034 # used by the scripts that source this file
	if [ -r "$SL_TEST_TMP/src/port" ]; then
		SRC=(-h 127.0.0.1 -P "$(server_port src)" -u "$SL_USER" "-p$SL_PASSWORD")
	fi
	# shellcheck disable=SC2034
	if [ -r "$SL_TEST_TMP/dst/port" ]; then
		DST=(-h 127.0.0.1 -P "$(server_port dst)" -u "$SL_USER" "-p$SL_PASSWORD")
	fi
fi
