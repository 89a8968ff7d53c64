"""What the Python benchmarks share: knobs from the environment, git, and
an environment that no setting of the user's (PUSHFIX_*, GIT_*, proxies,
~/.gitconfig) can change the figures through."""
import os
import subprocess


def env_int(name, default):
    return int(os.environ.get(name, default))


def git(cwd, *args, env=None, out=subprocess.PIPE):
    r = subprocess.run(["git", *args], cwd=cwd, env=env, stdout=out,
                       stderr=subprocess.PIPE, check=True)
    return r.stdout.decode().strip() if r.stdout else ""


def bench_env(home, **extra):
    """os.environ without PUSHFIX_*, GIT_* and proxies, HOME=home, a fixed
    committer, loopback outside any proxy, PUSHFIX_BIN kept; then extra."""
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("PUSHFIX_", "GIT_")) and
           k.lower() not in ("http_proxy", "https_proxy", "all_proxy")}
    env.update(HOME=home, GIT_CONFIG_NOSYSTEM="1", NO_COLOR="1",
               NO_PROXY="127.0.0.1,localhost", no_proxy="127.0.0.1,localhost",
               GIT_AUTHOR_NAME="b", GIT_AUTHOR_EMAIL="b@example.com",
               GIT_COMMITTER_NAME="b", GIT_COMMITTER_EMAIL="b@example.com",
               PUSHFIX_BIN=os.environ["PUSHFIX_BIN"])
    env.update(extra)
    return env
