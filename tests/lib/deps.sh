# shellcheck shell=bash
# deps.sh - the Debian packages sluice's build, tests, benchmark and demo
# need, and a function that installs the missing ones (sourced by tests/run
# and examples/demo).
#
#   sl_deps_ensure LOGFILE [tests]
#                            0 when everything is there (or was installed);
#                            1 when apt-get failed.  With 'tests' also the
#                            packages only the tests need (the S3 store).
#                            As non-root, or on a system without dpkg, it
#                            only names what is missing and returns 0 (the
#                            build will say more).

SL_DEB_PACKAGES="build-essential autoconf automake libtool pkg-config
liblua5.4-dev libmariadb-dev libarchive-dev libpcre2-dev libmicrohttpd-dev libjson-c-dev libxxhash-dev
libcurl4-openssl-dev libxml2-dev libssl-dev libzstd-dev
mariadb-server mariadb-client mydumper sysbench clang-format clang libclang-rt-dev zstd curl socat procps iproute2
python3 openssl man-db"
# Ceph's radosgw on a one-node cluster: the S3 store of the tests
# (tests/lib/s3server.sh) and of tests/bench/objectstore.
SL_DEB_TEST_PACKAGES="ceph-mon ceph-osd radosgw"

# Packages of SL_DEB_PACKAGES (and SL_DEB_TEST_PACKAGES with 'tests') that
# dpkg does not know as installed.
sl_deps_missing() { # [tests]
	local p list=$SL_DEB_PACKAGES
	[ "${1:-}" = tests ] && list="$list $SL_DEB_TEST_PACKAGES"
	for p in $list; do
		case $(dpkg-query -W -f='${db:Status-Abbrev}' "$p" 2>/dev/null) in
		ii*) ;;
		*) echo "$p" ;;
		esac
	done
}

sl_deps_ensure() {
	local log=${1:-/dev/null} missing
	if ! command -v dpkg-query >/dev/null 2>&1; then
		# shellcheck disable=SC2086
		echo "deps: not a Debian system; make sure the equivalents of these are installed:" $SL_DEB_PACKAGES
		return 0
	fi
	missing=$(sl_deps_missing "${2:-}" | tr '\n' ' ')
	missing=${missing% }
	[ -z "$missing" ] && return 0
	if [ "$(id -u)" != 0 ]; then
		echo "deps: missing packages (run as root to install them): $missing"
		return 0
	fi
	echo "deps: installing $missing (log: $log)"
	export DEBIAN_FRONTEND=noninteractive
	# shellcheck disable=SC2086
	if ! { apt-get update -q && apt-get install -y -q --no-install-recommends \
		-o Dpkg::Options::=--force-confdef -o Dpkg::Options::=--force-confold $missing; } \
		>>"$log" 2>&1 </dev/null; then
		echo "deps: apt-get failed; last lines of $log:"
		tail -n 20 "$log" | sed 's/^/    /'
		return 1
	fi
	return 0
}
