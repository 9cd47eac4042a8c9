"""bench/run.py refuses binaries of different MicroPython versions, and ones
that do not report a version, before it measures anything (exit status 2)."""

import os
import stat
import subprocess
import sys
import tempfile
import unittest

RUN = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "bench", "run.py")


def fake(dirname, name, version):
    """A stand-in binary: prints `version` for `-c CODE`, fails otherwise."""
    path = os.path.join(dirname, name)
    body = 'if [ "$1" = "-c" ]; then echo "%s"; exit 0; fi\nexit 1\n' % version
    with open(path, "w") as f:
        f.write("#!/bin/sh\n" + body)
    os.chmod(path, os.stat(path).st_mode | stat.S_IXUSR)
    return path


def bench(stock, uaio):
    out = os.path.join(os.path.dirname(stock), "results.json")
    return subprocess.run([sys.executable, RUN, "--stock", stock, "--uaio", uaio, "--quick",
                           "--out", out], capture_output=True, text=True, timeout=60)


class Versions(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.TemporaryDirectory()
        self.addCleanup(self.tmp.cleanup)

    def test_different_versions_are_refused(self):
        r = bench(fake(self.tmp.name, "stock", "1.25.0"), fake(self.tmp.name, "uaio", "1.28.0"))
        self.assertEqual(r.returncode, 2, r.stderr)
        self.assertIn("stock is MicroPython 1.25.0 but uaio is 1.28.0", r.stderr)
        self.assertIn("--any-versions", r.stderr)

    def test_a_binary_without_a_version_is_refused(self):
        r = bench(fake(self.tmp.name, "stock", "1.28.0"), fake(self.tmp.name, "uaio", "garbage"))
        self.assertEqual(r.returncode, 2, r.stderr)
        self.assertIn("does not run or report its version", r.stderr)


if __name__ == "__main__":
    unittest.main()
