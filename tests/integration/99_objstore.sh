#!/usr/bin/env bash
# 99_objstore.sh - object storage (issue 16): dumps written straight into an
# S3-compatible store and loaded straight from it, against Ceph's radosgw
# (tests/lib/s3server.sh, started by tests/run):
#   * round trips of the fidelity corpus through every layout in the store:
#     -a s3://.tar.zst and .zip, --result-file s3:// (the stream), -o s3://
#     (one object per file, plain or --compress zstd), --stream-format
#     mydumper; CHECKSUM TABLE equal; verify passes each;
#   * a 110 MB archive goes up in parts of 5 MiB (its ETag says how many),
#     is verified and loaded back through ranged reads;
#   * peak RSS of dumps into the store (stream, tar.zst) and loads from it
#     within --buffer + the parts in flight + 16 MiB; --s3-unsigned-payload;
#   * an existing object is refused without --overwrite;
#   * the gateway stopped mid-dump: exit 1, one error line, no object at the
#     key; SIGTERM mid-upload: no object and no unfinished upload left;
#   * a truncated or missing object, a directory missing a file: verify and
#     load refuse them;
#   * job scripts with s3:// sink and source;
#   * credentials from a profile file, a missing profile, no credentials, a
#     wrong secret (which no message shows), an endpoint with a password.
# shellcheck source=tests/lib/common.sh
. "$(dirname "$0")/../lib/common.sh"
need_sluice
need_server src dst
need_s3

BUCKET="it-${_sl_slug:-plain}-$$"
BUCKET=${BUCKET,,}
S3="s3://$BUCKET"
s3() { s3_curl s3 "$@"; }
# HTTP status of a HEAD of KEY.
head_code() { s3 -o /dev/null -w '%{http_code}' -I "$SL_S3_ENDPOINT/$BUCKET/$1"; }
# Unfinished multipart uploads of KEY.
uploads_of() {
	s3 "$SL_S3_ENDPOINT/$BUCKET?uploads=" |
		python3 -c 'import re,sys; k=sys.argv[1]; print(sum(1 for m in re.findall(r"<Key>([^<]*)</Key>", sys.stdin.read()) if m == k))' "$1"
}

corpus_on_src
t_begin "bucket $BUCKET"
assert_eq 200 "$(s3 -o /dev/null -w '%{http_code}' -X PUT "$SL_S3_ENDPOINT/$BUCKET")" "create bucket"
t_pass
DUMP=(dump "${SRC[@]}" -B fidelity --routines --events)

# --- round trips -----------------------------------------------------------------

t_begin "dump -a s3://.tar.zst -> verify -> load -a: every table equal"
capture tzst sluice "${DUMP[@]}" -a "$S3/d.tar.zst"
assert_exit_zero "$RC" "dump exit code (stderr: $(_t_show "$ERR"))"
assert_eq 200 "$(head_code d.tar.zst)" "HEAD of the object"
s3 -o "$T/d.tar.zst" "$SL_S3_ENDPOINT/$BUCKET/d.tar.zst"
assert_eq "sluice-manifest.json" "$(zstd -dc "$T/d.tar.zst" | tar -tf - | tail -n 1)" "last entry"
capture vtzst sluice verify "$S3/d.tar.zst"
assert_exit_zero "$RC" "verify (stderr: $(_t_show "$ERR"))"
load_check ltzst -a "$S3/d.tar.zst"
t_pass

t_begin "dump -a s3://.zip -> load s3://... (recognised, read by its central directory): equal"
capture zip sluice "${DUMP[@]}" -a "$S3/d.zip"
assert_exit_zero "$RC" "dump exit code (stderr: $(_t_show "$ERR"))"
s3 -o "$T/d.zip" "$SL_S3_ENDPOINT/$BUCKET/d.zip"
assert_eq "504b0304" "$(head -c 4 "$T/d.zip" | od -An -tx1 | tr -d ' \n')" "zip magic"
load_check lzip "$S3/d.zip"
t_pass

t_begin "dump --result-file s3:// (the stream) -> verify -> load -i: equal"
capture stream sluice "${DUMP[@]}" --result-file "$S3/d.sql"
assert_exit_zero "$RC" "dump exit code (stderr: $(_t_show "$ERR"))"
assert_eq "" "$(cat "$OUT")" "stdout"
s3 -o "$T/d.sql" "$SL_S3_ENDPOINT/$BUCKET/d.sql"
assert_eq "-- sluice stream 3" "$(head -n 1 "$T/d.sql" | cut -d' ' -f1-4)" "version line"
assert_match "$(tail -n 1 "$T/d.sql")" "^-- sluice end ok" "last line"
capture vstream sluice verify "$S3/d.sql"
assert_exit_zero "$RC" "verify (stderr: $(_t_show "$ERR"))"
load_check lstream -i "$S3/d.sql"
t_pass

t_begin "dump --stream-format mydumper --result-file s3:// -> load s3://...: equal"
capture myd sluice "${DUMP[@]}" --stream-format mydumper --result-file "$S3/d.mydumper"
assert_exit_zero "$RC" "dump exit code (stderr: $(_t_show "$ERR"))"
load_check lmyd "$S3/d.mydumper"
t_pass

t_begin "dump --result-file FILE (the stream in a local file): verify passes"
capture lfile sluice "${DUMP[@]}" --result-file "$T/local.sql"
assert_exit_zero "$RC" "dump exit code (stderr: $(_t_show "$ERR"))"
capture vlfile sluice verify "$T/local.sql"
assert_exit_zero "$RC" "verify (stderr: $(_t_show "$ERR"))"
t_pass

t_begin "--result-file s3:// replaces an existing object, but only once the new one is complete"
etag0=$(s3 -I "$SL_S3_ENDPOINT/$BUCKET/d.sql" | tr -d '\r' | sed -n 's/^[Ee][Tt]ag: *//p')
capture again sluice dump "${SRC[@]}" -B fidelity --result-file "$S3/d.sql" --no-data
assert_exit_zero "$RC" "dump exit code (stderr: $(_t_show "$ERR"))"
etag1=$(s3 -I "$SL_S3_ENDPOINT/$BUCKET/d.sql" | tr -d '\r' | sed -n 's/^[Ee][Tt]ag: *//p')
assert_ne "$etag0" "$etag1" "ETag after the second dump"
capture again2 sluice dump "${SRC[@]}" -B fidelity --result-file "$S3/d.sql" --where "no_such_column = 1"
assert_exit "$RC" 1 "a failing dump"
assert_eq "$etag1" "$(s3 -I "$SL_S3_ENDPOINT/$BUCKET/d.sql" | tr -d '\r' | sed -n 's/^[Ee][Tt]ag: *//p')" "ETag after a failed dump"
capture again3 sluice "${DUMP[@]}" --result-file "$S3/d.sql"
assert_exit_zero "$RC" "dump exit code (stderr: $(_t_show "$ERR"))"
t_pass

t_begin "dump -o s3://dir/ (one object per file) -> verify -d -> load s3://dir: equal"
capture dir sluice "${DUMP[@]}" -o "$S3/dir/" --format csv
assert_exit_zero "$RC" "dump exit code (stderr: $(_t_show "$ERR"))"
s3 -o "$T/dir-manifest.json" "$SL_S3_ENDPOINT/$BUCKET/dir/sluice-manifest.json"
assert_eq "ok" "$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["status"])' "$T/dir-manifest.json")" "manifest status"
assert_eq 200 "$(head_code dir/metadata)" "metadata object"
assert_eq 200 "$(head_code dir/fidelity.t_ints.00000.csv)" "a data object"
capture vdir sluice verify -d "$S3/dir"
assert_exit_zero "$RC" "verify (stderr: $(_t_show "$ERR"))"
load_check ldir "$S3/dir"
t_pass

t_begin "dump -o s3://dir/ again: refused (not empty); with --overwrite: replaced, still equal"
capture dir2 sluice "${DUMP[@]}" -o "$S3/dir/"
assert_exit "$RC" 2 "dump into a used prefix"
assert_one_line "$ERR" "sluice: error:"
assert_contains "$ERR" "not empty"
capture dir3 sluice "${DUMP[@]}" -o "$S3/dir/" --overwrite
assert_exit_zero "$RC" "dump --overwrite (stderr: $(_t_show "$ERR"))"
assert_eq 404 "$(head_code dir/fidelity.t_ints.00000.csv)" "the earlier dump's csv file"
assert_eq 200 "$(head_code dir/fidelity.t_ints.00000.sql)" "the new dump's sql file"
load_check ldir3 -d "$S3/dir/"
t_pass

t_begin "dump -o s3://dz/ --compress zstd (objects NAME.sql.zst) -> verify -> load: equal; truncated: refused"
capture dz sluice "${DUMP[@]}" -o "$S3/dz/" --compress zstd
assert_exit_zero "$RC" "dump exit code (stderr: $(_t_show "$ERR"))"
assert_eq 404 "$(head_code dz/fidelity.t_ints.00000.sql)" "a plain data object"
s3 -o "$T/dz.sql.zst" "$SL_S3_ENDPOINT/$BUCKET/dz/fidelity.t_ints.00000.sql.zst"
zstd -tq "$T/dz.sql.zst" 2>/dev/null || t_fail "fidelity.t_ints.00000.sql.zst is not zstd data"
capture vdz sluice verify -d "$S3/dz/"
assert_exit_zero "$RC" "verify (stderr: $(_t_show "$ERR"))"
load_check ldz -d "$S3/dz/"
head -c $(($(stat -c %s "$T/dz.sql.zst") / 2)) "$T/dz.sql.zst" >"$T/dz-half.zst"
s3 -T "$T/dz-half.zst" "$SL_S3_ENDPOINT/$BUCKET/dz/fidelity.t_ints.00000.sql.zst" >/dev/null
capture vdz2 sluice verify -d "$S3/dz/"
assert_exit "$RC" 1 "verify exit code (a truncated compressed object)"
assert_one_line "$ERR" "sluice: error:"
assert_contains "$ERR" "fidelity.t_ints.00000.sql.zst"
t_pass

t_begin "an existing object is refused without --overwrite and replaced with it"
capture exist sluice "${DUMP[@]}" -a "$S3/d.tar.zst"
assert_exit "$RC" 2 "dump onto an existing object"
assert_one_line "$ERR" "sluice: error:"
assert_contains "$ERR" "exists (use --overwrite"
capture exist2 sluice "${DUMP[@]}" -a "$S3/d.tar.zst" --overwrite
assert_exit_zero "$RC" "dump --overwrite (stderr: $(_t_show "$ERR"))"
t_pass

# --- big: parts and ranges ----------------------------------------------------------

t_begin "a 110 MB archive in parts of 5 MiB, verified and loaded back through ranged reads"
ensure_big src >"$T/big.log" 2>&1 || t_fail "making big.t1m failed: $(tail -n 3 "$T/big.log")"
BIG_CK=$(sql src "CHECKSUM TABLE big.t1m EXTENDED" | cut -f2)
capture big sluice dump "${SRC[@]}" -T big.t1m -a "$S3/big.tar" --part-size 5M --s3-parallel 3
assert_exit_zero "$RC" "dump exit code (stderr: $(_t_show "$ERR"))"
etag=$(s3 -I "$SL_S3_ENDPOINT/$BUCKET/big.tar" | tr -d '\r' | sed -n 's/^[Ee][Tt]ag: *"\(.*\)"/\1/p')
assert_match "$etag" '-[0-9]+$' "ETag of a multipart object"
assert_le 20 "${etag##*-}" "parts"
capture bigv sluice verify "$S3/big.tar" --part-size 5M
assert_exit_zero "$RC" "verify (stderr: $(_t_show "$ERR"))"
drop_dbs dst big
capture bigl sluice load "${DST[@]}" -a "$S3/big.tar" -t 2
assert_exit_zero "$RC" "load exit code (stderr: $(_t_show "$ERR"))"
assert_eq "$BIG_CK" "$(sql dst "CHECKSUM TABLE big.t1m EXTENDED" | cut -f2)" "checksum of big.t1m"
drop_dbs dst big
t_pass

# --- memory -------------------------------------------------------------------------
# The issue's bound: --buffer + the parts in flight + 16 MiB, (N + 1) parts
# uploading and N reading (N = --s3-parallel), with the defaults (--buffer
# 32M, --part-size 8M, N = 4) on a table several times --buffer.  What it
# guards: an upload's parts and a download's ranges come out of --buffer
# (the rings give them up), and zstd's threads take jobs of one window.
# Before, a dump's stream took 97 MiB and its tar 133 MiB (limit 88), a
# load 80-85 MiB (limit 80) in tests/bench/objectstore.

t_begin "peak RSS <= --buffer + parts + 16 MiB: dump --result-file and -a .tar.zst into the store, load back"
UP_KIB=$(rss_limit $(((32 + 5 * 8 + 16) * 1024)))
DOWN_KIB=$(rss_limit $(((32 + 4 * 8 + 16) * 1024)))
# ASan's quarantine of freed memory is ASan's, not ours (95_load_rss.sh).
rss_env=()
[ -n "${ASAN_OPTIONS:-}" ] && rss_env=(env "ASAN_OPTIONS=$ASAN_OPTIONS:quarantine_size_mb=4")
S3RSS=(-t 2 --part-size 8M --s3-parallel 4 -q)
for out in "--result-file $S3/rss.sql" "-a $S3/rss.tar.zst"; do
	# shellcheck disable=SC2086 # the options are words
	"${rss_env[@]}" /usr/bin/time -f %M -o "$T/up.rss" "$SLUICE" dump "${SRC[@]}" -T big.t1m \
		-r 100000 "${S3RSS[@]}" $out 2>"$T/up.err"
	assert_exit_zero "$?" "dump $out ($(_t_show "$(cat "$T/up.err")"))"
	assert_le "$(tail -n 1 "$T/up.rss")" "$UP_KIB" "peak RSS in KiB of dump $out"
done
for in in "-i $S3/rss.sql" "-a $S3/rss.tar.zst"; do
	drop_dbs dst big
	# shellcheck disable=SC2086
	"${rss_env[@]}" /usr/bin/time -f %M -o "$T/down.rss" "$SLUICE" load "${DST[@]}" \
		--ssl-mode disabled "${S3RSS[@]}" $in 2>"$T/down.err"
	assert_exit_zero "$?" "load $in ($(_t_show "$(cat "$T/down.err")"))"
	assert_eq "$BIG_CK" "$(sql dst "CHECKSUM TABLE big.t1m EXTENDED" | cut -f2)" "checksum after load $in"
	assert_le "$(tail -n 1 "$T/down.rss")" "$DOWN_KIB" "peak RSS in KiB of load $in"
done
drop_dbs dst big
t_pass

t_begin "--s3-unsigned-payload over http: the store takes the parts, the load gives the same rows"
capture unsigned sluice "${DUMP[@]}" --result-file "$S3/unsigned.sql" --s3-unsigned-payload \
	--part-size 5M
assert_exit_zero "$RC" "dump exit code (stderr: $(_t_show "$ERR"))"
load_check lunsigned -i "$S3/unsigned.sql"
t_pass

# --- faults ---------------------------------------------------------------------------
# The dumps below read at most 20 MB/s (--max-rate), so that they are still
# uploading when the fault comes, on a fast machine as under ASan.

t_begin "the gateway stopped mid-dump: exit 1, one error line, no object at the key"
"$SLUICE" dump "${SRC[@]}" -T big.t1m -a "$S3/fault.tar" --part-size 5M --s3-retries 2 \
	--max-rate 20M >"$T/fault.out" 2>"$T/fault.err" </dev/null &
pid=$!
bg_track "$pid"
for ((i = 0; i < 200; i++)); do
	[ "$(uploads_of fault.tar)" -gt 0 ] && break
	sleep 0.05
done
s3_gateway_stop s3
wait_bounded "$pid" 60
rc=$?
s3_gateway_start s3 2>"$T/gw.err" || t_fail "radosgw did not start again: $(cat "$T/gw.err")"
assert_exit "$rc" 1 "dump exit code"
assert_eq 1 "$(grep -c 'sluice: error:' "$T/fault.err")" "error lines ($(_t_show "$(cat "$T/fault.err")"))"
assert_eq 404 "$(head_code fault.tar)" "HEAD of the key"
t_pass

t_begin "SIGTERM mid-upload: exit non-zero within 3 s, no object, no unfinished upload"
"$SLUICE" dump "${SRC[@]}" -T big.t1m -a "$S3/term.tar" --part-size 5M --max-rate 20M \
	>"$T/term.out" 2>"$T/term.err" </dev/null &
pid=$!
bg_track "$pid"
for ((i = 0; i < 200; i++)); do
	[ "$(uploads_of term.tar)" -gt 0 ] && break
	sleep 0.05
done
kill -TERM "$pid" 2>/dev/null || t_fail "the dump ended before SIGTERM came"
t0=$(now)
wait_bounded "$pid" 30
rc=$?
assert_exit_nonzero "$rc" "dump exit code"
assert_le "$(since "$t0")" "$(limit 3)" "seconds to exit"
assert_eq 404 "$(head_code term.tar)" "HEAD of the key"
assert_eq 0 "$(uploads_of term.tar)" "unfinished uploads of the key"
t_pass

t_begin "a truncated archive object: verify and load refuse it"
head -c $(($(stat -c %s "$T/d.tar.zst") / 2)) "$T/d.tar.zst" >"$T/trunc.tar.zst"
s3 -T "$T/trunc.tar.zst" "$SL_S3_ENDPOINT/$BUCKET/trunc.tar.zst" >/dev/null
capture vtrunc sluice verify "$S3/trunc.tar.zst"
assert_exit "$RC" 1 "verify exit code"
assert_one_line "$ERR" "sluice: error:"
drop_dbs dst fidelity
capture ltrunc sluice load "${DST[@]}" -a "$S3/trunc.tar.zst"
assert_exit "$RC" 1 "load exit code"
assert_eq 1 "$(grep -c '^sluice: error:' "$T/ltrunc.err")" "error lines"
assert_contains "$ERR" "truncated"
t_pass

t_begin "a truncated stream object: verify and load refuse it"
head -c $(($(stat -c %s "$T/d.sql") - 100)) "$T/d.sql" >"$T/trunc.sql"
s3 -T "$T/trunc.sql" "$SL_S3_ENDPOINT/$BUCKET/trunc.sql" >/dev/null
capture vtruncs sluice verify "$S3/trunc.sql"
assert_exit "$RC" 1 "verify exit code"
assert_one_line "$ERR" "sluice: error:"
drop_dbs dst fidelity
capture ltruncs sluice load "${DST[@]}" "$S3/trunc.sql"
assert_exit "$RC" 1 "load exit code"
assert_eq 1 "$(grep -c '^sluice: error:' "$T/ltruncs.err")" "error lines"
t_pass

t_begin "a missing object: verify and load say so (exit 2)"
capture vmiss sluice verify "$S3/nothing.tar.zst"
assert_exit "$RC" 2 "verify exit code"
assert_one_line "$ERR" "sluice: error:"
assert_contains "$ERR" "no such object"
capture lmiss sluice load "${DST[@]}" -a "$S3/nothing.tar.zst"
assert_exit "$RC" 2 "load exit code"
assert_contains "$ERR" "no such object"
t_pass

t_begin "a directory missing a data file, or with one changed: verify refuses it"
capture cp1 sluice "${DUMP[@]}" -o "$S3/dmg/"
assert_exit_zero "$RC" "dump exit code (stderr: $(_t_show "$ERR"))"
s3 -X DELETE "$SL_S3_ENDPOINT/$BUCKET/dmg/fidelity.t_ints.00000.sql" >/dev/null
capture vdmg sluice verify "$S3/dmg/"
assert_exit "$RC" 1 "verify exit code (missing file)"
assert_one_line "$ERR" "sluice: error:"
printf 'SELECT 1;\n' >"$T/one.sql"
s3 -T "$T/one.sql" "$SL_S3_ENDPOINT/$BUCKET/dmg/fidelity.t_ints.00000.sql" >/dev/null
capture vdmg2 sluice verify "$S3/dmg/"
assert_exit "$RC" 1 "verify exit code (changed file)"
assert_one_line "$ERR" "sluice: error:"
t_pass

# --- job scripts ------------------------------------------------------------------------

t_begin "job scripts: a tar sink in s3://, then an archive source from s3:// into a loader"
cat >"$T/dump.lua" <<EOF
source = { type = "mariadb", host = "127.0.0.1", port = $(server_port src), user = "$SL_USER",
           password = "$SL_PASSWORD", databases = { "fidelity" }, routines = true, events = true }
sinks = { out = { type = "tar", archive = "$S3/job.tar.zst", ["part-size"] = "5M" } }
EOF
cat >"$T/load.lua" <<EOF
source = { type = "archive", archive = "$S3/job.tar.zst" }
sinks = { db = { type = "loader", host = "127.0.0.1", port = $(server_port dst), user = "$SL_USER",
                 password = "$SL_PASSWORD" } }
EOF
capture jdump sluice run "$T/dump.lua"
assert_exit_zero "$RC" "run dump.lua (stderr: $(_t_show "$ERR"))"
drop_dbs dst fidelity
capture jload sluice run "$T/load.lua"
assert_exit_zero "$RC" "run load.lua (stderr: $(_t_show "$ERR"))"
assert_same "$SRC_CK" "$(checksum_db dst fidelity)" "checksums (src vs dst)"
t_pass

# --- credentials -------------------------------------------------------------------------

t_begin "credentials from a profile of AWS_SHARED_CREDENTIALS_FILE (none in the environment)"
printf '[other]\naws_access_key_id = %s\naws_secret_access_key = %s\n' \
	"$AWS_ACCESS_KEY_ID" "$AWS_SECRET_ACCESS_KEY" >"$T/credentials"
printf '[profile other]\nregion = us-east-1\nendpoint_url = %s\n' "$SL_S3_ENDPOINT" >"$T/config"
capture prof env -u AWS_ACCESS_KEY_ID -u AWS_SECRET_ACCESS_KEY -u AWS_ENDPOINT_URL \
	AWS_SHARED_CREDENTIALS_FILE="$T/credentials" AWS_CONFIG_FILE="$T/config" AWS_PROFILE=other \
	"$SLUICE" verify "$S3/d.tar.zst"
assert_exit_zero "$RC" "verify with the profile (stderr: $(_t_show "$ERR"))"
capture prof2 env -u AWS_ACCESS_KEY_ID -u AWS_SECRET_ACCESS_KEY \
	AWS_SHARED_CREDENTIALS_FILE="$T/credentials" AWS_CONFIG_FILE="$T/config" \
	"$SLUICE" verify "$S3/d.tar.zst" --s3-profile missing
assert_exit "$RC" 2 "a missing profile"
assert_one_line "$ERR" "sluice: error:"
assert_contains "$ERR" "no profile 'missing'"
capture nocred env -u AWS_ACCESS_KEY_ID -u AWS_SECRET_ACCESS_KEY -u AWS_PROFILE \
	AWS_SHARED_CREDENTIALS_FILE="$T/none" AWS_CONFIG_FILE="$T/none" \
	"$SLUICE" verify "$S3/d.tar.zst"
assert_exit "$RC" 2 "no credentials"
assert_one_line "$ERR" "sluice: error:"
assert_contains "$ERR" "no credentials"
t_pass

t_begin "a wrong secret: exit 1 with S3's error, the secret in no message"
WRONG=wrong-secret-$RANDOM$RANDOM
capture wrong env AWS_SECRET_ACCESS_KEY="$WRONG" "$SLUICE" dump "${SRC[@]}" -B fidelity \
	-a "$S3/wrong.tar.zst" -vv --s3-retries 0
assert_exit "$RC" 1 "exit code"
assert_contains "$ERR" "HTTP 403"
capture wrong2 env AWS_SECRET_ACCESS_KEY="$WRONG" "$SLUICE" verify -d "$S3/dir/"
assert_exit "$RC" 1 "verify exit code"
assert_contains "$ERR" "SignatureDoesNotMatch"
assert_not_contains "$ERR" "$WRONG" "stderr"
assert_not_contains "$ERR" "$AWS_SECRET_ACCESS_KEY" "stderr"
assert_eq 404 "$(head_code wrong.tar.zst)" "HEAD of the key"
capture ok2 "$SLUICE" dump "${SRC[@]}" -B fidelity -a "$S3/right.tar.zst" -vv
assert_exit_zero "$RC" "dump exit code (stderr: $(_t_show "$ERR"))"
assert_not_contains "$ERR" "$AWS_SECRET_ACCESS_KEY" "stderr of -vv"
s3 -o "$T/right.tar.zst" "$SL_S3_ENDPOINT/$BUCKET/right.tar.zst"
assert_not_contains "$(zstd -dc "$T/right.tar.zst" | tar -xOf - sluice-manifest.json)" \
	"$AWS_SECRET_ACCESS_KEY" "the manifest"
t_pass

t_begin "an endpoint with a password in it is refused (exit 2), without echoing it"
capture ep sluice verify "$S3/d.tar.zst" --s3-endpoint "http://user:pw-$$@127.0.0.1:1"
assert_exit "$RC" 2 "exit code"
assert_one_line "$ERR" "sluice: error:"
assert_not_contains "$ERR" "pw-$$" "stderr"
t_pass

t_done
