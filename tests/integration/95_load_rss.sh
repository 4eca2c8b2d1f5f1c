#!/usr/bin/env bash
# 95_load_rss.sh - the loader's peak RSS stays within 48 MiB at the default
# --buffer (32 MiB) on data several times that size (big.t1m: 1M rows,
# ~110 MiB of stream), loading a stream file and at the end of a pipe, with
# two executors.  What it guards: the loader's own queue counted in
# --buffer, and file bodies that go back to the system when freed (glibc's
# heap, fed by the reader and emptied by the executors in another order,
# grew to 67-89 MiB).  Every load must give the source's CHECKSUM TABLE.
# The loader's connections are plain, as in tests/bench/load: with TLS each
# connection adds what OpenSSL loads for it (the system's CA store, about
# 1.3 MiB), which is the library's and not a buffer of ours.
# shellcheck source=tests/lib/common.sh
. "$(dirname "$0")/../lib/common.sh"
need_sluice
need_server src dst

LIMIT_KIB=$(rss_limit $((48 * 1024)))
# Under ASan, freed memory waits in its quarantine (32 MiB in the suite)
# before it is reused or returned: that is ASan's, not the loader's, so the
# loads measured here keep a small one.
[ -n "${ASAN_OPTIONS:-}" ] && export ASAN_OPTIONS="$ASAN_OPTIONS:quarantine_size_mb=4"
PLAIN=(--ssl-mode disabled)

t_begin "big.t1m (1M rows) on src"
if ensure_big src >"$T/gen.log" 2>&1; then t_pass; else
	t_fail "generating big.t1m failed: $(tail -n 3 "$T/gen.log")"
	t_done
fi
SRC_CK=$(checksum_db src big)

t_begin "sluice load -t 2 < stream file: peak RSS <= 48 MiB, equal checksums"
capture dump sluice dump "${SRC[@]}" -B big -t 2 -r 100000
assert_exit_zero "$RC" "dump exit code (stderr: $(_t_show "$ERR"))"
assert_le $((64 << 20)) "$(stat -c %s "$OUT")" "stream bytes (at least twice --buffer)"
drop_dbs dst big_rss
/usr/bin/time -f %M -o "$T/file.rss" "$SLUICE" load "${DST[@]}" "${PLAIN[@]}" -B big_rss -t 2 -q \
	<"$OUT" 2>"$T/file.err"
assert_exit_zero "$?" "load exit code ($(_t_show "$(cat "$T/file.err")"))"
assert_same "$SRC_CK" "$(checksum_db dst big_rss)" "checksums (src vs dst)"
echo "load's peak RSS: $(tail -n 1 "$T/file.rss") KiB (limit $LIMIT_KIB)"
assert_le "$(tail -n 1 "$T/file.rss")" "$LIMIT_KIB" "load's peak RSS in KiB"
rm -f "$OUT"
t_pass

t_begin "sluice dump | sluice load -t 2: the loader's peak RSS <= 48 MiB, equal checksums"
drop_dbs dst big_rss
"$SLUICE" dump "${SRC[@]}" -B big -t 2 -r 100000 -q 2>"$T/pipe-dump.err" |
	/usr/bin/time -f %M -o "$T/pipe.rss" "$SLUICE" load "${DST[@]}" "${PLAIN[@]}" -B big_rss -t 2 -q \
		2>"$T/pipe.err"
rcs=("${PIPESTATUS[@]}")
assert_exit_zero "${rcs[0]}" "dump exit code ($(_t_show "$(cat "$T/pipe-dump.err")"))"
assert_exit_zero "${rcs[1]}" "load exit code ($(_t_show "$(cat "$T/pipe.err")"))"
assert_same "$SRC_CK" "$(checksum_db dst big_rss)" "checksums (src vs dst)"
echo "the loader's peak RSS: $(tail -n 1 "$T/pipe.rss") KiB (limit $LIMIT_KIB)"
assert_le "$(tail -n 1 "$T/pipe.rss")" "$LIMIT_KIB" "the loader's peak RSS in KiB"
drop_dbs dst big_rss
t_pass

t_done
