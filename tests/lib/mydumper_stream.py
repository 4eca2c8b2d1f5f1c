#!/usr/bin/env python3
"""mydumper_stream.py - mydumper's --stream, both ways, for the tests.

  frame [--unsized] DIR     write DIR's files to stdout framed as mydumper's
                            stream thread frames them (src/mydumper/
                            mydumper_stream.c): for every file "\\n-- ",
                            its base name, " " and its size in bytes (0.14
                            and later; --unsized: 0.11.3 to 0.13, no size)
                            and "\\n", then its bytes.  Files go in the
                            order of mydumper's phases: metadata.header,
                            databases, tables, data, triggers, views (each
                            after the placeholder table mydumper writes
                            just before it), routines, and `metadata` last.
  read STREAM OUTDIR        read a sized stream the way myloader's stream
                            thread does (src/myloader/myloader_stream.c):
                            each header line split on spaces into "--",
                            the name and the size, that many bytes into
                            OUTDIR/NAME (as myloader writes them before
                            loading them); prints the names in order.
                            Fails (exit 1) on anything myloader would
                            trip on: a name with a space or '/', a size
                            that does not match, bytes between frames, a
                            file named twice, no final `metadata`.

Debian's mydumper 0.10 has no --stream: the tests frame its directories
with `frame` and hand `read`'s directories to its myloader (-d).
"""
import os
import re
import sys

ZIP = (".gz", ".zst")


def plain(name):
    for z in ZIP:
        if name.endswith(z):
            return name[: -len(z)]
    return name


def phase(name, views):
    """The phase of mydumper's dump a file is written in."""
    p = plain(name)
    if name == "metadata.header":
        return 0
    if name.startswith("metadata"):
        return 9 if name == "metadata" else 1
    if p.endswith("-schema-create.sql"):
        return 2
    if p.endswith("-schema-view.sql"):
        return 6
    if p.endswith("-schema.sql") or p.endswith("-schema-sequence.sql"):
        base = re.sub(r"-schema(-sequence)?\.sql$", "", p)
        return 6 if base in views else 3  # a view's placeholder goes with it
    if p.endswith("-schema-triggers.sql"):
        return 5
    if p.endswith("-schema-post.sql"):
        return 7
    return 4  # data


def order(names):
    views = {re.sub(r"-schema-view\.sql$", "", plain(n)) for n in names
             if plain(n).endswith("-schema-view.sql")}

    def key(n):
        p = plain(n)
        ph = phase(n, views)
        if ph == 6:  # placeholder, then the view
            base = re.sub(r"-schema(-view|-sequence)?\.sql$", "", p)
            return (ph, base, 1 if p.endswith("-schema-view.sql") else 0)
        return (ph, n, 0)

    return sorted(names, key=key)


def frame(d, sized):
    out = sys.stdout.buffer
    for name in order(os.listdir(d)):
        with open(os.path.join(d, name), "rb") as f:
            body = f.read()
        head = b"\n-- " + name.encode()
        if sized:
            head += b" %d" % len(body)
        out.write(head + b"\n" + body)
    out.flush()


def read(path, outdir):
    data = open(path, "rb").read()
    pos, names = 0, []
    os.makedirs(outdir, exist_ok=True)
    while pos < len(data):
        if not data.startswith(b"\n-- ", pos):
            sys.exit("byte %d: not a header line" % pos)
        eol = data.find(b"\n", pos + 4)
        if eol < 0:
            sys.exit("byte %d: header line without its newline" % pos)
        parts = data[pos:eol].split(b" ", 2)  # myloader: g_strsplit(line, " ", 3)
        if len(parts) != 3 or not parts[2].isdigit():
            sys.exit("byte %d: expected '-- NAME SIZE': %r" % (pos, data[pos:eol]))
        name, size = parts[1].decode(), int(parts[2])
        if "/" in name or name in (".", ".."):
            sys.exit("byte %d: a name myloader would not write: %r" % (pos, name))
        if name in names:
            sys.exit("byte %d: %s twice" % (pos, name))
        body = data[eol + 1: eol + 1 + size]
        if len(body) != size:
            sys.exit("%s: %d of %d bytes" % (name, len(body), size))
        with open(os.path.join(outdir, name), "wb") as f:
            f.write(body)
        names.append(name)
        pos = eol + 1 + size
    if not names or names[-1] != "metadata":
        sys.exit("no final metadata")
    print("\n".join(names))


def main():
    a = sys.argv[1:]
    if a[:1] == ["frame"]:
        sized = "--unsized" not in a
        rest = [x for x in a[1:] if x != "--unsized"]
        frame(rest[0], sized)
    elif a[:1] == ["read"] and len(a) == 3:
        read(a[1], a[2])
    else:
        sys.exit(__doc__)


if __name__ == "__main__":
    main()
