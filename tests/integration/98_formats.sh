#!/usr/bin/env bash
# 98_formats.sh - data formats (issue 5): `--format csv|tsv|jsonl` for the
# stdout stream and the containers (tar, dir), and the loader reading them
# back with LOAD DATA LOCAL INFILE streamed from memory:
#   * round trips of the fidelity corpus with equal CHECKSUM TABLE for every
#     table: csv on stdout, jsonl on stdout, tsv in a tar.zst, jsonl and csv
#     in a directory;
#   * data files are named db.t.NNNNN.csv/.tsv/.jsonl; CSV starts with a
#     header row of the (non-generated) column names; NULL, '' and 'NULL'
#     render differently in every format; every JSON line is an object with
#     the column names as keys, DECIMAL as strings, binary as {"$hex":..};
#   * sluice copy --format tsv|jsonl (the loader sink encodes for LOAD
#     DATA) gives every table equal;
#   * one run with sinks of three formats encodes once per format (sluice
#     run); a jsonl stream passes `sluice verify -`;
#   * a malformed jsonl or csv file fails the load with one error line
#     naming the file and exit != 0; an unknown --format is refused.
# shellcheck source=tests/lib/common.sh
. "$(dirname "$0")/../lib/common.sh"
need_sluice
need_server src dst

t_begin "corpus tests/data/fidelity.sql on src"
if server_client src <"$SL_ROOT/tests/data/fidelity.sql" >"$T/corpus.log" 2>&1; then t_pass; else
	t_fail "loading failed: $(tail -n 3 "$T/corpus.log")"
	t_done
fi
SRC_CK=$(checksum_db src fidelity)
DUMP=(dump "${SRC[@]}" -B fidelity)

# pipe_check FORMAT: dump --format FORMAT on stdout | load; checksums equal.
pipe_check() {
	local f=$1
	drop_dbs dst fidelity
	sluice "${DUMP[@]}" --format "$f" 2>"$T/pipe-$f-dump.err" </dev/null |
		sluice load "${DST[@]}" >"$T/pipe-$f.out" 2>"$T/pipe-$f-load.err"
	rcs=("${PIPESTATUS[@]}")
	assert_exit_zero "${rcs[0]}" "dump exit code ($(_t_show "$(cat "$T/pipe-$f-dump.err")"))"
	assert_exit_zero "${rcs[1]}" "load exit code ($(_t_show "$(cat "$T/pipe-$f-load.err")"))"
	assert_same "$SRC_CK" "$(checksum_db dst fidelity)" "checksums (src vs dst)"
}

# --- round trips -------------------------------------------------------------

t_begin "dump --format csv | load: every table equal"
pipe_check csv
t_pass

t_begin "dump --format jsonl | load: every table equal"
pipe_check jsonl
t_pass

t_begin "dump --format tsv -a FILE.tar.zst -> load -a: every table equal"
capture tsvtar sluice "${DUMP[@]}" --format tsv -a "$T/d.tar.zst"
assert_exit_zero "$RC" "dump exit code (stderr: $(_t_show "$ERR"))"
assert_contains "$(zstd -dc "$T/d.tar.zst" | tar -tf -)" "fidelity.t_ints.00000.tsv" "tar listing"
drop_dbs dst fidelity
capture tsvload sluice load "${DST[@]}" -a "$T/d.tar.zst"
assert_exit_zero "$RC" "load exit code (stderr: $(_t_show "$ERR"))"
assert_same "$SRC_CK" "$(checksum_db dst fidelity)" "checksums (src vs dst)"
t_pass

t_begin "dump --format jsonl | verify -: a jsonl stream is complete and intact"
sluice "${DUMP[@]}" --format jsonl 2>"$T/vj-dump.err" </dev/null | sluice verify - >"$T/vj.out" 2>"$T/vj.err"
rcs=("${PIPESTATUS[@]}")
assert_exit_zero "${rcs[0]}" "dump exit code ($(_t_show "$(cat "$T/vj-dump.err")"))"
assert_exit_zero "${rcs[1]}" "verify exit code ($(_t_show "$(cat "$T/vj.err")"))"
t_pass

t_begin "sluice run: one table to three sinks in three formats, each encoded for its sink"
src_conn=$(printf '%s, ' host=\"127.0.0.1\" port="$(server_port src)" user=\"$SL_USER\" password=\"$SL_PASSWORD\")
rm -rf "$T/fan-csv" "$T/fan-jsonl"
cat >"$T/job.lua" <<JOB
source = { type = "mariadb", ${src_conn} databases = { "fidelity" }, tables = { "fidelity.t_strings" } }
sinks = {
  out = { type = "stdout" },
  c = { type = "dir", outputdir = "$T/fan-csv", format = "csv" },
  j = { type = "dir", outputdir = "$T/fan-jsonl", format = "jsonl" },
}
options = { threads = 2 }
JOB
capture fan sluice run "$T/job.lua"
assert_exit_zero "$RC" "run exit code (stderr: $(_t_show "$ERR"))"
assert_contains "$(cat "$OUT")" "fidelity.t_strings.00000.sql" "stdout: SQL data file"
assert_eq '"id","s","t","c","note"' "$(head -n 1 "$T/fan-csv/fidelity.t_strings.00000.csv")" "csv sink"
assert_eq '{"id":1,"s":null,"t":null,"c":null,"note":"SQL NULL"}' \
	"$(head -n 1 "$T/fan-jsonl/fidelity.t_strings.00000.jsonl")" "jsonl sink"
drop_dbs dst fidelity
capture fanload sluice load "${DST[@]}" -d "$T/fan-jsonl"
assert_exit_zero "$RC" "load exit code (stderr: $(_t_show "$ERR"))"
assert_same "$(sql src 'CHECKSUM TABLE fidelity.t_strings EXTENDED' | cut -f2)" \
	"$(sql dst 'CHECKSUM TABLE fidelity.t_strings EXTENDED' | cut -f2)" "t_strings from the jsonl sink"
t_pass

for f in jsonl csv; do
	t_begin "dump --format $f -o DIR -> load -d: every table equal"
	capture "dir-$f" sluice "${DUMP[@]}" --format "$f" -o "$T/dir-$f"
	assert_exit_zero "$RC" "dump exit code (stderr: $(_t_show "$ERR"))"
	assert_eq "0" "$(find "$T/dir-$f" -name '*.sql' -name '*.0*.sql' | wc -l)" "no .sql data files"
	drop_dbs dst fidelity
	capture "dirload-$f" sluice load "${DST[@]}" -d "$T/dir-$f"
	assert_exit_zero "$RC" "load exit code (stderr: $(_t_show "$ERR"))"
	assert_same "$SRC_CK" "$(checksum_db dst fidelity)" "checksums (src vs dst)"
	t_pass
done

t_begin "sluice copy --format tsv / jsonl: rows go through LOAD DATA, every table equal"
FROM="h=127.0.0.1,P=$(server_port src),u=$SL_USER,p=$SL_PASSWORD"
TO="h=127.0.0.1,P=$(server_port dst),u=$SL_USER,p=$SL_PASSWORD"
com_load() { sql dst "SHOW GLOBAL STATUS LIKE 'Com_load'" | cut -f2; }
for f in tsv jsonl; do
	drop_dbs dst fidelity
	before=$(com_load)
	capture "copy-$f" sluice copy --from "$FROM" --to "$TO" -B fidelity --format "$f" -t 2
	assert_exit_zero "$RC" "copy exit code (stderr: $(_t_show "$ERR"))"
	assert_same "$SRC_CK" "$(checksum_db dst fidelity)" "checksums after copy --format $f"
	# One LOAD DATA per data file, as many as the tsv archive holds.
	assert_eq "$(zstd -dc "$T/d.tar.zst" | tar -tf - | grep -c '\.tsv$')" \
		"$(($(com_load) - before))" "LOAD DATA statements run by copy --format $f"
done
t_pass

# --- what the files hold -----------------------------------------------------

t_begin "csv: header row of the non-generated columns; NULL, '' and 'NULL' differ"
C="$T/dir-csv"
assert_eq '"id","s","t","c","note"' "$(head -n 1 "$C/fidelity.t_strings.00000.csv")" "t_strings header"
assert_eq '1,NULL,NULL,NULL,"SQL NULL"|2,"","","","empty string"|3,"NULL","NULL","NULL","the string NULL"' \
	"$(sed -n 2,4p "$C/fidelity.t_strings.00000.csv" | paste -sd'|')" "NULL vs '' vs 'NULL'"
assert_eq '"id","a","b"' "$(head -n 1 "$C/fidelity.t_generated.00000.csv")" "t_generated header"
assert_eq "$(sql src 'SELECT COUNT(*) FROM fidelity.t_ints')" \
	"$(python3 -c 'import csv,sys; print(sum(1 for _ in csv.reader(open(sys.argv[1], newline=""))) - 1)' "$C/fidelity.t_ints.00000.csv")" \
	"t_ints rows read back by Python's csv module"
t_pass

t_begin "tsv: LOAD DATA's escapes, \\N for NULL"
zstd -dc "$T/d.tar.zst" | tar -xOf - fidelity.t_strings.00000.tsv >"$T/strings.tsv"
assert_eq $'id\ts\tt\tc\tnote' "$(head -n 1 "$T/strings.tsv")" "header"
assert_eq $'1\t\\N\t\\N\t\\N\tSQL NULL' "$(sed -n 2p "$T/strings.tsv")" "NULL row"
assert_eq $'4\tnull\t\\\\N\tN\tlowercase null, backslash-N' "$(sed -n 5p "$T/strings.tsv")" "backslash-N string"
t_pass

t_begin "jsonl: one JSON object per line, keys = columns, DECIMAL as strings, binary as \$hex"
cat >"$T/jsonl_check.py" <<'PY'
import glob, json, os, sys
d, ncols_file = sys.argv[1], sys.argv[2]
want = {}
for line in open(ncols_file, encoding="utf-8"):
    t, cols = line.rstrip("\n").split("\t")
    want[t] = cols.split(",")
bad, rows = [], 0
for path in glob.glob(os.path.join(d, "fidelity.*.jsonl")):
    for n, line in enumerate(open(path, "rb"), 1):
        o = json.loads(line)  # raises on invalid JSON (and invalid UTF-8)
        rows += 1
        t = next((t for t in want if os.path.basename(path).startswith("fidelity." + t + ".")), None)
        if t in ("t_strings", "t_decimal", "t_binary", "t_generated") and list(o) != want[t]:
            bad.append("%s:%d keys %s" % (path, n, list(o)))
        if t == "t_decimal" and any(v is not None and not isinstance(v, str) for k, v in o.items() if k.startswith("d")):
            bad.append("%s:%d decimal not a string" % (path, n))
        if t == "t_binary" and not (o["vb"] is None or set(o["vb"]) == {"$hex"}):
            bad.append("%s:%d binary not $hex" % (path, n))
        if t == "t_ints" and not isinstance(o["id"], int):
            bad.append("%s:%d int not a number" % (path, n))
print("rows", rows)
print("\n".join(bad[:5]))
PY
sql src "SELECT TABLE_NAME, GROUP_CONCAT(COLUMN_NAME ORDER BY ORDINAL_POSITION)
         FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = 'fidelity'
         AND EXTRA NOT LIKE '%GENERATED%' AND TABLE_NAME IN ('t_strings','t_decimal','t_binary','t_generated')
         GROUP BY TABLE_NAME" >"$T/cols.tsv"
assert_eq "4" "$(wc -l <"$T/cols.tsv")" "column lists"
res=$(python3 "$T/jsonl_check.py" "$T/dir-jsonl" "$T/cols.tsv" 2>&1)
assert_match "$res" '^rows [1-9][0-9]*$' "every line parses, keys and types as documented"
t_pass

# --- bad input ---------------------------------------------------------------

t_begin "--format xml is refused with one error line"
capture badfmt sluice "${DUMP[@]}" --format xml
assert_exit_nonzero "$RC" "exit code"
assert_one_line "$ERR" "sluice:" "stderr"
t_pass

# bad_dir NAME FILE-GLOB SED: a copy of dir-jsonl/dir-csv without its
# manifest (a foreign directory: nothing checks checksums first) with one
# data file damaged; the load must fail naming that file.
bad_dir() {
	local name=$1 from=$2 file=$3 expr=$4
	rm -rf "$T/$name"
	cp -r "$T/$from" "$T/$name"
	rm -f "$T/$name/sluice-manifest.json"
	sed -i "$expr" "$T/$name/$file"
	drop_dbs dst fidelity
	capture "$name" sluice load "${DST[@]}" -d "$T/$name"
	assert_exit_nonzero "$RC" "exit code"
	assert_contains "$ERR" "$file" "the message names the file"
}

t_begin "a truncated JSON line fails the load naming the file"
bad_dir badjson dir-jsonl fidelity.t_ints.00000.jsonl '3s/,.*$/,/'
assert_contains "$ERR" "line 3" "the message names the line"
t_pass

t_begin "a JSON line with other keys fails the load"
bad_dir badkeys dir-jsonl fidelity.t_ints.00000.jsonl '2s/"id":/"idx":/'
assert_contains "$ERR" "keys differ" "message"
t_pass

t_begin "a CSV file with a broken header fails the load"
bad_dir badcsv dir-csv fidelity.t_ints.00000.csv '1s/^"id"/"id/'
t_pass

t_begin "a CSV row with an unknown column in the header: the server's error, naming the file"
bad_dir badcol dir-csv fidelity.t_ints.00000.csv '1s/^"id"/"nosuch"/'
assert_contains "$ERR" "nosuch" "message"
t_pass

# --- JSON written by another tool --------------------------------------------

t_begin "jsonl from another tool: escapes, surrogate pairs, \$hex for text, spaces"
rm -rf "$T/foreign"
mkdir -p "$T/foreign"
cp "$T/dir-jsonl/metadata" "$T/foreign/metadata" # mydumper's marker of a dump directory
printf 'CREATE DATABASE IF NOT EXISTS `fj`;\n' >"$T/foreign/fj-schema-create.sql"
printf 'CREATE TABLE `fj`.`t` (id INT PRIMARY KEY, s VARCHAR(20) CHARACTER SET utf8mb4 NULL, b VARBINARY(8) NULL, l VARCHAR(8) CHARACTER SET latin1 NULL);\n' >"$T/foreign/fj.t-schema.sql"
cat >"$T/foreign/fj.t.00000.jsonl" <<'J'
{ "id" : 1, "s" : "\u00e9\ud83d\ude00\t\"\\/", "b" : "AB", "l" : {"$hex": "e9"} }
{"id":2,"s":null,"b":{"$hex":"00ff"},"l":""}

{"id":3,"s":"x","b":null,"l":null}
J
drop_dbs dst fj
capture foreign sluice load "${DST[@]}" -d "$T/foreign"
assert_exit_zero "$RC" "load exit code (stderr: $(_t_show "$ERR"))"
assert_eq $'1\tC3A9F09F988009225C2F\t4142\tE9|2\tNULL\t00FF\t|3\t78\tNULL\tNULL' \
	"$(sql dst 'SELECT id, HEX(s), HEX(b), HEX(l) FROM fj.t ORDER BY id' | paste -sd'|')" "values"
drop_dbs dst fj
t_pass
t_done
