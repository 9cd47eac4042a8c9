# Microdot's own test suite under MicroPython, as Microdot's run_tests.py
# runs it (from Microdot's folder), except that the micropython-lib packages
# come from MICROPYPATH (micropython-lib itself) instead of the copies that
# Microdot bundles in libs/micropython. libs/common holds utemplate, which
# is not part of micropython-lib.
# Usage: microdot_suite.py [end2end]: with "end2end", the suite's
# tests/test_end2end.py instead (a real server on 127.0.0.1:5678, which
# run_tests.py leaves out; its tests skip what MicroPython lacks).
import sys

sys.path[0:1] = ["src", "", "libs/common"]

import unittest

if sys.argv[1:] == ["end2end"]:
    import tests.test_end2end as module
else:
    module = "tests"
if not unittest.main(module).wasSuccessful():
    sys.exit(1)
