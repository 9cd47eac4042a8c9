"""The suite's own checks: how a crash, a hang and a missing case are
counted, and that a case failing on uaio but passing on stock fails the
suite while one failing on both does not. Run: python3 test_harness.py"""

import os
import stat
import sys
import tempfile
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import part_microdot  # noqa: E402
from harness import FAIL, PASS, SKIP, Outcome, cases_of_program, run_mpy  # noqa: E402
from run import compare  # noqa: E402


def fake_binary(tmp, script):
    """A stand-in for a MicroPython binary: a shell script."""
    path = os.path.join(tmp, "fake")
    with open(path, "w") as f:
        f.write("#!/bin/sh\n" + script)
    os.chmod(path, stat.S_IRWXU)
    return path


class Programs(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.mkdtemp()

    def run_cases(self, script, timeout=5):
        rc, out, err = run_mpy(fake_binary(self.tmp, script), [], timeout)
        return cases_of_program(["a", "b"], rc, out, err, timeout)

    def test_all_reported(self):
        c = self.run_cases("echo 'CASE a ok'; echo 'CASE b FAIL wrong bytes'")
        self.assertEqual((c["a"].status, c["b"].status, c["exit"].status), (PASS, FAIL, PASS))
        self.assertEqual(c["b"].detail, "wrong bytes")

    def test_crash_after_first_case(self):
        c = self.run_cases("echo 'CASE a ok'; echo 'Traceback:'; echo 'OSError: 9'; exit 1")
        self.assertEqual(c["a"].status, PASS)
        self.assertEqual(c["b"].status, FAIL)
        self.assertIn("not reached (exit 1: OSError: 9)", c["b"].detail)
        self.assertEqual(c["exit"].status, FAIL)

    def test_hang_is_a_failure(self):
        c = self.run_cases("echo 'CASE a ok'; sleep 5", timeout=0.5)
        self.assertEqual(c["b"].status, FAIL)
        self.assertIn("timed out", c["b"].detail)


class Verdict(unittest.TestCase):
    def test_compare(self):
        stock = {"p": Outcome(PASS), "both": Outcome(FAIL, "x"), "s": Outcome(SKIP),
                 "only": Outcome(FAIL)}
        uaio = {"p": Outcome(FAIL), "both": Outcome(FAIL, "y"), "s": Outcome(SKIP),
                "only": Outcome(PASS), "extra": Outcome(FAIL)}
        regressions, both, better = compare(uaio, stock)
        self.assertEqual([r[0] for r in regressions], ["p", "extra"])
        self.assertEqual([b[0] for b in both], ["both"])
        self.assertEqual([b[0] for b in better], ["only"])

    def test_missing_on_uaio_counts(self):
        regressions, _, _ = compare({}, {"t": Outcome(PASS)})
        self.assertEqual([r[0] for r in regressions], ["t"])


class UnittestOutput(unittest.TestCase):
    def test_parse(self):
        out = ("test_a (tests.TestX) ... ok\n"
               "test_b (tests.TestX) ...Traceback (most recent call last):\n"
               "ZeroDivisionError: divide by zero\n ok\n"
               "test_c (tests.TestY) ... FAIL\n"
               "test_d (tests.TestY) ... skipped: no sha1\n"
               "test_e (tests.TestY) ...")
        c = part_microdot.parse_unittest(out)
        self.assertEqual({k: v.status for k, v in c.items()},
                         {"TestX.test_a": PASS, "TestX.test_b": PASS, "TestY.test_c": FAIL,
                          "TestY.test_d": SKIP, "TestY.test_e": FAIL})


if __name__ == "__main__":
    unittest.main()
