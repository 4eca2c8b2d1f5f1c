#!/usr/bin/env bash
# 97_archive.sh - archives and directories (issue 5): `sluice dump -a FILE`
# (tar with zstd/gzip/xz/none, zip; a file or stdout), `sluice dump -o DIR`
# (mydumper's layout), `sluice load -a FILE|-`, `sluice load -d DIR`, and
# `sluice verify FILE|DIR|-`, against the src and dst servers:
#   * round trips of the fidelity corpus with equal CHECKSUM TABLE for every
#     table: tar.zst, zip, tar on stdout piped into `load -a -`, dir;
#   * a sluice directory restores with Debian's myloader (every table equal,
#     every view, trigger, routine and event there);
#     a Debian mydumper directory loads with `sluice load -d`;
#   * the manifest is last, names every table with its rows, and says ok;
#   * verify passes good dumps (file, dir, stdin) and refuses each damage:
#     truncated, a flipped byte, no manifest, manifest status error;
#   * entries with absolute paths, '..', links or devices are refused naming
#     the entry; a non-empty directory or an existing file is refused
#     without --overwrite;
#   * a full disk (ulimit -f) for the dir and file sinks ends with one error
#     line and exit 1, and what was written does not pass verify.
# shellcheck source=tests/lib/common.sh
. "$(dirname "$0")/../lib/common.sh"
need_sluice
need_server src dst

corpus_on_src
DUMP=(dump "${SRC[@]}" -B fidelity --routines --events)

# --- round trips -------------------------------------------------------------

t_begin "dump -a FILE.tar.zst: a zstd tar, manifest last with status ok"
capture tzst sluice "${DUMP[@]}" -a "$T/d.tar.zst"
assert_exit_zero "$RC" "dump exit code (stderr: $(_t_show "$ERR"))"
assert_eq "" "$(cat "$OUT")" "stdout"
assert_eq "28b52ffd" "$(head -c 4 "$T/d.tar.zst" | od -An -tx1 | tr -d ' \n')" "zstd magic"
assert_eq "sluice-manifest.json" "$(zstd -dc "$T/d.tar.zst" | tar -tf - | tail -n 1)" "last entry"
zstd -dc "$T/d.tar.zst" | tar -xOf - sluice-manifest.json >"$T/manifest.json"
assert_eq "ok" "$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["status"])' "$T/manifest.json")" "manifest status"
assert_eq "$(sql src "SELECT COUNT(*) FROM fidelity.t_ints")" \
	"$(python3 -c 'import json,sys; m=json.load(open(sys.argv[1])); print([t["rows"] for t in m["tables"] if t["table"]=="t_ints"][0])' "$T/manifest.json")" \
	"rows of t_ints in the manifest"
assert_eq "$(sql src "SELECT CONCAT(@@hostname, ':', @@port)")" \
	"$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["source"])' "$T/manifest.json")" \
	"source server in the manifest"
assert_eq "$(sql src "SELECT VERSION()")" \
	"$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["server"])' "$T/manifest.json")" \
	"server version in the manifest"
t_pass

t_begin "dump -> tar.zst -> load -a: every table equal"
load_check ltzst -a "$T/d.tar.zst"
t_pass

t_begin "dump -> zip -> load -a: every table equal"
capture zip sluice "${DUMP[@]}" -a "$T/d.zip"
assert_exit_zero "$RC" "dump exit code (stderr: $(_t_show "$ERR"))"
assert_eq "504b0304" "$(head -c 4 "$T/d.zip" | od -An -tx1 | tr -d ' \n')" "zip magic"
assert_contains "$(unzip -l "$T/d.zip")" "sluice-manifest.json" "zip listing"
load_check lzip -a "$T/d.zip"
t_pass

t_begin "dump -a - (tar on stdout) | load -a -: every table equal"
drop_dbs dst fidelity
sluice "${DUMP[@]}" -a - 2>"$T/pipe-dump.err" </dev/null |
	sluice load "${DST[@]}" -a - >"$T/pipe.out" 2>"$T/pipe-load.err"
rcs=("${PIPESTATUS[@]}")
assert_exit_zero "${rcs[0]}" "dump exit code ($(_t_show "$(cat "$T/pipe-dump.err")"))"
assert_exit_zero "${rcs[1]}" "load exit code ($(_t_show "$(cat "$T/pipe-load.err")"))"
assert_same "$SRC_CK" "$(checksum_db dst fidelity)" "checksums (src vs dst)"
t_pass

t_begin "tar, tar.gz, tar.xz by extension; --compress and --archive-format win over it"
for ext in tar tar.gz tar.xz; do
	capture "ext-$ext" sluice dump "${SRC[@]}" -B fidelity -T fidelity.t_ints -a "$T/e.$ext"
	assert_exit_zero "$RC" "dump .$ext (stderr: $(_t_show "$ERR"))"
	assert_contains "$(tar -tf "$T/e.$ext")" "sluice-manifest.json" ".$ext listing"
done
assert_eq "1f8b" "$(head -c 2 "$T/e.tar.gz" | od -An -tx1 | tr -d ' \n')" "gzip magic"
assert_eq "fd377a58" "$(head -c 4 "$T/e.tar.xz" | od -An -tx1 | tr -d ' \n')" "xz magic"
assert_eq "ustar" "$(dd if="$T/e.tar" bs=1 skip=257 count=5 2>/dev/null)" "plain tar"
capture cz sluice dump "${SRC[@]}" -B fidelity -T fidelity.t_ints -a "$T/e.bin" --archive-format zip --compress none
assert_exit_zero "$RC" "zip by option (stderr: $(_t_show "$ERR"))"
assert_eq "504b0304" "$(head -c 4 "$T/e.bin" | od -An -tx1 | tr -d ' \n')" "zip magic"
capture lvl sluice dump "${SRC[@]}" -B fidelity -T fidelity.t_ints -a "$T/l.tar.zst" --compress-level 19
assert_exit_zero "$RC" "--compress-level 19 (stderr: $(_t_show "$ERR"))"
capture v19 sluice verify "$T/l.tar.zst"
assert_exit_zero "$RC" "verify (stderr: $(_t_show "$ERR"))"
t_pass

t_begin "dump -o DIR: mydumper's layout, metadata, manifest; load -d: every table equal"
capture dir sluice "${DUMP[@]}" -o "$T/dir"
assert_exit_zero "$RC" "dump exit code (stderr: $(_t_show "$ERR"))"
for f in metadata sluice-manifest.json fidelity-schema-create.sql fidelity.t_ints-schema.sql fidelity.t_ints.00000.sql; do
	[ -f "$T/dir/$f" ] || t_fail "no $f in the directory"
done
assert_contains "$(cat "$T/dir/metadata")" "Finished dump at" "metadata"
assert_eq "" "$(find "$T/dir" -name '.*tmp')" "temporary files left"
load_check ldir -d "$T/dir"
t_pass

# A directory holds trigger, routine and event files in the form myloader
# 0.10 replays and views after placeholder tables, so myloader restores all
# of it: exit 0, no CRITICAL line, every table equal, every object there.
t_begin "a sluice directory restores with Debian's myloader: every table equal, every object present"
if command -v myloader >/dev/null; then
	drop_dbs dst fidelity
	myloader -h 127.0.0.1 -P "$(server_port dst)" -u "$SL_USER" -p "$SL_PASSWORD" \
		-d "$T/dir" -t 2 >"$T/myloader.log" 2>&1
	assert_exit_zero "$?" "myloader exit code ($(_t_show "$(grep -m 2 CRITICAL "$T/myloader.log")"))"
	assert_eq "" "$(grep CRITICAL "$T/myloader.log")" "CRITICAL lines of myloader"
	assert_same "$SRC_CK" "$(checksum_db dst fidelity)" "checksums (src vs dst after myloader)"
	for what in "TABLES WHERE TABLE_SCHEMA='fidelity' AND TABLE_TYPE='BASE TABLE'" \
		"VIEWS WHERE TABLE_SCHEMA='fidelity'" "TRIGGERS WHERE TRIGGER_SCHEMA='fidelity'" \
		"ROUTINES WHERE ROUTINE_SCHEMA='fidelity'" "EVENTS WHERE EVENT_SCHEMA='fidelity'"; do
		assert_eq "$(sql src "SELECT COUNT(*) FROM information_schema.$what")" \
			"$(sql dst "SELECT COUNT(*) FROM information_schema.$what")" "information_schema.${what%% *} (src vs dst)"
	done
	assert_eq "$(sql src "SELECT * FROM fidelity.a_view_top ORDER BY id")" \
		"$(sql dst "SELECT * FROM fidelity.a_view_top ORDER BY id")" "a view on a view that sorts before it"
	t_pass
else
	t_fail "myloader is not installed"
fi

setup_sql src <<'SQL'
SET NAMES utf8mb4;
DROP DATABASE IF EXISTS arch_myd;
CREATE DATABASE arch_myd DEFAULT CHARACTER SET utf8mb4;
CREATE TABLE arch_myd.t (id INT PRIMARY KEY, s VARCHAR(100), b BLOB, d DECIMAL(20,6),
  ts DATETIME(6), n INT NULL, KEY (s));
INSERT INTO arch_myd.t SELECT seq, CONCAT('row ''', seq, '''\n\t', 'ü€😀'), UNHEX(MD5(seq)),
  seq / 7, '2026-11-21 04:50:00.123456' + INTERVAL seq SECOND, IF(seq % 3, seq, NULL)
  FROM arch_myd.seq_1_to_30000;
CREATE TABLE arch_myd.empty (id INT);
CREATE TABLE arch_myd.log (id INT AUTO_INCREMENT PRIMARY KEY, v INT);
CREATE TRIGGER arch_myd.t_ai AFTER INSERT ON arch_myd.t FOR EACH ROW INSERT INTO arch_myd.log (v) VALUES (NEW.id);
CREATE VIEW arch_myd.v AS SELECT id, s FROM arch_myd.t WHERE id < 10;
CREATE VIEW arch_myd.a_top AS SELECT COUNT(*) AS n FROM arch_myd.v;
SQL
t_begin "a Debian mydumper directory loads with sluice load -d: tables equal"
if command -v mydumper >/dev/null; then
	rm -rf "$T/myd"
	mydumper_run -h 127.0.0.1 -P "$(server_port src)" -u "$SL_USER" -p "$SL_PASSWORD" \
		-B arch_myd -G -r 5000 -o "$T/myd" >"$T/mydumper.log" 2>&1
	assert_exit_zero "$?" "mydumper exit code ($(_t_show "$(tail -n 2 "$T/mydumper.log")"))"
	drop_dbs dst arch_myd
	capture lmyd sluice load "${DST[@]}" -d "$T/myd"
	assert_exit_zero "$RC" "load exit code (stderr: $(_t_show "$ERR"))"
	assert_same "$(checksum_db src arch_myd)" "$(checksum_db dst arch_myd)" "checksums (src vs dst)"
	assert_eq "5" "$(sql dst "SELECT COUNT(*) FROM arch_myd.v WHERE id < 6")" "the view works"
	assert_eq "9" "$(sql dst "SELECT n FROM arch_myd.a_top")" "a view on a view that sorts before it"
	assert_eq "1" "$(sql dst "SELECT COUNT(*) FROM information_schema.TRIGGERS WHERE TRIGGER_SCHEMA='arch_myd'")" "triggers"
	t_pass
else
	t_fail "mydumper is not installed"
fi

t_begin "a mydumper directory loads under another name (-B): tables, views and triggers follow"
if [ -d "$T/myd" ]; then
	drop_dbs dst arch_myd arch_myd2
	capture lmydb sluice load "${DST[@]}" -d "$T/myd" -B arch_myd2
	assert_exit_zero "$RC" "load exit code (stderr: $(_t_show "$ERR"))"
	assert_eq "0" "$(sql dst "SELECT COUNT(*) FROM information_schema.SCHEMATA WHERE SCHEMA_NAME='arch_myd'")" "nothing written under the old name"
	assert_same "$(checksum_db src arch_myd)" "$(checksum_db dst arch_myd2)" "checksums (src vs renamed dst)"
	assert_eq "9" "$(sql dst "SELECT n FROM arch_myd2.a_top")" "a view on a view under the new name"
	sql dst "INSERT INTO arch_myd2.t (id, s) VALUES (1000000, 'new')" >/dev/null
	assert_eq "1" "$(sql dst "SELECT COUNT(*) FROM arch_myd2.log WHERE v = 1000000")" "the trigger writes the renamed log"
	drop_dbs dst arch_myd2
fi
t_pass

t_begin "a mydumper directory without 'Finished dump at' is refused"
if [ -d "$T/myd" ]; then
	cp -r "$T/myd" "$T/myd-partial"
	sed -i '/Finished dump at/d' "$T/myd-partial/metadata"
	capture mydpart sluice verify "$T/myd-partial"
	assert_exit_nonzero "$RC"
	assert_one_line "$ERR" "sluice: error: " "stderr"
	assert_contains "$ERR" "incomplete" "message"
fi
t_pass

# --- verify ------------------------------------------------------------------

t_begin "verify passes good dumps: tar.zst, zip, directory, stdin (tar and stream)"
for f in "$T/d.tar.zst" "$T/d.zip" "$T/dir"; do
	capture vgood sluice verify "$f"
	assert_exit_zero "$RC" "verify ${f##*/} (stderr: $(_t_show "$ERR"))"
done
sluice verify - <"$T/d.tar.zst" 2>"$T/v-stdin.err"
assert_exit_zero "$?" "verify - < tar.zst ($(_t_show "$(cat "$T/v-stdin.err")"))"
cat "$T/d.zip" | sluice verify 2>"$T/v-pipe.err"
assert_exit_zero "$?" "cat zip | verify ($(_t_show "$(cat "$T/v-pipe.err")"))"
sluice dump "${SRC[@]}" -B fidelity 2>/dev/null </dev/null | sluice verify - 2>"$T/v-stream.err"
assert_exit_zero "$?" "a stream on stdin still verifies ($(_t_show "$(cat "$T/v-stream.err")"))"
t_pass

# refused NAME FILE|DIR NEEDLE: verify fails with one line containing NEEDLE.
refused() {
	capture "$1" sluice verify "$2"
	assert_exit_nonzero "$RC" "exit code"
	assert_one_line "$ERR" "sluice: error: " "stderr"
	assert_contains "$ERR" "$3" "message"
}

capture plain sluice "${DUMP[@]}" -a "$T/p.tar"
size=$(stat -c %s "$T/p.tar")

t_begin "verify refuses a truncated tar, naming the entry"
head -c $((size / 2)) "$T/p.tar" >"$T/trunc.tar"
refused vtrunc "$T/trunc.tar" "entry '"
t_pass

t_begin "verify refuses a truncated tar.zst"
zsize=$(stat -c %s "$T/d.tar.zst")
head -c $((zsize - 1000)) "$T/d.tar.zst" >"$T/trunc.tar.zst"
refused vtruncz "$T/trunc.tar.zst" "trunc"
t_pass

t_begin "verify refuses a flipped byte in a data file (checksum mismatch, naming the table)"
cp "$T/p.tar" "$T/flip.tar"
# A byte in the middle of the largest entry's data.
off=$(python3 -c '
import tarfile, sys
t = tarfile.open(sys.argv[1]); m = max(t.getmembers(), key=lambda m: m.size)
print(m.offset_data + m.size // 2)' "$T/p.tar")
printf '\x01' | dd of="$T/flip.tar" bs=1 seek="$off" conv=notrunc 2>/dev/null
refused vflip "$T/flip.tar" "checksum mismatch"
t_pass

t_begin "--chunk-filesize: a big table's data comes in files of bounded size"
ensure_big src >"$T/gen.log" 2>&1 || t_fail "gen_big: $(tail -n 2 "$T/gen.log")"
capture cfs sluice dump "${SRC[@]}" -T big.t1m --where "id <= 20000" --chunk-filesize 256K -o "$T/cfs"
assert_exit_zero "$RC" "dump exit"
n=$(find "$T/cfs" -name 'big.t1m.*.sql' | wc -l)
assert_le 5 "$n" "data files of 20000 rows (about 2 MiB) at 256K each"
largest=$(find "$T/cfs" -name 'big.t1m.*.sql' -printf '%s\n' | sort -n | tail -n 1)
assert_le "$largest" $((256 * 1024 + 64 * 1024)) "largest data file in bytes (256K of rows, one row more, the prologue)"
rm -rf "$T/cfs"
t_pass

t_begin "verify refuses a dump without a manifest (tar and directory)"
mkdir -p "$T/nm" && (cd "$T/nm" && tar -xf "$T/p.tar" && rm sluice-manifest.json &&
	tar -cf "$T/nm.tar" $(tar -tf "$T/p.tar" | grep -v '^sluice-manifest.json$'))
refused vnm "$T/nm.tar" "no sluice-manifest.json"
cp -r "$T/dir" "$T/dir-nm" && rm "$T/dir-nm/sluice-manifest.json" "$T/dir-nm/metadata"
refused vnmd "$T/dir-nm" "sluice-manifest.json"
t_pass

t_begin "verify refuses a manifest with status error"
cp -r "$T/dir" "$T/dir-err"
sed -i 's/"status": "ok"/"status": "error"/' "$T/dir-err/sluice-manifest.json"
refused vste "$T/dir-err" "status error"
mkdir -p "$T/ste" && (cd "$T/ste" && tar -xf "$T/p.tar" &&
	sed -i 's/"status": "ok"/"status": "error"/' sluice-manifest.json &&
	tar -cf "$T/ste.tar" $(tar -tf "$T/p.tar"))
refused vstt "$T/ste.tar" "status error"
t_pass

t_begin "verify refuses a directory whose file was changed or removed"
cp -r "$T/dir" "$T/dir-mod"
echo "-- tampered" >>"$T/dir-mod/fidelity.t_ints.00000.sql"
refused vmod "$T/dir-mod" "t_ints"
cp -r "$T/dir" "$T/dir-rm"
rm "$T/dir-rm/fidelity.t_ints.00000.sql"
refused vrm "$T/dir-rm" "t_ints"
t_pass

t_begin "a dump that fails (bad --where) leaves an archive that load refuses"
capture bad sluice dump "${SRC[@]}" -B fidelity --where "no_such_column = 1" -a "$T/bad.tar.zst"
assert_exit_nonzero "$RC" "dump exit code"
drop_dbs dst fidelity
capture lbad sluice load "${DST[@]}" -a "$T/bad.tar.zst"
assert_exit_nonzero "$RC" "load exit code"
assert_contains "$ERR" "status error" "message"
t_pass

t_begin "a tar of a dump directory: ./ names in dump order pass; out of dump order is refused"
# The stream's order, each view's placeholder table (for myloader) right
# after the view.
(cd "$T/dir" && tar -cf "$T/dot.tar" $(tar -tf "$T/p.tar" |
	sed 's#^\(.*\)-schema-view\.sql$#&\n\1-schema.sql#' | sed 's#^#./#'))
capture vdot sluice verify "$T/dot.tar"
assert_exit_zero "$RC" "./-named entries in dump order (stderr: $(_t_show "$ERR"))"
(cd "$T/dir" && tar -cf "$T/order.tar" fidelity.t_ints.00000.sql $(tar -tf "$T/p.tar" |
	sed 's#^\(.*\)-schema-view\.sql$#&\n\1-schema.sql#' | grep -v '^fidelity\.t_ints\.00000\.sql$'))
refused vorder "$T/order.tar" "not in dump order"
assert_contains "$ERR" "entry 'fidelity-schema-create.sql' comes after" "message names the entry"
t_pass

# --- hostile input -------------------------------------------------------------

python3 - "$T" <<'PY'
import io, sys, tarfile
d = sys.argv[1]
cases = {"abs": ("/tmp/evil-sluice.sql", "file"), "dotdot": ("../evil.sql", "file"),
         "symlink": ("fidelity.x-schema.sql", "sym"), "hardlink": ("fidelity.y-schema.sql", "lnk"),
         "device": ("fidelity.z-schema.sql", "chr"), "subdir": ("sub/fidelity-schema-create.sql", "file")}
for case, (name, kind) in cases.items():
    with tarfile.open(f"{d}/evil-{case}.tar", "w") as t:
        ti = tarfile.TarInfo(name)
        if kind == "sym":
            ti.type = tarfile.SYMTYPE; ti.linkname = "/etc/passwd"; t.addfile(ti)
        elif kind == "lnk":
            ti.type = tarfile.LNKTYPE; ti.linkname = "fidelity-schema-create.sql"; t.addfile(ti)
        elif kind == "chr":
            ti.type = tarfile.CHRTYPE; ti.devmajor = 1; ti.devminor = 3; t.addfile(ti)
        else:
            b = b"SELECT 1;\n"; ti.size = len(b); t.addfile(ti, io.BytesIO(b))
PY

t_begin "archive entries with an absolute path, '..', links, devices or subdirectories are refused"
for c in abs dotdot symlink hardlink device subdir; do
	capture "evil-$c" sluice load "${DST[@]}" -a "$T/evil-$c.tar"
	assert_exit_nonzero "$RC" "$c: exit code"
	assert_one_line "$ERR" "sluice: error: " "$c: stderr"
	assert_contains "$ERR" "refused" "$c: message"
done
assert_eq "no" "$([ -e /tmp/evil-sluice.sql ] && echo yes || echo no)" "file written outside"
t_pass

t_begin "a directory with a symbolic link is refused naming it"
cp -r "$T/dir" "$T/dir-link"
ln -s /etc/passwd "$T/dir-link/fidelity.zz-schema.sql"
refused vlink "$T/dir-link" "fidelity.zz-schema.sql"
t_pass

# --- refusing to overwrite; full disk ----------------------------------------------

t_begin "dump -o into a non-empty directory, or -a onto an existing file, needs --overwrite"
capture ne sluice "${DUMP[@]}" -o "$T/dir"
assert_exit "$RC" 1 "non-empty directory"
assert_contains "$ERR" "not empty" "message"
capture ex sluice "${DUMP[@]}" -a "$T/d.zip"
assert_exit "$RC" 1 "existing file"
assert_contains "$ERR" "overwrite" "message"
capture ow sluice dump "${SRC[@]}" -B fidelity -T fidelity.t_ints -o "$T/dir" --overwrite
assert_exit_zero "$RC" "--overwrite (stderr: $(_t_show "$ERR"))"
assert_eq "" "$(ls "$T/dir" | grep -v -e '^fidelity\.t_ints' -e '^fidelity-schema-create' -e '^metadata$' -e '^sluice-manifest.json$')" "files of the old dump left"
capture vow sluice verify "$T/dir"
assert_exit_zero "$RC" "verify (stderr: $(_t_show "$ERR"))"
t_pass

t_begin "a full disk (ulimit -f) for the dir sink: one error line naming the file, exit 1"
(
	ulimit -f 1024
	sluice "${DUMP[@]}" -o "$T/full" >/dev/null 2>"$T/full-dir.err" </dev/null
)
rc=$?
assert_exit "$rc" 1 "exit code"
assert_one_line "$(cat "$T/full-dir.err")" "sluice: error: " "stderr"
assert_contains "$(cat "$T/full-dir.err")" "File too large" "message"
capture vfull sluice verify "$T/full"
assert_exit_nonzero "$RC" "verify of what was written"
t_pass

t_begin "a failed -o dump: mydumper's metadata does not say 'Finished dump at'"
capture failedo sluice "${DUMP[@]}" --where 'no_such_column = 1' -o "$T/failed-o"
assert_exit "$RC" 1 "exit code"
assert_eq "yes" "$([ -f "$T/failed-o/metadata" ] && echo yes)" "metadata written"
assert_not_contains "$(cat "$T/failed-o/metadata")" "Finished dump at" "metadata"
capture vfailedo sluice verify "$T/failed-o"
assert_exit_nonzero "$RC" "verify"
t_pass

t_begin "a full disk (ulimit -f) for the archive sink: one error line, exit 1"
(
	ulimit -f 1024
	sluice "${DUMP[@]}" -a "$T/full.tar" >/dev/null 2>"$T/full-tar.err" </dev/null
)
rc=$?
assert_exit "$rc" 1 "exit code"
assert_one_line "$(cat "$T/full-tar.err")" "sluice: error: " "stderr"
assert_contains "$(cat "$T/full-tar.err")" "File too large" "message"
capture vfullt sluice verify "$T/full.tar"
assert_exit_nonzero "$RC" "verify of what was written"
t_pass

t_begin "load -a with a missing file: exit 1; --help lists the alternatives"
capture miss sluice load "${DST[@]}" -a "$T/no-such.tar.zst"
assert_exit "$RC" 1 "exit code"
capture help sluice dump --help
assert_contains "$(cat "$OUT")" "--archive" "dump --help"
assert_contains "$(cat "$OUT")" "--outputdir" "dump --help"
capture helpa sluice dump -a x.tar --help
assert_contains "$(cat "$OUT")" "--compress-level" "dump -a --help"
t_pass

# --- big and hostile files ---------------------------------------------------------

t_begin "a tar.zst of huge zero-filled entries is refused early, in bounded memory"
python3 - <<'PY' | zstd -q -1 -T2 >"$T/zeros.tar.zst"
import sys, tarfile
class Zeros:
    def __init__(self, n): self.left = n
    def read(self, n=-1):
        n = self.left if n < 0 else min(n, self.left)
        self.left -= n
        return b"\0" * n
with tarfile.open(fileobj=sys.stdout.buffer, mode="w|") as t:
    for name in ("z-schema-create.sql", "z.t.00000.sql", "z.t.00001.sql"):
        size = 40 if name.startswith("z-") else 512 << 20
        info = tarfile.TarInfo(name); info.size = size
        t.addfile(info, Zeros(size) if size > 40 else __import__("io").BytesIO(b"CREATE DATABASE IF NOT EXISTS z;\n".ljust(40)))
PY
/usr/bin/time -f %M -o "$T/zeros-verify.rss" "$SLUICE" verify "$T/zeros.tar.zst" >/dev/null 2>"$T/zeros-verify.err"
assert_exit 1 "$?" "verify exit code"
assert_contains "$(cat "$T/zeros-verify.err")" "longer than --buffer" "verify's message"
assert_le "$(cat "$T/zeros-verify.rss")" "$(rss_limit $((96 * 1024)))" "verify's peak RSS in KiB"
drop_dbs dst z
/usr/bin/time -f %M -o "$T/zeros-load.rss" "$SLUICE" load "${DST[@]}" -t 4 -a "$T/zeros.tar.zst" >/dev/null 2>"$T/zeros-load.err"
assert_exit 1 "$?" "load exit code"
assert_contains "$(cat "$T/zeros-load.err")" "longer than --buffer" "load's message"
assert_le "$(cat "$T/zeros-load.rss")" "$(rss_limit $((128 * 1024)))" "load's peak RSS in KiB"
t_pass

if ensure_big src >"$T/gen-parts.log" 2>&1; then
	t_begin "data files bigger than 8 MiB load in parts: equal checksums, bounded memory"
	capture bigdir sluice dump "${SRC[@]}" -B big -t 2 --batch-size 40M -o "$T/bigdir"
	assert_exit_zero "$RC" "dump exit code (stderr: $(_t_show "$ERR"))"
	large=$(find "$T/bigdir" -name 'big.t1m.*.sql' -size +8M | wc -l)
	assert_le 1 "$large" "data files over 8 MiB"
	drop_dbs dst big_parts
	/usr/bin/time -f %M -o "$T/parts.rss" "$SLUICE" load "${DST[@]}" -d "$T/bigdir" -B big_parts \
		-t 2 --buffer 16M >/dev/null 2>"$T/parts.err"
	assert_exit_zero "$?" "load exit code ($(_t_show "$(cat "$T/parts.err")"))"
	assert_same "$(checksum_db src big)" "$(checksum_db dst big_parts)" "checksums (src vs dst)"
	assert_le "$(cat "$T/parts.rss")" "$(rss_limit $((128 * 1024)))" "load's peak RSS in KiB"
	capture vparts sluice verify "$T/bigdir" --buffer 16M
	assert_exit_zero "$RC" "verify exit code (stderr: $(_t_show "$ERR"))"
	drop_dbs dst big_parts
	rm -rf "$T/bigdir"
	t_pass
fi

# --- cancellation ------------------------------------------------------------------

if ensure_big src >"$T/gen.log" 2>&1; then
	t_begin "SIGINT during dump -a FILE: exit within ~1 s, no query left, the archive is refused"
	"$SLUICE" dump "${SRC[@]}" -B big -t 4 -a "$T/int.tar.zst" >/dev/null 2>"$T/int.err" </dev/null &
	spid=$!
	bg_track "$spid"
	for ((i = 0; i < 100; i++)); do
		[ "$(sluice_queries src '%t1m%')" -ge 1 ] 2>/dev/null && break
		sleep 0.1
	done
	sleep 0.3
	start=$(now)
	kill -INT "$spid"
	wait_bounded "$spid" 20
	rc=$?
	took=$(since "$start")
	assert_exit_nonzero "$rc" "exit code after SIGINT"
	assert_le "$took" "$(limit 2)" "seconds from SIGINT to exit"
	left=$(wait_no_sluice_conns src 5) || t_fail "connections of user sluice left after 5 s: $left"
	capture vint sluice verify "$T/int.tar.zst"
	assert_exit_nonzero "$RC" "verify of the interrupted archive"
	assert_contains "$ERR" "status error" "verify's message (the manifest says why)"
	t_pass

	t_begin "SIGTERM while -a - is blocked on stdout: exit within ~1 s, no query left"
	mkfifo "$T/term.pipe"
	"$SLUICE" dump "${SRC[@]}" -B big -t 4 -a - >"$T/term.pipe" 2>"$T/term.err" </dev/null &
	spid=$!
	bg_track "$spid"
	exec 4<"$T/term.pipe" # opened, never read
	sleep 1.5
	start=$(now)
	kill -TERM "$spid"
	wait_bounded "$spid" 20
	rc=$?
	took=$(since "$start")
	exec 4<&-
	assert_exit_nonzero "$rc" "exit code after SIGTERM"
	assert_le "$took" "$(limit 4)" "seconds from SIGTERM to exit (stdout blocked)"
	left=$(wait_no_sluice_conns src 5) || t_fail "connections of user sluice left after 5 s: $left"
	t_pass

	t_begin "sluice dump -a - | head -c 1000 ends promptly with exit 1"
	start=$(now)
	# shellcheck disable=SC2016
	timeout 60 bash -c '"$1" dump "${@:2}" </dev/null | head -c 1000 >/dev/null; exit "${PIPESTATUS[0]}"' \
		x "$SLUICE" "${SRC[@]}" -B big -a - 2>"$T/head.err"
	rc=$?
	assert_exit "$rc" 1 "exit code"
	assert_le "$(since "$start")" "$(limit 5)" "seconds until the pipeline ended"
	assert_contains "$(cat "$T/head.err")" "closed the pipe" "message"
	t_pass

	# Peak RSS: the ring (--buffer, 32M) and the compressor, never the data.
	if [ -z "$SL_LABEL" ]; then
		# --buffer 16M: when the sink is the slowest part (zstd on its one
		# thread, a busy machine) the rings stay full; the bound is the
		# buffer plus what the threads hold, whatever the data size.
		t_begin "peak RSS of dump -a --buffer 16M (zstd on the sink's thread) of big.t1m stays within 64 MiB; load -a within 96 MiB"
		/usr/bin/time -f '%M' -o "$T/rss-dump" "$SLUICE" dump "${SRC[@]}" -B big -t 2 --buffer 16M \
			--compress-threads 0 -a "$T/big.tar.zst" >/dev/null 2>"$T/rss-dump.err" </dev/null
		assert_exit_zero "$?" "dump exit code (stderr: $(_t_show "$(cat "$T/rss-dump.err")"))"
		echo "dump -a peak RSS: $(tail -n 1 "$T/rss-dump") kB"
		assert_le "$(tail -n 1 "$T/rss-dump")" 65536 "dump -a peak RSS in kB"
		drop_dbs dst big
		/usr/bin/time -f '%M' -o "$T/rss-load" "$SLUICE" load "${DST[@]}" -t 2 --buffer 16M \
			-a "$T/big.tar.zst" >/dev/null 2>"$T/rss-load.err" </dev/null
		assert_exit_zero "$?" "load exit code (stderr: $(_t_show "$(cat "$T/rss-load.err")"))"
		echo "load -a peak RSS: $(tail -n 1 "$T/rss-load") kB"
		assert_le "$(tail -n 1 "$T/rss-load")" 98304 "load -a peak RSS in kB"
		assert_eq "$(sql src "CHECKSUM TABLE big.t1m EXTENDED" | cut -f2)" \
			"$(sql dst "CHECKSUM TABLE big.t1m EXTENDED" | cut -f2)" "big.t1m checksum (src vs dst)"
		drop_dbs dst big
		rm -f "$T/big.tar.zst"
		t_pass
	fi
	bg_kill_all
else
	t_begin "big.t1m on src"
	t_fail "tests/data/gen_big.sh failed: $(tail -n 2 "$T/gen.log")"
fi

t_done
