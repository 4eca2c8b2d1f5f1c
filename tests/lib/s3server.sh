# shellcheck shell=bash
# s3server.sh - a throwaway S3-compatible store for sluice's tests and
# benchmarks (sourced): Ceph's radosgw on a one-node cluster on loopback,
# one monitor and one OSD on memstore (objects in the OSD's memory, 4 GiB
# at most), no authentication inside the cluster.  Starting it from
# nothing takes about 12 seconds (most of it radosgw creating its pools).
#
#   s3_start NAME PORT       create the cluster (monitor on PORT + 1) and
#                            start radosgw on 127.0.0.1:PORT; a user with
#                            a random secret; exports SL_S3_ENDPOINT and
#                            the AWS_* variables sluice reads
#   s3_stop NAME             stop radosgw, the OSD and the monitor
#   s3_gateway_stop NAME     stop radosgw only (the store goes away for
#                            clients; the data stay in the OSD)
#   s3_gateway_start NAME    start it again
#   s3_env NAME              export SL_S3_ENDPOINT, AWS_ACCESS_KEY_ID,
#                            AWS_SECRET_ACCESS_KEY, AWS_REGION (scripts
#                            started after s3_start call this)
#   s3_curl NAME CURL_ARGS.. curl signed with the user's keys (from a curl
#                            config file, never argv); URLs path style:
#                            "$SL_S3_ENDPOINT/BUCKET/KEY"
#
# Everything lives in "${SL_S3_HOME:-$SL_TEST_TMP}/NAME/" (ceph.conf, the daemons' logs
# and pids, 'credentials' in the AWS format, 'endpoint').  A cluster found
# running is reused; one found stopped is made anew (memstore keeps nothing
# across restarts of the OSD).  Functions return non-zero with a message on
# stderr instead of exiting.  Tunable: SL_S3_WAIT (seconds for startup, 120).

SL_S3_WAIT=${SL_S3_WAIT:-120}

# The daemons are started with fd 9 closed: need_s3 (common.sh) holds the
# store's lock on it, and a gateway restarted by a script must not keep it.
_s3_dir() { echo "${SL_S3_HOME:-$SL_TEST_TMP}/$1"; }

_s3_pid_alive() { # FILE
	local pid
	[ -r "$1" ] && pid=$(cat "$1" 2>/dev/null) && [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null
}

# Stop the daemon whose pid is in FILE: TERM, then KILL after 15 s.
_s3_kill_pidfile() { # FILE
	local pid i
	[ -r "$1" ] || return 0
	pid=$(cat "$1" 2>/dev/null)
	rm -f "$1"
	[ -n "$pid" ] && kill -0 "$pid" 2>/dev/null || return 0
	kill -TERM "$pid" 2>/dev/null
	for ((i = 0; i < 150; i++)); do
		kill -0 "$pid" 2>/dev/null || return 0
		sleep 0.1
	done
	kill -KILL "$pid" 2>/dev/null
	for ((i = 0; i < 50; i++)); do
		kill -0 "$pid" 2>/dev/null || return 0
		sleep 0.1
	done
}

s3_env() { # NAME
	local d
	d=$(_s3_dir "$1")
	[ -r "$d/endpoint" ] && [ -r "$d/keys" ] || {
		echo "s3server.sh: no store '$1' in ${SL_S3_HOME:-$SL_TEST_TMP}" >&2
		return 1
	}
	SL_S3_ENDPOINT=$(cat "$d/endpoint")
	AWS_ACCESS_KEY_ID=$(sed -n 1p "$d/keys")
	AWS_SECRET_ACCESS_KEY=$(sed -n 2p "$d/keys")
	AWS_REGION=us-east-1
	export SL_S3_ENDPOINT AWS_ACCESS_KEY_ID AWS_SECRET_ACCESS_KEY AWS_REGION
}

s3_curl() { # NAME CURL_ARGS...
	local d
	d=$(_s3_dir "$1")
	shift
	curl -q --config "$d/curlrc" -sS "$@"
}

_s3_gateway_up() { # NAME
	local d
	d=$(_s3_dir "$1")
	_s3_pid_alive "$d/radosgw.pid" &&
		curl -q -s -o /dev/null -m 2 "$(cat "$d/endpoint" 2>/dev/null)/" 2>/dev/null
}

# A command to the monitor, tried again a few times: a monitor that has
# just started can refuse the first one ("EPERM: problem getting command
# descriptions from mon", the client's map not yet matching its fsid).
# Both commands used are idempotent.
_s3_ceph() { # DIR ARGS...
	local d=$1 i
	shift
	for ((i = 0; i < 5; i++)); do
		timeout 60 ceph -c "$d/ceph.conf" --connect-timeout 30 "$@" && return 0
		sleep 1
	done
	return 1
}

s3_gateway_start() { # NAME
	local d i
	d=$(_s3_dir "$1")
	_s3_gateway_up "$1" && return 0
	setsid radosgw -c "$d/ceph.conf" -n client.rgw -f </dev/null >>"$d/radosgw.out" 2>&1 9>&- &
	echo $! >"$d/radosgw.pid"
	for ((i = 0; i < SL_S3_WAIT * 5; i++)); do
		_s3_gateway_up "$1" && return 0
		if ! _s3_pid_alive "$d/radosgw.pid"; then
			echo "s3server.sh: radosgw '$1' exited during startup; last lines of its log:" >&2
			tail -n 20 "$d/client.rgw.log" >&2 2>/dev/null
			return 1
		fi
		sleep 0.2
	done
	echo "s3server.sh: radosgw '$1' did not answer within ${SL_S3_WAIT}s" >&2
	return 1
}

s3_gateway_stop() { # NAME
	_s3_kill_pidfile "$(_s3_dir "$1")/radosgw.pid"
}

s3_stop() { # NAME
	local d
	[ -n "${SL_TEST_TMP:-}" ] || return 0
	d=$(_s3_dir "$1")
	[ -d "$d" ] || return 0
	_s3_kill_pidfile "$d/radosgw.pid"
	_s3_kill_pidfile "$d/osd.pid"
	_s3_kill_pidfile "$d/mon.pid"
	return 0
}

s3_start() { # NAME PORT
	local name=$1 port=$2 d mon fsid osd_uuid i secret
	if [ -z "${SL_TEST_TMP:-}" ] || [ -z "$port" ]; then
		echo "usage: SL_TEST_TMP=DIR s3_start NAME PORT" >&2
		return 2
	fi
	d=$(_s3_dir "$name")
	mon=$((port + 1))
	if _s3_gateway_up "$name" && [ "$(cat "$d/endpoint")" = "http://127.0.0.1:$port" ]; then
		s3_env "$name"
		return 0
	fi
	for c in ceph-mon ceph-osd radosgw radosgw-admin monmaptool ceph-authtool ceph; do
		command -v "$c" >/dev/null 2>&1 || {
			echo "s3server.sh: $c not found (apt-get install ceph-mon ceph-osd radosgw)" >&2
			return 1
		}
	done
	s3_stop "$name"
	rm -rf "$d"
	mkdir -p "$d/mon" "$d/osd" "$d/rgw" "$d/run" || return 1
	fsid=$(cat /proc/sys/kernel/random/uuid)
	osd_uuid=$(cat /proc/sys/kernel/random/uuid)
	cat >"$d/ceph.conf" <<EOF
[global]
fsid = $fsid
mon host = v1:127.0.0.1:$mon
public addr = 127.0.0.1
ms bind ipv6 = false
auth cluster required = none
auth service required = none
auth client required = none
auth allow insecure global id reclaim = true
mon allow pool size one = true
mon warn on pool no redundancy = false
mon max pg per osd = 1000
mon data avail warn = 1
mon data avail crit = 0
osd pool default size = 1
osd pool default min size = 1
osd pool default pg num = 8
osd pool default pgp num = 8
osd crush chooseleaf type = 0
run dir = $d/run
admin socket = $d/run/\$name.asok
log file = $d/\$name.log
keyring = $d/keyring
[mon.a]
mon data = $d/mon
[osd.0]
osd data = $d/osd
osd objectstore = memstore
memstore device bytes = 4294967296
osd max object name len = 460
osd max object namespace len = 64
osd crush update on start = false
osd class update on start = false
[client.rgw]
rgw frontends = beast endpoint=127.0.0.1:$port
rgw data = $d/rgw
rgw thread pool size = 64
rgw enable usage log = false
EOF
	{
		ceph-authtool --create-keyring "$d/keyring" --gen-key -n mon. --cap mon 'allow *' &&
			monmaptool --create --add a "v1:127.0.0.1:$mon" --fsid "$fsid" "$d/monmap" &&
			ceph-mon -c "$d/ceph.conf" --mkfs -i a --monmap "$d/monmap" --keyring "$d/keyring"
	} >"$d/setup.log" 2>&1 || {
		echo "s3server.sh: creating the monitor failed; see $d/setup.log" >&2
		return 1
	}
	setsid ceph-mon -c "$d/ceph.conf" -i a -f </dev/null >>"$d/mon.out" 2>&1 9>&- &
	echo $! >"$d/mon.pid"
	# The OSD goes into the CRUSH map here, not by itself at start: its own
	# commands then can race the monitor map it has not received yet and
	# fail ('wrong fsid'), which ends the OSD.
	{
		_s3_ceph "$d" osd create "$osd_uuid" &&
			_s3_ceph "$d" osd crush add osd.0 1.0 root=default &&
			ceph-osd -c "$d/ceph.conf" -i 0 --mkfs --osd-uuid "$osd_uuid"
	} >>"$d/setup.log" 2>&1 || {
		echo "s3server.sh: creating the OSD failed; see $d/setup.log" >&2
		s3_stop "$name"
		return 1
	}
	for ((i = 0; i < SL_S3_WAIT * 5; i++)); do
		if ! _s3_pid_alive "$d/osd.pid"; then
			setsid ceph-osd -c "$d/ceph.conf" -i 0 -f </dev/null >>"$d/osd.out" 2>&1 9>&- &
			echo $! >"$d/osd.pid"
		fi
		timeout 10 ceph -c "$d/ceph.conf" osd stat 2>/dev/null | grep -q ' 1 up' && break
		sleep 0.2
	done
	if ! timeout 10 ceph -c "$d/ceph.conf" osd stat 2>/dev/null | grep -q ' 1 up'; then
		echo "s3server.sh: the OSD of '$name' did not come up; last lines of its log:" >&2
		tail -n 20 "$d/osd.0.log" >&2 2>/dev/null
		s3_stop "$name"
		return 1
	fi
	echo "http://127.0.0.1:$port" >"$d/endpoint"
	s3_gateway_start "$name" || {
		s3_stop "$name"
		return 1
	}
	secret=$(head -c 24 /dev/urandom | od -An -tx1 | tr -d ' \n')
	printf '%s\n%s\n' "sluice-test-$port" "$secret" >"$d/keys"
	chmod 600 "$d/keys"
	if ! radosgw-admin -c "$d/ceph.conf" user create --uid=sluice --display-name=sluice \
		--access-key="sluice-test-$port" --secret-key="$secret" >>"$d/setup.log" 2>&1; then
		echo "s3server.sh: creating the S3 user failed; see $d/setup.log" >&2
		s3_stop "$name"
		return 1
	fi
	printf '[default]\naws_access_key_id = %s\naws_secret_access_key = %s\n' \
		"sluice-test-$port" "$secret" >"$d/credentials"
	printf 'user = "%s:%s"\naws-sigv4 = "aws:amz:us-east-1:s3"\nheader = "x-amz-content-sha256: UNSIGNED-PAYLOAD"\n' \
		"sluice-test-$port" "$secret" >"$d/curlrc"
	chmod 600 "$d/credentials" "$d/curlrc"
	s3_env "$name"
	_s3_warm_up "$name"
}

# radosgw creates its data pools on first use, which takes seconds: write
# an object and a part of a multipart upload once, so that the first test
# or benchmark does not pay for it.
_s3_warm_up() { # NAME
	local url=$SL_S3_ENDPOINT/sluice-warm-up id
	s3_curl "$1" -o /dev/null -X PUT "$url" &&
		s3_curl "$1" -o /dev/null -X PUT --data-binary warm "$url/x" &&
		id=$(s3_curl "$1" -X POST "$url/x?uploads=" | sed -n 's/.*<UploadId>\([^<]*\)<.*/\1/p') &&
		[ -n "$id" ] &&
		s3_curl "$1" -o /dev/null -X PUT --data-binary part "$url/x?partNumber=1&uploadId=$id" &&
		s3_curl "$1" -o /dev/null -X DELETE "$url/x?uploadId=$id" &&
		s3_curl "$1" -o /dev/null -X DELETE "$url/x" &&
		s3_curl "$1" -o /dev/null -X DELETE "$url" || {
		echo "s3server.sh: warming up '$1' failed" >&2
		return 1
	}
}
