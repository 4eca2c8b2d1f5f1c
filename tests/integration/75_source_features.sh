#!/usr/bin/env bash
# 75_source_features.sh - what users of mysqldump, mydumper and MySQL Shell
# ask of the dump source:
#   * --users: accounts, roles and grants in mysql-users.sql, last in the
#     stream; system accounts only when named; a filter with the roles the
#     chosen accounts hold; a round trip through `sluice load` and through
#     the plain client into a server without the accounts: every account
#     logs in with its password (ed25519 too), SHOW CREATE USER and SHOW
#     GRANTS equal; loading again changes nothing; an account on the target
#     is kept (default) or replaced (--overwrite drop), but never the one
#     the loader logs in as; a role the loader may not grant is named, and
#     --overwrite drop replaces it; archives and directories account the
#     file in their manifest;
#   * --max-rate 10M holds the read rate (bytes the server sent over the
#     wall time) within 10 % over a ~100 MB table;
#   * --compress-protocol: the dump's and the loader's sessions run with
#     Compression ON (the server's own session status, read in a --where /
#     in a loaded statement), and fewer bytes cross the wire;
#   * --server-net-buffer: each data connection's first statement reaches
#     the server padded to the size (256K by default, none with 0), and to
#     no more than max_allowed_packet allows, unpadded when the server's
#     net_buffer_length is that big already; the dump is whole each time;
#   * --long-query-guard: a SELECT SLEEP(30) running on src fails the dump
#     before the instance lock, naming it; --kill-long-queries kills it and
#     the dump goes on; a younger query is left alone.
#
# Assumptions: the accounts file is plain SQL (CREATE ROLE / CREATE USER IF
# NOT EXISTS with SHOW CREATE USER's clauses, GRANTs, SET DEFAULT ROLE);
# the server's global Bytes_sent counts what sluice read (nothing else runs
# on src meanwhile); MariaDB's auth_ed25519 plugin is installable.
# shellcheck disable=SC2016 # backquoted SQL names in single quotes
# shellcheck source=tests/lib/common.sh
. "$(dirname "$0")/../lib/common.sh"
need_sluice
need_server src dst

# --- accounts --------------------------------------------------------------

ACCOUNTS=("'sf_app'@'%'" "'sf_ed'@'127.0.0.1'" "'sf_lim'@'%'" "'sf_locked'@'%'"
	"'sf_other'@'%'" sf_reader sf_writer sf_unused)
drop_accounts() { # NAME
	local a stmts=""
	for a in "${ACCOUNTS[@]}"; do
		case $a in
		*@*) stmts+="DROP USER IF EXISTS $a;" ;;
		*) stmts+="DROP ROLE IF EXISTS $a;" ;;
		esac
	done
	sql "$1" "$stmts"
}
ed25519() { # NAME: load the plugin once
	[ "$(sql "$1" "SELECT COUNT(*) FROM information_schema.PLUGINS
	               WHERE PLUGIN_NAME = 'ed25519' AND PLUGIN_STATUS = 'ACTIVE'")" = 1 ] ||
		sql "$1" "INSTALL SONAME 'auth_ed25519'"
}
if ! ed25519 src || ! ed25519 dst; then
	t_begin "auth_ed25519 installs on src and dst"
	t_fail "INSTALL SONAME 'auth_ed25519' failed"
	t_done
fi
drop_accounts src
drop_accounts dst
setup_sql src "DROP DATABASE IF EXISTS sfdb; CREATE DATABASE sfdb;
CREATE TABLE sfdb.t (id INT PRIMARY KEY, v VARCHAR(64));
INSERT INTO sfdb.t SELECT seq, REPEAT(CHAR(97 + seq % 26), 60) FROM sfdb.seq_1_to_20000;
CREATE PROCEDURE sfdb.p() SELECT COUNT(*) FROM sfdb.t;
CREATE ROLE sf_reader; GRANT SELECT ON sfdb.* TO sf_reader;
CREATE ROLE sf_writer; GRANT INSERT, UPDATE ON sfdb.* TO sf_writer; GRANT sf_reader TO sf_writer;
CREATE ROLE sf_unused; GRANT DELETE ON sfdb.* TO sf_unused;
CREATE USER 'sf_app'@'%' IDENTIFIED BY 'app-pw';
GRANT sf_reader TO 'sf_app'@'%'; GRANT sf_writer TO 'sf_app'@'%' WITH ADMIN OPTION;
GRANT INSERT (v) ON sfdb.t TO 'sf_app'@'%' WITH GRANT OPTION;
SET DEFAULT ROLE sf_reader FOR 'sf_app'@'%';
CREATE USER 'sf_ed'@'127.0.0.1' IDENTIFIED VIA ed25519 USING PASSWORD('ed-pw');
GRANT EXECUTE ON PROCEDURE sfdb.p TO 'sf_ed'@'127.0.0.1';
CREATE USER 'sf_lim'@'%' IDENTIFIED BY 'lim-pw' WITH MAX_QUERIES_PER_HOUR 100
    PASSWORD EXPIRE INTERVAL 30 DAY;
GRANT PROCESS ON *.* TO 'sf_lim'@'%' WITH GRANT OPTION;
CREATE USER 'sf_locked'@'%' IDENTIFIED BY 'locked-pw' ACCOUNT LOCK;
CREATE USER 'sf_other'@'%' IDENTIFIED BY 'other-pw';"

# SHOW CREATE USER (users) and SHOW GRANTS of every test account, one
# block per account.
accounts_of() { # NAME
	local a
	for a in "${ACCOUNTS[@]}"; do
		echo "== $a"
		case $a in *@*) sql "$1" "SHOW CREATE USER $a" 2>&1 ;; esac
		sql "$1" "SHOW GRANTS FOR $a" 2>&1 | LC_ALL=C sort
	done
}
SRC_ACCOUNTS=$(accounts_of src)

# login NAME USER PASSWORD: CURRENT_USER() and CURRENT_ROLE() as that user
# over TCP, or the client's error.
login() {
	mariadb --no-defaults -h 127.0.0.1 -P "$(server_port "$1")" -u "$2" "-p$3" -N -B \
		-e "SELECT CONCAT(CURRENT_USER(), ' ', IFNULL(CURRENT_ROLE(), '-'))" 2>&1
}

users_file() { streamcheck --extract mysql-users.sql "$1"; }

t_begin "--users: accounts, roles and grants last in the stream, system accounts left out"
capture users sluice dump "${SRC[@]}" -B sfdb -R --users
STREAM=$OUT
assert_exit_zero "$RC" "exit code (stderr: $(_t_show "$ERR"))"
check=$(streamcheck -q "$STREAM" 2>&1)
assert_exit_zero $? "streamcheck: $check"
assert_eq "users" "$(streamcheck --objects "$STREAM" | tail -n 1 | cut -f1)" "last frame"
body=$(users_file "$STREAM")
assert_contains "$body" "CREATE USER IF NOT EXISTS \`sf_app\`@\`%\` IDENTIFIED BY PASSWORD '*"
assert_match "$body" "CREATE USER IF NOT EXISTS \`sf_ed\`@\`127.0.0.1\` IDENTIFIED VIA ed25519 USING '[A-Za-z0-9+/]{43}'"
assert_contains "$body" "CREATE ROLE IF NOT EXISTS \`sf_writer\`;"
assert_contains "$body" "GRANT EXECUTE ON PROCEDURE \`sfdb\`.\`p\` TO \`sf_ed\`@\`127.0.0.1\`;"
assert_contains "$body" "SET DEFAULT ROLE \`sf_reader\` FOR \`sf_app\`@\`%\`;"
assert_not_contains "$body" "\`root\`@" "accounts file"
assert_not_contains "$body" "mariadb.sys" "accounts file"
assert_not_contains "$(grep '^GRANT' <<<"$body")" "IDENTIFIED" "GRANT lines (CREATE USER has it)"
t_pass

t_begin "--users='sf\\_a%,sf_ed@127.%': those accounts and the roles they hold, no others"
capture users_f sluice dump "${SRC[@]}" --users='sf\_a%,sf_ed@127.%' --no-data --no-schema
assert_exit_zero "$RC" "exit code (stderr: $(_t_show "$ERR"))"
assert_eq "users" "$(streamcheck --objects "$OUT" | cut -f1)" "frames"
got=$(users_file "$OUT" | grep -o -E '^CREATE (USER|ROLE) IF NOT EXISTS `[^`]*`' | awk '{ print $6 }' | tr '\n' ' ')
assert_eq '`sf_reader` `sf_writer` `sf_app` `sf_ed` ' "$got" "accounts created"
t_pass

t_begin "system accounts only when a pattern names them: root@localhost yes, roo% no"
capture users_root sluice dump "${SRC[@]}" --users=root@localhost --no-data --no-schema
assert_exit_zero "$RC" "exit code (stderr: $(_t_show "$ERR"))"
assert_contains "$(users_file "$OUT")" "CREATE USER IF NOT EXISTS \`root\`@\`localhost\`"
capture users_r sluice dump "${SRC[@]}" --users='roo%' --no-data --no-schema
assert_exit_zero "$RC" "exit code (stderr: $(_t_show "$ERR"))"
assert_eq "" "$(streamcheck --objects "$OUT")" "frames (no accounts file)"
assert_contains "$ERR" "no account matches" "stderr"
t_pass

t_begin "round trip through sluice load: every account logs in, SHOW CREATE USER and SHOW GRANTS equal"
drop_dbs dst sfdb
drop_accounts dst
capture load_users sluice load "${DST[@]}" -i "$STREAM"
assert_exit_zero "$RC" "exit code (stderr: $(_t_show "$ERR"))"
assert_same "$SRC_ACCOUNTS" "$(accounts_of dst)" "accounts (src vs dst)"
assert_eq "sf_app@% sf_reader" "$(login dst sf_app app-pw)" "sf_app logs in (default role)"
assert_eq "sf_ed@127.0.0.1 -" "$(login dst sf_ed ed-pw)" "sf_ed logs in (ed25519)"
assert_contains "$(login dst sf_app wrong-pw)" "Access denied" "a wrong password"
assert_contains "$(login dst sf_locked locked-pw)" "locked" "the locked account"
assert_eq "20000" "$(mariadb --no-defaults -h 127.0.0.1 -P "$(server_port dst)" -u sf_app -papp-pw \
	-N -e 'SELECT COUNT(*) FROM sfdb.t' 2>&1)" "sf_app reads sfdb.t through its role"
assert_same "$(checksum_db src sfdb)" "$(checksum_db dst sfdb)" "checksums"
t_pass

t_begin "the plain mariadb client loads the same stream: accounts equal"
drop_dbs dst sfdb
drop_accounts dst
mariadb_import dst <"$STREAM" >"$T/plain.log" 2>&1
assert_exit_zero $? "mariadb < stream ($(_t_show "$(tail -n 2 "$T/plain.log")"))"
assert_same "$SRC_ACCOUNTS" "$(accounts_of dst)" "accounts (src vs dst)"
assert_eq "sf_app@% sf_reader" "$(login dst sf_app app-pw)" "sf_app logs in"
t_pass

capture acc_only sluice dump "${SRC[@]}" --users='sf%' --no-data --no-schema
ACC=$OUT

t_begin "the accounts alone load twice: the second load changes nothing"
drop_accounts dst
capture acc1 sluice load "${DST[@]}" -i "$ACC"
assert_exit_zero "$RC" "first load (stderr: $(_t_show "$ERR"))"
capture acc2 sluice load "${DST[@]}" -i "$ACC"
assert_exit_zero "$RC" "second load (stderr: $(_t_show "$ERR"))"
assert_same "$SRC_ACCOUNTS" "$(accounts_of dst)" "accounts (src vs dst)"
mariadb --no-defaults "${DST[@]}" <"$ACC" >"$T/plain2.log" 2>&1
assert_exit_zero $? "mariadb < accounts, a third time ($(_t_show "$(tail -n 2 "$T/plain2.log")"))"
assert_same "$SRC_ACCOUNTS" "$(accounts_of dst)" "accounts after the plain client"
t_pass

t_begin "a role on the target that another account administers: the load names the GRANT; --overwrite drop replaces it"
drop_accounts dst
sql dst "CREATE ROLE sf_reader" # root is its admin, not the loader's account
capture role_kept sluice load "${DST[@]}" -i "$ACC"
assert_exit "$RC" 1
assert_contains "$ERR" 'failed: GRANT `sf_reader` TO' "stderr"
assert_contains "$ERR" "--overwrite drop replaces it" "stderr"
assert_contains "$(tail -n 1 <<<"$ERR")" "sluice: error: loading" "last line"
capture role_drop sluice load "${DST[@]}" --overwrite drop -i "$ACC"
assert_exit_zero "$RC" "--overwrite drop (stderr: $(_t_show "$ERR"))"
assert_same "$SRC_ACCOUNTS" "$(accounts_of dst)" "accounts (src vs dst)"
t_pass

t_begin "an account on the target is kept by default and replaced with --overwrite drop"
sql dst "ALTER USER 'sf_app'@'%' IDENTIFIED BY 'target-pw'; GRANT SELECT ON mysql.db TO 'sf_app'@'%'"
capture keep sluice load "${DST[@]}" -i "$ACC"
assert_exit_zero "$RC" "default load (stderr: $(_t_show "$ERR"))"
assert_eq "sf_app@% sf_reader" "$(login dst sf_app target-pw)" "the target's password still works"
assert_contains "$(sql dst "SHOW GRANTS FOR 'sf_app'@'%'")" 'GRANT SELECT ON `mysql`.`db`' "the target's grant kept"
capture replace sluice load "${DST[@]}" --overwrite drop -i "$ACC"
assert_exit_zero "$RC" "--overwrite drop (stderr: $(_t_show "$ERR"))"
assert_eq "sf_app@% sf_reader" "$(login dst sf_app app-pw)" "the source's password works"
assert_contains "$(login dst sf_app target-pw)" "Access denied" "the target's password"
assert_same "$SRC_ACCOUNTS" "$(accounts_of dst)" "accounts (src vs dst)"
t_pass

t_begin "--overwrite drop keeps the account the loader logs in as"
capture self_dump sluice dump "${SRC[@]}" --users=sluice --no-data --no-schema
assert_exit_zero "$RC" "dump (stderr: $(_t_show "$ERR"))"
SELF=$OUT
capture self_load sluice load "${DST[@]}" --overwrite drop -i "$SELF"
assert_exit_zero "$RC" "load (stderr: $(_t_show "$ERR"))"
assert_contains "$ERR" 'kept `sluice`@`%`' "stderr"
assert_contains "$(sql dst "SHOW GRANTS FOR 'sluice'@'%'")" "GRANT ALL PRIVILEGES ON *.*" "sluice's grants"
assert_eq "1" "$(sql dst "SELECT COUNT(*) FROM mysql.user WHERE User = 'sluice' AND Host = 'localhost'")" "sluice@localhost (replaced)"
capture self_again sluice load "${DST[@]}" --overwrite drop -i "$SELF"
assert_exit_zero "$RC" "the loader still logs in (stderr: $(_t_show "$ERR"))"
t_pass

t_begin "-o DIR: mysql-users.sql in the manifest; verify catches a change; load -d"
capture dir sluice dump "${SRC[@]}" -B sfdb -R --users='sf%' -o "$T/dir"
assert_exit_zero "$RC" "dump (stderr: $(_t_show "$ERR"))"
assert_eq "yes" "$([ -s "$T/dir/mysql-users.sql" ] && echo yes)" "mysql-users.sql written"
assert_eq "$(stat -c %s "$T/dir/mysql-users.sql")" "$(python3 -c '
import json, sys
m = json.load(open(sys.argv[1]))
print(sum(t["bytes"] for t in m["tables"] if t["schema"] == "" and t["table"] is None))' "$T/dir/sluice-manifest.json")" \
	"bytes the manifest lists for the accounts file"
capture vdir sluice verify "$T/dir"
assert_exit_zero "$RC" "verify (stderr: $(_t_show "$ERR"))"
cp -r "$T/dir" "$T/dir-bad" && sed -i 's/sf_app/sf_apq/' "$T/dir-bad/mysql-users.sql"
capture vbad sluice verify "$T/dir-bad"
assert_exit_nonzero "$RC" "verify of a changed accounts file"
assert_contains "$ERR" "the accounts file" "stderr"
drop_dbs dst sfdb
drop_accounts dst
capture load_dir sluice load "${DST[@]}" -d "$T/dir"
assert_exit_zero "$RC" "load -d (stderr: $(_t_show "$ERR"))"
assert_same "$SRC_ACCOUNTS" "$(accounts_of dst)" "accounts (src vs dst)"
t_pass

t_begin "-a FILE: the accounts load from an archive"
capture arch sluice dump "${SRC[@]}" -B sfdb -R --users='sf%' -a "$T/acc.tar.zst"
assert_exit_zero "$RC" "dump (stderr: $(_t_show "$ERR"))"
drop_dbs dst sfdb
drop_accounts dst
capture load_arch sluice load "${DST[@]}" -a "$T/acc.tar.zst"
assert_exit_zero "$RC" "load -a (stderr: $(_t_show "$ERR"))"
assert_same "$SRC_ACCOUNTS" "$(accounts_of dst)" "accounts (src vs dst)"
t_pass

t_begin "refused with a usage error: an empty --users pattern, --kill-long-queries alone"
capture bad_users sluice dump "${SRC[@]}" -B sfdb --users='sf%,'
assert_exit "$RC" 2 "--users='sf%,'"
assert_one_line "$ERR" "sluice: error: --users"
capture bad_kill sluice dump "${SRC[@]}" -B sfdb --kill-long-queries
assert_exit "$RC" 2 "--kill-long-queries"
assert_one_line "$ERR" "sluice: error: --kill-long-queries"
t_pass

drop_accounts dst
drop_accounts src

# --- --max-rate ----------------------------------------------------------------

bytes_sent() { sql src "SHOW GLOBAL STATUS LIKE 'Bytes_sent'" | cut -f2; }
ROWS=420000
if [ "$(sql src "SELECT COUNT(*) FROM sfrate.big" 2>/dev/null)" != "$ROWS" ]; then
	setup_sql src "DROP DATABASE IF EXISTS sfrate; CREATE DATABASE sfrate;
	CREATE TABLE sfrate.big (id INT PRIMARY KEY, v VARCHAR(255));
	INSERT INTO sfrate.big SELECT seq, REPEAT(MD5(seq), 7) FROM sfrate.seq_1_to_$ROWS;"
fi

t_begin "--max-rate 10M: the server sends 10 MiB/s within 10 %, over ~100 MB"
b0=$(bytes_sent)
t0=$(now)
capture rate sluice dump "${SRC[@]}" -T sfrate.big -t 2 --max-rate 10M
secs=$(since "$t0")
sent=$(($(bytes_sent) - b0))
assert_exit_zero "$RC" "exit code (stderr: $(_t_show "$ERR"))"
assert_eq "sfrate.big	$ROWS" "$(streamcheck "$OUT" 2>&1)" "trailer"
rate=$(awk -v b="$sent" -v s="$secs" 'BEGIN { printf "%.2f", b / s / 1048576 }')
echo "[rate] $sent bytes in $secs s: $rate MiB/s"
assert_le 90000000 "$sent" "bytes sent (a ~100 MB table)"
# The wall time includes connecting and the schema, which a busy machine
# (or a sanitizer build) stretches: the floor allows for that there.
floor=9.0
[ "${SL_SLOW:-1}" = 1 ] || floor=8.0
assert_le "$floor" "$rate" "MiB/s over the dump ($sent bytes in $secs s)"
assert_le "$rate" 11.0 "MiB/s over the dump ($sent bytes in $secs s)"
t_pass

# --- --compress-protocol -------------------------------------------------------

COMPRESSED="(SELECT VARIABLE_VALUE FROM information_schema.SESSION_STATUS
              WHERE VARIABLE_NAME = 'COMPRESSION') = 'ON'"
t_begin "--compress-protocol: the dump's sessions say Compression ON, and fewer bytes cross the wire"
b0=$(bytes_sent)
capture plain_proto sluice dump "${SRC[@]}" -T sfdb.t -t 2 --where "$COMPRESSED OR 1"
plain_bytes=$(($(bytes_sent) - b0))
assert_exit_zero "$RC" "exit code without compression (stderr: $(_t_show "$ERR"))"
b0=$(bytes_sent)
capture comp_proto sluice dump "${SRC[@]}" -T sfdb.t -t 2 --where "$COMPRESSED" --compress-protocol
comp_bytes=$(($(bytes_sent) - b0))
assert_exit_zero "$RC" "exit code (stderr: $(_t_show "$ERR"))"
assert_eq "sfdb.t	20000" "$(streamcheck "$OUT" 2>&1)" "rows whose session says Compression ON"
capture nocomp sluice dump "${SRC[@]}" -T sfdb.t --where "$COMPRESSED"
assert_eq "sfdb.t	0" "$(streamcheck "$OUT" 2>&1)" "the same without --compress-protocol"
echo "[compress] bytes sent: $plain_bytes plain, $comp_bytes compressed"
assert_le "$((comp_bytes * 4))" "$plain_bytes" "bytes sent compressed (x4) vs plain"
t_pass

# libmariadb reads option files too: compression asked for there is on
# although sluice was not told, and the dump must not read those sessions
# as plain ones.
t_begin "compression from an option file ([client] compress=1): the dump reads its compressed sessions"
printf '[client]\ncompress=1\n' >"$T/compress.cnf"
capture cnf_proto sluice dump --defaults-file="$T/compress.cnf" "${SRC[@]}" -T sfdb.t -t 2 --where "$COMPRESSED"
assert_exit_zero "$RC" "exit code (stderr: $(_t_show "$ERR"))"
assert_eq "sfdb.t	20000" "$(streamcheck "$OUT" 2>&1)" "rows whose session says Compression ON"
t_pass

t_begin "load --compress-protocol: the loader's sessions say Compression ON"
mkdir -p "$T/zdir"
printf 'Started dump at: 2026-01-01 00:00:00\nFinished dump at: 2026-01-01 00:00:01\n' >"$T/zdir/metadata"
echo 'CREATE DATABASE sfz;' >"$T/zdir/sfz-schema-create.sql"
echo 'CREATE TABLE c (v VARCHAR(8));' >"$T/zdir/sfz.c-schema.sql"
echo "INSERT INTO c SELECT VARIABLE_VALUE FROM information_schema.SESSION_STATUS WHERE VARIABLE_NAME = 'COMPRESSION';" >"$T/zdir/sfz.c.sql"
for mode in on off; do
	drop_dbs dst sfz
	flag=()
	[ "$mode" = on ] && flag=(--compress-protocol)
	capture "zload_$mode" sluice load "${DST[@]}" "${flag[@]}" -d "$T/zdir"
	assert_exit_zero "$RC" "load $mode (stderr: $(_t_show "$ERR"))"
	assert_eq "${mode^^}" "$(sql dst "SELECT v FROM sfz.c")" "Compression of the loader's session ($mode)"
done
drop_dbs dst sfz
t_pass

# --- --server-net-buffer -------------------------------------------------------

# The lengths of the data connections' SET statements as the server got
# them, from its general log (kept in a table meanwhile).
set_lengths() {
	sql src "SELECT GROUP_CONCAT(DISTINCT LENGTH(argument) ORDER BY 1) FROM mysql.general_log
	         WHERE command_type = 'Query' AND argument LIKE 'SET NAMES binary%'"
}
log_output=$(sql src "SELECT @@GLOBAL.log_output")
max_packet=$(sql src "SELECT @@GLOBAL.max_allowed_packet")
net_buffer=$(sql src "SELECT @@GLOBAL.net_buffer_length")
t_begin "--server-net-buffer: each data connection's SET is padded to the size, within max_allowed_packet"
sql src "SET GLOBAL log_output = 'TABLE', GLOBAL general_log = ON"
# OPTIONS  MAX_ALLOWED_PACKET  NET_BUFFER_LENGTH  expected lengths ("short":
# one, unpadded)
while read -r opts packet netbuf want; do
	what="$opts, max_allowed_packet $packet, net_buffer_length $netbuf"
	sql src "TRUNCATE TABLE mysql.general_log;
	         SET GLOBAL max_allowed_packet = $packet, GLOBAL net_buffer_length = $netbuf"
	read -ra extra <<<"$opts"
	[ "$opts" = - ] && extra=()
	capture netbuf sluice dump "${SRC[@]}" -T sfdb.t -t 2 "${extra[@]}"
	assert_exit_zero "$RC" "$what (stderr: $(_t_show "$ERR"))"
	assert_eq "sfdb.t	20000" "$(streamcheck "$OUT" 2>&1)" "trailer ($what)"
	got=$(set_lengths)
	if [ "$want" = short ]; then
		case $got in
		[1-9] | [1-9][0-9] | [1-9][0-9][0-9]) ;; # one length, under 1000 bytes
		*) t_fail "SET lengths '$got' ($what): want one under 1000" ;;
		esac
	else
		assert_eq "$want" "$got" "SET lengths ($what)"
	fi
done <<CASES
- $max_packet $net_buffer 262144
--server-net-buffer=64K $max_packet $net_buffer 65536
--server-net-buffer=0 $max_packet $net_buffer short
- 32768 $net_buffer 28672
- 16384 $net_buffer short
- 4096 $net_buffer short
- $max_packet 524288 short
--server-net-buffer=1100 $max_packet 1024 1100
CASES
sql src "SET GLOBAL general_log = OFF, GLOBAL log_output = '$log_output',
         GLOBAL max_allowed_packet = $max_packet, GLOBAL net_buffer_length = $net_buffer;
         TRUNCATE TABLE mysql.general_log"
capture netbuf_big sluice dump "${SRC[@]}" -T sfdb.t --server-net-buffer 65M
assert_exit "$RC" 2
assert_one_line "$ERR" "sluice: "
assert_contains "$ERR" "--server-net-buffer" "stderr"
t_pass

# --- --long-query-guard --------------------------------------------------------

# A SELECT SLEEP(30) on src as root; SLEEPER is the client's pid.  Waits
# until it has run for 2 s.
start_sleeper() {
	server_client src -N -e "SELECT SLEEP(30)" >"$T/sleeper.out" 2>&1 &
	SLEEPER=$!
	bg_track "$SLEEPER"
	local i
	for ((i = 0; i < 100; i++)); do
		[ "$(sql src "SELECT COUNT(*) FROM information_schema.PROCESSLIST
		              WHERE INFO = 'SELECT SLEEP(30)' AND TIME >= 2")" = 1 ] && return 0
		sleep 0.1
	done
	return 1
}
sleeper_running() {
	sql src "SELECT COUNT(*) FROM information_schema.PROCESSLIST
	         WHERE INFO = 'SELECT SLEEP(30)' AND COMMAND = 'Query'"
}

t_begin "--long-query-guard: a query running longer fails the dump before the lock, naming it"
start_sleeper || t_fail "SELECT SLEEP(30) did not start"
capture guard sluice dump "${SRC[@]}" -B sfdb -t 2 --lock-mode ftwrl --long-query-guard 1
assert_exit "$RC" 1
assert_one_line "$ERR" "sluice: error: "
assert_contains "$ERR" "SELECT SLEEP(30)" "stderr"
assert_contains "$ERR" "--long-query-guard 1" "stderr"
assert_eq 1 "$(sleeper_running)" "the long query (left alone)"
capture guard_ok sluice dump "${SRC[@]}" -B sfdb -t 2 --long-query-guard 25
assert_exit_zero "$RC" "with a guard above its age (stderr: $(_t_show "$ERR"))"
assert_eq 1 "$(sleeper_running)" "the long query (still running)"
t_pass

t_begin "--kill-long-queries: the query is killed and the dump goes on"
capture guard_kill sluice dump "${SRC[@]}" -B sfdb -t 2 --long-query-guard 1 --kill-long-queries
assert_exit_zero "$RC" "exit code (stderr: $(_t_show "$ERR"))"
check=$(streamcheck -q "$OUT" 2>&1)
assert_exit_zero $? "streamcheck: $check"
assert_contains "$ERR" "killed query" "stderr"
wait_bounded "$SLEEPER" 5
assert_ne 124 "$?" "the killed query's client: still running 5 s later"
assert_eq 0 "$(sleeper_running)" "SELECT SLEEP(30) in the processlist"
t_pass

drop_dbs src sfdb sfrate
t_done
