"""Checks shared by the Python client-library programs in tests/clients.

Imported as `from checks import ...` by redis_py_client.py,
redis_py_scripts.py, django_redis_client.py and limits_client.py (each is run
as `python3 tests/clients/NAME.py`, so this directory is on sys.path).

Every check prints one `ok   NAME` line when it holds and raises CheckFailed
with what was expected and what came back when it does not; `run` turns the
first CheckFailed into a `FAIL ...` line and exit status 1. It offers:
  HOST                          the loopback address tidecache listens on
  CheckFailed                   the exception a failed check raises
  ok(name)                      print the `ok` line of a check done by hand
  check(name, got, want)        got == want
  check_true(name, cond, detail)
                                cond holds; detail says what came instead
  check_raises(name, exc_type, func)
                                func() raises exc_type; returns the exception
  check_error(name, exc_type, func, want_text)
                                func() raises exc_type whose text is want_text
  wait_until(cond, wait_s, step_s, failure)
                                poll cond() until true, bounded by wait_s
  run_threads(what, worker, count, wait_s)
                                worker() in count threads, bounded; checks
                                that they finished and raised nothing
  Occupancy                     counts the threads inside a critical section
  port_argument(doc), argument_parser(doc)
                                the command line: PORT, then any options
  run(title, body, unexpected)  the main loop: body(), then `TITLE: all
                                checks passed` and 0, or `FAIL ...` and 1
"""

import argparse
import threading
import time

HOST = "127.0.0.1"


class CheckFailed(Exception):
    """A check did not hold; the message says what was expected and what came."""


def ok(name):
    print(f"ok   {name}")


def check(name, got, want):
    if got != want:
        raise CheckFailed(f"{name}: expected {want!r}, got {got!r}")
    ok(name)


def check_true(name, cond, detail):
    if not cond:
        raise CheckFailed(f"{name}: {detail}")
    ok(name)


def _raised(name, exc_type, func):
    """The exc_type that func() raises; CheckFailed when it returns or raises another."""
    try:
        got = func()
    except exc_type as err:
        return err
    except Exception as err:  # noqa: BLE001 - report what came instead
        raise CheckFailed(f"{name}: expected {exc_type.__name__}, got {type(err).__name__}: {err}") from err
    raise CheckFailed(f"{name}: expected {exc_type.__name__}, got the result {got!r}")


def check_raises(name, exc_type, func):
    err = _raised(name, exc_type, func)
    ok(f"{name} ({type(err).__name__}: {err})")
    return err


def check_error(name, exc_type, func, want_text):
    err = _raised(name, exc_type, func)
    if str(err) != want_text:
        raise CheckFailed(f"{name}: expected the error {want_text!r}, got {str(err)!r}")
    ok(name)


def wait_until(cond, wait_s, step_s, failure):
    """Poll cond() every step_s seconds until it is true; CheckFailed(failure)
    once wait_s seconds have passed."""
    deadline = time.monotonic() + wait_s
    while not cond():
        if time.monotonic() > deadline:
            raise CheckFailed(failure)
        time.sleep(step_s)


def run_threads(what, worker, count, wait_s):
    """Run worker() in count daemon threads at once, waiting at most wait_s
    seconds for all; check that they finished and raised nothing."""
    errors = []

    def guarded(idx):
        try:
            worker()
        except Exception as err:  # noqa: BLE001 - reported by the main thread
            errors.append(f"thread {idx}: {type(err).__name__}: {err}")

    threads = [threading.Thread(target=guarded, args=(i,), daemon=True) for i in range(count)]
    started = time.monotonic()
    for t in threads:
        t.start()
    for t in threads:
        t.join(max(0.0, wait_s - (time.monotonic() - started)))
    check_true(f"{what} finished", not any(t.is_alive() for t in threads),
               f"still running after {wait_s} s")
    check(f"{what} raised nothing", errors, [])


class Occupancy:
    """A context manager counting the threads inside it; `overlaps` lists the
    counts above one seen on entry (empty when the section was exclusive)."""

    def __init__(self):
        self._guard = threading.Lock()
        self._inside = 0
        self.overlaps = []

    def __enter__(self):
        with self._guard:
            self._inside += 1
            if self._inside != 1:
                self.overlaps.append(self._inside)
        return self

    def __exit__(self, *exc):
        with self._guard:
            self._inside -= 1
        return False


def argument_parser(doc):
    """The command line of a client program: PORT first; the caller may add
    options before parse_args(). doc's first line is the description."""
    parser = argparse.ArgumentParser(description=doc.strip().splitlines()[0])
    parser.add_argument("port", type=int, help=f"the port tidecache listens on at {HOST}")
    return parser


def port_argument(doc):
    """PORT from a command line that takes nothing else."""
    return argument_parser(doc).parse_args().port


def run(title, body, unexpected=Exception):
    """Run body(); return the exit status. A CheckFailed, or an exception of
    the type(s) `unexpected`, prints a `FAIL ...` line and gives 1; otherwise
    `TITLE: all checks passed` is printed and it gives 0."""
    try:
        body()
    except CheckFailed as err:
        print(f"FAIL {err}")
        return 1
    except unexpected as err:
        print(f"FAIL unexpected {type(err).__name__}: {err}")
        return 1
    print(f"{title}: all checks passed")
    return 0
