#!/usr/bin/env bash
# 12_peers.sh - the command lines and option files DBAs bring from
# mysqldump/mariadb-dump, mydumper, myloader and MySQL Shell.
#   * every option of `sluice help peers` (the README's table) is tried, as
#     tests/data/peer_options.tsv says it must behave: taken with its
#     meaning (what --print-options shows sluice made of it) or refused with
#     a hint (exit 2, one line); the table in the README is the program's;
#   * letters that mean something else in sluice than in a peer: a value
#     that cannot be meant for sluice's option names the peer's meaning;
#   * options are spelled out (no abbreviations), with '_' or '-', the
#     client's --skip-/--enable-/--loose- forms; typos of commands, options
#     and values get a "did you mean";
#   * option files as the mariadb client reads them: [client] connection
#     options, [sluice] and [sluice-dump] any option, !include, the order of
#     the files, --defaults-file alone, --no-defaults;
#   * a real mysqldump line and a real mydumper line run unchanged and their
#     output imports with equal checksums; a myloader line loads;
#   * a failed connection names the socket it tried.
# shellcheck source=tests/lib/common.sh
. "$(dirname "$0")/../lib/common.sh"
need_sluice
need_server src dst

TABLE_DATA="$SL_ROOT/tests/data/peer_options.tsv"

t_begin "the README's table of peer options is 'sluice help peers'"
capture help sluice help peers
assert_exit_zero "$RC" "sluice help peers"
readme_table=$(sed -n '/<!-- peers:begin -->/,/<!-- peers:end -->/p' "$SL_ROOT/README.md" | sed '1d;$d')
program_table=$(grep '^|' "$OUT")
[ -n "$readme_table" ] || t_fail "README.md has no <!-- peers:begin --> ... <!-- peers:end --> block"
assert_same "$program_table" "$readme_table" "README table (regenerate: sluice help peers)"
t_pass

t_begin "every peer option has an expectation in tests/data/peer_options.tsv"
capture list sluice help peer-list
assert_exit_zero "$RC" "sluice help peer-list"
missing=""
while IFS=$'\t' read -r cmd spelling _; do
	if ! awk -F'\t' -v c="$cmd" -v s="$spelling" '
		$1 == c { split($2, w, " "); sub(/=.*/, "", w[1]); if (w[1] == s) found = 1 }
		END { exit !found }' "$TABLE_DATA"; then
		missing="$missing $cmd:$spelling"
	fi
done <"$OUT"
assert_eq "" "$missing" "peer options without an expectation"
t_pass

printf 'shop.a\n# a comment\n\nshop.b\n' >"$T/omit.txt"
t_begin "each peer option: taken with its meaning or refused with a hint"
n=0
while IFS=$'\t' read -r cmd words want_rc want; do
	case "$cmd" in '' | '#'*) continue ;; esac
	words=${words//@T/$T}
	want=${want//@T/$T}
	# shellcheck disable=SC2086 # the words are split on purpose
	out=$(sluice "$cmd" --no-defaults --print-options $words 2>&1 </dev/null)
	rc=$?
	n=$((n + 1))
	assert_exit "$rc" "$want_rc" "sluice $cmd $words (output: $(_t_show "$out"))"
	assert_contains "$out" "$want" "sluice $cmd $words"
	if [ "$want_rc" = 2 ]; then
		assert_one_line "$out" "sluice: " "sluice $cmd $words"
	fi
done <"$TABLE_DATA"
assert_le 200 "$n" "cases tried"
t_pass

t_begin "a letter that means something else in sluice names the peer's meaning"
check_clash() { # WANT CMD WORDS...
	local want=$1
	shift
	out=$(sluice "$@" --no-defaults --print-options 2>&1 </dev/null)
	rc=$?
	assert_exit "$rc" 2 "sluice $* (output: $(_t_show "$out"))"
	assert_contains "$out" "$want" "sluice $*"
	assert_one_line "$out" "sluice: " "sluice $*"
}
check_clash "mysqldump's -t is --no-create-info" dump -t shop
check_clash "mysqldump's -T is --tab" dump -T /tmp/dir
check_clash "mysqldump's -a is --create-options" dump -a shop
check_clash "mydumper/myloader's -a is --ask-password" dump -a -B shop
check_clash "myloader's -a is --ask-password" load -a -d "$T/d"
check_clash "mysqldump/mydumper's -x is --lock-all-tables" dump -x -B shop
check_clash "mysqldump's -F is --flush-logs" dump -F -B shop
check_clash "mysqldump's -r is --result-file" dump -r dump.sql
check_clash "-K is mysqldump's --disable-keys" dump -K
# A value that fits sluice's option is sluice's.
out=$(sluice dump --no-defaults --print-options -t 4 -a "$T/x.tar.zst" -T shop.a -x '^shop\.' 2>&1)
assert_exit "$?" 0 "sluice's own letters ($(_t_show "$out"))"
assert_contains "$out" "--threads=4" "-t 4"
assert_contains "$out" "--archive=$T/x.tar.zst" "-a FILE"
t_pass

t_begin "-p: mysqldump's -pPASS and -p (prompt), mydumper's -p PASS next to -B / -o / -d"
out=$(sluice dump --no-defaults --print-options -u root -p secret -B shop -o "$T/d" 2>&1)
assert_exit "$?" 0 "mydumper's -p PASS ($(_t_show "$out"))"
assert_contains "$out" "--password=****" "mydumper's -p PASS"
assert_contains "$out" "--databases=shop" "mydumper's line"
out=$(sluice dump --no-defaults --print-options -u root -psecret shop 2>&1)
assert_contains "$out" "--password=**** --databases=shop" "mysqldump's -pPASS DB"
out=$(sluice dump --no-defaults --print-options -u root -p shop 2>&1)
assert_contains "$out" "--password --databases=shop" "mysqldump's -p DB (prompt, then the database)"
out=$(sluice load --no-defaults --print-options -u root -p secret -d "$T/d" 2>&1)
assert_contains "$out" "--password=****" "myloader's -p PASS"
t_pass

t_begin "mysqldump's bare arguments: DB [TABLE...], --databases A B, --tables DB T, -A"
pr() { sluice dump --no-defaults --print-options "$@" 2>&1; }
assert_contains "$(pr shop orders customers)" "--databases=shop --tables=shop.orders,shop.customers" "DB TABLE..."
assert_contains "$(pr --databases shop other)" "--databases=shop,other" "--databases A B"
assert_contains "$(pr -B shop other)" "--databases=shop,other" "-B A B"
assert_contains "$(pr shop other --databases)" "--databases=shop,other" "A B --databases"
out=$(pr --tables shop orders customers)
assert_contains "$out" "--tables=shop.orders,shop.customers" "--tables DB T..."
assert_contains "$out" "--databases=shop" "--tables DB T..."
assert_contains "$(pr -B shop -T orders)" "--tables=shop.orders" "-B DB -T TABLE"
assert_contains "$(pr -A)" "# -A:" "-A"
out=$(pr -T orders)
assert_contains "$out" "name tables as DB.TABLE" "-T TABLE without a database"
t_pass

t_begin "spelled out, any separator, the client's --skip-/--enable-/--loose- forms"
out=$(sluice dump --no-defaults --print-options --lock_mode=none --skip-routines --enable-events \
	--loose-frobnicate=1 --loose-no_locks --routines=0 2>&1)
assert_exit "$?" 0 "($(_t_show "$out"))"
assert_contains "$out" "--lock-mode=none" "underscores"
assert_contains "$out" "--events" "--enable-events"
assert_contains "$out" "sluice: warning: ignoring unknown option --loose-frobnicate" "--loose- unknown"
assert_contains "$out" "--routines=false" "--skip-routines and --routines=0"
for bad in --tab=x --thread=2 --databa=x --single-trans; do
	out=$(sluice dump --no-defaults "$bad" 2>&1)
	assert_exit "$?" 2 "$bad"
	assert_one_line "$out" "sluice: " "$bad"
done
assert_contains "$(sluice dump --thread=2 2>&1)" "did you mean '--threads'?" "--thread"
assert_contains "$(sluice dump --databa=x 2>&1)" "options are spelled out: did you mean '--databases'?" "--databa"
t_pass

t_begin "did you mean: commands and values; values are case-insensitive"
out=$(sluice dunp 2>&1)
assert_exit "$?" 2 "sluice dunp"
assert_contains "$out" "did you mean 'dump'?" "command"
out=$(sluice dump --no-defaults --print-options --lock-mode=FTWRL --ssl-mode=DISABLED --format=CSV 2>&1)
assert_exit "$?" 0 "upper case values ($(_t_show "$out"))"
assert_contains "$out" "--lock-mode=ftwrl --ssl-mode=disabled --format=csv" "values"
out=$(sluice dump --no-defaults --lock-mode=backupstage 2>&1)
assert_exit "$?" 2 "a typo in a value"
assert_contains "$out" "did you mean 'backup-stage'?" "value"
assert_contains "$(sluice help load 2>&1)" "Usage: sluice load" "sluice help load"
t_pass

# --- option files ------------------------------------------------------------

t_begin "option files: [client] connects, [sluice] and [sluice-dump] set any option"
cat >"$T/my.cnf" <<EOF
# as a DBA writes them
[client]
host = 127.0.0.1
port = $(server_port src)
user = $SL_USER
password = "$SL_PASSWORD"
default-character-set = utf8mb4
ssl-verify-server-cert = 0
[mysqldump]
quick
max_allowed_packet = 512M
[sluice]
threads = 2
rows=500
[sluice-dump]
single_transaction
[sluice-load]
overwrite = drop
EOF
out=$(sluice dump --defaults-file="$T/my.cnf" --print-options 2>&1)
assert_exit "$?" 0 "--print-options ($(_t_show "$out"))"
assert_contains "$out" "--host=127.0.0.1 --port=$(server_port src) --user=$SL_USER --password=**** --threads=2 --rows=500" "what was read"
assert_contains "$out" "my.cnf:16: single-transaction: sluice always reads" "[sluice-dump]"
assert_not_contains "$out" "overwrite" "[sluice-load] is not dump's"
capture fdump sluice dump --defaults-file="$T/my.cnf" -B mysql -T mysql.db -vv
assert_exit_zero "$RC" "a dump connected through the file ($(_t_show "$ERR"))"
assert_contains "$(head -c 100 "$OUT")" "-- sluice stream" "the dump"
assert_contains "$ERR" "2 worker(s)" "threads=2 from [sluice]"
t_pass

t_begin "option files: order, --defaults-extra-file, !include, --no-defaults, errors"
mkdir -p "$T/home" "$T/conf.d"
printf '[sluice]\nthreads=3\n' >"$T/home/.my.cnf"
printf '[sluice]\nthreads=2\nrows=7\n!includedir %s\n' "$T/conf.d" >"$T/extra.cnf"
printf '[sluice]\nstatement-size=64K\n' >"$T/conf.d/10.cnf"
out=$(HOME="$T/home" sluice dump --defaults-extra-file="$T/extra.cnf" --print-options 2>&1)
assert_contains "$out" "--threads=3" "~/.my.cnf is read after --defaults-extra-file"
assert_contains "$out" "--rows=7" "--defaults-extra-file"
assert_contains "$out" "--statement-size=64K" "!includedir"
out=$(HOME="$T/home" sluice dump --defaults-extra-file="$T/extra.cnf" -t 4 --print-options 2>&1)
assert_contains "$out" "--threads=4" "the command line over every file"
out=$(HOME="$T/home" sluice dump --no-defaults --print-options 2>&1)
assert_not_contains "$out" "--threads" "--no-defaults"
out=$(HOME="$T/home" sluice dump --defaults-file="$T/extra.cnf" --print-options 2>&1)
assert_contains "$out" "--threads=2" "--defaults-file: that file alone"
out=$(sluice dump --defaults-file="$T/none.cnf" 2>&1)
assert_exit "$?" 2 "a missing --defaults-file"
assert_one_line "$out" "sluice: cannot read option file $T/none.cnf" "message"
printf '[sluice]\nthreds=2\n' >"$T/typo.cnf"
out=$(sluice dump --defaults-file="$T/typo.cnf" 2>&1)
assert_exit "$?" 2 "an unknown option in [sluice]"
assert_contains "$out" "typo.cnf:2: unknown option 'threds' in [sluice] (did you mean '--threads'?)" "message"
printf '[sluice]\nloose-threds=2\noutputdir-that-is-not=1\n' >"$T/loose.cnf"
out=$(sluice dump --defaults-file="$T/loose.cnf" 2>&1)
assert_contains "$out" "unknown option 'outputdir-that-is-not'" "loose- is skipped, the next line is not"
printf '[sluice]\ninput=x.sql\n' >"$T/other.cnf"
out=$(sluice dump --defaults-file="$T/other.cnf" --print-options 2>&1)
assert_exit "$?" 0 "an option of another command in [sluice] is left to it ($(_t_show "$out"))"
printf '[client]\nthreads=9\nfrobnicate\n' >"$T/client.cnf"
out=$(sluice dump --defaults-file="$T/client.cnf" --print-options 2>&1)
assert_exit "$?" 0 "[client] options of other programs are left to them"
assert_not_contains "$out" "--threads" "[client] sets connection options only"
printf '[sluice]\n!include %s/loop.cnf\n' "$T" >"$T/loop.cnf"
out=$(sluice dump --defaults-file="$T/loop.cnf" 2>&1)
assert_exit "$?" 2 "an include loop"
assert_contains "$out" "nest deeper" "message"
t_pass

t_begin "a failed connection names the socket it tried"
out=$(sluice dump --no-defaults -S "$T/no.sock" -B shop 2>&1 >/dev/null)
assert_exit "$?" 1 "exit code"
assert_contains "$out" "socket $T/no.sock" "-S"
out=$(MYSQL_UNIX_PORT="$T/env.sock" sluice dump --no-defaults -B shop 2>&1 >/dev/null)
assert_contains "$out" "socket $T/env.sock (the default" "the default socket"
out=$(sluice dump --no-defaults -h 127.0.0.1 -P 1 -B shop 2>&1 >/dev/null)
assert_contains "$out" "127.0.0.1:1" "TCP"
t_pass

# --- real command lines --------------------------------------------------------

setup_sql src "DROP DATABASE IF EXISTS peer; CREATE DATABASE peer;
  CREATE TABLE peer.a (id INT PRIMARY KEY, s VARCHAR(20), b BLOB);
  INSERT INTO peer.a SELECT seq, CONCAT('r', seq), UNHEX(MD5(seq)) FROM peer.seq_1_to_3000;
  CREATE TABLE peer.b (id INT PRIMARY KEY, a_id INT, KEY (a_id));
  INSERT INTO peer.b SELECT seq, seq % 100 + 1 FROM peer.seq_1_to_500;
  CREATE VIEW peer.v AS SELECT COUNT(*) AS n FROM peer.b;
  CREATE PROCEDURE peer.p() SELECT 1;"
SRC_CK=$(checksum_db src peer)
SPORT=$(server_port src)

t_begin "a mysqldump command line runs unchanged; mariadb imports the result"
drop_dbs dst peer
sluice dump --single-transaction --quick --routines --triggers --events --hex-blob \
	--databases peer -h 127.0.0.1 -P "$SPORT" -u "$SL_USER" -p"$SL_PASSWORD" \
	--add-locks --opt --tz-utc --set-gtid-purged=OFF --no-tablespaces --default-character-set=utf8mb4 \
	>"$T/mysqldump-line.sql" 2>"$T/mysqldump-line.err" </dev/null
assert_exit_zero "$?" "dump ($(_t_show "$(cat "$T/mysqldump-line.err")"))"
mariadb_import dst <"$T/mysqldump-line.sql" >"$T/imp.log" 2>&1
assert_exit_zero "$?" "mariadb < dump ($(_t_show "$(cat "$T/imp.log")"))"
assert_same "$SRC_CK" "$(checksum_db dst peer)" "checksums"
assert_eq "500" "$(sql dst "SELECT n FROM peer.v")" "the view"
assert_eq "1" "$(sql dst "SELECT COUNT(*) FROM information_schema.ROUTINES WHERE ROUTINE_SCHEMA='peer'")" "the routine"
# mysqldump's -r FILE (long form) and a DB TABLE line
drop_dbs dst peer
sluice dump -h 127.0.0.1 -P "$SPORT" -u "$SL_USER" -p"$SL_PASSWORD" --result-file="$T/r.sql" \
	--skip-lock-tables peer a b </dev/null 2>"$T/r.err"
assert_exit_zero "$?" "--result-file ($(_t_show "$(cat "$T/r.err")"))"
mariadb_import dst <"$T/r.sql" >"$T/imp2.log" 2>&1
assert_exit_zero "$?" "mariadb < --result-file output"
assert_eq "3000" "$(sql dst "SELECT COUNT(*) FROM peer.a")" "peer.a"
assert_eq "0" "$(sql dst "SELECT COUNT(*) FROM information_schema.VIEWS WHERE TABLE_SCHEMA='peer'")" "tables named: no view"
t_pass

t_begin "a mydumper command line runs unchanged; myloader and a myloader line load it"
drop_dbs dst peer
rm -rf "$T/myd"
sluice dump -h 127.0.0.1 -P "$SPORT" -u "$SL_USER" -p "$SL_PASSWORD" --threads 2 --rows 1000 \
	-G -R -E --no-locks -c --outputdir "$T/myd" -B peer -v 2 -F 64 --less-locking \
	</dev/null >"$T/myd.out" 2>"$T/myd.err"
assert_exit_zero "$?" "dump ($(_t_show "$(cat "$T/myd.err")"))"
assert_le 3 "$(find "$T/myd" -name 'peer.a.*.sql.gz' | wc -l)" "--rows 1000 split peer.a, -c compressed each file"
sluice load -h 127.0.0.1 -P "$(server_port dst)" -u "$SL_USER" -p "$SL_PASSWORD" -d "$T/myd" \
	-o -e -t 2 -q 1000 -v 3 </dev/null >"$T/myl.out" 2>"$T/myl.err"
assert_exit_zero "$?" "a myloader line loads it ($(_t_show "$(cat "$T/myl.err")"))"
assert_same "$SRC_CK" "$(checksum_db dst peer)" "checksums after sluice load"
# -o is myloader's --overwrite-tables: the same again replaces the tables
sluice load -h 127.0.0.1 -P "$(server_port dst)" -u "$SL_USER" -p "$SL_PASSWORD" -d "$T/myd" \
	-o </dev/null >/dev/null 2>"$T/myl2.err"
assert_exit_zero "$?" "-o again ($(_t_show "$(cat "$T/myl2.err")"))"
assert_same "$SRC_CK" "$(checksum_db dst peer)" "checksums after the second load"
t_pass

t_begin "mydumper's --chunk-filesize is in MB: a small table stays one file"
rm -rf "$T/chunk"
capture chunk sluice dump "${SRC[@]}" -B peer --chunk-filesize 5000 -o "$T/chunk"
assert_exit_zero "$RC" "dump"
assert_eq "1" "$(find "$T/chunk" -name 'peer.a.*.sql' | wc -l)" "data files of peer.a"
t_pass

drop_dbs dst peer
t_done
