"""Part 5: micropython-lib's aiohttp client against a CPython HTTP server
(http_server.py) on 127.0.0.1, started here on a random free port and
stopped at the end: GET, query parameters, POST of a body and of JSON, a
200 KB response, a chunked response, concurrent requests, a websocket."""

import os
import subprocess
import sys

from harness import FAIL, HERE, MPY_DIR, Outcome, cases_of_program, run_mpy

TIMEOUT = 45
CASES = ["get", "get_params", "post_body", "post_json", "get_big", "chunked",
         "concurrent_get", "websocket"]


def run(binary, label, ctx):
    server = subprocess.Popen([sys.executable, os.path.join(HERE, "http_server.py")],
                              stdin=subprocess.PIPE, stdout=subprocess.PIPE)
    try:
        port = server.stdout.readline().strip()
        if not port.isdigit():
            return {"server": Outcome(FAIL, "the CPython server did not start")}
        rc, out, err = run_mpy(binary, [os.path.join(MPY_DIR, "aiohttp_test.py"), port.decode()],
                               TIMEOUT, path_dirs=[ctx.lib])
        return cases_of_program(CASES, rc, out, err, TIMEOUT)
    finally:
        server.stdin.close()
        try:
            server.wait(5)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()
