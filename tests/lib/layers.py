#!/usr/bin/env python3
"""layers.py - the dependency picture of sluice's C code, checked.

    tests/lib/layers.py SRCDIR BUILDDIR [--graph]

1. Includes: core/ is layered base < format < script < engine < app; a file
   may include headers of its own layer and of the layers below it, never
   above.  Plugins (plugins/) sit between engine and app: they may include
   core/ headers up to engine, and their own.
2. Calls: from the object files of libsluice.a (nm), which source file
   calls a function defined in which other file.  No two files may call
   each other, and a call must not go to a higher layer than the caller's.

Prints one line per violation and exits 1 when there is any; --graph also
prints the file-level call graph ("a.c -> b.c, c.c").
"""
import os
import re
import subprocess
import sys

LAYERS = ["base", "format", "script", "engine", "plugins", "app"]


def layer_of(path):
    """Layer index of a source path relative to the tree, or None."""
    parts = path.split("/")
    if parts[0] == "core" and len(parts) > 2 and parts[1] in LAYERS:
        return LAYERS.index(parts[1])
    if parts[0] == "plugins":
        return LAYERS.index("plugins")
    return None


def sources(src):
    out = []
    for top in ("core", "plugins"):
        for root, _, files in os.walk(os.path.join(src, top)):
            for f in files:
                if f.endswith((".c", ".h")):
                    out.append(os.path.relpath(os.path.join(root, f), src))
    return sorted(out)


def check_includes(src, bad):
    inc = re.compile(r'^\s*#\s*include\s+"([^"]+)"')
    for path in sources(src):
        me = layer_of(path)
        with open(os.path.join(src, path), encoding="utf-8") as fh:
            for n, line in enumerate(fh, 1):
                m = inc.match(line)
                if not m:
                    continue
                target = m.group(1)
                first = target.split("/")[0]
                if first in LAYERS[:3] + ["engine", "app"]:
                    them = LAYERS.index(first)
                elif os.path.exists(os.path.join(src, "plugins", target)):
                    them = LAYERS.index("plugins")
                else:
                    continue  # the file's own folder, config.h
                if them > me:
                    bad.append("%s:%d: includes %s (layer %s above %s)"
                               % (path, n, target, LAYERS[them], LAYERS[me]))


def symbols(obj):
    """(defined, undefined) global symbols of an object file."""
    out = subprocess.run(["nm", "-P", obj], capture_output=True, text=True,
                         check=True).stdout
    defined, undefined = set(), set()
    for line in out.splitlines():
        f = line.split()
        if len(f) < 2:
            continue
        name, kind = f[0], f[1]
        if kind == "U":
            undefined.add(name)
        elif kind in "TDBRVW":
            defined.add(name)
    return defined, undefined


def call_graph(src, build):
    objs = {}
    for path in sources(src):
        if not path.endswith(".c"):
            continue
        for cand in (path[:-2] + ".o",
                     os.path.join(os.path.dirname(path),
                                  "libsluice_a-" + os.path.basename(path)[:-2] + ".o")):
            o = os.path.join(build, cand)
            if os.path.exists(o):
                objs[path] = o
    owner, uses = {}, {}
    for path, o in objs.items():
        d, u = symbols(o)
        for s in d:
            owner[s] = path
        uses[path] = u
    graph = {}
    for path, u in uses.items():
        graph[path] = sorted({owner[s] for s in u if s in owner and owner[s] != path})
    return graph


def main():
    if len(sys.argv) < 3:
        print(__doc__)
        return 2
    src, build = sys.argv[1], sys.argv[2]
    bad = []
    check_includes(src, bad)
    graph = call_graph(src, build)
    if not graph:
        bad.append("no object files found under %s" % build)
    for a, targets in graph.items():
        for b in targets:
            if a in graph.get(b, []) and a < b:
                bad.append("%s and %s call each other" % (a, b))
            la, lb = layer_of(a), layer_of(b)
            if la is not None and lb is not None and lb > la:
                bad.append("%s calls up into %s" % (a, b))
    if "--graph" in sys.argv:
        for a in sorted(graph):
            print("%s -> %s" % (a, ", ".join(graph[a]) or "-"))
    for line in bad:
        print(line)
    print("layers: %d files, %d violations" % (len(graph), len(bad)))
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
