# shellcheck shell=bash
# server.sh - throwaway MariaDB servers for sluice's tests and demo (sourced).
#
# Every server lives under "$SL_TEST_TMP": datadir and logs in
# "$SL_TEST_TMP/NAME/", socket at "$SL_TEST_TMP/NAME.sock".  Root logs in
# through the socket without a password; the user 'sluice' (password
# 'sluice-pw', ALL PRIVILEGES, @'%' and @'localhost') is what tests hand to
# sluice over TCP on 127.0.0.1.
#
#   server_start NAME PORT [MARIADBD_OPTION...]   install (once) and start
#   server_stop NAME                              shutdown, then SIGKILL
#   server_kill NAME                              kill -9 (crash)
#   server_socket NAME / server_port NAME / server_pid NAME / server_log NAME
#   server_running NAME                           0 if it answers
#
# server_start exports SL_SOCK_<NAME> and SL_PORT_<NAME> (NAME as given, so
# SL_SOCK_src), and writes the port to "$SL_TEST_TMP/NAME/port" so scripts
# started later find it too.  An existing datadir is reused (restart after a
# crash); certificates for TLS tests are made once in "$SL_TEST_TMP/ssl" when
# openssl is available.  All functions return non-zero with a message on
# stderr instead of exiting.  Tunables: SL_SERVER_WAIT (seconds to wait for
# startup, default 90), SL_MARIADBD, SL_INSTALL_DB.

SL_MARIADBD=${SL_MARIADBD:-$(command -v mariadbd 2>/dev/null || echo /usr/sbin/mariadbd)}
SL_INSTALL_DB=${SL_INSTALL_DB:-mariadb-install-db}
SL_SERVER_WAIT=${SL_SERVER_WAIT:-90}
SL_USER=sluice
SL_PASSWORD=sluice-pw

_server_need_tmp() {
	if [ -z "${SL_TEST_TMP:-}" ]; then
		echo "server.sh: SL_TEST_TMP is not set" >&2
		return 1
	fi
	mkdir -p "$SL_TEST_TMP"
}

server_dir() { echo "$SL_TEST_TMP/$1"; }
server_socket() { echo "$SL_TEST_TMP/$1.sock"; }
server_log() { echo "$SL_TEST_TMP/$1/error.log"; }

server_port() {
	local f="$SL_TEST_TMP/$1/port"
	if [ -r "$f" ]; then cat "$f"; else
		echo "server.sh: no port recorded for server '$1'" >&2
		return 1
	fi
}

server_pid() {
	local f="$SL_TEST_TMP/$1/mariadbd.pid" pid=""
	[ -r "$f" ] && pid=$(cat "$f" 2>/dev/null)
	if [ -z "$pid" ] && [ -r "$SL_TEST_TMP/$1/launcher.pid" ]; then
		pid=$(cat "$SL_TEST_TMP/$1/launcher.pid" 2>/dev/null)
	fi
	[ -n "$pid" ] || return 1
	echo "$pid"
}

# The client as root over the socket; extra arguments are passed on.
server_client() {
	local name=$1
	shift
	mariadb --no-defaults -uroot -S "$(server_socket "$name")" "$@"
}

server_running() {
	timeout 10 mariadb-admin --no-defaults -uroot -S "$(server_socket "$1")" \
		--connect-timeout=2 ping >/dev/null 2>&1
}

# Make a CA, a server certificate (CN localhost, SAN 127.0.0.1), a client
# certificate and an unrelated second CA, once.  No-op without openssl.
server_ssl_setup() {
	local d="$SL_TEST_TMP/ssl"
	[ -s "$d/server-key.pem" ] && return 0
	command -v openssl >/dev/null 2>&1 || return 1
	mkdir -p "$d"
	(
		cd "$d" || exit 1
		printf 'subjectAltName=DNS:localhost,IP:127.0.0.1\n' >san.ext
		openssl req -x509 -newkey rsa:2048 -nodes -days 30 -subj "/CN=sluice test CA" \
			-keyout ca-key.pem -out ca.pem &&
			openssl req -newkey rsa:2048 -nodes -subj "/CN=localhost" \
				-keyout server-key.pem -out server.csr &&
			openssl x509 -req -in server.csr -CA ca.pem -CAkey ca-key.pem -CAcreateserial \
				-days 30 -extfile san.ext -out server-cert.pem &&
			openssl req -newkey rsa:2048 -nodes -subj "/CN=sluice test client" \
				-keyout client-key.pem -out client.csr &&
			openssl x509 -req -in client.csr -CA ca.pem -CAkey ca-key.pem -CAcreateserial \
				-days 30 -out client-cert.pem &&
			openssl req -x509 -newkey rsa:2048 -nodes -days 30 -subj "/CN=some other CA" \
				-keyout other-ca-key.pem -out other-ca.pem
	) >"$d/openssl.log" 2>&1 || {
		echo "server.sh: could not create test certificates (see $d/openssl.log)" >&2
		rm -f "$d/server-key.pem"
		return 1
	}
}

server_start() {
	local name=$1 port=$2
	shift 2 || {
		echo "usage: server_start NAME PORT [MARIADBD_OPTION...]" >&2
		return 2
	}
	_server_need_tmp || return 1
	local dir data log sock i pid
	dir=$(server_dir "$name")
	data=$dir/data
	log=$dir/error.log
	sock=$(server_socket "$name")
	mkdir -p "$dir"
	echo "$port" >"$dir/port"
	export "SL_SOCK_$name=$sock" "SL_PORT_$name=$port"

	if server_running "$name"; then
		return 0
	fi
	if [ ! -x "$SL_MARIADBD" ]; then
		echo "server.sh: mariadbd not found (install mariadb-server)" >&2
		return 1
	fi

	local fresh=0 user_opt=()
	[ "$(id -u)" = 0 ] && user_opt=(--user=root)
	if [ ! -d "$data/mysql" ]; then
		fresh=1
		rm -rf "$data"
		if ! "$SL_INSTALL_DB" --no-defaults --auth-root-authentication-method=normal \
			--skip-test-db --skip-name-resolve "${user_opt[@]}" --datadir="$data" \
			>"$dir/install.log" 2>&1 </dev/null; then
			echo "server.sh: mariadb-install-db failed for '$name'; last lines of $dir/install.log:" >&2
			tail -n 20 "$dir/install.log" >&2
			return 1
		fi
	fi

	local ssl_opts=()
	if server_ssl_setup 2>>"$dir/ssl.log"; then
		ssl_opts=(--ssl-ca="$SL_TEST_TMP/ssl/ca.pem" --ssl-cert="$SL_TEST_TMP/ssl/server-cert.pem"
			--ssl-key="$SL_TEST_TMP/ssl/server-key.pem")
	fi

	rm -f "$dir/mariadbd.pid"
	# setsid: a Ctrl-C in the terminal goes to the tests, not to the server;
	# the tests stop it in order.  Speed over durability: it is throwaway.
	setsid "$SL_MARIADBD" --no-defaults "${user_opt[@]}" --datadir="$data" \
		--socket="$sock" --port="$port" --bind-address=127.0.0.1 \
		--pid-file="$dir/mariadbd.pid" --log-error="$log" \
		--log-bin=binlog --server-id=1 --log-bin-trust-function-creators=1 \
		--innodb-buffer-pool-size=256M --innodb-log-file-size=256M \
		--max-allowed-packet=64M --skip-name-resolve \
		--innodb-flush-log-at-trx-commit=0 --innodb-doublewrite=0 --sync-binlog=0 \
		--innodb-flush-method=nosync \
		--skip-innodb-adaptive-hash-index --skip-host-cache \
		--performance-schema=OFF --log-warnings=1 --max-connections=300 \
		--character-set-server=utf8mb4 --collation-server=utf8mb4_general_ci \
		"${ssl_opts[@]}" "$@" \
		</dev/null >>"$dir/mariadbd.out" 2>&1 &
	echo $! >"$dir/launcher.pid"

	for ((i = 0; i < SL_SERVER_WAIT * 5; i++)); do
		if server_running "$name"; then
			break
		fi
		pid=$(cat "$dir/launcher.pid")
		if ! kill -0 "$pid" 2>/dev/null; then
			pid=""
			[ -r "$dir/mariadbd.pid" ] && pid=$(cat "$dir/mariadbd.pid")
			if [ -z "$pid" ] || ! kill -0 "$pid" 2>/dev/null; then
				echo "server.sh: mariadbd '$name' (port $port) exited during startup; last lines of $log:" >&2
				tail -n 25 "$log" "$dir/mariadbd.out" >&2 2>/dev/null
				return 1
			fi
		fi
		sleep 0.2
	done
	if ! server_running "$name"; then
		echo "server.sh: mariadbd '$name' (port $port) did not answer within ${SL_SERVER_WAIT}s; last lines of $log:" >&2
		tail -n 25 "$log" >&2 2>/dev/null
		server_kill "$name" 2>/dev/null
		return 1
	fi

	if [ "$fresh" = 1 ]; then
		if ! server_client "$name" >"$dir/users.log" 2>&1 <<EOF; then
CREATE USER '$SL_USER'@'%' IDENTIFIED BY '$SL_PASSWORD';
CREATE USER '$SL_USER'@'localhost' IDENTIFIED BY '$SL_PASSWORD';
GRANT ALL PRIVILEGES ON *.* TO '$SL_USER'@'%' WITH GRANT OPTION;
GRANT ALL PRIVILEGES ON *.* TO '$SL_USER'@'localhost' WITH GRANT OPTION;
FLUSH PRIVILEGES;
EOF
			echo "server.sh: creating user $SL_USER on '$name' failed:" >&2
			cat "$dir/users.log" >&2
			return 1
		fi
	fi
	return 0
}

# Wait up to $2 seconds (default 30) for process $1 to go away.
_server_wait_gone() {
	local pid=$1 limit=${2:-30} i
	for ((i = 0; i < limit * 10; i++)); do
		kill -0 "$pid" 2>/dev/null || return 0
		sleep 0.1
	done
	! kill -0 "$pid" 2>/dev/null
}

server_stop() {
	local name=$1 pid
	[ -n "${SL_TEST_TMP:-}" ] && [ -d "$SL_TEST_TMP/$name" ] || return 0
	pid=$(server_pid "$name") || pid=""
	if [ -n "$pid" ] && ! kill -0 "$pid" 2>/dev/null; then
		pid=""
	fi
	timeout 30 mariadb-admin --no-defaults -uroot -S "$(server_socket "$name")" \
		--connect-timeout=2 shutdown >/dev/null 2>&1
	if [ -n "$pid" ] && ! _server_wait_gone "$pid" 30; then
		echo "server.sh: '$name' did not shut down within 30s; killing it" >&2
		kill -9 "$pid" 2>/dev/null
		_server_wait_gone "$pid" 10
	fi
	rm -f "$SL_TEST_TMP/$name/mariadbd.pid" "$SL_TEST_TMP/$name/launcher.pid"
	return 0
}

server_kill() {
	local name=$1 pid
	pid=$(server_pid "$name") || {
		echo "server.sh: no pid for server '$name'" >&2
		return 1
	}
	kill -9 "$pid" 2>/dev/null
	_server_wait_gone "$pid" 10
	rm -f "$SL_TEST_TMP/$name/mariadbd.pid" "$SL_TEST_TMP/$name/launcher.pid"
	return 0
}
