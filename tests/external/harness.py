"""What every part of the external-programs suite shares: running a
MicroPython binary with a time limit, and the outcome of each case."""

import os
import re
import subprocess

PASS, FAIL, SKIP = "pass", "fail", "skip"
HERE = os.path.dirname(os.path.abspath(__file__))
MPY_DIR = os.path.join(HERE, "mpy")  # the MicroPython side of our drivers


class Outcome:
    """One case on one binary: PASS, FAIL or SKIP, and why (for FAIL/SKIP)."""

    def __init__(self, status, detail=""):
        self.status = status
        self.detail = detail

    def __repr__(self):
        return "Outcome(%s, %r)" % (self.status, self.detail)


def micropypath(*dirs):
    """MICROPYPATH replaces the default sys.path: keep the frozen modules
    (asyncio, uasyncio) importable."""
    return ":".join(list(dirs) + [".frozen"])


def run_mpy(binary, args, timeout, path_dirs=(), cwd=None, env_extra=None, stdin=None):
    """Run BINARY ARGS; returns (returncode or None on timeout, stdout, stderr)."""
    env = dict(os.environ)
    env["MICROPYPATH"] = micropypath(*path_dirs)
    env.update(env_extra or {})
    try:
        p = subprocess.run(
            [binary] + list(args), cwd=cwd, env=env, timeout=timeout,
            stdin=subprocess.DEVNULL if stdin is None else stdin,
            stdout=subprocess.PIPE, stderr=subprocess.PIPE,
        )
        return p.returncode, p.stdout.decode(errors="replace"), p.stderr.decode(errors="replace")
    except subprocess.TimeoutExpired as e:
        out = (e.stdout or b"").decode(errors="replace")
        err = (e.stderr or b"").decode(errors="replace")
        return None, out, err


_CASE = re.compile(r"^CASE (\S+) (ok|FAIL|SKIP)(?: (.*))?$")


def parse_cases(out):
    """The lines 'CASE name ok|FAIL detail|SKIP reason' our MicroPython
    drivers print, as {name: Outcome}, in order."""
    cases = {}
    for line in out.splitlines():
        m = _CASE.match(line.rstrip("\r"))
        if m:
            name, word, detail = m.group(1), m.group(2), m.group(3) or ""
            status = {"ok": PASS, "FAIL": FAIL, "SKIP": SKIP}[word]
            cases[name] = Outcome(status, detail)
    return cases


def tail(text, lines=6):
    """The last lines of a program's output, on one line, for a report."""
    kept = [l.strip() for l in text.strip().splitlines() if l.strip()][-lines:]
    return " | ".join(kept)


def how_it_ended(rc, err, timeout, out=""):
    """E.g. 'exit 1: <the traceback's last line>' (MicroPython's unix port
    prints an uncaught exception on stdout)."""
    if rc is None:
        return "timed out after %d s" % timeout
    last = [l.strip() for l in (err.strip() or out.strip()).splitlines() if l.strip()][-1:]
    return "exit %d%s" % (rc, (": " + last[0][:200]) if last and rc else "")


def cases_of_program(expected, rc, out, err, timeout):
    """Outcomes of EXPECTED case names from one program's output; a case the
    program never reported failed, with how the program ended."""
    got = parse_cases(out)
    ending = how_it_ended(rc, err, timeout, out)
    result = {}
    for name in expected:
        if name in got:
            result[name] = got[name]
        else:
            result[name] = Outcome(FAIL, "not reached (%s)" % ending)
    # The program itself must end cleanly too (no traceback after the cases).
    result["exit"] = Outcome(PASS) if rc == 0 else Outcome(FAIL, ending)
    return result
