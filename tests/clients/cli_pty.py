#!/usr/bin/python3
"""An interactive redis-cli session under a pseudo-terminal.

usage: cli_pty.py PORT [--resp3] [--transcript FILE]

Starts `redis-cli -p PORT` (with -3 when --resp3) on a pseudo-terminal as a person would, types
commands and reads the screen output:
  set k v <Enter>      expects OK
  get k <Enter>        expects "v"
  set foo bar          (trailing space, no Enter) expects the greyed hint of
                       SET's remaining arguments, e.g. [NX|XX] [GET] [EX ...
  <Ctrl-U> quit <Enter> expects redis-cli to exit with status 0
Every wait is bounded. Exits 1 with the terminal output so far on failure.
"""

import argparse
import os
import pty
import re
import select
import signal
import struct
import sys
import tempfile
import termios
import fcntl
import time

STEP_TIMEOUT_S = 10.0       # bound on each expected output
EXIT_TIMEOUT_S = 10.0       # bound on redis-cli exiting after quit
TERM_ROWS, TERM_COLS = 40, 200

ANSI = re.compile(rb"\x1b\[[0-9;?]*[A-Za-z]")


class Session:
    def __init__(self, port, home, extra_args):
        env = dict(os.environ, TERM="xterm", HOME=home, LC_ALL="C")
        env.pop("REDISCLI_AUTH", None)
        env.pop("REDISCLI_HISTFILE", None)
        self.pid, self.fd = pty.fork()
        if self.pid == 0:
            try:
                os.execvpe("redis-cli", ["redis-cli", *extra_args, "-h", "127.0.0.1", "-p", str(port)], env)
            finally:
                os._exit(127)
        fcntl.ioctl(self.fd, termios.TIOCSWINSZ, struct.pack("HHHH", TERM_ROWS, TERM_COLS, 0, 0))
        self.output = b""       # everything the terminal received
        self.mark = 0           # where the next expect starts, in plain()

    def send(self, text):
        os.write(self.fd, text.encode())

    def read_some(self, timeout):
        ready, _, _ = select.select([self.fd], [], [], timeout)
        if not ready:
            return False
        try:
            chunk = os.read(self.fd, 4096)
        except OSError:         # EIO: the child closed the terminal
            return None
        if not chunk:
            return None
        self.output += chunk
        return True

    def plain(self):
        """The output so far without terminal escapes (stripped as a whole,
        since an escape may arrive split across two reads)."""
        return ANSI.sub(b"", self.output)

    def expect(self, pattern, what):
        """Wait until pattern (bytes regex) shows after the mark in plain();
        move the mark to the end of the match."""
        deadline = time.monotonic() + STEP_TIMEOUT_S
        regex = re.compile(pattern)
        while True:
            found = regex.search(self.plain(), self.mark)
            if found:
                self.mark = found.end()
                return found
            left = deadline - time.monotonic()
            if left <= 0:
                raise AssertionError(f"{what}: {pattern!r} did not appear within {STEP_TIMEOUT_S} s")
            if self.read_some(left) is None:
                raise AssertionError(f"{what}: redis-cli closed the terminal before {pattern!r}")

    def wait_exit(self):
        deadline = time.monotonic() + EXIT_TIMEOUT_S
        while time.monotonic() < deadline:
            done, status = os.waitpid(self.pid, os.WNOHANG)
            if done:
                self.pid = 0
                return status
            self.read_some(0.05)
        raise AssertionError(f"redis-cli still running {EXIT_TIMEOUT_S} s after quit")

    def kill(self):
        if self.pid:
            os.kill(self.pid, signal.SIGKILL)
            os.waitpid(self.pid, 0)
            self.pid = 0


def run(port, session):
    prompt = re.escape(f"127.0.0.1:{port}> ".encode())
    session.expect(prompt, "first prompt")
    print("ok   prompt")

    session.send("set k v\r")
    session.expect(rb"\r\nOK\r\n", "set k v")
    session.expect(prompt, "prompt after set")
    print("ok   set k v -> OK")

    session.send("get k\r")
    session.expect(rb'\r\n"v"\r\n', "get k")
    session.expect(prompt, "prompt after get")
    print('ok   get k -> "v"')

    session.send("set foo bar ")
    # The hint is drawn right after the typed text: "> set foo bar [NX|XX] ..."
    found = session.expect(prompt + rb"set foo bar (\[NX ?\| ?XX\] \[GET\] \[EX seconds ?\|)",
                           "hint for 'set foo bar '")
    print(f"ok   hint after 'set foo bar ': {found.group(1).decode()}...")

    session.send("\x15")            # Ctrl-U: erase the line
    session.send("quit\r")
    status = session.wait_exit()
    if not os.WIFEXITED(status) or os.WEXITSTATUS(status) != 0:
        raise AssertionError(f"redis-cli ended with wait status {status} after quit (expected exit 0)")
    print("ok   quit -> redis-cli exited with status 0")


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("port", type=int)
    parser.add_argument("--transcript", help="write the raw terminal output here")
    parser.add_argument("--resp3", action="store_true", help="run redis-cli -3")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as home:
        session = Session(args.port, home, ["-3"] if args.resp3 else [])
        try:
            run(args.port, session)
        except AssertionError as err:
            print(f"FAIL {err}")
            print("--- terminal output (escapes shown) ---")
            print(repr(session.output[-3000:]))
            return 1
        finally:
            session.kill()
            if args.transcript:
                with open(args.transcript, "wb") as out:
                    out.write(session.output)
    print("redis-cli interactive: all checks passed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
