# Microdot's own test suite under MicroPython, as Microdot's run_tests.py
# runs it (from Microdot's folder), except that the micropython-lib packages
# come from MICROPYPATH (micropython-lib itself) instead of the copies that
# Microdot bundles in libs/micropython. libs/common holds utemplate, which
# is not part of micropython-lib.
import sys

sys.path[0:1] = ["src", "", "libs/common"]

import unittest

if not unittest.main("tests").wasSuccessful():
    sys.exit(1)
