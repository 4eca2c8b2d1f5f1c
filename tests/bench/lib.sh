# shellcheck shell=bash
# lib.sh - what the benchmarks in tests/bench share (sourced by
# tests/bench/dump and tests/bench/load): logging, dependencies, the build,
# the sysbench-like data set, CPU accounting, waiting for a quiet machine,
# and the arithmetic of the report.  The caller sets ROOT (the source tree)
# and BENCH_NAME (its name, for messages) before sourcing it; it sources
# tests/lib/server.sh for the throwaway servers.
#
#   log MSG / die MSG                 progress and fatal errors on stderr
#   bench_check_positive VAR...       each must be a positive integer (exit 2)
#   bench_deps CMD...                 install the Debian packages of missing CMDs (as root)
#   bench_build WHAT TARGET...        make TARGETs in build/ (configure first if needed);
#                                     sets BUILD_NOTE when make failed but binaries exist
#   bench_setup_tmp                   SL_TEST_TMP from BENCH_DIR (KEEP=1) or mktemp (KEEP=0)
#   free_port                         a TCP port nobody listens on
#   bench_pool DIVISOR                MemAvailable / DIVISOR, clamped to 256M..4G ("NNNM")
#   bench_gen_table SERVER DB T ROWS  one sysbench-like table (kept when already there)
#   bench_gen_tables SERVER DB N ROWS sbtest1..N, as many at a time as there are cores
#   cpu_ticks PID / all_ticks         CPU clock ticks of a process / of the machine
#   wait_quiet PID...                 wait (BENCH_QUIET_WAIT s at most) until the
#                                     machine, the PIDs excluded, is idle
#   flush_dirty SERVER                write every dirty InnoDB page of SERVER now (at most
#                                     60 s), so that a run does not pay for the last one's
#   median_run FILE / max_rss_mib FILE / verdict VALUE LIMIT
#   spread FILE                       "min-max" of the first column (wall times)
#   report LINE                       to stdout and to $REPORT
#
# Two-box mode.  The deployments this models are two machines: the source
# server with what runs next to it (dump, serve) on one, the target server
# with what runs next to it (load, myloader, an HTTP client) on the other.
# BENCH_MODES (default "shared twobox") lists the modes a benchmark measures
# each figure in:
#   shared   every process on any core, as the kernel schedules them (one
#            busy machine)
#   twobox   box A = core 0: the source server and dump/serve; box B = core
#            1: the target server, load, myloader and the HTTP client; each
#            pinned with all its threads (taskset -a), so the two "machines"
#            do not take CPU from each other
#   remote   (tests/bench/dump) the source server alone on box A, the tool
#            on box B: a dump taken from another machine, as from a backup
#            host, so the tool's CPU is not the server's
#   box_server NAME PID A|B           a server and the box it lives on
#   bench_mode MODE                   pin (twobox) or unpin (shared) the servers
#   on_box A|B|- CMD...               run CMD (a program) on that box's core in
#                                     twobox mode ("-": where it falls)
#   box_restore                       every server's affinity as it was (EXIT)
#   mode_note MODE                    one line that says what MODE is

# shellcheck source=tests/lib/server.sh
. "$ROOT/tests/lib/server.sh"

log() { printf '[bench %s] %s\n' "$(date +%T)" "$*" >&2; }
die() {
	log "error: $*"
	exit 1
}

bench_check_positive() { # VAR...
	local v
	for v in "$@"; do
		case ${!v} in '' | *[!0-9]* | 0)
			echo "$BENCH_NAME: $v must be a positive integer (got '${!v}')" >&2
			exit 2
			;;
		esac
	done
}

# --- dependencies ----------------------------------------------------------

if [ -r "$ROOT/tests/lib/deps.sh" ]; then
	# shellcheck source=/dev/null
	. "$ROOT/tests/lib/deps.sh"
fi

# command -> Debian package
declare -A BENCH_PKG=(
	[mariadbd]=mariadb-server [mariadb]=mariadb-client [mariadb-dump]=mariadb-client
	[mariadb-install-db]=mariadb-server [mydumper]=mydumper [myloader]=mydumper [make]=make
	[cc]=gcc [autoreconf]=autoconf [automake]=automake [pkg-config]=pkg-config
)

# Install (as root, with apt-get) the packages of the commands that are
# missing, plus /usr/bin/time; then insist on /usr/bin/time and the client.
bench_deps() { # CMD...
	local c need_install=()
	for c in "$@"; do
		[ "$c" = mariadbd ] && [ -x /usr/sbin/mariadbd ] && continue
		if ! command -v "$c" >/dev/null 2>&1; then
			need_install+=("${BENCH_PKG[$c]}")
		fi
	done
	[ -x /usr/bin/time ] || need_install+=(time)
	if [ ${#need_install[@]} -gt 0 ]; then
		if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
			mapfile -t need_install < <(printf '%s\n' "${need_install[@]}" libmariadb-dev \
				liblua5.4-dev libarchive-dev libpcre2-dev | sort -u)
			log "installing ${need_install[*]}"
			DEBIAN_FRONTEND=noninteractive apt-get install -y -q "${need_install[@]}" >&2 ||
				{ apt-get update -q >&2 &&
					DEBIAN_FRONTEND=noninteractive apt-get install -y -q "${need_install[@]}" >&2; } ||
				die "apt-get install ${need_install[*]} failed"
		else
			log "missing packages: ${need_install[*]} (run as root to install them)"
		fi
	fi
	[ -x /usr/bin/time ] || die "/usr/bin/time is needed (apt-get install time)"
	command -v mariadb >/dev/null 2>&1 || die "the mariadb client is needed (mariadb-client)"
}

# --- build -----------------------------------------------------------------

BUILD_NOTE=""
bench_build() { # WHAT TARGET...
	local what=$1 t
	shift
	if [ ! -f "$ROOT/build/Makefile" ]; then
		log "configuring build/"
		(cd "$ROOT" && autoreconf -fi && mkdir -p build && cd build && ../configure) >&2 ||
			die "configure failed"
	fi
	log "building $what"
	if ! make -C "$ROOT/build" -j"$(nproc)" "$@" >&2; then
		for t in "$@"; do
			[ -x "$ROOT/build/$t" ] || die "build failed"
		done
		BUILD_NOTE="WARNING: make failed; using the binaries already in build/"
		log "$BUILD_NOTE"
	fi
}

# --- servers -------------------------------------------------------------------

bench_setup_tmp() {
	if [ -n "${BENCH_DIR:-}" ]; then
		mkdir -p "$BENCH_DIR" || die "cannot create $BENCH_DIR"
		SL_TEST_TMP=$(cd "$BENCH_DIR" && pwd)
		# shellcheck disable=SC2034 # used by the scripts that source this file
		KEEP=1
	else
		SL_TEST_TMP=$(mktemp -d "/tmp/sluice-bench.XXXXXX") || die "mktemp failed"
		# shellcheck disable=SC2034 # used by the scripts that source this file
		KEEP=0
	fi
	export SL_TEST_TMP
}

free_port() {
	local p i
	for ((i = 0; i < 200; i++)); do
		p=$((30000 + RANDOM % 20000))
		if ! (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null; then
			echo "$p"
			return 0
		fi
	done
	return 1
}

bench_pool() { # DIVISOR
	local avail_mib pool
	avail_mib=$(awk '/^MemAvailable:/ { print int($2 / 1024) }' /proc/meminfo)
	pool=$((avail_mib / $1))
	((pool > 4096)) && pool=4096
	((pool < 256)) && pool=256
	echo "${pool}M"
}

# --- data ----------------------------------------------------------------------

# 11-digit groups joined by '-', as sysbench's c and pad: N groups, from
# multiplicative hashes of seq (deterministic, so runs compare).
groups() { # N SALT
	local n=$1 salt=$2 i parts=()
	for ((i = 0; i < n; i++)); do
		parts+=("LPAD((seq * $((2654435761 + 7919 * (i + salt)))) % 99999999977, 11, '0')")
	done
	local IFS=,
	echo "CONCAT_WS('-',${parts[*]})"
}

# Make DB.TABLE with ROWS rows on SERVER, unless it is there with that many
# already.  The secondary index is built after the load, as sysbench does.
bench_gen_table() { # SERVER DB TABLE ROWS
	local srv=$1 db=$2 t=$3 rows=$4 have
	have=$(server_client "$srv" -N -B -e "SELECT MAX(id) FROM \`$db\`.\`$t\`" 2>/dev/null)
	if [ "$have" = "$rows" ]; then
		return 0
	fi
	server_client "$srv" >/dev/null <<SQL
SET SESSION sql_log_bin = 0;
CREATE DATABASE IF NOT EXISTS \`$db\`;
USE \`$db\`;
DROP TABLE IF EXISTS \`$t\`;
CREATE TABLE \`$t\` (
  id INT NOT NULL AUTO_INCREMENT,
  k INT NOT NULL DEFAULT 0,
  c CHAR(120) NOT NULL DEFAULT '',
  pad CHAR(60) NOT NULL DEFAULT '',
  PRIMARY KEY (id)
) ENGINE=InnoDB;
INSERT INTO \`$t\` (id, k, c, pad)
SELECT seq, 1 + (seq * 40503) % $rows, $(groups 10 ${#t}), $(groups 5 $((${#t} + 10)))
FROM seq_1_to_$rows;
CREATE INDEX k_1 ON \`$t\` (k);
ANALYZE TABLE \`$t\`;
SQL
}

# sbtest1..N on SERVER, as many at a time as there are cores.
bench_gen_tables() { # SERVER DB N ROWS
	local srv=$1 db=$2 n=$3 rows=$4 i running=0 failed=0 par
	par=$(nproc)
	for ((i = 1; i <= n; i++)); do
		bench_gen_table "$srv" "$db" "sbtest$i" "$rows" &
		running=$((running + 1))
		if ((running >= par)); then
			wait -n || failed=1
			running=$((running - 1))
		fi
	done
	while ((running > 0)); do
		wait -n || failed=1
		running=$((running - 1))
	done
	return $failed
}

# --- measuring ------------------------------------------------------------------

report() { printf '%s\n' "$*" | tee -a "$REPORT"; }

# --- two-box mode ---------------------------------------------------------------

BENCH_MODES=${BENCH_MODES:-shared twobox}
for _m in $BENCH_MODES; do
	case $_m in shared | twobox | remote) ;; *)
		echo "$BENCH_NAME: unknown mode '$_m' in BENCH_MODES (known: shared twobox remote)" >&2
		exit 2
		;;
	esac
done
if [[ " $BENCH_MODES " == *" twobox "* || " $BENCH_MODES " == *" remote "* ]] &&
	{ [ "$(nproc)" -lt 2 ] || ! command -v taskset >/dev/null; }; then
	echo "$BENCH_NAME: twobox and remote modes need 2 cores and taskset (util-linux); BENCH_MODES=shared runs without" >&2
	exit 2
fi
BOX_MODE=shared
declare -A BOX_OF=() BOX_SAVED=() # server pid -> box, -> affinity before pinning

box_core() { case $1 in A) echo 0 ;; B) echo 1 ;; *) die "no box '$1'" ;; esac; }

box_server() { # NAME PID A|B
	BOX_OF[$2]=$3
}

box_restore() {
	local pid
	for pid in "${!BOX_SAVED[@]}"; do
		taskset -a -p "${BOX_SAVED[$pid]}" "$pid" >/dev/null 2>&1
		unset "BOX_SAVED[$pid]"
	done
}

bench_mode() { # MODE
	local pid mask
	BOX_MODE=$1
	if [ "$1" = shared ]; then
		box_restore
		return 0
	fi
	for pid in "${!BOX_OF[@]}"; do
		if [ -z "${BOX_SAVED[$pid]:-}" ]; then
			mask=$(taskset -p "$pid" 2>/dev/null | awk '{ print $NF }')
			[ -n "$mask" ] || die "cannot read the CPU affinity of pid $pid"
			BOX_SAVED[$pid]=$mask
		fi
		taskset -a -p -c "$(box_core "${BOX_OF[$pid]}")" "$pid" >/dev/null ||
			die "cannot pin pid $pid to box ${BOX_OF[$pid]}"
	done
}

on_box() { # A|B CMD...
	local box=$1
	shift
	if [ "$BOX_MODE" != shared ] && [ "$box" != - ]; then
		taskset -c "$(box_core "$box")" "$@"
	else
		"$@"
	fi
}

mode_note() { # MODE
	case $1 in
	shared) echo "shared: one machine, every process on any of its $(nproc) cores" ;;
	twobox) echo "twobox: two machines modelled by pinning (taskset -a): box A = core 0 (source server, dump, serve), box B = core 1 (target server, load, myloader, HTTP client)" ;;
	remote) echo "remote: two machines modelled by pinning (taskset -a): box A = core 0 (the source server alone), box B = core 1 (the tool: a dump taken from another machine)" ;;
	esac
}

# "min-max" of the first column of FILE (the spread of the wall times).
spread() { # FILE
	sort -n -k1,1 "$1" | awk 'NR == 1 { a = $1 } { b = $1 } END { if (NR) printf "%s-%s", a, b }'
}

CLK_TCK=$(getconf CLK_TCK)

cpu_ticks() { # utime + stime of a process, in clock ticks
	awk '{ print $14 + $15 }' "/proc/$1/stat" 2>/dev/null || echo 0
}
all_ticks() { # busy time of all CPUs (user nice system irq softirq steal)
	awk '/^cpu / { print $2 + $3 + $4 + $7 + $8 + $9 }' /proc/stat
}

# On a shared machine, wait (at most BENCH_QUIET_WAIT seconds, default 20)
# until the rest of the machine is idle: less than a fifth of a core busy
# over half a second, the given processes (our servers) excluded.  The
# "other" column of the reports shows what was left.
wait_quiet() { # PID...
	local limit=${BENCH_QUIET_WAIT:-20} i a0 a1 s0 s1 p
	for ((i = 0; i < limit * 2; i++)); do
		a0=$(all_ticks)
		s0=0
		for p in "$@"; do s0=$((s0 + $(cpu_ticks "$p"))); done
		sleep 0.5
		a1=$(all_ticks)
		s1=0
		for p in "$@"; do s1=$((s1 + $(cpu_ticks "$p"))); done
		if (((a1 - a0 - (s1 - s0)) * 10 < CLK_TCK)); then
			return 0
		fi
		((i == 0)) && log "waiting for other processes to go quiet (at most ${limit} s)"
	done
	return 0
}

# A load leaves most of what it wrote as dirty pages in the buffer pool,
# which the server writes slowly (innodb_io_capacity) and then fast, on the
# next run's time, when that run's redo log fills: every run would pay for
# the one before it, by a different amount each time (a run's time moved
# by 30 %).  Before each run the target writes them all at once (no
# dirty pages allowed, no I/O limit), then gets its settings back.
flush_dirty() { # SERVER
	local s=$1 saved i n
	saved=$(server_client "$s" -N -B -e "SELECT CONCAT(@@GLOBAL.innodb_max_dirty_pages_pct, ' ',
		@@GLOBAL.innodb_io_capacity, ' ', @@GLOBAL.innodb_io_capacity_max)") || return 1
	read -r -a saved <<<"$saved"
	server_client "$s" -e "SET GLOBAL innodb_io_capacity_max = 1000000,
		GLOBAL innodb_io_capacity = 1000000, GLOBAL innodb_max_dirty_pages_pct = 0" || return 1
	for ((i = 0; i < 600; i++)); do
		n=$(server_client "$s" -N -B -e "SELECT VARIABLE_VALUE FROM information_schema.GLOBAL_STATUS
			WHERE VARIABLE_NAME = 'INNODB_BUFFER_POOL_PAGES_DIRTY'") || break
		((n == 0)) && break
		sleep 0.1
	done
	server_client "$s" -e "SET GLOBAL innodb_max_dirty_pages_pct = ${saved[0]},
		GLOBAL innodb_io_capacity = ${saved[1]}, GLOBAL innodb_io_capacity_max = ${saved[2]}"
}

# The row that the median wall time belongs to (middle of the sorted runs).
median_run() { # FILE
	sort -n -k1,1 "$1" | awk '{ r[NR] = $0 } END { print r[int((NR + 1) / 2)] }'
}
max_rss_mib() { # FILE (peak RSS in KiB in column 2)
	awk '$2 > m { m = $2 } END { printf "%.1f", m / 1024 }' "$1"
}

verdict() { # VALUE LIMIT
	awk -v v="$1" -v l="$2" 'BEGIN { print (v != "" && v + 0 <= l + 0) ? "met" : "MISSED" }'
}
