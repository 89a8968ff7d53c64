#!/usr/bin/env python3
"""A 150-commit push with the real flawfinder (issue 11): figures, never
pass/fail on time.

The push is the last BENCH_PUSH_COMMITS (150) commits of this project's
own history (a clone of the checkout the benchmark runs from), or, when
that clone is shallow or too short, of a generated repository (150
commits, each adding a C file with a few calls flawfinder flags); the
output says which.  `git push` runs with the hook installed and
`[scan] engine = sarif`, `command = flawfinder --sarif {files}`:

  first question  on a pseudo-terminal (tests/standins/pty_drive.py): from
                  the start of `git push` to the first "(1/N) ..." prompt,
                  answered with q;
  total           without a terminal (nothing asked, every finding
                  listed): the whole `git push`;

each without triage ([llm] provider = none) and with triage by the stand-in
LLM (tests/standins/llm_server.py) answering after BENCH_PUSH_DELAY_MS
(200) ms.  The baseline, in the same run, is flawfinder alone on the same
files (checked out into a directory): the ratios say what pushfix adds;
`git push --no-verify` is timed too (git's own share of a total).
Medians of BENCH_PUSH_REPS (3).  BENCH_KEEP=1 keeps the temp dir.
"""
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
SRC = os.path.dirname(HERE)
sys.path.insert(0, os.path.join(SRC, "tests", "standins"))
import pty_drive  # noqa: E402
from benchlib import bench_env, env_int, git  # noqa: E402

PROMPT = r"\(1/[0-9]+\) [^\n]*\? "


def generated(repo, n, env):
    """n commits, each adding a C file flawfinder has something to say
    about (strcpy, a fixed buffer, system)."""
    git(None, "init", "-q", repo, env=env)
    git(repo, "commit", "-q", "--allow-empty", "-m", "base", env=env)
    for i in range(n):
        d = os.path.join(repo, "src", "m%03d" % (i % 10))
        os.makedirs(d, exist_ok=True)
        with open(os.path.join(d, "f%03d.c" % i), "w") as f:
            f.write("#include <stdlib.h>\n#include <string.h>\n\n")
            for k in range(1):
                f.write("int f%d_%d(char *d, const char *s)\n{\n"
                        "\tchar b[64];\n\tstrcpy(b, s);\n"
                        "\treturn system(d) + (int)strlen(b);\n}\n\n"
                        % (i, k))
        git(repo, "add", "-A", env=env)
        git(repo, "commit", "-q", "-m", "commit %d" % i, env=env)


def push_base(repo, n):
    """The first-parent ancestor of HEAD from which HEAD is at least n
    commits ahead (merges bring more than one each); None if none is."""
    firsts = git(repo, "rev-list", "--first-parent", "HEAD").splitlines()
    lo, hi = 1, len(firsts) - 1
    if hi < 1 or int(git(repo, "rev-list", "--count",
                         firsts[hi] + "..HEAD")) < n:
        return None
    while lo < hi:
        mid = (lo + hi) // 2
        if int(git(repo, "rev-list", "--count",
                   firsts[mid] + "..HEAD")) >= n:
            hi = mid
        else:
            lo = mid + 1
    return firsts[lo]


def setup(tmp, n, env):
    repo = os.path.join(tmp, "repo")
    src_git = git(SRC, "rev-parse", "--show-toplevel")
    git(None, "clone", "-q", src_git, repo, env=env)
    shallow = git(repo, "rev-parse", "--is-shallow-repository") == "true"
    base = None if shallow else push_base(repo, n)
    if base:
        n = int(git(repo, "rev-list", "--count", base + "..HEAD"))
        what = "this project's own history (%d commits up to %s)" % (
            n, git(repo, "rev-parse", "--short", "HEAD"))
    else:
        count = git(repo, "rev-list", "--count", "HEAD")
        shutil.rmtree(repo)
        generated(repo, n, env)
        base = git(repo, "rev-parse", "HEAD~%d" % n)
        what = "a generated repository (%d commits; the clone was %s)" % (
            n, "shallow" if shallow else "only %s commits" % count)
    tip = git(repo, "rev-parse", "HEAD")
    origin = os.path.join(tmp, "origin.git")
    git(None, "init", "-q", "--bare", origin, env=env)
    subprocess.run(["git", "remote", "remove", "origin"], cwd=repo, env=env,
                   stderr=subprocess.DEVNULL)
    git(repo, "remote", "add", "origin", origin, env=env)
    git(repo, "checkout", "-q", "-B", "main", env=env)
    git(repo, "push", "-q", "--no-verify", "origin",
        "%s:refs/heads/main" % base, env=env)
    git(repo, "fetch", "-q", "origin", env=env)
    git(repo, "branch", "-q", "-u", "origin/main", env=env)
    subprocess.run(["sh", os.path.join(SRC, "install.sh"), "--bin",
                    env["PUSHFIX_BIN"], "--no-deps", "--no-build", "--repo",
                    "."], cwd=repo, env=env, check=True,
                   stdout=subprocess.DEVNULL)
    return repo, origin, base, tip, what


def reset(repo, origin, base, env):
    """The remote back where it was; no cache of earlier runs."""
    git(origin, "update-ref", "refs/heads/main", base, env=env)
    git(repo, "update-ref", "refs/remotes/origin/main", base, env=env)
    shutil.rmtree(os.path.join(repo, ".git", "pushfix"), ignore_errors=True)


def first_question(repo, env):
    """ms from `git push` to the first prompt on a pty; q answers it."""
    e = dict(env)
    e.pop("PUSHFIX_TTY", None)
    old = os.getcwd()
    os.chdir(repo)
    os.environ.clear()
    os.environ.update(e)
    try:
        t0 = time.monotonic()
        d = pty_drive.Driver(["git", "push", "origin", "main"], 200, 50,
                             600)
        try:
            d.expect(PROMPT)
            ms = (time.monotonic() - t0) * 1000
            d.send(b"q\n")
            d.wait()
        except (TimeoutError, EOFError) as err:
            sys.stderr.write("push bench: %s; last output:\n%s\n"
                             % (err, d.out[-2000:].decode(errors="replace")))
            d.kill_all()
            ms = float("nan")
        return ms
    finally:
        os.chdir(old)


def total(repo, env, hook=True):
    """ms of a whole `git push` with no terminal; findings listed."""
    e = dict(env, PUSHFIX_TTY="/nonexistent")
    t0 = time.monotonic()
    r = subprocess.run(["git", "push", "origin", "main"] +
                       ([] if hook else ["--no-verify"]), cwd=repo, env=e,
                       stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                       stderr=subprocess.PIPE)
    ms = (time.monotonic() - t0) * 1000
    err = r.stderr.decode(errors="replace")
    summary = [l for l in err.splitlines()
               if "on the pushed lines" in l or "nothing scanned" in l]
    return ms, (summary[0] if summary else err.strip()[-300:])


def baseline(repo, base, tip, tmp, env):
    """flawfinder alone on the files the push changes, in a directory."""
    out = os.path.join(tmp, "files")
    shutil.rmtree(out, ignore_errors=True)
    os.makedirs(out)
    names = git(repo, "diff", "--name-only", "--diff-filter=AMRT", base,
                tip).splitlines()
    arch = subprocess.run(["git", "archive", tip, "--", *names], cwd=repo,
                          stdout=subprocess.PIPE, check=True).stdout
    subprocess.run(["tar", "-x", "-C", out], input=arch, check=True)
    t0 = time.monotonic()
    subprocess.run(["flawfinder", "--sarif", *names], cwd=out, env=env,
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return (time.monotonic() - t0) * 1000, len(names)


def start_llm(tmp, delay):
    port_file = os.path.join(tmp, "llm.port")
    p = subprocess.Popen([sys.executable,
                          os.path.join(SRC, "tests", "standins",
                                       "llm_server.py"),
                          "--port-file", port_file, "--log",
                          os.path.join(tmp, "llm.log"), "--max-seconds",
                          "3600", "--delay-ms", str(delay)],
                         stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    for _ in range(200):
        if os.path.exists(port_file) and os.path.getsize(port_file):
            break
        time.sleep(0.05)
    with open(port_file) as f:
        return p, int(f.read().strip())


def med(xs):
    xs = [x for x in xs if x == x]
    return statistics.median(xs) if xs else float("nan")


def main():
    n = env_int("BENCH_PUSH_COMMITS", 150)
    reps = env_int("BENCH_PUSH_REPS", 3)
    # Triage of every finding takes minutes until the LLM cap (issue 11
    # item 5) lands: one rep unless asked.
    treps = env_int("BENCH_PUSH_TRIAGE_REPS", 1)
    delay = env_int("BENCH_PUSH_DELAY_MS", 200)
    if not shutil.which("flawfinder"):
        print("push bench: skipped, flawfinder is not installed")
        return 0
    tmp = tempfile.mkdtemp(prefix="pushfix-bench-push.")
    home = os.path.join(tmp, "home")
    os.makedirs(home)
    env = bench_env(home,
                    PUSHFIX_SCAN_ENGINE="sarif",
                    PUSHFIX_SCAN_COMMAND="flawfinder --sarif {files}",
                    PUSHFIX_CORE_MAX_SECONDS="3000")
    llm = None
    try:
        repo, origin, base, tip, what = setup(tmp, n, env)
        llm, port = start_llm(tmp, delay)
        modes = {
            "no triage": dict(env, PUSHFIX_LLM_PROVIDER="none"),
            "triage": dict(env, PUSHFIX_LLM_PROVIDER="openai",
                           PUSHFIX_LLM_MODEL="bench",
                           PUSHFIX_LLM_BASE_URL="http://127.0.0.1:%d/v1"
                           % port,
                           PUSHFIX_LLM_API_KEY_ENV="BENCH_KEY",
                           BENCH_KEY="sk-bench", PUSHFIX_LLM_TIMEOUT="30",
                           PUSHFIX_LLM_BUDGET="600"),
        }
        print("push benchmark: %s, flawfinder %s, %d reps (medians)"
              % (what, subprocess.run(["flawfinder", "--version"],
                                      stdout=subprocess.PIPE).stdout
                 .decode().strip(), reps))
        base_ms = med([baseline(repo, base, tip, tmp, env)[0]
                       for _ in range(reps)])
        nfiles = baseline(repo, base, tip, tmp, env)[1]
        print("  baseline: flawfinder alone on the %d changed files: "
              "%.0f ms" % (nfiles, base_ms))
        plain = []
        for _ in range(reps):
            reset(repo, origin, base, env)
            plain.append(total(repo, env, hook=False)[0])
        print("  git push --no-verify (git's own part of a total): %.0f ms"
              % med(plain))
        for name, e in modes.items():
            fq, tot, said = [], [], ""
            for _ in range(treps if name == "triage" else reps):
                reset(repo, origin, base, env)
                fq.append(first_question(repo, e))
                reset(repo, origin, base, env)
                ms, said = total(repo, e)
                tot.append(ms)
            f, t = med(fq), med(tot)
            print("  %-9s  first question %7.0f ms (%.2fx baseline)   "
                  "total %7.0f ms (%.2fx baseline)"
                  % (name, f, f / base_ms, t, t / base_ms))
            print("             it said: %s" % said)
        with open(os.path.join(tmp, "llm.log")) as f:
            print("  requests the stand-in LLM received: %d"
                  % sum(1 for _ in f))
    finally:
        if llm:
            llm.kill()
            llm.wait()
        if os.environ.get("BENCH_KEEP") == "1":
            print("kept %s" % tmp)
        else:
            shutil.rmtree(tmp, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
