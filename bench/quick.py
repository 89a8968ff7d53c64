#!/usr/bin/env python3
"""Issue 14 items 3 and 4: figures, never pass/fail on time.

  first question  20 findings (20 files, one strcpy each, the real
                  flawfinder), the stand-in LLM answering each request
                  after BENCH_QUICK_DELAY_MS (2000) ms: from `git push` to
                  the first prompt on a pty, with triage and without; the
                  difference against one answer's time (aim: about 1x).
  nothing to do   the installed hook as git runs it (hooks/pre-push with
                  the binary's path written in, git's ref list on stdin, in
                  the repository), and `pushfix hook pre-push` alone, for a
                  deletion-only push, a push of a commit that only deletes
                  a file and one that only adds a binary file, against
                  no-op hooks: `sh -c true` and `python3 -c pass` (the floor
                  of pre-commit's hook, a Python program; pre-commit itself
                  is not installable here).  Aim: <= 0.05x of pre-commit's.
  peak memory     max RSS (/usr/bin/time -v) of the hook on a 200k-line
                  push (bench/gen.py: 20 files x 10000 changed lines), the
                  scanner an instant replay, in-process (PUSHFIX_NO_GUARD).

Medians of BENCH_QUICK_REPS (15) for the hook figures.
"""
import os
import re
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
from push import start_llm, first_question  # noqa: E402

STRCPY_C = ("#include <string.h>\n\nvoid copy_%d(char *d, const char *s)\n"
            "{\n\tstrcpy(d, s);\n}\n")


def install_hook(repo):
    """hooks/pre-push as install.sh installs it: the script, with the
    binary's absolute path written in."""
    with open(os.path.join(SRC, "hooks", "pre-push")) as f:
        text = f.read()
    text = re.sub(r"(?m)^pushfix_bin=.*$",
                  "pushfix_bin='%s'" % os.environ["PUSHFIX_BIN"], text)
    hook = os.path.join(repo, ".git", "hooks", "pre-push")
    with open(hook, "w") as f:
        f.write(text)
    os.chmod(hook, 0o755)
    return hook


def repo_with_remote(tmp, env, name):
    origin = os.path.join(tmp, name + ".git")
    repo = os.path.join(tmp, name)
    git(tmp, "init", "-q", "--bare", origin, env=env)
    git(tmp, "init", "-q", "-b", "main", repo, env=env)
    git(repo, "remote", "add", "origin", origin, env=env)
    install_hook(repo)
    return repo, origin


def bench_first_question(tmp, env, delay):
    repo, origin = repo_with_remote(tmp, env, "fq")
    git(repo, "commit", "-q", "--allow-empty", "-m", "base", env=env)
    git(repo, "push", "-q", "--no-verify", "origin", "main", env=env)
    base = git(repo, "rev-parse", "HEAD", env=env).strip()
    for i in range(20):
        with open(os.path.join(repo, "f%02d.c" % i), "w") as f:
            f.write(STRCPY_C % i)
    git(repo, "add", ".", env=env)
    git(repo, "commit", "-q", "-m", "twenty copies", env=env)
    llm, port = start_llm(tmp, delay)
    e = dict(env, PUSHFIX_SCAN_ENGINE="sarif",
             PUSHFIX_SCAN_COMMAND="flawfinder --sarif {files}",
             PUSHFIX_NO_CACHE="1")
    try:
        res = {}
        for name, extra in (
                ("no triage", dict(PUSHFIX_LLM_PROVIDER="none")),
                ("triage", dict(PUSHFIX_LLM_PROVIDER="openai",
                                PUSHFIX_LLM_MODEL="bench",
                                PUSHFIX_LLM_BASE_URL="http://127.0.0.1:%d/v1"
                                % port,
                                PUSHFIX_LLM_API_KEY_ENV="BENCH_KEY",
                                BENCH_KEY="sk-bench",
                                PUSHFIX_LLM_TIMEOUT="60",
                                PUSHFIX_LLM_BUDGET="600"))):
            git(origin, "update-ref", "refs/heads/main", base, env=env)
            git(repo, "update-ref", "refs/remotes/origin/main", base, env=env)
            res[name] = first_question(repo, dict(e, **extra))
    finally:
        llm.kill()
        llm.wait()
    wait = res["triage"] - res["no triage"]
    print("  first question, 20 findings, %d ms per answer: %.0f ms with "
          "triage, %.0f ms without;\n    the wait for the LLM %.0f ms = "
          "%.2fx one answer's time"
          % (delay, res["triage"], res["no triage"], wait, wait / delay))


def time_cmd(argv, cwd, env, stdin, reps):
    xs = []
    for _ in range(reps):
        t0 = time.monotonic()
        subprocess.run(argv, cwd=cwd, env=env, input=stdin,
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        xs.append((time.monotonic() - t0) * 1000)
    return statistics.median(xs)


def bench_nothing(tmp, env, reps):
    repo, origin = repo_with_remote(tmp, env, "del")
    with open(os.path.join(repo, "gone.c"), "w") as f:
        f.write(STRCPY_C % 0)
    git(repo, "add", ".", env=env)
    git(repo, "commit", "-q", "-m", "base", env=env)
    git(repo, "push", "-q", "--no-verify", "origin", "main",
        "main:refs/heads/old", env=env)
    base = git(repo, "rev-parse", "HEAD", env=env).strip()
    git(repo, "rm", "-q", "gone.c", env=env)
    git(repo, "commit", "-q", "-m", "delete a file", env=env)
    tip = git(repo, "rev-parse", "HEAD", env=env).strip()
    with open(os.path.join(repo, "logo.png"), "wb") as f:
        f.write(b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR" + bytes(range(256)))
    git(repo, "add", "logo.png", env=env)
    git(repo, "commit", "-q", "-m", "a binary file", env=env)
    binary = git(repo, "rev-parse", "HEAD", env=env).strip()
    zero = "0" * 40
    e = dict(env, PUSHFIX_SCAN_ENGINE="sarif",
             PUSHFIX_SCAN_COMMAND="flawfinder --sarif {files}")
    # As git runs it: the installed script, argv remote and URL.
    script = [os.path.join(repo, ".git", "hooks", "pre-push"), "origin",
              origin]
    binary_hook = [os.environ["PUSHFIX_BIN"], "hook", "pre-push", "origin",
                   origin]
    cases = (
        ("deletion-only push", ("(delete) %s refs/heads/old %s\n"
                                % (zero, base)).encode()),
        ("a commit deleting a file", ("refs/heads/main %s refs/heads/main "
                                      "%s\n" % (tip, base)).encode()),
        ("a commit adding a binary", ("refs/heads/main %s refs/heads/main "
                                      "%s\n" % (binary, tip)).encode()),
    )
    sh = time_cmd(["sh", "-c", "true"], repo, e, b"", reps)
    py = time_cmd([sys.executable, "-c", "pass"], repo, e, b"", reps)
    v = time_cmd([os.environ["PUSHFIX_BIN"], "version"], repo, e, b"", reps)
    print("  nothing to do (medians of %d): sh -c true %.1f ms, python3 -c "
          "pass %.1f ms (the floor of pre-commit's hook, ~450 ms);\n"
          "    `pushfix version` (loading its shared libraries, the floor "
          "of any run of\n    the binary) %.1f ms = %.1fx sh -c true"
          % (reps, sh, py, v, v / sh))
    for name, refs in cases:
        h = time_cmd(script, repo, e, refs, reps)
        b = time_cmd(binary_hook, repo, e, refs, reps)
        print("    %-25s the hook as git runs it %5.1f ms = %.1fx sh -c "
              "true, %.3fx python3 -c pass, %.3fx pre-commit's ~450 ms"
              "\n    %-25s (`pushfix hook pre-push` alone %.1f ms)"
              % (name + ":", h, h / sh, h / py, h / 450, "", b))


def bench_memory(tmp, env):
    work = os.path.join(tmp, "big")
    origin = os.path.join(tmp, "big.git")
    git(tmp, "init", "-q", "--bare", origin, env=env)
    git(tmp, "init", "-q", "-b", "main", work, env=env)
    gen = subprocess.run([sys.executable, os.path.join(HERE, "gen.py"),
                          "20", "10000", "10000", "1", "0", "0"],
                         stdout=subprocess.PIPE, check=True).stdout
    subprocess.run(["git", "fast-import", "--quiet"], cwd=work, env=env,
                   input=gen, check=True)
    git(work, "reset", "-q", "--hard", "main", env=env)
    base = git(work, "rev-parse", "main~1", env=env).strip()
    tip = git(work, "rev-parse", "main", env=env).strip()
    git(work, "push", "-q", "--no-verify", origin, base + ":refs/heads/main",
        env=env)
    stat = git(work, "diff", "--shortstat", base, tip, env=env).strip()
    e = dict(env, PUSHFIX_SCAN_ENGINE="semgrep",
             PUSHFIX_SCAN_SEMGREP_BIN=os.path.join(HERE, "instant-semgrep"),
             PUSHFIX_SCAN_SEMGREP_CONFIG=os.path.join(HERE,
                                                      "instant-semgrep"),
             PUSHFIX_NO_GUARD="1", PUSHFIX_LLM_PROVIDER="none")
    r = subprocess.run(["/usr/bin/time", "-v", os.environ["PUSHFIX_BIN"],
                        "hook", "pre-push", "origin", origin], cwd=work,
                       env=e, input=("refs/heads/main %s refs/heads/main "
                                     "%s\n" % (tip, base)).encode(),
                       stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    err = r.stderr.decode(errors="replace")
    m = re.search(r"Maximum resident set size \(kbytes\): (\d+)", err)
    said = [l for l in err.splitlines() if l.startswith("pushfix:")]
    print("  peak memory, a 200k-line push (%s): %s MB max RSS"
          % (stat, "%.1f" % (int(m.group(1)) / 1024.0) if m else "?"))
    print("    it said: %s" % (said[-1] if said else err.strip()[-200:]))


def main():
    reps = env_int("BENCH_QUICK_REPS", 15)
    delay = env_int("BENCH_QUICK_DELAY_MS", 2000)
    tmp = tempfile.mkdtemp(prefix="pushfix-bench-quick.")
    home = os.path.join(tmp, "home")
    os.makedirs(home)
    env = bench_env(home,
                    PUSHFIX_CORE_MAX_SECONDS="3000")
    print("quick benchmark (issue 14 items 3, 4)")
    try:
        bench_nothing(tmp, env, reps)
        bench_memory(tmp, env)
        if shutil.which("flawfinder"):
            bench_first_question(tmp, env, delay)
        else:
            print("  first question: skipped, flawfinder is not installed")
    finally:
        if os.environ.get("BENCH_KEEP") == "1":
            print("kept %s" % tmp)
        else:
            shutil.rmtree(tmp, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
