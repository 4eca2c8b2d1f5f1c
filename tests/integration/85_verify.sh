#!/usr/bin/env bash
# 85_verify.sh - `sluice verify` (source "stream", sink "null"): a stream is
# read by frame lengths, without a server, and accepted only when it is
# complete and intact.  Good dumps pass from a file, from stdin, as a bare
# argument, and two of them back to back with --continuous; truncations at
# several offsets, corrupted lengths, garbage between frames, an unknown file
# name, trailer counts that do not match, error trailers (hand-made, and a
# real one from a failing --where) and two streams without --continuous are
# refused with exit 1 and one stderr line naming the byte offset; SIGINT
# ends a verify blocked on a stalled pipe within about a second.
#
# Assumptions: errors are one line "sluice: error: <input>: byte N: what",
# where <input> is the path or "stdin"; for input that ends too early N is
# the input's length; a frame header or garbage line is reported at the
# offset where that line starts; a missing file is a usage error (exit 2);
# `--where` naming an unknown column makes dump end its stream with an error
# trailer.
# shellcheck source=tests/lib/common.sh
. "$(dirname "$0")/../lib/common.sh"
need_sluice
need_server src

setup_sql src <<'SQL'
DROP DATABASE IF EXISTS vfy;
DROP DATABASE IF EXISTS `vfy odd`;
CREATE DATABASE vfy;
CREATE DATABASE `vfy odd`;
CREATE TABLE vfy.t1 (id INT PRIMARY KEY, a VARCHAR(80) NOT NULL, b BLOB);
INSERT INTO vfy.t1 SELECT seq, CONCAT('row ', seq, ' -- sluice frame 12 x.y.00000.sql'), UNHEX(MD5(seq)) FROM vfy.seq_1_to_20000;
CREATE TABLE vfy.t2 (id INT PRIMARY KEY, note TEXT);
INSERT INTO vfy.t2 VALUES (1, 'one\n-- sluice trailer 5 ok\n'), (2, NULL);
CREATE TABLE vfy.empty (id INT);
CREATE TRIGGER vfy.t2_bi BEFORE INSERT ON vfy.t2 FOR EACH ROW SET NEW.note = IFNULL(NEW.note, '');
CREATE VIEW vfy.v1 AS SELECT id FROM vfy.t1 WHERE id < 10;
CREATE PROCEDURE vfy.p1() SELECT 1;
CREATE TABLE `vfy odd`.`my table` (`c-1` INT PRIMARY KEY);
INSERT INTO `vfy odd`.`my table` VALUES (1), (2), (3);
SQL

# Offsets in a stream, read by lengths: shell assignments
#   SIZE      bytes in the file
#   VLEN      length of the version line (= offset of the first frame header)
#   F2        offset of the second frame header
#   DH        offset of the first data frame's header, DB its body, DLEN its length
#   TR        offset of the trailer header, TB of the trailer body
#   EL        offset of the end line
offsets() { # FILE
	python3 - "$1" <<'PY'
import sys
d = open(sys.argv[1], "rb").read()
pos = d.index(b"\n") + 1
out = {"SIZE": len(d), "VLEN": pos}
frames = 0
while d.startswith((b"-- sluice frame ", b"-- sluice table-end "), pos):
    if d.startswith(b"-- sluice table-end ", pos):
        pos = d.index(b"\n", pos) + 1
        continue
    eol = d.index(b"\n", pos)
    _, _, _, ln, name = d[pos:eol].split(b" ")[:5]
    frames += 1
    if frames == 2:
        out["F2"] = pos
    if "DH" not in out and b".0000" in name:
        out["DH"], out["DB"], out["DLEN"] = pos, eol + 1, int(ln)
    pos = eol + 1 + int(ln)
out["TR"] = pos
eol = d.index(b"\n", pos)
out["TB"] = eol + 1
out["EL"] = eol + 1 + int(d[pos:eol].split(b" ")[3])
for k, v in out.items():
    print("%s=%d" % (k, v))
PY
}

# Rewrite FILE into OUT with the python expression EXPR applied to the bytes
# 'd' (names: d, re).
rewrite() { # FILE OUT EXPR
	python3 -c '
import re, sys
d = open(sys.argv[1], "rb").read()
d = eval(sys.argv[3])
open(sys.argv[2], "wb").write(d)' "$1" "$2" "$3"
}

# Rewrite FILE into OUT with a new trailer: STATUS (ok|error) and the old
# trailer body 'b' transformed by the python expression EXPR (names: b, re);
# the trailer's length is recomputed.
retrailer() { # FILE OUT STATUS EXPR
	python3 -c '
import re, sys
d = open(sys.argv[1], "rb").read()
m = re.search(rb"-- sluice trailer \d+ ok\n(.*)-- sluice end ok\n\Z", d, re.S)
b = m.group(1)
b = eval(sys.argv[4])
st = sys.argv[3].encode()
d = d[:m.start()] + b"-- sluice trailer %d %s\n" % (len(b), st) + b + b"-- sluice end %s\n" % st
open(sys.argv[2], "wb").write(d)' "$1" "$2" "$3" "$4"
}

# A refused stream: exit 1 and one error line naming the input and a byte
# offset (exactly BYTE when given) and containing TEXT when given.
expect_refused() { # WHAT [TEXT] [BYTE]
	assert_exit "$RC" 1 "exit code of verify ($1)" || return 1
	assert_one_line "$ERR" "sluice: error: " "stderr ($1)" || return 1
	assert_match "$ERR" ": byte [0-9]+: " "stderr names a byte offset ($1)" || return 1
	if [ -n "${2:-}" ]; then assert_contains "$ERR" "$2" "stderr ($1)" || return 1; fi
	if [ -n "${3:-}" ]; then assert_contains "$ERR" ": byte $3: " "offset ($1)" || return 1; fi
	return 0
}

t_begin "dump of the test databases succeeds"
capture dump sluice dump "${SRC[@]}" -B vfy,"vfy odd" -R --rows 5000 --statement-size 16K -t 2
GOOD=$T/good.sql
mv "$OUT" "$GOOD"
assert_exit_zero "$RC" "exit code of dump (stderr: $(_t_show "$ERR"))"
check=$(streamcheck -q "$GOOD" 2>&1)
assert_exit_zero $? "streamcheck: $check"
t_pass

eval "$(offsets "$GOOD")"
echo "offsets: SIZE=$SIZE VLEN=$VLEN F2=$F2 DH=$DH DB=$DB DLEN=$DLEN TR=$TR TB=$TB EL=$EL"

# --- good streams ---------------------------------------------------------------

t_begin "a good dump verifies: --input FILE, exit 0, no output"
capture good sluice verify --input "$GOOD"
assert_exit_zero "$RC" "exit code (stderr: $(_t_show "$ERR"))"
assert_eq "" "$ERR" "stderr"
assert_eq 0 "$(wc -c <"$OUT")" "bytes on stdout"
t_pass

t_begin "a good dump verifies from standard input"
sluice verify <"$GOOD" >"$T/stdin.out" 2>"$T/stdin.err"
assert_exit_zero $? "exit code (stderr: $(_t_show "$(cat "$T/stdin.err")"))"
assert_eq "" "$(cat "$T/stdin.err")" "stderr"
t_pass

t_begin "a good dump verifies from a pipe (cat | sluice verify -)"
# shellcheck disable=SC2002 # the pipe is the point
cat "$GOOD" | sluice verify - >/dev/null 2>"$T/pipe.err"
assert_exit_zero $? "exit code (stderr: $(_t_show "$(cat "$T/pipe.err")"))"
t_pass

t_begin "a bare argument is the input file (options may follow it)"
capture positional sluice verify "$GOOD" -v
assert_exit_zero "$RC" "exit code (stderr: $(_t_show "$ERR"))"
assert_contains "$ERR" "stream 1 complete" "-v summary"
t_pass

t_begin "two bare arguments are a usage error"
capture two_args sluice verify "$GOOD" "$GOOD"
assert_exit "$RC" 2 "exit code"
assert_one_line "$ERR" "sluice: " "stderr"
assert_contains "$ERR" "unexpected argument" "stderr"
t_pass

t_begin "--continuous: two dumps back to back verify"
cat "$GOOD" "$GOOD" >"$T/two.sql"
capture cont sluice verify --continuous -v "$T/two.sql"
assert_exit_zero "$RC" "exit code (stderr: $(_t_show "$ERR"))"
assert_contains "$ERR" "stream 2 complete" "-v summary"
t_pass

t_begin "--continuous on a pipe from a slow writer (each stream as it arrives)"
{
	cat "$GOOD"
	sleep 0.3
	cat "$GOOD"
} | sluice verify --continuous -v >/dev/null 2>"$T/cont-pipe.err"
assert_exit_zero $? "exit code (stderr: $(_t_show "$(cat "$T/cont-pipe.err")"))"
assert_contains "$(cat "$T/cont-pipe.err")" "stream 2 complete" "-v summary"
t_pass

t_begin "two dumps back to back without --continuous are refused"
capture two sluice verify "$T/two.sql"
expect_refused "two streams" "data after trailer" "$SIZE"
t_pass

# --- truncations ------------------------------------------------------------------

# WHAT OFFSET TEXT
truncated() {
	t_begin "truncated $1 (at byte $2) is refused"
	head -c "$2" "$GOOD" >"$T/cut.sql"
	capture "cut-$2" sluice verify "$T/cut.sql"
	expect_refused "$1" "$3" "$2"
	t_pass
}
truncated "inside the version line" 10 "version line"
truncated "after the version line" "$VLEN" "no trailer"
truncated "inside a frame header" $((VLEN + 12)) "inside a header line"
truncated "inside a data frame's body" $((DB + DLEN / 2)) "truncated inside frame"
truncated "right after a frame header" "$DB" "truncated inside frame"
truncated "between the last frame and the trailer" "$TR" "no trailer"
truncated "inside the trailer header" $((TR + 10)) "inside a header line"
truncated "inside the trailer body" $((TB + 10)) "truncated trailer"
truncated "before the end line (end line missing)" "$EL" "no end line"
truncated "inside the end line" $((SIZE - 3)) "incomplete end line"

t_begin "empty input is refused"
capture empty sluice verify --input /dev/null
expect_refused "empty input" "empty input" 0
t_pass

# --- corruption -------------------------------------------------------------------

# The first data frame's header with another length.
relength() { # NEWLEN OUT
	rewrite "$GOOD" "$2" "d[:$DH] + d[$DH:$DB].replace(b' $DLEN ', b' $1 ', 1) + d[$DB:]"
}

t_begin "a corrupted frame length (5 bytes bigger) is refused"
relength $((DLEN + 5)) "$T/longer.sql"
capture longer sluice verify "$T/longer.sql"
# The frame's checksum no longer matches what its length takes in.
expect_refused "bigger length" "checksum mismatch" "$DH"
t_pass

t_begin "a corrupted frame length (far bigger than the input) is refused"
relength $((DLEN + 100000000)) "$T/much-longer.sql"
capture much_longer sluice verify "$T/much-longer.sql"
# Longer than --buffer: refused before anything is read into memory.
expect_refused "far bigger length" "over the limit of --buffer" "$DH"
t_pass

t_begin "a corrupted frame length above the 1 GiB limit is refused at once"
relength 99999999999 "$T/huge.sql"
capture huge sluice verify "$T/huge.sql"
expect_refused "huge length" "limit" "$DH"
t_pass

t_begin "a corrupted frame length (5 bytes smaller) is refused"
relength $((DLEN - 5)) "$T/shorter.sql"
capture shorter sluice verify "$T/shorter.sql"
expect_refused "smaller length" "checksum mismatch" "$DH"
t_pass

t_begin "a non-numeric frame length is refused"
rewrite "$GOOD" "$T/badlen.sql" "d[:$DH] + d[$DH:$DB].replace(b' $DLEN ', b' 12x ', 1) + d[$DB:]"
capture badlen sluice verify "$T/badlen.sql"
expect_refused "bad length" "bad length" "$DH"
t_pass

t_begin "garbage between frames is refused"
rewrite "$GOOD" "$T/garbage.sql" "d[:$F2] + b'hello world\n' + d[$F2:]"
capture garbage sluice verify "$T/garbage.sql"
expect_refused "garbage" "expected a frame or trailer header" "$F2"
t_pass

t_begin "a blank line between frames is refused"
rewrite "$GOOD" "$T/blank.sql" "d[:$F2] + b'\n' + d[$F2:]"
capture blank sluice verify "$T/blank.sql"
expect_refused "blank line" "" "$F2"
t_pass

t_begin "a file name outside the dump layout is refused"
rewrite "$GOOD" "$T/badname.sql" "d.replace(b' vfy.t2-schema.sql ', b' vfy.t2-schemo.sql ', 1)"
capture badname sluice verify "$T/badname.sql"
expect_refused "unknown name" "unknown file name 'vfy.t2-schemo.sql'"
t_pass

t_begin "one digit changed anywhere in the frames' bytes is refused (per-frame checksums)"
# Twenty digits at random places inside frame bodies, one stream each.
python3 - "$GOOD" "$T/digit" <<'PY'
import random, sys
d = open(sys.argv[1], "rb").read()
pos = d.index(b"\n") + 1
spans = []
while d.startswith((b"-- sluice frame ", b"-- sluice table-end "), pos):
    if d.startswith(b"-- sluice table-end ", pos):
        pos = d.index(b"\n", pos) + 1
        continue
    eol = d.index(b"\n", pos)
    ln = int(d[pos:eol].split(b" ")[3])
    spans.append((eol + 1, eol + 1 + ln))
    pos = eol + 1 + ln
digits = [i for a, b in spans for i in range(a, b) if 48 <= d[i] <= 57]
random.seed(7)
for k, i in enumerate(random.sample(digits, 20)):
    x = bytearray(d)
    x[i] = 48 + (x[i] - 47) % 10
    open("%s.%02d" % (sys.argv[2], k), "wb").write(bytes(x))
PY
for f in "$T"/digit.*; do
	capture digit sluice verify "$f"
	expect_refused "digit changed (${f##*/})" "checksum mismatch" || break
done
t_pass

t_begin "the untouched trailer rewritten by the test helper still verifies"
retrailer "$GOOD" "$T/same.sql" ok 'b'
capture same sluice verify "$T/same.sql"
assert_exit_zero "$RC" "exit code (stderr: $(_t_show "$ERR"))"
t_pass

t_begin "table-end lines: one per table, after its data; moved or changed, the stream is refused"
# Every table of the trailer was announced by its table-end line as soon as
# its data was complete (a loader adds its indexes then).
assert_eq "$(grep -a -c '^-- table ' "$GOOD")" "$(grep -a -c '^-- sluice table-end ' "$GOOD")" \
	"table-end lines against the trailer's table lines"
# The table-end line of the first data frame's table moved up to right
# after the version line: that table's data frames now follow its end.
python3 - "$GOOD" "$T/early-end.sql" <<'PY'
import re, sys
d = open(sys.argv[1], "rb").read()
t = re.search(rb"^-- sluice frame [0-9]+ (\S+)\.[0-9]{5}\.sql ", d, re.M).group(1)
m = re.search(rb"^-- sluice table-end " + re.escape(t) + rb" [0-9]+\n", d, re.M)
v = d.index(b"\n") + 1
open(sys.argv[2], "wb").write(d[:v] + m.group(0) + d[v:m.start()] + d[m.end():])
PY
capture early sluice verify "$T/early-end.sql"
expect_refused "table-end before the data" "data of a table after its table-end line"
# Its rows changed: the trailer says otherwise.
rewrite "$GOOD" "$T/end-rows.sql" 're.sub(rb"^(-- sluice table-end \S+ )([0-9]+)\n", lambda m: m.group(1) + b"%d\n" % (int(m.group(2)) + 1), d, count=1, flags=re.M)'
capture endrows sluice verify "$T/end-rows.sql"
expect_refused "table-end rows changed" "its table-end line says other rows"
# Twice.
rewrite "$GOOD" "$T/end-twice.sql" '(lambda m: d[:m.end()] + m.group(0) + d[m.end():])(re.search(rb"^-- sluice table-end [^\n]*\n", d, re.M))'
capture endtwice sluice verify "$T/end-twice.sql"
expect_refused "table-end twice" "ended twice"
t_pass

t_begin "a trailer whose file count does not match the frames is refused"
retrailer "$GOOD" "$T/count.sql" ok \
	're.sub(rb"-- files (\d+)\n", lambda f: b"-- files %d\n" % (int(f.group(1)) + 1), b)'
capture count sluice verify "$T/count.sql"
expect_refused "files count" "the trailer counts"
t_pass

# --- error trailers -----------------------------------------------------------------

t_begin "a hand-made error trailer is refused"
retrailer "$GOOD" "$T/errtrailer.sql" error \
	'b.replace(b"-- status ok", b"-- status error") + b"-- error table vfy.t1: server went away\n" + b"SIGNAL SQLSTATE \x2745000\x27;\n"'
capture errtrailer sluice verify "$T/errtrailer.sql"
expect_refused "error trailer" "trailer status error: table vfy.t1: server went away"
t_pass

t_begin "a dump whose --where fails ends with an error trailer, which verify refuses"
capture where sluice dump "${SRC[@]}" -B vfy --where 'no_such_column = 1'
assert_exit_nonzero "$RC" "exit code of dump"
assert_eq "-- sluice end error" "$(last_line "$OUT")" "last line of the failed dump"
capture where_verify sluice verify "$OUT"
expect_refused "--where error trailer" "trailer status error"
assert_contains "$ERR" "no_such_column" "stderr names the dump's error"
t_pass

t_begin "with --continuous, a good stream then an error stream is refused"
cat "$GOOD" "$T/errtrailer.sql" >"$T/good-bad.sql"
capture good_bad sluice verify --continuous "$T/good-bad.sql"
expect_refused "second stream broken" "trailer status error"
t_pass

t_begin "with --continuous, a good stream then a truncated one is refused"
{
	cat "$GOOD"
	head -c "$TR" "$GOOD"
} >"$T/good-cut.sql"
capture good_cut sluice verify --continuous "$T/good-cut.sql"
expect_refused "second stream truncated" "no trailer" $((SIZE + TR))
t_pass

# --- inputs -------------------------------------------------------------------------

t_begin "a missing input file: exit 1, one line naming the path"
capture missing sluice verify --input "$T/no-such-file.sql"
assert_exit "$RC" 1 "exit code"
assert_one_line "$ERR" "sluice: error: " "stderr"
assert_contains "$ERR" "$T/no-such-file.sql" "stderr"
assert_contains "$ERR" "No such file or directory" "stderr"
t_pass

t_begin "a directory that is not a dump: exit 1, one line"
capture dir sluice verify "$T"
assert_exit "$RC" 1 "exit code"
assert_contains "$ERR" "not a dump directory" "message"
assert_one_line "$ERR" "sluice: error: " "stderr"
t_pass

t_begin "a terminal on standard input is refused"
# shellcheck disable=SC2016
err=$(python3 -c '
import os, pty, subprocess, sys
m, s = pty.openpty()
p = subprocess.run([sys.argv[1], "verify"], stdin=s, stdout=subprocess.DEVNULL,
                   stderr=subprocess.PIPE, timeout=20)
sys.stdout.write(p.stderr.decode())
sys.exit(p.returncode)' "$SLUICE")
rc=$?
assert_exit "$rc" 2 "exit code"
assert_eq "sluice: error: standard input is a terminal; pipe a stream in or use --input FILE" \
	"$err" "stderr"
t_pass

# --- cancellation ---------------------------------------------------------------------

t_begin "SIGINT ends a verify blocked on a stalled pipe within ~1 s"
head -c "$TR" "$GOOD" >"$T/stall-part.sql"
mkfifo "$T/stall.pipe"
"$SLUICE" verify <"$T/stall.pipe" >/dev/null 2>"$T/stall.err" &
spid=$!
bg_track "$spid"
exec 6>"$T/stall.pipe" # held open, written once: the writer stalls
cat "$T/stall-part.sql" >&6
sleep 0.5
if kill -0 "$spid" 2>/dev/null; then
	start=$(now)
	kill -INT "$spid"
	wait_bounded "$spid" 10
	rc=$?
	took=$(since "$start")
	assert_exit_nonzero "$rc" "exit code after SIGINT"
	assert_le "$took" "$(limit 1)" "seconds from SIGINT to exit"
	assert_one_line "$(cat "$T/stall.err")" "sluice: error: " "stderr"
	assert_contains "$(cat "$T/stall.err")" "SIGINT" "stderr"
else
	wait "$spid"
	t_fail "verify ended before the signal (exit $?; stderr: $(_t_show "$(cat "$T/stall.err")"))"
fi
exec 6>&-
t_pass
bg_kill_all

t_begin "SIGTERM ends a verify waiting on a FIFO that no writer opened"
mkfifo "$T/nowriter.pipe"
"$SLUICE" verify --input "$T/nowriter.pipe" >/dev/null 2>"$T/nowriter.err" </dev/null &
spid=$!
bg_track "$spid"
sleep 0.5
if kill -0 "$spid" 2>/dev/null; then
	start=$(now)
	kill -TERM "$spid"
	wait_bounded "$spid" 10
	rc=$?
	took=$(since "$start")
	assert_exit_nonzero "$rc" "exit code after SIGTERM"
	assert_le "$took" "$(limit 1)" "seconds from SIGTERM to exit"
else
	wait "$spid"
	t_fail "verify ended before the signal (exit $?; stderr: $(_t_show "$(cat "$T/nowriter.err")"))"
fi
t_pass
bg_kill_all

rm -f "$T"/*.sql "$T"/*.out
t_done
