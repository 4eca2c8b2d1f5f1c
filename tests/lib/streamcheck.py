#!/usr/bin/env python3
"""streamcheck.py - validate a sluice stream strictly, for the tests.

Reads a stream (core/stream.h, names from core/fname.h) from FILE or stdin
by frame length, never by scanning for markers, and checks:

  * the version line `-- sluice stream 1|2|3 X.Y.Z`;
  * every frame header `-- sluice frame <len> <name>[ <xxh64>]` (the
    checksum in version 2 and 3 streams, not recomputed here): decimal length, a
    name in the dump layout with filename-encoded parts, exactly <len> body
    bytes ending in a newline, no name twice;
  * per-table order (invariant 5): database DDL before the database's other
    frames, table DDL before its data, triggers after the table's data,
    views after the database's table DDL, routines/events (db-schema-post)
    after the database's data, the accounts file (mysql-users.sql) last;
  * table-end lines `-- sluice table-end <db>.<t> N` (version 3 only): at
    most one per table, no data frame of the table after it, and the
    trailer lists the table with the same N;
  * the trailer `-- sluice trailer <len> ok|error`: status, files (= number
    of frames), rows (= sum of the per-table rows), bytes, optional binlog
    and gtid lines, `-- table <db>.<t> N` lines; an error trailer carries an
    `-- error` line and a SIGNAL statement; an ok trailer lists every table
    that has data frames;
  * the end line `-- sluice end ok|error`, then end of input (or, with
    --continuous, another stream).

Output (stdout), one of:
  --tables (default)  db.table<TAB>rows from the trailer, decoded, sorted
  --summary           status/files/rows/bytes/binlog/gtid/error/frames lines
  --frames            <len> <name> for every frame, in stream order
  --objects           <kind><TAB>db<TAB>name for every frame, decoded; kind is
                      database, table, data, triggers, view, post or users
  --extract NAME      the body of frame NAME (raw name as in the header)
  --inserts           <name><TAB>statements<TAB>largest for every data frame:
                      the number of statements starting with INSERT at the
                      start of a line, and the largest one in bytes (up to
                      the next INSERT or the end of the frame)
  -q                  nothing

Exit status: 0 valid with an ok trailer; 1 malformed (one line on stderr:
"streamcheck: SOURCE: byte N: what"); 2 usage; 3 well-formed but the trailer
says error (0 with --allow-error).  Python 3 standard library only.
"""

import argparse
import re
import sys

VERSION_RE = re.compile(rb"-- sluice stream ([123]) (\d+\.\d+\.\d+)\n\Z")
# Version 2 frames end with the file's checksum (16 hex digits).
FRAME_RE = re.compile(rb"-- sluice frame (0|[1-9][0-9]*) (\S+)( [0-9a-f]{16})?\n\Z")
TRAILER_RE = re.compile(rb"-- sluice trailer (0|[1-9][0-9]*) (ok|error)\n\Z")
END_RE = re.compile(rb"-- sluice end (ok|error)\n\Z")
MAX_HEADER = 1200  # SL_STREAM_MAX_HEADER
MAX_NAME = 1024    # SL_STREAM_MAX_NAME

PART = r"(?:[A-Za-z0-9_]|@[0-9a-f]{4})+"
NAME_PATTERNS = [
    ("users", re.compile(r"mysql-users\.sql\Z")),  # accounts: no database
    ("database", re.compile(r"(%s)-schema-create\.sql\Z" % PART)),
    ("post", re.compile(r"(%s)-schema-post\.sql\Z" % PART)),
    ("triggers", re.compile(r"(%s)\.(%s)-schema-triggers\.sql\Z" % (PART, PART))),
    ("view", re.compile(r"(%s)\.(%s)-schema-view\.sql\Z" % (PART, PART))),
    ("table", re.compile(r"(%s)\.(%s)-schema\.sql\Z" % (PART, PART))),
    ("data", re.compile(r"(%s)\.(%s)\.([0-9]{5,})\.(sql|csv|jsonl)\Z" % (PART, PART))),
]
TABLE_LINE_RE = re.compile(r"-- table (%s)\.(%s) (0|[1-9][0-9]*)\Z" % (PART, PART))
TABLE_END_RE = re.compile(rb"-- sluice table-end ((?:[A-Za-z0-9_]|@[0-9a-f]{4})+)\.((?:[A-Za-z0-9_]|@[0-9a-f]{4})+) (0|[1-9][0-9]*)\n\Z")
NUM_RE = re.compile(r"(0|[1-9][0-9]*)\Z")


class Malformed(Exception):
    def __init__(self, offset, msg):
        super().__init__(msg)
        self.offset = offset
        self.msg = msg


def decode(enc):
    """MySQL filename encoding as fname.h has it: @xxxx -> code point."""
    return re.sub(r"@([0-9a-f]{4})", lambda m: chr(int(m.group(1), 16)), enc)


def classify(name):
    for kind, rx in NAME_PATTERNS:
        m = rx.match(name)
        if m:
            return kind, m.groups()
    return None, None


class Reader:
    def __init__(self, f):
        self.f = f
        self.buf = b""
        self.off = 0  # offset of buf[0] in the input

    def _fill(self, n):
        while len(self.buf) < n:
            chunk = self.f.read(max(65536, n - len(self.buf)))
            if not chunk:
                return False
            self.buf += chunk
        return True

    def at_eof(self):
        return not self._fill(1)

    def line(self, what):
        """A header line of at most MAX_HEADER bytes, with its newline."""
        start = self.off
        while True:
            i = self.buf.find(b"\n", 0, MAX_HEADER + 1)
            if i >= 0:
                ln = self.buf[: i + 1]
                self.buf = self.buf[i + 1:]
                self.off += i + 1
                return start, ln
            if len(self.buf) > MAX_HEADER:
                raise Malformed(start, "%s: line longer than %d bytes: %r" % (what, MAX_HEADER, self.buf[:80]))
            more = self.f.read(65536)
            if not more:
                if self.buf:
                    raise Malformed(start, "%s: truncated line %r (no newline)" % (what, self.buf[:80]))
                raise Malformed(start, "%s: unexpected end of input" % what)
            self.buf += more

    def body(self, n, sink, what):
        """Pass exactly n bytes to sink(bytes) in pieces; return the last byte."""
        start = self.off
        got = 0
        last = b""
        while got < n:
            if not self.buf:
                self.buf = self.f.read(min(1 << 20, max(65536, n - got)))
                if not self.buf:
                    raise Malformed(start, "truncated inside %s: %d of %d bytes" % (what, got, n))
            take = min(n - got, len(self.buf))
            piece = self.buf[:take]
            self.buf = self.buf[take:]
            self.off += take
            got += take
            sink(piece)
            last = piece[-1:]
        return last


def parse_trailer(body, status, nframes, hdr_off):
    t = {"status": None, "files": None, "rows": None, "bytes": None, "binlog": None,
         "gtid": None, "error": None, "tables": {}, "signal": False, "unknown": []}
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError as e:
        raise Malformed(hdr_off, "trailer: not UTF-8: %s" % e)
    if text and not text.endswith("\n"):
        raise Malformed(hdr_off, "trailer: body does not end with a newline")
    sql = []
    for ln in text.split("\n")[:-1] if text else []:
        if not ln.startswith("-- "):
            if ln.strip() == "" or ln.startswith("--") and ln.strip() == "--":
                continue
            sql.append(ln)
            continue
        key, _, rest = ln[3:].partition(" ")
        if key == "status":
            if rest not in ("ok", "error"):
                raise Malformed(hdr_off, "trailer: bad status line %r" % ln)
            t["status"] = rest
        elif key in ("files", "rows", "bytes"):
            if not NUM_RE.match(rest):
                raise Malformed(hdr_off, "trailer: bad %s line %r" % (key, ln))
            t[key] = int(rest)
        elif key == "binlog":
            parts = rest.split(" ")
            if len(parts) != 2 or not parts[0] or not NUM_RE.match(parts[1]):
                raise Malformed(hdr_off, "trailer: bad binlog line %r" % ln)
            t["binlog"] = (parts[0], int(parts[1]))
        elif key == "gtid":
            t["gtid"] = rest
        elif key == "error":
            if not rest:
                raise Malformed(hdr_off, "trailer: empty error line")
            t["error"] = rest
        elif key == "table":
            m = TABLE_LINE_RE.match(ln)
            if not m:
                raise Malformed(hdr_off, "trailer: bad table line %r" % ln)
            k = (decode(m.group(1)), decode(m.group(2)))
            if k in t["tables"]:
                raise Malformed(hdr_off, "trailer: table %s.%s listed twice" % k)
            t["tables"][k] = int(m.group(3))
        else:
            t["unknown"].append(ln)
    if sql:
        joined = "\n".join(sql)
        if status != "error":
            raise Malformed(hdr_off, "trailer: SQL in an ok trailer: %r" % joined[:80])
        if "SIGNAL" not in joined.upper():
            raise Malformed(hdr_off, "trailer: error trailer SQL is not a SIGNAL: %r" % joined[:80])
        t["signal"] = True
    if t["status"] is None:
        raise Malformed(hdr_off, "trailer: no '-- status' line")
    if t["status"] != status:
        raise Malformed(hdr_off, "trailer: header says %s, body says status %s" % (status, t["status"]))
    for key in ("files", "rows", "bytes"):
        if t[key] is None:
            raise Malformed(hdr_off, "trailer: no '-- %s' line" % key)
    if t["files"] != nframes:
        raise Malformed(hdr_off, "trailer: files %d, but the stream has %d frames" % (t["files"], nframes))
    # Table lines list the tables whose data is complete; an error trailer
    # also counts rows of tables that were cut off.
    listed = sum(t["tables"].values())
    if (t["rows"] != listed) if t["status"] == "ok" else (t["rows"] < listed):
        raise Malformed(hdr_off, "trailer: rows %d, but the table lines add up to %d"
                        % (t["rows"], sum(t["tables"].values())))
    if status == "error":
        if not t["error"]:
            raise Malformed(hdr_off, "trailer: error trailer without an '-- error' line")
        if not t["signal"]:
            raise Malformed(hdr_off, "trailer: error trailer without a SIGNAL statement")
    elif t["error"]:
        raise Malformed(hdr_off, "trailer: ok trailer with an error line: %s" % t["error"])
    return t


def check_stream(rd, opts, out):
    """One stream from the version line to the end line; returns its info."""
    off, ln = rd.line("version line")
    m = VERSION_RE.match(ln)
    if not m:
        raise Malformed(off, "version line: expected '-- sluice stream 1|2|3 X.Y.Z', got %r" % ln[:80])
    fmt = int(m.group(1))
    info = {"version": m.group(2).decode(), "frames": [], "trailer": None}
    seen = set()
    # per database / table: indexes of frames, for the order checks
    first_frame_of_db = {}
    db_create = {}
    table_schema = {}
    data_frames = {}      # (db, t) -> [index]
    last_data_of_db = {}
    last_table_schema_of_db = {}
    triggers = {}
    views = []
    posts = {}
    users_idx = None
    ended = {}            # (db, t) -> (rows, offset of its table-end line)
    idx = 0
    while True:
        off, ln = rd.line("frame header")
        m = FRAME_RE.match(ln)
        me = TABLE_END_RE.match(ln)
        if me:
            if fmt < 3:
                raise Malformed(off, "table-end line in a version %d stream" % fmt)
            key = (me.group(1).decode(), me.group(2).decode())
            if key in ended:
                raise Malformed(off, "table-end: %s.%s ended twice" % key)
            ended[key] = (int(me.group(3)), off)
            continue
        if not m:
            mt = TRAILER_RE.match(ln)
            if mt:
                break
            if ln.startswith(b"-- sluice frame "):
                raise Malformed(off, "frame header: malformed %r" % ln[:120])
            raise Malformed(off, "expected a frame or trailer header, got %r" % ln[:120])
        if (m.group(3) is None) != (fmt == 1):
            raise Malformed(off, "frame header: a version %d stream %s checksums" % (fmt, "has no" if fmt == 1 else "needs"))
        length = int(m.group(1))
        try:
            name = m.group(2).decode("ascii")
        except UnicodeDecodeError:
            raise Malformed(off, "frame header: name is not ASCII: %r" % m.group(2)[:80])
        if len(name) > MAX_NAME:
            raise Malformed(off, "frame header: name longer than %d bytes" % MAX_NAME)
        kind, parts = classify(name)
        if kind is None:
            raise Malformed(off, "frame header: name %r does not follow the dump layout (fname.h)" % name)
        if name in seen:
            raise Malformed(off, "frame %s appears twice" % name)
        seen.add(name)
        if length == 0:
            raise Malformed(off, "frame %s: empty body" % name)
        if users_idx is not None:
            raise Malformed(off, "frame %s comes after the accounts file" % name)
        db = parts[0] if parts else ""
        if kind != "users":
            first_frame_of_db.setdefault(db, idx)
        sink_parts = []
        if opts.extract == name or (opts.inserts and kind == "data"):
            sink = sink_parts.append
        else:
            sink = lambda piece: None  # noqa: E731
        last = rd.body(length, sink, "frame %s" % name)
        if last != b"\n":
            raise Malformed(rd.off - 1, "frame %s: body does not end with a newline" % name)
        if sink_parts and opts.extract == name:
            out.buffer.write(b"".join(sink_parts))
        elif sink_parts:
            body = b"".join(sink_parts)
            starts = [0] if body.startswith(b"INSERT") else []
            starts += [m.start() + 1 for m in re.finditer(rb"\nINSERT", body)]
            sizes = [b - a for a, b in zip(starts, starts[1:] + [len(body)])]
            out.write("%s\t%d\t%d\n" % (name, len(starts), max(sizes) if sizes else 0))
        if kind == "database":
            if db in db_create:
                raise Malformed(off, "second CREATE DATABASE frame for %s" % db)
            if first_frame_of_db[db] != idx:
                raise Malformed(off, "frame %s comes after other frames of database %s" % (name, decode(db)))
            db_create[db] = idx
        elif kind == "table":
            key = (db, parts[1])
            if key in data_frames:
                raise Malformed(off, "frame %s: table DDL after the table's data" % name)
            table_schema[key] = idx
            last_table_schema_of_db[db] = idx
        elif kind == "data":
            key = (db, parts[1])
            if key in triggers:
                raise Malformed(off, "frame %s: data after the table's triggers" % name)
            if key in ended:
                raise Malformed(off, "frame %s: data after the table's table-end line" % name)
            if db in posts:
                raise Malformed(off, "frame %s: data after the database's routines/events" % name)
            data_frames.setdefault(key, []).append(idx)
            last_data_of_db[db] = idx
        elif kind == "triggers":
            triggers[(db, parts[1])] = idx
        elif kind == "view":
            views.append((db, parts[1], idx, off, name))
        elif kind == "post":
            posts[db] = idx
        elif kind == "users":
            users_idx = idx
        info["frames"].append((length, name, kind, parts))
        idx += 1

    # order checks that need the whole stream
    for db, vt, vidx, voff, vname in views:
        last = last_table_schema_of_db.get(db, -1)
        if last > vidx:
            raise Malformed(voff, "view frame %s comes before table DDL of database %s" % (vname, decode(db)))
    status = mt.group(2).decode()
    tlen = int(mt.group(1))
    chunks = []
    rd.body(tlen, chunks.append, "trailer")
    tr = parse_trailer(b"".join(chunks), status, len(info["frames"]), off)
    eoff, eln = rd.line("end line")
    me = END_RE.match(eln)
    if not me:
        raise Malformed(eoff, "end line: expected '-- sluice end %s', got %r" % (status, eln[:80]))
    if me.group(1).decode() != status:
        raise Malformed(eoff, "end line says %s, trailer says %s" % (me.group(1).decode(), status))
    for (db, t), (rows, eoff_) in ended.items():
        if tr["tables"].get((decode(db), decode(t))) != rows:
            raise Malformed(eoff_, "table-end %s.%s %d: the trailer does not list the table with %d rows"
                            % (db, t, rows, rows))
    if status == "ok":
        for (db, t) in data_frames:
            if (decode(db), decode(t)) not in tr["tables"]:
                raise Malformed(off, "trailer: no table line for %s.%s, which has data frames" % (db, t))
    info["trailer"] = tr
    return info


def main():
    ap = argparse.ArgumentParser(description="Validate a sluice stream.")
    ap.add_argument("file", nargs="?", default="-")
    g = ap.add_mutually_exclusive_group()
    g.add_argument("--tables", action="store_true")
    g.add_argument("--summary", action="store_true")
    g.add_argument("--frames", action="store_true")
    g.add_argument("--objects", action="store_true")
    g.add_argument("--extract", metavar="NAME")
    g.add_argument("--inserts", action="store_true")
    g.add_argument("-q", "--quiet", action="store_true")
    ap.add_argument("--continuous", action="store_true")
    ap.add_argument("--allow-error", action="store_true")
    opts = ap.parse_args()

    source = "stdin" if opts.file == "-" else opts.file
    try:
        f = sys.stdin.buffer if opts.file == "-" else open(opts.file, "rb")
    except OSError as e:
        print("streamcheck: %s: %s" % (source, e.strerror), file=sys.stderr)
        return 1
    rd = Reader(f)
    streams = []
    try:
        if rd.at_eof():
            raise Malformed(0, "empty input: no stream")
        while True:
            streams.append(check_stream(rd, opts, sys.stdout))
            if rd.at_eof():
                break
            if not opts.continuous:
                raise Malformed(rd.off, "data after the end line")
    except Malformed as e:
        sys.stdout.flush()
        print("streamcheck: %s: byte %d: %s" % (source, e.offset, e.msg), file=sys.stderr)
        return 1

    out = sys.stdout
    status = "ok" if all(s["trailer"]["status"] == "ok" for s in streams) else "error"
    tables = {}
    for s in streams:
        for k, v in s["trailer"]["tables"].items():
            tables[k] = tables.get(k, 0) + v
    for s in streams:
        for ln in s["trailer"]["unknown"]:
            print("streamcheck: warning: unknown trailer line %r" % ln, file=sys.stderr)
    if opts.summary:
        for s in streams:
            tr = s["trailer"]
            out.write("version %s\n" % s["version"])
            out.write("status %s\n" % tr["status"])
            out.write("frames %d\n" % len(s["frames"]))
            for key in ("files", "rows", "bytes"):
                out.write("%s %d\n" % (key, tr[key]))
            if tr["binlog"]:
                out.write("binlog %s %d\n" % tr["binlog"])
            if tr["gtid"] is not None:
                out.write("gtid %s\n" % tr["gtid"])
            if tr["error"]:
                out.write("error %s\n" % tr["error"])
            out.write("tables %d\n" % len(tr["tables"]))
    elif opts.frames:
        for s in streams:
            for length, name, _, _ in s["frames"]:
                out.write("%d %s\n" % (length, name))
    elif opts.objects:
        for s in streams:
            for _, _, kind, parts in s["frames"]:
                dbn = decode(parts[0]) if parts else ""
                obj = decode(parts[1]) if len(parts) > 1 and kind != "post" and kind != "database" else ""
                out.write("%s\t%s\t%s\n" % (kind, dbn, obj))
    elif opts.extract or opts.inserts or opts.quiet:
        pass
    else:
        for (db, t) in sorted(tables):
            out.write("%s.%s\t%d\n" % (db, t, tables[(db, t)]))
    out.flush()
    if status != "ok" and not opts.allow_error:
        return 3
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except BrokenPipeError:
        sys.exit(1)
