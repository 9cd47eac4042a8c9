"""Part 3: micropython-lib's aiorepl, typed into through a pseudo-terminal
in raw mode (as a board's UART REPL sees keys: no line editing, Ctrl-D is
byte 4): expressions, an assignment, awaits, expressions that raise, a
task running in the background, and Ctrl-D to leave."""

import os
import pty
import re
import select
import subprocess
import time
import tty

from harness import FAIL, MPY_DIR, PASS, Outcome, micropypath

PROMPT = "--> "
STEP_TIMEOUT = 5  # seconds for any one answer
TOTAL_TIMEOUT = 40


class Terminal:
    """A MicroPython program on the slave side of a pty; we are the keyboard."""

    def __init__(self, argv, env):
        self.master, slave = pty.openpty()
        tty.setraw(slave)
        self.proc = subprocess.Popen(argv, env=env, stdin=slave, stdout=slave, stderr=slave,
                                     close_fds=True)
        os.close(slave)
        self.seen = ""  # everything the program wrote, with \r removed
        self.deadline = time.monotonic() + TOTAL_TIMEOUT

    def read_until(self, pattern, timeout=STEP_TIMEOUT):
        """Output from the current position up to and including PATTERN (a
        regex); None when it does not come in time."""
        start = len(self.seen)
        end = min(time.monotonic() + timeout, self.deadline)
        while True:
            m = re.compile(pattern).search(self.seen, start)
            if m:
                return self.seen[start:m.end()]
            left = end - time.monotonic()
            if left <= 0 or not self._read(left):
                return None

    def _read(self, timeout):
        r, _, _ = select.select([self.master], [], [], timeout)
        if not r:
            return False
        try:
            data = os.read(self.master, 4096)
        except OSError:  # EIO: the program closed the terminal (exited)
            return False
        if not data:
            return False
        self.seen += data.decode(errors="replace").replace("\r", "")
        return True

    def type(self, text):
        os.write(self.master, text.encode())

    def close(self):
        if self.proc.poll() is None:
            self.proc.kill()
        self.proc.wait()
        os.close(self.master)


def _ask(term, line, want, cases, name, timeout=STEP_TIMEOUT):
    """Type LINE; the answer up to the next prompt must match regex WANT."""
    if term.proc.poll() is not None:
        cases[name] = Outcome(FAIL, "not reached: " + _ended(term))
        return None
    term.type(line + "\n")
    answer = _answer(term, timeout)
    if answer is None:
        cases[name] = Outcome(FAIL, "no prompt after %r: %s" % (line, _ended(term)))
    elif re.search(want, answer):
        cases[name] = Outcome(PASS)
    else:
        cases[name] = Outcome(FAIL, "%r answered %r" % (line, answer.strip()[:160]))
    return answer


def _ended(term):
    """Why no prompt came: the program's end, or what it printed last."""
    try:
        rc = term.proc.wait(0.5)
    except subprocess.TimeoutExpired:
        return "still running; last output %r" % term.seen[-120:]
    last = term.seen.strip().splitlines()[-1:] or [""]
    return "the program ended (exit %d: %s)" % (rc, last[0][:160])


def _answer(term, timeout=STEP_TIMEOUT):
    """What the REPL printed up to its next prompt, without the echoed line."""
    chunk = term.read_until(re.escape(PROMPT), timeout)
    if chunk is None:
        return None
    return chunk[chunk.find("\n") + 1:-len(PROMPT)]


def _ctrl_c(term, cases):
    """Ctrl-C while an await runs cancels it (aiorepl reads the key in a
    second task): the prompt comes back long before the 5 s sleep ends."""
    name = "ctrl_c_cancels_await"
    if term.proc.poll() is not None:
        cases[name] = Outcome(FAIL, "not reached: " + _ended(term))
        return
    term.type("await asyncio.sleep(5)\n")
    time.sleep(0.1)
    t0 = time.monotonic()
    term.type("\x03")
    answer = _answer(term, 3)
    if answer is None:
        cases[name] = Outcome(FAIL, "no prompt within 3 s of Ctrl-C: %r" % term.seen[-160:])
    elif answer.strip():
        cases[name] = Outcome(FAIL, "printed %r" % answer.strip()[:160])
    else:
        ms = (time.monotonic() - t0) * 1000
        cases[name] = Outcome(PASS, "prompt %.0f ms after Ctrl-C" % ms)


def run(binary, label, ctx):
    env = dict(os.environ, MICROPYPATH=micropypath(ctx.lib))
    term = Terminal([binary, os.path.join(MPY_DIR, "aiorepl_main.py")], env)
    cases = {}
    try:
        if term.read_until(re.escape("Starting asyncio REPL...\n" + PROMPT)) is None:
            cases["start"] = Outcome(FAIL, "no banner and prompt: " + _ended(term))
            return cases
        cases["start"] = Outcome(PASS)
        _ask(term, "1 + 2", r"^3\n$", cases, "expression")
        _ask(term, "x = 6 * 7", r"^$", cases, "assignment")
        _ask(term, "x", r"^42\n$", cases, "global")
        t0 = time.monotonic()
        _ask(term, "await asyncio.sleep_ms(10)", r"^$", cases, "await_sleep")
        _ask(term, "await asyncio.sleep_ms(10) or 'slept'", r"^'slept'\n$", cases, "await_value")
        if cases["await_sleep"].status == PASS and time.monotonic() - t0 < 0.02:
            cases["await_sleep"] = Outcome(FAIL, "two 10 ms sleeps took under 20 ms")
        _ask(term, "1 / 0", r"^ZeroDivisionError: divide by zero\n$", cases, "raise")
        _ask(term, "await asyncio.wait_for_ms(asyncio.Event().wait(), 10)",
             r"^TimeoutError: ", cases, "await_raise")
        _ask(term, "undefined_name", r"^NameError: ", cases, "name_error")
        # The background task runs while the REPL waits for keys.
        first = _ask(term, "ticks", r"^\d+\n$", cases, "background")
        time.sleep(0.3)
        second = _ask(term, "ticks", r"^\d+\n$", cases, "background_later")
        if first is not None and cases["background_later"].status == PASS:
            a, b = int(first), int(second)
            if b - a < 10:  # 300 ms of 5 ms sleeps: ~60 steps
                cases["background_later"] = Outcome(
                    FAIL, "the background task stepped %d times in 300 ms (ticks %d -> %d)"
                    % (b - a, a, b))
        _ctrl_c(term, cases)
        if term.proc.poll() is not None:
            cases["ctrl_d"] = Outcome(FAIL, "not reached: " + _ended(term))
            return cases
        term.type("\x04")  # Ctrl-D: aiorepl returns, so does main()
        if term.read_until("aiorepl returned\n") is None:
            cases["ctrl_d"] = Outcome(FAIL, "after Ctrl-D: %r" % term.seen[-200:])
        else:
            try:
                rc = term.proc.wait(STEP_TIMEOUT)
                cases["ctrl_d"] = Outcome(PASS) if rc == 0 else Outcome(FAIL, "exit %d" % rc)
            except subprocess.TimeoutExpired:
                cases["ctrl_d"] = Outcome(FAIL, "still running %d s after Ctrl-D" % STEP_TIMEOUT)
        return cases
    finally:
        term.close()
