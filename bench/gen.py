#!/usr/bin/env python3
"""Write a git fast-import stream for the benchmark repository.

The base commit holds FILES files of LINES lines each.  Then COMMITS commits
each rewrite a disjoint share of CHANGED lines per file (so BASE..TIP
changes FILES * CHANGED lines in all), and the last commit also adds
NEW_FILES files.  Deterministic: the same arguments give the same repo.

  gen.py FILES LINES CHANGED COMMITS NEW_FILES NEW_LINES | git fast-import
"""
import sys


def out(s):
    sys.stdout.buffer.write(s)


def data(b):
    out(b"data %d\n" % len(b))
    out(b)
    out(b"\n")


def file_text(i, nlines, changed, upto, ncommits):
    """File i after `upto` of the commits (0 = base)."""
    lines = []
    # The changed lines of commit k are the ones with (j % ncommits) == k
    # among the first `changed` lines spread over the file.
    step = max(1, nlines // max(changed, 1))
    for j in range(nlines):
        text = "    value_%d_%d = compute(%d, %d)  # filler\n" % (i, j, i, j)
        if j % step == 0 and j // step < changed:
            k = (j // step) % ncommits
            if k < upto:
                text = "    value_%d_%d = compute(%d, %d)  # changed %d\n" % (
                    i, j, i, j + 1, k + 1)
        lines.append(text)
    return ("def f_%d():\n" % i + "".join(lines)).encode()


def commit(n, msg, parent_mark, files):
    out(b"commit refs/heads/main\n")
    out(b"mark :%d\n" % n)
    ts = 1700000000 + n
    out(b"author Bench <bench@example.com> %d +0000\n" % ts)
    out(b"committer Bench <bench@example.com> %d +0000\n" % ts)
    data(msg.encode())
    if parent_mark:
        out(b"from :%d\n" % parent_mark)
    for path, content in files:
        out(b"M 100644 inline %s\n" % path.encode())
        data(content)


def main():
    nfiles, nlines, changed, ncommits, nnew, newlines = map(int, sys.argv[1:7])
    path = lambda i: "pkg%02d/mod_%04d.py" % (i % 40, i)
    commit(1, "base", 0, [(path(i), file_text(i, nlines, changed, 0, ncommits))
                           for i in range(nfiles)])
    for k in range(1, ncommits + 1):
        files = [(path(i), file_text(i, nlines, changed, k, ncommits))
                 for i in range(nfiles)]
        if k == ncommits:
            for i in range(nnew):
                body = "".join("x_%d_%d = %d\n" % (i, j, j)
                               for j in range(newlines))
                files.append(("added/new_%04d.py" % i, body.encode()))
        commit(k + 1, "change %d" % k, k, files)
    out(b"done\n")


if __name__ == "__main__":
    main()
