#!/usr/bin/env python3
"""The scan cache and the prescan (issue 14 items 1 and 2): figures, never
pass/fail on time.

A push of the last BENCH_CACHE_COMMITS (60) commits of this project's own
history (a clone of the checkout the benchmark runs from) with the real
flawfinder (`[scan] engine = sarif`), the hook run as git runs it
(`pushfix hook pre-push` with git's ref line on stdin, no terminal, no
LLM):

  first push      the scan cache empty: flawfinder reads every C file;
  second push     the same blobs again: every file answered by the cache;
  prescanned      the cache emptied, then `pushfix prescan` (what the
                  post-commit hook runs in the background), then the push;
  flawfinder      flawfinder alone on the same files, the scanner's time;
  git commit      `git commit --allow-empty` with and without the
                  post-commit hook of install.sh --prescan (the hook's
                  cost to a commit; its background scan is not waited for).

Medians of BENCH_CACHE_REPS (3).  BENCH_KEEP=1 keeps the temp dir.
"""
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

from benchlib import env_int, git  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
SRC = os.path.dirname(HERE)
BIN = os.environ.get("PUSHFIX_BIN",
                     os.path.join(SRC, "build", "default", "pushfix"))


def timed(fn, reps):
    t = []
    for _ in range(reps):
        t0 = time.perf_counter()
        fn()
        t.append((time.perf_counter() - t0) * 1000)
    return statistics.median(t)


def main():
    if not shutil.which("flawfinder"):
        print("cache bench: skipped (flawfinder is not installed)")
        return 0
    n = env_int("BENCH_CACHE_COMMITS", 60)
    reps = env_int("BENCH_CACHE_REPS", 3)
    tmp = tempfile.mkdtemp(prefix="pushfix-bench-cache.")
    env = dict(os.environ)
    for k in list(env):
        if k.startswith("PUSHFIX_") and k != "PUSHFIX_BIN":
            del env[k]
    env.update({
        "HOME": tmp, "XDG_CONFIG_HOME": os.path.join(tmp, ".config"),
        "GIT_CONFIG_NOSYSTEM": "1", "PUSHFIX_CONFIG": "/dev/null",
        "PUSHFIX_SCAN_ENGINE": "sarif",
        "PUSHFIX_SCAN_COMMAND": "flawfinder --sarif {files}",
        "PUSHFIX_LLM_PROVIDER": "none", "PUSHFIX_TTY": "/nonexistent",
        "GIT_AUTHOR_NAME": "B", "GIT_AUTHOR_EMAIL": "b@example.com",
        "GIT_COMMITTER_NAME": "B", "GIT_COMMITTER_EMAIL": "b@example.com",
        "NO_COLOR": "1",
    })
    try:
        repo = os.path.join(tmp, "repo")
        git(None, "clone", "-q", "--no-local", SRC, repo, env=env)
        if git(repo, "rev-parse", "--is-shallow-repository") == "true" or \
                int(git(repo, "rev-list", "--count", "HEAD")) <= n:
            print("cache bench: skipped (a shallow or short history)")
            return 0
        head = git(repo, "rev-parse", "HEAD")
        base = git(repo, "rev-parse", "HEAD~%d" % n)
        remote = os.path.join(tmp, "origin.git")
        git(None, "init", "-q", "--bare", remote, env=env)
        git(repo, "push", "-q", remote, base + ":refs/heads/main", env=env)
        cache = os.path.join(repo, ".git", "pushfix", "scan-cache")
        refs = "refs/heads/main %s refs/heads/main %s\n" % (head, base)

        def push():
            subprocess.run([BIN, "hook", "pre-push", "origin", remote],
                           cwd=repo, env=env, input=refs.encode(),
                           stdout=subprocess.DEVNULL,
                           stderr=subprocess.DEVNULL)

        def cold():
            shutil.rmtree(cache, ignore_errors=True)
            push()

        def prescanned():
            shutil.rmtree(cache, ignore_errors=True)
            subprocess.run([BIN, "prescan"], cwd=repo, env=env,
                           stdout=subprocess.DEVNULL,
                           stderr=subprocess.DEVNULL)

        # What flawfinder reads: the C files the push changes.
        files = [f for f in git(repo, "diff", "--name-only",
                                "--diff-filter=AM", base, head).split("\n")
                 if f.endswith((".c", ".h"))]
        # The local branch tracks the remote: `prescan` scans what a
        # push of HEAD would send.
        git(repo, "remote", "set-url", "origin", remote, env=env)
        git(repo, "fetch", "-q", "origin", env=env)
        git(repo, "branch", "-q", "-u", "origin/main", env=env)

        t_first = timed(cold, reps)
        push()
        t_second = timed(push, reps)
        t_pre = []
        for _ in range(reps):
            prescanned()
            t0 = time.perf_counter()
            push()
            t_pre.append((time.perf_counter() - t0) * 1000)
        t_pre = statistics.median(t_pre)
        # The same push with a scanner that reads nothing: what the push
        # costs besides the scan.
        env["PUSHFIX_SCAN_COMMAND_FILES"] = "*.none"
        t_none = timed(push, reps)
        del env["PUSHFIX_SCAN_COMMAND_FILES"]
        t_ff = timed(lambda: subprocess.run(
            ["flawfinder", "--sarif"] + files, cwd=repo,
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL), reps)

        # git commit with and without the post-commit hook.
        def commit():
            git(repo, "commit", "-q", "--allow-empty", "-m", "c", env=env)

        t_plain = timed(commit, max(reps, 10))
        subprocess.run(["sh", os.path.join(SRC, "install.sh"), "--bin", BIN,
                        "--no-deps", "--no-build", "--repo", repo,
                        "--prescan"], env=env, stdout=subprocess.DEVNULL,
                       check=True)
        # The hook's config: the clone's own file, which PUSHFIX_CONFIG
        # would hide.
        del env["PUSHFIX_CONFIG"]
        t_hook = timed(commit, max(reps, 10))
        hook = os.path.join(repo, ".git", "hooks", "post-commit")
        # Each run apart, so that the previous one's background scan has
        # finished: the hook's own cost.
        t_hook_alone = []
        for _ in range(max(reps, 10)):
            time.sleep(0.5)
            t_hook_alone.append(timed(lambda: subprocess.run(
                [hook], cwd=repo, env=env, stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL), 1))
        t_hook_alone = statistics.median(t_hook_alone)
        os.remove(os.path.join(repo, ".git", "hooks", "post-commit"))
        t_plain2 = timed(commit, max(reps, 10))
        t_plain = min(t_plain, t_plain2)

        print("scan cache and prescan (%d commits of this project, %d C "
              "files, flawfinder; medians of %d):" % (n, len(files), reps))
        print("  first push (cache empty)   %8.1f ms" % t_first)
        print("  second push, same blobs    %8.1f ms   %.3fx the first"
              % (t_second, t_second / t_first))
        print("  push after prescan         %8.1f ms   %.3fx the first"
              % (t_pre, t_pre / t_first))
        print("  push scanning nothing      %8.1f ms   (all but the scan)"
              % t_none)
        print("  flawfinder alone           %8.1f ms" % t_ff)
        scan1 = max(t_first - t_none, 1e-9)
        print("  the scan stage: first %.1f ms, second %.1f ms: %.3fx"
              % (scan1, t_second - t_none, (t_second - t_none) / scan1))
        print("  git commit                 %8.1f ms; with the post-commit "
              "hook %.1f ms (+%.1f ms, its background scan competing); "
              "the hook alone %.1f ms" % (t_plain, t_hook, t_hook - t_plain,
                                          t_hook_alone))
    finally:
        if os.environ.get("BENCH_KEEP"):
            print("kept " + tmp)
        else:
            shutil.rmtree(tmp, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
