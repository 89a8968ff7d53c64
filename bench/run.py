#!/usr/bin/env python3
"""pushfix benchmark: figures and ratios, never pass/fail on time.

Builds a large synthetic push in a temp dir (bare remote + clone), then
measures in one run:
  1. pushfix's own time for push -> diff -> scan stage -> filter, with the
     scanner replaced by an instant replay (bench/instant-semgrep prints an
     empty result document), running `pushfix hook pre-push origin URL`
     with git's stdin line, against `git diff --unified=0 BASE..TIP` on the
     same range: medians and their ratio;
  2. `pushfix changes BASE..TIP` (push-free diff only) for reference;
  3. peak memory (max RSS) of each, from GNU time if installed, else
     getrusage(RUSAGE_CHILDREN);
  4. a push with nothing to scan (a deletion; an already-pushed tag): ms.

Environment: PUSHFIX_BIN (required), BENCH_FILES (2000), BENCH_LINES (240),
BENCH_CHANGED (100 changed lines per file), BENCH_COMMITS (4), BENCH_REPS
(7), BENCH_NODELTA=0 skips the no-delta repack, BENCH_KEEP=1 keeps the
temp dir.
"""
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ZERO = "0" * 40


def env_int(name, default):
    return int(os.environ.get(name, default))


def run(cmd, cwd, env, stdin=None, out=subprocess.DEVNULL):
    r = subprocess.run(cmd, cwd=cwd, env=env, input=stdin, stdout=out,
                       stderr=subprocess.PIPE)
    if r.returncode != 0:
        sys.stderr.write("bench: %s failed (%d): %s\n" %
                         (" ".join(cmd), r.returncode,
                          r.stderr.decode(errors="replace")[-2000:]))
        sys.exit(1)
    return r


def timed(cmd, cwd, env, stdin=None, reps=7):
    """Median wall ms over reps (after one warm-up run), and stderr of the
    last run."""
    run(cmd, cwd, env, stdin)
    ms = []
    last = None
    for _ in range(reps):
        t0 = time.perf_counter()
        last = run(cmd, cwd, env, stdin)
        ms.append((time.perf_counter() - t0) * 1000.0)
    return statistics.median(ms), min(ms), last.stderr


def peak_rss_kb(cmd, cwd, env, stdin=None):
    """Max RSS in KiB of one run of cmd (and its children)."""
    gnu_time = shutil.which("time", path="/usr/bin:/bin")
    if gnu_time:
        r = subprocess.run([gnu_time, "-f", "%M"] + cmd, cwd=cwd, env=env,
                           input=stdin, stdout=subprocess.DEVNULL,
                           stderr=subprocess.PIPE)
        last = r.stderr.decode().strip().splitlines()[-1]
        return int(last), "GNU time"
    # Without GNU time: a fresh Python child whose RUSAGE_CHILDREN sees only
    # this command.
    code = ("import resource, subprocess, sys\n"
            "subprocess.run(sys.argv[1:], input=sys.stdin.buffer.read(),"
            " stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)\n"
            "print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)\n")
    r = subprocess.run([sys.executable, "-c", code] + cmd, cwd=cwd, env=env,
                       input=stdin or b"", stdout=subprocess.PIPE)
    return int(r.stdout.decode().strip()), "getrusage"


def main():
    pushfix = os.environ.get("PUSHFIX_BIN")
    if not pushfix or not os.access(pushfix, os.X_OK):
        sys.exit("bench: set PUSHFIX_BIN to the pushfix binary (make bench)")
    pushfix = os.path.abspath(pushfix)
    nfiles = env_int("BENCH_FILES", 2000)
    nlines = env_int("BENCH_LINES", 240)
    changed = env_int("BENCH_CHANGED", 100)
    ncommits = env_int("BENCH_COMMITS", 4)
    reps = env_int("BENCH_REPS", 7)

    tmp = tempfile.mkdtemp(prefix="pushfix-bench.")
    try:
        bench(pushfix, tmp, nfiles, nlines, changed, ncommits, reps)
    finally:
        if os.environ.get("BENCH_KEEP"):
            print("kept: %s" % tmp)
        else:
            shutil.rmtree(tmp, ignore_errors=True)


def bench(pushfix, tmp, nfiles, nlines, changed, ncommits, reps):
    home = os.path.join(tmp, "home")
    os.makedirs(home)
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("PUSHFIX_", "GIT_"))}
    env.update({
        "HOME": home, "XDG_CONFIG_HOME": os.path.join(home, ".config"),
        "GIT_CONFIG_NOSYSTEM": "1", "NO_COLOR": "1", "LC_ALL": "C",
        "GIT_AUTHOR_NAME": "Bench", "GIT_AUTHOR_EMAIL": "bench@example.com",
        "GIT_COMMITTER_NAME": "Bench",
        "GIT_COMMITTER_EMAIL": "bench@example.com",
        "PUSHFIX_TTY": "/nonexistent",
        "PUSHFIX_SCAN_ENGINE": "semgrep",
        "PUSHFIX_SCAN_SEMGREP_BIN": os.path.join(HERE, "instant-semgrep"),
        "PUSHFIX_SCAN_SEMGREP_CONFIG": os.path.join(HERE, "instant-semgrep"),
        "PUSHFIX_LLM_PROVIDER": "none",
        "PUSHFIX_MIRROR_ENABLED": "false",
    })
    remote = os.path.join(tmp, "origin.git")
    work = os.path.join(tmp, "work")

    t0 = time.perf_counter()
    run(["git", "init", "-q", "--bare", remote], tmp, env)
    run(["git", "init", "-q", "-b", "main", work], tmp, env)
    gen = subprocess.Popen([sys.executable, os.path.join(HERE, "gen.py"),
                            str(nfiles), str(nlines), str(changed),
                            str(ncommits), "0", "0"],
                           stdout=subprocess.PIPE)
    run(["git", "fast-import", "--quiet"], work, env, stdin=gen.stdout.read())
    gen.wait()
    run(["git", "reset", "-q", "--hard", "main"], work, env)
    run(["git", "remote", "add", "origin", remote], work, env)
    base = run(["git", "rev-parse", "main~%d" % ncommits], work, env,
               out=subprocess.PIPE).stdout.decode().strip()
    tip = run(["git", "rev-parse", "main"], work, env,
              out=subprocess.PIPE).stdout.decode().strip()
    # The remote has the base: the push under test is BASE..TIP.
    run(["git", "push", "-q", "--no-verify", "origin", base + ":refs/heads/main"],
        work, env)
    run(["git", "fetch", "-q", "origin"], work, env)
    run(["git", "push", "-q", "--no-verify", "origin",
         base + ":refs/heads/gone"], work, env)
    setup_s = time.perf_counter() - t0

    numstat = run(["git", "diff", "--numstat", base, tip], work, env,
                  out=subprocess.PIPE).stdout.decode().splitlines()
    added = sum(int(l.split("\t")[0]) for l in numstat if l[0].isdigit())

    url = remote
    push_line = ("refs/heads/main %s refs/heads/main %s\n" %
                 (tip, base)).encode()
    hook = [pushfix, "hook", "pre-push", "origin", url]
    gitdiff = ["git", "diff", "--unified=0", "%s..%s" % (base, tip)]
    changes = [pushfix, "changes", "%s..%s" % (base, tip)]

    # Sanity: the hook really ran the pipeline (the scanner was called) and
    # `changes` lists every changed file.
    marker = os.path.join(tmp, "instant.log")
    env_log = dict(env, INSTANT_SEMGREP_LOG=marker)
    run(hook, work, env_log, push_line)
    ncalls = 0
    ntargets = 0
    if os.path.exists(marker):
        with open(marker) as fh:
            for line in fh:
                ncalls += 1
                ntargets += int(line.split()[0])
    nchanged_files = len(run(changes, work, env, out=subprocess.PIPE)
                         .stdout.decode().splitlines())

    hook_ms, hook_min, hook_err = timed(hook, work, env, push_line, reps)
    diff_ms, diff_min, _ = timed(gitdiff, work, env, None, reps)
    chg_ms, chg_min, _ = timed(changes, work, env, None, reps)
    del_line = ("(delete) %s refs/heads/gone %s\n" % (ZERO, base)).encode()
    del_ms, del_min, _ = timed(hook, work, env, del_line, max(reps, 11))
    # A new tag on a commit the remote already has.
    run(["git", "tag", "-f", "-a", "-m", "new", "v1", base], work, env)
    tag_oid = run(["git", "rev-parse", "v1"], work, env,
                  out=subprocess.PIPE).stdout.decode().strip()
    tag_line = ("refs/tags/v1 %s refs/tags/v1 %s\n" %
                (tag_oid, ZERO)).encode()
    tag_ms, tag_min, _ = timed(hook, work, env, tag_line, max(reps, 11))
    empty_ms, empty_min, _ = timed(hook, work, env, b"", max(reps, 11))

    # What starting a process costs on this machine, for reading the
    # nothing-to-scan figures.
    true_ms, true_min, _ = timed(["true"], work, env, None, max(reps, 11))
    revparse_ms, revparse_min, _ = timed(["git", "rev-parse", "HEAD"], work,
                                         env, None, max(reps, 11))
    version_ms, version_min, _ = timed([pushfix, "version"], work, env, None,
                                       max(reps, 11))

    hook_rss, how = peak_rss_kb(hook, work, env, push_line)
    diff_rss, _ = peak_rss_kb(gitdiff, work, env)
    chg_rss, _ = peak_rss_kb(changes, work, env)

    # The same objects repacked without deltas: separates the cost of
    # resolving delta chains (git keeps a delta-base cache) from the rest.
    nd = None
    if os.environ.get("BENCH_NODELTA", "1") != "0":
        run(["git", "repack", "-q", "-a", "-d", "-f", "--depth=0",
             "--window=0"], work, env)
        nd_hook = timed(hook, work, env, push_line, reps)
        nd_diff = timed(gitdiff, work, env, None, reps)
        nd_chg = timed(changes, work, env, None, reps)
        nd = (nd_hook, nd_diff, nd_chg)

    print("pushfix benchmark (%s)" % pushfix)
    print("  synthetic push: %d files changed, %d lines added/modified, "
          "%d commits, BASE..TIP = %s..%s (setup %.1f s)" %
          (len(numstat), added, ncommits, base[:10], tip[:10], setup_s))
    print("  pipeline check: scanner called %d time(s) with %d target(s); "
          "`pushfix changes` lists %d file(s)" %
          (ncalls, ntargets, nchanged_files))
    if hook_err.strip():
        print("  hook stderr (last run): %s" %
              hook_err.decode(errors="replace").strip().splitlines()[-1][:200])
    print("  median of %d runs (min in brackets), wall time:" % reps)
    print("    pushfix hook (push->diff->scan stage->filter, instant "
          "scanner)  %8.1f ms  [%.1f]" % (hook_ms, hook_min))
    print("    git diff --unified=0 BASE..TIP >/dev/null              "
          "%8.1f ms  [%.1f]" % (diff_ms, diff_min))
    print("    pushfix changes BASE..TIP (diff only)                   "
          "%8.1f ms  [%.1f]" % (chg_ms, chg_min))
    print("  ratio hook / git diff:    %.2f   (aim <= 1.5)" %
          (hook_ms / diff_ms))
    print("  ratio changes / git diff: %.2f" % (chg_ms / diff_ms))
    if nd:
        print("  the same push, objects repacked without deltas:")
        print("    pushfix hook     %8.1f ms  [%.1f]" % nd[0][:2])
        print("    git diff         %8.1f ms  [%.1f]" % nd[1][:2])
        print("    pushfix changes  %8.1f ms  [%.1f]" % nd[2][:2])
        print("    ratio hook / git diff: %.2f, changes / git diff: %.2f" %
              (nd[0][0] / nd[1][0], nd[2][0] / nd[1][0]))
    print("  nothing to scan (median of %d):" % max(reps, 11))
    print("    deletion push           %6.1f ms  [%.1f]   (aim < 10 ms)" %
          (del_ms, del_min))
    print("    new tag, pushed commit  %6.1f ms  [%.1f]" % (tag_ms, tag_min))
    print("    empty stdin             %6.1f ms  [%.1f]" %
          (empty_ms, empty_min))
    print("  process start on this machine (same medians), for scale:")
    print("    true                    %6.1f ms  [%.1f]" % (true_ms, true_min))
    print("    git rev-parse HEAD      %6.1f ms  [%.1f]" %
          (revparse_ms, revparse_min))
    print("    pushfix version         %6.1f ms  [%.1f]" %
          (version_ms, version_min))
    print("  peak memory (max RSS, %s):" % how)
    print("    pushfix hook     %8.1f MiB" % (hook_rss / 1024.0))
    print("    git diff         %8.1f MiB" % (diff_rss / 1024.0))
    print("    pushfix changes  %8.1f MiB" % (chg_rss / 1024.0))


if __name__ == "__main__":
    main()
