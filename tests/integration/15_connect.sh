#!/usr/bin/env bash
# 15_connect.sh - connection options as the mysql client has them: -h -P -u
# -pPW, long forms, -S, MYSQL_PWD, --defaults-file / --defaults-extra-file
# ([client] and [sluice] groups), -p prompting on the terminal, and TLS
# (--ssl-mode, --ssl-ca, --ssl-cert, --ssl-key) against the test server's
# certificates (tests/lib/server.sh makes them with openssl).
#
# Assumptions: options given on the command line override option files (as
# in the mysql client); the [sluice] group is read after [client]; `-p`
# alone reads the password from the terminal
# (/dev/tty) and, without a terminal, fails instead of waiting; --ssl-mode
# values behave as in MySQL: disabled = no TLS, preferred = TLS when the
# server offers it (not over the unix socket), required = TLS without verification, verify-ca = check
# the chain against --ssl-ca, verify-identity = also the host name/IP.
# shellcheck source=tests/lib/common.sh
. "$(dirname "$0")/../lib/common.sh"
need_sluice
need_server src

PORT=$(server_port src)
SOCK=$(server_socket src)
setup_sql src "DROP DATABASE IF EXISTS conn_db; CREATE DATABASE conn_db;
               CREATE TABLE conn_db.t (id INT PRIMARY KEY, v VARCHAR(10));
               INSERT INTO conn_db.t VALUES (1, 'a'), (2, 'b');"

# A dump of conn_db that must work: exit 0, valid stream, 2 rows.
dump_ok() { # DESCRIPTION ARGS... (connection arguments)
	local what=$1
	shift
	t_begin "connects with $what"
	capture conn sluice dump "$@" -B conn_db
	assert_exit_zero "$RC" "exit code (stderr: $(_t_show "$ERR"))"
	assert_eq "conn_db.t	2" "$(streamcheck "$OUT" 2>&1)" "trailer of the stream"
	t_pass
}

# A dump that must fail with one error line.
dump_fails() { # DESCRIPTION ARGS...
	local what=$1
	shift
	t_begin "refused: $what"
	capture conn_fail sluice dump "$@" -B conn_db
	assert_exit_nonzero "$RC"
	assert_one_line "$ERR" "sluice: error: "
	t_pass
}

dump_ok "-h -P -u -pPW" -h 127.0.0.1 -P "$PORT" -u sluice -psluice-pw
dump_ok "--host= --port= --user= --password=" --host=127.0.0.1 --port="$PORT" --user=sluice --password=sluice-pw
dump_ok "--host H --port P --user U (separate values)" --host 127.0.0.1 --port "$PORT" --user sluice --password=sluice-pw
dump_ok "-S socket as root without password" -S "$SOCK" -u root
dump_ok "--socket=SOCKET as sluice" --socket="$SOCK" -u sluice -psluice-pw

t_begin "connects with MYSQL_PWD"
capture mysql_pwd env MYSQL_PWD=sluice-pw "$SLUICE" dump -h 127.0.0.1 -P "$PORT" -u sluice -B conn_db
assert_exit_zero "$RC" "exit code (stderr: $(_t_show "$ERR"))"
assert_eq "conn_db.t	2" "$(streamcheck "$OUT" 2>&1)" "trailer of the stream"
t_pass

cat >"$T/client.cnf" <<EOF
[client]
host=127.0.0.1
port=$PORT
user=sluice
password=sluice-pw
EOF
dump_ok "--defaults-file ([client] group)" --defaults-file="$T/client.cnf"

cat >"$T/base.cnf" <<EOF
[client]
host=127.0.0.1
port=$PORT
user=sluice
password=not-the-password
EOF
cat >"$T/extra.cnf" <<EOF
[client]
host=127.0.0.1
port=$PORT
user=sluice
password=not-the-password
[sluice]
password=sluice-pw
EOF
# (--defaults-extra-file also reads the system option files, as the mysql
# client does; the [client] values here override theirs.)
dump_ok "--defaults-extra-file ([sluice] group overrides [client])" --defaults-extra-file="$T/extra.cnf"
dump_ok "command line overriding the option file" --defaults-file="$T/base.cnf" -psluice-pw
dump_fails "wrong password from the option file" --defaults-file="$T/base.cnf"

t_begin "-p without a value prompts on the terminal"
if ! command -v script >/dev/null 2>&1; then
	t_fail "the 'script' tool (bsdutils) is needed to give sluice a terminal"
else
	# script(1) gives sluice a pty; the password is typed after a second,
	# once the prompt has turned echo off.
	cat >"$T/prompt.sh" <<EOF
exec "$SLUICE" dump -h 127.0.0.1 -P $PORT -u sluice -p -B conn_db >"$T/prompt.out" 2>"$T/prompt.err"
EOF
	{
		sleep 1.5
		printf 'sluice-pw\n'
		sleep 3
	} | timeout 30 script -q -e -c "bash $T/prompt.sh" /dev/null >"$T/prompt.tty" 2>&1
	RC=$?
	assert_exit_zero "$RC" "exit code (stderr: $(_t_show "$(cat "$T/prompt.err" 2>/dev/null)"))"
	assert_eq "conn_db.t	2" "$(streamcheck "$T/prompt.out" 2>&1)" "trailer of the stream"
	assert_not_contains "$(cat "$T/prompt.tty" "$T/prompt.err")" "sluice-pw" "terminal output (no echo)"
fi
t_pass

t_begin "-p without a terminal fails quickly instead of waiting"
start=$(now)
capture notty timeout 15 setsid "$SLUICE" dump -h 127.0.0.1 -P "$PORT" -u sluice -p -B conn_db
assert_exit_nonzero "$RC"
assert_le "$(since "$start")" 10 "seconds until exit"
t_pass

# --- TLS ---------------------------------------------------------------------

SSL=$SL_TEST_TMP/ssl
if [ "$(sql src "SELECT @@have_ssl")" != YES ] || [ ! -s "$SSL/ca.pem" ]; then
	t_begin "TLS test setup"
	t_fail "the test server has no TLS (have_ssl=$(sql src "SELECT @@have_ssl"); certificates in $SSL?)"
	t_done
fi
setup_sql src "DROP USER IF EXISTS 'sluice_tls'@'%', 'sluice_x509'@'%';
               CREATE USER 'sluice_tls'@'%' IDENTIFIED BY 'tls-pw' REQUIRE SSL;
               GRANT ALL PRIVILEGES ON *.* TO 'sluice_tls'@'%';
               CREATE USER 'sluice_x509'@'%' IDENTIFIED BY 'x509-pw' REQUIRE X509;
               GRANT ALL PRIVILEGES ON *.* TO 'sluice_x509'@'%';"
TLS=(-h 127.0.0.1 -P "$PORT" -u sluice_tls -ptls-pw)
X509=(-h 127.0.0.1 -P "$PORT" -u sluice_x509 -px509-pw)

dump_ok "--ssl-mode=required (user REQUIRE SSL)" "${TLS[@]}" --ssl-mode=required
dump_ok "--ssl-mode=preferred (user REQUIRE SSL)" "${TLS[@]}" --ssl-mode=preferred
dump_fails "--ssl-mode=disabled for a user that requires TLS" "${TLS[@]}" --ssl-mode=disabled
dump_ok "--ssl-mode=verify-ca --ssl-ca" "${TLS[@]}" --ssl-mode=verify-ca --ssl-ca="$SSL/ca.pem"
dump_fails "--ssl-mode=verify-ca with a CA that did not sign the server" \
	"${TLS[@]}" --ssl-mode=verify-ca --ssl-ca="$SSL/other-ca.pem"
dump_ok "--ssl-mode=verify-identity (certificate for 127.0.0.1)" \
	"${TLS[@]}" --ssl-mode=verify-identity --ssl-ca="$SSL/ca.pem"
dump_ok "--ssl-cert --ssl-key (user REQUIRE X509)" "${X509[@]}" --ssl-mode=verify-ca \
	--ssl-ca="$SSL/ca.pem" --ssl-cert="$SSL/client-cert.pem" --ssl-key="$SSL/client-key.pem"
dump_fails "no client certificate for a user that requires one" "${X509[@]}" --ssl-mode=required

# Handshakes the server has accepted so far (every TLS connection counts,
# the asking client's own too: MariaDB's client uses TLS on the socket).
ssl_accepts() { sql src "SELECT VARIABLE_VALUE FROM information_schema.GLOBAL_STATUS WHERE VARIABLE_NAME = 'SSL_ACCEPTS'"; }
tls_handshakes() { # ARGS... (connection arguments): handshakes during one dump
	local first before after
	first=$(ssl_accepts)
	before=$(ssl_accepts)
	"$SLUICE" dump "$@" -B conn_db >"$T/tls.out" 2>"$T/tls.err" || echo "dump failed: $(cat "$T/tls.err")" >&2
	after=$(ssl_accepts)
	echo $((after - before - (before - first)))
}
t_begin "default --ssl-mode (preferred) over the unix socket: no TLS, as MySQL's clients"
assert_eq 0 "$(tls_handshakes -S "$SOCK" -u root)" "TLS handshakes during a socket dump"
assert_eq "conn_db.t	2" "$(streamcheck "$T/tls.out" 2>&1)" "trailer of the stream"
t_pass
t_begin "--ssl-mode=required over the unix socket, and the default over TCP: TLS"
assert_le 1 "$(tls_handshakes -S "$SOCK" -u root --ssl-mode=required)" "handshakes, socket, required"
assert_le 1 "$(tls_handshakes -h 127.0.0.1 -P "$PORT" -u sluice -psluice-pw)" "handshakes, TCP, default"
t_pass

t_done
