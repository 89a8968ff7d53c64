#!/usr/bin/env python3
"""Hand-made mutation testing: does some test fail when the code is wrong?

Reads mutants.txt (see its header for the format).  For each mutant: the
anchor (an exact snippet of the source, not a line number, so that edits
elsewhere in the file do not move it) is replaced once in a copy of the
file, the tests the mutant names are built and run, and the file is put
back byte for byte -- also on Ctrl-C, SIGTERM or a crash of this script
(a copy is kept in build/mutation/ until then; a later run restores a copy
it finds there before anything else).

A mutant is KILLED when its test command fails (or times out), SURVIVED
when it passes.  A mutant whose anchor is not found exactly once, or that
does not build, is reported as such and counts as neither; any of those
makes the exit status 2 (the list needs updating), a survivor 1.

Usage: tests/mutation/run.sh [-k] [--check] [NAME_OR_NUMBER...]
  -k       quiet: do not print a mutant's build errors
  --check  only check that every anchor is found exactly once
"""
import fcntl
import os
import shutil
import signal
import subprocess
import sys
import time

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
LIST = os.path.join(ROOT, "tests", "mutation", "mutants.txt")
SAVE = os.path.join(ROOT, "build", "mutation")
TEST_TIMEOUT = 300
LOCK = None  # held while this run may touch the sources


class Mutant:
    def __init__(self, num, name):
        self.num, self.name = num, name
        self.file = self.test = None
        self.anchor, self.replace = [], []


def parse(path):
    mutants, cur, where = [], None, None
    with open(path, encoding="utf-8") as fh:
        for lno, raw in enumerate(fh, 1):
            line = raw.rstrip("\n")
            if where in ("anchor", "replace"):
                if line == "replace:" and where == "anchor":
                    where = "replace"
                elif line == "end":
                    where = None
                else:
                    getattr(cur, where).append(line)
                continue
            if not line.strip() or line.startswith("#"):
                continue
            key, _, val = line.partition(":")
            val = val.strip()
            if key == "mutant":
                cur = Mutant(len(mutants) + 1, val)
                mutants.append(cur)
            elif cur is None:
                sys.exit("%s:%d: 'mutant:' expected" % (path, lno))
            elif key in ("file", "test"):
                setattr(cur, key, val)
            elif key == "anchor" and not val:
                where = "anchor"
            else:
                sys.exit("%s:%d: unknown line %r" % (path, lno, line))
    for m in mutants:
        if not (m.file and m.test and m.anchor):
            sys.exit("%s: mutant %d (%s): needs file, test, anchor"
                     % (path, m.num, m.name))
    return mutants


def restore_leftovers():
    """Put back any file a killed earlier run left mutated."""
    if not os.path.isdir(SAVE):
        return
    for dirpath, _, files in os.walk(SAVE):
        for f in files:
            saved = os.path.join(dirpath, f)
            rel = os.path.relpath(saved, SAVE)
            print("restoring %s from an interrupted run" % rel)
            put_back(os.path.join(ROOT, rel), saved)


def put_back(path, saved, data=None):
    """The original back in place, with a new mtime: make must rebuild
    the objects the mutant was built into."""
    if data is None:
        with open(saved, "rb") as fh:
            data = fh.read()
    with open(path, "wb") as fh:
        fh.write(data)
    os.utime(path)
    if os.path.exists(saved):
        os.unlink(saved)


class Applied:
    """The mutant in place for the duration of a `with`."""

    def __init__(self, m, original, mutated):
        self.path = os.path.join(ROOT, m.file)
        self.saved = os.path.join(SAVE, m.file)
        self.original, self.mutated = original, mutated

    def __enter__(self):
        os.makedirs(os.path.dirname(self.saved), exist_ok=True)
        shutil.copy2(self.path, self.saved)
        try:
            with open(self.path, "wb") as fh:
                fh.write(self.mutated)
        except BaseException:
            self.__exit__()
            raise
        return self

    def __exit__(self, *exc):
        put_back(self.path, self.saved, self.original)
        return False


def make_targets(test):
    """The files of the test command that make builds, else `units`."""
    t = [w for w in test.split() if w.startswith("build/")]
    return t or ["units"]


def run(cmd, timeout=None):
    """Run cmd in its own process group; on a timeout or an interruption
    the whole group is killed and waited for before anything else (a make
    still running would write objects of the mutant after the restore)."""
    p = subprocess.Popen(cmd, shell=True, cwd=ROOT, start_new_session=True,
                         stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    try:
        out, _ = p.communicate(timeout=timeout)
    except BaseException as e:
        try:
            os.killpg(p.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        p.wait()
        if isinstance(e, subprocess.TimeoutExpired):
            return "timeout", ""
        raise
    return p.returncode, out.decode("utf-8", "replace")


def on_signal(signum, frame):
    raise KeyboardInterrupt


def main(argv):
    verbose = "-k" not in argv
    check = "--check" in argv
    want = [a for a in argv if a not in ("-k", "--check")]
    os.makedirs(SAVE, exist_ok=True)
    lock = open(os.path.join(ROOT, "build", "mutation.lock"), "w")
    try:
        fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        sys.exit("mutation: another run is going on in this tree")
    global LOCK
    LOCK = lock
    signal.signal(signal.SIGINT, on_signal)
    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGHUP, on_signal)
    restore_leftovers()
    mutants = parse(LIST)
    if want:
        mutants = [m for m in mutants if m.name in want or str(m.num) in want]
    killed, survived, broken = [], [], []
    t0 = time.time()
    for m in mutants:
        label = "mutant %d (%s, %s)" % (m.num, m.name, m.file)
        path = os.path.join(ROOT, m.file)
        try:
            with open(path, "rb") as fh:
                original = fh.read()
        except OSError as e:
            print("%s: %s" % (label, e))
            broken.append(m)
            continue
        anchor = "\n".join(m.anchor).encode()
        n = original.count(anchor)
        if n != 1:
            print("mutant %d: anchor %s in %s" % (
                m.num, "not found" if not n else "found %d times" % n,
                m.file))
            broken.append(m)
            continue
        mutated = original.replace(anchor, "\n".join(m.replace).encode())
        if check:
            continue
        with Applied(m, original, mutated):
            rc, out = run("make -j2 %s" % " ".join(make_targets(m.test)))
            if rc != 0:
                print("%s: did not build" % label)
                if verbose:
                    print(out[-2000:])
                broken.append(m)
                continue
            rc, out = run(m.test, timeout=TEST_TIMEOUT)
        if rc == 0:
            print("%s: SURVIVED (%s passes)" % (label, m.test))
            survived.append(m)
        else:
            print("%s: killed%s" % (label,
                                    " (timeout)" if rc == "timeout" else ""))
            killed.append(m)
    if check:
        print("anchors: %d of %d found once" % (
            len(mutants) - len(broken), len(mutants)))
        return 2 if broken else 0
    # Rebuild what the mutants touched, so build/ matches the sources.
    run("make -j2 units")
    total = len(killed) + len(survived)
    print("score: %d of %d mutants killed%s (%.0f s)" % (
        len(killed), total,
        ", %d not run (anchor or build)" % len(broken) if broken else "",
        time.time() - t0))
    for m in survived:
        print("survived: mutant %d (%s) in %s" % (m.num, m.name, m.file))
    return 2 if broken else 1 if survived else 0


if __name__ == "__main__":
    try:
        sys.exit(main(sys.argv[1:]))
    except KeyboardInterrupt:
        if LOCK:
            restore_leftovers()
        print("interrupted: sources restored", file=sys.stderr)
        sys.exit(130)
