#!/usr/bin/env bash
# 93_progress.sh - what a run says while and after it works, and its exit
# status:
#   * --progress always without a terminal: lines of their own (no escape
#     codes) with the percent of the input read and an ETA; as JSON objects
#     with numbers under --log-format json;
#   * the load's "adding indexes" phase is named while an index build runs;
#   * the final summary in JSON carries numbers (rows equal to the table's);
#   * exit 2 only for usage errors: a missing table, an existing target or
#     a missing input file is 1.
# shellcheck source=tests/lib/common.sh
. "$(dirname "$0")/../lib/common.sh"
need_sluice
need_server src dst

t_begin "1M-row table big.t1m on src, dumped to a directory"
ensure_big src >"$T/gen.log" 2>&1 || t_fail "gen_big: $(tail -n 2 "$T/gen.log")"
rm -rf "$T/dir"
capture dump sluice dump "${SRC[@]}" -B big -o "$T/dir"
assert_exit_zero "$RC" "dump ($(_t_show "$ERR"))"
t_pass

t_begin "--progress always into a file: plain lines with percent and ETA, no escape codes"
drop_dbs dst big_p
# One thread, so that the load lasts a few seconds anywhere.
sluice load "${DST[@]}" -d "$T/dir" -B big_p -t 1 --progress always --progress-interval 1 \
	</dev/null >/dev/null 2>"$T/plain.err"
assert_exit_zero "$?" "load ($(_t_show "$(tail -n 2 "$T/plain.err")"))"
lines=$(grep -c '^sluice: progress: tables ' "$T/plain.err")
assert_le 1 "$lines" "progress lines"
assert_match "$(grep -m 1 '^sluice: progress:' "$T/plain.err")" ' [0-9]+%' "a percent"
if grep -q $'\033\|\r' "$T/plain.err"; then
	t_fail "escape codes or carriage returns in a log file: $(_t_show "$(head -c 300 "$T/plain.err" | od -c | head -3)")"
fi
t_pass

t_begin "--log-format json: progress objects and the summary with numbers"
drop_dbs dst big_p
sluice load "${DST[@]}" -d "$T/dir" -B big_p -t 1 --progress always --progress-interval 1 \
	--log-format json -v </dev/null >/dev/null 2>"$T/json.err"
assert_exit_zero "$?" "load"
python3 - "$T/json.err" >"$T/json.check" 2>&1 <<'PY'
import json, sys
progress, done = [], None
for line in open(sys.argv[1]):
    o = json.loads(line)               # every line is one JSON object
    if o["level"] == "progress":
        progress.append(o)
    if o["msg"].startswith("done:"):
        done = o
assert progress, "no progress object"
p = progress[0]
assert isinstance(p["percent"], (int, float)) and 0 <= p["percent"] <= 100, p
assert isinstance(p["bytes"], int), p
assert done is not None, "no summary"
assert done["rows"] == 1000000 and isinstance(done["seconds"], (int, float)), done
print("ok", len(progress), done["rows"])
PY
assert_exit_zero "$?" "JSON lines ($(_t_show "$(cat "$T/json.check")"))"
t_pass

t_begin "the load names its 'adding indexes' phase while an index build waits"
setup_sql src "DROP DATABASE IF EXISTS prog_i; CREATE DATABASE prog_i;
  CREATE TABLE prog_i.t (id INT PRIMARY KEY, k INT, KEY (k));
  INSERT INTO prog_i.t SELECT id, k FROM big.t1m WHERE id <= 200000;"
rm -rf "$T/idir"
sluice dump "${SRC[@]}" -B prog_i -o "$T/idir" </dev/null >/dev/null 2>&1 || t_fail "dump of prog_i"
drop_dbs dst big_p
sluice load "${DST[@]}" -d "$T/idir" -B big_p -t 2 --progress always --progress-interval 1 \
	</dev/null >/dev/null 2>"$T/phase.err" &
lpid=$!
bg_track "$lpid"
# Once the table exists, a transaction that read it holds its metadata lock:
# the rows go in, the deferred index build waits for it until the progress
# line has said so (or 60 s).
for ((i = 0; i < 300; i++)); do
	[ "$(sql dst "SELECT COUNT(*) FROM information_schema.TABLES WHERE TABLE_SCHEMA='big_p' AND TABLE_NAME='t'")" = 1 ] && break
	sleep 0.1
done
server_client dst -e "START TRANSACTION; SELECT id FROM big_p.t LIMIT 1; DO SLEEP(60); COMMIT;" >/dev/null 2>&1 &
hpid=$!
bg_track "$hpid"
for ((i = 0; i < 600; i++)); do
	grep -q 'adding indexes to big_p.t' "$T/phase.err" && break
	kill -0 "$lpid" 2>/dev/null || break
	sleep 0.1
done
kill "$hpid" 2>/dev/null # its connection goes, and the lock with it
wait_bounded "$lpid" 120
assert_exit_zero "$?" "load ($(_t_show "$(tail -n 2 "$T/phase.err")"))"
assert_contains "$(cat "$T/phase.err")" "adding indexes to big_p.t" "progress lines"
assert_eq "200000" "$(sql dst "SELECT COUNT(*) FROM big_p.t")" "rows"
assert_eq "1" "$(sql dst "SELECT COUNT(*) FROM information_schema.STATISTICS WHERE TABLE_SCHEMA='big_p' AND INDEX_NAME='k'")" "the index"
t_pass
drop_dbs dst big_p
drop_dbs src prog_i

t_begin "exit 1, not 2, for what is not a usage error"
capture nodb sluice dump "${SRC[@]}" -B no_such_db_here
assert_exit "$RC" 1 "an unknown database"
capture notable sluice dump "${SRC[@]}" -T big.no_such_table
assert_exit "$RC" 1 "a missing table"
capture nofile sluice load "${DST[@]}" "$T/no-such-file.sql"
assert_exit "$RC" 1 "a missing input file"
setup_sql dst "DROP DATABASE IF EXISTS ex1; CREATE DATABASE ex1; CREATE TABLE ex1.t (id INT PRIMARY KEY);"
setup_sql src "DROP DATABASE IF EXISTS ex1; CREATE DATABASE ex1; CREATE TABLE ex1.t (id INT PRIMARY KEY);"
sluice dump "${SRC[@]}" -B ex1 >"$T/ex1.sql" 2>/dev/null </dev/null
capture exists sluice load "${DST[@]}" "$T/ex1.sql"
assert_exit "$RC" 1 "a table that exists in the target"
assert_contains "$ERR" "already exists" "message"
capture usage sluice dump --threads=many
assert_exit "$RC" 2 "a bad option value"
capture usage2 sluice load "${DST[@]}" --overwrite=sometimes "$T/ex1.sql"
assert_exit "$RC" 2 "a bad choice"
drop_dbs src ex1
drop_dbs dst ex1
t_pass

t_done
