#!/usr/bin/env bash
# 92_chain.sh - sluice as any step of a pipeline (issue 13), against the src
# and dst servers:
#   * row hooks on files: a stream masked by `load --script` (every value
#     rewritten, row counts equal); an identity transform over the whole
#     fidelity corpus read back from a stream gives the source's CHECKSUM
#     TABLE (every type decoded and encoded again); an archive masked
#     offline by a job into a new archive that verifies and loads; where()
#     on rows from files fails with one clear line;
#   * mysqldump files: the fidelity corpus dumped by mariadb-dump
#     --routines --events --triggers --hex-blob and loaded by `sluice load
#     FILE -t 2` gives what the plain client gives (CHECKSUM TABLE; the
#     source's own, except the two tables mariadb-dump itself cannot
#     reproduce) with every object present; gzip and zstd variants and
#     stdin; verify names what it read; a file cut at several offsets is
#     refused (verify and load exit 1, nothing complete); a --compact dump
#     of one table that names no database needs -B and loads with it; a
#     mysqldump file masked into a sluice stream by a job;
#   * load --into: an external CSV with CRLF line ends and quoted newlines,
#     JSON lines from stdin, a malformed line refused with its number.
# shellcheck source=tests/lib/common.sh
. "$(dirname "$0")/../lib/common.sh"
need_sluice
need_server src dst

t_begin "corpus tests/data/fidelity.sql on src, and a table to mask"
if server_client src <"$SL_ROOT/tests/data/fidelity.sql" >"$T/corpus.log" 2>&1; then t_pass; else
	t_fail "loading failed: $(tail -n 3 "$T/corpus.log")"
	t_done
fi
setup_sql src "DROP DATABASE IF EXISTS chain; CREATE DATABASE chain;
USE chain;
CREATE TABLE chain.customers (id INT PRIMARY KEY, email VARCHAR(80), name VARCHAR(40), note BLOB);
INSERT INTO chain.customers
  SELECT seq, CONCAT('user', seq, '@example.com'), CONCAT('Name ', seq), UNHEX(HEX(seq))
  FROM seq_1_to_20000;"
SRC_CK=$(checksum_db src fidelity)
MYDUMP=(mariadb-dump -S "$(server_socket src)" -u root)

# --- row hooks on files ----------------------------------------------------------

cat >"$T/mask.lua" <<'EOF'
function transform(t, rows)
  if t.name ~= "customers" then return end
  local email = rows:column("email")
  for i = 1, rows.n do email[i] = "masked-" .. sluice.hash("k", email[i]) .. "@example.invalid" end
end
EOF

t_begin "dump | load --script: every email masked, row counts equal"
drop_dbs dst chain
sluice dump "${SRC[@]}" -B chain >"$T/chain.sql" 2>"$T/chain-dump.err"
capture mask sluice load "${DST[@]}" --script "$T/mask.lua" -t 2 "$T/chain.sql"
assert_exit_zero "$RC" "load exit code (stderr: $(_t_show "$ERR"))"
assert_eq "20000" "$(sql dst "SELECT COUNT(*) FROM chain.customers")" "rows on dst"
assert_eq "20000" "$(sql dst "SELECT COUNT(*) FROM chain.customers WHERE email LIKE 'masked-%@example.invalid'")" "masked emails"
assert_eq "0" "$(sql dst "SELECT COUNT(*) FROM chain.customers WHERE email LIKE '%@example.com'")" "emails left unmasked"
assert_eq "$(sql src "SELECT SUM(CRC32(CONCAT(id, name, HEX(note)))) FROM chain.customers")" \
	"$(sql dst "SELECT SUM(CRC32(CONCAT(id, name, HEX(note)))) FROM chain.customers")" "other columns"
assert_not_contains "$ERR" "do not apply" "no warning that hooks do not apply"
t_pass

cat >"$T/ident.lua" <<'EOF'
-- Read and write back every column of every row: decoding and encoding
-- must give every byte back.
function transform(t, rows)
  for _, c in ipairs(t.columns) do
    if not c.generated then
      local v = rows:column(c.name)
      for i = 1, rows.n do v[i] = v[i] end
    end
  end
end
EOF

t_begin "stream of the fidelity corpus through an identity transform: checksums equal"
sluice dump "${SRC[@]}" -B fidelity --routines --events >"$T/fid.sql" 2>"$T/fid-dump.err"
drop_dbs dst fidelity
capture ident sluice load "${DST[@]}" --script "$T/ident.lua" -t 2 "$T/fid.sql"
assert_exit_zero "$RC" "load exit code (stderr: $(_t_show "$ERR"))"
assert_same "$SRC_CK" "$(checksum_db dst fidelity)" "checksums (src vs dst)"
t_pass

t_begin "where() on rows from files: one clear error, exit non-zero"
echo 'function where(t) if t.name == "customers" then return "id < 10" end end' >"$T/where.lua"
drop_dbs dst chain
capture where sluice load "${DST[@]}" --script "$T/where.lua" "$T/chain.sql"
assert_exit_nonzero "$RC" "load exit code"
assert_contains "$ERR" "no server to run it" "the error says why"
assert_one_line "$ERR" "sluice: error:" "one error line"
t_pass

t_begin "an archive masked offline by a job into a new archive, which verifies and loads"
sluice dump "${SRC[@]}" -B chain -a "$T/chain.tar.zst" 2>"$T/a.err"
rm -f "$T/masked.tar.zst"
cat >"$T/offline.lua" <<EOF
source = { type = "archive", archive = "$T/chain.tar.zst" }
sinks = { out = { type = "tar", archive = "$T/masked.tar.zst" } }
$(cat "$T/mask.lua")
EOF
capture offline sluice run "$T/offline.lua"
assert_exit_zero "$RC" "run exit code (stderr: $(_t_show "$ERR"))"
capture offverify sluice verify "$T/masked.tar.zst"
assert_exit_zero "$RC" "verify of the masked archive (stderr: $(_t_show "$ERR"))"
assert_eq "0" "$(zstd -dc "$T/masked.tar.zst" | grep -c '@example\.com' || true)" "no email left in the archive"
drop_dbs dst chain
capture offload sluice load "${DST[@]}" "$T/masked.tar.zst"
assert_exit_zero "$RC" "load exit code (stderr: $(_t_show "$ERR"))"
assert_eq "20000" "$(sql dst "SELECT COUNT(*) FROM chain.customers WHERE email LIKE 'masked-%'")" "masked rows loaded"
t_pass

# --- mysqldump files ----------------------------------------------------------------

# The objects of fidelity on a server, one per line.
objects() {
	sql "$1" "SELECT CONCAT(TABLE_TYPE, ' ', TABLE_NAME) FROM information_schema.TABLES WHERE TABLE_SCHEMA = 'fidelity'
	UNION ALL SELECT CONCAT(ROUTINE_TYPE, ' ', ROUTINE_NAME) FROM information_schema.ROUTINES WHERE ROUTINE_SCHEMA = 'fidelity'
	UNION ALL SELECT CONCAT('TRIGGER ', TRIGGER_NAME) FROM information_schema.TRIGGERS WHERE TRIGGER_SCHEMA = 'fidelity'
	UNION ALL SELECT CONCAT('EVENT ', EVENT_NAME) FROM information_schema.EVENTS WHERE EVENT_SCHEMA = 'fidelity'" | LC_ALL=C sort
}
SRC_OBJ=$(objects src)

t_begin "mariadb-dump --routines --events --triggers --hex-blob of the corpus, and the plain client's load of it"
"${MYDUMP[@]}" --routines --events --triggers --hex-blob --databases fidelity >"$T/md.sql" 2>"$T/md.err"
assert_exit_zero "$?" "mariadb-dump (stderr: $(_t_show "$(cat "$T/md.err")"))"
drop_dbs dst fidelity
mariadb_import dst <"$T/md.sql" >"$T/plain.log" 2>&1
assert_exit_zero "$?" "mariadb < md.sql ($(tail -n 2 "$T/plain.log"))"
PLAIN_CK=$(checksum_db dst fidelity)
# What mariadb-dump itself loses (FLOAT printed with 6 digits; invalid
# dates under its NO_AUTO_VALUE_ON_ZERO only mode): the only tables where the
# plain client's load differs from the source.
assert_eq "t_float t_invalid_dates" \
	"$(diff <(echo "$SRC_CK") <(echo "$PLAIN_CK") | sed -n 's/^< \([^[:space:]]*\).*/\1/p' | tr '\n' ' ' | sed 's/ $//')" \
	"tables mariadb-dump cannot reproduce"
t_pass

t_begin "sluice load md.sql -t 2: the plain client's checksums, every object present"
drop_dbs dst fidelity
capture mdload sluice load "${DST[@]}" -t 2 "$T/md.sql"
assert_exit_zero "$RC" "load exit code (stderr: $(_t_show "$ERR"))"
assert_same "$PLAIN_CK" "$(checksum_db dst fidelity)" "checksums (plain client vs sluice)"
assert_same "$SRC_OBJ" "$(objects dst)" "objects (src vs dst)"
t_pass

t_begin "verify names a mysqldump file, complete"
capture mdverify sluice verify -v "$T/md.sql"
assert_exit_zero "$RC" "verify exit code (stderr: $(_t_show "$ERR"))"
assert_contains "$ERR" "a mysqldump file, complete (MariaDB dump" "what verify read"
t_pass

for z in gzip zstd; do
	t_begin "$z-compressed mysqldump file loads (file and stdin) and verifies"
	"$z" -c "$T/md.sql" >"$T/md.sql.$z"
	drop_dbs dst fidelity
	capture "md$z" sluice load "${DST[@]}" -t 2 "$T/md.sql.$z"
	assert_exit_zero "$RC" "load exit code (stderr: $(_t_show "$ERR"))"
	assert_same "$PLAIN_CK" "$(checksum_db dst fidelity)" "checksums"
	RC=0
	sluice verify -v - <"$T/md.sql.$z" 2>"$T/md$z-stdin.err" || RC=$?
	assert_exit_zero "$RC" "verify from stdin ($(cat "$T/md$z-stdin.err" | head -c 300))"
	assert_contains "$(cat "$T/md$z-stdin.err")" "a mysqldump file, complete" "what verify read"
	t_pass
done

t_begin "a mysqldump file cut at several offsets is refused by verify and load"
size=$(stat -c %s "$T/md.sql")
for cut in 40 1200 $((size / 3)) $((size / 2 + 7)) $((size - 60)) $((size - 5)) $((size - 1)); do
	head -c "$cut" "$T/md.sql" >"$T/cut.sql"
	capture cutverify sluice verify "$T/cut.sql"
	assert_exit "$RC" 1 "verify of the file cut at $cut"
	assert_contains "$ERR" "incomplete" "verify says incomplete (cut at $cut)"
done
head -c $((size / 2 + 7)) "$T/md.sql" | gzip >"$T/cut.sql.gz"
drop_dbs dst fidelity
capture cutload sluice load "${DST[@]}" -t 2 "$T/cut.sql.gz"
assert_exit "$RC" 1 "load of a cut gzip file"
assert_contains "$ERR" "incomplete" "load says incomplete"
assert_contains "$ERR" "0 table(s) loaded completely" "no table reported complete"
t_pass

t_begin "a --compact dump of one table names no database: refused without -B, loaded with it (database made)"
"${MYDUMP[@]}" --compact chain customers >"$T/compact.sql"
capture nob sluice load "${DST[@]}" "$T/compact.sql"
assert_exit "$RC" 2 "load without -B"
assert_contains "$ERR" "-B DB" "the error names -B"
drop_dbs dst chain_b
capture withb sluice load "${DST[@]}" -B chain_b -t 2 "$T/compact.sql"
assert_exit_zero "$RC" "load -B (stderr: $(_t_show "$ERR"))"
assert_eq "$(sql src "CHECKSUM TABLE chain.customers EXTENDED" | cut -f2)" \
	"$(sql dst "CHECKSUM TABLE chain_b.customers EXTENDED" | cut -f2)" "checksum"
t_pass

t_begin "a dump of one database's tables (no --databases) loads under -B into a database it makes"
"${MYDUMP[@]}" --routines --triggers chain >"$T/onedb.sql"
drop_dbs dst chain_c
capture onedb sluice load "${DST[@]}" -B chain_c -t 2 "$T/onedb.sql"
assert_exit_zero "$RC" "load -B chain_c (stderr: $(_t_show "$ERR"))"
assert_same "$(checksum_db src chain)" "$(checksum_db dst chain_c)" "checksums (src chain vs dst chain_c)"
drop_dbs dst chain_c
t_pass

t_begin "a mysqldump file masked by a job into a sluice stream, which loads"
"${MYDUMP[@]}" --databases chain >"$T/chain-md.sql"
cat >"$T/convert.lua" <<EOF
source = { type = "mysqldump", input = "$T/chain-md.sql" }
sinks = { out = { type = "stdout" } }
$(cat "$T/mask.lua")
EOF
RC=0
sluice run "$T/convert.lua" >"$T/converted.sql" 2>"$T/convert.err" || RC=$?
assert_exit_zero "$RC" "run exit code ($(head -c 300 "$T/convert.err"))"
assert_eq "-- sluice stream" "$(head -c 16 "$T/converted.sql")" "a sluice stream"
drop_dbs dst chain
capture convload sluice load "${DST[@]}" "$T/converted.sql"
assert_exit_zero "$RC" "load exit code (stderr: $(_t_show "$ERR"))"
assert_eq "20000" "$(sql dst "SELECT COUNT(*) FROM chain.customers WHERE email LIKE 'masked-%'")" "masked rows"
t_pass

# --- load --into ---------------------------------------------------------------------

setup_sql dst "DROP DATABASE IF EXISTS ext; CREATE DATABASE ext;
CREATE TABLE ext.people (id INT PRIMARY KEY, name VARCHAR(50), note TEXT, score DECIMAL(6,2))"

t_begin "load --into: a CSV with CRLF line ends and quoted newlines"
printf 'id,name,note,score\r\n1,Ann,"two\r\nlines, a comma",1.5\r\n2,"Bob ""B""",plain,NULL\r\n3,Cy,"x\ny",2\r\n' >"$T/people.csv"
capture into sluice load "${DST[@]}" --into ext.people -t 2 "$T/people.csv"
assert_exit_zero "$RC" "load exit code (stderr: $(_t_show "$ERR"))"
assert_eq "3" "$(sql dst "SELECT COUNT(*) FROM ext.people")" "rows"
assert_eq "74776f0d0a6c696e65732c206120636f6d6d61" "$(sql dst "SELECT LOWER(HEX(note)) FROM ext.people WHERE id = 1")" "quoted CRLF kept"
assert_eq 'Bob "B"|plain|NULL' "$(sql dst "SELECT CONCAT_WS('|', name, note, IFNULL(score, 'NULL')) FROM ext.people WHERE id = 2")" "quotes and NULL"
assert_eq "0" "$(sql dst "SELECT COUNT(*) FROM ext.people WHERE name LIKE '%\r' OR score IS NOT NULL AND score NOT IN (1.5, 2)")" "no CR left in values"
t_pass

t_begin "load --into a bigger CSV: parts loaded in parallel, memory bounded"
python3 - "$T/big.csv" <<'EOF'
import sys
with open(sys.argv[1], "w", newline="") as f:
    f.write("id,name,note,score\r\n")
    for i in range(10, 200010):
        f.write('%d,"n%d","line one\r\nline two, %d",%d.25\r\n' % (i, i, i, i % 1000))
EOF
capture intobig sluice load "${DST[@]}" --into ext.people -t 2 --buffer 8M -v "$T/big.csv"
assert_exit_zero "$RC" "load exit code (stderr: $(_t_show "$ERR"))"
assert_eq "200003" "$(sql dst "SELECT COUNT(*) FROM ext.people")" "rows"
assert_match "$ERR" "200000 rows of csv in [2-9][0-9]* parts" "cut into parts"
t_pass

t_begin "load --into: JSON lines from stdin; a malformed line refused with its number"
RC=0
printf '{"id":300001,"name":"j"}\n{"id":300002,"name":"k"}\n' |
	sluice load "${DST[@]}" --into ext.people --format jsonl - 2>"$T/jsonl.err" || RC=$?
assert_exit_zero "$RC" "load exit code ($(cat "$T/jsonl.err"))"
assert_eq "2" "$(sql dst "SELECT COUNT(*) FROM ext.people WHERE id > 300000")" "rows"
printf 'id,name\n400001,a\n400002,b,c\n' >"$T/bad.csv"
capture intobad sluice load "${DST[@]}" --into ext.people "$T/bad.csv"
assert_exit "$RC" 1 "load of a malformed CSV"
assert_contains "$ERR" "line 3: 3 fields, the header has 2" "the line named"
assert_one_line "$ERR" "sluice: error:" "one error line"
t_pass

t_done
