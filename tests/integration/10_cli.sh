#!/usr/bin/env bash
# 10_cli.sh - the command line itself: --help, --version, usage errors
# (exit 2, one line on stderr starting "sluice: "), bad option values, and
# the logging switches --quiet, --verbose and --log-format json.
#
# Assumptions the C side must match (beyond the issue text):
#   * --help and `dump --help` print to stdout and exit 0;
#   * `sluice` without arguments is a usage error (exit 2, usage text on
#     stderr, nothing on stdout);
#   * bad values (--threads 0, --lock-mode x, --statement-size 12Q, ...) are
#     usage errors: exit 2, one stderr line starting "sluice: ";
#   * --log-format json: every stderr line is one JSON object with a string
#     member "level"; an error is such a line with "level":"error".
# shellcheck source=tests/lib/common.sh
. "$(dirname "$0")/../lib/common.sh"
need_sluice
need_server src

setup_sql src "DROP DATABASE IF EXISTS cli_db; CREATE DATABASE cli_db;
               CREATE TABLE cli_db.t (id INT PRIMARY KEY, v VARCHAR(10));
               INSERT INTO cli_db.t VALUES (1, 'a'), (2, 'b'), (3, 'c');"

# --- help and version --------------------------------------------------------

t_begin "--version prints 'sluice 0.1.0'"
capture version sluice --version
assert_exit_zero "$RC"
assert_eq "sluice 0.1.0" "$(cat "$OUT")" "stdout"
assert_eq "" "$ERR" "stderr"
t_pass

t_begin "--help lists the subcommands"
capture help sluice --help
assert_exit_zero "$RC"
assert_contains "$(cat "$OUT")" "dump" "stdout"
t_pass

t_begin "dump --help lists every dump option"
capture dump_help sluice dump --help
assert_exit_zero "$RC"
missing=""
for opt in --host --port --user --password --socket --defaults-file --defaults-extra-file \
	--ssl-ca --ssl-cert --ssl-key --ssl-mode --databases --tables --regex --exclude \
	--ignore-table --where --threads --lock-mode --skip-triggers --routines --events \
	--no-data --no-schema --statement-size --rows --buffer --quiet --verbose --log-format; do
	grep -q -e "$opt" "$OUT" || missing+=" $opt"
done
assert_eq "" "$missing" "options missing from 'sluice dump --help'"
t_pass

t_begin "every command's --help lists each option once"
for cmd in dump load copy verify serve run; do
	capture cmd_help sluice "$cmd" --help
	assert_exit_zero "$RC" "$cmd --help"
	assert_eq "" "$(grep -oE '^ +(-[a-zA-Z], )?--[a-z0-9-]+' "$OUT" | sed 's/.*--/--/' | sort | uniq -d | tr '\n' ' ')" \
		"options listed twice by '$cmd --help'"
done
t_pass

# --- usage errors --------------------------------------------------------------

usage_error() { # DESCRIPTION ARGS...
	local what=$1
	shift
	t_begin "usage error: $what"
	capture usage sluice "$@"
	assert_exit "$RC" 2
	assert_one_line "$ERR" "sluice: "
	assert_eq "" "$(head -c 200 "$OUT")" "stdout"
	t_pass
}

t_begin "usage error: no arguments (exit 2, usage on stderr)"
capture noargs sluice
assert_exit "$RC" 2
assert_ne "" "$ERR" "stderr"
assert_eq "" "$(head -c 200 "$OUT")" "stdout"
t_pass

usage_error "unknown option" --no-such-option
usage_error "unknown subcommand" frobnicate
usage_error "unknown dump option" dump "${SRC[@]}" -B cli_db --no-such-option
usage_error "missing option value" dump "${SRC[@]}" -B cli_db --where
usage_error "--threads 0" dump "${SRC[@]}" -B cli_db --threads 0
usage_error "--threads abc" dump "${SRC[@]}" -B cli_db --threads abc
usage_error "-t -1" dump "${SRC[@]}" -B cli_db -t -1
usage_error "--lock-mode sometimes" dump "${SRC[@]}" -B cli_db --lock-mode sometimes
usage_error "--log-format xml" dump "${SRC[@]}" -B cli_db --log-format xml
usage_error "--statement-size 12Q" dump "${SRC[@]}" -B cli_db --statement-size 12Q
usage_error "--buffer lots" dump "${SRC[@]}" -B cli_db --buffer lots
usage_error "--rows x" dump "${SRC[@]}" -B cli_db --rows x
usage_error "--ssl-mode maybe" dump "${SRC[@]}" -B cli_db --ssl-mode=maybe
usage_error "--port 99999" dump -h 127.0.0.1 --port 99999 -u sluice -psluice-pw -B cli_db

# --- logging switches ------------------------------------------------------------

t_begin "--quiet prints nothing on success"
capture quiet sluice dump "${SRC[@]}" -B cli_db --quiet
assert_exit_zero "$RC"
assert_eq "" "$ERR" "stderr with --quiet"
streamcheck -q "$OUT"
assert_exit_zero $? "streamcheck of the output"
t_pass

t_begin "-q prints nothing on success"
capture quiet_short sluice dump "${SRC[@]}" -B cli_db -q
assert_exit_zero "$RC"
assert_eq "" "$ERR" "stderr with -q"
t_pass

t_begin "--verbose logs to stderr and the stream stays valid"
capture verbose sluice dump "${SRC[@]}" -B cli_db --verbose
assert_exit_zero "$RC"
assert_ne "" "$ERR" "stderr with --verbose"
streamcheck -q "$OUT"
assert_exit_zero $? "streamcheck of the output"
assert_not_contains "$ERR" "sluice-pw" "stderr (the password must never be logged)"
t_pass

t_begin "-v --log-format json: every stderr line is a JSON object with a level"
capture json sluice dump "${SRC[@]}" -B cli_db -v --log-format json
assert_exit_zero "$RC"
assert_ne "" "$ERR" "stderr with -v --log-format json"
bad=$(python3 -c '
import json, sys
for n, line in enumerate(open(sys.argv[1], encoding="utf-8", errors="replace"), 1):
    try:
        o = json.loads(line)
    except ValueError:
        print("line %d is not JSON: %r" % (n, line[:100])); break
    if not isinstance(o, dict) or not isinstance(o.get("level"), str):
        print("line %d has no string \"level\": %r" % (n, line[:100])); break
' "$T/json.err")
assert_eq "" "$bad" "JSON log lines"
assert_not_contains "$ERR" "sluice-pw" "stderr (the password must never be logged)"
streamcheck -q "$OUT"
assert_exit_zero $? "streamcheck of the output"
t_pass

t_begin "--log-format json: an error is one JSON line with level error"
capture json_err sluice dump -h 127.0.0.1 -P "$(server_port src)" -u sluice -pwrong-secret-42 -B cli_db --log-format json
assert_exit "$RC" 1
assert_one_line "$ERR" "{"
level=$(printf '%s' "$ERR" | python3 -c 'import json,sys; print(json.loads(sys.stdin.read()).get("level"))' 2>&1)
assert_eq "error" "$level" "\"level\" of the error line"
assert_not_contains "$ERR" "wrong-secret-42" "stderr (the password must never be logged)"
t_pass

t_begin "default output (no -q/-v) of a good dump has no error lines"
capture default sluice dump "${SRC[@]}" -B cli_db
assert_exit_zero "$RC"
assert_not_contains "$ERR" "error" "stderr"
streamcheck -q "$OUT"
assert_exit_zero $? "streamcheck of the output"
t_pass

t_done
