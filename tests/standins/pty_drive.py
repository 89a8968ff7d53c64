#!/usr/bin/python3
"""Run a command on a real pseudo-terminal and answer it from a script.

The command gets a new session whose controlling terminal is the pty, so
`open("/dev/tty")` in it (or in the hook `git push` runs) reaches the pty,
its stdout and stderr are the pty, and the line discipline echoes what is
typed, in canonical mode, like a person at a terminal (Python 3 stdlib).

  pty_drive.py --script FILE [--log FILE] [--timeout S] [--cols N]
               [--rows N] -- COMMAND [ARG...]

The script has one step a line (blank lines and '#' lines skipped):

  expect REGEX     wait until the output since the last match matches
  send TEXT        type TEXT; \\n, \\t, \\x04 (Ctrl-D) ... are escapes
  line TEXT        type TEXT and Enter
  eof              Ctrl-D at the start of a line (end of input)
  sleep SECONDS
  kill REGEX       a number captured by REGEX's group 1 in the output
                   (waited for like expect) gets SIGKILL
  wait             wait for the command to exit (also done at the end)

--times FILE: one line "<time.time()> <script line>" per expect step, when
it matched (for asserting on order against another process's log).
Everything the command printed goes to --log (raw bytes; default stdout at
the end).  The exit status is the command's (128+N when killed by signal
N); 124 when a step or the command runs out of --timeout seconds (default
60) after which the command's process group is killed.
"""
import argparse
import codecs
import errno
import os
import pty
import re
import select
import signal
import struct
import sys
import termios
import time
import fcntl


class Driver:
    def __init__(self, argv, cols, rows, timeout):
        self.deadline = time.monotonic() + timeout
        self.timeout = timeout
        self.out = bytearray()
        self.mark = 0  # expect searches from here
        self.status = None
        pid, fd = pty.fork()
        if pid == 0:
            try:
                os.execvp(argv[0], argv)
            except OSError as e:
                os.write(2, ("pty_drive: cannot run %s: %s\n"
                             % (argv[0], e)).encode())
            os._exit(127)
        self.pid, self.fd = pid, fd
        fcntl.ioctl(fd, termios.TIOCSWINSZ,
                    struct.pack("HHHH", rows, cols, 0, 0))

    def pump(self, wait):
        """Read what is there (waiting up to `wait` s); False at EOF."""
        try:
            r, _, _ = select.select([self.fd], [], [], wait)
        except InterruptedError:
            return True
        if not r:
            return True
        try:
            data = os.read(self.fd, 65536)
        except OSError as e:
            if e.errno == errno.EIO:  # the other side is closed
                return False
            raise
        if not data:
            return False
        self.out += data
        return True

    def left(self):
        return self.deadline - time.monotonic()

    def expect(self, pattern):
        rx = re.compile(pattern.encode(), re.S)
        while True:
            m = rx.search(self.out, self.mark)
            if m:
                self.mark = m.end()
                return m
            if self.left() <= 0:
                raise TimeoutError("expect %r" % pattern)
            if not self.pump(min(0.2, max(self.left(), 0))):
                m = rx.search(self.out, self.mark)
                if m:
                    self.mark = m.end()
                    return m
                raise EOFError("expect %r: the command ended" % pattern)

    def send(self, data):
        os.write(self.fd, data)

    def wait(self):
        while self.status is None:
            alive = self.pump(0.1)
            pid, st = os.waitpid(self.pid, os.WNOHANG)
            if pid == self.pid:
                self.status = st
                while self.pump(0.05):
                    pass
                break
            if not alive:
                _, st = os.waitpid(self.pid, 0)
                self.status = st
                break
            if self.left() <= 0:
                raise TimeoutError("the command did not exit")
        if os.WIFSIGNALED(self.status):
            return 128 + os.WTERMSIG(self.status)
        return os.WEXITSTATUS(self.status)

    def kill_all(self):
        try:
            os.killpg(self.pid, signal.SIGKILL)
        except OSError:
            pass
        try:
            os.waitpid(self.pid, 0)
        except OSError:
            pass


def unescape(text):
    return codecs.decode(text, "unicode_escape").encode("latin-1")


def run(args):
    steps = []
    with open(args.script) as f:
        for n, raw in enumerate(f, 1):
            line = raw.rstrip("\n")
            if not line.strip() or line.lstrip().startswith("#"):
                continue
            word, _, rest = line.partition(" ")
            if word not in ("expect", "send", "line", "eof", "sleep",
                            "kill", "wait"):
                sys.stderr.write("pty_drive: %s:%d: unknown step %r\n"
                                 % (args.script, n, word))
                return 2
            steps.append((n, word, rest))
    d = Driver(args.command, args.cols, args.rows, args.timeout)
    times = open(args.times, "w") if args.times else None
    code = None
    try:
        for n, word, rest in steps:
            if word == "expect":
                d.expect(rest)
                if times:
                    times.write("%.6f %d\n" % (time.time(), n))
                    times.flush()
            elif word == "send":
                d.send(unescape(rest))
            elif word == "line":
                d.send(unescape(rest) + b"\n")
            elif word == "eof":
                d.send(b"\x04")
            elif word == "sleep":
                end = time.monotonic() + float(rest)
                while time.monotonic() < end:
                    d.pump(end - time.monotonic())
            elif word == "kill":
                m = d.expect(rest)
                os.kill(int(m.group(1)), signal.SIGKILL)
            elif word == "wait":
                code = d.wait()
        code = d.wait()
    except (TimeoutError, EOFError) as e:
        tail = bytes(d.out[-2000:]).decode("utf-8", "replace")
        sys.stderr.write("pty_drive: %s\n--- output so far (tail) ---\n%s\n"
                         % (e, tail))
        d.kill_all()
        code = 124 if isinstance(e, TimeoutError) else 125
    finally:
        if args.log:
            with open(args.log, "wb") as f:
                f.write(d.out)
        else:
            sys.stdout.buffer.write(d.out)
        try:
            os.close(d.fd)
        except OSError:
            pass
    return code


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--script", required=True)
    p.add_argument("--log")
    p.add_argument("--times")
    p.add_argument("--timeout", type=float, default=60)
    p.add_argument("--cols", type=int, default=80)
    p.add_argument("--rows", type=int, default=50)
    p.add_argument("command", nargs=argparse.REMAINDER)
    args = p.parse_args()
    if args.command and args.command[0] == "--":
        args.command = args.command[1:]
    if not args.command:
        p.error("no command")
    sys.exit(run(args))


if __name__ == "__main__":
    main()
