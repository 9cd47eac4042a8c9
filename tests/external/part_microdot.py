"""Part 2: Microdot. Its own unittest suite (run as Microdot's run_tests.py
runs it under MicroPython, plus its tests/test_end2end.py), then a loopback
load run against a Microdot app: REQUESTS requests over CONCURRENCY CPython
client connections at a time."""

import asyncio
import os
import re
import socket
import subprocess
import time

from harness import FAIL, MPY_DIR, PASS, SKIP, Outcome, how_it_ended, micropypath, run_mpy

SUITE_TIMEOUT = 60
REQUESTS = 2000
CONCURRENCY = 20
LOAD_TIMEOUT = 60  # the timed run, on one binary
ECHO_EVERY = 10  # every 10th request POSTs a body that must come back
ECHO_BODY = bytes(range(256)) * 8  # 2 KB

# "test_name (tests.test_x.TestX) ..." then " ok", " FAIL", " ERROR" or
# " skipped: reason" (micropython-lib's unittest prints these).
_TEST_LINE = re.compile(r"^(\w+) \(([\w.]+)\) \.\.\.")
_STATUS = re.compile(r" (ok|FAIL|ERROR|skipped:.*)$")


def parse_unittest(out):
    """{"Class.test": Outcome} from micropython-lib unittest's verbose output.
    A test's own prints may come between its name and its status."""
    cases, current = {}, None
    for line in out.splitlines():
        m = _TEST_LINE.match(line)
        if m:
            current = "%s.%s" % (m.group(2).rsplit(".", 1)[-1], m.group(1))
            line = line[m.end():]
        if current is None:
            continue
        s = _STATUS.search(line) or (_STATUS.match(" " + line.strip()) if line.strip() else None)
        if s:
            word = s.group(1)
            if word == "ok":
                cases[current] = Outcome(PASS)
            elif word.startswith("skipped"):
                cases[current] = Outcome(SKIP, word[len("skipped:"):].strip())
            else:
                cases[current] = Outcome(FAIL, word)
            current = None
    if current is not None:
        cases[current] = Outcome(FAIL, "the run ended inside this test")
    return cases


def _error_details(out):
    """{test name: first line of its traceback's last line}, from the
    FAIL: blocks unittest prints at the end."""
    details = {}
    for block in out.split("=" * 70)[1:]:
        head = re.search(r"FAIL: (\w+)", block)
        lines = [l.strip() for l in block.splitlines() if l.strip() and not l.startswith("---")]
        if head and lines:
            details[head.group(1)] = lines[-1][:160]
    return details


def run_suite(binary, ctx):
    """The suite as run_tests.py runs it, then tests/test_end2end.py (which
    run_tests.py leaves out: a real server on 127.0.0.1:5678)."""
    cases = {}
    for args, run_case in [([], "(run)"), (["end2end"], "(run end2end)")]:
        rc, out, err = run_mpy(binary, [os.path.join(MPY_DIR, "microdot_suite.py")] + args,
                               SUITE_TIMEOUT, path_dirs=[ctx.lib], cwd=ctx.microdot)
        got = parse_unittest(out)
        details = _error_details(out)
        for name, o in got.items():
            if o.status == FAIL:
                o.detail = "%s: %s" % (o.detail, details.get(name.split(".")[-1], "see the log"))
        cases.update(got)
        # The run itself must get to unittest's summary (no crash, no hang).
        if rc is not None and re.search(r"^Ran \d+ tests", out, re.M):
            cases[run_case] = Outcome(PASS)
        else:
            cases[run_case] = Outcome(FAIL, how_it_ended(rc, err, SUITE_TIMEOUT, out))
    return cases


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


async def _request(port, path, body=None):
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    try:
        if body is None:
            writer.write(b"GET %s HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n" % path)
        else:
            writer.write(b"POST %s HTTP/1.0\r\nHost: 127.0.0.1\r\nContent-Length: %d\r\n\r\n%s"
                         % (path, len(body), body))
        await writer.drain()
        return await reader.read()  # the server closes after one response
    finally:
        writer.close()


async def _load(port, stats):
    next_request = iter(range(REQUESTS))

    async def client():
        for i in next_request:
            echo = i % ECHO_EVERY == 0
            try:
                resp = await asyncio.wait_for(
                    _request(port, b"/echo" if echo else b"/", ECHO_BODY if echo else None), 10)
                head, _, body = resp.partition(b"\r\n\r\n")
                want = ECHO_BODY if echo else b"Hello, world!"
                if not head.startswith(b"HTTP/1.0 200") or body != want:
                    stats["errors"].append("request %d: %r" % (i, resp[:80]))
            except (OSError, asyncio.TimeoutError, EOFError) as e:
                stats["errors"].append("request %d: %r" % (i, e))
            stats["done"] += 1

    await asyncio.gather(*(client() for _ in range(CONCURRENCY)))


async def _wait_listening(port, proc, deadline):
    while time.monotonic() < deadline and proc.poll() is None:
        try:
            await asyncio.wait_for(_request(port, b"/"), 5)
            return True
        except (OSError, asyncio.TimeoutError):
            await asyncio.sleep(0.05)
    return False


def run_load(binary, ctx):
    """Outcomes of the load run, and requests/s (None when it failed)."""
    port = free_port()
    env = dict(os.environ, MICROPYPATH=micropypath(os.path.join(ctx.microdot, "src"), ctx.lib))
    proc = subprocess.Popen([binary, os.path.join(MPY_DIR, "microdot_app.py"), str(port)],
                            env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    stats = {"done": 0, "errors": []}
    cases, rate = {}, None
    try:
        async def main():
            if not await _wait_listening(port, proc, time.monotonic() + 10):
                return None
            # One request (not counted) proved that it listens; the timed run:
            t0 = time.monotonic()
            await asyncio.wait_for(_load(port, stats), LOAD_TIMEOUT)
            elapsed = time.monotonic() - t0
            await asyncio.wait_for(_request(port, b"/shutdown"), 10)
            return elapsed

        try:
            elapsed = asyncio.run(main())
        except (asyncio.TimeoutError, OSError) as e:
            elapsed = None
            stats["errors"].append("run: %r" % e)
        if elapsed is None:
            cases["load"] = Outcome(FAIL, "server not listening or run failed: %s"
                                    % "; ".join(stats["errors"][:3]))
        elif stats["errors"] or stats["done"] != REQUESTS:
            cases["load"] = Outcome(FAIL, "%d of %d requests failed, e.g. %s" % (
                len(stats["errors"]), REQUESTS, "; ".join(stats["errors"][:3])))
        else:
            rate = REQUESTS / elapsed
            cases["load"] = Outcome(PASS, "%d requests, %.0f req/s" % (REQUESTS, rate))
        try:
            out, err = proc.communicate(timeout=10)
            rc = proc.returncode
        except subprocess.TimeoutExpired:
            rc, out, err = None, b"", b""
        err = err.decode(errors="replace")
        # After /shutdown the app must leave run() and print its last line,
        # with nothing on stderr (a task's traceback would be there).
        if rc == 0 and b"server stopped" in out and not err.strip():
            cases["shutdown"] = Outcome(PASS)
        else:
            cases["shutdown"] = Outcome(FAIL, how_it_ended(rc, err, 10)
                                        + ("" if rc else "; stderr: " + err.strip()[-200:]))
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    return cases, rate
