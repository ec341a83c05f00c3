#!/usr/bin/python3
"""A logging TCP proxy for the Redis protocol, for the client tests.

Listens on 127.0.0.1:LISTEN, forwards every connection to 127.0.0.1:TARGET
and writes one line per request and per reply to the log file:

    listening 127.0.0.1:LISTEN
    c1 > HELLO 3
    c1 < [HELLO 3] %7\\r\\n$6\\r\\nserver\\r\\n...
    c1 closed

A request line holds the command's arguments (quoted when they are not plain
words); a reply line names the request it answers (replies come in request
order; RESP3 pushes are marked [push]) and holds the raw bytes of one complete
reply (RESP2 or RESP3), escaped and cut at 400 characters. The tests read
these lines to see what a client library sends on connect and in which
protocol it was answered.

It stops by itself after --max-seconds, and only ever talks to loopback.
"""

import argparse
import asyncio
import collections
import re
import sys

REPLY_LOG_CHARS = 400       # longest reply excerpt written to the log
READ_CHUNK_BYTES = 65536

PLAIN = re.compile(rb"^[A-Za-z0-9_.:*|@#/+=-]+$")


def show_arg(arg):
    """One request argument as a log word: plain words as is, others quoted."""
    if PLAIN.match(arg):
        return arg.decode("ascii")
    return repr(arg)[1:]


def line_end(buf, pos):
    """Index of the CRLF that ends the line starting at pos, or -1."""
    return buf.find(b"\r\n", pos)


def parse_request(buf):
    """(args, consumed) for one complete request at the start of buf, or None.

    Handles multibulk requests and inline ones (a line of words)."""
    if not buf:
        return None
    if buf[:1] != b"*":
        end = buf.find(b"\n")
        if end < 0:
            return None
        return buf[:end].strip().split(), end + 1
    end = line_end(buf, 0)
    if end < 0:
        return None
    count = int(buf[1:end])
    pos = end + 2
    args = []
    for _ in range(max(count, 0)):
        end = line_end(buf, pos)
        if end < 0:
            return None
        size = int(buf[pos + 1:end])
        start = end + 2
        if len(buf) < start + size + 2:
            return None
        args.append(buf[start:start + size])
        pos = start + size + 2
    return args, pos


AGGREGATE = {b"*": 1, b"~": 1, b">": 1, b"%": 2, b"|": 2}
BLOB = {b"$", b"!", b"="}


def reply_end(buf, pos):
    """Index just past the one complete reply starting at pos, or -1."""
    if pos >= len(buf):
        return -1
    kind = buf[pos:pos + 1]
    end = line_end(buf, pos)
    if end < 0:
        return -1
    if kind in BLOB:
        size = int(buf[pos + 1:end])
        if size < 0:
            return end + 2
        stop = end + 2 + size + 2
        return stop if len(buf) >= stop else -1
    if kind in AGGREGATE:
        count = int(buf[pos + 1:end])
        pos = end + 2
        for _ in range(max(count, 0) * AGGREGATE[kind]):
            pos = reply_end(buf, pos)
            if pos < 0:
                return -1
        if kind == b"|":  # an attribute precedes the reply it describes
            return reply_end(buf, pos)
        return pos
    return end + 2  # + - : , ( # _ and anything else: one line


class Log:
    """Appends lines to the log file, flushed at once so tests can read it."""

    def __init__(self, path):
        self.out = open(path, "a", encoding="utf-8")

    def write(self, line):
        self.out.write(line + "\n")
        self.out.flush()


async def pump(reader, writer, log, tag, split, inflight):
    """Copy bytes from reader to writer, logging each whole message."""
    pending = b""
    try:
        while True:
            chunk = await reader.read(READ_CHUNK_BYTES)
            if not chunk:
                break
            pending += chunk
            pending = split(pending, log, tag, inflight)  # logged before the peer sees it
            writer.write(chunk)
            await writer.drain()
    except (ConnectionError, ValueError) as err:
        log.write(f"{tag} error {err!r}")
    finally:
        try:
            writer.close()
        except ConnectionError:
            pass


def split_requests(pending, log, tag, inflight):
    while True:
        got = parse_request(pending)
        if got is None:
            return pending
        args, used = got
        words = " ".join(show_arg(a) for a in args)
        log.write(f"{tag} > {words}")
        if args:
            inflight.append(words)
        pending = pending[used:]


def split_replies(pending, log, tag, inflight):
    while True:
        end = reply_end(pending, 0)
        if end < 0:
            return pending
        text = repr(pending[:end])[2:-1]
        if len(text) > REPLY_LOG_CHARS:
            text = text[:REPLY_LOG_CHARS] + "..."
        if pending[:1] == b">":
            request = "push"
        else:
            request = inflight.popleft() if inflight else "?"
        log.write(f"{tag} < [{request}] {text}")
        pending = pending[end:]


async def serve(args):
    log = Log(args.log)
    counter = 0

    async def handle(client_reader, client_writer):
        nonlocal counter
        counter += 1
        tag = f"c{counter}"
        try:
            server_reader, server_writer = await asyncio.open_connection("127.0.0.1", args.target)
        except OSError as err:
            log.write(f"{tag} cannot reach the server: {err!r}")
            client_writer.close()
            return
        log.write(f"{tag} connected")
        inflight = collections.deque()  # requests not answered yet, oldest first
        await asyncio.gather(
            pump(client_reader, server_writer, log, tag, split_requests, inflight),
            pump(server_reader, client_writer, log, tag, split_replies, inflight))
        log.write(f"{tag} closed")

    server = await asyncio.start_server(handle, "127.0.0.1", args.listen)
    log.write(f"listening 127.0.0.1:{args.listen}")
    async with server:
        try:
            await asyncio.wait_for(server.serve_forever(), args.max_seconds)
        except asyncio.TimeoutError:
            log.write("stopping: --max-seconds reached")


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--listen", type=int, required=True, help="port to accept clients on")
    parser.add_argument("--target", type=int, required=True, help="port of the server")
    parser.add_argument("--log", required=True, help="file to append the log lines to")
    parser.add_argument("--max-seconds", type=float, default=120.0, help="lifetime bound")
    args = parser.parse_args()
    try:
        asyncio.run(serve(args))
    except KeyboardInterrupt:
        pass
    return 0


if __name__ == "__main__":
    sys.exit(main())
